package credentials

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
)

// memFleetInfo is the fleet's timing in the unit tests on a memCluster.
var memFleetInfo = FleetInfo{Fence: 10 * time.Second, AckTimeout: 30 * time.Second, ConfirmEvery: 2 * time.Second}

// A rotator whose listing answers after it lost its role
// (another replica was elected and rotated meanwhile) finds the new
// rotator's key, with the fleet's instance, unheld in its stale view. It
// must not delete it: the retirement is recorded with a conditioned write
// before any destructive call, and that write fails for a deposed
// rotator.
func TestFleetDeposedRotatorNeverDeletesTheFleetsKey(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	r := newNebiusRig(t, clk)
	c := newMemCluster(clk, memFleetInfo)
	km := &hookKM{KeyManager: r.km}
	h, s := memReplica(t, r, clk, c, "a", km)
	c.elect("a")
	k1 := h.start()
	h.settleMem(s)
	st, _ := c.stored()
	if st == nil || st.Instance == "" {
		t.Fatalf("no state with an instance: %+v", st)
	}

	var k2 iam.AccessKey
	km.mu.Lock()
	km.onList = func() {
		// While a lists: its lease expires (its store still believes it
		// rotates, as the etcd store's Lock looks at its session only),
		// b is elected and rotates to a key of the fleet's instance.
		s.set(func(s *memStore) { s.stale = true })
		c.elect("b")
		exp := clk.Now().Add(testPolicy.Lifetime)
		var err error
		k2, err = r.km.CreateKey(context.Background(), iam.CreateKeyRequest{Description: newMark(h.desc, st.Instance, exp), ExpiresAt: exp, UniqueDescription: true})
		if err != nil {
			t.Error(err)
			return
		}
		next := cloneState(st)
		next.Keys = []StoredKey{{Role: RoleCurrent, Key: k2, ObtainedAt: clk.Now()}}
		for _, k := range st.Keys {
			if k.Role == RoleCurrent {
				k.Role, k.Key = RoleRetiring, stripSecret(k.Key)
				k.SwitchedAt, k.AwaitAcks, k.RetireAt = clk.Now(), []string{"a"}, clk.Now().Add(testPolicy.Grace)
				next.Keys = append(next.Keys, k)
			}
		}
		next.Rotations++
		c.put(next)
	}
	km.mu.Unlock()
	// a is elected anew: it lists the account's keys (the listing is the
	// slow one).
	c.elect("a")
	h.settleMem(s)
	km.mu.Lock()
	listed := km.onList == nil
	km.mu.Unlock()
	if !listed {
		t.Fatal("a did not list the account's keys: the test proves nothing")
	}
	if got := keyState(t, r, k2.AccessKeyID); got != iam.StateActive {
		t.Fatalf("the deposed rotator retired the fleet's current key %s (its state now %q; a deleted %d keys, served %s)",
			k2.AccessKeyID, got, h.count(EventKeyDeleted), k1.AccessKeyID)
	}
	if h.count(EventKeyDeactivated)+h.count(EventKeyDeleted) != 0 {
		t.Fatalf("the deposed rotator deactivated %d and deleted %d keys", h.count(EventKeyDeactivated), h.count(EventKeyDeleted))
	}
}

// A replica whose record expired before a switch (its lease ran out
// before its fence: Fence = LeaseTTL) is not awaited, but it may still
// serve the old key until its fence; and a replica that read the state
// just before the switch was committed fences at the commit + Fence. On
// the acknowledgement path the old key is therefore never retired before
// the commit of the switch + Fence: SwitchedAt, which the wait counts
// from, is taken after the write returned (here a write takes 300 ms).
func TestFleetAckPathWaitsOutTheFence(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	r := newNebiusRig(t, clk)
	c := newMemCluster(clk, memFleetInfo)
	pol := Policy{Lifetime: time.Hour, RotateBefore: 10 * time.Minute, SwitchDelay: time.Second, Grace: time.Second, MaxKeys: 2, Description: "iamkit-managed-test"}
	h, s := memReplica(t, r, clk, c, "a", nil, func(o *ManagedOptions) { o.Policy = pol })
	c.elect("a")
	k1 := h.start()
	h.settleMem(s)
	_, rev := c.stored()
	rotateAt := clk.Now().Add(pol.Lifetime - pol.RotateBefore)

	// b serves k1; it reads the state for the last time at bLast, then is
	// cut off: its record expires at bLast + 1s, it fences at bLast + Fence.
	h.advance(rotateAt.Add(-2 * time.Second).Sub(clk.Now()))
	h.settleMem(s)
	c.record(ReplicaRecord{Replica: "b", KeyID: keyIDOf(t, r, k1.AccessKeyID), AccessKeyID: k1.AccessKeyID, Revision: rev, At: clk.Now()})
	h.settleMem(s)
	bLast := clk.Now()
	c.mu.Lock()
	c.saveLatency = 300 * time.Millisecond
	c.mu.Unlock()
	h.advance(time.Second)
	c.expire("b")
	h.settleMem(s)
	bFence := bLast.Add(memFleetInfo.Fence)
	var committed time.Time // when the switch from k1 was committed
	for clk.Now().Before(bFence.Add(20 * time.Second)) {
		h.advance(100 * time.Millisecond)
		h.settleMem(s)
		if committed.IsZero() {
			committed = switchCommittedAt(c, k1.AccessKeyID)
		}
		fenced := laterOf(bFence, committed.Add(memFleetInfo.Fence))
		if committed.IsZero() || clk.Now().Before(fenced) {
			if got := keyState(t, r, k1.AccessKeyID); got != iam.StateActive {
				t.Fatalf("%v before the fence of the replicas that read the state before the switch, %s is %q (switch committed at %s, SwitchedAt %s, b fences at %s; status %+v)",
					fenced.Sub(clk.Now()), k1.AccessKeyID, got, committed.Format(time.TimeOnly+".000"), switchedAtOf(c, k1.AccessKeyID), bFence.Format(time.TimeOnly), h.p.Status())
			}
		}
	}
	if got := keyState(t, r, k1.AccessKeyID); got == iam.StateActive {
		t.Fatalf("%s is still active 20 s after b's fence", k1.AccessKeyID)
	}
	// The SwitchedAt the rotator counted from (the last one recorded) is
	// when the switch was committed, or later.
	var sw time.Time
	c.mu.Lock()
	for _, cm := range c.commits {
		for _, k := range cm.st.Keys {
			if k.Key.AccessKeyID == k1.AccessKeyID && k.Role == RoleRetiring {
				sw = k.SwitchedAt
			}
		}
	}
	c.mu.Unlock()
	if committed.IsZero() || sw.Before(committed) {
		t.Fatalf("the switch from %s was committed at %s, but the rotator counted from SwitchedAt %s", k1.AccessKeyID, committed.Format(time.TimeOnly+".000"), sw.Format(time.TimeOnly+".000"))
	}
}

