package yandextest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
	"github.com/iamkit/iamkit/internal/loopback/loopbacktest"
)

type answer struct {
	status int
	header http.Header
	body   map[string]any
}

func do(t *testing.T, method, url, token string, hdr map[string]string, body string) answer {
	t.Helper()
	a, err := doE(method, url, token, hdr, body)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// doE sends a request and decodes the JSON answer; it is safe to call from
// any goroutine.
func doE(method, url, token string, hdr map[string]string, body string) (answer, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return answer{}, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header}
	if err := json.Unmarshal(raw, &a.body); err != nil {
		return a, fmt.Errorf("%s %s: answer is not a JSON object: %q", method, url, raw)
	}
	return a, nil
}

// newServer starts an emulator for a test and closes it at cleanup.
func newServer(t *testing.T, optFns ...func(*yandextest.Options)) *yandextest.Server {
	t.Helper()
	srv, err := yandextest.New(optFns...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

func TestAuthentication(t *testing.T) {
	fc := iamtest.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	srv := newServer(t, func(o *yandextest.Options) { o.Clock = fc })
	tok := srv.IssueToken(srv.ServiceAccountID(), time.Hour)
	tests := []struct {
		name   string
		header string
		status int
	}{
		{"no header", "", 401},
		{"not bearer", "Basic abc", 401},
		{"unknown token", "Bearer t1.nope", 401},
		{"valid", "Bearer " + tok, 200},
	}
	for _, tc := range tests {
		a := do(t, "GET", srv.URL+"/iam/v1/keys", "", map[string]string{"Authorization": tc.header}, "")
		if a.status != tc.status {
			t.Errorf("%s: status %d, want %d (%v)", tc.name, a.status, tc.status, a.body)
		}
		if tc.status == 401 && a.body["code"] != float64(16) {
			t.Errorf("%s: body %v", tc.name, a.body)
		}
	}
	fc.Advance(time.Hour)
	if a := do(t, "GET", srv.URL+"/iam/v1/keys", tok, nil, ""); a.status != 401 {
		t.Fatalf("expired token: %d", a.status)
	}
	// A token of another emulator (issuer) is refused.
	srv.Registry.PutToken("t1.nebius", iamtest.IssuedToken{Subject: "x", Issuer: "nebius", ExpiresAt: fc.Now().Add(time.Hour)})
	if a := do(t, "GET", srv.URL+"/iam/v1/keys", "t1.nebius", nil, ""); a.status != 401 {
		t.Fatalf("nebius token: %d", a.status)
	}
}

func TestRoutesAndErrors(t *testing.T) {
	srv := newServer(t)
	tok := srv.IssueToken(srv.ServiceAccountID(), 0)
	tests := []struct {
		method, path, body string
		status             int
		code               float64
	}{
		{"GET", "/iam/v1/nothing", "", 404, 5},
		{"PUT", "/iam/v1/apiKeys", "", 501, 12},
		{"GET", "/iam/v1/apiKeys/ajemissing", "", 404, 5},
		{"GET", "/iam/v1/apiKeys?pageSize=1001", "", 400, 3},
		{"GET", "/iam/v1/apiKeys?pageToken=zzz", "", 400, 3},
		{"GET", "/iam/v1/apiKeys?serviceAccountId=ajeunknown", "", 404, 5},
		{"POST", "/iam/v1/apiKeys", "{", 400, 3},
		{"POST", "/iam/v1/apiKeys", `{"scopes":["a","a"]}`, 400, 3},
		{"POST", "/iam/v1/apiKeys", `{"expiresAt":"2000-01-01T00:00:00Z"}`, 400, 3},
		{"POST", "/iam/v1/apiKeys", `{"expiresAt":"2106-01-01T00:00:00Z"}`, 400, 3},
		{"POST", "/iam/v1/apiKeys", `{"description":"` + strings.Repeat("d", 257) + `"}`, 400, 3},
		{"POST", "/iam/v1/keys", `{"keyAlgorithm":"DSA"}`, 400, 3},
		{"GET", "/iam/v1/keys?format=PEM", "", 400, 3},
		{"POST", "/iam/aws-compatibility/v1/ephemeralAccessKeys", `{"sessionName":"a b"}`, 400, 3},
		{"POST", "/iam/aws-compatibility/v1/ephemeralAccessKeys", `{"sessionName":"a","duration":"1m"}`, 400, 3},
		{"GET", "/operations/nope", "", 404, 5},
		{"POST", "/iam/v1/apiKeys", `{"unknownField":1}`, 501, 12},
		{"GET", "/iam/v1/apiKeys?unknownParam=1", "", 501, 12},
		{"DELETE", "/iam/v1/apiKeys/ajemissing", `{"x":1}`, 501, 12},
		{"GET", "/iam/v1/apiKeys/ajemissing:undelete", "", 501, 12},
		{"GET", "/endpoints/nothere", "", 404, 5},
	}
	for _, tc := range tests {
		a := do(t, tc.method, srv.URL+tc.path, tok, map[string]string{"x-request-id": "rid-1"}, tc.body)
		if a.status != tc.status {
			t.Errorf("%s %s: status %d, want %d (%v)", tc.method, tc.path, a.status, tc.status, a.body)
			continue
		}
		if a.header.Get("x-request-id") != "rid-1" || a.header.Get("x-server-trace-id") == "" {
			t.Errorf("%s %s: request headers %v", tc.method, tc.path, a.header)
		}
		if tc.code != 0 {
			if a.body["code"] != tc.code || a.body["message"] == "" {
				t.Errorf("%s %s: body %v", tc.method, tc.path, a.body)
			}
			d, _ := a.body["details"].([]any)
			if len(d) != 1 || !strings.Contains(toJSON(d[0]), "rid-1") {
				t.Errorf("%s %s: details %v", tc.method, tc.path, d)
			}
		}
	}
}

func toJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestIdempotencyReplay(t *testing.T) {
	srv := newServer(t)
	tok := srv.IssueToken(srv.ServiceAccountID(), 0)
	h := map[string]string{"Idempotency-Key": "k-1"}
	a1 := do(t, "POST", srv.URL+"/iam/aws-compatibility/v1/accessKeys", tok, h, `{"description":"x"}`)
	a2 := do(t, "POST", srv.URL+"/iam/aws-compatibility/v1/accessKeys", tok, h, `{"description":"x"}`)
	if a1.status != 200 || toJSON(a1.body) != toJSON(a2.body) {
		t.Fatalf("replay differs:\n%v\n%v", a1.body, a2.body)
	}
	if a3 := do(t, "POST", srv.URL+"/iam/aws-compatibility/v1/accessKeys", tok, h, `{"description":"y"}`); a3.status != 400 {
		t.Fatalf("reused key with another body: %d", a3.status)
	}
	list := do(t, "GET", srv.URL+"/iam/aws-compatibility/v1/accessKeys", tok, nil, "")
	if n := len(list.body["accessKeys"].([]any)); n != 1 {
		t.Fatalf("%d keys, want 1", n)
	}
	if st := srv.Stats(); st.Replays != 1 || st.IdempotencyKeys != 1 {
		t.Fatalf("stats %+v", st)
	}
	if n := srv.Calls("AccessKeyService/Create"); n != 3 {
		t.Fatalf("Calls(AccessKeyService/Create) = %d, want 3", n)
	}
}

func TestFaults(t *testing.T) {
	srv := newServer(t)
	tok := srv.IssueToken(srv.ServiceAccountID(), 0)
	srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Status: 429, RetryAfter: "2", Match: "/iam/v1/keys"})
	a := do(t, "GET", srv.URL+"/iam/v1/keys", tok, nil, "")
	if a.status != 429 || a.body["code"] != float64(8) || a.header.Get("Retry-After") != "2" {
		t.Fatalf("fault answer %d %v", a.status, a.body)
	}
	if a := do(t, "GET", srv.URL+"/iam/v1/keys", tok, nil, ""); a.status != 200 {
		t.Fatalf("fault not used up: %d", a.status)
	}
	srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultReset, Match: "KeyService/List"})
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	if _, err := fresh.Get(srv.URL + "/iam/v1/keys"); err == nil {
		t.Fatal("reset fault answered")
	}
	// Hang is released by Close.
	srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultHang})
	done := make(chan error, 1)
	go func() {
		_, err := http.Get(srv.URL + "/iam/v1/keys")
		done <- err
	}()
	for srv.Calls("") < 4 {
		<-time.After(time.Millisecond) // waits for the request to arrive
	}
	srv.Close()
	<-done
}

