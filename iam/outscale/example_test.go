package outscale_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest/outscaletest"
	"github.com/iamkit/iamkit/iam/outscale"
)

// Example creates a key that expires in an hour, deactivates it (keeping
// its expiry) and deletes it, against the emulator.
func Example() {
	srv, err := outscaletest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	c, err := outscale.New(func(o *outscale.Options) {
		o.Endpoint = srv.URL // omit for https://api.<region>.outscale.com/api/v1
		o.Region = "eu-west-2"
		o.AccessKey, o.SecretKey = srv.Root.AccessKey, srv.Root.SecretKey
	})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	keys := c.AccessKeys()

	out, err := keys.Create(ctx, outscale.CreateAccessKeyRequest{
		ExpirationDate: outscale.NewDate(time.Now().Add(time.Hour)),
		Tag:            "example",
	})
	if err != nil {
		log.Fatal(err)
	}
	key := out
	fmt.Println("created:", key.State, "secret:", key.SecretKey)

	k, err := keys.SetState(ctx, key.AccessKeyID, iam.StateInactive)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("deactivated:", k.State, "expiry kept:", k.ExpirationDate.Time().Equal(key.ExpirationDate.Time()))

	if err := keys.Delete(ctx, key.AccessKeyID); err != nil {
		log.Fatal(err)
	}
	fmt.Println("deleted")
	// Output:
	// created: ACTIVE secret: REDACTED
	// deactivated: INACTIVE expiry kept: true
	// deleted
}

// ExampleLoadProfile reads a profile from a config.json, with an
// environment variable overriding the file.
func ExampleLoadProfile() {
	dir, _ := os.MkdirTemp("", "osc")
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "config.json")
	_ = os.WriteFile(file, []byte(`{
	  "default": {"access_key": "ABCDEFGHIJ0123456789", "secret_key": "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", "region": "eu-west-2"},
	  "staging": {"access_key": "ABCDEFGHIJ0123456789", "secret_key": "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
	              "region": "us-east-2", "endpoints": {"api": "api.us-east-2.outscale.com/api/v1"}}
	}`), 0o600)

	env := map[string]string{"OSC_CONFIG_FILE": file, "OSC_PROFILE": "staging", "OSC_REGION": "us-west-1"}
	p, err := outscale.LoadProfile(func(o *outscale.ProfileOptions) {
		o.Getenv = func(k string) string { return env[k] } // default: os.Getenv
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Name, p.Region, p.Endpoint, p.SecretKey)

	c, err := outscale.New(outscale.WithProfile(p))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Endpoint(), c.Region())
	// Output:
	// staging us-west-1 https://api.us-east-2.outscale.com/api/v1 REDACTED
	// https://api.us-east-2.outscale.com/api/v1 us-west-1
}

// ExampleNewKeyManager uses the client as an iam.KeyManager: the
// account's API access policy bounds the expiry it chooses.
func ExampleNewKeyManager() {
	srv, err := outscaletest.New(func(o *outscaletest.Options) { o.MaxAccessKeyExpirationSeconds = 3600 })
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	c, err := outscale.New(srv.ClientOptions(srv.Root))
	if err != nil {
		log.Fatal(err)
	}
	km, err := outscale.NewKeyManager(c) // or, for an EIM user: func(o *outscale.KeyManagerOptions) { o.UserName = "…" }
	if err != nil {
		log.Fatal(err)
	}
	k, err := km.CreateKey(context.Background(), iam.CreateKeyRequest{Description: "rotation"})
	if err != nil {
		log.Fatal(err)
	}
	limit, _ := km.MaxKeyLifetime(context.Background())
	fmt.Println(k.Provider, k.Description, k.Expires(), time.Until(k.ExpiresAt) <= limit, limit)
	// Output: outscale rotation true true 1h0m0s
}

// ExampleReconcileByTag shows a CreateAccessKey that survives a lost
// answer without leaving a second key behind.
func ExampleReconcileByTag() {
	srv, err := outscaletest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	c, err := outscale.New(srv.ClientOptions(srv.Root))
	if err != nil {
		log.Fatal(err)
	}
	out, err := c.AccessKeys().Create(context.Background(), outscale.CreateAccessKeyRequest{}, outscale.ReconcileByTag("deploy-42"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(out.Tag)
	// Output: deploy-42
}

// ExampleAccessKeys_List lists the caller's keys; the API has no paging.
func ExampleAccessKeys_List() {
	srv, err := outscaletest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	c, err := outscale.New(srv.ClientOptions(srv.Root))
	if err != nil {
		log.Fatal(err)
	}
	keys, err := c.AccessKeys().List(context.Background(), outscale.ReadAccessKeysRequest{
		Filters: &outscale.FiltersAccessKeys{States: []iam.State{iam.StateActive}},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, k := range keys {
		fmt.Println(k.AccessKeyID == srv.Root.AccessKey, k.State, k.ToIAM().Provider)
	}
	// Output: true ACTIVE outscale
}
