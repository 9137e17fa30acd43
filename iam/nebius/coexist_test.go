package nebius_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/iam/nebius"
	realcommonv1 "github.com/iamkit/iamkit/iam/nebius/internal/gosdkcopy/commonv1"
	realiamv1 "github.com/iamkit/iamkit/iam/nebius/internal/gosdkcopy/iamv1"
	realiamv2 "github.com/iamkit/iamkit/iam/nebius/internal/gosdkcopy/iamv2"
)

// conflictEnv is the protobuf-go switch that turns a registration conflict
// from a panic at start-up into a warning; the coexistence test must pass
// without it.
const conflictEnv = "GOLANG_PROTOBUF_REGISTRATION_CONFLICT"

// TestCoexistsWithRealNamedDescriptors is the proof that a program can
// link iam/nebius, its emulator and github.com/nebius/gosdk together
// (gosdk itself is not served by the module proxy): this test binary links
// iam/nebius, nebiustest and gosdkcopy, an independent copy of the same
// descriptors generated under the real file paths and full names (those
// gosdk registers). It runs the round trip in a child process started
// without GOLANG_PROTOBUF_REGISTRATION_CONFLICT, so that a conflict would
// panic there at start-up.
func TestCoexistsWithRealNamedDescriptors(t *testing.T) {
	if os.Getenv("IAMKIT_COEXIST_CHILD") == "1" {
		coexistRoundTrip(t)
		return
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, conflictEnv+"=") {
			env = append(env, kv)
		}
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCoexistsWithRealNamedDescriptors$", "-test.count=1", "-test.v")
	cmd.Env = append(env, "IAMKIT_COEXIST_CHILD=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil || !strings.Contains(out.String(), "--- PASS: TestCoexistsWithRealNamedDescriptors") {
		t.Fatalf("the binary linking both copies failed (%v):\n%s", err, out.String())
	}
}

