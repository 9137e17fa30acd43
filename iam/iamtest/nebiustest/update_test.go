package nebiustest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/internal/nebiuspb/commonv1"
	"github.com/iamkit/iamkit/internal/nebiuspb/iamv1"
	"github.com/iamkit/iamkit/internal/nebiuspb/iamv2"
)

// updateEnv is an emulator, a service account's token and typed clients,
// for Update requests with hand-made reset masks.
type updateEnv struct {
	t    *testing.T
	c    *clients
	ctx  context.Context
	sa   string
	proj string
}

func newUpdateEnv(t *testing.T) *updateEnv {
	srv, err := nebiustest.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return &updateEnv{t: t, c: dial(t, srv), ctx: with(ctx, "authorization", "Bearer "+srv.IssueToken("serviceaccount-1", time.Hour)),
		sa: "serviceaccount-1", proj: "project-1"}
}

func (e *updateEnv) account() *iamv1.Account {
	return &iamv1.Account{Type: &iamv1.Account_ServiceAccount_{ServiceAccount: &iamv1.Account_ServiceAccount{Id: e.sa}}}
}

// create makes a key with name, labels and description, and an expiry
// when exp is not zero.
func (e *updateEnv) create(exp time.Time) *iamv2.AccessKey {
	e.t.Helper()
	spec := &iamv2.AccessKeySpec{Account: e.account(), Description: "desc"}
	if !exp.IsZero() {
		spec.ExpiresAt = timestamppb.New(exp)
	}
	op, err := e.c.ak.Create(e.ctx, &iamv2.CreateAccessKeyRequest{
		Metadata: &commonv1.ResourceMetadata{ParentId: e.proj, Name: "name", Labels: map[string]string{"a": "1", "b": "2"}}, Spec: spec})
	if err != nil {
		e.t.Fatal(err)
	}
	return e.get(op.GetResourceId())
}

func (e *updateEnv) get(id string) *iamv2.AccessKey {
	e.t.Helper()
	k, err := e.c.ak.Get(e.ctx, &iamv2.GetAccessKeyRequest{Id: id})
	if err != nil {
		e.t.Fatal(err)
	}
	return k
}

// update sends req with X-ResetMask mask (none when empty).
func (e *updateEnv) update(req *iamv2.UpdateAccessKeyRequest, mask string) error {
	ctx := e.ctx
	if mask != "" {
		ctx = with(ctx, "x-resetmask", mask)
	}
	_, err := e.c.ak.Update(ctx, req)
	return err
}

