# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Policy normalisation and templates."""

import json

import pytest

from ansible_collections.egid.s3share.plugins.module_utils._minio.policy import (
    PolicyError, canonical_json, normalize_policy, normalize_prefix, policies_equal, template_policy,
    validate_bucket_name,
)


def test_string_equals_one_element_list_and_order_does_not_matter():
    a = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/p/*"},
        {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": ["arn:aws:s3:::b"],
         "Condition": {"StringLike": {"s3:prefix": ["p/*", "p/"]}}}]}
    b = {"Statement": [
        {"Resource": ["arn:aws:s3:::b"], "Effect": "Allow", "Action": "s3:ListBucket",
         "Condition": {"StringLike": {"s3:prefix": ["p/", "p/*", "p/"]}}},
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObject"], "Resource": ["arn:aws:s3:::b/p/*"]}]}
    assert policies_equal(a, b)
    assert policies_equal(json.dumps(a), b)
    assert canonical_json(a) == canonical_json(json.dumps(b, indent=2))


def test_real_differences_are_seen():
    base = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/p/*"}]}
    for other in (
            {"Statement": [{"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/p/*"}]},
            {"Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/p/*"}]},
            {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]},
            {"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                            "Resource": "arn:aws:s3:::b/p/*"}]}):
        assert not policies_equal(base, other)


@pytest.mark.parametrize("bad", ["not json", "[]", {"Version": "2012-10-17"}, {"Statement": []},
                                 {"Statement": [{"Action": "s3:*"}]}])
def test_invalid_documents_are_refused(bad):
    with pytest.raises(PolicyError):
        normalize_policy(bad)


def test_read_only_template_is_least_privilege():
    doc = template_policy("read-only", "ligan", "results/chu-liege/")
    actions = sorted(a for s in doc["Statement"] for a in s["Action"])
    assert actions == ["s3:GetObject", "s3:ListBucket"]
    get = [s for s in doc["Statement"] if s["Action"] == ["s3:GetObject"]][0]
    assert get["Resource"] == ["arn:aws:s3:::ligan/results/chu-liege/*"]
    listing = [s for s in doc["Statement"] if s["Action"] == ["s3:ListBucket"]][0]
    assert listing["Resource"] == ["arn:aws:s3:::ligan"]
    # The bare prefix is not listable: it would reveal results/chu-liege-2/.
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["results/chu-liege/", "results/chu-liege/*"]}}


def test_read_write_template_and_whole_bucket():
    doc = template_policy("read-write", "ligan")
    actions = set(a for s in doc["Statement"] for a in s["Action"])
    assert {"s3:PutObject", "s3:DeleteObject", "s3:GetObject", "s3:ListBucket"} <= actions
    assert "s3:*" not in actions and not any("Condition" in s for s in doc["Statement"])
    assert policies_equal(doc, normalize_policy(doc))


@pytest.mark.parametrize("prefix,message", [
    ("../other", "'..'"), ("results/../../x", "'..'"), ("/results", "must not start with '/'"),
    ("results/*", "wildcards"), ("results/?", "wildcards"), ("results//x", "'..'"), ("a/${aws:username}", "'${'"),
    ("results/./x", "'..'"),
])
def test_bad_prefixes(prefix, message):
    with pytest.raises(PolicyError) as exc:
        normalize_prefix(prefix)
    assert message in str(exc.value)


def test_good_prefixes():
    assert normalize_prefix("results/chu-liege/") == "results/chu-liege"
    assert normalize_prefix("") == "" and normalize_prefix(None) == ""


@pytest.mark.parametrize("bucket", ["ab", "Ligan", "-ligan", "ligan-", "a..b", "192.168.1.1", "a_b", "x" * 64])
def test_bad_bucket_names(bucket):
    assert validate_bucket_name(bucket)


def test_good_bucket_names():
    assert validate_bucket_name("ligan") is None and validate_bucket_name("impact-pm") is None


# --------------------------------------------------------------------------- collaborator and link policies
from ansible_collections.egid.s3share.plugins.module_utils._minio.policy import (
    collaborator_policy, link_signer_policy, policy_expiry,
)


def _actions(document, effect):
    return set(a for s in document["Statement"] if s["Effect"] == effect for a in s["Action"])


def test_collaborator_policy_ends_every_grant_at_the_expiry():
    doc = collaborator_policy("read-write", "ligan", "results/p", "2026-12-23T08:00:00Z")
    allows = [s for s in doc["Statement"] if s["Effect"] == "Allow"]
    assert allows and all(s["Condition"]["DateLessThan"]["aws:CurrentTime"] == ["2026-12-23T08:00:00Z"]
                          for s in allows)
    assert policy_expiry(doc) == "2026-12-23T08:00:00Z"
    assert policy_expiry(json.dumps(doc)) == "2026-12-23T08:00:00Z"


def test_collaborator_policy_denials():
    doc = collaborator_policy("read-write", "ligan", "results/p", "2026-12-23T08:00:00Z")
    denied = _actions(doc, "Deny")
    assert "admin:*" in denied and "s3:DeleteObjectVersion" in denied and "s3:ListBucketVersions" in denied
    # MinIO lets a statement naming s3:GetObjectVersion match s3:GetObject: denying it would deny every download.
    assert "s3:GetObjectVersion" not in denied
    by_condition = {json.dumps(s.get("Condition"), sort_keys=True): s for s in doc["Statement"] if s["Effect"] == "Deny"}
    assert any("s3:versionid" in k for k in by_condition)
    # The console downloads with versionId=null (the only version of an unversioned or excluded folder).
    version_denies = [s for s in doc["Statement"] if s["Effect"] == "Deny" and "s3:versionid" in json.dumps(s)]
    assert [s["Action"] for s in version_denies if "StringNotEquals" in s["Condition"]] == [["s3:GetObject"]]
    assert [s["Condition"] for s in version_denies if s["Action"] == ["s3:DeleteObject"]] == [
        {"StringLike": {"s3:versionid": ["?*"]}}]
    # The web console works through STS keys evaluated against this same policy: no principal-type denial.
    assert not any("principaltype" in k for k in by_condition)
    # Bucket-wide actions MinIO cannot limit to a prefix are not granted on a prefix.
    allowed = _actions(doc, "Allow")
    assert not allowed & {"s3:ListBucketMultipartUploads", "s3:GetBucketLocation"}


def test_collaborator_policy_needs_a_prefix():
    with pytest.raises(PolicyError):
        collaborator_policy("read-only", "ligan", "", "2026-12-23T08:00:00Z")


@pytest.mark.parametrize("document", [
    {"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::b/*"]}]},
    {"Statement": []}, "not json", {"Statement": "x"},
])
def test_policy_expiry_none_without_a_time_limit_on_every_grant(document):
    assert policy_expiry(document) is None


def test_link_signer_policy_reads_the_folders_only():
    doc = link_signer_policy(["ligan/results/", "impact-pm/results/"])
    assert _actions(doc, "Allow") == {"s3:GetObject"}
    assert doc["Statement"][0]["Resource"] == ["arn:aws:s3:::impact-pm/results/*", "arn:aws:s3:::ligan/results/*"]
    for bad in (["ligan/"], ["ligan"], ["Bad/results/"], ["ligan/../x/"], []):
        with pytest.raises(PolicyError):
            link_signer_policy(bad)


def test_collaborator_and_link_signer_policies_deny_signature_v2():
    """A SigV2 presigned link escapes the 7-day limit: both policies deny s3:signatureversion AWS."""
    for doc in (collaborator_policy("read-only", "ligan", "results/p", "2026-12-23T08:00:00Z"),
                link_signer_policy(["ligan/results/p/"])):
        v2 = [s for s in doc["Statement"] if s["Effect"] == "Deny"
              and s.get("Condition") == {"StringEquals": {"s3:signatureversion": ["AWS"]}}]
        assert len(v2) == 1 and v2[0]["Action"] == ["s3:*"] and v2[0]["Resource"] == ["arn:aws:s3:::*"]
