# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Remove expired collaborators: the server-side twin of minio_collaborator_sweep.

Installed by the egid.s3share.minio_admin role as <base>/bin/collaborator-sweep
and run by a systemd timer with the admin venv's Python. It imports the
installed collection from <base>/lib (ansible_collections/egid/s3share), so the
code is the one the modules run.

  collaborator-sweep --config <base>/etc/admin.json [--orphans report|remove]
  collaborator-sweep --config <base>/etc/admin.json --record-failure UNIT

The config is the root-only JSON file the role writes (endpoint, access_key,
secret_key, ca_path, validate_certs, region, records_bucket, audit_log): JSON
carries any secret unchanged, where an environment file would need quoting.
Prints a JSON summary and writes <base>/state/sweep.json for monitoring.
Exits 0 when all is well, 1 when some collaborator could not be processed,
2 on a configuration or connection error. --record-failure is what the
service's OnFailure= unit runs: one audit line and the state file.
"""

import argparse
import json
import os
import sys

BASE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# <base>/lib holds the installed collection.
sys.path.insert(0, os.path.join(BASE, "lib"))

# pylint: disable=wrong-import-position
from ansible_collections.egid.s3share.plugins.module_utils._minio.audit import (  # noqa: E402
    AuditLog, DEFAULT_AUDIT_LOG, utc_timestamp,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.collab import (  # noqa: E402
    Collaborators, CollaboratorStore, DEFAULT_RECORDS_BUCKET, sweep,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.connection import (  # noqa: E402
    ConnectionSettings, create_clients,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import MinioActionError  # noqa: E402
from ansible_collections.egid.s3share.plugins.module_utils._minio.iam import IamState  # noqa: E402

ACTOR = "systemd:collaborator-sweep"


def load_config(path):
    with open(path, encoding="utf-8") as handle:
        config = json.load(handle)
    if not isinstance(config, dict):
        raise ValueError("%s is not a JSON object" % path)
    return config


def write_state(state_dir, **fields):
    """Merge fields into <state_dir>/sweep.json (atomic replace), for monitoring; never fails the sweep."""
    try:
        _write_state(state_dir, fields)
    except OSError as exc:
        print("collaborator-sweep: cannot write %s: %s" % (state_dir, exc), file=sys.stderr)


def _write_state(state_dir, fields):
    path = os.path.join(state_dir, "sweep.json")
    try:
        with open(path, encoding="utf-8") as handle:
            state = json.load(handle)
    except (OSError, ValueError):
        state = {}
    state.update(fields)
    os.makedirs(state_dir, mode=0o750, exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(state, handle, sort_keys=True)
    os.replace(tmp, path)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="collaborator-sweep", description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--config", default=os.path.join(BASE, "etc", "admin.json"))
    parser.add_argument("--orphans", choices=["ignore", "report", "remove"], default="ignore")
    parser.add_argument("--state-dir", default=os.path.join(BASE, "state"))
    parser.add_argument("--record-failure", metavar="UNIT",
                        help="record that UNIT failed (run by the service's OnFailure= unit)")
    args = parser.parse_args(argv)
    now = utc_timestamp()
    try:
        config = load_config(args.config)
        audit_path = config.get("audit_log") or DEFAULT_AUDIT_LOG
    except (OSError, ValueError) as exc:
        print(json.dumps({"failed": True, "msg": "cannot read %s: %s" % (args.config, exc)}))
        return 2
    if args.record_failure:
        AuditLog(audit_path, "collaborator-sweep", actor=ACTOR).write(
            "sweep_failed", "unit:%s" % args.record_failure, "failed",
            reason="the collaborator sweep failed; see journalctl -u %s" % args.record_failure)
        write_state(args.state_dir, last_failure=now, last_result="failed")
        return 0
    try:
        settings = ConnectionSettings(
            endpoint=config.get("endpoint"), access_key=config.get("access_key"),
            secret_key=config.get("secret_key"), ca_path=config.get("ca_path") or None,
            validate_certs=bool(config.get("validate_certs", True)), region=config.get("region"))
    except ValueError as exc:
        print(json.dumps({"failed": True, "msg": str(exc)}))
        return 2
    audit = AuditLog(audit_path, "collaborator-sweep", secrets=[settings.secret_key], actor=ACTOR)
    clients = create_clients(settings)
    store = CollaboratorStore(clients.s3, config.get("records_bucket") or DEFAULT_RECORDS_BUCKET)
    try:
        audit.ensure_writable()
        result = sweep(Collaborators(IamState(clients.admin), clients.s3, store, ACTOR), audit=audit,
                       orphans=args.orphans)
    except (MinioActionError, OSError) as exc:
        print(json.dumps({"failed": True, "msg": str(getattr(exc, "message", exc))}))
        return 2
    summary = dict(result.as_dict(), failed=bool(result.errors))
    print(json.dumps(summary, sort_keys=True))
    fields = {"last_run": now, "last_result": "errors" if result.errors else "ok",
              "kept": len(result.kept), "removed": len(result.removed), "errors": len(result.errors)}
    if not result.errors:
        fields["last_success"] = now
    write_state(args.state_dir, **fields)
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
