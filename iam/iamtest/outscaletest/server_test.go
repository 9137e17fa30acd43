package outscaletest_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/outscaletest"
)

var t0 = time.Date(2026, 3, 18, 10, 0, 0, 0, time.UTC)

// newServer starts an emulator, failing t if it cannot.
func newServer(t *testing.T, optFns ...func(*outscaletest.Options)) *outscaletest.Server {
	t.Helper()
	srv, err := outscaletest.New(optFns...)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// post sends a SigV4-signed call with the aws-sdk-go-v2 signer directly,
// independent of iam/outscale.
func post(t *testing.T, srv *outscaletest.Server, creds outscaletest.Credentials, url, body string, now time.Time) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256([]byte(body))
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: creds.AccessKey, SecretAccessKey: creds.SecretKey.Reveal()},
		req, hex.EncodeToString(sum[:]), "oapi", "eu-west-2", now)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("response %d is not JSON: %s", resp.StatusCode, b)
	}
	return resp.StatusCode, m
}

func errCode(m map[string]any) string {
	errs, _ := m["Errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	e, _ := errs[0].(map[string]any)
	c, _ := e["Code"].(string)
	return c
}

func TestWireFormat(t *testing.T) {
	clk := iamtest.NewFakeClock(t0)
	srv := newServer(t, func(o *outscaletest.Options) { o.Clock = clk })
	defer srv.Close()
	tests := []struct {
		name, path, body string
		status           int
		code             string
	}{
		{"empty object", "/api/v1/ReadAccessKeys", `{}`, 200, ""},
		{"no body", "/api/v1/ReadAccessKeys", ``, 200, ""},
		{"api/latest alias", "/api/latest/ReadAccessKeys", `{}`, 200, ""},
		{"unknown field", "/api/v1/ReadAccessKeys", `{"Foo":1}`, 400, "4045"},
		{"case matters", "/api/v1/CreateAccessKey", `{"expirationDate":"2063-04-05"}`, 400, "4045"},
		{"unknown nested field", "/api/v1/ReadAccessKeys", `{"Filters":{"AccessKeyId":["x"]}}`, 400, "4045"},
		{"empty date", "/api/v1/CreateAccessKey", `{"ExpirationDate":""}`, 400, "4108"},
		{"wrong type", "/api/v1/CreateAccessKey", `{"Tag":5}`, 400, "4108"},
		{"bad date", "/api/v1/CreateAccessKey", `{"ExpirationDate":"tomorrow"}`, 400, "4047"},
		{"past date", "/api/v1/CreateAccessKey", `{"ExpirationDate":"2020-01-01"}`, 400, "4047"},
		{"missing id", "/api/v1/DeleteAccessKey", `{}`, 400, "7000"},
		{"policy fields required", "/api/v1/UpdateApiAccessPolicy", `{"MaxAccessKeyExpirationSeconds":1}`, 400, "7000"},
		{"unknown call", "/api/v1/ReadVms", `{}`, 404, "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := strings.TrimSuffix(srv.URL, "/api/v1") + tt.path
			status, m := post(t, srv, srv.Root, url, tt.body, t0)
			if status != tt.status || errCode(m) != tt.code {
				t.Errorf("%s %s: %d %v, want %d code %q", tt.path, tt.body, status, m, tt.status, tt.code)
			}
		})
	}
}

