"""Avro input. spark-avro is on Dataproc's runtimes but not in this Spark: the tests that read rows are
marked `cloud`; what the job reads from Avro files itself, their headers, is tested here with Avro's own Java
library, which Spark ships."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession

from spark_jobs.contract import Contract
from spark_jobs.errors import CorruptInputError, SchemaMismatchError, UsageError
from spark_jobs.input_files import list_files
from spark_jobs.readers import read_input
from spark_jobs.typed_reader import _avro_file_schema, _schema_groups

from .conftest import rows_of

CONTRACT_NAMES = frozenset({"id", "qty", "price"})


def write_avro_header(spark: SparkSession, path: Path, fields: list[dict[str, Any]]) -> str:
    """An Avro data file of records with these `fields` and no record: all a header holds."""
    return write_avro_schema(spark, path, {"type": "record", "name": "row", "fields": fields})


def write_avro_schema(spark: SparkSession, path: Path, written: object) -> str:
    """An Avro data file of this schema (as JSON) holding no value."""
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    avro = jvm.org.apache.avro
    schema = getattr(avro, "Schema$Parser")().parse(json.dumps(written))
    writer = avro.file.DataFileWriter(avro.generic.GenericDatumWriter(schema))
    path.parent.mkdir(parents=True, exist_ok=True)
    writer.create(schema, jvm.java.io.File(str(path)))
    writer.close()
    return str(path)


def decimal(precision: int, scale: int) -> dict[str, Any]:
    return {"type": "bytes", "logicalType": "decimal", "precision": precision, "scale": scale}


def test_avro_files_are_grouped_by_the_types_of_the_contract_columns_they_hold(
    spark: SparkSession, tmp_path: Path
) -> None:
    """spark-avro reads all the files of one read with one file's schema: files are read together only when
    the contract's columns have the same types in each (their other columns do not matter)."""
    price_2 = {"name": "price", "type": ["null", decimal(10, 2)]}
    files: dict[str, list[dict[str, Any]]] = {
        "first.avro": [{"name": "id", "type": "string"}, price_2, {"name": "note", "type": "int"}],
        "other extra.avro": [
            {"name": "id", "type": "string"},
            price_2,
            {"name": "tag", "type": "string"},
        ],
        "upper case.avro": [{"name": "ID", "type": "string"}, {**price_2, "name": "Price"}],
        "another scale.avro": [
            {"name": "id", "type": "string"},
            {"name": "price", "type": ["null", decimal(10, 4)]},
        ],
        "no price.avro": [{"name": "id", "type": "string"}, {"name": "note", "type": "int"}],
    }
    schemas = {
        name: _avro_file_schema(spark, write_avro_header(spark, tmp_path / name, fields), CONTRACT_NAMES)
        for name, fields in files.items()
    }
    assert schemas["first.avro"].contract_types == (
        ("id", '"string"'),
        ("price", '["null",{"type":"bytes","logicalType":"decimal","precision":10,"scale":2}]'),
    )
    assert schemas["first.avro"].names == {"id", "price", "note"}
    assert schemas["other extra.avro"].contract_types == schemas["first.avro"].contract_types
    assert schemas["upper case.avro"].contract_types == schemas["first.avro"].contract_types
    assert schemas["another scale.avro"].contract_types != schemas["first.avro"].contract_types
    assert schemas["no price.avro"].contract_types == (("id", '"string"'),)


def test_a_named_type_is_compared_as_the_file_defines_it(spark: SparkSession, tmp_path: Path) -> None:
    """A column may name a type that another column, not in the contract, defined: its definition counts."""

    def money(scale: int) -> list[dict[str, Any]]:
        definition = {"type": "fixed", "name": "Money", "size": 8, "logicalType": "decimal"}
        return [
            {"name": "cost", "type": {**definition, "precision": 18, "scale": scale}},
            {"name": "price", "type": "Money"},
        ]

    cents, basis_points = (
        _avro_file_schema(
            spark, write_avro_header(spark, tmp_path / f"{scale}.avro", money(scale)), CONTRACT_NAMES
        )
        for scale in (2, 4)
    )
    assert cents.contract_types == (
        (
            "price",
            '{"type":"fixed","name":"Money","size":8,"logicalType":"decimal","precision":18,"scale":2}',
        ),
    )
    assert basis_points.contract_types != cents.contract_types


