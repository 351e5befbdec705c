"""The pipeline: read → validate → count and reconcile → add the rejected rows to their batch's → check the
ratio → write loaded → remove the rejected rows earlier runs of the batch left (only once all succeeded).

The checked rows are persisted once, so the input is read a single time (twice only for typed files whose
decimals Spark merges but cannot read together, or among which is a Parquet file without columns, see
`_checked_and_counted`); the duplicate keys, the counts, the quarantine and the load are all derived from
those rows. The reconciliation compares the rows as read with the rows split between the tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from decimal import Decimal

from py4j.protocol import Py4JJavaError
from pyspark.errors import PySparkException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as sf

from spark_jobs.contract import ERRORS, RAW_RECORD, SOURCE_FILE, Contract
from spark_jobs.contract import Column as ContractColumn
from spark_jobs.errors import (
    ColumnlessParquetError,
    ContractError,
    InputRefusedError,
    ReconciliationError,
    RejectRatioExceededError,
    UnreadableMergedDecimalError,
)
from spark_jobs.input_files import BINARY_RECORD, list_files, refuse_binary_files
from spark_jobs.options import APPEND, BIGQUERY, CSV, DEFAULT_CSV_DIALECT, LOCAL, CsvDialect
from spark_jobs.outputs import loaded_rows, rejected_rows
from spark_jobs.quoting import quoted
from spark_jobs.readers import Source, read_input
from spark_jobs.report import Progress
from spark_jobs.session import configure, jvm, size_cache_batches
from spark_jobs.sinks import BigQuerySink, LocalSink, Sink, check_bigquery_connector
from spark_jobs.spark_errors import first_meaningful_line, input_errors_explained, sink_errors_explained
from spark_jobs.validation import (
    MALFORMED_RULE,
    check_rules,
    is_loaded,
    rejecting_duplicates,
    rule_of,
    text_of,
)


@dataclass(frozen=True)
class JobConfig:
    """The run's arguments, already checked for consistency by the command line."""

    input_format: str
    input_location: str
    contract_path: str
    sink: str
    batch_id: str
    write_mode: str = APPEND
    max_reject_ratio: float = 0.0
    output_table: str | None = None
    output_path: str | None = None
    temp_bucket: str | None = None
    report_path: str | None = None
    csv: CsvDialect = DEFAULT_CSV_DIALECT


def run(
    spark: SparkSession, config: JobConfig, contract: Contract, started_at: dt.datetime, progress: Progress
) -> None:
    configure(spark)  # whoever made the session, the job's settings apply
    size_cache_batches(spark, len(contract.columns))
    _check_patterns_in_java(spark, contract, config.contract_path)
    if config.sink == BIGQUERY:
        check_bigquery_connector(spark)
    sink = _sink(config, contract, started_at)  # which refuses what it cannot write before the input is read
    with ExitStack() as cached:
        loaded, rejected = _checked_and_counted(
            spark, config, contract, started_at=started_at, progress=progress, cached=cached
        )
        reconcile(progress)
        with sink_errors_explained("writing the rejected rows"):
            sink.write_rejected(rejected)
        check_reject_ratio(progress, config.max_reject_ratio)
        with sink_errors_explained("writing the loaded rows"):
            sink.write_loaded(loaded)
        progress.rows_loaded = progress.rows_passed
        with sink_errors_explained("removing the rejected rows that earlier runs of the batch left"):
            sink.replace_earlier_rejected(spark)


def _checked_and_counted(
    spark: SparkSession,
    config: JobConfig,
    contract: Contract,
    *,
    started_at: dt.datetime,
    progress: Progress,
    cached: ExitStack,
) -> tuple[DataFrame, DataFrame]:
    """The input read and checked, cached in `cached`, and counted (`_counted`): the loaded rows and the
    rejected ones, as the main table and the quarantine take them.

    Typed files holding a decimal column in precisions Spark merges but cannot read together, or a Parquet
    file without columns, are found only as an action reads them (the reader's own, checking a column, or
    the first count): the files are then read again in groups sharing a schema (nothing is written before
    this returns).
    """
    try:
        source = _source(spark, config, contract, progress, in_schema_groups=False)
        return _counted(source, config, contract, started_at=started_at, progress=progress, cached=cached)
    except (UnreadableMergedDecimalError, ColumnlessParquetError):
        source = _source(spark, config, contract, progress, in_schema_groups=True)
        return _counted(source, config, contract, started_at=started_at, progress=progress, cached=cached)


