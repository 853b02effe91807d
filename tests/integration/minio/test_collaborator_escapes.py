# -*- coding: utf-8 -*-
"""Adversarial suite: a collaborator tries to leave its folder and its time, with real clients.

Three collaborators are created through the real ``minio_collaborator`` module
(ansible-playbook), each on its own folder ``results/<project>/`` of one
bucket:

* ``ro``: read-only, 30 days;
* ``rw``: read-write, 30 days;
* ``expired``: read-write (the widest grant), created with ``expires_at``
  25 seconds ahead; its attempts run once that moment has passed, with no
  sweep and no module run in between, so only the server's own evaluation
  of the policy can stop it. It must be denied everything, its own folder
  included.

The bucket is versioned with ``results/`` excluded (MinIO's ExcludedPrefixes),
as the lab lays it out: in ``results/`` an overwrite or a removal is final; in
``internal/`` old versions and delete markers exist, and a collaborator must
not reach them either.

Each attack is one entry of ``ATTACKS`` and runs once per access kind it
applies to (pytest id ``<kind>-<client>-<attack>``). Every attack sends real
requests (boto3, the minio SDK's admin client, raw signed HTTP, unsigned HTTP
or the real ``mc``) and asserts the server's refusal code; then the server
state (IAM through the root admin client, every object version, bucket
configurations, the records bucket, and whether each collaborator's secret
still authenticates) must be exactly as before. The ``test_legitimate_access_*``
controls show that the same credentials do work inside the folder (and that
the "expired" one did before its expiry), so "denied" means something.
``test_attempt_count`` checks that each kind faces at least 30 attempts.

Two more tests cover the module's side: a run after the expiry disables the
user at once, and ``rotate: true`` / ``state: absent`` end the service
accounts and STS credentials derived from the collaborator.

MinIO behaviours the attacks rely on (cmd/ of RELEASE.2025-10-15T17-29-55Z):
ListObjectVersions falls back to s3:ListBucket (auth-handler.go); listing
one's own service accounts and AccountInfo consult no policy at all
(admin-handlers-users.go), so they are checked for what they reveal; STS
AssumeRole checks no policy (sts-handlers.go), so its credentials are checked
instead; PutObjectRetention only authenticates before refusing a bucket
without object lock (object-handlers.go).
"""

from __future__ import annotations

import datetime
import json
import secrets
import time
from dataclasses import dataclass
from typing import Callable, Tuple

import pytest

from escape_clients import (
    CREDENTIALS_REJECTED, DENIED, Outcome, admin_call, admin_client, assert_denied, assert_granted, boto3_call,
    boto3_client, fetch_url, mc_outcome, object_versions, put_bytes, raw_request, server_state, state_diff,
)
from minio_testbed import Mc

KINDS = ("ro", "rw", "expired")
ALL = KINDS
PROJECTS = {"ro": "chu-liege", "rw": "chu-nantes", "expired": "chu-lyon"}
ACCESS = {"ro": "read-only", "rw": "read-write", "expired": "read-write"}
EXPIRY_DELAY = 25  # seconds between creating the "expired" collaborator and its expiry
RECORDS_BUCKET = "s3share-admin"
MIN_ATTEMPTS_PER_KIND = 30


# =========================================================================== the world
@pytest.fixture(scope="module")
def escape_mc(binaries, pki, tmp_path_factory):
    """The real mc binary (minio_testbed.Mc), with its own config directory for this module."""
    return Mc(binaries["mc"], tmp_path_factory.mktemp("mc-escapes"), pki["ca_path"])


@pytest.fixture(scope="module")
def world(server, escape_mc):
    """Buckets and objects an attacker would want, laid out as the lab does.

    * ``<tag>-ligan``: versioning Enabled with ``results/`` excluded. For each
      project P: ``results/P/genome.vcf`` (overwritten once: the first content
      must be gone), ``results/P/run1/reads.bam``, ``results/P/mistake.vcf``
      (mirrored by mistake, then removed with ``mc rm``), the sibling
      ``results/P-2/secret.vcf`` and the archive ``results/P.tar.gz`` next to
      the folder. Shared: ``results/other/patient.vcf``,
      ``results/README.txt``; ``internal/plan.txt`` with an old version and
      ``internal/deleted.vcf`` behind a delete marker. A multipart upload
      started by the root in ``results/other/`` is left in progress.
    * ``<tag>-impact``: the same project folders in another bucket.
    * ``<tag>-empty``: an empty bucket (deleting it would succeed if allowed).
    * an internal user ``<tag>pub`` (readwrite) with a service account.
    """
    from minio.versioningconfig import ENABLED, VersioningConfig
    s3, admin = server.clients()
    tag = "e" + secrets.token_hex(3)
    bucket, other, empty = tag + "-ligan", tag + "-impact", tag + "-empty"
    for name in (bucket, other, empty):
        s3.make_bucket(name)
    s3.set_bucket_versioning(bucket, VersioningConfig(ENABLED, excluded_prefixes=["results/"]))
    escape_mc.alias("root", server, server.access_key, server.secret_key)
    current = {}

    def put(b, key, data):
        put_bytes(s3, b, key, data)
        current[(b, key)] = data

    for project in PROJECTS.values():
        put(bucket, "results/%s/genome.vcf" % project, b"OLD-GENOME " + project.encode())
        put(bucket, "results/%s/genome.vcf" % project, b"ACGT " + project.encode())
        put(bucket, "results/%s/run1/reads.bam" % project, b"BAM " + project.encode())
        put(bucket, "results/%s/mistake.vcf" % project, b"MISTAKE " + project.encode())
        proc = escape_mc("rm", "root/%s/results/%s/mistake.vcf" % (bucket, project))
        assert proc.returncode == 0, proc.stdout + proc.stderr
        del current[(bucket, "results/%s/mistake.vcf" % project)]
        put(bucket, "results/%s-2/secret.vcf" % project, b"SIBLING " + project.encode())
        put(bucket, "results/%s.tar.gz" % project, b"ARCHIVE " + project.encode())
        put(other, "results/%s/x.vcf" % project, b"OTHER-BUCKET " + project.encode())
    put(bucket, "results/other/patient.vcf", b"PATIENT")
    put(bucket, "results/README.txt", b"PARENT")
    put(bucket, "internal/plan.txt", b"INTERNAL-OLD")
    put(bucket, "internal/plan.txt", b"INTERNAL-NEW")
    put(bucket, "internal/deleted.vcf", b"INTERNAL-DELETED")
    s3.remove_object(bucket, "internal/deleted.vcf")
    del current[(bucket, "internal/deleted.vcf")]

    versions = object_versions(s3, bucket)
    by_key = {}
    for row in versions:
        by_key.setdefault(row[0], []).append(row)
    # The layout is what the lab relies on; fail loudly if MinIO did otherwise.
    for key, rows in by_key.items():
        if key.startswith("results/"):
            assert [(r[1], r[2], r[3]) for r in rows] == [("null", True, False)], (key, rows)
    assert not any("mistake" in key for key in by_key), "mc rm left a version of mistake.vcf in results/"
    plan = by_key["internal/plan.txt"]
    assert len(plan) == 2, plan
    old_plan = [r[1] for r in plan if not r[2]][0]
    deleted = by_key["internal/deleted.vcf"]
    assert sorted(r[3] for r in deleted) == [False, True], deleted
    deleted_data = [r[1] for r in deleted if not r[3]][0]

    root_s3 = boto3_client(server, server.access_key, server.secret_key)
    upload = root_s3.create_multipart_upload(Bucket=bucket, Key="results/other/big.bin")["UploadId"]
    root_s3.upload_part(Bucket=bucket, Key="results/other/big.bin", UploadId=upload, PartNumber=1, Body=b"PART")

    publisher = tag + "pub"
    admin.user_add(publisher, "Publisher-" + secrets.token_hex(8))
    admin.policy_set("readwrite", user=publisher)
    proc = escape_mc("admin", "user", "svcacct", "add", "root", publisher)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    publisher_svc = json.loads(proc.stdout.splitlines()[-1])["accessKey"]

    yield {"tag": tag, "bucket": bucket, "other": other, "empty": empty, "current": current,
           "initial_versions": {bucket: versions, other: object_versions(s3, other)},
           "old_plan": old_plan, "deleted_data": deleted_data, "root_upload": upload,
           "publisher": publisher, "publisher_svc": publisher_svc, "intruder": tag + "intruder",
           "versioning": VersioningConfig(ENABLED, excluded_prefixes=["results/"])}
    try:
        root_s3.abort_multipart_upload(Bucket=bucket, Key="results/other/big.bin", UploadId=upload)
    except Exception:  # pylint: disable=broad-except
        pass


def _rev_args(world):  # pylint: disable=invalid-name
    return {"name": world["tag"] + "-rev", "bucket": world["bucket"], "prefix": "results/" + PROJECTS["ro"],
            "days": 2}


@pytest.fixture(scope="module")
def collaborators(server, ansible, world, escape_mc):
    """ro, rw and expired, created in one real ansible-playbook run of minio_collaborator, and removed
    (state: absent) in one run at the end of the module."""
    tag = world["tag"]
    until = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + \
        datetime.timedelta(seconds=EXPIRY_DELAY)
    tasks = []
    for kind in KINDS:
        args = {"name": "%s-%s" % (tag, kind), "bucket": world["bucket"], "prefix": "results/" + PROJECTS[kind],
                "access": ACCESS[kind]}
        if kind == "expired":
            args["expires_at"] = until.strftime("%Y-%m-%dT%H:%M:%SZ")
        else:
            args["days"] = 30
        tasks.append({"name": "collaborator %s" % kind, "egid.s3share.minio_collaborator": args})
    # A fourth one, for test_rotation_and_removal_revoke_derived_credentials (one playbook run for all).
    tasks.append({"name": "collaborator rev", "egid.s3share.minio_collaborator": _rev_args(world)})
    results = ansible.run(server, tasks)
    assert len(results) == len(KINDS) + 1, results
    assert not results[-1].get("failed"), results[-1].get("msg")
    found = {"_rev": results[-1]}
    for kind, result in zip(KINDS, results):
        assert not result.get("failed"), result.get("msg")
        creds = result["credentials"]
        found[kind] = {"kind": kind, "name": "%s-%s" % (tag, kind), "access_key": creds["access_key"],
                       "secret_key": creds["secret_key"], "project": PROJECTS[kind],
                       "expires_at": result["expires_at"], "policy": result["collaborator"]["policy"]}
        escape_mc.alias(kind, server, creds["access_key"], creds["secret_key"])
    # Control: before its expiry, the "expired" collaborator could read its folder, so what it
    # is denied later is denied because of the time, not because it never had access.
    exp = found["expired"]
    control = boto3_call(boto3_client(server, exp["access_key"], exp["secret_key"]).get_object,
                         Bucket=world["bucket"], Key="results/%s/genome.vcf" % exp["project"])
    exp["before_expiry"] = (control, datetime.datetime.now(datetime.timezone.utc))
    yield found
    names = [found[kind]["name"] for kind in KINDS] + [_rev_args(world)["name"]]
    ansible.run(server, [{"egid.s3share.minio_collaborator": {"name": name, "state": "absent"},
                          "ignore_errors": True} for name in names])


