"""The data contract: one YAML file declares a table once, for BigQuery and for the job.

The Pulumi program creates the BigQuery tables from `Contract.bigquery_schema()` and
`Contract.quarantine_schema()`; the Spark job validates every row against the same `Contract`. Parsing is
strict, so a typo in a contract is refused here, before any table or Spark session exists.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from spark_jobs.bigquery_types import (
    BOOL,
    DATE,
    FLOAT64,
    INT64,
    NUMERIC,
    STRING,
    TIMESTAMP,
    TYPE_ALIASES,
    TYPES,
)
from spark_jobs.contract_yaml import ContractLoader, UnreadNumber
from spark_jobs.errors import ContractError, listed
from spark_jobs.patterns import pattern_problem
from spark_jobs.quoting import quoted
from spark_jobs.rule_values import EXPECTED, Value, show_value, to_rule_value

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
# Columns the job uses while it works, never written: why a CSV record ran on past a quote never closed, the
# duplicate marking's row id, key hash and mark, and the local sink's partition directory.
OPEN_QUOTE = "_open_quote"
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

# Which rules fit which types.
_ORDERED_TYPES = (INT64, FLOAT64, NUMERIC, DATE, TIMESTAMP)
_ENUMERABLE_TYPES = (STRING, INT64, NUMERIC, DATE)
_PATTERN_TYPES = (STRING,)
_CLUSTERABLE_TYPES = (STRING, INT64, NUMERIC, BOOL, DATE, TIMESTAMP)
_PARTITION_TYPES = {DATE: ("DAY", "MONTH", "YEAR"), TIMESTAMP: ("HOUR", "DAY", "MONTH", "YEAR")}
_MAX_CLUSTERING_COLUMNS = 4

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# BigQuery's table names hold at most 1024 characters. The quarantine's name adds its suffix to the table's,
# and the BigQuery connector names the temporary table of a partitioned overwrite after the table followed by
# Java's System.nanoTime(), at most 19 digits: the table leaves room for the longer.
MAX_TABLE_NAME = 1024 - max(len(QUARANTINE_SUFFIX), 19)
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
_JOB_COLUMNS = (*METADATA_COLUMNS, ERRORS, RAW_RECORD, OPEN_QUOTE, ROW_ID, KEY_HASH, LOST, PARTITION_ID)

_TOP_LEVEL_KEYS = ("table", "description", "columns", "primary_key", "partitioning", "clustering")
_COLUMN_KEYS = ("name", "type", "mode", "description", "min", "max", "allowed", "pattern")
_PARTITIONING_KEYS = ("field", "type")


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
        document = yaml.load(text, Loader=ContractLoader)  # a SafeLoader
    except yaml.YAMLError as error:
        raise ContractError(f"{source}: not valid YAML {_yaml_problem(error)}") from None
    except RecursionError:
        raise _nested_too_deeply(source) from None
    surrogate = _unpaired_surrogate(document)
    if surrogate is not None:
        where, code = surrogate
        raise ContractError(
            f"{source}: {where}: holds the escape \\u{code:04x}, half of a UTF-16 pair, which is no "
            "character (UTF-8, in which the contract's texts go to Spark and BigQuery, cannot write it): "
            "write the character itself, or escape it whole (\\U0001F600)"
        )
    try:
        return parse_contract(document, source)
    except RecursionError:
        raise _nested_too_deeply(source) from None


def _unpaired_surrogate(document: object) -> tuple[str, int] | None:
    """Where a text of the `document` holds a surrogate, which only YAML's escapes (`"\\ud800"`) write, and
    its code. A list or map that aliases share is looked at once."""
    pending: list[tuple[str, object]] = [("", document)]
    looked_at: set[int] = set()
    while pending:
        where, value = pending.pop()
        if isinstance(value, str):
            found = _SURROGATE.search(value)
            if found is not None:
                return where or "contract", ord(found.group())
        elif isinstance(value, list | dict) and id(value) not in looked_at:
            looked_at.add(id(value))
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                inside = f"{where}[{key}]" if isinstance(value, list) else f"{where}.{key}".lstrip(".")
                pending += [(where or "contract", key), (inside, item)]
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _nested_too_deeply(source: str) -> ContractError:
    """PyYAML builds nested lists and maps by recursion, one Python frame per level, and the messages that
    show a misplaced structure recurse through it too."""
    return ContractError(
        f"{source}: its lists or maps nest too deeply to read: a contract nests three levels at most "
        "(columns, a column, its allowed values)"
    )


def _yaml_problem(error: yaml.YAMLError) -> str:
    """Where PyYAML stopped and why, on one line: without the placeholder it names the text with
    ("<unicode string>") and the lines it draws to point at the column."""
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        detail = f"{_at(error.problem_mark)}: {error.problem}"
        if error.context:
            starts = error.context_mark
            where = ""
            if starts is not None and starts.line != error.problem_mark.line:
                where = f" that starts {_at(starts)}"
            detail += f" ({error.context}{where})"
        return detail
    if isinstance(error, yaml.reader.ReaderError):
        return f"at character {error.position + 1}: {error.reason} (#x{error.character:04x})"
    return ": " + " ".join(line.strip() for line in str(error).splitlines() if line.strip())


def _at(mark: yaml.Mark) -> str:
    return f"at line {mark.line + 1}, column {mark.column + 1}"


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
        unknown = [_as_yaml(key) for key in value if key not in keys]
        if unknown:
            raise self.fail(where, f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(keys)}")
        return value

    def text(self, value: object, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"expected text that is not blank, got {_show(value)}{_text_hint(value)}")
        return value

    def description(self, value: object, where: str, limit: int) -> str | None:
        """An optional description, at most `limit` characters (BigQuery's limit where it goes)."""
        if value is None:
            return None
        text = self.text(value, where)
        if len(text) > limit:
            raise self.fail(where, f"a description may have at most {limit} characters, not {len(text)}")
        return text

    def column_name(self, value: object, where: str, columns: Mapping[str, Column]) -> str:
        """A declared column, named ignoring case as everywhere else, in its declared spelling."""
        name = self.text(value, where)
        # Declared names are ASCII: another letter whose lower case is ASCII's (the Kelvin sign) names none.
        column = columns.get(name.lower()) if name.isascii() else None
        if column is None:
            raise self.fail(where, f"column {quoted(name)} is not declared in columns")
        return column.name

    def names(self, value: object, where: str, columns: Mapping[str, Column]) -> tuple[str, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail(where, f"expected a non-empty list of column names, got {_show(value)}")
        names = tuple(self.column_name(item, where, columns) for item in value)
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
        if not _NAME.fullmatch(table) or len(table) > MAX_TABLE_NAME:
            raise self.fail(
                "table",
                f"{quoted(table)} is not a usable BigQuery table name (letters, digits and underscores, "
                f"not starting with a digit, at most {MAX_TABLE_NAME} characters)",
            )
        # In any case: a local file system or a case-insensitive dataset tells no case apart.
        if table.lower().endswith(QUARANTINE_SUFFIX):
            raise self.fail(
                "table",
                f"'{table}' ends with {QUARANTINE_SUFFIX} (in some letter case), which names the quarantine "
                "of another table",
            )
        description = self.description(top.get("description"), "description", _MAX_TABLE_DESCRIPTION)
        columns = self.columns(top["columns"])
        # Keys, partitioning and clustering name columns ignoring case, as BigQuery does.
        by_name = {column.name.lower(): column for column in columns}
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
        where = f"column {quoted(value['name'])}" if named else f"columns[{index}]"  # type: ignore[index]
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
                raise self.fail(where, _not_applicable(key, type_, fits))
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
        if isinstance(value, str) and value.isascii():  # another letter's case may be ASCII's (long s)
            type_ = TYPE_ALIASES.get(value.upper(), value.upper())
            if type_ in TYPES:
                return type_
        accepted = ", ".join((*TYPES, *TYPE_ALIASES))
        raise self.fail(where, f"unknown type {_show(value)}; accepted: {accepted}")

    def mode(self, value: object, where: str) -> bool:
        if isinstance(value, str) and value.isascii() and value.upper() in (REQUIRED, NULLABLE):
            return value.upper() == REQUIRED
        raise self.fail(where, f"mode must be REQUIRED or NULLABLE, got {_show(value)}")

    def allowed(
        self, value: object, type_: str, where: str, convert: Callable[[object, str], Value]
    ) -> tuple[Value, ...] | None:
        if value is None:
            return None
        if type_ not in _ENUMERABLE_TYPES:
            raise self.fail(where, _not_applicable("allowed", type_, _ENUMERABLE_TYPES))
        if not isinstance(value, list) or not value:
            raise self.fail(where, f"'allowed' must be a non-empty list, got {_show(value)}")
        values = tuple(convert(item, "allowed") for item in value)
        repeated = _first_repeated(values)
        if repeated is not None:
            shown = quoted(repeated) if isinstance(repeated, str) else show_value(repeated)
            raise self.fail(where, f"allowed value {shown} is listed twice")
        return values

    def pattern(self, value: object, type_: str, where: str) -> str | None:
        if value is None:
            return None
        if type_ not in _PATTERN_TYPES:
            raise self.fail(where, _not_applicable("pattern", type_, _PATTERN_TYPES))
        pattern = self.text(value, f"{where}: pattern")
        problem = pattern_problem(pattern)
        if problem:
            raise self.fail(where, f"pattern {quoted(pattern)} {problem}")
        return pattern

    def value_converter(self, type_: str, where: str) -> Callable[[object, str], Value]:
        """A function turning a YAML value into a value of the column's type, or failing with a message."""

        def convert(value: object, key: str) -> Value:
            converted = to_rule_value(type_, value)
            if converted is None:
                hint = _text_hint(value) if type_ == STRING else ""
                raise self.fail(
                    where, f"{key} value {_show(value)} is not a valid {type_} ({EXPECTED[type_]}){hint}"
                )
            return converted

        return convert

    def primary_key(self, value: object, columns: Mapping[str, Column]) -> tuple[str, ...]:
        if value is None:
            return ()
        names = self.names(value, "primary_key", columns)
        for name in names:
            if not columns[name.lower()].required:
                raise self.fail(
                    "primary_key", f"column '{name}' must be mode: REQUIRED (a key cannot be null)"
                )
        return names

    def partitioning(self, value: object, columns: Mapping[str, Column]) -> Partitioning | None:
        if value is None:
            return None
        raw = self.mapping(value, "partitioning", _PARTITIONING_KEYS)
        field = self.column_name(raw.get("field"), "partitioning.field", columns)
        field_type = columns[field.lower()].type
        if field_type not in _PARTITION_TYPES:
            raise self.fail(
                "partitioning.field", f"column '{field}' is {field_type}; it must be DATE or TIMESTAMP"
            )
        written = self.text(raw.get("type", "DAY"), "partitioning.type")
        kind = written.upper()
        if not written.isascii() or kind not in _PARTITION_TYPES[field_type]:
            accepted = ", ".join(_PARTITION_TYPES[field_type])
            raise self.fail(
                "partitioning.type",
                f"{quoted(written)} is not valid for a {field_type} field; use {accepted}",
            )
        return Partitioning(field, kind)

    def clustering(self, value: object, columns: Mapping[str, Column]) -> tuple[str, ...]:
        if value is None:
            return ()
        names = self.names(value, "clustering", columns)
        if len(names) > _MAX_CLUSTERING_COLUMNS:
            raise self.fail("clustering", f"BigQuery clusters on at most {_MAX_CLUSTERING_COLUMNS} columns")
        for name in names:
            type_ = columns[name.lower()].type
            if type_ not in _CLUSTERABLE_TYPES:
                raise self.fail("clustering", f"column '{name}' is {type_}, which cannot be clustered")
        return names


def _first_repeated(values: Sequence[Hashable]) -> Any:
    """The first value that an earlier one equals (`1` and `1.00` are equal, and hash alike), or None."""
    seen = set()
    for value in values:
        if value in seen:
            return value
        seen.add(value)
    return None


def _not_applicable(rule: str, type_: str, fits: tuple[str, ...]) -> str:
    article = "an" if type_[0] in "AEIOU" else "a"
    return f"'{rule}' does not apply to {article} {type_} column (only to {listed(fits)} columns)"


def _show(value: object) -> str:
    """A YAML value with its kind, so that `text '5'` and `number 5` tell a quoted value from a number."""
    if value is None:
        return "nothing"
    if isinstance(value, Decimal | UnreadNumber):  # how the contract reads a YAML number
        kind = "number"
    elif isinstance(value, bool):
        kind = "boolean"
    else:
        kind = _KINDS.get(type(value), type(value).__name__)
    shown = ""
    # Written piece by piece up to the length shown: aliases let a short file hold a value whose whole text
    # would take gigabytes.
    for piece in _flow_pieces(value):
        shown += piece
        if len(shown) > _MAX_SHOWN:
            return f"{kind} {shown[: _MAX_SHOWN - 3]}..."
    return f"{kind} {shown}"


def _as_yaml(value: object) -> str:
    """A value as YAML's flow style writes it: `{a: 1, b: [x, 'y z']}`, text quoted as `quoted` does."""
    return "".join(_flow_pieces(value))


def _flow_pieces(value: object) -> Iterator[str]:
    """`_as_yaml`'s text, in pieces."""
    if isinstance(value, bool):
        yield str(value).lower()
    elif value is None:
        yield "null"
    elif isinstance(value, str) and not isinstance(value, UnreadNumber):  # a number kept as text: unquoted
        yield quoted(value)
    elif isinstance(value, list):
        yield "["
        for index, item in enumerate(value):
            yield ", " if index else ""
            yield from _flow_pieces(item)
        yield "]"
    elif isinstance(value, dict):
        yield "{"
        for index, (key, item) in enumerate(value.items()):
            yield ", " if index else ""
            yield from _flow_pieces(key)
            yield ": "
            yield from _flow_pieces(item)
        yield "}"
    elif isinstance(value, Decimal) and abs(value.adjusted()) <= _MAX_SHOWN:
        # Without the exponent Python's str gives a small number (1E-10) written 0.0000000001; past the
        # length shown, the exponent is kept (1E+999999 would otherwise be a million digits).
        yield format(value, "f")
    else:
        yield str(value)


# YAML reads text whether quoted or not (1e5, without a dot, is text to YAML 1.1), so not Python's `str`.
_KINDS = {str: "text", int: "number", float: "number", list: "list", dict: "map"}


_MAX_SHOWN = 80
_BOOLEAN_HINT = " (YAML reads an unquoted yes, no, on or off as a boolean: quote it)"
_NULL_HINT = " (YAML reads an empty value, ~ and an unquoted null as nothing: quote text)"


def _text_hint(value: object) -> str:
    """Why YAML read what looked like text as something else, where text was expected: unquoted yes, no, on,
    off as booleans, and an empty value, ~ or null as nothing."""
    return _BOOLEAN_HINT if isinstance(value, bool) else _NULL_HINT if value is None else ""
