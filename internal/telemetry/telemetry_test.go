package telemetry

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"go.opentelemetry.io/otel/trace"

	"github.com/iamkit/iamkit/iam"
)

func TestResult(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, ResultOK},
		{&iam.Error{Kind: iam.ErrNotFound}, ResultNotFound},
		{fmt.Errorf("wrapped: %w", &iam.Error{Kind: iam.ErrThrottled}), ResultThrottled},
		// The first *iam.Error's kind wins over a cause's.
		{&iam.Error{Kind: iam.ErrUnauthenticated, Err: &iam.Error{Kind: iam.ErrUnavailable}}, ResultUnauthenticated},
		{&iam.Error{Err: context.Canceled}, ResultCanceled},
		{context.DeadlineExceeded, ResultDeadlineExceeded},
		{fmt.Errorf("x: %w", iam.ErrFailedPrecondition), ResultFailedPrecondition},
		{errors.New("something else"), ResultError},
	}
	for _, tt := range tests {
		if got := Result(tt.err); got != tt.want {
			t.Errorf("Result(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestGRPCCodeName(t *testing.T) {
	for code, want := range map[int]string{0: "OK", 4: "DEADLINE_EXCEEDED", 14: "UNAVAILABLE", 16: "UNAUTHENTICATED", 99: "99"} {
		if got := GRPCCodeName(code); got != want {
			t.Errorf("GRPCCodeName(%d) = %q, want %q", code, got, want)
		}
	}
}

// TestNilSafe checks that the helpers of a component built without
// telemetry (nil) do nothing, rather than panic.
func TestNilSafe(t *testing.T) {
	var c *Calls
	ctx, call := c.StartHTTP(context.Background(), "Op", "GET", "https://example.com/")
	call.Attempt(503, "", nil, true)
	call.SetRequestID("r")
	call.Event("e")
	call.End(errors.New("x"))
	if ctx == nil || c.Propagating() {
		t.Fatal("nil Calls")
	}
	var tk *Tokens
	_, r := tk.StartRefresh(context.Background(), TriggerExpired, trace.SpanContext{})
	r.End(nil, 0)
	tk.Waited(context.Background(), nil)
	ObserveExpiry(tk, new(int), nil)()
	var rot *Rotation
	_, s := rot.StartStep(context.Background(), StepCreate)
	s.Event("key created", "AK", nil)
	s.End()
	rot.Rotated(nil)
	ObserveKeys(rot, new(int), nil)()
}
