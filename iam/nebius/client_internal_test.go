package nebius

import (
	"context"
	"strings"
	"testing"

	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/iamkit/iamkit/internal/nebiuspb/commonv1"
)

func TestResolveAddress(t *testing.T) {
	for _, tc := range []struct {
		address, domain, env, want string
	}{
		{"", "", "", "cpl.iam.api.nebius.cloud:443"},
		{"", "", "api.eu.nebius.cloud", "cpl.iam.api.eu.nebius.cloud:443"},
		{"", "example.test:8443", "api.eu.nebius.cloud", "cpl.iam.example.test:8443"},
		{"", "https://api.nebius.cloud/", "", "cpl.iam.api.nebius.cloud:443"},
		{"127.0.0.1:5000", "ignored.example", "ignored.too", "127.0.0.1:5000"},
	} {
		t.Setenv(EnvEndpoint, tc.env)
		got, err := resolveAddress(tc.address, tc.domain, ServiceName)
		if err != nil || got != tc.want {
			t.Errorf("resolveAddress(%q, %q) with env %q = %q, %v; want %q", tc.address, tc.domain, tc.env, got, err, tc.want)
		}
	}
}

// TestOneDomainMovesEveryService: the IAM service and the token exchange
// follow the same domain (option or $NEBIUS_ENDPOINT); each has its own
// address override.
func TestOneDomainMovesEveryService(t *testing.T) {
	for _, tc := range []struct {
		domain, env, wantIAM, wantTokens string
	}{
		{"", "", "cpl.iam.api.nebius.cloud:443", "tokens.iam.api.nebius.cloud:443"},
		{"", "api.eu.nebius.cloud", "cpl.iam.api.eu.nebius.cloud:443", "tokens.iam.api.eu.nebius.cloud:443"},
		{"nebius.test:8443", "api.eu.nebius.cloud", "cpl.iam.nebius.test:8443", "tokens.iam.nebius.test:8443"},
	} {
		t.Setenv(EnvEndpoint, tc.env)
		iam, err1 := resolveAddress("", tc.domain, ServiceName)
		tokens, err2 := resolveAddress("", tc.domain, TokenExchangeServiceName)
		if err1 != nil || err2 != nil || iam != tc.wantIAM || tokens != tc.wantTokens {
			t.Errorf("domain %q, env %q: %q, %q (%v, %v)", tc.domain, tc.env, iam, tokens, err1, err2)
		}
	}
	o := Options{Address: "127.0.0.1:1", TokenExchangeAddress: "127.0.0.1:2", Domain: "ignored.example"}
	if err := o.validate(); err != nil {
		t.Fatal(err)
	}
	if a, _ := resolveAddress(o.TokenExchangeAddress, o.Domain, TokenExchangeServiceName); a != "127.0.0.1:2" {
		t.Errorf("TokenExchangeAddress override: %q", a)
	}
}

func TestUpdateFieldsMask(t *testing.T) {
	s := func(v string) *string { return &v }
	for _, tc := range []struct {
		name, desc     *string
		labels         map[string]string
		wantMask       string
		wantDesc       string
		wantLabelCount int
	}{
		{nil, s("x"), nil, "", "x", 0},
		{nil, s(""), nil, "spec.description", "", 0},
		{s(""), nil, map[string]string{}, "metadata.name,metadata.labels", "", 0},
		{s("n"), nil, map[string]string{"a": "b"}, "", "", 1},
		{nil, nil, nil, "", "", 0},
	} {
		md, desc, mask := updateFields("id-1", "project-1", tc.name, tc.labels, tc.desc)
		if mask != tc.wantMask || desc != tc.wantDesc || md.GetId() != "id-1" || len(md.GetLabels()) != tc.wantLabelCount {
			t.Errorf("updateFields(%v, %v, %v) = %v, %q, %q", tc.name, tc.labels, tc.desc, md, desc, mask)
		}
	}
}

// FuzzStatusError feeds arbitrary ServiceError bytes and messages to the
// error mapping, which must never panic and must scrub the token.
func FuzzStatusError(f *testing.F) {
	se, _ := proto.Marshal(&commonv1.ServiceError{Code: "NotFound", Details: &commonv1.ServiceError_ResourceNotFound{
		ResourceNotFound: &commonv1.ResourceNotFound{ResourceId: "accesskey-1"}}, RetryType: commonv1.ServiceError_NOTHING})
	f.Add(int32(5), "not found", se)
	f.Add(int32(13), "token tok-secret-1 echoed", []byte{0xff, 0x01})
	f.Fuzz(func(t *testing.T, code int32, msg string, detail []byte) {
		st := status.FromProto(&spb.Status{Code: code, Message: msg, Details: []*anypb.Any{
			{TypeUrl: "type.googleapis.com/nebius.common.v1.ServiceError", Value: detail},
		}})
		e := statusError("AccessKeyService/Get", st, "tok-secret-1")
		if strings.Contains(e.Error(), "tok-secret-1") {
			t.Fatalf("secret in %q", e.Error())
		}
		_, _ = retryable(context.Background(), st)
		_ = checkPublicKeyPEM("op", msg)
	})
}
