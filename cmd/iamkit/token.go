package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
)

type tokenOptions struct {
	cloudFlags
	cacheFile   string
	noCache     bool
	minValidity time.Duration
	timeout     time.Duration
	verbose     bool
}

func tokenFlags() (*flagSet, *tokenOptions) {
	fs := newFlagSet("token",
		"iamkit token --cloud nebius|yandex [flags]",
		`Prints an access token (a Nebius IAM token, a Yandex Cloud IAM token) on stdout,
and nothing else there, for shell use. Without a key file the cloud's default
chain finds the credentials (see iamkit doctor).

Tokens are kept in a cache file (mode 0600, replaced atomically), so that
repeated runs reuse one instead of exchanging a key each time, as long as it has
--min-validity left; tokens of other credentials or endpoints are kept apart.
Tokens read from the environment (NEBIUS_IAM_TOKEN, YC_IAM_TOKEN) are printed as
they are, without the cache.`,
		`curl -H "Authorization: Bearer $(iamkit token --cloud nebius)" https://…
export YC_IAM_TOKEN=$(iamkit token --cloud yandex --yandex-key-file key.json)
iamkit token --cloud nebius --nebius-key-file sa.json --nebius-address http://127.0.0.1:18401   # iamkit emulator
iamkit token --cloud yandex -v --no-cache`)
	o := &tokenOptions{}
	o.register(fs, true, iam.Nebius, iam.Yandex)
	fs.StringVar(&o.cacheFile, "cache-file", "", "token cache file (default <user cache dir>/iamkit/tokens.json)")
	fs.BoolVar(&o.noCache, "no-cache", false, "get a new token, neither reading nor writing the cache file")
	fs.DurationVar(&o.minValidity, "min-validity", 15*time.Minute, "least validity a cached token must have left to be printed; otherwise a new one is fetched")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "time limit for getting the token")
	fs.BoolVar(&o.verbose, "v", false, "say on stderr where the token came from (never the token)")
	return fs, o
}

func runToken(ctx context.Context, io *stdio, args []string) error {
	fs, o := tokenFlags()
	if err := fs.parse(io, args); err != nil {
		return err
	}
	cloud, err := o.chosen(iam.Nebius, iam.Yandex)
	if err != nil {
		return err
	}
	switch {
	case o.cacheFile != "" && o.noCache:
		return usageErrorf("give --cache-file or --no-cache, not both")
	case o.minValidity < 0:
		return usageErrorf("--min-validity %v: must not be negative", o.minValidity)
	case o.timeout <= 0:
		return usageErrorf("--timeout %v: must be positive", o.timeout)
	}
	o.cloudFlags.timeout = o.timeout
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	s, err := o.open(ctx, io, cloud, wantTokens)
	if err != nil {
		return err
	}
	defer s.close()

	// The cache: not for tokens from the environment, which are printed
	// as given.
	var store *auth.DiskStore
	if !o.noCache && s.source.Kind != auth.SourceEnv {
		path := o.cacheFile
		if path == "" {
			if path, err = auth.DefaultDiskStorePath(); err != nil {
				fmt.Fprintf(io.stderr, "iamkit token: no token cache (%v); give --cache-file to keep tokens between runs\n", err)
			}
		}
		if path != "" {
			if store, err = auth.NewDiskStore(path); err != nil {
				return usageErrorf("--cache-file %s: %v", path, err)
			}
		}
	}
	// Tokens are kept apart by cloud, token service and credentials: the
	// same key may be trusted by an emulator and by the cloud, and a token
	// of one is worthless at the other.
	key := "iamkit-token " + string(cloud) + " " + s.tokenAt + " " + s.source.String()
	if store != nil {
		if tok, ok := store.Load(key); ok && (tok.Expiry.IsZero() || time.Until(tok.Expiry) >= o.minValidity) {
			if o.verbose {
				fmt.Fprintf(io.stderr, "iamkit token: %s token of %s, served from the cache file %s, valid until %s\n",
					cloud, s.describeSource(), store.Path(), tok.Expiry.UTC().Format(time.RFC3339))
			}
			_, err := fmt.Fprintln(io.stdout, tok.Value.Reveal())
			return err
		}
	}
	if store != nil {
		// A cold fill: concurrent runs take turns on the cache's directory
		// (as credential-process does on its state), and a run that waited
		// reads the cache again, so that one of them exchanges a key and
		// the others print its token. A failing run removes the
		// directories it created.
		dir, err := lockStateDir(ctx, filepath.Dir(store.Path()))
		if err != nil {
			return fmt.Errorf("token cache %s: %w", store.Path(), err)
		}
		failed := true
		defer func() { dir.release(failed, "") }()
		if tok, ok := store.Load(key); ok && (tok.Expiry.IsZero() || time.Until(tok.Expiry) >= o.minValidity) {
			if o.verbose {
				fmt.Fprintf(io.stderr, "iamkit token: %s token of %s, served from the cache file %s (filled by another run), valid until %s\n",
					cloud, s.describeSource(), store.Path(), tok.Expiry.UTC().Format(time.RFC3339))
			}
			_, err := fmt.Fprintln(io.stdout, tok.Value.Reveal())
			failed = err != nil
			return err
		}
		err = fetchToken(ctx, io, o, s, store, key)
		failed = err != nil
		return err
	}
	return fetchToken(ctx, io, o, s, nil, key)
}

// fetchToken gets a new token, caches it in store (when not nil) and
// prints it.
func fetchToken(ctx context.Context, io *stdio, o *tokenOptions, s *session, store *auth.DiskStore, key string) error {
	cloud := s.cloud
	tok, err := auth.TokenFrom(ctx, s.tokens)
	if err != nil {
		return s.tokenError(err)
	}
	if store != nil {
		if err := store.Save(key, tok); err != nil {
			fmt.Fprintf(io.stderr, "iamkit token: warning: the token was not cached: %v\n", err)
		}
	}
	if o.verbose {
		from := s.tokenAt
		if from == "" {
			from = "the environment"
		}
		fmt.Fprintf(io.stderr, "iamkit token: %s token of %s, from %s, valid until %s\n",
			cloud, s.describeSource(), from, tok.Expiry.UTC().Format(time.RFC3339))
	}
	_, err = fmt.Fprintln(io.stdout, tok.Value.Reveal())
	return err
}
