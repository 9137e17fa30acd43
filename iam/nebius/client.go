package nebius

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/oauth2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/backoff"
	"github.com/iamkit/iamkit/internal/clock"
	"github.com/iamkit/iamkit/internal/httpx"
	"github.com/iamkit/iamkit/internal/loopback"
	"github.com/iamkit/iamkit/internal/nebiuspb/commonv1"
	"github.com/iamkit/iamkit/internal/redact"
	"github.com/iamkit/iamkit/internal/telemetry"
	"github.com/iamkit/iamkit/internal/version"
)

// DefaultDomain is the domain of the Nebius API that service hosts are
// formed from: {service}.api.nebius.cloud:443.
const DefaultDomain = "api.nebius.cloud"

// EnvEndpoint names the environment variable that overrides the domain, as
// for the Nebius CLI and Go SDK.
const EnvEndpoint = "NEBIUS_ENDPOINT"

// ServiceName is the Nebius API service name (api_service_name) of both
// AccessKeyService v2 and AuthPublicKeyService: their host is
// cpl.iam.<domain>.
const ServiceName = "cpl.iam"

// TokenExchangeServiceName is the Nebius API service name of
// nebius.iam.v1.TokenExchangeService: its host is tokens.iam.<domain>.
const TokenExchangeServiceName = "tokens.iam"

// Metadata keys (gRPC headers) the clients send and read.
const (
	headerIdempotencyKey = "x-idempotency-key"
	headerResetMask      = "x-resetmask"
	headerRequestID      = "x-request-id"
	headerAuthorization  = "authorization"
)

// Options configures a [Client]. [New] applies its defaults to its own
// copy; fields left zero get the defaults their docs name.
type Options struct {
	// ProjectID is the default parent (metadata.parent_id) of created keys
	// and of List calls, such as "project-e00…". Requests that name their
	// own ParentID override it.
	ProjectID string

	// Domain is the API domain service hosts are formed from; default
	// $NEBIUS_ENDPOINT, then DefaultDomain. ":443" is added when it has
	// no port; a value that is not a host[:port] is refused.
	Domain string

	// Address, when set, is the "host:port" of the cpl.iam service (both
	// AccessKeyService and AuthPublicKeyService, and the OperationService
	// that polls their operations), overriding the domain rule.
	Address string

	// TokenExchangeAddress, when set, is the "host:port" of the tokens.iam
	// service (TokenExchangeService, used by [NewTokenExchanger] and
	// [ServiceAccountTokens]), overriding the domain rule. With Address, every
	// endpoint can be given without name resolution (tests, emulators).
	TokenExchangeAddress string

	// Plaintext connects without TLS. It is accepted only for loopback
	// addresses (localhost, 127.0.0.0/8, ::1), such as the nebiustest
	// emulator; New refuses it for any other address, so that a bearer
	// token (or a signed JWT) never crosses a network in clear, and
	// together with TLSConfig.
	Plaintext bool

	// TLSConfig is the TLS configuration; nil means the system roots.
	TLSConfig *tls.Config

	// MaxAttempts is how many times a call is tried in all when the service
	// answers UNAVAILABLE or RESOURCE_EXHAUSTED (or a ServiceError says the
	// call may be retried); default 4, 1 disables retries, a negative
	// value is refused.
	MaxAttempts int
	// BaseDelay and MaxDelay bound the full-jitter exponential backoff
	// between attempts, waited on Clock; defaults 100ms and 5s (negative
	// values are refused).
	BaseDelay, MaxDelay time.Duration

	// AttemptTimeout bounds one attempt (one RPC) of a call, as the REST
	// clients' attempts are bounded; default httpx.DefaultAttemptTimeout
	// (30s). The caller's context still bounds the whole call, and an
	// earlier caller deadline wins. An attempt that times out is retried
	// like UNAVAILABLE (every call is safe to retry: reads, and mutations
	// under their idempotency key), and the call then fails with
	// iam.ErrUnavailable: a stalled server holds a call at most about
	// MaxAttempts × AttemptTimeout plus the backoff, even without a caller
	// deadline. A negative value disables it. Being a gRPC deadline, it
	// runs on real time, not on Clock.
	AttemptTimeout time.Duration

	// PollInterval is the first delay between two OperationService/Get
	// calls while waiting for an operation; it doubles up to
	// MaxPollInterval. Defaults 250ms and 5s (negative values are
	// refused). The waits run on Clock.
	PollInterval, MaxPollInterval time.Duration

	// Clock is the time source of backoff, polling and expiry checks;
	// nil means the system clock.
	Clock iam.Clock

	// Logger receives debug records of retries (call, code, attempt);
	// never tokens, secrets or message bodies. Default: discard.
	Logger *slog.Logger

	// UserAgent is appended to iamkit's User-Agent (the rule of the iam
	// package, # User-Agent); a control character in it is refused.
	UserAgent string

	// DialOptions are appended to the options New dials with. The target
	// is passthrough: a WithContextDialer gets "host:port" before any
	// name is resolved.
	DialOptions []grpc.DialOption

	// TracerProvider receives a span per call (and per token exchange of
	// a [TokenExchanger]) and MeterProvider the call metrics; nil means
	// the global ones (otel.GetTracerProvider, otel.GetMeterProvider:
	// no-ops unless the program installs an SDK). See package iam,
	// # Telemetry.
	TracerProvider trace.TracerProvider
	MeterProvider  metric.MeterProvider
	// PropagateTraceContext sends the W3C trace context (traceparent,
	// tracestate metadata) of each call's span to the API. Default false:
	// trace IDs stay inside the program (package iam, # Telemetry).
	PropagateTraceContext bool
}

