package nebiusauth_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/authtest"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/internal/loopback/loopbacktest"
)

// xchEnv is an authtest.Env with a captured Nebius signer.
type xchEnv struct {
	*authtest.Env
	nSign *authtest.CapturingSigner
}

func newXchEnv(t *testing.T) *xchEnv {
	t.Helper()
	return withSigner(authtest.NewEnv(t))
}

// newManualXchEnv is newXchEnv whose fake clock moves only when the test
// moves it.
func newManualXchEnv(t *testing.T) *xchEnv {
	t.Helper()
	return withSigner(authtest.NewManualEnv(t))
}

func withSigner(env *authtest.Env) *xchEnv {
	e := &xchEnv{Env: env}
	e.nSign = e.Capture(nebiusauth.NewSigner(e.NebiusKey))
	return e
}

func (e *xchEnv) nebiusX(optFns ...func(*nebiusauth.ExchangerOptions)) *nebiusauth.Exchanger {
	base := func(o *nebiusauth.ExchangerOptions) {
		o.Endpoint = e.Nebius.URL
		o.Clock = e.Clock
		o.Logger = e.Logs.Logger()
	}
	return mustExchanger(nebiusauth.NewExchanger(e.nSign, append([]func(*nebiusauth.ExchangerOptions){base}, optFns...)...))
}

func TestExpiryCountsFromBeforeTheCall(t *testing.T) {
	// The emulator takes 30s (on the fake clock) to answer; the token's
	// expiry counts from before the request: now + expires_in, not
	// now + 30s + expires_in.
	e := newManualXchEnv(t)
	e.Nebius.Faults.Add(iamtest.Fault{Kind: iamtest.FaultLatency, Delay: 30 * time.Second})
	done := make(chan auth.Token, 1)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tok, err := e.nebiusX().Exchange(t.Context())
		if err != nil {
			t.Error(err)
		}
		done <- tok
	}()
	if !e.Clock.BlockUntilTimers(1, finished) {
		t.Fatal("the exchange ended before the latency timer")
	}
	e.Clock.Advance(30 * time.Second)
	if tok := <-done; !tok.Expiry.Equal(authtest.T0.Add(12 * time.Hour)) {
		t.Errorf("Expiry = %v, want %v (counted from before the call)", tok.Expiry, authtest.T0.Add(12*time.Hour))
	}
}

