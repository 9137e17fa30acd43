package yandex_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/yandex"
)

func TestNewOptionValidation(t *testing.T) {
	ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "t"})
	tests := []struct {
		name string
		fn   func(*yandex.Options)
		want string
	}{
		{"plain http to a remote host", func(o *yandex.Options) { o.Endpoint = "http://iam.api.cloud.yandex.net" }, "plain http"},
		{"not a URL", func(o *yandex.Options) { o.OperationEndpoint = "operation.api.cloud.yandex.net" }, "OperationEndpoint"},
		{"query", func(o *yandex.Options) { o.Endpoint = "https://x.example/?a=b" }, "query"},
		{"user info", func(o *yandex.Options) { o.Endpoint = "https://u:p@x.example" }, "user info"},
		{"bad service account", func(o *yandex.Options) { o.ServiceAccountID = "a/b" }, "ServiceAccountID"},
		{"negative attempts", func(o *yandex.Options) { o.MaxAttempts = -1 }, "MaxAttempts"},
		{"negative poll", func(o *yandex.Options) { o.PollInterval = -1 }, "PollInterval"},
		{"negative max poll", func(o *yandex.Options) { o.MaxPollInterval = -time.Second }, "MaxPollInterval is -1s"},
		{"negative base delay", func(o *yandex.Options) { o.BaseDelay = -time.Millisecond }, "BaseDelay is -1ms"},
		{"negative max delay", func(o *yandex.Options) { o.MaxDelay = -time.Second }, "MaxDelay is -1s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := yandex.New(ts, tc.fn)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
	if _, err := yandex.New(nil); err == nil {
		t.Fatal("nil token source accepted")
	}
	for _, ok := range []string{"https://iam.api.cloud.yandex.net/", "http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:2"} {
		if _, err := yandex.New(ts, func(o *yandex.Options) { o.Endpoint = ok }); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	if _, err := yandex.New(ts, nil, func(o *yandex.Options) { o.HTTPClient = http.DefaultClient }); err != nil {
		t.Fatal(err)
	}
}

func TestDiscoverEndpoints(t *testing.T) {
	e := newEnv(t, envOpt{})
	eps, err := yandex.DiscoverEndpoints(ctxT(t), e.srv.URL+"/endpoints")
	if err != nil {
		t.Fatal(err)
	}
	if eps.IAM != e.srv.URL || eps.Operation != e.srv.URL {
		t.Fatalf("endpoints = %+v, want %s", eps, e.srv.URL)
	}
	c, err := yandex.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: e.srv.IssueToken("x", 0)}), eps.Apply)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.APIKeys().ListPage(ctxT(t), yandex.ListAPIKeysRequest{}); err != nil {
		t.Fatalf("client on discovered endpoints: %v", err)
	}
	if _, err := yandex.DiscoverEndpoints(ctxT(t), e.srv.URL+"/nothing-here"); err == nil {
		t.Fatal("404 discovery accepted")
	}
	if _, err := yandex.DiscoverEndpoints(ctxT(t), "not a url"); err == nil {
		t.Fatal("bad URL accepted")
	}
}

// TestNoGRPCDependency keeps iam/yandex free of gRPC, so that a Yandex-only
// user does not build it.
func TestNoGRPCDependency(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	cmd := exec.Command(goBin, "list", "-deps", ".")
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOPROXY=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "google.golang.org/grpc") || strings.HasPrefix(dep, "google.golang.org/genproto") {
			t.Fatalf("iam/yandex depends on %s", dep)
		}
	}
}

// TestSubClientsAreMethods: each sub-client is one long-lived value.
func TestSubClientsAreMethods(t *testing.T) {
	c := newEnv(t, envOpt{}).client
	if c.APIKeys() != c.APIKeys() || c.AccessKeys() != c.AccessKeys() || c.Keys() != c.Keys() ||
		c.EphemeralAccessKeys() != c.EphemeralAccessKeys() || c.Operations() != c.Operations() {
		t.Fatal("a sub-client method returned a new value")
	}
}

