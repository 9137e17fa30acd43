package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/oauth2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"

	iamcreds "github.com/iamkit/iamkit/credentials"
	"github.com/iamkit/iamkit/credentials/etcdstore"
	"github.com/iamkit/iamkit/credentials/s3client"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/iam/nebius"
)

// slow stretches the fleet's times (3 under the race detector).
var slow = slowness()

// fleetPolicy rotates every 6 s (Lifetime - RotateBefore) on the real
// clock: several rotations fit in a test of a minute.
var fleetPolicy = iamcreds.Policy{Lifetime: 12 * time.Second * slow, RotateBefore: 6 * time.Second * slow, SwitchDelay: 300 * time.Millisecond * slow,
	Grace: 700 * time.Millisecond * slow, MaxKeys: 2, Description: "iamkit-fleet-e2e"}

// fleetAckTimeout is the stores' AckTimeout.
var fleetAckTimeout = 3 * time.Second * slow

// fleetStoreOptions: leases of 2 s, fenced after 2 s without word from
// etcd, acknowledgements awaited 3 s at most.
func fleetStoreOptions(o *etcdstore.Options) {
	o.LeaseTTL, o.Fence, o.AckTimeout, o.ConfirmEvery, o.RequestTimeout = 2*time.Second*slow, 2*time.Second*slow, fleetAckTimeout, 200*time.Millisecond*slow, 500*time.Millisecond*slow
	// Reconnect within 100 ms once etcd is reachable again, instead of
	// gRPC's default backoff (up to 2 minutes).
	o.DialOptions = []grpc.DialOption{grpc.WithConnectParams(grpc.ConnectParams{
		Backoff:           backoff.Config{BaseDelay: 50 * time.Millisecond, Multiplier: 1.5, Jitter: 0.1, MaxDelay: 100 * time.Millisecond},
		MinConnectTimeout: time.Second,
	})}
}

// cloud is one Nebius emulator and the S3 emulator sharing its keys, with
// an administrator's KeyManager for the test's own look.
type cloud struct {
	nebius *nebiustest.Server
	s3     *iamtest.S3Server
	admin  iam.KeyManager
	km     iam.KeyManager // shared by the replicas' counting wrappers

	mu sync.Mutex
	// calls counts the replicas' KeyManager calls by method; creates
	// lists the keys created; maxAlive is the most keys of the fleet seen
	// alive at once (checked after every create and every 20 ms).
	calls       map[string]int
	creates     []string
	createLog   []string // "hh:mm:ss.mmm replica-NN AKID", to explain a count
	maxAlive    int      // active keys
	maxExisting int      // keys in any state
	aliveErr    error
	// onCreate, when set, sees every key created (with its secret).
	onCreate func(iam.AccessKey)
}

func newCloud(t *testing.T) *cloud {
	t.Helper()
	reg := iamtest.NewRegistry()
	srv, err := nebiustest.New(func(o *nebiustest.Options) { o.Registry = reg })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	s3srv, err := iamtest.NewS3Server(func(o *iamtest.S3Options) { o.Registry = reg })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s3srv.Close)
	sa, err := srv.NewServiceAccount("")
	if err != nil {
		t.Fatal(err)
	}
	c, err := nebius.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: srv.IssueToken(sa.ID, time.Hour)}), srv.ClientOptions(), func(o *nebius.Options) {
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
	return &cloud{nebius: srv, s3: s3srv, admin: km, km: km, calls: map[string]int{}}
}

// fleetKeys lists the fleet's keys that exist (any state) and those of
// them that are active.
func (c *cloud) fleetKeys(ctx context.Context) (existing, active []string, err error) {
	keys, err := c.admin.ListKeys(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, k := range keys {
		if !strings.HasPrefix(k.Description, fleetPolicy.Description+".") {
			continue
		}
		existing = append(existing, k.AccessKeyID)
		if k.State == iam.StateActive || k.State == iam.StateUnspecified {
			active = append(active, k.AccessKeyID)
		}
	}
	slices.Sort(existing)
	slices.Sort(active)
	return existing, active, nil
}

// nebiusKey reports whether the key accessKeyID exists.
func (c *cloud) nebiusKey(accessKeyID string) (string, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	existing, _, err := c.fleetKeys(ctx)
	if err != nil {
		return "", true
	}
	return accessKeyID, slices.Contains(existing, accessKeyID)
}

// checkAlive records how many fleet keys exist (and are active) now.
func (c *cloud) checkAlive() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	existing, active, err := c.fleetKeys(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.aliveErr = err
		return
	}
	c.maxAlive = max(c.maxAlive, len(active))
	c.maxExisting = max(c.maxExisting, len(existing))
}

