package credentials

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/clock"
)

// Policy says how a [ManagedProvider] creates and rotates keys.
type Policy struct {
	// Lifetime is how long a key lives. Keys of clouds that expire them
	// (Nebius, OUTSCALE) are created with ExpiresAt = now + Lifetime;
	// Yandex static keys do not expire, so they are rotated by age.
	// Default 24h.
	Lifetime time.Duration
	// RotateBefore is how long before the end of a key's lifetime the next
	// key is created. It must be shorter than Lifetime and at least
	// SwitchDelay + Grace, so that the old key is still valid for requests
	// in flight after the switch. Default Lifetime/4.
	RotateBefore time.Duration
	// SwitchDelay is how long a new key must exist before it is used: the
	// clouds' object storage can take a moment to accept a new key.
	// Default 10s; set a negative value for 0.
	SwitchDelay time.Duration
	// Grace is how long the old key stays active after the switch, so that
	// requests signed with it and still in flight succeed; then it is
	// deactivated and deleted. Default 5m; set a negative value for 0.
	Grace time.Duration
	// MaxKeys is how many keys of this provider's instance may exist at
	// once (current, next, retiring, and creates whose outcome is not
	// known yet), across crashes; for the replicas of a fleet, which share
	// one instance, fleet-wide. At least 2; default 2.
	MaxKeys int
	// Description is the family of marks of the keys this provider creates
	// (Nebius and Yandex description, OUTSCALE tag): each key is marked
	// "<Description>.<instance>.<expiry>.<nonce>" (see ManagedOptions.Instance).
	// Keys outside the family are never touched. At most 64 characters,
	// no control characters. Default "iamkit-managed".
	Description string
}

// LifetimeLimiter is implemented by key managers whose account caps the
// lifetime of access keys (OUTSCALE: the API access policy's
// MaxAccessKeyExpirationSeconds). The [ManagedProvider] checks
// Policy.Lifetime against it when it starts.
type LifetimeLimiter interface {
	// MaxKeyLifetime returns the cap, or 0 when lifetimes are unlimited.
	MaxKeyLifetime(ctx context.Context) (time.Duration, error)
}

