package credentials

import (
	"fmt"
	"log/slog"

	"github.com/iamkit/iamkit/internal/safeprint"
)

// The printing methods of ManagedProvider that its own file does not hold
// (String and GoString are next to the type). StaticProvider's are in
// static.go.

// Format prints String under every fmt verb, so that no verb reaches the
// keys inside.
func (p *ManagedProvider) Format(f fmt.State, verb rune) {
	safeprint.FormatString(f, verb, p.String(), p.GoString())
}

// LogValue makes slog print the provider's cloud and access key IDs only.
func (p *ManagedProvider) LogValue() slog.Value {
	st := p.Status()
	return slog.GroupValue(slog.String("provider", string(p.km.Provider())), slog.String("current", st.Current), slog.String("next", st.Next))
}

// The printing methods of the state-store types that hold secrets: the
// exported fields as fmt and slog print them, each iam.Secret as REDACTED.

// String returns the key as %v prints it, without its secrets.
func (k StoredKey) String() string { return safeprint.String(k) }

// GoString returns the key as %#v prints it, without its secrets.
func (k StoredKey) GoString() string { return safeprint.GoString(k) }

// Format prints the key under every verb without its secrets.
func (k StoredKey) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, k) }

// LogValue makes slog print the key's fields, secrets redacted.
func (k StoredKey) LogValue() slog.Value { return safeprint.LogValue(k) }

// String returns the state as %v prints it, without its secrets.
func (st StoredState) String() string { return safeprint.String(st) }

// GoString returns the state as %#v prints it, without its secrets.
func (st StoredState) GoString() string { return safeprint.GoString(st) }

// Format prints the state under every verb without its secrets.
func (st StoredState) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, st) }

// LogValue makes slog print the state's fields, secrets redacted.
func (st StoredState) LogValue() slog.Value { return safeprint.LogValue(st) }

// String returns the snapshot as %v prints it, without its secrets.
func (s Snapshot) String() string { return safeprint.String(s) }

// GoString returns the snapshot as %#v prints it, without its secrets.
func (s Snapshot) GoString() string { return safeprint.GoString(s) }

// Format prints the snapshot under every verb without its secrets.
func (s Snapshot) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, s) }

// LogValue makes slog print the snapshot's fields, secrets redacted.
func (s Snapshot) LogValue() slog.Value { return safeprint.LogValue(s) }
