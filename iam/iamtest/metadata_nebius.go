package iamtest

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/safeprint"
)

// Nebius VM metadata service constants the emulator serves.
const (
	// NebiusMetadataTokenPath is the path of the attached service
	// account's access token (GET, with "Metadata: true").
	NebiusMetadataTokenPath = "/v1/iam/sa/token"
	// DefaultNebiusMetadataServiceAccountID is the service account attached
	// to the emulated VM unless NebiusMetadataOptions says otherwise.
	DefaultNebiusMetadataServiceAccountID = "serviceaccount-e00iamkitemulat0rvm0"
)

// NebiusMetadataOptions configure [NewNebiusMetadataServer].
type NebiusMetadataOptions struct {
	// Addr is the listen address, host:port on a loopback address
	// (default "127.0.0.1:0"); another host is refused.
	Addr string
	// Registry records the tokens served (Issuer "nebius"), so that the
	// emulators checking bearer tokens (nebiustest: the IAM services, and
	// the token exchange's actor tokens) accept them. Default: a new
	// registry.
	Registry *Registry
	// Clock is the emulator's time: tokens expire on it, expires_at is
	// written on it, and FaultLatency waits on it. Default: the system
	// clock.
	Clock iam.Clock
	// TokenLifetime is the lifetime of a new token (default
	// [DefaultTokenLifetime], 12 hours).
	TokenLifetime time.Duration
	// ServiceAccountID is the service account attached to the VM (default
	// [DefaultNebiusMetadataServiceAccountID]). See
	// [NebiusMetadataServer.SetServiceAccount] to detach it.
	ServiceAccountID string
}

// NebiusMetadataServer emulates the token endpoint of the Nebius VM
// metadata service (metadata.nebius.internal), which serves the access
// token of the service account attached to a VM, as gosdk reads it:
//
//	GET /v1/iam/sa/token
//	Metadata: true
//	→ 200 {"access_token":"v1.…","expires_at":"2026-05-01T12:00:00Z"}
//
// It answers the same token to every request, with its expiry, and a new
// one once less than a tenth of TokenLifetime is left, or after the
// attached service account changed (when the real service moves to a new
// token is not published; the emulator's rule is its own and stated here).
// The tokens are recorded in the Registry with Issuer "nebius", so that
// nebiustest accepts them.
//
// A request without "Metadata: true" gets 403, a VM without a service
// account 404, another method than GET on the token path 405, and every
// other path 501: the rest of the metadata service is not emulated. What
// the real service answers in the first two cases is not published: the
// emulator's answers are its own, and clients that send the header and
// read only 200 answers do not depend on them. Error bodies are plain
// text. Faults apply to every request; the operation name is the URL path.
//
// Point a client at it with IAMKIT_NEBIUS_METADATA_URL=<TokenURL>, or the
// URL option of nebiusauth.MetadataTokenSource and the MetadataURL option
// of nebius.LoadDefaultConfig. It is safe for concurrent use.
type NebiusMetadataServer struct {
	// URL is the base URL, "http://127.0.0.1:<port>".
	URL string
	// TokenURL is the token URL, URL + [NebiusMetadataTokenPath]: the value
	// for IAMKIT_NEBIUS_METADATA_URL.
	TokenURL string
	// Addr is the host:port the server listens on.
	Addr string
	// Registry records the tokens served.
	Registry *Registry
	// Faults injects failures; the operation name is the URL path, e.g.
	// [NebiusMetadataTokenPath].
	Faults *Faults

	m *metadataServer
}

// NewNebiusMetadataServer starts a Nebius metadata emulator on a loopback
// address. Close it when done. It fails if Options.Addr is not a loopback
// host:port or cannot be listened on.
func NewNebiusMetadataServer(optFns ...func(*NebiusMetadataOptions)) (*NebiusMetadataServer, error) {
	var o NebiusMetadataOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	core, err := newMetadataServer(metadataOptions(o), metadataFlavor{
		ctor:        "NewNebiusMetadataServer",
		defaultSA:   DefaultNebiusMetadataServiceAccountID,
		path:        NebiusMetadataTokenPath,
		header:      "Metadata",
		headerValue: "true",
		prefix:      "v1.",
		issuer:      "nebius",
		write: func(w http.ResponseWriter, tok string, exp, _ time.Time) {
			writeTokenJSON(w, http.StatusOK, struct {
				AccessToken string `json:"access_token"`
				ExpiresAt   string `json:"expires_at"`
			}{tok, exp.UTC().Format(time.RFC3339Nano)})
		},
	})
	if err != nil {
		return nil, err
	}
	m := &NebiusMetadataServer{URL: core.url, Addr: core.addr, Registry: core.s.registry, Faults: core.s.faults, m: core}
	m.TokenURL = m.URL + NebiusMetadataTokenPath
	return m, nil
}

// Close shuts the emulator down. It releases requests held by FaultHang
// or FaultLatency and waits for every handler to return.
func (m *NebiusMetadataServer) Close() { m.m.s.close() }

// Calls returns how many requests arrived for path (faults and refused
// requests included), e.g. Calls(NebiusMetadataTokenPath).
func (m *NebiusMetadataServer) Calls(path string) int {
	return m.m.callsFor(path)
}

// SetServiceAccount attaches the service account id to the emulated VM;
// "" detaches it, and the token path then answers 404. The next request
// gets a token of the new account.
func (m *NebiusMetadataServer) SetServiceAccount(id string) {
	m.m.setServiceAccount(id)
}

// String returns the server as %v prints it: its URLs and address.
func (m *NebiusMetadataServer) String() string { return safeprint.String(m) }

// GoString returns the server as %#v prints it.
func (m *NebiusMetadataServer) GoString() string { return safeprint.GoString(m) }

// Format prints the server under every fmt verb; never a token.
func (m *NebiusMetadataServer) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, m) }

// LogValue makes log/slog print the server's exported fields.
func (m *NebiusMetadataServer) LogValue() slog.Value { return safeprint.LogValue(m) }

// String returns the options as %v prints them.
func (o NebiusMetadataOptions) String() string { return safeprint.String(o) }

// GoString returns the options as %#v prints them.
func (o NebiusMetadataOptions) GoString() string { return safeprint.GoString(o) }

// Format prints the options under every fmt verb.
func (o NebiusMetadataOptions) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, o) }

// LogValue makes log/slog print the options' fields.
func (o NebiusMetadataOptions) LogValue() slog.Value { return safeprint.LogValue(o) }
