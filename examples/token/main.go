// Command token prints an access token for a service account's key, for
// shell scripts:
//
//	curl -H "Authorization: Bearer $(go run ./examples/token -credentials sa.json)" https://…
//
// The key file's kind is detected from its content: a Nebius credentials JSON
// ("subject-credentials", as `nebius iam auth-public-key generate` writes),
// a Yandex Cloud key.json (`yc iam key create`), or a PEM private key, which
// needs the IDs and the cloud:
//
//	token -credentials ~/.nebius/sa-credentials.json
//	token -credentials key.json
//	token -private-key private.pem -key-id publickey-e00… -service-account-id serviceaccount-e00… -cloud nebius
//	token -emulate                      # on the in-process emulator; runs on a fresh clone
//
// Tokens are kept in the on-disk cache of package auth (auth.DiskStore at
// auth.DefaultDiskStorePath, mode 0600; -cache-file to choose another file,
// -no-cache to skip it), so repeated runs reuse a token instead of exchanging
// a new one each time, as long as it has -min-validity (default 15m) left. -endpoint points
// the exchange at another token service, such as the one of
// examples/emulator; tokens from another endpoint are cached apart.
//
// This program prints a token on purpose, to stdout only, and nothing else
// there. Errors and -v diagnostics go to stderr and never contain it.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam/iamtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "token:", err)
		os.Exit(1)
	}
}

// Clouds this program gets tokens for.
const (
	cloudNebius = "nebius"
	cloudYandex = "yandex"
)

type config struct {
	credentials      string
	privateKey       string
	keyID            string
	serviceAccountID string
	cloud            string
	endpoint         string
	cacheFile        string
	noCache          bool
	minValidity      time.Duration
	emulate          bool
	verbose          bool
	timeout          time.Duration
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.credentials, "credentials", "", "key file: Nebius credentials JSON, Yandex key.json, or a PEM private key (with -key-id, -service-account-id, -cloud)")
	fs.StringVar(&cfg.privateKey, "private-key", "", "PEM private key file (PKCS#1 or PKCS#8 RSA); needs -key-id, -service-account-id and -cloud")
	fs.StringVar(&cfg.keyID, "key-id", "", "with a PEM key: the public key ID (Nebius publickey-…, Yandex authorized key ID)")
	fs.StringVar(&cfg.serviceAccountID, "service-account-id", "", "with a PEM key: the service account ID")
	fs.StringVar(&cfg.cloud, "cloud", "", "nebius or yandex (required with a PEM key; checked against a JSON key file)")
	fs.StringVar(&cfg.endpoint, "endpoint", "", "token service URL (default: the cloud's; e.g. an emulator's)")
	fs.StringVar(&cfg.cacheFile, "cache-file", "", "token cache file (default "+defaultCacheHint()+")")
	fs.BoolVar(&cfg.noCache, "no-cache", false, "exchange a new token, neither reading nor writing the cache file")
	fs.DurationVar(&cfg.minValidity, "min-validity", 15*time.Minute, "least validity a cached token must have left to be printed; otherwise a new one is exchanged")
	fs.BoolVar(&cfg.emulate, "emulate", false, "start the cloud's token emulator in-process (with a generated key unless one is given) and print its token")
	fs.BoolVar(&cfg.verbose, "v", false, "describe on stderr where the token came from (never the token)")
	fs.DurationVar(&cfg.timeout, "timeout", 30*time.Second, "time limit for getting the token")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil // -h: the usage was printed
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err := cfg.check(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()

	key, cloud, err := loadKey(cfg)
	if err != nil {
		return err
	}
	if cfg.emulate {
		return runEmulated(ctx, cfg, key, cloud, stdout, stderr)
	}

	store, err := openStore(cfg, stderr)
	if err != nil {
		return err
	}
	tok, fromCache, err := fetch(ctx, key, cloud, cfg.endpoint, store, cfg.minValidity)
	if err != nil {
		return err
	}
	if cfg.verbose {
		describe(stderr, key, cloud, cfg.endpoint, store, fromCache, tok)
	}
	_, err = fmt.Fprintln(stdout, tok.Value.Reveal())
	return err
}

