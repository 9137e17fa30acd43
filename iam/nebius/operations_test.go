package nebius_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/iam/nebius"
	"github.com/iamkit/iamkit/internal/nebiuspb"
	"github.com/iamkit/iamkit/internal/nebiuspb/commonv1"
	"github.com/iamkit/iamkit/internal/nebiuspb/iamv2"
)

func TestOperationsAsync(t *testing.T) {
	e := newEnv(t, func(o *nebiustest.Options) { o.AsyncPolls = 3 })
	ctx := ctxT(t)
	k, err := e.client.AccessKeys().Create(ctx, nebius.CreateAccessKeyRequest{Account: nebius.ServiceAccount(e.sa.ID)})
	if err != nil {
		t.Fatal(err)
	}
	if k.Secret.IsZero() {
		t.Fatal("no secret")
	}
	if n := e.srv.Calls("OperationService/Get"); n != 3 {
		t.Errorf("polls = %d, want 3", n)
	}

	// StartCreate returns the running operation; Wait finishes it.
	op, err := e.client.AccessKeys().StartCreate(ctx, nebius.CreateAccessKeyRequest{Account: nebius.ServiceAccount(e.sa.ID)})
	if err != nil {
		t.Fatal(err)
	}
	if op.Done || op.ID == "" || op.ResourceID == "" {
		t.Fatalf("StartCreate = %+v", op)
	}
	got, err := e.client.Operations().Get(ctx, op.ID)
	if err != nil || got.ID != op.ID || got.Done {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	done, err := e.client.Operations().Wait(ctx, op)
	if err != nil || !done.Done || done.FinishedAt.IsZero() || done.ResourceID != op.ResourceID {
		t.Fatalf("Wait = %+v, %v", done, err)
	}
	if _, err := e.client.Operations().Get(ctx, "operation-missing"); !errors.Is(err, iam.ErrNotFound) {
		t.Fatalf("Get(missing) = %v", err)
	}
}

func TestOperationWaitCancelledMidPoll(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	e := newEnv(t, func(o *nebiustest.Options) { o.AsyncPolls = 100; o.Clock = clk },
		func(o *nebius.Options) { o.Clock = clk; o.PollInterval = time.Second; o.MaxPollInterval = time.Second })
	ctx, cancel := context.WithCancel(ctxT(t))
	errc := make(chan error, 1)
	go func() {
		_, err := e.client.AccessKeys().Create(ctx, nebius.CreateAccessKeyRequest{Account: nebius.ServiceAccount(e.sa.ID)})
		errc <- err
	}()
	// Let two polls happen, then cancel while the client waits for the
	// third. The client sets its next poll's timer only once the previous
	// poll answered, so each BlockUntilTimers also waits for that poll.
	for i := range 3 {
		if !clk.BlockUntilTimers(1, ctx.Done()) {
			t.Fatal("client never waited")
		}
		if i == 2 {
			break
		}
		clk.AdvanceToNextTimer()
	}
	cancel()
	err := <-errc
	var ie *iam.Error
	if !errors.As(err, &ie) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if !strings.HasPrefix(ie.ResourceID, "accesskey-") || !strings.Contains(ie.Message, "operation-") {
		t.Fatalf("error does not name what was left: %+v", ie)
	}
	if n := e.srv.Calls("OperationService/Get"); n != 2 {
		t.Errorf("polls = %d, want 2", n)
	}
}

func TestOperationFailureNamesResource(t *testing.T) {
	e := newEnv(t, func(o *nebiustest.Options) { o.AsyncPolls = 1 })
	ctx := ctxT(t)
	e.srv.FailNextOperation("AccessKeyService/Create", codes.Internal, "disk on fire near "+e.token)
	_, err := e.client.AccessKeys().Create(ctx, nebius.CreateAccessKeyRequest{Account: nebius.ServiceAccount(e.sa.ID)})
	var ie *iam.Error
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v", err)
	}
	if !strings.HasPrefix(ie.ResourceID, "accesskey-") || ie.Op != "AccessKeyService/Create" || ie.GRPCCode != int(codes.Internal) {
		t.Fatalf("err = %+v", ie)
	}
	if strings.Contains(err.Error(), e.token) {
		t.Fatalf("token leaked into error text: %v", err)
	}
	if ie.RequestID != "emu-failed-op" {
		t.Errorf("RequestID = %q", ie.RequestID)
	}
}

