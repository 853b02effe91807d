# -*- coding: utf-8 -*-
"""Upstream #21656 (after our tag): a POST policy's condition on ``tagging`` was never checked.

checkPostPolicy evaluates only the conditions it knows (startsWithConds and
X-Amz-*); ``$tagging`` was not among them, so the holder of a presigned POST
policy that pins the object's tags could upload with any tags instead.

The policy is made by boto3 (generate_presigned_post) as a link signer would,
and the form is posted by ``requests`` as a browser would. Fails on the
unpatched build: the upload with other tags answers 204 and carries them.
"""

from __future__ import annotations

import secrets

import pytest

from advisory_http import new_bucket, object_exists

PINNED = "<Tagging><TagSet><Tag><Key>project</Key><Value>chu-liege</Value></Tag></TagSet></Tagging>"
OTHER = "<Tagging><TagSet><Tag><Key>project</Key><Value>public</Value></Tag></TagSet></Tagging>"


@pytest.fixture(scope="module")
def post_bucket(server):
    return new_bucket(server, "postpol")


def _post(server, bucket, key, tagging_sent):
    import requests
    from escape_clients import boto3_client
    client = boto3_client(server, server.access_key, server.secret_key)
    form = client.generate_presigned_post(Bucket=bucket, Key=key, Fields={"tagging": PINNED},
                                          Conditions=[{"tagging": PINNED}], ExpiresIn=300)
    fields = dict(form["fields"], tagging=tagging_sent)
    return requests.post(form["url"], data=fields, files={"file": ("f.txt", b"uploaded by form")},
                         verify=server.ca_path, timeout=30)


def _tags(server, bucket, key):
    s3, dummy = server.clients()
    tags = s3.get_object_tags(bucket, key)
    return dict(tags or {})


def test_post_with_other_tags_is_refused(server, post_bucket):
    key = "form-%s.txt" % secrets.token_hex(4)
    reply = _post(server, post_bucket, key, OTHER)
    assert reply.status_code == 403, (reply.status_code, reply.text[:300])
    assert "<Code>AccessDenied</Code>" in reply.text
    assert not object_exists(server, post_bucket, key)


def test_post_with_the_pinned_tags_works(server, post_bucket):
    key = "form-%s.txt" % secrets.token_hex(4)
    reply = _post(server, post_bucket, key, PINNED)
    assert reply.status_code == 204, (reply.status_code, reply.text[:300])
    assert _tags(server, post_bucket, key) == {"project": "chu-liege"}
