package outscale

import "testing"

// TestFastDecodeRefusesOutOfRangeDates: the hand-written response decoder
// reads dates with parseFast; a year outside 0001–9999 in UTC (or the zero
// time) makes it hand over to encoding/json, which reports the error
// (issue 11, item 14).
func TestFastDecodeRefusesOutOfRangeDates(t *testing.T) {
	for _, d := range []string{"9999-12-31T23:59:59-01:00", "0000-01-01T00:00:00+0010", "0001-01-01T00:00:00.000+0000", "0001-01-01T00:30:00+01:00"} {
		if _, ok := parseFast([]byte(d)); ok {
			t.Errorf("parseFast(%q) accepted", d)
		}
		body := []byte(`{"AccessKeys":[{"AccessKeyId":"A","ExpirationDate":"` + d + `"}]}`)
		var out ReadAccessKeysResponse
		if out.unmarshalFast(body) {
			t.Errorf("fast decoder accepted %s", body)
		}
		if err := decodeResponse(body, &out); err == nil {
			t.Errorf("decodeResponse(%s) = %+v, want an error", body, out)
		}
	}
}
