package yandexauth_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/authtest"
	"github.com/iamkit/iamkit/auth/yandexauth"
)

// The YAML readers never panic, fail only with a *auth.KeyFileError naming
// the source, and never echo key material. Run them with, for example:
//
//	go test ./auth/yandexauth -run '^$' -fuzz FuzzParseCLIConfig -fuzztime 10s

func FuzzParseCLIConfig(f *testing.F) {
	pemText := "-----BEGIN PRIVATE KEY-----\n        " + authtest.CanaryLine + "\n        -----END PRIVATE KEY-----\n"
	f.Add([]byte("current: p\nprofiles:\n  p:\n    folder-id: b1g\n    service-account-key:\n      id: k\n      service_account_id: s\n      private_key: |\n        " + pemText))
	f.Add([]byte("profiles:\n  a: {token: y0_x, instance-service-account: true}\n  b:\n    federation-id: f\n"))
	f.Add([]byte("profiles: [1, {a: b}]\n"))
	f.Add([]byte("&a [*a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := yandexauth.ParseCLIConfig(data, "fuzz.yaml")
		if err != nil {
			var ke *auth.KeyFileError
			if !errors.As(err, &ke) || ke.Source != "fuzz.yaml" {
				t.Fatalf("error %v is not a KeyFileError of the source", err)
			}
			authtest.CheckNoEcho(t, data, err)
			return
		}
		for name, p := range c.Profiles {
			if p == nil || p.Name != name {
				t.Fatalf("profile %q: %v", name, p)
			}
			if k := p.ServiceAccountKey; k != nil && (k.Key == nil || k.Key.PrivateKey() == nil) {
				t.Fatalf("profile %q: an incomplete key was accepted", name)
			}
			if _, err := p.Credentials(); err != nil {
				authtest.CheckNoEcho(t, data, err)
			}
		}
	})
}

func FuzzParseAPIKey(f *testing.F) {
	f.Add([]byte(ycAPIKeyYAML))
	f.Add([]byte(`{"api_key": {"scopes": ["a", 1]}, "secret": "AQVN"}`))
	f.Add([]byte("secret: [a]\napi_key:\n  expires_at: x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := yandexauth.ParseAPIKey(data, "fuzz.yaml")
		if err != nil {
			var ke *auth.KeyFileError
			if !errors.As(err, &ke) || ke.Source != "fuzz.yaml" {
				t.Fatalf("error %v is not a KeyFileError of the source", err)
			}
			return
		}
		if s := k.Secret.Reveal(); s == "" || strings.ContainsAny(s, " \t\r\n") {
			t.Fatalf("accepted secret %q", s)
		}
	})
}
