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
// tokens.iam), which takes no bearer token: a service-account JWT
// (subject_token_type urn:ietf:params:oauth:token-type:jwt) is verified
// against the Registry as the HTTP token emulator verifies it
// (iamtest.Registry.VerifyNebiusJWT) and exchanged for an access token of
// Options.TokenLifetime. A rejected JWT is UNAUTHENTICATED (the real
// code is UNCONFIRMED). Impersonation and federated credentials
// (subject_identifier with an actor_token) are not emulated: UNIMPLEMENTED.
func (x tokenExchangeService) Exchange(_ context.Context, req *iamv1.ExchangeTokenRequest) (*iamv1.CreateTokenResponse, error) {
	s := x.s
	switch {
	case req.GetGrantType() != grantTokenExchange:
		return nil, badRequest("grant_type", "must be "+grantTokenExchange).grpcErr()
	case req.GetRequestedTokenType() != "" && req.GetRequestedTokenType() != tokenTypeAccessToken:
		return nil, badRequest("requested_token_type", "must be "+tokenTypeAccessToken).grpcErr()
	case req.GetSubjectTokenType() == tokenTypeSubjectIdentity || req.GetActorToken() != "":
		return nil, unimplemented("token exchange with an actor token (impersonation, federated credentials) is not emulated").grpcErr()
	case req.GetSubjectTokenType() != tokenTypeJWT:
		return nil, badRequest("subject_token_type", "must be "+tokenTypeJWT).grpcErr()
	case req.GetSubjectToken() == "":
		return nil, badRequest("subject_token", "is required").grpcErr()
	case len(req.GetScopes()) > 0 || req.GetAudience() != "" || len(req.GetResource()) > 0:
		return nil, unimplemented("scopes, audience and resource are not emulated").grpcErr()
	}
	sa, err := s.Registry.VerifyNebiusJWT(req.GetSubjectToken(), s.clk.Now(), 0)
	if err != nil {
		return nil, status.Error(codes.Unauthenticated, "invalid subject token: "+strings.TrimSpace(err.Error()))
	}
	tok := s.IssueToken(sa, s.opts.TokenLifetime)
	return &iamv1.CreateTokenResponse{
		AccessToken:     tok,
		IssuedTokenType: tokenTypeAccessToken,
		TokenType:       "Bearer",
		ExpiresIn:       int64(s.opts.TokenLifetime / time.Second),
	}, nil
}