func TestBootstrapKeyFileExchanges(t *testing.T) {
	reg := iamtest.NewRegistry()
	tokens, err := iamtest.NewYandexTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = reg })
	if err != nil {
		t.Fatal(err)
	}
	defer tokens.Close()
	srv := newServer(t, func(o *yandextest.Options) { o.Registry = reg })
	keyJSON, err := srv.BootstrapKeyFile()
	if err != nil {
		t.Fatal(err)
	}
	again, _ := srv.BootstrapKeyFile()
	if !bytes.Equal(keyJSON, again) {
		t.Fatal("bootstrap key changed")
	}
	if !bytes.Contains(keyJSON, []byte(`PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key ID \u003caje`)) {
		t.Fatalf("not a yc key.json:\n%s", keyJSON)
	}
	key, err := yandexauth.ParseKey(keyJSON, "bootstrap")
	if err != nil {
		t.Fatal(err)
	}
	signer, err := yandexauth.NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	x, err := yandexauth.NewExchanger(signer, func(o *yandexauth.ExchangerOptions) { o.Endpoint = tokens.URL })
	if err != nil {
		t.Fatal(err)
	}
	tok, err := x.Exchange(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	a := do(t, "GET", srv.URL+"/iam/v1/keys", tok.Value.Reveal(), nil, "")
	if a.status != 200 || len(a.body["keys"].([]any)) != 1 {
		t.Fatalf("keys with the bootstrap token: %d %v", a.status, a.body)
	}
}

