package outscale

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

func TestEmptyBodyHash(t *testing.T) {
	sum := sha256.Sum256(emptyBody)
	if got := hex.EncodeToString(sum[:]); got != emptyBodyHash {
		t.Fatalf("emptyBodyHash = %s, want %s", emptyBodyHash, got)
	}
}

func TestPlainPath(t *testing.T) {
	for base, want := range map[string]bool{
		"https://api.eu-west-2.outscale.com/api/v1": true,
		"http://127.0.0.1:1234/api/v1":              true,
		"https://proxy.example/osc%20api/v1":        false,
		"https://proxy.example/a+b/api/v1":          false,
	} {
		if got := plainPath(base); got != want {
			t.Errorf("plainPath(%q) = %v", base, got)
		}
	}
}

func TestParseFastMatchesParseDate(t *testing.T) {
	for _, s := range []string{
		"2010-10-01T12:34:56.789+0000", "2010-10-01T12:34:56Z", "2010-10-01T12:34:56.123456789+02:00",
		"2010-10-01T12:34:56-0530", "2024-02-29T00:00:00Z",
	} {
		fast, ok := parseFast([]byte(s))
		slow, err := ParseDate(s)
		if !ok || err != nil || !fast.Equal(slow.Time()) {
			t.Errorf("%s: fast %v %v, slow %v %v", s, fast, ok, slow.Time(), err)
		}
	}
	for _, s := range []string{"2023-02-29T00:00:00Z", "2010-10-01T12:34:56.+0000", "2010-10-01T24:00:00Z", "2010-10-01T12:34:56+0000x", "2010-10-01T12:34:56"} {
		if _, ok := parseFast([]byte(s)); ok {
			t.Errorf("parseFast(%q) accepted", s)
		}
	}
}
