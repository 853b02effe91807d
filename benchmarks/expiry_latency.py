# -*- coding: utf-8 -*-
"""How soon an expired collaborator loses access, against a real MinIO over TLS.

Starts its own MinIO on loopback (TLS, a CA made for the run, everything in a
temporary directory removed on exit), then:
  1. creates --count collaborators through the collection's code
     (module_utils/_minio/collab/service.py Collaborators.ensure_present, the code the
     minio_collaborator module runs) with expires_at = now + 20..40 s, each
     read-only on its own folder holding one object;
  2. polls every collaborator's own credentials with a real S3 GET of that
     object every --interval seconds, and records the first refusal;
     latency = time of the first refused request - expires_at;
  3. checks with the real mc binary that `mc cat` works before the expiry and
     is refused after it;
  4. runs sweep() once right after the last expiry (wall time, calls, what it
     removed).
It prints figures; nothing here is a timed assertion.

The previous mechanism (access cut only by the sweep, timer hourly with
RandomizedDelaySec=300) cannot be run in a benchmark: its latency is printed
from the timer settings, stated as an assumption, next to the measured sweep.

Usage: VENV=$(scripts/bootstrap.sh); eval "$(scripts/artifacts.sh)"
       $VENV/bin/python benchmarks/expiry_latency.py [--count 5] [--interval 0.2]
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import re
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _counting import CountingProxy, count_http_requests, fmt_calls  # noqa: E402
from _tls_minio import REPO, TlsMinio, binaries  # noqa: E402

from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.service import Collaborators  # noqa: E402
from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.store import CollaboratorStore  # noqa: E402
from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.sweep import sweep  # noqa: E402
from ansible_collections.egid.s3share.plugins.module_utils._minio.times import format_time, parse_time  # noqa: E402
from ansible_collections.egid.s3share.plugins.module_utils._minio.connection import create_clients  # noqa: E402
from ansible_collections.egid.s3share.plugins.module_utils._minio.iam import IamState  # noqa: E402

BUCKET = "lab-share"
OBJECT = "hello.txt"
TARGET_S = 300  # the target: refused within 5 minutes of the expiry
# The timer before the date condition (roles/minio_admin/defaults/main.yml at commit 3b5ac5e and earlier).
PREVIOUS_TIMER = ("hourly", 300)


def timer_period(on_calendar):
    """Seconds between two runs for the OnCalendar forms the role uses, else None."""
    value = str(on_calendar).strip()
    if value == "hourly":
        return 3600
    match = re.fullmatch(r"\*:0/(\d+)", value) or re.fullmatch(r"\*:00/(\d+)", value)
    return int(match.group(1)) * 60 if match else None


def current_timer():
    """(OnCalendar, RandomizedDelaySec) from the role defaults, read as text (no YAML dependency)."""
    text = (REPO / "roles" / "minio_admin" / "defaults" / "main.yml").read_text()
    cal = re.search(r"^minio_admin_sweep_on_calendar:\s*\"?([^\"\n]+)\"?\s*$", text, re.M)
    delay = re.search(r"^minio_admin_sweep_randomized_delay_sec:\s*(\d+)\s*$", text, re.M)
    return (cal.group(1).strip() if cal else "?"), (int(delay.group(1)) if delay else 0)


def manager(clients, actor="benchmark"):
    return Collaborators(IamState(clients.admin), clients.s3, CollaboratorStore(clients.s3), actor)


def poll(server, collab, interval, stop_at):
    """Poll one collaborator's GET until refused; fills collab['first_refused'] / ['last_ok'] (epoch s)."""
    s3 = create_clients(server.settings(collab["access_key"], collab["secret_key"])).s3
    while time.time() < stop_at:
        sent = time.time()
        try:
            response = s3.get_object(BUCKET, collab["key"])
            try:
                response.read()
            finally:
                response.close()
                response.release_conn()
            collab["last_ok"] = sent
            collab["ok_count"] += 1
        except Exception as exc:  # pylint: disable=broad-except
            code = getattr(exc, "code", type(exc).__name__)
            if code == "AccessDenied":
                collab["first_refused"] = sent
                collab["refused_after"] = time.time()
                return
            collab["other_errors"].append(code)
        time.sleep(max(0.0, interval - (time.time() - sent)))


