# -*- coding: utf-8 -*-
"""Upstream #21653 (after our tag): a conditional write needs a readable current version.

PutObject, CreateMultipartUpload and CompleteMultipartUpload with If-None-Match
or If-Match read the current version under the write lock. A read-quorum error
there was treated like "no such object": If-None-Match: * overwrote an object
that exists, and If-Match was not checked at all. Patched, the write fails
(503, retryable): without quorum the precondition cannot be decided.

The state is real, not simulated: a MinIO of its own with six drives and
EC:2 (read quorum 4, write quorum 4), run as ``nobody`` so that file
permissions hold. On the object's xl.meta: three copies good, two ``chmod
000`` (reads fail with EACCES, errFileAccessDenied, not ignored) and one
removed. The latest version is still found (three copies agree), but only
three drives back it, fewer than its read quorum, so the server answers 503
on HEAD (checked first) and the object is not taken for dangling (the EACCES
answers are not "not found"). A write still reaches four drives: the two
EACCES drives refuse the rename of the new xl.meta, the others take it.
EC:3 would not do: there a version on three drives is readable, on two it
is dropped and the object reads as missing (404), which the old code also
answered correctly.

Each write must be refused with a 5xx and, once the drives are readable
again, the object must still hold its first content. The same writes on a
healthy object answer 412. Fails on the unpatched build (200, overwritten).
Needs root (to own the drives for another user) and setpriv.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from testbed_common import free_port, make_pki, wait_https_ok

RUN_AS = "nobody"
DRIVES = 6
ORIGINAL = b"first version, must survive"


def _minio_bin(request):
    path = os.environ.get("MINIO_BIN")
    if not path:
        try:
            path = request.getfixturevalue("binaries")["minio"]
        except pytest.FixtureLookupError:
            pytest.skip("set MINIO_BIN to the minio binary under test")
    assert os.access(path, os.X_OK), "%s is not an executable" % path
    return path


class ErasureServer:
    """MinIO on six local drives, EC:2, running as RUN_AS without capabilities."""

    def __init__(self, binary):
        user = pwd.getpwnam(RUN_AS)
        self.uid, self.gid = user.pw_uid, user.pw_gid
        self.workdir = Path(tempfile.mkdtemp(prefix="s3share-pr21653-"))
        self.access_key = "root" + secrets.token_hex(4)
        self.secret_key = secrets.token_urlsafe(24)
        # A copy the unprivileged user can read (the cache may be under /root).
        self.binary = self.workdir / "minio"
        shutil.copy(binary, self.binary)
        self.pki = make_pki(self.workdir / "pki")
        self.ca_path = self.pki["ca_path"]
        for i in range(1, DRIVES + 1):
            (self.workdir / ("d%d" % i)).mkdir()
        for root, dirs, files in os.walk(self.workdir):
            for name in [root] + [os.path.join(root, n) for n in dirs + files]:
                os.chown(name, self.uid, self.gid)
        self.port = free_port()
        env = dict(os.environ, MINIO_ROOT_USER=self.access_key, MINIO_ROOT_PASSWORD=self.secret_key,
                   MINIO_UPDATE="off", MINIO_CI_CD="1", MINIO_BROWSER="off",
                   MINIO_STORAGE_CLASS_STANDARD="EC:2", HOME=str(self.workdir))
        self.log = open(self.workdir / "server.log", "ab")
        self.proc = subprocess.Popen(
            ["setpriv", "--reuid=%d" % self.uid, "--regid=%d" % self.gid, "--clear-groups", "--",
             str(self.binary), "server", "--quiet", "--address", "127.0.0.1:%d" % self.port,
             "--certs-dir", self.pki["certs_dir"], str(self.workdir / ("d{1...%d}" % DRIVES))],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        if not self._wait_ready():
            self.stop()
            raise RuntimeError("MinIO did not start; see %s" % (self.workdir / "server.log"))

    def _wait_ready(self, timeout=60):
        return wait_https_ok("https://127.0.0.1:%d/minio/health/cluster" % self.port, self.ca_path, self.proc, timeout)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def s3(self):
        import boto3
        from botocore.config import Config
        # No retries: a 503 is the answer under test, not something to hide.
        return boto3.client("s3", endpoint_url="https://127.0.0.1:%d" % self.port, verify=self.ca_path,
                            aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key,
                            region_name="us-east-1",
                            config=Config(retries={"total_max_attempts": 1}, s3={"addressing_style": "path"}))

    def xl_meta(self, drive, bucket, key):
        return self.workdir / ("d%d" % drive) / bucket / key / "xl.meta"


@pytest.fixture(scope="module")
def erasure(request):
    if os.geteuid() != 0:
        pytest.skip("needs root: the drives are handed to %r, which runs the server" % RUN_AS)
    if not shutil.which("setpriv"):
        pytest.skip("needs setpriv (util-linux) to run the server as %r" % RUN_AS)
    try:
        pwd.getpwnam(RUN_AS)
    except KeyError:
        pytest.skip("no user %r to run the server as" % RUN_AS)
    srv = ErasureServer(_minio_bin(request))
    s3 = srv.s3()
    bucket = "cond-rq-%s" % secrets.token_hex(4)
    s3.create_bucket(Bucket=bucket)
    yield srv, s3, bucket
    srv.stop()
    shutil.rmtree(srv.workdir, ignore_errors=True)


def _status(call, **kwargs):
    """(HTTP status, S3 error code or None) of one boto3 call."""
    from botocore.exceptions import ClientError
    try:
        reply = call(**kwargs)
        return reply["ResponseMetadata"]["HTTPStatusCode"], None
    except ClientError as e:
        return e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"].get("Code")


def _with_headers(s3, operation, headers):
    """Register a hook that adds headers to the next `operation` calls; returns the unregister function."""
    def add(request, **dummy):
        for name, value in headers.items():
            request.headers[name] = value
    event = "before-sign.s3.%s" % operation
    s3.meta.events.register(event, add)
    return lambda: s3.meta.events.unregister(event, add)


class Unreadable:
    """The object's xl.meta: drives 1-2 unreadable (EACCES), drive 3 missing, 4-6 good."""

    def __init__(self, srv, s3, bucket, key):
        self.srv, self.s3, self.bucket, self.key = srv, s3, bucket, key

    def __enter__(self):
        for drive in (1, 2):
            os.chmod(self.srv.xl_meta(drive, self.bucket, self.key), 0)
        os.unlink(self.srv.xl_meta(3, self.bucket, self.key))
        # The precondition of the test: the current version cannot be read with quorum.
        status = _status(self.s3.head_object, Bucket=self.bucket, Key=self.key)
        assert status[0] == 503, "HEAD on the broken object should be a read-quorum error: %r" % (status,)
        return self

    def __exit__(self, *exc):
        for drive in (1, 2):
            os.chmod(self.srv.xl_meta(drive, self.bucket, self.key), 0o644)
        return False


