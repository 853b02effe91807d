# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lab's pending deletions: `at` jobs that run ``mc admin user remove ALIAS KEY``.

create_collab_user.sh schedules ``echo "mc admin user remove nectar $ACCESSKEY" | at now +30 days``.
This file reads what ``atq`` and ``at -c N`` print (Debian's at 3.2) and finds,
in each job's own commands (never in its saved environment), the MinIO user it
removes. No Ansible import; the caller runs the commands.
"""

import datetime
import re
import shlex

# atq: "5\tMon Dec 23 19:55:00 2026 a root" (the time in the host's local time zone).
_ATQ_LINE = re.compile(r"^(?P<id>\d+)\s+(?P<when>\w{3} \w{3}\s+\d{1,2} \d{2}:\d{2}:\d{2} \d{4})\s+"
                       r"(?P<queue>\S)\s+(?P<owner>\S+)\s*$")
# at -c: the job's commands follow "${SHELL:-/bin/sh} << 'marcinDELIMITER...'" up to the delimiter.
_HEREDOC = re.compile(r"^\$\{SHELL:-/bin/sh\} << '(?P<delim>[^']+)'\s*$")
_CD_BLOCK = re.compile(r"^cd .* \|\| \{\s*$")
_REMOVE_VERBS = ("remove", "rm")


class AtQueueError(ValueError):
    """Output of atq or at -c that cannot be read."""


def parse_atq(text, tz=None):
    """[{"id": 5, "runs_at": aware datetime, "queue": "a", "owner": "root"}] from atq's output.

    tz: the host's time zone (a tzinfo); None uses the local time zone of this process,
    which is the host's when run there.
    """
    jobs = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        match = _ATQ_LINE.match(line)
        if not match:
            raise AtQueueError("cannot read the atq line %r" % line)
        naive = datetime.datetime.strptime(" ".join(match.group("when").split()), "%a %b %d %H:%M:%S %Y")
        moment = naive.replace(tzinfo=tz) if tz is not None else naive.astimezone()
        jobs.append({"id": int(match.group("id")), "runs_at": moment.astimezone(datetime.timezone.utc),
                     "queue": match.group("queue"), "owner": match.group("owner")})
    return sorted(jobs, key=lambda j: j["id"])


def _commands(lines):
    return [line for line in lines if line.strip() and not line.lstrip().startswith("#")]


def job_commands(script):
    """The job's own command lines from at -c's output (its saved environment and cd are skipped).

    at writes the environment, then ``cd DIR || {`` ... ``}``, then the job's
    commands: as they are (Debian 12's at 3.2.5), or inside
    ``${SHELL:-/bin/sh} << 'marcinDELIMITER...'`` (newer at).
    """
    lines = (script or "").splitlines()
    start = None
    for index, line in enumerate(lines):
        if _CD_BLOCK.match(line):
            for end in range(index + 1, len(lines)):
                if lines[end].strip() == "}":
                    start = end + 1
                    break
            break
    if start is None:
        raise AtQueueError("no 'cd DIR || {' block in the job script (not a job written by at 3.x)")
    body = lines[start:]
    for index, line in enumerate(body):
        match = _HEREDOC.match(line)
        if match:
            for end in range(index + 1, len(body)):
                if body[end].strip() == match.group("delim"):
                    return _commands(body[index + 1:end])
            raise AtQueueError("the job script never closes its command block %s" % match.group("delim"))
    return _commands(body)


def mc_user_removals(commands):
    """[(alias, access_key)] for every ``mc admin user remove|rm ALIAS KEY`` among the commands."""
    found = []
    for command in commands:
        try:
            words = shlex.split(command, comments=True)
        except ValueError:
            continue
        # The command word is mc, after any VAR=value, possibly by path (/usr/local/bin/mc), with global
        # flags (--insecure, -q ...) anywhere.
        while words and "=" in words[0] and not words[0].startswith("-"):
            words = words[1:]
        if not words or words[0].rsplit("/", 1)[-1] != "mc":
            continue
        args = [w for w in words[1:] if not w.startswith("-")]
        if len(args) == 5 and args[0] == "admin" and args[1] == "user" and args[2] in _REMOVE_VERBS:
            found.append((args[3], args[4]))
    return found


def describe_job(job, script):
    """The job with what it does: {"id", "runs_at", ..., "removes": [{"alias", "access_key"}], "other": [...]}.

    "other" lists the job's commands that are not a MinIO user removal: such a job is
    not only a pending deletion, so it is reported and never removed.
    """
    commands = job_commands(script)
    removals = mc_user_removals(commands)
    removal_lines = set()
    for command in commands:
        if mc_user_removals([command]):
            removal_lines.add(command)
    other = [c.strip() for c in commands if c not in removal_lines]
    return dict(job, removes=[{"alias": a, "access_key": k} for a, k in removals], other=other)


def read_queue(atq, script):
    """Every queued job with what it does, given atq() -> text and script(id) -> text.

    A job whose script cannot be read is kept, with "error" set and nothing in
    "removes": the callers report it and never remove it.
    """
    jobs = []
    for job in parse_atq(atq()):
        try:
            jobs.append(describe_job(job, script(job["id"])))
        except AtQueueError as exc:
            jobs.append(dict(job, removes=[], other=[], error=str(exc)))
    return jobs
