# -*- coding: utf-8 -*-
# Copyright: (c) 2026, EGID / UMR 8199 IT team
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""nectar reboots: a test host (scripts/testbed/host.sh, nectar's three loop disks) deployed with the
storage and minio_server roles, then restarted with `docker restart` as a VM reboots. The test bed
mounts the roles' fstab by UUID at boot (scripts/testbed/image/), so this is what a reboot does:
the drives are mounted before MinIO, which comes back with its objects, and the next converge changes
nothing. Then a boot with the data disk gone: the node stays out and MinIO never writes to the bare
mount point (on nectar it is a directory of the cache disk, which MinIO's own root-drive check would
accept)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time

import pytest
import yaml

from minio_testbed import REPO, VENV_BIN

ROOT_USER = "root" + secrets.token_hex(4)
ROOT_PASSWORD = secrets.token_urlsafe(18)
CA = "/srv/s3/certs/CAs/ca.crt"
READY = "https://localhost:9000/minio/health/ready"
METRIC = "/var/lib/prometheus/node-exporter/s3share-minio-drives.prom"


def _exec(box, *argv, check=True):
    proc = subprocess.run(["docker", "exec", box["name"]] + list(argv), capture_output=True, text=True,
                          check=False, timeout=120)
    if check:
        assert proc.returncode == 0, (argv, proc.stdout[-2000:], proc.stderr[-2000:])
    return proc


def _converge(box):
    proc = subprocess.run([str(VENV_BIN / "ansible-playbook"), "-i", str(box["work"] / "hosts.yml"),
                           str(box["work"] / "site.yml")], cwd=str(REPO), capture_output=True, text=True,
                          check=False, timeout=600,
                          env={"ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1",
                               "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.json", "HOME": str(box["work"]),
                               "PATH": "%s:/usr/local/bin:/usr/bin:/bin" % VENV_BIN,
                               # The controller's cache of verified binaries (HOME is the test's own).
                               "EGID_S3SHARE_CACHE": os.environ.get("EGID_S3SHARE_CACHE")
                               or os.path.expanduser("~/.cache/egid-s3share")})
    doc = json.loads(proc.stdout) if proc.stdout.startswith("{") else None
    assert doc, proc.stdout[-3000:] + proc.stderr[-3000:]
    stats = doc["stats"]["nectar"]
    assert doc["stats"]["localhost"]["failures"] == 0
    failed = [(t["task"]["name"], h.get("msg")) for p in doc["plays"] for t in p["tasks"]
              for h in t["hosts"].values() if h.get("failed")]
    assert stats["failures"] == 0 and stats["unreachable"] == 0, failed
    return [t["task"]["name"] for p in doc["plays"] for t in p["tasks"] for h in t["hosts"].values()
            if h.get("changed")]


def _wait_drive_metric(box, value, tries):
    """Waits for the drive check's metric of nectar's data drive to read value (1 mounted, 0 not)."""
    wanted = 's3share_minio_drive_mounted{node="nectar",drive="/srv/s3/data"} %d' % value
    metric = ""
    for _attempt in range(tries):
        metric = _exec(box, "cat", METRIC, check=False).stdout
        if wanted in metric:
            break
        time.sleep(1)
    assert wanted in metric, metric


def _power_cycle(box, disk_action):
    """docker stop, the data disk unplugged or replugged, docker start."""
    subprocess.run(["docker", "stop", box["name"]], check=True, capture_output=True, timeout=120)
    subprocess.run([str(REPO / "scripts" / "testbed" / "loop-disks.sh"), disk_action, box["name"], "data"],
                   check=True, capture_output=True, timeout=60)
    subprocess.run(["docker", "start", box["name"]], check=True, capture_output=True, timeout=120)


def _reboot(box):
    subprocess.run(["docker", "restart", box["name"]], check=True, capture_output=True, timeout=120)
    return _boot_state(box)


def _boot_state(box, want=("running", "degraded")):
    """Waits until systemd's boot is over in one of the wanted states; returns the last state.
    (The boot ends with "Startup finished" a moment before a failed local-fs.target's emergency mode.)"""
    state = ""
    for _attempt in range(90):
        state = _exec(box, "systemctl", "is-system-running", check=False).stdout.strip()
        if state in want:
            break
        time.sleep(1)
    assert state in want, (state, _exec(box, "journalctl", "-b", "--no-pager", "-n", "40", check=False).stdout)
    return state


def _ready(box, timeout=60):
    for _attempt in range(timeout):
        if _exec(box, "curl", "-fsS", "--cacert", CA, "-o", "/dev/null", READY, check=False).returncode == 0:
            return True
        time.sleep(1)
    return False


@pytest.fixture(scope="module")
def box(binaries, tmp_path_factory):
    """nectar, converged with the storage and minio_server roles (defaults: cache disk /srv/s3, data disk
    /srv/s3/data), with an object written through mc."""
    host = str(REPO / "scripts" / "testbed" / "host.sh")
    work = tmp_path_factory.mktemp("reboot")
    name = "s3share-reboot-" + secrets.token_hex(3)
    box = {"name": name, "work": work}
    inventory = {"all": {"children": {"minio_servers": {"hosts": {"nectar": {
        "ansible_host": name, "ansible_connection": "community.docker.docker",
        "ansible_python_interpreter": "/usr/bin/python3"}}}}}}
    pki_dir = str(work / "pki")
    play = [{"name": "The demo CA", "hosts": "localhost", "connection": "local", "gather_facts": False,
             "vars": {"demo_pki_dir": pki_dir}, "roles": ["egid.s3share.demo_pki"]},
            {"name": "nectar", "hosts": "minio_servers", "gather_facts": False,
             "vars": {"minio_server_root_user": ROOT_USER, "minio_server_root_password": ROOT_PASSWORD,
                      "minio_server_fqdn": "localhost",
                      "minio_server_tls_certificate": pki_dir + "/server.crt",
                      "minio_server_tls_private_key": pki_dir + "/server.key",
                      "minio_server_tls_ca": pki_dir + "/ca.crt"},
             "roles": ["egid.s3share.storage", "egid.s3share.minio_server"]}]
    (work / "hosts.yml").write_text(yaml.safe_dump(inventory))
    (work / "site.yml").write_text(yaml.safe_dump(play, sort_keys=False))
    try:
        subprocess.run([host, "up", name, "nectar"], check=True, capture_output=True, text=True)
        began = time.time()
        _converge(box)
        box["converge_s"] = time.time() - began
        # node-exporter's textfile directory (the monitoring role's), where the drive check writes.
        _exec(box, "mkdir", "-p", "/var/lib/prometheus/node-exporter")
        subprocess.run(["docker", "cp", binaries["mc"], name + ":/usr/local/bin/mc"], check=True, capture_output=True)
        _exec(box, "sh", "-ec", "mkdir -p /root/.mc/certs/CAs && cp %s /root/.mc/certs/CAs/ && "
                                "mc --no-color alias set local https://localhost:9000 %s %s >/dev/null && "
                                "mc --no-color mb local/ligan >/dev/null && "
                                "head -c 1048579 /dev/urandom > /root/before.bin && "
                                "mc --no-color cp /root/before.bin local/ligan/before.bin >/dev/null"
              % (CA, ROOT_USER, ROOT_PASSWORD))
        yield box
    finally:
        subprocess.run([host, "down", name], check=False, capture_output=True)


def test_nectar_comes_back_after_a_reboot_and_the_next_converge_changes_nothing(box):
    fstab = _exec(box, "cat", "/etc/fstab").stdout
    began = time.time()
    assert _reboot(box) == "running"
    assert _ready(box), _exec(box, "journalctl", "-b", "-u", "minio", "--no-pager", check=False).stdout[-2000:]
    back = time.time() - began
    # The roles' plain fstab (by UUID) was mounted at boot, before MinIO, which serves its object again.
    assert _exec(box, "cat", "/etc/fstab").stdout == fstab
    assert _exec(box, "systemctl", "is-active", "srv-s3.mount", "srv-s3-data.mount", "minio.service").stdout.split() \
        == ["active"] * 3
    for mount in ("/srv/s3", "/srv/s3/data"):
        uuid = _exec(box, "findmnt", "-n", "-o", "UUID", mount).stdout.strip()
        assert "UUID=%s %s xfs " % (uuid, mount) in fstab
    assert _exec(box, "test", "-s", "/srv/s3/data/.minio.sys/format.json", check=False).returncode == 0
    assert _exec(box, "sh", "-c", "mc --no-color cat local/ligan/before.bin | cmp - /root/before.bin",
                 check=False).returncode == 0
    _wait_drive_metric(box, 1, tries=20)
    # Nothing to do on the next converge.
    assert _converge(box) == []
    print("reboot: first converge %.1f s, MinIO ready %.1f s after docker restart" % (box["converge_s"], back))


def test_a_data_disk_missing_at_boot_keeps_minio_off_the_bare_mount_point(box):
    # The data disk is gone at the next boot (scripts/testbed/loop-disks.sh unplug: blkid finds nothing).
    _power_cycle(box, "unplug")
    # The role's fstab entry has nofail: the boot goes on (degraded, not emergency mode), MinIO is held back,
    # and the drive check names the missing drive for the alert.
    assert _boot_state(box, want=("degraded",)) == "degraded"
    assert _exec(box, "systemctl", "is-failed", "srv-s3-data.mount", check=False).stdout.strip() == "failed"
    assert _exec(box, "systemctl", "is-active", "minio.service", check=False).stdout.strip() != "active"
    _wait_drive_metric(box, 0, tries=90)
    # /srv/s3/data is now a bare directory on the cache disk: MinIO left it empty.
    assert _exec(box, "mountpoint", "-q", "/srv/s3/data", check=False).returncode != 0
    assert _exec(box, "find", "/srv/s3/data", "-mindepth", "1").stdout == ""
    # With no mount unit at all (its fstab line gone), RequiresMountsFor= requires nothing: only the unit's
    # AssertPathIsMountPoint= keeps MinIO off the bare directory, which MinIO itself would accept here.
    _exec(box, "sh", "-ec", "cp /etc/fstab /run/fstab.saved && sed -i '\\# /srv/s3/data #d' /etc/fstab && "
                            "systemctl daemon-reload && systemctl reset-failed")
    assert _exec(box, "systemctl", "show", "-P", "LoadState", "srv-s3-data.mount").stdout.strip() == "not-found"
    assert _exec(box, "systemctl", "start", "minio.service", check=False).returncode != 0
    assert _exec(box, "systemctl", "show", "-P", "AssertResult", "minio.service").stdout.strip() == "no"
    assert _exec(box, "find", "/srv/s3/data", "-mindepth", "1").stdout == ""
    _exec(box, "sh", "-ec", "cp /run/fstab.saved /etc/fstab && systemctl daemon-reload")
    # The disk back: the next boot is a normal one, and the object is there.
    _power_cycle(box, "replug")
    assert _boot_state(box) == "running"
    assert _ready(box)
    assert _exec(box, "sh", "-c", "mc --no-color cat local/ligan/before.bin | cmp - /root/before.bin",
                 check=False).returncode == 0