@pytest.mark.parametrize("logical_type", ["time-millis", "time-micros"])
def test_an_avro_time_of_day_in_a_contract_column_is_refused(
    spark: SparkSession, tmp_path: Path, logical_type: str
) -> None:
    """spark-avro reads it as a number, which an INT64 column would load as a count."""
    time_of_day = {"type": "long" if logical_type == "time-micros" else "int", "logicalType": logical_type}
    path = write_avro_header(
        spark,
        tmp_path / "t.avro",
        [{"name": "qty", "type": ["null", time_of_day]}, {"name": "at_noon", "type": time_of_day}],
    )
    with pytest.raises(SchemaMismatchError) as refused:
        _avro_file_schema(spark, path, CONTRACT_NAMES)
    assert str(refused.value) == (
        f"input file {path} has column 'qty' of Avro's {logical_type}, a time of day, which no contract type "
        "holds: write it as a string, or leave it out of the file"
    )
    assert _avro_file_schema(spark, path, frozenset({"id"})).names == {"qty", "at_noon"}
    # On another type, Avro ignores the logical type, and the column is read as that type.
    misplaced = {"name": "qty", "type": {"type": "string", "logicalType": logical_type}}
    assert _avro_file_schema(
        spark, write_avro_header(spark, tmp_path / "s.avro", [misplaced]), CONTRACT_NAMES
    )


def test_a_file_that_holds_no_avro_records_is_refused(spark: SparkSession, tmp_path: Path) -> None:
    text = tmp_path / "orders.avro"
    text.write_text("id,qty\nAB1,1\n")
    with pytest.raises(CorruptInputError) as corrupt:
        _avro_file_schema(spark, str(text), CONTRACT_NAMES)
    assert (
        str(corrupt.value)
        == f"input file {text} is not an Avro data file that can be read: Not an Avro data file"
    )
    strings = write_avro_schema(spark, tmp_path / "strings.avro", "string")
    with pytest.raises(SchemaMismatchError) as not_records:
        _avro_file_schema(spark, strings, CONTRACT_NAMES)
    assert str(not_records.value) == (
        f"input file {strings} holds Avro values of type string, not records: it has no "
        "columns to match to the contract"
    )


