package observability_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/iam/iamtest/outscaletest"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
	"github.com/iamkit/iamkit/iam/nebius"
	"github.com/iamkit/iamkit/iam/outscale"
	"github.com/iamkit/iamkit/iam/yandex"
)

// keyRig is one cloud's key emulator and a KeyManager in front of it whose
// client records to a rec.
type keyRig struct {
	provider           string
	km                 iam.KeyManager
	createOp, deleteOp string
	rpc                bool   // gRPC (Nebius) rather than HTTP
	missing            string // a well-formed ID of no key
	clock              *iamtest.FakeClock
}

func newKeyRigs(t *testing.T, r *rec, clk *iamtest.FakeClock) []*keyRig {
	return []*keyRig{newNebiusKeyRig(t, r, clk), newYandexKeyRig(t, r, clk), newOutscaleKeyRig(t, r, clk)}
}

func newNebiusKeyRig(t *testing.T, r *rec, clk *iamtest.FakeClock) *keyRig {
	t.Helper()
	srv, err := nebiustest.New(func(o *nebiustest.Options) { o.Clock = clk })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	sa, err := srv.NewServiceAccount("")
	if err != nil {
		t.Fatal(err)
	}
	tok := srv.IssueToken(sa.ID, 100000*time.Hour)
	c, err := nebius.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok}), srv.ClientOptions(), func(o *nebius.Options) {
		o.ProjectID, o.Clock = sa.ProjectID, clk
		o.TracerProvider, o.MeterProvider = r.tp, r.mp
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	km, err := nebius.NewKeyManager(c, nebius.ServiceAccount(sa.ID))
	if err != nil {
		t.Fatal(err)
	}
	return &keyRig{provider: "nebius", km: km, createOp: "AccessKeyService/Create", deleteOp: "AccessKeyService/Delete",
		rpc: true, missing: "accesskey-e00nosuchkey0000000", clock: clk}
}

func newYandexKeyRig(t *testing.T, r *rec, clk *iamtest.FakeClock) *keyRig {
	t.Helper()
	srv, err := yandextest.New(func(o *yandextest.Options) { o.Clock = clk })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	tok := srv.IssueToken(srv.ServiceAccountID(), 100000*time.Hour)
	c, err := yandex.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok}), srv.ClientOptions(), func(o *yandex.Options) {
		o.Clock, o.PollInterval = clk, time.Millisecond
		o.TracerProvider, o.MeterProvider = r.tp, r.mp
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	km, err := yandex.NewKeyManager(c, srv.ServiceAccountID())
	if err != nil {
		t.Fatal(err)
	}
	return &keyRig{provider: "yandex", km: km, createOp: "AccessKeyService/Create", deleteOp: "AccessKeyService/Delete",
		missing: "ajenosuchkey00000000", clock: clk}
}

