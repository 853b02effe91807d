# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""restic, run as a child process: the one place that builds its command lines and reads its JSON.

The repository password is only ever in a root-only file (RESTIC_PASSWORD_FILE), and the target's
credentials (an S3 target's keys) only in the child's environment: never on a command line, where
any local account could read them in /proc, and never in what this file returns or raises.
No Ansible import: the backup job runs it on the server, outside Ansible.
"""

import json
import os
import re
import subprocess

DEFAULT_RESTIC = "/usr/bin/restic"
TAG = "s3share"


class ResticError(RuntimeError):
    """restic failed; the message holds its last words (stderr), never a secret."""


def redact_repository(repository):
    """The repository as audit lines and results show it: a user:password in a rest: or s3: URL is cut."""
    return re.sub(r"(://)[^/@]*@", r"\1***@", repository or "")


def is_local(repository):
    """Whether a repository is a local path (the lab's NFS mount), not sftp:, s3:, rest:..."""
    return repository.startswith("/")


class Restic:
    """One repository: its location, its password file and the extra environment of its target."""

    def __init__(self, repository, password_file, environment=None, binary=DEFAULT_RESTIC, cache_dir=None,
                 cacert=None, runner=subprocess.run):
        if not repository:
            raise ResticError("no backup repository is configured")
        self.repository = repository
        self.password_file = password_file
        self.environment = dict(environment or {})
        self.binary = binary
        self.cache_dir = cache_dir
        self.cacert = cacert
        self.runner = runner

    def _env(self):
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": os.environ.get("HOME", "/root"),
               "RESTIC_REPOSITORY": self.repository, "RESTIC_PASSWORD_FILE": self.password_file,
               "LC_ALL": "C.UTF-8"}
        if self.cache_dir:
            env["RESTIC_CACHE_DIR"] = self.cache_dir
        env.update(self.environment)
        return env

    def run(self, *args, stdin=None, binary_output=False):
        argv = [self.binary] + (["--cacert", self.cacert] if self.cacert else []) + list(args)
        try:
            done = self.runner(argv, env=self._env(), input=stdin, capture_output=True, check=False, timeout=6 * 3600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ResticError("cannot run %s: %s" % (self.binary, exc)) from None
        if done.returncode != 0:
            words = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise ResticError("restic %s failed (exit %d): %s" % (
                args[0], done.returncode, " / ".join(words[-3:]) or "no message"))
        return done.stdout if binary_output else done.stdout.decode("utf-8", "replace")

    def json(self, *args):
        return json.loads(self.run("--json", *args) or "null")

    def exists(self):
        """Whether the repository answers with its config (False: it is not initialised, or is unreachable)."""
        try:
            self.run("cat", "config")
            return True
        except ResticError:
            return False

    def check_reachable(self):
        """A local repository's parent must exist: a missing parent is a missing NFS mount, and the backup must
        fail rather than fill nectar's own disk (or take the share for a new, empty repository)."""
        if is_local(self.repository) and not os.path.isdir(os.path.dirname(self.repository.rstrip("/")) or "/"):
            raise ResticError("the backup target %s is not reachable (its parent directory does not exist: "
                              "is the NFS share mounted?)" % os.path.dirname(self.repository.rstrip("/")))

    def init(self):
        """Initialise the repository (once check_reachable() passed)."""
        self.check_reachable()
        self.run("init")

    def backup(self, paths, host, tags=(TAG,)):
        """One snapshot of paths; returns restic's summary (snapshot_id, data_added, total_bytes_processed...)."""
        argv = ["--json", "backup", "--host", host]
        for tag in tags:
            argv += ["--tag", tag]
        out = self.run(*(argv + ["--"] + list(paths)))
        summary = None
        for line in out.splitlines():
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if isinstance(message, dict) and message.get("message_type") == "summary":
                summary = message
        if summary is None:
            raise ResticError("restic backup printed no summary")
        return summary

    def snapshots(self, tag=TAG):
        return self.json("snapshots", "--tag", tag) or []

    def dump(self, snapshot, path):
        """The bytes of one file of a snapshot."""
        return self.run("dump", snapshot, path, binary_output=True)

    def restore(self, snapshot, target, includes):
        argv = ["restore", snapshot, "--target", target]
        for path in includes:
            argv += ["--include", path]
        self.run(*argv)

    def check(self):
        self.run("check")

    def forget(self, keep):
        argv = ["forget", "--tag", TAG, "--prune"]
        for period in ("last", "daily", "weekly", "monthly"):
            if keep.get(period):
                argv += ["--keep-%s" % period, str(int(keep[period]))]
        if len(argv) > 4:
            self.run(*argv)

    def stats(self):
        return self.json("stats", "--mode", "raw-data")
