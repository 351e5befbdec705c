"""Buckets: raw input, Dataproc staging, BigQuery connector temp, and job code."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_gcp as gcp

from infra.config import StackConfig


def _delete_after(days: int) -> gcp.storage.BucketLifecycleRuleArgs:
    return gcp.storage.BucketLifecycleRuleArgs(
        action=gcp.storage.BucketLifecycleRuleActionArgs(type="Delete"),
        condition=gcp.storage.BucketLifecycleRuleConditionArgs(age=days),
    )


def _delete_noncurrent_after(days: int) -> gcp.storage.BucketLifecycleRuleArgs:
    return gcp.storage.BucketLifecycleRuleArgs(
        action=gcp.storage.BucketLifecycleRuleActionArgs(type="Delete"),
        condition=gcp.storage.BucketLifecycleRuleConditionArgs(
            days_since_noncurrent_time=days, with_state="ARCHIVED"
        ),
    )


class Storage(pulumi.ComponentResource):
    """Four private buckets with uniform access, named <bucketPrefix>-<role>.

    raw keeps object versions (an overwritten input file can be recovered) and, with protectData, Pulumi's
    `protect`, as the dataset does; staging and temp hold only transient files, so lifecycle rules delete
    them.
    """

    raw: gcp.storage.Bucket
    staging: gcp.storage.Bucket
    temp: gcp.storage.Bucket
    code: gcp.storage.Bucket
    buckets: dict[str, gcp.storage.Bucket]
    """The same buckets by role."""

    def __init__(
        self,
        name: str,
        config: StackConfig,
        *,
        depends_on: Sequence[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pipeline:infra:Storage", name, None, opts)
        settings = config.storage
        child = pulumi.ResourceOptions(parent=self, depends_on=list(depends_on))

        def bucket(
            role: str,
            lifecycle: list[gcp.storage.BucketLifecycleRuleArgs],
            versioning: bool = False,
            protect: bool = False,
        ) -> gcp.storage.Bucket:
            return gcp.storage.Bucket(
                role,
                project=config.project_id,
                name=settings.bucket_name(role),
                location=config.region.upper(),
                storage_class="STANDARD",
                uniform_bucket_level_access=True,
                public_access_prevention="enforced",
                force_destroy=settings.force_destroy,
                versioning=gcp.storage.BucketVersioningArgs(enabled=versioning),
                lifecycle_rules=lifecycle,
                encryption=(
                    gcp.storage.BucketEncryptionArgs(default_kms_key_name=config.kms_key)
                    if config.kms_key
                    else None
                ),
                labels={**config.labels, "role": role},
                opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(protect=protect)),
            )

        self.raw = bucket(
            "raw",
            [_delete_noncurrent_after(settings.raw_noncurrent_retention_days)],
            versioning=True,
            protect=settings.protect_raw,
        )
        self.staging = bucket("staging", [_delete_after(settings.staging_retention_days)])
        self.temp = bucket("temp", [_delete_after(settings.temp_retention_days)])
        self.code = bucket("code", [])
        self.buckets = {"raw": self.raw, "staging": self.staging, "temp": self.temp, "code": self.code}
        self.register_outputs({role: bucket.name for role, bucket in self.buckets.items()})
