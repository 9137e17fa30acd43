package auth_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam"
)

// The canaries of this file: none may reach another host.
const (
	xhostToken = "xhost-canary-token"
	xhostJWT   = "eyJhbGciOiJSUzI1NiJ9.eyJ4aG9zdCI6ImNhbmFyeSJ9.xhost-canary-jwt"
)

// xhostCredentialHeaders are the headers that carry (or belong to) a
// credential: the oracle of these tests.
var xhostCredentialHeaders = []string{
	"Authorization", "Proxy-Authorization", "X-Amz-Security-Token", "X-Amz-Date",
	"X-Amz-Content-Sha256", "X-Osc-Date", "Cookie",
}

// xhostSink is server B, where a redirect points: it records every
// request, headers and body, and answers 200.
type xhostSink struct {
	*httptest.Server
	mu   sync.Mutex
	n    int
	seen []string
}

func newXhostSink(t *testing.T) *xhostSink {
	t.Helper()
	s := &xhostSink{}
	s.Server = httptest.NewServer(http.HandlerFunc(s.record))
	t.Cleanup(s.Close)
	return s
}

func (s *xhostSink) record(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	for _, k := range xhostCredentialHeaders {
		if v := r.Header.Get(k); v != "" {
			s.seen = append(s.seen, k+": "+v)
		}
	}
	for k, vs := range r.Header {
		for _, v := range vs {
			if strings.Contains(v, "xhost-canary") {
				s.seen = append(s.seen, "header "+k+" carries a canary")
			}
		}
	}
	if strings.Contains(string(body), "xhost-canary") {
		s.seen = append(s.seen, "body carries a canary: "+string(body))
	}
	w.Write([]byte("B"))
}

func (s *xhostSink) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

func (s *xhostSink) check(t *testing.T, what string) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.seen) > 0 {
		t.Errorf("%s: the other host received credentials (%d requests): %s", what, s.n, strings.Join(s.seen, "; "))
	}
}

// xhostRedirector is server A: every request gets code with a Location on
// B (another port: another host:port).
func xhostRedirector(t *testing.T, code int, to string) *httptest.Server {
	t.Helper()
	a := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Location", to+"/landing")
		w.WriteHeader(code)
	}))
	t.Cleanup(a.Close)
	return a
}

var xhostCodes = []int{301, 302, 303, 307, 308}

func xhostSource() oauth2.TokenSource {
	return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: xhostToken, TokenType: "Bearer"})
}

// TestTransportNoTokenAcrossHosts checks that auth.NewClient and an
// http.Client of the caller's around auth.NewTransport follow a redirect to
// another host:port without the token, and without the credential headers
// the caller's request carried.
func TestTransportNoTokenAcrossHosts(t *testing.T) {
	clients := map[string]func() *http.Client{
		"NewClient": func() *http.Client { return auth.NewClient(xhostSource()) },
		"caller's http.Client": func() *http.Client {
			tr := http.DefaultTransport.(*http.Transport).Clone()
			t.Cleanup(tr.CloseIdleConnections)
			return &http.Client{Transport: auth.NewTransport(xhostSource(), tr), Timeout: 10 * time.Second}
		},
	}
	for name, mk := range clients {
		for _, code := range xhostCodes {
			b := newXhostSink(t)
			a := xhostRedirector(t, code, b.URL)
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, a.URL+"/start", strings.NewReader("payload"))
			req.Header.Set("X-Amz-Security-Token", "xhost-canary-sts") // the caller's own
			resp, err := mk().Do(req)
			what := name + ", " + http.StatusText(code)
			if err != nil {
				t.Errorf("%s: %v", what, err)
				continue
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			b.check(t, what)
			if resp.StatusCode != 200 || b.requests() != 1 {
				t.Errorf("%s: status %d, B saw %d requests; want the redirect followed (without credentials)", what, resp.StatusCode, b.requests())
			}
		}
	}
}

