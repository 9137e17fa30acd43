package credentials

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/iam/iamtest/outscaletest"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
	"github.com/iamkit/iamkit/iam/nebius"
	"github.com/iamkit/iamkit/iam/outscale"
	"github.com/iamkit/iamkit/iam/yandex"
)

// rig is one provider's key emulator with a real client (the provider's
// KeyManager) in front of it, sharing a registry with an S3 emulator.
type rig struct {
	name   string
	km     iam.KeyManager
	faults *iamtest.Faults
	s3     *iamtest.S3Server
	// Fault Match strings of the provider's calls.
	// deactivateOp is empty for Yandex, whose static keys have no state
	// (the KeyManager refuses to deactivate them without a call).
	createOp, listOp, deactivateOp, deleteOp string
	// setCap sets the account's key-lifetime cap (OUTSCALE only).
	setCap func(time.Duration)
	// osc is the OUTSCALE emulator (OUTSCALE only).
	osc *outscaletest.Server
	// calls counts the requests that reached an operation (nil for
	// Yandex, whose emulator does not count them).
	calls func(op string) int
}

func newRigs(t *testing.T, clk *iamtest.FakeClock) []*rig {
	return []*rig{newNebiusRig(t, clk), newYandexRig(t, clk), newOutscaleRig(t, clk)}
}

func newS3(t *testing.T, reg *iamtest.Registry) *iamtest.S3Server {
	// The S3 emulator keeps the real clock: the AWS SDK signs with the real
	// time, and the key state (not expiry) is what these tests check.
	s, err := iamtest.NewS3Server(func(o *iamtest.S3Options) { o.Registry = reg })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func newNebiusRig(t *testing.T, clk *iamtest.FakeClock) *rig {
	reg := iamtest.NewRegistry()
	srv, err := nebiustest.New(func(o *nebiustest.Options) { o.Registry = reg; o.Clock = clk })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	sa, err := srv.NewServiceAccount("")
	if err != nil {
		t.Fatal(err)
	}
	tok := srv.IssueToken(sa.ID, 100000*time.Hour)
	c, err := nebius.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok}), srv.ClientOptions(), func(o *nebius.Options) {
		o.ProjectID, o.MaxAttempts = sa.ProjectID, 1
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	km, err := nebius.NewKeyManager(c, nebius.ServiceAccount(sa.ID))
	if err != nil {
		t.Fatal(err)
	}
	return &rig{name: "nebius", km: km, faults: srv.Faults, s3: newS3(t, reg),
		createOp: "AccessKeyService/Create", listOp: "AccessKeyService/List", deactivateOp: "AccessKeyService/Deactivate", deleteOp: "AccessKeyService/Delete",
		calls: srv.Calls}
}

func newYandexRig(t *testing.T, clk *iamtest.FakeClock) *rig {
	reg := iamtest.NewRegistry()
	srv, err := yandextest.New(func(o *yandextest.Options) { o.Registry = reg; o.Clock = clk })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	tok := srv.IssueToken(srv.ServiceAccountID(), 100000*time.Hour)
	c, err := yandex.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok}), srv.ClientOptions(), func(o *yandex.Options) {
		o.MaxAttempts = 1
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	km, err := yandex.NewKeyManager(c, srv.ServiceAccountID())
	if err != nil {
		t.Fatal(err)
	}
	return &rig{name: "yandex", km: km, faults: srv.Faults, s3: newS3(t, reg),
		createOp: "AccessKeyService/Create", listOp: "AccessKeyService/List", deleteOp: "AccessKeyService/Delete"}
}

func newOutscaleRig(t *testing.T, clk *iamtest.FakeClock) *rig {
	reg := iamtest.NewRegistry()
	srv, err := outscaletest.New(func(o *outscaletest.Options) { o.Registry = reg; o.Clock = clk })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	c, err := outscale.New(srv.ClientOptions(srv.Root), func(o *outscale.Options) { o.MaxAttempts = 1 })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	km, err := outscale.NewKeyManager(c)
	if err != nil {
		t.Fatal(err)
	}
	return &rig{name: "outscale", km: km, faults: srv.Faults, s3: newS3(t, reg),
		createOp: "CreateAccessKey", listOp: "ReadAccessKeys", deactivateOp: "UpdateAccessKey", deleteOp: "DeleteAccessKey",
		setCap: func(d time.Duration) { srv.SetAPIAccessPolicy(int64(d / time.Second)) }, osc: srv, calls: srv.Calls}
}

// ours lists the keys marked in the family desc, by access key ID.
func (r *rig) ours(t *testing.T, desc string) []string {
	return r.oursOf(t, desc, "")
}

// oursOf lists the keys marked in the family desc by instance (any
// instance, and unmarked members of the family, if instance is "").
func (r *rig) oursOf(t *testing.T, desc, instance string) []string {
	t.Helper()
	keys, err := r.km.ListKeys(context.Background())
	if err != nil {
		t.Fatalf("%s ListKeys: %v", r.name, err)
	}
	var out []string
	for _, k := range keys {
		m, ok := parseMark(k.Description, desc)
		if ok && (instance == "" || m.instance == instance) {
			out = append(out, k.AccessKeyID)
		}
	}
	slices.Sort(out)
	return out
}

// s3Code signs a ListBuckets with creds against the S3 emulator and returns
// the S3 error code ("" on success).
func (r *rig) s3Code(t *testing.T, c aws.Credentials) string {
	t.Helper()
	cl := s3.New(s3.Options{
		Region: "eu-west-2", BaseEndpoint: aws.String(r.s3.URL), UsePathStyle: true, RetryMaxAttempts: 1,
		Credentials: awscreds.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken),
		HTTPClient:  &http.Client{Timeout: 10 * time.Second},
	})
	_, err := cl.ListBuckets(context.Background(), &s3.ListBucketsInput{})
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	t.Fatalf("S3 call failed without an S3 error: %v", err)
	return ""
}