// check validates the flag combination before anything is read.
func (c *config) check() error {
	switch c.cloud {
	case "", cloudNebius, cloudYandex:
	default:
		return fmt.Errorf("-cloud %q: want nebius or yandex", c.cloud)
	}
	if c.credentials != "" && c.privateKey != "" {
		return errors.New("give -credentials or -private-key, not both")
	}
	if c.credentials == "" && c.privateKey == "" && !c.emulate {
		return errors.New("-credentials (Nebius credentials JSON or Yandex key.json) or -private-key is required, or -emulate to try it on the emulator")
	}
	if c.privateKey != "" {
		var missing []string
		if c.keyID == "" {
			missing = append(missing, "-key-id")
		}
		if c.serviceAccountID == "" {
			missing = append(missing, "-service-account-id")
		}
		if c.cloud == "" {
			missing = append(missing, "-cloud")
		}
		if len(missing) > 0 {
			return fmt.Errorf("-private-key %s needs %s", c.privateKey, strings.Join(missing, ", "))
		}
	}
	if c.emulate && c.endpoint != "" {
		return errors.New("-emulate starts its own token service: drop -endpoint")
	}
	if c.cacheFile != "" && c.noCache {
		return errors.New("give -cache-file or -no-cache, not both")
	}
	if c.minValidity < 0 {
		return fmt.Errorf("-min-validity %v: must not be negative", c.minValidity)
	}
	if c.timeout <= 0 {
		return fmt.Errorf("-timeout %v: must be positive", c.timeout)
	}
	return nil
}

// fileKind is what a key file holds, detected from its content.
type fileKind int

const (
	kindNebiusJSON fileKind = iota + 1
	kindYandexJSON
	kindPEM
)

// detectKind tells a Nebius credentials JSON, a Yandex key.json and a PEM
// key apart. Its errors never quote the content.
func detectKind(data []byte) (fileKind, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return 0, auth.ErrEmptyKey
	}
	if bytes.HasPrefix(trimmed, []byte("-----BEGIN ")) {
		return kindPEM, nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &fields); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return 0, fmt.Errorf("%w: neither a PEM key nor valid JSON (syntax error at byte %d)", auth.ErrMalformedKey, se.Offset)
		}
		return 0, fmt.Errorf("%w: not a JSON object, nor a PEM key", auth.ErrMalformedKey)
	}
	if _, ok := fields["subject-credentials"]; ok {
		return kindNebiusJSON, nil
	}
	// Yandex key.json: snake_case from yc, camelCase from the API; of a
	// service account or of a user account.
	for _, f := range []string{"service_account_id", "serviceAccountId", "user_account_id", "userAccountId",
		"private_key", "privateKey", "key_algorithm", "keyAlgorithm"} {
		if _, ok := fields[f]; ok {
			return kindYandexJSON, nil
		}
	}
	return 0, fmt.Errorf(`%w: neither a Nebius credentials file (no "subject-credentials" field) nor a Yandex key.json (no "service_account_id" or "private_key" field)`, auth.ErrMalformedKey)
}

// loadKey reads the key the flags name; with -emulate and no key it returns
// nil and the cloud to emulate.
func loadKey(cfg config) (*auth.ServiceAccountKey, string, error) {
	if cfg.privateKey != "" {
		key, err := auth.LoadPrivateKeyFile(cfg.privateKey, cfg.keyID, cfg.serviceAccountID)
		return key, cfg.cloud, err
	}
	if cfg.credentials == "" { // -emulate with a generated key
		cloud := cfg.cloud
		if cloud == "" {
			cloud = cloudNebius
		}
		return nil, cloud, nil
	}
	path := cfg.credentials
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("-credentials: %w", err)
	}
	kind, err := detectKind(data)
	if err != nil {
		return nil, "", fmt.Errorf("-credentials %s: %w", path, err)
	}
	var (
		key   *auth.ServiceAccountKey
		cloud string
	)
	switch kind {
	case kindPEM:
		if cfg.keyID == "" || cfg.serviceAccountID == "" || cfg.cloud == "" {
			return nil, "", fmt.Errorf("-credentials %s is a PEM private key: give -key-id, -service-account-id and -cloud with it", path)
		}
		key, err = auth.LoadPrivateKeyFile(path, cfg.keyID, cfg.serviceAccountID)
		return key, cfg.cloud, err
	case kindNebiusJSON:
		cloud = cloudNebius
		key, err = nebiusauth.ParseCredentials(data, path)
	case kindYandexJSON:
		cloud = cloudYandex
		key, err = yandexauth.ParseKey(data, path)
	}
	if err != nil {
		return nil, "", err
	}
	if cfg.keyID != "" || cfg.serviceAccountID != "" {
		return nil, "", fmt.Errorf("-credentials %s is a %s key file, which names its own IDs: drop -key-id and -service-account-id", path, cloudName(cloud))
	}
	if cfg.cloud != "" && cfg.cloud != cloud {
		return nil, "", fmt.Errorf("-credentials %s is a %s key file, but -cloud is %s", path, cloudName(cloud), cfg.cloud)
	}
	return key, cloud, nil
}

