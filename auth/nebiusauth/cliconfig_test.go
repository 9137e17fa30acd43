package nebiusauth_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/authtest"
	"github.com/iamkit/iamkit/auth/nebiusauth"
)

// indent indents every line of s by n spaces (a PEM as a YAML block).
func indent(s string, n int) string {
	pad := strings.Repeat(" ", n)
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return pad + strings.Join(lines, "\n"+pad) + "\n"
}

func parseConfig(t *testing.T, data string) *nebiusauth.CLIConfig {
	t.Helper()
	c, err := nebiusauth.ParseCLIConfig([]byte(data), "config.yaml", func(o *nebiusauth.CLIConfigOptions) { o.Home = "/home/me" })
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestParseCLIConfigEveryKey: every profile key gosdk reads is read, paths
// starting with ~/ are expanded, unknown keys are ignored.
func TestParseCLIConfigEveryKey(t *testing.T) {
	c := parseConfig(t, `default: prod
unknown-top: 1
profiles:
  prod:
    endpoint: api.eu.nebius.cloud
    auth-type: service account
    federation-endpoint: auth.eu.nebius.com
    federation-id: federation-e00fed
    service-account-id: serviceaccount-e00sa
    public-key-id: publickey-e00kid
    private-key: |
      -----BEGIN PRIVATE KEY-----
      MIIB
      -----END PRIVATE KEY-----
    private-key-file-path: ~/.nebius/private.pem
    service-account-credentials-file-path: ~/.nebius/creds.json
    federated-subject-credentials-file-path: /var/run/secrets/tokens/nebius
    token-file: ~/token
    token-endpoint: http://metadata.nebius.internal/v1/iam/sa/token
    parent-id: project-e00p
    tenant-id: tenant-e00t
    impersonate-service-account-id: serviceaccount-e00target
    some-future-key: [1, 2]
  empty:
`)
	if c.File != "config.yaml" || c.Default != "prod" || len(c.Profiles) != 2 {
		t.Fatalf("config %+v", c)
	}
	p := c.Profiles["prod"]
	want := nebiusauth.CLIProfile{
		Name: "prod", File: "config.yaml",
		Endpoint: "api.eu.nebius.cloud", AuthType: "service account",
		FederationEndpoint: "auth.eu.nebius.com", FederationID: "federation-e00fed",
		ServiceAccountID: "serviceaccount-e00sa", PublicKeyID: "publickey-e00kid",
		PrivateKeyFilePath:                  filepath.FromSlash("/home/me/.nebius/private.pem"),
		ServiceAccountCredentialsFilePath:   filepath.FromSlash("/home/me/.nebius/creds.json"),
		FederatedSubjectCredentialsFilePath: "/var/run/secrets/tokens/nebius",
		TokenFile:                           filepath.FromSlash("/home/me/token"),
		TokenEndpoint:                       "http://metadata.nebius.internal/v1/iam/sa/token",
		ParentID:                            "project-e00p", TenantID: "tenant-e00t",
		ImpersonateServiceAccountID: "serviceaccount-e00target",
	}
	got := *p
	if !strings.Contains(got.PrivateKey.Reveal(), "BEGIN PRIVATE KEY") {
		t.Fatalf("private-key not read: %q", got.PrivateKey.Reveal())
	}
	got.PrivateKey = want.PrivateKey
	if got != want {
		t.Fatalf("profile\n got %+v\nwant %+v", got, want)
	}
	if e := c.Profiles["empty"]; e == nil || e.Name != "empty" || e.HasCredentials() {
		t.Fatalf("empty profile %+v", e)
	}
	// Printing never shows the private key.
	for _, s := range []string{fmt.Sprint(p), fmt.Sprintf("%+v", p), fmt.Sprintf("%#v", *p), fmt.Sprint(c), fmt.Sprintf("%#v", c)} {
		if strings.Contains(s, "MIIB") || strings.Contains(s, "BEGIN") {
			t.Fatalf("printing shows the key: %s", s)
		}
	}
	// An empty file, a file of comments: no profiles.
	for _, data := range []string{"", "# nebius profile create was never run\n", "profiles:\n"} {
		if c := parseConfig(t, data); len(c.Profiles) != 0 {
			t.Fatalf("%q: profiles %v", data, c.Profiles)
		}
	}
}

// TestCLIConfigProfileChoice: "default", the only profile when there is
// no default, and errors naming the file and the profiles it has.
func TestCLIConfigProfileChoice(t *testing.T) {
	c := parseConfig(t, "default: b\nprofiles:\n  a: {}\n  b: {}\n")
	for name, want := range map[string]string{"": "b", "a": "a"} {
		p, err := c.Profile(name)
		if err != nil || p.Name != want {
			t.Fatalf("Profile(%q) = %v, %v; want %s", name, p, err, want)
		}
	}
	if p, err := parseConfig(t, "profiles:\n  only:\n    parent-id: project-e00x\n").Profile(""); err != nil || p.Name != "only" {
		t.Fatalf("one profile, no default: %v, %v", p, err)
	}
	for _, tc := range []struct{ data, name, want string }{
		{"profiles:\n  a: {}\n  b: {}\n", "", `config.yaml names no default profile and has 2 ("a", "b"): set "default" or NEBIUS_PROFILE`},
		{"profiles:\n  a: {}\n", "gone", `profile "gone" is not in config.yaml (it has "a")`},
		{"default: gone\nprofiles:\n  a: {}\n", "", `default profile "gone" is not in config.yaml (it has "a")`},
		{"", "", "config.yaml has no profiles"},
		{"", "x", `profile "x" is not in config.yaml, which has no profiles`},
	} {
		if _, err := parseConfig(t, tc.data).Profile(tc.name); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q, Profile(%q): err = %v, want %q", tc.data, tc.name, err, tc.want)
		}
	}
}

