package outscale_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest/outscaletest"
	"github.com/iamkit/iamkit/iam/outscale"
)

func writeFile(t *testing.T, name, data string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

const configJSON = `{
  "default": {"access_key": "AKFILEDEFAULT0000000", "secret_key": "file-default-secret", "region": "us-east-2",
              "method": "post", "iam_v2_services": ["x"], "endpoints": {"fcu": "fcu.example"}},
  "other":   {"access_key": "AKFILEOTHER000000000", "secret_key": "file-other-secret", "region": "cloudgouv-eu-west-1",
              "protocol": "http", "endpoints": {"api": "api.example.test:8443"}},
  "basic":   {"email": "me@example.com", "password": "file-password", "tls_skip_verify": "true"}
}`

func TestProfilePrecedence(t *testing.T) {
	file := writeFile(t, "config.json", configJSON)
	tests := []struct {
		name                         string
		env                          map[string]string
		opts                         []func(*outscale.ProfileOptions)
		wantAK, wantRegion, wantBase string
		wantLogin                    string
	}{
		{
			name:   "file default profile via OSC_CONFIG_FILE",
			env:    map[string]string{"OSC_CONFIG_FILE": file},
			wantAK: "AKFILEDEFAULT0000000", wantRegion: "us-east-2", wantBase: "",
		},
		{
			name:   "OSC_PROFILE picks a profile; endpoint without scheme gets protocol and /api/v1",
			env:    map[string]string{"OSC_CONFIG_FILE": file, "OSC_PROFILE": "other"},
			wantAK: "AKFILEOTHER000000000", wantRegion: "cloudgouv-eu-west-1", wantBase: "http://api.example.test:8443/api/v1",
		},
		{
			name: "env wins over the file, field by field",
			env: map[string]string{"OSC_CONFIG_FILE": file, "OSC_ACCESS_KEY": "AKENV000000000000000", "OSC_SECRET_KEY": "env-secret",
				"OSC_ENDPOINT_API": "https://api.env.test/api/v1"},
			wantAK: "AKENV000000000000000", wantRegion: "us-east-2", wantBase: "https://api.env.test/api/v1",
		},
		{
			name:   "env only, no file: defaults",
			env:    map[string]string{"OSC_ACCESS_KEY": "AKENV000000000000000", "OSC_SECRET_KEY": "env-secret"},
			opts:   []func(*outscale.ProfileOptions){func(o *outscale.ProfileOptions) { o.ConfigFile = "" }},
			wantAK: "AKENV000000000000000", wantRegion: "eu-west-2",
		},
		{
			name:   "option file and profile win over OSC_CONFIG_FILE and OSC_PROFILE",
			env:    map[string]string{"OSC_CONFIG_FILE": "/nonexistent/config.json", "OSC_PROFILE": "nope"},
			opts:   []func(*outscale.ProfileOptions){func(o *outscale.ProfileOptions) { o.ConfigFile, o.Profile = file, "other" }},
			wantAK: "AKFILEOTHER000000000", wantRegion: "cloudgouv-eu-west-1", wantBase: "http://api.example.test:8443/api/v1",
		},
		{
			name:      "email is an alias of login",
			env:       map[string]string{"OSC_CONFIG_FILE": file, "OSC_PROFILE": "basic"},
			wantLogin: "me@example.com", wantRegion: "eu-west-2",
		},
		{
			name:   "IgnoreEnv",
			env:    map[string]string{"OSC_CONFIG_FILE": file, "OSC_ACCESS_KEY": "AKENV000000000000000", "OSC_SECRET_KEY": "x"},
			opts:   []func(*outscale.ProfileOptions){func(o *outscale.ProfileOptions) { o.IgnoreEnv = true }},
			wantAK: "AKFILEDEFAULT0000000", wantRegion: "us-east-2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir() // no ~/.osc/config.json there
			t.Setenv("HOME", home)
			opts := append([]func(*outscale.ProfileOptions){func(o *outscale.ProfileOptions) { o.Getenv = envMap(tt.env) }}, tt.opts...)
			p, err := outscale.LoadProfile(opts...)
			if err != nil {
				t.Fatalf("LoadProfile: %v", err)
			}
			if p.AccessKey != tt.wantAK || p.Region != tt.wantRegion || p.Endpoint != tt.wantBase || p.Login != tt.wantLogin {
				t.Errorf("got ak %q region %q endpoint %q login %q", p.AccessKey, p.Region, p.Endpoint, p.Login)
			}
		})
	}
}

