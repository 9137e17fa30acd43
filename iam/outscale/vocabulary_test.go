package outscale_test

import (
	"context"
	"errors"
	"testing"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/outscale"
)

// TestSubClientVocabulary: the access-key sub-client speaks the family's
// vocabulary (SHAPE-12 §3: Get and Delete take the key's ID, Update takes
// a request with ID and returns the key, Delete returns only an error, the
// policy's Get and Update return the policy), and an EIM user's keys are
// reached through a sub-client scoped to the user, not a field of every
// request.
func TestSubClientVocabulary(t *testing.T) {
	srv, clk := newEmulator(t)
	c := rootClient(t, srv, clk)
	ctx := context.Background()
	var (
		_ func(context.Context, outscale.CreateAccessKeyRequest, ...func(*outscale.CreateOptions)) (*outscale.AccessKeySecretKey, error) = c.AccessKeys().Create
		_ func(context.Context, outscale.ReadAccessKeysRequest) ([]*outscale.AccessKey, error)                                           = c.AccessKeys().List
		_ func(context.Context, string) (*outscale.AccessKey, error)                                                                     = c.AccessKeys().Get
		_ func(context.Context, outscale.UpdateAccessKeyRequest) (*outscale.AccessKey, error)                                            = c.AccessKeys().Update
		_ func(context.Context, string) error                                                                                            = c.AccessKeys().Delete
		_ func(context.Context, string, iam.State) (*outscale.AccessKey, error)                                                          = c.AccessKeys().SetState
		_ func(string) *outscale.AccessKeys                                                                                              = c.UserAccessKeys
		_ func(context.Context) (*outscale.APIAccessPolicy, error)                                                                       = c.APIAccessPolicy().Get
		_ func(context.Context, outscale.UpdateAPIAccessPolicyRequest) (*outscale.APIAccessPolicy, error)                                = c.APIAccessPolicy().Update
	)

	srv.AddUser("alice")
	alice := c.UserAccessKeys("alice")
	if alice.UserName() != "alice" || c.AccessKeys().UserName() != "" || c.UserAccessKeys("") != c.AccessKeys() {
		t.Errorf("scopes: %q, %q", alice.UserName(), c.AccessKeys().UserName())
	}
	k, err := alice.Create(ctx, outscale.CreateAccessKeyRequest{Tag: "scoped"})
	if err != nil {
		t.Fatal(err)
	}
	if info, _ := srv.Key(k.AccessKeyID); info.UserName != "alice" || k.SecretKey.IsZero() {
		t.Fatalf("created %+v for %q; want a key of alice with its secret", k, info.UserName)
	}
	if got, err := alice.Get(ctx, k.AccessKeyID); err != nil || got.Tag != "scoped" {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	if _, err := c.AccessKeys().Get(ctx, k.AccessKeyID); !errors.Is(err, iam.ErrNotFound) {
		t.Errorf("the caller's scope finds alice's key: %v", err)
	}
	up, err := alice.Update(ctx, outscale.UpdateAccessKeyRequest{ID: k.AccessKeyID, State: iam.StateInactive})
	if err != nil || up.State != iam.StateInactive || up.AccessKeyID != k.AccessKeyID {
		t.Fatalf("Update = %+v, %v", up, err)
	}
	if err := alice.Delete(ctx, k.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.Key(k.AccessKeyID); ok {
		t.Error("Delete left the key")
	}
	if err := c.UserAccessKeys(" alice").Delete(ctx, "AK"); !errors.Is(err, iam.ErrInvalidArgument) {
		t.Errorf("a user name with spaces: %v", err)
	}
	if _, err := alice.Get(ctx, ""); !errors.Is(err, iam.ErrInvalidArgument) {
		t.Errorf("Get(\"\"): %v", err)
	}

	pol, err := c.APIAccessPolicy().Update(ctx, outscale.UpdateAPIAccessPolicyRequest{MaxAccessKeyExpirationSeconds: 3600})
	if err != nil || pol.MaxAccessKeyExpirationSeconds != 3600 {
		t.Fatalf("policy Update = %+v, %v", pol, err)
	}
	if pol, err := c.APIAccessPolicy().Get(ctx); err != nil || pol.MaxAccessKeyExpirationSeconds != 3600 {
		t.Fatalf("policy Get = %+v, %v", pol, err)
	}
}
