package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/goleak"

	iamcreds "github.com/iamkit/iamkit/credentials"
	"github.com/iamkit/iamkit/credentials/s3client"
	"github.com/iamkit/iamkit/iam"
)

// makeBucket creates the test bucket with a key of its own (not the
// fleet's).
func (c *cloud) makeBucket(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	k, err := c.admin.CreateKey(ctx, iam.CreateKeyRequest{Description: "e2e-admin", ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := s3client.New(iam.Nebius, "eu-north1", awscreds.NewStaticCredentialsProvider(k.AccessKeyID, k.Secret.Reveal(), ""),
		func(o *s3client.Options) { o.Endpoint = c.s3.URL })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
}

// fleetKeysExisting counts the fleet's keys that exist, in any state.
func (c *cloud) fleetKeysExisting(ctx context.Context) (int, error) {
	keys, err := c.admin.ListKeys(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, k := range keys {
		if strings.HasPrefix(k.Description, fleetPolicy.Description+".") {
			n++
		}
	}
	return n, nil
}

// TestFleetEndToEnd runs a fleet of 5 replicas (replaced when they crash)
// on a 3-member etcd cluster, each putting and getting objects every 25 ms
// through the S3 emulator with its managed provider, through several
// rotations, while the test kills the rotator in the middle of a rotation
// twice (after its create, before it wrote the key to etcd; after the
// switch, before the old key's deletion), stops a follower member and then
// the leader member of etcd and brings them back, cuts a replica off from
// etcd for longer than the acknowledgement timeout and reconnects it, and
// finally scans every key and value in etcd (and the members' data files)
// for the keys' secrets.
func TestFleetEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("a minute of real time")
	}
	leakOpts := []goleak.Option{goleak.IgnoreCurrent(),
		// The HTTP clients' and servers' idle connections belong to the
		// emulators' and the SDK's transports, not to the providers.
		goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreAnyFunction("net/http.(*conn).serve"),
	}
	start := time.Now()
	cl := newCluster(t, 3)
	c := newCloud(t)
	c.makeBucket(t)
	f := newFleet(t, cl, c)
	admin := cl.client()
	logf := func(format string, args ...any) {
		t.Logf("t+%5.1fs "+format, append([]any{time.Since(start).Seconds()}, args...)...)
	}

	// Every secret the cloud handed out, to look for in etcd.
	var secretsMu sync.Mutex
	secrets := map[string]bool{}
	c.onCreate = func(k iam.AccessKey) {
		secretsMu.Lock()
		secrets[k.Secret.Reveal()] = true
		secretsMu.Unlock()
	}

	watchCtx, stopWatch := context.WithCancel(context.Background())
	var watchWG sync.WaitGroup
	c.watchExisting(watchCtx, &watchWG)

	const replicas = 5
	for range replicas {
		f.add(true)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute*slow)
	defer cancel()
	for _, r := range f.live() {
		if _, err := r.p.Retrieve(ctx); err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
	}
	logf("%d replicas serve; rotator %s", replicas, f.rotatorName())

	rotations := func() int {
		st, err := readState(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		return st.Rotations
	}
	waitRotations := func(n int, what string) {
		t.Helper()
		eventually(t, 30*time.Second, what, func() bool { return rotations() >= n })
		logf("%s: %d rotations", what, rotations())
	}
	waitRotations(1, "first rotation")

	// 1. The rotator dies after its create, before the key is in etcd; a
	// crashed replica is replaced by a new process.
	crashes := 0
	crash := func(point crashPoint, what string) {
		t.Helper()
		r := f.rotator()
		if r == nil {
			t.Fatal("no rotator")
		}
		r.crash.Store(int32(point))
		select {
		case <-r.crashed:
		case <-time.After(30 * time.Second * slow):
			t.Fatalf("%s: the rotator %s did not reach the crash point", what, r.name)
		}
		crashes++
		logf("%s: %s killed", what, r.name)
		f.add(true)
	}
	before := rotations()
	crash(crashAfterCreate, "crash after create")
	waitRotations(before+1, "rotation after the crash after create")
	eventually(t, 20*time.Second, "a new rotator", func() bool { return f.rotator() != nil })

	// 2. The rotator dies after the switch, before the old key's
	// deactivation and deletion.
	before = rotations()
	crash(crashBeforeRetire, "crash before retire")
	waitRotations(before+1, "rotation after the crash before retire")

	// 3. A follower member of etcd stops and comes back, then the leader
	// member.
	m := cl.follower()
	cl.stop(m)
	logf("etcd member %s (a follower) stopped", m.name)
	time.Sleep(2 * time.Second)
	cl.restart(m)
	logf("etcd member %s back", m.name)
	time.Sleep(time.Second)
	l := cl.waitLeader()
	cl.stop(l)
	logf("etcd member %s (the leader) stopped", l.name)
	time.Sleep(2 * time.Second)
	cl.restart(l)
	logf("etcd member %s back; leader %s", l.name, cl.waitLeader().name)
	waitRotations(rotations()+1, "rotation after the members came back")

	// 4. A follower replica is cut off from etcd until a rotation has
	// happened and the acknowledgement timeout has passed, then
	// reconnected.
	var cutOff *replica
	for _, r := range f.live() {
		if !r.p.Status().Rotating {
			cutOff = r
			break
		}
	}
	// Cut between the create and the switch, so that the replica is still
	// live (its lease not yet expired) at the switch, and its missing
	// acknowledgement holds the old key until AckTimeout.
	eventually(t, 30*time.Second, "a next key", func() bool {
		st, err := readState(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(st.Keys, func(k iamcreds.StoredKey) bool { return k.Role == iamcreds.RoleNext })
	})
	oldKey := cutOff.p.Status().Serving
	cutOff.cut()
	cutAt := time.Now()
	logf("%s cut off from etcd, serving %s", cutOff.name, oldKey)
	var switchedAt time.Time
	eventually(t, 30*time.Second, "a switch while cut off", func() bool {
		st, err := readState(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range st.Keys {
			if k.Role == iamcreds.RoleRetiring && k.Key.AccessKeyID == oldKey && !k.SwitchedAt.IsZero() {
				switchedAt = k.SwitchedAt
				return true
			}
		}
		return false
	})
	time.Sleep(time.Until(switchedAt.Add(fleetAckTimeout + 500*time.Millisecond)))
	eventually(t, 10*time.Second, "the old key retired without the cut-off replica", func() bool {
		_, known := c.nebiusKey(oldKey)
		return !known
	})
	eventually(t, 5*time.Second, "the cut-off replica fenced", func() bool { return cutOff.p.Status().Fenced })
	short, shortCancel := context.WithTimeout(ctx, 50*time.Millisecond)
	if cr, err := cutOff.p.Retrieve(short); err == nil {
		t.Fatalf("the fenced replica served %s", cr.AccessKeyID)
	}
	shortCancel()
	newKey := currentKey(ctx, t, admin)
	logf("%s fenced %v after the cut; the fleet switched to %s, the old key %s is gone", cutOff.name, cutOff.eventAt(iamcreds.EventFenced).Sub(cutAt).Round(time.Millisecond), newKey, oldKey)
	restoredAt := time.Now() // before: the replica's events may come at once
	cutOff.restore()
	served := ""
	eventually(t, 10*time.Second, "the cut-off replica serving again", func() bool {
		poll, pollCancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer pollCancel()
		cr, err := cutOff.p.Retrieve(poll)
		if err != nil {
			return false
		}
		if cr.AccessKeyID == oldKey {
			t.Fatalf("the cut-off replica served the retired key %s after reconnecting", oldKey)
		}
		served = cr.AccessKeyID // newKey, or a later one if the fleet rotated again meanwhile
		return true
	})
	// The replica could serve again once it was both unfenced and on the
	// new key: the later of the two events (on its clock, the real one
	// here), which the 10 ms poll above would blur.
	servedAt := laterTime(cutOff.eventAfter(iamcreds.EventUnfenced, "", restoredAt), cutOff.lastEvent(iamcreds.EventKeySwitched, served))
	if servedAt.IsZero() {
		t.Fatalf("the cut-off replica serves %s but reported no unfencing after the restore or no switch to it", served)
	}
	contact := cutOff.contact()
	rtt := watchRoundTrip(ctx, t, admin)
	logf("%s reconnected: etcd answered %v after the restore, the new key was servable %v after that; a watch round trip takes %v",
		cutOff.name, contact.Sub(restoredAt).Round(time.Millisecond), servedAt.Sub(contact).Round(10*time.Microsecond), rtt.Round(time.Microsecond))
	// Within one watch round trip of reconnecting: the replica does not
	// wait for a timer, a lease or the rotator; what it adds to the
	// round trip is scheduling (bounded generously for a loaded machine).
	if lag := servedAt.Sub(contact); lag > rtt+250*time.Millisecond*slow {
		t.Errorf("the cut-off replica served again %v after etcd answered it; want within a watch round trip (%v) plus scheduling", lag, rtt)
	}

	// The rotator reported that the cut-off replica did not acknowledge.
	timedOut := false
	for _, r := range f.all() {
		r.mu.Lock()
		for _, e := range r.events {
			if e.Kind == iamcreds.EventAckTimeout && slices.Contains(e.Replicas, cutOff.name) && e.AccessKeyID == oldKey {
				timedOut = true
			}
		}
		r.mu.Unlock()
	}
	if !timedOut {
		t.Error("no EventAckTimeout names the cut-off replica")
	}

	// 5. One more rotation with everyone back.
	waitRotations(rotations()+1, "rotation after the reconnect")

	// Stop the work and the fleet.
	f.stopWorkers()
	totalRotations := rotations()
	kvs, err := allKV(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(fleetGoroutines(leakOpts...)); n == 0 {
		t.Fatal("no goroutine of the fleet found while it runs: the check below would prove nothing")
	}
	f.close()
	stopWatch()
	watchWG.Wait()
	// No goroutine of the providers, their stores or their etcd clients
	// is left once they are closed (the cluster, the test's own client
	// and the emulators stop after this check).
	noFleetGoroutines(t, leakOpts...)

	// 0 plaintext secrets in etcd (values and keys, as is, base64, hex),
	// nor in the members' data files (the WAL keeps every revision).
	secretsMu.Lock()
	needles := map[string]bool{}
	for s := range secrets {
		needles[s] = true
		needles[base64.StdEncoding.EncodeToString([]byte(s))] = true
		needles[hex.EncodeToString([]byte(s))] = true
	}
	nSecrets := len(secrets)
	secretsMu.Unlock()
	found, scannedBytes := 0, 0
	for k, v := range kvs {
		scannedBytes += len(k) + len(v)
		for n := range needles {
			if strings.Contains(k, n) || strings.Contains(v, n) {
				found++
				t.Errorf("a secret in etcd under %s", k)
			}
		}
	}
	files := cl.dataFiles()
	fileBytes := 0
	for _, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		fileBytes += len(b)
		for n := range needles {
			if bytes.Contains(b, []byte(n)) {
				found++
				t.Errorf("a secret in etcd's data file %s", path)
			}
		}
	}

	creates := len(c.createdKeys())
	neverCut := 0
	var opsOK, opsFailedOthers int64
	for _, r := range f.all() {
		ok, failed := r.ok.Load(), r.failed.Load()
		opsOK += ok
		switch {
		case r == cutOff || r.dead.Load():
			opsFailedOthers += failed
			r.mu.Lock()
			logf("%s (%s): %d ok, %d failed %v", r.name, map[bool]string{true: "killed", false: "cut off"}[r.dead.Load()], ok, failed, r.errs)
			for _, e := range r.errs {
				if strings.Contains(e, "InvalidAccessKeyId") {
					t.Errorf("%s signed a request with a retired key: %s", r.name, e)
				}
			}
			r.mu.Unlock()
		default:
			neverCut++
			logf("%s: %d ok, %d failed", r.name, ok, failed)
			if failed > 0 {
				r.mu.Lock()
				t.Errorf("%s, never cut off, had %d failed S3 requests:\n%s", r.name, failed, strings.Join(r.errs, "\n"))
				r.mu.Unlock()
			}
		}
	}
	c.mu.Lock()
	maxExisting, maxAlive, aliveErr := c.maxExisting, c.maxAlive, c.aliveErr
	c.mu.Unlock()
	logf("SUMMARY rotations %d, injected crashes %d, key creates %d (<= %d), most fleet keys existing at once %d (MaxKeys %d; active %d), "+
		"%d replicas never cut off with 0 failed S3 requests (%d put+get pairs in all), %d secrets searched in %d etcd keys (%d bytes) and %d data files (%d bytes): %d found",
		totalRotations, crashes, creates, totalRotations+crashes, maxExisting, fleetPolicy.MaxKeys, maxAlive, neverCut, opsOK,
		nSecrets, len(kvs), scannedBytes, len(files), fileBytes, found)
	if aliveErr != nil {
		t.Errorf("listing the fleet's keys failed: %v", aliveErr)
	}
	if creates > totalRotations+crashes {
		t.Errorf("%d key creates for %d rotations and %d injected crashes:\n%s", creates, totalRotations, crashes, c.explainCreates(f))
	}
	if maxExisting > fleetPolicy.MaxKeys {
		t.Errorf("%d fleet keys existed at once; MaxKeys is %d", maxExisting, fleetPolicy.MaxKeys)
	}
	if totalRotations < 5 {
		t.Errorf("only %d rotations", totalRotations)
	}
	if neverCut < replicas-1 {
		t.Errorf("only %d replicas were never cut off", neverCut)
	}
	if nSecrets == 0 || len(kvs) == 0 {
		t.Fatal("nothing to scan: the scan proves nothing")
	}
}

// readState decodes the fleet's state as the test reads it from etcd (no
// secrets: the roles and times only).
func readState(ctx context.Context, cli *clientv3.Client) (iamcreds.StoredState, error) {
	resp, err := cli.Get(ctx, "iamkit/", clientv3.WithPrefix())
	if err != nil {
		return iamcreds.StoredState{}, err
	}
	for _, kv := range resp.Kvs {
		if strings.HasSuffix(string(kv.Key), "/state") {
			return decodePlain(kv.Value)
		}
	}
	return iamcreds.StoredState{}, nil
}

// currentKey is the access key ID the fleet's state names current.
func currentKey(ctx context.Context, t *testing.T, cli *clientv3.Client) string {
	t.Helper()
	st, err := readState(ctx, cli)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range st.Keys {
		if k.Role == iamcreds.RoleCurrent {
			return k.Key.AccessKeyID
		}
	}
	return ""
}

// watchRoundTrip measures a put seen by a watch, on loopback.
func watchRoundTrip(ctx context.Context, t *testing.T, cli *clientv3.Client) time.Duration {
	t.Helper()
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	best := time.Duration(0)
	for i := range 5 {
		key := fmt.Sprintf("e2e/rtt/%d", i)
		wch := cli.Watch(wctx, key)
		time.Sleep(20 * time.Millisecond) // the watch is set up
		t0 := time.Now()
		if _, err := cli.Put(ctx, key, "x"); err != nil {
			t.Fatal(err)
		}
		<-wch
		if d := time.Since(t0); best == 0 || d < best {
			best = d
		}
		_, _ = cli.Delete(ctx, key)
	}
	return best
}

// live lists the replicas alive now.
func (f *fleet) live() []*replica {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*replica
	for _, r := range f.replicas {
		if !r.dead.Load() {
			out = append(out, r)
		}
	}
	return out
}

func (f *fleet) all() []*replica {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.replicas)
}

func (f *fleet) rotatorName() string {
	if r := f.rotator(); r != nil {
		return r.name
	}
	return ""
}

func (f *fleet) stopWorkers() {
	for _, r := range f.all() {
		if r.stopWork != nil {
			r.stopWork()
			<-r.workDone
		}
	}
}

// noFleetGoroutines fails if a goroutine of a provider, of an etcd store
// or of an etcd client is left.
func noFleetGoroutines(t *testing.T, opts ...goleak.Option) {
	t.Helper()
	var left []string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		left = fleetGoroutines(opts...)
		if len(left) == 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(left) > 0 {
		t.Errorf("%d goroutines of the fleet left after Close:\n%s", len(left), strings.Join(left, "\n\n"))
	}
}

// fleetGoroutines lists, from goleak's report, the goroutines running the
// providers', the stores' or the etcd clients' code.
func fleetGoroutines(opts ...goleak.Option) []string {
	err := goleak.Find(opts...)
	if err == nil {
		return nil
	}
	var out []string
	for _, g := range strings.Split(err.Error(), "\n Goroutine ") {
		if strings.Contains(g, "iamkit/credentials.") || strings.Contains(g, "credentials/etcdstore.") || strings.Contains(g, "etcd/client/v3") {
			out = append(out, g)
		}
	}
	return out
}