class Ctx:
    """One collaborator seen from the attacker's side, with every client it can use."""

    def __init__(self, server, world, collab, mc):
        self.server, self.world, self.mc_bin = server, world, mc
        self.kind = collab["kind"]
        self.name = collab["name"]
        self.access_key, self.secret_key = collab["access_key"], collab["secret_key"]
        self.project = collab["project"]
        self.prefix = "results/%s/" % self.project
        self.own_key = self.prefix + "genome.vcf"
        self.bucket, self.other, self.empty = world["bucket"], world["other"], world["empty"]
        self.alias = self.kind
        self.s3 = boto3_client(server, self.access_key, self.secret_key)
        self.admin = admin_client(server, self.access_key, self.secret_key)

    def boto(self, operation, **kwargs) -> Outcome:
        return boto3_call(getattr(self.s3, operation), **kwargs)

    def adm(self, operation, *args, **kwargs) -> Outcome:
        return admin_call(getattr(self.admin, operation), *args, **kwargs)

    def mc(self, *args, input_text=None) -> Outcome:
        return mc_outcome(self.mc_bin(*args, input_text=input_text))

    def path(self, bucket, key=""):
        return "%s/%s/%s" % (self.alias, bucket, key) if key else "%s/%s" % (self.alias, bucket)

    def current_keys(self, prefix):
        s3 = self.server.clients()[0]
        return sorted((o.object_name, o.etag) for o in s3.list_objects(self.bucket, prefix=prefix, recursive=True))


@pytest.fixture(scope="module")
def contexts(server, world, collaborators, escape_mc):
    return {kind: Ctx(server, world, collaborators[kind], escape_mc) for kind in KINDS}


def _wait_for_expiry(collab):
    expiry = datetime.datetime.fromisoformat(collab["expires_at"].replace("Z", "+00:00"))
    remaining = (expiry - datetime.datetime.now(datetime.timezone.utc)).total_seconds() + 1.5
    if remaining > 0:
        time.sleep(remaining)


# =========================================================================== state and repair
class State:
    """Before/after pictures of the server, and a best-effort repair after an escape."""

    def __init__(self, server, world, collaborators):
        self.server, self.world, self.collaborators = server, world, collaborators
        self.root = server.clients()   # one connection pool for every picture
        # The intruder is the user the "admin-user-add-new-user" attack tries to create.
        self.users = [collaborators[k]["access_key"] for k in KINDS] + [world["publisher"], world["intruder"]]
        self.buckets = [world["bucket"], world["other"], world["empty"]]
        self.probes = [(k, self._probe(collaborators[k])) for k in KINDS]

    def _probe(self, collab):
        client = boto3_client(self.server, collab["access_key"], collab["secret_key"])
        prefix = "results/%s/" % collab["project"]

        def probe():
            # Whether the known secret still authenticates; granted or policy-denied both mean yes.
            outcome = boto3_call(client.list_objects_v2, Bucket=self.world["bucket"], Prefix=prefix, MaxKeys=1)
            return "authenticates" if outcome.ok or outcome.code in DENIED else outcome.code
        return probe

    def snapshot(self, detail=()):
        return server_state(self.root, self.buckets, RECORDS_BUCKET, self.users, self.probes, detail)

    # The picture taken after one attempt is the picture before the next one: nothing runs in
    # between. Anything else that touches the server (repair, the control tests) drops it.
    _last = None

    def before(self, detail=()):
        if self._last is not None and self._last[0] == tuple(detail):
            return self._last[1]
        return self.snapshot(detail)

    def remember(self, detail, picture):
        self._last = (tuple(detail), picture)

    def invalidate(self):
        self._last = None

    def repair(self):
        """Put back what an escape changed, so that later attempts still test something."""
        s3, admin = self.server.clients()
        for collab in (self.collaborators[k] for k in KINDS):
            key = collab["access_key"]
            for account in json.loads(admin.list_service_account(key)).get("accounts") or []:
                admin.delete_service_account(account["accessKey"])
            info = json.loads(admin.user_info(key))
            probe = dict(self.probes)[collab["kind"]]
            if probe() != "authenticates":
                admin.user_add(key, collab["secret_key"])
            if info.get("policyName") != collab["policy"]:
                admin.policy_set(collab["policy"], user=key)
        for account in json.loads(admin.list_service_account(self.world["publisher"])).get("accounts") or []:
            if account["accessKey"] != self.world["publisher_svc"]:
                admin.delete_service_account(account["accessKey"])
        if self.world["intruder"] in json.loads(admin.user_list()):
            admin.user_remove(self.world["intruder"])
        wanted = self.world["initial_versions"]
        for bucket, rows in wanted.items():
            known = {(r[0], r[1]) for r in rows}
            for row in object_versions(s3, bucket):
                if (row[0], row[1]) not in known:
                    s3.remove_object(bucket, row[0], version_id=None if row[1] in (None, "null") else row[1])
        for (bucket, key), data in self.world["current"].items():
            try:
                ok = s3.get_object(bucket, key).read() == data
            except Exception:  # pylint: disable=broad-except
                ok = False
            if not ok:
                put_bytes(s3, bucket, key, data)
        for bucket in self.buckets:
            if not s3.bucket_exists(bucket):
                s3.make_bucket(bucket)
            s3.delete_bucket_policy(bucket)
            s3.delete_bucket_lifecycle(bucket)
            s3.delete_bucket_tags(bucket)
        s3.set_bucket_versioning(self.world["bucket"], self.world["versioning"])
        for bucket in s3.list_buckets():
            if bucket.name.startswith(self.world["tag"]) and bucket.name not in self.buckets:
                s3.remove_bucket(bucket.name)


@pytest.fixture(scope="module")
def state(server, world, collaborators):
    return State(server, world, collaborators)


# =========================================================================== the attacks
@dataclass
class Attack:
    client: str
    slug: str
    func: Callable
    kinds: Tuple[str, ...]
    iam: object

    @property
    def id(self):
        return "%s-%s" % (self.client, self.slug)


ATTACKS = []


def attack(client, slug, kinds=ALL, iam=False):
    """Register an escape attempt. ``iam``: the attempt targets the admin or STS APIs, so the state
    comparison also lists the attacker's service accounts (an Argon2-encrypted answer, costly);
    ``iam="publisher"``: those of the internal user it targets too."""
    def register(func):
        ATTACKS.append(Attack(client, slug, func, tuple(kinds), iam))
        return func
    return register


# A key or prefix with '..' is rejected before any policy check; a HEAD (mc stats first) carries no
# error body, so only its status, 400, is seen.
DOTDOT = DENIED + ("XMinioInvalidResourceName", "BadRequest")
OTHER = "results/other/patient.vcf"


def _denied_or_empty_listing(outcome, what):
    """A listing may be refused, or answered with nothing: either way nothing is revealed."""
    if outcome.ok:
        value = outcome.value or {}
        leaked = value.get("Contents") or value.get("CommonPrefixes") or value.get("Versions") \
            or value.get("DeleteMarkers")
        assert not leaked, "ESCAPE %s revealed %r" % (what, leaked)
    else:
        assert outcome.code in DOTDOT, outcome


# ---------------------------------------------------------------- listing the bucket, the parent, the siblings
@attack("boto3", "list-buckets")
def attack_boto3_list_buckets(ctx):
    """ListBuckets: the names of the lab's buckets are not the collaborator's business."""
    assert_denied(ctx.boto("list_buckets"), what="ListBuckets")


@attack("mc", "ls-buckets")
def attack_mc_ls_buckets(ctx):
    """mc ls <alias>: the bucket list through mc."""
    assert_denied(ctx.mc("ls", ctx.alias), what="mc ls alias")


@attack("boto3", "list-bucket-root")
def attack_boto3_list_bucket_root(ctx):
    """ListObjectsV2 on the bucket root (no prefix), recursive."""
    assert_denied(ctx.boto("list_objects_v2", Bucket=ctx.bucket), what="list bucket root")


@attack("mc", "ls-bucket-root")
def attack_mc_ls_bucket_root(ctx):
    """mc ls --recursive on the bucket."""
    assert_denied(ctx.mc("ls", "--recursive", ctx.path(ctx.bucket)), what="mc ls bucket")


@attack("boto3", "list-v1-bucket-root-marker")
def attack_boto3_list_v1_bucket_root_marker(ctx):
    """ListObjects (v1) on the root with a Marker just before the collaborator's own folder."""
    assert_denied(ctx.boto("list_objects", Bucket=ctx.bucket, Marker=ctx.prefix[:-2]), what="list v1 root")


@attack("boto3", "list-results-parent")
def attack_boto3_list_results_parent(ctx):
    """ListObjectsV2 Prefix=results/ Delimiter=/: would name every project."""
    assert_denied(ctx.boto("list_objects_v2", Bucket=ctx.bucket, Prefix="results/", Delimiter="/"),
                  what="list results/")


@attack("mc", "ls-results-parent")
def attack_mc_ls_results_parent(ctx):
    """mc ls <bucket>/results/."""
    assert_denied(ctx.mc("ls", ctx.path(ctx.bucket, "results/")), what="mc ls results/")


@attack("boto3", "list-prefix-without-slash")
def attack_boto3_list_prefix_without_slash(ctx):
    """ListObjectsV2 Prefix=results/<project> (no slash): would reveal results/<project>-2/ and .tar.gz."""
    assert_denied(ctx.boto("list_objects_v2", Bucket=ctx.bucket, Prefix=ctx.prefix[:-1], Delimiter="/"),
                  what="list prefix without slash")


