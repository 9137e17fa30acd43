package yandex_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
	"github.com/iamkit/iamkit/iam/yandex"
	"github.com/iamkit/iamkit/internal/chaindial"
	"github.com/iamkit/iamkit/internal/loopback/loopbacktest"
)

// world is a Yandex Cloud of emulators on loopback: the IAM REST API, the
// token service, a VM's metadata service, all sharing one Registry, and a
// "gateway" standing for the Cloud API endpoint (api.cloud.yandex.net): it
// lists the endpoints (GET /endpoints, naming itself for iam and
// operation) and passes /iam/v1/tokens to the token service and the rest
// to the IAM API, as the real iam.api.cloud.yandex.net serves both.
type world struct {
	reg      *iamtest.Registry
	api      *yandextest.Server
	tokens   *iamtest.YandexTokenServer
	md       *iamtest.YandexMetadataServer
	gateway  *httptest.Server
	gwAddr   string // host:port, the value of a yc "endpoint"
	gwCalls  atomic.Int64
	keyJSON  []byte // an authorized key of the IAM API's default service account
	home     string // a HOME without a yc config file
	env      map[string]string
	closedMD string // a loopback address where no metadata service listens
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{reg: iamtest.NewRegistry(), home: t.TempDir()}
	{
		var err error
		if w.api, err = yandextest.New(func(o *yandextest.Options) { o.Registry = w.reg }); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(w.api.Close)
	{
		var err error
		if w.tokens, err = iamtest.NewYandexTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = w.reg }); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(w.tokens.Close)
	md, err := iamtest.NewYandexMetadataServer(func(o *iamtest.YandexMetadataOptions) { o.Registry = w.reg })
	if err != nil {
		t.Fatal(err)
	}
	w.md = md
	t.Cleanup(md.Close)
	if w.keyJSON, err = w.api.BootstrapKeyFile(); err != nil {
		t.Fatal(err)
	}
	proxy := func(target string) http.Handler {
		u, _ := url.Parse(target)
		return httputil.NewSingleHostReverseProxy(u)
	}
	toAPI, toTokens := proxy(w.api.URL), proxy(strings.TrimSuffix(w.tokens.URL, iamtest.YandexTokenPath))
	w.gateway = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.gwCalls.Add(1)
		switch r.URL.Path {
		case "/endpoints":
			host := strings.TrimPrefix(w.gateway.URL, "http://")
			_ = json.NewEncoder(rw).Encode(map[string]any{"endpoints": []map[string]string{
				{"id": "iam", "address": host}, {"id": "operation", "address": host}, {"id": "compute", "address": "compute.invalid:443"},
			}})
		case iamtest.YandexTokenPath:
			toTokens.ServeHTTP(rw, r)
		default:
			toAPI.ServeHTTP(rw, r)
		}
	}))
	t.Cleanup(w.gateway.Close)
	w.gwAddr = strings.TrimPrefix(w.gateway.URL, "http://")
	w.closedMD = loopbacktest.Refused(t)
	w.env = map[string]string{"HOME": w.home, yandexauth.EnvMetadataAddr: w.closedMD}
	return w
}

func (w *world) getenv(k string) string { return w.env[k] }

// load runs the chain with the world's environment.
func (w *world) load(t *testing.T, optFns ...func(*yandex.LoadOptions)) (*yandex.Config, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg, err := yandex.LoadDefaultConfig(ctx, append([]func(*yandex.LoadOptions){func(o *yandex.LoadOptions) { o.Getenv = w.getenv }}, optFns...)...)
	if cfg != nil {
		t.Cleanup(func() { cfg.Close() })
	}
	return cfg, err
}

// mustLoad runs the chain and checks that its configuration works: a
// client made from it lists the API keys of the default service account.
func (w *world) mustLoad(t *testing.T, optFns ...func(*yandex.LoadOptions)) *yandex.Config {
	t.Helper()
	cfg, err := w.load(t, optFns...)
	if err != nil {
		t.Fatal(err)
	}
	// The calls must stay on loopback: a test that forgot the endpoint
	// would reach the real cloud.
	for _, e := range []string{cfg.Endpoint, cfg.OperationEndpoint} {
		if u, err := url.Parse(e); err != nil || !strings.HasPrefix(u.Host, "127.0.0.1:") {
			t.Fatalf("%v: endpoint %q is not an emulator's", cfg, e)
		}
	}
	if err := listAPIKeys(cfg, w.api.ServiceAccountID()); err != nil {
		t.Fatalf("%v: a request with the configuration failed: %v", cfg, err)
	}
	return cfg
}

