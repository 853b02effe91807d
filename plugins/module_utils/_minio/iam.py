# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reconcile MinIO users, groups and canned policies.

Reads are cached per run: all users come from one ``list-users`` call and all
policies (with their documents) from one ``list-canned-policies`` call, so a
no-change reconcile of N users costs a constant number of admin calls. Each
``ensure_*`` function reads the cached state, computes the difference, returns
early in check mode before any write, updates the cache after a write, and
returns whether something changed (amazon.aws iam_user style).

Policies are attached with ``set-user-or-group-policy`` (``policy_set``),
which replaces the whole attachment list in one call and, unlike
``attach_policy``, needs no Argon2 payload encryption (about 80 ms of CPU per
call in the Python SDK).

No Ansible import: the benchmark and the server-side sweep use this file.
"""

import json

from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import (
    MinioActionError, absent_if_not_found, call, translated,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.diff import reconcile_set
from ansible_collections.egid.s3share.plugins.module_utils._minio.policy import (
    normalize_policy, policies_equal,
)

BUILTIN_POLICIES = frozenset(("consoleAdmin", "readonly", "readwrite", "writeonly", "diagnostics"))


def _split_policies(value):
    if not value:
        return []
    return sorted(p for p in value.split(",") if p)


class IamState:
    """Cached view of users, policies and groups for one run."""

    def __init__(self, admin):
        self.admin = admin
        self._users = None
        self._policies = None
        self._group_names = None
        self._groups = {}

    # users -----------------------------------------------------------------
    def users(self):
        if self._users is None:
            with translated("list", "users"):
                raw = json.loads(self.admin.user_list() or "{}")
            self._users = {}
            for name, info in (raw or {}).items():
                self._users[name] = {
                    "status": info.get("status", "enabled"),
                    "policies": _split_policies(info.get("policyName")),
                    "member_of": sorted(info.get("memberOf") or []),
                }
        return self._users

    def user(self, name):
        return self.users().get(name)

    # policies --------------------------------------------------------------
    def policies(self):
        if self._policies is None:
            with translated("list", "policies"):
                raw = json.loads(self.admin.policy_list() or "{}")
            self._policies = dict(raw or {})
        return self._policies

    def policy(self, name):
        return self.policies().get(name)

    # groups ----------------------------------------------------------------
    def group_names(self):
        if self._group_names is None:
            with translated("list", "groups"):
                self._group_names = sorted(json.loads(self.admin.group_list() or "[]") or [])
        return self._group_names

    def group(self, name):
        if name not in self.group_names():
            return None
        if name not in self._groups:
            info = None
            with translated("read", "group %s" % name, not_found_ok=True):
                info = json.loads(self.admin.group_info(name))
            if info is None:
                return None
            self._groups[name] = {
                "status": info.get("status", "enabled"),
                "members": sorted(info.get("members") or []),
                "policies": _split_policies(info.get("policy")),
            }
        return self._groups[name]


def user_view(info):
    """The user as shown in diffs and results (never the secret)."""
    if info is None:
        return {"state": "absent"}
    return {"state": "present", "status": info["status"], "policies": list(info["policies"]),
            "member_of": list(info.get("member_of") or [])}


def check_policies_exist(state, names, what):
    missing = sorted(set(names or []) - set(state.policies()))
    if missing:
        return "%s: unknown polic%s %s (create them with minio_policy first)" % (
            what, "y" if len(missing) == 1 else "ies", ", ".join(missing))
    return None


def ensure_user_absent(state, name, check_mode, tracker=None, label=None):
    """Remove a user (MinIO removes its service accounts and STS keys with it).

    label names the user in an error message (default "user <name>").
    """
    current = state.user(name)
    if tracker is not None:
        tracker.add("user", user_view(current), user_view(None))
    if current is None:
        return False
    if not check_mode:
        absent_if_not_found("remove", label or "user %s" % name, state.admin.user_remove, name)
    state.users().pop(name, None)
    return True


DISABLED_POLICY_CHANGE = ("MinIO cannot change the policies of a disabled user; enable it in the same "
                          "task (enabled: true) or change its policies before disabling it")


def disabled_policy_change(current, enabled, secret_key, update_password, policies, policies_mode):
    """True when the policies of a user that stays disabled would change without a password reset.

    MinIO refuses policy changes on a disabled user; a password reset (user_add)
    re-enables it for the time of the change, so only then can they be made.
    """
    if not current or current["status"] != "disabled" or enabled:
        return False
    to_add, to_remove, dummy = reconcile_set(current["policies"], policies, policies_mode)
    resets = bool(secret_key) and update_password == "always"
    return bool(to_add or to_remove) and not resets


def ensure_user_present(state, name, secret_key=None, enabled=None, update_password="on_create",
                        policies=None, policies_mode="exact", check_mode=False, tracker=None,
                        password_matches=None):
    """Create or update a user. Returns True when something changed.

    password_matches(name, secret) -> bool|None is used with
    update_password=always to avoid resetting an unchanged password.
    """
    current = state.user(name)
    before = user_view(current)
    status = current["status"] if current else None
    cur_policies = current["policies"] if current else []
    to_add, to_remove, wanted_policies = reconcile_set(cur_policies, policies, policies_mode)
    want_status = status or "enabled"
    if enabled is not None:
        want_status = "enabled" if enabled else "disabled"
    after = {"state": "present", "status": want_status, "policies": wanted_policies,
             "member_of": list(current.get("member_of") or []) if current else []}

    set_password = False
    if current is None:
        if not secret_key:
            raise MinioActionError("create", "user %s" % name, "secret_key is required to create a user")
        set_password = True
    elif secret_key and update_password == "always":
        matches = password_matches(name, secret_key) if (password_matches and status == "enabled") else None
        set_password = not matches
    if set_password and current is not None:
        after["password"] = "changed"
        before["password"] = "unchanged"
    if tracker is not None:
        tracker.add("user", before, after)

    changed = set_password or want_status != (status or want_status) or bool(to_add or to_remove)
    if current is None:
        changed = True
    if disabled_policy_change(current, enabled, secret_key, update_password, policies, policies_mode):
        raise MinioActionError("set the policies of", "user %s" % name, DISABLED_POLICY_CHANGE)
    if not changed or check_mode:
        if changed:
            state.users()[name] = {"status": want_status, "policies": wanted_policies,
                                   "member_of": after["member_of"]}
        return changed

    # MinIO refuses policy changes on a disabled user (XMinioAdminNoSuchUser), so the order is:
    # password (user_add re-enables), enable, policies, then disable.
    if set_password:
        call("create" if current is None else "set the password of", "user %s" % name,
             state.admin.user_add, name, secret_key)
        status = "enabled"
    if want_status == "enabled" and status != "enabled":
        call("enable", "user %s" % name, state.admin.user_enable, name)
        status = "enabled"
    if to_add or to_remove or (current is None and wanted_policies):
        call("set the policies of", "user %s" % name, state.admin.policy_set,
             ",".join(wanted_policies), user=name)
    if want_status == "disabled" and status != "disabled":
        call("disable", "user %s" % name, state.admin.user_disable, name)
    state.users()[name] = {"status": want_status, "policies": wanted_policies, "member_of": after["member_of"]}
    return True


def ensure_policy(state, name, document, check_mode, tracker=None):
    """Create or update a canned policy with normalised comparison."""
    current = state.policy(name)
    wanted = normalize_policy(document)
    before = normalize_policy(current) if current else None
    if tracker is not None:
        tracker.add("policy", before, wanted)
    if before is not None and policies_equal(before, wanted):
        return False
    if not check_mode:
        call("create" if current is None else "update", "policy %s" % name,
             state.admin.policy_add, name, policy=wanted)
    state.policies()[name] = wanted
    return True


def policy_entities(state, name):
    """Users and groups a policy is attached to (one admin call)."""
    with translated("read the attachments of", "policy %s" % name):
        raw = json.loads(state.admin.get_policy_entities(users=[], groups=[], policies=[name]) or "{}")
    users, groups = set(), set()
    for mapping in raw.get("policyMappings") or []:
        if mapping.get("policy") == name:
            users.update(mapping.get("users") or [])
            groups.update(mapping.get("groups") or [])
    return sorted(users), sorted(groups)


def ensure_policy_absent(state, name, check_mode, tracker=None, detach=False, label=None, try_first=False):
    """Remove a canned policy; with detach, detach it from its users and groups first.

    label names the policy in an error message (default "policy <name>").
    try_first (with detach) removes it at once and lists its attachments only
    when the server says it is still in use: a caller that has just removed
    the policy's users spares that listing (the collaborator sweep).
    """
    current = state.policy(name)
    if tracker is not None:
        tracker.add("policy", normalize_policy(current) if current else None, None)
    if current is None:
        return False
    if try_first and detach:
        if check_mode:
            state.policies().pop(name, None)
            return True
        with translated("remove", label or "policy %s" % name, not_found_ok=True,
                        ok_codes=("XMinioIAMPolicyInUse",)) as outcome:
            state.admin.policy_remove(name)
        if outcome.code is None:
            state.policies().pop(name, None)
            return True
        # Attached somewhere else too (a group): detach it everywhere, then remove it.
    users, groups = policy_entities(state, name)
    if (users or groups) and not detach:
        raise MinioActionError("remove", "policy %s" % name,
                               "it is still attached to %s" % ", ".join(
                                   ["user %s" % u for u in users] + ["group %s" % g for g in groups]))
    if not check_mode:
        for user in users:
            info = state.user(user)
            remaining = [p for p in (info["policies"] if info else []) if p != name]
            call("detach policy %s from" % name, "user %s" % user, state.admin.policy_set,
                 ",".join(remaining), user=user)
        for group in groups:
            info = state.group(group)
            remaining = [p for p in (info["policies"] if info else []) if p != name]
            call("detach policy %s from" % name, "group %s" % group, state.admin.policy_set,
                 ",".join(remaining), group=group)
        absent_if_not_found("remove", label or "policy %s" % name, state.admin.policy_remove, name)
    state.policies().pop(name, None)
    return True


def group_view(info):
    if info is None:
        return {"state": "absent"}
    return {"state": "present", "status": info["status"], "members": list(info["members"]),
            "policies": list(info["policies"])}


def ensure_group_present(state, name, members=None, members_mode="exact", policies=None,
                         policies_mode="exact", enabled=None, check_mode=False, tracker=None):
    current = state.group(name)
    cur_members = current["members"] if current else []
    cur_policies = current["policies"] if current else []
    m_add, m_remove, m_result = reconcile_set(cur_members, members, members_mode)
    p_add, p_remove, p_result = reconcile_set(cur_policies, policies, policies_mode)
    status = current["status"] if current else "enabled"
    want_status = status if enabled is None else ("enabled" if enabled else "disabled")
    after = {"state": "present", "status": want_status, "members": m_result, "policies": p_result}
    if tracker is not None:
        tracker.add("group", group_view(current), after)
    changed = current is None or bool(m_add or m_remove or p_add or p_remove) or want_status != status
    if not changed:
        return False
    if not check_mode:
        if current is None or m_add:
            call("add members to" if current else "create", "group %s" % name,
                 state.admin.group_add, name, m_add)
        if m_remove:
            call("remove members from", "group %s" % name, state.admin.group_remove, name, m_remove)
        if p_add or p_remove:
            call("set the policies of", "group %s" % name, state.admin.policy_set,
                 ",".join(p_result), group=name)
        if want_status != status:
            func = state.admin.group_disable if want_status == "disabled" else state.admin.group_enable
            call("disable" if want_status == "disabled" else "enable", "group %s" % name, func, name)
    if current is None:
        state.group_names().append(name)
        state.group_names().sort()
    state._groups[name] = {"status": want_status, "members": m_result, "policies": p_result}
    return True


def ensure_group_absent(state, name, check_mode, tracker=None):
    current = state.group(name)
    if tracker is not None:
        tracker.add("group", group_view(current), group_view(None))
    if current is None:
        return False
    if not check_mode:
        if current["members"]:
            call("remove members from", "group %s" % name, state.admin.group_remove, name, current["members"])
        absent_if_not_found("remove", "group %s" % name, state.admin.group_remove, name)
    state.group_names().remove(name)
    state._groups.pop(name, None)
    return True


# access keys derived from a user ----------------------------------------------
# A user can own service accounts (long-lived access keys) and STS keys
# (temporary ones); both act with the user's policies until they expire.
# minio-py has no call for MinIO's bulk listing of builtin users' keys nor for
# revoking STS tokens, so these two go through the SDK's signed admin request
# with the path MinIO's admin router declares.

class _AdminPath:
    """What MinioAdmin._url_open() reads from its command argument."""

    def __init__(self, value):
        self.value = value


def _decrypt(admin, response):
    from minio.crypto import decrypt  # pylint: disable=import-outside-toplevel
    return decrypt(response, admin._provider.retrieve().secret_key)  # pylint: disable=protected-access


def list_access_keys(state, users):
    """{user: {"service_accounts": [...], "sts_keys": [...]}} for the given users, in one admin call."""
    users = sorted(set(users))
    if not users:
        return {}
    with translated("list the access keys of", "users %s" % ", ".join(users)):
        response = state.admin._url_open(  # pylint: disable=protected-access
            method="GET", command=_AdminPath("list-access-keys-bulk"),
            query_params={"users": users, "listType": "all"}, preload_content=False)
        raw = json.loads(_decrypt(state.admin, response).decode("utf-8") or "{}")
    result = {}
    for user in users:
        entry = raw.get(user) or {}
        result[user] = {
            "service_accounts": sorted(k["accessKey"] for k in entry.get("serviceAccounts") or []),
            "sts_keys": sorted(k["accessKey"] for k in entry.get("stsKeys") or []),
        }
    return result


def derived_keys(state, user):
    """The user's service accounts and STS keys, {"service_accounts": [...], "sts_keys": [...]} (one admin call)."""
    return list_access_keys(state, [user]).get(user) or {"service_accounts": [], "sts_keys": []}


def revoke_access_keys(state, user, keys):
    """Delete the service accounts and revoke the STS keys that derived_keys() found for the user."""
    for access_key in keys["service_accounts"]:
        absent_if_not_found("delete", "service account %s of user %s" % (access_key, user),
                            state.admin.delete_service_account, access_key)
    if keys["sts_keys"]:
        call("revoke the STS keys of", "user %s" % user, state.admin._url_open,  # pylint: disable=protected-access
             method="POST", command=_AdminPath("revoke-tokens/builtin"),
             query_params={"user": user, "fullRevoke": "true"})
