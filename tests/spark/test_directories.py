"""Hive-style directories (`day=2026-01-05/`, as Spark's partitionBy writes them) give their values to the
contract columns the files do not hold, validated like any text value."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession

from spark_jobs.contract import Contract, parse_contract
from spark_jobs.errors import SchemaMismatchError
from spark_jobs.readers import read_input

from .conftest import ITEMS_HEADER, reasons_of, rows_of, validate, write_lines


def checked(
    spark: SparkSession, input_format: str, location: Path, items: Contract
) -> dict[str, tuple[Any, ...]]:
    """Each row's id → its typed day and at, and its reasons."""
    rows = validate(read_input(spark, input_format, str(location), items), items).collect()
    return {row["id"]: (row["day"], row["at"], reasons_of(row)) for row in rows}


def test_parquet_columns_the_files_lack_come_from_directories(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    """Spark escapes `:` in a directory name (`%3A`) and writes a null as __HIVE_DEFAULT_PARTITION__."""
    at = dt.datetime(2026, 1, 5, 10, 30)  # Spark collects timestamps naive, in UTC (conftest)
    frame = spark.createDataFrame(
        [("AB1", dt.date(2026, 1, 5), at), ("AB2", None, None)], "id string, day date, at timestamp"
    )
    frame.write.partitionBy("day", "at").parquet(str(tmp_path / "in"))
    # A directory made by hand, its name in another case, holding a day BigQuery has no literal for.
    spark.createDataFrame([("AB3",)], "id string").write.parquet(str(tmp_path / "in" / "Day=2026-02-30"))
    # Those two columns arrive as text, for the validation to cast; the others in the files' own types.
    assert read_input(spark, "parquet", str(tmp_path / "in"), items).text_columns == {"day", "at"}
    assert checked(spark, "parquet", tmp_path / "in", items) == {
        "AB1": (dt.date(2026, 1, 5), at, []),
        "AB2": (None, None, ["day.required: a value is required"]),
        "AB3": (None, None, ["day.type: '2026-02-30' is not a valid DATE"]),
    }


def test_a_parquet_text_holding_u_fffd_is_a_string_like_any_other_also_with_a_directory_column(
    spark: SparkSession, tmp_path: Path
) -> None:
    """Parquet stores text as text: U+FFFD there is no trace of a failed decoding, as it is in CSV or JSON,
    even when a directory named after the column makes it a column of text for the validation."""
    columns = [{"name": "id", "type": "STRING"}, {"name": "color", "type": "STRING"}]
    contract = parse_contract({"table": "t", "columns": columns}, "t.yaml")
    rows = [("AB1", "caf\ufffd"), ("AB2", None)]
    spark.createDataFrame(rows, "id string, color string").write.parquet(str(tmp_path / "in" / "color=red"))
    other = spark.createDataFrame([("AB3", "\ufffd")], "id string, color string")
    other.write.parquet(str(tmp_path / "in" / "b"))
    source = read_input(spark, "parquet", str(tmp_path / "in"), contract)
    assert source.text_columns == {"color"}
    checked_rows = validate(source, contract).collect()
    assert {row["id"]: (row["color"], reasons_of(row)) for row in checked_rows} == {
        "AB1": ("caf\ufffd", []),
        "AB2": ("red", []),
        "AB3": ("\ufffd", []),
    }


def test_a_directory_named_in_upper_case_alone_fills_its_column(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    spark.createDataFrame([("AB1",)], "id string").write.parquet(str(tmp_path / "in" / "DAY=2026-01-05"))
    assert read_input(spark, "parquet", str(tmp_path / "in"), items).text_columns == {"day"}
    assert checked(spark, "parquet", tmp_path / "in", items) == {"AB1": (dt.date(2026, 1, 5), None, [])}


@pytest.mark.parametrize("other_qty", ["int", "bigint"])
def test_a_parquet_file_value_comes_first_whether_or_not_the_schemas_merge(
    spark: SparkSession, items: Contract, tmp_path: Path, other_qty: str
) -> None:
    """A file holding the column gives its value (null: the directory's); one lacking it, the directory's.
    With qty int in one file and bigint in another, Spark cannot merge the schemas: the files are read in
    groups, with the same result. A file in no such directory and lacking the column has no value."""
    day = dt.date(2026, 1, 7)
    rows = [("AB1", 1, day), ("AB2", 2, None)]
    spark.createDataFrame(rows, "id string, qty int, day date").write.parquet(
        str(tmp_path / "in/day=2026-01-05")
    )
    lacking = spark.createDataFrame([("AB3", 3)], f"id string, qty {other_qty}")
    lacking.write.parquet(str(tmp_path / "in/day=2026-01-06"))
    spark.createDataFrame([("AB4", 4)], f"id string, qty {other_qty}").write.parquet(
        str(tmp_path / "in/other")
    )
    assert checked(spark, "parquet", tmp_path / "in", items) == {
        "AB1": (day, None, []),
        "AB2": (dt.date(2026, 1, 5), None, []),
        "AB3": (dt.date(2026, 1, 6), None, []),
        "AB4": (None, None, ["day.required: a value is required"]),
    }


def test_a_boolean_a_directory_names_stacks_with_a_file_holding_it_when_files_are_read_in_groups(
    spark: SparkSession, tmp_path: Path
) -> None:
    """With id int in one file and bigint in the other, the files are read in schema groups: the column comes
    as text from both (Spark stacks text with numbers or dates as text, but not with booleans)."""
    columns = [{"name": "id", "type": "INT64"}, {"name": "paid", "type": "BOOL"}]
    contract = parse_contract({"table": "t", "columns": columns}, "t.yaml")
    spark.createDataFrame([(1, True)], "id int, paid boolean").write.parquet(str(tmp_path / "in" / "a"))
    spark.createDataFrame([(2,)], "id bigint").write.parquet(str(tmp_path / "in" / "paid=false"))
    rows = validate(read_input(spark, "parquet", str(tmp_path / "in"), contract), contract).collect()
    assert sorted((row["id"], row["paid"], reasons_of(row)) for row in rows) == [
        (1, True, []),
        (2, False, []),
    ]


def test_a_decimal_a_file_holds_for_a_directory_column_keeps_its_written_out_text(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    """The file's value comes first, as text for the validation (Spark's own text would be `1E-9`)."""
    spark.createDataFrame(
        [("AB1", Decimal("0.000000001"), dt.date(2026, 1, 5))], "id string, price decimal(38,9), day date"
    ).write.parquet(str(tmp_path / "in" / "price=5"))
    source = read_input(spark, "parquet", str(tmp_path / "in"), items)
    assert "price" in source.text_columns
    assert rows_of(source.frame, "price") == [("0.000000001",)]


def test_a_directory_value_undoes_escapes_and_keeps_a_stray_percent(
    spark: SparkSession, tmp_path: Path
) -> None:
    columns = [{"name": "id", "type": "STRING"}, {"name": "tag", "type": "STRING"}]
    contract = parse_contract({"table": "t", "columns": columns}, "t.yaml")
    for tag in ("a%2Fb%zz+c", "%C3%BC"):
        spark.createDataFrame([(tag,)], "id string").write.parquet(str(tmp_path / "in" / f"tag={tag}"))
    rows = read_input(spark, "parquet", str(tmp_path / "in"), contract).frame.collect()
    assert {row["id"]: row["tag"] for row in rows} == {"a%2Fb%zz+c": "a/b%zz+c", "%C3%BC": "ü"}


def test_a_json_field_a_line_leaves_out_or_null_comes_from_directories(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    lines = ['{"id": "AB1"}', '{"id": "AB2", "day": null}', '{"id": "AB3", "day": "2026-01-07"}', '{"id"']
    write_lines(tmp_path / "in" / "day=2026-01-05", "part.jsonl", lines)
    write_lines(tmp_path / "in" / "other", "part.jsonl", ['{"id": "AB4"}'])
    day = dt.date(2026, 1, 5)
    malformed = (
        "record.malformed: the line is not one JSON object with distinct field names (ignoring case): JSON "
        "Lines has one whole object per line, not an array or an object written over several lines"
    )
    assert checked(spark, "json", tmp_path / "in", items) == {
        "AB1": (day, None, []),
        "AB2": (day, None, []),
        "AB3": (dt.date(2026, 1, 7), None, []),
        "AB4": (None, None, ["day.required: a value is required"]),
        None: (None, None, [malformed]),  # a line that has no fields gets none from its directory either
    }


def test_csv_takes_every_column_from_its_header(spark: SparkSession, items: Contract, tmp_path: Path) -> None:
    write_lines(tmp_path / "in" / "day=2026-01-05", "part.csv", [ITEMS_HEADER, "AB1,,,,,2026-01-07,,"])
    assert checked(spark, "csv", tmp_path / "in", items) == {"AB1": (dt.date(2026, 1, 7), None, [])}


def test_an_escaped_equals_sign_in_a_directory_name_names_no_column(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    """`day%3D2026-01-05` is a directory's own name, not `day=2026-01-05`: it gives no column its value,
    also when schemas that do not merge (qty int and bigint) have the files read in groups."""
    folder = tmp_path / "in" / "day%3D2026-01-05"
    spark.createDataFrame([("AB1", 1)], "id string, qty int").write.parquet(str(folder))
    spark.createDataFrame([("AB2", 2)], "id string, qty bigint").write.parquet(str(tmp_path / "in" / "other"))
    with pytest.raises(SchemaMismatchError, match="required column 'day' is missing"):
        read_input(spark, "parquet", str(tmp_path / "in"), items)
