package exchange_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/authtest"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
)

// xchEnv is an authtest.Env with a captured signer of each provider.
type xchEnv struct {
	*authtest.Env
	nSign, ySign *authtest.CapturingSigner
}

func newXchEnv(t *testing.T) *xchEnv {
	t.Helper()
	e := &xchEnv{Env: authtest.NewEnv(t)}
	e.nSign = e.Capture(nebiusauth.NewSigner(e.NebiusKey))
	e.ySign = e.Capture(yandexauth.NewSigner(e.YandexKey))
	return e
}

func (e *xchEnv) nebiusX(optFns ...func(*nebiusauth.ExchangerOptions)) *nebiusauth.Exchanger {
	base := func(o *nebiusauth.ExchangerOptions) {
		o.Endpoint = e.Nebius.URL
		o.Clock = e.Clock
		o.Logger = e.Logs.Logger()
	}
	return must(nebiusauth.NewExchanger(e.nSign, append([]func(*nebiusauth.ExchangerOptions){base}, optFns...)...))
}

func (e *xchEnv) yandexX(optFns ...func(*yandexauth.ExchangerOptions)) *yandexauth.Exchanger {
	base := func(o *yandexauth.ExchangerOptions) {
		o.Endpoint = e.Yandex.URL
		o.Clock = e.Clock
		o.Logger = e.Logs.Logger()
	}
	return must(yandexauth.NewExchanger(e.ySign, append([]func(*yandexauth.ExchangerOptions){base}, optFns...)...))
}

func TestExchangersEndToEnd(t *testing.T) {
	e := newXchEnv(t)
	type exch interface {
		Exchange(context.Context) (auth.Token, error)
	}
	for _, tt := range []struct {
		name   string
		x      exch
		issuer string
		sub    string
		prefix string
		count  func() int
	}{
		{"nebius", e.nebiusX(), "nebius", "serviceaccount-e00x", "v1.", func() int { return e.Nebius.Calls("") }},
		{"yandex", e.yandexX(), "yandex", "ajesa", "t1.", func() int { return e.Yandex.Calls("") }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := tt.x.Exchange(t.Context())
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			if tok.Type != "Bearer" || !strings.HasPrefix(tok.Value.Reveal(), tt.prefix) {
				t.Errorf("token type %q, prefix of value wrong", tok.Type)
			}
			// Both emulators issue 12h tokens on the shared fake clock.
			if want := authtest.T0.Add(12 * time.Hour); !tok.Expiry.Equal(want) {
				t.Errorf("Expiry = %v, want %v", tok.Expiry, want)
			}
			if sub, ok := e.Registry.ValidateToken(tok.Value.Reveal(), tt.issuer, e.Clock.Now()); !ok || sub != tt.sub {
				t.Errorf("issued token validates as %q, %v", sub, ok)
			}
			if tt.count() != 1 {
				t.Errorf("exchanges = %d, want 1", tt.count())
			}
			if s := fmt.Sprint(tok); strings.Contains(s, tok.Value.Reveal()) {
				t.Errorf("a printed Token shows its value: %s", s)
			}
			if !strings.Contains(e.Logs.String(), `"msg":"`+tt.name+`auth: token exchanged"`) {
				t.Errorf("no debug record of the exchange:\n%s", e.Logs.String())
			}
			e.CheckNoSecrets(t, nil, tok.Value.Reveal())
		})
	}
}

func TestExchangersRejectedJWT(t *testing.T) {
	e := newXchEnv(t)
	e.Registry.DeletePublicKey("publickey-e00x")
	e.Registry.DeletePublicKey("ajekey")

	_, err := e.nebiusX().Exchange(t.Context())
	var ie *iam.Error
	if !errors.As(err, &ie) || !errors.Is(err, iam.ErrUnauthenticated) {
		t.Fatalf("nebius: err = %v, want *iam.Error matching ErrUnauthenticated", err)
	}
	if ie.Provider != iam.Nebius || ie.Op != "TokenExchange" || ie.HTTPStatus != 401 || ie.Code != "invalid_grant" ||
		!strings.Contains(ie.Message, "Key 'publickey-e00x' was not found") || ie.RequestID == "" {
		t.Errorf("nebius: error %#v", ie)
	}
	if e.Nebius.Calls("") != 1 {
		t.Errorf("nebius: a rejected JWT was retried: %d exchanges", e.Nebius.Calls(""))
	}
	e.CheckNoSecrets(t, err)

	_, err = e.yandexX().Exchange(t.Context())
	if !errors.As(err, &ie) || !errors.Is(err, iam.ErrUnauthenticated) {
		t.Fatalf("yandex: err = %v, want *iam.Error matching ErrUnauthenticated", err)
	}
	if ie.Provider != iam.Yandex || ie.Op != "TokenExchange" || ie.HTTPStatus != 401 || ie.GRPCCode != 16 ||
		ie.Message != "Key 'ajekey' was not found" || len(ie.RequestID) != 36 {
		t.Errorf("yandex: error %#v", ie)
	}
	if e.Yandex.Calls("") != 1 {
		t.Errorf("yandex: a rejected JWT was retried: %d exchanges", e.Yandex.Calls(""))
	}
	e.CheckNoSecrets(t, err)
}

