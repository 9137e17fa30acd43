package source_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/authtest"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
)

// The service-account sources of both providers, built on this package.

// TestServiceAccountPipeline runs key → signer → exchanger → cache →
// transport against the token emulators and a resource server that accepts
// only tokens the emulator issued.
func TestServiceAccountPipeline(t *testing.T) {
	for _, tc := range []struct {
		name   string
		issuer string
		start  func(*iamtest.Registry, iam.Clock) (url string, exchanges func() int, close func())
		source func(*auth.ServiceAccountKey, ...func(*auth.ServiceAccountOptions)) (*auth.Cache, error)
	}{
		{"nebius", "nebius", func(r *iamtest.Registry, c iam.Clock) (string, func() int, func()) {
			s, err := iamtest.NewNebiusTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = r; o.Clock = c })
			if err != nil {
				t.Fatal(err)
			}
			return s.URL, func() int { return s.Calls("") }, s.Close
		}, nebiusauth.ServiceAccount},
		{"yandex", "yandex", func(r *iamtest.Registry, c iam.Clock) (string, func() int, func()) {
			s, err := iamtest.NewYandexTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = r; o.Clock = c })
			if err != nil {
				t.Fatal(err)
			}
			return s.URL, func() int { return s.Calls("") }, s.Close
		}, yandexauth.ServiceAccount},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := iamtest.NewFakeClock(time.Now())
			reg := iamtest.NewRegistry()
			url, exchanges, stop := tc.start(reg, clk)
			defer stop()
			key := registeredKey(t, reg, "key-"+tc.name, "sa-"+tc.name)

			store, _ := auth.NewDiskStore(filepath.Join(t.TempDir(), "tokens.json"), func(o *auth.DiskStoreOptions) { o.Clock = clk })
			ts, err := tc.source(key, func(o *auth.ServiceAccountOptions) {
				o.Endpoint = url
				o.Clock = clk
				o.Store = store
			})
			if err != nil {
				t.Fatal(err)
			}
			defer ts.Close()

			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				const prefix = "Bearer "
				h := r.Header.Get("Authorization")
				if len(h) <= len(prefix) {
					w.WriteHeader(401)
					return
				}
				if _, ok := reg.ValidateToken(h[len(prefix):], tc.issuer, clk.Now()); !ok {
					w.WriteHeader(401)
					return
				}
				w.WriteHeader(200)
			}))
			defer api.Close()

			client := auth.NewClient(ts)
			for i := 0; i < 5; i++ {
				resp, err := client.Get(api.URL)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Fatalf("request %d: status %d", i, resp.StatusCode)
				}
			}
			if n := exchanges(); n != 1 {
				t.Fatalf("exchanges = %d, want 1 (cached)", n)
			}
			// The server revokes the token: one 401, one re-exchange, success.
			tok, _ := ts.AccessToken(context.Background())
			reg.RevokeToken(tok.Value.Reveal())
			resp, err := client.Get(api.URL)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 || exchanges() != 2 {
				t.Fatalf("after revoke: status %d, exchanges %d; want 200 and 2", resp.StatusCode, exchanges())
			}
			// The token went to the disk store under the documented key.
			if _, ok := store.Load(tc.name + "/sa-" + tc.name + "/key-" + tc.name); !ok {
				t.Fatal("token not persisted in the disk store")
			}
		})
	}
}

func TestServiceAccountRejectsUnknownKey(t *testing.T) {
	srv, err := iamtest.NewYandexTokenServer()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	key, err := auth.NewServiceAccountKey("unregistered", "sa-x", authtest.RSAKey(t))
	if err != nil {
		t.Fatal(err)
	}
	ts, err := yandexauth.ServiceAccount(key, func(o *auth.ServiceAccountOptions) { o.Endpoint = srv.URL })
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()
	_, err = ts.AccessToken(context.Background())
	if err == nil {
		t.Fatal("want an error for an unregistered key")
	}
	if !errors.Is(err, iam.ErrUnauthenticated) {
		t.Fatalf("err = %v, want iam.ErrUnauthenticated", err)
	}
}

// registeredKey makes a service-account key and registers its public half
// with reg, as uploading it to the cloud would.
func registeredKey(t testing.TB, reg *iamtest.Registry, kid, sa string) *auth.ServiceAccountKey {
	t.Helper()
	k := authtest.RSAKey(t)
	reg.PutPublicKey(iamtest.PublicKey{KeyID: kid, ServiceAccountID: sa, Key: &k.PublicKey})
	key, err := auth.NewServiceAccountKey(kid, sa, k)
	if err != nil {
		t.Fatal(err)
	}
	return key
}
