// Command nebius walks through the Nebius key lifecycle with iamkit: it
// authenticates as a service account (credentials JSON → signed JWT →
// token exchange), then creates, reads, deactivates, activates and deletes
// an S3 access key and an uploaded authorized key.
//
// Without flags it finds credentials as the Nebius CLI and SDK do, with
// nebius.LoadDefaultConfig (NEBIUS_IAM_TOKEN, then the profile of
// ~/.nebius/config.yaml, then the VM's metadata service), and says which
// source it used; the profile's parent-id is the project:
//
//	go run ./examples/nebius
//
// When none has credentials it says so, listing what it tried, and runs
// against the in-process emulators of iam/iamtest, which need no account;
// -emulator goes there straight away:
//
//	go run ./examples/nebius -emulator
//
// Or pass the credentials file written by `nebius iam auth-public-key
// generate` and the project:
//
//	go run ./examples/nebius -credentials ~/.nebius/credentials.json -project project-e00…
//
// Secrets are printed as REDACTED.
package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/iam/nebius"
	"github.com/iamkit/iamkit/internal/atomicfile"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, environment{getenv: os.Getenv}); err != nil {
		fmt.Fprintln(os.Stderr, "nebius example:", err)
		os.Exit(1)
	}
}

type config struct {
	credentials    string
	emulator       bool
	serviceAccount string
	project        string
	domain         string
	keyBits        int
	timeout        time.Duration
}

// environment is what run reads besides its flags: the environment (for
// the default credentials chain) and, in tests, client options that point
// the chain's token exchange and IAM client at an emulator.
type environment struct {
	getenv     func(string) string
	clientOpts []func(*nebius.Options)
}

