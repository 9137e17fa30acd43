package credentials

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
)

// Review (a): two containers that share the host's name (CI runners made
// from one image) each keep their own state file at the same path. Run
// alternately, neither's start-up sweep takes the other's live key for a
// leftover of its own: every key handed out keeps working until its
// Expiration.
func TestManagedSamePathOnAnotherContainerKeepsItsKeys(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	for _, r := range newRigs(t, clk) {
		t.Run(r.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "keys.json")
			// Each container's file, kept while the other one runs.
			files := map[int][]byte{}
			run := func(container int) aws.Credentials {
				t.Helper()
				if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
					t.Fatal(err)
				}
				if b, ok := files[container]; ok {
					if err := os.WriteFile(path, b, 0o600); err != nil {
						t.Fatal(err)
					}
				}
				h := newHarness(t, r, clk, func(o *ManagedOptions) { o.StateFile = path })
				h.start()
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if err := h.p.Settle(ctx); err != nil {
					t.Fatal(err)
				}
				c := h.retrieve()
				if err := h.p.Shutdown(ctx); err != nil {
					t.Fatal(err)
				}
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				files[container] = b
				return c
			}
			var handed []aws.Credentials
			for i := range 6 {
				c := run(i % 2)
				handed = append(handed, c)
				for j, x := range handed {
					if x.Expires.After(clk.Now()) {
						if code := r.s3Code(t, x); code != "" {
							t.Fatalf("run %d: the key handed out by run %d (%s, valid until %s) was refused: %s",
								i, j, x.AccessKeyID, x.Expires.Format(time.DateTime), code)
						}
					}
				}
				clk.Advance(5 * time.Hour)
			}
		})
	}
}

// Review (a): a provider that creates a new state file records its
// (random) instance there, under the lock, before its first create, so
// that a crash while the create is in flight (the key made, its answer and
// the write of the key lost) leaves a key the next start recognises as a
// leftover of its own and removes.
func TestManagedNewStateFileRecordsInstanceBeforeCreate(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	r := newNebiusRig(t, clk)
	path := filepath.Join(t.TempDir(), "keys.json")
	withFile := func(o *ManagedOptions) { o.StateFile = path }
	h1 := newHarness(t, r, clk, withFile)
	r.faults.Add(iamtest.Fault{Kind: iamtest.FaultHang, Match: r.createOp, Times: 1})
	before := r.calls(r.createOp)
	h1.p.Start()
	h1.p.signal()
	// Wait (bounded, in real time) for the create to reach the emulator:
	// this waits for the rotation goroutine, not for time to pass.
	for deadline := time.Now().Add(10 * time.Second); r.calls(r.createOp) == before; runtime.Gosched() {
		if time.Now().After(deadline) {
			t.Fatal("no create was sent")
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("while the first create is in flight: %v", err)
	}
	var sf struct{ Instance string }
	if err := json.Unmarshal(raw, &sf); err != nil || sf.Instance == "" {
		t.Fatalf("while the first create is in flight, the state file records no instance (%v):\n%s", err, raw)
	}
	// The process dies there; the create it sent had made a key.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h1.p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	exp := clk.Now().Add(testPolicy.Lifetime)
	if _, err := r.km.CreateKey(ctx, iam.CreateKeyRequest{Description: newMark(h1.desc, sf.Instance, exp), ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}

	h2 := newHarness(t, r, clk, withFile)
	c := h2.start()
	if e := h2.lastEvent(EventReconciled); e.Deleted != 1 {
		t.Fatalf("the restart's reconcile removed %d keys, want 1 (the lost create's key)", e.Deleted)
	}
	h2.instance = sf.Instance
	h2.wantOurs("after restart", c.AccessKeyID)
}

// Review (b): the made-up expiry of a Yandex static key (now + Lifetime)
// and every wall-clock time the provider serves or compares carry no
// monotonic reading, so that they are compared on the wall clock: the
// monotonic clock stands still while a laptop sleeps, and a key past its
// wall-clock end would be served after it wakes.
func TestManagedExpiryHasNoMonotonicReading(t *testing.T) {
	r := newYandexRig(t, iamtest.NewFakeClock(time.Now().UTC()))
	p, err := NewManagedProvider(r.km, func(o *ManagedOptions) {
		o.Policy = testPolicy
		o.Policy.Description = "iamkit-managed-test"
	}) // the system clock: its Now carries a monotonic reading
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := p.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	pub := p.pub.Load()
	for name, v := range map[string]time.Time{"the served key's end (validUntil)": pub.validUntil, "the Expires handed out": c.Expires} {
		if strings.Contains(v.String(), "m=") {
			t.Errorf("%s keeps a monotonic reading: %s", name, v)
		}
	}
}

// Review (b): after a suspend past a Yandex key's Lifetime (the wall time
// jumps, the monotonic time and every timer stand still), the key is no
// longer served and its successor is created.
func TestManagedJumpWallPastLifetime(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	r := newYandexRig(t, clk)
	h := newHarness(t, r, clk)
	a := h.start()
	clk.JumpWall(testPolicy.Lifetime + time.Hour)
	b := h.retrieve()
	if b.AccessKeyID == a.AccessKeyID {
		t.Fatalf("serving %s %v past the end of its Lifetime after a suspend", a.AccessKeyID, time.Hour)
	}
	h.settle()
	if code := r.s3Code(t, b); code != "" {
		t.Fatalf("the successor was refused: %s", code)
	}
}

// Review (c): a state file already confirmed for this account is served at
// once after loading; the start-up reconcile (ListKeys) runs afterwards
// and does not hold the first Retrieve back, even when it stalls.
func TestManagedConfirmedStateFileServedWhileListKeysStalls(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	r := newNebiusRig(t, clk)
	path := filepath.Join(t.TempDir(), "keys.json")
	withFile := func(o *ManagedOptions) { o.StateFile = path }
	h1 := newHarness(t, r, clk, withFile)
	a := h1.start()
	if err := h1.p.Close(); err != nil {
		t.Fatal(err)
	}
	r.faults.Add(iamtest.Fault{Kind: iamtest.FaultHang, Match: r.listOp, Times: -1})
	defer r.faults.Clear()
	h2 := newHarness(t, r, clk, withFile)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c, err := h2.p.Retrieve(ctx)
	if err != nil || c.AccessKeyID != a.AccessKeyID {
		t.Fatalf("Retrieve of a confirmed state file's key: %q, %v (ListKeys calls: %d)", c.AccessKeyID, err, listCalls(r))
	}
	if h2.count(EventKeyAdopted) != 1 {
		t.Fatalf("adopted %d keys, want 1", h2.count(EventKeyAdopted))
	}
}

// listCalls counts the ListKeys calls the rig's emulator received, where
// it counts them.
func listCalls(r *rig) int {
	switch {
	case r.calls == nil:
		return -1
	case r.name == "nebius":
		return r.calls("AccessKeyService/ListByAccount")
	}
	return r.calls(r.listOp)
}
