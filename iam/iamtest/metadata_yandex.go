package iamtest

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/safeprint"
)

// Yandex Compute metadata service constants the emulator serves.
const (
	// YandexMetadataTokenPath is the path of the attached service
	// account's IAM token (GET, with "Metadata-Flavor: Google").
	YandexMetadataTokenPath = "/computeMetadata/v1/instance/service-accounts/default/token"
	// DefaultYandexMetadataServiceAccountID is the service account attached
	// to the emulated VM unless YandexMetadataOptions says otherwise. It
	// is the value of yandextest.DefaultServiceAccountID, so that the
	// tokens of a metadata emulator and a yandextest emulator sharing a
	// Registry act as that emulator's default service account.
	DefaultYandexMetadataServiceAccountID = "ajeiamkitemulat0r0sa"
)

// YandexMetadataOptions configure [NewYandexMetadataServer].
type YandexMetadataOptions struct {
	// Addr is the listen address, host:port on a loopback address
	// (default "127.0.0.1:0"); another host is refused.
	Addr string
	// Registry records the tokens served (Issuer "yandex"), so that the
	// emulators checking bearer tokens (yandextest) accept them. Default:
	// a new registry.
	Registry *Registry
	// Clock is the emulator's time: tokens expire on it, expires_in counts
	// on it, and FaultLatency waits on it. Default: the system clock.
	Clock iam.Clock
	// TokenLifetime is the lifetime of a new token (default
	// [DefaultTokenLifetime], 12 hours).
	TokenLifetime time.Duration
	// ServiceAccountID is the service account attached to the VM (default
	// [DefaultYandexMetadataServiceAccountID]). See
	// [YandexMetadataServer.SetServiceAccount] to detach it.
	ServiceAccountID string
}

// YandexMetadataServer emulates the token endpoint of the Yandex Compute
// metadata service, which serves the IAM token of the service account
// attached to a VM:
//
//	GET /computeMetadata/v1/instance/service-accounts/default/token
//	Metadata-Flavor: Google
//	→ 200 {"access_token":"t1.…","expires_in":43199,"token_type":"Bearer"}
//
// As the real service does, it answers the same token to every request
// with the lifetime it has left ("the remaining lifetime of the IAM token
// is specified in the expires_in field"), and a new one once less than a
// tenth of TokenLifetime is left, or after the attached service account
// changed. (When the real service moves to a new token is not published;
// the emulator's rule is its own and stated here.) The tokens are
// recorded in the Registry.
//
// A request without "Metadata-Flavor: Google" gets 403, a VM without a
// service account 404 (what yandex-cloud/go-sdk reads as "Is this compute
// instance running using Service Account?"), another method than GET on
// the token path 405, and every other path 501: the rest of the metadata
// service is not emulated. Error bodies are plain text. Faults apply to
// every request; the operation name is the URL path.
//
// Point a client at it with YC_METADATA_ADDR=<Addr>, or the Addr option
// of yandexauth.MetadataTokenSource and yandex.LoadDefaultConfig. It is
// safe for concurrent use.
type YandexMetadataServer struct {
	// URL is the base URL, "http://127.0.0.1:<port>".
	URL string
	// Addr is the host:port the server listens on: the value for
	// YC_METADATA_ADDR.
	Addr string
	// Registry records the tokens served.
	Registry *Registry
	// Faults injects failures; the operation name is the URL path, e.g.
	// [YandexMetadataTokenPath].
	Faults *Faults

	m *metadataServer
}

// NewYandexMetadataServer starts a Yandex metadata emulator on a loopback
// address. Close it when done. It fails if Options.Addr is not a loopback
// host:port or cannot be listened on.
func NewYandexMetadataServer(optFns ...func(*YandexMetadataOptions)) (*YandexMetadataServer, error) {
	var o YandexMetadataOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	core, err := newMetadataServer(metadataOptions(o), metadataFlavor{
		ctor:        "NewYandexMetadataServer",
		defaultSA:   DefaultYandexMetadataServiceAccountID,
		path:        YandexMetadataTokenPath,
		header:      "Metadata-Flavor",
		headerValue: "Google",
		prefix:      "t1.",
		issuer:      "yandex",
		write: func(w http.ResponseWriter, tok string, exp, now time.Time) {
			writeTokenJSON(w, http.StatusOK, struct {
				AccessToken string `json:"access_token"`
				ExpiresIn   int64  `json:"expires_in"`
				TokenType   string `json:"token_type"`
			}{tok, int64(exp.Sub(now) / time.Second), "Bearer"})
		},
	})
	if err != nil {
		return nil, err
	}
	m := &YandexMetadataServer{URL: core.url, Addr: core.addr, Registry: core.s.registry, Faults: core.s.faults, m: core}
	return m, nil
}

// Close shuts the emulator down. It releases requests held by FaultHang
// or FaultLatency and waits for every handler to return.
func (m *YandexMetadataServer) Close() { m.m.s.close() }

// Calls returns how many requests arrived for path (faults and refused
// requests included), e.g. Calls(YandexMetadataTokenPath).
func (m *YandexMetadataServer) Calls(path string) int {
	return m.m.callsFor(path)
}

// SetServiceAccount attaches the service account id to the emulated VM,
// as "yc compute instance update --service-account-id" does; "" detaches
// it, and the token path then answers 404. The next request gets a token
// of the new account.
func (m *YandexMetadataServer) SetServiceAccount(id string) {
	m.m.setServiceAccount(id)
}

// String returns the server as %v prints it: its URL and address.
func (m *YandexMetadataServer) String() string { return safeprint.String(m) }

// GoString returns the server as %#v prints it.
func (m *YandexMetadataServer) GoString() string { return safeprint.GoString(m) }

// Format prints the server under every fmt verb; never a token.
func (m *YandexMetadataServer) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, m) }

// LogValue makes log/slog print the server's exported fields.
func (m *YandexMetadataServer) LogValue() slog.Value { return safeprint.LogValue(m) }

// String returns the options as %v prints them.
func (o YandexMetadataOptions) String() string { return safeprint.String(o) }

// GoString returns the options as %#v prints them.
func (o YandexMetadataOptions) GoString() string { return safeprint.GoString(o) }

// Format prints the options under every fmt verb.
func (o YandexMetadataOptions) Format(f fmt.State, verb rune) { safeprint.Format(f, verb, o) }

// LogValue makes log/slog print the options' fields.
func (o YandexMetadataOptions) LogValue() slog.Value { return safeprint.LogValue(o) }
