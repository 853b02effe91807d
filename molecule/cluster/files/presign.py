"""Print presigned GET URLs (one per line, signed for the service name) for the keys given, with the
root keys from the environment: the verify reads through them from a node that has no mc."""

import os
import sys

import boto3
from botocore.config import Config

s3 = boto3.client("s3", endpoint_url=os.environ["S3_PUBLIC_ENDPOINT"], region_name="us-east-1",
                  aws_access_key_id=os.environ["S3_ACCESS_KEY"], aws_secret_access_key=os.environ["S3_SECRET_KEY"],
                  config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
bucket = sys.argv[1]
for key in sys.argv[2:]:
    print(s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=900))
