package redact

import (
	"encoding/base64"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/iamkit/iamkit/iam"
)

// MaxRequestID is the longest request ID kept, in bytes; what is longer is
// cut (see [RequestID]). Real request IDs are UUIDs or short hex strings.
const MaxRequestID = 128

// RequestID makes a request ID a server supplied (a response header, a
// google.rpc.RequestInfo detail, an OSC ResponseContext) safe to keep in an
// error, as messages are: a server may echo what it received into it, the
// Authorization header included. It removes, each replaced by "REDACTED":
//
//   - every occurrence of each of secrets (as [String] does);
//   - an Authorization-looking value (a scheme such as Bearer, Basic,
//     Digest, AWS4-HMAC-SHA256 followed by a credential, or a SigV4 part
//     such as "Signature=" or "X-Amz-Security-Token="), from where it starts
//     to the end of the ID, since such values run on across spaces and
//     commas;
//   - a JSON Web Token (three base64url parts, the first starting "eyJ"),
//     and a Yandex Cloud IAM token in its documented form
//     (t1.<base64url>.<86 base64url>), for the call sites that have no
//     secrets to pass (an operation's error);
//   - a word in standard base64 that decodes to printable text containing a
//     colon: the form of a Basic credential, login:password.
//
// A server may echo the header percent-encoded (as encodeURIComponent or a
// query string would, a space as "+"), so the ID is scrubbed as it is and
// then decoded and scrubbed again, up to three rounds of encoding; when a
// decoded copy held anything to remove, that scrubbed copy is the result.
// In the ID as it is, a %XX escape ends a base64 word ("%3D" counts as
// padding) and "%20", "+" and ":" may follow a scheme name.
//
// Control characters become spaces, invalid UTF-8 becomes "?", and the
// result is trimmed and cut to [MaxRequestID] bytes, after scrubbing, so
// that a secret crossing the cut is still removed whole. An ID that looks
// like none of these comes out unchanged; a base64 ID that happens to decode
// to text with a colon is scrubbed too, which costs a support ticket its
// ID, never a secret.
func RequestID(id string, secrets ...string) string {
	if id == "" {
		return ""
	}
	out := scrubID(id, secrets)
	d, found := out, false
	for range maxDecodeRounds {
		next := percentDecode(d)
		if next == d {
			break
		}
		d = scrubID(next, secrets)
		found = found || d != next
	}
	if found {
		out = d
	}
	return Truncate(strings.TrimSpace(out), MaxRequestID)
}

// maxDecodeRounds bounds how many layers of percent-encoding RequestID
// looks through.
const maxDecodeRounds = 3

// scrubID is one scrubbing pass of RequestID, without the cut.
func scrubID(id string, secrets []string) string {
	id = strings.ToValidUTF8(id, "?")
	id = String(id, secrets...)
	id = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, id)
	id = scrubAuthorization(id)
	id = jwtPattern.ReplaceAllString(id, iam.Redacted)
	id = yandexIAMToken.ReplaceAllString(id, iam.Redacted)
	return scrubBasicCredentials(id)
}

// percentDecode decodes each %XX escape of s (either case of hex) and reads
// "+" as a space, as a query string is read. A '%' that starts no escape
// is kept: url.QueryUnescape would refuse the whole string, and an echo is
// not always well encoded. A string without any escape is returned as it
// is: a '+' alone is more often a base64 letter than an encoded space (and
// a scheme followed by "+" is found without decoding).
func percentDecode(s string) string {
	if !hasEscape(s) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '+' {
			c = ' '
		} else if c == '%' && i+2 < len(s) {
			if v, ok := unhex2(s[i+1], s[i+2]); ok {
				c = v
				i += 2
			}
		}
		b = append(b, c)
	}
	return string(b)
}

