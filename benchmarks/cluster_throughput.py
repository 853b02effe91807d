#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""Put/get throughput and latency of the 4-node cluster (molecule scenario "cluster", through its HAProxy)
against a single-node MinIO on the same machine, measured in the same run, then the time the cluster takes
to heal after a node returns. Figures only, not a timed test.

    molecule create -s cluster && molecule converge -s cluster   # the cluster, left running
    python benchmarks/cluster_throughput.py | tee benchmarks/results/cluster_throughput.txt

The single node is a throw-away TLS MinIO with one drive (benchmarks/_tls_minio.py, the integration
tests' server), same binary; both are reached with boto3 over verified TLS from this machine. The
cluster's four containers share this machine's cores and its disk (their loop files), so the ratio says
what erasure coding over 8 drives and the extra hop cost here, not what four real servers would give.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

import boto3
from botocore.config import Config

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _tls_minio import TlsMinio, binaries  # noqa: E402

CACHE = Path(os.environ.get("EGID_S3SHARE_CACHE", Path.home() / ".cache" / "egid-s3share"))
CLUSTER_ENDPOINT = os.environ.get("CLUSTER_ENDPOINT", "https://localhost:19100")
CLUSTER_CA = CACHE / "pki" / "cluster" / "ca.crt"
CLUSTER_ROOT_USER = "egid-admin"
CLUSTER_ROOT_PASSWORD_FILE = CACHE / "secrets" / "cluster-minio-root-password"
NODE = "egid-cluster-s3node4"
WORKLOADS = [("64 KiB", 64 * 1024, int(os.environ.get("SMALL_COUNT", "200"))),
             ("4 MiB", 4 * 1024 * 1024, int(os.environ.get("LARGE_COUNT", "30")))]
HEAL_OBJECTS = int(os.environ.get("HEAL_OBJECTS", "20"))


def client(endpoint, ca, access_key, secret_key):
    config = Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                    max_pool_connections=4)
    return boto3.client("s3", endpoint_url=endpoint, verify=str(ca), aws_access_key_id=access_key,
                        aws_secret_access_key=secret_key, region_name="us-east-1", config=config)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def run_workload(s3, bucket, size, count):
    """Sequential puts then gets of `count` random objects; returns MiB/s and latencies (ms) for each."""
    bodies = [os.urandom(size) for _ in range(count)]
    result = {}
    for op in ("put", "get"):
        latencies = []
        start = time.perf_counter()
        for i, body in enumerate(bodies):
            t = time.perf_counter()
            if op == "put":
                s3.put_object(Bucket=bucket, Key="bench/%d" % i, Body=body)
            else:
                got = s3.get_object(Bucket=bucket, Key="bench/%d" % i)["Body"].read()
                if hashlib.sha256(got).digest() != hashlib.sha256(body).digest():
                    raise RuntimeError("object %d came back different" % i)
            latencies.append((time.perf_counter() - t) * 1000)
        elapsed = time.perf_counter() - start
        result[op] = {"mib_s": size * count / elapsed / 1048576, "ops_s": count / elapsed,
                      "p50": statistics.median(latencies), "p95": percentile(latencies, 0.95)}
    return result


def measure(name, s3):
    bucket = "bench-" + secrets.token_hex(4)
    s3.create_bucket(Bucket=bucket)
    figures = {}
    try:
        for label, size, count in WORKLOADS:
            figures[label] = run_workload(s3, bucket, size, count)
    finally:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for obj in page.get("Contents", []):
                s3.delete_object(Bucket=bucket, Key=obj["Key"])
        s3.delete_bucket(Bucket=bucket)
    return figures


def docker_exec(*argv, check=True):
    return subprocess.run(["docker", "exec", NODE] + list(argv), capture_output=True, text=True, check=check)


def heal_time(s3):
    """Stop MinIO on one node, write objects, start it; time until the cluster sees its 8 drives and
    until every object is on both drives of the returning node (reads trigger MinIO's heal)."""
    bucket = "heal-" + secrets.token_hex(4)
    s3.create_bucket(Bucket=bucket)
    docker_exec("systemctl", "stop", "minio")
    try:
        keys = ["obj-%d" % i for i in range(HEAL_OBJECTS)]
        for key in keys:
            s3.put_object(Bucket=bucket, Key=key, Body=os.urandom(1024 * 1024))
    finally:
        start = time.perf_counter()
        docker_exec("systemctl", "start", "minio")
    ca = "/srv/s3/certs/CAs/ca.crt"
    reconnected = None
    while time.perf_counter() - start < 180:
        health = docker_exec("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", ca,
                             "https://s3node4:9000/minio/health/cluster", check=False).stdout
        if health == "200":
            reconnected = time.perf_counter() - start
            break
        time.sleep(0.5)
    healed = None
    rounds = 0
    while reconnected is not None and time.perf_counter() - start < 300:
        rounds += 1
        for key in keys:
            s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        time.sleep(0.5)
        missing = docker_exec("sh", "-c", "for k in %s; do for d in data1 data2; do test -s /srv/s3/$d/%s/$k/xl.meta "
                              "|| echo $d/$k; done; done" % (" ".join(keys), bucket), check=False).stdout.split()
        if not missing:
            healed = time.perf_counter() - start
            break
    for key in keys:
        s3.delete_object(Bucket=bucket, Key=key)
    s3.delete_bucket(Bucket=bucket)
    return reconnected, healed, rounds


def main():
    if not CLUSTER_ROOT_PASSWORD_FILE.exists():
        sys.exit("No cluster: run `molecule create -s cluster && molecule converge -s cluster` first.")
    password = CLUSTER_ROOT_PASSWORD_FILE.read_text().split()[0]
    cluster = client(CLUSTER_ENDPOINT, CLUSTER_CA, CLUSTER_ROOT_USER, password)
    minio_bin, _ = binaries()
    version = subprocess.run([minio_bin, "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    print("MinIO %s; %d cores; %s" % (version, os.cpu_count(), time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())))
    print("cluster: 4 nodes x 2 drives (EC:4) behind HAProxy, %s; single: 1 drive, same binary" % CLUSTER_ENDPOINT)
    with TlsMinio(minio_bin) as single_server:
        single = client(single_server.endpoint, single_server.ca_path, single_server.access_key,
                        single_server.secret_key)
        results = {"single": measure("single", single), "cluster": measure("cluster", cluster)}
    print()
    print("%-8s %-4s %-8s %10s %10s %10s %10s" % ("size", "op", "target", "MiB/s", "ops/s", "p50 ms", "p95 ms"))
    for label, _, count in WORKLOADS:
        for op in ("put", "get"):
            for target in ("single", "cluster"):
                r = results[target][label][op]
                print("%-8s %-4s %-8s %10.1f %10.1f %10.1f %10.1f" % (label, op, target, r["mib_s"], r["ops_s"],
                                                                     r["p50"], r["p95"]))
            ratio = results["cluster"][label][op]["mib_s"] / results["single"][label][op]["mib_s"]
            print("%-8s %-4s cluster/single throughput ratio %.2f (%d objects)" % (label, op, ratio, count))
    reconnected, healed, rounds = heal_time(cluster)
    print()
    print("heal after a node returns (%d x 1 MiB written while s3node4 was stopped):" % HEAL_OBJECTS)
    print("  write quorum with the node back: %s" % ("%.1f s" % reconnected if reconnected else "not within 180 s"))
    print("  every object on both of its drives: %s (%d read rounds)"
          % ("%.1f s" % healed if healed else "not within 300 s", rounds))


if __name__ == "__main__":
    main()
