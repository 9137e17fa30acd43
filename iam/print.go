package iam

import (
	"fmt"
	"log/slog"

	"github.com/iamkit/iamkit/internal/safeprint"
)

// The printing methods of the types that hold a [Secret]. They print the
// exported fields as fmt and slog would, with every Secret as [Redacted],
// under every verb.

// String returns the key as %v prints it, with its secrets redacted.
func (k AccessKey) String() string { return safeprint.String(k) }

// GoString returns the key as %#v prints it, with its secrets redacted.
func (k AccessKey) GoString() string { return safeprint.GoString(k) }

// Format prints the key under every verb without its secrets.
func (k AccessKey) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, k) }

// LogValue makes slog print the key's fields, secrets redacted.
func (k AccessKey) LogValue() slog.Value { return safeprint.LogValue(k) }
