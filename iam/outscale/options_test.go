package outscale_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/outscale"
)

// TestOptionsValidate: retry tuning out of range is refused by New, naming
// the option; nil option functions are skipped; the profile the caller
// passed is not changed by the client's defaults.
func TestOptionsValidate(t *testing.T) {
	base := func(o *outscale.Options) { o.AccessKey, o.SecretKey = "AK", iam.NewSecret("SK") }
	for name, fn := range map[string]func(*outscale.Options){
		"MaxAttempts": func(o *outscale.Options) { o.MaxAttempts = -1 },
		"BaseDelay":   func(o *outscale.Options) { o.BaseDelay = -time.Second },
		"MaxDelay":    func(o *outscale.Options) { o.MaxDelay = -time.Second },
	} {
		if _, err := outscale.New(base, fn); err == nil || !strings.Contains(err.Error(), "option "+name) {
			t.Errorf("%s negative: err = %v", name, err)
		}
	}
	p := &outscale.Profile{Name: "default", AccessKey: "AK", SecretKey: iam.NewSecret("SK")}
	c, err := outscale.New(nil, outscale.WithProfile(p), nil)
	if err != nil {
		t.Fatalf("nil option functions: %v", err)
	}
	if c.Region() != outscale.DefaultRegion || c.Endpoint() != "https://api.eu-west-2.outscale.com/api/v1" {
		t.Errorf("defaults: region %q, endpoint %q", c.Region(), c.Endpoint())
	}
	if p.Region != "" || p.Endpoint != "" {
		t.Errorf("the caller's profile was changed: %+v", p)
	}
}

// TestToIAM converts both key types to the neutral form.
func TestToIAM(t *testing.T) {
	srv, clk := newEmulator(t)
	c := rootClient(t, srv, clk)
	exp := t0.Add(time.Hour)
	out, err := c.AccessKeys().Create(context.Background(), outscale.CreateAccessKeyRequest{ExpirationDate: outscale.NewDate(exp), Tag: "t"})
	if err != nil {
		t.Fatal(err)
	}
	n := out.ToIAM()
	if n.Provider != iam.Outscale || n.ID != out.AccessKeyID || n.AccessKeyID != n.ID || n.Description != "t" ||
		n.State != iam.StateActive || !n.CreatedAt.Equal(t0) || !n.ExpiresAt.Equal(exp) || !n.Secret.Equal(out.SecretKey) || n.Owner != "" {
		t.Errorf("(*AccessKeySecretKey).ToIAM() = %+v", n)
	}
	if k := out.AccessKey.ToIAM(); !k.Secret.IsZero() || k.ID != n.ID {
		t.Errorf("(*AccessKey).ToIAM() = %+v", k)
	}
	var nilKey *outscale.AccessKey
	if k := nilKey.ToIAM(); k != (iam.AccessKey{}) {
		t.Errorf("nil key: %+v", k)
	}
}
