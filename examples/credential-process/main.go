// Command credential-process shows the library behind an AWS
// credential_process helper: an iamcreds.ManagedProvider with a state file
// creates the access key (and later rotates it), every run of the helper
// reads it back from that file, and the helper prints it as the JSON the
// AWS CLI and SDKs read.
//
//	go run ./examples/credential-process
//
// It runs on iamkit's OUTSCALE emulator, in-process, and runs the helper's
// work twice on one state file, as two invocations by the AWS CLI would:
// the second reuses the first one's key. For a real account, give the
// provider a KeyManager of the real client (outscale.New with
// outscale.LoadDefaultConfig's options, nebius.NewKeyManager,
// yandex.NewKeyManager).
//
// To use a helper rather than write one, install iamkit's command, which
// does this for the three clouds with their default credential chains,
// every endpoint configurable, a state shared per account and an
// Expiration the AWS CLI does not refresh before every request:
//
//	go install github.com/iamkit/iamkit/cmd/iamkit@latest
//	iamkit credential-process -h
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	iamcreds "github.com/iamkit/iamkit/credentials"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest/outscaletest"
	"github.com/iamkit/iamkit/iam/outscale"
)

// output is the credential_process JSON.
type output struct {
	Version         int    `json:"Version"`
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	SessionToken    string `json:"SessionToken,omitempty"`
	Expiration      string `json:"Expiration,omitempty"`
}

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "credential-process:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	srv, err := outscaletest.New()
	if err != nil {
		return err
	}
	defer srv.Close()
	client, err := outscale.New(srv.ClientOptions(srv.Root))
	if err != nil {
		return err
	}
	defer client.Close()
	km, err := outscale.NewKeyManager(client)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "credential-process-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	state := filepath.Join(dir, "state.json")

	first, err := helperRun(ctx, km, state)
	if err != nil {
		return err
	}
	second, err := helperRun(ctx, km, state)
	if err != nil {
		return err
	}
	if second.AccessKeyID != first.AccessKeyID {
		return fmt.Errorf("the second run created %s instead of reusing %s", second.AccessKeyID, first.AccessKeyID)
	}
	fmt.Fprintf(os.Stderr, "two runs shared key %s through the state file; %d key created\n", second.AccessKeyID, srv.Calls("CreateAccessKey"))
	return json.NewEncoder(os.Stdout).Encode(second)
}

// helperRun is one invocation of a credential_process helper: a provider
// on the state file gives the key (creating it on the first run), finishes
// what is due (Settle), and is closed before the process would exit.
func helperRun(ctx context.Context, km iam.KeyManager, state string) (output, error) {
	p, err := iamcreds.NewManagedProvider(km, func(o *iamcreds.ManagedOptions) {
		o.Policy = iamcreds.Policy{Lifetime: 24 * time.Hour, Description: "example-credential-process"}
		o.StateFile = state
	})
	if err != nil {
		return output{}, err
	}
	defer p.Close()
	if err := p.Settle(ctx); err != nil {
		return output{}, err
	}
	c, err := p.Retrieve(ctx)
	if err != nil {
		return output{}, err
	}
	// Expires is when the credentials next change: the AWS tools call the
	// helper again (15 minutes) before it.
	return output{Version: 1, AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey,
		SessionToken: c.SessionToken, Expiration: c.Expires.UTC().Format(time.RFC3339)}, nil
}
