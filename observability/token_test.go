package observability_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
	"github.com/iamkit/iamkit/iam/nebius"
)

// tokenRig is a service account's key with the token emulator that
// exchanges its JWTs.
type tokenRig struct {
	provider string
	key      *auth.ServiceAccountKey
	endpoint string          // the HTTP token URL ("" for the gRPC exchange)
	faults   *iamtest.Faults // of the HTTP token emulator
	nebius   *nebiustest.Server
}

func newNebiusTokenRig(t *testing.T) *tokenRig {
	t.Helper()
	reg := iamtest.NewRegistry()
	tokens, err := iamtest.NewNebiusTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = reg })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tokens.Close)
	srv, err := nebiustest.New(func(o *nebiustest.Options) { o.Registry = reg })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	sa, err := srv.NewServiceAccount("")
	if err != nil {
		t.Fatal(err)
	}
	key, err := nebiusauth.ParseCredentials([]byte(sa.CredentialsJSON.Reveal()), "credentials.json")
	if err != nil {
		t.Fatal(err)
	}
	return &tokenRig{provider: "nebius", key: key, endpoint: tokens.URL, faults: tokens.Faults, nebius: srv}
}

func newYandexTokenRig(t *testing.T) *tokenRig {
	t.Helper()
	reg := iamtest.NewRegistry()
	tokens, err := iamtest.NewYandexTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = reg })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tokens.Close)
	srv, err := yandextest.New(func(o *yandextest.Options) { o.Registry = reg })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	keyJSON, err := srv.BootstrapKeyFile()
	if err != nil {
		t.Fatal(err)
	}
	key, err := yandexauth.ParseKey(keyJSON, "bootstrap")
	if err != nil {
		t.Fatal(err)
	}
	return &tokenRig{provider: "yandex", key: key, endpoint: tokens.URL, faults: tokens.Faults}
}

