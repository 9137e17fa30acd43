package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/nebius"
	"github.com/iamkit/iamkit/iam/outscale"
	"github.com/iamkit/iamkit/iam/yandex"
	"github.com/iamkit/iamkit/internal/chaindial"
)

// cloudFlags are the flags that say which cloud, which credentials and
// which endpoints: every one optional, the clouds' default chains filling
// in what is not given.
type cloudFlags struct {
	cloud      string
	noMetadata bool
	nebius     struct{ keyFile, profile, configFile, endpoint, address, projectID, serviceAccountID, metadataURL string }
	yandex     struct{ keyFile, profile, configFile, endpoint, serviceAccountID, metadataAddr string }
	outscale   struct{ profile, configFile, endpoint, region, user string }
	// fs is the flag set they were registered in (for where values came
	// from).
	fs *flagSet
	// timeout is the subcommand's --timeout, for messages (0: none).
	timeout time.Duration
}

// register adds the flags of clouds (and --cloud when withCloud) to fs.
func (cf *cloudFlags) register(fs *flagSet, withCloud bool, clouds ...iam.Provider) {
	cf.fs = fs
	if withCloud {
		names := make([]string, len(clouds))
		for i, c := range clouds {
			names[i] = string(c)
		}
		fs.StringVar(&cf.cloud, "cloud", "", "the cloud: "+strings.Join(names, ", ")+" (required)")
	}
	fs.BoolVar(&cf.noMetadata, "no-metadata", false, "leave the VM metadata services out of the default chains")
	for _, c := range clouds {
		switch c {
		case iam.Nebius:
			n := &cf.nebius
			fs.StringVar(&n.keyFile, "nebius-key-file", "", "Nebius service-account credentials JSON (nebius iam auth-public-key generate); default: the Nebius default chain (NEBIUS_IAM_TOKEN, ~/.nebius/config.yaml, the VM)")
			fs.StringVar(&n.profile, "nebius-profile", "", "profile of the Nebius CLI configuration (default $NEBIUS_PROFILE, else the file's default)")
			fs.StringVar(&n.configFile, "nebius-config-file", "", "the Nebius CLI configuration (default ~/.nebius/config.yaml)")
			fs.StringVar(&n.endpoint, "nebius-endpoint", "", "Nebius API domain: IAM at cpl.iam.<domain>, tokens at tokens.iam.<domain> (default $NEBIUS_ENDPOINT, the profile's endpoint, else api.nebius.cloud)")
			fs.StringVar(&n.address, "nebius-address", "", "host:port serving both Nebius IAM and the token exchange, instead of the domain's hosts; http://host:port for plaintext gRPC (loopback only: an emulator)")
			fs.StringVar(&n.projectID, "nebius-project-id", "", "Nebius project of created keys (default the profile's parent-id)")
			fs.StringVar(&n.serviceAccountID, "nebius-service-account-id", "", "Nebius service account whose keys are managed (default the credentials')")
			fs.StringVar(&n.metadataURL, "nebius-metadata-url", "", "token URL of the Nebius VM metadata service (default http://metadata.nebius.internal/v1/iam/sa/token)")
		case iam.Yandex:
			y := &cf.yandex
			fs.StringVar(&y.keyFile, "yandex-key-file", "", "Yandex Cloud authorized key JSON (yc iam key create); default: the Yandex default chain (YC_IAM_TOKEN, YC_TOKEN, YC_SERVICE_ACCOUNT_KEY_FILE, yc's config, the VM)")
			fs.StringVar(&y.profile, "yandex-profile", "", "profile of yc's configuration (default its current one)")
			fs.StringVar(&y.configFile, "yandex-config-file", "", "yc's configuration (default ~/.config/yandex-cloud/config.yaml)")
			fs.StringVar(&y.endpoint, "yandex-endpoint", "", "Yandex Cloud API endpoint host:port, whose endpoint list gives the IAM, operation and token URLs (default the yc profile's, else api.cloud.yandex.net:443; http:// only for loopback)")
			fs.StringVar(&y.serviceAccountID, "yandex-service-account-id", "", "Yandex service account whose static keys are managed (default the credentials')")
			fs.StringVar(&y.metadataAddr, "yandex-metadata-addr", "", "host:port of the Yandex VM metadata service (default $YC_METADATA_ADDR, else 169.254.169.254)")
		case iam.Outscale:
			o := &cf.outscale
			fs.StringVar(&o.profile, "outscale-profile", "", "profile of ~/.osc/config.json (default $OSC_PROFILE, else default)")
			fs.StringVar(&o.configFile, "outscale-config-file", "", "OUTSCALE configuration (default $OSC_CONFIG_FILE, else ~/.osc/config.json)")
			fs.StringVar(&o.endpoint, "outscale-endpoint", "", "OUTSCALE API base URL (default $OSC_ENDPOINT_API, the profile's endpoints.api, else the region's)")
			fs.StringVar(&o.region, "outscale-region", "", "OUTSCALE region (default $OSC_REGION, the profile's, else eu-west-2)")
			fs.StringVar(&o.user, "outscale-user", "", "OUTSCALE EIM user whose keys are managed (default the caller)")
		}
	}
}

