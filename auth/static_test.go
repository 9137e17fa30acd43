package auth_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/clock"
)

func TestStaticTokenSourceValidation(t *testing.T) {
	for _, bad := range []string{"", "  ", "two words"} {
		if _, err := auth.NewStaticTokenSource(iam.NewSecret(bad), time.Time{}); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestDiskStore(t *testing.T) {
	clk := clock.NewFake(t0)
	path := filepath.Join(t.TempDir(), "sub", "tokens.json")
	s, err := auth.NewDiskStore(path, func(o *auth.DiskStoreOptions) { o.Clock = clk })
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Load("k1"); ok {
		t.Fatal("empty store returned a token")
	}
	tok := auth.Token{Value: iam.NewSecret("secret-token"), Type: "Bearer", Expiry: t0.Add(time.Hour)}
	if err := s.Save("k1", tok); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %v, want 0600", fi.Mode().Perm())
	}
	got, ok := s.Load("k1")
	if !ok || !got.Value.Equal(tok.Value) || !got.Expiry.Equal(tok.Expiry) {
		t.Fatalf("Load = %v %v", got, ok)
	}
	// Expired tokens are not served.
	clk.Advance(2 * time.Hour)
	if _, ok := s.Load("k1"); ok {
		t.Fatal("expired token served")
	}
	// A corrupt file is ignored, then rewritten.
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Load("k1"); ok {
		t.Fatal("corrupt file served a token")
	}
	tok2 := auth.Token{Value: iam.NewSecret("t2"), Type: "Bearer", Expiry: clk.Now().Add(time.Hour)}
	if err := s.Save("k2", tok2); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	var parsed map[string]any
	if err := json.Unmarshal(data, &parsed); err != nil {
		t.Fatalf("rewritten file is not JSON: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

func TestCacheUsesDiskStore(t *testing.T) {
	clk := clock.NewFake(t0)
	path := filepath.Join(t.TempDir(), "tokens.json")
	store, _ := auth.NewDiskStore(path, func(o *auth.DiskStoreOptions) { o.Clock = clk })
	u := newUpstream(clk, time.Hour)
	withStore := func(o *auth.CacheOptions) { o.Store = store; o.StoreKey = "kid-1" }

	c1 := newCache(t, u, withStore)
	first := mustToken(t, c1)
	c1.Close()
	waitFor(t, func() bool { _, ok := store.Load("kid-1"); return ok })

	// A second "process" reuses the stored token: no exchange.
	c2 := newCache(t, u, withStore)
	if got := mustToken(t, c2); !got.Value.Equal(first.Value) {
		t.Fatal("second cache did not reuse the stored token")
	}
	if n := u.calls.Load(); n != 1 {
		t.Fatalf("exchanges = %d, want 1", n)
	}
}
