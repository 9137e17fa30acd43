package nebius

import (
	"fmt"
	"log/slog"

	"github.com/iamkit/iamkit/internal/safeprint"
)

// The printing methods of the types of this package that hold a secret.
// They print the exported fields as fmt and log/slog would, each
// iam.Secret as REDACTED, under every verb; encoding/json already writes
// REDACTED for an iam.Secret.

// String returns the AccessKey as %v prints it, its secret redacted.
func (k AccessKey) String() string { return safeprint.String(k) }

// GoString returns the AccessKey as %#v prints it, its secret redacted.
func (k AccessKey) GoString() string { return safeprint.GoString(k) }

// Format prints the AccessKey under every fmt verb, its secret redacted.
func (k AccessKey) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, k) }

// LogValue makes log/slog print the AccessKey's fields, its secret redacted.
func (k AccessKey) LogValue() slog.Value { return safeprint.LogValue(k) }

// String returns the AccessKeySecret as %v prints it, the secret redacted.
func (s AccessKeySecret) String() string { return safeprint.String(s) }

// GoString returns the AccessKeySecret as %#v prints it, the secret redacted.
func (s AccessKeySecret) GoString() string { return safeprint.GoString(s) }

// Format prints the AccessKeySecret under every fmt verb, the secret redacted.
func (s AccessKeySecret) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, s) }

// LogValue makes log/slog print the AccessKeySecret's fields, the secret redacted.
func (s AccessKeySecret) LogValue() slog.Value { return safeprint.LogValue(s) }

// String returns the BootstrapResult as %v prints it, the key and the credentials JSON redacted.
func (r BootstrapResult) String() string { return safeprint.String(r) }

// GoString returns the BootstrapResult as %#v prints it, the key and the credentials JSON redacted.
func (r BootstrapResult) GoString() string { return safeprint.GoString(r) }

// Format prints the BootstrapResult under every fmt verb, the key and the credentials JSON redacted.
func (r BootstrapResult) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, r) }

// LogValue makes log/slog print the BootstrapResult's fields, the key and the credentials JSON redacted.
func (r BootstrapResult) LogValue() slog.Value { return safeprint.LogValue(r) }

// String returns the ExchangeRequest as %v prints it, its tokens redacted.
func (r ExchangeRequest) String() string { return safeprint.String(r) }

// GoString returns the ExchangeRequest as %#v prints it, its tokens redacted.
func (r ExchangeRequest) GoString() string { return safeprint.GoString(r) }

// Format prints the ExchangeRequest under every fmt verb, its tokens redacted.
func (r ExchangeRequest) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, r) }

// LogValue makes log/slog print the ExchangeRequest's fields, its tokens redacted.
func (r ExchangeRequest) LogValue() slog.Value { return safeprint.LogValue(r) }

// String returns the *TokenSource as %v prints it, its token redacted.
func (s *TokenSource) String() string { return safeprint.String(s) }

// GoString returns the *TokenSource as %#v prints it, its token redacted.
func (s *TokenSource) GoString() string { return safeprint.GoString(s) }

// Format prints the *TokenSource under every fmt verb, its token redacted.
func (s *TokenSource) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, s) }

// LogValue makes log/slog print the *TokenSource's fields, its token redacted.
func (s *TokenSource) LogValue() slog.Value { return safeprint.LogValue(s) }
