package telemetry

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/iamkit/iamkit/iam"
)

// callBuckets are the bucket boundaries (s) of rpc.client.call.duration in
// the semantic conventions.
var callBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// CallsOptions configure [NewCalls].
type CallsOptions struct {
	// Scope is the iamkit package, e.g. "iam/yandex".
	Scope string
	// Provider is the cloud called.
	Provider iam.Provider
	// TracerProvider and MeterProvider: nil means the global ones.
	TracerProvider trace.TracerProvider
	MeterProvider  metric.MeterProvider
	// Propagate sends the W3C trace context (traceparent, tracestate) with
	// each request.
	Propagate bool
}

// Calls instruments the outbound calls of one client or exchanger.
type Calls struct {
	tracer    trace.Tracer
	provider  iam.Provider
	propagate bool
	calls     metric.Int64Counter
	duration  metric.Float64Histogram
	retries   metric.Int64Counter
}

// NewCalls returns the instruments of the calls of one client.
func NewCalls(o CallsOptions) *Calls {
	m := Meter(o.MeterProvider, o.Scope)
	c := &Calls{tracer: Tracer(o.TracerProvider, o.Scope), provider: o.Provider, propagate: o.Propagate}
	c.calls = counter(m, MetricAPICalls, "{call}", "API calls made, by operation and result.")
	c.retries = counter(m, MetricAPIRetries, "{retry}", "Attempts of API calls that were retried.")
	c.duration = histogram(m, MetricAPICallDuration, "Duration of API calls, retries included.", callBuckets)
	return c
}

// Propagating reports whether the calls carry the W3C trace context.
func (c *Calls) Propagating() bool { return c != nil && c.propagate }

// Inject writes the W3C trace context of ctx (the call's span) into
// carrier when propagation is on; else it does nothing. Only traceparent
// and tracestate are written: never baggage, which may hold the program's
// own data.
func (c *Calls) Inject(ctx context.Context, carrier propagation.TextMapCarrier) {
	if c.Propagating() {
		propagation.TraceContext{}.Inject(ctx, carrier)
	}
}

// StartHTTP starts the span of a REST call (or token exchange) to rawURL.
func (c *Calls) StartHTTP(ctx context.Context, op, method, rawURL string) (context.Context, *Call) {
	if c == nil {
		return ctx, nil
	}
	ctx, k := c.start(ctx, op)
	if k.span.IsRecording() {
		attrs := []attribute.KeyValue{semconv.HTTPRequestMethodKey.String(method)}
		if u, err := url.Parse(rawURL); err == nil {
			clean := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
			attrs = append(attrs, semconv.URLFull(clean.String()))
			attrs = append(attrs, serverAttrs(u.Host, u.Scheme)...)
		}
		k.span.SetAttributes(attrs...)
	}
	return ctx, k
}

// StartRPC starts the span of a gRPC call of fullMethod
// ("/nebius.iam.v2.AccessKeyService/Create") to target (host:port).
func (c *Calls) StartRPC(ctx context.Context, op, fullMethod, target string) (context.Context, *Call) {
	if c == nil {
		return ctx, nil
	}
	ctx, k := c.start(ctx, op)
	k.rpc = true
	if k.span.IsRecording() {
		attrs := []attribute.KeyValue{
			semconv.RPCSystemNameGRPC,
			semconv.RPCMethod(strings.TrimPrefix(fullMethod, "/")),
		}
		k.span.SetAttributes(append(attrs, serverAttrs(target, "")...)...)
	}
	return ctx, k
}

func (c *Calls) start(ctx context.Context, op string) (context.Context, *Call) {
	k := &Call{c: c, op: op, start: time.Now()}
	ctx, k.span = c.tracer.Start(ctx, string(c.provider)+" "+op,
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(ProviderKey.String(string(c.provider)), OperationKey.String(op)))
	return ctx, k
}

// serverAttrs returns server.address and server.port of hostport; a
// missing port is the scheme's default.
func serverAttrs(hostport, scheme string) []attribute.KeyValue {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host, port = hostport, ""
		switch scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	out := []attribute.KeyValue{semconv.ServerAddress(host)}
	if n, err := strconv.Atoi(port); err == nil {
		out = append(out, semconv.ServerPort(n))
	}
	return out
}

// Call is one API call in flight. Its methods do nothing on a nil Call.
type Call struct {
	c                     *Calls
	span                  trace.Span
	op                    string
	start                 time.Time
	rpc                   bool
	attempts              int
	status                int    // the last HTTP status seen
	code                  string // the last gRPC status code seen
	requestID, resourceID string

	// The last attempt's outcome, for the retry event.
	lastStatus int
	lastCode   string
	lastErr    error
}

// Recording reports whether the call's span records: attributes that cost
// work to compute are worth computing.
func (k *Call) Recording() bool { return k != nil && k.span.IsRecording() }

// Attempt records one attempt: its HTTP status (or 0) or gRPC code name
// (or ""), its transport error, and whether another attempt follows (see
// [Call.Retrying]).
func (k *Call) Attempt(status int, grpcCode string, err error, retrying bool) {
	if k == nil {
		return
	}
	k.attempts++
	k.lastStatus, k.lastCode, k.lastErr = status, grpcCode, err
	if status != 0 {
		k.status = status
	}
	if grpcCode != "" {
		k.code = grpcCode
	}
	if retrying {
		k.Retrying()
	}
}

