package outscaletest_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/internal/sigv4verify"
	"github.com/iamkit/iamkit/iam/iamtest/outscaletest"
)

// signGeneric signs req with SigV4's generic rules over the headers
// named (sorted, as SignedHeaders must be), in scope eu-west-2/oapi: what
// a client that follows the rules sends, whatever an SDK's signer would
// choose.
func signGeneric(t *testing.T, req *http.Request, creds outscaletest.Credentials, body string, headers ...string) {
	t.Helper()
	headers = slices.Sorted(slices.Values(headers))
	req.Header.Set("X-Amz-Date", t0.Format(sigv4verify.TimeFormat))
	sig := &sigv4verify.Signature{Scheme: sigv4verify.AWS4, AccessKeyID: creds.AccessKey, Date: t0.Format("20060102"),
		Region: "eu-west-2", Service: "oapi", SignedHeaders: headers}
	sum := sha256.Sum256([]byte(body))
	s, err := sigv4verify.Generic.Sign(req, sig, hex.EncodeToString(sum[:]), creds.SecretKey.Reveal())
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+creds.AccessKey+"/"+sig.Scope()+", SignedHeaders="+strings.Join(headers, ";")+", Signature="+s)
}

// TestEncodedOrderQueryIsVerified: SigV4 sorts the canonical query by
// encoded names (the suite's get-vanilla-query-order-encoded); a valid
// signature over such a query is accepted, five times in a row, so none
// counts toward the four-failure lockout (issue 14: the emulator sorted
// by decoded names, refused it and locked the account).
func TestEncodedOrderQueryIsVerified(t *testing.T) {
	clk := iamtest.NewFakeClock(t0)
	srv, err := outscaletest.New(func(o *outscaletest.Options) { o.Clock = clk })
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for i := range 5 {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/ReadAccessKeys?Param-3=Value3&Param=Value2&%E1%88%B4=Value1", strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		signGeneric(t, req, srv.Root, "{}", "content-type", "host", "x-amz-date")
		if status, m := do(t, req); status != 200 {
			t.Errorf("request %d: %d %v", i+1, status, m)
		}
	}
	if status, m := post(t, srv, srv.Root, srv.URL+"/ReadAccessKeys", "{}", t0); status != 200 {
		t.Fatalf("after them, an SDK-signed call: %d %v", status, m)
	}
}

// TestSignedHeaderVariantsAreVerified: the emulator verifies over exactly
// the headers the client signed, not the set aws-sdk-go-v2's signer
// picks: a signed User-Agent, X-Amzn-Trace-Id and Content-Length are
// accepted; a signed header changed in transit is not.
func TestSignedHeaderVariantsAreVerified(t *testing.T) {
	clk := iamtest.NewFakeClock(t0)
	srv, err := outscaletest.New(func(o *outscaletest.Options) { o.Clock = clk })
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	for _, tc := range []struct {
		name, header, value string
	}{
		{"user-agent", "User-Agent", "osc-sdk-go/2.0 (test)"},
		{"x-amzn-trace-id", "X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793"},
		{"content-length", "Content-Length", "2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/ReadAccessKeys", strings.NewReader("{}"))
			req.Header.Set(tc.header, tc.value)
			signGeneric(t, req, srv.Root, "{}", tc.name, "host", "x-amz-date")
			if tc.name == "content-length" {
				req.Header.Del("Content-Length") // net/http sends it from ContentLength
			}
			if status, m := do(t, req); status != 200 {
				t.Fatalf("signed %s: %d %v", tc.name, status, m)
			}
		})
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/ReadAccessKeys", strings.NewReader("{}"))
	req.Header.Set("User-Agent", "one")
	signGeneric(t, req, srv.Root, "{}", "host", "user-agent", "x-amz-date")
	req.Header.Set("User-Agent", "another")
	if status, m := do(t, req); status != 401 {
		t.Fatalf("a signed User-Agent changed in transit: %d %v, want 401", status, m)
	}
}
