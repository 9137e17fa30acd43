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
