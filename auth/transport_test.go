package auth_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/clock"
)

// bearerServer accepts only the token in *want and echoes the body.
func bearerServer(t *testing.T, want *atomic.Value, hits *atomic.Int64) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Header.Get("Authorization") != "Bearer "+want.Load().(string) {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":"invalid token"}`)
			return
		}
		body, _ := io.ReadAll(r.Body)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestTransportAddsBearerAndRetriesOnceAfter401(t *testing.T) {
	clk := clock.NewFake(t0)
	u := newUpstream(clk, time.Hour)
	c := newCache(t, u)
	var want atomic.Value
	want.Store("token-2") // the first token will be rejected
	var hits atomic.Int64
	srv := bearerServer(t, &want, &hits)

	client := &http.Client{Transport: auth.NewTransport(c, nil)}
	req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader([]byte("payload")))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "payload" {
		t.Fatalf("status %d body %q, want 200 and the replayed body", resp.StatusCode, body)
	}
	if hits.Load() != 2 || u.calls.Load() != 2 {
		t.Fatalf("server hits %d, exchanges %d; want 2 and 2", hits.Load(), u.calls.Load())
	}

	// A token the server keeps rejecting: one retry only, then the 401.
	want.Store("nothing-matches")
	hits.Store(0)
	resp, err = client.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || hits.Load() != 2 {
		t.Fatalf("status %d after %d hits, want 401 after exactly 2", resp.StatusCode, hits.Load())
	}
}

func TestTransportStaticSourceDoesNotRetry(t *testing.T) {
	src, err := auth.NewStaticTokenSource(iam.NewSecret("static-token"), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var want atomic.Value
	want.Store("other")
	var hits atomic.Int64
	srv := bearerServer(t, &want, &hits)
	resp, err := auth.NewClient(src).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || hits.Load() != 1 {
		t.Fatalf("status %d hits %d, want 401 after 1", resp.StatusCode, hits.Load())
	}
	want.Store("static-token")
	resp, err = auth.NewClient(src).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
}

func TestTransportTokenErrorIsReturned(t *testing.T) {
	x := auth.ExchangerFunc(func(context.Context) (auth.Token, error) { return auth.Token{}, io.ErrUnexpectedEOF })
	c, err := auth.NewCache(x)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = auth.NewClient(c).Get("http://127.0.0.1:1/")
	if err == nil || !strings.Contains(err.Error(), "unexpected EOF") {
		t.Fatalf("err = %v, want the exchange error", err)
	}
}

func TestTokenFromPlainOAuth2Source(t *testing.T) {
	src, _ := auth.NewStaticTokenSource(iam.NewSecret("abc"), time.Time{})
	// Hide the context method: TokenFrom must fall back to Token().
	plain := struct{ tokenOnly }{tokenOnly{src}}
	tok, err := auth.TokenFrom(context.Background(), plain)
	if err != nil || tok.Value.Reveal() != "abc" || tok.Type != "Bearer" {
		t.Fatalf("tok=%v err=%v", tok, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := auth.TokenFrom(ctx, plain); err == nil {
		t.Fatal("cancelled ctx: want an error")
	}
}

func TestTransportLeavesCallersRequestUntouched(t *testing.T) {
	clk := clock.NewFake(t0)
	u := newUpstream(clk, time.Hour)
	c := newCache(t, u)
	var want atomic.Value
	want.Store("token-2") // reject the first token: the retry path runs too
	var hits atomic.Int64
	srv := bearerServer(t, &want, &hits)

	req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader("payload"))
	req.Header.Set("X-Caller", "kept")
	resp, err := auth.NewTransport(c, nil).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || hits.Load() != 2 {
		t.Fatalf("status %d after %d hits, want 200 after 2", resp.StatusCode, hits.Load())
	}
	if got := req.Header.Get("Authorization"); got != "" {
		t.Fatalf("caller's request was given Authorization %q", got)
	}
	if len(req.Header) != 1 || req.Header.Get("X-Caller") != "kept" {
		t.Fatalf("caller's headers changed: %v", req.Header)
	}
}

// onceReader is a body http.NewRequest cannot replay (no GetBody).
type onceReader struct{ r io.Reader }

func (o *onceReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func TestTransportDoesNotRetryUnreplayableBody(t *testing.T) {
	clk := clock.NewFake(t0)
	u := newUpstream(clk, time.Hour)
	c := newCache(t, u)
	var want atomic.Value
	want.Store("token-2")
	var hits atomic.Int64
	srv := bearerServer(t, &want, &hits)

	req, _ := http.NewRequest(http.MethodPost, srv.URL, &onceReader{strings.NewReader("payload")})
	if req.GetBody != nil {
		t.Fatal("test setup: body must not be replayable")
	}
	resp, err := auth.NewTransport(c, nil).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || hits.Load() != 1 {
		t.Fatalf("status %d after %d hits, want the 401 after 1 (no replay)", resp.StatusCode, hits.Load())
	}
}

// sameTokenSource can be invalidated but always serves the same token.
type sameTokenSource struct {
	invalidated atomic.Int64
}

func (s *sameTokenSource) Token() (*oauth2.Token, error) {
	return &oauth2.Token{AccessToken: "same", TokenType: "Bearer"}, nil
}
func (s *sameTokenSource) Invalidate() { s.invalidated.Add(1) }

func TestTransportNeverResendsTheRejectedToken(t *testing.T) {
	var want atomic.Value
	want.Store("other")
	var hits atomic.Int64
	srv := bearerServer(t, &want, &hits)
	src := &sameTokenSource{}
	resp, err := auth.NewClient(src).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || hits.Load() != 1 || src.invalidated.Load() != 1 {
		t.Fatalf("status %d hits %d invalidations %d, want 401 after 1 hit and 1 invalidation",
			resp.StatusCode, hits.Load(), src.invalidated.Load())
	}
}
