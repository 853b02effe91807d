# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The nightly backup of what S3 cannot re-create: one run, its settings and its metrics.

The program s3share-backup (_programs/backup.py) calls run_backup. One run: a "started" audit line;
the stage (bundle.stage: IAM and bucket settings exports, records, the audit chain's head, the
manifest); one restic snapshot of the stage, the admin configuration and the audit logs; forget/prune
by the keep policy; then the restore check: restic check, and the manifest and the IAM export read
back from the repository and compared, byte for byte, with what was staged. The outcome is one audit
line and the textfile metrics that the monitoring role's alerts read (s3share_backup_*).
No Ansible import.
"""

import json
import os
import socket
import time

from ansible_collections.egid.s3share.plugins.module_utils._backup import bundle
from ansible_collections.egid.s3share.plugins.module_utils._backup.restic import Restic, ResticError, redact_repository
from ansible_collections.egid.s3share.plugins.module_utils._minio.audit import DEFAULT_AUDIT_LOG, utc_timestamp
from ansible_collections.egid.s3share.plugins.module_utils._minio.audit_chain import chain_head
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


def run_backup(settings, clients, audit, now=time.time, host=None, last_snapshot=None, restored=False):
    """One backup; returns (ok, details). Never raises for a failure of the target or the server.

    last_snapshot: the last good snapshot this host made (its state file), which must still be in the
    repository; restored: this host was restored from the repository (restore.py's marker). A repository
    that holds backups this host neither made nor was restored from is not backed up over."""
    started = now()
    repo = repository_of(settings)
    shown = redact_repository(settings["repository"])
    details = {"repository": shown}
    audit.write("backup", shown, "started")
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
        repo.check_reachable()
        if not repo.exists():
            if last_snapshot:
                # Not a new repository: the share is not the right one, or someone removed the repository.
                raise bundle.BundleError(
                    "the repository is gone or cannot be read, but this host backed up to it (its last good "
                    "snapshot is %s): no new repository is started over it; check the share (to start a new "
                    "repository on purpose, remove %s)" % (last_snapshot[:8], settings.get("state_file", DEFAULT_STATE)))
            repo.init()
            details["initialised"] = True
        else:
            held = repo.snapshots()
            # restic's backup summary names the snapshot by its short id.
            if last_snapshot and not any(snap["id"].startswith(last_snapshot) for snap in held):
                raise bundle.BundleError(
                    "snapshot %s, this host's last good backup, is no longer in the repository: snapshots were "
                    "removed by someone else (see restic snapshots)" % last_snapshot[:8])
            if held and not manifest["buckets"]:
                # The data disk was lost (or a new host before its restore): an empty server must not become
                # the latest snapshot.
                raise bundle.BundleError("the server holds no bucket but the repository holds backups: restore it "
                                         "first (restore.yml), or back up to another repository")
            if held and not last_snapshot and not restored and not settings.get("adopt_repository"):
                # A new host before its restore (even with the platform buckets of a first converge): what it
                # holds must not become the latest snapshot.
                raise bundle.BundleError(
                    "the repository holds backups that this host did not make and was not restored from: restore "
                    "it first (restore.yml), back up to another repository, or, when these are this host's own "
                    "backups and its state was lost, set backup_adopt_repository")
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
        audit.write("backup", shown, "failed", **details)
        return False, dict(details, duration=now() - started)
    except Exception as exc:  # pylint: disable=broad-except
        # The server's errors (the SDK's own types): a failed run all the same, said the same way.
        details["reason"] = "%s: %s" % (type(exc).__name__, exc)
        audit.write("backup", shown, "failed", **details)
        return False, dict(details, duration=now() - started)
    except SystemExit:
        details["reason"] = "interrupted (SIGTERM)"
        audit.write("backup", shown, "failed", **details)
        raise
    finally:
        if os.path.isdir(settings["stage_dir"]) and not settings.get("keep_stage"):
            # The stage holds every secret key of the server: it does not outlive the run.
            bundle.reset_stage(settings["stage_dir"])
    details["duration"] = now() - started
    audit.write("backup", shown, "changed", **details)
    return True, details