func TestExchangersRetry(t *testing.T) {
	tests := []struct {
		name      string
		faults    []iamtest.Fault
		maxTries  int
		wantErr   error // nil: success
		exchanges int
	}{
		{"503 then ok", []iamtest.Fault{{Kind: iamtest.FaultStatus, Status: 503}}, 0, nil, 2},
		{"429 with Retry-After then ok", []iamtest.Fault{{Kind: iamtest.FaultStatus, Status: 429, RetryAfter: "0"}}, 0, nil, 2},
		{"500 502 then ok", []iamtest.Fault{{Kind: iamtest.FaultStatus, Status: 500}, {Kind: iamtest.FaultStatus, Status: 502}}, 0, nil, 3},
		{"reset then ok", []iamtest.Fault{{Kind: iamtest.FaultReset}}, 0, nil, 2},
		{"503 exhausts 3 attempts", []iamtest.Fault{{Kind: iamtest.FaultStatus, Status: 503, Times: -1}}, 0, iam.ErrUnavailable, 3},
		{"429 exhausts 2 attempts", []iamtest.Fault{{Kind: iamtest.FaultStatus, Status: 429, Times: -1}}, 2, iam.ErrThrottled, 2},
		{"reset exhausts", []iamtest.Fault{{Kind: iamtest.FaultReset, Times: -1}}, 0, iam.ErrUnavailable, 3},
		{"403 not retried", []iamtest.Fault{{Kind: iamtest.FaultStatus, Status: 403}}, 0, iam.ErrPermissionDenied, 1},
		{"401 not retried", []iamtest.Fault{{Kind: iamtest.FaultStatus, Status: 401}}, 0, iam.ErrUnauthenticated, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newXchEnv(t)
			for _, f := range tt.faults {
				e.Nebius.Faults.Add(f)
				e.Yandex.Faults.Add(f)
			}
			_, nerr := e.nebiusX(func(o *nebiusauth.ExchangerOptions) { o.MaxAttempts = tt.maxTries }).Exchange(t.Context())
			_, yerr := e.yandexX(func(o *yandexauth.ExchangerOptions) { o.MaxAttempts = tt.maxTries }).Exchange(t.Context())
			for _, r := range []struct {
				name string
				err  error
				n    int
			}{{"nebius", nerr, e.Nebius.Calls("")}, {"yandex", yerr, e.Yandex.Calls("")}} {
				if tt.wantErr == nil && r.err != nil {
					t.Errorf("%s: %v", r.name, r.err)
				}
				if tt.wantErr != nil && !errors.Is(r.err, tt.wantErr) {
					t.Errorf("%s: err = %v, want %v", r.name, r.err, tt.wantErr)
				}
				if r.n != tt.exchanges {
					t.Errorf("%s: %d exchanges, want %d", r.name, r.n, tt.exchanges)
				}
			}
			e.CheckNoSecrets(t, errors.Join(nerr, yerr))
		})
	}
}

func TestExchangersContext(t *testing.T) {
	e := newXchEnv(t)
	e.Nebius.Faults.Add(iamtest.Fault{Kind: iamtest.FaultHang})
	e.Yandex.Faults.Add(iamtest.Fault{Kind: iamtest.FaultHang})
	for name, x := range map[string]auth.Exchanger{"nebius": e.nebiusX(), "yandex": e.yandexX()} {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		_, err := x.Exchange(ctx)
		cancel()
		var ie *iam.Error
		if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &ie) || errors.Is(err, iam.ErrUnavailable) {
			t.Errorf("%s: err = %v, want an *iam.Error wrapping DeadlineExceeded", name, err)
		}
	}
}