// harness drives a ManagedProvider with a fake clock and waits for its
// rotation goroutine to finish each step.
type harness struct {
	t    *testing.T
	clk  *iamtest.FakeClock
	p    *ManagedProvider
	r    *rig
	desc string
	// instance, when set (ManagedOptions.Instance), limits the keys the
	// harness counts and checks to that instance's.
	instance string
	stepCh   chan struct{}

	mu      sync.Mutex
	steps   int
	wake    time.Time
	events  []Event
	maxSeen int
}

var testPolicy = Policy{Lifetime: 24 * time.Hour, RotateBefore: 2 * time.Hour, SwitchDelay: 10 * time.Second, Grace: 5 * time.Minute, MaxKeys: 2}

func newHarness(t *testing.T, r *rig, clk *iamtest.FakeClock, optFns ...func(*ManagedOptions)) *harness {
	t.Helper()
	h := &harness{t: t, clk: clk, r: r, stepCh: make(chan struct{}, 1), desc: "iamkit-managed-test"}
	p, err := NewManagedProvider(r.km, append([]func(*ManagedOptions){func(o *ManagedOptions) {
		o.Policy = testPolicy
		o.Policy.Description = h.desc
		o.Clock = clk
		o.BaseDelay, o.MaxDelay = time.Minute, 4*time.Minute
		o.CallTimeout = 10 * time.Second
		o.OnEvent = h.onEvent
	}}, optFns...)...)
	if err != nil {
		t.Fatal(err)
	}
	p.stepHook = func(wake time.Time) {
		h.mu.Lock()
		h.steps++
		h.wake = wake
		h.mu.Unlock()
		select {
		case h.stepCh <- struct{}{}:
		default:
		}
	}
	h.p = p
	h.instance = p.opts.Instance
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := p.Shutdown(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return h
}

// onEvent records events and, after every create, how many keys of ours
// exist on the server (the MaxKeys invariant).
func (h *harness) onEvent(e Event) {
	n := 0
	if e.Kind == EventKeyCreated || e.Kind == EventKeySwitched {
		n = len(h.r.oursOf(h.t, h.desc, h.instance))
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, e)
	h.maxSeen = max(h.maxSeen, n)
}

func (h *harness) count(k EventKind) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, e := range h.events {
		if e.Kind == k {
			n++
		}
	}
	return n
}

func (h *harness) lastEvent(k EventKind) Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := len(h.events) - 1; i >= 0; i-- {
		if h.events[i].Kind == k {
			return h.events[i]
		}
	}
	return Event{}
}

// settle waits (in real time, bounded) until the rotation goroutine has
// done everything due at the fake clock's current time.
func (h *harness) settle() {
	h.t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		h.mu.Lock()
		steps, wake := h.steps, h.wake
		h.mu.Unlock()
		if steps > 0 && len(h.p.kick) == 0 && (wake.IsZero() || wake.After(h.clk.Now())) {
			return
		}
		select {
		case <-h.stepCh:
		case <-deadline.C:
			var b strings.Builder
			_ = pprof.Lookup("goroutine").WriteTo(&b, 2)
			h.t.Fatalf("rotation goroutine did not settle (steps %d, wake %v, now %v)\n%s", steps, wake, h.clk.Now(), b.String())
		}
	}
}

// kickAndSettle runs fn, which must wake the goroutine, then settles.
func (h *harness) kickAndSettle(fn func()) {
	h.t.Helper()
	h.mu.Lock()
	n0 := h.steps
	h.mu.Unlock()
	fn()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		h.mu.Lock()
		n := h.steps
		h.mu.Unlock()
		if n > n0 {
			break
		}
		select {
		case <-h.stepCh:
		case <-deadline.C:
			h.t.Fatal("rotation goroutine did not run")
		}
	}
	h.settle()
}

func (h *harness) advance(d time.Duration) {
	h.t.Helper()
	h.clk.Advance(d)
	h.settle()
}

func (h *harness) retrieve() aws.Credentials {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := h.p.Retrieve(ctx)
	if err != nil {
		h.t.Fatalf("Retrieve: %v", err)
	}
	return c
}

// start serves the first key and returns its credentials.
func (h *harness) start() aws.Credentials {
	h.t.Helper()
	c := h.retrieve()
	h.settle()
	return c
}

func (h *harness) wantOurs(step string, want ...string) {
	h.t.Helper()
	slices.Sort(want)
	if got := h.r.oursOf(h.t, h.desc, h.instance); !slices.Equal(got, want) {
		h.mu.Lock()
		var evs []string
		for _, e := range h.events {
			evs = append(evs, fmt.Sprintf("%s %s %s err=%v", e.Time.Format(time.TimeOnly), e.Kind, e.AccessKeyID, e.Err))
		}
		h.mu.Unlock()
		h.t.Fatalf("%s: keys of ours on the server = %v, want %v (now %s); events:\n%s", step, got, want,
			h.clk.Now().Format(time.TimeOnly), strings.Join(evs, "\n"))
	}
}

// addForeign creates a key that is not ours (another description).
func addForeign(t *testing.T, r *rig) iam.AccessKey {
	t.Helper()
	k, err := r.km.CreateKey(context.Background(), iam.CreateKeyRequest{Description: "someone-else"})
	if err != nil {
		t.Fatalf("creating a foreign key: %v", err)
	}
	return k
}

func foreignAlive(t *testing.T, r *rig, k iam.AccessKey) bool {
	t.Helper()
	keys, err := r.km.ListKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range keys {
		if x.ID == k.ID {
			return true
		}
	}
	return false
}

