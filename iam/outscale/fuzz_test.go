package outscale

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2010-10-01T12:34:56.789+0000", "2063-04-05", "2010-10-01T12:34:56Z", "2010-10-01T12:34:56+00:00",
		"20101001T123456Z", "2010-10-01T12:34:56.+0000", "9999-99-99T99:99:99Z", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			return
		}
		// What parses is a date the wire form can carry: a UTC year of
		// four digits, not the zero time (which stands for "no date").
		if y := d.Time().Year(); y < 1 || y > 9999 || d.IsZero() {
			t.Fatalf("ParseDate(%q) = %v: year %d, zero %v", s, d.Time(), y, d.IsZero())
		}
		// What parses marshals, and the marshaled form parses back to
		// the same instant and form (fractional seconds included).
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("Marshal(%q): %v", s, err)
		}
		var back Date
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("round trip of %q via %s: %v", s, b, err)
		}
		if !back.Equal(d) {
			t.Fatalf("round trip of %q via %s: %v (date only %v) != %v (date only %v)", s, b, back.Time(), back.IsDateOnly(), d.Time(), d.IsDateOnly())
		}
		again, err := ParseDate(d.String())
		if err != nil || !again.Equal(d) {
			t.Fatalf("ParseDate(String()) of %q = %v, %v; want %v", s, again.Time(), err, d.Time())
		}
	})
}

func FuzzProfileFile(f *testing.F) {
	f.Add(`{"default":{"access_key":"AK","secret_key":"SK","region":"eu-west-2","endpoints":{"api":"api.x/api/v1"}}}`, "default")
	f.Add(`{"p":{"login":"a","password":"b","tls_skip_verify":"yes","x509_client_cert_b64":"x","x509_client_key_b64":"y"}}`, "p")
	f.Add(`{"default":null}`, "default")
	f.Add(`[1,2]`, "default")
	f.Fuzz(func(t *testing.T, data, profile string) {
		file := filepath.Join(t.TempDir(), "config.json")
		if err := os.WriteFile(file, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		p, err := LoadProfile(func(o *ProfileOptions) {
			o.ConfigFile, o.Profile = file, profile
			o.Getenv = func(string) string { return "" }
		})
		if err != nil {
			if !strings.Contains(err.Error(), "outscale:") {
				t.Fatalf("unprefixed error %q", err)
			}
			return
		}
		if p.Region == "" || (p.Endpoint == "" && !KnownRegion(p.Region)) {
			t.Fatalf("accepted an unusable profile: %+v", p)
		}
	})
}

func FuzzDecodeError(f *testing.F) {
	f.Add(`{"Errors":[{"Code":"4000","Type":"InvalidParameterValue","Details":"x"}],"ResponseContext":{"RequestId":"r"}}`, "application/json", 400)
	f.Add(`{"type":"t","title":"x","detail":"y"}`, "application/problem+json", 404)
	f.Add(`<html>`, "text/html", 502)
	f.Fuzz(func(t *testing.T, body, ct string, status int) {
		h := http.Header{"Content-Type": {ct}}
		e := decodeError("Op", status, h, []byte(body), []string{"SECRETSECRET"})
		if e == nil || len(e.Message) > maxMessage+32 || strings.Contains(e.Error(), "SECRETSECRET") {
			t.Fatalf("decodeError = %+v", e)
		}
	})
}
