package credentials

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/iamkit/iamkit/iam"
)

// This file connects the rotation to its StateStore: loading, locking,
// merging what other processes wrote, and saving.

// storeName names the store in errors.
func (p *ManagedProvider) storeName() string {
	if p.store == nil {
		return "no state store"
	}
	return p.store.String()
}

// pendingCreate is a create that was sent and whose key is not held: it
// counts towards MaxKeys until a listing settles it.
type pendingCreate struct {
	mark string
	at   time.Time // when it was sent, on the sender's clock
	// seen is when this provider learned of it (its own creates: when it
	// sent them): a create of another process still unseen in a listing
	// is dropped only pendingWait after that.
	seen time.Time
	// own: this provider sent it; answered: and its call has ended (with
	// an error): the next listing settles it.
	own, answered bool
}

// pendingWait is how long a create sent by another process (a rotator
// that died, a sharer of the state file) may still make its key: its call
// is bounded by its CallTimeout; twice ours leaves room for a request
// still in flight.
func (p *ManagedProvider) pendingWait() time.Duration { return 2 * p.opts.CallTimeout }

func toStoredKey(role KeyRole, h *heldKey) StoredKey {
	return StoredKey{Role: role, Key: h.key, ObtainedAt: h.obtained, ServedUntil: h.servedUntil}
}

func (p *ManagedProvider) heldFromStored(k StoredKey) *heldKey {
	key := k.Key
	if key.Description == "" {
		key.Description = p.pol.Description // a version 1 file: the bare mark
	}
	key.Provider = p.km.Provider()
	key.State = iam.StateActive
	return &heldKey{key: key, obtained: k.ObtainedAt, servedUntil: k.ServedUntil}
}

func (p *ManagedProvider) retireeFromStored(k StoredKey) *retiree {
	return &retiree{key: stripSecret(p.heldFromStored(k).key), at: k.RetireAt, servedUntil: k.ServedUntil,
		deactivated: k.Deactivated, foreign: k.Foreign, rejected: k.Rejected,
		switchedAt: k.SwitchedAt, awaitAcks: k.AwaitAcks, ackedAt: k.AckedAt}
}

// storedState is the provider's view as a StoredState.
func (p *ManagedProvider) storedState() *StoredState {
	r := &p.r
	account := p.account
	if account == "" {
		account = r.fileAccount // a sharer's identity, if it had one
	}
	st := &StoredState{Provider: p.km.Provider(), Description: p.pol.Description, Account: account,
		Instance: r.instance, Owner: r.owner, SavedAt: p.clock.Now().UTC()}
	if p.fleet != nil {
		st.Rotations = r.rotations
	}
	if r.current != nil {
		st.Keys = append(st.Keys, toStoredKey(RoleCurrent, r.current))
	}
	if r.next != nil {
		st.Keys = append(st.Keys, toStoredKey(RoleNext, r.next))
	}
	// Keys on their way out are kept (without secrets) so that a restarted
	// process still gives them their grace period instead of taking them
	// for leftovers, and sharers honour each other's Expirations.
	for _, x := range r.retiring {
		st.Keys = append(st.Keys, StoredKey{Role: RoleRetiring, Key: x.key, RetireAt: x.at, ServedUntil: x.servedUntil,
			Deactivated: x.deactivated, Foreign: x.foreign, Rejected: x.rejected,
			SwitchedAt: x.switchedAt, AwaitAcks: x.awaitAcks, AckedAt: x.ackedAt})
	}
	for _, x := range r.pending {
		st.Pending = append(st.Pending, PendingCreate{Mark: x.mark, At: x.at})
	}
	return st
}

// persist saves the provider's view, if it has a store; it is called with
// the lock held, after syncState. A write refused because the lock was
// lost (a fleet's rotator deposed) or because another writer came first
// leaves the step without the lock: nothing more is changed, and the next
// step takes the store's view.
func (p *ManagedProvider) persist() error {
	if p.store == nil {
		return nil
	}
	r := &p.r
	if r.lockLost {
		return ErrNotRotator
	}
	st := p.storedState()
	ctx := r.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	rev, err := p.store.Save(ctx, st, r.rev)
	if err != nil {
		// In a fleet any failed write leaves the step: its outcome may be
		// unknown (etcd unreachable mid-request), and only what the store
		// holds may be served; the next step reads it.
		if errors.Is(err, ErrNotRotator) || errors.Is(err, ErrStateConflict) || p.fleet != nil {
			r.lockLost = true
			r.fullSync = true
			return err
		}
		r.persistFailed = true
		return err
	}
	r.rev = rev
	r.fileAccount = st.Account
	r.instanceUnsaved = false
	r.persistFailed = false
	r.rewrite = false
	r.dirty = false
	return nil
}

