package nebiusauth_test

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
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/internal/chaindial"
	"github.com/iamkit/iamkit/internal/loopback/loopbacktest"
)

func newNebiusMetadata(t *testing.T, optFns ...func(*iamtest.NebiusMetadataOptions)) *iamtest.NebiusMetadataServer {
	t.Helper()
	m, err := iamtest.NewNebiusMetadataServer(optFns...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

func metadataSource(t *testing.T, optFns ...func(*nebiusauth.MetadataOptions)) *auth.Cache {
	t.Helper()
	ts, err := nebiusauth.MetadataTokenSource(optFns...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ts.Close() })
	return ts
}

func TestMetadataTokenSource(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	m := newNebiusMetadata(t, func(o *iamtest.NebiusMetadataOptions) { o.Clock = clk })
	ts := metadataSource(t, func(o *nebiusauth.MetadataOptions) { o.URL = m.TokenURL; o.Clock = clk })
	tok, err := ts.AccessToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sub, ok := m.Registry.ValidateToken(tok.Value.Reveal(), "nebius", clk.Now()); !ok || sub != iamtest.DefaultNebiusMetadataServiceAccountID {
		t.Fatalf("the token is not the VM's service account's: %q %v", sub, ok)
	}
	if want := clk.Now().Add(iamtest.DefaultTokenLifetime); !tok.Expiry.Equal(want) {
		t.Fatalf("expiry %v, want expires_at %v", tok.Expiry, want)
	}
	for range 5 {
		if _, err := ts.AccessToken(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if n := m.Calls(iamtest.NebiusMetadataTokenPath); n != 1 {
		t.Fatalf("%d metadata requests for 6 calls, want 1 (cached)", n)
	}
}

// TestMetadataLazyRefreshAfterFreeze: a process frozen past the token's
// wall-clock expiry gets a valid token on its first call, and nothing runs
// between calls.
func TestMetadataLazyRefreshAfterFreeze(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	m := newNebiusMetadata(t, func(o *iamtest.NebiusMetadataOptions) { o.Clock = clk; o.TokenLifetime = time.Hour })
	ignore := goleak.IgnoreCurrent()
	ts := metadataSource(t, func(o *nebiusauth.MetadataOptions) { o.URL = m.URL; o.Clock = clk })
	first, err := ts.AccessToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	goleak.VerifyNone(t, ignore)
	if n := clk.Timers(); n != 0 {
		t.Fatalf("%d timers armed on the clock between calls", n)
	}
	// Frozen for 3 hours: the wall clock moved, the monotonic one did not.
	clk.JumpWall(3 * time.Hour)
	tok, err := ts.AccessToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tok.Value.Equal(first.Value) {
		t.Fatal("served the token that expired during the freeze")
	}
	if _, ok := m.Registry.ValidateToken(tok.Value.Reveal(), "nebius", clk.Now()); !ok {
		t.Fatal("the token served after the freeze is not valid now")
	}
	goleak.VerifyNone(t, ignore)
}

func TestMetadataURLs(t *testing.T) {
	noEnv := func(o *nebiusauth.MetadataOptions) { o.Getenv = func(string) string { return "" } }
	for in, want := range map[string]string{
		"":                                 nebiusauth.DefaultMetadataURL,
		"http://127.0.0.1:8080":            "http://127.0.0.1:8080/v1/iam/sa/token",
		"http://127.0.0.1:8080/":           "http://127.0.0.1:8080/v1/iam/sa/token",
		"http://127.0.0.1:8080/custom/tok": "http://127.0.0.1:8080/custom/tok",
		" https://md.example:8443 ":        "https://md.example:8443/v1/iam/sa/token",
	} {
		got, err := nebiusauth.MetadataTokenURL(noEnv, func(o *nebiusauth.MetadataOptions) { o.URL = in })
		if err != nil || got != want {
			t.Errorf("URL %q: %q, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"127.0.0.1:80", "ftp://x/", "http://", "http://u:p@x/", "http://x:99999/"} {
		if _, err := nebiusauth.MetadataTokenURL(noEnv, func(o *nebiusauth.MetadataOptions) { o.URL = bad }); err == nil ||
			!strings.Contains(err.Error(), "option URL") {
			t.Errorf("URL %q: err = %v, want an error naming the option", bad, err)
		}
	}
	// The variable, and the option over it.
	env := map[string]string{nebiusauth.EnvMetadataURL: "http://127.0.0.7:81"}
	getenv := func(o *nebiusauth.MetadataOptions) { o.Getenv = func(k string) string { return env[k] } }
	if u, err := nebiusauth.MetadataTokenURL(getenv); err != nil || u != "http://127.0.0.7:81/v1/iam/sa/token" {
		t.Fatalf("from env: %q %v", u, err)
	}
	if u, _ := nebiusauth.MetadataTokenURL(getenv, func(o *nebiusauth.MetadataOptions) { o.URL = "http://127.0.0.8" }); u != "http://127.0.0.8/v1/iam/sa/token" {
		t.Fatalf("option over env: %q", u)
	}
	env[nebiusauth.EnvMetadataURL] = "metadata:80"
	if _, err := nebiusauth.MetadataTokenURL(getenv); err == nil || !strings.Contains(err.Error(), nebiusauth.EnvMetadataURL) {
		t.Fatalf("bad variable: err = %v, want an error naming it", err)
	}
}

func TestMetadataErrors(t *testing.T) {
	m := newNebiusMetadata(t)
	m.SetServiceAccount("")
	_, err := metadataSource(t, func(o *nebiusauth.MetadataOptions) { o.URL = m.TokenURL }).AccessToken(context.Background())
	if !errors.Is(err, iam.ErrNotFound) || !strings.Contains(err.Error(), "is a service account attached to the VM?") {
		t.Fatalf("no service account: err = %v", err)
	}
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	for _, tc := range []struct{ name, body, want string }{
		{"not JSON", "<html>", "not a JSON object"},
		{"no token", `{"expires_at":"` + future + `"}`, "access_token is missing"},
		{"no expiry", `{"access_token":"v1.x"}`, "expires_at is missing"},
		{"bad expiry", `{"access_token":"v1.x","expires_at":"tomorrow"}`, "not an RFC 3339 time"},
		{"expired", `{"access_token":"v1.x","expires_at":"2020-01-01T00:00:00Z"}`, "already expired"},
		{"other type", `{"access_token":"v1.x","expires_at":"` + future + `","token_type":"MAC"}`, `token_type "MAC" is not Bearer`},
		{"space", `{"access_token":"v1 x","expires_at":"` + future + `"}`, "white space"},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(tc.body)) }))
		_, err := metadataSource(t, func(o *nebiusauth.MetadataOptions) { o.URL = srv.URL }).AccessToken(context.Background())
		srv.Close()
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "v1.x") {
			t.Errorf("%s: err = %v, want %q and no token", tc.name, err, tc.want)
		}
	}
	// expires_in, tolerated when expires_at is absent; the header is sent.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Metadata") != "true" || r.Method != http.MethodGet {
			w.WriteHeader(403)
			return
		}
		_, _ = w.Write([]byte(`{"access_token":"v1.x","expires_in":100}`))
	}))
	defer srv.Close()
	tok, err := metadataSource(t, func(o *nebiusauth.MetadataOptions) { o.URL = srv.URL }).AccessToken(context.Background())
	if err != nil || time.Until(tok.Expiry) > 101*time.Second || time.Until(tok.Expiry) < 90*time.Second {
		t.Fatalf("expires_in answer: %v %v", tok.Expiry, err)
	}
	// A 403 is an error with the status and text.
	m.SetServiceAccount("serviceaccount-e00x")
	m.Faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Status: 403})
	_, err = metadataSource(t, func(o *nebiusauth.MetadataOptions) { o.URL = m.TokenURL }).AccessToken(context.Background())
	if !errors.Is(err, iam.ErrPermissionDenied) || !strings.Contains(err.Error(), m.TokenURL+": http 403") {
		t.Fatalf("403: err = %v", err)
	}
}