// explainCreates is what a test prints when it finds more creates than
// it allows: every create (when, by whom) and the replicas' rotation
// events, in order of time.
func (c *cloud) explainCreates(f *fleet) string {
	c.mu.Lock()
	lines := slices.Clone(c.createLog)
	c.mu.Unlock()
	for _, r := range f.all() {
		r.mu.Lock()
		for _, e := range r.events {
			switch e.Kind {
			case iamcreds.EventKeyCreated, iamcreds.EventKeySwitched, iamcreds.EventKeyDeleted, iamcreds.EventReconciled,
				iamcreds.EventRotatorElected, iamcreds.EventCreateFailed, iamcreds.EventStoreFailed, iamcreds.EventAckTimeout:
				lines = append(lines, fmt.Sprintf("%s %s event %v %s %v", e.Time.Format("15:04:05.000"), r.name, e.Kind, e.AccessKeyID, e.Err))
			}
		}
		r.mu.Unlock()
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

func (c *cloud) createdKeys() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.creates)
}

// watchExisting checks the fleet's keys every 20 ms until ctx ends (and
// after every create).
func (c *cloud) watchExisting(ctx context.Context, wg *sync.WaitGroup) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			c.checkAlive()
			select {
			case <-ctx.Done():
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
}

func (c *cloud) count(method string) {
	c.mu.Lock()
	c.calls[method]++
	c.mu.Unlock()
}

func (c *cloud) callCounts() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for k, v := range c.calls {
		out[k] = v
	}
	return out
}

// crashPoint is where a replica's process dies in the middle of a
// rotation.
type crashPoint int

const (
	noCrash crashPoint = iota
	// crashAfterCreate: the key was created, its answer reached the
	// replica, which dies before writing it to etcd.
	crashAfterCreate
	// crashBeforeRetire: the replica switched to the new key and dies
	// before deactivating or deleting the old one.
	crashBeforeRetire
)

// replicaKM is a replica's KeyManager: it counts calls and can kill its
// replica at a crash point. A dead replica's calls hang until their
// context ends, as a dead process makes none.
type replicaKM struct {
	iam.KeyManager
	c *cloud
	r *replica
}

