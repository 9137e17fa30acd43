package nebiustest_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/grpc/codes"

	"github.com/iamkit/iamkit/auth"
	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/iam/nebius"
)

func ExampleNew() {
	srv, err := nebiustest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	sa, err := srv.NewServiceAccount("")
	if err != nil {
		log.Fatal(err)
	}
	// A test that does not exercise the token exchange takes a token
	// straight from the emulator.
	tok := srv.IssueToken(sa.ID, time.Hour)
	c, err := nebius.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok}), srv.ClientOptions(),
		func(o *nebius.Options) { o.ProjectID = sa.ProjectID })
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	k, err := c.AccessKeys().Create(context.Background(), nebius.CreateAccessKeyRequest{Account: nebius.ServiceAccount(sa.ID)})
	if err != nil {
		log.Fatal(err)
	}
	s3, _ := srv.Registry.S3Key(k.AccessKeyID) // the S3 emulator accepts it
	fmt.Println(k.State, s3.Active)
	// Output: ACTIVE true
}

func ExampleServer_NewServiceAccount() {
	// Share one Registry with the token-exchange emulator: it then verifies
	// JWTs signed with the keys this emulator holds.
	reg := iamtest.NewRegistry()
	tokens, err := iamtest.NewNebiusTokenServer(func(o *iamtest.TokenServerOptions) { o.Registry = reg })
	if err != nil {
		log.Fatal(err)
	}
	defer tokens.Close()
	srv, err := nebiustest.New(func(o *nebiustest.Options) { o.Registry = reg })
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	sa, err := srv.NewServiceAccount("project-e00example")
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
	defer src.Close()
	tok, err := src.AccessToken(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(key.KeyID == sa.KeyID, tok.Value)
	// Output: true REDACTED
}

func ExampleServer_InjectError() {
	srv, err := nebiustest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	sa, _ := srv.NewServiceAccount("")
	c, _ := nebius.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: srv.IssueToken(sa.ID, time.Hour)}),
		srv.ClientOptions(), func(o *nebius.Options) { o.ProjectID = sa.ProjectID })
	defer c.Close()

	// The key is created but the answer is lost: the client retries with
	// the same X-Idempotency-Key and gets the same operation back.
	srv.InjectError(nebiustest.InjectedError{Match: "AccessKeyService/Create", Code: codes.Unavailable, AfterServing: true})
	if _, err := c.AccessKeys().Create(context.Background(), nebius.CreateAccessKeyRequest{Account: nebius.ServiceAccount(sa.ID)}); err != nil {
		log.Fatal(err)
	}
	keys := srv.IdempotencyKeys("AccessKeyService/Create")
	page, _ := c.AccessKeys().ListPage(context.Background(), nebius.ListRequest{})
	fmt.Println(len(keys), keys[0] == keys[1], len(page.Items))
	// Output: 2 true 1
}

// ExampleServer_ClientOptions points the IAM client and the gRPC token
// exchange at the emulator; with TLS and a Domain, by the domain rule.
func ExampleServer_ClientOptions() {
	srv, err := nebiustest.New(func(o *nebiustest.Options) { o.TLS, o.Domain = true, "nebius.test" })
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	sa, _ := srv.NewServiceAccount("")
	key, _ := nebiusauth.ParseCredentials([]byte(sa.CredentialsJSON.Reveal()), "credentials.json")
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
	page, err := c.AccessKeys().ListPage(context.Background(), nebius.ListRequest{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tokens.Address(), c.Address(), len(page.Items))
	// Output: tokens.iam.nebius.test:443 cpl.iam.nebius.test:443 0
}
