# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Each user's mc configuration: the ~/.mc directories, the lab CA and the aliases in config.json.

Runs on the host, so no user's configuration (which holds the secret keys of
its aliases) ever leaves it. The wanted aliases are merged into the existing
config.json: other aliases and settings are kept, a wanted alias replaces the
whole alias of that name. The directories and files are then planned and
written by the file set (_host/file_set.py): every user and every path is
read and judged before the first write, and files are replaced atomically.
No Ansible import, so that the logic can be tested on its own.
"""

import copy
import grp
import json
import os
import pwd
import stat

from ansible_collections.egid.s3share.plugins.module_utils._host import file_set

CONFIG_VERSION = "10"
SECRET_MASK = "(secret not shown)"
SECRET_CHANGED_MASK = "(secret not shown, changed)"


class McConfigError(Exception):
    """A refusal: the message names the user or the file and the problem."""


def wanted_aliases(aliases, default_alias):
    """The aliases of each user, as mc writes them: {user: {alias: entry}}, users in the order first named.

    An entry without an alias name (or with an empty one) gets default_alias;
    a later entry for the same user and alias replaces an earlier one.
    """
    wanted = {}
    for entry in aliases:
        name = entry.get("alias") or default_alias
        if not name:
            raise McConfigError("The alias of %s's entry %s has no name and there is no default alias."
                                % (entry["user"], entry["url"]))
        wanted.setdefault(entry["user"], {})[name] = {
            "url": entry["url"],
            "accessKey": entry["access_key"],
            "secretKey": entry["secret_key"],
            "api": "S3v4",
            "path": "auto",
        }
    return wanted


def merge(current, aliases):
    """current (the parsed config.json, {} when there is none) with these aliases set and version 10."""
    merged = dict(current)
    merged["aliases"] = dict(current.get("aliases") or {})
    merged["aliases"].update(aliases)
    merged["version"] = CONFIG_VERSION
    return merged


def render(config):
    """config.json as the role has always written it (sorted keys, two-space indent, no final newline)."""
    return json.dumps(config, indent=2, sort_keys=True, separators=(",", ": "))


def masked(config, previous=None):
    """A copy of config to show in a diff: every secretKey replaced by a mask.

    With previous (the config before), an alias whose secret differs from the
    previous one says so, so that a diff never looks empty when only a
    secret changed.
    """
    shown = copy.deepcopy(config)
    old_aliases = (previous or {}).get("aliases") or {}
    for name, alias in (shown.get("aliases") or {}).items():
        if isinstance(alias, dict) and "secretKey" in alias:
            old = old_aliases.get(name)
            changed = previous is not None and (not isinstance(old, dict) or old.get("secretKey") != alias["secretKey"])
            alias["secretKey"] = SECRET_CHANGED_MASK if changed else SECRET_MASK
    return shown


def read_config(path):
    """The parsed config.json at path, {} when there is none."""
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        # No file, or no ~/.mc directory (the file set refuses a file in its place).
        return {}
    if not stat.S_ISREG(info.st_mode):
        raise McConfigError("%s: is not a regular file (a symbolic link?)." % path)
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        config = json.loads(data.decode("utf-8"))
    except ValueError as exc:
        raise McConfigError("%s: is not valid JSON (%s); fix or remove it." % (path, exc))
    if not isinstance(config, dict) or not isinstance(config.get("aliases", {}), dict):
        raise McConfigError("%s: is not an mc configuration (an object with an aliases object); fix or remove it."
                            % path)
    return config


class UserConfig:
    """One user's mc paths, with the config before and after the merge."""

    def __init__(self, account, aliases):
        self.user = account.pw_name
        self.home = account.pw_dir
        self.mc_dir = os.path.join(account.pw_dir, ".mc")
        self.config_path = os.path.join(self.mc_dir, "config.json")
        self.aliases = aliases
        self.owner = {"owner": account.pw_name, "group": _group_name(account.pw_gid)}
        self.before = read_config(self.config_path)
        self.after = merge(self.before, aliases)

    def specs(self, ca_content, ca_name):
        certs = os.path.join(self.mc_dir, "certs")
        cas = os.path.join(certs, "CAs")
        out = [dict(path=path, state="directory", mode="0700", **self.owner) for path in (self.mc_dir, certs, cas)]
        if ca_content:
            out.append(dict(path=os.path.join(cas, ca_name + ".crt"), content=ca_content, mode="0644", **self.owner))
        out.append(dict(path=self.config_path, secret_content=render(self.after), mode="0600", **self.owner))
        return out

    def content_diff(self, existed):
        """The before/after of config.json with every secret masked."""
        return {
            "before_header": self.config_path, "after_header": self.config_path,
            "before": render(masked(self.before)) + "\n" if existed else "",
            "after": render(masked(self.after, self.before if existed else None)) + "\n",
        }


def _group_name(gid):
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


class Plan:
    """What the run changes: the file set's entries, and each user's config before and after."""

    def __init__(self, users, entries, planned):
        self.users = users
        self.entries = entries
        self.planned = planned

    @property
    def changed(self):
        return [entry for entry in self.entries if entry.changes]

    def diffs(self):
        """Ansible diff records; config.json shows its aliases with the secrets masked."""
        configs = dict((user.config_path, user) for user in self.users)
        out = []
        for entry in self.changed:
            user = configs.get(entry.path)
            for record in entry.diffs():
                if user is not None and record["before_header"] == entry.path:
                    record = user.content_diff(existed=entry.before is not None)
                out.append(record)
        return out

    def report(self):
        """The users and their aliases (names and URLs only) and what changed, without any secret."""
        changed = set(entry.path for entry in self.changed)
        return {
            "users": [{
                "user": user.user,
                "config": user.config_path,
                "aliases": dict((name, alias["url"]) for name, alias in sorted(user.aliases.items())),
                "changed": any(path == user.mc_dir or path.startswith(user.mc_dir + os.sep) for path in changed),
            } for user in self.users],
            "entries": [entry.report() for entry in self.entries],
            "changed_paths": [entry.path for entry in self.changed],
            "planned_parents": self.planned["parents"],
        }


def plan(aliases, default_alias, ca_content, ca_name, check_mode):
    """Read every user's account and config.json and judge every path; raises before any write.

    McConfigError names the users that do not exist or the config.json that
    cannot be merged; file_set.FileSetError names a path in the wrong state.
    """
    wanted = wanted_aliases(aliases, default_alias)
    accounts, missing = {}, []
    for user in wanted:
        try:
            accounts[user] = pwd.getpwnam(user)
        except KeyError:
            missing.append(user)
    if missing:
        raise McConfigError("These users do not exist on this host: %s." % ", ".join(missing))
    if ca_content and (not ca_name or "/" in ca_name or ca_name.startswith(".")):
        raise McConfigError("The CA name %r is not a plain file name." % ca_name)
    users = [UserConfig(accounts[user], wanted[user]) for user in wanted]
    specs = [spec for user in users for spec in user.specs(ca_content, ca_name)]
    entries, planned = file_set.plan(specs, check_mode)
    return Plan(users, entries, planned)
