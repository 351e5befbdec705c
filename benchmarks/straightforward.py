"""(d) A straightforward implementation of the job, as the issue describes the one it measured: the obvious
Spark code, reading the input twice.

Every column is read as text and cast with Spark's own casts (looser than BigQuery's literals); one `when`
per rule, gathered with `array_compact`; duplicates ranked with a `row_number` window over every row of a
key, the rows that pass first; then the loaded and the rejected rows written by two queries, each reading
the input. No counts, no report, no reconciliation: what it leaves out only flatters it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as sf
from pyspark.sql.types import StringType, StructField, StructType

from spark_jobs.casts import SPARK_TYPES
from spark_jobs.contract import BATCH_ID, ERRORS, INGESTED_AT, RAW_RECORD, SOURCE_FILE, Contract
from spark_jobs.contract import Column as ContractColumn

_RANK = "_rank"


def run_straightforward(spark: SparkSession, data: Path, contract: Contract, output: Path) -> None:
    """Write `<output>/<table>` (loaded rows) and `<output>/<table>__rejected` (rejected rows, as text)."""
    text_schema = StructType(
        [StructField(name, StringType()) for name in (*contract.column_names, RAW_RECORD)]
    )
    rows = (
        spark.read.option("header", True)
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", RAW_RECORD)
        .schema(text_schema)
        .csv(str(data))
        .withColumn(SOURCE_FILE, sf.input_file_name())
    )
    typed = {column.name: sf.col(column.name).cast(SPARK_TYPES[column.type]) for column in contract.columns}
    reasons = [sf.when(sf.col(RAW_RECORD).isNotNull(), sf.lit("record.malformed"))]
    for column in contract.columns:
        reasons.extend(_rules(column, sf.col(column.name), typed[column.name]))
    checked = rows.withColumn(ERRORS, sf.array_compact(sf.array(*reasons)))
    failed = sf.size(ERRORS) > 0
    if contract.primary_key:
        # The rows that pass come first in their key, so those after the first are its duplicates.
        order = Window.partitionBy(*contract.primary_key).orderBy(failed, SOURCE_FILE, *contract.column_names)
        ranked = checked.withColumn(_RANK, sf.row_number().over(order))
    else:
        ranked = checked.withColumn(_RANK, sf.lit(1))
    duplicate = ~failed & (sf.col(_RANK) > 1)
    metadata = [
        sf.lit(dt.datetime.now(dt.UTC)).alias(INGESTED_AT),
        sf.col(SOURCE_FILE),
        sf.lit("d").alias(BATCH_ID),
    ]

    loaded = ranked.where(~failed & (sf.col(_RANK) == 1))
    _write(
        loaded.select(*[value.alias(name) for name, value in typed.items()], *metadata),
        output / contract.table,
    )
    rejected = ranked.where(failed | duplicate).select(
        *[sf.col(name) for name in contract.column_names],
        sf.when(duplicate, sf.array(sf.lit("primary_key.duplicate"))).otherwise(sf.col(ERRORS)).alias(ERRORS),
        *metadata,
    )
    _write(rejected, output / contract.quarantine_table)


def _rules(column: ContractColumn, text: Column, value: Column) -> list[Column]:
    name = column.name
    rules = [sf.when(text.isNotNull() & value.isNull(), sf.lit(f"{name}.type"))]
    if column.required:
        rules.append(sf.when(text.isNull(), sf.lit(f"{name}.required")))
    if column.min is not None:
        rules.append(sf.when(value < sf.lit(column.min), sf.lit(f"{name}.min")))
    if column.max is not None:
        rules.append(sf.when(value > sf.lit(column.max), sf.lit(f"{name}.max")))
    if column.allowed is not None:
        rules.append(sf.when(~value.isin(list(column.allowed)), sf.lit(f"{name}.allowed")))
    if column.pattern is not None:
        rules.append(sf.when(~text.rlike(column.pattern), sf.lit(f"{name}.pattern")))
    return rules


def _write(rows: DataFrame, path: Path) -> None:
    rows.write.mode("overwrite").parquet(str(path))
