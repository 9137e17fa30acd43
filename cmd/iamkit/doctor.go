package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
)

type doctorOptions struct {
	cloudFlags
	output  string
	timeout time.Duration
}

func doctorFlags() (*flagSet, *doctorOptions) {
	fs := newFlagSet("doctor",
		"iamkit doctor [--cloud nebius|yandex|outscale] [-o text|json] [flags]",
		`Says, for each cloud (or the one --cloud names), which credentials its default
chain picks (the environment, the CLI's profile, a key file, the VM's metadata
service), which endpoints it would call, and whether they work: it gets a token
and lists the account's access keys. It prints no secret.

Each cloud is reported as works, fails (the credentials were found but a call
failed: the host and the cause are shown), broken (the configuration names
credentials that cannot be used) or not configured (every source tried, and why
it was skipped). The exit code is 0 when no cloud fails or is broken and at least
one works (with --cloud: when that one works), 1 when a cloud fails, and 3 when
one is broken or none is configured.`,
		`iamkit doctor
iamkit doctor --cloud yandex -o json
iamkit doctor --no-metadata            # on a laptop: no metadata probes`)
	o := &doctorOptions{}
	o.register(fs, true, iam.Nebius, iam.Yandex, iam.Outscale)
	fs.StringVar(&o.output, "output", "text", "output format: text or json")
	fs.StringVar(&o.output, "o", "text", "shorthand for --output")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "time limit for each cloud's checks")
	return fs, o
}

// The verdicts of doctor.
const (
	statusWorks         = "works"
	statusFails         = "fails"
	statusBroken        = "broken"
	statusNotConfigured = "not configured"
)

// check is one step of a cloud's check.
type check struct {
	Endpoint string `json:"endpoint,omitempty"`
	OK       bool   `json:"ok"`
	Detail   string `json:"detail"`
}

// cloudReport is doctor's finding for one cloud.
type cloudReport struct {
	Cloud  iam.Provider `json:"cloud"`
	Status string       `json:"status"`
	Source *auth.Source `json:"source,omitempty"`
	// Error is why the credentials were not found or cannot be used.
	Error string `json:"error,omitempty"`
	Token *check `json:"token,omitempty"`
	Keys  *check `json:"keys,omitempty"`
}

func runDoctor(ctx context.Context, io *stdio, args []string) error {
	fs, o := doctorFlags()
	if err := fs.parse(io, args); err != nil {
		return err
	}
	clouds := []iam.Provider{iam.Nebius, iam.Yandex, iam.Outscale}
	if o.cloud != "" {
		c, err := o.chosen(clouds...)
		if err != nil {
			return err
		}
		clouds = []iam.Provider{c}
	}
	if o.output != "text" && o.output != "json" {
		return usageErrorf("--output %q: want text or json", o.output)
	}
	if o.timeout <= 0 {
		return usageErrorf("--timeout %v: must be positive", o.timeout)
	}
	o.cloudFlags.timeout = o.timeout
	var reports []cloudReport
	for _, c := range clouds {
		reports = append(reports, o.examine(ctx, io, c))
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if o.output == "json" {
		enc := json.NewEncoder(io.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(reports); err != nil {
			return err
		}
	} else {
		printReports(io.stdout, reports)
	}
	works, fails, broken := 0, 0, 0
	for _, r := range reports {
		switch r.Status {
		case statusWorks:
			works++
		case statusFails:
			fails++
		case statusBroken:
			broken++
		}
	}
	switch {
	case fails > 0:
		return &exitError{code: exitFailure, err: fmt.Errorf("%d of %d clouds fail (see above)", fails, len(reports))}
	case broken > 0:
		return &exitError{code: exitConfig, err: fmt.Errorf("%d of %d clouds have unusable credentials (see above)", broken, len(reports))}
	case works == 0:
		return &exitError{code: exitConfig, err: errors.New("no credentials found (see above)")}
	}
	return nil
}

// examine checks one cloud.
func (o *doctorOptions) examine(ctx context.Context, io *stdio, cloud iam.Provider) cloudReport {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	r := cloudReport{Cloud: cloud}
	s, err := o.open(ctx, io, cloud, wantTokens|wantKeysIfKnown)
	if err != nil {
		r.Error = err.Error()
		r.Status = statusBroken
		if errors.Is(err, auth.ErrNoCredentials) {
			r.Status = statusNotConfigured
		}
		var ee *exitError
		if errors.As(err, &ee) && ee.code == exitFailure {
			r.Status = statusFails
		}
		return r
	}
	defer s.close()
	src := s.source
	r.Source = &src
	r.Status = statusWorks
	if s.tokens != nil {
		r.Token = &check{Endpoint: s.tokenAt}
		if r.Token.Endpoint == "" {
			r.Token.Endpoint = "(the environment)"
		}
		tok, err := auth.TokenFrom(ctx, s.tokens)
		if err != nil {
			r.Token.Detail, r.Status = s.tokenError(err).Error(), statusFails
			return r
		}
		r.Token.OK = true
		if tok.Expiry.IsZero() {
			r.Token.Detail = "ok, no expiry given"
		} else {
			r.Token.Detail = fmt.Sprintf("ok, valid until %s (%v)", tok.Expiry.UTC().Format(time.RFC3339), time.Until(tok.Expiry).Round(time.Second))
		}
	}
	r.Keys = &check{Endpoint: s.apiAt}
	if s.km == nil {
		r.Keys.Detail = "not checked: " + s.kmErr.Error()
		r.Keys.OK = true
		return r
	}
	keys, err := s.km.ListKeys(ctx)
	if err != nil {
		r.Keys.Detail, r.Status = s.hostError("listing access keys", err).Error(), statusFails
		return r
	}
	r.Keys.OK = true
	noun := "access keys"
	if len(keys) == 1 {
		noun = "access key"
	}
	r.Keys.Detail = fmt.Sprintf("ok, %d %s of %s", len(keys), noun, s.account)
	return r
}

func printReports(w io.Writer, reports []cloudReport) {
	for i, r := range reports {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s: %s\n", r.Cloud, r.Status)
		if r.Source != nil {
			fmt.Fprintf(w, "  credentials  %s\n", r.Source)
		}
		if r.Error != "" {
			fmt.Fprintf(w, "  credentials  %s\n", r.Error)
		}
		for _, c := range []struct {
			name string
			c    *check
		}{{"token", r.Token}, {"key API", r.Keys}} {
			if c.c == nil {
				continue
			}
			fmt.Fprintf(w, "  %-11s  %s: %s\n", c.name, orDash(c.c.Endpoint), c.c.Detail)
		}
	}
}