def mc_cat(server, collab):
    proc = server.mc("cat", "%s/%s/%s" % (collab["alias"], BUCKET, collab["key"]))
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    message = lines[-1] if lines else ""
    # "mc: <ERROR> Unable to read from `...`. Insufficient permissions to access this path `...`."
    message = re.sub(r" ?`[^`]*`", "", message).rstrip(".").split(". ")[-1]
    return proc.returncode, message


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0],
                                     epilog="Prints figures only; see the module docstring for the method.")
    parser.add_argument("--count", type=int, default=5, help="collaborators (default 5)")
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between two GETs per collaborator")
    parser.add_argument("--first", type=float, default=20, help="first expiry, seconds from now (default 20)")
    parser.add_argument("--last", type=float, default=40, help="last expiry, seconds from now (default 40)")
    args = parser.parse_args()
    if args.count < 1:
        parser.error("--count must be at least 1")
    minio_bin, mc_bin = binaries()
    load_start = os.getloadavg()

    with TlsMinio(minio_bin, mc_bin) as server:
        root = server.clients()
        root.s3.make_bucket(BUCKET)  # a new bucket is unversioned, as the module requires
        collabs = []
        for i in range(args.count):
            name = "latency-%02d" % i
            prefix = "external/%s" % name
            data = ("object of %s\n" % name).encode()
            root.s3.put_object(BUCKET, "%s/%s" % (prefix, OBJECT), io.BytesIO(data), len(data))
            offset = args.first + ((args.last - args.first) * i / (args.count - 1) if args.count > 1 else 0)
            # Whole seconds: the policy and the record keep the expiry to the second.
            expires = datetime.datetime.fromtimestamp(int(time.time() + offset) + 1, datetime.timezone.utc)
            outcome = manager(root).ensure_present(name, BUCKET, prefix, access="read-only",
                                                   expires_at=format_time(expires))
            creds = outcome.credentials
            collabs.append({"name": name, "key": "%s/%s" % (prefix, OBJECT), "alias": "c%d" % i,
                            "access_key": creds["access_key"], "secret_key": creds["secret_key"],
                            "expires_at": outcome.record["expires_at"],
                            "expiry": parse_time(outcome.record["expires_at"]).timestamp(),
                            "first_refused": None, "last_ok": None, "ok_count": 0, "other_errors": []})
            server.mc_alias("c%d" % i, creds["access_key"], creds["secret_key"])

        print("MinIO %s over TLS on loopback; %d collaborators created with Collaborators.ensure_present, "
              "read-only, expires_at = creation + %g..%g s" % (Path(minio_bin).name.split("-", 1)[1],
                                                               args.count, args.first, args.last))
        before = [mc_cat(server, c) for c in collabs]
        stop_at = max(c["expiry"] for c in collabs) + TARGET_S + 30
        threads = [threading.Thread(target=poll, args=(server, c, args.interval, stop_at)) for c in collabs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        after = [mc_cat(server, c) for c in collabs]

        # The sweep, once, right after the last expiry (fresh state, as the timer's process would have).
        sweep_clients = server.clients()
        http = count_http_requests(sweep_clients._pool())  # pylint: disable=protected-access
        admin, s3 = CountingProxy(sweep_clients.admin), CountingProxy(sweep_clients.s3)
        started = time.perf_counter()
        result = sweep(Collaborators(IamState(admin), s3, CollaboratorStore(s3), "benchmark-sweep"))
        sweep_wall = time.perf_counter() - started
        left_users = [c["name"] for c in collabs if c["access_key"] in IamState(root.admin).users()]

    # ------------------------------------------------------------------ report
    print("\nPer collaborator (GET every %.1f s with its own credentials; times relative to its expires_at):"
          % args.interval)
    print("%-11s %-21s %9s %13s %15s %12s %s" % ("name", "expires_at", "GETs ok", "last ok (s)",
                                                 "1st refused (s)", "mc cat before", "mc cat after"))
    latencies = []
    for c, (rc_before, msg_before), (rc_after, msg_after) in zip(collabs, before, after):
        last_ok = "%+.2f" % (c["last_ok"] - c["expiry"]) if c["last_ok"] else "never"
        if c["first_refused"] is not None:
            latency = c["first_refused"] - c["expiry"]
            latencies.append(latency)
            refused = "%+.2f" % latency
        else:
            refused = "NOT refused"
        print("%-11s %-21s %9d %13s %15s %12s %s" % (
            c["name"], c["expires_at"], c["ok_count"], last_ok, refused,
            "ok" if rc_before == 0 else "FAILED", ("refused: " + msg_after) if rc_after else "NOT refused (%s)"
            % msg_after))
        if c["other_errors"]:
            print("  other errors while polling: %s" % sorted(set(c["other_errors"])))
    if latencies:
        print("\nRefusal latency (first refused GET - expires_at): median %.2f s, max %.2f s over %d; "
              "resolution %.1f s (poll interval)" % (statistics.median(latencies), max(latencies), len(latencies),
                                                     args.interval))
        print("Target: refused within %d s of the expiry: %s" % (
            TARGET_S, "met" if len(latencies) == len(collabs) and max(latencies) <= TARGET_S else "NOT met"))
    else:
        print("\nNo collaborator was refused within %d s: target NOT met" % TARGET_S)

    removed = sorted(r["name"] for r in result.removed)
    print("\nsweep() once, right after the last expiry: %.2f s wall; removed %d/%d (%s); kept %d; errors %d; "
          "users left on the server: %s" % (sweep_wall, len(removed), len(collabs), ", ".join(removed) or "-",
                                            len(result.kept), len(result.errors), left_users or "none"))
    print("  admin calls (count/seconds in the call): %s" % fmt_calls(admin.calls, admin.seconds))
    print("  S3 calls (count/seconds in the call):    %s" % fmt_calls(s3.calls, s3.seconds))
    print("  HTTP requests: %s" % fmt_calls(http))

    prev_cal, prev_delay = PREVIOUS_TIMER
    cur_cal, cur_delay = current_timer()
    prev_period, cur_period = timer_period(prev_cal), timer_period(cur_cal)
    print("\nReference: the previous mechanism (access cut only when the sweep removed the account).")
    print("  Not runnable here; ASSUMED from the timer settings, not measured:")
    print("  - previous timer OnCalendar=%s RandomizedDelaySec=%d: worst case %d + %d s + sweep wall (%.2f s) "
          "= %.1f min after the expiry (on average about half the period)" % (
              prev_cal, prev_delay, prev_period, prev_delay, sweep_wall,
              (prev_period + prev_delay + sweep_wall) / 60.0))
    if cur_period:
        print("  - role timer now (roles/minio_admin/defaults/main.yml) OnCalendar=%s RandomizedDelaySec=%d: the "
              "account is removed at worst %d + %d s + %.2f s = %.1f min after the expiry; access itself is already "
              "refused by MinIO at the latency measured above" % (
                  cur_cal, cur_delay, cur_period, cur_delay, sweep_wall, (cur_period + cur_delay + sweep_wall) / 60.0))
    else:
        print("  - role timer now: OnCalendar=%s RandomizedDelaySec=%d (period not derived)" % (cur_cal, cur_delay))
    print("  Load average (1/5/15 min; 2-core machine, other work running at times): start %.2f %.2f %.2f, end "
          "%.2f %.2f %.2f" % (load_start + os.getloadavg()))


if __name__ == "__main__":
    main()
