"""The split: the checked rows as the two tables take them, the loaded rows typed as the contract says and the
rejected ones as text with their reasons, both with the metadata columns and the contract's descriptions."""

from __future__ import annotations

import datetime as dt

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as sf
from pyspark.sql.types import ArrayType, StringType

from spark_jobs.bigquery_types import BOOL, DATE, FLOAT64, INT64, NUMERIC, STRING, TIMESTAMP
from spark_jobs.casts import SPARK_TYPES
from spark_jobs.contract import BATCH_ID, ERRORS, INGESTED_AT, RAW_RECORD, SOURCE_FILE, Contract
from spark_jobs.rule_values import Value
from spark_jobs.validation import is_loaded, text_of


def _metadata(ingested_at: dt.datetime, batch_id: str) -> list[Column]:
    """The metadata columns, non-nullable as their REQUIRED modes say (the file name is never null)."""
    source_file = sf.coalesce(sf.col(SOURCE_FILE), sf.lit("")).alias(SOURCE_FILE)
    return [sf.lit(ingested_at).alias(INGESTED_AT), source_file, sf.lit(batch_id).alias(BATCH_ID)]


def loaded_rows(rows: DataFrame, contract: Contract, ingested_at: dt.datetime, batch_id: str) -> DataFrame:
    """The rows that passed, typed as the contract says; REQUIRED columns are non-nullable in the schema."""
    columns = []
    for column in contract.columns:
        value = sf.col(column.name)
        if column.required:
            # The required rule already passed, so the filler is never used; it only tells Spark, and the
            # BigQuery load's schema, that the column cannot be null.
            value = sf.coalesce(value, sf.lit(_FILLERS[column.type]).cast(SPARK_TYPES[column.type]))
        columns.append(value.alias(column.name))
    loaded = rows.where(is_loaded()).select(*columns, *_metadata(ingested_at, batch_id))
    return _described(loaded, contract.bigquery_schema())


def rejected_rows(rows: DataFrame, contract: Contract, ingested_at: dt.datetime, batch_id: str) -> DataFrame:
    """The rows that failed, with their original values as text and every reason.

    Takes checked rows of either kind: the job passes only the rejected ones, already filtered and cached,
    which makes the filter here free.
    """
    texts = [text_of(column).alias(column.name) for column in contract.columns]
    # A rejected row always has reasons: the filler is never used, it only tells Spark that the REPEATED
    # `_errors` is never null (a passed row's is, see `is_loaded`).
    reasons = sf.coalesce(sf.col(ERRORS), sf.array().cast(ArrayType(StringType()))).alias(ERRORS)
    rejected = rows.where(~is_loaded()).select(
        *texts, reasons, sf.col(RAW_RECORD), *_metadata(ingested_at, batch_id)
    )
    return _described(rejected, contract.quarantine_schema())


def _described(rows: DataFrame, table_schema: list[dict[str, str]]) -> DataFrame:
    """`rows` with each column's description from its table's schema, as Spark column metadata: the BigQuery
    connector writes it into the schema of the load, which an overwrite of an unpartitioned table makes the
    table's own (without it, that table would lose the contract's descriptions)."""
    descriptions = {field["name"]: field["description"] for field in table_schema if "description" in field}
    return rows.select(
        *[
            sf.col(f"`{name}`").alias(name, metadata={"description": descriptions[name]})
            if name in descriptions
            else sf.col(f"`{name}`")
            for name in rows.columns
        ]
    )


_FILLERS: dict[str, Value] = {
    STRING: "",
    INT64: 0,
    FLOAT64: 0.0,
    NUMERIC: 0,
    BOOL: False,
    DATE: dt.date(1970, 1, 1),
    TIMESTAMP: dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
}
