package credentials

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
)

// The state file as a StateStore: a missing file loads empty, a write
// counts generations, a write at a stale generation is refused, and a
// corrupt file is set aside on Load.
func TestFileStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	s := NewFileStore(path)
	ctx := context.Background()
	if err := s.Open(ctx, StoreScope{Clock: iamtest.NewFakeClock(time.Now())}); err != nil {
		t.Fatal(err)
	}
	snap, err := s.Load(ctx)
	if err != nil || snap.State != nil || snap.Revision != 0 {
		t.Fatalf("a missing file: %+v, %v", snap, err)
	}
	l, err := s.Lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st := &StoredState{Provider: iam.Nebius, Description: "d", Instance: "i",
		Keys:    []StoredKey{{Role: RoleCurrent, Key: iam.AccessKey{ID: "k", AccessKeyID: "AK", Secret: iam.NewSecret("s3cr3t")}}},
		Pending: []PendingCreate{{Mark: "d.i.1.0123456789ab", At: time.Unix(1e9, 0).UTC()}}}
	rev, err := s.Save(ctx, st, 0)
	if err != nil || rev != 1 {
		t.Fatalf("first write: %d, %v", rev, err)
	}
	if _, err := s.Save(ctx, st, 0); !errors.Is(err, ErrStateConflict) {
		t.Fatalf("a write at a stale generation: %v, want ErrStateConflict", err)
	}
	l.Unlock()
	snap, err = s.Load(ctx)
	if err != nil || snap.Revision != 1 || snap.State.Keys[0].Key.Secret.Reveal() != "s3cr3t" || snap.State.Pending[0].Mark != "d.i.1.0123456789ab" {
		t.Fatalf("read back: %+v, %v", snap, err)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("mode: %v %v", info.Mode(), err)
	}
	if err := os.WriteFile(path, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	snap, err = s.Load(ctx)
	if err != nil || snap.SetAside == nil || !strings.Contains(snap.SetAside.Path, ".corrupt-") {
		t.Fatalf("a corrupt file: %+v, %v", snap, err)
	}
	if st, err := ReadStateFile(path); err != nil || st != nil {
		t.Fatalf("ReadStateFile of the moved file: %v, %v", st, err)
	}
}

