package credentials

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
)

// memCluster stands in for etcd in the unit tests of the fleet: one
// stored state with a revision, an elected rotator (with a term that
// changes at every election) and the replicas' records. Writes are
// conditioned as the etcd store's are: on the writer being the rotator
// and on the revision it read.
type memCluster struct {
	clk *iamtest.FakeClock

	mu      sync.Mutex
	state   *StoredState
	rev     int64
	rotator string
	term    uint64
	records map[string]ReplicaRecord
	stores  []*memStore
	// saveLatency, when set, is how long (on clk) a write takes before
	// it commits.
	saveLatency time.Duration
	// commits records, for every committed write, when it committed and
	// what it wrote.
	commits []memCommit
	info    FleetInfo
}

type memCommit struct {
	at  time.Time
	rev int64
	st  *StoredState
}

func newMemCluster(clk *iamtest.FakeClock, info FleetInfo) *memCluster {
	return &memCluster{clk: clk, records: map[string]ReplicaRecord{}, info: info}
}

// memStore is one replica's FleetStore on a memCluster.
type memStore struct {
	c       *memCluster
	name    string
	changes chan struct{}

	// The fields below are guarded by c.mu.
	cut bool // every request fails, as for a replica cut off from etcd
	// stale: Lock succeeds whoever the rotator is (a deposed rotator's
	// local view, as the etcd store's Lock checks its session only).
	stale bool
	p     *ManagedProvider
	// needDone is the step count the provider must reach to have seen
	// the latest notification (see settleMem).
	needDone uint64
	// servingFails makes Serving fail.
	servingFails bool
}

func (c *memCluster) store(name string) *memStore {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := &memStore{c: c, name: name, changes: make(chan struct{}, 1)}
	c.stores = append(c.stores, s)
	return s
}

// notifyLocked signals every store's provider (c.mu held).
func (c *memCluster) notifyLocked() {
	for _, s := range c.stores {
		s.notifyLocked()
	}
}

func (s *memStore) notifyLocked() {
	if s.p != nil {
		s.needDone = max(s.needDone, s.p.stepsStarted.Load()+1)
	}
	select {
	case s.changes <- struct{}{}:
	default:
	}
}

// elect makes name the rotator, in a new term.
func (c *memCluster) elect(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rotator = name
	c.term++
	c.notifyLocked()
}

// expire drops a replica's record, as etcd does when its lease expires.
func (c *memCluster) expire(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.records, name)
	c.notifyLocked()
}

// put writes st as another writer would (the test playing a rotator).
func (c *memCluster) put(st *StoredState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.state = cloneState(st)
	c.rev++
	c.commits = append(c.commits, memCommit{at: c.clk.Now(), rev: c.rev, st: cloneState(st)})
	c.notifyLocked()
}

// stored returns a copy of the stored state and its revision.
func (c *memCluster) stored() (*StoredState, int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return cloneState(c.state), c.rev
}

func (c *memCluster) record(rec ReplicaRecord) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.records[rec.Replica] = rec
	c.notifyLocked()
}

func cloneState(st *StoredState) *StoredState {
	if st == nil {
		return nil
	}
	out := *st
	out.Keys = slices.Clone(st.Keys)
	for i := range out.Keys {
		out.Keys[i].AwaitAcks = slices.Clone(out.Keys[i].AwaitAcks)
	}
	out.Pending = slices.Clone(st.Pending)
	return &out
}

var errMemCut = errors.New("memstore: cut off (context deadline exceeded)")

func (s *memStore) Open(context.Context, StoreScope) error { return nil }

func (s *memStore) Load(context.Context) (Snapshot, error) {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	if s.cut {
		return Snapshot{}, errMemCut
	}
	return Snapshot{State: cloneState(s.c.state), Revision: s.c.rev, AsOf: s.c.clk.Now()}, nil
}

func (s *memStore) Lock(context.Context) (StoreLock, error) {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	if s.c.rotator != s.name && !s.stale {
		return StoreLock{}, ErrNotRotator
	}
	return StoreLock{Term: s.c.term, Unlock: func() {}}, nil
}