func TestManagedLifecycle(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	for _, r := range newRigs(t, clk) {
		t.Run(r.name, func(t *testing.T) {
			foreign := addForeign(t, r)
			h := newHarness(t, r, clk)

			// create → serve
			a := h.start()
			if a.AccessKeyID == "" || a.SecretAccessKey == "" || a.Source != "iamkit/managed/"+r.name {
				t.Fatalf("first credentials: id %q, secret set %v, source %q", a.AccessKeyID, a.SecretAccessKey != "", a.Source)
			}
			h.wantOurs("after start", a.AccessKeyID)
			if code := r.s3Code(t, a); code != "" {
				t.Fatalf("S3 refused the first key: %s", code)
			}
			if !a.CanExpire || !a.Expires.After(clk.Now()) {
				t.Fatalf("credentials should say when they change: CanExpire %v Expires %v", a.CanExpire, a.Expires)
			}

			born := clk.Now()
			for round, prev := 1, a; round <= 2; round++ {
				// Nothing happens until RotateBefore before the end of life.
				h.advance(born.Add(testPolicy.Lifetime - testPolicy.RotateBefore - time.Minute).Sub(clk.Now()))
				h.wantOurs(fmt.Sprintf("round %d, before rotation", round), prev.AccessKeyID)
				if got := h.retrieve(); got.AccessKeyID != prev.AccessKeyID {
					t.Fatalf("round %d: switched early to %s", round, got.AccessKeyID)
				}

				// rotate: the next key is created but not used yet.
				h.advance(time.Minute)
				born = clk.Now()
				st := h.p.Status()
				if st.Next == "" || st.Current != prev.AccessKeyID {
					t.Fatalf("round %d: status after rotate = %+v", round, st)
				}
				h.wantOurs(fmt.Sprintf("round %d, next created", round), prev.AccessKeyID, st.Next)
				if got := h.retrieve(); got.AccessKeyID != prev.AccessKeyID {
					t.Fatalf("round %d: used the next key before SwitchDelay", round)
				}

				// switch: new key served, old one still valid (grace).
				h.advance(testPolicy.SwitchDelay)
				next := h.retrieve()
				if next.AccessKeyID != st.Next {
					t.Fatalf("round %d: serving %s after the switch, want %s", round, next.AccessKeyID, st.Next)
				}
				if code := r.s3Code(t, prev); code != "" {
					t.Fatalf("round %d: the old key was refused during the grace period: %s", round, code)
				}
				if code := r.s3Code(t, next); code != "" {
					t.Fatalf("round %d: the new key was refused: %s", round, code)
				}
				h.advance(testPolicy.Grace - time.Second)
				h.wantOurs(fmt.Sprintf("round %d, in grace", round), prev.AccessKeyID, next.AccessKeyID)
				if code := r.s3Code(t, prev); code != "" {
					t.Fatalf("round %d: the old key was refused at the end of grace: %s", round, code)
				}

				// grace over: deactivated and deleted.
				h.advance(time.Second)
				h.wantOurs(fmt.Sprintf("round %d, after grace", round), next.AccessKeyID)
				if code := r.s3Code(t, prev); code != "InvalidAccessKeyId" {
					t.Fatalf("round %d: S3 answered %q for the deleted key, want InvalidAccessKeyId", round, code)
				}
				if code := r.s3Code(t, next); code != "" {
					t.Fatalf("round %d: the current key was refused: %s", round, code)
				}
				prev = next
			}
			if st := h.p.Status(); st.Rotations != 2 || len(st.Retiring) != 0 || st.LastError != nil {
				t.Fatalf("final status = %+v", st)
			}
			if n := h.count(EventKeyCreated); n != 3 {
				t.Fatalf("created %d keys, want 3", n)
			}
			if n := h.count(EventKeyDeleted); n != 2 {
				t.Fatalf("deleted %d keys, want 2", n)
			}
			if h.maxSeen > testPolicy.MaxKeys {
				t.Fatalf("%d keys of ours existed at once, MaxKeys is %d", h.maxSeen, testPolicy.MaxKeys)
			}
			if !foreignAlive(t, r, foreign) {
				t.Fatal("a key that is not ours was deleted")
			}
		})
	}
}

func TestManagedCreateFailure(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	for _, r := range newRigs(t, clk) {
		t.Run(r.name, func(t *testing.T) {
			h := newHarness(t, r, clk)
			a := h.start()
			// Three failed creates at rotation time.
			r.faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Match: r.createOp, Status: 503, Times: 3})
			h.advance(testPolicy.Lifetime - testPolicy.RotateBefore)
			if n := h.count(EventCreateFailed); n != 1 {
				t.Fatalf("create failures = %d, want 1", n)
			}
			if got := h.retrieve(); got.AccessKeyID != a.AccessKeyID {
				t.Fatalf("a failed create changed the served key")
			}
			if st := h.p.Status(); st.LastError == nil || st.Next != "" {
				t.Fatalf("status after a failed create = %+v", st)
			}
			h.wantOurs("after a failed create", a.AccessKeyID)
			// Backoff: each retry waits at most MaxDelay.
			h.advance(4 * time.Minute)
			h.advance(4 * time.Minute)
			if n := h.count(EventCreateFailed); n != 3 {
				t.Fatalf("create failures = %d, want 3", n)
			}
			h.advance(4 * time.Minute)
			st := h.p.Status()
			if st.Next == "" {
				t.Fatalf("no next key after the faults cleared: %+v", st)
			}
			h.advance(testPolicy.SwitchDelay)
			if got := h.retrieve(); got.AccessKeyID != st.Next {
				t.Fatalf("not switched after a recovered create")
			}
			if code := r.s3Code(t, h.retrieve()); code != "" {
				t.Fatalf("S3 refused the new key: %s", code)
			}
			if h.maxSeen > 2 {
				t.Fatalf("%d keys of ours at once", h.maxSeen)
			}
		})
	}
}

func TestManagedFirstCreateFailsReturnsError(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC())
	r := newNebiusRig(t, clk)
	h := newHarness(t, r, clk)
	r.faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Match: r.createOp, Status: 503})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := h.p.Retrieve(ctx)
	if err == nil || !strings.Contains(err.Error(), "creating a nebius key") || !errors.Is(err, iam.ErrUnavailable) {
		t.Fatalf("Retrieve with a failing create: %v", err)
	}
	h.settle()
	h.advance(4 * time.Minute) // the retry succeeds
	if c := h.retrieve(); c.AccessKeyID == "" {
		t.Fatal("no key after the retry")
	}
}

