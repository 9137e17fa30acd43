package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
)

// runToken runs the program in-process and returns its stdout and stderr.
func runToken(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

// writeFile writes data to a 0600 file in a temporary directory.
func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// nebiusSetup returns a Nebius token emulator and a credentials file whose
// key it trusts.
func nebiusSetup(t *testing.T) (*iamtest.NebiusTokenServer, string, *nebiustest.ServiceAccount) {
	t.Helper()
	reg := iamtest.NewRegistry()
	keys, err := nebiustest.New(func(o *nebiustest.Options) { o.Registry = reg })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(keys.Close)
	sa, err := keys.NewServiceAccount("")
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := iamtest.NewNebiusTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = reg })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tokens.Close)
	return tokens, writeFile(t, "sa-credentials.json", []byte(sa.CredentialsJSON.Reveal())), sa
}

func TestPrintsTokenAndReusesCacheFile(t *testing.T) {
	t.Run("nebius credentials JSON", func(t *testing.T) {
		tokens, creds, _ := nebiusSetup(t)
		checkCachedRuns(t, tokens.Registry, func() int { return tokens.Calls("") }, "nebius", "-credentials", creds, "-endpoint", tokens.URL)
	})
	t.Run("yandex key.json", func(t *testing.T) {
		reg := iamtest.NewRegistry()
		iamSrv, err := yandextest.New(func(o *yandextest.Options) { o.Registry = reg })
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(iamSrv.Close)
		keyJSON, err := iamSrv.BootstrapKeyFile()
		if err != nil {
			t.Fatal(err)
		}
		tokens, err := iamtest.NewYandexTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = reg })
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(tokens.Close)
		checkCachedRuns(t, reg, func() int { return tokens.Calls("") }, "yandex", "-credentials", writeFile(t, "key.json", keyJSON), "-endpoint", tokens.URL)
	})
	t.Run("PEM private key with IDs", func(t *testing.T) {
		reg := iamtest.NewRegistry()
		priv, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		reg.PutPublicKey(iamtest.PublicKey{KeyID: "publickey-e00pem", ServiceAccountID: "serviceaccount-e00pem", Key: &priv.PublicKey})
		der, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			t.Fatal(err)
		}
		pemFile := writeFile(t, "private.pem", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
		tokens, err := iamtest.NewNebiusTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = reg })
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(tokens.Close)
		common := []string{"-key-id", "publickey-e00pem", "-service-account-id", "serviceaccount-e00pem", "-cloud", "nebius", "-endpoint", tokens.URL}
		checkCachedRuns(t, reg, func() int { return tokens.Calls("") }, "nebius", append([]string{"-private-key", pemFile}, common...)...)
		// The same PEM file given to -credentials is recognised by its content.
		out, _, err := runToken(t, append([]string{"-credentials", pemFile, "-no-cache"}, common...)...)
		if err != nil || !strings.HasPrefix(out, "v1.") {
			t.Fatalf("-credentials with a PEM file: %q, %v", out, err)
		}
	})
}

// checkCachedRuns runs the program twice with one cache file: both print the
// same token, valid at the emulator; only the first exchanges; nothing but
// the token reaches stdout and nothing reaches stderr.
func checkCachedRuns(t *testing.T, reg *iamtest.Registry, exchanges func() int, issuer string, args ...string) {
	t.Helper()
	cache := filepath.Join(t.TempDir(), "cache", "tokens.json")
	args = append(args, "-cache-file", cache)
	var printed []string
	for i := range 2 {
		out, errOut, err := runToken(t, args...)
		if err != nil {
			t.Fatalf("run %d: %v\nstderr: %s", i+1, err, errOut)
		}
		if errOut != "" {
			t.Errorf("run %d wrote to stderr: %q", i+1, errOut)
		}
		if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
			t.Fatalf("run %d: stdout is not one line: %q", i+1, out)
		}
		tok := strings.TrimSuffix(out, "\n")
		if _, ok := reg.ValidateToken(tok, issuer, time.Now()); !ok {
			t.Fatalf("run %d printed a token the %s emulator did not issue", i+1, issuer)
		}
		printed = append(printed, tok)
	}
	if printed[0] != printed[1] {
		t.Error("the second run printed another token: not served from the cache")
	}
	if n := exchanges(); n != 1 {
		t.Errorf("emulator saw %d exchanges for two runs, want 1 (second from the cache file)", n)
	}
	if st, err := os.Stat(cache); err != nil {
		t.Fatalf("cache file: %v", err)
	} else if runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Errorf("cache file mode %v, want 0600", st.Mode().Perm())
	}
	// -v says where the token came from, on stderr, without the token.
	out, errOut, err := runToken(t, append(args, "-v")...)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut, "served from the cache file "+cache) {
		t.Errorf("-v stderr = %q", errOut)
	}
	if strings.Contains(errOut, printed[0]) || strings.TrimSpace(out) != printed[0] {
		t.Error("-v: token on stderr, or another token on stdout")
	}
}

