# -*- coding: utf-8 -*-
# Copyright: EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The audit log: one JSON line per record, actor, no secrets, nothing in check mode, no interleaving."""

import json
import multiprocessing
import os
import sys

from ansible_collections.egid.s3share.plugins.module_utils._minio.audit import (
    FIELD_LIMIT, AuditLog, cap, current_actor, genuine_sudo,
)


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
    """SUDO_USER, LOGNAME and USER never name the actor; SUDO_UID only in a process running as root."""
    import pwd
    monkeypatch.setenv("SUDO_USER", "someone-else")
    monkeypatch.setenv("LOGNAME", "someone-else")
    monkeypatch.setenv("USER", "someone-else")
    monkeypatch.delenv("SUDO_UID", raising=False)
    actor = current_actor()
    assert actor != "someone-else"
    if os.getuid() != 0:
        assert actor == pwd.getpwuid(os.getuid()).pw_name
        # Not root: SUDO_UID is whatever the caller exported, and is ignored.
        assert current_actor({"SUDO_UID": "0"}) == actor
        return
    # Root, not under sudo here: the kernel's login uid, else our real uid.
    with open("/proc/self/loginuid") as handle:
        loginuid = int(handle.read())
    expected = os.getuid() if loginuid in (-1, 4294967295) else loginuid
    assert actor == pwd.getpwuid(expected).pw_name


def test_as_root_the_actor_is_the_uid_sudo_set():
    """sudo sets SUDO_UID itself (env_reset): the invoker of the closest sudo, never an outer one."""
    if os.getuid() != 0:
        import pytest
        pytest.skip("needs root: SUDO_UID is only believed by a process running as root")
    import pwd
    nobody = pwd.getpwnam("nobody")
    assert current_actor({"SUDO_UID": str(nobody.pw_uid), "SUDO_USER": "root"}) == "nobody"
    import pytest
    from ansible_collections.egid.s3share.plugins.module_utils._minio.audit import ActorUnknown
    with pytest.raises(ActorUnknown):
        current_actor({"SUDO_UID": "0 "})


def test_a_process_named_sudo_is_not_sudo(tmp_path):
    """A symlink named sudo gives its process the name sudo (comm), never sudo's binary (/proc/PID/exe)."""
    import subprocess
    import time
    fake = tmp_path / "sudo"
    fake.symlink_to(sys.executable)
    proc = subprocess.Popen([str(fake), "-c", "import time; time.sleep(30)"])
    try:
        for dummy in range(500):  # until the child has exec'd the symlink
            with open("/proc/%d/comm" % proc.pid) as handle:
                if handle.read().strip() == "sudo":
                    break
            time.sleep(0.01)
        assert open("/proc/%d/comm" % proc.pid).read().strip() == "sudo"
        assert not genuine_sudo(proc.pid)
        # Nor when the fake is declared as sudo: it is no root-owned set-uid file.
        assert not genuine_sudo(proc.pid, sudo_paths=(sys.executable, str(fake)))
    finally:
        proc.kill()
        proc.wait()
    assert not genuine_sudo(os.getpid())


def test_fields_are_capped_after_scrubbing(tmp_path):
    path = tmp_path / "actions.log"
    secret = "S" * 40
    log = AuditLog(str(path), "s3share", secrets=[secret], actor="sgressier")
    log.write("usage", "s3share", "refused", argv=["x" * (FIELD_LIMIT - 20) + secret] + ["a"] * 1000,
              reason="y" * 150000)
    [line] = path.read_text().splitlines()
    assert len(line) < 16000 and "S" * 10 not in line
    record = json.loads(line)
    assert record["reason"].startswith("y" * FIELD_LIMIT) and "[150000 characters]" in record["reason"]
    assert record["argv"][-1] == "...[1001 items]"
    assert cap("short") == "short" and cap(7) == 7


def _writer(path, index):
    log = AuditLog(path, "minio_user", actor="w%d" % index)
    for i in range(200):
        log.write("set_user", "user:%d-%d" % (index, i), "changed", padding=["x" * 250] * 20)


def test_concurrent_appends_do_not_interleave(tmp_path):
    path = str(tmp_path / "actions.log")
    procs = [multiprocessing.Process(target=_writer, args=(path, i)) for i in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    lines = open(path).read().splitlines()
    assert len(lines) == 800
    assert all(json.loads(line)["padding"] == ["x" * 250] * 20 for line in lines)