func TestAPIKeyCheckRoute(t *testing.T) {
	srv := newServer(t)
	tok := srv.IssueToken(srv.ServiceAccountID(), 0)
	c := do(t, "POST", srv.URL+"/iam/v1/apiKeys", tok, nil, `{"scopes":["yc.postbox.send"]}`)
	secret, _ := c.body["secret"].(string)
	if secret == "" {
		t.Fatalf("create: %v", c.body)
	}
	tests := []struct {
		auth, scope string
		status      int
	}{
		{"Api-Key " + secret, "", 200},
		{"Api-Key " + secret, "yc.postbox.send", 200},
		{"Api-Key " + secret, "yc.monitoring.read", 401},
		{"Api-Key wrong", "", 401},
		{"Bearer " + tok, "", 401},
	}
	for _, tc := range tests {
		a := do(t, "GET", srv.URL+"/iamtest/v1/apiKeyCheck?scope="+tc.scope, "", map[string]string{"Authorization": tc.auth}, "")
		if a.status != tc.status {
			t.Errorf("%q scope %q: %d, want %d", tc.auth[:8], tc.scope, a.status, tc.status)
		}
		if strings.Contains(toJSON(a.body), secret) {
			t.Error("secret echoed")
		}
	}
}

// TestEndpointsNameTheListenAddress: the endpoint list and Get name the
// address the emulator listens on (Options.Addr), which clients reach.
func TestEndpointsNameTheListenAddress(t *testing.T) {
	addr := loopbacktest.Free(t)
	srv := newServer(t, func(o *yandextest.Options) { o.Addr = addr })
	if srv.Addr != addr || srv.URL != "http://"+addr {
		t.Fatalf("Addr %q, URL %q; want %s", srv.Addr, srv.URL, addr)
	}
	a := do(t, "GET", srv.URL+"/endpoints", "", nil, "")
	want := `[{"address":"` + addr + `","id":"iam"},{"address":"` + addr + `","id":"operation"}]`
	if a.status != 200 || toJSON(a.body["endpoints"]) != want {
		t.Fatalf("endpoints %d %v, want %s", a.status, a.body, want)
	}
	if a := do(t, "GET", srv.URL+"/endpoints/operation", "", nil, ""); a.status != 200 || a.body["address"] != addr {
		t.Fatalf("endpoint operation: %d %v", a.status, a.body)
	}
	if n := srv.Calls("ApiEndpointService/List"); n != 1 {
		t.Errorf("Calls(ApiEndpointService/List) = %d, want 1", n)
	}
}

