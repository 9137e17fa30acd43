package credentials_test

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/oauth2"

	iamcreds "github.com/iamkit/iamkit/credentials"
	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
	"github.com/iamkit/iamkit/iam/yandex"
)

func ExampleNewStaticProvider() {
	p, err := iamcreds.NewStaticProvider(iam.AccessKey{
		Provider:     iam.Yandex,
		AccessKeyID:  "YCAJEexample",
		Secret:       iam.NewSecret("YCexample-secret"),
		SessionToken: iam.NewSecret("s1.example-token"),
		ExpiresAt:    time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		panic(err)
	}
	c, _ := p.Retrieve(context.Background())
	fmt.Println(c.AccessKeyID, c.Source, c.CanExpire, c.Expires.Format(time.DateOnly))
	fmt.Println(p) // never the secret
	// Output:
	// YCAJEexample iamkit/static/yandex true 2030-01-01
	// credentials.StaticProvider{AccessKeyID: YCAJEexample, Source: iamkit/static/yandex, Secret: REDACTED}
}

func ExampleS3Endpoint() {
	for _, c := range []struct {
		p      iam.Provider
		region string
	}{{iam.Nebius, "eu-north1"}, {iam.Yandex, ""}, {iam.Outscale, "eu-west-2"}} {
		ep, err := iamcreds.S3Endpoint(c.p, c.region)
		if err != nil {
			panic(err)
		}
		fmt.Println(ep.URL, ep.Region)
	}
	_, err := iamcreds.S3Endpoint(iam.Outscale, "mars-1")
	fmt.Println(err != nil)
	// Output:
	// https://storage.eu-north1.nebius.cloud eu-north1
	// https://storage.yandexcloud.net ru-central1
	// https://oos.eu-west-2.outscale.com eu-west-2
	// true
}

// A managed provider for the static keys of a Yandex service account, here
// against the emulators.
func ExampleNewManagedProvider() {
	ctx := context.Background()
	reg := iamtest.NewRegistry()
	srv, err := yandextest.New(func(o *yandextest.Options) { o.Registry = reg })
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	client, err := yandex.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: srv.IssueToken(srv.ServiceAccountID(), time.Hour)}),
		srv.ClientOptions())
	if err != nil {
		panic(err)
	}
	defer client.Close()
	km, err := yandex.NewKeyManager(client, srv.ServiceAccountID())
	if err != nil {
		panic(err)
	}

	p, err := iamcreds.NewManagedProvider(km, func(o *iamcreds.ManagedOptions) {
		o.Policy = iamcreds.Policy{Lifetime: 7 * 24 * time.Hour, RotateBefore: 24 * time.Hour, Description: "example-app"}
		o.DeleteOnClose = true
	})
	if err != nil {
		panic(err)
	}
	c, err := p.Retrieve(ctx) // creates the first key
	if err != nil {
		panic(err)
	}
	_, known := reg.S3Key(c.AccessKeyID)
	fmt.Println(c.Source, known)
	if err := p.Shutdown(ctx); err != nil { // DeleteOnClose: the key is deleted
		panic(err)
	}
	_, known = reg.S3Key(c.AccessKeyID)
	fmt.Println(known)
	// Output:
	// iamkit/managed/yandex true
	// false
}