func TestManagedDeleteFailure(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	for _, r := range newRigs(t, clk) {
		t.Run(r.name, func(t *testing.T) {
			h := newHarness(t, r, clk)
			a := h.start()
			h.advance(testPolicy.Lifetime - testPolicy.RotateBefore)
			h.advance(testPolicy.SwitchDelay)
			b := h.retrieve()
			// Deactivation fails once (transient), then deletion twice;
			// Yandex keys are not deactivated, so deletion fails thrice.
			if r.deactivateOp != "" {
				r.faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Match: r.deactivateOp, Status: 503})
				r.faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Match: r.deleteOp, Status: 503, Times: 2})
			} else {
				r.faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Match: r.deleteOp, Status: 503, Times: 3})
			}
			h.advance(testPolicy.Grace)
			if n := h.count(EventDeleteFailed); n != 1 {
				t.Fatalf("delete failures = %d, want 1", n)
			}
			h.advance(4 * time.Minute)
			h.advance(4 * time.Minute)
			if n := h.count(EventDeleteFailed); n != 3 {
				t.Fatalf("delete failures = %d, want 3", n)
			}
			st := h.p.Status()
			if !slices.Equal(st.Retiring, []string{a.AccessKeyID}) || st.LastError == nil {
				t.Fatalf("status with a failing delete = %+v", st)
			}
			// Serving never blocks on the failed delete.
			if got := h.retrieve(); got.AccessKeyID != b.AccessKeyID {
				t.Fatal("serving changed while a delete failed")
			}
			h.advance(4 * time.Minute)
			h.wantOurs("after the delete recovered", b.AccessKeyID)
			if st := h.p.Status(); len(st.Retiring) != 0 {
				t.Fatalf("still retiring: %+v", st)
			}
		})
	}
}

func TestManagedReconcileOnStart(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	for _, r := range newRigs(t, clk) {
		t.Run(r.name, func(t *testing.T) {
			foreign := addForeign(t, r)
			// A crash between create and switch left two keys of this
			// instance whose secrets nobody holds.
			for range 2 {
				exp := clk.Now().Add(testPolicy.Lifetime)
				if _, err := r.km.CreateKey(context.Background(), iam.CreateKeyRequest{Description: newMark("iamkit-managed-test", "crashed-run", exp), ExpiresAt: exp}); err != nil {
					t.Fatal(err)
				}
			}
			h := newHarness(t, r, clk, func(o *ManagedOptions) { o.Instance = "crashed-run" })
			// Listing fails once: nothing is created before the
			// leftovers are known.
			r.faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Match: r.listOp, Status: 503})
			h.p.Start()
			h.kickAndSettle(func() { h.p.signal() })
			if n := h.count(EventListFailed); n != 1 || h.count(EventKeyCreated) != 0 {
				t.Fatalf("list failed %d times, created %d keys; want 1 and 0", h.count(EventListFailed), h.count(EventKeyCreated))
			}
			h.advance(4 * time.Minute)
			c := h.retrieve()
			if e := h.lastEvent(EventReconciled); e.Deleted != 2 {
				t.Fatalf("reconcile removed %d leftovers, want 2", e.Deleted)
			}
			h.wantOurs("after reconcile", c.AccessKeyID)
			if h.maxSeen > 2 {
				t.Fatalf("%d keys of ours at once", h.maxSeen)
			}
			if !foreignAlive(t, r, foreign) {
				t.Fatal("reconcile deleted a key that is not ours")
			}
		})
	}
}

func TestManagedKeyRejected(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	for _, r := range newRigs(t, clk) {
		t.Run(r.name, func(t *testing.T) {
			h := newHarness(t, r, clk)
			a := h.start()
			// Someone deletes our key behind our back.
			keys, _ := r.km.ListKeys(context.Background())
			for _, k := range keys {
				if k.AccessKeyID == a.AccessKeyID {
					if r.name == "outscale" {
						_, _ = r.km.UpdateKey(context.Background(), k.ID, iam.UpdateKeyRequest{State: iam.StateInactive})
					}
					if err := r.km.DeleteKey(context.Background(), k.ID); err != nil {
						t.Fatal(err)
					}
				}
			}
			if code := r.s3Code(t, a); code != "InvalidAccessKeyId" {
				t.Fatalf("S3 answered %q for a deleted key", code)
			}
			h.kickAndSettle(func() { h.p.KeyRejected(a.AccessKeyID) })
			b := h.retrieve()
			if b.AccessKeyID == a.AccessKeyID {
				t.Fatal("no early rotation after InvalidAccessKeyId")
			}
			if code := r.s3Code(t, b); code != "" {
				t.Fatalf("S3 refused the replacement key: %s", code)
			}
			// A second report for the same key does nothing.
			h.kickAndSettle(func() { h.p.KeyRejected(a.AccessKeyID) })
			if n := h.count(EventKeyCreated); n != 2 {
				t.Fatalf("created %d keys, want 2 (one early rotation)", n)
			}
			if n := h.count(EventKeyRejected); n != 1 {
				t.Fatalf("rejections acted on: %d, want 1", n)
			}
			h.advance(testPolicy.Grace)
			h.wantOurs("after the early rotation", b.AccessKeyID)
		})
	}
}

