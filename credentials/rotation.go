package credentials

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/backoff"
	"github.com/iamkit/iamkit/internal/telemetry"
)

// heldKey is a key whose secret the provider holds.
type heldKey struct {
	key      iam.AccessKey
	obtained time.Time // on the provider's clock
	// servedUntil is the latest Expiration handed out for the key, by this
	// provider or (through the state file) by any process sharing it.
	servedUntil time.Time
	// seenAt (a follower of a state file) is when the store last held the
	// key as current or next, or when the follower switched to it itself:
	// no sharer retires it before seenAt + Grace (see followBound).
	seenAt time.Time
}

// rotateAt is when the next key should be created: RotateBefore before the
// end of the key's lifetime (its expiry if it has one, its age otherwise).
func (h *heldKey) rotateAt(pol Policy) time.Time {
	t := h.obtained.Add(pol.Lifetime - pol.RotateBefore)
	if h.key.Expires() {
		if e := h.key.ExpiresAt.Add(-pol.RotateBefore); e.Before(t) {
			t = e
		}
	}
	return t
}

// deadAt is when the key stops being served (zero: never): a safety
// margin before its expiry.
func (h *heldKey) deadAt(safety time.Duration) time.Time {
	if !h.key.Expires() {
		return time.Time{}
	}
	return h.key.ExpiresAt.Add(-safety)
}

// retiree is an old key on its way out: deactivated, then deleted.
type retiree struct {
	key iam.AccessKey // without its secret
	at  time.Time     // when to act next
	// servedUntil is the latest Expiration handed out for the key: it is
	// not touched before servedUntil + Grace.
	servedUntil time.Time
	deactivated bool
	failures    int
	// foreign: another instance's key, removed because it expired; it does
	// not count towards MaxKeys.
	foreign bool
	// rejected: object storage refused the key, so what was handed out for
	// it no longer works anyway and servedUntil does not hold it back.
	rejected bool
	// Fleets: when the key stopped being current, the replicas that served
	// it then, when every live replica was seen serving another key, and
	// whether the acknowledgement timeout was reported.
	switchedAt  time.Time
	awaitAcks   []string
	ackedAt     time.Time
	ackTimedOut bool
}

// due is when the provider may next act on x: after its grace period, the
// latest Expiration handed out for it (plus Grace), and, in a fleet, the
// replicas' acknowledgements of its successor.
func (p *ManagedProvider) due(x *retiree) time.Time {
	t := x.at
	if !x.rejected && !x.servedUntil.IsZero() {
		t = laterOf(t, x.servedUntil.Add(p.pol.Grace))
	}
	return laterOf(t, p.ackDue(x))
}

// rotation is the state of the rotation goroutine; only it touches it
// (and Close, after the goroutine has ended).
type rotation struct {
	loaded, reconciled bool
	capChecked         bool
	// confirmed: the held keys are known to belong to the KeyManager's
	// account (no state file; a state file written for its
	// AccountIdentity; or a listing that showed them). Nothing is served
	// before.
	confirmed bool
	// adoptPending: the state file's current key is reported adopted once
	// confirmed.
	adoptPending      bool
	current, next     *heldKey
	nextUsableAt      time.Time
	retiring          []*retiree
	early             bool
	rejectedID        string          // the current key's access key ID, if object storage refused it
	handled           map[string]bool // access key IDs whose rejection was acted on
	createFailures    int
	nextCreateAt      time.Time
	reconcileFailures int
	nextReconcileAt   time.Time
	rotations         int
	lastErr, fatal    error
	owner             string
	// instance is the name in the marks of the keys this provider creates.
	instance string
	// instanceUnsaved: instance is a random name not yet in the state
	// file; it is written there before a key is created with it.
	instanceUnsaved bool

	// instanceChosen: instance was set (loadState).
	instanceChosen bool
	// pending lists the creates sent whose key is not held (they count
	// towards MaxKeys until a listing settles them); pendingCheckAt is when
	// the next listing may settle those of other processes.
	pending        []*pendingCreate
	pendingCheckAt time.Time

	// The state store.
	ctx           context.Context // the current step's
	storeOpened   bool
	unlock        func() // set while the current step holds its lock
	term          uint64 // the StoreLock.Term last held
	rev           int64  // the revision last read or written
	fileAccount   string // the AccountIdentity the state was written for
	rewrite       bool   // the store asked for the state to be written again
	persistFailed bool
	// lockLost: a write was refused (a fleet's rotator deposed, or another
	// writer came first): the step changes nothing more, and the next one
	// takes the store's view (fullSync).
	lockLost, fullSync bool
	dirty              bool      // something to write before the lock is released
	nextPollAt         time.Time // when to look whether a sharer changed the file
	loadFailures       int
	nextLoadAt         time.Time

	// Fleets: when the store last confirmed the state (the fence counts
	// from there), whether this replica is fenced, its role, and what it
	// recorded as serving.
	asOf                 time.Time
	fenced, storeFailing bool
	roleKnown, rotating  bool
	rotatorName          string
	servingRecorded      bool
	servingKeyID         string
	servingAccessKeyID   string
	servingRejects       []string
	forwardRejects       []string        // access key IDs refused to this follower, for the rotator
	followRetryAt        time.Time       // a state-file follower whose key lapsed reads again then
	replicas             []ReplicaRecord // as the rotator last read them
}

// stateFilePoll is how often a provider with a state file looks whether
// another process sharing it wrote a change (a read of a small file, on the
// provider's clock).
const stateFilePoll = 30 * time.Second

