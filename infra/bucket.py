"""The results bucket: item lists and Map results, private, TLS-only, encrypted, and emptied by a lifecycle rule."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from asl.definition import ITEMS_PREFIX, OUTPUTS_PREFIX, RESULTS_PREFIX
from hpc.settings import Settings
from infra.iam import Account, tls_only_bucket_policy

# A multipart upload the ResultWriter abandons (a stopped run) leaves invisible, billed parts; drop them after a day.
ABORT_INCOMPLETE_UPLOADS_DAYS = 1


def results_bucket(
    name: str, settings: Settings, account: pulumi.Output[Account], parent: pulumi.Resource
) -> aws.s3.Bucket:
    """The bucket and its hardening, all children of `parent`. `force_destroy` lets `pulumi destroy` delete it full."""
    opts = pulumi.ResourceOptions(parent=parent)
    bucket = aws.s3.Bucket(f"{name}-results", force_destroy=True, opts=opts)
    public_access_block = aws.s3.BucketPublicAccessBlock(
        f"{name}-results-public-access",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=opts,
    )
    aws.s3.BucketOwnershipControls(
        f"{name}-results-ownership",
        bucket=bucket.id,
        rule={"object_ownership": "BucketOwnerEnforced"},  # ACLs off: the bucket owner owns every object
        opts=opts,
    )
    aws.s3.BucketServerSideEncryptionConfiguration(
        f"{name}-results-encryption",
        bucket=bucket.id,
        rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
        opts=opts,
    )
    aws.s3.BucketLifecycleConfiguration(
        f"{name}-results-expiry",
        bucket=bucket.id,
        rules=[
            expiry_rule(prefix, settings.results_expire_days)
            for prefix in (ITEMS_PREFIX, RESULTS_PREFIX, OUTPUTS_PREFIX)
        ],
        opts=opts,
    )
    aws.s3.BucketPolicy(
        f"{name}-results-tls-only",
        bucket=bucket.id,
        policy=pulumi.Output.all(account, bucket.bucket).apply(lambda args: json.dumps(tls_only_bucket_policy(*args))),
        # S3 rejects a policy change that races the public access block change on the same bucket.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[public_access_block]),
    )
    return bucket


def expiry_rule(prefix: str, days: int) -> aws.s3.BucketLifecycleConfigurationRuleArgsDict:
    """Job data is scratch: item lists and result files expire, and abandoned multipart uploads are aborted."""
    return {
        "id": f"expire-{prefix}",
        "status": "Enabled",
        "filter": {"prefix": f"{prefix}/"},
        "expiration": {"days": days},
        "abort_incomplete_multipart_upload": {"days_after_initiation": ABORT_INCOMPLETE_UPLOADS_DAYS},
    }