func TestProfileFromDefaultPath(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	if err := os.MkdirAll(filepath.Join(home, ".osc"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".osc", "config.json"), []byte(configJSON), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := outscale.LoadProfile(func(o *outscale.ProfileOptions) { o.Getenv = envMap(map[string]string{"HOME": home}) })
	if err != nil || p.AccessKey != "AKFILEDEFAULT0000000" || p.SecretKey.Reveal() != "file-default-secret" {
		t.Fatalf("LoadProfile = %+v, %v", p, err)
	}
	if p.File != filepath.Join(home, ".osc", "config.json") || p.Name != "default" {
		t.Errorf("File %q Name %q", p.File, p.Name)
	}
}

func TestOptionsWinOverProfile(t *testing.T) {
	srv, clk := newEmulator(t)
	file := writeFile(t, "config.json", configJSON)
	p, err := outscale.LoadProfile(func(o *outscale.ProfileOptions) { o.ConfigFile = file; o.Getenv = envMap(nil) })
	if err != nil {
		t.Fatal(err)
	}
	c, err := outscale.New(outscale.WithProfile(p), func(o *outscale.Options) {
		o.Endpoint = srv.URL
		o.Region = "ap-northeast-1"
		o.AccessKey, o.SecretKey = srv.Root.AccessKey, srv.Root.SecretKey
		o.Clock = clk
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Region() != "ap-northeast-1" || c.Endpoint() != srv.URL {
		t.Errorf("region %q endpoint %q", c.Region(), c.Endpoint())
	}
	if _, err := c.AccessKeys().List(context.Background(), outscale.ReadAccessKeysRequest{}); err != nil {
		t.Fatal(err)
	}
	if r := srv.Requests()[0]; r.Region != "ap-northeast-1" || r.AccessKeyID != srv.Root.AccessKey {
		t.Errorf("signed as %+v", r)
	}
	// Without overrides, the profile's region picks the public endpoint.
	c2, err := outscale.New(outscale.WithProfile(p))
	if err != nil || c2.Endpoint() != "https://api.us-east-2.outscale.com/api/v1" {
		t.Errorf("endpoint %q, %v", c2.Endpoint(), err)
	}
}

func TestProfileBadInput(t *testing.T) {
	tests := []struct {
		name     string
		file     string // config.json content; "" for none
		profile  string
		env      map[string]string
		wantAll  []string
		noSecret string
	}{
		{name: "not JSON", file: `{"default": {"access_key": "AK", "secret_key": "s3cr3t-value"`, wantAll: []string{"config.json", "not a JSON object"}, noSecret: "s3cr3t-value"},
		{name: "profile not an object", file: `{"default": "s3cr3t-value"}`, wantAll: []string{`profile "default"`, "config.json"}, noSecret: "s3cr3t-value"},
		{name: "missing named profile", file: configJSON, profile: "prod", wantAll: []string{`profile "prod" not found`, "config.json"}},
		{name: "only access key", file: `{"default": {"access_key": "AKONLY"}}`, wantAll: []string{"secret_key is missing", `"access_key"`, `profile "default"`, "config.json"}},
		{name: "only secret key in env", env: map[string]string{"OSC_SECRET_KEY": "s3cr3t-value"}, wantAll: []string{"access_key is missing", "OSC_SECRET_KEY"}, noSecret: "s3cr3t-value"},
		{name: "login without password", file: `{"default": {"login": "me@example.com"}}`, wantAll: []string{"password is missing", `"login"`, "config.json"}},
		{name: "password without login", env: map[string]string{"OSC_PASSWORD": "s3cr3t-value"}, wantAll: []string{"login is missing", "OSC_PASSWORD"}, noSecret: "s3cr3t-value"},
		{name: "certificate without key", file: `{"default": {"access_key": "AK", "secret_key": "s", "x509_client_cert": "/tmp/c.pem"}}`, wantAll: []string{"x509_client_cert", "x509_client_key is missing", "config.json"}},
		{name: "key without certificate", env: map[string]string{"OSC_X509_CLIENT_KEY_B64": "s3cr3t-value"}, wantAll: []string{"x509_client_key_b64", "OSC_X509_CLIENT_KEY_B64"}, noSecret: "s3cr3t-value"},
		{name: "unknown region without endpoint", file: `{"default": {"region": "mars-north-1"}}`, wantAll: []string{`"mars-north-1"`, `"region"`, "config.json", "endpoint"}},
		{name: "unknown region from env", env: map[string]string{"OSC_REGION": "mars-north-1"}, wantAll: []string{"mars-north-1", "OSC_REGION"}},
		{name: "wrong type", file: `{"default": {"region": 5}}`, wantAll: []string{"region", "config.json"}},
		{name: "bad protocol", file: `{"default": {"protocol": "ftp"}}`, wantAll: []string{"protocol", "ftp"}},
		{name: "bad endpoint", env: map[string]string{"OSC_ENDPOINT_API": "ftp://x"}, wantAll: []string{"OSC_ENDPOINT_API", "scheme"}},
		{name: "bad tls_skip_verify", file: `{"default": {"tls_skip_verify": "maybe"}}`, wantAll: []string{"tls_skip_verify"}},
		{name: "explicit missing file", env: map[string]string{"OSC_CONFIG_FILE": "/nonexistent/osc.json"}, wantAll: []string{"/nonexistent/osc.json", "does not exist"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("HOME", t.TempDir())
			env := map[string]string{}
			for k, v := range tt.env {
				env[k] = v
			}
			if tt.file != "" {
				env["OSC_CONFIG_FILE"] = writeFile(t, "config.json", tt.file)
			}
			_, err := outscale.LoadProfile(func(o *outscale.ProfileOptions) {
				o.Getenv = envMap(env)
				o.Profile = tt.profile
			})
			if err == nil {
				t.Fatal("LoadProfile succeeded")
			}
			for _, w := range tt.wantAll {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if tt.noSecret != "" && strings.Contains(err.Error(), tt.noSecret) {
				t.Errorf("error %q shows a secret", err)
			}
		})
	}
}

func TestNewBadOptions(t *testing.T) {
	tests := []struct {
		name string
		fn   func(*outscale.Options)
		want string
	}{
		{"no credentials", func(o *outscale.Options) {}, "no credentials"},
		{"unknown region", func(o *outscale.Options) { o.AccessKey, o.SecretKey, o.Region = "AK", iam.NewSecret("s"), "xx-1" }, "unknown region"},
		{"access key only", func(o *outscale.Options) { o.AccessKey = "AK" }, "secret_key is missing"},
		{"login only", func(o *outscale.Options) { o.Login = "me" }, "password is missing"},
		{"HTTPClient with TLS options", func(o *outscale.Options) {
			o.AccessKey, o.SecretKey = "AK", iam.NewSecret("s")
			o.HTTPClient = &http.Client{}
			o.Profile = &outscale.Profile{TLSSkipVerify: true}
		}, "HTTPClient"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := outscale.New(tt.fn)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New: %v, want %q", err, tt.want)
			}
		})
	}
}

func TestMTLS(t *testing.T) {
	srv, clk := newEmulator(t, func(o *outscaletest.Options) { o.RequireClientCert = true })
	certPEM, keyPEM := srv.IssueClientCertificate("iamkit-test")
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	_ = os.WriteFile(certFile, certPEM, 0o600)
	_ = os.WriteFile(keyFile, keyPEM, 0o600)
	ctx := context.Background()

	profiles := map[string]map[string]string{
		"files": {"OSC_X509_CLIENT_CERT": certFile, "OSC_X509_CLIENT_KEY": keyFile},
		"base64": {"OSC_X509_CLIENT_CERT_B64": base64.StdEncoding.EncodeToString(certPEM),
			"OSC_X509_CLIENT_KEY_B64": base64.StdEncoding.EncodeToString(keyPEM)},
	}
	for name, env := range profiles {
		t.Run(name, func(t *testing.T) {
			env["OSC_ACCESS_KEY"], env["OSC_SECRET_KEY"], env["OSC_ENDPOINT_API"] = srv.Root.AccessKey, srv.Root.SecretKey.Reveal(), srv.URL
			p, err := outscale.LoadProfile(func(o *outscale.ProfileOptions) {
				o.Getenv = envMap(env)
				o.ConfigFile = filepath.Join(dir, "none.json")
			})
			if err == nil {
				t.Fatal("explicit missing config file accepted")
			}
			p, err = outscale.LoadProfile(func(o *outscale.ProfileOptions) {
				o.Getenv = envMap(env)
				o.IgnoreEnv = false
				o.ConfigFile = writeFile(t, "c.json", "{}")
			})
			if err != nil {
				t.Fatal(err)
			}
			c, err := outscale.New(outscale.WithProfile(p), func(o *outscale.Options) { o.RootCAs = srv.RootCAs(); o.Clock = clk })
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := c.AccessKeys().List(ctx, outscale.ReadAccessKeysRequest{}); err != nil {
				t.Fatalf("with client certificate: %v", err)
			}
		})
	}
	// Without a certificate: 401 code 14, PermissionDenied.
	c := newClient(t, srv, clk, srv.Root.AccessKey, srv.Root.SecretKey, func(o *outscale.Options) { o.RootCAs = srv.RootCAs() })
	_, err := c.AccessKeys().List(ctx, outscale.ReadAccessKeysRequest{})
	var e *iam.Error
	if !errors.As(err, &e) || e.Code != "14" || !errors.Is(err, iam.ErrPermissionDenied) {
		t.Errorf("without client certificate: %v", err)
	}
	// A certificate file that does not match its key is refused at New.
	other, _ := srv.IssueClientCertificate("other")
	_ = os.WriteFile(certFile, other, 0o600)
	_, err = outscale.New(func(o *outscale.Options) {
		o.Profile = &outscale.Profile{X509ClientCert: certFile, X509ClientKey: keyFile, AccessKey: "AK", SecretKey: iam.NewSecret("s")}
	})
	if err == nil || !strings.Contains(err.Error(), "x509_client_cert") {
		t.Errorf("mismatched pair: %v", err)
	}
}

func TestTLSVerification(t *testing.T) {
	srv, clk := newEmulator(t, func(o *outscaletest.Options) { o.TLS = true })
	ctx := context.Background()
	// Unknown CA: refused.
	c := newClient(t, srv, clk, srv.Root.AccessKey, srv.Root.SecretKey)
	if _, err := c.AccessKeys().List(ctx, outscale.ReadAccessKeysRequest{}); !errors.Is(err, iam.ErrUnavailable) {
		t.Errorf("unverified server accepted: %v", err)
	}
	// tls_skip_verify from the environment: accepted.
	p, err := outscale.LoadProfile(func(o *outscale.ProfileOptions) {
		o.Getenv = envMap(map[string]string{"OSC_ACCESS_KEY": srv.Root.AccessKey, "OSC_SECRET_KEY": srv.Root.SecretKey.Reveal(),
			"OSC_ENDPOINT_API": srv.URL, "OSC_TLS_SKIP_VERIFY": "true"})
		o.ConfigFile = writeFile(t, "c.json", `{"default": {"unknown_key": {"nested": true}}}`)
	})
	if err != nil || !p.TLSSkipVerify {
		t.Fatalf("LoadProfile: %+v %v", p, err)
	}
	c2, err := outscale.New(outscale.WithProfile(p), func(o *outscale.Options) { o.Clock = clk })
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if _, err := c2.AccessKeys().List(ctx, outscale.ReadAccessKeysRequest{}); err != nil {
		t.Errorf("tls_skip_verify: %v", err)
	}
}

// TestProfileFileBOMAndSize: a config.json saved with a UTF-8 byte-order
// mark (as Windows editors do) is read like the key files are, and a file
// larger than the key files' cap (1 MiB) is refused with its name instead
// of being read whole (issue 11, small items).
func TestProfileFileBOMAndSize(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	t.Run("BOM", func(t *testing.T) {
		bom := writeFile(t, "config.json", "\xEF\xBB\xBF"+configJSON)
		p, err := outscale.LoadProfile(func(o *outscale.ProfileOptions) {
			o.ConfigFile, o.Profile = bom, "other"
			o.Getenv = envMap(nil)
		})
		if err != nil {
			t.Fatalf("config.json with a BOM: %v", err)
		}
		if p.AccessKey != "AKFILEOTHER000000000" || p.Region != "cloudgouv-eu-west-1" {
			t.Fatalf("config.json with a BOM: profile %+v", p)
		}
	})
	t.Run("size cap", func(t *testing.T) {
		// Valid JSON, padded past the cap with white space.
		big := writeFile(t, "config.json", configJSON+strings.Repeat(" ", 1<<20))
		_, err := outscale.LoadProfile(func(o *outscale.ProfileOptions) {
			o.ConfigFile = big
			o.Getenv = envMap(nil)
		})
		if err == nil {
			t.Fatal("a config file over 1 MiB was read")
		}
		for _, w := range []string{big, "larger than", "outscale:"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not mention %q", err, w)
			}
		}
	})
}
