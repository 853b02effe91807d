# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The JSON-lines audit log (one line per change and per refusal).

Appends are serialised with flock() (on <log>.lock) and written with a
single write() on a file opened with O_APPEND, so lines from concurrent runs
never interleave. Under the same lock each line gets its place in a hash
chain ("seq" and "prev", see audit_chain.py), so that a removed, changed or
moved line is detected by audit_chain.verify_chain (s3share audit --verify).
Secrets never reach the log: the caller passes the values to scrub, and any
record containing one of them is scrubbed before it is written.
No Ansible import: the server-side expiry sweep uses this file too.
"""

import json
import os
import pwd
import stat

from ansible_collections.egid.s3share.plugins.module_utils._minio.audit_chain import (
    append_chained, ensure_chain_writable,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.times import utc_now

DEFAULT_AUDIT_LOG = "/opt/minio-admin/logs/actions.log"
_REDACTED = "********"
# Where the system's sudo is (Debian: /usr/bin/sudo).
SUDO_PATHS = ("/usr/bin/sudo",)
# No field of a record is longer than this (characters), no list longer than LIST_LIMIT: a caller's
# arguments must not fill the disk through the log.
FIELD_LIMIT = 256
LIST_LIMIT = 200


def utc_timestamp(moment=None):
    return (moment or utc_now()).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _user_name(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return "uid:%d" % uid


def _real_uid(pid):
    """The real uid of a process, from /proc; None when it cannot be read."""
    try:
        with open("/proc/%d/status" % pid, encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("Uid:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def genuine_sudo(pid, sudo_paths=SUDO_PATHS):
    """Whether process pid runs the system's sudo binary: its /proc/PID/exe is the same file as a root-owned
    set-uid sudo in sudo_paths. A process's name (comm) proves nothing: anyone can exec a symlink named sudo.
    """
    try:
        running = os.stat("/proc/%d/exe" % pid)
    except OSError:
        return False
    for path in sudo_paths:
        try:
            installed = os.stat(path)
        except OSError:
            continue
        if (running.st_dev, running.st_ino) == (installed.st_dev, installed.st_ino) and installed.st_uid == 0 \
                and installed.st_mode & stat.S_ISUID:
            return True
    return False


class ActorUnknown(RuntimeError):
    """The run cannot say who is behind it: it must do nothing (the command refuses)."""


def current_actor(environ=None):
    """The person behind this run, from what the caller cannot set.

    1. Run as root with SUDO_UID: sudo itself sets SUDO_UID to the real uid
       of whoever invoked it, over any value the caller had (the s3share rule
       has env_reset and !setenv, and sudo refuses -E and VAR=value there).
       It names the closest sudo, never an outer one: when an admin runs
       ``sudo -iu alice`` and alice's ~/.profile runs ``sudo s3share``, the
       actor is alice. When our parent is the system's sudo binary (checked
       by /proc/PID/exe, not by name), its real uid, set by the kernel at
       exec, must agree; a disagreement is refused (ActorUnknown).
    2. Otherwise (root at a console, a timer): the kernel's audit login uid
       (/proc/self/loginuid), set once at login by pam_loginuid;
    3. our own real uid.
    A user who runs the command without sudo is themselves (the real uid):
    SUDO_UID is only believed when the process runs as root, where only
    sudo, or root itself, could have set it.
    """
    environ = os.environ if environ is None else environ
    uid = os.getuid()
    if uid == 0 and environ.get("SUDO_UID") is not None:
        value = environ["SUDO_UID"]
        if not value.isdigit():
            raise ActorUnknown("SUDO_UID %r is not a uid" % (value,))
        invoker = int(value)
        parent = os.getppid()
        if genuine_sudo(parent):
            parent_uid = _real_uid(parent)
            # sudo's monitor process (use_pty) may run with real uid 0; the front end keeps the invoker's.
            if parent_uid not in (None, 0, invoker):
                raise ActorUnknown("sudo ran for uid %d but says SUDO_UID=%d" % (parent_uid, invoker))
        return _user_name(invoker)
    if uid == 0:
        try:
            with open("/proc/self/loginuid", encoding="ascii") as handle:
                loginuid = int(handle.read().strip())
            if loginuid not in (-1, 4294967295):
                return _user_name(loginuid)
        except (OSError, ValueError):
            pass
    return _user_name(uid)


def cap(value, limit=FIELD_LIMIT, items=LIST_LIMIT):
    """A value as it may be written to the log: strings cut at limit characters, lists at items entries."""
    if isinstance(value, str):
        return value if len(value) <= limit else "%s...[%d characters]" % (value[:limit], len(value))
    if isinstance(value, (list, tuple)):
        kept = [cap(v, limit, items) for v in value[:items]]
        if len(value) > items:
            kept.append("...[%d items]" % len(value))
        return kept
    if isinstance(value, dict):
        return dict((cap(str(k), limit, items), cap(v, limit, items)) for k, v in list(value.items())[:items])
    return value


class AuditLog:
    """Writes audit records; does nothing in check mode or when path is empty."""

    def __init__(self, path, module_name, check_mode=False, secrets=None, actor=None):
        self.path = path
        self.module_name = module_name
        self.check_mode = check_mode
        self.secrets = set(s for s in (secrets or ()) if s and len(s) >= 4)
        self.actor = actor or current_actor()
        self.records = []

    @property
    def enabled(self):
        return bool(self.path) and not self.check_mode

    def add_secret(self, value):
        if value and len(value) >= 4:
            self.secrets.add(value)

    def ensure_writable(self):
        """Fail before any change when the log cannot be written."""
        if not self.enabled:
            return
        directory = os.path.dirname(self.path) or "."
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o750)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        os.close(fd)
        ensure_chain_writable(self.path)

    def _scrub(self, text):
        for secret in self.secrets:
            text = text.replace(secret, _REDACTED)
        return text

    def write(self, action, target, result, **details):
        """Append one record. result is 'started', 'changed', 'refused', 'failed' or 'interrupted'.

        Every string is cut at FIELD_LIMIT characters and every list at LIST_LIMIT items (see cap()).
        The chain fields seq and prev are added last, under the lock (a detail of either name is replaced);
        records keeps the records without them.
        """
        record = {
            "timestamp": utc_timestamp(),
            "actor": self.actor,
            "module": self.module_name,
            "action": action,
            "target": target,
            "result": result,
        }
        for key, value in details.items():
            if value is not None:
                record[key] = value
        # Scrubbed first (a secret cut in two by the cap would escape the scrubbing), then capped.
        scrubbed = json.loads(self._scrub(json.dumps(record, sort_keys=True, default=str)))
        capped = json.loads(json.dumps(cap(scrubbed), sort_keys=True))
        self.records.append(capped)
        if not self.enabled:
            return
        append_chained(self.path, capped)
