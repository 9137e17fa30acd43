package auth_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
)

var xchT0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

var (
	xchKeyOnce sync.Once
	xchPK      *rsa.PrivateKey
)

func xchPrivateKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	xchKeyOnce.Do(func() {
		var err error
		if xchPK, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return xchPK
}

// capturingSigner records every JWT its real signer hands out, so that a
// test can check it never shows up in errors or logs.
type capturingSigner struct {
	auth.JWTSigner
	mu   sync.Mutex
	jwts []string
	err  error
}

func (c *capturingSigner) SignJWT(now time.Time) (iam.Secret, error) {
	if c.err != nil {
		return iam.Secret{}, c.err
	}
	s, err := c.JWTSigner.SignJWT(now)
	c.mu.Lock()
	c.jwts = append(c.jwts, s.Reveal())
	c.mu.Unlock()
	return s, err
}

func (c *capturingSigner) secrets() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.jwts...)
}

// xchEnv is a registry, a fake clock, both token emulators, and signers for
// a key registered with them.
type xchEnv struct {
	clk    *iamtest.FakeClock
	reg    *iamtest.Registry
	nebius *iamtest.NebiusTokenServer
	yandex *iamtest.YandexTokenServer
	nSign  *capturingSigner
	ySign  *capturingSigner
	logs   *xchLogs
}

// newXchEnv is newManualXchEnv whose fake clock moves on by itself to any
// timer that waits on it (the exchangers' retry waits), as time passes
// while a client waits.
func newXchEnv(t *testing.T) *xchEnv {
	t.Helper()
	e := newManualXchEnv(t)
	e.advanceWhileWaiting(t)
	return e
}

// newManualXchEnv makes an xchEnv whose fake clock moves only when the
// test moves it.
func newManualXchEnv(t *testing.T) *xchEnv {
	t.Helper()
	pk := xchPrivateKey(t)
	e := &xchEnv{clk: iamtest.NewFakeClock(xchT0), reg: iamtest.NewRegistry(), logs: &xchLogs{}}
	e.reg.PutPublicKey(iamtest.PublicKey{KeyID: "publickey-e00x", ServiceAccountID: "serviceaccount-e00x", Key: &pk.PublicKey})
	e.reg.PutPublicKey(iamtest.PublicKey{KeyID: "ajekey", ServiceAccountID: "ajesa", Key: &pk.PublicKey})
	opts := func(o *iamtest.TokenServerOptions) { o.Registry = e.reg; o.Clock = e.clk }
	e.nebius = iamtest.NewNebiusTokenServer(opts)
	e.yandex = iamtest.NewYandexTokenServer(opts)
	t.Cleanup(e.nebius.Close)
	t.Cleanup(e.yandex.Close)

	nk, err := auth.NewServiceAccountKey("publickey-e00x", "serviceaccount-e00x", pk)
	if err != nil {
		t.Fatal(err)
	}
	ns, err := auth.NewNebiusSigner(nk)
	if err != nil {
		t.Fatal(err)
	}
	yk, err := auth.NewServiceAccountKey("ajekey", "ajesa", pk)
	if err != nil {
		t.Fatal(err)
	}
	ys, err := auth.NewYandexSigner(yk)
	if err != nil {
		t.Fatal(err)
	}
	e.nSign, e.ySign = &capturingSigner{JWTSigner: ns}, &capturingSigner{JWTSigner: ys}
	return e
}

// advanceWhileWaiting moves the fake clock on to each timer as soon as
// one waits on it, until the test ends.
func (e *xchEnv) advanceWhileWaiting(t *testing.T) {
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for e.clk.BlockUntilTimers(1, done) {
			e.clk.AdvanceToNextTimer()
		}
	}()
	t.Cleanup(func() {
		close(done)
		<-stopped
	})
}

func (e *xchEnv) nebiusX(optFns ...func(*auth.NebiusExchangerOptions)) *auth.NebiusExchanger {
	base := func(o *auth.NebiusExchangerOptions) {
		o.Endpoint = e.nebius.URL
		o.Clock = e.clk
		o.Logger = e.logs.logger()
	}
	return auth.NewNebiusExchanger(e.nSign, append([]func(*auth.NebiusExchangerOptions){base}, optFns...)...)
}

