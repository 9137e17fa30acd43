// Package telemetry is iamkit's OpenTelemetry instrumentation, in one
// place for the three providers: the instrument names, the attribute keys,
// and helpers that record one outbound call ([Calls]), one token refresh
// ([Tokens]) or one rotation step ([Rotation]) as a span and metric
// points. It uses the OpenTelemetry API modules only
// (go.opentelemetry.io/otel, /trace, /metric); a program that installs no
// SDK gets the API's no-op implementations, so that instrumentation costs
// close to nothing.
//
// Minimal use, in a client:
//
//	calls := telemetry.NewCalls(telemetry.CallsOptions{Scope: "iam/yandex", Provider: iam.Yandex,
//		TracerProvider: o.TracerProvider, MeterProvider: o.MeterProvider})
//	ctx, call := calls.StartHTTP(ctx, "ApiKeyService/Create", http.MethodPost, url)
//	// … each attempt: call.Attempt(status, "", err, retrying)
//	call.End(err)
//
// # Spans
//
// One span of kind client per API call (a token exchange included), named
// "<provider> <operation>" ("yandex ApiKeyService/Create", "nebius
// TokenExchange"), with the attributes of the semantic conventions for RPC
// (Nebius gRPC: rpc.system.name, rpc.method, rpc.response.status_code) or
// HTTP clients (http.request.method, url.full without query,
// http.response.status_code, http.request.resend_count), server.address,
// server.port and error.type, plus iamkit.provider, iamkit.operation,
// iamkit.result, iamkit.attempts, iamkit.resource.id and
// iamkit.request.id (scrubbed by internal/redact.RequestID). A retried
// attempt adds a "retry" event. A call that fails records its error (whose
// text never holds a secret) and the status Error.
//
// A span covers one logical call, retries and their backoff waits
// included, not one HTTP request or RPC attempt: that is the unit a caller
// waits for and the same across HTTP and gRPC, hence "<provider>
// <operation>" rather than the HTTP conventions' "{method} {target}" (a
// per-request name), and iamkit.api.call.duration rather than
// http.client.request.duration (one request). error.type follows the
// conventions: the HTTP status code as a string ("503"), the gRPC status
// code's name ("UNAVAILABLE"), else iamkit's kind (iamkit.result, always
// set). iamkit.operation is the logical operation: [OpTokenExchange] over
// HTTP and gRPC alike, rpc.method the real gRPC method.
//
// One internal span per token refresh of auth.Cache ("auth.Cache/Refresh")
// and one per rotation step of credentials.ManagedProvider
// ("credentials.ManagedProvider/<Step>"); a cache hit makes none.
//
// # Metrics
//
// Attributes are of bounded cardinality only: iamkit.provider,
// iamkit.operation, iamkit.result; never a key, token or resource ID. See
// the Metric* constants for names, units and attributes.
//
// The gauges observed at collection have one callback per meter, over a
// registry of the live caches or managed providers that report to it
// ([ObserveExpiry], [ObserveKeys]). The registry holds them by weak
// pointers, so that one dropped without Close is still garbage-collected
// (a runtime cleanup then drops its entry, Close at once), and it
// aggregates those that share an attribute set: the minimum of
// iamkit.token.expires_in and iamkit.credentials.key.expires_in, the
// maximum of iamkit.credentials.key.age, the sum of
// iamkit.credentials.keys. (Instances registered through different meters
// of one SDK, such as the global delegating meter before
// otel.SetMeterProvider and the SDK's own after, have a callback each.)
//
// # Secrets
//
// No secret, token, JWT, signature or Authorization value is ever put in an
// attribute, an event or an error recorded on a span: the values set here
// are operation names, hosts, URLs without query or user info, IDs
// scrubbed by internal/redact, counts and error texts, which iamkit keeps
// free of secrets everywhere; an error's text is scrubbed once more with
// internal/redact.Credentials before it is recorded, so that a server's
// echo of an Authorization header (a SigV4 signature, which no list of
// known secrets names) stays out of the trace. The canary test
// TestNoSecretInTelemetry of the nested module observability/ checks it.
//
// # Concurrency
//
// Every type is safe for concurrent use; a [Call] belongs to the one call
// it records.
package telemetry
