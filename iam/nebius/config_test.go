package nebius_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/resolver"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/iam/nebius"
	"github.com/iamkit/iamkit/internal/chaindial"
	"github.com/iamkit/iamkit/internal/loopback/loopbacktest"
)

// chainWorld is a Nebius AI Cloud of emulators on loopback: the IAM
// services and the gRPC token exchange (nebiustest), a VM's metadata
// service, sharing one Registry, a service account with a key, and a HOME
// without a config file.
type chainWorld struct {
	reg      *iamtest.Registry
	emu      *nebiustest.Server
	md       *iamtest.NebiusMetadataServer
	sa       *nebiustest.ServiceAccount
	key      *auth.ServiceAccountKey
	home     string
	env      map[string]string
	closedMD string // a metadata URL where nothing listens
	vmFile   string // the VM's token file (absent unless a test writes it)
}

func newChainWorld(t *testing.T) *chainWorld {
	t.Helper()
	w := &chainWorld{reg: iamtest.NewRegistry(), home: t.TempDir()}
	var err error
	if w.emu, err = nebiustest.New(func(o *nebiustest.Options) { o.Registry = w.reg }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.emu.Close)
	if w.sa, err = w.emu.NewServiceAccount(""); err != nil {
		t.Fatal(err)
	}
	if w.key, err = nebiusauth.ParseCredentials([]byte(w.sa.CredentialsJSON.Reveal()), "credentials.json"); err != nil {
		t.Fatal(err)
	}
	if w.md, err = iamtest.NewNebiusMetadataServer(func(o *iamtest.NebiusMetadataOptions) {
		o.Registry, o.ServiceAccountID = w.reg, w.sa.ID
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.md.Close)
	w.closedMD = "http://" + loopbacktest.Refused(t)
	w.vmFile = filepath.Join(t.TempDir(), "cloud-metadata", "token")
	w.env = map[string]string{
		"HOME":                          w.home,
		nebiusauth.EnvMetadataURL:       w.closedMD,
		nebiusauth.EnvMetadataTokenFile: w.vmFile,
	}
	return w
}

func (w *chainWorld) getenv(k string) string { return w.env[k] }

// load runs the chain with the world's environment, its exchanges going to
// the emulator through the address overrides.
func (w *chainWorld) load(t *testing.T, optFns ...func(*nebius.LoadOptions)) (*nebius.Config, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg, err := nebius.LoadDefaultConfig(ctx, append([]func(*nebius.LoadOptions){func(o *nebius.LoadOptions) {
		o.Getenv = w.getenv
		o.ClientOptions = []func(*nebius.Options){w.emu.ClientOptions()}
	}}, optFns...)...)
	if cfg != nil {
		t.Cleanup(func() { cfg.Close() })
	}
	return cfg, err
}

// mustLoad runs the chain and checks that its configuration works: a
// client made from it lists the access keys of a project, and its token
// acts as wantSA.
func (w *chainWorld) mustLoad(t *testing.T, wantSA string, optFns ...func(*nebius.LoadOptions)) *nebius.Config {
	t.Helper()
	cfg, err := w.load(t, optFns...)
	if err != nil {
		t.Fatal(err)
	}
	c, err := nebius.New(cfg.TokenSource, cfg.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !strings.HasPrefix(c.Address(), "127.0.0.1:") {
		t.Fatalf("%v: the client goes to %s, not the emulator", cfg, c.Address())
	}
	req := nebius.ListRequest{}
	if cfg.ParentID == "" {
		req.ParentID = w.sa.ProjectID
	} else if c.ProjectID() != cfg.ParentID {
		t.Fatalf("client project %q, want the profile's parent-id %q", c.ProjectID(), cfg.ParentID)
	}
	ctx := ctxT(t)
	if _, err := c.AccessKeys().ListPage(ctx, req); err != nil {
		t.Fatalf("%v: a call with the configuration failed: %v", cfg, err)
	}
	tok, err := auth.TokenFrom(ctx, cfg.TokenSource)
	if err != nil {
		t.Fatal(err)
	}
	if sub, ok := w.reg.ValidateToken(tok.Value.Reveal(), nebiustest.TokenIssuer, time.Now()); !ok || sub != wantSA {
		t.Fatalf("%v: the token acts as %q (valid %v), want %q", cfg, sub, ok, wantSA)
	}
	return cfg
}

// writeConfig writes ~/.nebius/config.yaml under the world's HOME.
func (w *chainWorld) writeConfig(t *testing.T, data string) string {
	t.Helper()
	p := filepath.Join(w.home, ".nebius", "config.yaml")
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func (w *chainWorld) writeFile(t *testing.T, name, data string) string {
	t.Helper()
	p := filepath.Join(w.home, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// keyPEM is the service account's private key as PKCS#8 PEM.
func (w *chainWorld) keyPEM(t *testing.T) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(w.key.PrivateKey())
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func indentBlock(s string, n int) string {
	pad := strings.Repeat(" ", n)
	return pad + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+pad) + "\n"
}

// TestLoadDefaultConfigProfileServiceAccountKinds is done-when item (a): a
// config.yaml profile of each valid service-account kind gives a working
// configuration, its JWT (or external JWT) exchanged at the emulator's
// TokenExchangeService through the address overrides; parent-id becomes
// the client's default project.
func TestLoadDefaultConfigProfileServiceAccountKinds(t *testing.T) {
	w := newChainWorld(t)
	creds := w.writeFile(t, ".nebius/sa-credentials.json", w.sa.CredentialsJSON.Reveal())
	pemFile := w.writeFile(t, ".nebius/private.pem", w.keyPEM(t))

	issuer, err := nebiustest.NewOIDCIssuer("https://oidc.cluster.example")
	if err != nil {
		t.Fatal(err)
	}
	const k8sSubject = "system:serviceaccount:jobs:trainer"
	if err := w.emu.AddFederatedCredentials(nebiustest.FederatedCredentials{
		ServiceAccountID: w.sa.ID, IssuerURL: issuer.URL, FederatedSubjectID: k8sSubject, JWKSetJSON: issuer.JWKSetJSON(),
	}); err != nil {
		t.Fatal(err)
	}
	jwt, _ := issuer.IssueJWT(k8sSubject, "", time.Now(), time.Hour)
	jwtFile := w.writeFile(t, "k8s/token", jwt.Reveal()+"\n")

	sa := "    auth-type: service account\n    parent-id: " + w.sa.ProjectID + "\n    tenant-id: tenant-e00t\n"
	for _, tc := range []struct{ name, profile, detail string }{
		{"service-account-credentials-file-path", sa + "    service-account-credentials-file-path: ~/.nebius/sa-credentials.json\n",
			"service-account-credentials-file-path " + creds + ": key " + w.sa.KeyID},
		{"private-key", sa + "    service-account-id: " + w.sa.ID + "\n    public-key-id: " + w.sa.KeyID + "\n    private-key: |\n" + indentBlock(w.keyPEM(t), 6),
			"private-key: key " + w.sa.KeyID},
		{"private-key-file-path", sa + "    service-account-id: " + w.sa.ID + "\n    public-key-id: " + w.sa.KeyID + "\n    private-key-file-path: " + pemFile + "\n",
			"private-key-file-path " + pemFile + ": key " + w.sa.KeyID},
		{"federated-subject-credentials-file-path", sa + "    service-account-id: " + w.sa.ID + "\n    federated-subject-credentials-file-path: " + jwtFile + "\n",
			"federated subject credentials " + jwtFile + " for service account " + w.sa.ID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := w.writeConfig(t, "default: prod\nprofiles:\n  prod:\n"+tc.profile+"  other:\n    auth-type: federation\n")
			before := w.emu.Calls("TokenExchangeService/Exchange")
			cfg := w.mustLoad(t, w.sa.ID)
			if cfg.Source.Kind != auth.SourceProfile || cfg.Source.Name != `"prod"` || !strings.HasPrefix(cfg.Source.Detail, file+": ") ||
				!strings.Contains(cfg.Source.Detail, tc.detail) {
				t.Fatalf("source %v, want it to say %q", cfg.Source, tc.detail)
			}
			if cfg.ParentID != w.sa.ProjectID || cfg.TenantID != "tenant-e00t" || cfg.ServiceAccountID != w.sa.ID || cfg.Domain != nebius.DefaultDomain {
				t.Fatalf("config %v (sa %q)", cfg, cfg.ServiceAccountID)
			}
			if n := w.emu.Calls("TokenExchangeService/Exchange") - before; n != 1 {
				t.Fatalf("%d exchanges at the emulator, want 1", n)
			}
			s := fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg.String())
			if strings.Contains(s, "PRIVATE KEY") || strings.Contains(s, jwt.Reveal()) {
				t.Fatal("printing the Config shows a secret")
			}
		})
	}
	if n := w.md.Calls(iamtest.NebiusMetadataTokenPath); n != 0 {
		t.Fatalf("the metadata service was asked %d times", n)
	}
}

// TestLoadDefaultConfigTokenFile is done-when item (b): a profile's
// token-file, read again when it changes (on the injected clock).
func TestLoadDefaultConfigTokenFile(t *testing.T) {
	w := newChainWorld(t)
	first := w.emu.IssueToken(w.sa.ID, time.Hour)
	path := w.writeFile(t, "run/token", first+"\n")
	w.writeConfig(t, "profiles:\n  vm:\n    token-file: ~/run/token\n    parent-id: "+w.sa.ProjectID+"\n    auth-type: federation\n")
	clk := iamtest.NewFakeClock(time.Now())
	cfg := w.mustLoad(t, w.sa.ID, func(o *nebius.LoadOptions) { o.Clock = clk })
	if cfg.Source.Kind != auth.SourceProfile || !strings.Contains(cfg.Source.Detail, "token-file "+path) {
		t.Fatalf("source %v", cfg.Source)
	}
	// A new login writes another token: served once the check interval
	// has passed on the clock.
	second := w.emu.IssueToken("serviceaccount-e00relogin", time.Hour)
	w.writeFile(t, "run/token", second)
	ctx := ctxT(t)
	if tok, _ := auth.TokenFrom(ctx, cfg.TokenSource); tok.Value.Reveal() != first {
		t.Fatal("the file was read again before the check interval")
	}
	clk.Advance(nebiusauth.DefaultTokenFileCheckInterval)
	if tok, _ := auth.TokenFrom(ctx, cfg.TokenSource); tok.Value.Reveal() != second {
		t.Fatal("the new token was not read after the check interval")
	}
	// Configured but broken: a token-file that cannot be read.
	file := w.writeConfig(t, "profiles:\n  vm:\n    token-file: "+path+".gone\n")
	_, err := w.load(t)
	if err == nil || errors.Is(err, auth.ErrNoCredentials) || !strings.Contains(err.Error(), `profile "vm" in `+file+": token-file") ||
		!strings.Contains(err.Error(), path+".gone") {
		t.Fatalf("missing token-file: %v", err)
	}
}

// TestLoadDefaultConfigTokenEndpoint: a profile's token-endpoint is a
// metadata token URL, as gosdk reads it.
func TestLoadDefaultConfigTokenEndpoint(t *testing.T) {
	w := newChainWorld(t)
	w.writeConfig(t, "profiles:\n  p:\n    token-endpoint: "+w.md.TokenURL+"\n")
	cfg := w.mustLoad(t, w.sa.ID)
	if cfg.Source.Kind != auth.SourceProfile || !strings.Contains(cfg.Source.Detail, "token-endpoint "+w.md.TokenURL) {
		t.Fatalf("source %v", cfg.Source)
	}
	file := w.writeConfig(t, "profiles:\n  p:\n    token-endpoint: metadata.nebius.internal\n")
	if _, err := w.load(t); err == nil || !strings.Contains(err.Error(), `profile "p" in `+file+": token-endpoint") {
		t.Fatalf("bad token-endpoint: %v", err)
	}
}

// TestLoadDefaultConfigMetadata is done-when item (c): on a "VM" (the
// metadata emulator at IAMKIT_NEBIUS_METADATA_URL) with nothing else
// configured.
func TestLoadDefaultConfigMetadata(t *testing.T) {
	w := newChainWorld(t)
	w.env[nebiusauth.EnvMetadataURL] = w.md.TokenURL
	cfg := w.mustLoad(t, w.sa.ID)
	if cfg.Source.Kind != auth.SourceMetadata || cfg.Source.Name != w.md.TokenURL || cfg.Domain != nebius.DefaultDomain || cfg.ParentID != "" {
		t.Fatalf("config %v", cfg)
	}
	// The token probed with is the one served: one metadata request.
	if n := w.md.Calls(iamtest.NebiusMetadataTokenPath); n != 1 {
		t.Fatalf("%d metadata requests, want 1", n)
	}
	// The option wins over the variable.
	w.env[nebiusauth.EnvMetadataURL] = w.closedMD
	cfg = w.mustLoad(t, w.sa.ID, func(o *nebius.LoadOptions) { o.MetadataURL = w.md.URL })
	if cfg.Source.Kind != auth.SourceMetadata || cfg.Source.Name != w.md.TokenURL {
		t.Fatalf("option: %v", cfg)
	}
	// A profile without credentials is skipped; its settings apply.
	w.env[nebiusauth.EnvMetadataURL] = w.md.TokenURL
	w.writeConfig(t, "profiles:\n  settings:\n    parent-id: "+w.sa.ProjectID+"\n    tenant-id: tenant-e00vm\n")
	cfg = w.mustLoad(t, w.sa.ID)
	if cfg.Source.Kind != auth.SourceMetadata || cfg.ParentID != w.sa.ProjectID || cfg.TenantID != "tenant-e00vm" {
		t.Fatalf("profile without credentials: %v", cfg)
	}
}

// TestLoadDefaultConfigMetadataTokenFile: with no config file and no
// answering metadata service, the VM's token file is used, as gosdk uses
// /mnt/cloud-metadata/token; with a config file, it is not.
func TestLoadDefaultConfigMetadataTokenFile(t *testing.T) {
	w := newChainWorld(t)
	if err := os.MkdirAll(filepath.Dir(w.vmFile), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(w.vmFile, []byte(w.emu.IssueToken(w.sa.ID, time.Hour)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := w.mustLoad(t, w.sa.ID)
	if cfg.Source.Kind != auth.SourceTokenFile || cfg.Source.Name != w.vmFile || !strings.Contains(cfg.Source.Detail, "no metadata service") {
		t.Fatalf("config %v", cfg)
	}
	// A metadata service that answers with an error: the token file
	// still serves, and the Source says why the service did not.
	w.env[nebiusauth.EnvMetadataURL] = w.md.TokenURL
	w.md.Faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Status: 403, Times: -1})
	cfg = w.mustLoad(t, w.sa.ID)
	if cfg.Source.Kind != auth.SourceTokenFile || !strings.Contains(cfg.Source.Detail, "403") {
		t.Fatalf("config %v", cfg)
	}
	w.md.Faults.Clear()
	// The option names another file.
	cfg = w.mustLoad(t, w.sa.ID, func(o *nebius.LoadOptions) { o.MetadataURL = w.closedMD; o.MetadataTokenFile = w.vmFile })
	if cfg.Source.Name != w.vmFile {
		t.Fatalf("option: %v", cfg)
	}

	// A config file exists (with no credentials): the token file is not
	// used, and the error says so.
	w.env[nebiusauth.EnvMetadataURL] = w.closedMD
	file := w.writeConfig(t, "profiles:\n  p:\n    parent-id: project-e00x\n")
	_, err := w.load(t)
	var nc *auth.NoCredentialsError
	if !errors.As(err, &nc) || len(nc.Tried) != 4 || nc.Tried[3].Kind != auth.SourceTokenFile ||
		!strings.Contains(nc.Tried[3].Detail, "not used: "+file+" exists") {
		t.Fatalf("with a config file: %v", err)
	}
	// A broken token file stops the chain, naming it.
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(w.vmFile, []byte("a\nb\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := w.load(t); err == nil || errors.Is(err, auth.ErrNoCredentials) || !strings.Contains(err.Error(), w.vmFile) {
		t.Fatalf("broken token file: %v", err)
	}
}

// TestLoadDefaultConfigMetadataFailures: a VM without service account is
// skipped; a metadata service that answers with errors, or not at all, is
// configured but broken.
func TestLoadDefaultConfigMetadataFailures(t *testing.T) {
	w := newChainWorld(t)
	w.env[nebiusauth.EnvMetadataURL] = w.md.TokenURL

	w.md.SetServiceAccount("")
	_, err := w.load(t)
	var nc *auth.NoCredentialsError
	if !errors.As(err, &nc) || !strings.Contains(err.Error(), "no service account is attached to the VM") {
		t.Fatalf("no service account: err = %v", err)
	}
	w.md.SetServiceAccount(w.sa.ID)

	w.md.Faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Status: 403, Times: -1})
	if _, err = w.load(t); err == nil || errors.Is(err, auth.ErrNoCredentials) || !strings.Contains(err.Error(), w.md.TokenURL) ||
		!strings.Contains(err.Error(), "403") {
		t.Fatalf("403: err = %v", err)
	}
	w.md.Faults.Clear()

	w.md.Faults.Add(iamtest.Fault{Kind: iamtest.FaultHang, Times: -1})
	start := time.Now()
	_, err = w.load(t, func(o *nebius.LoadOptions) { o.MetadataTimeout = 100 * time.Millisecond })
	if err == nil || !strings.Contains(err.Error(), "gave no token within 100ms") || !strings.Contains(err.Error(), w.md.TokenURL) {
		t.Fatalf("hang: err = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("a hanging metadata service held the chain %v", d)
	}
	w.md.Faults.Clear()
	// One 503, retried within the bound, is no failure.
	w.md.Faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Status: 503})
	w.mustLoad(t, w.sa.ID)
}

// TestLoadDefaultConfigEnvToken: NEBIUS_IAM_TOKEN comes first; the
// profile's settings still apply, its credentials are not read.
func TestLoadDefaultConfigEnvToken(t *testing.T) {
	w := newChainWorld(t)
	w.env[nebiusauth.EnvIAMToken] = " " + w.emu.IssueToken(w.sa.ID, time.Hour) + "\n"
	w.env[nebiusauth.EnvMetadataURL] = w.md.TokenURL
	cfg := w.mustLoad(t, w.sa.ID)
	if cfg.Source.Kind != auth.SourceEnv || cfg.Source.Name != nebiusauth.EnvIAMToken {
		t.Fatalf("source %v", cfg.Source)
	}
	// Over a profile with credentials (broken ones: never read) and the
	// metadata service; the profile's parent-id applies.
	w.writeConfig(t, "profiles:\n  p:\n    auth-type: federation\n    parent-id: "+w.sa.ProjectID+"\n")
	cfg = w.mustLoad(t, w.sa.ID)
	if cfg.Source.Kind != auth.SourceEnv || cfg.ParentID != w.sa.ProjectID {
		t.Fatalf("with a profile: %v", cfg)
	}
	if n := w.md.Calls(iamtest.NebiusMetadataTokenPath); n != 0 {
		t.Fatalf("the metadata service was asked %d times", n)
	}
	// A config file that is not YAML is broken, also with the variable
	// set (gosdk reads the profile first, too).
	file := w.writeConfig(t, "profiles: [\n")
	if _, err := w.load(t); err == nil || !strings.Contains(err.Error(), file) {
		t.Fatalf("broken config with NEBIUS_IAM_TOKEN: %v", err)
	}
}

// TestLoadDefaultConfigProfileChoice: LoadOptions.Profile over
// NEBIUS_PROFILE over the file's default; a named profile must exist.
func TestLoadDefaultConfigProfileChoice(t *testing.T) {
	w := newChainWorld(t)
	w.env[nebiusauth.EnvIAMToken] = w.emu.IssueToken(w.sa.ID, time.Hour)
	file := w.writeConfig(t, "default: a\nprofiles:\n  a:\n    parent-id: project-e00a\n  b:\n    parent-id: project-e00b\n  c:\n    parent-id: project-e00c\n")
	for _, tc := range []struct {
		env, opt, want string
	}{{"", "", "project-e00a"}, {" b ", "", "project-e00b"}, {"b", "c", "project-e00c"}} {
		w.env[nebiusauth.EnvProfile] = tc.env
		cfg, err := w.load(t, func(o *nebius.LoadOptions) { o.Profile = tc.opt })
		if err != nil || cfg.ParentID != tc.want {
			t.Errorf("NEBIUS_PROFILE %q, option %q: %v %v; want %s", tc.env, tc.opt, cfg, err, tc.want)
		}
	}
	w.env[nebiusauth.EnvProfile] = "gone"
	if _, err := w.load(t); err == nil || !strings.Contains(err.Error(), `profile "gone" is not in `+file) || !strings.Contains(err.Error(), "NEBIUS_PROFILE") {
		t.Fatalf("missing profile: %v", err)
	}
	// A named profile needs the file.
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	if _, err := w.load(t); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("named profile without file: %v", err)
	}
	delete(w.env, nebiusauth.EnvProfile)
	if _, err := w.load(t, func(o *nebius.LoadOptions) { o.ConfigFile = file }); err == nil || !strings.Contains(err.Error(), file) {
		t.Fatalf("ConfigFile that does not exist: %v", err)
	}
	w.writeConfig(t, "profiles:\n  a: {}\n  b: {}\n")
	if _, err := w.load(t); err == nil || !strings.Contains(err.Error(), "names no default profile") {
		t.Fatalf("two profiles, no default: %v", err)
	}
}