// maxArmSkew is how far the clock may move while the loop arms its timer
// before the timer counts as late (a real clock moves microseconds; a
// larger move is a fake clock advanced meanwhile, or a preemption, and
// costs one early step).
const maxArmSkew = time.Millisecond

// foreignReapAfter is how long after its expiry another instance's marked
// key may be removed: a margin for clocks that disagree.
const foreignReapAfter = time.Hour

func (p *ManagedProvider) loop() {
	defer close(p.done)
	ctx, cancel := context.WithCancel(context.Background())
	// The watcher cancels calls in flight when Close is called; it is
	// waited for before done is closed, so nothing outlives Close.
	watcherDone := make(chan struct{})
	go func() {
		defer close(watcherDone)
		select {
		case <-p.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	defer func() {
		cancel()
		<-watcherDone
	}()
	for {
		p.stepsStarted.Add(1)
		// Round(0): the times the step computes (expiries, the end of the
		// served key, the Expiration handed out) are wall-clock times, and
		// compare on the wall clock; a monotonic reading, which stands
		// still while the system sleeps, would keep a key served past its
		// end after a suspend.
		wake := p.step(ctx, p.clock.Now().Round(0))
		p.updateStatus()
		p.tel.snapshot(p) // telemetry
		if p.stepHook != nil {
			// Before the step counts as done, so that a test that
			// returns from Settle sees this step's wake time.
			p.stepHook(wake)
		}
		p.stepsDone.Add(1)
		p.stepMu.Lock()
		close(p.stepped)
		p.stepped = make(chan struct{})
		p.stepMu.Unlock()
		var timerC <-chan time.Time
		var stopTimer func() bool
		if !wake.IsZero() {
			armedAt := p.clock.Now()
			t := p.clock.NewTimer(wake.Sub(armedAt))
			timerC, stopTimer = t.C(), t.Stop
			// The timer counts from when NewTimer ran. If the clock moved
			// between armedAt and then (a fake clock advanced by a test),
			// the timer fires that much after wake, or the clock passed
			// wake already: step at once; the step arms the timer anew.
			if now := p.clock.Now(); !now.Before(wake) || now.Sub(armedAt) > maxArmSkew {
				p.signal()
			}
		}
		select {
		case <-p.stop:
			if stopTimer != nil {
				stopTimer()
			}
			return
		case <-p.kick:
		case <-timerC:
		case <-p.changes: // nil (never ready) for stores that cannot tell
		}
		if stopTimer != nil {
			stopTimer()
		}
	}
}

func (p *ManagedProvider) updateStatus() {
	r := &p.r
	var st Status
	if r.current != nil && r.confirmed {
		st.Current = r.current.key.AccessKeyID
	}
	if p.fleet != nil {
		info := p.fleetInfo()
		st.Replica, st.Rotating, st.Fenced = info.Replica, r.rotating, r.fenced
		st.Rotator = info.Rotator
		if r.rotating {
			st.Rotator = info.Replica
		}
		st.Serving = r.servingAccessKeyID
		for _, rec := range r.replicas {
			st.Fleet = append(st.Fleet, ReplicaStatus{Replica: rec.Replica, AccessKeyID: rec.AccessKeyID, Rotator: rec.Rotator})
		}
	}
	if r.next != nil {
		st.Next = r.next.key.AccessKeyID
	}
	for _, x := range r.retiring {
		st.Retiring = append(st.Retiring, x.key.AccessKeyID)
	}
	st.Rotations = r.rotations
	st.LastError = r.lastErr
	if r.fatal != nil {
		st.LastError = r.fatal
	}
	p.mu.Lock()
	p.status = st
	p.mu.Unlock()
}

// step does whatever is due at now and returns when it next has work
// (zero: only a kick can bring work).
func (p *ManagedProvider) step(ctx context.Context, now time.Time) time.Time {
	r := &p.r
	r.ctx = ctx
	r.lockLost = false
	defer p.releaseState(true) // after a fatal error: nothing is written
	if r.fatal != nil {
		return time.Time{}
	}
	if !r.loaded {
		if !p.loadState(ctx, now) {
			return r.nextLoadAt // a fleet's store is unreachable: retried
		}
		r.loaded = true
		r.nextLoadAt = time.Time{}
		if r.fatal != nil {
			p.publishErr(r.fatal)
			return time.Time{}
		}
		if r.confirmed && r.current != nil && p.fleet == nil && !p.opts.FollowOnly {
			// Known to be this account's: serve it at once; the
			// reconcile below (a listing that may be slow) does not hold
			// the first Retrieve back.
			p.publishState(ctx, now)
		}
	}
	p.handleRejects(now)
	if p.fleet != nil || p.opts.FollowOnly {
		if !p.fleetStep(ctx, now) {
			if r.fatal != nil {
				p.publishErr(r.fatal)
				return time.Time{}
			}
			p.recordServing(ctx, now)
			return p.nextWake(now)
		}
		if p.fleet != nil {
			if _, err := p.readReplicas(ctx); err != nil {
				p.log.Warn("managed key: reading the replicas failed", "store", p.storeName(), "error", err.Error())
			}
		}
	}
	p.mu.Lock()
	rotate := p.rotateRequested
	p.rotateRequested = false
	p.mu.Unlock()
	if rotate && r.current != nil {
		r.early = true
		r.nextCreateAt = now
	}
	p.pollStore(ctx, now)
	if r.reconciled && len(r.pending) > 0 && !r.pendingCheckAt.IsZero() && !now.Before(r.pendingCheckAt) {
		// Creates of another process not seen yet: list again.
		r.reconciled = false
		r.nextReconcileAt = now
	}
	if !r.reconciled && !now.Before(r.nextReconcileAt) && r.fatal == nil && !r.lockLost {
		p.reconcile(ctx, now)
	}
	if r.fatal != nil {
		p.publishErr(r.fatal)
		return time.Time{}
	}
	p.checkAcks(ctx, now)
	p.retire(ctx, now)

	currentDead := p.dead(r.current, now)
	if r.confirmed && r.next != nil && (currentDead || r.early || !now.Before(r.nextUsableAt)) {
		p.switchToNext(ctx, now)
		currentDead = p.dead(r.current, now)
	}
	if r.reconciled && r.next == nil && !now.Before(r.nextCreateAt) &&
		(currentDead || r.early || !now.Before(r.current.rotateAt(p.pol))) {
		p.createKey(ctx, now, currentDead)
		if r.current != nil && r.next != nil && (currentDead || r.early) {
			// Nothing usable is held, or the held key was refused: use
			// the new key at once.
			p.switchToNext(ctx, now)
		}
	}
	p.publishState(ctx, now)
	if r.fatal != nil {
		p.publishErr(r.fatal)
		return time.Time{}
	}
	p.recordServing(ctx, now)
	p.releaseState(false)
	return p.nextWake(now)
}

// dead reports whether h is nil or past the time it stops being served.
func (p *ManagedProvider) dead(h *heldKey, now time.Time) bool {
	if h == nil {
		return true
	}
	d := h.deadAt(p.safety)
	return !d.IsZero() && !now.Before(d)
}

func (p *ManagedProvider) nextWake(now time.Time) time.Time {
	r := &p.r
	var wake time.Time
	at := func(t time.Time) {
		if t.IsZero() {
			return
		}
		if wake.IsZero() || t.Before(wake) {
			wake = t
		}
	}
	if p.following() || r.lockLost || (!r.loaded && !r.nextLoadAt.IsZero()) {
		// A follower: the fleet's times, the file's poll, and the end of
		// the key it serves. A deposed rotator: the next step follows.
		if r.lockLost {
			at(now)
		}
		if !r.loaded {
			at(r.nextLoadAt)
		}
		p.fleetWake(now, at)
		if p.fleet == nil && p.store != nil {
			at(r.nextPollAt)
			p.followWake(now, at)
		}
		if r.current != nil {
			if d := r.current.deadAt(p.safety); d.After(now) {
				at(d)
			}
		}
		if !wake.IsZero() && wake.Before(now) {
			wake = now
		}
		return wake
	}
	if !r.reconciled {
		at(r.nextReconcileAt)
	} else {
		switch {
		case r.next != nil:
			at(r.nextUsableAt)
		case r.current == nil || r.early:
			at(r.nextCreateAt)
		default:
			t := r.current.rotateAt(p.pol)
			if t.Before(r.nextCreateAt) {
				t = r.nextCreateAt
			}
			at(t)
		}
	}
	if r.current != nil {
		// Only a death still to come is an event; once dead, the
		// create retry (nextCreateAt) is what the loop waits for.
		if d := r.current.deadAt(p.safety); d.After(now) {
			at(d)
		}
	}
	if r.confirmed {
		for _, x := range r.retiring {
			at(p.due(x))
		}
	}
	if len(r.pending) > 0 {
		at(r.pendingCheckAt)
	}
	p.fleetWake(now, at)
	if p.store != nil && p.changes == nil {
		at(r.nextPollAt)
	}
	if !wake.IsZero() && wake.Before(now) {
		wake = now
	}
	return wake
}

func (p *ManagedProvider) handleRejects(now time.Time) {
	p.mu.Lock()
	ids := p.rejected
	p.rejected = nil
	p.mu.Unlock()
	r := &p.r
	for _, id := range ids {
		if r.handled == nil {
			r.handled = map[string]bool{}
		}
		if r.current == nil || id != r.current.key.AccessKeyID || r.handled[id] {
			continue
		}
		r.handled[id] = true
		r.early = true
		r.rejectedID = id
		r.nextCreateAt = now // one early rotation, whatever the backoff said
		if p.fleet != nil && !r.rotating {
			// The rotator rotates: it reads this replica's record.
			r.forwardRejects = append(r.forwardRejects, id)
		}
		p.emit(Event{Kind: EventKeyRejected, KeyID: r.current.key.ID, AccessKeyID: id})
	}
}

// backoff returns a jittered exponential delay for the n-th failure (n≥1):
// a random value in [d/2, d) with d = BaseDelay·2^(n-1) capped at MaxDelay.
func (p *ManagedProvider) backoff(n int) time.Duration {
	return backoff.Upper(p.opts.BaseDelay, p.opts.MaxDelay, n)
}

func (p *ManagedProvider) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, p.opts.CallTimeout)
}

