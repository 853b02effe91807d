# -*- coding: utf-8 -*-
"""One expiry sweep over many collaborators, against a real MinIO over TLS.

For each record count in --counts (default 1000 and 10000), on a fresh MinIO
started on loopback (TLS, a CA made for the run, a temporary directory removed
on exit):
  1. sets up that many collaborators (user + collab-<name> policy + record),
     --expiring of them (set up last) expiring --expire-after to
     --expire-after + --expire-spread seconds after their setup, the rest in
     30 days, with one of two methods (--setup):
     - import (default): MinIO's bulk IAM import (PUT /minio/admin/v3/
       import-iam-v2, what `mc admin cluster iam import` sends) of a zip
       holding iam-assets/policies.json (every collab-<name> policy, exactly
       _minio.policy.collaborator_policy()), users.json (random collaborator
       access keys from _minio.collab.generate_access_key, secrets from
       generate_secret_key, enabled) and user_mappings.json (each user to its
       policy), in batches of --batch; then the records, exactly the JSON
       Collaborators._create ends with (status "active"), written with
       CollaboratorStore.put in --threads parallel threads. No Argon2 at all:
       the import body is a plain zip.
     - ensure: the collection's own creation path (module_utils/_minio/collab/service.py
       Collaborators.ensure_present), in --threads parallel threads, each with
       its own clients and IAM cache. Each creation costs two Argon2 key
       derivations (the SDK encrypts the user-add payload with a 64 MiB
       Argon2id key and MinIO derives it again), about 0.2 s of CPU, so this
       is for small counts; --setup-budget (default 600 s per row, 0 = none)
       stops creating long-lived records when the rest would not fit.
  2. checks the setup before timing anything, with uncounted root clients:
     the number of collab-* policies, and every one equal to the
     collaborator_policy() of its record; every user enabled and holding only
     its policy; the number of records and a few read back identical; a few
     sample collaborators (long-lived and expiring) can GET an object in their
     own folder with their own credentials and are refused another's. A row
     whose setup fails a check stops there.
  3. waits until the expiring ones have expired, then runs ONE sweep() with the
     admin and S3 clients wrapped in a counting proxy (benchmarks/_counting.py)
     and the HTTP pool counted too, and prints wall time, calls by name (with
     the seconds spent in each), list calls, removed and kept;
  4. prints separately the cost of a sweep with nothing to remove and of the
     opt-in orphan scan (sweep(orphans="report")), which lists every record
     (MinIO pages listings at 1000 keys).
The sweep measured is the real sweep() against the real server in both setup
modes; only the way the collaborators got there differs. Rows are printed side
by side so that the list calls can be compared across record counts. Figures
only: nothing here is a timed assertion. The load average is printed at the
start and the end of every row.

Usage: VENV=$(scripts/bootstrap.sh); eval "$(scripts/artifacts.sh)"
       $VENV/bin/python benchmarks/sweep_10k.py [--counts 1000,10000 | --count N] [--setup import|ensure]
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import sys
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _counting import CountingProxy, count_http_requests, fmt_calls, list_calls  # noqa: E402
from _tls_minio import TlsMinio, binaries  # noqa: E402

from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.service import Collaborators  # noqa: E402
from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.store import CollaboratorStore  # noqa: E402
from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.sweep import sweep  # noqa: E402
from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.validation import generate_access_key, generate_secret_key  # noqa: E402
from ansible_collections.egid.s3share.plugins.module_utils._minio.names import (  # noqa: E402
    DEFAULT_RECORDS_BUCKET, POLICY_PREFIX, RECORD_PREFIX, policy_name,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.times import format_time  # noqa: E402
from ansible_collections.egid.s3share.plugins.module_utils._minio.connection import (  # noqa: E402
    ConnectionSettings, MinioClients, create_clients,
)
from ansible_collections.egid.s3share.plugins.module_utils._minio.errors import error_code  # noqa: E402
from ansible_collections.egid.s3share.plugins.module_utils._minio.iam import IamState  # noqa: E402
from ansible_collections.egid.s3share.plugins.module_utils._minio.policy import (  # noqa: E402
    collaborator_policy, policies_equal,
)

BUCKET = "lab-share"
ACCESS = "read-only"
ACTOR = "benchmark-setup"
TARGET_SWEEP_S = 30
SAMPLE_OBJECT = "hello.txt"
# MinIO's admin router: PUT .../import-iam-v2 (cmd/admin-router.go), the zip entries under iam-assets/
# (cmd/admin-handlers-users.go: policies.json, users.json, user_mappings.json).
IMPORT_COMMAND = "import-iam-v2"
IAM_ASSETS = "iam-assets/"


def log(message):
    sys.stderr.write("[%s] %s\n" % (time.strftime("%H:%M:%S"), message))
    sys.stderr.flush()


def loadavg():
    return "%.2f %.2f %.2f" % os.getloadavg()


def prefix_of(name):
    return "external/%s" % name


# ------------------------------------------------------------------ setup by bulk import
class _AdminPath:
    """What MinioAdmin._url_open() reads from its command argument."""

    def __init__(self, value):
        self.value = value


def iam_zip(entries, updated_at):
    """The import zip for entries (dicts with name, access_key, secret_key, document)."""
    policies = dict((policy_name(e["name"]), e["document"]) for e in entries)
    users = dict((e["access_key"], {"secretKey": e["secret_key"], "status": "enabled"}) for e in entries)
    mappings = dict((e["access_key"], {"version": 1, "policy": policy_name(e["name"]), "updatedAt": updated_at})
                    for e in entries)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(IAM_ASSETS + "policies.json", json.dumps(policies))
        archive.writestr(IAM_ASSETS + "users.json", json.dumps(users))
        archive.writestr(IAM_ASSETS + "user_mappings.json", json.dumps(mappings))
    return buf.getvalue()


class ImportSetup:
    """Users, policies and mappings by MinIO's bulk IAM import; records by parallel CollaboratorStore.put."""

    method = "import"

    def __init__(self, server, args):
        self.server = server
        self.args = args
        self.records = {}        # name -> the record as written
        self.credentials = {}    # name -> (access_key, secret_key), kept in memory for the sample checks
        self.errors = []
        self.phases = []         # (label, seconds)
        self.stopped_by_budget = False
        self._local = threading.local()
        self._used_keys = set([server.access_key])
        # The import of a batch takes seconds: a client with a longer read timeout than the modules' 30 s.
        settings = server.settings()
        self.admin = MinioClients(ConnectionSettings(settings.url, settings.access_key, settings.secret_key,
                                                     ca_path=settings.ca_path, timeout=600)).admin

    def _entries(self, names, expiries):
        entries = []
        for name, expires in zip(names, expiries):
            access_key = generate_access_key()
            while access_key in self._used_keys:
                access_key = generate_access_key()
            self._used_keys.add(access_key)
            entries.append({"name": name, "access_key": access_key, "secret_key": generate_secret_key(),
                            "expires_at": expires,
                            "document": collaborator_policy(ACCESS, BUCKET, prefix_of(name), expires)})
        return entries

    def _import(self, entries):
        updated_at = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        batch = self.args.batch
        for start in range(0, len(entries), batch):
            chunk = entries[start:start + batch]
            body = iam_zip(chunk, updated_at)
            began = time.perf_counter()
            response = self.admin._url_open(method="PUT", command=_AdminPath(IMPORT_COMMAND),  # pylint: disable=protected-access
                                            body=body)
            result = json.loads(response.data.decode("utf-8") or "{}")
            added = result.get("added") or {}
            failed = dict((k, v) for k, v in (result.get("failed") or {}).items() if v)
            if failed or len(added.get("users") or []) != len(chunk) or \
                    len(added.get("policies") or []) != len(chunk) or len(added.get("userPolicies") or []) != len(chunk):
                raise RuntimeError("IAM import of %d collaborators incomplete: added %s, failed %s" % (
                    len(chunk), dict((k, len(v)) for k, v in added.items()), failed))
            if len(entries) > batch:
                log("  imported %d/%d (%d KiB zip, %.1f s)" % (start + len(chunk), len(entries), len(body) // 1024,
                                                             time.perf_counter() - began))

    def _store(self):
        local = self._local
        if not hasattr(local, "store"):
            local.store = CollaboratorStore(self.server.clients().s3, DEFAULT_RECORDS_BUCKET)
        return local.store

    def _put(self, record):
        try:
            self._store().put(record)
        except Exception as exc:  # pylint: disable=broad-except
            self.errors.append("%s: %s" % (record["name"], getattr(exc, "message", None) or exc))

    def _records(self, entries, created_at):
        records = []
        for e in entries:
            # Exactly what Collaborators._create writes last (status "active").
            record = dict(name=e["name"], bucket=BUCKET, prefix=prefix_of(e["name"]), access=ACCESS,
                          policy=policy_name(e["name"]), expires_at=e["expires_at"], created_at=created_at,
                          created_by=ACTOR, access_key=e["access_key"], status="active")
            records.append(record)
            self.records[e["name"]] = record
            self.credentials[e["name"]] = (e["access_key"], e["secret_key"])
        with ThreadPoolExecutor(max_workers=self.args.threads) as pool:
            list(pool.map(self._put, records))

    def _phase(self, label, names, expiries):
        created_at = format_time(datetime.datetime.now(datetime.timezone.utc))
        began = time.perf_counter()
        entries = self._entries(names, expiries)
        self._import(entries)
        imported = time.perf_counter()
        self._records(entries, created_at)
        done = time.perf_counter()
        self.phases.append(("%s import" % label, imported - began))
        self.phases.append(("%s records" % label, done - imported))
        log("  %s: %d imported in %.1f s, records written in %.1f s" % (label, len(entries), imported - began,
                                                                       done - imported))

    def run(self, long_names, expiring_names):
        CollaboratorStore(self.server.clients().s3, DEFAULT_RECORDS_BUCKET).ensure_bucket()
        # What ensure_present computes for days=30 (the modules' default).
        long_expiry = format_time(datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=30))
        if long_names:
            self._phase("long-lived", long_names, [long_expiry] * len(long_names))
        if expiring_names:
            n = len(expiring_names)
            base = time.time()
            expiries = [format_time(datetime.datetime.fromtimestamp(
                int(base + self.args.expire_after + self.args.expire_spread * i / max(n - 1, 1)) + 1,
                datetime.timezone.utc)) for i in range(n)]
            self._phase("expiring", expiring_names, expiries)


