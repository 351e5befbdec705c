"""APIs, network, storage and identity as declared for the dev and prod stacks (under mocks)."""

from __future__ import annotations

import pulumi
import pytest

from infra.wait import _SleepProvider
from tests.infra.harness import EXISTING_SUBNET_RANGE, SUBNET_WITHOUT_PRIVATE_ACCESS, StackResult, run_stack

BUCKET = "gcp:storage/bucket:Bucket"
SERVICE = "gcp:projects/service:Service"
NO_PIPELINES: dict[str, object] = {"pipelines": []}


def test_the_base_apis_are_enabled_in_the_stacks_project(dev: StackResult) -> None:
    """That they stay enabled on destroy: tests/delivery/test_teardown.py."""
    services = {r.inputs["service"]: r for r in dev.of_type(SERVICE)}
    assert sorted(services) == sorted(
        f"{api}.googleapis.com"
        for api in (
            "cloudresourcemanager",
            "compute",
            "dataproc",
            "bigquery",
            "storage",
            "iam",
            "logging",
            "monitoring",
        )
    )
    for service in services.values():
        assert service.inputs["project"] == "my-pipeline-dev"
        assert service.options.parent == "apis"


def test_kms_and_runtime_3_add_their_apis() -> None:
    stack = run_stack(
        "dev",
        {
            **NO_PIPELINES,
            "kmsKey": "projects/keys-project/locations/europe-west1/keyRings/r/cryptoKeys/c",
            "runtimeVersion": "3.0",
        },
    )
    services = {r.inputs["service"] for r in stack.of_type(SERVICE)}
    assert {"cloudkms.googleapis.com", "dataprocrm.googleapis.com"} <= services


def test_everything_that_uses_an_api_waits_for_propagation(dev: StackResult) -> None:
    wait = dev.one("pulumi-python:dynamic:Resource", "api-propagation")
    assert wait.inputs["seconds"] == 60
    assert wait.inputs["triggers"] == sorted(r.inputs["service"] for r in dev.of_type(SERVICE))
    assert set(wait.options.depends_on) == {r.name for r in dev.of_type(SERVICE)}
    cloud = [r for r in dev.resources if r.custom and r.type.startswith("gcp:") and r.type != SERVICE]
    assert cloud
    for resource in cloud:
        assert "api-propagation" in resource.options.depends_on, resource.name


def test_every_child_is_parented_to_its_component(dev: StackResult) -> None:
    components = {r.name: r.type for r in dev.resources if not r.custom}
    assert set(components) >= {"apis", "network", "storage", "identity"}
    for resource in dev.resources:
        if resource.custom:
            assert resource.options.parent in components, resource.name
            assert resource.options.parent_type == components[resource.options.parent]


def test_dedicated_network_subnet_and_internal_rule(dev: StackResult) -> None:
    network = dev.one("gcp:compute/network:Network", "vpc")
    assert network.inputs["autoCreateSubnetworks"] is False
    subnet = dev.one("gcp:compute/subnetwork:Subnetwork", "subnet")
    assert subnet.inputs["privateIpGoogleAccess"] is True
    assert subnet.inputs["ipCidrRange"] == "10.10.0.0/24"
    assert subnet.inputs["region"] == "europe-west1"
    assert "logConfig" not in subnet.inputs
    rule = dev.one("gcp:compute/firewall:Firewall", "allow-internal")
    assert rule.inputs["direction"] == "INGRESS"
    # Google's default priority: a lower one would lose to the deny rules a shared network may hold.
    assert rule.inputs["priority"] == 1000
    assert rule.inputs["name"] == "pl-dev-allow-internal"
    assert rule.inputs["sourceRanges"] == ["10.10.0.0/24"]
    assert rule.inputs["destinationRanges"] == ["10.10.0.0/24"]
    assert rule.inputs["allows"] == [{"protocol": "all"}]
    assert dev.outputs["subnetwork"] == "subnet-id"


