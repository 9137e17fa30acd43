package yandex_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/iam/yandex"
)

const xhostToken = "xhost-canary-token"

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

func newXhostSink(t *testing.T, answer string) *xhostSink {
	t.Helper()
	s := &xhostSink{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.n++
		for _, k := range xhostCredentialHeaders {
			if v := r.Header.Get(k); v != "" {
				s.seen = append(s.seen, k+": "+v)
			}
		}
		if strings.Contains(string(body), "xhost-canary") {
			s.seen = append(s.seen, "body "+string(body))
		}
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, answer)
	}))
	t.Cleanup(s.Close)
	return s
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

// xhostRedirector is server A: it answers code with a Location on B.
func xhostRedirector(t *testing.T, code int, to string) *httptest.Server {
	t.Helper()
	a := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Location", to+r.URL.Path)
		w.WriteHeader(code)
	}))
	t.Cleanup(a.Close)
	return a
}

func xhostClients(t *testing.T) map[string]func() *http.Client {
	return map[string]func() *http.Client{
		"default": func() *http.Client { return nil },
		"caller": func() *http.Client {
			tr := http.DefaultTransport.(*http.Transport).Clone()
			t.Cleanup(tr.CloseIdleConnections)
			return &http.Client{Transport: tr} // follows redirects
		},
	}
}

// TestNoTokenAcrossHosts checks that a redirect to another host:port never
// gets the bearer token (nor any request), with the default client and
// with a caller's client that follows redirects.
func TestNoTokenAcrossHosts(t *testing.T) {
	for name, mk := range xhostClients(t) {
		for _, code := range []int{301, 302, 303, 307, 308} {
			b := newXhostSink(t, `{"id":"ajexhost"}`)
			a := xhostRedirector(t, code, b.URL)
			c, err := yandex.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: xhostToken}), func(o *yandex.Options) {
				o.Endpoint, o.OperationEndpoint, o.HTTPClient, o.MaxAttempts = a.URL, a.URL, mk(), 1
			})
			if err != nil {
				t.Fatal(err)
			}
			what := name + " client, " + http.StatusText(code)
			if _, err := c.APIKeys().Get(t.Context(), "ajexhost"); err == nil {
				t.Errorf("%s: Get succeeded through a cross-host redirect", what)
			}
			if _, err := c.APIKeys().Create(t.Context(), yandex.CreateAPIKeyRequest{ServiceAccountID: "ajexhostsa"}); err == nil {
				t.Errorf("%s: Create succeeded through a cross-host redirect", what)
			}
			if _, err := c.Operations().Get(t.Context(), "ajexhostop"); err == nil {
				t.Errorf("%s: Operations.Get succeeded through a cross-host redirect", what)
			}
			b.check(t, what)
		}
	}
}

// TestDiscoveryRefusesCrossHostRedirect checks that endpoint discovery
// does not follow a redirect to another host, which would choose the
// hosts the tokens are then sent to.
func TestDiscoveryRefusesCrossHostRedirect(t *testing.T) {
	for name, mk := range xhostClients(t) {
		b := newXhostSink(t, `{"endpoints":[{"id":"iam","address":"iam.evil.test:443"}]}`)
		a := xhostRedirector(t, http.StatusFound, b.URL)
		eps, err := yandex.DiscoverEndpoints(t.Context(), a.URL+"/endpoints", func(o *yandex.DiscoveryOptions) { o.HTTPClient = mk() })
		if err == nil {
			t.Errorf("%s client: discovery followed the redirect: %+v", name, eps)
		}
		b.check(t, name+" client")
	}
}
