package nebius

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/oauth2"
	"google.golang.org/grpc"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/chaindial"
)

// LoadOptions configure [LoadDefaultConfig]. Every field is optional.
// (Unlike yandex.LoadOptions they have no HTTPClient: the token exchanges
// are gRPC, configured by ClientOptions, and metadata requests go to the
// link-local service through no proxy.)
type LoadOptions struct {
	// Profile is the profile of the configuration file to use. Default:
	// $NEBIUS_PROFILE (trimmed), else the file's "default" (its only
	// profile when it names none). A profile named here or there must
	// exist.
	Profile string
	// ConfigFile is the Nebius CLI's configuration file. Default:
	// ~/.nebius/config.yaml under $HOME (Getenv). A file named here must
	// exist.
	ConfigFile string
	// Domain is the API domain (default: $NEBIUS_ENDPOINT, else the
	// profile's "endpoint", else api.nebius.cloud, as gosdk orders them).
	// It moves the token exchange (tokens.iam.<domain>) and, through
	// Config.ClientOptions, the IAM client (cpl.iam.<domain>).
	Domain string
	// ImpersonateServiceAccountID, when set, exchanges the credentials
	// found for tokens of this service account (default: the profile's
	// "impersonate-service-account-id").
	ImpersonateServiceAccountID string
	// ClientOptions configure the gRPC token exchange the chain connects to
	// (for service-account keys, federated credentials and impersonation),
	// applied after the chain's Domain, Clock and Logger: address
	// overrides, TLS, an emulator's options (nebiustest.Server.ClientOptions).
	// Config.ClientOptions passes them on to the IAM client.
	ClientOptions []func(*Options)
	// MetadataURL is the VM metadata service's token URL. Default:
	// $IAMKIT_NEBIUS_METADATA_URL, else
	// http://metadata.nebius.internal/v1/iam/sa/token.
	MetadataURL string
	// MetadataTokenFile is the token file used, as gosdk uses it, when
	// there is no configuration file and no metadata service answers.
	// Default: $IAMKIT_NEBIUS_METADATA_TOKEN_FILE, else
	// /mnt/cloud-metadata/token.
	MetadataTokenFile string
	// MetadataTimeout bounds the metadata probe: the connection, and the
	// first token once connected (default 500ms, as gosdk's probe). A
	// laptop without a metadata service waits at most this long.
	MetadataTimeout time.Duration
	// SkipMetadata leaves the VM metadata service and its token file out of
	// the chain.
	SkipMetadata bool
	// Clock is the time source of the token sources (signing, caching,
	// retry waits, the token file's checks). Default: the system clock.
	Clock iam.Clock
	// Logger receives a debug record per source tried, and a warning for
	// each profile key the credentials ignore (as gosdk warns); never a
	// token, a key or a secret. Default: discard.
	Logger *slog.Logger
	// TracerProvider and MeterProvider go to the chain's gRPC token
	// exchanges, to its metadata token sources and, through
	// Config.ClientOptions, to the IAM client, as Options.TracerProvider
	// and MeterProvider; nil means the global ones (package iam,
	// # Telemetry). PropagateTraceContext goes to the exchanges and the
	// client (Options.PropagateTraceContext; default false), never to the
	// metadata service.
	TracerProvider        trace.TracerProvider
	MeterProvider         metric.MeterProvider
	PropagateTraceContext bool
	// Getenv reads the environment: NEBIUS_IAM_TOKEN, NEBIUS_PROFILE,
	// NEBIUS_ENDPOINT, IAMKIT_NEBIUS_METADATA_URL,
	// IAMKIT_NEBIUS_METADATA_TOKEN_FILE and HOME. Default os.Getenv; tests
	// set a map lookup instead of changing the process environment.
	Getenv func(string) string
}