// TestStartCallsReturnOperations: the Start* calls return the running
// operation without waiting; Operations.Wait finishes it, and a failed
// operation's Err is the error Wait returns. The waiting calls return the
// resource (Activate, Deactivate, Update) or only an error (Delete).
func TestStartCallsReturnOperations(t *testing.T) {
	e := newEnv(t, func(o *nebiustest.Options) { o.AsyncPolls = 1 })
	ctx := ctxT(t)
	aks := e.client.AccessKeys()
	k, err := aks.Create(ctx, nebius.CreateAccessKeyRequest{Account: nebius.ServiceAccount(e.sa.ID)})
	if err != nil {
		t.Fatal(err)
	}
	for _, start := range []struct {
		name string
		do   func() (*nebius.Operation, error)
	}{
		{"StartDeactivate", func() (*nebius.Operation, error) { return aks.StartDeactivate(ctx, k.ID) }},
		{"StartActivate", func() (*nebius.Operation, error) { return aks.StartActivate(ctx, k.ID) }},
		{"StartDeactivateByAwsID", func() (*nebius.Operation, error) { return aks.StartDeactivateByAwsID(ctx, k.AccessKeyID) }},
		{"StartActivateByAwsID", func() (*nebius.Operation, error) { return aks.StartActivateByAwsID(ctx, k.AccessKeyID) }},
	} {
		op, err := start.do()
		if err != nil || op.Done || op.ResourceID != k.ID || op.Err() != nil {
			t.Fatalf("%s = %+v, %v", start.name, op, err)
		}
		done, err := e.client.Operations().Wait(ctx, op)
		if err != nil || !done.Done || done.Err() != nil {
			t.Fatalf("%s: Wait = %+v, %v", start.name, done, err)
		}
	}
	e.srv.FailNextOperation("AccessKeyService/Deactivate", codes.FailedPrecondition, "not now")
	op, err := aks.StartDeactivate(ctx, k.ID)
	if err != nil {
		t.Fatal(err)
	}
	done, err := e.client.Operations().Wait(ctx, op)
	if err == nil || done.Err() != err || !done.Done || !errors.Is(err, iam.ErrFailedPrecondition) {
		t.Fatalf("failed operation: Wait = %+v, %v (Err %v)", done, err, done.Err())
	}
	if _, err := aks.Deactivate(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	op, err = aks.StartDelete(ctx, k.ID)
	if err != nil || op.Done {
		t.Fatalf("StartDelete = %+v, %v", op, err)
	}
	if _, err := e.client.Operations().Wait(ctx, op); err != nil {
		t.Fatal(err)
	}
	if _, err := aks.Get(ctx, k.ID); !errors.Is(err, iam.ErrNotFound) {
		t.Fatalf("Get after StartDelete+Wait: %v", err)
	}
	k2, err := aks.Create(ctx, nebius.CreateAccessKeyRequest{Account: nebius.ServiceAccount(e.sa.ID)})
	if err != nil {
		t.Fatal(err)
	}
	if op, err = aks.StartDeleteByAwsID(ctx, k2.AccessKeyID); err != nil || op.ResourceID != k2.ID {
		t.Fatalf("StartDeleteByAwsID = %+v, %v", op, err)
	}
	if _, err := e.client.Operations().Wait(ctx, op); err != nil {
		t.Fatal(err)
	}

	apk := e.client.AuthPublicKeys()
	pk, err := apk.Get(ctx, e.sa.KeyID)
	if err != nil {
		t.Fatal(err)
	}
	if op, err = apk.StartDeactivate(ctx, pk.ID); err != nil || op.Done {
		t.Fatalf("AuthPublicKeys.StartDeactivate = %+v, %v", op, err)
	}
	if _, err := e.client.Operations().Wait(ctx, op); err != nil {
		t.Fatal(err)
	}
	if got, err := apk.Activate(ctx, pk.ID); err != nil || got.State != iam.StateActive {
		t.Fatalf("AuthPublicKeys.Activate = %+v, %v", got, err)
	}
	desc := "renamed"
	if op, err = apk.StartUpdate(ctx, nebius.UpdateAuthPublicKeyRequest{ID: pk.ID, Description: &desc}); err != nil || op.Done {
		t.Fatalf("AuthPublicKeys.StartUpdate = %+v, %v", op, err)
	}
	if _, err := e.client.Operations().Wait(ctx, op); err != nil {
		t.Fatal(err)
	}
	if op, err = apk.StartDelete(ctx, pk.ID); err != nil || op.Done {
		t.Fatalf("AuthPublicKeys.StartDelete = %+v, %v", op, err)
	}
	if _, err := e.client.Operations().Wait(ctx, op); err != nil {
		t.Fatal(err)
	}
}

// TestOperationFields: operations carry the request (an Any with the real
// type URL), its headers, a progress tracker and, while running, progress
// data; OperationService.List lists a resource's operations.
func TestOperationFields(t *testing.T) {
	e := newEnv(t, func(o *nebiustest.Options) { o.AsyncPolls = 2 })
	ctx := ctxT(t)
	aks := e.client.AccessKeys()
	k, err := aks.Create(ctx, nebius.CreateAccessKeyRequest{Account: nebius.ServiceAccount(e.sa.ID), Labels: map[string]string{"a": "b"}})
	if err != nil {
		t.Fatal(err)
	}
	empty := ""
	op, err := aks.StartUpdate(ctx, nebius.UpdateAccessKeyRequest{ID: k.ID, Description: &empty, Labels: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}
	if op.Done || op.Request.GetTypeUrl() != "type.googleapis.com/nebius.iam.v2.UpdateAccessKeyRequest" {
		t.Fatalf("running operation: done %v, request %q", op.Done, op.Request.GetTypeUrl())
	}
	var req iamv2.UpdateAccessKeyRequest
	if ok, err := nebiuspb.UnmarshalAny(op.Request, &req); !ok || err != nil || req.GetMetadata().GetId() != k.ID ||
		req.GetMetadata().GetParentId() != e.sa.ProjectID {
		t.Fatalf("Request = %v (%v, %v)", &req, ok, err)
	}
	if m := op.RequestHeaders["x-resetmask"]; len(m) != 1 || m[0] != "metadata.labels,spec.description" {
		t.Errorf("x-resetmask header = %q", m)
	}
	if len(op.RequestHeaders["x-idempotency-key"]) != 1 {
		t.Errorf("x-idempotency-key header = %q", op.RequestHeaders["x-idempotency-key"])
	}
	if _, ok := op.RequestHeaders["authorization"]; ok {
		t.Error("the operation records the bearer token")
	}
	pt := op.ProgressTracker
	if pt == nil || pt.Description != op.Description || !pt.StartedAt.Equal(op.CreatedAt) || !pt.FinishedAt.IsZero() ||
		pt.WorkDone == nil || pt.WorkDone.TotalTicks != 2 || pt.WorkDone.DoneTicks != 0 {
		t.Fatalf("running ProgressTracker = %+v", pt)
	}
	var wd commonv1.ProgressTracker_WorkDone
	if ok, err := nebiuspb.UnmarshalAny(op.ProgressData, &wd); !ok || err != nil || wd.GetTotalTickCount() != 2 {
		t.Fatalf("running ProgressData %q: %v %v", op.ProgressData.GetTypeUrl(), ok, err)
	}
	done, err := e.client.Operations().Wait(ctx, op)
	if err != nil {
		t.Fatal(err)
	}
	if done.ProgressData != nil || done.ProgressTracker.FinishedAt.IsZero() || !done.ProgressTracker.FinishedAt.Equal(done.FinishedAt) ||
		done.ProgressTracker.WorkDone.DoneTicks != 2 || done.Request.GetTypeUrl() != op.Request.GetTypeUrl() {
		t.Fatalf("finished operation: %+v, tracker %+v", done, done.ProgressTracker)
	}
	if err := aks.Delete(ctx, k.ID); err != nil {
		t.Fatal(err)
	}

	// The key's operations: create, update, delete, in the order they
	// were started, page by page.
	var kinds []string
	for o, err := range e.client.Operations().List(ctx, nebius.ListOperationsRequest{ResourceID: k.ID, PageSize: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		if o.ResourceID != k.ID {
			t.Fatalf("listed %+v", o)
		}
		kinds = append(kinds, o.Description)
	}
	if strings.Join(kinds, ",") != "create access key,update access key,delete access key" {
		t.Fatalf("operations = %v", kinds)
	}
	page, err := e.client.Operations().ListPage(ctx, nebius.ListOperationsRequest{ResourceID: k.ID, PageSize: 2})
	if err != nil || len(page.Items) != 2 || page.NextPageToken == "" {
		t.Fatalf("ListPage = %+v, %v", page, err)
	}
	if page, err := e.client.Operations().ListPage(ctx, nebius.ListOperationsRequest{ResourceID: "accesskey-none"}); err != nil || len(page.Items) != 0 {
		t.Fatalf("ListPage(unknown resource) = %+v, %v", page, err)
	}
	if _, err := e.client.Operations().ListPage(ctx, nebius.ListOperationsRequest{}); !errors.Is(err, iam.ErrInvalidArgument) {
		t.Fatalf("ListPage without ResourceID: %v", err)
	}
}
