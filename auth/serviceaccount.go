package auth

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/iamkit/iamkit/iam"
)

// ServiceAccountOptions configures the service-account token sources of
// the provider packages (nebiusauth.ServiceAccount,
// yandexauth.ServiceAccount). Every field is optional.
type ServiceAccountOptions struct {
	// Endpoint overrides the token service URL (for example an iamtest
	// emulator's URL).
	Endpoint string
	// HTTPClient carries the token requests.
	HTTPClient *http.Client
	// Clock is the time source of the signer, the exchanger and the cache.
	Clock iam.Clock
	// Logger receives debug logs (never a token, JWT or key).
	Logger *slog.Logger
	// JWTTTL is the lifetime of the signed JWTs (Nebius default 60 s, at
	// most 5 min; Yandex default 10 min, at most 1 h).
	JWTTTL time.Duration
	// Store, when set, persists tokens across processes; the key is
	// "<provider>/<service account ID>/<key ID>".
	Store TokenStore
	// Cache tunes the cache (refresh fraction, backoff, …). Its Clock,
	// Logger, Store and StoreKey are filled from the fields above when
	// unset.
	Cache CacheOptions
}
