// Package examples_test runs every program under examples/ in emulator mode
// and checks that it succeeds and that no secret reaches its output.
package examples_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/iam/iamtest/outscaletest"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
	"github.com/iamkit/iamkit/iam/nebius"
	"github.com/iamkit/iamkit/iam/yandex"
)

// program says how to run one example in emulator mode.
type program struct {
	// args are the emulator-mode arguments.
	args []string
	// secretOnStdout marks the programs that print a secret on purpose
	// (a token, credential_process JSON, an emulator's test key): it must
	// be on stdout, where the test checks that it is (so that the secret
	// detector is known to work), and never on stderr.
	secretOnStdout bool
	// redacts marks programs that show a secret's place as REDACTED; the
	// test checks that the word is there.
	redacts bool
}

// programs lists every directory under examples/. A directory missing from
// the table fails the test; a program of the table not written yet is
// skipped, visibly.
var programs = map[string]program{
	"quickstart":         {redacts: true},
	"nebius":             {args: []string{"-emulator"}, redacts: true},
	"yandex":             {args: []string{"-emulator"}, redacts: true},
	"outscale":           {redacts: true},
	"s3":                 {},
	"credential-process": {secretOnStdout: true},
	"token":              {secretOnStdout: true},
}

// notPrograms are directories under examples/ that hold no program.
var notPrograms = map[string]bool{"internal": true, "testdata": true}

// perProgramTimeout bounds one program's run (its build excluded).
const perProgramTimeout = 60 * time.Second

func TestExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs every example")
	}
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	present := map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || notPrograms[name] || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
			continue
		}
		present[name] = true
		if _, ok := programs[name]; !ok {
			t.Errorf("examples/%s is not in the programs table of examples_test.go: add its emulator-mode arguments", name)
		}
	}
	bin := t.TempDir()
	for name, p := range programs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if !present[name] || !hasGoFiles(t, name) {
				t.Skipf("examples/%s is not written yet", name)
			}
			exe := filepath.Join(bin, name)
			if runtime.GOOS == "windows" {
				exe += ".exe"
			}
			build := exec.Command("go", "build", "-o", exe, "./"+name)
			if out, err := build.CombinedOutput(); err != nil {
				t.Fatalf("go build ./examples/%s: %v\n%s", name, err, out)
			}
			runProgram(t, name, exe, p)
		})
	}
}

// hasGoFiles reports whether dir holds a non-test Go file.
func hasGoFiles(t *testing.T, dir string) bool {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range m {
		if !strings.HasSuffix(f, "_test.go") {
			return true
		}
	}
	return false
}