// Config is what [LoadDefaultConfig] found: a ready token source, the
// domain and default project that go with it, and which source it came
// from. Pass it to [New]:
//
//	cfg, err := nebius.LoadDefaultConfig(ctx)
//	if err != nil { ... }
//	defer cfg.Close()
//	client, err := nebius.New(cfg.TokenSource, cfg.ClientOptions())
//
// Printing a Config shows its source and settings, never a token or key.
type Config struct {
	// TokenSource gives access tokens: static for NEBIUS_IAM_TOKEN, a
	// nebiusauth.TokenFile for a token file, an auth.Cache for the metadata
	// service, a *TokenSource (exchanges over gRPC) for keys, federated
	// credentials and impersonation.
	TokenSource oauth2.TokenSource
	// Domain is the API domain in force (LoadOptions.Domain,
	// $NEBIUS_ENDPOINT, the profile's endpoint, or DefaultDomain).
	Domain string
	// ParentID is the profile's "parent-id", the clients' default project
	// (Options.ProjectID), and TenantID its "tenant-id"; "" without a
	// profile.
	ParentID, TenantID string
	// ServiceAccountID is the service account the tokens act as, when the
	// source says (a key, federated credentials, impersonation), else "".
	ServiceAccountID string
	// Source says which source the credentials came from.
	Source auth.Source

	tracer     trace.TracerProvider
	meter      metric.MeterProvider
	propagate  bool
	clientOpts []func(*Options)
	closers    []io.Closer
}

// LoadDefaultConfig finds Nebius AI Cloud credentials the way the Nebius CLI
// and Go SDK do, in this order, and says which source it used:
//
//  1. An access token in NEBIUS_IAM_TOKEN (trimmed). The profile below is
//     still read for its settings (endpoint, parent-id, tenant-id,
//     impersonate-service-account-id), as gosdk reads it.
//  2. The profile (LoadOptions.Profile, else $NEBIUS_PROFILE, else the
//     file's default) of ~/.nebius/config.yaml, with gosdk's order: its
//     token-file (read again when it changes), else its token-endpoint (a
//     metadata token URL), else by auth-type: a service-account key (a
//     credentials file, an inline private-key or a private-key-file-path
//     with public-key-id and service-account-id) exchanged over gRPC at
//     tokens.iam.<domain>, or federated subject credentials (an external
//     OIDC JWT from a file, exchanged the same way). auth-type federation
//     (a browser login) is an error that says so; a profile with no
//     credentials is skipped (its settings still apply).
//  3. The VM's service account, from the metadata service at
//     LoadOptions.MetadataURL, else $IAMKIT_NEBIUS_METADATA_URL, else
//     http://metadata.nebius.internal/v1/iam/sa/token: probed with a
//     connection bounded by MetadataTimeout (500 ms), then asked for a
//     first token within the same bound. When there is no configuration
//     file at all and the metadata service gives no token, the token file
//     /mnt/cloud-metadata/token (MetadataTokenFile,
//     $IAMKIT_NEBIUS_METADATA_TOKEN_FILE) is used when it exists, as gosdk
//     uses it.
//
// The domain is LoadOptions.Domain, else $NEBIUS_ENDPOINT, else the
// profile's endpoint, else api.nebius.cloud (gosdk's precedence); it moves
// the token exchange and, through [Config.ClientOptions], the IAM client.
// Impersonation (LoadOptions.ImpersonateServiceAccountID, else the
// profile's impersonate-service-account-id) wraps whichever source was
// found, as gosdk wraps it.
//
// A source that is absent (a variable not set, no config file, a profile
// without credentials, no metadata service) is skipped; a source that is
// configured but broken (a config file that is not YAML, a profile with a
// bad key or an incomplete service account, an unreadable key or token
// file, a metadata service that answers with an error) stops the chain
// with an error that names it: file, profile and key. When no source has
// credentials the error is an *auth.NoCredentialsError listing every
// source tried and why it was skipped; it matches auth.ErrNoCredentials.
//
// Key sources load their key but exchange nothing until the first token is
// needed; the metadata source holds the token it probed with. Close the
// Config when done.
func LoadDefaultConfig(ctx context.Context, optFns ...func(*LoadOptions)) (*Config, error) {
	var o LoadOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	if o.MetadataTimeout == 0 {
		o.MetadataTimeout = nebiusauth.DefaultMetadataTimeout
	}
	ch := &chain{o: o, getenv: o.Getenv, logger: o.Logger}
	if ch.getenv == nil {
		ch.getenv = os.Getenv
	}
	if ch.logger == nil {
		ch.logger = slog.New(slog.DiscardHandler)
	}
	cfg, err := ch.run(ctx)
	if err != nil {
		return nil, err
	}
	ch.logger.DebugContext(ctx, "nebius: credentials found", "source", cfg.Source.String())
	return cfg, nil
}

