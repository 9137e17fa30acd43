package auth_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/iamkit/iamkit/auth"
)

// TestTransportCrossOriginKeepsJarCookies: cookies are not iamkit's
// credentials. A redirect from a.test to b.test through auth.Transport
// carries b.test's cookies from the client's Jar (net/http adds them for
// each hop), never the token, nor a.test's cookies or the Cookie header
// the caller set (net/http does not forward those to another domain).
func TestTransportCrossOriginKeepsJarCookies(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]http.Header{}
	record := func(host string, r *http.Request) {
		mu.Lock()
		seen[host] = r.Header.Clone()
		mu.Unlock()
	}
	b := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		record("b", r)
		io.WriteString(w, "B")
	}))
	defer b.Close()
	a := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		record("a", r)
		http.Redirect(w, r, "http://b.test/landing", http.StatusTemporaryRedirect)
	}))
	defer a.Close()
	addrs := map[string]string{"a.test:80": a.Listener.Addr().String(), "b.test:80": b.Listener.Addr().String()}
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
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	jar.SetCookies(&url.URL{Scheme: "http", Host: "a.test"}, []*http.Cookie{{Name: "a_session", Value: "xhost-canary-a-cookie"}})
	jar.SetCookies(&url.URL{Scheme: "http", Host: "b.test"}, []*http.Cookie{{Name: "b_session", Value: "b-jar-cookie"}})
	client := &http.Client{Jar: jar, Transport: auth.NewTransport(xhostSource(), tr)}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://a.test/start", nil)
	req.Header.Set("Cookie", "explicit=xhost-canary-explicit")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	if got := seen["a"]; got.Get("Authorization") != "Bearer "+xhostToken || !strings.Contains(strings.Join(got.Values("Cookie"), "; "), "a_session=xhost-canary-a-cookie") {
		t.Errorf("A got Authorization %q, Cookie %q; want the token and A's jar cookie", got.Get("Authorization"), got.Values("Cookie"))
	}
	got, ok := seen["b"]
	if !ok {
		t.Fatal("the redirect to B was not followed")
	}
	cookies := strings.Join(got.Values("Cookie"), "; ")
	if !strings.Contains(cookies, "b_session=b-jar-cookie") {
		t.Errorf("B got Cookie %q, want B's jar cookie b_session", cookies)
	}
	for k, vs := range got {
		for _, v := range vs {
			if strings.Contains(v, "xhost-canary") {
				t.Errorf("B got %s: %s", k, v)
			}
		}
	}
	if v := got.Get("Authorization"); v != "" {
		t.Errorf("B got Authorization %q", v)
	}
}
