package yandex

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/chaindial"
	"github.com/iamkit/iamkit/internal/loopback"
)

// LoadOptions configure [LoadDefaultConfig]. Every field is optional.
type LoadOptions struct {
	// Profile is the yc profile to use. Default: the configuration file's
	// "current" one (the only one when it names none). A profile named
	// here must exist.
	Profile string
	// ConfigFile is yc's configuration file. Default:
	// ~/.config/yandex-cloud/config.yaml under $HOME (Getenv). A file named
	// here must exist.
	ConfigFile string
	// Endpoint is the Cloud API endpoint, "host:port" as yc's "endpoint"
	// property (an https:// or, for a loopback host, http:// URL is
	// accepted too). Default: the profile's, when the profile is the
	// source, else api.cloud.yandex.net:443, whose IAM, operation and
	// token URLs are this package's defaults. Another endpoint is resolved
	// through its endpoint list (GET https://<endpoint>/endpoints; http for
	// a loopback host), which gives the IAM and operation URLs; the token
	// exchange goes to <IAM URL>/iam/v1/tokens.
	Endpoint string
	// MetadataAddr is the metadata service's "host[:port]". Default:
	// $YC_METADATA_ADDR, else 169.254.169.254:80.
	MetadataAddr string
	// MetadataTimeout bounds the metadata probe: the connection, and the
	// first token once connected (default 500ms). A laptop without a
	// metadata service waits at most this long.
	MetadataTimeout time.Duration
	// SkipMetadata leaves the metadata service out of the chain. Set it on
	// Google Compute Engine: its metadata service serves the same path to
	// the same header, with a Google token.
	SkipMetadata bool
	// HTTPClient carries the token exchanges and the endpoint discovery.
	// Default: a client of the chain's own (its idle connections are
	// closed by [Config.Close]). Metadata requests never use it: they go
	// to the link-local service through no proxy.
	HTTPClient *http.Client
	// Clock is the time source of the chain and of the token sources it
	// makes: every wait runs on it (the endpoint discovery's retries, the
	// token exchanges' and the metadata fetches' retries, the caches'
	// refreshes), and JWTs are signed on its time. Default: the system
	// clock. As in every iamkit client, the bounds on network I/O
	// (MetadataTimeout, each HTTP attempt's timeout) are real time, as the
	// network is.
	Clock iam.Clock
	// Logger receives a debug record per source tried; never a token, a
	// key or a secret. Default: discard.
	Logger *slog.Logger
	// TracerProvider and MeterProvider receive the telemetry of the token
	// sources the chain makes (their exchanges, metadata fetches and
	// caches) and, through
	// [Config.ClientOptions], of the client; nil means the global ones
	// (package iam, # Telemetry).
	TracerProvider trace.TracerProvider
	MeterProvider  metric.MeterProvider
	// Getenv reads the environment: YC_IAM_TOKEN, YC_TOKEN,
	// YC_SERVICE_ACCOUNT_KEY_FILE, YC_METADATA_ADDR and HOME. Default
	// os.Getenv; tests set a map lookup instead of changing the process
	// environment.
	Getenv func(string) string
}

// validate reports the first unusable field, naming it.
func (o *LoadOptions) validate() error {
	if o.MetadataTimeout < 0 {
		return fmt.Errorf("LoadOptions.MetadataTimeout %v is negative", o.MetadataTimeout)
	}
	if o.Endpoint != "" {
		if _, err := endpointBase(o.Endpoint); err != nil {
			return fmt.Errorf("LoadOptions.Endpoint %q: %w", truncateForError(o.Endpoint), err)
		}
	}
	return nil
}

