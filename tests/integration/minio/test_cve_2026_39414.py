# -*- coding: utf-8 -*-
"""CVE-2026-39414 (GHSA-h749-fxx7-pwpg): S3 Select CSV line read without bound.

The CSV reader looked for the end of each line with bufio.Reader.ReadBytes,
which buffers the whole input when it holds no newline: one object and one
SelectObjectContent by any user who may read it could take the server's
memory. The patched reader stops at S3's documented limit of 1 MiB per
record and answers OverMaxRecordSize.

The attack object here is 3 MiB (enough to cross the limit, harmless to the
test machine). ``COUNT(*)`` keeps the output small, so the output-side check
(s3select.maxRecordSize) cannot be what refuses it. Fails on the unpatched
build: both queries succeed.
"""

from __future__ import annotations

import secrets

import pytest

from advisory_http import new_bucket

MiB = 1 << 20


@pytest.fixture(scope="module")
def select_bucket(server):
    s3, dummy = server.clients()
    bucket = new_bucket(server, "select")
    import io
    flat = b"a," * (3 * MiB // 2)  # 3 MiB, no newline at all
    s3.put_object(bucket, "flat.csv", io.BytesIO(flat), len(flat))
    # Control: lines of 900 KiB each, under the limit.
    lines = b"".join((b"x" * (900 * 1024)) + b",%d\n" % i for i in range(4))
    s3.put_object(bucket, "long-lines.csv", io.BytesIO(b"name,n\n" + lines), len(lines) + 7)
    return bucket


def _select(server, bucket, key, header_info):
    """Run SELECT COUNT(*) with boto3; return (records, error_code)."""
    from botocore.exceptions import ClientError
    from escape_clients import boto3_client
    client = boto3_client(server, server.access_key, server.secret_key)
    try:
        result = client.select_object_content(
            Bucket=bucket, Key=key, Expression="SELECT COUNT(*) FROM S3Object", ExpressionType="SQL",
            InputSerialization={"CSV": {"FileHeaderInfo": header_info}}, OutputSerialization={"CSV": {}})
        records = b""
        for event in result["Payload"]:
            if "Records" in event:
                records += event["Records"]["Payload"]
        return records, None
    except ClientError as exc:  # EventStreamError (an error event mid-stream) is a ClientError too
        return None, exc.response.get("Error", {}).get("Code")


@pytest.mark.parametrize("header_info", ["USE", "NONE"])
def test_csv_without_newline_is_refused(server, select_bucket, header_info):
    records, code = _select(server, select_bucket, "flat.csv", header_info)
    assert code == "OverMaxRecordSize", "expected OverMaxRecordSize, got records=%r code=%r" % (records, code)


def test_lines_under_the_limit_still_work(server, select_bucket):
    records, code = _select(server, select_bucket, "long-lines.csv", "USE")
    assert code is None
    assert records.strip() == b"4"


def test_server_still_answers(server, select_bucket):
    s3, dummy = server.clients()
    assert s3.bucket_exists(select_bucket)
    assert secrets  # the module imports stay used
