package iamtest

import (
	"fmt"
	"log/slog"

	"github.com/iamkit/iamkit/internal/safeprint"
)

// The printing methods of the emulator's types that hold a secret. The
// test secrets (S3Key.Secret and SessionToken, the tokens a Registry
// records) are iam.Secret values or live behind the Registry's pointer, so
// they print, log and encode as REDACTED under every fmt verb, in
// log/slog, encoding/json and encoding/xml, also when fmt reaches them by
// reflection; these methods keep the same output for the structs that
// hold them and for the servers, whose Registry holds them.

// String returns the S3Key as %v prints it, its secret and session token redacted.
func (k S3Key) String() string { return safeprint.String(k) }

// GoString returns the S3Key as %#v prints it, its secret and session token redacted.
func (k S3Key) GoString() string { return safeprint.GoString(k) }

// Format prints the S3Key under every fmt verb, its secret and session token redacted.
func (k S3Key) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, k) }

// LogValue makes log/slog print the S3Key's fields, its secret and session token redacted.
func (k S3Key) LogValue() slog.Value { return safeprint.LogValue(k) }

// String describes the registry by what it holds, never a token or secret.
func (r *Registry) String() string {
	if r == nil {
		return "<nil>"
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return fmt.Sprintf("iamtest.Registry{%d public keys, %d tokens, %d S3 keys}", len(r.m.publicKeys), len(r.m.tokens), len(r.m.accessKeys))
}

// GoString is String, for %#v.
func (r *Registry) GoString() string { return "&" + r.String() }

// Format prints String under every fmt verb (GoString for %#v).
func (r *Registry) Format(f fmt.State, verb rune) {
	safeprint.FormatString(f, verb, r.String(), r.GoString())
}

// LogValue makes log/slog print String.
func (r *Registry) LogValue() slog.Value { return slog.StringValue(r.String()) }

// String returns the *NebiusTokenServer as %v prints it, its registry's secrets redacted.
func (s *NebiusTokenServer) String() string { return safeprint.String(s) }

// GoString returns the *NebiusTokenServer as %#v prints it, its registry's secrets redacted.
func (s *NebiusTokenServer) GoString() string { return safeprint.GoString(s) }

// Format prints the *NebiusTokenServer under every fmt verb, its registry's secrets redacted.
func (s *NebiusTokenServer) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, s) }

// LogValue makes log/slog print the *NebiusTokenServer's fields, its registry's secrets redacted.
func (s *NebiusTokenServer) LogValue() slog.Value { return safeprint.LogValue(s) }

// String returns the *YandexTokenServer as %v prints it, its registry's secrets redacted.
func (s *YandexTokenServer) String() string { return safeprint.String(s) }

// GoString returns the *YandexTokenServer as %#v prints it, its registry's secrets redacted.
func (s *YandexTokenServer) GoString() string { return safeprint.GoString(s) }

// Format prints the *YandexTokenServer under every fmt verb, its registry's secrets redacted.
func (s *YandexTokenServer) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, s) }

// LogValue makes log/slog print the *YandexTokenServer's fields, its registry's secrets redacted.
func (s *YandexTokenServer) LogValue() slog.Value { return safeprint.LogValue(s) }

// String returns the *S3Server as %v prints it, its registry's secrets redacted.
func (s *S3Server) String() string { return safeprint.String(s) }

// GoString returns the *S3Server as %#v prints it, its registry's secrets redacted.
func (s *S3Server) GoString() string { return safeprint.GoString(s) }

// Format prints the *S3Server under every fmt verb, its registry's secrets redacted.
func (s *S3Server) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, s) }

// LogValue makes log/slog print the *S3Server's fields, its registry's secrets redacted.
func (s *S3Server) LogValue() slog.Value { return safeprint.LogValue(s) }

// String returns the TokenServerOptions as %v prints it, its registry's secrets redacted.
func (o TokenServerOptions) String() string { return safeprint.String(o) }

// GoString returns the TokenServerOptions as %#v prints it, its registry's secrets redacted.
func (o TokenServerOptions) GoString() string { return safeprint.GoString(o) }

// Format prints the TokenServerOptions under every fmt verb, its registry's secrets redacted.
func (o TokenServerOptions) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, o) }

// LogValue makes log/slog print the TokenServerOptions's fields, its registry's secrets redacted.
func (o TokenServerOptions) LogValue() slog.Value { return safeprint.LogValue(o) }

// String returns the S3Options as %v prints it, its registry's secrets redacted.
func (o S3Options) String() string { return safeprint.String(o) }

// GoString returns the S3Options as %#v prints it, its registry's secrets redacted.
func (o S3Options) GoString() string { return safeprint.GoString(o) }

// Format prints the S3Options under every fmt verb, its registry's secrets redacted.
func (o S3Options) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, o) }

// LogValue makes log/slog print the S3Options's fields, its registry's secrets redacted.
func (o S3Options) LogValue() slog.Value { return safeprint.LogValue(o) }
