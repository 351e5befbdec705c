"""BigQuery connector options and the batch replacement statement (pure), and the connector call (cloud)."""

from __future__ import annotations

import datetime as dt
import os
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as sf

from spark_jobs import hadoop_fs, sinks
from spark_jobs.contract import SOURCE_FILE, Contract, parse_contract
from spark_jobs.errors import SinkError, UsageError
from spark_jobs.hadoop_fs import _delete_or_fail
from spark_jobs.outputs import loaded_rows, rejected_rows
from spark_jobs.sinks import (
    BigQuerySink,
    LocalSink,
    batch_replacement_sql,
    bigquery_write_options,
    job_labels,
    null_partition_replacement_sql,
    quarantine_write_options,
)

from .conftest import ITEMS, rows_of, text_source, validate

BASE = {
    "table": "sales.items",
    "writeMethod": "indirect",
    "temporaryGcsBucket": "tmp-bucket",
    "intermediateFormat": "parquet",
    "useAvroLogicalTypes": "true",
    "createDisposition": "CREATE_NEVER",
}


def test_overwrite_of_a_partitioned_table_replaces_only_present_partitions(items: Contract) -> None:
    """Without partitioning or clustering options: the connector's temporary table has neither."""
    assert bigquery_write_options(items, "sales.items", "tmp-bucket", "overwrite") == {
        **BASE,
        "spark.sql.sources.partitionOverwriteMode": "DYNAMIC",
    }


def test_overwrite_of_an_unpartitioned_table_keeps_its_clustering(items: Contract) -> None:
    clustered = parse_contract({**ITEMS, "partitioning": None}, "items.yaml")
    assert bigquery_write_options(clustered, "sales.items", "tmp-bucket", "overwrite") == {
        **BASE,
        "clusteredFields": "color",
    }


def test_append_carries_partitioning_and_clustering_without_overwrite_mode(items: Contract) -> None:
    assert bigquery_write_options(items, "sales.items", "tmp-bucket", "append") == {
        **BASE,
        "partitionField": "day",
        "partitionType": "DAY",
        "clusteredFields": "color",
    }


def test_unpartitioned_unclustered_table_gets_only_the_base_options() -> None:
    plain = parse_contract({**ITEMS, "partitioning": None, "clustering": None}, "items.yaml")
    assert bigquery_write_options(plain, "proj.sales.items", "tmp-bucket", "overwrite") == {
        **BASE,
        "table": "proj.sales.items",
    }


def test_hourly_partitions_and_several_cluster_columns() -> None:
    hourly = parse_contract(
        {**ITEMS, "partitioning": {"field": "at", "type": "HOUR"}, "clustering": ["color", "id"]},
        "items.yaml",
    )
    options = bigquery_write_options(hourly, "sales.items", "tmp-bucket", "append")
    assert (options["partitionField"], options["partitionType"], options["clusteredFields"]) == (
        "at",
        "HOUR",
        "color,id",
    )


def test_quarantine_is_appended_by_ingestion_day_clustered_by_batch() -> None:
    assert quarantine_write_options("sales.items", "tmp-bucket") == {
        **BASE,
        "table": "sales.items__rejected",
        "partitionField": "_ingested_at",
        "partitionType": "DAY",
        "clusteredFields": "_batch_id",
        "enableListInference": "true",
    }


def test_batch_replacement_deletes_only_earlier_runs_of_the_batch() -> None:
    assert batch_replacement_sql("proj.sales.items__rejected") == (
        "DELETE FROM `proj.sales.items__rejected` WHERE _batch_id = @batch_id AND _ingested_at < @ingested_at"
    )


def test_null_partition_replacement_deletes_only_earlier_rows_of_the_null_partition() -> None:
    assert null_partition_replacement_sql("proj.sales.items", "at") == (
        "DELETE FROM `proj.sales.items` WHERE `at` IS NULL AND _ingested_at < @ingested_at"
    )


def test_only_an_overwrite_loading_null_partition_rows_replaces_that_partition(
    spark: SparkSession, items: Contract
) -> None:
    hourly = parse_contract({**ITEMS, "partitioning": {"field": "at", "type": "HOUR"}}, "items.yaml")
    started = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    with_null = spark.createDataFrame([(None,), (started,)], "at timestamp")
    without_null = spark.createDataFrame([(started,)], "at timestamp")

    def field(contract: Contract, mode: str, rows: DataFrame) -> str | None:
        return BigQuerySink(contract, "d.t", "b", mode, "b1", started)._null_partition_field(rows)

    assert field(hourly, "overwrite", with_null) == "at"
    assert field(hourly, "overwrite", without_null) is None
    assert field(hourly, "append", with_null) is None
    daily_required = items  # partitioned on `day`, which is REQUIRED
    assert field(daily_required, "overwrite", spark.createDataFrame([(None,)], "day date")) is None


