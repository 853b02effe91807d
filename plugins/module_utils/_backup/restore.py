# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Restore a backup onto a new, empty server: plan (read only), then apply.

The plan reads the snapshot's manifest and exports from the repository (each compared with the sha256
the manifest recorded), verifies the backed-up audit log against the chain head the backup kept, and
looks at the target server: one that already holds buckets is live, and is refused unless forced.
Applying imports the bucket settings, then the IAM export (users keep their secret keys and status,
service accounts their expiry), puts the collaborator records back, moves the audit logs into place
(the new host's own lines until then are kept beside them, named in the restore's audit line) and
appends the restore's own line to the restored chain. A marker records which snapshot was restored,
so that a second run reports no change.
No Ansible import.
"""

import datetime
import fcntl
import json
import os
import re
import shutil
import tempfile
import time

from ansible_collections.egid.s3share.plugins.module_utils._backup import bundle
from ansible_collections.egid.s3share.plugins.module_utils._backup.restic import ResticError, redact_repository
from ansible_collections.egid.s3share.plugins.module_utils._host.fs import replace_file
from ansible_collections.egid.s3share.plugins.module_utils._minio.audit_chain import (
    HEAD_SUFFIX, LOCK_SUFFIX, lock_path, verify_chain,
)

DEFAULT_MARKER = "/var/lib/s3share-backup/restored.json"


class RestoreError(RuntimeError):
    """The restore cannot go on; nothing further is changed."""


_TIME_RE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def snapshot_time(value):
    """restic's time of a snapshot ("2026-12-07T14:50:47.123456789+01:00", with the backup host's offset) as
    seconds since the epoch, so that snapshots taken in other offsets (or either side of a DST change) order
    by when they were taken."""
    match = _TIME_RE.match(value or "")
    if not match:
        raise RestoreError("a snapshot has a time restic does not write: %r" % (value,))
    fraction = (match.group(2) or ".0")[:7]
    zone = "+00:00" if match.group(3) == "Z" else match.group(3)
    return datetime.datetime.fromisoformat(match.group(1) + fraction + zone).timestamp()


def is_latest(wanted):
    return wanted in (None, "", "latest")


def pick_snapshot(snapshots, wanted="latest"):
    """The snapshot to restore: the newest one, or the one whose id (or an unambiguous prefix of it) is wanted."""
    if not snapshots:
        raise RestoreError("the repository holds no s3share snapshot")
    if is_latest(wanted):
        return max(snapshots, key=lambda snap: snapshot_time(snap["time"]))
    found = [snap for snap in snapshots if snap["id"] == wanted or snap["id"].startswith(wanted)]
    if len(found) > 1:
        raise RestoreError("%s names %d snapshots: give more of its id" % (wanted, len(found)))
    if not found:
        raise RestoreError("no snapshot %s in the repository" % wanted)
    return found[0]


def read_marker(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def marker_path(settings):
    """Where the restored snapshot is recorded (in the backup's state directory)."""
    return settings.get("restore_marker") or os.path.join(settings.get("work_dir", os.path.dirname(DEFAULT_MARKER)),
                                                          os.path.basename(DEFAULT_MARKER))


def plan(repo, settings, clients, snapshot="latest", force=False):
    """What a restore would do; reads only (the audit log is checked in a temporary copy that is removed)."""
    snap = pick_snapshot(repo.snapshots(), snapshot)
    stage = settings["stage_dir"]
    try:
        manifest = bundle.read_manifest(repo.dump(snap["id"], os.path.join(stage, bundle.MANIFEST)))
        iam = bundle.verify_staged(manifest, bundle.IAM_ZIP, repo.dump(snap["id"], os.path.join(stage, bundle.IAM_ZIP)))
        buckets = bundle.verify_staged(manifest, bundle.BUCKETS_ZIP,
                                       repo.dump(snap["id"], os.path.join(stage, bundle.BUCKETS_ZIP)))
    except ResticError as exc:
        raise RestoreError("cannot read snapshot %s: %s" % (snap["short_id"], exc)) from None
    done = read_marker(marker_path(settings))
    result = {"snapshot": snap["id"], "snapshot_time": snap["time"], "snapshot_host": snap.get("hostname"),
              "iam": manifest["iam"], "buckets": manifest["buckets"], "records": manifest["records"],
              "data_buckets": manifest.get("data_buckets") or {}, "audit_head": manifest.get("audit_head"),
              "already_restored": bool(done and done.get("snapshot") == snap["id"])}
    if result["already_restored"]:
        return result, iam, buckets
    live = sorted(b.name for b in clients.s3.list_buckets())
    result["live_buckets"] = live
    if done and live and is_latest(snapshot):
        # This server was restored, and has backed itself up since: "latest" is one of its own backups. A run
        # of restore.yml again is a no-change run, not a restore over the live server.
        result.update(already_restored=True, restored_snapshot=done.get("snapshot"),
                      restored_at=done.get("restored_at"))
        return result, iam, buckets
    if live and not force:
        raise RestoreError("the target server is live: it already holds the buckets %s; restore only onto a new "
                           "server, or set force to overwrite it" % ", ".join(live[:10]))
    audit_log = settings["audit_log"]
    scratch = tempfile.mkdtemp(prefix="restore-check-", dir=_work_dir(settings))
    try:
        repo.restore(snap["id"], scratch, [os.path.dirname(audit_log)])
        copy = scratch + audit_log
        if os.path.exists(copy):
            report = verify_chain(copy, expect_head=manifest.get("audit_head"))
        else:
            report = {"ok": manifest.get("audit_head") is None, "lines": 0, "problems": [] if not manifest.get(
                "audit_head") else [{"kind": "missing", "file": audit_log}]}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    result["audit_verify"] = report
    if not report.get("ok") and not force:
        raise RestoreError("the backed-up audit log does not verify against the chain head of the backup "
                           "(%s); set force to restore it anyway" % json.dumps(report.get("problems", [])[:3]))
    return result, iam, buckets


def _import(clients, command, data):
    answer = clients.admin_call("PUT", command, body=data)
    try:
        return json.loads(answer or b"{}")
    except ValueError:
        return {}


def apply(repo, settings, clients, audit, result, iam, buckets, now=time.time):
    """Restore the snapshot planned in result. Returns the details recorded in the restore's audit line."""
    snap = result["snapshot"]
    audit_log = settings["audit_log"]
    repository = redact_repository(settings["repository"])
    audit.write("restore", snap, "started", repository=repository)
    details = {"snapshot": snap, "snapshot_time": result["snapshot_time"], "repository": repository}
    stage = settings["stage_dir"]
    try:
        files = bundle.read_manifest(repo.dump(snap, os.path.join(stage, bundle.MANIFEST)))["files"]
    except ResticError as exc:
        raise RestoreError("cannot read snapshot %s: %s" % (snap[:8], exc)) from None
    bucket_answer = _import(clients, "import-bucket-metadata", buckets)
    iam_answer = _import(clients, "import-iam-v2", iam)
    failed = (iam_answer.get("failed") or {})
    details["iam_failed"] = dict((kind, [entry.get("name") for entry in entries or []])
                                 for kind, entries in failed.items() if entries)
    details["bucket_import"] = sorted((bucket_answer.get("buckets") or {}).keys()) if isinstance(
        bucket_answer.get("buckets"), dict) else None
    scratch = tempfile.mkdtemp(prefix="restore-", dir=_work_dir(settings))
    try:
        includes = [os.path.join(stage, bundle.RECORDS_DIR), os.path.join(stage, bundle.DATA_DIR),
                    os.path.dirname(audit_log)] + list(settings.get("paths", []))
        repo.restore(snap, scratch, includes)
        records_bucket = settings.get("records_bucket", "s3share-records")
        unpacked = scratch + stage
        details["records"] = _put_tree(clients, unpacked, bundle.RECORDS_DIR, records_bucket, files)
        data_root = os.path.join(unpacked, bundle.DATA_DIR)
        details["data_objects"] = dict(
            (bucket, _put_tree(clients, unpacked, os.path.join(bundle.DATA_DIR, bucket), bucket, files))
            for bucket in (sorted(os.listdir(data_root)) if os.path.isdir(data_root) else []))
        # The new host's own audit lines so far (its converge) are kept beside the restored log.
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now()))
        moved = []
        # Under the log's lock: a writer (the sweep's timer) appends to the old log or to the restored one.
        with open(lock_path(audit_log), "a", encoding="utf-8") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if os.path.exists(audit_log):
                aside = "%s.pre-restore-%s" % (audit_log, stamp)
                os.rename(audit_log, aside)
                details["pre_restore_log"] = aside
                if os.path.exists(audit_log + HEAD_SUFFIX):
                    os.rename(audit_log + HEAD_SUFFIX, aside + HEAD_SUFFIX)
            for path in [os.path.dirname(audit_log)] + list(settings.get("log_paths", [])):
                moved += _move_tree(scratch + path, path)
        details["log_files"] = len(moved)
        # The admin configuration as it was, for the admins to compare: the roles write the live one.
        etc_root = os.path.join(settings.get("restored_dir", "/var/lib/s3share-backup/restored"), snap[:8])
        for path in settings.get("config_paths", []):
            if os.path.isdir(scratch + path):
                _move_tree(scratch + path, etc_root + path)
        details["restored_config"] = etc_root
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    details["audit_verify_ok"] = bool(result.get("audit_verify", {}).get("ok"))
    audit.write("restore", snap, "changed", **details)
    replace_file(marker_path(settings), json.dumps({"snapshot": snap, "restored_at": now()}).encode("utf-8"), 0o600)
    return details


