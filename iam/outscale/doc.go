// Package outscale is a typed client for the 3DS OUTSCALE API (OSC API)
// calls that manage access keys: CreateAccessKey, ReadAccessKeys,
// UpdateAccessKey, DeleteAccessKey, ReadApiAccessPolicy,
// UpdateApiAccessPolicy and CheckAuthentication. Each is a
// POST https://api.<region>.outscale.com/api/v1/<Call> with a JSON body
// whose PascalCase fields match the API exactly. ReadSecretAccessKey is not
// offered: the API removed it in 1.34.
//
// [Client] also implements [iam.KeyManager], so the credentials package can
// create, rotate and delete OUTSCALE keys; it honours the account's
// MaxAccessKeyExpirationSeconds when it chooses an expiry.
//
//	p, err := outscale.LoadProfile() // ~/.osc/config.json + OSC_* env
//	if err != nil { … }
//	c, err := outscale.New(outscale.WithProfile(p))
//	if err != nil { … }
//	out, err := c.CreateAccessKey(ctx, outscale.CreateAccessKeyRequest{
//		ExpirationDate: outscale.NewDate(time.Now().Add(time.Hour)),
//	})
//	// out.AccessKey.SecretKey is an iam.Secret: it prints as REDACTED.
//
// # Authentication
//
// With an access key, requests are signed with AWS Signature Version 4
// (AWS4-HMAC-SHA256, service "oapi", the client's real region — osc-sdk-go
// v2 always signs "eu-west-2"), over the exact body, and re-signed before
// every attempt so that a retry carries a fresh X-Amz-Date. With a login
// and password, requests carry "Authorization: Basic" (standard base64)
// and X-Osc-Date, which the official Go SDKs forget; only the calls the API
// allows it for are sent (CheckAuthentication is refused before sending).
// A client certificate (mTLS) is presented when the profile or options give
// one, for accounts whose API access rules require it.
//
// # Configuration
//
// [LoadProfile] reads ~/.osc/config.json (OSC_CONFIG_FILE, OSC_PROFILE) and
// the OSC_* environment variables; the environment wins over the file and
// [Options] win over both. Mistakes are reported before any request, naming
// the field and the file and profile (or variable) it came from.
//
// # Dates
//
// [Date] parses every date form the API and its clients show (with
// "+0000", "Z" or "+00:00", with or without fractional seconds, date-only)
// and sends "YYYY-MM-DDTHH:MM:SSZ" or "YYYY-MM-DD", never an empty string.
//
// # Expiry-preserving updates
//
// UpdateAccessKey without ExpirationDate makes the key never expire on
// servers before API 1.40 (the spec still says so). [Client.SetState] and
// the KeyManager's UpdateKey read the current expiry and re-send it; use
// ClearExpirationDate to remove an expiry on purpose.
//
// # Errors and retries
//
// Calls return [*iam.Error] with the OSC code, type, details and request
// ID, matching the iam sentinels: throttling codes 6, 24 and 25 match
// iam.ErrThrottled, 4000 and 5xxx iam.ErrNotFound, 9xxx
// iam.ErrAlreadyExists, 6xxx iam.ErrFailedPrecondition, 1/11/13
// iam.ErrUnauthenticated, 5/7/14 iam.ErrPermissionDenied. Throttled (429,
// 503) and refused requests are retried with capped exponential backoff and
// jitter, safe because they were not processed; reads and updates are also
// retried after other transport errors and 500/502/504. A 401 is never
// retried (four bad signatures lock the account). A CreateAccessKey whose answer
// may have been lost is not retried either: its error matches
// [ErrOutcomeUnknown]; with [ReconcileByTag] the client looks the key up
// by its tag and, since its secret was lost with the answer, deactivates
// and deletes it before creating one more, so that exactly one key exists
// and its secret is known.
//
// # Concurrency
//
// A Client is safe for concurrent use and should be reused: it holds a
// connection pool. Close releases the idle connections of a transport it
// built for TLS options.
package outscale
