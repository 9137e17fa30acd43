package nebius_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/resolver"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/iam/nebius"
	"github.com/iamkit/iamkit/internal/chaindial"
)

// countingDNS stands for gRPC's "dns" resolver on one connection: it counts
// the names it is asked to resolve and resolves none.
type countingDNS struct {
	mu    *sync.Mutex
	names *[]string
}

func (r countingDNS) Build(t resolver.Target, cc resolver.ClientConn, _ resolver.BuildOptions) (resolver.Resolver, error) {
	r.mu.Lock()
	*r.names = append(*r.names, t.Endpoint())
	r.mu.Unlock()
	cc.ReportError(errors.New("countingDNS: not resolved"))
	return r, nil
}
func (countingDNS) Scheme() string                        { return "dns" }
func (countingDNS) ResolveNow(resolver.ResolveNowOptions) {}
func (countingDNS) Close()                                {}

// TestChainDialsThroughTheGuardWithoutDNS: every connection of a default
// chain's configuration (the gRPC token exchange at tokens.iam.<domain> and
// the IAM client made with Config.ClientOptions at cpl.iam.<domain>) is
// dialled through internal/chaindial, which sees the host name before any
// lookup: a non-loopback name is refused by the guard and no name is
// resolved.
func TestChainDialsThroughTheGuardWithoutDNS(t *testing.T) {
	w := newChainWorld(t)
	creds := w.writeFile(t, "creds.json", w.sa.CredentialsJSON.Reveal())
	w.writeConfig(t, "profiles:\n  p:\n    endpoint: nebius.invalid\n    auth-type: service account\n"+
		"    service-account-credentials-file-path: "+creds+"\n    parent-id: "+w.sa.ProjectID+"\n")
	var (
		mu      sync.Mutex
		names   []string
		dialled []string
	)
	restore := chaindial.SetHook(func(_, addr string) error {
		mu.Lock()
		defer mu.Unlock()
		if len(dialled) == 0 || dialled[len(dialled)-1] != addr {
			dialled = append(dialled, addr) // a redial of the same address counts once
		}
		return errors.New("refused by the test")
	})
	defer restore()
	noDNS := func(o *nebius.Options) {
		o.MaxAttempts = 1
		o.DialOptions = append(o.DialOptions, grpc.WithResolvers(countingDNS{mu: &mu, names: &names}))
	}
	cfg, err := nebius.LoadDefaultConfig(ctxT(t), func(o *nebius.LoadOptions) {
		o.Getenv = w.getenv
		o.ClientOptions = []func(*nebius.Options){noDNS}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer cfg.Close()
	if _, err := auth.TokenFrom(ctxT(t), cfg.TokenSource); err == nil {
		t.Fatal("the token exchange at nebius.invalid succeeded")
	}

	// The IAM client, with a token that needs no exchange.
	w.env[nebiusauth.EnvIAMToken] = w.emu.IssueToken(w.sa.ID, 0)
	cfg2, err := nebius.LoadDefaultConfig(ctxT(t), func(o *nebius.LoadOptions) {
		o.Getenv = w.getenv
		o.ClientOptions = []func(*nebius.Options){noDNS}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer cfg2.Close()
	c, err := nebius.New(cfg2.TokenSource, cfg2.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.AccessKeys().ListPage(ctxT(t), nebius.ListRequest{}); err == nil {
		t.Fatal("a call to cpl.iam.nebius.invalid succeeded")
	}

	mu.Lock()
	defer mu.Unlock()
	if len(names) != 0 {
		t.Errorf("names resolved before the guard saw them: %q", names)
	}
	if got, want := strings.Join(dialled, ","), "tokens.iam.nebius.invalid:443,cpl.iam.nebius.invalid:443"; got != want {
		t.Errorf("the guard saw %q, want %q", got, want)
	}
}
