# -*- coding: utf-8 -*-
"""Real clients for the collaborator escape suite, and what they saw.

Every helper here sends a real request to the real MinIO server of the test
bed and turns the answer into an ``Outcome``: whether the server granted the
request, the error code it answered with (S3 XML, admin JSON, STS XML, or
mc's JSON error), and what came back. Nothing is simulated: a helper that
cannot tell what the server said reports ``code=None`` and the assertions
fail on it.

The clients are boto3 (an S3 client independent of MinIO), the minio SDK
(``MinioAdmin``, for the admin API), raw SigV4-signed HTTP requests sent with
``http.client`` (so that paths such as ``%2e%2e`` reach the server exactly as
written), unsigned HTTP requests, and the real ``mc`` binary.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import re
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Callable, Optional

# --------------------------------------------------------------------------- outcomes
DENIED = ("AccessDenied",)
# The server refusing the credentials themselves (deleted, disabled or rotated).
CREDENTIALS_REJECTED = ("InvalidAccessKeyId", "SignatureDoesNotMatch", "XMinioAccessKeyDisabled",
                        "InvalidTokenId", "ExpiredToken", "InvalidClientTokenId")


@dataclass
class Outcome:
    """What one real request got from the server."""

    client: str
    ok: bool
    code: Optional[str] = None
    status: Optional[int] = None
    value: Any = None
    detail: str = ""

    def __str__(self):
        state = "GRANTED" if self.ok else "refused %s (HTTP %s)" % (self.code, self.status)
        return "%s: %s %s" % (self.client, state, (self.detail or repr(self.value))[:400])


def assert_denied(outcome, codes=DENIED, what=""):
    """The server refused the request with one of the expected error codes."""
    assert not outcome.ok, "ESCAPE %s: the server granted it: %s" % (what, outcome)
    assert outcome.code in codes, "%s: refused, but with %r instead of %r: %s" % (what, outcome.code, codes, outcome)


def assert_granted(outcome, what=""):
    assert outcome.ok, "%s: legitimate access refused: %s" % (what, outcome)


# --------------------------------------------------------------------------- boto3
def boto3_client(server, access_key, secret_key, session_token=None, service="s3", validate=True):
    """A boto3 client for the test server that verifies TLS with the test CA; no retries."""
    import boto3
    from botocore.config import Config
    config = Config(signature_version="s3v4", s3={"addressing_style": "path"},
                    retries={"max_attempts": 1, "mode": "standard"}, parameter_validation=validate,
                    connect_timeout=10, read_timeout=30)
    return boto3.client(service, endpoint_url=server.endpoint, aws_access_key_id=access_key,
                        aws_secret_access_key=secret_key, aws_session_token=session_token,
                        region_name="us-east-1", verify=server.ca_path, config=config)


def boto3_call(func: Callable, *args, **kwargs) -> Outcome:
    """Run one boto3 operation; a streaming body is read to the end."""
    from botocore.exceptions import ClientError
    try:
        result = func(*args, **kwargs)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        code = error.get("Code")
        if code in (None, "", str(status)):
            # HEAD answers carry no body: only the status tells.
            code = {403: "AccessDenied", 404: "NotFound", 400: "BadRequest"}.get(status, code)
        return Outcome("boto3", False, code, status, None, str(exc))
    if isinstance(result, dict):
        body = result.get("Body")
        if body is not None and hasattr(body, "read"):
            result = dict(result, Body=body.read())
        result = {k: v for k, v in result.items() if k != "ResponseMetadata"}
    return Outcome("boto3", True, None, 200, result)


# --------------------------------------------------------------------------- minio SDK admin client
def admin_client(server, access_key, secret_key, session_token=None):
    import urllib3
    from minio import MinioAdmin
    from minio.credentials import StaticProvider
    http = urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs=server.ca_path, retries=urllib3.Retry(total=0))
    return MinioAdmin(endpoint="127.0.0.1:%d" % server.port,
                      credentials=StaticProvider(access_key, secret_key, session_token), secure=True, http_client=http)


def admin_call(func: Callable, *args, **kwargs) -> Outcome:
    """Run one MinioAdmin call (the madmin API, as mc admin uses it)."""
    from minio.error import MinioAdminException
    try:
        result = func(*args, **kwargs)
    except MinioAdminException as exc:
        body = getattr(exc, "_body", "") or ""
        try:
            code = json.loads(body).get("Code")
        except ValueError:
            code = None
        status = getattr(exc, "_code", None)
        try:
            status = int(status)
        except (TypeError, ValueError):
            pass
        return Outcome("minio-py admin", False, code, status, None, body[:300])
    if isinstance(result, (str, bytes)):
        try:
            result = json.loads(result)
        except ValueError:
            pass
    return Outcome("minio-py admin", True, None, 200, result)


# --------------------------------------------------------------------------- raw HTTP
def _xml_code(body):
    match = re.search(rb"<Code>([^<]+)</Code>", body or b"")
    return match.group(1).decode() if match else None


def raw_request(server, method, path, access_key=None, secret_key=None, body=b"", headers=None) -> Outcome:
    """Send ``path`` byte for byte (no client-side normalisation of '..', '%2e' or '//').

    Signed with SigV4 when credentials are given, anonymous otherwise.
    """
    headers = dict(headers or {})
    if access_key:
        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        headers["x-amz-content-sha256"] = hashlib.sha256(body).hexdigest()
        request = AWSRequest(method=method, url=server.endpoint + path, data=body, headers=headers)
        S3SigV4Auth(Credentials(access_key, secret_key), "s3", "us-east-1").add_auth(request)
        headers = dict(request.headers.items())
    context = ssl.create_default_context(cafile=server.ca_path)
    conn = http.client.HTTPSConnection("127.0.0.1", server.port, context=context, timeout=30)
    try:
        conn.request(method, path, body=body or None, headers=headers)
        response = conn.getresponse()
        data = response.read()
    finally:
        conn.close()
    client = "raw-signed" if access_key else "anonymous"
    if 200 <= response.status < 300:
        return Outcome(client, True, None, response.status, data)
    return Outcome(client, False, _xml_code(data), response.status, None, data[:300].decode("utf-8", "replace"))


def fetch_url(server, url, method="GET") -> Outcome:
    """Fetch a (presigned) URL with urllib, verifying TLS with the test CA."""
    context = ssl.create_default_context(cafile=server.ca_path)
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, context=context, timeout=30) as response:
            return Outcome("urllib", True, None, response.status, response.read())
    except urllib.error.HTTPError as exc:
        data = exc.read()
        return Outcome("urllib", False, _xml_code(data), exc.code, None, data[:300].decode("utf-8", "replace"))


# --------------------------------------------------------------------------- mc
_MC_MESSAGES = (
    ("insufficient permissions", "AccessDenied"),
    ("access denied", "AccessDenied"),
    ("the specified key does not exist", "NoSuchKey"),
    ("object does not exist", "NoSuchKey"),
    ("bad components", "XMinioInvalidResourceName"),
)


_STATUS_CODES = {"400 Bad Request": "BadRequest", "403 Forbidden": "AccessDenied", "404 Not Found": "NotFound"}


def _mc_error_code(error):
    """The server's error code inside one of mc's JSON error records."""
    if isinstance(error, str):
        text = error
    else:
        cause = error.get("cause") or {}
        inner = cause.get("error") if isinstance(cause, dict) else None
        if isinstance(inner, dict) and inner.get("Code"):
            # A refused HEAD has no body; mc then reports the status line as the code.
            return _STATUS_CODES.get(inner["Code"], inner["Code"])
        text = json.dumps(error)
    lowered = text.lower()
    for needle, code in _MC_MESSAGES:
        if needle in lowered:
            return code
    return None


def mc_outcome(proc) -> Outcome:
    """Read mc --json output: any record with status "error" means refused.

    mc sometimes exits 0 on a refusal (``mc admin info`` prints an error record
    and exits 0), so the exit code alone is not trusted.
    """
    records, errors = [], []
    for line in proc.stdout.splitlines():
        line = line.strip()
        if not line:
            continue
        if "{" in line and not line.startswith("{"):
            line = line[line.index("{"):]   # mc pipe prints its progress before the JSON record
        try:
            record = json.loads(line)
        except ValueError:
            records.append(line)
            continue
        records.append(record)
        if isinstance(record, dict) and record.get("status") == "error":
            errors.append(record.get("error"))
    if proc.returncode == 0 and not errors:
        return Outcome("mc", True, None, 0, records, proc.stdout[:300])
    code = None
    for error in errors:
        code = _mc_error_code(error)
        if code:
            break
    if code is None and not errors:
        code = _mc_error_code(proc.stderr)
    return Outcome("mc", False, code, proc.returncode, records, (proc.stdout + proc.stderr)[:400])


# --------------------------------------------------------------------------- server state
def _canonical(value):
    """A policy document in a stable form: MinIO returns the actions of a statement in any order."""
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_canonical(v) for v in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    return value


def object_versions(s3, bucket):
    """Every version and delete marker of a bucket, as comparable tuples (root client)."""
    rows = []
    for obj in s3.list_objects(bucket, recursive=True, include_version=True):
        rows.append((obj.object_name, obj.version_id, bool(obj.is_latest == "true" or obj.is_latest is True),
                     bool(obj.is_delete_marker), obj.etag, obj.size,
                     obj.last_modified.isoformat() if obj.last_modified else None))
    return sorted(rows, key=lambda row: tuple("" if v is None else str(v) for v in row))


def _or_none(func, *args):
    from minio.error import S3Error
    try:
        value = func(*args)
    except S3Error as exc:
        return "error:%s" % exc.code
    except ValueError:
        return None
    if value is None:
        return None
    if hasattr(value, "status"):          # VersioningConfig
        return (value.status, tuple(getattr(value, "excluded_prefixes", None) or ()),
                getattr(value, "exclude_folders", None))
    if hasattr(value, "rules"):           # LifecycleConfig and similar
        return repr([vars(rule) for rule in value.rules])
    if isinstance(value, dict):
        return sorted(value.items())
    return value


def server_state(root_clients, buckets, records_bucket, users, probes=(), iam_detail=()):
    """A comparable picture of everything a collaborator could try to change.

    ``root_clients`` is the (Minio, MinioAdmin) pair of the root, from
    MinioServer.clients().

    * IAM, through the root admin client: every policy (full documents), the
      groups, and for each user of interest its attached policy and status;
      for the ``iam_detail`` users, their service accounts. That list answer
      is Argon2-encrypted (about 0.1 s on each side, more on a loaded
      machine), so only attacks on the admin and STS APIs ask for it. A user
      an attack might create is passed in ``users``: user_info answers
      "no such user" until it exists.
    * ``probes``: callables that sign a request with a collaborator's known
      secret; a self-service password change shows up there (MinIO keeps
      ``updatedAt`` unchanged when a user's secret is reset).
    * Data, through the root S3 client: the bucket list; for each bucket every
      version and delete marker (key, version id, latest, etag, size, time),
      the tags and metadata of every current object (one ListObjectsV2 with
      MinIO's ``metadata=true``, which returns each object's tags), the bucket
      policy, versioning (with excluded prefixes), lifecycle and tags; the
      listing of the records bucket.
    """
    s3, admin = root_clients
    state = {"policies": {name: _canonical(doc) for name, doc in json.loads(admin.policy_list()).items()},
             "groups": json.loads(admin.group_list() or "[]"),
             "users": {}}
    for access_key in users:
        try:
            info = json.loads(admin.user_info(access_key))
            state["users"][access_key] = {k: info.get(k) for k in ("policyName", "status", "memberOf")}
        except Exception as exc:  # pylint: disable=broad-except
            state["users"][access_key] = "error:%s" % type(exc).__name__
    if iam_detail:
        state["service_accounts"] = {}
        for access_key in iam_detail:
            accounts = json.loads(admin.list_service_account(access_key)).get("accounts") or []
            state["service_accounts"][access_key] = sorted(a["accessKey"] for a in accounts)
    state["probes"] = {name: probe() for name, probe in probes}
    existing = sorted(b.name for b in s3.list_buckets())
    state["buckets"] = existing
    for bucket in buckets:
        if bucket not in existing:
            state[bucket] = "absent"
            continue
        current = sorted((o.object_name, sorted((o.tags or {}).items()), sorted((o.metadata or {}).items()))
                         for o in s3.list_objects(bucket, recursive=True, include_user_meta=True))
        state[bucket] = {
            "versions": object_versions(s3, bucket),
            "current_tags_and_metadata": current,
            "policy": _or_none(s3.get_bucket_policy, bucket),
            "versioning": _or_none(s3.get_bucket_versioning, bucket),
            "lifecycle": _or_none(s3.get_bucket_lifecycle, bucket),
            "tags": _or_none(s3.get_bucket_tags, bucket),
        }
    state["records"] = object_versions(s3, records_bucket) if records_bucket in existing else None
    return state


def state_diff(before, after, path=""):
    """Human-readable differences between two server_state() pictures."""
    if before == after:
        return []
    if isinstance(before, dict) and isinstance(after, dict):
        lines = []
        for key in sorted(set(before) | set(after), key=str):
            lines += state_diff(before.get(key, "<missing>"), after.get(key, "<missing>"), "%s/%s" % (path, key))
        return lines
    if isinstance(before, list) and isinstance(after, list):
        gone = [item for item in before if item not in after]
        new = [item for item in after if item not in before]
        return ["%s: removed %r, added %r" % (path, gone, new)]
    return ["%s: %r -> %r" % (path, before, after)]


def put_bytes(s3, bucket, key, data):
    s3.put_object(bucket, key, io.BytesIO(data), len(data))
