# -*- coding: utf-8 -*-
"""The collaborator model against the real SeaweedFS built from the pinned source (issue 26, first step).

A collaborator is an IAM user made through the IAM API on the S3 port, with the collection's own read-only
template policy on bucket/results/<project>/ (roles use the same document on MinIO). What holds only with a
server flag (-s3.iam.selfServiceRequiresGrant=true) is tested both ways: refused with it, allowed without.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import time
import urllib.parse
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import requests
import yaml
from botocore.exceptions import ClientError

from ansible_collections.egid.s3share.plugins.module_utils._minio.policy import template_policy
from testbed_common import make_pki
from weed_testbed import WeedServer

ROLE_DEFAULTS = Path(__file__).resolve().parents[3] / "roles" / "minio_artifacts" / "defaults" / "main.yml"
PROJECT = "results/chu-liege"
OBJECTS = {
    PROJECT + "/genome.vcf": b"ACGT",
    PROJECT + "/run1/reads.bam": b"BAM",
    "results/chu-liege-2/secret.vcf": b"NOPE-2",
    "results/other/patient.vcf": b"NOPE-other",
    "top.txt": b"NOPE-top",
}


def _error(call, *args, **kwargs):
    """(HTTP status, S3 error code) of a call that must fail."""
    with pytest.raises(ClientError) as caught:
        result = call(*args, **kwargs)
        if isinstance(result, dict) and "Body" in result:
            result["Body"].read()
    response = caught.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]


def _read(client, bucket, key):
    return client.get_object(Bucket=bucket, Key=key)["Body"].read()


def _eventually_read(client, bucket, key, timeout=15.0):
    """The object's body, retried while denied (IAM changes reach the gateway through the filer)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return _read(client, bucket, key)
        except ClientError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.3)


def _canonical(statements):
    def one(value):
        return value[0] if isinstance(value, list) and len(value) == 1 else value
    return sorted(json.dumps({k: one(v) for k, v in statement.items()}, sort_keys=True) for statement in statements)


def _text(root, tag):
    found = root.find(".//{*}" + tag)
    return None if found is None else found.text


def make_share(weed):
    """A project bucket (with other projects' folders), another bucket, and a collaborator on the project."""
    token = secrets.token_hex(4)
    bucket, other_bucket, user = "ligan-" + token, "impact-" + token, "collab-" + token
    s3 = weed.admin()
    s3.create_bucket(Bucket=bucket)
    s3.create_bucket(Bucket=other_bucket)
    for key, data in OBJECTS.items():
        s3.put_object(Bucket=bucket, Key=key, Body=data)
    s3.put_object(Bucket=other_bucket, Key=PROJECT + "/x.vcf", Body=b"NOPE-bucket")

    iam = weed.admin("iam")
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    policy = template_policy("read-only", bucket, PROJECT)
    iam.put_user_policy(UserName=user, PolicyName="s3share-collaborator", PolicyDocument=json.dumps(policy))
    collaborator = weed.client("s3", key["AccessKeyId"], key["SecretAccessKey"])
    # Usable once the gateway has the new user and its policy.
    _eventually_read(collaborator, bucket, PROJECT + "/genome.vcf")
    return {"bucket": bucket, "other_bucket": other_bucket, "user": user, "policy": policy, "s3": collaborator,
            "weed": weed,
            "key": key["AccessKeyId"], "secret": key["SecretAccessKey"], "admin": s3, "iam": iam}


@pytest.fixture(scope="module")
def share(weed):
    return make_share(weed)


# --------------------------------------------------------------------------- the build and the transport
def test_the_server_is_the_pinned_build(weed_bin):
    defaults = yaml.safe_load(ROLE_DEFAULTS.read_text())
    out = subprocess.run([weed_bin, "version"], capture_output=True, text=True, check=True, timeout=30).stdout
    expected = "version 30GB %s %s linux amd64" % (defaults["minio_artifacts_weed_release"],
                                                   defaults["minio_artifacts_weed_commit"])
    assert out.startswith(expected), out


def test_the_s3_port_speaks_tls_with_the_configured_certificate(weed):
    # Verified against the test CA: an anonymous request is answered (and refused) over TLS.
    answer = requests.get(weed.endpoint + "/", verify=weed.ca_path, timeout=30)
    assert answer.status_code == 403 and b"AccessDenied" in answer.content
    # Not trusted by the system store, and no plain HTTP on that port.
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(weed.endpoint + "/", timeout=30)
    plain = requests.get(weed.endpoint.replace("https://", "http://") + "/", timeout=30)
    assert plain.status_code == 400 and b"HTTP request to an HTTPS server" in plain.content


