package nebiusauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/exchange"
	"github.com/iamkit/iamkit/auth/internal/metadatatoken"
	"github.com/iamkit/iamkit/iam"
)

// The Nebius VM metadata service, which serves the access token of the
// service account attached to a VM, and the file the VM's cloud-init
// leaves when it has none (gosdk's defaults).
const (
	// DefaultMetadataURL is the metadata token URL; the request carries
	// "Metadata: true".
	DefaultMetadataURL = "http://metadata.nebius.internal" + MetadataTokenPath
	// MetadataTokenPath is the token's path.
	MetadataTokenPath = "/v1/iam/sa/token"
	// EnvMetadataURL overrides the metadata token URL. gosdk reads no such
	// variable: the IAMKIT_ prefix says it is iamkit's.
	EnvMetadataURL = "IAMKIT_NEBIUS_METADATA_URL"
	// DefaultMetadataTokenFile is the token file gosdk falls back to when
	// there is no configuration file and no metadata service answers.
	DefaultMetadataTokenFile = "/mnt/cloud-metadata/token"
	// EnvMetadataTokenFile overrides that file's path (iamkit's variable,
	// as EnvMetadataURL).
	EnvMetadataTokenFile = "IAMKIT_NEBIUS_METADATA_TOKEN_FILE"
	// DefaultMetadataTimeout bounds the connection to the metadata service
	// and, in [ProbeMetadata], the probe (gosdk probes with 500 ms).
	DefaultMetadataTimeout = 500 * time.Millisecond
	// DefaultMetadataMaxRefreshAge is how long a metadata token is served
	// before it is fetched again, whatever its lifetime: a VM's service
	// account can be replaced, and a fetch from a link-local service is
	// cheap (gosdk fetches on every use).
	DefaultMetadataMaxRefreshAge = time.Minute
	// metadataMaxAttempts and metadataBaseDelay are gosdk's retry policy
	// (3 attempts, 200 ms then 400 ms).
	metadataMaxAttempts = 3
	metadataBaseDelay   = 200 * time.Millisecond
)

// ErrNoMetadataService is matched (errors.Is) by the error of
// [ProbeMetadata] when nothing accepts a connection at the metadata address
// within the timeout: the program does not run on a Nebius VM (or the
// address is wrong).
var ErrNoMetadataService = errors.New("nebiusauth: no metadata service")

// MetadataOptions configure [MetadataTokenSource] and [ProbeMetadata]. Every
// field is optional.
type MetadataOptions struct {
	// URL is the metadata token URL, http (or https) with a host; a URL
	// without path gets [MetadataTokenPath]. Default: $IAMKIT_NEBIUS_METADATA_URL,
	// else [DefaultMetadataURL]. A profile's "token-endpoint" is such a URL.
	URL string
	// Timeout bounds the connection to the metadata service (default
	// [DefaultMetadataTimeout]): a machine without one must not wait. It
	// applies to the default HTTP client; [ProbeMetadata] bounds its whole
	// probe with it.
	Timeout time.Duration
	// HTTPClient carries the requests. Default: a client that connects
	// through no proxy (a proxy from HTTP_PROXY must not see the requests),
	// within Timeout, and keeps no idle connection.
	HTTPClient *http.Client
	// Clock is the time source of the cache and the retry waits. Default:
	// the system clock.
	Clock iam.Clock
	// Logger receives debug records; never a token. Default: discard.
	Logger *slog.Logger
	// Getenv reads IAMKIT_NEBIUS_METADATA_URL (default os.Getenv).
	Getenv func(string) string
	// MaxAttempts is how many times one fetch tries (default 3, as gosdk):
	// connection failures, throttling and 5xx answers are retried with
	// backoff on Clock (200 ms, then 400 ms).
	MaxAttempts int
	// TracerProvider and MeterProvider receive the telemetry of each fetch
	// (a client span "nebius MetadataToken", iamkit.api.calls and
	// iamkit.api.call.duration with iamkit.operation MetadataToken, as of
	// a token exchange) and of the cache; nil means the global ones
	// (otel.GetTracerProvider, otel.GetMeterProvider: no-ops unless the
	// program installs an SDK). No attribute holds the token, and no
	// trace context is sent to the metadata service. See package iam,
	// # Telemetry.
	TracerProvider trace.TracerProvider
	MeterProvider  metric.MeterProvider
	// Cache tunes the token cache. Its Clock, Logger, TracerProvider and
	// MeterProvider are filled from the fields above when unset;
	// MaxRefreshAge defaults to [DefaultMetadataMaxRefreshAge].
	Cache auth.CacheOptions
}