func TestManagedPersistence(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	for _, r := range newRigs(t, clk) {
		t.Run(r.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "keys.json")
			withFile := func(o *ManagedOptions) { o.StateFile = path }

			h1 := newHarness(t, r, clk, withFile)
			a := h1.start()
			if err := h1.p.Close(); err != nil {
				t.Fatal(err)
			}
			st, err := os.Stat(path)
			if err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("state file: %v, mode %v", err, st.Mode())
			}
			raw, _ := os.ReadFile(path)
			if !strings.Contains(string(raw), a.SecretAccessKey) {
				t.Fatal("the state file does not hold the secret")
			}

			// A restarted process reuses the key.
			h2 := newHarness(t, r, clk, withFile)
			if b := h2.start(); b.AccessKeyID != a.AccessKeyID || b.SecretAccessKey != a.SecretAccessKey {
				t.Fatalf("restart created %s instead of reusing %s", b.AccessKeyID, a.AccessKeyID)
			}
			if h2.count(EventKeyCreated) != 0 || h2.count(EventKeyAdopted) != 1 {
				t.Fatalf("restart: created %d, adopted %d", h2.count(EventKeyCreated), h2.count(EventKeyAdopted))
			}
			h2.wantOurs("after restart", a.AccessKeyID)
			if err := h2.p.Close(); err != nil {
				t.Fatal(err)
			}

			// A corrupt file is set aside, not deleted, and a key created.
			if err := os.WriteFile(path, []byte(`{"version":1,"keys":[{"role":"current","id":`), 0o600); err != nil {
				t.Fatal(err)
			}
			h3 := newHarness(t, r, clk, withFile)
			c := h3.start()
			e := h3.lastEvent(EventStateFileSetAside)
			if e.Path == "" || !strings.Contains(e.Err.Error(), "corrupt") {
				t.Fatalf("set-aside event = %+v", e)
			}
			if b, err := os.ReadFile(e.Path); err != nil || !strings.Contains(string(b), `"role":"current"`) {
				t.Fatalf("the corrupt file was not kept: %v", err)
			}
			// The instance the old key carries was recorded in the lost file
			// only: the key is another instance's now, left alone until it
			// is past its expiry (plus an hour), then removed by anyone.
			h3.advance(time.Second)
			h3.wantOurs("after a corrupt file", a.AccessKeyID, c.AccessKeyID)
			if err := h3.p.Close(); err != nil {
				t.Fatal(err)
			}

			// A file of another provider is refused with a clear error.
			other := map[string]string{"nebius": "yandex", "yandex": "outscale", "outscale": "nebius"}[r.name]
			if err := os.WriteFile(path, []byte(`{"version":1,"provider":"`+other+`","description":"iamkit-managed-test","keys":[]}`), 0o600); err != nil {
				t.Fatal(err)
			}
			h4 := newHarness(t, r, clk, withFile)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err = h4.p.Retrieve(ctx)
			if err == nil || !strings.Contains(err.Error(), "belongs to provider") || !strings.Contains(err.Error(), path) {
				t.Fatalf("foreign state file: %v", err)
			}
		})
	}
}

func TestManagedForeignAccountStateFile(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC())
	r := newYandexRig(t, clk)
	path := filepath.Join(t.TempDir(), "keys.json")
	addForeign(t, r)
	sf := `{"version":1,"provider":"yandex","description":"iamkit-managed-test","owner":"aje-other-account",
"saved_at":"2026-01-01T00:00:00Z","keys":[{"role":"current","id":"aje-gone","access_key_id":"YCAJE-GONE","secret":"YCsecret-of-another","obtained_at":"2026-01-01T00:00:00Z"}]}`
	if err := os.WriteFile(path, []byte(sf), 0o600); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, r, clk, func(o *ManagedOptions) { o.StateFile = path })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// A version 1 file (no account identity) is not served before listing;
	// reconcile finds it belongs to another account and stops with a
	// clear error.
	h.p.Start()
	h.kickAndSettle(func() { h.p.signal() })
	_, err := h.p.Retrieve(ctx)
	if err == nil || !strings.Contains(err.Error(), "of account") || strings.Contains(err.Error(), "YCsecret-of-another") {
		t.Fatalf("state file of another account: %v", err)
	}
}

func TestManagedLifetimeCap(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC())
	r := newOutscaleRig(t, clk)
	r.setCap(12 * time.Hour)
	h := newHarness(t, r, clk)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := h.p.Retrieve(ctx)
	if err == nil || !strings.Contains(err.Error(), "exceeds") || !strings.Contains(err.Error(), "12h0m0s") {
		t.Fatalf("lifetime beyond the cap: %v", err)
	}
	if n := len(r.ours(t, h.desc)); n != 0 {
		t.Fatalf("%d keys created despite the cap", n)
	}

	// Within the cap, keys get a real expiry.
	r2 := newOutscaleRig(t, clk)
	r2.setCap(48 * time.Hour)
	h2 := newHarness(t, r2, clk)
	c := h2.start()
	if !c.CanExpire {
		t.Fatal("OUTSCALE key without expiry")
	}
	keys, _ := r2.km.ListKeys(context.Background())
	for _, k := range keys {
		if k.AccessKeyID == c.AccessKeyID && (k.ExpiresAt.IsZero() || k.ExpiresAt.Sub(clk.Now()) > 24*time.Hour+time.Minute) {
			t.Fatalf("key expiry %v, want about now+24h", k.ExpiresAt)
		}
	}
}

