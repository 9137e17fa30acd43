package outscale

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/clock"
	"github.com/iamkit/iamkit/internal/dialerr"
	"github.com/iamkit/iamkit/internal/httpx"
	"github.com/iamkit/iamkit/internal/safeprint"
	"github.com/iamkit/iamkit/internal/telemetry"
)

// SigningService is the service name in the SigV4 credential scope. The
// gateway seems not to check it (OUTSCALE's own clients ship with "oapi"
// (osc-sdk-go v2, terraform-provider-outscale), "osc" (osc-sdk-go v3) and
// "api" (osc-sdk-python, as the docs page "About Signatures of API
// Requests" shows)), so iamkit uses "oapi", as the terraform provider did
// in production.
const SigningService = "oapi"

// oscDateFormat is the X-Osc-Date layout sent with login/password.
const oscDateFormat = "20060102T150405Z"

// basicAuthCalls are the calls that accept login/password (BasicAuth) in
// API 1.40.1 (the OSC API OpenAPI spec, outscale.yaml, paths.*.post.security),
// among those this client offers. CheckAuthentication is not one of them.
var basicAuthCalls = map[string]bool{
	"CreateAccessKey":       true,
	"ReadAccessKeys":        true,
	"UpdateAccessKey":       true,
	"DeleteAccessKey":       true,
	"ReadApiAccessPolicy":   true,
	"UpdateApiAccessPolicy": true,
}

// BasicAuthAllowed reports whether the OSC API accepts login/password
// authentication for call (paths.*.post.security of the OSC API spec,
// API 1.40.1).
func BasicAuthAllowed(call string) bool {
	switch call {
	case "CreateApiAccessRule", "ReadApiAccessRules", "UpdateApiAccessRule", "DeleteApiAccessRule",
		"CreateCa", "ReadCas", "UpdateCa", "DeleteCa":
		return true
	}
	return basicAuthCalls[call]
}

// Options configure a [Client]. Fields left zero come from Profile (if
// set); fields set here win over it.
type Options struct {
	// Profile is a configuration from [LoadProfile] (config file and
	// environment). Options set below override it.
	Profile *Profile

	// Region is the OUTSCALE region; it picks the endpoint and is signed
	// into the SigV4 scope. Default: the profile's, else eu-west-2.
	Region string
	// Endpoint is the API base URL (e.g. an emulator's URL); default:
	// https://api.<Region>.outscale.com/api/v1. Required for a region not
	// in [Regions].
	Endpoint string

	// AccessKey and SecretKey sign requests with SigV4. Set both or
	// neither; they take precedence over Login and Password.
	AccessKey string
	SecretKey iam.Secret
	// Login and Password authenticate with "Authorization: Basic" plus
	// X-Osc-Date, on the calls that allow it.
	Login    string
	Password iam.Secret

	// ClientCertificate is presented to the server (mTLS), for accounts
	// whose API access rules require one. Default: the profile's
	// x509_client_cert/x509_client_key.
	ClientCertificate *tls.Certificate
	// RootCAs verifies the server (default: the system pool).
	RootCAs *x509.CertPool
	// HTTPClient replaces the HTTP client entirely; the TLS options above
	// must then be empty (configure them on its transport).
	HTTPClient *http.Client

	// MaxAttempts, BaseDelay and MaxDelay tune retries (defaults 4, 100ms,
	// 5s; negative values are refused): of throttled (429, 503) and refused
	// requests for every call, and of other transport errors and
	// 500/502/504 for reads and updates. 401 is never retried: four bad
	// signatures in a row lock the account.
	MaxAttempts         int
	BaseDelay, MaxDelay time.Duration
	// AttemptTimeout bounds one attempt (one HTTP request and its answer)
	// of a call: default httpx.DefaultAttemptTimeout (30s), or
	// HTTPClient.Timeout when HTTPClient sets one; negative: no bound but
	// the caller's context. The caller's context still bounds the whole
	// call, and an earlier caller deadline wins. An attempt that times out
	// is retried like another transport error (reads and updates only), so
	// a stalled server holds a call without a caller deadline at most
	// about MaxAttempts × AttemptTimeout plus the backoff; the call then
	// fails with iam.ErrUnavailable. Being network time, it runs on real
	// time, not on Clock.
	AttemptTimeout time.Duration
	// Clock gives the signing time, "now" for expiry checks and the retry
	// waits (default: the system clock).
	Clock iam.Clock
	// Logger receives debug records of requests; never secrets or bodies.
	Logger *slog.Logger
	// UserAgent is appended to iamkit's own "iamkit/<version>" in the
	// User-Agent header, as in every iamkit client (see package iam).
	UserAgent string
	// TracerProvider receives a span per API call and MeterProvider the
	// call metrics; nil means the global ones (otel.GetTracerProvider,
	// otel.GetMeterProvider: no-ops unless the program installs an SDK).
	// See package iam, # Telemetry.
	TracerProvider trace.TracerProvider
	MeterProvider  metric.MeterProvider
	// PropagateTraceContext sends the W3C trace context (traceparent,
	// tracestate) of each call's span to the API, signed with the request.
	// Default false: trace IDs stay inside the program (package iam,
	// # Telemetry).
	PropagateTraceContext bool
}

