// Command outscale walks an OUTSCALE access key through its life: create a
// key that expires in one hour, read it back, deactivate it (the expiry is
// kept), activate it again and delete it.
//
// By default it runs against iamkit's in-process OUTSCALE emulator, so it
// works on a fresh clone with no account:
//
//	go run ./examples/outscale
//
// With -profile (a profile of ~/.osc/config.json, or OSC_CONFIG_FILE) or
// -env (the OSC_* environment variables), it talks to the real OUTSCALE
// API of that profile's region:
//
//	go run ./examples/outscale -profile default
//	OSC_ACCESS_KEY=… OSC_SECRET_KEY=… OSC_REGION=eu-west-2 go run ./examples/outscale -env
//
// Secrets are never printed: the new key's secret shows as REDACTED.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest/outscaletest"
	"github.com/iamkit/iamkit/iam/outscale"
)

func main() {
	profile := flag.String("profile", "", "use this profile of the OUTSCALE config file (real cloud)")
	useEnv := flag.Bool("env", false, "use the OSC_* environment variables and config file (real cloud)")
	user := flag.String("user", "", "EIM user to manage keys for (default: the caller)")
	timeout := flag.Duration("timeout", time.Minute, "overall timeout")
	verbose := flag.Bool("v", false, "log requests (never secrets)")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := run(ctx, *profile, *useEnv, *user, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, profile string, useEnv bool, user string, verbose bool) error {
	var opts []func(*outscale.Options)
	if verbose {
		logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
		opts = append(opts, func(o *outscale.Options) { o.Logger = logger })
	}
	if profile != "" || useEnv {
		p, err := outscale.LoadProfile(func(o *outscale.ProfileOptions) { o.Profile = profile })
		if err != nil {
			return err
		}
		fmt.Printf("using profile %q (%s), region %s\n", p.Name, orNone(p.File), p.Region)
		opts = append(opts, outscale.WithProfile(p))
	} else {
		// Legacy: the emulator behaves like a pre-1.40 server, which drops
		// an expiry that UpdateAccessKey does not re-send, so step 3 shows
		// SetState at work.
		srv, err := outscaletest.New(func(o *outscaletest.Options) { o.Legacy = true })
		if err != nil {
			return err
		}
		defer srv.Close()
		fmt.Println("using the OUTSCALE emulator (pre-1.40 UpdateAccessKey) at", srv.URL)
		opts = append(opts, srv.ClientOptions(srv.Root))
	}
	c, err := outscale.New(opts...)
	if err != nil {
		return err
	}
	defer c.Close()
	// The key manager creates, reads and deletes keys the way the
	// credentials package does (expiry within the account's policy,
	// deactivation before deletion); the sub-client does the rest.
	km, err := outscale.NewKeyManager(c, func(o *outscale.KeyManagerOptions) { o.UserName = user })
	if err != nil {
		return err
	}
	keys := c.UserAccessKeys(user) // the caller's keys when user is ""

	// 1. Create a key expiring in one hour (within the account's policy).
	k, err := km.CreateKey(ctx, iam.CreateKeyRequest{
		Description: "iamkit-example",
		ExpiresAt:   time.Now().Add(time.Hour),
	})
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	fmt.Printf("created  %s state=%s expires=%s secret=%v\n", k.ID, k.State, k.ExpiresAt.Format(time.RFC3339), k.Secret)
	// Whatever happens next, try to remove the key.
	deleted := false
	defer func() {
		if !deleted {
			if err := km.DeleteKey(context.WithoutCancel(ctx), k.ID); err != nil {
				fmt.Fprintln(os.Stderr, "cleanup: could not delete", k.ID+":", err)
			}
		}
	}()

	// 2. Read it back.
	got, err := km.GetKey(ctx, k.ID)
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	fmt.Printf("read     %s state=%s expires=%s tag=%s\n", got.ID, got.State, got.ExpiresAt.Format(time.RFC3339), got.Description)

	// 3. Deactivate: SetState re-sends the expiry, so it is kept.
	off, err := keys.SetState(ctx, k.ID, iam.StateInactive)
	if err != nil {
		return fmt.Errorf("deactivate: %w", err)
	}
	kept := off.ExpirationDate.Time().Equal(got.ExpiresAt)
	fmt.Printf("disabled %s state=%s expires=%s (kept: %v)\n", off.AccessKeyID, off.State,
		off.ExpirationDate.Time().Format(time.RFC3339), kept)
	if !kept {
		return fmt.Errorf("deactivate: the expiry was not kept (%v, want %v)", off.ExpirationDate, got.ExpiresAt.Format(time.RFC3339))
	}

	// 4. Activate again.
	on, err := keys.SetState(ctx, k.ID, iam.StateActive)
	if err != nil {
		return fmt.Errorf("activate: %w", err)
	}
	fmt.Printf("enabled  %s state=%s expires=%s\n", on.AccessKeyID, on.State, on.ExpirationDate.Time().Format(time.RFC3339))

	// 5. Delete (deactivating first where the API requires it).
	if err := km.DeleteKey(ctx, k.ID); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	deleted = true
	fmt.Printf("deleted  %s\n", k.ID)
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "no config file"
	}
	return s
}