def test_job_labels_name_the_pipeline_and_batch_in_what_label_values_allow() -> None:
    assert job_labels("orders", "orders-dev-1a2b") == {"pipeline": "orders", "batch_id": "orders-dev-1a2b"}
    assert job_labels("Sales_Items", "Nightly.2026-01-05") == {
        "pipeline": "sales_items",
        "batch_id": "nightly_2026-01-05",
    }
    assert job_labels("t", "b" * 128)["batch_id"] == "b" * 63


def row(identifier: str, quantity: str) -> dict[str, str | None]:
    return {"id": identifier, "qty": quantity, "day": "2026-01-05", SOURCE_FILE: "f"}


@pytest.mark.cloud
def test_bigquery_sink_round_trip(spark: SparkSession, items: Contract) -> None:
    """Needs the connector, credentials, PIPELINE_TEST_BUCKET (a staging bucket) and PIPELINE_TEST_TABLE
    (DATASET.TABLE and its __rejected twin, created from the items contract of these tests)."""
    table, bucket = os.environ["PIPELINE_TEST_TABLE"], os.environ["PIPELINE_TEST_BUCKET"]
    batch = f"test-{dt.datetime.now(dt.UTC):%Y%m%d%H%M%S}"
    validated = validate(text_source(spark, items, [row("AB1", "1"), row("AB2", "0")]), items)
    for _ in range(2):  # the second run of the batch replaces the first one's quarantined rows
        started = dt.datetime.now(dt.UTC)
        sink = BigQuerySink(items, table, bucket, "overwrite", batch, started)
        sink.write_rejected(rejected_rows(validated, items, started, batch))
        sink.write_loaded(loaded_rows(validated, items, started, batch))
        sink.replace_earlier_rejected(spark)
    read = spark.read.format("bigquery")
    loaded = read.load(table).where(f"_batch_id = '{batch}'").select("id", "qty").collect()
    rejected = (
        read.load(table + "__rejected").where(f"_batch_id = '{batch}'").select("id", "_errors").collect()
    )
    assert [tuple(row) for row in loaded] == [("AB1", 1)]
    assert [tuple(row) for row in rejected] == [("AB2", ["qty.min: '0' is less than the minimum 1"])]


@pytest.mark.parametrize(
    ("partitioning", "directories"),
    [
        # Months past January and afternoon hours tell the patterns' letters apart (DD, hh).
        ({"field": "day", "type": "DAY"}, ["20260105", "20260106", "20260201"]),
        ({"field": "at", "type": "HOUR"}, ["2026010510", "2026010513", "__HIVE_DEFAULT_PARTITION__"]),
        ({"field": "at", "type": "MONTH"}, ["202601", "__HIVE_DEFAULT_PARTITION__"]),
        ({"field": "day", "type": "YEAR"}, ["2026"]),
    ],
)
def test_local_partition_directories_are_named_by_bigquery_partition_ids(
    spark: SparkSession, tmp_path: Path, partitioning: dict[str, str], directories: list[str]
) -> None:
    contract = parse_contract({**ITEMS, "partitioning": partitioning}, "items.yaml")
    rows = spark.createDataFrame(
        [
            ("AB1", dt.date(2026, 1, 5), dt.datetime(2026, 1, 5, 10, 30)),
            ("AB2", dt.date(2026, 1, 6), dt.datetime(2026, 1, 5, 13, 0)),
            ("AB3", dt.date(2026, 2, 1), None),
        ],
        "id string, day date, at timestamp",
    )
    LocalSink(str(tmp_path), contract, "overwrite", "b1").write_loaded(rows)
    written = sorted(path.name for path in (tmp_path / "items").iterdir() if path.is_dir())
    assert written == [f"_partition_id={name}" for name in directories]


def test_local_timestamps_are_parquets_standard_utc_microseconds(spark: SparkSession, tmp_path: Path) -> None:
    """Not Spark's default INT96, a deprecated type that other readers mishandle."""
    contract = parse_contract({**ITEMS, "partitioning": None}, "items.yaml")
    at = dt.datetime(2026, 1, 5, 10, 30, 0, 123456, tzinfo=dt.UTC)
    LocalSink(str(tmp_path), contract, "append", "b1").write_loaded(
        spark.createDataFrame([("AB1", at)], "id string, at timestamp").coalesce(1)
    )
    [written] = (tmp_path / "items").glob("*.parquet")
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    hadoop = jvm.org.apache.hadoop
    source = jvm.org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(
        hadoop.fs.Path(str(written)), hadoop.conf.Configuration()
    )
    reader = jvm.org.apache.parquet.hadoop.ParquetFileReader.open(source)
    try:
        schema = str(reader.getFooter().getFileMetaData().getSchema())
    finally:
        reader.close()
    assert "optional int64 at (TIMESTAMP(MICROS,true));" in schema
    read_back = spark.read.parquet(str(tmp_path / "items")).select(sf.col("at").cast("string").alias("at"))
    assert rows_of(read_back, "at") == [("2026-01-05 10:30:00.123456",)]


