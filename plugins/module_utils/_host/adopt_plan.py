# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What adopting a hand-made MinIO host means, decided before any change.

Reads what egid.s3share.adopt_info found (the installed release, the running
settings in /etc/default/minio, the old actions.log) and returns the plan
(upgrade or not, rotate the root credentials or not, archive the old log or
not) and the refusals, each a sentence for the admin. The playbook stops on
any refusal before its first change. No Ansible import.

Root credentials: in the MinIO releases this collection runs (2025), IAM and
server configuration are stored as plain JSON, or encrypted with the KMS when
one is configured; the root credentials encrypt nothing at rest. A data
directory from releases before 2022 may still hold objects encrypted with the
old root credentials (cmd/iam-object-store.go decryptData tries the active
credentials only), and MINIO_ROOT_USER_OLD no longer exists. So rotation is
changing the two settings and restarting, which this plan allows only when
asked (adopt_rotate_root) and when no KMS setting would be dropped.
"""

import json
import re
import shlex

_RELEASE = re.compile(r"RELEASE\.(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z)")
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
ROOT_KEYS = ("MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD")
LEGACY_ROOT_KEYS = ("MINIO_ACCESS_KEY", "MINIO_SECRET_KEY")


def parse_release(text):
    """The release tag in ``minio --version`` output (RELEASE.2025-04-22T22-12-26Z), or None."""
    match = _RELEASE.search(text or "")
    return "RELEASE." + match.group(1) if match else None


def compare_releases(installed, pinned):
    """-1, 0 or 1 as installed is older, equal or newer than pinned (the tags sort as their times)."""
    left, right = parse_release(installed), parse_release(pinned)
    if left is None or right is None:
        raise ValueError("not a MinIO release tag: %r" % (installed if left is None else pinned))
    return (left > right) - (left < right)


def parse_env_file(text):
    """{KEY: value} from an EnvironmentFile (systemd's rules for the common cases: quotes, comments)."""
    env = {}
    for line in (text or "").splitlines():
        if not line.strip() or line.lstrip().startswith(("#", ";")):
            continue
        match = _ENV_LINE.match(line)
        if not match:
            continue
        raw = match.group(2).strip()
        try:
            words = shlex.split(raw) if raw else [""]
            value = " ".join(words) if len(words) != 1 else words[0]
        except ValueError:
            value = raw
        env[match.group(1)] = value
    return env


def root_credentials(env):
    """(user, password) the running server was started with, from its settings; None when not there."""
    user = env.get("MINIO_ROOT_USER") or env.get("MINIO_ACCESS_KEY")
    password = env.get("MINIO_ROOT_PASSWORD") or env.get("MINIO_SECRET_KEY")
    return (user, password) if user and password else None


def legacy_log_state(text):
    """How many lines of an audit log are the collection's JSON lines and how many are something else."""
    json_lines = other = 0
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if isinstance(record, dict) and "action" in record and "timestamp" in record:
                json_lines += 1
                continue
        except ValueError:
            pass
        other += 1
    return {"json_lines": json_lines, "other_lines": other}


# What the collection's /etc/default/minio writes (roles/minio_server), and the
# older names of the root credentials it replaces.
WRITTEN_KEYS = ("MINIO_VOLUMES", "MINIO_OPTS", "MINIO_SERVER_URL", "MINIO_BROWSER_REDIRECT_URL",
                "MINIO_STS_DURATION") + ROOT_KEYS \
    + LEGACY_ROOT_KEYS


def settings_problems(env, volumes=None, extra_keys=(), env_path="/etc/default/minio"):
    """Refusals for running settings that the collection's settings file would silently change.

    MINIO_VOLUMES must be what the role will write (else MinIO would restart on
    another directory), and every other setting must be one the role writes or
    one the inventory carries over (minio_server_extra_env): a dropped
    MINIO_KMS_* would leave encrypted objects unreadable.
    """
    problems = []
    running = (env.get("MINIO_VOLUMES") or "").split()
    if volumes is not None and running and running != volumes.split():
        problems.append("MinIO serves %s (MINIO_VOLUMES in %s) but the inventory would serve %s. Set "
                        "minio_server_drives to the running path. Nothing was changed."
                        % (" ".join(running), env_path, volumes))
    dropped = sorted(k for k in env if k not in WRITTEN_KEYS and k not in set(extra_keys))
    if dropped:
        problems.append("%s sets %s, which the collection's settings file would drop. Carry them over in "
                        "minio_server_extra_env (the secret ones from the vault), or remove them by hand if "
                        "they are not wanted. Nothing was changed." % (env_path, ", ".join(dropped)))
    return problems


def plan(found, pinned_release, root_user, root_password, rotate_root=False, archive_suffix=".pre-adoption",
         volumes=None, extra_keys=()):
    """{"problems": [...], "upgrade": bool, "rotate_root": bool, "archive_log": bool, "installed_release": ...}.

    found: what adopt_info read: {"binary": {"exists", "version_output"}, "env": {KEY: value} or None,
    "audit_log": {"path", "exists", "json_lines", "other_lines"}, "archive_exists": bool}.
    volumes, extra_keys: the MINIO_VOLUMES the role will write and the keys of minio_server_extra_env
    (see settings_problems).
    """
    problems = []
    result = {"installed_release": None, "pinned_release": pinned_release, "upgrade": False,
              "rotate_root": False, "archive_log": False, "root_credentials": "unknown"}
    binary = found.get("binary") or {}
    if binary.get("exists"):
        installed = parse_release(binary.get("version_output"))
        result["installed_release"] = installed
        if installed is None:
            problems.append("Cannot read the release of the installed MinIO (%s --version printed %r). Nothing "
                            "was changed." % (binary.get("path"), (binary.get("version_output") or "")[:120]))
        else:
            order = compare_releases(installed, pinned_release)
            if order > 0:
                problems.append("The installed MinIO %s is newer than the pinned %s: adoption never downgrades "
                                "(MinIO may have written data an older release cannot read). Pin %s or newer. "
                                "Nothing was changed." % (installed, pinned_release, installed))
            result["upgrade"] = order < 0
    else:
        result["upgrade"] = True

    env = found.get("env")
    if env is not None:
        problems.extend(settings_problems(env, volumes, extra_keys, found.get("env_path", "/etc/default/minio")))
        running = root_credentials(env)
        kms = sorted(k for k in env if k.startswith("MINIO_KMS_"))
        if running is None:
            problems.append("The running root credentials are not in %s (MINIO_ROOT_USER and MINIO_ROOT_PASSWORD), "
                            "so adoption cannot tell whether the vault's match them. Nothing was changed."
                            % found.get("env_path", "/etc/default/minio"))
        elif running == (root_user, root_password):
            result["root_credentials"] = "match"
        else:
            result["root_credentials"] = "differ"
            if kms:
                problems.append("The root credentials in the vault differ from the running ones and the server "
                                "uses a KMS (%s), which adoption does not carry over. Nothing was changed."
                                % ", ".join(kms))
            elif not rotate_root:
                problems.append("The root credentials in the vault differ from the running ones (%s). Put the "
                                "running ones in the vault, or set s3share_adopt_rotate_root=true to replace "
                                "them (MinIO 2025 keeps IAM in plain JSON, so users and policies survive). "
                                "Nothing was changed." % ("user differs" if running[0] != root_user
                                                          else "password differs"))
            else:
                result["rotate_root"] = True

    log = found.get("audit_log") or {}
    if log.get("exists") and log.get("other_lines"):
        result["archive_log"] = True
        result["archive_path"] = log["path"] + archive_suffix
        if found.get("archive_exists"):
            problems.append("%s holds lines that are not JSON audit records, and %s exists already: merge them "
                            "by hand. Nothing was changed." % (log["path"], result["archive_path"]))
    result["problems"] = problems
    return result