func (e *xchEnv) yandexX(optFns ...func(*auth.YandexExchangerOptions)) *auth.YandexExchanger {
	base := func(o *auth.YandexExchangerOptions) {
		o.Endpoint = e.yandex.URL
		o.Clock = e.clk
		o.Logger = e.logs.logger()
	}
	return auth.NewYandexExchanger(e.ySign, append([]func(*auth.YandexExchangerOptions){base}, optFns...)...)
}

// checkNoSecrets fails if an error or the logs carry a JWT or a token.
func (e *xchEnv) checkNoSecrets(t *testing.T, err error, tokens ...string) {
	t.Helper()
	secrets := append(append(e.nSign.secrets(), e.ySign.secrets()...), tokens...)
	texts := []string{e.logs.String()}
	if err != nil {
		texts = append(texts, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
	}
	for _, s := range secrets {
		if s == "" {
			continue
		}
		for _, text := range texts {
			if strings.Contains(text, s) {
				t.Errorf("a secret (%d bytes) leaked into %q", len(s), text)
			}
		}
	}
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
		{"nebius", e.nebiusX(), "nebius", "serviceaccount-e00x", "v1.", e.nebius.Exchanges},
		{"yandex", e.yandexX(), "yandex", "ajesa", "t1.", e.yandex.Exchanges},
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
			if want := xchT0.Add(12 * time.Hour); !tok.Expiry.Equal(want) {
				t.Errorf("Expiry = %v, want %v", tok.Expiry, want)
			}
			if sub, ok := e.reg.ValidateToken(tok.Value.Reveal(), tt.issuer, e.clk.Now()); !ok || sub != tt.sub {
				t.Errorf("issued token validates as %q, %v", sub, ok)
			}
			if tt.count() != 1 {
				t.Errorf("exchanges = %d, want 1", tt.count())
			}
			if s := fmt.Sprint(tok); strings.Contains(s, tok.Value.Reveal()) {
				t.Errorf("a printed Token shows its value: %s", s)
			}
			if !strings.Contains(e.logs.String(), `"msg":"auth: token exchanged"`) {
				t.Errorf("no debug record of the exchange:\n%s", e.logs.String())
			}
			e.checkNoSecrets(t, nil, tok.Value.Reveal())
		})
	}
}

func TestNebiusExpiryCountsFromBeforeTheCall(t *testing.T) {
	// The emulator takes 30s (on the fake clock) to answer; the token's
	// expiry counts from before the request: now + expires_in, not
	// now + 30s + expires_in.
	e := newManualXchEnv(t)
	e.nebius.Faults.Add(iamtest.Fault{Kind: iamtest.FaultLatency, Delay: 30 * time.Second})
	done := make(chan auth.Token, 1)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tok, err := e.nebiusX().Exchange(t.Context())
		if err != nil {
			t.Error(err)
		}
		done <- tok
	}()
	if !e.clk.BlockUntilTimers(1, finished) {
		t.Fatal("the exchange ended before the latency timer")
	}
	e.clk.Advance(30 * time.Second)
	if tok := <-done; !tok.Expiry.Equal(xchT0.Add(12 * time.Hour)) {
		t.Errorf("Expiry = %v, want %v (counted from before the call)", tok.Expiry, xchT0.Add(12*time.Hour))
	}
}

