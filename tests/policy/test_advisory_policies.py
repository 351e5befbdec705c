import json
from typing import Any

import pytest

from policy.hygiene import CMEK_IN_PROTECTED_STACKS, REQUIRED_LABELS_POLICY
from policy.resources import BATCH, BUCKET, DATASET, SESSION_TEMPLATE
from tests.policy.resource_args import UNKNOWN, resource_args, violations

LABELS = {"env": "dev", "managed-by": "pulumi", "pipeline": "orders"}
ALERT_POLICY = "gcp:monitoring/alertPolicy:AlertPolicy"


def test_a_labelled_resource_passes() -> None:
    assert violations(REQUIRED_LABELS_POLICY, resource_args(BUCKET, {"labels": LABELS})) == []


def test_an_alert_policy_carries_its_labels_in_user_labels() -> None:
    args = resource_args(ALERT_POLICY, {"userLabels": LABELS, "displayName": "failed runs"})
    assert violations(REQUIRED_LABELS_POLICY, args) == []


def test_a_resource_missing_a_required_label_is_reported() -> None:
    args = resource_args(DATASET, {"labels": {"env": "dev"}}, name="warehouse")
    assert violations(REQUIRED_LABELS_POLICY, args) == ["'warehouse' lacks the label(s) managed-by in labels"]


def test_a_label_taking_resource_declared_without_labels_is_reported() -> None:
    args = resource_args(ALERT_POLICY, {"displayName": "failed runs"}, name="failed-runs")
    assert violations(REQUIRED_LABELS_POLICY, args) == [
        "'failed-runs' lacks the label(s) env, managed-by in userLabels"
    ]


def test_an_unlisted_type_with_labels_is_checked_too() -> None:
    args = resource_args("gcp:artifactregistry/repository:Repository", {"labels": {"managed-by": "pulumi"}})
    assert violations(REQUIRED_LABELS_POLICY, args) == ["'subject' lacks the label(s) env in labels"]


def test_an_empty_label_value_is_a_missing_label() -> None:
    args = resource_args(DATASET, {"labels": {"env": "", "managed-by": "pulumi"}}, name="warehouse")
    assert violations(REQUIRED_LABELS_POLICY, args) == ["'warehouse' lacks the label(s) env in labels"]


def test_resources_that_take_no_labels_are_not_checked() -> None:
    args = resource_args("gcp:projects/service:Service", {"service": "dataproc.googleapis.com"})
    assert violations(REQUIRED_LABELS_POLICY, args) == []


def test_labels_that_are_a_list_describe_something_else_and_are_not_checked() -> None:
    descriptor = {"labels": [{"key": "env", "valueType": "STRING"}], "type": "custom.googleapis.com/rows"}
    args = resource_args("gcp:monitoring/metricDescriptor:MetricDescriptor", descriptor)
    assert violations(REQUIRED_LABELS_POLICY, args) == []


KEY = "projects/proj/locations/europe-west1/keyRings/pipeline/cryptoKeys/data"


@pytest.mark.parametrize(
    ("resource_type", "props"),
    [
        (BUCKET, {"encryption": {"defaultKmsKeyName": KEY}}),
        (DATASET, {"defaultEncryptionConfiguration": {"kmsKeyName": KEY}}),
        (BATCH, {"environmentConfig": {"executionConfig": {"kmsKey": KEY}}}),
    ],
)
def test_data_resources_with_a_customer_managed_key_pass_in_prod(
    resource_type: str, props: dict[str, object]
) -> None:
    assert violations(CMEK_IN_PROTECTED_STACKS, resource_args(resource_type, props, stack="prod")) == []


def test_a_prod_bucket_without_a_customer_managed_key_is_reported() -> None:
    args = resource_args(BUCKET, {"labels": LABELS}, name="raw", stack="prod")
    assert violations(CMEK_IN_PROTECTED_STACKS, args) == [
        "'raw' in stack prod has no customer-managed key (encryption.defaultKmsKeyName): "
        "set the stack's KMS key"
    ]


@pytest.mark.parametrize("resource_type", [BATCH, SESSION_TEMPLATE])
def test_a_prod_batch_or_session_template_without_a_customer_managed_key_is_reported(
    resource_type: str,
) -> None:
    execution = {"ttl": "600s"}
    args = resource_args(resource_type, {"environmentConfig": {"executionConfig": execution}}, stack="prod")
    assert violations(CMEK_IN_PROTECTED_STACKS, args) == [
        "'subject' in stack prod has no customer-managed key (environmentConfig.executionConfig.kmsKey): "
        "set the stack's KMS key"
    ]
    execution["kmsKey"] = "projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k"
    args = resource_args(resource_type, {"environmentConfig": {"executionConfig": execution}}, stack="prod")
    assert violations(CMEK_IN_PROTECTED_STACKS, args) == []