// TestMinValidity: a cached token with too little validity left for a
// script is not printed; a new one is exchanged.
func TestMinValidity(t *testing.T) {
	for _, tt := range []struct {
		minValidity string
		exchanges   int
	}{{"5m", 1}, {"15m", 2}, {"0s", 1}} {
		t.Run(tt.minValidity, func(t *testing.T) {
			reg := iamtest.NewRegistry()
			keys, err := nebiustest.New(func(o *nebiustest.Options) { o.Registry = reg })
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(keys.Close)
			sa, err := keys.NewServiceAccount("")
			if err != nil {
				t.Fatal(err)
			}
			// Tokens of 10 minutes: enough for -min-validity 5m, too little for 15m.
			tokens, err := iamtest.NewNebiusTokenServer(func(o *iamtest.TokenServerOptions) {
				o.Registry, o.TokenLifetime = reg, 10*time.Minute
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(tokens.Close)
			args := []string{"-credentials", writeFile(t, "sa.json", []byte(sa.CredentialsJSON.Reveal())), "-endpoint", tokens.URL,
				"-cache-file", filepath.Join(t.TempDir(), "tokens.json"), "-min-validity", tt.minValidity}
			for range 2 {
				if _, errOut, err := runToken(t, args...); err != nil {
					t.Fatalf("%v: %s", err, errOut)
				}
			}
			if n := tokens.Calls(""); n != tt.exchanges {
				t.Errorf("exchanges = %d, want %d", n, tt.exchanges)
			}
		})
	}
}

func TestNoCacheExchangesEveryRun(t *testing.T) {
	tokens, creds, _ := nebiusSetup(t)
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", dir) // the default location, were it used
	t.Setenv("HOME", dir)
	for range 2 {
		if _, errOut, err := runToken(t, "-credentials", creds, "-endpoint", tokens.URL, "-no-cache"); err != nil {
			t.Fatalf("%v: %s", err, errOut)
		}
	}
	if n := tokens.Calls(""); n != 2 {
		t.Errorf("exchanges = %d, want 2", n)
	}
	if left, _ := os.ReadDir(dir); len(left) > 0 {
		t.Errorf("-no-cache wrote %v", left)
	}
}

func TestDefaultCacheFile(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("XDG_CACHE_HOME decides os.UserCacheDir on Linux only")
	}
	tokens, creds, _ := nebiusSetup(t)
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", dir)
	for range 2 {
		if _, errOut, err := runToken(t, "-credentials", creds, "-endpoint", tokens.URL); err != nil {
			t.Fatalf("%v: %s", err, errOut)
		}
	}
	want, err := auth.DefaultDiskStorePath()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(want, dir) {
		t.Fatalf("DefaultDiskStorePath = %s, not under XDG_CACHE_HOME %s", want, dir)
	}
	if _, err := os.Stat(want); err != nil {
		t.Errorf("default cache file: %v", err)
	}
	if n := tokens.Calls(""); n != 1 {
		t.Errorf("exchanges = %d, want 1", n)
	}
}

// TestEndpointsCachedApart: a token of one token service is not served for
// another that trusts the same key.
func TestEndpointsCachedApart(t *testing.T) {
	a, creds, sa := nebiusSetup(t)
	b, err := iamtest.NewNebiusTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = a.Registry })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	cache := filepath.Join(t.TempDir(), "tokens.json")
	outA, _, err := runToken(t, "-credentials", creds, "-endpoint", a.URL, "-cache-file", cache)
	if err != nil {
		t.Fatal(err)
	}
	outB, _, err := runToken(t, "-credentials", creds, "-endpoint", b.URL, "-cache-file", cache)
	if err != nil {
		t.Fatal(err)
	}
	if outA == outB || b.Calls("") != 1 {
		t.Errorf("second endpoint served from the first one's cache entry (exchanges at b: %d)", b.Calls(""))
	}
	// Both entries stay: a third run at a is served from the file.
	if _, _, err := runToken(t, "-credentials", creds, "-endpoint", a.URL, "-cache-file", cache); err != nil || a.Calls("") != 1 {
		t.Errorf("exchanges at a = %d, err %v", a.Calls(""), err)
	}
	data, _ := os.ReadFile(cache)
	if !bytes.Contains(data, []byte(sa.ID)) {
		t.Errorf("cache file does not name the service account")
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(priv)
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	nebiusNoKid, _ := json.Marshal(map[string]any{"subject-credentials": map[string]string{
		"type": "JWT", "alg": "RS256", "private-key": pemKey, "iss": "serviceaccount-e00x", "sub": "serviceaccount-e00x"}})
	yandexNoSA, _ := json.Marshal(map[string]string{"id": "ajekey", "private_key": pemKey})
	yandexBoth, _ := json.Marshal(map[string]string{"id": "ajekey", "service_account_id": "ajesa", "user_account_id": "ajeuser", "private_key": pemKey})
	nebiusGood, _ := json.Marshal(map[string]any{"subject-credentials": map[string]string{
		"type": "JWT", "alg": "RS256", "private-key": pemKey, "kid": "publickey-e00x", "iss": "serviceaccount-e00x", "sub": "serviceaccount-e00x"}})

	missing := filepath.Join(dir, "missing.json")
	tests := []struct {
		name string
		args []string
		want []string // every one must be in the error
		is   error
	}{
		{"missing file", []string{"-credentials", missing}, []string{missing}, os.ErrNotExist},
		{"not JSON", []string{"-credentials", file("garbage.json", "{oops SECRETVALUE")}, []string{"garbage.json", "byte"}, auth.ErrMalformedKey},
		{"empty", []string{"-credentials", file("empty.json", "  \n")}, []string{"empty.json"}, auth.ErrEmptyKey},
		{"unknown JSON", []string{"-credentials", file("other.json", `{"foo": "SECRETVALUE"}`)}, []string{"other.json", "subject-credentials", "service_account_id"}, auth.ErrMalformedKey},
		{"nebius without kid", []string{"-credentials", file("nebius.json", string(nebiusNoKid))}, []string{"nebius.json", "subject-credentials.kid"}, auth.ErrMissingField},
		{"yandex without service account", []string{"-credentials", file("key.json", string(yandexNoSA))}, []string{"key.json", "service_account_id"}, auth.ErrMissingField},
		{"yandex key of two accounts", []string{"-credentials", file("both.json", string(yandexBoth))}, []string{"both.json", "user_account_id"}, auth.ErrInvalidField},
		{"PEM without IDs", []string{"-credentials", file("private.pem", pemKey)}, []string{"private.pem", "-key-id", "-service-account-id", "-cloud"}, nil},
		{"bad PEM", []string{"-private-key", file("bad.pem", "-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n"), "-key-id", "k", "-service-account-id", "s", "-cloud", "nebius"}, []string{"bad.pem"}, auth.ErrMalformedKey},
		{"cloud mismatch", []string{"-credentials", file("n.json", string(nebiusGood)), "-cloud", "yandex"}, []string{"n.json", "Nebius", "-cloud is yandex"}, nil},
		{"IDs with JSON", []string{"-credentials", file("n2.json", string(nebiusGood)), "-key-id", "x"}, []string{"n2.json", "-key-id"}, nil},
		{"private key without IDs", []string{"-private-key", "p.pem"}, []string{"p.pem", "-key-id", "-service-account-id", "-cloud"}, nil},
		{"no key", nil, []string{"-credentials", "-emulate"}, nil},
		{"both keys", []string{"-credentials", "a", "-private-key", "b"}, []string{"not both"}, nil},
		{"bad cloud", []string{"-emulate", "-cloud", "aws"}, []string{`-cloud "aws"`}, nil},
		{"cache and no-cache", []string{"-emulate", "-cache-file", "x", "-no-cache"}, []string{"-cache-file", "-no-cache"}, nil},
		{"emulate with endpoint", []string{"-emulate", "-endpoint", "http://127.0.0.1:1"}, []string{"-endpoint"}, nil},
		{"argument", []string{"-emulate", "extra"}, []string{"extra"}, nil},
		{"negative min validity", []string{"-emulate", "-min-validity", "-1m"}, []string{"-min-validity"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := runToken(t, tt.args...)
			if err == nil {
				t.Fatalf("no error; stdout %q", out)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v does not match %v", err, tt.is)
			}
			if out != "" {
				t.Errorf("stdout %q on error", out)
			}
			for _, leak := range []string{"SECRETVALUE", "PRIVATE KEY", pemKey[40:80]} {
				if strings.Contains(err.Error(), leak) {
					t.Errorf("error shows key material: %v", err)
				}
			}
		})
	}
}

