# -*- coding: utf-8 -*-
"""roles/minio_admin on a real Debian 12 systemd container, then the sweep run by systemd.

The container comes from the test bed (scripts/testbed/host.sh, which starts
a Docker engine when none runs). The SDK is installed offline in the
container from wheels downloaded on the controller (minio_admin_pip_wheelhouse),
as on a DMZ host without a package index.

MinIO's root password is full of characters that an unquoted environment file
or a shell would change (backslash, both quotes, $, `, #, =, runs of spaces). It reaches MinIO through a systemd EnvironmentFile with
systemd's own quoting (checked in /proc/PID/environ), and the sweep must log in
with it from the role's admin.json.

The tests share one container and run in order: converge, the sweep started
by hand and by the timer, then a failing sweep.
"""

from __future__ import annotations

import datetime
import json
import re
import secrets
import subprocess
import time

import pytest
import yaml

from minio_testbed import REPO, VENV_BIN

BASE = "/opt/minio-admin"
CONFIG = BASE + "/etc/admin.json"
UNIT = "minio-collaborator-sweep"
FAILURE_UNIT = "minio-collaborator-sweep-failure"
ENDPOINT = "http://127.0.0.1:9000"
# MinIO takes 8 to 40 characters, and trims whitespace at both ends of its root
# password (so the role refuses such a secret, checked below): the spaces are inside.
ROOT_PASSWORD = secrets.token_urlsafe(9) + "a\\b'c\"d $HOME `id` #x=y  z"


def _docker(*args, check=True, input_text=None):
    return subprocess.run(["docker"] + list(args), capture_output=True, text=True, check=check, input=input_text)


def _exec(container, *argv, check=True, input_text=None):
    return _docker("exec", "-i", container["name"], *argv, check=check, input_text=input_text)


def _systemd_env_value(value):
    """systemd's EnvironmentFile quoting: inside double quotes, \\ escapes \\ " ` and $."""
    return '"%s"' % re.sub(r'([\\"`$])', r"\\\1", value)


def _show(container, unit, *props):
    argv = ["systemctl", "show", unit]
    for prop in props:
        argv += ["-p", prop]
    out = _exec(container, *argv).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


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
        box = {"name": name, "root_password": ROOT_PASSWORD, "wheels": str(wheels)}
        _docker("cp", binaries["minio"], name + ":/usr/local/bin/minio")
        # The password goes through stdin and a root-only EnvironmentFile, never a shell's command line.
        env_file = "MINIO_ROOT_USER=rootadmin\nMINIO_ROOT_PASSWORD=%s\n" % _systemd_env_value(ROOT_PASSWORD)
        _exec(box, "sh", "-c", "umask 077 && cat > /root/minio-test.env", input_text=env_file)
        _exec(box, "mkdir", "-p", "/srv/minio-test")
        _exec(box, "systemd-run", "--unit=minio-test", "-p", "EnvironmentFile=/root/minio-test.env",
              "/usr/local/bin/minio", "server", "--quiet", "--address", "127.0.0.1:9000",
              "--console-address", "127.0.0.1:9001", "/srv/minio-test")
        # An install by an older version of the role: the unquoted env file and a plain
        # directory with a hand-kept list of module_utils.
        _exec(box, "sh", "-c", "mkdir -p %(b)s/etc %(b)s/lib/ansible_collections/egid/s3share/plugins/module_utils"
                               " && echo MINIO_SECRET_KEY=old > %(b)s/etc/sweep.env && chmod 600 %(b)s/etc/sweep.env"
                               " && touch %(b)s/lib/ansible_collections/egid/s3share/plugins/module_utils/_minio_audit.py"
                               % {"b": BASE})
        yield box
    finally:
        subprocess.run([host, "down", name], check=False, capture_output=True)