// Retrying records that the last attempt is followed by another one: a
// "retry" event with the last attempt's number and outcome, and a count in
// iamkit.api.retries.
func (k *Call) Retrying() {
	if k == nil {
		return
	}
	if ctx := context.Background(); k.c.retries.Enabled(ctx) {
		k.c.retries.Add(ctx, 1, metric.WithAttributes(
			ProviderKey.String(string(k.c.provider)), OperationKey.String(k.op)))
	}
	if k.span.IsRecording() {
		attrs := []attribute.KeyValue{AttemptsKey.Int(k.attempts)}
		switch {
		case k.lastStatus != 0:
			attrs = append(attrs, semconv.HTTPResponseStatusCode(k.lastStatus))
		case k.lastCode != "":
			attrs = append(attrs, semconv.RPCResponseStatusCode(k.lastCode))
		case k.lastErr != nil:
			attrs = append(attrs, semconv.ErrorTypeKey.String(Result(k.lastErr)))
		}
		k.span.AddEvent("retry", trace.WithAttributes(attrs...))
	}
}

// Event adds an event named name to the call's span.
func (k *Call) Event(name string) {
	if k.Recording() {
		k.span.AddEvent(name, trace.WithAttributes(AttemptsKey.Int(k.attempts)))
	}
}

// SetRequestID records the request ID the service gave the call; id must
// be scrubbed already (internal/redact.RequestID).
func (k *Call) SetRequestID(id string) {
	if k != nil && id != "" {
		k.requestID = id
	}
}

// SetResourceID records the ID of the resource the call acts on (or
// created).
func (k *Call) SetResourceID(id string) {
	if k != nil && id != "" {
		k.resourceID = id
	}
}

// End ends the call with its outcome: the span gets its result, attempt
// count, status and IDs (err's request and resource IDs when the call set
// none), and the call counts in iamkit.api.calls and
// iamkit.api.call.duration.
func (k *Call) End(err error) {
	if k == nil {
		return
	}
	result := Result(err)
	if ctx := context.Background(); k.c.calls.Enabled(ctx) || k.c.duration.Enabled(ctx) {
		// The attribute set is made only for an SDK that takes it.
		attrs := metric.WithAttributes(ProviderKey.String(string(k.c.provider)), OperationKey.String(k.op), ResultKey.String(result))
		k.c.calls.Add(ctx, 1, attrs)
		k.c.duration.Record(ctx, time.Since(k.start).Seconds(), attrs)
	}
	if !k.span.IsRecording() {
		k.span.End()
		return
	}
	if ie := iamError(err); ie != nil {
		if k.requestID == "" {
			k.requestID = ie.RequestID
		}
		if k.resourceID == "" {
			k.resourceID = ie.ResourceID
		}
		if ie.HTTPStatus != 0 && !k.rpc {
			k.status = ie.HTTPStatus
		}
		if ie.GRPCCode != 0 && k.rpc && k.code == "" {
			k.code = GRPCCodeName(ie.GRPCCode)
		}
	}
	if k.attempts == 0 && err == nil {
		k.attempts = 1
	}
	set := []attribute.KeyValue{ResultKey.String(result), AttemptsKey.Int(k.attempts)}
	if k.attempts > 1 && !k.rpc {
		set = append(set, semconv.HTTPRequestResendCount(k.attempts-1))
	}
	if k.status != 0 {
		set = append(set, semconv.HTTPResponseStatusCode(k.status))
	}
	if k.rpc {
		code := k.code
		if code == "" && err == nil {
			code = "OK"
		}
		if code != "" {
			set = append(set, semconv.RPCResponseStatusCode(code))
		}
	}
	if k.requestID != "" {
		set = append(set, RequestIDKey.String(k.requestID))
	}
	if k.resourceID != "" {
		set = append(set, ResourceIDKey.String(k.resourceID))
	}
	if err != nil {
		set = append(set, semconv.ErrorTypeKey.String(k.errorType(result)))
		recordError(k.span, err)
		k.span.SetStatus(codes.Error, result)
	}
	k.span.SetAttributes(set...)
	k.span.End()
}

// errorType is the error.type of a failed call, after the semantic
// conventions: over gRPC the status code's name ("UNAVAILABLE"), over HTTP
// the status code as a string ("503") when the last answer was an error
// status; else iamkit's kind of failure (result: "deadline_exceeded" for a
// call that got no answer in time), which iamkit.result carries always.
func (k *Call) errorType(result string) string {
	switch {
	case k.rpc && k.code != "" && k.code != "OK":
		return k.code
	case !k.rpc && k.status >= 400:
		return strconv.Itoa(k.status)
	}
	return result
}

// iamError returns the first *iam.Error of err's chain, or nil.
func iamError(err error) *iam.Error {
	var ie *iam.Error
	if errors.As(err, &ie) {
		return ie
	}
	return nil
}

// grpcCodeNames are the gRPC status codes as rpc.response.status_code
// spells them.
var grpcCodeNames = [...]string{
	"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
	"ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
	"ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
	"UNAUTHENTICATED",
}

// GRPCCodeName returns the name of gRPC status code ("UNAVAILABLE" for 14),
// as rpc.response.status_code takes it; a code out of range gives its
// number.
func GRPCCodeName(code int) string {
	if code >= 0 && code < len(grpcCodeNames) {
		return grpcCodeNames[code]
	}
	return strconv.Itoa(code)
}
