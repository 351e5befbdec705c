"""The session settings the job applies to whatever session it is given."""

from __future__ import annotations

from pyspark.sql import SparkSession

from spark_jobs.session import configure, has_data_source, size_cache_batches


def test_the_job_applies_its_settings_to_a_session_it_did_not_make(spark: SparkSession) -> None:
    """Pins UTC, keeps generated code small and silences the logs that repeat a failed task, in a session
    made without the job's settings (a new session shares the JVM, not the SQL settings) whose loggers
    were set to speak."""
    fresh = spark.newSession()
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    log4j = jvm.org.apache.logging.log4j
    loggers = (
        "org.apache.spark.executor.Executor",
        "org.apache.spark.scheduler.TaskSetManager",
        "org.apache.spark.sql.execution.streaming.FileStreamSink",
        # A task's failed write: "Aborting task" with its trace, and what the committer says of it.
        "org.apache.spark.util.Utils",
        "org.apache.hadoop.mapreduce.lib.output.FileOutputCommitter",
        "org.apache.hadoop.fs.FileUtil",
        # Generated code too large to compile, which Spark runs without.
        "org.apache.spark.sql.catalyst.expressions.codegen.CodeGenerator",
        "org.apache.spark.sql.execution.WholeStageCodegenExec",
    )
    for name in loggers:
        log4j.core.config.Configurator.setLevel(name, log4j.Level.INFO)
    assert fresh.conf.get("spark.sql.codegen.hugeMethodLimit") != "8000"
    configure(fresh)
    assert {str(log4j.LogManager.getLogger(name).getLevel()) for name in loggers} == {"OFF"}
    assert fresh.conf.get("spark.sql.session.timeZone") == "UTC"
    # Wide contracts' validation code stays small enough for the JVM to compile.
    assert fresh.conf.get("spark.sql.codegen.hugeMethodLimit") == "8000"


def test_a_data_source_is_found_where_this_spark_has_it(spark: SparkSession) -> None:
    """spark-avro and the spark-bigquery connector are on Dataproc's runtimes, not in this Spark."""
    assert (has_data_source(spark, "parquet"), has_data_source(spark, "avro")) == (True, False)
    assert has_data_source(spark, "bigquery") is False


def test_a_wide_contract_is_cached_in_smaller_batches(spark: SparkSession) -> None:
    """Each cached column's buffer is allocated for a whole batch: 3,000 columns ran 1 GiB out of memory."""
    batch_rows = "spark.sql.inMemoryColumnarStorage.batchSize"
    try:
        size_cache_batches(spark, 5)
        assert spark.conf.get(batch_rows) == "10000"  # Spark's default, for the usual contracts
        size_cache_batches(spark, 3000)
        assert spark.conf.get(batch_rows) == "279"  # 6,005 cached columns' buffers within 32 MiB
        size_cache_batches(spark, 9995)
        assert spark.conf.get(batch_rows) == "100"  # never fewer rows than that
    finally:
        size_cache_batches(spark, 5)
