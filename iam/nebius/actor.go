package nebius

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/nebiuspb/iamv1"
)

// maxJWTFileBytes bounds a federated credentials file: identity tokens are
// a few KiB.
const maxJWTFileBytes = 64 << 10

// Impersonate returns an auth.Exchanger of access tokens of the service
// account serviceAccountID, for the caller whose own access tokens actor
// gives (RFC 8693 impersonation, as gosdk sends it): subject_token the
// service account ID (subject_token_type [TokenTypeSubjectIdentifier]),
// actor_token the caller's token (actor_token_type [TokenTypeAccessToken]).
// The caller needs the right to impersonate the service account.
//
// When the exchange answers UNAUTHENTICATED (the actor token was
// rejected), the actor token is reported to actor (auth.InvalidateToken)
// and the exchange is tried once more with a fresh one, as gosdk does. A
// refusal to impersonate matches iam.ErrPermissionDenied. Wrap the
// exchanger in an auth.Cache (or use [ImpersonatedTokens]).
func (x *TokenExchanger) Impersonate(actor oauth2.TokenSource, serviceAccountID string) auth.Exchanger {
	return nebiusExchanger(func(ctx context.Context) (auth.Token, error) {
		switch {
		case actor == nil:
			return auth.Token{}, invalidArg(exchangeOp, "the actor token source is nil")
		case strings.TrimSpace(serviceAccountID) == "":
			return auth.Token{}, invalidArg(exchangeOp, "the service account to impersonate is empty")
		}
		var (
			tok     auth.Token
			callErr error
		)
		err := auth.RetryOnRejection(ctx, actor, func(actorTok auth.Token) bool {
			tok, callErr = x.exchange(ctx, func() (*iamv1.ExchangeTokenRequest, error) {
				return (&ExchangeRequest{
					SubjectToken: iam.NewSecret(serviceAccountID), SubjectTokenType: TokenTypeSubjectIdentifier,
					ActorToken: actorTok.Value, ActorTokenType: TokenTypeAccessToken,
				}).toPB(exchangeOp)
			})
			return errors.Is(callErr, iam.ErrUnauthenticated)
		})
		if err != nil {
			return auth.Token{}, &iam.Error{Provider: iam.Nebius, Op: exchangeOp, Kind: iam.ErrUnauthenticated,
				Message: "could not get the actor token to impersonate " + serviceAccountID, Err: err}
		}
		return tok, callErr
	})
}

// FederatedCredentials returns an auth.Exchanger of access tokens of the
// service account serviceAccountID for an external OIDC JWT read from the
// file jwtFile at every exchange (workload identity: a Kubernetes
// service-account token, a CI job's identity token, rotated in place by
// its issuer), as gosdk sends it: subject_token the service account ID
// (subject_token_type [TokenTypeSubjectIdentifier]), actor_token the JWT
// (actor_token_type [TokenTypeJWT]). The service account needs federated
// credentials that trust the JWT's issuer and subject.
//
// The file's content is trimmed of surrounding white space (gosdk sends it
// untrimmed; whether the service accepts a trailing newline is
// UNCONFIRMED, and a JWT never contains white space). A file that cannot
// be read, is empty or is not one compact JWT is an error naming it,
// before any call. Wrap the exchanger in an auth.Cache (or use
// [FederatedTokens]).
func (x *TokenExchanger) FederatedCredentials(serviceAccountID, jwtFile string) auth.Exchanger {
	return nebiusExchanger(func(ctx context.Context) (auth.Token, error) {
		if strings.TrimSpace(serviceAccountID) == "" {
			return auth.Token{}, invalidArg(exchangeOp, "the service account of the federated credentials is empty")
		}
		return x.exchange(ctx, func() (*iamv1.ExchangeTokenRequest, error) {
			jwt, err := readJWTFile(jwtFile)
			if err != nil {
				return nil, err
			}
			return (&ExchangeRequest{
				SubjectToken: iam.NewSecret(serviceAccountID), SubjectTokenType: TokenTypeSubjectIdentifier,
				ActorToken: jwt, ActorTokenType: TokenTypeJWT,
			}).toPB(exchangeOp)
		})
	})
}