def _work_dir(settings):
    """Where a restore unpacks (root-only, on the same file system as the logs it moves into place)."""
    path = settings.get("work_dir", "/var/lib/s3share-backup")
    os.makedirs(path, 0o700, exist_ok=True)
    return path


def _put_tree(clients, unpacked, part, bucket, files):
    """Put the files of the stage's part (records/, data/<bucket>/) back into bucket, each one first compared
    with the sha256 the backup's manifest recorded for it."""
    count = 0
    root = os.path.join(unpacked, part)
    if not os.path.isdir(root):
        return count
    for top, _dirs, names in os.walk(root):
        for name in sorted(names):
            path = os.path.join(top, name)
            relpath = os.path.relpath(path, unpacked)
            if files.get(relpath) != bundle.sha256_file(path):
                raise RestoreError("%s of the snapshot differs from its manifest (or is not in it): nothing more "
                                   "is put back" % relpath)
            clients.s3.fput_object(bucket, os.path.relpath(path, root), path)
            count += 1
    return count


def _move_tree(source, target):
    """Move the files under source to the same place under target (replacing any there); returns them.

    A directory under target may belong to a service account (/var/log/s3share): a symbolic link there is
    refused rather than followed, and each file moved is owned by target's owner, whatever numeric owner
    the old host gave it."""
    moved = []
    if not os.path.isdir(source):
        return moved
    os.makedirs(target, 0o750, exist_ok=True)
    owner = os.lstat(target)
    for top, _dirs, names in os.walk(source):
        relative = os.path.relpath(top, source)
        parts = [] if relative == "." else relative.split(os.sep)
        destination = os.path.join(target, *parts)
        for depth in range(1, len(parts) + 1):
            if os.path.islink(os.path.join(target, *parts[:depth])):
                raise RestoreError("%s is a symbolic link: nothing is moved through it" % os.path.join(
                    target, *parts[:depth]))
        os.makedirs(destination, 0o750, exist_ok=True)
        for name in names:
            if name.endswith(LOCK_SUFFIX):
                continue  # the live lock file stays: writers lock that one
            final = os.path.join(destination, name)
            if os.path.islink(final):
                os.unlink(final)  # replaced by the file, never written through
            os.lchown(os.path.join(top, name), owner.st_uid, owner.st_gid)
            os.replace(os.path.join(top, name), final)
            moved.append(final)
    return moved
