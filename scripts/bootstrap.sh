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

# Link the checkout as ansible_collections/egid/s3share (ansible.cfg looks there).
link="$EGID_REPO/.collections/ansible_collections/egid/s3share"
mkdir -p "$(dirname "$link")"
[ "$(readlink "$link" 2>/dev/null)" = "../../.." ] || ln -sfn ../../.. "$link"
echo "$VENV"
