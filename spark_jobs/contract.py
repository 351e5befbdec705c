"""The data contract: one YAML file declares a table once, for BigQuery and for the job.

The Pulumi program creates the BigQuery tables from `Contract.bigquery_schema()` and
`Contract.quarantine_schema()`; the Spark job validates every row against the same `Contract`. Parsing is
strict, so a typo in a contract is refused here, before any table or Spark session exists.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from spark_jobs.errors import ContractError
from spark_jobs.patterns import pattern_problem

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
# The BigQuery API reports these legacy names; emitting them keeps a declared table free of perpetual diffs.
_API_TYPE_NAMES = {INT64: "INTEGER", FLOAT64: "FLOAT", BOOL: "BOOLEAN"}

REQUIRED = "REQUIRED"
NULLABLE = "NULLABLE"
REPEATED = "REPEATED"

# Columns the job adds to every loaded and quarantined row.
INGESTED_AT = "_ingested_at"
SOURCE_FILE = "_source_file"
BATCH_ID = "_batch_id"
METADATA_COLUMNS = (INGESTED_AT, SOURCE_FILE, BATCH_ID)
# A non-STRING column's value as text, beside its typed value while the job works (a ':' cannot occur in a
# contract column name, so the two never collide).
TEXT_SUFFIX = ":text"
# Columns only the quarantine table has.
ERRORS = "_errors"
RAW_RECORD = "_raw_record"
# Columns the job uses while it works, never written: the duplicate marking's row id, key hash and mark, and
# the local sink's partition directory.
ROW_ID = "_row_id"
KEY_HASH = "_key_hash"
LOST = "_lost"
PARTITION_ID = "_partition_id"

QUARANTINE_SUFFIX = "__rejected"
# The quarantine is a history partitioned by ingestion day and clustered by batch, so replacing one batch's
# rejected rows touches little data.
QUARANTINE_PARTITION_FIELD = INGESTED_AT
QUARANTINE_PARTITION_TYPE = "DAY"
QUARANTINE_CLUSTERING = (BATCH_ID,)

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

# Which rules fit which types.
_ORDERED_TYPES = (INT64, FLOAT64, NUMERIC, DATE, TIMESTAMP)
_ENUMERABLE_TYPES = (STRING, INT64, NUMERIC, DATE)
_PATTERN_TYPES = (STRING,)
_CLUSTERABLE_TYPES = (STRING, INT64, NUMERIC, BOOL, DATE, TIMESTAMP)
_PARTITION_TYPES = {DATE: ("DAY", "MONTH", "YEAR"), TIMESTAMP: ("HOUR", "DAY", "MONTH", "YEAR")}
_MAX_CLUSTERING_COLUMNS = 4

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MAX_TABLE_NAME = 1024 - len(QUARANTINE_SUFFIX)
_MAX_COLUMN_NAME = 300
_MAX_TABLE_DESCRIPTION = 16_384
_MAX_COLUMN_DESCRIPTION = 1_024
# BigQuery's 10,000 columns a table, less the quarantine table's own: the reasons, the record, the metadata.
_MAX_COLUMNS = 10_000 - 2 - len(METADATA_COLUMNS)
# Prefixes BigQuery reserves for column names (its schema documentation; `_COLON_` from an older version of
# it), compared ignoring case as BigQuery does.
_RESERVED_COLUMN_PREFIXES = (
    "_TABLE_",
    "_FILE_",
    "_PARTITION",
    "_ROW_TIMESTAMP",
    "__ROOT__",
    "_COLIDENTIFIER",
    "_CHANGE_SEQUENCE_NUMBER",
    "_CHANGE_TYPE",
    "_CHANGE_TIMESTAMP",
    "_COLON_",
)
_JOB_COLUMNS = (*METADATA_COLUMNS, ERRORS, RAW_RECORD, ROW_ID, KEY_HASH, LOST, PARTITION_ID)

_TOP_LEVEL_KEYS = ("table", "description", "columns", "primary_key", "partitioning", "clustering")
_COLUMN_KEYS = ("name", "type", "mode", "description", "min", "max", "allowed", "pattern")
_PARTITIONING_KEYS = ("field", "type")

Value = int | float | Decimal | dt.date | dt.datetime | str


@dataclass(frozen=True)
class Column:
    """One declared column: its BigQuery type and the rules every value must pass."""

    name: str
    type: str
    required: bool
    description: str | None = None
    min: Value | None = None
    max: Value | None = None
    allowed: tuple[Value, ...] | None = None
    pattern: str | None = None

    @property
    def mode(self) -> str:
        return REQUIRED if self.required else NULLABLE

    def bigquery_field(self) -> dict[str, str]:
        return _field(self.name, _API_TYPE_NAMES.get(self.type, self.type), self.mode, self.description)


@dataclass(frozen=True)
class Partitioning:
    """Time partitioning of the table on one DATE or TIMESTAMP column."""

    field: str
    type: str


@dataclass(frozen=True)
class Contract:
    """A table's declared shape and rules."""

    table: str
    description: str | None
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    partitioning: Partitioning | None = None
    clustering: tuple[str, ...] = ()

    @property
    def quarantine_table(self) -> str:
        return self.table + QUARANTINE_SUFFIX

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    def bigquery_schema(self) -> list[dict[str, str]]:
        """The main table's BigQuery JSON schema: the contract's columns, then the metadata columns."""
        return [column.bigquery_field() for column in self.columns] + _metadata_fields()

    def quarantine_schema(self) -> list[dict[str, str]]:
        """The quarantine table's schema: every contract column as text, the reasons, the metadata."""
        originals = [
            _field(column.name, STRING, NULLABLE, f"The original value of {column.name}, as text.")
            for column in self.columns
        ]
        reasons = [
            _field(ERRORS, STRING, REPEATED, "Why the row was rejected: '<rule>: <detail>' per failed rule."),
            _field(
                RAW_RECORD, STRING, NULLABLE, "The input record, when it could not be split into columns."
            ),
        ]
        return originals + reasons + _metadata_fields()