func TestExchangersRejectedJWT(t *testing.T) {
	e := newXchEnv(t)
	e.reg.DeletePublicKey("publickey-e00x")
	e.reg.DeletePublicKey("ajekey")

	_, err := e.nebiusX().Exchange(t.Context())
	var ie *iam.Error
	if !errors.As(err, &ie) || !errors.Is(err, iam.ErrUnauthenticated) {
		t.Fatalf("nebius: err = %v, want *iam.Error matching ErrUnauthenticated", err)
	}
	if ie.Provider != iam.Nebius || ie.Op != "TokenExchange" || ie.HTTPStatus != 401 || ie.Code != "invalid_grant" ||
		!strings.Contains(ie.Message, "Key 'publickey-e00x' was not found") || ie.RequestID == "" {
		t.Errorf("nebius: error %#v", ie)
	}
	if e.nebius.Exchanges() != 1 {
		t.Errorf("nebius: a rejected JWT was retried: %d exchanges", e.nebius.Exchanges())
	}
	e.checkNoSecrets(t, err)

	_, err = e.yandexX().Exchange(t.Context())
	if !errors.As(err, &ie) || !errors.Is(err, iam.ErrUnauthenticated) {
		t.Fatalf("yandex: err = %v, want *iam.Error matching ErrUnauthenticated", err)
	}
	if ie.Provider != iam.Yandex || ie.Op != "TokenExchange" || ie.HTTPStatus != 401 || ie.GRPCCode != 16 ||
		ie.Message != "Key 'ajekey' was not found" || len(ie.RequestID) != 36 {
		t.Errorf("yandex: error %#v", ie)
	}
	if e.yandex.Exchanges() != 1 {
		t.Errorf("yandex: a rejected JWT was retried: %d exchanges", e.yandex.Exchanges())
	}
	e.checkNoSecrets(t, err)
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
				e.nebius.Faults.Add(f)
				e.yandex.Faults.Add(f)
			}
			_, nerr := e.nebiusX(func(o *auth.NebiusExchangerOptions) { o.MaxAttempts = tt.maxTries }).Exchange(t.Context())
			_, yerr := e.yandexX(func(o *auth.YandexExchangerOptions) { o.MaxAttempts = tt.maxTries }).Exchange(t.Context())
			for _, r := range []struct {
				name string
				err  error
				n    int
			}{{"nebius", nerr, e.nebius.Exchanges()}, {"yandex", yerr, e.yandex.Exchanges()}} {
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
			e.checkNoSecrets(t, errors.Join(nerr, yerr))
		})
	}
}

func TestExchangersContext(t *testing.T) {
	e := newXchEnv(t)
	e.nebius.Faults.Add(iamtest.Fault{Kind: iamtest.FaultHang})
	e.yandex.Faults.Add(iamtest.Fault{Kind: iamtest.FaultHang})
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
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nebius nil signer", auth.NewNebiusExchanger(nil).Err(), "signer is nil"},
		{"yandex nil signer", auth.NewYandexExchanger(nil).Err(), "signer is nil"},
		{"plain http to a remote host", auth.NewNebiusExchanger(e.nSign, func(o *auth.NebiusExchangerOptions) {
			o.Endpoint = "http://auth.eu.nebius.com/oauth2/token/exchange"
		}).Err(), "plain http to a non-loopback host"},
		{"relative endpoint", auth.NewYandexExchanger(e.ySign, func(o *auth.YandexExchangerOptions) { o.Endpoint = "/iam/v1/tokens" }).Err(), "not an absolute http(s) URL"},
		{"ftp endpoint", auth.NewYandexExchanger(e.ySign, func(o *auth.YandexExchangerOptions) { o.Endpoint = "ftp://x/y" }).Err(), "not an absolute http(s) URL"},
		{"user info", auth.NewYandexExchanger(e.ySign, func(o *auth.YandexExchangerOptions) { o.Endpoint = "https://u:pw@x/y" }).Err(), "user info"},
		{"negative attempts", auth.NewNebiusExchanger(e.nSign, func(o *auth.NebiusExchangerOptions) { o.MaxAttempts = -1 }).Err(), "MaxAttempts -1"},
	}
	for _, tt := range tests {
		if tt.err == nil || !strings.Contains(tt.err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want it to say %q", tt.name, tt.err, tt.want)
		}
	}
	// Exchange reports the same error, without a request.
	x := auth.NewNebiusExchanger(nil, func(o *auth.NebiusExchangerOptions) { o.Endpoint = e.nebius.URL })
	if _, err := x.Exchange(t.Context()); err == nil || err.Error() != x.Err().Error() {
		t.Errorf("Exchange err = %v, want %v", err, x.Err())
	}
	if e.nebius.Exchanges() != 0 {
		t.Error("a misconfigured exchanger sent a request")
	}
	// Defaults are valid.
	if err := auth.NewNebiusExchanger(e.nSign).Err(); err != nil {
		t.Errorf("default Nebius exchanger: %v", err)
	}
	if err := auth.NewYandexExchanger(e.ySign, func(o *auth.YandexExchangerOptions) { o.Endpoint = "http://localhost:1/x" }).Err(); err != nil {
		t.Errorf("loopback http endpoint: %v", err)
	}
	// A failing signer.
	failing := &capturingSigner{err: errors.New("hsm offline")}
	_, err := auth.NewYandexExchanger(failing, func(o *auth.YandexExchangerOptions) { o.Endpoint = e.yandex.URL }).Exchange(t.Context())
	if err == nil || !strings.Contains(err.Error(), "signing the JWT failed") || !strings.Contains(err.Error(), "hsm offline") {
		t.Errorf("failing signer: %v", err)
	}
}

