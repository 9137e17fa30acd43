package metadatatoken

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/exchange"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/chaindial"
	"github.com/iamkit/iamkit/internal/clock"
	"github.com/iamkit/iamkit/internal/httpx"
	"github.com/iamkit/iamkit/internal/telemetry"
)

// Op names metadata requests in errors, logs and telemetry (the span
// "<provider> MetadataToken", the iamkit.operation of its metric points).
const Op = "MetadataToken"

// Config is what a provider tells the source.
type Config struct {
	// Provider labels errors and the cache's telemetry.
	Provider iam.Provider
	// Package prefixes log messages ("nebiusauth").
	Package string
	// URL is the token URL.
	URL string
	// Header is the provider's metadata header ("Metadata: true").
	Header http.Header
	// HTTPClient carries the requests; nil: a client through no proxy,
	// connecting within Timeout and keeping no idle connection.
	HTTPClient *http.Client
	// Timeout bounds the connection of the default client.
	Timeout time.Duration
	// MaxAttempts and BaseDelay (0: httpx's) are the retry policy of one
	// fetch, waited on Clock.
	MaxAttempts int
	BaseDelay   time.Duration
	// Clock is the time of the cache and the retry waits (nil: system).
	Clock iam.Clock
	// Logger receives debug records (nil: discard).
	Logger *slog.Logger
	// TracerProvider and MeterProvider receive the span and metric points
	// of each fetch (as of a token exchange) and, unless Cache sets its
	// own, those of the cache; nil means the global ones. No trace context
	// is sent to the link-local service.
	TracerProvider trace.TracerProvider
	MeterProvider  metric.MeterProvider
	// Parse reads a 200 answer; sent is the time before the request was
	// sent, now the time after the answer.
	Parse func(body []byte, sent, now time.Time) (auth.Token, error)
	// Cache tunes the cache; its Clock, Logger, TracerProvider and
	// MeterProvider default to the fields above, MaxRefreshAge to
	// DefaultMaxRefreshAge.
	Cache auth.CacheOptions
	// DefaultMaxRefreshAge is the provider's MaxRefreshAge default.
	DefaultMaxRefreshAge time.Duration
}

// NewSource returns an auth.Cache over the metadata exchanger of c. It
// does no I/O. The cache owns the exchanger: its Close closes the
// exchanger's connection pool.
func NewSource(c Config) (*auth.Cache, error) {
	x := newExchanger(c)
	co := c.Cache
	if co.Clock == nil {
		co.Clock = c.Clock
	}
	if co.Logger == nil {
		co.Logger = c.Logger
	}
	if co.TracerProvider == nil {
		co.TracerProvider = c.TracerProvider
	}
	if co.MeterProvider == nil {
		co.MeterProvider = c.MeterProvider
	}
	if co.MaxRefreshAge == 0 {
		co.MaxRefreshAge = c.DefaultMaxRefreshAge
	}
	return auth.NewCache(x, func(o *auth.CacheOptions) { *o = co })
}

// exchanger fetches the token from the metadata service; it is the
// auth.Exchanger of NewSource, and an io.Closer of its own transport.
type exchanger struct {
	c      Config
	http   *httpx.Client
	own    *http.Transport // the default client's transport; nil for Config.HTTPClient
	clock  iam.Clock
	logger *slog.Logger
	calls  *telemetry.Calls
}

func newExchanger(c Config) *exchanger {
	hc := c.HTTPClient
	var own *http.Transport
	if hc == nil {
		own = chaindial.Transport(c.Timeout, false)
		own.DisableKeepAlives = true
		own.ResponseHeaderTimeout = 10 * time.Second
		hc = &http.Client{Transport: own, Timeout: 30 * time.Second}
	}
	logger := c.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	clk := clock.Or(c.Clock)
	return &exchanger{
		c:      c,
		own:    own,
		clock:  clk,
		logger: logger,
		calls: telemetry.NewCalls(telemetry.CallsOptions{
			Scope: "auth/" + string(c.Provider) + "auth", Provider: c.Provider,
			TracerProvider: c.TracerProvider, MeterProvider: c.MeterProvider,
		}),
		http: httpx.New(func(o *httpx.Options) {
			o.HTTPClient = hc
			o.MaxAttempts = c.MaxAttempts
			if c.BaseDelay > 0 {
				o.BaseDelay = c.BaseDelay
			}
			o.MaxResponseBytes = 64 << 10
			o.Clock = clk
			o.Logger = logger
		}),
	}
}

