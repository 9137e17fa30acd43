package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamkit/iamkit/internal/version"
)

// TestHelp: -h and --help exit 0 with the usage and examples on stdout,
// for the command and every subcommand; nothing on stderr, no file.
func TestHelp(t *testing.T) {
	sb := newSandbox(t)
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}} {
		r := sb.run(t, nil, args...).requireExit(t, exitOK)
		for _, want := range []string{"Usage:", "credential-process", "token", "keys", "emulator", "doctor", "Exit codes:", "Examples:"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("iamkit %s: no %q in the usage:\n%s", args[0], want, r.stdout)
			}
		}
		if r.stderr != "" {
			t.Errorf("iamkit %s wrote to stderr: %q", args[0], r.stderr)
		}
	}
	for _, c := range commands() {
		for _, h := range []string{"-h", "--help"} {
			args := []string{c.name, h}
			if c.name == "keys" {
				args = []string{"keys", "list", h}
			}
			r := sb.run(t, nil, args...).requireExit(t, exitOK)
			for _, want := range []string{"Usage:", "iamkit " + c.name, "Examples:", "Exit codes:", "--config", "IAMKIT_"} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("iamkit %s: no %q in the usage:\n%s", strings.Join(args, " "), want, r.stdout)
				}
			}
			if r.stderr != "" {
				t.Errorf("iamkit %s wrote to stderr: %q", strings.Join(args, " "), r.stderr)
			}
		}
	}
	r := sb.run(t, nil, "help", "token").requireExit(t, exitOK)
	if !strings.Contains(r.stdout, "iamkit token --cloud") {
		t.Errorf("iamkit help token:\n%s", r.stdout)
	}
	sb.requireEmpty(t, "-h")
}

func TestVersion(t *testing.T) {
	sb := newSandbox(t)
	for _, a := range []string{"--version", "-version", "version"} {
		r := sb.run(t, nil, a).requireExit(t, exitOK)
		if !strings.HasPrefix(r.stdout, "iamkit "+version.Version+" ") || r.stderr != "" {
			t.Errorf("iamkit %s: %s", a, r)
		}
	}
}

// TestUsageErrors: a wrong command line exits 2 with one error line and
// a hint on stderr, nothing on stdout, nothing done.
func TestUsageErrors(t *testing.T) {
	sb := newSandbox(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "Usage:"},
		{[]string{"bogus"}, `unknown subcommand "bogus"`},
		{[]string{"--cloud", "nebius"}, "flags go after it"},
		{[]string{"credential-process"}, "--cloud is required (nebius, yandex, outscale)"},
		{[]string{"credential-process", "--cloud", "aws"}, `--cloud "aws": want nebius, yandex, outscale`},
		{[]string{"credential-process", "--cloud", "nebius", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"credential-process", "--cloud", "nebius", "extra"}, `unexpected argument "extra"`},
		{[]string{"credential-process", "--cloud", "nebius", "--lifetime", "soon"}, `invalid value "soon" for flag -lifetime`},
		{[]string{"credential-process", "--cloud", "nebius", "--lifetime", "45m"}, "the AWS tools ask for new credentials 15 minutes before their Expiration"},
		{[]string{"credential-process", "--cloud", "nebius", "--lifetime", "1h", "--rotate-before", "2h"}, "--rotate-before 2h0m0s must be shorter than --lifetime 1h0m0s"},
		{[]string{"credential-process", "--cloud", "nebius", "--nebius-address", "127.0.0.1"}, "--nebius-address"},
		{[]string{"credential-process", "--cloud", "nebius", "--nebius-key-file", "a", "--nebius-profile", "p"}, "not both"},
		{[]string{"token", "--cloud", "outscale"}, `--cloud "outscale": want nebius, yandex`},
		{[]string{"token", "--cloud", "nebius", "--no-cache", "--cache-file", "x"}, "not both"},
		{[]string{"keys"}, "give an action"},
		{[]string{"keys", "frobnicate", "--cloud", "nebius"}, `unknown action "frobnicate"`},
		{[]string{"keys", "create", "--cloud", "nebius"}, "give --show-secret"},
		{[]string{"keys", "delete", "--cloud", "nebius"}, "needs --key"},
		{[]string{"keys", "list", "--cloud", "nebius", "-o", "xml"}, `--output "xml"`},
		{[]string{"emulator", "--addr-base", "10.0.0.1:18400"}, "loopback"},
		{[]string{"emulator", "--addr-base", "127.0.0.1:65534"}, "the port must be 0 or a number up to"},
		{[]string{"doctor", "-o", "yaml"}, `--output "yaml"`},
	} {
		r := sb.run(t, nil, tc.args...)
		if r.code != exitUsage {
			t.Errorf("want exit 2\n%s", r)
			continue
		}
		if !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
			t.Errorf("want %q on stderr and nothing on stdout\n%s", tc.want, r)
		}
		if len(tc.args) > 0 && strings.Count(r.stderr, "\n") > 2 {
			t.Errorf("more than the error and a hint on stderr:\n%s", r)
		}
	}
	sb.requireEmpty(t, "usage errors")
}

