package nebius_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/nebius"
)

func TestAccessKeysCreateDeliveryModes(t *testing.T) {
	for _, tc := range []struct {
		mode       nebius.SecretDeliveryMode
		wantSecret bool
		getSecret  int // GetSecret calls Create makes
	}{
		{nebius.DeliveryDefault, true, 0},
		{nebius.DeliveryInline, true, 0},
		{nebius.DeliveryExplicit, true, 1},
		{nebius.DeliveryMysteryBox, false, 0},
	} {
		t.Run(string(tc.mode)+"_", func(t *testing.T) {
			e := newEnv(t, nil)
			ctx := ctxT(t)
			k, err := e.client.AccessKeys().Create(ctx, nebius.CreateAccessKeyRequest{
				Account:            nebius.ServiceAccount(e.sa.ID),
				Description:        "mode test",
				SecretDeliveryMode: tc.mode,
				Labels:             map[string]string{"team": "a"},
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := !k.Secret.IsZero(); got != tc.wantSecret {
				t.Fatalf("secret present = %v, want %v", got, tc.wantSecret)
			}
			if n := e.srv.Calls("AccessKeyService/GetSecret"); n != tc.getSecret {
				t.Errorf("GetSecret calls = %d, want %d", n, tc.getSecret)
			}
			if k.ID == "" || k.AccessKeyID == "" || k.State != iam.StateActive || k.ParentID != e.sa.ProjectID {
				t.Errorf("key = %+v", k)
			}
			if k.Account != nebius.ServiceAccount(e.sa.ID) || k.Description != "mode test" || k.Labels["team"] != "a" {
				t.Errorf("key = %+v", k)
			}
			if tc.mode == nebius.DeliveryMysteryBox && k.SecretReferenceID == "" {
				t.Error("no secret reference in MYSTERY_BOX mode")
			}
			s3, ok := e.srv.Registry.S3Key(k.AccessKeyID)
			if !ok || !s3.Active || s3.Owner != e.sa.ID {
				t.Fatalf("S3 registry has %+v, %v", s3, ok)
			}
			if tc.wantSecret && !s3.Secret.Equal(k.Secret) {
				t.Error("secret differs from the one S3 accepts")
			}
		})
	}
}

func TestAccessKeysLifecycle(t *testing.T) {
	e := newEnv(t, nil)
	ctx := ctxT(t)
	aks := e.client.AccessKeys()
	exp := time.Now().Add(24 * time.Hour).Truncate(time.Second)
	k, err := aks.Create(ctx, nebius.CreateAccessKeyRequest{
		Account: nebius.ServiceAccount(e.sa.ID), Description: "first", ExpiresAt: exp,
		SecretDeliveryMode: nebius.DeliveryExplicit, Labels: map[string]string{"keep": "me"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !k.ExpiresAt.Equal(exp) {
		t.Errorf("ExpiresAt = %v, want %v", k.ExpiresAt, exp)
	}

	// Get, GetByAwsId, GetSecret.
	got, err := aks.Get(ctx, k.ID)
	if err != nil || got.AccessKeyID != k.AccessKeyID {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	if !got.Secret.IsZero() {
		t.Error("EXPLICIT key returned its secret inline")
	}
	byAws, err := aks.GetByAwsID(ctx, k.AccessKeyID)
	if err != nil || byAws.ID != k.ID {
		t.Fatalf("GetByAwsID = %+v, %v", byAws, err)
	}
	sec, err := aks.GetSecret(ctx, k.ID)
	if err != nil || !sec.Secret.Equal(k.Secret) || sec.AccessKeyID != k.AccessKeyID {
		t.Fatalf("GetSecret = %+v, %v", sec, err)
	}

	// Update the description only: labels survive (X-ResetMask is empty).
	desc := "second"
	got, err = aks.Update(ctx, nebius.UpdateAccessKeyRequest{ID: k.ID, Description: &desc})
	if err != nil || got.ID != k.ID || got.Description != "second" || got.Labels["keep"] != "me" || !got.ExpiresAt.Equal(exp) {
		t.Fatalf("Update = %+v, %v", got, err)
	}
	// StartUpdate returns the operation without waiting for it.
	op, err := aks.StartUpdate(ctx, nebius.UpdateAccessKeyRequest{ID: k.ID, Description: &desc})
	if err != nil || !op.Done || op.ResourceID != k.ID || op.Err() != nil {
		t.Fatalf("StartUpdate = %+v, %v", op, err)
	}
	// Clearing the description goes through the reset mask.
	empty := ""
	if _, err := aks.Update(ctx, nebius.UpdateAccessKeyRequest{ID: k.ID, Description: &empty}); err != nil {
		t.Fatal(err)
	}
	got, _ = aks.Get(ctx, k.ID)
	if got.Description != "" || got.Labels["keep"] != "me" {
		t.Fatalf("after clearing: %+v", got)
	}
	// Replacing labels.
	if _, err := aks.Update(ctx, nebius.UpdateAccessKeyRequest{ID: k.ID, Labels: map[string]string{"new": "1"}}); err != nil {
		t.Fatal(err)
	}
	got, _ = aks.Get(ctx, k.ID)
	if len(got.Labels) != 1 || got.Labels["new"] != "1" {
		t.Fatalf("labels = %v", got.Labels)
	}

	// Deactivate / Activate by ID, kept in sync with the S3 registry.
	for _, step := range []struct {
		name  string
		do    func() (*nebius.AccessKey, error)
		state iam.State
	}{
		{"Deactivate", func() (*nebius.AccessKey, error) { return aks.Deactivate(ctx, k.ID) }, iam.StateInactive},
		{"Activate", func() (*nebius.AccessKey, error) { return aks.Activate(ctx, k.ID) }, iam.StateActive},
		{"DeactivateByAwsID", func() (*nebius.AccessKey, error) { return aks.DeactivateByAwsID(ctx, k.AccessKeyID) }, iam.StateInactive},
		{"ActivateByAwsID", func() (*nebius.AccessKey, error) { return aks.ActivateByAwsID(ctx, k.AccessKeyID) }, iam.StateActive},
	} {
		if got, err := step.do(); err != nil || got.ID != k.ID || got.State != step.state {
			t.Fatalf("%s = %+v, %v", step.name, got, err)
		}
		got, err := aks.Get(ctx, k.ID)
		if err != nil || got.State != step.state {
			t.Fatalf("%s: state = %v, %v", step.name, got.State, err)
		}
		s3, _ := e.srv.Registry.S3Key(k.AccessKeyID)
		if s3.Active != (step.state == iam.StateActive) {
			t.Fatalf("%s: S3 key active = %v", step.name, s3.Active)
		}
	}

	// Delete by ID and by AWS ID.
	k2, err := aks.Create(ctx, nebius.CreateAccessKeyRequest{Account: nebius.ServiceAccount(e.sa.ID)})
	if err != nil {
		t.Fatal(err)
	}
	if err := aks.Delete(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if err := aks.DeleteByAwsID(ctx, k2.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{k.ID, k2.ID} {
		if _, err := aks.Get(ctx, id); !errors.Is(err, iam.ErrNotFound) {
			t.Errorf("Get(%s) after delete: %v", id, err)
		}
	}
	if _, ok := e.srv.Registry.S3Key(k2.AccessKeyID); ok {
		t.Error("deleted key still accepted by S3")
	}
	if err := aks.Delete(ctx, k.ID); !errors.Is(err, iam.ErrNotFound) {
		t.Errorf("second Delete: %v", err)
	}
}

func TestAccessKeysListPaging(t *testing.T) {
	e := newEnv(t, nil)
	ctx := ctxT(t)
	aks := e.client.AccessKeys()
	var want []string
	for range 5 {
		k, err := aks.Create(ctx, nebius.CreateAccessKeyRequest{Account: nebius.ServiceAccount(e.sa.ID)})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, k.ID)
	}
	// A key of another account in another project is not listed.
	if _, err := aks.Create(ctx, nebius.CreateAccessKeyRequest{ParentID: "project-other", Account: nebius.ServiceAccount("serviceaccount-other")}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(want)

	// Page at a time.
	var pages [][]string
	token := ""
	for {
		p, err := aks.ListPage(ctx, nebius.ListRequest{PageSize: 2, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, k := range p.Items {
			ids = append(ids, k.ID)
		}
		pages = append(pages, ids)
		if p.NextPageToken == "" {
			break
		}
		token = p.NextPageToken
	}
	if len(pages) != 3 || len(pages[0]) != 2 || len(pages[2]) != 1 {
		t.Fatalf("pages = %v", pages)
	}

	collect := func(seq func(func(*nebius.AccessKey, error) bool)) []string {
		var ids []string
		for k, err := range seq {
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, k.ID)
		}
		return ids
	}
	before := e.srv.Calls("AccessKeyService/List")
	got := collect(aks.List(ctx, nebius.ListRequest{PageSize: 2}))
	if !slices.Equal(got, want) {
		t.Fatalf("List = %v, want %v", got, want)
	}
	if n := e.srv.Calls("AccessKeyService/List") - before; n != 3 {
		t.Errorf("List made %d calls, want 3", n)
	}
	got = collect(aks.ListByAccount(ctx, nebius.ListByAccountRequest{Account: nebius.ServiceAccount(e.sa.ID), PageSize: 3}))
	if !slices.Equal(got, want) {
		t.Fatalf("ListByAccount = %v, want %v", got, want)
	}
	p, err := aks.ListByAccountPage(ctx, nebius.ListByAccountRequest{Account: nebius.ServiceAccount(e.sa.ID), PageSize: 4})
	if err != nil || len(p.Items) != 4 || p.NextPageToken == "" {
		t.Fatalf("ListByAccountPage = %+v, %v", p, err)
	}

	// Breaking out of the loop stops fetching.
	before = e.srv.Calls("AccessKeyService/List")
	for range aks.List(ctx, nebius.ListRequest{PageSize: 1}) {
		break
	}
	if n := e.srv.Calls("AccessKeyService/List") - before; n != 1 {
		t.Errorf("early break made %d calls, want 1", n)
	}

	// An error ends the iteration and is yielded.
	var sawErr error
	for _, err := range aks.List(ctx, nebius.ListRequest{PageToken: "garbage"}) {
		sawErr = err
	}
	if !errors.Is(sawErr, iam.ErrInvalidArgument) {
		t.Errorf("bad token: %v", sawErr)
	}
}