func (k *replicaKM) hang(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

func (k *replicaKM) CreateKey(ctx context.Context, req iam.CreateKeyRequest) (iam.AccessKey, error) {
	if k.r.dead.Load() {
		return iam.AccessKey{}, k.hang(ctx)
	}
	k.c.count("CreateKey")
	key, err := k.KeyManager.CreateKey(ctx, req)
	if err == nil {
		k.c.mu.Lock()
		k.c.creates = append(k.c.creates, key.AccessKeyID)
		k.c.createLog = append(k.c.createLog, time.Now().Format("15:04:05.000")+" "+k.r.name+" "+key.AccessKeyID)
		onCreate := k.c.onCreate
		k.c.mu.Unlock()
		if onCreate != nil {
			onCreate(key)
		}
		k.c.checkAlive()
		if k.r.crashAt(crashAfterCreate) {
			return iam.AccessKey{}, k.hang(ctx)
		}
	}
	return key, err
}

func (k *replicaKM) ListKeys(ctx context.Context) ([]iam.AccessKey, error) {
	if k.r.dead.Load() {
		return nil, k.hang(ctx)
	}
	k.c.count("ListKeys")
	return k.KeyManager.ListKeys(ctx)
}

func (k *replicaKM) UpdateKey(ctx context.Context, id string, req iam.UpdateKeyRequest) (iam.AccessKey, error) {
	if k.r.dead.Load() || k.r.crashAt(crashBeforeRetire) {
		return iam.AccessKey{}, k.hang(ctx)
	}
	k.c.count("UpdateKey")
	return k.KeyManager.UpdateKey(ctx, id, req)
}

func (k *replicaKM) DeleteKey(ctx context.Context, id string) error {
	if k.r.dead.Load() || k.r.crashAt(crashBeforeRetire) {
		return k.hang(ctx)
	}
	k.c.count("DeleteKey")
	return k.KeyManager.DeleteKey(ctx, id)
}

func (k *replicaKM) GetKey(ctx context.Context, id string) (iam.AccessKey, error) {
	if k.r.dead.Load() {
		return iam.AccessKey{}, k.hang(ctx)
	}
	k.c.count("GetKey")
	return k.KeyManager.GetKey(ctx, id)
}

// replica is one process of the fleet: a managed provider on its own
// etcd store (through its own proxies to the members), and a worker that
// puts and gets objects with it.
type replica struct {
	name    string
	p       *iamcreds.ManagedProvider
	proxies []*proxy
	s3      *s3.Client

	crash   atomic.Int32 // a crashPoint armed for it
	crashed chan struct{}
	dead    atomic.Bool

	ok, failed atomic.Int64
	mu         sync.Mutex
	errs       []string
	served     map[string]bool // access key IDs it signed with
	events     []iamcreds.Event
	stopWork   context.CancelFunc
	workDone   chan struct{}
}

// crashAt kills the replica if point is armed for it: its worker stops,
// its connections to etcd are cut (its lease expires, nothing revokes it).
func (r *replica) crashAt(point crashPoint) bool {
	if crashPoint(r.crash.Load()) != point || !r.crash.CompareAndSwap(int32(point), int32(noCrash)) {
		return false
	}
	r.kill()
	return true
}

func (r *replica) kill() {
	if r.dead.Swap(true) {
		return
	}
	for _, px := range r.proxies {
		px.Cut()
	}
	if r.stopWork != nil {
		r.stopWork()
	}
	close(r.crashed)
}

func (r *replica) cut() {
	for _, px := range r.proxies {
		px.Cut()
	}
}

func (r *replica) restore() {
	for _, px := range r.proxies {
		px.Restore()
	}
}

// contact is when etcd first answered the replica after restore.
func (r *replica) contact() time.Time {
	var first time.Time
	for _, px := range r.proxies {
		if c := px.contact(); !c.IsZero() && (first.IsZero() || c.Before(first)) {
			first = c
		}
	}
	return first
}

func (r *replica) onEvent(e iamcreds.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

// eventAt is when the first event of kind k happened (zero: none).
func (r *replica) eventAt(k iamcreds.EventKind) time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.events {
		if e.Kind == k {
			return e.Time
		}
	}
	return time.Time{}
}

// eventAfter is the time of the first event of kind k (for the key
// accessKeyID, unless "") at or after since; zero if none.
func (r *replica) eventAfter(k iamcreds.EventKind, accessKeyID string, since time.Time) time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.events {
		if e.Kind == k && (accessKeyID == "" || e.AccessKeyID == accessKeyID) && !e.Time.Before(since) {
			return e.Time
		}
	}
	return time.Time{}
}

// lastEvent is the time of the last event of kind k for the key
// accessKeyID; zero if none.
func (r *replica) lastEvent(k iamcreds.EventKind, accessKeyID string) time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.events) - 1; i >= 0; i-- {
		if e := r.events[i]; e.Kind == k && e.AccessKeyID == accessKeyID {
			return e.Time
		}
	}
	return time.Time{}
}

// laterTime is the later of a and b, or zero if either is zero.
func laterTime(a, b time.Time) time.Time {
	if a.IsZero() || b.IsZero() {
		return time.Time{}
	}
	if a.After(b) {
		return a
	}
	return b
}

func (r *replica) eventCount(k iamcreds.EventKind) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.events {
		if e.Kind == k {
			n++
		}
	}
	return n
}

// fleet is the replicas of one service.
type fleet struct {
	t       *testing.T
	cl      *cluster
	c       *cloud
	sealing []etcdstore.SealingKey
	// storeOpts adjusts each replica's store options.
	storeOpts func(*etcdstore.Options)
	pol       iamcreds.Policy
	n         int
	// onProxy, when set, sees each proxy a new replica gets.
	onProxy func(*proxy)

	mu       sync.Mutex
	replicas []*replica
	wg       sync.WaitGroup
}

