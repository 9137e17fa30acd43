package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
	"github.com/iamkit/iamkit/internal/loopback/loopbacktest"
)

// noCredentials is an environment without Yandex credentials: a HOME
// without yc config and a metadata address where nothing listens, so that
// no test reaches 169.254.169.254.
func noCredentials(t *testing.T) map[string]string {
	t.Helper()
	closed := loopbacktest.Refused(t)
	return map[string]string{"HOME": t.TempDir(), yandexauth.EnvMetadataAddr: closed}
}

func getenvOf(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}

func TestRunOnEmulator(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-emulator"}, &out, getenvOf(noCredentials(t))); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	s := out.String()
	for _, want := range []string{
		"Using the in-process emulator",
		"== API key ==", "secret=REDACTED", "masked=****", `description="iamkit example (updated)"`,
		"== Static access key ==", "aws_secret_access_key=REDACTED", "Done.",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if strings.Count(s, "deleted   ") != 2 {
		t.Errorf("expected two deletions:\n%s", s)
	}
	// Secrets of the emulator start with these prefixes; none may show.
	for _, secretPrefix := range []string{"AQVN", "-----BEGIN", "t1."} {
		if strings.Contains(s, secretPrefix) {
			t.Errorf("output contains %q:\n%s", secretPrefix, s)
		}
	}
}

// TestRunWithoutFlagsUsesTheDefaultChain: with no key flag the example
// takes its credentials from yandex.LoadDefaultConfig — here a yc profile
// with instance-service-account, its endpoint an emulator, its token from
// the metadata emulator — and says so.
func TestRunWithoutFlagsUsesTheDefaultChain(t *testing.T) {
	reg := iamtest.NewRegistry()
	srv, err := yandextest.New(func(o *yandextest.Options) { o.Registry = reg })
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	md, err := iamtest.NewYandexMetadataServer(func(o *iamtest.YandexMetadataOptions) {
		o.Registry, o.ServiceAccountID = reg, srv.ServiceAccountID()
	})
	if err != nil {
		t.Fatal(err)
	}
	defer md.Close()
	env := noCredentials(t)
	env[yandexauth.EnvMetadataAddr] = md.Addr
	cfgFile := filepath.Join(env["HOME"], ".config", "yandex-cloud", "config.yaml")
	if err := os.MkdirAll(filepath.Dir(cfgFile), 0o700); err != nil {
		t.Fatal(err)
	}
	yc := "current: vm\nprofiles:\n  vm:\n    instance-service-account: true\n    folder-id: b1gfolder\n    endpoint: " +
		strings.TrimPrefix(srv.URL, "http://") + "\n"
	if err := os.WriteFile(cfgFile, []byte(yc), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-service-account", srv.ServiceAccountID()}, &out, getenvOf(env)); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	s := out.String()
	for _, want := range []string{`Using Yandex Cloud credentials: yandex: profile "vm"`, "instance-service-account", "in folder b1gfolder", "Done."} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "emulator at") {
		t.Errorf("the example used its own emulator:\n%s", s)
	}
}

// TestRunWithoutCredentialsFallsBackToTheEmulator: nothing found is said,
// with the sources tried, and the example runs on the emulator.
func TestRunWithoutCredentialsFallsBackToTheEmulator(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), nil, &out, getenvOf(noCredentials(t))); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	s := out.String()
	for _, want := range []string{"No Yandex Cloud credentials found", "YC_SERVICE_ACCOUNT_KEY_FILE", "Using the in-process emulator", "Done."} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
}

func TestRunBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-emulator", "-folder", "b1g"}, {"-emulator", "-key", "k.json"}, {"-key", "k.json", "-endpoint", "h:1"},
		{"extra"}, {"-key", "/nonexistent/key.json"}} {
		var out bytes.Buffer
		if err := run(context.Background(), args, &out, getenvOf(noCredentials(t))); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