# --------------------------------------------------------------------------- inside the project folder
def test_the_policy_is_stored_as_written(share):
    stored = share["iam"].get_user_policy(UserName=share["user"], PolicyName="s3share-collaborator")
    document = stored["PolicyDocument"]
    if isinstance(document, str):
        document = json.loads(urllib.parse.unquote(document))
    # Equal once normalised: SeaweedFS gives a one-item Action or Resource list back as a plain string.
    assert _canonical(document["Statement"]) == _canonical(share["policy"]["Statement"])
    assert isinstance(document["Statement"][0]["Action"], str)


def test_the_collaborator_lists_its_folder(share):
    listed = share["s3"].list_objects_v2(Bucket=share["bucket"], Prefix=PROJECT + "/")
    assert sorted(o["Key"] for o in listed.get("Contents", [])) == sorted(k for k in OBJECTS if k.startswith(PROJECT + "/"))
    browsed = share["s3"].list_objects_v2(Bucket=share["bucket"], Prefix=PROJECT + "/", Delimiter="/")
    assert [p["Prefix"] for p in browsed.get("CommonPrefixes", [])] == [PROJECT + "/run1/"]
    assert [o["Key"] for o in browsed.get("Contents", [])] == [PROJECT + "/genome.vcf"]


def test_the_collaborator_reads_its_folder(share):
    for key in (PROJECT + "/genome.vcf", PROJECT + "/run1/reads.bam"):
        got = share["s3"].get_object(Bucket=share["bucket"], Key=key)
        assert got["ResponseMetadata"]["HTTPStatusCode"] == 200 and got["Body"].read() == OBJECTS[key]


# --------------------------------------------------------------------------- outside it
@pytest.mark.parametrize("prefix", ["results/other/", "results/chu-liege-2/", "results/", "", PROJECT])
def test_listing_outside_the_folder_is_denied(share, prefix):
    # The bare prefix too: it would show results/chu-liege-2/.
    assert _error(share["s3"].list_objects_v2, Bucket=share["bucket"], Prefix=prefix) == (403, "AccessDenied")


def test_listing_another_bucket_is_denied(share):
    assert _error(share["s3"].list_objects_v2, Bucket=share["other_bucket"], Prefix=PROJECT + "/") \
        == (403, "AccessDenied")


@pytest.mark.parametrize("key", ["results/other/patient.vcf", "results/chu-liege-2/secret.vcf", "top.txt"])
def test_reading_outside_the_folder_is_denied(share, key):
    assert _error(share["s3"].get_object, Bucket=share["bucket"], Key=key) == (403, "AccessDenied")


def test_reading_another_bucket_is_denied(share):
    assert _error(share["s3"].get_object, Bucket=share["other_bucket"], Key=PROJECT + "/x.vcf") \
        == (403, "AccessDenied")


@pytest.mark.parametrize("key", [PROJECT + "/new.vcf", "results/other/new.vcf", "new.txt"])
def test_writing_is_denied_and_writes_nothing(share, key):
    # Read-only collaborator: not inside the folder either.
    assert _error(share["s3"].put_object, Bucket=share["bucket"], Key=key, Body=b"x") == (403, "AccessDenied")
    assert _error(share["admin"].head_object, Bucket=share["bucket"], Key=key)[0] == 404


@pytest.mark.parametrize("key", [PROJECT + "/genome.vcf", "results/other/patient.vcf"])
def test_deleting_is_denied_and_deletes_nothing(share, key):
    assert _error(share["s3"].delete_object, Bucket=share["bucket"], Key=key) == (403, "AccessDenied")
    # The multi-object delete answers 200 with a per-key error.
    answer = share["s3"].delete_objects(Bucket=share["bucket"], Delete={"Objects": [{"Key": key}]})
    assert [(e["Key"], e["Code"]) for e in answer.get("Errors", [])] == [(key, "AccessDenied")]
    assert not answer.get("Deleted")
    assert share["admin"].get_object(Bucket=share["bucket"], Key=key)["Body"].read() == OBJECTS[key]


def test_the_collaborator_sees_no_other_bucket(share):
    names = [b["Name"] for b in share["s3"].list_buckets().get("Buckets", [])]
    assert share["other_bucket"] not in names


def test_the_collaborator_cannot_use_the_iam_api_on_others(share, weed):
    iam = weed.client("iam", share["key"], share["secret"])
    assert _error(iam.create_user, UserName=share["user"] + "-x")[0] == 403
    assert _error(iam.put_user_policy, UserName=share["user"], PolicyName="more",
                  PolicyDocument=json.dumps(template_policy("read-write", share["bucket"])))[0] == 403
    assert _error(iam.list_users)[0] == 403