// authMarkers start an Authorization-looking value: the HTTP
// authentication schemes followed by white space, "%20", "+" (a space in a
// query) or ":", and the SigV4/OSC4 parameters, whether in the header or in
// a presigned query. They are matched without regard to case.
var authMarkers = regexp.MustCompile(`(?i)(?:(?:bearer|basic|digest|negotiate|ntlm|oauth|token|aws|aws4-hmac-sha256|osc4-hmac-sha256|aws4-ecdsa-p256-sha256)(?:[ \t+:]|%20)+\S)|(?:(?:x-amz-|x-osc-)?(?:credential|signature|security-token|signedheaders)=)`)

// jwtPattern matches a compact JWS: base64url header (a JSON object, so
// "eyJ"), payload and signature.
var jwtPattern = regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`)

// yandexIAMToken is the IAM token form Yandex documents,
// t1\.[A-Z0-9a-z_-]+[=]{0,2}\.[A-Z0-9a-z_-]{86}[=]{0,2}, with any digit
// after the "t" (the documentation warns that the prefix may change).
var yandexIAMToken = regexp.MustCompile(`t[0-9]\.[A-Za-z0-9_-]+={0,2}\.[A-Za-z0-9_-]{86}={0,2}`)

// scrubAuthorization replaces everything from the first Authorization
// marker to the end of s.
func scrubAuthorization(s string) string {
	loc := authMarkers.FindStringIndex(s)
	if loc == nil {
		return s
	}
	return s[:loc[0]] + iam.Redacted
}

// isStdBase64 reports whether c is in the standard base64 alphabet
// (padding excluded).
func isStdBase64(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/'
}

// scrubBasicCredentials replaces each word of standard base64 (with or
// without padding, "=" or "%3D") that decodes to a Basic credential's
// form. A %XX escape ends a word: "Basic%20YWxp" holds the word "YWxp",
// not "20YWxp".
func scrubBasicCredentials(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		if isEscape(s, i) {
			i += 3
			continue
		}
		if !isStdBase64(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isStdBase64(s[j]) {
			j++
		}
		end := j
		for pad := 0; pad < 2; pad++ {
			if end < len(s) && s[end] == '=' {
				end++
			} else if isEscape(s, end) && s[end+1] == '3' && (s[end+2] == 'D' || s[end+2] == 'd') {
				end += 3
			} else {
				break
			}
		}
		if credentialIn(s[i:j]) {
			if b.Len() == 0 {
				b.Grow(len(s))
			}
			b.WriteString(s[last:i])
			b.WriteString(iam.Redacted)
			last = end
		}
		i = end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// hasEscape reports whether s holds a %XX escape.
func hasEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if isEscape(s, i) {
			return true
		}
	}
	return false
}

// isEscape reports whether s holds a %XX escape at i.
func isEscape(s string, i int) bool {
	if i+2 >= len(s) || s[i] != '%' {
		return false
	}
	_, ok := unhex2(s[i+1], s[i+2])
	return ok
}

// credentialIn reports whether the base64 word w, or one of its parts
// between '/' and '+' (which are base64 letters, and separators in IDs
// such as "req-1234/…"), looks like a Basic credential.
func credentialIn(w string) bool {
	if looksLikeCredential(w) {
		return true
	}
	if !strings.ContainsAny(w, "/+") {
		return false
	}
	for _, part := range strings.FieldsFunc(w, func(r rune) bool { return r == '/' || r == '+' }) {
		// Short parts of a longer word decode to text by chance too
		// often; a credential worth hiding is longer ("me:pw" is 8).
		if len(part) >= 8 && looksLikeCredential(part) {
			return true
		}
	}
	return false
}

// looksLikeCredential reports whether w (standard base64 without padding)
// decodes, strictly, to printable UTF-8 text with a colon: login:password.
// A word of hex digits only is taken for what it nearly always is, a hex
// ID (the groups of a UUID often decode to printable bytes).
func looksLikeCredential(w string) bool {
	if len(w) < 4 || len(w)%4 == 1 || isHex(w) {
		return false
	}
	raw, err := base64.RawStdEncoding.Strict().DecodeString(w)
	if err != nil || !utf8.Valid(raw) || !strings.ContainsRune(string(raw), ':') {
		return false
	}
	for _, r := range string(raw) {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

func isHex(w string) bool {
	for i := 0; i < len(w); i++ {
		c := w[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