// Config is what [LoadDefaultConfig] found: a ready token source, the
// endpoints and default folder that go with it, and which source it came
// from. Pass it to [New]:
//
//	cfg, err := yandex.LoadDefaultConfig(ctx)
//	if err != nil { ... }
//	defer cfg.Close()
//	client, err := yandex.New(cfg.TokenSource, cfg.ClientOptions())
//
// Printing a Config shows its source and settings, never a token or key.
type Config struct {
	// TokenSource gives IAM tokens: cached and refreshed (an *auth.Cache)
	// for keys and the metadata service, static for an IAM token from the
	// environment.
	TokenSource oauth2.TokenSource
	// Endpoint is the IAM REST base URL, OperationEndpoint the operation
	// service's and TokenEndpoint the IAM token URL the key sources
	// exchange their JWTs at.
	Endpoint, OperationEndpoint, TokenEndpoint string
	// FolderID and CloudID are the yc profile's "folder-id" and
	// "cloud-id", when a profile was read, else "". [Config.ClientOptions]
	// applies neither: no call of the client takes a folder or a cloud
	// (the key APIs address a service account or a key), so there is no
	// default folder to set; pass FolderID where another API needs one.
	FolderID, CloudID string
	// ServiceAccountID is the service account the credentials act as, when
	// the source says (a service account's authorized key), else "" (also
	// for a user account's key, which Source.Detail names).
	ServiceAccountID string
	// Source says which source the credentials came from.
	Source auth.Source

	closer io.Closer       // the token source, when it holds a cache
	own    *http.Transport // the default HTTP client's pool, nil with LoadOptions.HTTPClient
	tp     trace.TracerProvider
	mp     metric.MeterProvider
}

// LoadDefaultConfig finds Yandex Cloud credentials the way yc and the
// Yandex SDKs do, in this order, and says which source it used:
//
//  1. An IAM token in YC_IAM_TOKEN, else YC_TOKEN (an OAuth token there is
//     an error, not a fall-through).
//  2. The authorized key that YC_SERVICE_ACCOUNT_KEY_FILE names (a path or
//     the key.json itself), exchanged for IAM tokens.
//  3. The yc profile (LoadOptions.Profile, else the file's current one) of
//     ~/.config/yandex-cloud/config.yaml: its service-account-key, or with
//     instance-service-account the metadata service; its folder-id,
//     cloud-id and endpoint go into the Config. A profile holding an OAuth
//     token or a federation is an error that says why iamkit does not use
//     it; a profile with no credentials is skipped (its folder-id still
//     applies).
//  4. The VM's service account, from the metadata service at
//     LoadOptions.MetadataAddr, else $YC_METADATA_ADDR, else
//     169.254.169.254: probed with a connection bounded by
//     MetadataTimeout (500 ms), then asked for a first token within the
//     same bound.
//
// A source that is absent (a variable not set, no config file, no metadata
// service, a VM without service account) is skipped; a source that is
// configured but broken (an unreadable key file, a profile with a bad
// field, an OAuth token in YC_TOKEN, a metadata service that answers with
// an error) stops the chain with an error that names it. When no source
// has credentials the error is an *auth.NoCredentialsError listing every
// source tried and why it was skipped; it matches auth.ErrNoCredentials.
//
// Key sources load their key but exchange nothing until the first token
// is needed; the metadata source holds the token it probed with. Close the
// Config when done.
func LoadDefaultConfig(ctx context.Context, optFns ...func(*LoadOptions)) (*Config, error) {
	var o LoadOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if err := o.validate(); err != nil {
		return nil, fmt.Errorf("yandex: LoadDefaultConfig: %w", err)
	}
	if o.MetadataTimeout == 0 {
		o.MetadataTimeout = yandexauth.DefaultMetadataTimeout
	}
	ch := &chain{o: o, getenv: o.Getenv, logger: o.Logger}
	if ch.getenv == nil {
		ch.getenv = os.Getenv
	}
	if ch.logger == nil {
		ch.logger = slog.New(slog.DiscardHandler)
	}
	ch.hc = o.HTTPClient
	if ch.hc == nil {
		ch.own = chaindial.Transport(10*time.Second, true)
		ch.hc = &http.Client{Transport: ch.own, Timeout: 30 * time.Second}
	}
	cfg, err := ch.run(ctx)
	if err != nil {
		if ch.own != nil {
			ch.own.CloseIdleConnections()
		}
		return nil, err
	}
	cfg.own = ch.own
	ch.logger.DebugContext(ctx, "yandex: credentials found", "source", cfg.Source.String())
	return cfg, nil
}

