package nebius

import (
	"context"
	"iter"
	"slices"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/clock"
	"github.com/iamkit/iamkit/internal/nebiuspb/commonv1"
	"github.com/iamkit/iamkit/internal/paging"
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
	// Request is the request that started the operation, as the service
	// recorded it: a google.protobuf.Any whose type URL carries the real
	// message name (type.googleapis.com/nebius.iam.v2.CreateAccessKeyRequest),
	// so that it unpacks into github.com/nebius/gosdk's types; nil when
	// the service sent none.
	Request *anypb.Any
	// RequestHeaders are the headers of that request the service recorded
	// (lower-case names, such as "x-resetmask"); nil when none.
	RequestHeaders map[string][]string
	// ProgressTracker is how far the operation has come, when the service
	// tracks it (present while it runs and after it finished); nil else.
	ProgressTracker *ProgressTracker
	// ProgressData is service-specific progress data (an Any, real type
	// URL) the service may send while the operation runs; nil once done.
	// Which message, if any, the IAM service sends is UNCONFIRMED (the
	// nebiustest emulator sends a ProgressTracker.WorkDone of its own).
	ProgressData *anypb.Any

	err error  // see Err
	op  string // the call that started it, for error text
}

// Err returns, for a finished operation that failed, an *iam.Error with
// the operation's status (its ResourceID names the resource, else the
// operation); nil while it runs or after success.
func (o *Operation) Err() error { return o.err }

// ProgressTracker is the progress of an operation
// (nebius.common.v1.ProgressTracker).
type ProgressTracker struct {
	// Description says what is tracked (usually the operation's).
	Description string
	// StartedAt is when the work started (the operation's CreatedAt).
	StartedAt time.Time
	// EstimatedFinishedAt is the service's estimate while the work runs;
	// zero when it has none, or once the work is done.
	EstimatedFinishedAt time.Time
	// FinishedAt is when the work finished; zero while it runs.
	FinishedAt time.Time
	// WorkDone counts the work in ticks; nil when the service does not.
	WorkDone *WorkDone
	// Steps are the steps of the work, in order.
	Steps []ProgressStep
}

// WorkDone counts work in ticks.
type WorkDone struct {
	// TotalTicks is the work to do, DoneTicks the work done.
	TotalTicks, DoneTicks int64
}

// ProgressStep is a step of an operation's work.
type ProgressStep struct {
	// Description says what the step does.
	Description string
	// StartedAt and FinishedAt bound the step (FinishedAt zero while it
	// runs).
	StartedAt, FinishedAt time.Time
	// WorkDone counts the step's work; nil when not counted.
	WorkDone *WorkDone
}

func workDoneFromPB(p *commonv1.ProgressTracker_WorkDone) *WorkDone {
	if p == nil {
		return nil
	}
	return &WorkDone{TotalTicks: p.GetTotalTickCount(), DoneTicks: p.GetDoneTickCount()}
}

func progressFromPB(p *commonv1.ProgressTracker) *ProgressTracker {
	if p == nil {
		return nil
	}
	out := &ProgressTracker{
		Description:         p.GetDescription(),
		StartedAt:           timeFromPB(p.GetStartedAt()),
		EstimatedFinishedAt: timeFromPB(p.GetEstimatedFinishedAt()),
		FinishedAt:          timeFromPB(p.GetFinishedAt()),
		WorkDone:            workDoneFromPB(p.GetWorkDone()),
	}
	for _, st := range p.GetSteps() {
		out.Steps = append(out.Steps, ProgressStep{Description: st.GetDescription(), StartedAt: timeFromPB(st.GetStartedAt()),
			FinishedAt: timeFromPB(st.GetFinishedAt()), WorkDone: workDoneFromPB(st.GetWorkDone())})
	}
	return out
}

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

// ListOperationsRequest asks for the operations of a resource.
type ListOperationsRequest struct {
	// ResourceID is the resource whose operations are listed; required.
	ResourceID string
	// PageSize is the page size asked of the service (1 to 1000); 0 lets
	// the service choose, a negative value is refused.
	PageSize int
	// PageToken is the token of the page to fetch (ListPage; List starts
	// there).
	PageToken string
}

// ListPage returns one page of the operations of a resource
// (OperationService/List), without waiting for them.
func (o *Operations) ListPage(ctx context.Context, req ListOperationsRequest) (*Page[*Operation], error) {
	const op = "OperationService/List"
	if req.ResourceID == "" {
		return nil, invalidArg(op, "ResourceID is empty")
	}
	if err := checkPageSize(op, req.PageSize); err != nil {
		return nil, err
	}
	resp := new(commonv1.ListOperationsResponse)
	tok, err := o.c.invokeTok(ctx, call{op: op, method: commonv1.OperationService_List_FullMethodName},
		&commonv1.ListOperationsRequest{ResourceId: req.ResourceID, PageSize: int64(req.PageSize), PageToken: req.PageToken}, resp)
	if err != nil {
		return nil, err
	}
	p := &Page[*Operation]{NextPageToken: resp.GetNextPageToken(), Items: make([]*Operation, 0, len(resp.GetOperations()))}
	for _, it := range resp.GetOperations() {
		p.Items = append(p.Items, operationFromPB(it, op, tok))
	}
	return p, nil
}

// List returns an iterator over every operation of a resource, fetching
// pages as it goes. It stops at the first error, which it yields.
func (o *Operations) List(ctx context.Context, req ListOperationsRequest) iter.Seq2[*Operation, error] {
	return paging.Items(ctx, iam.Nebius, "OperationService/List", req.PageToken, func(ctx context.Context, token string) ([]*Operation, string, error) {
		r := req
		r.PageToken = token
		p, err := o.ListPage(ctx, r)
		if err != nil {
			return nil, "", err
		}
		return p.Items, p.NextPageToken, nil
	})
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
		// Request and ProgressData are kept as the service sent them
		// (clones, so the caller owns them).
		Request:         cloneAny(p.GetRequest()),
		ProgressTracker: progressFromPB(p.GetProgressTracker()),
		ProgressData:    cloneAny(p.GetProgressData()),
		op:              op,
	}
	for name, h := range p.GetRequestHeaders() {
		if out.RequestHeaders == nil {
			out.RequestHeaders = map[string][]string{}
		}
		out.RequestHeaders[name] = slices.Clone(h.GetValues())
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

func cloneAny(a *anypb.Any) *anypb.Any {
	if a == nil {
		return nil
	}
	return proto.Clone(a).(*anypb.Any)
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