// switchCommittedAt returns when the first write that made the key akid
// retiring committed (zero: none yet).
func switchCommittedAt(c *memCluster, akid string) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cm := range c.commits {
		for _, k := range cm.st.Keys {
			if k.Key.AccessKeyID == akid && k.Role == RoleRetiring {
				return cm.at
			}
		}
	}
	return time.Time{}
}

func keyIDOf(t *testing.T, r *rig, akid string) string {
	t.Helper()
	keys, err := r.km.ListKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if k.AccessKeyID == akid {
			return k.ID
		}
	}
	t.Fatalf("no key %s", akid)
	return ""
}

func switchedAtOf(c *memCluster, akid string) string {
	st, _ := c.stored()
	if st == nil {
		return "?"
	}
	for _, k := range st.Keys {
		if k.Key.AccessKeyID == akid {
			return k.SwitchedAt.Format(time.TimeOnly + ".000")
		}
	}
	return "(not in the state)"
}

// Status.Serving is an access key ID, also while the
// replica's record lags a switch.
func TestFleetStatusServingIsAnAccessKeyID(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	r := newNebiusRig(t, clk)
	c := newMemCluster(clk, memFleetInfo)
	h, s := memReplica(t, r, clk, c, "a", nil)
	c.elect("a")
	k1 := h.start()
	h.settleMem(s)
	if got := h.p.Status().Serving; got != k1.AccessKeyID {
		t.Fatalf("Status.Serving %q, want %s", got, k1.AccessKeyID)
	}
	if id := keyIDOf(t, r, k1.AccessKeyID); id == k1.AccessKeyID {
		t.Fatal("the key ID and the access key ID are the same: the test proves nothing")
	}
	s.set(func(s *memStore) { s.servingFails = true })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.p.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	h.settleMem(s)
	st := h.p.Status()
	if st.Current == k1.AccessKeyID || st.Serving != k1.AccessKeyID {
		t.Fatalf("while the record lags the switch: Status.Current %q, Serving %q; want Serving = the recorded key's access key ID %s", st.Current, st.Serving, k1.AccessKeyID)
	}
}

// A replica's role events say who rotates under a key of their own
// ("rotator"), also while none is elected, and never repeat the
// replica's own "replica" key with another value.
func TestFleetRoleLogsNameTheRotator(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	r := newNebiusRig(t, clk)
	c := newMemCluster(clk, memFleetInfo)
	var logs strings.Builder
	var logMu sync.Mutex
	h, s := memReplica(t, r, clk, c, "a", nil, func(o *ManagedOptions) {
		o.Logger = slog.New(slog.NewJSONHandler(lockedWriter{&logMu, &logs}, nil))
	})
	h.p.Start()
	h.settleMem(s) // none elected: a follows nobody
	c.elect("b")
	h.settleMem(s)
	c.elect("a")
	h.settleMem(s)
	logMu.Lock()
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	logMu.Unlock()
	want := map[string]string{"following": "", "rotator elected": "a"}
	seen := map[string][]string{}
	for _, line := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if strings.Count(line, `"replica":`) > 1 {
			t.Errorf("a log line carries the key \"replica\" twice: %s", line)
		}
		ev, _ := m["event"].(string)
		if _, ok := want[ev]; ok {
			rot, _ := m["rotator"].(string)
			seen[ev] = append(seen[ev], rot)
		}
	}
	if got := seen["following"]; !slices.Equal(got, []string{"(none elected)", "b"}) {
		t.Errorf("the \"following\" events log rotator %q, want [(none elected) b]", got)
	}
	if got := seen["rotator elected"]; !slices.Equal(got, []string{"a"}) {
		t.Errorf("the \"rotator elected\" events log rotator %q, want [a]", got)
	}
}
