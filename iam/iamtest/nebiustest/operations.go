package nebiustest

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/iamkit/iamkit/internal/nebiuspb"
	"github.com/iamkit/iamkit/internal/nebiuspb/commonv1"
)

// operation is a stored operation.
type operation struct {
	seq         int // creation order
	id          string
	description string
	createdBy   string
	createdAt   time.Time
	finishedAt  time.Time
	resourceID  string
	polls       int // polls it takes to finish (AsyncPolls when started)
	pollsLeft   int
	err         *svcError // nil: success
	request     *anypb.Any
	headers     map[string]*commonv1.Operation_RequestHeader
}

// newOperation records an operation of the call in ctx on resourceID.
// Unless a failure is queued for the method, it succeeds; it is done at
// once, or after AsyncPolls polls. It records the request (as an Any with
// its real type URL) and its headers.
func (s *Server) newOperation(ctx context.Context, description, resourceID string) *commonv1.Operation {
	c := call(ctx)
	now := s.clk.Now()
	s.opSeq++
	op := &operation{
		seq:         s.opSeq,
		id:          "operation-e00" + randString(17, lowerAlnum),
		description: description,
		createdBy:   c.subject,
		createdAt:   now,
		resourceID:  resourceID,
		polls:       s.opts.AsyncPolls,
		pollsLeft:   s.opts.AsyncPolls,
		headers:     c.headers,
	}
	if c.request != nil {
		op.request, _ = nebiuspb.NewAny(c.request)
	}
	for i, f := range s.failures {
		if strings.Contains(c.method, f.match) {
			op.err = f.err
			s.failures = append(s.failures[:i], s.failures[i+1:]...)
			break
		}
	}
	if op.pollsLeft == 0 {
		op.finishedAt = now
	}
	s.operations[op.id] = op
	return s.renderOperation(op)
}

// failurePending reports whether a queued failure applies to the next
// operation of the call in ctx, without using it up.
func (s *Server) failurePending(ctx context.Context) bool {
	m := call(ctx).method
	for _, f := range s.failures {
		if strings.Contains(m, f.match) {
			return true
		}
	}
	return false
}

// renderOperation is the wire form of op: done (status and finished_at
// set) or running; with the request and its headers, and a
// progress_tracker counting polls as ticks. While it runs, progress_data
// holds the work done so far (which message the real IAM puts there is
// UNCONFIRMED); once done it is absent, as the API requires.
func (s *Server) renderOperation(op *operation) *commonv1.Operation {
	total := int64(max(op.polls, 1))
	done := total - int64(op.pollsLeft)
	if op.polls == 0 {
		done = total
	}
	pt := &commonv1.ProgressTracker{
		Description: op.description,
		StartedAt:   timestamppb.New(op.createdAt),
		WorkDone:    &commonv1.ProgressTracker_WorkDone{TotalTickCount: total, DoneTickCount: done},
	}
	out := &commonv1.Operation{
		Id:              op.id,
		Description:     op.description,
		CreatedAt:       timestamppb.New(op.createdAt),
		CreatedBy:       op.createdBy,
		ResourceId:      op.resourceID,
		Request:         op.request,
		RequestHeaders:  maps.Clone(op.headers),
		ProgressTracker: pt,
	}
	if op.pollsLeft > 0 {
		out.ProgressData, _ = nebiuspb.NewAny(proto.Clone(pt.WorkDone))
		return out
	}
	out.FinishedAt = timestamppb.New(op.finishedAt)
	pt.FinishedAt = out.FinishedAt
	out.Status = &spb.Status{}
	if op.err != nil {
		out.Status = op.err.status()
	}
	return out
}

type operationService struct {
	commonv1.UnimplementedOperationServiceServer
	s *Server
}

// Get returns the operation; each Get is a poll that brings an
// asynchronous operation closer to done.
func (o operationService) Get(_ context.Context, req *commonv1.GetOperationRequest) (*commonv1.Operation, error) {
	s := o.s
	if req.GetId() == "" {
		return nil, badRequest("id", "operation ID is required").grpcErr()
	}
	op, ok := s.operations[req.GetId()]
	if !ok {
		return nil, notFound("operation", req.GetId()).grpcErr()
	}
	if op.pollsLeft > 0 {
		op.pollsLeft--
		if op.pollsLeft == 0 {
			op.finishedAt = s.clk.Now()
		}
	}
	return s.renderOperation(op), nil
}

// List returns the operations of a resource in the order they were
// started (the real service's order is UNCONFIRMED), without polling them.
func (o operationService) List(_ context.Context, req *commonv1.ListOperationsRequest) (*commonv1.ListOperationsResponse, error) {
	s := o.s
	if req.GetResourceId() == "" {
		return nil, badRequest("resource_id", "is required").grpcErr()
	}
	var ops []*operation
	for _, op := range s.operations {
		if op.resourceID == req.GetResourceId() {
			ops = append(ops, op)
		}
	}
	slices.SortFunc(ops, func(a, b *operation) int { return cmp.Compare(a.seq, b.seq) })
	ids := make([]string, len(ops))
	for i, op := range ops {
		ids[i] = op.id
	}
	pageIDs, next, serr := s.pageOrdered(ids, req.GetPageSize(), req.GetPageToken())
	if serr != nil {
		return nil, serr.grpcErr()
	}
	out := &commonv1.ListOperationsResponse{NextPageToken: next}
	for _, id := range pageIDs {
		out.Operations = append(out.Operations, s.renderOperation(s.operations[id]))
	}
	return out, nil
}