// TestSettings: a flag's value comes from the command line, else its
// IAMKIT_ variable, else the profile of iamkit's configuration file; bad
// profiles are errors that name the file, the profile and the key.
func TestSettings(t *testing.T) {
	sb := newSandbox(t)
	conf := filepath.Join(sb.dirs["config"], "iamkit", "config.yaml")
	if err := os.MkdirAll(filepath.Dir(conf), 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(text string) {
		if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// A --cloud the command refuses (exit 2) whatever gives it: the
	// error names the value, which shows where it came from.
	write("profiles:\n  default:\n    cloud: cloud-of-default\n  other:\n    cloud: cloud-of-other\n")
	for _, tc := range []struct {
		sb   *sandbox
		args []string
		want string
	}{
		{sb, nil, `"cloud-of-default"`},                                                                    // the default profile
		{sb, []string{"--profile", "other"}, `"cloud-of-other"`},                                           // a named one
		{sb.with("IAMKIT_PROFILE", "other"), nil, `"cloud-of-other"`},                                      // named by its variable
		{sb.with("IAMKIT_CLOUD", "cloud-of-env"), nil, `"cloud-of-env"`},                                   // the variable over the profile
		{sb.with("IAMKIT_CLOUD", "cloud-of-env"), []string{"--cloud", "cloud-of-flag"}, `"cloud-of-flag"`}, // the flag over both
	} {
		r := tc.sb.run(t, nil, append([]string{"credential-process"}, tc.args...)...)
		if !strings.Contains(r.stderr, "--cloud "+tc.want) || r.code != exitUsage {
			t.Errorf("want --cloud %s refused\n%s", tc.want, r)
		}
	}
	r := sb.run(t, nil, "credential-process", "--config", filepath.Join(sb.root, "none.yaml"), "--cloud", "nebius").requireExit(t, exitConfig)
	if !strings.Contains(r.stderr, filepath.Join(sb.root, "none.yaml")) || !strings.Contains(r.stderr, " does not exist") {
		t.Errorf("a missing --config:\n%s", r)
	}
	r = sb.with("IAMKIT_LIFETIME", "later").run(t, nil, "credential-process", "--cloud", "nebius").requireExit(t, exitUsage)
	if !strings.Contains(r.stderr, `IAMKIT_LIFETIME="later"`) {
		t.Errorf("a bad variable is not named:\n%s", r)
	}
	r = sb.run(t, nil, "credential-process", "--profile", "missing").requireExit(t, exitConfig)
	if !strings.Contains(r.stderr, conf) || !strings.Contains(r.stderr, `no profile "missing" (profiles: default, other)`) {
		t.Errorf("missing profile:\n%s", r)
	}
	write("profiles:\n  default:\n    cloud: nebius\n    nebius-key: x\n")
	r = sb.run(t, nil, "credential-process").requireExit(t, exitConfig)
	if !strings.Contains(r.stderr, conf) || !strings.Contains(r.stderr, `profile "default"`) || !strings.Contains(r.stderr, `unknown key "nebius-key"`) || !strings.Contains(r.stderr, "line 4") {
		t.Errorf("unknown key:\n%s", r)
	}
	write("profiles:\n  default:\n    lifetime: [1, 2]\n")
	r = sb.run(t, nil, "credential-process").requireExit(t, exitConfig)
	if !strings.Contains(r.stderr, "lifetime: want a single value") {
		t.Errorf("non-scalar value:\n%s", r)
	}
	write("profiles: [")
	sb.run(t, nil, "credential-process").requireExit(t, exitConfig)
	// Keys of other subcommands are allowed (one profile serves them all).
	write("profiles:\n  default:\n    cloud: yandex\n    min-validity: 1h\n    addr-base: 127.0.0.1:0\n    lifetime: 45m\n")
	r = sb.run(t, nil, "credential-process").requireExit(t, exitUsage)
	if !strings.Contains(r.stderr, "--lifetime 45m0s minus --rotate-before 11m15s") {
		t.Errorf("a profile with keys of other subcommands:\n%s", r)
	}
}
