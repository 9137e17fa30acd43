package telemetry

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/redact"
	"github.com/iamkit/iamkit/internal/version"
)

// ScopePrefix starts the instrumentation scope name of every iamkit
// package: the scope of iam/yandex is "github.com/iamkit/iamkit/iam/yandex".
const ScopePrefix = "github.com/iamkit/iamkit/"

// Attribute keys of iamkit's own; the others are the semantic conventions'
// (semconv v1.43.0).
const (
	// ProviderKey names the cloud: "nebius", "yandex", "outscale".
	ProviderKey = attribute.Key("iamkit.provider")
	// OperationKey names the call ("AccessKeyService/Create",
	// "CreateAccessKey", "TokenExchange", "MetadataToken").
	OperationKey = attribute.Key("iamkit.operation")
	// ResultKey is the outcome: [ResultOK] or the kind of failure
	// (see [Result]).
	ResultKey = attribute.Key("iamkit.result")
	// AttemptsKey counts the requests a call sent, retries included.
	AttemptsKey = attribute.Key("iamkit.attempts")
	// ResourceIDKey is the ID of the resource a call acts on (spans only).
	ResourceIDKey = attribute.Key("iamkit.resource.id")
	// RequestIDKey is the request ID the service gave the call, scrubbed
	// by internal/redact.RequestID (spans only).
	RequestIDKey = attribute.Key("iamkit.request.id")
	// TriggerKey says why a token refresh ran: "expired" (callers waited)
	// or "stale" (in the background).
	TriggerKey = attribute.Key("iamkit.token.refresh.trigger")
	// StepKey names a rotation step (spans only).
	StepKey = attribute.Key("iamkit.rotation.step")
	// AccessKeyIDKey is the access key ID a rotation step acts on (spans
	// only; an access key ID is not a secret).
	AccessKeyIDKey = attribute.Key("iamkit.access_key.id")
)

// Metric names. Units follow the UCUM conventions of OpenTelemetry ("s",
// "{call}"). Attributes are listed with each.
const (
	// MetricAPICalls counts API calls ({call}; provider, operation,
	// result).
	MetricAPICalls = "iamkit.api.calls"
	// MetricAPICallDuration is the duration of an API call, retries
	// included (s; provider, operation, result), bucketed as
	// rpc.client.call.duration.
	MetricAPICallDuration = "iamkit.api.call.duration"
	// MetricAPIRetries counts retried attempts ({retry}; provider,
	// operation).
	MetricAPIRetries = "iamkit.api.retries"

	// MetricTokenRefreshes counts token refreshes of a cache ({refresh};
	// provider, result).
	MetricTokenRefreshes = "iamkit.token.refreshes"
	// MetricTokenRefreshDuration is the duration of a token refresh (s;
	// provider, result).
	MetricTokenRefreshDuration = "iamkit.token.refresh.duration"
	// MetricTokenExpiresIn is the time until the served token expires, a
	// gauge observed at collection (s; provider): the minimum over the
	// live caches of one provider, the token that expires first.
	MetricTokenExpiresIn = "iamkit.token.expires_in"
	// MetricTokenCacheWaits counts the callers that found no valid token
	// and waited for a refresh ({wait}; provider, result).
	MetricTokenCacheWaits = "iamkit.token.cache.waits"

	// MetricManagedKeys is the number of keys the managed providers hold
	// (current, next, retiring), observed at collection ({key}; provider):
	// the sum over the live providers of one cloud.
	MetricManagedKeys = "iamkit.credentials.keys"
	// MetricManagedKeyAge is the age of the key in use, observed at
	// collection (s; provider): the maximum over the live providers of
	// one cloud, the oldest key in use.
	MetricManagedKeyAge = "iamkit.credentials.key.age"
	// MetricManagedKeyExpiresIn is the time until the key in use expires,
	// observed at collection (s; provider): the minimum over the live
	// providers of one cloud, the key that expires first.
	MetricManagedKeyExpiresIn = "iamkit.credentials.key.expires_in"
	// MetricRotations counts rotations: switches to a new key (result
	// ok) and failed creations of the next key ({rotation}; provider,
	// result).
	MetricRotations = "iamkit.credentials.rotations"
)

// OpTokenExchange is the iamkit.operation of a token exchange, over HTTP
// (Nebius, Yandex) and over gRPC (Nebius TokenExchangeService/Exchange,
// whose rpc.method stays the real one) alike, so that the metric series of
// one logical operation line up whatever the transport.
const OpTokenExchange = "TokenExchange"

// Results: [ResultOK], or the kind of failure, one of a fixed set.
const (
	ResultOK                 = "ok"
	ResultCanceled           = "canceled"
	ResultDeadlineExceeded   = "deadline_exceeded"
	ResultNotFound           = "not_found"
	ResultAlreadyExists      = "already_exists"
	ResultPermissionDenied   = "permission_denied"
	ResultUnauthenticated    = "unauthenticated"
	ResultThrottled          = "throttled"
	ResultInvalidArgument    = "invalid_argument"
	ResultFailedPrecondition = "failed_precondition"
	ResultUnavailable        = "unavailable"
	ResultError              = "error"
)

