package yandexauth

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

// The Yandex Compute metadata service, which serves the IAM token of the
// service account attached to a VM (also on Managed Kubernetes nodes and in
// Serverless Containers and Functions).
const (
	// DefaultMetadataAddr is the metadata service's address (port 80).
	DefaultMetadataAddr = "169.254.169.254:80"
	// EnvMetadataAddr overrides the address ("host[:port]"), as in
	// yandex-cloud/go-sdk.
	EnvMetadataAddr = "YC_METADATA_ADDR"
	// MetadataTokenPath is the token's path; the request carries
	// "Metadata-Flavor: Google".
	MetadataTokenPath = "/computeMetadata/v1/instance/service-accounts/default/token"
	// DefaultMetadataTimeout bounds the connection to the metadata service
	// and, in [ProbeMetadata], the probe.
	DefaultMetadataTimeout = 500 * time.Millisecond
	// DefaultMetadataMaxRefreshAge is how long a metadata token is served
	// before it is fetched again in the background, whatever its lifetime:
	// a VM's service account can be replaced, and a fetch from a
	// link-local service is cheap (yandex-cloud/go-sdk caps it at one
	// minute for the same reason).
	DefaultMetadataMaxRefreshAge = time.Minute
)

// ErrNoMetadataService is matched (errors.Is) by the error of
// [ProbeMetadata] when nothing accepts a connection at the metadata
// address within the timeout: the program does not run on a Yandex Cloud
// VM (or the address is wrong).
var ErrNoMetadataService = errors.New("yandexauth: no metadata service")

// MetadataOptions configure [MetadataTokenSource] and [ProbeMetadata].
// Every field is optional.
type MetadataOptions struct {
	// Addr is the metadata service's "host[:port]" (port 80 when absent);
	// an "http://host:port" URL is accepted too. Default: $YC_METADATA_ADDR,
	// else [DefaultMetadataAddr].
	Addr string
	// Timeout bounds the connection to the metadata service (default
	// [DefaultMetadataTimeout]): a machine without one must not wait. It
	// applies to the default HTTP client; [ProbeMetadata] bounds its whole
	// probe with it.
	Timeout time.Duration
	// HTTPClient carries the requests. Default: a client that connects
	// through no proxy (a proxy from HTTP_PROXY must not see the
	// requests), within Timeout, and keeps no idle connection (a request a
	// minute needs none, and nothing is left behind).
	HTTPClient *http.Client
	// Clock is the time source of the cache and the retry waits. Default:
	// the system clock.
	Clock iam.Clock
	// Logger receives debug records; never a token. Default: discard.
	Logger *slog.Logger
	// Getenv reads YC_METADATA_ADDR (default os.Getenv).
	Getenv func(string) string
	// MaxAttempts is how many times one fetch tries (default 3):
	// connection failures, throttling and 5xx answers are retried with
	// backoff on Clock.
	MaxAttempts int
	// TracerProvider and MeterProvider receive the telemetry of each fetch
	// (a client span "yandex MetadataToken", iamkit.api.calls and
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

// metadataConfig is MetadataOptions with its defaults applied and the
// address resolved.
type metadataConfig struct {
	MetadataOptions
	addr     string // host:port
	tokenURL string
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
		return metadataConfig{}, errors.New("yandexauth: MetadataOptions: Timeout and MaxAttempts must not be negative")
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultMetadataTimeout
	}
	if o.MaxAttempts == 0 {
		o.MaxAttempts = exchange.DefaultMaxAttempts
	}
	from := "option Addr"
	if o.Addr == "" {
		o.Addr, from = o.Getenv(EnvMetadataAddr), EnvMetadataAddr
	}
	if o.Addr == "" {
		o.Addr, from = DefaultMetadataAddr, ""
	}
	addr, err := metadataHostPort(o.Addr)
	if err != nil {
		return metadataConfig{}, fmt.Errorf("yandexauth: metadata address %q (%s): %w", o.Addr, from, err)
	}
	return metadataConfig{MetadataOptions: o, addr: addr, tokenURL: "http://" + addr + MetadataTokenPath}, nil
}

// metadataHostPort reads "host", "host:port", "[v6]:port" or
// "http://host[:port]" into host:port (port 80 by default).
func metadataHostPort(v string) (string, error) {
	v = strings.TrimSpace(v)
	if strings.Contains(v, "://") {
		u, err := url.Parse(v)
		if err != nil || u.Scheme != "http" || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			return "", errors.New(`want host[:port] or http://host[:port]`)
		}
		v = u.Host
	}
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		// No port (or a bare IPv6 literal).
		host, port = strings.TrimSuffix(strings.TrimPrefix(v, "["), "]"), "80"
	}
	if host == "" || strings.ContainsAny(host, "/ ") {
		return "", errors.New("want host[:port]")
	}
	if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
		return "", fmt.Errorf("port %q is not a number in 1-65535", port)
	}
	return net.JoinHostPort(host, port), nil
}