// TestLoadDefaultConfigBrokenProfiles: a profile that is configured but
// unusable stops the chain with an error naming the file, the profile and
// the key, although the metadata service would answer.
func TestLoadDefaultConfigBrokenProfiles(t *testing.T) {
	w := newChainWorld(t)
	w.env[nebiusauth.EnvMetadataURL] = w.md.TokenURL
	const sa = "    auth-type: service account\n"
	for _, tc := range []struct {
		name, data string
		want       []string
	}{
		{"federation", "profiles:\n  p:\n    auth-type: federation\n    federation-endpoint: auth.eu.nebius.com\n",
			[]string{"profiles.p.auth-type", `profile "p" signs in through a federation`, "browser login"}},
		{"incomplete", "profiles:\n  p:\n" + sa + "    service-account-id: serviceaccount-e00x\n",
			[]string{"profiles.p", "incomplete service account configuration: provide either (service-account-id, federated-subject-credentials-file-path) OR"}},
		{"no auth-type", "profiles:\n  p:\n    service-account-credentials-file-path: /c.json\n", []string{"profiles.p.auth-type", "unsupported auth type"}},
		{"credentials file with ids", "profiles:\n  p:\n" + sa + "    service-account-credentials-file-path: /c.json\n    public-key-id: k\n",
			[]string{"profiles.p.service-account-credentials-file-path", "public-key-id"}},
		{"missing credentials file", "profiles:\n  p:\n" + sa + "    service-account-credentials-file-path: /nonexistent/c.json\n",
			[]string{`profile "p"`, "service-account-credentials-file-path", "/nonexistent/c.json"}},
		{"missing key file", "profiles:\n  p:\n" + sa + "    service-account-id: s\n    public-key-id: k\n    private-key-file-path: /nonexistent/k.pem\n",
			[]string{`profile "p"`, "private-key-file-path", "/nonexistent/k.pem"}},
		{"bad inline key", "profiles:\n  p:\n" + sa + "    service-account-id: s\n    public-key-id: k\n    private-key: canary-not-a-pem\n",
			[]string{"profiles.p.private-key"}},
		{"missing federated file", "profiles:\n  p:\n" + sa + "    service-account-id: s\n    federated-subject-credentials-file-path: /nonexistent/jwt\n",
			[]string{`profile "p"`, "federated-subject-credentials-file-path", "/nonexistent/jwt"}},
		{"bad key type", "profiles:\n  p:\n    parent-id: [a, b]\n", []string{"profiles.p.parent-id", "line 3"}},
		{"not YAML", "profiles: [\n", []string{"not a valid Nebius config YAML file"}},
		{"default missing", "default: gone\nprofiles:\n  p: {}\n", []string{`default profile "gone"`}},
	} {
		file := w.writeConfig(t, tc.data)
		_, err := w.load(t)
		if err == nil || errors.Is(err, auth.ErrNoCredentials) {
			t.Errorf("%s: err = %v, want the profile's error", tc.name, err)
			continue
		}
		for _, want := range append(tc.want, file) {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: err = %v, want it to say %q", tc.name, err, want)
			}
		}
		if strings.Contains(err.Error(), "canary") {
			t.Errorf("%s: the error quotes a value: %v", tc.name, err)
		}
	}
	if n := w.md.Calls(iamtest.NebiusMetadataTokenPath); n != 0 {
		t.Fatalf("the metadata service was asked %d times after a broken profile", n)
	}
}