func TestSignatureChecks(t *testing.T) {
	clk := iamtest.NewFakeClock(t0)
	srv := newServer(t, func(o *outscaletest.Options) { o.Clock = clk })
	defer srv.Close()
	url := srv.URL + "/ReadAccessKeys"

	// A valid signature whose body is changed afterwards fails.
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{}`))
	sum := sha256.Sum256([]byte(`{}`))
	_ = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: srv.Root.AccessKey, SecretAccessKey: srv.Root.SecretKey.Reveal()},
		req, hex.EncodeToString(sum[:]), "oapi", "eu-west-2", t0)
	req.Body = io.NopCloser(strings.NewReader(`{"DryRun":true}`))
	req.ContentLength = int64(len(`{"DryRun":true}`))
	if status, m := do(t, req); status != 401 || errCode(m) != "1" {
		t.Errorf("tampered body: %d %v", status, m)
	}
	// Too old a timestamp.
	if status, m := post(t, srv, srv.Root, url, `{}`, t0.Add(-6*time.Minute)); status != 401 || errCode(m) != "1" {
		t.Errorf("stale signature: %d %v", status, m)
	}
	// OSC4-HMAC-SHA256 with X-Osc-Date (osc-sdk-python's scheme) is accepted.
	req, _ = http.NewRequest(http.MethodPost, url, strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/json")
	signOSC4(req, `{}`, srv.Root.AccessKey, srv.Root.SecretKey.Reveal(), t0)
	if status, m := do(t, req); status != 200 {
		t.Errorf("OSC4: %d %v", status, m)
	}
	rs := srv.Requests()
	if last := rs[len(rs)-1]; last.Auth != "OSC4-HMAC-SHA256" || !last.Verified {
		t.Errorf("OSC4 record %+v", last)
	}
}

// signOSC4 signs like osc-sdk-python: OSC4-HMAC-SHA256, X-Osc-Date,
// scope <date>/<region>/api/osc4_request, signed content-type;host;x-osc-date.
func signOSC4(r *http.Request, body, ak, sk string, now time.Time) {
	date := now.UTC().Format("20060102T150405Z")
	day := date[:8]
	r.Header.Set("X-Osc-Date", date)
	sum := sha256.Sum256([]byte(body))
	canon := strings.Join([]string{
		r.Method, r.URL.EscapedPath(), "",
		"content-type:" + r.Header.Get("Content-Type"), "host:" + r.URL.Host, "x-osc-date:" + date, "",
		"content-type;host;x-osc-date", hex.EncodeToString(sum[:]),
	}, "\n")
	cs := sha256.Sum256([]byte(canon))
	scope := day + "/eu-west-2/api/osc4_request"
	sts := "OSC4-HMAC-SHA256\n" + date + "\n" + scope + "\n" + hex.EncodeToString(cs[:])
	mac := func(k []byte, s string) []byte { h := hmac.New(sha256.New, k); h.Write([]byte(s)); return h.Sum(nil) }
	k := mac(mac(mac(mac([]byte("OSC4"+sk), day), "eu-west-2"), "api"), "osc4_request")
	r.Header.Set("Authorization", "OSC4-HMAC-SHA256 Credential="+ak+"/"+scope+", SignedHeaders=content-type;host;x-osc-date, Signature="+hex.EncodeToString(mac(k, sts)))
}

func TestRegistrySync(t *testing.T) {
	clk := iamtest.NewFakeClock(t0)
	reg := iamtest.NewRegistry()
	srv := newServer(t, func(o *outscaletest.Options) { o.Clock = clk; o.Registry = reg })
	defer srv.Close()
	if k, ok := reg.S3Key(srv.Root.AccessKey); !ok || !k.Active || !k.Secret.Equal(srv.Root.SecretKey) {
		t.Fatalf("root key not registered: %+v", k)
	}
	status, m := post(t, srv, srv.Root, srv.URL+"/CreateAccessKey", `{"ExpirationDate":"2026-03-18T11:00:00.000Z"}`, t0)
	if status != 200 {
		t.Fatalf("create: %d %v", status, m)
	}
	ak := m["AccessKey"].(map[string]any)
	id := ak["AccessKeyId"].(string)
	if ak["ExpirationDate"] != "2026-03-18T11:00:00.000+0000" {
		t.Errorf("ExpirationDate %v, want the spec's +0000 form", ak["ExpirationDate"])
	}
	k, _ := reg.S3Key(id)
	if !k.ExpiresAt.Equal(t0.Add(time.Hour)) || !k.Active {
		t.Errorf("registered %+v", k)
	}
	post(t, srv, srv.Root, srv.URL+"/UpdateAccessKey", `{"AccessKeyId":"`+id+`","State":"INACTIVE"}`, t0)
	if k, _ := reg.S3Key(id); k.Active || !k.ExpiresAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("after update (1.40 mode keeps the expiry) %+v", k)
	}
	post(t, srv, srv.Root, srv.URL+"/DeleteAccessKey", `{"AccessKeyId":"`+id+`"}`, t0)
	if _, ok := reg.S3Key(id); ok {
		t.Error("deleted key still registered")
	}
}

// emulatorGoroutines returns the stacks of goroutines running emulator code.
func emulatorGoroutines() []string {
	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	var out []string
	for g := range strings.SplitSeq(string(buf[:n]), "\n\n") {
		if strings.Contains(g, "outscaletest.(*Server)") {
			out = append(out, g)
		}
	}
	return out
}

// Close releases requests held by hang and latency faults (the client gets
// no answer, not an empty 200) and leaves no goroutine of the emulator
// behind.
func TestCloseReleasesHeldRequests(t *testing.T) {
	clk := iamtest.NewFakeClock(t0)
	srv := newServer(t, func(o *outscaletest.Options) { o.Clock = clk })
	srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultHang, Match: "ReadAccessKeys"})
	srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultLatency, Match: "ReadAccessKeys", Delay: time.Hour}) // on the fake clock
	errc := make(chan error, 2)
	for range 2 {
		go func() {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/ReadAccessKeys", strings.NewReader("{}"))
			sum := sha256.Sum256([]byte("{}"))
			_ = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: srv.Root.AccessKey, SecretAccessKey: srv.Root.SecretKey.Reveal()},
				req, hex.EncodeToString(sum[:]), "oapi", "eu-west-2", t0)
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				resp.Body.Close()
			}
			errc <- err
		}()
	}
	// The hang is recorded on arrival; the latency request holds a timer
	// on the fake clock.
	stop := make(chan struct{})
	timer := time.AfterFunc(10*time.Second, func() { close(stop) })
	defer timer.Stop()
	if !clk.BlockUntilTimers(1, stop) {
		t.Fatal("the delayed request did not reach the emulator")
	}
	for deadline := time.Now().Add(10 * time.Second); srv.Calls("ReadAccessKeys") == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the hung request did not reach the emulator")
		}
		runtime.Gosched()
	}
	srv.Close()
	// A handler that dropped its connection is still unwinding when Close
	// returns: wait (bounded) for the goroutines to exit, not for time.
	g := emulatorGoroutines()
	for deadline := time.Now().Add(10 * time.Second); len(g) != 0 && time.Now().Before(deadline); g = emulatorGoroutines() {
		runtime.Gosched()
	}
	if len(g) != 0 {
		t.Fatalf("%d emulator goroutine(s) left after Close:\n%s", len(g), strings.Join(g, "\n\n"))
	}
	for range 2 {
		if err := <-errc; err == nil {
			t.Error("a held request got an answer after Close")
		}
	}
}