@attack("mc", "ls-prefix-without-slash")
def attack_mc_ls_prefix_without_slash(ctx):
    """mc ls <bucket>/results/<project> (no slash)."""
    assert_denied(ctx.mc("ls", ctx.path(ctx.bucket, ctx.prefix[:-1])), what="mc ls prefix without slash")


@attack("boto3", "list-sibling-project")
def attack_boto3_list_sibling_project(ctx):
    """ListObjectsV2 on results/<project>-2/, the sibling that shares the name's beginning."""
    assert_denied(ctx.boto("list_objects_v2", Bucket=ctx.bucket, Prefix=ctx.prefix[:-1] + "-2/"),
                  what="list sibling")


@attack("mc", "ls-sibling-project")
def attack_mc_ls_sibling_project(ctx):
    """mc ls --recursive results/<project>-2/."""
    assert_denied(ctx.mc("ls", "--recursive", ctx.path(ctx.bucket, ctx.prefix[:-1] + "-2/")),
                  what="mc ls sibling")


@attack("boto3", "list-other-project")
def attack_boto3_list_other_project(ctx):
    """ListObjectsV2 on results/other/."""
    assert_denied(ctx.boto("list_objects_v2", Bucket=ctx.bucket, Prefix="results/other/"), what="list other")


@attack("boto3", "list-internal")
def attack_boto3_list_internal(ctx):
    """ListObjectsV2 on internal/, the versioned area."""
    assert_denied(ctx.boto("list_objects_v2", Bucket=ctx.bucket, Prefix="internal/"), what="list internal/")


@attack("boto3", "list-other-bucket-same-prefix")
def attack_boto3_list_other_bucket_same_prefix(ctx):
    """ListObjectsV2 on the same folder name in another bucket."""
    assert_denied(ctx.boto("list_objects_v2", Bucket=ctx.other, Prefix=ctx.prefix), what="list other bucket")


@attack("mc", "ls-other-bucket-same-prefix")
def attack_mc_ls_other_bucket_same_prefix(ctx):
    """mc ls --recursive <other bucket>/results/<project>/."""
    assert_denied(ctx.mc("ls", "--recursive", ctx.path(ctx.other, ctx.prefix)), what="mc ls other bucket")


@attack("boto3", "list-empty-bucket")
def attack_boto3_list_empty_bucket(ctx):
    """ListObjectsV2 on an empty bucket (confirms its existence if answered)."""
    assert_denied(ctx.boto("list_objects_v2", Bucket=ctx.empty), what="list empty bucket")


@attack("boto3", "list-dotdot-prefix")
def attack_boto3_list_dotdot_prefix(ctx):
    """ListObjectsV2 Prefix=results/<project>/../other/: matches the s3:prefix pattern <prefix>/*;
    must be refused or list nothing (MinIO does not resolve '..' in a prefix)."""
    _denied_or_empty_listing(ctx.boto("list_objects_v2", Bucket=ctx.bucket, Prefix=ctx.prefix + "../other/"),
                             "list dotdot prefix")


@attack("mc", "find-bucket")
def attack_mc_find_bucket(ctx):
    """mc find <bucket> --name '*.vcf': a recursive search from the root."""
    assert_denied(ctx.mc("find", ctx.path(ctx.bucket), "--name", "*.vcf"), what="mc find")


@attack("mc", "du-bucket")
def attack_mc_du_bucket(ctx):
    """mc du <bucket>: sizes of the whole bucket."""
    assert_denied(ctx.mc("du", "--depth", "2", ctx.path(ctx.bucket)), what="mc du")


# ---------------------------------------------------------------- reading outside the folder
@attack("boto3", "get-sibling-project")
def attack_boto3_get_sibling_project(ctx):
    """GetObject results/<project>-2/secret.vcf."""
    assert_denied(ctx.boto("get_object", Bucket=ctx.bucket, Key=ctx.prefix[:-1] + "-2/secret.vcf"),
                  what="get sibling")


@attack("mc", "cat-sibling-project")
def attack_mc_cat_sibling_project(ctx):
    """mc cat results/<project>-2/secret.vcf."""
    assert_denied(ctx.mc("cat", ctx.path(ctx.bucket, ctx.prefix[:-1] + "-2/secret.vcf")), what="mc cat sibling")


@attack("boto3", "get-other-project")
def attack_boto3_get_other_project(ctx):
    """GetObject results/other/patient.vcf."""
    assert_denied(ctx.boto("get_object", Bucket=ctx.bucket, Key=OTHER), what="get other")


@attack("mc", "cat-other-project")
def attack_mc_cat_other_project(ctx):
    """mc cat results/other/patient.vcf."""
    assert_denied(ctx.mc("cat", ctx.path(ctx.bucket, OTHER)), what="mc cat other")


@attack("boto3", "head-other-project")
def attack_boto3_head_other_project(ctx):
    """HeadObject results/other/patient.vcf (existence and size)."""
    assert_denied(ctx.boto("head_object", Bucket=ctx.bucket, Key=OTHER), what="head other")


@attack("mc", "stat-other-project")
def attack_mc_stat_other_project(ctx):
    """mc stat results/other/patient.vcf."""
    assert_denied(ctx.mc("stat", ctx.path(ctx.bucket, OTHER)), what="mc stat other")


@attack("boto3", "get-parent-object")
def attack_boto3_get_parent_object(ctx):
    """GetObject results/README.txt, one level above the folder."""
    assert_denied(ctx.boto("get_object", Bucket=ctx.bucket, Key="results/README.txt"), what="get parent")


@attack("boto3", "get-folder-name-archive")
def attack_boto3_get_folder_name_archive(ctx):
    """GetObject results/<project>.tar.gz: starts with the folder's name but is not in it."""
    assert_denied(ctx.boto("get_object", Bucket=ctx.bucket, Key=ctx.prefix[:-1] + ".tar.gz"), what="get archive")


@attack("boto3", "get-other-bucket-same-prefix")
def attack_boto3_get_other_bucket_same_prefix(ctx):
    """GetObject of the same folder in another bucket."""
    assert_denied(ctx.boto("get_object", Bucket=ctx.other, Key=ctx.prefix + "x.vcf"), what="get other bucket")


@attack("mc", "cat-other-bucket-same-prefix")
def attack_mc_cat_other_bucket_same_prefix(ctx):
    """mc cat of the same folder in another bucket."""
    assert_denied(ctx.mc("cat", ctx.path(ctx.other, ctx.prefix + "x.vcf")), what="mc cat other bucket")


@attack("boto3", "get-dotdot-key")
def attack_boto3_get_dotdot_key(ctx):
    """GetObject results/<project>/../other/patient.vcf (the key starts with the allowed folder)."""
    assert_denied(ctx.boto("get_object", Bucket=ctx.bucket, Key=ctx.prefix + "../other/patient.vcf"),
                  DOTDOT, "get dotdot key")


@attack("mc", "cat-dotdot-key")
def attack_mc_cat_dotdot_key(ctx):
    """mc cat results/<project>/../other/patient.vcf."""
    assert_denied(ctx.mc("cat", ctx.path(ctx.bucket, ctx.prefix + "../other/patient.vcf")), DOTDOT,
                  "mc cat dotdot key")


@attack("raw", "get-encoded-dotdot")
def attack_raw_get_encoded_dotdot(ctx):
    """Signed GET /<bucket>/results/<project>/%2e%2e/other/patient.vcf, sent byte for byte."""
    path = "/%s/%s%%2e%%2e/other/patient.vcf" % (ctx.bucket, ctx.prefix)
    assert_denied(raw_request(ctx.server, "GET", path, ctx.access_key, ctx.secret_key), DOTDOT, path)


@attack("raw", "get-encoded-slash-dotdot")
def attack_raw_get_encoded_slash_dotdot(ctx):
    """Signed GET /<bucket>/results/<project>/..%2f..%2fresults/other/patient.vcf."""
    path = "/%s/%s..%%2f..%%2fresults/other/patient.vcf" % (ctx.bucket, ctx.prefix)
    assert_denied(raw_request(ctx.server, "GET", path, ctx.access_key, ctx.secret_key), DOTDOT, path)


@attack("raw", "get-double-slash")
def attack_raw_get_double_slash(ctx):
    """Signed GET /<bucket>//results/other/patient.vcf (empty first segment)."""
    path = "/%s//%s" % (ctx.bucket, OTHER)
    assert_denied(raw_request(ctx.server, "GET", path, ctx.access_key, ctx.secret_key), DOTDOT, path)


@attack("raw", "get-double-slash-dotdot")
def attack_raw_get_double_slash_dotdot(ctx):
    """Signed GET /<bucket>/results/<project>//../other/patient.vcf."""
    path = "/%s/%s/../other/patient.vcf" % (ctx.bucket, ctx.prefix)
    assert_denied(raw_request(ctx.server, "GET", path, ctx.access_key, ctx.secret_key), DOTDOT, path)


# ---------------------------------------------------------------- the records bucket
@attack("boto3", "records-list")
def attack_boto3_records_list(ctx):
    """ListObjectsV2 on s3share-admin, which holds every collaborator's record."""
    assert_denied(ctx.boto("list_objects_v2", Bucket=RECORDS_BUCKET), what="list records")


@attack("mc", "ls-records")
def attack_mc_ls_records(ctx):
    """mc ls --recursive s3share-admin."""
    assert_denied(ctx.mc("ls", "--recursive", ctx.path(RECORDS_BUCKET)), what="mc ls records")


@attack("boto3", "records-get-own-record")
def attack_boto3_records_get_own_record(ctx):
    """GetObject s3share-admin/collaborators/<own name>.json."""
    assert_denied(ctx.boto("get_object", Bucket=RECORDS_BUCKET, Key="collaborators/%s.json" % ctx.name),
                  what="get own record")


@attack("mc", "cat-records-other-record")
def attack_mc_cat_records_other_record(ctx):
    """mc cat another collaborator's record."""
    other = [k for k in KINDS if k != ctx.kind][0]
    key = "collaborators/%s-%s.json" % (ctx.world["tag"], other)
    assert_denied(ctx.mc("cat", ctx.path(RECORDS_BUCKET, key)), what="mc cat other record")


# ---------------------------------------------------------------- versions
def _assert_only_current(ctx, keys_and_etags, delete_markers, what):
    current = ctx.current_keys(ctx.prefix)
    assert not delete_markers, "ESCAPE %s: delete markers revealed: %r" % (what, delete_markers)
    assert sorted(keys_and_etags) == current, \
        "ESCAPE %s: versions listing revealed %r, the current objects are %r" % (what, keys_and_etags, current)