// validate checks the options that do not depend on the profile: the
// retry tuning. (The credentials, region, endpoint, client certificate and
// the HTTPClient/TLS exclusion are checked by New with the merged
// profile.)
func (o *Options) validate() error {
	switch {
	case o.MaxAttempts < 0:
		return fmt.Errorf("outscale: option MaxAttempts %d is negative", o.MaxAttempts)
	case o.BaseDelay < 0:
		return fmt.Errorf("outscale: option BaseDelay %v is negative", o.BaseDelay)
	case o.MaxDelay < 0:
		return fmt.Errorf("outscale: option MaxDelay %v is negative", o.MaxDelay)
	}
	return nil
}

// setDefaults fills what the options leave zero and the client needs
// itself; retry defaults are httpx's. It is called on New's own copy.
func (o *Options) setDefaults() {
	o.Clock = clock.Or(o.Clock)
	if o.AttemptTimeout == 0 {
		o.AttemptTimeout = httpx.DefaultAttemptTimeout
		if o.HTTPClient != nil && o.HTTPClient.Timeout > 0 {
			o.AttemptTimeout = o.HTTPClient.Timeout
		}
	}
}

// WithProfile returns an option that applies p (from [LoadProfile]).
func WithProfile(p *Profile) func(*Options) {
	return func(o *Options) { o.Profile = p }
}

// Client calls the OUTSCALE API's access-key and API-access-policy calls,
// through its sub-clients [Client.AccessKeys] and [Client.APIAccessPolicy],
// and CheckAuthentication. [NewKeyManager] wraps it as an [iam.KeyManager].
type Client struct {
	base   string
	region string
	clock  clock.Clock
	http   *httpx.Client
	header http.Header
	ownTr  *http.Transport // closed by Close; nil if the caller gave HTTPClient

	accessKeys *AccessKeys
	policy     *APIAccessPolicyClient

	// SigV4
	accessKey string
	signer    requestSigner // nil with login/password
	// Basic
	basic iam.Secret // "Basic base64(login:password)"

	// secrets are the plaintexts scrubbed from error text, sealed so that
	// reflection over a Client shows an address, not them.
	secrets *safeprint.Sealed[[]string]

	calls *telemetry.Calls
}

