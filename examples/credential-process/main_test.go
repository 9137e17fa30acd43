package main

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam/iamtest/outscaletest"
	"github.com/iamkit/iamkit/iam/outscale"
)

// TestHelperRuns: two runs on one state file print one key, with an
// Expiration ahead, and one key exists at the emulator.
func TestHelperRuns(t *testing.T) {
	srv, err := outscaletest.New()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	client, err := outscale.New(srv.ClientOptions(srv.Root))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	km, err := outscale.NewKeyManager(client)
	if err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(t.TempDir(), "state.json")
	ctx := context.Background()
	a, err := helperRun(ctx, km, state)
	if err != nil {
		t.Fatal(err)
	}
	b, err := helperRun(ctx, km, state)
	if err != nil {
		t.Fatal(err)
	}
	if a.AccessKeyID != b.AccessKeyID || a.SecretAccessKey == "" || a.Version != 1 {
		t.Fatalf("runs printed %+v and %+v", a.AccessKeyID, b.AccessKeyID)
	}
	if n := srv.Calls("CreateAccessKey"); n != 1 {
		t.Errorf("%d keys created, want 1", n)
	}
	exp, err := time.Parse(time.RFC3339, b.Expiration)
	if err != nil || !exp.After(time.Now().Add(time.Hour)) {
		t.Errorf("Expiration %q: %v", b.Expiration, err)
	}
	if st, err := os.Stat(state); err != nil || (runtime.GOOS != "windows" && st.Mode().Perm() != 0o600) {
		t.Errorf("state file: %v %v", err, st)
	}
}
