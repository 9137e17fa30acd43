package yandex_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
	"github.com/iamkit/iamkit/iam/yandex"
)

func TestKeysLifecycle(t *testing.T) {
	e := newEnv(t, envOpt{})
	ctx := ctxT(t)
	created, err := e.client.Keys().Create(ctx, yandex.CreateKeyRequest{Description: "ci signer"})
	if err != nil {
		t.Fatal(err)
	}
	k := created.Key
	if k.ID == "" || k.KeyAlgorithm != yandex.RSA2048 || !strings.HasPrefix(k.PublicKey, "-----BEGIN PUBLIC KEY-----") ||
		k.ServiceAccountID != e.srv.ServiceAccountID() || !strings.Contains(created.PrivateKey.Reveal(), "BEGIN PRIVATE KEY") {
		t.Fatalf("created = %+v", k)
	}
	if strings.Contains(strings.Join([]string{created.PrivateKey.String()}, ""), "PRIVATE") {
		t.Fatal("private key printed")
	}
	if _, ok := e.srv.Registry.PublicKey(k.ID); !ok {
		t.Fatal("public key not registered for the token emulator")
	}
	got, err := e.client.Keys().Get(ctx, k.ID)
	if err != nil || got.PublicKey != k.PublicKey {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	var ids []string
	for key, err := range e.client.Keys().List(ctx, yandex.ListKeysRequest{}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, key.ID)
	}
	if len(ids) != 1 || ids[0] != k.ID {
		t.Fatalf("List = %v", ids)
	}
	if p, err := e.client.Keys().ListPage(ctx, yandex.ListKeysRequest{ServiceAccountID: k.ServiceAccountID}); err != nil || len(p.Items) != 1 {
		t.Fatalf("ListPage = %+v, %v", p, err)
	}
	// Create answers the key directly: the API defines no operation for it.
	if p, err := e.client.Keys().ListOperationsPage(ctx, yandex.ListOperationsRequest{ResourceID: k.ID}); err != nil || len(p.Items) != 0 {
		t.Fatalf("ListOperationsPage = %+v, %v", p, err)
	}
	upd, err := e.client.Keys().Update(ctx, yandex.UpdateKeyRequest{ID: k.ID, Description: "renamed"})
	if err != nil || upd.Description != "renamed" {
		t.Fatalf("Update = %+v, %v", upd, err)
	}
	if op, err := e.client.Keys().StartUpdate(ctx, yandex.UpdateKeyRequest{ID: k.ID, Description: "again"}); err != nil || !strings.HasSuffix(op.ResponseType(), "yandex.cloud.iam.v1.Key") {
		t.Fatalf("StartUpdate = %+v, %v", op, err)
	}
	n := 0
	for _, err := range e.client.Keys().ListOperations(ctx, yandex.ListOperationsRequest{ResourceID: k.ID}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 2 {
		t.Fatalf("ListOperations = %d, want the 2 updates", n)
	}
	if err := e.client.Keys().Delete(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.srv.Registry.PublicKey(k.ID); ok {
		t.Fatal("deleted key still registered")
	}
	if _, err := e.client.Keys().Create(ctx, yandex.CreateKeyRequest{KeyAlgorithm: "DSA"}); !errors.Is(err, iam.ErrInvalidArgument) {
		t.Fatalf("bad algorithm = %v", err)
	}
}

func TestKeysCreateRSA4096(t *testing.T) {
	if testing.Short() {
		t.Skip("RSA-4096 generation is slow")
	}
	e := newEnv(t, envOpt{})
	created, err := e.client.Keys().Create(ctxT(t), yandex.CreateKeyRequest{KeyAlgorithm: yandex.RSA4096})
	if err != nil || created.Key.KeyAlgorithm != yandex.RSA4096 {
		t.Fatalf("Create = %+v, %v", created, err)
	}
	key, err := auth.ParsePrivateKeyPEM([]byte(created.PrivateKey.Reveal()), "")
	if err != nil || key.N.BitLen() != 4096 {
		t.Fatalf("private key: %v", err)
	}
}

func TestKeyAlgorithmByNumber(t *testing.T) {
	var k yandex.Key
	if err := json.Unmarshal([]byte(`{"id":"k","keyAlgorithm":2,"createdAt":"2018-10-30T15:55:00+00:00"}`), &k); err != nil || k.KeyAlgorithm != yandex.RSA4096 {
		t.Fatalf("%+v %v", k, err)
	}
}

func TestWriteKeyFile(t *testing.T) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(priv)
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	created := &yandex.CreatedKey{
		Key: yandex.Key{ID: "ajek6nubd5g3abcdefgh", ServiceAccountID: "ajelprpohp7rabcdefgh", KeyAlgorithm: yandex.RSA2048,
			PublicKey: "-----BEGIN PUBLIC KEY-----\nX\n-----END PUBLIC KEY-----\n", CreatedAt: time.Date(2025, 5, 28, 16, 17, 17, 721526532, time.UTC)},
		PrivateKey: iam.NewSecret(pemKey),
	}
	path := filepath.Join(t.TempDir(), "key.json")
	if err := yandex.WriteKeyFile(path, created); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %v, want 0600", fi.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	var f map[string]string
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"id":                 "ajek6nubd5g3abcdefgh",
		"service_account_id": "ajelprpohp7rabcdefgh",
		"created_at":         "2025-05-28T16:17:17.721526532Z",
		"key_algorithm":      "RSA_2048",
		"public_key":         created.Key.PublicKey,
		"private_key":        "PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key ID <ajek6nubd5g3abcdefgh>\n" + pemKey,
	}
	for k, v := range want {
		if f[k] != v {
			t.Errorf("%s = %q, want %q", k, f[k], v)
		}
	}
	// yc's encoding: 3-space indent, < and > escaped.
	if !bytes.Contains(data, []byte("\n   \"id\"")) || !bytes.Contains(data, []byte(`\u003cajek6nubd5g3abcdefgh\u003e`)) {
		t.Errorf("not in yc layout:\n%s", data)
	}

	// A key that already has the prefix, or whose line breaks came as
	// literal \n, is written once, with real line breaks.
	created.PrivateKey = iam.NewSecret(strings.ReplaceAll("PLEASE DO NOT REMOVE THIS LINE! Yandex.Cloud SA Key ID <x>\n"+pemKey, "\n", `\n`))
	b, err := created.KeyFile()
	if err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal(b, &f)
	if strings.Count(f["private_key"], "PLEASE DO NOT REMOVE") != 1 || strings.Contains(f["private_key"], `\n`) {
		t.Errorf("private_key = %q", f["private_key"])
	}
	if k, err := yandexauth.ParseKey(b, "key.json"); err != nil || !k.PrivateKey().Equal(priv) {
		t.Errorf("the key file does not load back: %v", err)
	}

	for name, bad := range map[string]*yandex.CreatedKey{
		"no id":          {Key: yandex.Key{ServiceAccountID: "sa"}, PrivateKey: iam.NewSecret(pemKey)},
		"no account":     {Key: yandex.Key{ID: "k"}, PrivateKey: iam.NewSecret(pemKey)},
		"no private key": {Key: yandex.Key{ID: "k", ServiceAccountID: "sa"}},
		"not a key":      {Key: yandex.Key{ID: "k", ServiceAccountID: "sa"}, PrivateKey: iam.NewSecret("-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n")},
		"both accounts":  {Key: yandex.Key{ID: "k", ServiceAccountID: "sa", UserAccountID: "u"}, PrivateKey: iam.NewSecret(pemKey)},
	} {
		err := yandex.WriteKeyFile(filepath.Join(t.TempDir(), "k.json"), bad)
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// A user account's key: a key.json with user_account_id, which loads
	// as a user-account key.
	user := &yandex.CreatedKey{Key: yandex.Key{ID: "k", UserAccountID: "u"}, PrivateKey: iam.NewSecret(pemKey)}
	ub, err := user.KeyFile()
	if err != nil || !strings.Contains(string(ub), `"user_account_id": "u"`) {
		t.Fatalf("user account's key file: %s, %v", ub, err)
	}
	if k, err := yandexauth.ParseKey(ub, "u.json"); err != nil || !k.UserAccount || k.ServiceAccountID != "u" {
		t.Fatalf("user account's key file loads as %v, %v", k, err)
	}
	if err := yandex.WriteKeyFile(filepath.Join(t.TempDir(), "missing", "k.json"), created); err == nil {
		t.Error("write into a missing directory: no error")
	}
}

// TestEndToEnd creates an authorized key, writes key.json, loads it with
// the auth package, exchanges a signed JWT at the token emulator and uses
// the token.
func TestEndToEnd(t *testing.T) {
	reg := iamtest.NewRegistry()
	tokens, err := iamtest.NewYandexTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = reg })
	if err != nil {
		t.Fatal(err)
	}
	defer tokens.Close()
	srv := newServer(t, func(o *yandextest.Options) { o.Registry = reg })
	ctx := ctxT(t)

	// A brand-new user starts from the emulator's bootstrap key.
	bootstrap, err := srv.BootstrapKeyFile()
	if err != nil {
		t.Fatal(err)
	}
	admin := clientFromKeyJSON(t, bootstrap, "bootstrap", tokens.URL, srv.URL)
	created, err := admin.Keys().Create(ctx, yandex.CreateKeyRequest{Description: "for ci"})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "key.json")
	if err := yandex.WriteKeyFile(path, created); err != nil {
		t.Fatal(err)
	}
	key, err := yandexauth.LoadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if key.KeyID != created.Key.ID || key.ServiceAccountID != srv.ServiceAccountID() {
		t.Fatalf("loaded key %s/%s", key.KeyID, key.ServiceAccountID)
	}
	data, _ := os.ReadFile(path)
	c := clientFromKeyJSON(t, data, path, tokens.URL, srv.URL)
	ak, err := c.APIKeys().Create(ctx, yandex.CreateAPIKeyRequest{Scopes: []string{"yc.postbox.send"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.CheckAPIKey("Api-Key "+ak.Secret.Reveal(), "yc.postbox.send"); err != nil {
		t.Fatal(err)
	}
	if tokens.Calls("") != 2 {
		t.Fatalf("exchanges = %d, want 2", tokens.Calls(""))
	}
	// After the key is deleted, a new exchange with it fails.
	if err := admin.Keys().Delete(ctx, created.Key.ID); err != nil {
		t.Fatal(err)
	}
	c2 := clientFromKeyJSON(t, data, path, tokens.URL, srv.URL)
	if _, err := c2.APIKeys().ListPage(ctx, yandex.ListAPIKeysRequest{}); !errors.Is(err, iam.ErrUnauthenticated) {
		t.Fatalf("with a deleted key: %v", err)
	}
}

func clientFromKeyJSON(t *testing.T, keyJSON []byte, source, tokenURL, iamURL string) *yandex.Client {
	t.Helper()
	key, err := yandexauth.ParseKey(keyJSON, source)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := yandexauth.NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	x, err := yandexauth.NewExchanger(signer, func(o *yandexauth.ExchangerOptions) { o.Endpoint = tokenURL })
	if err != nil {
		t.Fatal(err)
	}
	cache, err := auth.NewCache(x)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cache.Close() })
	c, err := yandex.New(cache, func(o *yandex.Options) {
		o.Endpoint, o.OperationEndpoint, o.ServiceAccountID = iamURL, iamURL, key.ServiceAccountID
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestKeyFileVariantsLoad: the key.json forms users have (with the prefix
// line, without it, with unknown fields, camelCase from the REST answer)
// load with the auth package's reader.
func TestKeyFileVariantsLoad(t *testing.T) {
	e := newEnv(t, envOpt{})
	created, err := e.client.Keys().Create(ctxT(t), yandex.CreateKeyRequest{})
	if err != nil {
		t.Fatal(err)
	}
	file, err := created.KeyFile()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(file, &m); err != nil {
		t.Fatal(err)
	}
	withUnknown := map[string]any{"storage_access_key": "x", "extra": map[string]any{"a": 1}}
	for k, v := range m {
		withUnknown[k] = v
	}
	noPrefix := map[string]any{}
	for k, v := range m {
		noPrefix[k] = v
	}
	noPrefix["private_key"] = created.PrivateKey.Reveal()
	camel := map[string]any{"id": created.Key.ID, "serviceAccountId": created.Key.ServiceAccountID,
		"privateKey": created.PrivateKey.Reveal(), "keyAlgorithm": "RSA_2048"}
	for name, v := range map[string]any{"as written": m, "unknown fields": withUnknown, "no prefix": noPrefix, "camelCase": camel} {
		data, _ := json.Marshal(v)
		if !bytes.Contains(data, []byte(`\n`)) {
			t.Fatalf("%s: private key not \\n-escaped", name)
		}
		key, err := yandexauth.ParseKey(data, name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if key.KeyID != created.Key.ID {
			t.Errorf("%s: key ID %q", name, key.KeyID)
		}
	}
}