func TestResponses(t *testing.T) {
	e := newXchEnv(t)
	const tok = "v1.CANARYtokenCANARYtoken"
	tests := []struct {
		name    string
		status  int
		body    string
		wantErr error
		want    string // error text, or expiry offset for success
		expiry  time.Duration
	}{
		{"ok", 200, `{"access_token":"` + tok + `","token_type":"Bearer","expires_in":3600}`, nil, "", time.Hour},
		{"lowercase bearer", 200, `{"access_token":"` + tok + `","token_type":"bearer","expires_in":60}`, nil, "", time.Minute},
		{"no token_type", 200, `{"access_token":"` + tok + `","expires_in":43200}`, nil, "", 12 * time.Hour},
		{"expires_in as string", 200, `{"access_token":"` + tok + `","expires_in":"120"}`, nil, "", 2 * time.Minute},
		{"no token", 200, `{"expires_in":3600}`, iam.ErrUnavailable, "access_token is missing", 0},
		{"empty token", 200, `{"access_token":"","expires_in":3600}`, iam.ErrUnavailable, "access_token is missing", 0},
		{"token not a string", 200, `{"access_token":42,"expires_in":3600}`, iam.ErrUnavailable, "not a JSON object", 0},
		{"MAC token", 200, `{"access_token":"` + tok + `","token_type":"MAC","expires_in":3600}`, iam.ErrUnavailable, "token_type is not Bearer", 0},
		{"no expires_in", 200, `{"access_token":"` + tok + `"}`, iam.ErrUnavailable, "expires_in", 0},
		{"negative expires_in", 200, `{"access_token":"` + tok + `","expires_in":-5}`, iam.ErrUnavailable, "expires_in", 0},
		{"zero expires_in", 200, `{"access_token":"` + tok + `","expires_in":0}`, iam.ErrUnavailable, "expires_in", 0},
		{"huge expires_in", 200, `{"access_token":"` + tok + `","expires_in":1e300}`, iam.ErrUnavailable, "expires_in", 0},
		{"not JSON", 200, `access_token=` + tok, iam.ErrUnavailable, "not a JSON object", 0},
		{"truncated JSON", 200, `{"access_token":"` + tok, iam.ErrUnavailable, "not a JSON object", 0},
		{"rfc6749 invalid_grant", 400, `{"error":"invalid_grant","error_description":"JWT expired"}`, iam.ErrUnauthenticated, "nebius TokenExchange: JWT expired (http 400, code invalid_grant, request id req-123)", 0},
		{"rfc6749 invalid_request", 400, `{"error":"invalid_request"}`, iam.ErrInvalidArgument, "invalid_request", 0},
		{"rfc6749 unauthorized_client", 400, `{"error":"unauthorized_client","error_description":"no"}`, iam.ErrPermissionDenied, "no", 0},
		{"html 404", 404, `<html><body>Not Found</body></html>`, iam.ErrNotFound, "http 404: <html><body>Not Found</body></html>", 0},
		{"empty 403", 403, ``, iam.ErrPermissionDenied, "http 403 Forbidden", 0},
		{"long body truncated", 400, strings.Repeat("x", 5000), iam.ErrInvalidArgument, "…(truncated)", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, _ := authtest.FixedServer(t, tt.status, http.Header{"X-Request-Id": {"req-123"}}, tt.body)
			got, err := e.nebiusX(func(o *nebiusauth.ExchangerOptions) { o.Endpoint = u }).Exchange(t.Context())
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if got.Value.Reveal() != tok || got.Type != "Bearer" || !got.Expiry.Equal(authtest.T0.Add(tt.expiry)) {
					t.Errorf("token %v type %q expiry %v", got.Value.Reveal() == tok, got.Type, got.Expiry)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %v saying %q", err, tt.wantErr, tt.want)
			}
			var ie *iam.Error
			if !errors.As(err, &ie) || ie.HTTPStatus != tt.status || ie.RequestID != "req-123" {
				t.Errorf("error fields %#v", ie)
			}
			if len(err.Error()) > 800 {
				t.Errorf("error text is %d bytes", len(err.Error()))
			}
			e.CheckNoSecrets(t, err, tok)
		})
	}
}

func TestRequestForm(t *testing.T) {
	e := newXchEnv(t)
	u, last := authtest.FixedServer(t, 200, nil, `{"access_token":"v1.x","expires_in":60}`)
	if _, err := e.nebiusX(func(o *nebiusauth.ExchangerOptions) { o.Endpoint = u }).Exchange(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := last.String()
	jwts := e.nSign.Secrets()
	want := "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange" +
		"&requested_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token" +
		"&subject_token=" + jwts[len(jwts)-1] +
		"&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Ajwt"
	if got != want {
		t.Errorf("form\n got %s\nwant %s", got, want)
	}
}

func TestExchangeTransportError(t *testing.T) {
	e := newXchEnv(t)
	u := "http://" + loopbacktest.Refused(t) + "/oauth2/token/exchange"
	_, err := e.nebiusX(func(o *nebiusauth.ExchangerOptions) { o.Endpoint = u }).Exchange(t.Context())
	var ie *iam.Error
	if !errors.Is(err, iam.ErrUnavailable) || !errors.As(err, &ie) || ie.Provider != iam.Nebius {
		t.Errorf("err = %v, want a nebius ErrUnavailable", err)
	}
	e.CheckNoSecrets(t, err)
}

// mustExchanger returns x; the options of these tests are valid.
func mustExchanger(x *nebiusauth.Exchanger, err error) *nebiusauth.Exchanger {
	if err != nil {
		panic(err)
	}
	return x
}