// fixedServer answers every request with status, header and body; it
// reports the last request body it saw.
func fixedServer(t *testing.T, status int, header http.Header, body string) (string, *bytes.Buffer) {
	t.Helper()
	var mu sync.Mutex
	last := &bytes.Buffer{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		last.Reset()
		last.Write(b)
		mu.Unlock()
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, last
}

func TestNebiusResponses(t *testing.T) {
	e := newXchEnv(t)
	const tok = "v1.CANARYtokenCANARYtoken"
	tests := []struct {
		name    string
		status  int
		body    string
		wantErr error
		want    string // error text, or expiry offset for success
		expiry  time.Duration
	}{
		{"ok", 200, `{"access_token":"` + tok + `","token_type":"Bearer","expires_in":3600}`, nil, "", time.Hour},
		{"lowercase bearer", 200, `{"access_token":"` + tok + `","token_type":"bearer","expires_in":60}`, nil, "", time.Minute},
		{"no token_type", 200, `{"access_token":"` + tok + `","expires_in":43200}`, nil, "", 12 * time.Hour},
		{"expires_in as string", 200, `{"access_token":"` + tok + `","expires_in":"120"}`, nil, "", 2 * time.Minute},
		{"no token", 200, `{"expires_in":3600}`, iam.ErrUnavailable, "access_token is missing", 0},
		{"empty token", 200, `{"access_token":"","expires_in":3600}`, iam.ErrUnavailable, "access_token is missing", 0},
		{"token not a string", 200, `{"access_token":42,"expires_in":3600}`, iam.ErrUnavailable, "not a JSON object", 0},
		{"MAC token", 200, `{"access_token":"` + tok + `","token_type":"MAC","expires_in":3600}`, iam.ErrUnavailable, "token_type is not Bearer", 0},
		{"no expires_in", 200, `{"access_token":"` + tok + `"}`, iam.ErrUnavailable, "expires_in", 0},
		{"negative expires_in", 200, `{"access_token":"` + tok + `","expires_in":-5}`, iam.ErrUnavailable, "expires_in", 0},
		{"zero expires_in", 200, `{"access_token":"` + tok + `","expires_in":0}`, iam.ErrUnavailable, "expires_in", 0},
		{"huge expires_in", 200, `{"access_token":"` + tok + `","expires_in":1e300}`, iam.ErrUnavailable, "expires_in", 0},
		{"not JSON", 200, `access_token=` + tok, iam.ErrUnavailable, "not a JSON object", 0},
		{"truncated JSON", 200, `{"access_token":"` + tok, iam.ErrUnavailable, "not a JSON object", 0},
		{"rfc6749 invalid_grant", 400, `{"error":"invalid_grant","error_description":"JWT expired"}`, iam.ErrUnauthenticated, "nebius TokenExchange: JWT expired (http 400, code invalid_grant, request id req-123)", 0},
		{"rfc6749 invalid_request", 400, `{"error":"invalid_request"}`, iam.ErrInvalidArgument, "invalid_request", 0},
		{"rfc6749 unauthorized_client", 400, `{"error":"unauthorized_client","error_description":"no"}`, iam.ErrPermissionDenied, "no", 0},
		{"html 404", 404, `<html><body>Not Found</body></html>`, iam.ErrNotFound, "http 404: <html><body>Not Found</body></html>", 0},
		{"empty 403", 403, ``, iam.ErrPermissionDenied, "http 403 Forbidden", 0},
		{"long body truncated", 400, strings.Repeat("x", 5000), iam.ErrInvalidArgument, "…(truncated)", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, _ := fixedServer(t, tt.status, http.Header{"X-Request-Id": {"req-123"}}, tt.body)
			got, err := e.nebiusX(func(o *auth.NebiusExchangerOptions) { o.Endpoint = u }).Exchange(t.Context())
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if got.Value.Reveal() != tok || got.Type != "Bearer" || !got.Expiry.Equal(xchT0.Add(tt.expiry)) {
					t.Errorf("token %v type %q expiry %v", got.Value.Reveal() == tok, got.Type, got.Expiry)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %v saying %q", err, tt.wantErr, tt.want)
			}
			var ie *iam.Error
			if !errors.As(err, &ie) || ie.HTTPStatus != tt.status || ie.RequestID != "req-123" {
				t.Errorf("error fields %#v", ie)
			}
			if len(err.Error()) > 800 {
				t.Errorf("error text is %d bytes", len(err.Error()))
			}
			e.checkNoSecrets(t, err, tok)
		})
	}
}