// New returns a client. It validates the configuration (credentials in
// pairs, region or endpoint, client certificate with its key, retry
// tuning) and returns an error naming the field and where it came from,
// before any request. Nil option functions are skipped.
func New(optFns ...func(*Options)) (*Client, error) {
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
	p := mergeProfile(&o)
	if err := p.validate(); err != nil {
		return nil, err
	}
	c := &Client{
		region: p.Region,
		clock:  o.Clock,
		// Only Content-Type: the API answers JSON whatever Accept says,
		// and every extra header costs work on each signed attempt.
		header: http.Header{"Content-Type": {"application/json"}},
	}
	if p.Endpoint != "" {
		c.base = p.Endpoint
	} else {
		c.base, _ = Endpoint(p.Region) // validated above
	}
	switch {
	case p.AccessKey != "":
		c.accessKey = p.AccessKey
		c.signer = newSigV4(p.AccessKey, p.SecretKey, p.Region, SigningService, c.base)
		c.secrets = safeprint.Seal(&[]string{p.SecretKey.Reveal()})
	case p.Login != "":
		if err := checkBasicAuthTransport(c.base); err != nil {
			return nil, err
		}
		c.basic = iam.NewSecret("Basic " + base64.StdEncoding.EncodeToString([]byte(p.Login+":"+p.Password.Reveal())))
		c.secrets = safeprint.Seal(&[]string{p.Password.Reveal(), c.basic.Reveal(), strings.TrimPrefix(c.basic.Reveal(), "Basic ")})
	default:
		return nil, errors.New("outscale: no credentials: set an access key and secret key (access_key/secret_key, OSC_ACCESS_KEY/OSC_SECRET_KEY) or a login and password")
	}

	hc := o.HTTPClient
	cert := o.ClientCertificate
	if cert == nil {
		var err error
		if cert, err = p.clientCertificate(); err != nil {
			return nil, err
		}
	}
	if hc != nil && (cert != nil || o.RootCAs != nil || p.TLSSkipVerify) {
		return nil, errors.New("outscale: HTTPClient is set: configure the client certificate, RootCAs and TLS verification on its transport instead")
	}
	if hc == nil && (cert != nil || o.RootCAs != nil || p.TLSSkipVerify) {
		// No timeout of its own on this transport or client: the attempt
		// timeout (Options.AttemptTimeout, passed to httpx) bounds each
		// attempt whole.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 16
		tr.TLSClientConfig = &tls.Config{
			MinVersion:         tls.VersionTLS12,
			RootCAs:            o.RootCAs,
			InsecureSkipVerify: p.TLSSkipVerify, //nolint:gosec // opt-in via tls_skip_verify, for test endpoints
		}
		if cert != nil {
			tr.TLSClientConfig.Certificates = []tls.Certificate{*cert}
		}
		c.ownTr = tr
		hc = &http.Client{
			Transport: tr,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		}
	}
	c.accessKeys = &AccessKeys{c: c}
	c.policy = &APIAccessPolicyClient{c: c}
	c.calls = telemetry.NewCalls(telemetry.CallsOptions{Scope: "iam/outscale", Provider: iam.Outscale,
		TracerProvider: o.TracerProvider, MeterProvider: o.MeterProvider, Propagate: o.PropagateTraceContext})
	c.http = httpx.New(func(h *httpx.Options) {
		h.HTTPClient = hc
		h.MaxAttempts = o.MaxAttempts
		h.BaseDelay = o.BaseDelay
		h.MaxDelay = o.MaxDelay
		h.AttemptTimeout = o.AttemptTimeout
		h.Clock = o.Clock
		h.Logger = o.Logger
		h.UserAgent = o.UserAgent
	})
	return c, nil
}

// mergeProfile overlays the options on a copy of the profile. Credentials
// are taken in pairs: options that set either half of a pair replace the
// profile's pair.
func mergeProfile(o *Options) *Profile {
	var p Profile
	if o.Profile != nil {
		p = *o.Profile
		p.from = map[string]string{}
		for k, v := range o.Profile.from {
			p.from[k] = v
		}
	}
	opt := func(field string) { p.set(field, "options") }
	if o.Region != "" {
		p.Region = o.Region
		opt("region")
	}
	if o.Endpoint != "" {
		p.Endpoint = o.Endpoint
		opt("endpoints.api")
	}
	if o.AccessKey != "" || !o.SecretKey.IsZero() {
		p.AccessKey, p.SecretKey = o.AccessKey, o.SecretKey
		opt("access_key")
		opt("secret_key")
	}
	if o.Login != "" || !o.Password.IsZero() {
		p.Login, p.Password = o.Login, o.Password
		opt("login")
		opt("password")
	}
	if o.ClientCertificate != nil {
		p.X509ClientCert, p.X509ClientCertB64, p.X509ClientKey, p.X509ClientKeyB64 = "", "", "", iam.Secret{}
	}
	return &p
}