// Client is a connection to the Nebius IAM control plane (cpl.iam) with the
// typed clients that use it. Make one with [New] and Close it when done.
type Client struct {
	conn       *grpc.ClientConn
	tokens     oauth2.TokenSource
	opts       Options
	clk        clock.Clock
	log        *slog.Logger
	accessKeys *AccessKeys
	authKeys   *AuthPublicKeys
	operations *Operations

	// calls records a span and metric points per call; target is the
	// host:port they go to.
	calls  *telemetry.Calls
	target string
}

// validate refuses options that cannot work, with an error naming the
// option; New calls it on its own copy, before the defaults.
func (o *Options) validate() error {
	switch {
	case o.MaxAttempts < 0:
		return fmt.Errorf("nebius: option MaxAttempts %d is negative", o.MaxAttempts)
	case o.BaseDelay < 0:
		return fmt.Errorf("nebius: option BaseDelay %v is negative", o.BaseDelay)
	case o.MaxDelay < 0:
		return fmt.Errorf("nebius: option MaxDelay %v is negative", o.MaxDelay)
	case o.PollInterval < 0:
		return fmt.Errorf("nebius: option PollInterval %v is negative", o.PollInterval)
	case o.MaxPollInterval < 0:
		return fmt.Errorf("nebius: option MaxPollInterval %v is negative", o.MaxPollInterval)
	}
	if o.Domain != "" {
		if _, err := hostPortOf(o.Domain); err != nil {
			return fmt.Errorf("nebius: option Domain %q is not an API domain: %v", o.Domain, err)
		}
	}
	if strings.ContainsFunc(o.UserAgent, unicode.IsControl) {
		return fmt.Errorf("nebius: option UserAgent %q contains a control character", o.UserAgent)
	}
	if o.Plaintext && o.TLSConfig != nil {
		return errors.New("nebius: options Plaintext and TLSConfig are both set: choose one")
	}
	for _, a := range []struct{ name, addr string }{{"Address", o.Address}, {"TokenExchangeAddress", o.TokenExchangeAddress}} {
		if a.addr == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(a.addr); err != nil {
			return fmt.Errorf("nebius: option %s %q must be host:port: %w", a.name, a.addr, err)
		}
		if strings.Contains(a.addr, "/") {
			return fmt.Errorf("nebius: option %s %q must be host:port, without a scheme or path", a.name, a.addr)
		}
	}
	return nil
}

