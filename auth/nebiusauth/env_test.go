package nebiusauth_test

import (
	"context"
	"strings"
	"testing"

	"github.com/iamkit/iamkit/auth/nebiusauth"
)

func TestEnvTokenSource(t *testing.T) {
	t.Setenv(nebiusauth.EnvIAMToken, "v1.nebius-token")
	s, err := nebiusauth.EnvTokenSource()
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := s.AccessToken(context.Background())
	if tok.Value.Reveal() != "v1.nebius-token" {
		t.Fatalf("got %q", tok.Value.Reveal())
	}

	t.Setenv(nebiusauth.EnvIAMToken, "")
	if _, err := nebiusauth.EnvTokenSource(); err == nil || !strings.Contains(err.Error(), "NEBIUS_IAM_TOKEN") {
		t.Fatalf("unset: err = %v, want it to name the variable", err)
	}
}

// TestEnvTokenSourceOptions: EnvTokenSource takes the same options as
// yandexauth's (EnvOptions with Getenv), and trims the value.
func TestEnvTokenSourceOptions(t *testing.T) {
	env := map[string]string{nebiusauth.EnvIAMToken: " v1.from-map\n"}
	getenv := func(o *nebiusauth.EnvOptions) { o.Getenv = func(k string) string { return env[k] } }
	s, err := nebiusauth.EnvTokenSource(getenv, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tok, _ := s.AccessToken(context.Background()); tok.Value.Reveal() != "v1.from-map" {
		t.Fatalf("got %q, want the map's value, trimmed", tok.Value.Reveal())
	}
	env[nebiusauth.EnvIAMToken] = " \t"
	if _, err := nebiusauth.EnvTokenSource(getenv); err == nil || !strings.Contains(err.Error(), nebiusauth.EnvIAMToken) {
		t.Fatalf("blank: err = %v, want it to name the variable", err)
	}
}
