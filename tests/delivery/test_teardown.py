"""Teardown at program level: what `pulumi destroy` will do follows from the options and inputs declared.

dev must go entirely with no manual step; prod must refuse to delete its data. Each test first requires the
resources it is about to exist, so that losing them fails the test instead of passing it vacuously.
"""

import pytest

from tests.infra.harness import DeclaredResource, StackResult

BUCKET = "gcp:storage/bucket:Bucket"
DATASET = "gcp:bigquery/dataset:Dataset"
TABLE = "gcp:bigquery/table:Table"
SERVICE = "gcp:projects/service:Service"
BATCH = "gcp:dataproc/batch:Batch"
AUDIT_CONFIG = "gcp:projects/iAMAuditConfig:IAMAuditConfig"


def declared(stack: StackResult, resource_type: str) -> list[DeclaredResource]:
    found = stack.of_type(resource_type)
    assert found, f"the program declares no {resource_type}"
    return found


def test_dev_protects_and_retains_nothing(dev: StackResult) -> None:
    kept = [r.name for r in dev.resources if r.options.protect or r.options.retain_on_delete]
    assert kept == []


def test_dev_buckets_are_force_destroyed_with_their_objects(dev: StackResult) -> None:
    buckets = declared(dev, BUCKET)
    assert {b.name: b.inputs.get("forceDestroy") for b in buckets} == {b.name: True for b in buckets}


def test_dev_datasets_are_deleted_with_their_tables(dev: StackResult) -> None:
    datasets = declared(dev, DATASET)
    assert {d.name: d.inputs.get("deleteContentsOnDestroy") for d in datasets} == {
        d.name: True for d in datasets
    }


def test_dev_tables_lift_the_providers_default_deletion_protection(dev: StackResult) -> None:
    tables = declared(dev, TABLE)
    assert {t.name: t.inputs.get("deletionProtection") for t in tables} == {t.name: False for t in tables}


def test_dev_batches_are_deleted_like_everything_else(dev: StackResult) -> None:
    batches = declared(dev, BATCH)
    assert [b.name for b in batches if b.options.protect or b.options.retain_on_delete] == []


@pytest.mark.parametrize("stack_name", ["dev", "prod"])
def test_apis_stay_enabled_when_a_stack_is_destroyed(stack_name: str, request: pytest.FixtureRequest) -> None:
    stack: StackResult = request.getfixturevalue(stack_name)
    services = declared(stack, SERVICE)
    assert {s.name: s.inputs.get("disableOnDestroy") for s in services} == {s.name: False for s in services}


def test_prod_protects_its_dataset(prod: StackResult) -> None:
    datasets = declared(prod, DATASET)
    assert {d.name: d.options.protect for d in datasets} == {d.name: True for d in datasets}
    assert {d.name: d.inputs.get("deleteContentsOnDestroy") for d in datasets} == {
        d.name: False for d in datasets
    }


def test_prod_protects_its_tables(prod: StackResult) -> None:
    """By Pulumi (`protect`) and by the provider (deletion protection), which refuses a destroy or a
    replacement even once `protect` is lifted by hand (`pulumi state unprotect`)."""
    tables = declared(prod, TABLE)
    assert {t.name: t.options.protect for t in tables} == {t.name: True for t in tables}
    assert {t.name: t.inputs.get("deletionProtection") for t in tables} == {t.name: True for t in tables}


def test_prod_protects_its_raw_bucket_whose_input_may_exist_nowhere_else(prod: StackResult) -> None:
    """With forceDestroy, replacing it (a new bucketPrefix) or a destroy would delete its objects."""
    buckets = declared(prod, BUCKET)
    assert {b.name: b.options.protect for b in buckets} == {
        "raw": True,
        "staging": False,
        "temp": False,
        "code": False,
    }


def test_prod_buckets_are_not_force_destroyed(prod: StackResult) -> None:
    buckets = declared(prod, BUCKET)
    assert {b.name: b.inputs.get("forceDestroy") for b in buckets} == {b.name: False for b in buckets}


def test_prod_keeps_its_data_access_audit_logs_while_it_keeps_the_data(prod: StackResult) -> None:
    """A teardown that leaves the protected data (the workflow's) leaves the record of who reads it."""
    audit_configs = declared(prod, AUDIT_CONFIG)
    assert {a.inputs["service"]: a.options.protect for a in audit_configs} == {
        "bigquery.googleapis.com": True,
        "storage.googleapis.com": True,
    }
