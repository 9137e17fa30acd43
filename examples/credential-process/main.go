// Command credential-process is a helper for the AWS credential_process
// setting: it prints the JSON the AWS CLI and SDKs expect (Version 1,
// AccessKeyId, SecretAccessKey, SessionToken, Expiration) for an access key
// of Nebius, Yandex Cloud or OUTSCALE that it creates and rotates itself
// (iamcreds.ManagedProvider), keeping it in a cache file so that
// repeated invocations reuse the key.
//
// This is the one place iamkit prints a secret, to stdout only, on purpose:
// the AWS tool that runs it reads it from there. Diagnostics go to stderr.
//
//	credential-process -emulate                 # on the emulators; exits 0 on a fresh clone
//	credential-process -cloud nebius -credentials sa.json -project-id project-e00…
//	credential-process -cloud yandex -key-file key.json
//	credential-process -cloud outscale -profile default
//	credential-process -config ~/.config/iamkit/s3.json
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/auth/yandexauth"
	iamcreds "github.com/iamkit/iamkit/credentials"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/nebius"
	"github.com/iamkit/iamkit/iam/outscale"
	"github.com/iamkit/iamkit/iam/yandex"
)

// Config is what the helper needs; flags and the -config file (JSON, same
// field names) fill it, flags winning.
type Config struct {
	// Cloud is nebius, yandex or outscale.
	Cloud string `json:"cloud"`
	// CredentialsFile is a Nebius service-account credentials JSON.
	CredentialsFile string `json:"credentials_file,omitempty"`
	// ProjectID is the Nebius project the keys live in.
	ProjectID string `json:"project_id,omitempty"`
	// KeyFile is a Yandex authorized key JSON (yc iam key create).
	KeyFile string `json:"key_file,omitempty"`
	// ServiceAccountID is the Yandex service account whose keys are
	// managed (default: the key's).
	ServiceAccountID string `json:"service_account_id,omitempty"`
	// Profile is the ~/.osc/config.json profile (OUTSCALE).
	Profile string `json:"profile,omitempty"`
	// User is the OUTSCALE EIM user whose keys are managed (default: the
	// caller).
	User string `json:"user,omitempty"`
	// Cache is the state file (mode 0600) holding the key between runs.
	Cache string `json:"cache,omitempty"`
	// Lifetime and RotateBefore set the rotation policy ("24h", "2h").
	Lifetime     string `json:"lifetime,omitempty"`
	RotateBefore string `json:"rotate_before,omitempty"`
	// Description marks the keys this helper creates.
	Description string `json:"description,omitempty"`
	// Instance names this cache in the marks of its keys (default: derived
	// from the host and the cache path, and kept in the cache).
	Instance string `json:"instance,omitempty"`
}

// Output is the credential_process JSON.
type Output struct {
	Version         int    `json:"Version"`
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	SessionToken    string `json:"SessionToken,omitempty"`
	Expiration      string `json:"Expiration,omitempty"`
}

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "credential-process:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("credential-process", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg Config
	configFile := fs.String("config", "", "JSON config file (fields as the flags, snake_case)")
	emulate := fs.Bool("emulate", false, "run on iamkit's in-process emulators (no account needed)")
	fs.StringVar(&cfg.Cloud, "cloud", "", "nebius, yandex or outscale")
	fs.StringVar(&cfg.CredentialsFile, "credentials", "", "Nebius service-account credentials JSON")
	fs.StringVar(&cfg.ProjectID, "project-id", "", "Nebius project ID of the keys")
	fs.StringVar(&cfg.KeyFile, "key-file", "", "Yandex authorized key JSON")
	fs.StringVar(&cfg.ServiceAccountID, "service-account-id", "", "Yandex service account whose keys are managed (default: the key's)")
	fs.StringVar(&cfg.Profile, "profile", "", "OUTSCALE profile in ~/.osc/config.json")
	fs.StringVar(&cfg.User, "user", "", "OUTSCALE EIM user whose keys are managed (default: the caller)")
	fs.StringVar(&cfg.Cache, "cache", "", "state file keeping the key between runs (default in the user cache dir)")
	fs.StringVar(&cfg.Lifetime, "lifetime", "", "key lifetime (default 24h)")
	fs.StringVar(&cfg.RotateBefore, "rotate-before", "", "create the next key this long before the end of the lifetime (default lifetime/4)")
	fs.StringVar(&cfg.Description, "description", "", "mark of the keys this helper manages (default iamkit-credential-process)")
	fs.StringVar(&cfg.Instance, "instance", "", "name of this cache in the marks of its keys, unique to it (default: random, kept in the cache)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *configFile != "" {
		if err := mergeConfigFile(*configFile, &cfg); err != nil {
			return err
		}
	}
	if cfg.Description == "" {
		cfg.Description = "iamkit-credential-process"
	}
	pol, err := policy(cfg)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	if *emulate {
		return runEmulated(ctx, cfg, pol, log, stdout, stderr)
	}
	if cfg.Cache == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return fmt.Errorf("no -cache given and no user cache directory: %w", err)
		}
		cfg.Cache = filepath.Join(dir, "iamkit", "credential-process-"+cfg.Cloud+"-"+cfg.Description+".json")
	}
	km, closeKM, err := keyManager(cfg)
	if err != nil {
		return err
	}
	defer closeKM()
	out, err := retrieve(ctx, km, cfg.Cache, cfg.Instance, pol, log)
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(out)
}

