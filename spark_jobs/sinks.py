"""Where loaded and rejected rows go: Parquet directories (local sink) or BigQuery tables.

Both sinks give a re-run the same result. `overwrite` replaces only the partitions present in the load
(dynamic partition overwrite; the whole table when it is not partitioned), and the quarantine keeps a
history in which each run adds its rejected rows to its batch's, and a run that succeeds then removes
those earlier runs of the batch id left: a run that fails or dies leaves them, and its own, in place.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Protocol
from uuid import uuid4

from py4j.protocol import Py4JJavaError
from pyspark.errors import PySparkException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as sf

from spark_jobs.contract import (
    BATCH_ID,
    INGESTED_AT,
    PARTITION_ID,
    QUARANTINE_CLUSTERING,
    QUARANTINE_PARTITION_FIELD,
    QUARANTINE_PARTITION_TYPE,
    QUARANTINE_SUFFIX,
    Contract,
)
from spark_jobs.errors import SinkError, UsageError, first_line
from spark_jobs.hadoop_fs import delete_files_before, delete_path, move_files_into, replace_path
from spark_jobs.hadoop_paths import is_local
from spark_jobs.options import APPEND, OVERWRITE
from spark_jobs.session import has_data_source
from spark_jobs.spark_errors import first_meaningful_line
from spark_jobs.spark_settings import BATCH_ID_LABEL, CONNECTOR_JOB_LABEL, PIPELINE_LABEL

# How much of the table's name a staging directory shows (a table's may have 1,024 characters).
_SHOWN_TABLE_LENGTH = 64
# The longest name a local file system gives a directory (Linux's and macOS's NAME_MAX), in bytes.
_MAX_LOCAL_NAME_BYTES = 255
# The local sink's partition directories are named by the BigQuery partition id of each row.
_PARTITION_ID_FORMATS = {"HOUR": "yyyyMMddHH", "DAY": "yyyyMMdd", "MONTH": "yyyyMM", "YEAR": "yyyy"}
# The Pulumi program creates both tables from the contract; the connector must not create one from Spark's
# schema (which would lose the descriptions and the REQUIRED modes).
CREATE_DISPOSITION = "CREATE_NEVER"


class Sink(Protocol):
    def write_rejected(self, rows: DataFrame) -> None:
        """Add this run's rejected rows to its batch's quarantined rows (each with its `_ingested_at`)."""

    def write_loaded(self, rows: DataFrame) -> None:
        """Write the loaded rows to the main table. Append adds them to what it holds; overwrite replaces only
        the partitions the rows fall in (the whole table when it is unpartitioned), so that running a batch
        again in overwrite mode leaves the table as one run would."""

    def replace_earlier_rejected(self, spark: SparkSession) -> None:
        """Once the run has succeeded, remove the batch's rejected rows that earlier runs of it left. Until
        then, a batch's loaded rows keep the rejected rows they were checked with."""


