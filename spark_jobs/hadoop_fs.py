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


def path_exists(spark: SparkSession, path: str) -> bool:
    file_system, hadoop_path = _file_system(spark, path)
    return bool(file_system.exists(hadoop_path))


def move_files_into(spark: SparkSession, source: str, target: str) -> None:
    """Move the data files of the directory `source` into the directory `target` (created if missing),
    beside what it holds, then delete `source`. Files whose names start with `_` or `.` (Spark's markers,
    checksums) stay behind."""
    file_system, source_path = _file_system(spark, source)
    file_system.mkdirs(_file_system(spark, target)[1])
    for status in file_system.listStatus(source_path):
        name = status.getPath().getName()
        if status.isFile() and not name.startswith(("_", ".")):
            _, moved = _file_system(spark, f"{target.rstrip('/')}/{name}")
            if not file_system.rename(status.getPath(), moved):
                raise OSError(f"could not move {status.getPath()} to {target}")
    file_system.delete(source_path, True)


def write_text(spark: SparkSession, path: str, text: str) -> None:
    """Create or replace a small text file."""
    file_system, hadoop_path = _file_system(spark, path)
    stream = file_system.create(hadoop_path, True)
    try:
        stream.write(bytearray(text.encode("utf-8")))
    finally:
        stream.close()
