package nebiustest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/internal/nebiuspb/commonv1"
	"github.com/iamkit/iamkit/internal/nebiuspb/iamv1"
	"github.com/iamkit/iamkit/internal/nebiuspb/iamv2"
)

// clients are the typed gRPC clients of the emulator's services, on one
// plaintext connection.
type clients struct {
	conn *grpc.ClientConn
	ak   iamv2.AccessKeyServiceClient
	apk  iamv1.AuthPublicKeyServiceClient
	ops  commonv1.OperationServiceClient
	tx   iamv1.TokenExchangeServiceClient
}

func dial(t *testing.T, srv *nebiustest.Server) *clients {
	t.Helper()
	conn, err := grpc.NewClient(srv.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &clients{conn: conn, ak: iamv2.NewAccessKeyServiceClient(conn), apk: iamv1.NewAuthPublicKeyServiceClient(conn),
		ops: commonv1.NewOperationServiceClient(conn), tx: iamv1.NewTokenExchangeServiceClient(conn)}
}

// with returns ctx with outgoing metadata md (key, value, …).
func with(ctx context.Context, md ...string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, md...)
}

func TestAuthentication(t *testing.T) {
	clk := iamtest.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	srv, err := nebiustest.New(func(o *nebiustest.Options) { o.Clock = clk })
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := dial(t, srv)
	ctx := context.Background()
	tok := srv.IssueToken("serviceaccount-1", time.Hour)
	for _, tc := range []struct {
		name string
		md   []string
		want codes.Code
	}{
		{"no token", nil, codes.Unauthenticated},
		{"not bearer", []string{"authorization", "Basic " + tok}, codes.Unauthenticated},
		{"unknown token", []string{"authorization", "Bearer v1.unknown"}, codes.Unauthenticated},
		{"good token", []string{"authorization", "Bearer " + tok}, codes.OK},
	} {
		_, err := c.ak.List(with(ctx, tc.md...), &iamv2.ListAccessKeysRequest{ParentId: "p"})
		if status.Code(err) != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	clk.Advance(time.Hour)
	_, err = c.ak.List(with(ctx, "authorization", "Bearer "+tok), &iamv2.ListAccessKeysRequest{ParentId: "p"})
	if status.Code(err) != codes.Unauthenticated {
		t.Errorf("expired token: %v", err)
	}
}

func TestIdempotencyReplayAndAsyncOperations(t *testing.T) {
	srv, err := nebiustest.New(func(o *nebiustest.Options) { o.AsyncPolls = 2 })
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := dial(t, srv)
	ctx := context.Background()
	auth := []string{"authorization", "Bearer " + srv.IssueToken("serviceaccount-1", time.Hour)}
	req := &iamv2.CreateAccessKeyRequest{Metadata: &commonv1.ResourceMetadata{ParentId: "project-1"},
		Spec: &iamv2.AccessKeySpec{Account: &iamv1.Account{Type: &iamv1.Account_ServiceAccount_{ServiceAccount: &iamv1.Account_ServiceAccount{Id: "serviceaccount-1"}}}}}
	md := append([]string{"x-idempotency-key", "11111111-1111-4111-8111-111111111111"}, auth...)

	op1, err := c.ak.Create(with(ctx, md...), req)
	if err != nil {
		t.Fatal(err)
	}
	op2, err := c.ak.Create(with(ctx, md...), req)
	if err != nil {
		t.Fatal(err)
	}
	if op1.GetId() != op2.GetId() || op1.GetResourceId() != op2.GetResourceId() {
		t.Fatal("same idempotency key gave a different operation")
	}
	if op1.GetStatus() != nil {
		t.Fatal("async operation is done at once")
	}
	// Another key makes another key.
	if _, err := c.ak.Create(with(ctx, append([]string{"x-idempotency-key", "22222222-2222-4222-8222-222222222222"}, auth...)...), req); err != nil {
		t.Fatal(err)
	}
	list, err := c.ak.List(with(ctx, auth...), &iamv2.ListAccessKeysRequest{ParentId: "project-1"})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(list.GetItems()); n != 2 {
		t.Fatalf("keys = %d, want 2", n)
	}
	// The operation is done on the second poll.
	for poll, wantDone := range []bool{false, true, true} {
		op, err := c.ops.Get(with(ctx, auth...), &commonv1.GetOperationRequest{Id: op1.GetId()})
		if err != nil {
			t.Fatal(err)
		}
		if done := op.GetStatus() != nil; done != wantDone {
			t.Fatalf("poll %d: done = %v", poll+1, done)
		}
	}
}

func TestErrorDetails(t *testing.T) {
	srv, err := nebiustest.New()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := dial(t, srv)
	auth := []string{"authorization", "Bearer " + srv.IssueToken("serviceaccount-1", time.Hour)}
	var header metadata.MD
	_, err = c.ak.Get(with(context.Background(), auth...), &iamv2.GetAccessKeyRequest{Id: "accesskey-missing"}, grpc.Header(&header))
	st := status.Convert(err)
	if st.Code() != codes.NotFound || len(st.Proto().GetDetails()) != 1 {
		t.Fatalf("status = %v", st.Proto())
	}
	d := st.Proto().GetDetails()[0]
	if d.GetTypeUrl() != "type.googleapis.com/nebius.common.v1.ServiceError" {
		t.Fatalf("detail type %q", d.GetTypeUrl())
	}
	var se commonv1.ServiceError
	if err := proto.Unmarshal(d.GetValue(), &se); err != nil {
		t.Fatal(err)
	}
	if se.GetResourceNotFound().GetResourceId() != "accesskey-missing" || se.GetRetryType() != commonv1.ServiceError_NOTHING {
		t.Fatalf("ServiceError = %v", &se)
	}
	if len(header.Get("x-request-id")) != 1 {
		t.Fatalf("no X-Request-ID in %v", header)
	}
}

func TestFaultsAndClose(t *testing.T) {
	srv, err := nebiustest.New()
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, srv)
	ctx := context.Background()
	auth := []string{"authorization", "Bearer " + srv.IssueToken("serviceaccount-1", time.Hour)}
	list := func() error {
		_, err := c.ak.List(with(ctx, auth...), &iamv2.ListAccessKeysRequest{ParentId: "p"})
		return err
	}
	for _, tc := range []struct {
		fault iamtest.Fault
		want  codes.Code
	}{
		{iamtest.Fault{Kind: iamtest.FaultStatus}, codes.Unavailable},
		{iamtest.Fault{Kind: iamtest.FaultStatus, Status: 429}, codes.ResourceExhausted},
		{iamtest.Fault{Kind: iamtest.FaultStatus, Code: "9"}, codes.FailedPrecondition},
		{iamtest.Fault{Kind: iamtest.FaultReset}, codes.Unavailable},
		{iamtest.Fault{Kind: iamtest.FaultStatus, Match: "AuthPublicKeyService"}, codes.OK}, // does not match List of access keys
	} {
		srv.Faults.Clear()
		srv.Faults.Add(tc.fault)
		if err := list(); status.Code(err) != tc.want {
			t.Errorf("%+v: %v, want %v", tc.fault, err, tc.want)
		}
	}
	srv.Faults.Clear()
	srv.Faults.Add(iamtest.Fault{Kind: iamtest.FaultHang})
	arrived := make(chan struct{}, 1)
	srv.SetOnCall(func(method string) {
		if strings.HasSuffix(method, "AccessKeyService/List") {
			select {
			case arrived <- struct{}{}:
			default:
			}
		}
	})
	errc := make(chan error, 1)
	go func() { errc <- list() }()
	select {
	case <-arrived: // the hung call reached the server
	case err := <-errc:
		t.Fatalf("the hung call ended before Close: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the call never arrived")
	}
	srv.Close()
	select {
	case err := <-errc:
		if status.Code(err) != codes.Unavailable {
			t.Fatalf("hung call ended with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not end a hung call")
	}
	srv.Close() // idempotent
}

func TestNewServiceAccount(t *testing.T) {
	reg := iamtest.NewRegistry()
	srv, err := nebiustest.New(func(o *nebiustest.Options) { o.Registry = reg })
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	sa, err := srv.NewServiceAccount("project-x")
	if err != nil {
		t.Fatal(err)
	}
	key, err := nebiusauth.ParseCredentials([]byte(sa.CredentialsJSON.Reveal()), "sa.json")
	if err != nil {
		t.Fatal(err)
	}
	if key.KeyID != sa.KeyID || key.ServiceAccountID != sa.ID || sa.ProjectID != "project-x" {
		t.Fatalf("key %v, sa %+v", key, sa)
	}
	pk, ok := reg.PublicKey(sa.KeyID)
	if !ok || pk.Disabled || pk.ServiceAccountID != sa.ID || !pk.Key.Equal(&key.PrivateKey().PublicKey) {
		t.Fatalf("registry: %+v %v", pk, ok)
	}
	if _, err := nebiustest.New(func(o *nebiustest.Options) { o.AsyncPolls = -1 }); err == nil {
		t.Fatal("negative AsyncPolls accepted")
	}
}