@attack("boto3", "list-versions-own-prefix")
def attack_boto3_list_versions_own_prefix(ctx):
    """ListObjectVersions Prefix=results/<project>/: MinIO answers it with s3:ListBucket, so it may be
    answered, but must show only the current objects (no removed mistake.vcf, no first genome.vcf)."""
    outcome = ctx.boto("list_object_versions", Bucket=ctx.bucket, Prefix=ctx.prefix)
    if ctx.kind == "expired":
        assert_denied(outcome, what="list versions after expiry")
        return
    if outcome.ok:
        versions = outcome.value.get("Versions") or []
        assert all(v["IsLatest"] for v in versions), versions
        _assert_only_current(ctx, [(v["Key"], v["ETag"].strip('"')) for v in versions],
                             outcome.value.get("DeleteMarkers") or [], "ListObjectVersions own prefix")
    else:
        assert outcome.code in DENIED, outcome


@attack("mc", "ls-versions-own-prefix")
def attack_mc_ls_versions_own_prefix(ctx):
    """mc ls --versions --recursive on the own folder: current objects only, if answered."""
    outcome = ctx.mc("ls", "--versions", "--recursive", ctx.path(ctx.bucket, ctx.prefix))
    if ctx.kind == "expired":
        assert_denied(outcome, what="mc ls --versions after expiry")
        return
    if outcome.ok:
        rows = [r for r in outcome.value if isinstance(r, dict)]
        markers = [r for r in rows if r.get("isDeleteMarker")]
        assert all(r.get("versionId") in (None, "null") for r in rows), rows
        _assert_only_current(ctx, [(ctx.prefix + r["key"], r["etag"]) for r in rows if not r.get("isDeleteMarker")],
                             markers, "mc ls --versions own prefix")
    else:
        assert outcome.code in DENIED, outcome


@attack("boto3", "list-versions-bucket-root")
def attack_boto3_list_versions_bucket_root(ctx):
    """ListObjectVersions on the bucket root."""
    assert_denied(ctx.boto("list_object_versions", Bucket=ctx.bucket), what="list versions root")


@attack("boto3", "list-versions-internal")
def attack_boto3_list_versions_internal(ctx):
    """ListObjectVersions on internal/, where old versions and delete markers exist."""
    assert_denied(ctx.boto("list_object_versions", Bucket=ctx.bucket, Prefix="internal/"),
                  what="list versions internal")


@attack("boto3", "list-versions-prefix-without-slash")
def attack_boto3_list_versions_prefix_without_slash(ctx):
    """ListObjectVersions Prefix=results/<project> (no slash)."""
    assert_denied(ctx.boto("list_object_versions", Bucket=ctx.bucket, Prefix=ctx.prefix[:-1]),
                  what="list versions prefix without slash")


@attack("mc", "ls-versions-bucket-root")
def attack_mc_ls_versions_bucket_root(ctx):
    """mc ls --versions --recursive on the bucket."""
    assert_denied(ctx.mc("ls", "--versions", "--recursive", ctx.path(ctx.bucket)), what="mc ls --versions root")


@attack("boto3", "get-version-internal-old")
def attack_boto3_get_version_internal_old(ctx):
    """GetObject internal/plan.txt?versionId=<old version>."""
    assert_denied(ctx.boto("get_object", Bucket=ctx.bucket, Key="internal/plan.txt", VersionId=ctx.world["old_plan"]),
                  what="get old version")


@attack("boto3", "head-version-internal-old")
def attack_boto3_head_version_internal_old(ctx):
    """HeadObject internal/plan.txt?versionId=<old version>."""
    assert_denied(ctx.boto("head_object", Bucket=ctx.bucket, Key="internal/plan.txt",
                           VersionId=ctx.world["old_plan"]), what="head old version")


@attack("boto3", "get-version-behind-delete-marker")
def attack_boto3_get_version_behind_delete_marker(ctx):
    """GetObject internal/deleted.vcf?versionId=<the data behind the delete marker>."""
    assert_denied(ctx.boto("get_object", Bucket=ctx.bucket, Key="internal/deleted.vcf",
                           VersionId=ctx.world["deleted_data"]), what="get deleted version")


@attack("mc", "cat-version-internal-old")
def attack_mc_cat_version_internal_old(ctx):
    """mc cat --version-id <old> internal/plan.txt."""
    assert_denied(ctx.mc("cat", "--version-id", ctx.world["old_plan"], ctx.path(ctx.bucket, "internal/plan.txt")),
                  what="mc cat old version")


def _null_version_is_the_current_one(ctx, outcome, current, what):
    """A read naming versionId=null is allowed (the web console downloads so, docs/console.md): in an
    excluded folder "null" is the only version, so it may give the current object and nothing else."""
    if ctx.kind == "expired" or not outcome.ok:
        assert_denied(outcome, what=what)
        return
    assert current is not None and current == ctx.world["current"][(ctx.bucket, ctx.own_key)], \
        "ESCAPE %s gave something other than the current object: %r" % (what, current)


@attack("boto3", "get-versionid-null-own")
def attack_boto3_get_versionid_null_own(ctx):
    """GetObject of an own object with versionId=null: the current object at most."""
    outcome = ctx.boto("get_object", Bucket=ctx.bucket, Key=ctx.own_key, VersionId="null")
    _null_version_is_the_current_one(ctx, outcome, outcome.value.get("Body") if outcome.ok else None,
                                     "get versionId=null")


@attack("boto3", "head-versionid-null-own")
def attack_boto3_head_versionid_null_own(ctx):
    """HeadObject of an own object with versionId=null: the current object's size at most."""
    outcome = ctx.boto("head_object", Bucket=ctx.bucket, Key=ctx.own_key, VersionId="null")
    size = outcome.value.get("ContentLength") if outcome.ok else None
    current = ctx.world["current"][(ctx.bucket, ctx.own_key)]
    _null_version_is_the_current_one(ctx, outcome, current if size == len(current) else size,
                                     "head versionId=null")


@attack("mc", "cat-versionid-null-own")
def attack_mc_cat_versionid_null_own(ctx):
    """mc cat --version-id null on an own object: the current object at most."""
    proc = ctx.mc_bin("cat", "--version-id", "null", ctx.path(ctx.bucket, ctx.own_key))
    outcome = mc_outcome(proc)
    _null_version_is_the_current_one(ctx, outcome, proc.stdout.encode() if outcome.ok else None,
                                     "mc cat versionId=null")


@attack("boto3", "get-object-attributes-versionid-null")
def attack_boto3_get_object_attributes_versionid_null(ctx):
    """GetObjectAttributes with versionId=null on an own object."""
    assert_denied(ctx.boto("get_object_attributes", Bucket=ctx.bucket, Key=ctx.own_key, VersionId="null",
                           ObjectAttributes=["ETag", "ObjectSize"]), what="get attributes versionId=null")


@attack("boto3", "delete-versionid-null-own")
def attack_boto3_delete_versionid_null_own(ctx):
    """DeleteObject with versionId=null on an own object (a permanent, version-addressed delete)."""
    assert_denied(ctx.boto("delete_object", Bucket=ctx.bucket, Key=ctx.own_key, VersionId="null"),
                  what="delete versionId=null")


@attack("boto3", "delete-version-internal-old")
def attack_boto3_delete_version_internal_old(ctx):
    """DeleteObject internal/plan.txt?versionId=<old>."""
    assert_denied(ctx.boto("delete_object", Bucket=ctx.bucket, Key="internal/plan.txt",
                           VersionId=ctx.world["old_plan"]), what="delete old version")


@attack("mc", "rm-version-internal-old")
def attack_mc_rm_version_internal_old(ctx):
    """mc rm --version-id <old> internal/plan.txt."""
    assert_denied(ctx.mc("rm", "--version-id", ctx.world["old_plan"], ctx.path(ctx.bucket, "internal/plan.txt")),
                  what="mc rm old version")


@attack("boto3", "delete-objects-with-versionids")
def attack_boto3_delete_objects_with_versionids(ctx):
    """DeleteObjects (multi-delete) naming versions: own object's null version, an internal old version,
    and the data behind a delete marker. Each entry must come back as AccessDenied."""
    entries = [{"Key": ctx.own_key, "VersionId": "null"},
               {"Key": "internal/plan.txt", "VersionId": ctx.world["old_plan"]},
               {"Key": "internal/deleted.vcf", "VersionId": ctx.world["deleted_data"]}]
    outcome = ctx.boto("delete_objects", Bucket=ctx.bucket, Delete={"Objects": entries, "Quiet": False})
    if not outcome.ok:
        assert outcome.code in DENIED, outcome
        return
    deleted = outcome.value.get("Deleted") or []
    errors = {e["Key"]: e["Code"] for e in outcome.value.get("Errors") or []}
    assert not deleted, "ESCAPE multi-delete removed %r" % deleted
    assert errors == {e["Key"]: "AccessDenied" for e in entries}, errors


@attack("boto3", "copy-internal-old-version-into-own")
def attack_boto3_copy_internal_old_version_into_own(ctx):
    """CopyObject x-amz-copy-source: internal/plan.txt?versionId=<old> into the own folder."""
    source = {"Bucket": ctx.bucket, "Key": "internal/plan.txt", "VersionId": ctx.world["old_plan"]}
    assert_denied(ctx.boto("copy_object", Bucket=ctx.bucket, Key=ctx.prefix + "stolen.txt", CopySource=source),
                  what="copy old version")


@attack("raw", "copy-version-behind-delete-marker-into-own")
def attack_raw_copy_version_behind_delete_marker_into_own(ctx):
    """Signed PUT with a hand-written x-amz-copy-source carrying ?versionId= of deleted data."""
    headers = {"x-amz-copy-source": "/%s/internal/deleted.vcf?versionId=%s" % (ctx.bucket, ctx.world["deleted_data"])}
    path = "/%s/%sstolen-deleted.vcf" % (ctx.bucket, ctx.prefix)
    assert_denied(raw_request(ctx.server, "PUT", path, ctx.access_key, ctx.secret_key, headers=headers),
                  what="raw copy of a deleted version")


