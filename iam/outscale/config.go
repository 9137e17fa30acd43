package outscale

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
)

// LoadOptions configure [LoadDefaultConfig]. Every field is optional.
type LoadOptions struct {
	// Profile is the profile to use. Default: $OSC_PROFILE, else
	// "default".
	Profile string
	// ConfigFile is the config file. Default: $OSC_CONFIG_FILE, else
	// ~/.osc/config.json.
	ConfigFile string
	// Getenv reads the environment: the OSC_* variables, and HOME (else
	// USERPROFILE) for the default file, as in the other clouds' chains.
	// Default os.Getenv; tests set a map lookup.
	Getenv func(string) string
	// TracerProvider and MeterProvider, when set, go to the client through
	// [Config.ClientOptions]; nil leaves the client's defaults (the global
	// ones, package iam, # Telemetry). The chain itself reads files and
	// the environment only, and records nothing.
	TracerProvider trace.TracerProvider
	MeterProvider  metric.MeterProvider
}

// Config is what [LoadDefaultConfig] found: the resolved profile
// (credentials, region, endpoint, client certificate) and which source
// its credentials came from. Pass it to [New]:
//
//	cfg, err := outscale.LoadDefaultConfig(ctx)
//	if err != nil { ... }
//	client, err := outscale.New(cfg.ClientOptions())
//
// Printing a Config shows its source and settings, never a secret key or
// password.
type Config struct {
	// Profile is the resolved configuration, as [LoadProfile] returns it.
	Profile *Profile
	// Source says where the credentials came from: the environment
	// (Kind "env", Name "OSC_ACCESS_KEY" or "OSC_LOGIN") or a profile of
	// the config file (Kind "profile", Name the profile, Detail the file).
	Source auth.Source

	tp trace.TracerProvider
	mp metric.MeterProvider
}

// LoadDefaultConfig finds OUTSCALE credentials the way OUTSCALE's CLIs and
// SDKs do, and says which source it used. It is [LoadProfile] (the
// profile LoadOptions.Profile, else $OSC_PROFILE, else "default", of
// LoadOptions.ConfigFile, else $OSC_CONFIG_FILE, else ~/.osc/config.json,
// with the OSC_* variables overriding the file field by field) made the
// same kind of value as yandex.LoadDefaultConfig and
// nebius.LoadDefaultConfig return.
//
// The credentials are an access key (OSC_ACCESS_KEY and OSC_SECRET_KEY,
// or access_key and secret_key) or, when there is none, a login
// (OSC_LOGIN and OSC_PASSWORD, or login and password). A configuration
// that is broken (a file that is not JSON, a named profile the file
// lacks, only half of a pair, an unknown region without endpoint) is the
// error of LoadProfile, naming the field and where it came from. With no
// credentials anywhere the error is an *auth.NoCredentialsError listing
// the sources and why each was skipped; it matches
// auth.ErrNoCredentials.
//
// It reads files and the environment only: ctx is for symmetry with the
// other clouds' chains, which may ask a metadata service.
func LoadDefaultConfig(ctx context.Context, optFns ...func(*LoadOptions)) (*Config, error) {
	var o LoadOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	p, err := LoadProfile(func(po *ProfileOptions) {
		po.ConfigFile, po.Profile, po.Getenv = o.ConfigFile, o.Profile, getenv
	})
	if err != nil {
		return nil, fmt.Errorf("outscale: LoadDefaultConfig: %w", err)
	}
	field := "access_key"
	if p.AccessKey == "" {
		field = "login"
	}
	if p.AccessKey == "" && p.Login == "" {
		return nil, noCredentials(p, o, getenv)
	}
	var src auth.Source
	what := "access key " + p.AccessKey
	if field == "login" {
		what = "login " + p.Login
	}
	if env, ok := strings.CutPrefix(p.where(field), "environment variable "); ok {
		src = auth.Source{Kind: auth.SourceEnv, Name: env, Detail: what}
	} else {
		src = auth.Source{Kind: auth.SourceProfile, Name: strconv.Quote(p.Name), Detail: p.File + ": " + what}
	}
	return &Config{Profile: p, Source: src, tp: o.TracerProvider, mp: o.MeterProvider}, nil
}

// noCredentials says why no source had credentials.
func noCredentials(p *Profile, o LoadOptions, getenv func(string) string) error {
	tried := []auth.Source{
		{Kind: auth.SourceEnv, Name: "OSC_ACCESS_KEY, OSC_SECRET_KEY", Detail: "not set"},
		{Kind: auth.SourceEnv, Name: "OSC_LOGIN, OSC_PASSWORD", Detail: "not set"},
	}
	file, _ := profileFile(o.ConfigFile, getenv)
	switch {
	case file == "":
		tried = append(tried, auth.Source{Kind: auth.SourceProfile, Name: "~/.osc/config.json", Detail: "no home directory"})
	case p.File != "":
		tried = append(tried, auth.Source{Kind: auth.SourceProfile, Name: strconv.Quote(p.Name),
			Detail: p.File + ": no access_key and secret_key, nor login and password"})
	default:
		why := fmt.Sprintf("has no profile %q", p.Name)
		if _, err := os.Stat(file); errors.Is(err, fs.ErrNotExist) {
			why = "no such file"
		}
		tried = append(tried, auth.Source{Kind: auth.SourceProfile, Name: file, Detail: why})
	}
	return &auth.NoCredentialsError{Provider: iam.Outscale, Tried: tried}
}

// ClientOptions returns an option for [New] that applies the Config's
// profile (credentials, region, endpoint, client certificate) and
// LoadOptions.TracerProvider and MeterProvider (when set); options given
// after it override them.
func (c *Config) ClientOptions() func(*Options) {
	return func(o *Options) {
		o.Profile = c.Profile
		if c.tp != nil {
			o.TracerProvider = c.tp
		}
		if c.mp != nil {
			o.MeterProvider = c.mp
		}
	}
}

// Close does nothing (the configuration holds no background work) and
// returns nil; it is there for symmetry with the other clouds' Config.
func (c *Config) Close() error { return nil }

// String describes the Config in one line: its source, region and
// endpoint, never a secret key or password, e.g. `outscale: profile
// "default" (/home/me/.osc/config.json: access key AKIA…), region
// eu-west-2`.
func (c *Config) String() string {
	var b strings.Builder
	b.WriteString("outscale: ")
	b.WriteString(c.Source.String())
	if c.Profile != nil {
		b.WriteString(", region ")
		b.WriteString(c.Profile.Region)
		if c.Profile.Endpoint != "" {
			b.WriteString(", endpoint ")
			b.WriteString(c.Profile.Endpoint)
		}
	}
	return b.String()
}

// GoString is String, for %#v.
func (c *Config) GoString() string { return c.String() }

// Format prints the Config as String under every fmt verb.
func (c *Config) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		_, _ = fmt.Fprintf(f, "%q", c.String())
		return
	}
	_, _ = io.WriteString(f, c.String())
}

// LogValue makes log/slog print the Config's source and region.
func (c *Config) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("source", c.Source.String())}
	if c.Profile != nil {
		attrs = append(attrs, slog.String("region", c.Profile.Region), slog.String("endpoint", c.Profile.Endpoint))
	}
	return slog.GroupValue(attrs...)
}