// persistNow persists and logs a failure (serving goes on, unless the lock
// was lost).
func (p *ManagedProvider) persistNow() error {
	err := p.persist()
	if err != nil {
		p.log.Warn("managed key: saving the state failed", "store", p.storeName(), "error", err.Error())
		if p.fleet != nil {
			p.emit(Event{Kind: EventStoreFailed, Err: fmt.Errorf("credentials: saving to %s: %w", p.storeName(), err)})
		}
	}
	return err
}

// checkOwnership refuses a stored state written for another cloud or for
// keys with another mark.
func (p *ManagedProvider) checkOwnership(st *StoredState) error {
	if st.Provider != p.km.Provider() {
		return &fatalError{fmt.Errorf("credentials: %s belongs to provider %q, not %q; use another StateFile", p.storeName(), st.Provider, p.km.Provider())}
	}
	if st.Description != p.pol.Description {
		return &fatalError{fmt.Errorf("credentials: %s holds keys marked %q, not %q (Policy.Description); use another StateFile", p.storeName(), st.Description, p.pol.Description)}
	}
	return nil
}

// takeInstance adopts the instance a stored state records, unless
// ManagedOptions.Instance names one: the processes that share a store
// share its instance, and the first one to write it chose it.
func (p *ManagedProvider) takeInstance(st *StoredState) {
	r := &p.r
	if p.opts.Instance == "" && st.Instance != "" {
		r.instance = st.Instance
		r.instanceUnsaved = false
	}
}

// scope is what the store is told at Open.
func (p *ManagedProvider) scope() StoreScope {
	return StoreScope{Provider: p.km.Provider(), Account: p.account, Description: p.pol.Description,
		FollowOnly: p.opts.FollowOnly, Clock: p.clock, Logger: p.log}
}

// loadState opens the store and reads the keys a previous run (or a
// process sharing the store) left there. They are served at once only
// when the state was written for the KeyManager's AccountIdentity;
// otherwise (another account's file, a version 1 file, a manager without
// an identity) nothing is served until reconcile has found them in the
// account's listing. A corrupt file is set aside. It reports false when
// a fleet's store could not be read (retried at r.nextLoadAt; nothing is
// served meanwhile).
func (p *ManagedProvider) loadState(ctx context.Context, now time.Time) bool {
	r := &p.r
	if !r.instanceChosen {
		r.instanceChosen = true
		r.instance = p.opts.Instance
		if r.instance == "" {
			// Without a store the name lives as long as the process. With
			// one, a random name is written to the store under the lock
			// before the first create (createKey), unless the store
			// records one, which replaces it below.
			r.instance = randomInstance()
			r.instanceUnsaved = p.store != nil
		}
	}
	if p.store == nil {
		r.confirmed = true
		return true
	}
	if !r.storeOpened {
		if err := p.store.Open(ctx, p.scope()); err != nil {
			err = fmt.Errorf("credentials: opening %s: %w", p.storeName(), err)
			if p.fleet != nil && ctx.Err() == nil && !errors.Is(err, ErrStoreConfig) {
				// A fleet's store that cannot connect yet (etcd with
				// authentication, unreachable): as a failed load.
				return p.loadFailed(now, err)
			}
			r.fatal = &fatalError{err}
			return true
		}
		r.storeOpened = true
		p.changes = p.store.Changes()
		if p.fleet != nil {
			p.log = p.log.With(slog.String("replica", p.fleetInfo().Replica))
		}
	}
	r.confirmed = true
	snap, err := p.store.Load(ctx)
	switch {
	case err != nil && p.fleet != nil:
		return p.loadFailed(now, err)
	case err != nil:
		r.fatal = &fatalError{err}
		return true
	case snap.SetAside != nil:
		r.lastErr = snap.SetAside.Err
		p.emit(Event{Kind: EventStateFileSetAside, Err: snap.SetAside.Err, Path: snap.SetAside.Path})
		return true
	}
	p.noteConfirmed(snap)
	if snap.State == nil {
		return true
	}
	st := snap.State
	if err := p.checkOwnership(st); err != nil {
		r.fatal = err
		return true
	}
	p.takeInstance(st)
	_, _ = p.takeState(st, now)
	r.rev = snap.Revision
	r.rewrite = snap.Rewrite
	if r.current == nil {
		return true
	}
	if d := r.current.deadAt(p.safety); !d.IsZero() && !now.Before(d) {
		// Expired while we were away: its successor is created, and it
		// is retired.
		return true
	}
	if r.confirmed {
		p.emit(Event{Kind: EventKeyAdopted, KeyID: r.current.key.ID, AccessKeyID: r.current.key.AccessKeyID})
	} else {
		r.adoptPending = true
	}
	return true
}