// chosen returns the --cloud value, checked against the clouds allowed.
func (cf *cloudFlags) chosen(allowed ...iam.Provider) (iam.Provider, error) {
	names := make([]string, len(allowed))
	for i, c := range allowed {
		if iam.Provider(cf.cloud) == c {
			return c, nil
		}
		names[i] = string(c)
	}
	if cf.cloud == "" {
		return "", usageErrorf("--cloud is required (%s)", strings.Join(names, ", "))
	}
	return "", usageErrorf("--cloud %q: want %s", cf.cloud, strings.Join(names, ", "))
}

// session is one cloud's credentials, opened from the flags: where they
// came from, the endpoints in use, and the token source and key manager.
type session struct {
	cloud iam.Provider
	// source says where the credentials came from (no secret).
	source auth.Source
	// tokens is the access-token source (Nebius, Yandex).
	tokens oauth2.TokenSource
	// km manages the account's access keys (nil for a token-only session).
	km iam.KeyManager
	// account names the account for state files: the key manager's
	// AccountIdentity, or where the credentials came from when the account
	// is known only from a call.
	account string
	// tokenAt and apiAt are the hosts (or URLs) of the token service and
	// of the key API, for messages.
	tokenAt, apiAt string
	// kmErr says why there is no key manager (wantKeysIfKnown).
	kmErr error
	// timeout is the subcommand's --timeout, for messages (0: none).
	timeout time.Duration
	closers []func()
}

func (s *session) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
	s.closers = nil
}

// describeSource is the one-line description of where the credentials
// came from.
func (s *session) describeSource() string { return s.source.String() }

// hostError wraps err, from a call, with the cloud and the host the call
// went to: the token service's when getting a token failed, else the API's.
func (s *session) hostError(what string, err error) error {
	if err == nil {
		return nil
	}
	host := s.apiAt
	if s.tokenAt != "" && isTokenError(err) {
		host = s.tokenAt
	}
	if s.timeout > 0 && isDeadline(err) {
		// A host that accepts connections and never answers: say so, and
		// which call. When the run waited on both the token service and
		// the key API, either may be the silent one.
		if !isTokenError(err) && s.tokenAt != "" && s.tokenAt != s.apiAt && s.apiAt != "" {
			host = s.apiAt + " (the key API) or " + s.tokenAt + " (the token service)"
		}
		return fmt.Errorf("%s: no answer from %s within --timeout %v (%s): %w", s.cloud, orUnknown(host), s.timeout, what, err)
	}
	if host == "" {
		return fmt.Errorf("%s: %s: %w", s.cloud, what, err)
	}
	return fmt.Errorf("%s at %s: %s: %w", s.cloud, host, what, err)
}

// tokenError wraps err, from getting a token, with the cloud and the
// token service's host.
func (s *session) tokenError(err error) error {
	if s.timeout > 0 && isDeadline(err) {
		return fmt.Errorf("%s: no answer from %s within --timeout %v (getting a token): %w", s.cloud, orUnknown(s.tokenAt), s.timeout, err)
	}
	if s.tokenAt == "" {
		return fmt.Errorf("%s: getting a token: %w", s.cloud, err)
	}
	return fmt.Errorf("%s at %s: getting a token: %w", s.cloud, s.tokenAt, err)
}

// isDeadline reports whether err is a call that ran out of time (the
// run's --timeout), in Go's or gRPC's terms.
func isDeadline(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var st interface{ GRPCStatus() *status.Status }
	return errors.As(err, &st) && st.GRPCStatus().Code() == codes.DeadlineExceeded
}

