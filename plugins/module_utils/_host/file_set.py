# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan and apply a set of directories and small files in one pass.

Every entry is read and judged before the first write, so a bad entry (a
missing owner, a symlink, a file where a directory is wanted, a parent that
does not exist) refuses the whole set and nothing is half-changed. Files are
replaced atomically by _host/fs.py (temporary file in the same directory, fsync,
rename, the SELinux label of the replaced file kept).
No Ansible import, so that the logic can be tested on its own.
"""

import grp
import hashlib
import os
import pwd
import stat

from ansible_collections.egid.s3share.plugins.module_utils._host import fs

SECRET_PLACEHOLDER = "(secret content not shown)"
_MAX_DIFF_BYTES = 65536


class FileSetError(Exception):
    """A refusal: the message names the entry and the problem."""


def _parse_mode(path, mode):
    text = str(mode)
    if not text or any(c not in "01234567" for c in text) or len(text) > 4:
        raise FileSetError("%s: mode %r is not an octal mode such as '0640'." % (path, mode))
    return int(text, 8)


def _lookup(kind, name):
    """uid/gid of a user or group name (or a number), None when it does not exist."""
    if name is None:
        return None
    if str(name).isdigit():
        return int(name)
    try:
        return pwd.getpwnam(name).pw_uid if kind == "owner" else grp.getgrnam(name).gr_gid
    except KeyError:
        return None


def _name_of(kind, ident):
    try:
        return pwd.getpwuid(ident).pw_name if kind == "owner" else grp.getgrgid(ident).gr_name
    except KeyError:
        return str(ident)


def _read(path):
    with open(path, "rb") as handle:
        return handle.read()


def _as_text(data):
    if len(data) > _MAX_DIFF_BYTES:
        return "(%d bytes, sha256 %s)\n" % (len(data), hashlib.sha256(data).hexdigest())
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return "(binary, %d bytes, sha256 %s)\n" % (len(data), hashlib.sha256(data).hexdigest())


class Entry:
    """One wanted path and what it takes to get there."""

    def __init__(self, spec):
        self.path = spec["path"]
        self.state = spec.get("state") or "file"
        self.owner = spec.get("owner")
        self.group = spec.get("group")
        self.secret = spec.get("secret_content") is not None
        content = spec.get("secret_content") if self.secret else spec.get("content")
        self.content = None if content is None else content.encode("utf-8")
        if not os.path.isabs(self.path):
            raise FileSetError("%s: the path must be absolute." % self.path)
        self.path = os.path.normpath(self.path)
        self.mode = None if spec.get("mode") is None else _parse_mode(self.path, spec["mode"])
        if self.state == "file" and self.content is None:
            raise FileSetError("%s: a file needs content or secret_content." % self.path)
        if self.state == "directory" and self.content is not None:
            raise FileSetError("%s: a directory takes no content." % self.path)
        self.uid = self.gid = None
        self.before = None
        self.changes = []

    def resolve_ids(self, check_mode, planned_accounts):
        """Owner and group ids; in check mode an account created earlier in the play may not exist yet."""
        for kind in ("owner", "group"):
            name = getattr(self, kind)
            ident = _lookup(kind, name)
            if name is not None and ident is None:
                if check_mode:
                    planned_accounts.append("%s %s" % (kind, name))
                else:
                    raise FileSetError("%s: the %s %s does not exist." % (self.path, kind, name))
            setattr(self, "uid" if kind == "owner" else "gid", ident)

    def read_current(self):
        try:
            info = os.lstat(self.path)
        except FileNotFoundError:
            return None
        if stat.S_ISLNK(info.st_mode):
            raise FileSetError("%s: is a symbolic link; replace it by hand if that is intended." % self.path)
        kind = "directory" if stat.S_ISDIR(info.st_mode) else "file" if stat.S_ISREG(info.st_mode) else "other"
        if kind != self.state:
            raise FileSetError("%s: is a %s, not a %s; nothing was changed." % (self.path, kind, self.state))
        current = {
            "state": kind,
            "owner": _name_of("owner", info.st_uid),
            "group": _name_of("group", info.st_gid),
            "uid": info.st_uid,
            "gid": info.st_gid,
            "mode": stat.S_IMODE(info.st_mode),
        }
        if kind == "file":
            current["content"] = _read(self.path)
        return current

    def plan(self, check_mode, planned, planned_dirs):
        self.resolve_ids(check_mode, planned["accounts"])
        parent = os.path.dirname(self.path)
        self.before = self.read_current()
        if self.before is None and not os.path.isdir(parent) and parent not in planned_dirs:
            # In check mode an earlier task (a mount, another set) may be the one to create it.
            if not check_mode:
                raise FileSetError("%s: the parent directory %s does not exist." % (self.path, parent))
            planned["parents"].append(parent)
        if self.state == "directory":
            planned_dirs.add(self.path)
        if self.before is None:
            self.changes = ["created"]
            return
        if self.content is not None and self.before.get("content") != self.content:
            self.changes.append("content")
        if self.owner is not None and (self.uid is None or self.uid != self.before["uid"]):
            self.changes.append("owner")
        if self.group is not None and (self.gid is None or self.gid != self.before["gid"]):
            self.changes.append("group")
        if self.mode is not None and self.mode != self.before["mode"]:
            self.changes.append("mode")

    def _attributes(self, source):
        lines = ["state: %s" % source["state"]]
        for key in ("owner", "group"):
            if source.get(key) is not None:
                lines.append("%s: %s" % (key, source[key]))
        if source.get("mode") is not None:
            lines.append("mode: %04o" % source["mode"])
        return "\n".join(lines) + "\n"

    def diffs(self):
        """Before/after records for Ansible's diff callback; secret content is never shown."""
        if not self.changes:
            return []
        before = self.before or {"state": "absent"}
        after = {"state": self.state,
                 "owner": self.owner if self.owner is not None else before.get("owner"),
                 "group": self.group if self.group is not None else before.get("group"),
                 "mode": self.mode if self.mode is not None else before.get("mode")}
        out = [{"before_header": "%s (attributes)" % self.path, "after_header": "%s (attributes)" % self.path,
                "before": self._attributes(before) if self.before else "state: absent\n",
                "after": self._attributes(after)}]
        if self.state == "file" and ("content" in self.changes or "created" in self.changes):
            if self.secret:
                old = SECRET_PLACEHOLDER + "\n" if self.before else ""
                new = SECRET_PLACEHOLDER + " (changed)\n"
            else:
                old = _as_text(self.before["content"]) if self.before else ""
                new = _as_text(self.content)
            out.append({"before_header": self.path, "after_header": self.path, "before": old, "after": new})
        return out

    def apply(self):
        if not self.changes:
            return
        mode = self.mode
        if self.state == "directory":
            if self.before is None:
                os.mkdir(self.path, 0o700)
                mode = 0o755 if mode is None else mode
            self._set_attributes(self.path, mode)
            return
        if self.before is None or "content" in self.changes:
            self._replace(mode if mode is not None else (self.before["mode"] if self.before else 0o644))
        else:
            self._set_attributes(self.path, mode)

    def _set_attributes(self, path, mode):
        uid = -1 if self.uid is None else self.uid
        gid = -1 if self.gid is None else self.gid
        if uid != -1 or gid != -1:
            os.chown(path, uid, gid)
        if mode is not None:
            os.chmod(path, mode)

    def _replace(self, mode):
        if self.before is not None:
            uid = self.before["uid"] if self.uid is None else self.uid
            gid = self.before["gid"] if self.gid is None else self.gid
        else:
            uid = -1 if self.uid is None else self.uid
            gid = -1 if self.gid is None else self.gid
        fs.replace_file(self.path, self.content, mode, uid, gid)

    def report(self):
        return {"path": self.path, "state": self.state, "changed": bool(self.changes), "changes": list(self.changes)}


def plan(specs, check_mode):
    """Read and judge every entry; raises FileSetError before any write.

    Returns the entries and, for check mode, what earlier tasks are assumed
    to create: {"accounts": [...], "parents": [...]}.
    """
    seen = set()
    entries = []
    for spec in specs:
        entry = Entry(spec)
        if entry.path in seen:
            raise FileSetError("%s: listed twice." % entry.path)
        seen.add(entry.path)
        entries.append(entry)
    planned, planned_dirs = {"accounts": [], "parents": []}, set()
    for entry in entries:
        entry.plan(check_mode, planned, planned_dirs)
    return entries, dict((key, sorted(set(values))) for key, values in planned.items())