def test_flow_logs_on_in_prod(prod: StackResult) -> None:
    subnet = prod.one("gcp:compute/subnetwork:Subnetwork", "subnet")
    assert subnet.inputs["logConfig"] == {
        "aggregationInterval": "INTERVAL_5_SEC",
        "flowSampling": 0.5,
        "metadata": "INCLUDE_ALL_METADATA",
    }


@pytest.mark.parametrize("create_rule", [True, False])
def test_existing_network_creates_no_network(create_rule: bool) -> None:
    network = "projects/shared/global/networks/corp"
    subnetwork = "projects/shared/regions/europe-west1/subnetworks/data"
    stack = run_stack(
        "dev",
        {
            **NO_PIPELINES,
            "existingNetwork": network,
            "existingSubnetwork": subnetwork,
            "subnetCidr": "10.99.0.0/24",  # only for a created subnet: the rule takes the real range
            "createFirewallRule": create_rule,
        },
    )
    assert stack.of_type("gcp:compute/network:Network") == []
    assert stack.of_type("gcp:compute/subnetwork:Subnetwork") == []
    rules = stack.of_type("gcp:compute/firewall:Firewall")
    if create_rule:
        [rule] = rules
        assert rule.inputs["network"] == network
        assert rule.inputs["project"] == "shared"
        assert rule.inputs["name"] == "pl-dev-my-pipeline-dev-internal"
        assert rule.inputs["sourceRanges"] == [EXISTING_SUBNET_RANGE]
        assert rule.inputs["destinationRanges"] == [EXISTING_SUBNET_RANGE]
        assert (
            "gcp:compute/getSubnetwork:getSubnetwork",
            {"project": "shared", "region": "europe-west1", "name": "data"},
        ) in stack.invokes
    else:
        assert rules == []
        # Without the rule there is nothing to look up, and no permission on the host project to need.
        assert [token for token, _ in stack.invokes if "getSubnetwork" in token] == []
    assert stack.outputs["subnetwork"] == subnetwork


@pytest.mark.parametrize("host", ["www.googleapis.com", "compute.googleapis.com"])
def test_existing_network_may_be_given_as_a_self_link_of_either_host(host: str) -> None:
    prefix = f"https://{host}/compute/v1/"
    network = f"{prefix}projects/shared/global/networks/corp"
    subnetwork = f"{prefix}projects/shared/regions/europe-west1/subnetworks/data"
    stack = run_stack("dev", {"existingNetwork": network, "existingSubnetwork": subnetwork})
    # Passed on in one spelling: writing the path the other way changes no resource and runs no batch again.
    relative = run_stack(
        "dev",
        {
            "existingNetwork": network.removeprefix(prefix),
            "existingSubnetwork": subnetwork.removeprefix(prefix),
        },
    )
    [rule] = stack.of_type("gcp:compute/firewall:Firewall")
    assert (rule.inputs["network"], rule.inputs["project"]) == (
        "projects/shared/global/networks/corp",
        "shared",
    )
    assert stack.outputs["subnetwork"] == "projects/shared/regions/europe-west1/subnetworks/data"
    [batch] = stack.of_type("gcp:dataproc/batch:Batch")
    [same_batch] = relative.of_type("gcp:dataproc/batch:Batch")
    assert batch.inputs == same_batch.inputs
    assert (
        batch.inputs["environmentConfig"]["executionConfig"]["subnetworkUri"] == stack.outputs["subnetwork"]
    )


def test_an_existing_subnet_of_another_network_is_refused() -> None:
    with pytest.raises(pulumi.RunError) as caught:
        run_stack(
            "dev",
            {
                **NO_PIPELINES,
                "existingNetwork": "projects/shared/global/networks/other",
                "existingSubnetwork": "projects/shared/regions/europe-west1/subnetworks/data",
            },
        )
    assert str(caught.value) == (
        "config existingSubnetwork='projects/shared/regions/europe-west1/subnetworks/data' belongs to "
        "network projects/shared/global/networks/corp, "
        "not to existingNetwork projects/shared/global/networks/other"
    )