func orUnknown(host string) string {
	if host == "" {
		return "the service"
	}
	return host
}

// timedOut reports whether err, from opening the credentials, is the
// run's --timeout running out.
func (cf *cloudFlags) timedOut(ctx context.Context, err error) bool {
	return cf.timeout > 0 && isDeadline(err) && errors.Is(ctx.Err(), context.DeadlineExceeded)
}

// isTokenError reports whether err came from getting an access token
// rather than from the API call itself.
func isTokenError(err error) bool {
	var re *auth.RefreshError
	if errors.As(err, &re) {
		return true
	}
	var ie *iam.Error
	for e := err; errors.As(e, &ie); {
		if strings.Contains(ie.Op, "TokenExchange") || strings.Contains(ie.Op, "token") || strings.Contains(ie.Op, "Token") {
			return true
		}
		if ie.Err == nil {
			break
		}
		e = ie.Err
	}
	return false
}

// want says what a session needs.
type want int

const (
	wantTokens want = 1 << iota
	wantKeys
	// wantKeysIfKnown: a key manager when the account is known; otherwise
	// the session records why not (kmErr) instead of failing.
	wantKeysIfKnown
)

// open opens the credentials of cloud.
func (cf *cloudFlags) open(ctx context.Context, io *stdio, cloud iam.Provider, w want) (*session, error) {
	var (
		s   *session
		err error
	)
	switch cloud {
	case iam.Nebius:
		s, err = cf.openNebius(ctx, io, w)
	case iam.Yandex:
		s, err = cf.openYandex(ctx, io, w)
	case iam.Outscale:
		s, err = cf.openOutscale(ctx, io, w)
	default:
		return nil, usageErrorf("unknown cloud %q", cloud)
	}
	if s != nil {
		s.timeout = cf.timeout
	}
	return s, err
}

// dialTimeout bounds the connection to a service (not the call).
const dialTimeout = 10 * time.Second

// nebiusAddress parses --nebius-address: host:port, https://host:port or
// http://host:port (plaintext).
func nebiusAddress(v string) (addr string, plaintext bool, err error) {
	if v == "" {
		return "", false, nil
	}
	addr = v
	if strings.Contains(v, "://") {
		u, perr := url.Parse(v)
		if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return "", false, usageErrorf("--nebius-address %q: want host:port, https://host:port or http://host:port", v)
		}
		addr, plaintext = u.Host, u.Scheme == "http"
	}
	if _, port, serr := net.SplitHostPort(addr); serr != nil || port == "" {
		return "", false, usageErrorf("--nebius-address %q: want host:port (with the port)", v)
	}
	return addr, plaintext, nil
}

