# -*- coding: utf-8 -*-
"""The server-side sweep entry script installed by roles/minio_admin, against the real MinIO.

The install layout is rebuilt from the role's own file list and package path
(vars/main.yml), so a module_utils file missing from that list fails here.
"""

from __future__ import annotations

import datetime
import json
import shutil
import subprocess
import sys
import threading

import yaml

from minio_testbed import REPO


def _install(base):
    role = REPO / "roles" / "minio_admin"
    role_vars = yaml.safe_load((role / "vars" / "main.yml").read_text())
    # The tree the role writes under <base>/lib: a regular package at each level.
    package = base / "lib"
    for part in role_vars["_minio_admin_package"]:
        package = package / part
        package.mkdir(parents=True)
        (package / "__init__.py").write_text("")
    for name in role_vars["_minio_admin_module_utils"]:
        shutil.copy(REPO / "plugins" / "module_utils" / name, package / name)
    (base / "bin").mkdir()
    shutil.copy(role / "files" / "collaborator_sweep.py", base / "bin" / "collaborator-sweep")
    return base / "bin" / "collaborator-sweep"


def _run(script, server, audit_log, cwd):
    env = {"PATH": "/usr/bin:/bin", "MINIO_ENDPOINT": server.endpoint, "MINIO_ACCESS_KEY": server.access_key,
           "MINIO_SECRET_KEY": server.secret_key, "MINIO_CA_PATH": server.ca_path,
           "MINIO_AUDIT_LOG": str(audit_log)}
    # -I: isolated, so nothing from this checkout or the venv's ansible is importable.
    proc = subprocess.run([sys.executable, "-I", str(script)], env=env, capture_output=True, text=True, cwd=cwd,
                          check=False)
    return proc.returncode, json.loads(proc.stdout), proc.stderr


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
    script = _install(tmp_path / "opt")
    audit_log = tmp_path / "logs" / "actions.log"

    # Nothing expired yet.
    code, out, err = _run(script, server, audit_log, tmp_path)
    assert code == 0, err
    assert not [r for r in out["removed"] if r["name"].startswith(prefix)]

    # After expiry, two concurrent sweeps: every collaborator goes exactly once, no error.
    import time
    time.sleep(max(0.0, (soon - datetime.datetime.now(datetime.timezone.utc)).total_seconds()) + 1)
    outputs = []
    threads = [threading.Thread(target=lambda: outputs.append(_run(script, server, audit_log, tmp_path)))
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
    code, out, dummy = _run(script, server, audit_log, tmp_path)
    assert code == 0 and not [r for r in out["removed"] if r["name"].startswith(prefix)]
    # Audit lines are whole JSON lines, one per removal, no secret.
    lines = [json.loads(line) for line in audit_log.read_text().splitlines()]
    mine = [l for l in lines if l["target"].startswith("collaborator:" + prefix)]
    assert len(mine) == len(removed) and all(l["actor"] == "systemd:collaborator-sweep" for l in mine)
    raw = audit_log.read_text()
    assert server.secret_key not in raw
    for result in created:
        assert result["credentials"]["secret_key"] not in raw

    # A bad configuration fails clearly.
    env_missing = subprocess.run([sys.executable, "-I", str(script)], env={"PATH": "/usr/bin"}, check=False,
                                 capture_output=True, text=True)
    assert env_missing.returncode == 2 and "endpoint is required" in env_missing.stdout
    ansible.run(server, [{"egid.s3share.minio_collaborator": {"name": prefix + "-keep", "state": "absent"}}])