// mergeConfigFile fills the fields of cfg that flags left empty.
func mergeConfigFile(path string, cfg *Config) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading -config: %w", err)
	}
	var f Config
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	fill := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	fill(&cfg.Cloud, f.Cloud)
	fill(&cfg.CredentialsFile, f.CredentialsFile)
	fill(&cfg.ProjectID, f.ProjectID)
	fill(&cfg.KeyFile, f.KeyFile)
	fill(&cfg.ServiceAccountID, f.ServiceAccountID)
	fill(&cfg.Profile, f.Profile)
	fill(&cfg.User, f.User)
	fill(&cfg.Cache, f.Cache)
	fill(&cfg.Lifetime, f.Lifetime)
	fill(&cfg.RotateBefore, f.RotateBefore)
	fill(&cfg.Description, f.Description)
	fill(&cfg.Instance, f.Instance)
	return nil
}

func policy(cfg Config) (iamcreds.Policy, error) {
	pol := iamcreds.Policy{Description: cfg.Description}
	var err error
	if cfg.Lifetime != "" {
		if pol.Lifetime, err = time.ParseDuration(cfg.Lifetime); err != nil {
			return pol, fmt.Errorf("lifetime %q: %w", cfg.Lifetime, err)
		}
	}
	if cfg.RotateBefore != "" {
		if pol.RotateBefore, err = time.ParseDuration(cfg.RotateBefore); err != nil {
			return pol, fmt.Errorf("rotate-before %q: %w", cfg.RotateBefore, err)
		}
	}
	return pol, pol.Validate()
}

// keyManager builds the cloud's real client from the configuration.
func keyManager(cfg Config) (iam.KeyManager, func(), error) {
	switch cfg.Cloud {
	case "nebius":
		if cfg.CredentialsFile == "" || cfg.ProjectID == "" {
			return nil, nil, errors.New("nebius needs -credentials (service-account credentials JSON) and -project-id")
		}
		key, err := nebiusauth.LoadCredentialsFile(cfg.CredentialsFile)
		if err != nil {
			return nil, nil, err
		}
		ts, err := nebiusauth.ServiceAccount(key)
		if err != nil {
			return nil, nil, err
		}
		c, err := nebius.New(ts, func(o *nebius.Options) { o.ProjectID = cfg.ProjectID })
		if err != nil {
			ts.Close()
			return nil, nil, err
		}
		km, err := nebius.NewKeyManager(c, nebius.ServiceAccount(key.ServiceAccountID))
		if err != nil {
			c.Close()
			ts.Close()
			return nil, nil, err
		}
		return km, func() { c.Close(); ts.Close() }, nil
	case "yandex":
		if cfg.KeyFile == "" {
			return nil, nil, errors.New("yandex needs -key-file (an authorized key JSON from yc iam key create)")
		}
		key, err := yandexauth.LoadKeyFile(cfg.KeyFile)
		if err != nil {
			return nil, nil, err
		}
		ts, err := yandexauth.ServiceAccount(key)
		if err != nil {
			return nil, nil, err
		}
		sa := cfg.ServiceAccountID
		if sa == "" {
			sa = key.ServiceAccountID
		}
		c, err := yandex.New(ts, func(o *yandex.Options) { o.ServiceAccountID = sa })
		if err != nil {
			ts.Close()
			return nil, nil, err
		}
		km, err := yandex.NewKeyManager(c, sa)
		if err != nil {
			c.Close()
			ts.Close()
			return nil, nil, err
		}
		return km, func() { c.Close(); ts.Close() }, nil
	case "outscale":
		prof, err := outscale.LoadProfile(func(o *outscale.ProfileOptions) { o.Profile = cfg.Profile })
		if err != nil {
			return nil, nil, err
		}
		c, err := outscale.New(outscale.WithProfile(prof))
		if err != nil {
			return nil, nil, err
		}
		km, err := outscale.NewKeyManager(c, func(o *outscale.KeyManagerOptions) { o.UserName = cfg.User })
		if err != nil {
			c.Close()
			return nil, nil, err
		}
		return km, func() { c.Close() }, nil
	case "":
		return nil, nil, errors.New("-cloud is required (nebius, yandex or outscale), or -emulate")
	}
	return nil, nil, fmt.Errorf("-cloud %q: want nebius, yandex or outscale", cfg.Cloud)
}

// retrieve gets the key (reusing the cached one when it is still good),
// lets the provider finish what is due (rotation, deleting old keys), and
// returns the credential_process output.
func retrieve(ctx context.Context, km iam.KeyManager, cache, instance string, pol iamcreds.Policy, log *slog.Logger) (Output, error) {
	if err := os.MkdirAll(filepath.Dir(cache), 0o700); err != nil {
		return Output{}, fmt.Errorf("cache directory: %w", err)
	}
	p, err := iamcreds.NewManagedProvider(km, func(o *iamcreds.ManagedOptions) {
		o.Policy = pol
		o.StateFile = cache
		o.Instance = instance
		o.Logger = log
	})
	if err != nil {
		return Output{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	c, err := p.Retrieve(ctx)
	if err != nil {
		_ = p.Shutdown(ctx)
		return Output{}, err
	}
	if err := p.Settle(ctx); err != nil {
		log.Warn("housekeeping did not finish; the next run continues it", "error", err.Error())
	} else if c2, err := p.Retrieve(ctx); err == nil {
		c = c2 // after a rotation step, with an up-to-date Expiration
	}
	if err := p.Shutdown(ctx); err != nil {
		log.Warn("closing the provider", "error", err.Error())
	}
	out := Output{Version: 1, AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
	if c.CanExpire {
		out.Expiration = c.Expires.UTC().Format(time.RFC3339)
	}
	return out, nil
}