// TestResetMask drives Update with the reset masks of the nebius/api
// README: groups, nesting, wildcards, clearing labels, clearing (the
// immutable) expires_at, and the full masks gosdk computes (research
// §B.5, three real outputs).
func TestResetMask(t *testing.T) {
	e := newUpdateEnv(t)
	md := func(k *iamv2.AccessKey) *commonv1.ResourceMetadata {
		return &commonv1.ResourceMetadata{Id: k.GetMetadata().GetId(), ParentId: e.proj}
	}
	type want struct {
		name   string
		labels map[string]string
		desc   string
	}
	check := func(step string, k *iamv2.AccessKey, w want) {
		t.Helper()
		got := e.get(k.GetMetadata().GetId())
		if got.GetMetadata().GetName() != w.name || got.GetSpec().GetDescription() != w.desc || len(got.GetMetadata().GetLabels()) != len(w.labels) {
			t.Fatalf("%s: name %q, labels %v, description %q; want %+v", step, got.GetMetadata().GetName(), got.GetMetadata().GetLabels(),
				got.GetSpec().GetDescription(), w)
		}
		for k, v := range w.labels {
			if got.GetMetadata().GetLabels()[k] != v {
				t.Fatalf("%s: labels %v, want %v", step, got.GetMetadata().GetLabels(), w.labels)
			}
		}
		// Output-only metadata never moves backwards, and the account
		// stays.
		if !proto.Equal(got.GetSpec().GetAccount(), e.account()) || got.GetMetadata().GetCreatedAt() == nil ||
			got.GetMetadata().GetId() != k.GetMetadata().GetId() || got.GetMetadata().GetResourceVersion() < k.GetMetadata().GetResourceVersion() {
			t.Fatalf("%s: resource damaged: %v", step, got)
		}
	}
	all := map[string]string{"a": "1", "b": "2"}

	for _, tc := range []struct {
		step string
		req  func(k *iamv2.AccessKey) *iamv2.UpdateAccessKeyRequest
		mask string
		want want
	}{
		{"no mask: defaults keep", func(k *iamv2.AccessKey) *iamv2.UpdateAccessKeyRequest {
			return &iamv2.UpdateAccessKeyRequest{Metadata: md(k), Spec: &iamv2.AccessKeySpec{}}
		}, "", want{"name", all, "desc"}},
		{"values set", func(k *iamv2.AccessKey) *iamv2.UpdateAccessKeyRequest {
			m := md(k)
			m.Labels = map[string]string{"c": "3"}
			return &iamv2.UpdateAccessKeyRequest{Metadata: m, Spec: &iamv2.AccessKeySpec{Description: "new"}}
		}, "", want{"name", map[string]string{"c": "3"}, "new"}},
		{"clearing labels", func(k *iamv2.AccessKey) *iamv2.UpdateAccessKeyRequest {
			return &iamv2.UpdateAccessKeyRequest{Metadata: md(k), Spec: &iamv2.AccessKeySpec{}}
		}, "metadata.labels", want{"name", nil, "desc"}},
		{"groups", func(k *iamv2.AccessKey) *iamv2.UpdateAccessKeyRequest {
			return &iamv2.UpdateAccessKeyRequest{Metadata: md(k), Spec: &iamv2.AccessKeySpec{}}
		}, "metadata.(labels,name),spec.(description)", want{"", nil, ""}},
		{"nested group with values", func(k *iamv2.AccessKey) *iamv2.UpdateAccessKeyRequest {
			m := md(k)
			m.Labels = map[string]string{"c": "3"}
			return &iamv2.UpdateAccessKeyRequest{Metadata: m, Spec: &iamv2.AccessKeySpec{}}
		}, "(metadata.(name, labels.a),spec.description)", want{"", map[string]string{"c": "3"}, ""}},
		{"wildcard", func(k *iamv2.AccessKey) *iamv2.UpdateAccessKeyRequest {
			return &iamv2.UpdateAccessKeyRequest{Metadata: md(k), Spec: &iamv2.AccessKeySpec{Account: e.account()}}
		}, "metadata.*,spec.description", want{"", nil, ""}},
		{"structure named, present: contents kept", func(k *iamv2.AccessKey) *iamv2.UpdateAccessKeyRequest {
			return &iamv2.UpdateAccessKeyRequest{Metadata: md(k), Spec: &iamv2.AccessKeySpec{}}
		}, "spec", want{"name", all, "desc"}},
		{"a field the emulator does not keep: nothing to reset", func(k *iamv2.AccessKey) *iamv2.UpdateAccessKeyRequest {
			return &iamv2.UpdateAccessKeyRequest{Metadata: md(k), Spec: &iamv2.AccessKeySpec{}}
		}, "spec.future_field,metadata.future_field.x", want{"name", all, "desc"}},
		// A map named with a key inside it, which the request leaves
		// empty, is reset as a whole (the absent-parent rule).
		{"absent map with a named key", func(k *iamv2.AccessKey) *iamv2.UpdateAccessKeyRequest {
			return &iamv2.UpdateAccessKeyRequest{Metadata: md(k), Spec: &iamv2.AccessKeySpec{}}
		}, "metadata.labels.z", want{"name", nil, "desc"}},
		// gosdk's masks: output-only fields are in them (ignored), and
		// every field the request leaves unset. A read-modify-write
		// (the Get result, changed) passes.
		{"gosdk read-modify-write", func(k *iamv2.AccessKey) *iamv2.UpdateAccessKeyRequest {
			m := proto.Clone(k.GetMetadata()).(*commonv1.ResourceMetadata)
			m.Name, m.Labels = "n2", map[string]string{"a": "b"}
			s := proto.Clone(k.GetSpec()).(*iamv2.AccessKeySpec)
			s.Description = "new"
			return &iamv2.UpdateAccessKeyRequest{Metadata: m, Spec: s}
		}, "spec.(expires_at,secret_delivery_mode)", want{"n2", map[string]string{"a": "b"}, "new"}},
		{"gosdk output 2", func(k *iamv2.AccessKey) *iamv2.UpdateAccessKeyRequest {
			m := md(k)
			m.Name, m.Labels = "n3", map[string]string{"x": "y"}
			return &iamv2.UpdateAccessKeyRequest{Metadata: m, Spec: &iamv2.AccessKeySpec{Description: "new", Account: e.account()}}
		}, "metadata.(created_at,resource_version,updated_at),spec.(account.(anonymous_account,service_account,user_account),expires_at,secret_delivery_mode)",
			want{"n3", map[string]string{"x": "y"}, "new"}},
	} {
		k := e.create(time.Time{})
		if err := e.update(tc.req(k), tc.mask); err != nil {
			t.Fatalf("%s: %v", tc.step, err)
		}
		check(tc.step, k, tc.want)
	}

	// Refused, and nothing changes: resetting an IMMUTABLE field that is
	// set (expires_at, account; the gosdk masks of requests without the
	// key's account), a bad mask.
	exp := time.Now().Add(48 * time.Hour).Truncate(time.Second)
	for _, tc := range []struct {
		step, mask, want string
		code             codes.Code
		req              func(k *iamv2.AccessKey) *iamv2.UpdateAccessKeyRequest
		expiring         bool
	}{
		{"clearing expires_at", "spec.expires_at", "spec.expires_at: is immutable", codes.InvalidArgument, func(k *iamv2.AccessKey) *iamv2.UpdateAccessKeyRequest {
			return &iamv2.UpdateAccessKeyRequest{Metadata: md(k), Spec: &iamv2.AccessKeySpec{Account: e.account()}}
		}, true},
		{"changing expires_at", "", "spec.expires_at: is immutable", codes.InvalidArgument, func(k *iamv2.AccessKey) *iamv2.UpdateAccessKeyRequest {
			return &iamv2.UpdateAccessKeyRequest{Metadata: md(k), Spec: &iamv2.AccessKeySpec{ExpiresAt: timestamppb.New(exp.Add(time.Hour))}}
		}, true},
		{"gosdk output 1", "metadata.(created_at,labels,name,resource_version,updated_at),spec.(account,expires_at,secret_delivery_mode)",
			"spec.account: is immutable", codes.InvalidArgument, func(k *iamv2.AccessKey) *iamv2.UpdateAccessKeyRequest {
				return &iamv2.UpdateAccessKeyRequest{Metadata: md(k), Spec: &iamv2.AccessKeySpec{Description: "new"}}
			}, false},
		{"gosdk output 3", "metadata.(created_at,labels,name,parent_id,resource_version,updated_at),spec", "is immutable", codes.InvalidArgument,
			func(k *iamv2.AccessKey) *iamv2.UpdateAccessKeyRequest {
				return &iamv2.UpdateAccessKeyRequest{Metadata: &commonv1.ResourceMetadata{Id: k.GetMetadata().GetId()}}
			}, false},
		{"another project", "", "metadata.parent_id: is immutable", codes.InvalidArgument, func(k *iamv2.AccessKey) *iamv2.UpdateAccessKeyRequest {
			return &iamv2.UpdateAccessKeyRequest{Metadata: &commonv1.ResourceMetadata{Id: k.GetMetadata().GetId(), ParentId: "project-2"}}
		}, false},
		{"bad mask", "metadata.(labels", "X-ResetMask", codes.InvalidArgument, func(k *iamv2.AccessKey) *iamv2.UpdateAccessKeyRequest {
			return &iamv2.UpdateAccessKeyRequest{Metadata: md(k), Spec: &iamv2.AccessKeySpec{Description: "x"}}
		}, false},
	} {
		var k *iamv2.AccessKey
		if tc.expiring {
			k = e.create(exp)
		} else {
			k = e.create(time.Time{})
		}
		err := e.update(tc.req(k), tc.mask)
		if status.Code(err) != tc.code || !strings.Contains(status.Convert(err).Message(), tc.want) {
			t.Fatalf("%s: %v, want %v containing %q", tc.step, err, tc.code, tc.want)
		}
		if got := e.get(k.GetMetadata().GetId()); !proto.Equal(got, k) {
			t.Fatalf("%s: the refused update changed the key:\n%v\n%v", tc.step, got, k)
		}
	}
	// On a key without expiry, gosdk's spec.expires_at (the field it does
	// not set) resets nothing and is accepted.
	k := e.create(time.Time{})
	if err := e.update(&iamv2.UpdateAccessKeyRequest{Metadata: md(k), Spec: &iamv2.AccessKeySpec{Account: e.account()}}, "spec.expires_at"); err != nil {
		t.Fatal(err)
	}
	check("no expiry to clear", k, want{"name", all, "desc"})
}

