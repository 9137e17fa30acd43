package yandexauth_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/authtest"
	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam/iamtest"
)

// indent indents every line of s by n spaces (a YAML block scalar).
func indent(s string, n int) string {
	pad := strings.Repeat(" ", n)
	return pad + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+pad) + "\n"
}

// cliKeyYAML is a service-account-key as "yc config set service-account-key
// key.json" stores it (yc config list prints it so).
func cliKeyYAML(t *testing.T, keyID, saID string, n int) string {
	t.Helper()
	pad := strings.Repeat(" ", n)
	return pad + "service-account-key:\n" +
		pad + "  id: " + keyID + "\n" +
		pad + "  service_account_id: " + saID + "\n" +
		pad + "  created_at: \"2019-08-26T12:31:25Z\"\n" +
		pad + "  key_algorithm: RSA_2048\n" +
		pad + "  private_key: |\n" +
		indent("PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key ID <"+keyID+">\n"+authtest.PKCS8PEM(t, authtest.RSAKey(t)), n+4)
}

func writeFile(t *testing.T, name, data string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadCLIConfig(t *testing.T) {
	data := "current: prod\n" +
		"profiles:\n" +
		"  prod:\n" +
		cliKeyYAML(t, "ajekey01", "ajesa01", 4) +
		"    folder-id: b1gfolder\n" +
		"    cloud-id: b1gcloud\n" +
		"    compute-default-zone: ru-central1-a\n" +
		"    format: yaml\n" +
		"  vm:\n" +
		"    instance-service-account: true\n" +
		"    folder-name: default\n" +
		"  oauth:\n" +
		"    token: y0_AgAAAAcanaryOAuthToken0000000000\n" +
		"    endpoint: api.cloud-preprod.yandex.net:443\n" +
		"  fed:\n" +
		"    federation-id: bpfexamplefed\n" +
		"    organization-id: bpforg\n" +
		"  empty:\n"
	path := writeFile(t, "config.yaml", "\ufeff"+data)
	c, err := yandexauth.LoadCLIConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.File != path || c.Current != "prod" || len(c.Profiles) != 5 {
		t.Fatalf("config: %v", c)
	}
	p, err := c.Profile("")
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "prod" || p.FolderID != "b1gfolder" || p.CloudID != "b1gcloud" || p.ServiceAccountKey == nil ||
		p.ServiceAccountKey.Key.KeyID != "ajekey01" || p.ServiceAccountKey.Key.ServiceAccountID != "ajesa01" ||
		p.ServiceAccountKey.CreatedAt.IsZero() || !p.IsDefaultEndpoint() {
		t.Fatalf("prod: %+v", p)
	}
	if kind, err := p.Credentials(); kind != "service-account-key" || err != nil {
		t.Fatalf("prod credentials: %q %v", kind, err)
	}
	vm, _ := c.Profile("vm")
	if kind, err := vm.Credentials(); kind != "instance-service-account" || err != nil || vm.FolderName != "default" {
		t.Fatalf("vm: %q %v %+v", kind, err, vm)
	}
	oauth, _ := c.Profile("oauth")
	if !oauth.HasToken || oauth.IsDefaultEndpoint() || oauth.Endpoint != "api.cloud-preprod.yandex.net:443" {
		t.Fatalf("oauth: %+v", oauth)
	}
	fed, _ := c.Profile("fed")
	for name, want := range map[string][]string{
		"oauth": {path, `profile "oauth"`, "(token)", "OAuth", yandexauth.EnvIAMToken},
		"fed":   {path, `profile "fed"`, "(federation-id)", "browser"},
		"empty": {path, `profile "empty"`, "has no credentials"},
	} {
		p, _ := c.Profile(name)
		_, err := p.Credentials()
		for _, w := range want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: err = %v, want it to say %q", name, err, w)
			}
		}
		if _, err := p.TokenSource(); err == nil {
			t.Errorf("%s: TokenSource succeeded", name)
		}
	}
	if fed.OrganizationID != "bpforg" || fed.FederationID != "bpfexamplefed" {
		t.Fatalf("fed: %+v", fed)
	}

	// Nothing prints the OAuth token or the private key.
	out := fmt.Sprintf("%v %+v %#v %s", c, c, c, *c) + fmt.Sprint(*p)
	if strings.Contains(out, "canaryOAuthToken") {
		t.Fatalf("printing shows the OAuth token: %s", out)
	}
	authtest.AssertNoKeyMaterial(t, out, authtest.PKCS8PEM(t, authtest.RSAKey(t)), authtest.RSAKey(t))
}