// loadFailed records that a fleet's store could not be read at start.
// Decision: with the store unreachable at start, nothing is served (a
// replica that cannot hear of rotations cannot be fenced either), and
// Retrieve says so at once; the load is retried.
func (p *ManagedProvider) loadFailed(now time.Time, err error) bool {
	r := &p.r
	r.loadFailures++
	r.nextLoadAt = now.Add(min(p.backoff(r.loadFailures), p.fleetInfo().ConfirmEvery))
	r.lastErr = fmt.Errorf("credentials: %s is unreachable; serving nothing until it answers: %w", p.storeName(), err)
	if r.loadFailures == 1 {
		p.emit(Event{Kind: EventStoreFailed, Err: r.lastErr})
	}
	p.publishErr(r.lastErr)
	return false
}

// noteConfirmed records when the store last confirmed the state (fleets:
// the fence counts from there).
func (p *ManagedProvider) noteConfirmed(snap Snapshot) {
	r := &p.r
	if snap.AsOf.IsZero() {
		return
	}
	r.asOf = snap.AsOf.Round(0)
	if r.fenced {
		r.fenced = false
		p.emit(Event{Kind: EventUnfenced})
	}
}

// takeState makes st the provider's view of the keys (at start, for a
// fleet's followers on every change, and for a rotator elected anew). It
// reports whether the current key changed, and whether one was held
// before.
func (p *ManagedProvider) takeState(st *StoredState, now time.Time) (switched, hadKey bool) {
	r := &p.r
	prev := r.current
	if st.Owner != "" {
		r.owner = st.Owner
	}
	r.fileAccount = st.Account
	seen := map[string]*pendingCreate{}
	for _, x := range r.pending {
		seen[x.mark] = x
	}
	r.current, r.next, r.retiring, r.pending = nil, nil, nil, nil
	for _, k := range st.Keys {
		switch k.Role {
		case RoleRetiring:
			r.retiring = append(r.retiring, p.retireeFromStored(k))
		case RoleCurrent:
			r.current = p.heldFromStored(k)
		case RoleNext:
			r.next = p.heldFromStored(k)
			r.nextUsableAt = r.next.obtained.Add(p.pol.SwitchDelay)
		}
	}
	if r.current == nil && r.next != nil {
		r.current, r.next = r.next, nil
	}
	for _, x := range st.Pending {
		if old, ok := seen[x.Mark]; ok {
			r.pending = append(r.pending, old)
			continue
		}
		r.pending = append(r.pending, &pendingCreate{mark: x.Mark, at: x.At, seen: now})
		p.reconcileSoon(now)
	}
	if p.fleet != nil {
		r.rotations = st.Rotations
	}
	r.confirmed = p.account != "" && st.Account == p.account
	return r.current != nil && (prev == nil || prev.key.ID != r.current.key.ID), prev != nil
}

// emitTaken reports the key takeState made current: switched to, or
// adopted when none was held.
func (p *ManagedProvider) emitTaken(switched, hadKey bool) {
	r := &p.r
	switch {
	case !switched:
	case hadKey:
		p.emit(Event{Kind: EventKeySwitched, KeyID: r.current.key.ID, AccessKeyID: r.current.key.AccessKeyID})
	default:
		p.emit(Event{Kind: EventKeyAdopted, KeyID: r.current.key.ID, AccessKeyID: r.current.key.AccessKeyID})
	}
}

