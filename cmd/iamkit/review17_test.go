package main

import (
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/loopback/loopbacktest"
)

// TestCredentialProcessPolicyMargin: a policy under which almost every
// run would create a key (lifetime minus rotate-before just over the
// 16-minute margin) is refused, and the errors name the flags, with the
// effective values and the least usable ones.
func TestCredentialProcessPolicyMargin(t *testing.T) {
	sb := newSandbox(t)
	for _, tc := range []struct {
		args  []string
		wants []string
	}{
		// 17 minutes of life left per key: passed before, rotating on
		// almost every run.
		{[]string{"--lifetime", "23m", "--rotate-before", "6m"}, []string{"--lifetime 23m0s minus --rotate-before 6m0s leaves 17m0s", "at least 37m10s"}},
		{[]string{"--lifetime", "20m"}, []string{"--rotate-before must be at least 5m10s (the switch delay and grace period of the old key)", "with --lifetime 20m0s", "default --rotate-before is --lifetime/4 = 5m0s"}},
		{[]string{"--lifetime", "1h", "--rotate-before", "2h"}, []string{"--rotate-before 2h0m0s must be shorter than --lifetime 1h0m0s"}},
		{[]string{"--lifetime", "-1h"}, []string{"--lifetime -1h0m0s: must be positive"}},
		{[]string{"--description", " "}, []string{`--description " ": is blank`}},
	} {
		r := sb.run(t, nil, append([]string{"credential-process", "--cloud", "nebius"}, tc.args...)...).requireExit(t, exitUsage)
		for _, want := range tc.wants {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("stderr lacks %q\n%s", want, r)
			}
		}
		for _, lib := range []string{"Policy.", "SwitchDelay", "credentials:"} {
			if strings.Contains(r.stderr, lib) {
				t.Errorf("stderr names the library's %q, not the flags\n%s", lib, r)
			}
		}
	}
	// The least usable policy passes the check (the error is about
	// credentials, not the flags).
	r := sb.run(t, nil, "credential-process", "--cloud", "nebius", "--lifetime", "42m20s", "--rotate-before", "5m10s")
	if r.code == exitUsage {
		t.Errorf("the least usable policy was refused\n%s", r)
	}
	// -h says what is required.
	r = sb.run(t, nil, "credential-process", "-h").requireExit(t, exitOK)
	if !strings.Contains(r.stdout, "at least 37m10s") {
		t.Errorf("-h does not give the least --lifetime minus --rotate-before\n%s", r.stdout)
	}
}

// TestCredentialProcessYandexEndpointNamed: an unreachable Yandex
// endpoint is named by where it came from (the flag, the variable), not
// by the library's LoadOptions field.
func TestCredentialProcessYandexEndpointNamed(t *testing.T) {
	w := newWorld(t)
	closed := loopbacktest.Refused(t)
	sb := newSandbox(t)
	r := sb.run(t, w, "credential-process", "--cloud", "yandex", "--yandex-key-file", w.yandexKeyFile, "--yandex-endpoint", closed).requireExit(t, exitFailure)
	if !strings.Contains(r.stderr, "--yandex-endpoint "+closed) || strings.Contains(r.stderr, "LoadOptions") {
		t.Errorf("want the flag named, not LoadOptions\n%s", r)
	}
	r = sb.with("IAMKIT_YANDEX_ENDPOINT", closed).run(t, w, "credential-process", "--cloud", "yandex", "--yandex-key-file", w.yandexKeyFile).requireExit(t, exitFailure)
	if !strings.Contains(r.stderr, "IAMKIT_YANDEX_ENDPOINT="+closed) || strings.Contains(r.stderr, "LoadOptions") {
		t.Errorf("want the variable named, not LoadOptions\n%s", r)
	}
	sb.requireEmpty(t, "unreachable yandex endpoint")
}

