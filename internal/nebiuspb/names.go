package nebiuspb

import (
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"
)

// namePrefix and pathPrefix are what iamkit's copies add in front of the
// real proto package names and file paths.
const (
	namePrefix = "iamkit."
	pathPrefix = "iamkit/"
)

// TypeURLPrefix is the prefix of the type URLs the Nebius API writes in
// google.protobuf.Any values.
const TypeURLPrefix = "type.googleapis.com/"

// RealName returns the full name the Nebius API gives the message, enum or
// service whose name in iamkit's copy is name (iamkit.nebius.iam.v2.AccessKey
// → nebius.iam.v2.AccessKey). Other names are returned as they are.
func RealName(name protoreflect.FullName) protoreflect.FullName {
	return protoreflect.FullName(strings.TrimPrefix(string(name), namePrefix))
}

// RealPath returns the file path the Nebius API gives the file whose path
// in iamkit's copy is path (iamkit/nebius/common/v1/error.proto →
// nebius/common/v1/error.proto).
func RealPath(path string) string { return strings.TrimPrefix(path, pathPrefix) }

// TypeURL returns the type URL of m in an Any, under its real name:
// "type.googleapis.com/nebius.common.v1.ServiceError".
func TypeURL(m proto.Message) string {
	return TypeURLPrefix + string(RealName(m.ProtoReflect().Descriptor().FullName()))
}

// NewAny packs m into an Any whose type URL carries m's real name, as the
// Nebius API and gosdk write it (anypb.New would write iamkit's name).
func NewAny(m proto.Message) (*anypb.Any, error) {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return nil, err
	}
	return &anypb.Any{TypeUrl: TypeURL(m), Value: b}, nil
}

// AnyName returns the full name in a's type URL (the part after the last
// "/"), or "" for a nil Any.
func AnyName(a *anypb.Any) protoreflect.FullName {
	u := a.GetTypeUrl()
	return protoreflect.FullName(u[strings.LastIndexByte(u, '/')+1:])
}

// UnmarshalAny decodes a into m when a's type URL names m's real name (or
// m's own name), and reports whether it did; a type URL naming another
// message leaves m alone and returns false, nil.
func UnmarshalAny(a *anypb.Any, m proto.Message) (bool, error) {
	if a == nil {
		return false, nil
	}
	own := m.ProtoReflect().Descriptor().FullName()
	if n := AnyName(a); n != RealName(own) && n != own {
		return false, nil
	}
	if err := proto.Unmarshal(a.GetValue(), m); err != nil {
		return true, err
	}
	return true, nil
}
