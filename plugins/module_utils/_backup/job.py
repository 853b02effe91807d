# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""s3share-backup: the nightly backup of what S3 cannot re-create (run by a systemd timer, as root).

  s3share-backup [SETTINGS.json]      (default /etc/s3share-backup/backup.json, root-only)

One run: a "started" audit line; the stage (bundle.stage: IAM and bucket settings exports, records,
the audit chain's head, the manifest); one restic snapshot of the stage, the admin configuration and the
audit logs; forget/prune by the keep policy; then the restore check: restic check, and the manifest and
the IAM export read back from the repository and compared, byte for byte, with what was staged. The
outcome is one audit line and the textfile metrics that the monitoring role's alerts read
(s3share_backup_*). Exit status 0 only when the backup and its restore check both succeeded.
No Ansible import.
"""

import grp
import json
import os
import socket
import sys
import time

from ansible_collections.egid.s3share.plugins.module_utils._backup import bundle
from ansible_collections.egid.s3share.plugins.module_utils._backup.restic import Restic, ResticError
from ansible_collections.egid.s3share.plugins.module_utils._host.fs import replace_file
from ansible_collections.egid.s3share.plugins.module_utils._minio.audit import (
    AuditLog, DEFAULT_AUDIT_LOG, utc_timestamp,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.audit_chain import chain_head
from ansible_collections.egid.s3share.plugins.module_utils._minio.connection import (
    create_clients, settings_from_admin_config,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.server import server_info

DEFAULT_SETTINGS = "/etc/s3share-backup/backup.json"
DEFAULT_STATE = "/var/lib/s3share-backup/state.json"


def read_settings(path):
    try:
        with open(path, encoding="utf-8") as handle:
            settings = json.load(handle)
    except (OSError, ValueError) as exc:
        raise ValueError("cannot read %s: %s" % (path, exc)) from None
    for key in ("repository", "password_file", "stage_dir", "paths"):
        if not settings.get(key):
            raise ValueError("%s has no %s" % (path, key))
    return settings


def repository_of(settings):
    return Restic(settings["repository"], settings["password_file"], settings.get("repository_env"),
                  binary=settings.get("restic", "/usr/bin/restic"), cache_dir=settings.get("cache_dir"),
                  cacert=settings.get("repository_cacert") or None)


def _read_state(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}


def render_metrics(state):
    """The textfile of the last run (state: what the runs so far have recorded)."""
    lines = []

    def gauge(name, doc, value):
        lines.extend(["# HELP %s %s" % (name, doc), "# TYPE %s gauge" % name, "%s %s" % (name, value)])

    gauge("s3share_backup_last_run_timestamp_seconds", "Time the last backup run ended.",
          state.get("last_run", 0))
    gauge("s3share_backup_last_run_success", "1 when the last backup run and its restore check succeeded.",
          1 if state.get("last_run_ok") else 0)
    gauge("s3share_backup_last_success_timestamp_seconds", "Time of the last good backup (restore check passed).",
          state.get("last_success", 0))
    gauge("s3share_backup_restore_check_success", "1 when the last restore check read the backup back intact.",
          1 if state.get("restore_check_ok") else 0)
    gauge("s3share_backup_last_added_bytes", "Bytes the last good backup added to the repository.",
          state.get("added_bytes", 0))
    gauge("s3share_backup_last_duration_seconds", "How long the last backup run took.",
          state.get("duration", 0))
    return "\n".join(lines) + "\n"


def run_backup(settings, clients, audit, now=time.time, host=None):
    """One backup; returns (ok, details). Never raises for a failure of the target or the server."""
    started = now()
    repo = repository_of(settings)
    details = {"repository": settings["repository"]}
    audit.write("backup", settings["repository"], "started")
    try:
        head = chain_head(settings.get("audit_log") or DEFAULT_AUDIT_LOG)
        try:
            server = server_info(clients.admin)
        except Exception:  # pylint: disable=broad-except
            server = None  # the version is a detail of the manifest, not a reason to fail
        manifest = bundle.stage(settings["stage_dir"], clients, settings.get("records_bucket", "s3share-records"),
                                settings.get("data_buckets") or (), audit_head=head,
                                server=server and {"version": server.get("version"),
                                                   "patch_levels": server.get("patch_levels")},
                                created=utc_timestamp())
        details.update(iam=manifest["iam"], buckets=len(manifest["buckets"]), records=manifest["records"],
                       audit_head=head)
        if not repo.exists():
            repo.init()
            details["initialised"] = True
        elif not manifest["buckets"] and repo.snapshots():
            # A new host before its restore: its empty server must not become the latest snapshot.
            raise bundle.BundleError("the server holds no bucket but the repository holds backups: restore it first "
                                     "(restore.yml), or back up to another repository")
        paths = [settings["stage_dir"]] + [p for p in settings["paths"] if os.path.exists(p)]
        summary = repo.backup(paths, host or socket.gethostname())
        details.update(snapshot=summary.get("snapshot_id"), added_bytes=summary.get("data_added", 0),
                       files_new=summary.get("files_new"), files_changed=summary.get("files_changed"),
                       total_bytes=summary.get("total_bytes_processed"))
        if settings.get("keep"):
            repo.forget(settings["keep"])
        # The restore check: the repository is sound, and what it gives back is what was staged.
        repo.check()
        for relpath in (bundle.MANIFEST, bundle.IAM_ZIP):
            data = repo.dump(summary["snapshot_id"], os.path.join(settings["stage_dir"], relpath))
            if relpath == bundle.MANIFEST:
                if bundle.read_manifest(data)["files"] != manifest["files"]:
                    raise bundle.BundleError("the manifest read back from the repository differs")
            else:
                bundle.verify_staged(manifest, relpath, data)
        details["restore_check"] = "passed"
    except (ResticError, bundle.BundleError, OSError, ValueError) as exc:
        details["reason"] = str(exc)
        audit.write("backup", settings["repository"], "failed", **details)
        return False, dict(details, duration=now() - started)
    except Exception as exc:  # pylint: disable=broad-except
        # The server's errors (the SDK's own types): a failed run all the same, said the same way.
        details["reason"] = "%s: %s" % (type(exc).__name__, exc)
        audit.write("backup", settings["repository"], "failed", **details)
        return False, dict(details, duration=now() - started)
    finally:
        if os.path.isdir(settings["stage_dir"]) and not settings.get("keep_stage"):
            # The stage holds every secret key of the server: it does not outlive the run.
            bundle.reset_stage(settings["stage_dir"])
    details["duration"] = now() - started
    audit.write("backup", settings["repository"], "changed", **details)
    return True, details


def main(argv=None):
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
    ok, details = run_backup(settings, create_clients(connection), audit)
    state_path = settings.get("state_file", DEFAULT_STATE)
    state = _read_state(state_path)
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
