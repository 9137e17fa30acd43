package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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
	"github.com/iamkit/iamkit/iam/outscale"
	"github.com/iamkit/iamkit/iam/yandex"
	"github.com/iamkit/iamkit/internal/chaindial"
	"github.com/iamkit/iamkit/internal/loopback/loopbacktest"
)

// binary is the iamkit the tests run, built once for the package with the
// dial guard of the test build (dialguard.go): a run that dials anything
// but loopback exits 97.
var binary string

// raceEnabled is set by race_test.go under -race.
var raceEnabled bool

func TestMain(m *testing.M) {
	stop := chaindial.Guard()
	dir, err := os.MkdirTemp("", "iamkit-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "iamkit")
	if runtime.GOOS == "windows" {
		binary += ".exe"
	}
	args := []string{"build", "-tags", "iamkit_dialguard", "-o", binary}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, ".")...)
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	if refused := stop(); len(refused) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: dials of addresses that are not loopback: %q\n", refused)
		code = 1
	}
	os.Exit(code)
}

// sandbox is the world a run of iamkit sees: its own HOME, cache, config
// and temporary directories, and an environment of the test's making only
// (nothing of the developer's: no cloud variables, no IAMKIT_ ones), with
// the metadata services at a closed loopback port.
type sandbox struct {
	root string
	dirs map[string]string // home, cache, config, tmp
	env  map[string]string
}

func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	// Short, lower-case paths: they appear in outputs searched for secrets.
	root, err := os.MkdirTemp("", "sb")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	sb := &sandbox{root: root, dirs: map[string]string{}}
	for _, d := range []string{"home", "cache", "config", "tmp"} {
		sb.dirs[d] = filepath.Join(root, d)
		if err := os.Mkdir(sb.dirs[d], 0o700); err != nil {
			t.Fatal(err)
		}
	}
	closed := loopbacktest.Refused(t)
	sb.env = map[string]string{
		"PATH":                              os.Getenv("PATH"),
		"HOME":                              sb.dirs["home"],
		"XDG_CACHE_HOME":                    sb.dirs["cache"],
		"XDG_CONFIG_HOME":                   sb.dirs["config"],
		"TMPDIR":                            sb.dirs["tmp"],
		"IAMKIT_NEBIUS_METADATA_URL":        "http://" + closed + "/v1/iam/sa/token",
		"IAMKIT_NEBIUS_METADATA_TOKEN_FILE": filepath.Join(root, "no-metadata-token"),
		"YC_METADATA_ADDR":                  closed,
	}
	return sb
}

