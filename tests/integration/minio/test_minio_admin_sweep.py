# -*- coding: utf-8 -*-
"""The server-side sweep (its launcher, as roles/minio_admin renders it), against the real MinIO.

The collection is installed as the role installs it: built with the role's own
helper (files/admin_state.py, which runs `ansible-galaxy collection build`),
unpacked into a version directory behind the s3share link, and the tree
digest of the unpacked files must equal the tarball's (the role's idempotence
test). The launcher then runs with an isolated Python, so it imports nothing
but the installed collection, and reads its settings from admin.json.
"""

from __future__ import annotations

import datetime
import importlib.util
import json
import os
import subprocess
import sys
import tarfile
import threading

import jinja2

from minio_testbed import REPO, VENV_BIN

ROLE = REPO / "roles" / "minio_admin"


def _admin_state():
    spec = importlib.util.spec_from_file_location("admin_state", str(ROLE / "files" / "admin_state.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _install(base, build_dir):
    admin_state = _admin_state()
    proc = subprocess.run([sys.executable, str(ROLE / "files" / "admin_state.py"), "build-collection", str(REPO),
                           str(build_dir), str(VENV_BIN / "ansible-galaxy")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    built = json.loads(proc.stdout)
    assert built["source"] == "build"
    parent = base / "lib" / "ansible_collections" / "egid"
    version = parent / (".s3share-" + built["digest"][:12])
    version.mkdir(parents=True)
    with tarfile.open(built["tarball"]) as tar:
        tar.extractall(version, filter="tar")
    os.symlink(version.name, parent / "s3share")
    # What the role compares: the files as unpacked against the tarball's members
    # (owners included, so only when unpacked by root, as on the server).
    assert built["digest"] == admin_state.tar_digest(built["tarball"])
    if os.geteuid() == 0:
        assert admin_state.tree_digest(str(version)) == built["digest"]
    assert json.loads((parent / "s3share" / "MANIFEST.json").read_text())["collection_info"]["name"] == "s3share"
    (base / "bin").mkdir()
    (base / "etc").mkdir()
    # The role's own launcher template, rendered with the paths of this base.
    env = jinja2.Environment(keep_trailing_newline=True, autoescape=False)
    env.filters["to_json"] = json.dumps
    template = env.from_string((ROLE / "templates" / "opt" / "minio-admin" / "bin" / "collaborator-sweep.j2").read_text())
    launcher = base / "bin" / "collaborator-sweep"
    launcher.write_text(template.render(
        minio_admin_venv=str(VENV_BIN.parent), ansible_managed="test", _minio_admin_unit="minio-collaborator-sweep",
        _minio_admin_lib_dir=str(base / "lib"), _minio_admin_config_file=str(base / "etc" / "admin.json"),
        _minio_admin_state_dir=str(base / "state")))
    return launcher


def _config(path, server, audit_log, **changes):
    config = {"endpoint": server.endpoint, "access_key": server.access_key, "secret_key": server.secret_key,
              "ca_path": server.ca_path, "validate_certs": True, "region": "us-east-1",
              "records_bucket": "s3share-admin", "audit_log": str(audit_log)}
    config.update(changes)
    path.write_text(json.dumps(config))
    path.chmod(0o600)
    return path


def _run(script, config, cwd, *options):
    # -I: isolated, so nothing from this checkout or the venv's ansible is importable.
    proc = subprocess.run([sys.executable, "-I", str(script), "--config", str(config)] + list(options),
                          env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True, cwd=cwd, check=False)
    try:
        out = json.loads(proc.stdout)
    except ValueError:
        raise AssertionError("the sweep printed no JSON (rc %d):\n%s\n%s"
                             % (proc.returncode, proc.stdout, proc.stderr[-3000:]))
    return proc.returncode, out, proc.stderr


def test_sweep_entry_script(server, ansible, prefix, tmp_path):
    s3 = server.clients()[0]
    bucket = prefix + "-sweep"
    s3.make_bucket(bucket)
    soon = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=25)
    tasks = [{"egid.s3share.minio_collaborator": {"name": "%s-%d" % (prefix, i), "bucket": bucket,
                                                  "prefix": "results/p%d" % i,
                                                  "expires_at": soon.strftime("%Y-%m-%dT%H:%M:%SZ")}}
             for i in range(3)]
    tasks.append({"egid.s3share.minio_collaborator": {"name": prefix + "-keep", "bucket": bucket,
                                                      "prefix": "results/keep", "days": 2}})
    created = ansible.run(server, tasks)
    keys = [r["credentials"]["access_key"] for r in created]
    script = _install(tmp_path / "opt", tmp_path / "build")
    audit_log = tmp_path / "logs" / "actions.log"
    config = _config(tmp_path / "opt" / "etc" / "admin.json", server, audit_log)

    # Nothing expired yet.
    code, out, err = _run(script, config, tmp_path)
    assert code == 0, err
    assert not [r for r in out["removed"] if r["name"].startswith(prefix)]

    # After expiry, two concurrent sweeps: every collaborator goes exactly once, no error.
    import time
    time.sleep(max(0.0, (soon - datetime.datetime.now(datetime.timezone.utc)).total_seconds()) + 1)
    outputs = []
    threads = [threading.Thread(target=lambda: outputs.append(_run(script, config, tmp_path)))
               for dummy in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for code, out, err in outputs:
        assert code == 0, (out, err)
    removed = sorted(r["name"] for dummy, out, dummy2 in outputs for r in out["removed"] if r["name"].startswith(prefix))
    assert set(removed) == {"%s-%d" % (prefix, i) for i in range(3)}
    users = json.loads(server.clients()[1].user_list())
    assert not set(keys[:3]) & set(users) and keys[3] in users
    # Re-run: nothing left to do.
    code, out, dummy = _run(script, config, tmp_path)
    assert code == 0 and not [r for r in out["removed"] if r["name"].startswith(prefix)]
    # Audit lines are whole JSON lines, one per removal, no secret.
    lines = [json.loads(line) for line in audit_log.read_text().splitlines()]
    mine = [l for l in lines if l["target"].startswith("collaborator:" + prefix)]
    assert len(mine) == len(removed) and all(l["actor"] == "systemd:collaborator-sweep" for l in mine)
    raw = audit_log.read_text()
    assert server.secret_key not in raw
    for result in created:
        assert result["credentials"]["secret_key"] not in raw
    state = json.loads((tmp_path / "opt" / "state" / "sweep.json").read_text())
    assert state["last_result"] == "ok"

    # What the OnFailure= unit runs: one audit line and the state file for monitoring.
    proc = subprocess.run([sys.executable, "-I", str(script), "--config", str(config),
                           "--record-failure", "minio-collaborator-sweep.service"],
                          env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    last = json.loads(audit_log.read_text().splitlines()[-1])
    assert last["action"] == "sweep_failed" and "minio-collaborator-sweep.service" in last["target"]
    state = json.loads((tmp_path / "opt" / "state" / "sweep.json").read_text())
    assert state["last_result"] == "failed"

    # A bad configuration or an unreachable server fails with 2, and says why.
    code, out, dummy = _run(script, tmp_path / "missing.json", tmp_path)
    assert code == 2 and out["failed"] and "missing.json" in out["msg"]
    code, out, dummy = _run(script, _config(tmp_path / "bad.json", server, audit_log, endpoint=None), tmp_path)
    assert code == 2 and out["failed"] and "endpoint" in out["msg"]
    code, out, dummy = _run(script, _config(tmp_path / "down.json", server, audit_log,
                                            endpoint="https://127.0.0.1:9"), tmp_path)
    assert code == 2 and out["failed"]
    ansible.run(server, [{"egid.s3share.minio_collaborator": {"name": prefix + "-keep", "state": "absent"}}])