// readJWTFile reads a federated credentials file: one compact JWT.
func readJWTFile(path string) (iam.Secret, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("federated credentials file %s: "+format, append([]any{path}, args...)...)
	}
	if strings.TrimSpace(path) == "" {
		return iam.Secret{}, errors.New("federated credentials file: the path is empty")
	}
	f, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return iam.Secret{}, fail("%w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxJWTFileBytes+1))
	switch {
	case err != nil:
		return iam.Secret{}, fail("%w", err)
	case len(data) > maxJWTFileBytes:
		return iam.Secret{}, fail("is larger than %d bytes, not a JWT", maxJWTFileBytes)
	}
	v := strings.TrimSpace(string(data))
	switch {
	case v == "":
		return iam.Secret{}, fail("is empty")
	case strings.ContainsAny(v, " \t\r\n") || strings.Count(v, ".") != 2:
		return iam.Secret{}, fail("does not hold one JWT (header.payload.signature)")
	}
	return iam.NewSecret(v), nil
}

// ImpersonatedTokens returns a token source of the service account
// serviceAccountID, impersonated with the caller's tokens from actor
// ([TokenExchanger.Impersonate]) at tokens.iam.<domain>, configured by the
// same Options as the IAM client (so one Options.Domain moves both).
// Closing it stops its cache and connection; actor is the caller's, and
// not closed. Nil option functions are skipped.
//
//	user, _ := nebiusauth.EnvTokenSource() // NEBIUS_IAM_TOKEN
//	tokens, err := nebius.ImpersonatedTokens(user, "serviceaccount-e00…")
func ImpersonatedTokens(actor oauth2.TokenSource, serviceAccountID string, optFns ...func(*Options)) (*TokenSource, error) {
	if actor == nil {
		return nil, errors.New("nebius: ImpersonatedTokens: the actor token source is nil")
	}
	if strings.TrimSpace(serviceAccountID) == "" {
		return nil, errors.New("nebius: ImpersonatedTokens: the service account ID is empty")
	}
	return exchangedTokens(optFns, func(x *TokenExchanger) auth.Exchanger { return x.Impersonate(actor, serviceAccountID) })
}

// FederatedTokens returns a token source of the service account
// serviceAccountID for the external OIDC JWT in jwtFile
// ([TokenExchanger.FederatedCredentials], the file read again at every
// exchange) at tokens.iam.<domain>, configured by the same Options as the
// IAM client. Close it when done. Nil option functions are skipped.
//
//	tokens, err := nebius.FederatedTokens("serviceaccount-e00…", "/var/run/secrets/nebius/token")
func FederatedTokens(serviceAccountID, jwtFile string, optFns ...func(*Options)) (*TokenSource, error) {
	if strings.TrimSpace(serviceAccountID) == "" {
		return nil, errors.New("nebius: FederatedTokens: the service account ID is empty")
	}
	if strings.TrimSpace(jwtFile) == "" {
		return nil, errors.New("nebius: FederatedTokens: the JWT file path is empty")
	}
	return exchangedTokens(optFns, func(x *TokenExchanger) auth.Exchanger { return x.FederatedCredentials(serviceAccountID, jwtFile) })
}

// exchangedTokens makes a TokenExchanger of optFns and an auth.Cache of
// the exchanger ex makes of it, on the options' Clock and Logger.
func exchangedTokens(optFns []func(*Options), ex func(*TokenExchanger) auth.Exchanger) (*TokenSource, error) {
	x, err := NewTokenExchanger(optFns...)
	if err != nil {
		return nil, err
	}
	return cachedTokens(x, ex(x))
}

func cachedTokens(x *TokenExchanger, ex auth.Exchanger) (*TokenSource, error) {
	cache, err := auth.NewCache(ex, func(co *auth.CacheOptions) {
		co.Clock, co.Logger = x.rpc.opts.Clock, x.rpc.opts.Logger
		co.TracerProvider, co.MeterProvider = x.rpc.opts.TracerProvider, x.rpc.opts.MeterProvider
	})
	if err != nil {
		x.Close()
		return nil, err
	}
	return &TokenSource{Cache: cache, x: x}, nil
}

// nebiusExchanger is an exchanger of Nebius tokens that names its cloud
// (Provider, as the service-account exchanger does), so that the metrics
// of a cache over it carry iamkit.provider=nebius.
type nebiusExchanger func(ctx context.Context) (auth.Token, error)

// Exchange calls f.
func (f nebiusExchanger) Exchange(ctx context.Context) (auth.Token, error) { return f(ctx) }

// Provider returns iam.Nebius.
func (nebiusExchanger) Provider() iam.Provider { return iam.Nebius }