// TestMetadataRetries: 503 answers are retried within one fetch, as gosdk
// retries them (3 attempts).
func TestMetadataRetries(t *testing.T) {
	m := newNebiusMetadata(t)
	m.Faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Status: 503, Times: 2})
	if _, err := metadataSource(t, func(o *nebiusauth.MetadataOptions) { o.URL = m.TokenURL }).AccessToken(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := m.Calls(iamtest.NebiusMetadataTokenPath); n != 3 {
		t.Fatalf("%d requests, want 3", n)
	}
	m.Faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Status: 503, Times: 3})
	_, err := metadataSource(t, func(o *nebiusauth.MetadataOptions) { o.URL = m.TokenURL }).AccessToken(context.Background())
	if !errors.Is(err, iam.ErrUnavailable) || m.Calls(iamtest.NebiusMetadataTokenPath) != 6 {
		t.Fatalf("3 failures: err %v after %d requests, want 6", err, m.Calls(iamtest.NebiusMetadataTokenPath))
	}
}

func TestProbeMetadata(t *testing.T) {
	m := newNebiusMetadata(t)
	u, err := nebiusauth.ProbeMetadata(context.Background(), func(o *nebiusauth.MetadataOptions) { o.URL = m.URL })
	if err != nil || u != m.TokenURL {
		t.Fatalf("listening emulator: %q %v", u, err)
	}
	if n := m.Calls(iamtest.NebiusMetadataTokenPath); n != 0 {
		t.Fatalf("the probe sent %d requests, want 0 (it only connects)", n)
	}
	closed := loopbacktest.Refused(t)
	start := time.Now()
	_, err = nebiusauth.ProbeMetadata(context.Background(), func(o *nebiusauth.MetadataOptions) { o.URL = "http://" + closed })
	if !errors.Is(err, nebiusauth.ErrNoMetadataService) || !strings.Contains(err.Error(), closed) {
		t.Fatalf("closed port: err = %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("a refused connection took %v", d)
	}

	// The default address: metadata.nebius.internal:80 is handed to the
	// dialer's hook before any name lookup, and with the hook refusing it
	// (as TestMain's does), nothing is sent or resolved.
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
	_, err = nebiusauth.ProbeMetadata(context.Background(), func(o *nebiusauth.MetadataOptions) {
		o.Getenv = func(string) string { return "" }
	})
	if !errors.Is(err, nebiusauth.ErrNoMetadataService) || len(seen) != 1 || seen[0] != "metadata.nebius.internal:80" {
		t.Fatalf("default address: err %v, dialled %q", err, seen)
	}
	// The token source dials through the same hook.
	_, err = metadataSource(t, func(o *nebiusauth.MetadataOptions) { o.Getenv = func(string) string { return "" }; o.MaxAttempts = 1 }).
		AccessToken(context.Background())
	if !errors.Is(err, iam.ErrUnavailable) || len(seen) != 2 || seen[1] != "metadata.nebius.internal:80" {
		t.Fatalf("token source, default address: err %v, dialled %q", err, seen)
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
	_, err := nebiusauth.ProbeMetadata(ctx, func(o *nebiusauth.MetadataOptions) {
		o.URL = "http://" + loopbacktest.Refused(t)
		o.Timeout = 10 * time.Millisecond
	})
	if !errors.Is(err, nebiusauth.ErrNoMetadataService) || !strings.Contains(err.Error(), "no connection within 10ms") {
		t.Fatalf("err = %v", err)
	}
}