func newOutscaleKeyRig(t *testing.T, r *rec, clk *iamtest.FakeClock) *keyRig {
	t.Helper()
	srv, err := outscaletest.New(func(o *outscaletest.Options) { o.Clock = clk })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	c, err := outscale.New(srv.ClientOptions(srv.Root), func(o *outscale.Options) {
		o.Clock = clk
		o.TracerProvider, o.MeterProvider = r.tp, r.mp
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	km, err := outscale.NewKeyManager(c)
	if err != nil {
		t.Fatal(err)
	}
	return &keyRig{provider: "outscale", km: km, createOp: "CreateAccessKey", deleteOp: "DeleteAccessKey",
		missing: "NOSUCHKEY00000000000", clock: clk}
}

// TestKeyCreateDelete checks the spans and metric points of a key's
// creation and deletion on each cloud, through its KeyManager against its
// emulator: one client span per API call, a child of the caller's span,
// with the resource ID, the request ID and the result; a count per
// operation and result. A deletion of no key records its failure.
func TestKeyCreateDelete(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now())
	r := newRec(t)
	for _, g := range newKeyRigs(t, r, clk) {
		t.Run(g.provider, func(t *testing.T) {
			r.spans.Reset()
			before := r.collect(t)
			ctx, caller := r.testSpan(context.Background(), "caller")
			k, err := g.km.CreateKey(ctx, iam.CreateKeyRequest{Description: "otel-test", ExpiresAt: clk.Now().Add(24 * time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			if err := g.km.DeleteKey(ctx, k.ID); err != nil {
				t.Fatal(err)
			}
			err = g.km.DeleteKey(ctx, g.missing)
			if !errors.Is(err, iam.ErrNotFound) {
				t.Fatalf("DeleteKey(%s): %v, want iam.ErrNotFound", g.missing, err)
			}
			caller.End()
			callerSpan := r.one(t, "caller")
			t.Logf("spans: %s", r.names())

			create := r.one(t, g.provider+" "+g.createOp)
			deletes := r.ended(g.provider + " " + g.deleteOp)
			if len(deletes) != 2 {
				t.Fatalf("%d delete spans, want 2; spans: %s", len(deletes), r.names())
			}
			del, missing := deletes[0], deletes[1]
			common := func(op, resource, result string) map[string]any {
				m := map[string]any{
					"iamkit.provider": g.provider, "iamkit.operation": op, "iamkit.result": result,
					"iamkit.resource.id": resource, "iamkit.request.id": "*", "iamkit.attempts": 1,
					"server.address": "127.0.0.1", "server.port": "*",
				}
				if g.rpc {
					m["rpc.system.name"] = "grpc"
					m["rpc.method"] = "*"
					m["rpc.response.status_code"] = "*"
				} else {
					m["http.request.method"] = "*"
					m["http.response.status_code"] = "*"
					m["url.full"] = "*"
				}
				return m
			}
			wantAttrs(t, create, common(g.createOp, k.ID, "ok"))
			wantAttrs(t, del, common(g.deleteOp, k.ID, "ok"))
			wantAttrs(t, missing, common(g.deleteOp, g.missing, "not_found"))
			// error.type is the status code: its name over gRPC, the HTTP
			// status as a string over HTTP (the semantic conventions).
			if g.rpc {
				wantAttrs(t, missing, map[string]any{"error.type": "NOT_FOUND", "rpc.response.status_code": "NOT_FOUND"})
			} else if st, ok := attrs(missing)["http.response.status_code"]; !ok || st.AsInt64() < 400 {
				t.Errorf("failed delete: http.response.status_code %v, want an error status", st)
			} else {
				wantAttrs(t, missing, map[string]any{"error.type": st.Emit()})
			}
			if missing.Status().Code.String() != "Error" {
				t.Errorf("failed delete: status %v, want Error", missing.Status())
			}
			childOf(t, create, callerSpan)
			childOf(t, del, callerSpan)
			if create.SpanKind().String() != "client" {
				t.Errorf("create span kind %v, want client", create.SpanKind())
			}
			if g.rpc {
				wantAttrs(t, create, map[string]any{"rpc.method": "nebius.iam.v2.AccessKeyService/Create", "rpc.response.status_code": "OK"})
				wantAttrs(t, missing, map[string]any{"rpc.response.status_code": "NOT_FOUND"})
			} else {
				wantAttrs(t, create, map[string]any{"http.response.status_code": 200})
				noAttrs(t, create, "rpc.system.name")
			}
			for _, s := range r.ended("") {
				if s.Name() != "caller" && s.SpanKind().String() != "client" {
					t.Errorf("span %q of kind %v, want client", s.Name(), s.SpanKind())
				}
			}

			ms := r.collect(t)
			p := "iamkit.provider=" + g.provider
			delta := func(op, result string) int64 {
				a, _ := sum(ms, "iamkit.api.calls", p, "iamkit.operation="+op, "iamkit.result="+result)
				b, _ := sum(before, "iamkit.api.calls", p, "iamkit.operation="+op, "iamkit.result="+result)
				return a - b
			}
			if d := delta(g.createOp, "ok"); d != 1 {
				t.Errorf("iamkit.api.calls{%s, %s, ok} grew by %d, want 1 (%s)", g.provider, g.createOp, d, points(ms, "iamkit.api.calls"))
			}
			if d := delta(g.deleteOp, "ok"); d != 1 {
				t.Errorf("iamkit.api.calls{%s, %s, ok} grew by %d, want 1", g.provider, g.deleteOp, d)
			}
			if d := delta(g.deleteOp, "not_found"); d != 1 {
				t.Errorf("iamkit.api.calls{%s, %s, not_found} grew by %d, want 1", g.provider, g.deleteOp, d)
			}
			if n := histCount(ms, "iamkit.api.call.duration", p, "iamkit.operation="+g.createOp) - histCount(before, "iamkit.api.call.duration", p, "iamkit.operation="+g.createOp); n != 1 {
				t.Errorf("iamkit.api.call.duration{%s} count grew by %d, want 1", g.createOp, n)
			}
			// No key or resource ID in any metric attribute.
			for name := range ms {
				for _, id := range []string{k.ID, k.AccessKeyID, g.missing} {
					if id != "" && containsAttrValue(ms[name], id) {
						t.Errorf("metric %s carries the ID %s", name, id)
					}
				}
			}
		})
	}
}

// TestRejectedTokenRetried checks a call whose first token the service
// rejects (HTTP 401, gRPC UNAUTHENTICATED): the client gets a fresh token
// and sends the call again, which the span shows as two attempts and a
// retry event, and iamkit.api.retries counts.
func TestRejectedTokenRetried(t *testing.T) {
	r := newRec(t)
	ctx := context.Background()
	// tokens returns a cache that hands out a token the service does not
	// know first, then good ones.
	tokens := func(good func() string) *auth.Cache {
		n := 0
		c, err := auth.NewCache(auth.ExchangerFunc(func(context.Context) (auth.Token, error) {
			n++
			v := good()
			if n == 1 {
				v = "not-a-token-of-the-emulator"
			}
			return auth.Token{Value: iam.NewSecret(v), Expiry: time.Now().Add(time.Hour)}, nil
		}))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}

	ysrv, err := yandextest.New()
	if err != nil {
		t.Fatal(err)
	}
	defer ysrv.Close()
	yc, err := yandex.New(tokens(func() string { return ysrv.IssueToken(ysrv.ServiceAccountID(), time.Hour) }), ysrv.ClientOptions(),
		func(o *yandex.Options) { o.TracerProvider, o.MeterProvider = r.tp, r.mp })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := yc.AccessKeys().ListPage(ctx, yandex.ListAccessKeysRequest{ServiceAccountID: ysrv.ServiceAccountID()}); err != nil {
		t.Fatal(err)
	}

	nsrv, err := nebiustest.New()
	if err != nil {
		t.Fatal(err)
	}
	defer nsrv.Close()
	sa, err := nsrv.NewServiceAccount("")
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nebius.New(tokens(func() string { return nsrv.IssueToken(sa.ID, time.Hour) }), nsrv.ClientOptions(),
		func(o *nebius.Options) { o.ProjectID, o.TracerProvider, o.MeterProvider = sa.ProjectID, r.tp, r.mp })
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := nc.AccessKeys().ListPage(ctx, nebius.ListRequest{}); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct{ span, status, value string }{
		{"yandex AccessKeyService/List", "http.response.status_code", "401"},
		{"nebius AccessKeyService/List", "rpc.response.status_code", "UNAUTHENTICATED"},
	} {
		s := r.one(t, c.span)
		wantAttrs(t, s, map[string]any{"iamkit.attempts": 2, "iamkit.result": "ok"})
		var retry []string
		for _, e := range s.Events() {
			if e.Name == "retry" {
				for _, kv := range e.Attributes {
					if string(kv.Key) == c.status {
						retry = append(retry, kv.Value.Emit())
					}
				}
			}
		}
		if len(retry) != 1 || retry[0] != c.value {
			t.Errorf("%s: retry events with %s %q, want one with %s", c.span, c.status, retry, c.value)
		}
	}
	ms := r.collect(t)
	wantSum(t, ms, 1, "iamkit.api.retries", "iamkit.provider=yandex", "iamkit.operation=AccessKeyService/List")
	wantSum(t, ms, 1, "iamkit.api.retries", "iamkit.provider=nebius", "iamkit.operation=AccessKeyService/List")
}
