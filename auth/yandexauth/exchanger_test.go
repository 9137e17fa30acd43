package yandexauth_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/authtest"
	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
)

// xchEnv is an authtest.Env with a captured Yandex signer.
type xchEnv struct {
	*authtest.Env
	ySign *authtest.CapturingSigner
}

func newXchEnv(t *testing.T) *xchEnv {
	t.Helper()
	e := &xchEnv{Env: authtest.NewEnv(t)}
	e.ySign = e.Capture(yandexauth.NewSigner(e.YandexKey))
	return e
}

func (e *xchEnv) yandexX(optFns ...func(*yandexauth.ExchangerOptions)) *yandexauth.Exchanger {
	base := func(o *yandexauth.ExchangerOptions) {
		o.Endpoint = e.Yandex.URL
		o.Clock = e.Clock
		o.Logger = e.Logs.Logger()
	}
	return mustExchanger(yandexauth.NewExchanger(e.ySign, append([]func(*yandexauth.ExchangerOptions){base}, optFns...)...))
}

func TestResponses(t *testing.T) {
	e := newXchEnv(t)
	const tok = "t1.CANARYtokenCANARYtoken"
	tests := []struct {
		name    string
		status  int
		body    string
		wantErr error
		want    string
		expiry  time.Time
	}{
		{"ok Z nanos", 200, `{"iamToken":"` + tok + `","expiresAt":"2026-11-24T00:00:00.123456789Z"}`, nil, "", time.Date(2026, 11, 24, 0, 0, 0, 123456789, time.UTC)},
		{"ok no fraction", 200, `{"iamToken":"` + tok + `","expiresAt":"2026-11-24T00:00:00Z"}`, nil, "", time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)},
		{"ok one digit +00:00", 200, `{"iamToken":"` + tok + `","expiresAt":"2026-11-24T00:00:00.5+00:00"}`, nil, "", time.Date(2026, 11, 24, 0, 0, 0, 5e8, time.UTC)},
		{"ok +03:00", 200, `{"iamToken":"` + tok + `","expiresAt":"2026-11-24T03:00:00+03:00"}`, nil, "", time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)},
		{"no token", 200, `{"expiresAt":"2026-11-24T00:00:00Z"}`, iam.ErrUnavailable, "iamToken is missing", time.Time{}},
		{"no expiresAt", 200, `{"iamToken":"` + tok + `"}`, iam.ErrUnavailable, "expiresAt is missing", time.Time{}},
		{"bad expiresAt", 200, `{"iamToken":"` + tok + `","expiresAt":"tomorrow"}`, iam.ErrUnavailable, "expiresAt is not an RFC 3339 time", time.Time{}},
		{"expiresAt unix", 200, `{"iamToken":"` + tok + `","expiresAt":1800000000}`, iam.ErrUnavailable, "not a JSON object", time.Time{}},
		{"already expired", 200, `{"iamToken":"` + tok + `","expiresAt":"2026-11-23T11:00:00Z"}`, iam.ErrUnavailable, "check the system clock", time.Time{}},
		{"not JSON", 200, `<html>`, iam.ErrUnavailable, "not a JSON object", time.Time{}},
		{"status 16", 401, `{"code":16,"message":"JWT signature validation fails","details":[{"@type":"type.googleapis.com/google.rpc.RequestInfo","requestId":"e38e71c3"}]}`,
			iam.ErrUnauthenticated, "yandex TokenExchange: JWT signature validation fails (http 401, grpc code 16, request id e38e71c3)", time.Time{}},
		{"status 3", 400, `{"code":3,"message":"Request validation error"}`, iam.ErrInvalidArgument, "Request validation error", time.Time{}},
		{"code as name", 400, `{"code":"FAILED_PRECONDITION","message":"x"}`, iam.ErrFailedPrecondition, "grpc code 9", time.Time{}},
		{"status 7 on 403", 403, `{"code":7,"message":"Permission denied"}`, iam.ErrPermissionDenied, "Permission denied", time.Time{}},
		{"html 502", 502, `<html>Bad Gateway</html>`, iam.ErrUnavailable, "http 502: <html>Bad Gateway</html>", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, _ := authtest.FixedServer(t, tt.status, http.Header{"X-Request-Id": {"hdr-req"}}, tt.body)
			got, err := e.yandexX(func(o *yandexauth.ExchangerOptions) {
				o.Endpoint = u
				o.MaxAttempts = 1
			}).Exchange(t.Context())
			if tt.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if got.Value.Reveal() != tok || got.Type != "Bearer" || !got.Expiry.Equal(tt.expiry) {
					t.Errorf("token ok %v, type %q, expiry %v; want expiry %v", got.Value.Reveal() == tok, got.Type, got.Expiry, tt.expiry)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %v saying %q", err, tt.wantErr, tt.want)
			}
			var ie *iam.Error
			if !errors.As(err, &ie) || ie.HTTPStatus != tt.status || ie.RequestID == "" {
				t.Errorf("error fields %#v", ie)
			}
			e.CheckNoSecrets(t, err, tok)
		})
	}
}

func TestRequestBody(t *testing.T) {
	e := newXchEnv(t)
	u, last := authtest.FixedServer(t, 200, nil, `{"iamToken":"t1.x","expiresAt":"2026-11-24T00:00:00Z"}`)
	if _, err := e.yandexX(func(o *yandexauth.ExchangerOptions) { o.Endpoint = u }).Exchange(t.Context()); err != nil {
		t.Fatal(err)
	}
	jwts := e.ySign.Secrets()
	if want := `{"jwt":"` + jwts[len(jwts)-1] + `"}`; last.String() != want {
		t.Errorf("body %s, want %s", last.String(), want)
	}
}

// TestCacheFarFutureExpiresAtIsCached: a token whose expiresAt is in year
// 9999 is cached like any other (the cache's arithmetic saturates).
func TestCacheFarFutureExpiresAtIsCached(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"iamToken":"t1.token-%d","expiresAt":"9999-12-31T23:59:59Z"}`, n)
	}))
	defer srv.Close()
	clk := iamtest.NewFakeClock(authtest.T0)
	x := mustExchanger(yandexauth.NewExchanger(staticSigner{}, func(o *yandexauth.ExchangerOptions) {
		o.Endpoint = srv.URL
		o.Clock = clk
	}))
	c, err := auth.NewCache(x, func(o *auth.CacheOptions) { o.Clock = clk })
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(5 * time.Minute)
	for i := 0; i < 50; i++ {
		if _, err := c.AccessToken(context.Background()); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Second)
	}
	c.Close() // waits for a background refresh, had one started
	if n := calls.Load(); n != 1 {
		t.Fatalf("50 calls made %d exchanges, want 1", n)
	}
}

// staticSigner signs nothing: the JWT is a fixed string.
type staticSigner struct{}

func (staticSigner) SignJWT(time.Time) (iam.Secret, error) { return iam.NewSecret("jwt"), nil }

// mustExchanger returns x; the options of these tests are valid.
func mustExchanger(x *yandexauth.Exchanger, err error) *yandexauth.Exchanger {
	if err != nil {
		panic(err)
	}
	return x
}
