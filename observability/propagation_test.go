package observability_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
	"golang.org/x/oauth2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/iam/iamtest/outscaletest"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
	"github.com/iamkit/iamkit/iam/nebius"
	"github.com/iamkit/iamkit/iam/outscale"
	"github.com/iamkit/iamkit/iam/yandex"
)

// headerLog records the trace-context headers of every request sent
// through it.
type headerLog struct {
	mu   sync.Mutex
	sent []http.Header
}

func (l *headerLog) add(h http.Header) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sent = append(l.sent, h)
}

func (l *headerLog) all() []http.Header {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]http.Header(nil), l.sent...)
}

// RoundTrip records r's headers and sends it.
func (l *headerLog) RoundTrip(r *http.Request) (*http.Response, error) {
	l.add(r.Header.Clone())
	return http.DefaultTransport.RoundTrip(r)
}

// client returns an HTTP client that records through l.
func (l *headerLog) client() *http.Client { return &http.Client{Transport: l} }

// interceptor records the outgoing metadata of every gRPC call.
func (l *headerLog) interceptor() grpc.DialOption {
	return grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		md, _ := metadata.FromOutgoingContext(ctx)
		h := http.Header{}
		for k, v := range md {
			h[http.CanonicalHeaderKey(k)] = v
		}
		l.add(h)
		return invoker(ctx, method, req, reply, cc, opts...)
	})
}

// TestTraceContextPropagation checks the propagation decision on each
// client and on the token exchange: by default no traceparent, tracestate
// or baggage leaves the program, even with a global propagator installed
// and baggage on the context; with PropagateTraceContext each request
// carries the traceparent of its call's span, and still no baggage.
func TestTraceContextPropagation(t *testing.T) {
	prev := otel.GetTextMapPropagator()
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	t.Cleanup(func() { otel.SetTextMapPropagator(prev) })
	member, err := baggage.NewMember("user", "alice")
	if err != nil {
		t.Fatal(err)
	}
	bag, err := baggage.New(member)
	if err != nil {
		t.Fatal(err)
	}

	type flow struct {
		name string
		span string // the call span whose context is sent
		run  func(t *testing.T, ctx context.Context, r *rec, log *headerLog, propagate bool)
	}
	flows := []flow{
		{"yandex", "yandex AccessKeyService/List", func(t *testing.T, ctx context.Context, r *rec, log *headerLog, propagate bool) {
			srv, err := yandextest.New()
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			c, err := yandex.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: srv.IssueToken(srv.ServiceAccountID(), time.Hour)}),
				srv.ClientOptions(), func(o *yandex.Options) {
					o.HTTPClient, o.PropagateTraceContext = log.client(), propagate
					o.TracerProvider, o.MeterProvider = r.tp, r.mp
				})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.AccessKeys().ListPage(ctx, yandex.ListAccessKeysRequest{ServiceAccountID: srv.ServiceAccountID()}); err != nil {
				t.Fatal(err)
			}
		}},
		{"outscale", "outscale ReadAccessKeys", func(t *testing.T, ctx context.Context, r *rec, log *headerLog, propagate bool) {
			srv, err := outscaletest.New()
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			c, err := outscale.New(srv.ClientOptions(srv.Root), func(o *outscale.Options) {
				o.HTTPClient, o.PropagateTraceContext = log.client(), propagate
				o.TracerProvider, o.MeterProvider = r.tp, r.mp
			})
			if err != nil {
				t.Fatal(err)
			}
			// The emulator verifies the signature, which covers traceparent.
			if _, err := c.AccessKeys().List(ctx, outscale.ReadAccessKeysRequest{}); err != nil {
				t.Fatal(err)
			}
		}},
		{"nebius exchange", "nebius TokenExchange", func(t *testing.T, ctx context.Context, r *rec, log *headerLog, propagate bool) {
			g := newNebiusTokenRig(t)
			src, err := nebiusauth.ServiceAccount(g.key, func(o *auth.ServiceAccountOptions) {
				o.Endpoint, o.HTTPClient, o.PropagateTraceContext = g.endpoint, log.client(), propagate
				o.TracerProvider, o.MeterProvider = r.tp, r.mp
			})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			if _, err := src.AccessToken(ctx); err != nil {
				t.Fatal(err)
			}
		}},
		{"nebius", "nebius AccessKeyService/List", func(t *testing.T, ctx context.Context, r *rec, log *headerLog, propagate bool) {
			g := newNebiusTokenRig(t)
			sa, err := g.nebius.NewServiceAccount("")
			if err != nil {
				t.Fatal(err)
			}
			c, err := nebius.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: g.nebius.IssueToken(sa.ID, time.Hour)}),
				g.nebius.ClientOptions(), func(o *nebius.Options) {
					o.ProjectID, o.PropagateTraceContext = sa.ProjectID, propagate
					o.DialOptions = append(o.DialOptions, log.interceptor())
					o.TracerProvider, o.MeterProvider = r.tp, r.mp
				})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := c.AccessKeys().ListPage(ctx, nebius.ListRequest{}); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, f := range flows {
		for _, propagate := range []bool{false, true} {
			name := f.name + "/default"
			if propagate {
				name = f.name + "/PropagateTraceContext"
			}
			t.Run(name, func(t *testing.T) {
				r := newRec(t)
				log := &headerLog{}
				ctx, caller := r.testSpan(baggage.ContextWithBaggage(context.Background(), bag), "caller")
				f.run(t, ctx, r, log, propagate)
				caller.End()
				sent := log.all()
				if len(sent) == 0 {
					t.Fatal("no request was recorded")
				}
				spans := r.ended(f.span)
				if len(spans) != 1 {
					t.Fatalf("%d %q spans; spans: %s", len(spans), f.span, r.names())
				}
				sc := spans[0].SpanContext()
				want := "00-" + sc.TraceID().String() + "-" + sc.SpanID().String() + "-01"
				for i, h := range sent {
					if h.Get("Baggage") != "" {
						t.Errorf("request %d carries baggage %q", i, h.Get("Baggage"))
					}
					got := h.Get("Traceparent")
					switch {
					case !propagate && (got != "" || h.Get("Tracestate") != ""):
						t.Errorf("request %d carries traceparent %q by default", i, got)
					case propagate && got != want:
						t.Errorf("request %d traceparent %q, want %q (the call's span)", i, got, want)
					}
				}
			})
		}
	}
}
