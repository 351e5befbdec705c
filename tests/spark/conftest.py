"""One local SparkSession for the whole test session (starting Spark is the slow part), plus small helpers."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import DataFrame, Row, SparkSession

from spark_jobs.contract import ERRORS, RAW_RECORD, SOURCE_FILE, Contract, parse_contract
from spark_jobs.readers import Source
from spark_jobs.session import local_session
from spark_jobs.validation import check_rules, rejecting_duplicates

# Collected timestamps are converted with the Python process's zone: make it UTC like the session.
os.environ["TZ"] = "UTC"
time.tzset()

ITEMS: dict[str, Any] = {
    "table": "items",
    "columns": [
        {"name": "id", "type": "STRING", "mode": "REQUIRED", "pattern": "^[A-Z]{2}[0-9]$"},
        {"name": "qty", "type": "INT64", "min": 1, "max": 10},
        {"name": "price", "type": "NUMERIC", "min": 0, "max": "100.5"},
        {"name": "ratio", "type": "FLOAT64", "min": -1, "max": 1},
        {"name": "flag", "type": "BOOL"},
        {"name": "day", "type": "DATE", "mode": "REQUIRED", "min": "2026-01-01"},
        {"name": "at", "type": "TIMESTAMP", "max": "2030-01-01T00:00:00Z"},
        {"name": "color", "type": "STRING", "allowed": ["red", "blue"]},
    ],
    "primary_key": ["id"],
    "partitioning": {"field": "day", "type": "DAY"},
    "clustering": ["color"],
}
ITEMS_HEADER = "id,qty,price,ratio,flag,day,at,color"


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # Some tests read a 20 MB value, whose copies in a parse have run 1 GiB, Spark's default, out of heap.
    session = local_session("spark-jobs-tests", master="local[2]", driver_memory="2g")
    session.conf.set("spark.sql.shuffle.partitions", "2")
    yield session
    session.stop()


@pytest.fixture
def items() -> Contract:
    return parse_contract(ITEMS, "items.yaml")


def write_lines(directory: Path, name: str, lines: list[str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def rows_of(frame: DataFrame, *columns: str) -> list[tuple[Any, ...]]:
    """The frame's rows as tuples of the given columns, sorted, for exact comparisons."""
    return sorted((tuple(row) for row in frame.select(*columns).collect()), key=repr)


def reasons_of(row: Row) -> list[str]:
    """The reasons a checked row failed; none for a row that passed (whose `_errors` is null)."""
    return list(row[ERRORS] or [])


def text_source(spark: SparkSession, contract: Contract, rows: Sequence[Mapping[str, str | None]]) -> Source:
    """A source as the CSV or JSON reader makes it: every contract column as text, raw record, file name."""
    names = [*contract.column_names, RAW_RECORD, SOURCE_FILE]
    data = [tuple(row.get(name) for name in names) for row in rows]
    frame = spark.createDataFrame(data, ", ".join(f"{name} string" for name in names))
    return Source(frame, ("f",), frozenset(contract.column_names), malformed_reason="bad line")


def validate(source: Source, contract: Contract) -> DataFrame:
    """The rows as the job validates them: every rule checked, the duplicate keys rejected."""
    return rejecting_duplicates(check_rules(source, contract), contract, source.partitions)
