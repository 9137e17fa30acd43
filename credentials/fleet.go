package credentials

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// This file holds what a provider does as a replica of a fleet (a
// FleetStore), or in follower-only mode: following the rotator, fencing,
// recording the key it serves, and, as the rotator, waiting for the
// replicas' acknowledgements before retiring a key.

// fleetInfo returns the fleet's parameters (zero without a FleetStore).
func (p *ManagedProvider) fleetInfo() FleetInfo {
	if p.fleet == nil {
		return FleetInfo{}
	}
	return p.fleet.Fleet()
}

// following reports whether the provider only follows the store: a
// follower-only provider, or a fleet replica that is not the rotator.
// Call it after lockState in a step.
func (p *ManagedProvider) following() bool {
	return p.store != nil && (p.opts.FollowOnly || (p.fleet != nil && p.r.unlock == nil))
}

// fleetStep starts a step of a fleet replica or of a follower-only
// provider: the rotator takes the lock (which loads the state); any other
// replica follows the store. It reports whether the step goes on as the
// rotator's.
func (p *ManagedProvider) fleetStep(ctx context.Context, now time.Time) bool {
	r := &p.r
	err := p.lockState(ctx, now)
	if r.fatal != nil {
		return false
	}
	if err == nil && r.unlock != nil {
		p.noteRole(true)
		return true
	}
	if err != nil && !errors.Is(err, ErrNotRotator) {
		// The rotator could not read the state (the store is
		// unreachable): serve what was confirmed, until fenced.
		p.checkFence(now)
		return false
	}
	p.noteRole(false)
	p.follow(ctx, now)
	return false
}

// noteRole reports a change of role (rotator, follower) and of rotator.
func (p *ManagedProvider) noteRole(rotating bool) {
	r := &p.r
	name := p.fleetInfo().Rotator
	if rotating {
		name = p.fleetInfo().Replica
	}
	if rotating == r.rotating && name == r.rotatorName && r.roleKnown {
		return
	}
	r.roleKnown = true
	r.rotating, r.rotatorName = rotating, name
	if p.fleet == nil {
		return
	}
	if rotating {
		p.emit(Event{Kind: EventRotatorElected, Replica: name})
	} else {
		p.emit(Event{Kind: EventFollowing, Replica: name})
	}
	r.servingRecorded = false // the record says whether it rotates
}

// follow takes the stored state as it is and serves its current key (a
// follower never writes the state and never calls the cloud).
func (p *ManagedProvider) follow(ctx context.Context, now time.Time) {
	r := &p.r
	snap, err := p.store.Load(ctx)
	if errors.Is(err, ErrStateFileMigrated) {
		r.fatal = &fatalError{err}
		return
	}
	if err != nil {
		r.lastErr = fmt.Errorf("credentials: reading %s: %w", p.storeName(), err)
		if !r.storeFailing {
			r.storeFailing = true
			p.emit(Event{Kind: EventStoreFailed, Err: r.lastErr})
		}
		p.checkFence(now)
		return
	}
	r.storeFailing = false
	if p.changes == nil {
		r.nextPollAt = now.Add(stateFilePoll) // the state file: look again then
	}
	p.noteConfirmed(snap)
	st := snap.State
	if st == nil {
		r.lastErr = fmt.Errorf("credentials: %s holds no key yet (rotator: %q); waiting for the rotator to create one", p.storeName(), p.fleetInfo().Rotator)
		if snap.SetAside != nil {
			p.emit(Event{Kind: EventStateFileSetAside, Err: snap.SetAside.Err, Path: snap.SetAside.Path})
		}
		p.withdraw()
		p.publishWaiting(r.lastErr)
		return
	}
	if err := p.checkOwnership(st); err != nil {
		r.fatal = err
		return
	}
	p.takeInstance(st)
	if snap.Revision != r.rev || r.fullSync {
		r.fullSync = false
		p.emitTaken(p.takeState(st, now))
		r.rev = snap.Revision
	}
	if !r.confirmed {
		r.lastErr = fmt.Errorf("credentials: %s was written for account %q, not this KeyManager's %q; a follower serves only a state of its own account", p.storeName(), st.Account, p.account)
		p.withdraw()
		p.publishErr(r.lastErr)
		return
	}
	r.lastErr = nil
	p.followFile(st, now)
	p.publishState(ctx, now)
}

