# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IAM reconcile decisions against an in-memory fake of the SDK (the client factory seam).

FakeAdmin and FakeS3 live in tests/unit/minio_fakes.py (test_minio_modules.py uses them too).
"""

import pytest
from minio_fakes import READ, FakeAdmin

from ansible_collections.egid.s3share.plugins.module_utils._minio.diff import (
    DifferenceTracker, reconcile_set,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import MinioActionError
from ansible_collections.egid.s3share.plugins.module_utils._minio.iam import (
    IamState, ensure_group_absent, ensure_group_present, ensure_policy, ensure_policy_absent,
    ensure_user_absent, ensure_user_present,
)


# --------------------------------------------------------------------------- tests
@pytest.mark.parametrize("mode,expected", [
    ("present", (["c"], [], ["a", "b", "c"])),
    ("absent", ([], ["b"], ["a"])),
    ("exact", (["c"], ["a"], ["b", "c"])),
])
def test_reconcile_set(mode, expected):
    assert reconcile_set(["a", "b"], ["b", "c"], mode) == expected


def test_reconcile_set_none_leaves_alone():
    assert reconcile_set(["a"], None, "exact") == ([], [], ["a"])


def test_difference_tracker():
    tracker = DifferenceTracker()
    tracker.add("user", {"status": "enabled"}, {"status": "enabled"})
    assert tracker.changed_names() == []
    tracker.add("policy", None, {"a": 1})
    assert tracker.changed_names() == ["policy"]
    assert tracker.diff() == {"before": {"user": {"status": "enabled"}, "policy": None},
                              "after": {"user": {"status": "enabled"}, "policy": {"a": 1}}}


def test_new_user_check_mode_predicts_and_writes_nothing():
    admin = FakeAdmin()
    admin.policies["ro"] = READ
    tracker = DifferenceTracker()
    assert ensure_user_present(IamState(admin), "alice", "secret123", policies=["ro"], check_mode=True,
                               tracker=tracker)
    assert admin.writes == []
    assert tracker.diff()["after"]["user"] == {"state": "present", "status": "enabled", "policies": ["ro"],
                                               "member_of": []}


def test_new_disabled_user_gets_policies_before_being_disabled():
    admin = FakeAdmin()
    admin.policies["ro"] = READ
    assert ensure_user_present(IamState(admin), "alice", "secret123", enabled=False, policies=["ro"])
    assert [c[0] for c in admin.writes] == ["user_add", "policy_set", "user_disable"]
    assert admin.users["alice"]["status"] == "disabled" and admin.users["alice"]["policies"] == ["ro"]


def test_password_reset_keeps_a_disabled_user_disabled():
    admin = FakeAdmin()
    admin.users["alice"] = {"status": "disabled", "policies": [], "secret": "old"}
    assert ensure_user_present(IamState(admin), "alice", "new-secret", update_password="always",
                               password_matches=lambda *a: None)
    assert [c[0] for c in admin.writes] == ["user_add", "user_disable"]
    assert admin.users["alice"]["status"] == "disabled"


def test_unchanged_password_is_not_reset():
    admin = FakeAdmin()
    admin.users["alice"] = {"status": "enabled", "policies": [], "secret": "s"}
    assert not ensure_user_present(IamState(admin), "alice", "s", update_password="always",
                                   password_matches=lambda name, secret: True)
    assert not ensure_user_present(IamState(admin), "alice", "other", update_password="on_create")
    assert admin.writes == []


def test_policies_of_a_disabled_user_are_refused_clearly():
    admin = FakeAdmin()
    admin.policies["ro"] = READ
    admin.users["alice"] = {"status": "disabled", "policies": [], "secret": "s"}
    with pytest.raises(MinioActionError) as exc:
        ensure_user_present(IamState(admin), "alice", policies=["ro"])
    assert "disabled user" in str(exc.value) and admin.writes == []


def test_policy_purge_modes():
    admin = FakeAdmin()
    admin.policies.update(a=READ, b=READ, c=READ)
    admin.users["alice"] = {"status": "enabled", "policies": ["a", "b"], "secret": "s"}
    state = IamState(admin)
    assert ensure_user_present(state, "alice", policies=["c"], policies_mode="present")
    assert admin.users["alice"]["policies"] == ["a", "b", "c"]
    assert ensure_user_present(state, "alice", policies=["a"], policies_mode="absent")
    assert admin.users["alice"]["policies"] == ["b", "c"]
    assert ensure_user_present(state, "alice", policies=["b"], policies_mode="exact")
    assert admin.users["alice"]["policies"] == ["b"]
    assert not ensure_user_present(state, "alice", policies=["b"])


def test_user_absent():
    admin = FakeAdmin()
    admin.users["alice"] = {"status": "enabled", "policies": [], "secret": "s"}
    assert ensure_user_absent(IamState(admin), "alice", check_mode=True) and "alice" in admin.users
    assert ensure_user_absent(IamState(admin), "alice", check_mode=False) and "alice" not in admin.users
    assert not ensure_user_absent(IamState(admin), "alice", check_mode=False)


def test_no_change_reconcile_costs_constant_reads():
    admin = FakeAdmin()
    for i in range(200):
        admin.policies["p%d" % i] = READ
        admin.users["u%d" % i] = {"status": "enabled", "policies": ["p%d" % i], "secret": "s"}
    state = IamState(admin)
    for i in range(200):
        assert not ensure_policy(state, "p%d" % i, READ, check_mode=False)
        assert not ensure_user_present(state, "u%d" % i, "secret%d" % i, policies=["p%d" % i])
    assert sorted(c[0] for c in admin.calls) == ["policy_list", "user_list"]


def test_policy_normalised_comparison_and_update():
    admin = FakeAdmin()
    admin.policies["p"] = READ
    same = {"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}}
    assert not ensure_policy(IamState(admin), "p", same, check_mode=False)
    other = {"Statement": {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*"}}
    assert ensure_policy(IamState(admin), "p", other, check_mode=True) and admin.writes == []
    assert ensure_policy(IamState(admin), "p", other, check_mode=False)
    assert admin.writes == [("policy_add", "p")]


def test_policy_absent_refuses_when_attached_unless_detach():
    admin = FakeAdmin()
    admin.policies["p"] = READ
    admin.users["alice"] = {"status": "enabled", "policies": ["p"], "secret": "s"}
    with pytest.raises(MinioActionError) as exc:
        ensure_policy_absent(IamState(admin), "p", check_mode=False)
    assert "still attached to user alice" in str(exc.value) and "p" in admin.policies
    assert ensure_policy_absent(IamState(admin), "p", check_mode=False, detach=True)
    assert "p" not in admin.policies and admin.users["alice"]["policies"] == []


def test_group_membership_and_removal():
    admin = FakeAdmin()
    admin.policies["p"] = READ
    for user in ("a", "b", "c"):
        admin.users[user] = {"status": "enabled", "policies": [], "secret": "s"}
    state = IamState(admin)
    assert ensure_group_present(state, "g", members=["a", "b"], policies=["p"])
    assert admin.groups["g"] == {"status": "enabled", "members": ["a", "b"], "policies": ["p"]}
    assert not ensure_group_present(IamState(admin), "g", members=["b", "a"], policies=["p"])
    assert ensure_group_present(IamState(admin), "g", members=["c"], members_mode="exact")
    assert admin.groups["g"]["members"] == ["c"]
    assert ensure_group_absent(IamState(admin), "g", check_mode=False)
    assert "g" not in admin.groups
