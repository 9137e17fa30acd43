package e2e

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	iamcreds "github.com/iamkit/iamkit/credentials"
	"github.com/iamkit/iamkit/credentials/etcdstore"
	"github.com/iamkit/iamkit/iam"
)

// openStore opens a store of its own (through a proxy to each member) for
// the test to drive directly, as a provider would.
func openStore(t *testing.T, cl *cluster, name string, account string, sealing []etcdstore.SealingKey) (*etcdstore.Store, []*proxy) {
	t.Helper()
	var eps []string
	var pxs []*proxy
	for _, m := range cl.members {
		px := newProxy(t, m.clientURL.Host)
		pxs = append(pxs, px)
		eps = append(eps, px.addr())
	}
	s, err := etcdstore.New(func(o *etcdstore.Options) {
		o.Endpoints, o.Replica, o.SealingKeys = eps, name, sealing
		fleetStoreOptions(o)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Open(context.Background(), iamcreds.StoreScope{Provider: iam.Nebius, Account: account, Description: "d"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, pxs
}

func lockWithin(t *testing.T, s *etcdstore.Store, within time.Duration) iamcreds.StoreLock {
	t.Helper()
	var l iamcreds.StoreLock
	eventually(t, within, s.String()+" elected", func() bool {
		var err error
		l, err = s.Lock(context.Background())
		return err == nil
	})
	return l
}

func testState(secret string) *iamcreds.StoredState {
	return &iamcreds.StoredState{Provider: iam.Nebius, Description: "d", Account: "acct", Instance: "inst",
		Keys: []iamcreds.StoredKey{{Role: iamcreds.RoleCurrent, Key: iam.AccessKey{ID: "k1", AccessKeyID: "AK1", Secret: iam.NewSecret(secret)}}}}
}

// Every write is a transaction conditioned on the revision it read (a
// stale writer gets ErrStateConflict) and on the writer still being the
// elected rotator: a rotator cut off until its lease expired is replaced,
// and its writes fail once it is back (no split brain).
func TestStoreWritesAreConditioned(t *testing.T) {
	cl := newCluster(t, 1)
	seal := []etcdstore.SealingKey{newSealingKey(t, "k1")}
	a, apx := openStore(t, cl, "a", "acct", seal)
	lockWithin(t, a, 10*time.Second)
	ctx := context.Background()
	rev, err := a.Save(ctx, testState("secret-one"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Save(ctx, testState("secret-two"), rev-1); !errors.Is(err, iamcreds.ErrStateConflict) {
		t.Fatalf("a write at a stale revision: %v, want ErrStateConflict", err)
	}
	b, _ := openStore(t, cl, "b", "acct", seal)
	if _, err := b.Lock(ctx); !errors.Is(err, iamcreds.ErrNotRotator) {
		t.Fatalf("a second replica's Lock: %v, want ErrNotRotator", err)
	}
	if _, err := b.Save(ctx, testState("secret-b"), rev); !errors.Is(err, iamcreds.ErrNotRotator) {
		t.Fatalf("a follower's write: %v, want ErrNotRotator", err)
	}
	// a is cut off past its lease: b is elected.
	for _, px := range apx {
		px.Cut()
	}
	lockWithin(t, b, 15*time.Second)
	snap, err := b.Load(ctx)
	if err != nil || snap.Revision != rev {
		t.Fatalf("b reads revision %d (%v), want %d", snap.Revision, err, rev)
	}
	rev2, err := b.Save(ctx, testState("secret-b"), snap.Revision)
	if err != nil {
		t.Fatal(err)
	}
	// a is back; whatever it still believes, its write fails.
	for _, px := range apx {
		px.Restore()
	}
	if _, err := a.Save(ctx, testState("secret-stale"), rev2); !errors.Is(err, iamcreds.ErrNotRotator) {
		t.Fatalf("the former rotator's write: %v, want ErrNotRotator", err)
	}
	snap, err = b.Load(ctx)
	if err != nil || snap.State.Keys[0].Key.Secret.Reveal() != "secret-b" {
		t.Fatalf("after the former rotator's write: %v, %v", snap.State, err)
	}
	if info := a.Fleet(); info.Rotator != "b" {
		eventually(t, 5*time.Second, "a learns that b rotates", func() bool { return a.Fleet().Rotator == "b" })
	}
}

// Secrets are sealed at rest (AES-256-GCM) with the first sealing key and
// its ID beside the ciphertext; with a new key put first, a state sealed
// with the old one still opens, asks to be written again, and is written
// sealed with the new one; a store without the key that sealed a state
// refuses it with a clear error and never shows the secret.
func TestStoreSealingKeyRotation(t *testing.T) {
	cl := newCluster(t, 1)
	admin := cl.client()
	ctx := context.Background()
	k1, k2 := newSealingKey(t, "k1"), newSealingKey(t, "k2")
	const canary = "canary-secret-7f3a"
	a, _ := openStore(t, cl, "a", "acct", []etcdstore.SealingKey{k1})
	lockWithin(t, a, 10*time.Second)
	rev, err := a.Save(ctx, testState(canary), 0)
	if err != nil {
		t.Fatal(err)
	}
	raw := stateValue(ctx, t, admin)
	if strings.Contains(raw, canary) || !strings.Contains(raw, `"kid":"k1"`) {
		t.Fatalf("the stored state shows the secret, or lacks its sealing key's ID:\n%s", raw)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}

	b, _ := openStore(t, cl, "b", "acct", []etcdstore.SealingKey{k2, k1})
	lockWithin(t, b, 10*time.Second)
	snap, err := b.Load(ctx)
	if err != nil || !snap.Rewrite || snap.State.Keys[0].Key.Secret.Reveal() != canary {
		t.Fatalf("with the new key first: rewrite %v, err %v", snap.Rewrite, err)
	}
	if _, err := b.Save(ctx, snap.State, rev); err != nil {
		t.Fatal(err)
	}
	raw = stateValue(ctx, t, admin)
	if strings.Contains(raw, canary) || !strings.Contains(raw, `"kid":"k2"`) || strings.Contains(raw, `"kid":"k1"`) {
		t.Fatalf("after the rewrite the state is not sealed with k2 only:\n%s", raw)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}

	c, _ := openStore(t, cl, "c", "acct", []etcdstore.SealingKey{k1})
	_, err = c.Load(ctx)
	if err == nil || !strings.Contains(err.Error(), `sealed with key "k2"`) || strings.Contains(err.Error(), canary) {
		t.Fatalf("a store without the sealing key: %v", err)
	}
	other := newSealingKey(t, "k2") // the same ID, another key
	d, _ := openStore(t, cl, "d", "acct", []etcdstore.SealingKey{other})
	if _, err := d.Load(ctx); err == nil || !strings.Contains(err.Error(), "does not open") {
		t.Fatalf("another key under the same ID: %v", err)
	}
}

// stateValue returns the raw value of the single fleet state in etcd.
func stateValue(ctx context.Context, t *testing.T, cli *clientv3.Client) string {
	t.Helper()
	resp, err := cli.Get(ctx, "iamkit/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range resp.Kvs {
		if strings.HasSuffix(string(kv.Key), "/state") {
			return string(kv.Value)
		}
	}
	t.Fatal("no state in etcd")
	return ""
}

// Decision, etcd unreachable at start: the replica serves nothing and
// Retrieve says why at once; once etcd answers, it serves.
func TestFleetUnreachableAtStartServesNothing(t *testing.T) {
	cl := newCluster(t, 1)
	c := newCloud(t)
	f := newFleet(t, cl, c)
	defer f.close()
	f.add(false) // the rotator, which creates the key
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := f.all()[0].p.Retrieve(ctx); err != nil {
		t.Fatal(err)
	}
	// A new replica starts while etcd is unreachable for it.
	late := f.addCut()
	short, scancel := context.WithTimeout(ctx, 3*time.Second)
	_, err := late.p.Retrieve(short)
	scancel()
	if err == nil || !strings.Contains(err.Error(), "unreachable") || !strings.Contains(err.Error(), "serving nothing") {
		t.Fatalf("Retrieve with etcd unreachable at start: %v", err)
	}
	if errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("Retrieve waited for its deadline instead of saying why: %v", err)
	}
	late.restore()
	cr, err := late.p.Retrieve(ctx)
	if err != nil || cr.AccessKeyID != f.all()[0].p.Status().Current {
		t.Fatalf("after etcd answered: %q, %v", cr.AccessKeyID, err)
	}
}

// addCut starts a replica whose connections to etcd are cut from the
// start.
func (f *fleet) addCut() *replica {
	f.t.Helper()
	saved := f.storeOpts
	var cut []*proxy
	f.mu.Lock()
	f.onProxy = func(px *proxy) { px.Cut(); cut = append(cut, px) }
	f.mu.Unlock()
	r := f.add(false)
	f.mu.Lock()
	f.onProxy = nil
	f.mu.Unlock()
	f.storeOpts = saved
	return r
}

// A follower-only replica serves the fleet's key, is never elected (even
// with no other candidate left) and never calls the cloud.
func TestFleetFollowOnlyReplica(t *testing.T) {
	cl := newCluster(t, 1)
	c := newCloud(t)
	f := newFleet(t, cl, c)
	defer f.close()
	rot := f.add(false)
	fo := f.add(false, func(o *iamcreds.ManagedOptions) { o.FollowOnly = true })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a, err := rot.p.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := fo.p.Retrieve(ctx)
	if err != nil || b.AccessKeyID != a.AccessKeyID {
		t.Fatalf("the follower serves %q (%v), the rotator %q", b.AccessKeyID, err, a.AccessKeyID)
	}
	before := c.callCounts()
	// The rotator goes away: nobody is left to rotate.
	sctx, scancel := context.WithTimeout(ctx, 10*time.Second)
	if err := rot.p.Shutdown(sctx); err != nil {
		t.Fatal(err)
	}
	scancel()
	rot.dead.Store(true)
	time.Sleep(3 * time.Second) // longer than a lease: no election can be pending
	st := fo.p.Status()
	if st.Rotating || st.Rotator != "" {
		t.Fatalf("the follower-only replica's status: %+v", st)
	}
	if cr, err := fo.p.Retrieve(ctx); err != nil || cr.AccessKeyID != a.AccessKeyID {
		t.Fatalf("the follower-only replica stopped serving: %q, %v", cr.AccessKeyID, err)
	}
	if err := fo.p.Rotate(ctx); err == nil || !strings.Contains(err.Error(), "FollowOnly") {
		t.Fatalf("Rotate on a follower-only replica: %v", err)
	}
	after := c.callCounts()
	for m, n := range after {
		if n != before[m] {
			t.Errorf("the follower-only replica called %s %d times", m, n-before[m])
		}
	}
	if n := fo.eventCount(iamcreds.EventRotatorElected); n != 0 {
		t.Errorf("the follower-only replica was elected %d times", n)
	}
}

// Several fleets share one etcd: each account and mark has its own
// prefix, its own rotator and its own key.
func TestFleetsShareOneEtcd(t *testing.T) {
	cl := newCluster(t, 1)
	c := newCloud(t)
	f1 := newFleet(t, cl, c)
	f2 := newFleet(t, cl, c)
	f2.pol.Description = fleetPolicy.Description + "-other"
	f2.n = 100 // replica-101, …
	defer f1.close()
	defer f2.close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r1, r2 := f1.add(false), f2.add(false)
	a, err := r1.p.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := r2.p.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a.AccessKeyID == b.AccessKeyID {
		t.Fatalf("two fleets serve one key %s", a.AccessKeyID)
	}
	eventually(t, 5*time.Second, "each fleet's replica rotates its own", func() bool {
		return r1.p.Status().Rotating && r2.p.Status().Rotating
	})
	kvs, err := allKV(ctx, cl.client())
	if err != nil {
		t.Fatal(err)
	}
	states := 0
	for k := range kvs {
		if strings.HasSuffix(k, "/state") {
			states++
			if !strings.HasPrefix(k, etcdstore.Prefix("iamkit/", iamcreds.StoreScope{Account: c.admin.AccountIdentity(), Description: f1.pol.Description})) &&
				!strings.HasPrefix(k, etcdstore.Prefix("iamkit/", iamcreds.StoreScope{Account: c.admin.AccountIdentity(), Description: f2.pol.Description})) {
				t.Errorf("a state outside the fleets' prefixes: %s", k)
			}
		}
	}
	if states != 2 {
		t.Fatalf("%d states in etcd, want one per fleet", states)
	}
}

// One command migrates a state file to the fleet: the fleet serves the
// file's key without creating one, keeps its instance, never writes its
// secret in plaintext, and a second migration is refused.
func TestMigrateStateFile(t *testing.T) {
	cl := newCluster(t, 1)
	c := newCloud(t)
	path := filepath.Join(t.TempDir(), "keys.json")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	buildMigrate(ctx, t) // before the key is made: it ages on the real clock
	single, err := iamcreds.NewManagedProvider(c.km, func(o *iamcreds.ManagedOptions) {
		o.Policy, o.StateFile = fleetPolicy, path
	})
	if err != nil {
		t.Fatal(err)
	}
	old, err := single.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := single.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	if err := single.Close(); err != nil {
		t.Fatal(err)
	}
	fileState, err := iamcreds.ReadStateFile(path)
	if err != nil {
		t.Fatal(err)
	}

	f := newFleet(t, cl, c)
	sealFile := filepath.Join(t.TempDir(), "sealing.key")
	if err := os.WriteFile(sealFile, []byte(hexKey(f.sealing[0])), 0o600); err != nil {
		t.Fatal(err)
	}
	eps := strings.Join(cl.endpoints(), ",")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	unmarked := filepath.Join(t.TempDir(), "copy.json") // the file as it was before the migration
	if err := os.WriteFile(unmarked, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	out := migrateCommand(ctx, t, "-state", path, "-endpoints", eps, "-sealing-key-file", sealFile, "-sealing-key-id", f.sealing[0].ID)
	if !strings.Contains(out, "copied 1 keys (current "+old.AccessKeyID) {
		t.Fatalf("iamkit-etcd-migrate said:\n%s", out)
	}
	again := migrateCommandFails(ctx, t, "-state", path, "-endpoints", eps, "-sealing-key-file", sealFile, "-sealing-key-id", f.sealing[0].ID)
	if !strings.Contains(again, "state file "+path+" was migrated to etcd fleet ") {
		t.Fatalf("a second migration of the file: %s", again)
	}
	again = migrateCommandFails(ctx, t, "-state", unmarked, "-endpoints", eps, "-sealing-key-file", sealFile, "-sealing-key-id", f.sealing[0].ID)
	if !strings.Contains(again, "never overwritten") {
		t.Fatalf("a second migration to the fleet: %s", again)
	}
	if st, err := iamcreds.ReadStateFile(unmarked); err != nil || st == nil {
		t.Fatalf("the file whose migration was refused is not left as it was: %v", err)
	}
	if _, err := iamcreds.NewFileStore(unmarked).Load(ctx); err != nil {
		t.Fatalf("the file whose migration was refused is marked migrated: %v", err)
	}
	kvs, err := allKV(ctx, cl.client())
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range kvs {
		if strings.Contains(v, old.SecretAccessKey) || strings.Contains(k, old.SecretAccessKey) {
			t.Fatalf("the migrated secret is in etcd in plaintext under %s", k)
		}
	}

	defer f.close()
	r := f.add(false)
	got, err := r.p.Retrieve(ctx)
	if err != nil || got.AccessKeyID != old.AccessKeyID || got.SecretAccessKey != old.SecretAccessKey {
		t.Fatalf("the fleet serves %q (%v), want the file's %s", got.AccessKeyID, err, old.AccessKeyID)
	}
	if err := r.p.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(c.createdKeys()); n != 0 {
		t.Fatalf("the fleet created %d keys after the migration", n)
	}
	st, err := readStateOf(ctx, cl.client(), c)
	if err != nil || st.Instance != fileState.Instance {
		t.Fatalf("the fleet's instance %q (%v), the file's %q", st.Instance, err, fileState.Instance)
	}

	// A process on the file that starts after the migration (one that was
	// not stopped would be a mistake the docs warn of) refuses to serve
	// from it, and says where the keys went.
	lateKM := &countingKM{KeyManager: c.km}
	late, err := iamcreds.NewManagedProvider(lateKM, func(o *iamcreds.ManagedOptions) {
		o.Policy, o.StateFile = fleetPolicy, path
	})
	if err != nil {
		t.Fatal(err)
	}
	defer late.Close()
	lctx, lcancel := context.WithTimeout(ctx, 10*time.Second)
	cr, err := late.Retrieve(lctx)
	lcancel()
	prefix := etcdstore.Prefix("iamkit/", iamcreds.StoreScope{Account: c.admin.AccountIdentity(), Description: fleetPolicy.Description})
	if err == nil || !errors.Is(err, iamcreds.ErrStateFileMigrated) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), prefix) {
		t.Fatalf("a process on the migrated file serves %q (%v); want an error naming %s and the fleet %s", cr.AccessKeyID, err, path, prefix)
	}
	if n := lateKM.calls.Load(); n != 0 {
		t.Fatalf("the process on the migrated file called the cloud %d times", n)
	}
}

// countingKM counts the calls that change keys or list them.
type countingKM struct {
	iam.KeyManager
	calls atomic.Int64
}

func (k *countingKM) CreateKey(ctx context.Context, req iam.CreateKeyRequest) (iam.AccessKey, error) {
	k.calls.Add(1)
	return k.KeyManager.CreateKey(ctx, req)
}

func (k *countingKM) ListKeys(ctx context.Context) ([]iam.AccessKey, error) {
	k.calls.Add(1)
	return k.KeyManager.ListKeys(ctx)
}

func (k *countingKM) DeleteKey(ctx context.Context, id string) error {
	k.calls.Add(1)
	return k.KeyManager.DeleteKey(ctx, id)
}

// The migration reads the state file under its lock, as the providers on
// it change it: while one holds it (a rotation step under way), the
// migration waits, and copies nothing if its deadline comes first.
func TestMigrateStateFileWaitsForTheFileLock(t *testing.T) {
	cl := newCluster(t, 1)
	c := newCloud(t)
	path := filepath.Join(t.TempDir(), "keys.json")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	single, err := iamcreds.NewManagedProvider(c.km, func(o *iamcreds.ManagedOptions) {
		o.Policy, o.StateFile = fleetPolicy, path
	})
	if err != nil {
		t.Fatal(err)
	}
	old, err := single.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := single.Close(); err != nil {
		t.Fatal(err)
	}
	f := newFleet(t, cl, c)
	newStore := func() *etcdstore.Store {
		s, err := etcdstore.New(func(o *etcdstore.Options) {
			o.Endpoints, o.SealingKeys = cl.endpoints(), f.sealing
		})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	l, err := iamcreds.NewFileStore(path).Lock(ctx)
	if err != nil {
		t.Fatal(err)
	}
	short, scancel := context.WithTimeout(ctx, time.Second)
	_, err = etcdstore.MigrateStateFile(short, path, newStore(), "")
	scancel()
	if err == nil || !strings.Contains(err.Error(), "lock") {
		l.Unlock()
		t.Fatalf("a migration while the file's lock is held: %v, want it to wait for the lock", err)
	}
	if kvs, err := allKV(ctx, cl.client()); err != nil || len(kvs) != 0 {
		t.Fatalf("the migration that did not get the lock wrote %d keys to etcd (%v)", len(kvs), err)
	}
	l.Unlock()
	res, err := etcdstore.MigrateStateFile(ctx, path, newStore(), "")
	if err != nil || res.Current != old.AccessKeyID {
		t.Fatalf("the migration once the lock is free: %+v, %v", res, err)
	}
	if _, err := etcdstore.MigrateStateFile(ctx, path, newStore(), ""); err == nil || !errors.Is(err, iamcreds.ErrStateFileMigrated) {
		t.Fatalf("migrating a migrated file again: %v", err)
	}
}

func hexKey(k etcdstore.SealingKey) string {
	const digits = "0123456789abcdef"
	var b strings.Builder
	for _, c := range []byte(k.Key.Reveal()) {
		b.WriteByte(digits[c>>4])
		b.WriteByte(digits[c&15])
	}
	return b.String()
}

// migrateCommand builds and runs cmd/iamkit-etcd-migrate.
func migrateCommand(ctx context.Context, t *testing.T, args ...string) string {
	t.Helper()
	out, err := runMigrate(ctx, t, args...)
	if err != nil {
		t.Fatalf("iamkit-etcd-migrate: %v\n%s", err, out)
	}
	return out
}

func migrateCommandFails(ctx context.Context, t *testing.T, args ...string) string {
	t.Helper()
	out, err := runMigrate(ctx, t, args...)
	if err == nil {
		t.Fatalf("iamkit-etcd-migrate succeeded:\n%s", out)
	}
	return out
}

var migrateBin string

func runMigrate(ctx context.Context, t *testing.T, args ...string) (string, error) {
	t.Helper()
	buildMigrate(ctx, t)
	out, err := exec.CommandContext(ctx, migrateBin, args...).CombinedOutput()
	return string(out), err
}

// buildMigrate builds iamkit-etcd-migrate for the test (once). A test
// whose keys age on the real clock calls it first: on a cold build cache
// the build takes longer than the fleet policy's 6 s to rotation.
func buildMigrate(ctx context.Context, t *testing.T) {
	t.Helper()
	if migrateBin == "" {
		goTool, err := exec.LookPath("go")
		if err != nil {
			t.Skip("no go command to build iamkit-etcd-migrate")
		}
		bin := filepath.Join(t.TempDir(), "iamkit-etcd-migrate")
		build := exec.CommandContext(ctx, goTool, "build", "-o", bin, "github.com/iamkit/iamkit/credentials/etcdstore/cmd/iamkit-etcd-migrate")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("building iamkit-etcd-migrate: %v\n%s", err, out)
		}
		migrateBin = bin
		t.Cleanup(func() { migrateBin = "" })
	}
}

// Object storage refusing the key to a follower (KeyRejected, which
// s3client calls) reaches the rotator through the follower's record: the
// fleet rotates early, once.
func TestFleetFollowerRejectionRotatesEarly(t *testing.T) {
	cl := newCluster(t, 1)
	c := newCloud(t)
	f := newFleet(t, cl, c)
	defer f.close()
	rot := f.add(false)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a, err := rot.p.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fol := f.add(false)
	if b, err := fol.p.Retrieve(ctx); err != nil || b.AccessKeyID != a.AccessKeyID {
		t.Fatalf("follower: %q, %v", b.AccessKeyID, err)
	}
	eventually(t, 5*time.Second, "the follower records its key", func() bool { return fol.p.Status().Serving == a.AccessKeyID })
	fol.p.KeyRejected(a.AccessKeyID)
	fol.p.KeyRejected(a.AccessKeyID)
	eventually(t, 10*time.Second, "an early rotation", func() bool {
		cr, err := fol.p.Retrieve(ctx)
		return err == nil && cr.AccessKeyID != a.AccessKeyID
	})
	if n := len(c.createdKeys()); n != 2 {
		t.Fatalf("%d keys created, want 2 (one early rotation)", n)
	}
	if n := rot.eventCount(iamcreds.EventKeyRejected); n != 1 {
		t.Fatalf("the rotator acted on %d rejections, want 1", n)
	}
}