// TestRejectedKey: a key the token service does not know gives an error
// from the exchange, and no token.
func TestRejectedKey(t *testing.T) {
	tokens, err := iamtest.NewNebiusTokenServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tokens.Close)
	_, creds, _ := nebiusSetup(t) // trusted by another registry only
	out, _, err := runToken(t, "-credentials", creds, "-endpoint", tokens.URL, "-no-cache", "-timeout", "20s")
	if err == nil || out != "" {
		t.Fatalf("out %q, err %v", out, err)
	}
}

func TestEmulate(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	for _, tt := range []struct {
		cloud, prefix string
	}{{"", "v1."}, {"nebius", "v1."}, {"yandex", "t1."}} {
		t.Run("cloud="+tt.cloud, func(t *testing.T) {
			args := []string{"-emulate"}
			if tt.cloud != "" {
				args = append(args, "-cloud", tt.cloud)
			}
			out, errOut, err := runToken(t, args...)
			if err != nil {
				t.Fatalf("%v: %s", err, errOut)
			}
			tok := strings.TrimSuffix(out, "\n")
			if !strings.HasPrefix(tok, tt.prefix) || strings.Contains(tok, "\n") {
				t.Errorf("stdout %q is not one %s token", out, tt.prefix)
			}
			if !strings.Contains(errOut, "1 exchange") || strings.Contains(errOut, tok) {
				t.Errorf("stderr %q", errOut)
			}
		})
	}
	t.Run("with a key file", func(t *testing.T) {
		_, creds, _ := nebiusSetup(t)
		out, errOut, err := runToken(t, "-emulate", "-credentials", creds, "-no-cache")
		if err != nil || !strings.HasPrefix(out, "v1.") || !strings.Contains(errOut, "2 exchanges") {
			t.Fatalf("out %q, stderr %q, err %v", out, errOut, err)
		}
	})
	if left, _ := os.ReadDir(os.Getenv("TMPDIR")); len(left) > 0 {
		t.Errorf("files left behind: %v", left)
	}
}

