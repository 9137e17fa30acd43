package iam

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"log/slog"
)

// Redacted is what a [Secret] prints instead of its value.
const Redacted = "REDACTED"

// Secret holds a value that must never reach logs, errors or fmt output: an
// access-key secret, a token, a signed JWT, a private key, a password.
//
// Every way of printing a Secret shows [Redacted]: all fmt verbs (%v %+v %#v
// %s %q %x …), log/slog (Secret is a [slog.LogValuer]), encoding/json and
// encoding/xml. The plaintext comes out only through [Secret.Reveal].
//
// Decoding JSON into a Secret reads the plaintext (so wire responses can be
// decoded straight into it); encoding always writes "REDACTED". Code that
// must persist a secret writes Reveal() into its own string field.
//
// The zero Secret is empty. Secrets are values: copy them freely.
type Secret struct {
	v string
}

// NewSecret wraps plaintext in a Secret.
func NewSecret(plaintext string) Secret { return Secret{v: plaintext} }

// Reveal returns the plaintext. Call it only where the value leaves the
// process on purpose: an Authorization header, a signature, a 0600 file.
func (s Secret) Reveal() string { return s.v }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.v == "" }

// Len returns the length of the plaintext in bytes.
func (s Secret) Len() int { return len(s.v) }

// Equal reports whether two secrets hold the same plaintext.
func (s Secret) Equal(o Secret) bool { return s.v == o.v }

// String returns [Redacted] (or "" for an empty secret, so that presence is
// visible without the value).
func (s Secret) String() string { return s.display() }

// GoString returns [Redacted] for %#v.
func (s Secret) GoString() string { return "iam.Secret(" + s.display() + ")" }

// Format prints [Redacted] under every fmt verb.
func (s Secret) Format(f fmt.State, verb rune) {
	switch verb {
	case 'v':
		if f.Flag('#') {
			_, _ = f.Write([]byte(s.GoString()))
			return
		}
		_, _ = f.Write([]byte(s.display()))
	case 'q':
		_, _ = f.Write([]byte(`"` + s.display() + `"`))
	default:
		_, _ = f.Write([]byte(s.display()))
	}
}

// LogValue makes slog print [Redacted].
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.display()) }

// MarshalJSON writes "REDACTED", never the plaintext.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.display()) }

// UnmarshalJSON reads a JSON string (or null) as the plaintext.
func (s *Secret) UnmarshalJSON(b []byte) error {
	var v *string
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("iam: secret must be a JSON string")
	}
	if v == nil {
		s.v = ""
		return nil
	}
	s.v = *v
	return nil
}

// MarshalText writes "REDACTED"; it covers encoding/xml attributes, map
// keys and other text encoders.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.display()), nil }

// MarshalXML writes "REDACTED" as the element's text.
func (s Secret) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return e.EncodeElement(s.display(), start)
}

func (s Secret) display() string {
	if s.v == "" {
		return ""
	}
	return Redacted
}
