// Package observability holds what iamkit's OpenTelemetry instrumentation
// needs an SDK for: the tests that check its spans and metric points with
// the SDK's in-memory span recorder (sdk/trace/tracetest) and manual
// metric reader (sdk/metric), the canary test that scans every attribute
// for secrets, and an example program (example/) that prints the traces
// and metrics of a quickstart-like flow to stdout.
//
// It is a nested module, so that the library's go.mod lists the
// OpenTelemetry API modules only: a program that installs no SDK pays for
// none. The package itself has no API; see package iam, # Telemetry, for
// what is recorded.
//
// # Concurrency
//
// Nothing here runs outside tests and the example.
package observability
