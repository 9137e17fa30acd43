package main

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
)

// TestTokenCachedOnDisk: two runs through one cache file exchange once and
// get the same token, valid at the emulator; the file has mode 0600.
func TestTokenCachedOnDisk(t *testing.T) {
	reg := iamtest.NewRegistry()
	iamSrv, err := nebiustest.New(func(o *nebiustest.Options) { o.Registry = reg })
	if err != nil {
		t.Fatal(err)
	}
	defer iamSrv.Close()
	tokens, err := iamtest.NewNebiusTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = reg })
	if err != nil {
		t.Fatal(err)
	}
	defer tokens.Close()
	sa, err := iamSrv.NewServiceAccount("")
	if err != nil {
		t.Fatal(err)
	}
	key, err := nebiusauth.ParseCredentials([]byte(sa.CredentialsJSON.Reveal()), "test")
	if err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(t.TempDir(), "tokens.json")
	a, err := token(context.Background(), key, cache, tokens.ServiceAccountOptions())
	if err != nil {
		t.Fatal(err)
	}
	b, err := token(context.Background(), key, cache, tokens.ServiceAccountOptions())
	if err != nil {
		t.Fatal(err)
	}
	if !a.Value.Equal(b.Value) || tokens.Calls("") != 1 {
		t.Errorf("second run not served from the cache (%d exchanges)", tokens.Calls(""))
	}
	if _, ok := reg.ValidateToken(b.Value.Reveal(), "", time.Now()); !ok {
		t.Error("the token is not the emulator's")
	}
	if st, err := os.Stat(cache); err != nil || (runtime.GOOS != "windows" && st.Mode().Perm() != 0o600) {
		t.Errorf("cache file: %v %v", err, st)
	}
}

// TestBadCredentials: a bad file is an error naming it, and no token.
func TestBadCredentials(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sa.json")
	if err := os.WriteFile(p, []byte(`{"x": 1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), p, filepath.Join(t.TempDir(), "c.json")); err == nil {
		t.Fatal("no error")
	} else if !strings.Contains(err.Error(), p) {
		t.Errorf("error %q does not name the file", err)
	}
}
