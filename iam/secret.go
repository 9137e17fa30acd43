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
// %s %q %x %d %p %w …), log/slog (Secret is a [slog.LogValuer]),
// encoding/json and encoding/xml. The plaintext comes out only through
// [Secret.Reveal].
//
// This holds also where fmt does not call a Secret's methods: in an
// unexported struct field, under a verb fmt reports as wrong ("%!d(…)",
// which prints the operand by reflection with every method switched off),
// or behind a pointer in a slice or map. The plaintext lives behind a
// pointer to a string, and fmt prints such a pointer as an address under
// every verb and at every depth: reflection reaches only the address.
// Printers that follow pointers themselves (go-spew, pretty printers,
// debuggers, reflect-based dumpers) are out of scope: they see the
// plaintext, as they see any unexported field.
//
// Decoding JSON into a Secret reads the plaintext (so wire responses can be
// decoded straight into it); encoding always writes "REDACTED". Code that
// must persist a secret writes Reveal() into its own string field.
//
// The zero Secret is empty, and so is NewSecret(""). Secrets are immutable
// values: copy them freely; a copy shares the plaintext. Compare them with
// [Secret.Equal], not ==: == compares where the plaintext is stored, so two
// Secrets made from the same string are not == (empty Secrets are, and
// equal the zero Secret).
type Secret struct {
	// p is nil for the empty secret, else it points to a non-empty
	// plaintext that is never written again (copies share it).
	p *string
}

// NewSecret wraps plaintext in a Secret. It allocates once (the pointer
// the plaintext lives behind); copying, revealing and printing a Secret
// allocate nothing.
func NewSecret(plaintext string) Secret {
	if plaintext == "" {
		return Secret{}
	}
	return Secret{p: &plaintext}
}

// Reveal returns the plaintext. Call it only where the value leaves the
// process on purpose: an Authorization header, a signature, a 0600 file.
func (s Secret) Reveal() string {
	if s.p == nil {
		return ""
	}
	return *s.p
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.p == nil }

// Len returns the length of the plaintext in bytes.
func (s Secret) Len() int { return len(s.Reveal()) }

// Equal reports whether two secrets hold the same plaintext.
func (s Secret) Equal(o Secret) bool { return s.p == o.p || s.Reveal() == o.Reveal() }

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
	if v == nil || *v == "" {
		*s = Secret{}
		return nil
	}
	// v is a new pointer: copies of the old value keep their plaintext.
	*s = Secret{p: v}
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
	if s.p == nil {
		return ""
	}
	return Redacted
}
