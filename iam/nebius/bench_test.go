package nebius_test

import (
	"context"
	"testing"

	"github.com/iamkit/iamkit/iam/nebius"
)

// BenchmarkAccessKeysGet measures one typed Get through the whole client
// stack (token, metadata, gRPC on loopback, error mapping) against the
// emulator.
func BenchmarkAccessKeysGet(b *testing.B) {
	e := newEnvB(b)
	ctx := context.Background()
	k, err := e.client.AccessKeys().Create(ctx, nebius.CreateAccessKeyRequest{Account: nebius.ServiceAccount(e.sa.ID)})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.client.AccessKeys().Get(ctx, k.ID); err != nil {
			b.Fatal(err)
		}
	}
}
