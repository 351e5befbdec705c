"""A contract's rule values (min, max, allowed): read from YAML as values of their column's type, with
BigQuery's literal syntax, and shown in messages as they are meant (no pyspark import)."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from decimal import Context, Decimal, InvalidOperation

from spark_jobs.bigquery_types import (
    DATE,
    DATE_LITERAL,
    FLOAT64,
    FLOAT64_LITERAL,
    INT64,
    INT64_LITERAL,
    INT64_MAX,
    INT64_MIN,
    MAX_OFFSET,
    NUMERIC,
    NUMERIC_INTEGER_DIGITS,
    NUMERIC_SCALE,
    STRING,
    TIMESTAMP,
    TIMESTAMP_LITERAL,
    rounds_to_zero,
)
from spark_jobs.contract_yaml import UnreadNumber

Value = int | float | Decimal | dt.date | dt.datetime | str


def show_value(value: Value) -> str:
    """A rule value as messages show it: a timestamp in UTC with Z, a NUMERIC without its trailing zeros, a
    FLOAT64 without the `.0` Python adds to a whole number (`1`, as a contract writes it; `1e+20`): still a
    literal that BigQuery and the contract read as the same number."""
    if isinstance(value, dt.datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, Decimal):
        return "0" if value.is_zero() else format(value.normalize(_NUMERIC_CONTEXT), "f")
    if isinstance(value, float):
        return repr(value).removesuffix(".0")
    return str(value)


def _written_as(value: object, syntax: str) -> str | None:
    """A YAML string written as a BigQuery literal of the syntax (YAML reads `1e3` as a string, say)."""
    return value if isinstance(value, str) and re.fullmatch(syntax, value) else None


def whole_number(text: str, most_digits: int) -> int | None:
    """The integer that `text` (ASCII digits, perhaps after a sign) writes, or None past `most_digits`
    significant digits, which the caller's range excludes: Python refuses to convert more than 4300 digits,
    leading zeros included, with a ValueError of its own."""
    digits = text.lstrip("+-").lstrip("0") or "0"
    if len(digits) > most_digits:
        return None
    return int(("-" if text.startswith("-") else "") + digits)


def _as_int64(value: object) -> int | None:
    text = _written_as(value, INT64_LITERAL)
    if text is not None:
        value = whole_number(text, len(str(INT64_MAX)))
    if isinstance(value, int) and not isinstance(value, bool) and INT64_MIN <= value <= INT64_MAX:
        return value
    return None


def _as_float64(value: object) -> float | None:
    """A number FLOAT64 holds: finite, and not so close to 0 that it would become 0 (a `min: 1e-400` that
    let 0 pass, or a `max: -1e-400` below it would no longer be)."""
    if isinstance(value, bool):
        return None
    # A number as its digits: a Decimal or an int converted whole could overflow or round to 0 unseen.
    text = str(value) if isinstance(value, int | Decimal) else _written_as(value, FLOAT64_LITERAL)
    if text is not None:
        if rounds_to_zero(text):
            return None
        held = float(text)
    elif isinstance(value, float):
        held = value
    else:
        return None
    return held if math.isfinite(held) else None


def _as_numeric(value: object) -> Decimal | None:
    """The value at NUMERIC's own scale, so that Spark compares it at that scale (a bound written with more
    trailing zeros would make Spark compare at a wider scale, where large values no longer fit)."""
    if isinstance(value, str):
        value = _written_as(value, FLOAT64_LITERAL)
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    if not number.is_finite() or not _fits_numeric(number):
        return None
    return number.quantize(_NUMERIC_UNIT, context=_NUMERIC_CONTEXT)


def _fits_numeric(number: Decimal) -> bool:
    """At most NUMERIC's integer digits and decimals, found from the digits alone: arithmetic on a number like
    1e999999999 would overflow the decimal context."""
    if number.is_zero():
        return True
    _, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int), "a finite Decimal has an integer exponent"
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    decimals = -(exponent + trailing_zeros)
    return decimals <= NUMERIC_SCALE and number.adjusted() < NUMERIC_INTEGER_DIGITS


_NUMERIC_UNIT = Decimal(1).scaleb(-NUMERIC_SCALE)
_NUMERIC_CONTEXT = Context(prec=NUMERIC_INTEGER_DIGITS + NUMERIC_SCALE)


def _as_date(value: object) -> dt.date | None:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    found = re.fullmatch(DATE_LITERAL, value) if isinstance(value, str) else None
    if found is None:
        return None
    try:
        return dt.date(*(int(part) for part in found.groups()))
    except ValueError:  # a day that does not exist, or year 0
        return None


def _as_timestamp(value: object) -> dt.datetime | None:
    """A timezone-aware UTC datetime; a value without an offset is UTC, and a date is its midnight UTC."""
    if isinstance(value, dt.datetime):
        try:
            return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
        except OverflowError:  # an offset that takes it outside years 1-9999
            return None
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    found = re.fullmatch(TIMESTAMP_LITERAL, value) if isinstance(value, str) else None
    if found is None:
        return None
    year, month, day, hour, minute, second, fraction, sign, offset_hours, offset_minutes = found.groups()
    try:
        local = dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0").ljust(6, "0")),
            tzinfo=_zone(sign, offset_hours, offset_minutes),
        )
        return local.astimezone(dt.UTC)
    except (ValueError, OverflowError):  # a day, time or offset that does not exist, or outside years 1-9999
        return None


def _zone(sign: str | None, hours: str | None, minutes: str | None) -> dt.timezone:
    """The zone of a literal's offset; beyond BigQuery's range of offsets, a ValueError."""
    offset = dt.timedelta(hours=int(hours or 0), minutes=int(minutes or 0))
    if offset > MAX_OFFSET:
        raise ValueError(f"offset {offset} is beyond {MAX_OFFSET}")
    return dt.timezone(-offset if sign == "-" else offset)


def _as_string(value: object) -> str | None:
    # YAML reads unquoted yes/no/on/off as booleans and 1 as a number: insist on quoting instead of guessing.
    return value if isinstance(value, str) and not isinstance(value, UnreadNumber) else None


# What a rule value of each type must be, for error messages.
EXPECTED = {
    STRING: "a quoted string",
    INT64: "an integer within 64 bits",
    FLOAT64: "a finite number, not so close to 0 that FLOAT64 holds it as 0",
    NUMERIC: f"a number with at most {NUMERIC_INTEGER_DIGITS} integer digits and {NUMERIC_SCALE} decimals",
    DATE: "YYYY-[M]M-[D]D, an existing day from year 1 to 9999",
    TIMESTAMP: (
        "YYYY-[M]M-[D]D[( |T|t)[H]H:[M]M:[S]S[.ffffff][Z|z| UTC|±H[H]|±H[H]:MM|±HHMM]], from year 1 to "
        "9999 in UTC, offsets ≤ 14:00"
    ),
}
# Converters for the types that take rule values (min, max, allowed).
_CONVERTERS: dict[str, Callable[[object], Value | None]] = {
    STRING: _as_string,
    INT64: _as_int64,
    FLOAT64: _as_float64,
    NUMERIC: _as_numeric,
    DATE: _as_date,
    TIMESTAMP: _as_timestamp,
}


def to_rule_value(type_: str, value: object) -> Value | None:
    """A YAML value as a rule value of a `type_` column; None when it is not one (`EXPECTED` says what is)."""
    return _CONVERTERS[type_](value)
