package yandextest_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"golang.org/x/oauth2"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/yandexauth"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
	"github.com/iamkit/iamkit/iam/yandex"
)

// The emulator with the token emulator: a brand-new user signs in with the
// bootstrap key and manages keys.
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

	keyJSON, err := srv.BootstrapKeyFile()
	if err != nil {
		log.Fatal(err)
	}
	key, err := yandexauth.ParseKey(keyJSON, "bootstrap")
	if err != nil {
		log.Fatal(err)
	}
	ts, err := yandexauth.ServiceAccount(key, func(o *auth.ServiceAccountOptions) { o.Endpoint = tokens.URL })
	if err != nil {
		log.Fatal(err)
	}
	defer ts.Close()
	client, err := yandex.New(ts, srv.ClientOptions())
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	k, err := client.AccessKeys().Create(context.Background(), yandex.CreateAccessKeyRequest{})
	if err != nil {
		log.Fatal(err)
	}
	_, ok := reg.S3Key(k.AccessKey.AccessKeyID) // the S3 emulator accepts it
	fmt.Println(ok)
	// Output: true
}

// Tests that need no token exchange take a token from IssueToken; they can
// lose answers (to test retries) and fail operations.
func ExampleServer_IssueToken() {
	srv, err := yandextest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: srv.IssueToken(srv.ServiceAccountID(), time.Hour)})
	client, err := yandex.New(ts, srv.ClientOptions())
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	ctx := context.Background()
	srv.LoseResponses("ApiKeyService/Create", 1) // the retry gets the first answer
	created, err := client.APIKeys().Create(ctx, yandex.CreateAPIKeyRequest{Description: "once"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(srv.Stats().Replays, srv.Calls("ApiKeyService/Create"))
	srv.FailNextOperation(9, "in use")
	err = client.APIKeys().Delete(ctx, created.APIKey.ID)
	fmt.Println(err != nil)
	// Output:
	// 1 2
	// true
}