@attack("boto3", "copy-versionid-null-own-into-own")
def attack_boto3_copy_versionid_null_own_into_own(ctx):
    """CopyObject from an own object with ?versionId=null into the own folder: a read of versionId=null,
    which may give the current object and nothing else (the copy is removed again)."""
    source = {"Bucket": ctx.bucket, "Key": ctx.own_key, "VersionId": "null"}
    target = ctx.prefix + "copy-null.vcf"
    outcome = ctx.boto("copy_object", Bucket=ctx.bucket, Key=target, CopySource=source)
    copied = None
    if outcome.ok:
        read = ctx.boto("get_object", Bucket=ctx.bucket, Key=target)
        copied = read.value["Body"] if read.ok else None
        assert ctx.boto("delete_object", Bucket=ctx.bucket, Key=target).ok
    _null_version_is_the_current_one(ctx, outcome, copied, "copy versionId=null")


@attack("mc", "cp-version-internal-into-own")
def attack_mc_cp_version_internal_into_own(ctx):
    """mc cp --version-id <old> internal/plan.txt into the own folder."""
    assert_denied(ctx.mc("cp", "--version-id", ctx.world["old_plan"], ctx.path(ctx.bucket, "internal/plan.txt"),
                         ctx.path(ctx.bucket, ctx.prefix + "stolen-mc.txt")), what="mc cp old version")


@attack("boto3", "upload-part-copy-old-version")
def attack_boto3_upload_part_copy_old_version(ctx):
    """Multipart upload into the own folder whose part is copied from an internal old version."""
    key = ctx.prefix + "assembled.bin"
    created = ctx.boto("create_multipart_upload", Bucket=ctx.bucket, Key=key)
    if not created.ok:
        assert created.code in DENIED, created   # read-only and expired: no upload at all
        return
    upload = created.value["UploadId"]
    try:
        source = {"Bucket": ctx.bucket, "Key": "internal/plan.txt", "VersionId": ctx.world["old_plan"]}
        assert_denied(ctx.boto("upload_part_copy", Bucket=ctx.bucket, Key=key, UploadId=upload, PartNumber=1,
                               CopySource=source), what="upload part copy of an old version")
    finally:
        ctx.boto("abort_multipart_upload", Bucket=ctx.bucket, Key=key, UploadId=upload)


# ---------------------------------------------------------------- the admin API on itself
@attack("mc", "admin-svcacct-add-self", iam=True)
def attack_mc_admin_svcacct_add_self(ctx):
    """mc admin user svcacct add <alias> <own key>: a self-made access key would outlive any rotation."""
    assert_denied(ctx.mc("admin", "user", "svcacct", "add", ctx.alias, ctx.access_key), what="svcacct add")


@attack("minio-py", "add-service-account-self", iam=True)
def attack_minio_py_add_service_account_self(ctx):
    """MinioAdmin.add_service_account() signed by the collaborator."""
    assert_denied(ctx.adm("add_service_account", name="escape", description="escape test"),
                  what="add_service_account")


@attack("minio-py", "list-own-service-accounts", iam=True)
def attack_minio_py_list_own_service_accounts(ctx):
    """MinioAdmin.list_service_account(<own key>). MinIO answers this for oneself without consulting any
    policy (cmd/admin-handlers-users.go ListServiceAccounts), so it may be answered: it must then list none."""
    outcome = ctx.adm("list_service_account", ctx.access_key)
    if outcome.ok:
        assert not (outcome.value or {}).get("accounts"), "collaborator has service accounts: %r" % outcome.value
    else:
        assert outcome.code in DENIED, outcome


@attack("mc", "admin-svcacct-ls-self", iam=True)
def attack_mc_admin_svcacct_ls_self(ctx):
    """mc admin user svcacct ls <alias> <own key>: refused, or an empty list."""
    outcome = ctx.mc("admin", "user", "svcacct", "ls", ctx.alias, ctx.access_key)
    if outcome.ok:
        listed = [r for r in outcome.value if isinstance(r, dict) and r.get("accessKey")]
        assert not listed, "collaborator has service accounts: %r" % listed
    else:
        assert outcome.code in DENIED, outcome


@attack("minio-py", "list-service-accounts-of-another-user", iam=True)
def attack_minio_py_list_service_accounts_of_another_user(ctx):
    """MinioAdmin.list_service_account(<internal publisher>)."""
    assert_denied(ctx.adm("list_service_account", ctx.world["publisher"]), what="list publisher's accounts")


@attack("mc", "admin-svcacct-info-another-user", iam=True)
def attack_mc_admin_svcacct_info_another_user(ctx):
    """mc admin user svcacct info <alias> <publisher's service account>."""
    assert_denied(ctx.mc("admin", "user", "svcacct", "info", ctx.alias, ctx.world["publisher_svc"]),
                  what="svcacct info publisher")


@attack("mc", "admin-svcacct-add-for-another-user", iam="publisher")
def attack_mc_admin_svcacct_add_for_another_user(ctx):
    """mc admin user svcacct add <alias> <publisher>: an access key with the publisher's read-write rights."""
    assert_denied(ctx.mc("admin", "user", "svcacct", "add", ctx.alias, ctx.world["publisher"]),
                  what="svcacct add for publisher")


@attack("mc", "admin-user-add-self-password", iam=True)
def attack_mc_admin_user_add_self_password(ctx):
    """mc admin user add <alias> <own key> <new secret>: self-service password change (MinIO allows it on
    oneself unless denied); the known secret must still work afterwards (checked by the state probes)."""
    outcome = ctx.mc("admin", "user", "add", ctx.alias, ctx.access_key, "Escape-" + secrets.token_hex(12))
    assert_denied(outcome, what="self password change")


@attack("minio-py", "user-add-self-password", iam=True)
def attack_minio_py_user_add_self_password(ctx):
    """MinioAdmin.user_add(<own key>, <new secret>) signed by the collaborator."""
    assert_denied(ctx.adm("user_add", ctx.access_key, "Escape-" + secrets.token_hex(12)),
                  what="self password change (SDK)")


@attack("mc", "admin-user-info-self", iam=True)
def attack_mc_admin_user_info_self(ctx):
    """mc admin user info <alias> <own key>: allowed on oneself unless denied."""
    assert_denied(ctx.mc("admin", "user", "info", ctx.alias, ctx.access_key), what="user info self")


@attack("mc", "admin-policy-attach-readwrite-self", iam=True)
def attack_mc_admin_policy_attach_readwrite_self(ctx):
    """mc admin policy attach <alias> readwrite --user <own key>."""
    assert_denied(ctx.mc("admin", "policy", "attach", ctx.alias, "readwrite", "--user", ctx.access_key),
                  what="policy attach")


@attack("minio-py", "attach-policy-consoleadmin-self", iam=True)
def attack_minio_py_attach_policy_consoleadmin_self(ctx):
    """MinioAdmin.attach_policy(["consoleAdmin"], user=<own key>)."""
    assert_denied(ctx.adm("attach_policy", ["consoleAdmin"], user=ctx.access_key), what="attach consoleAdmin")


@attack("mc", "admin-info", iam=True)
def attack_mc_admin_info(ctx):
    """mc admin info <alias> (mc prints an error record and exits 0 when refused)."""
    assert_denied(ctx.mc("admin", "info", ctx.alias), what="admin info")


@attack("mc", "admin-user-ls", iam=True)
def attack_mc_admin_user_ls(ctx):
    """mc admin user ls <alias>: every user of the server."""
    assert_denied(ctx.mc("admin", "user", "ls", ctx.alias), what="user ls")


@attack("mc", "admin-user-add-new-user", iam=True)
def attack_mc_admin_user_add_new_user(ctx):
    """mc admin user add <alias> <new user> <secret>."""
    assert_denied(ctx.mc("admin", "user", "add", ctx.alias, ctx.world["intruder"],
                         "Intruder-" + secrets.token_hex(8)), what="user add")


@attack("mc", "admin-user-disable-another-user", iam=True)
def attack_mc_admin_user_disable_another_user(ctx):
    """mc admin user disable <alias> <publisher>."""
    assert_denied(ctx.mc("admin", "user", "disable", ctx.alias, ctx.world["publisher"]), what="user disable")


@attack("minio-py", "policy-list", iam=True)
def attack_minio_py_policy_list(ctx):
    """MinioAdmin.policy_list(): every policy document of the server."""
    assert_denied(ctx.adm("policy_list"), what="policy list")


@attack("minio-py", "account-info-prefix-usage", iam=True)
def attack_minio_py_account_info_prefix_usage(ctx):
    """MinioAdmin.account_info(prefix_usage=True). MinIO answers it without consulting admin policies; it
    lists, with bucket-wide size, object and version counts and top-level prefix usage, every bucket on
    which the caller holds s3:ListBucket (with an empty prefix), s3:GetBucketLocation or s3:PutObject.
    A collaborator must not see any bucket there."""
    outcome = ctx.adm("account_info", prefix_usage=True)
    if not outcome.ok:
        assert outcome.code in DENIED, outcome
        return
    buckets = [{k: b.get(k) for k in ("name", "size", "objects", "prefixUsage")}
               for b in (outcome.value or {}).get("Buckets") or []]
    assert not buckets, "ESCAPE account info reveals bucket-wide usage: %r" % buckets


