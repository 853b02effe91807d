"""Put and get an object through the load balancer with boto3 (an S3 client independent of MinIO's),
as the collaborator whose keys are in the environment; then a presigned GET URL signed for the
service name. Prints one JSON line: the sha256 sent and received, and the presigned URL."""

import hashlib
import json
import os
import sys

import boto3
from botocore.config import Config

bucket, key = sys.argv[1], sys.argv[2]
session = boto3.session.Session(aws_access_key_id=os.environ["S3_ACCESS_KEY"],
                                aws_secret_access_key=os.environ["S3_SECRET_KEY"], region_name="us-east-1")
config = Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 1})
s3 = session.client("s3", endpoint_url=os.environ["S3_ENDPOINT"], verify=os.environ["S3_CA"], config=config)
body = os.urandom(2 * 1024 * 1024 + 17)
s3.put_object(Bucket=bucket, Key=key, Body=body)
got = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
# The presigned URL carries the service name, which only resolves on the cluster's network.
public = session.client("s3", endpoint_url=os.environ["S3_PUBLIC_ENDPOINT"], verify=os.environ["S3_CA"], config=config)
url = public.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=600)
print(json.dumps({"put_sha256": hashlib.sha256(body).hexdigest(), "get_sha256": hashlib.sha256(got).hexdigest(),
                  "url": url}))