// followFile is what a follower of a state file (FollowOnly without a
// FleetStore) does after each read: it notes which held keys the file
// still holds, and switches to the next key itself once it is usable,
// as the rotator does, instead of waiting for its next read. (A fleet's
// followers need neither: the rotator retires a key only after they
// acknowledged its successor, or were fenced.)
func (p *ManagedProvider) followFile(st *StoredState, now time.Time) {
	r := &p.r
	if p.fleet != nil {
		return
	}
	r.followRetryAt = time.Time{}
	for _, h := range []*heldKey{r.current, r.next} {
		if h == nil {
			continue
		}
		for _, k := range st.Keys {
			if k.Key.ID == h.key.ID && (k.Role == RoleCurrent || k.Role == RoleNext) {
				h.seenAt = laterOf(h.seenAt, now)
				h.servedUntil = laterOf(h.servedUntil, k.ServedUntil)
			}
		}
	}
	if r.next != nil && !now.Before(r.nextUsableAt) {
		r.current, r.next = r.next, nil
		// Held as next at the last read: the rotator switches to it now,
		// and retires it only after it switched away from it, and Grace.
		r.current.seenAt = laterOf(r.current.seenAt, now)
		p.emit(Event{Kind: EventKeySwitched, KeyID: r.current.key.ID, AccessKeyID: r.current.key.AccessKeyID})
	}
}

// followBound is how long a follower of a state file may serve h without
// reading the file again (zero: no bound, for any other provider): the
// rotator retires a key no sooner than Grace after both the latest
// Expiration it handed out for it (ServedUntil) and its switch to the
// next key, which comes after the follower last saw h held (seenAt).
func (p *ManagedProvider) followBound(h *heldKey) time.Time {
	if p.fleet != nil || !p.opts.FollowOnly || p.store == nil {
		return time.Time{}
	}
	return laterOf(h.servedUntil, h.seenAt).Add(p.pol.Grace)
}

// followLapsed stops serving h once its followBound has passed without
// the file confirming it (the rotator may have retired it): the follower
// reads the file again shortly.
func (p *ManagedProvider) followLapsed(now time.Time, h *heldKey) {
	r := &p.r
	r.followRetryAt = now.Add(followRetry)
	r.lastErr = fmt.Errorf("credentials: %s has not confirmed key %s since %s, and its rotator may have retired it since (Grace %v); serving nothing until the file does",
		p.storeName(), h.key.AccessKeyID, h.seenAt.UTC().Format(time.RFC3339), p.pol.Grace)
	p.withdraw()
	p.publishWaiting(r.lastErr)
}

// followRetry is how soon a follower of a state file whose key lapsed
// reads the file again.
const followRetry = time.Second

// followWake adds a state-file follower's times: the next key's usable
// time, the bound of the key it serves, and a retry after it lapsed.
func (p *ManagedProvider) followWake(now time.Time, at func(time.Time)) {
	r := &p.r
	if p.fleet != nil || !p.opts.FollowOnly {
		return
	}
	if r.next != nil {
		at(laterOf(now, r.nextUsableAt))
	}
	if r.current != nil {
		if b := p.followBound(r.current); b.After(now) {
			at(b)
		}
	}
	if r.followRetryAt.After(now) {
		at(r.followRetryAt)
	}
}

// checkFence stops serving once the store has not confirmed the state for
// Fence (a replica cut off from it: the rotator may retire the key it
// serves once AckTimeout has passed).
func (p *ManagedProvider) checkFence(now time.Time) {
	r := &p.r
	// The read that failed may have taken a while: judge by the time now.
	now = laterOf(now, p.clock.Now().Round(0))
	fence := p.fleetInfo().Fence
	if fence <= 0 || r.asOf.IsZero() || now.Before(r.asOf.Add(fence)) {
		return
	}
	if !r.fenced {
		r.fenced = true
		err := fmt.Errorf("credentials: no word from %s for %v (fenced: the key may have been rotated); serving nothing until it answers", p.storeName(), fence)
		if r.lastErr != nil {
			err = fmt.Errorf("%w: %w", err, r.lastErr)
		}
		r.lastErr = err
		id := ""
		if r.current != nil {
			id = r.current.key.AccessKeyID
		}
		p.emit(Event{Kind: EventFenced, AccessKeyID: id, Err: err})
	}
	p.withdraw()
	p.publishErr(r.lastErr)
}