def test_an_existing_subnet_without_private_google_access_is_refused() -> None:
    subnetwork = f"projects/shared/regions/europe-west1/subnetworks/{SUBNET_WITHOUT_PRIVATE_ACCESS}"
    with pytest.raises(pulumi.RunError) as caught:
        run_stack(
            "dev",
            {
                **NO_PIPELINES,
                "existingNetwork": "projects/shared/global/networks/corp",
                "existingSubnetwork": subnetwork,
            },
        )
    assert str(caught.value) == (
        f"config existingSubnetwork='{subnetwork}' has Private Google Access off: the batches, which have no "
        "external IP, could not reach Cloud Storage or BigQuery; turn it on (gcloud compute networks subnets "
        f"update {SUBNET_WITHOUT_PRIVATE_ACCESS} --project=shared --region=europe-west1 "
        "--enable-private-ip-google-access)"
    )


def test_buckets_private_uniform_labelled_and_named_from_project_stack_role(dev: StackResult) -> None:
    buckets = {r.name: r for r in dev.of_type(BUCKET)}
    assert sorted(buckets) == ["code", "raw", "staging", "temp"]
    for role, bucket in buckets.items():
        assert bucket.inputs["name"] == f"my-pipeline-dev-dev-{role}"
        assert bucket.inputs["uniformBucketLevelAccess"] is True
        assert bucket.inputs["publicAccessPrevention"] == "enforced"
        assert bucket.inputs["forceDestroy"] is True
        assert bucket.inputs["location"] == "EUROPE-WEST1"
        assert bucket.inputs["labels"] == {
            "app": "gcs-bigquery-pipeline",
            "stack": "dev",
            "managed-by": "pulumi",
            "env": "dev",
            "role": role,
        }
        assert "encryption" not in bucket.inputs
        assert dev.outputs[f"{role}_bucket_url"] == f"gs://my-pipeline-dev-dev-{role}"
    assert buckets["raw"].inputs["versioning"] == {"enabled": True}
    assert buckets["raw"].inputs["lifecycleRules"] == [
        {"action": {"type": "Delete"}, "condition": {"daysSinceNoncurrentTime": 30, "withState": "ARCHIVED"}}
    ]
    assert buckets["temp"].inputs["lifecycleRules"] == [
        {"action": {"type": "Delete"}, "condition": {"age": 7}}
    ]
    assert buckets["staging"].inputs["lifecycleRules"] == [
        {"action": {"type": "Delete"}, "condition": {"age": 30}}
    ]


def test_prod_buckets_kept_on_destroy_with_longer_retention(prod: StackResult) -> None:
    buckets = {r.name: r for r in prod.of_type(BUCKET)}
    assert {b.inputs["forceDestroy"] for b in buckets.values()} == {False}
    assert buckets["temp"].inputs["lifecycleRules"][0]["condition"] == {"age": 14}
    assert buckets["staging"].inputs["lifecycleRules"][0]["condition"] == {"age": 90}
    # Only raw holds data that may exist nowhere else; the others hold transient files or the repo's code.
    assert {name: bucket.options.protect for name, bucket in buckets.items()} == {
        "raw": True,
        "staging": False,
        "temp": False,
        "code": False,
    }


