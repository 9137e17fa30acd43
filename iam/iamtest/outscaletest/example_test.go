package outscaletest_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/outscaletest"
	"github.com/iamkit/iamkit/iam/outscale"
)

// ExampleNew starts the emulator, injects one throttling answer and shows
// that the client retried it with a fresh, verified signature.
func ExampleNew() {
	srv, err := outscaletest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	c, err := outscale.New(srv.ClientOptions(srv.Root))
	if err != nil {
		log.Fatal(err)
	}
	srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Code: "25"}) // 429 per-call throttling
	keys, err := c.AccessKeys().List(context.Background(), outscale.ReadAccessKeysRequest{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("keys:", len(keys), "calls:", srv.Calls("ReadAccessKeys"))
	for _, r := range srv.Requests() {
		fmt.Println(r.Call, r.Auth, r.Verified, r.Status, r.Code)
	}
	// Output:
	// keys: 1 calls: 2
	// ReadAccessKeys AWS4-HMAC-SHA256 true 429 25
	// ReadAccessKeys AWS4-HMAC-SHA256 true 200
}

// ExampleServer_AddUser manages an EIM user's keys: the emulator enforces
// that an EIM key is INACTIVE before it is deleted.
func ExampleServer_AddUser() {
	srv, err := outscaletest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	alice := srv.AddUser("alice")

	c, err := outscale.New(srv.ClientOptions(srv.Root))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	err = c.UserAccessKeys("alice").Delete(ctx, alice.AccessKey)
	fmt.Println(errors.Is(err, iam.ErrFailedPrecondition))
	// Output: true
}

// ExampleServer_ClientOptions calls the emulator with login and password
// (an account's Credentials without an access key).
func ExampleServer_ClientOptions() {
	srv, err := outscaletest.New(func(o *outscaletest.Options) { o.MaxAccessKeyExpirationSeconds = 3600 })
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	basic := srv.Root
	basic.AccessKey = "" // login/password only
	c, err := outscale.New(srv.ClientOptions(basic))
	if err != nil {
		log.Fatal(err)
	}
	pol, err := c.APIAccessPolicy().Get(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pol.MaxAccessKeyExpirationSeconds, srv.Requests()[0].Auth)
	// Output: 3600 Basic
}
