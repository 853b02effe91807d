# -*- coding: utf-8 -*-
"""What an admin runs: a real playbook that manages N internal users, each with its own policy.

For each size (100 and 1000 by default) a fresh MinIO server over TLS is started
(the integration tests' server and CA), and three forms are measured in full, side
by side, in the same run:

  loop  the form site.yml used before egid.s3share.minio_iam: a `loop:` over
        egid.s3share.minio_policy, then a `loop:` over egid.s3share.minio_user
        (one module run per item);
  bulk  one egid.s3share.minio_iam task for the whole set;
  mc    the reference: an `mc admin user info` + `mc admin policy info` loop over
        every user, the no-change check an admin would script by hand.

For loop and bulk: the first run (everything created), the no-change run, and a
run where 10 users get another policy document. Every run is a real
`ansible-playbook` on localhost (connection local, the venv's Python), with the
same module_defaults as site.yml. The number of admin API calls of the bulk
no-change run is counted on the server, with `mc admin trace`, and printed: it must
not grow with N.

Usage: scripts/bootstrap.sh; <venv>/bin/python benchmarks/iam_playbook.py [--users 100 1000]
       [--changed 10] [--forms loop bulk mc]
The loop form at 1000 users runs about 2000 module starts per playbook run;
`--forms bulk mc` leaves it out when time is short (the output then says so).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _tls_minio import TlsMinio, binaries  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def _users(prefix, count, folder="home"):
    return [{"name": "%s%04d" % (prefix, i), "secret": "Secret-%s-%04d-%s" % (prefix, i, secrets.token_hex(4)),
             "policy": "%s%04d-ro" % (prefix, i), "folder": "%s/%s%04d" % (folder, prefix, i)}
            for i in range(count)]


def _play(server, tasks):
    defaults = {"endpoint": server.endpoint, "access_key": server.access_key, "secret_key": server.secret_key,
                "ca_path": str(server.ca_path), "audit_log": str(server.workdir / "actions.log"),
                "records_bucket": "s3share-admin"}
    return [{"name": "iam benchmark", "hosts": "localhost", "gather_facts": False,
             "module_defaults": {"group/egid.s3share.minio": defaults}, "tasks": tasks}]


def loop_tasks():
    return [
        {"name": "One policy per user", "egid.s3share.minio_policy": {
            "name": "{{ item.policy }}", "template": "read-only", "bucket": "ligan", "prefix": "{{ item.folder }}"},
         "loop": "{{ bench_users }}", "loop_control": {"label": "{{ item.policy }}"}},
        {"name": "The users", "egid.s3share.minio_user": {
            "name": "{{ item.name }}", "user_secret_key": "{{ item.secret }}", "policies": ["{{ item.policy }}"]},
         "loop": "{{ bench_users }}", "loop_control": {"label": "{{ item.name }}"}, "no_log": True},
    ]


def bulk_vars(users):
    """The bulk form's lists, written out (a playbook would build them with a filter or keep them in the inventory)."""
    return {"bench_policies": [{"name": u["policy"], "template": "read-only", "bucket": "ligan",
                                "prefix": u["folder"]} for u in users],
            "bench_user_items": [{"name": u["name"], "secret_key": u["secret"], "policies": [u["policy"]]}
                                 for u in users]}


