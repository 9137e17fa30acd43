#!/bin/sh
# gen.sh generates the Go code of the Nebius API protos in proto/ (our own
# minimal copies, under the real file paths and proto packages), three
# ways:
#
#   1. internal/nebiuspb/{commonv1,iamv1,iamv2}/*.pb.go: the messages, from
#      copies of the protos renamed to iamkit/nebius/... and package
#      iamkit.nebius.*, so that what the library registers in the global
#      protobuf registry never clashes with github.com/nebius/gosdk, which
#      registers the real paths and names;
#   2. internal/nebiuspb/{commonv1,iamv1,iamv2}/*_grpc.pb.go: the gRPC
#      stubs, from the protos as they are, so that the method names on the
#      wire are the real ones (/nebius.iam.v2.AccessKeyService/Create);
#   3. iam/nebius/internal/gosdkcopy/...: messages and stubs under the real
#      paths and names, for the test that links them next to the library,
#      as a program linking gosdk would (never linked by the library).
#
# Usage:
#   sh gen.sh          regenerate in place (after editing a .proto file)
#   sh gen.sh --check  regenerate into a temporary tree and compare with the
#                      committed code; exit 1, showing the difference, if it
#                      is stale (CI runs this)
#
# Exit status 3 means a tool is missing, could not be installed or is not
# the version the committed code was made with (protoc, the well-known
# .proto files, the pinned plugins), not a stale tree.
#
# Needs protoc PROTOC_VERSION (Debian bookworm: apt-get install
# protobuf-compiler libprotobuf-dev; the google/protobuf/*.proto
# well-known types come from libprotobuf-dev, under /usr/include). Another
# protoc writes another version line into every header, so it is refused
# before anything is generated or installed. The Go plugins are installed
# at pinned versions into a temporary bin directory.
set -eu

# The protoc that made the committed code (the "protoc v…" line of the
# generated headers; TestGenExpectsTheHeadersProtoc keeps them equal).
PROTOC_VERSION=3.21.12
PROTOC_GEN_GO_VERSION=v1.36.12
PROTOC_GEN_GO_GRPC_VERSION=v1.5.1
MODULE=github.com/iamkit/iamkit
STATUS_GO=google.golang.org/genproto/googleapis/rpc/status

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
check=false
case "${1-}" in
--check) check=true ;;
"") ;;
*) echo "usage: sh gen.sh [--check]" >&2; exit 2 ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin="$work/bin"
mkdir -p "$bin"
command -v protoc >/dev/null || { echo "gen.sh: protoc not found (install protobuf-compiler)" >&2; exit 3; }
protoc_version=$(protoc --version 2>/dev/null || true)
if [ "${protoc_version#libprotoc }" != "$PROTOC_VERSION" ]; then
	echo "gen.sh: $(command -v protoc) is ${protoc_version:-of unknown version}, not libprotoc $PROTOC_VERSION, the protoc the committed code was made with (Debian bookworm's protobuf-compiler); install that version" >&2
	exit 3
fi
wkt=/usr/include
if [ ! -f "$wkt/google/protobuf/timestamp.proto" ]; then
	echo "gen.sh: google/protobuf/timestamp.proto not found under $wkt (install libprotobuf-dev)" >&2
	exit 3
fi
for plugin in "google.golang.org/protobuf/cmd/protoc-gen-go@${PROTOC_GEN_GO_VERSION}" \
	"google.golang.org/grpc/cmd/protoc-gen-go-grpc@${PROTOC_GEN_GO_GRPC_VERSION}"; do
	GOBIN="$bin" GOFLAGS= go install "$plugin" || { echo "gen.sh: cannot install $plugin" >&2; exit 3; }
done
PATH="$bin:$PATH"
export PATH

out="$root"
if $check; then
	out="$work/out"
	mkdir -p "$out"
fi

cd "$here"
files=$(cd proto && find nebius -name '*.proto' | sort)

