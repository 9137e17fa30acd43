package yandex

import (
	"fmt"
	"log/slog"

	"github.com/iamkit/iamkit/internal/safeprint"
)

// The printing methods of the types of this package that hold a secret.
// They print the exported fields as fmt and log/slog would, each
// iam.Secret as REDACTED, under every verb; encoding/json already writes
// REDACTED for an iam.Secret.

// String returns the CreatedAPIKey as %v prints it, the API key's secret redacted.
func (k CreatedAPIKey) String() string { return safeprint.String(k) }

// GoString returns the CreatedAPIKey as %#v prints it, the API key's secret redacted.
func (k CreatedAPIKey) GoString() string { return safeprint.GoString(k) }

// Format prints the CreatedAPIKey under every fmt verb, the API key's secret redacted.
func (k CreatedAPIKey) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, k) }

// LogValue makes log/slog print the CreatedAPIKey's fields, the API key's secret redacted.
func (k CreatedAPIKey) LogValue() slog.Value { return safeprint.LogValue(k) }

// String returns the CreatedAccessKey as %v prints it, the secret redacted.
func (k CreatedAccessKey) String() string { return safeprint.String(k) }

// GoString returns the CreatedAccessKey as %#v prints it, the secret redacted.
func (k CreatedAccessKey) GoString() string { return safeprint.GoString(k) }

// Format prints the CreatedAccessKey under every fmt verb, the secret redacted.
func (k CreatedAccessKey) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, k) }

// LogValue makes log/slog print the CreatedAccessKey's fields, the secret redacted.
func (k CreatedAccessKey) LogValue() slog.Value { return safeprint.LogValue(k) }

// String returns the CreatedKey as %v prints it, the private key redacted.
func (k CreatedKey) String() string { return safeprint.String(k) }

// GoString returns the CreatedKey as %#v prints it, the private key redacted.
func (k CreatedKey) GoString() string { return safeprint.GoString(k) }

// Format prints the CreatedKey under every fmt verb, the private key redacted.
func (k CreatedKey) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, k) }

// LogValue makes log/slog print the CreatedKey's fields, the private key redacted.
func (k CreatedKey) LogValue() slog.Value { return safeprint.LogValue(k) }

// String returns the EphemeralAccessKey as %v prints it, the secret and session token redacted.
func (k EphemeralAccessKey) String() string { return safeprint.String(k) }

// GoString returns the EphemeralAccessKey as %#v prints it, the secret and session token redacted.
func (k EphemeralAccessKey) GoString() string { return safeprint.GoString(k) }

// Format prints the EphemeralAccessKey under every fmt verb, the secret and session token redacted.
func (k EphemeralAccessKey) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, k) }

// LogValue makes log/slog print the EphemeralAccessKey's fields, the secret and session token redacted.
func (k EphemeralAccessKey) LogValue() slog.Value { return safeprint.LogValue(k) }
