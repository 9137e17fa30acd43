package etcdstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
	"go.uber.org/zap"

	iamcreds "github.com/iamkit/iamkit/credentials"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/clock"
)

// Store is a [iamcreds.FleetStore] on etcd: give one to each replica's
// ManagedProvider (ManagedOptions.Store). See the package documentation.
type Store struct {
	opts   Options
	sealer *sealer

	// Set by Open.
	cli       *clientv3.Client
	ownClient bool
	scope     iamcreds.StoreScope
	prefix    string
	clk       iam.Clock
	log       *slog.Logger
	changes   chan struct{}
	cancel    context.CancelFunc
	wg        sync.WaitGroup

	mu      sync.Mutex
	opened  bool
	sess    *concurrency.Session
	elec    *concurrency.Election // set while this replica is the rotator
	term    uint64
	rotator string
	record  *replicaValue // the latest record, put again with every new session
}

// New returns a store for the fleet etcd coordinates. It checks the
// options; it connects only when the provider opens it.
func New(optFns ...func(*Options)) (*Store, error) {
	var o Options
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	o.setDefaults()
	if err := o.validate(); err != nil {
		return nil, err
	}
	s, err := newSealer(o.SealingKeys)
	if err != nil {
		return nil, err
	}
	return &Store{opts: o, sealer: s, changes: make(chan struct{}, 1)}, nil
}

// Prefix returns the etcd key prefix of the scope's fleet: Options.Prefix
// + url.PathEscape(account) + "/" + url.PathEscape(description) + "/".
func Prefix(root string, scope iamcreds.StoreScope) string {
	return root + url.PathEscape(scope.Account) + "/" + url.PathEscape(scope.Description) + "/"
}

func (s *Store) stateKey() string    { return s.prefix + "state" }
func (s *Store) electionPfx() string { return s.prefix + "rotator/" }
func (s *Store) replicaPfx() string  { return s.prefix + "replicas/" }

// String names the store: "etcd fleet <prefix> at <endpoints>".
func (s *Store) String() string {
	eps := s.opts.Endpoints
	if s.opts.Client != nil {
		eps = s.opts.Client.Endpoints()
	}
	s.mu.Lock()
	p := s.prefix
	s.mu.Unlock()
	if p == "" {
		p = s.opts.Prefix + "…"
	}
	return "etcd fleet " + p + " at " + strings.Join(eps, ",")
}

// GoString is like String, for %#v.
func (s *Store) GoString() string { return s.String() }

// Format prints String under every verb, so that no verb reaches the
// sealing keys inside.
func (s *Store) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }

// LogValue makes slog print String.
func (s *Store) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Open connects to etcd (without waiting for it: an unreachable etcd
// makes Load fail, and the provider serves nothing until it answers),
// and starts the replica's session, its candidacy (unless
// scope.FollowOnly) and a watch of the fleet's keys. It refuses a
// KeyManager without an AccountIdentity, whose fleet has no prefix.
func (s *Store) Open(ctx context.Context, scope iamcreds.StoreScope) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opened {
		return fmt.Errorf("%w: etcdstore: the store is already open (give each provider its own)", iamcreds.ErrStoreConfig)
	}
	if scope.Account == "" {
		return fmt.Errorf("%w: etcdstore: the KeyManager has no AccountIdentity (a Yandex client without ServiceAccountID?), so the fleet has no key prefix; configure the account", iamcreds.ErrStoreConfig)
	}
	s.scope = scope
	s.prefix = Prefix(s.opts.Prefix, scope)
	s.clk = clock.Or(scope.Clock)
	s.log = s.opts.Logger
	if s.log == nil {
		s.log = scope.Logger
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.log = s.log.With(slog.String("store", "etcd"), slog.String("replica", s.opts.Replica))
	if err := s.connect(); err != nil {
		return err
	}
	bg, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.opened = true
	s.wg.Add(2)
	go s.runSessions(bg)
	go s.runWatch(bg)
	return nil
}

// connect makes the client (unless Options.Client is set); it does not
// wait for etcd.
func (s *Store) connect() error {
	s.cli = s.opts.Client
	if s.cli != nil {
		return nil
	}
	cfg := clientv3.Config{
		Endpoints: s.opts.Endpoints, TLS: s.opts.TLS, Username: s.opts.Username, Password: s.opts.Password.Reveal(),
		DialTimeout: s.opts.DialTimeout, DialOptions: s.opts.DialOptions, Logger: zap.NewNop(),
		// Detect a dead connection within the fence.
		DialKeepAliveTime: s.opts.Fence / 2, DialKeepAliveTimeout: s.opts.RequestTimeout,
	}
	cli, err := clientv3.New(cfg)
	if err != nil {
		return fmt.Errorf("etcdstore: connecting to %s: %w", strings.Join(s.opts.Endpoints, ","), err)
	}
	s.cli, s.ownClient = cli, true
	return nil
}

// Close gives up the rotator's role (so that another replica takes over at
// once), revokes the replica's lease (its record goes) and stops the
// store's goroutines; it closes the client the store made.
func (s *Store) Close() error {
	s.mu.Lock()
	if !s.opened {
		s.mu.Unlock()
		return nil
	}
	s.opened = false
	elec, sess := s.elec, s.sess
	s.elec = nil
	s.mu.Unlock()
	// Stop the goroutines first (no new session is made), then give up
	// the role and the lease with requests of their own.
	s.cancel()
	s.wg.Wait()
	var errs []error
	if elec != nil {
		ctx, cancel := context.WithTimeout(context.Background(), s.opts.RequestTimeout)
		if err := elec.Resign(ctx); err != nil {
			errs = append(errs, fmt.Errorf("etcdstore: resigning as rotator: %w", err))
		}
		cancel()
	}
	if sess != nil {
		sess.Orphan()
		ctx, cancel := context.WithTimeout(context.Background(), s.opts.RequestTimeout)
		if _, err := s.cli.Revoke(ctx, sess.Lease()); err != nil {
			errs = append(errs, fmt.Errorf("etcdstore: revoking the replica's lease: %w", err))
		}
		cancel()
	}
	if s.ownClient {
		if err := s.cli.Close(); err != nil && !errors.Is(err, context.Canceled) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// notify tells the provider that something may have changed.
func (s *Store) notify() {
	select {
	case s.changes <- struct{}{}:
	default:
	}
}

// Changes signals changes of the state, of the rotator, and, to the
// rotator, of the replicas' records.
func (s *Store) Changes() <-chan struct{} { return s.changes }

// Fleet describes this replica.
func (s *Store) Fleet() iamcreds.FleetInfo {
	s.mu.Lock()
	rot := s.rotator
	s.mu.Unlock()
	return iamcreds.FleetInfo{Replica: s.opts.Replica, Rotator: rot, Fence: s.opts.Fence, AckTimeout: s.opts.AckTimeout, ConfirmEvery: s.opts.ConfirmEvery}
}

func (s *Store) reqCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.opts.RequestTimeout)
}

// Load reads the state (a linearizable read: a member cut off from the
// quorum cannot answer). AsOf is the time the read was sent.
func (s *Store) Load(ctx context.Context) (iamcreds.Snapshot, error) {
	asOf := s.clk.Now()
	cctx, cancel := s.reqCtx(ctx)
	defer cancel()
	resp, err := s.cli.Get(cctx, s.stateKey())
	if err != nil {
		return iamcreds.Snapshot{}, fmt.Errorf("etcdstore: reading %s: %w", s.stateKey(), err)
	}
	snap := iamcreds.Snapshot{AsOf: asOf}
	if len(resp.Kvs) == 0 {
		return snap, nil
	}
	kv := resp.Kvs[0]
	st, old, err := decodeState(s.sealer, s.prefix, kv.Value)
	if err != nil {
		return iamcreds.Snapshot{}, err
	}
	snap.State, snap.Revision, snap.Rewrite = st, kv.ModRevision, old
	return snap, nil
}

// Lock succeeds, without a request, for the elected rotator whose lease is
// alive; every other replica gets iamcreds.ErrNotRotator.
func (s *Store) Lock(context.Context) (iamcreds.StoreLock, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.elec == nil || s.sess == nil {
		return iamcreds.StoreLock{}, iamcreds.ErrNotRotator
	}
	select {
	case <-s.sess.Done():
		return iamcreds.StoreLock{}, iamcreds.ErrNotRotator
	default:
	}
	return iamcreds.StoreLock{Term: s.term, Unlock: func() {}}, nil
}

// leader returns the election this replica leads, or nil.
func (s *Store) leader() *concurrency.Election {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.elec
}

// Save writes st in a transaction conditioned on this replica still being
// the elected rotator (its election key, with its create revision) and on
// the state still being at revision rev.
func (s *Store) Save(ctx context.Context, st *iamcreds.StoredState, rev int64) (int64, error) {
	e := s.leader()
	if e == nil {
		return 0, iamcreds.ErrNotRotator
	}
	val, err := encodeState(s.sealer, s.prefix, st)
	if err != nil {
		return 0, err
	}
	return s.commit(ctx, e, rev, clientv3.OpPut(s.stateKey(), string(val)))
}

// commit runs op if e still leads and the state is at rev.
func (s *Store) commit(ctx context.Context, e *concurrency.Election, rev int64, op clientv3.Op) (int64, error) {
	cctx, cancel := s.reqCtx(ctx)
	defer cancel()
	resp, err := s.cli.Txn(cctx).If(
		clientv3.Compare(clientv3.CreateRevision(e.Key()), "=", e.Rev()),
		clientv3.Compare(clientv3.ModRevision(s.stateKey()), "=", rev),
	).Then(op).Else(clientv3.OpGet(e.Key())).Commit()
	if err != nil {
		return 0, fmt.Errorf("etcdstore: writing %s: %w", s.stateKey(), err)
	}
	if !resp.Succeeded {
		if kvs := resp.Responses[0].GetResponseRange().Kvs; len(kvs) == 0 || kvs[0].CreateRevision != e.Rev() {
			s.depose(e)
			return 0, fmt.Errorf("etcdstore: %w (its election key is gone: the lease expired)", iamcreds.ErrNotRotator)
		}
		return 0, fmt.Errorf("%w: %s is no longer at revision %d", iamcreds.ErrStateConflict, s.stateKey(), rev)
	}
	return resp.Header.Revision, nil
}

// depose records that e no longer leads: the session is given up, so that
// a new one campaigns again.
func (s *Store) depose(e *concurrency.Election) {
	s.mu.Lock()
	sess := s.sess
	if s.elec == e {
		s.elec = nil
	}
	s.mu.Unlock()
	if sess != nil {
		sess.Orphan() // runSessions makes a new session and campaigns again
	}
	s.notify()
}

// Discard deletes the state (none of its keys exists any more), in a
// transaction conditioned as Save's; nothing is kept: without its keys it
// holds nothing worth keeping.
func (s *Store) Discard(ctx context.Context, _ error, rev int64) (string, error) {
	e := s.leader()
	if e == nil {
		return "", iamcreds.ErrNotRotator
	}
	_, err := s.commit(ctx, e, rev, clientv3.OpDelete(s.stateKey()))
	return "", err
}

// Serving records rec under the replica's lease (it goes when the replica
// dies); it is put again with every new lease.
func (s *Store) Serving(ctx context.Context, rec iamcreds.ReplicaRecord) error {
	v := &replicaValue{Replica: s.opts.Replica, KeyID: rec.KeyID, AccessKeyID: rec.AccessKeyID, Revision: rec.Revision,
		Rotator: rec.Rotator, Rejected: rec.Rejected, At: rec.At.UTC()}
	s.mu.Lock()
	s.record = v
	sess := s.sess
	s.mu.Unlock()
	if sess == nil {
		return errors.New("etcdstore: no lease yet (etcd unreachable?); the record is put once there is one")
	}
	return s.putRecord(ctx, sess, v)
}

func (s *Store) putRecord(ctx context.Context, sess *concurrency.Session, v *replicaValue) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	cctx, cancel := s.reqCtx(ctx)
	defer cancel()
	if _, err := s.cli.Put(cctx, s.replicaPfx()+s.opts.Replica, string(b), clientv3.WithLease(sess.Lease())); err != nil {
		return fmt.Errorf("etcdstore: recording replica %s: %w", s.opts.Replica, err)
	}
	return nil
}

