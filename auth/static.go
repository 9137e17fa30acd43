package auth

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/safeprint"
)

// Environment variables the environment token sources read.
const (
	EnvNebiusIAMToken = "NEBIUS_IAM_TOKEN"
	EnvYandexIAMToken = "YC_IAM_TOKEN"
	EnvYandexToken    = "YC_TOKEN"
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

// NebiusEnvTokenSource returns a static source for the token in
// NEBIUS_IAM_TOKEN, as the Nebius CLI and SDK read it. The error names the
// variable when it is unset or empty.
func NebiusEnvTokenSource() (*StaticTokenSource, error) {
	return envSource(EnvNebiusIAMToken)
}

// YandexEnvTokenSource returns a static source for the IAM token in
// YC_IAM_TOKEN or, when that is unset, YC_TOKEN.
//
// YC_TOKEN is also where yc users keep OAuth tokens, which are not IAM
// tokens (they must be exchanged, and Yandex stops accepting new ones in
// 2026): a value that looks like an OAuth token ("y0_…", "AQAA…") is
// refused with an error that says so. The exact OAuth prefixes are
// UNCONFIRMED; IAM tokens start with "t1." today, but that prefix is not
// enforced since Yandex says it may change.
func YandexEnvTokenSource() (*StaticTokenSource, error) {
	name := EnvYandexIAMToken
	if os.Getenv(name) == "" {
		name = EnvYandexToken
	}
	v := os.Getenv(name)
	if strings.HasPrefix(v, "y0_") || strings.HasPrefix(v, "AQAA") {
		return nil, fmt.Errorf("auth: %s holds a Yandex OAuth token, not an IAM token; exchange it or use a service-account key", name)
	}
	if name == EnvYandexToken && v == "" {
		return nil, fmt.Errorf("auth: neither %s nor %s is set", EnvYandexIAMToken, EnvYandexToken)
	}
	return envSource(name)
}

func envSource(name string) (*StaticTokenSource, error) {
	v := os.Getenv(name)
	if v == "" {
		return nil, fmt.Errorf("auth: environment variable %s is not set", name)
	}
	s, err := NewStaticTokenSource(iam.NewSecret(v), time.Time{})
	if err != nil {
		return nil, fmt.Errorf("auth: %s: %w", name, err)
	}
	return s, nil
}