def _source(
    spark: SparkSession, config: JobConfig, contract: Contract, progress: Progress, *, in_schema_groups: bool
) -> Source:
    """The input as read, its files recorded in `progress` (also those of an input refused as read)."""
    try:
        with input_errors_explained(files=()):
            source = read_input(
                spark,
                config.input_format,
                config.input_location,
                contract,
                csv=config.csv,
                in_schema_groups=in_schema_groups,
            )
    except InputRefusedError as refused:
        progress.input_files = refused.input_files or _listed_after_failing(spark, config.input_location)
        raise
    progress.input_files = source.files
    return source


def _listed_after_failing(spark: SparkSession, location: str) -> tuple[str, ...]:
    """The files under `location`, for the report of a read that failed before it said which; none when
    listing them fails too (the run's error already says why the read failed)."""
    try:
        return list_files(spark, location).names
    except (Py4JJavaError, PySparkException):
        return ()


def _counted(
    source: Source,
    config: JobConfig,
    contract: Contract,
    *,
    started_at: dt.datetime,
    progress: Progress,
    cached: ExitStack,
) -> tuple[DataFrame, DataFrame]:
    """The loaded rows and the rejected ones as the tables take them, counted into `progress`, their rows kept
    cached in `cached` once counted: a failed attempt's cached frames are dropped with it."""
    with ExitStack() as attempt:

        def keep(frame: DataFrame) -> DataFrame:
            return attempt.enter_context(_persisted(frame))

        # The first action reads the input, once, into the cache.
        with input_errors_explained(source.files, config.csv):
            checked = keep(check_rules(source, contract))
            rows = rejecting_duplicates(checked, contract, source.partitions, keep)
            # Counted by rule and written: cached apart, they are taken from all the rows once.
            rejected = keep(rows.where(~is_loaded()))
            loaded = loaded_rows(rows, contract, started_at, config.batch_id)
            quarantined = rejected_rows(rejected, contract, started_at, config.batch_id)
            _count(checked, rows, rejected, _columns_watched_for_values(config, contract), progress)
            if MALFORMED_RULE in progress.rejections_by_rule:
                refuse_binary_files(source.frame.sparkSession, _files_that_may_be_binary(rejected))
        cached.enter_context(attempt.pop_all())
    return loaded, quarantined


@contextmanager
def _persisted(frame: DataFrame) -> Iterator[DataFrame]:
    """`frame`, cached as soon as an action computes it, until the context ends."""
    frame = frame.persist()
    try:
        yield frame
    finally:
        frame.unpersist()


def _check_patterns_in_java(spark: SparkSession, contract: Contract, contract_path: str) -> None:
    """Patterns run as Java regular expressions; the contract parser could only check Python's syntax.

    Java checks the pattern as written, whose refusal names places the contract's author can find: the one
    Spark runs differs only by its `$` anchors, written `\\z`, which Java reads anywhere `$` may stand, and
    the flags it starts with.
    """
    compile_pattern = jvm(spark).java.util.regex.Pattern.compile
    for column in contract.columns:
        if column.pattern is None:
            continue
        refusal = _java_refusal(compile_pattern, column.pattern)
        if refusal:
            raise ContractError(
                f"{contract_path}: column '{column.name}': pattern {quoted(column.pattern)} is not a valid "
                f"Java regular expression: {refusal}"
            )


def _java_refusal(compile_pattern: Callable[[str], object], pattern: str) -> str | None:
    """Why Java refuses `pattern`, or None. Java's message gives the reason, then on lines of their own the
    pattern and a caret under the place: only the reason is kept, which names the place by its index."""
    try:
        compile_pattern(pattern)
    except (Py4JJavaError, PySparkException) as error:
        return first_meaningful_line(str(error).partition(f"\n{pattern}\n")[0])
    return None


def _files_that_may_be_binary(rejected: DataFrame) -> list[str]:
    """The files of the `rejected` rows whose record could not be split into columns and starts as a file
    that is not text does, compressed data or a Parquet or Avro file (its first record does; a few such files
    suffice to fail the run)."""
    suspect = rejected.where(sf.col(RAW_RECORD).rlike(BINARY_RECORD)).select(SOURCE_FILE).distinct()
    return [row[SOURCE_FILE] for row in suspect.limit(_FILES_LOOKED_AT).collect()]


