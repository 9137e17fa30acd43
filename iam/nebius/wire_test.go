package nebius

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/internal/nebiuspb"
	"github.com/iamkit/iamkit/internal/nebiuspb/commonv1"
	"github.com/iamkit/iamkit/internal/nebiuspb/iamv1"
	"github.com/iamkit/iamkit/internal/nebiuspb/iamv2"
)

// wireTable is the wire contract, copied from reference/nebius.md §3, §4
// and §9 (ServiceError.retry_type and OperationConflict from nebius/api
// error.proto, as §9 asks): full message name → field name → number.
var wireTable = map[string]map[string]protowire.Number{
	"nebius.common.v1.ResourceMetadata": {"id": 1, "parent_id": 2, "name": 3, "resource_version": 4, "created_at": 5, "updated_at": 6, "labels": 7},
	"nebius.common.v1.Operation": {"id": 1, "description": 2, "created_at": 3, "created_by": 4, "finished_at": 5, "request": 6,
		"resource_id": 7, "progress_data": 9, "status": 10, "request_headers": 11, "progress_tracker": 12},
	"nebius.common.v1.Operation.RequestHeader": {"values": 1},
	"nebius.common.v1.GetOperationRequest":     {"id": 1},
	"nebius.common.v1.ListOperationsRequest":   {"resource_id": 1, "page_size": 2, "page_token": 3},
	"nebius.common.v1.ListOperationsResponse":  {"operations": 1, "next_page_token": 2},
	"nebius.common.v1.ProgressTracker": {"description": 1, "started_at": 2, "estimated_finished_at": 3, "finished_at": 4,
		"work_done": 10, "steps": 20},
	"nebius.common.v1.ProgressTracker.WorkDone": {"total_tick_count": 1, "done_tick_count": 2},
	"nebius.common.v1.ProgressTracker.Step":     {"description": 1, "started_at": 2, "finished_at": 4, "work_done": 10},
	"nebius.iam.v1.ExchangeTokenRequest": {"grant_type": 1, "requested_token_type": 2, "subject_token": 3, "subject_token_type": 4,
		"scopes": 5, "audience": 6, "actor_token": 7, "actor_token_type": 8, "resource": 9},
	"nebius.iam.v1.CreateTokenResponse": {"access_token": 1, "issued_token_type": 2, "token_type": 3, "expires_in": 4, "scopes": 5},
	"nebius.common.v1.ServiceError": {"service": 1, "code": 2, "bad_request": 100, "bad_resource_state": 110, "resource_not_found": 111,
		"resource_already_exists": 112, "out_of_range": 113, "permission_denied": 120, "resource_conflict": 130, "operation_aborted": 131,
		"operation_conflict": 132, "too_many_requests": 140, "quota_failure": 141, "not_enough_resources": 142, "internal_error": 999, "retry_type": 30},
	"nebius.common.v1.BadRequest":                     {"violations": 1},
	"nebius.common.v1.BadRequest.Violation":           {"field": 1, "message": 2, "related_fields": 3},
	"nebius.common.v1.BadResourceState":               {"resource_id": 1, "message": 2},
	"nebius.common.v1.ResourceNotFound":               {"resource_id": 1},
	"nebius.common.v1.ResourceAlreadyExists":          {"resource_id": 1},
	"nebius.common.v1.ResourceConflict":               {"resource_id": 1, "message": 2},
	"nebius.common.v1.OperationAborted":               {"operation_id": 1, "aborted_by_operation_id": 2, "resource_id": 3},
	"nebius.common.v1.OperationConflict":              {"conflicting_operation_id": 1, "resource_id": 2},
	"nebius.common.v1.OutOfRange":                     {"requested": 1, "limit": 2},
	"nebius.common.v1.PermissionDenied":               {"resource_id": 1},
	"nebius.common.v1.InternalError":                  {"request_id": 1, "trace_id": 2},
	"nebius.common.v1.TooManyRequests":                {"violation": 1},
	"nebius.common.v1.QuotaFailure":                   {"violations": 1},
	"nebius.common.v1.QuotaFailure.Violation":         {"quota": 1, "message": 2, "limit": 3, "requested": 4},
	"nebius.common.v1.NotEnoughResources":             {"violations": 1},
	"nebius.common.v1.NotEnoughResources.Violation":   {"resource_type": 1, "message": 2, "requested": 3},
	"nebius.iam.v1.Account":                           {"user_account": 1, "service_account": 2, "anonymous_account": 3},
	"nebius.iam.v1.Account.UserAccount":               {"id": 1},
	"nebius.iam.v1.Account.ServiceAccount":            {"id": 1},
	"nebius.iam.v1.Account.AnonymousAccount":          {},
	"nebius.iam.v2.AccessKey":                         {"metadata": 1, "spec": 2, "status": 3},
	"nebius.iam.v2.AccessKeySpec":                     {"account": 1, "expires_at": 2, "description": 3, "secret_delivery_mode": 4},
	"nebius.iam.v2.AccessKeyStatus":                   {"state": 1, "fingerprint": 2, "algorithm": 3, "key_size": 4, "aws_access_key_id": 5, "secret": 6, "secret_reference_id": 7},
	"nebius.iam.v2.CreateAccessKeyRequest":            {"metadata": 1, "spec": 2},
	"nebius.iam.v2.GetAccessKeyRequest":               {"id": 1},
	"nebius.iam.v2.GetAccessKeySecretRequest":         {"id": 1},
	"nebius.iam.v2.GetAccessKeySecretResponse":        {"aws_access_key_id": 1, "secret": 2},
	"nebius.iam.v2.ListAccessKeysRequest":             {"parent_id": 1, "page_size": 2, "page_token": 3, "filter": 4},
	"nebius.iam.v2.ListAccessKeysByAccountRequest":    {"account": 1, "page_size": 2, "page_token": 3, "filter": 4},
	"nebius.iam.v2.ListAccessKeysResponse":            {"items": 1, "next_page_token": 2},
	"nebius.iam.v2.UpdateAccessKeyRequest":            {"metadata": 1, "spec": 2},
	"nebius.iam.v2.DeleteAccessKeyRequest":            {"id": 1},
	"nebius.iam.v2.ActivateAccessKeyRequest":          {"id": 1},
	"nebius.iam.v2.DeactivateAccessKeyRequest":        {"id": 1},
	"nebius.iam.v2.GetAccessKeyByAwsIdRequest":        {"aws_access_key_id": 1},
	"nebius.iam.v2.DeleteAccessKeyByAwsIdRequest":     {"aws_access_key_id": 1},
	"nebius.iam.v2.ActivateAccessKeyByAwsIdRequest":   {"aws_access_key_id": 1},
	"nebius.iam.v2.DeactivateAccessKeyByAwsIdRequest": {"aws_access_key_id": 1},
	"nebius.iam.v1.AuthPublicKey":                     {"metadata": 1, "spec": 2, "status": 3},
	"nebius.iam.v1.AuthPublicKeySpec":                 {"account": 1, "expires_at": 2, "description": 3, "data": 4},
	"nebius.iam.v1.AuthPublicKeyStatus":               {"state": 1, "fingerprint": 2, "algorithm": 3, "key_size": 4},
	"nebius.iam.v1.CreateAuthPublicKeyRequest":        {"metadata": 1, "spec": 2},
	"nebius.iam.v1.GetAuthPublicKeyRequest":           {"id": 1},
	"nebius.iam.v1.ListAuthPublicKeyRequest":          {"parent_id": 1, "page_size": 2, "page_token": 3, "filter": 4},
	"nebius.iam.v1.ListAuthPublicKeyByAccountRequest": {"account": 1, "page_size": 2, "page_token": 3, "filter": 4},
	"nebius.iam.v1.ListAuthPublicKeyResponse":         {"items": 1, "next_page_token": 2},
	"nebius.iam.v1.UpdateAuthPublicKeyRequest":        {"metadata": 1, "spec": 2},
	"nebius.iam.v1.ActivateAuthPublicKeyRequest":      {"id": 1},
	"nebius.iam.v1.DeactivateAuthPublicKeyRequest":    {"id": 1},
	"nebius.iam.v1.DeleteAuthPublicKeyRequest":        {"id": 1},
}

