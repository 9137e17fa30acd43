package auth_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/clock"
)

// Issue 11 (small item): DiskStore read its file without a size cap (a
// 64 MiB file was read on every Load). Like the key and state files, a
// token file larger than 1 MiB is not read: it counts as empty, and the
// next save replaces it.
func TestDiskStoreIgnoresAnOversizedFile(t *testing.T) {
	clk := clock.NewFake(t0)
	path := filepath.Join(t.TempDir(), "tokens.json")
	s, err := auth.NewDiskStore(path, func(o *auth.DiskStoreOptions) { o.Clock = clk })
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Save("k", auth.Token{Value: iam.NewSecret("tok"), Type: "Bearer", Expiry: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Load("k"); !ok {
		t.Fatal("saved token not loaded")
	}
	// The same valid JSON, padded past 1 MiB with whitespace.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	padded := append(bytes.TrimRight(data, "\n}"), []byte(strings.Repeat(" ", 2<<20)+"}")...)
	padded = append(padded, '}')
	if err := os.WriteFile(path, padded, 0o600); err != nil {
		t.Fatal(err)
	}
	if tok, ok := s.Load("k"); ok {
		t.Fatalf("a %d-byte token file was read (got %s): it must be capped", len(padded), tok.Value.Reveal())
	}
	// A save replaces the oversized file with a small one.
	if err := s.Save("k2", auth.Token{Value: iam.NewSecret("tok2"), Type: "Bearer", Expiry: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() > 1<<20 {
		t.Fatalf("after a save: %v, %v", fi, err)
	}
	if tok, ok := s.Load("k2"); !ok || tok.Value.Reveal() != "tok2" {
		t.Fatal("token saved after an oversized file not loaded")
	}
}