// reconcile checks the account's keys, at start and again after a create
// whose outcome is unknown: the keys loaded from the state file must exist
// (which also confirms that the file is this account's), and marked keys
// that nobody holds are retired: those of this instance (left by a crash
// between create and save, or by a lost answer), so that at most MaxKeys
// exist, and those of any instance once past their expiry. Keys of other
// instances that may still be in use are never touched.
func (p *ManagedProvider) reconcile(ctx context.Context, now time.Time) {
	defer p.tel.step(&ctx, telemetry.StepReconcile)() // telemetry
	r := &p.r
	if !p.checkLifetimeCap(ctx, now) {
		return
	}
	// Under the lock, and with what other processes sharing the file
	// hold, so that their keys are not taken for leftovers.
	if err := p.lockState(ctx, now); err != nil {
		if r.fatal == nil {
			p.reconcileFailed(now, fmt.Errorf("credentials: locking the state file: %w", err))
		}
		return
	}
	cctx, cancel := p.callCtx(ctx)
	keys, err := p.km.ListKeys(cctx)
	cancel()
	if err != nil {
		p.reconcileFailed(now, fmt.Errorf("credentials: listing %s keys: %w", p.km.Provider(), err))
		return
	}
	missing, ok := p.checkHeldKeys(now, keys)
	if !ok {
		return // fatal
	}
	p.dropMissingKeys(now, missing)
	p.confirmHeldKeys()
	deleted := p.retireUnheldKeys(now, keys)
	p.settlePending(now, keys)
	r.reconciled = true
	r.reconcileFailures = 0
	p.emit(Event{Kind: EventReconciled, Deleted: deleted})
}