// Provider returns the provider (the label of the cache's telemetry).
func (x *exchanger) Provider() iam.Provider { return x.c.Provider }

// Close closes the idle connections of the exchanger's own transport
// (none of a Config.HTTPClient, whose transport is the caller's). It
// implements io.Closer, so that the cache of NewSource closes it with
// itself, and returns nil; the exchanger still works afterwards.
func (x *exchanger) Close() error {
	if x.own != nil {
		x.own.CloseIdleConnections()
	}
	return nil
}

// Exchange fetches the token, in a client span "<provider> MetadataToken"
// (a child of ctx's) counted in iamkit.api.calls as the token exchanges
// are; no attribute holds the token.
func (x *exchanger) Exchange(ctx context.Context) (tok auth.Token, err error) {
	ctx, call := x.calls.StartHTTP(ctx, Op, http.MethodGet, x.c.URL)
	defer func() { call.End(err) }()
	sent := x.clock.Now()
	hdr := x.c.Header.Clone()
	hdr.Set("Accept", "application/json")
	resp, err := x.http.Do(ctx, &httpx.Request{Op: Op, URL: x.c.URL, Header: hdr, Retry: httpx.RetryIdempotent,
		Observe: func(_, status int, err error, retrying bool) { call.Attempt(status, "", err, retrying) }})
	if err != nil {
		e := &iam.Error{Provider: x.c.Provider, Op: Op, Message: "request to the metadata service failed", Err: err}
		if ctx.Err() == nil {
			e.Kind = iam.ErrUnavailable
		}
		return auth.Token{}, e
	}
	if resp.StatusCode != http.StatusOK {
		call.SetRequestID(exchange.RequestID(resp.Header))
		e := &iam.Error{Provider: x.c.Provider, Op: Op, HTTPStatus: resp.StatusCode,
			Kind: iam.KindForHTTPStatus(resp.StatusCode)}
		text := exchange.ServerText(string(resp.Body))
		at := "metadata service at " + x.c.URL
		switch {
		case resp.StatusCode == http.StatusNotFound:
			// What a service answers on a VM without a service account is
			// not published everywhere; a 404 is read as "no token here".
			e.Message = at + " has no token (http 404): is a service account attached to the VM?"
		case text != "":
			e.Message = at + ": http " + strconv.Itoa(resp.StatusCode) + ": " + text
		default:
			e.Message = at + ": http " + strconv.Itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode)
		}
		return auth.Token{}, e
	}
	tok, err = x.c.Parse(resp.Body, sent, x.clock.Now())
	if err != nil {
		return auth.Token{}, err
	}
	call.SetRequestID(exchange.RequestID(resp.Header, tok.Value.Reveal()))
	x.logger.DebugContext(ctx, x.c.Package+": metadata token fetched", "expiry", tok.Expiry.UTC().Format(time.RFC3339), "attempts", resp.Attempts)
	return tok, nil
}

// Probe opens a TCP connection to addr, bounded by timeout (and ctx), and
// closes it. When nothing accepts the connection, the error wraps
// errNoService and says why (refused, unreachable, or no connection within
// timeout).
func Probe(ctx context.Context, addr string, timeout time.Duration, errNoService error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := chaindial.DialContext(timeout)(ctx, "tcp", addr)
	if err != nil {
		why := err.Error()
		if ctx.Err() != nil {
			why = "no connection within " + timeout.String()
		}
		return fmt.Errorf("%w at %s: %s", errNoService, addr, why)
	}
	conn.Close()
	return nil
}