// fenceAt is when a fleet replica stops serving unless the store confirms
// the state again (zero: never).
func (p *ManagedProvider) fenceAt() time.Time {
	fence := p.fleetInfo().Fence
	if fence <= 0 || p.r.asOf.IsZero() {
		return time.Time{}
	}
	return p.r.asOf.Add(fence)
}

// recordServing tells the fleet which key this replica serves, when that
// changed, and the rejections it saw.
func (p *ManagedProvider) recordServing(ctx context.Context, now time.Time) {
	r := &p.r
	if p.fleet == nil {
		return
	}
	rec := ReplicaRecord{Replica: p.fleetInfo().Replica, Revision: r.rev, Rotator: r.rotating, At: now}
	if cur := p.pub.Load(); cur.has && r.current != nil && cur.creds.AccessKeyID == r.current.key.AccessKeyID {
		rec.KeyID, rec.AccessKeyID = r.current.key.ID, r.current.key.AccessKeyID
	}
	if !r.rotating {
		rec.Rejected = r.forwardRejects
	}
	if r.servingRecorded && rec.KeyID == r.servingKeyID && slices.Equal(rec.Rejected, r.servingRejects) {
		return
	}
	if err := p.fleet.Serving(ctx, rec); err != nil {
		p.log.Warn("managed key: recording the key served failed", "store", p.storeName(), "error", err.Error())
		return
	}
	r.servingRecorded, r.servingKeyID, r.servingAccessKeyID, r.servingRejects = true, rec.KeyID, rec.AccessKeyID, rec.Rejected
}

// readReplicas reads the live replicas' records (the rotator), for the
// acknowledgements and for Status; rejections followers saw are acted on.
func (p *ManagedProvider) readReplicas(ctx context.Context) ([]ReplicaRecord, error) {
	r := &p.r
	recs, err := p.fleet.Replicas(ctx)
	if err != nil {
		return nil, err
	}
	r.replicas = recs
	for _, rec := range recs {
		for _, id := range rec.Rejected {
			if r.current != nil && id == r.current.key.AccessKeyID && !r.handled[id] {
				p.mu.Lock()
				p.rejected = append(p.rejected, id)
				p.mu.Unlock()
			}
		}
	}
	return recs, nil
}

// awaitingAcks reports whether x waits for the replicas' acknowledgements.
func (p *ManagedProvider) awaitingAcks(x *retiree) bool {
	return p.fleet != nil && !x.switchedAt.IsZero() && x.ackedAt.IsZero() && !x.rejected && !x.foreign
}

// ackDue is when the replicas' acknowledgements let x go (zero: they do
// not hold it): Grace after every live replica was seen serving another
// key, and at the latest AckTimeout after the switch (a replica that did
// not acknowledge by then is fenced); never before Fence after the
// switch. A replica that did not read the new key (cut off, its record
// gone with its lease before its fence, so not awaited) last read the
// state before the switch was committed, and SwitchedAt is taken after
// the commit: it has fenced itself (stopped serving) by SwitchedAt +
// Fence, on its own clock.
func (p *ManagedProvider) ackDue(x *retiree) time.Time {
	if p.fleet == nil || x.switchedAt.IsZero() || x.rejected || x.foreign {
		return time.Time{}
	}
	info := p.fleetInfo()
	due := x.switchedAt.Add(info.AckTimeout)
	if !x.ackedAt.IsZero() {
		if t := x.ackedAt.Add(p.pol.Grace); t.Before(due) {
			due = t
		}
	}
	return laterOf(due, x.switchedAt.Add(info.Fence))
}

// rebaseAcks restarts, on this rotator's clock, the acknowledgement wait
// of the keys it took over from the store (a rotator elected anew):
// their SwitchedAt and AckedAt were read on the clock of the replica that
// wrote them, which may be ahead of this one's. at is when the state was
// read (after the switch was committed).
func (p *ManagedProvider) rebaseAcks(at time.Time) {
	for _, x := range p.r.retiring {
		if x.switchedAt.IsZero() || x.rejected || x.foreign {
			continue
		}
		x.switchedAt = laterOf(x.switchedAt, at)
		x.ackedAt = time.Time{}
		x.ackTimedOut = false
		p.r.dirty = true
	}
}