// wireEnums are the enum values of the same sources.
var wireEnums = map[string]map[string]protowire.Number{
	"nebius.iam.v2.SecretDeliveryMode":        {"UNSPECIFIED": 0, "INLINE": 1, "MYSTERY_BOX": 2, "EXPLICIT": 3},
	"nebius.iam.v2.AccessKeyStatus.State":     {"STATE_UNSPECIFIED": 0, "ACTIVE": 1, "INACTIVE": 2, "EXPIRED": 3, "DELETING": 4, "DELETED": 5},
	"nebius.iam.v1.AuthPublicKeyStatus.State": {"STATE_UNSPECIFIED": 0, "ACTIVE": 1, "INACTIVE": 2, "EXPIRED": 3, "DELETING": 4, "DELETED": 5},
	"nebius.common.v1.ServiceError.RetryType": {"UNSPECIFIED": 0, "CALL": 1, "UNIT_OF_WORK": 2, "NOTHING": 3},
}

// wireMethods are the RPCs of §3.1 and §4 with their message types.
var wireMethods = map[string][2]string{
	"/nebius.iam.v2.AccessKeyService/Create":            {"nebius.iam.v2.CreateAccessKeyRequest", "nebius.common.v1.Operation"},
	"/nebius.iam.v2.AccessKeyService/Get":               {"nebius.iam.v2.GetAccessKeyRequest", "nebius.iam.v2.AccessKey"},
	"/nebius.iam.v2.AccessKeyService/GetSecret":         {"nebius.iam.v2.GetAccessKeySecretRequest", "nebius.iam.v2.GetAccessKeySecretResponse"},
	"/nebius.iam.v2.AccessKeyService/List":              {"nebius.iam.v2.ListAccessKeysRequest", "nebius.iam.v2.ListAccessKeysResponse"},
	"/nebius.iam.v2.AccessKeyService/Update":            {"nebius.iam.v2.UpdateAccessKeyRequest", "nebius.common.v1.Operation"},
	"/nebius.iam.v2.AccessKeyService/Delete":            {"nebius.iam.v2.DeleteAccessKeyRequest", "nebius.common.v1.Operation"},
	"/nebius.iam.v2.AccessKeyService/Activate":          {"nebius.iam.v2.ActivateAccessKeyRequest", "nebius.common.v1.Operation"},
	"/nebius.iam.v2.AccessKeyService/Deactivate":        {"nebius.iam.v2.DeactivateAccessKeyRequest", "nebius.common.v1.Operation"},
	"/nebius.iam.v2.AccessKeyService/ListByAccount":     {"nebius.iam.v2.ListAccessKeysByAccountRequest", "nebius.iam.v2.ListAccessKeysResponse"},
	"/nebius.iam.v2.AccessKeyService/GetByAwsId":        {"nebius.iam.v2.GetAccessKeyByAwsIdRequest", "nebius.iam.v2.AccessKey"},
	"/nebius.iam.v2.AccessKeyService/DeleteByAwsId":     {"nebius.iam.v2.DeleteAccessKeyByAwsIdRequest", "nebius.common.v1.Operation"},
	"/nebius.iam.v2.AccessKeyService/ActivateByAwsId":   {"nebius.iam.v2.ActivateAccessKeyByAwsIdRequest", "nebius.common.v1.Operation"},
	"/nebius.iam.v2.AccessKeyService/DeactivateByAwsId": {"nebius.iam.v2.DeactivateAccessKeyByAwsIdRequest", "nebius.common.v1.Operation"},
	"/nebius.iam.v1.AuthPublicKeyService/Create":        {"nebius.iam.v1.CreateAuthPublicKeyRequest", "nebius.common.v1.Operation"},
	"/nebius.iam.v1.AuthPublicKeyService/Get":           {"nebius.iam.v1.GetAuthPublicKeyRequest", "nebius.iam.v1.AuthPublicKey"},
	"/nebius.iam.v1.AuthPublicKeyService/List":          {"nebius.iam.v1.ListAuthPublicKeyRequest", "nebius.iam.v1.ListAuthPublicKeyResponse"},
	"/nebius.iam.v1.AuthPublicKeyService/ListByAccount": {"nebius.iam.v1.ListAuthPublicKeyByAccountRequest", "nebius.iam.v1.ListAuthPublicKeyResponse"},
	"/nebius.iam.v1.AuthPublicKeyService/Update":        {"nebius.iam.v1.UpdateAuthPublicKeyRequest", "nebius.common.v1.Operation"},
	"/nebius.iam.v1.AuthPublicKeyService/Activate":      {"nebius.iam.v1.ActivateAuthPublicKeyRequest", "nebius.common.v1.Operation"},
	"/nebius.iam.v1.AuthPublicKeyService/Deactivate":    {"nebius.iam.v1.DeactivateAuthPublicKeyRequest", "nebius.common.v1.Operation"},
	"/nebius.iam.v1.AuthPublicKeyService/Delete":        {"nebius.iam.v1.DeleteAuthPublicKeyRequest", "nebius.common.v1.Operation"},
	"/nebius.common.v1.OperationService/Get":            {"nebius.common.v1.GetOperationRequest", "nebius.common.v1.Operation"},
	"/nebius.common.v1.OperationService/List":           {"nebius.common.v1.ListOperationsRequest", "nebius.common.v1.ListOperationsResponse"},
	"/nebius.iam.v1.TokenExchangeService/Exchange":      {"nebius.iam.v1.ExchangeTokenRequest", "nebius.iam.v1.CreateTokenResponse"},
}

