package outscale_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/iamkit/iamkit/iam/iamtest/outscaletest"
	"github.com/iamkit/iamkit/iam/outscale"
)

// LoadDefaultConfig reads OSC_* and ~/.osc/config.json and says where the
// credentials came from; here the environment points at the emulator.
func ExampleLoadDefaultConfig() {
	srv, err := outscaletest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	env := map[string]string{
		"OSC_ACCESS_KEY":   srv.Root.AccessKey,
		"OSC_SECRET_KEY":   srv.Root.SecretKey.Reveal(),
		"OSC_ENDPOINT_API": srv.URL, // omit for the region's public endpoint
	}
	dir, _ := os.MkdirTemp("", "osc")
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "config.json") // an empty file: the environment alone
	_ = os.WriteFile(file, []byte("{}"), 0o600)

	cfg, err := outscale.LoadDefaultConfig(context.Background(), func(o *outscale.LoadOptions) {
		o.Getenv = func(k string) string { return env[k] } // default: os.Getenv
		o.ConfigFile = file                                // default: $OSC_CONFIG_FILE, else ~/.osc/config.json
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cfg.Source.Kind, cfg.Source.Name, cfg.Profile.Region)

	c, err := outscale.New(cfg.ClientOptions())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	keys, err := c.AccessKeys().List(context.Background(), outscale.ReadAccessKeysRequest{})
	fmt.Println(len(keys), err)
	// Output:
	// env OSC_ACCESS_KEY eu-west-2
	// 1 <nil>
}
