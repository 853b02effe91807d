# -*- coding: utf-8 -*-
"""s3share-push against the other S3 clients, in one run, on one MinIO server over TLS (figures, not a test).

    python benchmarks/push.py [--big-mib 512 --big-count 2 --small-kib 256 --small-count 1000] [--scale]

Clients: s3share-push (this collection), mc mirror (the pinned build), rclone
(the Debian package), aws s3 sync (awscli from PyPI, in its own venv under
~/.cache/egid-s3share/bench-awscli) and s5cmd 2.3.0 (built with the Go
toolchain, cached under ~/.cache/egid-s3share/s5cmd-v2.3.0). A client that is
not there is reported as missing, not guessed. Each client sends each folder
to its own empty prefix, in turn, with the folder in the page cache; its wall
time and its peak RSS (GNU time) are measured. s3share-push also computes the
whole-file SHA-256 and sends every part with x-amz-checksum-sha256, which the
server verifies: its figures include that work.

--scale adds, for s3share-push only: 100,000 files of 1 KiB, and one sparse
file of 11 GiB (read as zeros, sent for real).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _tls_minio import TlsMinio, binaries  # noqa: E402

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "egid-s3share"
S5CMD = CACHE / "s5cmd-v2.3.0" / "s5cmd"
AWS = CACHE / "bench-awscli" / "bin" / "aws"
BUCKET = "bench"


def make_folders(base, args):
    big, small = base / "big", base / "small"
    big.mkdir()
    small.mkdir()
    for index in range(args.big_count):
        with open(big / ("D%04d.tar" % index), "wb") as handle:
            for dummy in range(args.big_mib):
                handle.write(os.urandom(1 << 20))
    for index in range(args.small_count):
        sub = small / ("sample%02d" % (index % 20))
        sub.mkdir(exist_ok=True)
        (sub / ("f%05d.vcf" % index)).write_bytes(os.urandom(args.small_kib * 1024))
    return {"big": big, "small": small}


def folder_bytes(path):
    return sum(e.stat().st_size for e in Path(path).rglob("*") if e.is_file())


def run_measured(argv, env):
    """(seconds, peak RSS in MB, return code, stderr tail) of one client run.

    The peak RSS is GNU time's (%M): the rusage of a child forked from this Python would start at this process's
    own size, before the exec.
    """
    with tempfile.NamedTemporaryFile() as rss, tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        began = time.monotonic()
        code = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name] + argv, env=env, stdout=out, stderr=err,
                              check=False).returncode
        seconds = time.monotonic() - began
        err.seek(0)
        out.seek(0)
        tail = (err.read()[-600:] + out.read()[-300:]).decode("utf-8", "replace")
        peak = int(open(rss.name, encoding="ascii").read().split()[-1]) / 1024.0
    return seconds, peak, code, tail


class Clients:
    def __init__(self, server, work):
        self.server = server
        self.work = work
        self.env = dict(os.environ, AWS_ACCESS_KEY_ID=server.access_key, AWS_SECRET_ACCESS_KEY=server.secret_key,
                        AWS_ENDPOINT_URL=server.endpoint, AWS_CA_BUNDLE=server.ca_path, AWS_REGION="us-east-1",
                        AWS_DEFAULT_REGION="us-east-1", SSL_CERT_FILE=server.ca_path,
                        HOME=str(work / "home"), XDG_CACHE_HOME=str(work / "home" / ".cache"))
        (work / "home").mkdir()
        self.mc_dir = work / "mc"
        (self.mc_dir / "certs" / "CAs").mkdir(parents=True)
        shutil.copy(server.ca_path, self.mc_dir / "certs" / "CAs" / "ca.crt")
        self.mc_bin = None
        lib = work / "lib"
        lib.mkdir()
        (lib / "s3share_push").symlink_to(REPO / "plugins" / "module_utils" / "_push")
        self.push_lib = lib
        self.rclone_conf = work / "rclone.conf"
        self.rclone_conf.write_text("[bench]\ntype = s3\nprovider = Minio\nendpoint = %s\naccess_key_id = %s\n"
                                    "secret_access_key = %s\n" % (server.endpoint, server.access_key,
                                                                  server.secret_key))

    def env_for(self, client):
        if client == "rclone":
            # rclone 1.60 refuses AWS_CA_BUNDLE next to its own --ca-cert.
            return {k: v for k, v in self.env.items() if k != "AWS_CA_BUNDLE"}
        return self.env

    def available(self, mc_bin):
        self.mc_bin = mc_bin
        found = {"s3share-push": True, "mc mirror": bool(mc_bin) and os.access(mc_bin, os.X_OK),
                 "rclone": shutil.which("rclone") is not None, "aws s3 sync": AWS.exists(),
                 "s5cmd": S5CMD.exists()}
        if found["mc mirror"]:
            subprocess.run([mc_bin, "--config-dir", str(self.mc_dir), "alias", "set", "bench", self.server.endpoint,
                            self.server.access_key, self.server.secret_key], check=True, capture_output=True)
        return found

    def argv(self, client, source, prefix):
        target = "%s/%s" % (BUCKET, prefix)
        if client == "s3share-push":
            return [sys.executable, "-I", "-c", "import sys; sys.path.insert(0, %r); from s3share_push.cli import "
                    "main; sys.exit(main())" % str(self.push_lib), str(source), target, "--json",
                    "--state-dir", str(self.work / "push-state")]
        if client == "mc mirror":
            return [self.mc_bin, "--config-dir", str(self.mc_dir), "--quiet", "mirror", str(source), "bench/" + target]
        if client == "rclone":
            return ["rclone", "--config", str(self.rclone_conf), "--ca-cert", self.server.ca_path, "copy",
                    str(source), "bench:" + target]
        if client == "aws s3 sync":
            return [str(AWS), "s3", "sync", "--only-show-errors", str(source), "s3://" + target]
        if client == "s5cmd":
            return [str(S5CMD), "--endpoint-url", self.server.endpoint, "cp", str(source) + "/", "s3://" + target + "/"]
        raise ValueError(client)


def _stop(signum, frame):  # pylint: disable=unused-argument
    raise KeyboardInterrupt


def main():
    signal.signal(signal.SIGTERM, _stop)  # the server and the folders are removed on the way out
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--big-mib", type=int, default=512)
    parser.add_argument("--big-count", type=int, default=2)
    parser.add_argument("--small-kib", type=int, default=256)
    parser.add_argument("--small-count", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=1, help="runs per client and folder (the best is kept)")
    parser.add_argument("--scale", action="store_true")
    args = parser.parse_args()
    minio_bin, mc_bin = binaries()
    work = Path(tempfile.mkdtemp(prefix="s3share-bench-push-"))
    try:
        with TlsMinio(minio_bin, mc_bin) as server:
            s3 = server.clients().s3
            s3.make_bucket(BUCKET)
            clients = Clients(server, work)
            found = clients.available(mc_bin)
            folders = make_folders(work, args)
            results = {}
            for name, folder in folders.items():
                size = folder_bytes(folder)
                for round_ in range(args.rounds):
                    # Interleaved: every client in turn, so a noisy neighbour hurts them alike.
                    for client, present in found.items():
                        if not present:
                            continue
                        prefix = "%s-%s-%d" % (client.split()[0], name, round_)
                        seconds, rss, code, tail = run_measured(clients.argv(client, folder, prefix),
                                                                clients.env_for(client))
                        if code != 0:
                            print("%s on %s failed (%d): %s" % (client, name, code, tail), file=sys.stderr)
                            continue
                        best = results.get((client, name))
                        if best is None or seconds < best["seconds"]:
                            results[(client, name)] = {"seconds": seconds, "rss_mb": rss,
                                                       "mb_s": size / seconds / 1e6}
            lines = ["s3share-push benchmark, one MinIO over TLS on loopback, %d cores, %s, load average %.1f"
                     % (os.cpu_count(), time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), os.getloadavg()[0]),
                     "folders: big = %d x %d MiB, small = %d x %d KiB; best of %d round(s), clients interleaved"
                     % (args.big_count, args.big_mib, args.small_count, args.small_kib, args.rounds),
                     "missing: %s" % (", ".join(c for c, p in found.items() if not p) or "none"), "",
                     "%-14s %-6s %9s %9s %11s %9s" % ("client", "folder", "seconds", "MB/s", "vs best", "RSS MB")]
            for name in folders:
                others = [r["mb_s"] for (c, n), r in results.items() if n == name and c != "s3share-push"]
                best_other = max(others) if others else None
                for client in found:
                    r = results.get((client, name))
                    if r is None:
                        continue
                    ratio = ("%.2fx" % (r["mb_s"] / best_other)) if best_other and client == "s3share-push" else ""
                    lines.append("%-14s %-6s %9.2f %9.1f %11s %9.1f" % (client, name, r["seconds"], r["mb_s"], ratio,
                                                                         r["rss_mb"]))
            if args.scale:
                lines += ["", "at scale (s3share-push only):"]
                many = work / "many"
                many.mkdir()
                for index in range(100000):
                    sub = many / ("d%03d" % (index % 500))
                    sub.mkdir(exist_ok=True)
                    (sub / ("f%06d" % index)).write_bytes(b"x" * 1024)
                seconds, rss, code, tail = run_measured(clients.argv("s3share-push", many, "scale-many"), clients.env)
                lines.append("100,000 files of 1 KiB: %.1f s, %.0f files/s, RSS %.1f MB, exit %d"
                             % (seconds, 100000 / seconds, rss, code))
                shutil.rmtree(many)
                huge = work / "huge"
                huge.mkdir()
                with open(huge / "sparse.tar", "wb") as handle:
                    handle.truncate(11 << 30)
                seconds, rss, code, tail = run_measured(clients.argv("s3share-push", huge, "scale-huge"), clients.env)
                lines.append("one sparse file of 11 GiB: %.1f s, %.1f MB/s, RSS %.1f MB, exit %d"
                             % (seconds, (11 << 30) / seconds / 1e6, rss, code))
            print("\n".join(lines))
            print(json.dumps({"%s/%s" % k: v for k, v in results.items()}, sort_keys=True), file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