func TestCLIConfigProfileSelection(t *testing.T) {
	one, err := yandexauth.ParseCLIConfig([]byte("profiles:\n  only:\n    folder-id: x\n"), "one.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p, err := one.Profile(""); err != nil || p.Name != "only" {
		t.Fatalf("the only profile without current: %v %v", p, err)
	}
	two, _ := yandexauth.ParseCLIConfig([]byte("profiles:\n  a: {}\n  b: {}\n"), "two.yaml")
	if _, err := two.Profile(""); err == nil || !strings.Contains(err.Error(), `no current profile and has 2 ("a", "b")`) {
		t.Fatalf("two without current: %v", err)
	}
	if _, err := two.Profile("c"); err == nil || !strings.Contains(err.Error(), `profile "c" is not in two.yaml (it has "a", "b")`) {
		t.Fatalf("missing profile: %v", err)
	}
	bad, _ := yandexauth.ParseCLIConfig([]byte("current: gone\nprofiles:\n  a: {}\n"), "cur.yaml")
	if _, err := bad.Profile(""); err == nil || !strings.Contains(err.Error(), `current profile "gone" is not in cur.yaml`) {
		t.Fatalf("current names a missing profile: %v", err)
	}
	for _, data := range []string{"", "# nothing\n", "current: x\n", "profiles:\n"} {
		c, err := yandexauth.ParseCLIConfig([]byte(data), "e.yaml")
		if err != nil || len(c.Profiles) != 0 {
			t.Fatalf("%q: %v %v", data, c, err)
		}
	}
}

// TestCLIConfigErrors: bad input names the file, the profile and the
// property, with the line; never a value.
func TestCLIConfigErrors(t *testing.T) {
	key := cliKeyYAML(t, "ajekey01", "ajesa01", 4)
	for _, tc := range []struct {
		name, data, field string
		kind              error
	}{
		{"syntax", "profiles:\n  a:\n   b: [\n", "", auth.ErrMalformedKey},
		{"top-level list", "- a\n- b\n", "", auth.ErrMalformedKey},
		{"profiles a list", "profiles:\n  - a\n", "profiles", auth.ErrInvalidField},
		{"profile a string", "profiles:\n  a: secretvalue\n", "profiles.a", auth.ErrInvalidField},
		{"folder-id a list", "profiles:\n  a:\n    folder-id: [secretvalue]\n", "profiles.a.folder-id", auth.ErrInvalidField},
		{"instance-service-account a string", "profiles:\n  a:\n    instance-service-account: secretvalue\n", "profiles.a.instance-service-account", auth.ErrInvalidField},
		{"key twice", "profiles:\n  a:\n    folder-id: x\n    folder-id: y\n", "profiles.a.folder-id", auth.ErrInvalidField},
		{"profile twice", "profiles:\n  a: {}\n  a: {}\n", "profiles.a", auth.ErrInvalidField},
		{"key a string", "profiles:\n  a:\n    service-account-key: secretvalue\n", "profiles.a.service-account-key", auth.ErrInvalidField},
		{"key without private_key", "profiles:\n  a:\n    service-account-key:\n      id: k\n      service_account_id: s\n", "profiles.a.service-account-key.private_key", auth.ErrMissingField},
		{"key without id", "profiles:\n  a:\n" + strings.Replace(key, "      id: ajekey01\n", "", 1), "profiles.a.service-account-key.id", auth.ErrMissingField},
		{"key of two accounts", "profiles:\n  a:\n" + strings.Replace(key, "service_account_id:", "user_account_id: u\n      service_account_id:", 1), "profiles.a.service-account-key.user_account_id", auth.ErrInvalidField},
		{"key broken", "profiles:\n  a:\n" + strings.Replace(key, "-----BEGIN PRIVATE KEY-----\n", "-----BEGIN PRIVATE KEY-----\n        secretvalue!!\n", 1), "profiles.a.service-account-key.private_key", auth.ErrMalformedKey},
		{"key field a list", "profiles:\n  a:\n    service-account-key:\n      id: [secretvalue]\n", "profiles.a.service-account-key.id", auth.ErrInvalidField},
	} {
		path := writeFile(t, "config.yaml", tc.data)
		_, err := yandexauth.LoadCLIConfig(path)
		var ke *auth.KeyFileError
		if !errors.As(err, &ke) || ke.Source != path || ke.Field != tc.field || !errors.Is(err, tc.kind) {
			t.Errorf("%s: err = %v; want a KeyFileError for %s, field %q, matching %v", tc.name, err, path, tc.field, tc.kind)
			continue
		}
		if strings.Contains(err.Error(), "secretvalue") {
			t.Errorf("%s: the error quotes a value: %v", tc.name, err)
		}
		if tc.field != "" && tc.kind != auth.ErrMalformedKey && tc.kind != auth.ErrMissingField && !strings.HasPrefix(tc.name, "key of two") && !strings.Contains(err.Error(), "line ") {
			t.Errorf("%s: the error gives no line: %v", tc.name, err)
		}
	}
	both := "profiles:\n  a:\n" + key + "    instance-service-account: true\n"
	c, err := yandexauth.ParseCLIConfig([]byte(both), "both.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Profiles["a"].Credentials(); err == nil || !strings.Contains(err.Error(), "service-account-key and instance-service-account together") {
		t.Fatalf("both credentials: %v", err)
	}

	_, err = yandexauth.LoadCLIConfig(filepath.Join(t.TempDir(), "missing.yaml"))
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "missing.yaml") {
		t.Fatalf("missing file: %v", err)
	}
}