def test_cmek_is_not_required_in_dev() -> None:
    assert violations(CMEK_IN_PROTECTED_STACKS, resource_args(DATASET, {}, stack="dev")) == []


def test_the_stacks_that_need_cmek_come_from_policy_config() -> None:
    config = {"stacks": ["staging"]}
    staging = resource_args(DATASET, {}, name="sales", stack="staging", config=config)
    assert violations(CMEK_IN_PROTECTED_STACKS, staging) == [
        "'sales' in stack staging has no customer-managed key (defaultEncryptionConfiguration.kmsKeyName): "
        "set the stack's KMS key"
    ]
    assert violations(CMEK_IN_PROTECTED_STACKS, resource_args(DATASET, {}, stack="prod", config=config)) == []


@pytest.mark.parametrize(
    "default_labels", [{"env": "dev", "team": "data"}, json.dumps({"env": "dev", "team": "data"})]
)
def test_the_providers_default_labels_count_as_the_resources(default_labels: object) -> None:
    """`gcp:defaultLabels` label every resource whose labels are `labels`: the engine hands them over as the
    map's JSON text (a map is read too)."""
    provider = {"defaultLabels": default_labels}
    args = resource_args(BUCKET, {"labels": {"managed-by": "pulumi"}}, provider=provider)
    assert violations(REQUIRED_LABELS_POLICY, args) == []


def test_a_resources_own_empty_label_replaces_the_providers_default() -> None:
    provider = {"defaultLabels": {"env": "dev"}}
    args = resource_args(BUCKET, {"labels": {"managed-by": "pulumi", "env": ""}}, provider=provider)
    assert violations(REQUIRED_LABELS_POLICY, args) == ["'subject' lacks the label(s) env in labels"]


@pytest.mark.parametrize("provider", [{}, {"defaultLabels": "not json"}, {"defaultLabels": "[]"}])
def test_a_provider_without_readable_default_labels_adds_none(provider: dict[str, Any]) -> None:
    args = resource_args(BUCKET, {"labels": {"managed-by": "pulumi"}}, provider=provider)
    assert violations(REQUIRED_LABELS_POLICY, args) == ["'subject' lacks the label(s) env in labels"]


def test_default_labels_a_preview_does_not_know_yet_leave_the_check_to_the_update() -> None:
    args = resource_args(BUCKET, {"labels": {"managed-by": "pulumi"}}, provider={"defaultLabels": UNKNOWN})
    assert violations(REQUIRED_LABELS_POLICY, args) == []


def test_the_providers_default_labels_never_reach_user_labels() -> None:
    """The provider adds its default labels to a resource's `labels` only: a monitoring resource's
    `userLabels` get none of them."""
    provider = {"defaultLabels": json.dumps({"env": "dev", "managed-by": "pulumi"})}
    args = resource_args(ALERT_POLICY, {"displayName": "failed runs"}, name="failed-runs", provider=provider)
    assert violations(REQUIRED_LABELS_POLICY, args) == [
        "'failed-runs' lacks the label(s) env, managed-by in userLabels"
    ]


@pytest.mark.parametrize(
    "resource_type",
    [
        "gcp:monitoring/slo:Slo",
        "gcp:monitoring/customService:CustomService",
        "gcp:monitoring/genericService:GenericService",
    ],
)
def test_monitoring_services_and_slos_carry_their_labels_in_user_labels(resource_type: str) -> None:
    assert violations(REQUIRED_LABELS_POLICY, resource_args(resource_type, {"userLabels": LABELS})) == []
    assert violations(REQUIRED_LABELS_POLICY, resource_args(resource_type, {"displayName": "x"})) == [
        "'subject' lacks the label(s) env, managed-by in userLabels"
    ]


def test_a_cloud_identity_groups_labels_mark_its_kind_and_are_not_checked() -> None:
    group = {
        "groupKey": {"id": "pipeline-admins@example.com"},
        "parent": "customers/C0123",
        "labels": {"cloudidentity.googleapis.com/groups.discussion_forum": ""},
    }
    args = resource_args("gcp:cloudidentity/group:Group", group)
    assert violations(REQUIRED_LABELS_POLICY, args) == []