def test_a_failed_overwrite_of_an_unpartitioned_table_keeps_the_table(
    spark: SparkSession, tmp_path: Path
) -> None:
    contract = parse_contract({**ITEMS, "partitioning": None}, "items.yaml")
    sink = LocalSink(str(tmp_path), contract, "overwrite", "b1")
    sink.write_loaded(spark.createDataFrame([("AB1",), ("AB2",)], "id string"))
    # The write fails while its tasks run, after Spark has started writing.
    rows = spark.createDataFrame([("AB3",)], "id string")
    failing = rows.where(sf.assert_true(sf.col("id") == "x").isNull())
    with pytest.raises(Exception, match="is not true"):
        LocalSink(str(tmp_path), contract, "overwrite", "b1").write_loaded(failing)
    assert rows_of(spark.read.parquet(str(tmp_path / "items")), "id") == [("AB1",), ("AB2",)]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["items"]  # the failed run's staging is gone
    sink.write_loaded(spark.createDataFrame([("AB4",)], "id string"))
    assert rows_of(spark.read.parquet(str(tmp_path / "items")), "id") == [("AB4",)]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["items"]


def test_rows_written_but_not_yet_in_place_are_kept_when_the_move_fails(
    spark: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Moving deletes the old table first: the staged rows may then be the only copy."""
    contract = parse_contract({**ITEMS, "partitioning": None}, "items.yaml")

    def fail(spark: SparkSession, source: str, target: str) -> None:
        raise OSError(f"could not move {source} to {target}")

    monkeypatch.setattr(sinks, "replace_path", fail)
    with pytest.raises(OSError, match="could not move"):
        LocalSink(str(tmp_path), contract, "overwrite", "b1").write_loaded(
            spark.createDataFrame([("AB1",)], "id string")
        )
    [staged] = tmp_path.iterdir()
    assert staged.name.startswith(".items.overwrite.run-")
    assert rows_of(spark.read.parquet(str(staged)), "id") == [("AB1",)]


def test_concurrent_runs_stage_in_directories_of_their_own(
    spark: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    contract = parse_contract({**ITEMS, "partitioning": None}, "items.yaml")
    staged: list[str] = []
    monkeypatch.setattr(sinks, "replace_path", lambda spark, source, target: staged.append(source))
    monkeypatch.setattr(sinks, "move_files_into", lambda spark, source, *_: staged.append(source))
    for _ in range(2):
        sink = LocalSink(str(tmp_path), contract, "overwrite", "b1")
        sink.write_loaded(spark.createDataFrame([("AB1",)], "id string"))
        sink.write_rejected(spark.createDataFrame([("AB2", "b1")], "id string, _batch_id string"))
    assert len(set(staged)) == 4
    assert [Path(path).name.split(".run-")[0] for path in staged] == [
        ".items.overwrite",
        ".items.rejected",
    ] * 2


@pytest.mark.parametrize("partitioning", [None, {"field": "day", "type": "DAY"}])
def test_an_append_leaves_a_concurrent_runs_uncommitted_files_alone(
    spark: SparkSession, tmp_path: Path, partitioning: dict[str, str] | None
) -> None:
    """Spark's own append commits through the table's `_temporary` directory and deletes it when done, with
    the files a concurrent append has not committed yet: their rows were lost, and both runs succeeded."""
    contract = parse_contract({**ITEMS, "partitioning": partitioning}, "items.yaml")
    schema = "id string, day date"
    LocalSink(str(tmp_path), contract, "append", "b1").write_loaded(
        spark.createDataFrame([("AB1", dt.date(2026, 1, 5))], schema)
    )
    in_progress = tmp_path / "items" / "_temporary" / "0" / "_temporary" / "attempt_1" / "part-00000.parquet"
    in_progress.parent.mkdir(parents=True)
    in_progress.write_bytes(b"another run's rows")
    started = dt.datetime(2026, 1, 6, tzinfo=dt.UTC)
    LocalSink(str(tmp_path), contract, "append", "b2", started, "cafe0123").write_loaded(
        spark.createDataFrame([("AB2", dt.date(2026, 1, 5)), ("AB3", dt.date(2026, 1, 6))], schema)
    )
    assert in_progress.read_bytes() == b"another run's rows"
    assert rows_of(spark.read.parquet(str(tmp_path / "items")), "id") == [("AB1",), ("AB2",), ("AB3",)]
    # The second run's files are named after it, in the partition directories of their rows.
    second_run = (tmp_path / "items").rglob("run-20260106T000000000000-cafe0123-*")
    directories = {path.parent.name for path in second_run}
    assert directories == (
        {"_partition_id=20260105", "_partition_id=20260106"} if partitioning else {"items"}
    )
    assert sorted(path.name for path in tmp_path.iterdir()) == ["items"]  # the staging directory is gone


def test_names_as_long_as_a_local_file_system_takes_write_and_stage(
    spark: SparkSession, tmp_path: Path
) -> None:
    """The staging directories' names do not grow with the table's and the batch id's (255 bytes at most)."""
    table = "t" * (255 - len("__rejected"))
    contract = parse_contract({**ITEMS, "table": table, "partitioning": None}, "items.yaml")
    batch = "b" * 128
    sink = LocalSink(str(tmp_path), contract, "overwrite", batch)
    sink.write_rejected(spark.createDataFrame([("AB1", batch)], "id string, _batch_id string"))
    sink.write_loaded(spark.createDataFrame([("AB2",)], "id string"))
    assert rows_of(spark.read.parquet(str(tmp_path / f"{table}__rejected")), "id") == [("AB1",)]
    assert rows_of(spark.read.parquet(str(tmp_path / table)), "id") == [("AB2",)]
    assert sorted(path.name for path in tmp_path.iterdir()) == [table, f"{table}__rejected"]


def test_a_batchs_quarantine_is_replaced_by_a_run_that_succeeds_and_added_to_by_one_that_fails(
    spark: SparkSession, tmp_path: Path
) -> None:
    contract = parse_contract(ITEMS, "items.yaml")
    quarantine = str(tmp_path / "items__rejected")

    def run(batch: str, ids: list[str], succeeded: bool) -> LocalSink:
        sink = LocalSink(str(tmp_path), contract, "append", batch)
        sink.write_rejected(
            spark.createDataFrame([(id_, batch) for id_ in ids], "id string, _batch_id string")
        )
        if succeeded:
            sink.replace_earlier_rejected(spark)
        return sink

    def quarantined() -> list[tuple[object, ...]]:
        return rows_of(spark.read.parquet(quarantine), "id", "_batch_id")

    run("b1", ["AB1"], succeeded=True)
    run("b1", ["AB2", "AB3"], succeeded=False)  # a reject ratio over the limit, a failed load, a crash
    assert quarantined() == [("AB1", "b1"), ("AB2", "b1"), ("AB3", "b1")]
    run("b2", ["AB4"], succeeded=True)
    run("b1", ["AB5"], succeeded=True)
    assert quarantined() == [("AB4", "b2"), ("AB5", "b1")]
    run("b1", [], succeeded=False)
    assert quarantined() == [("AB4", "b2"), ("AB5", "b1")]
    run("b1", [], succeeded=True)
    assert quarantined() == [("AB4", "b2")]
    # Two runs of one batch at once: whichever succeeds first, the one that started later keeps its rows.
    for finishing_order in ((0, 1), (1, 0)):
        runs = [run("b2", ["AB6"], succeeded=False), run("b2", ["AB7"], succeeded=False)]
        for index in finishing_order:
            runs[index].replace_earlier_rejected(spark)
        assert quarantined() == [("AB7", "b2")]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["items__rejected"]


def test_a_runs_files_are_named_after_its_start_and_earlier_versions_files_count_as_earlier(
    spark: SparkSession, tmp_path: Path
) -> None:
    contract = parse_contract(ITEMS, "items.yaml")
    batch_directory = tmp_path / "items__rejected" / "_batch_id=b1"
    batch_directory.mkdir(parents=True)
    (batch_directory / "part-00000-old-version.snappy.parquet").write_bytes(b"")
    started = dt.datetime(2026, 1, 5, 10, 0, 0, 123456, tzinfo=dt.UTC)
    sink = LocalSink(str(tmp_path), contract, "append", "b1", started, "cafe0123")
    sink.write_rejected(spark.createDataFrame([("AB1", "b1")], "id string, _batch_id string"))
    sink.replace_earlier_rejected(spark)
    names = sorted(path.name for path in batch_directory.iterdir() if not path.name.startswith("."))
    assert names and all(name.startswith("run-20260105T100000123456-cafe0123-part-") for name in names)


def test_a_failed_write_of_a_batchs_rejected_rows_adds_nothing(spark: SparkSession, tmp_path: Path) -> None:
    contract = parse_contract(ITEMS, "items.yaml")
    sink = LocalSink(str(tmp_path), contract, "append", "b1")
    quarantine = str(tmp_path / "items__rejected")
    sink.write_rejected(spark.createDataFrame([("AB1", "b1")], "id string, _batch_id string"))
    sink.replace_earlier_rejected(spark)
    failing = spark.createDataFrame([("AB2", "b1")], "id string, _batch_id string")
    with pytest.raises(Exception, match="is not true"):
        LocalSink(str(tmp_path), contract, "append", "b1").write_rejected(
            failing.where(sf.assert_true(sf.col("id") == "x").isNull())
        )
    assert rows_of(spark.read.parquet(quarantine), "id", "_batch_id") == [("AB1", "b1")]


class _InterleavedFileSystem:
    """A real Hadoop file system into whose rename or delete of a path named `name...` another run's step
    slips in first (`meanwhile`), as when two runs write one output at once; it refuses (returns false for)
    the renames of the paths whose names `refuses`."""

    def __init__(
        self,
        real: Any,
        operation: str,
        name: str,
        meanwhile: Callable[[], object],
        refuses: Callable[[str], bool],
    ) -> None:
        self._real, self._operation, self._name, self._meanwhile = real, operation, name, meanwhile
        self._refuses = refuses

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._real, attribute)

    def _interleave(self, operation: str, path: Any) -> None:
        if operation == self._operation and str(path.getName()).startswith(self._name):
            self._operation = ""  # once
            self._meanwhile()

    def rename(self, source: Any, target: Any) -> bool:
        self._interleave("rename", source)
        return not self._refuses(str(source.getName())) and bool(self._real.rename(source, target))

    def delete(self, path: Any, recursive: bool) -> bool:
        deleted = bool(self._real.delete(path, recursive))
        self._interleave("delete", path)
        return deleted


