package nebius_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"

	"golang.org/x/oauth2"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/iamkit/iamkit/iam"
	"github.com/iamkit/iamkit/iam/nebius"
	"github.com/iamkit/iamkit/internal/nebiuspb/commonv1"
	"github.com/iamkit/iamkit/internal/redact"
	"github.com/iamkit/iamkit/internal/redact/redacttest"
)

// gatewayBasic is a caller's dial option that adds a Basic login of its
// own (a gateway's) to the authorization metadata of every call.
func gatewayBasic(login string) grpc.DialOption {
	value := "Basic " + base64.StdEncoding.EncodeToString([]byte(login))
	return grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		return invoker(metadata.AppendToOutgoingContext(ctx, "authorization", value), method, req, reply, cc, opts...)
	})
}

// TestErrorsScrubEchoedRequestID: a server that echoes the authorization
// metadata into the x-request-id header, or into a ServiceError's
// InternalError.request_id (of a failed call or a failed operation), as it
// is or percent-encoded (encodeURIComponent, a query string, twice), must
// not put the token, or a gateway's Basic login:password whatever the
// padding of its base64, into the error (issue 11, item 4).
func TestErrorsScrubEchoedRequestID(t *testing.T) {
	const token = "v1.CANARYnebiusTOKENcanaryNEBIUStoken0123456789abcdef"
	type testCase struct {
		name   string
		where  string // "header", "detail" or "operation"
		bare   bool   // echo the token without "Bearer "
		invoke func(context.Context, *nebius.Client) error
		cred   string // "bearer", or the login:password a gateway adds
		echo   redacttest.Echo
	}
	var cases []testCase
	for _, tc := range []testCase{
		{name: "x-request-id header", where: "header", invoke: getKey},
		{name: "InternalError of a failed call", where: "detail", invoke: getKey},
		{name: "bare token in InternalError", where: "detail", bare: true, invoke: getKey},
		{name: "InternalError of a failed operation", where: "operation", invoke: activateKey},
		{name: "bare token in a failed operation", where: "operation", bare: true, invoke: activateKey},
	} {
		for _, cred := range append([]string{"bearer"}, redacttest.BasicLogins...) {
			if cred != "bearer" && tc.bare {
				continue
			}
			for _, echo := range redacttest.Echoes {
				tc.cred, tc.echo = cred, echo
				cases = append(cases, tc)
			}
		}
	}
	for _, tc := range cases {
		t.Run(tc.name+"/"+tc.cred+"/"+tc.echo.Name, func(t *testing.T) {
			gs := grpc.NewServer(grpc.UnknownServiceHandler(func(_ any, stream grpc.ServerStream) error {
				var in emptypb.Empty
				if err := stream.RecvMsg(&in); err != nil {
					return err
				}
				md, _ := metadata.FromIncomingContext(stream.Context())
				echo := strings.Join(md.Get("authorization"), ",")
				if tc.bare {
					echo = strings.TrimPrefix(echo, "Bearer ")
				}
				echo = tc.echo.Encode(echo)
				detail := &commonv1.ServiceError{Service: "iam", Code: "x",
					Details: &commonv1.ServiceError_InternalError{InternalError: &commonv1.InternalError{RequestId: echo, TraceId: echo}}}
				switch tc.where {
				case "header":
					if err := stream.SendHeader(metadata.Pairs("x-request-id", echo)); err != nil {
						return err
					}
					return status.Error(codes.NotFound, "no such key")
				case "detail":
					st, err := status.New(codes.Internal, "internal").WithDetails(detail)
					if err != nil {
						return err
					}
					return st.Err()
				default:
					a, err := anypb.New(detail)
					if err != nil {
						return err
					}
					return stream.SendMsg(&commonv1.Operation{Id: "operation-failed", ResourceId: "accesskey-x",
						Status: &spb.Status{Code: int32(codes.FailedPrecondition), Message: "failed", Details: []*anypb.Any{a}}})
				}
			}))
			lis, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			go func() { _ = gs.Serve(lis) }()
			defer gs.Stop()
			c, err := nebius.New(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token}), func(o *nebius.Options) {
				o.Address, o.Plaintext, o.MaxAttempts, o.ProjectID = lis.Addr().String(), true, 1, "project-x"
				if tc.cred != "bearer" {
					o.DialOptions = append(o.DialOptions, gatewayBasic(tc.cred))
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			err = tc.invoke(ctxT(t), c)
			var ie *iam.Error
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v, want an *iam.Error", err)
			}
			if ie.RequestID == "" || len(ie.RequestID) > redact.MaxRequestID+len("…(truncated)") {
				t.Errorf("RequestID %q: want it kept, scrubbed and capped", ie.RequestID)
			}
			leaks := []string{"CANARYnebius"}
			if tc.cred != "bearer" {
				leaks = append(leaks, redacttest.Basic(tc.cred)...)
			}
			for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
				if left := redacttest.Left(text, leaks...); len(left) > 0 {
					t.Errorf("%q in error text %q", left, text)
				}
			}
		})
	}
}

func getKey(ctx context.Context, c *nebius.Client) error {
	_, err := c.AccessKeys().Get(ctx, "accesskey-x")
	return err
}

func activateKey(ctx context.Context, c *nebius.Client) error {
	_, err := c.AccessKeys().Activate(ctx, "accesskey-x")
	return err
}
