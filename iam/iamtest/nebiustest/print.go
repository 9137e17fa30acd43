package nebiustest

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

// String returns the ServiceAccount as %v prints it, its credentials JSON redacted.
func (a ServiceAccount) String() string { return safeprint.String(a, "CredentialsJSON") }

// GoString returns the ServiceAccount as %#v prints it, its credentials JSON redacted.
func (a ServiceAccount) GoString() string { return safeprint.GoString(a, "CredentialsJSON") }

// Format prints the ServiceAccount under every fmt verb, its credentials JSON redacted.
func (a ServiceAccount) Format(f fmt.State, verb rune) {
	safeprint.Format(f, verb, a, "CredentialsJSON")
}

// LogValue makes log/slog print the ServiceAccount's fields, its credentials JSON redacted.
func (a ServiceAccount) LogValue() slog.Value { return safeprint.LogValue(a, "CredentialsJSON") }

// String returns the Options as %v prints it, its registry's secrets redacted.
func (o Options) String() string { return safeprint.String(o) }

// GoString returns the Options as %#v prints it, its registry's secrets redacted.
func (o Options) GoString() string { return safeprint.GoString(o) }

// Format prints the Options under every fmt verb, its registry's secrets redacted.
func (o Options) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, o) }

// LogValue makes log/slog print the Options's fields, its registry's secrets redacted.
func (o Options) LogValue() slog.Value { return safeprint.LogValue(o) }

// String returns the *Server as %v prints it, its registry's secrets redacted.
func (s *Server) String() string { return safeprint.String(s) }

// GoString returns the *Server as %#v prints it, its registry's secrets redacted.
func (s *Server) GoString() string { return safeprint.GoString(s) }

// Format prints the *Server under every fmt verb, its registry's secrets redacted.
func (s *Server) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, s) }

// LogValue makes log/slog print the *Server's fields, its registry's secrets redacted.
func (s *Server) LogValue() slog.Value { return safeprint.LogValue(s) }

// MarshalJSON writes the service account with its credentials JSON
// redacted.
func (a ServiceAccount) MarshalJSON() ([]byte, error) { return json.Marshal(a.redacted()) }

// MarshalXML writes the service account with its credentials JSON
// redacted.
func (a ServiceAccount) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return e.EncodeElement(a.redacted(), start)
}

// serviceAccountFields is ServiceAccount with the credentials as text.
type serviceAccountFields struct {
	ID, ProjectID, KeyID, CredentialsJSON string
}

func (a ServiceAccount) redacted() serviceAccountFields {
	return serviceAccountFields{a.ID, a.ProjectID, a.KeyID, redactText(string(a.CredentialsJSON))}
}