// TestWireTableMatchesDescriptors checks the descriptors under the real
// names (nebiuspb.RealFiles: what the emulator's reflection serves, and
// what the messages iamkit registers under its own names mirror) against
// the wire contract.
func TestWireTableMatchesDescriptors(t *testing.T) {
	files, err := nebiuspb.RealFiles()
	if err != nil {
		t.Fatal(err)
	}
	for msg, fields := range wireTable {
		d, err := files.FindDescriptorByName(protoreflect.FullName(msg))
		if err != nil {
			t.Errorf("%s: not registered: %v", msg, err)
			continue
		}
		md := d.(protoreflect.MessageDescriptor)
		if md.Fields().Len() != len(fields) {
			t.Errorf("%s has %d fields, the reference %d", msg, md.Fields().Len(), len(fields))
		}
		for name, num := range fields {
			fd := md.Fields().ByName(protoreflect.Name(name))
			if fd == nil {
				t.Errorf("%s.%s: missing", msg, name)
			} else if fd.Number() != num {
				t.Errorf("%s.%s = %d, reference says %d", msg, name, fd.Number(), num)
			}
		}
	}
	for enum, values := range wireEnums {
		d, err := files.FindDescriptorByName(protoreflect.FullName(enum))
		if err != nil {
			t.Errorf("%s: not registered: %v", enum, err)
			continue
		}
		ed := d.(protoreflect.EnumDescriptor)
		if ed.Values().Len() != len(values) {
			t.Errorf("%s has %d values, the reference %d", enum, ed.Values().Len(), len(values))
		}
		for name, num := range values {
			if v := ed.Values().ByName(protoreflect.Name(name)); v == nil || protowire.Number(v.Number()) != num {
				t.Errorf("%s.%s: want %d", enum, name, num)
			}
		}
	}
	n := 0
	for _, svc := range []string{"nebius.iam.v2.AccessKeyService", "nebius.iam.v1.AuthPublicKeyService", "nebius.common.v1.OperationService",
		"nebius.iam.v1.TokenExchangeService"} {
		d, err := files.FindDescriptorByName(protoreflect.FullName(svc))
		if err != nil {
			t.Fatal(err)
		}
		sd := d.(protoreflect.ServiceDescriptor)
		for i := 0; i < sd.Methods().Len(); i++ {
			m := sd.Methods().Get(i)
			full := "/" + svc + "/" + string(m.Name())
			want, ok := wireMethods[full]
			if !ok {
				t.Errorf("unexpected method %s", full)
				continue
			}
			n++
			if string(m.Input().FullName()) != want[0] || string(m.Output().FullName()) != want[1] {
				t.Errorf("%s: %s → %s, want %s → %s", full, m.Input().FullName(), m.Output().FullName(), want[0], want[1])
			}
		}
	}
	if n != len(wireMethods) {
		t.Errorf("%d methods, want %d", n, len(wireMethods))
	}
}

