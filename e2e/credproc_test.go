package e2e

// The credential_process test of issue 17: the AWS CLI (and rclone)
// configured with the profiles iamkit emulator prints, getting their
// credentials from iamkit credential-process.

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// timesEnv, when set in the environment of this test binary, makes it a
// timer instead (see TestMain): it runs its arguments as a command, passes
// its input, output and exit code through, and appends the command's wall
// time to the file the variable names. The AWS CLI's credential_process
// runs iamkit through it, so that every run the AWS CLI makes is measured
// from outside, process start and exit included.
const timesEnv = "E2E_CREDENTIAL_PROCESS_TIMES"

func TestMain(m *testing.M) {
	if log := os.Getenv(timesEnv); log != "" && len(os.Args) > 1 && !strings.HasPrefix(os.Args[1], "-test.") {
		os.Exit(timeCommand(log, os.Args[1:]))
	}
	os.Exit(m.Run())
}

// timeCommand runs args, and appends "<microseconds> <exit code>" to log.
func timeCommand(log string, args []string) int {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, timesEnv+"=") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		fmt.Fprintln(os.Stderr, "timer:", err)
		code = 126
	}
	f, ferr := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if ferr == nil {
		fmt.Fprintf(f, "%d %d\n", took.Microseconds(), code)
		f.Close()
	}
	return code
}

// runTimes reads a timer log: each run's wall time and exit code.
func runTimes(t *testing.T, log string) (took []time.Duration, codes []int) {
	t.Helper()
	f, err := os.Open(log)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var us int64
		var code int
		if _, err := fmt.Sscanf(sc.Text(), "%d %d", &us, &code); err != nil {
			t.Fatalf("timer log %s: %q: %v", log, sc.Text(), err)
		}
		took, codes = append(took, time.Duration(us)*time.Microsecond), append(codes, code)
	}
	return took, codes
}

// callCounts parses the "calls: <emulator> <method> <n>" lines iamkit
// emulator prints when it stops.
func callCounts(t *testing.T, out string) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for _, m := range regexp.MustCompile(`(?m)^calls: (\S+) (\S+) (\d+)$`).FindAllStringSubmatch(out, -1) {
		n, _ := strconv.Atoi(m[3])
		counts[m[1]+" "+m[2]] = n
	}
	if len(counts) == 0 {
		t.Fatalf("the emulator printed no calls on exit:\n%s", tail(out))
	}
	return counts
}

// maxRun is the longest a credential-process run may take.
const maxRun = 200 * time.Millisecond

