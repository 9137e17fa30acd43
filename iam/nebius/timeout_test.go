package nebius_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/nebius"
	"github.com/iamkit/iamkit/internal/httpx"
)

// Issue 11, item 12: a call without a caller deadline had no deadline at
// all, so a stalled server held it forever. Every attempt now carries the
// REST clients' default per-attempt timeout.
func TestCallWithoutCallerDeadlineHasAnAttemptDeadline(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	type seen struct {
		deadline time.Time
		ok       bool
	}
	seenc := make(chan seen, 1)
	srv := grpc.NewServer(grpc.UnknownServiceHandler(func(_ any, stream grpc.ServerStream) error {
		dl, ok := stream.Context().Deadline()
		select {
		case seenc <- seen{dl, ok}:
		default:
		}
		return status.Error(codes.NotFound, "no such key")
	}))
	go func() { _ = srv.Serve(l) }()
	defer srv.Stop()

	c, err := nebius.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "token"}), func(o *nebius.Options) {
		o.Address = l.Addr().String()
		o.Plaintext = true
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	if _, err := c.AccessKeys().Get(context.Background(), "accesskey-x"); !errors.Is(err, iam.ErrNotFound) {
		t.Fatalf("err = %v, want not found", err)
	}
	s := <-seenc
	if !s.ok {
		t.Fatal("the call reached the server without a deadline: a stalled server would hold it forever")
	}
	if d := s.deadline.Sub(start); d <= httpx.DefaultAttemptTimeout-5*time.Second || d > httpx.DefaultAttemptTimeout+time.Second {
		t.Fatalf("attempt deadline %v after the call started, want about %v", d, httpx.DefaultAttemptTimeout)
	}
}

// A stalled server: every attempt times out, is retried, and the call ends
// with ErrUnavailable after MaxAttempts, without the caller's context.
func TestStalledServerCallEnds(t *testing.T) {
	e := newEnv(t, nil, func(o *nebius.Options) {
		o.AttemptTimeout = 50 * time.Millisecond
		o.MaxAttempts = 3
	})
	e.srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultHang, Match: "AccessKeyService/Get", Times: -1})
	errc := make(chan error, 1)
	go func() {
		_, err := e.client.AccessKeys().Get(context.Background(), "accesskey-x")
		errc <- err
	}()
	var err error
	select {
	case err = <-errc:
	case <-time.After(20 * time.Second):
		t.Fatal("the call on a stalled server is still blocked after 20s")
	}
	if !errors.Is(err, iam.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want ErrUnavailable (and not the caller's deadline)", err)
	}
	if !strings.Contains(err.Error(), "attempt timeout") {
		t.Errorf("err %q does not say the attempt timed out", err)
	}
	if n := e.srv.Calls("AccessKeyService/Get"); n != 3 {
		t.Errorf("calls = %d, want 3 (each timed-out attempt retried)", n)
	}
}

// A negative AttemptTimeout leaves the caller's context alone to bound a
// call.
func TestAttemptTimeoutCanBeDisabled(t *testing.T) {
	e := newEnv(t, nil, func(o *nebius.Options) { o.AttemptTimeout = -1 })
	// Connect first, so that the short deadline below is spent waiting
	// on the hung call, not dialling.
	if _, err := e.client.AccessKeys().ListPage(ctxT(t), nebius.ListRequest{}); err != nil {
		t.Fatal(err)
	}
	e.srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultHang, Match: "AccessKeyService/Get"})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := e.client.AccessKeys().Get(ctx, "accesskey-x")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the caller's deadline", err)
	}
	if n := e.srv.Calls("AccessKeyService/Get"); n != 1 {
		t.Errorf("calls = %d, want 1", n)
	}
}