// kinds maps the iam sentinels to results, in the order they are checked.
var kinds = []struct {
	err    error
	result string
}{
	{iam.ErrNotFound, ResultNotFound},
	{iam.ErrAlreadyExists, ResultAlreadyExists},
	{iam.ErrPermissionDenied, ResultPermissionDenied},
	{iam.ErrUnauthenticated, ResultUnauthenticated},
	{iam.ErrThrottled, ResultThrottled},
	{iam.ErrInvalidArgument, ResultInvalidArgument},
	{iam.ErrFailedPrecondition, ResultFailedPrecondition},
	{iam.ErrUnavailable, ResultUnavailable},
}

// Result classifies err into one of the Result* values: "ok" for nil; the
// kind of the first *iam.Error in its chain; else the context's end or an
// iam sentinel anywhere in the chain; else "error". The set is fixed, so
// that it can be a metric attribute.
func Result(err error) string {
	if err == nil {
		return ResultOK
	}
	var ie *iam.Error
	if errors.As(err, &ie) && ie.Kind != nil {
		for _, k := range kinds {
			if ie.Kind == k.err {
				return k.result
			}
		}
	}
	switch {
	case errors.Is(err, context.Canceled):
		return ResultCanceled
	case errors.Is(err, context.DeadlineExceeded):
		return ResultDeadlineExceeded
	}
	for _, k := range kinds {
		if errors.Is(err, k.err) {
			return k.result
		}
	}
	return ResultError
}

// TracerProvider returns tp, or the global provider
// (otel.GetTracerProvider: a no-op until the program installs an SDK) for
// nil.
func TracerProvider(tp trace.TracerProvider) trace.TracerProvider {
	if tp == nil {
		return otel.GetTracerProvider()
	}
	return tp
}

// MeterProvider returns mp, or the global provider (otel.GetMeterProvider)
// for nil.
func MeterProvider(mp metric.MeterProvider) metric.MeterProvider {
	if mp == nil {
		return otel.GetMeterProvider()
	}
	return mp
}

// Tracer returns the tracer of the iamkit package scope ("iam/yandex")
// from tp (nil: the global provider).
func Tracer(tp trace.TracerProvider, scope string) trace.Tracer {
	return TracerProvider(tp).Tracer(ScopePrefix+scope,
		trace.WithInstrumentationVersion(version.Version), trace.WithSchemaURL(semconv.SchemaURL))
}

// Meter returns the meter of the iamkit package scope from mp (nil: the
// global provider).
func Meter(mp metric.MeterProvider, scope string) metric.Meter {
	return MeterProvider(mp).Meter(ScopePrefix+scope,
		metric.WithInstrumentationVersion(version.Version), metric.WithSchemaURL(semconv.SchemaURL))
}

// providerAttr is the provider attribute, or an empty one for "" (a cache
// over an exchanger that names no provider).
func providerAttrs(p iam.Provider) []attribute.KeyValue {
	if p == "" {
		return nil
	}
	return []attribute.KeyValue{ProviderKey.String(string(p))}
}

// handle reports an instrument creation error to the global OpenTelemetry
// error handler, as the API's own code does; the instrument returned with
// the error is a no-op one, so recording goes on harmlessly.
func handle(err error) {
	if err != nil {
		otel.Handle(err)
	}
}

// counter returns the Int64Counter name of m, or a no-op one if m refuses
// it (the error goes to the global error handler).
func counter(m metric.Meter, name, unit, desc string) metric.Int64Counter {
	c, err := m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
	if err != nil || c == nil {
		handle(err)
		return noop.Int64Counter{}
	}
	return c
}

// histogram returns the Float64Histogram name of m in seconds with the
// given bucket boundaries, or a no-op one.
func histogram(m metric.Meter, name, desc string, buckets []float64) metric.Float64Histogram {
	h, err := m.Float64Histogram(name, metric.WithUnit("s"), metric.WithDescription(desc),
		metric.WithExplicitBucketBoundaries(buckets...))
	if err != nil || h == nil {
		handle(err)
		return noop.Float64Histogram{}
	}
	return h
}

// gauge returns the Float64ObservableGauge name of m in seconds, or nil if
// m refuses it.
func gauge(m metric.Meter, name, desc string) metric.Float64ObservableGauge {
	g, err := m.Float64ObservableGauge(name, metric.WithUnit("s"), metric.WithDescription(desc))
	if err != nil {
		handle(err)
		return nil
	}
	return g
}

// recordError adds the "exception" event of err to span, as
// span.RecordError does, with the error's text scrubbed once more of
// anything credential-like (internal/redact.Credentials): iamkit's errors
// hold no secret by design, and a server's echo of an Authorization header
// or a JWT into its message is kept out of the trace even where the known
// secrets could not name it.
func recordError(span trace.Span, err error) {
	if err == nil || !span.IsRecording() {
		return
	}
	span.AddEvent(semconv.ExceptionEventName, trace.WithAttributes(
		semconv.ExceptionType(fmt.Sprintf("%T", err)),
		semconv.ExceptionMessage(redact.Credentials(err.Error())),
	))
}
