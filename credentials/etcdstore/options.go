package etcdstore

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/safeprint"
)

// Options configures [New].
type Options struct {
	// Client, when set, is the etcd client the store uses (with its own
	// endpoints, TLS and authentication); the store does not close it.
	// Otherwise the store makes one from Endpoints, TLS, Username,
	// Password, DialTimeout and DialOptions, and closes it on Close.
	Client *clientv3.Client
	// Endpoints are the etcd members' URLs ("https://etcd-1:2379", …).
	Endpoints []string
	// TLS is the client's TLS configuration (CA, client certificate) for
	// https endpoints; nil for plain http.
	TLS *tls.Config
	// Username and Password authenticate to etcd (its auth), when set.
	Username string
	Password iam.Secret
	// DialTimeout bounds the first connection; default 5s. DialOptions
	// are passed to gRPC (for example grpc.WithConnectParams, to reconnect
	// sooner than gRPC's default backoff after a partition).
	DialTimeout time.Duration
	DialOptions []grpc.DialOption

	// Prefix is the root of iamkit's keys in etcd; default "iamkit/". A
	// fleet's keys live under Prefix + url.PathEscape(account) + "/" +
	// url.PathEscape(Policy.Description) + "/", so that several fleets
	// (accounts, marks) share one etcd.
	Prefix string
	// Replica names this replica in the fleet (its record, the election,
	// Status and events): 1 to 64 of [A-Za-z0-9._-]. Default: the host
	// name and 6 random hex digits. Two live replicas must not share a
	// name.
	Replica string
	// SealingKeys are the AES-256 keys that seal the secrets written to
	// etcd: the first seals, every one opens. Rotate in two phases across
	// the fleet: add the new key last on every replica, then put it first
	// on every replica, then, once the rotator has written the state
	// again, drop the old one (see the package documentation, # Sealed
	// secrets). Required: no secret is ever written in plaintext.
	SealingKeys []SealingKey

	// LeaseTTL is the TTL of the replica's etcd lease (its session: its
	// record and its candidacy): a replica whose lease expires is no
	// longer live, and a rotator whose lease expires is replaced. Whole
	// seconds, at least 1; default 10s.
	LeaseTTL time.Duration
	// Fence is how long after etcd last confirmed the state a replica
	// stops serving its key (it is cut off; the rotator may retire the
	// key). At most LeaseTTL; default LeaseTTL.
	Fence time.Duration
	// AckTimeout is how long after a switch the rotator waits for every
	// live replica to serve the new key before it retires the old one
	// without them. At least Fence + 2 × RequestTimeout (a replica that
	// did not acknowledge is fenced by then); default 2 × Fence.
	AckTimeout time.Duration
	// ConfirmEvery is how often each replica reads the state to confirm
	// it; at most Fence/2; default Fence/5.
	ConfirmEvery time.Duration
	// RequestTimeout bounds each etcd request; shorter than Fence -
	// ConfirmEvery; default Fence/2.
	RequestTimeout time.Duration
	// Logger receives the store's own events (never a secret); default:
	// the provider's logger.
	Logger *slog.Logger
}

func (o *Options) setDefaults() {
	if o.DialTimeout == 0 {
		o.DialTimeout = 5 * time.Second
	}
	if o.Prefix == "" {
		o.Prefix = "iamkit/"
	}
	if o.Replica == "" {
		host, _ := os.Hostname()
		host = strings.Map(func(c rune) rune {
			if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' {
				return c
			}
			return '-'
		}, host)
		if len(host) > 50 {
			host = host[:50]
		}
		var b [3]byte
		_, _ = rand.Read(b[:])
		o.Replica = strings.TrimPrefix(host+"-", "-") + hex.EncodeToString(b[:])
	}
	if o.LeaseTTL == 0 {
		o.LeaseTTL = 10 * time.Second
	}
	if o.Fence == 0 {
		o.Fence = o.LeaseTTL
	}
	if o.AckTimeout == 0 {
		o.AckTimeout = 2 * o.Fence
	}
	if o.ConfirmEvery == 0 {
		o.ConfirmEvery = o.Fence / 5
	}
	if o.RequestTimeout == 0 {
		o.RequestTimeout = o.Fence / 2
	}
}

