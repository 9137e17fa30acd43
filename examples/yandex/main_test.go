package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRunOnEmulator(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), nil, &out); err != nil {
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

func TestRunBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-folder", "b1g"}, {"extra"}, {"-key", "/nonexistent/key.json"}} {
		var out bytes.Buffer
		if err := run(context.Background(), args, &out); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
