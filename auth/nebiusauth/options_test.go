package nebiusauth_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/authtest"
	"github.com/iamkit/iamkit/auth/nebiusauth"
)

// TestConstructorsSkipNilOptions: a nil option function is skipped, never
// called (issue 12: NewSigner panicked).
func TestConstructorsSkipNilOptions(t *testing.T) {
	key := authtest.ServiceAccountKey(t)
	for name, f := range map[string]func() error{
		"NewSigner": func() error {
			_, err := nebiusauth.NewSigner(key, nil, func(*nebiusauth.SignerOptions) {}, nil)
			return err
		},
		"NewExchanger": func() error {
			s, err := nebiusauth.NewSigner(key)
			if err != nil {
				return err
			}
			_, err = nebiusauth.NewExchanger(s, nil, func(*nebiusauth.ExchangerOptions) {}, nil)
			return err
		},
		"ServiceAccount": func() error {
			c, err := nebiusauth.ServiceAccount(key, nil, func(*auth.ServiceAccountOptions) {}, nil)
			if err == nil {
				c.Close()
			}
			return err
		},
	} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s with a nil option function panicked: %v", name, r)
				}
			}()
			if err := f(); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}()
	}
}

// TestCLIConfigOptionsHome: a relative Home (which "~/" would expand to a
// path relative to the working directory) is refused, naming the option.
func TestCLIConfigOptionsHome(t *testing.T) {
	data := []byte("profiles:\n  p:\n    token-file: ~/token\n")
	_, err := nebiusauth.ParseCLIConfig(data, "config.yaml", func(o *nebiusauth.CLIConfigOptions) { o.Home = "relative/home" })
	if err == nil || !strings.Contains(err.Error(), "option Home") {
		t.Fatalf("relative Home: err = %v, want one naming option Home", err)
	}
	c, err := nebiusauth.ParseCLIConfig(data, "config.yaml", func(o *nebiusauth.CLIConfigOptions) { o.Home = t.TempDir() })
	if err != nil || !strings.HasSuffix(c.Profiles["p"].TokenFile, "token") || !filepath.IsAbs(c.Profiles["p"].TokenFile) {
		t.Fatalf("absolute Home: %+v, %v", c, err)
	}
}
