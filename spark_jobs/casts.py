"""BigQuery-strict conversion of text to the contract's types, with Spark built-in expressions only.

Spark's own casts are looser than BigQuery: they accept `2026` as a DATE, `yes` as a BOOL, year 0, truncate
`1.5` to an INT64 and round extra decimals. Here a text value is first checked against the literal syntax
BigQuery accepts, then cast with `try_cast`; anything that does not fit exactly becomes null, which the
validation reports as a type error for a non-null input.
"""

from __future__ import annotations

from collections.abc import Callable

from pyspark.sql import Column
from pyspark.sql import functions as sf
from pyspark.sql.types import (
    BooleanType,
    ByteType,
    DataType,
    DateType,
    DecimalType,
    DoubleType,
    FloatType,
    IntegerType,
    LongType,
    ShortType,
    StringType,
    StructField,
    StructType,
    TimestampNTZType,
    TimestampType,
)

from spark_jobs.bigquery_types import (
    BOOL,
    DATE,
    DATE_LITERAL,
    DECIMAL_LITERAL,
    FLOAT64,
    FLOAT64_LITERAL,
    INT64,
    INT64_LITERAL,
    NUMERIC,
    NUMERIC_INTEGER_DIGITS,
    NUMERIC_SCALE,
    STRING,
    TIMESTAMP,
    TIMESTAMP_LITERAL,
)
from spark_jobs.contract import Contract

NUMERIC_TYPE = DecimalType(NUMERIC_INTEGER_DIGITS + NUMERIC_SCALE, NUMERIC_SCALE)

# The Spark type each contract type is loaded as.
SPARK_TYPES: dict[str, DataType] = {
    STRING: StringType(),
    INT64: LongType(),
    FLOAT64: DoubleType(),
    NUMERIC: NUMERIC_TYPE,
    BOOL: BooleanType(),
    DATE: DateType(),
    TIMESTAMP: TimestampType(),
}


def typed_schema(contract: Contract) -> StructType:
    """The contract's columns with the Spark types they are loaded as."""
    return StructType([StructField(column.name, SPARK_TYPES[column.type]) for column in contract.columns])


# Java regular expressions (Spark's rlike); \z anchors at the very end, so a trailing newline never passes.
_INTEGER = rf"^{INT64_LITERAL}\z"
_DECIMAL = rf"^{DECIMAL_LITERAL}\z"
# A decimal with an exponent, which BigQuery's NUMERIC accepts too (NUMERIC '1.23e05'), and the parts that
# tell how many decimals its value has: the mantissa's decimals up to the last non-zero one, the zeros that
# end its integer part when it has no non-zero decimal, and the exponent.
_EXPONENT_LITERAL = r"[eE][+-]?0*[0-9]{1,9}"
_SCIENTIFIC = rf"^{DECIMAL_LITERAL}{_EXPONENT_LITERAL}\z"
_SIGNIFICANT_DECIMALS = r"\.([0-9]*[1-9])?0*[eE]"
_INTEGER_TRAILING_ZEROS = r"^[+-]?[0-9]*?(0*)(?:\.0*)?[eE]"
_EXPONENT = r"[eE]([+-]?[0-9]+)$"
# Zero, whatever its exponent: Spark's cast fails from an exponent of 38 up (`0e40`).
_SCIENTIFIC_ZERO = rf"^[+-]?(?:0+(?:\.0*)?|\.0+){_EXPONENT_LITERAL}\z"
_FLOAT = rf"^{FLOAT64_LITERAL}\z"
# BigQuery's, ignoring case; Spark's cast takes a signed infinity, not a signed NaN (which BigQuery does).
_FLOAT_INFINITE = r"^(?i)[+-]?inf(?:inity)?\z"
_FLOAT_NAN = r"^(?i)[+-]?nan\z"
# A non-zero digit after the ninth decimal: NUMERIC would have to round it away.
_TOO_MANY_DECIMALS = r"\.[0-9]{" + str(NUMERIC_SCALE) + r"}[0-9]*[1-9]"
_DATE = rf"^{DATE_LITERAL}\z"
# BigQuery's DATE and TIMESTAMP ranges, years 1 to 9999 (UTC). Written as SQL literals: a Python date this
# old would be converted through the Julian calendar.
_DAYS = "DATE'0001-01-01'", "DATE'9999-12-31'"
_INSTANTS = "TIMESTAMP'0001-01-01 00:00:00Z'", "TIMESTAMP'9999-12-31 23:59:59.999999Z'"
_TIMESTAMP = rf"^{TIMESTAMP_LITERAL}\z"
# An offset past BigQuery's ±14:00 (bigquery_types.MAX_OFFSET), which Spark would take up to ±18:00: after the
# time's seconds, 15 hours or more, or 14 and some minutes.
_OFFSET_BEYOND_BIGQUERY = (
    r":[0-9]{1,2}(?:\.[0-9]*)?[+-](?:(?:1[5-9]|[2-9][0-9])(?::?[0-5][0-9])?|14:?(?:0[1-9]|[1-5][0-9]))\z"
)


def _try_cast(name: str, spark_type: str, *, upper_case: bool = False) -> Column:
    """Spark SQL's try_cast (null instead of an error, whatever spark.sql.ansi.enabled says).

    Spark 3.5 has no Column.try_cast, so the column is referenced by name; contract column names are
    plain identifiers, safe inside backquotes.
    """
    column = f"upper(`{name}`)" if upper_case else f"`{name}`"
    return sf.expr(f"try_cast({column} AS {spark_type})")