// reconcileFailed records a failed reconcile (retried with backoff) and,
// while no key is served, tells the callers waiting for one.
func (p *ManagedProvider) reconcileFailed(now time.Time, err error) {
	r := &p.r
	r.reconcileFailures++
	r.nextReconcileAt = now.Add(p.backoff(r.reconcileFailures))
	r.lastErr = err
	p.emit(Event{Kind: EventListFailed, Err: err})
	if !p.pub.Load().has {
		p.publishErr(err)
	}
}

// checkLifetimeCap reads, once, the account's key-lifetime cap of a
// KeyManager that has one (a [LifetimeLimiter], OUTSCALE's API access
// policy): a Policy.Lifetime beyond it is fatal. A create made in the same
// step tells the KeyManager that its expiry was checked, so that the
// policy is not read twice. It reports whether the reconcile may go on.
func (p *ManagedProvider) checkLifetimeCap(ctx context.Context, now time.Time) bool {
	r := &p.r
	ll, ok := p.km.(LifetimeLimiter)
	if !ok || r.capChecked {
		return true
	}
	cctx, cancel := p.callCtx(ctx)
	limit, err := ll.MaxKeyLifetime(cctx)
	cancel()
	if err != nil {
		p.reconcileFailed(now, fmt.Errorf("credentials: reading the account's key lifetime cap: %w", err))
		return false
	}
	r.capChecked = true
	if limit > 0 && p.pol.Lifetime > limit {
		r.fatal = &fatalError{fmt.Errorf("credentials: Policy.Lifetime %v exceeds the %s account's maximum access-key lifetime %v (its API access policy); lower it", p.pol.Lifetime, p.km.Provider(), limit)}
		return false
	}
	return true
}

// checkHeldKeys looks the held keys (loaded from the state file) up in the
// account's listing. A key that is there but not active is retired at
// once; the access key IDs of those not there are returned. A state file
// of another account (the listing shows only that account's keys, or the
// file was written for it and its keys may still be alive) is fatal: ok is
// false.
func (p *ManagedProvider) checkHeldKeys(now time.Time, keys []iam.AccessKey) (missing []string, ok bool) {
	r := &p.r
	byID := map[string]iam.AccessKey{}
	for _, k := range keys {
		byID[k.ID] = k
	}
	allExpired := true
	for _, slot := range []**heldKey{&r.current, &r.next} {
		h := *slot
		if h == nil {
			continue
		}
		k, found := byID[h.key.ID]
		if !found {
			if foreign := p.foreignOwner(keys); foreign != "" {
				r.fatal = &fatalError{fmt.Errorf("credentials: %s holds key %s of account %q, but this %s KeyManager manages account %q; use another StateFile", p.storeName(), h.key.AccessKeyID, r.owner, p.km.Provider(), foreign)}
				return nil, false
			}
			if d := h.deadAt(0); d.IsZero() || now.Before(d) {
				allExpired = false
			}
			missing = append(missing, h.key.AccessKeyID)
			continue
		}
		if k.State != iam.StateActive && k.State != iam.StateUnspecified {
			p.log.Warn("managed key: the key in the state file is not active; retiring it", "access_key_id", h.key.AccessKeyID, "state", string(k.State))
			r.retiring = append(r.retiring, &retiree{key: stripSecret(h.key), at: now, deactivated: k.State == iam.StateInactive, rejected: true})
			*slot = nil
			r.dirty = true
		}
	}
	if len(missing) > 0 && !r.confirmed && !allExpired && p.account != "" && r.fileAccount != "" && r.fileAccount != p.account {
		// Keys that may be alive in another account: leave that
		// account's file alone.
		r.fatal = &fatalError{fmt.Errorf("credentials: %s was written for another account (%s), and its keys (%s) are not in this one (%s); use another StateFile (if the file is yours and its keys were deleted, remove it)",
			p.storeName(), r.fileAccount, strings.Join(missing, ", "), p.account)}
		return nil, false
	}
	return missing, true
}

