package main

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam/nebius"
	"github.com/iamkit/iamkit/internal/loopback/loopbacktest"
)

// noCredentials is an environment without Nebius credentials: a HOME
// without config.yaml, and the metadata service and its token file
// absent on loopback, so that no test resolves metadata.nebius.internal.
func noCredentials(t *testing.T) map[string]string {
	t.Helper()
	closed := loopbacktest.Refused(t)
	home := t.TempDir()
	return map[string]string{"HOME": home, "IAMKIT_NEBIUS_METADATA_URL": "http://" + closed + "/v1/iam/sa/token",
		"IAMKIT_NEBIUS_METADATA_TOKEN_FILE": filepath.Join(home, "no-token")}
}

func envOf(m map[string]string, opts ...func(*nebius.Options)) environment {
	return environment{getenv: func(k string) string { return m[k] }, clientOpts: opts}
}

func TestRunOnEmulators(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"-emulator"}, &out, envOf(noCredentials(t))); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	text := out.String()
	for _, want := range []string{
		"secret=REDACTED", "state=INACTIVE", "state=ACTIVE", "delete      accesskey-", "delete      publickey-",
		"PrivateKey: REDACTED",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	// The steps run in order, for both kinds of key.
	re := regexp.MustCompile(`(?s)create.*get.*deactivate.*activate.*delete.*create.*get.*deactivate.*activate.*delete`)
	if !re.MatchString(text) {
		t.Errorf("steps out of order:\n%s", text)
	}
	if strings.Contains(text, "PRIVATE KEY") {
		t.Error("private key printed")
	}
}

// TestRunWithoutFlagsUsesTheDefaultChain: with no -credentials the
// example takes its credentials from nebius.LoadDefaultConfig — here
// NEBIUS_IAM_TOKEN, a token of the emulators — and says so.
func TestRunWithoutFlagsUsesTheDefaultChain(t *testing.T) {
	emu, err := startEmulators()
	if err != nil {
		t.Fatal(err)
	}
	defer emu.close()
	env := noCredentials(t)
	env["NEBIUS_IAM_TOKEN"] = emu.tokens.IssueToken(emu.sa.ID, time.Hour)
	var out bytes.Buffer
	args := []string{"-project", emu.sa.ProjectID, "-service-account", emu.sa.ID, "-key-bits", "2048"}
	if err := run(args, &out, envOf(env, emu.keys.ClientOptions())); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	text := out.String()
	for _, want := range []string{"Using Nebius credentials: nebius: env NEBIUS_IAM_TOKEN", "Service account " + emu.sa.ID, "delete      accesskey-", "delete      publickey-"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Using the iamkit emulators") {
		t.Errorf("the example used its own emulators:\n%s", text)
	}
}

// TestRunWithoutCredentialsFallsBackToTheEmulators: nothing found is said,
// with the sources tried, and the example runs on the emulators.
func TestRunWithoutCredentialsFallsBackToTheEmulators(t *testing.T) {
	var out bytes.Buffer
	if err := run(nil, &out, envOf(noCredentials(t))); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{"No Nebius credentials found", "NEBIUS_IAM_TOKEN", "Using the iamkit emulators", "delete      publickey-"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunFlags(t *testing.T) {
	var out bytes.Buffer
	env := envOf(noCredentials(t))
	if err := run([]string{"-credentials", "x.json"}, &out, env); err == nil || !strings.Contains(err.Error(), "-project is required") {
		t.Fatalf("err = %v", err)
	}
	if err := run([]string{"-credentials", "/nonexistent.json", "-project", "p"}, &out, env); err == nil || !strings.Contains(err.Error(), "/nonexistent.json") {
		t.Fatalf("err = %v", err)
	}
	if err := run([]string{"extra"}, &out, env); err == nil {
		t.Fatal("extra argument accepted")
	}
	if err := run([]string{"-emulator", "-project", "p"}, &out, env); err == nil {
		t.Fatal("-emulator with -project accepted")
	}
	// A project asked for, and no credentials: an error, not the emulators.
	if err := run([]string{"-project", "p"}, &out, env); err == nil || !strings.Contains(err.Error(), "NEBIUS_IAM_TOKEN") {
		t.Fatalf("-project without credentials: err = %v", err)
	}
}
