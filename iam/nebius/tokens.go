package nebius

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/nebiuspb/iamv1"
	"github.com/iamkit/iamkit/internal/telemetry"
)

// RFC 8693 values of the Nebius token exchange (nebius/api
// iam/v1/token_service.proto).
const (
	// GrantTypeTokenExchange is the grant_type of every exchange.
	GrantTypeTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
	// TokenTypeAccessToken is the token type of an access token: what an
	// exchange returns by default, and the type of an actor token that is
	// the caller's own access token.
	TokenTypeAccessToken = "urn:ietf:params:oauth:token-type:access_token"
	// TokenTypeJWT is the subject token type of a service account's signed
	// JWT (or of an external JWT given as an actor token).
	TokenTypeJWT = "urn:ietf:params:oauth:token-type:jwt"
	// TokenTypeSubjectIdentifier is the subject token type of a subject
	// named by its ID (a service account to impersonate, or the service
	// account of federated credentials), with an actor token.
	TokenTypeSubjectIdentifier = "urn:nebius:params:oauth:token-type:subject_identifier"
)

// maxExpiresIn bounds a server's expires_in (ten years), so that a wild
// value cannot overflow a time.Duration.
const maxExpiresIn = 10 * 365 * 24 * time.Hour

// ExchangeRequest is one RFC 8693 token exchange
// (nebius.iam.v1.ExchangeTokenRequest); grant_type is always
// GrantTypeTokenExchange.
type ExchangeRequest struct {
	// SubjectToken is the token exchanged (a signed JWT, or a subject
	// ID); required.
	SubjectToken iam.Secret
	// SubjectTokenType is its type (TokenTypeJWT,
	// TokenTypeSubjectIdentifier); required.
	SubjectTokenType string
	// RequestedTokenType is the type of the token asked for; default
	// TokenTypeAccessToken.
	RequestedTokenType string
	// ActorToken and ActorTokenType name who acts for the subject: the
	// caller's access token (TokenTypeAccessToken) to impersonate a
	// service account, or an external JWT (TokenTypeJWT) for federated
	// credentials. Optional.
	ActorToken     iam.Secret
	ActorTokenType string
	// Scopes, Audience and Resources are passed as they are; optional.
	Scopes    []string
	Audience  string
	Resources []string
}