// lockState takes the store's lock for the rest of the step (if there is
// a store and the step does not hold it yet) and takes in what other
// processes wrote. Every change to what the store records is made under
// it. A lock that cannot be taken for any reason but Close, or the fleet's
// election, is fatal (the state file's directory is not writable, …). A
// fleet replica that is not the rotator gets an error matching
// ErrNotRotator.
func (p *ManagedProvider) lockState(ctx context.Context, now time.Time) error {
	r := &p.r
	if p.store == nil || r.unlock != nil {
		return nil
	}
	if r.lockLost {
		return ErrNotRotator
	}
	if p.opts.FollowOnly {
		return errFollowOnly
	}
	l, err := p.store.Lock(ctx)
	if err != nil {
		if errors.Is(err, ErrNotRotator) {
			return err
		}
		if ctx.Err() == nil {
			r.fatal = &fatalError{fmt.Errorf("credentials: locking the %s: %w", p.storeName(), err)}
		}
		return err
	}
	r.unlock = l.Unlock
	if l.Term != r.term {
		if r.term != 0 || p.fleet != nil {
			// The right came to this process anew: what it knew may be
			// stale, and a create of the previous holder may be under way.
			r.fullSync = true
			r.reconciled = false
			r.nextReconcileAt = now
		}
		r.term = l.Term
	}
	if err := p.syncState(ctx, now); err != nil {
		p.releaseState(true)
		if p.fleet != nil || r.fatal != nil {
			// A rotator that cannot read the state does not act on it,
			// nor one whose state file was migrated away.
			return err
		}
	}
	return nil
}

// errFollowOnly is what lockState returns in follower-only mode.
var errFollowOnly = fmt.Errorf("follower-only provider: %w", ErrNotRotator)

// releaseState saves what changed (unless abandon) and releases the lock.
func (p *ManagedProvider) releaseState(abandon bool) {
	r := &p.r
	if r.unlock == nil {
		return
	}
	if r.dirty && !abandon && !r.lockLost {
		_ = p.persistNow()
	}
	r.unlock()
	r.unlock = nil
}

// syncState takes in what other processes sharing the store wrote since
// this one last read or wrote it (called with the lock held): a key they
// switched to or created, the keys they are retiring, and the latest
// Expirations they handed out. A rotator elected anew takes the stored
// state as it is.
func (p *ManagedProvider) syncState(ctx context.Context, now time.Time) error {
	r := &p.r
	snap, err := p.store.Load(ctx)
	switch {
	case errors.Is(err, ErrStateFileMigrated):
		r.fatal = &fatalError{err}
		return err
	case err != nil:
		p.log.Warn("managed key: reading the state failed", "store", p.storeName(), "error", err.Error())
		if p.fleet != nil {
			r.lastErr = fmt.Errorf("credentials: reading %s: %w", p.storeName(), err)
			if !r.storeFailing {
				r.storeFailing = true
				p.emit(Event{Kind: EventStoreFailed, Err: r.lastErr})
			}
		}
		return err
	case snap.SetAside != nil:
		p.emit(Event{Kind: EventStateFileSetAside, Err: snap.SetAside.Err, Path: snap.SetAside.Path})
		r.dirty = true
		return nil
	}
	r.storeFailing = false
	p.noteConfirmed(snap)
	if snap.State == nil {
		r.dirty = true // removed: write it again
		return nil
	}
	st := snap.State
	if err := p.checkOwnership(st); err != nil {
		r.fatal = err
		return err
	}
	p.takeInstance(st)
	if snap.Rewrite {
		r.rewrite = true
		r.dirty = true
	}
	if snap.Revision == r.rev && !r.persistFailed && !r.fullSync {
		return nil
	}
	if r.fullSync || p.fleet != nil {
		p.emitTaken(p.takeState(st, now))
		if p.fleet != nil {
			// Written by another rotator (or before this one's term):
			// the acknowledgement waits go on from this clock.
			p.rebaseAcks(p.clock.Now().Round(0))
		}
		r.fullSync = false
		if !r.confirmed {
			r.reconciled = false
			r.nextReconcileAt = now
		}
	} else {
		p.merge(st, now)
	}
	r.rev = snap.Revision
	return nil
}

