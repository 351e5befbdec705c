"""The dataset and the contract-shaped tables (under mocks)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spark_jobs.contract import load_contract
from tests.infra.harness import ROOT, StackResult, run_stack

DATASET = "gcp:bigquery/dataset:Dataset"
TABLE = "gcp:bigquery/table:Table"
ORDERS = load_contract(ROOT / "spark_jobs/contracts/orders.yaml")


def test_dataset_properties(dev: StackResult) -> None:
    dataset = dev.one(DATASET, "dataset")
    assert dataset.inputs["datasetId"] == "pipeline"
    assert dataset.inputs["location"] == "europe-west1"
    assert dataset.inputs["deleteContentsOnDestroy"] is True
    assert dataset.inputs["labels"]["stack"] == "dev"
    assert "defaultTableExpirationMs" not in dataset.inputs
    assert "defaultEncryptionConfiguration" not in dataset.inputs
    assert dataset.options.parent == "warehouse"
    assert "api-propagation" in dataset.options.depends_on
    assert dev.outputs["dataset_id"] == "my-pipeline-dev:pipeline"


def test_dataset_access_is_one_authoritative_list_with_project_defaults(dev: StackResult) -> None:
    accesses = dev.one(DATASET, "dataset").inputs["accesses"]
    assert accesses == [
        {"role": "OWNER", "specialGroup": "projectOwners"},
        {"role": "WRITER", "specialGroup": "projectWriters"},
        {"role": "READER", "specialGroup": "projectReaders"},
        {"role": "WRITER", "userByEmail": "pl-dev-runner@my-pipeline-dev.iam.gserviceaccount.com"},
    ]
    mixed = [r.type for r in dev.resources if "datasetIam" in r.type or "datasetAccess" in r.type]
    assert mixed == []
    # BigQuery refuses an access entry for an account it cannot see yet: the dataset waits for it.
    assert "iam-propagation" in dev.one(DATASET, "dataset").options.depends_on


def test_table_expiration_and_cmek_from_config() -> None:
    key = "projects/security-project/locations/europe-west1/keyRings/data/cryptoKeys/pipeline"
    stack = run_stack("dev", {"defaultTableExpirationDays": 30, "kmsKey": key})
    dataset = stack.one(DATASET, "dataset")
    assert dataset.inputs["defaultTableExpirationMs"] == 30 * 24 * 3600 * 1000
    assert dataset.inputs["defaultEncryptionConfiguration"] == {"kmsKeyName": key}
    assert "kms-propagation" in dataset.options.depends_on
    for table in stack.of_type(TABLE):
        assert table.inputs["encryptionConfiguration"] == {"kmsKeyName": key}, table.name
        assert "kms-propagation" in table.options.depends_on, table.name


def test_table_shaped_by_the_contract(dev: StackResult) -> None:
    table = dev.one(TABLE, "orders-table")
    assert table.inputs["tableId"] == "orders"
    assert table.inputs["datasetId"] == "pipeline"
    assert json.loads(table.inputs["schema"]) == ORDERS.bigquery_schema()
    assert table.inputs["timePartitioning"] == {"type": "DAY", "field": "order_date"}
    assert table.inputs["clusterings"] == ["customer_id"]
    assert table.inputs["description"] == "Customer orders, one row per order."
    assert table.inputs["labels"]["pipeline"] == "orders"
    assert dev.outputs["table_ids"]["orders"] == "my-pipeline-dev.pipeline.orders"


def test_quarantine_table_partitioned_by_ingestion_day(dev: StackResult) -> None:
    table = dev.one(TABLE, "orders-rejected")
    assert table.inputs["tableId"] == "orders__rejected"
    schema = json.loads(table.inputs["schema"])
    assert schema == ORDERS.quarantine_schema()
    assert {f["name"]: f["type"] for f in schema}["amount"] == "STRING"
    assert table.inputs["timePartitioning"] == {"type": "DAY", "field": "_ingested_at"}
    assert table.inputs["clusterings"] == ["_batch_id"]


def test_a_replaced_table_is_deleted_first_since_its_id_is_fixed(dev: StackResult) -> None:
    tables = dev.of_type(TABLE)
    assert len(tables) == 2
    for table in tables:
        assert table.options.delete_before_replace is True
        assert table.options.parent == "warehouse"


def test_a_partitioning_change_replaces_the_table_instead_of_failing_in_place(dev: StackResult) -> None:
    """The provider replaces a table only for a new partition field; BigQuery refuses the other changes."""
    assert dev.one(TABLE, "orders-table").options.replace_on_changes == ("timePartitioning",)


def test_quarantine_retention_expires_its_days_of_rows_and_changes_in_place() -> None:
    """A replacement, which a change of the partitioning's expiration would make under replaceOnChanges,
    would delete the quarantine's history; its partitioning itself never changes."""
    stack = run_stack("dev", {"quarantineRetentionDays": 90})
    quarantine, table = stack.one(TABLE, "orders-rejected"), stack.one(TABLE, "orders-table")
    assert quarantine.inputs["timePartitioning"] == {
        "type": "DAY",
        "field": "_ingested_at",
        "expirationMs": 90 * 24 * 3600 * 1000,
    }
    assert quarantine.options.replace_on_changes == ()
    assert table.inputs["timePartitioning"] == {"type": "DAY", "field": "order_date"}


@pytest.mark.parametrize(
    ("protect_data", "delete_contents_on_destroy", "protected"),
    [(True, False, True), (True, True, True), (False, False, True), (False, True, False)],
)
def test_tables_refuse_a_destroy_unless_the_stack_lets_it_delete_their_data(
    protect_data: bool, delete_contents_on_destroy: bool, protected: bool
) -> None:
    """Pulumi deletes the tables before their dataset: without their own protection, a stack that only
    turned protectData off would lose the tables' rows to a destroy that then keeps the empty dataset."""
    stack = run_stack(
        "prod", {"protectData": protect_data, "deleteContentsOnDestroy": delete_contents_on_destroy}
    )
    tables = stack.of_type(TABLE)
    assert {t.name: t.inputs["deletionProtection"] for t in tables} == {t.name: protected for t in tables}
    assert {t.name: t.options.protect for t in tables} == {t.name: protect_data for t in tables}


def test_contract_without_partitioning_or_clustering(tmp_path: Path) -> None:
    contract = tmp_path / "events.yaml"
    contract.write_text(
        "table: events\ncolumns:\n  - {name: id, type: STRING, mode: REQUIRED}\n", encoding="utf-8"
    )
    stack = run_stack(
        "dev", {"pipelines": [{"name": "events", "contract": str(contract), "inputFormat": "json"}]}
    )
    table = stack.one(TABLE, "events-table")
    assert "timePartitioning" not in table.inputs
    assert "clusterings" not in table.inputs
    assert table.inputs["description"] == "Loaded by the events pipeline."
