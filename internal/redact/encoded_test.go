package redact

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"

	"github.com/iamkit/iamkit/internal/redact/redacttest"
)

// TestRequestIDScrubsEncodedBasic: a server that echoes the Authorization
// header percent-encoded (encodeURIComponent, a query escape, twice) into
// its request ID must not put a recoverable login:password into it,
// whatever the base64's padding, with or without the secrets known (issue
// 11, item 4).
func TestRequestIDScrubsEncodedBasic(t *testing.T) {
	echoes := append(redacttest.Echoes, redacttest.Echo{Name: "path escape", Encode: url.PathEscape}) // %20, = and + kept
	for _, login := range redacttest.BasicLogins {
		b64 := base64.StdEncoding.EncodeToString([]byte(login))
		_, password, _ := strings.Cut(login, ":")
		for _, e := range echoes {
			for _, form := range []struct{ name, id string }{
				{"header", e.Encode("Basic " + b64)},
				{"scheme and colon", e.Encode("Basic:" + b64)},
				{"bare base64", e.Encode(b64)},
				{"inside an ID", "req-7f3a;auth=" + e.Encode("Basic "+b64) + ";x=1"},
				{"bare inside an ID", "req-7f3a/" + e.Encode(b64) + "/trace"},
			} {
				for _, secrets := range [][]string{nil, {b64, "Basic " + b64, password}} {
					got := RequestID(form.id, secrets...)
					if left := redacttest.Left(got, redacttest.Basic(login)...); len(left) > 0 {
						t.Errorf("%s, %s, %s, %d secrets: RequestID(%q) = %q: %q left", login, e.Name, form.name, len(secrets), form.id, got, left)
					}
					if got == "" {
						t.Errorf("RequestID(%q) is empty: it should say what was removed", form.id)
					}
				}
			}
		}
	}
}

// TestRequestIDScrubsEncodedSchemes: the Authorization schemes are known
// with %20, + or : after their name, and the values after them
// percent-encoded.
func TestRequestIDScrubsEncodedSchemes(t *testing.T) {
	const token = "opaque/Token+value0123456789=="
	for _, id := range []string{
		"Bearer%20" + token,
		"Bearer+" + token,
		"Bearer:" + token,
		"bearer%20" + redacttest.EncodeURIComponent(token),
		redacttest.EncodeURIComponent("Bearer " + token),
		url.QueryEscape("Bearer " + token),
		"AWS4-HMAC-SHA256%20Credential%3DAKIDEXAMPLE%2F20260318%2Feu-west-2%2Fs3%2Faws4_request%2C%20Signature%3D5d672d79c15b1316",
		url.QueryEscape(`Digest username="me", response="6629fae49393a05397450978507c4ef1"`),
	} {
		got := RequestID(id)
		if left := redacttest.Left(got, "opaque", "Token", "0123456789", "5d672d79c15b", "AKIDEXAMPLE", "6629fae4939"); len(left) > 0 {
			t.Errorf("RequestID(%q) = %q: %q left", id, got, left)
		}
	}
}

// TestStringScrubsSecretForms: a known secret is scrubbed also without its
// base64 padding, in base64url, percent-encoded (either case of hex, a
// space as + or %20) and in mixtures of these, in messages as in request
// IDs (issue 11, item 4); the text around it is kept.
func TestStringScrubsSecretForms(t *testing.T) {
	for _, login := range redacttest.BasicLogins {
		b64 := base64.StdEncoding.EncodeToString([]byte(login))
		urlSafe := base64.URLEncoding.EncodeToString([]byte(login))
		forms := map[string]string{
			"exact":               b64,
			"unpadded":            strings.TrimRight(b64, "="),
			"url-safe":            urlSafe,
			"url-safe unpadded":   strings.TrimRight(urlSafe, "="),
			"header, path escape": url.PathEscape("Basic " + b64),
		}
		for _, e := range redacttest.Echoes {
			forms[e.Name] = e.Encode(b64)
			forms["url-safe, "+e.Name] = e.Encode(urlSafe)
			forms["header, "+e.Name] = e.Encode("Basic " + b64)
		}
		for name, form := range forms {
			if strings.HasPrefix(name, "url-safe") && urlSafe == b64 || name == "encoded twice" || strings.HasSuffix(name, ", encoded twice") {
				continue // the same as another form, or not a single encoding
			}
			msg := "server said: no access for " + form + " (retry later)"
			got := String(msg, b64)
			if left := redacttest.Left(got, redacttest.Basic(login)...); len(left) > 0 {
				t.Errorf("%s, %s: String(%q) = %q: %q left", login, name, msg, got, left)
			}
			if !strings.HasPrefix(got, "server said: no access for ") || !strings.HasSuffix(got, " (retry later)") {
				t.Errorf("%s, %s: String(%q) = %q: the text around the secret changed", login, name, msg, got)
			}
		}
	}
	for _, tc := range []struct{ in, secret, want string }{
		{"id=abc%2Fdef, abc/de", "abc/def", "id=REDACTED, abc/de"},                          // a prefix of the secret is kept
		{"k=s3cr3t%3D%3D&n=1", "s3cr3t==", "k=REDACTED&n=1"},                                // padding encoded, and taken with it
		{"k=s3cr3t==&n=1", "s3cr3t", "k=REDACTED==&n=1"},                                    // a secret without padding takes none
		{"pw=my%20pass+word.", "my pass word", "pw=REDACTED."},                              // spaces as %20 and +
		{"a%zzsecret1%", "secret1", "a%zzREDACTED%"},                                        // a bad escape is text
		{"short ab", "ab", "short ab"},                                                      // too short to scrub
		{"x=====", "====", "xREDACTED="},                                                    // all padding: matched as it is
		{"pw=ünï-cöde, pw=%C3%BCn%C3%AF-c%C3%B6de", "ünï-cöde", "pw=REDACTED, pw=REDACTED"}, // UTF-8, and percent-encoded
	} {
		if got := String(tc.in, tc.secret); got != tc.want {
			t.Errorf("String(%q, %q) = %q, want %q", tc.in, tc.secret, got, tc.want)
		}
	}
}
