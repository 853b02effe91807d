# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""s3share-push SRC [ALIAS/]BUCKET/PREFIX: the arguments, the run, the manifest and the exit codes.

Exit codes:
  0  every file is on the server, intact, and SHA256SUMS is written
  1  some files could not be read or sent (the others are; no manifest written)
  2  bad usage (the source is not a directory, a bad option)
  3  no usable account (no mc alias, no AWS_* variables)
  4  the server cannot be reached, or refuses the account or the bucket
  5  files changed while they were read and were not published (no manifest written)
  130 interrupted (Ctrl-C, SIGTERM): a re-run resumes
"""

import argparse
import concurrent.futures
import datetime
import os
import signal
import sys
import tempfile
import threading

from . import credentials, plan, progress, state as state_mod, walk
from .s3 import Client, S3Error
from .upload import Changed, Pusher

OK, FAILED, USAGE, NO_ACCOUNT, SERVER, CHANGED, INTERRUPTED = 0, 1, 2, 3, 4, 5, 130
DEFAULT_CONCURRENCY = 4
DEFAULT_MEMORY_MIB = 64


def parser():
    p = argparse.ArgumentParser(
        prog="s3share-push",
        description="Publish a folder to S3 with your own account: parallel, resumable, every part checked by the "
                    "server with its SHA-256, and a SHA256SUMS manifest written into the folder at the end.",
        epilog="TARGET is ALIAS/BUCKET/PREFIX with an alias of ~/.mc/config.json (mc alias list), or BUCKET/PREFIX "
               "with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_ENDPOINT_URL (AWS_CA_BUNDLE) set. Exit codes: "
               "0 done, 1 some files failed, 2 usage, 3 no account, 4 server unreachable or refusing, "
               "5 files changed while read, 130 interrupted.")
    p.add_argument("source", help="the local folder to publish")
    p.add_argument("target", help="[ALIAS/]BUCKET/PREFIX")
    p.add_argument("--alias", help="the mc alias to use (default: the first component of TARGET, when it is one)")
    p.add_argument("--concurrency", type=int,
                   default=int(os.environ.get("S3SHARE_PUSH_CONCURRENCY", DEFAULT_CONCURRENCY)),
                   help="files and parts sent at once (default %(default)s, or S3SHARE_PUSH_CONCURRENCY)")
    p.add_argument("--memory", type=int, default=DEFAULT_MEMORY_MIB, metavar="MIB",
                   help="at most this many MiB of buffers in flight (default %(default)s)")
    p.add_argument("--min-part-size", type=int, default=plan.MIN_PART // plan.MiB, metavar="MIB",
                   help="smallest part of a multipart upload, and largest single PUT (default %(default)s MiB)")
    p.add_argument("--json", action="store_true", help="JSON lines on stdout even on a terminal")
    p.add_argument("--progress-interval", type=float, default=10.0, metavar="SECONDS",
                   help="seconds between JSON progress lines (default %(default)s)")
    p.add_argument("--retry-seconds", type=float, default=90.0,
                   help="how long a request is retried after a dropped connection or a 5xx (default %(default)s)")
    p.add_argument("--state-dir", default=state_mod.default_dir(), help="where the run state is kept")
    p.add_argument("--mc-config-dir", help="mc configuration directory (default ~/.mc, or MC_CONFIG_DIR)")
    p.add_argument("--no-manifest", action="store_true", help="do not write SHA256SUMS")
    return p


def manifest_line(relpath, sha256):
    """A line of sha256sum's format; names with a backslash or a newline are escaped as sha256sum does."""
    if "\\" in relpath or "\n" in relpath or "\r" in relpath:
        return "\\%s  %s\n" % (sha256, relpath.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r"))
    return "%s  %s\n" % (sha256, relpath)


def _write_manifest(args, pusher, run_state, prefix, counters):
    handle = tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=args.state_dir, prefix="manifest-",
                                         delete=False)
    try:
        with handle:
            for relpath, sha256 in run_state.manifest(len(prefix)):
                if relpath != walk.MANIFEST:
                    handle.write(manifest_line(relpath, sha256))
        st = os.stat(handle.name)
        entry = walk.Entry(handle.name, walk.MANIFEST, st)
        status = pusher.push(entry)
        return prefix + walk.MANIFEST, status
    finally:
        os.unlink(handle.name)


