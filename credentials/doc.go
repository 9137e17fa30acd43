// Package credentials gives the AWS SDK for Go v2 (aws-sdk-go-v2) its
// credentials from the access keys of Nebius, Yandex Cloud and 3DS
// OUTSCALE, for their S3-compatible object storage.
//
//   - [StaticProvider] serves one key (created earlier, or read from
//     configuration), with its session token and expiry when it has them.
//   - [ManagedProvider] owns its keys through an [iam.KeyManager] (made by
//     nebius.NewKeyManager(c, owner), yandex.NewKeyManager(c,
//     serviceAccountID) or outscale.NewKeyManager(c)): it creates a
//     key when it holds none, creates the next one before the current one
//     reaches the end of its lifetime, switches once the new key is usable,
//     then deactivates and deletes the old one after a grace period (and
//     not before the latest Expiration handed out for it), so that
//     requests in flight never fail. It touches only keys marked with its
//     Policy.Description, by the rule in "Sharing an account" below.
//   - [S3Endpoint] gives each cloud's object-storage URL and signing region;
//     package s3client makes a ready *s3.Client in one call.
//
// The package's name is also that of the AWS SDK's credentials package
// (github.com/aws/aws-sdk-go-v2/credentials) and of gRPC's, which
// programs using this one often import too. Import it as iamcreds; the
// examples and tests of iamkit all do:
//
//	import iamcreds "github.com/iamkit/iamkit/credentials"
//
// A minimal program:
//
//	p, err := iamcreds.NewManagedProvider(keyManager, func(o *iamcreds.ManagedOptions) {
//		o.Policy = iamcreds.Policy{Lifetime: 24 * time.Hour, RotateBefore: 2 * time.Hour}
//		o.StateFile = "/var/lib/myapp/s3-key.json" // reuse the key across restarts
//	})
//	if err != nil { ... }
//	defer p.Close()
//	client, err := s3client.New(iam.Nebius, "eu-north1", p)
//
// Give a ManagedProvider to s3client.New (or as s3.Options.Credentials)
// as it is: it is its own cache, and s3client reports a key object storage
// refuses to it, which rotates the key at once. Both providers also work
// through config.WithCredentialsProvider, which wraps them in an
// aws.CredentialsCache: the Expires they report is when the credentials
// next change, so the cache asks again in time, but until then it keeps
// serving a refused key, and the provider is never told.
//
// # Rotation and failures
//
// Keys of Nebius and OUTSCALE are created with an expiry (now + Lifetime;
// OUTSCALE caps it by the account's API access policy, and a Lifetime
// beyond the cap is an error); Yandex static keys do not expire: they are
// rotated by age, and treated as expiring at the end of their Lifetime
// (recorded in their mark), when they stop being served. A failed create leaves the current key in use and is
// retried with jittered backoff; a failed deactivate or delete is retried
// later and reported (Logger, OnEvent, Status) and never blocks serving; a
// key that object storage refuses as unknown or inactive
// ([ManagedProvider.KeyRejected], called by s3client) triggers one early
// rotation. At most Policy.MaxKeys keys of one instance exist at once, also
// across crashes and lost answers: on start, and again after any create
// whose outcome is unknown (a timeout, a reset connection: the key may
// exist with its secret lost), the account's keys are listed and the
// instance's keys whose secret nobody holds are deactivated and deleted
// before another key is created. On OUTSCALE, whose creates cannot be
// retried safely, every create is also tagged with a unique mark and a
// lost answer is resolved at once by looking the key up by that tag
// (outscale.ReconcileByTag).
//
// # Sharing an account
//
// Every key is marked (Nebius and Yandex description, OUTSCALE tag) with
// "<Policy.Description>.<instance>.<expiry>.<nonce>". The instance names
// the provider: ManagedOptions.Instance (which must then be unique to it),
// else the one recorded in the StateFile, else a random name, written to a
// new state file before its first key is created (random without a state
// file). Providers that share a StateFile share an instance and their
// keys. The rule, for providers with the same Description in one account:
//
//   - a provider never deactivates or deletes a key another live provider
//     may hold: keys of other instances are left alone until they expire;
//   - it removes the leftovers of its own instance (keys with its instance
//     whose secret it does not hold: its crash, a lost answer);
//   - any provider removes a marked key of any instance once it is past
//     its expiry plus an hour (the cloud's expiry on Nebius and OUTSCALE;
//     for Yandex static keys, which do not expire, the end of the Lifetime
//     recorded in the mark, after which their provider no longer serves
//     them);
//   - MaxKeys counts the keys of one instance.
//
// Keys marked with the bare Description by earlier versions carry no
// instance and no expiry in their mark: they are removed only once past
// the cloud's expiry plus an hour, so Yandex ones, which never expire, are
// never removed (delete them yourself once no old version uses them). No key is deleted before the latest Expiration handed out for it
// by its provider or by a process sharing its state file, unless object
// storage refused it (or DeleteOnClose asks to delete at once).
//
// # Caching
//
// ManagedProvider is itself the cache: [ManagedProvider.Retrieve] costs one
// atomic load and at most one clock read, with no lock and no allocation,
// and does not block while a key is held. With ManagedOptions.StateFile the
// held keys (secrets included) are kept in a 0600 file, replaced
// atomically; a lock file next to it keeps processes that share it from
// creating keys at once. The file records the KeyManager's account
// (iam.KeyManager.AccountIdentity): a stored key is served at start
// without any call only when it matches, so that a short-lived
// credential_process run stays offline; otherwise (another account's file,
// a file of an earlier version, a manager without an identity) it is
// served only once a listing of the account has shown it. The file also
// records, per key, the latest Expiration handed out, which every sharer
// honours before retiring the key; long-lived sharers re-read the file
// every 30 s when it has changed, and take a key another one switched to.
// A corrupt file is renamed aside; a file none of whose keys exists in
// the account is kept aside without its secrets; a file written for
// another account whose keys are not in this one is refused and left as
// it is.
//
// # State stores and fleets
//
// What the provider persists goes through a [StateStore]: the held keys
// and their roles, the latest Expiration handed out per key, the account,
// the creates under way (recorded before they are sent, so that a crash
// between a create and the write of its key leaves a key the next holder
// of the lock finds by its mark and removes; until a listing has settled
// it, it counts towards MaxKeys), a revision for compare-and-swap writes,
// and a lock. ManagedOptions.StateFile is the state file ([FileStore]);
// ManagedOptions.Store takes any other.
//
// A [FleetStore] (module github.com/iamkit/iamkit/credentials/etcdstore)
// makes the providers of many machines the replicas of one fleet that
// shares one key: one replica at a time is elected rotator and alone
// calls the cloud and writes the state; every replica serves the current
// key from the store, hears of a new one through the store's changes,
// reads the state again every ConfirmEvery and records which key it
// serves. After a switch the rotator retires the old key once every live
// replica serves the new one (plus Grace), or once AckTimeout has passed,
// and never before the latest Expiration handed out for it. A replica
// that has not heard from the store for Fence stops serving (Status.Fenced,
// EventFenced) and never hands out an Expiration beyond that, so a
// replica cut off from the store never serves a retired key; it serves
// the new key as soon as its first read after reconnecting returns. A
// replica that cannot read the store at start serves nothing and
// Retrieve says why. ManagedOptions.FollowOnly makes a provider that
// only serves the key another process rotates (a fleet replica that never
// runs for rotator, or a reader of a state file). Status (Replica,
// Rotator, Rotating, Serving, Fleet) and the events (EventRotatorElected,
// EventFollowing, EventAcknowledged, EventAckTimeout, EventFenced) say
// which replica rotates and which key each serves.
//
// Every destructive call is fenced: before it deactivates or deletes a
// key, the rotator writes what it retires with a write conditioned on its
// election and on the revision its view came from, so a rotator deposed
// meanwhile (its listing answered after another replica was elected and
// rotated) fails that write and touches nothing. The acknowledgement wait
// counts from SwitchedAt, the time the switch's write returned, and the
// old key is never retired before SwitchedAt + Fence: a replica whose
// record expired before the switch (and so is not awaited) last read the
// state before the switch was committed, and has fenced itself by then.
//
// A follower of a state file (FollowOnly with StateFile) switches to the
// next key the file holds at its usable time, as the rotator does, and
// serves a key no longer than Grace after the later of its ServedUntil
// and the last read of the file that held it: the rotator retires a key
// no sooner. (With Grace 0 it serves only while the rotator keeps
// ServedUntil ahead, which it does while it runs.)
//
// # Clocks
//
// No two replicas' clocks are compared: a replica's fence counts from
// when it sent its last successful read, on its own clock, and the
// rotator's acknowledgement wait from when its switch's write returned,
// on its clock; a rotator elected anew restarts the waits it takes over
// from the time it read them. What is assumed is that clocks advance at
// the same rate, within a drift that is small over AckTimeout (clocks
// slewed by NTP are), and that the rotator's wall clock does not jump
// forward during a wait by more than the margin the store leaves (for
// etcdstore, AckTimeout - Fence - 2 × RequestTimeout): a stepped clock
// shortens the wait by the step. Record times (At, SavedAt, ObtainedAt)
// are for Status and logs; key expiries are the cloud's, and another
// instance's key is reaped only an hour past its expiry, which leaves
// room for clocks that disagree.
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