// TestCLIConfigParseErrors: bad input names the file, the profile and the
// key, with the line, and never quotes a value.
func TestCLIConfigParseErrors(t *testing.T) {
	for _, tc := range []struct{ data, want string }{
		{"profiles: [\n", "config.yaml: not a valid Nebius config YAML file"},
		{"- a\n- b\n", "line 1: want a mapping with default and profiles, found a list"},
		{"profiles: canary-value\n", "profiles: line 1: want a mapping of profiles, found a string"},
		{"profiles:\n  p: canary-value\n", "profiles.p: line 2: want a mapping of keys"},
		{"profiles:\n  p:\n    endpoint: [canary-value]\n", "profiles.p.endpoint: line 3: want a string, found a list"},
		{"profiles:\n  p:\n    private-key:\n      k: canary-value\n", "profiles.p.private-key: line 4: want a string, found a mapping"},
		{"profiles:\n  p:\n    parent-id: a\n    parent-id: canary-value\n", "profiles.p.parent-id: line 4: given twice"},
		{"default: [canary-value]\n", "default: line 1: want a string"},
	} {
		_, err := nebiusauth.ParseCLIConfig([]byte(tc.data), "config.yaml")
		var ke *auth.KeyFileError
		if !errors.As(err, &ke) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "canary-value") {
			t.Errorf("%q: err = %v, want a KeyFileError saying %q", tc.data, err, tc.want)
		}
	}
	_, err := nebiusauth.LoadCLIConfig(filepath.Join(t.TempDir(), "none.yaml"))
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "none.yaml") {
		t.Fatalf("missing file: %v", err)
	}
}

func credentialsOf(t *testing.T, profile string) (string, []string, error) {
	t.Helper()
	c := parseConfig(t, "profiles:\n  p:\n"+profile)
	p := c.Profiles["p"]
	kind, err := p.Credentials()
	return kind, p.Ignored(), err
}

