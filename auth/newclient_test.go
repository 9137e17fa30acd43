package auth_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
)

// TestNewClientKeepsWhatOAuth2ClientLoses backs the package doc's advice to
// prefer auth.NewClient over oauth2.NewClient with the same Cache: after a
// 401 auth.NewClient retries once with a fresh token (oauth2.NewClient
// returns the 401, and the next request is refused again); a redirect to
// another host carries no token with auth.NewClient (oauth2.Transport puts
// it on every hop); and the request's context bounds the wait for a token
// with auth.NewClient.
func TestNewClientKeepsWhatOAuth2ClientLoses(t *testing.T) {
	clients := map[string]func(src oauth2.TokenSource) *http.Client{
		"auth.NewClient":   auth.NewClient,
		"oauth2.NewClient": func(src oauth2.TokenSource) *http.Client { return oauth2.NewClient(context.Background(), src) },
	}
	// sequence exchanges token-1, token-2, … (each valid for an hour).
	sequence := func(t *testing.T) (*auth.Cache, *atomic.Int64) {
		var n atomic.Int64
		c, err := auth.NewCache(auth.ExchangerFunc(func(context.Context) (auth.Token, error) {
			i := n.Add(1)
			return auth.Token{Value: iam.NewSecret("token-" + strconv.FormatInt(i, 10)), Type: "Bearer", Expiry: time.Now().Add(time.Hour)}, nil
		}))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c, &n
	}

	t.Run("401", func(t *testing.T) {
		// The server accepts only token-2: token-1 was revoked.
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer token-2" {
				w.WriteHeader(http.StatusUnauthorized)
			}
		}))
		defer srv.Close()
		want := map[string][2]int{"auth.NewClient": {200, 200}, "oauth2.NewClient": {401, 401}}
		for name, newClient := range clients {
			c, exchanges := sequence(t)
			client := newClient(c)
			var got [2]int
			for i := range got {
				resp, err := client.Get(srv.URL)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				resp.Body.Close()
				got[i] = resp.StatusCode
			}
			if got != want[name] {
				t.Errorf("%s: statuses %v, want %v (%d exchanges)", name, got, want[name], exchanges.Load())
			}
		}
	})

	t.Run("redirect", func(t *testing.T) {
		var seen atomic.Value
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen.Store(r.Header.Get("Authorization"))
		}))
		defer other.Close()
		// Another host name for the same loopback server: net/http drops
		// Authorization on such a hop, oauth2.Transport adds it back.
		target := strings.Replace(other.URL, "127.0.0.1", "localhost", 1) + "/elsewhere"
		first := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target, http.StatusFound)
		}))
		defer first.Close()
		want := map[string]string{"auth.NewClient": "", "oauth2.NewClient": "Bearer token-1"}
		for name, newClient := range clients {
			c, _ := sequence(t)
			seen.Store("(no request)")
			resp, err := newClient(c).Get(first.URL)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			resp.Body.Close()
			if got := seen.Load(); got != want[name] {
				t.Errorf("%s: the other host got Authorization %q, want %q", name, got, want[name])
			}
		}
	})

	t.Run("context", func(t *testing.T) {
		started, release := make(chan struct{}), make(chan struct{})
		c, err := auth.NewCache(auth.ExchangerFunc(func(context.Context) (auth.Token, error) {
			close(started)
			<-release
			return auth.Token{}, errors.New("released")
		}))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		defer close(release)
		srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		defer srv.Close()
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		done := make(chan error, 1)
		go func() {
			resp, err := auth.NewClient(c).Do(req)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			done <- err
		}()
		<-started
		cancel()
		// The token service still hangs: only the request's context can
		// have ended the call.
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("auth.NewClient with a canceled request while the token service hangs: err = %v, want context.Canceled", err)
		}
	})
}
