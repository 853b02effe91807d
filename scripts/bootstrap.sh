#!/usr/bin/env bash
# Prepares a controller: Python venv with the pinned requirements, and this
# checkout linked as the egid.s3share collection. Idempotent.
# Prints the venv path on stdout; `source "$(scripts/bootstrap.sh)/bin/activate"`.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || die "python3 (>= 3.11) is required"
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || die "python3 >= 3.11 is required, found $(python3 -V)"
python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv

VENV=$(venv_dir)
if [ ! -x "$VENV/bin/ansible-playbook" ] || [ ! -f "$VENV/.complete" ]; then
  log "creating the Python environment in $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip >&2
  "$VENV/bin/pip" install -q -r "$EGID_REPO/requirements.txt" >&2
  touch "$VENV/.complete"
fi

# Collections: the runtime dependencies (galaxy.yml) and those of the tests
# (tests/requirements.yml), as one requirements list. The pinned ansible
# package already ships them, so ansible-galaxy normally finds them all and
# downloads nothing; with ansible-core alone it fetches them into .collections.
collection_reqs=$(mktemp)
"$VENV/bin/python" - "$EGID_REPO/galaxy.yml" "$EGID_REPO/tests/requirements.yml" >"$collection_reqs" <<'EOF'
import json
import sys

import yaml

with open(sys.argv[1], encoding="utf-8") as handle:
    dependencies = yaml.safe_load(handle)["dependencies"]
with open(sys.argv[2], encoding="utf-8") as handle:
    for_tests = yaml.safe_load(handle)["collections"]
wanted = [{"name": name, "version": version} for name, version in dependencies.items()] + for_tests
print(json.dumps({"collections": wanted}))
EOF
if ! (cd "$EGID_REPO" && "$VENV/bin/ansible-galaxy" collection install -r "$collection_reqs" >&2); then
  rm -f "$collection_reqs"
  die "could not install the collections of galaxy.yml and tests/requirements.yml"
fi
rm -f "$collection_reqs"

# Link the checkout as ansible_collections/egid/s3share (ansible.cfg looks there).
link="$EGID_REPO/.collections/ansible_collections/egid/s3share"
mkdir -p "$(dirname "$link")"
[ "$(readlink "$link" 2>/dev/null)" = "../../.." ] || ln -sfn ../../.. "$link"
echo "$VENV"
