package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestQuickstartEmulated runs the whole quickstart on the emulators, as
// `go run ./examples/quickstart` does, and checks every step passed, no
// secret was printed, and no file was left behind.
func TestQuickstartEmulated(t *testing.T) {
	home, tmp, work := t.TempDir(), t.TempDir(), t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("TMPDIR", tmp)
	t.Setenv("XDG_CACHE_HOME", filepath.Join(home, ".cache"))
	t.Chdir(work)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	cfg, err := parseFlags(nil, &out)
	if err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, cfg, strings.NewReader(""), &out); err != nil {
		t.Fatalf("quickstart failed: %v\n%s", err, out.String())
	}
	text := out.String()
	if strings.Contains(text, "✗") || !strings.Contains(text, "28 steps: 28 passed, 0 failed") {
		t.Fatalf("not every step passed:\n%s", text)
	}
	for _, cloud := range []string{"Nebius AI Cloud", "Yandex Cloud", "3DS OUTSCALE"} {
		if !strings.Contains(text, cloud) {
			t.Fatalf("no section for %s:\n%s", cloud, text)
		}
	}
	// The ambient path, end to end on each cloud's metadata emulator.
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`✓ ambient credentials, as if on a VM .* metadata http://127\.0\.0\.1:\d+/v1/iam/sa/token \(the VM's service account\); 0 key\(s\) listed`),
		regexp.MustCompile(`✓ ambient credentials, as if on a VM .* metadata http://127\.0\.0\.1:\d+/computeMetadata/v1/instance/service-accounts/default/token \(the VM's service account\); 0 API key\(s\) listed`),
	} {
		if !want.MatchString(text) {
			t.Fatalf("no line matching %s:\n%s", want, text)
		}
	}
	// Tokens, secrets and keys print as REDACTED; nothing shaped like one
	// of the emulators' tokens or a PEM key may appear.
	for _, leak := range []*regexp.Regexp{
		regexp.MustCompile(`\bv1\.[A-Za-z0-9_-]{16,}`), // Nebius access token
		regexp.MustCompile(`\bt1\.[A-Za-z0-9_-]{16,}`), // Yandex IAM token
		regexp.MustCompile(`PRIVATE KEY`),
		regexp.MustCompile(`secret [^R]`), // every "secret" is followed by REDACTED
	} {
		if m := leak.FindString(text); m != "" {
			t.Fatalf("output shows a secret (%q):\n%s", m, text)
		}
	}
	for _, dir := range []string{home, tmp, work} {
		var left []string
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if p != dir {
				left = append(left, p)
			}
			return nil
		})
		if len(left) > 0 {
			t.Fatalf("files left behind: %v", left)
		}
	}
}

func TestQuickstartFlags(t *testing.T) {
	var out bytes.Buffer
	if _, err := parseFlags([]string{"-cloud"}, &out); err == nil {
		t.Fatal("a flag without its value: want an error")
	}
	cfg, _ := parseFlags([]string{"-cloud", "gcp"}, &out)
	if err := run(context.Background(), cfg, strings.NewReader(""), &out); err == nil || !strings.Contains(err.Error(), "unknown -cloud") {
		t.Fatalf("unknown cloud: %v", err)
	}
	cfg, _ = parseFlags([]string{"-real", "-cloud", "nebius"}, &out)
	if err := run(context.Background(), cfg, strings.NewReader(""), &out); err == nil || !strings.Contains(err.Error(), "-nebius-credentials") {
		t.Fatalf("-real without credentials: %v", err)
	}
	// Without a "y" nothing real happens.
	cfg, _ = parseFlags([]string{"-real", "-cloud", "yandex", "-yandex-key", "/nonexistent/key.json"}, &out)
	if err := run(context.Background(), cfg, strings.NewReader("n\n"), &out); err == nil || !strings.Contains(err.Error(), "not confirmed") {
		t.Fatalf("declined confirmation: %v", err)
	}
}
