"""Writes through the load balancer with boto3 (from the controller, as a client of the service name
would) while nodes are down or booting, with the root keys from the environment.
  reboot_io.py put BUCKET PREFIX N     N objects PREFIX/1.bin..N.bin; prints {"key": "sha256", ...}
  reboot_io.py wait BUCKET KEY LIMIT   a put every second until one succeeds or LIMIT seconds have
                                       passed; prints {"seconds": s, "attempts": n, "ok": bool}"""

import hashlib
import json
import os
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

s3 = boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT"], verify=os.environ["S3_CA"], region_name="us-east-1",
                  aws_access_key_id=os.environ["S3_ACCESS_KEY"], aws_secret_access_key=os.environ["S3_SECRET_KEY"],
                  config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                                retries={"max_attempts": 1}, connect_timeout=3, read_timeout=10))


def reaching(call, *args, **kwargs):
    """call, again while the balancer still sends some requests to a node that has just gone (for 30 s)."""
    for attempt in range(30):
        try:
            return call(*args, **kwargs)
        except BotoCoreError:
            if attempt == 29:
                raise
            time.sleep(1)
    return None


action, bucket = sys.argv[1], sys.argv[2]
if action == "put":
    written = {}
    for n in range(1, int(sys.argv[4]) + 1):
        key = "%s/%d.bin" % (sys.argv[3], n)
        body = os.urandom(300000 + n)
        reaching(s3.put_object, Bucket=bucket, Key=key, Body=body)
        written[key] = hashlib.sha256(body).hexdigest()
    print(json.dumps(written))
elif action == "wait":
    began, attempts, ok = time.monotonic(), 0, False
    while not ok and time.monotonic() - began < float(sys.argv[4]):
        attempts += 1
        try:
            s3.put_object(Bucket=bucket, Key=sys.argv[3], Body=os.urandom(4096))
            ok = True
        except (BotoCoreError, ClientError):
            time.sleep(1)
    print(json.dumps({"seconds": round(time.monotonic() - began, 1), "attempts": attempts, "ok": ok}))
else:
    sys.exit("unknown action " + action)
