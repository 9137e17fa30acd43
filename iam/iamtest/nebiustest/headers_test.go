package nebiustest_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/internal/nebiuspb/commonv1"
	"github.com/iamkit/iamkit/internal/nebiuspb/iamv1"
	"github.com/iamkit/iamkit/internal/nebiuspb/iamv2"
)

// TestOperationRecordsOnlyAllowedHeaders: Operation.request_headers holds
// the documented set (x-resetmask, x-idempotency-key), never whatever else
// the request carried (a caller's own metadata, proxies' headers, tokens
// under other names).
func TestOperationRecordsOnlyAllowedHeaders(t *testing.T) {
	srv, err := nebiustest.New()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := dial(t, srv)
	ctx := with(context.Background(), "authorization", "Bearer "+srv.IssueToken("serviceaccount-1", time.Hour),
		"x-idempotency-key", "33333333-3333-4333-8333-333333333333", "x-resetmask", "spec.description",
		"x-api-key", "sekret", "x-forwarded-for", "10.0.0.1", "x-custom", "v")
	op, err := c.ak.Create(ctx, &iamv2.CreateAccessKeyRequest{Metadata: &commonv1.ResourceMetadata{ParentId: "project-1"},
		Spec: &iamv2.AccessKeySpec{Account: &iamv1.Account{Type: &iamv1.Account_ServiceAccount_{ServiceAccount: &iamv1.Account_ServiceAccount{Id: "serviceaccount-1"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for k := range op.GetRequestHeaders() {
		names = append(names, k)
	}
	slices.Sort(names)
	if want := []string{"x-idempotency-key", "x-resetmask"}; !slices.Equal(names, want) {
		t.Fatalf("request_headers %q, want %q", names, want)
	}
}

// TestListFiltersAreUnimplemented: a List or ListByAccount with a filter,
// which the emulator does not evaluate, is UNIMPLEMENTED (the emulator's
// 501), not a list that ignores it.
func TestListFiltersAreUnimplemented(t *testing.T) {
	srv, err := nebiustest.New()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := dial(t, srv)
	ctx := with(context.Background(), "authorization", "Bearer "+srv.IssueToken("serviceaccount-1", time.Hour))
	sa := &iamv1.Account{Type: &iamv1.Account_ServiceAccount_{ServiceAccount: &iamv1.Account_ServiceAccount{Id: "serviceaccount-1"}}}
	for name, call := range map[string]func(filter string) error{
		"AccessKeyService/List": func(f string) error {
			_, err := c.ak.List(ctx, &iamv2.ListAccessKeysRequest{ParentId: "project-1", Filter: f})
			return err
		},
		"AccessKeyService/ListByAccount": func(f string) error {
			_, err := c.ak.ListByAccount(ctx, &iamv2.ListAccessKeysByAccountRequest{Account: sa, Filter: f})
			return err
		},
		"AuthPublicKeyService/List": func(f string) error {
			_, err := c.apk.List(ctx, &iamv1.ListAuthPublicKeyRequest{ParentId: "project-1", Filter: f})
			return err
		},
		"AuthPublicKeyService/ListByAccount": func(f string) error {
			_, err := c.apk.ListByAccount(ctx, &iamv1.ListAuthPublicKeyByAccountRequest{Account: sa, Filter: f})
			return err
		},
	} {
		if err := call(""); err != nil {
			t.Errorf("%s without a filter: %v", name, err)
		}
		if err := call(`status.state = "ACTIVE"`); status.Code(err) != codes.Unimplemented {
			t.Errorf("%s with a filter: %v, want UNIMPLEMENTED", name, err)
		}
	}
}