// TestCLIProfileCredentials: gosdk's order (token-file, token-endpoint,
// then auth-type), the four service-account combinations in gosdk's check
// order with the keys they ignore, and the errors.
func TestCLIProfileCredentials(t *testing.T) {
	const sa = "    auth-type: service account\n"
	for _, tc := range []struct {
		name, profile, want string
		ignored             []string
	}{
		{"token-file first", "    token-file: /t\n    token-endpoint: http://x\n    auth-type: federation\n", nebiusauth.CredentialsTokenFile, nil},
		{"token-endpoint", "    token-endpoint: http://x\n    auth-type: bogus\n", nebiusauth.CredentialsTokenEndpoint, nil},
		{"federated", sa + "    service-account-id: s\n    federated-subject-credentials-file-path: /jwt\n",
			nebiusauth.CredentialsFederatedSubject, nil},
		{"credentials file", sa + "    service-account-credentials-file-path: /c.json\n", nebiusauth.CredentialsServiceAccountFile, nil},
		{"credentials file wins over keys", sa + "    service-account-credentials-file-path: /c.json\n    private-key: x\n    private-key-file-path: /k\n    federated-subject-credentials-file-path: /jwt\n",
			nebiusauth.CredentialsServiceAccountFile, []string{
				"private-key (service-account-credentials-file-path is used)",
				"private-key-file-path (service-account-credentials-file-path is used)",
				"federated-subject-credentials-file-path (key-based credentials are used: service-account-credentials-file-path)"}},
		{"inline key", sa + "    service-account-id: s\n    public-key-id: k\n    private-key: x\n    private-key-file-path: /k\n",
			nebiusauth.CredentialsPrivateKey, []string{"private-key-file-path (private-key is used)"}},
		{"key file", sa + "    service-account-id: s\n    public-key-id: k\n    private-key-file-path: /k\n    federated-subject-credentials-file-path: /jwt\n",
			nebiusauth.CredentialsPrivateKeyFile, []string{"federated-subject-credentials-file-path (key-based credentials are used: private-key-file-path)"}},
	} {
		kind, ignored, err := credentialsOf(t, tc.profile)
		if err != nil || kind != tc.want || strings.Join(ignored, "|") != strings.Join(tc.ignored, "|") {
			t.Errorf("%s: %q %q %v; want %q %q", tc.name, kind, ignored, err, tc.want, tc.ignored)
		}
	}

	const incomplete = "incomplete service account configuration: provide either (service-account-id, federated-subject-credentials-file-path) OR " +
		"(service-account-credentials-file-path) OR (service-account-id, public-key-id and one of private-key / private-key-file-path)"
	for _, tc := range []struct {
		name, profile string
		kind          error
		want          []string
	}{
		{"federation", "    auth-type: federation\n    federation-endpoint: auth.eu.nebius.com\n", auth.ErrInvalidField,
			[]string{"config.yaml: profiles.p.auth-type", `profile "p" signs in through a federation`, "browser", "NEBIUS_IAM_TOKEN"}},
		{"no auth-type", "    service-account-id: s\n    public-key-id: k\n    private-key-file-path: /k\n", auth.ErrMissingField,
			[]string{"profiles.p.auth-type", "unsupported auth type", `"service account"`}},
		{"other auth-type", "    auth-type: serviceaccount\n", auth.ErrInvalidField, []string{"profiles.p.auth-type", "unsupported auth type"}},
		{"nothing", sa, auth.ErrMissingField, []string{"config.yaml: profiles.p: " + incomplete}},
		{"id without key", sa + "    service-account-id: s\n    public-key-id: k\n", auth.ErrMissingField, []string{incomplete}},
		{"key without kid", sa + "    service-account-id: s\n    private-key-file-path: /k\n", auth.ErrMissingField, []string{incomplete}},
		{"federated with kid", sa + "    service-account-id: s\n    public-key-id: k\n    federated-subject-credentials-file-path: /jwt\n",
			auth.ErrMissingField, []string{incomplete}},
		{"federated without id", sa + "    federated-subject-credentials-file-path: /jwt\n", auth.ErrMissingField, []string{incomplete}},
		{"credentials file with ids", sa + "    service-account-credentials-file-path: /c.json\n    service-account-id: s\n    public-key-id: k\n",
			auth.ErrInvalidField, []string{"profiles.p.service-account-credentials-file-path", "service-account-id and public-key-id"}},
	} {
		_, ignored, err := credentialsOf(t, tc.profile)
		var ke *auth.KeyFileError
		if !errors.As(err, &ke) || !errors.Is(err, tc.kind) || ignored != nil {
			t.Errorf("%s: err = %v (ignored %q), want a KeyFileError matching %v", tc.name, err, ignored, tc.kind)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: err = %v, want it to say %q", tc.name, err, w)
			}
		}
	}
}

