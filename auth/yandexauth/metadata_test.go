package yandexauth_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/internal/chaindial"
	"github.com/iamkit/iamkit/internal/loopback/loopbacktest"
)

func newMetadataEmulator(t *testing.T, optFns ...func(*iamtest.YandexMetadataOptions)) *iamtest.YandexMetadataServer {
	t.Helper()
	m, err := iamtest.NewYandexMetadataServer(optFns...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

func metadataSource(t *testing.T, optFns ...func(*yandexauth.MetadataOptions)) *auth.Cache {
	t.Helper()
	ts, err := yandexauth.MetadataTokenSource(optFns...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ts.Close() })
	return ts
}

func TestMetadataTokenSource(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	m := newMetadataEmulator(t, func(o *iamtest.YandexMetadataOptions) { o.Clock = clk })
	ts := metadataSource(t, func(o *yandexauth.MetadataOptions) { o.Addr = m.Addr; o.Clock = clk })

	tok, err := ts.AccessToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sub, ok := m.Registry.ValidateToken(tok.Value.Reveal(), "yandex", clk.Now()); !ok || sub != iamtest.DefaultYandexMetadataServiceAccountID {
		t.Fatalf("the token is not the VM's service account's: %q %v", sub, ok)
	}
	if want := clk.Now().Add(iamtest.DefaultTokenLifetime); !tok.Expiry.Equal(want) {
		t.Fatalf("expiry %v, want %v (expires_in from before the request)", tok.Expiry, want)
	}
	for range 5 {
		if _, err := ts.AccessToken(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if n := m.Calls(iamtest.YandexMetadataTokenPath); n != 1 {
		t.Fatalf("%d metadata requests for 6 calls, want 1 (cached)", n)
	}
}

// TestMetadataLazyRefreshAfterFreeze: a process frozen (a serverless
// container between invocations) or a VM suspended past the token's expiry
// gets a valid token on its first call, and nothing runs between calls: no
// refresh goroutine or timer that a freeze could stall.
func TestMetadataLazyRefreshAfterFreeze(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	m := newMetadataEmulator(t, func(o *iamtest.YandexMetadataOptions) { o.Clock = clk; o.TokenLifetime = time.Hour })
	ignore := goleak.IgnoreCurrent()
	ts := metadataSource(t, func(o *yandexauth.MetadataOptions) { o.Addr = m.Addr; o.Clock = clk })

	first, err := ts.AccessToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Idle between calls: no goroutine of the source, no timer on the clock.
	goleak.VerifyNone(t, ignore)
	if n := clk.Timers(); n != 0 {
		t.Fatalf("%d timers armed on the clock between calls", n)
	}

	// Frozen for 3 hours: the wall clock moved, the monotonic clock stood
	// still. The expired token is not served; one fetch gets a new one.
	clk.JumpWall(3 * time.Hour)
	tok, err := ts.AccessToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tok.Value.Equal(first.Value) {
		t.Fatal("served the token that expired during the freeze")
	}
	if _, ok := m.Registry.ValidateToken(tok.Value.Reveal(), "yandex", clk.Now()); !ok {
		t.Fatal("the token served after the freeze is not valid now")
	}
	if n := m.Calls(iamtest.YandexMetadataTokenPath); n != 2 {
		t.Fatalf("%d metadata requests, want 2", n)
	}
	goleak.VerifyNone(t, ignore)
}

// TestMetadataRefetchedAfterMaxRefreshAge: a changed service account is
// picked up within a minute, on a call.
func TestMetadataRefetchedAfterMaxRefreshAge(t *testing.T) {
	saved := savedStore{ch: make(chan struct{}, 2)}
	clk := iamtest.NewFakeClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	m := newMetadataEmulator(t, func(o *iamtest.YandexMetadataOptions) { o.Clock = clk })
	ts := metadataSource(t, func(o *yandexauth.MetadataOptions) {
		o.Addr = m.Addr
		o.Clock = clk
		o.Cache.Jitter = 1e-9 // the refresh point exactly at MaxRefreshAge
		o.Cache.Store = saved
		o.Cache.StoreKey = "metadata"
	})
	if _, err := ts.AccessToken(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-saved.ch // the first fetch
	m.SetServiceAccount("ajenewsa")
	clk.Advance(yandexauth.DefaultMetadataMaxRefreshAge)
	// Stale: the old token is served at once and one fetch starts.
	if _, err := ts.AccessToken(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The cache saves a refreshed token to its store once it serves it:
	// the save says the background fetch is over.
	select {
	case <-saved.ch:
	case <-time.After(10 * time.Second): // a guard, not a wait
		t.Fatal("the background fetch never finished")
	}
	tok, err := ts.AccessToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sub, _ := m.Registry.ValidateToken(tok.Value.Reveal(), "yandex", clk.Now()); sub != "ajenewsa" {
		t.Fatalf("after the background fetch the token is %q's, want the new service account's", sub)
	}
}

// savedStore is an auth.TokenStore that stores nothing and tells ch of
// every save.
type savedStore struct{ ch chan struct{} }

func (savedStore) Load(string) (auth.Token, bool) { return auth.Token{}, false }

func (s savedStore) Save(string, auth.Token) error {
	s.ch <- struct{}{}
	return nil
}

func TestMetadataAddrFromEnv(t *testing.T) {
	m := newMetadataEmulator(t)
	env := map[string]string{yandexauth.EnvMetadataAddr: m.Addr}
	ts := metadataSource(t, func(o *yandexauth.MetadataOptions) { o.Getenv = func(k string) string { return env[k] } })
	if _, err := ts.AccessToken(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The option wins over the variable.
	u, err := yandexauth.MetadataTokenURL(func(o *yandexauth.MetadataOptions) {
		o.Getenv = func(k string) string { return env[k] }
		o.Addr = "127.0.0.9:8080"
	})
	if err != nil || u != "http://127.0.0.9:8080"+yandexauth.MetadataTokenPath {
		t.Fatalf("option over env: %q %v", u, err)
	}
}

func TestMetadataAddrForms(t *testing.T) {
	for in, want := range map[string]string{
		"":                       "169.254.169.254:80",
		"169.254.169.254":        "169.254.169.254:80",
		"127.0.0.1:8080":         "127.0.0.1:8080",
		"localhost":              "localhost:80",
		"[::1]:9000":             "[::1]:9000",
		"::1":                    "[::1]:80",
		"http://127.0.0.1:8080":  "127.0.0.1:8080",
		"http://127.0.0.1:8080/": "127.0.0.1:8080",
		" metadata.internal:81 ": "metadata.internal:81",
	} {
		got, err := yandexauth.MetadataTokenURL(func(o *yandexauth.MetadataOptions) {
			o.Addr = in
			o.Getenv = func(string) string { return "" }
		})
		if err != nil || got != "http://"+want+yandexauth.MetadataTokenPath {
			t.Errorf("Addr %q: %q, %v; want host:port %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"https://127.0.0.1", "127.0.0.1:0", "127.0.0.1:http", "http://127.0.0.1/path", "a b:80"} {
		_, err := yandexauth.MetadataTokenURL(func(o *yandexauth.MetadataOptions) { o.Addr = bad })
		if err == nil || !strings.Contains(err.Error(), "option Addr") {
			t.Errorf("Addr %q: err = %v, want an error naming the option", bad, err)
		}
	}
	_, err := yandexauth.MetadataTokenURL(func(o *yandexauth.MetadataOptions) {
		o.Getenv = func(string) string { return "http://x:99999" }
	})
	if err == nil || !strings.Contains(err.Error(), yandexauth.EnvMetadataAddr) {
		t.Errorf("bad YC_METADATA_ADDR: err = %v, want an error naming the variable", err)
	}
}

func TestMetadataErrors(t *testing.T) {
	m := newMetadataEmulator(t)
	m.SetServiceAccount("")
	ts := metadataSource(t, func(o *yandexauth.MetadataOptions) { o.Addr = m.Addr })
	_, err := ts.AccessToken(context.Background())
	if !errors.Is(err, iam.ErrNotFound) || !strings.Contains(err.Error(), "is a service account attached to the VM?") {
		t.Fatalf("no service account: err = %v", err)
	}

	for _, tc := range []struct {
		name, body, want string
	}{
		{"not JSON", "<html>", "not a JSON object"},
		{"no token", `{"expires_in":100,"token_type":"Bearer"}`, "access_token is missing"},
		{"no expiry", `{"access_token":"t1.x","token_type":"Bearer"}`, "expires_in is missing"},
		{"zero expiry", `{"access_token":"t1.x","expires_in":0}`, "expires_in is not a positive number"},
		{"word expiry", `{"access_token":"t1.x","expires_in":"soon"}`, "not a JSON object"},
		{"other type", `{"access_token":"t1.x","expires_in":100,"token_type":"MAC"}`, `token_type "MAC" is not Bearer`},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(tc.body)) }))
		ts := metadataSource(t, func(o *yandexauth.MetadataOptions) { o.Addr = srv.Listener.Addr().String() })
		_, err := ts.AccessToken(context.Background())
		srv.Close()
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "t1.x") {
			t.Errorf("%s: err = %v, want %q and no token", tc.name, err, tc.want)
		}
	}

	// A token_type in any case, and a fractional expires_in, are accepted.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Metadata-Flavor") != "Google" {
			w.WriteHeader(403)
			return
		}
		_, _ = w.Write([]byte(`{"access_token":"t1.x","expires_in":100.5,"token_type":"bearer"}`))
	}))
	defer srv.Close()
	tok, err := metadataSource(t, func(o *yandexauth.MetadataOptions) { o.Addr = srv.URL }).AccessToken(context.Background())
	if err != nil || tok.Type != "Bearer" {
		t.Fatalf("lenient answer: %v %q", err, tok.Type)
	}
}