// dropMissingKeys stops holding the keys the account lacks (missing, their
// access key IDs): the next key becomes the current one, or nothing is
// served while a new key is created; a state file none of whose keys is in
// the account is set aside without its secrets.
func (p *ManagedProvider) dropMissingKeys(now time.Time, missing []string) {
	r := &p.r
	for _, slot := range []**heldKey{&r.current, &r.next} {
		if h := *slot; h != nil && slices.Contains(missing, h.key.AccessKeyID) {
			p.log.Warn("managed key: the key in the state file no longer exists; creating another", "access_key_id", h.key.AccessKeyID)
			*slot = nil
			r.dirty = true
		}
	}
	if r.current == nil && r.next != nil {
		r.current, r.next = r.next, nil
	}
	if r.current == nil {
		// The key loadState served is gone or inactive: stop serving it
		// while a new one is created.
		p.withdraw()
		r.adoptPending = false
	}
	if len(missing) > 0 && r.current == nil && p.store != nil {
		// None of the file's keys is in this account: they were deleted,
		// or the file belongs to another account whose keys the listing
		// could not show. Keep the file aside without its secrets.
		p.setAsideStale(missing)
	}
}

// confirmHeldKeys marks the held keys as this account's (they may be
// served from now on) and reports a key adopted from the state file.
func (p *ManagedProvider) confirmHeldKeys() {
	r := &p.r
	if !r.confirmed || r.rewrite || (p.account != "" && r.fileAccount != p.account) {
		r.dirty = true // record the account and the version 2 format
	}
	r.confirmed = true
	if r.adoptPending {
		r.adoptPending = false
		p.emit(Event{Kind: EventKeyAdopted, KeyID: r.current.key.ID, AccessKeyID: r.current.key.AccessKeyID})
	}
}

// retireUnheldKeys retires the listed keys marked with the policy's
// Description that nobody holds: this instance's leftovers, and any
// instance's keys once past their expiry (plus foreignReapAfter). It
// returns how many it retired.
func (p *ManagedProvider) retireUnheldKeys(now time.Time, keys []iam.AccessKey) int {
	r := &p.r
	deleted := 0
	pendingMark := map[string]bool{}
	for _, x := range r.pending {
		pendingMark[x.mark] = true
	}
	for _, k := range keys {
		m, ok := parseMark(k.Description, p.pol.Description)
		if !ok || p.holds(k.ID) {
			continue
		}
		exp := k.ExpiresAt
		if exp.IsZero() {
			exp = m.expiry
		}
		x := &retiree{key: k, at: now, deactivated: k.State == iam.StateInactive}
		switch {
		case !m.legacy && m.instance == r.instance, pendingMark[k.Description]:
			// Ours (or a create recorded as under way), but no secret
			// held: a leftover.
		case !exp.IsZero() && !now.Before(exp.Add(foreignReapAfter)):
			// Past its expiry: nobody uses it any more.
			x.foreign = true
		default:
			continue
		}
		deleted++
		r.retiring = append(r.retiring, x)
		r.dirty = true
	}
	return deleted
}

// foreignOwner returns the owner of the listed keys when they all belong to
// an account other than the state file's, or "".
func (p *ManagedProvider) foreignOwner(keys []iam.AccessKey) string {
	if p.r.owner == "" || len(keys) == 0 {
		return ""
	}
	other := ""
	for _, k := range keys {
		if k.Owner == "" || k.Owner == p.r.owner {
			return ""
		}
		other = k.Owner
	}
	return other
}

func (p *ManagedProvider) holds(id string) bool {
	r := &p.r
	if (r.current != nil && r.current.key.ID == id) || (r.next != nil && r.next.key.ID == id) {
		return true
	}
	for _, x := range r.retiring {
		if x.key.ID == id {
			return true
		}
	}
	return false
}

func stripSecret(k iam.AccessKey) iam.AccessKey {
	k.Secret, k.SessionToken = iam.Secret{}, iam.Secret{}
	return k
}

// changesAt is when the served credentials are next due to change.
func (p *ManagedProvider) changesAt() time.Time {
	r := &p.r
	switch {
	case r.current == nil:
		return time.Time{}
	case r.next != nil:
		return r.nextUsableAt
	default:
		t := r.current.rotateAt(p.pol).Add(p.pol.SwitchDelay)
		if t.Before(r.nextCreateAt) {
			t = r.nextCreateAt.Add(p.pol.SwitchDelay)
		}
		return t
	}
}

// ownKeys counts the keys of this instance that exist or may exist: the
// current one, those on their way out (the next one is not created while
// it exists), and the creates under way.
func (p *ManagedProvider) ownKeys() int {
	r := &p.r
	n := len(r.pending)
	if r.current != nil {
		n++
	}
	for _, x := range r.retiring {
		if !x.foreign {
			n++
		}
	}
	return n
}

// createKey creates the next key (or the first one), unless MaxKeys keys
// of this instance exist already.
func (p *ManagedProvider) createKey(ctx context.Context, now time.Time, urgent bool) {
	defer p.tel.step(&ctx, telemetry.StepCreate)() // telemetry
	r := &p.r
	before := r.current
	if err := p.lockState(ctx, now); err != nil {
		if r.fatal == nil {
			p.createFailed(now, fmt.Errorf("credentials: locking the state file: %w", err))
		}
		return
	}
	if r.next != nil || r.current != before || !r.reconciled {
		// A process sharing the state file switched or created a key (or
		// wrote one to confirm): the next step decides again.
		p.signal()
		return
	}
	if held := p.ownKeys(); held >= p.pol.MaxKeys {
		p.waitForRoom(now, held, urgent)
		return
	}
	expiry := now.Add(p.pol.Lifetime)
	pc := &pendingCreate{mark: newMark(p.pol.Description, r.instance, expiry), at: now, seen: now, own: true}
	if p.store != nil {
		// Record the create (and the instance its mark carries) before
		// sending it, so that a crash between the create and the write of
		// the key leaves a key the next holder of the lock knows for a
		// leftover of its own, and counts towards MaxKeys meanwhile.
		r.pending = append(r.pending, pc)
		r.dirty = true
		if err := p.persist(); err != nil {
			p.dropPending(pc)
			if r.lockLost {
				return // deposed: nothing was sent
			}
			p.createFailed(now, fmt.Errorf("credentials: recording a create in the %s before sending it: %w", p.storeName(), err))
			return
		}
	}
	k, err := p.newKey(ctx, now, pc.mark, expiry)
	if err != nil {
		p.createFailed(now, fmt.Errorf("credentials: creating a %s key: %w", p.km.Provider(), err))
		if transient(err) {
			// The key may have been created and its answer lost: list
			// (and retire what nobody holds) before creating again.
			pc.answered = true
			r.reconciled = false
			r.nextReconcileAt = r.nextCreateAt
		} else if p.dropPending(pc) {
			r.dirty = true
		}
		return
	}
	p.dropPending(pc)
	p.holdNewKey(now, k)
}