def test_avro_without_the_spark_avro_package_says_so(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    """This Spark has no spark-avro package (Dataproc's runtime has it): the run says what is missing."""
    (tmp_path / "in").mkdir()
    with pytest.raises(UsageError) as caught:
        read_input(spark, "avro", str(tmp_path / "in"), items)
    assert str(caught.value) == (
        "reading Avro needs the spark-avro package, which this Spark installation lacks (Dataproc's runtime "
        "has it)"
    )
    assert caught.value.exit_code == 2


@pytest.mark.cloud
def test_avro_is_read_like_parquet(spark: SparkSession, items: Contract, tmp_path: Path) -> None:
    """Needs the spark-avro package (present on Dataproc, not installable offline here)."""
    spark.createDataFrame([("AB1", 3, dt.date(2026, 1, 5))], "id string, qty int, day date").write.format(
        "avro"
    ).save(str(tmp_path / "in"))
    (tmp_path / "in" / "0-zero-bytes.avro").write_bytes(b"")  # listed first, so schema inference meets it
    source = read_input(spark, "avro", str(tmp_path / "in"), items)
    assert rows_of(source.frame, "id", "qty", "day") == [("AB1", 3, dt.date(2026, 1, 5))]
    assert f"file://{tmp_path / 'in' / '0-zero-bytes.avro'}" in source.files


@pytest.mark.cloud
def test_avro_files_of_different_schemas_keep_every_value(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    """Needs spark-avro. Read together, every file would be read with the first one's schema: its missing
    column null in all, the other file's decimals rounded to its scale."""
    spark.createDataFrame(
        [("AB1", Decimal("1.23"), dt.date(2026, 1, 5))], "id string, price decimal(10,2), day date"
    ).write.format("avro").save(str(tmp_path / "in" / "1"))
    spark.createDataFrame(
        [("AB2", 4, Decimal("1.2345"), dt.date(2026, 1, 5))],
        "id string, qty int, price decimal(10,4), day date",
    ).write.format("avro").save(str(tmp_path / "in" / "2"))
    source = read_input(spark, "avro", str(tmp_path / "in"), items)
    assert rows_of(source.frame, "id", "qty", "price") == [
        ("AB1", None, Decimal("1.230000000")),
        ("AB2", 4, Decimal("1.234500000")),
    ]


def test_an_avro_decimal_of_more_than_38_digits_is_refused_naming_its_file(
    spark: SparkSession, tmp_path: Path
) -> None:
    """spark-avro refuses the type as it reads a file's schema, whatever column has it (nested or not)."""
    wide = {"name": "totals", "type": {"type": "array", "items": ["null", decimal(77, 38)]}}
    path = write_avro_header(spark, tmp_path / "a.avro", [{"name": "id", "type": "string"}, wide])
    with pytest.raises(SchemaMismatchError) as refused:
        _avro_file_schema(spark, path, CONTRACT_NAMES)
    assert str(refused.value) == (
        f"input file {path} has a column Spark cannot read (a decimal of precision 77, over Spark's 38, as "
        "in an export of BigQuery's BIGNUMERIC): write that column as another type, or leave it out of the "
        "file"
    )
    exact = {"name": "price", "type": decimal(38, 9)}
    assert _avro_file_schema(spark, write_avro_header(spark, tmp_path / "b.avro", [exact]), CONTRACT_NAMES)
    in_a_map = {"name": "by_day", "type": {"type": "map", "values": decimal(39, 0)}}
    with pytest.raises(SchemaMismatchError, match="a decimal of precision 39"):
        _avro_file_schema(spark, write_avro_header(spark, tmp_path / "c.avro", [in_a_map]), CONTRACT_NAMES)


def test_a_decimal_that_avro_does_not_read_as_one_is_no_decimal(spark: SparkSession, tmp_path: Path) -> None:
    """Avro ignores a decimal logical type that does not fit its type, and reads the bytes: so does Spark."""
    too_wide_for_8_bytes = {
        "type": "fixed",
        "name": "F",
        "size": 8,
        "logicalType": "decimal",
        "precision": 50,
    }
    fields = [
        {"name": "raw", "type": too_wide_for_8_bytes},
        {"name": "note", "type": {"type": "string", "x-info": decimal(60, 0)}},
        {"name": "scaled", "type": {**decimal(50, 0), "scale": 51}},
        {"name": "text", "type": {"type": "string", "logicalType": "decimal", "precision": 50}},
        # 17 bytes hold 40 digits at most, as Avro counts them.
        {"name": "fixed_17", "type": {**too_wide_for_8_bytes, "name": "G", "size": 17, "precision": 41}},
    ]
    path = write_avro_header(spark, tmp_path / "a.avro", fields)
    assert _avro_file_schema(spark, path, CONTRACT_NAMES).names == {
        "raw",
        "note",
        "scaled",
        "text",
        "fixed_17",
    }
    for name, wide in {
        "40 digits in 17 bytes": {**too_wide_for_8_bytes, "size": 17, "precision": 40},
        "no scale, so 0": {"type": "bytes", "logicalType": "decimal", "precision": 39},
    }.items():
        path = write_avro_header(spark, tmp_path / f"{name}.avro", [{"name": "n", "type": wide}])
        with pytest.raises(SchemaMismatchError, match="a decimal of precision"):
            _avro_file_schema(spark, path, CONTRACT_NAMES)


def test_avro_files_are_read_in_one_group_per_set_of_contract_column_types(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    price_2 = {"name": "price", "type": ["null", decimal(10, 2)]}
    files: dict[str, list[dict[str, Any]]] = {
        "1.avro": [{"name": "id", "type": "string"}, price_2],
        "2.avro": [{"name": "id", "type": "string"}, {"name": "qty", "type": "int"}, price_2],
        "3.avro": [
            {"name": "ID", "type": "string"},
            {**price_2, "name": "Price"},
            {"name": "x", "type": "int"},
        ],
        "4.avro": [{"name": "id", "type": "string"}, {"name": "price", "type": decimal(10, 4)}],
        "5.avro": [price_2, {"name": "qty", "type": "int"}, {"name": "id", "type": "string"}],
    }
    for name, fields in files.items():
        write_avro_header(spark, tmp_path / "in" / name, fields)
    (tmp_path / "in" / "6.avro").write_bytes(b"")
    groups, names = _schema_groups(spark, "avro", list_files(spark, str(tmp_path / "in")), items)
    assert [[file.rsplit("/", 1)[1] for file in group] for group in groups] == [
        ["1.avro", "3.avro"],
        ["2.avro", "5.avro"],
        ["4.avro"],
    ]
    assert names == {"id", "qty", "price", "x"}


def test_avro_is_refused_before_its_files_are_looked_at_when_spark_avro_is_missing(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    write_avro_header(spark, tmp_path / "in" / "a.avro", [{"name": "id", "type": "string"}])
    with pytest.raises(UsageError, match="reading Avro needs the spark-avro package"):
        read_input(spark, "avro", str(tmp_path / "in"), items)