// TestRetryWaitsFollowBaseAndMaxDelay: Options.BaseDelay and MaxDelay reach
// the retries, whose waits run on Options.Clock. With both at 10h, three
// waits of full jitter take more than the 15s the defaults (100ms, 5s)
// would allow (the chance they do not is about 1e-11), and at most 30h.
func TestRetryWaitsFollowBaseAndMaxDelay(t *testing.T) {
	srv := newServer(t) // on the real clock: its tokens must outlive the fake hours
	fc := iamtest.NewFakeClock(start)
	autoAdvance(t, fc)
	for range 3 {
		srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Status: 503, Match: "KeyService/List"})
	}
	ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: srv.IssueToken(srv.ServiceAccountID(), 0)})
	c, err := yandex.New(ts, srv.ClientOptions(), func(o *yandex.Options) {
		o.Clock, o.BaseDelay, o.MaxDelay, o.MaxAttempts = fc, 10*time.Hour, 10*time.Hour, 4
	})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	// No deadline: a wait that would end past the caller's deadline is not
	// started.
	if _, err := c.Keys().ListPage(t.Context(), yandex.ListKeysRequest{}); err != nil {
		t.Fatal(err)
	}
	waited := fc.Since(start)
	if waited <= 15*time.Second || waited > 30*time.Hour {
		t.Errorf("three retry waits took %v on the clock, want (15s, 30h]", waited)
	}
	if n := srv.Calls("KeyService/List"); n != 4 {
		t.Errorf("%d attempts, want 4", n)
	}
	if real := time.Since(t0); real > 10*time.Second {
		t.Errorf("the waits took %v of real time", real)
	}
}

// TestAttemptTimeout: Options.AttemptTimeout bounds each attempt; the
// default follows HTTPClient.Timeout when one is set; negative leaves the
// caller's context alone to end a call.
func TestAttemptTimeout(t *testing.T) {
	srv := newServer(t)
	ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: srv.IssueToken(srv.ServiceAccountID(), 0)})
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	for _, tc := range []struct {
		name  string
		opt   func(*yandex.Options)
		limit string
	}{
		{"AttemptTimeout", func(o *yandex.Options) { o.AttemptTimeout = 50 * time.Millisecond }, "50ms"},
		{"HTTPClient.Timeout", func(o *yandex.Options) { o.HTTPClient = &http.Client{Transport: tr, Timeout: 60 * time.Millisecond} }, "60ms"},
	} {
		srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultHang, Match: "KeyService/List"})
		c, err := yandex.New(ts, srv.ClientOptions(), tc.opt, func(o *yandex.Options) { o.MaxAttempts = 1 })
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Keys().ListPage(ctxT(t), yandex.ListKeysRequest{})
		if !errors.Is(err, iam.ErrUnavailable) || !strings.Contains(err.Error(), "attempt timeout of "+tc.limit) {
			t.Errorf("%s: err = %v, want ErrUnavailable after the attempt timeout of %s", tc.name, err, tc.limit)
		}
		c.Close()
	}
	srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultHang, Match: "KeyService/List"})
	c, err := yandex.New(ts, srv.ClientOptions(), func(o *yandex.Options) { o.AttemptTimeout, o.MaxAttempts = -1, 1 })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctxT(t), 150*time.Millisecond)
	defer cancel()
	if _, err := c.Keys().ListPage(ctx, yandex.ListKeysRequest{}); !errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "attempt timeout") {
		t.Errorf("disabled: err = %v, want the caller's deadline", err)
	}
}

// TestCloseClosesOwnIdleConnections: Close ends the idle connections of
// the client's own pool (the next call dials again), and leaves those of
// a caller's HTTPClient alone.
func TestCloseClosesOwnIdleConnections(t *testing.T) {
	var conns atomic.Int32
	hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"keys":[]}`))
	}))
	hs.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	hs.Start()
	defer hs.Close()
	list := func(c *yandex.Client) {
		t.Helper()
		if _, err := c.Keys().ListPage(ctxT(t), yandex.ListKeysRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	own := rawClient(t, hs.URL)
	list(own)
	list(own)
	if err := own.Close(); err != nil {
		t.Fatal(err)
	}
	list(own) // still usable; a new connection
	if n := conns.Load(); n != 2 {
		t.Errorf("own pool: %d connections for 3 calls around Close, want 2", n)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	callers := rawClient(t, hs.URL, func(o *yandex.Options) { o.HTTPClient = &http.Client{Transport: tr} })
	conns.Store(0)
	list(callers)
	callers.Close()
	list(callers)
	if n := conns.Load(); n != 1 {
		t.Errorf("caller's client: %d connections for 2 calls around Close, want 1 (Close must not close them)", n)
	}
}

// TestUserAgentIsAppended: Options.UserAgent follows iamkit's own
// product token, as the iam package's rule says; it never replaces it.
func TestUserAgentIsAppended(t *testing.T) {
	var got atomic.Value
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Get("User-Agent"))
		w.Write([]byte(`{"keys":[]}`))
	}))
	defer hs.Close()
	c := rawClient(t, hs.URL, func(o *yandex.Options) { o.UserAgent = "myapp/1.2" })
	if _, err := c.Keys().ListPage(ctxT(t), yandex.ListKeysRequest{}); err != nil {
		t.Fatal(err)
	}
	ua, _ := got.Load().(string)
	if !strings.HasPrefix(ua, "iamkit/") || !strings.HasSuffix(ua, " myapp/1.2") {
		t.Errorf("User-Agent = %q, want iamkit/<version> myapp/1.2", ua)
	}
}
