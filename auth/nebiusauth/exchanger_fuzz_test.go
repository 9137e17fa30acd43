package nebiusauth

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/authtest"
	"github.com/iamkit/iamkit/auth/internal/exchange"
	"github.com/iamkit/iamkit/iam"
)

var fuzzNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func FuzzParseTokenResponse(f *testing.F) {
	for _, s := range []string{
		`{"access_token":"v1.abc","issued_token_type":"urn:ietf:params:oauth:token-type:access_token","token_type":"Bearer","expires_in":43200}`,
		`{"access_token":"v1.abc","expires_in":"3600"}`,
		`{"access_token":"v1.abc","token_type":"mac","expires_in":1}`,
		`{"access_token":null,"expires_in":-1}`,
		`{"error":"invalid_grant","error_description":"bad"}`,
		``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		tok, err := parseTokenResponse(body, fuzzNow)
		if err != nil {
			if tok != (auth.Token{}) {
				t.Fatal("a token came with an error")
			}
			authtest.CheckParseError(t, err, authtest.LenientField(body, "access_token"))
		} else {
			if tok.Value.IsZero() || tok.Type != "Bearer" || !tok.Expiry.After(fuzzNow) || tok.Expiry.Sub(fuzzNow) > maxExpiresIn {
				t.Fatalf("unusable token accepted: type %q expiry %v", tok.Type, tok.Expiry)
			}
		}
		// The error-body parser must cope with anything too.
		for _, status := range []int{400, 401, 503} {
			e := exchangeError(status, http.Header{}, body, "")
			if !errors.Is(e, iam.KindForHTTPStatus(status)) && !errors.Is(e, iam.ErrUnauthenticated) &&
				!errors.Is(e, iam.ErrPermissionDenied) && !errors.Is(e, iam.ErrInvalidArgument) {
				t.Fatalf("status %d error %v matches no sentinel", status, e)
			}
			if len(e.Error()) > 2*exchange.MaxErrorText+200 {
				t.Fatalf("error text is %d bytes", len(e.Error()))
			}
		}
	})
}
