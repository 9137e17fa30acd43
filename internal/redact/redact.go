package redact

import (
	"strings"
	"unicode/utf8"

	"github.com/iamkit/iamkit/iam"
)

// minLen is the shortest secret that is scrubbed: shorter values would
// mangle ordinary text and are not worth hiding.
const minLen = 4

// String returns s with every occurrence of each secret of at least 4
// bytes replaced by "REDACTED". A secret is found also in the forms a
// server's echo or a URL gives it, and in mixtures of them:
//
//   - percent-encoded, either case of hex digits ("%3D", "%3d"), a space
//     also as "+";
//   - in base64url where it has the standard base64 letters '+' and '/'
//     ('-' and '_'), and the other way round;
//   - without its base64 padding, or with it percent-encoded: a secret
//     ending in "=" matches without its trailing "=" run, and the padding
//     that follows in s ("=" or "%3D", at most as much as the secret has)
//     goes with it.
func String(s string, secrets ...string) string {
	for _, sec := range secrets {
		core, pad := splitPadding(sec)
		if len(core) < minLen {
			continue
		}
		s = replaceForms(s, core, pad)
	}
	return s
}

// splitPadding splits sec into the part that must match and the number of
// trailing '=' (base64 padding, at most 2) that may follow; a secret that
// would be too short without them keeps them.
func splitPadding(sec string) (core string, pad int) {
	core = sec
	for pad < 2 && strings.HasSuffix(core, "=") {
		core, pad = core[:len(core)-1], pad+1
	}
	if len(core) < minLen {
		return sec, 0
	}
	return core, pad
}

// replaceForms replaces each match of core (in any form String accepts),
// with up to pad padding characters after it, by "REDACTED".
func replaceForms(s, core string, pad int) string {
	starts := startBytes(core[0])
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		k := indexStart(s[i:], core[0], starts)
		if k < 0 {
			break
		}
		i += k
		end := matchAt(s, i, core)
		if end < 0 {
			i++
			continue
		}
		for n := 0; n < pad; n++ {
			if end < len(s) && s[end] == '=' {
				end++
			} else if end+2 < len(s) && s[end] == '%' && s[end+1] == '3' && (s[end+2] == 'D' || s[end+2] == 'd') {
				end += 3
			} else {
				break
			}
		}
		b.WriteString(s[last:i])
		b.WriteString(iam.Redacted)
		i, last = end, end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// indexStart returns the index of the first byte of s that may start a
// form of c (starts is startBytes(c)), or -1.
func indexStart(s string, c byte, starts string) int {
	if c < utf8.RuneSelf {
		return strings.IndexAny(s, starts) // ASCII bytes: IndexAny reads them as runes
	}
	for i := 0; i < len(s); i++ {
		if s[i] == c || s[i] == '%' {
			return i
		}
	}
	return -1
}

// startBytes returns the bytes that may start a form of c in a text (see
// byteAt).
func startBytes(c byte) string {
	starts := string(c) + "%"
	switch c {
	case ' ', '-':
		starts += "+"
	case '+':
		starts += "-"
	case '/':
		starts += "_"
	case '_':
		starts += "/"
	}
	return starts
}

// matchAt returns the end of a match of core at s[i:], or -1.
func matchAt(s string, i int, core string) int {
	for k := 0; k < len(core); k++ {
		n := byteAt(s, i, core[k])
		if n == 0 {
			return -1
		}
		i += n
	}
	return i
}

// byteAt returns how many bytes of s at i stand for c (0: none): c itself,
// %XX of it, '+' for a space, and the base64url letter for a standard
// base64 one and the other way round.
func byteAt(s string, i int, c byte) int {
	if i >= len(s) {
		return 0
	}
	switch d := s[i]; {
	case d == c:
		return 1
	case d == '%':
		if i+2 < len(s) {
			if v, ok := unhex2(s[i+1], s[i+2]); ok && v == c {
				return 3
			}
		}
	case d == '+':
		if c == ' ' || c == '-' {
			return 1
		}
	case d == '-':
		if c == '+' {
			return 1
		}
	case d == '_':
		if c == '/' {
			return 1
		}
	case d == '/':
		if c == '_' {
			return 1
		}
	}
	return 0
}

// unhex2 decodes two hex digits, either case.
func unhex2(a, b byte) (byte, bool) {
	x, ok1 := unhex(a)
	y, ok2 := unhex(b)
	return x<<4 | y, ok1 && ok2
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// Secrets is like [String] for values of type iam.Secret.
func Secrets(s string, secrets ...iam.Secret) string {
	for _, sec := range secrets {
		s = String(s, sec.Reveal())
	}
	return s
}

// Truncate cuts s to at most n bytes (on a UTF-8 boundary) and marks the cut.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && cut < len(s) && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "…(truncated)"
}

// Error wraps err so that its text has the given secrets scrubbed; errors.Is
// and errors.As still see err. It returns nil for a nil err.
func Error(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := String(msg, secrets...)
	if clean == msg {
		return err
	}
	return &scrubbed{msg: clean, err: err}
}

type scrubbed struct {
	msg string
	err error
}

func (s *scrubbed) Error() string { return s.msg }
func (s *scrubbed) Unwrap() error { return s.err }
