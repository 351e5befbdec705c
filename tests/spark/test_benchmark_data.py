"""The benchmark's generated input: every row it breaks is one the job rejects, and no other; and the
straightforward baseline (d) does the same work on it as the job."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from pyspark.sql import SparkSession

from benchmarks.generate_orders import write_orders_csv
from benchmarks.run_benchmark import CONTRACT
from benchmarks.straightforward import run_straightforward
from spark_jobs.contract import load_contract
from tests.spark.test_job import read_table, run_job


def test_generated_breaches_are_exactly_the_rejected_rows(spark: SparkSession, tmp_path: Path) -> None:
    generated = write_orders_csv(tmp_path / "in", rows=400, files=3, bad_share=0.25, seed=11)
    assert 60 < generated.bad_rows < 140, "a quarter of the rows, give or take chance"

    status, report = run_job(spark, CONTRACT, tmp_path / "in", tmp_path / "out", "--max-reject-ratio", "1")

    assert status == 0
    assert report["rows_read"] == 400
    assert report["rows_rejected"] == generated.bad_rows
    broken = Counter(generated.broken_lines)
    columns = load_contract(CONTRACT).column_names
    rejected = read_table(spark, tmp_path / "out" / "orders__rejected", *columns)
    # A duplicate's two copies are one line twice: which copy loses is the job's choice, the line is not.
    assert Counter(",".join(value or "" for value in row) for row in rejected) == broken
    written = Counter(
        line for path in (tmp_path / "in").glob("*.csv") for line in path.read_text().splitlines()[1:]
    )
    unbroken_ids = sorted(line.split(",")[0] for line in (written - broken).elements())
    loaded = read_table(spark, tmp_path / "out" / "orders", "order_id")
    assert loaded == [(order_id,) for order_id in unbroken_ids]
    assert set(report["rejections_by_rule"]) == {
        "order_id.pattern",
        "customer_id.type",
        "amount.min",
        "currency.allowed",
        "order_date.type",
        "order_date.required",
        "primary_key.duplicate",
    }


def test_generation_is_deterministic(tmp_path: Path) -> None:
    first = write_orders_csv(tmp_path / "a", rows=50, files=2, bad_share=0.5)
    second = write_orders_csv(tmp_path / "b", rows=50, files=2, bad_share=0.5)
    assert first == second
    for name in ("orders-000.csv", "orders-001.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_straightforward_baseline_loads_and_rejects_the_rows_the_job_does(
    spark: SparkSession, tmp_path: Path
) -> None:
    write_orders_csv(tmp_path / "in", rows=400, files=3, bad_share=0.25, seed=5)
    contract = load_contract(CONTRACT)
    columns = contract.column_names

    status, report = run_job(spark, CONTRACT, tmp_path / "in", tmp_path / "c", "--max-reject-ratio", "1")
    run_straightforward(spark, tmp_path / "in", contract, tmp_path / "d")

    assert status == 0
    loaded = read_table(spark, tmp_path / "d" / "orders", *columns)
    assert len(loaded) == report["rows_loaded"]
    assert loaded == read_table(spark, tmp_path / "c" / "orders", *columns)
    rejected = read_table(spark, tmp_path / "d" / "orders__rejected", *columns)
    assert len(rejected) == report["rows_rejected"]
    assert rejected == read_table(spark, tmp_path / "c" / "orders__rejected", *columns)