func TestNebiusRequestForm(t *testing.T) {
	e := newXchEnv(t)
	u, last := fixedServer(t, 200, nil, `{"access_token":"v1.x","expires_in":60}`)
	if _, err := e.nebiusX(func(o *auth.NebiusExchangerOptions) { o.Endpoint = u }).Exchange(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := last.String()
	jwts := e.nSign.secrets()
	want := "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange" +
		"&requested_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token" +
		"&subject_token=" + jwts[len(jwts)-1] +
		"&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Ajwt"
	if got != want {
		t.Errorf("form\n got %s\nwant %s", got, want)
	}
}

func TestYandexResponses(t *testing.T) {
	e := newXchEnv(t)
	const tok = "t1.CANARYtokenCANARYtoken"
	tests := []struct {
		name    string
		status  int
		body    string
		wantErr error
		want    string
		expiry  time.Time
	}{
		{"ok Z nanos", 200, `{"iamToken":"` + tok + `","expiresAt":"2026-11-24T00:00:00.123456789Z"}`, nil, "", time.Date(2026, 11, 24, 0, 0, 0, 123456789, time.UTC)},
		{"ok no fraction", 200, `{"iamToken":"` + tok + `","expiresAt":"2026-11-24T00:00:00Z"}`, nil, "", time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)},
		{"ok one digit +00:00", 200, `{"iamToken":"` + tok + `","expiresAt":"2026-11-24T00:00:00.5+00:00"}`, nil, "", time.Date(2026, 11, 24, 0, 0, 0, 5e8, time.UTC)},
		{"ok +03:00", 200, `{"iamToken":"` + tok + `","expiresAt":"2026-11-24T03:00:00+03:00"}`, nil, "", time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)},
		{"no token", 200, `{"expiresAt":"2026-11-24T00:00:00Z"}`, iam.ErrUnavailable, "iamToken is missing", time.Time{}},
		{"no expiresAt", 200, `{"iamToken":"` + tok + `"}`, iam.ErrUnavailable, "expiresAt is missing", time.Time{}},
		{"bad expiresAt", 200, `{"iamToken":"` + tok + `","expiresAt":"tomorrow"}`, iam.ErrUnavailable, "expiresAt is not an RFC 3339 time", time.Time{}},
		{"expiresAt unix", 200, `{"iamToken":"` + tok + `","expiresAt":1800000000}`, iam.ErrUnavailable, "not a JSON object", time.Time{}},
		{"already expired", 200, `{"iamToken":"` + tok + `","expiresAt":"2026-11-23T11:00:00Z"}`, iam.ErrUnavailable, "check the system clock", time.Time{}},
		{"not JSON", 200, `<html>`, iam.ErrUnavailable, "not a JSON object", time.Time{}},
		{"status 16", 401, `{"code":16,"message":"JWT signature validation fails","details":[{"@type":"type.googleapis.com/google.rpc.RequestInfo","requestId":"e38e71c3"}]}`,
			iam.ErrUnauthenticated, "yandex TokenExchange: JWT signature validation fails (http 401, grpc code 16, request id e38e71c3)", time.Time{}},
		{"status 3", 400, `{"code":3,"message":"Request validation error"}`, iam.ErrInvalidArgument, "Request validation error", time.Time{}},
		{"code as name", 400, `{"code":"FAILED_PRECONDITION","message":"x"}`, iam.ErrFailedPrecondition, "grpc code 9", time.Time{}},
		{"status 7 on 403", 403, `{"code":7,"message":"Permission denied"}`, iam.ErrPermissionDenied, "Permission denied", time.Time{}},
		{"html 502", 502, `<html>Bad Gateway</html>`, iam.ErrUnavailable, "http 502: <html>Bad Gateway</html>", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, _ := fixedServer(t, tt.status, http.Header{"X-Request-Id": {"hdr-req"}}, tt.body)
			got, err := e.yandexX(func(o *auth.YandexExchangerOptions) {
				o.Endpoint = u
				o.MaxAttempts = 1
			}).Exchange(t.Context())
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if got.Value.Reveal() != tok || got.Type != "Bearer" || !got.Expiry.Equal(tt.expiry) {
					t.Errorf("token ok %v, type %q, expiry %v; want expiry %v", got.Value.Reveal() == tok, got.Type, got.Expiry, tt.expiry)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %v saying %q", err, tt.wantErr, tt.want)
			}
			var ie *iam.Error
			if !errors.As(err, &ie) || ie.HTTPStatus != tt.status || ie.RequestID == "" {
				t.Errorf("error fields %#v", ie)
			}
			e.checkNoSecrets(t, err, tok)
		})
	}
}

