"""The session settings the job applies to whatever session it is given."""

from __future__ import annotations

from pyspark.sql import SparkSession

from spark_jobs.session import configure


def test_the_job_pins_utc_and_silences_the_logs_that_repeat_a_failed_task(spark: SparkSession) -> None:
    configure(spark)
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    levels = {
        name: str(jvm.org.apache.logging.log4j.LogManager.getLogger(name).getLevel())
        for name in (
            "org.apache.spark.executor.Executor",
            "org.apache.spark.scheduler.TaskSetManager",
            "org.apache.spark.sql.execution.streaming.FileStreamSink",
        )
    }
    assert set(levels.values()) == {"OFF"}
    assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
    # Wide contracts' validation code stays small enough for the JVM to compile.
    assert spark.conf.get("spark.sql.codegen.hugeMethodLimit") == "8000"
