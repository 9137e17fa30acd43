package nebius_test

import (
	"errors"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/nebius"
)

func TestKeyManager(t *testing.T) {
	e := newEnv(t, nil)
	ctx := ctxT(t)
	var m iam.KeyManager
	m, err := nebius.NewKeyManager(e.client, nebius.ServiceAccount(e.sa.ID),
		func(o *nebius.KeyManagerOptions) { o.SecretDeliveryMode = nebius.DeliveryExplicit })
	if err != nil {
		t.Fatal(err)
	}
	if m.Provider() != iam.Nebius {
		t.Fatal(m.Provider())
	}
	exp := time.Now().Add(48 * time.Hour).Truncate(time.Second)
	k, err := m.CreateKey(ctx, iam.CreateKeyRequest{Description: "managed", ExpiresAt: exp})
	if err != nil {
		t.Fatal(err)
	}
	if k.Provider != iam.Nebius || k.ID == "" || k.AccessKeyID == "" || k.Secret.IsZero() || k.Owner != e.sa.ID ||
		k.Description != "managed" || !k.ExpiresAt.Equal(exp) || k.State != iam.StateActive {
		t.Fatalf("CreateKey = %+v", k)
	}
	list, err := m.ListKeys(ctx)
	if err != nil || len(list) != 1 || list[0].ID != k.ID || !list[0].Secret.IsZero() {
		t.Fatalf("ListKeys = %+v, %v", list, err)
	}
	got, err := m.UpdateKey(ctx, k.ID, iam.UpdateKeyRequest{State: iam.StateInactive})
	if err != nil || got.State != iam.StateInactive {
		t.Fatalf("UpdateKey = %+v, %v", got, err)
	}
	got, err = m.UpdateKey(ctx, k.ID, iam.UpdateKeyRequest{State: iam.StateActive})
	if err != nil || got.State != iam.StateActive {
		t.Fatalf("UpdateKey = %+v, %v", got, err)
	}
	if _, err := m.UpdateKey(ctx, k.ID, iam.UpdateKeyRequest{ExpiresAt: exp}); !errors.Is(err, iam.ErrInvalidArgument) {
		t.Fatalf("expiry update: %v", err)
	}
	if _, err := m.UpdateKey(ctx, k.ID, iam.UpdateKeyRequest{State: iam.StateDeleted}); !errors.Is(err, iam.ErrInvalidArgument) {
		t.Fatalf("state DELETED: %v", err)
	}
	if got, err := m.GetKey(ctx, k.ID); err != nil || got.AccessKeyID != k.AccessKeyID || !got.Secret.IsZero() {
		t.Fatalf("GetKey = %+v, %v", got, err)
	}
	if err := m.DeleteKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if err := m.DeleteKey(ctx, k.ID); !errors.Is(err, iam.ErrNotFound) {
		t.Fatalf("second DeleteKey: %v", err)
	}
	if _, err := m.GetKey(ctx, k.ID); !errors.Is(err, iam.ErrNotFound) {
		t.Fatalf("GetKey after delete: %v", err)
	}

	for name, fn := range map[string]func() error{
		"nil client": func() error { _, err := nebius.NewKeyManager(nil, nebius.ServiceAccount("x")); return err },
		"no account": func() error { _, err := nebius.NewKeyManager(e.client, nebius.Account{}); return err },
		"mystery box": func() error {
			_, err := nebius.NewKeyManager(e.client, nebius.ServiceAccount("x"),
				func(o *nebius.KeyManagerOptions) { o.SecretDeliveryMode = nebius.DeliveryMysteryBox })
			return err
		},
	} {
		if err := fn(); !errors.Is(err, iam.ErrInvalidArgument) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestKeyManagerAccountIdentity(t *testing.T) {
	e := newEnv(t, nil)
	m, err := nebius.NewKeyManager(e.client, nebius.ServiceAccount(e.sa.ID))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.AccountIdentity(), "nebius/"+e.client.Address()+"/service_account:"+e.sa.ID; got != want {
		t.Fatalf("AccountIdentity() = %q, want %q", got, want)
	}
}
