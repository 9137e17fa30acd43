package outscaletest

import (
	"fmt"
	"log/slog"

	"github.com/iamkit/iamkit/internal/safeprint"
)

// The printing methods of the emulator's types that hold a secret. The
// fixture secrets (Credentials.SecretKey and Password, Options.Password)
// are iam.Secret values, which print, log and encode as REDACTED under
// every fmt verb, in log/slog, encoding/json and encoding/xml, also when
// fmt reaches them by reflection; these methods keep the same output for
// the structs that hold them and for the Server, whose Root is a
// Credentials.

// String returns the Credentials as %v prints it, its secret key and password redacted.
func (c Credentials) String() string { return safeprint.String(c) }

// GoString returns the Credentials as %#v prints it, its secret key and password redacted.
func (c Credentials) GoString() string { return safeprint.GoString(c) }

// Format prints the Credentials under every fmt verb, its secret key and password redacted.
func (c Credentials) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, c) }

// LogValue makes log/slog print the Credentials's fields, its secret key and password redacted.
func (c Credentials) LogValue() slog.Value { return safeprint.LogValue(c) }

// String returns the Options as %v prints it, its password redacted.
func (o Options) String() string { return safeprint.String(o) }

// GoString returns the Options as %#v prints it, its password redacted.
func (o Options) GoString() string { return safeprint.GoString(o) }

// Format prints the Options under every fmt verb, its password redacted.
func (o Options) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, o) }

// LogValue makes log/slog print the Options's fields, its password redacted.
func (o Options) LogValue() slog.Value { return safeprint.LogValue(o) }

// String returns the *Server as %v prints it, the root credentials redacted.
func (s *Server) String() string { return safeprint.String(s) }

// GoString returns the *Server as %#v prints it, the root credentials redacted.
func (s *Server) GoString() string { return safeprint.GoString(s) }

// Format prints the *Server under every fmt verb, the root credentials redacted.
func (s *Server) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, s) }

// LogValue makes log/slog print the *Server's fields, the root credentials redacted.
func (s *Server) LogValue() slog.Value { return safeprint.LogValue(s) }
