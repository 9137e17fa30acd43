package outscale_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/outscale"
)

// TestOptionsFieldsValidated: every exported options type of the package
// refuses a field it cannot use in its constructor, with an error that
// names the field (and the package).
func TestOptionsFieldsValidated(t *testing.T) {
	base := func(o *outscale.Options) { o.AccessKey, o.SecretKey = "AK", iam.NewSecret("SK") }
	for want, fn := range map[string]func(*outscale.Options){
		"option MaxAttempts":                       func(o *outscale.Options) { o.MaxAttempts = -1 },
		"option BaseDelay":                         func(o *outscale.Options) { o.BaseDelay = -time.Second },
		"option MaxDelay":                          func(o *outscale.Options) { o.MaxDelay = -time.Second },
		"option BaseDelay 2s is above MaxDelay 1s": func(o *outscale.Options) { o.BaseDelay, o.MaxDelay = 2*time.Second, time.Second },
		"option UserAgent":                         func(o *outscale.Options) { o.UserAgent = "app/1\r\nX-Injected: 1" },
		"option Region":                            func(o *outscale.Options) { o.Region, o.Endpoint = "eu west 2", "http://127.0.0.1:1/api/v1" },
		"option AccessKey":                         func(o *outscale.Options) { o.AccessKey = " AK\n" },
		"option Login": func(o *outscale.Options) {
			o.AccessKey, o.SecretKey, o.Login, o.Password = "", iam.Secret{}, "a:b", iam.NewSecret("p")
		},
	} {
		_, err := outscale.New(base, fn)
		if err == nil || !strings.Contains(err.Error(), "outscale: "+want) {
			t.Errorf("want an error containing %q, got %v", "outscale: "+want, err)
		}
	}

	for want, fn := range map[string]func(*outscale.ProfileOptions){
		"option Profile":    func(o *outscale.ProfileOptions) { o.Profile = " default" },
		"option ConfigFile": func(o *outscale.ProfileOptions) { o.ConfigFile = "/tmp/x\x00y" },
	} {
		_, err := outscale.LoadProfile(fn, func(o *outscale.ProfileOptions) { o.Getenv = func(string) string { return "" } })
		if err == nil || !strings.Contains(err.Error(), "outscale: LoadProfile: "+want) {
			t.Errorf("LoadProfile: want an error containing %q, got %v", want, err)
		}
	}

	c, err := outscale.New(base, func(o *outscale.Options) { o.Endpoint = "http://127.0.0.1:1/api/v1" })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := outscale.NewKeyManager(c, func(o *outscale.KeyManagerOptions) { o.UserName = " bob" }); err == nil ||
		!strings.Contains(err.Error(), "option UserName") {
		t.Errorf("NewKeyManager: UserName with spaces: %v", err)
	}
	for want, fn := range map[string]func(*outscale.CreateOptions){
		"option ReconcileTag is set but Reconcile is false": func(o *outscale.CreateOptions) { o.ReconcileTag = "t" },
		"option ReconcileTag":                               outscale.ReconcileByTag("t\n"),
	} {
		_, err := c.AccessKeys().Create(context.Background(), outscale.CreateAccessKeyRequest{}, fn)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "outscale CreateAccessKey") {
			t.Errorf("Create: want an error containing %q, got %v", want, err)
		}
	}
}
