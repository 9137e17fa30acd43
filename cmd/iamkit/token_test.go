package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/internal/loopback/loopbacktest"
)

// tokenOf checks a token run's stdout (one line, a token the emulators
// issued) and returns the token.
func (w *world) tokenOf(t *testing.T, r result) string {
	t.Helper()
	r.requireExit(t, exitOK)
	if strings.Count(r.stdout, "\n") != 1 || !strings.HasSuffix(r.stdout, "\n") {
		t.Fatalf("stdout is not one line:\n%s", r)
	}
	tok := strings.TrimSuffix(r.stdout, "\n")
	if _, ok := w.reg.ValidateToken(tok, "", time.Now()); !ok {
		t.Fatalf("printed a token the emulators did not issue:\n%s", r)
	}
	w.addSecret(tok)
	return tok
}

// exchanges counts the token exchanges at cloud's emulator.
func (w *world) exchanges(cloud iam.Provider) int {
	if cloud == iam.Nebius {
		return w.nebius.Calls("TokenExchangeService/Exchange")
	}
	return w.yaTokens.Calls("")
}

// TestToken: a token for each cloud, kept in the cache file (mode 0600)
// so that the second run exchanges nothing; -v says where it came from on
// stderr, never the token.
func TestToken(t *testing.T) {
	w := newWorld(t)
	for _, cloud := range []iam.Provider{iam.Nebius, iam.Yandex} {
		t.Run(string(cloud), func(t *testing.T) {
			sb := newSandbox(t)
			args := append([]string{"token"}, w.args(cloud)...)
			before := w.exchanges(cloud)
			r1 := sb.run(t, w, args...)
			tok := w.tokenOf(t, r1)
			if r1.stderr != "" {
				t.Errorf("stderr: %q", r1.stderr)
			}
			r2 := sb.run(t, w, append(args, "-v")...)
			if w.tokenOf(t, r2) != tok {
				t.Error("the second run printed another token: not served from the cache")
			}
			if !strings.Contains(r2.stderr, "served from the cache file") {
				t.Errorf("-v: %q", r2.stderr)
			}
			if n := w.exchanges(cloud) - before; n != 1 {
				t.Errorf("%d exchanges for two runs, want 1", n)
			}
			cache := filepath.Join(sb.dirs["cache"], "iamkit", "tokens.json")
			if st, err := os.Stat(cache); err != nil || (runtime.GOOS != "windows" && st.Mode().Perm() != 0o600) {
				t.Errorf("cache file: %v %v", err, st)
			}
			// A token of this token service is not served for the same key
			// at another one that trusts it too.
			otherArgs := append([]string{"token"}, w.args(cloud)...)
			var otherExchanges func() int
			if cloud == iam.Nebius {
				n2, err := nebiustest.New(func(o *nebiustest.Options) { o.Registry = w.reg })
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(n2.Close)
				otherArgs = append(otherArgs, "--nebius-address", "http://"+n2.Addr)
				otherExchanges = func() int { return n2.Calls("TokenExchangeService/Exchange") }
			} else {
				tok2, err := iamtest.NewYandexTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = w.reg })
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(tok2.Close)
				gw2, err := newYandexGateway("127.0.0.1:0", w.yandex.URL, tok2.URL)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(gw2.close)
				otherArgs = append(otherArgs, "--yandex-endpoint", gw2.addr)
				otherExchanges = func() int { return tok2.Calls("") }
			}
			if w.tokenOf(t, sb.run(t, w, otherArgs...)) == tok || otherExchanges() != 1 {
				t.Errorf("another token service was served this one's token (%d exchanges there)", otherExchanges())
			}
			// --min-validity above the token's life: a new one.
			w.tokenOf(t, sb.run(t, w, append(args, "--min-validity", "13h")...))
			if n := w.exchanges(cloud) - before; n != 2 {
				t.Errorf("%d exchanges after a run with --min-validity 13h, want 2", n)
			}
			// --no-cache: no file, a new exchange.
			sb2 := newSandbox(t)
			w.tokenOf(t, sb2.run(t, w, append(args, "--no-cache")...))
			sb2.requireEmpty(t, "--no-cache")
		})
	}
}

// TestTokenFromEnvironment: a token in the environment is printed as it
// is, without the cache.
func TestTokenFromEnvironment(t *testing.T) {
	sb := newSandbox(t)
	for cloud, v := range map[string]string{"nebius": "NEBIUS_IAM_TOKEN", "yandex": "YC_IAM_TOKEN"} {
		r := sb.with(v, "t1.from-the-environment").run(t, nil, "token", "--cloud", cloud).requireExit(t, exitOK)
		if r.stdout != "t1.from-the-environment\n" {
			t.Errorf("%s: %s", v, r)
		}
	}
	sb.requireEmpty(t, "tokens from the environment")
}

// TestTokenFailures: exit codes, one error line naming the host, no file.
func TestTokenFailures(t *testing.T) {
	w := newWorld(t)
	closed := loopbacktest.Refused(t)
	for _, tc := range []struct {
		name  string
		args  []string
		code  int
		wants []string
	}{
		{"nebius unreachable", []string{"--cloud", "nebius", "--nebius-key-file", w.nebiusKeyFile, "--nebius-address", "http://" + closed}, exitFailure, []string{"nebius at " + closed, "connection refused"}},
		{"yandex key unknown", []string{"--cloud", "yandex", "--yandex-key-file", w.writeFile(t, "other.json", otherYandexKey(t)), "--yandex-endpoint", w.gateway.addr}, exitFailure, []string{"yandex at http://" + w.gateway.addr + "/iam/v1/tokens"}},
		{"no credentials", []string{"--cloud", "yandex"}, exitConfig, []string{"no yandex credentials found"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb := newSandbox(t)
			r := sb.run(t, w, append([]string{"token"}, tc.args...)...)
			if r.code != tc.code || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 {
				t.Fatalf("want exit %d, one line on stderr\n%s", tc.code, r)
			}
			for _, want := range tc.wants {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q\n%s", want, r)
				}
			}
			sb.requireEmpty(t, tc.name)
		})
	}
}
