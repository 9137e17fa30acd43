package nebiuspb

import (
	"strings"

	"google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/iamkit/iamkit/internal/nebiuspb/commonv1"
	"github.com/iamkit/iamkit/internal/nebiuspb/iamv1"
	"github.com/iamkit/iamkit/internal/nebiuspb/iamv2"
)

// Files returns the file descriptors of commonv1, iamv1 and iamv2, under
// iamkit's names.
func Files() []protoreflect.FileDescriptor {
	return []protoreflect.FileDescriptor{
		commonv1.File_iamkit_nebius_common_v1_error_proto,
		commonv1.File_iamkit_nebius_common_v1_metadata_proto,
		commonv1.File_iamkit_nebius_common_v1_progress_tracker_proto,
		commonv1.File_iamkit_nebius_common_v1_operation_proto,
		commonv1.File_iamkit_nebius_common_v1_operation_service_proto,
		iamv1.File_iamkit_nebius_iam_v1_access_proto,
		iamv1.File_iamkit_nebius_iam_v1_auth_public_key_proto,
		iamv1.File_iamkit_nebius_iam_v1_auth_public_key_service_proto,
		iamv1.File_iamkit_nebius_iam_v1_token_service_proto,
		iamv1.File_iamkit_nebius_iam_v1_token_exchange_service_proto,
		iamv2.File_iamkit_nebius_iam_v2_access_key_proto,
		iamv2.File_iamkit_nebius_iam_v2_access_key_service_proto,
	}
}

// wellKnown are the files ours import that are not ours: registered under
// their own (shared) names by the packages that define them.
var wellKnown = []protoreflect.FileDescriptor{
	anypb.File_google_protobuf_any_proto,
	timestamppb.File_google_protobuf_timestamp_proto,
	status.File_google_rpc_status_proto,
}

// RealFiles returns a new private registry holding the descriptors of
// [Files] under the real file paths and names (nebius/iam/v2/access_key.proto,
// nebius.iam.v2.AccessKeyService, …), as nebius/api defines them, with the
// well-known files they import, plus extra (such as the server reflection
// protocol's own file). Nothing in it is registered globally.
func RealFiles(extra ...protoreflect.FileDescriptor) (*protoregistry.Files, error) {
	set := &descriptorpb.FileDescriptorSet{}
	for _, fd := range wellKnown {
		set.File = append(set.File, protodesc.ToFileDescriptorProto(fd))
	}
	for _, fd := range extra {
		set.File = append(set.File, protodesc.ToFileDescriptorProto(fd))
	}
	for _, fd := range Files() {
		set.File = append(set.File, realFile(protodesc.ToFileDescriptorProto(fd)))
	}
	return protodesc.NewFiles(set)
}

// realFile renames a file of iamkit's copy to the real path, package and
// type references, and drops its go_package.
func realFile(f *descriptorpb.FileDescriptorProto) *descriptorpb.FileDescriptorProto {
	f = proto.Clone(f).(*descriptorpb.FileDescriptorProto)
	f.Name = proto.String(RealPath(f.GetName()))
	f.Package = proto.String(string(RealName(protoreflect.FullName(f.GetPackage()))))
	for i, d := range f.Dependency {
		f.Dependency[i] = RealPath(d)
	}
	if f.Options != nil {
		f.Options.GoPackage = nil
	}
	for _, m := range f.MessageType {
		realMessage(m)
	}
	for _, x := range f.Extension {
		realField(x)
	}
	for _, s := range f.Service {
		for _, m := range s.Method {
			m.InputType = realRef(m.InputType)
			m.OutputType = realRef(m.OutputType)
		}
	}
	return f
}

func realMessage(m *descriptorpb.DescriptorProto) {
	for _, f := range m.Field {
		realField(f)
	}
	for _, x := range m.Extension {
		realField(x)
	}
	for _, n := range m.NestedType {
		realMessage(n)
	}
}

func realField(f *descriptorpb.FieldDescriptorProto) {
	f.TypeName = realRef(f.TypeName)
	f.Extendee = realRef(f.Extendee)
}

// realRef renames a fully-qualified type reference (".iamkit.nebius.x").
func realRef(ref *string) *string {
	if ref == nil {
		return nil
	}
	if r, ok := strings.CutPrefix(*ref, "."+namePrefix); ok {
		return proto.String("." + r)
	}
	return ref
}
