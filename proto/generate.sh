#!/usr/bin/env bash
# generate.sh regenerates the Go code beside the .proto files with pinned
# tool versions, installed into .tools/bin by `go install` (nothing else is
# downloaded). Run it through `go generate ./proto/...` or directly.
# With --check it fails when the committed code differs from what it makes.
set -euo pipefail
cd "$(dirname "$0")/.."

BUF_VERSION=v1.75.0
PROTOC_GEN_GO_VERSION=v1.36.12
PROTOC_GEN_GO_GRPC_VERSION=v1.6.0
GRPC_GATEWAY_VERSION=v2.34.0

bin="$PWD/.tools/bin"
mkdir -p "$bin"
install() { # install NAME MODULE@VERSION, unless that version is already there
  local stamp="$bin/.$1-$2"
  if [[ ! -x "$bin/$1" || ! -e "$stamp" ]]; then
    GOBIN="$bin" go install "$3@$2"
    rm -f "$bin/.$1-"*
    touch "$stamp"
  fi
}
install buf "$BUF_VERSION" github.com/bufbuild/buf/cmd/buf
install protoc-gen-go "$PROTOC_GEN_GO_VERSION" google.golang.org/protobuf/cmd/protoc-gen-go
install protoc-gen-go-grpc "$PROTOC_GEN_GO_GRPC_VERSION" google.golang.org/grpc/cmd/protoc-gen-go-grpc
install protoc-gen-grpc-gateway "$GRPC_GATEWAY_VERSION" github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-grpc-gateway
install protoc-gen-openapiv2 "$GRPC_GATEWAY_VERSION" github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-openapiv2
export PATH="$bin:$PATH"

buf lint
buf generate
if [[ "${1:-}" == "--check" ]]; then
  if ! git diff --exit-code --stat -- proto; then
    echo "generated code differs from what is committed: run go generate ./proto/... and commit" >&2
    exit 1
  fi
  untracked=$(git ls-files --others --exclude-standard -- proto)
  if [[ -n "$untracked" ]]; then
    echo "generated files not committed: $untracked" >&2
    exit 1
  fi
fi
