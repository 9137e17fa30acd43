// Package outscale is a typed client for the 3DS OUTSCALE API (OSC API)
// calls that manage access keys: CreateAccessKey, ReadAccessKeys,
// UpdateAccessKey, DeleteAccessKey, ReadApiAccessPolicy,
// UpdateApiAccessPolicy and CheckAuthentication. Each is a
// POST https://api.<region>.outscale.com/api/v1/<Call> with a JSON body
// whose PascalCase fields match the API exactly. ReadSecretAccessKey is not
// offered: the API removed it in 1.34.
//
// The calls are grouped as the API groups them: [Client.AccessKeys] returns
// the access-key sub-client of the caller's own keys and
// [Client.UserAccessKeys] the same sub-client scoped to an EIM user (every
// call then carries that UserName), with the family's vocabulary:
// [AccessKeys.Create] (the key with its secret), [AccessKeys.List],
// [AccessKeys.Get] (by access key ID), [AccessKeys.Update] (the key after
// the update), [AccessKeys.Delete] (only an error) and [AccessKeys.SetState].
// [Client.APIAccessPolicy] returns the policy's ([APIAccessPolicyClient.Get],
// [APIAccessPolicyClient.Update], both returning the policy);
// [Client.CheckAuthentication] is on the client. The request types keep
// the API's names and fields, less the UserName the sub-client adds. The
// API has no paging and no long-running operations, so every method
// returns when its call is done; the request ID of a failed call is in its
// [*iam.Error].
//
// [NewKeyManager] wraps a Client as an [iam.KeyManager], so the credentials
// package can create, rotate and delete OUTSCALE keys of the caller or of an
// EIM user (KeyManagerOptions.UserName); it honours the account's
// MaxAccessKeyExpirationSeconds when it chooses an expiry.
//
//	p, err := outscale.LoadProfile() // ~/.osc/config.json + OSC_* env
//	if err != nil { … }
//	c, err := outscale.New(outscale.WithProfile(p))
//	if err != nil { … }
//	out, err := c.AccessKeys().Create(ctx, outscale.CreateAccessKeyRequest{
//		ExpirationDate: outscale.NewDate(time.Now().Add(time.Hour)),
//	})
//	// out.SecretKey is an iam.Secret: it prints as REDACTED.
//	km, err := outscale.NewKeyManager(c) // for credentials.NewManagedProvider
//
// # Authentication
//
// With an access key, requests are signed with AWS Signature Version 4
// (AWS4-HMAC-SHA256, service "oapi", the client's real region — osc-sdk-go
// v2 always signs "eu-west-2"), by aws-sdk-go-v2's aws/signer/v4, over the
// exact body, and re-signed before every attempt so that a retry carries a
// fresh X-Amz-Date. With a login and password, requests carry
// "Authorization: Basic" (standard base64) and X-Osc-Date, which the
// official Go SDKs forget; only the calls the API allows it for are sent
// (CheckAuthentication is refused before sending). A client certificate
// (mTLS) is presented when the profile or options give one, for accounts
// whose API access rules require it.
//
// # Configuration
//
// [LoadProfile] reads ~/.osc/config.json (another file with OSC_CONFIG_FILE;
// a profile other than "default" with OSC_PROFILE) and the OSC_* environment
// variables; the environment wins over the file and [Options] win over
// both. The file is the one OUTSCALE's CLIs and SDKs share: a JSON object of
// named profiles,
//
//	{"default": {"access_key": "ABCDEFGHIJ0123456789", "secret_key": "…", "region": "eu-west-2",
//	             "endpoints": {"api": "api.eu-west-2.outscale.com/api/v1"}}}
//
// whose keys, with the variable that overrides each, are:
//
//	access_key            OSC_ACCESS_KEY            access key ID (SigV4), with secret_key
//	secret_key            OSC_SECRET_KEY            its secret key
//	login (alias email)   OSC_LOGIN                 account email (Basic), with password
//	password              OSC_PASSWORD              its password
//	region                OSC_REGION                region (default eu-west-2)
//	protocol              OSC_PROTOCOL              "https" (default) or "http", for an endpoint without scheme
//	endpoints.api         OSC_ENDPOINT_API          API base URL or host[/path] (default: the region's)
//	x509_client_cert      OSC_X509_CLIENT_CERT      path of a PEM client certificate (mTLS)
//	x509_client_cert_b64  OSC_X509_CLIENT_CERT_B64  the same PEM, base64
//	x509_client_key       OSC_X509_CLIENT_KEY       path of its PEM private key
//	x509_client_key_b64   OSC_X509_CLIENT_KEY_B64   the same PEM, base64
//	tls_skip_verify       OSC_TLS_SKIP_VERIFY       true: do not verify the server (tests only)
//
// Other keys (method, the other endpoints, iam_v2_services, …) are ignored.
// Mistakes are reported before any request, naming the field and the file
// and profile (or variable) it came from.
//
// [LoadDefaultConfig] is the same chain made the same kind of value as
// nebius.LoadDefaultConfig and yandex.LoadDefaultConfig return: a [Config]
// with the resolved profile, the [auth.Source] its credentials came from
// (String names it, never a secret), ClientOptions for [New] and Close;
// with no credentials anywhere its error is an *auth.NoCredentialsError
// (errors.Is auth.ErrNoCredentials) listing the sources and why each was
// skipped:
//
//	cfg, err := outscale.LoadDefaultConfig(ctx)
//	if err != nil { … }
//	c, err := outscale.New(cfg.ClientOptions())
//
// # Dates
//
// [Date] parses every date form the API and its clients show (with
// "+0000", "Z" or "+00:00", with or without fractional seconds, date-only)
// and sends "YYYY-MM-DDTHH:MM:SSZ" (with the fraction the value has) or
// "YYYY-MM-DD", never an empty string. The key manager sends the expiries
// it computes to the millisecond.
//
// # Expiry-preserving updates
//
// UpdateAccessKey without ExpirationDate makes the key never expire on
// servers before API 1.40 (the spec still says so). [AccessKeys.SetState]
// and the KeyManager's UpdateKey read the current expiry and re-send it;
// use ClearExpirationDate to remove an expiry on purpose.
//
// # Errors and retries
//
// Calls return [*iam.Error] with the OSC code, type, details and request
// ID, matching the iam sentinels: throttling codes 6, 24 and 25 match
// iam.ErrThrottled, 4000 and 5xxx iam.ErrNotFound, 9xxx
// iam.ErrAlreadyExists, 6xxx iam.ErrFailedPrecondition, 1/11/13 (and a
// request the credentials could not sign) iam.ErrUnauthenticated, 5/7/14
// iam.ErrPermissionDenied. Throttled (429, 503) and refused requests are
// retried with capped exponential backoff and jitter, safe because they
// were not processed; reads and updates are also retried after other
// transport errors and 500/502/504. Each attempt is bounded by
// Options.AttemptTimeout (default 30s), so a stalled server does not hold
// a call without a caller deadline forever. A 401 is never retried (four
// bad signatures lock the account). A CreateAccessKey whose answer may have
// been lost is not retried either: its error matches [ErrOutcomeUnknown]
// and carries an [*OutcomeUnknownError] with the key's tag; with
// [ReconcileByTag] the client looks the key up by its tag and, since its
// secret was lost with the answer, deactivates and deletes it before
// creating one more, so that exactly one key exists and its secret is
// known.
//
// # Concurrency
//
// A Client, its sub-clients and a KeyManager are safe for concurrent use
// and should be reused: the client holds a connection pool. Close releases
// the idle connections of a transport it built for TLS options.
package outscale
