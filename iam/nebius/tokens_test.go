package nebius_test

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/iam/nebius"
)

func saKey(t *testing.T, sa *nebiustest.ServiceAccount) *auth.ServiceAccountKey {
	t.Helper()
	key, err := nebiusauth.ParseCredentials([]byte(sa.CredentialsJSON.Reveal()), "credentials.json")
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// TestServiceAccountTokensOverGRPC: a service account's JWT is exchanged at
// the emulator's TokenExchangeService, and the token works with the IAM
// client; one set of options points both at the emulator.
func TestServiceAccountTokensOverGRPC(t *testing.T) {
	srv, err := nebiustest.New()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	sa, err := srv.NewServiceAccount("")
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := nebius.ServiceAccountTokens(saKey(t, sa), srv.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer tokens.Close()
	if tokens.Address() != srv.Addr {
		t.Fatalf("exchange address %q, emulator %q", tokens.Address(), srv.Addr)
	}
	c, err := nebius.New(tokens, srv.ClientOptions(), func(o *nebius.Options) { o.ProjectID = sa.ProjectID })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := ctxT(t)
	for range 3 {
		if _, err := c.AccessKeys().Create(ctx, nebius.CreateAccessKeyRequest{Account: nebius.ServiceAccount(sa.ID)}); err != nil {
			t.Fatal(err)
		}
	}
	tok, err := tokens.AccessToken(ctx)
	if err != nil || tok.Type != "Bearer" || time.Until(tok.Expiry) < 11*time.Hour {
		t.Fatalf("token %v, %v", tok, err)
	}
	if n := srv.Calls("TokenExchangeService/Exchange"); n != 1 {
		t.Fatalf("%d exchanges, want 1 (the cache reuses the token)", n)
	}
	if sub, ok := srv.Registry.ValidateToken(tok.Value.Reveal(), nebiustest.TokenIssuer, time.Now()); !ok || sub != sa.ID {
		t.Fatalf("token subject %q, %v", sub, ok)
	}
}

// TestDomainMovesIAMAndTokenExchange: one Domain setting moves both the IAM
// client (cpl.iam.<domain>:443) and the token exchange
// (tokens.iam.<domain>:443). The emulator serves TLS for *.iam.nebius.test
// and its client options resolve those names to it without DNS.
func TestDomainMovesIAMAndTokenExchange(t *testing.T) {
	srv, err := nebiustest.New(func(o *nebiustest.Options) { o.TLS, o.Domain = true, "nebius.test" })
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	sa, err := srv.NewServiceAccount("")
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := nebius.ServiceAccountTokens(saKey(t, sa), srv.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer tokens.Close()
	c, err := nebius.New(tokens, srv.ClientOptions(), func(o *nebius.Options) { o.ProjectID = sa.ProjectID })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if tokens.Address() != "tokens.iam.nebius.test:443" || c.Address() != "cpl.iam.nebius.test:443" {
		t.Fatalf("addresses: exchange %q, IAM %q", tokens.Address(), c.Address())
	}
	ctx := ctxT(t)
	k, err := c.AccessKeys().Create(ctx, nebius.CreateAccessKeyRequest{Account: nebius.ServiceAccount(sa.ID)})
	if err != nil {
		t.Fatal(err)
	}
	if k.Secret.IsZero() || srv.Calls("TokenExchangeService/Exchange") != 1 || srv.Calls("AccessKeyService/Create") != 1 {
		t.Fatalf("key %v; %d exchanges", k, srv.Calls("TokenExchangeService/Exchange"))
	}
	// The same through $NEBIUS_ENDPOINT, with the emulator's CA and
	// resolver but no Domain option.
	t.Setenv(nebius.EnvEndpoint, "nebius.test")
	fromEnv := func(o *nebius.Options) { srv.ClientOptions()(o); o.Domain = "" }
	x, err := nebius.NewTokenExchanger(fromEnv)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	c2, err := nebius.New(tokens, fromEnv)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if x.Address() != "tokens.iam.nebius.test:443" || c2.Address() != "cpl.iam.nebius.test:443" {
		t.Fatalf("from %s: exchange %q, IAM %q", nebius.EnvEndpoint, x.Address(), c2.Address())
	}
	signer, err := nebiusauth.NewSigner(saKey(t, sa))
	if err != nil {
		t.Fatal(err)
	}
	if tok, err := x.ServiceAccount(signer).Exchange(ctx); err != nil || tok.Value.IsZero() {
		t.Fatalf("exchange via %s: %v, %v", nebius.EnvEndpoint, tok, err)
	}
	// Plaintext is refused for a name that is not loopback.
	if _, err := nebius.NewTokenExchanger(func(o *nebius.Options) { o.Domain, o.Plaintext = "nebius.test", true }); err == nil ||
		!strings.Contains(err.Error(), "plaintext is allowed only for loopback") {
		t.Fatalf("plaintext to tokens.iam.nebius.test: %v", err)
	}
}

// countingSigner signs with a real signer and counts the JWTs.
type countingSigner struct {
	s auth.JWTSigner
	n atomic.Int32
}

func (c *countingSigner) SignJWT(now time.Time) (iam.Secret, error) {
	c.n.Add(1)
	return c.s.SignJWT(now)
}

// TestTokenExchangeErrors: a JWT the service refuses is
// iam.ErrUnauthenticated without the JWT in the text; bad input is
// refused before any call; what the emulator does not emulate (actor
// tokens) is UNIMPLEMENTED; a retried exchange carries a newly signed JWT.
func TestTokenExchangeErrors(t *testing.T) {
	srv, err := nebiustest.New()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	sa, err := srv.NewServiceAccount("")
	if err != nil {
		t.Fatal(err)
	}
	x, err := nebius.NewTokenExchanger(srv.ClientOptions(), func(o *nebius.Options) { o.BaseDelay, o.MaxDelay = time.Millisecond, time.Millisecond })
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	ctx := ctxT(t)

	// A key the service does not know.
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	unknown, _ := auth.NewServiceAccountKey("publickey-unknown", sa.ID, priv)
	us, _ := nebiusauth.NewSigner(unknown)
	jwt, _ := us.SignJWT(time.Now())
	_, err = x.Exchange(ctx, nebius.ExchangeRequest{SubjectToken: jwt, SubjectTokenType: nebius.TokenTypeJWT})
	var ie *iam.Error
	if !errors.As(err, &ie) || !errors.Is(err, iam.ErrUnauthenticated) || ie.GRPCCode != int(codes.Unauthenticated) ||
		ie.Op != "TokenExchangeService/Exchange" || strings.Contains(err.Error(), jwt.Reveal()) {
		t.Fatalf("unknown key: %v", err)
	}
	calls := srv.Calls("TokenExchangeService/Exchange")
	for name, req := range map[string]nebius.ExchangeRequest{
		"no subject token": {SubjectTokenType: nebius.TokenTypeJWT},
		"no subject type":  {SubjectToken: jwt},
		"actor without type": {SubjectToken: iam.NewSecret("serviceaccount-x"), SubjectTokenType: nebius.TokenTypeSubjectIdentifier,
			ActorToken: iam.NewSecret("tok")},
	} {
		if _, err := x.Exchange(ctx, req); !errors.Is(err, iam.ErrInvalidArgument) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if n := srv.Calls("TokenExchangeService/Exchange"); n != calls {
		t.Fatalf("bad input reached the service (%d calls)", n-calls)
	}
	// Impersonation (issue 15 builds on the request's actor fields) is not
	// emulated.
	_, err = x.Exchange(ctx, nebius.ExchangeRequest{SubjectToken: iam.NewSecret(sa.ID), SubjectTokenType: nebius.TokenTypeSubjectIdentifier,
		ActorToken: iam.NewSecret(srv.IssueToken(sa.ID, time.Hour)), ActorTokenType: nebius.TokenTypeAccessToken})
	if !errors.As(err, &ie) || ie.GRPCCode != int(codes.Unimplemented) {
		t.Fatalf("impersonation: %v", err)
	}

	// A retried exchange signs again.
	signer, err := nebiusauth.NewSigner(saKey(t, sa))
	if err != nil {
		t.Fatal(err)
	}
	cs := &countingSigner{s: signer}
	srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Match: "TokenExchangeService/Exchange"})
	tok, err := x.ServiceAccount(cs).Exchange(ctx)
	if err != nil || tok.Value.IsZero() || cs.n.Load() != 2 {
		t.Fatalf("retried exchange: %v, %v; %d JWTs signed, want 2", tok, err, cs.n.Load())
	}
	if _, err := x.ServiceAccount(nil).Exchange(ctx); !errors.Is(err, iam.ErrInvalidArgument) {
		t.Fatalf("nil signer: %v", err)
	}
}

// TestTokenExchangerValidation: the exchanger's options are checked like
// the client's.
func TestTokenExchangerValidation(t *testing.T) {
	for name, fn := range map[string]func(*nebius.Options){
		"bad address":         func(o *nebius.Options) { o.TokenExchangeAddress = "no-port" },
		"plaintext to remote": func(o *nebius.Options) { o.Plaintext = true },
		"negative attempts":   func(o *nebius.Options) { o.MaxAttempts = -1 },
	} {
		if x, err := nebius.NewTokenExchanger(fn); err == nil {
			x.Close()
			t.Errorf("%s: accepted", name)
		}
	}
	t.Setenv(nebius.EnvEndpoint, "")
	x, err := nebius.NewTokenExchanger(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if x.Address() != "tokens.iam.api.nebius.cloud:443" {
		t.Fatalf("default address %q", x.Address())
	}
	if _, err := nebius.ServiceAccountTokens(nil); err == nil {
		t.Fatal("nil key accepted")
	}
}