def test_cmek_on_buckets_after_service_agents_hold_the_key() -> None:
    key = "projects/security-project/locations/europe-west1/keyRings/data/cryptoKeys/pipeline"
    stack = run_stack("dev", {**NO_PIPELINES, "kmsKey": key})
    grants = {r.name: r for r in stack.of_type("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")}
    assert {g.inputs["cryptoKeyId"] for g in grants.values()} == {key}
    assert {g.inputs["role"] for g in grants.values()} == {"roles/cloudkms.cryptoKeyEncrypterDecrypter"}
    assert {g.inputs["member"] for g in grants.values()} == {
        "serviceAccount:service-123456789012@gs-project-accounts.iam.gserviceaccount.com",
        "serviceAccount:bq-123456789012@bigquery-encryption.iam.gserviceaccount.com",
        "serviceAccount:service-123456789012@dataproc-accounts.iam.gserviceaccount.com",
        "serviceAccount:service-123456789012@compute-system.iam.gserviceaccount.com",
    }  # not the runner: Google encrypts with the key through these service agents
    # On a new project the grants need Cloud KMS enabled first.
    assert {name: "api-propagation" in g.options.depends_on for name, g in grants.items()} == dict.fromkeys(
        ["kms-storage-agent", "kms-bigquery-agent", "kms-dataproc-agent", "kms-compute-agent"], True
    )
    # The grants reach Cloud KMS a while after they are made: the buckets wait for them.
    wait = stack.one("pulumi-python:dynamic:Resource", "kms-propagation")
    assert (wait.inputs["seconds"], set(wait.options.depends_on)) == (60, set(grants))
    # Another key is granted anew: the wait runs again.
    other = run_stack("dev", {**NO_PIPELINES, "kmsKey": key + "-2"})
    other_wait = other.one("pulumi-python:dynamic:Resource", "kms-propagation")
    assert set(other_wait.inputs["triggers"]).isdisjoint(wait.inputs["triggers"])
    for bucket in stack.of_type(BUCKET):
        assert bucket.inputs["encryption"] == {"defaultKmsKeyName": key}
        assert "kms-propagation" in bucket.options.depends_on


def test_runner_account_and_least_privilege_grants(dev: StackResult) -> None:
    account = dev.one("gcp:serviceaccount/account:Account", "runner")
    assert account.inputs["accountId"] == "pl-dev-runner"
    member = "serviceAccount:pl-dev-runner@my-pipeline-dev.iam.gserviceaccount.com"
    project_roles = {
        (r.inputs["role"], r.inputs["member"], r.inputs["project"])
        for r in dev.of_type("gcp:projects/iAMMember:IAMMember")
    }
    assert project_roles == {
        ("roles/dataproc.worker", member, "my-pipeline-dev"),
        ("roles/bigquery.jobUser", member, "my-pipeline-dev"),
    }
    bucket_roles = {
        (r.inputs["bucket"], r.inputs["role"], r.inputs["member"])
        for r in dev.of_type("gcp:storage/bucketIAMMember:BucketIAMMember")
    }
    assert bucket_roles == {
        ("my-pipeline-dev-dev-raw", "roles/storage.objectViewer", member),
        ("my-pipeline-dev-dev-code", "roles/storage.objectViewer", member),
        ("my-pipeline-dev-dev-staging", "roles/storage.objectAdmin", member),
        ("my-pipeline-dev-dev-temp", "roles/storage.objectAdmin", member),
    }
    assert dev.outputs["service_account_email"] == "pl-dev-runner@my-pipeline-dev.iam.gserviceaccount.com"


def test_runner_grants_propagate_before_use() -> None:
    stack = run_stack("dev", {"iamPropagationSeconds": 90})
    wait = stack.one("pulumi-python:dynamic:Resource", "iam-propagation")
    assert wait.inputs["seconds"] == 90
    assert wait.options.parent == "identity"
    grants = {r.name for r in stack.resources if r.options.parent == "identity" and "IAMMember" in r.type}
    assert len(grants) == 6
    assert set(wait.options.depends_on) == grants
    assert wait.inputs["project"] == "my-pipeline-dev"
    assert "roles/dataproc.worker@project" in wait.inputs["triggers"]
    assert "roles/storage.objectViewer@my-pipeline-dev-dev-raw" in wait.inputs["triggers"]