// TestMetadataRetriesThrottling: 503 and 429 answers are retried within
// one fetch.
func TestMetadataRetriesThrottling(t *testing.T) {
	m := newMetadataEmulator(t)
	m.Faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Status: 503, Times: 2})
	ts := metadataSource(t, func(o *yandexauth.MetadataOptions) { o.Addr = m.Addr })
	if _, err := ts.AccessToken(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := m.Calls(iamtest.YandexMetadataTokenPath); n != 3 {
		t.Fatalf("%d requests, want 3", n)
	}
}

func TestProbeMetadata(t *testing.T) {
	m := newMetadataEmulator(t)
	u, err := yandexauth.ProbeMetadata(context.Background(), func(o *yandexauth.MetadataOptions) { o.Addr = m.Addr })
	if err != nil || u != m.URL+yandexauth.MetadataTokenPath {
		t.Fatalf("listening emulator: %q %v", u, err)
	}
	if n := m.Calls(iamtest.YandexMetadataTokenPath); n != 0 {
		t.Fatalf("the probe sent %d requests, want 0 (it only connects)", n)
	}

	closed := loopbacktest.Refused(t)
	start := time.Now()
	_, err = yandexauth.ProbeMetadata(context.Background(), func(o *yandexauth.MetadataOptions) { o.Addr = closed })
	if !errors.Is(err, yandexauth.ErrNoMetadataService) || !strings.Contains(err.Error(), closed) {
		t.Fatalf("closed port: err = %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("a refused connection took %v", d)
	}

	// The default address is 169.254.169.254:80; with a hook refusing it
	// (as TestMain's does), nothing is sent.
	var (
		mu   sync.Mutex
		seen []string
	)
	restore := chaindial.SetHook(func(_, addr string) error {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, addr)
		return errors.New("refused by the test")
	})
	defer restore()
	_, err = yandexauth.ProbeMetadata(context.Background(), func(o *yandexauth.MetadataOptions) {
		o.Getenv = func(string) string { return "" }
	})
	if !errors.Is(err, yandexauth.ErrNoMetadataService) || len(seen) != 1 || seen[0] != yandexauth.DefaultMetadataAddr {
		t.Fatalf("default address: err %v, dialled %q", err, seen)
	}
}

// TestProbeMetadataTimeout: a dial that outlives the probe's context
// is given up, and the error names Timeout.
func TestProbeMetadataTimeout(t *testing.T) {
	// A black hole (a listener whose backlog is full) is not portable:
	// the hook stands in for a dial that outlives the probe's context by
	// ending that context while the dial is under way, with no real wait.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	restore := chaindial.SetHook(func(_, addr string) error {
		cancel()
		return nil
	})
	defer restore()
	_, err := yandexauth.ProbeMetadata(ctx, func(o *yandexauth.MetadataOptions) {
		o.Addr = loopbacktest.Refused(t)
		o.Timeout = 10 * time.Millisecond
	})
	if !errors.Is(err, yandexauth.ErrNoMetadataService) || !strings.Contains(err.Error(), "no connection within 10ms") {
		t.Fatalf("err = %v", err)
	}
}
