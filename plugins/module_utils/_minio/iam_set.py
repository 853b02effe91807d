# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reconcile a whole set of MinIO policies, users and groups in one run.

The bulk form of minio_policy, minio_user and minio_group: one module start,
one connection, and a constant number of list calls (one ``list-users``, one
``list-canned-policies`` with every document, one ``list-groups``) whatever
the number of items, then one ``group-info`` per group the set names and a
write only where something differs. The per-item decisions are the ones of
the single-item modules: this file calls the same ``ensure_*`` functions of
``_minio.iam``.

Everything is judged before the first write: each item is checked on its own
(names, secrets, documents, the name prefix, identities the set must never
touch), then against the server (unknown policies, missing members, a policy
to remove that something outside the set still uses). Any problem fails the
whole run, naming the item, and nothing is written.

No Ansible import: the module is a thin layer over ``reconcile()``.
"""

from ansible_collections.egid.s3share.plugins.module_utils._minio.names import POLICY_PREFIX
from ansible_collections.egid.s3share.plugins.module_utils._minio.diff import DifferenceTracker
from ansible_collections.egid.s3share.plugins.module_utils._minio.iam import (
    BUILTIN_POLICIES, DISABLED_POLICY_CHANGE, disabled_policy_change, ensure_group_absent, ensure_group_present, ensure_policy, ensure_policy_absent,
    ensure_user_absent, ensure_user_present, group_view, policy_entities, user_view,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.policy import (
    PolicyError, internal_policy, normalize_policy,
)

KINDS = ("policies", "users", "groups")
_SINGULAR = {"policies": "policy", "users": "user", "groups": "group"}


class IamSetError(ValueError):
    """The set cannot be applied; ``problems`` names each bad item."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


def _label(kind, index, item):
    return "%s[%d] (%s)" % (kind, index, item.get("name"))


# The collection's own service identities (the link signer s3share-links, the
# metrics identity s3share-metrics) belong to the roles that create them.
SERVICE_PREFIX = "s3share-"


def _protected(name):
    """Why the set must never manage this identity, or None."""
    if name.startswith(POLICY_PREFIX):
        return "%s* identities belong to the collaborator modules and the sweep" % POLICY_PREFIX
    if name.startswith(SERVICE_PREFIX):
        return "%s* identities belong to the roles that create them (link signer, metrics)" % SERVICE_PREFIX
    return None


def _policy_document(item):
    if item.get("template", "custom") == "custom":
        if not item.get("policy"):
            raise PolicyError("policy is required with template=custom")
        return normalize_policy(item["policy"])
    if not item.get("bucket"):
        raise PolicyError("bucket is required with template=%s" % item["template"])
    return internal_policy(item["template"], item["bucket"], item.get("prefix") or "")


def validate(spec, root_user):
    """Check every item without calling the server.

    Returns the policy documents by name (for the policies to keep). Raises
    IamSetError listing every problem found.
    """
    problems, documents = [], {}
    name_prefix = spec.get("name_prefix") or ""
    if spec.get("purge") and not name_prefix:
        problems.append("purge needs a name_prefix: without one it would remove every account it was not given")
    for kind in KINDS:
        seen = set()
        for index, item in enumerate(spec.get(kind) or []):
            label, name = _label(kind, index, item), item.get("name") or ""
            if not name:
                problems.append("%s: needs a name" % label)
            if name in seen:
                problems.append("%s: listed twice" % label)
            seen.add(name)
            if name_prefix and not name.startswith(name_prefix):
                problems.append("%s: outside the name prefix %r this run manages" % (label, name_prefix))
            reason = _protected(name)
            if reason:
                problems.append("%s: refused, %s" % (label, reason))
            if kind == "users":
                if not 3 <= len(name) <= 20:
                    problems.append("%s: MinIO access keys have 3 to 20 characters" % label)
                if root_user and name == root_user:
                    problems.append("%s: refused, this is the root user" % label)
                secret = item.get("secret_key")
                if secret is not None and not 8 <= len(secret) <= 40:
                    problems.append("%s: MinIO secret keys have 8 to 40 characters" % label)
                for policy in item.get("policies") or []:
                    if _protected(policy):
                        problems.append("%s: refused, policy %s belongs to a collaborator" % (label, policy))
            elif kind == "policies":
                if name in BUILTIN_POLICIES:
                    problems.append("%s: refused, a built-in policy" % label)
                if item.get("state", "present") == "present":
                    try:
                        documents[name] = _policy_document(item)
                    except PolicyError as exc:
                        problems.append("%s: invalid policy: %s" % (label, exc))
            else:
                for member in item.get("members") or []:
                    if _protected(member) or (root_user and member == root_user):
                        problems.append("%s: refused, member %s is not an internal account" % (label, member))
                for policy in item.get("policies") or []:
                    if _protected(policy):
                        problems.append("%s: refused, policy %s is not an internal policy" % (label, policy))
    if problems:
        raise IamSetError(problems)
    return documents


