package auth

import (
	"context"
	"errors"
	"io"
	"net/http"

	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/httpx"
)

// TokenInvalidator is implemented by token sources that can drop a specific
// token, ignoring reports about tokens they have already replaced. [*Cache]
// implements it.
type TokenInvalidator interface {
	InvalidateToken(tok Token) bool
}

// Transport is an http.RoundTripper that adds "Authorization: Bearer
// <token>" to every request on the origin (scheme, host and port) the
// caller addressed. When the server answers 401, it drops the token from
// the source (if the source can) and retries the request once with a fresh
// token (never with the rejected one again), provided the request body can
// be replayed (req.GetBody is set, as it is for bodies made by
// http.NewRequest from bytes, strings and buffers).
//
// A redirect hop to another origin than the first request of its chain
// (another host, a subdomain, another port or scheme) is sent without the
// token and without any credential header the caller's request carried
// (Authorization, X-Amz-Security-Token, signing dates, signed headers),
// whatever the http.Client's redirect policy: net/http itself keeps
// Authorization for the same host name on another port and for
// subdomains. Cookies are left to net/http (the Jar's cookies for the new
// host go along). A hop back to the first origin is authorized again.
//
// A Transport is safe for concurrent use.
type Transport struct {
	// Source supplies tokens. If it implements [ContextTokenSource], the
	// request's context bounds the wait for a token.
	Source oauth2.TokenSource
	// Base is the underlying transport; nil means http.DefaultTransport.
	Base http.RoundTripper
}

// NewTransport returns a Transport that authorizes requests with tokens
// from src and sends them with base (nil: http.DefaultTransport).
func NewTransport(src oauth2.TokenSource, base http.RoundTripper) *Transport {
	return &Transport{Source: src, Base: base}
}

// NewClient returns an *http.Client whose requests carry tokens from src.
// It follows redirects as net/http does; a hop to another origin carries no
// token (see [Transport]).
func NewClient(src oauth2.TokenSource) *http.Client {
	return &http.Client{Transport: NewTransport(src, nil)}
}

// RoundTrip authorizes and sends req, retrying once after a 401. A
// redirect hop to another origin than the first request's is sent without
// credentials.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.Source == nil {
		return nil, errors.New("auth: Transport has no token source")
	}
	if httpx.CrossOriginHop(req) {
		return t.base().RoundTrip(httpx.WithoutCredentials(req))
	}
	// The body can be sent again when it is empty or GetBody can make it
	// anew (http.NewRequest sets GetBody for bytes, strings and buffers).
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	var (
		resp  *http.Response
		rtErr error
		tries int
	)
	err := RetryOnRejection(req.Context(), t.Source, func(tok Token) bool {
		out := withBearer(req, tok)
		if tries++; tries > 1 {
			if req.GetBody != nil {
				body, err := req.GetBody()
				if err != nil {
					return false // keep the 401
				}
				out.Body = body
			}
			drainAndClose(resp.Body)
		}
		resp, rtErr = t.base().RoundTrip(out)
		if rtErr != nil || resp.StatusCode != http.StatusUnauthorized {
			return false
		}
		if !replayable {
			// The token is bad all the same: let the next request get
			// another, but this one cannot be sent again.
			InvalidateToken(t.Source, tok)
			return false
		}
		return true
	})
	if err != nil {
		closeBody(req)
		return nil, err
	}
	return resp, rtErr
}

func (t *Transport) base() http.RoundTripper {
	if t.Base != nil {
		return t.Base
	}
	return http.DefaultTransport
}

// withBearer returns a shallow copy of req with the Authorization header
// set, leaving req untouched as RoundTripper's contract asks.
func withBearer(req *http.Request, tok Token) *http.Request {
	r := req.Clone(req.Context())
	r.Body = req.Body
	typ := tok.Type
	if typ == "" {
		typ = "Bearer"
	}
	r.Header.Set("Authorization", typ+" "+tok.Value.Reveal())
	return r
}

// TokenFrom gets a token from any oauth2.TokenSource, through
// AccessToken(ctx) when the source is a [ContextTokenSource] (so ctx bounds
// the wait) and through Token() otherwise.
func TokenFrom(ctx context.Context, src oauth2.TokenSource) (Token, error) {
	if cs, ok := src.(ContextTokenSource); ok {
		return cs.AccessToken(ctx)
	}
	if err := ctx.Err(); err != nil {
		return Token{}, err
	}
	ot, err := src.Token()
	if err != nil {
		return Token{}, err
	}
	if ot == nil || ot.AccessToken == "" {
		return Token{}, errors.New("auth: token source returned an empty token")
	}
	return Token{Value: iam.NewSecret(ot.AccessToken), Type: ot.Type(), Expiry: ot.Expiry}, nil
}

// InvalidateToken tells src that tok was rejected, through
// [TokenInvalidator] or [Invalidator] when src implements one. It reports
// whether a fresh token can be expected from src (false for sources that
// cannot refresh, such as static tokens).
func InvalidateToken(src oauth2.TokenSource, tok Token) bool {
	switch s := src.(type) {
	case TokenInvalidator:
		s.InvalidateToken(tok)
		return true
	case Invalidator:
		s.Invalidate()
		return true
	}
	return false
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

func drainAndClose(b io.ReadCloser) {
	if b == nil {
		return
	}
	_, _ = io.CopyN(io.Discard, b, 64<<10)
	b.Close()
}
