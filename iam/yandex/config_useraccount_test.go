package yandex_test

import (
	"crypto/rand"
	"crypto/rsa"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/yandex"
)

// TestLoadDefaultConfigUserAccountKey: a user account's key.json in
// YC_SERVICE_ACCOUNT_KEY_FILE is exchanged (iss = the user account ID) at
// a token service that knows the key as the user account's; the Config
// says it is a user account's key and names no service account.
func TestLoadDefaultConfigUserAccountKey(t *testing.T) {
	w := newWorld(t)
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	key, err := auth.NewServiceAccountKey("ajeuserkey", "ajeuseraccount", priv)
	if err != nil {
		t.Fatal(err)
	}
	key.UserAccount = true
	data, err := yandexauth.MarshalKeyFile(&yandexauth.KeyFile{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "user.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	w.reg.PutPublicKey(iamtest.PublicKey{KeyID: "ajeuserkey", UserAccountID: "ajeuseraccount", Key: &priv.PublicKey})
	w.env[yandexauth.EnvServiceAccountKeyFile] = path
	cfg, err := w.load(t, func(o *yandex.LoadOptions) { o.Endpoint = w.gwAddr })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ServiceAccountID != "" || !strings.Contains(cfg.String(), "user account ajeuseraccount") {
		t.Fatalf("config %v (service account %q)", cfg, cfg.ServiceAccountID)
	}
	tok, err := cfg.TokenSource.Token()
	if err != nil {
		t.Fatal(err)
	}
	if sub, ok := w.reg.ValidateToken(tok.AccessToken, "yandex", time.Now()); !ok || sub != "ajeuseraccount" {
		t.Fatalf("token subject %q, %v", sub, ok)
	}
}