func TestDetectKind(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want fileKind
	}{
		{`{"subject-credentials": {}}`, kindNebiusJSON},
		{`{"id": "a", "service_account_id": "b"}`, kindYandexJSON},
		{`{"id": "a", "serviceAccountId": "b"}`, kindYandexJSON},
		{`{"privateKey": "x"}`, kindYandexJSON},
		{"\n-----BEGIN RSA PRIVATE KEY-----\n", kindPEM},
		{`{"x": 1}`, 0},
		{`[1, 2]`, 0},
		{`nul`, 0},
		{``, 0},
	} {
		got, err := detectKind([]byte(tt.in))
		if got != tt.want || (tt.want == 0) != (err != nil) {
			t.Errorf("detectKind(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func FuzzDetectKind(f *testing.F) {
	f.Add([]byte(`{"subject-credentials": {}}`))
	f.Add([]byte(`{"service_account_id": 1}`))
	f.Add([]byte("-----BEGIN PRIVATE KEY-----"))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := detectKind(data)
		if (k == 0) != (err != nil) {
			t.Fatalf("kind %v with err %v", k, err)
		}
	})
}

func TestHelp(t *testing.T) {
	out, errOut, err := runToken(t, "-h")
	if err != nil || out != "" || !strings.Contains(errOut, "-credentials") {
		t.Fatalf("-h: err %v, stdout %q, stderr %q", err, out, errOut)
	}
}