def strict_cast(name: str, type_: str) -> Column:
    """The typed value of text column `name` under BigQuery's literal rules; null when not a valid literal."""
    return _CASTS[type_](name, sf.col(name))


def _cast_bool(name: str, text: Column) -> Column:
    lowered = sf.lower(text)
    return sf.when(lowered == "true", sf.lit(True)).when(lowered == "false", sf.lit(False))


def _cast_int64(name: str, text: Column) -> Column:
    return sf.when(text.rlike(_INTEGER), _try_cast(name, "BIGINT"))


def _cast_float64(name: str, text: Column) -> Column:
    value = _try_cast(name, "DOUBLE")
    finite_literal = text.rlike(_FLOAT)
    overflowed = finite_literal & (sf.abs(value) == sf.lit(float("inf")))
    return sf.when(text.rlike(_FLOAT_NAN), sf.lit(float("nan"))).when(
        (finite_literal & ~overflowed) | text.rlike(_FLOAT_INFINITE), value
    )


def _cast_numeric(name: str, text: Column) -> Column:
    value = _try_cast(name, NUMERIC_TYPE.simpleString().upper())
    plain_and_exact = text.rlike(_DECIMAL) & ~text.rlike(_TOO_MANY_DECIMALS)
    zero = sf.lit(0).cast(NUMERIC_TYPE)
    return (
        sf.when(plain_and_exact, value)
        .when(text.rlike(_SCIENTIFIC_ZERO), zero)
        .when(_scientific_fits_scale(text), value)
    )


def _scientific_fits_scale(text: Column) -> Column:
    """Whether a decimal with an exponent has at most NUMERIC_SCALE decimals, so the cast rounds nothing:
    `1.23456785E7` has 1, `100e-3` has 1, `1e-10` has 10.

    Each part is extracted once: an expression used twice would be hoisted by Spark and computed for every
    row, the many without an exponent included.
    """
    decimals = (
        sf.length(sf.regexp_extract(text, _SIGNIFICANT_DECIMALS, 1))
        - sf.length(sf.regexp_extract(text, _INTEGER_TRAILING_ZEROS, 1))
        - sf.regexp_extract(text, _EXPONENT, 1).cast("int")
    )
    return text.rlike(_SCIENTIFIC) & (decimals <= NUMERIC_SCALE)


def _cast_date(name: str, text: Column) -> Column:
    value = _try_cast(name, "DATE")
    return sf.when(text.rlike(_DATE) & in_bigquery_range(value, DATE), value)


def _cast_timestamp(name: str, text: Column) -> Column:
    # In upper case: Spark reads only `T` and `Z`, where BigQuery also reads `t` and `z`.
    value = _try_cast(name, "TIMESTAMP", upper_case=True)
    valid = text.rlike(_TIMESTAMP) & ~text.rlike(_OFFSET_BEYOND_BIGQUERY)
    return sf.when(valid & in_bigquery_range(value, TIMESTAMP), value)


def in_bigquery_range(value: Column, type_: str) -> Column:
    """Whether a DATE or TIMESTAMP value lies in BigQuery's range (a Parquet file may hold any year)."""
    first, last = _DAYS if type_ == DATE else _INSTANTS
    return value.between(sf.expr(first), sf.expr(last))


_CASTS: dict[str, Callable[[str, Column], Column]] = {
    STRING: lambda name, text: text,
    BOOL: _cast_bool,
    INT64: _cast_int64,
    FLOAT64: _cast_float64,
    NUMERIC: _cast_numeric,
    DATE: _cast_date,
    TIMESTAMP: _cast_timestamp,
}


_INTEGRAL = (ByteType, ShortType, IntegerType, LongType)


def loads_exactly(source: DataType, type_: str) -> bool:
    """Whether every value of a typed input column (Parquet, Avro) converts to the contract type exactly."""
    if type_ == INT64:
        # A decimal of up to 18 digits and no fraction fits a 64-bit integer.
        return isinstance(source, _INTEGRAL) or _whole_decimal(source, _LONG_DIGITS)
    if type_ == FLOAT64:
        # A double holds every integer of up to 15 digits exactly (32-bit ones included), not every 64-bit
        # one, and no decimal fraction such as 0.1.
        return _whole_decimal(source, _DOUBLE_DIGITS) or isinstance(
            source, FloatType | DoubleType | ByteType | ShortType | IntegerType
        )
    if type_ == NUMERIC:
        if isinstance(source, DecimalType):
            fraction_fits = source.scale <= NUMERIC_SCALE
            return fraction_fits and source.precision - source.scale <= NUMERIC_INTEGER_DIGITS
        return isinstance(source, _INTEGRAL)
    if type_ == TIMESTAMP:
        # A timestamp without time zone is read as UTC (the session time zone), as BigQuery does.
        return isinstance(source, TimestampType | TimestampNTZType)
    return source == SPARK_TYPES[type_]


def _whole_decimal(source: DataType, digits: int) -> bool:
    """Whether `source` is a decimal with no fraction and at most `digits` digits."""
    return isinstance(source, DecimalType) and source.scale == 0 and source.precision <= digits


_LONG_DIGITS = 18
_DOUBLE_DIGITS = 15
