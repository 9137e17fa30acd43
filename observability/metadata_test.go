package observability_test

import (
	"context"
	"errors"
	"testing"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
)

// metadataRig is a VM metadata emulator of one provider.
type metadataRig struct {
	provider string
	tokenURL string
	detach   func() // detaches the VM's service account: the next fetch is a 404
	source   func(t *testing.T, r *rec) *auth.Cache
}

func newMetadataRigs(t *testing.T) []*metadataRig {
	t.Helper()
	n, err := iamtest.NewNebiusMetadataServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	y, err := iamtest.NewYandexMetadataServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(y.Close)
	closeLater := func(t *testing.T, c *auth.Cache, err error) *auth.Cache {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	return []*metadataRig{
		{
			provider: "nebius", tokenURL: n.TokenURL, detach: func() { n.SetServiceAccount("") },
			source: func(t *testing.T, r *rec) *auth.Cache {
				c, err := nebiusauth.MetadataTokenSource(func(o *nebiusauth.MetadataOptions) {
					o.URL, o.MaxAttempts = n.TokenURL, 1
					o.TracerProvider, o.MeterProvider = r.tp, r.mp
				})
				return closeLater(t, c, err)
			},
		},
		{
			provider: "yandex", tokenURL: y.URL + iamtest.YandexMetadataTokenPath, detach: func() { y.SetServiceAccount("") },
			source: func(t *testing.T, r *rec) *auth.Cache {
				c, err := yandexauth.MetadataTokenSource(func(o *yandexauth.MetadataOptions) {
					o.Addr, o.MaxAttempts = y.Addr, 1
					o.TracerProvider, o.MeterProvider = r.tp, r.mp
				})
				return closeLater(t, c, err)
			},
		},
	}
}

// TestMetadataTokenFetch checks the telemetry of a VM metadata token
// source, as of the other exchanges: a cold fetch makes one client span
// "<provider> MetadataToken" under the cache's refresh span, with the
// HTTP client attributes and no token, and an iamkit.api.calls point with
// result ok; a fetch the service refuses (no service account: 404) makes
// a span with status Error and error.type 404, and a not_found point.
func TestMetadataTokenFetch(t *testing.T) {
	for _, g := range newMetadataRigs(t) {
		t.Run(g.provider, func(t *testing.T) {
			r := newRec(t)
			c := g.source(t, r)
			ctx, caller := r.testSpan(context.Background(), "caller")
			tok, err := c.AccessToken(ctx)
			if err != nil {
				t.Fatal(err)
			}
			caller.End()

			name := g.provider + " MetadataToken"
			fetch := r.one(t, name)
			refresh := r.one(t, "auth.Cache/Refresh")
			childOf(t, refresh, r.one(t, "caller"))
			childOf(t, fetch, refresh)
			if fetch.SpanKind().String() != "client" {
				t.Errorf("metadata span kind %v, want client", fetch.SpanKind())
			}
			wantAttrs(t, fetch, map[string]any{
				"iamkit.provider": g.provider, "iamkit.operation": "MetadataToken", "iamkit.result": "ok",
				"iamkit.attempts": 1, "http.request.method": "GET", "http.response.status_code": 200,
				"server.address": "127.0.0.1", "server.port": "*", "url.full": g.tokenURL,
			})
			noAttrs(t, fetch, "error.type", "http.request.resend_count")
			var can canaries
			can.add(tok.Value.Reveal())
			for _, kv := range append(fetch.Attributes(), refresh.Attributes()...) {
				if l := can.leaks(kv.Value.Emit()); len(l) > 0 {
					t.Errorf("attribute %s holds the token", kv.Key)
				}
			}
			ms := r.collect(t)
			p := "iamkit.provider=" + g.provider
			wantSum(t, ms, 1, "iamkit.api.calls", p, "iamkit.operation=MetadataToken", "iamkit.result=ok")
			if n := histCount(ms, "iamkit.api.call.duration", p, "iamkit.operation=MetadataToken"); n != 1 {
				t.Errorf("iamkit.api.call.duration count %d, want 1", n)
			}
			wantSum(t, ms, 1, "iamkit.token.refreshes", p, "iamkit.result=ok")

			// A failing fetch, from a new source (the first one has a
			// token cached).
			g.detach()
			r2 := newRec(t)
			_, err = g.source(t, r2).AccessToken(context.Background())
			if !errors.Is(err, iam.ErrNotFound) {
				t.Fatalf("AccessToken without a service account: %v, want iam.ErrNotFound", err)
			}
			failed := r2.one(t, name)
			wantAttrs(t, failed, map[string]any{
				"iamkit.provider": g.provider, "iamkit.operation": "MetadataToken", "iamkit.result": "not_found",
				"iamkit.attempts": 1, "http.response.status_code": 404, "error.type": "404",
			})
			if failed.Status().Code.String() != "Error" {
				t.Errorf("failed metadata span status %v, want Error", failed.Status())
			}
			if countEvents(failed, "exception") != 1 {
				t.Errorf("failed metadata span events %v, want one exception", events(failed))
			}
			ms = r2.collect(t)
			wantSum(t, ms, 1, "iamkit.api.calls", p, "iamkit.operation=MetadataToken", "iamkit.result=not_found")
			wantSum(t, ms, 0, "iamkit.api.calls", p, "iamkit.result=ok")
		})
	}
}
