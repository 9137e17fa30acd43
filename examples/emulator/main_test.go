package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/auth/yandexauth"
	iamcreds "github.com/iamkit/iamkit/credentials"
	"github.com/iamkit/iamkit/credentials/s3client"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/nebius"
	"github.com/iamkit/iamkit/iam/outscale"
	"github.com/iamkit/iamkit/iam/yandex"
)

// TestEmulatorProgram builds the program, runs it as a subprocess on free
// ports, talks to every kind of emulator through the addresses it printed
// (through its forwarders, or the Yandex IAM emulator's own address), stops
// it with SIGINT, and checks that it exits 0 and leaves no file behind.
func TestEmulatorProgram(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGINT cannot be sent to a process on Windows")
	}
	if testing.Short() {
		t.Skip("builds and runs the program")
	}
	bin := filepath.Join(t.TempDir(), "emulator")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	tmp := t.TempDir() // the program's TMPDIR: must be empty again after exit
	readyFile := filepath.Join(t.TempDir(), "ready.json")
	cmd := exec.Command(bin, "-addr-base", "127.0.0.1:0", "-ready-file", readyFile)
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := false
	t.Cleanup(func() {
		if !exited {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})

	// Read stdout until the ready line, then keep draining it.
	var (
		mu  sync.Mutex
		out strings.Builder
	)
	ready := make(chan struct{})
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		sc := bufio.NewScanner(stdout)
		seen := false
		for sc.Scan() {
			mu.Lock()
			out.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if !seen && strings.HasPrefix(sc.Text(), ReadyPrefix) {
				seen = true
				close(ready)
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case <-ready:
	case <-drained:
		_ = cmd.Wait()
		exited = true
		t.Fatalf("program ended before it was ready:\n%s\nstderr:\n%s", out.String(), stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("no ready line within 60 s:\n%s", out.String())
	}

	data, err := os.ReadFile(readyFile)
	if err != nil {
		t.Fatalf("ready file: %v", err)
	}
	var info Info
	if err := json.Unmarshal(data, &info); err != nil {
		t.Fatalf("ready file: %v\n%s", err, data)
	}
	mu.Lock()
	printed := out.String()
	mu.Unlock()
	for _, want := range []string{info.NebiusTokenURL, info.NebiusIAMAddr, info.YandexTokenURL, info.YandexIAMURL,
		info.OutscaleAPIURL, info.S3URL, info.NebiusCredentialsFile, info.YandexKeyFile, info.OutscaleAccessKey,
		"credential_process = ", "AWS_ENDPOINT_URL_S3=" + info.S3URL, "OSC_ENDPOINT_API=" + info.OutscaleAPIURL} {
		if want == "" || !strings.Contains(printed, want) {
			t.Errorf("output lacks %q:\n%s", want, printed)
		}
	}
	if !strings.HasPrefix(info.Dir, tmp) {
		t.Errorf("files in %s, not under TMPDIR %s", info.Dir, tmp)
	}
	for _, f := range []string{info.NebiusCredentialsFile, info.YandexKeyFile, info.OutscaleConfigFile} {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, st.Mode().Perm())
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	t.Run("yandex token exchange with the printed key.json", func(t *testing.T) {
		key, err := yandexauth.LoadKeyFile(info.YandexKeyFile)
		if err != nil {
			t.Fatal(err)
		}
		ts, err := yandexauth.ServiceAccount(key, func(o *auth.ServiceAccountOptions) { o.Endpoint = info.YandexTokenURL })
		if err != nil {
			t.Fatal(err)
		}
		defer ts.Close()
		tok, err := ts.AccessToken(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(tok.Value.Reveal(), "t1.") {
			t.Errorf("token does not look like the Yandex emulator's")
		}
	})
	t.Run("yandex endpoint list names the public address; key CRUD there, then S3", func(t *testing.T) {
		eps, err := yandex.DiscoverEndpoints(ctx, info.YandexIAMURL+"/endpoints")
		if err != nil {
			t.Fatal(err)
		}
		if eps.IAM != info.YandexIAMURL || eps.Operation != info.YandexIAMURL {
			t.Fatalf("GET %s/endpoints: iam %s, operation %s; want the printed address %s", info.YandexIAMURL, eps.IAM, eps.Operation, info.YandexIAMURL)
		}
		key, err := yandexauth.LoadKeyFile(info.YandexKeyFile)
		if err != nil {
			t.Fatal(err)
		}
		ts, err := yandexauth.ServiceAccount(key, func(o *auth.ServiceAccountOptions) { o.Endpoint = info.YandexTokenURL })
		if err != nil {
			t.Fatal(err)
		}
		defer ts.Close()
		c, err := yandex.New(ts, eps.Apply)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		km, err := yandex.NewKeyManager(c, info.YandexServiceAccount)
		if err != nil {
			t.Fatal(err)
		}
		ak, err := km.CreateKey(ctx, iam.CreateKeyRequest{Description: "emulator-test"})
		if err != nil {
			t.Fatal(err)
		}
		s3Roundtrip(ctx, t, "emulator-test-yandex", iam.Yandex, info.S3URL, "ru-central1", ak)
	})
	t.Run("nebius exchange and gRPC key CRUD, then S3 with the minted key", func(t *testing.T) {
		key, err := nebiusauth.LoadCredentialsFile(info.NebiusCredentialsFile)
		if err != nil {
			t.Fatal(err)
		}
		ts, err := nebiusauth.ServiceAccount(key, func(o *auth.ServiceAccountOptions) { o.Endpoint = info.NebiusTokenURL })
		if err != nil {
			t.Fatal(err)
		}
		defer ts.Close()
		c, err := nebius.New(ts, func(o *nebius.Options) {
			o.Address, o.Plaintext, o.ProjectID = info.NebiusIAMAddr, true, info.NebiusProjectID
		})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		km, err := nebius.NewKeyManager(c, nebius.ServiceAccount(key.ServiceAccountID))
		if err != nil {
			t.Fatal(err)
		}
		ak, err := km.CreateKey(ctx, iam.CreateKeyRequest{Description: "emulator-test"})
		if err != nil {
			t.Fatal(err)
		}
		s3Roundtrip(ctx, t, "emulator-test-nebius", iam.Nebius, info.S3URL, "eu-north1", ak)
	})
	t.Run("outscale with the printed config.json, then S3", func(t *testing.T) {
		prof, err := outscale.LoadProfile(func(o *outscale.ProfileOptions) {
			o.ConfigFile, o.Profile, o.IgnoreEnv = info.OutscaleConfigFile, "default", true
		})
		if err != nil {
			t.Fatal(err)
		}
		c, err := outscale.New(outscale.WithProfile(prof))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		km, err := outscale.NewKeyManager(c)
		if err != nil {
			t.Fatal(err)
		}
		keys, err := km.ListKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, k := range keys {
			found = found || k.AccessKeyID == info.OutscaleAccessKey
		}
		if !found {
			t.Errorf("ReadAccessKeys does not list the root key %s: %+v", info.OutscaleAccessKey, keys)
		}
		ak, err := km.CreateKey(ctx, iam.CreateKeyRequest{Description: "emulator-test"})
		if err != nil {
			t.Fatal(err)
		}
		s3Roundtrip(ctx, t, "emulator-test-outscale", iam.Outscale, info.S3URL, info.OutscaleRegion, ak)
	})

	t.Run("the printed token commands", func(t *testing.T) {
		tokenBin := filepath.Join(t.TempDir(), "token")
		if out, err := exec.Command("go", "build", "-o", tokenBin, "../token").CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
		for _, v := range []struct{ env, issuer string }{{"NEBIUS_IAM_TOKEN", "v1."}, {"YC_IAM_TOKEN", "t1."}} {
			line := lineAfter(printed, "export "+v.env+"=$(go run ./examples/token ")
			args := strings.Fields(strings.TrimSuffix(line, ")"))
			if len(args) != 4 {
				t.Fatalf("%s line: %q", v.env, line)
			}
			cache := t.TempDir()
			cmd := exec.CommandContext(ctx, tokenBin, args...)
			cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+cache, "HOME="+cache)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("token %s: %v", line, err)
			}
			if !strings.HasPrefix(string(out), v.issuer) {
				t.Errorf("%s: the token command printed no %s token", v.env, v.issuer)
			}
		}
	})
	t.Run("the printed credential_process profile", func(t *testing.T) {
		if _, err := os.Stat("../credential-process/main.go"); err != nil {
			t.Skipf("examples/credential-process not there: %v", err)
		}
		line := lineAfter(printed, "credential_process = ")
		fields := strings.Fields(line)
		helper := filepath.Join(info.Dir, "iamkit-credential-process")
		if !strings.Contains(printed, "go build -o "+helper+" ./examples/credential-process") || len(fields) < 3 || fields[2] != helper {
			t.Fatalf("build command or credential_process line not as expected: %q", line)
		}
		if out, err := exec.Command("go", "build", "-o", helper, "../credential-process").CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
		cp := exec.CommandContext(ctx, fields[0], fields[1:]...)
		cp.Env = append(os.Environ(), "HOME="+t.TempDir(), "OSC_ACCESS_KEY=", "OSC_SECRET_KEY=", "OSC_ENDPOINT_API=", "OSC_PROFILE=")
		var cpErr bytes.Buffer
		cp.Stderr = &cpErr
		out, err := cp.Output()
		if err != nil {
			t.Fatalf("%s: %v\nstderr: %s", line, err, cpErr.String())
		}
		var got struct {
			Version         int
			AccessKeyID     string `json:"AccessKeyId"`
			SecretAccessKey string
		}
		if err := json.Unmarshal(out, &got); err != nil || got.Version != 1 || got.AccessKeyID == "" || got.SecretAccessKey == "" {
			t.Fatalf("credential_process output is not Version 1 credentials (err %v)", err)
		}
		s3Roundtrip(ctx, t, "emulator-test-aws-profile", iam.Outscale, lineValue(printed, "endpoint_url = "), lineValue(printed, "region = "),
			iam.AccessKey{Provider: iam.Outscale, AccessKeyID: got.AccessKeyID, Secret: iam.NewSecret(got.SecretAccessKey)})
	})

	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	waitErr := make(chan error, 1)
	go func() { <-drained; waitErr <- cmd.Wait() }()
	select {
	case err := <-waitErr:
		exited = true
		if err != nil {
			t.Fatalf("exit after SIGINT: %v\nstderr:\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("still running 30 s after SIGINT")
	}
	if _, err := os.Stat(info.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary directory %s still there after exit (err %v)", info.Dir, err)
	}
	if _, err := os.Stat(readyFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ready file still there after exit (err %v)", err)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("files left in TMPDIR: %v", left)
	}
	if stderr.Len() > 0 {
		t.Errorf("unexpected stderr:\n%s", stderr.String())
	}
}

// lineAfter returns the rest of the first line of text that contains
// marker, after it.
func lineAfter(text, marker string) string {
	for _, l := range strings.Split(text, "\n") {
		if _, after, ok := strings.Cut(l, marker); ok {
			return after
		}
	}
	return ""
}

// lineValue is lineAfter for a line that starts with marker (after
// indentation).
func lineValue(text, marker string) string {
	for _, l := range strings.Split(text, "\n") {
		if after, ok := strings.CutPrefix(strings.TrimSpace(l), marker); ok {
			return after
		}
	}
	return ""
}

// s3Roundtrip puts and gets an object through the S3 forwarder with ak.
func s3Roundtrip(ctx context.Context, t *testing.T, bucket string, p iam.Provider, endpoint, region string, ak iam.AccessKey) {
	t.Helper()
	creds, err := iamcreds.NewStaticProvider(ak)
	if err != nil {
		t.Fatal(err)
	}
	client, err := s3client.New(p, region, creds, func(o *s3client.Options) { o.Endpoint = endpoint })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("hello"),
		Body: strings.NewReader("hello")}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	got, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("hello")})
	if err != nil {
		t.Fatalf("GetObject: %v", err)
	}
	defer got.Body.Close()
	body, _ := io.ReadAll(got.Body)
	if string(body) != "hello" {
		t.Errorf("GetObject = %q", body)
	}
}

