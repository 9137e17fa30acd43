package metadatatoken_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/metadatatoken"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
)

// TestSource checks the shared mechanism: the provider's header is sent,
// the token is fetched again once it has served MaxRefreshAge (lazily, on
// a call, on the injected clock), it is never served past its expiry, and
// a 404 is iam.ErrNotFound naming the URL.
func TestSource(t *testing.T) {
	var n atomic.Int64
	var missing atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Metadata") != "true" {
			http.Error(w, "no header", http.StatusForbidden)
			return
		}
		if missing.Load() {
			http.Error(w, "none", http.StatusNotFound)
			return
		}
		w.Write([]byte("tok" + strconv.FormatInt(n.Add(1), 10)))
	}))
	defer srv.Close()
	clk := iamtest.NewFakeClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	saved := make(chan struct{}, 4)
	ts, err := metadatatoken.NewSource(metadatatoken.Config{
		Provider: iam.Nebius, Package: "test", URL: srv.URL,
		Header: http.Header{"Metadata": {"true"}}, Timeout: time.Second, MaxAttempts: 1, Clock: clk,
		Parse: func(body []byte, sent, _ time.Time) (auth.Token, error) {
			return auth.Token{Value: iam.NewSecret(string(body)), Expiry: sent.Add(10 * time.Minute)}, nil
		},
		Cache:                auth.CacheOptions{Jitter: 1e-9, Store: store(saved), StoreKey: "k"},
		DefaultMaxRefreshAge: time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()
	ctx := context.Background()
	get := func() string {
		t.Helper()
		tok, err := ts.AccessToken(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return tok.Value.Reveal()
	}
	if got := get(); got != "tok1" {
		t.Fatalf("first token %q", got)
	}
	<-saved
	clk.Advance(30 * time.Second)
	if got := get(); got != "tok1" || n.Load() != 1 {
		t.Fatalf("within MaxRefreshAge: %q after %d fetches", got, n.Load())
	}
	clk.Advance(30 * time.Second)
	get() // stale: served, and one fetch starts
	<-saved
	if got := get(); got != "tok2" {
		t.Fatalf("after MaxRefreshAge: %q, want tok2", got)
	}
	missing.Store(true)
	clk.Advance(11 * time.Minute) // past the expiry: never served
	_, err = ts.AccessToken(ctx)
	if !errors.Is(err, iam.ErrNotFound) {
		t.Fatalf("404 past expiry: %v, want iam.ErrNotFound", err)
	}
}

type store chan struct{}

func (store) Load(string) (auth.Token, bool) { return auth.Token{}, false }

func (s store) Save(string, auth.Token) error {
	s <- struct{}{}
	return nil
}
