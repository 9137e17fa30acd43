// Package iamtest provides in-process emulators of the clouds' IAM and S3
// services, for tests and examples: like net/http/httptest, each emulator
// listens on a loopback port, speaks the provider's real wire contract, and
// is closed with Close.
//
// This package holds the token-exchange emulators (Nebius RFC 8693 token
// exchange, Yandex /iam/v1/tokens), the S3 emulator that verifies SigV4
// signatures, and the [Registry] they share. The key-management emulators
// live in the sub-packages nebiustest, yandextest and outscaletest.
//
// The emulators check for real: JWT signatures against registered public
// keys, bearer tokens against the tokens they issued, SigV4 signatures
// against the secrets they minted. [Faults] lets a test inject latency,
// errors, throttling, hangs and connection resets.
package iamtest
