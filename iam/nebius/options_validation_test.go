package nebius_test

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/iam/nebius"
)

// TestOptionsValidatedByTheirConstructor: New, NewTokenExchanger and
// LoadDefaultConfig refuse an unusable field before doing anything, with
// an error naming the field.
func TestOptionsValidatedByTheirConstructor(t *testing.T) {
	ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "x"})
	for field, fn := range map[string]func(*nebius.Options){
		"option Domain":    func(o *nebius.Options) { o.Domain = "bad domain" },
		"option UserAgent": func(o *nebius.Options) { o.UserAgent = "myapp/1\r\nX-Injected: 1" },
		"options Plaintext and TLSConfig": func(o *nebius.Options) {
			o.Address, o.Plaintext, o.TLSConfig = "127.0.0.1:1", true, &tls.Config{MinVersion: tls.VersionTLS12}
		},
		"option Address":              func(o *nebius.Options) { o.Address = "dns:///cpl.iam.api.nebius.cloud:443" },
		"option MaxAttempts":          func(o *nebius.Options) { o.MaxAttempts = -1 },
		"option TokenExchangeAddress": func(o *nebius.Options) { o.TokenExchangeAddress = "no-port" },
	} {
		if c, err := nebius.New(ts, fn); err == nil || !strings.Contains(err.Error(), field) {
			if c != nil {
				c.Close()
			}
			t.Errorf("New: %s: err = %v, want one naming it", field, err)
		}
		if x, err := nebius.NewTokenExchanger(fn); err == nil || !strings.Contains(err.Error(), field) {
			if x != nil {
				x.Close()
			}
			t.Errorf("NewTokenExchanger: %s: err = %v, want one naming it", field, err)
		}
	}

	// LoadOptions are checked before any source is tried: here
	// NEBIUS_IAM_TOKEN would be found first, and no metadata service is
	// asked.
	env := map[string]string{"HOME": t.TempDir(), nebiusauth.EnvIAMToken: "v1.token"}
	for field, fn := range map[string]func(*nebius.LoadOptions){
		"LoadOptions.MetadataURL":     func(o *nebius.LoadOptions) { o.MetadataURL = "ftp://metadata.test/token" },
		"LoadOptions.Domain":          func(o *nebius.LoadOptions) { o.Domain = "bad domain" },
		"LoadOptions.MetadataTimeout": func(o *nebius.LoadOptions) { o.MetadataTimeout = -1 },
	} {
		cfg, err := nebius.LoadDefaultConfig(context.Background(), func(o *nebius.LoadOptions) {
			o.Getenv = func(k string) string { return env[k] }
		}, fn)
		if err == nil || !strings.Contains(err.Error(), field) {
			if cfg != nil {
				cfg.Close()
			}
			t.Errorf("LoadDefaultConfig: %s: err = %v, want one naming it", field, err)
		}
	}
}
