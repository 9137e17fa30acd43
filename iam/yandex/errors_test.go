package yandex_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
	"github.com/iamkit/iamkit/iam/yandex"
)

func TestErrorSentinels(t *testing.T) {
	tests := []struct {
		name   string
		fault  *iamtest.Fault
		token  string // replaces the client's token
		want   error
		status int
		code   int
	}{
		{name: "not found", want: iam.ErrNotFound, status: 404, code: 5},
		{name: "unauthenticated", token: "t1.not-issued", want: iam.ErrUnauthenticated, status: 401, code: 16},
		{name: "invalid argument", fault: &iamtest.Fault{Status: 400}, want: iam.ErrInvalidArgument, status: 400, code: 3},
		{name: "failed precondition", fault: &iamtest.Fault{Status: 400, Code: "9"}, want: iam.ErrFailedPrecondition, status: 400, code: 9},
		{name: "permission denied", fault: &iamtest.Fault{Status: 403}, want: iam.ErrPermissionDenied, status: 403, code: 7},
		{name: "already exists", fault: &iamtest.Fault{Status: 409}, want: iam.ErrAlreadyExists, status: 409, code: 6},
		{name: "aborted", fault: &iamtest.Fault{Status: 409, Code: "10"}, want: iam.ErrAlreadyExists, status: 409, code: 10},
		{name: "throttled", fault: &iamtest.Fault{Status: 429, Times: -1}, want: iam.ErrThrottled, status: 429, code: 8},
		{name: "unavailable", fault: &iamtest.Fault{Status: 503, Times: -1}, want: iam.ErrUnavailable, status: 503, code: 14},
		{name: "internal", fault: &iamtest.Fault{Status: 500, Times: -1}, want: iam.ErrUnavailable, status: 500, code: 13},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envOpt{client: []func(*yandex.Options){func(o *yandex.Options) { o.MaxAttempts = 2 }}})
			c := e.client
			if tc.token != "" {
				var err error
				c, err = yandex.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tc.token}), func(o *yandex.Options) {
					o.Endpoint, o.OperationEndpoint = e.srv.URL, e.srv.URL
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			if tc.fault != nil {
				f := *tc.fault
				f.Match = "ApiKeyService/Get"
				e.srv.Faults.Add(f)
			}
			_, err := c.APIKeys().Get(ctxT(t), "ajenotthere000000000")
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			var ie *iam.Error
			if !errors.As(err, &ie) {
				t.Fatalf("%T is not *iam.Error", err)
			}
			if ie.Provider != iam.Yandex || ie.Op != "ApiKeyService/Get" || ie.HTTPStatus != tc.status || ie.GRPCCode != tc.code || ie.Message == "" {
				t.Fatalf("error = %#v", ie)
			}
			if !regexp.MustCompile(`^[0-9a-f-]{36}$`).MatchString(ie.RequestID) {
				t.Fatalf("RequestID = %q, want the x-request-id UUID", ie.RequestID)
			}
			if tc.token != "" && strings.Contains(err.Error(), tc.token) {
				t.Fatalf("token in error text: %v", err)
			}
		})
	}
}

