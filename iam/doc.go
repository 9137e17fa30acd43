// Package iam is iamkit's provider-neutral vocabulary: the [Secret] type
// that never prints its value, the [AccessKey] and [State] of an
// S3-compatible key, the [KeyManager] interface that each cloud implements,
// and the [Error] type with sentinels (ErrNotFound, ErrThrottled, …) for
// errors.Is.
//
// The clouds' typed clients live in the sub-packages iam/nebius, iam/yandex
// and iam/outscale; iam/iamtest holds emulators of all three for tests.
//
// Minimal use:
//
//	secret := iam.NewSecret(os.Getenv("MY_SECRET"))
//	fmt.Println(secret)                      // REDACTED
//	req.Header.Set("X-Key", secret.Reveal()) // the value, only when asked for
//
//	_, err := client.AccessKeys().Get(ctx, id) // client: a *yandex.Client, say
//	if errors.Is(err, iam.ErrNotFound) {
//		// gone; err is an *iam.Error with the provider's code and request ID
//	}
//
// # Secrets
//
// Every secret iamkit handles (access-key secrets, tokens, JWTs, private
// keys, passwords) is a [Secret]. It prints as "REDACTED" under fmt, slog,
// encoding/json and encoding/xml, also where fmt prints by reflection (an
// unexported field, a wrong verb); only [Secret.Reveal] returns the value.
//
// # Concurrency
//
// All types here are values or immutable after construction, and are safe
// to share between goroutines.
//
// # User-Agent
//
// Every iamkit client and token exchanger sends "iamkit/<version>" as its
// User-Agent. An Options.UserAgent value is appended to it, never put in
// its place: UserAgent "myapp/1.2" sends "iamkit/<version> myapp/1.2" (a
// value that already contains the iamkit token is sent as it is). The
// Options docs of the clients refer to this rule.
//
// # Telemetry
//
// iamkit traces and measures its work with OpenTelemetry, through the API
// modules only (go.opentelemetry.io/otel, /trace, /metric): the library
// never depends on an SDK. Every client (nebius, yandex and outscale
// Options), token exchanger (nebiusauth and yandexauth ExchangerOptions,
// the gRPC nebius.TokenExchanger), auth.ServiceAccountOptions, the token
// cache (auth.CacheOptions) and the managed provider
// (credentials.ManagedOptions) take a TracerProvider and a MeterProvider.
// Left nil they are the global ones, otel.GetTracerProvider() and
// otel.GetMeterProvider(), which record nothing until the program installs
// an SDK (otel.SetTracerProvider, otel.SetMeterProvider).
//
// Spans: one per API call, per token exchange and per fetch from a VM
// metadata service (kind client, named
// "<provider> <operation>", e.g. "yandex ApiKeyService/Create", with the
// semantic conventions' RPC or HTTP client attributes and
// iamkit.provider, iamkit.operation, iamkit.result, iamkit.attempts,
// iamkit.resource.id, iamkit.request.id), one per token refresh of a cache
// ("auth.Cache/Refresh") and one per rotation step of a managed provider
// ("credentials.ManagedProvider/Reconcile", "/Create", "/Switch",
// "/Retire"). A cache hit and a Retrieve of a held key make no span and
// record no metric: the gauges of token and key expiry are observed at
// collection time.
//
// Metrics (attributes of bounded cardinality only: iamkit.provider,
// iamkit.operation, iamkit.result, never a key, token or resource ID):
// iamkit.api.calls {call}, iamkit.api.call.duration (s) and
// iamkit.api.retries {retry} for every API call and exchange;
// iamkit.token.refreshes {refresh}, iamkit.token.refresh.duration (s),
// iamkit.token.expires_in (s, gauge) and iamkit.token.cache.waits {wait}
// for a token cache; iamkit.credentials.keys {key}, .key.age (s),
// .key.expires_in (s) and .rotations {rotation} for a managed provider.
// iamkit.result is "ok" or the kind of failure ("unavailable",
// "unauthenticated", "throttled", …: one of a fixed set); error.type, on
// the span of a failed call, follows the semantic conventions: the HTTP
// status code as a string ("503") or the gRPC status code's name
// ("UNAVAILABLE"), iamkit's kind when no answer came. iamkit.operation
// names the logical operation: a token exchange is "TokenExchange" over
// HTTP and gRPC alike (rpc.method is still the real gRPC method), so that
// the series line up; a fetch from a VM metadata service is
// "MetadataToken" (the span "nebius MetadataToken"), and no trace context
// is ever sent to that link-local service.
//
// The gauges observed at collection aggregate the live instances that
// share an attribute set (several caches or managed providers of one
// cloud): iamkit.token.expires_in and iamkit.credentials.key.expires_in
// report the minimum, the token or key that expires first;
// iamkit.credentials.key.age the maximum, the oldest key in use;
// iamkit.credentials.keys the sum. A cache or managed provider that is
// dropped without Close stops counting once it is garbage-collected: the
// gauges hold no instance strongly.
//
// A span and iamkit.api.call.duration cover one logical call, its retries
// and backoff waits included, not one HTTP request or RPC attempt: that is
// what a caller waits for, the same across HTTP and gRPC. This is why the
// span is named "<provider> <operation>" rather than the HTTP
// conventions' "{method} {target}", and why the duration is iamkit's own
// metric rather than http.client.request.duration (one request) or
// rpc.client.call.duration (one RPC, whose bucket boundaries it keeps);
// the attempts are its iamkit.attempts, http.request.resend_count and
// "retry" events, and iamkit.api.retries.
//
// No attribute, event or recorded error ever holds a secret, a token, a
// JWT, a signature or an Authorization value.
//
// Trace context is not propagated to the clouds by default: the W3C
// traceparent and tracestate of a call would tell a third-party API the
// program's trace IDs (and tracestate may carry vendor data), for no gain
// unless the cloud joins the trace, which none of the three documents.
// Set PropagateTraceContext in a client's or exchanger's options to send
// them (W3C trace context only, whatever the global propagator: never
// baggage).
package iam