// listAPIKeys makes a client of cfg and makes one call.
func listAPIKeys(cfg *yandex.Config, sa string) error {
	c, err := yandex.New(cfg.TokenSource, cfg.ClientOptions())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = c.APIKeys().ListPage(ctx, yandex.ListAPIKeysRequest{ServiceAccountID: sa})
	return err
}

// writeYCConfig writes yc's config.yaml under the world's HOME.
func (w *world) writeYCConfig(t *testing.T, data string) string {
	t.Helper()
	p := filepath.Join(w.home, ".config", "yandex-cloud", "config.yaml")
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// profileKeyYAML is the bootstrap key as "yc config set
// service-account-key key.json" stores it in a profile.
func (w *world) profileKeyYAML(t *testing.T) string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal(w.keyJSON, &m); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("    service-account-key:\n")
	for _, k := range []string{"id", "service_account_id", "created_at", "key_algorithm"} {
		fmt.Fprintf(&b, "      %s: %q\n", k, m[k])
	}
	b.WriteString("      private_key: |\n")
	for _, line := range strings.Split(strings.TrimRight(m["private_key"], "\n"), "\n") {
		b.WriteString("        " + line + "\n")
	}
	return b.String()
}

func (w *world) writeKeyFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "key.json")
	if err := os.WriteFile(p, w.keyJSON, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadDefaultConfigEnvToken(t *testing.T) {
	w := newWorld(t)
	w.env[yandexauth.EnvToken] = w.api.IssueToken(w.api.ServiceAccountID(), 0)
	cfg := w.mustLoad(t, func(o *yandex.LoadOptions) { o.Endpoint = w.gwAddr })
	if cfg.Source.Kind != auth.SourceEnv || cfg.Source.Name != yandexauth.EnvToken {
		t.Fatalf("source %v", cfg.Source)
	}
	// YC_IAM_TOKEN first; it wins over a key file and a profile too.
	w.env[yandexauth.EnvIAMToken] = w.api.IssueToken(w.api.ServiceAccountID(), 0)
	w.env[yandexauth.EnvServiceAccountKeyFile] = w.writeKeyFile(t)
	w.writeYCConfig(t, "profiles:\n  default:\n"+w.profileKeyYAML(t))
	cfg = w.mustLoad(t, func(o *yandex.LoadOptions) { o.Endpoint = w.gwAddr })
	if cfg.Source.Name != yandexauth.EnvIAMToken || cfg.Endpoint != w.gateway.URL {
		t.Fatalf("source %v, endpoint %q", cfg.Source, cfg.Endpoint)
	}
	// An OAuth token stops the chain, naming the variable: no fall-through
	// to the key file.
	delete(w.env, yandexauth.EnvIAMToken)
	w.env[yandexauth.EnvToken] = "y0_AgAAAAcanaryOAuth"
	_, err := w.load(t)
	if err == nil || !strings.Contains(err.Error(), yandexauth.EnvToken) || !strings.Contains(err.Error(), "OAuth") ||
		strings.Contains(err.Error(), "canaryOAuth") {
		t.Fatalf("OAuth token in YC_TOKEN: err = %v", err)
	}
}

// TestLoadDefaultConfigKeyFileEnv is done-when item (e): a program with no
// key and no flags works from YC_SERVICE_ACCOUNT_KEY_FILE, the token
// exchange and the calls going where the endpoint says.
func TestLoadDefaultConfigKeyFileEnv(t *testing.T) {
	w := newWorld(t)
	path := w.writeKeyFile(t)
	w.env[yandexauth.EnvServiceAccountKeyFile] = path
	w.writeYCConfig(t, "profiles:\n  default:\n    token: y0_never-read\n") // step 3 is never reached
	cfg := w.mustLoad(t, func(o *yandex.LoadOptions) { o.Endpoint = w.gwAddr })
	if cfg.Source.Kind != auth.SourceKeyFile || cfg.Source.Name != path || cfg.ServiceAccountID != w.api.ServiceAccountID() {
		t.Fatalf("config %v (service account %q)", cfg, cfg.ServiceAccountID)
	}
	if cfg.Endpoint != w.gateway.URL || cfg.OperationEndpoint != w.gateway.URL || cfg.TokenEndpoint != w.gateway.URL+iamtest.YandexTokenPath {
		t.Fatalf("endpoints %q %q %q, want the gateway's", cfg.Endpoint, cfg.OperationEndpoint, cfg.TokenEndpoint)
	}
	if w.tokens.Calls("") != 1 {
		t.Fatalf("%d token exchanges, want 1", w.tokens.Calls(""))
	}

	// The key's JSON itself, as the Terraform provider accepts.
	w.env[yandexauth.EnvServiceAccountKeyFile] = string(w.keyJSON)
	cfg = w.mustLoad(t, func(o *yandex.LoadOptions) { o.Endpoint = w.gwAddr })
	if cfg.Source.Name != yandexauth.EnvServiceAccountKeyFile {
		t.Fatalf("inline key: source %v", cfg.Source)
	}

	// Configured but broken: the error names the variable and the file;
	// the profile is not tried.
	w.env[yandexauth.EnvServiceAccountKeyFile] = path + ".missing"
	if _, err := w.load(t); err == nil || !strings.Contains(err.Error(), yandexauth.EnvServiceAccountKeyFile) ||
		!strings.Contains(err.Error(), path+".missing") {
		t.Fatalf("missing key file: err = %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	_ = os.WriteFile(bad, []byte(`{"id": "k", "service_account_id": "s"}`), 0o600)
	w.env[yandexauth.EnvServiceAccountKeyFile] = bad
	if _, err := w.load(t); !errors.Is(err, auth.ErrMissingField) || !strings.Contains(err.Error(), bad+": private_key") {
		t.Fatalf("key file without private_key: err = %v", err)
	}
}

// TestLoadDefaultConfigProfile is done-when item (d): a yc profile with a
// service-account key; its folder-id becomes the Config's, its endpoint
// moves the token exchange and the calls.
func TestLoadDefaultConfigProfile(t *testing.T) {
	w := newWorld(t)
	file := w.writeYCConfig(t, "current: emu\n"+
		"profiles:\n"+
		"  emu:\n"+w.profileKeyYAML(t)+
		"    folder-id: b1gfolder0000000000\n"+
		"    cloud-id: b1gcloud00000000000\n"+
		"    endpoint: "+w.gwAddr+"\n"+
		"  other:\n"+
		"    token: y0_never-read\n")
	cfg := w.mustLoad(t)
	if cfg.Source.Kind != auth.SourceProfile || cfg.Source.Name != `"emu"` || !strings.Contains(cfg.Source.Detail, file) ||
		cfg.FolderID != "b1gfolder0000000000" || cfg.CloudID != "b1gcloud00000000000" || cfg.Endpoint != w.gateway.URL {
		t.Fatalf("config %v", cfg)
	}
	if w.tokens.Calls("") != 1 || w.gwCalls.Load() < 3 { // endpoints, token, list
		t.Fatalf("%d exchanges, %d gateway calls", w.tokens.Calls(""), w.gwCalls.Load())
	}
	s := cfg.String()
	for _, want := range []string{`profile "emu"`, file, "service-account-key", "folder b1gfolder0000000000", w.gateway.URL} {
		if !strings.Contains(s, want) {
			t.Errorf("String() = %q, want it to say %q", s, want)
		}
	}
	if strings.Contains(s+fmt.Sprintf("%+v %#v", cfg, cfg), "PRIVATE KEY") {
		t.Fatal("printing the Config shows the key")
	}

	// The profile named by option; a profile the file lacks is an error.
	if _, err := w.load(t, func(o *yandex.LoadOptions) { o.Profile = "other" }); err == nil ||
		!strings.Contains(err.Error(), `profile "other"`) || !strings.Contains(err.Error(), "OAuth") {
		t.Fatalf("OAuth profile: err = %v", err)
	}
	if _, err := w.load(t, func(o *yandex.LoadOptions) { o.Profile = "gone" }); err == nil ||
		!strings.Contains(err.Error(), `profile "gone" is not in `+file) {
		t.Fatalf("missing profile: err = %v", err)
	}
	// LoadOptions.Endpoint wins over the profile's: a bad one is an error
	// naming where it came from.
	if _, err := w.load(t, func(o *yandex.LoadOptions) { o.Endpoint = loopbacktest.Refused(t) }); err == nil ||
		!strings.Contains(err.Error(), "LoadOptions.Endpoint") {
		t.Fatalf("unreachable endpoint: err = %v", err)
	}
	w.writeYCConfig(t, "profiles:\n  emu:\n"+w.profileKeyYAML(t)+"    endpoint: "+loopbacktest.Refused(t)+"\n")
	if _, err := w.load(t); err == nil || !strings.Contains(err.Error(), `endpoint of profile "emu" in `+file) {
		t.Fatalf("unreachable profile endpoint: err = %v", err)
	}
}

// TestLoadDefaultConfigBrokenProfiles: a profile that is configured but
// unusable stops the chain with an error naming the file, the profile and
// the property, although the metadata service would answer.
func TestLoadDefaultConfigBrokenProfiles(t *testing.T) {
	w := newWorld(t)
	w.env[yandexauth.EnvMetadataAddr] = w.md.Addr
	for _, tc := range []struct {
		name, data string
		want       []string
	}{
		{"OAuth token", "current: p\nprofiles:\n  p:\n    token: y0_canary\n", []string{`profile "p"`, "(token)", "OAuth"}},
		{"federation", "current: p\nprofiles:\n  p:\n    federation-id: bpf000\n", []string{`profile "p"`, "(federation-id)", "browser"}},
		{"bad field", "current: p\nprofiles:\n  p:\n    folder-id: [a, b]\n", []string{"profiles.p.folder-id", "line 4"}},
		{"bad key", "current: p\nprofiles:\n  p:\n    service-account-key:\n      id: k\n      service_account_id: s\n",
			[]string{"profiles.p.service-account-key.private_key", "required field is missing"}},
		{"key of two accounts", "current: p\nprofiles:\n  p:\n" + strings.Replace(w.profileKeyYAML(t), "      service_account_id", "      user_account_id: u\n      service_account_id", 1),
			[]string{"profiles.p.service-account-key.user_account_id", "one account"}},
		{"current missing", "current: gone\nprofiles:\n  p: {}\n", []string{`current profile "gone"`}},
		{"two credentials", "profiles:\n  p:\n" + w.profileKeyYAML(t) + "    instance-service-account: true\n", []string{"together"}},
		{"not YAML", "profiles: [\n", []string{"not a valid yc config YAML file"}},
	} {
		file := w.writeYCConfig(t, tc.data)
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
			t.Errorf("%s: the error quotes the token: %v", tc.name, err)
		}
	}
	if n := w.md.Calls(iamtest.YandexMetadataTokenPath); n != 0 {
		t.Fatalf("the metadata service was asked %d times after a broken profile", n)
	}
	// A config file named by option must exist.
	if _, err := w.load(t, func(o *yandex.LoadOptions) { o.ConfigFile = filepath.Join(w.home, "nope.yaml") }); err == nil ||
		!strings.Contains(err.Error(), "nope.yaml") {
		t.Fatalf("missing ConfigFile: err = %v", err)
	}
}

// TestLoadDefaultConfigMetadata is done-when item (f): on a "VM" (the
// metadata emulator at YC_METADATA_ADDR) with nothing else configured.
func TestLoadDefaultConfigMetadata(t *testing.T) {
	w := newWorld(t)
	w.env[yandexauth.EnvMetadataAddr] = w.md.Addr
	cfg, err := w.load(t)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Source.Kind != auth.SourceMetadata || cfg.Source.Name != w.md.URL+yandexauth.MetadataTokenPath ||
		cfg.Endpoint != yandex.DefaultEndpoint || cfg.OperationEndpoint != yandex.DefaultOperationEndpoint {
		t.Fatalf("config %v", cfg)
	}
	cfg = w.mustLoad(t, func(o *yandex.LoadOptions) { o.Endpoint = w.gwAddr })
	// The token probed with is the one served: one metadata request.
	if n := w.md.Calls(iamtest.YandexMetadataTokenPath); n != 2 {
		t.Fatalf("%d metadata requests for two chain runs, want 2", n)
	}

	// The option wins over the variable.
	delete(w.env, yandexauth.EnvMetadataAddr)
	cfg = w.mustLoad(t, func(o *yandex.LoadOptions) { o.MetadataAddr = w.md.Addr; o.Endpoint = w.gwAddr })
	if cfg.Source.Kind != auth.SourceMetadata {
		t.Fatalf("config %v", cfg)
	}

	// A profile without credentials is skipped; its folder-id applies.
	w.env[yandexauth.EnvMetadataAddr] = w.md.Addr
	w.writeYCConfig(t, "profiles:\n  default:\n    folder-id: b1gvmfolder\n    endpoint: "+w.gwAddr+"\n")
	cfg = w.mustLoad(t)
	if cfg.Source.Kind != auth.SourceMetadata || cfg.FolderID != "b1gvmfolder" {
		t.Fatalf("profile without credentials: %v", cfg)
	}

	// A profile with instance-service-account uses the metadata service.
	file := w.writeYCConfig(t, "profiles:\n  vm:\n    instance-service-account: true\n    folder-id: b1gvm\n    endpoint: "+w.gwAddr+"\n")
	cfg = w.mustLoad(t)
	if cfg.Source.Kind != auth.SourceProfile || !strings.Contains(cfg.Source.Detail, "instance-service-account") || cfg.FolderID != "b1gvm" {
		t.Fatalf("instance-service-account profile: %v", cfg)
	}
	// … and requires it: without one, an error naming the profile.
	w.env[yandexauth.EnvMetadataAddr] = w.closedMD
	if _, err := w.load(t); err == nil || errors.Is(err, auth.ErrNoCredentials) ||
		!strings.Contains(err.Error(), `profile "vm" in `+file+" sets instance-service-account") {
		t.Fatalf("instance-service-account without metadata: err = %v", err)
	}
}

// TestLoadDefaultConfigMetadataFailures: a VM without service account is
// skipped; a metadata service that answers with errors, or not at all, is
// configured but broken.
func TestLoadDefaultConfigMetadataFailures(t *testing.T) {
	w := newWorld(t)
	w.env[yandexauth.EnvMetadataAddr] = w.md.Addr
	url := w.md.URL + yandexauth.MetadataTokenPath

	w.md.SetServiceAccount("")
	_, err := w.load(t)
	var nc *auth.NoCredentialsError
	if !errors.As(err, &nc) || !strings.Contains(err.Error(), "no service account is attached to the VM") {
		t.Fatalf("no service account: err = %v", err)
	}
	w.md.SetServiceAccount(iamtest.DefaultYandexMetadataServiceAccountID)

	w.md.Faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Status: 403, Times: -1})
	_, err = w.load(t)
	if err == nil || errors.Is(err, auth.ErrNoCredentials) || !strings.Contains(err.Error(), url) || !strings.Contains(err.Error(), "403") {
		t.Fatalf("403: err = %v", err)
	}
	w.md.Faults.Clear()

	w.md.Faults.Add(iamtest.Fault{Kind: iamtest.FaultHang, Times: -1})
	start := time.Now()
	_, err = w.load(t, func(o *yandex.LoadOptions) { o.MetadataTimeout = 100 * time.Millisecond })
	if err == nil || !strings.Contains(err.Error(), "gave no token within 100ms") || !strings.Contains(err.Error(), url) {
		t.Fatalf("hang: err = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("a hanging metadata service held the chain %v", d)
	}
	w.md.Faults.Clear()

	// Retried throttling within the bound is no failure.
	w.md.Faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Status: 503})
	w.mustLoad(t, func(o *yandex.LoadOptions) { o.Endpoint = w.gwAddr })
}

