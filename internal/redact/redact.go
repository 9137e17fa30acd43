package redact

import (
	"strings"

	"github.com/iamkit/iamkit/iam"
)

// minLen is the shortest secret that is scrubbed: shorter values would
// mangle ordinary text and are not worth hiding.
const minLen = 4

// String returns s with every occurrence of each non-empty secret replaced
// by "REDACTED".
func String(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) < minLen {
			continue
		}
		if strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, iam.Redacted)
		}
	}
	return s
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
