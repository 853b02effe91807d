# -*- coding: utf-8 -*-
"""The bulk IAM set's checks that need no server (the rest runs against a real MinIO in tests/integration)."""

import pytest

from ansible_collections.egid.s3share.plugins.module_utils._minio.iam_set import (
    IamSetError, _purge_candidates, check_against_server, validate,
)


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
    ({"groups": [{"name": "lab-g", "members": ["collab-x"]}]}, "groups[0] (lab-g): refused, member collab-x"),
    ({"groups": [{"name": "lab-g", "members": ["root"]}], "name_prefix": ""}, "member root is not an internal"),
    ({"groups": [{"name": "lab-g", "policies": ["collab-x"]}]}, "policy collab-x is not an internal policy"),
    ({"policies": [{"name": "", "policy": {}}], "name_prefix": ""}, "policies[0] (): needs a name"),
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


class FakeState:
    """The cached server view IamState offers (users, policies, groups); no call leaves the process."""

    def __init__(self, users=None, policies=None, groups=None, entities=None):
        self._users, self._policies = dict(users or {}), dict(policies or {})
        self._groups, self.entities = dict(groups or {}), dict(entities or {})

    def users(self):
        return self._users

    def user(self, name):
        return self._users.get(name)

    def policies(self):
        return self._policies

    def policy(self, name):
        return self._policies.get(name)

    def group_names(self):
        return sorted(self._groups)

    def group(self, name):
        return self._groups.get(name)


def _user(status="enabled", policies=()):
    return {"status": status, "policies": list(policies), "member_of": []}


def test_a_disabled_user_whose_policies_change_is_refused_before_any_write():
    state = FakeState(users={"lab-alice": _user("disabled", ["lab-old"])}, policies={"lab-old": {}, "lab-rw": {}})
    spec = _spec(groups=[])
    with pytest.raises(IamSetError) as info:
        check_against_server(state, spec, "root", _purge_candidates(state, spec, "root"))
    assert "users[0] (lab-alice): MinIO cannot change the policies of a disabled user" in info.value.problems[0]
    spec["users"][0]["enabled"] = True   # enabling it in the same item is fine
    check_against_server(state, spec, "root", _purge_candidates(state, spec, "root"))


def test_purge_lists_only_unlisted_names_under_the_prefix_and_never_protected_ones():
    state = FakeState(users={"lab-alice": _user(), "lab-stray": _user(), "other": _user(), "root": _user()},
                      policies={"lab-rw": {}, "lab-old": {}, "readwrite": {}, "collab-x": {}},
                      groups={"lab-team": {}, "lab-gone": {}})
    spec = _spec(purge=True)
    assert _purge_candidates(state, spec, "root") == {
        "users": ["lab-stray"], "policies": ["lab-old"], "groups": ["lab-gone"]}


def test_a_policy_to_remove_may_only_be_held_by_what_the_set_detaches_or_removes(monkeypatch):
    from ansible_collections.egid.s3share.plugins.module_utils._minio import iam_set
    state = FakeState(users={"lab-alice": _user(policies=["lab-old"]), "bob": _user(policies=["lab-old"])},
                      policies={"lab-rw": {}, "lab-old": {}})
    spec = _spec(groups=[], policies=[{"name": "lab-rw", "template": "read-write", "bucket": "ligan"},
                                      {"name": "lab-old", "state": "absent"}])
    # The one admin call of this check (get-policy-entities), answered from the fake state.
    monkeypatch.setattr(iam_set, "policy_entities", lambda st, name: (
        sorted(u for u, info in st.users().items() if name in info["policies"]), []))
    with pytest.raises(IamSetError) as info:
        check_against_server(state, spec, "root", _purge_candidates(state, spec, "root"))
    # lab-alice gets exactly [lab-rw] from the set, so only bob still holds lab-old.
    assert info.value.problems == ["policy lab-old: cannot be removed, it is still attached to user bob"]