# ------------------------------------------------------------------ setup through ensure_present
class EnsureSetup:
    """Creates collaborators through Collaborators.ensure_present in parallel threads."""

    method = "ensure"

    def __init__(self, server, args):
        self.server = server
        self.threads = args.threads
        self.budget = args.setup_budget
        self.args = args
        self.lock = threading.Lock()
        self.created = 0
        self.errors = []
        self.started = None
        self.stopped_by_budget = False
        self.records = {}
        self.credentials = {}
        self.phases = []
        self.total_wanted = None
        self._local = threading.local()

    def _manager(self):
        local = self._local
        if not hasattr(local, "iam"):
            clients = self.server.clients()
            local.clients = clients
            local.iam = IamState(clients.admin)
            local.store = CollaboratorStore(clients.s3, DEFAULT_RECORDS_BUCKET)
        return Collaborators(local.iam, local.clients.s3, local.store, ACTOR)

    def create_one(self, name, expires_at):
        manager = self._manager()
        try:
            outcome = manager.ensure_present(name, BUCKET, prefix_of(name), access=ACCESS, days=30,
                                             expires_at=expires_at)
            with self.lock:
                self.created += 1
                self.records[name] = outcome.record
                self.credentials[name] = (outcome.credentials["access_key"], outcome.credentials["secret_key"])
        except Exception as exc:  # pylint: disable=broad-except
            with self.lock:
                self.errors.append("%s: %s" % (name, getattr(exc, "message", None) or exc))

    def rate(self):
        elapsed = time.perf_counter() - self.started
        return self.created / elapsed if elapsed > 0 and self.created else 0.0

    def _run(self, jobs, reserve=0, stop_early=False):
        """Create (name, expires_at) jobs in parallel. With stop_early, stop when the budget would not leave room for reserve more."""
        jobs = iter(jobs)
        last_report = [time.perf_counter()]
        projected = [False]

        def worker():
            while True:
                with self.lock:
                    if stop_early and self.budget and self.created >= 50:
                        elapsed = time.perf_counter() - self.started
                        if elapsed + reserve / max(self.rate(), 1e-6) >= self.budget:
                            self.stopped_by_budget = True
                            return
                    job = next(jobs, None)
                    now = time.perf_counter()
                    if now - last_report[0] > 30:
                        log("created %d (%.1f/s)" % (self.created, self.rate()))
                        last_report[0] = now
                    if stop_early and self.total_wanted and not projected[0] and now - self.started > 30:
                        projected[0] = True
                        eta = self.total_wanted / max(self.rate(), 1e-6)
                        log("projected setup for %d records: %.1f min at %.1f/s%s" % (
                            self.total_wanted, eta / 60, self.rate(),
                            " (over the %d s budget: it will stop early)" % self.budget if eta > self.budget else ""))
                if job is None:
                    return
                self.create_one(*job)

        threads = [threading.Thread(target=worker) for dummy in range(self.threads)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def run(self, long_names, expiring_names):
        self.started = time.perf_counter()
        self.total_wanted = len(long_names) + len(expiring_names)
        long_expiry = None  # days=30
        # The first creation alone: it creates the records bucket before the threads start.
        if long_names:
            self.create_one(long_names[0], long_expiry)
        self._run([(n, long_expiry) for n in long_names[1:]], reserve=len(expiring_names), stop_early=True)
        self.phases.append(("long-lived ensure_present", time.perf_counter() - self.started))
        began = time.perf_counter()
        n = len(expiring_names)
        # Each expiring one gets its expiry when its creation starts, so the spread is kept whatever the rate.
        base = time.time()
        self._run([(name, format_time(datetime.datetime.fromtimestamp(
            int(base + self.args.expire_after + self.args.expire_spread * i / max(n - 1, 1)) + 1,
            datetime.timezone.utc))) for i, name in enumerate(expiring_names)])
        self.phases.append(("expiring ensure_present", time.perf_counter() - began))


# ------------------------------------------------------------------ checks before timing
def _get(s3, key):
    response = None
    try:
        response = s3.get_object(BUCKET, key)
        return "ok:" + response.read().decode()
    except Exception as exc:  # pylint: disable=broad-except
        return error_code(exc) or type(exc).__name__
    finally:
        if response is not None:
            response.close()
            response.release_conn()


def sample_names(setup, expiring_names):
    names = sorted(n for n in setup.records if n not in set(expiring_names))
    picked = [names[0], names[len(names) // 2], names[-1]] if names else []
    made = [n for n in expiring_names if n in setup.records]
    picked += [made[0], made[-1]] if made else []
    return list(dict.fromkeys(picked))


def verify_setup(server, setup, samples):
    """Check what the setup left on the server (root clients, not counted). Returns figures and problems."""
    began = time.perf_counter()
    root = server.clients()
    problems = []
    # Samples first: the expiring ones must be checked before they expire.
    for name in samples:
        data = ("object of %s\n" % name).encode()
        root.s3.put_object(BUCKET, "%s/%s" % (prefix_of(name), SAMPLE_OBJECT), io.BytesIO(data), len(data))
    own_ok = other_refused = 0
    for i, name in enumerate(samples):
        access_key, secret_key = setup.credentials[name]
        s3 = create_clients(server.settings(access_key, secret_key)).s3
        own = _get(s3, "%s/%s" % (prefix_of(name), SAMPLE_OBJECT))
        if own == "ok:object of %s\n" % name:
            own_ok += 1
        else:
            problems.append("sample %s cannot read its own object: %s" % (name, own))
        other = samples[(i + 1) % len(samples)]
        if other != name:
            refused = _get(s3, "%s/%s" % (prefix_of(other), SAMPLE_OBJECT))
            if refused == "AccessDenied":
                other_refused += 1
            else:
                problems.append("sample %s reading %s's object: %s (expected AccessDenied)" % (name, other, refused))
    iam = IamState(root.admin)
    policies = dict((k, v) for k, v in iam.policies().items() if k.startswith(POLICY_PREFIX))
    users = iam.users()
    mismatched = missing_policy = bad_user = 0
    for name, record in setup.records.items():
        document = policies.get(policy_name(name))
        if document is None:
            missing_policy += 1
        elif not policies_equal(document, collaborator_policy(record["access"], record["bucket"], record["prefix"],
                                                              record["expires_at"])):
            mismatched += 1
        user = users.get(record["access_key"])
        if user is None or user["status"] != "enabled" or user["policies"] != [policy_name(name)] or user["member_of"]:
            bad_user += 1
    collab_users = sum(1 for info in users.values() if any(p.startswith(POLICY_PREFIX) for p in info["policies"]))
    store = CollaboratorStore(root.s3, DEFAULT_RECORDS_BUCKET)
    record_names = store.names()
    reread = sum(1 for name in samples if store.get(name) == setup.records[name])
    wanted = len(setup.records)
    for label, value, expected in (("collab-* policies", len(policies), wanted),
                                   ("collaborator users", collab_users, wanted),
                                   ("records", len(record_names), wanted),
                                   ("policies missing", missing_policy, 0),
                                   ("policies differing from collaborator_policy()", mismatched, 0),
                                   ("users not enabled with only their policy", bad_user, 0),
                                   ("sample records read back identical", reread, len(samples))):
        if value != expected:
            problems.append("%s: %d, expected %d" % (label, value, expected))
    return {"policies": len(policies), "users": collab_users, "records": len(record_names),
            "mismatched": mismatched + missing_policy, "bad_users": bad_user, "samples": len(samples),
            "own_ok": own_ok, "other_refused": other_refused, "reread": reread, "problems": problems,
            "seconds": time.perf_counter() - began}


# ------------------------------------------------------------------ the measured sweep
def counted_sweep(server, orphans="ignore"):
    clients = server.clients()
    http = count_http_requests(clients._pool())  # pylint: disable=protected-access
    admin, s3 = CountingProxy(clients.admin), CountingProxy(clients.s3)
    manager = Collaborators(IamState(admin), s3, CollaboratorStore(s3, DEFAULT_RECORDS_BUCKET), "benchmark-sweep")
    started = time.perf_counter()
    result = sweep(manager, orphans=orphans)
    wall = time.perf_counter() - started
    pages = sum(n for kind, n in http.items() if "(page)" in kind)
    return {"wall": wall, "admin": admin, "s3": s3, "http": http, "lists": list_calls(admin, s3),
            "list_pages": pages, "removed": len(result.removed), "kept": len(result.kept),
            "errors": result.errors, "orphans": result.orphans}


def server_state(server):
    """What is left on the server, read with uncounted root clients."""
    clients = server.clients()
    iam = IamState(clients.admin)
    users = sum(1 for info in iam.users().values() if any(p.startswith(POLICY_PREFIX) for p in info["policies"]))
    policies = sum(1 for p in iam.policies() if p.startswith(POLICY_PREFIX))
    records = sum(1 for dummy in clients.s3.list_objects(DEFAULT_RECORDS_BUCKET, prefix=RECORD_PREFIX,
                                                         recursive=True))
    return {"users": users, "policies": policies, "records": records}


def run_row(minio_bin, count, args):
    expiring = min(args.expiring, count)
    load_start = loadavg()
    with TlsMinio(minio_bin) as server:
        server.clients().s3.make_bucket(BUCKET)  # unversioned, as the module requires for a shared folder
        setup = (ImportSetup if args.setup == "import" else EnsureSetup)(server, args)
        long_names = ["keep-%05d" % i for i in range(count - expiring)]
        expiring_names = ["expire-%03d" % i for i in range(expiring)]
        log("%d records: MinIO up at %s, load %s; setting up %d long-lived then %d expiring by %s (%d threads)" % (
            count, server.endpoint, load_start, len(long_names), expiring, setup.method, args.threads))
        started = time.perf_counter()
        setup.run(long_names, expiring_names)
        setup_wall = time.perf_counter() - started
        log("%d records: setup %.1f s (%d set up, %d errors)" % (count, setup_wall, len(setup.records),
                                                                   len(setup.errors)))
        for error in setup.errors[:3]:
            log("  setup error: %s" % error)
        check = verify_setup(server, setup, sample_names(setup, expiring_names))
        log("%d records: setup checked in %.1f s: %s" % (count, check["seconds"],
                                                          "; ".join(check["problems"]) or "all as expected"))
        if check["problems"] or setup.errors:
            raise SystemExit("the setup of the %d-record row is not what it should be: %s" % (
                count, "; ".join(check["problems"] + setup.errors[:3])))

        expiring_set = set(expiring_names)
        expiries = [r["expires_at"] for n, r in setup.records.items() if n in expiring_set]
        if expiries:
            last = datetime.datetime.strptime(max(expiries), "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=datetime.timezone.utc)
            wait = last.timestamp() - time.time() + 1.0
            if wait > 0:
                log("waiting %.0f s for the expiring ones (%s .. %s)" % (wait, min(expiries), max(expiries)))
                time.sleep(wait)
        load_sweep = loadavg()
        before = server_state(server)
        result = counted_sweep(server)
        after = server_state(server)
        baseline = counted_sweep(server)
        orphan_scan = counted_sweep(server, orphans="report")
        log("%d records: sweep %.2f s, removed %d" % (count, result["wall"], result["removed"]))
    return {"count": count, "expiring": expiring, "method": setup.method, "created": len(setup.records),
            "setup_wall": setup_wall, "phases": setup.phases, "rate": len(setup.records) / setup_wall,
            "budget_stop": setup.stopped_by_budget, "setup_errors": setup.errors, "check": check,
            "expiries": (min(expiries), max(expiries)) if expiries else None, "before": before, "after": after,
            "sweep": result, "baseline": baseline, "orphan_scan": orphan_scan,
            "load_start": load_start, "load_sweep": load_sweep, "load_end": loadavg()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="Prints figures only; see the module docstring for the method.")
    parser.add_argument("--counts", default="1000,10000", help="record counts, one fresh server each "
                                                               "(default 1000,10000)")
    parser.add_argument("--count", type=int, help="a single record count (instead of --counts)")
    parser.add_argument("--setup", choices=("import", "ensure"), default="import",
                        help="import: MinIO's bulk IAM import + parallel record writes (default); "
                             "ensure: Collaborators.ensure_present, about 0.2 s of CPU per collaborator")
    parser.add_argument("--expiring", type=int, default=100, help="records that expire (default 100)")
    parser.add_argument("--expire-after", type=int, default=60, help="seconds from their setup to the first "
                                                                     "expiry (default 60)")
    parser.add_argument("--expire-spread", type=int, default=30, help="the expiries spread over this many more "
                                                                      "seconds (default 30)")
    parser.add_argument("--threads", type=int, default=8, help="parallel record writes (import) or creations "
                                                               "(ensure) (default 8)")
    parser.add_argument("--batch", type=int, default=1000, help="collaborators per import zip (default 1000)")
    parser.add_argument("--setup-budget", type=int, default=600, help="ensure only: soft budget of one row's setup "
                                                                      "in seconds, 0 for none (default 600)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    counts = [args.count] if args.count else [int(c) for c in args.counts.split(",") if c.strip()]
    if not counts or min(counts) < 1:
        parser.error("record counts must be positive")
    if args.batch < 1 or args.threads < 1:
        parser.error("--batch and --threads must be positive")
    minio_bin, dummy = binaries()

    rows = [run_row(minio_bin, count, args) for count in counts]

    how = {"import": "MinIO bulk IAM import (PUT import-iam-v2, %d per zip) + CollaboratorStore.put in %d threads"
                     % (args.batch, args.threads),
           "ensure": "Collaborators.ensure_present in %d threads" % args.threads}[args.setup]
    print("MinIO %s over TLS on loopback, one fresh server per row; setup: %s; %s expire %d..%d s after their "
          "setup, the rest in 30 days; the sweep is the real sweep() in every mode"
          % (Path(minio_bin).name.split("-", 1)[1], how, "/".join(str(r["expiring"]) for r in rows),
             args.expire_after, args.expire_after + args.expire_spread))
    print("\nSetup (method %s)" % args.setup)
    print("%-9s %9s %10s %9s  %s" % ("requested", "set up", "setup (s)", "rate (/s)", "phases / note"))
    for r in rows:
        note = ", ".join("%s %.1f s" % (label, seconds) for label, seconds in r["phases"])
        if r["budget_stop"]:
            note += ("; stopped by the %d s budget; the full %d would take about %.0f min at this rate"
                     % (args.setup_budget, r["count"], r["count"] / r["rate"] / 60))
        if r["setup_errors"]:
            note += "; %d setup errors, first: %s" % (len(r["setup_errors"]), r["setup_errors"][0])
        print("%-9d %9d %10.1f %9.1f  %s" % (r["count"], r["created"], r["setup_wall"], r["rate"], note))
    print("\nSetup checked before timing (root clients, not counted)")
    for r in rows:
        c = r["check"]
        print("  %d: collab-* policies %d (differing from collaborator_policy(): %d), collaborator users %d (not "
              "enabled with only their policy: %d), records %d; samples %d: own object read %d/%d, another's "
              "refused %d/%d, record read back identical %d/%d; %.1f s%s" % (
                  r["count"], c["policies"], c["mismatched"], c["users"], c["bad_users"], c["records"],
                  c["samples"], c["own_ok"], c["samples"], c["other_refused"], c["samples"], c["reread"],
                  c["samples"], c["seconds"], ("; PROBLEMS: %s" % c["problems"]) if c["problems"] else ""))

    print("\nOne sweep() (target: under %d s; list calls not growing with the records)" % TARGET_SWEEP_S)
    header = ("records", "expired", "sweep (s)", "admin calls", "S3 calls", "LIST calls", "list pages",
              "removed", "kept", "errors", "target")
    print("%-8s %8s %10s %12s %9s %11s %11s %8s %6s %7s  %s" % header)
    for r in rows:
        s = r["sweep"]
        met = s["wall"] < TARGET_SWEEP_S and s["removed"] == r["expiring"] and not s["errors"]
        print("%-8d %8d %10.2f %12d %9d %11d %11d %8d %6d %7d  %s" % (
            r["before"]["records"], r["expiring"], s["wall"], s["admin"].total, s["s3"].total, s["lists"],
            s["list_pages"], s["removed"], s["kept"], len(s["errors"]), "met" if met else "NOT met"))
    for r in rows:
        s = r["sweep"]
        print("\n  %d records, calls by name (count/seconds spent in the call):" % r["before"]["records"])
        print("    admin: %s" % fmt_calls(s["admin"].calls, s["admin"].seconds))
        print("    S3:    %s" % fmt_calls(s["s3"].calls, s["s3"].seconds))
        in_calls = sum(s["admin"].seconds.values()) + sum(s["s3"].seconds.values())
        print("    time in counted calls %.2f s of %.2f s wall (the rest: Python in sweep(), e.g. reading the "
              "policies' expiries)" % (in_calls, s["wall"]))
        print("    HTTP requests: %s" % fmt_calls(s["http"]))
        print("    LIST calls: user_list=%d policy_list=%d list_objects=%d" % (
            s["admin"].calls.get("user_list", 0), s["admin"].calls.get("policy_list", 0),
            s["s3"].calls.get("list_objects", 0)))
        print("    server before -> after: collaborator users %d -> %d, collab-* policies %d -> %d, records %d -> %d"
              % (r["before"]["users"], r["after"]["users"], r["before"]["policies"], r["after"]["policies"],
                 r["before"]["records"], r["after"]["records"]))
        if r["expiries"]:
            print("    expiring ones' expires_at %s .. %s" % r["expiries"])
        if s["errors"]:
            print("    errors: %s" % s["errors"][:3])
    print("\n  LIST calls across rows: %s (%s)" % (
        ", ".join("%d at %d records" % (r["sweep"]["lists"], r["before"]["records"]) for r in rows),
        "constant" if len(set(r["sweep"]["lists"] for r in rows)) == 1 else "NOT constant"))

    print("\nSeparately: a sweep with nothing to remove, and the opt-in orphan scan (sweep(orphans=\"report\")), "
          "run after the sweep above")
    print("%-8s %-22s %10s %12s %9s %11s %11s %8s" % ("records", "sweep", "wall (s)", "admin calls", "S3 calls",
                                                      "LIST calls", "list pages", "orphans"))
    for r in rows:
        for label, s in (("nothing to remove", r["baseline"]), ('orphans="report"', r["orphan_scan"])):
            print("%-8d %-22s %10.2f %12d %9d %11d %11d %8d" % (
                r["after"]["records"], label, s["wall"], s["admin"].total, s["s3"].total, s["lists"],
                s["list_pages"], len(s["orphans"])))
        o = r["orphan_scan"]
        print("  %d records, orphan scan calls: admin: %s; S3: %s" % (
            r["after"]["records"], fmt_calls(o["admin"].calls, o["admin"].seconds),
            fmt_calls(o["s3"].calls, o["s3"].seconds)))
        print("  %d records, orphan scan HTTP requests: %s" % (r["after"]["records"], fmt_calls(o["http"])))

    print("\nLoad average (1/5/15 min; 2-core machine, other work running at times)")
    for r in rows:
        print("  %d records: row start %s, before the sweep %s, row end %s" % (
            r["count"], r["load_start"], r["load_sweep"], r["load_end"]))

    if args.json:
        def plain(s):
            return {"wall": s["wall"], "admin": dict(s["admin"].calls), "admin_seconds": dict(s["admin"].seconds),
                    "s3": dict(s["s3"].calls), "s3_seconds": dict(s["s3"].seconds),
                    "http": dict(s["http"]), "lists": s["lists"], "list_pages": s["list_pages"],
                    "removed": s["removed"], "kept": s["kept"], "errors": s["errors"], "orphans": len(s["orphans"])}
        out = [dict({k: v for k, v in r.items() if k not in ("sweep", "baseline", "orphan_scan")},
                    sweep=plain(r["sweep"]), baseline=plain(r["baseline"]), orphan_scan=plain(r["orphan_scan"]))
               for r in rows]
        Path(args.json).write_text(json.dumps(out, indent=1, default=str))


if __name__ == "__main__":
    main()
