package yandex_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest/yandextest"
	"github.com/iamkit/iamkit/iam/yandex"
)

func TestOperationWait(t *testing.T) {
	tests := []struct {
		name       string
		polls      int
		notFound   int
		header     time.Duration
		tolerance  int
		fail       bool
		wantPolls  int
		wantErr    error
		wantWaited time.Duration // fake time spent in Delete
	}{
		{name: "done at once", wantPolls: 0},
		{name: "after 3 polls", polls: 3, wantPolls: 4, wantWaited: time.Second + 1500*time.Millisecond + 2250*time.Millisecond + 3375*time.Millisecond},
		{name: "poll interval header", polls: 2, header: 7 * time.Second, wantPolls: 3, wantWaited: time.Second + 7*time.Second + 7*time.Second},
		{name: "not found first, tolerated", notFound: 3, wantPolls: 4},
		{name: "not found too often", notFound: 5, wantPolls: 4, wantErr: iam.ErrNotFound},
		{name: "not found, tolerance off", notFound: 1, tolerance: -1, wantPolls: 1, wantErr: iam.ErrNotFound},
		{name: "error operation at once", fail: true, wantErr: iam.ErrFailedPrecondition},
		{name: "error operation after polls", polls: 2, fail: true, wantPolls: 3, wantErr: iam.ErrFailedPrecondition},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envOpt{
				srv: []func(*yandextest.Options){func(o *yandextest.Options) {
					o.OperationPolls, o.OperationNotFoundPolls, o.PollInterval = tc.polls, tc.notFound, tc.header
				}},
				client: []func(*yandex.Options){func(o *yandex.Options) { o.NotFoundTolerance = tc.tolerance }},
			})
			ctx := ctxT(t)
			k, err := e.client.AccessKeys().Create(ctx, yandex.CreateAccessKeyRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if tc.fail {
				e.srv.FailNextOperation(9, "key is in use")
			}
			t0 := e.clock.Now()
			err = e.client.AccessKeys().Delete(ctx, k.AccessKey.ID)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("Delete = %v, want %v", err, tc.wantErr)
			}
			if got := e.srv.Calls("OperationService/Get"); got != tc.wantPolls {
				t.Errorf("polls = %d, want %d", got, tc.wantPolls)
			}
			if tc.wantWaited != 0 {
				if waited := e.clock.Now().Sub(t0); waited != tc.wantWaited {
					t.Errorf("waited %v, want %v", waited, tc.wantWaited)
				}
			}
			if tc.fail {
				var ie *iam.Error
				if !errors.As(err, &ie) || ie.ResourceID == "" || ie.GRPCCode != 9 || ie.Message != "key is in use" || ie.Op != "AccessKeyService/Delete" {
					t.Fatalf("error = %#v", ie)
				}
				// The failed delete did not delete.
				if _, err := e.client.AccessKeys().Get(ctx, k.AccessKey.ID); err != nil {
					t.Fatalf("key gone after a failed delete: %v", err)
				}
			}
		})
	}
}

func TestOperationWaitContextCancel(t *testing.T) {
	e := newEnv(t, envOpt{manual: true, srv: []func(*yandextest.Options){func(o *yandextest.Options) { o.OperationPolls = 1000 }}})
	ctx, cancel := context.WithCancel(ctxT(t))
	k, err := e.client.Keys().Create(ctx, yandex.CreateKeyRequest{})
	if err != nil {
		t.Fatal(err)
	}
	op, err := e.client.Keys().StartDelete(ctx, k.Key.ID)
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := e.client.Operations().Wait(ctx, op)
		errc <- err
	}()
	// Let two polls happen, then cancel while Wait sleeps.
	for range 2 {
		if !e.clock.BlockUntilTimers(1, ctx.Done()) {
			t.Fatal("Wait never slept")
		}
		e.clock.AdvanceToNextTimer()
	}
	if !e.clock.BlockUntilTimers(1, ctx.Done()) {
		t.Fatal("Wait never slept")
	}
	cancel()
	err = <-errc
	var ie *iam.Error
	if !errors.Is(err, context.Canceled) || !errors.As(err, &ie) || ie.ResourceID != op.ID {
		t.Fatalf("Wait = %v, want context.Canceled naming operation %s", err, op.ID)
	}
	if got := e.srv.Calls("OperationService/Get"); got != 2 {
		t.Fatalf("polls = %d, want 2", got)
	}
	if e.clock.Timers() != 0 {
		t.Fatalf("%d timers left behind", e.clock.Timers())
	}
}

func TestOperationWaitNil(t *testing.T) {
	e := newEnv(t, envOpt{})
	if _, err := e.client.Operations().Wait(ctxT(t), nil); !errors.Is(err, iam.ErrInvalidArgument) {
		t.Fatalf("Wait(nil) = %v", err)
	}
	done := &yandex.Operation{ID: "x", Done: true}
	if got, err := e.client.Operations().Wait(ctxT(t), done); err != nil || got != done {
		t.Fatalf("Wait(done) = %v, %v", got, err)
	}
}

// TestOperationCancel: Cancel calls OperationService.Cancel
// (GET /operations/{id}:cancel) and returns the operation as the service
// reports it; the emulator has nothing to stop, so a pending operation is
// still pending and Wait then sees it done.
func TestOperationCancel(t *testing.T) {
	e := newEnv(t, envOpt{srv: []func(*yandextest.Options){func(o *yandextest.Options) { o.OperationPolls = 2 }}})
	ctx := ctxT(t)
	k, err := e.client.Keys().Create(ctx, yandex.CreateKeyRequest{})
	if err != nil {
		t.Fatal(err)
	}
	op, err := e.client.Keys().StartDelete(ctx, k.Key.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.client.Operations().Cancel(ctx, op.ID)
	if err != nil || got.ID != op.ID || got.Done || !strings.HasSuffix(got.MetadataType(), "yandex.cloud.iam.v1.DeleteKeyMetadata") {
		t.Fatalf("Cancel = %+v, %v", got, err)
	}
	if n := e.srv.Calls("OperationService/Cancel"); n != 1 {
		t.Fatalf("OperationService/Cancel called %d times, want 1", n)
	}
	done, err := e.client.Operations().Wait(ctx, got)
	if err != nil || !done.Done {
		t.Fatalf("Wait after Cancel = %+v, %v", done, err)
	}
	if _, err := e.client.Operations().Cancel(ctx, "ajenosuchoperation00"); !errors.Is(err, iam.ErrNotFound) {
		t.Fatalf("Cancel of an unknown operation = %v, want ErrNotFound", err)
	}
}
