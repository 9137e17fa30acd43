package outscale_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/outscaletest"
	"github.com/iamkit/iamkit/iam/outscale"
)

func TestCreateNotRetriedAfterAmbiguousFailure(t *testing.T) {
	srv, clk := newEmulator(t)
	c := rootClient(t, srv, clk)
	// The emulator carries out the call, then drops the connection.
	srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultReset, Match: "CreateAccessKey"})
	_, err := c.CreateAccessKey(context.Background(), outscale.CreateAccessKeyRequest{Tag: "mine"})
	if !errors.Is(err, outscale.ErrOutcomeUnknown) || !errors.Is(err, iam.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrOutcomeUnknown", err)
	}
	if !strings.Contains(err.Error(), `"mine"`) {
		t.Errorf("error does not name the tag to reconcile with: %v", err)
	}
	if n := srv.RequestCount("CreateAccessKey"); n != 1 {
		t.Errorf("CreateAccessKey sent %d times, want 1", n)
	}
	if n := srv.KeyCount(""); n != 2 {
		t.Errorf("%d keys, want 2 (bootstrap + the orphan)", n)
	}
}

func TestCreateHangNotRetried(t *testing.T) {
	srv, clk := newEmulator(t)
	c := rootClient(t, srv, clk)
	srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultHang, Match: "CreateAccessKey"})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.CreateAccessKey(ctx, outscale.CreateAccessKeyRequest{}, outscale.ReconcileByTag(""))
	if !errors.Is(err, outscale.ErrOutcomeUnknown) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "iamkit-") {
		t.Errorf("error does not name the reconcile tag: %v", err)
	}
	if n := srv.RequestCount(""); n != 1 {
		t.Errorf("%d requests after the caller gave up, want 1", n)
	}
}

func TestReconcileByTag(t *testing.T) {
	t.Run("processed, answer lost", func(t *testing.T) {
		srv, clk := newEmulator(t)
		c := rootClient(t, srv, clk)
		srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultReset, Match: "CreateAccessKey"})
		out, err := c.CreateAccessKey(context.Background(), outscale.CreateAccessKeyRequest{}, outscale.ReconcileByTag("token-1"))
		if err != nil {
			t.Fatalf("CreateAccessKey: %v", err)
		}
		if out.AccessKey.Tag != "token-1" || out.AccessKey.SecretKey.IsZero() {
			t.Errorf("key %+v", out.AccessKey)
		}
		if n := srv.KeyCount(""); n != 2 {
			t.Errorf("%d keys, want 2: the orphan must be gone", n)
		}
		if n := srv.RequestCount("CreateAccessKey"); n != 2 {
			t.Errorf("CreateAccessKey sent %d times, want 2", n)
		}
		if n := srv.RequestCount("DeleteAccessKey"); n != 1 {
			t.Errorf("DeleteAccessKey sent %d times, want 1", n)
		}
	})
	t.Run("not processed", func(t *testing.T) {
		srv, clk := newEmulator(t)
		c := rootClient(t, srv, clk)
		// A hang released by the server closing the connection: the call
		// was never carried out.
		srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultLatency, Delay: time.Hour, Match: "CreateAccessKey"})
		done := make(chan struct{})
		go func() {
			defer close(done)
			clk.BlockUntilTimers(1, nil)
			srv.CloseClientConnections()
		}()
		out, err := c.CreateAccessKey(context.Background(), outscale.CreateAccessKeyRequest{}, outscale.ReconcileByTag(""))
		<-done
		if err != nil {
			t.Fatalf("CreateAccessKey: %v", err)
		}
		if !strings.HasPrefix(out.AccessKey.Tag, "iamkit-") {
			t.Errorf("tag %q", out.AccessKey.Tag)
		}
		if n := srv.KeyCount(""); n != 2 {
			t.Errorf("%d keys, want 2", n)
		}
		if n := srv.RequestCount("DeleteAccessKey"); n != 0 {
			t.Errorf("deleted %d keys, want 0", n)
		}
	})
	t.Run("tag conflict", func(t *testing.T) {
		srv, clk := newEmulator(t)
		c := rootClient(t, srv, clk)
		_, err := c.CreateAccessKey(context.Background(), outscale.CreateAccessKeyRequest{Tag: "a"}, outscale.ReconcileByTag("b"))
		if !errors.Is(err, iam.ErrInvalidArgument) || srv.RequestCount("") != 0 {
			t.Errorf("err = %v", err)
		}
	})
}

