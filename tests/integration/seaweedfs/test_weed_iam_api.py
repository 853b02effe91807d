# -*- coding: utf-8 -*-
"""plugins/module_utils/_seaweedfs/iam_api.py against the real SeaweedFS, each effect checked with boto3.

The collection's own IAM API client makes a collaborator-like user (a key and secret it chooses, the
read-only template policy), disables and enables it, gives a key with an expiry, and removes it; an
independent client (boto3 with the user's key) says what the user can really do after each step.
"""

from __future__ import annotations

import datetime
import json
import secrets
import time

import pytest
import urllib3

from ansible_collections.egid.s3share.plugins.module_utils._minio.policy import policies_equal, template_policy
from ansible_collections.egid.s3share.plugins.module_utils._seaweedfs.iam_api import IamApi, IamApiError
from testbed_common import free_port, make_pki
from weed_testbed import readable

FOLDER = "results/chu-liege"
INSIDE, OUTSIDE = FOLDER + "/genome.vcf", "results/other/patient.vcf"


@pytest.fixture(scope="module")
def api(weed):
    http = urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs=weed.ca_path)
    return IamApi(weed.endpoint, weed.admin_key, weed.admin_secret, http)


@pytest.fixture(scope="module")
def bucket(weed):
    name = "iamapi-" + secrets.token_hex(4)
    admin = weed.admin()
    admin.create_bucket(Bucket=name)
    for key in (INSIDE, OUTSIDE):
        admin.put_object(Bucket=name, Key=key, Body=key.encode())
    return name


@pytest.fixture()
def user(api, bucket, weed):
    """A user made by the collection's client: its own key and secret, the read-only policy on FOLDER."""
    name = "collab-" + secrets.token_hex(3)
    access_key, secret_key = "C" + secrets.token_hex(10).upper()[:19], secrets.token_urlsafe(30)
    api.create_user(name)
    api.create_access_key(name, access_key, secret_key)
    document = json.dumps(template_policy("read-only", bucket, FOLDER))
    api.put_user_policy(name, "s3share-collaborator", document)
    return {"name": name, "key": access_key, "secret": secret_key, "document": document,
            "s3": weed.client("s3", access_key, secret_key)}


def test_the_user_has_the_key_and_the_policy_it_was_given(api, bucket, user):
    assert user["name"] in api.list_users()
    assert api.list_access_keys(user["name"]) == [user["key"]]
    # Stored as written, up to SeaweedFS's normal form (a one-element list becomes a string).
    assert policies_equal(api.get_user_policy(user["name"], "s3share-collaborator"), user["document"])
    assert readable(user["s3"], bucket, INSIDE, True)
    assert not readable(user["s3"], bucket, OUTSIDE, True, timeout=0)


def test_disabling_refuses_the_user_and_enabling_restores_it(api, bucket, user):
    assert readable(user["s3"], bucket, INSIDE, True)
    api.set_user_enabled(user["name"], False)
    assert not readable(user["s3"], bucket, INSIDE, False)
    api.set_user_enabled(user["name"], True)
    assert readable(user["s3"], bucket, INSIDE, True)


def test_a_removed_user_reads_nothing(api, bucket, user):
    assert readable(user["s3"], bucket, INSIDE, True)
    api.delete_user_policy(user["name"], "s3share-collaborator")
    api.delete_access_key(user["name"], user["key"])
    api.delete_user(user["name"])
    assert user["name"] not in api.list_users()
    assert not readable(user["s3"], bucket, INSIDE, False)


def test_a_service_account_works_until_its_expiry(api, bucket, user, weed):
    expiration = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=12)
    access_key, secret_key = api.create_service_account(user["name"], expiration, "s3share test")
    assert access_key and secret_key and access_key != user["key"]
    account = weed.client("s3", access_key, secret_key)
    assert readable(account, bucket, INSIDE, True, timeout=8)
    assert not readable(account, bucket, OUTSIDE, True, timeout=0)
    time.sleep(max(0.0, (expiration - datetime.datetime.now(datetime.timezone.utc)).total_seconds()) + 2.5)
    assert not readable(account, bucket, INSIDE, False, timeout=5)
    assert readable(user["s3"], bucket, INSIDE, True)


def test_refusals_carry_the_server_s_code_and_never_the_secret(api, user):
    with pytest.raises(IamApiError) as exists:
        api.create_user(user["name"])
    assert exists.value.code == "EntityAlreadyExists" and exists.value.status == 409
    secret = secrets.token_urlsafe(30)
    with pytest.raises(IamApiError) as invalid:
        api.create_access_key(user["name"], "not-alnum-" + secrets.token_hex(2), secret)
    assert invalid.value.code == "InvalidInput" and invalid.value.status == 400
    assert secret not in str(invalid.value) and secret not in repr(invalid.value.args)
    with pytest.raises(IamApiError) as missing:
        api.delete_user("nobody-" + secrets.token_hex(3))
    assert missing.value.code == "NoSuchEntity" and missing.value.status == 404


def test_a_wrong_secret_is_refused(weed):
    http = urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs=weed.ca_path)
    forged = IamApi(weed.endpoint, weed.admin_key, weed.admin_secret + "x", http)
    with pytest.raises(IamApiError) as refused:
        forged.list_users()
    assert refused.value.status == 403, refused.value


def test_a_server_that_another_ca_signed_is_not_talked_to(weed, tmp_path):
    """A man in the middle with a certificate of its own CA: the client refuses before sending anything."""
    other = make_pki(tmp_path / "other")
    http = urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs=other["ca_path"])
    with pytest.raises(IamApiError) as refused:
        IamApi(weed.endpoint, weed.admin_key, weed.admin_secret, http).list_users()
    assert refused.value.code == "Unreachable" and refused.value.status is None
    assert weed.admin_secret not in str(refused.value)


def test_a_closed_port_is_a_clear_error():
    http = urllib3.PoolManager(cert_reqs="CERT_REQUIRED")
    with pytest.raises(IamApiError) as refused:
        IamApi("https://127.0.0.1:%d" % free_port(), "AKID", "secret-not-shown", http).create_user("x")
    assert refused.value.code == "Unreachable"
    assert str(refused.value).startswith("Failed to CreateUser: https://127.0.0.1:")