type metadataConfig struct {
	MetadataOptions
	tokenURL string
	addr     string // host:port, for the probe
}

func newMetadataConfig(optFns []func(*MetadataOptions)) (metadataConfig, error) {
	var o MetadataOptions
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Timeout < 0 || o.MaxAttempts < 0 {
		return metadataConfig{}, errors.New("nebiusauth: MetadataOptions: Timeout and MaxAttempts must not be negative")
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultMetadataTimeout
	}
	if o.MaxAttempts == 0 {
		o.MaxAttempts = metadataMaxAttempts
	}
	from := "option URL"
	if o.URL == "" {
		o.URL, from = strings.TrimSpace(o.Getenv(EnvMetadataURL)), EnvMetadataURL
	}
	if o.URL == "" {
		o.URL, from = DefaultMetadataURL, ""
	}
	u, addr, err := parseMetadataURL(o.URL)
	if err != nil {
		if from != "" {
			from = " (" + from + ")"
		}
		return metadataConfig{}, fmt.Errorf("nebiusauth: metadata URL %q%s: %w", o.URL, from, err)
	}
	return metadataConfig{MetadataOptions: o, tokenURL: u, addr: addr}, nil
}

// parseMetadataURL checks a metadata token URL and returns it (with
// MetadataTokenPath when it has no path) and its host:port.
func parseMetadataURL(v string) (string, string, error) {
	u, err := url.Parse(strings.TrimSpace(v))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return "", "", errors.New("want an http:// or https:// URL with a host")
	}
	if u.User != nil || u.Fragment != "" {
		return "", "", errors.New("a metadata URL has no user info or fragment")
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = MetadataTokenPath
	}
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	} else if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
		return "", "", fmt.Errorf("port %q is not a number in 1-65535", port)
	}
	return u.String(), net.JoinHostPort(u.Hostname(), port), nil
}

// MetadataTokenURL returns the token URL [MetadataTokenSource] would use
// with these options, e.g. "http://metadata.nebius.internal/v1/iam/sa/token".
func MetadataTokenURL(optFns ...func(*MetadataOptions)) (string, error) {
	c, err := newMetadataConfig(optFns)
	if err != nil {
		return "", err
	}
	return c.tokenURL, nil
}

// MetadataTokenSource returns a token source for the service account
// attached to the Nebius VM the program runs on, read from the metadata
// service as gosdk reads it:
//
//	GET http://metadata.nebius.internal/v1/iam/sa/token
//	Metadata: true
//	→ {"access_token": "…", "expires_at": "2026-05-01T12:00:00Z"}
//
// It does no I/O: the first call fetches the token. The token is cached by
// an [auth.Cache] and fetched again lazily, on a call, when it has served
// MaxRefreshAge (one minute by default) or half its remaining life, and
// never served past its own wall-clock expiry (expires_at). No timer or
// goroutine runs between calls, so a container frozen for hours, or a VM
// resumed from a suspend, gets a fresh token on its first call rather than
// one a stalled refresh loop left behind.
//
// The URL is Options.URL, else $IAMKIT_NEBIUS_METADATA_URL, else
// [DefaultMetadataURL]. Errors of a fetch are *iam.Error values (Provider
// nebius, Op "MetadataToken"): a 404 matches iam.ErrNotFound (no service
// account is attached to the VM), a connection failure iam.ErrUnavailable.
// Close the source when done.
func MetadataTokenSource(optFns ...func(*MetadataOptions)) (*auth.Cache, error) {
	c, err := newMetadataConfig(optFns)
	if err != nil {
		return nil, err
	}
	return metadatatoken.NewSource(metadatatoken.Config{
		Provider:             iam.Nebius,
		Package:              "nebiusauth",
		URL:                  c.tokenURL,
		Header:               http.Header{"Metadata": {"true"}},
		HTTPClient:           c.HTTPClient,
		Timeout:              c.Timeout,
		MaxAttempts:          c.MaxAttempts,
		BaseDelay:            metadataBaseDelay,
		Clock:                c.Clock,
		Logger:               c.Logger,
		TracerProvider:       c.TracerProvider,
		MeterProvider:        c.MeterProvider,
		Parse:                func(body []byte, _, now time.Time) (auth.Token, error) { return parseMetadataToken(body, now) },
		Cache:                c.Cache,
		DefaultMaxRefreshAge: DefaultMetadataMaxRefreshAge,
	})
}