func (cf *cloudFlags) openNebius(ctx context.Context, io *stdio, w want) (*session, error) {
	n := cf.nebius
	if n.keyFile != "" && (n.profile != "" || n.configFile != "") {
		return nil, usageErrorf("give --nebius-key-file or --nebius-profile/--nebius-config-file, not both")
	}
	addr, plaintext, err := nebiusAddress(n.address)
	if err != nil {
		return nil, err
	}
	dial := chaindial.DialContext(dialTimeout)
	opts := func(o *nebius.Options) {
		if n.endpoint != "" {
			o.Domain = n.endpoint
		}
		if addr != "" {
			o.Address, o.TokenExchangeAddress, o.Plaintext = addr, addr, plaintext
		}
		o.DialOptions = append(o.DialOptions, grpc.WithContextDialer(func(ctx context.Context, a string) (net.Conn, error) {
			return dial(ctx, "tcp", a)
		}))
	}
	s := &session{cloud: iam.Nebius}
	var (
		clientOpts []func(*nebius.Options)
		saID       = n.serviceAccountID
		projectID  = n.projectID
	)
	if n.keyFile != "" {
		key, err := nebiusauth.LoadCredentialsFile(n.keyFile)
		if err != nil {
			return nil, configError(fmt.Errorf("--nebius-key-file: %w", err))
		}
		ts, err := nebius.ServiceAccountTokens(key, opts)
		if err != nil {
			return nil, configError(fmt.Errorf("--nebius-key-file %s: %w", n.keyFile, err))
		}
		s.closers = append(s.closers, func() { ts.Close() })
		s.tokens, s.tokenAt = ts, ts.Address()
		s.source = auth.Source{Kind: auth.SourceKeyFile, Name: n.keyFile, Detail: fmt.Sprintf("--nebius-key-file: key %s of service account %s", key.KeyID, key.ServiceAccountID)}
		if saID == "" {
			saID = key.ServiceAccountID
		}
		clientOpts = []func(*nebius.Options){opts}
	} else {
		cfg, err := nebius.LoadDefaultConfig(ctx, func(o *nebius.LoadOptions) {
			o.Profile, o.ConfigFile, o.Domain = n.profile, n.configFile, n.endpoint
			o.MetadataURL, o.SkipMetadata = n.metadataURL, cf.noMetadata
			o.ClientOptions = []func(*nebius.Options){opts}
			o.Getenv = io.getenv
		})
		if err != nil {
			return nil, configError(err)
		}
		s.closers = append(s.closers, func() { cfg.Close() })
		s.tokens, s.source = cfg.TokenSource, cfg.Source
		switch ts := cfg.TokenSource.(type) {
		case *nebius.TokenSource:
			s.tokenAt = ts.Address()
		default:
			if cfg.Source.Kind == auth.SourceMetadata {
				s.tokenAt = cfg.Source.Name
			}
		}
		if saID == "" {
			saID = cfg.ServiceAccountID
		}
		if projectID == "" {
			projectID = cfg.ParentID
		}
		clientOpts = []func(*nebius.Options){cfg.ClientOptions()}
	}
	if w&(wantKeys|wantKeysIfKnown) == 0 {
		return s, nil
	}
	clientOpts = append(clientOpts, func(o *nebius.Options) { o.ProjectID = projectID })
	c, err := nebius.New(s.tokens, clientOpts...)
	if err != nil {
		s.close()
		return nil, configError(fmt.Errorf("nebius: %w", err))
	}
	s.closers = append(s.closers, func() { c.Close() })
	s.apiAt = c.Address()
	var missing error
	switch {
	case saID == "":
		missing = fmt.Errorf("nebius: the credentials (%s) do not say which service account's keys to manage: give --nebius-service-account-id", s.source)
	case projectID == "":
		missing = errors.New("nebius: no project for the keys: give --nebius-project-id (or a profile with parent-id)")
	}
	if missing != nil {
		if w&wantKeys == 0 {
			s.kmErr = missing
			return s, nil
		}
		s.close()
		return nil, configError(missing)
	}
	km, err := nebius.NewKeyManager(c, nebius.ServiceAccount(saID))
	if err != nil {
		s.close()
		return nil, configError(fmt.Errorf("nebius: %w", err))
	}
	s.km, s.account = km, km.AccountIdentity()
	return s, nil
}

// httpClient is the HTTP client of the REST clouds' calls: it dials
// through the chains' dialer (so that the test build refuses any host but
// loopback) and uses the environment's proxy, as http.DefaultTransport.
func httpClient() *http.Client {
	return &http.Client{Transport: chaindial.Transport(dialTimeout, true)}
}