// Replicas reads the live replicas' records.
func (s *Store) Replicas(ctx context.Context) ([]iamcreds.ReplicaRecord, error) {
	cctx, cancel := s.reqCtx(ctx)
	defer cancel()
	resp, err := s.cli.Get(cctx, s.replicaPfx(), clientv3.WithPrefix())
	if err != nil {
		return nil, fmt.Errorf("etcdstore: reading the replicas: %w", err)
	}
	out := make([]iamcreds.ReplicaRecord, 0, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		var v replicaValue
		if json.Unmarshal(kv.Value, &v) != nil {
			continue // not ours to judge; a replica rewrites its own
		}
		out = append(out, iamcreds.ReplicaRecord{Replica: v.Replica, KeyID: v.KeyID, AccessKeyID: v.AccessKeyID,
			Revision: v.Revision, Rotator: v.Rotator, Rejected: v.Rejected, At: v.At})
	}
	slices.SortFunc(out, func(a, b iamcreds.ReplicaRecord) int { return strings.Compare(a.Replica, b.Replica) })
	return out, nil
}

// wait waits d on the store's clock, or until ctx ends; it reports whether
// ctx is still alive.
func (s *Store) wait(ctx context.Context, d time.Duration) bool {
	t := s.clk.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return true
	case <-ctx.Done():
		return false
	}
}

