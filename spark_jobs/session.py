"""The job's Spark settings applied to whatever session it is given, and the sessions it makes."""

from __future__ import annotations

from typing import Any

from py4j.protocol import Py4JJavaError
from pyspark.errors import PySparkException
from pyspark.sql import SparkSession

from spark_jobs.contract import ERRORS, KEY_HASH, RAW_RECORD, ROW_ID, SOURCE_FILE
from spark_jobs.spark_settings import CACHE_BATCH_ROWS, JOB_SETTINGS


def configure(spark: SparkSession) -> SparkSession:
    for key, value in JOB_SETTINGS.items():
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
    spark.conf.set(CACHE_BATCH_ROWS, str(max(_MIN_CACHE_BATCH_ROWS, min(_DEFAULT_CACHE_BATCH_ROWS, rows))))


_DEFAULT_CACHE_BATCH_ROWS = 10_000
_MIN_CACHE_BATCH_ROWS = 100
# The columns the job caches beside the contract's own.
_WORKING_COLUMNS = len((ERRORS, SOURCE_FILE, RAW_RECORD, ROW_ID, KEY_HASH))
# Assumed bytes per row of a cached column's initial buffer: a generous guess, that of a short text value.
_BUFFER_BYTES_PER_VALUE = 20
_CACHE_BUFFER_BUDGET = 32 * 1024 * 1024


def has_data_source(spark: SparkSession, name: str) -> bool:
    """Whether this Spark reads and writes the data source `name`: those of packages (spark-avro, the
    spark-bigquery connector) are on Dataproc's runtimes, not in every Spark."""
    conf = spark._jsparkSession.sessionState().conf()
    try:
        jvm(spark).org.apache.spark.sql.execution.datasources.DataSource.lookupDataSource(name, conf)
    except (Py4JJavaError, PySparkException):
        # Spark raises a missing spark-avro as an AnalysisException, which PySpark converts.
        return False
    return True


def jvm(spark: SparkSession) -> Any:
    """The driver JVM, through py4j: Java classes the job calls that PySpark does not wrap."""
    gateway = spark.sparkContext._jvm
    if gateway is None:  # a stopped session
        raise RuntimeError("the Spark JVM gateway is not running")
    return gateway


def _quiet_logged_failures(spark: SparkSession) -> None:
    """Java stack traces logged for failures the job reports as one line itself: a failed task's (by the
    executor and again by the scheduler), and a path Hadoop cannot look at (by the file listing); and for
    the generated code of a wide contract that the JVM cannot compile, which Spark runs without it."""
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
    "org.apache.spark.util.Utils",  # "Aborting task", with the trace of the write that failed
    "org.apache.hadoop.mapreduce.lib.output.FileOutputCommitter",  # "Mkdirs failed" for that write
    "org.apache.hadoop.fs.FileUtil",  # "Failed to delete" what a failed write left
    # "failed to compile" with the compiler's trace (a method past 64 KB, as some 45 columns of checks make),
    # then "Whole-stage codegen disabled for plan" with the whole plan: Spark runs that stage interpreted.
    "org.apache.spark.sql.catalyst.expressions.codegen.CodeGenerator",
    "org.apache.spark.sql.execution.WholeStageCodegenExec",
)


def spark_session(app_name: str) -> SparkSession:
    """The session for a run: the one spark-submit or Dataproc configured, or a local one (the job applies
    its settings to it, as to any session it is given)."""
    # The console progress bar would run into the job's own lines on stderr.
    return (
        SparkSession.builder.appName(app_name).config("spark.ui.showConsoleProgress", "false").getOrCreate()
    )


def local_session(app_name: str, master: str = "local[*]", driver_memory: str = "1g") -> SparkSession:
    """A quiet local session sized for small inputs (tests, the demo); `driver_memory` applies when this
    starts the JVM, whose heap local mode's tasks share."""
    session = configure(
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.driver.memory", driver_memory)
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session