// with returns a copy of the sandbox's environment with more variables.
func (sb *sandbox) with(kv ...string) *sandbox {
	c := &sandbox{root: sb.root, dirs: sb.dirs, env: map[string]string{}}
	for k, v := range sb.env {
		c.env[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		c.env[kv[i]] = kv[i+1]
	}
	return c
}

func (sb *sandbox) environ() []string {
	var env []string
	for k, v := range sb.env {
		env = append(env, k+"="+v)
	}
	return env
}

// files lists what is in the sandbox's directories (relative paths).
func (sb *sandbox) files(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, d := range []string{"home", "cache", "config", "tmp"} {
		root := sb.dirs[d]
		_ = filepath.WalkDir(root, func(p string, _ os.DirEntry, err error) error {
			if err == nil && p != root {
				out = append(out, d+"/"+strings.TrimPrefix(p, root+string(filepath.Separator)))
			}
			return nil
		})
	}
	return out
}

// requireEmpty fails unless the sandbox's directories are empty, except
// for the paths keep names (relative, as files lists them, with their
// parent directories).
func (sb *sandbox) requireEmpty(t *testing.T, what string, keep ...string) {
	t.Helper()
	var left []string
	for _, f := range sb.files(t) {
		kept := false
		for _, k := range keep {
			if f == k || strings.HasPrefix(k, f+"/") {
				kept = true
			}
		}
		if !kept {
			left = append(left, f)
		}
	}
	if len(left) > 0 {
		t.Errorf("%s left files behind: %v", what, left)
	}
}

// result is one run of iamkit.
type result struct {
	args           []string
	stdout, stderr string
	code           int
	took           time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("iamkit %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// runConcurrently runs iamkit n times at once in the sandbox with the
// same arguments and returns the results in the order of the runs.
func (sb *sandbox) runConcurrently(t *testing.T, w *world, n int, args ...string) []result {
	t.Helper()
	var wg sync.WaitGroup
	results := make([]result, n)
	for i := range n {
		wg.Go(func() { results[i] = sb.run(t, w, args...) })
	}
	wg.Wait()
	return results
}

// run runs iamkit in the sandbox and checks what every run must hold: it
// ended in time, the test build refused no dial, and no secret of the
// world reached stderr.
func (sb *sandbox) run(t *testing.T, w *world, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = sb.environ()
	cmd.Dir = sb.dirs["tmp"]
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := result{args: args, stdout: stdout.String(), stderr: stderr.String(), took: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("iamkit %s: %v", strings.Join(args, " "), err)
	}
	if ctx.Err() != nil {
		t.Fatalf("iamkit %s: still running after 2 minutes\n%s", strings.Join(args, " "), r)
	}
	if r.code == exitDialRefusedTest {
		t.Fatalf("the test build refused a dial:\n%s", r)
	}
	if w != nil {
		w.requireNoSecret(t, "stderr of iamkit "+strings.Join(args, " "), r.stderr)
	}
	return r
}

// exitDialRefusedTest is dialguard.go's exit code (the constant exists
// only in the test build).
const exitDialRefusedTest = 97

// requireExit fails unless the run ended with code.
func (r result) requireExit(t *testing.T, code int) result {
	t.Helper()
	if r.code != code {
		t.Fatalf("want exit %d\n%s", code, r)
	}
	return r
}

// world is the three clouds and S3 on loopback: the emulators, sharing
// one registry, with key files for each cloud and in-process clients to
// check what the runs did.
type world struct {
	reg      *iamtest.Registry
	nebius   *nebiustest.Server
	yandex   *yandextest.Server
	yaTokens *iamtest.YandexTokenServer
	gateway  *yandexGateway
	outscale *outscaletest.Server
	s3       *iamtest.S3Server
	dir      string

	nebiusSA         *nebiustest.ServiceAccount
	nebiusKeyFile    string
	yandexKeyFile    string
	outscaleConfig   string
	yandexServiceAcc string

	mu      sync.Mutex
	secrets []string // every secret a run must not print on stderr
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{reg: iamtest.NewRegistry(), dir: t.TempDir()}
	var err error
	if w.nebius, err = nebiustest.New(func(o *nebiustest.Options) { o.Registry = w.reg }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.nebius.Close)
	if w.yandex, err = yandextest.New(func(o *yandextest.Options) { o.Registry = w.reg }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.yandex.Close)
	if w.yaTokens, err = iamtest.NewYandexTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = w.reg }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.yaTokens.Close)
	if w.gateway, err = newYandexGateway("127.0.0.1:0", w.yandex.URL, w.yaTokens.URL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.gateway.close)
	if w.outscale, err = outscaletest.New(func(o *outscaletest.Options) { o.Registry = w.reg }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.outscale.Close)
	if w.s3, err = iamtest.NewS3Server(func(o *iamtest.S3Options) { o.Registry = w.reg }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.s3.Close)

	if w.nebiusSA, err = w.nebius.NewServiceAccount(""); err != nil {
		t.Fatal(err)
	}
	w.nebiusKeyFile = w.writeFile(t, "nebius-sa.json", []byte(w.nebiusSA.CredentialsJSON.Reveal()))
	keyJSON, err := w.yandex.BootstrapKeyFile()
	if err != nil {
		t.Fatal(err)
	}
	w.yandexServiceAcc = w.yandex.ServiceAccountID()
	w.yandexKeyFile = w.writeFile(t, "yandex-key.json", keyJSON)
	w.outscaleConfig = w.writeOutscaleConfig(t, "osc-config.json", w.outscale.URL)
	w.addSecret(w.outscale.Root.SecretKey.Reveal())
	w.addSecret(privateKeyLine(w.nebiusSA.CredentialsJSON.Reveal()))
	w.addSecret(privateKeyLine(string(keyJSON)))
	return w
}

// privateKeyLine returns a line of base64 from the middle of the PEM
// private key inside a key file, to look for in outputs.
func privateKeyLine(file string) string {
	var f map[string]any
	_ = json.Unmarshal([]byte(file), &f)
	pem := ""
	if sc, ok := f["subject-credentials"].(map[string]any); ok {
		pem, _ = sc["private-key"].(string)
	} else {
		pem, _ = f["private_key"].(string)
	}
	lines := strings.Split(pem, "\n")
	if len(lines) < 4 {
		return "-----BEGIN PRIVATE KEY-----"
	}
	return lines[len(lines)/2]
}

func (w *world) writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(w.dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// writeOutscaleConfig writes an OUTSCALE config.json with the root key
// and an API endpoint ("" for none).
func (w *world) writeOutscaleConfig(t *testing.T, name, endpoint string) string {
	t.Helper()
	prof := map[string]any{"access_key": w.outscale.Root.AccessKey, "secret_key": w.outscale.Root.SecretKey.Reveal(), "region": outscaleRegion}
	if endpoint != "" {
		prof["endpoints"] = map[string]string{"api": endpoint}
	}
	data, err := json.Marshal(map[string]any{"default": prof})
	if err != nil {
		t.Fatal(err)
	}
	return w.writeFile(t, name, data)
}

func (w *world) addSecret(s string) {
	if s == "" {
		return
	}
	w.mu.Lock()
	w.secrets = append(w.secrets, s)
	w.mu.Unlock()
}

// requireNoSecret fails if text holds a secret of the world.
func (w *world) requireNoSecret(t *testing.T, what, text string) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, s := range w.secrets {
		if strings.Contains(text, s) {
			t.Errorf("%s holds a secret (%d characters, %q…)", what, len(s), s[:4])
		}
	}
	if strings.Contains(text, "PRIVATE KEY") {
		t.Errorf("%s holds a private key", what)
	}
}

// args are the flags that point iamkit at the world for cloud, with its
// key file.
func (w *world) args(cloud iam.Provider) []string {
	switch cloud {
	case iam.Nebius:
		return []string{"--cloud", "nebius", "--nebius-key-file", w.nebiusKeyFile, "--nebius-address", "http://" + w.nebius.Addr, "--nebius-project-id", w.nebiusSA.ProjectID}
	case iam.Yandex:
		return []string{"--cloud", "yandex", "--yandex-key-file", w.yandexKeyFile, "--yandex-endpoint", w.gateway.addr}
	default:
		return []string{"--cloud", "outscale", "--outscale-config-file", w.outscaleConfig}
	}
}

// creates counts the access keys created at cloud's emulator.
func (w *world) creates(cloud iam.Provider) int {
	switch cloud {
	case iam.Nebius:
		return w.nebius.Calls("AccessKeyService/Create")
	case iam.Yandex:
		return w.yandex.Calls("AccessKeyService/Create")
	default:
		return w.outscale.Calls("CreateAccessKey")
	}
}

// keyManager is an in-process KeyManager of the account iamkit manages.
func (w *world) keyManager(t *testing.T, cloud iam.Provider) iam.KeyManager {
	t.Helper()
	switch cloud {
	case iam.Nebius:
		c, err := nebius.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: w.nebius.IssueToken(w.nebiusSA.ID, time.Hour)}),
			w.nebius.ClientOptions(), func(o *nebius.Options) { o.ProjectID = w.nebiusSA.ProjectID })
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		km, err := nebius.NewKeyManager(c, nebius.ServiceAccount(w.nebiusSA.ID))
		if err != nil {
			t.Fatal(err)
		}
		return km
	case iam.Yandex:
		c, err := yandex.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: w.yandex.IssueToken(w.yandexServiceAcc, time.Hour)}), w.yandex.ClientOptions())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		km, err := yandex.NewKeyManager(c, w.yandexServiceAcc)
		if err != nil {
			t.Fatal(err)
		}
		return km
	default:
		c, err := outscale.New(w.outscale.ClientOptions(w.outscale.Root))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		km, err := outscale.NewKeyManager(c)
		if err != nil {
			t.Fatal(err)
		}
		return km
	}
}

