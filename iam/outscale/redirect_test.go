package outscale_test

import (
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/outscale"
)

// The canaries of this file: none may reach another host.
const (
	xhostSecretKey = "xhost-canary-secret-key"
	xhostPassword  = "xhost-canary-password"
	xhostCheckPass = "xhost-canary-checked-password"
)

// xhostCredentialHeaders are the headers that carry (or belong to) a
// credential: the oracle of these tests.
var xhostCredentialHeaders = []string{
	"Authorization", "Proxy-Authorization", "X-Amz-Security-Token", "X-Amz-Date",
	"X-Amz-Content-Sha256", "X-Osc-Date", "Cookie",
}

// xhostSink is server B, where a redirect points: it records what it gets.
type xhostSink struct {
	*httptest.Server
	mu   sync.Mutex
	n    int
	seen []string
}

func (s *xhostSink) handle(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	for _, k := range xhostCredentialHeaders {
		if v := r.Header.Get(k); v != "" {
			s.seen = append(s.seen, k+": "+v)
		}
	}
	if strings.Contains(string(body), "xhost-canary") {
		s.seen = append(s.seen, "body "+string(body))
	}
	io.WriteString(w, `{"AccessKeys":[],"ResponseContext":{"RequestId":"b"}}`)
}

func (s *xhostSink) check(t *testing.T, what string) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.seen) > 0 {
		t.Errorf("%s: the other host received credentials: %s", what, strings.Join(s.seen, "; "))
	}
	if s.n != 0 {
		t.Errorf("%s: the other host got %d requests, want the cross-host redirect refused", what, s.n)
	}
}

// xhostPair starts A (which redirects every call with code to the same
// path on B) and B, over TLS or plain http.
func xhostPair(t *testing.T, code int, tls bool) (a *httptest.Server, b *xhostSink) {
	t.Helper()
	b = &xhostSink{}
	start := httptest.NewServer
	if tls {
		start = httptest.NewTLSServer
	}
	b.Server = start(http.HandlerFunc(b.handle))
	t.Cleanup(b.Close)
	a = start(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Location", b.URL+r.URL.Path)
		w.WriteHeader(code)
	}))
	t.Cleanup(a.Close)
	return a, b
}

// TestNoCredentialAcrossHosts checks that neither a SigV4 signature nor
// Basic credentials, nor a password in a body, reach another host:port
// after a redirect: with the default client, with the client New makes
// for TLS options, and with a caller's client that follows redirects.
func TestNoCredentialAcrossHosts(t *testing.T) {
	type setup struct {
		tls bool
		opt func(o *outscale.Options, a *httptest.Server)
	}
	setups := map[string]setup{
		"default": {false, func(*outscale.Options, *httptest.Server) {}},
		"own TLS transport": {true, func(o *outscale.Options, a *httptest.Server) {
			pool := x509.NewCertPool()
			pool.AddCert(a.Certificate()) // httptest's servers share one certificate
			o.RootCAs = pool
		}},
		"caller": {false, func(o *outscale.Options, _ *httptest.Server) {
			tr := http.DefaultTransport.(*http.Transport).Clone()
			t.Cleanup(tr.CloseIdleConnections)
			o.HTTPClient = &http.Client{Transport: tr, Timeout: 10 * time.Second} // follows redirects
		}},
		"caller TLS": {true, func(o *outscale.Options, a *httptest.Server) {
			o.HTTPClient = a.Client() // trusts the test certificate, follows redirects
		}},
	}
	for name, s := range setups {
		for _, code := range []int{301, 302, 303, 307, 308} {
			for _, auth := range []string{"SigV4", "Basic"} {
				a, b := xhostPair(t, code, s.tls)
				c, err := outscale.New(func(o *outscale.Options) {
					o.Endpoint, o.Region, o.MaxAttempts = a.URL, "eu-west-2", 1
					if auth == "SigV4" {
						o.AccessKey, o.SecretKey = "AKXHOST", iam.NewSecret(xhostSecretKey)
					} else {
						o.Login, o.Password = "xhost@example.com", iam.NewSecret(xhostPassword)
					}
					s.opt(o, a)
				})
				if err != nil {
					t.Fatalf("%s %s: %v", name, auth, err)
				}
				what := name + " client, " + auth + ", " + http.StatusText(code)
				ctx := t.Context()
				if _, err := c.AccessKeys().List(ctx, outscale.ReadAccessKeysRequest{}); err == nil {
					t.Errorf("%s: ReadAccessKeys succeeded through a cross-host redirect", what)
				}
				if _, err := c.AccessKeys().Create(ctx, outscale.CreateAccessKeyRequest{}); err == nil {
					t.Errorf("%s: CreateAccessKey succeeded through a cross-host redirect", what)
				}
				if auth == "SigV4" {
					_, _ = c.CheckAuthentication(ctx, outscale.CheckAuthenticationRequest{Login: "x@example.com", Password: iam.NewSecret(xhostCheckPass)})
				}
				b.check(t, what)
				c.Close()
			}
		}
	}
}
