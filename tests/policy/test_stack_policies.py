"""The dev and prod stacks, exactly as the program declares them, pass the pack; a bad resource does not."""

import importlib
import inspect
from typing import Any

import pytest
from pulumi_policy import EnforcementLevel

from policy.hygiene import CMEK_PROPERTY, label_property
from policy.policies import POLICIES
from tests.infra.harness import DeclaredResource, Options, StackResult, run_stack
from tests.policy.stack_policies import findings

STACKS = ("dev", "prod")
MANDATORY_POLICIES = (
    "bucket-uniform-access",
    "bucket-public-access-prevention",
    "iam-no-public-members",
    "iam-no-basic-roles",
    "iam-no-privileged-roles",
    "no-service-account-keys",
    "firewall-no-internet-ingress",
    "subnet-private-google-access",
    "batch-dedicated-service-account",
    "batch-named-subnetwork",
    "batch-ttl",
    "batch-code-in-storage",
)
ADVISORY_POLICIES = ("required-labels", "cmek-in-protected-stacks")
KMS_KEY = "projects/my-pipeline-prod/locations/europe-west1/keyRings/pipeline/cryptoKeys/data"


@pytest.fixture(params=STACKS)
def stack(request: pytest.FixtureRequest) -> tuple[str, StackResult]:
    """The committed stack, as the session's `dev` and `prod` fixtures ran it once."""
    name: str = request.param
    result: StackResult = request.getfixturevalue(name)
    return name, result


def test_the_pack_holds_every_policy_at_its_level() -> None:
    """A policy left out of the list would never run, in the pack or in these stack tests."""
    assert {p.name: p.enforcement_level for p in POLICIES} == {
        **dict.fromkeys(MANDATORY_POLICIES, EnforcementLevel.MANDATORY),
        **dict.fromkeys(ADVISORY_POLICIES, EnforcementLevel.ADVISORY),
    }
    assert len(POLICIES) == len(MANDATORY_POLICIES) + len(ADVISORY_POLICIES)


def test_every_resource_of_the_stack_passes_every_mandatory_policy(stack: tuple[str, StackResult]) -> None:
    name, result = stack
    assert result.resources, "the program declared nothing"
    assert findings(name, result.resources, EnforcementLevel.MANDATORY) == []


def test_every_resource_that_takes_labels_carries_env_and_managed_by(stack: tuple[str, StackResult]) -> None:
    name, result = stack
    advisories = findings(name, result.resources, EnforcementLevel.ADVISORY)
    assert [finding for finding in advisories if finding.policy == "required-labels"] == []


def test_prod_without_a_kms_key_is_advised_to_use_cmek_on_every_data_resource() -> None:
    prod = run_stack("prod", {"kmsKey": ""})
    advised = {f.resource for f in findings("prod", prod.resources, EnforcementLevel.ADVISORY)}
    data_resources = {r.name for r in prod.resources if r.type in CMEK_PROPERTY}
    assert data_resources, "prod declares no bucket, dataset or batch"
    assert advised == data_resources


def test_prod_with_a_kms_key_follows_the_cmek_advice() -> None:
    prod = run_stack("prod", {"kmsKey": KMS_KEY})
    assert findings("prod", prod.resources, EnforcementLevel.ADVISORY) == []


def _gcp_class(resource_type: str) -> Any:
    """The pulumi_gcp resource class of a type token (`gcp:storage/bucket:Bucket` -> storage.Bucket)."""
    package, module_path, class_name = resource_type.split(":")
    if package != "gcp":
        return None
    module = importlib.import_module(f"pulumi_gcp.{module_path.split('/')[0]}")
    return getattr(module, class_name)


def test_the_label_policy_knows_every_label_taking_type_the_program_declares(
    stack: tuple[str, StackResult],
) -> None:
    _, result = stack
    for resource_type in {r.type for r in result.resources}:
        cls = _gcp_class(resource_type)
        if cls is None:
            continue
        parameters = inspect.signature(cls._internal_init).parameters
        expected = (
            "userLabels" if "user_labels" in parameters else "labels" if "labels" in parameters else None
        )
        assert label_property(resource_type, {}) == expected, resource_type


def _bad(resource_type: str, name: str, inputs: dict[str, object]) -> DeclaredResource:
    options = Options(
        protect=False,
        parent=None,
        parent_type=None,
        depends_on=(),
        custom_timeouts=None,
        retain_on_delete=False,
        delete_before_replace=False,
        replace_on_changes=(),
        aliases=(),
    )
    return DeclaredResource(type=resource_type, name=name, inputs=inputs, options=options, custom=True)


def test_a_deliberately_bad_resource_among_the_stack_is_reported(dev: StackResult) -> None:
    raw = dev.one("gcp:storage/bucket:Bucket", "raw")
    leaky_bucket = _bad(raw.type, "leaky", {**raw.inputs, "uniformBucketLevelAccess": False})
    public_viewer = _bad(
        "gcp:projects/iAMMember:IAMMember", "public-viewer", {"role": "roles/viewer", "member": "allUsers"}
    )
    runner = dev.one("gcp:serviceaccount/account:Account", "runner")
    runner_key = _bad(
        "gcp:serviceaccount/key:Key", "runner-key", {"serviceAccountId": runner.inputs["accountId"]}
    )
    impersonator = _bad(
        "gcp:serviceaccount/iAMMember:IAMMember",
        "impersonator",
        {"role": "roles/iam.serviceAccountTokenCreator", "member": "group:everyone@example.com"},
    )
    bad = [leaky_bucket, public_viewer, runner_key, impersonator]
    reported = findings("dev", [*dev.resources, *bad], EnforcementLevel.MANDATORY)
    assert sorted((f.policy, f.resource) for f in reported) == [
        ("bucket-uniform-access", "leaky"),
        ("iam-no-basic-roles", "public-viewer"),
        ("iam-no-privileged-roles", "impersonator"),
        ("iam-no-public-members", "public-viewer"),
        ("no-service-account-keys", "runner-key"),
    ]
