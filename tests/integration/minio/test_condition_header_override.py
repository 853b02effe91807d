# -*- coding: utf-8 -*-
"""egid-2026-001: request headers override condition keys the server computes.

getConditionValues() copied every request header (canonical name) and query
parameter into the map of condition values, and minio/pkg looks a key up
under http.CanonicalHeaderKey(name) first. So ``CurrentTime: 2000-01-01T00:00:00Z``
replaced the server's clock for aws:CurrentTime (an expired collaborator read
its folder again), ``Principaltype: User`` passed a Deny on aws:principaltype,
and ``Prefix: <allowed>`` passed an s3:prefix condition of a listing whose
real prefix is elsewhere.

The patched server ignores such headers and parameters: its own values win.
Conditions that S3 defines on a request header (s3:x-amz-server-side-encryption)
or on the listing parameter (s3:prefix) still work.

Fails on the unpatched build: every attack below answers 200 (the two
controls pass on both builds).
"""

from __future__ import annotations

import secrets

import pytest

from advisory_http import make_user, new_bucket, object_exists, send, signed_headers

PAST = "2020-01-01T00:00:00Z"       # any date the tests run on is after it
FUTURE = "2999-01-01T00:00:00Z"
BODY = b"results of the collaboration"


def _sts_signed_headers(server, method, path, creds, headers):
    """SigV4 headers for temporary credentials (session token signed too)."""
    import hashlib

    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    headers = dict(headers or {})
    headers["x-amz-content-sha256"] = hashlib.sha256(b"").hexdigest()
    request = AWSRequest(method=method, url=server.endpoint + path, data=b"", headers=headers)
    S3SigV4Auth(Credentials(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]),
                "s3", "us-east-1").add_auth(request)
    return dict(request.headers.items())


@pytest.fixture(scope="module")
def folder(server):
    s3 = server.clients()[0]
    import io
    bucket = new_bucket(server, "condhdr")
    key = "results/p/f.txt"
    s3.put_object(bucket, key, io.BytesIO(BODY), len(BODY))
    return bucket, key


def _collaborator(server, bucket, until, tag):
    return make_user(server, [{
        "Effect": "Allow", "Action": ["s3:GetObject"],
        "Resource": ["arn:aws:s3:::%s/results/p/*" % bucket],
        "Condition": {"DateLessThan": {"aws:CurrentTime": until}}}], tag=tag)


@pytest.mark.parametrize("header", ["CurrentTime", "currenttime", "Currenttime"])
def test_expired_collaborator_cannot_set_current_time_by_header(server, folder, header):
    bucket, key = folder
    access_key, secret_key = _collaborator(server, bucket, PAST, "expired")
    path = "/%s/%s" % (bucket, key)
    reply = send(server, "GET", path, b"", signed_headers(server, "GET", path, access_key, secret_key))
    assert reply.status == 403, (reply.status, reply.body[:300])   # expired: refused without the header
    forged = signed_headers(server, "GET", path, access_key, secret_key, headers={header: "2000-01-01T00:00:00Z"})
    reply = send(server, "GET", path, b"", forged)
    assert reply.status == 403 and reply.code == "AccessDenied", (reply.status, reply.body[:300])
    assert BODY not in reply.body


def test_expired_collaborator_cannot_set_current_time_by_query(server, folder):
    bucket, key = folder
    access_key, secret_key = _collaborator(server, bucket, PAST, "expiredq")
    path = "/%s/%s?Currenttime=2000-01-01T00%%3A00%%3A00Z" % (bucket, key)
    reply = send(server, "GET", path, b"", signed_headers(server, "GET", path, access_key, secret_key))
    assert reply.status == 403 and reply.code == "AccessDenied", (reply.status, reply.body[:300])