// validate refuses, before any source is tried, the options that cannot
// work, naming the field.
func (o *LoadOptions) validate() error {
	if o.MetadataTimeout < 0 {
		return fmt.Errorf("nebius: LoadDefaultConfig: LoadOptions.MetadataTimeout %v is negative", o.MetadataTimeout)
	}
	if o.Domain != "" {
		if _, err := hostPortOf(o.Domain); err != nil {
			return fmt.Errorf("nebius: LoadDefaultConfig: API domain %q (LoadOptions.Domain) is not a host[:port]: %v", o.Domain, err)
		}
	}
	if o.MetadataURL != "" {
		if _, err := nebiusauth.MetadataTokenURL(func(m *nebiusauth.MetadataOptions) { m.URL = o.MetadataURL }); err != nil {
			return fmt.Errorf("nebius: LoadDefaultConfig: LoadOptions.MetadataURL: %w", err)
		}
	}
	return nil
}

// chain is one run of LoadDefaultConfig.
type chain struct {
	o      LoadOptions
	getenv func(string) string
	logger *slog.Logger
	tried  []auth.Source
	// file is the configuration file's path ("" without a home
	// directory); noFile is true when there is none (gosdk's condition
	// for the metadata token file).
	file   string
	noFile bool
	// profile is the profile read, also when its credentials are not used:
	// its settings go into the Config.
	profile *nebiusauth.CLIProfile
}

func (ch *chain) skip(kind, name, why string) {
	ch.tried = append(ch.tried, auth.Source{Kind: kind, Name: name, Detail: why})
	ch.logger.Debug("nebius: credentials source skipped", "kind", kind, "name", name, "why", why)
}

func (ch *chain) run(ctx context.Context) (*Config, error) {
	profileSkip, err := ch.loadProfile()
	if err != nil {
		return nil, err
	}
	if tok := strings.TrimSpace(ch.getenv(nebiusauth.EnvIAMToken)); tok != "" {
		ts, err := auth.NewStaticTokenSource(iam.NewSecret(tok), time.Time{})
		if err != nil {
			return nil, fmt.Errorf("nebius: LoadDefaultConfig: %s: %w", nebiusauth.EnvIAMToken, err)
		}
		return ch.config(ctx, ts, auth.Source{Kind: auth.SourceEnv, Name: nebiusauth.EnvIAMToken, Detail: "access token"}, "")
	}
	ch.skip(auth.SourceEnv, nebiusauth.EnvIAMToken, "not set")
	if profileSkip != nil {
		ch.skip(profileSkip.Kind, profileSkip.Name, profileSkip.Detail)
	} else if cfg, err := ch.profileCredentials(ctx); cfg != nil || err != nil {
		return cfg, err
	}
	if cfg, err := ch.metadata(ctx); cfg != nil || err != nil {
		return cfg, err
	}
	return nil, &auth.NoCredentialsError{Provider: iam.Nebius, Tried: ch.tried}
}

// profileName is LoadOptions.Profile, else $NEBIUS_PROFILE, and where it
// came from.
func (ch *chain) profileName() (string, string) {
	if ch.o.Profile != "" {
		return ch.o.Profile, "LoadOptions.Profile"
	}
	if p := strings.TrimSpace(ch.getenv(nebiusauth.EnvProfile)); p != "" {
		return p, nebiusauth.EnvProfile
	}
	return "", ""
}