# ---------------------------------------------------------------- STS
def _assert_derived_no_wider(ctx, creds, what):
    """STS keys derived from the collaborator (the web console's session, docs/console.md) get its policy:
    its own folder until its expiry, nothing else; the expired one gets nothing."""
    derived = boto3_client(ctx.server, creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    codes = DENIED + CREDENTIALS_REJECTED
    own = boto3_call(derived.get_object, Bucket=ctx.bucket, Key=ctx.own_key)
    if ctx.kind == "expired":
        assert_denied(own, codes, what + ": get own after the expiry")
        assert_denied(boto3_call(derived.list_objects_v2, Bucket=ctx.bucket, Prefix=ctx.prefix), codes,
                      what + ": list own after the expiry")
    else:
        assert own.ok and own.value["Body"] == ctx.world["current"][(ctx.bucket, ctx.own_key)], own
    assert_denied(boto3_call(derived.get_object, Bucket=ctx.bucket, Key=OTHER), codes, what + ": get other")
    assert_denied(boto3_call(derived.list_objects_v2, Bucket=ctx.bucket, Prefix="results/"), codes,
                  what + ": list results/")


@attack("boto3", "sts-assume-role", iam=True)
def attack_boto3_sts_assume_role(ctx):
    """STS AssumeRole with the collaborator's keys. MinIO's handler checks no policy, so it may return
    credentials; those get the collaborator's own policy and nothing more."""
    sts = boto3_client(ctx.server, ctx.access_key, ctx.secret_key, service="sts", validate=False)
    outcome = boto3_call(sts.assume_role, RoleArn="arn:xxx:xxx:xxx:xxxx", RoleSessionName="x",
                         DurationSeconds=3600)
    if not outcome.ok:
        assert outcome.code in DENIED, outcome
        return
    _assert_derived_no_wider(ctx, outcome.value["Credentials"], "STS credentials")


@attack("boto3", "sts-assume-role-with-session-policy", iam=True)
def attack_boto3_sts_assume_role_with_session_policy(ctx):
    """STS AssumeRole with an inline session policy granting s3:* on everything."""
    sts = boto3_client(ctx.server, ctx.access_key, ctx.secret_key, service="sts")
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:*"], "Resource": ["arn:aws:s3:::*"]}]})
    outcome = boto3_call(sts.assume_role, RoleArn="arn:xxx:xxx:xxx:xxxx", RoleSessionName="escape",
                         DurationSeconds=900, Policy=policy)
    if not outcome.ok:
        assert outcome.code in DENIED, outcome
        return
    _assert_derived_no_wider(ctx, outcome.value["Credentials"], "STS credentials with a session policy")


@attack("minio-py", "sts-then-svcacct-add", iam=True)
def attack_minio_py_sts_then_svcacct_add(ctx):
    """STS credentials, then add_service_account signed with them (a second-level derived key)."""
    sts = boto3_client(ctx.server, ctx.access_key, ctx.secret_key, service="sts")
    outcome = boto3_call(sts.assume_role, RoleArn="arn:xxx:xxx:xxx:xxxx", RoleSessionName="escape2",
                         DurationSeconds=900)
    if not outcome.ok:
        assert outcome.code in DENIED, outcome
        return
    creds = outcome.value["Credentials"]
    admin = admin_client(ctx.server, creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    assert_denied(admin_call(admin.add_service_account, name="escape"), DENIED + CREDENTIALS_REJECTED,
                  "svcacct add with STS credentials")


# ---------------------------------------------------------------- presigned and anonymous
@attack("boto3", "presigned-get-other-project")
def attack_boto3_presigned_get_other_project(ctx):
    """A GET URL presigned by the collaborator for results/other/patient.vcf, fetched with urllib."""
    url = ctx.s3.generate_presigned_url("get_object", Params={"Bucket": ctx.bucket, "Key": OTHER}, ExpiresIn=600)
    assert_denied(fetch_url(ctx.server, url), what="presigned GET other")


@attack("boto3", "presigned-get-old-version")
def attack_boto3_presigned_get_old_version(ctx):
    """A GET URL presigned by the collaborator for internal/plan.txt?versionId=<old>."""
    url = ctx.s3.generate_presigned_url("get_object", ExpiresIn=600, Params={
        "Bucket": ctx.bucket, "Key": "internal/plan.txt", "VersionId": ctx.world["old_plan"]})
    assert_denied(fetch_url(ctx.server, url), what="presigned GET old version")


@attack("boto3", "presigned-list-bucket-root")
def attack_boto3_presigned_list_bucket_root(ctx):
    """A ListObjectsV2 URL presigned by the collaborator for the bucket root."""
    url = ctx.s3.generate_presigned_url("list_objects_v2", Params={"Bucket": ctx.bucket}, ExpiresIn=600)
    assert_denied(fetch_url(ctx.server, url), what="presigned list root")


@attack("mc", "share-download-other-project")
def attack_mc_share_download_other_project(ctx):
    """mc share download of results/other/patient.vcf; if mc produces a URL, fetching it must fail."""
    outcome = ctx.mc("share", "download", "--expire", "1h", ctx.path(ctx.bucket, OTHER))
    if not outcome.ok:
        assert outcome.code in DENIED, outcome
        return
    urls = [r.get("share") for r in outcome.value if isinstance(r, dict) and r.get("share")]
    assert urls, outcome
    for url in urls:
        assert_denied(fetch_url(ctx.server, url), what="mc share URL")


@attack("anonymous", "get-own-object")
def attack_anonymous_get_own_object(ctx):
    """Unsigned GET of an object of the collaborator's folder (is anything public?)."""
    assert_denied(raw_request(ctx.server, "GET", "/%s/%s" % (ctx.bucket, ctx.own_key)), what="anonymous GET")


@attack("anonymous", "list-bucket")
def attack_anonymous_list_bucket(ctx):
    """Unsigned ListObjectsV2 on the bucket."""
    assert_denied(raw_request(ctx.server, "GET", "/%s/?list-type=2" % ctx.bucket), what="anonymous list")


# ---------------------------------------------------------------- writing outside the folder
@attack("boto3", "put-other-project")
def attack_boto3_put_other_project(ctx):
    """PutObject results/other/planted.vcf."""
    assert_denied(ctx.boto("put_object", Bucket=ctx.bucket, Key="results/other/planted.vcf", Body=b"x"),
                  what="put other")


@attack("mc", "pipe-other-project")
def attack_mc_pipe_other_project(ctx):
    """mc pipe into results/other/planted-mc.vcf."""
    assert_denied(ctx.mc("pipe", ctx.path(ctx.bucket, "results/other/planted-mc.vcf"), input_text="x"),
                  what="mc pipe other")


@attack("boto3", "put-sibling-project")
def attack_boto3_put_sibling_project(ctx):
    """PutObject results/<project>-2/planted.vcf."""
    assert_denied(ctx.boto("put_object", Bucket=ctx.bucket, Key=ctx.prefix[:-1] + "-2/planted.vcf", Body=b"x"),
                  what="put sibling")


@attack("boto3", "put-bucket-root")
def attack_boto3_put_bucket_root(ctx):
    """PutObject planted.txt at the bucket root."""
    assert_denied(ctx.boto("put_object", Bucket=ctx.bucket, Key="planted.txt", Body=b"x"), what="put root")


@attack("boto3", "put-key-equal-to-folder-name")
def attack_boto3_put_key_equal_to_folder_name(ctx):
    """PutObject results/<project> (the folder's name without the slash, outside <prefix>/*)."""
    assert_denied(ctx.boto("put_object", Bucket=ctx.bucket, Key=ctx.prefix[:-1], Body=b"x"),
                  what="put folder name")


@attack("boto3", "put-other-bucket-same-prefix")
def attack_boto3_put_other_bucket_same_prefix(ctx):
    """PutObject into the same folder name in another bucket."""
    assert_denied(ctx.boto("put_object", Bucket=ctx.other, Key=ctx.prefix + "planted.vcf", Body=b"x"),
                  what="put other bucket")


@attack("raw", "put-dotdot-key")
def attack_raw_put_dotdot_key(ctx):
    """Signed PUT /<bucket>/results/<project>/../other/planted.vcf sent byte for byte."""
    path = "/%s/%s../other/planted.vcf" % (ctx.bucket, ctx.prefix)
    assert_denied(raw_request(ctx.server, "PUT", path, ctx.access_key, ctx.secret_key, body=b"x"), DOTDOT, path)


@attack("boto3", "delete-other-project")
def attack_boto3_delete_other_project(ctx):
    """DeleteObject results/other/patient.vcf."""
    assert_denied(ctx.boto("delete_object", Bucket=ctx.bucket, Key=OTHER), what="delete other")


@attack("mc", "rm-recursive-other-project")
def attack_mc_rm_recursive_other_project(ctx):
    """mc rm --recursive --force results/other/."""
    assert_denied(ctx.mc("rm", "--recursive", "--force", ctx.path(ctx.bucket, "results/other/")),
                  what="mc rm other")


@attack("boto3", "delete-objects-outside")
def attack_boto3_delete_objects_outside(ctx):
    """DeleteObjects (multi-delete, no versions) of objects outside the folder."""
    keys = [OTHER, ctx.prefix[:-1] + "-2/secret.vcf", "internal/plan.txt"]
    outcome = ctx.boto("delete_objects", Bucket=ctx.bucket, Delete={"Objects": [{"Key": k} for k in keys]})
    if not outcome.ok:
        assert outcome.code in DENIED, outcome
        return
    assert not outcome.value.get("Deleted"), "ESCAPE multi-delete removed %r" % outcome.value.get("Deleted")
    assert {e["Key"]: e["Code"] for e in outcome.value.get("Errors") or []} == {k: "AccessDenied" for k in keys}


@attack("boto3", "copy-other-project-into-own")
def attack_boto3_copy_other_project_into_own(ctx):
    """CopyObject results/other/patient.vcf into the own folder (read outside through a copy)."""
    assert_denied(ctx.boto("copy_object", Bucket=ctx.bucket, Key=ctx.prefix + "stolen.vcf",
                           CopySource={"Bucket": ctx.bucket, "Key": OTHER}), what="copy other into own")


@attack("mc", "cp-other-project-into-own")
def attack_mc_cp_other_project_into_own(ctx):
    """mc cp results/other/patient.vcf into the own folder."""
    assert_denied(ctx.mc("cp", ctx.path(ctx.bucket, OTHER), ctx.path(ctx.bucket, ctx.prefix + "stolen-mc.vcf")),
                  what="mc cp other into own")


@attack("boto3", "copy-own-to-outside")
def attack_boto3_copy_own_to_outside(ctx):
    """CopyObject from the own folder to results/other/ (write outside through a copy)."""
    assert_denied(ctx.boto("copy_object", Bucket=ctx.bucket, Key="results/other/copied.vcf",
                           CopySource={"Bucket": ctx.bucket, "Key": ctx.own_key}), what="copy own to outside")


@attack("boto3", "put-bucket-policy-public")
def attack_boto3_put_bucket_policy_public(ctx):
    """PutBucketPolicy making the bucket world-readable."""
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": ["s3:GetObject", "s3:ListBucket"],
         "Resource": ["arn:aws:s3:::%s" % ctx.bucket, "arn:aws:s3:::%s/*" % ctx.bucket]}]})
    assert_denied(ctx.boto("put_bucket_policy", Bucket=ctx.bucket, Policy=policy), what="put bucket policy")


@attack("mc", "anonymous-set-download")
def attack_mc_anonymous_set_download(ctx):
    """mc anonymous set download on the own folder (a bucket policy for anonymous reads)."""
    assert_denied(ctx.mc("anonymous", "set", "download", ctx.path(ctx.bucket, ctx.prefix)),
                  what="mc anonymous set")


