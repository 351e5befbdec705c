"""What validating every row costs: our template against a no-validation floor and today's common template.

On the same generated CSV and the same local Spark session, in one run:
  (a) floor     read with the contract's typed schema, write Parquet; no validation
  (b) inferred  read with inferSchema=true, write Parquet (what the widely used GCS-to-BigQuery template does)
  (c) template  our job: contract validation, loaded and quarantined rows written as Parquet
  (d) straightforward  the same contract checked the obvious way (see straightforward.py)
Prints c/a, c/b, c/d and d/a, and for each variant the bytes Spark read from the input relative to the input's
size, from the Hadoop file-system statistics Spark reads through (see measure.py).
Usage: `.venv/bin/python -m benchmarks.run_benchmark --rows 3000000`.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from pyspark.sql import SparkSession

from benchmarks.generate_orders import write_orders_csv
from benchmarks.measure import Measurement, measure
from benchmarks.straightforward import run_straightforward
from spark_jobs.casts import typed_schema
from spark_jobs.cli import main as run_template
from spark_jobs.contract import load_contract
from spark_jobs.session import configure

CONTRACT = Path(__file__).with_name("orders_contract.yaml")


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=3_000_000, help="data rows to generate (default 3000000)")
    parser.add_argument("--files", type=int, default=8, help="CSV files to spread them over (default 8)")
    parser.add_argument(
        "--bad-share", type=float, default=0.03, help="share of rows breaking a rule (default 0.03)"
    )
    parser.add_argument(
        "--rounds", type=int, default=5, help="rounds of (a, b, c, d); the fastest counts (default 5)"
    )
    parser.add_argument("--workdir", type=Path, help="where data and outputs go (default: a temp dir)")
    return parser.parse_args(argv)


def _session() -> SparkSession:
    """One session for every variant, with the job's settings from the start (the job applies them to any
    session it is given): every round of every variant runs under the same settings."""
    return configure(
        SparkSession.builder.master("local[*]")
        .appName("ingest-benchmark")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.memory", "6g")
        # The floor's typed CSV read turns an impossible date into null instead of failing the run.
        .config("spark.sql.legacy.timeParserPolicy", "CORRECTED")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )


def _variants(spark: SparkSession, data: Path, out: Path) -> dict[str, Callable[[], object]]:
    contract = load_contract(CONTRACT)
    schema = typed_schema(contract)

    def floor() -> None:
        frame = spark.read.option("header", True).schema(schema).csv(str(data))
        frame.write.mode("overwrite").parquet(str(out / "a"))

    def inferred() -> None:
        frame = spark.read.option("header", True).option("inferSchema", True).csv(str(data))
        frame.write.mode("overwrite").parquet(str(out / "b"))

    def template() -> None:
        status = run_template(
            [
                "--input-format=csv",
                f"--input-location={data}",
                f"--contract={CONTRACT}",
                "--sink=local",
                f"--output-path={out / 'c'}",
                "--write-mode=overwrite",
                "--max-reject-ratio=0.5",
                "--batch-id=benchmark",
            ],
            spark,
        )
        if status != 0:
            raise RuntimeError(f"the template exited with status {status}")

    def straightforward() -> None:
        run_straightforward(spark, data, contract, out / "d")

    return {"a floor": floor, "b inferred": inferred, "c template": template, "d straight": straightforward}


def main(argv: list[str] | None = None) -> None:
    args = _parse(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="ingest-benchmark-"))
    data = workdir / "input"
    shutil.rmtree(data, ignore_errors=True)
    input_size = write_orders_csv(data, args.rows, args.files, args.bad_share).size_bytes
    spark = _session()
    best: dict[str, Measurement] = {}
    for _ in range(args.rounds):
        for label, action in _variants(spark, data, workdir / "output").items():
            result = measure(spark, label, action)
            if label not in best or result.seconds < best[label].seconds:
                best[label] = result
    cores = spark.sparkContext.defaultParallelism
    spark.stop()

    size_mb = input_size / 1e6
    print(f"input: {args.rows} rows, {size_mb:.1f} MB in {args.files} CSV files, {args.bad_share:.0%} bad")
    print(f"machine: {platform.machine()}, {cores} Spark cores, Python {platform.python_version()}")
    for label, result in best.items():
        print(f"{label:<11} {result.seconds:7.2f} s   input read {result.input_bytes / input_size:4.2f} x")
    a, b, c, d = (best[label].seconds for label in ("a floor", "b inferred", "c template", "d straight"))
    print(f"c/a = {c / a:.2f}   c/b = {c / b:.2f}   c/d = {c / d:.2f}   d/a = {d / a:.2f}")


if __name__ == "__main__":
    main()
