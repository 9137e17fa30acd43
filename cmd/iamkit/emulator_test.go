package main

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/iamkit/iamkit/credentials/s3client"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/loopback/loopbacktest"
)

// splitShell splits a command line as a POSIX shell (and botocore's
// credential_process) does, for the quoting shellQuote produces.
func splitShell(t *testing.T, line string) []string {
	t.Helper()
	var (
		args   []string
		cur    strings.Builder
		inWord bool
		quoted bool
	)
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quoted && c == '\'':
			quoted = false
		case quoted:
			cur.WriteByte(c)
		case c == '\'':
			quoted, inWord = true, true
		case c == '\\' && i+1 < len(line):
			i++
			cur.WriteByte(line[i])
			inWord = true
		case c == ' ' || c == '\t':
			if inWord {
				args = append(args, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if quoted {
		t.Fatalf("unbalanced quote in %q", line)
	}
	if inWord {
		args = append(args, cur.String())
	}
	return args
}

// awsProfiles reads the credential_process line of each profile of an
// AWS config file.
func awsProfiles(t *testing.T, text string) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{}
	var cur map[string]string
	for _, line := range strings.Split(text, "\n") {
		if name, ok := strings.CutPrefix(line, "[profile "); ok {
			cur = map[string]string{}
			out[strings.TrimSuffix(name, "]")] = cur
			continue
		}
		if k, v, ok := strings.Cut(line, " = "); ok && cur != nil && !strings.HasPrefix(line, " ") {
			cur[k] = v
		}
	}
	return out
}

// TestEmulator runs iamkit emulator on free ports, checks what it prints
// and writes, runs the credential_process command of each printed AWS
// profile (the S3 emulator accepts the key it prints), and stops it with
// SIGTERM: exit 0, the calls each emulator received, nothing left.
func TestEmulator(t *testing.T) {
	sb := newSandbox(t)
	ready := filepath.Join(sb.root, "ready.json")
	p := sb.start(t, nil, "emulator", "--addr-base", "127.0.0.1:0", "--ready-file", ready)
	p.waitFor(t, "stdout", readyPrefix)
	data, err := os.ReadFile(ready)
	if err != nil {
		t.Fatal(err)
	}
	var info emulatorInfo
	if err := json.Unmarshal(data, &info); err != nil {
		t.Fatal(err)
	}
	exe, err := filepath.EvalSymlinks(binary)
	if err != nil {
		t.Fatal(err)
	}
	if info.Executable != exe {
		t.Errorf("the profiles run %q, not this iamkit %q", info.Executable, exe)
	}
	if !strings.HasPrefix(info.Dir, sb.dirs["tmp"]) {
		t.Errorf("files in %s, not under TMPDIR", info.Dir)
	}
	printed := p.stdout.String()
	for _, want := range []string{info.NebiusTokenURL, info.NebiusIAMAddr, info.YandexTokenURL, info.YandexIAMURL, info.YandexEndpoint,
		info.OutscaleAPIURL, info.S3URL, info.NebiusCredentialsFile, info.YandexKeyFile, info.OutscaleConfigFile, info.AWSConfigFile, info.RcloneConfigFile,
		"request_checksum_calculation = when_required", "response_checksum_validation = when_required", "addressing_style = path",
		"credential_process = " + exe + " credential-process", "ignores endpoint_url"} {
		if want == "" || !strings.Contains(printed, want) {
			t.Errorf("the output lacks %q", want)
		}
	}
	// Every aws command printed passes --endpoint-url: aws-cli < 2.13
	// would send it to AWS otherwise.
	awsLines := regexp.MustCompile(`(?m)^\s*aws .*$`).FindAllString(printed, -1)
	if len(awsLines) < 3 {
		t.Errorf("only %d aws command lines printed", len(awsLines))
	}
	for _, l := range awsLines {
		if !strings.Contains(l, "--endpoint-url "+info.S3URL) {
			t.Errorf("a printed aws command without --endpoint-url: %q", l)
		}
	}
	for _, f := range []string{info.NebiusCredentialsFile, info.YandexKeyFile, info.OutscaleConfigFile, info.AWSConfigFile, info.RcloneConfigFile, ready} {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", f, st.Mode().Perm())
		}
	}
	awsConfig, err := os.ReadFile(info.AWSConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(awsConfig), "\n") {
		if line != "" && !strings.Contains(printed, "\n  "+line+"\n") {
			t.Errorf("the file's line %q is not printed", line)
		}
	}
	rclone, err := os.ReadFile(info.RcloneConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	profiles := awsProfiles(t, string(awsConfig))
	regions := map[string]string{"nebius": nebiusRegion, "yandex": yandexRegion, "outscale": outscaleRegion}
	for _, cloud := range allClouds {
		name := info.AWSProfiles[string(cloud)]
		prof := profiles[name]
		if prof == nil || prof["endpoint_url"] != info.S3URL || prof["region"] != regions[string(cloud)] {
			t.Fatalf("profile %s: %v", name, prof)
		}
		if !strings.Contains(string(rclone), "["+name+"]\ntype = s3\nprovider = Other\nenv_auth = true\nprofile = "+name+"\nendpoint = "+info.S3URL) {
			t.Errorf("rclone remote %s:\n%s", name, rclone)
		}
		// Run the profile's credential_process as botocore does.
		argv := splitShell(t, prof["credential_process"])
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Env = sb.environ()
		out, err := cmd.Output()
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				t.Fatalf("%s: credential_process: %v\n%s", name, err, ee.Stderr)
			}
			t.Fatal(err)
		}
		var c credentialOutput
		if err := json.Unmarshal(out, &c); err != nil || c.SecretAccessKey == "" {
			t.Fatalf("%s: credential_process printed %v", name, err)
		}
		client, err := s3client.New(cloud, regions[string(cloud)], aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}, nil
		}), func(o *s3client.Options) { o.Endpoint = info.S3URL })
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, err = client.ListBuckets(ctx, &s3.ListBucketsInput{})
		cancel()
		if err != nil {
			t.Errorf("%s: S3 refused the key credential_process printed: %v", name, err)
		}
	}
	// doctor on the environment lines it printed.
	env := sb.with("IAMKIT_NEBIUS_KEY_FILE", info.NebiusCredentialsFile, "IAMKIT_NEBIUS_ADDRESS", "http://"+info.NebiusIAMAddr,
		"IAMKIT_NEBIUS_PROJECT_ID", info.NebiusProjectID, "IAMKIT_YANDEX_KEY_FILE", info.YandexKeyFile, "IAMKIT_YANDEX_ENDPOINT", info.YandexEndpoint,
		"OSC_CONFIG_FILE", info.OutscaleConfigFile, "OSC_PROFILE", "default")
	for _, line := range []string{"export IAMKIT_NEBIUS_KEY_FILE=", "export IAMKIT_YANDEX_KEY_FILE=", "export OSC_CONFIG_FILE="} {
		if !strings.Contains(printed, line) {
			t.Errorf("no %q line printed", line)
		}
	}
	if r := env.run(t, nil, "doctor", "--no-metadata"); r.code != exitOK || strings.Count(r.stdout, ": works") != 3 {
		t.Errorf("doctor on the printed environment:\n%s", r)
	}

	res := p.signal(t, syscall.SIGTERM)
	if res.code != exitOK {
		t.Fatalf("after SIGTERM: want exit 0\n%s", res)
	}
	for _, want := range []string{"calls: nebius AccessKeyService/Create 1", "calls: yandex AccessKeyService/Create 1", "calls: outscale CreateAccessKey 1"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("the calls printed on exit lack %q:\n%s", want, res.stdout[strings.Index(res.stdout, "stopping"):])
		}
	}
	for _, f := range []string{info.Dir, ready} {
		if _, err := os.Stat(f); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s left behind (stat: %v)", f, err)
		}
	}
	sb.requireEmpty(t, "the emulator")
}

