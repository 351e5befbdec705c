"""BigQuery: the dataset, and per pipeline the table and its quarantine, both shaped by the data contract."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from infra.config import StackConfig
from infra.pipeline_config import PipelineConfig
from infra.renames import named_after_table
from spark_jobs.contract import (
    QUARANTINE_CLUSTERING,
    QUARANTINE_PARTITION_FIELD,
    QUARANTINE_PARTITION_TYPE,
    QUARANTINE_SUFFIX,
)

_MS_PER_DAY = 24 * 60 * 60 * 1000


def _milliseconds(days: int | None) -> int | None:
    """An expiration in days as BigQuery's milliseconds; None (never) stays None."""
    return days * _MS_PER_DAY if days else None


def dataset_accesses(runner_email: pulumi.Input[str]) -> list[gcp.bigquery.DatasetAccessArgs]:
    """The dataset's complete access list: the project's default grants, then the runner as data editor.

    `accesses` is authoritative: grants made elsewhere (DatasetIamMember, DatasetAccess) would be wiped by the
    next dataset update (pulumi-gcp issues 3908 and 1898), so every grant lives here, including the defaults
    BigQuery gives a new dataset. The legacy role names (OWNER, WRITER, READER) are what the API returns, so
    using them avoids a perpetual diff. WRITER is roles/bigquery.dataEditor on this dataset only.
    """
    return [
        gcp.bigquery.DatasetAccessArgs(role="OWNER", special_group="projectOwners"),
        gcp.bigquery.DatasetAccessArgs(role="WRITER", special_group="projectWriters"),
        gcp.bigquery.DatasetAccessArgs(role="READER", special_group="projectReaders"),
        gcp.bigquery.DatasetAccessArgs(role="WRITER", user_by_email=runner_email),
    ]


def _partitioning(
    field: str, type_: str, retention_days: int | None = None
) -> gcp.bigquery.TableTimePartitioningArgs:
    return gcp.bigquery.TableTimePartitioningArgs(
        type=type_, field=field, expiration_ms=_milliseconds(retention_days)
    )


@dataclass(frozen=True)
class _TableShape:
    """What a contract makes of one of a pipeline's tables: its id, columns, layout and description."""

    name_suffix: str
    """After the table's name in the logical name: `<table>-<suffix>`."""
    table_id: str
    schema: list[dict[str, str]]
    partitioning: gcp.bigquery.TableTimePartitioningArgs | None
    clustering: tuple[str, ...]
    description: str
    replace_on_changes: tuple[str, ...]
    """Changes the provider would try in place, and BigQuery refuse, which replace the table instead."""


def _loaded(pipeline: PipelineConfig) -> _TableShape:
    """The table the pipeline loads its good rows into, laid out as its contract says."""
    contract = pipeline.contract
    return _TableShape(
        name_suffix="table",
        table_id=contract.table,
        schema=contract.bigquery_schema(),
        partitioning=(
            _partitioning(contract.partitioning.field, contract.partitioning.type)
            if contract.partitioning
            else None
        ),
        clustering=contract.clustering,
        description=contract.description or f"Loaded by the {pipeline.name} pipeline.",
        # BigQuery cannot partition an existing table otherwise, but the provider would try it in place for a
        # new partitioning type or a partitioning added or removed, and the update would fail: replace the
        # table instead (which `protect` refuses at preview).
        replace_on_changes=("timePartitioning",),
    )


def _quarantine(pipeline: PipelineConfig, retention_days: int | None) -> _TableShape:
    """The table of the rows the contract rejected, laid out the same for every pipeline, its days of rows
    kept `retention_days` (None: forever)."""
    contract = pipeline.contract
    return _TableShape(
        name_suffix="rejected",
        table_id=contract.quarantine_table,
        schema=contract.quarantine_schema(),
        partitioning=_partitioning(QUARANTINE_PARTITION_FIELD, QUARANTINE_PARTITION_TYPE, retention_days),
        clustering=QUARANTINE_CLUSTERING,
        description=f"Rows of {contract.table} rejected by the data contract, with the reasons.",
        # Its partitioning never changes; its retention does, in place: replacing the table would lose it.
        replace_on_changes=(),
    )


