package nebiusauth_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/iam/iamtest"
)

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func tokenOf(t *testing.T, src *nebiusauth.TokenFile) string {
	t.Helper()
	tok, err := src.AccessToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tok.Value.Reveal()
}

func TestTokenFileSourceReads(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "token")
	writeFile(t, path, "  v1.first-token\n")
	src, err := nebiusauth.TokenFileSource(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := tokenOf(t, src); got != "v1.first-token" {
		t.Fatalf("token %q", got)
	}
	ot, err := src.Token()
	if err != nil || ot.AccessToken != "v1.first-token" || ot.TokenType != "Bearer" || !ot.Expiry.IsZero() {
		t.Fatalf("oauth2 token %+v %v", ot, err)
	}
	if src.Path() != path {
		t.Fatalf("Path %q", src.Path())
	}
	for _, s := range []string{fmt.Sprint(src), fmt.Sprintf("%+v %#v %q %s", src, src, src, src)} {
		if strings.Contains(s, "first-token") || !strings.Contains(s, path) {
			t.Fatalf("printing: %s", s)
		}
	}

	for _, tc := range []struct{ name, data, want string }{
		{"empty", " \n\t", "is empty"},
		{"two lines", "v1.a\nv1.b\n", "contains a newline"},
		{"space", "Bearer v1.a", "contains white space"},
		{"large", strings.Repeat("x", 70<<10), "is larger than"},
	} {
		p := filepath.Join(dir, tc.name)
		writeFile(t, p, tc.data)
		_, err := nebiusauth.TokenFileSource(p)
		if err == nil || !strings.Contains(err.Error(), "token file "+p+": "+tc.want) || strings.Contains(err.Error(), "v1.") {
			t.Errorf("%s: err = %v, want %q naming the file and no token", tc.name, err, tc.want)
		}
	}
	if _, err := nebiusauth.TokenFileSource(filepath.Join(dir, "gone")); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "gone") {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := nebiusauth.TokenFileSource(dir); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Fatalf("directory: %v", err)
	}
	if _, err := nebiusauth.TokenFileSource(path, func(o *nebiusauth.TokenFileOptions) { o.CheckInterval = -time.Second }); err == nil {
		t.Fatal("negative CheckInterval accepted")
	}
	if _, err := nebiusauth.TokenFileSource(" "); err == nil {
		t.Fatal("empty path accepted")
	}
}

// TestTokenFileReReadWhenChanged: a new token in the file (a new login, a
// sidecar's rotation) is served once CheckInterval has passed on the
// clock, not before; Invalidate looks at once.
func TestTokenFileReReadWhenChanged(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	path := filepath.Join(t.TempDir(), "token")
	writeFile(t, path, "v1.first\n")
	src, err := nebiusauth.TokenFileSource(path, func(o *nebiusauth.TokenFileOptions) { o.Clock = clk; o.CheckInterval = time.Minute })
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, "v1.second-longer\n")
	clk.Advance(59 * time.Second)
	if got := tokenOf(t, src); got != "v1.first" {
		t.Fatalf("before CheckInterval: %q, want the first token", got)
	}
	clk.Advance(time.Second)
	if got := tokenOf(t, src); got != "v1.second-longer" {
		t.Fatalf("after CheckInterval: %q, want the new token", got)
	}
	// A rejected token: Invalidate makes the next call look at once.
	writeFile(t, path, "v1.third\n")
	if got := tokenOf(t, src); got != "v1.second-longer" {
		t.Fatalf("within CheckInterval: %q", got)
	}
	auth.InvalidateToken(src, auth.Token{})
	if got := tokenOf(t, src); got != "v1.third" {
		t.Fatalf("after Invalidate: %q, want the new token", got)
	}
}

// TestTokenFileReReadOnlyWhenStatChanges: an unchanged file (same size,
// modification time and inode) is not read again; a file replaced by a
// rename (as a Kubernetes volume rotates it) is, even with the same size
// and modification time.
func TestTokenFileReReadOnlyWhenStatChanges(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	dir := t.TempDir()
	path := filepath.Join(dir, "token")
	writeFile(t, path, "v1.aaaa")
	fi, _ := os.Stat(path)
	mtime := fi.ModTime()
	src, err := nebiusauth.TokenFileSource(path, func(o *nebiusauth.TokenFileOptions) { o.Clock = clk; o.CheckInterval = time.Second })
	if err != nil {
		t.Fatal(err)
	}
	// Same size, same modification time, same inode: not read.
	writeFile(t, path, "v1.bbbb")
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	if got := tokenOf(t, src); got != "v1.aaaa" {
		t.Fatalf("unchanged stat: %q, want the token read before (no re-read)", got)
	}
	// Replaced by a rename: another inode, read again.
	tmp := filepath.Join(dir, "token.new")
	writeFile(t, tmp, "v1.cccc")
	if err := os.Chtimes(tmp, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	if got := tokenOf(t, src); got != "v1.cccc" {
		t.Fatalf("renamed over: %q, want the new file's token", got)
	}
}

// TestTokenFileKeepsServingWhileUnreadable: a file gone for a moment (or
// empty mid-write) keeps the token read last served, and is read again at
// the next look.
func TestTokenFileKeepsServingWhileUnreadable(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	path := filepath.Join(t.TempDir(), "token")
	writeFile(t, path, "v1.good")
	src, err := nebiusauth.TokenFileSource(path, func(o *nebiusauth.TokenFileOptions) { o.Clock = clk; o.CheckInterval = time.Second })
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	if got := tokenOf(t, src); got != "v1.good" {
		t.Fatalf("file gone: %q", got)
	}
	writeFile(t, path, "")
	clk.Advance(time.Second)
	if got := tokenOf(t, src); got != "v1.good" {
		t.Fatalf("file empty: %q", got)
	}
	writeFile(t, path, "v1.back")
	clk.Advance(time.Second)
	if got := tokenOf(t, src); got != "v1.back" {
		t.Fatalf("file back: %q", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := src.AccessToken(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled context: %v", err)
	}
}
