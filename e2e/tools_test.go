package e2e

// The real-tools test of issue 14: the standalone emulator (iamkit
// emulator, of cmd/iamkit) driven by the AWS CLI, rclone and s3cmd with
// their default settings, the way a user points them at it.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/nebius"
	"github.com/iamkit/iamkit/iam/outscale"
	"github.com/iamkit/iamkit/iam/yandex"
)

// awsCLIEnv names an AWS CLI binary to drive instead of Debian's or the
// "aws" on PATH (.ci/run sets it to Debian's /usr/bin/aws when a Python
// version manager's aws-cli 1.x comes first on PATH).
const awsCLIEnv = "IAMKIT_E2E_AWS"

// debianAWS is where Debian's awscli package installs the AWS CLI; the
// tests drive it when it is there and awsCLIEnv is not set.
const debianAWS = "/usr/bin/aws"

// toolRegion is the signing region the tools are configured with; the
// emulator accepts any.
const toolRegion = "eu-west-2"

// The tools' default multipart part sizes, which the multipart ETags the
// test expects follow from: aws-cli's multipart_chunksize (8 MiB), rclone's
// --s3-chunk-size (5 MiB), s3cmd's multipart_chunk_size_mb (15 MiB).
const (
	awsPartSize    = 8 << 20
	rclonePartSize = 5 << 20
	s3cmdPartSize  = 15 << 20
)

// repoRoot is the root module's directory, taken when the test binary
// starts: versitygw's posix backend (versitygw_test.go,
// rotation_test.go) changes the process's working directory to its
// temporary root, which is removed when its test ends.
var repoRoot, repoRootErr = filepath.Abs("..")

// emulatorInfo is the part of iamkit emulator's --ready-file the tests
// read (the JSON names of its emulatorInfo type).
type emulatorInfo struct {
	NebiusTokenURL        string `json:"nebius_token_url"`
	NebiusIAMAddr         string `json:"nebius_iam_addr"`
	YandexTokenURL        string `json:"yandex_token_url"`
	YandexIAMURL          string `json:"yandex_iam_url"`
	OutscaleAPIURL        string `json:"outscale_api_url"`
	S3URL                 string `json:"s3_url"`
	Dir                   string `json:"dir"`
	NebiusCredentialsFile string `json:"nebius_credentials_file"`
	NebiusProjectID       string `json:"nebius_project_id"`
	YandexKeyFile         string `json:"yandex_key_file"`
	OutscaleConfigFile    string `json:"outscale_config_file"`
	YandexEndpoint        string `json:"yandex_endpoint"`
	AWSConfigFile         string `json:"aws_config_file"`
	RcloneConfigFile      string `json:"rclone_config_file"`
	// AWSProfiles names the AWS CLI profile (and rclone remote) of each
	// cloud.
	AWSProfiles map[string]string `json:"aws_profiles"`
	Executable  string            `json:"executable"`
}

// s3Key is an access key the emulator's S3 endpoint accepts.
type s3Key struct {
	Provider             iam.Provider
	AccessKeyID          string
	Secret, SessionToken string
}

// toolPaths are the tools found; "" when absent (the subtest skips).
type toolPaths struct{ aws, rclone, s3cmd, curl string }

// findTool returns the path of a tool, or "" after logging why it is
// absent. Under CI=true an absent tool fails the test: CI installs them.
// For aws, override (awsCLIEnv) comes first, then Debian's /usr/bin/aws,
// then PATH.
func findTool(t *testing.T, name, pkg, override string) string {
	t.Helper()
	if override != "" {
		if _, err := exec.LookPath(override); err != nil {
			t.Fatalf("%s=%q: %v", awsCLIEnv, override, err)
		}
		return override
	}
	p, err := exec.LookPath(name)
	if name == "aws" && p != debianAWS {
		// Debian's aws-cli 2.9 (package awscli, what .ci/run installs)
		// before another aws on PATH (a pip or pyenv aws-cli 1.x).
		if st, serr := os.Stat(debianAWS); serr == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0 {
			t.Logf("aws: %s (Debian's awscli) rather than %q on PATH; %s overrides", debianAWS, p, awsCLIEnv)
			return debianAWS
		}
	}
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not found on PATH under CI=true (Debian package %s; .ci/run installs it): %v", name, pkg, err)
	}
	t.Logf("%s not found on PATH (Debian package %s; .ci/run installs it): its drive is skipped", name, pkg)
	return ""
}