func cloudName(cloud string) string {
	if cloud == cloudYandex {
		return "Yandex Cloud"
	}
	return "Nebius"
}

// defaultCacheHint names the default cache file in the flag help.
func defaultCacheHint() string {
	if p, err := auth.DefaultDiskStorePath(); err == nil {
		return p
	}
	return "<user cache dir>/iamkit/tokens.json"
}

// openStore returns the token store the flags ask for, or nil for none.
// Without a usable default location the token is fetched without a cache:
// a cache is never a reason to fail.
func openStore(cfg config, stderr io.Writer) (*auth.DiskStore, error) {
	if cfg.noCache {
		return nil, nil
	}
	path := cfg.cacheFile
	if path == "" {
		p, err := auth.DefaultDiskStorePath()
		if err != nil {
			fmt.Fprintf(stderr, "token: no token cache (%v); use -cache-file to keep tokens between runs\n", err)
			return nil, nil
		}
		path = p
	}
	s, err := auth.NewDiskStore(path)
	if err != nil {
		return nil, fmt.Errorf("-cache-file %s: %w", path, err)
	}
	return s, nil
}

// cliStore adapts the token store to a command whose output is used
// after it exits:
//   - a cached token with less than minValidity left is not used (a script
//     may need the token for a while, and the cache would serve one until
//     about a minute before its expiry);
//   - tokens of a non-default endpoint are kept apart from the cloud's:
//     the same key may be trusted by an emulator and by the cloud, and a
//     token of one is worthless at the other;
//   - it records whether the token came from the store.
type cliStore struct {
	store       auth.TokenStore
	prefix      string
	minValidity time.Duration
	hit         atomic.Bool
}

func (s *cliStore) Load(key string) (auth.Token, bool) {
	tok, ok := s.store.Load(s.prefix + key)
	if !ok || (!tok.Expiry.IsZero() && time.Until(tok.Expiry) < s.minValidity) {
		return auth.Token{}, false
	}
	s.hit.Store(true)
	return tok, true
}

func (s *cliStore) Save(key string, tok auth.Token) error {
	return s.store.Save(s.prefix+key, tok)
}

// fetch gets a token for key through a cache backed by store (nil: none),
// and reports whether it was served from the store.
func fetch(ctx context.Context, key *auth.ServiceAccountKey, cloud, endpoint string, store *auth.DiskStore, minValidity time.Duration) (auth.Token, bool, error) {
	var es *cliStore
	opt := func(o *auth.ServiceAccountOptions) {
		o.Endpoint = endpoint
		if es != nil {
			o.Store = es
		}
	}
	if store != nil {
		es = &cliStore{store: store, minValidity: minValidity}
		if endpoint != "" {
			es.prefix = endpoint + " "
		}
	}
	var (
		src *auth.Cache
		err error
	)
	if cloud == cloudYandex {
		src, err = yandexauth.ServiceAccount(key, opt)
	} else {
		src, err = nebiusauth.ServiceAccount(key, opt)
	}
	if err != nil {
		return auth.Token{}, false, err
	}
	defer src.Close()
	tok, err := src.AccessToken(ctx)
	if err != nil {
		return auth.Token{}, false, err
	}
	return tok, es != nil && es.hit.Load(), nil
}

