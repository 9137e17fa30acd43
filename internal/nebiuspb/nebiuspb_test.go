package nebiuspb_test

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/iamkit/iamkit/internal/nebiuspb"
	"github.com/iamkit/iamkit/internal/nebiuspb/commonv1"
	"github.com/iamkit/iamkit/internal/nebiuspb/iamv1"
	"github.com/iamkit/iamkit/internal/nebiuspb/iamv2"
)

// TestNothingRegisteredUnderARealName: every file of ours is registered
// under an iamkit/ path and an iamkit. package, and the global registry of
// this binary (which links no gosdk) holds no file or type under the real
// nebius/ paths or nebius.* names, so that a program linking gosdk too
// starts without a registration conflict.
func TestNothingRegisteredUnderARealName(t *testing.T) {
	for _, fd := range nebiuspb.Files() {
		if !strings.HasPrefix(fd.Path(), "iamkit/nebius/") || !strings.HasPrefix(string(fd.Package()), "iamkit.nebius.") {
			t.Errorf("file %s (package %s) is registered under a real name", fd.Path(), fd.Package())
		}
	}
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if strings.HasPrefix(fd.Path(), "nebius/") || strings.HasPrefix(string(fd.Package()), "nebius.") {
			t.Errorf("global registry holds %s (package %s)", fd.Path(), fd.Package())
		}
		return true
	})
	protoregistry.GlobalTypes.RangeMessages(func(mt protoreflect.MessageType) bool {
		if strings.HasPrefix(string(mt.Descriptor().FullName()), "nebius.") {
			t.Errorf("global registry holds message %s", mt.Descriptor().FullName())
		}
		return true
	})
	if n := protoregistry.GlobalFiles.NumFilesByPackage("iamkit.nebius.iam.v2"); n != 2 {
		t.Errorf("%d files of iamkit.nebius.iam.v2 registered, want 2", n)
	}
}

// TestRealFilesMirrorOurs: RealFiles holds, for every message, enum and
// service of ours, the same thing under the real name, with the same
// fields (names, numbers, kinds, and the real names of their types), enum
// values and methods; and the real method names are those of the
// generated gRPC stubs.
func TestRealFilesMirrorOurs(t *testing.T) {
	files, err := nebiuspb.RealFiles()
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range nebiuspb.Files() {
		real, err := files.FindFileByPath(nebiuspb.RealPath(fd.Path()))
		if err != nil {
			t.Fatalf("%s: %v", fd.Path(), err)
		}
		if real.Package() != nebiuspb.RealName(fd.Package()) || !strings.HasPrefix(real.Path(), "nebius/") {
			t.Errorf("%s: real file %s, package %s", fd.Path(), real.Path(), real.Package())
		}
		for i := 0; i < fd.Imports().Len(); i++ {
			if want, got := nebiuspb.RealPath(fd.Imports().Get(i).Path()), real.Imports().Get(i).Path(); want != got {
				t.Errorf("%s imports %s, want %s", real.Path(), got, want)
			}
		}
		compareMessages(t, fd.Messages(), real.Messages())
		for i := 0; i < fd.Enums().Len(); i++ {
			compareEnum(t, fd.Enums().Get(i), real.Enums().Get(i))
		}
		for i := 0; i < fd.Services().Len(); i++ {
			ours, theirs := fd.Services().Get(i), real.Services().Get(i)
			if theirs.FullName() != nebiuspb.RealName(ours.FullName()) || theirs.Methods().Len() != ours.Methods().Len() {
				t.Errorf("service %s: real %s", ours.FullName(), theirs.FullName())
				continue
			}
			for j := 0; j < ours.Methods().Len(); j++ {
				om, tm := ours.Methods().Get(j), theirs.Methods().Get(j)
				if om.Name() != tm.Name() || tm.Input().FullName() != nebiuspb.RealName(om.Input().FullName()) ||
					tm.Output().FullName() != nebiuspb.RealName(om.Output().FullName()) {
					t.Errorf("method %s: real %s(%s) %s", om.FullName(), tm.FullName(), tm.Input().FullName(), tm.Output().FullName())
				}
			}
		}
	}
	// The stubs' method names are the real ones.
	for full, svc := range map[string]string{
		iamv2.AccessKeyService_Create_FullMethodName:             "nebius.iam.v2.AccessKeyService",
		iamv2.AccessKeyService_DeactivateByAwsId_FullMethodName:  "nebius.iam.v2.AccessKeyService",
		iamv1.AuthPublicKeyService_ListByAccount_FullMethodName:  "nebius.iam.v1.AuthPublicKeyService",
		iamv1.TokenExchangeService_Exchange_FullMethodName:       "nebius.iam.v1.TokenExchangeService",
		commonv1.OperationService_List_FullMethodName:            "nebius.common.v1.OperationService",
		commonv1.OperationService_Get_FullMethodName:             "nebius.common.v1.OperationService",
		iamv1.AuthPublicKeyService_Deactivate_FullMethodName:     "nebius.iam.v1.AuthPublicKeyService",
		iamv2.AccessKeyService_GetSecret_FullMethodName:          "nebius.iam.v2.AccessKeyService",
		iamv2.AccessKeyService_ServiceDesc.ServiceName + "/List": "nebius.iam.v2.AccessKeyService",
	} {
		name, method, _ := strings.Cut(strings.TrimPrefix(full, "/"), "/")
		d, err := files.FindDescriptorByName(protoreflect.FullName(name))
		if err != nil || name != svc {
			t.Errorf("%s: service %s: %v", full, name, err)
			continue
		}
		if d.(protoreflect.ServiceDescriptor).Methods().ByName(protoreflect.Name(method)) == nil {
			t.Errorf("%s: no method %s in %s", full, method, name)
		}
	}
}