def _present(spec, kind):
    return {i["name"]: i for i in spec.get(kind) or [] if i.get("state", "present") == "present"}


def _absent(spec, kind):
    return {i["name"] for i in spec.get(kind) or [] if i.get("state", "present") == "absent"}


def _purge_candidates(state, spec, root_user):
    """Names under the prefix that the set does not list, per kind."""
    if not spec.get("purge"):
        return {kind: [] for kind in KINDS}
    prefix = spec["name_prefix"]
    listed = {kind: {i["name"] for i in spec.get(kind) or []} for kind in KINDS}
    existing = {
        "policies": [n for n in state.policies() if n not in BUILTIN_POLICIES],
        "users": [n for n in state.users() if n != root_user],
        "groups": state.group_names(),
    }
    return {kind: sorted(n for n in existing[kind]
                         if n.startswith(prefix) and n not in listed[kind] and not _protected(n))
            for kind in KINDS}


def check_against_server(state, spec, root_user, purged):
    """Problems that need the server's state; raises IamSetError before any write."""
    problems = []
    keep_policies = set(state.policies()) | set(_present(spec, "policies"))
    gone_policies = _absent(spec, "policies") | set(purged["policies"])
    keep_policies -= gone_policies
    gone_users = _absent(spec, "users") | set(purged["users"])
    keep_users = (set(state.users()) | set(_present(spec, "users"))) - gone_users
    gone_groups = _absent(spec, "groups") | set(purged["groups"])
    for index, item in enumerate(spec.get("users") or []):
        label, name = _label("users", index, item), item["name"]
        current = state.user(name)
        if current and any(_protected(p) for p in current["policies"]):
            problems.append("%s: refused, this account holds a collaborator policy" % label)
        if item.get("state", "present") != "present":
            continue
        if current is None and not item.get("secret_key"):
            problems.append("%s: secret_key is required to create a user" % label)
        if item.get("policies_mode", "exact") != "absent":
            missing = sorted(set(item.get("policies") or []) - keep_policies)
            if missing:
                problems.append("%s: unknown or removed polic%s %s" % (
                    label, "y" if len(missing) == 1 else "ies", ", ".join(missing)))
        if disabled_policy_change(current, item.get("enabled"), item.get("secret_key"),
                                  item.get("update_password", "on_create"), item.get("policies"),
                                  item.get("policies_mode", "exact")):
            problems.append("%s: %s" % (label, DISABLED_POLICY_CHANGE))
    for index, item in enumerate(spec.get("groups") or []):
        label = _label("groups", index, item)
        if item.get("state", "present") != "present":
            continue
        if item.get("policies_mode", "exact") != "absent":
            missing = sorted(set(item.get("policies") or []) - keep_policies)
            if missing:
                problems.append("%s: unknown or removed polic%s %s" % (
                    label, "y" if len(missing) == 1 else "ies", ", ".join(missing)))
        if item.get("members_mode", "exact") != "absent":
            missing = sorted(set(item.get("members") or []) - keep_users)
            if missing:
                problems.append("%s: unknown or removed member%s %s" % (
                    label, "" if len(missing) == 1 else "s", ", ".join(missing)))
    for name in sorted(purged["users"]):
        current = state.user(name)
        if current and any(_protected(p) for p in current["policies"]):
            problems.append("user %s (purge): refused, this account holds a collaborator policy" % name)
    # A policy the set removes must not stay attached to anything the set keeps.
    for name in sorted(gone_policies):
        if state.policy(name) is None:
            continue
        users, groups = policy_entities(state, name)
        still = (["user %s" % u for u in users if u not in gone_users and not _detached(spec, "users", u, name)]
                 + ["group %s" % g for g in groups
                    if g not in gone_groups and not _detached(spec, "groups", g, name)])
        if still:
            problems.append("policy %s: cannot be removed, it is still attached to %s" % (name, ", ".join(still)))
    if problems:
        raise IamSetError(problems)


