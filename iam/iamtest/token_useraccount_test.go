package iamtest_test

import (
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/iamkit/iamkit/iam/iamtest"
)

// TestYandexTokenServerUserAccountKeys: a key registered as a Yandex user
// account's (PublicKey.UserAccountID) is exchanged for a JWT whose iss is
// the user account ID (as go-sdk v2's credentials.UserAccountKey signs
// it), verified for real; the token's subject is the user account. The
// Nebius emulator refuses such a key: Nebius has no user-account keys.
func TestYandexTokenServerUserAccountKeys(t *testing.T) {
	n, y, clk := tokenSetup(t)
	key, other := tokKeys(t)
	const kid, user = "ajeuserkey", "ajeuseraccount"
	y.Registry.PutPublicKey(iamtest.PublicKey{KeyID: kid, UserAccountID: user, Key: &key.PublicKey})

	c := yandexClaims(clk.Now())
	c["iss"] = user
	a := postYandex(t, y, yandexBody(signJWT(t, jwt.SigningMethodPS256, key, kid, c)))
	if a.status != 200 {
		t.Fatalf("user-account JWT: status %d: %s", a.status, a.raw)
	}
	tok, _ := a.body["iamToken"].(string)
	if sub, ok := y.Registry.ValidateToken(tok, "yandex", clk.Now()); !ok || sub != user {
		t.Fatalf("ValidateToken = %q, %v, want the user account", sub, ok)
	}

	for name, tc := range map[string]struct {
		iss  string
		key  any
		want string
	}{
		"iss another account": {tokSA, key, "does not match the user account"},
		"wrong signature":     {user, other, "JWT signature validation fails"},
	} {
		c := yandexClaims(clk.Now())
		c["iss"] = tc.iss
		a := postYandex(t, y, yandexBody(signJWT(t, jwt.SigningMethodPS256, tc.key, kid, c)))
		if a.status != 401 || !strings.Contains(a.raw, tc.want) {
			t.Errorf("%s: status %d %s, want 401 %q", name, a.status, a.raw, tc.want)
		}
	}

	nc := nebiusClaims(clk.Now())
	nc["iss"], nc["sub"] = user, user
	na := postNebius(t, n, nebiusForm(signJWT(t, jwt.SigningMethodRS256, key, kid, nc)))
	if na.status == 200 || !strings.Contains(na.raw, "user account") {
		t.Fatalf("Nebius with a user-account key: status %d %s, want a refusal naming the user account", na.status, na.raw)
	}
}
