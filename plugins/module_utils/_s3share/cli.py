# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The s3share command: what bioinformaticians run on the server through sudo.

Installed by the egid.s3share.minio_admin role as /usr/local/sbin/s3share (a
launcher that runs main() with the admin venv's Python and the installed
collection). It replaces the lab's create_collab_user.sh and
create_minio_user.sh, on the same module_utils as the modules:

  s3share collab add <collab> <bucket> <path> <days> [--read-write] [--check]
  s3share collab list | show <collab> | extend <collab> <days> | revoke <collab>
  s3share share <bucket>/<path> [--days N]
  s3share user add <name> <bucket>          (admins only)
  s3share audit [--since TIME] [--limit N]  (admins only)
  s3share audit --verify [--head SEQ:HASH]  (admins only)
  s3share whoami

The MinIO root credentials stay in the root-only admin.json; the caller
never sees them. Who may do what is decided here, from the root-owned
delegations.json, for the person behind sudo (see _minio.audit.current_actor):
sudoers only lets the delegated groups run the command. Every run writes one
audit line, refusals included.

Exit codes: 0 done, 1 failed (server or configuration), 2 invalid arguments,
3 refused (not allowed, or against the rules), 4 the audit log does not
verify (audit --verify found a changed, removed or moved line: see
docs/audit.md), 128+N stopped by signal N (SIGTERM, SIGINT or SIGHUP, which
sudo relays).

A change is audited twice: a "started" line just before its first write,
then its outcome. SIGTERM, SIGINT and SIGHUP never leave half of a change:
a creation is rolled back (the new account, its policy and record) unless its
secret was written out, and any other change runs to its end; either way the
outcome is audited. See docs/security-local.md.

To a delegated caller, a refusal about a collaborator names no folder of
another platform and does not tell whether the name exists; the audit line
keeps the real cause (field "cause").

No Ansible import.
"""

import argparse
import datetime
import json
import re
import signal

from ansible_collections.egid.s3share.plugins.module_utils._minio.audit import (
    ActorUnknown, AuditLog, DEFAULT_AUDIT_LOG, current_actor,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.audit_chain import parse_head, verify_chain
from ansible_collections.egid.s3share.plugins.module_utils._minio.bucket import bucket_exists
from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.service import Collaborators
from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.validation import (
    CollaboratorRefused, NAME_RE, NameUnavailable, RecordError, generate_secret_key, record_view, validate_record,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.names import DEFAULT_RECORDS_BUCKET
from ansible_collections.egid.s3share.plugins.module_utils._minio.times import format_time, parse_time, utc_now
from ansible_collections.egid.s3share.plugins.module_utils._minio.connection import (
    AdminConfigError, ConnectionSettings, create_clients, read_admin_config, settings_of_admin_config,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import MinioActionError
from ansible_collections.egid.s3share.plugins.module_utils._minio.iam import (
    IamState, ensure_policy, ensure_user_present,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.policy import (
    PolicyError, internal_policy, normalize_prefix, policies_equal, validate_bucket_name,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.share import (
    ShareRefused, object_stat, objects_to_share, sign_links, validate_share,
)
from ansible_collections.egid.s3share.plugins.module_utils._s3share import ratelimit
from ansible_collections.egid.s3share.plugins.module_utils._s3share.delegation import (
    Caller, NotAllowed, groups_of, load_delegations,
)

DEFAULT_CONFIG = "/opt/minio-admin/etc/admin.json"
DEFAULT_DELEGATIONS = "/opt/minio-admin/etc/delegations.json"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_REFUSED, EXIT_TAMPERED = 0, 1, 2, 3, 4
_DAYS_RE = re.compile(r"[1-9][0-9]{0,3}")
_USER_RE = re.compile(r"[a-z][a-z0-9._-]{1,30}[a-z0-9]")
# No valid command line comes near these: longer input is refused before anything else.
MAX_ARGUMENT = 1024
MAX_ARGUMENTS = 16
# The verbs that change something (audited "started" before the first write).
CHANGES = {("collab", "add"), ("collab", "extend"), ("collab", "revoke"), ("user", "add")}

LAB_SCRIPTS = """the lab's scripts:
  create_collab_user.sh <collab> <bucket> <path> <days>  ->  s3share collab add <collab> <bucket> <path> <days>
  create_minio_user.sh <user> <bucket>                   ->  s3share user add <user> <bucket>
  mc share download --expire 72h nectar/<bucket>/<path>  ->  s3share share <bucket>/<path> --days 3
  grep ... /opt/minio-admin/logs/actions.log             ->  s3share audit --since 2026-11-01

