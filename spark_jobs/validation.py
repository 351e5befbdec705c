"""Check every row against the contract in one pass and collect all its failed rules in `_errors`.

The result keeps, for every row, its values as text (for the quarantine) and as the contract's types (for
the load), so the input is read once and both outputs are derived from the same rows. Rules are Spark
built-in column expressions; a reason reads `<rule>: <detail>`, where the rule is `<column>.<check>`,
`record.malformed` or `primary_key.duplicate`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import NamedTuple

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as sf
from pyspark.sql.types import ArrayType, StringType

from spark_jobs.bigquery_types import DATE, STRING, TIMESTAMP
from spark_jobs.casts import in_bigquery_range, strict_cast
from spark_jobs.contract import (
    ERRORS,
    KEY_HASH,
    LOST,
    OPEN_QUOTE,
    RAW_RECORD,
    ROW_ID,
    SOURCE_FILE,
    TEXT_SUFFIX,
    Contract,
)
from spark_jobs.contract import Column as ContractColumn
from spark_jobs.patterns import spark_pattern
from spark_jobs.quoting import quoted
from spark_jobs.readers import Source
from spark_jobs.rule_values import Value, show_value

MALFORMED_RULE = "record.malformed"
DUPLICATE_RULE = "primary_key.duplicate"
# What a decoder puts in place of bytes its character set does not define.
_REPLACEMENT_CHARACTER = "\ufffd"


class Rule(NamedTuple):
    """One check of a row: `broken` is true when the row breaks it (null or false when it passes), `reason`
    the text its `_errors` then hold: never null when `broken` is true, or the row would be rejected without
    a reason (a reason is a literal, or quotes the text of the value that broke the rule)."""

    broken: Column
    reason: Column


def is_loaded() -> Column:
    """A row is loaded exactly when it has no reasons; the split and the counts share this predicate.

    A row that passes has null reasons, not an empty array: no array is built or cached for it, and the
    many scans of the cached rows that tell loaded from rejected read a null without decoding an array.
    """
    return sf.col(ERRORS).isNull()


def rule_of(reason: Column) -> Column:
    """The rule id at the start of a reason."""
    return sf.substring_index(reason, ":", 1)


def text_of(column: ContractColumn) -> Column:
    """A validated row's original value of `column` as text (a STRING column's value is its text)."""
    return sf.col(column.name if column.type == STRING else f"`{column.name}{TEXT_SUFFIX}`")


def rejecting_duplicates(
    checked: DataFrame,
    contract: Contract,
    partitions: int,
    keep: Callable[[DataFrame], DataFrame] = lambda frame: frame,
) -> DataFrame:
    """The `checked` rows (from `check_rules`, read in `partitions`) with the duplicates of the primary key
    rejected: what `duplicated_key_hashes`, `duplicate_losers` and `mark_duplicates` give.

    `keep` persists each intermediate result (the job caches them, the checked rows first, which are then
    computed once). The duplicate keys' hashes and the losing rows' ids are computed at once: few, and of a
    size Spark then knows, they are broadcast to the rows instead of every row being shuffled to meet them.
    Counting the hashes is the first action: it fills the rows' cache as it reads the input. When no hash
    repeats, the usual case, no row can be a duplicate and the checked rows are used as they are.
    """
    if not contract.primary_key:
        return checked
    hashes = keep(duplicated_key_hashes(checked, partitions))
    if hashes.count() == 0:
        return checked
    losers = keep(duplicate_losers(checked, hashes, contract, partitions))
    losers.count()
    return mark_duplicates(checked, losers, contract)


def check_rules(source: Source, contract: Contract) -> DataFrame:
    """Rows with each column typed (under its name) and as text, plus _errors, _raw_record, _source_file.

    The primary key's rule is left to the duplicate marking; with a primary key, each row also gets a
    `_row_id` that names it and the `_key_hash` of its key for that step. The columns stay flat (no
    structs) because Spark caches flat columns much faster.
    """
    values = _typed_and_text(contract, source.text_columns)
    # The typed values are computed here, once per row, and only referenced by the rules: Spark would
    # compute a cast again for every rule using it, since the rules sit in conditional branches.
    run_on = [sf.col(OPEN_QUOTE)] if source.quotes_may_run_on else []
    typed = source.frame.select(*values, sf.col(RAW_RECORD), sf.col(SOURCE_FILE), *run_on)
    rules = [
        rule for column in contract.columns for rule in _rules(column, source.text_columns, source.encoding)
    ]
    errors = _failed(rules)
    if source.quotes_may_run_on:
        reason = sf.array(sf.concat(sf.lit(f"{MALFORMED_RULE}: "), sf.col(OPEN_QUOTE)))
        errors = sf.when(sf.col(OPEN_QUOTE).isNotNull(), reason).otherwise(errors)
    if source.malformed_reason is not None:
        malformed = f"{MALFORMED_RULE}: {source.malformed_reason}"
        errors = (
            sf.when(sf.col(RAW_RECORD).contains("\u0000"), sf.array(sf.lit(malformed + _NUL_HINT)))
            .when(sf.col(RAW_RECORD).isNotNull(), sf.array(sf.lit(malformed)))
            .otherwise(errors)
        )
    return typed.select(
        *[sf.col(f"`{name}`") for name in typed.columns[: len(values)]],
        errors.alias(ERRORS),
        sf.col(RAW_RECORD),
        sf.col(SOURCE_FILE),
        *_key_columns(contract),
    )


# Said of a malformed record holding NUL characters: UTF-16 or UTF-32 text (PowerShell's Out-File and Windows'
# "Unicode" files are UTF-16) reads so in any encoding the job reads.
_NUL_HINT = "; it holds NUL characters, as UTF-16 or UTF-32 text does: write the file in UTF-8"


def _typed_and_text(contract: Contract, text_columns: frozenset[str]) -> list[Column]:
    """Each contract column as its type, under its name, and unless it is a STRING as text, under
    `<name>:text`: the `text_columns` cast from their text, the others as the reader typed them."""
    values: list[Column] = []
    for column in contract.columns:
        if column.name not in text_columns:
            value, text = sf.col(column.name), text_of(column)
        else:
            value, text = strict_cast(column.name, column.type), sf.col(column.name)
        values.append(value.alias(column.name))
        if column.type != STRING:
            values.append(text.alias(column.name + TEXT_SUFFIX))
    return values


def _rules(column: ContractColumn, text_columns: frozenset[str], encoding: str | None) -> list[Rule]:
    """One column's rules over its typed value and its text (`_typed_and_text`); a value cast from text (one
    of `text_columns`) may also fail its type, or the `encoding` its text was decoded from (None: the job
    decoded none)."""
    value, text = sf.col(column.name), text_of(column)
    rules = _required(column, text)
    if column.name not in text_columns:
        # The values converted exactly (or the reader refused the input): only ranges remain.
        if column.type in (DATE, TIMESTAMP):
            out_of_range = ~in_bigquery_range(value, column.type)
            reason = _reason(column, "type", text, "is outside the years 1-9999 of", column.type)
            rules.append(Rule(out_of_range, reason))
    elif column.type != STRING:
        rules.append(
            Rule(
                text.isNotNull() & value.isNull(),
                _reason(column, "type", text, "is not a valid", column.type),
            )
        )
    elif encoding is not None:
        # A text is a valid STRING, unless bytes its encoding does not define reached Spark as U+FFFD when it
        # decoded the text: reject them instead of loading the damage (for other types, the cast fails).
        rules.append(
            Rule(
                text.contains(_REPLACEMENT_CHARACTER),
                _reason(column, "encoding", text, "is not", encoding),
            )
        )
    return rules + _value_rules(column, text, value)


def _failed(rules: list[Rule]) -> Column:
    """The reasons of the `rules` a row breaks; null when it breaks none (see `is_loaded`).

    Most rows break no rule, which the rules' tests alone tell: only the rows that break one build the array
    of reasons and the hash set array_except uses. Telling so without the reasons' text generates that text's
    code once, in the array, which keeps the method Spark generates to parse a record and run the rules
    small: a stage runs as generated code only while that method is within 8000 bytes (see
    `spark_settings`). The tests are the arguments of one `greatest` (true beats false, nulls are skipped),
    which costs one call to the JVM to build where a condition per rule would cost one each.
    """
    if not rules:
        return sf.lit(None).cast(ArrayType(StringType()))
    breaks_any = sf.greatest(sf.lit(False), *[rule.broken for rule in rules])
    all_reasons = sf.array(*[sf.when(rule.broken, rule.reason) for rule in rules]).cast(
        ArrayType(StringType())
    )
    # Drop the passed rules (nulls). array_except runs as generated code, whereas filter with a lambda would
    # evaluate every rule expression beneath it interpreted. Reasons are unique (each names its rule).
    failed = sf.array_except(all_reasons, sf.array(sf.lit(None).cast(StringType())))
    return sf.when(breaks_any, failed)


def _key_columns(contract: Contract) -> list[Column]:
    """With a primary key, the `_row_id` and `_key_hash` the duplicate marking works with; else none.

    The row id is unique and, for a given split of the input, the same each time the rows are computed; the
    hash is of the typed key, as the duplicates are.
    """
    if not contract.primary_key:
        return []
    key_hash = sf.xxhash64(*[sf.col(name) for name in contract.primary_key])
    return [sf.monotonically_increasing_id().alias(ROW_ID), key_hash.alias(KEY_HASH)]


def _reason(column: ContractColumn, check: str, text: Column, verb: str, expected: str) -> Column:
    return sf.concat(sf.lit(f"{column.name}.{check}: '"), text, sf.lit(f"' {verb} {expected}"))


def _required(column: ContractColumn, text: Column) -> list[Rule]:
    if not column.required:
        return []
    return [Rule(text.isNull(), sf.lit(f"{column.name}.required: a value is required"))]


def _value_rules(column: ContractColumn, text: Column, value: Column) -> list[Rule]:
    """min, max, allowed and pattern; none is broken by a null value."""
    rules = []
    if column.min is not None:
        rules.append(
            Rule(
                value < _literal(column.min),
                _reason(column, "min", text, "is less than the minimum", show_value(column.min)),
            )
        )
    if column.max is not None:
        rules.append(
            Rule(
                value > _literal(column.max),
                _reason(column, "max", text, "is greater than the maximum", show_value(column.max)),
            )
        )
    if column.allowed is not None:
        allowed = value.isin([_literal(item) for item in column.allowed])
        rules.append(
            Rule(~allowed, _reason(column, "allowed", text, "is not one of", _allowed_shown(column.allowed)))
        )
    if column.pattern is not None:
        rules.append(
            Rule(
                ~text.rlike(spark_pattern(column.pattern)),
                _reason(column, "pattern", text, "does not match", column.pattern),
            )
        )
    return rules


def _allowed_shown(allowed: Sequence[Value]) -> str:
    """An `allowed` list as a reason shows it: its texts quoted, so that an empty one shows and one holding
    ", " is not read as two; past `_SHOWN_ALLOWED` values, the first ones and how many more (a list of
    thousands would repeat in every rejected row's reason, and in the generated code)."""
    shown = ", ".join(
        quoted(item) if isinstance(item, str) else show_value(item) for item in allowed[:_SHOWN_ALLOWED]
    )
    more = len(allowed) - _SHOWN_ALLOWED
    return f"{shown} and {more} more (the contract lists them)" if more > 0 else shown


_SHOWN_ALLOWED = 20


def _literal(value: Value) -> Column:
    """A contract value as a Spark literal. Dates and times go through their ISO text, which Spark reads in
    the proleptic Gregorian calendar: a Python date before 1582 would be shifted through the Julian one."""
    if isinstance(value, dt.datetime):
        return sf.lit(value.isoformat()).cast("timestamp")
    if isinstance(value, dt.date):
        return sf.lit(value.isoformat()).cast("date")
    return sf.lit(value)


def duplicated_key_hashes(rows: DataFrame, partitions: int) -> DataFrame:
    """The `_key_hash`es that more than one row passing every rule has: a superset of the duplicated keys.

    Keys are nearly always unique, so this count, which shuffles one 64-bit hash per row (not the rows),
    is the only full pass the primary key costs; a hash collision only makes a few more candidates.
    The hashes go straight to `partitions` partitions: a map-side partial count would find nothing to
    combine, and a cached aggregation keeps the shuffle's partition count (Spark does not coalesce it).
    They are counted with a window, which sorts them (a radix sort of longs), faster here than a hash
    aggregation holding millions of distinct keys.
    """
    passed = rows.where(is_loaded()).select(KEY_HASH).repartition(partitions, KEY_HASH)
    counted = passed.withColumn("count", sf.count(sf.lit(1)).over(Window.partitionBy(KEY_HASH)))
    return counted.where(sf.col("count") > 1).select(KEY_HASH).distinct()


def duplicate_losers(rows: DataFrame, hashes: DataFrame, contract: Contract, partitions: int) -> DataFrame:
    """The `_row_id`s of the rows that pass every rule but lose to another such row with the same key.

    The kept row is the first by source file path, then by the row's values as text (nulls first), so the
    same input always keeps the same row, however Spark splits the files. Only the rows whose key hash is
    among `hashes` (from `duplicated_key_hashes`) are ranked, in `partitions` partitions: every later
    query that marks the duplicates scans the losers in as many tasks.
    """
    candidates = rows.where(is_loaded()).join(hashes, on=KEY_HASH, how="left_semi")
    candidates = candidates.repartition(partitions, *[sf.col(name) for name in contract.primary_key])
    order = [sf.col(SOURCE_FILE)] + [text_of(column).asc_nulls_first() for column in contract.columns]
    rank = sf.row_number().over(Window.partitionBy(*contract.primary_key).orderBy(*order))
    return candidates.select(ROW_ID, rank.alias("rank")).where(sf.col("rank") > 1).select(ROW_ID)


def mark_duplicates(rows: DataFrame, losers: DataFrame, contract: Contract) -> DataFrame:
    """`rows` (from `check_rules`) with each of the `losers` (`duplicate_losers`) rejected as a duplicate.

    The rows keep their partitioning: when the losers are few, Spark broadcasts them instead of shuffling
    every row (persist them first so that it knows their size).
    """
    shown = [sf.concat(sf.lit(f"{name}="), text_of(contract.column(name))) for name in contract.primary_key]
    duplicate = sf.array(
        sf.concat(
            # This row's key as written: the loaded row's equal key may be written otherwise (1.0, 1).
            sf.lit(f"{DUPLICATE_RULE}: another row with this key ("),
            sf.concat_ws(", ", *shown),
            sf.lit(") is loaded"),
        )
    )
    lost = losers.select(ROW_ID, sf.lit(True).alias(LOST))
    marked = rows.join(lost, on=ROW_ID, how="left")
    errors = sf.when(sf.col(LOST).isNotNull(), duplicate).otherwise(sf.col(ERRORS))
    return marked.select(
        *[errors.alias(ERRORS) if name == ERRORS else sf.col(f"`{name}`") for name in rows.columns]
    )
