"""The Spark settings the job's semantics and speed depend on, applied to whatever session it is given."""

from __future__ import annotations

from typing import Any

from pyspark.sql import SparkSession

from spark_jobs.contract import ERRORS, KEY_HASH, RAW_RECORD, ROW_ID, SOURCE_FILE

# Runtime SQL settings, so they also apply to an existing session.
_SETTINGS = {
    # A TIMESTAMP without an offset is UTC, as in BigQuery, and dates never shift with the machine's zone.
    "spark.sql.session.timeZone": "UTC",
    # Corrupt or vanished files must fail the run, never be skipped silently.
    "spark.sql.files.ignoreCorruptFiles": "false",
    "spark.sql.files.ignoreMissingFiles": "false",
    # Dates before 1582 and timestamps before 1900 are written as they are (the proleptic Gregorian calendar
    # BigQuery uses too), instead of failing the write for want of a rebase decision.
    "spark.sql.parquet.datetimeRebaseModeInWrite": "CORRECTED",
    "spark.sql.parquet.int96RebaseModeInWrite": "CORRECTED",
    # Read them so too from files other writers made (Spark's own files say how they were written); without
    # a setting, Spark refuses to read a date before 1582 from a file it cannot tell the writer of.
    "spark.sql.parquet.datetimeRebaseModeInRead": "CORRECTED",
    "spark.sql.parquet.int96RebaseModeInRead": "CORRECTED",
    "spark.sql.avro.datetimeRebaseModeInRead": "CORRECTED",
    # Timestamps written as Parquet's standard 64-bit microseconds since the epoch (UTC), which every reader
    # and BigQuery's loads take, instead of Spark's default INT96, a deprecated type other readers mishandle.
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    # A nanosecond timestamp column (pandas writes them) is read as a number, so that the contract check
    # names it, or ignores it when the contract does not have it, instead of failing the whole read.
    "spark.sql.legacy.parquet.nanosAsLong": "true",
    # A contract's rules become one generated Java method per stage; past 8000 bytes of bytecode, which a
    # contract of 15 columns passes, the JVM no longer compiles it and validating took twice as long. Past
    # that size Spark now runs that part of the plan without whole-stage code generation, as compiled
    # per-expression code (the limit Spark's documentation suggests on HotSpot).
    "spark.sql.codegen.hugeMethodLimit": "8000",
    # A CSV record with more fields than the header must be malformed even when few columns are selected.
    "spark.sql.csv.parser.columnPruning.enabled": "false",
    # The job caches its checked rows once and scans them a few times: compressing the cache took longer
    # than all those scans (about half the job's time on 1M CSV rows); past memory, the cache spills to disk.
    "spark.sql.inMemoryColumnarStorage.compressed": "false",
}


def configure(spark: SparkSession) -> SparkSession:
    for key, value in _SETTINGS.items():
        spark.conf.set(key, value)
    _quiet_logged_failures(spark)
    return spark


def size_cache_batches(spark: SparkSession, contract_columns: int) -> None:
    """Fewer rows per batch of the in-memory cache for a wide contract.

    Spark allocates every cached column's buffer for a whole batch up front (10,000 rows by default), whatever
    the input's size. The job caches each contract column about twice (typed and as text): a contract of
    3,000 columns ran a 1 GiB driver out of memory on three rows. Past about 80 columns, batches shrink so
    that their buffers stay within a budget.
    """
    cached_columns = 2 * contract_columns + _WORKING_COLUMNS
    rows = _CACHE_BUFFER_BUDGET // (cached_columns * _BUFFER_BYTES_PER_VALUE)
    spark.conf.set(_CACHE_BATCH_ROWS, str(max(_MIN_CACHE_BATCH_ROWS, min(_DEFAULT_CACHE_BATCH_ROWS, rows))))


_CACHE_BATCH_ROWS = "spark.sql.inMemoryColumnarStorage.batchSize"
_DEFAULT_CACHE_BATCH_ROWS = 10_000
_MIN_CACHE_BATCH_ROWS = 100
# The columns the job caches beside the contract's own.
_WORKING_COLUMNS = len((ERRORS, SOURCE_FILE, RAW_RECORD, ROW_ID, KEY_HASH))
# Assumed bytes per row of a cached column's initial buffer: a generous guess, that of a short text value.
_BUFFER_BYTES_PER_VALUE = 20
_CACHE_BUFFER_BUDGET = 32 * 1024 * 1024


def jvm(spark: SparkSession) -> Any:
    """The driver JVM, through py4j: Java classes the job calls that PySpark does not wrap."""
    gateway = spark.sparkContext._jvm
    if gateway is None:  # a stopped session
        raise RuntimeError("the Spark JVM gateway is not running")
    return gateway


def _quiet_logged_failures(spark: SparkSession) -> None:
    """Java stack traces logged for failures the job reports as one line itself: a failed task's (by the
    executor and again by the scheduler), and a path Hadoop cannot look at (by the file listing)."""
    log4j = jvm(spark).org.apache.logging.log4j
    for logger in _FAILURE_LOGGERS:
        log4j.core.config.Configurator.setLevel(logger, log4j.Level.OFF)


_FAILURE_LOGGERS = (
    "org.apache.spark.executor.Executor",
    "org.apache.spark.scheduler.TaskSetManager",
    "org.apache.spark.storage.BlockManager",  # a block the failed task was caching
    "org.apache.spark.sql.execution.datasources.FileFormatWriter",  # "Aborting job", with the trace again
    # "Assume no metadata directory", with the trace of a path it could not look at (gs:// run locally)
    "org.apache.spark.sql.execution.streaming.FileStreamSink",
)


def spark_session(app_name: str) -> SparkSession:
    """The session for a run: the one spark-submit or Dataproc configured, or a local one (the job applies
    its settings to it, as to any session it is given)."""
    # The console progress bar would run into the job's own lines on stderr.
    return (
        SparkSession.builder.appName(app_name).config("spark.ui.showConsoleProgress", "false").getOrCreate()
    )


def local_session(app_name: str, master: str = "local[*]") -> SparkSession:
    """A quiet local session sized for small inputs (tests, the demo)."""
    session = configure(
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session