def _field(name: str, type_: str, mode: str, description: str | None) -> dict[str, str]:
    """A BigQuery JSON schema field; `description` is omitted when absent, as the BigQuery API does."""
    field = {"name": name, "type": type_, "mode": mode}
    if description is not None:
        field["description"] = description
    return field


def _metadata_fields() -> list[dict[str, str]]:
    return [
        _field(INGESTED_AT, TIMESTAMP, REQUIRED, "When the job that wrote this row started (UTC)."),
        _field(SOURCE_FILE, STRING, REQUIRED, "The input file the row was read from."),
        _field(BATCH_ID, STRING, REQUIRED, "The id of the batch (job run) that wrote this row."),
    ]


def load_contract(path: str | Path) -> Contract:
    """Read and validate a contract YAML file; any problem is a ContractError naming the file."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise ContractError(f"{path}: cannot read the contract: {error.strerror or error}") from None
    return contract_from_bytes(data, str(path))


def contract_from_bytes(data: bytes, source: str) -> Contract:
    """Validate a contract's YAML as read from `source`; any problem is a ContractError naming it."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ContractError(f"{source}: not UTF-8 text (byte {error.start}): save it as UTF-8") from None
    try:
        document = yaml.load(text, Loader=_ContractLoader)  # a SafeLoader
    except yaml.YAMLError as error:
        detail = " ".join(line.strip() for line in str(error).splitlines() if line.strip())
        raise ContractError(f"{source}: not valid YAML: {detail}") from None
    return parse_contract(document, source)


_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_RETYPED_TAGS = (_INT_TAG, _FLOAT_TAG, "tag:yaml.org,2002:timestamp")
_MAX_INT_TEXT = 100