// ManagedOptions configures [NewManagedProvider].
type ManagedOptions struct {
	// Policy is the rotation policy.
	Policy Policy
	// Clock is the time source; default the system clock.
	Clock iam.Clock
	// Logger receives rotation events (never a secret). Default: discard.
	Logger *slog.Logger
	// StateFile, when set, is a file (mode 0600) where the held keys are
	// kept so that a restarted process reuses its key instead of creating
	// another; processes that share it share their keys (it is the
	// [FileStore] of that path; see Store for other stores). A lock file next
	// to it (StateFile + ".lock") keeps them from creating keys at once. A
	// stored key is served at start without a call only if the file was
	// written for the KeyManager's AccountIdentity; otherwise it is
	// confirmed by one listing first. A corrupt file is renamed aside
	// (StateFile + ".corrupt-<time>"); a file none of whose keys exists in
	// the account is kept without its secrets (StateFile +
	// ".stale-<time>"); a file written for another account whose keys are
	// not in this one is refused and left as it is.
	StateFile string
	// Instance names this provider in the marks of the keys it creates: a
	// provider deletes the keys of its own instance that it holds no
	// secret for (leftovers of its crash, or of a lost create answer), and
	// never the keys of another instance before they expire. Providers
	// that share a StateFile share an instance. A name you choose must be
	// unique in the account to this provider (and the processes sharing
	// its StateFile or Store): two providers with their own files and one
	// Instance take each other's keys for leftovers and delete them. At
	// most 32 of [A-Za-z0-9_-]. Default: the one recorded in the StateFile
	// (or Store); for a new one, a random name, written there under the
	// lock before the first key is created (so that a crash's leftovers
	// are still recognised); without a StateFile, random (its leftovers
	// are then removed only once expired, by any provider of the same
	// Description). A state file that is lost or set aside as corrupt
	// takes its instance with it: the keys it held are then another
	// instance's, removed once expired.
	Instance string
	// OnEvent, when set, is called (synchronously, from the rotation
	// goroutine) for every rotation event; keep it fast.
	OnEvent func(Event)
	// BaseDelay and MaxDelay bound the jittered exponential backoff after
	// a failed create, delete or list: BaseDelay after the first failure,
	// doubling up to MaxDelay. Defaults 5s and 5m; MaxDelay must not be
	// shorter than BaseDelay. The provider retries for as long as it runs:
	// there is no attempt limit.
	BaseDelay, MaxDelay time.Duration
	// CallTimeout bounds each call to the KeyManager. Default 30s.
	CallTimeout time.Duration
	// DeleteOnClose deactivates and deletes the held keys on Close (for
	// short-lived programs without a StateFile; never with a StateFile
	// that other processes share, whose keys they hold too), at once,
	// whatever Expiration was handed out for them. Default false; refused
	// with a FleetStore, whose keys the whole fleet serves.
	DeleteOnClose bool
	// Store, when set, is where the provider keeps its keys and
	// coordinates with the processes that share them, instead of a
	// StateFile (set one or the other): a [FleetStore] such as the etcd
	// store of module github.com/iamkit/iamkit/credentials/etcdstore
	// makes the provider a replica of a fleet that shares one rotating
	// key (see the package documentation). The provider opens it on its
	// first step and closes it on Close.
	Store StateStore
	// FollowOnly makes the provider a follower: it serves the key its
	// Store (or StateFile) holds and never creates, rotates, deletes or
	// lists keys (for fleets where one job rotates). It serves nothing
	// until the store holds a key written for the KeyManager's
	// AccountIdentity.
	FollowOnly bool

	// TracerProvider receives a span per rotation step
	// ("credentials.ManagedProvider/Reconcile", "/Create", "/Switch",
	// "/Retire"; the KeyManager's calls are their children) and
	// MeterProvider the key gauges and the rotation counter; nil means
	// the global ones (otel.GetTracerProvider, otel.GetMeterProvider:
	// no-ops unless the program installs an SDK). Retrieve records
	// nothing; Close unregisters the gauges' callback. See package iam,
	// # Telemetry.
	TracerProvider trace.TracerProvider
	MeterProvider  metric.MeterProvider
}

// EventKind says what happened in an [Event].
type EventKind int

// The events a [ManagedProvider] reports. The [Event]'s KeyID and
// AccessKeyID name the key concerned.
const (
	// EventKeyCreated: a key was created (KeyID and AccessKeyID name it).
	EventKeyCreated EventKind = iota + 1
	// EventKeyAdopted: a key was taken over from the state file (at start,
	// once it is known to be this account's, or later, written there by a
	// process sharing it).
	EventKeyAdopted
	// EventKeySwitched: requests are now signed with the key KeyID and
	// AccessKeyID name.
	EventKeySwitched
	// EventKeyDeactivated: an old key was deactivated.
	EventKeyDeactivated
	// EventKeyDeleted: an old key was deleted.
	EventKeyDeleted
	// EventKeyRejected: object storage refused the key AccessKeyID names
	// (InvalidAccessKeyId); an early rotation follows.
	EventKeyRejected
	// EventCreateFailed: creating a key failed (Err); it is retried with
	// backoff while the current key stays in use.
	EventCreateFailed
	// EventDeleteFailed: deactivating or deleting an old key failed (Err);
	// it is retried later and never blocks serving.
	EventDeleteFailed
	// EventListFailed: listing keys (to reconcile) failed (Err).
	EventListFailed
	// EventReconciled: the keys of the account were checked (at start, and
	// after a create whose outcome is unknown); Deleted counts the marked
	// keys nobody holds that are being removed: this instance's leftovers,
	// and expired keys of any instance.
	EventReconciled
	// EventStateFileSetAside: the state file was corrupt (renamed as it
	// is), or none of its keys exists in the account (kept without its
	// secrets), instead of being overwritten (Err says why, Path where it
	// went).
	EventStateFileSetAside
	// EventRotatorElected: this replica of a fleet became its rotator
	// (Replica names it).
	EventRotatorElected
	// EventFollowing: this replica of a fleet follows the rotator Replica
	// names ("" while none is elected).
	EventFollowing
	// EventAcknowledged: every live replica of the fleet serves the key
	// KeyID and AccessKeyID name (Replicas lists them): the old key may go
	// after Grace.
	EventAcknowledged
	// EventAckTimeout: the replicas Replicas names did not acknowledge the
	// switch from the key KeyID and AccessKeyID name within AckTimeout; it
	// is retired without them (they are fenced).
	EventAckTimeout
	// EventFenced: the store did not confirm the state for the fleet's
	// Fence: this replica stops serving the key AccessKeyID names until it
	// hears from the store again (Err says why).
	EventFenced
	// EventUnfenced: the store answered again after EventFenced.
	EventUnfenced
	// EventStoreFailed: reading or writing the fleet's store failed (Err).
	EventStoreFailed
)

