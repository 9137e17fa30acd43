package credentials

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/iamkit/iamkit/iam"
)

// StateStore is where a [ManagedProvider] keeps what it must not lose and
// what the processes sharing its keys coordinate on: the held keys and
// their roles, the latest Expiration handed out per key, the account the
// keys belong to, the creates under way, a revision for compare-and-swap
// writes, and a lock (or, for a fleet, an elected rotator) that lets one
// process at a time change them.
//
// Two implementations exist: the state file ([NewFileStore], which
// ManagedOptions.StateFile makes), for the processes of one machine, and
// an etcd store (module github.com/iamkit/iamkit/credentials/etcdstore),
// for the replicas of a fleet on many machines, which also implements
// [FleetStore].
//
// A store serves one provider: give each ManagedProvider its own. The
// provider calls its methods from its rotation goroutine only, Open first
// and Close last.
type StateStore interface {
	// Open binds the store to the keys of one account and mark and starts
	// what it runs in the background. It is called once, before any other
	// method.
	Open(ctx context.Context, scope StoreScope) error
	// Load reads the stored state. A Snapshot with a nil State means
	// nothing is stored yet.
	Load(ctx context.Context) (Snapshot, error)
	// Lock takes the right to change the stored state for one step of the
	// rotation; StoreLock.Unlock gives it back. A store shared by a fleet
	// grants it only to its elected rotator and returns an error matching
	// [ErrNotRotator] at once to every other replica.
	Lock(ctx context.Context) (StoreLock, error)
	// Save replaces the stored state with st, under the lock, if the store
	// is still at revision rev (the Revision of the last Load or Save;
	// 0 when nothing was stored). It returns the new revision. When
	// another writer came first it returns an error matching
	// [ErrStateConflict], and one matching [ErrNotRotator] when the lock
	// was lost (a fleet's rotator whose lease expired): nothing is
	// written then.
	Save(ctx context.Context, st *StoredState, rev int64) (int64, error)
	// Discard removes the stored state, under the lock and if it is still
	// at revision rev, keeping a copy without secrets where the store can,
	// because none of its keys exists any more (why says so). It returns
	// where the copy went ("" if nowhere).
	Discard(ctx context.Context, why error, rev int64) (string, error)
	// Changes returns a channel that receives a value when the stored
	// state (or this process's role in a fleet) may have changed, or nil
	// when the store cannot tell: the provider then loads the state every
	// 30 s to see whether it changed.
	Changes() <-chan struct{}
	// String names the store in errors and logs ("state file
	// /var/lib/app/keys.json"); it never shows a secret.
	String() string
	// Close stops what Open started.
	Close() error
}

// FleetStore is a [StateStore] shared by the replicas of one service on
// several machines. One replica at a time is elected rotator (Lock
// succeeds for it only); every replica serves the current key from the
// store, learns of a new one through Changes, and records which key it
// serves (Serving), so that the rotator retires an old key only once
// every live replica serves the new one, or once AckTimeout has passed
// since the switch. A replica that has not heard from the store for Fence
// stops serving (it is fenced) until it hears again.
type FleetStore interface {
	StateStore
	// Fleet describes this replica's place in the fleet.
	Fleet() FleetInfo
	// Serving records the key this replica serves (an empty KeyID: none)
	// and the rejections it saw, for the rotator to read; the record lives
	// as long as the replica does.
	Serving(ctx context.Context, rec ReplicaRecord) error
	// Replicas lists the records of the live replicas.
	Replicas(ctx context.Context) ([]ReplicaRecord, error)
}

// FleetInfo describes a replica of a [FleetStore].
type FleetInfo struct {
	// Replica names this replica.
	Replica string
	// Rotator names the elected rotator ("" while none is known).
	Rotator string
	// Fence is how long after the store last confirmed the state a
	// replica stops serving its key (zero: never).
	Fence time.Duration
	// AckTimeout is how long after a switch the rotator waits for the
	// replicas to serve the new key before it retires the old one without
	// them (they are fenced by then). At least Fence.
	AckTimeout time.Duration
	// ConfirmEvery is how often a replica has the store confirm the state
	// it serves; well under Fence.
	ConfirmEvery time.Duration
}

// ReplicaRecord is what a replica of a fleet records about itself.
type ReplicaRecord struct {
	// Replica names it.
	Replica string
	// KeyID and AccessKeyID name the key it serves ("": none).
	KeyID, AccessKeyID string
	// Revision is the revision of the stored state it serves from.
	Revision int64
	// Rotator: it is the fleet's rotator.
	Rotator bool
	// Rejected lists access key IDs that object storage refused to it
	// (KeyRejected): the rotator rotates early.
	Rejected []string
	// At is when it wrote the record, on its clock.
	At time.Time
}

// StoreScope says whose keys a [StateStore] keeps.
type StoreScope struct {
	// Provider is the cloud; Account the KeyManager's AccountIdentity ("" if
	// it has none); Description the family of marks (Policy.Description).
	// A store shared by a fleet keeps one set of keys per account and mark.
	Provider    iam.Provider
	Account     string
	Description string
	// FollowOnly: the provider never changes the state (it only reads and
	// serves the key another process rotates); a fleet store does not put
	// it up for election.
	FollowOnly bool
	// Clock is the provider's clock, for the store's own waits.
	Clock iam.Clock
	// Logger is the provider's logger.
	Logger *slog.Logger
}

