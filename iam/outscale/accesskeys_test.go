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
	_, err := c.AccessKeys().Create(context.Background(), outscale.CreateAccessKeyRequest{Tag: "mine"})
	if !errors.Is(err, outscale.ErrOutcomeUnknown) || !errors.Is(err, iam.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrOutcomeUnknown", err)
	}
	if !strings.Contains(err.Error(), `"mine"`) {
		t.Errorf("error does not name the tag to reconcile with: %v", err)
	}
	if n := srv.Calls("CreateAccessKey"); n != 1 {
		t.Errorf("CreateAccessKey sent %d times, want 1", n)
	}
	if n := srv.KeyCount(""); n != 2 {
		t.Errorf("%d keys, want 2 (bootstrap + the orphan)", n)
	}
}

// TestOutcomeUnknownCarriesTag: the tag to look a lost key up by is in the
// error's *OutcomeUnknownError, not squeezed into iam.Error.ResourceID,
// which names resources (a key ID) only.
func TestOutcomeUnknownCarriesTag(t *testing.T) {
	srv, clk := newEmulator(t)
	c := rootClient(t, srv, clk)
	for _, tag := range []string{"mine", ""} {
		srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultReset, Match: "CreateAccessKey"})
		_, err := c.AccessKeys().Create(context.Background(), outscale.CreateAccessKeyRequest{Tag: tag})
		var e *iam.Error
		var ou *outscale.OutcomeUnknownError
		if !errors.As(err, &e) || !errors.As(err, &ou) || !errors.Is(ou, outscale.ErrOutcomeUnknown) {
			t.Fatalf("tag %q: err = %v, want an *iam.Error wrapping an *OutcomeUnknownError", tag, err)
		}
		if e.ResourceID != "" || ou.Tag != tag || ou.Err == nil {
			t.Errorf("tag %q: ResourceID %q, OutcomeUnknownError{Tag: %q, Err: %v}", tag, e.ResourceID, ou.Tag, ou.Err)
		}
	}
}

func TestCreateHangNotRetried(t *testing.T) {
	srv, clk := newEmulator(t)
	c := rootClient(t, srv, clk)
	srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultHang, Match: "CreateAccessKey"})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.AccessKeys().Create(ctx, outscale.CreateAccessKeyRequest{}, outscale.ReconcileByTag(""))
	if !errors.Is(err, outscale.ErrOutcomeUnknown) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "iamkit-") {
		t.Errorf("error does not name the reconcile tag: %v", err)
	}
	if n := srv.Calls(""); n != 1 {
		t.Errorf("%d requests after the caller gave up, want 1", n)
	}
}

func TestReconcileByTag(t *testing.T) {
	t.Run("processed, answer lost", func(t *testing.T) {
		srv, clk := newEmulator(t)
		c := rootClient(t, srv, clk)
		srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultReset, Match: "CreateAccessKey"})
		out, err := c.AccessKeys().Create(context.Background(), outscale.CreateAccessKeyRequest{}, outscale.ReconcileByTag("token-1"))
		if err != nil {
			t.Fatalf("CreateAccessKey: %v", err)
		}
		if out.Tag != "token-1" || out.SecretKey.IsZero() {
			t.Errorf("key %+v", out)
		}
		if n := srv.KeyCount(""); n != 2 {
			t.Errorf("%d keys, want 2: the orphan must be gone", n)
		}
		if n := srv.Calls("CreateAccessKey"); n != 2 {
			t.Errorf("CreateAccessKey sent %d times, want 2", n)
		}
		if n := srv.Calls("DeleteAccessKey"); n != 1 {
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
		out, err := c.AccessKeys().Create(context.Background(), outscale.CreateAccessKeyRequest{}, outscale.ReconcileByTag(""))
		<-done
		if err != nil {
			t.Fatalf("CreateAccessKey: %v", err)
		}
		if !strings.HasPrefix(out.Tag, "iamkit-") {
			t.Errorf("tag %q", out.Tag)
		}
		if n := srv.KeyCount(""); n != 2 {
			t.Errorf("%d keys, want 2", n)
		}
		if n := srv.Calls("DeleteAccessKey"); n != 0 {
			t.Errorf("deleted %d keys, want 0", n)
		}
	})
	t.Run("tag conflict", func(t *testing.T) {
		srv, clk := newEmulator(t)
		c := rootClient(t, srv, clk)
		_, err := c.AccessKeys().Create(context.Background(), outscale.CreateAccessKeyRequest{Tag: "a"}, outscale.ReconcileByTag("b"))
		if !errors.Is(err, iam.ErrInvalidArgument) || srv.Calls("") != 0 {
			t.Errorf("err = %v", err)
		}
	})
}

func TestKeyLimit(t *testing.T) {
	srv, clk := newEmulator(t)
	c := rootClient(t, srv, clk)
	ctx := context.Background()
	for i := 1; i < outscaletest.DefaultMaxKeysPerUser; i++ {
		if _, err := c.AccessKeys().Create(ctx, outscale.CreateAccessKeyRequest{}); err != nil {
			t.Fatalf("key %d: %v", i+1, err)
		}
	}
	_, err := c.AccessKeys().Create(ctx, outscale.CreateAccessKeyRequest{})
	if !errors.Is(err, iam.ErrFailedPrecondition) {
		t.Errorf("11th key: %v", err)
	}
}

func TestReadRetriedAfterLostAnswer(t *testing.T) {
	srv, clk := newEmulator(t)
	c := rootClient(t, srv, clk)
	srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultReset, Match: "ReadAccessKeys"})
	if _, err := c.AccessKeys().List(context.Background(), outscale.ReadAccessKeysRequest{}); err != nil {
		t.Fatalf("ReadAccessKeys: %v", err)
	}
	if n := srv.Calls("ReadAccessKeys"); n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}
	// A delete is not repeated after a lost answer.
	out, err := c.AccessKeys().Create(context.Background(), outscale.CreateAccessKeyRequest{})
	if err != nil {
		t.Fatal(err)
	}
	srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultReset, Match: "DeleteAccessKey"})
	err = c.AccessKeys().Delete(context.Background(), out.AccessKeyID)
	if err == nil || srv.Calls("DeleteAccessKey") != 1 {
		t.Errorf("delete: %v, %d attempts", err, srv.Calls("DeleteAccessKey"))
	}
}
