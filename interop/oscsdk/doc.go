// Package oscsdk checks iamkit's OUTSCALE emulator against an independent
// client, the official github.com/outscale/osc-sdk-go/v2, and benchmarks
// iamkit's iam/outscale client against it on the same emulator:
// BenchmarkReadAccessKeys reports the ratio of their ReadAccessKeys round
// trips (ns/op and allocs/op). The ratio is measured and reported, not a
// goal: these calls are made a few times per key rotation, so iam/outscale
// uses encoding/json and aws-sdk-go-v2's SigV4 signer as they are.
//
// It is a separate module so that osc-sdk-go and its aws-sdk-go v1
// dependency never enter iamkit's own go.mod.
//
// Run:
//
//	cd interop/oscsdk
//	go test ./...
//	go test -run '^$' -bench . -benchmem -count 3
//
// # Concurrency
//
// Tests only; nothing here is meant to be imported.
package oscsdk
