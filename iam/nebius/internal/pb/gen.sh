#!/bin/sh
# gen.sh regenerates the Go code in this directory from the .proto files in
# proto/. CI never runs it: the generated code is committed. Run it (or
# `go generate ./iam/nebius/internal/pb`) after editing a .proto file.
#
# Needs protoc (Debian: apt-get install protobuf-compiler, which also ships
# the google/protobuf/*.proto well-known types under /usr/include; the
# committed code was made with protoc 3.21.12, and another protoc changes
# only the version line of the headers). The Go plugins are installed at
# pinned versions into a private bin directory.
set -eu

PROTOC_GEN_GO_VERSION=v1.36.12
PROTOC_GEN_GO_GRPC_VERSION=v1.5.1
MODULE=github.com/iamkit/iamkit/iam/nebius/internal/pb

cd "$(dirname "$0")"
bin="$(pwd)/.bin"
mkdir -p "$bin"
GOBIN="$bin" go install "google.golang.org/protobuf/cmd/protoc-gen-go@${PROTOC_GEN_GO_VERSION}"
GOBIN="$bin" go install "google.golang.org/grpc/cmd/protoc-gen-go-grpc@${PROTOC_GEN_GO_GRPC_VERSION}"

wkt=/usr/include
if [ ! -f "$wkt/google/protobuf/timestamp.proto" ]; then
	echo "gen.sh: google/protobuf/timestamp.proto not found under $wkt (install protobuf-compiler / libprotobuf-dev)" >&2
	exit 1
fi

# include/google/rpc/status.proto only lets protoc resolve the import: it is
# not an input file, so no Go code is generated for it, and the M option maps
# it to the genproto package that gRPC already links.
PATH="$bin:$PATH" protoc \
	-I proto -I include -I "$wkt" \
	--go_out=. --go_opt=module="$MODULE" \
	--go_opt=Mgoogle/rpc/status.proto=google.golang.org/genproto/googleapis/rpc/status \
	--go-grpc_out=. --go-grpc_opt=module="$MODULE" \
	--go-grpc_opt=Mgoogle/rpc/status.proto=google.golang.org/genproto/googleapis/rpc/status \
	$(cd proto && find nebius -name '*.proto' | sort)

rm -rf "$bin"
