package nebius_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/iam/nebius"
)

// emulators starts the token-exchange and key emulators, makes a service
// account, and returns a client authenticated the way a real program is:
// credentials JSON → signed JWT → token exchange.
func emulators() (c *nebius.Client, sa *nebiustest.ServiceAccount, tokenURL string, cleanup func()) {
	reg := iamtest.NewRegistry()
	tokens, err := iamtest.NewNebiusTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = reg })
	if err != nil {
		log.Fatal(err)
	}
	srv, err := nebiustest.New(func(o *nebiustest.Options) { o.Registry = reg })
	if err != nil {
		log.Fatal(err)
	}
	sa, err = srv.NewServiceAccount("")
	if err != nil {
		log.Fatal(err)
	}
	key, err := nebiusauth.ParseCredentials([]byte(sa.CredentialsJSON.Reveal()), "credentials.json")
	if err != nil {
		log.Fatal(err)
	}
	src, err := nebiusauth.ServiceAccount(key, func(o *auth.ServiceAccountOptions) { o.Endpoint = tokens.URL })
	if err != nil {
		log.Fatal(err)
	}
	// srv.ClientOptions sets Address (default: cpl.iam.api.nebius.cloud:443
	// over TLS) and Plaintext (loopback only).
	c, err = nebius.New(src, srv.ClientOptions(), func(o *nebius.Options) { o.ProjectID = sa.ProjectID })
	if err != nil {
		log.Fatal(err)
	}
	return c, sa, tokens.URL, func() { c.Close(); src.Close(); srv.Close(); tokens.Close() }
}