// rawCodec hands the server the bytes as they came off the wire.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *(v.(*[]byte)), nil }
func (rawCodec) Unmarshal(b []byte, v any) error {
	*(v.(*[]byte)) = append([]byte(nil), b...)
	return nil
}
func (rawCodec) Name() string { return "proto" }

type captured struct {
	method string
	body   []byte
	md     metadata.MD
}

// rawServer records every request's bytes and metadata and answers with a
// canned response per output type.
type rawServer struct {
	mu    sync.Mutex
	calls []captured
}

func (s *rawServer) handle(_ any, stream grpc.ServerStream) error {
	method, _ := grpc.MethodFromServerStream(stream)
	var body []byte
	if err := stream.RecvMsg(&body); err != nil {
		return err
	}
	md, _ := metadata.FromIncomingContext(stream.Context())
	s.mu.Lock()
	s.calls = append(s.calls, captured{method: method, body: body, md: md})
	s.mu.Unlock()
	var resp proto.Message
	switch wireMethods[method][1] {
	case "nebius.common.v1.Operation":
		resp = &commonv1.Operation{Id: "operation-1", ResourceId: "res-1", Status: &spb.Status{}}
	case "nebius.iam.v2.AccessKey":
		resp = &iamv2.AccessKey{Metadata: &commonv1.ResourceMetadata{Id: "res-1", ParentId: "project-of-key"}, Status: &iamv2.AccessKeyStatus{AwsAccessKeyId: "AKID", Secret: "s3cr3t-value"}}
	case "nebius.iam.v2.GetAccessKeySecretResponse":
		resp = &iamv2.GetAccessKeySecretResponse{AwsAccessKeyId: "AKID", Secret: "s3cr3t-value"}
	case "nebius.iam.v2.ListAccessKeysResponse":
		resp = &iamv2.ListAccessKeysResponse{}
	case "nebius.iam.v1.AuthPublicKey":
		resp = &iamv1.AuthPublicKey{Metadata: &commonv1.ResourceMetadata{Id: "res-1", ParentId: "project-of-key"}}
	case "nebius.iam.v1.ListAuthPublicKeyResponse":
		resp = &iamv1.ListAuthPublicKeyResponse{}
	case "nebius.common.v1.ListOperationsResponse":
		resp = &commonv1.ListOperationsResponse{Operations: []*commonv1.Operation{{Id: "operation-1", ResourceId: "res-1"}}}
	case "nebius.iam.v1.CreateTokenResponse":
		resp = &iamv1.CreateTokenResponse{AccessToken: "v1.exchanged", IssuedTokenType: TokenTypeAccessToken, TokenType: "Bearer", ExpiresIn: 3600}
	default:
		return fmt.Errorf("unknown method %s", method)
	}
	b, err := proto.Marshal(resp)
	if err != nil {
		return err
	}
	return stream.SendMsg(&b)
}