// TestOptionsAreChecked: a listen address off loopback, negative counts
// and an unknown ScopesPaths are refused by New.
func TestOptionsAreChecked(t *testing.T) {
	for _, tc := range []struct {
		name string
		fn   func(*yandextest.Options)
		want string
	}{
		{"all interfaces", func(o *yandextest.Options) { o.Addr = "0.0.0.0:0" }, "not a loopback address"},
		{"a public host", func(o *yandextest.Options) { o.Addr = "203.0.113.7:8080" }, "not a loopback address"},
		{"no port", func(o *yandextest.Options) { o.Addr = "127.0.0.1" }, "want host:port"},
		{"negative polls", func(o *yandextest.Options) { o.OperationPolls = -1 }, "OperationPolls -1 is negative"},
		{"negative not-found polls", func(o *yandextest.Options) { o.OperationNotFoundPolls = -2 }, "OperationNotFoundPolls -2"},
		{"negative interval", func(o *yandextest.Options) { o.PollInterval = -time.Second }, "PollInterval -1s"},
		{"scopes paths", func(o *yandextest.Options) { o.ScopesPaths = 7 }, "ScopesPaths 7"},
		{"service account", func(o *yandextest.Options) { o.ServiceAccountID = "a/b" }, "ServiceAccountID"},
	} {
		srv, err := yandextest.New(tc.fn)
		if err == nil {
			srv.Close()
			t.Errorf("%s: New succeeded", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "yandextest: ") {
			t.Errorf("%s: %v, want it to say %q", tc.name, err, tc.want)
		}
	}
	// Nil option functions are skipped; localhost and ::1 are loopback.
	for _, addr := range []string{"localhost:0", "[::1]:0"} {
		srv, err := yandextest.New(nil, func(o *yandextest.Options) { o.Addr = addr })
		if err != nil {
			if strings.Contains(err.Error(), "listen") {
				t.Logf("%s: %v (no such interface here)", addr, err)
				continue
			}
			t.Fatalf("%s: %v", addr, err)
		}
		srv.Close()
	}
}

func TestIdempotencyConcurrent(t *testing.T) {
	srv := newServer(t)
	tok := srv.IssueToken(srv.ServiceAccountID(), 0)
	const n = 8
	bodies := make(chan string, n)
	for range n {
		go func() {
			a, err := doE("POST", srv.URL+"/iam/v1/apiKeys", tok, map[string]string{"Idempotency-Key": "same"}, `{"description":"x"}`)
			if err != nil {
				bodies <- err.Error()
				return
			}
			bodies <- toJSON(a.body)
		}()
	}
	first := <-bodies
	for range n - 1 {
		if b := <-bodies; b != first {
			t.Fatalf("answers differ:\n%s\n%s", first, b)
		}
	}
	list := do(t, "GET", srv.URL+"/iam/v1/apiKeys", tok, nil, "")
	if k := len(list.body["apiKeys"].([]any)); k != 1 {
		t.Fatalf("%d keys, want 1", k)
	}
}