// TestRealTools starts the standalone emulator (iamkit emulator, built
// with go build ./cmd/iamkit) and drives its S3 endpoint with the AWS CLI, rclone and
// s3cmd at their default settings, as issue 14's table lists, once with an
// access key from each cloud's key emulator (created through iamkit's own
// clients). Each tool runs with its own temporary HOME and config and an
// environment of the test's making (no proxy, no instance metadata), and
// every address it is given is on 127.0.0.1. A tool that is not installed
// is skipped with a message, except under CI=true, where it fails.
func TestRealTools(t *testing.T) {
	tools := toolPaths{
		aws:    findTool(t, "aws", "awscli", os.Getenv(awsCLIEnv)),
		rclone: findTool(t, "rclone", "rclone", ""),
		s3cmd:  findTool(t, "s3cmd", "s3cmd", ""),
		curl:   findTool(t, "curl", "curl", ""),
	}
	if tools == (toolPaths{}) {
		t.Skip("none of aws, rclone, s3cmd is installed (Debian packages awscli rclone s3cmd; .ci/run installs them)")
	}
	for _, p := range []string{tools.aws, tools.rclone, tools.s3cmd, tools.curl} {
		if p != "" {
			v := exec.Command(p, "--version")
			v.Env = toolEnv(t.TempDir())
			out, _ := v.CombinedOutput()
			first, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
			t.Logf("%s: %s", p, first)
		}
	}

	ctx := t.Context() // alive until the parallel subtests below are done
	info := startEmulator(t).info

	files := t.TempDir()
	big := writeRandomFile(t, filepath.Join(files, "big-20MiB.bin"), 20<<20, 1) // aws, rclone: 20 MiB
	bigMB := writeRandomFile(t, filepath.Join(files, "big-20MB.bin"), 20e6, 2)  // s3cmd: 20 MB

	for _, p := range []struct {
		name string
		key  func(context.Context, emulatorInfo) (s3Key, error)
	}{
		{"outscale", outscaleKey},
		{"yandex", yandexKey},
		{"nebius", nebiusKey},
	} {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel() // each key has its own buckets and tool homes
			key, err := p.key(ctx, info)
			if err != nil {
				t.Fatalf("create an access key through the %s emulator: %v", p.name, err)
			}
			d := &drive{ctx: ctx, info: info, key: key, check: newCheckClient(info.S3URL, key), curl: tools.curl}
			t.Run("aws", func(t *testing.T) {
				if tools.aws == "" {
					t.Skip("aws not installed (Debian package awscli)")
				}
				d.aws(t, tools.aws, "e2e-aws-"+p.name, big)
			})
			t.Run("rclone", func(t *testing.T) {
				if tools.rclone == "" {
					t.Skip("rclone not installed (Debian package rclone)")
				}
				d.rclone(t, tools.rclone, "e2e-rclone-"+p.name, big)
			})
			t.Run("s3cmd", func(t *testing.T) {
				if tools.s3cmd == "" {
					t.Skip("s3cmd not installed (Debian package s3cmd)")
				}
				d.s3cmd(t, tools.s3cmd, "e2e-s3cmd-"+p.name, bigMB)
			})
			t.Run("curl", func(t *testing.T) {
				if tools.curl == "" {
					t.Skip("curl not installed (Debian package curl)")
				}
				d.curlPresigned(t, tools.curl, "e2e-curl-"+p.name, files)
			})
		})
	}
}

// The iamkit command, built once for the tests of the package.
var (
	iamkitOnce sync.Once
	iamkitBin  string
	iamkitErr  error
)

// buildIamkit builds cmd/iamkit from the root module (once) and returns
// the binary's path.
func buildIamkit(t *testing.T) string {
	t.Helper()
	iamkitOnce.Do(func() {
		if repoRootErr != nil {
			iamkitErr = fmt.Errorf("the root module's directory: %w", repoRootErr)
			return
		}
		dir, err := os.MkdirTemp("", "iamkit-e2e-bin-")
		if err != nil {
			iamkitErr = err
			return
		}
		iamkitBin = filepath.Join(dir, "iamkit")
		build := exec.Command("go", "build", "-o", iamkitBin, "./cmd/iamkit")
		build.Dir = repoRoot
		if out, err := build.CombinedOutput(); err != nil {
			iamkitErr = fmt.Errorf("go build ./cmd/iamkit: %v\n%s", err, out)
		}
	})
	if iamkitErr != nil {
		t.Fatal(iamkitErr)
	}
	return iamkitBin
}

// emulatorProc is a running iamkit emulator.
type emulatorProc struct {
	info emulatorInfo
	// printed is its output up to the ready line.
	printed string
	// stop sends SIGTERM, checks that it exits 0 having removed its
	// files, and returns its whole output (with the calls each emulator
	// received, printed on exit). The test's cleanup calls it if the test
	// did not.
	stop func() string
}

