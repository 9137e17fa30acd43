// Package telemetrytest gives tests an OpenTelemetry TracerProvider and
// MeterProvider that record what is asked of them (the instrumentation
// scopes of tracers and meters, the names of spans) and are the API's
// no-ops otherwise: a test can see which providers a component took
// without linking the SDK, which the library's go.mod does not list.
//
// It is for tests only.
//
// Minimal use:
//
//	var rec telemetrytest.Recorder
//	o.TracerProvider, o.MeterProvider = rec.TracerProvider(), rec.MeterProvider()
//	… run the component …
//	if !slices.Contains(rec.Spans(), "nebius MetadataToken") { … }
//
// # Concurrency
//
// A Recorder and its providers are safe for concurrent use; the accessors
// return copies.
package telemetrytest
