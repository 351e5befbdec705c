"""BigQuery-strict casts: each type accepts exactly BigQuery's literals and rejects Spark's looser ones."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest
from pyspark.sql import SparkSession
from pyspark.sql.types import (
    ByteType,
    DataType,
    DecimalType,
    DoubleType,
    FloatType,
    IntegerType,
    LongType,
    ShortType,
    StringType,
    TimestampNTZType,
    TimestampType,
)

from spark_jobs.casts import loads_exactly, strict_cast

CASES: list[tuple[str, str, object]] = [
    ("INT64", "42", 42),
    ("INT64", "-7", -7),
    ("INT64", "+3", 3),
    ("INT64", "9223372036854775807", 2**63 - 1),
    ("INT64", "-9223372036854775808", -(2**63)),
    ("INT64", "9223372036854775808", None),
    ("INT64", "1.5", None),
    ("INT64", "1.0", None),
    ("INT64", "1e3", None),
    ("INT64", " 1", None),
    ("INT64", "12\n", None),
    ("INT64", "", None),
    ("FLOAT64", "1.5", 1.5),
    ("FLOAT64", "-2e3", -2000.0),
    ("FLOAT64", ".5", 0.5),
    ("FLOAT64", "-inf", -math.inf),
    ("FLOAT64", "Infinity", math.inf),
    ("FLOAT64", "-INFINITY", -math.inf),
    ("FLOAT64", "1e400", None),
    ("FLOAT64", "1,5", None),
    ("FLOAT64", "0x10", None),
    ("NUMERIC", "25.50", Decimal("25.5")),
    ("NUMERIC", "-0.123456789", Decimal("-0.123456789")),
    ("NUMERIC", "0.1234567890", Decimal("0.123456789")),
    ("NUMERIC", "0.1234567891", None),
    ("NUMERIC", "9" * 29, Decimal("9" * 29)),
    ("NUMERIC", "1" + "0" * 29, None),
    ("NUMERIC", "1e2", Decimal("100")),
    ("NUMERIC", "1.23456785E7", Decimal("12345678.5")),
    ("NUMERIC", "1.0E-4", Decimal("0.0001")),
    ("NUMERIC", "-9.876e-3", Decimal("-0.009876")),
    ("NUMERIC", "100e-11", Decimal("0.000000001")),
    ("NUMERIC", "1e-10", None),
    ("NUMERIC", "1.5e-9", None),
    ("NUMERIC", "1e29", None),
    ("NUMERIC", "9.99e28", Decimal("99900000000000000000000000000")),
    ("NUMERIC", "e5", None),
    ("NUMERIC", ".e5", None),
    ("NUMERIC", "1e", None),
    ("NUMERIC", "1e99999999999", None),
    ("NUMERIC", "1000000000000e-20", Decimal("0.00000001")),
    ("NUMERIC", "0.000e5", Decimal("0")),
    ("NUMERIC", "0e-20", Decimal("0")),
    ("NUMERIC", "0.0e-20", Decimal("0")),
    ("NUMERIC", ".0e-12", Decimal("0")),
    # Zero with an exponent Spark's own cast fails on (38 and up), and an exponent written with zeros.
    ("NUMERIC", "0e40", Decimal("0")),
    ("NUMERIC", "-0.E+100", Decimal("0")),
    ("NUMERIC", "0e99999999999", None),
    ("NUMERIC", "1e+0000000001", Decimal("10")),
    ("NUMERIC", "1e-00000000010", None),
    ("NUMERIC", "1.50000000000e0", Decimal("1.5")),
    ("NUMERIC", "+.5e1", Decimal("5")),
    ("NUMERIC", "1.0000000001e0", None),
    ("NUMERIC", "1,000.00", None),
    ("BOOL", "true", True),
    ("BOOL", "FALSE", False),
    ("BOOL", "True", True),
    ("BOOL", "yes", None),
    ("BOOL", "1", None),
    ("BOOL", "t", None),
    ("DATE", "2026-01-05", dt.date(2026, 1, 5)),
    ("DATE", "2026-1-5", dt.date(2026, 1, 5)),
    ("DATE", "2024-02-29", dt.date(2024, 2, 29)),
    ("DATE", "2026-02-30", None),
    ("DATE", "2026", None),
    ("DATE", "2026-01", None),
    ("DATE", "05/01/2026", None),
    ("DATE", "2026-01-05T00:00:00", None),
    ("DATE", "0000-01-01", None),
    ("DATE", "9999-12-31", dt.date(9999, 12, 31)),
    ("TIMESTAMP", "2026-01-05 10:00:00", dt.datetime(2026, 1, 5, 10)),
    ("TIMESTAMP", "2026-01-05T10:00:00Z", dt.datetime(2026, 1, 5, 10)),
    ("TIMESTAMP", "2026-01-05T12:30:00+02:30", dt.datetime(2026, 1, 5, 10)),
    ("TIMESTAMP", "2026-01-05 10:00:00 UTC", dt.datetime(2026, 1, 5, 10)),
    # As BigQuery reads them: `t` and `z` in any case, no space before `Z` or an offset, one before `UTC`.
    ("TIMESTAMP", "2026-01-05t10:00:00z", dt.datetime(2026, 1, 5, 10)),
    ("TIMESTAMP", "2026-01-05 10:00:00 +05:00", None),
    ("TIMESTAMP", "2026-01-05 10:00:00 Z", None),
    ("TIMESTAMP", "2026-01-05 10:00:00UTC", None),
    # Offsets up to BigQuery's ±14:00 (Spark would take ±18:00).
    ("TIMESTAMP", "2026-01-05 10:00:00+14:00", dt.datetime(2026, 1, 4, 20)),
    ("TIMESTAMP", "2026-01-05 10:00:00.5-1400", dt.datetime(2026, 1, 6, 0, 0, 0, 500000)),
    ("TIMESTAMP", "2026-01-05 10:00:00+14:01", None),
    ("TIMESTAMP", "2026-01-05 10:00:00+1401", None),
    ("TIMESTAMP", "2026-01-05 10:00:00+14:30", None),
    ("TIMESTAMP", "2026-01-05 10:00:00.5-15", None),
    ("TIMESTAMP", "2026-01-05 10:00:00+1500", None),
    ("TIMESTAMP", "2026-01-05 10:00:00+15:30", None),
    ("TIMESTAMP", "2026-01-05 10:00:00+530", None),
    ("TIMESTAMP", "2026-01-05 10:00:00+5:30", dt.datetime(2026, 1, 5, 4, 30)),
    ("TIMESTAMP", "2026-01-05 10:00:00-15", None),
    ("TIMESTAMP", "2026-01-15", dt.datetime(2026, 1, 15)),
    ("TIMESTAMP", "2026-01-05 10:00:00.123456", dt.datetime(2026, 1, 5, 10, 0, 0, 123456)),
    ("TIMESTAMP", "2026-01-05", dt.datetime(2026, 1, 5)),
    ("TIMESTAMP", "2026-01-05T10:00:00.1234567", None),
    ("TIMESTAMP", "2026-01-05T25:00:00", None),
    ("TIMESTAMP", "2026-02-30T10:00:00", None),
    ("TIMESTAMP", "2026", None),
    ("TIMESTAMP", "1767607200", None),
    ("TIMESTAMP", "0000-06-01T00:00:00Z", None),
    ("TIMESTAMP", "0001-01-01T00:30:00+01:00", None),
    ("TIMESTAMP", "9999-12-31T23:00:00-05:00", None),
    ("STRING", " any text ", " any text "),
]


def test_every_type_accepts_bigquery_literals_and_rejects_the_rest(spark: SparkSession) -> None:
    frame = spark.createDataFrame([(text,) for _, text, _ in CASES], "t string")
    types = sorted({type_ for type_, _, _ in CASES})
    results = frame.select("t", *[strict_cast("t", type_).alias(type_) for type_ in types]).collect()
    actual = {(type_, row["t"]): row[type_] for row in results for type_ in types}
    assert [(t, text, actual[(t, text)]) for t, text, _ in CASES] == CASES


def test_dates_and_timestamps_span_bigquerys_range_from_year_1_to_9999(spark: SparkSession) -> None:
    # Shown as text: Python cannot convert an instant this close to year 1 from a Spark row.
    texts = ["0001-01-01", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z", "0000-12-31T23:59:59Z"]
    frame = spark.createDataFrame([(text,) for text in texts], "t string")
    shown = frame.select(
        *[strict_cast("t", type_).cast("string").alias(type_) for type_ in ("DATE", "TIMESTAMP")]
    ).collect()
    assert [(row["DATE"], row["TIMESTAMP"]) for row in shown] == [
        ("0001-01-01", "0001-01-01 00:00:00"),
        (None, "0001-01-01 00:00:00"),
        (None, "9999-12-31 23:59:59.999999"),
        (None, None),
    ]


def test_nan_is_a_float64_in_any_case_and_with_a_sign(spark: SparkSession) -> None:
    """As BigQuery casts it; Spark's own cast takes `+NaN` but not `+nan`."""
    texts = spark.createDataFrame([("NaN",), ("nan",), ("+nan",), ("-NaN",), ("nana",)], "t string")
    cast = [row["f"] for row in texts.select(strict_cast("t", "FLOAT64").alias("f")).collect()]
    assert [value if value is None else math.isnan(value) for value in cast] == [True, True, True, True, None]


