package nebiustest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/internal/nebiuspb/iamv1"
)

const (
	grant       = "urn:ietf:params:oauth:grant-type:token-exchange"
	accessToken = "urn:ietf:params:oauth:token-type:access_token"
	jwtType     = "urn:ietf:params:oauth:token-type:jwt"
	subjectID   = "urn:nebius:params:oauth:token-type:subject_identifier"
)

// TestExchangeActorTokens: the emulator's TokenExchangeService verifies the
// request shapes gosdk sends for impersonation and federated credentials,
// answers a token of the subject service account, and refuses what is
// wrong with the right code.
func TestExchangeActorTokens(t *testing.T) {
	srv, err := nebiustest.New()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := dial(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	issuer, err := nebiustest.NewOIDCIssuer("https://oidc.example")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.AddFederatedCredentials(nebiustest.FederatedCredentials{ServiceAccountID: "serviceaccount-e00fed",
		IssuerURL: issuer.URL, FederatedSubjectID: "wl", JWKSetJSON: issuer.JWKSetJSON()}); err != nil {
		t.Fatal(err)
	}
	jwt, _ := issuer.IssueJWT("wl", "", time.Now(), time.Hour)
	actor := srv.IssueToken("serviceaccount-e00caller", time.Hour)
	srv.AllowImpersonation("serviceaccount-e00caller", "serviceaccount-e00target")

	for _, tc := range []struct {
		name string
		req  *iamv1.ExchangeTokenRequest
		code codes.Code
		sub  string
		want string
	}{
		{"impersonation", &iamv1.ExchangeTokenRequest{GrantType: grant, RequestedTokenType: accessToken, SubjectToken: "serviceaccount-e00target",
			SubjectTokenType: subjectID, ActorToken: actor, ActorTokenType: accessToken}, codes.OK, "serviceaccount-e00target", ""},
		{"federated", &iamv1.ExchangeTokenRequest{GrantType: grant, RequestedTokenType: accessToken, SubjectToken: "serviceaccount-e00fed",
			SubjectTokenType: subjectID, ActorToken: jwt.Reveal(), ActorTokenType: jwtType}, codes.OK, "serviceaccount-e00fed", ""},
		{"no grant", &iamv1.ExchangeTokenRequest{GrantType: grant, SubjectToken: "serviceaccount-e00other",
			SubjectTokenType: subjectID, ActorToken: actor, ActorTokenType: accessToken}, codes.PermissionDenied, "", "may not impersonate"},
		{"unknown actor token", &iamv1.ExchangeTokenRequest{GrantType: grant, SubjectToken: "serviceaccount-e00target",
			SubjectTokenType: subjectID, ActorToken: "v1.forged", ActorTokenType: accessToken}, codes.Unauthenticated, "", "invalid actor token"},
		{"JWT as access token", &iamv1.ExchangeTokenRequest{GrantType: grant, SubjectToken: "serviceaccount-e00target",
			SubjectTokenType: subjectID, ActorToken: jwt.Reveal(), ActorTokenType: accessToken}, codes.Unauthenticated, "", "invalid actor token"},
		{"access token as JWT", &iamv1.ExchangeTokenRequest{GrantType: grant, SubjectToken: "serviceaccount-e00fed",
			SubjectTokenType: subjectID, ActorToken: actor, ActorTokenType: jwtType}, codes.Unauthenticated, "", "not a JWT"},
		{"federated for another account", &iamv1.ExchangeTokenRequest{GrantType: grant, SubjectToken: "serviceaccount-e00target",
			SubjectTokenType: subjectID, ActorToken: jwt.Reveal(), ActorTokenType: jwtType}, codes.Unauthenticated, "", "is not registered"},
		{"no actor", &iamv1.ExchangeTokenRequest{GrantType: grant, SubjectToken: "serviceaccount-e00target", SubjectTokenType: subjectID},
			codes.InvalidArgument, "", "actor_token"},
		{"other actor type", &iamv1.ExchangeTokenRequest{GrantType: grant, SubjectToken: "serviceaccount-e00target",
			SubjectTokenType: subjectID, ActorToken: actor, ActorTokenType: "urn:x"}, codes.InvalidArgument, "", "actor_token_type"},
		{"other subject type", &iamv1.ExchangeTokenRequest{GrantType: grant, SubjectToken: "x", SubjectTokenType: "urn:x"},
			codes.InvalidArgument, "", "subject_token_type"},
		{"delegation", &iamv1.ExchangeTokenRequest{GrantType: grant, SubjectToken: jwt.Reveal(), SubjectTokenType: jwtType,
			ActorToken: actor, ActorTokenType: accessToken}, codes.Unimplemented, "", "delegation"},
	} {
		resp, err := c.tx.Exchange(ctx, tc.req)
		if status.Code(err) != tc.code || !strings.Contains(status.Convert(err).Message(), tc.want) {
			t.Errorf("%s: %v, want %v saying %q", tc.name, err, tc.code, tc.want)
			continue
		}
		if tc.code != codes.OK {
			continue
		}
		if sub, ok := srv.Registry.ValidateToken(resp.GetAccessToken(), nebiustest.TokenIssuer, time.Now()); !ok || sub != tc.sub ||
			resp.GetTokenType() != "Bearer" || resp.GetIssuedTokenType() != accessToken || resp.GetExpiresIn() <= 0 {
			t.Errorf("%s: %+v acts as %q (%v), want %q", tc.name, resp, sub, ok, tc.sub)
		}
	}
}
