// Command quickstart walks iamkit's whole job, for each of the three clouds,
// and prints a short report (✓/✗, durations, IDs; every secret and token
// redacted):
//
//  1. get a service-account key (Nebius credentials JSON, Yandex key.json;
//     OUTSCALE signs with an access key instead);
//  2. sign a short-lived JWT and exchange it for an access token, then show
//     the second call served from the cache; on the emulators, also find
//     credentials with no key at all, as a program on a VM does
//     (nebius.LoadDefaultConfig, yandex.LoadDefaultConfig, with the
//     metadata emulators standing for the VMs' metadata services);
//  3. create an access key through the typed client, and list it;
//  4. hand it to an s3.Client through the credentials adapter and put + get
//     an object;
//  5. let a managed provider own a key and rotate it once, with S3 traffic
//     on both keys;
//  6. delete everything it created.
//
// By default everything runs on the embedded emulators (package iam/iamtest)
// on loopback: no account, no network, and no file left behind.
//
//	go run ./examples/quickstart
//	go run ./examples/quickstart -cloud outscale
//
// With -real the same steps run against your real accounts, after a
// confirmation (or -yes): they create access keys and a bucket, and delete
// them again. See -help for each cloud's credential flags.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// config is what the flags say.
type config struct {
	cloud   string
	real    bool
	yes     bool
	timeout time.Duration

	nebiusCredentials string
	nebiusProject     string
	nebiusRegion      string

	yandexKey string

	outscaleProfile string
}

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.timeout)
	defer cancel()
	if err := run(ctx, cfg, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string, errOut io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.StringVar(&cfg.cloud, "cloud", "all", "which cloud to run: nebius, yandex, outscale or all")
	fs.BoolVar(&cfg.real, "real", false, "run against the REAL clouds (creates and deletes access keys and a bucket)")
	fs.BoolVar(&cfg.yes, "yes", false, "with -real: do not ask for confirmation")
	fs.DurationVar(&cfg.timeout, "timeout", 2*time.Minute, "overall time limit")
	fs.StringVar(&cfg.nebiusCredentials, "nebius-credentials", "", "with -real: Nebius service-account credentials JSON")
	fs.StringVar(&cfg.nebiusProject, "nebius-project", "", "with -real: Nebius project ID the keys are created in")
	fs.StringVar(&cfg.nebiusRegion, "nebius-region", "eu-north1", "Nebius region of the object storage")
	fs.StringVar(&cfg.yandexKey, "yandex-key", "", "with -real: Yandex authorized key.json of a service account")
	fs.StringVar(&cfg.outscaleProfile, "outscale-profile", "", "with -real: profile in ~/.osc/config.json (default: $OSC_PROFILE or \"default\"; env OSC_* win)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return cfg, nil
}

// clouds lists the clouds in the order they run.
var clouds = []struct {
	name  string
	title string
	run   func(context.Context, config, *world, *report) error
}{
	{"nebius", "Nebius AI Cloud", runNebius},
	{"yandex", "Yandex Cloud", runYandex},
	{"outscale", "3DS OUTSCALE", runOutscale},
}

// run executes the chosen clouds' steps and returns an error if any failed.
func run(ctx context.Context, cfg config, in io.Reader, out io.Writer) error {
	var chosen []int
	for i, c := range clouds {
		if cfg.cloud == "all" || cfg.cloud == c.name {
			chosen = append(chosen, i)
		}
	}
	if len(chosen) == 0 {
		return fmt.Errorf("unknown -cloud %q (want nebius, yandex, outscale or all)", cfg.cloud)
	}
	if cfg.real {
		if err := checkRealFlags(cfg); err != nil {
			return err
		}
		if !cfg.yes && !confirm(in, out, cfg) {
			return errors.New("not confirmed; nothing was created")
		}
	}

	start := time.Now()
	w, err := newWorld(cfg)
	if err != nil {
		return err
	}
	defer w.close()
	mode := "the embedded emulators (no account needed)"
	if cfg.real {
		mode = "the REAL clouds"
	}
	fmt.Fprintf(out, "iamkit quickstart — on %s\n", mode)
	rep := &report{w: out}
	for _, i := range chosen {
		c := clouds[i]
		rep.section(c.title)
		if err := c.run(ctx, cfg, w, rep); err != nil {
			rep.abort(err)
		}
	}
	fmt.Fprintf(out, "\n%d steps: %d passed, %d failed, in %s\n", rep.passed+rep.failed, rep.passed, rep.failed, time.Since(start).Round(time.Millisecond))
	if rep.failed > 0 {
		return fmt.Errorf("%d step(s) failed", rep.failed)
	}
	return nil
}

func checkRealFlags(cfg config) error {
	var missing []string
	if cfg.cloud == "all" || cfg.cloud == "nebius" {
		if cfg.nebiusCredentials == "" || cfg.nebiusProject == "" {
			missing = append(missing, "-nebius-credentials and -nebius-project")
		}
	}
	if (cfg.cloud == "all" || cfg.cloud == "yandex") && cfg.yandexKey == "" {
		missing = append(missing, "-yandex-key")
	}
	if len(missing) > 0 {
		return fmt.Errorf("-real needs %s (or choose one cloud with -cloud)", strings.Join(missing, ", "))
	}
	return nil
}

// confirm asks before anything is created in a real account.
func confirm(in io.Reader, out io.Writer, cfg config) bool {
	fmt.Fprintf(out, "This creates access keys and a bucket in your REAL %s account(s), then deletes them.\nContinue? [y/N] ", cfg.cloud)
	line, _ := bufio.NewReader(in).ReadString('\n')
	answer := strings.ToLower(strings.TrimSpace(line))
	return answer == "y" || answer == "yes"
}

// report prints steps as they finish: ✓ or ✗, the duration, and a detail.
type report struct {
	w              io.Writer
	passed, failed int
}

func (r *report) section(title string) { fmt.Fprintf(r.w, "\n%s\n", title) }

// errReported marks an error whose step already printed it.
var errReported = errors.New("step failed")

// step runs fn and prints its outcome. It returns errReported when fn
// failed, so that callers can stop the cloud's remaining steps.
func (r *report) step(name string, fn func() (string, error)) error {
	start := time.Now()
	detail, err := fn()
	d := time.Since(start)
	if err != nil {
		r.failed++
		fmt.Fprintf(r.w, "  ✗ %-46s %9s  %v\n", name, round(d), err)
		return errReported
	}
	r.passed++
	fmt.Fprintf(r.w, "  ✓ %-46s %9s  %s\n", name, round(d), detail)
	return nil
}

// abort records an error that ended a cloud's run outside a step.
func (r *report) abort(err error) {
	if !errors.Is(err, errReported) {
		r.failed++
		fmt.Fprintf(r.w, "  ✗ %v\n", err)
	}
}

func round(d time.Duration) string {
	switch {
	case d < time.Microsecond:
		return d.String()
	case d < time.Millisecond:
		return d.Round(100 * time.Nanosecond).String()
	default:
		return d.Round(100 * time.Microsecond).String()
	}
}
