// Package oscsdk checks iamkit's OUTSCALE emulator against an independent
// client, the official github.com/outscale/osc-sdk-go/v2, and benchmarks
// iamkit's iam/outscale client against it on the same emulator.
//
// It is a separate module so that osc-sdk-go and its aws-sdk-go v1
// dependency never enter iamkit's own go.mod.
//
// Run:
//
//	cd interop/oscsdk
//	go test ./...
//	go test -run '^$' -bench . -benchmem
//
// # Concurrency
//
// Tests only; nothing here is meant to be imported.
package oscsdk
