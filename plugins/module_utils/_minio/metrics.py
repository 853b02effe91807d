# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Monitoring of the share service: MinIO's Prometheus bearer token and the textfile metrics.

Two things live here, standard library only, so that both the minio_metrics_token
module and the collector on the server (installed with the collection, run by
the egid.s3share.monitoring role's timer) use the same code:

- The bearer token MinIO accepts on /minio/v2/metrics/*: a JWT signed with
  HS512 under the secret key of the identity it names (claims ``sub`` = access
  key, ``iss`` = ``prometheus``, ``exp``). MinIO looks the access key up, checks
  the signature with that user's secret and then its policy for
  ``admin:Prometheus``; so a dedicated user whose only grant is that action
  reads metrics and nothing else, and changing its secret revokes the token.
- The node-exporter textfile metrics MinIO does not give: the collaborator
  sweep's state (sweep.json, written by the minio_admin role's sweep and its
  OnFailure= unit), how many collaborators there are and the soonest expiry
  (no name: see add_collaborator_metrics), the TLS certificate's
  end date, and whether the audit logs can be appended to by their writers.
"""

import base64
import hashlib
import hmac
import json
import os
import re
import ssl
import subprocess
import time

from ansible_collections.egid.s3share.plugins.module_utils._host.fs import replace_file
from ansible_collections.egid.s3share.plugins.module_utils._minio.times import format_epoch, parse_time

TOKEN_ISSUER = "prometheus"
_TOKEN_HEADER = {"alg": "HS512", "typ": "JWT"}


# --- the bearer token ---------------------------------------------------------

def _b64encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _json_part(value):
    return _b64encode(json.dumps(value, separators=(",", ":"), sort_keys=True).encode("utf-8"))


def _signature(signing_input, secret_key):
    return _b64encode(hmac.new(secret_key.encode("utf-8"), signing_input.encode("ascii"), hashlib.sha512).digest())


def prometheus_token(access_key, secret_key, expires_at):
    """A token MinIO accepts for its metrics endpoints, valid until expires_at (seconds since the epoch)."""
    if not access_key or not secret_key:
        raise ValueError("an access key and a secret key are required to sign a metrics token")
    claims = {"exp": int(expires_at), "iss": TOKEN_ISSUER, "sub": access_key}
    signing_input = "%s.%s" % (_json_part(_TOKEN_HEADER), _json_part(claims))
    return "%s.%s" % (signing_input, _signature(signing_input, secret_key))


def token_claims(token):
    """The claims of a token (not verified); ValueError when it is not a JWT."""
    parts = (token or "").strip().split(".")
    if len(parts) != 3:
        raise ValueError("not a JSON web token")
    try:
        claims = json.loads(_b64decode(parts[1]).decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("unreadable claims: %s" % exc)
    if not isinstance(claims, dict):
        raise ValueError("the claims are not a JSON object")
    return claims


def token_problem(token, access_key, secret_key, now, renew_before):
    """Why token must be replaced (a short reason), or None when it is signed by secret_key
    for access_key and stays valid for more than renew_before seconds after now."""
    try:
        claims = token_claims(token)
    except ValueError as exc:
        return "the current token is unreadable (%s)" % exc
    signing_input, dummy, signature = token.strip().rpartition(".")
    header = signing_input.split(".")[0]
    if header != _json_part(_TOKEN_HEADER):
        return "the current token is not signed with HS512"
    if not hmac.compare_digest(signature, _signature(signing_input, secret_key)):
        return "the current token is signed with another secret"
    if claims.get("sub") != access_key or claims.get("iss") != TOKEN_ISSUER:
        return "the current token names another identity"
    expires = claims.get("exp")
    if not isinstance(expires, int):
        return "the current token has no expiry"
    if expires - now <= renew_before:
        return "the current token expires at %s" % format_epoch(expires)
    return None


# --- textfile metrics ---------------------------------------------------------

_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")


def _label_value(value):
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value):
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    return repr(float(value))


class Textfile:
    """Metric families in the Prometheus text format, rendered in a stable order."""

    def __init__(self):
        self.families = {}

    def add(self, name, help_text, value, labels=None, kind="gauge"):
        if not _METRIC_NAME.match(name):
            raise ValueError("invalid metric name %r" % name)
        family = self.families.setdefault(name, {"help": help_text, "type": kind, "samples": {}})
        key = tuple(sorted((labels or {}).items()))
        family["samples"][key] = value

    def render(self):
        lines = []
        for name in sorted(self.families):
            family = self.families[name]
            lines.append("# HELP %s %s" % (name, family["help"].replace("\\", "\\\\").replace("\n", " ")))
            lines.append("# TYPE %s %s" % (name, family["type"]))
            for key in sorted(family["samples"]):
                labels = ",".join('%s="%s"' % (k, _label_value(v)) for k, v in key)
                lines.append("%s%s %s" % (name, "{%s}" % labels if labels else "", _number(family["samples"][key])))
        return "\n".join(lines) + "\n"


def parse_timestamp(value):
    """Seconds since the epoch of an ISO 8601 time such as 2026-11-23T16:40:09.123456Z; None when unset."""
    if not value:
        return None
    return parse_time(value).timestamp()


def add_sweep_metrics(textfile, state):
    """The sweep's state file (a dict, or None when it is missing or unreadable).

    sweep.json holds last_run, last_success, last_failure (UTC timestamps) and
    last_result: "ok", "errors" (some collaborator could not be handled) or
    "failed" (the unit failed; written by its OnFailure= unit).
    """
    textfile.add("s3share_sweep_state_readable", "1 when the collaborator sweep's state file could be read.",
                 state is not None)
    state = state or {}
    for field, name in (("last_run", "last_run"), ("last_success", "last_success"), ("last_failure", "last_failure")):
        try:
            seconds = parse_timestamp(state.get(field))
        except ValueError:
            seconds = None
        # 0 for "never": the staleness rule then fires, which is what "never succeeded" means.
        textfile.add("s3share_sweep_%s_timestamp_seconds" % name,
                     "Time of the collaborator sweep's %s (0 when never)." % field.replace("_", " "),
                     seconds or 0)
    textfile.add("s3share_sweep_last_result_ok",
                 "1 when the collaborator sweep's last result was ok, 0 after errors or a failed run.",
                 state.get("last_result") == "ok")
    for field in ("kept", "removed", "errors"):
        if isinstance(state.get(field), int):
            textfile.add("s3share_sweep_last_%s" % field, "Collaborators %s by the last sweep." % {
                "kept": "kept", "removed": "removed", "errors": "the last sweep could not handle"}[field],
                state[field])


def add_collaborator_metrics(textfile, records, now):
    """records: the collaborators (dicts with name, bucket and expires_at, an ISO 8601 time or seconds
    since the epoch), or None when they could not be read.

    Counts and the soonest expiry only, never a name or a bucket: node-exporter and Prometheus
    serve what they have to whoever may query them, and keep it for months, while
    ``s3share collab list`` shows each caller only its own platform's collaborators.
    """
    textfile.add("s3share_collaborators_readable", "1 when the collaborator records could be read.",
                 records is not None)
    if records is None:
        return
    active = []
    for record in records:
        expires = record["expires_at"]
        if not isinstance(expires, (int, float)):
            expires = parse_timestamp(expires)
        if expires > now:
            active.append(expires)
    textfile.add("s3share_collaborators_active", "Collaborators whose access has not expired yet.", len(active))
    textfile.add("s3share_collaborators_total", "Collaborator records, expired ones not yet swept included.",
                 len(records))
    if active:
        # The time, not the days left: a sample does not go stale between two runs of the
        # collector; the rules and the dashboard compute (value - time()) / 86400.
        textfile.add("s3share_collaborators_next_expiry_timestamp_seconds",
                     "Time at which the first active collaborator's access ends (absent when none is active).",
                     min(active))


def certificate_not_after(path, openssl="openssl"):
    """The end of validity of the PEM certificate at path, in seconds since the epoch."""
    output = subprocess.run([openssl, "x509", "-noout", "-enddate", "-in", path], check=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True).stdout
    key, dummy, value = output.strip().partition("=")
    if key != "notAfter":
        raise ValueError("unexpected openssl output %r" % output)
    return float(ssl.cert_time_to_seconds(value))


def add_certificate_metrics(textfile, paths, reader=certificate_not_after):
    for path in paths:
        try:
            not_after = reader(path)
        except (OSError, ValueError, subprocess.CalledProcessError):
            textfile.add("s3share_tls_certificate_readable", "1 when the certificate could be read.", False,
                         {"path": path})
            continue
        textfile.add("s3share_tls_certificate_readable", "1 when the certificate could be read.", True, {"path": path})
        textfile.add("s3share_tls_certificate_not_after_timestamp_seconds",
                     "End of validity of a TLS certificate.", not_after, {"path": path})


def appendable(path, user=None):
    """Whether path can be opened for appending, by user (a name) when given, without writing anything.

    A missing file counts as appendable when its directory is writable (the writer creates it).
    With a user, the check runs in a child process that takes that user's identity, so
    ownership, modes, a read-only mount and the immutable flag all count as they do for the writer.
    """
    if user is None or os.geteuid() != 0:
        return _try_append(path)
    import pwd
    entry = pwd.getpwnam(user)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's outcome is its exit code
        try:
            os.setgroups([])
            os.setgid(entry.pw_gid)
            os.setuid(entry.pw_uid)
            os._exit(0 if _try_append(path) else 1)
        except BaseException:  # pylint: disable=broad-except
            os._exit(2)
    dummy, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def _try_append(path):
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        directory = os.path.dirname(path) or "."
        return os.path.isdir(directory) and os.access(directory, os.W_OK | os.X_OK)
    except OSError:
        return False
    os.close(descriptor)
    return True


_RELEASE_LINE = re.compile(r"\bversion (RELEASE\.[0-9TZ:-]+Z(?:\.[A-Za-z0-9]+\.[0-9]+)?)\s")
_PATCHES_LINE = re.compile(r"^Patches: ([A-Za-z0-9]+\.[0-9]+)(?: \(([^)]*)\))?\s*$", re.M)


def minio_build(version_output):
    """Release, patch level and advisories from ``minio --version`` (the egid.s3share build adds a Patches line).

    An upstream build has no Patches line: its level and advisories are empty.
    """
    release = _RELEASE_LINE.search(version_output or "")
    if not release:
        raise ValueError("no release tag in %r" % (version_output,))
    patches = _PATCHES_LINE.search(version_output)
    advisories = [a.strip() for a in (patches.group(2) or "").split(",") if a.strip()] if patches else []
    return {"release": release.group(1), "patch_level": patches.group(1) if patches else "",
            "advisories": advisories}


def _minio_version(binary):
    return subprocess.run([binary, "--version"], check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=30, env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"}).stdout


def add_build_metrics(textfile, binary, reader=_minio_version):
    """The installed MinIO's release and patch level (docs/security.md), from its --version."""
    try:
        build = minio_build(reader(binary))
    except (OSError, ValueError, subprocess.SubprocessError):
        textfile.add("s3share_minio_build_readable", "1 when minio --version could be read.", False, {"path": binary})
        return
    textfile.add("s3share_minio_build_readable", "1 when minio --version could be read.", True, {"path": binary})
    textfile.add("s3share_minio_build_info",
                 "The installed MinIO: release tag, patch level and the advisories its patches fix.", 1,
                 {"path": binary, "release": build["release"], "patch_level": build["patch_level"],
                  "advisories": ",".join(build["advisories"])})
    textfile.add("s3share_minio_build_patched_advisories", "Number of advisories the installed MinIO's patches fix.",
                 len(build["advisories"]), {"path": binary})


def add_log_metrics(textfile, logs, check=appendable):
    """logs: [{"name": ..., "path": ..., "user": ...}]: can each writer append to its log?"""
    for log in logs:
        textfile.add("s3share_audit_log_writable",
                     "1 when the audit log can be appended to by the account that writes it.",
                     check(log["path"], log.get("user")), {"log": log["name"], "path": log["path"]})


def write_atomically(path, text, mode=0o640, group=None):
    """Replace path by a file holding text, with mode and, when given, group (a name): _host/fs.replace_file."""
    gid = -1
    if group is not None:
        import grp
        gid = grp.getgrnam(group).gr_gid
    replace_file(path, text.encode("utf-8"), mode, -1, gid)


def read_json(path):
    try:
        with open(path, encoding="utf-8") as handle:
            value = json.load(handle)
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def collect(settings, list_records, now=None):
    """The whole textfile for settings (the collector's JSON settings file, see the monitoring role).

    list_records() returns the collaborators' records; it may raise anything (MinIO down,
    settings unreadable): the collaborator part then says so and the rest is still written.
    """
    now = time.time() if now is None else now
    textfile = Textfile()
    add_sweep_metrics(textfile, read_json(settings["sweep_state"]))
    try:
        records = list_records()
    except Exception:  # pylint: disable=broad-except
        records = None
    add_collaborator_metrics(textfile, records, now)
    add_certificate_metrics(textfile, settings.get("certificates", []))
    add_log_metrics(textfile, settings.get("logs", []))
    if settings.get("minio_binary"):
        add_build_metrics(textfile, settings["minio_binary"])
    textfile.add("s3share_textfile_collector_last_run_timestamp_seconds",
                 "Time the s3share textfile collector last ran.", now)
    return textfile.render()


# --- MinIO's audit webhook ----------------------------------------------------

AUDIT_WEBHOOK_TARGET = "s3share"
AUDIT_QUEUE_DIR = "/srv/s3/cache/audit-queue"


def audit_webhook_env(port, token, target=AUDIT_WEBHOOK_TARGET, queue_dir=AUDIT_QUEUE_DIR):
    """MinIO's settings for an audit webhook to the receiver on loopback port with token.

    The queue directory keeps entries on disk while the receiver is away (restart,
    upgrade), and MinIO sends them once it is back: no request goes unrecorded.
    """
    port = int(port)
    if not 0 < port < 65536:
        raise ValueError("invalid port %r" % port)
    if not re.match(r"[A-Za-z0-9]{16,128}\Z", token or ""):
        raise ValueError("the access audit token must be 16 to 128 letters or digits")
    if not re.match(r"[A-Za-z0-9_]+\Z", target):
        raise ValueError("invalid target name %r" % target)
    suffix = "_" + target
    env = {
        "MINIO_AUDIT_WEBHOOK_ENABLE" + suffix: "on",
        "MINIO_AUDIT_WEBHOOK_ENDPOINT" + suffix: "http://127.0.0.1:%d/minio/audit" % port,
        "MINIO_AUDIT_WEBHOOK_AUTH_TOKEN" + suffix: "Bearer %s" % token,
    }
    if queue_dir:
        env["MINIO_AUDIT_WEBHOOK_QUEUE_DIR" + suffix] = queue_dir
    return env


def env_mismatches(current, wanted):
    """The names in wanted whose value current lacks or differs from (never the values: one is a token)."""
    current = current or {}
    return sorted(name for name, value in wanted.items() if str(current.get(name, "")) != str(value))
