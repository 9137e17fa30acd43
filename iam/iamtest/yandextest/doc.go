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
//	iamSrv := yandextest.New(func(o *yandextest.Options) { o.Registry = reg })
//	defer iamSrv.Close()
//	keyJSON, err := iamSrv.BootstrapKeyFile() // a key.json of the default service account
//	// sign in with keyJSON at tokens.URL, then call iamSrv.URL.
//
// Tests that do not need a token exchange take a token from
// [Server.IssueToken].
//
// What the emulator adds for tests: operations that finish after
// Options.OperationPolls polls (and answer NOT_FOUND for the first
// Options.OperationNotFoundPolls), [Server.FailNextOperation],
// [Server.LoseResponses] (process, then answer 503: a retry with the same
// Idempotency-Key gets the first answer), fault injection through
// Server.Faults, API-key checks ([Server.CheckAPIKey] and the route
// GET /iamtest/v1/apiKeyCheck), and counters ([Server.Stats]).
//
// # Concurrency
//
// A Server is safe for concurrent use. Close releases every request it
// holds (FaultHang) and leaves no goroutine behind.
package yandextest
