package nebiustest

import (
	"fmt"

	"google.golang.org/grpc/reflection"
	reflectionv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	reflectionv1alpha "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/iamkit/iamkit/internal/nebiuspb"
)

// registerReflection serves gRPC server reflection (v1 and v1alpha, which
// grpcurl and other tools fall back to) from a private registry holding
// the descriptors under the real names (nebius.iam.v2.AccessKeyService,
// file nebius/iam/v2/access_key_service.proto, …), never from the global
// registry, where iamkit's messages carry iamkit's names (and where a
// linked gosdk would hold its own).
func (s *Server) registerReflection() error {
	files, err := nebiuspb.RealFiles(reflectionv1.File_grpc_reflection_v1_reflection_proto,
		reflectionv1alpha.File_grpc_reflection_v1alpha_reflection_proto)
	if err != nil {
		return fmt.Errorf("nebiustest: reflection descriptors: %w", err)
	}
	opts := reflection.ServerOptions{Services: s.grpc, DescriptorResolver: files, ExtensionResolver: new(protoregistry.Types)}
	reflectionv1.RegisterServerReflectionServer(s.grpc, reflection.NewServerV1(opts))
	reflectionv1alpha.RegisterServerReflectionServer(s.grpc, reflection.NewServer(opts))
	return nil
}
