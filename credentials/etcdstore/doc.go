// Package etcdstore keeps the managed S3 keys of a fleet in etcd, so that
// the replicas of one service on many machines share one rotating key: a
// [Store] is an iamcreds.FleetStore for iamcreds.ManagedOptions.Store.
//
//	store, err := etcdstore.New(func(o *etcdstore.Options) {
//		o.Endpoints = []string{"https://etcd-1:2379", "https://etcd-2:2379", "https://etcd-3:2379"}
//		o.TLS = tlsConfig                      // CA and client certificate
//		o.SealingKeys = []etcdstore.SealingKey{sealingKey} // AES-256, from your secret manager
//	})
//	if err != nil { ... }
//	p, err := iamcreds.NewManagedProvider(km, func(o *iamcreds.ManagedOptions) {
//		o.Store = store
//	})
//
// It is a module of its own so that iamkit's go.mod does not carry etcd.
//
// # The fleet
//
// The fleet is the replicas of one account (iam.KeyManager.AccountIdentity)
// and one mark (Policy.Description). Its keys live under
//
//	<Options.Prefix><url.PathEscape(account)>/<url.PathEscape(description)>/
//	    state              the keys and their roles, secrets sealed
//	    rotator/<lease>    the election (concurrency.Election)
//	    replicas/<name>    each replica's record, under its lease
//
// so that several fleets share one etcd.
//
// Every replica has a session (an etcd lease of LeaseTTL) and, unless it
// follows only (ManagedOptions.FollowOnly), runs for rotator: one replica
// at a time is elected, and it alone calls the cloud (lists keys, creates,
// deactivates and deletes them) and writes the state. Every write is a
// transaction conditioned on the rotator's election key (so a rotator
// whose lease expired can no longer write) and on the revision of the
// state it read (so no update is lost). A replica elected anew reads the
// state and lists the account's keys before it acts: a create its
// predecessor recorded but did not finish (it died between the create
// and the write of the key) is found by its mark and deleted, and one not
// seen yet counts towards MaxKeys until it is, so at most MaxKeys keys
// exist at once, fleet-wide.
//
// Every replica serves the current key from the state, learns of a new
// one through a watch, reads the state again every ConfirmEvery, and
// records the key it serves. After a switch the rotator retires the old
// key only once every live replica serves the new one (plus Grace), or
// once AckTimeout has passed since the switch, never before Fence has
// passed since the switch's write returned (a replica whose record
// expired before the switch is not awaited, and has fenced itself by
// then), and never before the latest Expiration handed out for it. Before
// it deactivates or deletes a key it writes what it retires, conditioned
// as every write: a rotator deposed meanwhile fails and calls nothing.
// AckTimeout must be at least Fence + 2 × RequestTimeout (the switch's
// write and a replica's last read each take up to RequestTimeout); no
// two replicas' clocks are compared, only durations on each one's own
// (see package credentials, # Clocks). A replica that has not read the
// state for Fence (cut off from etcd, or from its quorum) stops serving:
// by AckTimeout it is fenced, so a retired key is never served; it serves
// the new key as soon as it reads the state again.
//
// # etcd unreachable at start
//
// A replica that cannot read the state at start serves nothing:
// Retrieve returns an error that says etcd is unreachable, and the read
// is retried every ConfirmEvery. (Serving a state the replica kept from
// before would serve a key the fleet may have retired since, and would
// keep a second copy of the secrets to protect.)
//
// # Sealed secrets
//
// Every secret written to etcd (the keys' secrets and session tokens) is
// sealed with AES-256-GCM under the first of Options.SealingKeys; the
// key's ID is stored beside the ciphertext, and the ciphertext is bound to
// the fleet's prefix and the key it belongs to. No plaintext secret is
// ever written to etcd.
//
// To rotate the sealing key of a running fleet, reconfigure the replicas
// in two phases (they are restarted one by one, so for a while some have
// the new options and some the old):
//
//  1. Add the new key after the old one (SealingKeys = [old, new]) on
//     every replica. The old key still seals; every replica can now open
//     what the new key seals.
//  2. Put the new key first ([new, old]) on every replica. The rotator
//     seals with the new key, and writes the state again on its next step
//     when it reads one sealed with the old key (Snapshot.Rewrite).
//  3. Once every replica runs phase 2 and the state has been written again
//     (its value in etcd carries the new key's ID only, "kid":"<new>"),
//     drop the old key ([new]).
//
// Putting the new key first in one step would cut off the replicas not
// yet reconfigured: they cannot open what a rotator with the new key
// writes, and serve nothing until they are. (While phase 2 rolls out, a
// rotator of either phase may write the state again with its own first
// key; every replica opens both.)
//
// # Migration
//
// [MigrateStateFile] (or the command iamkit-etcd-migrate in cmd/) copies
// the keys of a state file into an empty fleet, with the file's instance,
// so that the fleet keeps rotating them. Stop the processes that use the
// file first. The file is read under its lock and then marked migrated:
// a process that starts on it later refuses to serve from it, with an
// error that names the file and the fleet.
//
// # Concurrency
//
// A Store serves one ManagedProvider, which calls it from its rotation
// goroutine; Fleet, Changes and String are safe to call from any
// goroutine. Open starts two goroutines (the session and its candidacy,
// and the watch); Close stops them.
package etcdstore