def _interleave(
    monkeypatch: pytest.MonkeyPatch,
    operation: str = "",
    name: str = "",
    meanwhile: Callable[[], object] = lambda: None,
    refuses: Callable[[str], bool] = lambda name: False,
) -> None:
    real = hadoop_fs._file_system
    file_system = None

    def interleaved(spark: SparkSession, path: str) -> tuple[Any, Any]:
        nonlocal file_system
        real_file_system, hadoop_path = real(spark, path)
        file_system = file_system or _InterleavedFileSystem(
            real_file_system, operation, name, meanwhile, refuses
        )
        return file_system, hadoop_path

    monkeypatch.setattr(hadoop_fs, "_file_system", interleaved)


def _overwrite_items(spark: SparkSession, output: Path, row_id: str) -> None:
    """An overwrite of an unpartitioned `items` table under `output` with the one row `row_id`."""
    contract = parse_contract({**ITEMS, "partitioning": None}, "items.yaml")
    LocalSink(str(output), contract, "overwrite", row_id).write_loaded(
        spark.createDataFrame([(row_id,)], "id string")
    )


def test_an_overwrite_whose_table_another_run_moved_aside_first_says_so(
    spark: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both runs saw the table; the other moved it aside before this one could (and will put its own in)."""
    _overwrite_items(spark, tmp_path, "AB1")

    def other_run_moves_it_aside() -> None:
        (tmp_path / "items").rename(tmp_path / ".items.overwrite.other.previous")

    _interleave(monkeypatch, "rename", "items", other_run_moves_it_aside)
    with pytest.raises(OSError, match=": another run replaced it meanwhile") as caught:
        _overwrite_items(spark, tmp_path, "AB2")
    [staged] = [p.name for p in tmp_path.iterdir() if p.name.startswith(".items.overwrite.run-")]
    assert str(caught.value).startswith(f"could not move {tmp_path}/{staged} to {tmp_path}/items")
    assert rows_of(spark.read.parquet(str(tmp_path / staged)), "id") == [("AB2",)]  # this run's rows, kept


def test_an_overwrite_that_cannot_take_the_tables_place_keeps_the_previous_table(
    spark: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _overwrite_items(spark, tmp_path, "AB1")
    # Another run's table takes the place between this run's moving the old one aside and moving its own in.
    elsewhere = tmp_path.parent / f"{tmp_path.name}-other"
    _overwrite_items(spark, elsewhere, "AB9")
    during_the_swap: list[str] = []

    def other_run_takes_the_place() -> None:
        during_the_swap.extend(sorted(path.name for path in tmp_path.iterdir()))
        (elsewhere / "items").rename(tmp_path / "items")

    _interleave(monkeypatch, "rename", ".items.overwrite.", other_run_takes_the_place)
    with pytest.raises(OSError, match=": another run replaced it meanwhile"):
        _overwrite_items(spark, tmp_path, "AB2")
    assert rows_of(spark.read.parquet(str(tmp_path / "items")), "id") == [("AB9",)]  # the other run's, whole
    # The old table was out of the way, hidden from readers, named after the run that moved it.
    [staging, aside] = during_the_swap
    assert aside == f"{staging}.previous" and staging.startswith(".items.overwrite.run-")
    [staged] = [path for path in tmp_path.iterdir() if path.name != "items"]  # this run's rows, named
    assert staged.name.startswith(".items.overwrite.run-")
    assert rows_of(spark.read.parquet(str(staged)), "id") == [("AB2",)]

    # The move fails outright: the previous table comes back.
    monkeypatch.undo()

    def staged_rows(name: str) -> bool:
        return name.startswith(".items.overwrite.") and not name.endswith(".previous")

    _interleave(monkeypatch, refuses=staged_rows)
    with pytest.raises(OSError, match="could not move"):
        _overwrite_items(spark, tmp_path, "AB3")
    assert rows_of(spark.read.parquet(str(tmp_path / "items")), "id") == [("AB9",)]
    assert not any(path.name.endswith(".previous") for path in tmp_path.iterdir())


def test_an_overwrite_that_cannot_move_the_old_table_aside_leaves_it(
    spark: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _overwrite_items(spark, tmp_path, "AB1")
    _interleave(monkeypatch, refuses=lambda name: name == "items")
    with pytest.raises(OSError, match=r"could not move .*/items aside to replace it"):
        _overwrite_items(spark, tmp_path, "AB2")
    assert rows_of(spark.read.parquet(str(tmp_path / "items")), "id") == [("AB1",)]


def test_moving_staged_files_in_merges_partition_directories_and_leaves_the_rest(
    spark: SparkSession, tmp_path: Path
) -> None:
    staged, table = tmp_path / ".staged", tmp_path / "table"
    for name in ("a.parquet", "_SUCCESS", ".hidden", "_temporary/0/b.parquet", "p=1/c.parquet"):
        (staged / name).parent.mkdir(parents=True, exist_ok=True)
        (staged / name).write_text(name)
    (table / "p=1").mkdir(parents=True)
    (table / "p=1" / "old.parquet").write_text("old")
    hadoop_fs.move_files_into(spark, str(staged), str(table), "run-1-")
    moved = sorted(str(path.relative_to(table)) for path in table.rglob("[!.]*") if path.is_file())
    assert moved == ["p=1/old.parquet", "p=1/run-1-c.parquet", "run-1-a.parquet"]
    assert not staged.exists()


def test_a_move_that_fails_partway_says_which_files_are_where(spark: SparkSession, tmp_path: Path) -> None:
    staged, table = tmp_path / ".staged", tmp_path / "table"
    for name in ("p=1/a.parquet", "p=2/b.parquet"):
        (staged / name).parent.mkdir(parents=True)
        (staged / name).write_text(name)
    table.mkdir()
    (table / "p=2").write_text("a file where a partition directory should be")
    with pytest.raises(OSError) as caught:
        hadoop_fs.move_files_into(spark, str(staged), str(table), "run-1-")
    message = str(caught.value)
    assert "Exception: " in message and "\n" not in message  # the Java failure, as one line
    assert message.endswith(f"; the files moved before it are in place, the others still in {staged}")
    assert (staged / "p=2" / "b.parquet").exists()


def test_removing_a_batchs_earlier_rejected_rows_keeps_those_a_later_run_moves_in_meanwhile(
    spark: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    contract = parse_contract(ITEMS, "items.yaml")
    earlier = LocalSink(str(tmp_path), contract, "append", "b1", dt.datetime(2026, 1, 5, tzinfo=dt.UTC))
    earlier.write_rejected(spark.createDataFrame([("AB1", "b1")], "id string, _batch_id string"))
    finishing = LocalSink(str(tmp_path), contract, "append", "b1", dt.datetime(2026, 1, 6, tzinfo=dt.UTC))
    later = LocalSink(str(tmp_path), contract, "append", "b1", dt.datetime(2026, 1, 7, tzinfo=dt.UTC))
    rows = spark.createDataFrame([("AB2", "b1")], "id string, _batch_id string")
    _interleave(monkeypatch, "delete", "run-20260105", lambda: later.write_rejected(rows))
    finishing.replace_earlier_rejected(spark)
    quarantine = str(tmp_path / "items__rejected")
    assert rows_of(spark.read.parquet(quarantine), "id", "_batch_id") == [("AB2", "b1")]


def test_an_overwrite_that_can_neither_move_in_nor_put_the_previous_table_back_says_where_it_is(
    spark: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, target = tmp_path / ".staged", tmp_path / "items"
    source.mkdir()
    target.mkdir()
    (target / "old.parquet").write_text("old")
    _interleave(monkeypatch, refuses=lambda name: name in (".staged", ".staged.previous"))
    with pytest.raises(OSError) as caught:
        hadoop_fs.replace_path(spark, str(source), str(target))
    assert str(caught.value) == (
        f"could not move {source} to {target}, nor the previous one back from {source}.previous"
    )
    assert (tmp_path / ".staged.previous" / "old.parquet").read_text() == "old"


def test_a_staged_file_that_cannot_be_moved_is_named_with_where_the_others_are(
    spark: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    staged, table = tmp_path / ".staged", tmp_path / "table"
    for name in ("a.parquet", "b.parquet"):
        (staged / name).parent.mkdir(parents=True, exist_ok=True)
        (staged / name).write_text(name)
    _interleave(monkeypatch, refuses=lambda name: name == "b.parquet")
    with pytest.raises(OSError) as caught:
        hadoop_fs.move_files_into(spark, str(staged), str(table), "run-1-")
    assert str(caught.value) == (
        f"could not move file:{staged}/b.parquet to {table}; the files moved before it are in place, "
        f"the others still in {staged}"
    )
    # Hadoop lists in no set order: a.parquet is moved or still staged, but in one place only.
    staying = {path.name for path in staged.iterdir() if not path.name.startswith(".")}
    moved = {path.name.removeprefix("run-1-") for path in table.iterdir() if not path.name.startswith(".")}
    assert ("b.parquet" in staying, sorted(staying | moved), staying & moved) == (
        True,
        ["a.parquet", "b.parquet"],
        set(),
    )


def test_a_small_text_file_round_trips_through_a_file_uri(spark: SparkSession, tmp_path: Path) -> None:
    """As a gs:// report is saved and a gs:// contract read: through Hadoop, replacing what was there."""
    uri = f"file://{tmp_path}/reports/r.json"
    hadoop_fs.write_text(spark, uri, "first, longer text\n")
    hadoop_fs.write_text(spark, uri, '{"café": 1}\n')
    assert hadoop_fs.read_bytes(spark, uri) == '{"café": 1}\n'.encode()
    assert (tmp_path / "reports" / "r.json").read_text(encoding="utf-8") == '{"café": 1}\n'


class _UndeletableFileSystem:
    """A Hadoop file system whose delete fails as Hadoop's does: by returning false."""

    def delete(self, path: object, recursive: bool) -> bool:
        return False

    def exists(self, path: object) -> bool:
        return path != "gone"


def test_a_delete_that_fails_is_an_error_not_a_silent_no_op() -> None:
    """Else an overwrite's rename would put the new table inside the old one, where readers never look."""
    with pytest.raises(OSError, match="could not delete still-there"):
        _delete_or_fail(_UndeletableFileSystem(), "still-there")
    _delete_or_fail(_UndeletableFileSystem(), "gone")  # nothing left to delete


class _GoogleAPIError(Exception):
    pass


def _fake_bigquery_client(monkeypatch: pytest.MonkeyPatch, refusal: str | None = None) -> list[object]:
    """The client library as the Dataproc runtime ships it (google.cloud.bigquery, google.api_core), faked:
    each statement is recorded with its parameters, or refused with `refusal`."""
    statements: list[object] = []

    class Client:
        def query(self, statement: str, job_config: object) -> types.SimpleNamespace:
            if refusal is not None:
                raise _GoogleAPIError(refusal)
            statements.append((statement, job_config))
            return types.SimpleNamespace(result=lambda: None)

    bigquery = types.SimpleNamespace(
        Client=Client,
        QueryJobConfig=lambda query_parameters, labels: (query_parameters, labels),
        ScalarQueryParameter=lambda *parameter: parameter,
    )
    monkeypatch.setitem(sys.modules, "google.cloud.bigquery", bigquery)
    exceptions = types.SimpleNamespace(GoogleAPIError=_GoogleAPIError)
    monkeypatch.setitem(sys.modules, "google.api_core", types.SimpleNamespace(exceptions=exceptions))
    return statements


def test_the_bigquery_sink_deletes_only_what_earlier_runs_left(
    spark: SparkSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """This run's start and batch id are the statements' parameters; an overwrite that loads rows with a null
    partition field also deletes the null partition's rows of earlier runs."""
    statements = _fake_bigquery_client(monkeypatch)
    monkeypatch.setattr(sinks, "_write_with_connector", lambda *_: None)
    nullable_day = [
        {**column, "mode": "NULLABLE"} if column["name"] == "day" else column for column in ITEMS["columns"]
    ]
    contract = parse_contract({**ITEMS, "columns": nullable_day}, "items.yaml")
    started = dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC)
    sink = BigQuerySink(contract, "d.t", "tmp", "overwrite", "b1", started)
    sink.write_loaded(spark.createDataFrame([("AB1", None)], "id string, day date"))
    sink.replace_earlier_rejected(spark)
    labels = {"pipeline": "items", "batch_id": "b1"}
    assert statements == [
        (null_partition_replacement_sql("d.t", "day"), ([("ingested_at", "TIMESTAMP", started)], labels)),
        (
            batch_replacement_sql("d.t__rejected"),
            ([("ingested_at", "TIMESTAMP", started), ("batch_id", "STRING", "b1")], labels),
        ),
    ]


def _recorded_connector_writes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[dict[str, str], str]]:
    """The connector, faked: each write is recorded as its options and its save mode."""
    writes: list[tuple[dict[str, str], str]] = []

    def record(rows: DataFrame, options: dict[str, str], mode: str) -> None:
        writes.append((options, mode))

    monkeypatch.setattr(sinks, "_write_with_connector", record)
    return writes


