// Command token shows how a program gets an access token for a service
// account's key with iamkit, and keeps it in the on-disk token cache
// (auth.DiskStore, mode 0600) so that short-lived processes reuse it
// instead of exchanging the key on every start:
//
//	go run ./examples/token                                   # on the in-process Nebius token emulator
//	go run ./examples/token -credentials ~/.nebius/sa.json    # a Nebius service-account credentials file
//
// On the emulator it gets a token twice through one cache file, the way two
// runs of a script would, and shows that only the first one exchanged.
//
// For a tool that prints tokens of either cloud for shell use, with the
// clouds' default credential chains and endpoints configurable, install
// iamkit's command:
//
//	go install github.com/iamkit/iamkit/cmd/iamkit@latest
//	curl -H "Authorization: Bearer $(iamkit token --cloud nebius)" https://…
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
)

func main() {
	credentials := flag.String("credentials", "", "Nebius service-account credentials JSON (default: a key of the in-process emulator)")
	cacheFile := flag.String("cache-file", "", "token cache file (default "+defaultCache()+")")
	flag.Parse()
	if err := run(context.Background(), *credentials, *cacheFile); err != nil {
		fmt.Fprintln(os.Stderr, "token:", err)
		os.Exit(1)
	}
}

func defaultCache() string {
	p, err := auth.DefaultDiskStorePath()
	if err != nil {
		return "<user cache dir>/iamkit/tokens.json"
	}
	return p
}

func run(ctx context.Context, credentials, cacheFile string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if credentials != "" {
		if cacheFile == "" {
			cacheFile = defaultCache()
		}
		key, err := nebiusauth.LoadCredentialsFile(credentials)
		if err != nil {
			return err
		}
		tok, err := token(ctx, key, cacheFile)
		if err != nil {
			return err
		}
		fmt.Println(tok.Value.Reveal())
		return nil
	}

	// The emulator: a service account whose key the token service trusts.
	reg := iamtest.NewRegistry()
	iamSrv, err := nebiustest.New(func(o *nebiustest.Options) { o.Registry = reg })
	if err != nil {
		return err
	}
	defer iamSrv.Close()
	tokens, err := iamtest.NewNebiusTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = reg })
	if err != nil {
		return err
	}
	defer tokens.Close()
	sa, err := iamSrv.NewServiceAccount("")
	if err != nil {
		return err
	}
	key, err := nebiusauth.ParseCredentials([]byte(sa.CredentialsJSON.Reveal()), "emulator")
	if err != nil {
		return err
	}
	if cacheFile == "" {
		dir, err := os.MkdirTemp("", "token-example-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		cacheFile = filepath.Join(dir, "tokens.json")
	}
	first, err := token(ctx, key, cacheFile, tokens.ServiceAccountOptions())
	if err != nil {
		return err
	}
	second, err := token(ctx, key, cacheFile, tokens.ServiceAccountOptions())
	if err != nil {
		return err
	}
	if !second.Value.Equal(first.Value) || tokens.Calls("") != 1 {
		return errors.New("the second run was not served from the cache file")
	}
	fmt.Fprintf(os.Stderr, "two runs, %d exchange: the second token came from %s\n", tokens.Calls(""), cacheFile)
	fmt.Println(second.Value.Reveal())
	return nil
}

// token is one run of a program that needs a token: a service-account
// token source whose cache is backed by the file, asked once, then closed.
func token(ctx context.Context, key *auth.ServiceAccountKey, cacheFile string, optFns ...func(*auth.ServiceAccountOptions)) (auth.Token, error) {
	store, err := auth.NewDiskStore(cacheFile)
	if err != nil {
		return auth.Token{}, err
	}
	src, err := nebiusauth.ServiceAccount(key, append(optFns, func(o *auth.ServiceAccountOptions) { o.Store = store })...)
	if err != nil {
		return auth.Token{}, err
	}
	defer src.Close()
	return src.AccessToken(ctx)
}
