package auth

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam"
)

var fuzzNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// lenientField pulls a string field out of body when it is a JSON object,
// to check that a rejected response's token never reaches the error text.
func lenientField(body []byte, name string) string {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	s, _ := m[name].(string)
	return s
}

// checkParseError checks what every parse error must be: an *iam.Error of
// bounded size that does not carry the token.
func checkParseError(t *testing.T, err error, token string) {
	t.Helper()
	var ie *iam.Error
	if !errors.As(err, &ie) {
		t.Fatalf("error %T is not *iam.Error", err)
	}
	msg := err.Error()
	if len(msg) > 300 {
		t.Fatalf("error text is %d bytes", len(msg))
	}
	if len(token) >= 16 && strings.Contains(msg, token) {
		t.Fatalf("error %q carries the token", msg)
	}
}

func FuzzParseNebiusTokenResponse(f *testing.F) {
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
		tok, err := parseNebiusTokenResponse(body, fuzzNow)
		if err != nil {
			if tok != (Token{}) {
				t.Fatal("a token came with an error")
			}
			checkParseError(t, err, lenientField(body, "access_token"))
		} else {
			if tok.Value.IsZero() || tok.Type != "Bearer" || !tok.Expiry.After(fuzzNow) || tok.Expiry.Sub(fuzzNow) > maxExpiresIn {
				t.Fatalf("unusable token accepted: type %q expiry %v", tok.Type, tok.Expiry)
			}
		}
		// The error-body parser must cope with anything too.
		for _, status := range []int{400, 401, 503} {
			e := nebiusError(status, http.Header{}, body, "")
			if !errors.Is(e, iam.KindForHTTPStatus(status)) && !errors.Is(e, iam.ErrUnauthenticated) &&
				!errors.Is(e, iam.ErrPermissionDenied) && !errors.Is(e, iam.ErrInvalidArgument) {
				t.Fatalf("status %d error %v matches no sentinel", status, e)
			}
			if len(e.Error()) > 2*maxErrorText+200 {
				t.Fatalf("error text is %d bytes", len(e.Error()))
			}
		}
	})
}

func FuzzParseYandexTokenResponse(f *testing.F) {
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
		tok, err := parseYandexTokenResponse(body)
		if err != nil {
			if tok != (Token{}) {
				t.Fatal("a token came with an error")
			}
			checkParseError(t, err, lenientField(body, "iamToken"))
		} else if tok.Value.IsZero() || tok.Type != "Bearer" || tok.Expiry.IsZero() {
			t.Fatalf("unusable token accepted: type %q expiry %v", tok.Type, tok.Expiry)
		}
		for _, status := range []int{400, 401, 503} {
			e := yandexError(status, http.Header{}, body, "")
			var ie *iam.Error
			if !errors.As(e, &ie) || ie.GRPCCode < 0 || ie.GRPCCode > 16 {
				t.Fatalf("status %d error %#v", status, e)
			}
			if len(e.Error()) > 2*maxErrorText+200 {
				t.Fatalf("error text is %d bytes", len(e.Error()))
			}
		}
	})
}