// TestLoadDefaultConfigNothingFound: no variable, no config file, no
// metadata service, no VM token file: one error listing every source and
// why it was skipped, quickly.
func TestLoadDefaultConfigNothingFound(t *testing.T) {
	w := newChainWorld(t)
	start := time.Now()
	_, err := w.load(t)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("the chain took %v without any source", d)
	}
	var nc *auth.NoCredentialsError
	if !errors.As(err, &nc) || !errors.Is(err, auth.ErrNoCredentials) || nc.Provider != iam.Nebius {
		t.Fatalf("err = %v, want a NoCredentialsError", err)
	}
	want := []auth.Source{
		{Kind: "env", Name: "NEBIUS_IAM_TOKEN", Detail: "not set"},
		{Kind: "profile", Name: filepath.Join(w.home, ".nebius", "config.yaml"), Detail: "no such file"},
		{Kind: "metadata", Name: w.closedMD + nebiusauth.MetadataTokenPath},
		{Kind: "token-file", Name: w.vmFile, Detail: "no such file"},
	}
	if len(nc.Tried) != len(want) {
		t.Fatalf("tried %v, want %d sources", nc.Tried, len(want))
	}
	for i, s := range nc.Tried {
		if s.Kind != want[i].Kind || s.Name != want[i].Name || (want[i].Detail != "" && s.Detail != want[i].Detail) {
			t.Errorf("tried[%d] = %v, want %v", i, s, want[i])
		}
	}
	if !strings.Contains(nc.Tried[2].Detail, "no metadata service at "+strings.TrimPrefix(w.closedMD, "http://")) ||
		!strings.Contains(nc.Tried[2].Detail, "refused") {
		t.Errorf("metadata reason %q", nc.Tried[2].Detail)
	}

	// No HOME and skipped metadata; an empty config file.
	delete(w.env, "HOME")
	_, err = w.load(t, func(o *nebius.LoadOptions) { o.SkipMetadata = true })
	if !errors.As(err, &nc) || !strings.Contains(err.Error(), "no home directory") || !strings.Contains(err.Error(), "SkipMetadata") || len(nc.Tried) != 4 {
		t.Fatalf("no HOME, no metadata: err = %v", err)
	}
	w.env["HOME"] = w.home
	w.writeConfig(t, "# nebius profile create was never run\n")
	if _, err = w.load(t); !errors.As(err, &nc) || !strings.Contains(err.Error(), "has no profiles") {
		t.Fatalf("empty config: err = %v", err)
	}
}