// describe writes where the token came from to w; never the token.
func describe(w io.Writer, key *auth.ServiceAccountKey, cloud, endpoint string, store *auth.DiskStore, fromCache bool, tok auth.Token) {
	if endpoint == "" {
		endpoint = nebiusauth.DefaultTokenEndpoint
		if cloud == cloudYandex {
			endpoint = yandexauth.DefaultTokenEndpoint
		}
	}
	from := "exchanged at " + endpoint
	if fromCache {
		from = "served from the cache file " + store.Path()
	} else if store != nil {
		from += ", saved to " + store.Path()
	}
	exp := "no expiry"
	if !tok.Expiry.IsZero() {
		exp = "expires " + tok.Expiry.UTC().Format(time.RFC3339) + " (in " + time.Until(tok.Expiry).Round(time.Second).String() + ")"
	}
	fmt.Fprintf(w, "token: %s service account %s, key %s: %s; %s\n", cloudName(cloud), key.ServiceAccountID, key.KeyID, from, exp)
}

// runEmulated starts the cloud's token emulator, trusts key (a generated
// one when nil), and gets a token twice with one cache file, as two runs
// would: the second must come from the file. It prints the token.
func runEmulated(ctx context.Context, cfg config, key *auth.ServiceAccountKey, cloud string, stdout, stderr io.Writer) error {
	reg := iamtest.NewRegistry()
	var (
		endpoint  string
		exchanges func() int
	)
	if cloud == cloudYandex {
		srv, err := iamtest.NewYandexTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = reg })
		if err != nil {
			return err
		}
		defer srv.Close()
		endpoint, exchanges = srv.URL, func() int { return srv.Calls("") }
	} else {
		srv, err := iamtest.NewNebiusTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = reg })
		if err != nil {
			return err
		}
		defer srv.Close()
		endpoint, exchanges = srv.URL, func() int { return srv.Calls("") }
	}
	if key == nil {
		priv, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return err
		}
		keyID, saID := "publickey-e00emulated", "serviceaccount-e00emulated"
		if cloud == cloudYandex {
			keyID, saID = "ajeemulatedkey00000", "ajeemulatedsa000000"
		}
		if key, err = auth.NewServiceAccountKey(keyID, saID, priv); err != nil {
			return err
		}
	}
	reg.PutPublicKey(iamtest.PublicKey{KeyID: key.KeyID, ServiceAccountID: key.ServiceAccountID, Key: &key.PrivateKey().PublicKey})

	// The user's cache file holds no emulator tokens unless asked to.
	cachePath := cfg.cacheFile
	if cachePath == "" && !cfg.noCache {
		dir, err := os.MkdirTemp("", "iamkit-token-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		cachePath = filepath.Join(dir, "tokens.json")
	}
	var store *auth.DiskStore
	if cachePath != "" {
		s, err := auth.NewDiskStore(cachePath)
		if err != nil {
			return fmt.Errorf("cache file %s: %w", cachePath, err)
		}
		store = s
	}
	first, _, err := fetch(ctx, key, cloud, endpoint, store, cfg.minValidity)
	if err != nil {
		return err
	}
	second, fromCache, err := fetch(ctx, key, cloud, endpoint, store, cfg.minValidity)
	if err != nil {
		return err
	}
	n := exchanges()
	switch {
	case store != nil && (!fromCache || n != 1 || second.Value.Reveal() != first.Value.Reveal()):
		return fmt.Errorf("emulator: the second run was not served from the cache file (%d exchanges)", n)
	case store != nil:
		fmt.Fprintf(stderr, "token: emulated %s token service: 2 runs, %d exchange; the second run was served from the cache file\n", cloudName(cloud), n)
	default:
		fmt.Fprintf(stderr, "token: emulated %s token service: 2 runs without a cache, %d exchanges\n", cloudName(cloud), n)
	}
	if cfg.verbose {
		describe(stderr, key, cloud, endpoint, store, fromCache, second)
	}
	_, err = fmt.Fprintln(stdout, second.Value.Reveal())
	return err
}
