package yandextest

import (
	"fmt"
	"log/slog"

	"github.com/iamkit/iamkit/internal/safeprint"
)

// The printing methods of the emulator's types that hold secrets through
// their *iamtest.Registry, whose own methods print no token or secret.

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