# The renamed copies: path iamkit/nebius/..., package iamkit.nebius.*, and
# every qualified reference to a nebius.common/nebius.iam name renamed the
# same way (comments are left as they are).
mkdir -p "$work/renamed/iamkit"
cp -R proto/nebius "$work/renamed/iamkit/"
for f in $files; do
	sed -e '/^[[:space:]]*\/\//!s/\bnebius\.\(common\|iam\)\./iamkit.nebius.\1./g' \
		-e 's#^import "nebius/#import "iamkit/nebius/#' \
		"proto/$f" >"$work/renamed/iamkit/$f"
done

# M options: each file's Go package (commonv1, iamv1, iamv2).
lib_go=""
lib_grpc=""
copy=""
for f in $files; do
	pkg=$(dirname "$f" | sed -e 's#^nebius/##' -e 's#/##g')
	lib_go="$lib_go --go_opt=Miamkit/$f=$MODULE/internal/nebiuspb/$pkg;$pkg"
	lib_grpc="$lib_grpc --go-grpc_opt=M$f=$MODULE/internal/nebiuspb/$pkg;$pkg"
	copy="$copy --go_opt=M$f=$MODULE/iam/nebius/internal/gosdkcopy/$pkg;$pkg --go-grpc_opt=M$f=$MODULE/iam/nebius/internal/gosdkcopy/$pkg;$pkg"
done

# include/google/rpc/status.proto only lets protoc resolve the import: it is
# not an input file, so no Go code is generated for it, and the M option
# maps it to the genproto package that gRPC already links (one
# google.rpc.Status, shared with gosdk).
# shellcheck disable=SC2086 # the option lists are split on purpose
protoc -I "$work/renamed" -I include -I "$wkt" \
	--go_out="$out" --go_opt=module="$MODULE" --go_opt=Mgoogle/rpc/status.proto="$STATUS_GO" $lib_go \
	$(for f in $files; do echo "iamkit/$f"; done)
# shellcheck disable=SC2086
protoc -I proto -I include -I "$wkt" \
	--go-grpc_out="$out" --go-grpc_opt=module="$MODULE" --go-grpc_opt=Mgoogle/rpc/status.proto="$STATUS_GO" $lib_grpc \
	$files
# shellcheck disable=SC2086
protoc -I proto -I include -I "$wkt" \
	--go_out="$out" --go_opt=module="$MODULE" --go_opt=Mgoogle/rpc/status.proto="$STATUS_GO" \
	--go-grpc_out="$out" --go-grpc_opt=module="$MODULE" --go-grpc_opt=Mgoogle/rpc/status.proto="$STATUS_GO" \
	$copy $files

dirs="internal/nebiuspb/commonv1 internal/nebiuspb/iamv1 internal/nebiuspb/iamv2
iam/nebius/internal/gosdkcopy/commonv1 iam/nebius/internal/gosdkcopy/iamv1 iam/nebius/internal/gosdkcopy/iamv2"

if ! $check; then
	echo "gen.sh: generated into $root"
	exit 0
fi
stale=0
for d in $dirs; do
	for g in "$out/$d"/*.pb.go; do
		c="$root/$d/$(basename "$g")"
		if [ ! -f "$c" ]; then
			echo "gen.sh --check: $d/$(basename "$g") is not committed" >&2
			stale=1
		elif ! cmp -s "$g" "$c"; then
			echo "gen.sh --check: $d/$(basename "$g") differs from what the .proto files generate:" >&2
			diff -u "$c" "$g" | head -n 40 >&2 || true
			stale=1
		fi
	done
	for c in "$root/$d"/*.pb.go; do
		[ -e "$c" ] || continue
		if [ ! -f "$out/$d/$(basename "$c")" ]; then
			echo "gen.sh --check: $d/$(basename "$c") is committed but not generated by any .proto file" >&2
			stale=1
		fi
	done
done
if [ "$stale" -ne 0 ]; then
	echo "gen.sh --check: the generated code is stale: run sh internal/nebiuspb/gen.sh and commit the result" >&2
	exit 1
fi
echo "gen.sh --check: the generated code matches the .proto files"
