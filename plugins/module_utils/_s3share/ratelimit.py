# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How often one delegated user may run the s3share command: a token bucket per user.

Each run, change or refusal, writes one audit line; a delegated user looping
``sudo s3share ...`` could otherwise fill the disk with them. Each user has
BURST runs, refilled at REFILL_PER_MINUTE. Past that, a run is refused and,
to keep the log bounded, writes no line of its own: the first refusal of a
spell writes one ("rate limited", further refusals counted), and the next run
that is allowed again writes one more with how many were refused in between.
So a spell of any length costs two lines.

The state is one small JSON file per user in a root-only directory under /run
(tmpfs: a reboot starts everyone afresh), locked with flock(), so concurrent
runs of one user are counted once each. The command runs as root through
sudo; the user cannot reach the directory.
No Ansible import.
"""

import errno
import fcntl
import json
import os
import stat
import time

DEFAULT_DIRECTORY = "/run/s3share-rate"
BURST = 60
REFILL_PER_MINUTE = 6.0


class RateLimitError(RuntimeError):
    """The state directory is not what it must be (not root's, or reachable by others)."""


def _directory(path):
    try:
        os.mkdir(path, 0o700)
    except OSError as exc:
        if exc.errno != errno.EEXIST:
            raise
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077:
        raise RateLimitError("%s must be a directory of uid %d, mode 0700" % (path, os.geteuid()))
    return path


class Decision:
    """What take() decided: allowed or not, and which audit line (if any) to write about it."""

    def __init__(self, allowed, first_refusal=False, refused_before=0, retry_after=0.0):
        self.allowed = allowed
        self.first_refusal = first_refusal      # refused, and the first of its spell: write one line
        self.refused_before = refused_before    # allowed again after that many silent refusals
        self.retry_after = retry_after          # seconds until a run is allowed (when refused)

    @property
    def audit_this_refusal(self):
        return not self.allowed and self.first_refusal


def take(user, directory=DEFAULT_DIRECTORY, burst=BURST, per_minute=REFILL_PER_MINUTE, now=None):
    """Count one run of user; a Decision. The file name is the user name (the caller's own, from sudo)."""
    if not user or "/" in user or user.startswith("."):
        raise RateLimitError("not a user name: %r" % (user,))
    now = time.time() if now is None else now
    path = os.path.join(_directory(directory), user + ".json")
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        raw = b""
        while True:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            raw += chunk
        try:
            state = json.loads(raw.decode("utf-8")) if raw else {}
        except ValueError:
            state = {}
        tokens = float(state.get("tokens", burst))
        last = float(state.get("time", now))
        refused = int(state.get("refused", 0))
        tokens = min(float(burst), tokens + max(0.0, now - last) * per_minute / 60.0)
        if tokens >= 1.0:
            decision = Decision(True, refused_before=refused)
            tokens -= 1.0
            refused = 0
        else:
            decision = Decision(False, first_refusal=(refused == 0),
                                retry_after=(1.0 - tokens) * 60.0 / per_minute)
            refused += 1
        data = json.dumps({"tokens": tokens, "time": now, "refused": refused}).encode("utf-8")
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        os.write(fd, data)
        return decision
    finally:
        os.close(fd)
