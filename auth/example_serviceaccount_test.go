package auth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
)

// NebiusServiceAccount builds the whole pipeline (signer, exchanger, cache)
// for a service-account key. Here the key is registered with the token
// emulator; with a real key, leave Endpoint empty.
func ExampleNebiusServiceAccount() {
	emu := iamtest.NewNebiusTokenServer()
	defer emu.Close()
	priv, _ := rsa.GenerateKey(rand.Reader, 2048)
	emu.Registry.PutPublicKey(iamtest.PublicKey{KeyID: "publickey-e00example", ServiceAccountID: "serviceaccount-e00example", Key: &priv.PublicKey})
	key, err := auth.NewServiceAccountKey("publickey-e00example", "serviceaccount-e00example", priv)
	if err != nil {
		panic(err)
	}

	ts, err := auth.NebiusServiceAccount(key, func(o *auth.ServiceAccountOptions) { o.Endpoint = emu.URL })
	if err != nil {
		panic(err)
	}
	defer ts.Close()
	tok, err := ts.AccessToken(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println(tok.Type, tok.Value, time.Until(tok.Expiry).Round(time.Hour))
	// Output: Bearer REDACTED 12h0m0s
}

// YandexServiceAccount does the same for a Yandex Cloud authorized key; it
// gets a new IAM token at least every hour, as Yandex recommends.
func ExampleYandexServiceAccount() {
	emu := iamtest.NewYandexTokenServer()
	defer emu.Close()
	priv, _ := rsa.GenerateKey(rand.Reader, 2048)
	emu.Registry.PutPublicKey(iamtest.PublicKey{KeyID: "ajeexamplekey", ServiceAccountID: "ajeexamplesa", Key: &priv.PublicKey})
	key, _ := auth.NewServiceAccountKey("ajeexamplekey", "ajeexamplesa", priv)

	ts, err := auth.YandexServiceAccount(key, func(o *auth.ServiceAccountOptions) { o.Endpoint = emu.URL })
	if err != nil {
		panic(err)
	}
	defer ts.Close()
	tok, err := ts.AccessToken(context.Background())
	fmt.Println(tok.Value, err, emu.Exchanges())
	// Output: REDACTED <nil> 1
}

// A DiskStore lets short-lived processes reuse a token across runs.
func ExampleNewDiskStore() {
	dir, _ := os.MkdirTemp("", "iamkit-example")
	defer os.RemoveAll(dir)
	store, err := auth.NewDiskStore(filepath.Join(dir, "tokens.json"), nil)
	if err != nil {
		panic(err)
	}
	_ = store.Save("my-key-id", auth.Token{Value: iam.NewSecret("t1.token"), Type: "Bearer", Expiry: time.Now().Add(time.Hour)})
	tok, ok := store.Load("my-key-id")
	fi, _ := os.Stat(store.Path())
	fmt.Println(ok, tok.Value, fi.Mode().Perm())
	// Output: true REDACTED -rw-------
}

// NebiusEnvTokenSource serves the token in NEBIUS_IAM_TOKEN, as the Nebius
// CLI does.
func ExampleNebiusEnvTokenSource() {
	os.Setenv("NEBIUS_IAM_TOKEN", "v1.example-token")
	defer os.Unsetenv("NEBIUS_IAM_TOKEN")
	ts, err := auth.NebiusEnvTokenSource()
	if err != nil {
		panic(err)
	}
	tok, _ := ts.AccessToken(context.Background())
	fmt.Println(tok.Value, tok.Expiry.IsZero())
	// Output: REDACTED true
}