// Snapshot is what [StateStore.Load] read.
type Snapshot struct {
	// State is the stored state, nil when none is stored.
	State *StoredState
	// Revision is its revision, for [StateStore.Save] (0: none stored).
	Revision int64
	// AsOf is when, on the provider's clock, the store confirmed State as
	// current (fleet stores; zero for stores that never fence).
	AsOf time.Time
	// Rewrite asks for the state to be saved again soon: it is in an older
	// format, or sealed with an older key.
	Rewrite bool
	// SetAside, when set, says that the stored state could not be used
	// (corrupt) and was moved aside as it was: State is nil, and the
	// provider starts anew.
	SetAside *SetAsideError
}

// SetAsideError says that a stored state was moved aside, and why.
type SetAsideError struct {
	// Path is where it went.
	Path string
	// Err says why.
	Err error
}

// Error says why the state was set aside, and where.
func (e *SetAsideError) Error() string { return e.Err.Error() + " (set aside as " + e.Path + ")" }

// Unwrap returns why.
func (e *SetAsideError) Unwrap() error { return e.Err }

// StoreLock is the right to change a stored state for one step.
type StoreLock struct {
	// Term identifies the holder's tenure: it changes when the right came
	// to this process anew (a fleet's rotator elected again), so that the
	// provider re-reads the state and lists the account's keys before it
	// acts. A lock that is the same every time (a file lock) keeps one
	// Term.
	Term uint64
	// Unlock gives the right back (a fleet's rotator stays elected).
	Unlock func()
}

// ErrNotRotator is returned by a fleet store's Lock and Save to a replica
// that is not (or no longer) the elected rotator.
var ErrNotRotator = errors.New("credentials: this replica is not the fleet's rotator")

// ErrStateConflict is returned by [StateStore.Save] when the stored state
// changed since the revision the writer read.
var ErrStateConflict = errors.New("credentials: the stored state changed since it was read")

// ErrStoreConfig is wrapped by the errors of [StateStore.Open] that
// retrying cannot fix (a configuration error); a fleet store's other Open
// errors (etcd unreachable) are retried, and nothing is served meanwhile.
var ErrStoreConfig = errors.New("credentials: state store configuration")

// KeyRole is a stored key's role.
type KeyRole string

// The roles of a stored key.
const (
	// RoleCurrent: the key requests are signed with.
	RoleCurrent KeyRole = "current"
	// RoleNext: created, switched to once SwitchDelay has passed.
	RoleNext KeyRole = "next"
	// RoleRetiring: on its way out (kept without its secret).
	RoleRetiring KeyRole = "retiring"
)

// StoredState is what a [ManagedProvider] keeps in its [StateStore].
type StoredState struct {
	// Provider is the cloud; Description the family of marks.
	Provider    iam.Provider
	Description string
	// Account is the KeyManager's AccountIdentity when the state was
	// written ("" if it has none): a stored key is served without a listing
	// only to a provider of the same account.
	Account string
	// Instance is the name in the marks of the keys the writers create.
	Instance string
	// Owner is the account that owns the keys, as the cloud reports it.
	Owner string
	// SavedAt is when it was written, on the writer's clock.
	SavedAt time.Time
	// Keys are the keys held, current and next with their secrets.
	Keys []StoredKey
	// Pending lists the creates sent whose key is not recorded yet: the
	// key may exist, and counts towards MaxKeys until a listing of the
	// account has settled it.
	Pending []PendingCreate
	// Rotations counts switches from one key to the next.
	Rotations int
}

// StoredKey is a key of a [StoredState].
type StoredKey struct {
	// Role is what the key is for.
	Role KeyRole
	// Key is the key; Secret and SessionToken are set for the current and
	// next keys only.
	Key iam.AccessKey
	// ObtainedAt is when it was created, on its creator's clock.
	ObtainedAt time.Time
	// ServedUntil is the latest Expiration handed out for the key: it is
	// not retired before then (plus Grace).
	ServedUntil time.Time
	// RetireAt is when a retiring key is next due to be deactivated or
	// deleted.
	RetireAt time.Time
	// Deactivated: a retiring key that was deactivated already.
	Deactivated bool
	// Foreign: a retiring key of another instance, removed because it
	// expired; it does not count towards MaxKeys.
	Foreign bool
	// Rejected: a retiring key that object storage refused; ServedUntil
	// does not hold it back.
	Rejected bool
	// SwitchedAt is when a retiring key stopped being current (fleets: the
	// start of the acknowledgement wait).
	SwitchedAt time.Time
	// AwaitAcks names the replicas that served the key at the switch,
	// whose acknowledgement of the new key the rotator waits for.
	AwaitAcks []string
	// AckedAt is when every live replica was seen serving another key (zero
	// while not).
	AckedAt time.Time
}

// PendingCreate is a create that was sent and whose key is not recorded
// yet.
type PendingCreate struct {
	// Mark is the create's mark (unique to it): the key, if it exists,
	// carries it.
	Mark string
	// At is when the create was sent, on the sender's clock.
	At time.Time
}
