package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/version"
)

// The exit codes of every subcommand (the package documentation lists
// them too).
const (
	// exitOK: the work was done.
	exitOK = 0
	// exitFailure: a cloud or an emulator refused the request or could not
	// be reached, or a local file could not be read or written.
	exitFailure = 1
	// exitUsage: the command line is wrong (an unknown subcommand or flag,
	// a bad value, flags missing or in conflict). Nothing was done.
	exitUsage = 2
	// exitConfig: no credentials were found, or the ones named (a key
	// file, a profile, a configuration file) cannot be used. Nothing was
	// sent to a cloud.
	exitConfig = 3
	// exitInterrupted: SIGINT or SIGTERM arrived before the work was done
	// (the emulator, whose normal end they are, exits 0 instead).
	exitInterrupted = 130
)

// exitError carries the exit code of a failure.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageErrorf is a command-line error (exit 2).
func usageErrorf(format string, a ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, a...)}
}

// configError marks err, from loading credentials, as a configuration
// error (exit 3), unless a service could not be reached or failed (a
// metadata service, an endpoint list): that is exit 1.
func configError(err error) error {
	if err == nil {
		return nil
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	var (
		oe *net.OpError
		de *net.DNSError
	)
	if errors.Is(err, iam.ErrUnavailable) || errors.Is(err, iam.ErrThrottled) || errors.As(err, &oe) || errors.As(err, &de) {
		return &exitError{code: exitFailure, err: err}
	}
	return &exitError{code: exitConfig, err: err}
}

// errHelp says that -h was given and the usage printed (exit 0).
var errHelp = errors.New("help requested")

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, io *stdio, args []string) error
}

// stdio is what a subcommand reads and writes: its output streams and its
// environment.
type stdio struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	// signalled is set once SIGINT or SIGTERM arrived.
	signalled func() bool
}

func commands() []command {
	return []command{
		{"credential-process", "print AWS credentials (credential_process) from a rotated access key", runCredentialProcess},
		{"token", "print an access token (Nebius, Yandex Cloud) for shell use", runToken},
		{"keys", "list, create, rotate and delete access keys", runKeys},
		{"emulator", "serve every emulator on loopback, with ready profiles for the AWS CLI and rclone", runEmulator},
		{"doctor", "say which credentials each cloud's default chain finds, where it calls, and whether they work", runDoctor},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	io := &stdio{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, signalled: func() bool { return ctx.Err() != nil }}
	code := run(ctx, io, os.Args[1:])
	stop()
	os.Exit(finish(code))
}

// run runs the command line args and returns the exit code; errors are
// written to stderr once, as "iamkit <subcommand>: <error>".
func run(ctx context.Context, io *stdio, args []string) int {
	if len(args) == 0 {
		topUsage(io.stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 && args[0] == "help" {
			return run(ctx, io, []string{args[1], "-h"})
		}
		topUsage(io.stdout)
		return exitOK
	case "-version", "--version", "version":
		fmt.Fprintf(io.stdout, "iamkit %s %s %s/%s\n", version.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return exitOK
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, io, args[1:])
		return report(io, c.name, err)
	}
	if strings.HasPrefix(args[0], "-") {
		fmt.Fprintf(io.stderr, "iamkit: flag %s before a subcommand: flags go after it\n", args[0])
	} else {
		fmt.Fprintf(io.stderr, "iamkit: unknown subcommand %q\n", args[0])
	}
	fmt.Fprintln(io.stderr, "Run 'iamkit -h' for the list of subcommands.")
	return exitUsage
}

// report prints err (once) and returns the exit code it calls for.
func report(io *stdio, name string, err error) int {
	if err == nil || errors.Is(err, errHelp) {
		return exitOK
	}
	code := exitFailure
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	if io.signalled() && code != exitUsage {
		fmt.Fprintf(io.stderr, "iamkit %s: interrupted: %v\n", name, err)
		return exitInterrupted
	}
	fmt.Fprintf(io.stderr, "iamkit %s: %v\n", name, err)
	if code == exitUsage {
		fmt.Fprintf(io.stderr, "Run 'iamkit %s -h' for usage.\n", name)
	}
	return code
}

func topUsage(w io.Writer) {
	fmt.Fprintf(w, `iamkit %s: access keys and tokens of Nebius AI Cloud, Yandex Cloud and 3DS OUTSCALE.

Usage:
  iamkit <subcommand> [flags]
  iamkit <subcommand> -h     usage and examples of a subcommand
  iamkit --version

Subcommands:
`, version.Version)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-19s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Every flag can also be set by the variable IAMKIT_<FLAG> (IAMKIT_NEBIUS_KEY_FILE
for --nebius-key-file) and by a key of a profile of iamkit's configuration file
(--config, --profile); a flag wins over the variable, the variable over the
profile. Without a key file the clouds' default chains find credentials the way
their CLIs do.

Exit codes: 0 done; 1 a cloud or emulator refused or could not be reached;
2 bad command line; 3 no credentials found or a key file, profile or
configuration file unusable; 130 interrupted.

Examples:
  iamkit emulator                                    # all emulators on 127.0.0.1:18400-18406
  iamkit credential-process --cloud yandex           # in ~/.aws/config: credential_process = iamkit credential-process …
  iamkit token --cloud nebius                        # curl -H "Authorization: Bearer $(iamkit token --cloud nebius)" …
  iamkit keys list --cloud outscale -o json
  iamkit doctor
`)
}
