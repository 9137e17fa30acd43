package yandexauth_test

import (
	"context"
	"strings"
	"testing"

	"github.com/iamkit/iamkit/auth/yandexauth"
)

func TestEnvTokenSource(t *testing.T) {
	t.Setenv(yandexauth.EnvIAMToken, "")
	t.Setenv(yandexauth.EnvToken, "t1.from-yc-token")
	s, err := yandexauth.EnvTokenSource()
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := s.AccessToken(context.Background())
	if tok.Value.Reveal() != "t1.from-yc-token" {
		t.Fatalf("got %q", tok.Value.Reveal())
	}
	t.Setenv(yandexauth.EnvIAMToken, "t1.preferred")
	s, _ = yandexauth.EnvTokenSource()
	tok, _ = s.AccessToken(context.Background())
	if tok.Value.Reveal() != "t1.preferred" {
		t.Fatalf("YC_IAM_TOKEN must win, got %q", tok.Value.Reveal())
	}
	t.Setenv(yandexauth.EnvIAMToken, "")
	t.Setenv(yandexauth.EnvToken, "y0_AgAAAAoauth")
	if _, err := yandexauth.EnvTokenSource(); err == nil || !strings.Contains(err.Error(), "OAuth") || strings.Contains(err.Error(), "y0_AgAAAAoauth") {
		t.Fatalf("OAuth token: err = %v, want a clear refusal without the token", err)
	}
	t.Setenv(yandexauth.EnvToken, "")
	if _, err := yandexauth.EnvTokenSource(); err == nil {
		t.Fatal("neither set: want an error")
	}
}
