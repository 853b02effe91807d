# -*- coding: utf-8 -*-
"""s3share through the delegated sudo rule: a real host, real sudo, real SSH.

One Debian 12 systemd container from the test bed (scripts/testbed/host.sh)
plays nectar: openssh-server, the group ``bioinfo-ligan`` with ``sgressier``
in it, ``eve`` in no delegated group, MinIO over TLS (the test CA) on
127.0.0.1:9000 inside it, and the egid.s3share.minio_admin role run on it
(community.docker.docker) with one delegation: bioinfo-ligan on ligan.

The bioinformatician's side runs as sgressier over SSH with a throw-away key:
share_results.yml with an inventory that holds no MinIO root credential and
no become, and s3share by hand (``ssh sgressier@nectar sudo -n s3share ...``).
Every refusal is checked to change nothing on the server: users, their
service accounts, policies, and every object version of every bucket
(the collaborator records included) are read as root before and after.

The collaborator and the presigned links are used from inside the container
(mc and curl against https://127.0.0.1:9000): the server certificate is for
127.0.0.1/localhost only, which is also the public endpoint the role gives.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse

import pytest
import yaml

from minio_testbed import REPO, VENV_BIN

BASE = "/opt/minio-admin"
CONFIG = BASE + "/etc/admin.json"
AUDIT_LOG = BASE + "/logs/actions.log"
S3SHARE = "/usr/local/sbin/s3share"
ENDPOINT = "https://127.0.0.1:9000"
CA_IN_BOX = "/etc/minio-test/ca.crt"
ROOT_USER = "root" + secrets.token_hex(4)
ROOT_PASSWORD = secrets.token_urlsafe(18)
LINKS_SECRET = secrets.token_urlsafe(24)
SOURCE = "/home/sgressier/results/chu-liege"
FILES = {"summary.txt": "chu-liege summary %s\n" % secrets.token_hex(4),
         "variants/sample1.vcf": "##fileformat=VCFv4.2\n#CHROM\tPOS\n1\t%d\n" % secrets.randbelow(10 ** 6)}

# Read as root inside the container with the admin venv: everything a refusal must leave alone.
SNAPSHOT = r"""
import json, urllib3
from minio import Minio, MinioAdmin
from minio.credentials import StaticProvider
c = json.load(open(%r))
http = urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs=c["ca_path"])
netloc = c["endpoint"].split("://", 1)[1].rstrip("/")
s3 = Minio(netloc, c["access_key"], c["secret_key"], secure=True, http_client=http, region=c["region"])
admin = MinioAdmin(endpoint=netloc, credentials=StaticProvider(c["access_key"], c["secret_key"]), secure=True,
                   http_client=http)