func TestDefaultCLIConfigFile(t *testing.T) {
	got, err := yandexauth.DefaultCLIConfigFile(func(k string) string { return map[string]string{"HOME": "/home/me"}[k] })
	if err != nil || got != filepath.Join("/home/me", ".config", "yandex-cloud", "config.yaml") {
		t.Fatalf("%q %v", got, err)
	}
	if _, err := yandexauth.DefaultCLIConfigFile(func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "HOME") {
		t.Fatalf("no HOME: %v", err)
	}
}

// TestCLIProfileTokenSource: a profile's service-account key exchanged at
// the token emulator; a profile on another endpoint needs its token URL.
func TestCLIProfileTokenSource(t *testing.T) {
	reg := iamtest.NewRegistry()
	tokens, err := iamtest.NewYandexTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = reg })
	if err != nil {
		t.Fatal(err)
	}
	defer tokens.Close()
	reg.PutPublicKey(iamtest.PublicKey{KeyID: "ajekey01", ServiceAccountID: "ajesa01", Key: &authtest.RSAKey(t).PublicKey})

	data := "profiles:\n  p:\n" + cliKeyYAML(t, "ajekey01", "ajesa01", 4)
	c, err := yandexauth.ParseCLIConfig([]byte(data), "config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := c.Profiles["p"]
	ts, err := p.TokenSource(func(o *yandexauth.CLITokenOptions) { o.ServiceAccount.Endpoint = tokens.URL })
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()
	tok, err := ts.AccessToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sub, ok := reg.Token(tok.Value.Reveal()); !ok || sub.Subject != "ajesa01" {
		t.Fatalf("token of %v, %v", sub, ok)
	}

	p.Endpoint = "api.cloud-preprod.yandex.net:443"
	if _, err := p.TokenSource(); err == nil || !strings.Contains(err.Error(), "sets endpoint api.cloud-preprod.yandex.net:443") {
		t.Fatalf("other endpoint without token URL: %v", err)
	}
	for e, want := range map[string]bool{"": true, "api.cloud.yandex.net:443": true, "API.cloud.yandex.net": true,
		"api.cloud.yandex.net:8443": false, "api.yandexcloud.kz:443": false} {
		if got := yandexauth.IsDefaultCLIEndpoint(e); got != want {
			t.Errorf("IsDefaultCLIEndpoint(%q) = %v", e, got)
		}
	}
}
