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

func TestKeyManager(t *testing.T) {
	srv, clk := newEmulator(t, func(o *outscaletest.Options) { o.MaxAccessKeyExpirationSeconds = 3600 })
	srv.AddUser("rotator")
	c := rootClient(t, srv, clk)
	var km iam.KeyManager = keyManager(t, c, func(o *outscale.KeyManagerOptions) { o.UserName = "rotator" })
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
	if n := srv.Calls("CreateAccessKey"); n != 0 {
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

// CreateKey with a unique description resolves a lost answer by its tag:
// one key with that tag, with its secret, and no orphan.
func TestCreateKeyUniqueDescriptionReconciles(t *testing.T) {
	srv, clk := newEmulator(t)
	km := keyManager(t, rootClient(t, srv, clk))
	srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultReset, Match: "CreateAccessKey"})
	k, err := km.CreateKey(context.Background(), iam.CreateKeyRequest{Description: "mark.inst.1900000000.0123456789ab", UniqueDescription: true})
	if err != nil || k.Secret.IsZero() || k.Description != "mark.inst.1900000000.0123456789ab" {
		t.Fatalf("CreateKey after a lost answer: %+v, %v", k, err)
	}
	if n := srv.KeyCount(""); n != 2 {
		t.Errorf("%d keys, want 2 (bootstrap + the new key): the orphan must be gone", n)
	}
	// Without UniqueDescription a lost answer is reported, not guessed at.
	srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultReset, Match: "CreateAccessKey"})
	if _, err := km.CreateKey(context.Background(), iam.CreateKeyRequest{Description: "shared-tag"}); !errors.Is(err, outscale.ErrOutcomeUnknown) {
		t.Fatalf("CreateKey without UniqueDescription: %v, want ErrOutcomeUnknown", err)
	}
}

// The identity names the endpoint, the caller and the EIM user, without a
// call; a login's password never appears in it.
func TestAccountIdentity(t *testing.T) {
	srv, clk := newEmulator(t)
	n := srv.Calls("")
	root := keyManager(t, rootClient(t, srv, clk)).AccountIdentity()
	user := keyManager(t, rootClient(t, srv, clk), func(o *outscale.KeyManagerOptions) { o.UserName = "alice" }).AccountIdentity()
	basic := keyManager(t, newClient(t, srv, clk, "", iam.Secret{}, func(o *outscale.Options) {
		o.Login, o.Password = srv.Root.Login, srv.Root.Password
	})).AccountIdentity()
	if root != "outscale/"+srv.URL+"/ak:"+srv.Root.AccessKey+"/user:" || user != "outscale/"+srv.URL+"/ak:"+srv.Root.AccessKey+"/user:alice" {
		t.Errorf("identities %q, %q", root, user)
	}
	if basic != "outscale/"+srv.URL+"/login:"+srv.Root.Login+"/user:" || strings.Contains(basic, srv.Root.Password.Reveal()) {
		t.Errorf("login identity %q", basic)
	}
	if srv.Calls("") != n {
		t.Error("AccountIdentity made a call")
	}
}

// TestKeyManagerSendsMilliseconds: the expiries the key manager computes
// (now + the policy's lifetime) or is given are sent to the millisecond,
// rounded down, the precision of the API's own dates, not with the
// nanoseconds of the clock.
func TestKeyManagerSendsMilliseconds(t *testing.T) {
	clk := iamtest.NewFakeClock(t0.Add(123456789 * time.Nanosecond))
	srv, err := outscaletest.New(func(o *outscaletest.Options) { o.Clock = clk; o.MaxAccessKeyExpirationSeconds = 3600 })
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := outscale.New(srv.ClientOptions(srv.Root))
	if err != nil {
		t.Fatal(err)
	}
	km := keyManager(t, c)
	ctx := context.Background()
	check := func(what string, got time.Time, want time.Time) {
		t.Helper()
		if !got.Equal(want) {
			t.Errorf("%s: expiry %s, want %s", what, got.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
		}
	}
	// Computed: now + 1h - 5min margin.
	k, err := km.CreateKey(ctx, iam.CreateKeyRequest{Description: "computed"})
	if err != nil {
		t.Fatal(err)
	}
	info, _ := srv.Key(k.ID)
	check("computed", info.ExpiresAt, t0.Add(55*time.Minute+123*time.Millisecond))
	check("returned", k.ExpiresAt, info.ExpiresAt)
	// Asked for.
	k, err = km.CreateKey(ctx, iam.CreateKeyRequest{ExpiresAt: t0.Add(30*time.Minute + 987654321*time.Nanosecond)})
	if err != nil {
		t.Fatal(err)
	}
	info, _ = srv.Key(k.ID)
	check("asked", info.ExpiresAt, t0.Add(30*time.Minute+987*time.Millisecond))
	// Updated.
	if _, err := km.UpdateKey(ctx, k.ID, iam.UpdateKeyRequest{ExpiresAt: t0.Add(40*time.Minute + 999999*time.Nanosecond)}); err != nil {
		t.Fatal(err)
	}
	info, _ = srv.Key(k.ID)
	check("updated", info.ExpiresAt, t0.Add(40*time.Minute))
}

func TestNewKeyManager(t *testing.T) {
	if _, err := outscale.NewKeyManager(nil); err == nil || !strings.Contains(err.Error(), "client is nil") {
		t.Errorf("nil client: %v", err)
	}
	srv, clk := newEmulator(t)
	c := rootClient(t, srv, clk)
	for _, bad := range []string{" alice", "alice\n", "a\x00b"} {
		if _, err := outscale.NewKeyManager(c, func(o *outscale.KeyManagerOptions) { o.UserName = bad }); err == nil || !strings.Contains(err.Error(), "UserName") {
			t.Errorf("UserName %q: %v", bad, err)
		}
	}
	km, err := outscale.NewKeyManager(c, nil, func(o *outscale.KeyManagerOptions) { o.UserName = "bob" }, nil)
	if err != nil || km.UserName() != "bob" || km.Provider() != iam.Outscale {
		t.Fatalf("NewKeyManager with nil options: %v, %v", km, err)
	}
	// The limit the credentials package checks its policy against.
	srv.SetAPIAccessPolicy(7200)
	if d, err := km.MaxKeyLifetime(context.Background()); err != nil || d != 2*time.Hour {
		t.Errorf("MaxKeyLifetime = %v, %v", d, err)
	}
	// Empty IDs are refused before any call.
	ctx := context.Background()
	n := srv.Calls("")
	if _, err := km.GetKey(ctx, ""); !errors.Is(err, iam.ErrInvalidArgument) {
		t.Errorf("GetKey(\"\"): %v", err)
	}
	if _, err := km.UpdateKey(ctx, "", iam.UpdateKeyRequest{State: iam.StateInactive}); !errors.Is(err, iam.ErrInvalidArgument) {
		t.Errorf("UpdateKey(\"\"): %v", err)
	}
	if err := km.DeleteKey(ctx, ""); !errors.Is(err, iam.ErrInvalidArgument) {
		t.Errorf("DeleteKey(\"\"): %v", err)
	}
	if srv.Calls("") != n {
		t.Errorf("%d calls for empty IDs", srv.Calls("")-n)
	}
}
