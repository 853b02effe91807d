# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a backup holds that S3 cannot re-create, and how it is read back.

A backup is one restic snapshot of:
- the stage directory, written by stage(): the server's IAM export (iam.zip: users with their secret
  keys and status, groups, policies, service accounts with their expiry, the policy mappings), its
  bucket settings export (buckets.zip: versioning, quotas, policies, lifecycle...), the collaborator
  records (records/), optionally the objects of chosen buckets (data/), and manifest.json (what is in
  it, the sha256 of each staged file, and the head of the audit chain at the time of the backup);
- the admin configuration (/opt/minio-admin/etc) and the audit logs (actions.log and the S3 access
  log), backed up in place.
No Ansible import: the backup job runs it on the server.
"""

import hashlib
import io
import json
import os
import shutil
import zipfile

FORMAT = 1
MANIFEST = "manifest.json"
IAM_ZIP = "iam.zip"
BUCKETS_ZIP = "buckets.zip"
RECORDS_DIR = "records"
DATA_DIR = "data"
# The parts of MinIO's IAM export, and what each counts.
IAM_PARTS = {"users.json": "users", "svcaccts.json": "service_accounts", "policies.json": "policies",
             "groups.json": "groups"}


class BundleError(RuntimeError):
    """A backup cannot be made or read back."""


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def iam_counts(data):
    """How many users, service accounts, policies and groups an IAM export (zip bytes) holds."""
    counts = dict((name, 0) for name in IAM_PARTS.values())
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.namelist():
                part = IAM_PARTS.get(os.path.basename(member))
                if part:
                    counts[part] = len(json.loads(archive.read(member) or b"{}") or {})
    except (zipfile.BadZipFile, ValueError) as exc:
        raise BundleError("the IAM export is not a readable zip of JSON files: %s" % exc) from None
    return counts


def iam_service_accounts(data):
    """The service accounts of an IAM export: {access key: {parent, expiration}} (no secret)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for member in archive.namelist():
            if os.path.basename(member) == "svcaccts.json":
                accounts = json.loads(archive.read(member) or b"{}") or {}
                return dict((key, {"parent": value.get("parent"), "expiration": value.get("expiration")})
                            for key, value in accounts.items())
    return {}


def bucket_names(data):
    """The buckets of a bucket-settings export (zip bytes): the first part of each member's path."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return sorted(set(name.split("/")[0] for name in archive.namelist() if "/" in name))
    except zipfile.BadZipFile as exc:
        raise BundleError("the bucket settings export is not a readable zip: %s" % exc) from None


def _safe_name(name):
    """A record or object name as a relative path inside the stage: no absolute path, no '..'."""
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if not parts or ".." in parts:
        raise BundleError("refusing the object name %r: it would leave the stage directory" % name)
    return os.path.join(*parts)


def reset_stage(stage_dir):
    """An empty stage directory, root-only (it holds every secret key of the server until restic reads it)."""
    if os.path.isdir(stage_dir):
        shutil.rmtree(stage_dir)
    os.makedirs(stage_dir, 0o700)
    os.chmod(stage_dir, 0o700)


def write_staged(stage_dir, relpath, data):
    path = os.path.join(stage_dir, relpath)
    os.makedirs(os.path.dirname(path), 0o700, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return path


# The members of a policy statement that MinIO reads as sets (its export writes them in Go's map order).
_SET_MEMBERS = ("Action", "NotAction", "Resource", "NotResource")
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def _canonical_policies(data):
    """policies.json with each statement's sets sorted, so that one server's policies export the same bytes
    every time; the bytes unchanged when they are not the JSON expected."""
    try:
        policies = json.loads(data)
    except ValueError:
        return data
    if not isinstance(policies, dict):
        return data
    for document in policies.values():
        statements = document.get("Statement") if isinstance(document, dict) else None
        for statement in statements if isinstance(statements, list) else ():
            for member in _SET_MEMBERS:
                values = statement.get(member) if isinstance(statement, dict) else None
                if isinstance(values, list) and all(isinstance(v, str) for v in values):
                    statement[member] = sorted(values)
    return json.dumps(policies, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def canonical_zip(data):
    """The same export with the same bytes for the same content: members sorted by name, one fixed date,
    and the policies' sets sorted (MinIO stamps the export's time and writes sets in map order, so an
    unchanged server would otherwise give restic a new file every night). MinIO's import reads members
    by name and the sets as sets, so what it imports is unchanged."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = sorted((info.filename, archive.read(info)) for info in archive.infolist()
                             if not info.is_dir())
    except zipfile.BadZipFile as exc:
        raise BundleError("the server's export is not a readable zip: %s" % exc) from None
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            if os.path.basename(name) == "policies.json":
                content = _canonical_policies(content)
            info = zipfile.ZipInfo(name, _ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            archive.writestr(info, content)
    return out.getvalue()


def stage(stage_dir, clients, records_bucket, data_buckets=(), audit_head=None, server=None, created=None):
    """Export what S3 cannot re-create into stage_dir; returns the manifest (also written as manifest.json)."""
    reset_stage(stage_dir)
    iam = canonical_zip(clients.admin_call("GET", "export-iam"))
    buckets = canonical_zip(clients.admin_call("GET", "export-bucket-metadata"))
    write_staged(stage_dir, IAM_ZIP, iam)
    write_staged(stage_dir, BUCKETS_ZIP, buckets)
    records = 0
    if clients.s3.bucket_exists(records_bucket):
        for item in clients.s3.list_objects(records_bucket, recursive=True):
            response = clients.s3.get_object(records_bucket, item.object_name)
            try:
                write_staged(stage_dir, os.path.join(RECORDS_DIR, _safe_name(item.object_name)), response.read())
            finally:
                response.close()
                response.release_conn()
            records += 1
    objects = {}
    for bucket in data_buckets:
        count = 0
        for item in clients.s3.list_objects(bucket, recursive=True):
            if item.is_dir:
                continue
            clients.s3.fget_object(bucket, item.object_name,
                                   os.path.join(stage_dir, DATA_DIR, bucket, _safe_name(item.object_name)))
            count += 1
        objects[bucket] = count
    files = {}
    for root, _dirs, names in os.walk(stage_dir):
        for name in names:
            path = os.path.join(root, name)
            files[os.path.relpath(path, stage_dir)] = sha256_file(path)
    manifest = {"format": FORMAT, "created": created, "server": server, "iam": iam_counts(iam),
                "buckets": bucket_names(buckets), "records": records, "data_buckets": objects,
                "audit_head": audit_head, "files": files}
    write_staged(stage_dir, MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode("utf-8"))
    return manifest


def read_manifest(data):
    try:
        manifest = json.loads(data)
    except ValueError as exc:
        raise BundleError("the backup's manifest is not JSON: %s" % exc) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BundleError("the backup's manifest has an unknown format %r" % (
            manifest.get("format") if isinstance(manifest, dict) else manifest))
    return manifest


def verify_staged(manifest, relpath, data):
    """Whether a file read back from the repository is the one staged (sha256 of the manifest)."""
    wanted = manifest["files"].get(relpath)
    if wanted is None:
        raise BundleError("%s is not in the backup's manifest" % relpath)
    if hashlib.sha256(data).hexdigest() != wanted:
        raise BundleError("%s read back from the repository differs from the one backed up" % relpath)
    return data
