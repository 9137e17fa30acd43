package redact

import (
	"strings"
	"testing"
)

func TestCredentials(t *testing.T) {
	const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzYSJ9.c2lnbmF0dXJl"
	tests := []struct{ in, want string }{
		{"auth: token refresh failed: nebius TokenExchange: unavailable", "auth: token refresh failed: nebius TokenExchange: unavailable"},
		{"bad jwt " + jwt + " sent", "bad jwt REDACTED sent"},
		{"denied for Bearer abc.def-123 (http 403)", "denied for Bearer REDACTED (http 403)"},
		{"got Basic YWxpY2U6czNjcjN0, refused", "got Basic REDACTED, refused"},
		{"header AWS4-HMAC-SHA256 Credential=AKIA/20260101/eu-west-2/oapi/aws4_request, SignedHeaders=host;x-amz-date, Signature=0123456789abcdef0123",
			"header AWS4-HMAC-SHA256 REDACTED, SignedHeaders=host;x-amz-date, Signature=REDACTED"},
		{"url ?X-Amz-Signature=deadbeef&X-Amz-Security-Token=tok", "url ?X-Amz-Signature=REDACTED&X-Amz-Security-Token=REDACTED"},
		{"login YWxpY2U6czNjcjN0 echoed", "login REDACTED echoed"},
		{"iam token t1.9euelZqKk5GOm5." + strings.Repeat("x", 86) + " here", "iam token REDACTED here"},
	}
	for _, tt := range tests {
		if got := Credentials(tt.in); got != tt.want {
			t.Errorf("Credentials(%q)\n = %q\nwant %q", tt.in, got, tt.want)
		}
	}
}
