package redacttest

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// An Echo is one way a server may encode a header it echoes.
type Echo struct {
	// Name names the encoding in test names.
	Name string
	// Encode encodes the echoed value.
	Encode func(string) string
}

// Echoes are the encodings tests echo credentials in: as they are,
// JavaScript's encodeURIComponent (upper- and lower-case hex), a query
// string's (a space as "+") and encodeURIComponent twice.
var Echoes = []Echo{
	{"raw", func(s string) string { return s }},
	{"encodeURIComponent", EncodeURIComponent},
	{"lower-case hex", func(s string) string { return encode(s, "-_.!~*'()", "%%%02x", false) }},
	{"query escape", func(s string) string { return encode(s, "-_.~", "%%%02X", true) }},
	{"encoded twice", func(s string) string { return EncodeURIComponent(EncodeURIComponent(s)) }},
}

// BasicLogins are login:password pairs whose base64 has 2, 1 and 0
// padding characters, and ones whose base64 holds '+' and '/'.
var BasicLogins = []string{
	"alice@example.com:hunter2-pw",   // 28 bytes: "=="
	"alice@example.com:hunter2-pw1",  // 29 bytes: "="
	"alice@example.com:hunter2-pw12", // 30 bytes: no padding
	"bob:pw>>???",                    // "/" and "="
	"dave:p?w>d~",                    // "+" and "="
	"carol:~?>?~?",                   // "+" and "/", no padding
}

// EncodeURIComponent percent-encodes s as JavaScript's encodeURIComponent
// does: everything but A-Z a-z 0-9 - _ . ! ~ * ' ( ), upper-case hex.
func EncodeURIComponent(s string) string { return encode(s, "-_.!~*'()", "%%%02X", false) }

func encode(s, keep, format string, spaceAsPlus bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte(keep, c) >= 0:
			b.WriteByte(c)
		case c == ' ' && spaceAsPlus:
			b.WriteByte('+')
		default:
			fmt.Fprintf(&b, format, c)
		}
	}
	return b.String()
}

// Basic returns the forms of a Basic credential login:password that must
// not be left in a text: the login:password, the password, the base64 with
// and without padding, and its 12-byte stretches (so that a cut copy is
// found too). Empty values are left out.
func Basic(login string) []string {
	b64 := base64.StdEncoding.EncodeToString([]byte(login))
	core := strings.TrimRight(b64, "=")
	_, password, _ := strings.Cut(login, ":")
	out := []string{login, password, b64, core}
	for i := 0; i+12 <= len(core); i += 4 {
		out = append(out, core[i:i+12])
	}
	return out
}

// Left returns the values (of at least 4 bytes) found in text or in one
// of its percent-decoded forms: each %XX escape decoded, up to three
// times, with "+" kept and with "+" read as a space.
func Left(text string, values ...string) []string {
	forms := []string{text}
	for _, plus := range []bool{false, true} {
		d := text
		for range 3 {
			next := decode(d, plus)
			if next == d {
				break
			}
			d = next
			forms = append(forms, d)
		}
	}
	var left []string
	for _, v := range values {
		if len(v) < 4 {
			continue
		}
		for _, f := range forms {
			if strings.Contains(f, v) {
				left = append(left, v)
				break
			}
		}
	}
	return left
}

// decode decodes each valid %XX escape of s, and "+" as a space if plus.
func decode(s string, plus bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '+' && plus {
			c = ' '
		} else if c == '%' && i+2 < len(s) {
			if v, err := hex.DecodeString(s[i+1 : i+3]); err == nil {
				c = v[0]
				i += 2
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}
