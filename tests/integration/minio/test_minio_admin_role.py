# -*- coding: utf-8 -*-
"""roles/minio_admin on a real Debian 12 systemd container, then the sweep run by systemd.

The container comes from the test bed (scripts/testbed/host.sh, which starts
a Docker engine when none runs). The SDK is installed offline in the
container from wheels downloaded on the controller (minio_admin_pip_wheelhouse),
as on a DMZ host without a package index.
"""

from __future__ import annotations

import json
import secrets
import subprocess

import pytest
import yaml

from minio_testbed import REPO, VENV_BIN


def _docker(*args, check=True):
    return subprocess.run(["docker"] + list(args), capture_output=True, text=True, check=check)


@pytest.fixture(scope="module")
def container(binaries, tmp_path_factory):
    # The test bed's own scripts start a Docker engine when none runs and
    # build the Debian 12 systemd image; a failure there fails the test.
    host = str(REPO / "scripts" / "testbed" / "host.sh")
    wheels = tmp_path_factory.mktemp("wheels")
    subprocess.run([str(VENV_BIN / "pip"), "download", "-q", "-d", str(wheels), "minio>=7.2.15,<8.0"],
                   check=True, capture_output=True)
    name = "s3share-minio-admin-" + secrets.token_hex(3)
    try:
        subprocess.run([host, "up", name, "nectar"], check=True, capture_output=True, text=True)
        _docker("cp", binaries["minio"], name + ":/usr/local/bin/minio")
        root_password = secrets.token_urlsafe(18)
        _docker("exec", name, "sh", "-c",
                "mkdir -p /srv/minio-test && systemd-run --unit=minio-test -E MINIO_ROOT_USER=rootadmin "
                "-E MINIO_ROOT_PASSWORD=%s /usr/local/bin/minio server --quiet --address 127.0.0.1:9000 "
                "--console-address 127.0.0.1:9001 /srv/minio-test" % root_password)
        yield {"name": name, "root_password": root_password, "wheels": str(wheels)}
    finally:
        subprocess.run([host, "down", name], check=False, capture_output=True)


def _playbook(tmp_path, container, plays):
    path = tmp_path / ("play-%s.yml" % secrets.token_hex(3))
    path.write_text(yaml.safe_dump(plays, sort_keys=False))
    env = {"ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.json",
           "PATH": "%s:/usr/bin:/bin" % VENV_BIN, "HOME": str(tmp_path)}
    proc = subprocess.run([str(VENV_BIN / "ansible-playbook"), "-i", container["name"] + ",",
                           "-c", "community.docker.docker", str(path)],
                          cwd=str(REPO), env=env, capture_output=True, text=True, check=False)
    try:
        doc = json.loads(proc.stdout)
    except ValueError:
        raise AssertionError("ansible-playbook output is not JSON:\n%s\n%s" % (proc.stdout[-3000:], proc.stderr[-3000:]))
    return doc["stats"][container["name"]], doc


def test_role_installs_a_persistent_sweep_that_removes_expired_collaborators(container, tmp_path):
    role_play = [{"hosts": "all", "gather_facts": True, "roles": [{
        "role": "egid.s3share.minio_admin",
        "vars": {"minio_admin_access_key": "rootadmin", "minio_admin_secret_key": container["root_password"],
                 "minio_admin_endpoint": "http://127.0.0.1:9000",
                 "minio_admin_pip_wheelhouse": container["wheels"]}}]}]
    stats, doc = _playbook(tmp_path, container, role_play)
    assert stats["failures"] == 0 and stats["unreachable"] == 0, json.dumps(doc)[-3000:]
    assert stats["changed"] > 0
    stats, doc = _playbook(tmp_path, container, role_play)
    assert stats["failures"] == 0 and stats["changed"] == 0, "the role is not idempotent"

    show = _docker("exec", container["name"], "systemctl", "show", "minio-collaborator-sweep.timer",
                   "-p", "Persistent", "-p", "ActiveState", "-p", "UnitFileState").stdout
    assert "Persistent=yes" in show and "ActiveState=active" in show and "UnitFileState=enabled" in show
    mode = _docker("exec", container["name"], "stat", "-c", "%a %U", "/opt/minio-admin/etc/sweep.env").stdout
    assert mode.split() == ["600", "root"]

    # The modules run on the server with the role's venv; the sweep is then started by systemd.
    defaults = {"endpoint": "http://127.0.0.1:9000", "access_key": "rootadmin",
                "secret_key": container["root_password"]}
    expiry = "{{ '%Y-%m-%dT%H:%M:%SZ' | strftime(now(utc=true).timestamp() + 12, utc=true) }}"
    e2e = [{"hosts": "all", "gather_facts": False,
            "vars": {"ansible_python_interpreter": "/opt/minio-admin/venv/bin/python"},
            "module_defaults": {"group/egid.s3share.minio": defaults},
            "tasks": [
                {"egid.s3share.minio_bucket": {"name": "ligan"}},
                {"egid.s3share.minio_collaborator": {"name": "chu-liege", "bucket": "ligan",
                                                     "prefix": "results/chu-liege", "expires_at": expiry},
                 "register": "collab"},
                {"ansible.builtin.wait_for": {"timeout": 14}},
                {"ansible.builtin.command": "systemctl start minio-collaborator-sweep.service",
                 "changed_when": True},
                {"egid.s3share.minio_info": {"gather_subset": ["collaborators", "users"]}, "register": "info"},
                {"ansible.builtin.slurp": {"src": "/opt/minio-admin/logs/actions.log"}, "register": "audit"},
            ]}]
    stats, doc = _playbook(tmp_path, container, e2e)
    assert stats["failures"] == 0, json.dumps(doc)[-3000:]
    tasks = doc["plays"][0]["tasks"]
    by_name = dict((t["task"]["name"] or t["task"]["action"], t["hosts"][container["name"]]) for t in tasks)
    secret = by_name["egid.s3share.minio_collaborator"]["credentials"]["secret_key"]
    access_key = by_name["egid.s3share.minio_collaborator"]["credentials"]["access_key"]
    info = by_name["egid.s3share.minio_info"]
    assert info["collaborators"] == [] and access_key not in info["users"]
    import base64
    log = base64.b64decode(by_name["ansible.builtin.slurp"]["content"]).decode()
    lines = [json.loads(line) for line in log.splitlines()]
    assert [(l["action"], l["actor"]) for l in lines if l["target"] == "collaborator:chu-liege"] == [
        ("create_collaborator", "root"), ("expire_collaborator", "systemd:collaborator-sweep")]
    assert secret not in log and container["root_password"] not in log
