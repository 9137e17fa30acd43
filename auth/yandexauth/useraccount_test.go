package yandexauth_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/internal/authtest"
	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam/iamtest"
)

// userKeyJSON is a key.json of a user account: user_account_id instead
// of service_account_id.
func userKeyJSON(t *testing.T) []byte {
	return keyFileJSON(t, func(m map[string]any) {
		delete(m, "service_account_id")
		m["user_account_id"] = "ajeuser01"
	})
}

// TestParseUserAccountKey: a user account's key.json loads: the JWTs are
// issued in the user account's name (ServiceAccountID holds its ID) and
// UserAccount says so; a file naming both accounts is refused; the key
// file round-trips with user_account_id.
func TestParseUserAccountKey(t *testing.T) {
	f, err := yandexauth.ParseKeyFile(userKeyJSON(t), "user.json")
	if err != nil {
		t.Fatal(err)
	}
	if k := f.Key; k.KeyID != "ajekey01" || k.ServiceAccountID != "ajeuser01" || !k.UserAccount {
		t.Fatalf("key = %v (UserAccount %v)", k, k.UserAccount)
	}
	if !strings.Contains(f.Key.String(), "UserAccount") {
		t.Errorf("String() %q does not say it is a user account's key", f.Key.String())
	}
	out, err := yandexauth.MarshalKeyFile(f)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"user_account_id": "ajeuser01"`) || strings.Contains(string(out), "service_account_id") {
		t.Fatalf("MarshalKeyFile wrote:\n%s", out)
	}
	back, err := yandexauth.ParseKey(out, "")
	if err != nil || !back.UserAccount || back.ServiceAccountID != "ajeuser01" {
		t.Fatalf("round trip: %v, %v", back, err)
	}
	both := keyFileJSON(t, func(m map[string]any) { m["user_account_id"] = "ajeuser01" })
	if _, err := yandexauth.ParseKey(both, "both.json"); !errors.Is(err, auth.ErrInvalidField) ||
		!strings.Contains(err.Error(), "both.json") || !strings.Contains(err.Error(), "user_account_id") {
		t.Fatalf("both accounts: err = %v, want ErrInvalidField naming the file and field", err)
	}
}

// TestUserAccountKeyEndToEnd: a user account's key.json, loaded and
// exchanged at the Yandex token emulator that knows the key as the user
// account's, gives a token of the user account; the emulator verifies the
// JWT (iss = the user account ID, PS256, kid = the key ID).
func TestUserAccountKeyEndToEnd(t *testing.T) {
	e := authtest.NewEnv(t)
	path := filepath.Join(t.TempDir(), "user.json")
	if err := os.WriteFile(path, userKeyJSON(t), 0o600); err != nil {
		t.Fatal(err)
	}
	key, err := yandexauth.LoadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	e.Registry.PutPublicKey(iamtest.PublicKey{KeyID: key.KeyID, UserAccountID: "ajeuser01", Key: &key.PrivateKey().PublicKey})
	ts, err := yandexauth.ServiceAccount(key, func(o *auth.ServiceAccountOptions) { o.Endpoint, o.Clock = e.Yandex.URL, e.Clock })
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()
	tok, err := ts.AccessToken(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sub, ok := e.Registry.ValidateToken(tok.Value.Reveal(), "yandex", e.Clock.Now()); !ok || sub != "ajeuser01" {
		t.Fatalf("token subject %q, %v, want the user account", sub, ok)
	}
}