func run(args []string, out io.Writer, env environment) error {
	var cfg config
	fs := flag.NewFlagSet("nebius", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&cfg.credentials, "credentials", "", "service-account credentials JSON (subject-credentials); empty: the default credentials chain")
	fs.BoolVar(&cfg.emulator, "emulator", false, "run against the in-process emulators")
	fs.StringVar(&cfg.serviceAccount, "service-account", "", "service account whose keys to manage (default: the credentials')")
	fs.StringVar(&cfg.project, "project", "", "project ID (parent of the keys); required with -credentials (default: the profile's parent-id)")
	fs.StringVar(&cfg.domain, "domain", "", "API domain (default $NEBIUS_ENDPOINT or api.nebius.cloud)")
	fs.IntVar(&cfg.keyBits, "key-bits", 0, "RSA size of the authorized key uploaded (default 4096; 2048 on the emulators)")
	fs.DurationVar(&cfg.timeout, "timeout", 2*time.Minute, "overall time limit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.timeout)
	defer cancel()

	if cfg.emulator && (cfg.credentials != "" || cfg.project != "" || cfg.domain != "" || cfg.serviceAccount != "") {
		return errors.New("-emulator runs on the in-process emulators: it takes no -credentials, -project, -domain or -service-account")
	}
	var (
		tokenOpt = func(*auth.ServiceAccountOptions) {}
		clientFn = func(o *nebius.Options) { o.ProjectID = cfg.project; o.Domain = cfg.domain }
		ts       oauth2.TokenSource
		keyID    string
	)
	if cfg.credentials == "" && !cfg.emulator {
		lc, err := nebius.LoadDefaultConfig(ctx, func(o *nebius.LoadOptions) {
			o.Getenv, o.Domain, o.ClientOptions = env.getenv, cfg.domain, env.clientOpts
		})
		switch {
		case errors.Is(err, auth.ErrNoCredentials) && cfg.domain == "" && cfg.project == "" && cfg.serviceAccount == "":
			fmt.Fprintf(out, "No Nebius credentials found (%v)\n", err)
			cfg.emulator = true
		case err != nil:
			return err
		default:
			defer lc.Close()
			fmt.Fprintf(out, "Using Nebius credentials: %v\n", lc)
			if cfg.project == "" {
				cfg.project = lc.ParentID
			}
			if cfg.serviceAccount == "" {
				cfg.serviceAccount = lc.ServiceAccountID
			}
			if cfg.project == "" || cfg.serviceAccount == "" {
				return fmt.Errorf("the credentials found (%v) name no project or no service account: pass -project and -service-account", lc.Source)
			}
			ts = lc.TokenSource
			lcOpts := lc.ClientOptions()
			clientFn = func(o *nebius.Options) { lcOpts(o); o.ProjectID = cfg.project }
		}
	}
	if cfg.emulator {
		emu, err := startEmulators()
		if err != nil {
			return err
		}
		defer emu.close()
		fmt.Fprintln(out, "Using the iamkit emulators (pass -credentials and -project for the real cloud).")
		cfg.credentials, cfg.project = emu.credentialsPath, emu.sa.ProjectID
		if cfg.keyBits == 0 {
			cfg.keyBits = 2048
		}
		tokenOpt = emu.tokens.ServiceAccountOptions()
		emuOpts := emu.keys.ClientOptions()
		clientFn = func(o *nebius.Options) { emuOpts(o); o.ProjectID = cfg.project }
	} else if cfg.credentials != "" && cfg.project == "" {
		return errors.New("-project is required with -credentials")
	}
	if cfg.keyBits == 0 {
		cfg.keyBits = nebius.DefaultBootstrapKeyBits
	}

	if ts == nil { // a credentials file: the emulators' or -credentials'
		key, err := nebiusauth.LoadCredentialsFile(cfg.credentials)
		if err != nil {
			return err
		}
		tokens, err := nebiusauth.ServiceAccount(key, tokenOpt)
		if err != nil {
			return err
		}
		defer tokens.Close()
		ts, keyID = tokens, " (key "+key.KeyID+")"
		if cfg.serviceAccount == "" {
			cfg.serviceAccount = key.ServiceAccountID
		}
	}
	client, err := nebius.New(ts, clientFn)
	if err != nil {
		return err
	}
	defer client.Close()
	fmt.Fprintf(out, "Service account %s%s, project %s, endpoint %s\n\n", cfg.serviceAccount, keyID, cfg.project, client.Address())

	if err := accessKeyLifecycle(ctx, out, client, cfg.serviceAccount); err != nil {
		return err
	}
	fmt.Fprintln(out)
	return authorizedKeyLifecycle(ctx, out, client, cfg.serviceAccount, cfg.keyBits)
}

func accessKeyLifecycle(ctx context.Context, out io.Writer, c *nebius.Client, saID string) error {
	aks := c.AccessKeys()
	fmt.Fprintln(out, "Access key (nebius.iam.v2.AccessKeyService):")
	k, err := aks.Create(ctx, nebius.CreateAccessKeyRequest{
		Account:     nebius.ServiceAccount(saID),
		Description: "iamkit example",
		ExpiresAt:   time.Now().Add(24 * time.Hour),
	})
	if err != nil {
		return err
	}
	// Deleting on the way out keeps an interrupted run from leaving a key.
	deleted := false
	defer func() {
		if !deleted {
			_ = aks.Delete(context.WithoutCancel(ctx), k.ID)
		}
	}()
	fmt.Fprintf(out, "  create      %s  aws_access_key_id=%s  secret=%v  state=%s\n", k.ID, k.AccessKeyID, k.Secret, k.State)
	if k, err = aks.Get(ctx, k.ID); err != nil {
		return err
	}
	fmt.Fprintf(out, "  get         %s  description=%q  expires=%s\n", k.ID, k.Description, k.ExpiresAt.UTC().Format(time.RFC3339))
	for _, step := range []struct {
		name string
		do   func(context.Context, string) (*nebius.AccessKey, error)
	}{{"deactivate", aks.Deactivate}, {"activate", aks.Activate}} {
		if k, err = step.do(ctx, k.ID); err != nil {
			return err
		}
		fmt.Fprintf(out, "  %-11s %s  state=%s\n", step.name, k.ID, k.State)
	}
	// StartDelete returns the operation; Operations().Wait waits for it
	// (Delete does both).
	op, err := aks.StartDelete(ctx, k.ID)
	if err != nil {
		return err
	}
	if op, err = c.Operations().Wait(ctx, op); err != nil {
		return err
	}
	deleted = true
	fmt.Fprintf(out, "  delete      %s  operation=%s done=%v\n", k.ID, op.ID, op.Done)
	return nil
}

func authorizedKeyLifecycle(ctx context.Context, out io.Writer, c *nebius.Client, saID string, bits int) error {
	apk := c.AuthPublicKeys()
	fmt.Fprintln(out, "Authorized key (nebius.iam.v1.AuthPublicKeyService):")
	priv, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return err
	}
	pk, err := apk.Create(ctx, nebius.CreateAuthPublicKeyRequest{
		Account:     nebius.ServiceAccount(saID),
		Description: "iamkit example",
		Data:        string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})),
	})
	if err != nil {
		return err
	}
	deleted := false
	defer func() {
		if !deleted {
			_ = apk.Delete(context.WithoutCancel(ctx), pk.ID)
		}
	}()
	fmt.Fprintf(out, "  create      %s  algorithm=%s key_size=%d  state=%s\n", pk.ID, pk.Algorithm, pk.KeySize, pk.State)
	// The private key never leaves this process; a credentials file for it
	// would name pk.ID as its kid (see nebius.AuthPublicKeys.Bootstrap).
	sak, err := auth.NewServiceAccountKey(pk.ID, saID, priv)
	if err != nil {
		return err
	}
	if err := nebius.CheckCredentials(sak, pk); err != nil {
		return err
	}
	fmt.Fprintf(out, "  check       private key matches %s: %v\n", pk.ID, sak)
	if pk, err = apk.Get(ctx, pk.ID); err != nil {
		return err
	}
	fmt.Fprintf(out, "  get         %s  fingerprint=%s\n", pk.ID, short(pk.Fingerprint))
	for _, step := range []struct {
		name string
		do   func(context.Context, string) (*nebius.AuthPublicKey, error)
	}{{"deactivate", apk.Deactivate}, {"activate", apk.Activate}} {
		if pk, err = step.do(ctx, pk.ID); err != nil {
			return err
		}
		fmt.Fprintf(out, "  %-11s %s  state=%s\n", step.name, pk.ID, pk.State)
	}
	op, err := apk.StartDelete(ctx, pk.ID)
	if err != nil {
		return err
	}
	if op, err = c.Operations().Wait(ctx, op); err != nil {
		return err
	}
	deleted = true
	fmt.Fprintf(out, "  delete      %s  operation=%s done=%v\n", pk.ID, op.ID, op.Done)
	return nil
}