// A follower-only provider on a state file serves the key another process
// rotates there and never calls the cloud; it follows the rotations.
func TestManagedFollowOnlyStateFile(t *testing.T) {
	leakOpts := []goleak.Option{goleak.IgnoreCurrent(),
		goleak.IgnoreAnyFunction("net/http.(*conn).serve"),
		goleak.IgnoreAnyFunction("google.golang.org/grpc/internal/transport.(*http2Client).keepalive"),
		goleak.IgnoreAnyFunction("google.golang.org/grpc/internal/transport.(*controlBuffer).get"),
		goleak.IgnoreAnyFunction("google.golang.org/grpc/internal/transport.(*http2Server).keepalive"),
		goleak.IgnoreAnyFunction("google.golang.org/grpc/internal/grpcsync.(*CallbackSerializer).run"),
		goleak.IgnoreAnyFunction("google.golang.org/grpc.(*addrConn).resetTransportAndUnlock"),
		goleak.IgnoreAnyFunction("google.golang.org/grpc/internal/transport.newHTTP2Client"),
		goleak.IgnoreAnyFunction("google.golang.org/grpc/internal/transport.(*http2Client).reader"),
		goleak.IgnoreAnyFunction("google.golang.org/grpc/internal/transport.(*http2Server).HandleStreams"),
		goleak.IgnoreAnyFunction("google.golang.org/grpc.(*Server).serveStreams"),
		goleak.IgnoreAnyFunction("google.golang.org/grpc.(*Server).handleRawConn"),
		goleak.IgnoreAnyFunction("google.golang.org/grpc.(*Server).Serve"),
		goleak.IgnoreAnyFunction("net/http.(*Server).Serve"),
		goleak.IgnoreAnyFunction("net/http/httptest.(*Server).goServe.func1"),
	}
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	r := newNebiusRig(t, clk)
	path := filepath.Join(t.TempDir(), "keys.json")
	withFile := func(o *ManagedOptions) { o.StateFile = path }

	// Nothing to follow yet: the follower waits, without creating a key.
	f := newHarness(t, r, clk, withFile, func(o *ManagedOptions) { o.FollowOnly = true })
	f.p.Start()
	f.kickAndSettle(func() { f.p.signal() })
	if c, err := f.p.Retrieve(cancelledCtx()); err == nil {
		t.Fatalf("a follower served %s from an empty state file", c.AccessKeyID)
	}
	creates := r.calls(r.createOp)

	rot := newHarness(t, r, clk, withFile)
	a := rot.start()
	f.advance(stateFilePoll)
	if c := f.retrieve(); c.AccessKeyID != a.AccessKeyID {
		t.Fatalf("the follower serves %s, the rotator %s", c.AccessKeyID, a.AccessKeyID)
	}
	rot.advance(testPolicy.Lifetime - testPolicy.RotateBefore)
	rot.advance(testPolicy.SwitchDelay)
	b := rot.retrieve()
	f.advance(stateFilePoll)
	if c := f.retrieve(); c.AccessKeyID != b.AccessKeyID || b.AccessKeyID == a.AccessKeyID {
		t.Fatalf("after the rotation the follower serves %s, the rotator %s (before %s)", c.AccessKeyID, b.AccessKeyID, a.AccessKeyID)
	}
	if got := r.calls(r.createOp) - creates; got != 2 {
		t.Fatalf("%d creates, want the rotator's 2", got)
	}
	if f.count(EventKeyCreated)+f.count(EventReconciled)+f.count(EventKeyDeleted) != 0 {
		t.Fatal("the follower created, listed or deleted keys")
	}
	if err := f.p.Rotate(context.Background()); err == nil || !strings.Contains(err.Error(), "FollowOnly") {
		t.Fatalf("Rotate on a follower: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := rot.p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	// The emulators and their clients stay (the test's cleanups); no
	// goroutine of the two providers does.
	if err := goleak.Find(leakOpts...); err != nil && strings.Contains(err.Error(), "credentials.(*ManagedProvider)") {
		t.Fatalf("a provider goroutine is left after Shutdown: %v", err)
	}
}

// A create recorded in the state file by a process that died before it
// recorded the key counts towards MaxKeys for the processes that share
// the file: the next one lists the account, finds the key by its mark and
// removes it before it creates another.
func TestManagedSharerSettlesACrashedCreate(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	r := newNebiusRig(t, clk)
	path := filepath.Join(t.TempDir(), "keys.json")
	withFile := func(o *ManagedOptions) { o.StateFile = path }
	hA := newHarness(t, r, clk, withFile)
	hangA := &hangCreateKM{KeyManager: r.km, sent: make(chan struct{}, 1)}
	hA.p.km = hangA // before A's goroutine starts
	hB := newHarness(t, r, clk, withFile)
	a := hA.start()
	if b := hB.start(); b.AccessKeyID != a.AccessKeyID {
		t.Fatal("the sharers serve two keys")
	}
	// A dies in the middle of a rotation's create (asked for early, so
	// that B is not rotating too): the create is in the file, its key
	// exists, A's answer never came.
	hangA.armed.Store(true)
	rotated := make(chan error, 1)
	go func() { rotated <- hA.p.Rotate(context.Background()) }()
	select {
	case <-hangA.sent:
	case <-time.After(10 * time.Second):
		t.Fatal("A sent no create")
	}
	st, err := ReadStateFile(path)
	if err != nil || len(st.Pending) != 1 {
		t.Fatalf("the create in flight is not in the file: %+v, %v", st, err)
	}
	mark := st.Pending[0].Mark
	exp := clk.Now().Add(testPolicy.Lifetime)
	if _, err := r.km.CreateKey(context.Background(), iam.CreateKeyRequest{Description: mark, ExpiresAt: exp}); err != nil {
		t.Fatal(err) // the key A's create made
	}
	// A stops there (its create cancelled, its lock released); the file
	// keeps the create as under way.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hA.p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	<-rotated
	if st, err := ReadStateFile(path); err != nil || len(st.Pending) != 1 || st.Pending[0].Mark != mark {
		t.Fatalf("after A stopped, the file does not keep its create: %+v, %v", st, err)
	}
	hB.advance(stateFilePoll) // B sees the file changed, and lists
	if e := hB.lastEvent(EventReconciled); e.Deleted != 1 {
		t.Fatalf("B's reconcile removed %d keys, want 1 (A's create)", e.Deleted)
	}
	hB.wantOurs("after B settled A's create", a.AccessKeyID)
	// B rotates on schedule, within MaxKeys.
	hB.advance(a.Expires.Sub(clk.Now())) // the planned rotation: create
	hB.advance(testPolicy.SwitchDelay)   // and switch
	c := hB.retrieve()
	if c.AccessKeyID == a.AccessKeyID {
		t.Fatal("B did not rotate")
	}
	if hB.maxSeen > testPolicy.MaxKeys {
		t.Fatalf("%d keys at once, MaxKeys %d", hB.maxSeen, testPolicy.MaxKeys)
	}
	if st, _ := ReadStateFile(path); len(st.Pending) != 0 {
		t.Fatalf("the settled create is still in the file: %+v", st.Pending)
	}
}

func TestManagedStoreOptionsValidation(t *testing.T) {
	km := newYandexRig(t, iamtest.NewFakeClock(time.Now())).km
	for name, tc := range map[string]struct {
		fn   func(*ManagedOptions)
		want string
	}{
		"store and file":      {func(o *ManagedOptions) { o.StateFile, o.Store = "x.json", NewFileStore("y.json") }, "not both"},
		"follow without":      {func(o *ManagedOptions) { o.FollowOnly = true }, "needs a Store or a StateFile"},
		"follow and delete":   {func(o *ManagedOptions) { o.FollowOnly, o.StateFile, o.DeleteOnClose = true, "x.json", true }, "deletes nothing"},
		"fleet and delete":    {func(o *ManagedOptions) { o.Store, o.DeleteOnClose = fakeFleet{NewFileStore("x.json")}, true }, "whole fleet"},
		"a store is accepted": {func(o *ManagedOptions) { o.Store = NewFileStore(filepath.Join(t.TempDir(), "k.json")) }, ""},
	} {
		p, err := NewManagedProvider(km, tc.fn)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
		if p != nil {
			_ = p.Close()
		}
	}
}

// fakeFleet makes a FileStore look like a FleetStore, for option checks
// only.
type fakeFleet struct{ *FileStore }

func (fakeFleet) Fleet() FleetInfo                                  { return FleetInfo{} }
func (fakeFleet) Serving(context.Context, ReplicaRecord) error      { return nil }
func (fakeFleet) Replicas(context.Context) ([]ReplicaRecord, error) { return nil, nil }

// hangCreateKM is a KeyManager whose CreateKey, once armed, reports that
// it was called and never answers (until its context ends), as a create
// whose answer never came.
type hangCreateKM struct {
	iam.KeyManager
	armed atomic.Bool
	sent  chan struct{}
}

func (k *hangCreateKM) CreateKey(ctx context.Context, req iam.CreateKeyRequest) (iam.AccessKey, error) {
	if !k.armed.Load() {
		return k.KeyManager.CreateKey(ctx, req)
	}
	select {
	case k.sent <- struct{}{}:
	default:
	}
	<-ctx.Done()
	return iam.AccessKey{}, ctx.Err()
}