// dropPending forgets a create under way; it reports whether it was there.
func (p *ManagedProvider) dropPending(pc *pendingCreate) bool {
	r := &p.r
	for i, x := range r.pending {
		if x == pc || x.mark == pc.mark {
			r.pending = append(r.pending[:i], r.pending[i+1:]...)
			return true
		}
	}
	return false
}

// settlePending settles the creates under way after a listing: one whose
// key is listed is a leftover (retireUnheldKeys retires it); one whose
// key is not made none if its call ended (this provider's), or if it was
// sent by another process longer than pendingWait ago; the others may
// still make their key, and are looked for again then.
func (p *ManagedProvider) settlePending(now time.Time, keys []iam.AccessKey) {
	r := &p.r
	if len(r.pending) == 0 {
		return
	}
	listed := map[string]bool{}
	for _, k := range keys {
		listed[k.Description] = true
	}
	kept := r.pending[:0]
	r.pendingCheckAt = time.Time{}
	for _, x := range r.pending {
		if listed[x.mark] || x.answered || !now.Before(x.seen.Add(p.pendingWait())) {
			r.dirty = true
			continue
		}
		kept = append(kept, x)
		if t := x.seen.Add(p.pendingWait()); r.pendingCheckAt.IsZero() || t.Before(r.pendingCheckAt) {
			r.pendingCheckAt = t
		}
	}
	for i := len(kept); i < len(r.pending); i++ {
		r.pending[i] = nil
	}
	r.pending = kept
}

// waitForRoom is what createKey does while held keys (MaxKeys or more) of
// this instance exist: it retries when the first old key is due to go (and
// at once for the keys on their way out when nothing usable is held), and
// tells the callers waiting for a first key why there is none.
func (p *ManagedProvider) waitForRoom(now time.Time, held int, urgent bool) {
	r := &p.r
	if urgent {
		// Nothing usable is held: cut the grace of keys on their way out.
		for _, x := range r.retiring {
			if !x.foreign && x.at.After(now) && x.failures == 0 {
				x.at = now
			}
		}
	}
	r.lastErr = fmt.Errorf("credentials: %d keys of ours exist (MaxKeys %d); waiting for old keys to be deleted before creating another", held, p.pol.MaxKeys)
	// Try again when the first old key is due to go, not at once (which
	// would spin): retire has moved every remaining one to its grace end
	// or retry time.
	next := time.Time{}
	for _, x := range r.retiring {
		if d := p.due(x); !x.foreign && (next.IsZero() || d.Before(next)) {
			next = d
		}
	}
	if next.Before(now) {
		next = now
	}
	r.nextCreateAt = next
	if !p.pub.Load().has || r.current == nil {
		p.publishErr(r.lastErr) // callers waiting for a first key learn why
	}
}

// newKey has the KeyManager create a marked key expiring after the
// policy's Lifetime, and completes what the answer leaves out (its mark,
// the expiry of a Yandex static key, the provider). A key created without
// an access key ID or secret is retired and reported as an error.
func (p *ManagedProvider) newKey(ctx context.Context, now time.Time, mark string, expiry time.Time) (iam.AccessKey, error) {
	r := &p.r
	cctx, cancel := p.callCtx(ctx)
	k, err := p.km.CreateKey(cctx, iam.CreateKeyRequest{Description: mark, ExpiresAt: expiry, UniqueDescription: true})
	cancel()
	if err != nil {
		return iam.AccessKey{}, err
	}
	if k.AccessKeyID == "" || k.Secret.IsZero() {
		if k.ID != "" {
			// Useless without its secret: retire it so it does not count.
			r.retiring = append(r.retiring, &retiree{key: stripSecret(k), at: now})
			r.dirty = true
		}
		return iam.AccessKey{}, fmt.Errorf("credentials: %s created key %q without an access key ID or secret", p.km.Provider(), k.ID)
	}
	if k.Description == "" {
		k.Description = mark
	}
	if k.ExpiresAt.IsZero() {
		// Yandex static keys do not expire: the mark's expiry is theirs.
		k.ExpiresAt = expiry
	}
	if k.Provider == "" {
		k.Provider = p.km.Provider()
	}
	return k, nil
}