var eventNames = map[EventKind]string{
	EventKeyCreated: "key created", EventKeyAdopted: "key adopted", EventKeySwitched: "key switched",
	EventKeyDeactivated: "key deactivated", EventKeyDeleted: "key deleted", EventKeyRejected: "key rejected",
	EventCreateFailed: "create failed", EventDeleteFailed: "delete failed", EventListFailed: "list failed",
	EventReconciled: "reconciled", EventStateFileSetAside: "state file set aside",
	EventRotatorElected: "rotator elected", EventFollowing: "following", EventAcknowledged: "acknowledged",
	EventAckTimeout: "acknowledgement timeout", EventFenced: "fenced", EventUnfenced: "unfenced", EventStoreFailed: "store failed",
}

// String names the event kind.
func (k EventKind) String() string {
	if s, ok := eventNames[k]; ok {
		return s
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is one step of a [ManagedProvider]'s life.
type Event struct {
	// Kind is what happened.
	Kind EventKind
	// Time is when, on the provider's clock.
	Time time.Time
	// KeyID and AccessKeyID name the key concerned, if any.
	KeyID, AccessKeyID string
	// Err is the failure, for the *Failed kinds.
	Err error
	// Deleted counts keys removed by a reconcile.
	Deleted int
	// Path is where a corrupt state file was moved.
	Path string
	// Replica names the fleet replica concerned: the rotator
	// (EventRotatorElected, EventFollowing; "" while none is elected).
	// It is logged as "rotator" ("(none elected)" when empty); every
	// event of a fleet replica is also logged with its own name, as
	// "replica".
	Replica string
	// Replicas lists replicas: those that acknowledged a switch
	// (EventAcknowledged), or those that did not (EventAckTimeout).
	Replicas []string
}

// Status is a snapshot of a [ManagedProvider]'s keys.
type Status struct {
	// Current is the access key ID requests are signed with ("" before the
	// first key).
	Current string
	// Next is the access key ID of a created key not yet switched to.
	Next string
	// Retiring lists access key IDs waiting to be deactivated and deleted.
	Retiring []string
	// Rotations counts switches from one key to the next.
	Rotations int
	// LastError is the most recent failure (create, delete, list), or nil.
	LastError error

	// Replica names this replica of a fleet (a FleetStore), and Rotator
	// the fleet's rotator ("" while none is known; "" without a fleet).
	Replica, Rotator string
	// Rotating: this replica is the fleet's rotator.
	Rotating bool
	// Fenced: this replica is cut off from the fleet's store for longer
	// than its Fence, and serves nothing.
	Fenced bool
	// Serving is the access key ID this replica recorded, for the fleet,
	// as the one it serves.
	Serving string
	// Fleet lists, on the rotator, the key each live replica serves, as
	// last read.
	Fleet []ReplicaStatus
}

// ManagedProvider is an aws.CredentialsProvider that owns its access keys:
// it creates a key through an [iam.KeyManager] when it holds none, serves
// it, creates the next key before the current one reaches the end of its
// lifetime, switches to it once it is usable, and deactivates and deletes
// the old one after a grace period and once the latest Expiration handed
// out for it has passed. It deletes only keys marked with its
// Policy.Description: those of its own instance, and those of other
// instances once they have expired (see the package documentation).
//
// Retrieve is lock-free: one atomic load and at most one clock read, no
// allocation. The rotation itself runs on a background goroutine started
// by the first Retrieve (or [ManagedProvider.Start]) and stopped by
// [ManagedProvider.Close].
type ManagedProvider struct {
	km   iam.KeyManager
	opts ManagedOptions
	// store is opts.Store, or the StateFile's FileStore (nil: none);
	// fleet is store as a FleetStore (nil if it is not one); changes is
	// store.Changes(), set by the rotation goroutine once the store is
	// open, before it waits on it.
	store   StateStore
	fleet   FleetStore
	changes <-chan struct{}
	// account is km.AccountIdentity(), recorded in the state file.
	account string
	pol     Policy
	clock   iam.Clock
	log     *slog.Logger
	src     string
	// safety is how long before its expiry a key stops being served.
	safety time.Duration
	// realClock is set when Clock is the system clock, so that the hot
	// path calls time.Now directly.
	realClock bool

	pub atomic.Pointer[published]

	startOnce sync.Once
	kick      chan struct{}
	stop      chan struct{}
	done      chan struct{}
	stopOnce  sync.Once // closes stop
	closeOnce sync.Once // runs the end of a shutdown once
	closeErr  error     // its outcome, returned by every later Shutdown

	mu              sync.Mutex
	rejected        []string // access key IDs reported by KeyRejected, not yet handled
	rotateRequested bool     // set by Rotate, taken by the next step
	status          Status

	// Owned by the rotation goroutine.
	r rotation

	// Step counters and a channel closed (and replaced) after every step,
	// for Settle.
	stepsStarted, stepsDone atomic.Uint64
	stepMu                  sync.Mutex
	stepped                 chan struct{}

	// stepHook, when set (tests), is called after every loop iteration.
	stepHook func(idleUntil time.Time)

	tel *managedTelemetry // telemetry: see telemetry.go
}

// published is what Retrieve serves.
type published struct {
	creds      aws.Credentials
	has        bool
	validUntil time.Time // zero: no expiry check on the hot path
	err        error     // the latest failure while no usable key is held
	// waiting: err says why no key is served yet, and one is expected
	// soon (a follower waiting for the rotator's first key): Retrieve
	// keeps waiting, bounded by its context.
	waiting bool
	gen     uint64
	changed chan struct{} // closed when a newer published replaces this one
}

// setDefaults fills the fields left zero (the Policy's defaults are
// applied by validate, which also checks it).
func (o *ManagedOptions) setDefaults() {
	if o.BaseDelay == 0 {
		o.BaseDelay = 5 * time.Second
	}
	if o.MaxDelay == 0 {
		o.MaxDelay = 5 * time.Minute
	}
	if o.CallTimeout == 0 {
		o.CallTimeout = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// validate reports the first unusable field, after setDefaults, and
// applies the Policy's defaults.
func (o *ManagedOptions) validate() error {
	pol, err := o.Policy.withDefaults()
	if err != nil {
		return err
	}
	o.Policy = pol
	const pfx = "credentials: managed provider: ManagedOptions."
	switch {
	case o.BaseDelay < 0:
		return fmt.Errorf(pfx+"BaseDelay %v must not be negative", o.BaseDelay)
	case o.MaxDelay < 0:
		return fmt.Errorf(pfx+"MaxDelay %v must not be negative", o.MaxDelay)
	case o.CallTimeout < 0:
		return fmt.Errorf(pfx+"CallTimeout %v must not be negative", o.CallTimeout)
	case o.MaxDelay < o.BaseDelay:
		return fmt.Errorf(pfx+"MaxDelay (%v) is shorter than BaseDelay (%v)", o.MaxDelay, o.BaseDelay)
	}
	if o.Instance != "" {
		if err := validInstance(o.Instance); err != nil {
			return fmt.Errorf(pfx+"Instance: %w", err)
		}
	}
	switch {
	case o.StateFile != "" && strings.TrimSpace(o.StateFile) == "":
		return fmt.Errorf(pfx+"StateFile %q is blank; give a path, or leave it empty for no state file", o.StateFile)
	case o.Store != nil && o.StateFile != "":
		return fmt.Errorf(pfx+"StateFile (%s) and ManagedOptions.Store (%s) are both set; set one, not both", o.StateFile, o.Store)
	}
	if _, ok := o.Store.(FleetStore); ok && o.DeleteOnClose {
		return errors.New(pfx + "DeleteOnClose with a FleetStore would delete the key the whole fleet serves")
	}
	if o.FollowOnly && o.Store == nil && o.StateFile == "" {
		return errors.New(pfx + "FollowOnly needs a Store or a StateFile to follow")
	}
	if o.FollowOnly && o.DeleteOnClose {
		return errors.New(pfx + "DeleteOnClose: a FollowOnly provider deletes nothing; unset DeleteOnClose")
	}
	return nil
}

// NewManagedProvider returns a provider that manages keys through km. It
// validates the policy and options; no request is made until the first
// Retrieve or Start. Nil option functions are skipped.
func NewManagedProvider(km iam.KeyManager, optFns ...func(*ManagedOptions)) (*ManagedProvider, error) {
	if km == nil {
		return nil, errors.New("credentials: managed provider: KeyManager is nil")
	}
	var o ManagedOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	o.setDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	pol := o.Policy
	p := &ManagedProvider{
		km:        km,
		opts:      o,
		account:   km.AccountIdentity(),
		pol:       pol,
		clock:     clock.Or(o.Clock),
		log:       o.Logger.With(slog.String("component", "iamkit/credentials"), slog.String("provider", string(km.Provider()))),
		src:       managedSourcePrefix + string(km.Provider()),
		safety:    min(maxExpirySafety, pol.RotateBefore/4),
		realClock: o.Clock == nil,
		kick:      make(chan struct{}, 1),
		stepped:   make(chan struct{}),
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
	}
	switch {
	case o.Store != nil:
		p.store = o.Store
	case o.StateFile != "":
		p.store = NewFileStore(o.StateFile)
	}
	if fs, ok := p.store.(FleetStore); ok {
		p.fleet = fs
	}
	p.pub.Store(&published{changed: make(chan struct{})})
	p.tel = newManagedTelemetry(p) // telemetry
	return p, nil
}

// Validate reports what is wrong with the policy (after defaults are
// applied), as NewManagedProvider would, so that programs can check their
// configuration before building clients.
func (pol Policy) Validate() error {
	_, err := pol.withDefaults()
	return err
}

func (pol Policy) withDefaults() (Policy, error) {
	switch {
	case pol.Lifetime < 0:
		return pol, fmt.Errorf("credentials: Policy.Lifetime %v must not be negative", pol.Lifetime)
	case pol.RotateBefore < 0:
		return pol, fmt.Errorf("credentials: Policy.RotateBefore %v must not be negative", pol.RotateBefore)
	case pol.MaxKeys < 0:
		return pol, fmt.Errorf("credentials: Policy.MaxKeys is %d; rotation needs at least 2", pol.MaxKeys)
	}
	if pol.Lifetime == 0 {
		pol.Lifetime = 24 * time.Hour
	}
	if pol.RotateBefore == 0 {
		pol.RotateBefore = pol.Lifetime / 4
	}
	switch {
	case pol.SwitchDelay == 0:
		pol.SwitchDelay = 10 * time.Second
	case pol.SwitchDelay < 0:
		pol.SwitchDelay = 0
	}
	switch {
	case pol.Grace == 0:
		pol.Grace = 5 * time.Minute
	case pol.Grace < 0:
		pol.Grace = 0
	}
	if pol.MaxKeys == 0 {
		pol.MaxKeys = 2
	}
	if pol.Description == "" {
		pol.Description = "iamkit-managed"
	}
	if pol.RotateBefore >= pol.Lifetime {
		return pol, fmt.Errorf("credentials: Policy.RotateBefore (%v) must be shorter than Lifetime (%v)", pol.RotateBefore, pol.Lifetime)
	}
	if pol.SwitchDelay+pol.Grace > pol.RotateBefore {
		return pol, fmt.Errorf("credentials: Policy.RotateBefore (%v) must be at least SwitchDelay (%v) + Grace (%v), so the old key outlives requests in flight", pol.RotateBefore, pol.SwitchDelay, pol.Grace)
	}
	if pol.MaxKeys < 2 {
		return pol, fmt.Errorf("credentials: Policy.MaxKeys is %d; rotation needs at least 2", pol.MaxKeys)
	}
	if err := validDescription(pol.Description); err != nil {
		return pol, fmt.Errorf("credentials: Policy.%w", err)
	}
	return pol, nil
}

// Retrieve returns the current key's credentials. While a key is held it
// does no I/O and does not block: one atomic load and at most one clock
// read. Before the first key exists (or when the held key has expired) it
// waits for the rotation goroutine, bounded by ctx, and returns the error
// of the latest failed attempt.
//
// The returned Expires is when the credentials are next due to change (the
// planned switch or the key's expiry), so that an aws.CredentialsCache
// around this provider asks again in time.
func (p *ManagedProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	s := p.pub.Load()
	if s.has {
		if s.validUntil.IsZero() {
			return s.creds, nil
		}
		var now time.Time
		if p.realClock {
			now = time.Now()
		} else {
			now = p.clock.Now()
		}
		if now.Before(s.validUntil) {
			return s.creds, nil
		}
	}
	return p.retrieveSlow(ctx, s)
}

func (p *ManagedProvider) retrieveSlow(ctx context.Context, s *published) (aws.Credentials, error) {
	p.Start()
	startGen := s.gen
	p.signal()
	for {
		if s.has && (s.validUntil.IsZero() || p.clock.Now().Before(s.validUntil)) {
			return s.creds, nil
		}
		if s.err != nil && !s.waiting && (s.gen > startGen || errors.Is(s.err, ErrClosed) || isFatal(s.err)) {
			return aws.Credentials{}, s.err
		}
		select {
		case <-s.changed:
			s = p.pub.Load()
		case <-ctx.Done():
			if s.err != nil {
				return aws.Credentials{}, fmt.Errorf("credentials: waiting for a managed %s key: %w (latest failure: %w)", p.km.Provider(), ctx.Err(), s.err)
			}
			return aws.Credentials{}, fmt.Errorf("credentials: waiting for a managed %s key: %w", p.km.Provider(), ctx.Err())
		}
	}
}

// Start starts the rotation goroutine (Retrieve does it on first use). It
// returns at once; the first key is created in the background.
func (p *ManagedProvider) Start() {
	p.startOnce.Do(func() {
		select {
		case <-p.stop:
			close(p.done)
			return
		default:
		}
		go p.loop()
	})
}

// Settle waits until the rotation goroutine has done everything that is
// due now: the first reconcile, a creation or switch, the retirement of
// old keys. Short-lived programs (a credential_process helper) call it
// before Close so that housekeeping is not cut short. It returns ctx's
// error if ctx ends first.
func (p *ManagedProvider) Settle(ctx context.Context) error {
	p.Start()
	target := p.stepsStarted.Load() + 1
	p.signal()
	for {
		p.stepMu.Lock()
		ch := p.stepped
		p.stepMu.Unlock()
		if p.stepsDone.Load() >= target {
			return nil
		}
		select {
		case <-ch:
		case <-p.done:
			return ErrClosed
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// KeyRejected tells the provider that object storage refused a request
// signed with accessKeyID as unknown or inactive (S3 InvalidAccessKeyId).
// If it is the current key, one early rotation follows: the next key is
// switched to at once, or created at once. Later reports for the same key
// are ignored. The s3client package calls it by itself.
func (p *ManagedProvider) KeyRejected(accessKeyID string) {
	p.mu.Lock()
	p.rejected = append(p.rejected, accessKeyID)
	p.mu.Unlock()
	p.signal()
}

// Rotate rotates the key now instead of waiting for its rotation time (for
// example after a secret may have leaked): it creates the next key,
// switches to it, and retires the current one, then returns once that
// work is done or ctx ends. It returns the error of the creation, if it
// failed (the current key then stays in use). The old key is deactivated
// only after the grace period and the latest Expiration handed out for it
// (callers such as the AWS CLI keep a key until then): to cut off a leaked
// key at once, deactivate it through the KeyManager.
func (p *ManagedProvider) Rotate(ctx context.Context) error {
	before := p.Status().Rotations
	p.mu.Lock()
	p.rotateRequested = true
	p.mu.Unlock()
	if err := p.Settle(ctx); err != nil {
		return err
	}
	st := p.Status()
	if st.Rotations == before {
		switch {
		case p.opts.FollowOnly:
			return errors.New("credentials: a FollowOnly provider does not rotate; rotate where the key is rotated")
		case p.fleet != nil && !st.Rotating:
			return fmt.Errorf("credentials: replica %q follows the fleet's rotator %q; call Rotate there", st.Replica, st.Rotator)
		case st.LastError != nil:
			return st.LastError
		}
		return errors.New("credentials: rotation did not happen (no key held yet)")
	}
	return nil
}

// Status returns a snapshot of the keys held.
func (p *ManagedProvider) Status() Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.status
	st.Retiring = append([]string(nil), st.Retiring...)
	return st
}

// Shutdown stops the rotation goroutine (cancelling a KeyManager call in
// flight) and waits for it to exit; with DeleteOnClose it then deactivates
// and deletes the held keys (the deletions bounded by ctx too). If ctx
// ends while the goroutine is still exiting, Shutdown returns ctx's error
// and a later Shutdown or Close waits again. Once Shutdown has returned
// anything else (nil, or the error of a deletion), no goroutine of the
// provider is left and Retrieve returns [ErrClosed]; later calls return
// the same result at once.
func (p *ManagedProvider) Shutdown(ctx context.Context) error {
	p.stopOnce.Do(func() {
		close(p.stop)
		p.Start() // makes sure done gets closed if the loop never ran
	})
	select {
	case <-p.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	p.closeOnce.Do(func() {
		var errs []error
		if p.opts.DeleteOnClose {
			errs = append(errs, p.r.deleteAll(ctx, p))
		}
		if p.store != nil && p.r.storeOpened {
			if err := p.store.Close(); err != nil {
				errs = append(errs, fmt.Errorf("credentials: closing %s: %w", p.store, err))
			}
		}
		p.closeErr = errors.Join(errs...)
		p.publishErr(ErrClosed)
		p.tel.close() // telemetry
	})
	return p.closeErr
}

// Close is [ManagedProvider.Shutdown] bounded by CallTimeout (default
// 30s), which leaves room for the deletions of DeleteOnClose; it makes a
// ManagedProvider an io.Closer. Use Shutdown to choose the bound.
func (p *ManagedProvider) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), p.opts.CallTimeout)
	defer cancel()
	return p.Shutdown(ctx)
}

// ErrClosed is returned by a [ManagedProvider] after Close or Shutdown:
// by Retrieve, also to callers that were waiting for a key, and by Settle.
var ErrClosed = errors.New("credentials: managed provider is closed")

func (p *ManagedProvider) signal() {
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

func (p *ManagedProvider) emit(e Event) {
	e.Time = p.clock.Now()
	attrs := []any{slog.String("event", e.Kind.String())}
	switch {
	case e.Kind == EventRotatorElected || e.Kind == EventFollowing:
		// Under a key of its own: a fleet replica's logger carries its
		// own name as "replica".
		rotator := e.Replica
		if rotator == "" {
			rotator = "(none elected)"
		}
		attrs = append(attrs, slog.String("rotator", rotator))
	case e.Replica != "":
		attrs = append(attrs, slog.String("rotator", e.Replica))
	}
	if len(e.Replicas) > 0 {
		attrs = append(attrs, slog.Any("replicas", e.Replicas))
	}
	if e.AccessKeyID != "" {
		attrs = append(attrs, slog.String("access_key_id", e.AccessKeyID))
	}
	if e.KeyID != "" {
		attrs = append(attrs, slog.String("key_id", e.KeyID))
	}
	if e.Err != nil {
		attrs = append(attrs, slog.String("error", e.Err.Error()))
		p.log.Warn("managed key", attrs...)
	} else {
		p.log.Info("managed key", attrs...)
	}
	p.tel.event(p, e) // telemetry
	if p.opts.OnEvent != nil {
		p.opts.OnEvent(e)
	}
}

// publish makes h the key Retrieve serves until validUntil (zero: no
// end), with exp as its Expires (see publishState, which records exp
// first).
func (p *ManagedProvider) publish(h *heldKey, exp, validUntil time.Time) {
	old := p.pub.Load()
	n := &published{has: true, gen: old.gen + 1, changed: make(chan struct{})}
	n.creds = awsCredentials(h.key, managedSourcePrefix)
	n.creds.Source = p.src
	// Stop serving a key a little before the cloud stops taking it (and,
	// in a fleet, once the store has not confirmed it for Fence).
	n.validUntil = validUntil
	n.creds.CanExpire = !exp.IsZero()
	n.creds.Expires = exp
	p.pub.Store(n)
	close(old.changed)
}

// publishErr records a failure; the key held (if any) keeps being served.
func (p *ManagedProvider) publishErr(err error) { p.publishFailure(err, false) }

// publishWaiting records why no key is served yet, while one is expected
// (Retrieve keeps waiting for it).
func (p *ManagedProvider) publishWaiting(err error) { p.publishFailure(err, true) }

func (p *ManagedProvider) publishFailure(err error, waiting bool) {
	old := p.pub.Load()
	n := *old
	n.err = err
	n.waiting = waiting
	n.gen = old.gen + 1
	n.changed = make(chan struct{})
	if errors.Is(err, ErrClosed) || isFatal(err) {
		// A closed provider, or a configuration error such as a state
		// file of another account: stop serving.
		n.has = false
	}
	p.pub.Store(&n)
	close(old.changed)
}

// withdraw stops serving the published key (it is gone or inactive);
// Retrieve waits for the next one.
func (p *ManagedProvider) withdraw() {
	old := p.pub.Load()
	if !old.has {
		return
	}
	p.pub.Store(&published{err: old.err, gen: old.gen + 1, changed: make(chan struct{})})
	close(old.changed)
}

// maxExpirySafety bounds how long before a key's expiry it stops being
// served; the margin is RotateBefore/4 when that is shorter.
const maxExpirySafety = 30 * time.Second

// fatalError marks configuration errors that retrying cannot fix (a state
// file of another account, a lifetime beyond the account's cap).
type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }
func (e *fatalError) Unwrap() error { return e.err }

func isFatal(err error) bool {
	var f *fatalError
	return errors.As(err, &f)
}

// String describes the provider without secrets.
func (p *ManagedProvider) String() string {
	st := p.Status()
	return fmt.Sprintf("credentials.ManagedProvider{Provider: %s, Current: %s, Next: %s}", p.km.Provider(), st.Current, st.Next)
}

// GoString is like String, for %#v.
func (p *ManagedProvider) GoString() string { return p.String() }

var (
	_ aws.CredentialsProvider = (*ManagedProvider)(nil)
	_ io.Closer               = (*ManagedProvider)(nil)
)
