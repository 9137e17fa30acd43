// Package source assembles the token sources that auth/nebiusauth and
// auth/yandexauth both offer: the service-account cache (signer, exchanger
// and auth.Cache from auth.ServiceAccountOptions) and the static source of
// a token held in an environment variable.
package source
