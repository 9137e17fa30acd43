// Command yandex walks through the life of a Yandex Cloud service
// account's API key and static access key with iamkit's iam/yandex client:
// create (with scopes and an expiry) → list → update the description →
// delete, for each.
//
// Without flags it finds credentials as yc and the Yandex SDKs do, with
// yandex.LoadDefaultConfig (YC_IAM_TOKEN or YC_TOKEN, then
// YC_SERVICE_ACCOUNT_KEY_FILE, then the current yc profile, then the VM's
// metadata service), and says which source it used:
//
//	go run ./examples/yandex
//
// When none has credentials it says so, listing what it tried, and runs
// against in-process emulators (iam/iamtest) instead, which need no account
// and no network; -emulator goes there straight away:
//
//	go run ./examples/yandex -emulator
//
// Or give it an authorized key of a service account (yc iam key create
// --service-account-name my-robot --output key.json):
//
//	go run ./examples/yandex -key key.json -folder b1g...
//
// Secrets are never printed: they are iam.Secret values and print as
// REDACTED.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
	"github.com/iamkit/iamkit/iam/yandex"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "yandex:", err)
		os.Exit(1)
	}
}

type config struct {
	keyFile        string
	emulator       bool
	endpoint       string
	folder         string
	serviceAccount string
	scopes         []string
	timeout        time.Duration
}

// run is the example; getenv reads the environment (os.Getenv; the tests
// pass a map lookup) for the default credentials chain.
func run(ctx context.Context, args []string, out io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("yandex", flag.ContinueOnError)
	var cfg config
	fs.StringVar(&cfg.keyFile, "key", "", "authorized key file (yc key.json) of a service account; empty: the default credentials chain")
	fs.BoolVar(&cfg.emulator, "emulator", false, "run against the in-process emulators")
	fs.StringVar(&cfg.endpoint, "endpoint", "", "Cloud API endpoint host:port for the default chain (default: the yc profile's, else api.cloud.yandex.net:443)")
	fs.StringVar(&cfg.folder, "folder", "", "folder ID of the service account (shown in the output; the key APIs act on the service account; default: the yc profile's folder-id)")
	fs.StringVar(&cfg.serviceAccount, "service-account", "", "service account whose keys to manage (default: the credentials', else the token's subject)")
	fs.DurationVar(&cfg.timeout, "timeout", 2*time.Minute, "overall time limit")
	scope := fs.String("scope", "yc.monitoring.read", "scope of the API key the example creates")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if cfg.emulator && (cfg.keyFile != "" || cfg.endpoint != "" || cfg.folder != "") {
		return errors.New("-emulator runs on the in-process emulators: it takes no -key, -endpoint or -folder")
	}
	if cfg.keyFile != "" && cfg.endpoint != "" {
		return errors.New("-endpoint is for the default credentials chain: not with -key")
	}
	cfg.scopes = []string{*scope}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()

	var (
		keyJSON  []byte
		source   string
		authOpts []func(*auth.ServiceAccountOptions)
		apiOpts  []func(*yandex.Options)
		ts       oauth2.TokenSource
	)
	if cfg.keyFile == "" && !cfg.emulator {
		lc, err := yandex.LoadDefaultConfig(ctx, func(o *yandex.LoadOptions) { o.Getenv, o.Endpoint = getenv, cfg.endpoint })
		switch {
		case errors.Is(err, auth.ErrNoCredentials) && cfg.endpoint == "":
			fmt.Fprintf(out, "No Yandex Cloud credentials found (%v)\n", err)
			cfg.emulator = true
		case err != nil:
			return err
		default:
			defer lc.Close()
			fmt.Fprintf(out, "Using Yandex Cloud credentials: %v\n", lc)
			ts = lc.TokenSource
			apiOpts = append(apiOpts, lc.ClientOptions())
			if cfg.serviceAccount == "" {
				cfg.serviceAccount = lc.ServiceAccountID
			}
			if cfg.folder == "" {
				cfg.folder = lc.FolderID
			}
		}
	}
	if cfg.emulator {
		// The emulators: a token service and the IAM API sharing one
		// registry, and a key.json of the emulator's service account.
		reg := iamtest.NewRegistry()
		tokens, err := iamtest.NewYandexTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = reg })
		if err != nil {
			return err
		}
		defer tokens.Close()
		srv, err := yandextest.New(func(o *yandextest.Options) { o.Registry = reg })
		if err != nil {
			return err
		}
		defer srv.Close()
		if keyJSON, err = srv.BootstrapKeyFile(); err != nil {
			return err
		}
		source = "emulator key.json"
		authOpts = append(authOpts, tokens.ServiceAccountOptions())
		apiOpts = append(apiOpts, srv.ClientOptions())
		fmt.Fprintf(out, "Using the in-process emulator at %s (pass -key key.json, or set up credentials, for Yandex Cloud)\n", srv.URL)
	} else if cfg.keyFile != "" {
		var err error
		if keyJSON, err = os.ReadFile(cfg.keyFile); err != nil {
			return err
		}
		source = cfg.keyFile
		fmt.Fprintln(out, "Using Yandex Cloud")
	}

	if ts == nil { // a key.json: the emulator's or -key's
		key, err := yandexauth.ParseKey(keyJSON, source)
		if err != nil {
			return err
		}
		if cfg.serviceAccount == "" && !key.UserAccount {
			cfg.serviceAccount = key.ServiceAccountID
		}
		cache, err := yandexauth.ServiceAccount(key, authOpts...)
		if err != nil {
			return err
		}
		defer cache.Close()
		ts = cache
	}
	apiOpts = append(apiOpts, func(o *yandex.Options) { o.ServiceAccountID = cfg.serviceAccount })
	client, err := yandex.New(ts, apiOpts...)
	if err != nil {
		return err
	}
	defer client.Close()
	if cfg.serviceAccount == "" {
		fmt.Fprint(out, "Service account: the token's subject")
	} else {
		fmt.Fprintf(out, "Service account %s", cfg.serviceAccount)
	}
	if cfg.folder != "" {
		fmt.Fprintf(out, " in folder %s", cfg.folder)
	}
	fmt.Fprintln(out)

	if err := apiKeyLifecycle(ctx, client, cfg, out); err != nil {
		return fmt.Errorf("API key: %w", err)
	}
	if err := accessKeyLifecycle(ctx, client, out); err != nil {
		return fmt.Errorf("static access key: %w", err)
	}
	fmt.Fprintln(out, "Done.")
	return nil
}