func newSealingKey(t *testing.T, id string) etcdstore.SealingKey {
	t.Helper()
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	k, err := etcdstore.NewSealingKey(id, b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newFleet(t *testing.T, cl *cluster, c *cloud) *fleet {
	return &fleet{t: t, cl: cl, c: c, sealing: []etcdstore.SealingKey{newSealingKey(t, "seal-1")}, storeOpts: fleetStoreOptions, pol: fleetPolicy}
}

// add starts a replica (with a worker when work is set).
func (f *fleet) add(work bool, optFns ...func(*iamcreds.ManagedOptions)) *replica {
	f.t.Helper()
	f.mu.Lock()
	f.n++
	name := fmt.Sprintf("replica-%02d", f.n)
	f.mu.Unlock()
	r := &replica{name: name, crashed: make(chan struct{}), served: map[string]bool{}}
	var eps []string
	f.mu.Lock()
	onProxy := f.onProxy
	f.mu.Unlock()
	for _, m := range f.cl.members {
		px := newProxy(f.t, m.clientURL.Host)
		if onProxy != nil {
			onProxy(px)
		}
		r.proxies = append(r.proxies, px)
		eps = append(eps, px.addr())
	}
	store, err := etcdstore.New(func(o *etcdstore.Options) {
		o.Endpoints, o.Replica, o.SealingKeys = eps, name, f.sealing
		f.storeOpts(o)
	})
	if err != nil {
		f.t.Fatal(err)
	}
	p, err := iamcreds.NewManagedProvider(&replicaKM{KeyManager: f.c.km, c: f.c, r: r}, append([]func(*iamcreds.ManagedOptions){func(o *iamcreds.ManagedOptions) {
		o.Policy = f.pol
		o.Store = store
		o.BaseDelay, o.MaxDelay, o.CallTimeout = 200*time.Millisecond, time.Second, 2*time.Second
		o.OnEvent = r.onEvent
	}}, optFns...)...)
	if err != nil {
		f.t.Fatal(err)
	}
	r.p = p
	p.Start()
	if work {
		if r.s3, err = s3client.New(iam.Nebius, "eu-north1", p, func(o *s3client.Options) { o.Endpoint, o.RetryMaxAttempts = f.c.s3.URL, 1 }); err != nil {
			f.t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		r.stopWork, r.workDone = cancel, make(chan struct{})
		go r.work(ctx)
	}
	f.mu.Lock()
	f.replicas = append(f.replicas, r)
	f.mu.Unlock()
	return r
}

const bucket = "fleet"

// work puts and gets an object every 25 ms until ctx ends.
func (r *replica) work(ctx context.Context) {
	defer close(r.workDone)
	for i := 0; ctx.Err() == nil; i++ {
		key := fmt.Sprintf("%s/%d", r.name, i%50)
		body := []byte(fmt.Sprintf("%s %d %d", r.name, i, time.Now().UnixNano()))
		err := r.putGet(ctx, key, body)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			r.failed.Add(1)
			r.mu.Lock()
			if len(r.errs) < 20 {
				r.errs = append(r.errs, time.Now().Format("15:04:05.000")+" "+err.Error())
			}
			r.mu.Unlock()
		default:
			r.ok.Add(1)
		}
		select {
		case <-ctx.Done():
		case <-time.After(25 * time.Millisecond):
		}
	}
}

func (r *replica) putGet(ctx context.Context, key string, body []byte) error {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	creds, err := r.p.Retrieve(cctx)
	if err == nil {
		r.mu.Lock()
		r.served[creds.AccessKeyID] = true
		r.mu.Unlock()
	}
	if _, err := r.s3.PutObject(cctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)}); err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	out, err := r.s3.GetObject(cctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return fmt.Errorf("get %s: %w", key, err)
	}
	defer out.Body.Close()
	got, err := io.ReadAll(out.Body)
	if err != nil {
		return fmt.Errorf("get %s: %w", key, err)
	}
	if !bytes.Equal(got, body) {
		return errors.New("get " + key + ": another body")
	}
	return nil
}

// close stops every replica's worker and provider.
func (f *fleet) close() {
	f.mu.Lock()
	rs := slices.Clone(f.replicas)
	f.mu.Unlock()
	for _, r := range rs {
		if r.stopWork != nil {
			r.stopWork()
			<-r.workDone
		}
	}
	var wg sync.WaitGroup
	for _, r := range rs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := r.p.Shutdown(ctx)
			switch {
			case err == nil || r.dead.Load():
			case strings.Contains(err.Error(), "revoking the replica's lease") && strings.Contains(err.Error(), "deadline exceeded"):
				// The farewell revoke has the rig's RequestTimeout (500 ms);
				// on a loaded machine etcd may answer later. The lease then
				// ends by its TTL; no goroutine is left either way (checked
				// after close).
				f.t.Logf("%s: Shutdown: %v (the lease expires by its TTL)", r.name, err)
			default:
				f.t.Errorf("%s: Shutdown: %v", r.name, err)
			}
		}()
	}
	wg.Wait()
}

// rotator returns the live replica that rotates (nil if none yet).
func (f *fleet) rotator() *replica {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.replicas {
		if !r.dead.Load() && r.p.Status().Rotating {
			return r
		}
	}
	return nil
}

// eventually waits (bounded, in real time) for cond.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within * slow)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