func TestResolveAddrs(t *testing.T) {
	mk := func() []*service {
		return []*service{{flag: "a", offset: 0}, {flag: "b", offset: 1}, {flag: "c", offset: 5}}
	}
	tests := []struct {
		base    string
		set     map[string]string
		want    []string
		wantErr string
	}{
		{base: "127.0.0.1:18400", want: []string{"127.0.0.1:18400", "127.0.0.1:18401", "127.0.0.1:18405"}},
		{base: "127.0.0.1:0", want: []string{"127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"}},
		{base: "[::1]:9000", want: []string{"[::1]:9000", "[::1]:9001", "[::1]:9005"}},
		{base: "localhost:9000", set: map[string]string{"b": "127.0.0.2:7000"}, want: []string{"localhost:9000", "127.0.0.2:7000", "localhost:9005"}},
		{base: "0.0.0.0:18400", wantErr: "not a loopback address"},
		{base: "127.0.0.1:18400", set: map[string]string{"c": "192.168.1.1:80"}, wantErr: `-c "192.168.1.1:80"`},
		{base: "127.0.0.1", wantErr: "want host:port"},
		{base: "127.0.0.1:65534", wantErr: "port must be"},
	}
	for _, tt := range tests {
		t.Run(tt.base, func(t *testing.T) {
			s := mk()
			for _, sv := range s {
				sv.addr = tt.set[sv.flag]
			}
			err := resolveAddrs(tt.base, s)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, sv := range s {
				if sv.addr != tt.want[i] {
					t.Errorf("%s = %q, want %q", sv.flag, sv.addr, tt.want[i])
				}
			}
		})
	}
}

