package outscale_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/outscale"
)

func loadDefault(t *testing.T, env map[string]string, optFns ...func(*outscale.LoadOptions)) (*outscale.Config, error) {
	t.Helper()
	return outscale.LoadDefaultConfig(context.Background(),
		append([]func(*outscale.LoadOptions){func(o *outscale.LoadOptions) { o.Getenv = envMap(env) }}, optFns...)...)
}

// TestLoadDefaultConfigSources: the environment and a profile of
// config.json, each reported as its source, each giving a working client
// against the emulator.
func TestLoadDefaultConfigSources(t *testing.T) {
	t.Setenv("HOME", t.TempDir()) // no ~/.osc/config.json
	srv, clk := newEmulator(t)
	root := srv.Root
	file := writeFile(t, "config.json", fmt.Sprintf(`{
  "default": {"access_key": %q, "secret_key": %q, "region": "eu-west-2", "endpoints": {"api": %q}},
  "basic":   {"login": %q, "password": %q, "endpoints": {"api": %q}}
}`, root.AccessKey, root.SecretKey.Reveal(), srv.URL, root.Login, root.Password.Reveal(), srv.URL))

	for _, tc := range []struct {
		name             string
		env              map[string]string
		opts             func(*outscale.LoadOptions)
		kind, src, inDet string
	}{
		{"access key from env", map[string]string{"OSC_ACCESS_KEY": root.AccessKey, "OSC_SECRET_KEY": root.SecretKey.Reveal(), "OSC_ENDPOINT_API": srv.URL},
			nil, auth.SourceEnv, "OSC_ACCESS_KEY", "access key " + root.AccessKey},
		{"login from env", map[string]string{"OSC_LOGIN": root.Login, "OSC_PASSWORD": root.Password.Reveal(), "OSC_ENDPOINT_API": srv.URL},
			nil, auth.SourceEnv, "OSC_LOGIN", "login " + root.Login},
		{"default profile via OSC_CONFIG_FILE", map[string]string{"OSC_CONFIG_FILE": file},
			nil, auth.SourceProfile, `"default"`, file + ": access key " + root.AccessKey},
		{"profile by option", nil,
			func(o *outscale.LoadOptions) { o.ConfigFile, o.Profile = file, "basic" }, auth.SourceProfile, `"basic"`, file + ": login " + root.Login},
		{"profile by OSC_PROFILE", map[string]string{"OSC_CONFIG_FILE": file, "OSC_PROFILE": "basic"},
			nil, auth.SourceProfile, `"basic"`, "login"},
	} {
		cfg, err := loadDefault(t, tc.env, tc.opts)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if cfg.Source.Kind != tc.kind || cfg.Source.Name != tc.src || !strings.Contains(cfg.Source.Detail, tc.inDet) {
			t.Errorf("%s: source %v, want %s %s (… %s …)", tc.name, cfg.Source, tc.kind, tc.src, tc.inDet)
		}
		s := fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg.String())
		if strings.Contains(s, root.SecretKey.Reveal()) || strings.Contains(s, root.Password.Reveal()) {
			t.Fatalf("%s: printing shows a secret: %s", tc.name, s)
		}
		if !strings.Contains(cfg.String(), "region eu-west-2") {
			t.Errorf("%s: String() = %q", tc.name, cfg.String())
		}
		c, err := outscale.New(cfg.ClientOptions(), func(o *outscale.Options) { o.Clock = clk })
		if err != nil {
			t.Fatalf("%s: New: %v", tc.name, err)
		}
		if _, err := c.AccessKeys().List(context.Background(), outscale.ReadAccessKeysRequest{}); err != nil {
			t.Errorf("%s: a call with the configuration failed: %v", tc.name, err)
		}
		c.Close()
		if cfg.Close() != nil {
			t.Fatal("Close returned an error")
		}
	}
}

