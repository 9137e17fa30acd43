package nebiustest_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	reflectionv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/iamkit/iamkit/iam/iamtest/nebiustest"
	"github.com/iamkit/iamkit/internal/nebiuspb/commonv1"
	"github.com/iamkit/iamkit/internal/nebiuspb/iamv1"
	"github.com/iamkit/iamkit/internal/nebiuspb/iamv2"
)

// TestReflection: the emulator answers gRPC server reflection with the
// real names (services, files, packages, type references), from a private
// registry.
func TestReflection(t *testing.T) {
	srv, err := nebiustest.New()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := dial(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err := reflectionv1.NewServerReflectionClient(c.conn).ServerReflectionInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ask := func(req *reflectionv1.ServerReflectionRequest) *reflectionv1.ServerReflectionResponse {
		t.Helper()
		if err := stream.Send(req); err != nil {
			t.Fatal(err)
		}
		resp, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	var names []string
	for _, s := range ask(&reflectionv1.ServerReflectionRequest{MessageRequest: &reflectionv1.ServerReflectionRequest_ListServices{}}).
		GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	sort.Strings(names)
	want := []string{"grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection",
		nebiustest.OperationService, nebiustest.AuthPublicKeyService, nebiustest.TokenExchangeService, nebiustest.AccessKeyService}
	sort.Strings(want)
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("services %v, want %v", names, want)
	}
	for symbol, file := range map[string]string{
		nebiustest.AccessKeyService:                   "nebius/iam/v2/access_key_service.proto",
		"nebius.iam.v2.AccessKey":                     "nebius/iam/v2/access_key.proto",
		"nebius.common.v1.ServiceError":               "nebius/common/v1/error.proto",
		nebiustest.TokenExchangeService + ".Exchange": "nebius/iam/v1/token_exchange_service.proto",
		"nebius.common.v1.ProgressTracker.WorkDone":   "nebius/common/v1/progress_tracker.proto",
		"grpc.reflection.v1.ServerReflection":         "grpc/reflection/v1/reflection.proto",
	} {
		resp := ask(&reflectionv1.ServerReflectionRequest{MessageRequest: &reflectionv1.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: symbol}})
		if e := resp.GetErrorResponse(); e != nil {
			t.Fatalf("%s: %v", symbol, e.GetErrorMessage())
		}
		found := false
		for _, b := range resp.GetFileDescriptorResponse().GetFileDescriptorProto() {
			var fd descriptorpb.FileDescriptorProto
			if err := proto.Unmarshal(b, &fd); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(fd.GetName(), "iamkit") || strings.HasPrefix(fd.GetPackage(), "iamkit.") || strings.Contains(fd.String(), ".iamkit.") {
				t.Fatalf("%s: reflection shows iamkit's names: %s (%s)", symbol, fd.GetName(), fd.GetPackage())
			}
			found = found || fd.GetName() == file
		}
		if !found {
			t.Fatalf("%s: %s is not among the files returned", symbol, file)
		}
	}
	if e := ask(&reflectionv1.ServerReflectionRequest{MessageRequest: &reflectionv1.ServerReflectionRequest_FileContainingSymbol{
		FileContainingSymbol: "iamkit.nebius.iam.v2.AccessKey"}}).GetErrorResponse(); e == nil {
		t.Fatal("reflection resolves iamkit's own names")
	}
}

// grpcurlBinary returns the grpcurl to run: $IAMKIT_GRPCURL (which must
// exist; .ci/run installs the pinned v1.9.4 there), else one on $PATH;
// without either the test is skipped.
func grpcurlBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("IAMKIT_GRPCURL"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("IAMKIT_GRPCURL=%s: %v", p, err)
		}
		return p
	}
	p, err := exec.LookPath("grpcurl")
	if err != nil {
		t.Skip("grpcurl not found: install it with `go install github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.4` " +
			"(or set IAMKIT_GRPCURL); .ci/run does")
	}
	return p
}

// TestGrpcurl: grpcurl, through server reflection alone (no .proto
// files), lists the emulator's services, describes one, and calls
// AccessKeyService/List with a bearer token.
func TestGrpcurl(t *testing.T) {
	bin := grpcurlBinary(t)
	srv, err := nebiustest.New()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	sa, err := srv.NewServiceAccount("project-e00grpcurl")
	if err != nil {
		t.Fatal(err)
	}
	tok := srv.IssueToken(sa.ID, time.Hour)
	c := dial(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	op, err := c.ak.Create(with(ctx, "authorization", "Bearer "+tok), &iamv2.CreateAccessKeyRequest{
		Metadata: &commonv1.ResourceMetadata{ParentId: sa.ProjectID},
		Spec: &iamv2.AccessKeySpec{Description: "via grpcurl",
			Account: &iamv1.Account{Type: &iamv1.Account_ServiceAccount_{ServiceAccount: &iamv1.Account_ServiceAccount{Id: sa.ID}}}}})
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(ctx, bin, args...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("grpcurl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	list := run("-plaintext", srv.Addr, "list")
	for _, s := range []string{nebiustest.AccessKeyService, nebiustest.AuthPublicKeyService, nebiustest.OperationService, nebiustest.TokenExchangeService} {
		if !strings.Contains(list, s+"\n") {
			t.Errorf("grpcurl list lacks %s:\n%s", s, list)
		}
	}
	if strings.Contains(list, "iamkit") {
		t.Errorf("grpcurl list shows iamkit's names:\n%s", list)
	}
	desc := run("-plaintext", srv.Addr, "describe", nebiustest.AccessKeyService)
	if !strings.Contains(desc, "rpc List ( .nebius.iam.v2.ListAccessKeysRequest ) returns ( .nebius.iam.v2.ListAccessKeysResponse );") {
		t.Errorf("grpcurl describe:\n%s", desc)
	}
	out := run("-plaintext", "-H", "authorization: Bearer "+tok, "-d", `{"parent_id":"`+sa.ProjectID+`"}`,
		srv.Addr, nebiustest.AccessKeyService+"/List")
	var resp struct {
		Items []struct {
			Metadata struct {
				ID       string `json:"id"`
				ParentID string `json:"parentId"`
			} `json:"metadata"`
			Spec struct {
				Description string `json:"description"`
			} `json:"spec"`
			Status struct {
				State          string `json:"state"`
				AwsAccessKeyID string `json:"awsAccessKeyId"`
			} `json:"status"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(out), &resp); err != nil {
		t.Fatalf("grpcurl List printed %q: %v", out, err)
	}
	if len(resp.Items) != 1 || resp.Items[0].Metadata.ID != op.GetResourceId() || resp.Items[0].Metadata.ParentID != sa.ProjectID ||
		resp.Items[0].Spec.Description != "via grpcurl" || resp.Items[0].Status.State != "ACTIVE" || resp.Items[0].Status.AwsAccessKeyID == "" {
		t.Fatalf("grpcurl List = %s", out)
	}
	// Without the token, the emulator refuses.
	cmd := exec.CommandContext(ctx, bin, "-plaintext", "-d", `{"parent_id":"`+sa.ProjectID+`"}`, srv.Addr, nebiustest.AccessKeyService+"/List")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "Unauthenticated") {
		t.Fatalf("grpcurl List without a token: %v\n%s", err, out)
	}
}