def run_playbook(workdir, server, tasks, variables, label):
    play = workdir / ("%s.yml" % label)
    play.write_text(yaml.safe_dump(_play(server, tasks), sort_keys=False))
    varfile = workdir / ("%s-vars.yml" % label)
    varfile.write_text(yaml.safe_dump(variables))
    os.chmod(varfile, 0o600)
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
               ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_NOCOLOR="1", ANSIBLE_DEPRECATION_WARNINGS="0",
               PATH="%s:%s" % (VENV_BIN, os.environ.get("PATH", "")))
    start = time.monotonic()
    proc = subprocess.run([str(VENV_BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local",
                           "-e", "ansible_python_interpreter=%s" % sys.executable, "-e", "@%s" % varfile, str(play)],
                          cwd=str(REPO), env=env, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - start
    try:
        stats = json.loads(proc.stdout)["stats"]["localhost"]
    except (ValueError, KeyError):
        raise SystemExit("%s: ansible-playbook failed (rc %d):\n%s\n%s" % (label, proc.returncode,
                                                                          proc.stdout[-3000:], proc.stderr[-3000:]))
    if stats.get("failures") or stats.get("unreachable") or proc.returncode:
        raise SystemExit("%s: the playbook failed:\n%s" % (label, proc.stdout[-3000:]))
    return elapsed, stats.get("changed", 0)


class AdminTrace:
    """`mc admin trace` running during a measurement: counts the admin API calls the server answered."""

    def __init__(self, server, path):
        self.server, self.path = server, path

    def __enter__(self):
        config = self.server.workdir / "mc"
        self.out = open(self.path, "w")
        self.proc = subprocess.Popen([self.server.mc_bin, "--config-dir", str(config), "--no-color", "--json",
                                      "admin", "trace", "--call", "internal", "bench"], stdout=self.out,
                                     stderr=subprocess.DEVNULL)
        time.sleep(1.5)  # the trace subscription is set up before the run starts
        return self

    def __exit__(self, *exc):
        time.sleep(1.0)
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.out.close()

    def calls(self):
        """Admin API calls by name (MinIO traces them as type Internal, api "admin.<Name>")."""
        text, decoder, index, counts = Path(self.path).read_text(), json.JSONDecoder(), 0, {}
        while True:
            while index < len(text) and text[index].isspace():
                index += 1
            if index >= len(text):
                return counts
            try:
                record, index = decoder.raw_decode(text, index)
            except ValueError:
                return counts
            name = record.get("api") or ""
            if name.startswith("admin.") and name != "admin.Trace":
                counts[name] = counts.get(name, 0) + 1


def measure(size, changed, forms, minio_bin, mc_bin):
    rows = []
    with TlsMinio(minio_bin, mc_bin) as server:
        server.mc_alias("bench", server.access_key, server.secret_key)
        proc = server.mc("mb", "bench/ligan")
        if proc.returncode:
            raise SystemExit(proc.stdout + proc.stderr)
        workdir = Path(tempfile.mkdtemp(prefix="iam-bench-", dir=str(server.workdir)))
        for form in ("loop", "bulk"):
            if form not in forms:
                continue
            users = _users("%s%d-" % (form[0], size), size)
            if form == "loop":
                tasks, variables = loop_tasks(), {"bench_users": users}
            else:
                variables = bulk_vars(users)
                tasks = [{"name": "The whole set", "egid.s3share.minio_iam": {
                    "policies": "{{ bench_policies }}", "users": "{{ bench_user_items }}"}}]
            first = run_playbook(workdir, server, tasks, variables, "%s-%d-first" % (form, size))
            if form == "bulk":
                with AdminTrace(server, workdir / "trace.jsonl") as trace:
                    same = run_playbook(workdir, server, tasks, variables, "%s-%d-same" % (form, size))
                calls = trace.calls()
            else:
                same, calls = run_playbook(workdir, server, tasks, variables, "%s-%d-same" % (form, size)), None
            for user in users[:changed]:
                user["folder"] = user["folder"].replace("home/", "moved/")
            if form == "bulk":
                variables = bulk_vars(users)
            ten = run_playbook(workdir, server, tasks, variables, "%s-%d-changed" % (form, size))
            rows.append((form, first, same, ten, calls))
            if form == "bulk":
                bulk_users = users
        if "mc" in forms:
            if "bulk" not in forms:
                raise SystemExit("the mc reference checks the users the bulk form created: add bulk to --forms")
            start = time.monotonic()
            for user in bulk_users:
                for args in (("admin", "user", "info", "bench", user["name"]),
                             ("admin", "policy", "info", "bench", user["policy"])):
                    proc = server.mc("--json", *args)
                    if proc.returncode:
                        raise SystemExit("mc %s: %s" % (" ".join(args), proc.stdout + proc.stderr))
            rows.append(("mc", None, (time.monotonic() - start, 0), None, None))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--changed", type=int, default=10)
    parser.add_argument("--forms", nargs="+", default=["loop", "bulk", "mc"], choices=["loop", "bulk", "mc"])
    args = parser.parse_args()
    minio_bin, mc_bin = binaries()
    print("IAM set through a real playbook (ansible-playbook, connection local, real MinIO over TLS)")
    print("machine: %d cores, load average %.1f at start" % (os.cpu_count(), os.getloadavg()[0]))
    for size in args.users:
        rows = measure(size, args.changed, args.forms, minio_bin, mc_bin)
        print("\n%d users, each with its own policy" % size)
        print("  %-5s %14s %14s %18s" % ("form", "first run", "no change", "%d changed" % args.changed))
        reference = None
        for form, first, same, ten, calls in rows:
            if form == "mc":
                reference = same[0]
                print("  %-5s %14s %13.1fs %18s" % ("mc", "-", same[0], "-"))
                continue
            print("  %-5s %13.1fs %13.1fs %17.1fs   (changed tasks: %d, %d, %d)" % (
                form, first[0], same[0], ten[0], first[1], same[1], ten[1]))
            if calls is not None:
                print("        admin calls in the no-change run, counted by mc admin trace: %s (total %d)" % (
                    ", ".join("%s %d" % item for item in sorted(calls.items())) or "none", sum(calls.values())))
        times = {form: same[0] for form, first, same, ten, calls in rows}
        if reference and "bulk" in times:
            print("  bulk no-change is %.1fx faster than the mc loop" % (reference / times["bulk"]))
        if reference and "loop" in times:
            print("  loop no-change is %.1fx %s than the mc loop" % (
                max(times["loop"], reference) / min(times["loop"], reference),
                "slower" if times["loop"] > reference else "faster"))
        if "loop" in times and "bulk" in times:
            print("  bulk no-change is %.1fx faster than the loop form" % (times["loop"] / times["bulk"]))
        if "loop" not in times:
            print("  (loop form not measured in this run: --forms %s)" % " ".join(args.forms))


if __name__ == "__main__":
    main()
