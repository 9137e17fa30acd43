package httpx

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// The credentials a request of this file carries; none may reach another
// host.
const (
	xhostBearer = "Bearer xhost-canary-token"
	xhostSTS    = "xhost-canary-session-token"
	xhostBody   = "jwt=xhost-canary-jwt"
)

// xhostCredentialHeaders are the headers that carry (or belong to) a
// credential, by name; the oracle of these tests, kept apart from the
// library's own list.
var xhostCredentialHeaders = []string{
	"Authorization", "Proxy-Authorization", "X-Amz-Security-Token", "X-Amz-Date",
	"X-Amz-Content-Sha256", "X-Osc-Date", "Cookie",
}

// xhostSink is server B, the host a redirect points to: it records every
// request it gets, headers and body.
type xhostSink struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string // one line per leaked item
	n    int
}

func newXhostSink(t *testing.T) *xhostSink {
	t.Helper()
	s := &xhostSink{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		defer s.mu.Unlock()
		s.n++
		for _, k := range xhostCredentialHeaders {
			if v := r.Header.Get(k); v != "" {
				s.seen = append(s.seen, k+": "+v)
			}
		}
		for _, secret := range []string{"xhost-canary"} {
			for k, vs := range r.Header {
				for _, v := range vs {
					if strings.Contains(v, secret) {
						s.seen = append(s.seen, "header "+k+" carries a canary")
					}
				}
			}
			if strings.Contains(string(body), secret) {
				s.seen = append(s.seen, "body "+string(body))
			}
		}
		w.Write([]byte("B got it"))
	}))
	t.Cleanup(s.Close)
	return s
}

// check fails t if B saw any credential.
func (s *xhostSink) check(t *testing.T, what string) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.seen) > 0 {
		t.Errorf("%s: the other host received credentials (%d requests): %s", what, s.n, strings.Join(s.seen, "; "))
	}
}

// xhostRedirector is server A: it answers every request with code and a
// Location on B (a different port: another host:port).
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

// xhostClients are the HTTP clients every redirect test runs with: the
// default (which refuses redirects) and a caller's that follows them.
func xhostClients(t *testing.T) map[string]func() *http.Client {
	return map[string]func() *http.Client{
		"default": func() *http.Client { return nil },
		"caller": func() *http.Client {
			tr := http.DefaultTransport.(*http.Transport).Clone()
			t.Cleanup(tr.CloseIdleConnections)
			return &http.Client{Transport: tr} // follows redirects, net/http's policy
		},
	}
}

var xhostCodes = []int{301, 302, 303, 307, 308}

// TestNoCredentialAcrossHosts checks that a redirect to another host:port
// never carries what the request was signed with: no Authorization,
// session token, signing date or body, with the default client and with a
// caller's client that follows redirects.
func TestNoCredentialAcrossHosts(t *testing.T) {
	for name, mk := range xhostClients(t) {
		for _, code := range xhostCodes {
			b := newXhostSink(t)
			a := xhostRedirector(t, code, b.URL)
			hc := mk()
			c := New(fast, func(o *Options) { o.HTTPClient = hc })
			resp, err := c.Do(t.Context(), &Request{
				Op: "Xhost", Method: http.MethodPost, URL: a.URL + "/start",
				Body: []byte(xhostBody), Retry: RetryIdempotent,
				Sign: func(r *http.Request, _ []byte) error {
					r.Header.Set("Authorization", xhostBearer)
					r.Header.Set("X-Amz-Security-Token", xhostSTS)
					r.Header.Set("X-Amz-Date", "20260101T000000Z")
					r.Header.Set("X-Osc-Date", "20260101T000000Z")
					return nil
				},
			})
			what := name + " client, " + http.StatusText(code)
			b.check(t, what)
			if err != nil {
				t.Errorf("%s: %v", what, err)
				continue
			}
			if resp.StatusCode != code {
				t.Errorf("%s: status %d, want the %d handed back", what, resp.StatusCode, code)
			}
			if hc != nil && hc.CheckRedirect != nil {
				t.Errorf("%s: the caller's client was changed (CheckRedirect set)", what)
			}
		}
	}
}

