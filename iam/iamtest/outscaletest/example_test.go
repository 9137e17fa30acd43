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
	srv := outscaletest.New()
	defer srv.Close()

	c, err := outscale.New(func(o *outscale.Options) {
		o.Endpoint = srv.URL
		o.AccessKey, o.SecretKey = srv.Root.AccessKey, iam.NewSecret(srv.Root.SecretKey)
	})
	if err != nil {
		log.Fatal(err)
	}
	srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultStatus, Code: "25"}) // 429 per-call throttling
	out, err := c.ReadAccessKeys(context.Background(), outscale.ReadAccessKeysRequest{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("keys:", len(out.AccessKeys))
	for _, r := range srv.Requests() {
		fmt.Println(r.Call, r.Auth, r.Verified, r.Status, r.Code)
	}
	// Output:
	// keys: 1
	// ReadAccessKeys AWS4-HMAC-SHA256 true 429 25
	// ReadAccessKeys AWS4-HMAC-SHA256 true 200
}

// ExampleServer_AddUser manages an EIM user's keys: the emulator enforces
// that an EIM key is INACTIVE before it is deleted.
func ExampleServer_AddUser() {
	srv := outscaletest.New()
	defer srv.Close()
	alice := srv.AddUser("alice")

	c, err := outscale.New(func(o *outscale.Options) {
		o.Endpoint = srv.URL
		o.AccessKey, o.SecretKey = srv.Root.AccessKey, iam.NewSecret(srv.Root.SecretKey)
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	_, err = c.DeleteAccessKey(ctx, outscale.DeleteAccessKeyRequest{AccessKeyID: alice.AccessKey, UserName: "alice"})
	fmt.Println(errors.Is(err, iam.ErrFailedPrecondition))
	// Output: true
}
