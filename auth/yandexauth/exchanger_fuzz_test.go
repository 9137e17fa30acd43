package yandexauth

import (
	"errors"
	"net/http"
	"testing"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/authtest"
	"github.com/iamkit/iamkit/auth/internal/exchange"
	"github.com/iamkit/iamkit/iam"
)

func FuzzParseTokenResponse(f *testing.F) {
	for _, s := range []string{
		`{"iamToken":"t1.abc","expiresAt":"2026-11-24T00:00:00.709971428Z"}`,
		`{"iamToken":"t1.abc","expiresAt":"2026-11-24T00:00:00+00:00"}`,
		`{"iamToken":"t1.abc","expiresAt":"2026-11-24T00:00:00.1+03:00"}`,
		`{"iamToken":"","expiresAt":"x"}`,
		`{"code":16,"message":"Key 'k' was not found","details":[{"@type":"type.googleapis.com/google.rpc.RequestInfo","requestId":"r"}]}`,
		`[]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		tok, err := parseTokenResponse(body)
		if err != nil {
			if tok != (auth.Token{}) {
				t.Fatal("a token came with an error")
			}
			authtest.CheckParseError(t, err, authtest.LenientField(body, "iamToken"))
		} else if tok.Value.IsZero() || tok.Type != "Bearer" || tok.Expiry.IsZero() {
			t.Fatalf("unusable token accepted: type %q expiry %v", tok.Type, tok.Expiry)
		}
		for _, status := range []int{400, 401, 503} {
			e := exchangeError(status, http.Header{}, body, "")
			var ie *iam.Error
			if !errors.As(e, &ie) || ie.GRPCCode < 0 || ie.GRPCCode > 16 {
				t.Fatalf("status %d error %#v", status, e)
			}
			if len(e.Error()) > 2*exchange.MaxErrorText+200 {
				t.Fatalf("error text is %d bytes", len(e.Error()))
			}
		}
	})
}