func TestPolicyValidation(t *testing.T) {
	tests := []struct {
		name string
		pol  Policy
		want string
	}{
		{"defaults", Policy{}, ""},
		{"rotate before longer than lifetime", Policy{Lifetime: time.Hour, RotateBefore: 2 * time.Hour}, "RotateBefore (2h0m0s) must be shorter than Lifetime (1h0m0s)"},
		{"rotate before equal to lifetime", Policy{Lifetime: time.Hour, RotateBefore: time.Hour}, "must be shorter than Lifetime"},
		{"no room for grace", Policy{Lifetime: time.Hour, RotateBefore: time.Minute, Grace: 5 * time.Minute}, "at least SwitchDelay"},
		{"one key", Policy{MaxKeys: 1}, "MaxKeys is 1"},
		{"negative lifetime", Policy{Lifetime: -time.Hour}, "must not be negative"},
		{"blank description", Policy{Description: "  "}, "Description is blank"},
	}
	clk := iamtest.NewFakeClock(time.Now())
	km := newYandexRig(t, clk).km
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewManagedProvider(km, func(o *ManagedOptions) { o.Policy = tc.pol })
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := NewManagedProvider(nil); err == nil {
		t.Fatal("nil KeyManager accepted")
	}
	for name, tc := range map[string]struct {
		fn   func(*ManagedOptions)
		want string
	}{
		"negative delay":       {func(o *ManagedOptions) { o.BaseDelay = -time.Second }, "must not be negative"},
		"max below base":       {func(o *ManagedOptions) { o.BaseDelay, o.MaxDelay = time.Minute, time.Second }, "MaxDelay (1s) is shorter than BaseDelay (1m0s)"},
		"negative timeout":     {func(o *ManagedOptions) { o.CallTimeout = -1 }, "must not be negative"},
		"bad instance":         {func(o *ManagedOptions) { o.Instance = "a b" }, "ManagedOptions.Instance"},
		"defaults are applied": {func(o *ManagedOptions) {}, ""},
	} {
		p, err := NewManagedProvider(km, tc.fn)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: got %v, want %q", name, err, tc.want)
		}
		if err == nil && (p.opts.BaseDelay != 5*time.Second || p.opts.MaxDelay != 5*time.Minute || p.opts.CallTimeout != 30*time.Second || p.pol.Lifetime != 24*time.Hour) {
			t.Errorf("%s: defaults %v %v %v %v", name, p.opts.BaseDelay, p.opts.MaxDelay, p.opts.CallTimeout, p.pol.Lifetime)
		}
	}
}

func TestManagedRetrieveAllocs(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC())
	r := newNebiusRig(t, clk)
	h := newHarness(t, r, clk)
	h.start()
	ctx := context.Background()
	if n := testing.AllocsPerRun(1000, func() { _, _ = h.p.Retrieve(ctx) }); n != 0 {
		t.Fatalf("Retrieve allocates %v times per call", n)
	}
}

func TestManagedDeleteOnCloseAndNoSecretInOutput(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC())
	r := newOutscaleRig(t, clk)
	h := newHarness(t, r, clk, func(o *ManagedOptions) { o.DeleteOnClose = true })
	c := h.start()
	for _, s := range []string{fmt.Sprint(h.p), fmt.Sprintf("%+v", h.p.Status()), fmt.Sprintf("%#v", h.p)} {
		if strings.Contains(s, c.SecretAccessKey) {
			t.Fatalf("output shows the secret: %s", s)
		}
	}
	if err := h.p.Close(); err != nil {
		t.Fatal(err)
	}
	h.wantOurs("after Close with DeleteOnClose")
	if _, err := h.p.Retrieve(context.Background()); err == nil {
		t.Fatal("Retrieve after Close succeeded")
	}
}

// A process that stops during a grace period leaves the old key in the
// state file; the next one still waits for the grace to end before
// deleting it, instead of taking it for a leftover.
func TestManagedRestartKeepsGrace(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	r := newNebiusRig(t, clk)
	path := filepath.Join(t.TempDir(), "keys.json")
	withFile := func(o *ManagedOptions) { o.StateFile = path }
	h1 := newHarness(t, r, clk, withFile)
	a := h1.start()
	h1.advance(testPolicy.Lifetime - testPolicy.RotateBefore)
	h1.advance(testPolicy.SwitchDelay)
	b := h1.retrieve()
	if err := h1.p.Close(); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	if !strings.Contains(string(raw), `"retiring"`) || strings.Count(string(raw), `"secret"`) != 1 {
		t.Fatalf("state file should hold the current key with its secret and the retiring one without:\n%s", raw)
	}

	h2 := newHarness(t, r, clk, withFile)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if c := h2.retrieve(); c.AccessKeyID != b.AccessKeyID {
		t.Fatalf("restart serves %s, want %s", c.AccessKeyID, b.AccessKeyID)
	}
	if err := h2.p.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	if e := h2.lastEvent(EventReconciled); e.Deleted != 0 {
		t.Fatalf("reconcile removed %d keys, want 0 (the old key is in its grace period)", e.Deleted)
	}
	h2.wantOurs("restart during grace", a.AccessKeyID, b.AccessKeyID)
	h2.advance(testPolicy.Grace)
	h2.wantOurs("restart after grace", b.AccessKeyID)
}