func short(s string) string {
	if len(s) > 23 {
		return s[:23] + "…"
	}
	return s
}

// emulators are the token-exchange and key emulators, sharing one registry,
// with a service account whose credentials file is in a temporary folder.
type emulators struct {
	tokens          *iamtest.NebiusTokenServer
	keys            *nebiustest.Server
	sa              *nebiustest.ServiceAccount
	dir             string
	credentialsPath string
}

func startEmulators() (*emulators, error) {
	reg := iamtest.NewRegistry()
	e := &emulators{}
	var err error
	if e.tokens, err = iamtest.NewNebiusTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = reg }); err != nil {
		return nil, err
	}
	if e.keys, err = nebiustest.New(func(o *nebiustest.Options) { o.Registry = reg; o.AsyncPolls = 1 }); err != nil {
		e.close()
		return nil, err
	}
	if e.sa, err = e.keys.NewServiceAccount(""); err != nil {
		e.close()
		return nil, err
	}
	if e.dir, err = os.MkdirTemp("", "iamkit-nebius-"); err != nil {
		e.close()
		return nil, err
	}
	e.credentialsPath = filepath.Join(e.dir, "credentials.json")
	if err := atomicfile.Write(e.credentialsPath, []byte(e.sa.CredentialsJSON.Reveal())); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

func (e *emulators) close() {
	if e.dir != "" {
		os.RemoveAll(e.dir)
	}
	if e.keys != nil {
		e.keys.Close()
	}
	e.tokens.Close()
}
