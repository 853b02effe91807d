# -*- coding: utf-8 -*-
"""The filter that turns the inventory's internal users into egid.s3share.minio_iam's set."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.egid.s3share.plugins.filter.iam import internal_iam


def test_one_policy_per_bucket_and_the_users_hold_it():
    users = [{"name": "alice", "bucket": "ligan", "secret_key": "s1-secret"},
             {"name": "bob", "bucket": "ligan", "secret_key": "s2-secret", "enabled": False},
             {"name": "carol", "bucket": "impact-pm", "secret_key": "s3-secret"},
             {"name": "dave", "state": "absent"}]
    groups = [{"name": "team", "members": ["alice"]}]
    result = internal_iam(users, groups)
    assert result["policies"] == [{"name": "rw-ligan", "template": "read-write", "bucket": "ligan"},
                                  {"name": "rw-impact-pm", "template": "read-write", "bucket": "impact-pm"}]
    assert result["users"] == [
        {"name": "alice", "secret_key": "s1-secret", "policies": ["rw-ligan"]},
        {"name": "bob", "secret_key": "s2-secret", "enabled": False, "policies": ["rw-ligan"]},
        {"name": "carol", "secret_key": "s3-secret", "policies": ["rw-impact-pm"]},
        {"name": "dave", "state": "absent"}]
    assert result["groups"] == groups


@pytest.mark.parametrize("users, expected", [
    ([{"name": "alice"}], "alice): needs a bucket"),
    ([{"bucket": "ligan"}], "[0]: needs a name"),
    ([{"name": "alice", "bucket": "ligan", "buckets": ["x"]}], "unknown keys buckets"),
    ("alice", "must be a list"),
])
def test_bad_inventory_entries_are_named(users, expected):
    with pytest.raises(AnsibleFilterError) as info:
        internal_iam(users)
    assert expected in str(info.value)


def test_a_name_prefix_names_the_policies_too():
    result = internal_iam([{"name": "lab-alice", "bucket": "ligan", "secret_key": "s1-secret"}], [], "lab-rw-")
    assert result["policies"][0]["name"] == "lab-rw-ligan"
    assert result["users"][0]["policies"] == ["lab-rw-ligan"]