// chain is one run of LoadDefaultConfig.
type chain struct {
	o      LoadOptions
	getenv func(string) string
	logger *slog.Logger
	hc     *http.Client
	own    *http.Transport
	tried  []auth.Source
	// profile is the yc profile read, also when it was skipped: its
	// folder-id and cloud-id go into a Config from a later source.
	profile *yandexauth.CLIProfile
}

func (ch *chain) skip(kind, name, why string) {
	ch.tried = append(ch.tried, auth.Source{Kind: kind, Name: name, Detail: why})
	ch.logger.Debug("yandex: credentials source skipped", "kind", kind, "name", name, "why", why)
}

func (ch *chain) run(ctx context.Context) (*Config, error) {
	if cfg, err := ch.env(ctx); cfg != nil || err != nil {
		return cfg, err
	}
	if cfg, err := ch.keyFile(ctx); cfg != nil || err != nil {
		return cfg, err
	}
	if cfg, err := ch.cliProfile(ctx); cfg != nil || err != nil {
		return cfg, err
	}
	if cfg, err := ch.metadata(ctx, false); cfg != nil || err != nil {
		return cfg, err
	}
	return nil, &auth.NoCredentialsError{Provider: iam.Yandex, Tried: ch.tried}
}

// env is step 1: YC_IAM_TOKEN, YC_TOKEN.
func (ch *chain) env(ctx context.Context) (*Config, error) {
	name := ""
	for _, n := range []string{yandexauth.EnvIAMToken, yandexauth.EnvToken} {
		if strings.TrimSpace(ch.getenv(n)) != "" {
			name = n
			break
		}
	}
	if name == "" {
		ch.skip(auth.SourceEnv, yandexauth.EnvIAMToken+", "+yandexauth.EnvToken, "not set")
		return nil, nil
	}
	ts, err := yandexauth.EnvTokenSource(func(e *yandexauth.EnvOptions) { e.Getenv = ch.getenv })
	if err != nil {
		return nil, fmt.Errorf("yandex: LoadDefaultConfig: %w", err)
	}
	return ch.config(ctx, ts, auth.Source{Kind: auth.SourceEnv, Name: name, Detail: "IAM token"}, nil, "", "")
}

// keyFile is step 2: YC_SERVICE_ACCOUNT_KEY_FILE.
func (ch *chain) keyFile(ctx context.Context) (*Config, error) {
	const name = yandexauth.EnvServiceAccountKeyFile
	if strings.TrimSpace(ch.getenv(name)) == "" {
		ch.skip(auth.SourceKeyFile, name, "not set")
		return nil, nil
	}
	key, err := yandexauth.LoadKeyFileFromEnv(func(e *yandexauth.EnvOptions) { e.Getenv = ch.getenv })
	if err != nil {
		return nil, fmt.Errorf("yandex: LoadDefaultConfig: %s: %w", name, err)
	}
	src := auth.Source{Kind: auth.SourceKeyFile, Name: key.Source,
		Detail: fmt.Sprintf("%s: key %s of %s", name, key.KeyID, keyOwner(key))}
	return ch.keyConfig(ctx, key, src, "", "")
}

