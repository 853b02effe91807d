# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The JSON-lines audit log (one line per change and per refusal).

Appends are serialised with flock() and written with a single write() on a
file opened with O_APPEND, so lines from concurrent runs never interleave.
Secrets never reach the log: the caller passes the values to scrub, and any
record containing one of them is scrubbed before it is written.
No Ansible import: the server-side expiry sweep uses this file too.
"""

import datetime
import fcntl
import json
import os
import pwd

DEFAULT_AUDIT_LOG = "/opt/minio-admin/logs/actions.log"
_REDACTED = "********"


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def utc_timestamp(moment=None):
    return (moment or utc_now()).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _process(pid):
    """(name, parent pid, real uid) of a process, from /proc; None when it cannot be read."""
    try:
        with open("/proc/%d/status" % pid, encoding="utf-8") as handle:
            fields = dict(line.split(":", 1) for line in handle if ":" in line)
        return fields["Name"].strip(), int(fields["PPid"]), int(fields["Uid"].split()[0])
    except (OSError, KeyError, ValueError, IndexError):
        return None


def _user_name(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return "uid:%d" % uid


def current_actor():
    """The person behind this run, from what the caller cannot set.

    Never an environment variable (SUDO_USER can be set by anyone who runs a
    command). In order:
    1. under sudo, the real uid of the outermost sudo process among our
       ancestors: sudo is set-uid root, so its real uid stays the invoking
       user's, and only the kernel sets it;
    2. the kernel's audit login uid (/proc/self/loginuid), set once at login
       by pam_loginuid and inherited by every process of the session;
    3. our own real uid.
    """
    pid, found = os.getppid(), None
    for dummy in range(16):
        info = _process(pid)
        if info is None:
            break
        name, parent, uid = info
        if name == "sudo":
            found = uid
        elif found is not None:
            break
        if parent <= 1:
            break
        pid = parent
    if found is not None:
        return _user_name(found)
    try:
        with open("/proc/self/loginuid", encoding="ascii") as handle:
            loginuid = int(handle.read().strip())
        if loginuid not in (-1, 4294967295):
            return _user_name(loginuid)
    except (OSError, ValueError):
        pass
    return _user_name(os.getuid())


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

    def _scrub(self, text):
        for secret in self.secrets:
            text = text.replace(secret, _REDACTED)
        return text

    def write(self, action, target, result, **details):
        """Append one record. result is 'changed', 'refused' or 'failed'."""
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
        line = self._scrub(json.dumps(record, sort_keys=True, default=str)) + "\n"
        self.records.append(json.loads(line))
        if not self.enabled:
            return
        data = line.encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                written = 0
                while written < len(data):
                    written += os.write(fd, data[written:])
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
