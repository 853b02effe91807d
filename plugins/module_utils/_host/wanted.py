# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compare a "wanted" entry with what host_info read, for the roles' guards.

A role keeps one wanted structure per object (a file, an account, a unit)
and passes it both to the task that acts and to the guard that skips it:
change a mode in the role's variables and both see it. Every key of the
wanted entry is compared; a key this module cannot compare is an error
rather than silently ignored, so a guard never skips what its task would
change. No Ansible import.
"""

import hashlib

# Keys that name the object rather than describe it.
IDENTITY_KEYS = ("path", "name")
FILE_STATES = ("file", "directory", "link", "present", "absent")
UNIT_STATES = ("started", "stopped")


class WantedError(Exception):
    """The wanted entry holds something that cannot be compared."""


def _mode(value):
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if not text or any(c not in "01234567" for c in text) or len(text) > 4:
        raise WantedError("mode %r is not an octal mode such as '0755'" % (value,))
    return int(text, 8)


def _same_principal(wanted, state, name_key, id_key):
    text = str(wanted)
    if text.isdigit():
        return state.get(id_key) == int(text)
    return state.get(name_key) == text


def _differs(key, value, state):
    if key == "state":
        if value in ("present",):
            return False
        if value in FILE_STATES:
            return state.get("type") != value
        if value in UNIT_STATES:
            return (state.get("active") == "active") != (value == "started")
        raise WantedError("state %r is not one of %s" % (value, ", ".join(FILE_STATES + UNIT_STATES)))
    if key == "mode":
        return "mode" not in state or _mode(value) != _mode(state["mode"])
    if key == "owner":
        return not _same_principal(value, state, "owner", "uid")
    if key == "group":
        return not _same_principal(value, state, "group", "gid")
    if key == "sha256":
        return str(value).lower() != str(state.get("sha256", "")).lower()
    if key == "content":
        return hashlib.sha256(str(value).encode("utf-8")).hexdigest() != state.get("sha256")
    if key in ("enabled", "active"):
        if isinstance(value, bool):
            return (state.get(key) == ("enabled" if key == "enabled" else "active")) != value
        return state.get(key) != value
    if key in ("home", "shell", "target", "type", "uid", "gid", "size"):
        return state.get(key) != value
    raise WantedError("cannot compare %r (known keys: owner, group, mode, sha256, content, state, type, target, "
                      "home, shell, uid, gid, size, enabled, active)" % key)


def needs_change(wanted, state):
    """True when the object host_info described as state differs from wanted in any key wanted declares."""
    if not isinstance(wanted, dict):
        raise WantedError("the wanted entry must be a dict, not %s" % type(wanted).__name__)
    state = state or {}
    if "exists" in state or wanted.get("state") in ("absent", "present"):
        exists = bool(state.get("exists"))
        if wanted.get("state") == "absent":
            return exists
        if not exists:
            return True
    return any(_differs(key, value, state) for key, value in wanted.items() if key not in IDENTITY_KEYS)


def needing_change(wanted_list, states):
    """The wanted entries (each with a path or a name) whose state in states differs."""
    out = []
    for wanted in wanted_list or []:
        key = wanted.get("path", wanted.get("name")) if isinstance(wanted, dict) else None
        if key is None:
            raise WantedError("each wanted entry needs a path or a name, got %r" % (wanted,))
        if needs_change(wanted, (states or {}).get(key)):
            out.append(wanted)
    return out


def mount_needs_change(wanted, fstab, mounts, device):
    """True unless fstab holds exactly this entry for the path and device is mounted there and nowhere else.

    wanted: {path, src, fstype, opts} (the arguments of ansible.posix.mount; dump and passno are 0).
    An empty src (a filesystem that check mode has not created) always needs a change.
    """
    if not wanted.get("src"):
        return True
    entry = {"source": wanted["src"], "target": wanted["path"], "fstype": wanted["fstype"],
             "options": wanted["opts"], "dump": "0", "passno": "0"}
    if [e for e in fstab if e.get("target") == wanted["path"]] != [entry]:
        return True
    return [m.get("target") for m in mounts if m.get("source") == device] != [wanted["path"]]
