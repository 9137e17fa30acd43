package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

func TestRunOnEmulators(t *testing.T) {
	var out bytes.Buffer
	if err := run(nil, &out); err != nil {
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

func TestRunFlags(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"-credentials", "x.json"}, &out); err == nil || !strings.Contains(err.Error(), "-project is required") {
		t.Fatalf("err = %v", err)
	}
	if err := run([]string{"-credentials", "/nonexistent.json", "-project", "p"}, &out); err == nil || !strings.Contains(err.Error(), "/nonexistent.json") {
		t.Fatalf("err = %v", err)
	}
	if err := run([]string{"extra"}, &out); err == nil {
		t.Fatal("extra argument accepted")
	}
}