@attack("boto3", "get-bucket-policy")
def attack_boto3_get_bucket_policy(ctx):
    """GetBucketPolicy: the bucket's access rules."""
    assert_denied(ctx.boto("get_bucket_policy", Bucket=ctx.bucket), what="get bucket policy")


@attack("boto3", "put-bucket-versioning-suspend")
def attack_boto3_put_bucket_versioning_suspend(ctx):
    """PutBucketVersioning Suspended."""
    assert_denied(ctx.boto("put_bucket_versioning", Bucket=ctx.bucket,
                           VersioningConfiguration={"Status": "Suspended"}), what="suspend versioning")


@attack("raw", "put-bucket-versioning-drop-exclusion")
def attack_raw_put_bucket_versioning_drop_exclusion(ctx):
    """PutBucketVersioning Enabled without ExcludedPrefixes (would make results/ keep old versions)."""
    body = (b'<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            b'<Status>Enabled</Status></VersioningConfiguration>')
    assert_denied(raw_request(ctx.server, "PUT", "/%s/?versioning" % ctx.bucket, ctx.access_key, ctx.secret_key,
                              body=body), what="versioning without exclusion")


@attack("mc", "version-suspend")
def attack_mc_version_suspend(ctx):
    """mc version suspend <bucket>."""
    assert_denied(ctx.mc("version", "suspend", ctx.path(ctx.bucket)), what="mc version suspend")


@attack("boto3", "put-object-tagging-own")
def attack_boto3_put_object_tagging_own(ctx):
    """PutObjectTagging on an own object (not granted: tags can drive lifecycle and policies)."""
    assert_denied(ctx.boto("put_object_tagging", Bucket=ctx.bucket, Key=ctx.own_key,
                           Tagging={"TagSet": [{"Key": "public", "Value": "yes"}]}), what="tag own object")


@attack("boto3", "put-object-tagging-other-project")
def attack_boto3_put_object_tagging_other_project(ctx):
    """PutObjectTagging on results/other/patient.vcf."""
    assert_denied(ctx.boto("put_object_tagging", Bucket=ctx.bucket, Key=OTHER,
                           Tagging={"TagSet": [{"Key": "k", "Value": "v"}]}), what="tag other object")


@attack("mc", "tag-set-own")
def attack_mc_tag_set_own(ctx):
    """mc tag set on an own object."""
    assert_denied(ctx.mc("tag", "set", ctx.path(ctx.bucket, ctx.own_key), "public=yes"), what="mc tag set")


@attack("boto3", "put-object-retention-own")
def attack_boto3_put_object_retention_own(ctx):
    """PutObjectRetention (COMPLIANCE, a year) on an own object. MinIO only authenticates this request
    before checking the bucket's object-lock configuration, so on this bucket (no object lock) it may be
    refused with InvalidRequest rather than AccessDenied; either way nothing changes."""
    until = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=365)
    assert_denied(ctx.boto("put_object_retention", Bucket=ctx.bucket, Key=ctx.own_key,
                           Retention={"Mode": "COMPLIANCE", "RetainUntilDate": until}),
                  DENIED + ("InvalidRequest",), "retention")


@attack("boto3", "put-object-legal-hold-own")
def attack_boto3_put_object_legal_hold_own(ctx):
    """PutObjectLegalHold ON on an own object."""
    assert_denied(ctx.boto("put_object_legal_hold", Bucket=ctx.bucket, Key=ctx.own_key,
                           LegalHold={"Status": "ON"}), what="legal hold")


@attack("boto3", "put-bucket-lifecycle")
def attack_boto3_put_bucket_lifecycle(ctx):
    """PutBucketLifecycleConfiguration expiring every object after one day."""
    rules = {"Rules": [{"ID": "wipe", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 1}}]}
    assert_denied(ctx.boto("put_bucket_lifecycle_configuration", Bucket=ctx.bucket, LifecycleConfiguration=rules),
                  what="lifecycle")


@attack("mc", "ilm-rule-add")
def attack_mc_ilm_rule_add(ctx):
    """mc ilm rule add --expire-days 1 on the bucket."""
    assert_denied(ctx.mc("ilm", "rule", "add", "--expire-days", "1", ctx.path(ctx.bucket)), what="mc ilm")


@attack("boto3", "put-bucket-tagging")
def attack_boto3_put_bucket_tagging(ctx):
    """PutBucketTagging."""
    assert_denied(ctx.boto("put_bucket_tagging", Bucket=ctx.bucket,
                           Tagging={"TagSet": [{"Key": "owner", "Value": "me"}]}), what="bucket tags")


@attack("boto3", "create-bucket")
def attack_boto3_create_bucket(ctx):
    """CreateBucket <tag>-stolen."""
    assert_denied(ctx.boto("create_bucket", Bucket=ctx.world["tag"] + "-stolen-" + ctx.kind), what="create bucket")


@attack("mc", "mb")
def attack_mc_mb(ctx):
    """mc mb <tag>-stolen-mc."""
    assert_denied(ctx.mc("mb", ctx.path(ctx.world["tag"] + "-stolen-mc-" + ctx.kind)), what="mc mb")


@attack("boto3", "delete-empty-bucket")
def attack_boto3_delete_empty_bucket(ctx):
    """DeleteBucket on an empty bucket (would succeed if allowed)."""
    assert_denied(ctx.boto("delete_bucket", Bucket=ctx.empty), what="delete bucket")


@attack("mc", "rb-empty-bucket")
def attack_mc_rb_empty_bucket(ctx):
    """mc rb on an empty bucket."""
    assert_denied(ctx.mc("rb", ctx.path(ctx.empty)), what="mc rb")


@attack("boto3", "list-multipart-uploads-bucket-wide")
def attack_boto3_list_multipart_uploads_bucket_wide(ctx):
    """ListMultipartUploads without a prefix: would reveal the root's upload in results/other/."""
    assert_denied(ctx.boto("list_multipart_uploads", Bucket=ctx.bucket), what="list uploads")


@attack("boto3", "list-multipart-uploads-own-prefix")
def attack_boto3_list_multipart_uploads_own_prefix(ctx):
    """ListMultipartUploads Prefix=<own folder>: MinIO checks no s3:prefix on this action, so granting
    it for a prefix would grant it bucket-wide; it must be refused."""
    assert_denied(ctx.boto("list_multipart_uploads", Bucket=ctx.bucket, Prefix=ctx.prefix),
                  what="list uploads with prefix")


@attack("boto3", "list-parts-of-root-upload")
def attack_boto3_list_parts_of_root_upload(ctx):
    """ListParts of the root's upload in results/other/."""
    assert_denied(ctx.boto("list_parts", Bucket=ctx.bucket, Key="results/other/big.bin",
                           UploadId=ctx.world["root_upload"]), what="list parts")


@attack("boto3", "abort-root-upload")
def attack_boto3_abort_root_upload(ctx):
    """AbortMultipartUpload of the root's upload in results/other/."""
    assert_denied(ctx.boto("abort_multipart_upload", Bucket=ctx.bucket, Key="results/other/big.bin",
                           UploadId=ctx.world["root_upload"]), what="abort upload")
    # The upload is still there for the root.
    root = boto3_client(ctx.server, ctx.server.access_key, ctx.server.secret_key)
    parts = root.list_parts(Bucket=ctx.bucket, Key="results/other/big.bin", UploadId=ctx.world["root_upload"])
    assert [p["PartNumber"] for p in parts.get("Parts", [])] == [1]


@attack("boto3", "create-multipart-outside")
def attack_boto3_create_multipart_outside(ctx):
    """CreateMultipartUpload in results/other/."""
    assert_denied(ctx.boto("create_multipart_upload", Bucket=ctx.bucket, Key="results/other/planted.bin"),
                  what="create upload outside")


# ---------------------------------------------------------------- after the expiry: the own folder too
@attack("boto3", "own-list", kinds=("expired",))
def attack_boto3_own_list(ctx):
    """ListObjectsV2 on its own folder after the expiry."""
    assert_denied(ctx.boto("list_objects_v2", Bucket=ctx.bucket, Prefix=ctx.prefix), what="own list")


@attack("mc", "own-ls", kinds=("expired",))
def attack_mc_own_ls(ctx):
    """mc ls --recursive on its own folder after the expiry."""
    assert_denied(ctx.mc("ls", "--recursive", ctx.path(ctx.bucket, ctx.prefix)), what="mc own ls")


@attack("boto3", "own-get", kinds=("expired",))
def attack_boto3_own_get(ctx):
    """GetObject in its own folder after the expiry."""
    assert_denied(ctx.boto("get_object", Bucket=ctx.bucket, Key=ctx.own_key), what="own get")


@attack("mc", "own-cat", kinds=("expired",))
def attack_mc_own_cat(ctx):
    """mc cat in its own folder after the expiry."""
    assert_denied(ctx.mc("cat", ctx.path(ctx.bucket, ctx.own_key)), what="mc own cat")


@attack("boto3", "own-head", kinds=("expired",))
def attack_boto3_own_head(ctx):
    """HeadObject in its own folder after the expiry."""
    assert_denied(ctx.boto("head_object", Bucket=ctx.bucket, Key=ctx.own_key), what="own head")


@attack("raw", "own-get", kinds=("expired",))
def attack_raw_own_get(ctx):
    """Signed GET of its own object after the expiry, by hand."""
    assert_denied(raw_request(ctx.server, "GET", "/%s/%s" % (ctx.bucket, ctx.own_key), ctx.access_key,
                              ctx.secret_key), what="raw own get")


@attack("boto3", "own-put", kinds=("expired",))
def attack_boto3_own_put(ctx):
    """PutObject in its own folder after the expiry (it was read-write)."""
    assert_denied(ctx.boto("put_object", Bucket=ctx.bucket, Key=ctx.prefix + "late.vcf", Body=b"late"),
                  what="own put")


@attack("mc", "own-pipe", kinds=("expired",))
def attack_mc_own_pipe(ctx):
    """mc pipe into its own folder after the expiry."""
    assert_denied(ctx.mc("pipe", ctx.path(ctx.bucket, ctx.prefix + "late-mc.vcf"), input_text="late"),
                  what="mc own pipe")


@attack("boto3", "own-delete", kinds=("expired",))
def attack_boto3_own_delete(ctx):
    """DeleteObject in its own folder after the expiry."""
    assert_denied(ctx.boto("delete_object", Bucket=ctx.bucket, Key=ctx.own_key), what="own delete")