// key returns the key with the access key ID, as the emulator lists it.
func (w *world) key(t *testing.T, cloud iam.Provider, accessKeyID string) (iam.AccessKey, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	keys, err := w.keyManager(t, cloud).ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if k.AccessKeyID == accessKeyID {
			return k, true
		}
	}
	return iam.AccessKey{}, false
}

var allClouds = []iam.Provider{iam.Nebius, iam.Yandex, iam.Outscale}

// syncBuffer is a bytes.Buffer safe for exec's writer goroutines.
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

// proc is a run of iamkit that the test stops with a signal.
type proc struct {
	cmd            *exec.Cmd
	args           []string
	stdout, stderr *syncBuffer
	done           chan struct{}
	w              *world
	start          time.Time
}

// start starts iamkit in the sandbox; the process is killed at the end of
// the test if it still runs.
func (sb *sandbox) start(t *testing.T, w *world, args ...string) *proc {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("signals cannot be sent to a process on Windows")
	}
	p := &proc{cmd: exec.Command(binary, args...), args: args, stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{}), w: w}
	p.cmd.Env, p.cmd.Dir = sb.environ(), sb.dirs["tmp"]
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	p.start = time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// waitFor waits (up to a minute: a real process is starting) until the
// stream ("stdout" or "stderr") holds s.
func (p *proc) waitFor(t *testing.T, stream, s string) {
	t.Helper()
	buf := p.stdout
	if stream == "stderr" {
		buf = p.stderr
	}
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(buf.String(), s) {
		select {
		case <-p.done:
			t.Fatalf("iamkit %s exited before printing %q\nstdout:\n%s\nstderr:\n%s", strings.Join(p.args, " "), s, p.stdout, p.stderr)
		case <-time.After(10 * time.Millisecond): // polling a child's output
		}
		if time.Now().After(deadline) {
			t.Fatalf("iamkit %s: no %q within a minute\nstdout:\n%s\nstderr:\n%s", strings.Join(p.args, " "), s, p.stdout, p.stderr)
		}
	}
}

// signal sends sig and waits for the exit.
func (p *proc) signal(t *testing.T, sig os.Signal) result {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(time.Minute):
		t.Fatalf("iamkit %s: still running a minute after %v", strings.Join(p.args, " "), sig)
	}
	r := result{args: p.args, stdout: p.stdout.String(), stderr: p.stderr.String(), code: p.cmd.ProcessState.ExitCode(), took: time.Since(p.start)}
	if r.code == exitDialRefusedTest {
		t.Fatalf("the test build refused a dial:\n%s", r)
	}
	if p.w != nil {
		p.w.requireNoSecret(t, "stderr of iamkit "+strings.Join(p.args, " "), r.stderr)
	}
	return r
}

func (p *proc) interrupt(t *testing.T) result { t.Helper(); return p.signal(t, os.Interrupt) }
