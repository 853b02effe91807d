# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""s3share-backup: the nightly backup of what S3 cannot re-create (run by a systemd timer, as root).

  s3share-backup [SETTINGS.json]      (default /etc/s3share-backup/backup.json, root-only)

Reads the settings and the admin configuration, runs one backup (_backup/job.py
run_backup), then keeps the run's state and writes its textfile metrics. Exit
status 0 only when the backup and its restore check both succeeded.
No Ansible import.
"""

import grp
import json
import os
import signal
import sys
import time

from ansible_collections.egid.s3share.plugins.module_utils._backup.job import DEFAULT_SETTINGS, DEFAULT_STATE, read_settings, render_metrics, run_backup
from ansible_collections.egid.s3share.plugins.module_utils._backup.restore import marker_path, read_marker
from ansible_collections.egid.s3share.plugins.module_utils._host.fs import replace_file
from ansible_collections.egid.s3share.plugins.module_utils._minio.audit import AuditLog, DEFAULT_AUDIT_LOG
from ansible_collections.egid.s3share.plugins.module_utils._minio.connection import create_clients, settings_from_admin_config


def _read_state(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}


def _stop(signum, _frame):
    """SIGTERM (systemctl stop, the unit's timeout) ends the run through its finally: the stage is emptied."""
    raise SystemExit(128 + signum)


def main(argv=None):
    try:
        signal.signal(signal.SIGTERM, _stop)
    except ValueError:
        pass  # not the main thread (an embedding program): its own signal handling applies
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        sys.stderr.write("usage: s3share-backup [SETTINGS.json]\n")
        return 2
    try:
        settings = read_settings(argv[0] if argv else DEFAULT_SETTINGS)
        connection, admin = settings_from_admin_config(settings.get("admin_config", "/opt/minio-admin/etc/admin.json"))
    except ValueError as exc:
        sys.stderr.write("s3share-backup: %s\n" % exc)
        return 2
    audit = AuditLog(settings.get("audit_log") or admin.get("audit_log") or DEFAULT_AUDIT_LOG, "s3share-backup",
                     secrets=[connection.secret_key])
    state_path = settings.get("state_file", DEFAULT_STATE)
    state = _read_state(state_path)
    ok, details = run_backup(settings, create_clients(connection), audit,
                             last_snapshot=state.get("snapshot") if state.get("last_success") else None,
                             restored=read_marker(marker_path(settings)) is not None)
    state.update(last_run=time.time(), last_run_ok=ok, restore_check_ok=details.get("restore_check") == "passed",
                 duration=round(details.get("duration", 0), 3))
    if ok:
        state.update(last_success=state["last_run"], added_bytes=details.get("added_bytes", 0),
                     snapshot=details.get("snapshot"))
    os.makedirs(os.path.dirname(state_path), 0o700, exist_ok=True)
    replace_file(state_path, json.dumps(state, sort_keys=True).encode("utf-8"), 0o600)
    if settings.get("textfile") and os.path.isdir(os.path.dirname(settings["textfile"])):
        try:
            group = grp.getgrnam(settings.get("textfile_group") or "root").gr_gid
        except KeyError:
            group = 0  # node-exporter is not installed (yet): root only
        replace_file(settings["textfile"], render_metrics(state).encode("utf-8"), 0o640, 0, group)
    summary = dict((k, details[k]) for k in ("snapshot", "added_bytes", "duration", "restore_check", "reason")
                   if k in details)
    sys.stdout.write(json.dumps(dict(summary, ok=ok), sort_keys=True) + "\n")
    return 0 if ok else 1