// loadProfile reads the configuration file and chooses the profile. It
// returns why the profile source is absent, or the error of a broken one.
func (ch *chain) loadProfile() (*auth.Source, error) {
	name, from := ch.profileName()
	file, explicit := ch.o.ConfigFile, ch.o.ConfigFile != ""
	if !explicit {
		f, err := nebiusauth.DefaultCLIConfigFile(ch.getenv)
		if err != nil {
			ch.noFile = true
			if name != "" {
				return nil, fmt.Errorf("nebius: LoadDefaultConfig: profile %q (%s): no home directory for ~/%s ($HOME is not set)",
					name, from, nebiusauth.CLIConfigPath)
			}
			return &auth.Source{Kind: auth.SourceProfile, Name: "~/" + nebiusauth.CLIConfigPath, Detail: "no home directory ($HOME is not set)"}, nil
		}
		file = f
	}
	ch.file = file
	home := ch.getenv("HOME") // what "~/" in the profile's paths expands to
	if home == "" {
		home = ch.getenv("USERPROFILE")
	}
	if home != "" && !filepath.IsAbs(home) {
		return nil, fmt.Errorf("nebius: LoadDefaultConfig: the home directory %q ($HOME) is not an absolute path", home)
	}
	c, err := nebiusauth.LoadCLIConfig(file, func(co *nebiusauth.CLIConfigOptions) { co.Home = home })
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist) && !explicit && name == "":
		ch.noFile = true
		return &auth.Source{Kind: auth.SourceProfile, Name: file, Detail: "no such file"}, nil
	case errors.Is(err, fs.ErrNotExist) && !explicit:
		return nil, fmt.Errorf("nebius: LoadDefaultConfig: profile %q (%s): config file %s does not exist", name, from, file)
	default:
		return nil, fmt.Errorf("nebius: LoadDefaultConfig: %w", err)
	}
	if len(c.Profiles) == 0 && name == "" {
		return &auth.Source{Kind: auth.SourceProfile, Name: file, Detail: "has no profiles"}, nil
	}
	p, err := c.Profile(name)
	if err != nil {
		if from != "" {
			return nil, fmt.Errorf("nebius: LoadDefaultConfig: %w (named by %s)", err, from)
		}
		return nil, fmt.Errorf("nebius: LoadDefaultConfig: %w", err)
	}
	ch.profile = p
	return nil, nil
}

// where names the profile for errors: `profile "p" in /home/me/.nebius/config.yaml`.
func (ch *chain) where() string {
	return fmt.Sprintf("profile %q in %s", ch.profile.Name, ch.profile.File)
}

// profileCredentials is step 2.
func (ch *chain) profileCredentials(ctx context.Context) (*Config, error) {
	p := ch.profile
	if !p.HasCredentials() {
		ch.skip(auth.SourceProfile, strconv.Quote(p.Name), p.File+": no token-file, token-endpoint or auth-type")
		return nil, nil
	}
	kind, err := p.Credentials()
	if err != nil {
		return nil, fmt.Errorf("nebius: LoadDefaultConfig: %w", err)
	}
	for _, ig := range p.Ignored() {
		ch.logger.WarnContext(ctx, "nebius: profile key ignored", "profile", p.Name, "file", p.File, "key", ig)
	}
	fail := func(key string, err error) error {
		return fmt.Errorf("nebius: LoadDefaultConfig: %s: %s: %w", ch.where(), key, err)
	}
	src := func(detail string) auth.Source {
		return auth.Source{Kind: auth.SourceProfile, Name: strconv.Quote(p.Name), Detail: p.File + ": " + detail}
	}
	switch kind {
	case nebiusauth.CredentialsTokenFile:
		ts, err := nebiusauth.TokenFileSource(p.TokenFile, func(o *nebiusauth.TokenFileOptions) {
			o.Clock, o.Logger = ch.o.Clock, ch.o.Logger
		})
		if err != nil {
			return nil, fail("token-file", err)
		}
		return ch.config(ctx, ts, src("token-file "+p.TokenFile), "", ts)
	case nebiusauth.CredentialsTokenEndpoint:
		ts, err := nebiusauth.MetadataTokenSource(func(m *nebiusauth.MetadataOptions) {
			m.URL, m.Timeout, m.Getenv, m.Clock, m.Logger = p.TokenEndpoint, ch.o.MetadataTimeout, ch.getenv, ch.o.Clock, ch.o.Logger
			m.TracerProvider, m.MeterProvider = ch.o.TracerProvider, ch.o.MeterProvider
		})
		if err != nil {
			return nil, fail("token-endpoint", err)
		}
		u, _ := nebiusauth.MetadataTokenURL(func(m *nebiusauth.MetadataOptions) { m.URL = p.TokenEndpoint })
		return ch.config(ctx, ts, src("token-endpoint "+u), "", ts)
	case nebiusauth.CredentialsFederatedSubject:
		if _, err := readJWTFile(p.FederatedSubjectCredentialsFilePath); err != nil {
			return nil, fail("federated-subject-credentials-file-path", err)
		}
		opts, err := ch.exchangeOptions()
		if err != nil {
			return nil, err
		}
		ts, err := FederatedTokens(p.ServiceAccountID, p.FederatedSubjectCredentialsFilePath, opts...)
		if err != nil {
			return nil, fail("federated-subject-credentials-file-path", err)
		}
		return ch.config(ctx, ts, src(fmt.Sprintf("federated subject credentials %s for service account %s",
			p.FederatedSubjectCredentialsFilePath, p.ServiceAccountID)), p.ServiceAccountID, ts)
	}
	key, err := p.ServiceAccountKey()
	if err != nil {
		return nil, fmt.Errorf("nebius: LoadDefaultConfig: %w", err)
	}
	opts, err := ch.exchangeOptions()
	if err != nil {
		return nil, err
	}
	ts, err := ServiceAccountTokens(key, opts...)
	if err != nil {
		return nil, fmt.Errorf("nebius: LoadDefaultConfig: %s: %w", ch.where(), err)
	}
	what := map[string]string{
		nebiusauth.CredentialsServiceAccountFile: "service-account-credentials-file-path " + p.ServiceAccountCredentialsFilePath + ": ",
		nebiusauth.CredentialsPrivateKey:         "private-key: ",
		nebiusauth.CredentialsPrivateKeyFile:     "private-key-file-path " + p.PrivateKeyFilePath + ": ",
	}[kind]
	return ch.config(ctx, ts, src(fmt.Sprintf("%skey %s of service account %s", what, key.KeyID, key.ServiceAccountID)), key.ServiceAccountID, ts)
}

