"""(d) The straightforward way to write the job, the reference point the issue's targets were set against.

It checks the same contract with the obvious Spark code: every column read as text, Spark's own casts (looser
than BigQuery's literals), one `when` per rule gathered with `array_compact`, duplicates ranked with a
`row_number` window over all rows that pass, then the loaded and the rejected rows written by two queries that
each read the input. No counts, no report, no reconciliation: what it leaves out only flatters it.
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
    passed = checked.where(sf.size(ERRORS) == 0)
    if contract.primary_key:
        order = Window.partitionBy(*contract.primary_key).orderBy(SOURCE_FILE, *contract.column_names)
        passed = passed.withColumn(_RANK, sf.row_number().over(order))
    else:
        passed = passed.withColumn(_RANK, sf.lit(1))
    metadata = [
        sf.lit(dt.datetime.now(dt.UTC)).alias(INGESTED_AT),
        sf.col(SOURCE_FILE),
        sf.lit("d").alias(BATCH_ID),
    ]

    loaded = passed.where(sf.col(_RANK) == 1).select(
        *[value.alias(name) for name, value in typed.items()], *metadata
    )
    _write(loaded, output / contract.table)
    duplicates = passed.where(sf.col(_RANK) > 1).withColumn(ERRORS, sf.array(sf.lit("primary_key.duplicate")))
    rejected = checked.where(sf.size(ERRORS) > 0).unionByName(duplicates.drop(_RANK))
    texts = [sf.col(name) for name in contract.column_names]
    _write(rejected.select(*texts, sf.col(ERRORS), *metadata), output / contract.quarantine_table)


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
