"""Small file operations through Hadoop's FileSystem, so gs:// paths work wherever Spark runs."""

from __future__ import annotations

from typing import Any

from pyspark.sql import SparkSession


def _file_system(spark: SparkSession, path: str) -> tuple[Any, Any]:
    context = spark.sparkContext
    jvm = context._jvm
    if jvm is None:
        raise RuntimeError("the Spark JVM gateway is not running")
    hadoop_path = jvm.org.apache.hadoop.fs.Path(path)
    return hadoop_path.getFileSystem(context._jsc.hadoopConfiguration()), hadoop_path


def delete_path(spark: SparkSession, path: str) -> None:
    """Delete a file or a directory tree; a missing path is fine."""
    file_system, hadoop_path = _file_system(spark, path)
    file_system.delete(hadoop_path, True)


def replace_path(spark: SparkSession, source: str, target: str) -> None:
    """Put the directory `source` in the place of `target`, whatever `target` held before."""
    file_system, target_path = _file_system(spark, target)
    _, source_path = _file_system(spark, source)
    file_system.delete(target_path, True)
    file_system.mkdirs(target_path.getParent())
    if not file_system.rename(source_path, target_path):
        raise OSError(f"could not move {source} to {target}")


def write_text(spark: SparkSession, path: str, text: str) -> None:
    """Create or replace a small text file."""
    file_system, hadoop_path = _file_system(spark, path)
    stream = file_system.create(hadoop_path, True)
    try:
        stream.write(bytearray(text.encode("utf-8")))
    finally:
        stream.close()