func (s *rawServer) last(t *testing.T, method string) captured {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.calls) - 1; i >= 0; i-- {
		if strings.HasSuffix(s.calls[i].method, method) {
			return s.calls[i]
		}
	}
	t.Fatalf("no call to %s", method)
	return captured{}
}

// wireField is one decoded field: a varint or bytes.
type wireField struct {
	num    protowire.Number
	varint uint64
	bytes  []byte
}

// fieldsAt decodes b and follows path (a chain of message fields),
// returning the fields of the innermost message.
func fieldsAt(t *testing.T, b []byte, path ...protowire.Number) []wireField {
	t.Helper()
	var out []wireField
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			t.Fatalf("bad tag at path %v", path)
		}
		b = b[n:]
		f := wireField{num: num}
		switch typ {
		case protowire.VarintType:
			f.varint, n = protowire.ConsumeVarint(b)
		case protowire.BytesType:
			f.bytes, n = protowire.ConsumeBytes(b)
		case protowire.Fixed32Type:
			_, n = protowire.ConsumeFixed32(b)
		case protowire.Fixed64Type:
			_, n = protowire.ConsumeFixed64(b)
		default:
			t.Fatalf("unexpected wire type %v", typ)
		}
		if n < 0 {
			t.Fatalf("bad field %d at path %v", num, path)
		}
		b = b[n:]
		out = append(out, f)
	}
	if len(path) == 0 {
		return out
	}
	for _, f := range out {
		if f.num == path[0] {
			return fieldsAt(t, f.bytes, path[1:]...)
		}
	}
	t.Fatalf("field %d missing (path %v)", path[0], path)
	return nil
}

// wantFields checks that the message at path has exactly the fields want
// (number → string value, or uint64 for varints, or nil just for presence).
func wantFields(t *testing.T, call string, b []byte, want map[protowire.Number]any, path ...protowire.Number) {
	t.Helper()
	got := fieldsAt(t, b, path...)
	var nums []int
	for _, f := range got {
		nums = append(nums, int(f.num))
		w, ok := want[f.num]
		if !ok {
			t.Errorf("%s %v: unexpected field %d", call, path, f.num)
			continue
		}
		switch w := w.(type) {
		case string:
			if string(f.bytes) != w {
				t.Errorf("%s %v: field %d = %q, want %q", call, path, f.num, f.bytes, w)
			}
		case uint64:
			if f.varint != w {
				t.Errorf("%s %v: field %d = %d, want %d", call, path, f.num, f.varint, w)
			}
		}
	}
	if len(got) != len(want) {
		sort.Ints(nums)
		t.Errorf("%s %v: fields %v, want %d fields", call, path, nums, len(want))
	}
}