def test_waits_run_again_in_a_new_project_and_for_new_buckets() -> None:
    cmek = {
        **NO_PIPELINES,
        "kmsKey": "projects/security-project/locations/europe-west1/keyRings/data/cryptoKeys/pipeline",
    }
    before = run_stack("dev", cmek)
    moved = run_stack("dev", {**cmek, "projectId": "other-project-42", "bucketPrefix": "acme-dev"})
    for name in ("api-propagation", "iam-propagation", "kms-propagation", "metric-propagation"):
        old, new = (stack.one("pulumi-python:dynamic:Resource", name).inputs for stack in (before, moved))
        assert (old["project"], new["project"]) == ("my-pipeline-dev", "other-project-42"), name
        replaces = _SleepProvider().diff("w", dict(old), dict(new)).replaces
        assert replaces and replaces[0] == "project", name
    iam = moved.one("pulumi-python:dynamic:Resource", "iam-propagation").inputs["triggers"]
    assert "roles/storage.objectAdmin@acme-dev-temp" in iam


def test_the_grants_wait_runs_again_for_a_new_runner_account() -> None:
    """A renamed stack keeping its project and bucket prefix replaces the runner and all its grants."""
    kept = {**NO_PIPELINES, "projectId": "my-pipeline-dev", "bucketPrefix": "acme-pl"}
    before, renamed = (run_stack(stack, kept) for stack in ("dev", "dev2"))
    old, new = (
        stack.one("pulumi-python:dynamic:Resource", "iam-propagation").inputs for stack in (before, renamed)
    )
    assert "grantee pl-dev-runner" in old["triggers"]
    assert _SleepProvider().diff("w", dict(old), dict(new)).replaces == ["triggers"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_no_primitive_roles_no_keys_no_authoritative_bindings(stack: str) -> None:
    result = run_stack(stack, NO_PIPELINES)
    roles = [r.inputs["role"] for r in result.resources if "role" in r.inputs]
    assert roles
    assert not {"roles/owner", "roles/editor", "roles/viewer"} & set(roles)
    kinds = {r.type for r in result.resources}
    assert not [k for k in kinds if k.endswith(("IAMBinding", "IAMPolicy")) or "/key:" in k]


def test_data_access_audit_logs_only_where_configured(dev: StackResult, prod: StackResult) -> None:
    assert dev.of_type("gcp:projects/iAMAuditConfig:IAMAuditConfig") == []
    audits = {r.inputs["service"]: r for r in prod.of_type("gcp:projects/iAMAuditConfig:IAMAuditConfig")}
    assert sorted(audits) == ["bigquery.googleapis.com", "storage.googleapis.com"]
    for audit in audits.values():
        assert audit.inputs["auditLogConfigs"] == [{"logType": "DATA_READ"}, {"logType": "DATA_WRITE"}]


def test_lookups_wait_for_the_apis_they_call() -> None:
    network = "projects/shared/global/networks/corp"
    subnetwork = "projects/shared/regions/europe-west1/subnetworks/data"
    key = "projects/security-project/locations/europe-west1/keyRings/data/cryptoKeys/pipeline"
    stack = run_stack(
        "dev", {**NO_PIPELINES, "kmsKey": key, "existingNetwork": network, "existingSubnetwork": subnetwork}
    )
    lookups = [index for index, event in enumerate(stack.sequence) if event.startswith("gcp:")]
    assert len(lookups) == 4  # project, storage agent, BigQuery agent, subnet
    assert stack.sequence.index("api-propagation") < min(lookups)


def test_a_wait_runs_again_only_when_what_it_watches_changes() -> None:
    provider = _SleepProvider()
    old = {"seconds": 1, "project": "p", "triggers": ["a"]}
    same = provider.diff("w", old, {**old, "seconds": 2})
    changed = provider.diff("w", old, {**old, "triggers": ["a", "b"]})
    moved = provider.diff("w", old, {**old, "project": "q"})
    assert (same.changes, same.replaces) == (False, [])
    assert (changed.changes, changed.replaces, changed.delete_before_replace) == (True, ["triggers"], True)
    assert (moved.changes, moved.replaces, moved.delete_before_replace) == (True, ["project"], True)
    created = provider.create({"seconds": 0, "triggers": ["a"]})
    assert (created.id, created.outs) == ("waited-0s", {"seconds": 0, "triggers": ["a"]})
