# -*- coding: utf-8 -*-
"""What the backend seam (docs/architecture.md, issue 26) will ask of SeaweedFS's IAM API, proved on the real server.

The MinIO side does each of these through madmin today (plugins/module_utils/_minio/iam.py). Here each one is
done through SeaweedFS's IAM API on the S3 port and checked from the outside, with a plain S3 client holding
the user's key: a user with a key the caller supplies (so a migration can keep a secret), a managed policy
attached and detached, a group that gives its members a policy, a user disabled and enabled, a user removed.
"""

from __future__ import annotations

import json
import secrets

import pytest

from ansible_collections.egid.s3share.plugins.module_utils._minio.policy import template_policy
from weed_testbed import readable

FOLDER = "results/proj"
KEY = FOLDER + "/data.txt"
BODY = b"seam"


@pytest.fixture(scope="module")
def seam(weed):
    bucket = "seam-" + secrets.token_hex(4)
    weed.admin().create_bucket(Bucket=bucket)
    weed.admin().put_object(Bucket=bucket, Key=KEY, Body=BODY)
    return {"bucket": bucket, "iam": weed.admin("iam"),
            "policy": json.dumps(template_policy("read-only", bucket, FOLDER))}


def _user_with_supplied_key(weed, name):
    """CreateUser, then CreateAccessKey with an AccessKeyId and SecretAccessKey chosen by the caller."""
    access_key = "SEAM" + secrets.token_hex(8).upper()
    secret_key = secrets.token_urlsafe(30)
    weed.admin("iam").create_user(UserName=name)
    status, root = weed.iam_action(weed.admin_key, weed.admin_secret, "CreateAccessKey", UserName=name,
                                   AccessKeyId=access_key, SecretAccessKey=secret_key)
    assert status == 200, root
    return access_key, secret_key


def test_a_user_keeps_the_key_and_secret_the_caller_supplies(weed, seam):
    name = "kept-" + secrets.token_hex(3)
    access_key, secret_key = _user_with_supplied_key(weed, name)
    listed = seam["iam"].list_access_keys(UserName=name)["AccessKeyMetadata"]
    assert [entry["AccessKeyId"] for entry in listed] == [access_key]
    seam["iam"].put_user_policy(UserName=name, PolicyName="s3share-seam", PolicyDocument=seam["policy"])
    client = weed.client("s3", access_key, secret_key)
    assert readable(client, seam["bucket"], KEY, True)
    # The secret is the one supplied: a client with another secret for the same key is refused.
    assert not readable(weed.client("s3", access_key, secret_key + "x"), seam["bucket"], KEY, True, timeout=0)


def test_a_supplied_key_already_in_use_is_refused(weed, seam):
    name = "dup-" + secrets.token_hex(3)
    access_key, secret_key = _user_with_supplied_key(weed, name)
    other = "dup2-" + secrets.token_hex(3)
    seam["iam"].create_user(UserName=other)
    status, root = weed.iam_action(weed.admin_key, weed.admin_secret, "CreateAccessKey", UserName=other,
                                   AccessKeyId=access_key, SecretAccessKey=secret_key + "y")
    assert status == 409 and root.find(".//{*}Code").text == "EntityAlreadyExists"


def test_a_managed_policy_attached_then_detached(weed, seam):
    name = "managed-" + secrets.token_hex(3)
    access_key, secret_key = _user_with_supplied_key(weed, name)
    client = weed.client("s3", access_key, secret_key)
    assert not readable(client, seam["bucket"], KEY, True, timeout=2)
    arn = seam["iam"].create_policy(PolicyName="seam-" + name, PolicyDocument=seam["policy"])["Policy"]["Arn"]
    seam["iam"].attach_user_policy(UserName=name, PolicyArn=arn)
    attached = seam["iam"].list_attached_user_policies(UserName=name)["AttachedPolicies"]
    assert [entry["PolicyArn"] for entry in attached] == [arn]
    assert readable(client, seam["bucket"], KEY, True)
    seam["iam"].detach_user_policy(UserName=name, PolicyArn=arn)
    assert not readable(client, seam["bucket"], KEY, False)


def test_a_group_gives_its_members_its_policy(weed, seam):
    name, group = "member-" + secrets.token_hex(3), "readers-" + secrets.token_hex(3)
    access_key, secret_key = _user_with_supplied_key(weed, name)
    client = weed.client("s3", access_key, secret_key)
    arn = seam["iam"].create_policy(PolicyName="seam-" + group, PolicyDocument=seam["policy"])["Policy"]["Arn"]
    seam["iam"].create_group(GroupName=group)
    seam["iam"].attach_group_policy(GroupName=group, PolicyArn=arn)
    assert not readable(client, seam["bucket"], KEY, True, timeout=2)
    seam["iam"].add_user_to_group(GroupName=group, UserName=name)
    assert [entry["UserName"] for entry in seam["iam"].get_group(GroupName=group)["Users"]] == [name]
    assert readable(client, seam["bucket"], KEY, True)
    seam["iam"].remove_user_from_group(GroupName=group, UserName=name)
    assert not readable(client, seam["bucket"], KEY, False)


def _reader(weed, seam, name):
    """A user with a supplied key and the read-only inline policy, once it reads; returns (access_key, client)."""
    access_key, secret_key = _user_with_supplied_key(weed, name)
    seam["iam"].put_user_policy(UserName=name, PolicyName="s3share-seam", PolicyDocument=seam["policy"])
    client = weed.client("s3", access_key, secret_key)
    assert readable(client, seam["bucket"], KEY, True)
    return access_key, client


def test_a_user_disabled_is_refused_and_enabled_again(weed, seam):
    name = "status-" + secrets.token_hex(3)
    dummy, client = _reader(weed, seam, name)
    for status, want in (("Inactive", False), ("Active", True)):
        code, root = weed.iam_action(weed.admin_key, weed.admin_secret, "SetUserStatus", UserName=name, Status=status)
        assert code == 200, root
        assert readable(client, seam["bucket"], KEY, want) is want, status


def test_a_user_removed_loses_its_key(weed, seam):
    name = "gone-" + secrets.token_hex(3)
    access_key, client = _reader(weed, seam, name)
    seam["iam"].delete_user_policy(UserName=name, PolicyName="s3share-seam")
    seam["iam"].delete_access_key(UserName=name, AccessKeyId=access_key)
    seam["iam"].delete_user(UserName=name)
    assert not readable(client, seam["bucket"], KEY, False)
    assert name not in [user["UserName"] for user in seam["iam"].list_users()["Users"]]


def test_a_key_id_must_be_alphanumeric(weed, seam):
    """MinIO's internal accounts use their name as access key (ligan-push); SeaweedFS refuses '-' in a key id.

    So a migration keeps such an account's secret under a new, alphanumeric key id, and reports it
    (collaborator keys, C + 19 upper-case letters and digits, are kept as they are).
    """
    name = "ligan-push-" + secrets.token_hex(3)
    seam["iam"].create_user(UserName=name)
    status, root = weed.iam_action(weed.admin_key, weed.admin_secret, "CreateAccessKey", UserName=name,
                                   AccessKeyId=name, SecretAccessKey=secrets.token_urlsafe(30))
    assert status == 400 and root.find(".//{*}Code").text == "InvalidInput", root
    assert seam["iam"].list_access_keys(UserName=name)["AccessKeyMetadata"] == []