// TestTransportNoTokenToSubdomain checks the case net/http itself lets
// through: a redirect from api.xhost.test to evil.api.xhost.test (a
// subdomain, same port) keeps Authorization in net/http; not here.
func TestTransportNoTokenToSubdomain(t *testing.T) {
	b := newXhostSink(t)
	a := xhostRedirector(t, http.StatusFound, "http://evil.api.xhost.test")
	addrs := map[string]string{"api.xhost.test:80": a.Listener.Addr().String(), "evil.api.xhost.test:80": b.Listener.Addr().String()}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	var d net.Dialer
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if to, ok := addrs[addr]; ok {
			return d.DialContext(ctx, network, to)
		}
		return nil, &net.AddrError{Err: "unknown test host", Addr: addr}
	}
	tr.Proxy = nil
	client := &http.Client{Transport: auth.NewTransport(xhostSource(), tr)}
	resp, err := client.Get("http://api.xhost.test/start")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	b.check(t, "subdomain")
	if b.requests() != 1 {
		t.Errorf("B saw %d requests, want the redirect followed", b.requests())
	}
}

// TestTransportSameHostRedirectAuthorized checks that a redirect on the
// host the caller addressed still carries the token, also when the chain
// went through another host and came back.
func TestTransportSameHostRedirectAuthorized(t *testing.T) {
	// B records what it gets and sends the client back to A.
	b := &xhostSink{}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.record(httptest.NewRecorder(), r)
		http.Redirect(w, r, r.URL.Query().Get("back")+"/home", http.StatusFound)
	}))
	defer b.Close()
	var mu sync.Mutex
	var got []string
	var a *httptest.Server
	a = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.URL.Path+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		switch r.URL.Path {
		case "/start":
			http.Redirect(w, r, "/next", http.StatusFound)
		case "/next":
			http.Redirect(w, r, b.URL+"/away?back="+a.URL, http.StatusFound)
		default:
			w.Write([]byte("A"))
		}
	}))
	defer a.Close()
	resp, err := auth.NewClient(xhostSource()).Get(a.URL + "/start")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	b.check(t, "A → A → B → A")
	want := []string{"/start Bearer " + xhostToken, "/next Bearer " + xhostToken, "/home Bearer " + xhostToken}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("A saw %q, want %q", got, want)
	}
}

// xhostSigner hands out a fixed canary JWT.
type xhostSigner struct{}

func (xhostSigner) SignJWT(time.Time) (iam.Secret, error) { return iam.NewSecret(xhostJWT), nil }

// TestExchangersNoJWTAcrossHosts checks that neither exchanger sends its
// signed JWT (the request body, which a 307/308 re-sends) to another host,
// with the default client and with a caller's client that follows
// redirects.
func TestExchangersNoJWTAcrossHosts(t *testing.T) {
	clients := map[string]func() *http.Client{
		"default": func() *http.Client { return nil },
		"caller": func() *http.Client {
			tr := http.DefaultTransport.(*http.Transport).Clone()
			t.Cleanup(tr.CloseIdleConnections)
			return &http.Client{Transport: tr}
		},
	}
	for name, mk := range clients {
		for _, code := range xhostCodes {
			for _, provider := range []string{"nebius", "yandex"} {
				b := newXhostSink(t)
				a := xhostRedirector(t, code, b.URL)
				hc := mk()
				var err error
				if provider == "nebius" {
					x, xerr := nebiusauth.NewExchanger(xhostSigner{}, func(o *nebiusauth.ExchangerOptions) {
						o.Endpoint, o.HTTPClient, o.MaxAttempts = a.URL+"/token", hc, 1
					})
					if xerr != nil {
						t.Fatal(xerr)
					}
					_, err = x.Exchange(t.Context())
				} else {
					x, xerr := yandexauth.NewExchanger(xhostSigner{}, func(o *yandexauth.ExchangerOptions) {
						o.Endpoint, o.HTTPClient, o.MaxAttempts = a.URL+"/token", hc, 1
					})
					if xerr != nil {
						t.Fatal(xerr)
					}
					_, err = x.Exchange(t.Context())
				}
				what := provider + " exchanger, " + name + " client, " + http.StatusText(code)
				b.check(t, what)
				if err == nil {
					t.Errorf("%s: exchange succeeded on a redirect", what)
				}
				if b.requests() != 0 {
					t.Errorf("%s: B saw %d requests, want the cross-host redirect refused", what, b.requests())
				}
			}
		}
	}
}