func (cf *cloudFlags) openYandex(ctx context.Context, io *stdio, w want) (*session, error) {
	y := cf.yandex
	if y.keyFile != "" && (y.profile != "" || y.configFile != "") {
		return nil, usageErrorf("give --yandex-key-file or --yandex-profile/--yandex-config-file, not both")
	}
	getenv := io.getenv
	if y.keyFile != "" {
		// Read once here for errors that name the flag (the chain would
		// name its variable).
		if _, err := yandexauth.LoadKeyFile(y.keyFile); err != nil {
			return nil, configError(fmt.Errorf("--yandex-key-file: %w", err))
		}
		// The key file is the chain's YC_SERVICE_ACCOUNT_KEY_FILE source,
		// with the sources before it (the token variables) and after it
		// (yc's configuration, the VM) left out.
		getenv = func(k string) string {
			switch k {
			case yandexauth.EnvServiceAccountKeyFile:
				return y.keyFile
			case yandexauth.EnvIAMToken, yandexauth.EnvToken, "HOME", "USERPROFILE":
				return ""
			}
			return io.getenv(k)
		}
	}
	hc := httpClient()
	cfg, err := yandex.LoadDefaultConfig(ctx, func(o *yandex.LoadOptions) {
		o.Profile, o.ConfigFile, o.Endpoint = y.profile, y.configFile, y.endpoint
		o.MetadataAddr, o.SkipMetadata = y.metadataAddr, cf.noMetadata || y.keyFile != ""
		o.HTTPClient, o.Getenv = hc, getenv
	})
	if err != nil && y.endpoint != "" && strings.Contains(err.Error(), "(LoadOptions.Endpoint)") {
		// The library names its field: name the flag, variable or profile
		// the endpoint came from, and keep the cause.
		if cause := errors.Unwrap(err); cause != nil {
			err = fmt.Errorf("yandex: %s: %w", cf.fs.origin("yandex-endpoint"), cause)
		}
	}
	if err != nil {
		if cf.timedOut(ctx, err) {
			at := y.endpoint
			if at == "" {
				at = "the Yandex Cloud API endpoint"
			}
			return nil, fmt.Errorf("yandex: no answer from %s within --timeout %v (reading its endpoint list): %w", at, cf.timeout, err)
		}
		return nil, configError(err)
	}
	s := &session{cloud: iam.Yandex, tokens: cfg.TokenSource, source: cfg.Source, tokenAt: cfg.TokenEndpoint, apiAt: cfg.Endpoint}
	s.closers = append(s.closers, func() { cfg.Close() })
	switch cfg.Source.Kind {
	case auth.SourceMetadata:
		s.tokenAt = cfg.Source.Name
	case auth.SourceEnv:
		if cfg.Source.Name != yandexauth.EnvServiceAccountKeyFile {
			s.tokenAt = ""
		}
	}
	if y.keyFile != "" {
		s.source = auth.Source{Kind: auth.SourceKeyFile, Name: y.keyFile, Detail: "--yandex-key-file: authorized key of service account " + cfg.ServiceAccountID}
	}
	if w&(wantKeys|wantKeysIfKnown) == 0 {
		return s, nil
	}
	sa := y.serviceAccountID
	if sa == "" {
		sa = cfg.ServiceAccountID
	}
	c, err := yandex.New(cfg.TokenSource, cfg.ClientOptions(), func(o *yandex.Options) {
		o.HTTPClient, o.ServiceAccountID = hc, sa
	})
	if err != nil {
		s.close()
		return nil, configError(fmt.Errorf("yandex: %w", err))
	}
	s.closers = append(s.closers, func() { c.Close() })
	km, err := yandex.NewKeyManager(c, sa)
	if err != nil {
		s.close()
		return nil, configError(fmt.Errorf("yandex: %w", err))
	}
	s.km, s.account = km, km.AccountIdentity()
	if s.account == "" {
		// The token's subject is known only from a call: the credentials'
		// source names the account instead.
		s.account = "yandex/" + c.Endpoint() + "/source:" + cfg.Source.Kind + ":" + cfg.Source.Name
	}
	return s, nil
}

func (cf *cloudFlags) openOutscale(ctx context.Context, io *stdio, w want) (*session, error) {
	o := cf.outscale
	cfg, err := outscale.LoadDefaultConfig(ctx, func(lo *outscale.LoadOptions) {
		lo.Profile, lo.ConfigFile, lo.Getenv = o.profile, o.configFile, io.getenv
	})
	if err != nil {
		return nil, configError(err)
	}
	c, err := outscale.New(cfg.ClientOptions(), func(opts *outscale.Options) {
		if p := cfg.Profile; p.X509ClientCert == "" && p.X509ClientCertB64 == "" && !p.TLSSkipVerify {
			// The chains' dialer, as for the other clouds; a profile with
			// TLS settings keeps the client's own transport, which applies
			// them.
			opts.HTTPClient = httpClient()
		}
		if o.endpoint != "" {
			opts.Endpoint = o.endpoint
		}
		if o.region != "" {
			opts.Region = o.region
		}
	})
	if err != nil {
		return nil, configError(fmt.Errorf("outscale: %w", err))
	}
	s := &session{cloud: iam.Outscale, source: cfg.Source, apiAt: c.Endpoint()}
	s.closers = append(s.closers, func() { c.Close() })
	km, err := outscale.NewKeyManager(c, func(kmo *outscale.KeyManagerOptions) { kmo.UserName = o.user })
	if err != nil {
		s.close()
		return nil, configError(fmt.Errorf("outscale: %w", err))
	}
	s.km, s.account = km, km.AccountIdentity()
	return s, nil
}