// TestLoadDefaultConfigDefaultMetadataURL: without any override the chain
// probes metadata.nebius.internal:80, and the test guard (TestMain's, here
// a hook of this test) refuses it before a name is resolved or a packet
// sent: the chain reports the metadata service as absent.
func TestLoadDefaultConfigDefaultMetadataURL(t *testing.T) {
	w := newChainWorld(t)
	delete(w.env, nebiusauth.EnvMetadataURL)
	var (
		mu   sync.Mutex
		seen []string
	)
	restore := chaindial.SetHook(func(_, addr string) error {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, addr)
		return errors.New("refused by the test")
	})
	defer restore()
	_, err := w.load(t)
	if !errors.Is(err, auth.ErrNoCredentials) || !strings.Contains(err.Error(), nebiusauth.DefaultMetadataURL) {
		t.Fatalf("err = %v", err)
	}
	if len(seen) != 1 || seen[0] != "metadata.nebius.internal:80" {
		t.Fatalf("dialled %q, want one refused dial of metadata.nebius.internal:80", seen)
	}
}

// recordingResolver resolves every name of the "passthrough" scheme (the
// clients' targets) to addr and
// records the names, standing for DNS in a test of the domain rule.
type recordingResolver struct {
	addr string
	mu   *sync.Mutex
	seen *[]string
}

