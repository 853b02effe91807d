# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit log: one JSON line per record, actor, no secrets, nothing in check mode, no interleaving."""

import json
import multiprocessing
import os

from ansible_collections.egid.s3share.plugins.module_utils._minio.audit import AuditLog, current_actor


def test_record_fields_and_secret_scrubbing(tmp_path):
    path = tmp_path / "logs" / "actions.log"
    log = AuditLog(str(path), "minio_collaborator", secrets=["TopSecretValue42"], actor="sgressier")
    log.ensure_writable()
    log.add_secret("GeneratedSecret99")
    log.write("create_collaborator", "collaborator:chu-liege", "changed", expires_at="2026-12-23T08:00:00Z",
              note="oops TopSecretValue42 and GeneratedSecret99")
    lines = path.read_text().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["actor"] == "sgressier" and record["module"] == "minio_collaborator"
    assert record["action"] == "create_collaborator" and record["result"] == "changed"
    assert record["expires_at"] == "2026-12-23T08:00:00Z" and record["timestamp"].endswith("Z")
    assert "TopSecretValue42" not in lines[0] and "GeneratedSecret99" not in lines[0]


def test_check_mode_writes_nothing(tmp_path):
    path = tmp_path / "actions.log"
    log = AuditLog(str(path), "minio_user", check_mode=True)
    log.ensure_writable()
    log.write("set_user", "user:a", "changed")
    assert not path.exists() and len(log.records) == 1


def test_actor_ignores_what_the_caller_can_set(monkeypatch):
    """SUDO_USER is an ordinary environment variable: anyone can set it, so it never names the actor."""
    import pwd
    monkeypatch.setenv("SUDO_USER", "someone-else")
    monkeypatch.setenv("LOGNAME", "someone-else")
    monkeypatch.setenv("USER", "someone-else")
    actor = current_actor()
    assert actor != "someone-else"
    # Not under sudo here: the kernel's login uid, else our real uid.
    with open("/proc/self/loginuid") as handle:
        loginuid = int(handle.read())
    expected = os.getuid() if loginuid in (-1, 4294967295) else loginuid
    assert actor == pwd.getpwuid(expected).pw_name


def _writer(path, index):
    log = AuditLog(path, "minio_user", actor="w%d" % index)
    for i in range(200):
        log.write("set_user", "user:%d-%d" % (index, i), "changed", padding="x" * 5000)


def test_concurrent_appends_do_not_interleave(tmp_path):
    path = str(tmp_path / "actions.log")
    procs = [multiprocessing.Process(target=_writer, args=(path, i)) for i in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    lines = open(path).read().splitlines()
    assert len(lines) == 800
    assert all(json.loads(line)["padding"] == "x" * 5000 for line in lines)