// holdNewKey takes a key just created: it is the current key when none is
// held (switched to at once), else the next one, usable after SwitchDelay.
// It is on disk before anything else can happen to the process.
func (p *ManagedProvider) holdNewKey(now time.Time, k iam.AccessKey) {
	r := &p.r
	if r.owner == "" {
		r.owner = k.Owner
	}
	h := &heldKey{key: k, obtained: now}
	r.createFailures = 0
	r.nextCreateAt = time.Time{}
	r.lastErr = nil
	r.dirty = true
	p.emit(Event{Kind: EventKeyCreated, KeyID: k.ID, AccessKeyID: k.AccessKeyID})
	first := r.current == nil
	if first {
		r.current = h
	} else {
		r.next = h
		r.nextUsableAt = now.Add(p.pol.SwitchDelay)
	}
	if p.persistNow() != nil && r.lockLost {
		// Deposed while creating: the key is not recorded, so it is not
		// used; the create recorded as under way leads the rotator to it.
		if first {
			r.current = nil
		} else {
			r.next = nil
		}
		return
	}
	if first {
		p.emit(Event{Kind: EventKeySwitched, KeyID: k.ID, AccessKeyID: k.AccessKeyID})
	}
}

func (p *ManagedProvider) createFailed(now time.Time, err error) {
	r := &p.r
	r.createFailures++
	r.nextCreateAt = now.Add(p.backoff(r.createFailures))
	r.lastErr = err
	p.emit(Event{Kind: EventCreateFailed, Err: err})
	if !r.confirmed || p.dead(r.current, now) || !p.pub.Load().has {
		p.publishErr(err)
	}
	// Otherwise the current key keeps being served; publishState refreshes
	// its Expires so that caches ask again after the retry.
}

func (p *ManagedProvider) switchToNext(ctx context.Context, now time.Time) {
	defer p.tel.step(&ctx, telemetry.StepSwitch)() // telemetry
	r := &p.r
	if err := p.lockState(ctx, now); err != nil || r.next == nil || r.lockLost {
		return // closing, deposed, or a sharer switched already
	}
	old := r.current
	r.current, r.next = r.next, nil
	r.early = false
	r.rotations++
	var x *retiree
	if old != nil {
		x = &retiree{key: stripSecret(old.key), at: now.Add(p.pol.Grace), servedUntil: old.servedUntil}
		x.rejected = r.rejectedID != "" && r.rejectedID == old.key.AccessKeyID
		p.switchAcks(ctx, now, x)
		r.retiring = append(r.retiring, x)
	}
	r.rejectedID = ""
	r.dirty = true
	if p.fleet != nil && x != nil {
		// Commit the switch now, and start the acknowledgement wait when
		// the write has returned: every replica that still serves the old
		// key read the state before this commit, so it fences itself by
		// SwitchedAt + Fence (see ackDue). A write that fails leaves the
		// step (deposed, or etcd unreachable): nothing was switched.
		if p.persistNow() != nil {
			return
		}
		x.switchedAt = laterOf(now, p.clock.Now().Round(0))
		r.dirty = true
	}
	p.emit(Event{Kind: EventKeySwitched, KeyID: r.current.key.ID, AccessKeyID: r.current.key.AccessKeyID})
}

// handOutUntil is the Expiration handed out with h: when the credentials
// are next due to change, or a little before h expires.
func (p *ManagedProvider) handOutUntil(h *heldKey) time.Time {
	exp := p.changesAt()
	if v := h.deadAt(p.safety); !v.IsZero() && (exp.IsZero() || v.Before(exp)) {
		exp = v
	}
	return exp
}

// publishState makes what Retrieve serves follow the held keys: the
// current key, once confirmed, with its Expiration. Before an Expiration
// later than any handed out for the key is handed out, it is recorded in
// the store, so that no sharer retires the key before then. A fleet
// replica serves the key only until Fence after the store last confirmed
// it, and a follower hands out no Expiration beyond what the rotator
// recorded (or Grace from now, when that has passed).
func (p *ManagedProvider) publishState(ctx context.Context, now time.Time) {
	r := &p.r
	h := r.current
	if h == nil || !r.confirmed {
		p.withdraw()
		return
	}
	if d := h.deadAt(p.safety); !d.IsZero() && !now.Before(d) {
		return // dead: its successor is on its way (failures are published)
	}
	fence := p.fenceAt()
	if !fence.IsZero() && !now.Before(fence) {
		p.checkFence(now)
		return
	}
	var exp time.Time
	var bound time.Time
	if p.following() {
		exp = h.servedUntil
		if !exp.After(now) {
			exp = now.Add(p.pol.Grace)
		}
		if d := h.deadAt(p.safety); !d.IsZero() && d.Before(exp) {
			exp = d
		}
		if bound = p.followBound(h); !bound.IsZero() {
			if !now.Before(bound) {
				p.followLapsed(now, h)
				return
			}
			exp = earlierOf(exp, bound)
		}
	} else {
		exp = p.handOutUntil(h)
		if exp.After(h.servedUntil) {
			if p.store != nil && r.unlock == nil {
				if err := p.lockState(ctx, now); err != nil {
					return
				}
				p.publishState(ctx, now) // the store may have changed what to serve
				return
			}
			h.servedUntil = exp
			if p.store != nil {
				r.dirty = true
				if p.persistNow() != nil && r.lockLost {
					return // deposed: the next step follows the store
				}
			}
		}
	}
	validUntil := h.deadAt(p.safety)
	if !bound.IsZero() {
		validUntil = earlierOf(validUntil, bound)
	}
	if !fence.IsZero() {
		if exp.IsZero() || fence.Before(exp) {
			exp = fence
		}
		if validUntil.IsZero() || fence.Before(validUntil) {
			validUntil = fence
		}
	}
	if cur := p.pub.Load(); cur.has && cur.creds.AccessKeyID == h.key.AccessKeyID && cur.creds.Expires.Equal(exp) && cur.validUntil.Equal(validUntil) {
		return
	}
	p.publish(h, exp, validUntil)
}