func compareMessages(t *testing.T, ours, theirs protoreflect.MessageDescriptors) {
	t.Helper()
	if ours.Len() != theirs.Len() {
		t.Errorf("%d messages, real %d", ours.Len(), theirs.Len())
		return
	}
	for i := 0; i < ours.Len(); i++ {
		o, r := ours.Get(i), theirs.Get(i)
		if r.FullName() != nebiuspb.RealName(o.FullName()) {
			t.Errorf("message %s: real %s", o.FullName(), r.FullName())
			continue
		}
		if o.Fields().Len() != r.Fields().Len() {
			t.Errorf("%s: %d fields, real %d", o.FullName(), o.Fields().Len(), r.Fields().Len())
			continue
		}
		for j := 0; j < o.Fields().Len(); j++ {
			of, rf := o.Fields().Get(j), r.Fields().Get(j)
			if of.Name() != rf.Name() || of.Number() != rf.Number() || of.Kind() != rf.Kind() || of.Cardinality() != rf.Cardinality() {
				t.Errorf("%s.%s: real %s.%s differs", o.FullName(), of.Name(), r.FullName(), rf.Name())
			}
			if m := of.Message(); m != nil && rf.Message().FullName() != nebiuspb.RealName(m.FullName()) {
				t.Errorf("%s.%s: type %s, real %s", o.FullName(), of.Name(), m.FullName(), rf.Message().FullName())
			}
			if e := of.Enum(); e != nil && rf.Enum().FullName() != nebiuspb.RealName(e.FullName()) {
				t.Errorf("%s.%s: enum %s, real %s", o.FullName(), of.Name(), e.FullName(), rf.Enum().FullName())
			}
		}
		compareMessages(t, o.Messages(), r.Messages())
		for j := 0; j < o.Enums().Len(); j++ {
			compareEnum(t, o.Enums().Get(j), r.Enums().Get(j))
		}
	}
}

func compareEnum(t *testing.T, o, r protoreflect.EnumDescriptor) {
	t.Helper()
	if r.FullName() != nebiuspb.RealName(o.FullName()) || r.Values().Len() != o.Values().Len() {
		t.Errorf("enum %s: real %s", o.FullName(), r.FullName())
		return
	}
	for i := 0; i < o.Values().Len(); i++ {
		if o.Values().Get(i).Name() != r.Values().Get(i).Name() || o.Values().Get(i).Number() != r.Values().Get(i).Number() {
			t.Errorf("enum %s value %d differs", o.FullName(), i)
		}
	}
}

// TestAnyCarriesTheRealName: NewAny writes the real type URL, and
// UnmarshalAny reads it back into our type, without the global registry;
// a type URL naming another message is left alone.
func TestAnyCarriesTheRealName(t *testing.T) {
	se := &commonv1.ServiceError{Service: "iam", Code: "NotFound",
		Details: &commonv1.ServiceError_ResourceNotFound{ResourceNotFound: &commonv1.ResourceNotFound{ResourceId: "accesskey-1"}}}
	a, err := nebiuspb.NewAny(se)
	if err != nil {
		t.Fatal(err)
	}
	if a.TypeUrl != "type.googleapis.com/nebius.common.v1.ServiceError" || nebiuspb.AnyName(a) != "nebius.common.v1.ServiceError" {
		t.Fatalf("type URL %q", a.TypeUrl)
	}
	var got commonv1.ServiceError
	if ok, err := nebiuspb.UnmarshalAny(a, &got); !ok || err != nil || !proto.Equal(&got, se) {
		t.Fatalf("UnmarshalAny = %v, %v: %v", ok, err, &got)
	}
	var other iamv2.AccessKey
	if ok, err := nebiuspb.UnmarshalAny(a, &other); ok || err != nil {
		t.Fatalf("UnmarshalAny into the wrong type = %v, %v", ok, err)
	}
	if ok, _ := nebiuspb.UnmarshalAny(nil, &got); ok {
		t.Fatal("nil Any unmarshalled")
	}
	a.Value = []byte{0xff}
	if ok, err := nebiuspb.UnmarshalAny(a, &got); !ok || err == nil {
		t.Fatalf("bad bytes: %v, %v", ok, err)
	}
}