func apiKeyLifecycle(ctx context.Context, c *yandex.Client, cfg config, out io.Writer) error {
	fmt.Fprintln(out, "\n== API key ==")
	created, err := c.APIKeys().Create(ctx, yandex.CreateAPIKeyRequest{
		Description: "iamkit example",
		Scopes:      cfg.scopes,
		ExpiresAt:   time.Now().Add(24 * time.Hour).Truncate(time.Second),
	})
	if err != nil {
		return err
	}
	k := created.APIKey
	// created.Secret prints as REDACTED; send it with
	// "Authorization: Api-Key " + created.Secret.Reveal().
	fmt.Fprintf(out, "created   %s scopes=%v expires=%s secret=%v masked=%s\n",
		k.ID, k.Scopes, k.ExpiresAt.UTC().Format(time.RFC3339), created.Secret, k.MaskedSecret)
	// Whatever happens next, do not leave the key behind.
	deleted := false
	defer func() {
		if !deleted {
			_ = c.APIKeys().Delete(context.WithoutCancel(ctx), k.ID)
		}
	}()

	n := 0
	for key, err := range c.APIKeys().List(ctx, yandex.ListAPIKeysRequest{}) {
		if err != nil {
			return err
		}
		n++
		if key.ID == k.ID {
			fmt.Fprintf(out, "listed    %s description=%q\n", key.ID, key.Description)
		}
	}
	fmt.Fprintf(out, "listed    %d API key(s) in all\n", n)

	desc := "iamkit example (updated)"
	updated, err := c.APIKeys().Update(ctx, yandex.UpdateAPIKeyRequest{ID: k.ID, Description: &desc})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "updated   %s description=%q\n", updated.ID, updated.Description)

	if err := c.APIKeys().Delete(ctx, k.ID); err != nil {
		return err
	}
	deleted = true
	fmt.Fprintf(out, "deleted   %s\n", k.ID)
	return nil
}

func accessKeyLifecycle(ctx context.Context, c *yandex.Client, out io.Writer) error {
	fmt.Fprintln(out, "\n== Static access key ==")
	created, err := c.AccessKeys().Create(ctx, yandex.CreateAccessKeyRequest{Description: "iamkit example"})
	if err != nil {
		return err
	}
	k := created.AccessKey
	fmt.Fprintf(out, "created   %s aws_access_key_id=%s aws_secret_access_key=%v\n", k.ID, k.AccessKeyID, created.Secret)
	deleted := false
	defer func() {
		if !deleted {
			_ = c.AccessKeys().Delete(context.WithoutCancel(ctx), k.ID)
		}
	}()

	n := 0
	for _, err := range c.AccessKeys().List(ctx, yandex.ListAccessKeysRequest{}) {
		if err != nil {
			return err
		}
		n++
	}
	fmt.Fprintf(out, "listed    %d static access key(s)\n", n)

	updated, err := c.AccessKeys().Update(ctx, yandex.UpdateAccessKeyRequest{ID: k.ID, Description: "iamkit example (updated)"})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "updated   %s description=%q\n", updated.ID, updated.Description)

	if err := c.AccessKeys().Delete(ctx, k.ID); err != nil {
		return err
	}
	deleted = true
	fmt.Fprintf(out, "deleted   %s\n", k.ID)
	return nil
}