_FILES_LOOKED_AT = 20


def _columns_watched_for_values(config: JobConfig, contract: Contract) -> tuple[ContractColumn, ...]:
    """The columns a misnamed field or file column would leave without a value, unseen: the NULLABLE ones
    (a REQUIRED one rejects every row), of JSON, Parquet and Avro files (a CSV header must name them all).
    Counting each costs planning time that grows with the contract's width, so only these are counted."""
    if config.input_format == CSV:
        return ()
    return tuple(column for column in contract.columns if not column.required)


def _count(
    checked: DataFrame,
    rows: DataFrame,
    rejected: DataFrame,
    watched: tuple[ContractColumn, ...],
    progress: Progress,
) -> None:
    """Count the rows read (the `checked` rows, one per record read) and, apart, the `rows` as the tables
    split them once the duplicate keys are rejected, so that the reconciliation compares counts of
    different frames; count the `rejected` ones (those of `rows` that failed) by rule; and find the
    `watched` columns that no row gives a value."""
    read = [
        sf.count(sf.lit(1)).alias("read"),
        *[sf.count(text_of(column)).alias(f"values {index}") for index, column in enumerate(watched)],
    ]
    loaded = is_loaded()
    split = [sf.count(sf.when(loaded, 1)).alias("passed"), sf.count(sf.when(~loaded, 1)).alias("rejected")]
    if rows is checked:  # no duplicate key was rejected: one scan counts both
        read_totals = split_totals = checked.agg(*read, *split).first()
    else:
        read_totals, split_totals = checked.agg(*read).first(), rows.agg(*split).first()
    assert read_totals is not None and split_totals is not None, "an aggregate always returns one row"
    progress.rows_read, progress.rows_passed, progress.rows_rejected = (
        read_totals["read"],
        split_totals["passed"],
        split_totals["rejected"],
    )
    if progress.rows_read:
        progress.columns_without_values = tuple(
            column.name for index, column in enumerate(watched) if read_totals[f"values {index}"] == 0
        )
    if progress.rows_rejected == 0:
        return
    reasons = rejected.select(sf.explode(ERRORS).alias("reason"))
    by_rule = reasons.groupBy(rule_of(sf.col("reason")).alias("rule")).count().collect()
    progress.rejections_by_rule = {row["rule"]: row["count"] for row in by_rule}


def reconcile(progress: Progress) -> None:
    if progress.rows_read != progress.rows_passed + progress.rows_rejected:
        raise ReconciliationError(
            f"reconciliation failed: read {progress.rows_read} rows but {progress.rows_passed} passed "
            f"and {progress.rows_rejected} were rejected"
        )


def check_reject_ratio(progress: Progress, max_reject_ratio: float) -> None:
    ratio = progress.rows_rejected / progress.rows_read if progress.rows_read else 0.0
    if ratio > max_reject_ratio:
        shown, limit = _shown_above(ratio, max_reject_ratio), _positional(max_reject_ratio)
        raise RejectRatioExceededError(
            f"{progress.rows_rejected} of {progress.rows_read} rows rejected (ratio {shown}) exceeds "
            f"--max-reject-ratio {limit}; nothing was written to the main table, the rejected rows are in "
            "the quarantine"
        )


def _shown_above(ratio: float, limit: float) -> str:
    """`ratio` in four significant digits, or as many more as it takes to show it above `limit`: 1 row of
    30,001 is 0.00003333, not 0.0000, and 0.500001 is not shown as the 0.5 it exceeds."""
    exceeded = Decimal(_positional(limit))
    for digits in range(4, 18):
        shown = _positional(float(f"{ratio:.{digits}g}"))
        if Decimal(shown) > exceeded:
            return shown
    return _positional(ratio)


def _positional(number: float) -> str:
    """A float's shortest decimal, without an exponent: 1e-05 is 0.00001."""
    return format(Decimal(repr(number)), "f")


def _sink(config: JobConfig, contract: Contract, started_at: dt.datetime) -> Sink:
    if config.sink == LOCAL:
        assert config.output_path is not None, "the command line requires --output-path for the local sink"
        return LocalSink(config.output_path, contract, config.write_mode, config.batch_id, started_at)
    assert config.output_table is not None and config.temp_bucket is not None, "checked by the command line"
    return BigQuerySink(
        contract, config.output_table, config.temp_bucket, config.write_mode, config.batch_id, started_at
    )