// clientCertificate loads the profile's client certificate, if any.
func (p *Profile) clientCertificate() (*tls.Certificate, error) {
	certPEM, certField, err := p.pemData("x509_client_cert", p.X509ClientCert, "x509_client_cert_b64", p.X509ClientCertB64)
	if err != nil || certPEM == nil {
		return nil, err
	}
	keyPEM, keyField, err := p.pemData("x509_client_key", p.X509ClientKey, "x509_client_key_b64", p.X509ClientKeyB64.Reveal())
	if err != nil {
		return nil, err
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("outscale: client certificate %s (from %s) and key %s (from %s) do not form a key pair: %v",
			certField, p.where(certField), keyField, p.where(keyField), err)
	}
	return &cert, nil
}

// pemData reads PEM from a file path or a base64 value (a value that is
// already PEM is accepted as is).
func (p *Profile) pemData(pathField, path, b64Field, b64 string) ([]byte, string, error) {
	switch {
	case path != "":
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, pathField, fmt.Errorf("outscale: %s (from %s): %w", pathField, p.where(pathField), err)
		}
		return data, pathField, nil
	case b64 != "":
		if strings.HasPrefix(strings.TrimSpace(b64), "-----BEGIN") {
			return []byte(b64), b64Field, nil
		}
		data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
		if err != nil {
			return nil, b64Field, fmt.Errorf("outscale: %s (from %s) is not valid base64", b64Field, p.where(b64Field))
		}
		return data, b64Field, nil
	}
	return nil, "", nil
}

// String describes the client (endpoint, region, auth method) without
// any credential, for %v and %+v.
func (c *Client) String() string {
	auth := "access key " + c.accessKey
	if c.signer == nil {
		auth = "login/password"
	}
	return "outscale.Client{" + c.base + ", region " + c.region + ", " + auth + "}"
}

// GoString is [Client.String], for %#v.
func (c *Client) GoString() string { return c.String() }

// Region returns the region the client signs for.
func (c *Client) Region() string { return c.region }

// Endpoint returns the API base URL the client calls.
func (c *Client) Endpoint() string { return c.base }

// Close releases the idle connections of the transports the client made
// (its default pool, or the one for TLS options). It does not close a
// caller's HTTPClient.
func (c *Client) Close() error {
	if c.ownTr != nil {
		c.ownTr.CloseIdleConnections()
	}
	c.http.CloseIdleConnections() // httpx's own pool, when it made one
	return nil
}

// AccessKeys returns the sub-client of the access-key calls.
func (c *Client) AccessKeys() *AccessKeys { return c.accessKeys }

// APIAccessPolicy returns the sub-client of the API-access-policy calls.
func (c *Client) APIAccessPolicy() *APIAccessPolicyClient { return c.policy }

// emptyBody is the body of a call without parameters: the API's examples
// send {} (a missing body is UNCONFIRMED).
var emptyBody = []byte("{}")

// emptyBodyHash is the hex SHA-256 of emptyBody.
const emptyBodyHash = "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"