func TestErrorBodies(t *testing.T) {
	const token = "t1.secret-token-value-0123456789"
	tests := []struct {
		name      string
		status    int
		body      string
		header    map[string]string
		wantKind  error
		wantText  []string
		maxLen    int
		wantReqID string
	}{
		{name: "html", status: 502, body: "<html><body>Bad gateway</body></html>", wantKind: iam.ErrUnavailable,
			wantText: []string{"http 502", "unexpected response: <html><body>Bad gateway"}},
		{name: "huge text", status: 400, body: strings.Repeat("x", 1<<20), wantKind: iam.ErrInvalidArgument,
			wantText: []string{"http 400", "(truncated)"}, maxLen: 600},
		{name: "empty", status: 404, body: "", wantKind: iam.ErrNotFound, wantText: []string{"Not Found", "http 404"}},
		{name: "json without status", status: 409, body: `{"error":"conflict"}`, wantKind: iam.ErrAlreadyExists, wantText: []string{"http 409"}},
		{name: "status with string code and request info", status: 400, wantKind: iam.ErrFailedPrecondition,
			body:      `{"code":"9","message":"busy","details":[{"@type":"type.googleapis.com/google.rpc.RequestInfo","requestId":"req-42"}]}`,
			wantText:  []string{"busy", "grpc code 9", "FAILED_PRECONDITION", "request id req-42"},
			wantReqID: "req-42"},
		{name: "server trace id", status: 403, body: `{"code":7,"message":"denied"}`, header: map[string]string{"x-server-trace-id": "trace-7"},
			wantKind: iam.ErrPermissionDenied, wantReqID: "trace-7"},
		{name: "token echoed", status: 401, body: `{"code":16,"message":"token ` + token + ` is bad"}`, wantKind: iam.ErrUnauthenticated,
			wantText: []string{"token REDACTED is bad"}},
		{name: "token echoed in text", status: 500, body: "bad token " + token, wantKind: iam.ErrUnavailable,
			wantText: []string{"bad token REDACTED"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				fmt.Fprint(w, tc.body)
			}))
			defer hs.Close()
			c, err := yandex.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token}), func(o *yandex.Options) {
				o.Endpoint, o.OperationEndpoint, o.MaxAttempts = hs.URL, hs.URL, 1
			})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.AccessKeys().Get(ctxT(t), "k1")
			if !errors.Is(err, tc.wantKind) {
				t.Fatalf("err = %v, want %v", err, tc.wantKind)
			}
			text := err.Error()
			for _, w := range tc.wantText {
				if !strings.Contains(text, w) {
					t.Errorf("error %q lacks %q", text, w)
				}
			}
			if tc.maxLen > 0 && len(text) > tc.maxLen {
				t.Errorf("error is %d bytes long", len(text))
			}
			if strings.Contains(text, token) {
				t.Fatalf("token in error: %s", text)
			}
			var ie *iam.Error
			if errors.As(err, &ie) && tc.wantReqID != "" && ie.RequestID != tc.wantReqID {
				t.Errorf("RequestID = %q, want %q", ie.RequestID, tc.wantReqID)
			}
		})
	}
}