// runSessions keeps a session (a lease) for the replica, its record put
// under it, and its candidacy, as long as the store is open.
func (s *Store) runSessions(ctx context.Context) {
	defer s.wg.Done()
	ttl := int(s.opts.LeaseTTL / time.Second)
	for ctx.Err() == nil {
		sess, err := concurrency.NewSession(s.cli, concurrency.WithTTL(ttl), concurrency.WithContext(ctx))
		if err != nil {
			s.log.Debug("etcd session failed", "error", err.Error())
			s.wait(ctx, s.opts.ConfirmEvery)
			continue
		}
		s.mu.Lock()
		s.sess = sess
		rec := s.record
		s.mu.Unlock()
		for rec != nil && ctx.Err() == nil {
			if err := s.putRecord(ctx, sess, rec); err == nil {
				break
			}
			if !s.wait(ctx, s.opts.ConfirmEvery) {
				break
			}
			s.mu.Lock()
			rec = s.record
			s.mu.Unlock()
		}
		if s.scope.FollowOnly {
			select {
			case <-sess.Done():
			case <-ctx.Done():
			}
		} else {
			s.campaign(ctx, sess)
		}
		s.mu.Lock()
		if s.sess == sess {
			s.sess = nil
		}
		s.elec = nil
		s.mu.Unlock()
		s.notify()
		if ctx.Err() == nil {
			sess.Orphan()
		}
	}
}

// campaign runs for rotator on sess until it wins, then holds the role
// until the session ends (or ctx does).
func (s *Store) campaign(ctx context.Context, sess *concurrency.Session) {
	for {
		cctx, cancel := context.WithCancel(ctx)
		stop := context.AfterFunc(sess.Ctx(), cancel)
		e := concurrency.NewElection(sess, s.electionPfx())
		err := e.Campaign(cctx, s.opts.Replica)
		if err == nil {
			// Campaign returns once the older candidates are gone; check
			// that this one's key is still there (its lease may have
			// expired meanwhile).
			rctx, rcancel := s.reqCtx(cctx)
			resp, gerr := s.cli.Get(rctx, e.Key())
			rcancel()
			if gerr == nil && len(resp.Kvs) == 1 && resp.Kvs[0].CreateRevision == e.Rev() {
				s.mu.Lock()
				s.elec = e
				s.term++
				s.rotator = s.opts.Replica
				s.mu.Unlock()
				s.log.Info("elected rotator")
				s.notify()
				select {
				case <-sess.Done():
				case <-ctx.Done():
				}
				stop()
				cancel()
				return
			}
			err = gerr
		}
		stop()
		cancel()
		select {
		case <-sess.Done():
			return
		default:
		}
		if ctx.Err() != nil {
			return
		}
		s.log.Debug("campaign failed", "error", fmt.Sprint(err))
		if !s.wait(ctx, s.opts.ConfirmEvery) {
			return
		}
	}
}

// runWatch watches the fleet's keys: the state and the election (for
// every replica), the replicas' records (for the rotator).
func (s *Store) runWatch(ctx context.Context) {
	defer s.wg.Done()
	var rev int64
	for ctx.Err() == nil {
		wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
		opts := []clientv3.OpOption{clientv3.WithPrefix()}
		if rev > 0 {
			opts = append(opts, clientv3.WithRev(rev+1))
		}
		wch := s.cli.Watch(wctx, s.prefix, opts...)
		s.refreshRotator(ctx)
		s.notify() // something may have changed while no watch ran
		for resp := range wch {
			if resp.Err() != nil {
				if resp.CompactRevision > 0 {
					rev = 0 // compacted: watch from now on
				}
				break
			}
			rotatorChanged, notify := false, false
			for _, ev := range resp.Events {
				k := string(ev.Kv.Key)
				switch {
				case k == s.stateKey():
					notify = true
				case strings.HasPrefix(k, s.electionPfx()):
					rotatorChanged = true
				case strings.HasPrefix(k, s.replicaPfx()):
					if s.leader() != nil {
						notify = true
					}
				}
			}
			if resp.Header.Revision > rev {
				rev = resp.Header.Revision
			}
			if rotatorChanged {
				s.refreshRotator(ctx)
				notify = true
			}
			if notify {
				s.notify()
			}
		}
		cancel()
		if !s.wait(ctx, s.opts.ConfirmEvery/4) {
			return
		}
	}
}

// refreshRotator reads who leads the election (the oldest candidate).
func (s *Store) refreshRotator(ctx context.Context) {
	cctx, cancel := s.reqCtx(ctx)
	defer cancel()
	resp, err := s.cli.Get(cctx, s.electionPfx(), clientv3.WithFirstCreate()...)
	if err != nil {
		return
	}
	name := ""
	if len(resp.Kvs) > 0 {
		name = string(resp.Kvs[0].Value)
	}
	s.mu.Lock()
	s.rotator = name
	s.mu.Unlock()
}

var _ iamcreds.FleetStore = (*Store)(nil)
