package nebiustest

import (
	"context"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/iamkit/iamkit/internal/nebiuspb/iamv1"
)

// RFC 8693 token exchange values (nebius/api token_service.proto).
const (
	grantTokenExchange       = "urn:ietf:params:oauth:grant-type:token-exchange"
	tokenTypeAccessToken     = "urn:ietf:params:oauth:token-type:access_token"
	tokenTypeJWT             = "urn:ietf:params:oauth:token-type:jwt"
	tokenTypeSubjectIdentity = "urn:nebius:params:oauth:token-type:subject_identifier"
)

type tokenExchangeService struct {
	iamv1.UnimplementedTokenExchangeServiceServer
	s *Server
}

// Exchange emulates nebius.iam.v1.TokenExchangeService/Exchange (host
// tokens.iam), which takes no bearer token. It verifies, for real, the
// three exchanges gosdk makes, and answers an access token of
// Options.TokenLifetime:
//
//   - a service-account JWT (subject_token_type
//     urn:ietf:params:oauth:token-type:jwt, no actor token), verified
//     against the Registry as the HTTP token emulator verifies it
//     (iamtest.Registry.VerifyNebiusJWT); the token is the JWT's service
//     account's;
//   - impersonation: subject_token a service account ID
//     (urn:nebius:params:oauth:token-type:subject_identifier), actor_token
//     the caller's access token (actor_token_type
//     urn:ietf:params:oauth:token-type:access_token), which must be a
//     valid token of the Registry; its subject needs the grant of
//     [Server.AllowImpersonation] for that service account;
//   - federated subject credentials: subject_token a service account ID
//     (subject_identifier), actor_token an external OIDC JWT
//     (actor_token_type urn:ietf:params:oauth:token-type:jwt), verified
//     against the [FederatedCredentials] registered for that service
//     account (issuer, signature by its key set, expiry, subject).
//
// A rejected JWT or actor token, or an unregistered issuer, is
// UNAUTHENTICATED; a missing grant, or a federated subject the service
// account does not trust, is PERMISSION_DENIED (the real codes are
// UNCONFIRMED). A bad combination of types is INVALID_ARGUMENT; scopes,
// audience, resource and delegation (a JWT subject with an actor token)
// are not emulated: UNIMPLEMENTED.
func (x tokenExchangeService) Exchange(_ context.Context, req *iamv1.ExchangeTokenRequest) (*iamv1.CreateTokenResponse, error) {
	s := x.s
	switch {
	case req.GetGrantType() != grantTokenExchange:
		return nil, badRequest("grant_type", "must be "+grantTokenExchange).grpcErr()
	case req.GetRequestedTokenType() != "" && req.GetRequestedTokenType() != tokenTypeAccessToken:
		return nil, badRequest("requested_token_type", "must be "+tokenTypeAccessToken).grpcErr()
	case len(req.GetScopes()) > 0 || req.GetAudience() != "" || len(req.GetResource()) > 0:
		return nil, unimplemented("scopes, audience and resource are not emulated").grpcErr()
	case req.GetSubjectToken() == "":
		return nil, badRequest("subject_token", "is required").grpcErr()
	}
	var subject string
	switch req.GetSubjectTokenType() {
	case tokenTypeJWT:
		if req.GetActorToken() != "" || req.GetActorTokenType() != "" {
			return nil, unimplemented("a service-account JWT with an actor token (delegation) is not emulated").grpcErr()
		}
		sa, err := s.Registry.VerifyNebiusJWT(req.GetSubjectToken(), s.clk.Now(), 0)
		if err != nil {
			return nil, status.Error(codes.Unauthenticated, "invalid subject token: "+strings.TrimSpace(err.Error()))
		}
		subject = sa
	case tokenTypeSubjectIdentity:
		subject = req.GetSubjectToken()
		switch {
		case req.GetActorToken() == "":
			return nil, badRequest("actor_token", "is required with subject_token_type "+tokenTypeSubjectIdentity).grpcErr()
		case req.GetActorTokenType() == tokenTypeAccessToken:
			actor, ok := s.Registry.ValidateToken(req.GetActorToken(), TokenIssuer, s.clk.Now())
			if !ok {
				return nil, status.Error(codes.Unauthenticated, "invalid actor token: unknown or expired access token")
			}
			if !s.impersonation[actor][subject] {
				return nil, permissionDenied(subject, actor+" may not impersonate "+truncate(subject, 100)).grpcErr()
			}
		case req.GetActorTokenType() == tokenTypeJWT:
			if e := s.verifyFederated(req.GetActorToken(), subject); e != nil {
				return nil, e.grpcErr()
			}
		default:
			return nil, badRequest("actor_token_type", "must be "+tokenTypeAccessToken+" or "+tokenTypeJWT).grpcErr()
		}
	default:
		return nil, badRequest("subject_token_type", "must be "+tokenTypeJWT+" or "+tokenTypeSubjectIdentity).grpcErr()
	}
	tok := s.IssueToken(subject, s.opts.TokenLifetime)
	return &iamv1.CreateTokenResponse{
		AccessToken:     tok,
		IssuedTokenType: tokenTypeAccessToken,
		TokenType:       "Bearer",
		ExpiresIn:       int64(s.opts.TokenLifetime / time.Second),
	}, nil
}
