"""Cloud Storage buckets: access is decided by IAM alone and can never be made public."""

from pulumi_policy import ReportViolation, ResourceValidationArgs

from policy.declare import mandatory
from policy.resources import BUCKET


def _require_uniform_access(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == BUCKET and args.props.get("uniformBucketLevelAccess") is not True:
        report(
            f"bucket '{args.name}' does not enable uniform bucket-level access: "
            "set uniform_bucket_level_access=True so object ACLs cannot grant access beside IAM",
            None,
        )


def _require_public_access_prevention(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != BUCKET:
        return
    prevention = args.props.get("publicAccessPrevention")
    if prevention != "enforced":
        report(
            f"bucket '{args.name}' has public access prevention {prevention or 'unset'}: "
            'set public_access_prevention="enforced"',
            None,
        )


BUCKET_UNIFORM_ACCESS = mandatory(
    "bucket-uniform-access",
    "Buckets use uniform bucket-level access (IAM only, no object ACLs).",
    _require_uniform_access,
)

BUCKET_PUBLIC_ACCESS_PREVENTION = mandatory(
    "bucket-public-access-prevention",
    "Buckets enforce public access prevention.",
    _require_public_access_prevention,
)