def _playbook(tmp_path, container, plays, *options):
    path = tmp_path / ("play-%s.yml" % secrets.token_hex(3))
    path.write_text(yaml.safe_dump(plays, sort_keys=False))
    env = {"ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.json",
           "PATH": "%s:/usr/bin:/bin" % VENV_BIN, "HOME": str(tmp_path)}
    proc = subprocess.run([str(VENV_BIN / "ansible-playbook"), "-i", container["name"] + ",",
                           "-c", "community.docker.docker"] + list(options) + [str(path)],
                          cwd=str(REPO), env=env, capture_output=True, text=True, check=False)
    try:
        doc = json.loads(proc.stdout)
    except ValueError:
        raise AssertionError("ansible-playbook output is not JSON:\n%s\n%s" % (proc.stdout[-3000:], proc.stderr[-3000:]))
    return doc["stats"][container["name"]], doc


def _role_play(container):
    return [{"hosts": "all", "gather_facts": False, "roles": [{
        "role": "egid.s3share.minio_admin",
        "vars": {"minio_admin_access_key": "rootadmin", "minio_admin_secret_key": container["root_password"],
                 "minio_admin_endpoint": ENDPOINT,
                 "minio_admin_pip_wheelhouse": container["wheels"]}}]}]


def _ran(doc, host):
    """Names of the tasks that ran on the host (not skipped), in order."""
    names = []
    for play in doc["plays"]:
        for task in play["tasks"]:
            result = task["hosts"].get(host)
            if result is not None and not result.get("skipped"):
                names.append(task["task"]["name"])
    return names


def _changed_tasks(doc):
    return [(t["task"]["name"], h.get("changed_paths") or h.get("msg") or h.get("stdout", "")[-300:])
            for p in doc["plays"] for t in p["tasks"] for h in t["hosts"].values() if h.get("changed")]


def _failed_tasks(doc):
    return [(t["task"]["name"], h.get("msg")) for p in doc["plays"] for t in p["tasks"]
            for h in t["hosts"].values() if h.get("failed")]


def _wait_ready(container):
    probe = ("import urllib.request, sys\n"
             "try:\n urllib.request.urlopen('%s/minio/health/ready', timeout=2)\n"
             "except Exception:\n sys.exit(1)" % ENDPOINT)
    for dummy in range(60):
        if _exec(container, "python3", "-c", probe, check=False).returncode == 0:
            return
        time.sleep(1)
    raise AssertionError("MinIO did not start in the container")


def _collection_state(container):
    """The installed collection as egid.s3share.admin_install_info reads it (the same standard-library code)."""
    code = ((REPO / "plugins" / "module_utils" / "_host" / "collection_tree.py").read_text()
            + "\nimport json, sys\nprint(json.dumps(installed_collection(sys.argv[1])))\n")
    out = _exec(container, "python3", "-c", code, BASE + "/lib/ansible_collections/egid").stdout
    return json.loads(out)


