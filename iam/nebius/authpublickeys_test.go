package nebius_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"slices"
	"testing"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/nebius"
)

// testKeys are RSA keys shared by the tests (generation is slow).
var testKeys = func() []*rsa.PrivateKey {
	var out []*rsa.PrivateKey
	for range 4 {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		out = append(out, k)
	}
	return out
}()

func publicPEM(t testing.TB, k *rsa.PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func TestAuthPublicKeysLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	ctx := ctxT(t)
	apk := e.client.AuthPublicKeys()
	data := publicPEM(t, testKeys[0])
	k, err := apk.Create(ctx, nebius.CreateAuthPublicKeyRequest{
		Account: nebius.ServiceAccount(e.sa.ID), Data: data, Description: "ci key", Labels: map[string]string{"keep": "me"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if k.State != iam.StateActive || k.Data != data || k.KeySize != 2048 || k.Account.ID != e.sa.ID || k.Fingerprint == "" {
		t.Fatalf("key = %+v", k)
	}
	reg, ok := e.srv.Registry.PublicKey(k.ID)
	if !ok || reg.Disabled || reg.ServiceAccountID != e.sa.ID || !reg.Key.Equal(&testKeys[0].PublicKey) {
		t.Fatalf("registry has %+v, %v", reg, ok)
	}

	got, err := apk.Get(ctx, k.ID)
	if err != nil || got.ID != k.ID || got.Description != "ci key" {
		t.Fatalf("Get = %+v, %v", got, err)
	}

	desc := "renamed"
	if _, err := apk.Update(ctx, nebius.UpdateAuthPublicKeyRequest{ID: k.ID, Description: &desc}); err != nil {
		t.Fatal(err)
	}
	got, _ = apk.Get(ctx, k.ID)
	if got.Description != "renamed" || got.Labels["keep"] != "me" || got.Data != data {
		t.Fatalf("after Update: %+v", got)
	}

	if _, err := apk.Deactivate(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := apk.Get(ctx, k.ID); got.State != iam.StateInactive {
		t.Fatalf("state after Deactivate = %v", got.State)
	}
	if reg, _ := e.srv.Registry.PublicKey(k.ID); !reg.Disabled {
		t.Fatal("deactivated key still enabled for JWT verification")
	}
	if _, err := apk.Activate(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if reg, _ := e.srv.Registry.PublicKey(k.ID); reg.Disabled {
		t.Fatal("activated key still disabled")
	}

	// List and ListByAccount see the bootstrap key and this one.
	var ids []string
	for pk, err := range apk.List(ctx, nebius.ListRequest{PageSize: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, pk.ID)
	}
	want := []string{e.sa.KeyID, k.ID}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Fatalf("List = %v, want %v", ids, want)
	}
	page, err := apk.ListPage(ctx, nebius.ListRequest{PageSize: 1})
	if err != nil || len(page.Items) != 1 || page.NextPageToken == "" {
		t.Fatalf("ListPage = %+v, %v", page, err)
	}
	ids = nil
	for pk, err := range apk.ListByAccount(ctx, nebius.ListByAccountRequest{Account: nebius.ServiceAccount(e.sa.ID)}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, pk.ID)
	}
	if !slices.Equal(ids, want) {
		t.Fatalf("ListByAccount = %v, want %v", ids, want)
	}
	bp, err := apk.ListByAccountPage(ctx, nebius.ListByAccountRequest{Account: nebius.ServiceAccount("serviceaccount-nobody")})
	if err != nil || len(bp.Items) != 0 {
		t.Fatalf("ListByAccountPage(nobody) = %+v, %v", bp, err)
	}

	if err := apk.Delete(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.srv.Registry.PublicKey(k.ID); ok {
		t.Fatal("deleted key still registered")
	}
	if _, err := apk.Get(ctx, k.ID); !errors.Is(err, iam.ErrNotFound) {
		t.Fatalf("Get after Delete: %v", err)
	}
}
