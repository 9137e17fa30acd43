package outscale_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/outscale"
	"github.com/iamkit/iamkit/internal/redact"
	"github.com/iamkit/iamkit/internal/redact/redacttest"
)

// TestErrorsScrubEchoedRequestID: a server that echoes the Authorization
// header (SigV4, or Basic with a recoverable base64 login:password) into
// X-Request-Id or ResponseContext.RequestId, as it is or percent-encoded
// (encodeURIComponent, a query string, twice), must not put it into the
// error, whatever the padding of the base64 (issue 11, item 4).
func TestErrorsScrubEchoedRequestID(t *testing.T) {
	const secretKey = "SECRETKEY0SECRETKEY0SECRETKEY0SECRETKEY0"
	logins := append([]string{"me@example.com:p4ssw0rd-OSC"}, redacttest.BasicLogins...)
	for _, tc := range []struct {
		name   string
		status int
		body   string // %s is the echo, JSON-quoted
		call   string // "read" (ReadAccessKeys) or "setstate" (a key not found)
	}{
		{"ResponseContext of an OSC error", 400, `{"Errors":[{"Code":"4000","Type":"InvalidParameterValue","Details":"x"}],"ResponseContext":{"RequestId":%s}}`, "read"},
		{"X-Request-Id of a text error", 502, `bad gateway`, "read"},
		{"X-Request-Id of a problem+json error", 404, `{"type":"about:blank","title":"Not Found"}`, "read"},
		{"ResponseContext of a key not found", 200, `{"AccessKeys":[],"ResponseContext":{"RequestId":%s}}`, "setstate"},
	} {
		for _, cred := range append([]string{"sigv4"}, logins...) {
			for _, echo := range redacttest.Echoes {
				t.Run(tc.name+"/"+cred+"/"+echo.Name, func(t *testing.T) {
					var mu sync.Mutex
					var sent string
					hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						mu.Lock()
						sent = r.Header.Get("Authorization")
						mu.Unlock()
						e := echo.Encode(r.Header.Get("Authorization"))
						q, _ := json.Marshal(e)
						w.Header().Set("X-Request-Id", e)
						if strings.HasPrefix(tc.body, `{"type"`) {
							w.Header().Set("Content-Type", "application/problem+json")
						} else {
							w.Header().Set("Content-Type", "application/json")
						}
						w.WriteHeader(tc.status)
						body := tc.body
						if strings.Contains(body, "%s") {
							body = fmt.Sprintf(body, q)
						}
						_, _ = io.WriteString(w, body)
					}))
					defer hs.Close()
					c, err := outscale.New(func(o *outscale.Options) {
						o.Endpoint = hs.URL
						if cred == "sigv4" {
							o.AccessKey, o.SecretKey = "AKECHO00000000000000", iam.NewSecret(secretKey)
						} else {
							login, password, _ := strings.Cut(cred, ":")
							o.Login, o.Password = login, iam.NewSecret(password)
						}
						o.MaxAttempts = 1
					})
					if err != nil {
						t.Fatal(err)
					}
					defer c.Close()
					if tc.call == "read" {
						_, err = c.AccessKeys().List(context.Background(), outscale.ReadAccessKeysRequest{})
					} else {
						_, err = c.AccessKeys().SetState(context.Background(), "AKMISSING", iam.StateInactive)
					}
					var ie *iam.Error
					if !errors.As(err, &ie) {
						t.Fatalf("err = %v, want an *iam.Error", err)
					}
					if ie.RequestID == "" || len(ie.RequestID) > redact.MaxRequestID+len("…(truncated)") {
						t.Errorf("RequestID %q: want it kept, scrubbed and capped", ie.RequestID)
					}
					leaks := []string{secretKey, "Signature=", "AWS4-HMAC-SHA256 Credential"}
					if cred != "sigv4" {
						leaks = append(leaks, redacttest.Basic(cred)...)
					}
					mu.Lock()
					if _, sig, ok := strings.Cut(sent, "Signature="); ok {
						leaks = append(leaks, sig)
					}
					mu.Unlock()
					for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
						if left := redacttest.Left(text, leaks...); len(left) > 0 {
							t.Errorf("%q in error text %q", left, text)
						}
					}
				})
			}
		}
	}
}
