# -*- coding: utf-8 -*-
"""Regression tests of the advisories that the patch series of roles/minio_artifacts fixes (docs/security.md).

Each test sends the exploit to the real server built by the role, as a raw HTTP request over TLS, and passes
only when the server refuses it and nothing is written. Each one also sends the same request correctly signed,
so that a refusal for another reason (a malformed request) cannot pass for the fix.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import http.client
import secrets
import ssl
import subprocess
import urllib.parse
import zlib

import pytest

REGION = "us-east-1"
UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"


def _aws_chunked(payload):
    """The aws-chunked body of an unsigned-trailer upload: one chunk, the last chunk, a CRC32 trailer."""
    crc = base64.b64encode(zlib.crc32(payload).to_bytes(4, "big"))
    return b"%x\r\n%s\r\n0\r\nx-amz-checksum-crc32:%s\r\n\r\n" % (len(payload), payload, crc)


def _trailer_headers(payload, body):
    return {"x-amz-content-sha256": UNSIGNED_TRAILER, "content-encoding": "aws-chunked",
            "x-amz-decoded-content-length": str(len(payload)), "x-amz-trailer": "x-amz-checksum-crc32",
            "content-length": str(len(body))}


def _scope(now):
    return "%s/%s/s3/aws4_request" % (now.strftime("%Y%m%d"), REGION)


def _sign_header(secret, access, method, path, query, headers, host, now):
    """A SigV4 Authorization header over the given headers (written here from the AWS specification)."""
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    signed = dict((k.lower(), v) for k, v in headers.items() if k.lower() != "content-length")
    signed.update({"host": host, "x-amz-date": amz_date})
    names = sorted(signed)
    canonical_query = "&".join("%s=%s" % (urllib.parse.quote(k, safe="-_.~"), urllib.parse.quote(v, safe="-_.~"))
                               for k, v in sorted(query.items()))
    canonical = "\n".join([method, urllib.parse.quote(path, safe="/-_.~"), canonical_query,
                           "".join("%s:%s\n" % (n, signed[n].strip()) for n in names), ";".join(names),
                           signed["x-amz-content-sha256"]])
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, _scope(now), hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in (now.strftime("%Y%m%d"), REGION, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return dict(headers, **{"x-amz-date": amz_date, "authorization": "AWS4-HMAC-SHA256 Credential=%s/%s, "
                            "SignedHeaders=%s, Signature=%s" % (access, _scope(now), ";".join(names), signature)})


def _forged_query(access, now):
    """Query-string credentials of the advisory: the access key alone, and a signature of zeros."""
    return {"X-Amz-Algorithm": "AWS4-HMAC-SHA256", "X-Amz-Credential": "%s/%s" % (access, _scope(now)),
            "X-Amz-Date": now.strftime("%Y%m%dT%H%M%SZ"), "X-Amz-Expires": "600", "X-Amz-SignedHeaders": "host",
            "X-Amz-Signature": "0" * 64}


class Raw:
    """One raw HTTPS request per call, TLS verified with the test CA."""

    def __init__(self, server):
        self.host = "127.0.0.1:%d" % server.port
        self.context = ssl.create_default_context(cafile=server.ca_path)

    def put(self, path, query, headers, body):
        conn = http.client.HTTPSConnection(self.host, context=self.context, timeout=30)
        try:
            conn.request("PUT", path + ("?" + urllib.parse.urlencode(query) if query else ""), body=body,
                         headers=headers)
            response = conn.getresponse()
            return response.status, response.read().decode(errors="replace")
        finally:
            conn.close()


@pytest.fixture(scope="module")
def writer(server, prefix):
    """A bucket and an internal-style account that may write to it; its access key is its (guessable) name."""
    s3, admin = server.clients()
    bucket = "adv-" + prefix
    s3.make_bucket(bucket)
    access, secret = "bioinfo-" + prefix, "Wr1ter-" + secrets.token_hex(8)
    admin.user_add(access, secret)
    admin.policy_add("adv-write-" + prefix, policy={"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload",
                                       "s3:ListMultipartUploadParts"],
         "Resource": ["arn:aws:s3:::%s/*" % bucket]}]})
    admin.attach_policy(["adv-write-" + prefix], user=access)
    return {"bucket": bucket, "access": access, "secret": secret, "s3": s3}


@pytest.fixture(scope="module")
def prefix():
    # Module scope: the one from minio_testbed is per test.
    return "t" + secrets.token_hex(4)


def _exists(s3, bucket, key):
    from minio.error import S3Error
    try:
        s3.stat_object(bucket, key)
        return True
    except S3Error as exc:
        assert exc.code == "NoSuchKey", exc
        return False


def test_cve_2026_41145_put_object_with_query_credentials_and_unsigned_trailer(server, writer):
    raw, now, payload = Raw(server), datetime.datetime.now(datetime.timezone.utc), b"tampered results\n"
    body, key = _aws_chunked(payload), "results/chu-liege/forged.csv"
    path = "/%s/%s" % (writer["bucket"], key)
    status, text = raw.put(path, _forged_query(writer["access"], now), _trailer_headers(payload, body), body)
    assert status == 403 and "AccessDenied" in text, (status, text)
    assert not _exists(writer["s3"], writer["bucket"], key)

    # The same upload signed with the account's secret key is accepted: the request itself is well formed.
    signed = _sign_header(writer["secret"], writer["access"], "PUT", path, {}, _trailer_headers(payload, body),
                          raw.host, now)
    status, text = raw.put(path, {}, signed, body)
    assert status == 200, (status, text)
    assert writer["s3"].get_object(writer["bucket"], key).read() == payload


def test_cve_2026_41145_upload_part_with_query_credentials_and_unsigned_trailer(server, writer):
    import boto3
    from botocore.config import Config
    client = boto3.client("s3", endpoint_url=server.endpoint, aws_access_key_id=server.access_key,
                          aws_secret_access_key=server.secret_key, region_name=REGION, verify=server.ca_path,
                          config=Config(s3={"addressing_style": "path"}))
    key = "results/chu-liege/forged-multipart.bin"
    upload = client.create_multipart_upload(Bucket=writer["bucket"], Key=key)["UploadId"]
    try:
        raw, now, payload = Raw(server), datetime.datetime.now(datetime.timezone.utc), b"x" * 1024
        body, path = _aws_chunked(payload), "/%s/%s" % (writer["bucket"], key)
        query = dict(_forged_query(writer["access"], now), partNumber="1", uploadId=upload)
        status, text = raw.put(path, query, _trailer_headers(payload, body), body)
        assert status == 403 and "AccessDenied" in text, (status, text)
        assert client.list_parts(Bucket=writer["bucket"], Key=key, UploadId=upload).get("Parts", []) == []

        signed = _sign_header(writer["secret"], writer["access"], "PUT", path,
                              {"partNumber": "1", "uploadId": upload}, _trailer_headers(payload, body), raw.host, now)
        status, text = raw.put(path, {"partNumber": "1", "uploadId": upload}, signed, body)
        assert status == 200, (status, text)
        assert [p["Size"] for p in client.list_parts(Bucket=writer["bucket"], Key=key, UploadId=upload)["Parts"]] \
            == [len(payload)]
    finally:
        client.abort_multipart_upload(Bucket=writer["bucket"], Key=key, UploadId=upload)


def test_the_server_reports_its_patch_level(binaries):
    """The binary under test is the patched one (an unpatched binary fails the tests above, and this one)."""
    out = subprocess.run([binaries["minio"], "--version"], check=True, capture_output=True, text=True).stdout
    assert "RELEASE.2025-10-15T17-29-55Z.egid." in out
    patches = [line for line in out.splitlines() if line.startswith("Patches: ")]
    assert patches and "CVE-2026-41145" in patches[0], out
    # The textfile collector reads the same output (s3share_minio_build_info).
    from ansible_collections.egid.s3share.plugins.module_utils._minio.metrics import minio_build
    build = minio_build(out)
    assert build["patch_level"].startswith("egid.") and "CVE-2026-41145" in build["advisories"], build


# --------------------------------------------------------------------------- SigV2 (policy, no patch)
def _fetch(server, url):
    import urllib.error
    import urllib.request
    context = ssl.create_default_context(cafile=server.ca_path)
    try:
        with urllib.request.urlopen(url, context=context, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.mark.parametrize("identity", ["collaborator", "link-signer"])
def test_sigv2_presigned_links_are_refused_sigv4_within_7_days_work(server, writer, identity):
    """A SigV2 link has no 7-day limit (Expires can be 2036); the collaborator and link-signer policies deny V2."""
    import boto3
    from botocore.config import Config
    from ansible_collections.egid.s3share.plugins.module_utils._minio.policy import (collaborator_policy,
                                                                                     link_signer_policy)
    dummy, admin = server.clients()
    bucket, folder = writer["bucket"], "results/shared-%s/" % identity
    key = folder + "report.txt"
    writer["s3"].put_object(bucket, key, __import__("io").BytesIO(b"report\n"), 7)
    expires = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    document = (collaborator_policy("read-only", bucket, folder.rstrip("/"), expires) if identity == "collaborator"
                else link_signer_policy([bucket + "/" + folder]))
    access, secret = "%s-%s" % (identity, secrets.token_hex(4)), "S1gner-" + secrets.token_hex(8)
    admin.user_add(access, secret)
    admin.policy_add("p-" + access, policy=document)
    admin.attach_policy(["p-" + access], user=access)

    def client(version):
        return boto3.client("s3", endpoint_url=server.endpoint, aws_access_key_id=access, aws_secret_access_key=secret,
                            region_name=REGION, verify=server.ca_path,
                            config=Config(signature_version=version, s3={"addressing_style": "path"}))

    v4 = client("s3v4").generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key},
                                               ExpiresIn=7 * 24 * 3600)
    assert _fetch(server, v4) == (200, b"report\n")
    # Ten years: SigV2 carries an absolute Expires that the server does not cap.
    v2 = client("s3").generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key},
                                             ExpiresIn=10 * 365 * 24 * 3600)
    assert "AWSAccessKeyId=" in v2 and "X-Amz-" not in v2
    status, body = _fetch(server, v2)
    assert status == 403 and b"AccessDenied" in body, (status, body[:300])
    # A SigV2 header-signed request is refused the same way.
    from botocore.exceptions import ClientError
    with pytest.raises(ClientError) as denied:
        client("s3").get_object(Bucket=bucket, Key=key)
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
