// Package nebiuspb holds the protobuf code of the Nebius API that iamkit
// uses (generated from our own minimal copies of the nebius/api protos in
// proto/, with gen.sh) and the helpers that keep it a good neighbour of
// github.com/nebius/gosdk in one binary.
//
// # Names
//
// gosdk registers the real file paths (nebius/iam/v2/access_key.proto)
// and full names (nebius.iam.v2.AccessKey) in the global protobuf
// registry, which panics at start-up on a second registration of either.
// So the messages of commonv1, iamv1 and iamv2 are generated from copies
// renamed to iamkit/nebius/... and iamkit.nebius.*, while everything that
// travels carries the real names:
//   - the gRPC method and service names, generated from the protos as they
//     are (/nebius.iam.v2.AccessKeyService/Create);
//   - the type URLs of google.protobuf.Any values (google.rpc.Status
//     details, Operation.request): [NewAny] writes and [UnmarshalAny]
//     reads them by the real name, without the global registry;
//   - field numbers and the bytes of every message, which carry no names.
//
// Nothing here looks a message up in protoregistry.GlobalFiles or
// GlobalTypes by a real name (with gosdk linked, that would find gosdk's
// types). [RealFiles] gives the descriptors under the real names in a
// private registry, for the emulator's server reflection.
//
// # Concurrency
//
// The functions are safe for concurrent use; RealFiles returns a new
// registry on each call.
package nebiuspb

//go:generate sh gen.sh
