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
// The ambient sources, each usable alone (nebius.LoadDefaultConfig chains
// them in gosdk's order and says which one it used):
//
//   - [LoadCLIConfig] reads the Nebius CLI's ~/.nebius/config.yaml as
//     gosdk reads it ("default", "profiles", every profile key). A
//     [CLIProfile] says which credentials it holds ([CLIProfile.Credentials]:
//     token-file, token-endpoint, or one of the four service-account
//     combinations, checked in gosdk's order and with gosdk's errors) and
//     loads a service-account key ([CLIProfile.ServiceAccountKey]); a
//     profile with auth-type federation (a browser login) is refused with
//     the reason. Its parent-id is the clients' default project.
//   - [TokenFileSource] serves the token a file holds (a profile's
//     token-file, /mnt/cloud-metadata/token on a VM), read again when the
//     file changes (checked on the injected clock).
//   - [MetadataTokenSource] serves the token of the service account
//     attached to the VM, from the metadata service at
//     http://metadata.nebius.internal/v1/iam/sa/token (or
//     IAMKIT_NEBIUS_METADATA_URL); [ProbeMetadata] tells, within a short
//     timeout, whether there is one.
//
// Impersonation and federated subject credentials (an external OIDC JWT
// exchanged for a service account's tokens) are exchanges of the gRPC
// TokenExchangeService: they live in iam/nebius, which links gRPC. (The
// HTTP exchange's form fields for actor tokens are not published.)
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
// The cache of [MetadataTokenSource] fetches the token again once it has
// served a minute, and only when a call asks for it (in the background
// while the token is still good): no timer or refresh loop runs between
// calls, and a token whose wall-clock expiry (expires_at) has passed is
// never served. A [TokenFile] looks at its file at most every
// CheckInterval, and right after a rejected token is reported to it.
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
// (see package auth, # Redirects). [CLIConfig] and [CLIProfile] print
// without their private-key, a [TokenFile] as its path; the errors of the
// file readers name the file, the profile and the key, never a value.
package nebiusauth