// MetadataTokenURL returns the token URL [MetadataTokenSource] would use
// with these options, e.g.
// "http://169.254.169.254:80/computeMetadata/v1/instance/service-accounts/default/token".
func MetadataTokenURL(optFns ...func(*MetadataOptions)) (string, error) {
	c, err := newMetadataConfig(optFns)
	if err != nil {
		return "", err
	}
	return c.tokenURL, nil
}

// MetadataTokenSource returns a token source for the service account
// attached to the VM the program runs on, read from the metadata service:
//
//	GET http://169.254.169.254/computeMetadata/v1/instance/service-accounts/default/token
//	Metadata-Flavor: Google
//	→ {"access_token": "t1.…", "expires_in": 43199, "token_type": "Bearer"}
//
// It does no I/O: the first call fetches the token. The token is cached
// by an [auth.Cache] and fetched again lazily, on a call, when it has
// served MaxRefreshAge (one minute by default: a VM's service account can
// change) or half its remaining life, and never served past its own
// wall-clock expiry (expires_in counted from before the request was sent).
// No timer or goroutine runs between calls, so a serverless container
// frozen for hours, or a VM resumed from a suspend, gets a fresh token on
// its first call rather than one a stalled refresh loop left behind.
//
// The address is Options.Addr, else $YC_METADATA_ADDR, else
// 169.254.169.254:80. Errors of a fetch are *iam.Error values (Provider
// yandex, Op "MetadataToken"): a 404 matches iam.ErrNotFound (no service
// account is attached to the VM), a connection failure
// iam.ErrUnavailable. Close the source when done.
func MetadataTokenSource(optFns ...func(*MetadataOptions)) (*auth.Cache, error) {
	c, err := newMetadataConfig(optFns)
	if err != nil {
		return nil, err
	}
	return metadatatoken.NewSource(metadatatoken.Config{
		Provider:             iam.Yandex,
		Package:              "yandexauth",
		URL:                  c.tokenURL,
		Header:               http.Header{"Metadata-Flavor": {"Google"}},
		HTTPClient:           c.HTTPClient,
		Timeout:              c.Timeout,
		MaxAttempts:          c.MaxAttempts,
		Clock:                c.Clock,
		Logger:               c.Logger,
		TracerProvider:       c.TracerProvider,
		MeterProvider:        c.MeterProvider,
		Parse:                func(body []byte, sent, _ time.Time) (auth.Token, error) { return parseMetadataToken(body, sent) },
		Cache:                c.Cache,
		DefaultMaxRefreshAge: DefaultMetadataMaxRefreshAge,
	})
}

// ProbeMetadata reports whether a metadata service listens at the address
// the options name: it opens a TCP connection, bounded by Timeout (and
// ctx), and closes it. It returns the token URL; when nothing accepts the
// connection, the error matches [ErrNoMetadataService] and says why
// (refused, timed out, unreachable).
//
// The default chain (yandex.LoadDefaultConfig) probes before it asks for a
// token, as yandex-cloud/go-sdk does, so that a laptop without a metadata
// service waits at most Timeout.
func ProbeMetadata(ctx context.Context, optFns ...func(*MetadataOptions)) (tokenURL string, err error) {
	c, err := newMetadataConfig(optFns)
	if err != nil {
		return "", err
	}
	return c.tokenURL, metadatatoken.Probe(ctx, c.addr, c.Timeout, ErrNoMetadataService)
}

// parseMetadataToken reads {"access_token","expires_in","token_type"}; its
// errors never carry the body.
func parseMetadataToken(body []byte, start time.Time) (auth.Token, error) {
	malformed := func(why string) error {
		return &iam.Error{Provider: iam.Yandex, Op: metadatatoken.Op, HTTPStatus: http.StatusOK,
			Message: "malformed metadata token response: " + why, Kind: iam.ErrUnavailable}
	}
	var r struct {
		AccessToken iam.Secret   `json:"access_token"`
		ExpiresIn   *json.Number `json:"expires_in"`
		TokenType   string       `json:"token_type"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return auth.Token{}, malformed("not a JSON object with access_token, expires_in and token_type")
	}
	if r.AccessToken.IsZero() {
		return auth.Token{}, malformed("access_token is missing or empty")
	}
	if r.ExpiresIn == nil {
		return auth.Token{}, malformed("expires_in is missing")
	}
	secs, err := r.ExpiresIn.Float64()
	if err != nil || secs <= 0 || secs > 1e9 {
		return auth.Token{}, malformed("expires_in is not a positive number of seconds")
	}
	if t := strings.TrimSpace(r.TokenType); t != "" && !strings.EqualFold(t, "Bearer") {
		return auth.Token{}, malformed(fmt.Sprintf("token_type %q is not Bearer", exchange.ServerText(t)))
	}
	return auth.Token{Value: r.AccessToken, Type: "Bearer", Expiry: start.Add(time.Duration(secs * float64(time.Second)))}, nil
}