// startEmulator runs iamkit emulator on free loopback ports and returns
// what its ready file says.
func startEmulator(t *testing.T) *emulatorProc {
	t.Helper()
	bin := buildIamkit(t)
	dir := t.TempDir()
	ready := filepath.Join(dir, "ready.json")
	cmd := exec.Command(bin, "emulator", "--addr-base", "127.0.0.1:0", "--ready-file", ready)
	cmd.Dir = dir // not the working directory, which versitygw may have removed
	cmd.Env = toolEnv(dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the emulator: %v", err)
	}
	// The emulator prints "ready:" once serving, after writing the ready
	// file; the rest of its output is kept (and drained so that it never
	// blocks).
	var (
		outMu sync.Mutex
		out   strings.Builder
	)
	readyLine := make(chan bool, 1)
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		sc := bufio.NewScanner(stdout)
		seen := false
		for sc.Scan() {
			outMu.Lock()
			out.WriteString(sc.Text() + "\n")
			outMu.Unlock()
			if !seen && strings.HasPrefix(sc.Text(), "ready:") {
				seen = true
				readyLine <- true
			}
		}
		if !seen {
			readyLine <- false
		}
	}()
	output := func() string {
		outMu.Lock()
		defer outMu.Unlock()
		return out.String()
	}
	p := &emulatorProc{}
	exited := false
	var emuDir string // from the ready file: removed by the emulator on exit
	p.stop = func() string {
		if exited {
			return output()
		}
		exited = true
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Errorf("SIGTERM to the emulator: %v", err)
		}
		<-drained
		if err := cmd.Wait(); err != nil {
			t.Errorf("emulator after SIGTERM: %v (want exit 0)\n%s", err, stderr.Bytes())
		}
		for _, p := range []string{ready, emuDir} {
			if _, err := os.Stat(p); p != "" && !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the emulator left %s behind (stat: %v)", p, err)
			}
		}
		return output()
	}
	t.Cleanup(func() { p.stop() })
	select {
	case ok := <-readyLine:
		if !ok {
			<-drained
			_ = cmd.Wait()
			exited = true
			t.Fatalf("the emulator exited before it was ready:\n%s", stderr.Bytes())
		}
	case <-time.After(time.Minute): // a real process is starting
		_ = cmd.Process.Kill()
		<-drained
		_ = cmd.Wait() // stderr is complete once Wait returns
		exited = true
		t.Fatalf("the emulator printed no ready line within a minute:\n%s", stderr.Bytes())
	}
	data, err := os.ReadFile(ready)
	if err != nil {
		t.Fatalf("ready file: %v", err)
	}
	if err := json.Unmarshal(data, &p.info); err != nil {
		t.Fatalf("ready file %s: %v", ready, err)
	}
	info := p.info
	for name, u := range map[string]string{
		"s3_url": info.S3URL, "nebius_token_url": info.NebiusTokenURL, "yandex_token_url": info.YandexTokenURL,
		"yandex_iam_url": info.YandexIAMURL, "outscale_api_url": info.OutscaleAPIURL, "nebius_iam_addr": "http://" + info.NebiusIAMAddr,
		"yandex_endpoint": "http://" + info.YandexEndpoint,
	} {
		requireLoopbackURL(t, name, u)
	}
	emuDir = info.Dir
	p.printed = output()
	return p
}

// requireLoopbackURL fails the test unless u is an http URL on 127.0.0.1:
// nothing in this test may reach another host.
func requireLoopbackURL(t *testing.T, what, u string) *url.URL {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatalf("%s %q: %v", what, u, err)
	}
	if p.Scheme != "http" || p.Hostname() != "127.0.0.1" || p.Port() == "" {
		t.Fatalf("%s %q: want http://127.0.0.1:<port>/…", what, u)
	}
	return p
}

