package redact

import (
	"errors"
	"strings"
	"testing"

	"github.com/iamkit/iamkit/iam"
)

func TestString(t *testing.T) {
	got := String("token=abcdef and abcdef again, short ab", "abcdef", "ab", "")
	if strings.Contains(got, "abcdef") || !strings.Contains(got, "short ab") {
		t.Fatalf("got %q", got)
	}
	if Secrets("x SECRETVALUE y", iam.NewSecret("SECRETVALUE")) != "x REDACTED y" {
		t.Fatal("Secrets")
	}
}

func TestTruncate(t *testing.T) {
	if Truncate("short", 10) != "short" {
		t.Fatal("short")
	}
	got := Truncate("ééééé", 3)
	if !strings.HasPrefix(got, "é") || strings.Contains(got, "\uFFFD") {
		t.Fatalf("cut inside a rune: %q", got)
	}
}

func TestError(t *testing.T) {
	base := errors.New("server said: bad key SECRET123")
	err := Error(base, "SECRET123")
	if strings.Contains(err.Error(), "SECRET123") || !errors.Is(err, base) {
		t.Fatalf("%v", err)
	}
	if Error(nil, "x") != nil {
		t.Fatal("nil")
	}
	clean := errors.New("nothing")
	if Error(clean, "SECRET123") != clean {
		t.Fatal("unchanged error must be returned as is")
	}
}