def test_role_converges_idempotently_with_a_secret_full_of_special_characters(container, tmp_path):
    _wait_ready(container)
    pid = _exec(container, "systemctl", "show", "-p", "MainPID", "--value", "minio-test").stdout.strip()
    environ = _exec(container, "cat", "/proc/%s/environ" % pid).stdout.split("\0")
    assert "MINIO_ROOT_PASSWORD=" + ROOT_PASSWORD in environ, "the test bed did not give MinIO the exact password"
    assert "  " in ROOT_PASSWORD and len(ROOT_PASSWORD) <= 40

    play = _role_play(container)
    # Check mode on the host as an older version left it: predicts changes, writes nothing.
    stats, doc = _playbook(tmp_path, container, play, "--check")
    assert stats["failures"] == 0 and stats["changed"] > 0, _failed_tasks(doc) or json.dumps(doc)[-3000:]
    assert _exec(container, "sh", "-c", "ls -A %s %s/etc %s/lib/ansible_collections/egid" % (BASE, BASE, BASE)
                 ).stdout.split() == ["%s:" % BASE, "etc", "lib", "%s/etc:" % BASE, "sweep.env",
                                      "%s/lib/ansible_collections/egid:" % BASE, "s3share"]
    assert _exec(container, "sh", "-c", "ls /etc/systemd/system/%s*" % UNIT, check=False).returncode != 0

    stats, doc = _playbook(tmp_path, container, play)
    assert stats["failures"] == 0 and stats["unreachable"] == 0, _failed_tasks(doc) or json.dumps(doc)[-3000:]
    assert stats["changed"] > 0
    began = time.time()
    stats, doc = _playbook(tmp_path, container, play)
    print("converge with nothing to do: %.1f s" % (time.time() - began))
    assert stats["failures"] == 0 and stats["changed"] == 0, _changed_tasks(doc)
    # Read once, act on drift: a converge with nothing to do runs few modules.
    # (leaving out the steps that run on the controller only: arguments, asserts, facts, handlers flush)
    ran = [n.split(" : ", 1)[-1] for n in _ran(doc, container["name"])]
    ran = [n for n in ran if not n.startswith(("Validating arguments", "Check", "Publish", "Flush"))]
    print("tasks run by a converge with nothing to do: %s" % ran)
    assert len(ran) <= 4, ran
    stats, doc = _playbook(tmp_path, container, play, "--check")
    assert stats["failures"] == 0 and stats["changed"] == 0, _changed_tasks(doc)

    # admin.json: root only, exactly the keys, the secret byte for byte.
    assert _exec(container, "stat", "-c", "%a %U %G", CONFIG).stdout.split() == ["600", "root", "root"]
    config = json.loads(_exec(container, "cat", CONFIG).stdout)
    assert config == {"endpoint": ENDPOINT, "access_key": "rootadmin", "secret_key": ROOT_PASSWORD, "ca_path": None,
                      "validate_certs": True, "region": "us-east-1", "records_bucket": "s3share-admin",
                      "audit_log": BASE + "/logs/actions.log", "public_endpoint": ENDPOINT,
                      # No link identity is configured in this test.
                      "links_access_key": None, "links_secret_key": None,
                      # The delegated users' rate limit, the role's defaults.
                      "rate_limit_burst": 60, "rate_limit_per_minute": 6.0}
    assert _exec(container, "test", "-e", BASE + "/etc/sweep.env", check=False).returncode == 1
    assert _exec(container, "stat", "-c", "%a %U", BASE + "/state").stdout.split() == ["750", "root"]

    # The built collection, behind a link to its version directory; nothing else left.
    collection = _collection_state(container)
    assert collection["kind"] == "link" and collection["versions"] == [collection["version"]]
    manifest = json.loads(_exec(container, "cat", BASE + "/lib/ansible_collections/egid/s3share/MANIFEST.json").stdout)
    assert manifest["collection_info"]["name"] == "s3share"
    _exec(container, BASE + "/venv/bin/python", "-I", "-c",
          "import sys; sys.path.insert(0, '%s/lib'); "
          "import ansible_collections.egid.s3share.plugins.module_utils._minio.collab.service" % BASE)

    # A secret with a space at the end (which MinIO would drop) is refused before anything changes.
    trailing = _role_play(container)
    trailing[0]["roles"][0]["vars"]["minio_admin_secret_key"] = ROOT_PASSWORD + " "
    stats, doc = _playbook(tmp_path, container, trailing)
    assert stats["failures"] == 1 and stats["changed"] == 0
    assert "whitespace" in str(_failed_tasks(doc)) and ROOT_PASSWORD not in json.dumps(doc)
    assert json.loads(_exec(container, "cat", CONFIG).stdout)["secret_key"] == ROOT_PASSWORD

    # The units.
    timer = _show(container, UNIT + ".timer", "TimersCalendar", "Persistent", "AccuracyUSec", "RandomizedDelayUSec",
                  "ActiveState", "UnitFileState")
    assert "OnCalendar=*-*-* *:00/2:00" in timer["TimersCalendar"], timer
    assert (timer["Persistent"], timer["AccuracyUSec"], timer["RandomizedDelayUSec"]) == ("yes", "1s", "0"), timer
    assert (timer["ActiveState"], timer["UnitFileState"]) == ("active", "enabled"), timer
    service = _show(container, UNIT + ".service", "OnFailure", "ExecStart", "ReadWritePaths", "EnvironmentFiles")
    assert service["OnFailure"] == FAILURE_UNIT + ".service"
    assert "argv[]=%s/venv/bin/python -I %s/bin/collaborator-sweep --config %s ;" % (BASE, BASE, CONFIG) \
        in service["ExecStart"]
    assert sorted(service["ReadWritePaths"].split()) == [BASE + "/logs", BASE + "/state"]
    assert not service.get("EnvironmentFiles")
    failure = _show(container, FAILURE_UNIT + ".service", "ExecStart", "Type")
    assert failure["Type"] == "oneshot"
    assert "--config %s --record-failure %s.service ;" % (CONFIG, UNIT) in failure["ExecStart"]

    # Drift inside the installed collection: check mode sees it and writes nothing,
    # a converge installs a fresh version; a bytecode cache is not drift.
    module_utils = BASE + "/lib/ansible_collections/egid/s3share/plugins/module_utils"
    _exec(container, "sh", "-c", "echo '# drift' >> %s/_minio/audit.py && mkdir -p %s/__pycache__ "
                                 "&& touch %s/__pycache__/x.pyc" % (module_utils, module_utils, module_utils))
    stats, doc = _playbook(tmp_path, container, play, "--check")
    assert stats["failures"] == 0 and stats["changed"] > 0, "check mode missed a changed file of the collection"
    assert _exec(container, "tail", "-n1", module_utils + "/_minio/audit.py").stdout == "# drift\n"
    stats, doc = _playbook(tmp_path, container, play)
    assert stats["failures"] == 0 and stats["changed"] > 0, _failed_tasks(doc)
    after = _collection_state(container)
    assert after["version"] != collection["version"] and after["versions"] == [after["version"]]
    assert after["digest"] == collection["digest"]
    stats, doc = _playbook(tmp_path, container, play)
    assert stats["failures"] == 0 and stats["changed"] == 0, _changed_tasks(doc)