func TestKeyManager(t *testing.T) {
	srv, clk := newEmulator(t, func(o *outscaletest.Options) { o.MaxAccessKeyExpirationSeconds = 3600 })
	srv.AddUser("rotator")
	c := rootClient(t, srv, clk, func(o *outscale.Options) { o.UserName = "rotator" })
	var km iam.KeyManager = c
	ctx := context.Background()
	if km.Provider() != iam.Outscale {
		t.Error("provider")
	}

	// No expiry asked: the policy's maximum, less a margin.
	k, err := km.CreateKey(ctx, iam.CreateKeyRequest{Description: "managed"})
	if err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	if k.Secret.IsZero() || k.Description != "managed" || k.Owner != "rotator" || k.State != iam.StateActive {
		t.Errorf("key %+v", k)
	}
	if !k.ExpiresAt.After(t0.Add(50*time.Minute)) || k.ExpiresAt.After(t0.Add(time.Hour)) {
		t.Errorf("ExpiresAt %v, want within the 1h policy", k.ExpiresAt)
	}
	// Beyond the policy or in the past: refused before any CreateAccessKey.
	srv.ResetRequests()
	for _, exp := range []time.Time{t0.Add(2 * time.Hour), t0.Add(-time.Second)} {
		_, err := km.CreateKey(ctx, iam.CreateKeyRequest{ExpiresAt: exp})
		if !errors.Is(err, iam.ErrInvalidArgument) {
			t.Errorf("CreateKey(expiry %v): %v", exp, err)
		}
	}
	if n := srv.RequestCount("CreateAccessKey"); n != 0 {
		t.Errorf("%d CreateAccessKey sent for refused expiries", n)
	}
	if _, err := km.UpdateKey(ctx, k.ID, iam.UpdateKeyRequest{ExpiresAt: t0.Add(3 * time.Hour)}); !errors.Is(err, iam.ErrInvalidArgument) {
		t.Errorf("UpdateKey beyond policy: %v", err)
	}

	list, err := km.ListKeys(ctx)
	if err != nil || len(list) != 2 { // AddUser's key + the new one
		t.Fatalf("ListKeys = %v, %v", list, err)
	}
	got, err := km.GetKey(ctx, k.ID)
	if err != nil || got.ID != k.ID || !got.Secret.IsZero() || !got.ExpiresAt.Equal(k.ExpiresAt) {
		t.Errorf("GetKey = %+v, %v", got, err)
	}
	if _, err := km.GetKey(ctx, "NOSUCHKEY00000000000"); !errors.Is(err, iam.ErrNotFound) {
		t.Errorf("GetKey missing: %v", err)
	}
	up, err := km.UpdateKey(ctx, k.ID, iam.UpdateKeyRequest{State: iam.StateInactive})
	if err != nil || up.State != iam.StateInactive || !up.ExpiresAt.Equal(k.ExpiresAt) {
		t.Errorf("UpdateKey = %+v, %v", up, err)
	}
	if s3, _ := srv.Registry.S3Key(k.ID); s3.Active || !s3.ExpiresAt.Equal(k.ExpiresAt) {
		t.Errorf("registry out of sync: %+v", s3)
	}
	// DeleteKey deactivates an active EIM key first.
	k2, err := km.CreateKey(ctx, iam.CreateKeyRequest{ExpiresAt: t0.Add(30 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{k.ID, k2.ID} {
		if err := km.DeleteKey(ctx, id); err != nil {
			t.Fatalf("DeleteKey(%s): %v", id, err)
		}
		if _, ok := srv.Registry.S3Key(id); ok {
			t.Errorf("deleted key %s still registered", id)
		}
	}
	if err := km.DeleteKey(ctx, k.ID); !errors.Is(err, iam.ErrNotFound) {
		t.Errorf("DeleteKey again: %v", err)
	}

	// An expired EIM key can still be deactivated (and so deleted); it
	// cannot be re-activated, which would resurrect it on pre-1.40 servers.
	k3, err := km.CreateKey(ctx, iam.CreateKeyRequest{ExpiresAt: clk.Now().Add(10 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(20 * time.Minute)
	if _, err := km.UpdateKey(ctx, k3.ID, iam.UpdateKeyRequest{State: iam.StateActive}); !errors.Is(err, iam.ErrFailedPrecondition) {
		t.Errorf("re-activating an expired key: %v", err)
	}
	if err := km.DeleteKey(ctx, k3.ID); err != nil {
		t.Fatalf("DeleteKey(expired %s): %v", k3.ID, err)
	}
	if _, err := km.GetKey(ctx, k3.ID); !errors.Is(err, iam.ErrNotFound) {
		t.Errorf("expired key still there after DeleteKey: %v", err)
	}
}

func TestKeyLimit(t *testing.T) {
	srv, clk := newEmulator(t)
	c := rootClient(t, srv, clk)
	ctx := context.Background()
	for i := 1; i < outscaletest.DefaultMaxKeysPerUser; i++ {
		if _, err := c.CreateAccessKey(ctx, outscale.CreateAccessKeyRequest{}); err != nil {
			t.Fatalf("key %d: %v", i+1, err)
		}
	}
	_, err := c.CreateAccessKey(ctx, outscale.CreateAccessKeyRequest{})
	if !errors.Is(err, iam.ErrFailedPrecondition) {
		t.Errorf("11th key: %v", err)
	}
}

func TestReadRetriedAfterLostAnswer(t *testing.T) {
	srv, clk := newEmulator(t)
	c := rootClient(t, srv, clk)
	srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultReset, Match: "ReadAccessKeys"})
	if _, err := c.ReadAccessKeys(context.Background(), outscale.ReadAccessKeysRequest{}); err != nil {
		t.Fatalf("ReadAccessKeys: %v", err)
	}
	if n := srv.RequestCount("ReadAccessKeys"); n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}
	// A delete is not repeated after a lost answer.
	out, err := c.CreateAccessKey(context.Background(), outscale.CreateAccessKeyRequest{})
	if err != nil {
		t.Fatal(err)
	}
	srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultReset, Match: "DeleteAccessKey"})
	_, err = c.DeleteAccessKey(context.Background(), outscale.DeleteAccessKeyRequest{AccessKeyID: out.AccessKey.AccessKeyID})
	if err == nil || srv.RequestCount("DeleteAccessKey") != 1 {
		t.Errorf("delete: %v, %d attempts", err, srv.RequestCount("DeleteAccessKey"))
	}
}

// CreateKey with a unique description resolves a lost answer by its tag:
// one key with that tag, with its secret, and no orphan.
func TestCreateKeyUniqueDescriptionReconciles(t *testing.T) {
	srv, clk := newEmulator(t)
	c := rootClient(t, srv, clk)
	srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultReset, Match: "CreateAccessKey"})
	k, err := c.CreateKey(context.Background(), iam.CreateKeyRequest{Description: "mark.inst.1900000000.0123456789ab", UniqueDescription: true})
	if err != nil || k.Secret.IsZero() || k.Description != "mark.inst.1900000000.0123456789ab" {
		t.Fatalf("CreateKey after a lost answer: %+v, %v", k, err)
	}
	if n := srv.KeyCount(""); n != 2 {
		t.Errorf("%d keys, want 2 (bootstrap + the new key): the orphan must be gone", n)
	}
	// Without UniqueDescription a lost answer is reported, not guessed at.
	srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultReset, Match: "CreateAccessKey"})
	if _, err := c.CreateKey(context.Background(), iam.CreateKeyRequest{Description: "shared-tag"}); !errors.Is(err, outscale.ErrOutcomeUnknown) {
		t.Fatalf("CreateKey without UniqueDescription: %v, want ErrOutcomeUnknown", err)
	}
}

// The identity names the endpoint, the caller and the EIM user, without a
// call; a login's password never appears in it.
func TestAccountIdentity(t *testing.T) {
	srv, clk := newEmulator(t)
	n := srv.RequestCount("")
	root := rootClient(t, srv, clk).AccountIdentity()
	user := rootClient(t, srv, clk, func(o *outscale.Options) { o.UserName = "alice" }).AccountIdentity()
	basic := newClient(t, srv, clk, "", "", func(o *outscale.Options) {
		o.Login, o.Password = srv.Root.Login, iam.NewSecret(srv.Root.Password)
	}).AccountIdentity()
	if root != "outscale/"+srv.URL+"/ak:"+srv.Root.AccessKey+"/user:" || user != "outscale/"+srv.URL+"/ak:"+srv.Root.AccessKey+"/user:alice" {
		t.Errorf("identities %q, %q", root, user)
	}
	if basic != "outscale/"+srv.URL+"/login:"+srv.Root.Login+"/user:" || strings.Contains(basic, srv.Root.Password) {
		t.Errorf("login identity %q", basic)
	}
	if srv.RequestCount("") != n {
		t.Error("AccountIdentity made a call")
	}
}
