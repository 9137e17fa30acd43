package auth

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/safeprint"
)

// The printing methods of the types of this package that hold a secret (a
// token, a private key). None of them shows the secret, under any fmt
// verb, in log/slog or in encoding/json.

// String returns the token as %v prints it: its Value redacted.
func (t Token) String() string { return safeprint.String(t) }

// GoString returns the token as %#v prints it: its Value redacted.
func (t Token) GoString() string { return safeprint.GoString(t) }

// Format prints the token under every verb without its value.
func (t Token) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, t) }

// LogValue makes slog print the token's type and expiry, its value
// redacted.
func (t Token) LogValue() slog.Value { return safeprint.LogValue(t) }

// String describes the source by the token's type and expiry.
func (s *StaticTokenSource) String() string {
	if s == nil {
		return "<nil>"
	}
	exp := "never"
	if !s.tok.Expiry.IsZero() {
		exp = s.tok.Expiry.Format(time.RFC3339)
	}
	return "auth.StaticTokenSource{Type: " + s.tok.Type + ", Expiry: " + exp + ", Token: " + iam.Redacted + "}"
}

// GoString is String, for %#v.
func (s *StaticTokenSource) GoString() string { return "&" + s.String() }

// Format prints String under every verb (GoString for %#v).
func (s *StaticTokenSource) Format(f fmt.State, verb rune) {
	safeprint.FormatString(f, verb, s.String(), s.GoString())
}

// LogValue makes slog print the token's type and expiry only.
func (s *StaticTokenSource) LogValue() slog.Value {
	if s == nil {
		return slog.StringValue("<nil>")
	}
	return slog.GroupValue(slog.String("type", s.tok.Type), slog.Time("expiry", s.tok.Expiry), slog.String("token", iam.Redacted))
}

// MarshalJSON writes the token's type and expiry, never the token.
func (s *StaticTokenSource) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Type  string `json:"type"`
		Token string `json:"token"`
	}{s.tok.Type, iam.Redacted})
}

// Format prints String under every verb; never the token.
func (c *Cache) Format(f fmt.State, verb rune) {
	safeprint.FormatString(f, verb, c.String(), c.GoString())
}

// LogValue makes slog print the cache's state; never the token.
func (c *Cache) LogValue() slog.Value { return slog.StringValue(c.String()) }