// No secret reaches the logs, the events or the status, through a whole
// rotation with failures.
func TestManagedLogsCarryNoSecret(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	r := newOutscaleRig(t, clk)
	var logs strings.Builder
	var logMu sync.Mutex
	h := newHarness(t, r, clk, func(o *ManagedOptions) {
		o.Logger = slog.New(slog.NewJSONHandler(lockedWriter{&logMu, &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	secrets := []string{h.start().SecretAccessKey}
	r.faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Match: r.createOp, Status: 503})
	h.advance(testPolicy.Lifetime - testPolicy.RotateBefore)
	h.advance(4 * time.Minute)
	h.advance(testPolicy.SwitchDelay)
	secrets = append(secrets, h.retrieve().SecretAccessKey)
	r.faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Match: r.deleteOp, Status: 503})
	h.advance(testPolicy.Grace)
	h.advance(4 * time.Minute)
	if h.count(EventCreateFailed) == 0 || h.count(EventDeleteFailed) == 0 || h.count(EventKeyDeleted) == 0 {
		t.Fatalf("the scenario did not go through failures and a deletion: %d %d %d", h.count(EventCreateFailed), h.count(EventDeleteFailed), h.count(EventKeyDeleted))
	}
	logMu.Lock()
	text := logs.String()
	logMu.Unlock()
	h.mu.Lock()
	for _, e := range h.events {
		text += fmt.Sprintf("%+v %v\n", e, e.Err)
	}
	h.mu.Unlock()
	text += fmt.Sprintf("%+v %v %#v", h.p.Status(), h.p, h.p)
	if !strings.Contains(text, "create failed") {
		t.Fatalf("logs lack the failure: %s", text)
	}
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Fatalf("a secret reached the logs, events or status")
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *strings.Builder
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Two processes sharing a state file (and its lock) start at once: one
// key is created, and both serve it.
func TestManagedSharedStateFile(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	r := newYandexRig(t, clk)
	path := filepath.Join(t.TempDir(), "keys.json")
	withFile := func(o *ManagedOptions) { o.StateFile = path }
	h1 := newHarness(t, r, clk, withFile)
	h2 := newHarness(t, r, clk, withFile)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	var c1, c2 aws.Credentials
	wg.Add(2)
	go func() { defer wg.Done(); c1, _ = h1.p.Retrieve(ctx) }()
	go func() { defer wg.Done(); c2, _ = h2.p.Retrieve(ctx) }()
	wg.Wait()
	h1.settle()
	h2.settle()
	if c1.AccessKeyID == "" || c1.AccessKeyID != c2.AccessKeyID {
		t.Fatalf("the processes serve %q and %q, want one shared key", c1.AccessKeyID, c2.AccessKeyID)
	}
	if n := h1.count(EventKeyCreated) + h2.count(EventKeyCreated); n != 1 {
		t.Fatalf("%d keys created, want 1", n)
	}
	h1.wantOurs("two processes", c1.AccessKeyID)
}

func TestManagedRotateNow(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	for _, r := range newRigs(t, clk) {
		t.Run(r.name, func(t *testing.T) {
			h := newHarness(t, r, clk)
			a := h.start()
			h.advance(6 * time.Hour)
			if err := h.p.Rotate(context.Background()); err != nil {
				t.Fatalf("Rotate: %v", err)
			}
			b := h.retrieve()
			if b.AccessKeyID == a.AccessKeyID {
				t.Fatal("Rotate did not switch keys")
			}
			if st := h.p.Status(); st.Rotations != 1 || len(st.Retiring) != 1 || st.Retiring[0] != a.AccessKeyID {
				t.Fatalf("status after Rotate = %+v, want 1 rotation and the old key retiring", st)
			}
			// The old key keeps working through the grace period and until
			// the Expiration it was handed out with, then goes.
			if code := r.s3Code(t, a); code != "" {
				t.Fatalf("old key refused during grace: %s", code)
			}
			h.advance(testPolicy.Grace)
			h.wantOurs("after Rotate and grace", a.AccessKeyID, b.AccessKeyID)
			h.advance(a.Expires.Add(testPolicy.Grace - time.Second).Sub(clk.Now()))
			if code := r.s3Code(t, a); code != "" {
				t.Fatalf("old key refused before its Expiration and grace: %s", code)
			}
			h.advance(time.Second)
			h.wantOurs("after Rotate, the old key's Expiration and grace", b.AccessKeyID)
		})
	}
}

// The OUTSCALE client tells the managed provider its account's lifetime cap.
var _ LifetimeLimiter = (*outscale.KeyManager)(nil)

// A state file of another account whose listing shows no keys (so the
// owners cannot be compared) is set aside, not overwritten: it is kept
// without its secrets, the new key is recorded under this account, and the
// event says why.
func TestManagedStaleStateFileSetAside(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	r := newYandexRig(t, clk) // an account without keys
	path := filepath.Join(t.TempDir(), "keys.json")
	sf := `{"version":1,"provider":"yandex","description":"iamkit-managed-test","owner":"aje-other-account",
"saved_at":"2026-01-01T00:00:00Z","keys":[{"role":"current","id":"aje-gone","access_key_id":"YCAJE-GONE","secret":"YCsecret-of-another","obtained_at":"2026-01-01T00:00:00Z"}]}`
	if err := os.WriteFile(path, []byte(sf), 0o600); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, r, clk, func(o *ManagedOptions) { o.StateFile = path })
	h.start() // a version 1 file: its key is confirmed by listing first
	c := h.retrieve()
	if c.AccessKeyID == "YCAJE-GONE" {
		t.Fatal("serving the state file's key after reconcile found it missing")
	}
	e := h.lastEvent(EventStateFileSetAside)
	if e.Path == "" || e.Err == nil || !strings.Contains(e.Err.Error(), "YCAJE-GONE") || !strings.Contains(e.Err.Error(), "another account") ||
		strings.Contains(e.Err.Error(), "YCsecret-of-another") {
		t.Fatalf("set-aside event = %+v", e)
	}
	if b, err := os.ReadFile(e.Path); err != nil || strings.Contains(string(b), "YCsecret-of-another") || !strings.Contains(string(b), "YCAJE-GONE") {
		t.Fatalf("the old state file was not kept without its secret (%v):\n%s", err, b)
	}
	raw, err := os.ReadFile(path)
	if err != nil || strings.Contains(string(raw), "aje-other-account") || !strings.Contains(string(raw), c.AccessKeyID) {
		t.Fatalf("new state file (%v):\n%s", err, raw)
	}
	h.wantOurs("after a stale state file", c.AccessKeyID)
}

// A key from the state file that no longer exists is not served while its
// replacement cannot be created: Retrieve reports the failure instead.
func TestManagedGoneStateKeyNotServed(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	r := newNebiusRig(t, clk)
	path := filepath.Join(t.TempDir(), "keys.json")
	withFile := func(o *ManagedOptions) { o.StateFile = path }
	h1 := newHarness(t, r, clk, withFile)
	a := h1.start()
	if err := h1.p.Close(); err != nil {
		t.Fatal(err)
	}
	keys, err := r.km.ListKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if k.AccessKeyID == a.AccessKeyID {
			if err := r.km.DeleteKey(context.Background(), k.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	r.faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Match: r.createOp, Status: 503})
	h2 := newHarness(t, r, clk, withFile)
	h2.p.Start()
	h2.kickAndSettle(func() { h2.p.signal() })
	if h2.count(EventCreateFailed) != 1 {
		t.Fatalf("create failures = %d, want 1", h2.count(EventCreateFailed))
	}
	// A caller whose context ends while the retry is pending gets the
	// latest failure, not the deleted key.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c, err := h2.p.Retrieve(ctx)
	if err == nil || c.AccessKeyID != "" || !errors.Is(err, iam.ErrUnavailable) || !strings.Contains(err.Error(), "creating a nebius key") {
		t.Fatalf("Retrieve served %q (err %v); want the create error, not the deleted key", c.AccessKeyID, err)
	}
	h2.advance(4 * time.Minute) // the retry succeeds
	if c := h2.retrieve(); c.AccessKeyID == "" || c.AccessKeyID == a.AccessKeyID {
		t.Fatalf("after the retry: serving %q", c.AccessKeyID)
	}
}

// When MaxKeys keys of ours exist (the old key is still in its grace
// period), a rotation asked for waits for a slot without spinning: the
// goroutine sleeps until the old key is due, then rotates.
func TestManagedRotateBlockedByMaxKeysWaits(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	r := newNebiusRig(t, clk)
	h := newHarness(t, r, clk)
	a := h.start()
	if err := h.p.Rotate(context.Background()); err != nil {
		t.Fatal(err)
	}
	b := h.retrieve()
	// a is retiring (grace): a second rotation would make 3 keys.
	err := h.p.Rotate(context.Background())
	if err == nil || !strings.Contains(err.Error(), "MaxKeys") {
		t.Fatalf("second Rotate during the grace period: %v, want a MaxKeys error", err)
	}
	h.settle() // fails if the goroutine keeps stepping at the same instant
	h.mu.Lock()
	wake := h.wake
	h.mu.Unlock()
	if !wake.After(clk.Now()) {
		t.Fatalf("next wake %v is not after now %v: the goroutine would spin", wake, clk.Now())
	}
	h.wantOurs("blocked rotation", a.AccessKeyID, b.AccessKeyID)
	// Once a is deleted (the Expiration handed out for it and the grace
	// period over), the rotation happens.
	h.advance(a.Expires.Add(testPolicy.Grace).Sub(clk.Now()))
	c := h.retrieve()
	if c.AccessKeyID == b.AccessKeyID || c.AccessKeyID == a.AccessKeyID {
		t.Fatalf("no rotation after the slot freed: serving %s", c.AccessKeyID)
	}
	if h.maxSeen > testPolicy.MaxKeys {
		t.Fatalf("%d keys of ours at once", h.maxSeen)
	}
}

// When the current key has expired and creating its successor keeps
// failing, the goroutine waits for the retry time instead of spinning, and
// Retrieve reports the failure instead of serving the dead key.
func TestManagedExpiredKeyCreateFailingWaits(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	r := newNebiusRig(t, clk) // Nebius keys expire at the end of Lifetime
	h := newHarness(t, r, clk)
	a := h.start()
	r.faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Match: r.createOp, Status: 503, Times: 100})
	h.advance(testPolicy.Lifetime - testPolicy.RotateBefore)
	h.advance(testPolicy.RotateBefore) // the key is now past its expiry
	h.mu.Lock()
	wake := h.wake
	h.mu.Unlock()
	if !wake.After(clk.Now()) {
		t.Fatalf("next wake %v is not after now %v: the goroutine would spin", wake, clk.Now())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if c, err := h.p.Retrieve(ctx); err == nil || c.AccessKeyID == a.AccessKeyID {
		t.Fatalf("Retrieve with an expired key and failing creates: %q, %v", c.AccessKeyID, err)
	}
	r.faults.Clear()
	h.advance(4 * time.Minute)
	if c := h.retrieve(); c.AccessKeyID == a.AccessKeyID {
		t.Fatal("still serving the expired key after a successful create")
	}
}