// TestRunStopsOnCancel runs the program in-process and cancels it, as a
// signal would: every forwarder and emulator is closed and its files removed.
func TestRunStopsOnCancel(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	var stderr bytes.Buffer
	go func() {
		done <- run(ctx, []string{"-addr-base", "127.0.0.1:0"}, pw, &stderr)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), ReadyPrefix) {
			cancel()
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	cancel()
	if left, _ := os.ReadDir(os.Getenv("TMPDIR")); len(left) > 0 {
		t.Errorf("files left behind: %v", left)
	}
}

func TestRunRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-addr-base", "10.0.0.1:18400"},
		{"-s3", "example.com:80"},
		{"extra"},
	} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), args, &out, &errOut); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
		if out.Len() > 0 {
			t.Errorf("run(%q) printed %q before failing", args, out.String())
		}
	}
}

// TestBusyPortIsReported checks the error when a requested port is taken.
func TestBusyPortIsReported(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	addr := busy.Addr().String()
	var out, errOut bytes.Buffer
	err = run(context.Background(), []string{"-addr-base", "127.0.0.1:0", "-s3", addr}, &out, &errOut)
	if err == nil || !strings.HasPrefix(err.Error(), "S3: ") || !strings.Contains(err.Error(), addr) ||
		!strings.Contains(err.Error(), "-addr-base") || !strings.Contains(err.Error(), "-s3") {
		t.Fatalf("err = %v", err)
	}
	if left, _ := os.ReadDir(os.Getenv("TMPDIR")); len(left) > 0 {
		t.Errorf("files left behind: %v", left)
	}
}
