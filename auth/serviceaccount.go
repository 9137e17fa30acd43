package auth

import (
	"log/slog"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

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
	// TracerProvider and MeterProvider receive the spans and metric
	// points of the exchanger and the cache; nil means the global ones
	// (otel.GetTracerProvider, otel.GetMeterProvider: no-ops unless the
	// program installs an SDK). See package iam, # Telemetry.
	TracerProvider trace.TracerProvider
	MeterProvider  metric.MeterProvider
	// PropagateTraceContext sends the W3C trace context of each exchange
	// to the token service. Default false (package iam, # Telemetry).
	PropagateTraceContext bool
	// Cache tunes the cache (refresh fraction, backoff, …). Its Clock,
	// Logger, Store, StoreKey, TracerProvider and MeterProvider are
	// filled from the fields above when unset.
	Cache CacheOptions
}
