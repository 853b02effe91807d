# -*- coding: utf-8 -*-
"""The bulk IAM set's checks that need no server (the rest runs against a real MinIO in tests/integration)."""

import pytest

from ansible_collections.egid.s3share.plugins.module_utils._minio.iam_set import IamSetError, validate


def _spec(**extra):
    spec = {"name_prefix": "lab-", "purge": False,
            "policies": [{"name": "lab-rw", "state": "present", "template": "read-write", "bucket": "ligan",
                          "prefix": "", "policy": None}],
            "users": [{"name": "lab-alice", "secret_key": "Alice-secret-1", "state": "present",
                       "policies": ["lab-rw"]}],
            "groups": [{"name": "lab-team", "state": "present", "members": ["lab-alice"]}]}
    spec.update(extra)
    return spec


def test_a_valid_set_returns_the_documents():
    documents = validate(_spec(), "root")
    assert list(documents) == ["lab-rw"]
    assert documents["lab-rw"]["Statement"][0]["Resource"] == ["arn:aws:s3:::ligan/*"]


@pytest.mark.parametrize("change, expected", [
    ({"users": [{"name": "lab-alice", "secret_key": "short"}]}, "users[0] (lab-alice): MinIO secret keys"),
    ({"users": [{"name": "lab-a" * 5, "secret_key": "Alice-secret-1"}]}, "3 to 20 characters"),
    ({"users": [{"name": "root", "secret_key": "Alice-secret-1"}], "name_prefix": ""}, "this is the root user"),
    ({"users": [{"name": "bob", "secret_key": "Alice-secret-1"}]}, "users[0] (bob): outside the name prefix"),
    ({"groups": [{"name": "lab-x"}, {"name": "lab-x"}]}, "groups[1] (lab-x): listed twice"),
    ({"policies": [{"name": "collab-x", "template": "read-only", "bucket": "ligan"}], "name_prefix": ""},
     "policies[0] (collab-x): refused"),
    ({"policies": [{"name": "readwrite", "policy": {}}], "name_prefix": ""}, "a built-in policy"),
    ({"policies": [{"name": "lab-p", "template": "read-only", "bucket": "ligan", "prefix": "../x"}]},
     "policies[0] (lab-p): invalid policy"),
    ({"policies": [{"name": "lab-p", "template": "custom"}]}, "policy is required with template=custom"),
    ({"users": [{"name": "lab-u", "policies": ["collab-x"]}]}, "policy collab-x belongs to a collaborator"),
    ({"name_prefix": "", "purge": True}, "purge needs a name_prefix"),
    ({"name_prefix": "s3share-", "users": [{"name": "s3share-links", "secret_key": "Links-secret-1"}]},
     "users[0] (s3share-links): refused, s3share-* identities belong to the roles"),
])
def test_every_bad_item_is_named_before_any_call(change, expected):
    with pytest.raises(IamSetError) as info:
        validate(_spec(**change), "root")
    assert any(expected in problem for problem in info.value.problems), info.value.problems


def test_all_problems_are_reported_at_once():
    spec = _spec(users=[{"name": "lab-a", "secret_key": "x"}, {"name": "zz", "secret_key": "y"}])
    with pytest.raises(IamSetError) as info:
        validate(spec, "root")
    assert len(info.value.problems) == 4