def _detached(spec, kind, name, policy):
    """True when the set's own item for this user or group no longer holds the policy."""
    for item in spec.get(kind) or []:
        if item["name"] != name or item.get("state", "present") != "present" or item.get("policies") is None:
            continue
        mode = item.get("policies_mode", "exact")
        if mode == "exact":
            return policy not in item["policies"]
        if mode == "absent":
            return policy in item["policies"]
    return False


class IamSetResult:
    """What a reconcile did or, in check mode, would do."""

    def __init__(self):
        self.changes = []   # {"kind", "name", "action", "changes"}
        self.diffs = []     # one Ansible diff per changed item
        self.purged = {kind: [] for kind in KINDS}

    def add(self, kind, name, action, tracker):
        diff = tracker.diff()
        self.changes.append({"kind": _SINGULAR[kind], "name": name, "action": action,
                             "changes": tracker.changed_names()})
        self.diffs.append({"before_header": "%s %s" % (_SINGULAR[kind], name),
                           "after_header": "%s %s" % (_SINGULAR[kind], name),
                           "before": diff["before"].get(_SINGULAR[kind]),
                           "after": diff["after"].get(_SINGULAR[kind])})

    @property
    def changed(self):
        return bool(self.changes)

    def changed_names(self):
        """{"policies": {...}, "users": {...}, "groups": {...}}: the names of the changed items."""
        return {kind: {c["name"] for c in self.changes if c["kind"] == _SINGULAR[kind]} for kind in KINDS}


def reconcile(state, spec, root_user, check_mode, password_matches=None, on_change=None, result=None):
    """Apply the set. Returns an IamSetResult; raises IamSetError or MinioActionError.

    on_change(kind, name, action, changes) is called after each changed item
    (the module writes one audit line there). Pass ``result`` to keep, when a
    write fails part-way, what was applied before it.
    """
    documents = validate(spec, root_user)
    purged = _purge_candidates(state, spec, root_user)
    check_against_server(state, spec, root_user, purged)
    result = result if result is not None else IamSetResult()
    result.purged = purged

    def step(kind, name, action, func, *args, **kwargs):
        tracker = DifferenceTracker()
        if func(state, name, *args, check_mode=check_mode, tracker=tracker, **kwargs):
            result.add(kind, name, action, tracker)
            if on_change:
                on_change(_SINGULAR[kind], name, action, tracker.changed_names())

    # Create and update first, so that users find their policies and groups their members;
    # then remove groups, users and, last, the policies nothing uses any more.
    for name, item in _present(spec, "policies").items():
        step("policies", name, "set_policy", ensure_policy, documents[name])
    for name, item in _present(spec, "users").items():
        step("users", name, "set_user", ensure_user_present, secret_key=item.get("secret_key"),
             enabled=item.get("enabled"), update_password=item.get("update_password", "on_create"),
             policies=item.get("policies"), policies_mode=item.get("policies_mode", "exact"),
             password_matches=password_matches)
    for name, item in _present(spec, "groups").items():
        step("groups", name, "set_group", ensure_group_present, members=item.get("members"),
             members_mode=item.get("members_mode", "exact"), policies=item.get("policies"),
             policies_mode=item.get("policies_mode", "exact"), enabled=item.get("enabled"))
    for name in sorted(_absent(spec, "groups") | set(purged["groups"])):
        step("groups", name, "remove_group", ensure_group_absent)
    for name in sorted(_absent(spec, "users") | set(purged["users"])):
        step("users", name, "remove_user", ensure_user_absent)
    for name in sorted(_absent(spec, "policies") | set(purged["policies"])):
        step("policies", name, "remove_policy", ensure_policy_absent, detach=True)
    return result


def summary(state, spec, names=None):
    """The listed items as they are after the run, or only ``names[kind]`` of them (never a secret)."""
    out = {"users": {}, "policies": {}, "groups": {}}
    for kind, view in (("users", lambda n: user_view(state.user(n))),
                       ("policies", lambda n: "present" if state.policy(n) is not None else "absent"),
                       ("groups", lambda n: group_view(state.group(n)))):
        for item in spec.get(kind) or []:
            if names is None or item["name"] in names.get(kind, ()):
                out[kind][item["name"]] = view(item["name"])
    return out