def _tables_and_modes(writes: list[tuple[dict[str, str], str]]) -> list[tuple[str, str]]:
    return [(options["table"], mode) for options, mode in writes]


def test_the_connector_loads_carry_the_job_labels(
    spark: SparkSession, items: Contract, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As bigQueryJobLabel.* options (the DELETE statements' labels: see the statements' test below)."""
    writes = _recorded_connector_writes(monkeypatch)
    sink = BigQuerySink(items, "d.t", "b", "append", "Run.1", dt.datetime(2026, 1, 5, tzinfo=dt.UTC))
    sink.write_rejected(spark.createDataFrame([("x",)], "id string"))
    sink.write_loaded(spark.createDataFrame([("y",)], "id string"))
    assert [
        (o["table"], o["bigQueryJobLabel.pipeline"], o["bigQueryJobLabel.batch_id"]) for o, _ in writes
    ] == [
        ("d.t__rejected", "items", "run_1"),
        ("d.t", "items", "run_1"),
    ]


def test_the_bigquery_sink_overwrites_the_table_and_appends_to_the_quarantine(
    spark: SparkSession, items: Contract, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes = _recorded_connector_writes(monkeypatch)
    sink = BigQuerySink(items, "d.t", "tmp", "overwrite", "b1", dt.datetime(2026, 1, 5, tzinfo=dt.UTC))
    rows = spark.createDataFrame([("AB1", dt.date(2026, 1, 5))], "id string, day date")
    sink.write_loaded(rows)
    sink.write_rejected(rows)
    assert _tables_and_modes(writes) == [("d.t", "overwrite"), ("d.t__rejected", "append")]
    # The sink's own write mode reaches the options: a static overwrite would replace every partition.
    loaded_options = writes[0][0]
    assert loaded_options["spark.sql.sources.partitionOverwriteMode"] == "DYNAMIC"
    assert "partitionField" not in loaded_options


def test_an_empty_bigquery_load_replaces_an_unpartitioned_table_and_adds_nothing_otherwise(
    spark: SparkSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As the local sink does: an overwrite with no rows leaves an empty table, not the old one."""
    writes = _recorded_connector_writes(monkeypatch)
    unpartitioned = parse_contract({**ITEMS, "partitioning": None}, "items.yaml")
    empty = spark.createDataFrame([], "id string, day date")
    started = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    BigQuerySink(unpartitioned, "d.t", "tmp", "overwrite", "b1", started).write_loaded(empty)
    appending = BigQuerySink(unpartitioned, "d.t", "tmp", "append", "b1", started)
    appending.write_loaded(empty)
    appending.write_rejected(empty)
    assert _tables_and_modes(writes) == [("d.t", "overwrite")]


def test_a_statement_bigquery_refuses_is_a_sink_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """The client library's errors are the sink's failure (status 9), not an unexpected one (status 1)."""
    _fake_bigquery_client(monkeypatch, refusal="403 Access Denied: Table p:d.t__rejected\nmore detail")
    sink = BigQuerySink(
        parse_contract(ITEMS, "items.yaml"), "d.t", "tmp", "append", "b1", dt.datetime.now(dt.UTC)
    )
    with pytest.raises(SinkError) as caught:
        sink.replace_earlier_rejected(None)  # type: ignore[arg-type]  # the BigQuery sink needs no session
    assert str(caught.value) == (
        "BigQuery refused the statement 'DELETE FROM `d.t__rejected` WHERE _batch_id = @batch_id AND "
        "_ingested_at < @ingested_at': 403 Access Denied: Table p:d.t__rejected"
    )


@pytest.mark.parametrize("client", ["json.no_such_module", "no_such_package.bigquery"])
def test_the_bigquery_client_is_looked_for_before_the_run_reads_its_input(
    monkeypatch: pytest.MonkeyPatch, client: str
) -> None:
    """Dataproc's runtimes have google-cloud-bigquery; a Python without it would fail only after the load."""
    monkeypatch.setattr(sinks, "BIGQUERY_CLIENT", "json.decoder")
    sinks.check_bigquery_client()  # found
    monkeypatch.setattr(sinks, "BIGQUERY_CLIENT", client)
    with pytest.raises(UsageError) as caught:
        sinks.check_bigquery_client()
    assert str(caught.value) == (
        f"the BigQuery sink runs its DELETE statements with the {client} package (google-cloud-bigquery), "
        "which Dataproc's runtimes include and this Python lacks"
    )