// merge takes a newer stored state's view (see syncState): the state file
// of processes that share it, each of which may rotate. It takes, in
// order, the latest Expirations they handed out, a key one of them
// switched to or created, the keys they retire, and their creates under
// way.
func (p *ManagedProvider) merge(st *StoredState, now time.Time) {
	r := &p.r
	inFile := map[string]StoredKey{}
	for _, k := range st.Keys {
		inFile[k.Key.ID] = k
	}
	for _, h := range []*heldKey{r.current, r.next} {
		if h != nil {
			h.servedUntil = laterOf(h.servedUntil, inFile[h.key.ID].ServedUntil)
		}
	}
	if r.owner == "" {
		r.owner = st.Owner
	}
	r.fileAccount = st.Account
	replaced, adoptedCurrent := p.mergeCurrent(st, now)
	adoptedNext := p.mergeNext(st, now)
	p.mergeRetiring(st, inFile, replaced, now)
	p.mergePending(st, now)
	if (adoptedCurrent || adoptedNext) && (p.account == "" || st.Account != p.account) {
		// Written by a process of another identity: confirm by listing
		// before serving.
		r.confirmed = false
		r.reconciled = false
		r.nextReconcileAt = now
	}
}

// storedRole returns the key of st with role (nil: none).
func storedRole(st *StoredState, role KeyRole) *StoredKey {
	for i := range st.Keys {
		if st.Keys[i].Role == role {
			return &st.Keys[i]
		}
	}
	return nil
}

// aliveAt reports whether the stored key k is still served at now.
func (p *ManagedProvider) aliveAt(k *StoredKey, now time.Time) bool {
	d := p.heldFromStored(*k).deadAt(p.safety)
	return d.IsZero() || now.Before(d)
}

// mergeCurrent takes the key a sharer switched to, if it is newer than
// the current one (or is the next one) and alive. It returns the key it
// replaced (nil: none), and whether it adopted a key it did not hold.
func (p *ManagedProvider) mergeCurrent(st *StoredState, now time.Time) (replaced *heldKey, adopted bool) {
	r := &p.r
	fc := storedRole(st, RoleCurrent)
	if fc == nil || (r.current != nil && fc.Key.ID == r.current.key.ID) {
		return nil, false
	}
	known := r.next != nil && r.next.key.ID == fc.Key.ID
	if !(known || r.current == nil || fc.ObtainedAt.After(r.current.obtained)) || !p.aliveAt(fc, now) {
		return nil, false
	}
	replaced = r.current
	if known {
		r.current, r.next = r.next, nil
	} else {
		r.current = p.heldFromStored(*fc)
		adopted = true
		p.emit(Event{Kind: EventKeyAdopted, KeyID: fc.Key.ID, AccessKeyID: fc.Key.AccessKeyID})
	}
	r.early = false
	if replaced != nil {
		r.rotations++
		p.emit(Event{Kind: EventKeySwitched, KeyID: r.current.key.ID, AccessKeyID: r.current.key.AccessKeyID})
	}
	return replaced, adopted
}

// mergeNext takes a key a sharer created and will switch to, when none is
// next here; it reports whether it did.
func (p *ManagedProvider) mergeNext(st *StoredState, now time.Time) bool {
	r := &p.r
	fn := storedRole(st, RoleNext)
	if fn == nil || r.next != nil || p.holds(fn.Key.ID) || !p.aliveAt(fn, now) {
		return false
	}
	r.next = p.heldFromStored(*fn)
	r.nextUsableAt = r.next.obtained.Add(p.pol.SwitchDelay)
	p.emit(Event{Kind: EventKeyAdopted, KeyID: fn.Key.ID, AccessKeyID: fn.Key.AccessKeyID})
	return true
}