// TestLoadDefaultConfigNothingFoundOutscale: one error listing each source
// and why it was skipped.
func TestLoadDefaultConfigNothingFoundOutscale(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	defaultFile := filepath.Join(home, ".osc", "config.json")
	noCreds := writeFile(t, "config.json", `{"default": {"region": "eu-west-2"}, "other": {"region": "us-east-2"}}`)
	for _, tc := range []struct {
		name    string
		env     map[string]string
		profile string
		want    auth.Source
	}{
		{"no file", map[string]string{"HOME": home}, "", auth.Source{Kind: "profile", Name: defaultFile, Detail: "no such file"}},
		{"no default profile", map[string]string{"OSC_CONFIG_FILE": writeFile(t, "c.json", `{"x": {}}`)}, "",
			auth.Source{Kind: "profile", Name: "", Detail: `has no profile "default"`}},
		{"profile without credentials", map[string]string{"OSC_CONFIG_FILE": noCreds}, "other",
			auth.Source{Kind: "profile", Name: `"other"`, Detail: noCreds + ": no access_key and secret_key, nor login and password"}},
	} {
		_, err := loadDefault(t, tc.env, func(o *outscale.LoadOptions) { o.Profile = tc.profile })
		var nc *auth.NoCredentialsError
		if !errors.As(err, &nc) || !errors.Is(err, auth.ErrNoCredentials) || nc.Provider != iam.Outscale || len(nc.Tried) != 3 {
			t.Fatalf("%s: err = %v", tc.name, err)
		}
		if nc.Tried[0].Name != "OSC_ACCESS_KEY, OSC_SECRET_KEY" || nc.Tried[1].Name != "OSC_LOGIN, OSC_PASSWORD" {
			t.Errorf("%s: tried %v", tc.name, nc.Tried)
		}
		got := nc.Tried[2]
		if got.Kind != tc.want.Kind || (tc.want.Name != "" && got.Name != tc.want.Name) || got.Detail != tc.want.Detail {
			t.Errorf("%s: tried[2] = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestLoadDefaultConfigBrokenOutscale: a broken configuration is
// LoadProfile's error, naming the field and where it came from; no
// "nothing found".
func TestLoadDefaultConfigBrokenOutscale(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	file := writeFile(t, "config.json", `{"default": {"access_key": "AKONLY00000000000000"}}`)
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"half a pair in the file", map[string]string{"OSC_CONFIG_FILE": file}, `secret_key is missing`},
		{"half a pair in env", map[string]string{"OSC_LOGIN": "me@example.com"}, "environment variable OSC_LOGIN"},
		{"named profile missing", map[string]string{"OSC_CONFIG_FILE": file, "OSC_PROFILE": "gone"}, `profile "gone" not found in config file ` + file},
		{"named file missing", map[string]string{"OSC_CONFIG_FILE": file + ".gone"}, file + ".gone does not exist"},
		{"not JSON", map[string]string{"OSC_CONFIG_FILE": writeFile(t, "bad.json", "{")}, "is not a JSON object of profiles"},
	} {
		_, err := loadDefault(t, tc.env)
		if err == nil || errors.Is(err, auth.ErrNoCredentials) || !strings.Contains(err.Error(), tc.want) ||
			!strings.HasPrefix(err.Error(), "outscale: LoadDefaultConfig: ") {
			t.Errorf("%s: err = %v, want it to say %q", tc.name, err, tc.want)
		}
	}
	// The file of ~ is read by default.
	home := t.TempDir()
	t.Setenv("HOME", home)
	if err := os.MkdirAll(filepath.Join(home, ".osc"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".osc", "config.json"), []byte(`{"default": {"access_key": "AK0000000000000000", "secret_key": "s"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadDefault(t, map[string]string{"HOME": home})
	if err != nil || cfg.Source.Kind != auth.SourceProfile || !strings.Contains(cfg.Source.Detail, filepath.Join(home, ".osc", "config.json")) {
		t.Fatalf("default file: %v %v", cfg, err)
	}
}