// cliProfile is step 3: yc's config.yaml.
func (ch *chain) cliProfile(ctx context.Context) (*Config, error) {
	file, explicit := ch.o.ConfigFile, ch.o.ConfigFile != ""
	if !explicit {
		f, err := yandexauth.DefaultCLIConfigFile(ch.getenv)
		if err != nil {
			ch.skip(auth.SourceProfile, "~/"+yandexauth.CLIConfigPath, "no home directory ($HOME is not set)")
			return nil, nil
		}
		file = f
	}
	c, err := yandexauth.LoadCLIConfig(file)
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist) && !explicit && ch.o.Profile == "":
		ch.skip(auth.SourceProfile, file, "no such file")
		return nil, nil
	case errors.Is(err, fs.ErrNotExist) && !explicit:
		return nil, fmt.Errorf("yandex: LoadDefaultConfig: profile %q: yc config file %s does not exist", ch.o.Profile, file)
	default:
		return nil, fmt.Errorf("yandex: LoadDefaultConfig: %w", err)
	}
	if len(c.Profiles) == 0 && ch.o.Profile == "" {
		ch.skip(auth.SourceProfile, file, "has no profiles")
		return nil, nil
	}
	p, err := c.Profile(ch.o.Profile)
	if err != nil {
		return nil, fmt.Errorf("yandex: LoadDefaultConfig: %w", err)
	}
	ch.profile = p
	if p.ServiceAccountKey == nil && !p.InstanceServiceAccount && !p.HasToken && p.FederationID == "" {
		ch.skip(auth.SourceProfile, fmt.Sprintf("%q", p.Name), file+": no service-account-key, instance-service-account, token or federation-id")
		return nil, nil
	}
	kind, err := p.Credentials()
	if err != nil {
		return nil, fmt.Errorf("yandex: LoadDefaultConfig: %w", err)
	}
	where := fmt.Sprintf("profile %q in %s", p.Name, file)
	if kind == "instance-service-account" {
		return ch.metadata(ctx, true)
	}
	key := p.ServiceAccountKey.Key
	src := auth.Source{Kind: auth.SourceProfile, Name: fmt.Sprintf("%q", p.Name),
		Detail: fmt.Sprintf("%s: service-account-key %s of %s", file, key.KeyID, keyOwner(key))}
	return ch.keyConfig(ctx, key, src, p.Endpoint, where)
}

