#!/usr/bin/env bash
# Prints the path of a Go >= 1.24 toolchain. Uses the one on PATH when it is
# recent enough; otherwise fetches the official toolchain module (pinned by
# sha256) from the Go module proxy into the cache, once.
. "$(dirname "$0")/lib.sh"

GO_VERSION=1.24.9
GO_ZIP_SHA256=2a683c9c1d65a0e221519c21850a3ed5fe5ff287d39d74e35e4af7ceb9e333b2
GOPROXY_URL=${EGID_GOPROXY:-https://proxy.golang.org}

if command -v go >/dev/null; then
  v=$(go env GOVERSION 2>/dev/null | sed -n 's/^go\([0-9]*\)\.\([0-9]*\).*/\1 \2/p')
  if [ -n "$v" ] && { set -- $v; [ "$1" -gt 1 ] || [ "$2" -ge 24 ]; }; then
    command -v go; exit 0
  fi
fi
[ "$(uname -m)" = x86_64 ] || die "no Go >= 1.24 on PATH; install one for $(uname -m) (https://go.dev/dl)"
root="$EGID_CACHE/go$GO_VERSION"
gobin="$root/golang.org/toolchain@v0.0.1-go$GO_VERSION.linux-amd64/bin/go"
if [ ! -x "$gobin" ]; then
  command -v unzip >/dev/null || apt_install unzip
  command -v curl >/dev/null || apt_install curl ca-certificates
  log "fetching Go $GO_VERSION from the Go module proxy"
  zip=$(mktemp); trap 'rm -f "$zip"' EXIT
  curl -fsSL -o "$zip" "$GOPROXY_URL/golang.org/toolchain/@v/v0.0.1-go$GO_VERSION.linux-amd64.zip" \
    || die "could not download the Go toolchain from $GOPROXY_URL"
  echo "$GO_ZIP_SHA256  $zip" | sha256sum -c --quiet - || die "the Go toolchain zip does not match its sha256"
  rm -rf "$root"; mkdir -p "$root"
  unzip -q "$zip" -d "$root"
  chmod +x "$root"/golang.org/toolchain@*/bin/* "$root"/golang.org/toolchain@*/pkg/tool/*/* 2>/dev/null || true
fi
echo "$gobin"