// toPB checks the request and returns its wire form.
func (r *ExchangeRequest) toPB(op string) (*iamv1.ExchangeTokenRequest, error) {
	switch {
	case r.SubjectToken.IsZero() || r.SubjectToken.Reveal() == "":
		return nil, invalidArg(op, "SubjectToken is empty")
	case r.SubjectTokenType == "":
		return nil, invalidArg(op, "SubjectTokenType is empty")
	case r.ActorToken.IsZero() != (r.ActorTokenType == ""):
		return nil, invalidArg(op, "ActorToken and ActorTokenType go together")
	}
	return &iamv1.ExchangeTokenRequest{
		GrantType:          GrantTypeTokenExchange,
		RequestedTokenType: cmpOr(r.RequestedTokenType, TokenTypeAccessToken),
		SubjectToken:       r.SubjectToken.Reveal(),
		SubjectTokenType:   r.SubjectTokenType,
		Scopes:             r.Scopes,
		Audience:           r.Audience,
		ActorToken:         r.ActorToken.Reveal(),
		ActorTokenType:     r.ActorTokenType,
		Resource:           r.Resources,
	}, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// TokenExchanger is a client of nebius.iam.v1.TokenExchangeService/Exchange,
// the gRPC token exchange of the Nebius API on tokens.iam.<domain>:443,
// which the Nebius SDKs use. Its domain is the IAM client's
// (Options.Domain, else $NEBIUS_ENDPOINT, else DefaultDomain), so that one
// setting moves both; Options.TokenExchangeAddress names its host:port
// outright. Exchanges carry no bearer token.
//
// [TokenExchanger.ServiceAccount] is an auth.Exchanger for a service
// account's signed JWTs; [ServiceAccountTokens] wraps one in an auth.Cache.
// (auth/nebiusauth keeps the HTTP exchange at auth.eu.nebius.com, for
// programs that link no gRPC.) Calls are retried as the IAM client's are
// (UNAVAILABLE, RESOURCE_EXHAUSTED, attempt timeouts). A TokenExchanger is
// safe for concurrent use; Close it when done.
type TokenExchanger struct {
	rpc *Client // the connection to tokens.iam, without bearer tokens
}

// NewTokenExchanger returns a TokenExchanger configured by the same Options
// as the IAM client: Domain, TokenExchangeAddress, Plaintext (loopback
// only), TLSConfig, MaxAttempts, BaseDelay, MaxDelay, AttemptTimeout,
// Clock, Logger, UserAgent and DialOptions apply; ProjectID, Address and
// the poll intervals do not; TracerProvider, MeterProvider and
// PropagateTraceContext do (a span per exchange). It does not dial. Nil
// option functions are skipped.
func NewTokenExchanger(optFns ...func(*Options)) (*TokenExchanger, error) {
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
	addr, err := resolveAddress(o.TokenExchangeAddress, o.Domain, TokenExchangeServiceName)
	if err != nil {
		return nil, err
	}
	o.TokenExchangeAddress = addr
	conn, err := dial("NewTokenExchanger", addr, &o)
	if err != nil {
		return nil, err
	}
	return &TokenExchanger{rpc: &Client{conn: conn, opts: o, clk: o.Clock, log: o.Logger, calls: newCalls(&o), target: addr}}, nil
}

// Address returns the "host:port" the exchanger connects to.
func (x *TokenExchanger) Address() string { return x.rpc.opts.TokenExchangeAddress }

// Close closes the connection. Calls in flight fail.
func (x *TokenExchanger) Close() error { return x.rpc.conn.Close() }

const exchangeOp = "TokenExchangeService/Exchange"

// Exchange makes one token exchange and returns the token: its Value, Type
// "Bearer" and Expiry (the clock's time before the call plus expires_in).
//
// Errors are *iam.Error with Provider nebius and Op
// "TokenExchangeService/Exchange": a rejected subject or actor token
// matches iam.ErrUnauthenticated (gRPC UNAUTHENTICATED), bad input
// iam.ErrInvalidArgument; no token is ever in their text.
func (x *TokenExchanger) Exchange(ctx context.Context, req ExchangeRequest) (auth.Token, error) {
	pb, err := req.toPB(exchangeOp)
	if err != nil {
		return auth.Token{}, err
	}
	return x.exchange(ctx, func() (*iamv1.ExchangeTokenRequest, error) { return pb, nil })
}

// exchange runs the exchange; build makes the request before every
// attempt, so that a retry can carry a newly signed JWT (or a fresh actor
// token).
func (x *TokenExchanger) exchange(ctx context.Context, build func() (*iamv1.ExchangeTokenRequest, error)) (auth.Token, error) {
	var start time.Time
	resp := new(iamv1.CreateTokenResponse)
	cl := call{op: exchangeOp, telOp: telemetry.OpTokenExchange, method: iamv1.TokenExchangeService_Exchange_FullMethodName,
		build: func() (any, []string, error) {
			start = x.rpc.clk.Now()
			pb, err := build()
			if err != nil {
				return nil, nil, err
			}
			secrets := []string{pb.GetActorToken()}
			if pb.GetSubjectTokenType() != TokenTypeSubjectIdentifier {
				// A subject identifier is a service account ID, which
				// errors may name; any other subject token is a secret.
				secrets = append(secrets, pb.GetSubjectToken())
			}
			return pb, secrets, nil
		}}
	if err := x.rpc.invoke(ctx, cl, nil, resp); err != nil {
		return auth.Token{}, err
	}
	tok, err := tokenFromPB(resp, start)
	if err != nil {
		return auth.Token{}, err
	}
	x.rpc.log.DebugContext(ctx, "nebius: token exchanged", "op", exchangeOp, "expires_in", time.Duration(resp.GetExpiresIn())*time.Second)
	return tok, nil
}

// tokenFromPB checks an exchange's answer: an access token, token_type
// Bearer (any case, RFC 6749 §5.1) and a positive expires_in.
func tokenFromPB(resp *iamv1.CreateTokenResponse, start time.Time) (auth.Token, error) {
	malformed := func(msg string) error {
		return &iam.Error{Provider: iam.Nebius, Op: exchangeOp, Message: "malformed answer: " + msg}
	}
	if resp.GetAccessToken() == "" {
		return auth.Token{}, malformed("access_token is empty")
	}
	if !strings.EqualFold(resp.GetTokenType(), "Bearer") {
		// gosdk refuses any token_type but Bearer ("unsupported token
		// received: expected Bearer"); so does iamkit, and an empty one
		// too (the proto marks it required).
		return auth.Token{}, malformed(fmt.Sprintf("token_type %q is not Bearer", redactedType(resp.GetTokenType())))
	}
	d := time.Duration(resp.GetExpiresIn()) * time.Second
	if resp.GetExpiresIn() <= 0 || d > maxExpiresIn || d/time.Second != time.Duration(resp.GetExpiresIn()) {
		return auth.Token{}, malformed("expires_in is not a positive number of seconds within ten years")
	}
	return auth.Token{Value: iam.NewSecret(resp.GetAccessToken()), Type: "Bearer", Expiry: start.Add(d)}, nil
}

// redactedType bounds a server-chosen token_type for error text.
func redactedType(t string) string {
	if len(t) > 20 {
		return t[:20] + "…"
	}
	return t
}

// ServiceAccount returns an auth.Exchanger that exchanges JWTs signed by
// signer (a nebiusauth.Signer) at this TokenExchangeService: subject_token
// the JWT, subject_token_type TokenTypeJWT, as gosdk does. Every attempt
// of an exchange carries a newly signed JWT. Wrap it in an auth.Cache (or
// use [ServiceAccountTokens]).
func (x *TokenExchanger) ServiceAccount(signer auth.JWTSigner) auth.Exchanger {
	return serviceAccountExchanger{x: x, signer: signer}
}

// serviceAccountExchanger is the auth.Exchanger of
// [TokenExchanger.ServiceAccount]; its Provider method labels the
// telemetry of an auth.Cache around it.
type serviceAccountExchanger struct {
	x      *TokenExchanger
	signer auth.JWTSigner
}

// Provider returns iam.Nebius.
func (s serviceAccountExchanger) Provider() iam.Provider { return iam.Nebius }

// Exchange signs a JWT for each attempt and exchanges it.
func (s serviceAccountExchanger) Exchange(ctx context.Context) (auth.Token, error) {
	if s.signer == nil {
		return auth.Token{}, invalidArg(exchangeOp, "signer is nil")
	}
	return s.x.exchange(ctx, func() (*iamv1.ExchangeTokenRequest, error) {
		jwt, err := s.signer.SignJWT(s.x.rpc.clk.Now())
		if err != nil {
			return nil, err
		}
		return (&ExchangeRequest{SubjectToken: jwt, SubjectTokenType: TokenTypeJWT}).toPB(exchangeOp)
	})
}

// TokenSource is the token source [ServiceAccountTokens] returns: an auth.Cache
// (an oauth2.TokenSource, with AccessToken, Invalidate and
// InvalidateToken) of tokens exchanged over gRPC. Close it when done: that
// stops the cache and closes the exchanger's connection.
type TokenSource struct {
	*auth.Cache
	x *TokenExchanger
}

// Address returns the "host:port" of the token exchange.
func (s *TokenSource) Address() string { return s.x.Address() }

// Close stops the cache and closes the connection.
func (s *TokenSource) Close() error {
	return errors.Join(s.Cache.Close(), s.x.Close())
}

// ServiceAccountTokens returns a token source for a Nebius service account
// whose JWTs (nebiusauth.NewSigner of key) are exchanged over gRPC at
// tokens.iam.<domain> (TokenExchangeService/Exchange), configured by the
// same Options as the IAM client, so that one Options.Domain (or
// $NEBIUS_ENDPOINT) moves the client and the exchange together:
//
//	opts := func(o *nebius.Options) { o.Domain = "api.eu.nebius.cloud" }
//	tokens, err := nebius.ServiceAccountTokens(key, opts) // tokens.iam.api.eu.nebius.cloud:443
//	client, err := nebius.New(tokens, opts)                // cpl.iam.api.eu.nebius.cloud:443
//
// The cache runs on Options.Clock, logs to Options.Logger and records its
// telemetry with Options.TracerProvider and MeterProvider, with the
// auth.Cache defaults otherwise; for other cache settings, build it
// yourself: auth.NewCache(x.ServiceAccount(signer), …) with a
// [TokenExchanger] x. Nil option functions are skipped.
func ServiceAccountTokens(key *auth.ServiceAccountKey, optFns ...func(*Options)) (*TokenSource, error) {
	if key == nil {
		return nil, errors.New("nebius: ServiceAccountTokens: service account key is nil")
	}
	signer, err := nebiusauth.NewSigner(key)
	if err != nil {
		return nil, err
	}
	x, err := NewTokenExchanger(optFns...)
	if err != nil {
		return nil, err
	}
	cache, err := auth.NewCache(x.ServiceAccount(signer), func(co *auth.CacheOptions) {
		co.Clock, co.Logger = x.rpc.opts.Clock, x.rpc.opts.Logger
		co.TracerProvider, co.MeterProvider = x.rpc.opts.TracerProvider, x.rpc.opts.MeterProvider
	})
	if err != nil {
		x.Close()
		return nil, err
	}
	return &TokenSource{Cache: cache, x: x}, nil
}
