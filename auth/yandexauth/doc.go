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
// The ambient sources, each usable alone (yandex.LoadDefaultConfig chains
// them in the documented order and says which one it used):
//
//   - [MetadataTokenSource] serves the token of the service account
//     attached to the VM (also Managed Kubernetes nodes and serverless
//     containers), from the metadata service at 169.254.169.254 or
//     YC_METADATA_ADDR; [ProbeMetadata] tells, within a short timeout,
//     whether there is one.
//   - [LoadCLIConfig] reads yc's ~/.config/yandex-cloud/config.yaml; a
//     [CLIProfile] with a service-account-key or instance-service-account
//     gives a token source ([CLIProfile.TokenSource]); one with an OAuth
//     token or a federation is refused with the reason.
//   - [LoadKeyFileFromEnv] loads the key.json that
//     YC_SERVICE_ACCOUNT_KEY_FILE names (or holds).
//   - [LoadAPIKeyFile] reads the api_key.yaml of "yc iam api-key create",
//     and [NewAPIKeyTransport] and [NewAPIKeyClient] send an [APIKey] as
//     "Authorization: Api-Key <secret>" (an API key is not exchanged for
//     an IAM token). No official Yandex SDK reads an API key from an
//     environment variable, so neither does this package.
//
// A user account's key.json (user_account_id) loads too and signs its
// JWTs with the user account's ID as "iss", as yandex-cloud/go-sdk v2's
// UserAccountKey does (see [ParseKey]).
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
// The cache of [MetadataTokenSource] fetches the token again once it has
// served a minute, and only when a call asks for it (in the background
// while the token is still good): no timer or refresh loop runs between
// calls, and a token whose wall-clock expiry has passed (a serverless
// container frozen for hours, a VM resumed from a suspend) is never
// served — the first call after it waits for a new one.
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
// # Redirects). An [APIKeyTransport] follows the same rule: a redirect hop
// to another origin carries no API key. [APIKey], [CLIConfig] and
// [CLIProfile] print without their secrets; the errors of the file readers
// name the file, the profile and the field, never a value.
//
// # Network
//
// The metadata requests connect through no proxy, within a short timeout
// (500 ms), and keep no idle connection; in tests, every dial of the
// metadata sources goes through one hook that refuses addresses that are
// not loopback.
package yandexauth
