# -*- coding: utf-8 -*-
"""CVE-2026-34204 (GHSA-3rh2-v3gr-35p9): SSE metadata injection through X-Minio-Replication-* headers.

extractMetadataFromMime mapped the headers a replication source uses for an
SSE-C object (sealed key, seal algorithm, IV, ...) to internal encryption
metadata on any PutObject or CreateMultipartUpload, without checking that
the request was a replication write. A user with only s3:PutObject could
store forged key material and make the object unreadable.

The patched server refuses these headers (AccessDenied) unless the request
is a replica write by a caller allowed s3:ReplicateObject, and writes
nothing. The user here has s3:PutObject/GetObject only; a plain upload and
read by it must still work.

Fails on the unpatched build: the PUT and the multipart creation answer 200.
"""

from __future__ import annotations

import base64
import secrets

import pytest

from advisory_http import make_user, new_bucket, object_exists, send, signed_headers


def _forged_sse_headers():
    return {
        "X-Minio-Replication-Server-Side-Encryption-Sealed-Key": base64.b64encode(secrets.token_bytes(64)).decode(),
        "X-Minio-Replication-Server-Side-Encryption-Seal-Algorithm": "DAREv2-HMAC-SHA256",
        "X-Minio-Replication-Server-Side-Encryption-Iv": base64.b64encode(secrets.token_bytes(32)).decode(),
    }


@pytest.fixture(scope="module")
def writer(server):
    bucket = new_bucket(server, "ssemeta")
    access_key, secret_key = make_user(server, [{
        "Effect": "Allow",
        "Action": ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
        "Resource": ["arn:aws:s3:::%s/*" % bucket]}, {
        "Effect": "Allow", "Action": ["s3:ListBucketMultipartUploads", "s3:ListBucket"],
        "Resource": ["arn:aws:s3:::%s" % bucket]}], tag="ssemeta")
    return bucket, access_key, secret_key


def _uploads(server, bucket, key):
    from escape_clients import boto3_client
    client = boto3_client(server, server.access_key, server.secret_key)
    return [u for u in client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) if u["Key"] == key]


@pytest.mark.parametrize("with_replica_markers", [False, True])
def test_put_with_replication_sse_headers_is_refused(server, writer, with_replica_markers):
    bucket, access_key, secret_key = writer
    key = "victim-%s.txt" % secrets.token_hex(4)
    extra = _forged_sse_headers()
    if with_replica_markers:  # pretending to be a replication source does not help without s3:ReplicateObject
        extra.update({"X-Minio-Source-Replication-Request": "true", "X-Amz-Replication-Status": "REPLICA"})
    body = b"results that must stay readable"
    path = "/%s/%s" % (bucket, key)
    reply = send(server, "PUT", path, body, signed_headers(server, "PUT", path, access_key, secret_key, body, extra))
    assert reply.status == 403 and reply.code == "AccessDenied", (reply.status, reply.body[:300])
    assert not object_exists(server, bucket, key)


def test_multipart_with_replication_sse_headers_is_refused(server, writer):
    bucket, access_key, secret_key = writer
    key = "victim-mp-%s.bin" % secrets.token_hex(4)
    path = "/%s/%s?uploads=" % (bucket, key)
    headers = signed_headers(server, "POST", path, access_key, secret_key, b"", _forged_sse_headers())
    reply = send(server, "POST", path, b"", headers)
    assert reply.status == 403 and reply.code == "AccessDenied", (reply.status, reply.body[:300])
    assert _uploads(server, bucket, key) == []


def test_plain_put_and_get_still_work(server, writer):
    bucket, access_key, secret_key = writer
    key = "plain-%s.txt" % secrets.token_hex(4)
    body = b"plain upload"
    path = "/%s/%s" % (bucket, key)
    reply = send(server, "PUT", path, body, signed_headers(server, "PUT", path, access_key, secret_key, body))
    assert reply.status == 200, (reply.status, reply.body[:300])
    reply = send(server, "GET", path, b"", signed_headers(server, "GET", path, access_key, secret_key))
    assert reply.status == 200 and reply.body == body