def _interrupt(signum, frame):  # pylint: disable=unused-argument
    raise KeyboardInterrupt


def run(argv=None, out=None, err=None, part_hook=None):
    args = parser().parse_args(argv)
    err = err or sys.stderr
    out = out or sys.stdout
    if args.concurrency < 1 or args.memory < 1 or args.min_part_size < 5:
        err.write("s3share-push: --concurrency and --memory must be positive, --min-part-size at least 5 MiB\n")
        return USAGE
    if not os.path.isdir(args.source):
        err.write("s3share-push: %s is not a directory\n" % args.source)
        return USAGE
    try:
        account, bucket, prefix = credentials.resolve(args.target, args.alias, args.mc_config_dir)
    except credentials.CredentialsError as exc:
        err.write("s3share-push: %s\n" % exc)
        return NO_ACCOUNT
    counters = progress.Counters()
    client = Client(account, retry_seconds=args.retry_seconds,
                    on_retry=lambda error, attempt: counters.note("retry: %s" % error, ""))
    started_iso = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    try:
        fresh = not client.any_object(bucket, prefix)
    except S3Error as exc:
        err.write("s3share-push: %s (%s)\n" % (exc, account.endpoint))
        return SERVER
    os.makedirs(args.state_dir, mode=0o700, exist_ok=True)
    run_state = state_mod.State(state_mod.db_path(args.state_dir, account.endpoint, account.access_key, bucket,
                                                  prefix, args.source))
    pusher = Pusher(client, bucket, prefix, run_state, counters, concurrency=args.concurrency,
                    memory=args.memory * plan.MiB, min_part=args.min_part_size * plan.MiB, fresh=fresh,
                    part_hook=part_hook, started_iso=started_iso)
    reporter = progress.Reporter(counters, json_lines=True if args.json else None,
                                 interval=args.progress_interval, out=out, err=err).start()
    previous = signal.signal(signal.SIGTERM, _interrupt) if threading.current_thread() is threading.main_thread() \
        else None
    interrupted = False
    files = concurrent.futures.ThreadPoolExecutor(max_workers=args.concurrency, thread_name_prefix="file")
    slots = threading.BoundedSemaphore(2 * args.concurrency)

    def one(entry):
        try:
            status = pusher.push(entry)
            counters.done(entry, status)
        except Changed as exc:
            counters.done(entry, "changed", exc)
        except (S3Error, OSError, plan.PlanError) as exc:
            counters.done(entry, "failed", exc)
        finally:
            slots.release()

    summary_extra = {"endpoint": account.endpoint, "bucket": bucket, "prefix": prefix}
    try:
        try:
            for entry in walk.walk(args.source, on_ignored=lambda rel: setattr(counters, "ignored",
                                                                               counters.ignored + 1),
                                   on_error=counters.problem):
                counters.seen(entry)
                slots.acquire()
                files.submit(one, entry)
            counters.walk_done = True
            files.shutdown(wait=True)
        except KeyboardInterrupt:
            interrupted = True
            pusher.stopping.set()
            files.shutdown(wait=True, cancel_futures=True)
        if not interrupted and not args.no_manifest and counters.failed == 0 and counters.changed == 0:
            try:
                summary_extra["manifest"], dummy = _write_manifest(args, pusher, run_state, prefix, counters)
            except (S3Error, OSError) as exc:
                counters.problem(walk.MANIFEST, exc)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        pusher.close()
        run_state.close()
        client.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    summary = counters.summary()
    summary.update(summary_extra)
    code = INTERRUPTED if interrupted else FAILED if summary["failed"] else CHANGED if summary["changed"] else OK
    summary["exit_code"] = code
    summary["budget_peak_bytes"] = pusher.budget.peak
    reporter.stop(summary)
    return code


def main(argv=None):
    try:
        return run(argv)
    except KeyboardInterrupt:
        return INTERRUPTED