def _new_object(s3, bucket, tag):
    key = "%s-%s" % (tag, secrets.token_hex(4))
    etag = s3.put_object(Bucket=bucket, Key=key, Body=ORIGINAL)["ETag"]
    return key, etag


def _content(s3, bucket, key):
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def _complete(s3, bucket, key, **cond):
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=1, Body=b"multipart overwrite")
    try:
        return _status(s3.complete_multipart_upload, Bucket=bucket, Key=key, UploadId=upload,
                       MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]}, **cond)
    finally:
        _status(s3.abort_multipart_upload, Bucket=bucket, Key=key, UploadId=upload)


def _create(s3, bucket, key, headers):
    unregister = _with_headers(s3, "CreateMultipartUpload", headers)
    try:
        from botocore.exceptions import ClientError
        try:
            reply = s3.create_multipart_upload(Bucket=bucket, Key=key)
        except ClientError as e:
            return e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"].get("Code")
        s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=reply["UploadId"])
        return 200, None
    finally:
        unregister()


WRONG_ETAG = '"%s"' % ("0" * 32)
WRITES = {
    "put-if-none-match": lambda s3, b, k: _status(s3.put_object, Bucket=b, Key=k, Body=b"overwrite!",
                                                  IfNoneMatch="*"),
    "put-if-match": lambda s3, b, k: _status(s3.put_object, Bucket=b, Key=k, Body=b"overwrite!",
                                             IfMatch=WRONG_ETAG),
    "complete-if-none-match": lambda s3, b, k: _complete(s3, b, k, IfNoneMatch="*"),
    "complete-if-match": lambda s3, b, k: _complete(s3, b, k, IfMatch=WRONG_ETAG),
    "create-if-none-match": lambda s3, b, k: _create(s3, b, k, {"If-None-Match": "*"}),
}


@pytest.mark.parametrize("write", sorted(WRITES))
def test_conditional_write_on_healthy_object_is_412(erasure, write):
    dummy, s3, bucket = erasure
    key, dummy = _new_object(s3, bucket, "healthy")
    assert WRITES[write](s3, bucket, key) == (412, "PreconditionFailed")
    assert _content(s3, bucket, key) == ORIGINAL


@pytest.mark.parametrize("write", sorted(WRITES))
def test_conditional_write_without_read_quorum_is_refused(erasure, write):
    srv, s3, bucket = erasure
    key, dummy = _new_object(s3, bucket, "noquorum")
    with Unreadable(srv, s3, bucket, key):
        status, code = WRITES[write](s3, bucket, key)
    # Readable again (five copies of six): the first content must still be there.
    content = _content(s3, bucket, key)
    assert (500 <= status < 600, content) == (True, ORIGINAL), \
        "conditional write answered %s %s (not a 5xx); the object now holds %r" % (status, code, content)
    assert code == "SlowDownRead", code  # MinIO's code for InsufficientReadQuorum (503)