func TestErrorBodyOverLimit(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		chunk := []byte(strings.Repeat("y", 64<<10))
		for range 80 { // 5 MiB, over the 4 MiB limit
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer hs.Close()
	c := rawClient(t, hs.URL, func(o *yandex.Options) { o.MaxAttempts = 1 })
	_, err := c.Keys().Get(ctxT(t), "k1")
	if err == nil || !strings.Contains(err.Error(), "http 500") || len(err.Error()) > 400 {
		t.Fatalf("err = %v", err)
	}
}

func TestMalformedSuccessBody(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"accessKey":{"id":"k"},"secret":"YCsecretvalue1234567890", "oops"`)
	}))
	defer hs.Close()
	c := rawClient(t, hs.URL)
	_, err := c.AccessKeys().Create(ctxT(t), yandex.CreateAccessKeyRequest{})
	if err == nil || !strings.Contains(err.Error(), "decoding response") || strings.Contains(err.Error(), "YCsecret") {
		t.Fatalf("err = %v", err)
	}
}

func TestRequestHeaders(t *testing.T) {
	var cap captured
	var n atomic.Int32
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cap.add(r)
		if n.Add(1) <= 2 { // the first two attempts fail
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"code":14,"message":"try again"}`)
			return
		}
		switch r.Method {
		case http.MethodPost:
			fmt.Fprint(w, `{"key":{"id":"k1","serviceAccountId":"sa"},"privateKey":"pk"}`)
		default:
			fmt.Fprint(w, `{"id":"op","done":true,"response":{"id":"k1"}}`)
		}
	}))
	defer hs.Close()
	c := rawClient(t, hs.URL)
	ctx := ctxT(t)
	if _, err := c.Keys().Create(ctx, yandex.CreateKeyRequest{Description: "d"}); err != nil {
		t.Fatal(err)
	}
	n.Store(100) // no more failures
	if _, err := c.Keys().Update(ctx, yandex.UpdateKeyRequest{ID: "k1", Description: "e"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Keys().Delete(ctx, "k1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Keys().Get(ctx, "k1"); err != nil {
		t.Fatal(err)
	}
	reqs := cap.all()
	if len(reqs) != 6 {
		t.Fatalf("%d requests, want 6", len(reqs))
	}
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	create := reqs[:3]
	key := create[0].header.Get("Idempotency-Key")
	if !uuid.MatchString(key) {
		t.Fatalf("Idempotency-Key = %q", key)
	}
	for i, r := range create {
		if got := r.header.Get("Idempotency-Key"); got != key {
			t.Fatalf("attempt %d Idempotency-Key = %q, want %q (same across retries)", i, got, key)
		}
		if string(r.body) != string(create[0].body) {
			t.Fatalf("attempt %d body differs", i)
		}
	}
	var body = string(create[0].body)
	for _, w := range []string{`"description":"d"`, `"format":"PEM_FILE"`, `"keyAlgorithm":"RSA_2048"`} {
		if !strings.Contains(body, w) {
			t.Errorf("create body %s lacks %s", body, w)
		}
	}
	for i, r := range reqs {
		if r.header.Get("Authorization") != "Bearer t1.raw-test-token" {
			t.Errorf("request %d Authorization = %q", i, r.header.Get("Authorization"))
		}
		if !uuid.MatchString(r.header.Get("x-request-id")) || !uuid.MatchString(r.header.Get("x-client-trace-id")) {
			t.Errorf("request %d lacks x-request-id / x-client-trace-id", i)
		}
		if !strings.HasPrefix(r.header.Get("User-Agent"), "iamkit/") {
			t.Errorf("request %d User-Agent = %q", i, r.header.Get("User-Agent"))
		}
		hasKey := r.header.Get("Idempotency-Key") != ""
		if (r.method == http.MethodGet) == hasKey {
			t.Errorf("request %d (%s) Idempotency-Key present = %v", i, r.method, hasKey)
		}
	}
	if reqs[3].header.Get("Idempotency-Key") == key || reqs[4].header.Get("Idempotency-Key") == reqs[3].header.Get("Idempotency-Key") {
		t.Error("different calls share an Idempotency-Key")
	}
	if reqs[5].path != "/iam/v1/keys/k1" || reqs[5].query != "format=PEM_FILE" {
		t.Errorf("Get = %s?%s", reqs[5].path, reqs[5].query)
	}
}

// TestRefreshAndRetryOn401 uses the real token cache and token emulator:
// the emulator revokes the cached token, the client gets 401, invalidates
// the cache, and retries once with a new token.
func TestRefreshAndRetryOn401(t *testing.T) {
	reg := iamtest.NewRegistry()
	tokens, err := iamtest.NewYandexTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = reg })
	if err != nil {
		t.Fatal(err)
	}
	defer tokens.Close()
	srv := newServer(t, func(o *yandextest.Options) { o.Registry = reg })
	keyJSON, err := srv.BootstrapKeyFile()
	if err != nil {
		t.Fatal(err)
	}
	key, err := yandexauth.ParseKey(keyJSON, "bootstrap")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := yandexauth.NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	x, err := yandexauth.NewExchanger(signer, func(o *yandexauth.ExchangerOptions) { o.Endpoint = tokens.URL })
	if err != nil {
		t.Fatal(err)
	}
	cache, err := auth.NewCache(x)
	if err != nil {
		t.Fatal(err)
	}
	defer cache.Close()
	c, err := yandex.New(cache, func(o *yandex.Options) { o.Endpoint, o.OperationEndpoint = srv.URL, srv.URL })
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	if _, err := keyManager(t, c, "").ListKeys(ctx); err != nil {
		t.Fatal(err)
	}
	tok, err := cache.AccessToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	reg.RevokeToken(tok.Value.Reveal())
	if _, err := keyManager(t, c, "").ListKeys(ctx); err != nil {
		t.Fatalf("after revocation: %v", err)
	}
	if n := tokens.Calls(""); n != 2 {
		t.Fatalf("exchanges = %d, want 2", n)
	}
	// A token that keeps failing is retried once only.
	srv.Faults.Add(iamtest.Fault{Status: 401, Times: -1, Match: "AccessKeyService/List"})
	before := srv.Calls("AccessKeyService/List")
	if _, err := keyManager(t, c, "").ListKeys(ctx); !errors.Is(err, iam.ErrUnauthenticated) {
		t.Fatalf("err = %v", err)
	}
	if n := srv.Calls("AccessKeyService/List") - before; n != 2 {
		t.Fatalf("%d attempts after 401, want 2", n)
	}
}

