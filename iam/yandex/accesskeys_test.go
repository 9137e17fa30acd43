package yandex_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/yandex"
)

func TestAccessKeysLifecycle(t *testing.T) {
	e := newEnv(t, envOpt{})
	ctx := ctxT(t)
	created, err := e.client.AccessKeys().Create(ctx, yandex.CreateAccessKeyRequest{Description: "s3 writer"})
	if err != nil {
		t.Fatal(err)
	}
	k := created.AccessKey
	if k.ID == "" || k.AccessKeyID == "" || k.ID == k.AccessKeyID || k.ServiceAccountID != e.srv.ServiceAccountID() ||
		k.Description != "s3 writer" || !k.CreatedAt.Equal(start) || created.Secret.IsZero() {
		t.Fatalf("created = %+v", created)
	}
	if s := fmt.Sprintf("%v|%+v|%#v", created, created, created.ToIAM()); strings.Contains(s, created.Secret.Reveal()) {
		t.Fatal("secret printed")
	}
	// The S3 emulator will accept the key.
	s3, ok := e.srv.Registry.S3Key(k.AccessKeyID)
	if !ok || !s3.Secret.Equal(created.Secret) || !s3.Active || s3.Owner != k.ServiceAccountID {
		t.Fatalf("registry S3 key = %+v, %v", s3, ok)
	}

	got, err := e.client.AccessKeys().Get(ctx, k.ID)
	if err != nil || got.AccessKeyID != k.AccessKeyID {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	page, err := e.client.AccessKeys().ListPage(ctx, yandex.ListAccessKeysRequest{ServiceAccountID: e.srv.ServiceAccountID()})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != k.ID {
		t.Fatalf("ListPage = %+v, %v", page, err)
	}
	n := 0
	for _, err := range e.client.AccessKeys().List(ctx, yandex.ListAccessKeysRequest{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1 {
		t.Fatalf("List = %d keys", n)
	}
	upd, err := e.client.AccessKeys().Update(ctx, yandex.UpdateAccessKeyRequest{ID: k.ID, Description: "renamed"})
	if err != nil || upd.Description != "renamed" || upd.AccessKeyID != k.AccessKeyID {
		t.Fatalf("Update = %+v, %v", upd, err)
	}
	op, err := e.client.AccessKeys().StartUpdate(ctx, yandex.UpdateAccessKeyRequest{ID: k.ID})
	if err != nil || !op.Done {
		t.Fatalf("StartUpdate = %+v, %v", op, err)
	}
	var ops []string
	for op, err := range e.client.AccessKeys().ListOperations(ctx, yandex.ListOperationsRequest{ResourceID: k.ID, PageRequest: yandex.PageRequest{PageSize: 1}}) {
		if err != nil {
			t.Fatal(err)
		}
		ops = append(ops, op.Description)
	}
	// Create answers directly: it has no operation.
	if !slices.Equal(ops, []string{"Update AccessKey", "Update AccessKey"}) {
		t.Fatalf("ListOperations = %v", ops)
	}
	if _, err := e.client.AccessKeys().ListOperationsPage(ctx, yandex.ListOperationsRequest{ResourceID: k.ID}); err != nil {
		t.Fatal(err)
	}
	dop, err := e.client.AccessKeys().StartDelete(ctx, k.ID)
	if err != nil || !dop.Done || !strings.HasSuffix(dop.MetadataType(), "awscompatibility.DeleteAccessKeyMetadata") {
		t.Fatalf("StartDelete = %+v, %v", dop, err)
	}
	if _, ok := e.srv.Registry.S3Key(k.AccessKeyID); ok {
		t.Fatal("deleted key still accepted by S3")
	}
	if _, err := e.client.AccessKeys().Get(ctx, k.ID); !errors.Is(err, iam.ErrNotFound) {
		t.Fatalf("Get after delete = %v", err)
	}
	if _, err := e.client.AccessKeys().Create(ctx, yandex.CreateAccessKeyRequest{Description: strings.Repeat("d", 257)}); !errors.Is(err, iam.ErrInvalidArgument) {
		t.Fatalf("long description = %v", err)
	}
	if _, err := e.client.AccessKeys().Create(ctx, yandex.CreateAccessKeyRequest{ServiceAccountID: "ajeunknownaccount000"}); !errors.Is(err, iam.ErrNotFound) {
		t.Fatalf("unknown service account = %v", err)
	}
}

func TestAccessKeysKeyManager(t *testing.T) {
	e := newEnv(t, envOpt{client: []func(*yandex.Options){func(o *yandex.Options) { o.ServiceAccountID = "ajeotheraccount00000" }}})
	e.srv.AddServiceAccount("ajeotheraccount00000")
	ctx := ctxT(t)
	var km iam.KeyManager = keyManager(t, e.client, "")
	if km.Provider() != iam.Yandex {
		t.Fatal(km.Provider())
	}
	k, err := km.CreateKey(ctx, iam.CreateKeyRequest{Description: "iamkit-managed", ExpiresAt: start.Add(1)})
	if err != nil {
		t.Fatal(err)
	}
	if k.Provider != iam.Yandex || k.ID == "" || k.AccessKeyID == "" || k.Secret.IsZero() || k.State != iam.StateActive ||
		k.Owner != "ajeotheraccount00000" || k.Description != "iamkit-managed" || k.Expires() {
		t.Fatalf("CreateKey = %+v", k)
	}
	keys, err := km.ListKeys(ctx)
	if err != nil || len(keys) != 1 || keys[0].ID != k.ID || !keys[0].Secret.IsZero() {
		t.Fatalf("ListKeys = %+v, %v", keys, err)
	}
	got, err := km.GetKey(ctx, k.ID)
	if err != nil || got.AccessKeyID != k.AccessKeyID {
		t.Fatalf("GetKey = %+v, %v", got, err)
	}
	if got, err := km.UpdateKey(ctx, k.ID, iam.UpdateKeyRequest{State: iam.StateActive}); err != nil || got.ID != k.ID {
		t.Fatalf("UpdateKey(ACTIVE) = %+v, %v", got, err)
	}
	before := e.srv.Calls("")
	for _, req := range []iam.UpdateKeyRequest{{State: iam.StateInactive}, {ExpiresAt: start.Add(3600e9)}} {
		_, err := km.UpdateKey(ctx, k.ID, req)
		if !errors.Is(err, errors.ErrUnsupported) || !errors.Is(err, iam.ErrInvalidArgument) {
			t.Fatalf("UpdateKey(%+v) = %v", req, err)
		}
	}
	if e.srv.Calls("") != before {
		t.Fatal("unsupported update reached the server")
	}
	if err := km.DeleteKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if err := km.DeleteKey(ctx, k.ID); !errors.Is(err, iam.ErrNotFound) {
		t.Fatalf("second DeleteKey = %v", err)
	}
	if keys, _ := km.ListKeys(ctx); len(keys) != 0 {
		t.Fatalf("keys after delete: %v", keys)
	}
}

// The identity names the IAM endpoint and the manager's service account
// (NewKeyManager's argument, else Options.ServiceAccountID); without one
// the account is the token's subject, unknown before a call.
func TestKeyManagerAccountIdentity(t *testing.T) {
	e := newEnv(t, envOpt{client: []func(*yandex.Options){func(o *yandex.Options) { o.ServiceAccountID = "aje-managed" }}})
	km := keyManager(t, e.client, "")
	if got, want := km.AccountIdentity(), "yandex/"+e.srv.URL+"/service_account:aje-managed"; got != want || km.ServiceAccountID() != "aje-managed" {
		t.Errorf("AccountIdentity() = %q, want %q", got, want)
	}
	if got, want := keyManager(t, e.client, "aje-other").AccountIdentity(), "yandex/"+e.srv.URL+"/service_account:aje-other"; got != want {
		t.Errorf("with an argument: AccountIdentity() = %q, want %q", got, want)
	}
	if got := keyManager(t, newEnv(t, envOpt{}).client, "").AccountIdentity(); got != "" {
		t.Errorf("without a service account: %q, want none", got)
	}
}

// TestNewKeyManagerChecksItsArguments: a nil client and a service account
// ID that cannot be one are refused; nil option functions are skipped.
func TestNewKeyManagerChecksItsArguments(t *testing.T) {
	e := newEnv(t, envOpt{})
	if _, err := yandex.NewKeyManager(nil, "aje1"); err == nil || !strings.Contains(err.Error(), "client is nil") {
		t.Errorf("nil client: %v", err)
	}
	if _, err := yandex.NewKeyManager(e.client, "aje/../x"); !errors.Is(err, iam.ErrInvalidArgument) || !strings.Contains(err.Error(), "serviceAccountID") {
		t.Errorf("bad service account ID: %v", err)
	}
	if _, err := yandex.NewKeyManager(e.client, "aje1", nil, func(*yandex.KeyManagerOptions) {}); err != nil {
		t.Errorf("nil option function: %v", err)
	}
}