// CheckAuthentication checks a login/password pair. The request itself
// must be signed with an access key: the API refuses login/password
// authentication for this call, and so does the client, before sending.
//
// It is a method of Client rather than of a sub-client: it is the one call
// of the API's Account group that this client offers, and it checks
// credentials rather than managing a resource.
func (c *Client) CheckAuthentication(ctx context.Context, req CheckAuthenticationRequest) (*CheckAuthenticationResponse, error) {
	if req.Login == "" || req.Password.IsZero() {
		return nil, c.invalid("CheckAuthentication", "Login and Password are required")
	}
	var out CheckAuthenticationResponse
	wire := checkAuthenticationWire{DryRun: req.DryRun, Login: req.Login, Password: req.Password.Reveal()}
	err := c.callSecrets(ctx, "CheckAuthentication", wire, &out, req.Password.Reveal())
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (c *Client) invalid(op, format string, args ...any) *iam.Error {
	return &iam.Error{Provider: iam.Outscale, Op: op, Kind: iam.ErrInvalidArgument, Message: fmt.Sprintf(format, args...)}
}

func (c *Client) call(ctx context.Context, op string, in, out any) error {
	return c.callSecrets(ctx, op, in, out)
}

// callSecrets sends one call: JSON body (at least {}), signed before every
// attempt, retried only when the failure proves the request was not
// processed (429, 503, connection refused). It is recorded as a span and
// metric points.
func (c *Client) callSecrets(ctx context.Context, op string, in, out any, extraSecrets ...string) error {
	endpoint := c.base + "/" + op
	ctx, tc := c.calls.StartHTTP(ctx, op, http.MethodPost, endpoint)
	body, err := c.send(ctx, tc, op, endpoint, in, out, extraSecrets)
	if tc.Recording() {
		ids := callIDs(in, body)
		tc.SetResourceID(ids.resourceID())
		tc.SetRequestID(cleanID(ids.ResponseContext.RequestID, c.scrubList()))
	}
	tc.End(err)
	return err
}

// callIDsWire is what a call's telemetry reads from its request (the key it
// acts on) and its answer (the key it created, the request ID).
type callIDsWire struct {
	AccessKeyID string `json:"AccessKeyId"`
	AccessKey   *struct {
		AccessKeyID string `json:"AccessKeyId"`
	} `json:"AccessKey"`
	ResponseContext ResponseContext `json:"ResponseContext"`
}

func (w *callIDsWire) resourceID() string {
	if w.AccessKeyID != "" {
		return w.AccessKeyID
	}
	if w.AccessKey != nil {
		return w.AccessKey.AccessKeyID
	}
	return ""
}

// callIDs reads the IDs of a call for its span: the request's AccessKeyId,
// else the answer's AccessKey.AccessKeyId, and the answer's request ID.
// Only those fields are decoded (never a secret or password).
func callIDs(in any, answer []byte) callIDsWire {
	var ids, req callIDsWire
	if len(answer) > 0 {
		_ = json.Unmarshal(answer, &ids)
	}
	switch r := in.(type) {
	case UpdateAccessKeyRequest:
		req.AccessKeyID = r.AccessKeyID
	case *UpdateAccessKeyRequest:
		req.AccessKeyID = r.AccessKeyID
	case DeleteAccessKeyRequest:
		req.AccessKeyID = r.AccessKeyID
	case *DeleteAccessKeyRequest:
		req.AccessKeyID = r.AccessKeyID
	case ReadAccessKeysRequest:
		if r.Filters != nil && len(r.Filters.AccessKeyIDs) == 1 {
			req.AccessKeyID = r.Filters.AccessKeyIDs[0]
		}
	}
	if req.AccessKeyID != "" {
		ids.AccessKeyID = req.AccessKeyID
	}
	return ids
}

// send is callSecrets without the span; it returns the answer's body (for
// the span's IDs) whatever its status. tc counts the attempts.
func (c *Client) send(ctx context.Context, tc *telemetry.Call, op, endpoint string, in, out any, extraSecrets []string) ([]byte, error) {
	if c.signer == nil && !basicAuthCalls[op] {
		return nil, &iam.Error{Provider: iam.Outscale, Op: op, Kind: iam.ErrInvalidArgument,
			Message: "login/password authentication is not allowed for " + op + " (the API answers code 9); use an access key"}
	}
	var body []byte
	var err error
	if in == nil {
		body = emptyBody
	} else if body, err = json.Marshal(in); err != nil {
		return nil, &iam.Error{Provider: iam.Outscale, Op: op, Kind: iam.ErrInvalidArgument, Message: "encoding request", Err: err}
	}
	secrets := c.scrubList()
	if len(extraSecrets) > 0 {
		secrets = append(append([]string(nil), secrets...), extraSecrets...)
	}
	header := c.header
	if c.calls.Propagating() {
		// Sent and signed with each attempt (SigV4 signs every header).
		header = header.Clone()
		c.calls.Inject(ctx, propagation.HeaderCarrier(header))
	}
	resp, err := c.http.Do(ctx, &httpx.Request{
		Op:      op,
		Method:  http.MethodPost,
		URL:     endpoint,
		Header:  header,
		Body:    body,
		Retry:   retryPolicy(op),
		Sign:    c.signFunc(body),
		Secrets: secrets,
		Observe: func(_, status int, err error, retrying bool) { tc.Attempt(status, "", err, retrying) },
	})
	if err != nil {
		e := &iam.Error{Provider: iam.Outscale, Op: op, Message: "request failed", Err: err}
		var se *signError
		switch {
		case errors.As(err, &se):
			// The credentials could not sign the request: the same
			// sentinel as a token source's failure in the other clients.
			e.Message, e.Kind = "signing the request failed", iam.ErrUnauthenticated
		case ctx.Err() == nil:
			e.Kind = iam.ErrUnavailable
		}
		return nil, e
	}
	if resp.StatusCode >= 300 {
		return resp.Body, decodeError(op, resp.StatusCode, resp.Header, resp.Body, secrets)
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		return resp.Body, &iam.Error{Provider: iam.Outscale, Op: op, HTTPStatus: resp.StatusCode, Kind: iam.ErrUnavailable,
			Message: "invalid response body: " + jsonErrText(err)}
	}
	return resp.Body, nil
}

// signFunc returns the hook httpx calls before every attempt: a fresh
// SigV4 signature (new X-Amz-Date, payload hash of the exact body, the
// client's real region), or Basic plus a fresh X-Osc-Date.
func (c *Client) signFunc(body []byte) func(*http.Request, []byte) error {
	if c.signer == nil {
		return func(r *http.Request, _ []byte) error {
			r.Header.Set("Authorization", c.basic.Reveal())
			r.Header.Set("X-Osc-Date", c.clock.Now().UTC().Format(oscDateFormat))
			return nil
		}
	}
	payloadHash := emptyBodyHash
	if string(body) != "{}" {
		sum := sha256.Sum256(body)
		payloadHash = hex.EncodeToString(sum[:])
	}
	return func(r *http.Request, _ []byte) error {
		r.Header.Del("Authorization")
		r.Header.Del("X-Amz-Date")
		if err := c.signer.sign(r, payloadHash, c.clock.Now()); err != nil {
			return &signError{err: err}
		}
		return nil
	}
}

// requestSigner signs a request for time now; payloadHash is the hex
// SHA-256 of its body. [*sigV4] is the one implementation.
type requestSigner interface {
	sign(r *http.Request, payloadHash string, now time.Time) error
}

// signError marks a failure of the SigV4 signer, so that the call reports
// it as an authentication failure, not an unavailable service.
type signError struct{ err error }

func (e *signError) Error() string { return "SigV4: " + e.err.Error() }
func (e *signError) Unwrap() error { return e.err }

// retryPolicy says which failures of a call may be retried. Every call is
// retried after 429, 503 and connection failures (not processed). Calls
// whose repetition changes nothing (reads, and updates that set absolute
// values) are also retried after other transport errors and 500/502/504.
// CreateAccessKey (a repeat would create a second key) and DeleteAccessKey
// (a repeat of a processed delete answers "not found") are not. A 401 is
// never retried by any policy.
func retryPolicy(op string) httpx.RetryPolicy {
	switch op {
	case "CreateAccessKey", "DeleteAccessKey":
		return httpx.RetryUnprocessed
	}
	return httpx.RetryIdempotent
}

// ambiguous marks a CreateAccessKey transport failure that may have
// happened after the request was sent.
func ambiguous(err error, tag string) error {
	var e *iam.Error
	if !errors.As(err, &e) || e.HTTPStatus != 0 || e.Err == nil || dialerr.Is(e.Err) {
		return err
	}
	msg := "the request may have created a key; it was not retried"
	if tag != "" {
		msg += fmt.Sprintf(": list keys with Tag %q to find it", tag)
	}
	e.Message = msg
	e.Kind = iam.ErrUnavailable
	e.Err = &OutcomeUnknownError{Tag: tag, Err: e.Err}
	return e
}

// plainPath reports whether the path of base consists of unreserved
// characters and slashes only.
func plainPath(base string) bool {
	u, err := url.Parse(base)
	if err != nil {
		return false
	}
	for _, c := range u.EscapedPath() {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '/', c == '-', c == '_', c == '.', c == '~':
		default:
			return false
		}
	}
	return true
}

// scrubList returns the client's own secrets, to be scrubbed from server text.
func (c *Client) scrubList() []string {
	if p := c.secrets.Get(); p != nil {
		return *p
	}
	return nil
}