// TestCLIProfileServiceAccountKey: the three key-based kinds load their
// key; errors name the configuration file, the profile and the key, and
// the key file's own error.
func TestCLIProfileServiceAccountKey(t *testing.T) {
	dir := t.TempDir()
	pk := authtest.RSAKey(t)
	pemText := authtest.PKCS8PEM(t, pk)
	pemFile := filepath.Join(dir, "private.pem")
	credsFile := filepath.Join(dir, "creds.json")
	if err := os.WriteFile(pemFile, []byte(pemText), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(credsFile, credentialsJSON(t, nil), 0o600); err != nil {
		t.Fatal(err)
	}
	const sa = "    auth-type: service account\n"
	for _, tc := range []struct{ name, profile, kid, said string }{
		{"credentials file", sa + "    service-account-credentials-file-path: " + credsFile + "\n", "publickey-e00abc", "serviceaccount-e00xyz"},
		{"inline", sa + "    service-account-id: serviceaccount-e00in\n    public-key-id: publickey-e00in\n    private-key: |\n" + indent(pemText, 6),
			"publickey-e00in", "serviceaccount-e00in"},
		{"key file", sa + "    service-account-id: serviceaccount-e00f\n    public-key-id: publickey-e00f\n    private-key-file-path: " + pemFile + "\n",
			"publickey-e00f", "serviceaccount-e00f"},
	} {
		p := parseConfig(t, "profiles:\n  p:\n"+tc.profile).Profiles["p"]
		k, err := p.ServiceAccountKey()
		if err != nil || k.KeyID != tc.kid || k.ServiceAccountID != tc.said {
			t.Errorf("%s: key %v, %v", tc.name, k, err)
		}
	}
	for _, tc := range []struct {
		name, profile string
		want          []string
	}{
		{"missing credentials file", sa + "    service-account-credentials-file-path: " + credsFile + ".gone\n",
			[]string{"config.yaml", `profile "p"`, "service-account-credentials-file-path", credsFile + ".gone"}},
		{"bad inline key", sa + "    service-account-id: s\n    public-key-id: k\n    private-key: not-a-pem\n",
			[]string{"config.yaml: profiles.p.private-key"}},
		{"missing key file", sa + "    service-account-id: s\n    public-key-id: k\n    private-key-file-path: " + pemFile + ".gone\n",
			[]string{"config.yaml", `profile "p"`, "private-key-file-path", pemFile + ".gone"}},
		{"token file", "    token-file: /t\n", []string{`profile "p" holds token-file credentials`}},
	} {
		_, err := parseConfig(t, "profiles:\n  p:\n"+tc.profile).Profiles["p"].ServiceAccountKey()
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: err = %v, want it to say %q", tc.name, err, w)
			}
		}
	}
}

func TestDefaultCLIConfigFile(t *testing.T) {
	env := map[string]string{"HOME": "/home/me"}
	if p, err := nebiusauth.DefaultCLIConfigFile(func(k string) string { return env[k] }); err != nil ||
		p != filepath.FromSlash("/home/me/.nebius/config.yaml") {
		t.Fatalf("%q %v", p, err)
	}
	if _, err := nebiusauth.DefaultCLIConfigFile(func(string) string { return "" }); err == nil ||
		!strings.Contains(err.Error(), "$HOME is not set") {
		t.Fatalf("no HOME: %v", err)
	}
}
