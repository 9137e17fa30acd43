package nebiusauth_test

import (
	"errors"
	"testing"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/authtest"
	"github.com/iamkit/iamkit/auth/nebiusauth"
)

// The configuration reader never panics, fails only with a
// *auth.KeyFileError naming the source, and never echoes key material,
// neither in its own errors nor in those of CLIProfile.Credentials and
// ServiceAccountKey (an inline private-key). Run it with, for example:
//
//	go test ./auth/nebiusauth -run '^$' -fuzz FuzzParseCLIConfig -fuzztime 10s

func FuzzParseCLIConfig(f *testing.F) {
	pemText := "-----BEGIN PRIVATE KEY-----\n      " + authtest.CanaryLine + "\n      -----END PRIVATE KEY-----\n"
	f.Add([]byte("default: p\nprofiles:\n  p:\n    auth-type: service account\n    service-account-id: s\n    public-key-id: k\n    private-key: |\n      " + pemText))
	f.Add([]byte("profiles:\n  a: {token-file: ~/t, auth-type: federation}\n  b:\n    auth-type: service account\n    service-account-credentials-file-path: /c\n    public-key-id: k\n"))
	f.Add([]byte("profiles: [1, {a: b}]\n"))
	f.Add([]byte("&a [*a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := nebiusauth.ParseCLIConfig(data, "fuzz.yaml", func(o *nebiusauth.CLIConfigOptions) { o.Home = "/home/fuzz" })
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
			kind, err := p.Credentials()
			if err != nil {
				authtest.CheckNoEcho(t, data, err)
				continue
			}
			if kind == nebiusauth.CredentialsPrivateKey {
				if _, err := p.ServiceAccountKey(); err != nil {
					authtest.CheckNoEcho(t, data, err)
				}
			}
		}
	})
}
