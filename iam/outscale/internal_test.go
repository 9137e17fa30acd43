package outscale

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam"
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

func TestDaysIn(t *testing.T) {
	for year := 1899; year <= 2401; year++ {
		for m := time.January; m <= time.December; m++ {
			if got, want := daysIn(m, year), time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day(); got != want {
				t.Fatalf("daysIn(%v, %d) = %d, want %d", m, year, got, want)
			}
		}
	}
}

func TestEndpointErrorsHideUserInfo(t *testing.T) {
	for _, e := range []string{"ftp://user:hunter2@example.com", "https://user:hunter2@[::1", "user:hunter2@%zz"} {
		_, err := NormalizeEndpoint(e, "")
		if err == nil {
			t.Fatalf("%q: want an error", e)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Fatalf("%q: error shows the password: %v", e, err)
		}
	}
}

func TestBasicAuthRefusedOverPlainHTTP(t *testing.T) {
	if err := checkBasicAuthTransport("http://api.eu-west-2.outscale.com/api/v1"); err == nil {
		t.Fatal("plain http to a remote host: want an error")
	}
	for _, ok := range []string{"https://api.eu-west-2.outscale.com/api/v1", "http://127.0.0.1:8080/api/v1", "http://localhost/api/v1", "http://[::1]:1/api/v1"} {
		if err := checkBasicAuthTransport(ok); err != nil {
			t.Fatalf("%s: %v", ok, err)
		}
	}
	_, err := New(func(o *Options) {
		o.Endpoint = "http://api.eu-west-2.outscale.com/api/v1"
		o.Login, o.Password = "me@example.com", iam.NewSecret("pw")
	})
	if err == nil || !strings.Contains(err.Error(), "in clear") {
		t.Fatalf("New with login over http: %v", err)
	}
}
