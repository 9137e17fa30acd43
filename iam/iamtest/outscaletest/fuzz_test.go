package outscaletest

import (
	"net/http"
	"strings"
	"sync"
	"testing"
)

func FuzzParseSignature(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AK/20260318/eu-west-2/oapi/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=00")
	f.Add("OSC4-HMAC-SHA256 Credential=AK/20260318/eu-west-2/api/osc4_request, SignedHeaders=host;x-osc-date, Signature=ab")
	f.Add("AWS4-HMAC-SHA256 Credential=a/b/c")
	f.Fuzz(func(t *testing.T, h string) {
		sig, err := parseSignature(h)
		if err != nil {
			return
		}
		r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/api/v1/ReadAccessKeys", strings.NewReader("{}"))
		r.Header.Set(sig.dateHeader(), "20260318T100000Z")
		_, _, _ = sig.requestTime(r)
		var cache sync.Map
		_ = sig.verify(r, []byte("{}"), "secret", &cache)
	})
}