func (r recordingResolver) Build(t resolver.Target, cc resolver.ClientConn, _ resolver.BuildOptions) (resolver.Resolver, error) {
	r.mu.Lock()
	*r.seen = append(*r.seen, t.Endpoint())
	r.mu.Unlock()
	if err := cc.UpdateState(resolver.State{Addresses: []resolver.Address{{Addr: r.addr}}}); err != nil {
		return nil, err
	}
	return r, nil
}
func (recordingResolver) Scheme() string                        { return "passthrough" }
func (recordingResolver) ResolveNow(resolver.ResolveNowOptions) {}
func (recordingResolver) Close()                                {}

// TestLoadDefaultConfigDomain: NEBIUS_ENDPOINT overrides the profile's
// endpoint and moves both the token exchange (tokens.iam.<domain>) and the
// IAM client (cpl.iam.<domain>), end to end over TLS with the emulator
// standing for that domain; LoadOptions.Domain comes first; a bad domain
// is an error naming where it came from.
func TestLoadDefaultConfigDomain(t *testing.T) {
	reg := iamtest.NewRegistry()
	emu, err := nebiustest.New(func(o *nebiustest.Options) { o.Registry, o.TLS, o.Domain = reg, true, "nebius.test" })
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	sa, err := emu.NewServiceAccount("")
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	creds := filepath.Join(home, "creds.json")
	if err := os.WriteFile(creds, []byte(sa.CredentialsJSON.Reveal()), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgFile := filepath.Join(home, ".nebius", "config.yaml")
	_ = os.MkdirAll(filepath.Dir(cfgFile), 0o700)
	_ = os.WriteFile(cfgFile, []byte("profiles:\n  p:\n    endpoint: api.profile.test\n    auth-type: service account\n"+
		"    service-account-credentials-file-path: "+creds+"\n    parent-id: "+sa.ProjectID+"\n"), 0o600)
	env := map[string]string{"HOME": home, nebius.EnvEndpoint: " nebius.test\n", nebiusauth.EnvMetadataURL: "http://" + loopbacktest.Refused(t)}
	var (
		mu   sync.Mutex
		seen []string
	)
	viaEmulator := func(o *nebius.Options) {
		o.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: emu.RootCAs()}
		o.DialOptions = append(o.DialOptions, grpc.WithResolvers(recordingResolver{addr: emu.Addr, mu: &mu, seen: &seen}))
	}
	load := func(optFns ...func(*nebius.LoadOptions)) (*nebius.Config, error) {
		return nebius.LoadDefaultConfig(ctxT(t), append([]func(*nebius.LoadOptions){func(o *nebius.LoadOptions) {
			o.Getenv = func(k string) string { return env[k] }
			o.ClientOptions = []func(*nebius.Options){viaEmulator}
		}}, optFns...)...)
	}
	cfg, err := load()
	if err != nil {
		t.Fatal(err)
	}
	defer cfg.Close()
	if cfg.Domain != "nebius.test" {
		t.Fatalf("domain %q, want NEBIUS_ENDPOINT's over the profile's", cfg.Domain)
	}
	c, err := nebius.New(cfg.TokenSource, cfg.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.AccessKeys().ListPage(ctxT(t), nebius.ListRequest{}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	got := strings.Join(seen, ",")
	mu.Unlock()
	if got != "tokens.iam.nebius.test:443,cpl.iam.nebius.test:443" {
		t.Fatalf("names resolved: %s; want the exchange, then the IAM service, both under NEBIUS_ENDPOINT", got)
	}

	// Without the variable: the profile's endpoint; with the option: the
	// option's.
	delete(env, nebius.EnvEndpoint)
	for _, tc := range []struct {
		opt, want string
	}{{"", "api.profile.test"}, {"api.option.test", "api.option.test"}} {
		cfg, err := load(func(o *nebius.LoadOptions) { o.Domain = tc.opt })
		if err != nil || cfg.Domain != tc.want {
			t.Fatalf("option %q: %v %v, want domain %s", tc.opt, cfg, err, tc.want)
		}
		cfg.Close()
	}
	env[nebius.EnvEndpoint] = "bad domain/x"
	if _, err := load(); err == nil || !strings.Contains(err.Error(), "NEBIUS_ENDPOINT") {
		t.Fatalf("bad NEBIUS_ENDPOINT: %v", err)
	}
}

// TestLoadDefaultConfigImpersonation: the profile's
// impersonate-service-account-id (or the option) wraps the source found,
// and the emulator issues the target's token only with a grant.
func TestLoadDefaultConfigImpersonation(t *testing.T) {
	w := newChainWorld(t)
	const target = "serviceaccount-e00target"
	creds := w.writeFile(t, "creds.json", w.sa.CredentialsJSON.Reveal())
	w.writeConfig(t, "profiles:\n  p:\n    auth-type: service account\n    service-account-credentials-file-path: "+creds+
		"\n    impersonate-service-account-id: "+target+"\n    parent-id: "+w.sa.ProjectID+"\n")
	// Without a grant, the first token fails: PERMISSION_DENIED.
	cfg, err := w.load(t)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auth.TokenFrom(ctxT(t), cfg.TokenSource); !errors.Is(err, iam.ErrPermissionDenied) {
		t.Fatalf("without a grant: %v", err)
	}
	w.emu.AllowImpersonation(w.sa.ID, target)
	cfg = w.mustLoad(t, target)
	if cfg.ServiceAccountID != target || !strings.HasSuffix(cfg.Source.Detail, ", impersonating "+target) {
		t.Fatalf("config %v (sa %q)", cfg, cfg.ServiceAccountID)
	}
	// The option over the profile, wrapping NEBIUS_IAM_TOKEN as gosdk does.
	const other = "serviceaccount-e00other"
	w.emu.AllowImpersonation(w.sa.ID, other)
	w.env[nebiusauth.EnvIAMToken] = w.emu.IssueToken(w.sa.ID, time.Hour)
	cfg = w.mustLoad(t, other, func(o *nebius.LoadOptions) { o.ImpersonateServiceAccountID = other })
	if cfg.Source.Kind != auth.SourceEnv || cfg.ServiceAccountID != other {
		t.Fatalf("option: %v", cfg)
	}
}

// TestLoadDefaultConfigLeavesNothing: a chain run and its Config leave no
// goroutine after Close.
func TestLoadDefaultConfigLeavesNothing(t *testing.T) {
	w := newChainWorld(t)
	creds := w.writeFile(t, "creds.json", w.sa.CredentialsJSON.Reveal())
	w.env[nebiusauth.EnvMetadataURL] = w.md.TokenURL
	ignore := goleak.IgnoreCurrent()
	for _, data := range []string{
		"profiles:\n  p:\n    auth-type: service account\n    service-account-credentials-file-path: " + creds + "\n",
		"profiles:\n  p:\n    auth-type: service account\n    service-account-credentials-file-path: " + creds + "\n    impersonate-service-account-id: " + w.sa.ID + "\n",
		"profiles:\n  p: {}\n", // the metadata service
	} {
		w.emu.AllowImpersonation(w.sa.ID, w.sa.ID)
		w.writeConfig(t, data)
		cfg, err := nebius.LoadDefaultConfig(ctxT(t), func(o *nebius.LoadOptions) {
			o.Getenv = w.getenv
			o.ClientOptions = []func(*nebius.Options){w.emu.ClientOptions()}
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := auth.TokenFrom(ctxT(t), cfg.TokenSource); err != nil {
			t.Fatal(err)
		}
		if err := cfg.Close(); err != nil {
			t.Fatal(err)
		}
	}
	goleak.VerifyNone(t, ignore)
}
