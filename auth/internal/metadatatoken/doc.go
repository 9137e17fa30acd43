// Package metadatatoken is the token source that nebiusauth and yandexauth
// build on a VM metadata service: an exchanger that fetches the token with
// the provider's header (retried on the injected clock, through no proxy),
// maps failures to *iam.Error values, and an auth.Cache over it that
// fetches again lazily, on a call, once the token has served MaxRefreshAge
// (one minute by the providers' defaults) or half its remaining life, and
// never serves it past its wall-clock expiry. The providers keep their
// addresses, headers and answer formats; only the mechanism is here.
package metadatatoken