def _audit_lines(container):
    raw = _exec(container, "cat", BASE + "/logs/actions.log").stdout
    return raw, [json.loads(line) for line in raw.splitlines() if line.strip()]


def _wait_for_unit_run(container, unit, after_usec, timeout):
    """Wait until unit's main process has exited after the monotonic time after_usec; return its properties."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        props = _show(container, unit, "ExecMainStartTimestampMonotonic", "ExecMainExitTimestampMonotonic",
                      "ExecMainStatus", "Result", "ActiveState")
        if int(props["ExecMainStartTimestampMonotonic"] or 0) > after_usec \
                and int(props["ExecMainExitTimestampMonotonic"] or 0) > after_usec \
                and props["ActiveState"] != "activating":
            return props
        time.sleep(1)
    raise AssertionError("%s did not run within %d s" % (unit, timeout))


def _monotonic_usec(container):
    return int(float(_exec(container, "cut", "-d", " ", "-f1", "/proc/uptime").stdout) * 1e6)


def test_sweep_run_by_systemd_logs_in_with_the_secret_and_removes_expired_collaborators(container, tmp_path):
    # The modules run on the server with the role's venv; the sweep is then run by systemd.
    defaults = {"endpoint": ENDPOINT, "access_key": "rootadmin", "secret_key": container["root_password"]}
    play = {"hosts": "all", "gather_facts": False,
            "vars": {"ansible_python_interpreter": BASE + "/venv/bin/python"},
            "module_defaults": {"group/egid.s3share.minio": defaults}}

    def create(name, seconds):
        """A collaborator that expires in so many seconds; returns its credentials and its expiry."""
        expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
        stats, doc = _playbook(tmp_path, container, [dict(play, tasks=[
            {"egid.s3share.minio_bucket": {"name": "ligan"}},
            {"egid.s3share.minio_collaborator": {"name": name, "bucket": "ligan", "prefix": "results/" + name,
                                                 "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%SZ")}}])])
        assert stats["failures"] == 0, _failed_tasks(doc) or json.dumps(doc)[-3000:]
        return doc["plays"][0]["tasks"][1]["hosts"][container["name"]]["credentials"], expires

    def sleep_until(moment):
        time.sleep(max(0.0, (moment - datetime.datetime.now(datetime.timezone.utc)).total_seconds()) + 1)

    def listed():
        stats, doc = _playbook(tmp_path, container, [dict(play, tasks=[
            {"egid.s3share.minio_info": {"gather_subset": ["collaborators", "users"]}}])])
        assert stats["failures"] == 0, _failed_tasks(doc)
        return doc["plays"][0]["tasks"][0]["hosts"][container["name"]]

    # Started by hand through systemd.
    created, expires = create("chu-liege", 20)
    sleep_until(expires)
    _exec(container, "systemctl", "start", UNIT + ".service")
    service = _show(container, UNIT + ".service", "Result", "ExecMainStatus")
    assert (service["Result"], service["ExecMainStatus"]) == ("success", "0"), service
    info = listed()
    assert info["collaborators"] == [] and created["access_key"] not in info["users"]

    # Then by the timer on its own: the next run it starts after the expiry (at most one period away).
    second, expires = create("impact-pm", 20)
    sleep_until(expires)
    expired, expired_unix = _monotonic_usec(container), int(_exec(container, "date", "+%s").stdout)
    props = _wait_for_unit_run(container, UNIT + ".service", expired, 150)
    assert (props["Result"], props["ExecMainStatus"]) == ("success", "0"), props
    triggered = _exec(container, "systemctl", "show", "-p", "LastTriggerUSec", "--value", UNIT + ".timer").stdout
    triggered = int(_exec(container, "date", "-d", triggered.strip(), "+%s").stdout)
    assert triggered >= expired_unix, "that run was not started by the timer"
    info = listed()
    assert info["collaborators"] == [] and second["access_key"] not in info["users"]

    raw, lines = _audit_lines(container)
    for name in ("chu-liege", "impact-pm"):
        mine = [(l["action"], l["actor"]) for l in lines if l["target"] == "collaborator:" + name]
        assert mine[0][1] == "root" and mine[-1] == ("expire_collaborator", "systemd:collaborator-sweep"), mine
    for secret in (created["secret_key"], second["secret_key"], ROOT_PASSWORD, ROOT_PASSWORD.strip()):
        assert secret not in raw
    state = json.loads(_exec(container, "cat", BASE + "/state/sweep.json").stdout)
    assert state["last_result"] == "ok"


def test_a_failed_sweep_starts_the_failure_unit(container, tmp_path):
    before = _monotonic_usec(container)
    # Point the sweep at a port where nothing answers.
    _exec(container, "python3", "-c",
          "import json; p = '%s'; c = json.load(open(p)); c['endpoint'] = 'http://127.0.0.1:9'; "
          "json.dump(c, open(p, 'w'))" % CONFIG)
    start = _exec(container, "systemctl", "start", UNIT + ".service", check=False)
    assert start.returncode != 0
    service = _show(container, UNIT + ".service", "Result", "ExecMainStatus")
    assert (service["Result"], service["ExecMainStatus"]) == ("exit-code", "2"), service
    failure = _wait_for_unit_run(container, FAILURE_UNIT + ".service", before, 30)
    journal = _exec(container, "journalctl", "--no-pager", "-o", "cat", "-u", FAILURE_UNIT + ".service").stdout
    assert journal, "the failure unit left nothing in the journal"

    # What the sweep script records.
    assert (failure["Result"], failure["ExecMainStatus"]) == ("success", "0"), (failure, journal[-2000:])
    raw, lines = _audit_lines(container)
    assert lines[-1]["action"] == "sweep_failed" and UNIT + ".service" in lines[-1]["target"], lines[-1]
    assert ROOT_PASSWORD not in raw
    state = _exec(container, "stat", "-c", "%U", BASE + "/state/sweep.json").stdout.strip()
    assert state == "root"
    assert json.loads(_exec(container, "cat", BASE + "/state/sweep.json").stdout)["last_result"] == "failed"

    # A converge puts admin.json back, and the sweep works again.
    stats, doc = _playbook(tmp_path, container, _role_play(container))
    assert stats["failures"] == 0 and stats["changed"] > 0, _failed_tasks(doc)
    assert json.loads(_exec(container, "cat", CONFIG).stdout)["endpoint"] == ENDPOINT
    _exec(container, "systemctl", "start", UNIT + ".service")