// ProbeMetadata reports whether a metadata service listens at the address
// of the token URL the options name: it opens a TCP connection, bounded by
// Timeout (and ctx), and closes it. It returns the token URL; when nothing
// accepts the connection (or the name does not resolve), the error matches
// [ErrNoMetadataService] and says why.
//
// The default chain (nebius.LoadDefaultConfig) probes before it asks for a
// token, so that a laptop without a metadata service waits at most Timeout.
func ProbeMetadata(ctx context.Context, optFns ...func(*MetadataOptions)) (tokenURL string, err error) {
	c, err := newMetadataConfig(optFns)
	if err != nil {
		return "", err
	}
	return c.tokenURL, metadatatoken.Probe(ctx, c.addr, c.Timeout, ErrNoMetadataService)
}

// parseMetadataToken reads {"access_token","expires_at"}; its errors never
// carry the body. expires_at is an RFC 3339 time (gosdk decodes it into a
// time.Time). An expires_in (seconds from now) is accepted in its absence,
// tolerantly; a token without either, or already expired at now, is
// refused.
func parseMetadataToken(body []byte, now time.Time) (auth.Token, error) {
	malformed := func(why string) error {
		return &iam.Error{Provider: iam.Nebius, Op: metadatatoken.Op, HTTPStatus: http.StatusOK,
			Message: "malformed metadata token response: " + why, Kind: iam.ErrUnavailable}
	}
	var r struct {
		AccessToken iam.Secret   `json:"access_token"`
		ExpiresAt   *string      `json:"expires_at"`
		ExpiresIn   *json.Number `json:"expires_in"`
		TokenType   string       `json:"token_type"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return auth.Token{}, malformed("not a JSON object with access_token and expires_at")
	}
	if r.AccessToken.IsZero() || strings.TrimSpace(r.AccessToken.Reveal()) == "" {
		return auth.Token{}, malformed("access_token is missing or empty")
	}
	if strings.ContainsAny(r.AccessToken.Reveal(), " \t\r\n") {
		return auth.Token{}, malformed("access_token contains white space")
	}
	if t := strings.TrimSpace(r.TokenType); t != "" && !strings.EqualFold(t, "Bearer") {
		return auth.Token{}, malformed(fmt.Sprintf("token_type %q is not Bearer", exchange.ServerText(t)))
	}
	var exp time.Time
	switch {
	case r.ExpiresAt != nil:
		t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(*r.ExpiresAt))
		if err != nil {
			return auth.Token{}, malformed("expires_at is not an RFC 3339 time")
		}
		exp = t
	case r.ExpiresIn != nil:
		secs, err := r.ExpiresIn.Float64()
		if err != nil || secs <= 0 || secs > 1e9 {
			return auth.Token{}, malformed("expires_in is not a positive number of seconds")
		}
		exp = now.Add(time.Duration(secs * float64(time.Second)))
	default:
		return auth.Token{}, malformed("expires_at is missing")
	}
	if !exp.After(now) {
		return auth.Token{}, malformed("the token has already expired (expires_at " + exp.UTC().Format(time.RFC3339) + ")")
	}
	return auth.Token{Value: r.AccessToken, Type: "Bearer", Expiry: exp}, nil
}