func TestYandexRequestBody(t *testing.T) {
	e := newXchEnv(t)
	u, last := fixedServer(t, 200, nil, `{"iamToken":"t1.x","expiresAt":"2026-11-24T00:00:00Z"}`)
	if _, err := e.yandexX(func(o *auth.YandexExchangerOptions) { o.Endpoint = u }).Exchange(t.Context()); err != nil {
		t.Fatal(err)
	}
	jwts := e.ySign.secrets()
	if want := `{"jwt":"` + jwts[len(jwts)-1] + `"}`; last.String() != want {
		t.Errorf("body %s, want %s", last.String(), want)
	}
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
	_, nerr := e.nebiusX(func(o *auth.NebiusExchangerOptions) { o.Endpoint = srv.URL }).Exchange(t.Context())
	_, yerr := e.yandexX(func(o *auth.YandexExchangerOptions) { o.Endpoint = srv.URL }).Exchange(t.Context())
	if nerr == nil || yerr == nil || !strings.Contains(nerr.Error(), "REDACTED") || !strings.Contains(yerr.Error(), "REDACTED") {
		t.Errorf("errors %v / %v: want the echoed JWT redacted", nerr, yerr)
	}
	e.checkNoSecrets(t, errors.Join(nerr, yerr))
}

func TestExchangeTransportError(t *testing.T) {
	e := newXchEnv(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String() + "/oauth2/token/exchange"
	l.Close()
	_, err = e.nebiusX(func(o *auth.NebiusExchangerOptions) { o.Endpoint = u }).Exchange(t.Context())
	var ie *iam.Error
	if !errors.Is(err, iam.ErrUnavailable) || !errors.As(err, &ie) || ie.Provider != iam.Nebius {
		t.Errorf("err = %v, want a nebius ErrUnavailable", err)
	}
	e.checkNoSecrets(t, err)
}

// xchLogs collects debug-level JSON logs.
type xchLogs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *xchLogs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *xchLogs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *xchLogs) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
