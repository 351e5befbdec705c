from policy.buckets import BUCKET_PUBLIC_ACCESS_PREVENTION, BUCKET_UNIFORM_ACCESS
from policy.resources import BUCKET
from tests.policy.resource_args import resource_args, violations

SAFE_BUCKET = {"uniformBucketLevelAccess": True, "publicAccessPrevention": "enforced"}


def test_a_bucket_with_uniform_access_passes() -> None:
    assert violations(BUCKET_UNIFORM_ACCESS, resource_args(BUCKET, SAFE_BUCKET)) == []


def test_a_bucket_without_uniform_access_is_reported() -> None:
    args = resource_args(BUCKET, {**SAFE_BUCKET, "uniformBucketLevelAccess": False}, name="raw")
    assert violations(BUCKET_UNIFORM_ACCESS, args) == [
        "bucket 'raw' does not enable uniform bucket-level access: "
        "set uniform_bucket_level_access=True so object ACLs cannot grant access beside IAM"
    ]


def test_a_bucket_that_leaves_uniform_access_unset_is_reported() -> None:
    args = resource_args(BUCKET, {"publicAccessPrevention": "enforced"}, name="raw")
    assert violations(BUCKET_UNIFORM_ACCESS, args) == [
        "bucket 'raw' does not enable uniform bucket-level access: "
        "set uniform_bucket_level_access=True so object ACLs cannot grant access beside IAM"
    ]


def test_a_bucket_enforcing_public_access_prevention_passes() -> None:
    assert violations(BUCKET_PUBLIC_ACCESS_PREVENTION, resource_args(BUCKET, SAFE_BUCKET)) == []


def test_a_bucket_inheriting_public_access_prevention_is_reported() -> None:
    args = resource_args(BUCKET, {**SAFE_BUCKET, "publicAccessPrevention": "inherited"}, name="temp")
    assert violations(BUCKET_PUBLIC_ACCESS_PREVENTION, args) == [
        "bucket 'temp' has public access prevention inherited: set public_access_prevention=\"enforced\""
    ]


def test_a_bucket_without_public_access_prevention_is_reported_as_unset() -> None:
    args = resource_args(BUCKET, {"uniformBucketLevelAccess": True}, name="code")
    assert violations(BUCKET_PUBLIC_ACCESS_PREVENTION, args) == [
        "bucket 'code' has public access prevention unset: set public_access_prevention=\"enforced\""
    ]


def test_bucket_rules_ignore_other_resources() -> None:
    args = resource_args("gcp:storage/bucketObject:BucketObject", {"bucket": "raw"})
    assert violations(BUCKET_UNIFORM_ACCESS, args) == []
    assert violations(BUCKET_PUBLIC_ACCESS_PREVENTION, args) == []
