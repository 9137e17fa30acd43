package outscaletest

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"log/slog"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/safeprint"
)

// The printing methods of the emulator's types that hold a secret. The
// emulators keep their test secrets in plain string fields (they are test
// servers), so these methods name the fields to redact: printing a value
// (fmt's %v, %+v, %#v, %s, %q, %x, %d…), logging it with log/slog and
// encoding it with encoding/json or encoding/xml show REDACTED. What fmt
// prints by reflection alone (the %p and %w verbs on a value, a value in
// an unexported field of another struct) is not covered: read the secrets
// of an emulator only in tests.

// redactText is what a redacted text field encodes as.
func redactText(s string) string {
	if s == "" {
		return ""
	}
	return iam.Redacted
}

// String returns the Credentials as %v prints it, its secret key and password redacted.
func (c Credentials) String() string { return safeprint.String(c, "SecretKey", "Password") }

// GoString returns the Credentials as %#v prints it, its secret key and password redacted.
func (c Credentials) GoString() string { return safeprint.GoString(c, "SecretKey", "Password") }

// Format prints the Credentials under every fmt verb, its secret key and password redacted.
func (c Credentials) Format(f fmt.State, verb rune) {
	safeprint.Format(f, verb, c, "SecretKey", "Password")
}

// LogValue makes log/slog print the Credentials's fields, its secret key and password redacted.
func (c Credentials) LogValue() slog.Value { return safeprint.LogValue(c, "SecretKey", "Password") }

// String returns the Options as %v prints it, its password redacted.
func (o Options) String() string { return safeprint.String(o, "Password") }

// GoString returns the Options as %#v prints it, its password redacted.
func (o Options) GoString() string { return safeprint.GoString(o, "Password") }

// Format prints the Options under every fmt verb, its password redacted.
func (o Options) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, o, "Password") }

// LogValue makes log/slog print the Options's fields, its password redacted.
func (o Options) LogValue() slog.Value { return safeprint.LogValue(o, "Password") }

// String returns the *Server as %v prints it, the root credentials redacted.
func (s *Server) String() string { return safeprint.String(s) }

// GoString returns the *Server as %#v prints it, the root credentials redacted.
func (s *Server) GoString() string { return safeprint.GoString(s) }

// Format prints the *Server under every fmt verb, the root credentials redacted.
func (s *Server) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, s) }

// LogValue makes log/slog print the *Server's fields, the root credentials redacted.
func (s *Server) LogValue() slog.Value { return safeprint.LogValue(s) }

// MarshalJSON writes the credentials with the secret key and password
// redacted.
func (c Credentials) MarshalJSON() ([]byte, error) { return json.Marshal(c.redacted()) }

// MarshalXML writes the credentials with the secret key and password
// redacted.
func (c Credentials) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return e.EncodeElement(c.redacted(), start)
}

type credentialsFields Credentials

func (c Credentials) redacted() credentialsFields {
	c.SecretKey, c.Password = redactText(c.SecretKey), redactText(c.Password)
	return credentialsFields(c)
}

// MarshalJSON writes the options with the password redacted.
func (o Options) MarshalJSON() ([]byte, error) { return json.Marshal(o.redacted()) }

// MarshalXML writes the options with the password redacted.
func (o Options) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return e.EncodeElement(o.redacted(), start)
}

type optionsFields Options

func (o Options) redacted() optionsFields {
	o.Password = redactText(o.Password)
	return optionsFields(o)
}
