# -*- coding: utf-8 -*-
"""CVE-2026-40344 (GHSA-9c4q-hq6p-c237): Snowball auto-extract with an unsigned trailer.

PutObjectExtractHandler had no case for STREAMING-UNSIGNED-PAYLOAD-TRAILER, so
a PUT with ``X-Amz-Meta-Snowball-Auto-Extract: true`` that names a real
access key with a signature of zeros had its tar extracted into the bucket:
only the access key was checked, never the secret. Both ways of naming the
key are tried: the Authorization header and the query string. The patched
server must refuse both and write nothing; a correctly signed extract, with
and without the unsigned trailer, must still work.

Fails on the unpatched build: both attacks answer 200 and the members appear.
"""

from __future__ import annotations

import base64
import io
import secrets
import struct
import tarfile
import zlib

import pytest

from advisory_http import UNSIGNED_TRAILER, forged_authorization, forged_query, new_bucket, object_exists, send


def _tar(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.fixture(scope="module")
def bucket(server):
    return new_bucket(server, "snowball")


def _attack_headers(body):
    return {"x-amz-content-sha256": UNSIGNED_TRAILER, "X-Amz-Meta-Snowball-Auto-Extract": "true",
            "Content-Length": str(len(body)), "Content-Type": "application/x-tar"}


@pytest.mark.parametrize("where", ["authorization-header", "query-string"])
def test_forged_unsigned_trailer_extract_is_refused(server, bucket, where):
    member = "forged/%s.txt" % secrets.token_hex(4)
    body = _tar({member: b"written without the secret key"})
    headers = _attack_headers(body)
    path = "/%s/upload.tar" % bucket
    if where == "authorization-header":
        headers.update(forged_authorization(server.access_key))
    else:
        path += "?" + forged_query(server.access_key)
    reply = send(server, "PUT", path, body, headers)
    assert reply.status in (400, 403), (reply.status, reply.body[:300])
    # SignatureDoesNotMatch (header) or InvalidRequest (query) with this patch alone; the
    # CVE-2026-41145 patch may refuse the query variant earlier with another S3 error code.
    assert reply.code, reply.body[:300]
    assert not object_exists(server, bucket, member), "the forged tar was extracted"


def test_signed_extract_still_works(server, bucket):
    """Control: the minio SDK's Snowball upload (signed headers) is extracted."""
    from minio.commonconfig import SnowballObject
    s3, dummy = server.clients()
    names = ["signed/%s.txt" % secrets.token_hex(4) for dummy in range(2)]
    s3.upload_snowball_objects(bucket, [SnowballObject(n, data=io.BytesIO(n.encode()), length=len(n)) for n in names])
    for name in names:
        assert s3.get_object(bucket, name).read() == name.encode()


def test_signed_unsigned_trailer_extract_still_works(server, bucket):
    """Control: a correctly signed unsigned-trailer extract (aws-chunked, CRC32 trailer) is extracted."""
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    class TrailerAuth(S3SigV4Auth):
        def payload(self, request):  # the seed signs the encoding, not the body
            return UNSIGNED_TRAILER

    member = "trailer/%s.txt" % secrets.token_hex(4)
    tar = _tar({member: b"signed, unsigned payload with trailer"})
    crc = base64.b64encode(struct.pack(">I", zlib.crc32(tar) & 0xFFFFFFFF)).decode()
    body = b"%x\r\n%s\r\n0\r\nx-amz-checksum-crc32:%s\r\n\r\n" % (len(tar), tar, crc.encode())
    path = "/%s/upload.tar" % bucket
    headers = {"X-Amz-Meta-Snowball-Auto-Extract": "true", "Content-Encoding": "aws-chunked",
               "x-amz-decoded-content-length": str(len(tar)), "x-amz-trailer": "x-amz-checksum-crc32",
               "Content-Length": str(len(body))}
    request = AWSRequest(method="PUT", url=server.endpoint + path, data=body, headers=headers)
    TrailerAuth(Credentials(server.access_key, server.secret_key), "s3", "us-east-1").add_auth(request)
    reply = send(server, "PUT", path, body, dict(request.headers.items()))
    assert reply.status == 200, (reply.status, reply.body[:300])
    s3, dummy = server.clients()
    assert s3.get_object(bucket, member).read() == b"signed, unsigned payload with trailer"
