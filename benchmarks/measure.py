"""Wall time of a Spark action and the bytes it read from input files.

Input bytes come from the Hadoop file-system statistics of the driver JVM, through which Spark's file scans
read (in local mode the executors share that JVM). Spark's stage "input bytes" would not do: they also count
re-reads of cached blocks, which cost no file I/O.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from pyspark.sql import SparkSession

from spark_jobs.session import jvm


@dataclass(frozen=True)
class Measurement:
    label: str
    seconds: float
    input_bytes: int


def _local_bytes_read(spark: SparkSession) -> int:
    statistics = jvm(spark).org.apache.hadoop.fs.FileSystem.getAllStatistics()
    return sum(int(entry.getBytesRead()) for entry in statistics if entry.getScheme() == "file")


def measure(spark: SparkSession, label: str, action: Callable[[], object]) -> Measurement:
    """Run `action`; measure its wall time and the bytes read through the local (`file:`) file system."""
    before = _local_bytes_read(spark)
    started = time.perf_counter()
    action()
    seconds = time.perf_counter() - started
    return Measurement(label, seconds, _local_bytes_read(spark) - before)
