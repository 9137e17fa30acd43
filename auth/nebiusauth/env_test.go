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
