package nebius_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/iam/nebius"
)

// subjectOf returns the service account a token of the emulator acts as.
func subjectOf(t *testing.T, srv *nebiustest.Server, tok auth.Token) string {
	t.Helper()
	sub, ok := srv.Registry.ValidateToken(tok.Value.Reveal(), nebiustest.TokenIssuer, time.Now())
	if !ok {
		t.Fatal("the token is not one the emulator issued")
	}
	return sub
}

// TestImpersonatedTokens: the caller's access token is exchanged for a
// token of the target service account, which the emulator issues only
// with a grant; a rejected actor token is refused, reported to the actor
// source and retried once with a fresh one.
func TestImpersonatedTokens(t *testing.T) {
	srv, err := nebiustest.New()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	const caller, target = "serviceaccount-e00caller", "serviceaccount-e00target"
	actor, err := auth.NewStaticTokenSource(iam.NewSecret(srv.IssueToken(caller, time.Hour)), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)

	// No grant: PERMISSION_DENIED, naming the service account.
	ts, err := nebius.ImpersonatedTokens(actor, target, srv.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()
	_, err = ts.AccessToken(ctx)
	if !errors.Is(err, iam.ErrPermissionDenied) || !strings.Contains(err.Error(), target) {
		t.Fatalf("without a grant: %v", err)
	}

	srv.AllowImpersonation(caller, target)
	ts2, err := nebius.ImpersonatedTokens(actor, target, srv.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer ts2.Close()
	tok, err := ts2.AccessToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sub := subjectOf(t, srv, tok); sub != target {
		t.Fatalf("impersonated token acts as %q, want %q", sub, target)
	}
	// The token works with the IAM services, as the target.
	c, err := nebius.New(ts2, srv.ClientOptions(), func(o *nebius.Options) { o.ProjectID = "project-e00imp" })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.AccessKeys().ListPage(ctx, nebius.ListRequest{}); err != nil {
		t.Fatal(err)
	}

	// A grant taken back: refused again.
	srv.RevokeImpersonation(caller, target)
	x, err := nebius.NewTokenExchanger(srv.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if _, err := x.Impersonate(actor, target).Exchange(ctx); !errors.Is(err, iam.ErrPermissionDenied) {
		t.Fatalf("after RevokeImpersonation: %v", err)
	}

	// A bad actor token: UNAUTHENTICATED; the actor source is told and
	// asked again, and its fresh token succeeds.
	srv.AllowImpersonation(caller, target)
	fl := &flakyActor{bad: "v1.revoked-token", good: srv.IssueToken(caller, time.Hour)}
	calls := srv.Calls("TokenExchangeService/Exchange")
	tok, err = x.Impersonate(fl, target).Exchange(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sub := subjectOf(t, srv, tok); sub != target || fl.invalidated != 1 || srv.Calls("TokenExchangeService/Exchange")-calls != 2 {
		t.Fatalf("retry after a rejected actor token: subject %q, %d invalidations, %d exchanges", sub, fl.invalidated,
			srv.Calls("TokenExchangeService/Exchange")-calls)
	}
	bad, _ := auth.NewStaticTokenSource(iam.NewSecret("v1.revoked-token"), time.Time{})
	_, err = x.Impersonate(bad, target).Exchange(ctx)
	if !errors.Is(err, iam.ErrUnauthenticated) || strings.Contains(err.Error(), "v1.revoked-token") {
		t.Fatalf("unknown actor token: %v", err)
	}
	for name, fn := range map[string]func() error{
		"nil actor":     func() error { _, err := nebius.ImpersonatedTokens(nil, target); return err },
		"empty target":  func() error { _, err := nebius.ImpersonatedTokens(actor, " "); return err },
		"exchanger nil": func() error { _, err := x.Impersonate(nil, target).Exchange(ctx); return err },
	} {
		if err := fn(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// flakyActor serves bad until it is invalidated, then good.
type flakyActor struct {
	mu          sync.Mutex
	bad, good   string
	invalidated int
}

func (f *flakyActor) AccessToken(context.Context) (auth.Token, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v := f.bad
	if f.invalidated > 0 {
		v = f.good
	}
	return auth.Token{Value: iam.NewSecret(v), Type: "Bearer"}, nil
}

func (f *flakyActor) Token() (*oauth2.Token, error) {
	t, err := f.AccessToken(context.Background())
	return &oauth2.Token{AccessToken: t.Value.Reveal()}, err
}

func (f *flakyActor) Invalidate() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.invalidated++
}

// federatedWorld is an emulator, an OIDC issuer and federated credentials
// that let the issuer's subject act as a service account.
type federatedWorld struct {
	srv     *nebiustest.Server
	issuer  *nebiustest.OIDCIssuer
	sa      string
	subject string
	jwtFile string
}

func newFederatedWorld(t *testing.T) *federatedWorld {
	t.Helper()
	srv, err := nebiustest.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	issuer, err := nebiustest.NewOIDCIssuer("https://oidc.k8s.example/cluster-1")
	if err != nil {
		t.Fatal(err)
	}
	w := &federatedWorld{srv: srv, issuer: issuer, sa: "serviceaccount-e00workload", subject: "system:serviceaccount:default:app",
		jwtFile: filepath.Join(t.TempDir(), "token")}
	if err := srv.AddFederatedCredentials(nebiustest.FederatedCredentials{
		ServiceAccountID: w.sa, IssuerURL: issuer.URL, FederatedSubjectID: w.subject, JWKSetJSON: issuer.JWKSetJSON(),
	}); err != nil {
		t.Fatal(err)
	}
	w.writeJWT(t, issuer, w.subject, time.Hour, "\n")
	return w
}

func (w *federatedWorld) writeJWT(t *testing.T, iss *nebiustest.OIDCIssuer, sub string, ttl time.Duration, suffix string) string {
	t.Helper()
	jwt, err := iss.IssueJWT(sub, "nebius", time.Now(), ttl)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(w.jwtFile, []byte(jwt.Reveal()+suffix), 0o600); err != nil {
		t.Fatal(err)
	}
	return jwt.Reveal()
}

// TestFederatedTokens: an external OIDC JWT from a file, verified by the
// emulator against the federated credentials (issuer registered with its
// key set, signature, expiry, subject), is exchanged for the service
// account's token; the file is read again for every exchange.
func TestFederatedTokens(t *testing.T) {
	w := newFederatedWorld(t)
	ctx := ctxT(t)
	ts, err := nebius.FederatedTokens(w.sa, w.jwtFile, w.srv.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()
	tok, err := ts.AccessToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sub := subjectOf(t, w.srv, tok); sub != w.sa {
		t.Fatalf("federated token acts as %q, want %q", sub, w.sa)
	}

	x, err := nebius.NewTokenExchanger(w.srv.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	fed := x.FederatedCredentials(w.sa, w.jwtFile)

	// The file is read at every exchange: a rotated JWT of another issuer
	// (with the same iss but its own key) is refused.
	other, _ := nebiustest.NewOIDCIssuer(w.issuer.URL)
	jwt := w.writeJWT(t, other, w.subject, time.Hour, "")
	_, err = fed.Exchange(ctx)
	if !errors.Is(err, iam.ErrUnauthenticated) || strings.Contains(err.Error(), jwt) {
		t.Fatalf("JWT signed by an unknown key: %v", err)
	}
	for _, tc := range []struct {
		name string
		iss  *nebiustest.OIDCIssuer
		sub  string
		ttl  time.Duration
		kind error
		want string
	}{
		{"expired", w.issuer, w.subject, -2 * time.Minute, iam.ErrUnauthenticated, "expired"},
		{"other subject", w.issuer, "system:serviceaccount:default:intruder", time.Hour, iam.ErrPermissionDenied, "may not act as " + w.sa},
	} {
		jwt := w.writeJWT(t, tc.iss, tc.sub, tc.ttl, "")
		_, err := fed.Exchange(ctx)
		if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), jwt) {
			t.Errorf("%s: %v, want %v saying %q", tc.name, err, tc.kind, tc.want)
		}
	}
	// An issuer not registered for the service account.
	stranger, _ := nebiustest.NewOIDCIssuer("https://token.actions.example")
	w.writeJWT(t, stranger, w.subject, time.Hour, "")
	if _, err := fed.Exchange(ctx); !errors.Is(err, iam.ErrUnauthenticated) || !strings.Contains(err.Error(), "is not registered") {
		t.Fatalf("unregistered issuer: %v", err)
	}
	// The registered issuer's JWT, for another service account.
	w.writeJWT(t, w.issuer, w.subject, time.Hour, "")
	if _, err := x.FederatedCredentials("serviceaccount-e00other", w.jwtFile).Exchange(ctx); !errors.Is(err, iam.ErrUnauthenticated) {
		t.Fatalf("issuer not registered for that account: %v", err)
	}
	if tok, err := fed.Exchange(ctx); err != nil || subjectOf(t, w.srv, tok) != w.sa {
		t.Fatalf("valid JWT again: %v", err)
	}

	// A file that is not one JWT fails before any call, naming the file.
	calls := w.srv.Calls("TokenExchangeService/Exchange")
	for name, data := range map[string]string{"empty": "\n", "two": "a.b.c\nd.e.f\n", "not a JWT": "opaque-token"} {
		_ = os.WriteFile(w.jwtFile, []byte(data), 0o600)
		if _, err := fed.Exchange(ctx); err == nil || !strings.Contains(err.Error(), w.jwtFile) {
			t.Errorf("%s file: %v", name, err)
		}
	}
	_ = os.Remove(w.jwtFile)
	if _, err := fed.Exchange(ctx); err == nil || !strings.Contains(err.Error(), w.jwtFile) {
		t.Errorf("missing file: %v", err)
	}
	if n := w.srv.Calls("TokenExchangeService/Exchange"); n != calls {
		t.Fatalf("bad files reached the service (%d calls)", n-calls)
	}
	if _, err := nebius.FederatedTokens("", w.jwtFile); err == nil {
		t.Fatal("empty service account accepted")
	}
	if _, err := nebius.FederatedTokens(w.sa, ""); err == nil {
		t.Fatal("empty file accepted")
	}
}

// TestFederatedCredentialsRegistration: the emulator refuses federated
// credentials it could not verify against.
func TestFederatedCredentialsRegistration(t *testing.T) {
	srv, err := nebiustest.New()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	iss, _ := nebiustest.NewOIDCIssuer("https://oidc.example")
	good := nebiustest.FederatedCredentials{ServiceAccountID: "sa", IssuerURL: iss.URL, FederatedSubjectID: "sub", JWKSetJSON: iss.JWKSetJSON()}
	for name, edit := range map[string]func(*nebiustest.FederatedCredentials){
		"no service account": func(f *nebiustest.FederatedCredentials) { f.ServiceAccountID = "" },
		"no subject":         func(f *nebiustest.FederatedCredentials) { f.FederatedSubjectID = "" },
		"no key set":         func(f *nebiustest.FederatedCredentials) { f.JWKSetJSON = "" },
		"not a URL":          func(f *nebiustest.FederatedCredentials) { f.IssuerURL = "oidc.example" },
		"not JWKS":           func(f *nebiustest.FederatedCredentials) { f.JWKSetJSON = "[]" },
		"no RSA key":         func(f *nebiustest.FederatedCredentials) { f.JWKSetJSON = `{"keys":[{"kty":"EC"}]}` },
	} {
		fc := good
		edit(&fc)
		if err := srv.AddFederatedCredentials(fc); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := srv.AddFederatedCredentials(good); err != nil {
		t.Fatal(err)
	}
}
