package nebiustest

import (
	"fmt"
	"log/slog"

	"github.com/iamkit/iamkit/internal/safeprint"
)

// The printing methods of the emulator's types that hold a secret (the
// Registry's test secrets, a ServiceAccount's credentials JSON, an
// iam.Secret): printing a value under every fmt verb, including those fmt
// serves by reflection alone (%p, %w), and logging it with log/slog show
// REDACTED; encoding/json writes an iam.Secret as REDACTED by itself.

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

// String returns the ServiceAccount as %v prints it, its credentials JSON redacted.
func (a ServiceAccount) String() string { return safeprint.String(a) }

// GoString returns the ServiceAccount as %#v prints it, its credentials JSON redacted.
func (a ServiceAccount) GoString() string { return safeprint.GoString(a) }

// Format prints the ServiceAccount under every fmt verb, its credentials JSON redacted.
func (a ServiceAccount) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, a) }

// LogValue makes log/slog print the ServiceAccount's fields, its credentials JSON redacted.
func (a ServiceAccount) LogValue() slog.Value { return safeprint.LogValue(a) }