// writeRandomFile writes n pseudo-random bytes (seeded, so reproducible)
// and returns the path.
func writeRandomFile(t *testing.T, path string, n int, seed uint64) string {
	t.Helper()
	var s [32]byte
	s[0] = byte(seed)
	r := rand.NewChaCha8(s)
	buf := make([]byte, n)
	_, _ = r.Read(buf)
	if err := os.WriteFile(path, buf, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// multipartETag is S3's ETag of an object uploaded in parts of partSize
// bytes: the MD5 of the parts' MD5s, "-", the number of parts.
func multipartETag(t *testing.T, path string, partSize int) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var sums []byte
	n := 0
	for off := 0; off < len(data); off += partSize {
		s := md5.Sum(data[off:min(off+partSize, len(data))])
		sums = append(sums, s[:]...)
		n++
	}
	all := md5.Sum(sums)
	return fmt.Sprintf(`"%s-%d"`, hex.EncodeToString(all[:]), n)
}

// --- keys, one per cloud, made through iamkit's clients -----------------

const keyDescription = "iamkit-e2e-tools"

func createKey(ctx context.Context, km iam.KeyManager) (s3Key, error) {
	k, err := km.CreateKey(ctx, iam.CreateKeyRequest{Description: keyDescription, ExpiresAt: time.Now().Add(time.Hour)})
	if err != nil {
		return s3Key{}, err
	}
	return s3Key{Provider: k.Provider, AccessKeyID: k.AccessKeyID, Secret: k.Secret.Reveal(), SessionToken: k.SessionToken.Reveal()}, nil
}

// outscaleKey creates an access key with the OUTSCALE profile the
// emulator wrote (its root key).
func outscaleKey(ctx context.Context, info emulatorInfo) (s3Key, error) {
	p, err := outscale.LoadProfile(func(o *outscale.ProfileOptions) {
		o.ConfigFile, o.Profile, o.IgnoreEnv = info.OutscaleConfigFile, "default", true
	})
	if err != nil {
		return s3Key{}, err
	}
	c, err := outscale.New(outscale.WithProfile(p))
	if err != nil {
		return s3Key{}, err
	}
	defer c.Close()
	km, err := outscale.NewKeyManager(c)
	if err != nil {
		return s3Key{}, err
	}
	return createKey(ctx, km)
}

// yandexKey creates a static access key for the service account of the
// Yandex key.json the emulator wrote.
func yandexKey(ctx context.Context, info emulatorInfo) (s3Key, error) {
	key, err := yandexauth.LoadKeyFile(info.YandexKeyFile)
	if err != nil {
		return s3Key{}, err
	}
	ts, err := yandexauth.ServiceAccount(key, func(o *auth.ServiceAccountOptions) { o.Endpoint = info.YandexTokenURL })
	if err != nil {
		return s3Key{}, err
	}
	defer ts.Close()
	c, err := yandex.New(ts, func(o *yandex.Options) {
		o.Endpoint, o.OperationEndpoint, o.ServiceAccountID = info.YandexIAMURL, info.YandexIAMURL, key.ServiceAccountID
	})
	if err != nil {
		return s3Key{}, err
	}
	defer c.Close()
	km, err := yandex.NewKeyManager(c, key.ServiceAccountID)
	if err != nil {
		return s3Key{}, err
	}
	return createKey(ctx, km)
}

// nebiusKey creates an access key for the service account of the Nebius
// credentials file the emulator wrote.
func nebiusKey(ctx context.Context, info emulatorInfo) (s3Key, error) {
	key, err := nebiusauth.LoadCredentialsFile(info.NebiusCredentialsFile)
	if err != nil {
		return s3Key{}, err
	}
	ts, err := nebiusauth.ServiceAccount(key, func(o *auth.ServiceAccountOptions) { o.Endpoint = info.NebiusTokenURL })
	if err != nil {
		return s3Key{}, err
	}
	defer ts.Close()
	c, err := nebius.New(ts, func(o *nebius.Options) {
		o.Address, o.Plaintext, o.ProjectID = info.NebiusIAMAddr, true, info.NebiusProjectID
	})
	if err != nil {
		return s3Key{}, err
	}
	defer c.Close()
	km, err := nebius.NewKeyManager(c, nebius.ServiceAccount(key.ServiceAccountID))
	if err != nil {
		return s3Key{}, err
	}
	return createKey(ctx, km)
}

// --- the check client: the test's own view of what the tools did -------

// checkClient is an aws-sdk-go-v2 S3 client on the emulator, built from
// explicit options only (no shared config, environment or IMDS).
type checkClient struct{ c *s3.Client }

func newCheckClient(endpoint string, k s3Key) *checkClient {
	return &checkClient{c: s3.New(s3.Options{
		BaseEndpoint: aws.String(endpoint),
		UsePathStyle: true,
		Region:       toolRegion,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.Secret, SessionToken: k.SessionToken}, nil
		}),
	})}
}

// etag returns the object's ETag and size.
func (c *checkClient) etag(ctx context.Context, t *testing.T, bucket, key string) (string, int64) {
	t.Helper()
	out, err := c.c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("HeadObject %s/%s: %v", bucket, key, err)
	}
	return aws.ToString(out.ETag), aws.ToInt64(out.ContentLength)
}

// requireMultipart checks that the object is the file, uploaded in parts
// of partSize: its ETag is S3's multipart ETag of those parts.
func (c *checkClient) requireMultipart(ctx context.Context, t *testing.T, bucket, key, file string, partSize int) {
	t.Helper()
	st, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	etag, size := c.etag(ctx, t, bucket, key)
	if want := multipartETag(t, file, partSize); etag != want || size != st.Size() {
		t.Fatalf("%s/%s: ETag %s, size %d; want the multipart upload's ETag %s (parts of %d bytes), size %d", bucket, key, etag, size, want, partSize, st.Size())
	}
	t.Logf("%s/%s: multipart ETag %s", bucket, key, etag)
}

