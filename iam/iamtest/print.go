package iamtest

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

// String returns the S3Key as %v prints it, its secret and session token redacted.
func (k S3Key) String() string { return safeprint.String(k, "Secret", "SessionToken") }

// GoString returns the S3Key as %#v prints it, its secret and session token redacted.
func (k S3Key) GoString() string { return safeprint.GoString(k, "Secret", "SessionToken") }

// Format prints the S3Key under every fmt verb, its secret and session token redacted.
func (k S3Key) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, k, "Secret", "SessionToken") }

// LogValue makes log/slog print the S3Key's fields, its secret and session token redacted.
func (k S3Key) LogValue() slog.Value { return safeprint.LogValue(k, "Secret", "SessionToken") }

// MarshalJSON writes the key with its secret and session token redacted.
func (k S3Key) MarshalJSON() ([]byte, error) { return json.Marshal(k.redacted()) }

// MarshalXML writes the key with its secret and session token redacted.
func (k S3Key) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return e.EncodeElement(k.redacted(), start)
}

// s3KeyFields has S3Key's fields and none of its methods.
type s3KeyFields S3Key

func (k S3Key) redacted() s3KeyFields {
	k.Secret, k.SessionToken = redactText(k.Secret), redactText(k.SessionToken)
	return s3KeyFields(k)
}

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
