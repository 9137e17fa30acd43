package iamtest_test

import (
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// TestNebiusHTTPExchangeActorTokensNotEmulated: the HTTP exchange's form
// fields for impersonation and federated credentials are not published, so
// the HTTP emulator does not guess them: a form with an actor token, or a
// subject identifier, is a clean 501 that issues nothing (the gRPC
// emulator, nebiustest, verifies these flows).
func TestNebiusHTTPExchangeActorTokensNotEmulated(t *testing.T) {
	n, _, clk := tokenSetup(t)
	key, _ := tokKeys(t)
	valid := signJWT(t, jwt.SigningMethodRS256, key, tokKID, nebiusClaims(clk.Now()))
	for name, edit := range map[string]func(f map[string][]string){
		"actor token with a JWT subject": func(f map[string][]string) {
			f["actor_token"] = []string{"v1.some-access-token"}
			f["actor_token_type"] = []string{"urn:ietf:params:oauth:token-type:access_token"}
		},
		"actor token type alone": func(f map[string][]string) {
			f["actor_token_type"] = []string{"urn:ietf:params:oauth:token-type:jwt"}
		},
		"subject identifier": func(f map[string][]string) {
			f["subject_token"] = []string{tokSA}
			f["subject_token_type"] = []string{"urn:nebius:params:oauth:token-type:subject_identifier"}
			f["actor_token"] = []string{valid}
			f["actor_token_type"] = []string{"urn:ietf:params:oauth:token-type:jwt"}
		},
	} {
		form := nebiusForm(valid)
		edit(form)
		a := postNebius(t, n, form)
		if a.status != 501 || a.body["error"] != "not_implemented" || a.body["access_token"] != nil {
			t.Errorf("%s: %d %s, want 501 not_implemented and no token", name, a.status, a.raw)
		}
	}
	if a := postNebius(t, n, nebiusForm(valid)); a.status != 200 {
		t.Fatalf("a plain service-account exchange: %d %s", a.status, a.raw)
	}
}
