#!/usr/bin/env bash
# Builds (once, then cached) the pinned MinIO server and mc client through the
# collection's own minio_artifacts_binaries role, and prints shell assignments:
#   MINIO_BIN=/path/to/minio
#   MC_BIN=/path/to/mc
# Usage: eval "$(scripts/artifacts.sh)"
. "$(dirname "$0")/lib.sh"
VENV=$("$EGID_REPO/scripts/bootstrap.sh")
GO=$("$EGID_REPO/scripts/go-toolchain.sh")
out=$(mktemp); err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
cd "$EGID_REPO"
if ! ANSIBLE_STDOUT_CALLBACK=ansible.builtin.json "$VENV/bin/ansible-playbook" playbooks/build_artifacts.yml \
    -e "minio_artifacts_go_bin=$GO" >"$out" 2>"$err"; then
  cat "$out" "$err" >&2; die "building the MinIO artifacts failed"
fi
"$VENV/bin/python" - "$out" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
facts = doc["plays"][0]["tasks"][-1]["hosts"]["localhost"]["results"]
for item in facts:
    name = item["item"]["key"]
    print(f'{name.upper()}_BIN={item["item"]["value"]["path"]}')
PY