def canon(value):
    # MinIO keeps a statement's actions and resources as sets: their order changes between reads.
    if isinstance(value, dict):
        return {k: canon(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((canon(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value
users = json.loads(admin.user_list())
out = {"users": users, "policies": canon(json.loads(admin.policy_list())),
       "service_accounts": {u: json.loads(admin.list_service_account(u)) for u in sorted(users)},
       "objects": {b.name: sorted([o.object_name, o.version_id or "", o.etag or "", str(o.is_latest),
                                   bool(o.is_delete_marker)]
                                  for o in s3.list_objects(b.name, recursive=True, include_version=True))
                   for b in s3.list_buckets()}}
print(json.dumps(out, sort_keys=True, default=str))
""" % CONFIG


# =========================================================================== helpers
def _docker(*args, check=True, input_text=None, timeout=300):
    return subprocess.run(["docker"] + list(args), capture_output=True, text=True, check=check, input=input_text,
                          timeout=timeout)


def _exec(box, *argv, check=True, input_text=None, user=None):
    options = ["-i"] + (["-u", user, "-w", "/home/" + user, "-e", "HOME=/home/" + user] if user else [])
    try:
        return _docker("exec", *options, box["name"], *argv, check=check, input_text=input_text)
    except subprocess.CalledProcessError as exc:
        raise AssertionError("%s failed (%s):\n%s\n%s" % (argv[:4], exc.returncode, exc.stdout, exc.stderr))


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ssh_base(box, user):
    return ["ssh", "-i", box["key"], "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-o", "ControlMaster=auto",
            "-o", "ControlPersist=300", "-o", "ControlPath=%s/%%r" % box["ssh_control_dir"],
            "%s@%s" % (user, box["ip"])]


def ssh(box, user, command):
    """Run a command on nectar over SSH; a list is quoted for the remote shell word by word."""
    remote = command if isinstance(command, str) else shlex.join(command)
    return subprocess.run(_ssh_base(box, user) + [remote], capture_output=True, text=True, timeout=120,
                          check=False)


def s3share(box, *args, user="sgressier"):
    """sudo -n s3share --json ARGS as user over SSH: (exit code, parsed stdout or None, result)."""
    proc = ssh(box, user, ["sudo", "-n", S3SHARE, "--json"] + list(args))
    try:
        doc = json.loads(proc.stdout)
    except ValueError:
        doc = None
    return proc.returncode, doc, proc


def snapshot(box):
    return json.loads(_exec(box, BASE + "/venv/bin/python", "-I", "-c", SNAPSHOT).stdout)


def audit_lines(box):
    raw = _exec(box, "cat", AUDIT_LOG).stdout
    return raw, [json.loads(line) for line in raw.splitlines() if line.strip()]


def root_mc(box, *args, check=True, input_text=None):
    return _exec(box, "mc", "--no-color", "--json", *args, check=check, input_text=input_text)


def published(box):
    """chu-liege's folder as it is now: FILES, and the SHA256SUMS that s3share-push writes there once
    share_results has published it (that test runs first on this box)."""
    files = dict(FILES)
    manifest = root_mc(box, "cat", "root/ligan/results/chu-liege/SHA256SUMS", check=False)
    if manifest.returncode == 0:
        files["SHA256SUMS"] = manifest.stdout
    return files


class Guard:
    """Follows the server and the audit log across refusals: each must change nothing."""

    def __init__(self, box):
        self.box = box
        self.state = snapshot(box)
        self.lines = audit_lines(box)[1]

    def unchanged(self, what, audited):
        """The server is as before; the audit log got exactly `audited` new lines (returned)."""
        state = snapshot(self.box)
        assert state == self.state, "%s changed the server" % what
        lines = audit_lines(self.box)[1]
        new = lines[len(self.lines):]
        assert lines[:len(self.lines)] == self.lines, "%s rewrote the audit log" % what
        assert len(new) == audited, (what, new)
        self.lines = lines
        return new


def refused(guard, args, code, *needles):
    """s3share as sgressier: refused with code, a message holding the needles, one audit line, no change."""
    rc, doc, proc = s3share(guard.box, *args)
    what = "s3share %r" % (args,)
    assert rc == code, (what, rc, proc.stdout, proc.stderr)
    assert doc is not None and doc["failed"] and doc["refused"], (what, proc.stdout, proc.stderr)
    for needle in needles:
        assert needle in doc["msg"], (what, doc["msg"])
    [line] = guard.unchanged(what, audited=1)
    assert (line["actor"], line["result"], line["reason"]) == ("sgressier", "refused", doc["msg"]), line
    guard.box["refusals"] = guard.box.get("refusals", 0) + 1
    return doc, line


def sudo_refused(guard, command, needle, user="sgressier"):
    """A command that sudo itself refuses: nothing runs, nothing is audited, nothing changes."""
    proc = ssh(guard.box, user, command)
    assert proc.returncode == 1 and needle in proc.stderr and proc.stderr.startswith("sudo: "), \
        (command, proc.returncode, proc.stdout, proc.stderr)
    assert proc.stdout == "", (command, proc.stdout)
    guard.unchanged(command, audited=0)
    return proc


class _Inbox:
    """aiosmtpd handler keeping every message."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted"


def _text(message):
    return "".join(part.get_payload(decode=True).decode("utf-8") for part in message.walk()
                   if part.get_content_type() == "text/plain")


def _ansible_env(home, control_dir):
    # Built from nothing: no ANSIBLE_BECOME* or vault setting can come from the caller's environment.
    return {"ANSIBLE_CONFIG": str(REPO / "ansible.cfg"), "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.json",
            "ANSIBLE_SSH_CONTROL_PATH_DIR": control_dir, "ANSIBLE_NOCOLOR": "1",
            "PATH": "%s:/usr/local/bin:/usr/bin:/bin" % VENV_BIN, "HOME": str(home)}


def _run_json(argv, env):
    proc = subprocess.run(argv, cwd=str(REPO), env=env, capture_output=True, text=True, check=False, timeout=600)
    try:
        return json.loads(proc.stdout)
    except ValueError:
        raise AssertionError("ansible-playbook output is not JSON:\n%s\n%s" % (proc.stdout[-3000:],
                                                                               proc.stderr[-3000:]))


def _failed_tasks(doc):
    return [(t["task"]["name"], host, h.get("msg"), h.get("stderr", "")[-500:], h.get("stdout", "")[-500:])
            for p in doc["plays"] for t in p["tasks"] for host, h in t["hosts"].items() if h.get("failed")]


def _changed_tasks(doc):
    return [(t["task"]["name"], host) for p in doc["plays"] for t in p["tasks"]
            for host, h in t["hosts"].items() if h.get("changed")]


# =========================================================================== fixtures
@pytest.fixture(scope="module")
def box(binaries, pki, tmp_path_factory):
    """nectar: sshd, the users, MinIO over TLS, the minio_admin role, the buckets and sgressier's own account."""
    host = str(REPO / "scripts" / "testbed" / "host.sh")
    work = tmp_path_factory.mktemp("s3share-sudo")
    wheels = work / "wheels"
    subprocess.run([str(VENV_BIN / "pip"), "download", "-q", "-d", str(wheels), "minio>=7.2.15,<8.0",
                    "tqdm>=4.64,<5.0"], check=True, capture_output=True)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "s3share-test", "-f", str(work / "id")],
                   check=True, capture_output=True)
    name = "s3share-sudo-" + secrets.token_hex(3)
    control_dir = tempfile.mkdtemp(prefix="s3s-", dir="/tmp")
    box = {"name": name, "key": str(work / "id"), "ssh_control_dir": control_dir, "work": work}
    try:
        subprocess.run([host, "up", name, "nectar"], check=True, capture_output=True, text=True)
        box["ip"] = _docker("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
                            name).stdout.strip()
        assert re.fullmatch(r"\d+\.\d+\.\d+\.\d+", box["ip"]), box["ip"]

        # sshd, the delegated group, a delegated user and one without delegation.
        _exec(box, "sh", "-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
                               "--no-install-recommends openssh-server >/dev/null")
        _exec(box, "sh", "-ec", "groupadd bioinfo-ligan; useradd -m -s /bin/bash -G bioinfo-ligan sgressier; "
                                "useradd -m -s /bin/bash eve")
        public_key = (work / "id.pub").read_text()
        for user in ("sgressier", "eve"):
            _exec(box, "sh", "-ec", "install -d -m 700 -o %(u)s -g %(u)s /home/%(u)s/.ssh; "
                                    "cat > /home/%(u)s/.ssh/authorized_keys; "
                                    "chown %(u)s: /home/%(u)s/.ssh/authorized_keys; "
                                    "chmod 600 /home/%(u)s/.ssh/authorized_keys" % {"u": user},
                  input_text=public_key)
        _exec(box, "systemctl", "enable", "--now", "ssh")

        # MinIO over TLS with the test CA, root credentials in a root-only environment file.
        _exec(box, "mkdir", "-p", "/etc/minio-test/certs/CAs", "/srv/minio-test")
        _docker("cp", os.path.join(pki["certs_dir"], "public.crt"), name + ":/etc/minio-test/certs/public.crt")
        _docker("cp", os.path.join(pki["certs_dir"], "private.key"), name + ":/etc/minio-test/certs/private.key")
        _docker("cp", pki["ca_path"], name + ":/etc/minio-test/certs/CAs/ca.crt")
        _docker("cp", pki["ca_path"], name + ":" + CA_IN_BOX)
        _exec(box, "sh", "-c", "chown -R root:root /etc/minio-test && chmod 600 /etc/minio-test/certs/private.key "
                               "&& chmod 644 %s" % CA_IN_BOX)
        _docker("cp", binaries["minio"], name + ":/usr/local/bin/minio")
        _docker("cp", binaries["mc"], name + ":/usr/local/bin/mc")
        _exec(box, "chmod", "755", "/usr/local/bin/minio", "/usr/local/bin/mc")
        _exec(box, "sh", "-c", "umask 077 && cat > /root/minio-test.env",
              input_text="MINIO_ROOT_USER=%s\nMINIO_ROOT_PASSWORD=%s\nMINIO_BROWSER=off\n"
                         % (ROOT_USER, ROOT_PASSWORD))
        _exec(box, "systemd-run", "--unit=minio-test", "-p", "EnvironmentFile=/root/minio-test.env",
              "/usr/local/bin/minio", "server", "--quiet", "--address", "127.0.0.1:9000",
              "--console-address", "127.0.0.1:9001", "--certs-dir", "/etc/minio-test/certs", "/srv/minio-test")
        for dummy in range(90):
            if _exec(box, "curl", "-sf", "--cacert", CA_IN_BOX, ENDPOINT + "/minio/health/ready",
                     check=False).returncode == 0:
                break
            time.sleep(1)
        else:
            raise AssertionError("MinIO did not start over TLS in the container:\n%s" % _exec(
                box, "journalctl", "--no-pager", "-u", "minio-test", check=False).stdout[-2000:])

        # The role, as the admins run it (root credentials from their vault: only here).
        play = [{"hosts": "all", "gather_facts": False, "roles": [{
            "role": "egid.s3share.minio_admin",
            "vars": {"minio_admin_access_key": ROOT_USER, "minio_admin_secret_key": ROOT_PASSWORD,
                     "minio_admin_endpoint": ENDPOINT, "minio_admin_ca_path": CA_IN_BOX,
                     "minio_admin_pip_wheelhouse": str(wheels),
                     "minio_admin_delegations": [{"group": "bioinfo-ligan", "buckets": ["ligan"]}],
                     "minio_admin_links_secret_key": LINKS_SECRET,
                     "minio_admin_public_endpoint": ENDPOINT,
                     # This suite runs sgressier's commands back to back, over 60 in a row: the rate limit
                     # is tested by test_a_delegated_loop_is_rate_limited, with a burst of its own.
                     "minio_admin_rate_limit_burst": 1000}}],
                 # s3share-push for the bioinformaticians, as the mc_client role installs it.
                 "tasks": [{"name": "Install s3share-push", "ansible.builtin.include_role": {
                     "name": "egid.s3share.mc_client", "tasks_from": "push"},
                     "vars": {"mc_client_push_pip_wheelhouse": str(wheels)}}]}]
        (work / "role.yml").write_text(yaml.safe_dump(play, sort_keys=False))
        admin_home = work / "admin-home"
        admin_home.mkdir()
        doc = _run_json([str(VENV_BIN / "ansible-playbook"), "-i", name + ",", "-c", "community.docker.docker",
                         str(work / "role.yml")], _ansible_env(admin_home, control_dir))
        stats = doc["stats"][name]
        assert stats["failures"] == 0 and stats["unreachable"] == 0, _failed_tasks(doc) or json.dumps(doc)[-3000:]

        # Root's mc (the admins' own tool), the buckets, and sgressier's internal account.
        _exec(box, "sh", "-ec", "mkdir -p /root/.mc/certs/CAs && cp %s /root/.mc/certs/CAs/ca.crt" % CA_IN_BOX)
        root_mc(box, "alias", "set", "root", ENDPOINT, ROOT_USER, ROOT_PASSWORD)
        root_mc(box, "mb", "root/ligan", "root/impact-pm")
        root_mc(box, "version", "enable", "--excluded-prefixes", "results/", "root/ligan")
        versioning = json.loads(root_mc(box, "version", "info", "root/ligan").stdout)
        assert versioning["versioning"]["status"] == "Enabled", versioning
        assert versioning["versioning"].get("ExcludedPrefixes") == ["results/"], versioning
        root_mc(box, "pipe", "root/impact-pm/results/secret/plan.txt", input_text="impact-pm only\n")
        added = _exec(box, "sudo", "-n", S3SHARE, "--json", "user", "add", "sgressier-s3", "ligan")
        own = json.loads(added.stdout)["credentials"]
        assert own["access_key"] == "sgressier-s3" and own["endpoint"] == ENDPOINT
        box["own_secret"] = own["secret_key"]

        # sgressier's own mc alias "bioinfo", and his results folder.
        _exec(box, "sh", "-ec", "install -d -o sgressier -g sgressier /home/sgressier/.mc "
                                "/home/sgressier/.mc/certs /home/sgressier/.mc/certs/CAs; "
                                "install -o sgressier -g sgressier -m 644 %s /home/sgressier/.mc/certs/CAs/ca.crt"
                                % CA_IN_BOX)
        _exec(box, "mc", "--no-color", "--json", "alias", "set", "bioinfo", ENDPOINT, "sgressier-s3",
              own["secret_key"], user="sgressier")
        for path, content in FILES.items():
            _exec(box, "sh", "-ec", 'mkdir -p "$(dirname "$1")" && cat > "$1"', "sh", SOURCE + "/" + path,
                  input_text=content, user="sgressier")
        yield box
    finally:
        for user in ("sgressier", "eve"):
            if "ip" in box:
                subprocess.run(_ssh_base(box, user)[:-1] + ["-O", "exit", "%s@%s" % (user, box["ip"])],
                               capture_output=True, check=False, timeout=30)
        shutil.rmtree(control_dir, ignore_errors=True)
        subprocess.run([host, "down", name], check=False, capture_output=True)


@pytest.fixture(scope="module")
def smtp():
    from aiosmtpd.controller import Controller
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


# =========================================================================== tests
def test_share_results_as_the_bioinformatician_without_root_credentials(box, smtp, tmp_path):
    deliveries = tmp_path / "deliveries"
    # The lab's SMS command: a real script that records its arguments and what it read on stdin.
    sms = tmp_path / "lab-sms"
    sms.write_text("#!/bin/sh\nprintf '%%s\\n' \"$0\" \"$@\" > %s/sms.argv\ncat > %s/sms.stdin\n"
                   % (tmp_path, tmp_path))
    sms.chmod(0o755)
    inventory = {"all": {"children": {
        "minio_servers": {"hosts": {"nectar": {
            "ansible_connection": "ssh", "ansible_host": box["ip"], "ansible_user": "sgressier",
            "ansible_ssh_private_key_file": box["key"], "ansible_python_interpreter": "/usr/bin/python3",
            "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"}}},
        "mc_clients": {"hosts": {"nectar": {}}}}}}
    extra = {"share_source": SOURCE, "share_project": "chu-liege", "share_bucket": "ligan",
             "share_collaborator": "chu-liege", "share_recipient": "dr.x@chu-liege.example",
             "share_smtp_host": "127.0.0.1", "share_smtp_port": smtp.port, "share_smtp_secure": "never",
             "share_mc_alias": "bioinfo", "share_delivery_dir": str(deliveries),
             "share_sms_command": str(sms), "share_phone": "+32 470 00 00 00"}
    (tmp_path / "hosts.yml").write_text(yaml.safe_dump(inventory))
    (tmp_path / "extra.json").write_text(json.dumps(extra))
    home = tmp_path / "home"
    home.mkdir()
    env = _ansible_env(home, box["ssh_control_dir"])
    argv = [str(VENV_BIN / "ansible-playbook"), "-i", str(tmp_path / "hosts.yml"), "-e",
            "@" + str(tmp_path / "extra.json"), str(REPO / "playbooks" / "share_results.yml")]
    # Nothing of the admins' reaches this run: no root credential, no vault, no become.
    given = (tmp_path / "hosts.yml").read_text() + (tmp_path / "extra.json").read_text() + json.dumps(env) \
        + " ".join(argv)
    for secret in (ROOT_USER, ROOT_PASSWORD, LINKS_SECRET):
        assert secret not in given
    assert "become" not in given.lower() and "vault" not in given.lower() and "-b" not in argv
    journal_from = _exec(box, "date", "+%Y-%m-%d %H:%M:%S").stdout.strip()

    began = time.time()
    doc = _run_json(argv, env)
    first = time.time() - began
    assert all(s["failures"] == 0 and s["unreachable"] == 0 for s in doc["stats"].values()), \
        _failed_tasks(doc) or json.dumps(doc)[-3000:]
    assert doc["stats"]["nectar"]["changed"] >= 2, _changed_tasks(doc)

    # Published with his own account (root's mc sees the objects, unversioned under results/).
    for path, content in FILES.items():
        assert root_mc(box, "cat", "root/ligan/results/chu-liege/" + path).stdout == content
    versions = [o for o in snapshot(box)["objects"]["ligan"] if o[0].startswith("results/chu-liege/")]
    assert sorted(o[0] for o in versions) == sorted("results/chu-liege/" + p for p in list(FILES) + ["SHA256SUMS"])
    assert all(o[1] in ("", "null") for o in versions), versions

    # The account was created through sudo by sgressier: audited with his name, by the server's command.
    raw, lines = audit_lines(box)
    mine = [line for line in lines if line["target"] == "collaborator:chu-liege"]
    # The playbook first asks (--check, audited as "checked"), then creates: "started" before the first write.
    assert [(line["action"], line["result"], line["actor"], line["module"]) for line in mine] == [
        ("create_collaborator", "checked", "sgressier", "s3share"),
        ("create_collaborator", "started", "sgressier", "s3share"),
        ("create_collaborator", "changed", "sgressier", "s3share")], mine
    created = mine[2:]
    assert (created[0]["bucket"], created[0]["prefix"], created[0]["access"]) == \
        ("ligan", "results/chu-liege", "read-only")
    access_key = created[0]["access_key"]
    # sudo ran the delegated command for sgressier, and nothing else.
    sudo_log = _exec(box, "journalctl", "--no-pager", "-o", "cat", "--since", journal_from,
                     "SYSLOG_IDENTIFIER=sudo").stdout
    commands = re.findall(r"^sgressier : .*COMMAND=(.*)$", sudo_log, re.M)
    assert commands and all(c.startswith(S3SHARE + " --json ") for c in commands), sudo_log[-2000:]

    # The login by e-mail: the access key, never the secret; what to fetch and how to check it.
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    body = _text(message)
    assert message["To"] == "dr.x@chu-liege.example" and "[chu-liege]" in message["Subject"]
    assert "Access key: %s" % access_key in body and ENDPOINT in body
    assert "Folder:     ligan/results/chu-liege/" in body and "Contents:   2 files" in body, body
    assert "(30 days from now)" in body and "sha256sum -c SHA256SUMS" in body, body
    assert "mc mirror egid/ligan/results/chu-liege/" in body and "rclone copy egid:ligan/results/chu-liege/" in body
    assert "https://127.0.0.1:9001" in body, body
    # The secret went to the lab's SMS command on its standard input, never in its arguments nor in a file.
    assert not (deliveries / "chu-liege.secret").exists()
    phone, text = (tmp_path / "sms.stdin").read_text().split("\n", 1)
    assert phone == "+32 470 00 00 00" and access_key in text
    secret = text.rsplit(": ", 1)[1].strip()
    assert (tmp_path / "sms.argv").read_text().split("\n")[:-1] == [str(sms)]
    assert len(secret) >= 20 and secret not in body and secret not in message.as_string()
    assert secret not in json.dumps(doc) and secret not in raw

    # The manifest s3share-push wrote into the folder is what sha256sum -c reads.
    manifest = root_mc(box, "cat", "root/ligan/results/chu-liege/SHA256SUMS").stdout
    assert sorted(manifest.splitlines()) == sorted("%s  %s" % (__import__("hashlib").sha256(c.encode()).hexdigest(),
                                                               p) for p, c in FILES.items())

    # The collaborator reads the folder (mc inside nectar: the certificate is for 127.0.0.1), and nothing else.
    _exec(box, "sh", "-ec", "mkdir -p /root/collab-mc/certs/CAs && cp %s /root/collab-mc/certs/CAs/ca.crt"
          % CA_IN_BOX)
    collab_mc = ["mc", "--config-dir", "/root/collab-mc", "--no-color", "--json"]
    _exec(box, *collab_mc, "alias", "set", "collab", ENDPOINT, access_key, secret)
    listed = [json.loads(line)["key"] for line in
              _exec(box, *collab_mc, "ls", "--recursive", "collab/ligan/results/chu-liege/").stdout.splitlines()]
    assert sorted(listed) == sorted(list(FILES) + ["SHA256SUMS"])
    for path, content in FILES.items():
        assert _exec(box, *collab_mc, "cat", "collab/ligan/results/chu-liege/" + path).stdout == content
    assert _exec(box, *collab_mc, "cat", "collab/impact-pm/results/secret/plan.txt", check=False).returncode != 0
    box["collab_secret"] = secret

    # A second run copies nothing, creates nothing, sends nothing.
    began = time.time()
    again = _run_json(argv, env)
    second = time.time() - began
    assert all(s["failures"] == 0 for s in again["stats"].values()), _failed_tasks(again)
    assert all(s["changed"] == 0 for s in again["stats"].values()), _changed_tasks(again)
    assert len(smtp.messages) == 1
    assert (tmp_path / "sms.stdin").read_text().endswith(secret + "\n")
    lines = audit_lines(box)[1]
    assert [(line["action"], line["result"]) for line in lines if line["target"] == "collaborator:chu-liege"][3:] \
        == [("set_collaborator", "checked"), ("set_collaborator", "ok")], lines[-4:]
    print("share_results: first run %.1f s, second run %.1f s" % (first, second))


def test_delegated_commands_over_ssh_and_every_refusal(box):
    rc, who, proc = s3share(box, "whoami")
    assert rc == 0 and who["user"] == "sgressier" and not who["admin"], proc.stderr
    assert who["delegations"] == [{"group": "bioinfo-ligan", "buckets": ["ligan"], "path_roots": ["results/"],
                                   "max_days": 30, "read_write": False, "link_max_days": 7}]

    # The whole life of an account, by hand.
    rc, added, proc = s3share(box, "collab", "add", "bordet", "ligan", "results/chu-liege", "5")
    assert rc == 0 and added["changed"], proc.stdout + proc.stderr
    assert added["credentials"]["endpoint"] == ENDPOINT and added["collaborator"]["access"] == "read-only"
    rc, listed, proc = s3share(box, "collab", "list")
    assert rc == 0 and sorted(c["name"] for c in listed["collaborators"]) == ["bordet", "chu-liege"], listed
    rc, shown, proc = s3share(box, "collab", "show", "bordet")
    assert rc == 0 and shown["collaborator"]["user_status"] == "enabled", shown
    assert shown["collaborator"]["access_key"] == added["credentials"]["access_key"]
    rc, extended, proc = s3share(box, "collab", "extend", "bordet", "12")
    assert rc == 0 and extended["changed"], extended
    assert extended["collaborator"]["expires_at"] > added["collaborator"]["expires_at"]
    rc, links, proc = s3share(box, "share", "ligan/results/chu-liege", "--days", "3")
    assert rc == 0 and sorted(link["object"] for link in links["links"]) == \
        sorted("results/chu-liege/" + p for p in published(box)), proc.stdout + proc.stderr
    rc, revoked, proc = s3share(box, "collab", "revoke", "bordet")
    assert rc == 0 and revoked["changed"], revoked
    state = snapshot(box)
    assert added["credentials"]["access_key"] not in state["users"]
    rc, listed, proc = s3share(box, "collab", "list")
    assert [c["name"] for c in listed["collaborators"]] == ["chu-liege"]
    raw, lines = audit_lines(box)
    assert added["credentials"]["secret_key"] not in raw
    box.setdefault("secrets", []).append(added["credentials"]["secret_key"])

    guard = Guard(box)
    # Refused (3): outside the delegation, or against its limits, or an admin verb.
    refused(guard, ["collab", "add", "bordet", "impact-pm", "results/chu-liege", "3"], 3,
            "may not share on impact-pm/results/chu-liege/")
    refused(guard, ["collab", "add", "bordet", "ligan", "data/chu-liege", "3"], 3, "may not share on ligan/data")
    refused(guard, ["collab", "add", "bordet", "ligan", "results", "3"], 3, "may not share on ligan/results/")
    refused(guard, ["collab", "add", "bordet", "ligan", "results/chu-liege", "31"], 3, "31 days", "30 days")
    refused(guard, ["collab", "add", "bordet", "ligan", "results/chu-liege", "3", "--read-write"], 3,
            "may not give read-write")
    refused(guard, ["collab", "add", "chu-liege", "ligan", "results/other", "3"], 3, "already exists")
    refused(guard, ["collab", "extend", "chu-liege", "31"], 3, "31 days")
    refused(guard, ["collab", "show", "nobody"], 3, "no collaborator named nobody")
    refused(guard, ["share", "ligan/results/chu-liege", "--days", "8"], 3, "at most 7 days")
    refused(guard, ["share", "impact-pm/results/secret", "--days", "1"], 3, "may not share links on impact-pm")
    refused(guard, ["share", "impact-pm/results/secret/plan.txt"], 3, "impact-pm")
    refused(guard, ["user", "add", "mallory", "ligan"], 3, "admins only")
    refused(guard, ["user", "add", "mallory", "impact-pm"], 3, "admins only")
    refused(guard, ["audit"], 3, "admins only")
    refused(guard, ["audit", "--since", "2020-01-01"], 3, "admins only")

    # Invalid arguments (2): options it does not know, names that are options, escapes, newlines.
    refused(guard, ["--endpoint=https://evil:9000", "collab", "list"], 2, "--endpoint")
    refused(guard, ["collab", "list", "--endpoint=https://evil:9000"], 2, "--endpoint")
    refused(guard, ["collab", "add", "bordet", "ligan", "results/chu-liege", "3", "--endpoint", "https://evil:9000"],
            2, "--endpoint")
    refused(guard, ["collab", "add", "bordet", "ligan", "results/chu-liege", "3", "--config=/tmp/admin.json"], 2,
            "--config")
    refused(guard, ["collab", "show", "--", "--json"], 2, "invalid collaborator name '--json'")
    refused(guard, ["collab", "revoke", "--", "--check"], 2, "invalid collaborator name '--check'")
    refused(guard, ["collab", "add", "bordet", "ligan", "results/../impact-pm", "3"], 2, "'..'")
    refused(guard, ["collab", "add", "bordet", "ligan", "results/chu-liege/../../..", "3"], 2, "'..'")
    refused(guard, ["share", "ligan/../impact-pm/results/secret"], 2, "'..'")
    refused(guard, ["share", "ligan/results/*"], 2, "wildcards")
    refused(guard, ["collab", "add", "bordet", "ligan", "/results/chu-liege", "3"], 2, "must not start with '/'")
    refused(guard, ["collab", "add", "bordet", "ligan", "results/chu-liege", "0"], 2, "invalid number of days")
    refused(guard, ["collab", "add", "bordet", "ligan", "results/chu-liege", "-1"], 2)
    refused(guard, ["collab", "add", "Bordet", "ligan", "results/chu-liege", "3"], 2, "invalid collaborator name")
    refused(guard, ["collab", "add", "bordet", "Ligan", "results/chu-liege", "3"], 2, "invalid bucket name")
    refused(guard, ["collab", "add", "--read-wr", "bordet", "ligan", "results/chu-liege", "3"], 2)
    refused(guard, ["collab", "exten", "chu-liege", "3"], 2, "invalid choice")
    # A newline inside one argument reaches s3share intact (quoted for the remote shell) and is refused.
    doc, line = refused(guard, ["collab", "add", "bordet\nx", "ligan", "results/chu-liege", "3"], 2,
                        "invalid collaborator name")
    assert "bordet\nx" in line["argv"], line
    doc, line = refused(guard, ["collab", "add", "bordet", "ligan\n", "results/chu-liege", "3"], 2,
                        "invalid bucket name")
    assert "ligan\n" in line["argv"], line
    doc, line = refused(guard, ["collab", "add", "bordet", "ligan", "results/chu-liege\n../../x", "3"], 2,
                        "invalid prefix")
    assert "results/chu-liege\n../../x" in line["argv"], line
    refused(guard, ["collab", "extend", "chu-liege", "3\n"], 2, "invalid number of days")
    refused(guard, ["share", "ligan/results/chu-liege\n", "--days", "1"], 2, "invalid prefix")

    # sudo itself refuses anything but the command, and the caller's environment.
    admin_json = ssh(box, "sgressier", "cat " + CONFIG)
    assert admin_json.returncode == 1 and "Permission denied" in admin_json.stderr and admin_json.stdout == ""
    guard.unchanged("cat admin.json", audited=0)
    direct = ssh(box, "sgressier", [S3SHARE, "--json", "collab", "list"])
    assert direct.returncode != 0 and ROOT_PASSWORD not in direct.stdout + direct.stderr, direct
    guard.unchanged("s3share without sudo", audited=0)
    sudo_refused(guard, "sudo -n cat " + CONFIG, "a password is required")
    sudo_refused(guard, "sudo -n /bin/true", "a password is required")
    sudo_refused(guard, "sudo -n -u root /bin/sh -c id", "a password is required")
    sudo_refused(guard, "sudo -n -s", "a password is required")
    sudo_refused(guard, "sudo -n -u eve %s --json collab list" % S3SHARE, "a password is required")
    sudo_refused(guard, "sudo -n -E %s --json whoami" % S3SHARE, "not allowed to preserve the environment")
    sudo_refused(guard, "sudo -n PYTHONPATH=/tmp %s --json whoami" % S3SHARE, "not allowed to set")
    listing = _exec(box, "sudo", "-l", "-U", "sgressier").stdout
    assert re.search(r"\(root\) NOPASSWD: %s$" % re.escape(S3SHARE), listing, re.M), listing
    assert listing.count("NOPASSWD") == 1 and "ALL\n" not in listing.split("may run")[-1], listing


def test_eve_is_refused_by_sudo_itself(box):
    guard = Guard(box)
    assert ssh(box, "eve", "id -nG").stdout.split() == ["eve"]
    sudo_refused(guard, "sudo -n %s collab list" % S3SHARE, "a password is required", user="eve")
    sudo_refused(guard, "sudo -n %s --json whoami" % S3SHARE, "a password is required", user="eve")
    listing = _exec(box, "sudo", "-l", "-U", "eve").stdout
    assert "is not allowed to run sudo" in listing, listing
    direct = ssh(box, "eve", [S3SHARE, "collab", "list"])
    assert direct.returncode != 0 and direct.stdout == ""
    guard.unchanged("eve's s3share without sudo", audited=0)


def test_the_audit_names_the_person_behind_sudo_whatever_the_environment_says(box):
    guard = Guard(box)
    for command, action, result in (
            ("SUDO_USER=someone sudo -n %s --json whoami" % S3SHARE, "whoami", "ok"),
            ("SUDO_USER=root SUDO_UID=0 LOGNAME=root USER=root sudo -n %s --json audit" % S3SHARE, "audit",
             "refused"),
            ("export SUDO_USER=root; sudo -n %s --json collab list" % S3SHARE, "list_collaborators", "ok")):
        proc = ssh(box, "sgressier", command)
        doc = json.loads(proc.stdout)
        [line] = guard.unchanged(command, audited=1)
        assert (line["actor"], line["action"], line["result"]) == ("sgressier", action, result), (command, line)
        if action == "whoami":
            assert proc.returncode == 0 and doc["user"] == "sgressier" and not doc["admin"]
        if result == "refused":
            assert proc.returncode == 3 and "admins only" in doc["msg"]
            box["refusals"] = box.get("refusals", 0) + 1
    sudo_refused(guard, "sudo -n env SUDO_USER=root %s --json audit" % S3SHARE, "a password is required")
    sudo_refused(guard, "sudo -n SUDO_USER=root %s --json audit" % S3SHARE, "not allowed to set")
    # A process named sudo of his own above the real one does not make him someone else.
    proc = ssh(box, "sgressier", "cp /bin/bash ~/sudo && ~/sudo -c 'sudo -n %s --json whoami'; rm -f ~/sudo"
               % S3SHARE)
    assert json.loads(proc.stdout)["user"] == "sgressier", proc.stdout + proc.stderr
    [line] = guard.unchanged("fake sudo ancestor", audited=1)
    assert line["actor"] == "sgressier"
    # Root (an admin at the console) is named root.
    _exec(box, "sudo", "-n", S3SHARE, "--json", "whoami")
    [line] = guard.unchanged("root's whoami", audited=1)
    assert (line["actor"], line["action"]) == ("root", "whoami")

    # Every s3share run of sgressier is his; every refusal one line; no secret anywhere in the log.
    raw, lines = audit_lines(box)
    mine = [line for line in lines if line.get("module") == "s3share" and line["actor"] != "root"]
    assert mine and {line["actor"] for line in mine} == {"sgressier"}
    refusals = [line for line in mine if line["result"] == "refused"]
    assert len(refusals) == box["refusals"] and all(line.get("reason") for line in refusals)
    for secret in [ROOT_PASSWORD, LINKS_SECRET, box["own_secret"], box.get("collab_secret", "x" * 40)] \
            + box.get("secrets", []):
        assert secret not in raw
    assert ROOT_USER not in raw


def test_links_are_signed_by_the_link_identity_and_download(box):
    guard = Guard(box)
    rc, doc, proc = s3share(box, "share", "ligan/results/chu-liege/summary.txt", "--days", "2")
    assert rc == 0, proc.stdout + proc.stderr
    [link] = doc["links"]
    assert link["object"] == "results/chu-liege/summary.txt" and link["size"] == len(FILES["summary.txt"])
    url = urllib.parse.urlsplit(link["url"])
    query = urllib.parse.parse_qs(url.query)
    assert "%s://%s" % (url.scheme, url.netloc) == ENDPOINT
    assert "X-Amz-Credential=s3share-links%2F" in link["url"], link["url"]
    assert query["X-Amz-Credential"][0].split("/")[0] == "s3share-links"
    assert query["X-Amz-Expires"] == [str(2 * 86400)]
    assert ROOT_USER not in link["url"]
    [line] = guard.unchanged("share", audited=1)
    assert (line["actor"], line["action"], line["result"], line["signed_by"]) == \
        ("sgressier", "share", "shared", "s3share-links")
    # The URL works for anyone holding it (curl inside nectar, where the certificate's 127.0.0.1 is).
    fetched = _exec(box, "curl", "-sS", "--fail", "--cacert", CA_IN_BOX, link["url"])
    assert fetched.stdout == FILES["summary.txt"]
    # ... for that object only: the same signature on another key is refused.
    other = link["url"].replace("summary.txt", "variants/sample1.vcf")
    assert _exec(box, "curl", "-sS", "--fail", "--cacert", CA_IN_BOX, other, check=False).returncode != 0

    # A folder gives one link per object, each downloading its object.
    rc, doc, proc = s3share(box, "share", "ligan/results/chu-liege", "--days", "3")
    assert rc == 0
    files = published(box)
    assert sorted(link["object"] for link in doc["links"]) == sorted("results/chu-liege/" + p for p in files)
    for link in doc["links"]:
        assert "X-Amz-Credential=s3share-links%2F" in link["url"]
        path = link["object"][len("results/chu-liege/"):]
        assert _exec(box, "curl", "-sS", "--fail", "--cacert", CA_IN_BOX, link["url"]).stdout == files[path]
    guard.unchanged("share of the folder", audited=1)


def test_a_refused_share_does_not_tell_whether_an_object_exists(box):
    """The scope is judged on the path alone, before any read with the root key."""
    root_mc(box, "pipe", "root/ligan/private/report.txt", input_text="private\n")
    guard = Guard(box)
    existing, dummy = refused(guard, ["share", "ligan/private/report.txt"], 3, "may not share links")
    missing, dummy = refused(guard, ["share", "ligan/private/nothing.txt"], 3, "may not share links")
    assert existing["msg"].replace("report.txt", "X") == missing["msg"].replace("nothing.txt", "X"), \
        (existing["msg"], missing["msg"])


# =========================================================================== hostile local users (issue 20)
def test_a_trap_in_a_delegated_users_profile_runs_as_him_not_as_the_admin(box):
    """Root runs `sudo -iu sgressier`; his ~/.profile runs s3share through sudo: that is his run, not root's.

    The trap hides behind a program of his named sudo (a symlink to bash, exec'd as the login shell) and then
    execs the real sudo itself, so that the processes above s3share are sudo, "sudo", sudo (root's).
    """
    guard = Guard(box)
    trap = (
        'if [ -z "$S3SHARE_TRAP" ]; then\n'
        '  export S3SHARE_TRAP=1\n'
        '  mkdir -p ~/.trap && ln -sfn /bin/bash ~/.trap/sudo\n'
        "  exec ~/.trap/sudo -c 'sudo -n %(s)s --json audit > ~/.trap/audit.json 2>&1;"
        " sudo -n %(s)s --json collab add trapped impact-pm results/secret 3 --read-write > ~/.trap/add.json 2>&1;"
        " exec sudo -n %(s)s --json whoami > ~/.trap/whoami.json 2>&1'\n"
        'fi\n' % {"s": S3SHARE})
    _exec(box, "sh", "-ec", "cp /home/sgressier/.profile /root/sgressier.profile; cat >> /home/sgressier/.profile",
          input_text=trap)
    try:
        _exec(box, "sudo", "-iu", "sgressier", "true")
    finally:
        _exec(box, "sh", "-ec", "cp /root/sgressier.profile /home/sgressier/.profile")
    audit = json.loads(_exec(box, "cat", "/home/sgressier/.trap/audit.json").stdout)
    added = json.loads(_exec(box, "cat", "/home/sgressier/.trap/add.json").stdout)
    who = json.loads(_exec(box, "cat", "/home/sgressier/.trap/whoami.json").stdout)
    assert audit.get("refused") and "admins only" in audit["msg"], audit
    assert added.get("refused") and "may not share on impact-pm" in added["msg"], added
    assert who.get("user") == "sgressier" and not who["admin"], who
    lines = guard.unchanged("the trap in ~/.profile", audited=3)
    assert [(line["actor"], line["result"]) for line in lines] == [
        ("sgressier", "refused"), ("sgressier", "refused"), ("sgressier", "ok")], lines
    box["refusals"] = box.get("refusals", 0) + 2


def test_refusals_name_no_other_platform_and_do_not_tell_whether_a_name_exists(box):
    """A collaborator of impact-pm (another platform) is, to sgressier, the same as a name that does not exist."""
    made = _exec(box, "sudo", "-n", S3SHARE, "--json", "collab", "add", "impact-secret", "impact-pm",
                 "results/secret", "3")
    assert json.loads(made.stdout)["changed"], made.stdout
    try:
        # One server snapshot for the eight refusals (each costs a run of s3share only).
        guard = Guard(box)
        runs = [["collab", verb, name] + extra for verb, extra in (("show", []), ("extend", ["2"]), ("revoke", []))
                for name in ("impact-secret", "nobody-here")]
        runs += [["collab", "add", name, "ligan", "results/chu-liege", "3"] for name in ("impact-secret", "sgressier-s3")]
        docs = []
        for args in runs:
            rc, doc, proc = s3share(box, *args)
            assert rc == 3 and doc and doc["refused"], (args, proc.stdout, proc.stderr)
            docs.append(doc)
        lines = guard.unchanged("the refusals about other platforms' names", audited=len(runs))
        box["refusals"] = box.get("refusals", 0) + len(runs)
        assert all((line["actor"], line["result"], line["reason"]) == ("sgressier", "refused", doc["msg"])
                   for line, doc in zip(lines, docs)), lines
        for index in (0, 2, 4):
            theirs, missing = docs[index]["msg"], docs[index + 1]["msg"]
            assert theirs.replace("impact-secret", "NAME") == missing.replace("nobody-here", "NAME"), (theirs, missing)
            assert "impact-pm" not in theirs and "secret/" not in theirs, theirs
            # The audit, for the admins, tells the truth.
            assert "impact-pm/results/secret" in lines[index]["cause"], lines[index]
            assert "no collaborator named nobody-here" in lines[index + 1]["cause"], lines[index + 1]
        # A name taken on another platform and an internal account's name: the same answer, naming neither.
        taken, internal = docs[6]["msg"], docs[7]["msg"]
        assert taken.replace("impact-secret", "NAME") == internal.replace("sgressier-s3", "NAME"), (taken, internal)
        assert "impact-pm" not in taken + internal and "internal" not in taken + internal, (taken, internal)
        assert "impact-pm/results/secret" in lines[6]["cause"] and "internal user" in lines[7]["cause"], lines[6:]
    finally:
        _exec(box, "sudo", "-n", S3SHARE, "--json", "collab", "revoke", "impact-secret")


def test_absurd_arguments_are_refused_before_anything_and_logged_short(box):
    guard = Guard(box)
    for args in (["collab", "add", "a" * 100000, "ligan", "results/chu-liege", "3"],
                 ["share", "ligan/results/" + "b/" * 30000]):
        rc, doc, proc = s3share(box, *args)
        assert rc == 2 and doc["refused"] and "at most 16 arguments of 1024 characters" in doc["msg"], proc.stdout
    lines = guard.unchanged("absurd arguments", audited=2)
    box["refusals"] = box.get("refusals", 0) + 2
    assert all(line["result"] == "refused" and len(json.dumps(line)) < 4096 for line in lines), lines
    assert "[100000 characters]" in lines[0]["argv"][2], lines[0]


# Run as root inside nectar: starts s3share as sgressier through sudo, waits for a moment of the run (an audit
# line, or a file of MinIO's appearing on its drive), then sends SIGTERM to the s3share process, the signal sudo
# relays when the session ends. Prints what happened as JSON.
KILLER = r"""
import json, os, signal, subprocess, sys, time
trigger, name, delay = sys.argv[1], sys.argv[2], float(sys.argv[3])
log = "/opt/minio-admin/logs/actions.log"
start = os.path.getsize(log)
proc = subprocess.Popen(["sudo", "-u", "sgressier", "--", "sudo", "-n", "/usr/local/sbin/s3share", "--json"]
                        + sys.argv[4:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)

def s3share_pid():
    for entry in os.listdir("/proc"):
        try:
            argv = open("/proc/%s/cmdline" % entry, "rb").read().split(b"\0")
        except OSError:
            continue
        if b"python" in argv[0] and b"/usr/local/sbin/s3share" in argv[1:3]:
            return int(entry)

def reached():
    if trigger == "started":
        with open(log) as handle:
            handle.seek(start)
            return any('"result": "started"' in line and name in line for line in handle)
    return os.path.exists(trigger)

fired = None
deadline = time.time() + 30
while proc.poll() is None and time.time() < deadline:
    if reached():
        time.sleep(delay)
        pid = s3share_pid()
        if pid:
            os.kill(pid, signal.SIGTERM)
            fired = time.time()
        break
    time.sleep(0.0005)
out, err = proc.communicate(timeout=120)
print(json.dumps({"fired": fired is not None, "rc": proc.returncode, "stdout": out.decode(), "stderr": err.decode()}))
"""


def _kill_during(box, trigger, name, delay, *args):
    proc = _exec(box, "python3", "-c", KILLER, trigger, name, str(delay), *args)
    return json.loads(proc.stdout)


def _collaborator_on_server(box, name):
    """(record or None, policy document or None, users holding the policy) as root sees them."""
    state = snapshot(box)
    record = None
    if any(o[0] == "collaborators/%s.json" % name for o in state["objects"].get("s3share-admin", [])):
        record = json.loads(_exec(box, "mc", "--no-color", "cat", "root/s3share-admin/collaborators/%s.json"
                                  % name).stdout)
    policy = state["policies"].get("collab-" + name)
    users = sorted(u for u, info in state["users"].items() if "collab-" + name in (info.get("policyName") or ""))
    return record, policy, users


# Moments are events (the audit line, a file of MinIO's appearing), never a delay after one: a delay lands
# after the end of the run on a quick machine, and then the test would prove nothing.
@pytest.mark.parametrize("moment", ["started", "record", "policy"])
def test_a_sigterm_during_collab_add_leaves_a_whole_account_with_its_secret_or_nothing(box, moment):
    name = "sig-" + secrets.token_hex(3)
    trigger, dummy, delay = moment.partition("+")
    trigger = {"started": "started",
               "record": "/srv/minio-test/s3share-admin/collaborators/%s.json" % name,
               "policy": "/srv/minio-test/.minio.sys/config/iam/policies/collab-%s" % name}[trigger]
    lines_before = len(audit_lines(box)[1])
    run = _kill_during(box, trigger, name, float(delay or 0), "collab", "add", name, "ligan", "results/chu-liege", "2")
    record, policy, users = _collaborator_on_server(box, name)
    lines = [line for line in audit_lines(box)[1][lines_before:] if line["target"] == "collaborator:" + name]
    try:
        assert run["fired"], ("the run was never caught at this moment", run, lines)
        assert lines and lines[0]["result"] == "started" and lines[0]["actor"] == "sgressier", lines
        try:
            doc = json.loads(run["stdout"].splitlines()[0])
        except (ValueError, IndexError):
            doc = {}
        if doc.get("credentials"):
            # The secret was handed over: the account is whole, and audited as made.
            assert record and record["status"] == "active" and policy and users == [record["access_key"]], \
                (record, users)
            assert [line["result"] for line in lines] == ["started", "changed"], lines
        else:
            # No secret reached anyone: nothing of the account is left, the name is free, the audit says so.
            assert (record, policy, users) == (None, None, []), (run, record, users)
            assert run["rc"] == 128 + 15 and "interrupted by SIGTERM" in run["stdout"] + run["stderr"], run
            assert [line["result"] for line in lines] == ["started", "interrupted"], lines
            assert lines[-1]["signal"] == "SIGTERM" and lines[-1]["rolled_back"] is True, lines[-1]
        assert {line["actor"] for line in lines} == {"sgressier"}
    finally:
        _exec(box, "sudo", "-n", S3SHARE, "--json", "collab", "revoke", name, check=False)


def test_a_sigterm_during_collab_extend_completes_the_change_and_audits_it(box):
    name = "ext-" + secrets.token_hex(3)
    rc, added, proc = s3share(box, "collab", "add", name, "ligan", "results/chu-liege", "2")
    assert rc == 0, proc.stdout + proc.stderr
    try:
        lines_before = len(audit_lines(box)[1])
        run = _kill_during(box, "started", name, 0.0, "collab", "extend", name, "9")
        record, policy, users = _collaborator_on_server(box, name)
        lines = [line for line in audit_lines(box)[1][lines_before:] if line["target"] == "collaborator:" + name]
        assert run["fired"], ("the run was never caught at this moment", run, lines)
        # The policy (which MinIO enforces) and the record (which the sweep and list read) agree.
        expiries = [s["Condition"]["DateLessThan"]["aws:CurrentTime"] for s in policy["Statement"]
                    if s["Effect"] == "Allow"]
        assert {e for values in expiries for e in values} == {record["expires_at"]}, (expiries, record)
        assert record["expires_at"] > added["collaborator"]["expires_at"]
        assert [line["result"] for line in lines] == ["started", "changed"], lines
        assert lines[-1]["interrupted"] == "SIGTERM" and run["rc"] == 128 + 15, (lines, run)
        assert users == [added["credentials"]["access_key"]]
    finally:
        _exec(box, "sudo", "-n", S3SHARE, "--json", "collab", "revoke", name, check=False)


def test_a_delegated_loop_is_rate_limited(box):
    """sgressier loops the real command through sudo (20 runs in one SSH session) with a burst of 3: the
    first 3 runs are refused as usual (one line each), the 4th writes one rate-limit line, the 16 others
    are refused with no line. Without the limit the loop wrote 20 lines (one per run)."""
    saved = _exec(box, "cat", CONFIG).stdout
    config = json.loads(saved)
    config.update({"rate_limit_burst": 3, "rate_limit_per_minute": 0.001})
    try:
        _exec(box, "sh", "-ec", "cat > %s.new && chmod 0600 %s.new && mv %s.new %s && rm -f /run/s3share-rate/sgressier.json"
              % (CONFIG, CONFIG, CONFIG, CONFIG), input_text=json.dumps(config))
        guard = Guard(box)
        proc = ssh(box, "sgressier", "for i in $(seq 20); do sudo -n %s --json collab show nosuch-%s; echo \"rc=$?\"; done"
                   % (S3SHARE, "x"))
        codes = re.findall(r"^rc=(\d+)$", proc.stdout, re.M)
        assert codes == ["3"] * 20, proc.stdout + proc.stderr
        assert proc.stdout.count("too many runs") == 17, proc.stdout
        lines = guard.unchanged("a loop of 20 runs", audited=4)
        assert [line["action"] for line in lines[3:]] == ["rate_limit"], lines
        assert all(line["actor"] == "sgressier" and line["result"] == "refused" for line in lines), lines
        box["refusals"] = box.get("refusals", 0) + 4
    finally:
        _exec(box, "sh", "-ec", "cat > %s.new && chmod 0600 %s.new && mv %s.new %s && rm -f /run/s3share-rate/sgressier.json"
              % (CONFIG, CONFIG, CONFIG, CONFIG), input_text=saved)


def test_zz_actions_log_is_rotated_without_losing_a_line(box):
    """Last in this file: it moves actions.log away, as logrotate does once a month."""
    conf_path = "/etc/logrotate.d/s3share-actions"
    conf = _exec(box, "cat", conf_path).stdout
    assert AUDIT_LOG in conf and re.search(r"^\s*compress$", conf, re.M), conf
    assert not re.search(r"^\s*copytruncate", conf, re.M), conf
    assert re.search(r"^\s*rotate -1$", conf, re.M), conf  # history is never deleted by rotation
    before = _exec(box, "cat", AUDIT_LOG).stdout
    assert before
    _exec(box, "logrotate", "-f", conf_path)
    rotated = _exec(box, "sh", "-c", "ls %s-*" % AUDIT_LOG).stdout.split()
    assert len(rotated) == 1 and _exec(box, "cat", rotated[0]).stdout == before, rotated
    stat = _exec(box, "stat", "-c", "%U:%G %a %s", AUDIT_LOG).stdout.split()
    assert stat[:2] == ["root:root", "640"], stat
    # The next line goes to the new file; the next rotation compresses the previous one.
    s3share(box, "whoami")
    assert json.loads(_exec(box, "cat", AUDIT_LOG).stdout.splitlines()[-1])["action"] == "whoami"
    time.sleep(1.1)
    _exec(box, "logrotate", "-f", conf_path)
    compressed = _exec(box, "sh", "-c", "ls %s-*.gz" % AUDIT_LOG).stdout.split()
    assert len(compressed) == 1 and _exec(box, "zcat", compressed[0]).stdout == before, compressed