// TestKeysRotateRefusesManagedKey: a key carrying credential-process's
// mark is not rotated by keys rotate (the copy would look managed, and
// the managed provider may delete it later); nothing is created.
func TestKeysRotateRefusesManagedKey(t *testing.T) {
	w := newWorld(t)
	for _, cloud := range allClouds {
		t.Run(string(cloud), func(t *testing.T) {
			sb := newSandbox(t)
			out := w.credentials(t, cloud, sb.run(t, w, append([]string{"credential-process"}, w.args(cloud)...)...))
			before := w.creates(cloud)
			r := sb.run(t, w, append(append([]string{"keys", "rotate"}, w.args(cloud)...), "--key", out.AccessKeyID, "--show-secret", "-o", "json")...)
			if r.code != exitUsage || r.stdout != "" || !strings.Contains(r.stderr, "managed by iamkit credential-process") {
				t.Errorf("want exit 2 and a refusal naming credential-process\n%s", r)
			}
			if n := w.creates(cloud) - before; n != 0 {
				t.Errorf("%d keys created", n)
			}
			// Nor is a key created by hand with a mark.
			r = sb.run(t, w, append(append([]string{"keys", "create"}, w.args(cloud)...), "--show-secret", "--description", "iamkit-credential-process.abc123.1893456000.0123456789ab")...)
			if r.code != exitUsage || r.stdout != "" {
				t.Errorf("create with a managed mark: want exit 2\n%s", r)
			}
		})
	}
}

// silentAddr is a loopback listener that accepts connections and never
// answers; they are closed at the end of the test.
func silentAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

// TestSilentHost: a host that accepts connections but never answers is
// reported as such after --timeout, naming the host and the call.
func TestSilentHost(t *testing.T) {
	w := newWorld(t)
	silent := silentAddr(t)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"credential-process nebius", []string{"credential-process", "--cloud", "nebius", "--nebius-key-file", w.nebiusKeyFile, "--nebius-address", "http://" + silent, "--nebius-project-id", w.nebiusSA.ProjectID},
			"no answer from " + silent + " within --timeout 300ms"},
		{"credential-process yandex", []string{"credential-process", "--cloud", "yandex", "--yandex-key-file", w.yandexKeyFile, "--yandex-endpoint", silent},
			"no answer from " + silent + " within --timeout 300ms"},
		{"credential-process outscale", []string{"credential-process", "--cloud", "outscale", "--outscale-config-file", w.outscaleConfig, "--outscale-endpoint", "http://" + silent + "/api/v1"},
			"no answer from http://" + silent + "/api/v1 within --timeout 300ms"},
		{"token nebius", []string{"token", "--cloud", "nebius", "--nebius-key-file", w.nebiusKeyFile, "--nebius-address", "http://" + silent},
			"no answer from " + silent + " within --timeout 300ms"},
		{"keys list outscale", []string{"keys", "list", "--cloud", "outscale", "--outscale-config-file", w.outscaleConfig, "--outscale-endpoint", "http://" + silent + "/api/v1"},
			"no answer from http://" + silent + "/api/v1 within --timeout 300ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sb := newSandbox(t)
			r := sb.run(t, w, append(tc.args, "--timeout", "300ms")...).requireExit(t, exitFailure)
			if !strings.Contains(r.stderr, tc.want) || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("want %q, once\n%s", tc.want, r)
			}
			sb.requireEmpty(t, tc.name)
		})
	}
}

// TestTokenConcurrentColdCache: concurrent runs on an empty cache make
// one exchange and print one token; a failing run still leaves no file.
func TestTokenConcurrentColdCache(t *testing.T) {
	w := newWorld(t)
	const runs = 5
	for _, cloud := range []iam.Provider{iam.Nebius, iam.Yandex} {
		t.Run(string(cloud), func(t *testing.T) {
			sb := newSandbox(t)
			before := w.exchanges(cloud)
			args := append([]string{"token"}, w.args(cloud)...)
			results := sb.runConcurrently(t, w, runs, args...)
			toks := map[string]bool{}
			for _, r := range results {
				toks[w.tokenOf(t, r)] = true
			}
			if n := w.exchanges(cloud) - before; n != 1 || len(toks) != 1 {
				t.Errorf("%d concurrent runs on a cold cache made %d exchanges and printed %d tokens, want 1 and 1", runs, n, len(toks))
			}
		})
	}
	sb := newSandbox(t)
	closed := loopbacktest.Refused(t)
	sb.run(t, w, "token", "--cloud", "nebius", "--nebius-key-file", w.nebiusKeyFile, "--nebius-address", "http://"+closed).requireExit(t, exitFailure)
	sb.requireEmpty(t, "a failing token run")
}