@attack("mc", "own-rm", kinds=("expired",))
def attack_mc_own_rm(ctx):
    """mc rm in its own folder after the expiry."""
    assert_denied(ctx.mc("rm", ctx.path(ctx.bucket, ctx.prefix + "run1/reads.bam")), what="mc own rm")


@attack("boto3", "own-create-multipart", kinds=("expired",))
def attack_boto3_own_create_multipart(ctx):
    """CreateMultipartUpload in its own folder after the expiry."""
    assert_denied(ctx.boto("create_multipart_upload", Bucket=ctx.bucket, Key=ctx.prefix + "late.bin"),
                  what="own create upload")


@attack("boto3", "own-copy-within-folder", kinds=("expired",))
def attack_boto3_own_copy_within_folder(ctx):
    """CopyObject inside its own folder after the expiry."""
    assert_denied(ctx.boto("copy_object", Bucket=ctx.bucket, Key=ctx.prefix + "late-copy.vcf",
                           CopySource={"Bucket": ctx.bucket, "Key": ctx.own_key}), what="own copy")


@attack("boto3", "own-presigned-get", kinds=("expired",))
def attack_boto3_own_presigned_get(ctx):
    """A URL for its own object, presigned with its credentials, fetched after the expiry."""
    url = ctx.s3.generate_presigned_url("get_object", Params={"Bucket": ctx.bucket, "Key": ctx.own_key},
                                        ExpiresIn=600)
    assert_denied(fetch_url(ctx.server, url), what="own presigned get")


# =========================================================================== the tests
def test_legitimate_access_read_only(contexts, state):
    """Control: the read-only collaborator lists and reads its folder with boto3, mc and a presigned URL."""
    state.invalidate()
    ctx = contexts["ro"]
    current = ctx.current_keys(ctx.prefix)
    listed = ctx.boto("list_objects_v2", Bucket=ctx.bucket, Prefix=ctx.prefix)
    assert_granted(listed, "list own")
    assert sorted((o["Key"], o["ETag"].strip('"')) for o in listed.value["Contents"]) == current
    got = ctx.boto("get_object", Bucket=ctx.bucket, Key=ctx.own_key)
    assert_granted(got, "get own")
    assert got.value["Body"] == b"ACGT " + ctx.project.encode()
    ls = ctx.mc("ls", "--recursive", ctx.path(ctx.bucket, ctx.prefix))
    assert_granted(ls, "mc ls own")
    assert sorted(r["key"] for r in ls.value) == ["genome.vcf", "run1/reads.bam"]
    cat = ctx.mc_bin("cat", ctx.path(ctx.bucket, ctx.own_key))
    assert cat.returncode == 0 and cat.stdout == "ACGT " + ctx.project, cat.stdout + cat.stderr
    url = ctx.s3.generate_presigned_url("get_object", Params={"Bucket": ctx.bucket, "Key": ctx.own_key},
                                        ExpiresIn=600)
    fetched = fetch_url(ctx.server, url)
    assert_granted(fetched, "presigned own")
    assert fetched.value == b"ACGT " + ctx.project.encode()


def test_legitimate_access_read_write(contexts, state, server):
    """Control: the read-write collaborator puts, reads and deletes in its folder (boto3 and mc); a removed
    object leaves no version behind (results/ is excluded from versioning)."""
    state.invalidate()
    ctx = contexts["rw"]
    key = ctx.prefix + "upload.txt"
    assert_granted(ctx.boto("put_object", Bucket=ctx.bucket, Key=key, Body=b"uploaded"), "put own")
    got = ctx.boto("get_object", Bucket=ctx.bucket, Key=key)
    assert_granted(got, "get own")
    assert got.value["Body"] == b"uploaded"
    assert_granted(ctx.boto("delete_object", Bucket=ctx.bucket, Key=key), "delete own")
    assert_granted(ctx.mc("pipe", ctx.path(ctx.bucket, ctx.prefix + "mc.txt"), input_text="by mc"), "mc pipe own")
    cat = ctx.mc_bin("cat", ctx.path(ctx.bucket, ctx.prefix + "mc.txt"))
    assert cat.returncode == 0 and cat.stdout == "by mc", cat.stdout + cat.stderr
    assert_granted(ctx.mc("rm", ctx.path(ctx.bucket, ctx.prefix + "mc.txt")), "mc rm own")
    s3 = server.clients()[0]
    leftovers = [row for row in object_versions(s3, ctx.bucket) if row[0] in (key, ctx.prefix + "mc.txt")]
    assert leftovers == [], "a removed upload left versions or delete markers: %r" % leftovers


def test_expired_collaborator_had_access_before_expiry(collaborators):
    """Control: right after creation (before its expiry) the "expired" collaborator read its own folder."""
    control, when = collaborators["expired"]["before_expiry"]
    expiry = datetime.datetime.fromisoformat(collaborators["expired"]["expires_at"].replace("Z", "+00:00"))
    assert when < expiry, "the control ran after the expiry; raise EXPIRY_DELAY"
    assert_granted(control, "own read before expiry")


CASES = [(kind, a) for kind in KINDS for a in ATTACKS if kind in a.kinds]


@pytest.mark.parametrize("kind,attack_", CASES, ids=["%s-%s" % (kind, a.id) for kind, a in CASES])
def test_escape(kind, attack_, contexts, collaborators, state):
    """One escape attempt: refused with the expected code, and the server unchanged afterwards."""
    if kind == "expired":
        _wait_for_expiry(collaborators["expired"])
    ctx = contexts[kind]
    # Attacks on the admin and STS APIs also compare the service accounts of the attacker (and of the
    # internal user when that is the target).
    detail = ()
    if attack_.iam:
        detail = (ctx.access_key, ctx.world["publisher"]) if attack_.iam == "publisher" else (ctx.access_key,)
    before = state.before(detail)
    refusal = None
    try:
        attack_.func(ctx)
    except AssertionError as exc:
        refusal = str(exc)
    finally:
        after = state.snapshot(detail)
        changes = state_diff(before, after)
        if changes:
            state.invalidate()
            state.repair()
        else:
            state.remember(detail, after)
    problems = ([refusal] if refusal else []) + \
        (["ESCAPE %s changed the server:" % attack_.id] + changes if changes else [])
    assert not problems, "\n".join(problems)


def test_expired_collaborator_is_disabled_by_the_next_run(server, ansible, world, collaborators, contexts):
    """A module run after the expiry disables the user at once (no waiting for the sweep)."""
    exp = collaborators["expired"]
    _wait_for_expiry(exp)
    result = ansible.run(server, [{"egid.s3share.minio_collaborator": {
        "name": exp["name"], "bucket": world["bucket"], "prefix": "results/" + exp["project"],
        "access": "read-write"}, "ignore_errors": True}])[0]
    assert not result.get("failed"), result.get("msg")
    admin = server.clients()[1]
    assert json.loads(admin.user_info(exp["access_key"]))["status"] == "disabled"
    outcome = contexts["expired"].boto("get_object", Bucket=world["bucket"], Key=contexts["expired"].own_key)
    assert_denied(outcome, DENIED + CREDENTIALS_REJECTED, "disabled collaborator")


def test_rotation_and_removal_revoke_derived_credentials(server, ansible, world, escape_mc, collaborators):
    """rotate: true and state: absent end every credential derived from the collaborator: its service
    accounts (here made by the root, as an account left from before the admin:* denial would be) and the
    STS credentials it minted itself."""
    args = _rev_args(world)
    created = collaborators["_rev"]
    access_key, secret_key = created["credentials"]["access_key"], created["credentials"]["secret_key"]
    admin = server.clients()[1]
    proc = escape_mc("admin", "user", "svcacct", "add", "root", access_key)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    svc = json.loads(proc.stdout.splitlines()[-1])
    sts = boto3_client(server, access_key, secret_key, service="sts")
    minted = boto3_call(sts.assume_role, RoleArn="arn:xxx:xxx:xxx:xxxx", RoleSessionName="before-rotation",
                        DurationSeconds=3600)

    def alive(key, secret, token=None):
        client = boto3_client(server, key, secret, token)
        outcome = boto3_call(client.list_objects_v2, Bucket=world["bucket"], Prefix=args["prefix"] + "/")
        return outcome.ok or outcome.code not in CREDENTIALS_REJECTED, outcome

    assert alive(svc["accessKey"], svc["secretKey"])[0]
    if minted.ok:
        creds = minted.value["Credentials"]
        assert alive(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])[0]
    # minio_info shows the keys derived from the collaborator (they should never exist).
    info = ansible.run(server, [{"egid.s3share.minio_info": {"gather_subset": ["collaborators"]}}])[0]
    mine = [c for c in info["collaborators"] if c["name"] == args["name"]]
    assert mine and svc["accessKey"] in mine[0]["access_keys"], mine
    if minted.ok:
        assert creds["AccessKeyId"] in mine[0]["access_keys"], mine

    rotated = ansible.run(server, [{"egid.s3share.minio_collaborator": dict(args, rotate=True)}])[0]
    assert not rotated.get("failed"), rotated.get("msg")
    accounts = json.loads(admin.list_service_account(access_key)).get("accounts") or []
    assert accounts == [], "rotation kept the service accounts %r" % accounts
    still, outcome = alive(svc["accessKey"], svc["secretKey"])
    assert not still, "the service account still authenticates after rotation: %s" % outcome
    if minted.ok:
        still, outcome = alive(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
        assert not still, "STS credentials minted before the rotation still authenticate: %s" % outcome

    # A service account made after the rotation, then state: absent.
    proc = escape_mc("admin", "user", "svcacct", "add", "root", access_key)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    svc2 = json.loads(proc.stdout.splitlines()[-1])
    removed = ansible.run(server, [{"egid.s3share.minio_collaborator": {"name": args["name"], "state": "absent"}}])[0]
    assert not removed.get("failed"), removed.get("msg")
    assert access_key not in json.loads(admin.user_list())
    still, outcome = alive(svc2["accessKey"], svc2["secretKey"])
    assert not still, "a service account outlived the collaborator: %s" % outcome


def test_attempt_count():
    """The issue asks for at least 30 escape attempts for each access kind."""
    counts = {kind: sum(1 for k, dummy in CASES if k == kind) for kind in KINDS}
    ids = [a.id for a in ATTACKS]
    assert len(ids) == len(set(ids)), "duplicate attack ids"
    assert all(count >= MIN_ATTEMPTS_PER_KIND for count in counts.values()), counts
    clients = {a.client for a in ATTACKS}
    assert {"boto3", "mc"} <= clients, clients
