package exchange_test

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/internal/loopback/loopbacktest"
)

// jwtFront is a server in front of a token emulator. Its first failFirst
// requests are answered 503 (Retry-After: 0) after the fake clock moved on
// by step, as a long Retry-After wait would; later requests go through to
// the emulator. It records, for every request, whether the JWT it carried
// had expired on the clock when it arrived.
type jwtFront struct {
	t         *testing.T
	clk       *iamtest.FakeClock
	step      time.Duration
	failFirst int // -1: every request

	mu      sync.Mutex
	n       int
	expired []bool
	jwts    []string
}

func (f *jwtFront) handler(next string) http.Handler {
	target, err := url.Parse(next)
	if err != nil {
		f.t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		tok := jwtOf(r.Header.Get("Content-Type"), body)
		var claims jwt.RegisteredClaims
		_, _, perr := jwt.NewParser().ParseUnverified(tok, &claims)
		f.mu.Lock()
		f.n++
		n := f.n
		f.expired = append(f.expired, perr != nil || claims.ExpiresAt == nil || !claims.ExpiresAt.After(f.clk.Now()))
		f.jwts = append(f.jwts, tok)
		f.mu.Unlock()
		if f.failFirst < 0 || n <= f.failFirst {
			f.clk.Advance(f.step)
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		proxy.ServeHTTP(w, r)
	})
}

func jwtOf(contentType string, body []byte) string {
	if strings.HasPrefix(contentType, "application/x-www-form-urlencoded") {
		v, _ := url.ParseQuery(string(body))
		return v.Get("subject_token")
	}
	var b struct {
		JWT string `json:"jwt"`
	}
	_ = json.Unmarshal(body, &b)
	return b.JWT
}

// Issue 11, item 11: the JWT was signed once per exchange, and retries
// after long Retry-After waits presented it expired (reported as
// invalid_grant / ErrUnauthenticated).
func TestExchangersRetryNeverPresentAnExpiredJWT(t *testing.T) {
	for _, tc := range []struct {
		name      string
		step      time.Duration // > the JWT's lifetime
		failFirst int
		attempts  int
		wantErr   error
	}{
		{"one 503, then served", 2 * time.Minute, 1, 2, nil},
		{"two 503s, then served", 2 * time.Minute, 2, 3, nil},
		{"503 until the attempts run out", 2 * time.Minute, -1, 3, iam.ErrUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newXchEnv(t)
			nf := &jwtFront{t: t, clk: e.Clock, step: tc.step, failFirst: tc.failFirst}
			nsrv := httptest.NewServer(nf.handler(e.Nebius.URL))
			defer nsrv.Close()
			// The Yandex JWT lives 10 minutes by default.
			yf := &jwtFront{t: t, clk: e.Clock, step: 5 * tc.step, failFirst: tc.failFirst}
			ysrv := httptest.NewServer(yf.handler(e.Yandex.URL))
			defer ysrv.Close()

			_, nerr := e.nebiusX(func(o *nebiusauth.ExchangerOptions) { o.Endpoint = nsrv.URL + "/oauth2/token/exchange" }).Exchange(t.Context())
			_, yerr := e.yandexX(func(o *yandexauth.ExchangerOptions) { o.Endpoint = ysrv.URL + "/iam/v1/tokens" }).Exchange(t.Context())
			for _, r := range []struct {
				name  string
				err   error
				front *jwtFront
			}{{"nebius", nerr, nf}, {"yandex", yerr, yf}} {
				if tc.wantErr == nil && r.err != nil {
					t.Errorf("%s: %v", r.name, r.err)
				}
				if tc.wantErr != nil && (!errors.Is(r.err, tc.wantErr) || errors.Is(r.err, iam.ErrUnauthenticated)) {
					t.Errorf("%s: err = %v, want %v", r.name, r.err, tc.wantErr)
				}
				r.front.mu.Lock()
				if r.front.n != tc.attempts {
					t.Errorf("%s: %d attempts, want %d", r.name, r.front.n, tc.attempts)
				}
				for i, exp := range r.front.expired {
					if exp {
						t.Errorf("%s: attempt %d presented an expired JWT", r.name, i+1)
					}
				}
				r.front.mu.Unlock()
			}
			e.CheckNoSecrets(t, errors.Join(nerr, yerr))
		})
	}
}

// Issue 11, item 13: transport failures of a token exchange printed as
// "nebius TokenExchange: unavailable", the cause reachable only through
// errors.As. The error says the cause once, with the host.
func TestExchangeErrorsSayTheirCause(t *testing.T) {
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer tlsSrv.Close()
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer plain.Close()
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"` + strings.Repeat("a", 70<<10) + `"}`))
	}))
	defer big.Close()
	reset := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // close with RST
		}
		conn.Close()
	}))
	defer reset.Close()
	refused := "http://" + loopbacktest.Refused(t)

	for _, tc := range []struct {
		name     string
		endpoint string
		cause    string
		check    func(error) bool
	}{
		{"untrusted TLS", tlsSrv.URL, "certificate signed by unknown authority", func(err error) bool {
			var ua x509.UnknownAuthorityError
			return errors.As(err, &ua)
		}},
		{"TLS to a plain server", strings.Replace(plain.URL, "http://", "https://", 1), "server gave HTTP response to HTTPS client", nil},
		{"connection refused", refused, "connection refused", nil},
		{"connection reset", reset.URL, "connection reset by peer", nil},
		{"oversized body", big.URL, "response body too large", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newXchEnv(t)
			u, _ := url.Parse(tc.endpoint)
			_, nerr := e.nebiusX(func(o *nebiusauth.ExchangerOptions) { o.Endpoint = tc.endpoint + "/oauth2/token/exchange" }).Exchange(t.Context())
			_, yerr := e.yandexX(func(o *yandexauth.ExchangerOptions) { o.Endpoint = tc.endpoint + "/iam/v1/tokens" }).Exchange(t.Context())
			for name, err := range map[string]error{"nebius": nerr, "yandex": yerr} {
				if err == nil {
					t.Fatalf("%s: no error", name)
				}
				msg := err.Error()
				if n := strings.Count(msg, tc.cause); n != 1 {
					t.Errorf("%s: %q says %q %d times, want once", name, msg, tc.cause, n)
				}
				if !strings.Contains(msg, u.Host) {
					t.Errorf("%s: %q does not name the host %s", name, msg, u.Host)
				}
				if !errors.Is(err, iam.ErrUnavailable) {
					t.Errorf("%s: %q does not match ErrUnavailable", name, msg)
				}
				if tc.check != nil && !tc.check(err) {
					t.Errorf("%s: %q: the cause is not reachable with errors.As", name, msg)
				}
			}
			e.CheckNoSecrets(t, errors.Join(nerr, yerr))
		})
	}
}
