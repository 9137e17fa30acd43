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
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
	"github.com/iamkit/iamkit/iam/yandex"
)

// exampleClient returns a client of a fresh emulator (and the emulator, to
// close). Real code passes an *auth.Cache and no endpoints.
func exampleClient() (*yandex.Client, *yandextest.Server) {
	srv := yandextest.New()
	token := srv.IssueToken(srv.ServiceAccountID())
	client, err := yandex.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token}), func(o *yandex.Options) {
		o.Endpoint = srv.URL
		o.OperationEndpoint = srv.URL
	})
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
	srv := yandextest.New(func(o *yandextest.Options) { o.Registry = reg })
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
	keys, err := client.AccessKeys.ListKeys(context.Background())
	fmt.Println(len(keys), err)
	// Output: 0 <nil>
}

func ExampleAPIKeys_Create() {
	client, srv := exampleClient()
	defer srv.Close()
	ctx := context.Background()

	created, err := client.APIKeys.Create(ctx, yandex.CreateAPIKeyRequest{
		Description: "translator bot",
		Scopes:      []string{"yc.ai.translate.execute"},
		ExpiresAt:   time.Now().Add(90 * 24 * time.Hour),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(created.APIKey.Scopes, created.Secret) // the secret prints as REDACTED
	// Use it as "Authorization: Api-Key " + created.Secret.Reveal().

	updated, err := client.APIKeys.Update(ctx, created.APIKey.ID, yandex.UpdateAPIKeyRequest{
		Description: ptr("translator bot (prod)"),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(updated.Description)
	fmt.Println(client.APIKeys.Delete(ctx, created.APIKey.ID))
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
		if _, err := client.APIKeys.Create(ctx, yandex.CreateAPIKeyRequest{Description: d}); err != nil {
			log.Fatal(err)
		}
	}
	// Pages are fetched as the loop goes.
	for key, err := range client.APIKeys.List(ctx, yandex.ListAPIKeysRequest{PageRequest: yandex.PageRequest{PageSize: 2}}) {
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
	for _, err := range client.APIKeys.ListScopes(context.Background(), yandex.PageRequest{}) {
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

	created, err := client.AccessKeys.Create(ctx, yandex.CreateAccessKeyRequest{Description: "backup writer"})
	if err != nil {
		log.Fatal(err)
	}
	// KeyID and Secret are aws_access_key_id and aws_secret_access_key.
	fmt.Println(created.AccessKey.KeyID != "", created.Secret)
	fmt.Println(client.AccessKeys.Delete(ctx, created.AccessKey.ID))
	// Output:
	// true REDACTED
	// <nil>
}

func ExampleKeys_Create() {
	client, srv := exampleClient()
	defer srv.Close()

	created, err := client.Keys.Create(context.Background(), yandex.CreateKeyRequest{Description: "ci"})
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

	k, err := client.EphemeralAccessKeys.Create(context.Background(), yandex.CreateEphemeralAccessKeyRequest{
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
	created, err := client.Keys.Create(ctx, yandex.CreateKeyRequest{})
	if err != nil {
		log.Fatal(err)
	}
	op, err := client.Keys.StartDelete(ctx, created.Key.ID)
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	op, err = client.Operations.Wait(ctx, op)
	fmt.Println(op.Done, op.ResponseType(), err)
	// Output: true type.googleapis.com/google.protobuf.Empty <nil>
}

func ExampleDiscoverEndpoints() {
	srv := yandextest.New()
	defer srv.Close()
	// Without a URL, DiscoverEndpoints asks https://api.cloud.yandex.net/endpoints.
	eps, err := yandex.DiscoverEndpoints(context.Background(), srv.URL+"/endpoints", nil)
	if err != nil {
		log.Fatal(err)
	}
	client, err := yandex.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: srv.IssueToken("me")}), eps.Apply)
	fmt.Println(client != nil, err)
	// Output: true <nil>
}

func ExampleWriteKeyFile() {
	client, srv := exampleClient()
	defer srv.Close()
	created, err := client.Keys.Create(context.Background(), yandex.CreateKeyRequest{})
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