func coexistRoundTrip(t *testing.T) {
	if _, set := os.LookupEnv(conflictEnv); set {
		t.Fatalf("%s is set", conflictEnv)
	}
	// Both copies are registered, each under its own names.
	for path, pkg := range map[string]string{
		"nebius/common/v1/error.proto":                  "github.com/iamkit/iamkit/iam/nebius/internal/gosdkcopy/commonv1",
		"nebius/iam/v2/access_key_service.proto":        "github.com/iamkit/iamkit/iam/nebius/internal/gosdkcopy/iamv2",
		"iamkit/nebius/common/v1/error.proto":           "github.com/iamkit/iamkit/internal/nebiuspb/commonv1",
		"iamkit/nebius/iam/v2/access_key_service.proto": "github.com/iamkit/iamkit/internal/nebiuspb/iamv2",
	} {
		if _, err := protoregistry.GlobalFiles.FindFileByPath(path); err != nil {
			t.Fatalf("%s (from %s) is not registered: %v", path, pkg, err)
		}
	}
	mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName("nebius.iam.v2.AccessKey"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := mt.New().Interface().(*realiamv2.AccessKey); !ok {
		t.Fatalf("nebius.iam.v2.AccessKey resolves to %T, want the real-named copy's type", mt.New().Interface())
	}

	srv, err := nebiustest.New()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	sa, err := srv.NewServiceAccount("")
	if err != nil {
		t.Fatal(err)
	}
	tok := srv.IssueToken(sa.ID, time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	// Through iam/nebius.
	c, err := nebius.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok}), srv.ClientOptions(),
		func(o *nebius.Options) { o.ProjectID = sa.ProjectID })
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ours, err := c.AccessKeys().Create(ctx, nebius.CreateAccessKeyRequest{Account: nebius.ServiceAccount(sa.ID), Description: "iamkit"})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.AccessKeys().Get(ctx, ours.ID); err != nil || got.Description != "iamkit" {
		t.Fatalf("Get = %+v, %v", got, err)
	}

	// Through the real-named copy, as a gosdk program would, on the same
	// emulator.
	conn, err := grpc.NewClient(srv.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rctx := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tok)
	aks := realiamv2.NewAccessKeyServiceClient(conn)
	ops := realcommonv1.NewOperationServiceClient(conn)
	op, err := aks.Create(rctx, &realiamv2.CreateAccessKeyRequest{
		Metadata: &realcommonv1.ResourceMetadata{ParentId: sa.ProjectID},
		Spec: &realiamv2.AccessKeySpec{Description: "gosdk",
			Account: &realiamv1.Account{Type: &realiamv1.Account_ServiceAccount_{ServiceAccount: &realiamv1.Account_ServiceAccount{Id: sa.ID}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if op, err = ops.Get(rctx, &realcommonv1.GetOperationRequest{Id: op.GetId()}); err != nil || op.GetStatus() == nil {
		t.Fatalf("OperationService/Get = %v, %v", op, err)
	}
	// The operation's request travels with its real type URL: it resolves,
	// through the global registry, to the copy's type.
	req, err := anypb.UnmarshalNew(op.GetRequest(), proto.UnmarshalOptions{})
	if err != nil {
		t.Fatalf("Operation.request %q: %v", op.GetRequest().GetTypeUrl(), err)
	}
	if r, ok := req.(*realiamv2.CreateAccessKeyRequest); !ok || r.GetSpec().GetDescription() != "gosdk" {
		t.Fatalf("Operation.request = %T %v", req, req)
	}
	theirs, err := aks.Get(rctx, &realiamv2.GetAccessKeyRequest{Id: op.GetResourceId()})
	if err != nil || theirs.GetSpec().GetDescription() != "gosdk" || theirs.GetStatus().GetAwsAccessKeyId() == "" {
		t.Fatalf("Get = %v, %v", theirs, err)
	}

	// Each side lists the other's key.
	list, err := aks.List(rctx, &realiamv2.ListAccessKeysRequest{ParentId: sa.ProjectID})
	if err != nil || len(list.GetItems()) != 2 {
		t.Fatalf("List (copy) = %v, %v", list, err)
	}
	n := 0
	for k, err := range c.AccessKeys().List(ctx, nebius.ListRequest{}) {
		if err != nil {
			t.Fatal(err)
		}
		if k.ID == ours.ID || k.ID == theirs.GetMetadata().GetId() {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("List (iam/nebius) saw %d of the 2 keys", n)
	}

	// Delete one through each; errors carry ServiceError details that
	// resolve, through the global registry, to the copy's type, and that
	// iam/nebius reads by their real type URL.
	if _, err := aks.Delete(rctx, &realiamv2.DeleteAccessKeyRequest{Id: ours.ID}); err != nil {
		t.Fatal(err)
	}
	if err := c.AccessKeys().Delete(ctx, theirs.GetMetadata().GetId()); err != nil {
		t.Fatal(err)
	}
	_, err = aks.Get(rctx, &realiamv2.GetAccessKeyRequest{Id: ours.ID})
	st := status.Convert(err)
	if st.Code() != codes.NotFound || len(st.Details()) != 1 {
		t.Fatalf("Get after delete (copy) = %v", st.Proto())
	}
	if se, ok := st.Details()[0].(*realcommonv1.ServiceError); !ok || se.GetResourceNotFound().GetResourceId() != ours.ID {
		t.Fatalf("detail = %T %v", st.Details()[0], st.Details()[0])
	}
	var ie *iam.Error
	if _, err := c.AccessKeys().Get(ctx, theirs.GetMetadata().GetId()); !errors.As(err, &ie) || !errors.Is(err, iam.ErrNotFound) ||
		ie.ResourceID != theirs.GetMetadata().GetId() || ie.Code != "iam:NotFound" {
		t.Fatalf("Get after delete (iam/nebius) = %+v", err)
	}
}

// TestLibraryLinksNoRealNamedCopy: gosdkcopy is for tests only; no package
// of the module (the library, the emulators, the examples) links it.
func TestLibraryLinksNoRealNamedCopy(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	cmd := exec.Command(goBin, "list", "-f", `{{.ImportPath}} {{join .Deps " "}}`, "github.com/iamkit/iamkit/...")
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, deps, _ := strings.Cut(line, " ")
		if strings.Contains(pkg, "/gosdkcopy/") {
			continue
		}
		n++
		if strings.Contains(" "+deps+" ", "/internal/gosdkcopy/") {
			t.Errorf("%s links the real-named copy", pkg)
		}
	}
	if n < 20 {
		t.Fatalf("only %d packages listed", n)
	}
}
