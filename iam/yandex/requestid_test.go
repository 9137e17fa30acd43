package yandex_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/yandex"
	"github.com/iamkit/iamkit/internal/redact"
	"github.com/iamkit/iamkit/internal/redact/redacttest"
)

// gatewayBasic is a caller's transport that replaces the Authorization
// header with a Basic login of its own (a gateway's).
type gatewayBasic struct{ login string }

func (g gatewayBasic) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(g.login)))
	return http.DefaultTransport.RoundTrip(r)
}

// TestErrorsScrubEchoedRequestID: a server that echoes the Authorization
// header into x-request-id, x-server-trace-id or a google.rpc.RequestInfo
// detail (of a failed call or a failed operation), as it is or
// percent-encoded (encodeURIComponent, a query string, twice), must not put
// the token, or a gateway's Basic login:password whatever the padding of
// its base64, into the error (issue 11, item 4).
func TestErrorsScrubEchoedRequestID(t *testing.T) {
	// An IAM token in the documented form (reference yandex.md):
	// t1.<base64url>.<86 base64url>.
	token := "t1.9euelZqXk5KMz5SSnpGLlcyTmYqTl-3rnpWaksuYlI6Oy5yYmJGVjpGcnZrl8_dBI1Q3-e8hSg5V." + strings.Repeat("Xy_0", 21) + "ab"
	for _, tc := range []struct {
		name   string
		header string // response header that carries the echo, or ""
		bare   bool   // echo the token without "Bearer "
		status int
		body   string // %s is the echo, JSON-quoted
		call   string // "get" or "operation"
	}{
		{name: "x-request-id on a 404", header: "x-request-id", status: 404, body: `{"code":5,"message":"not found"}`, call: "get"},
		{name: "x-server-trace-id on a 500", header: "x-server-trace-id", status: 500, body: `oops`, call: "get"},
		{name: "RequestInfo on a 403", status: 403, body: `{"code":7,"message":"denied","details":[{"@type":"type.googleapis.com/google.rpc.RequestInfo","requestId":%s}]}`, call: "get"},
		{name: "bare token in RequestInfo", bare: true, status: 403, body: `{"code":7,"message":"denied","details":[{"@type":"type.googleapis.com/google.rpc.RequestInfo","requestId":%s}]}`, call: "get"},
		{name: "x-request-id on an empty 200", header: "x-request-id", status: 200, body: ``, call: "get"},
		{name: "x-request-id on a bad 200", header: "x-request-id", status: 200, body: `{"id":5}`, call: "get"},
		{name: "RequestInfo of a failed operation", status: 200, call: "operation",
			body: `{"id":"opfailed0000000000","done":true,"error":{"code":9,"message":"failed","details":[{"@type":"type.googleapis.com/google.rpc.RequestInfo","requestId":%s}]}}`},
		{name: "bare token in a failed operation", bare: true, status: 200, call: "operation",
			body: `{"id":"opfailed0000000000","done":true,"error":{"code":9,"message":"failed","details":[{"@type":"type.googleapis.com/google.rpc.RequestInfo","requestId":%s}]}}`},
	} {
		for _, cred := range append([]string{"bearer"}, redacttest.BasicLogins...) {
			if cred != "bearer" && tc.bare {
				continue
			}
			for _, echo := range redacttest.Echoes {
				t.Run(tc.name+"/"+cred+"/"+echo.Name, func(t *testing.T) {
					srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						e := r.Header.Get("Authorization")
						if tc.bare {
							e = strings.TrimPrefix(e, "Bearer ")
						}
						e = echo.Encode(e)
						if tc.header != "" {
							w.Header().Set(tc.header, e)
						}
						q, _ := json.Marshal(e)
						w.Header().Set("Content-Type", "application/json")
						w.WriteHeader(tc.status)
						body := tc.body
						if strings.Contains(body, "%s") {
							body = fmt.Sprintf(body, q)
						}
						_, _ = io.WriteString(w, body)
					}))
					defer srv.Close()
					var hc *http.Client
					if cred != "bearer" {
						hc = &http.Client{Transport: gatewayBasic{login: cred}}
					}
					c, err := yandex.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token}), func(o *yandex.Options) {
						o.Endpoint, o.OperationEndpoint, o.MaxAttempts, o.HTTPClient = srv.URL, srv.URL, 1, hc
					})
					if err != nil {
						t.Fatal(err)
					}
					if tc.call == "get" {
						_, err = c.APIKeys().Get(ctxT(t), "ajeapikey00000000000")
					} else {
						var op *yandex.Operation
						op, err = c.Operations().Get(ctxT(t), "opfailed0000000000")
						if err == nil {
							err = op.Err()
						}
					}
					var ie *iam.Error
					if !errors.As(err, &ie) {
						t.Fatalf("err = %v, want an *iam.Error", err)
					}
					if ie.RequestID == "" || len(ie.RequestID) > redact.MaxRequestID+len("…(truncated)") {
						t.Errorf("RequestID %q: want it kept, scrubbed and capped", ie.RequestID)
					}
					// Even a prefix of the token must not be left (the
					// signature part starts after the second dot).
					leaks := []string{token[:40], "Xy_0Xy_0"}
					if cred != "bearer" {
						leaks = append(leaks, redacttest.Basic(cred)...)
					}
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
