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

// timeCommand runs args, and appends "<wall µs> <exit code> <cpu µs>" to
// log (cpu: the command's user and system time).
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
	var cpu time.Duration
	if cmd.ProcessState != nil {
		cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	f, ferr := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if ferr == nil {
		fmt.Fprintf(f, "%d %d %d\n", took.Microseconds(), code, cpu.Microseconds())
		f.Close()
	}
	return code
}

// helperRun is one run of a command through the timer.
type helperRun struct {
	took, cpu time.Duration
	code      int
}

// runTimes reads a timer log.
func runTimes(t *testing.T, log string) []helperRun {
	t.Helper()
	f, err := os.Open(log)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var runs []helperRun
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var us, cpu int64
		var code int
		if _, err := fmt.Sscanf(sc.Text(), "%d %d %d", &us, &code, &cpu); err != nil {
			t.Fatalf("timer log %s: %q: %v", log, sc.Text(), err)
		}
		runs = append(runs, helperRun{took: time.Duration(us) * time.Microsecond, cpu: time.Duration(cpu) * time.Microsecond, code: code})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return runs
}

// msOf is d in milliseconds.
func msOf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// runFigures says a round's runs: each run's wall (and CPU) time, the
// median and the max.
func runFigures(runs []helperRun) (text string, median, max time.Duration) {
	var each []string
	var took []time.Duration
	for _, r := range runs {
		each = append(each, fmt.Sprintf("%.1f (cpu %.1f)", msOf(r.took), msOf(r.cpu)))
		took = append(took, r.took)
	}
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	if len(took) > 0 {
		median, max = took[len(took)/2], took[len(took)-1]
	}
	return strings.Join(each, ", "), median, max
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

// maxRounds bounds the rounds of five aws commands a profile gets to show
// five runs under maxRun. The machines that run this test are shared (a
// load average of 17 on 2 cores has been seen, with one run of 512 ms
// among runs of 10–60 ms, and no retried call at the emulators): a round
// with a slow run is logged and run again, with the key the first round
// created, so a helper that is slow on every run still fails, and a
// stalled scheduler does not.
const maxRounds = 3

// TestAWSCLICredentialProcess configures the AWS CLI with the profiles
// iamkit emulator printed for the three clouds, whose credential_process
// runs iamkit credential-process (through the timer above), and runs aws
// s3 mb, cp, ls, rm and rb with each. The AWS CLI caches nothing between
// its processes, so the helper runs once per command (its Expiration is
// far enough ahead that no command asks twice): five runs per profile,
// each under 200 ms by its wall time (median and max logged per cloud;
// a round with a slow run is run again, at most maxRounds in all), and
// one key created per profile across its commands, seen with iamkit keys
// list before and after them. rclone, when installed, then
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
		// aws-cli < 2.13 ignores endpoint_url: --endpoint-url on every
		// command, as the emulator's output says.
		aws := func(args ...string) result {
			t.Helper()
			return run(t.Context(), t, env, home, awsBin, append([]string{"--profile", profile, "--endpoint-url", info.S3URL}, args...)...)
		}
		before := listKeys(t, cloud)
		fast := false
		for round := 1; round <= maxRounds && !fast; round++ {
			bucket := fmt.Sprintf("e2e-credential-process-%s-%d", cloud, round)
			if err := os.Remove(log); err != nil && !errors.Is(err, os.ErrNotExist) {
				t.Fatal(err)
			}
			requireContains(t, "aws s3 mb", aws("s3", "mb", "s3://"+bucket).ok(t).stdout, "make_bucket: "+bucket)
			aws("s3", "cp", file, "s3://"+bucket+"/hello.txt").ok(t)
			requireContains(t, "aws s3 ls", aws("s3", "ls", "s3://"+bucket).ok(t).stdout, "hello.txt")
			requireContains(t, "aws s3 rm", aws("s3", "rm", "s3://"+bucket+"/hello.txt").ok(t).stdout, "delete: s3://"+bucket+"/hello.txt")
			requireContains(t, "aws s3 rb", aws("s3", "rb", "s3://"+bucket).ok(t).stdout, "remove_bucket: "+bucket)

			// At most one key across the five commands, seen at the cloud
			// (iamkit keys list, with the emulator's printed settings),
			// and one in fact: the profile had none before the first
			// round, and later rounds create none.
			after := listKeys(t, cloud)
			if created := len(after) - len(before); created != 1 {
				t.Errorf("%s round %d: %d keys before the aws commands, %d after (%v): want exactly 1 created", profile, round, len(before), len(after), after)
			}

			runs := runTimes(t, log)
			if len(runs) != 5 {
				t.Errorf("%s round %d: credential_process ran %d times for 5 aws commands, want once per command", profile, round, len(runs))
			}
			fast = len(runs) > 0
			for i, r := range runs {
				if r.code != 0 {
					t.Errorf("%s round %d: run %d of credential_process exited %d", profile, round, i+1, r.code)
				}
				if r.took >= maxRun {
					fast = false
				}
			}
			each, median, max := runFigures(runs)
			t.Logf("%s round %d: credential-process runs, ms in order: %s; median %.1f ms, max %.1f ms (limit %v); keys created in all: %d",
				profile, round, each, msOf(median), msOf(max), maxRun, len(after)-len(before))
			if !fast && round < maxRounds {
				t.Logf("%s round %d: a run took %v or more; the five commands again (round %d of at most %d)", profile, round, maxRun, round+1, maxRounds)
			}
		}
		if !fast {
			t.Errorf("%s: in each of %d rounds of five aws commands a credential_process run took %v or more (figures above)", profile, maxRounds, maxRun)
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
			if len(runTimes(t, rlog)) == 0 {
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