func (s *memStore) Save(_ context.Context, st *StoredState, rev int64) (int64, error) {
	s.c.mu.Lock()
	lat := s.c.saveLatency
	s.c.mu.Unlock()
	if lat > 0 {
		s.c.clk.Advance(lat)
	}
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	switch {
	case s.cut:
		return 0, errMemCut
	case s.c.rotator != s.name:
		s.stale = false // deposed, as the etcd store's commit finds
		return 0, ErrNotRotator
	case rev != s.c.rev:
		return 0, ErrStateConflict
	}
	s.c.state = cloneState(st)
	s.c.rev++
	s.c.commits = append(s.c.commits, memCommit{at: s.c.clk.Now(), rev: s.c.rev, st: cloneState(st)})
	s.c.notifyLocked()
	return s.c.rev, nil
}

func (s *memStore) Discard(_ context.Context, _ error, rev int64) (string, error) {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	switch {
	case s.cut:
		return "", errMemCut
	case s.c.rotator != s.name:
		return "", ErrNotRotator
	case rev != s.c.rev:
		return "", ErrStateConflict
	}
	s.c.state = nil
	s.c.rev++
	s.c.notifyLocked()
	return "", nil
}

func (s *memStore) Changes() <-chan struct{} { return s.changes }
func (s *memStore) String() string           { return "memory fleet (replica " + s.name + ")" }

func (s *memStore) Close() error {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	delete(s.c.records, s.name)
	if s.c.rotator == s.name {
		s.c.rotator = ""
	}
	return nil
}

func (s *memStore) Fleet() FleetInfo {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	info := s.c.info
	info.Replica, info.Rotator = s.name, s.c.rotator
	return info
}

func (s *memStore) Serving(_ context.Context, rec ReplicaRecord) error {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	if s.cut || s.servingFails {
		return errMemCut
	}
	rec.Replica = s.name
	s.c.records[s.name] = rec
	if s.c.rotator != s.name {
		for _, o := range s.c.stores {
			if o.name == s.c.rotator {
				o.notifyLocked()
			}
		}
	}
	return nil
}

func (s *memStore) Replicas(context.Context) ([]ReplicaRecord, error) {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	if s.cut {
		return nil, errMemCut
	}
	var out []ReplicaRecord
	for _, rec := range s.c.records {
		out = append(out, rec)
	}
	slices.SortFunc(out, func(a, b ReplicaRecord) int { return strings.Compare(a.Replica, b.Replica) })
	return out, nil
}

func (s *memStore) set(fn func(s *memStore)) {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	fn(s)
}

var _ FleetStore = (*memStore)(nil)

// memReplica starts a provider on a store of c, as replica name.
func memReplica(t *testing.T, r *rig, clk *iamtest.FakeClock, c *memCluster, name string, km iam.KeyManager, optFns ...func(*ManagedOptions)) (*harness, *memStore) {
	t.Helper()
	s := c.store(name)
	h := newHarness(t, r, clk, append([]func(*ManagedOptions){func(o *ManagedOptions) { o.Store = s }}, optFns...)...)
	if km != nil {
		h.p.km = km
	}
	s.set(func(s *memStore) { s.p = h.p })
	return h, s
}

// settleMem settles h and waits until it has run a step after the latest
// notification its store sent (a change it must take in). It waits on
// the provider's own end-of-step channel, which is closed after the step
// counts as done (the harness's step hook runs just before).
func (h *harness) settleMem(s *memStore) {
	h.t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		h.settle()
		h.p.stepMu.Lock()
		stepped := h.p.stepped
		h.p.stepMu.Unlock()
		s.c.mu.Lock()
		need := s.needDone
		s.c.mu.Unlock()
		if h.p.stepsDone.Load() >= need && len(s.changes) == 0 {
			return
		}
		select {
		case <-stepped:
		case <-deadline.C:
			h.t.Fatalf("the provider did not take in its store's changes (steps %d, need %d)", h.p.stepsDone.Load(), need)
		}
	}
}

// hookKM is a KeyManager whose ListKeys runs a hook first (once).
type hookKM struct {
	iam.KeyManager
	mu     sync.Mutex
	onList func()
}

func (k *hookKM) ListKeys(ctx context.Context) ([]iam.AccessKey, error) {
	k.mu.Lock()
	fn := k.onList
	k.onList = nil
	k.mu.Unlock()
	if fn != nil {
		fn()
	}
	return k.KeyManager.ListKeys(ctx)
}

// keyState returns the state of the key with access key ID akid in the
// account ("" if it does not exist).
func keyState(t *testing.T, r *rig, akid string) iam.State {
	t.Helper()
	keys, err := r.km.ListKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if k.AccessKeyID == akid {
			if k.State == iam.StateUnspecified {
				return iam.StateActive
			}
			return k.State
		}
	}
	return ""
}
