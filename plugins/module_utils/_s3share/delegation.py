# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who may do what with the s3share command: decided on the server, from a root-owned file.

The egid.s3share.minio_admin role renders ``delegations.json`` from
``minio_admin_delegations``::

    {"admin_groups": ["s3share-admins"],
     "delegations": [{"group": "bioinfo-ligan", "buckets": ["ligan"], "path_roots": ["results/"],
                      "max_days": 30, "read_write": false, "link_max_days": 7}]}

A Unix group listed there may share, in its buckets and under its path
roots only, for at most its number of days. Root and the admin groups may do
everything, including the admin-only verbs. sudoers only lets the groups run
the command; every argument is judged here, not by sudoers wildcards.

No Ansible import: the s3share command uses this file.
"""

import grp
import json
import pwd

from ansible_collections.egid.s3share.plugins.module_utils._minio.policy import (
    PolicyError, normalize_prefix, validate_bucket_name,
)

ADMIN_VERBS = frozenset(("user add", "audit"))
DEFAULT_PATH_ROOTS = ("results/",)
DEFAULT_MAX_DAYS = 30
LINK_MAX_DAYS = 7


class NotAllowed(ValueError):
    """The caller may not do this (exit code 3)."""


class Delegation:
    """What one Unix group may share."""

    def __init__(self, group, buckets, path_roots=DEFAULT_PATH_ROOTS, max_days=DEFAULT_MAX_DAYS,
                 read_write=False, link_max_days=LINK_MAX_DAYS):
        self.group = group
        self.buckets = sorted(buckets)
        self.path_roots = sorted(path_roots)
        self.max_days = max_days
        self.read_write = read_write
        self.link_max_days = link_max_days

    def covers(self, bucket, prefix):
        """True when bucket/prefix lies strictly inside one of the path roots of one of the buckets."""
        if bucket not in self.buckets:
            return False
        folder = prefix + "/"
        return any(folder.startswith(root) and len(folder) > len(root) for root in self.path_roots)

    def as_dict(self):
        return {"group": self.group, "buckets": self.buckets, "path_roots": self.path_roots,
                "max_days": self.max_days, "read_write": self.read_write, "link_max_days": self.link_max_days}


def parse_delegations(document):
    """(admin_groups, [Delegation]) from the file's JSON. Raises ValueError on a malformed file."""
    if not isinstance(document, dict):
        raise ValueError("the delegation file must hold a JSON object")
    admin_groups = document.get("admin_groups") or []
    if not isinstance(admin_groups, list) or not all(isinstance(g, str) and g for g in admin_groups):
        raise ValueError("admin_groups must be a list of group names")
    delegations = []
    for index, entry in enumerate(document.get("delegations") or []):
        where = "delegation %d" % (index + 1)
        if not isinstance(entry, dict) or not isinstance(entry.get("group"), str) or not entry["group"]:
            raise ValueError("%s: a group name is required" % where)
        buckets = entry.get("buckets") or []
        if not buckets or any(validate_bucket_name(b) for b in buckets):
            raise ValueError("%s (group %s): buckets must be a non-empty list of bucket names"
                             % (where, entry["group"]))
        roots = []
        for root in entry.get("path_roots") or DEFAULT_PATH_ROOTS:
            try:
                normalized = normalize_prefix(root)
            except PolicyError as exc:
                raise ValueError("%s (group %s): %s" % (where, entry["group"], exc))
            if not normalized:
                raise ValueError("%s (group %s): a path root cannot be a whole bucket" % (where, entry["group"]))
            roots.append(normalized + "/")
        numbers = {}
        limits = (("max_days", DEFAULT_MAX_DAYS, 3650), ("link_max_days", LINK_MAX_DAYS, LINK_MAX_DAYS))
        for key, default, ceiling in limits:
            value = entry.get(key, default)
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= ceiling:
                raise ValueError("%s (group %s): %s must be a whole number from 1 to %d"
                                 % (where, entry["group"], key, ceiling))
            numbers[key] = value
        delegations.append(Delegation(entry["group"], buckets, roots, numbers["max_days"],
                                      bool(entry.get("read_write", False)), numbers["link_max_days"]))
    return admin_groups, delegations


def load_delegations(path):
    with open(path, encoding="utf-8") as handle:
        return parse_delegations(json.load(handle))


def groups_of(user):
    """The Unix groups of a user, from the system's databases (not from the process)."""
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        return set()
    names = set(g.gr_name for g in grp.getgrall() if user in g.gr_mem)
    try:
        names.add(grp.getgrgid(entry.pw_gid).gr_name)
    except KeyError:
        pass
    return names


class Caller:
    """The person running the command and what the delegation file lets them do."""

    def __init__(self, name, groups, admin_groups, delegations):
        self.name = name
        self.groups = set(groups)
        self.is_admin = name == "root" or bool(self.groups & set(admin_groups))
        self.delegations = [d for d in delegations if d.group in self.groups]

    @property
    def is_delegated(self):
        return self.is_admin or bool(self.delegations)

    def require_any(self):
        if not self.is_delegated:
            raise NotAllowed("%s is in no group that may use s3share (ask the admins for a delegation)" % self.name)

    def require_admin(self, verb):
        if not self.is_admin:
            raise NotAllowed("'s3share %s' is for admins only" % verb)

    def _matching(self, bucket, prefix):
        return [d for d in self.delegations if d.covers(bucket, prefix)]

    def may_read(self, bucket, prefix):
        """Whether the caller may see a collaborator or share on bucket/prefix."""
        return self.is_admin or bool(self._matching(bucket, prefix))

    def check_scope(self, bucket, prefix, what):
        if self.is_admin:
            return
        if not self._matching(bucket, prefix):
            allowed = ", ".join("%s/%s" % (b, r) for d in self.delegations for b in d.buckets for r in d.path_roots)
            raise NotAllowed("%s may not %s on %s/%s/ (allowed: under %s)" % (self.name, what, bucket, prefix,
                                                                              allowed or "nothing"))

    def check_collaborator(self, bucket, prefix, days, read_write, max_days_admin=DEFAULT_MAX_DAYS):
        """A collaborator account on bucket/prefix for days, read-only or read-write."""
        self.check_scope(bucket, prefix, "share")
        if self.is_admin:
            if days > max_days_admin:
                raise NotAllowed("%d days is more than the maximum of %d days" % (days, max_days_admin))
            return max_days_admin
        matching = self._matching(bucket, prefix)
        if read_write:
            matching = [d for d in matching if d.read_write]
            if not matching:
                raise NotAllowed("%s may not give read-write access on %s/%s/" % (self.name, bucket, prefix))
        longest = max(d.max_days for d in matching)
        if days > longest:
            raise NotAllowed("%d days is more than the %d days %s may give on %s/%s/"
                             % (days, longest, self.name, bucket, prefix))
        return longest

    def check_link(self, bucket, prefix, days):
        self.check_scope(bucket, prefix, "share links")
        longest = LINK_MAX_DAYS if self.is_admin else max(d.link_max_days for d in self._matching(bucket, prefix))
        if days > longest:
            raise NotAllowed("links last at most %d days here (%d asked); for longer, give an account with "
                             "'s3share collab add'" % (longest, days))
