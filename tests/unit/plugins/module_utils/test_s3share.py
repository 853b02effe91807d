# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The s3share command's argument validation and delegation decisions.

These decisions are made before any MinIO call, so the tests run main() with
a settings file pointing at an address where nothing listens: a test that
reached the server would fail. The caller's identity (normally read from the
sudo process) is the one seam replaced here; the real sudo path is tested on a
container (tests/integration/minio/test_s3share_sudo.py).
"""

import io
import json
import os
from unittest import mock

import pytest

from ansible_collections.egid.s3share.plugins.module_utils._programs import s3share
from ansible_collections.egid.s3share.plugins.module_utils._s3share import cli
from ansible_collections.egid.s3share.plugins.module_utils._s3share.delegation import (
    Caller, NotAllowed, parse_delegations,
)

DELEGATIONS = {"admin_groups": ["s3share-admins"], "delegations": [
    {"group": "bioinfo-ligan", "buckets": ["ligan"], "path_roots": ["results/"], "max_days": 30,
     "read_write": False, "link_max_days": 7},
    {"group": "impact-rw", "buckets": ["impact-pm"], "max_days": 10, "read_write": True, "link_max_days": 3},
]}


def caller(name, groups):
    admin_groups, delegations = parse_delegations(DELEGATIONS)
    return Caller(name, groups, admin_groups, delegations)


# --------------------------------------------------------------------------- delegation decisions
def test_delegated_group_shares_under_its_roots_only():
    sg = caller("sgressier", {"bioinfo-ligan"})
    assert sg.check_collaborator("ligan", "results/chu-liege", 30, False) == 30
    assert sg.may_read("ligan", "results/chu-liege/run1")
    for bucket, prefix in (("impact-pm", "results/x"), ("ligan", "raw/x"), ("ligan", "results"),
                           ("ligan", "resultsX/x")):
        with pytest.raises(NotAllowed):
            sg.check_collaborator(bucket, prefix, 1, False)


@pytest.mark.parametrize("days,rw,message", [
    (31, False, "more than the 30 days"),
    (1, True, "may not give read-write"),
])
def test_delegated_limits(days, rw, message):
    with pytest.raises(NotAllowed, match=message):
        caller("sgressier", {"bioinfo-ligan"}).check_collaborator("ligan", "results/p", days, rw)


def test_read_write_group_and_link_limits():
    rw = caller("ana", {"impact-rw"})
    assert rw.check_collaborator("impact-pm", "results/p", 10, True) == 10
    rw.check_link("impact-pm", "results/p", 3)
    with pytest.raises(NotAllowed, match="at most 3 days"):
        rw.check_link("impact-pm", "results/p", 4)


def test_admins_and_outsiders():
    assert caller("root", set()).is_admin and caller("alice", {"s3share-admins"}).is_admin
    outsider = caller("eve", {"users"})
    with pytest.raises(NotAllowed, match="no group"):
        outsider.require_any()
    with pytest.raises(NotAllowed, match="admins only"):
        caller("sgressier", {"bioinfo-ligan"}).require_admin("audit")


@pytest.mark.parametrize("document,message", [
    ({"delegations": [{"group": "g", "buckets": []}]}, "buckets"),
    ({"delegations": [{"group": "g", "buckets": ["ligan"], "path_roots": ["../x"]}]}, "'..'"),
    ({"delegations": [{"group": "g", "buckets": ["ligan"], "path_roots": [""]}]}, "whole bucket"),
    ({"delegations": [{"group": "g", "buckets": ["ligan"], "link_max_days": 8}]}, "link_max_days"),
    ({"delegations": [{"buckets": ["ligan"]}]}, "group name"),
    ({"admin_groups": "wheel"}, "admin_groups"),
])
def test_malformed_delegation_files_are_refused(document, message):
    with pytest.raises(ValueError, match=message):
        parse_delegations(document)


# --------------------------------------------------------------------------- the command
@pytest.fixture()
def server_files(tmp_path):
    config = tmp_path / "admin.json"
    # Port 9 on loopback: nothing answers, so any test that reached MinIO would fail.
    config.write_text(json.dumps({"endpoint": "https://127.0.0.1:9", "access_key": "rootadmin",
                                  "secret_key": "Root'Secret\" $x\\ ", "audit_log": str(tmp_path / "actions.log"),
                                  "records_bucket": "s3share-admin",
                                  "rate_limit_dir": str(tmp_path / "rate")}))
    delegations = tmp_path / "delegations.json"
    delegations.write_text(json.dumps(DELEGATIONS))
    return config, delegations, tmp_path / "actions.log"


def run_as(user, groups, argv, files):
    config, delegations, dummy = files
    out, err = io.StringIO(), io.StringIO()
    with mock.patch.object(cli, "current_actor", lambda: user), \
            mock.patch.object(cli, "groups_of", lambda name: set(groups)):
        code = s3share.main(argv, config_path=str(config), delegations_path=str(delegations), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def audit_lines(files):
    return [json.loads(line) for line in files[2].read_text().splitlines()]


@pytest.mark.parametrize("argv,code,message", [
    (["collab", "add", "chu-liege", "impact-pm", "results/x", "5"], 3, "may not share on impact-pm"),
    (["collab", "add", "chu-liege", "ligan", "raw/x", "5"], 3, "may not share on ligan/raw/x"),
    (["collab", "add", "chu-liege", "ligan", "results/x", "31"], 3, "more than the 30 days"),
    (["collab", "add", "chu-liege", "ligan", "results/x", "5", "--read-write"], 3, "may not give read-write"),
    (["user", "add", "bob", "ligan"], 3, "admins only"),
    (["audit"], 3, "admins only"),
    (["share", "impact-pm/results/x", "--days", "2"], 3, "may not share links on impact-pm"),
    (["collab", "add", "chu-liege", "ligan", "results/x", "5", "--endpoint=https://evil:9000"], 2,
     "unrecognized arguments"),
    (["--endpoint", "https://evil:9000", "collab", "list"], 2, "invalid choice"),
    (["collab", "add", "chu-liege", "ligan", "results/../other", "5"], 2, "'..'"),
    (["collab", "add", "chu-liege\n", "ligan", "results/x", "5"], 2, "invalid collaborator name"),
    (["collab", "add", "chu-liege", "ligan", "results/x\n", "5"], 2, "only letters"),
    (["collab", "add", "chu-liege", "ligan", "results/x", "5\n"], 2, "invalid number of days"),
    (["collab", "add", "--", "--json", "ligan", "results/x", "5"], 2, "invalid collaborator name"),
    (["collab", "add", "chu-liege", "ligan", "/results/x", "5"], 2, "must not start with '/'"),
    (["collab", "add", "chu-liege", "Ligan", "results/x", "5"], 2, "invalid bucket name"),
    (["collab", "add", "chu-liege", "ligan", "results/*", "5"], 2, "wildcards"),
    (["share", "ligan", "--days", "2"], 2, "expected <bucket>/<path>"),
    (["share", "ligan/results/x", "--days", "0"], 2, "invalid number of days"),
    (["shell"], 2, "invalid choice"),
])
def test_refusals_before_any_server_call(server_files, argv, code, message):
    got, out, err = run_as("sgressier", {"bioinfo-ligan"}, ["--json"] + argv, server_files)
    result = json.loads(out)
    assert got == code and result["failed"] and message in result["msg"], (got, out)
    lines = audit_lines(server_files)
    assert len(lines) == 1 and lines[0]["result"] == "refused" and lines[0]["actor"] == "sgressier"
    assert "Root'Secret" not in server_files[2].read_text()


def test_outsider_is_refused_and_audited(server_files):
    code, out, err = run_as("eve", {"users"}, ["collab", "list"], server_files)
    assert code == 3 and "no group that may use s3share" in err
    assert audit_lines(server_files)[0]["actor"] == "eve"


def test_whoami_and_help(server_files):
    code, out, err = run_as("sgressier", {"bioinfo-ligan"}, ["whoami", "--json"], server_files)
    result = json.loads(out)
    assert code == 0 and result["user"] == "sgressier" and not result["admin"]
    assert [d["group"] for d in result["delegations"]] == ["bioinfo-ligan"]
    code, out, err = run_as("sgressier", {"bioinfo-ligan"}, ["--help"], server_files)
    assert code == 0 and "create_collab_user.sh" in out and "exit codes" in out


def test_audit_verify_reports_a_changed_line_and_is_audited(server_files):
    """An admin verifies the chain: ok (exit 0); one byte changed by root: exit 4, the line named, audited."""
    log = server_files[2]
    for dummy in range(3):
        run_as("sgressier", {"bioinfo-ligan"}, ["whoami"], server_files)
    code, out, err = run_as("sgressier", {"s3share-admins"}, ["--json", "audit", "--verify"], server_files)
    report = json.loads(out)["verify"]
    assert code == 0 and report["ok"] and report["chained"] == 3 and report["head"]["seq"] == 3, (out, err)
    line = audit_lines(server_files)[-1]
    assert (line["action"], line["result"], line["ok"], line["head"]) == \
        ("verify_audit", "ok", True, "3:" + report["head"]["hash"]), line
    head = line["head"]
    lines = log.read_bytes().splitlines(keepends=True)
    lines[1] = lines[1].replace(b'"whoami"', b'"whoamI"')
    log.write_bytes(b"".join(lines))
    code, out, err = run_as("sgressier", {"s3share-admins"}, ["audit", "--verify", "--head", head], server_files)
    report = json.loads(out)
    assert code == cli.EXIT_TAMPERED == 4 and not report["ok"], out
    assert [(p["kind"], p["line"]) for p in report["problems"]] == [("changed", 2)], report
    line = audit_lines(server_files)[-1]
    assert (line["action"], line["result"], line["problem_count"]) == ("verify_audit", "failed", 1), line
    assert "does not verify" in line["reason"] and line["expected_head"] == head
    # Its own line, the fifth, links to the fourth: the chain goes on after a failed check.
    assert line["seq"] == 5


@pytest.mark.parametrize("user,groups,argv,code,message", [
    ("sgressier", {"bioinfo-ligan"}, ["audit", "--verify"], 3, "admins only"),
    ("sgressier", {"s3share-admins"}, ["audit", "--verify", "--head", "3:abc"], 2, "SEQ:HASH"),
    ("sgressier", {"s3share-admins"}, ["audit", "--head", "3:" + "a" * 64], 2, "--head goes with --verify"),
    ("sgressier", {"s3share-admins"}, ["audit", "--verify", "--since", "2026-01-01"], 2, "no --since"),
])
def test_audit_verify_refusals_are_audited(server_files, user, groups, argv, code, message):
    got, out, err = run_as(user, groups, ["--json"] + argv, server_files)
    result = json.loads(out)
    assert got == code and result["refused"] and message in result["msg"], (got, out)
    [line] = audit_lines(server_files)
    assert line["result"] == "refused" and line["actor"] == user and line["seq"] == 1


# Running s3share without sudo (admin.json unreadable) is tested as a real user on a container:
# tests/integration/minio/test_s3share_sudo.py.


@pytest.mark.parametrize("argv", [
    ["collab", "add", "a" * 150000, "ligan", "results/x", "5"],
    ["collab", "show", "b" * 1025],
    ["collab", "list"] + ["x"] * 20,
])
def test_absurd_input_is_refused_early_and_logged_short(server_files, argv):
    code, out, err = run_as("sgressier", {"bioinfo-ligan"}, ["--json"] + argv, server_files)
    result = json.loads(out)
    assert code == 2 and "at most 16 arguments of 1024 characters" in result["msg"], result
    [line] = audit_lines(server_files)
    assert line["result"] == "refused" and line["action"] == "usage"
    assert len(server_files[2].read_text()) < 8 * 1024


def test_signals_are_held_then_raised_once_armed():
    import signal as signals_module
    guard = cli.Signals()
    guard.install()
    try:
        os.kill(os.getpid(), signals_module.SIGTERM)
        assert guard.received == signals_module.SIGTERM  # held: the run went on
        with pytest.raises(cli.Interrupted) as exc:
            guard.arm()  # a signal that came while held stops the run the moment it may
        assert exc.value.name == "SIGTERM"
        guard.received, guard.armed = None, False
        guard.arm()
        with pytest.raises(cli.Interrupted):
            os.kill(os.getpid(), signals_module.SIGHUP)
            for dummy in range(1000):
                pass
        assert not guard.armed  # a second signal during the clean-up waits
        os.kill(os.getpid(), signals_module.SIGINT)
    finally:
        guard.restore()
    assert signals_module.getsignal(signals_module.SIGTERM) == signals_module.SIG_DFL


# --------------------------------------------------------------------------- the rate limit
def test_a_delegated_user_looping_writes_a_bounded_number_of_audit_lines(server_files):
    """70 refused runs in a row (burst 5 here): 5 lines for the first 5, one for the first rate refusal,
    none for the 64 others; the next allowed run writes one line with the count, then its own."""
    config, delegations, log = server_files
    document = json.loads(config.read_text())
    document.update({"rate_limit_burst": 5, "rate_limit_per_minute": 0.0001})
    config.write_text(json.dumps(document))
    argv = ["collab", "add", "chu-liege", "impact-pm", "results/x", "5"]
    codes = [run_as("alice", ["bioinfo-ligan"], argv, server_files) for dummy in range(70)]
    assert [c[0] for c in codes] == [3] * 70
    assert all("may not share on impact-pm" in c[2] for c in codes[:5])
    assert all("too many runs" in c[2] for c in codes[5:]), codes[5]
    lines = audit_lines(server_files)
    assert len(lines) == 6, [line["action"] for line in lines]
    assert lines[5]["action"] == "rate_limit" and lines[5]["result"] == "refused"
    assert lines[5]["actor"] == "alice"
    # Another user is not limited by alice's spell.
    assert "may not share" in run_as("bob", ["bioinfo-ligan"], argv, server_files)[2]
    # The bucket refills: the next allowed run of alice says how many were refused, then writes its own line.
    document["rate_limit_per_minute"] = 60000.0
    config.write_text(json.dumps(document))
    code, dummy, err = run_as("alice", ["bioinfo-ligan"], argv, server_files)
    assert code == 3 and "may not share on impact-pm" in err
    lines = audit_lines(server_files)
    assert lines[-2]["action"] == "rate_limit" and lines[-2]["refused_runs"] == 65, lines[-2]
    assert lines[-1]["result"] == "refused" and lines[-1]["actor"] == "alice" and "impact-pm" in lines[-1]["reason"]


def test_admins_are_not_rate_limited(server_files):
    config, delegations, log = server_files
    document = json.loads(config.read_text())
    document.update({"rate_limit_burst": 1, "rate_limit_per_minute": 0.0001})
    config.write_text(json.dumps(document))
    for dummy in range(5):
        code, out, err = run_as("sgressier", ["s3share-admins"], ["user", "add", "Bad Name", "ligan"], server_files)
        assert "too many runs" not in err, err
    assert len(audit_lines(server_files)) == 5


def test_the_rate_state_directory_must_be_private(server_files, tmp_path):
    config, delegations, log = server_files
    shared = tmp_path / "shared-rate"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    document = json.loads(config.read_text())
    document["rate_limit_dir"] = str(shared)
    config.write_text(json.dumps(document))
    code, out, err = run_as("alice", ["bioinfo-ligan"], ["collab", "list"], server_files)
    assert code == 3 and "cannot count this run" in err and "mode 0700" in err, err
    assert audit_lines(server_files)[-1]["result"] == "failed"


def test_concurrent_runs_are_each_counted(tmp_path):
    """Eight processes take 40 runs at once from a burst of 30: exactly 30 are allowed (flock)."""
    import multiprocessing
    directory = str(tmp_path / "rate")
    with multiprocessing.get_context("fork").Pool(8) as pool:
        allowed = pool.starmap(_take_one, [(directory,)] * 40)
    assert sum(allowed) == 30, sum(allowed)


def _take_one(directory):
    from ansible_collections.egid.s3share.plugins.module_utils._s3share import ratelimit
    return ratelimit.take("alice", directory, burst=30, per_minute=0.0001).allowed