// TestLoadDefaultConfigNothingFound: no variable, no config file, no
// metadata service: one error, listing every source and why it was
// skipped, quickly.
func TestLoadDefaultConfigNothingFound(t *testing.T) {
	w := newWorld(t)
	start := time.Now()
	_, err := w.load(t)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("the chain took %v without any source", d)
	}
	var nc *auth.NoCredentialsError
	if !errors.As(err, &nc) || !errors.Is(err, auth.ErrNoCredentials) || nc.Provider != iam.Yandex {
		t.Fatalf("err = %v, want a NoCredentialsError", err)
	}
	file := filepath.Join(w.home, ".config", "yandex-cloud", "config.yaml")
	want := []auth.Source{
		{Kind: "env", Name: "YC_IAM_TOKEN, YC_TOKEN", Detail: "not set"},
		{Kind: "key-file", Name: "YC_SERVICE_ACCOUNT_KEY_FILE", Detail: "not set"},
		{Kind: "profile", Name: file, Detail: "no such file"},
		{Kind: "metadata", Name: "http://" + w.closedMD + yandexauth.MetadataTokenPath},
	}
	if len(nc.Tried) != len(want) {
		t.Fatalf("tried %v, want %d sources", nc.Tried, len(want))
	}
	for i, s := range nc.Tried {
		if s.Kind != want[i].Kind || s.Name != want[i].Name || (want[i].Detail != "" && s.Detail != want[i].Detail) {
			t.Errorf("tried[%d] = %v, want %v", i, s, want[i])
		}
	}
	if !strings.Contains(nc.Tried[3].Detail, "no metadata service at "+w.closedMD) || !strings.Contains(nc.Tried[3].Detail, "refused") {
		t.Errorf("metadata reason %q", nc.Tried[3].Detail)
	}

	// Other ways to find nothing: no HOME, an empty config file, skipped
	// metadata.
	delete(w.env, "HOME")
	_, err = w.load(t, func(o *yandex.LoadOptions) { o.SkipMetadata = true })
	if !errors.As(err, &nc) || !strings.Contains(err.Error(), "no home directory") || !strings.Contains(err.Error(), "SkipMetadata") {
		t.Fatalf("no HOME, no metadata: err = %v", err)
	}
	w.env["HOME"] = w.home
	w.writeYCConfig(t, "# yc init was never run\n")
	if _, err = w.load(t); !errors.As(err, &nc) || !strings.Contains(err.Error(), "has no profiles") {
		t.Fatalf("empty config: err = %v", err)
	}
}

