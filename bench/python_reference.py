#!/usr/bin/env python3
"""The baseline the seed's scaffold describes: load the Parquet with `datasets`, then
boto3 put_object for every image in a loop. Prints objects and bytes uploaded."""
import hashlib
import sys

import boto3
from datasets import Image, load_dataset

endpoint, key, secret, bucket, *files = sys.argv[1:]
s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=key,
                  aws_secret_access_key=secret, region_name="us-east-1")
s3.create_bucket(Bucket=bucket)
ds = load_dataset("parquet", data_files=files, split="train").cast_column("image", Image(decode=False))
n = size = 0
for row in ds:
    data = row["image"]["bytes"]
    s3.put_object(Bucket=bucket, Key=f"assets/ref/image/{hashlib.sha256(data).hexdigest()}.jpg", Body=data)
    n, size = n + 1, size + len(data)
print(n, size)
