# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Policy normalisation and templates."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import sys

import pytest

_REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
sys.path.insert(0, os.path.join(_REPO, '.collections'))  # scripts/bootstrap.sh links the collection there

from ansible_collections.egid.s3share.plugins.module_utils._minio_policy import (  # noqa: E402
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