// serviceAccount returns the HTTP token source of the rig, recording to r.
func (g *tokenRig) serviceAccount(t *testing.T, r *rec) *auth.Cache {
	t.Helper()
	opts := func(o *auth.ServiceAccountOptions) {
		o.Endpoint, o.TracerProvider, o.MeterProvider = g.endpoint, r.tp, r.mp
	}
	var (
		c   *auth.Cache
		err error
	)
	if g.provider == "nebius" {
		c, err = nebiusauth.ServiceAccount(g.key, opts)
	} else {
		c, err = yandexauth.ServiceAccount(g.key, opts)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestColdTokenFetch checks the spans and metric points of a first
// AccessToken, which waits for an exchange: a refresh span (a child of the
// caller's span) with the exchange's client span under it, and a count in
// each token metric.
func TestColdTokenFetch(t *testing.T) {
	for _, g := range []*tokenRig{newNebiusTokenRig(t), newYandexTokenRig(t)} {
		t.Run(g.provider, func(t *testing.T) {
			r := newRec(t)
			c := g.serviceAccount(t, r)
			ctx, caller := r.testSpan(context.Background(), "caller")
			if _, err := c.AccessToken(ctx); err != nil {
				t.Fatal(err)
			}
			caller.End()

			refresh := r.one(t, "auth.Cache/Refresh")
			exchange := r.one(t, g.provider+" TokenExchange")
			childOf(t, refresh, r.one(t, "caller"))
			childOf(t, exchange, refresh)
			wantAttrs(t, refresh, map[string]any{
				"iamkit.provider": g.provider, "iamkit.result": "ok", "iamkit.token.refresh.trigger": "expired",
				"iamkit.token.lifetime": "*",
			})
			if exchange.SpanKind().String() != "client" {
				t.Errorf("exchange span kind %v, want client", exchange.SpanKind())
			}
			wantAttrs(t, exchange, map[string]any{
				"iamkit.provider": g.provider, "iamkit.operation": "TokenExchange", "iamkit.result": "ok",
				"iamkit.attempts": 1, "http.request.method": "POST", "http.response.status_code": 200,
				"server.address": "127.0.0.1", "server.port": "*", "url.full": g.endpoint,
				"iamkit.request.id": "*",
			})
			noAttrs(t, exchange, "http.request.resend_count", "error.type")
			if len(exchange.Events()) != 0 {
				t.Errorf("exchange span events %v, want none", events(exchange))
			}
			if exchange.Status().Code.String() == "Error" {
				t.Errorf("exchange span status %v", exchange.Status())
			}

			ms := r.collect(t)
			p := "iamkit.provider=" + g.provider
			wantSum(t, ms, 1, "iamkit.api.calls", p, "iamkit.operation=TokenExchange", "iamkit.result=ok")
			wantSum(t, ms, 0, "iamkit.api.retries", p)
			wantSum(t, ms, 1, "iamkit.token.refreshes", p, "iamkit.result=ok")
			wantSum(t, ms, 1, "iamkit.token.cache.waits", p, "iamkit.result=ok")
			if n := histCount(ms, "iamkit.token.refresh.duration", p, "iamkit.result=ok"); n != 1 {
				t.Errorf("iamkit.token.refresh.duration count %d, want 1", n)
			}
			if n := histCount(ms, "iamkit.api.call.duration", p, "iamkit.operation=TokenExchange"); n != 1 {
				t.Errorf("iamkit.api.call.duration count %d, want 1", n)
			}
			// The emulators issue 12-hour tokens.
			if v, ok := gaugeValue(ms, "iamkit.token.expires_in", p); !ok || v < 11*3600 || v > 12*3600 {
				t.Errorf("iamkit.token.expires_in = %v (%v), want about 12h in seconds", v, ok)
			}
			for _, name := range []string{"iamkit.api.calls", "iamkit.token.refreshes", "iamkit.api.call.duration", "iamkit.token.expires_in"} {
				if ms[name].Unit == "" {
					t.Errorf("metric %s has no unit", name)
				}
			}
			// Closing the cache ends the expiry gauge.
			_ = c.Close()
			if _, ok := gaugeValue(r.collect(t), "iamkit.token.expires_in", p); ok {
				t.Error("iamkit.token.expires_in is still observed after Close")
			}
		})
	}
}

// TestCacheHitRecordsNothing checks that serving a cached token makes no
// span and changes no metric, and allocates nothing, with a real SDK
// installed.
func TestCacheHitRecordsNothing(t *testing.T) {
	g := newYandexTokenRig(t)
	r := newRec(t)
	c := g.serviceAccount(t, r)
	ctx := context.Background()
	if _, err := c.AccessToken(ctx); err != nil {
		t.Fatal(err)
	}
	spans := len(r.ended(""))
	before := r.collect(t)
	ctx, caller := r.testSpan(ctx, "caller")
	for range 100 {
		if _, err := c.AccessToken(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Token(); err != nil {
			t.Fatal(err)
		}
	}
	if allocs := testing.AllocsPerRun(100, func() { _, _ = c.AccessToken(ctx) }); allocs != 0 {
		t.Errorf("a cache hit allocates %v times with an SDK installed, want 0", allocs)
	}
	caller.End()
	if got := len(r.ended("")); got != spans+1 {
		t.Errorf("cache hits made %d spans (%s), want none", got-spans-1, r.names())
	}
	if n := len(r.one(t, "caller").Events()); n != 0 {
		t.Errorf("cache hits added %d events to the caller's span", n)
	}
	after := r.collect(t)
	for _, name := range []string{"iamkit.api.calls", "iamkit.token.refreshes", "iamkit.token.cache.waits"} {
		b, _ := sum(before, name)
		a, _ := sum(after, name)
		if a != b {
			t.Errorf("%s went from %d to %d over cache hits", name, b, a)
		}
	}
	if b, a := histCount(before, "iamkit.token.refresh.duration"), histCount(after, "iamkit.token.refresh.duration"); a != b {
		t.Errorf("iamkit.token.refresh.duration count went from %d to %d", b, a)
	}
}

// TestFailingExchangeWithRetries checks a token exchange that the service
// refuses with 503 on every attempt: one client span with three attempts,
// two retry events, the error recorded and the status Error; the retries
// and the failure counted; the refresh failed and the waiting caller told.
func TestFailingExchangeWithRetries(t *testing.T) {
	for _, g := range []*tokenRig{newNebiusTokenRig(t), newYandexTokenRig(t)} {
		t.Run(g.provider, func(t *testing.T) {
			r := newRec(t)
			g.faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Status: http.StatusServiceUnavailable, Times: -1})
			t.Cleanup(g.faults.Clear)
			var x auth.Exchanger
			if g.provider == "nebius" {
				s, err := nebiusauth.NewSigner(g.key)
				if err != nil {
					t.Fatal(err)
				}
				x, err = nebiusauth.NewExchanger(s, func(o *nebiusauth.ExchangerOptions) {
					o.Endpoint, o.BaseDelay, o.MaxDelay = g.endpoint, time.Millisecond, time.Millisecond
					o.TracerProvider, o.MeterProvider = r.tp, r.mp
				})
				if err != nil {
					t.Fatal(err)
				}
			} else {
				s, err := yandexauth.NewSigner(g.key)
				if err != nil {
					t.Fatal(err)
				}
				x, err = yandexauth.NewExchanger(s, func(o *yandexauth.ExchangerOptions) {
					o.Endpoint, o.BaseDelay, o.MaxDelay = g.endpoint, time.Millisecond, time.Millisecond
					o.TracerProvider, o.MeterProvider = r.tp, r.mp
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			c, err := auth.NewCache(x, func(o *auth.CacheOptions) { o.TracerProvider, o.MeterProvider = r.tp, r.mp })
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_, err = c.AccessToken(context.Background())
			if !errors.Is(err, iam.ErrUnavailable) {
				t.Fatalf("AccessToken: %v, want iam.ErrUnavailable", err)
			}

			exchange := r.one(t, g.provider+" TokenExchange")
			wantAttrs(t, exchange, map[string]any{
				"iamkit.result": "unavailable", "error.type": "503", "iamkit.attempts": 3,
				"http.request.resend_count": 2, "http.response.status_code": 503, "iamkit.request.id": "*",
			})
			if n := countEvents(exchange, "retry"); n != 2 {
				t.Errorf("%d retry events (%v), want 2", n, events(exchange))
			}
			if n := countEvents(exchange, "exception"); n != 1 {
				t.Errorf("%d exception events, want 1", n)
			}
			if exchange.Status().Code.String() != "Error" || exchange.Status().Description != "unavailable" {
				t.Errorf("exchange status %v, want Error unavailable", exchange.Status())
			}
			refresh := r.one(t, "auth.Cache/Refresh")
			childOf(t, exchange, refresh)
			wantAttrs(t, refresh, map[string]any{"iamkit.result": "unavailable", "iamkit.provider": g.provider})
			noAttrs(t, refresh, "iamkit.token.lifetime")

			ms := r.collect(t)
			p := "iamkit.provider=" + g.provider
			wantSum(t, ms, 2, "iamkit.api.retries", p, "iamkit.operation=TokenExchange")
			wantSum(t, ms, 1, "iamkit.api.calls", p, "iamkit.operation=TokenExchange", "iamkit.result=unavailable")
			wantSum(t, ms, 0, "iamkit.api.calls", p, "iamkit.result=ok")
			wantSum(t, ms, 1, "iamkit.token.refreshes", p, "iamkit.result=unavailable")
			wantSum(t, ms, 1, "iamkit.token.cache.waits", p, "iamkit.result=unavailable")
			if _, ok := gaugeValue(ms, "iamkit.token.expires_in", p); ok {
				t.Error("iamkit.token.expires_in observed without a token")
			}
		})
	}
}

// TestGRPCTokenExchange checks the Nebius gRPC exchange: a cold fetch
// through nebius.ServiceAccountTokens makes an RPC client span, and an
// UNAVAILABLE answer is retried and counted.
func TestGRPCTokenExchange(t *testing.T) {
	g := newNebiusTokenRig(t)
	r := newRec(t)
	g.nebius.InjectError(nebiustest.InjectedError{Match: "TokenExchangeService/Exchange", Code: codes.Unavailable})
	src, err := nebius.ServiceAccountTokens(g.key, g.nebius.ClientOptions(), func(o *nebius.Options) {
		o.TracerProvider, o.MeterProvider = r.tp, r.mp
		o.BaseDelay, o.MaxDelay = time.Millisecond, time.Millisecond
	})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, err := src.AccessToken(context.Background()); err != nil {
		t.Fatal(err)
	}
	exchange := r.one(t, "nebius TokenExchange") // the logical operation, as over HTTP
	childOf(t, exchange, r.one(t, "auth.Cache/Refresh"))
	wantAttrs(t, exchange, map[string]any{
		"rpc.system.name": "grpc", "rpc.method": "nebius.iam.v1.TokenExchangeService/Exchange",
		"rpc.response.status_code": "OK", "iamkit.attempts": 2, "iamkit.result": "ok",
		"server.address": "*", "server.port": "*", "iamkit.provider": "nebius",
	})
	noAttrs(t, exchange, "http.request.resend_count", "iamkit.resource.id")
	if n := countEvents(exchange, "retry"); n != 1 {
		t.Errorf("%d retry events, want 1", n)
	}
	ms := r.collect(t)
	wantSum(t, ms, 1, "iamkit.api.retries", "iamkit.provider=nebius", "iamkit.operation=TokenExchange")
	wantSum(t, ms, 1, "iamkit.token.refreshes", "iamkit.provider=nebius", "iamkit.result=ok")
}