def test_current_collaborator_still_reads(server, folder):
    # Control: a collaborator within its time reads, with or without the header.
    bucket, key = folder
    access_key, secret_key = _collaborator(server, bucket, FUTURE, "current")
    path = "/%s/%s" % (bucket, key)
    for extra in ({}, {"CurrentTime": "2000-01-01T00:00:00Z"}):
        reply = send(server, "GET", path, b"", signed_headers(server, "GET", path, access_key, secret_key, headers=extra))
        assert reply.status == 200 and reply.body == BODY, (extra, reply.status, reply.body[:300])


def test_deny_on_principaltype_is_not_bypassed_by_header(server, folder):
    bucket, key = folder
    from escape_clients import boto3_client
    access_key, secret_key = make_user(server, [{
        "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::%s/results/p/*" % bucket]}, {
        "Effect": "Deny", "Action": ["s3:*"], "Resource": ["arn:aws:s3:::*"],
        "Condition": {"StringEquals": {"aws:principaltype": "AssumedRole"}}}], tag="ptype")
    path = "/%s/%s" % (bucket, key)
    # Control: the user's own keys (principaltype User) read.
    reply = send(server, "GET", path, b"", signed_headers(server, "GET", path, access_key, secret_key))
    assert reply.status == 200 and reply.body == BODY, (reply.status, reply.body[:300])
    sts = boto3_client(server, access_key, secret_key, service="sts")
    creds = sts.assume_role(RoleArn="arn:xxx:xxx:xxx:xxxx", RoleSessionName="session", DurationSeconds=900)["Credentials"]
    reply = send(server, "GET", path, b"", _sts_signed_headers(server, "GET", path, creds, {}))
    assert reply.status == 403, (reply.status, reply.body[:300])
    for header in ("Principaltype", "principalType"):
        reply = send(server, "GET", path, b"", _sts_signed_headers(server, "GET", path, creds, {header: "User"}))
        assert reply.status == 403 and reply.code == "AccessDenied", (header, reply.status, reply.body[:300])


def test_prefix_condition_is_not_satisfied_by_header(server, folder):
    bucket = folder[0]
    access_key, secret_key = make_user(server, [{
        "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": ["arn:aws:s3:::%s" % bucket],
        "Condition": {"StringLike": {"s3:prefix": ["allowed/*"]}}}], tag="prefix")
    allowed = "/%s?list-type=2&prefix=allowed%%2F" % bucket
    reply = send(server, "GET", allowed, b"", signed_headers(server, "GET", allowed, access_key, secret_key))
    assert reply.status == 200, (reply.status, reply.body[:300])        # control: the query parameter counts
    other = "/%s?list-type=2&prefix=results%%2F" % bucket
    forged = signed_headers(server, "GET", other, access_key, secret_key, headers={"Prefix": "allowed/x"})
    reply = send(server, "GET", other, b"", forged)
    assert reply.status == 403 and reply.code == "AccessDenied", (reply.status, reply.body[:300])
    assert b"results/p/f.txt" not in reply.body


def test_header_condition_defined_by_s3_still_works(server, folder):
    bucket = folder[0]
    access_key, secret_key = make_user(server, [{
        "Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": ["arn:aws:s3:::%s/sse/*" % bucket],
        "Condition": {"StringEquals": {"s3:x-amz-server-side-encryption": "AES256"}}}], tag="sse")
    key = "sse/%s.txt" % secrets.token_hex(4)
    path = "/%s/%s" % (bucket, key)
    body = b"encrypted upload"
    reply = send(server, "PUT", path, body, signed_headers(server, "PUT", path, access_key, secret_key, body))
    assert reply.status == 403, (reply.status, reply.body[:300])
    assert not object_exists(server, bucket, key)
    headers = signed_headers(server, "PUT", path, access_key, secret_key, body,
                             {"x-amz-server-side-encryption": "AES256"})
    reply = send(server, "PUT", path, body, headers)
    assert reply.status == 200, (reply.status, reply.body[:300])
    assert object_exists(server, bucket, key)
