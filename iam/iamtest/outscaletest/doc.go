// Package outscaletest is an in-process emulator of the OUTSCALE API
// (OSC API, "oapi") calls that manage access keys, for tests and examples:
// CreateAccessKey, ReadAccessKeys, UpdateAccessKey, DeleteAccessKey,
// ReadApiAccessPolicy, UpdateApiAccessPolicy and CheckAuthentication, on
// a loopback address, under /api/v1/<Call> (and the /api/latest/ alias).
//
// It checks for real: SigV4 signatures (AWS4-HMAC-SHA256 with X-Amz-Date,
// or OSC4-HMAC-SHA256 with X-Osc-Date) are recomputed with the secret the
// emulator minted; login/password is accepted with "Authorization: Basic"
// plus X-Osc-Date, only on the calls the API allows it for (code 9
// otherwise); four failures in a row lock the account for a simulated
// minute (code 13) on the emulator's clock; unknown or misspelled JSON
// fields are refused (additionalProperties: false). State is real: per
// account, root and EIM users, ACTIVE/INACTIVE keys, the 10-key limit, EIM
// keys that must be INACTIVE before deletion, the API access policy's
// MaxAccessKeyExpirationSeconds, and, behind Options.Legacy, the pre-1.40
// UpdateAccessKey that drops an expiry it is not re-sent. Every key it mints
// is put in the shared [iamtest.Registry], kept in sync with its state,
// expiry and deletion, so the S3 emulator accepts it.
//
// Minimal use:
//
//	srv, err := outscaletest.New() // Options.Addr: a loopback host:port; default 127.0.0.1:0
//	if err != nil { … }
//	defer srv.Close()
//	c, err := outscale.New(srv.ClientOptions(srv.Root)) // endpoint, region, keys, CA, clock
//
// [Server.Root] (and what [Server.AddAccount] and [Server.AddUser] return)
// are [Credentials], whose secret key and password are iam.Secret values.
//
// Options.TLS serves HTTPS from the emulator's own CA ([Server.RootCAs]);
// Options.RequireClientCert also requires a client certificate from
// [Server.IssueClientCertificate] (401 code 14 without one), as for an
// account with API access rules.
//
// [Server.Faults] injects throttling (Code "6" → 503, "24"/"25" → 429),
// other errors, latency, hangs and lost answers; [Server.Calls] counts the
// requests per call and [Server.Requests] records what each request carried
// (auth scheme, scope, date, result) so tests can assert on retries and
// signatures.
//
// # Concurrency
//
// A Server is safe for concurrent use; its methods may be called while
// requests are served.
package outscaletest