// metadataFile is the VM's token file: the option, the variable, or
// gosdk's path.
func (ch *chain) metadataFile() string {
	if ch.o.MetadataTokenFile != "" {
		return ch.o.MetadataTokenFile
	}
	if f := strings.TrimSpace(ch.getenv(nebiusauth.EnvMetadataTokenFile)); f != "" {
		return f
	}
	return nebiusauth.DefaultMetadataTokenFile
}

// metadata is step 3: the metadata service, then, without a config file,
// its token file.
func (ch *chain) metadata(ctx context.Context) (*Config, error) {
	file := ch.metadataFile()
	if ch.o.SkipMetadata {
		ch.skip(auth.SourceMetadata, "", "skipped (LoadOptions.SkipMetadata)")
		ch.skip(auth.SourceTokenFile, file, "skipped (LoadOptions.SkipMetadata)")
		return nil, nil
	}
	mdOpts := func(m *nebiusauth.MetadataOptions) {
		m.URL, m.Timeout, m.Getenv, m.Clock, m.Logger = ch.o.MetadataURL, ch.o.MetadataTimeout, ch.getenv, ch.o.Clock, ch.o.Logger
		m.TracerProvider, m.MeterProvider = ch.o.TracerProvider, ch.o.MeterProvider
	}
	url, err := nebiusauth.ProbeMetadata(ctx, mdOpts)
	var (
		why    string // why the service gave no token, when it is absent
		broken error  // the error of a service that answered wrongly
	)
	switch {
	case err == nil:
		cfg, absent, err := ch.metadataToken(ctx, url, mdOpts)
		if cfg != nil || ctx.Err() != nil {
			return cfg, err
		}
		why, broken = absent, err
	case errors.Is(err, nebiusauth.ErrNoMetadataService):
		why = strings.TrimPrefix(err.Error(), "nebiusauth: ")
	default:
		return nil, fmt.Errorf("nebius: LoadDefaultConfig: %w", err) // a bad URL
	}
	if !ch.noFile {
		if broken != nil {
			return nil, broken
		}
		ch.skip(auth.SourceMetadata, url, why)
		ch.skip(auth.SourceTokenFile, file, "not used: "+ch.file+" exists (gosdk uses the VM's token file only without a config file)")
		return nil, nil
	}
	fi, statErr := os.Stat(file)
	if statErr == nil && !fi.IsDir() {
		ts, err := nebiusauth.TokenFileSource(file, func(o *nebiusauth.TokenFileOptions) { o.Clock, o.Logger = ch.o.Clock, ch.o.Logger })
		if err != nil {
			return nil, fmt.Errorf("nebius: LoadDefaultConfig: the VM's metadata token file: %w", err)
		}
		because := why
		if broken != nil {
			because = broken.Error()
		}
		return ch.config(ctx, ts, auth.Source{Kind: auth.SourceTokenFile, Name: file,
			Detail: "the VM's token file; metadata service at " + url + ": " + because}, "", ts)
	}
	if broken != nil {
		return nil, broken
	}
	ch.skip(auth.SourceMetadata, url, why)
	switch {
	case statErr == nil:
		ch.skip(auth.SourceTokenFile, file, "is a directory")
	case errors.Is(statErr, fs.ErrNotExist):
		ch.skip(auth.SourceTokenFile, file, "no such file")
	default:
		ch.skip(auth.SourceTokenFile, file, unwrapPathErr(statErr).Error())
	}
	return nil, nil
}

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// metadataToken asks a metadata service that accepted the connection for
// its first token, within MetadataTimeout. It returns the Config, or why
// the service is absent (no service account: 404), or the error of a
// service that answered wrongly.
func (ch *chain) metadataToken(ctx context.Context, url string, mdOpts func(*nebiusauth.MetadataOptions)) (*Config, string, error) {
	ts, err := nebiusauth.MetadataTokenSource(mdOpts)
	if err != nil {
		return nil, "", fmt.Errorf("nebius: LoadDefaultConfig: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, ch.o.MetadataTimeout)
	_, err = ts.AccessToken(pctx)
	timedOut := errors.Is(pctx.Err(), context.DeadlineExceeded)
	cancel()
	if err == nil {
		cfg, err := ch.config(ctx, ts, auth.Source{Kind: auth.SourceMetadata, Name: url, Detail: "the VM's service account"}, "", ts)
		return cfg, "", err
	}
	ts.Close()
	switch {
	case ctx.Err() != nil:
		return nil, "", ctx.Err()
	case errors.Is(err, iam.ErrNotFound):
		return nil, "no service account is attached to the VM (http 404)", nil
	case timedOut:
		return nil, "", fmt.Errorf("nebius: LoadDefaultConfig: metadata service at %s accepted the connection but gave no token within %s",
			url, ch.o.MetadataTimeout)
	}
	return nil, "", fmt.Errorf("nebius: LoadDefaultConfig: %w", err)
}

// domain is the API domain in force, and where it came from.
func (ch *chain) domain() (string, string) {
	if ch.o.Domain != "" {
		return ch.o.Domain, "LoadOptions.Domain"
	}
	if d := strings.TrimSpace(ch.getenv(EnvEndpoint)); d != "" {
		return d, EnvEndpoint
	}
	if ch.profile != nil && ch.profile.Endpoint != "" {
		return ch.profile.Endpoint, "endpoint of " + ch.where()
	}
	return DefaultDomain, ""
}

// checkedDomain is domain, checked as the clients form addresses of it.
func (ch *chain) checkedDomain() (string, error) {
	d, from := ch.domain()
	if _, err := resolveAddress("", d, ServiceName); err != nil {
		return "", fmt.Errorf("nebius: LoadDefaultConfig: API domain %q (%s) is not a host[:port]", d, from)
	}
	return d, nil
}

// exchangeOptions configure the chain's gRPC token exchanges: the domain,
// the clock and logger, a connection through the chain's dialer, then
// LoadOptions.ClientOptions.
func (ch *chain) exchangeOptions() ([]func(*Options), error) {
	d, err := ch.checkedDomain()
	if err != nil {
		return nil, err
	}
	base := func(o *Options) {
		o.Domain, o.Clock, o.Logger = d, ch.o.Clock, ch.o.Logger
		o.TracerProvider, o.MeterProvider = ch.o.TracerProvider, ch.o.MeterProvider
		o.PropagateTraceContext = ch.o.PropagateTraceContext
		o.DialOptions = append(o.DialOptions, chainDialer())
	}
	return append([]func(*Options){base}, ch.o.ClientOptions...), nil
}

// chainDialer makes a client connection open every connection through
// internal/chaindial, which sees the host:port before any name is resolved
// (the clients' targets are passthrough: gRPC itself resolves nothing).
func chainDialer() grpc.DialOption {
	dial := chaindial.DialContext(10 * time.Second)
	return grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
		return dial(ctx, "tcp", addr)
	})
}

