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

func TestEnvTokenSourceGetenv(t *testing.T) {
	env := map[string]string{yandexauth.EnvToken: "t1.from-map"}
	s, err := yandexauth.EnvTokenSource(func(o *yandexauth.EnvOptions) { o.Getenv = func(k string) string { return env[k] } })
	if err != nil {
		t.Fatal(err)
	}
	if tok, _ := s.AccessToken(context.Background()); tok.Value.Reveal() != "t1.from-map" {
		t.Fatalf("got %q", tok.Value.Reveal())
	}
	env[yandexauth.EnvToken] = "t1 with space"
	if _, err := yandexauth.EnvTokenSource(func(o *yandexauth.EnvOptions) { o.Getenv = func(k string) string { return env[k] } }); err == nil ||
		!strings.Contains(err.Error(), yandexauth.EnvToken) {
		t.Fatalf("bad token: err = %v, want it to name the variable", err)
	}
}

func TestLoadKeyFileFromEnv(t *testing.T) {
	data := keyFileJSON(t, nil)
	path := writeFile(t, "key.json", string(data))
	for name, v := range map[string]string{"path": path, "content": string(data), "padded path": "  " + path + "\n"} {
		k, err := yandexauth.LoadKeyFileFromEnv(func(o *yandexauth.EnvOptions) {
			o.Getenv = func(n string) string { return map[string]string{yandexauth.EnvServiceAccountKeyFile: v}[n] }
		})
		if err != nil || k.KeyID != "ajekey01" || k.ServiceAccountID != "ajesa01" {
			t.Fatalf("%s: %v %v", name, k, err)
		}
		if want := map[string]string{"path": path, "padded path": path, "content": yandexauth.EnvServiceAccountKeyFile}[name]; k.Source != want {
			t.Fatalf("%s: Source %q, want %q", name, k.Source, want)
		}
	}
	for name, tc := range map[string]struct{ v, want string }{
		"unset":       {"", "YC_SERVICE_ACCOUNT_KEY_FILE is not set"},
		"missing":     {path + ".gone", path + ".gone"},
		"bad content": {`{"id": "k"}`, "YC_SERVICE_ACCOUNT_KEY_FILE: service_account_id"},
	} {
		_, err := yandexauth.LoadKeyFileFromEnv(func(o *yandexauth.EnvOptions) {
			o.Getenv = func(n string) string { return map[string]string{yandexauth.EnvServiceAccountKeyFile: tc.v}[n] }
		})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", name, err, tc.want)
		}
	}
}

// TestEnvTokenSourceRefusesOAuthTokens: the value is trimmed, and every
// OAuth token form (y0_ … y6_, the legacy AQAA…) is refused with an error
// that says to exchange it, naming the variable and not the value.
func TestEnvTokenSourceRefusesOAuthTokens(t *testing.T) {
	for _, v := range []string{"y0_AgAAAA", "y1_AgAAAA", "y2_x", "y3_x", "y4_x", "y5_x", "y6_AgAAAA", "AQAAAAAAoauth",
		" y0_AgAAAA", "\ty3_AgAAAA\n", "  AQAAAAAAoauth  "} {
		env := map[string]string{yandexauth.EnvToken: v}
		_, err := yandexauth.EnvTokenSource(func(o *yandexauth.EnvOptions) { o.Getenv = func(k string) string { return env[k] } })
		if err == nil || !strings.Contains(err.Error(), "OAuth") || !strings.Contains(err.Error(), "exchange") ||
			!strings.Contains(err.Error(), yandexauth.EnvToken) || strings.Contains(err.Error(), strings.TrimSpace(v)) {
			t.Errorf("%q: err = %v, want a refusal naming YC_TOKEN, saying to exchange it, without the value", v, err)
		}
	}
	for _, v := range []string{"y7_notoauth", "y_x", "t1.iam", "yy0_x"} {
		env := map[string]string{yandexauth.EnvIAMToken: v}
		if _, err := yandexauth.EnvTokenSource(func(o *yandexauth.EnvOptions) { o.Getenv = func(k string) string { return env[k] } }); err != nil {
			t.Errorf("%q: %v, want it taken as an IAM token", v, err)
		}
	}
	env := map[string]string{yandexauth.EnvIAMToken: " \n", yandexauth.EnvToken: "\tt1.padded\n"}
	s, err := yandexauth.EnvTokenSource(func(o *yandexauth.EnvOptions) { o.Getenv = func(k string) string { return env[k] } })
	if err != nil {
		t.Fatal(err)
	}
	if tok, _ := s.AccessToken(context.Background()); tok.Value.Reveal() != "t1.padded" {
		t.Fatalf("padded token: got %q, want it trimmed (and a blank YC_IAM_TOKEN taken as unset)", tok.Value.Reveal())
	}
}