class _ContractLoader(yaml.SafeLoader):
    """YAML that keeps rule values as written: PyYAML's YAML 1.1 rules would read `010` as 8, `1:30` as 90,
    a long decimal as a rounded float and `2026-02-30` as an error; and a key given twice is refused instead
    of the last one silently winning. Numbers are read as decimal integers and exact Decimals; dates and
    times stay text, which the contract parses with the job's own literal syntax."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen = set()
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                continue  # `<<: *alias` merges a mapping, whose keys the mapping may then override
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, Hashable):
                continue  # PyYAML refuses it with its own message
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


_DECIMAL_INTEGER = re.compile(rf"^{INT64_LITERAL}$")
_PLAIN_DECIMAL = re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$")
_DECIMAL_NUMBER = re.compile(rf"^{FLOAT64_LITERAL}$")


class _UnreadNumber(str):
    """A YAML number kept as its text, for the types whose rule values may be text to read it as theirs;
    STRING refuses it: a STRING value must be quoted."""


def _exact_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int | str:
    """A decimal integer; anything else (a long run of digits, `!!int 0x10`) stays an `_UnreadNumber`."""
    text = loader.construct_scalar(node)
    # Python refuses to convert thousands of digits (no rule value is that long) and would accept `1_000`.
    return int(text) if len(text) <= _MAX_INT_TEXT and _DECIMAL_INTEGER.match(text) else _UnreadNumber(text)


def _exact_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal | str:
    """An exact decimal; anything else (`!!float .inf`) stays an `_UnreadNumber`."""
    text = loader.construct_scalar(node)
    # Decimal would also accept `1_0.5`, `Infinity` and `NaN`.
    return Decimal(text) if _DECIMAL_NUMBER.match(text) else _UnreadNumber(text)


def _as_written(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    """A value tagged `!!timestamp` stays text: the contract parses dates and times with the job's syntax."""
    return loader.construct_scalar(node)


_ContractLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag not in _RETYPED_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_ContractLoader.add_implicit_resolver(_INT_TAG, _DECIMAL_INTEGER, list("-+0123456789"))
# `1e3` stays text, as in YAML 1.1, unless tagged `!!float`.
_ContractLoader.add_implicit_resolver(_FLOAT_TAG, _PLAIN_DECIMAL, list("-+0123456789."))
_ContractLoader.add_constructor(_INT_TAG, _exact_int)
_ContractLoader.add_constructor(_FLOAT_TAG, _exact_decimal)
_ContractLoader.add_constructor("tag:yaml.org,2002:timestamp", _as_written)


def parse_contract(document: object, source: str) -> Contract:
    """Validate an already-parsed YAML document; `source` names it in error messages."""
    return _Parser(source).contract(document)