// requireGone checks that HEAD answers 404 (for the object, or the bucket
// when key is "").
func (c *checkClient) requireGone(ctx context.Context, t *testing.T, bucket, key string) {
	t.Helper()
	var err error
	if key == "" {
		_, err = c.c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
	} else {
		_, err = c.c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	}
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusNotFound {
		t.Fatalf("HEAD %s/%s after the delete: %v; want 404", bucket, key, err)
	}
}

// --- running the tools ---------------------------------------------------

// drive is one key's run of the tools.
type drive struct {
	ctx   context.Context
	info  emulatorInfo
	key   s3Key
	check *checkClient
	curl  string // curl's path, "" if absent: presigned URLs are then fetched with net/http
}

// toolEnv is the whole environment of a tool: PATH, a temporary HOME and
// TMPDIR, a UTF-8 locale, and the tool's own variables. Nothing else of the
// test's environment passes (no proxy, CA bundle or cloud credentials).
func toolEnv(home string, extra ...string) []string {
	return append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"TMPDIR=" + home,
		"LANG=C.UTF-8",
		"LC_ALL=C.UTF-8",
	}, extra...)
}

type result struct {
	stdout, stderr string
	err            error
}

// run runs a tool; it logs the command line (which holds no secret: the
// keys are in config files).
func run(ctx context.Context, t *testing.T, env []string, dir, bin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env, cmd.Dir = env, dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	t.Logf("$ %s %s  (%s, %v)", filepath.Base(bin), strings.Join(args, " "), time.Since(start).Round(time.Millisecond), exitStatus(err))
	return result{stdout.String(), stderr.String(), err}
}

func exitStatus(err error) string {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return "exit 0"
	case errors.As(err, &ee):
		return "exit " + strconv.Itoa(ee.ExitCode())
	default:
		return err.Error()
	}
}

// ok fails the test unless the tool succeeded, showing its output.
func (r result) ok(t *testing.T) result {
	t.Helper()
	if r.err != nil {
		t.Fatalf("failed: %v\nstdout:\n%s\nstderr:\n%s", r.err, tail(r.stdout), tail(r.stderr))
	}
	return r
}

// tail keeps the end of a long output (aws --debug).
func tail(s string) string {
	const max = 8000
	if len(s) > max {
		return "…" + s[len(s)-max:]
	}
	return s
}

func requireContains(t *testing.T, what, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Fatalf("%s: want %q in the output:\n%s", what, w, tail(out))
		}
	}
}

// curlPresigned uploads a file with curl to a URL of aws-sdk-go-v2's
// PresignPutObject and downloads it with curl from one of PresignGetObject
// (issue 14: the SDK's presigned URLs work with curl), sending only the
// headers the URL signed; the object is then the file.
func (d *drive) curlPresigned(t *testing.T, bin, bucket, dir string) {
	ctx := d.ctx
	c := d.check.c
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket %s: %v", bucket, err)
	}
	file := writeRandomFile(t, filepath.Join(dir, bucket+".bin"), 3<<20+17, 3)
	pc := s3.NewPresignClient(c, s3.WithPresignExpires(5*time.Minute))
	put, err := pc.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("up/file.bin")})
	if err != nil {
		t.Fatal(err)
	}
	curl := func(what string, args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(ctx, bin, append([]string{"--silent", "--show-error", "--fail", "--noproxy", "*"}, args...)...)
		cmd.Env = toolEnv(t.TempDir())
		start := time.Now()
		out, err := cmd.CombinedOutput()
		t.Logf("curl %s (%v, %v)", what, time.Since(start).Round(time.Millisecond), err)
		if err != nil {
			t.Fatalf("curl %s: %v\n%s", what, err, tail(string(out)))
		}
		return string(out)
	}
	requireLoopbackURL(t, "PresignPutObject URL", put.URL)
	args := []string{"--upload-file", file}
	for name, vals := range put.SignedHeader {
		if !strings.EqualFold(name, "Host") {
			for _, v := range vals {
				args = append(args, "--header", name+": "+v)
			}
		}
	}
	curl("--upload-file (PresignPutObject URL)", append(args, put.URL)...)
	if tag, size := d.check.etag(ctx, t, bucket, "up/file.bin"); size != 3<<20+17 || tag == "" {
		t.Fatalf("after the presigned PUT: ETag %q, size %d; want the file's %d bytes", tag, size, 3<<20+17)
	}
	get, err := pc.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("up/file.bin")})
	if err != nil {
		t.Fatal(err)
	}
	requireLoopbackURL(t, "PresignGetObject URL", get.URL)
	back := filepath.Join(dir, bucket+".back")
	curl("--output (PresignGetObject URL)", "--output", back, get.URL)
	if got, want := fileSHA256(t, back), fileSHA256(t, file); got != want {
		t.Fatalf("curl GET of the presigned URL: SHA-256 %s, want %s", got, want)
	}
	t.Logf("curl: PresignPutObject and PresignGetObject URLs: %d bytes up and down, SHA-256 equal", 3<<20+17)
	// A URL whose signature was changed is refused.
	bad := strings.Replace(get.URL, "X-Amz-Signature=", "X-Amz-Signature=0", 1)
	cmd := exec.CommandContext(ctx, bin, "--silent", "--noproxy", "*", "--output", "/dev/null", "--write-out", "%{http_code}", bad)
	cmd.Env = toolEnv(t.TempDir())
	if out, _ := cmd.Output(); strings.TrimSpace(string(out)) != "403" {
		t.Fatalf("curl GET of a tampered presigned URL: HTTP %s, want 403", out)
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("up/file.bin")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
}

