package yandex_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
	"github.com/iamkit/iamkit/iam/yandex"
)

// exampleClient returns a client of a fresh emulator (and the emulator, to
// close). Real code passes an *auth.Cache and no endpoints.
func exampleClient() (*yandex.Client, *yandextest.Server) {
	srv, err := yandextest.New()
	if err != nil {
		log.Fatal(err)
	}
	token := srv.IssueToken(srv.ServiceAccountID(), time.Hour)
	client, err := yandex.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token}), srv.ClientOptions())
	if err != nil {
		log.Fatal(err)
	}
	return client, srv
}

// New with the token source of a service account's key.json; the token
// emulator and the IAM emulator stand in for Yandex Cloud here.
func ExampleNew() {
	reg := iamtest.NewRegistry()
	tokens, err := iamtest.NewYandexTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = reg })
	if err != nil {
		log.Fatal(err)
	}
	defer tokens.Close()
	srv, err := yandextest.New(func(o *yandextest.Options) { o.Registry = reg })
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	keyJSON, err := srv.BootstrapKeyFile() // in real life: os.ReadFile("key.json")
	if err != nil {
		log.Fatal(err)
	}

	key, err := yandexauth.ParseKey(keyJSON, "key.json")
	if err != nil {
		log.Fatal(err)
	}
	signer, err := yandexauth.NewSigner(key)
	if err != nil {
		log.Fatal(err)
	}
	x, err := yandexauth.NewExchanger(signer, func(o *yandexauth.ExchangerOptions) {
		o.Endpoint = tokens.URL // omit for Yandex Cloud
	})
	if err != nil {
		log.Fatal(err)
	}
	ts, err := auth.NewCache(x)
	if err != nil {
		log.Fatal(err)
	}
	defer ts.Close()
	client, err := yandex.New(ts, func(o *yandex.Options) {
		o.Endpoint, o.OperationEndpoint = srv.URL, srv.URL // omit for Yandex Cloud
		o.ServiceAccountID = key.ServiceAccountID
	})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	keys, err := client.Keys().ListPage(context.Background(), yandex.ListKeysRequest{})
	fmt.Println(len(keys.Items), err) // the key.json's own key
	// Output: 1 <nil>
}

