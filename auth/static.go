package auth

import (
	"context"
	"errors"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/safeprint"
)

// StaticTokenSource serves one fixed token. It cannot refresh: when a
// server rejects the token, the caller gets the rejection. It is an
// oauth2.TokenSource and a [ContextTokenSource].
//
// Printing a StaticTokenSource (any fmt verb, log/slog, encoding/json)
// shows the token's type and expiry, never the token.
type StaticTokenSource struct {
	tok Token
	// oauth holds the token in clear (oauth2.Token.AccessToken is a
	// string), so it is sealed: reflection shows an address.
	oauth *safeprint.Sealed[oauth2.Token]
}

// NewStaticTokenSource returns a source that always serves token, which
// expires at expiry (zero: never).
func NewStaticTokenSource(token iam.Secret, expiry time.Time) (*StaticTokenSource, error) {
	v := strings.TrimSpace(token.Reveal())
	if v == "" {
		return nil, errors.New("auth: static token is empty")
	}
	if strings.ContainsAny(v, " \t\r\n") {
		return nil, errors.New("auth: static token contains white space")
	}
	t := Token{Value: iam.NewSecret(v), Type: "Bearer", Expiry: expiry}
	return &StaticTokenSource{tok: t, oauth: safeprint.Seal(&oauth2.Token{AccessToken: v, TokenType: "Bearer", Expiry: expiry})}, nil
}

// AccessToken returns the token (ctx is only checked for cancellation).
func (s *StaticTokenSource) AccessToken(ctx context.Context) (Token, error) {
	if err := ctx.Err(); err != nil {
		return Token{}, err
	}
	return s.tok, nil
}

// Token returns the token as an *oauth2.Token; it must not be modified.
func (s *StaticTokenSource) Token() (*oauth2.Token, error) { return s.oauth.Get(), nil }