// runProgram runs exe in a sandbox of empty directories (working
// directory, TMPDIR, HOME, cache and config directories), and checks exit
// status, secrets, and that the sandbox is empty afterwards.
func runProgram(t *testing.T, name, exe string, p program) {
	// Short, lower-case paths: the secret detector looks for mixed-case
	// runs of 40 characters, which a long test directory name could form.
	sandbox, err := os.MkdirTemp("", "ex")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(sandbox) })
	dirs := map[string]string{}
	for _, d := range []string{"cwd", "tmp", "home", "cache", "config"} {
		dirs[d] = filepath.Join(sandbox, d)
		if err := os.Mkdir(dirs[d], 0o700); err != nil {
			t.Fatal(err)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), perProgramTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, p.args...)
	cmd.Dir = dirs["cwd"]
	cmd.Env = append(os.Environ(),
		"TMPDIR="+dirs["tmp"], "HOME="+dirs["home"], "XDG_CACHE_HOME="+dirs["cache"], "XDG_CONFIG_HOME="+dirs["config"],
		"NEBIUS_IAM_TOKEN=", "YC_TOKEN=", "YC_IAM_TOKEN=", "OSC_ACCESS_KEY=", "OSC_SECRET_KEY=", "OSC_CONFIG_FILE=", "OSC_PROFILE=",
		"OSC_ENDPOINT_API=", "OSC_LOGIN=", "OSC_PASSWORD=", "AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_PROFILE=",
		"YC_SERVICE_ACCOUNT_KEY_FILE=", "NEBIUS_PROFILE=", "NEBIUS_ENDPOINT=",
		// A default chain run by mistake stays on loopback: the metadata
		// services are a closed port, never 169.254.169.254 or
		// metadata.nebius.internal.
		"YC_METADATA_ADDR=127.0.0.1:1", "IAMKIT_NEBIUS_METADATA_URL=http://127.0.0.1:1/v1/iam/sa/token",
		"IAMKIT_NEBIUS_METADATA_TOKEN_FILE="+filepath.Join(dirs["tmp"], "no-metadata-token"))
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	elapsed := time.Since(start)
	out, errOut := stdout.String(), stderr.String()
	if ctx.Err() != nil {
		t.Fatalf("examples/%s %s: still running after %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(p.args, " "), perProgramTimeout, mask(out), mask(errOut))
	}
	if err != nil {
		t.Fatalf("examples/%s %s: %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(p.args, " "), err, mask(out), mask(errOut))
	}
	t.Logf("examples/%s %s: exit 0 in %v, %d lines of output", name, strings.Join(p.args, " "), elapsed.Round(time.Millisecond), strings.Count(out, "\n"))
	if strings.TrimSpace(out) == "" {
		t.Errorf("examples/%s printed nothing on stdout", name)
	}

	for _, f := range findSecrets(errOut) {
		t.Errorf("examples/%s: secret on stderr: %s", name, f)
	}
	outFindings := findSecrets(out)
	switch {
	case p.secretOnStdout && len(outFindings) == 0:
		// The program prints a secret on purpose; not finding it means
		// the detector has gone blind to its shape.
		t.Errorf("examples/%s prints a secret on purpose, but no secret shape was found on its stdout: the detector misses it\n%s", name, mask(out))
	case !p.secretOnStdout:
		for _, f := range outFindings {
			t.Errorf("examples/%s: secret on stdout: %s", name, f)
		}
	}
	if p.redacts && !strings.Contains(out, "REDACTED") {
		t.Errorf("examples/%s no longer prints REDACTED where a secret would be:\n%s", name, mask(out))
	}

	for d, path := range dirs {
		var left []string
		_ = filepath.WalkDir(path, func(p string, _ os.DirEntry, err error) error {
			if err == nil && p != path {
				left = append(left, strings.TrimPrefix(p, path+string(filepath.Separator)))
			}
			return nil
		})
		if len(left) > 0 {
			t.Errorf("examples/%s left files behind in its %s directory: %v", name, d, left)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the writer goroutines of exec.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The shapes of the secrets the emulators mint (iam/iamtest and its
// sub-packages) and of key material:
//   - Nebius access tokens "v1." + 43 base64url characters; Yandex IAM
//     tokens "t1." + 43 base64url characters (token emulator) or "t1." + 40
//   - "." + 86 (yandextest.IssueToken); Yandex session tokens "s1." + 120;
//   - access-key secrets of exactly 40 characters: Nebius (base64
//     alphabet), OUTSCALE (alphanumeric), Yandex static keys ("YC" + 38
//     base64url) and API keys ("AQVN" + 36); Yandex ephemeral secrets "YC"
//   - 41;
//   - PEM private keys and signed JWTs.
//
// The OUTSCALE root password (16 alphanumerics) has no shape that tells it
// from an ID, and is not looked for.
var (
	tokenShape = regexp.MustCompile(`(?:^|[^A-Za-z0-9_.-])((?:v1|t1)\.[A-Za-z0-9_-]{40,}(?:\.[A-Za-z0-9_-]{20,})?|s1\.[A-Za-z0-9_-]{100,})`)
	pemShape   = regexp.MustCompile(`-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----`)
	jwtShape   = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{20,}`)
	// runShape splits text into runs of the characters access-key secrets
	// are made of.
	runShape = regexp.MustCompile(`[A-Za-z0-9+/_-]+`)
	// pemBlock is a whole PEM private key, for mask.
	pemBlock = regexp.MustCompile(`(?s)-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?-----END [A-Z0-9 ]*PRIVATE KEY-----`)
)

// findSecrets returns where text holds something shaped like a secret,
// described without the secret itself.
func findSecrets(text string) []string {
	var found []string
	for i, line := range strings.Split(text, "\n") {
		at := func(kind string) { found = append(found, fmt.Sprintf("line %d: %s", i+1, kind)) }
		if m := tokenShape.FindStringSubmatch(line); m != nil {
			at(fmt.Sprintf("access token %q…", m[1][:3]))
		}
		if pemShape.MatchString(line) {
			at("PEM private key")
		}
		if jwtShape.MatchString(line) {
			at("signed JWT")
		}
		for _, run := range runShape.FindAllString(line, -1) {
			if isSecretRun(run) {
				at(fmt.Sprintf("access-key secret (%d characters, %q…)", len(run), run[:2]))
			}
		}
	}
	return found
}

// isSecretRun reports whether a maximal run of secret characters looks
// like a minted access-key secret: 40 characters (43 for "YC" ephemeral
// secrets) mixing upper and lower case, as random strings do (a random
// 40-character secret lacks one of them with a probability below 1e-9) and
// as paths, resource IDs and access key IDs (one case only) do not. Digits
// are not required: a random secret lacks them about once in a thousand
// draws, which would make the checks flaky.
func isSecretRun(run string) bool {
	if len(run) != 40 && !(len(run) == 43 && strings.HasPrefix(run, "YC")) {
		return false
	}
	upper := strings.IndexFunc(run, func(c rune) bool { return c >= 'A' && c <= 'Z' }) >= 0
	lower := strings.IndexFunc(run, func(c rune) bool { return c >= 'a' && c <= 'z' }) >= 0
	return upper && lower
}

// mask hides secret-shaped text in output shown in failure messages.
func mask(s string) string {
	s = tokenShape.ReplaceAllStringFunc(s, func(m string) string {
		i := strings.Index(m, "1.")
		return m[:i+2] + "<masked>"
	})
	s = jwtShape.ReplaceAllString(s, "<masked JWT>")
	s = pemBlock.ReplaceAllString(s, "<masked private key>")
	return runShape.ReplaceAllStringFunc(s, func(run string) string {
		if isSecretRun(run) {
			return run[:2] + "<masked>"
		}
		return run
	})
}

// TestFindSecrets checks the detector against secrets the emulators really
// mint (so that a change of their shapes is noticed here) and against text
// the programs print that is not secret.
func TestFindSecrets(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	reg := iamtest.NewRegistry()
	nebTok, err := iamtest.NewNebiusTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = reg })
	if err != nil {
		t.Fatal(err)
	}
	defer nebTok.Close()
	yaTok, err := iamtest.NewYandexTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = reg })
	if err != nil {
		t.Fatal(err)
	}
	defer yaTok.Close()
	nebIAM, err := nebiustest.New(func(o *nebiustest.Options) { o.Registry = reg })
	if err != nil {
		t.Fatal(err)
	}
	defer nebIAM.Close()
	yaIAM, err := yandextest.New(func(o *yandextest.Options) { o.Registry = reg })
	if err != nil {
		t.Fatal(err)
	}
	defer yaIAM.Close()
	osc, err := outscaletest.New(func(o *outscaletest.Options) { o.Registry = reg })
	if err != nil {
		t.Fatal(err)
	}
	defer osc.Close()

	secrets := map[string]string{
		"Nebius token":        nebTok.IssueToken("serviceaccount-e00x", time.Hour),
		"Yandex token":        yaTok.IssueToken("ajex", time.Hour),
		"Yandex token (IAM)":  yaIAM.IssueToken(yaIAM.ServiceAccountID(), time.Hour),
		"OUTSCALE secret key": osc.Root.SecretKey.Reveal(),
	}
	sa, err := nebIAM.NewServiceAccount("")
	if err != nil {
		t.Fatal(err)
	}
	secrets["Nebius credentials JSON"] = sa.CredentialsJSON.Reveal()
	keyJSON, err := yaIAM.BootstrapKeyFile()
	if err != nil {
		t.Fatal(err)
	}
	secrets["Yandex key.json"] = string(keyJSON)

	nc, err := nebius.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: nebIAM.IssueToken(sa.ID, time.Hour)}),
		nebIAM.ClientOptions(), func(o *nebius.Options) { o.ProjectID = sa.ProjectID })
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	km, err := nebius.NewKeyManager(nc, nebius.ServiceAccount(sa.ID))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 { // many draws: the detector must not depend on luck
		k, err := km.CreateKey(ctx, iam.CreateKeyRequest{Description: "detector"})
		if err != nil {
			t.Fatal(err)
		}
		secrets[fmt.Sprintf("Nebius access-key secret %d", i)] = k.Secret.Reveal()
	}

	yc, err := yandex.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: yaIAM.IssueToken(yaIAM.ServiceAccountID(), time.Hour)}),
		yaIAM.ClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer yc.Close()
	static, err := yc.AccessKeys().Create(ctx, yandex.CreateAccessKeyRequest{Description: "detector"})
	if err != nil {
		t.Fatal(err)
	}
	secrets["Yandex static key secret"] = static.Secret.Reveal()
	apiKey, err := yc.APIKeys().Create(ctx, yandex.CreateAPIKeyRequest{Description: "detector"})
	if err != nil {
		t.Fatal(err)
	}
	secrets["Yandex API key"] = apiKey.Secret.Reveal()
	eph, err := yc.EphemeralAccessKeys().Create(ctx, yandex.CreateEphemeralAccessKeyRequest{SessionName: "detector"})
	if err != nil {
		t.Fatal(err)
	}
	secrets["Yandex ephemeral secret"] = eph.Secret.Reveal()
	secrets["Yandex session token"] = eph.SessionToken.Reveal()
	secrets["JWT"] = "eyJhbGciOiJSUzI1NiIsImtpZCI6InB1YmxpY2tleS1lMDB4In0.eyJpc3MiOiJzZXJ2aWNlYWNjb3VudC1lMDB4In0.c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl"

	for name, s := range secrets {
		if s == "" {
			t.Errorf("%s: the emulator minted an empty secret", name)
			continue
		}
		for _, line := range []string{s, "secret=" + s + " state=ACTIVE", `{"SecretAccessKey":"` + s + `"}`, "Bearer " + s} {
			if len(findSecrets(line)) == 0 {
				t.Errorf("%s: not detected in %q", name, mask(line))
			}
		}
		if strings.Contains(mask(s), s) {
			t.Errorf("%s: mask leaves it visible", name)
		}
	}

	for _, benign := range []string{
		"created  W3BI58KHBFIE2JELBKVJ state=ACTIVE expires=2026-11-23T18:25:06Z secret=REDACTED",
		"  ✓ sign JWT, exchange it for an access token        7.9ms  token REDACTED, valid for 12h0m0s",
		"Service account serviceaccount-e00bnogbsobh01c91bpv (key publickey-e00pr0wy5f4sobtqjufn), project project-e00pr0wy5f4sobtqjufn",
		"nebius.iam.v1.AuthPublicKeyService/Create and nebius.iam.v2.AccessKeyService/GetSecretForAwsAccessKeyId",
		"yandex put and got s3://iamkit-example-yandex/hello.txt signed with managed key YCpJn61N9yi5XvG17nefOLh6v",
		"request ID 0b6e0d6c-3b1f-4b6a-9a52-1f0e1d6c3b1f, etag d41d8cd98f00b204e9800998ecf8427e",
		"sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"credentials file /tmp/iamkit-emulator-2495565600/nebius-credentials.json",
		"-----BEGIN PUBLIC KEY-----",
	} {
		if f := findSecrets(benign); len(f) > 0 {
			t.Errorf("false positive %v in %q", f, benign)
		}
	}
}