@dataclass(frozen=True)
class LocalSink:
    """Parquet under <output_path>/<table>/ and <output_path>/<table>__rejected/ (any Hadoop path)."""

    output_path: str
    contract: Contract
    write_mode: str
    batch_id: str
    ingested_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    """When the run started (its rows' `_ingested_at`): it orders the runs of a batch."""
    nonce: str = field(default_factory=lambda: uuid4().hex[:8])

    def __post_init__(self) -> None:
        """Refuse, before anything is read, a table whose directories a local file system cannot name:
        BigQuery's names may be four times longer."""
        longest = self.contract.quarantine_table
        if is_local(self.output_path) and len(longest.encode()) > _MAX_LOCAL_NAME_BYTES:
            raise UsageError(
                f"the local sink writes the table {self.contract.table} to directories named after it, and "
                f"{longest} has {len(longest.encode())} characters, more than the {_MAX_LOCAL_NAME_BYTES} a "
                "local file system allows: give the contract a shorter table name, or an --output-path in "
                "Cloud Storage (gs://)"
            )

    @property
    def table_path(self) -> str:
        return self._under_output(self.contract.table)

    @property
    def quarantine_path(self) -> str:
        return self._under_output(self.contract.quarantine_table)

    def _under_output(self, name: str) -> str:
        return f"{self.output_path.rstrip('/')}/{name}"

    @property
    def _batch_directory(self) -> str:
        """This batch's directory in the quarantine, which is partitioned by batch id: the directory's name
        holds the batch id, as partitionBy would write it."""
        return f"{self.quarantine_path}/{BATCH_ID}={self.batch_id}"

    @property
    def _run_prefix(self) -> str:
        """Names this run's files (its rejected rows, and its appended ones): fixed-width, it sorts after the
        runs that started before."""
        return f"run-{self.ingested_at.astimezone(dt.UTC):%Y%m%dT%H%M%S%f}-{self.nonce}-"

    def _stage(self, rows: DataFrame, purpose: str, partition_by: tuple[str, ...] = ()) -> str:
        """Write `rows` to a hidden directory under the output path, which readers skip, on their way to a
        table, and return its path. A write that fails removes it; once written, it stays until its rows
        have moved on, since a failure while they move may leave it with the only copy of some.

        Named after the run, so concurrent runs never share one; the table's name only shows whose it is,
        cut short so that the name stays far within a file system's 255 bytes.
        """
        table = self.contract.table[:_SHOWN_TABLE_LENGTH]
        staging = self._under_output(f".{table}.{purpose}.{self._run_prefix}")
        try:
            rows.write.mode(OVERWRITE).partitionBy(*partition_by).parquet(staging)
        except BaseException:
            with suppress(Exception):  # the failure that matters is the one being raised
                delete_path(rows.sparkSession, staging)
            raise
        return staging

    def _replace(self, target: str, rows: DataFrame) -> None:
        """Put `rows` in the place of the directory `target` only once they are written in full."""
        replace_path(rows.sparkSession, self._stage(rows, "overwrite"), target)

    def write_rejected(self, rows: DataFrame) -> None:
        """Write this run's rejected rows beside the quarantine (a hidden directory readers skip), then move
        them into the batch's directory, named after this run: a failed write adds nothing.

        Also when there are none: Spark then writes a file of no rows with the quarantine's schema, which
        keeps the quarantine readable once a successful run has removed the batch's earlier rows (a
        directory without a file, Spark cannot read)."""
        staging = self._stage(rows.drop(BATCH_ID), "rejected")
        move_files_into(rows.sparkSession, staging, self._batch_directory, self._run_prefix)

    def replace_earlier_rejected(self, spark: SparkSession) -> None:
        """Delete the files of the runs of this batch that started before this one (their names sort first;
        so do those an earlier version wrote); a run that started later, still running, keeps its own."""
        delete_files_before(spark, self._batch_directory, self._run_prefix)

    def write_loaded(self, rows: DataFrame) -> None:
        partitioning = self.contract.partitioning
        partition_by: tuple[str, ...] = ()
        if partitioning is not None and rows.isEmpty():
            # Nothing to add, no partition to replace. Spark would leave a partitioned table that has never
            # had a row as a directory without a file, which it cannot read (an unpartitioned one gets a file
            # of no rows with the table's schema).
            return
        if partitioning is not None:
            partition_id = sf.date_format(
                sf.col(partitioning.field), _PARTITION_ID_FORMATS[partitioning.type]
            )
            # One task per partition directory: a few files per partition instead of one per task and
            # partition.
            rows = rows.withColumn(PARTITION_ID, partition_id).repartition(PARTITION_ID)
            partition_by = (PARTITION_ID,)
        if self.write_mode == APPEND:
            # Staged apart, then moved in: Spark's own append commits through the table's `_temporary`
            # directory, which a concurrent run's commit deletes, losing rows without an error.
            staging = self._stage(rows, "append", partition_by)
            move_files_into(rows.sparkSession, staging, self.table_path, self._run_prefix)
        elif partitioning is None:
            # Spark's own overwrite deletes the table before writing: a failed write would lose it.
            self._replace(self.table_path, rows)
        else:
            self._replace_partitions(rows, partition_by)

    def _replace_partitions(self, rows: DataFrame, partition_by: tuple[str, ...]) -> None:
        """Spark's dynamic overwrite: the load's partitions replace the table's, one by one as it commits."""
        try:
            (
                rows.write.mode(OVERWRITE)
                .option("partitionOverwriteMode", "dynamic")
                .partitionBy(*partition_by)
                .parquet(self.table_path)
            )
        except (Py4JJavaError, PySparkException) as error:
            raise SinkError(
                f"{first_meaningful_line(str(error))} (some of the load's partitions may already have "
                "replaced the table's: run the batch again, which gives the table the same partitions "
                "however often it runs)"
            ) from None