func TestWireRequests(t *testing.T) {
	srv := &rawServer{}
	gs := grpc.NewServer(grpc.ForceServerCodec(rawCodec{}), grpc.UnknownServiceHandler(srv.handle))
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go gs.Serve(lis)
	defer gs.Stop()

	c, err := New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "tok-123"}), func(o *Options) {
		o.Address = lis.Addr().String()
		o.Plaintext = true
		o.ProjectID = "project-1"
		o.UserAgent = "myapp/1.2"
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	x, err := NewTokenExchanger(func(o *Options) { o.TokenExchangeAddress, o.Plaintext = lis.Addr().String(), true })
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	aks, apk := c.AccessKeys(), c.AuthPublicKeys()
	exp := time.Unix(2000000000, 0)
	sa := ServiceAccount("sa-1")

	// AccessKeyService/Create: metadata{parent_id=2, labels=7}, spec{account=1{service_account=2{id=1}}, expires_at=2{seconds=1}, description=3, secret_delivery_mode=4}.
	if _, err := aks.Create(ctx, CreateAccessKeyRequest{Account: sa, ExpiresAt: exp, Description: "d", SecretDeliveryMode: DeliveryExplicit, Name: "n"}); err != nil {
		t.Fatal(err)
	}
	cr := srv.last(t, "AccessKeyService/Create")
	wantFields(t, "AK Create", cr.body, map[protowire.Number]any{1: nil, 2: nil})
	wantFields(t, "AK Create", cr.body, map[protowire.Number]any{2: "project-1", 3: "n"}, 1)
	wantFields(t, "AK Create", cr.body, map[protowire.Number]any{1: nil, 2: nil, 3: "d", 4: uint64(3)}, 2)
	wantFields(t, "AK Create", cr.body, map[protowire.Number]any{2: nil}, 2, 1)
	wantFields(t, "AK Create", cr.body, map[protowire.Number]any{1: "sa-1"}, 2, 1, 2)
	wantFields(t, "AK Create", cr.body, map[protowire.Number]any{1: uint64(2000000000)}, 2, 2)
	if k := cr.md.Get("x-idempotency-key"); len(k) != 1 || len(k[0]) != 36 {
		t.Errorf("Create idempotency key = %q", k)
	}
	if a := cr.md.Get("authorization"); len(a) != 1 || a[0] != "Bearer tok-123" {
		t.Errorf("authorization = %q", a)
	}
	// UserAgent is appended to iamkit's (the rule of package iam).
	if ua := cr.md.Get("user-agent"); len(ua) != 1 || !strings.HasPrefix(ua[0], "iamkit/") || !strings.Contains(ua[0], " myapp/1.2") {
		t.Errorf("user-agent = %q", ua)
	}
	// Create then reads the key (Get id=1) and, since the canned key has
	// its secret inline, makes no GetSecret call.
	wantFields(t, "AK Get", srv.last(t, "AccessKeyService/Get").body, map[protowire.Number]any{1: "res-1"})
	if g := srv.last(t, "AccessKeyService/Get"); len(g.md.Get("x-idempotency-key")) != 0 {
		t.Error("Get carries an idempotency key")
	}

	steps := []struct {
		method string
		call   func() error
		want   map[protowire.Number]any
		path   []protowire.Number
	}{
		{"AccessKeyService/GetSecret", func() error { _, err := aks.GetSecret(ctx, "ak-1"); return err }, map[protowire.Number]any{1: "ak-1"}, nil},
		{"AccessKeyService/List", func() error {
			_, err := aks.ListPage(ctx, ListRequest{PageSize: 7, PageToken: "pt", Filter: "f"})
			return err
		}, map[protowire.Number]any{1: "project-1", 2: uint64(7), 3: "pt", 4: "f"}, nil},
		{"AccessKeyService/ListByAccount", func() error {
			_, err := aks.ListByAccountPage(ctx, ListByAccountRequest{Account: UserAccount("u-1"), PageSize: 5, PageToken: "pt", Filter: "f"})
			return err
		}, map[protowire.Number]any{1: nil, 2: uint64(5), 3: "pt", 4: "f"}, nil},
		{"AccessKeyService/ListByAccount", func() error { return nil }, map[protowire.Number]any{1: "u-1"}, []protowire.Number{1, 1}},
		{"AccessKeyService/Delete", func() error { return aks.Delete(ctx, "ak-1") }, map[protowire.Number]any{1: "ak-1"}, nil},
		{"AccessKeyService/Activate", func() error { _, err := aks.Activate(ctx, "ak-1"); return err }, map[protowire.Number]any{1: "ak-1"}, nil},
		{"AccessKeyService/Deactivate", func() error { _, err := aks.Deactivate(ctx, "ak-1"); return err }, map[protowire.Number]any{1: "ak-1"}, nil},
		{"AccessKeyService/GetByAwsId", func() error { _, err := aks.GetByAwsID(ctx, "AKID"); return err }, map[protowire.Number]any{1: "AKID"}, nil},
		{"AccessKeyService/DeleteByAwsId", func() error { return aks.DeleteByAwsID(ctx, "AKID") }, map[protowire.Number]any{1: "AKID"}, nil},
		{"AccessKeyService/ActivateByAwsId", func() error { _, err := aks.ActivateByAwsID(ctx, "AKID"); return err }, map[protowire.Number]any{1: "AKID"}, nil},
		{"AccessKeyService/DeactivateByAwsId", func() error { _, err := aks.DeactivateByAwsID(ctx, "AKID"); return err }, map[protowire.Number]any{1: "AKID"}, nil},
		{"AccessKeyService/Update", func() error {
			d := "new"
			_, err := aks.Update(ctx, UpdateAccessKeyRequest{ID: "ak-1", Description: &d})
			return err
		}, map[protowire.Number]any{1: nil, 2: nil}, nil},
		// parent_id is the key's own (read with a Get), not the client's
		// ProjectID.
		{"AccessKeyService/Update", func() error { return nil }, map[protowire.Number]any{1: "ak-1", 2: "project-of-key"}, []protowire.Number{1}},
		{"AccessKeyService/Update", func() error { return nil }, map[protowire.Number]any{3: "new"}, []protowire.Number{2}},
		{"AuthPublicKeyService/Create", func() error {
			_, err := apk.Create(ctx, CreateAuthPublicKeyRequest{Account: sa, Data: "opaque-key", Description: "d", ExpiresAt: exp})
			return err
		}, map[protowire.Number]any{1: nil, 2: nil, 3: "d", 4: "opaque-key"}, []protowire.Number{2}},
		{"AuthPublicKeyService/Create", func() error { return nil }, map[protowire.Number]any{2: "project-1"}, []protowire.Number{1}},
		{"AuthPublicKeyService/Get", func() error { _, err := apk.Get(ctx, "pk-1"); return err }, map[protowire.Number]any{1: "pk-1"}, nil},
		{"AuthPublicKeyService/List", func() error {
			_, err := apk.ListPage(ctx, ListRequest{ParentID: "project-2", PageSize: 3, PageToken: "pt", Filter: "f"})
			return err
		}, map[protowire.Number]any{1: "project-2", 2: uint64(3), 3: "pt", 4: "f"}, nil},
		{"AuthPublicKeyService/ListByAccount", func() error {
			_, err := apk.ListByAccountPage(ctx, ListByAccountRequest{Account: sa, PageSize: 2})
			return err
		}, map[protowire.Number]any{1: nil, 2: uint64(2)}, nil},
		{"AuthPublicKeyService/Update", func() error {
			e := ""
			_, err := apk.Update(ctx, UpdateAuthPublicKeyRequest{ID: "pk-1", Description: &e, Labels: map[string]string{}})
			return err
		}, map[protowire.Number]any{1: nil, 2: nil}, nil},
		{"AuthPublicKeyService/Activate", func() error { _, err := apk.Activate(ctx, "pk-1"); return err }, map[protowire.Number]any{1: "pk-1"}, nil},
		{"AuthPublicKeyService/Deactivate", func() error { _, err := apk.Deactivate(ctx, "pk-1"); return err }, map[protowire.Number]any{1: "pk-1"}, nil},
		{"AuthPublicKeyService/Delete", func() error { return apk.Delete(ctx, "pk-1") }, map[protowire.Number]any{1: "pk-1"}, nil},
		{"OperationService/Get", func() error { _, err := c.Operations().Get(ctx, "operation-9"); return err }, map[protowire.Number]any{1: "operation-9"}, nil},
		{"OperationService/List", func() error {
			_, err := c.Operations().ListPage(ctx, ListOperationsRequest{ResourceID: "res-1", PageSize: 4, PageToken: "pt"})
			return err
		}, map[protowire.Number]any{1: "res-1", 2: uint64(4), 3: "pt"}, nil},
		{"TokenExchangeService/Exchange", func() error {
			tok, err := x.Exchange(ctx, ExchangeRequest{SubjectToken: iam.NewSecret("jwt-1"), SubjectTokenType: TokenTypeJWT, Audience: "aud",
				Scopes: []string{"s"}, Resources: []string{"r"}, ActorToken: iam.NewSecret("actor-1"), ActorTokenType: TokenTypeAccessToken})
			if err == nil && tok.Value.Reveal() != "v1.exchanged" {
				err = fmt.Errorf("token %v", tok)
			}
			return err
		}, map[protowire.Number]any{1: GrantTypeTokenExchange, 2: TokenTypeAccessToken, 3: "jwt-1", 4: TokenTypeJWT, 5: "s", 6: "aud",
			7: "actor-1", 8: TokenTypeAccessToken, 9: "r"}, nil},
	}
	for _, st := range steps {
		if err := st.call(); err != nil {
			t.Fatalf("%s: %v", st.method, err)
		}
		wantFields(t, st.method, srv.last(t, st.method).body, st.want, st.path...)
	}
	// Every request decodes with the descriptors into its message type,
	// leaves no unknown fields, and each populated field has the number the
	// reference gives it.
	srv.mu.Lock()
	calls := append([]captured(nil), srv.calls...)
	srv.mu.Unlock()
	seen := map[string]bool{}
	for _, cl := range calls {
		// iamkit's own message (by iamkit's name: never a real name
		// through the global registry).
		mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName("iamkit." + wireMethods[cl.method][0]))
		if err != nil {
			t.Fatalf("%s: %v", cl.method, err)
		}
		m := mt.New().Interface()
		if err := proto.Unmarshal(cl.body, m); err != nil {
			t.Fatalf("%s: %v", cl.method, err)
		}
		checkPopulated(t, cl.method, m.ProtoReflect())
		seen[cl.method] = true
	}
	if len(seen) != len(wireMethods) {
		t.Errorf("the client called %d of the %d methods", len(seen), len(wireMethods))
	}

	// Reset masks: a description change sends none; clearing sends the paths.
	if m := srv.last(t, "AccessKeyService/Update").md.Get("x-resetmask"); len(m) != 0 {
		t.Errorf("AK Update reset mask = %q, want none", m)
	}
	if m := srv.last(t, "AuthPublicKeyService/Update").md.Get("x-resetmask"); len(m) != 1 || m[0] != "metadata.labels,spec.description" {
		t.Errorf("APK Update reset mask = %q", m)
	}
	// Mutating calls carry a key; reads do not.
	for _, m := range []string{"Delete", "Activate", "Deactivate", "DeleteByAwsId", "ActivateByAwsId", "DeactivateByAwsId", "Update"} {
		if k := srv.last(t, "AccessKeyService/"+m).md.Get("x-idempotency-key"); len(k) != 1 {
			t.Errorf("%s: idempotency key %q", m, k)
		}
	}
	// The token exchange carries no bearer token and no idempotency key.
	if ex := srv.last(t, "TokenExchangeService/Exchange"); len(ex.md.Get("authorization")) != 0 || len(ex.md.Get("x-idempotency-key")) != 0 {
		t.Errorf("Exchange metadata: %v", ex.md)
	}
	for _, m := range []string{"AccessKeyService/List", "AccessKeyService/GetSecret", "AuthPublicKeyService/Get", "OperationService/Get", "OperationService/List"} {
		if k := srv.last(t, m).md.Get("x-idempotency-key"); len(k) != 0 {
			t.Errorf("%s: idempotency key %q", m, k)
		}
	}
}

// checkPopulated walks a decoded message: no unknown fields, and every
// populated field's number as in wireTable.
func checkPopulated(t *testing.T, call string, m protoreflect.Message) {
	t.Helper()
	name := string(nebiuspb.RealName(m.Descriptor().FullName()))
	if len(m.GetUnknown()) > 0 {
		t.Errorf("%s: %s has unknown fields", call, name)
	}
	table, inTable := wireTable[name]
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if inTable {
			if want, ok := table[string(fd.Name())]; !ok || want != protowire.Number(fd.Number()) {
				t.Errorf("%s: %s.%s is field %d, reference %d", call, name, fd.Name(), fd.Number(), want)
			}
		}
		if fd.Kind() == protoreflect.MessageKind && !fd.IsMap() && !fd.IsList() {
			checkPopulated(t, call, v.Message())
		}
		return true
	})
}
