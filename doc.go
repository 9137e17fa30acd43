// Package iamkit is the map of the iamkit SDK: Go libraries to manage the
// IAM keys of Nebius AI Cloud, Yandex Cloud and 3DS OUTSCALE and to get
// tokens and S3 credentials from them. This package has no code; the work
// is done by the packages below. They import one another in one direction,
// each only from the layers under it (TestImportDirection checks it):
//
//	examples, cmd                      everything below
//	iam/iamtest/...                    auth, credentials/s3client (the options their helpers
//	                                   return), iam, internal; each cloud's emulator also its client
//	credentials, credentials/s3client  iam, internal: a cloud only through iam.KeyManager
//	iam/nebius, iam/yandex             auth, their cloud's token source, iam, internal
//	iam/outscale                       iam, internal
//	auth/nebiusauth, auth/yandexauth   auth, iam, internal
//	auth                               iam, internal
//	internal/httpx, internal/redact    iam (the HTTP plumbing of the clients)
//	internal/telemetry                 iam, internal/redact (the OpenTelemetry API only)
//	internal/clock                     iam (it implements iam.Clock)
//	iam                                internal/safeprint
//
// No library package imports the emulators, and a program that uses only
// Yandex or OUTSCALE does not link gRPC.
//
// Package iam is the provider-neutral vocabulary: the [iam.Secret] type
// that prints as REDACTED everywhere (fmt, slog, JSON, XML, errors) and
// hands out its value only through Reveal; the [iam.AccessKey] of an
// S3-compatible key and its [iam.State]; the [iam.KeyManager] interface that
// each cloud implements so that keys can be created, rotated and deleted
// without knowing the cloud; and [iam.Error] with sentinels such as
// [iam.ErrNotFound] and [iam.ErrThrottled] for errors.Is.
//
// Package auth turns a service account's private key into access tokens.
// Its generic half is a lock-free cache that refreshes tokens before they
// expire, shares one upstream call among all callers, and is an
// oauth2.TokenSource; a Transport that adds the Bearer header to HTTP
// requests; token stores and the loader of plain PEM keys. The clouds'
// halves are its subpackages: auth/nebiusauth (the Nebius credentials
// JSON, RS256 JWTs, RFC 8693 token exchange) and auth/yandexauth (the
// Yandex key.json, PS256 JWTs, /iam/v1/tokens).
//
// Packages iam/nebius, iam/yandex and iam/outscale are the typed clients
// of each cloud's key APIs: Nebius access keys and authorized keys over
// gRPC; Yandex API keys, static access keys, authorized keys and ephemeral
// keys over REST; OUTSCALE access keys and API access policy over REST with
// SigV4 or login/password, and its config.json profiles. Each takes its
// token from package auth (OUTSCALE signs with access keys instead), waits
// for long-running operations, pages lists as iterators, and returns
// errors that match the iam sentinels. A program that uses only Yandex or
// OUTSCALE does not link gRPC.
//
// Package credentials gives the AWS SDK for Go v2 its credentials from
// access keys: a static provider for a key you have, and a managed provider
// that creates a key through an iam.KeyManager, rotates it before it
// expires and deletes the old one after a grace period. It also knows the
// S3 endpoints and signing regions of the three clouds' object storage.
//
// Package iam/iamtest (with nebiustest, yandextest and outscaletest) holds
// emulators of all of the above that listen on loopback and check
// signatures, JWTs and tokens for real. The examples run on them by
// default, and your tests can too, as net/http/httptest serves HTTP code.
//
// Every client, exchanger, token cache and managed provider records
// OpenTelemetry spans and metrics through the API modules only, to the
// global providers unless its options name others (no-ops until the
// program installs an SDK); see package iam, # Telemetry. The nested
// module observability/ holds the SDK tests and an example.
//
// Minimal use, a token source for a Nebius service account:
//
//	key, err := nebiusauth.LoadCredentialsFile("credentials.json")
//	if err != nil { ... } // names the file and the field
//	ts, err := nebiusauth.ServiceAccount(key)
//	if err != nil { ... }
//	defer ts.Close()
//	client := auth.NewClient(ts) // Bearer tokens; the request's context; one retry after a 401
//
// Start with examples/quickstart: go run ./examples/quickstart. For the
// shell (an AWS credential_process helper, tokens, key management, the
// emulators as one server), install the command cmd/iamkit:
// go install github.com/iamkit/iamkit/cmd/iamkit@latest.
//
// # Concurrency
//
// Every client, token source, credentials provider and emulator in iamkit
// is safe for concurrent use; the types that run background work (token
// caches, managed credentials providers, emulators) have a Close that stops
// it and leaves no goroutine behind.
package iamkit
