// Package yandexauth gets IAM tokens for Yandex Cloud from a service
// account's authorized key: it reads the key.json that "yc iam key create"
// writes, signs the PS256 JWT the IAM token service expects and exchanges
// it at /iam/v1/tokens. It is the Yandex half of the pipeline of package
// auth, whose generic parts (the cache, the transport, the token stores) it
// plugs into.
//
//   - [LoadKeyFile], [ParseKey] and [ParseKeyFile] read key.json (snake_case
//     or camelCase fields, with or without the "PLEASE DO NOT REMOVE THIS
//     LINE!" line) into an [auth.ServiceAccountKey]. Errors are
//     [*auth.KeyFileError] values that name the file and the field and
//     never contain key material.
//   - [Signer] signs the PS256 JWT (salt length = hash length, kid = the
//     authorized key ID, iss = the service account ID, aud = [JWTAudience]).
//   - [Exchanger] trades the JWT for an IAM token at
//     [DefaultTokenEndpoint]; wrap it in an [auth.Cache] to reuse tokens.
//   - [ServiceAccount] builds signer, exchanger and cache in one call;
//     [EnvTokenSource] serves the token in YC_IAM_TOKEN or YC_TOKEN.
//
// Minimal use:
//
//	key, err := yandexauth.LoadKeyFile("key.json")
//	if err != nil { ... }
//	ts, err := yandexauth.ServiceAccount(key)
//	if err != nil { ... }
//	defer ts.Close()
//	client := auth.NewClient(ts)
//
// # Caching
//
// Nothing here caches: an [Exchanger] makes one exchange per call. The
// [auth.Cache] that [ServiceAccount] returns caches the IAM tokens and, as
// Yandex recommends, gets a new one at least every hour (see package auth).
//
// # Concurrency
//
// Every type in this package is safe for concurrent use; a [Signer] and an
// [Exchanger] are immutable after construction.
//
// # Secrets
//
// Private keys, JWTs and tokens never appear in errors or logs; a [Signer]
// prints as its key's IDs and a [KeyFile] as its fields without the key.
// An exchange error's text is scrubbed of the JWT it sent, and a JWT never
// travels to another origin than the endpoint (see package auth,
// # Redirects).
package yandexauth