// mergeRetiring takes the keys on their way out: those a sharer finished
// are dropped, those it retires are taken over with its times, and the
// key a sharer's switch replaced here (replaced) goes after Grace.
func (p *ManagedProvider) mergeRetiring(st *StoredState, inFile map[string]StoredKey, replaced *heldKey, now time.Time) {
	r := &p.r
	kept := r.retiring[:0]
	for _, x := range r.retiring {
		k, ok := inFile[x.key.ID]
		if !ok && !r.persistFailed {
			continue // a sharer finished retiring it
		}
		x.servedUntil = laterOf(x.servedUntil, k.ServedUntil)
		kept = append(kept, x)
	}
	for i := len(kept); i < len(r.retiring); i++ {
		r.retiring[i] = nil
	}
	r.retiring = kept
	for _, k := range st.Keys {
		if k.Role == RoleRetiring && !p.holds(k.Key.ID) {
			r.retiring = append(r.retiring, p.retireeFromStored(k))
		}
	}
	if replaced != nil && !p.holds(replaced.key.ID) {
		r.retiring = append(r.retiring, &retiree{key: stripSecret(replaced.key), at: now.Add(p.pol.Grace), servedUntil: replaced.servedUntil})
	}
}

// mergePending takes the creates under way: this provider's own, and
// those the file records (a sharer's, dropped here once it settled them).
func (p *ManagedProvider) mergePending(st *StoredState, now time.Time) {
	r := &p.r
	known := map[string]*pendingCreate{}
	var pending []*pendingCreate
	for _, x := range r.pending {
		known[x.mark] = x
		if x.own {
			pending = append(pending, x)
		}
	}
	for _, x := range st.Pending {
		switch old, ok := known[x.Mark]; {
		case ok && old.own:
		case ok:
			pending = append(pending, old)
		default:
			pending = append(pending, &pendingCreate{mark: x.Mark, at: x.At, seen: now})
			p.reconcileSoon(now)
		}
	}
	r.pending = pending
}

// reconcileSoon has the next step list the account's keys: a create
// another process recorded as under way (it died, or its answer was lost)
// is settled by a listing.
func (p *ManagedProvider) reconcileSoon(now time.Time) {
	r := &p.r
	if r.reconciled {
		r.reconciled = false
		r.nextReconcileAt = now
	}
}

// earlierOf returns the earlier of a and b, a zero one standing for no
// end.
func earlierOf(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// pollStore looks, every stateFilePoll, whether a process sharing a store
// that cannot signal changes (the state file) changed it, and if so takes
// its changes (a key it switched to, the Expirations it handed out).
func (p *ManagedProvider) pollStore(ctx context.Context, now time.Time) {
	r := &p.r
	if p.store == nil || p.changes != nil || now.Before(r.nextPollAt) {
		return
	}
	r.nextPollAt = now.Add(stateFilePoll)
	if r.unlock != nil {
		return // already synced in this step
	}
	snap, err := p.store.Load(ctx)
	if err == nil && snap.SetAside == nil && snap.State != nil && snap.Revision == r.rev && !r.persistFailed {
		return
	}
	if err == nil && snap.SetAside == nil && snap.State == nil && r.rev == 0 {
		return // nothing written yet, by anyone
	}
	_ = p.lockState(ctx, now)
}

// setAsideStale discards the stored state when none of its keys exists in
// the account (called by reconcile, under the lock): the state file is
// kept, without its secrets (the keys are gone, or belong to an account
// that does not let us see them), as StateFile + ".stale-<time>".
func (p *ManagedProvider) setAsideStale(missing []string) {
	r := &p.r
	owner := r.owner
	r.owner = ""
	r.fileAccount = ""
	err := fmt.Errorf("credentials: %s: its keys (%s) are not in this %s account: they were deleted, or the file belongs to another account (%q)",
		p.storeName(), strings.Join(missing, ", "), p.km.Provider(), owner)
	ctx := r.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	dst, derr := p.store.Discard(ctx, err, r.rev)
	if derr != nil {
		p.log.Warn("managed key: setting the stale state aside failed", "store", p.storeName(), "error", derr.Error())
	}
	if dst == "" && (derr != nil || p.fleet == nil) {
		return
	}
	r.rev = 0
	r.dirty = true
	r.lastErr = err
	p.emit(Event{Kind: EventStateFileSetAside, Err: err, Path: dst})
}