func Example() {
	c, sa, _, cleanup := emulators()
	defer cleanup()
	ctx := context.Background()

	k, err := c.AccessKeys().Create(ctx, nebius.CreateAccessKeyRequest{
		Account:     nebius.ServiceAccount(sa.ID),
		Description: "backup job",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("state:", k.State)
	fmt.Println("secret:", k.Secret) // printing a Secret never shows it
	fmt.Println("has AWS key ID:", k.AccessKeyID != "")
	// Output:
	// state: ACTIVE
	// secret: REDACTED
	// has AWS key ID: true
}

func ExampleAccessKeys_Create() {
	c, sa, _, cleanup := emulators()
	defer cleanup()
	ctx := context.Background()

	// EXPLICIT delivery: Create reads the secret with GetSecret for you.
	k, err := c.AccessKeys().Create(ctx, nebius.CreateAccessKeyRequest{
		Account:            nebius.ServiceAccount(sa.ID),
		Description:        "ci",
		ExpiresAt:          time.Now().Add(30 * 24 * time.Hour),
		SecretDeliveryMode: nebius.DeliveryExplicit,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(k.Description, k.State, !k.ExpiresAt.IsZero(), !k.Secret.IsZero())
	// Output: ci ACTIVE true true
}

func ExampleAccessKeys_List() {
	c, sa, _, cleanup := emulators()
	defer cleanup()
	ctx := context.Background()
	for range 3 {
		if _, err := c.AccessKeys().Create(ctx, nebius.CreateAccessKeyRequest{Account: nebius.ServiceAccount(sa.ID)}); err != nil {
			log.Fatal(err)
		}
	}
	// The iterator fetches pages (here of 2) as the loop goes.
	n := 0
	for k, err := range c.AccessKeys().List(ctx, nebius.ListRequest{PageSize: 2}) {
		if err != nil {
			log.Fatal(err)
		}
		_ = k.AccessKeyID
		n++
	}
	fmt.Println("keys:", n)
	// Output: keys: 3
}

func ExampleAccessKeys_Update() {
	c, sa, _, cleanup := emulators()
	defer cleanup()
	ctx := context.Background()
	k, err := c.AccessKeys().Create(ctx, nebius.CreateAccessKeyRequest{
		Account: nebius.ServiceAccount(sa.ID), Description: "old", Labels: map[string]string{"team": "data"},
	})
	if err != nil {
		log.Fatal(err)
	}
	desc := "new"
	if _, err := c.AccessKeys().Update(ctx, nebius.UpdateAccessKeyRequest{ID: k.ID, Description: &desc}); err != nil {
		log.Fatal(err)
	}
	k, _ = c.AccessKeys().Get(ctx, k.ID)
	fmt.Println(k.Description, k.Labels["team"]) // labels are kept
	// Output: new data
}

func ExampleAuthPublicKeys_Create() {
	c, sa, _, cleanup := emulators()
	defer cleanup()
	ctx := context.Background()

	priv, _ := rsa.GenerateKey(rand.Reader, 2048)
	der, _ := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	pk, err := c.AuthPublicKeys().Create(ctx, nebius.CreateAuthPublicKeyRequest{
		Account: nebius.ServiceAccount(sa.ID),
		Data:    string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pk.State, pk.Algorithm, pk.KeySize)
	if _, err := c.AuthPublicKeys().Deactivate(ctx, pk.ID); err != nil {
		log.Fatal(err)
	}
	pk, _ = c.AuthPublicKeys().Get(ctx, pk.ID)
	fmt.Println(pk.State)
	// Output:
	// ACTIVE RSA 2048
	// INACTIVE
}

func ExampleAuthPublicKeys_Bootstrap() {
	c, sa, tokenURL, cleanup := emulators()
	defer cleanup()
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "nebius-example")
	defer os.RemoveAll(dir)

	res, err := c.AuthPublicKeys().Bootstrap(ctx, nebius.BootstrapRequest{
		ServiceAccountID: sa.ID,
		KeyBits:          2048, // default 4096
		CredentialsPath:  filepath.Join(dir, "credentials.json"),
		TokenOptions:     []func(*auth.ServiceAccountOptions){func(o *auth.ServiceAccountOptions) { o.Endpoint = tokenURL }},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer res.Tokens.Close()
	tok, err := res.Tokens.AccessToken(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fi, _ := os.Stat(filepath.Join(dir, "credentials.json"))
	fmt.Println(res.Key.KeyID == res.PublicKey.ID, fi.Mode().Perm(), tok.Value)
	// Output: true -rw------- REDACTED
}

func ExampleOperations_Wait() {
	c, sa, _, cleanup := emulators()
	defer cleanup()
	ctx := context.Background()

	op, err := c.AccessKeys().StartCreate(ctx, nebius.CreateAccessKeyRequest{Account: nebius.ServiceAccount(sa.ID)})
	if err != nil {
		log.Fatal(err)
	}
	op, err = c.Operations().Wait(ctx, op)
	if err != nil {
		log.Fatal(err) // the error names op.ResourceID
	}
	k, err := c.AccessKeys().Get(ctx, op.ResourceID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(op.Done, k.ID == op.ResourceID)
	// Output: true true
}

func ExampleNewKeyManager() {
	c, sa, _, cleanup := emulators()
	defer cleanup()
	ctx := context.Background()

	var m iam.KeyManager
	m, err := nebius.NewKeyManager(c, nebius.ServiceAccount(sa.ID))
	if err != nil {
		log.Fatal(err)
	}
	k, err := m.CreateKey(ctx, iam.CreateKeyRequest{Description: "rotated"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(k.Provider, k.State, k.Secret)
	if err := m.DeleteKey(ctx, k.ID); err != nil {
		log.Fatal(err)
	}
	// Output: nebius ACTIVE REDACTED
}

// ExampleServiceAccountTokens exchanges a service account's JWTs over gRPC
// (TokenExchangeService on tokens.iam.<domain>), configured by the same
// options as the IAM client: here the emulator's, for a real program
// Options.Domain or $NEBIUS_ENDPOINT, which then moves both.
func ExampleServiceAccountTokens() {
	srv, err := nebiustest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	sa, err := srv.NewServiceAccount("")
	if err != nil {
		log.Fatal(err)
	}
	key, err := nebiusauth.ParseCredentials([]byte(sa.CredentialsJSON.Reveal()), "credentials.json")
	if err != nil {
		log.Fatal(err)
	}
	tokens, err := nebius.ServiceAccountTokens(key, srv.ClientOptions())
	if err != nil {
		log.Fatal(err)
	}
	defer tokens.Close()
	c, err := nebius.New(tokens, srv.ClientOptions(), func(o *nebius.Options) { o.ProjectID = sa.ProjectID })
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	k, err := c.AccessKeys().Create(context.Background(), nebius.CreateAccessKeyRequest{Account: nebius.ServiceAccount(sa.ID)})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(k.State, srv.Calls("TokenExchangeService/Exchange"))
	// Output: ACTIVE 1
}

// ExampleNewTokenExchanger makes one RFC 8693 exchange of a signed JWT.
func ExampleNewTokenExchanger() {
	srv, err := nebiustest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	sa, _ := srv.NewServiceAccount("")
	key, _ := nebiusauth.ParseCredentials([]byte(sa.CredentialsJSON.Reveal()), "credentials.json")
	signer, err := nebiusauth.NewSigner(key)
	if err != nil {
		log.Fatal(err)
	}
	x, err := nebius.NewTokenExchanger(srv.ClientOptions()) // default: tokens.iam.api.nebius.cloud:443
	if err != nil {
		log.Fatal(err)
	}
	defer x.Close()
	jwt, _ := signer.SignJWT(time.Now())
	tok, err := x.Exchange(context.Background(), nebius.ExchangeRequest{SubjectToken: jwt, SubjectTokenType: nebius.TokenTypeJWT})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.Type, tok.Value)
	// Output: Bearer REDACTED
}

// ExampleOperations_List lists what was done to a key.
func ExampleOperations_List() {
	c, sa, _, cleanup := emulators()
	defer cleanup()
	ctx := context.Background()
	k, err := c.AccessKeys().Create(ctx, nebius.CreateAccessKeyRequest{Account: nebius.ServiceAccount(sa.ID)})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := c.AccessKeys().Deactivate(ctx, k.ID); err != nil {
		log.Fatal(err)
	}
	for op, err := range c.Operations().List(ctx, nebius.ListOperationsRequest{ResourceID: k.ID}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(op.Description, op.Done, op.Request.GetTypeUrl())
	}
	// Output:
	// create access key true type.googleapis.com/nebius.iam.v2.CreateAccessKeyRequest
	// deactivate access key true type.googleapis.com/nebius.iam.v2.DeactivateAccessKeyRequest
}
