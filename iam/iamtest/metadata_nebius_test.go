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

type nebiusMetadataAnswer struct {
	status int
	body   string
	tok    struct {
		AccessToken string `json:"access_token"`
		ExpiresAt   string `json:"expires_at"`
	}
}

func nebiusMetadataGet(t *testing.T, method, url string, header bool) nebiusMetadataAnswer {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if header {
		req.Header.Set("Metadata", "true")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := nebiusMetadataAnswer{status: resp.StatusCode, body: string(b)}
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(b, &a.tok); err != nil {
			t.Fatalf("200 body %q: %v", b, err)
		}
	}
	return a
}

func newNebiusMetadata(t *testing.T, optFns ...func(*iamtest.NebiusMetadataOptions)) *iamtest.NebiusMetadataServer {
	t.Helper()
	m, err := iamtest.NewNebiusMetadataServer(optFns...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

// TestNebiusMetadataServesTheAttachedAccountToken: the real path and
// header, the same token with the same expires_at, a new one near the end
// of its life, tokens recorded in the registry as Nebius tokens.
func TestNebiusMetadataServesTheAttachedAccountToken(t *testing.T) {
	start := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	clk := iamtest.NewFakeClock(start)
	m := newNebiusMetadata(t, func(o *iamtest.NebiusMetadataOptions) { o.Clock = clk; o.TokenLifetime = 10 * time.Hour })
	if m.URL != "http://"+m.Addr || m.TokenURL != m.URL+iamtest.NebiusMetadataTokenPath {
		t.Fatalf("URL %q, TokenURL %q, Addr %q", m.URL, m.TokenURL, m.Addr)
	}
	a := nebiusMetadataGet(t, "GET", m.TokenURL, true)
	if a.status != 200 || !strings.HasPrefix(a.tok.AccessToken, "v1.") || a.tok.ExpiresAt != "2026-05-01T22:00:00Z" {
		t.Fatalf("first answer: %d %+v %q", a.status, a.tok, a.body)
	}
	first := a.tok.AccessToken
	if sub, ok := m.Registry.ValidateToken(first, "nebius", clk.Now()); !ok || sub != iamtest.DefaultNebiusMetadataServiceAccountID {
		t.Fatalf("registry: subject %q, ok %v", sub, ok)
	}
	clk.Advance(8 * time.Hour)
	if a = nebiusMetadataGet(t, "GET", m.TokenURL, true); a.tok.AccessToken != first || a.tok.ExpiresAt != "2026-05-01T22:00:00Z" {
		t.Fatalf("after 8h: same token %v, expires_at %s", a.tok.AccessToken == first, a.tok.ExpiresAt)
	}
	clk.Advance(80 * time.Minute) // 40 minutes left: below a tenth of 10 hours
	if a = nebiusMetadataGet(t, "GET", m.TokenURL, true); a.tok.AccessToken == first || a.tok.ExpiresAt != "2026-05-02T07:20:00Z" {
		t.Fatalf("near expiry: new token %v, expires_at %s", a.tok.AccessToken != first, a.tok.ExpiresAt)
	}
	m.SetServiceAccount("serviceaccount-e00other")
	b := nebiusMetadataGet(t, "GET", m.TokenURL, true)
	if sub, ok := m.Registry.ValidateToken(b.tok.AccessToken, "nebius", clk.Now()); !ok || sub != "serviceaccount-e00other" {
		t.Fatalf("after SetServiceAccount: subject %q, ok %v", sub, ok)
	}
	if n := m.Calls(iamtest.NebiusMetadataTokenPath); n != 4 {
		t.Fatalf("Calls = %d, want 4", n)
	}
}

// TestNebiusMetadataRefusals: no header, no service account, another
// method, another path (not emulated: 501).
func TestNebiusMetadataRefusals(t *testing.T) {
	m := newNebiusMetadata(t)
	for _, tc := range []struct {
		name, method, url string
		header            bool
		want              int
	}{
		{"no Metadata header", "GET", m.TokenURL, false, 403},
		{"POST", "POST", m.TokenURL, true, 405},
		{"other path", "GET", m.URL + "/v1/instance/id", true, 501},
		{"GCE path", "GET", m.URL + "/computeMetadata/v1/instance/service-accounts/default/token", true, 501},
	} {
		if a := nebiusMetadataGet(t, tc.method, tc.url, tc.header); a.status != tc.want {
			t.Errorf("%s: status %d (%q), want %d", tc.name, a.status, a.body, tc.want)
		}
	}
	m.SetServiceAccount("")
	if a := nebiusMetadataGet(t, "GET", m.TokenURL, true); a.status != 404 {
		t.Errorf("detached service account: status %d, want 404", a.status)
	}
}

func TestNebiusMetadataFaultsAndAddr(t *testing.T) {
	if _, err := iamtest.NewNebiusMetadataServer(func(o *iamtest.NebiusMetadataOptions) { o.Addr = "10.0.0.1:80" }); err == nil ||
		!strings.Contains(err.Error(), "not a loopback address") {
		t.Fatalf("non-loopback Addr: err = %v", err)
	}
	if _, err := iamtest.NewNebiusMetadataServer(func(o *iamtest.NebiusMetadataOptions) { o.TokenLifetime = -time.Second }); err == nil {
		t.Fatal("negative TokenLifetime accepted")
	}
	m := newNebiusMetadata(t)
	m.Faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Status: 503, Match: iamtest.NebiusMetadataTokenPath})
	if a := nebiusMetadataGet(t, "GET", m.TokenURL, true); a.status != 503 {
		t.Fatalf("fault: status %d, want 503", a.status)
	}
	if a := nebiusMetadataGet(t, "GET", m.TokenURL, true); a.status != 200 {
		t.Fatalf("after the fault: status %d", a.status)
	}
	if s := fmt.Sprintf("%v %+v %#v %s", m, m, m, m); strings.Contains(s, "v1.") {
		t.Fatalf("printing shows a token: %s", s)
	}
}