// TestSameHostRedirectFollowed checks that a caller's client still follows
// a redirect on the host the caller addressed, credentials included, and
// that its own CheckRedirect still applies.
func TestSameHostRedirectFollowed(t *testing.T) {
	var got []string
	var mu sync.Mutex
	a := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/start" {
			http.Redirect(w, r, "/next", http.StatusTemporaryRedirect)
			return
		}
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, r.Header.Get("Authorization"), string(body))
		mu.Unlock()
		w.Write([]byte("done"))
	}))
	defer a.Close()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	c := New(fast, func(o *Options) { o.HTTPClient = hc })
	req := &Request{Op: "SameHost", Method: http.MethodPost, URL: a.URL + "/start", Body: []byte("b"),
		Sign: func(r *http.Request, _ []byte) error { r.Header.Set("Authorization", "Bearer t"); return nil }}
	resp, err := c.Do(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || string(resp.Body) != "done" {
		t.Fatalf("status %d body %q, want the redirect followed", resp.StatusCode, resp.Body)
	}
	if len(got) != 2 || got[0] != "Bearer t" || got[1] != "b" {
		t.Errorf("same-host hop got %q, want the Authorization and the body", got)
	}

	// The caller's own policy is still asked.
	hc2 := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = New(fast, func(o *Options) { o.HTTPClient = hc2 }).Do(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusTemporaryRedirect {
		t.Errorf("status %d, want the caller's CheckRedirect to hand back the 307", resp.StatusCode)
	}
}

func TestSameOrigin(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"https://iam.example.com/a", "https://iam.example.com/b?x=1", true},
		{"https://IAM.example.com", "https://iam.example.COM:443/", true},
		{"http://127.0.0.1", "http://127.0.0.1:80/x", true},
		{"https://[::1]:8443/", "https://[::1]:8443/y", true},
		{"https://iam.example.com", "https://evil.iam.example.com", false}, // subdomain
		{"https://iam.example.com", "https://example.com", false},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8081", false},    // other port
		{"https://iam.example.com", "http://iam.example.com", false}, // other scheme
		{"https://iam.example.com:443", "http://iam.example.com:443", false},
		{"https://iam.example.com", "https://iam.example.com.", false},
		{"https://user@iam.example.com", "https://iam.example.com", true}, // user info is not the origin
	}
	for _, tc := range tests {
		a, _ := url.Parse(tc.a)
		b, _ := url.Parse(tc.b)
		if got := SameOrigin(a, b); got != tc.want {
			t.Errorf("SameOrigin(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
	if SameOrigin(nil, nil) {
		t.Error("SameOrigin(nil, nil) = true")
	}
}

func TestCrossOriginHop(t *testing.T) {
	mk := func(raw string, prev *http.Request) *http.Request {
		r := httptest.NewRequest(http.MethodGet, raw, nil)
		if prev != nil {
			r.Response = &http.Response{Request: prev}
		}
		return r
	}
	first := mk("https://a.test/1", nil)
	same := mk("https://a.test/2", first)
	away := mk("https://b.test/3", same)
	back := mk("https://a.test/4", away)
	lost := mk("https://a.test/5", nil)
	lost.Response = &http.Response{} // a chain that cannot be followed back
	for _, tc := range []struct {
		name string
		r    *http.Request
		want bool
	}{{"first", first, false}, {"same", same, false}, {"away", away, true}, {"back", back, false}, {"lost", lost, true}} {
		if got := CrossOriginHop(tc.r); got != tc.want {
			t.Errorf("%s: CrossOriginHop = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestWithoutCredentials(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, "https://a.test/", strings.NewReader("b"))
	if WithoutCredentials(r) != r {
		t.Error("a request without credentials was copied")
	}
	r.Header.Set("Authorization", "Bearer t")
	r.Header["x-amz-security-token"] = []string{"s"} // not canonical
	r.Header.Set("X-Osc-Date", "d")
	r.Header.Set("Content-Type", "text/plain")
	w := WithoutCredentials(r)
	if len(w.Header) != 1 || w.Header.Get("Content-Type") != "text/plain" || w.Body != r.Body {
		t.Errorf("stripped header %v, want only Content-Type and the same body", w.Header)
	}
	if r.Header.Get("Authorization") == "" || len(r.Header) != 4 {
		t.Errorf("the original request was changed: %v", r.Header)
	}
}

// TestWithoutCredentialsStripList checks that the headers stripped are
// exactly the credentials iamkit sets, and the headers a signature in
// Authorization lists (SignedHeaders, SigV4 or OSC4, any case): cookies
// are left to net/http, which adds a Jar's cookies for each hop's host.
func TestWithoutCredentialsStripList(t *testing.T) {
	r := httptest.NewRequest(http.MethodPut, "https://a.test/", strings.NewReader("b"))
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AK/20260318/eu-west-2/s3/aws4_request, SignedHeaders=content-md5;host;X-Amz-Date;x-amz-meta-owner;x-amz-server-side-encryption-customer-key, Signature=abc")
	for _, k := range []string{"Proxy-Authorization", "X-Amz-Security-Token", "X-Amz-Date", "X-Amz-Content-Sha256", "X-Osc-Date",
		"Content-Md5", "X-Amz-Meta-Owner", "X-Amz-Server-Side-Encryption-Customer-Key"} {
		r.Header.Set(k, "v")
	}
	r.Header.Set("Cookie", "jar=1")
	r.Header.Set("Cookie2", "x")
	r.Header.Set("Content-Type", "text/plain")
	r.Header.Set("X-Amz-Meta-Unsigned", "kept")
	w := WithoutCredentials(r)
	var kept []string
	for k := range w.Header {
		kept = append(kept, k)
	}
	slices.Sort(kept)
	if want := []string{"Content-Type", "Cookie", "Cookie2", "X-Amz-Meta-Unsigned"}; !slices.Equal(kept, want) {
		t.Errorf("kept %q, want %q", kept, want)
	}
	o := httptest.NewRequest(http.MethodGet, "https://a.test/", nil)
	o.Header.Set("Authorization", "OSC4-HMAC-SHA256 Credential=AK/20260318/eu-west-2/api/osc4_request, signedheaders=host;x-osc-date;x-custom, Signature=abc")
	o.Header.Set("X-Custom", "signed")
	o.Header.Set("Cookie", "jar=1")
	if w := WithoutCredentials(o); len(w.Header) != 1 || w.Header.Get("Cookie") != "jar=1" {
		t.Errorf("OSC4: kept %v, want only Cookie", w.Header)
	}
	c := httptest.NewRequest(http.MethodGet, "https://a.test/", nil)
	c.Header.Set("Cookie", "jar=1")
	if WithoutCredentials(c) != c {
		t.Error("a request with only cookies was copied")
	}
}

// TestKeepOnHostRedirectLimit checks that the same-origin policy without a
// CheckRedirect of the caller's is net/http's: at most 10 redirects.
func TestKeepOnHostRedirectLimit(t *testing.T) {
	var n atomic.Int32
	a := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.Redirect(w, r, "/again", http.StatusFound)
	}))
	defer a.Close()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	_, err := New(fast, func(o *Options) { o.HTTPClient = &http.Client{Transport: tr} }).Do(t.Context(), &Request{URL: a.URL, Retry: RetryIdempotent})
	if err == nil || !strings.Contains(err.Error(), "stopped after 10 redirects") || n.Load() != 10 {
		t.Errorf("err = %v after %d requests, want net/http's limit of 10 redirects, not retried", err, n.Load())
	}
}
