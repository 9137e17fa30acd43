// Package iamtest provides in-process emulators of the clouds' IAM and S3
// services, for tests and examples: like net/http/httptest, each emulator
// listens on a loopback port, speaks the provider's real wire contract, and
// is closed with Close.
//
// This package holds the token-exchange emulators ([NewNebiusTokenServer]:
// the Nebius RFC 8693 token exchange; [NewYandexTokenServer]: Yandex
// /iam/v1/tokens), the S3 emulator ([NewS3Server]) that verifies SigV4
// signatures, and the [Registry] they share. The key-management emulators
// live in the sub-packages nebiustest (gRPC), yandextest and outscaletest.
//
// The emulators check for real: JWT signatures against registered public
// keys, bearer tokens against the tokens they issued, SigV4 signatures
// against the secrets they minted. Share one Registry between the
// emulators of a test so that what one mints, the others accept: a public
// key uploaded to nebiustest verifies JWTs at the Nebius token server, an
// access key created in outscaletest signs requests to the S3 server.
//
// Every emulator of the family has the same shape: a constructor
// New…(optFns ...func(*Options)) (*Server, error) whose options have an
// Addr (a loopback host:port; default [DefaultAddr], a free port on
// 127.0.0.1; any other host is refused), URL and Addr fields, Calls(method)
// counting the requests for an operation as the emulator names it,
// IssueToken(subject, ttl) where it issues or checks bearer tokens, Close,
// and a method returning ready options for the client it serves, as
// httptest.Server.Client does: ServiceAccountOptions for
// nebiusauth.ServiceAccount and yandexauth.ServiceAccount,
// [S3Server.ClientOptions] for s3client.New.
//
// A minimal test:
//
//	reg := iamtest.NewRegistry()
//	tokens, err := iamtest.NewNebiusTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = reg })
//	if err != nil { … }
//	defer tokens.Close()
//	reg.PutPublicKey(iamtest.PublicKey{KeyID: "publickey-1", ServiceAccountID: "sa-1", Key: &priv.PublicKey})
//	key, _ := auth.NewServiceAccountKey("publickey-1", "sa-1", priv)
//	ts, _ := nebiusauth.ServiceAccount(key, tokens.ServiceAccountOptions())
//	defer ts.Close()
//
// The secrets the emulators hold (S3Key.Secret and SessionToken) are
// iam.Secret values: printing an emulator, its options or its keys never
// shows them.
//
// [Faults] injects latency, error statuses (with Retry-After), hangs and
// connection resets into any emulator. [NewFakeClock] gives an emulator (and
// the code under test) a clock that moves only when the test says so.
//
// # Concurrency
//
// Emulators, the Registry and Faults are safe for concurrent use; Close
// releases requests that hang on a fault and leaves no goroutine behind.
package iamtest