// TestEmulatorStops: SIGINT stops it as cleanly as SIGTERM; a port taken
// by another program is an error naming the flag to change, leaving no
// file.
func TestEmulatorStops(t *testing.T) {
	sb := newSandbox(t)
	p := sb.start(t, nil, "emulator", "--addr-base", "127.0.0.1:0")
	p.waitFor(t, "stdout", readyPrefix)
	if res := p.interrupt(t); res.code != exitOK || !strings.Contains(res.stdout, "stopping:") {
		t.Errorf("after SIGINT: want exit 0\n%s", res)
	}
	sb.requireEmpty(t, "the emulator after SIGINT")

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	r := sb.run(t, nil, "emulator", "--addr-base", "127.0.0.1:0", "--s3", l.Addr().String()).requireExit(t, exitFailure)
	if !strings.Contains(r.stderr, "S3 on "+l.Addr().String()) || !strings.Contains(r.stderr, "--s3") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("a taken port:\n%s", r)
	}
	sb.requireEmpty(t, "the emulator on a taken port")
}

// TestDoctor: nothing configured, broken, failing and working clouds,
// in text and JSON, with their exit codes; no secret printed.
func TestDoctor(t *testing.T) {
	w := newWorld(t)
	sb := newSandbox(t)

	r := sb.run(t, w, "doctor").requireExit(t, exitConfig)
	for _, want := range []string{"nebius: not configured", "yandex: not configured", "outscale: not configured",
		"NEBIUS_IAM_TOKEN (not set)", "YC_SERVICE_ACCOUNT_KEY_FILE (not set)", "OSC_ACCESS_KEY", "metadata"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("doctor with nothing configured: no %q\n%s", want, r)
		}
	}
	r = sb.run(t, w, "doctor", "-o", "json").requireExit(t, exitConfig)
	var reports []cloudReport
	if err := json.Unmarshal([]byte(r.stdout), &reports); err != nil || len(reports) != 3 || reports[0].Status != statusNotConfigured {
		t.Errorf("doctor -o json: %v\n%s", err, r)
	}

	closed := loopbacktest.Refused(t)
	working := sb.with("IAMKIT_NEBIUS_KEY_FILE", w.nebiusKeyFile, "IAMKIT_NEBIUS_ADDRESS", "http://"+w.nebius.Addr,
		"IAMKIT_NEBIUS_PROJECT_ID", w.nebiusSA.ProjectID, "YC_SERVICE_ACCOUNT_KEY_FILE", w.yandexKeyFile, "IAMKIT_YANDEX_ENDPOINT", w.gateway.addr,
		"OSC_CONFIG_FILE", w.outscaleConfig)
	r = working.run(t, w, "doctor").requireExit(t, exitOK)
	for _, want := range []string{"nebius: works", "yandex: works", "outscale: works", "key-file " + w.nebiusKeyFile,
		"(YC_SERVICE_ACCOUNT_KEY_FILE: key ", `profile "default" (` + w.outscaleConfig, "token        127.0.0.1:", "key API      " + w.outscale.URL + ": ok, 1 access key of"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("doctor: no %q\n%s", want, r)
		}
	}
	w.requireNoSecret(t, "doctor's stdout", r.stdout)

	r = working.with("IAMKIT_OUTSCALE_ENDPOINT", "http://"+closed+"/api/v1").run(t, w, "doctor").requireExit(t, exitFailure)
	if !strings.Contains(r.stdout, "outscale: fails") || !strings.Contains(r.stdout, "outscale at http://"+closed+"/api/v1") || !strings.Contains(r.stdout, "connection refused") {
		t.Errorf("doctor with a closed OUTSCALE endpoint:\n%s", r)
	}
	r = working.with("IAMKIT_CLOUD", "outscale", "IAMKIT_OUTSCALE_ENDPOINT", "http://"+closed+"/api/v1").run(t, w, "doctor").requireExit(t, exitFailure)
	if strings.Contains(r.stdout, "nebius") {
		t.Errorf("doctor --cloud outscale reported another cloud:\n%s", r)
	}
	if err := os.MkdirAll(filepath.Join(sb.dirs["home"], ".nebius"), 0o700); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(sb.dirs["home"], ".nebius", "config.yaml")
	if err := os.WriteFile(broken, []byte("profiles: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = sb.run(t, w, "doctor", "--cloud", "nebius").requireExit(t, exitConfig)
	if !strings.Contains(r.stdout, "nebius: broken") || !strings.Contains(r.stdout, broken) {
		t.Errorf("doctor with a broken Nebius config:\n%s", r)
	}
	if err := os.Remove(broken); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Dir(broken)); err != nil {
		t.Fatal(err)
	}
	sb.requireEmpty(t, "doctor")
	_ = iam.Nebius
}