@pytest.mark.parametrize(
    ("source", "type_", "exact"),
    [
        (IntegerType(), "INT64", True),
        (LongType(), "INT64", True),
        (DoubleType(), "INT64", False),
        (FloatType(), "FLOAT64", True),
        (LongType(), "FLOAT64", False),
        (DecimalType(38, 9), "NUMERIC", True),
        (DecimalType(10, 2), "NUMERIC", True),
        (DecimalType(38, 10), "NUMERIC", False),
        (DecimalType(38, 0), "NUMERIC", False),
        (DecimalType(18, 0), "INT64", True),
        (DecimalType(19, 0), "INT64", False),
        (DecimalType(10, 1), "INT64", False),
        (IntegerType(), "FLOAT64", True),
        (DecimalType(15, 0), "FLOAT64", True),
        (DecimalType(16, 0), "FLOAT64", False),
        (DecimalType(7, 1), "FLOAT64", False),
        (IntegerType(), "NUMERIC", True),
        (ByteType(), "INT64", True),
        (ShortType(), "INT64", True),
        (ByteType(), "NUMERIC", True),
        (ShortType(), "NUMERIC", True),
        (TimestampNTZType(), "TIMESTAMP", True),
        (TimestampType(), "TIMESTAMP", True),
        (StringType(), "DATE", False),
        (StringType(), "STRING", True),
    ],
)
def test_typed_inputs_must_convert_exactly(source: DataType, type_: str, exact: bool) -> None:
    assert loads_exactly(source, type_) is exact
