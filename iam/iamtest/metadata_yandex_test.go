package iamtest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam/iamtest"
)

type metadataAnswer struct {
	status int
	body   string
	tok    struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
		TokenType   string `json:"token_type"`
	}
}

func metadataGet(t *testing.T, method, url string, flavor bool) metadataAnswer {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if flavor {
		req.Header.Set("Metadata-Flavor", "Google")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := metadataAnswer{status: resp.StatusCode, body: string(b)}
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(b, &a.tok); err != nil {
			t.Fatalf("200 body %q: %v", b, err)
		}
	}
	return a
}

func newMetadata(t *testing.T, optFns ...func(*iamtest.YandexMetadataOptions)) *iamtest.YandexMetadataServer {
	t.Helper()
	m, err := iamtest.NewYandexMetadataServer(optFns...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

// TestYandexMetadataServesTheAttachedAccountToken: the real path and
// header, the same token with a shrinking expires_in, a new one near the
// end of its life, tokens recorded in the registry.
func TestYandexMetadataServesTheAttachedAccountToken(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	m := newMetadata(t, func(o *iamtest.YandexMetadataOptions) { o.Clock = clk; o.TokenLifetime = 10 * time.Hour })
	url := m.URL + iamtest.YandexMetadataTokenPath
	if want := "http://" + m.Addr; m.URL != want {
		t.Fatalf("URL %q, Addr %q", m.URL, m.Addr)
	}

	a := metadataGet(t, "GET", url, true)
	if a.status != 200 || !strings.HasPrefix(a.tok.AccessToken, "t1.") || a.tok.ExpiresIn != 36000 || a.tok.TokenType != "Bearer" {
		t.Fatalf("first answer: %d %+v %q", a.status, a.tok, a.body)
	}
	first := a.tok.AccessToken
	if sub, ok := m.Registry.ValidateToken(first, "yandex", clk.Now()); !ok || sub != iamtest.DefaultYandexMetadataServiceAccountID {
		t.Fatalf("registry: subject %q, ok %v", sub, ok)
	}

	clk.Advance(8 * time.Hour)
	a = metadataGet(t, "GET", url, true)
	if a.tok.AccessToken != first || a.tok.ExpiresIn != 7200 {
		t.Fatalf("after 8h: same token %v, expires_in %d; want the same token and 7200", a.tok.AccessToken == first, a.tok.ExpiresIn)
	}
	clk.Advance(80 * time.Minute) // 40 minutes left: below a tenth of 10 hours
	a = metadataGet(t, "GET", url, true)
	if a.tok.AccessToken == first || a.tok.ExpiresIn != 36000 {
		t.Fatalf("near expiry: new token %v, expires_in %d; want a new token of 36000 s", a.tok.AccessToken != first, a.tok.ExpiresIn)
	}

	// Another account attached: a token of it at once.
	m.SetServiceAccount("ajeother")
	b := metadataGet(t, "GET", url, true)
	if sub, ok := m.Registry.ValidateToken(b.tok.AccessToken, "yandex", clk.Now()); !ok || sub != "ajeother" {
		t.Fatalf("after SetServiceAccount: subject %q, ok %v", sub, ok)
	}
	if n := m.Calls(iamtest.YandexMetadataTokenPath); n != 4 {
		t.Fatalf("Calls = %d, want 4", n)
	}
}

// TestYandexMetadataRefusals: no header, no service account, another
// method, another path (not emulated: 501).
func TestYandexMetadataRefusals(t *testing.T) {
	m := newMetadata(t)
	url := m.URL + iamtest.YandexMetadataTokenPath
	for _, tc := range []struct {
		name   string
		method string
		url    string
		flavor bool
		want   int
	}{
		{"no Metadata-Flavor", "GET", url, false, 403},
		{"POST", "POST", url, true, 405},
		{"other path", "GET", m.URL + "/computeMetadata/v1/instance/hostname", true, 501},
		{"EC2 path", "GET", m.URL + "/latest/meta-data/", true, 501},
	} {
		if a := metadataGet(t, tc.method, tc.url, tc.flavor); a.status != tc.want {
			t.Errorf("%s: status %d (%q), want %d", tc.name, a.status, a.body, tc.want)
		}
	}
	m.SetServiceAccount("")
	if a := metadataGet(t, "GET", url, true); a.status != 404 {
		t.Errorf("detached service account: status %d, want 404", a.status)
	}
}

func TestYandexMetadataFaults(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Now())
	m := newMetadata(t, func(o *iamtest.YandexMetadataOptions) { o.Clock = clk })
	url := m.URL + iamtest.YandexMetadataTokenPath
	m.Faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Status: 503, Match: iamtest.YandexMetadataTokenPath})
	if a := metadataGet(t, "GET", url, true); a.status != 503 {
		t.Fatalf("fault: status %d, want 503", a.status)
	}
	m.Faults.Add(iamtest.Fault{Kind: iamtest.FaultLatency, Delay: time.Minute})
	done := make(chan metadataAnswer, 1)
	go func() { done <- metadataGet(t, "GET", url, true) }()
	clk.BlockUntilTimers(1, nil)
	select {
	case a := <-done:
		t.Fatalf("answered before the latency passed: %d", a.status)
	default:
	}
	clk.Advance(time.Minute)
	if a := <-done; a.status != 200 {
		t.Fatalf("after latency: status %d", a.status)
	}
}

func TestYandexMetadataAddr(t *testing.T) {
	if _, err := iamtest.NewYandexMetadataServer(func(o *iamtest.YandexMetadataOptions) { o.Addr = "169.254.169.254:80" }); err == nil ||
		!strings.Contains(err.Error(), "not a loopback address") {
		t.Fatalf("non-loopback Addr: err = %v", err)
	}
	m := newMetadata(t)
	// The same address twice: the second listen fails with an error.
	if _, err := iamtest.NewYandexMetadataServer(func(o *iamtest.YandexMetadataOptions) { o.Addr = m.Addr }); err == nil {
		t.Fatal("listening twice on one address succeeded")
	}
	if a := metadataGet(t, "GET", m.URL+iamtest.YandexMetadataTokenPath, true); a.status != 200 {
		t.Fatalf("status %d", a.status)
	}
	if s := fmt.Sprintf("%v %+v %#v %s", m, m, m, m); strings.Contains(s, "t1.") {
		t.Fatalf("printing shows a token: %s", s)
	}
}
