package exchange_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/redact"
	"github.com/iamkit/iamkit/internal/redact/redacttest"
)

// withAuthorization is a caller's transport that adds a credential of its
// own to every request (a gateway's Basic login, a Bearer token).
type withAuthorization struct {
	value string
}

func (a withAuthorization) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", a.value)
	return http.DefaultTransport.RoundTrip(r)
}

// echoServer answers every request with status and body, and puts what it
// received into the request ID: the Authorization header, or the JWT the
// exchanger sent, encoded with enc. With details, it also puts it into a
// Yandex google.rpc.RequestInfo detail.
func echoServer(t *testing.T, echo string, enc func(string) string, status int, body string, details bool) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		v := r.Header.Get("Authorization")
		if echo == "jwt" {
			if f, err := url.ParseQuery(string(raw)); err == nil && f.Get("subject_token") != "" {
				v = f.Get("subject_token")
			} else {
				var y struct{ JWT string }
				_ = json.Unmarshal(raw, &y)
				v = y.JWT
			}
		}
		v = enc(v)
		w.Header().Set("X-Request-Id", v)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		b := body
		if details {
			id, _ := json.Marshal(v)
			b = `{"code":16,"message":"bad jwt","details":[{"@type":"type.googleapis.com/google.rpc.RequestInfo","requestId":` + string(id) + `}]}`
		}
		_, _ = io.WriteString(w, b)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestExchangeErrorsScrubEchoedRequestID: a token server that echoes the
// Authorization header (or the JWT) into X-Request-Id, or into a
// RequestInfo detail, as it is or percent-encoded (encodeURIComponent, a
// query string, twice), must not put a credential into the exchange
// error's text: a caller's Bearer token, the JWT, or a gateway's Basic
// login:password whatever the padding of its base64 (issue 11, item 4).
func TestExchangeErrorsScrubEchoedRequestID(t *testing.T) {
	const bearer = "t1.CALLERbearerTOKENcallerBEARERtoken0123456789"
	e := newXchEnv(t)
	type answer struct {
		name    string
		status  int
		body    string
		details bool
	}
	answers := []answer{
		{"401", 401, `{"error":"invalid_grant","error_description":"no","code":16,"message":"no"}`, false},
		{"503 text", 503, `unavailable`, false},
		{"malformed 200", 200, `{}`, false},
		{"yandex expired token", 200, `{"iamToken":"t1.x","expiresAt":"2000-01-01T00:00:00Z"}`, false},
		{"yandex RequestInfo", 401, ``, true},
	}
	type credential struct{ name, auth, login string }
	creds := []credential{{"bearer", "Bearer " + bearer, ""}, {"jwt", "", ""}}
	for _, login := range append([]string{"gateway-user@example.com:gateway-p4ssw0rd"}, redacttest.BasicLogins...) {
		creds = append(creds, credential{"basic " + login, "Basic " + base64.StdEncoding.EncodeToString([]byte(login)), login})
	}
	for _, echo := range creds {
		for _, a := range answers {
			for _, provider := range []string{"nebius", "yandex"} {
				if provider == "nebius" && (strings.HasPrefix(a.name, "yandex") || a.details) {
					continue
				}
				for _, enc := range redacttest.Echoes {
					t.Run(echo.name+"/"+a.name+"/"+provider+"/"+enc.Name, func(t *testing.T) {
						mode := "authorization"
						if echo.name == "jwt" {
							mode = "jwt"
						}
						u := echoServer(t, mode, enc.Encode, a.status, a.body, a.details)
						hc := &http.Client{Transport: withAuthorization{value: echo.auth}}
						if echo.auth == "" {
							hc = nil
						}
						var err error
						if provider == "nebius" {
							_, err = e.nebiusX(func(o *nebiusauth.ExchangerOptions) { o.Endpoint, o.HTTPClient, o.MaxAttempts = u, hc, 1 }).Exchange(t.Context())
						} else {
							_, err = e.yandexX(func(o *yandexauth.ExchangerOptions) { o.Endpoint, o.HTTPClient, o.MaxAttempts = u, hc, 1 }).Exchange(t.Context())
						}
						var ie *iam.Error
						if !errors.As(err, &ie) {
							t.Fatalf("err = %v, want an *iam.Error", err)
						}
						if ie.RequestID == "" || len(ie.RequestID) > redact.MaxRequestID+len("…(truncated)") {
							t.Errorf("RequestID %q: want it kept, scrubbed and capped", ie.RequestID)
						}
						e.CheckNoSecrets(t, err, bearer)
						leaks := []string{bearer}
						if echo.login != "" {
							leaks = append(leaks, redacttest.Basic(echo.login)...)
						}
						for _, j := range append(e.nSign.Secrets(), e.ySign.Secrets()...) {
							leaks = append(leaks, j, j[:40]) // even a cut JWT is not left: its first 40 bytes
						}
						for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), ie.RequestID} {
							if left := redacttest.Left(text, leaks...); len(left) > 0 {
								t.Errorf("%d secrets (%q…) left in %q", len(left), left[0][:min(len(left[0]), 12)], text)
							}
						}
					})
				}
			}
		}
	}
}