// getSHA256 GETs a URL a tool printed with curl, as issue 14's table
// does (with net/http where curl is absent), and returns the status and
// the body's SHA-256.
func (d *drive) getSHA256(t *testing.T, what, u string) (int, string) {
	t.Helper()
	if d.curl == "" {
		return httpGetSHA256(d.ctx, t, what, u)
	}
	requireLoopbackURL(t, what, u)
	out := filepath.Join(t.TempDir(), "body")
	cmd := exec.CommandContext(d.ctx, d.curl, "--silent", "--show-error", "--noproxy", "*", "--output", out, "--write-out", "%{http_code}", u)
	cmd.Env = toolEnv(t.TempDir())
	code, err := cmd.Output()
	if err != nil {
		t.Fatalf("curl GET %s: %v", what, err)
	}
	status, err := strconv.Atoi(strings.TrimSpace(string(code)))
	if err != nil {
		t.Fatalf("curl GET %s: status %q", what, code)
	}
	t.Logf("curl GET %s: HTTP %d", what, status)
	return status, fileSHA256(t, out)
}

// httpGetSHA256 GETs a URL (a presigned one: no credentials of ours are
// added) on 127.0.0.1 and returns the status and the body's SHA-256.
func httpGetSHA256(ctx context.Context, t *testing.T, what, u string) (int, string) {
	t.Helper()
	requireLoopbackURL(t, what, u)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", what, err)
	}
	defer resp.Body.Close()
	h := sha256.New()
	if _, err := io.Copy(h, resp.Body); err != nil {
		t.Fatalf("GET %s: %v", what, err)
	}
	return resp.StatusCode, hex.EncodeToString(h.Sum(nil))
}

// presignedURL takes the URL a tool printed: its one line starting with
// http://.
func presignedURL(t *testing.T, out string) string {
	t.Helper()
	for line := range strings.Lines(out) {
		if line = strings.TrimSpace(line); strings.HasPrefix(line, "http://") {
			return line
		}
	}
	t.Fatalf("no URL in the output:\n%s", out)
	return ""
}

