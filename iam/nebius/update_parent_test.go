package nebius_test

import (
	"testing"

	"github.com/iamkit/iamkit/iam/nebius"
)

// TestUpdateSendsTheKeysOwnParent: an Update without ParentID carries the
// key's own project as metadata.parent_id (read with a Get), not the
// client's default project: a key of another project is updated, not
// refused as a move.
func TestUpdateSendsTheKeysOwnParent(t *testing.T) {
	e := newEnv(t, nil)
	ctx := ctxT(t)
	const other = "project-e00other"
	desc := "updated"

	ak, err := e.client.AccessKeys().Create(ctx, nebius.CreateAccessKeyRequest{ParentID: other,
		Account: nebius.ServiceAccount(e.sa.ID), SecretDeliveryMode: nebius.DeliveryExplicit})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.client.AccessKeys().Update(ctx, nebius.UpdateAccessKeyRequest{ID: ak.ID, Description: &desc})
	if err != nil {
		t.Fatalf("access key of %s, client project %s: %v", other, e.sa.ProjectID, err)
	}
	if got.ParentID != other || got.Description != desc {
		t.Errorf("updated key %+v", got)
	}

	pk, err := e.client.AuthPublicKeys().Create(ctx, nebius.CreateAuthPublicKeyRequest{ParentID: other,
		Account: nebius.ServiceAccount(e.sa.ID), Data: publicPEM(t, testKeys[1])})
	if err != nil {
		t.Fatal(err)
	}
	gotPK, err := e.client.AuthPublicKeys().Update(ctx, nebius.UpdateAuthPublicKeyRequest{ID: pk.ID, Description: &desc})
	if err != nil {
		t.Fatalf("auth public key of %s, client project %s: %v", other, e.sa.ProjectID, err)
	}
	if gotPK.ParentID != other || gotPK.Description != desc {
		t.Errorf("updated public key %+v", gotPK)
	}

	// A ParentID in the request is sent as it is: another project is
	// refused by the service (a key does not move).
	if _, err := e.client.AccessKeys().Update(ctx, nebius.UpdateAccessKeyRequest{ID: ak.ID, ParentID: e.sa.ProjectID, Description: &desc}); err == nil {
		t.Error("an Update naming another project succeeded")
	}
	// A key that does not exist: the Get's NOT_FOUND, under Update.
	if _, err := e.client.AccessKeys().Update(ctx, nebius.UpdateAccessKeyRequest{ID: "accesskey-e00missing", Description: &desc}); err == nil {
		t.Error("Update of a missing key succeeded")
	}
}
