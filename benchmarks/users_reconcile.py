# -*- coding: utf-8 -*-
"""Reconcile N users, each with its own policy, against a real MinIO server.

Runs three passes through the collection's reconcile layer
(plugins/module_utils/_minio/iam.py, the code minio_user and minio_policy run):
  1. first run (everything is created),
  2. second run with no change,
  3. a run where the policy of --changed users changed,
and prints the wall time and the number of admin API calls of each, counted
on the real SDK client (no mock). The no-change run must read everything
with a constant number of list calls (one list-users, one
list-canned-policies), never one call per user.

It then times the equivalent `mc admin` loop (policy create + user add +
policy attach per user; user info + policy info per user for the no-change
check) on --mc-sample users and extrapolates to N, as the reference ratio.

Why the reconcile layer and not `ansible ... loop:`: an Ansible loop runs the
module once per item in a fresh process, so any per-run cache is lost and each
item pays its own list calls and Python start-up. The constant-read property
belongs to one process reconciling many users, which is what this layer
offers to a bulk caller; the benchmark measures that code against the real
server.

Usage: scripts/bootstrap.sh; PYTHONPATH=.collections <venv>/bin/python benchmarks/users_reconcile.py
       [--users 1000] [--changed 10] [--mc-sample 50]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / ".collections"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _counting import CountingProxy  # noqa: E402
from users_server import BenchServer, binaries  # noqa: E402

from ansible_collections.egid.s3share.plugins.module_utils._minio.connection import (  # noqa: E402
    ConnectionSettings, create_clients,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.iam import (  # noqa: E402
    IamState, ensure_policy, ensure_user_present,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.policy import template_policy  # noqa: E402

LIST_CALLS = ("user_list", "policy_list", "group_list")


def specs(count, changed=()):
    result = []
    for i in range(count):
        template = "read-write" if i in changed else "read-only"
        result.append({"user": "bench-u%04d" % i, "secret": "bench-secret-%04d" % i, "policy": "bench-p%04d" % i,
                       "document": template_policy(template, "bench", "users/u%04d" % i)})
    return result


def reconcile(clients, items):
    admin = CountingProxy(clients.admin)
    state = IamState(admin)
    changed = 0
    start = time.perf_counter()
    for item in items:
        c1 = ensure_policy(state, item["policy"], item["document"], check_mode=False)
        c2 = ensure_user_present(state, item["user"], item["secret"], policies=[item["policy"]], check_mode=False)
        changed += bool(c1 or c2)
    wall = time.perf_counter() - start
    lists = sum(admin.calls.get(name, 0) for name in LIST_CALLS)
    return {"wall": wall, "calls": admin.total, "lists": lists, "changed": changed, "by_method": dict(admin.calls)}


def mc_loop(mc_bin, server, items, tmp):
    """The equivalent shell loop with mc; returns (wall, invocations) per phase."""
    config = Path(tmp) / "mc"
    env = dict(os.environ, MC_CONFIG_DIR=str(config))
    base = [mc_bin, "--config-dir", str(config), "--quiet", "--no-color"]
    subprocess.run(base + ["alias", "set", "bench", server.endpoint, server.access_key, server.secret_key],
                   check=True, capture_output=True, env=env)
    files = []
    for item in items:
        path = Path(tmp) / ("%s.json" % item["policy"])
        path.write_text(json.dumps(item["document"]))
        files.append(path)

    def run(commands):
        start = time.perf_counter()
        for cmd in commands:
            subprocess.run(base + cmd, check=True, capture_output=True, env=env)
        return time.perf_counter() - start, len(commands)

    create = []
    for item, path in zip(items, files):
        create += [["admin", "policy", "create", "bench", item["policy"], str(path)],
                   ["admin", "user", "add", "bench", item["user"], item["secret"]],
                   ["admin", "policy", "attach", "bench", item["policy"], "--user", item["user"]]]
    check = []
    for item in items:
        check += [["admin", "user", "info", "bench", item["user"]],
                  ["admin", "policy", "info", "bench", item["policy"]]]
    first = run(create)
    nochange = run(check)
    return first, nochange


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--changed", type=int, default=10)
    parser.add_argument("--mc-sample", type=int, default=50, help="users for the mc reference loop (0: skip)")
    args = parser.parse_args()
    minio_bin, mc_bin = binaries()
    with BenchServer(minio_bin) as server:
        settings = ConnectionSettings(server.endpoint, server.access_key, server.secret_key)
        clients = create_clients(settings)
        clients.s3.make_bucket("bench")
        changed_ids = set(range(0, args.users, max(1, args.users // max(1, args.changed))))
        changed_ids = set(sorted(changed_ids)[:args.changed])
        runs = [("first run", specs(args.users)),
                ("no-change run", specs(args.users)),
                ("%d changed" % len(changed_ids), specs(args.users, changed_ids))]
        print("MinIO %s, %d users each with a policy (reconcile layer, real SDK, counted calls)" % (
            Path(minio_bin).name, args.users))
        print("%-16s %10s %12s %11s %9s" % ("pass", "wall (s)", "admin calls", "list calls", "changed"))
        results = {}
        for label, items in runs:
            res = reconcile(clients, items)
            results[label] = res
            print("%-16s %10.2f %12d %11d %9d   %s" % (label, res["wall"], res["calls"], res["lists"],
                                                       res["changed"], json.dumps(res["by_method"], sort_keys=True)))
        nochange = results["no-change run"]
        assert nochange["changed"] == 0, "the no-change run changed something"
        assert nochange["calls"] == nochange["lists"] == 2, "the no-change run must only list users and policies"
        if args.mc_sample:
            sample = specs(args.users)[:args.mc_sample]
            for item in sample:  # the mc loop gets its own users
                item["user"] = item["user"].replace("bench-u", "mc-u")
                item["policy"] = item["policy"].replace("bench-p", "mc-p")
            with tempfile.TemporaryDirectory() as tmp:
                (first_wall, first_n), (check_wall, check_n) = mc_loop(mc_bin, server, sample, tmp)
            scale = args.users / float(len(sample))
            print("\nReference: the equivalent `mc admin` loop, timed on %d users, extrapolated x%.0f:" % (
                len(sample), scale))
            print("%-16s %10s %14s %8s" % ("pass", "wall (s)", "mc invocations", "ratio"))
            reference = (("first run", first_wall, first_n, results["first run"]),
                         ("no-change run", check_wall, check_n, nochange))
            for label, wall, count, ours in reference:
                ratio = (wall * scale) / max(ours["wall"], 1e-6)
                print("%-16s %10.2f %14d %7.1fx" % (label, wall * scale, int(count * scale), ratio))
            print("(each mc invocation makes at least one admin API call; the no-change mc loop must read every "
                  "user and policy because mc has no bulk compare)")
        target = "met" if nochange["wall"] < 10 else "NOT met"
        print("\nNo-change run: %.2f s with %d list calls (target < 10 s: %s)" % (
            nochange["wall"], nochange["lists"], target))


if __name__ == "__main__":
    main()