// setDefaults fills what the options leave zero; New calls it on its own
// copy, never on what the caller passed.
func (o *Options) setDefaults() {
	if o.MaxAttempts == 0 {
		o.MaxAttempts = 4
	}
	if o.BaseDelay == 0 {
		o.BaseDelay = 100 * time.Millisecond
	}
	if o.MaxDelay == 0 {
		o.MaxDelay = 5 * time.Second
	}
	if o.AttemptTimeout == 0 {
		o.AttemptTimeout = httpx.DefaultAttemptTimeout
	}
	if o.PollInterval == 0 {
		o.PollInterval = 250 * time.Millisecond
	}
	if o.MaxPollInterval == 0 {
		o.MaxPollInterval = 5 * time.Second
	}
	o.UserAgent = version.UserAgent(o.UserAgent)
	o.DialOptions = slices.Clone(o.DialOptions)
	o.Clock = clock.Or(o.Clock)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// New returns a Client that authenticates with the bearer tokens of tokens
// (typically the auth cache made by nebiusauth.ServiceAccount). It does not
// dial: the connection is made on the first call. It checks the options
// (an error names the option) and skips nil option functions.
func New(tokens oauth2.TokenSource, optFns ...func(*Options)) (*Client, error) {
	if tokens == nil {
		return nil, errors.New("nebius: New: a token source is required")
	}
	var o Options
	for _, fn := range optFns {
		if fn != nil {
			fn(&o)
		}
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	o.setDefaults()
	addr, err := resolveAddress(o.Address, o.Domain, ServiceName)
	if err != nil {
		return nil, err
	}
	o.Address = addr
	conn, err := dial("New", addr, &o)
	if err != nil {
		return nil, err
	}
	c := &Client{
		conn:   conn,
		tokens: tokens,
		opts:   o,
		clk:    o.Clock,
		log:    o.Logger,
		calls:  newCalls(&o),
		target: addr,
	}
	c.operations = &Operations{c: c}
	c.accessKeys = &AccessKeys{c: c}
	c.authKeys = &AuthPublicKeys{c: c}
	return c, nil
}

// newCalls returns the telemetry of a client or exchanger made with o.
func newCalls(o *Options) *telemetry.Calls {
	return telemetry.NewCalls(telemetry.CallsOptions{Scope: "iam/nebius", Provider: iam.Nebius,
		TracerProvider: o.TracerProvider, MeterProvider: o.MeterProvider, Propagate: o.PropagateTraceContext})
}

// dial makes the gRPC client connection to addr with the options' transport
// security (TLS, or plaintext to a loopback address only), User-Agent and
// dial options. It does not connect.
func dial(op, addr string, o *Options) (*grpc.ClientConn, error) {
	var creds credentials.TransportCredentials
	if o.Plaintext {
		if !loopback.IsAddr(addr) {
			return nil, fmt.Errorf("nebius: %s: plaintext is allowed only for loopback addresses, not %q: use TLS", op, addr)
		}
		creds = insecure.NewCredentials()
	} else {
		cfg := o.TLSConfig
		if cfg == nil {
			cfg = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		creds = credentials.NewTLS(cfg)
	}
	dialOpts := append([]grpc.DialOption{
		grpc.WithTransportCredentials(creds),
		grpc.WithUserAgent(o.UserAgent),
	}, o.DialOptions...)
	// passthrough: gRPC resolves no name; the dialer (a DialOptions'
	// WithContextDialer, the default net.Dialer otherwise) gets host:port
	// as it is, so that a dialer sees every name before it is looked up.
	conn, err := grpc.NewClient("passthrough:///"+addr, dialOpts...)
	if err != nil {
		return nil, fmt.Errorf("nebius: %s: %w", op, err)
	}
	return conn, nil
}

// AccessKeys returns the client of nebius.iam.v2.AccessKeyService.
func (c *Client) AccessKeys() *AccessKeys { return c.accessKeys }

// AuthPublicKeys returns the client of nebius.iam.v1.AuthPublicKeyService.
func (c *Client) AuthPublicKeys() *AuthPublicKeys { return c.authKeys }

// Operations returns the client of nebius.common.v1.OperationService on the
// same host, which waits for the operations the other two start.
func (c *Client) Operations() *Operations { return c.operations }

// Address returns the "host:port" the client connects to.
func (c *Client) Address() string { return c.opts.Address }

// ProjectID returns the configured default parent ID.
func (c *Client) ProjectID() string { return c.opts.ProjectID }

// Close closes the connection. Calls in flight fail.
func (c *Client) Close() error { return c.conn.Close() }

// resolveAddress applies the endpoint rules for service ("cpl.iam",
// "tokens.iam"): an explicit address wins, then <service>.<domain> with
// domain from the option, $NEBIUS_ENDPOINT or the default, with ":443"
// added when no port is given. One domain so moves every service.
func resolveAddress(address, domain, service string) (string, error) {
	if address != "" {
		return address, nil // checked by Options.validate
	}
	from := "option Domain"
	if domain == "" {
		domain, from = strings.TrimSpace(os.Getenv(EnvEndpoint)), "$"+EnvEndpoint
	}
	if domain == "" {
		domain = DefaultDomain
	}
	d, err := hostPortOf(domain)
	if err != nil {
		return "", fmt.Errorf("nebius: %s %q is not an API domain: %v", from, domain, err)
	}
	return service + "." + d, nil
}

// hostPortOf returns domain as host:port (":443" added when it has no
// port), tolerating a URL-ish value such as "https://api.nebius.cloud/".
func hostPortOf(domain string) (string, error) {
	d := strings.TrimPrefix(strings.TrimPrefix(domain, "https://"), "http://")
	d = strings.TrimSuffix(d, "/")
	if d == "" || strings.ContainsAny(d, "/ ") || strings.ContainsFunc(d, unicode.IsControl) {
		return "", errors.New("want a host[:port] such as api.nebius.cloud")
	}
	if _, _, err := net.SplitHostPort(d); err != nil {
		d = net.JoinHostPort(d, "443")
	}
	return d, nil
}

// call describes one RPC for invoke.
type call struct {
	op        string // "AccessKeyService/Create", for errors and logs
	telOp     string // iamkit.operation when not op ("TokenExchange", as over HTTP)
	method    string // full gRPC method name
	mutating  bool   // sends X-Idempotency-Key
	resetMask string // X-ResetMask, for Update
	// build, when set, makes the request before every attempt (the token
	// exchange signs a new JWT for each), and returns the secrets it holds,
	// to be scrubbed from error text; the req given to invoke is then
	// ignored.
	build func() (req any, secrets []string, err error)
}

// invoke performs one RPC with authentication, idempotency key, retries and
// error mapping. Every attempt of a mutating call carries the same key.
func (c *Client) invoke(ctx context.Context, cl call, req, resp any) error {
	_, err := c.invokeTok(ctx, cl, req, resp)
	return err
}

// invokeTok is invoke that also returns the bearer token it used last, for
// scrubbing it from text in the response (operation status messages). The
// call is recorded as a span and metric points.
func (c *Client) invokeTok(ctx context.Context, cl call, req, resp any) (string, error) {
	telOp := cl.op
	if cl.telOp != "" {
		telOp = cl.telOp
	}
	ctx, tc := c.calls.StartRPC(ctx, telOp, cl.method, c.target)
	tok, err := c.invokeCall(ctx, tc, cl, req, resp)
	if tc.Recording() {
		tc.SetResourceID(callResourceID(req, resp))
	}
	tc.End(err)
	return tok, err
}

// callResourceID returns the ID of the resource a call acts on: the
// request's id, else the answer's (an operation's resource, a resource's
// metadata).
func callResourceID(req, resp any) string {
	if r, ok := req.(interface{ GetId() string }); ok && r.GetId() != "" {
		return r.GetId()
	}
	switch r := resp.(type) {
	case interface{ GetResourceId() string }:
		return r.GetResourceId()
	case interface {
		GetMetadata() *commonv1.ResourceMetadata
	}:
		return r.GetMetadata().GetId()
	}
	return ""
}

// invokeCall is invokeTok without the span; tc counts the attempts and
// takes the request ID of a successful answer.
func (c *Client) invokeCall(ctx context.Context, tc *telemetry.Call, cl call, req, resp any) (string, error) {
	// Metadata the caller put on ctx is kept; a caller that wants its own
	// idempotency key (to retry a Create across process restarts) sets
	// X-Idempotency-Key there.
	md, _ := metadata.FromOutgoingContext(ctx)
	md = md.Copy()
	if cl.mutating && len(md.Get(headerIdempotencyKey)) == 0 {
		md.Set(headerIdempotencyKey, uuid.NewString())
	}
	if cl.resetMask != "" {
		md.Set(headerResetMask, cl.resetMask)
	}
	var header metadata.MD
	for attempt := 1; ; attempt++ {
		header = nil
		var secrets []string
		if cl.build != nil {
			r, sec, err := cl.build()
			if err != nil {
				return "", &iam.Error{Provider: iam.Nebius, Op: cl.op, Message: "could not make the request",
					Kind: iam.ErrUnauthenticated, Err: redact.Error(err, sec...)}
			}
			req, secrets = r, sec
		}
		tok, timedOut, err := c.invokeAuthed(ctx, tc, cl, md, req, resp, &header)
		if err == nil {
			if v := header.Get(headerRequestID); len(v) > 0 && tc.Recording() {
				tc.SetRequestID(redact.RequestID(v[0], append(secrets, tok)...))
			}
			return tok, nil
		}
		secrets = append(secrets, tok)
		st, _ := status.FromError(err)
		retry, why := retryable(ctx, st)
		if timedOut {
			retry, why = true, "attempt timeout"
		}
		if !retry || attempt >= c.opts.MaxAttempts {
			return tok, c.callError(ctx, cl.op, err, header, secrets, timedOut)
		}
		tc.Retrying()
		d := backoff.Full(c.opts.BaseDelay, c.opts.MaxDelay, attempt)
		c.log.DebugContext(ctx, "nebius: retrying call", "op", cl.op, "code", st.Code().String(), "reason", why, "attempt", attempt, "delay", d)
		if serr := clock.Sleep(ctx, c.clk, d); serr != nil {
			// Report what the service said last, and that the caller's
			// context ended the retries.
			out := c.callError(ctx, cl.op, err, header, secrets, timedOut).(*iam.Error)
			out.Err = serr
			return tok, out
		}
	}
}

// callError is mapError for the last attempt of a call, told apart by who
// ended it: an attempt that ran out of AttemptTimeout is the service not
// answering (iam.ErrUnavailable, and not a context error the caller would
// take for its own); a call that the caller's own context ended (also
// while it waited for a token) matches that context's error only, as with
// the REST clients.
func (c *Client) callError(ctx context.Context, op string, err error, header metadata.MD, secrets []string, timedOut bool) error {
	mapped := c.mapError(op, err, header, secrets...)
	out, ok := mapped.(*iam.Error)
	var te *tokenError
	if ok && errors.As(err, &te) && contextErr(ctx) != nil &&
		(errors.Is(te.err, context.Canceled) || errors.Is(te.err, context.DeadlineExceeded)) {
		// The caller's context ended the wait for a token: that is the
		// context's error, not bad credentials (as with the REST clients).
		out.Kind = nil
		return out
	}
	st, isStatus := status.FromError(err)
	if !ok || !isStatus {
		return mapped
	}
	switch {
	case timedOut:
		out.Kind = iam.ErrUnavailable
		out.Message = fmt.Sprintf("no answer within the attempt timeout of %s", c.opts.AttemptTimeout)
		out.Err = nil
	case (st.Code() == codes.DeadlineExceeded || st.Code() == codes.Canceled) && contextErr(ctx) != nil:
		out.Kind = nil
		out.Message = "" // the context error says it
		out.Err = contextErr(ctx)
	}
	return out
}

// contextErr is ctx.Err(), also when ctx's deadline has passed and its
// timer has not fired yet.
func contextErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
		return context.DeadlineExceeded
	}
	return nil
}

// invokeAuthed makes one attempt with a bearer token; when the service says
// UNAUTHENTICATED, it reports that token to the source and tries once more
// with a fresh, different one (auth.RetryOnRejection). Each RPC is bounded
// by AttemptTimeout.
// It returns the token it used last, to be scrubbed from error text, and
// whether the last RPC failed because AttemptTimeout ran out (while the
// caller's context had not ended).
func (c *Client) invokeAuthed(ctx context.Context, tc *telemetry.Call, cl call, md metadata.MD, req, resp any, header *metadata.MD) (string, bool, error) {
	if c.tokens == nil {
		// The token exchange: no bearer token.
		timedOut, err := c.invokeOnce(ctx, tc, cl, md, "", req, resp, header)
		return "", timedOut, err
	}
	var (
		last     string
		timedOut bool
		rpcErr   error
		tries    int
	)
	err := auth.RetryOnRejection(ctx, c.tokens, func(tok auth.Token) bool {
		if tries++; tries > 1 {
			c.log.DebugContext(ctx, "nebius: token rejected, retrying with a fresh one", "op", cl.op)
			tc.Retrying()
		}
		last = tok.Value.Reveal()
		timedOut, rpcErr = c.invokeOnce(ctx, tc, cl, md, last, req, resp, header)
		return status.Code(rpcErr) == codes.Unauthenticated
	})
	if err != nil {
		return "", false, &tokenError{err}
	}
	return last, timedOut, rpcErr
}

// invokeOnce makes one RPC with bearer token tok, bounded by
// AttemptTimeout, and reports whether it failed because AttemptTimeout
// ran out.
func (c *Client) invokeOnce(ctx context.Context, tc *telemetry.Call, cl call, md metadata.MD, tok string, req, resp any, header *metadata.MD) (bool, error) {
	out := md.Copy()
	if tok != "" {
		out.Set(headerAuthorization, "Bearer "+tok)
	}
	c.calls.Inject(ctx, mdCarrier(out))
	cctx := metadata.NewOutgoingContext(ctx, out)
	cancel := func() {}
	var attemptDeadline time.Time // zero unless AttemptTimeout sets this RPC's deadline
	if c.opts.AttemptTimeout > 0 {
		dl := time.Now().Add(c.opts.AttemptTimeout)
		if cdl, ok := ctx.Deadline(); !ok || dl.Before(cdl) {
			attemptDeadline = dl
			cctx, cancel = context.WithDeadline(cctx, dl)
		}
	}
	err := c.conn.Invoke(cctx, cl.method, req, resp, grpc.Header(header))
	cancel()
	tc.Attempt(0, telemetry.GRPCCodeName(int(status.Code(err))), err, false)
	// The deadline is compared with the time rather than taken from
	// cctx.Err(): gRPC may report DEADLINE_EXCEEDED (the server's reset of
	// the stream) before the context's own timer has fired.
	timedOut := err != nil && !attemptDeadline.IsZero() && status.Code(err) == codes.DeadlineExceeded &&
		!time.Now().Before(attemptDeadline)
	return timedOut, err
}

// mdCarrier lets the W3C propagator write into outgoing gRPC metadata.
type mdCarrier metadata.MD

func (m mdCarrier) Get(key string) string {
	if v := metadata.MD(m).Get(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

func (m mdCarrier) Set(key, value string) { metadata.MD(m).Set(key, value) }

func (m mdCarrier) Keys() []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// tokenError is a failure to get a bearer token, before any RPC.
type tokenError struct{ err error }

func (e *tokenError) Error() string { return "get access token: " + e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

// retryable decides whether a failed attempt may be tried again: the
// ServiceError's retry_type when the service sent one (CALL yes; NOTHING and
// UNIT_OF_WORK no), else the gRPC code (UNAVAILABLE, RESOURCE_EXHAUSTED,
// and UNKNOWN from a 52x proxy answer).
// A cancelled or expired context is never retried.
func retryable(ctx context.Context, st *status.Status) (bool, string) {
	if ctx.Err() != nil {
		return false, ""
	}
	if se := serviceErrorOf(st); se != nil {
		switch se.GetRetryType().String() {
		case "CALL":
			return true, "retry_type CALL"
		case "NOTHING", "UNIT_OF_WORK":
			return false, ""
		}
	}
	switch st.Code() {
	case codes.Unavailable, codes.ResourceExhausted:
		return true, st.Code().String()
	case codes.Unknown:
		// A proxy in front of the API (Cloudflare 520–529) answered
		// instead of the service; the Go SDK retries these too.
		if strings.Contains(st.Message(), "unexpected HTTP status code received from server: 52") {
			return true, "proxy 52x"
		}
	}
	return false, ""
}
