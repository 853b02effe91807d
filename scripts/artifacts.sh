#!/usr/bin/env bash
# Builds (once, then cached) the pinned MinIO server and mc client through the
# collection's own minio_artifacts role, and prints shell assignments:
#   MINIO_BIN=/path/to/minio
#   MC_BIN=/path/to/mc
# Usage: eval "$(scripts/artifacts.sh)"
# Opt-in extra components, built besides those two when named:
#   scripts/artifacts.sh weed     also the SeaweedFS server: WEED_BIN=/path/to/weed
#                                 (its go.mod needs Go >= 1.26.6 on PATH)
. "$(dirname "$0")/lib.sh"
# Without arguments the role's own component list applies, as before.
extra_vars=()
for extra in "$@"; do
  case "$extra" in
    weed) extra_vars=(-e '{"minio_artifacts_components": ["minio", "mc", "weed"]}') ;;
    *) die "unknown component '$extra' (usage: scripts/artifacts.sh [weed])" ;;
  esac
done
VENV=$("$EGID_REPO/scripts/bootstrap.sh")
GO=$("$EGID_REPO/scripts/go-toolchain.sh")
out=$(mktemp); err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
cd "$EGID_REPO"
if ! ANSIBLE_STDOUT_CALLBACK=ansible.builtin.json "$VENV/bin/ansible-playbook" playbooks/build_artifacts.yml \
    -e "minio_artifacts_go_bin=$GO" ${extra_vars[@]+"${extra_vars[@]}"} >"$out" 2>"$err"; then
  cat "$out" "$err" >&2; die "building the artifacts failed"
fi
"$VENV/bin/python" - "$out" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
facts = doc["plays"][0]["tasks"][-1]["hosts"]["localhost"]["results"]
for item in facts:
    name = item["item"]["key"]
    print(f'{name.upper()}_BIN={item["item"]["value"]["path"]}')
PY
