// Package nebiusauth gets access tokens for Nebius AI Cloud from a service
// account's key: it reads the Nebius credentials JSON, signs the JWT the
// token service expects and exchanges it (RFC 8693) for an access token.
// It is the Nebius half of the pipeline of package auth, whose generic
// parts (the cache, the transport, the token stores) it plugs into.
//
//   - [LoadCredentialsFile] and [ParseCredentials] read the credentials
//     JSON that "nebius iam auth-public-key generate" writes
//     ({"subject-credentials": {…}}) into an [auth.ServiceAccountKey].
//     Errors are [*auth.KeyFileError] values that name the file and the
//     field and never contain key material.
//   - [Signer] signs the RS256 JWT (kid = the public key ID, iss = sub =
//     the service account ID, aud = [JWTAudience]).
//   - [Exchanger] trades the JWT for an access token at
//     [DefaultTokenEndpoint]; wrap it in an [auth.Cache] to reuse tokens.
//   - [ServiceAccount] builds signer, exchanger and cache in one call;
//     [EnvTokenSource] serves the token in NEBIUS_IAM_TOKEN.
//
// Minimal use:
//
//	key, err := nebiusauth.LoadCredentialsFile("credentials.json")
//	if err != nil { ... }
//	ts, err := nebiusauth.ServiceAccount(key)
//	if err != nil { ... }
//	defer ts.Close()
//	client := auth.NewClient(ts)
//
// The package links no gRPC: the gRPC key clients live in iam/nebius.
//
// # Caching
//
// Nothing here caches: an [Exchanger] makes one exchange per call. The
// [auth.Cache] that [ServiceAccount] returns caches the tokens and
// refreshes them in the background (see package auth).
//
// # Concurrency
//
// Every type in this package is safe for concurrent use; a [Signer] and an
// [Exchanger] are immutable after construction.
//
// # Secrets
//
// Private keys, JWTs and tokens never appear in errors or logs; a [Signer]
// prints as its key's IDs. An exchange error's text is scrubbed of the JWT
// it sent, and a JWT never travels to another origin than the endpoint
// (see package auth, # Redirects).
package nebiusauth