// config makes the Config of a source: the profile's settings, the domain,
// and impersonation when asked for. closers are the token sources to close
// with the Config (and on failure here).
func (ch *chain) config(ctx context.Context, ts oauth2.TokenSource, src auth.Source, serviceAccountID string, closers ...io.Closer) (*Config, error) {
	fail := func(err error) (*Config, error) {
		for _, c := range closers {
			c.Close()
		}
		return nil, err
	}
	d, err := ch.checkedDomain()
	if err != nil {
		return fail(err)
	}
	cfg := &Config{TokenSource: ts, Domain: d, Source: src, ServiceAccountID: serviceAccountID,
		tracer: ch.o.TracerProvider, meter: ch.o.MeterProvider, propagate: ch.o.PropagateTraceContext,
		clientOpts: ch.o.ClientOptions, closers: closers}
	target, from := ch.o.ImpersonateServiceAccountID, "LoadOptions.ImpersonateServiceAccountID"
	if ch.profile != nil {
		cfg.ParentID, cfg.TenantID = ch.profile.ParentID, ch.profile.TenantID
		if target == "" {
			target, from = ch.profile.ImpersonateServiceAccountID, "impersonate-service-account-id of "+ch.where()
		}
	}
	if target == "" {
		return cfg, nil
	}
	opts, err := ch.exchangeOptions()
	if err != nil {
		return fail(err)
	}
	imp, err := ImpersonatedTokens(ts, target, opts...)
	if err != nil {
		return fail(fmt.Errorf("nebius: LoadDefaultConfig: %s: %w", from, err))
	}
	cfg.TokenSource, cfg.ServiceAccountID = imp, target
	cfg.closers = append([]io.Closer{imp}, closers...)
	cfg.Source.Detail += ", impersonating " + target
	ch.logger.DebugContext(ctx, "nebius: impersonating", "service_account", target, "from", from)
	return cfg, nil
}