def bigquery_write_options(
    contract: Contract, table: str, temp_bucket: str, write_mode: str
) -> dict[str, str]:
    """spark-bigquery connector options for the main table.

    A dynamic overwrite goes without the partitioning and clustering options: the connector loads into an
    unpartitioned temporary table, which BigQuery refuses to load with a partitioning spec ("Incompatible
    table partitioning spec", connector issue 1514), and then merges it into the table, whose own spec
    (created from the contract) decides the partitions.
    """
    options = _common_options(table, temp_bucket)
    if contract.partitioning is not None and write_mode == OVERWRITE:
        # Replace only the partitions present in the load, as the local sink does.
        options["spark.sql.sources.partitionOverwriteMode"] = "DYNAMIC"
        return options
    if contract.partitioning is not None:
        options["partitionField"] = contract.partitioning.field
        options["partitionType"] = contract.partitioning.type
    if contract.clustering:
        options["clusteredFields"] = ",".join(contract.clustering)
    return options


def quarantine_write_options(table: str, temp_bucket: str) -> dict[str, str]:
    """spark-bigquery connector options for the quarantine table (always appended to)."""
    options = _common_options(quarantine_table_of(table), temp_bucket)
    options["partitionField"] = QUARANTINE_PARTITION_FIELD
    options["partitionType"] = QUARANTINE_PARTITION_TYPE
    options["clusteredFields"] = ",".join(QUARANTINE_CLUSTERING)
    # _errors is an array: let the Parquet load map it to a REPEATED column, not a nested record.
    options["enableListInference"] = "true"
    return options


def _common_options(table: str, temp_bucket: str) -> dict[str, str]:
    return {
        "table": table,
        "writeMethod": "indirect",
        "temporaryGcsBucket": temp_bucket,
        "intermediateFormat": "parquet",
        # By the connector's source, the indirect writer of its Spark 3.5 and 4.0 data sources stages Avro
        # whatever intermediateFormat says; BigQuery would then load dates and timestamps as Avro's raw
        # integers. Parquet loads ignore this.
        "useAvroLogicalTypes": "true",
        "createDisposition": CREATE_DISPOSITION,
    }


def job_labels(pipeline: str, batch_id: str) -> dict[str, str]:
    """The labels the sink puts on every BigQuery job it starts (the connector's loads, the DELETE
    statements), so that INFORMATION_SCHEMA.JOBS and the billing export tell which pipeline and batch each
    came from, as the report line names them.

    A label value holds at most 63 lower-case letters, digits, '_' and '-': names are lower-cased, any other
    character becomes '_', and a longer name is cut (the report and the tables keep the exact batch id).
    """
    return {PIPELINE_LABEL: _label_value(pipeline), BATCH_ID_LABEL: _label_value(batch_id)}


def _label_value(name: str) -> str:
    return _NOT_IN_LABEL_VALUES.sub("_", name.lower())[:_MAX_LABEL_VALUE_LENGTH]


_NOT_IN_LABEL_VALUES = re.compile(r"[^a-z0-9_-]")
_MAX_LABEL_VALUE_LENGTH = 63


def quarantine_table_of(table: str) -> str:
    """The quarantine table next to a BigQuery table given as [PROJECT.]DATASET.TABLE."""
    return table + QUARANTINE_SUFFIX


def batch_replacement_sql(quarantine_table: str) -> str:
    """DML removing a batch's rejected rows written by runs that started before this one (parameters
    @batch_id, @ingested_at: this run's start); a run that started later, still running, keeps its rows."""
    return f"DELETE FROM `{quarantine_table}` WHERE {BATCH_ID} = @batch_id AND {INGESTED_AT} < @ingested_at"


def null_partition_replacement_sql(table: str, partition_field: str) -> str:
    """DML removing the rows of the null partition written by earlier runs (parameter @ingested_at).

    The connector's dynamic overwrite replaces only the non-null partitions of a load: rows whose partition
    field is null would be added again by every rerun.
    """
    return f"DELETE FROM `{table}` WHERE `{partition_field}` IS NULL AND {INGESTED_AT} < @ingested_at"


_CONNECTOR = "bigquery"