// TestUnknownRequestFieldIsNotImplemented: a request that sets a field the
// emulator does not know (a newer API) is refused with UNIMPLEMENTED, and
// changes nothing.
func TestUnknownRequestFieldIsNotImplemented(t *testing.T) {
	e := newUpdateEnv(t)
	k := e.create(time.Time{})
	req := &iamv2.UpdateAccessKeyRequest{Metadata: &commonv1.ResourceMetadata{Id: k.GetMetadata().GetId()},
		Spec: &iamv2.AccessKeySpec{Description: "x"}}
	req.GetSpec().ProtoReflect().SetUnknown(protowire.AppendString(protowire.AppendTag(nil, 99, protowire.BytesType), "future"))
	err := e.update(req, "")
	if status.Code(err) != codes.Unimplemented || !strings.Contains(status.Convert(err).Message(), "spec") {
		t.Fatalf("err = %v", err)
	}
	if got := e.get(k.GetMetadata().GetId()); !proto.Equal(got, k) {
		t.Fatal("the refused update changed the key")
	}
}

// TestPublicKeyResetMask: the same rules for AuthPublicKeyService/Update;
// data is immutable.
func TestPublicKeyResetMask(t *testing.T) {
	srv, err := nebiustest.New()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	sa, err := srv.NewServiceAccount("")
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, srv)
	ctx := with(context.Background(), "authorization", "Bearer "+srv.IssueToken(sa.ID, time.Hour))
	pk, err := c.apk.Get(ctx, &iamv1.GetAuthPublicKeyRequest{Id: sa.KeyID})
	if err != nil {
		t.Fatal(err)
	}
	md := &commonv1.ResourceMetadata{Id: sa.KeyID, Labels: map[string]string{"l": "v"}}
	// spec absent with a field of it named: the whole spec would reset,
	// and its account and data with it, which are immutable.
	_, err = c.apk.Update(with(ctx, "x-resetmask", "spec.description"), &iamv1.UpdateAuthPublicKeyRequest{Metadata: md})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "spec.account: is immutable") {
		t.Fatalf("absent spec: %v", err)
	}
	if _, err := c.apk.Update(with(ctx, "x-resetmask", "spec.description"),
		&iamv1.UpdateAuthPublicKeyRequest{Metadata: md, Spec: &iamv1.AuthPublicKeySpec{}}); err != nil {
		t.Fatal(err)
	}
	got, _ := c.apk.Get(ctx, &iamv1.GetAuthPublicKeyRequest{Id: sa.KeyID})
	if got.GetSpec().GetDescription() != "" || got.GetMetadata().GetLabels()["l"] != "v" || got.GetSpec().GetData() != pk.GetSpec().GetData() {
		t.Fatalf("after update: %v", got)
	}
	_, err = c.apk.Update(with(ctx, "x-resetmask", "spec.data"), &iamv1.UpdateAuthPublicKeyRequest{Metadata: md, Spec: &iamv1.AuthPublicKeySpec{}})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "spec.data: is immutable") {
		t.Fatalf("clearing data: %v", err)
	}
}
