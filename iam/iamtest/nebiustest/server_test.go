package nebiustest_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/iamkit/iamkit/auth/nebiusauth"
	"github.com/iamkit/iamkit/iam/iamtest"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
)

// rawClient calls the emulator with messages built from JSON through the
// registered descriptors, with full control of the metadata.
type rawClient struct {
	t    *testing.T
	conn *grpc.ClientConn
}

func dial(t *testing.T, srv *nebiustest.Server) *rawClient {
	t.Helper()
	conn, err := grpc.NewClient(srv.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &rawClient{t: t, conn: conn}
}

func newMsg(t *testing.T, name string) proto.Message {
	t.Helper()
	mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(name))
	if err != nil {
		t.Fatal(err)
	}
	return mt.New().Interface()
}

// call invokes method with the request given as JSON and returns the
// response as JSON-decoded map.
func (c *rawClient) call(ctx context.Context, method, in, out, reqJSON string, md ...string) (proto.Message, error) {
	c.t.Helper()
	req := newMsg(c.t, in)
	if err := protojson.Unmarshal([]byte(reqJSON), req); err != nil {
		c.t.Fatal(err)
	}
	resp := newMsg(c.t, out)
	ctx = metadata.AppendToOutgoingContext(ctx, md...)
	err := c.conn.Invoke(ctx, method, req, resp)
	return resp, err
}

func field(m proto.Message, name string) protoreflect.Value {
	r := m.ProtoReflect()
	return r.Get(r.Descriptor().Fields().ByName(protoreflect.Name(name)))
}

const (
	createAK = "/nebius.iam.v2.AccessKeyService/Create"
	getOp    = "/nebius.common.v1.OperationService/Get"
	listAK   = "/nebius.iam.v2.AccessKeyService/List"
)

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
		_, err := c.call(ctx, listAK, "nebius.iam.v2.ListAccessKeysRequest", "nebius.iam.v2.ListAccessKeysResponse", `{"parentId":"p"}`, tc.md...)
		if status.Code(err) != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	clk.Advance(time.Hour)
	_, err = c.call(ctx, listAK, "nebius.iam.v2.ListAccessKeysRequest", "nebius.iam.v2.ListAccessKeysResponse", `{"parentId":"p"}`, "authorization", "Bearer "+tok)
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
	req := `{"metadata":{"parentId":"project-1"},"spec":{"account":{"serviceAccount":{"id":"serviceaccount-1"}}}}`
	md := append([]string{"x-idempotency-key", "11111111-1111-4111-8111-111111111111"}, auth...)

	op1, err := c.call(ctx, createAK, "nebius.iam.v2.CreateAccessKeyRequest", "nebius.common.v1.Operation", req, md...)
	if err != nil {
		t.Fatal(err)
	}
	op2, err := c.call(ctx, createAK, "nebius.iam.v2.CreateAccessKeyRequest", "nebius.common.v1.Operation", req, md...)
	if err != nil {
		t.Fatal(err)
	}
	if field(op1, "id").String() != field(op2, "id").String() || field(op1, "resource_id").String() != field(op2, "resource_id").String() {
		t.Fatal("same idempotency key gave a different operation")
	}
	if op1.ProtoReflect().Has(op1.ProtoReflect().Descriptor().Fields().ByName("status")) {
		t.Fatal("async operation is done at once")
	}
	// Another key makes another key.
	if _, err := c.call(ctx, createAK, "nebius.iam.v2.CreateAccessKeyRequest", "nebius.common.v1.Operation", req,
		append([]string{"x-idempotency-key", "22222222-2222-4222-8222-222222222222"}, auth...)...); err != nil {
		t.Fatal(err)
	}
	list, err := c.call(ctx, listAK, "nebius.iam.v2.ListAccessKeysRequest", "nebius.iam.v2.ListAccessKeysResponse", `{"parentId":"project-1"}`, auth...)
	if err != nil {
		t.Fatal(err)
	}
	if n := field(list, "items").List().Len(); n != 2 {
		t.Fatalf("keys = %d, want 2", n)
	}
	// The operation is done on the second poll.
	id := field(op1, "id").String()
	for poll, wantDone := range []bool{false, true, true} {
		op, err := c.call(ctx, getOp, "nebius.common.v1.GetOperationRequest", "nebius.common.v1.Operation", `{"id":"`+id+`"}`, auth...)
		if err != nil {
			t.Fatal(err)
		}
		done := op.ProtoReflect().Has(op.ProtoReflect().Descriptor().Fields().ByName("status"))
		if done != wantDone {
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
	req := newMsg(t, "nebius.iam.v2.GetAccessKeyRequest")
	_ = protojson.Unmarshal([]byte(`{"id":"accesskey-missing"}`), req)
	err = c.conn.Invoke(metadata.AppendToOutgoingContext(context.Background(), auth...), "/nebius.iam.v2.AccessKeyService/Get",
		req, newMsg(t, "nebius.iam.v2.AccessKey"), grpc.Header(&header))
	st := status.Convert(err)
	if st.Code() != codes.NotFound || len(st.Proto().GetDetails()) != 1 {
		t.Fatalf("status = %v", st.Proto())
	}
	d := st.Proto().GetDetails()[0]
	if d.GetTypeUrl() != "type.googleapis.com/nebius.common.v1.ServiceError" {
		t.Fatalf("detail type %q", d.GetTypeUrl())
	}
	se := newMsg(t, "nebius.common.v1.ServiceError")
	if err := proto.Unmarshal(d.GetValue(), se); err != nil {
		t.Fatal(err)
	}
	if rnf := field(se, "resource_not_found").Message(); rnf.Get(rnf.Descriptor().Fields().ByName("resource_id")).String() != "accesskey-missing" {
		t.Fatalf("ServiceError = %v", se)
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
		_, err := c.call(ctx, listAK, "nebius.iam.v2.ListAccessKeysRequest", "nebius.iam.v2.ListAccessKeysResponse", `{"parentId":"p"}`, auth...)
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
	errc := make(chan error, 1)
	go func() { errc <- list() }()
	for deadline := time.Now().Add(10 * time.Second); srv.Calls("AccessKeyService/List") < 6; {
		if time.Now().After(deadline) {
			t.Fatal("the call never arrived")
		}
		time.Sleep(time.Millisecond) // real time: wait for the hung call to arrive
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