// retire deactivates, then deletes, each old key whose time has come.
// Failures are retried with backoff and never block serving.
func (p *ManagedProvider) retire(ctx context.Context, now time.Time) {
	r := &p.r
	if !r.confirmed || !slices.ContainsFunc(r.retiring, func(x *retiree) bool { return !p.due(x).After(now) }) {
		return
	}
	// Under the lock, with the latest Expirations sharers handed out.
	if err := p.lockState(ctx, now); err != nil || r.lockLost {
		return
	}
	if p.fleet != nil {
		// The lock is the rotator's belief that it still leads: record
		// what is about to be deactivated or deleted (and the leftovers
		// a listing found) with a write conditioned on its election and
		// on the revision its view came from, before any call. A rotator
		// deposed meanwhile (its listing answered after another replica
		// was elected and rotated) fails here and touches nothing: the
		// revision condition is its fencing token, as the record of a
		// create under way is for creates.
		r.dirty = true
		if p.persistNow() != nil {
			return
		}
	}
	kept := r.retiring[:0]
	for _, x := range r.retiring {
		if p.due(x).After(now) || !p.retireOne(ctx, now, x) {
			kept = append(kept, x)
		}
	}
	for i := len(kept); i < len(r.retiring); i++ {
		r.retiring[i] = nil
	}
	r.retiring = kept
	r.dirty = true // keys went, or their retry times changed
}

// retireOne reports whether the key is gone.
func (p *ManagedProvider) retireOne(ctx context.Context, now time.Time, x *retiree) bool {
	defer p.tel.step(&ctx, telemetry.StepRetire)() // telemetry
	if _, ok := parseMark(x.key.Description, p.pol.Description); x.key.Description != "" && !ok {
		// Never touch a key that is not ours (defence in depth: only keys
		// we created or that carry our mark get here).
		return true
	}
	failed := func(err error) bool {
		x.failures++
		x.at = now.Add(p.backoff(x.failures))
		p.r.lastErr = err
		p.emit(Event{Kind: EventDeleteFailed, KeyID: x.key.ID, AccessKeyID: x.key.AccessKeyID, Err: err})
		return false
	}
	if !x.deactivated {
		cctx, cancel := p.callCtx(ctx)
		_, err := p.km.UpdateKey(cctx, x.key.ID, iam.UpdateKeyRequest{State: iam.StateInactive})
		cancel()
		switch {
		case err == nil:
			x.deactivated = true
			p.emit(Event{Kind: EventKeyDeactivated, KeyID: x.key.ID, AccessKeyID: x.key.AccessKeyID})
		case errors.Is(err, iam.ErrNotFound):
			p.emit(Event{Kind: EventKeyDeleted, KeyID: x.key.ID, AccessKeyID: x.key.AccessKeyID})
			return true
		case transient(err):
			return failed(fmt.Errorf("credentials: deactivating %s key %s: %w", p.km.Provider(), x.key.AccessKeyID, err))
		default:
			// Some keys cannot be deactivated (Yandex static keys have no
			// state): go straight to deleting.
			x.deactivated = true
		}
	}
	cctx, cancel := p.callCtx(ctx)
	err := p.km.DeleteKey(cctx, x.key.ID)
	cancel()
	if err != nil && !errors.Is(err, iam.ErrNotFound) {
		if errors.Is(err, iam.ErrFailedPrecondition) {
			// OUTSCALE deletes only INACTIVE keys: deactivate again first.
			x.deactivated = false
		}
		return failed(fmt.Errorf("credentials: deleting %s key %s: %w", p.km.Provider(), x.key.AccessKeyID, err))
	}
	p.emit(Event{Kind: EventKeyDeleted, KeyID: x.key.ID, AccessKeyID: x.key.AccessKeyID})
	return true
}

// transient reports whether err says the service was not reached or asked
// to slow down, so that the same call is worth retrying later. Any other
// answer to a deactivation means the key cannot be deactivated. After a
// create, it also means that the key may exist (its answer lost).
func transient(err error) bool {
	var ne net.Error
	return errors.Is(err, iam.ErrUnavailable) || errors.Is(err, iam.ErrThrottled) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.As(err, &ne)
}

// deleteAll retires every key held, at once (DeleteOnClose).
func (r *rotation) deleteAll(ctx context.Context, p *ManagedProvider) error {
	if !r.loaded {
		// Never started: nothing was created or read, and the state
		// file (another run's keys) must not be overwritten.
		return nil
	}
	now := p.clock.Now().Round(0)
	r.ctx = ctx
	if p.store != nil {
		// Locked but not merged: only the keys this provider holds go.
		l, err := p.store.Lock(ctx)
		if err != nil {
			return err
		}
		defer l.Unlock()
	}
	for _, h := range []*heldKey{r.current, r.next} {
		if h != nil {
			r.retiring = append(r.retiring, &retiree{key: stripSecret(h.key), at: now})
		}
	}
	r.current, r.next = nil, nil
	var errs []error
	for _, x := range r.retiring {
		if x.foreign {
			continue
		}
		x.at = now
		if !p.retireOne(ctx, now, x) {
			errs = append(errs, p.r.lastErr)
		}
	}
	r.retiring = nil
	if err := p.persist(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
