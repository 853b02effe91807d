# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""collaborator-sweep: remove expired collaborators; the server-side twin of minio_collaborator_sweep.

Run by the minio_admin role's systemd timer, through a launcher of a few lines
(<base>/bin/collaborator-sweep) with the admin venv's Python, on the installed
collection, so the code is the one the modules run.

  collaborator-sweep --config <base>/etc/admin.json [--orphans report|remove]
  collaborator-sweep --config <base>/etc/admin.json --record-failure UNIT

The config is the root-only admin.json (connection.read_admin_config reads it).
Prints a JSON summary and writes <state_dir>/sweep.json for monitoring. Exits 0
when all is well, 1 when some collaborator could not be processed, 2 on a
configuration or connection error. --record-failure is what the service's
OnFailure= unit runs: one audit line and the state file.
No Ansible import.
"""

import argparse
import json
import os
import sys

from ansible_collections.egid.s3share.plugins.module_utils._host.fs import replace_file
from ansible_collections.egid.s3share.plugins.module_utils._minio.audit import (
    AuditLog, DEFAULT_AUDIT_LOG, utc_timestamp,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.service import Collaborators
from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.store import CollaboratorStore
from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.sweep import sweep
from ansible_collections.egid.s3share.plugins.module_utils._minio.names import DEFAULT_RECORDS_BUCKET
from ansible_collections.egid.s3share.plugins.module_utils._minio.connection import (
    create_clients, read_admin_config, settings_of_admin_config,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import MinioActionError
from ansible_collections.egid.s3share.plugins.module_utils._minio.iam import IamState

ACTOR = "systemd:collaborator-sweep"
DEFAULT_CONFIG = "/opt/minio-admin/etc/admin.json"
DEFAULT_STATE_DIR = "/opt/minio-admin/state"


def write_state(state_dir, **fields):
    """Merge fields into <state_dir>/sweep.json (atomic replace, 0644), for monitoring; never fails the sweep."""
    path = os.path.join(state_dir, "sweep.json")
    try:
        try:
            with open(path, encoding="utf-8") as handle:
                state = json.load(handle)
        except (OSError, ValueError):
            state = {}
        if not isinstance(state, dict):
            state = {}
        state.update(fields)
        os.makedirs(state_dir, mode=0o750, exist_ok=True)
        replace_file(path, json.dumps(state, sort_keys=True).encode("utf-8"), 0o644)
    except OSError as exc:
        sys.stderr.write("collaborator-sweep: cannot write %s: %s\n" % (state_dir, exc))


def _say(line):
    """The run's JSON summary or failure, on standard output (the journal, and the caller's parser)."""
    sys.stdout.write(line + "\n")


def main(argv=None, config_path=DEFAULT_CONFIG, state_dir=DEFAULT_STATE_DIR):
    parser = argparse.ArgumentParser(prog="collaborator-sweep", description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--config", default=config_path)
    parser.add_argument("--orphans", choices=["ignore", "report", "remove"], default="ignore")
    parser.add_argument("--state-dir", default=state_dir)
    parser.add_argument("--record-failure", metavar="UNIT",
                        help="record that UNIT failed (run by the service's OnFailure= unit)")
    args = parser.parse_args(argv)
    now = utc_timestamp()
    try:
        config = read_admin_config(args.config)
    except ValueError as exc:
        _say(json.dumps({"failed": True, "msg": str(exc)}))
        return 2
    audit_path = config.get("audit_log") or DEFAULT_AUDIT_LOG
    if args.record_failure:
        AuditLog(audit_path, "collaborator-sweep", actor=ACTOR).write(
            "sweep_failed", "unit:%s" % args.record_failure, "failed",
            reason="the collaborator sweep failed; see journalctl -u %s" % args.record_failure)
        write_state(args.state_dir, last_failure=now, last_result="failed")
        return 0
    try:
        settings = settings_of_admin_config(config)
    except ValueError as exc:
        _say(json.dumps({"failed": True, "msg": str(exc)}))
        return 2
    audit = AuditLog(audit_path, "collaborator-sweep", secrets=[settings.secret_key], actor=ACTOR)
    clients = create_clients(settings)
    store = CollaboratorStore(clients.s3, config.get("records_bucket") or DEFAULT_RECORDS_BUCKET)
    try:
        audit.ensure_writable()
        result = sweep(Collaborators(IamState(clients.admin), clients.s3, store, ACTOR), audit=audit,
                       orphans=args.orphans)
    except (MinioActionError, OSError) as exc:
        _say(json.dumps({"failed": True, "msg": str(getattr(exc, "message", exc))}))
        return 2
    summary = dict(result.as_dict(), failed=bool(result.errors))
    _say(json.dumps(summary, sort_keys=True))
    fields = {"last_run": now, "last_result": "errors" if result.errors else "ok",
              "kept": len(result.kept), "removed": len(result.removed), "errors": len(result.errors)}
    if not result.errors:
        fields["last_success"] = now
    write_state(args.state_dir, **fields)
    return 1 if result.errors else 0
