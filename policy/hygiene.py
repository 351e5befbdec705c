"""Advisory rules: resources say who manages them and where they belong; protected stacks use CMEK."""

import json
from collections.abc import Mapping
from typing import Any

from pulumi_policy import PolicyConfigSchema, ReportViolation, ResourceValidationArgs

from policy.declare import advisory
from policy.resources import (
    BATCH,
    BUCKET,
    CLUSTER,
    DATASET,
    NOT_KNOWN_YET,
    SESSION_TEMPLATE,
    TABLE,
    known,
    nested,
    stack_of,
)

REQUIRED_LABELS = ("env", "managed-by")

# Resource types whose labels live in `userLabels` (their `labels`, if any, mean something else).
USER_LABELS_TYPES = frozenset(
    {
        "gcp:monitoring/alertPolicy:AlertPolicy",
        "gcp:monitoring/notificationChannel:NotificationChannel",
        "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig",
        "gcp:monitoring/slo:Slo",
        "gcp:monitoring/customService:CustomService",
        "gcp:monitoring/genericService:GenericService",
    }
)
# Resource types whose `labels` are not labels of the resource: a Cloud Identity group's labels mark its
# kind, with fixed keys and empty values.
NOT_RESOURCE_LABELS_TYPES = frozenset({"gcp:cloudidentity/group:Group"})
# Resource types that take `labels` even when a program leaves them out.
LABELS_TYPES = frozenset(
    {
        BUCKET,
        DATASET,
        BATCH,
        TABLE,
        CLUSTER,
        SESSION_TEMPLATE,
        "gcp:kms/cryptoKey:CryptoKey",
        "gcp:pubsub/topic:Topic",
        "gcp:pubsub/subscription:Subscription",
    }
)

# Where each data-holding resource names its customer-managed key.
CMEK_PROPERTY = {
    BUCKET: ("encryption", "defaultKmsKeyName"),
    DATASET: ("defaultEncryptionConfiguration", "kmsKeyName"),
    BATCH: ("environmentConfig", "executionConfig", "kmsKey"),
    SESSION_TEMPLATE: ("environmentConfig", "executionConfig", "kmsKey"),
}
DEFAULT_CMEK_STACKS = ("prod",)


def label_property(resource_type: str, props: Mapping[str, Any]) -> str | None:
    """The property holding the resource's labels, or None when the resource takes no labels."""
    if resource_type in USER_LABELS_TYPES:
        return "userLabels"
    if resource_type in NOT_RESOURCE_LABELS_TYPES:
        return None
    if resource_type in LABELS_TYPES or "labels" in props:
        return "labels"
    return None


def _require_labels(args: ResourceValidationArgs, report: ReportViolation) -> None:
    prop = label_property(args.resource_type, args.props)
    if prop is None:
        return
    labels = args.props.get(prop) or {}
    if not isinstance(labels, Mapping):
        return  # a list of label descriptors (a metric's), not the resource's own labels
    # The provider merges its default labels under a resource's own `labels` (never its `userLabels`), the
    # resource's value winning where both give a key.
    defaults = _provider_default_labels(args) if prop == "labels" else {}
    if defaults is None:
        return  # not known before the update, which checks the resource again
    missing = [
        key for key in REQUIRED_LABELS if not (labels.get(key) if key in labels else defaults.get(key))
    ]
    if missing:
        report(f"'{args.name}' lacks the label(s) {', '.join(missing)} in {prop}", None)


def _provider_default_labels(args: ResourceValidationArgs) -> Mapping[str, Any] | None:
    """The labels the resource's provider puts on every resource whose labels are `labels`
    (`gcp:defaultLabels`, or an explicit provider's `defaultLabels`), which the engine hands over as the map's
    JSON text; None when a preview does not know them yet."""
    labels = known(args.provider.props, "defaultLabels", NOT_KNOWN_YET) if args.provider is not None else None
    if labels is NOT_KNOWN_YET:
        return None
    if isinstance(labels, str):
        try:
            labels = json.loads(labels)
        except ValueError:
            return {}
    return labels if isinstance(labels, Mapping) else {}


def _require_cmek(args: ResourceValidationArgs, report: ReportViolation) -> None:
    path = CMEK_PROPERTY.get(args.resource_type)
    stacks = args.get_config().get("stacks", DEFAULT_CMEK_STACKS)
    if path is None or stack_of(args.urn) not in stacks:
        return
    if not nested(args.props, *path):
        report(
            f"'{args.name}' in stack {stack_of(args.urn)} has no customer-managed key ({'.'.join(path)}): "
            "set the stack's KMS key",
            None,
        )


REQUIRED_LABELS_POLICY = advisory(
    "required-labels", "Every resource that takes labels carries env and managed-by.", _require_labels
)

CMEK_IN_PROTECTED_STACKS = advisory(
    "cmek-in-protected-stacks",
    "Buckets, datasets, batches and session templates use a customer-managed KMS key in the listed stacks.",
    _require_cmek,
    config_schema=PolicyConfigSchema(
        properties={
            "stacks": {
                "type": "array",
                "items": {"type": "string"},
                "default": list(DEFAULT_CMEK_STACKS),
                "description": "Stacks whose data must be encrypted with a customer-managed key.",
            }
        }
    ),
)
