package nebius

import (
	"context"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/nebius/internal/pb/commonv1"
	"github.com/iamkit/iamkit/internal/clock"
)

// Operation is a Nebius long-running operation: what every mutating call
// returns. It may come back already done (synchronous) or still running.
type Operation struct {
	// ID is the operation's ID.
	ID string
	// Description says what the operation does.
	Description string
	// CreatedBy is the account that started it.
	CreatedBy string
	// ResourceID is the resource the operation works on; for Create, the
	// new resource's ID.
	ResourceID string
	// CreatedAt and FinishedAt are when it started and ended (FinishedAt is
	// zero while it runs).
	CreatedAt, FinishedAt time.Time
	// Done reports whether the operation has finished.
	Done bool

	err error  // see Err
	op  string // the call that started it, for error text
}

// Err returns, for a finished operation that failed, an *iam.Error with
// the operation's status (its ResourceID names the resource, else the
// operation); nil while it runs or after success.
func (o *Operation) Err() error { return o.err }

// Operations is the client of nebius.common.v1.OperationService on the
// cpl.iam host. The other clients use it to wait for their operations; use
// it directly after a StartCreate.
type Operations struct {
	c *Client
}

// Get returns the current state of the operation id.
func (o *Operations) Get(ctx context.Context, id string) (*Operation, error) {
	const op = "OperationService/Get"
	if id == "" {
		return nil, invalidArg(op, "operation ID is empty")
	}
	resp := new(commonv1.Operation)
	tok, err := o.c.invokeTok(ctx, call{op: op, method: commonv1.OperationService_Get_FullMethodName},
		&commonv1.GetOperationRequest{Id: id}, resp)
	if err != nil {
		return nil, err
	}
	return operationFromPB(resp, op, tok), nil
}

// Wait polls the operation until it is done or ctx ends, with a delay that
// starts at Options.PollInterval and doubles up to MaxPollInterval. It
// returns the finished operation, and its Err when it failed.
//
// When ctx ends first, the error is an *iam.Error whose ResourceID names
// the operation (so the caller can find it later) and that unwraps to
// ctx.Err().
func (o *Operations) Wait(ctx context.Context, op *Operation) (*Operation, error) {
	if op == nil {
		return nil, invalidArg("OperationService/Get", "operation is nil")
	}
	delay := o.c.opts.PollInterval
	for !op.Done {
		if err := clock.Sleep(ctx, o.c.clk, delay); err != nil {
			return op, o.abandoned(op, err)
		}
		next, err := o.Get(ctx, op.ID)
		if err != nil {
			if ctx.Err() != nil {
				return op, o.abandoned(op, ctx.Err())
			}
			if ie, ok := err.(*iam.Error); ok && ie.ResourceID == "" {
				ie.ResourceID = op.ID
			}
			return op, err
		}
		next.op = op.op
		if next.err != nil {
			next.err = operationFailure(next, op.op)
		}
		op = next
		delay = min(2*delay, o.c.opts.MaxPollInterval)
	}
	return op, op.err
}

// abandoned is the error of a wait the caller's context ended.
func (o *Operations) abandoned(op *Operation, err error) error {
	id := op.ResourceID
	msg := "stopped waiting for operation " + op.ID
	if id == "" {
		id = op.ID
	} else {
		msg += " on " + op.ResourceID
	}
	return &iam.Error{Provider: iam.Nebius, Op: op.op, Message: msg, ResourceID: id, Err: err}
}

// operationFromPB converts a wire operation; op names the originating call,
// and secrets are scrubbed from its status message.
func operationFromPB(p *commonv1.Operation, op string, secrets ...string) *Operation {
	out := &Operation{
		ID:          p.GetId(),
		Description: p.GetDescription(),
		CreatedBy:   p.GetCreatedBy(),
		ResourceID:  p.GetResourceId(),
		CreatedAt:   timeFromPB(p.GetCreatedAt()),
		FinishedAt:  timeFromPB(p.GetFinishedAt()),
		Done:        p.GetStatus() != nil,
		op:          op,
	}
	if s := p.GetStatus(); s != nil && codes.Code(s.GetCode()) != codes.OK {
		ie := statusError(op, status.FromProto(s), secrets...)
		ie.Message = "operation " + out.ID + " failed: " + ie.Message
		if ie.ResourceID == "" {
			ie.ResourceID = out.ResourceID
		}
		if ie.ResourceID == "" {
			ie.ResourceID = out.ID
		}
		out.err = ie
	}
	return out
}

// operationFailure re-labels a failed operation's error with the call that
// started it.
func operationFailure(op *Operation, call string) error {
	if ie, ok := op.err.(*iam.Error); ok && call != "" {
		ie.Op = call
		return ie
	}
	return op.err
}

// startOperation runs a mutating call that returns an Operation.
func (c *Client) startOperation(ctx context.Context, cl call, req any) (*Operation, error) {
	resp := new(commonv1.Operation)
	tok, err := c.invokeTok(ctx, cl, req, resp)
	if err != nil {
		return nil, err
	}
	return operationFromPB(resp, cl.op, tok), nil
}
