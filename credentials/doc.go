// Package credentials gives the AWS SDK for Go v2 (aws-sdk-go-v2) its
// credentials from the access keys of Nebius, Yandex Cloud and 3DS
// OUTSCALE, for their S3-compatible object storage.
//
//   - [StaticProvider] serves one key (created earlier, or read from
//     configuration), with its session token and expiry when it has them.
//   - [ManagedProvider] owns its keys through an [iam.KeyManager]
//     (nebius.KeyManager, yandex.AccessKeys, outscale.Client): it creates a
//     key when it holds none, creates the next one before the current one
//     reaches the end of its lifetime, switches once the new key is usable,
//     then deactivates and deletes the old one after a grace period, so
//     that requests in flight never fail. It never touches a key without
//     its Policy.Description mark.
//   - [S3Endpoint] gives each cloud's object-storage URL and signing region;
//     package s3client makes a ready *s3.Client in one call.
//
// A minimal program:
//
//	p, err := credentials.NewManagedProvider(keyManager, func(o *credentials.ManagedOptions) {
//		o.Policy = credentials.Policy{Lifetime: 24 * time.Hour, RotateBefore: 2 * time.Hour}
//		o.StateFile = "/var/lib/myapp/s3-key.json" // reuse the key across restarts
//	})
//	if err != nil { ... }
//	defer p.Close(ctx)
//	client, err := s3client.New(iam.Nebius, "eu-north1", p)
//
// Both providers also work with config.WithCredentialsProvider and inside
// aws.NewCredentialsCache; the Expires they report is when the credentials
// next change, so a cache asks again in time.
//
// # Rotation and failures
//
// Keys of Nebius and OUTSCALE are created with an expiry (now + Lifetime;
// OUTSCALE caps it by the account's API access policy, and a Lifetime
// beyond the cap is an error); Yandex static keys do not expire and are
// rotated by age. A failed create leaves the current key in use and is
// retried with jittered backoff; a failed deactivate or delete is retried
// later and reported (Logger, OnEvent, Status) and never blocks serving; a
// key that object storage refuses as unknown or inactive
// ([ManagedProvider.KeyRejected], called by s3client) triggers one early
// rotation. At most Policy.MaxKeys keys of ours exist at once, also across
// crashes: on start, keys with our mark whose secret we do not hold are
// deactivated and deleted before any new key is created.
//
// # Caching
//
// ManagedProvider is itself the cache: [ManagedProvider.Retrieve] costs one
// atomic load and at most one clock read, with no lock and no allocation,
// and does not block while a key is held. With ManagedOptions.StateFile the
// held keys (secrets included) are kept in a 0600 file, replaced
// atomically; a lock file next to it keeps processes that share it from
// creating keys at once. A corrupt file, or one whose keys are not in the
// account (another account's file), is renamed aside, never deleted or
// overwritten.
//
// # Concurrency
//
// Both providers are safe for concurrent use. A ManagedProvider runs one
// background goroutine, started by the first Retrieve (or Start) and
// stopped by Close; no goroutine is left behind after Close.
//
// # Secrets
//
// Printing a provider (fmt, slog) never shows a secret; logs, events and
// errors carry access key IDs only. aws.Credentials itself prints its
// secret, so do not log what Retrieve returns.
package credentials