// TestLoadDefaultConfigDefaultMetadataAddress: with no YC_METADATA_ADDR
// the chain probes 169.254.169.254:80 — and the test guard (TestMain's,
// here a hook of this test) refuses it before a packet is sent: the chain
// then reports the metadata service as absent.
func TestLoadDefaultConfigDefaultMetadataAddress(t *testing.T) {
	w := newWorld(t)
	delete(w.env, yandexauth.EnvMetadataAddr)
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
	if !errors.Is(err, auth.ErrNoCredentials) || !strings.Contains(err.Error(), "http://169.254.169.254:80"+yandexauth.MetadataTokenPath) {
		t.Fatalf("err = %v", err)
	}
	if len(seen) != 1 || seen[0] != "169.254.169.254:80" {
		t.Fatalf("dialled %q, want one refused dial of 169.254.169.254:80", seen)
	}
}

func TestLoadDefaultConfigOptions(t *testing.T) {
	if _, err := yandex.LoadDefaultConfig(context.Background(), func(o *yandex.LoadOptions) { o.MetadataTimeout = -1 }); err == nil {
		t.Fatal("negative MetadataTimeout accepted")
	}
	w := newWorld(t)
	w.env[yandexauth.EnvMetadataAddr] = "http://x:99999"
	if _, err := w.load(t); err == nil || errors.Is(err, auth.ErrNoCredentials) || !strings.Contains(err.Error(), yandexauth.EnvMetadataAddr) {
		t.Fatalf("bad YC_METADATA_ADDR: err = %v", err)
	}
	// A Config closes its token source.
	w.env[yandexauth.EnvMetadataAddr] = w.md.Addr
	cfg := w.mustLoad(t, func(o *yandex.LoadOptions) { o.Endpoint = w.gwAddr })
	cfg.Close()
	if _, err := auth.TokenFrom(context.Background(), cfg.TokenSource); !errors.Is(err, auth.ErrCacheClosed) {
		t.Fatalf("after Close: %v", err)
	}
	cfg.Close() // idempotent
}

// TestLoadDefaultConfigLeavesNoGoroutine: after Close (and the emulators'
// end), nothing of a chain run is left: no refresh goroutine, no pooled
// connection of the chain's own HTTP client.
func TestLoadDefaultConfigLeavesNoGoroutine(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	w := newWorld(t)
	w.env[yandexauth.EnvServiceAccountKeyFile] = w.writeKeyFile(t)
	keyCfg := w.mustLoad(t, func(o *yandex.LoadOptions) { o.Endpoint = w.gwAddr })
	delete(w.env, yandexauth.EnvServiceAccountKeyFile)
	w.env[yandexauth.EnvMetadataAddr] = w.md.Addr
	mdCfg := w.mustLoad(t, func(o *yandex.LoadOptions) { o.Endpoint = w.gwAddr })
	keyCfg.Close()
	mdCfg.Close()
	w.gateway.Close()
	w.api.Close()
	w.tokens.Close()
	w.md.Close()
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	goleak.VerifyNone(t, ignore)
}
