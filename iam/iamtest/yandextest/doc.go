// Package yandextest is an in-process emulator of the Yandex Cloud IAM REST
// API for tests and examples: API keys, static access keys, authorized
// keys, ephemeral access keys, the operation service and the endpoint
// list, on one loopback listener with real state.
//
// It is built to be used with the token emulator of package iamtest
// through a shared [iamtest.Registry]: the emulator accepts the bearer
// tokens the Yandex token emulator issued, the authorized keys it creates
// register their public keys so that JWTs signed with them can be
// exchanged for tokens, and the static and ephemeral access keys it mints
// are accepted by the S3 emulator.
//
//	reg := iamtest.NewRegistry()
//	tokens := iamtest.NewYandexTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = reg })
//	defer tokens.Close()
//	iamSrv, err := yandextest.New(func(o *yandextest.Options) { o.Registry = reg })
//	if err != nil { ... }
//	defer iamSrv.Close()
//	keyJSON, err := iamSrv.BootstrapKeyFile() // a key.json of the default service account
//	// sign in with keyJSON at tokens.URL, then:
//	client, err := yandex.New(ts, iamSrv.ClientOptions())
//
// Tests that do not need a token exchange take a token from
// [Server.IssueToken].
//
// The emulator listens on Options.Addr (loopback only; a free port on
// 127.0.0.1 by default), and the endpoint list (GET /endpoints) names that
// address for the "iam" and "operation" endpoints.
//
// What the emulator adds for tests: operations that finish after
// Options.OperationPolls polls (and answer NOT_FOUND for the first
// Options.OperationNotFoundPolls), [Server.FailNextOperation],
// [Server.LoseResponses] (process, then answer 503: a retry with the same
// Idempotency-Key gets the first answer), fault injection through
// Server.Faults, API-key checks ([Server.CheckAPIKey] and the route
// GET /iamtest/v1/apiKeyCheck), and counters ([Server.Calls],
// [Server.Stats]).
//
// # What it implements
//
// The calls of ApiKeyService, AccessKeyService, KeyService,
// TemporaryAccessKeyService.CreateEphemeral, OperationService (Get, and
// Cancel by GET or POST on /operations/{id}:cancel: the proto's
// annotation says GET, the API design guide POST), and
// ApiEndpointService. Create answers the resource directly, as the API
// does, and records no operation; Update and Delete record operations
// whose metadata and response name only the messages the API defines
// (UpdateApiKeyMetadata, DeleteApiKeyMetadata, ApiKey, … and
// google.protobuf.Empty). A masked API-key secret is "****" and the
// secret's last six characters, of [a-zA-Z0-9_] (the documented form; that
// the real API shows the tail is UNCONFIRMED).
//
// Anything else is a clean 501 UNIMPLEMENTED that changes nothing: a
// route's unknown method or custom method, a body on a call that takes
// none, and a body field or query parameter that the call's request
// message does not define (proto3 JSON names are accepted in both their
// lowerCamelCase and snake_case forms). The real gateway's handling of
// unknown fields is UNCONFIRMED (grpc-gateway ignores them by default); an
// emulator that ignored them would answer as if it had honoured them.
//
// # Concurrency
//
// A Server is safe for concurrent use. Close releases every request it
// holds (FaultHang) and leaves no goroutine behind.
package yandextest