def _qualified(table: gcp.bigquery.Table) -> pulumi.Output[str]:
    return pulumi.Output.concat(table.project, ".", table.dataset_id, ".", table.table_id)


class Warehouse(pulumi.ComponentResource):
    """The dataset and, for every pipeline, `<table>` and `<table>__rejected`.

    With protectData the dataset and tables get Pulumi's `protect` and the tables the provider's deletion
    protection (both guard against Pulumi's own deletes, not the API's). Without it, the tables keep that
    protection unless deleteContentsOnDestroy lets a destroy delete the data; in a throwaway stack, which
    sets both flags so, it is explicitly off (the provider's default is on).
    """

    dataset: gcp.bigquery.Dataset
    tables: dict[str, gcp.bigquery.Table]
    quarantine_tables: dict[str, gcp.bigquery.Table]
    table_ids: dict[str, pulumi.Output[str]]
    """`project.dataset.table` of every table, keyed by pipeline name (and `<name>__rejected`)."""

    def __init__(
        self,
        name: str,
        config: StackConfig,
        runner_email: pulumi.Input[str],
        *,
        depends_on: Sequence[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pipeline:infra:Warehouse", name, None, opts)
        settings = config.warehouse
        self._data_options = pulumi.ResourceOptions(
            parent=self, depends_on=list(depends_on), protect=settings.protect
        )
        self.dataset = gcp.bigquery.Dataset(
            "dataset",
            project=config.project_id,
            dataset_id=settings.dataset_id,
            location=config.region,
            description=f"Tables loaded by the Dataproc Serverless pipelines of stack {config.stack}",
            labels=dict(config.labels),
            default_table_expiration_ms=_milliseconds(settings.default_table_expiration_days),
            delete_contents_on_destroy=settings.delete_contents_on_destroy,
            default_encryption_configuration=(
                gcp.bigquery.DatasetDefaultEncryptionConfigurationArgs(kms_key_name=config.kms_key)
                if config.kms_key
                else None
            ),
            accesses=dataset_accesses(runner_email),
            opts=self._data_options,
        )
        self.tables = {}
        self.quarantine_tables = {}
        for pipeline in config.pipelines:
            self.tables[pipeline.name] = self._table(config, pipeline, _loaded(pipeline))
            quarantine = _quarantine(pipeline, settings.quarantine_retention_days)
            self.quarantine_tables[pipeline.name] = self._table(config, pipeline, quarantine)
        self.table_ids = {}
        for pipeline_name, table in self.tables.items():
            self.table_ids[pipeline_name] = _qualified(table)
            self.table_ids[pipeline_name + QUARANTINE_SUFFIX] = _qualified(
                self.quarantine_tables[pipeline_name]
            )
        self.register_outputs({"dataset": self.dataset.dataset_id, "tables": self.table_ids})

    def _table(self, config: StackConfig, pipeline: PipelineConfig, shape: _TableShape) -> gcp.bigquery.Table:
        named = named_after_table(config, pipeline, shape.name_suffix)
        return gcp.bigquery.Table(
            named.name,
            project=config.project_id,
            dataset_id=self.dataset.dataset_id,
            table_id=shape.table_id,
            description=shape.description,
            schema=json.dumps(shape.schema),
            time_partitioning=shape.partitioning,
            clusterings=list(shape.clustering) or None,
            deletion_protection=config.warehouse.tables_deletion_protected,
            labels={**config.labels, "pipeline": pipeline.name},
            # Declared, not only inherited from the dataset: the provider reads the inherited key back into
            # state, and a key missing from the program would then plan a replacement of the table.
            encryption_configuration=(
                gcp.bigquery.TableEncryptionConfigurationArgs(kms_key_name=config.kms_key)
                if config.kms_key
                else None
            ),
            opts=pulumi.ResourceOptions.merge(self._data_options, named.options).merge(
                pulumi.ResourceOptions(
                    # The table id is fixed, so a replacement (a new key, a column retyped) cannot create the
                    # new table beside the old one: it would fail with "Already Exists".
                    delete_before_replace=True,
                    replace_on_changes=list(shape.replace_on_changes),
                )
            ),
        )
