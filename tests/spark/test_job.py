"""The whole run through the command line: outputs, report, reconciliation, thresholds and exit statuses."""

from __future__ import annotations

import bz2
import datetime as dt
import gzip
import io
import json
import lzma
import shutil
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from py4j.protocol import Py4JNetworkError
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as sf

from spark_jobs import cli, job, sinks
from spark_jobs import report as report_module
from spark_jobs.cli import _save_report, main
from spark_jobs.contract import SOURCE_FILE, Contract, parse_contract
from spark_jobs.errors import ReconciliationError, RejectRatioExceededError
from spark_jobs.job import _count, check_reject_ratio, reconcile
from spark_jobs.outputs import loaded_rows, rejected_rows
from spark_jobs.report import LOGGED_ERROR_CHARS, Progress, Report, utc_now
from spark_jobs.validation import is_loaded

from .conftest import ITEMS, ITEMS_HEADER, rows_of, text_source, validate, write_lines


@pytest.fixture
def contract_file(tmp_path: Path) -> Path:
    path = tmp_path / "items.yaml"
    path.write_text(yaml.safe_dump(ITEMS))
    return path


def run_job(
    spark: SparkSession, contract_file: Path | str, location: Path, out: Path, *extra: str, fmt: str = "csv"
) -> tuple[int, dict[str, Any]]:
    report_path = out.parent / "report.json"
    argv = [
        "--input-format", fmt,
        "--input-location", str(location),
        "--contract", str(contract_file),
        "--sink", "local",
        "--output-path", str(out),
        "--report-path", str(report_path),
        *extra,
    ]  # fmt: skip
    if "--batch-id" not in extra:
        argv += ["--batch-id", "b1"]
    status = main(argv, spark)
    return status, json.loads(report_path.read_text())


def read_table(spark: SparkSession, path: Path, *columns: str) -> list[tuple[Any, ...]]:
    return rows_of(spark.read.option("basePath", str(path)).parquet(str(path)), *columns)


@pytest.fixture(params=[False, True], ids=["as read", "spread"])
def spread(request: pytest.FixtureRequest, spark: SparkSession) -> Iterator[None]:
    """The input's rows as read, or spread over the cores after the read as for a few large files: the
    threshold of a few megabytes (`spark.sql.files.openCostInBytes`) lowered to one byte."""
    if request.param:
        spark.conf.set(OPEN_COST, "1")
    try:
        yield
    finally:
        spark.conf.unset(OPEN_COST)


OPEN_COST = "spark.sql.files.openCostInBytes"