def check_bigquery_connector(spark: SparkSession) -> None:
    """Fail before the input is read when this Spark has no spark-bigquery connector to write with, or this
    Python no BigQuery client to run the sink's statements with (Dataproc's runtimes include both), instead
    of once every row is validated, or even loaded."""
    if not has_data_source(spark, _CONNECTOR):
        raise UsageError(
            "the BigQuery sink writes through the spark-bigquery connector, which Dataproc's runtimes "
            "include and this Spark lacks: to run locally, use --sink local"
        )
    check_bigquery_client()


def check_bigquery_client() -> None:
    try:
        found = importlib.util.find_spec(BIGQUERY_CLIENT) is not None
    except ModuleNotFoundError:  # a parent package is missing
        found = False
    if not found:
        raise UsageError(
            f"the BigQuery sink runs its DELETE statements with the {BIGQUERY_CLIENT} package "
            "(google-cloud-bigquery), which Dataproc's runtimes include and this Python lacks"
        )


BIGQUERY_CLIENT = "google.cloud.bigquery"


@dataclass(frozen=True)
class BigQuerySink:
    """BigQuery tables written through the spark-bigquery connector; runs only where the connector exists."""

    contract: Contract
    table: str
    temp_bucket: str
    write_mode: str
    batch_id: str
    ingested_at: dt.datetime

    @property
    def _labels(self) -> dict[str, str]:
        return job_labels(self.contract.table, self.batch_id)

    def _write(self, rows: DataFrame, options: dict[str, str], mode: str) -> None:
        labels = {CONNECTOR_JOB_LABEL + key: value for key, value in self._labels.items()}
        _write_with_connector(rows, {**options, **labels}, mode)

    def write_rejected(self, rows: DataFrame) -> None:
        if not rows.isEmpty():
            self._write(rows, quarantine_write_options(self.table, self.temp_bucket), APPEND)

    def replace_earlier_rejected(self, spark: SparkSession) -> None:
        statement = batch_replacement_sql(quarantine_table_of(self.table))
        _delete(statement, self._labels, self.ingested_at, self.batch_id)

    def write_loaded(self, rows: DataFrame) -> None:
        if self.write_mode == APPEND and rows.isEmpty():
            return  # nothing to add: spare the load job
        null_partition_field = self._null_partition_field(rows)
        options = bigquery_write_options(self.contract, self.table, self.temp_bucket, self.write_mode)
        self._write(rows, options, self.write_mode)
        if null_partition_field is not None:
            statement = null_partition_replacement_sql(self.table, null_partition_field)
            _delete(statement, self._labels, self.ingested_at)

    def _null_partition_field(self, rows: DataFrame) -> str | None:
        """The partition field, when this overwrite loads rows whose partition field is null."""
        partitioning = self.contract.partitioning
        if self.write_mode != OVERWRITE or partitioning is None:
            return None
        field = partitioning.field
        if self.contract.column(field).required or rows.where(sf.col(field).isNull()).isEmpty():
            return None
        return field


def _write_with_connector(rows: DataFrame, options: dict[str, str], mode: str) -> None:
    rows.write.format(_CONNECTOR).options(**options).mode(mode).save()


def _delete(
    statement: str, labels: dict[str, str], ingested_at: dt.datetime, batch_id: str | None = None
) -> None:
    """Run a DELETE statement, as a job with `labels`, with its @ingested_at (and @batch_id) parameters."""
    # google-cloud-bigquery is preinstalled in the Dataproc Serverless runtimes; imported here because only
    # the BigQuery sink needs it.
    from google.api_core import exceptions  # type: ignore[import-untyped, import-not-found, unused-ignore]  # noqa: PLC0415
    from google.cloud import bigquery  # type: ignore[import-untyped, import-not-found, unused-ignore]  # noqa: PLC0415

    parameters = [bigquery.ScalarQueryParameter("ingested_at", "TIMESTAMP", ingested_at)]
    if batch_id is not None:
        parameters.append(bigquery.ScalarQueryParameter("batch_id", "STRING", batch_id))
    config = bigquery.QueryJobConfig(query_parameters=parameters, labels=labels)
    try:
        bigquery.Client().query(statement, job_config=config).result()
    except exceptions.GoogleAPIError as error:  # the sink's failure (status 9), not an unexpected one
        raise SinkError(f"BigQuery refused the statement {statement!r}: {first_line(error)}") from None