func (o *Options) validate() error {
	if o.Client == nil && len(o.Endpoints) == 0 {
		return errors.New("etcdstore: Options.Endpoints is empty and Options.Client is nil; give the etcd members' URLs")
	}
	for i, ep := range o.Endpoints {
		if strings.TrimSpace(ep) == "" {
			return fmt.Errorf("etcdstore: Options.Endpoints[%d] is blank", i)
		}
	}
	switch {
	case o.Username == "" && !o.Password.IsZero():
		return errors.New("etcdstore: Options.Password is set without Options.Username")
	case !strings.HasSuffix(o.Prefix, "/"):
		return fmt.Errorf("etcdstore: Options.Prefix %q must end with '/'", o.Prefix)
	case o.DialTimeout < 0:
		return fmt.Errorf("etcdstore: Options.DialTimeout %v must not be negative", o.DialTimeout)
	case o.LeaseTTL < time.Second || o.LeaseTTL%time.Second != 0:
		return fmt.Errorf("etcdstore: Options.LeaseTTL %v must be whole seconds, at least 1s (etcd leases count seconds)", o.LeaseTTL)
	case o.Fence <= 0 || o.Fence > o.LeaseTTL:
		return fmt.Errorf("etcdstore: Options.Fence %v must be positive and at most LeaseTTL %v (a replica whose lease expired is fenced by then)", o.Fence, o.LeaseTTL)
	case o.ConfirmEvery <= 0 || o.ConfirmEvery > o.Fence/2:
		return fmt.Errorf("etcdstore: Options.ConfirmEvery %v must be positive and at most Fence/2 (%v)", o.ConfirmEvery, o.Fence/2)
	case o.RequestTimeout <= 0:
		return fmt.Errorf("etcdstore: Options.RequestTimeout %v must be positive", o.RequestTimeout)
	case o.RequestTimeout >= o.Fence-o.ConfirmEvery:
		return fmt.Errorf("etcdstore: Options.RequestTimeout %v must be shorter than Fence (%v) - ConfirmEvery (%v), so that a replica confirms the state before it is fenced", o.RequestTimeout, o.Fence, o.ConfirmEvery)
	case o.AckTimeout < o.Fence+2*o.RequestTimeout:
		// A replica that did not acknowledge a switch (cut off) last
		// read the state before the switch's write returned: the write
		// and that read each take up to RequestTimeout, and the replica
		// fences Fence after it sent the read.
		return fmt.Errorf("etcdstore: Options.AckTimeout %v must be at least Fence (%v) + 2 × RequestTimeout (%v), so that a replica that did not acknowledge a switch is fenced before the old key is retired", o.AckTimeout, o.Fence, o.RequestTimeout)
	}
	if err := validName(o.Replica); err != nil {
		return fmt.Errorf("etcdstore: Options.Replica: %w", err)
	}
	return nil
}

func validName(s string) error {
	if s == "" || len(s) > 64 {
		return fmt.Errorf("%q must be 1 to 64 characters long", s)
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return fmt.Errorf("%q may contain only letters, digits, '.', '-' and '_'", s)
		}
	}
	return nil
}

// String returns the options as %v prints them, without the password or
// the sealing keys.
func (o Options) String() string { return safeprint.String(o) }

// GoString returns the options as %#v prints them, without secrets.
func (o Options) GoString() string { return safeprint.GoString(o) }

// Format prints the options under every verb without secrets.
func (o Options) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, o) }

// LogValue makes slog print the options without secrets.
func (o Options) LogValue() slog.Value { return safeprint.LogValue(o) }
