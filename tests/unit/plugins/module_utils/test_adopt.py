# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Adoption decisions: the at queue as Debian's at 3.2 prints it, the plan before any change, the lab's
policies read back into a bucket and folder, and which jobs are converted, removed or left alone."""

import datetime
import json

import pytest

from ansible_collections.egid.s3share.plugins.module_utils._host import adopt_plan, at_queue
from ansible_collections.egid.s3share.plugins.module_utils._minio import adopt
from ansible_collections.egid.s3share.plugins.module_utils._minio.times import format_time

UTC = datetime.timezone.utc
KEY = "3f2a9c0d1e4b5a6978877665"

# at -c 3 on Debian 12 (at 3.2.5), environment shortened.
SCRIPT = """#!/bin/sh
# atrun uid=0 gid=0
# mail root 0
umask 22
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export PATH
NOTE=mc\\ admin\\ user\\ remove\\ nectar\\ decoy; export NOTE
cd /root || {
\t echo 'Execution directory inaccessible' >&2
\t exit 1
}
${SHELL:-/bin/sh} << 'marcinDELIMITER3b2f1a0c'
mc admin user remove nectar %s

marcinDELIMITER3b2f1a0c
""" % KEY


def test_atq_lines_are_read_in_the_given_time_zone():
    text = "5\tMon Dec 23 19:55:00 2026 a root\n3\tWed Dec  2 08:00:00 2026 a sgressier\n"
    jobs = at_queue.parse_atq(text, tz=datetime.timezone(datetime.timedelta(hours=1)))
    assert [j["id"] for j in jobs] == [3, 5]
    assert jobs[0]["runs_at"] == datetime.datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    assert (jobs[1]["queue"], jobs[1]["owner"]) == ("a", "root")
    assert at_queue.parse_atq("") == []
    with pytest.raises(at_queue.AtQueueError):
        at_queue.parse_atq("garbage\n")


# at -c 2 on Debian 12 (at 3.2.5), as the adopt scenario's lab host printed it.
SCRIPT_325 = """#!/bin/sh
# atrun uid=0 gid=0
# mail root 0
umask 22
USER=bob; export USER
NOTE=mc\\ admin\\ user\\ remove\\ nectar\\ decoy; export NOTE
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export PATH
cd / || {
\t echo 'Execution directory inaccessible' >&2
\t exit 1
}
mc admin user remove nectar %s
""" % KEY


def test_debian_12_jobs_have_their_commands_after_the_cd_block():
    assert at_queue.job_commands(SCRIPT_325) == ["mc admin user remove nectar %s" % KEY]


def test_only_the_job_commands_count_never_its_saved_environment():
    commands = at_queue.job_commands(SCRIPT)
    assert commands == ["mc admin user remove nectar %s" % KEY]
    job = at_queue.describe_job({"id": 3}, SCRIPT)
    assert job["removes"] == [{"alias": "nectar", "access_key": KEY}] and job["other"] == []
    with pytest.raises(at_queue.AtQueueError):
        at_queue.job_commands("#!/bin/sh\necho hi\n")


@pytest.mark.parametrize("command, found", [
    ("mc admin user remove nectar abc", [("nectar", "abc")]),
    ("/usr/local/bin/mc --insecure admin user rm nectar abc", [("nectar", "abc")]),
    ("mc admin user disable nectar abc", []),
    ("mc admin user remove nectar", []),
    ("echo mc admin user remove nectar abc", []),
])
def test_mc_user_removals(command, found):
    assert at_queue.mc_user_removals([command]) == found


def test_a_job_doing_more_lists_its_other_commands():
    script = SCRIPT.replace("mc admin user remove", "rm -rf /tmp/x\nmc admin user remove")
    assert at_queue.describe_job({"id": 3}, script)["other"] == ["rm -rf /tmp/x"]


# ------------------------------------------------------------------ plan
PINNED = "RELEASE.2025-10-15T17-29-55Z"
OLD = "minio version RELEASE.2025-04-22T22-12-26Z (commit-id=0d7408fc9969caf07de6a8c3a84f9fbb10a6739e)"
ENV = 'MINIO_VOLUMES="/srv/s3/data"\nMINIO_OPTS="--console-address :9001"\n# comment\n' \
      'MINIO_ROOT_USER=labadmin\nMINIO_ROOT_PASSWORD="s3cret pass"\n'


def found(version=OLD, env=ENV, log="2024-01-02 10:00 create user x\n", archive=False):
    return {"binary": {"path": "/usr/local/bin/minio", "exists": version is not None, "version_output": version},
            "env": adopt_plan.parse_env_file(env) if env is not None else None,
            "audit_log": dict(path="/opt/minio-admin/logs/actions.log", exists=log is not None,
                              **adopt_plan.legacy_log_state(log)),
            "archive_exists": archive}


def test_env_file_and_release_parsing():
    env = adopt_plan.parse_env_file(ENV)
    assert env["MINIO_VOLUMES"] == "/srv/s3/data" and env["MINIO_ROOT_PASSWORD"] == "s3cret pass"
    assert adopt_plan.root_credentials(env) == ("labadmin", "s3cret pass")
    assert adopt_plan.parse_release(OLD) == "RELEASE.2025-04-22T22-12-26Z"
    assert adopt_plan.compare_releases(OLD, PINNED) == -1
    assert adopt_plan.compare_releases(PINNED, PINNED) == 0


def test_matching_credentials_upgrade_and_archive_the_old_log():
    result = adopt_plan.plan(found(), PINNED, "labadmin", "s3cret pass")
    assert result["problems"] == []
    assert (result["upgrade"], result["rotate_root"], result["archive_log"], result["root_credentials"]) == \
        (True, False, True, "match")
    assert result["archive_path"] == "/opt/minio-admin/logs/actions.log.pre-adoption"


def test_a_different_data_path_or_a_setting_the_role_would_drop_is_refused():
    assert adopt_plan.plan(found(), PINNED, "labadmin", "s3cret pass", volumes="/srv/s3/data")["problems"] == []
    moved = adopt_plan.plan(found(), PINNED, "labadmin", "s3cret pass", volumes="/srv/minio")["problems"]
    assert len(moved) == 1 and "/srv/minio" in moved[0] and "MINIO_VOLUMES" in moved[0]
    kms = ENV + "MINIO_KMS_SECRET_KEY=key:c2VjcmV0\nMINIO_REGION=eu-west-3\n"
    dropped = adopt_plan.plan(found(env=kms), PINNED, "labadmin", "s3cret pass")["problems"]
    assert len(dropped) == 1 and "MINIO_KMS_SECRET_KEY, MINIO_REGION" in dropped[0]
    assert "c2VjcmV0" not in dropped[0]
    carried = adopt_plan.plan(found(env=kms), PINNED, "labadmin", "s3cret pass",
                              extra_keys=["MINIO_KMS_SECRET_KEY", "MINIO_REGION"])
    assert carried["problems"] == []


def test_a_downgrade_is_refused():
    newer = OLD.replace("2025-04-22T22-12-26Z", "2026-01-01T00-00-00Z")
    problems = adopt_plan.plan(found(version=newer), PINNED, "labadmin", "s3cret pass")["problems"]
    assert len(problems) == 1 and "newer than the pinned" in problems[0] and "Nothing was changed" in problems[0]


def test_differing_root_credentials_are_refused_unless_rotation_is_asked():
    refused = adopt_plan.plan(found(), PINNED, "s3share-root", "other")
    assert len(refused["problems"]) == 1 and "s3share_adopt_rotate_root" in refused["problems"][0]
    assert "s3cret" not in refused["problems"][0]
    allowed = adopt_plan.plan(found(), PINNED, "s3share-root", "other", rotate_root=True)
    assert allowed["problems"] == [] and allowed["rotate_root"] is True


def test_rotation_with_a_kms_or_unknown_credentials_is_refused():
    kms = adopt_plan.plan(found(env=ENV + "MINIO_KMS_SECRET_KEY=k:abc\n"), PINNED, "x", "y", rotate_root=True)
    assert "KMS" in kms["problems"][0]
    unknown = adopt_plan.plan(found(env="MINIO_VOLUMES=/srv/s3/data\n"), PINNED, "x", "y", rotate_root=True)
    assert "cannot tell" in unknown["problems"][0]


def test_a_json_log_needs_no_archive_and_an_existing_archive_is_refused():
    line = json.dumps({"timestamp": "t", "action": "a"}) + "\n"
    assert adopt_plan.plan(found(log=line), PINNED, "labadmin", "s3cret pass")["archive_log"] is False
    assert "exists already" in adopt_plan.plan(found(archive=True), PINNED, "labadmin", "s3cret pass")["problems"][0]


# ------------------------------------------------------------------ the lab's policies
def lab_policy(resource, actions=("s3:GetObject",)):
    statement = {"Effect": "Allow", "Action": list(actions), "Resource": [resource]}
    return {"Version": "2012-10-17", "Statement": [statement]}


def test_policy_scope_reads_the_create_collab_user_policy():
    assert adopt.policy_scope(lab_policy("arn:aws:s3:::ligan/results/chu-liege/*")) == \
        ("ligan", "results/chu-liege", "read-only")
    internal = lab_policy("arn:aws:s3:::ligan/*", ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"))
    internal["Statement"].append({"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": ["arn:aws:s3:::ligan"]})
    assert adopt.policy_scope(internal) == ("ligan", "", "read-write")
    with pytest.raises(adopt.AdoptError):
        adopt.policy_scope(lab_policy("arn:aws:s3:::*"))
    two = lab_policy("arn:aws:s3:::ligan/a/*")
    two["Statement"][0]["Resource"].append("arn:aws:s3:::impact-pm/b/*")
    with pytest.raises(adopt.AdoptError):
        adopt.policy_scope(two)


class FakeIam:
    def __init__(self, users, policies):
        self._users, self._policies = users, policies

    def users(self):
        return self._users

    def user(self, name):
        return self._users.get(name)

    def policies(self):
        return self._policies

    def policy(self, name):
        return self._policies.get(name)


def test_account_report_leaves_accounts_alone_and_diffs_their_policies():
    iam = FakeIam({"sgressier": {"status": "enabled", "policies": ["sgressier_rw"], "member_of": []},
                   "bioinfo-demo": {"status": "enabled", "policies": ["rw-ligan"], "member_of": []},
                   "C" + "A" * 19: {"status": "enabled", "policies": ["collab-x"], "member_of": []}},
                  {"sgressier_rw": lab_policy("arn:aws:s3:::ligan/*", ("s3:*",))})
    report = adopt.account_report(iam, managed_users=["bioinfo-demo"], managed_policy_prefixes=["rw-"])
    assert [u["name"] for u in report["users"]] == ["sgressier"]
    (policy,) = report["policies"]
    assert (policy["name"], policy["bucket"], policy["template"], policy["differs"]) == \
        ("sgressier_rw", "ligan", "read-write", True)
    assert policy["diff"]["before"]["Statement"][0]["Action"] == ["s3:*"]


# ------------------------------------------------------------------ the jobs
class FakeRunner(adopt.JobRunner):
    def __init__(self, scripts, times):
        self.scripts, self.times, self.removed = scripts, times, []
        super().__init__(self._atq, lambda job: self.scripts[job], self.removed.append)

    def _atq(self):
        return "".join("%d\t%s a root\n" % (job, self.times[job]) for job in sorted(self.scripts))


class FakeCollaborators:
    def __init__(self, iam, check_mode=False):
        self.iam, self.check_mode, self.adopted = iam, check_mode, []

    def ensure_adopted(self, name, access_key, bucket, prefix, expires_at, adopted_from, tracker=None):
        self.adopted.append((name, access_key, bucket, prefix, format_time(expires_at), adopted_from))
        record = {"name": name, "access_key": access_key, "bucket": bucket, "prefix": prefix,
                  "expires_at": format_time(expires_at), "policy": "collab-" + name}
        self.store = FakeStore(record)
        from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.outcome import Outcome
        return Outcome(True, record, details={"replaced_policies": ["alice_policy"]})


class FakeStore:
    def __init__(self, record):
        self.record = record

    def get(self, name):
        return dict(self.record) if self.record["name"] == name else None


class FakeAudit:
    def __init__(self):
        self.lines = []

    def write(self, action, target, result, **details):
        self.lines.append((action, target, result))


@pytest.mark.parametrize("check_mode", [False, True])
def test_jobs_are_converted_stale_ones_removed_and_others_left_alone(check_mode):
    gone = "ffffffffffffffffffffffff"
    other = SCRIPT.replace("mc admin user remove nectar " + KEY, "touch /tmp/x")
    scripts = {3: SCRIPT, 4: SCRIPT.replace(KEY, gone), 7: other}
    times = {3: "Wed Dec 23 08:00:00 2026", 4: "Thu Dec 24 08:00:00 2026", 7: "Fri Dec 25 08:00:00 2026"}
    runner = FakeRunner(scripts, times)
    iam = FakeIam({KEY: {"status": "enabled", "policies": ["alice_policy"], "member_of": []}},
                  {"alice_policy": lab_policy("arn:aws:s3:::ligan/results/chu-liege/*")})
    manager, audit = FakeCollaborators(iam, check_mode), FakeAudit()
    result = adopt.adopt_at_jobs(manager, runner, audit=audit)
    assert manager.adopted == [("lab-" + KEY, KEY, "ligan", "results/chu-liege",
                                format_time(at_queue.parse_atq("3\t%s a root" % times[3])[0]["runs_at"]), "at job 3")]
    assert [c["id"] for c in result["converted"]] == [3]
    assert [(s["id"], s["action"]) for s in result["stale"]] == [(4, "removed")]
    assert [o["id"] for o in result["other"]] == [7]
    assert runner.removed == ([] if check_mode else [3, 4])
    assert [line[:3] for line in audit.lines] == [
        ("adopt_at_job", "at-job:3", "changed"), ("remove_stale_at_job", "at-job:4", "changed")]


def test_an_ambiguous_user_is_refused_and_its_job_kept():
    runner = FakeRunner({3: SCRIPT}, {3: "Wed Dec 23 08:00:00 2026"})
    iam = FakeIam({KEY: {"status": "enabled", "policies": ["a", "b"], "member_of": []}}, {})
    result = adopt.adopt_at_jobs(FakeCollaborators(iam), runner, stale="keep")
    assert [r["id"] for r in result["refused"]] == [3] and "ambiguous" in result["refused"][0]["reason"]
    assert runner.removed == []


def _restricted(kind):
    policy = lab_policy("arn:aws:s3:::ligan/results/chu-liege/*")
    if kind == "deny":
        policy["Statement"].append({"Effect": "Deny", "Action": ["s3:GetObject"],
                                    "Resource": ["arn:aws:s3:::ligan/results/chu-liege/private/*"]})
    elif kind == "condition":
        policy["Statement"][0]["Condition"] = {"IpAddress": {"aws:SourceIp": ["192.0.2.0/24"]}}
    elif kind == "upload-only":
        policy["Statement"][0]["Action"] = ["s3:PutObject"]
    return policy


def test_the_create_collab_user_policy_is_covered_by_a_read_grant():
    assert adopt.grant_not_covered(lab_policy("arn:aws:s3:::ligan/results/chu-liege/*")) is None


@pytest.mark.parametrize("kind, words", [("deny", "Deny"), ("condition", "Condition"),
                                         ("upload-only", "does not allow s3:GetObject")])
def test_a_policy_a_read_grant_would_widen_is_refused_and_its_job_kept(kind, words):
    assert words in adopt.grant_not_covered(_restricted(kind))
    runner = FakeRunner({3: SCRIPT}, {3: "Wed Dec 23 08:00:00 2026"})
    iam = FakeIam({KEY: {"status": "enabled", "policies": ["alice_policy"], "member_of": []}},
                  {"alice_policy": _restricted(kind)})
    result = adopt.adopt_at_jobs(FakeCollaborators(iam), runner, stale="keep")
    assert [r["id"] for r in result["refused"]] == [3] and words in result["refused"][0]["reason"]
    assert result["converted"] == [] and runner.removed == []


class FakeObject:
    def __init__(self, name, version_id):
        self.object_name, self.version_id = name, version_id


class FakeS3:
    def __init__(self, objects):
        self.objects = objects

    def list_objects(self, bucket, prefix=None, recursive=False, include_version=False):
        return iter(self.objects)


def test_a_folder_written_while_versioned_cannot_be_adopted():
    from ansible_collections.egid.s3share.plugins.module_utils._minio.collab.shared_area import (
        versioned_objects_problem,
    )
    assert versioned_objects_problem(FakeS3([FakeObject("results/a/x", "null")]), "ligan", "results/a") is None
    problem = versioned_objects_problem(FakeS3([FakeObject("results/a/x", "6c24c73c")]), "ligan", "results/a")
    assert "written while it was versioned (for example results/a/x)" in problem


def test_the_queue_is_read_once_for_both_modules_and_an_unreadable_job_is_kept_with_its_error():
    atq = "3\tWed Dec 23 08:00:00 2026 a root\n4\tWed Dec 23 09:00:00 2026 a root\n"

    def script(job_id):
        if job_id == 4:
            raise at_queue.AtQueueError("at -c 4: no such job")
        return SCRIPT

    jobs = at_queue.read_queue(lambda: atq, script)
    assert [j["id"] for j in jobs] == [3, 4]
    assert [r["access_key"] for r in jobs[0]["removes"]] == [KEY] and "error" not in jobs[0]
    assert jobs[1]["removes"] == [] and "no such job" in jobs[1]["error"]


def test_a_job_for_another_server_alias_is_left_alone_not_taken_as_stale():
    runner = FakeRunner({3: SCRIPT.replace("remove nectar ", "remove othersrv ")}, {3: "Wed Dec 23 08:00:00 2026"})
    result = adopt.adopt_at_jobs(FakeCollaborators(FakeIam({}, {})), runner, stale="remove", aliases=["nectar"])
    assert [r["id"] for r in result["other"]] == [3] and "othersrv" in result["other"][0]["reason"]
    assert result["stale"] == [] and runner.removed == []


class MisreadCollaborators(FakeCollaborators):
    """Writes the record, but reading it back gives another expiry (a concurrent edit, a bad store)."""

    def ensure_adopted(self, *args, **kwargs):
        outcome = super().ensure_adopted(*args, **kwargs)
        self.store = FakeStore(dict(outcome.record, expires_at="2030-01-01T00:00:00Z"))
        return outcome


def test_the_job_stays_when_its_record_does_not_read_back_as_written():
    runner = FakeRunner({3: SCRIPT}, {3: "Wed Dec 23 08:00:00 2026"})
    iam = FakeIam({KEY: {"status": "enabled", "policies": ["alice_policy"], "member_of": []}},
                  {"alice_policy": lab_policy("arn:aws:s3:::ligan/results/chu-liege/*")})
    audit = FakeAudit()
    result = adopt.adopt_at_jobs(MisreadCollaborators(iam), runner, audit=audit)
    assert runner.removed == [] and result["converted"] == []
    assert [r["id"] for r in result["refused"]] == [3] and "at job is kept" in result["refused"][0]["reason"]
    assert [line[:3] for line in audit.lines] == [("adopt_at_job", "at-job:3", "failed")]


def test_every_key_of_the_roles_settings_file_is_known_as_written():
    """A key the minio_server template writes, unknown here, would refuse every second adoption run."""
    import re
    from pathlib import Path
    template = Path(__file__).resolve().parents[4] / "roles" / "minio_server" / "templates" / "etc" / "default" / "minio.j2"
    written = set(re.findall(r"^(MINIO_[A-Z_]+)=", template.read_text(), flags=re.M))
    assert written and written <= set(adopt_plan.WRITTEN_KEYS), sorted(written - set(adopt_plan.WRITTEN_KEYS))
