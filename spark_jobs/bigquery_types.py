"""BigQuery's types as contracts name them: the type names, the ranges of their values and the literal syntax
of each, which both the job's casts and a contract's rule values read (no pyspark import)."""

from __future__ import annotations

import datetime as dt
import re

# Canonical BigQuery (GoogleSQL) type names, and the legacy aliases accepted on input.
STRING = "STRING"
INT64 = "INT64"
FLOAT64 = "FLOAT64"
NUMERIC = "NUMERIC"
BOOL = "BOOL"
DATE = "DATE"
TIMESTAMP = "TIMESTAMP"
TYPES = (STRING, INT64, FLOAT64, NUMERIC, BOOL, DATE, TIMESTAMP)
TYPE_ALIASES = {"INTEGER": INT64, "FLOAT": FLOAT64, "BOOLEAN": BOOL}

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
# BigQuery NUMERIC is NUMERIC(38, 9): 29 digits before the decimal point and 9 after it.
NUMERIC_INTEGER_DIGITS = 29
NUMERIC_SCALE = 9

# BigQuery's literal syntax per type, shared by the job's casts (as Java regular expressions, anchored there)
# and the rule values of a contract, so that a bound is written as the data is. Groups capture the parts.
INT64_LITERAL = r"[+-]?[0-9]+"
DECIMAL_LITERAL = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
FLOAT64_LITERAL = DECIMAL_LITERAL + r"(?:[eE][+-]?[0-9]+)?"
DATE_LITERAL = r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"

# As BigQuery reads it: `T` or `t` before the time; `Z` or `z`, or an offset, right after it, a zone name
# (`UTC`) after a space.
TIMESTAMP_LITERAL = (
    DATE_LITERAL
    + r"(?:[ Tt]([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:\.([0-9]{1,6}))?"
    # An offset's minutes follow a colon, or two hour digits (`+0530`): `+530` is no offset.
    + r"(?:[Zz]| UTC|([+-])([0-9]{1,2}(?=:|$)|[0-9]{2})(?::?([0-5][0-9]))?)?)?"
)
# BigQuery's largest time zone offset.
MAX_OFFSET = dt.timedelta(hours=14)


def rounds_to_zero(literal: str) -> bool:
    """Whether a FLOAT64 literal that is not 0 (a digit other than 0 before its exponent) reads as 0.0: too
    close to 0 for a double (`1e-400`). Its digits tell, whatever the size of its exponent."""
    return float(literal) == 0.0 and bool(re.search("[1-9]", re.split("[eE]", literal, maxsplit=1)[0]))