func writeConfig(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// rangeHeader matches the Range headers botocore's --debug log shows
// (aws-cli 2 prints str values, aws-cli 1 bytes: 'Range': b'bytes=…').
var rangeHeader = regexp.MustCompile(`'Range': b?'bytes=(\d+)-(\d*)'`)

// aws drives the AWS CLI: mb, cp up (multipart), ls --recursive, cp down
// (ranged GETs) and SHA-256, presign + GET, a wrong secret, rm, rb.
func (d *drive) aws(t *testing.T, bin, bucket, big string) {
	home := t.TempDir()
	cfg, creds := filepath.Join(home, "config"), filepath.Join(home, "credentials")
	// aws-cli 2.9 ignores endpoint_url in a profile (it came with 2.13):
	// every command gets --endpoint-url. Debian's 2.9 sends no default
	// checksums; later versions' CRC32 checksums are verified by the
	// emulator, so no request_checksum_calculation setting is needed.
	profile := fmt.Sprintf("region = %s\noutput = text\ns3 =\n    addressing_style = path\n", toolRegion)
	writeConfig(t, cfg, "[default]\n"+profile+"\n[profile wrong-secret]\n"+profile)
	token := ""
	if d.key.SessionToken != "" {
		token = "aws_session_token = " + d.key.SessionToken + "\n"
	}
	writeConfig(t, creds, fmt.Sprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n%s\n[wrong-secret]\naws_access_key_id = %s\naws_secret_access_key = %s\n%s",
		d.key.AccessKeyID, d.key.Secret, token, d.key.AccessKeyID, "wrong"+d.key.Secret, token))
	env := toolEnv(home,
		"AWS_CONFIG_FILE="+cfg,
		"AWS_SHARED_CREDENTIALS_FILE="+creds,
		"AWS_EC2_METADATA_DISABLED=true", // never ask an instance metadata service
		"AWS_PAGER=",
	)
	aws := func(args ...string) result {
		t.Helper()
		return run(d.ctx, t, env, home, bin, append([]string{"--endpoint-url", d.info.S3URL}, args...)...)
	}
	obj := "dir/big.bin"
	s3url := "s3://" + bucket + "/" + obj

	requireContains(t, "aws s3 mb", aws("s3", "mb", "s3://"+bucket).ok(t).stdout, "make_bucket: "+bucket)

	aws("--only-show-errors", "s3", "cp", big, s3url).ok(t)
	d.check.requireMultipart(d.ctx, t, bucket, obj, big, awsPartSize)

	requireContains(t, "aws s3 ls --recursive", aws("s3", "ls", "--recursive", "s3://"+bucket).ok(t).stdout, "20971520 "+obj)

	back := filepath.Join(home, "back.bin")
	dl := aws("--debug", "s3", "cp", s3url, back).ok(t)
	if got, want := fileSHA256(t, back), fileSHA256(t, big); got != want {
		t.Fatalf("downloaded SHA-256 %s, want %s", got, want)
	}
	starts := map[string]bool{}
	for _, m := range rangeHeader.FindAllStringSubmatch(dl.stderr, -1) {
		starts[m[1]] = true
	}
	if want := (20<<20 + awsPartSize - 1) / awsPartSize; len(starts) != want {
		t.Fatalf("aws s3 cp down: Range requests from %d distinct offsets in the --debug log, want %d (ranged GETs of %d bytes)", len(starts), want, awsPartSize)
	}
	t.Logf("aws s3 cp down: SHA-256 equal; ranged GETs from %d offsets", len(starts))

	u := presignedURL(t, aws("s3", "presign", s3url, "--expires-in", "300").ok(t).stdout)
	if status, sum := d.getSHA256(t, "aws s3 presign URL", u); status != http.StatusOK || sum != fileSHA256(t, big) {
		t.Fatalf("GET of the presigned URL: %d, SHA-256 %s; want 200 and the file", status, sum)
	}

	bad := aws("--profile", "wrong-secret", "s3", "ls", "s3://"+bucket)
	if bad.err == nil {
		t.Fatalf("aws s3 ls with a wrong secret succeeded:\n%s", bad.stdout)
	}
	requireContains(t, "aws s3 ls with a wrong secret", bad.stderr, "SignatureDoesNotMatch")

	requireContains(t, "aws s3 rm", aws("s3", "rm", s3url).ok(t).stdout, "delete: "+s3url)
	d.check.requireGone(d.ctx, t, bucket, obj)
	requireContains(t, "aws s3 rb", aws("s3", "rb", "s3://"+bucket).ok(t).stdout, "remove_bucket: "+bucket)
	d.check.requireGone(d.ctx, t, bucket, "")
}