type failingSource struct{}

func (failingSource) Token() (*oauth2.Token, error) {
	return nil, errors.New("no credentials configured")
}

// sourceFunc is a token source of a function.
type sourceFunc func() (*oauth2.Token, error)

func (f sourceFunc) Token() (*oauth2.Token, error) { return f() }

// TestTokenSourceFailure: a token source's failure is an *iam.Error of the
// call that matches iam.ErrUnauthenticated (no request could be
// authenticated, none was sent) and keeps the source's error as its cause,
// its own sentinel included.
func TestTokenSourceFailure(t *testing.T) {
	e := newEnv(t, envOpt{})
	exchangeDown := &iam.Error{Provider: iam.Yandex, Op: "IamTokenService/Create", Kind: iam.ErrUnavailable, Message: "connection refused"}
	for _, tc := range []struct {
		name  string
		ts    oauth2.TokenSource
		cause error // also matched by errors.Is, when set
		text  string
	}{
		{"plain error", failingSource{}, nil, "no credentials configured"},
		{"exchanger error", sourceFunc(func() (*oauth2.Token, error) { return nil, exchangeDown }), iam.ErrUnavailable, "connection refused"},
	} {
		c, err := yandex.New(tc.ts, e.srv.ClientOptions())
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.APIKeys().Get(ctxT(t), "k")
		var ie *iam.Error
		if !errors.As(err, &ie) || ie.Op != "ApiKeyService/Get" || ie.Provider != iam.Yandex || !errors.Is(err, iam.ErrUnauthenticated) {
			t.Fatalf("%s: err = %v, want an *iam.Error of ApiKeyService/Get matching iam.ErrUnauthenticated", tc.name, err)
		}
		if !strings.Contains(err.Error(), tc.text) || (tc.cause != nil && !errors.Is(err, tc.cause)) {
			t.Errorf("%s: err = %v lost its cause", tc.name, err)
		}
	}
	if e.srv.Calls("") != 0 {
		t.Fatal("request sent without a token")
	}
	// A caller that gave up is told so, not that it could not authenticate.
	ctx, cancel := context.WithCancel(ctxT(t))
	cancel()
	c, err := yandex.New(sourceFunc(func() (*oauth2.Token, error) { return nil, context.Canceled }), e.srv.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.APIKeys().Get(ctx, "k"); !errors.Is(err, context.Canceled) || errors.Is(err, iam.ErrUnauthenticated) {
		t.Errorf("cancelled caller: err = %v, want context.Canceled and not ErrUnauthenticated", err)
	}
}

func TestContextCancelDuringCall(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultHang})
	ctx, cancel := context.WithCancel(ctxT(t))
	errc := make(chan error, 1)
	go func() {
		_, err := e.client.APIKeys().Get(ctx, "k")
		errc <- err
	}()
	for e.srv.Calls("") == 0 {
		if err := ctx.Err(); err != nil {
			t.Fatal(err)
		}
		<-time.After(time.Millisecond) // waits for the request to arrive, not for time to pass
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}