class _Parser:
    """Turns a YAML document into a Contract, refusing anything it does not understand."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> ContractError:
        return ContractError(f"{self.source}: {where}: {problem}")

    def mapping(self, value: object, where: str, keys: tuple[str, ...]) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(where, f"expected a mapping, got {_show(value)}")
        unknown = [str(key) for key in value if key not in keys]
        if unknown:
            raise self.fail(where, f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(keys)}")
        return value

    def text(self, value: object, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            # YAML reads unquoted yes/no/on/off as booleans: say so, since the text looked like a string.
            hint = _BOOLEAN_HINT if isinstance(value, bool) else ""
            raise self.fail(where, f"expected a non-empty string, got {_show(value)}{hint}")
        return value

    def description(self, value: object, where: str, limit: int) -> str | None:
        """An optional description, at most `limit` characters (BigQuery's limit where it goes)."""
        if value is None:
            return None
        text = self.text(value, where)
        if len(text) > limit:
            raise self.fail(where, f"a description may have at most {limit} characters, not {len(text)}")
        return text

    def names(self, value: object, where: str, columns: Mapping[str, Column]) -> tuple[str, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail(where, f"expected a non-empty list of column names, got {_show(value)}")
        names = tuple(self.text(item, where) for item in value)
        for name in names:
            if name not in columns:
                raise self.fail(where, f"column '{name}' is not declared in columns")
        repeated = _first_repeated(names)
        if repeated is not None:
            raise self.fail(where, f"column '{repeated}' is listed twice")
        return names

    def contract(self, document: object) -> Contract:
        top = self.mapping(document, "contract", _TOP_LEVEL_KEYS)
        for key in ("table", "columns"):
            if key not in top:
                raise self.fail("contract", f"missing required key '{key}'")
        table = self.text(top["table"], "table")
        if not _NAME.fullmatch(table) or len(table) > _MAX_TABLE_NAME:
            raise self.fail(
                "table",
                f"'{table}' is not a usable BigQuery table name (letters, digits and underscores, "
                f"not starting with a digit, at most {_MAX_TABLE_NAME} characters)",
            )
        if table.endswith(QUARANTINE_SUFFIX):
            raise self.fail(
                "table",
                f"'{table}' ends with {QUARANTINE_SUFFIX}, which names the quarantine of another table",
            )
        description = self.description(top.get("description"), "description", _MAX_TABLE_DESCRIPTION)
        columns = self.columns(top["columns"])
        by_name = {column.name: column for column in columns}
        primary_key = self.primary_key(top.get("primary_key"), by_name)
        partitioning = self.partitioning(top.get("partitioning"), by_name)
        clustering = self.clustering(top.get("clustering"), by_name)
        return Contract(table, description, columns, primary_key, partitioning, clustering)

    def columns(self, value: object) -> tuple[Column, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail("columns", f"expected a non-empty list of columns, got {_show(value)}")
        if len(value) > _MAX_COLUMNS:
            raise self.fail(
                "columns",
                f"at most {_MAX_COLUMNS} columns (BigQuery's 10000 a table, less the quarantine's own), "
                f"not {len(value)}",
            )
        columns = tuple(self.column(item, index) for index, item in enumerate(value))
        seen: dict[str, str] = {}
        for column in columns:
            folded = column.name.lower()
            if folded in seen:
                raise self.fail(
                    f"column '{column.name}'",
                    f"declared twice (BigQuery names ignore case: '{seen[folded]}')",
                )
            seen[folded] = column.name
        return columns

    def column(self, value: object, index: int) -> Column:
        named = isinstance(value, Mapping) and isinstance(value.get("name"), str) and value["name"].strip()
        where = f"column '{value['name']}'" if named else f"columns[{index}]"  # type: ignore[index]
        raw = self.mapping(value, where, _COLUMN_KEYS)
        if "name" not in raw:
            raise self.fail(where, "missing required key 'name'")
        name = self.text(raw["name"], f"columns[{index}].name")
        self.check_column_name(name, where)
        if "type" not in raw:
            raise self.fail(where, f"missing required key 'type' (one of {', '.join(TYPES)})")
        type_ = self.column_type(raw["type"], where)
        required = self.mode(raw.get("mode", NULLABLE), where)
        description = self.description(
            raw.get("description"), f"{where}: description", _MAX_COLUMN_DESCRIPTION
        )
        convert = self.value_converter(type_, where)

        def bound(key: str, fits: tuple[str, ...]) -> Value | None:
            if raw.get(key) is None:
                return None
            if type_ not in fits:
                raise self.fail(where, f"'{key}' does not apply to a {type_} column")
            return convert(raw[key], key)

        minimum = bound("min", _ORDERED_TYPES)
        maximum = bound("max", _ORDERED_TYPES)
        if minimum is not None and maximum is not None and minimum > maximum:  # type: ignore[operator]
            raise self.fail(where, f"min {show_value(minimum)} is greater than max {show_value(maximum)}")
        allowed = self.allowed(raw.get("allowed"), type_, where, convert)
        for item in allowed or ():
            # A value the bounds refuse could never be loaded: the list contradicts them.
            if (minimum is not None and item < minimum) or (maximum is not None and item > maximum):  # type: ignore[operator]
                raise self.fail(
                    where, f"allowed value {show_value(item)} lies outside min/max, so no row could have it"
                )
        pattern = self.pattern(raw.get("pattern"), type_, where)
        return Column(name, type_, required, description, minimum, maximum, allowed, pattern)

    def check_column_name(self, name: str, where: str) -> None:
        if not _NAME.fullmatch(name) or len(name) > _MAX_COLUMN_NAME:
            raise self.fail(
                where,
                "not a valid BigQuery column name (letters, digits and underscores, "
                f"not starting with a digit, at most {_MAX_COLUMN_NAME} characters)",
            )
        upper = name.upper()
        for prefix in _RESERVED_COLUMN_PREFIXES:
            if upper.startswith(prefix):
                raise self.fail(where, f"BigQuery reserves column names starting with {prefix}")
        if name.lower() in _JOB_COLUMNS:
            raise self.fail(where, f"the job uses a column named {name.lower()} itself")

    def column_type(self, value: object, where: str) -> str:
        if isinstance(value, str):
            type_ = TYPE_ALIASES.get(value.upper(), value.upper())
            if type_ in TYPES:
                return type_
        accepted = ", ".join((*TYPES, *TYPE_ALIASES))
        raise self.fail(where, f"unknown type {_show(value)}; accepted: {accepted}")

    def mode(self, value: object, where: str) -> bool:
        if isinstance(value, str) and value.upper() in (REQUIRED, NULLABLE):
            return value.upper() == REQUIRED
        raise self.fail(where, f"mode must be REQUIRED or NULLABLE, got {_show(value)}")

    def allowed(
        self, value: object, type_: str, where: str, convert: Callable[[object, str], Value]
    ) -> tuple[Value, ...] | None:
        if value is None:
            return None
        if type_ not in _ENUMERABLE_TYPES:
            raise self.fail(where, f"'allowed' does not apply to a {type_} column")
        if not isinstance(value, list) or not value:
            raise self.fail(where, f"'allowed' must be a non-empty list, got {_show(value)}")
        values = tuple(convert(item, "allowed") for item in value)
        repeated = _first_repeated(values)
        if repeated is not None:
            raise self.fail(where, f"allowed value {show_value(repeated)} is listed twice")
        return values

    def pattern(self, value: object, type_: str, where: str) -> str | None:
        if value is None:
            return None
        if type_ not in _PATTERN_TYPES:
            raise self.fail(where, f"'pattern' does not apply to a {type_} column")
        pattern = self.text(value, f"{where}: pattern")
        problem = pattern_problem(pattern)
        if problem:
            raise self.fail(where, f"pattern {pattern!r} {problem}")
        return pattern

    def value_converter(self, type_: str, where: str) -> Callable[[object, str], Value]:
        """A function turning a YAML value into a value of the column's type, or failing with a message."""

        def convert(value: object, key: str) -> Value:
            converted = _CONVERTERS[type_](value)
            if converted is None:
                raise self.fail(
                    where, f"{key} value {_show(value)} is not a valid {type_} ({_EXPECTED[type_]})"
                )
            return converted

        return convert

    def primary_key(self, value: object, columns: Mapping[str, Column]) -> tuple[str, ...]:
        if value is None:
            return ()
        names = self.names(value, "primary_key", columns)
        for name in names:
            if not columns[name].required:
                raise self.fail(
                    "primary_key", f"column '{name}' must be mode: REQUIRED (a key cannot be null)"
                )
        return names

    def partitioning(self, value: object, columns: Mapping[str, Column]) -> Partitioning | None:
        if value is None:
            return None
        raw = self.mapping(value, "partitioning", _PARTITIONING_KEYS)
        field = self.text(raw.get("field"), "partitioning.field")
        if field not in columns:
            raise self.fail("partitioning.field", f"column '{field}' is not declared in columns")
        field_type = columns[field].type
        if field_type not in _PARTITION_TYPES:
            raise self.fail(
                "partitioning.field", f"column '{field}' is {field_type}; it must be DATE or TIMESTAMP"
            )
        kind = self.text(raw.get("type", "DAY"), "partitioning.type").upper()
        if kind not in _PARTITION_TYPES[field_type]:
            accepted = ", ".join(_PARTITION_TYPES[field_type])
            raise self.fail(
                "partitioning.type", f"{kind} is not valid for a {field_type} field; use {accepted}"
            )
        return Partitioning(field, kind)

    def clustering(self, value: object, columns: Mapping[str, Column]) -> tuple[str, ...]:
        if value is None:
            return ()
        names = self.names(value, "clustering", columns)
        if len(names) > _MAX_CLUSTERING_COLUMNS:
            raise self.fail("clustering", f"BigQuery clusters on at most {_MAX_CLUSTERING_COLUMNS} columns")
        for name in names:
            if columns[name].type not in _CLUSTERABLE_TYPES:
                raise self.fail(
                    "clustering", f"column '{name}' is {columns[name].type}, which cannot be clustered"
                )
        return names


def _first_repeated(values: Sequence[Any]) -> Any:
    """The first value that an earlier one equals, or None."""
    for index, value in enumerate(values):
        if value in values[:index]:
            return value
    return None


def _show(value: object) -> str:
    """A YAML value with its kind, so that `str '5'` and `int 5` tell a quoted value from a number."""
    if value is None:
        return "nothing"
    if isinstance(value, Decimal | _UnreadNumber):  # how the contract reads a YAML number
        kind, shown = "number", str(value)
    else:
        kind, shown = type(value).__name__, repr(value)
    return f"{kind} {shown if len(shown) <= _MAX_SHOWN else shown[: _MAX_SHOWN - 3] + '...'}"


_MAX_SHOWN = 80
_BOOLEAN_HINT = " (YAML reads an unquoted yes, no, on or off as a boolean: quote it)"


def show_value(value: Value) -> str:
    """A rule value as messages show it: a timestamp in UTC with Z, a NUMERIC without its trailing zeros."""
    if isinstance(value, dt.datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, Decimal):
        return "0" if value.is_zero() else format(value.normalize(_NUMERIC_CONTEXT), "f")
    return str(value)


def _literal(value: object, syntax: str) -> str | None:
    """A YAML string written as a BigQuery literal of the syntax (YAML reads `1e3` as a string, say)."""
    return value if isinstance(value, str) and re.fullmatch(syntax, value) else None


def _as_int64(value: object) -> int | None:
    text = _literal(value, INT64_LITERAL)
    if text is not None:
        digits = text.lstrip("+-").lstrip("0") or "0"
        if len(digits) > len(str(INT64_MAX)):
            return None  # out of range, and Python refuses to convert thousands of digits
        value = int(("-" if text.startswith("-") else "") + digits)
    if isinstance(value, int) and not isinstance(value, bool) and INT64_MIN <= value <= INT64_MAX:
        return value
    return None


def _as_float64(value: object) -> float | None:
    text = _literal(value, FLOAT64_LITERAL)
    number = float(text) if text is not None else value
    if isinstance(number, int | float | Decimal) and not isinstance(number, bool) and math.isfinite(number):
        return float(number)
    return None


def _as_numeric(value: object) -> Decimal | None:
    """The value at NUMERIC's own scale, so that Spark compares it at that scale (a bound written with more
    trailing zeros would make Spark compare at a wider scale, where large values no longer fit)."""
    if isinstance(value, str):
        value = _literal(value, FLOAT64_LITERAL)
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
    return value if isinstance(value, str) and not isinstance(value, _UnreadNumber) else None


# What a rule value of each type must be, for error messages.
_EXPECTED = {
    STRING: "a quoted string",
    INT64: "an integer within 64 bits",
    FLOAT64: "a finite number",
    NUMERIC: f"a number with at most {NUMERIC_INTEGER_DIGITS} integer digits and {NUMERIC_SCALE} decimals",
    DATE: "YYYY-[M]M-[D]D, an existing day from year 1 to 9999",
    TIMESTAMP: (
        "YYYY-[M]M-[D]D[( |T)[H]H:[M]M:[S]S[.ffffff][Z| UTC|±H[H]|±H[H]:MM|±HHMM]], from year 1 to 9999 in "
        "UTC, offsets ≤ 14:00"
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