@pytest.mark.usefixtures("spread")
def test_loads_good_rows_quarantines_bad_ones_and_reports(
    spark: SparkSession, contract_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_lines(
        tmp_path / "in", "a.csv", [ITEMS_HEADER, "AB1,1,2.50,,,2026-01-05,,red", "AB2,0,,,,2026-01-06,,"]
    )
    write_lines(
        tmp_path / "in", "b.csv", [ITEMS_HEADER, "AB3,2,,,,2026-01-06,,blue", "AB1,5,,,,2026-01-07,,", "bad"]
    )
    status, report = run_job(
        spark, contract_file, tmp_path / "in", tmp_path / "out", "--max-reject-ratio", "0.6"
    )
    assert status == 0
    printed = capsys.readouterr().out.strip().splitlines()[-1]
    assert json.loads(printed) == report
    summary = {k: report[k] for k in ("event", "pipeline", "batch_id", "status", "error")}
    assert summary == {
        "event": "pipeline_report", "pipeline": "items", "batch_id": "b1", "status": "SUCCEEDED",
        "error": None,
    }  # fmt: skip
    assert report["input_files"] == [f"file://{tmp_path}/in/a.csv", f"file://{tmp_path}/in/b.csv"]
    counts = ("rows_read", "rows_passed", "rows_loaded", "rows_rejected")
    assert tuple(report[count] for count in counts) == (5, 2, 2, 3)
    assert report["rejections_by_rule"] == {"primary_key.duplicate": 1, "qty.min": 1, "record.malformed": 1}
    assert read_table(
        spark, tmp_path / "out" / "items", "id", "qty", "price", "day", "_batch_id", "_partition_id"
    ) == [
        ("AB1", 1, Decimal("2.500000000"), dt.date(2026, 1, 5), "b1", 20260105),
        ("AB3", 2, None, dt.date(2026, 1, 6), "b1", 20260106),
    ]
    quarantine = read_table(
        spark, tmp_path / "out" / "items__rejected", "id", "qty", "_errors", "_raw_record", "_batch_id"
    )
    assert quarantine == [
        ("AB1", "5", ["primary_key.duplicate: another row with this key (id=AB1) is loaded"], None, "b1"),
        ("AB2", "0", ["qty.min: '0' is less than the minimum 1"], None, "b1"),
        (
            "bad",
            None,
            ["record.malformed: the record does not have exactly the header's fields (RFC 4180)"],
            "bad",
            "b1",
        ),
    ]


@pytest.mark.parametrize(
    ("rejected", "read", "limit", "shown"),
    [
        (1, 2, 0.4, "(ratio 0.5) exceeds --max-reject-ratio 0.4"),
        # Not 0.0000: the digits the ratio takes to show, and the limit without an exponent.
        (1, 30_001, 0.0, "(ratio 0.00003333) exceeds --max-reject-ratio 0.0"),
        (1, 30_001, 0.00001, "(ratio 0.00003333) exceeds --max-reject-ratio 0.00001"),
        # More digits where four would show the limit it exceeds.
        (500_001, 1_000_000, 0.5, "(ratio 0.500001) exceeds --max-reject-ratio 0.5"),
        (2, 3, 0.6666, "(ratio 0.6667) exceeds --max-reject-ratio 0.6666"),
    ],
)
def test_an_exceeded_reject_ratio_is_shown_above_its_limit(
    rejected: int, read: int, limit: float, shown: str
) -> None:
    progress = Progress(rows_read=read, rows_passed=read - rejected, rows_rejected=rejected)
    with pytest.raises(RejectRatioExceededError) as caught:
        check_reject_ratio(progress, limit)
    assert str(caught.value).startswith(f"{rejected} of {read} rows rejected {shown}; nothing was written")


def test_a_reject_ratio_at_its_limit_passes() -> None:
    check_reject_ratio(Progress(rows_read=3, rows_passed=2, rows_rejected=1), 1 / 3)


def test_reject_ratio_exceeded_writes_nothing_to_the_main_table(
    spark: SparkSession, contract_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_lines(tmp_path / "in", "a.csv", [ITEMS_HEADER, "AB1,1,,,,2026-01-05,,", "AB2,99,,,,2026-01-05,,"])
    status, report = run_job(
        spark, contract_file, tmp_path / "in", tmp_path / "out", "--max-reject-ratio", "0.4"
    )
    assert status == 7
    assert report["status"] == "FAILED"
    assert report["error"].startswith("1 of 2 rows rejected (ratio 0.5) exceeds --max-reject-ratio 0.4")
    counts = ("rows_read", "rows_passed", "rows_loaded", "rows_rejected")
    assert tuple(report[count] for count in counts) == (2, 1, 0, 1)
    assert not (tmp_path / "out" / "items").exists()
    assert read_table(spark, tmp_path / "out" / "items__rejected", "id") == [("AB2",)]
    assert "pipeline items batch b1 failed: 1 of 2 rows rejected" in capsys.readouterr().err


def test_the_ratio_at_the_limit_passes(spark: SparkSession, contract_file: Path, tmp_path: Path) -> None:
    write_lines(tmp_path / "in", "a.csv", [ITEMS_HEADER, "AB1,1,,,,2026-01-05,,", "AB2,99,,,,2026-01-05,,"])
    status, report = run_job(
        spark, contract_file, tmp_path / "in", tmp_path / "out", "--max-reject-ratio", "0.5"
    )
    counts = (report["rows_loaded"], report["rows_rejected"], report["rejections_by_rule"])
    assert (status, *counts) == (0, 1, 1, {"qty.max": 1})
    assert read_table(spark, tmp_path / "out" / "items", "id") == [("AB1",)]


def test_reruns_are_idempotent(spark: SparkSession, contract_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = [ITEMS_HEADER, "AB1,1,,,,2026-01-05,,", "AB2,1,,,,2026-01-06,,", "AB9,0,,,,2026-01-06,,"]
    write_lines(tmp_path / "day1", "a.csv", first)
    write_lines(tmp_path / "day2", "a.csv", [ITEMS_HEADER, "AB3,3,,,,2026-01-06,,"])
    overwrite = ("--write-mode", "overwrite", "--max-reject-ratio", "1")
    for _ in range(2):
        assert run_job(spark, contract_file, tmp_path / "day1", out, *overwrite)[0] == 0
    assert read_table(spark, out / "items", "id", "day") == [
        ("AB1", dt.date(2026, 1, 5)),
        ("AB2", dt.date(2026, 1, 6)),
    ]
    assert read_table(spark, out / "items__rejected", "id", "_batch_id") == [("AB9", "b1")]
    # Another batch overwrites only the partition it holds (2026-01-06), and the quarantine keeps batch b1.
    assert run_job(spark, contract_file, tmp_path / "day2", out, *overwrite, "--batch-id", "b2")[0] == 0
    assert read_table(spark, out / "items", "id", "day") == [
        ("AB1", dt.date(2026, 1, 5)),
        ("AB3", dt.date(2026, 1, 6)),
    ]
    assert read_table(spark, out / "items__rejected", "id", "_batch_id") == [("AB9", "b1")]
    # Re-running b1 after fixing its bad row removes that batch's quarantined rows.
    write_lines(tmp_path / "day1", "a.csv", first[:3])
    assert run_job(spark, contract_file, tmp_path / "day1", out, *overwrite)[0] == 0
    assert read_table(spark, out / "items__rejected", "id", "_batch_id") == []
    # Without rows of its own, the run leaves a file of none: the quarantine stays readable.
    batch = out / "items__rejected" / "_batch_id=b1"
    assert [part.name[:4] for part in batch.iterdir() if not part.name.startswith(".")] == ["run-"]


def test_a_partitioned_overwrite_that_fails_while_replacing_partitions_says_to_run_the_batch_again(
    spark: SparkSession, contract_file: Path, tmp_path: Path
) -> None:
    """Spark's dynamic overwrite replaces the partitions one by one: a failure between two leaves some
    replaced. Made here by a partition directory nobody may delete, even root (immutable)."""
    out = tmp_path / "out"
    write_lines(tmp_path / "first", "a.csv", [ITEMS_HEADER, "AB1,1,,,,2026-01-05,,", "AB2,2,,,,2026-01-06,,"])
    write_lines(
        tmp_path / "second", "a.csv", [ITEMS_HEADER, "AB3,3,,,,2026-01-05,,", "AB4,4,,,,2026-01-06,,"]
    )
    overwrite = ("--write-mode", "overwrite")
    assert run_job(spark, contract_file, tmp_path / "first", out, *overwrite)[0] == 0
    (blocked,) = (out / "items").glob("_partition_id=20260106")
    if subprocess.run(["chattr", "+i", str(blocked)], capture_output=True, check=False).returncode != 0:
        pytest.skip("this file system cannot make a directory immutable")
    try:
        status, report = run_job(
            spark, contract_file, tmp_path / "second", out, *overwrite, "--batch-id", "b2"
        )
    finally:
        subprocess.run(["chattr", "-i", str(blocked)], check=True)
    assert (status, report["rows_loaded"]) == (9, 0)
    assert report["error"].startswith("writing the loaded rows failed: ")
    assert report["error"].endswith(
        "(some of the load's partitions may already have replaced the table's: run the batch again, which "
        "gives the table the same partitions however often it runs)"
    )
    assert run_job(spark, contract_file, tmp_path / "second", out, *overwrite, "--batch-id", "b2")[0] == 0
    assert read_table(spark, out / "items", "id") == [("AB3",), ("AB4",)]


@pytest.mark.parametrize("mode", ["append", "overwrite"])
def test_a_partitioned_load_without_rows_leaves_no_table_directory_spark_cannot_read(
    spark: SparkSession, contract_file: Path, tmp_path: Path, mode: str
) -> None:
    """Spark would leave a partitioned table that never had a row as a directory without a file."""
    write_lines(tmp_path / "in", "a.csv", [ITEMS_HEADER, "AB1,-1,,,,2026-01-05,,"])
    extra = ("--write-mode", mode, "--max-reject-ratio", "1")
    status, report = run_job(spark, contract_file, tmp_path / "in", tmp_path / "out", *extra)
    assert (status, report["rows_loaded"], report["rows_rejected"]) == (0, 0, 1)
    assert not (tmp_path / "out" / "items").exists()
    assert read_table(spark, tmp_path / "out" / "items__rejected", "id") == [("AB1",)]


def test_append_adds_rows(spark: SparkSession, contract_file: Path, tmp_path: Path) -> None:
    write_lines(tmp_path / "in", "a.csv", [ITEMS_HEADER, "AB1,1,,,,2026-01-05,,"])
    for batch in ("b1", "b2"):
        assert run_job(spark, contract_file, tmp_path / "in", tmp_path / "out", "--batch-id", batch)[0] == 0
    assert read_table(spark, tmp_path / "out" / "items", "id", "_batch_id") == [("AB1", "b1"), ("AB1", "b2")]


def test_json_run_and_empty_files(spark: SparkSession, contract_file: Path, tmp_path: Path) -> None:
    # The first line closes the array the reader parses it in, before the reader's end marker.
    lines = ['{"id":"AB2"},{"x":""}]', "{not json", '{"id": "AB1", "qty": 2, "day": "2026-01-05"}']
    write_lines(tmp_path / "in", "a.json", lines)
    write_lines(tmp_path / "in", "empty.json", [])
    status, report = run_job(
        spark, contract_file, tmp_path / "in", tmp_path / "out", "--max-reject-ratio", "0.7", fmt="json"
    )
    assert status == 0
    assert (report["rows_read"], report["rows_loaded"], report["rejections_by_rule"]) == (
        3,
        1,
        {"record.malformed": 2},
    )
    assert len(report["input_files"]) == 2
    assert read_table(spark, tmp_path / "out" / "items", "id", "qty") == [("AB1", 2)]
    malformed = (
        "record.malformed: the line is not one JSON object with distinct field names (ignoring case): JSON "
        "Lines has one whole object per line, not an array or an object written over several lines"
    )
    assert read_table(spark, tmp_path / "out" / "items__rejected", "id", "_raw_record", "_errors") == [
        (None, line, [malformed]) for line in lines[:2]
    ]


def test_only_empty_files_load_nothing_and_succeed(
    spark: SparkSession, contract_file: Path, tmp_path: Path
) -> None:
    write_lines(tmp_path / "in", "empty.csv", [])
    status, report = run_job(spark, contract_file, tmp_path / "in", tmp_path / "out")
    assert (status, report["status"], report["rows_read"]) == (0, "SUCCEEDED", 0)


@pytest.mark.parametrize(
    "case",
    [
        ("missing", "csv", 4, "no input file matches"),
        ("header", "csv", 5, "CSV header does not match the contract"),
        ("truncated", "parquet", 6, "an input file could not be read"),
        ("wrong_type", "parquet", 5, "column 'qty' is string in file:///"),
    ],
)
def test_input_failures_exit_with_one_clear_line(
    spark: SparkSession,
    contract_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    case: tuple[str, str, int, str],
) -> None:
    setup, fmt, status, message = case
    location = tmp_path / "in"
    if setup == "header":
        write_lines(location, "a.csv", ["id,qty", "AB1,1"])
    elif setup == "truncated":
        spark.createDataFrame([("AB1", 1, dt.date(2026, 1, 5))], "id string, qty bigint, day date").coalesce(
            1
        ).write.parquet(str(location))
        part = next(location.glob("*.parquet"))
        part.write_bytes(part.read_bytes()[:40])
    elif setup == "wrong_type":
        spark.createDataFrame(
            [("AB1", "1", dt.date(2026, 1, 5))], "id string, qty string, day date"
        ).write.parquet(str(location))
    actual_status, report = run_job(spark, contract_file, location, tmp_path / "out", fmt=fmt)
    assert actual_status == status
    assert report["status"] == "FAILED" and message in report["error"]
    error_lines = [
        line for line in capsys.readouterr().err.splitlines() if "pipeline items batch b1 failed" in line
    ]
    assert len(error_lines) == 1 and message in error_lines[0]
    assert not (tmp_path / "out").exists()
    if setup == "wrong_type":  # found, then refused: the report still lists them
        assert report["input_files"] == sorted(part.as_uri() for part in location.glob("*.parquet"))


def test_the_error_line_escapes_line_breaks_in_what_it_quotes(
    spark: SparkSession, contract_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file name may hold a line break, which would split the one line a log reader looks for."""
    location = tmp_path / "in\nput"
    status, report = run_job(spark, contract_file, location, tmp_path / "out")
    assert status == 4 and report["error"].startswith(f"no input file matches {location} (Spark skips")
    error = capsys.readouterr().err.splitlines()[-1]
    assert error.startswith(
        f"pipeline items batch b1 failed: no input file matches {tmp_path}/in\\nput (Spark"
    )


def test_parquet_files_holding_a_decimal_in_two_precisions_of_one_scale_load_read_in_groups(
    spark: SparkSession, tmp_path: Path
) -> None:
    """Spark merges decimal(5,2) and decimal(10,2) into the wider, then cannot read the narrower file's
    32-bit integers as it: the first scan fails, and the files are read again in schema groups."""
    contract = tmp_path / "t.yaml"
    contract.write_text("table: t\ncolumns:\n  - {name: amount, type: NUMERIC}\n")
    for part, precision, value in (("a", 5, "1.25"), ("b", 10, "12345678.25")):
        spark.sql(f"SELECT CAST({value} AS DECIMAL({precision},2)) AS amount").coalesce(1).write.parquet(
            str(tmp_path / "in" / part)
        )
    status, report = run_job(spark, contract, tmp_path / "in", tmp_path / "out", fmt="parquet")
    assert (status, report["rows_read"], report["rows_loaded"]) == (0, 2, 2)
    assert report["input_files"] == sorted(part.as_uri() for part in tmp_path.glob("in/*/*.parquet"))
    assert read_table(spark, tmp_path / "out" / "t", "amount") == [
        (Decimal("1.25"),),
        (Decimal("12345678.25"),),
    ]


def test_a_wrong_type_beside_a_zero_byte_parquet_file_names_the_file_that_has_it(
    spark: SparkSession, contract_file: Path, tmp_path: Path
) -> None:
    """An interrupted writer's zero-byte file has no schema: the search for the file holding the wrong
    type passes over it, though it sorts first."""
    location = tmp_path / "in"
    rows = spark.createDataFrame([("AB1", "1", dt.date(2026, 1, 5))], "id string, qty string, day date")
    rows.coalesce(1).write.parquet(str(location))
    (location / "a-empty.parquet").write_bytes(b"")
    [part] = location.glob("part-*.parquet")
    status, report = run_job(spark, contract_file, location, tmp_path / "out", fmt="parquet")
    assert status == 5
    assert report["error"] == (
        f"input {location} does not match contract 'items': column 'qty' is string in {part.as_uri()}, "
        "which does not convert exactly to INT64"
    )


@pytest.mark.parametrize(
    "beside", ["a file of rows", "files Spark cannot merge", "a column of only nulls", "nothing"]
)
def test_a_parquet_file_without_columns_is_an_empty_file(
    spark: SparkSession, contract_file: Path, tmp_path: Path, beside: str
) -> None:
    """pyarrow writes a table without columns (pandas an empty DataFrame) as a row group of no column, which
    Spark's Parquet reader fails on: beside other files, the first scan fails (the count's, or the reader's
    own, checking that a column of another type holds only nulls) and the files are read again in schema
    groups, without it; alone, there is nothing to read. Either way the report lists it."""
    location = tmp_path / "in"
    location.mkdir()
    day = dt.date(2026, 1, 5)
    expected = {
        "a file of rows": [("AB1", 2)],
        "files Spark cannot merge": [("AB1", 2), ("AB2", 3)],
        "a column of only nulls": [("AB1", 1), ("AB2", 2)],
        "nothing": [],
    }[beside]
    fixtures = Path(__file__).parent / "data"
    if beside == "a column of only nulls":  # pandas' column of None, as Parquet's null type
        (location / "nulls.parquet").write_bytes((fixtures / "null_typed_column.parquet").read_bytes())
    else:
        for (id_, qty), qty_type in zip(expected, ("int", "bigint"), strict=False):
            spark.createDataFrame([(id_, qty, day)], f"id string, qty {qty_type}, day date").coalesce(
                1
            ).write.parquet(str(location / id_))
    columnless = location / "no_columns.parquet"
    columnless.write_bytes((fixtures / "no_columns.parquet").read_bytes())
    status, report = run_job(spark, contract_file, location, tmp_path / "out", fmt="parquet")
    assert (status, report["rows_read"], report["rows_loaded"]) == (0, len(expected), len(expected))
    assert report["input_files"] == sorted(path.as_uri() for path in location.glob("**/*.parquet"))
    table = tmp_path / "out" / "items"  # an empty load writes no file
    assert (read_table(spark, table, "id", "qty") if table.exists() else []) == expected


@pytest.mark.parametrize("pattern", ["", "/*.parquet"])
def test_a_delta_table_is_refused_since_its_files_hold_earlier_versions_too(
    spark: SparkSession, contract_file: Path, tmp_path: Path, pattern: str
) -> None:
    table = tmp_path / "in"
    rows = spark.createDataFrame([("AB1", 1, dt.date(2026, 1, 5))], "id string, qty bigint, day date")
    rows.write.parquet(str(table))
    (table / "_delta_log").mkdir()
    (table / "_delta_log" / "00000000000000000000.json").write_text('{"commitInfo": {}}\n')
    location = f"{table}{pattern}"
    status, report = run_job(spark, contract_file, Path(location), tmp_path / "out", fmt="parquet")
    assert (status, report["status"]) == (2, "FAILED")
    assert report["error"] == (
        f"{location} is a Delta table (it has {table}/_delta_log): its files hold the rows of earlier "
        "versions too, which reading them as parquet files would load; export the current version to files "
        "and read those"
    )
    assert not (tmp_path / "out" / "items").exists()


@pytest.mark.parametrize(("length", "status"), [(245, 0), (246, 2)])
def test_a_table_name_too_long_for_the_local_sinks_directories_is_refused_before_the_input_is_read(
    spark: SparkSession, tmp_path: Path, length: int, status: int
) -> None:
    table = "t" * length
    contract_file = tmp_path / "long.yaml"
    contract_file.write_text(f"table: {table}\ncolumns:\n  - {{name: id, type: STRING}}\n")
    write_lines(tmp_path / "in", "a.csv", ["id", "a"])
    result, report = run_job(spark, contract_file, tmp_path / "in", tmp_path / "out")
    assert result == status
    if status:
        assert report["input_files"] == []  # refused before the input was listed
        assert report["error"] == (
            f"the local sink writes the table {table} to directories named after it, and {table}__rejected "
            "has 256 characters, more than the 255 a local file system allows: give the contract a shorter "
            "table name, or an --output-path in Cloud Storage (gs://)"
        )
    else:
        assert read_table(spark, tmp_path / "out" / table, "id") == [("a",)]


_IN_ORDER = " (a header names the contract's columns in the contract's order, ignoring case)"


def _split_on(shown: str) -> str:
    """The hint naming the delimiter, `shown` as messages quote it."""
    return (
        f"; the header was split on {shown}: if the file separates its fields with another character, "
        "name it with --csv-delimiter"
    )


@pytest.mark.parametrize(
    ("header", "explained"),
    [
        # One column where the contract has several: the file's fields may be separated otherwise.
        ("id", f"its header has 1 column, the contract 8{_IN_ORDER}" + _split_on("','")),
        (
            ITEMS_HEADER.replace(",", "|"),
            f"its header has 1 column, the contract 8{_IN_ORDER}" + _split_on("','"),
        ),
        ("id,qty", f"its header has 2 columns, the contract 8{_IN_ORDER}"),
        ("qty" + ITEMS_HEADER.removeprefix("id,qty"), f"its header has 7 columns, the contract 8{_IN_ORDER}"),
        (
            ITEMS_HEADER.replace("id,qty", "qty,id"),
            f"its header names 'qty' where the contract has 'id'{_IN_ORDER}",
        ),
        (
            ITEMS_HEADER.replace(",day,", ", day,"),
            f"its header names ' day' where the contract has 'day'{_IN_ORDER}",
        ),
    ],
)
def test_a_csv_header_unlike_the_contract_is_explained_naming_its_file(
    spark: SparkSession, contract_file: Path, tmp_path: Path, header: str, explained: str
) -> None:
    data = write_lines(tmp_path / "in", "a.csv", [header])
    status, report = run_job(spark, contract_file, tmp_path / "in", tmp_path / "out")
    assert status == 5
    assert report["error"] == f"CSV header does not match the contract: {data.as_uri()}: {explained}"


_BY_NAME = (
    "read as it is: Hadoop decompresses a file by its name's ending, in lower case, so rename it to end in"
)
_UNPACK = "read as it is: Hadoop cannot decompress it, so unpack it"
_NAMED = (
    "; a file named .{} is read as it is: Hadoop decompresses only names ending in .gz, .bz2, .deflate, "
    ".lz4, .snappy, .zst (in lower case), so "
)


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("a.csv.GZ", _NAMED.format("GZ") + "rename it to end in .gz"),
        ("a.csv.zip", _NAMED.format("zip") + "unpack it"),
        ("a.csv.xz", _NAMED.format("xz") + "unpack it"),
        # Named as no compressed file, what it holds tells (its name as Spark's message gives it, a URI).
        ("a.csv", f"; the file holds gzip-compressed data, {_BY_NAME} .gz"),
        ("a b%.csv", f"; the file holds gzip-compressed data, {_BY_NAME} .gz"),
    ],
)
def test_a_compressed_csv_file_that_hadoop_does_not_decompress_gets_that_hint_not_the_delimiters(
    spark: SparkSession, contract_file: Path, tmp_path: Path, name: str, hint: str
) -> None:
    (tmp_path / "in").mkdir()
    data = tmp_path / "in" / name
    data.write_bytes(gzip.compress(f"{ITEMS_HEADER}\nAB1,1,,,,2026-01-05,,red\n".encode()))
    status, report = run_job(spark, contract_file, tmp_path / "in", tmp_path / "out")
    assert status == 5
    assert report["error"].endswith(_IN_ORDER + hint)


def _a_parquet_file(spark: SparkSession, directory: Path) -> bytes:
    spark.createDataFrame([("AB1", 1)], "id string, qty long").coalesce(1).write.parquet(str(directory))
    return next(directory.glob("part-*.parquet")).read_bytes()


# Avro's object container header: its magic, then the schema in its metadata (what follows is not looked at).
_AVRO_HEAD = b"Obj\x01\x04\x16avro.schema"


# Read as text: CSV refuses its header (status 5); JSON would quarantine its bytes as malformed (status 6).
@pytest.mark.parametrize("read_as", [("csv", 5), ("json", 6)])
@pytest.mark.parametrize("written_as", [("a Parquet", "parquet"), ("an Avro", "avro")])
def test_a_parquet_or_avro_file_given_as_text_is_said_to_be_one(
    spark: SparkSession,
    contract_file: Path,
    tmp_path: Path,
    read_as: tuple[str, int],
    written_as: tuple[str, str],
) -> None:
    (fmt, status), (kind, input_format) = read_as, written_as
    (tmp_path / "in").mkdir()
    data = tmp_path / "in" / f"a.{fmt}"
    data.write_bytes(_a_parquet_file(spark, tmp_path / "p") if input_format == "parquet" else _AVRO_HEAD)
    code, report = run_job(
        spark, contract_file, tmp_path / "in", tmp_path / "out", "--max-reject-ratio", "1", fmt=fmt
    )
    problem = (
        f"is {kind} file, read as text: give such files with --input-format {input_format} (the pipeline key "
        "inputFormat)"
    )
    assert code == status
    expected = f"; the file {problem}" if fmt == "csv" else f"input file {data.as_uri()} {problem}"
    assert report["error"].endswith(expected)
    assert not (tmp_path / "out" / "items").exists()


def _zipped(data: bytes) -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("a.json", data)
    return archive.getvalue()


@pytest.mark.parametrize(
    "case",
    [
        ("a.json", gzip.compress, f"gzip-compressed data, {_BY_NAME} .gz"),
        ("a.json.BZ2", bz2.compress, f"bzip2-compressed data, {_BY_NAME} .bz2"),
        ("a.jsonl", _zipped, f"zip-compressed data, {_UNPACK}"),
        ("a.json", lzma.compress, f"xz-compressed data, {_UNPACK}"),
        # Zstandard's magic number before the records: Python has no zstd codec to write a real frame.
        (
            "a.json",
            lambda data: b"\x28\xb5\x2f\xfd\x04\x00" + data,
            "zstd-compressed data, read as it is: decompress it, or compress it with gzip and name it .gz",
        ),
        # Its first record is found among those of many files that have a malformed line too.
        ("zz.json", gzip.compress, f"gzip-compressed data, {_BY_NAME} .gz"),
    ],
)
def test_a_json_file_of_compressed_data_fails_the_run_instead_of_loading_its_bytes_as_records(
    spark: SparkSession, contract_file: Path, tmp_path: Path, case: tuple[str, Callable[[bytes], bytes], str]
) -> None:
    """Read as it is, its bytes would be quarantined as malformed records, and its records lost among them."""
    name, compress, problem = case
    lines = [json.dumps({"id": f"AB{n}", "day": "2026-01-05"}) for n in range(1, 4)]
    write_lines(tmp_path / "in", "good.json", lines)
    if name == "zz.json":
        for index in range(30):
            write_lines(tmp_path / "in", f"m{index:02}.json", [*lines, "not json"])
    compressed = tmp_path / "in" / name
    compressed.write_bytes(compress("\n".join(lines).encode()))
    status, report = run_job(
        spark, contract_file, tmp_path / "in", tmp_path / "out", "--max-reject-ratio", "1", fmt="json"
    )
    assert status == 6
    assert report["error"] == f"input file {compressed.as_uri()} holds {problem}"
    assert not (tmp_path / "out" / "items").exists()


def test_a_csv_file_of_only_a_byte_order_mark_is_said_to_be(
    spark: SparkSession, contract_file: Path, tmp_path: Path
) -> None:
    """Spark reads it as a header of one empty name, where a file of no bytes is empty."""
    write_lines(tmp_path / "in", "a.csv", [ITEMS_HEADER, "AB1,1,,,,2026-01-05,,red"])
    (tmp_path / "in" / "empty.csv").write_bytes(b"")
    marked = tmp_path / "in" / "marked.csv"
    marked.write_bytes(b"\xef\xbb\xbf")
    status, report = run_job(spark, contract_file, tmp_path / "in", tmp_path / "out")
    assert status == 5
    assert report["error"] == (
        f"CSV header does not match the contract: {marked.as_uri()}: its header has 1 column, the contract 8"
        f"{_IN_ORDER}; the file holds nothing but UTF-8's byte-order mark, as some editors save an empty "
        "file: delete it (a file of no bytes at all is read as empty)"
    )
    marked.unlink()
    assert run_job(spark, contract_file, tmp_path / "in", tmp_path / "out")[0] == 0
    # A mark, blank lines, then a header split on another delimiter: the file is not empty.
    marked.write_bytes(b"\xef\xbb\xbf\r\n\r\n" + ITEMS_HEADER.replace(",", ";").encode() + b"\r\n")
    status, report = run_job(spark, contract_file, tmp_path / "in", tmp_path / "out")
    assert status == 5
    assert report["error"].endswith(_split_on("','"))


def test_a_name_without_a_dot_names_no_compression(
    spark: SparkSession, contract_file: Path, tmp_path: Path
) -> None:
    data = write_lines(tmp_path / "in", "GZ", ["id|qty"])
    status, report = run_job(spark, contract_file, tmp_path / "in", tmp_path / "out")
    assert status == 5
    assert report["error"] == (
        f"CSV header does not match the contract: {data.as_uri()}: its header has 1 column, the contract 8"
        + _IN_ORDER
        + _split_on("','")
    )


_UNICODE_TEXT = "save the file as UTF-8 (not UTF-16, Excel's Unicode Text)"


@pytest.mark.parametrize(
    "case",
    [
        # A Windows-1252 header: its undecodable byte reaches Spark as U+FFFD, with no NUL beside it.
        (
            ITEMS_HEADER.replace("id", "\xefd").encode("latin-1") + b"\n",
            (),
            "the header is not UTF-8 text: save the file as UTF-8, or name its encoding with --csv-encoding "
            "(ISO-8859-1, windows-1252)",
        ),
        # Read in the encoding named, a byte windows-1252 leaves undefined.
        (
            ITEMS_HEADER.replace("id", "\x81d").encode("latin-1") + b"\n",
            ("--csv-encoding", "windows-1252"),
            "the header is not windows-1252 text: save the file as UTF-8, or name its encoding with "
            "--csv-encoding (UTF-8, ISO-8859-1)",
        ),
        # Excel's "Unicode Text" is UTF-16: read as UTF-8 or a Western set, its header names hold NULs.
        (
            f"{ITEMS_HEADER}\r\nAB1,1,,,,2026-01-05,,red\r\n".encode("utf-16"),
            (),
            f"the header is not UTF-8 text: {_UNICODE_TEXT}",
        ),
        (
            f"{ITEMS_HEADER}\r\nAB1,1,,,,2026-01-05,,red\r\n".encode("utf-16"),
            ("--csv-encoding", "ISO-8859-1"),
            f"the header is not ISO-8859-1 text: {_UNICODE_TEXT}",
        ),
        # Excel's "CSV UTF-8" starts with a byte-order mark, which another encoding reads as text.
        (
            f"\ufeff{ITEMS_HEADER}\nAB1,1,,,,2026-01-05,,red\n".encode(),
            ("--csv-encoding", "windows-1252"),
            "the file starts with UTF-8's byte-order mark, read as windows-1252: it is UTF-8, so leave out "
            "--csv-encoding (the pipeline key csvEncoding)",
        ),
    ],
    ids=["windows-1252", "undefined-in-windows-1252", "utf-16", "utf-16-as-latin-1", "bom-as-windows-1252"],
)
def test_a_header_that_is_not_text_in_the_runs_encoding_gets_the_encoding_hint(
    spark: SparkSession, contract_file: Path, tmp_path: Path, case: tuple[bytes, tuple[str, ...], str]
) -> None:
    content, options, hint = case
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.csv").write_bytes(content)
    status, report = run_job(spark, contract_file, tmp_path / "in", tmp_path / "out", *options)
    assert status == 5
    assert report["error"].endswith(f"{_IN_ORDER}; {hint}")


def test_a_comma_separated_file_read_with_another_delimiter_fails_its_header_check_with_a_hint(
    spark: SparkSession, contract_file: Path, tmp_path: Path
) -> None:
    data = write_lines(tmp_path / "in", "a.csv", [ITEMS_HEADER, "AB1,1,,,,2026-01-05,,red"])
    status, report = run_job(spark, contract_file, tmp_path / "in", tmp_path / "out", "--csv-delimiter", "|")
    assert status == 5
    assert report["error"] == (
        f"CSV header does not match the contract: {data.as_uri()}: its header has 1 column, the contract 8"
        + _IN_ORDER
        + _split_on("'|'")
    )


def test_a_single_column_header_holding_a_usual_separator_gets_the_hint(
    spark: SparkSession, tmp_path: Path
) -> None:
    contract = tmp_path / "ids.yaml"
    contract.write_text("table: ids\ncolumns:\n  - {name: id, type: STRING}\n")
    data = write_lines(tmp_path / "in", "a.csv", ["id;name", "AB1;x"])
    status, report = run_job(spark, contract, tmp_path / "in", tmp_path / "out", "--csv-delimiter", "\t")
    assert status == 5
    assert report["error"] == (
        f"CSV header does not match the contract: {data.as_uri()}: its header names 'id;name' where the "
        f"contract has 'id'{_IN_ORDER}" + _split_on(r'"\t"')
    )


def test_a_pipe_separated_run_loads_and_quarantines_naming_the_delimiter(
    spark: SparkSession, contract_file: Path, tmp_path: Path
) -> None:
    records = ['AB1|1|2,5||||x|"red|dark"', 'AB2|2|||true|2026-01-05||"red"', "AB3|3"]
    write_lines(tmp_path / "in", "a.csv", [ITEMS_HEADER.replace(",", "|"), *records])
    options = ("--csv-delimiter", "|", "--max-reject-ratio", "1")
    status, report = run_job(spark, contract_file, tmp_path / "in", tmp_path / "out", *options)
    assert (status, report["rows_loaded"], report["rows_rejected"]) == (0, 1, 2)
    assert read_table(spark, tmp_path / "out" / "items", "id", "flag", "color") == [("AB2", True, "red")]
    quarantine = read_table(spark, tmp_path / "out" / "items__rejected", "id", "price", "color", "_errors")
    malformed = "the record does not have exactly the header's fields (RFC 4180, fields separated by '|')"
    assert quarantine == [
        (
            "AB1",
            "2,5",
            "red|dark",
            [
                # A comma is data in a pipe-separated file; a quoted field keeps its pipe.
                "price.type: '2,5' is not a valid NUMERIC",
                "day.required: a value is required",
                "at.type: 'x' is not a valid TIMESTAMP",
                "color.allowed: 'red|dark' is not one of 'red', 'blue'",
            ],
        ),
        ("AB3", None, None, [f"record.malformed: {malformed}"]),
    ]
    raw = read_table(spark, tmp_path / "out" / "items__rejected", "id", "_raw_record")
    assert raw == [("AB1", None), ("AB3", "AB3|3")]


def test_csv_null_markers_make_a_field_null(spark: SparkSession, contract_file: Path, tmp_path: Path) -> None:
    write_lines(
        tmp_path / "in",
        "a.csv",
        [
            ITEMS_HEADER,
            r"AB1,\N,NULL,\N,\N,2026-01-05,NULL,NULL",
            r'AB2,"\N",1,NULL,NULL,2026-01-05,\N,red',
            r"\N,2,\N,\N,\N,2026-01-05,\N,red",
            r"AB3, NULL,\N,\N,\N,2026-01-05,\N,red",
            r"AB4,null,\N,\N,\N,2026-01-05,\N,red",
            # A CRLF line break's \r is taken off the last field before it is compared.
            r"AB5,3,\N,\N,\N,2026-01-05,\N,NULL" + "\r",
        ],
    )
    markers = (r"--csv-null-marker=\N", "--csv-null-marker", "NULL", "--max-reject-ratio", "1")
    status, report = run_job(spark, contract_file, tmp_path / "in", tmp_path / "out", *markers)
    assert (status, report["rows_loaded"], report["rows_rejected"]) == (0, 3, 3)
    assert read_table(spark, tmp_path / "out" / "items", "id", "qty", "price", "flag", "color") == [
        ("AB1", None, None, None, None),
        ("AB2", None, Decimal(1), None, "red"),
        ("AB5", 3, None, None, None),
    ]
    quarantine = read_table(spark, tmp_path / "out" / "items__rejected", "id", "qty", "_errors")
    assert quarantine == [
        # Markers compare exactly: with a space, or in another case, they are values.
        ("AB3", " NULL", ["qty.type: ' NULL' is not a valid INT64"]),
        ("AB4", "null", ["qty.type: 'null' is not a valid INT64"]),
        (None, "2", ["id.required: a value is required"]),
    ]


_TOO_FEW_FIELDS = ["record.malformed: the record does not have exactly the header's fields (RFC 4180)"]


@pytest.mark.parametrize(
    ("markers", "loaded", "rejected"),
    [
        # No marker: an empty field is null, quoted or not.
        (
            (),
            [("E1", None, "x", None), ("E3", "n", "x", None)],
            [("E2", None, None, ["code.required: a value is required"]), ("M1", "x", None, _TOO_FEW_FIELDS)],
        ),
        # With markers, an empty field is an empty text, as in BigQuery's CSV loads: a STRING's value, and
        # another type's error (a last field left empty by a CRLF line break's \r too)...
        (
            (r"--csv-null-marker=\N",),
            [("E2", "", "", 1)],
            [
                ("E1", "", "x", ["qty.type: '' is not a valid INT64"]),
                ("E3", "n", "x", ["qty.type: '' is not a valid INT64"]),
                ("M1", "x", None, _TOO_FEW_FIELDS),  # a malformed record keeps the fields it has
            ],
        ),
        # ...unless the empty text is a marker too.
        (
            (r"--csv-null-marker=\N", "--csv-null-marker="),
            [("E1", None, "x", None), ("E3", "n", "x", None)],
            [("E2", None, None, ["code.required: a value is required"]), ("M1", "x", None, _TOO_FEW_FIELDS)],
        ),
    ],
)
def test_an_empty_csv_field_is_null_only_without_markers_or_when_the_empty_text_is_one(
    spark: SparkSession,
    tmp_path: Path,
    markers: tuple[str, ...],
    loaded: list[tuple[object, ...]],
    rejected: list[tuple[object, ...]],
) -> None:
    contract = tmp_path / "codes.yaml"
    columns = [
        {"name": "id", "type": "STRING", "mode": "REQUIRED"},
        {"name": "note", "type": "STRING"},
        {"name": "code", "type": "STRING", "mode": "REQUIRED"},
        {"name": "qty", "type": "INT64"},
    ]
    contract.write_text(yaml.safe_dump({"table": "codes", "columns": columns}), encoding="utf-8")
    write_lines(tmp_path / "in", "a.csv", ["id,note,code,qty", "E1,,x,", 'E2,"","",1', "E3,n,x,\r", "M1,x"])
    status, report = run_job(
        spark, contract, tmp_path / "in", tmp_path / "out", *markers, "--max-reject-ratio", "1"
    )
    assert (status, report["rows_loaded"], report["rows_rejected"]) == (0, len(loaded), len(rejected))
    assert read_table(spark, tmp_path / "out" / "codes", "id", "note", "code", "qty") == loaded
    assert (
        read_table(spark, tmp_path / "out" / "codes__rejected", "id", "note", "code", "_errors") == rejected
    )


def _run_on(found: str, how_far: str) -> list[str]:
    return [
        f"record.malformed: {found}: a quote that is never closed takes in the lines after it, {how_far} of "
        "the file, records included; close the quote"
    ]


def _to_the_end(column: str, line_breaks: int) -> list[str]:
    return _run_on(
        f"its last field, '{column}', ends with a line break and holds {line_breaks} line break(s)",
        "to the end",
    )


def _to_a_later_quote(column: str) -> list[str]:
    return _run_on(f"its field '{column}' starts with a quote and holds a line break", "up to a later quote")


@pytest.mark.parametrize(("last", "type_"), [("note", "STRING"), ("qty", "INT64")])
def test_a_quote_never_closed_rejects_its_record_instead_of_loading_the_records_after_it_as_its_value(
    spark: SparkSession, tmp_path: Path, last: str, type_: str
) -> None:
    contract = tmp_path / "notes.yaml"
    columns = [{"name": "id", "type": "STRING", "mode": "REQUIRED"}, {"name": last, "type": type_}]
    contract.write_text(yaml.safe_dump({"table": "notes", "columns": columns}), encoding="utf-8")
    (tmp_path / "in").mkdir()
    files = {
        # A value quoted across lines on purpose loads; one whose quote is never closed takes in the records
        # after it, which would otherwise load as one value of the last field, to the end of the file...
        "a.csv": f'id,{last}\nA1,1\nA2,"2\n3"\nA3,"4\nA4,5\nA5,6\n',
        "b.csv": f'id,{last}\r\nB1,"7\r\nB2,8\r\n',
        # ...or up to a later quote, in any field, the opening quote then kept in the value.
        "c.csv": f'id,{last}\nC1,"7\nC2,8\nC3,"9"\nC4,10\n',
        "d.csv": f'id,{last}\n"D1\nD2,8\n"D3",11\n',
        # A value that truly ends with a line break inside its quotes is rejected too, the reason saying why.
        "e.csv": f'id,{last}\nE1,"9\n"\n',
    }
    for name, text in files.items():
        (tmp_path / "in" / name).write_bytes(text.encode())
    status, report = run_job(spark, contract, tmp_path / "in", tmp_path / "out", "--max-reject-ratio", "1")
    # A2's value is a valid STRING, not a valid INT64.
    two_lines_loaded = type_ == "STRING"
    assert (status, report["rows_read"], report["rows_loaded"]) == (0, 8, 3 if two_lines_loaded else 2)
    assert report["rejections_by_rule"] == {"record.malformed": 5} | (
        {} if two_lines_loaded else {"qty.type": 1}
    )
    quarantine = read_table(spark, tmp_path / "out" / "notes__rejected", "id", last, "_errors")
    assert [row for row in quarantine if row[0] != "A2"] == [
        ('"D1\nD2,8\n"D3"', "11", _to_a_later_quote("id")),
        ("A3", "4\nA4,5\nA5,6\n", _to_the_end(last, 3)),
        # Inside quotes, a CRLF file's line breaks are read as \n.
        ("B1", "7\nB2,8\n", _to_the_end(last, 2)),
        ("C1", '"7\nC2,8\nC3,"9"', _to_a_later_quote(last)),
        ("E1", "9\n", _to_the_end(last, 1)),
    ]


def test_a_read_failure_spark_names_no_file_for_names_the_only_input_file(
    spark: SparkSession, contract_file: Path, tmp_path: Path
) -> None:
    (tmp_path / "in").mkdir()
    compressed = gzip.compress((ITEMS_HEADER + "\n" + "AB1,1,,,,2026-01-05,,\n" * 5000).encode())
    (tmp_path / "in" / "a.csv.gz").write_bytes(compressed[: len(compressed) // 2])
    status, report = run_job(spark, contract_file, tmp_path / "in", tmp_path / "out")
    assert (status, report["error"]) == (
        6,
        f"an input file could not be read: {report['input_files'][0]}: Unexpected end of input stream",
    )
    assert report["input_files"][0].endswith("/in/a.csv.gz")


def test_the_report_of_a_parquet_read_failing_on_one_file_lists_every_input_file(
    spark: SparkSession, contract_file: Path, tmp_path: Path
) -> None:
    """Spark's Parquet reader lists and reads in one call: it fails before the job has the list."""
    location = tmp_path / "in"
    spark.createDataFrame([("AB1", 1, dt.date(2026, 1, 5))], "id string, qty bigint, day date").coalesce(
        1
    ).write.parquet(str(location))
    (location / "z.parquet").write_text(ITEMS_HEADER + "\nAB2,2,,,,2026-01-05,,\n")
    status, report = run_job(spark, contract_file, location, tmp_path / "out", fmt="parquet")
    assert (status, report["input_file_count"]) == (6, 2)
    assert report["input_files"] == sorted(part.as_uri() for part in location.glob("*.parquet"))
    assert report["error"].startswith(f"an input file could not be read: {(location / 'z.parquet').as_uri()}")


def test_a_local_file_whose_name_holds_a_colon_is_named_with_the_remedy(
    spark: SparkSession, contract_file: Path, tmp_path: Path
) -> None:
    write_lines(tmp_path / "in", "items of 2026-01-05T10:00:00.csv", [ITEMS_HEADER])
    status, report = run_job(spark, contract_file, tmp_path / "in", tmp_path / "out")
    assert (status, report["error"]) == (
        6,
        "an input file could not be read: items of 2026-01-05T10:00:00.csv: the local file system cannot "
        "read a file whose name holds ':'; rename it",
    )


def test_the_bigquery_sink_without_its_connector_fails_before_reading_the_input(
    spark: SparkSession, contract_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # No input at all: the connector is looked for before the input is (status 4 otherwise).
    argv = [
        "--input-format",
        "csv",
        "--input-location",
        str(tmp_path / "in"),
        "--contract",
        str(contract_file),
    ]
    argv += ["--sink", "bigquery", "--output-table", "ds.items", "--temp-bucket", "tmp-bucket"]
    assert main([*argv, "--batch-id", "b1"], spark) == 2
    report = json.loads(capsys.readouterr().out)
    assert (report["error"], report["rows_read"], report["input_files"]) == (
        "the BigQuery sink writes through the spark-bigquery connector, which Dataproc's runtimes include "
        "and this Spark lacks: to run locally, use --sink local",
        0,
        [],
    )


@pytest.mark.parametrize(
    ("location", "table"),
    [
        ("items__rejected", "items__rejected"),
        ("items/_partition_id=20260105", "items"),
        ("items__rejected/x", "items__rejected"),
    ],
)
# An output folder named with a glob's characters, which the input location escapes to name it.
@pytest.mark.parametrize(("output", "output_in_a_glob"), [("out", "out"), ("o[1]", r"o\[1\]")])
def test_an_input_inside_a_table_the_run_writes_is_refused_before_spark(
    tmp_path: Path,
    contract_file: Path,
    capsys: pytest.CaptureFixture[str],
    *,
    location: str,
    table: str,
    output: str,
    output_in_a_glob: str,
) -> None:
    input_location = f"{tmp_path}/{output_in_a_glob}/{location}"
    argv = ["--input-format", "parquet", "--input-location", input_location]
    argv += ["--contract", str(contract_file), "--sink", "local", "--output-path", str(tmp_path / output)]
    assert main([*argv, "--batch-id", "b1"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert report["error"] == (
        f"--input-location '{input_location}' and the table '{tmp_path / output / table}' "
        "written under --output-path overlap: a run would read rows it wrote"
    )


@pytest.mark.parametrize("table", ["items", "items__rejected"])
@pytest.mark.parametrize("output", ["out", "o[1]"])  # a table's path is no glob: `o[1]` is not `o1`
def test_a_report_inside_a_table_the_run_writes_is_refused_and_not_saved(
    tmp_path: Path, contract_file: Path, capsys: pytest.CaptureFixture[str], table: str, output: str
) -> None:
    """Among the table's files, a later read of the table would meet it, and an overwrite would remove it."""
    report_path = tmp_path / output / table / "report.json"
    argv = ["--input-format", "csv", "--input-location", str(tmp_path / "in"), "--batch-id", "b1"]
    argv += ["--contract", str(contract_file), "--sink", "local", "--output-path", str(tmp_path / output)]
    assert main([*argv, "--report-path", str(report_path)]) == 2
    report = json.loads(capsys.readouterr().out)
    assert report["error"] == (
        f"--report-path '{report_path}' is inside the table '{tmp_path / output / table}' written under "
        "--output-path: write the report beside the tables"
    )
    assert not (tmp_path / output).exists()


def test_a_bad_contract_fails_before_spark_with_status_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    contract = tmp_path / "broken.yaml"
    contract.write_text(yaml.safe_dump({**ITEMS, "clustering": ["nope"]}))
    argv = ["--input-format", "csv", "--input-location", str(tmp_path / "in"), "--contract", str(contract)]
    argv += ["--sink", "local", "--output-path", str(tmp_path / "out"), "--batch-id", "b1"]
    assert main(argv) == 3
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert (report["pipeline"], report["status"]) == ("broken", "FAILED")
    assert report["error"] == f"{contract}: clustering: column 'nope' is not declared in columns"


def test_written_schema_nullability_matches_the_bigquery_modes(spark: SparkSession, items: Contract) -> None:
    """Non-nullable exactly where the table's mode is REQUIRED, or REPEATED (`_errors`: a list is never
    null, and a rejected row always has reasons)."""
    validated = validate(text_source(spark, items, []), items)
    started = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    for rows, schema in (
        (loaded_rows(validated, items, started, "b1"), items.bigquery_schema()),
        (rejected_rows(validated, items, started, "b1"), items.quarantine_schema()),
    ):
        modes = [(f["name"], f["mode"] in ("REQUIRED", "REPEATED")) for f in schema]
        assert [(field.name, not field.nullable) for field in rows.schema.fields] == modes


def test_written_rows_carry_the_tables_column_descriptions(spark: SparkSession) -> None:
    """The connector takes them into the load's schema, which an overwrite makes the table's."""
    columns = [{**ITEMS["columns"][0], "description": "The item's id."}, *ITEMS["columns"][1:]]
    contract = parse_contract({**ITEMS, "columns": columns}, "items.yaml")
    validated = validate(text_source(spark, contract, []), contract)
    started = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    for rows, schema in (
        (loaded_rows(validated, contract, started, "b1"), contract.bigquery_schema()),
        (rejected_rows(validated, contract, started, "b1"), contract.quarantine_schema()),
    ):
        described = [(field.name, field.metadata.get("description")) for field in rows.schema.fields]
        assert described == [(field["name"], field.get("description")) for field in schema]
    assert described[0] == ("id", "The original value of id, as text.")


def test_a_sink_failure_exits_9_with_one_line(
    spark: SparkSession, contract_file: Path, tmp_path: Path
) -> None:
    write_lines(tmp_path / "in", "a.csv", [ITEMS_HEADER, "AB1,1,,,,2026-01-05,,", "AB2,0,,,,2026-01-05,,"])
    blocker = tmp_path / "out" / "items__rejected"
    blocker.parent.mkdir()
    blocker.write_text("a file where the quarantine's directory should be")
    status, report = run_job(
        spark, contract_file, tmp_path / "in", tmp_path / "out", "--max-reject-ratio", "1"
    )
    assert status == 9
    assert report["error"].startswith("writing the rejected rows failed: ")
    assert (report["rows_read"], report["rows_loaded"], report["rows_rejected"]) == (2, 0, 1)


def test_a_rerun_that_cannot_write_its_loaded_rows_keeps_the_batchs_earlier_rejected_rows(
    spark: SparkSession, contract_file: Path, tmp_path: Path
) -> None:
    """The earlier rejected rows go only once the loaded rows they were checked beside are replaced."""
    out = tmp_path / "out"
    write_lines(tmp_path / "in", "a.csv", [ITEMS_HEADER, "AB1,1,,,,2026-01-05,,", "AB2,0,,,,2026-01-05,,"])
    assert run_job(spark, contract_file, tmp_path / "in", out, "--max-reject-ratio", "0.5")[0] == 0
    shutil.rmtree(out / "items")
    (out / "items").write_text("a file where the table's directory should be")
    write_lines(tmp_path / "in", "a.csv", [ITEMS_HEADER, "AB3,1,,,,2026-01-05,,", "AB4,0,,,,2026-01-05,,"])
    status, report = run_job(spark, contract_file, tmp_path / "in", out, "--max-reject-ratio", "0.5")
    assert status == 9
    assert report["error"].startswith("writing the loaded rows failed: ")
    assert (report["rows_passed"], report["rows_loaded"], report["rows_rejected"]) == (1, 0, 1)
    assert read_table(spark, out / "items__rejected", "id", "_batch_id") == [("AB2", "b1"), ("AB4", "b1")]


def test_a_failure_to_remove_earlier_rejected_rows_after_the_load_counts_the_rows_loaded(
    spark: SparkSession, contract_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def undeletable(*_: object) -> None:
        raise OSError("could not delete run-1")

    monkeypatch.setattr(sinks, "delete_files_before", undeletable)
    write_lines(tmp_path / "in", "a.csv", [ITEMS_HEADER, "AB1,1,,,,2026-01-05,,", "AB2,0,,,,2026-01-05,,"])
    status, report = run_job(
        spark, contract_file, tmp_path / "in", tmp_path / "out", "--max-reject-ratio", "0.5"
    )
    assert (status, report["error"]) == (
        9,
        "removing the rejected rows that earlier runs of the batch left failed: could not delete run-1",
    )
    assert (report["rows_passed"], report["rows_loaded"], report["rows_rejected"]) == (1, 1, 1)
    assert read_table(spark, tmp_path / "out" / "items", "id") == [("AB1",)]


def test_the_reconciliation_counts_the_rows_each_table_is_given_apart_from_those_read(
    spark: SparkSession, items: Contract
) -> None:
    """A row lost between the check and the split between the tables fails the run."""
    rows = [{"id": key, "day": "2026-01-05", SOURCE_FILE: "file:/in/a.csv"} for key in ("AB1", "AB2", "XX")]
    checked = validate(text_source(spark, items, rows), items)
    rejected = checked.where(~is_loaded())
    progress = Progress()
    _count(checked, checked.where(sf.col("id") != "AB2"), rejected, (), progress)
    assert (progress.rows_read, progress.rows_passed, progress.rows_rejected) == (3, 1, 1)
    assert progress.rejections_by_rule == {"id.pattern": 1}
    with pytest.raises(ReconciliationError):
        reconcile(progress)
    _count(checked, checked, rejected, (), progress)
    reconcile(progress)
    assert (progress.rows_read, progress.rows_passed, progress.rows_rejected) == (3, 2, 1)


def test_a_run_that_loses_a_row_fails_the_reconciliation_before_writing_either_table(
    spark: SparkSession, contract_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A row lost between the check and the split between the tables, as a bug there would lose it."""

    def losing_a_row(checked: DataFrame, *_: object) -> DataFrame:
        return checked.where(sf.col("id") != "AB2")

    monkeypatch.setattr(job, "rejecting_duplicates", losing_a_row)
    write_lines(tmp_path / "in", "a.csv", [ITEMS_HEADER, "AB1,1,,,,2026-01-05,,", "AB2,2,,,,2026-01-05,,"])
    status, report = run_job(spark, contract_file, tmp_path / "in", tmp_path / "out")
    assert (status, report["status"]) == (8, "FAILED")
    assert report["error"] == "reconciliation failed: read 2 rows but 1 passed and 0 were rejected"
    assert not (tmp_path / "out" / "items").exists()
    assert not (tmp_path / "out" / "items__rejected").exists()


def test_the_reconciliation_refuses_counts_that_do_not_add_up() -> None:
    reconcile(Progress(rows_read=5, rows_passed=3, rows_rejected=2))
    with pytest.raises(ReconciliationError) as caught:
        reconcile(Progress(rows_read=5, rows_passed=3, rows_rejected=1))
    assert str(caught.value) == "reconciliation failed: read 5 rows but 3 passed and 1 were rejected"
    assert caught.value.exit_code == 8


@pytest.mark.parametrize(
    ("pattern", "shown", "refusal"),
    [
        # In comments mode Python cannot tell where Java's comments end, so only Java checks the pattern; it
        # refuses the space in the repetition.
        ("(?x)^[A-Z]{ 2}$", "'(?x)^[A-Z]{ 2}$'", "Illegal repetition near index 11"),
        # Python reads `[[]` as a class holding `[`, Java as a class left open. The place is counted in the
        # pattern as written (`$`), not as Spark runs it (`\z`, one character longer).
        ("^[A-Z]$[[]", "'^[A-Z]$[[]'", "Unclosed character class near index 9"),
    ],
)
def test_a_pattern_java_cannot_compile_is_a_contract_error(
    spark: SparkSession, tmp_path: Path, pattern: str, shown: str, refusal: str
) -> None:
    columns = [{**ITEMS["columns"][0], "pattern": pattern}, *ITEMS["columns"][1:]]
    contract = tmp_path / "items.yaml"
    contract.write_text(yaml.safe_dump({**ITEMS, "columns": columns}))
    write_lines(tmp_path / "in", "a.csv", [ITEMS_HEADER, "AB1,1,,,,2026-01-05,,"])
    status, report = run_job(spark, contract, tmp_path / "in", tmp_path / "out")
    assert status == 3
    assert report["error"] == (
        f"{contract}: column 'id': pattern {shown} is not a valid Java regular expression: {refusal}"
    )


def test_a_report_path_that_cannot_be_written_stops_the_run_before_any_data(
    spark: SparkSession, contract_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_lines(tmp_path / "in", "a.csv", [ITEMS_HEADER, "AB1,1,,,,2026-01-05,,"])
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the report's directory should be")
    argv = [
        "--input-format", "csv", "--input-location", str(tmp_path / "in"), "--contract", str(contract_file),
        "--sink", "local", "--output-path", str(tmp_path / "out"), "--batch-id", "b1",
        "--report-path", str(blocker / "report.json"),
    ]  # fmt: skip
    with pytest.raises(SystemExit) as exited:
        main(argv, spark)
    assert exited.value.code == 2
    assert f"cannot be created: {blocker} is a file" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_report_that_fails_to_save_after_the_run_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The path was checked before the run; here its directory was replaced by a file in the meantime.
    report = Report(pipeline="items", batch_id="b1", started_at=utc_now(), ended_at=utc_now())
    blocker = tmp_path / "reports"
    blocker.write_text("not a directory")
    assert _save_report(report, str(blocker / "report.json"), None) is False
    assert capsys.readouterr().err.startswith(f"report not written to {blocker / 'report.json'}: ")


def test_a_report_save_that_spark_fails_names_the_java_failure_not_py4js_call(
    spark: SparkSession, capsys: pytest.CaptureFixture[str]
) -> None:
    report = Report(pipeline="items", batch_id="b1", started_at=utc_now(), ended_at=utc_now())
    assert _save_report(report, "s3a://no-such-bucket/r.json", spark) is False
    assert capsys.readouterr().err == (
        "report not written to s3a://no-such-bucket/r.json: Class org.apache.hadoop.fs.s3a.S3AFileSystem not "
        "found\n"
    )


def test_a_remote_report_of_a_run_that_failed_before_spark_started_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A local contract is read before Spark starts: a bad one leaves no file system for a gs:// report."""
    contract = tmp_path / "bad.yaml"
    contract.write_text("table: bad\ncolumns: 5\n")
    argv = [
        "--input-format", "csv", "--input-location", str(tmp_path / "in"), "--contract", str(contract),
        "--sink", "local", "--output-path", str(tmp_path / "out"), "--batch-id", "b1",
        "--report-path", "gs://b/r.json",
    ]  # fmt: skip
    assert main(argv) == 3
    error = f"{contract}: columns: expected a non-empty list of columns, got number 5"
    assert capsys.readouterr().err.splitlines() == [
        "report not written to gs://b/r.json: Spark did not start",
        f"pipeline bad batch b1 failed: {error}",
    ]


def test_a_report_save_failure_without_a_message_is_named_by_its_kind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(report: Report, path: Path) -> None:
        raise PermissionError

    monkeypatch.setattr(cli, "write_report", failing)
    report = Report(pipeline="items", batch_id="b1", started_at=utc_now(), ended_at=utc_now())
    assert _save_report(report, str(tmp_path / "report.json"), None) is False
    assert capsys.readouterr().err == f"report not written to {tmp_path / 'report.json'}: PermissionError\n"


def test_a_failed_rerun_of_a_batch_adds_its_rejected_rows_to_those_of_the_batchs_loaded_rows(
    spark: SparkSession, contract_file: Path, tmp_path: Path
) -> None:
    write_lines(tmp_path / "in", "a.csv", [ITEMS_HEADER, "AB1,1,,,,2026-01-05,,", "AB2,0,,,,2026-01-05,,"])
    status, _ = run_job(spark, contract_file, tmp_path / "in", tmp_path / "out", "--max-reject-ratio", "0.5")
    assert status == 0
    write_lines(tmp_path / "in", "a.csv", [ITEMS_HEADER, "AB3,1,,,,2026-01-05,,", "AB4,0,,,,2026-01-05,,"])
    status, _ = run_job(spark, contract_file, tmp_path / "in", tmp_path / "out", "--max-reject-ratio", "0.4")
    assert status == 7
    # The loaded row of the first run is still there, and so are the rows it was loaded beside.
    assert read_table(spark, tmp_path / "out" / "items", "id", "_batch_id") == [("AB1", "b1")]
    quarantine = read_table(spark, tmp_path / "out" / "items__rejected", "id", "_batch_id")
    assert quarantine == [("AB2", "b1"), ("AB4", "b1")]
    status, _ = run_job(spark, contract_file, tmp_path / "in", tmp_path / "out", "--max-reject-ratio", "0.5")
    assert status == 0
    assert read_table(spark, tmp_path / "out" / "items__rejected", "id", "_batch_id") == [("AB4", "b1")]


@pytest.mark.parametrize(
    ("rows", "status", "loaded", "error"),
    [
        (["AB1,1,,,,2026-01-05,,"], 1, 1, "the report could not be written to {report}"),
        (
            ["AB1,1,,,,2026-01-05,,", "AB2,99,,,,2026-01-05,,"],
            7,
            0,
            "1 of 2 rows rejected (ratio 0.5) exceeds --max-reject-ratio 0.0; nothing was written to the "
            "main table, the rejected rows are in the quarantine",
        ),
    ],
)
def test_a_run_whose_report_cannot_be_saved_fails_and_says_so_on_stdout(
    spark: SparkSession,
    contract_file: Path,
    tmp_path: Path,
    *,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    rows: list[str],
    status: int,
    loaded: int,
    error: str,
) -> None:
    """A run that succeeded fails for want of its report; one that failed keeps its own error and status."""

    def disk_full(report: Report, path: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cli, "write_report", disk_full)
    write_lines(tmp_path / "in", "a.csv", [ITEMS_HEADER, *rows])
    report_path = tmp_path / "report.json"
    argv = [
        "--input-format", "csv", "--input-location", str(tmp_path / "in"), "--contract", str(contract_file),
        "--sink", "local", "--output-path", str(tmp_path / "out"), "--batch-id", "b1",
        "--report-path", str(report_path),
    ]  # fmt: skip
    assert main(argv, spark) == status
    captured = capsys.readouterr()
    report = json.loads(captured.out.strip().splitlines()[-1])
    error = error.format(report=report_path)
    assert (report["status"], report["rows_loaded"], report["error"]) == ("FAILED", loaded, error)
    assert captured.err.splitlines() == [
        f"report not written to {report_path}: [Errno 28] No space left on device",
        f"pipeline items batch b1 failed: {error}",
    ]
    assert (tmp_path / "out" / "items").exists() is bool(loaded)


def test_the_report_names_the_pipeline_by_its_contracts_table_not_the_files_name(
    spark: SparkSession, tmp_path: Path
) -> None:
    contract = tmp_path / "other.yaml"
    contract.write_text(yaml.safe_dump(ITEMS))
    write_lines(tmp_path / "in", "a.csv", [ITEMS_HEADER, "AB1,1,,,,2026-01-05,,"])
    status, report = run_job(spark, contract, tmp_path / "in", tmp_path / "out")
    assert (status, report["pipeline"], report["rows_loaded"]) == (0, "items", 1)


def test_dates_before_the_gregorian_reform_load_as_written(spark: SparkSession, tmp_path: Path) -> None:
    contract = tmp_path / "history.yaml"
    columns = [
        {"name": "event", "type": "STRING", "mode": "REQUIRED"},
        {"name": "day", "type": "DATE"},
        {"name": "at", "type": "TIMESTAMP"},
    ]
    contract.write_text(yaml.safe_dump({"table": "history", "columns": columns}))
    write_lines(tmp_path / "in", "a.csv", ["event,day,at", "armada,1588-07-29,1899-12-31T23:00:00Z"])
    status, report = run_job(spark, contract, tmp_path / "in", tmp_path / "out")
    assert (status, report["rows_loaded"]) == (0, 1)
    loaded = spark.read.parquet(str(tmp_path / "out" / "history"))
    shown = loaded.select(loaded["day"].cast("string"), loaded["at"].cast("string")).collect()
    assert [tuple(row) for row in shown] == [("1588-07-29", "1899-12-31 23:00:00")]


def test_latin1_bytes_in_a_csv_are_quarantined(
    spark: SparkSession, contract_file: Path, tmp_path: Path
) -> None:
    (tmp_path / "in").mkdir()
    latin1 = f"{ITEMS_HEADER}\nAB1,1,,,,2026-01-05,,red\nAB2,1,,,,2026-01-05,,r\xe9d\n".encode("latin-1")
    (tmp_path / "in" / "a.csv").write_bytes(latin1)
    status, report = run_job(
        spark, contract_file, tmp_path / "in", tmp_path / "out", "--max-reject-ratio", "1"
    )
    assert (status, report["rows_loaded"], report["rows_rejected"]) == (0, 1, 1)
    assert report["rejections_by_rule"]["color.encoding"] == 1


@pytest.mark.parametrize(
    ("encoding", "loaded", "rejected"),
    [
        # ISO-8859-1 defines every byte (0x80 is a control character there); windows-1252 has the euro sign
        # at 0x80 and leaves 0x81 undefined, which is rejected naming the encoding.
        ("ISO-8859-1", [("1", "José"), ("2", "\x80uro"), ("3", "\x81x")], []),
        (
            "windows-1252",
            [("1", "José"), ("2", "€uro")],
            [("3", ["name.encoding: '\ufffdx' is not windows-1252"])],
        ),
    ],
)
def test_a_csv_in_a_western_european_encoding_loads_when_named(
    spark: SparkSession,
    tmp_path: Path,
    encoding: str,
    loaded: list[tuple[str, str]],
    rejected: list[tuple[str, list[str]]],
) -> None:
    contract = tmp_path / "people.yaml"
    columns = [{"name": "id", "type": "STRING", "mode": "REQUIRED"}, {"name": "name", "type": "STRING"}]
    contract.write_text(yaml.safe_dump({"table": "people", "columns": columns}), encoding="utf-8")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.csv").write_bytes(b"id,name\n1,Jos\xe9\n2,\x80uro\n3,\x81x\n")
    options = ("--csv-encoding", encoding, "--max-reject-ratio", "1")
    status, _ = run_job(spark, contract, tmp_path / "in", tmp_path / "out", *options)
    assert status == 0
    assert read_table(spark, tmp_path / "out" / "people", "id", "name") == loaded
    assert read_table(spark, tmp_path / "out" / "people__rejected", "id", "_errors") == rejected


def test_a_malformed_json_line_that_is_not_utf8_is_quarantined_as_utf8_text(
    spark: SparkSession, contract_file: Path, tmp_path: Path
) -> None:
    """BigQuery refuses to load a STRING that is not UTF-8: one such line must not block the quarantine."""
    (tmp_path / "in").mkdir()
    good = '{"id": "AB1", "qty": 1, "day": "2026-01-05", "color": "r\xe9d"}'
    lines = good + '\n{"id": "AB2", "color": "r\xe9d" , }\n'
    (tmp_path / "in" / "a.json").write_bytes(lines.encode("cp1252"))
    status, report = run_job(
        spark, contract_file, tmp_path / "in", tmp_path / "out", "--max-reject-ratio", "1", fmt="json"
    )
    assert (status, report["rows_rejected"]) == (0, 2)
    assert report["rejections_by_rule"] == {"color.allowed": 1, "color.encoding": 1, "record.malformed": 1}
    quarantine = spark.read.parquet(str(tmp_path / "out" / "items__rejected"))
    raw = quarantine.where("_raw_record IS NOT NULL").select(sf.hex(sf.col("_raw_record").cast("binary")))
    [[stored]] = raw.collect()
    assert bytes.fromhex(stored).decode("utf-8") == '{"id": "AB2", "color": "r\ufffdd" , }'


def test_a_json_value_holding_half_a_character_is_rejected_not_loaded_as_a_question_mark(
    spark: SparkSession, contract_file: Path, tmp_path: Path
) -> None:
    """An escaped lone surrogate is no character, which BigQuery would refuse: its row is quarantined."""
    lines = [
        r'{"id": "AB1", "day": "2026-01-05", "color": "re\ud83d"}',
        r'{"id": "AB2", "day": "2026-01-05", "qty": "1\udc00"}',
        r'{"id": "AB3", "day": "2026-01-05", "color": "red", "note": "\ud83d"}',
    ]
    write_lines(tmp_path / "in", "a.json", lines)
    options = ("--max-reject-ratio", "1")
    status, report = run_job(spark, contract_file, tmp_path / "in", tmp_path / "out", *options, fmt="json")
    assert (status, report["rows_loaded"], report["rows_rejected"]) == (0, 1, 2)
    quarantine = read_table(spark, tmp_path / "out" / "items__rejected", "id", "_errors")
    assert quarantine == [
        (
            "AB1",
            [
                "color.encoding: 're\ufffd' is not UTF-8",
                "color.allowed: 're\ufffd' is not one of 'red', 'blue'",
            ],
        ),
        ("AB2", ["qty.type: '1\ufffd' is not a valid INT64"]),
    ]


def test_the_report_names_the_columns_no_row_gives_a_value(
    spark: SparkSession, contract_file: Path, tmp_path: Path
) -> None:
    """A JSON field named otherwise than its column (`quantity` for `qty`) would load as nulls unseen."""
    lines = [
        '{"id": "AB1", "quantity": 1, "day": "2026-01-05", "color": "red"}',
        '{"id": "AB2", "quantity": 2, "day": "2026-01-06", "flag": "maybe"}',
    ]
    write_lines(tmp_path / "in", "a.json", lines)
    options = ("--max-reject-ratio", "1")
    status, report = run_job(spark, contract_file, tmp_path / "in", tmp_path / "out", *options, fmt="json")
    assert (status, report["rows_loaded"], report["rows_rejected"]) == (0, 1, 1)
    # `flag` has a value, though not a valid one: only the columns no row gives anything are named.
    assert report["columns_without_values"] == ["qty", "price", "ratio", "at"]


def test_a_required_column_no_row_gives_a_value_is_said_by_its_rejections_not_named_as_lacking_values(
    spark: SparkSession, contract_file: Path, tmp_path: Path
) -> None:
    """Every row is rejected for it already: only the NULLABLE columns, whose absence nothing else shows, are
    named."""
    write_lines(tmp_path / "in", "a.json", ['{"ident": "AB1", "qty": 1, "day": "2026-01-05"}'])
    options = ("--max-reject-ratio", "1")
    status, report = run_job(spark, contract_file, tmp_path / "in", tmp_path / "out", *options, fmt="json")
    assert (status, report["rows_rejected"], report["rejections_by_rule"]) == (0, 1, {"id.required": 1})
    assert report["columns_without_values"] == ["price", "ratio", "flag", "at", "color"]


def test_no_column_is_said_to_lack_values_when_no_row_was_read(
    spark: SparkSession, contract_file: Path, tmp_path: Path
) -> None:
    write_lines(tmp_path / "in", "a.json", [])
    status, report = run_job(spark, contract_file, tmp_path / "in", tmp_path / "out", fmt="json")
    assert (status, report["rows_read"], report["columns_without_values"]) == (0, 0, [])


def test_csv_columns_are_not_watched_for_values_since_the_header_names_them_all(
    spark: SparkSession, contract_file: Path, tmp_path: Path
) -> None:
    write_lines(tmp_path / "in", "a.csv", [ITEMS_HEADER, "AB1,1,,,,2026-01-05,,red"])
    status, report = run_job(spark, contract_file, tmp_path / "in", tmp_path / "out")
    assert (status, report["rows_loaded"], report["columns_without_values"]) == (0, 1, [])


def _no_gcs(named: str = "") -> str:
    return (
        f"this Spark has no file system for gs:// paths{named}: gs:// needs the Cloud Storage connector, "
        "which Dataproc provides; to run locally, use local paths"
    )


def _no_s3a(path: str = "a path given") -> str:
    return (
        f"this Spark has no file system for {path}: its Hadoop connector "
        "(org.apache.hadoop.fs.s3a.S3AFileSystem) is not installed"
    )


@pytest.mark.parametrize(
    ("given", "error"),
    [
        (("--input-location", "gs://no-such-bucket/data/"), _no_gcs()),
        (
            ("--output-path", "gs://no-such-bucket/data/"),
            _no_gcs(" (--output-path 'gs://no-such-bucket/data/')"),
        ),
        (("--input-location", "s3a://no-such-bucket/data/"), _no_s3a()),
        (
            ("--output-path", "s3a://no-such-bucket/data/"),
            _no_s3a("--output-path 's3a://no-such-bucket/data/'"),
        ),
        (
            ("--report-path", "s3a://no-such-bucket/r.json"),
            _no_s3a("--report-path 's3a://no-such-bucket/r.json'"),
        ),
        (  # a file system this Spark has, which refuses the path
            ("--report-path", "hdfs://a:b/r.json"),
            "--report-path 'hdfs://a:b/r.json' cannot be used: Incomplete HDFS URI, no host: hdfs://a:b/r.json",
        ),
    ],
)
def test_a_scheme_this_spark_cannot_read_is_a_usage_error_not_a_corrupt_file(
    *,
    spark: SparkSession,
    contract_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    given: tuple[str, str],
    error: str,
) -> None:
    """Locally there is no Cloud Storage connector: gs:// paths work on Dataproc only. Every path is checked
    before the input is read, so nothing is written."""
    write_lines(tmp_path / "in", "a.csv", [ITEMS_HEADER, "AB1,1,,,,2026-01-05,,"])
    paths = {
        "--input-location": str(tmp_path / "in"),
        "--output-path": str(tmp_path / "out"),
        "--report-path": str(tmp_path / "report.json"),
    }
    option, unreadable = given
    paths[option] = unreadable
    argv = [f"{flag}={path}" for flag, path in paths.items()]
    argv += ["--input-format=csv", f"--contract={contract_file}", "--sink=local", "--batch-id=b1"]
    assert main(argv, spark) == 2
    printed = json.loads(capsys.readouterr().out)
    assert (printed["error"], printed["rows_read"]) == (error, 0)
    if option != "--report-path":
        assert json.loads((tmp_path / "report.json").read_text()) == printed
    assert not (tmp_path / "out").exists()


def test_a_run_caches_a_wide_contracts_rows_in_smaller_batches(spark: SparkSession, tmp_path: Path) -> None:
    """Spark allocates each cached column's buffer for a whole batch: the batches shrink with the columns."""
    columns = [{"name": "id", "type": "STRING", "mode": "REQUIRED"}]
    columns += [{"name": f"c{index}", "type": "STRING"} for index in range(1, 100)]
    contract_file = tmp_path / "wide.yaml"
    contract_file.write_text(yaml.safe_dump({"table": "wide", "columns": columns}))
    header = ",".join(column["name"] for column in columns)
    write_lines(tmp_path / "in", "a.csv", [header, "A" + "," * 99])
    status, report = run_job(spark, contract_file, tmp_path / "in", tmp_path / "out")
    assert (status, report["rows_loaded"]) == (0, 1)
    assert spark.conf.get("spark.sql.inMemoryColumnarStorage.batchSize") == "8184"  # 205 cached columns


def test_the_printed_line_names_at_most_the_logged_number_of_files(
    spark: SparkSession, contract_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """Cloud Logging refuses an entry over 256 KB: the line on stdout names the first files and counts all."""
    for index in (1, 2):
        write_lines(tmp_path / "in", f"{index}.csv", [ITEMS_HEADER, f"AB{index},1,,,,2026-01-05,,"])
    monkeypatch.setattr(report_module, "LOGGED_INPUT_FILES", 1)
    status, saved = run_job(spark, contract_file, tmp_path / "in", tmp_path / "out")
    printed = json.loads(capsys.readouterr().out)
    assert status == 0
    assert (printed["input_file_count"], len(printed["input_files"])) == (2, 1)
    assert (saved["input_file_count"], len(saved["input_files"])) == (2, 2)


def test_the_printed_lines_hold_at_most_the_logged_length_of_error(
    spark: SparkSession, contract_file: Path, tmp_path: Path, capsys: Any
) -> None:
    """A binary file under a CSV prefix gives a "header" of any length, which the error quotes: the logged
    lines must stay within Cloud Logging's entry size, or the failed run would go uncounted."""
    write_lines(tmp_path / "in", "a.csv", ["x" * 300_000 + ITEMS_HEADER.removeprefix("id"), "AB1,1,,,,,,"])
    status, saved = run_job(spark, contract_file, tmp_path / "in", tmp_path / "out")
    captured = capsys.readouterr()
    printed = json.loads(captured.out)
    assert status == 5
    assert len(saved["error"]) > 300_000
    assert printed["error"] == saved["error"][:LOGGED_ERROR_CHARS] + (
        f"... ({len(saved['error'])} characters in all)"
    )
    [failed] = [line for line in captured.err.splitlines() if "batch b1 failed" in line]
    assert failed.endswith(f"... ({len(saved['error'])} characters in all)")
    assert len(failed) < LOGGED_ERROR_CHARS + 200


def test_a_contract_given_as_a_uri_is_read_through_sparks_file_systems(
    spark: SparkSession, contract_file: Path, tmp_path: Path
) -> None:
    """As the batch passes it (gs://…): Dataproc places `file_uris` only in the executors' directories.
    Hadoop's `file:` URIs take the same way here."""

    def run_with(contract_uri: str) -> tuple[int, dict[str, Any]]:
        return run_job(spark, contract_uri, tmp_path / "in", tmp_path / "out", "--max-reject-ratio", "1")

    write_lines(tmp_path / "in", "a.csv", [ITEMS_HEADER, "AB1,1,,,,2026-01-05,,", "AB2,x,,,,2026-01-05,,"])
    status, report = run_with(f"file:{contract_file}")
    assert (status, report["pipeline"], report["rows_loaded"], report["rows_rejected"]) == (0, "items", 1, 1)

    missing = f"file:{tmp_path}/missing.yaml"
    status, report = run_with(missing)
    assert status == 3
    assert report["error"] == (
        f"{missing}: cannot read the contract: File file://{tmp_path}/missing.yaml does not exist"
    )

    status, report = run_with("s3a://bucket/items.yaml")  # a file system this Spark has no connector for
    assert status == 2
    assert report["error"].startswith(
        "this Spark has no file system for --contract 's3a://bucket/items.yaml': its Hadoop connector"
    )

    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes(b"table: caf\xe9\n")
    status, report = run_with(f"file:{latin1}")
    assert (status, report["error"]) == (3, f"file:{latin1}: not UTF-8 text (byte 10): save it as UTF-8")


# The message's first line, or its first non-blank one (some Java errors start with a line break).
@pytest.mark.parametrize("message", ["boom\n\tat some.java.Frame", "\n  boom \n\tat some.java.Frame"])
def test_an_unexpected_error_is_status_1_with_one_line(
    spark: SparkSession,
    contract_file: Path,
    tmp_path: Path,
    *,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    message: str,
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError(message)

    monkeypatch.setattr(cli, "run", broken)
    write_lines(tmp_path / "in", "a.csv", [ITEMS_HEADER, "AB1,1,,,,2026-01-05,,"])
    status, report = run_job(spark, contract_file, tmp_path / "in", tmp_path / "out")
    assert (status, report["status"], report["error"]) == (1, "FAILED", "unexpected RuntimeError: boom")
    assert capsys.readouterr().err.splitlines() == [
        "pipeline items batch b1 failed: unexpected RuntimeError: boom"
    ]


@pytest.mark.parametrize(
    "gone",
    [ConnectionRefusedError(111, "Connection refused"), Py4JNetworkError("Answer from Java side is empty")],
)
def test_a_jvm_that_stopped_during_the_run_is_reported_as_such(
    spark: SparkSession,
    contract_file: Path,
    tmp_path: Path,
    *,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    gone: Exception,
) -> None:
    """A driver killed by an OutOfMemoryError leaves py4j without its JVM: not "unexpected", but a run that
    needs more memory."""

    def killed(*_: object) -> None:
        raise gone

    monkeypatch.setattr(cli, "run", killed)
    write_lines(tmp_path / "in", "a.csv", [ITEMS_HEADER, "AB1,1,,,,2026-01-05,,"])
    status, report = run_job(spark, contract_file, tmp_path / "in", tmp_path / "out")
    assert (status, report["status"]) == (1, "FAILED")
    assert report["error"] == (
        f"Spark's JVM stopped during the run ({type(gone).__name__}: its own error, most often "
        "java.lang.OutOfMemoryError, is in the log above). Give the run more memory: spark.driver.memory "
        "and spark.executor.memory (a stack's sparkProperties, or locally "
        "PYSPARK_SUBMIT_ARGS='--driver-memory 4g pyspark-shell')"
    )


def test_the_job_applies_its_settings_to_any_session_it_is_given(
    spark: SparkSession, contract_file: Path, tmp_path: Path
) -> None:
    """On Dataproc the session comes configured by the runtime, not by the job: the run sets what it needs."""
    spark.conf.set("spark.sql.session.timeZone", "America/New_York")
    # Local date-times would drop the offsets; case-sensitive names would refuse the upper-case header.
    spark.conf.set("spark.sql.timestampType", "TIMESTAMP_NTZ")
    spark.conf.set("spark.sql.caseSensitive", "true")
    rows = ["AB1,1,,,,2026-01-05,2026-01-05 10:00:00,", "AB2,1,,,,2026-01-05,2026-01-05 10:00:00+01:00,"]
    write_lines(tmp_path / "in", "a.csv", [ITEMS_HEADER.upper(), *rows])
    status, _ = run_job(spark, contract_file, tmp_path / "in", tmp_path / "out")
    assert status == 0
    assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
    loaded = spark.read.parquet(str(tmp_path / "out" / "items"))
    # Read back in UTC (conftest): the text without an offset is UTC, the other one an hour ahead of it.
    assert {row["id"]: row["at"] for row in loaded.collect()} == {
        "AB1": dt.datetime(2026, 1, 5, 10, 0),
        "AB2": dt.datetime(2026, 1, 5, 9, 0),
    }