func TestExchangersConfigErrors(t *testing.T) {
	e := newXchEnv(t)
	errOf := func(_ any, err error) error { return err }
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nebius nil signer", errOf(nebiusauth.NewExchanger(nil)), "nebiusauth: NewExchanger: signer is nil"},
		{"yandex nil signer", errOf(yandexauth.NewExchanger(nil)), "yandexauth: NewExchanger: signer is nil"},
		{"plain http to a remote host", errOf(nebiusauth.NewExchanger(e.nSign, func(o *nebiusauth.ExchangerOptions) {
			o.Endpoint = "http://auth.eu.nebius.com/oauth2/token/exchange"
		})), "plain http to a non-loopback host"},
		{"relative endpoint", errOf(yandexauth.NewExchanger(e.ySign, func(o *yandexauth.ExchangerOptions) { o.Endpoint = "/iam/v1/tokens" })), "not an absolute http(s) URL"},
		{"ftp endpoint", errOf(yandexauth.NewExchanger(e.ySign, func(o *yandexauth.ExchangerOptions) { o.Endpoint = "ftp://x/y" })), "not an absolute http(s) URL"},
		{"user info", errOf(yandexauth.NewExchanger(e.ySign, func(o *yandexauth.ExchangerOptions) { o.Endpoint = "https://u:pw@x/y" })), "user info"},
		{"negative attempts", errOf(nebiusauth.NewExchanger(e.nSign, func(o *nebiusauth.ExchangerOptions) { o.MaxAttempts = -1 })), "MaxAttempts -1"},
		{"negative delay", errOf(yandexauth.NewExchanger(e.ySign, func(o *yandexauth.ExchangerOptions) { o.BaseDelay = -time.Second })), "must not be negative"},
	}
	for _, tt := range tests {
		if tt.err == nil || !strings.Contains(tt.err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want it to say %q", tt.name, tt.err, tt.want)
		}
	}
	// Defaults are valid, and so is plain http to a loopback host.
	if _, err := nebiusauth.NewExchanger(e.nSign); err != nil {
		t.Errorf("default Nebius exchanger: %v", err)
	}
	if _, err := yandexauth.NewExchanger(e.ySign, func(o *yandexauth.ExchangerOptions) { o.Endpoint = "http://localhost:1/x" }); err != nil {
		t.Errorf("loopback http endpoint: %v", err)
	}
	// A failing signer.
	failing := &authtest.CapturingSigner{Err: errors.New("hsm offline")}
	_, err := must(yandexauth.NewExchanger(failing, func(o *yandexauth.ExchangerOptions) { o.Endpoint = e.Yandex.URL })).Exchange(t.Context())
	if err == nil || !strings.Contains(err.Error(), "signing the JWT failed") || !strings.Contains(err.Error(), "hsm offline") {
		t.Errorf("failing signer: %v", err)
	}
}

// must returns x; the options of these tests are valid.
func must[X any](x X, err error) X {
	if err != nil {
		panic(err)
	}
	return x
}

func TestExchangeErrorsScrubEchoedJWT(t *testing.T) {
	// A server that echoes the JWT in its error must not make the error
	// carry it.
	e := newXchEnv(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.WriteHeader(400)
		fmt.Fprintf(w, `{"error":"invalid_request","error_description":"bad token %s","code":3,"message":"bad jwt %s"}`, b, b)
	}))
	defer srv.Close()
	_, nerr := e.nebiusX(func(o *nebiusauth.ExchangerOptions) { o.Endpoint = srv.URL }).Exchange(t.Context())
	_, yerr := e.yandexX(func(o *yandexauth.ExchangerOptions) { o.Endpoint = srv.URL }).Exchange(t.Context())
	if nerr == nil || yerr == nil || !strings.Contains(nerr.Error(), "REDACTED") || !strings.Contains(yerr.Error(), "REDACTED") {
		t.Errorf("errors %v / %v: want the echoed JWT redacted", nerr, yerr)
	}
	e.CheckNoSecrets(t, errors.Join(nerr, yerr))
}

// TestExchangersAppendUserAgent: ExchangerOptions.UserAgent is appended to
// iamkit's own product token, as every iamkit client does.
func TestExchangersAppendUserAgent(t *testing.T) {
	e := newXchEnv(t)
	var got []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("User-Agent"))
		mu.Unlock()
		w.WriteHeader(http.StatusBadRequest)
	}))
	defer srv.Close()
	_, _ = e.nebiusX(func(o *nebiusauth.ExchangerOptions) { o.Endpoint, o.UserAgent = srv.URL, "myapp/1.2" }).Exchange(t.Context())
	_, _ = e.yandexX(func(o *yandexauth.ExchangerOptions) { o.Endpoint, o.UserAgent = srv.URL, "myapp/1.2" }).Exchange(t.Context())
	_, _ = e.yandexX(func(o *yandexauth.ExchangerOptions) { o.Endpoint = srv.URL }).Exchange(t.Context())
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 3 || !strings.HasPrefix(got[0], "iamkit/") || !strings.HasSuffix(got[0], " myapp/1.2") || got[1] != got[0] || strings.Contains(got[2], "myapp") || !strings.HasPrefix(got[2], "iamkit/") {
		t.Errorf("User-Agents %q", got)
	}
}