exit codes: 0 done, 1 failed, 2 invalid arguments, 3 refused, 4 the audit log does not verify"""


class Usage(ValueError):
    """Invalid arguments (exit code 2)."""


class Hidden(CollaboratorRefused):
    """A refusal whose message must not tell the caller more than they may know; cause goes to the audit."""

    def __init__(self, message, cause):
        super().__init__(message)
        self.cause = cause


def _unknown(name):
    return "no collaborator named %s among those you may manage" % name


def _unavailable(name):
    return "the name %s is not available; choose another name" % name


class Interrupted(BaseException):
    """A signal stopped the run; raised where the run had got to (a BaseException, like KeyboardInterrupt)."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum
        self.name = signal.Signals(signum).name


class Signals:
    """SIGTERM, SIGINT and SIGHUP during one run.

    Held (the default): a signal is remembered and the run goes on, so a
    change completes and its outcome is audited. Armed (a creation, from its
    first write until its secret is written out): the signal raises
    Interrupted at once, and the creation is rolled back.
    """

    SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)

    def __init__(self):
        self.received = None
        self.armed = False
        self._previous = {}

    def install(self):
        for signum in self.SIGNALS:
            self._previous[signum] = signal.signal(signum, self._handle)

    def restore(self):
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous = {}

    def _handle(self, signum, frame):
        if self.received is None:
            self.received = signum
        if self.armed:
            self.armed = False
            raise Interrupted(signum)

    def arm(self):
        """Raise from now on; at once when a signal came while held."""
        if self.received is not None:
            raise Interrupted(self.received)
        self.armed = True

    def hold(self):
        self.armed = False


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so that a usage error is audited too."""

    def error(self, message):
        raise Usage(message)


def _days(value):
    if not isinstance(value, str) or not _DAYS_RE.fullmatch(value):
        raise argparse.ArgumentTypeError("invalid number of days %r: a whole number from 1" % (value,))
    return int(value)


def _name(value):
    if not NAME_RE.fullmatch(value):
        raise argparse.ArgumentTypeError("invalid collaborator name %r: 3-40 characters, a-z, 0-9 and '-'"
                                         % (value,))
    return value


def _bucket(value):
    message = validate_bucket_name(value)
    if message:
        raise argparse.ArgumentTypeError(message)
    return value


def _path(value):
    try:
        prefix = normalize_prefix(value)
    except PolicyError as exc:
        raise argparse.ArgumentTypeError(str(exc))
    if not prefix:
        raise argparse.ArgumentTypeError("a folder is required, never a whole bucket")
    return prefix


def _target(value):
    bucket, sep, path = value.partition("/")
    if not sep:
        raise argparse.ArgumentTypeError("expected <bucket>/<path>, got %r" % (value,))
    return _bucket(bucket), _path(path)


def _user(value):
    if not _USER_RE.fullmatch(value):
        raise argparse.ArgumentTypeError("invalid user name %r" % (value,))
    return value


def _head(value):
    try:
        return parse_head(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc))


def _time(value):
    try:
        return parse_time(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc))


def build_parser():
    parser = _Parser(prog="s3share", allow_abbrev=False, formatter_class=argparse.RawDescriptionHelpFormatter,
                     description="Share results from nectar's S3 service without the MinIO root key.",
                     epilog=LAB_SCRIPTS)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    collab = commands.add_parser("collab", help="expiring accounts of external collaborators", allow_abbrev=False)
    verbs = collab.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
    verbs.required = True
    add = verbs.add_parser("add", help="read-only account on <bucket>/<path> for <days> (create_collab_user.sh)",
                           allow_abbrev=False)
    add.add_argument("collab", type=_name)
    add.add_argument("bucket", type=_bucket)
    add.add_argument("path", type=_path)
    add.add_argument("days", type=_days)
    add.add_argument("--read-write", action="store_true", help="also upload and delete in the folder")
    add.add_argument("--check", action="store_true", help="say what would be done, change nothing")
    verbs.add_parser("list", help="the collaborators you may see", allow_abbrev=False)
    show = verbs.add_parser("show", help="one collaborator", allow_abbrev=False)
    show.add_argument("collab", type=_name)
    revoke = verbs.add_parser("revoke", help="remove the account now", allow_abbrev=False)
    revoke.add_argument("collab", type=_name)
    revoke.add_argument("--check", action="store_true", help="change nothing")
    extend = verbs.add_parser("extend", help="set the expiry to <days> from now", allow_abbrev=False)
    extend.add_argument("collab", type=_name)
    extend.add_argument("days", type=_days)
    extend.add_argument("--check", action="store_true", help="change nothing")

    share = commands.add_parser("share", help="presigned links (7 days at most) to an object or a folder",
                                allow_abbrev=False)
    share.add_argument("target", type=_target, metavar="<bucket>/<path>")
    share.add_argument("--days", type=_days, default=7)
    share.add_argument("--check", action="store_true",
                       help="only say whether you may share there (the folder need not exist yet)")

    user = commands.add_parser("user", help="internal accounts (admins only)", allow_abbrev=False)
    user_verbs = user.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)
    user_verbs.required = True
    user_add = user_verbs.add_parser("add", help="read-write account on one bucket (create_minio_user.sh)",
                                     allow_abbrev=False)
    user_add.add_argument("name", type=_user)
    user_add.add_argument("bucket", type=_bucket)

    audit = commands.add_parser("audit", help="read the audit log (admins only)", allow_abbrev=False)
    audit.add_argument("--since", type=_time)
    audit.add_argument("--limit", type=_days, default=100)
    audit.add_argument("--verify", action="store_true",
                       help="check the hash chain of the log and its rotated files; print a JSON report")
    audit.add_argument("--head", type=_head, metavar="SEQ:HASH",
                       help="with --verify: a chain head kept elsewhere (the backup's), which must still be there")

    commands.add_parser("whoami", help="who you are here and what you may share", allow_abbrev=False)
    return parser


class Session:
    """One run: the configuration, the caller, the audit log and (lazily) the MinIO clients."""

    def __init__(self, config_path, delegations_path, actor):
        config = read_admin_config(config_path)
        self.config = config
        self.settings = settings_of_admin_config(config)
        self.public_url = (config.get("public_endpoint") or self.settings.url).rstrip("/")
        self.records_bucket = config.get("records_bucket") or DEFAULT_RECORDS_BUCKET
        self.audit = AuditLog(config.get("audit_log") or DEFAULT_AUDIT_LOG, "s3share", actor=actor,
                              secrets=[self.settings.secret_key, config.get("links_secret_key")])
        try:
            admin_groups, delegations = load_delegations(delegations_path)
        except FileNotFoundError:
            admin_groups, delegations = [], []
        self.caller = Caller(actor, groups_of(actor), admin_groups, delegations)
        self._clients = None
        self.manager = None
        self.signals = None
        self.started = None
        self.request = {}

    @property
    def clients(self):
        if self._clients is None:
            self._clients = create_clients(self.settings)
        return self._clients

    def collaborators(self, check_mode=False):
        self.manager = Collaborators.from_clients(self.clients, self.records_bucket, self.caller.name,
                                                  check_mode=check_mode, on_secret=self.audit.add_secret,
                                                  before_change=self.before_change)
        return self.manager

    def before_change(self, action):
        """Audit the start of a change, just before its first write; a creation can be stopped from here on."""
        if self.started is None:
            self.started = action
            self.audit.write(action, self.request.get("target", "s3share"), "started",
                             **self.request.get("details", {}))
        if action == "create_collaborator" and self.signals is not None:
            self.signals.arm()

    def record(self, manager, name, what):
        """The record of a collaborator the caller may act on.

        To a caller who is not an admin, a name that does not exist, a record
        on a folder outside their delegations and a damaged record get the
        same answer, which names no folder: it tells neither whether the name
        exists nor where another platform shares. The audit keeps the cause.
        """
        try:
            record = manager.store.get(name)
            if record is not None:
                validate_record(name, record)
        except RecordError as exc:
            if self.caller.is_admin:
                raise
            raise Hidden(_unknown(name), str(exc))
        if record is None:
            if self.caller.is_admin:
                raise CollaboratorRefused("no collaborator named %s" % name)
            raise Hidden(_unknown(name), "no collaborator named %s" % name)
        if not self.caller.may_read(record["bucket"], record["prefix"]):
            raise Hidden(_unknown(name), "%s may not %s: it is on %s/%s/" % (self.caller.name, what, record["bucket"],
                                                                             record["prefix"]))
        return record


# ------------------------------------------------------------------ verbs
def _collab_add(session, args):
    caller = session.caller
    caller.check_collaborator(args.bucket, args.path, args.days, args.read_write)
    manager = session.collaborators(check_mode=args.check)
    try:
        existing = manager.store.get(args.collab)
        if existing is not None:
            validate_record(args.collab, existing)
    except RecordError as exc:
        if caller.is_admin:
            raise
        raise Hidden(_unavailable(args.collab), str(exc))
    if existing is not None:
        if not caller.may_read(existing["bucket"], existing["prefix"]):
            raise Hidden(_unavailable(args.collab), "collaborator %s exists on %s/%s/, outside the delegations of %s"
                         % (args.collab, existing["bucket"], existing["prefix"], caller.name))
        if (existing["bucket"], existing["prefix"]) != (args.bucket, args.path):
            raise CollaboratorRefused("collaborator %s already exists on %s/%s/ until %s; revoke it first or "
                                      "choose another name" % (args.collab, existing["bucket"],
                                                               existing["prefix"], existing["expires_at"]))
    access = "read-write" if args.read_write else "read-only"
    try:
        outcome = manager.ensure_present(args.collab, args.bucket, args.path, access, days=args.days,
                                         max_days=max(args.days, 1), root_user=session.settings.access_key)
    except NameUnavailable as exc:
        if caller.is_admin:
            raise
        raise Hidden(_unavailable(args.collab), str(exc))
    result = {"changed": outcome.changed, "check": args.check, "collaborator": record_view(outcome.record)}
    if outcome.credentials:
        result["credentials"] = dict(outcome.credentials, endpoint=session.public_url)
    details = dict(bucket=args.bucket, prefix=args.path, access=access,
                   access_key=outcome.record.get("access_key"), expires_at=outcome.record["expires_at"])
    return "create_collaborator" if existing is None else "set_collaborator", "collaborator:%s" % args.collab, \
        result, details


def _collab_list(session, args):
    manager = session.collaborators(check_mode=True)
    shown, unreadable = [], []
    for name in manager.store.names():
        try:
            record = manager.store.get(name)
            validate_record(name, record)
        except RecordError as exc:
            if session.caller.is_admin:
                unreadable.append({"name": name, "reason": str(exc)})
            continue
        if session.caller.may_read(record["bucket"], record["prefix"]):
            shown.append(record_view(record))
    result = {"changed": False, "collaborators": shown}
    if unreadable:
        result["unreadable"] = unreadable
    return "list_collaborators", "collaborators", result, {"count": len(shown)}


def _collab_show(session, args):
    manager = session.collaborators(check_mode=True)
    record = session.record(manager, args.collab, "see collaborator %s" % args.collab)
    view = record_view(record)
    user = manager.iam.user(record["access_key"])
    view["user_status"] = user["status"] if user else "missing"
    view["access_keys"] = manager.collaborator_access_keys([record]).get(args.collab, [])
    return "show_collaborator", "collaborator:%s" % args.collab, {"changed": False, "collaborator": view}, {}


def _collab_extend(session, args):
    manager = session.collaborators(check_mode=args.check)
    record = session.record(manager, args.collab, "extend collaborator %s" % args.collab)
    longest = session.caller.check_collaborator(record["bucket"], record["prefix"], args.days,
                                                record["access"] == "read-write")
    until = format_time(utc_now() + datetime.timedelta(days=args.days))
    outcome = manager.ensure_present(args.collab, record["bucket"], record["prefix"], record["access"],
                                     expires_at=until, max_days=longest, root_user=session.settings.access_key)
    result = {"changed": outcome.changed, "check": args.check, "collaborator": record_view(outcome.record)}
    return "set_collaborator", "collaborator:%s" % args.collab, result, \
        {"expires_at": until, "previous_expires_at": record["expires_at"]}


def _collab_revoke(session, args):
    manager = session.collaborators(check_mode=args.check)
    record = session.record(manager, args.collab, "revoke collaborator %s" % args.collab)
    if not args.check:
        session.before_change("remove_collaborator")
    outcome = manager.ensure_absent(args.collab)
    return "remove_collaborator", "collaborator:%s" % args.collab, \
        {"changed": outcome.changed, "check": args.check, "collaborator": {"name": args.collab, "state": "absent"}}, \
        {"access_key": record["access_key"], "bucket": record["bucket"], "prefix": record["prefix"]}


def _share(session, args):
    bucket, path = args.target
    if args.check:
        validate_share(bucket, None, path, session.records_bucket)
        session.caller.check_link(bucket, path, args.days)
        return "share", "bucket:%s/%s" % (bucket, path), {"changed": False, "check": True}, {"days": args.days}
    # The scope is judged on the path alone, before any read with the root key: a refusal must not tell
    # whether an object exists outside the caller's folders.
    parent = path.rpartition("/")[0]
    if not (session.caller.may_read(bucket, path) or (parent and session.caller.may_read(bucket, parent))):
        session.caller.check_link(bucket, path, args.days)
    s3 = session.clients.s3
    if object_stat(s3, bucket, path) is not None:
        object_key, prefix = validate_share(bucket, path, None, session.records_bucket)
        folder = path.rpartition("/")[0]
    else:
        # Not an object: a folder (or nothing, which objects_to_share refuses).
        object_key, prefix = validate_share(bucket, None, path, session.records_bucket)
        folder = prefix
    session.caller.check_link(bucket, folder, args.days)
    key, secret = session.config.get("links_access_key"), session.config.get("links_secret_key")
    if not key or not secret:
        raise ShareRefused("no link identity is configured on this server (minio_admin_links_secret_key); links "
                           "are never signed with the root key")
    objects = objects_to_share(s3, bucket, object_key, prefix)
    public = ConnectionSettings(session.public_url, "x", "x")
    signer = session.clients.s3_for(key, secret, netloc=public.netloc, secure=public.secure)
    expires_at = format_time(sign_links(signer, bucket, objects, args.days * 86400))
    return "share", "bucket:%s/%s" % (bucket, path), {"changed": False, "links": objects, "expires_at": expires_at}, \
        {"objects": [o["object"] for o in objects], "expires_at": expires_at, "signed_by": key}


def _user_add(session, args):
    session.caller.require_admin("user add")
    iam = IamState(session.clients.admin)
    if not bucket_exists(session.clients.s3, args.bucket):
        raise CollaboratorRefused("bucket %s does not exist" % args.bucket)
    if args.name == session.settings.access_key or args.name.startswith("collab-"):
        raise CollaboratorRefused("the name %s is reserved" % args.name)
    policy = "rw-%s" % args.bucket
    document = internal_policy("read-write", args.bucket)
    exists = iam.user(args.name) is not None
    current = iam.policy(policy)
    if not exists or current is None or not policies_equal(current, document) \
            or policy not in iam.user(args.name)["policies"]:
        session.before_change("create_user" if not exists else "set_user")
    ensure_policy(iam, policy, document, False)
    secret = None if exists else generate_secret_key()
    if secret:
        session.audit.add_secret(secret)
    changed = ensure_user_present(iam, args.name, secret, policies=[policy], policies_mode="present")
    result = {"changed": changed, "user": {"name": args.name, "policies": iam.user(args.name)["policies"]}}
    if secret:
        result["credentials"] = {"access_key": args.name, "secret_key": secret, "endpoint": session.public_url}
    return "create_user" if not exists else "set_user", "user:%s" % args.name, result, {"policies": [policy]}


def _audit(session, args):
    session.caller.require_admin("audit")
    if args.verify:
        return _verify(session, args)
    if args.head is not None:
        raise Usage("--head goes with --verify")
    lines = []
    with open(session.audit.path, encoding="utf-8") as handle:
        for line in handle:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if args.since and parse_time(entry.get("timestamp", "1970-01-01")) < args.since:
                continue
            lines.append(entry)
    return "read_audit", "audit", {"changed": False, "entries": lines[-args.limit:]}, {"count": len(lines)}


def _verify(session, args):
    """The chain of the log (audit_chain.verify_chain). A log that does not verify exits 4, audited 'failed'."""
    if args.since is not None:
        raise Usage("--verify reads the whole chain: it takes no --since")
    report = verify_chain(session.audit.path, expect_head=args.head)
    details = {"ok": report["ok"], "lines": report["lines"], "problem_count": report["problem_count"],
               "head": "%d:%s" % (report["head"]["seq"], report["head"]["hash"]),
               "expected_head": "%d:%s" % (args.head["seq"], args.head["hash"]) if args.head else None}
    if not report["ok"]:
        first = report["problems"][0]
        details["reason"] = "the audit log does not verify: %d problem(s), the first: %s" % (
            report["problem_count"], first["message"])
    return "verify_audit", "audit", {"changed": False, "verify": report}, details


def _whoami(session, args):
    caller = session.caller
    return "whoami", "caller", {"changed": False, "user": caller.name, "admin": caller.is_admin,
                                "delegations": [d.as_dict() for d in caller.delegations]}, {}


VERBS = {("collab", "add"): _collab_add, ("collab", "list"): _collab_list, ("collab", "show"): _collab_show,
         ("collab", "extend"): _collab_extend, ("collab", "revoke"): _collab_revoke, ("share", None): _share,
         ("user", "add"): _user_add, ("audit", None): _audit, ("whoami", None): _whoami}


# ------------------------------------------------------------------ output
def _human(result):
    lines = []
    if "credentials" in result:
        creds = result["credentials"]
        lines += ["Endpoint:   %s" % creds["endpoint"], "Access key: %s" % creds["access_key"],
                  "Secret key: %s" % creds["secret_key"],
                  "Send the access key by e-mail and the secret key by SMS, never on the same channel."]
    if "collaborator" in result and result["collaborator"].get("state") == "present":
        c = result["collaborator"]
        lines.append("%s: %s on %s/%s/ until %s%s" % (c["name"], c.get("access"), c.get("bucket"), c.get("prefix"),
                                                      c.get("expires_at"), " (expired)" if c.get("expired") else ""))
    for c in result.get("collaborators", []):
        expired = " (expired)" if c["expired"] else ""
        lines.append("%-24s %-10s %s/%s/ until %s%s" % (c["name"], c["access"], c["bucket"], c["prefix"],
                                                        c["expires_at"], expired))
    for link in result.get("links", []):
        lines += ["%s (%d bytes)" % (link["object"], link["size"]), "  %s" % link["url"]]
    for entry in result.get("entries", []):
        lines.append(json.dumps(entry, sort_keys=True))
    if "verify" in result:
        lines.append(json.dumps(result["verify"], sort_keys=True, indent=2))
    if "delegations" in result:
        lines.append("%s%s" % (result["user"], " (admin)" if result["admin"] else ""))
        for d in result["delegations"]:
            lines.append("  group %s: %s under %s, accounts up to %d days%s, links up to %d days" % (
                d["group"], ", ".join(d["buckets"]), ", ".join(d["path_roots"]), d["max_days"],
                " (read-write allowed)" if d["read_write"] else "", d["link_max_days"]))
    if result.get("check"):
        lines.append("check mode: nothing was changed")
    elif not lines or ("changed" in result and not result["changed"] and "collaborator" in result
                       and not result.get("collaborators")):
        lines.append("nothing to change")
    return "\n".join(lines)


def run(argv, config_path, delegations_path, out, err, signals):
    # --json is accepted anywhere on the line (sudo -n s3share collab add ... --json).
    end = argv.index("--") if "--" in argv else len(argv)
    want_json = "--json" in argv[:end]
    argv = [a for a in argv[:end] if a != "--json"] + argv[end:]
    try:
        actor, actor_problem = current_actor(), None
    except ActorUnknown as exc:
        actor, actor_problem = "unknown", str(exc)

    def report(code, message, refused=False):
        if want_json:
            out.write(json.dumps({"failed": True, "refused": refused, "msg": message}, sort_keys=True) + "\n")
        else:
            err.write("s3share: %s\n" % message)
        return code

    if argv in (["-h"], ["--help"]) or not argv:
        out.write(build_parser().format_help())
        return EXIT_OK if argv else EXIT_USAGE
    if "-h" in argv or "--help" in argv:
        try:
            build_parser().parse_args(argv)
        except SystemExit:
            pass
        except Usage as exc:
            return report(EXIT_USAGE, str(exc), refused=True)
        return EXIT_OK
    try:
        session = Session(config_path, delegations_path, actor)
    except AdminConfigError as exc:
        if exc.denied:
            return report(EXIT_FAILED, "cannot read the server settings: run it through sudo "
                          "(sudo -n /usr/local/sbin/s3share ...)")
        return report(EXIT_FAILED, "the server settings: %s" % exc)
    except (OSError, ValueError) as exc:
        return report(EXIT_FAILED, "cannot read the server settings: %s" % exc)
    session.signals = signals
    if actor_problem:
        message = "cannot tell who runs this command, so it does nothing: %s" % actor_problem
        session.audit.write("s3share", "s3share", "refused", reason=message, argv=argv)
        return report(EXIT_REFUSED, message, refused=True)
    refused = _rate_limited(session, actor, argv)
    if refused:
        return report(EXIT_REFUSED, refused, refused=True)
    # Absurd input is refused before it is parsed, and the audit line keeps only its first characters.
    longest = max(len(a) for a in argv)
    if len(argv) > MAX_ARGUMENTS or longest > MAX_ARGUMENT:
        message = ("%d arguments, the longest %d characters: at most %d arguments of %d characters each"
                   % (len(argv), longest, MAX_ARGUMENTS, MAX_ARGUMENT))
        session.audit.write("usage", "s3share", "refused", reason=message, argv=argv)
        return report(EXIT_USAGE, message, refused=True)
    try:
        args = build_parser().parse_args(argv)
    except Usage as exc:
        session.audit.write("usage", "s3share", "refused", reason=str(exc), argv=argv)
        return report(EXIT_USAGE, str(exc), refused=True)
    verb = (args.command, getattr(args, "verb", None))
    action, target = "%s %s" % (args.command, getattr(args, "verb", "") or ""), "s3share"
    if verb in CHANGES and not getattr(args, "check", False):
        named = getattr(args, "collab", None)
        session.request = {"target": ("collaborator:%s" % named) if named else "user:%s" % getattr(args, "name", ""),
                           "details": {"argv": argv}}
    try:
        session.caller.require_any()
        action, target, result, details = VERBS[verb](session, args)
        # A new secret counts as handed over once it is written out; until then a signal rolls it back.
        out.write((json.dumps(result, sort_keys=True) if want_json else _human(result)) + "\n")
        out.flush()
        signals.hold()
        if session.manager is not None:
            session.manager.delivered()
    except Interrupted as exc:
        signals.hold()
        return _interrupted(session, action, target, exc, argv, report)
    except Usage as exc:
        signals.hold()
        session.audit.write("usage", "s3share", "refused", reason=str(exc), argv=argv)
        return report(EXIT_USAGE, str(exc), refused=True)
    except (NotAllowed, CollaboratorRefused, RecordError, ShareRefused) as exc:
        signals.hold()
        cause = getattr(exc, "cause", None)
        session.audit.write(action.strip().replace(" ", "_"), target, "refused", reason=str(exc), cause=cause,
                            argv=argv)
        return report(EXIT_REFUSED, str(exc), refused=True)
    except (MinioActionError, OSError) as exc:
        signals.hold()
        message = getattr(exc, "message", None) or str(exc)
        undone = {}
        if session.manager is not None and session.manager.creating is not None:
            # The secret could not be written out (the terminal is gone): nobody may hold an account unseen.
            left = session.manager.rollback_creation()
            undone = {"rolled_back": not left, "left": left or None}
        session.audit.write(action.strip().replace(" ", "_"), target, "failed", reason=message, argv=argv, **undone)
        try:
            return report(EXIT_FAILED, message)
        except OSError:
            return EXIT_FAILED
    if result.get("check"):
        outcome = "checked"
    elif "verify" in result and not result["verify"]["ok"]:
        outcome = "failed"
    else:
        outcome = "changed" if result.get("changed") else ("shared" if action == "share" else "ok")
    if signals.received is not None:
        details = dict(details, interrupted=signal.Signals(signals.received).name)
    session.audit.write(action, target, outcome, **details)
    if signals.received is not None:
        return 128 + signals.received
    return EXIT_TAMPERED if outcome == "failed" else EXIT_OK


def _rate_limited(session, actor, argv):
    """None when this run may go on; else the refusal. Admins are not limited (ratelimit.py says why).

    A refused run writes an audit line only when it is the first of its spell; the first run allowed again
    writes how many were refused in between. The settings may be set in admin.json (rate_limit_*)."""
    if session.caller.is_admin:
        return None
    config = session.config
    burst = int(config.get("rate_limit_burst") or ratelimit.BURST)
    per_minute = float(config.get("rate_limit_per_minute") or ratelimit.REFILL_PER_MINUTE)
    try:
        decision = ratelimit.take(actor, config.get("rate_limit_dir") or ratelimit.DEFAULT_DIRECTORY,
                                  burst=burst, per_minute=per_minute)
    except (OSError, ratelimit.RateLimitError) as exc:
        message = "cannot count this run against the rate limit, so it does nothing: %s" % exc
        session.audit.write("rate_limit", "s3share", "failed", reason=message, argv=argv)
        return message
    if decision.refused_before:
        session.audit.write("rate_limit", "s3share", "refused", refused_runs=decision.refused_before,
                            reason="%d runs were refused by the rate limit before this one"
                            % decision.refused_before)
    if decision.allowed:
        return None
    message = ("too many runs: %d in a row, then %g a minute; try again in %d s"
               % (burst, per_minute, int(decision.retry_after) + 1))
    if decision.audit_this_refusal:
        session.audit.write("rate_limit", "s3share", "refused", argv=argv,
                            reason=message + " (the next refusals are counted, not written one by one)")
    return message


def _interrupted(session, action, target, exc, argv, report):
    """A signal stopped a run: undo a creation that was under way, audit what is left, exit 128+N."""
    left = session.manager.rollback_creation() if session.manager is not None else []
    left = sorted(set(left) | set(getattr(exc, "rollback_left", None) or []))
    if session.started is None:
        said, details = "nothing was changed", {}
    elif left:
        said, details = "rollback incomplete, left: %s" % ", ".join(left), {"rolled_back": False, "left": left}
    elif session.started == "create_collaborator":
        said, details = "the creation was rolled back, nothing of it is left", {"rolled_back": True}
    else:
        said, details = "the change may be incomplete; run it again", {"rolled_back": False}
    message = "interrupted by %s: %s" % (exc.name, said)
    if session.started is not None:
        action = session.started
    session.audit.write(action.strip().replace(" ", "_"), session.request.get("target", target), "interrupted",
                        reason=message, signal=exc.name, argv=argv, **details)
    try:
        return report(128 + exc.signum, message)
    except OSError:  # SIGHUP: the terminal may be gone
        return 128 + exc.signum