// TestAWSCLICredentialProcess configures the AWS CLI with the profiles
// iamkit emulator printed for the three clouds, whose credential_process
// runs iamkit credential-process (through the timer above), and runs aws
// s3 mb, cp, ls, rm and rb with each. The AWS CLI caches nothing between
// its processes, so the helper runs once per command (its Expiration is
// far enough ahead that no command asks twice): five runs per profile,
// each under 200 ms by its wall time (median and max logged per cloud),
// and one key created per profile across its five commands, seen with
// iamkit keys list before and after them. rclone, when installed, then
// uses the printed remotes, which take their credentials from the same
// profiles; the emulators' call counts, printed when it stops, must show
// one key created per cloud in all.
func TestAWSCLICredentialProcess(t *testing.T) {
	awsBin := findTool(t, "aws", "awscli", os.Getenv(awsCLIEnv))
	if awsBin == "" {
		t.Skip("aws not installed (Debian package awscli)")
	}
	if out, err := exec.Command(awsBin, "--version").CombinedOutput(); err != nil {
		t.Fatalf("%s --version: %v\n%s", awsBin, err, out)
	} else {
		t.Logf("AWS CLI: %s: %s", awsBin, strings.TrimSpace(string(out)))
	}
	rcloneBin := findTool(t, "rclone", "rclone", "")
	emu := startEmulator(t)
	info := emu.info
	listKeys := func(t *testing.T, cloud string) []string {
		t.Helper()
		return listEmulatorKeys(t, emu, cloud)
	}

	// The profiles are the ones printed, as written to aws-config.
	conf, err := os.ReadFile(info.AWSConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(conf), "\n") {
		if line != "" && !strings.Contains(emu.printed, "  "+line+"\n") {
			t.Fatalf("aws-config's line %q was not printed", line)
		}
	}
	if !strings.Contains(string(conf), "credential_process = "+info.Executable+" credential-process --cloud ") {
		t.Fatalf("the profiles do not run the iamkit that printed them (%s):\n%s", info.Executable, conf)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(self, " '\"\\") {
		t.Skipf("this test binary's path %q needs quoting in credential_process", self)
	}
	home := t.TempDir()
	cfg := filepath.Join(home, "config")
	writeConfig(t, cfg, strings.ReplaceAll(string(conf), "credential_process = ", "credential_process = "+self+" "))
	file := filepath.Join(home, "hello.txt")
	writeConfig(t, file, "hello, credential_process\n")

	for _, cloud := range []string{"nebius", "yandex", "outscale"} {
		profile := info.AWSProfiles[cloud]
		log := filepath.Join(home, cloud+".times")
		env := toolEnv(home,
			"AWS_CONFIG_FILE="+cfg,
			"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "no-credentials"),
			"AWS_EC2_METADATA_DISABLED=true",
			"AWS_PAGER=",
			timesEnv+"="+log,
		)
		bucket := "e2e-credential-process-" + cloud
		// aws-cli < 2.13 ignores endpoint_url: --endpoint-url on every
		// command, as the emulator's output says.
		aws := func(args ...string) result {
			t.Helper()
			return run(t.Context(), t, env, home, awsBin, append([]string{"--profile", profile, "--endpoint-url", info.S3URL}, args...)...)
		}
		before := listKeys(t, cloud)
		requireContains(t, "aws s3 mb", aws("s3", "mb", "s3://"+bucket).ok(t).stdout, "make_bucket: "+bucket)
		aws("s3", "cp", file, "s3://"+bucket+"/hello.txt").ok(t)
		requireContains(t, "aws s3 ls", aws("s3", "ls", "s3://"+bucket).ok(t).stdout, "hello.txt")
		requireContains(t, "aws s3 rm", aws("s3", "rm", "s3://"+bucket+"/hello.txt").ok(t).stdout, "delete: s3://"+bucket+"/hello.txt")
		requireContains(t, "aws s3 rb", aws("s3", "rb", "s3://"+bucket).ok(t).stdout, "remove_bucket: "+bucket)

		// At most one key across the five commands, seen at the cloud
		// (iamkit keys list, with the emulator's printed settings), and
		// one in fact: the profile had none before.
		after := listKeys(t, cloud)
		if created := len(after) - len(before); created != 1 {
			t.Errorf("%s: %d keys before the 5 aws commands, %d after (%v): want exactly 1 created", profile, len(before), len(after), after)
		}

		took, codes := runTimes(t, log)
		if len(took) != 5 {
			t.Errorf("%s: credential_process ran %d times for 5 aws commands, want once per command", profile, len(took))
		}
		var ms []string
		for i, d := range took {
			ms = append(ms, fmt.Sprintf("%.1f", float64(d.Microseconds())/1000))
			if codes[i] != 0 {
				t.Errorf("%s: run %d of credential_process exited %d", profile, i+1, codes[i])
			}
			if d >= maxRun {
				t.Errorf("%s: run %d of credential_process took %v, want under %v", profile, i+1, d.Round(time.Millisecond), maxRun)
			}
		}
		sorted := append([]time.Duration(nil), took...)
		sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
		if len(sorted) > 0 {
			msOf := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			t.Logf("%s: credential-process runs (ms, in order): %s; median %.1f ms, max %.1f ms (limit %v); keys created: %d",
				profile, strings.Join(ms, " "), msOf(sorted[len(sorted)/2]), msOf(sorted[len(sorted)-1]), maxRun, len(after)-len(before))
		}

		if rcloneBin != "" {
			rlog := filepath.Join(home, cloud+".rclone.times")
			renv := toolEnv(home, "AWS_CONFIG_FILE="+cfg, "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "no-credentials"),
				"AWS_EC2_METADATA_DISABLED=true", timesEnv+"="+rlog)
			rclone := func(args ...string) result {
				t.Helper()
				return run(t.Context(), t, renv, home, rcloneBin, append([]string{"--config", info.RcloneConfigFile}, args...)...)
			}
			remote := profile + ":e2e-rclone-" + cloud
			rclone("copyto", file, remote+"/hello.txt").ok(t)
			requireContains(t, "rclone ls", rclone("ls", remote).ok(t).stdout, "hello.txt")
			rclone("purge", remote).ok(t)
			if took, _ := runTimes(t, rlog); len(took) == 0 {
				t.Errorf("%s: rclone did not run credential_process", profile)
			}
		}
	}

	counts := callCounts(t, emu.stop())
	for _, c := range []string{"nebius AccessKeyService/Create", "yandex AccessKeyService/Create", "outscale CreateAccessKey"} {
		if n := counts[c]; n != 1 {
			t.Errorf("%s: %d keys created across the profile's commands, want 1", c, n)
		}
	}
	t.Logf("calls at the emulators: %v", counts)
}

// emulatorSettings are the variables of the "export" lines iamkit emulator
// prints for running iamkit on the emulators (IAMKIT_*, OSC_*).
func emulatorSettings(t *testing.T, printed string) []string {
	t.Helper()
	var env []string
	for _, line := range strings.Split(printed, "\n") {
		rest, ok := strings.CutPrefix(line, "  export ")
		if !ok || strings.Contains(rest, "AWS_") {
			continue
		}
		for _, kv := range strings.Fields(rest) {
			if !strings.HasPrefix(kv, "IAMKIT_") && !strings.HasPrefix(kv, "OSC_") || !strings.Contains(kv, "=") {
				t.Fatalf("iamkit emulator printed an export line with %q:\n%s", kv, line)
			}
			env = append(env, kv)
		}
	}
	if len(env) == 0 {
		t.Fatalf("iamkit emulator printed no export lines:\n%s", tail(printed))
	}
	return env
}

// listEmulatorKeys lists the access keys of a cloud's account at the
// emulator with iamkit keys list -o json and returns their access key IDs.
func listEmulatorKeys(t *testing.T, emu *emulatorProc, cloud string) []string {
	t.Helper()
	home := t.TempDir()
	r := run(t.Context(), t, toolEnv(home, emulatorSettings(t, emu.printed)...), home, emu.info.Executable,
		"keys", "list", "--cloud", cloud, "-o", "json").ok(t)
	var keys []struct {
		AccessKeyID string `json:"access_key_id"`
		Secret      string `json:"secret_access_key"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &keys); err != nil {
		t.Fatalf("iamkit keys list --cloud %s -o json: %v\n%s", cloud, err, r.stdout)
	}
	ids := make([]string, 0, len(keys))
	for _, k := range keys {
		if k.Secret != "" {
			t.Fatalf("iamkit keys list --cloud %s printed a secret", cloud)
		}
		ids = append(ids, k.AccessKeyID)
	}
	return ids
}