// checkAcks looks whether every live replica serves another key than the
// retiring ones that wait for it (the rotator, every step while some do).
func (p *ManagedProvider) checkAcks(ctx context.Context, now time.Time) {
	r := &p.r
	if !slices.ContainsFunc(r.retiring, p.awaitingAcks) {
		return
	}
	recs, err := p.readReplicas(ctx)
	if err != nil {
		p.log.Warn("managed key: reading the replicas failed", "store", p.storeName(), "error", err.Error())
		return
	}
	live := map[string]ReplicaRecord{}
	for _, rec := range recs {
		live[rec.Replica] = rec
	}
	for _, x := range r.retiring {
		if !p.awaitingAcks(x) {
			continue
		}
		var missing []string
		for _, rec := range recs {
			if rec.KeyID == x.key.ID {
				missing = append(missing, rec.Replica)
			}
		}
		for _, name := range x.awaitAcks {
			if _, ok := live[name]; !ok && !slices.Contains(missing, name) {
				missing = append(missing, name)
			}
		}
		switch {
		case len(missing) == 0:
			x.ackedAt = now
			r.dirty = true
			names := make([]string, 0, len(recs))
			for _, rec := range recs {
				names = append(names, rec.Replica)
			}
			id, akid := "", ""
			if r.current != nil {
				id, akid = r.current.key.ID, r.current.key.AccessKeyID
			}
			p.emit(Event{Kind: EventAcknowledged, KeyID: id, AccessKeyID: akid, Replicas: names})
		case !now.Before(x.switchedAt.Add(p.fleetInfo().AckTimeout)) && !x.ackTimedOut:
			x.ackTimedOut = true
			p.emit(Event{Kind: EventAckTimeout, KeyID: x.key.ID, AccessKeyID: x.key.AccessKeyID, Replicas: missing})
		}
	}
}

// switchAcks records, at a switch, which replicas serve the old key, so
// that the rotator waits for each of them to acknowledge the new one.
// SwitchedAt is set to now until the switch is committed (switchToNext
// then sets it to the time the write returned; a rotator elected anew
// rebases it anyway).
func (p *ManagedProvider) switchAcks(ctx context.Context, now time.Time, x *retiree) {
	if p.fleet == nil {
		return
	}
	x.switchedAt = now
	recs, err := p.readReplicas(ctx)
	if err != nil {
		// Unknown: wait for AckTimeout.
		x.awaitAcks = []string{"?"}
		return
	}
	for _, rec := range recs {
		if rec.KeyID == x.key.ID {
			x.awaitAcks = append(x.awaitAcks, rec.Replica)
		}
	}
}

// fleetWake adds the fleet's own times to wake: the next confirmation,
// the fence, and (the rotator) the acknowledgement deadlines.
func (p *ManagedProvider) fleetWake(now time.Time, at func(time.Time)) {
	r := &p.r
	if p.fleet == nil {
		return
	}
	info := p.fleetInfo()
	switch {
	case r.storeFailing:
		// The last read failed (it waited up to the store's request
		// timeout, or failed at once): read again soon, without spinning.
		at(now.Add(info.ConfirmEvery / 4))
		if f := p.fenceAt(); f.After(now) {
			at(f)
		}
	case !r.asOf.IsZero():
		at(laterOf(now, r.asOf.Add(info.ConfirmEvery)))
		if f := p.fenceAt(); f.After(now) {
			at(f)
		}
	default:
		at(now.Add(info.ConfirmEvery))
	}
	if r.rotating {
		for _, x := range r.retiring {
			if p.awaitingAcks(x) {
				at(now.Add(info.ConfirmEvery))
				at(x.switchedAt.Add(info.AckTimeout))
			}
		}
	}
}

// ReplicaStatus is what a fleet's rotator last read about a replica.
type ReplicaStatus struct {
	// Replica names it.
	Replica string
	// AccessKeyID is the key it serves ("" none).
	AccessKeyID string
	// Rotator: it rotates.
	Rotator bool
}