// rclone drives rclone: mkdir, copyto with a 5M upload cutoff (multipart),
// ls (default list version: v1 for provider Other), link + GET, sync run
// twice, purge.
func (d *drive) rclone(t *testing.T, bin, bucket, big string) {
	home := t.TempDir()
	conf := filepath.Join(home, "rclone.conf")
	token := ""
	if d.key.SessionToken != "" {
		token = "session_token = " + d.key.SessionToken + "\n"
	}
	writeConfig(t, conf, fmt.Sprintf(`[emu]
type = s3
provider = Other
env_auth = false
access_key_id = %s
secret_access_key = %s
%sendpoint = %s
region = %s
force_path_style = true
`, d.key.AccessKeyID, d.key.Secret, token, d.info.S3URL, toolRegion))
	env := toolEnv(home, "RCLONE_CONFIG="+conf)
	rclone := func(args ...string) result {
		t.Helper()
		return run(d.ctx, t, env, home, bin, append([]string{"--config", conf}, args...)...)
	}
	remote := "emu:" + bucket

	rclone("mkdir", remote).ok(t)

	rclone("copyto", "--s3-upload-cutoff", "5M", big, remote+"/a/big.bin").ok(t)
	d.check.requireMultipart(d.ctx, t, bucket, "a/big.bin", big, rclonePartSize)

	ls := rclone("ls", "--dump", "headers", remote).ok(t)
	requireContains(t, "rclone ls", ls.stdout, "20971520 a/big.bin")
	lists := regexp.MustCompile(`GET /`+regexp.QuoteMeta(bucket)+`\?[^ ]*`).FindAllString(ls.stderr, -1)
	if len(lists) == 0 {
		t.Fatalf("rclone ls --dump headers shows no list request:\n%s", tail(ls.stderr))
	}
	for _, l := range lists {
		if strings.Contains(l, "list-type=2") {
			t.Fatalf("rclone ls sent ListObjectsV2 (%s); its default for provider Other is v1", l)
		}
	}
	t.Logf("rclone ls: ListObjects v1 (%s)", lists[0])

	u := presignedURL(t, rclone("link", remote+"/a/big.bin").ok(t).stdout)
	if status, sum := d.getSHA256(t, "rclone link URL", u); status != http.StatusOK || sum != fileSHA256(t, big) {
		t.Fatalf("GET of the rclone link: %d, SHA-256 %s; want 200 and the file", status, sum)
	}

	// sync: files dated in the past, so that a modification time the
	// emulator did not keep would differ from the object's Last-Modified
	// and make the second sync update or copy them.
	src := filepath.Join(home, "src")
	old := time.Date(2020, 1, 2, 3, 4, 5, 600_000_000, time.UTC)
	for i, name := range []string{"one.txt", "sub/two.txt", "sub/deeper/three.bin"} {
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		writeRandomFile(t, p, 1000*(i+1), uint64(10+i))
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	first := rclone("sync", "-v", src, remote+"/s").ok(t)
	if n := strings.Count(first.stderr, "Copied (new)"); n != 3 {
		t.Fatalf("first rclone sync copied %d files, want 3:\n%s", n, first.stderr)
	}
	second := rclone("sync", "-v", src, remote+"/s").ok(t)
	for _, bad := range []string{"Copied", "Updated", "ERROR"} {
		if strings.Contains(second.stderr, bad) {
			t.Fatalf("second rclone sync %s something (want nothing to do: sizes and modification times kept):\n%s", bad, second.stderr)
		}
	}
	lsl := rclone("lsl", remote+"/s").ok(t)
	requireContains(t, "rclone lsl", lsl.stdout, "2020-01-02 03:04:05.600000000 one.txt")

	rclone("purge", remote).ok(t)
	d.check.requireGone(d.ctx, t, bucket, "")
}

// s3cmd drives s3cmd: mb, put of 20 MB (multipart), ls --recursive, info,
// del --recursive, rb.
func (d *drive) s3cmd(t *testing.T, bin, bucket, big string) {
	home := t.TempDir()
	conf := filepath.Join(home, ".s3cfg")
	hostPort := requireLoopbackURL(t, "s3_url", d.info.S3URL).Host
	writeConfig(t, conf, fmt.Sprintf(`[default]
access_key = %s
secret_key = %s
access_token = %s
host_base = %s
host_bucket = %s
bucket_location = %s
use_https = False
signature_v2 = False
`, d.key.AccessKeyID, d.key.Secret, d.key.SessionToken, hostPort, hostPort, toolRegion))
	env := toolEnv(home)
	s3cmd := func(args ...string) result {
		t.Helper()
		return run(d.ctx, t, env, home, bin, append([]string{"-c", conf}, args...)...)
	}
	s3url := "s3://" + bucket + "/d/big.bin"

	s3cmd("mb", "s3://"+bucket).ok(t)

	s3cmd("put", big, s3url).ok(t)
	d.check.requireMultipart(d.ctx, t, bucket, "d/big.bin", big, s3cmdPartSize)

	ls := s3cmd("ls", "--recursive", "s3://"+bucket).ok(t)
	if !regexp.MustCompile(`(?m)\s20000000\s+` + regexp.QuoteMeta(s3url) + `$`).MatchString(ls.stdout) {
		t.Fatalf("s3cmd ls --recursive: want %s of 20000000 bytes:\n%s", s3url, ls.stdout)
	}

	requireContains(t, "s3cmd info", s3cmd("info", s3url).ok(t).stdout, "File size: 20000000", "MD5 sum:")

	requireContains(t, "s3cmd del --recursive", s3cmd("del", "--recursive", "--force", "s3://"+bucket).ok(t).stdout, "delete: '"+s3url+"'")
	if out := s3cmd("ls", "--recursive", "s3://"+bucket).ok(t).stdout; strings.TrimSpace(out) != "" {
		t.Fatalf("s3cmd ls --recursive after del --recursive:\n%s", out)
	}
	s3cmd("rb", "s3://"+bucket).ok(t)
	d.check.requireGone(d.ctx, t, bucket, "")
}
