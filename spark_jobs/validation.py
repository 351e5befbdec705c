"""Check every row against the contract in one pass and collect all its failed rules in `_errors`.

The result keeps, for every row, its values as text (for the quarantine) and as the contract's types (for
the load), so the input is read once and both outputs are derived from the same rows. Rules are Spark
built-in column expressions; a reason reads `<rule>: <detail>`, where the rule is `<column>.<check>`,
`record.malformed` or `primary_key.duplicate`.
"""

from __future__ import annotations

import datetime as dt

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as sf
from pyspark.sql.types import ArrayType, StringType

from spark_jobs.casts import strict_cast
from spark_jobs.contract import ERRORS, RAW_RECORD, SOURCE_FILE, Contract, Value
from spark_jobs.contract import Column as ContractColumn
from spark_jobs.readers import Source

# Columns of the validated rows.
TEXT = "_text"
VALUE = "_value"

MALFORMED_RULE = "record.malformed"
DUPLICATE_RULE = "primary_key.duplicate"


def is_loaded(errors: Column | None = None) -> Column:
    """A row is loaded exactly when it has no reasons; the split and the counts share this predicate."""
    return sf.size(sf.col(ERRORS) if errors is None else errors) == 0


def rule_of(reason: Column) -> Column:
    """The rule id at the start of a reason."""
    return sf.substring_index(reason, ":", 1)


def validate(source: Source, contract: Contract) -> DataFrame:
    """Rows with _text (values as strings), _value (as typed), _errors, _raw_record and _source_file."""
    texts, values, reasons = [], [], []
    for column in contract.columns:
        if source.typed:
            value = sf.col(column.name)
            text = value.cast(StringType())
            reasons.extend(_required(column, value))
        else:
            text = sf.col(column.name)
            value = strict_cast(column.name, column.type)
            reasons.extend(_required(column, text))
            reasons.append(
                sf.when(
                    text.isNotNull() & value.isNull(),
                    _reason(column, "type", text, "is not a valid", column.type),
                )
            )
        reasons.extend(_value_rules(column, text, value))
        texts.append(text.alias(column.name))
        values.append(value.alias(column.name))
    malformed = sf.array(sf.lit(f"{MALFORMED_RULE}: {source.malformed_reason}"))
    all_reasons = sf.array(*reasons).cast(ArrayType(StringType()))
    checked = sf.filter(all_reasons, lambda reason: reason.isNotNull())
    rows = source.frame.select(
        sf.struct(*texts).alias(TEXT),
        sf.struct(*values).alias(VALUE),
        sf.when(sf.col(RAW_RECORD).isNotNull(), malformed).otherwise(checked).alias(ERRORS),
        sf.col(RAW_RECORD),
        sf.col(SOURCE_FILE),
    )
    return _mark_duplicates(rows, contract) if contract.primary_key else rows


def _reason(column: ContractColumn, check: str, text: Column, verb: str, expected: str) -> Column:
    return sf.concat(sf.lit(f"{column.name}.{check}: '"), text, sf.lit(f"' {verb} {expected}"))


def _required(column: ContractColumn, value: Column) -> list[Column]:
    if not column.required:
        return []
    return [sf.when(value.isNull(), sf.lit(f"{column.name}.required: a value is required"))]


def _value_rules(column: ContractColumn, text: Column, value: Column) -> list[Column]:
    """min, max, allowed and pattern; each is null when the rule passes or the value is null."""
    rules = []
    if column.min is not None:
        rules.append(
            sf.when(
                value < _literal(column.min),
                _reason(column, "min", text, "is less than the minimum", _show(column.min)),
            )
        )
    if column.max is not None:
        rules.append(
            sf.when(
                value > _literal(column.max),
                _reason(column, "max", text, "is greater than the maximum", _show(column.max)),
            )
        )
    if column.allowed is not None:
        shown = ", ".join(_show(item) for item in column.allowed)
        allowed = value.isin([_literal(item) for item in column.allowed])
        rules.append(sf.when(~allowed, _reason(column, "allowed", text, "is not one of", shown)))
    if column.pattern is not None:
        rules.append(
            sf.when(
                ~text.rlike(column.pattern),
                _reason(column, "pattern", text, "does not match", column.pattern),
            )
        )
    return rules


def _literal(value: Value) -> Column:
    return sf.lit(value)


def _show(value: Value) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat().replace("+00:00", "Z")
    return str(value)


def _mark_duplicates(rows: DataFrame, contract: Contract) -> DataFrame:
    """Among rows that pass every rule, keep one per primary key and reject the others.

    The kept row is the first by source file path, then by the row's values as text (nulls first), so the
    same input always keeps the same row, however Spark splits the files.
    """
    key = [sf.col(f"{VALUE}.{name}") for name in contract.primary_key]
    order = [sf.col(SOURCE_FILE)] + [
        sf.col(f"{TEXT}.{name}").asc_nulls_first() for name in contract.column_names
    ]
    loaded = is_loaded()
    rank = sf.row_number().over(Window.partitionBy(loaded, *key).orderBy(*order))
    shown_key = sf.concat_ws(
        ", ", *[sf.concat(sf.lit(f"{name}="), sf.col(f"{TEXT}.{name}")) for name in contract.primary_key]
    )
    duplicate = sf.array(
        sf.concat(sf.lit(f"{DUPLICATE_RULE}: another row with "), shown_key, sf.lit(" is loaded"))
    )
    return rows.withColumn(ERRORS, sf.when(loaded & (rank > 1), duplicate).otherwise(sf.col(ERRORS)))
