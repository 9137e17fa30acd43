package auth

import (
	"context"
	"time"

	"github.com/iamkit/iamkit/iam"
)

// Token is an access token obtained from a cloud's token service.
//
// Its Value is an [iam.Secret], so printing or logging a Token never shows
// the token itself.
type Token struct {
	// Value is the opaque access token sent as "Authorization: Bearer".
	Value iam.Secret
	// Type is the token type; always "Bearer" for the clouds iamkit speaks to.
	Type string
	// Expiry is when the token stops being valid, on the local clock
	// (computed from the response, counted from before the request was
	// sent). Zero means the token does not expire.
	Expiry time.Time
}

// ValidAt reports whether the token has a value and has not expired at now.
func (t Token) ValidAt(now time.Time) bool {
	return !t.Value.IsZero() && (t.Expiry.IsZero() || now.Before(t.Expiry))
}

// Exchanger obtains a new token from upstream: one call, no caching. The
// Nebius and Yandex exchangers sign a fresh JWT and exchange it; wrap an
// Exchanger in a [Cache] to reuse its tokens.
type Exchanger interface {
	Exchange(ctx context.Context) (Token, error)
}

// ExchangerFunc adapts a function to the [Exchanger] interface.
type ExchangerFunc func(ctx context.Context) (Token, error)

// Exchange calls f(ctx).
func (f ExchangerFunc) Exchange(ctx context.Context) (Token, error) { return f(ctx) }

// ContextTokenSource is implemented by token sources that take a context:
// [*Cache] and the static and environment sources. Clients that accept any
// oauth2.TokenSource use this method when it is there, so that the caller's
// deadline bounds the wait for a token.
type ContextTokenSource interface {
	AccessToken(ctx context.Context) (Token, error)
}

// Invalidator is implemented by token sources that can drop their cached
// token, so that the next call fetches a new one. Transports call it after
// the server rejected a token (HTTP 401, gRPC UNAUTHENTICATED).
type Invalidator interface {
	Invalidate()
}

// JWTSigner signs the short-lived JWT that a token exchange presents. The
// Nebius and Yandex signers of this package implement it.
type JWTSigner interface {
	// SignJWT returns a JWT issued at now.
	SignJWT(now time.Time) (iam.Secret, error)
}