def _mint_own_key(share):
    """The collaborator asks the IAM API for a new key of its own: the key made (then removed), or None if refused."""
    iam = share["weed"].client("iam", share["key"], share["secret"])
    try:
        made = iam.create_access_key(UserName=share["user"])["AccessKey"]
    except ClientError as exc:
        assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 403, exc.response
        return None
    # Made: it would live on outside the collection's records; remove it again.
    share["iam"].delete_access_key(UserName=share["user"], AccessKeyId=made["AccessKeyId"])
    return made["AccessKeyId"]


def test_the_collaborator_cannot_mint_itself_a_key(share):
    """The server runs with -s3.iam.selfServiceRequiresGrant=true, as the role will run it."""
    assert _mint_own_key(share) is None


def test_without_the_grant_flag_a_collaborator_mints_itself_a_key(weed_bin, tmp_path):
    """Why the flag is needed: SeaweedFS's default lets every identity make keys for itself.

    A server of its own, started without the flag: the same collaborator gets a key.
    """
    server = WeedServer(weed_bin, tmp_path, make_pki(tmp_path / "tls"), self_service_grant=False).start()
    try:
        assert _mint_own_key(make_share(server)) is not None
    finally:
        server.kill()


# --------------------------------------------------------------------------- links
def test_a_presigned_get_of_the_collaborator_works_inside_only(share, weed):
    inside = share["s3"].generate_presigned_url("get_object", ExpiresIn=300,
                                                Params={"Bucket": share["bucket"], "Key": PROJECT + "/genome.vcf"})
    assert "X-Amz-Signature=" in inside and "X-Amz-Credential=" + share["key"] in inside
    answer = requests.get(inside, verify=weed.ca_path, timeout=30)
    assert (answer.status_code, answer.content) == (200, OBJECTS[PROJECT + "/genome.vcf"])
    # Tampered with: another key under the same signature.
    assert requests.get(inside.replace("genome.vcf", "GENOME.vcf"), verify=weed.ca_path, timeout=30).status_code == 403
    outside = share["s3"].generate_presigned_url("get_object", ExpiresIn=300,
                                                 Params={"Bucket": share["bucket"], "Key": "results/other/patient.vcf"})
    answer = requests.get(outside, verify=weed.ca_path, timeout=30)
    assert answer.status_code == 403 and b"AccessDenied" in answer.content


def test_a_presigned_get_is_refused_after_its_expiry(share, weed):
    link = share["s3"].generate_presigned_url("get_object", ExpiresIn=2,
                                              Params={"Bucket": share["bucket"], "Key": PROJECT + "/genome.vcf"})
    assert requests.get(link, verify=weed.ca_path, timeout=30).status_code == 200
    time.sleep(3.5)
    answer = requests.get(link, verify=weed.ca_path, timeout=30)
    assert answer.status_code == 403 and b"AccessDenied" in answer.content


# --------------------------------------------------------------------------- service accounts
def _service_account(share, weed, expiration):
    status, root = weed.iam_action(weed.admin_key, weed.admin_secret, "CreateServiceAccount",
                                   ParentUser=share["user"], Description="s3share test", Expiration=str(expiration))
    return status, root


def test_a_service_account_with_an_expiration_is_refused_after_it(share, weed):
    """SeaweedFS's own IAM action (Expiration: Unix seconds); its key acts as the parent, with its policy."""
    expiration = int(time.time()) + 12
    status, root = _service_account(share, weed, expiration)
    assert status == 200, ET.tostring(root)
    access_key, secret_key = _text(root, "AccessKeyId"), _text(root, "SecretAccessKey")
    assert access_key and secret_key and _text(root, "ParentUser") == share["user"]
    assert _text(root, "Expiration") is not None
    account = weed.client("s3", access_key, secret_key)
    inside = PROJECT + "/genome.vcf"
    assert _eventually_read(account, share["bucket"], inside, timeout=8) == OBJECTS[inside]
    # Bounded by the parent's policy before its expiry.
    assert _error(account.get_object, Bucket=share["bucket"], Key="results/other/patient.vcf") == (403, "AccessDenied")
    assert time.time() < expiration, "too slow to see the account before its expiry"
    time.sleep(max(0.0, expiration - time.time()) + 2.5)
    status, code = _error(account.get_object, Bucket=share["bucket"], Key=inside)
    # The key is still known: an expired service account answers AccessDenied, not InvalidAccessKeyId.
    assert (status, code) == (403, "AccessDenied")
    assert _error(account.list_objects_v2, Bucket=share["bucket"], Prefix=PROJECT + "/")[0] == 403
    # The parent's own key is untouched.
    assert share["s3"].get_object(Bucket=share["bucket"], Key=inside)["Body"].read() == OBJECTS[inside]


def test_a_service_account_expiring_in_the_past_is_not_created(share, weed):
    status, root = _service_account(share, weed, int(time.time()) - 60)
    assert status == 400 and "expiration must be in the future" in (_text(root, "Message") or ""), ET.tostring(root)