// NewKeyManager makes an iam.KeyManager of a service account's static
// access keys, for credentials.NewManagedProvider to rotate.
func ExampleNewKeyManager() {
	client, srv := exampleClient()
	defer srv.Close()
	defer client.Close()
	ctx := context.Background()

	km, err := yandex.NewKeyManager(client, srv.ServiceAccountID())
	if err != nil {
		log.Fatal(err)
	}
	k, err := km.CreateKey(ctx, iam.CreateKeyRequest{Description: "rotated by iamkit"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(k.Provider, k.State, k.Secret, k.Expires()) // Yandex static keys never expire
	keys, err := km.ListKeys(ctx)
	fmt.Println(len(keys), err)
	fmt.Println(km.DeleteKey(ctx, k.ID))
	// Output:
	// yandex ACTIVE REDACTED false
	// 1 <nil>
	// <nil>
}

func ExampleAPIKeys_Create() {
	client, srv := exampleClient()
	defer srv.Close()
	ctx := context.Background()

	created, err := client.APIKeys().Create(ctx, yandex.CreateAPIKeyRequest{
		Description: "translator bot",
		Scopes:      []string{"yc.ai.translate.execute"},
		ExpiresAt:   time.Now().Add(90 * 24 * time.Hour),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(created.APIKey.Scopes, created.Secret) // the secret prints as REDACTED
	// Use it as "Authorization: Api-Key " + created.Secret.Reveal().

	updated, err := client.APIKeys().Update(ctx, yandex.UpdateAPIKeyRequest{ID: created.APIKey.ID,
		Description: ptr("translator bot (prod)"),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(updated.Description)
	fmt.Println(client.APIKeys().Delete(ctx, created.APIKey.ID))
	// Output:
	// [yc.ai.translate.execute] REDACTED
	// translator bot (prod)
	// <nil>
}

func ExampleAPIKeys_List() {
	client, srv := exampleClient()
	defer srv.Close()
	ctx := context.Background()
	for _, d := range []string{"a", "b", "c"} {
		if _, err := client.APIKeys().Create(ctx, yandex.CreateAPIKeyRequest{Description: d}); err != nil {
			log.Fatal(err)
		}
	}
	// Pages are fetched as the loop goes.
	for key, err := range client.APIKeys().List(ctx, yandex.ListAPIKeysRequest{PageRequest: yandex.PageRequest{PageSize: 2}}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(key.Description)
	}
	// Output:
	// a
	// b
	// c
}

func ExampleAPIKeys_ListScopes() {
	client, srv := exampleClient()
	defer srv.Close()
	n := 0
	for _, err := range client.APIKeys().ListScopes(context.Background(), yandex.PageRequest{}) {
		if err != nil {
			log.Fatal(err)
		}
		n++
	}
	fmt.Println(n, "scopes")
	// Output: 20 scopes
}

func ExampleAccessKeys_Create() {
	client, srv := exampleClient()
	defer srv.Close()
	ctx := context.Background()

	created, err := client.AccessKeys().Create(ctx, yandex.CreateAccessKeyRequest{Description: "backup writer"})
	if err != nil {
		log.Fatal(err)
	}
	// AccessKeyID and Secret are aws_access_key_id and aws_secret_access_key.
	fmt.Println(created.AccessKey.AccessKeyID != "", created.Secret)
	fmt.Println(client.AccessKeys().Delete(ctx, created.AccessKey.ID))
	// Output:
	// true REDACTED
	// <nil>
}

func ExampleKeys_Create() {
	client, srv := exampleClient()
	defer srv.Close()

	created, err := client.Keys().Create(context.Background(), yandex.CreateKeyRequest{Description: "ci"})
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "yandex-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "key.json")
	if err := yandex.WriteKeyFile(path, created); err != nil {
		log.Fatal(err)
	}
	key, err := yandexauth.LoadKeyFile(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(key.KeyID == created.Key.ID, created.Key.KeyAlgorithm)
	// Output: true RSA_2048
}

func ExampleEphemeralAccessKeys_Create() {
	client, srv := exampleClient()
	defer srv.Close()

	k, err := client.EphemeralAccessKeys().Create(context.Background(), yandex.CreateEphemeralAccessKeyRequest{
		SessionName: "nightly-backup",
		Policy:      `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::backups/*"}]}`,
		Duration:    time.Hour,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(k.Secret, k.SessionToken, k.ExpiresAt.After(time.Now()))
	// Output: REDACTED REDACTED true
}

func ExampleOperations_Wait() {
	client, srv := exampleClient()
	defer srv.Close()
	ctx := context.Background()
	created, err := client.Keys().Create(ctx, yandex.CreateKeyRequest{})
	if err != nil {
		log.Fatal(err)
	}
	op, err := client.Keys().StartDelete(ctx, created.Key.ID)
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	op, err = client.Operations().Wait(ctx, op)
	fmt.Println(op.Done, op.ResponseType(), err)
	// Output: true type.googleapis.com/google.protobuf.Empty <nil>
}

// Cancel is best effort: the answer is the operation as the service then
// reports it, and Wait tells how it ended.
func ExampleOperations_Cancel() {
	client, srv := exampleClient()
	defer srv.Close()
	ctx := context.Background()
	created, err := client.Keys().Create(ctx, yandex.CreateKeyRequest{})
	if err != nil {
		log.Fatal(err)
	}
	op, err := client.Keys().StartDelete(ctx, created.Key.ID)
	if err != nil {
		log.Fatal(err)
	}
	op, err = client.Operations().Cancel(ctx, op.ID)
	fmt.Println(op.Done, err) // the emulator had already deleted the key
	// Output: true <nil>
}

func ExampleDiscoverEndpoints() {
	srv, err := yandextest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	// Without a URL, DiscoverEndpoints asks https://api.cloud.yandex.net/endpoints.
	eps, err := yandex.DiscoverEndpoints(context.Background(), srv.URL+"/endpoints")
	if err != nil {
		log.Fatal(err)
	}
	client, err := yandex.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: srv.IssueToken("me", time.Hour)}), eps.Apply)
	fmt.Println(client.Endpoint() == srv.URL, err)
	// Output: true <nil>
}

func ExampleWriteKeyFile() {
	client, srv := exampleClient()
	defer srv.Close()
	created, err := client.Keys().Create(context.Background(), yandex.CreateKeyRequest{})
	if err != nil {
		log.Fatal(err)
	}
	path := filepath.Join(os.TempDir(), fmt.Sprintf("key-%d.json", time.Now().UnixNano()))
	defer os.Remove(path)
	if err := yandex.WriteKeyFile(path, created); err != nil {
		log.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(fi.Mode().Perm())
	// Output: -rw-------
}
