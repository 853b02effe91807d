#!/usr/bin/env bash
# The Go vulnerability advisories compiled into a binary, from a pinned
# snapshot of the Go vulnerability database (docs/security-go.md):
#   scripts/govulncheck.sh BINARY          one GO id per line, sorted
#   scripts/govulncheck.sh BINARY --text   govulncheck's own report
# The database is the golang.org/x/vulndb module from the Go proxy (vuln.go.dev
# may not be reachable); EGID_VULNDB_VERSION picks another snapshot. govulncheck
# and the database are cached in $EGID_CACHE, keyed by their versions.
. "$(dirname "$0")/lib.sh"

binary=${1:?usage: scripts/govulncheck.sh BINARY [--text]}
GOVULNCHECK_VERSION=v1.9.0
VULNDB_VERSION=${EGID_VULNDB_VERSION:-v0.0.0-20261105234957-e22db6528018}
GO=$("$EGID_REPO/scripts/go-toolchain.sh")  # the Go of the build: the one on PATH, or a pinned one

tools="$EGID_CACHE/govulncheck-$GOVULNCHECK_VERSION"
if [ ! -x "$tools/govulncheck" ]; then
  log "installing govulncheck $GOVULNCHECK_VERSION"
  GOBIN="$tools" GOFLAGS=-mod=mod "$GO" install "golang.org/x/vuln/cmd/govulncheck@$GOVULNCHECK_VERSION" >&2
fi
db="$EGID_CACHE/vulndb-$VULNDB_VERSION"
if [ ! -f "$db/index/db.json" ]; then
  log "building the vulnerability database from golang.org/x/vulndb@$VULNDB_VERSION"
  src=$(cd "$EGID_CACHE" && GOFLAGS=-mod=mod "$GO" mod download -json "golang.org/x/vulndb@$VULNDB_VERSION" \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')
  python3 "$EGID_REPO/scripts/govulncheck_db.py" "$src" "$db.tmp" >&2 && rm -rf "$db" && mv "$db.tmp" "$db"
fi
if [ "${2:-}" = --text ]; then
  exec "$tools/govulncheck" -db "file://$db" -mode=binary "$binary"
fi
# -json never fails on findings; every finding names its OSV id.
"$tools/govulncheck" -db "file://$db" -mode=binary -json "$binary" | python3 -c '
import json, sys
decoder, text, ids = json.JSONDecoder(), sys.stdin.read(), set()
position = 0
while True:
    while position < len(text) and text[position].isspace():
        position += 1
    if position >= len(text):
        break
    message, position = decoder.raw_decode(text, position)
    if "finding" in message:
        ids.add(message["finding"]["osv"])
print("\n".join(sorted(ids)))
'