// A provider closed before it ever started leaves the state file alone,
// even with DeleteOnClose.
func TestManagedCloseUnstartedKeepsStateFile(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	r := newYandexRig(t, clk)
	path := filepath.Join(t.TempDir(), "keys.json")
	withFile := func(o *ManagedOptions) { o.StateFile = path }
	h1 := newHarness(t, r, clk, withFile)
	a := h1.start()
	if err := h1.p.Close(); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h2 := newHarness(t, r, clk, withFile, func(o *ManagedOptions) { o.DeleteOnClose = true })
	if err := h2.p.Close(); err != nil {
		t.Fatal(err)
	}
	after, err := os.ReadFile(path)
	if err != nil || string(after) != string(before) {
		t.Fatalf("the state file changed (%v):\n%s", err, after)
	}
	h2.wantOurs("after closing an unstarted provider", a.AccessKeyID)
}

// TestNewManagedProviderSkipsNilOptions: a nil option function is skipped,
// never called (issue 12: NewManagedProvider panicked).
func TestNewManagedProviderSkipsNilOptions(t *testing.T) {
	r := newYandexRig(t, iamtest.NewFakeClock(time.Now()))
	defer func() {
		if v := recover(); v != nil {
			t.Fatalf("NewManagedProvider with a nil option function panicked: %v", v)
		}
	}()
	p, err := NewManagedProvider(r.km, nil, func(*ManagedOptions) {}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = p.Close()
}

// TestManagedReadsAccessPolicyOncePerReconcile: OUTSCALE's API access
// policy (the key-lifetime cap) is read once for a reconcile and the create
// that follows it, not once by the provider and again by the create.
func TestManagedReadsAccessPolicyOncePerReconcile(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	r := newOutscaleRig(t, clk)
	before := r.osc.Calls("ReadApiAccessPolicy")
	h := newHarness(t, r, clk)
	h.start()
	if n := r.osc.Calls("ReadApiAccessPolicy") - before; n != 1 {
		t.Errorf("the first reconcile and create read the access policy %d times, want 1", n)
	}
	before = r.osc.Calls("ReadApiAccessPolicy")
	h.advance(testPolicy.Lifetime - testPolicy.RotateBefore)
	// A rotation's create has no reconcile before it: the KeyManager
	// reads the policy itself, once.
	if n := r.osc.Calls("ReadApiAccessPolicy") - before; n != 1 {
		t.Errorf("a rotation read the access policy %d times, want 1", n)
	}
}