// ClientOptions returns an option for [New] (and [NewTokenExchanger]) that
// applies the Config: its Domain, its ParentID as the default project
// (ProjectID), LoadOptions.TracerProvider, MeterProvider and
// PropagateTraceContext, a dialer through which every connection is opened
// as the chain's own are (so that a test guard sees each host:port before
// any name is resolved), then LoadOptions.ClientOptions. Options given
// after it override them.
func (c *Config) ClientOptions() func(*Options) {
	return func(o *Options) {
		if c.Domain != "" {
			o.Domain = c.Domain
		}
		if c.ParentID != "" {
			o.ProjectID = c.ParentID
		}
		if c.tracer != nil {
			o.TracerProvider = c.tracer
		}
		if c.meter != nil {
			o.MeterProvider = c.meter
		}
		if c.propagate {
			o.PropagateTraceContext = true
		}
		o.DialOptions = append(o.DialOptions, chainDialer())
		for _, fn := range c.clientOpts {
			if fn != nil {
				fn(o)
			}
		}
	}
}

// Close stops the token source's cache and closes its connections (the
// gRPC token exchange). It is idempotent and returns nil.
func (c *Config) Close() error {
	for _, cl := range c.closers {
		_ = cl.Close()
	}
	return nil
}

// String describes the Config in one line: its source and settings, never
// a token or a key, e.g. `nebius: profile "prod" (/home/me/.nebius/config.yaml:
// service-account-credentials-file-path …: key publickey-e00… of service
// account serviceaccount-e00…), project project-e00…, domain api.nebius.cloud`.
func (c *Config) String() string {
	var b strings.Builder
	b.WriteString("nebius: ")
	b.WriteString(c.Source.String())
	if c.ParentID != "" {
		b.WriteString(", project ")
		b.WriteString(c.ParentID)
	}
	if c.TenantID != "" {
		b.WriteString(", tenant ")
		b.WriteString(c.TenantID)
	}
	if c.Domain != "" {
		b.WriteString(", domain ")
		b.WriteString(c.Domain)
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
		slog.String("parent_id", c.ParentID),
		slog.String("tenant_id", c.TenantID),
		slog.String("domain", c.Domain),
	)
}