// metadata is step 4, and the source of an instance-service-account
// profile (required: then nothing is skipped, every failure is an error).
func (ch *chain) metadata(ctx context.Context, required bool) (*Config, error) {
	var why string
	if required {
		why = fmt.Sprintf("profile %q in %s sets instance-service-account, but ", ch.profile.Name, ch.profile.File)
	}
	if ch.o.SkipMetadata && !required {
		ch.skip(auth.SourceMetadata, "", "skipped (LoadOptions.SkipMetadata)")
		return nil, nil
	}
	mdOpts := func(m *yandexauth.MetadataOptions) {
		m.Addr, m.Timeout, m.Getenv = ch.o.MetadataAddr, ch.o.MetadataTimeout, ch.getenv
		m.Clock, m.Logger = ch.o.Clock, ch.o.Logger
		m.TracerProvider, m.MeterProvider = ch.o.TracerProvider, ch.o.MeterProvider
	}
	url, err := yandexauth.ProbeMetadata(ctx, mdOpts)
	switch {
	case err == nil:
	case errors.Is(err, yandexauth.ErrNoMetadataService) && !required:
		ch.skip(auth.SourceMetadata, url, strings.TrimPrefix(err.Error(), "yandexauth: "))
		return nil, nil
	case errors.Is(err, yandexauth.ErrNoMetadataService):
		return nil, fmt.Errorf("yandex: LoadDefaultConfig: %s%w", why, err)
	default:
		return nil, fmt.Errorf("yandex: LoadDefaultConfig: %w", err) // a bad address
	}
	ts, err := yandexauth.MetadataTokenSource(mdOpts)
	if err != nil {
		return nil, fmt.Errorf("yandex: LoadDefaultConfig: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, ch.o.MetadataTimeout)
	_, err = ts.AccessToken(pctx)
	timedOut := errors.Is(pctx.Err(), context.DeadlineExceeded)
	cancel()
	if err != nil {
		ts.Close()
		switch {
		case errors.Is(err, iam.ErrNotFound) && !required:
			ch.skip(auth.SourceMetadata, url, "no service account is attached to the VM (http 404)")
			return nil, nil
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case timedOut:
			return nil, fmt.Errorf("yandex: LoadDefaultConfig: %smetadata service at %s accepted the connection but gave no token within %s",
				why, url, ch.o.MetadataTimeout)
		}
		return nil, fmt.Errorf("yandex: LoadDefaultConfig: %s%w", why, err)
	}
	src := auth.Source{Kind: auth.SourceMetadata, Name: url, Detail: "the VM's service account"}
	if required {
		src = auth.Source{Kind: auth.SourceProfile, Name: fmt.Sprintf("%q", ch.profile.Name),
			Detail: fmt.Sprintf("%s: instance-service-account, metadata service at %s", ch.profile.File, url)}
	}
	endpoint, where := "", ""
	if ch.profile != nil {
		endpoint, where = ch.profile.Endpoint, fmt.Sprintf("profile %q in %s", ch.profile.Name, ch.profile.File)
	}
	return ch.config(ctx, ts, src, ts, endpoint, where)
}

// keyConfig makes the service-account source of key, exchanging at the
// token URL of the endpoint in force.
func (ch *chain) keyConfig(ctx context.Context, key *auth.ServiceAccountKey, src auth.Source, profileEndpoint, where string) (*Config, error) {
	eps, err := ch.endpoints(ctx, profileEndpoint, where)
	if err != nil {
		return nil, err
	}
	ts, err := yandexauth.ServiceAccount(key, func(s *auth.ServiceAccountOptions) {
		s.Endpoint, s.HTTPClient, s.Clock, s.Logger = eps.token, ch.hc, ch.o.Clock, ch.o.Logger
		s.TracerProvider, s.MeterProvider = ch.o.TracerProvider, ch.o.MeterProvider
	})
	if err != nil {
		return nil, fmt.Errorf("yandex: LoadDefaultConfig: %w", err)
	}
	cfg := ch.withEndpoints(ts, src, ts, eps)
	if !key.UserAccount {
		cfg.ServiceAccountID = key.ServiceAccountID
	}
	return cfg, nil
}

// keyOwner names the account of an authorized key, for Source.Detail.
func keyOwner(key *auth.ServiceAccountKey) string {
	if key.UserAccount {
		return "user account " + key.ServiceAccountID
	}
	return "service account " + key.ServiceAccountID
}

// config makes the Config of a source that needs no token URL.
func (ch *chain) config(ctx context.Context, ts oauth2.TokenSource, src auth.Source, closer io.Closer, profileEndpoint, where string) (*Config, error) {
	eps, err := ch.endpoints(ctx, profileEndpoint, where)
	if err != nil {
		if closer != nil {
			closer.Close()
		}
		return nil, err
	}
	return ch.withEndpoints(ts, src, closer, eps), nil
}

func (ch *chain) withEndpoints(ts oauth2.TokenSource, src auth.Source, closer io.Closer, eps endpointSet) *Config {
	cfg := &Config{TokenSource: ts, Source: src, closer: closer,
		Endpoint: eps.iam, OperationEndpoint: eps.operation, TokenEndpoint: eps.token,
		tp: ch.o.TracerProvider, mp: ch.o.MeterProvider}
	if ch.profile != nil {
		cfg.FolderID, cfg.CloudID = ch.profile.FolderID, ch.profile.CloudID
	}
	return cfg
}

type endpointSet struct{ iam, operation, token string }

// endpoints resolves the Cloud API endpoint in force: LoadOptions.Endpoint,
// else the profile's; the public one gives the defaults, another is read
// from its endpoint list.
func (ch *chain) endpoints(ctx context.Context, profileEndpoint, where string) (endpointSet, error) {
	e, from := ch.o.Endpoint, "LoadOptions.Endpoint"
	if e == "" {
		e, from = profileEndpoint, "endpoint of "+where
	}
	if yandexauth.IsDefaultCLIEndpoint(e) {
		return endpointSet{DefaultEndpoint, DefaultOperationEndpoint, yandexauth.DefaultTokenEndpoint}, nil
	}
	base, err := endpointBase(e)
	if err != nil {
		return endpointSet{}, fmt.Errorf("yandex: LoadDefaultConfig: endpoint %q (%s): %w", e, from, err)
	}
	eps, err := DiscoverEndpoints(ctx, base+"/endpoints", func(d *DiscoveryOptions) {
		d.HTTPClient, d.Clock, d.Logger = ch.hc, ch.o.Clock, ch.o.Logger
	})
	if err != nil {
		return endpointSet{}, fmt.Errorf("yandex: LoadDefaultConfig: endpoint %s (%s): %w", e, from, err)
	}
	if eps.Operation == "" {
		return endpointSet{}, fmt.Errorf("yandex: LoadDefaultConfig: endpoint %s (%s): its endpoint list has no \"operation\" endpoint", e, from)
	}
	return endpointSet{eps.IAM, eps.Operation, eps.IAM + "/iam/v1/tokens"}, nil
}

// endpointBase turns a yc endpoint (host:port, or a URL) into a base URL:
// https, or http for a loopback host given without scheme.
func endpointBase(e string) (string, error) {
	e = strings.TrimRight(strings.TrimSpace(e), "/")
	if strings.Contains(e, "://") {
		return normalizeEndpoint("Endpoint", e, "")
	}
	host, port, err := net.SplitHostPort(e)
	if err != nil {
		host, port = e, "443"
	}
	if host == "" || strings.ContainsAny(host, "/?# ") {
		return "", errors.New("want host:port")
	}
	scheme := "https"
	if loopback.IsHost(host) {
		scheme = "http"
	}
	if scheme == "https" && port == "443" {
		return "https://" + host, nil
	}
	return scheme + "://" + net.JoinHostPort(host, port), nil
}

// ClientOptions returns an option for [New] that applies the Config's
// endpoints and LoadOptions.TracerProvider and MeterProvider (when set).
//
// FolderID is not applied: the client has no default folder to set, since
// none of its calls takes one (the key APIs address a service account or
// a key). Pass FolderID yourself where another API needs a folder.
func (c *Config) ClientOptions() func(*Options) {
	return func(o *Options) {
		if c.Endpoint != "" {
			o.Endpoint = c.Endpoint
		}
		if c.OperationEndpoint != "" {
			o.OperationEndpoint = c.OperationEndpoint
		}
		if c.tp != nil {
			o.TracerProvider = c.tp
		}
		if c.mp != nil {
			o.MeterProvider = c.mp
		}
	}
}

// Close stops the token source's background work and closes the idle
// connections of the chain's own HTTP client. It is idempotent and
// returns nil.
func (c *Config) Close() error {
	if c.closer != nil {
		c.closer.Close()
	}
	if c.own != nil {
		c.own.CloseIdleConnections()
	}
	return nil
}

// String describes the Config in one line: its source and settings, never
// a token or a key, e.g. `yandex: profile "default" (…: service-account-key
// ajek… of service account ajel…), folder b1g…, IAM https://iam.api.cloud.yandex.net`.
func (c *Config) String() string {
	var b strings.Builder
	b.WriteString("yandex: ")
	b.WriteString(c.Source.String())
	if c.FolderID != "" {
		b.WriteString(", folder ")
		b.WriteString(c.FolderID)
	}
	if c.CloudID != "" {
		b.WriteString(", cloud ")
		b.WriteString(c.CloudID)
	}
	if c.Endpoint != "" {
		b.WriteString(", IAM ")
		b.WriteString(c.Endpoint)
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

// LogValue makes log/slog print the Config's source and settings.
func (c *Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("source", c.Source.String()),
		slog.String("folder_id", c.FolderID),
		slog.String("cloud_id", c.CloudID),
		slog.String("endpoint", c.Endpoint),
	)
}
