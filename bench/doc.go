// Package bench holds iamkit's benchmarks against its peers
// (golang.org/x/oauth2, aws.CredentialsCache, the clouds' SDKs). It is a
// separate module so that the peers never enter iamkit's own go.mod.
//
// Run: cd bench && go test -run '^$' -bench . -benchmem -cpu 1,2
package bench
