"""The contract parser: the shipped contract, the derived BigQuery schemas, and every refusal."""

from __future__ import annotations

import copy
import datetime as dt
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from py4j.protocol import Py4JJavaError
from pyspark.errors import PySparkException
from pyspark.sql import SparkSession

from spark_jobs.contract import (
    BATCH_ID,
    INGESTED_AT,
    QUARANTINE_PARTITION_FIELD,
    SOURCE_FILE,
    Column,
    Partitioning,
    contract_from_bytes,
    load_contract,
    parse_contract,
)
from spark_jobs.errors import ContractError
from spark_jobs.quoting import quoted

ORDERS = Path(__file__).parents[2] / "spark_jobs" / "contracts" / "orders.yaml"


def minimal(**overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "table": "things",
        "columns": [
            {"name": "id", "type": "STRING", "mode": "REQUIRED"},
            {"name": "n", "type": "INT64"},
            {"name": "day", "type": "DATE"},
            {"name": "at", "type": "TIMESTAMP"},
        ],
    }
    document.update(overrides)
    return document


def with_column(**column: Any) -> dict[str, Any]:
    document = minimal()
    document["columns"] = [*copy.deepcopy(document["columns"]), column]
    return document


def with_key(key: object, value: object) -> dict[object, object]:
    """The minimal contract with one more top-level key, which need not be text."""
    document: dict[object, object] = {name: item for name, item in minimal().items()}
    document[key] = value
    return document


def refusal(document: object) -> str:
    with pytest.raises(ContractError) as caught:
        parse_contract(document, "c.yaml")
    message = str(caught.value)
    assert message.startswith("c.yaml: ")
    return message


def test_orders_contract_is_the_one_in_the_issue() -> None:
    contract = load_contract(ORDERS)
    assert contract.table == "orders"
    assert contract.quarantine_table == "orders__rejected"
    assert contract.description == "Customer orders, one row per order."
    shapes = [(c.name, c.type, c.required, c.min, c.max, c.allowed, c.pattern) for c in contract.columns]
    assert shapes == [
        ("order_id", "STRING", True, None, None, None, "^ORD-[0-9]{6}$"),
        ("customer_id", "INT64", True, None, None, None, None),
        ("amount", "NUMERIC", False, Decimal(0), None, None, None),
        ("currency", "STRING", False, None, None, ("EUR", "USD", "GBP"), None),
        ("order_date", "DATE", True, None, None, None, None),
    ]
    assert contract.primary_key == ("order_id",)
    assert contract.partitioning == Partitioning("order_date", "DAY")
    assert contract.clustering == ("customer_id",)


def test_bigquery_schema_uses_the_api_type_names_and_appends_metadata() -> None:
    schema = load_contract(ORDERS).bigquery_schema()
    assert [(f["name"], f["type"], f["mode"]) for f in schema] == [
        ("order_id", "STRING", "REQUIRED"),
        ("customer_id", "INTEGER", "REQUIRED"),
        ("amount", "NUMERIC", "NULLABLE"),
        ("currency", "STRING", "NULLABLE"),
        ("order_date", "DATE", "REQUIRED"),
        (INGESTED_AT, "TIMESTAMP", "REQUIRED"),
        (SOURCE_FILE, "STRING", "REQUIRED"),
        (BATCH_ID, "STRING", "REQUIRED"),
    ]
    assert schema[1]["description"] == "The ordering customer."
    assert all(set(f) == {"name", "type", "mode", "description"} for f in schema)


def test_schema_omits_a_missing_description_and_maps_every_type() -> None:
    document = minimal()
    document["columns"] = [
        {"name": f"c{i}", "type": t} for i, t in enumerate(["FLOAT64", "BOOL", "FLOAT", "int64"])
    ]
    fields = parse_contract(document, "c.yaml").bigquery_schema()[:4]
    assert fields == [
        {"name": "c0", "type": "FLOAT", "mode": "NULLABLE"},
        {"name": "c1", "type": "BOOLEAN", "mode": "NULLABLE"},
        {"name": "c2", "type": "FLOAT", "mode": "NULLABLE"},
        {"name": "c3", "type": "INTEGER", "mode": "NULLABLE"},
    ]


def test_quarantine_schema_holds_text_reasons_and_metadata() -> None:
    schema = load_contract(ORDERS).quarantine_schema()
    assert [(f["name"], f["type"], f["mode"]) for f in schema] == [
        ("order_id", "STRING", "NULLABLE"),
        ("customer_id", "STRING", "NULLABLE"),
        ("amount", "STRING", "NULLABLE"),
        ("currency", "STRING", "NULLABLE"),
        ("order_date", "STRING", "NULLABLE"),
        ("_errors", "STRING", "REPEATED"),
        ("_raw_record", "STRING", "NULLABLE"),
        (INGESTED_AT, "TIMESTAMP", "REQUIRED"),
        (SOURCE_FILE, "STRING", "REQUIRED"),
        (BATCH_ID, "STRING", "REQUIRED"),
    ]
    assert QUARANTINE_PARTITION_FIELD == INGESTED_AT


def test_aliases_and_typed_rule_values() -> None:
    document = minimal()
    document["columns"] = [
        {"name": "i", "type": "INTEGER", "min": -5, "max": 10, "allowed": [1, 2]},
        {"name": "f", "type": "FLOAT", "min": 0.5},
        {"name": "b", "type": "BOOLEAN"},
        {"name": "n", "type": "NUMERIC", "max": "12.345", "allowed": [1, 2.5]},
        {"name": "d", "type": "DATE", "min": dt.date(2020, 1, 1), "max": "2030-12-31"},
        {"name": "t", "type": "TIMESTAMP", "min": "2020-01-01T00:00:00", "max": "2030-01-01T01:00:00+01:00"},
    ]
    columns = parse_contract(document, "c.yaml").columns
    assert columns[0] == Column("i", "INT64", False, None, -5, 10, (1, 2), None)
    assert (columns[1].type, columns[1].min) == ("FLOAT64", 0.5)
    assert columns[2].type == "BOOL"
    assert (columns[3].max, columns[3].allowed) == (Decimal("12.345"), (Decimal(1), Decimal("2.5")))
    assert (columns[4].min, columns[4].max) == (dt.date(2020, 1, 1), dt.date(2030, 12, 31))
    assert columns[5].min == dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    assert columns[5].max == dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("just text", "contract: expected a mapping"),
        (minimal(tabel="x"), "contract: unknown key(s) 'tabel'"),
        ({"columns": [{"name": "a", "type": "STRING"}]}, "missing required key 'table'"),
        (minimal(table="my-table"), "table: 'my-table' is not a usable BigQuery table name"),
        (minimal(table="1abc"), "is not a usable BigQuery table name"),
        (minimal(table="t" * 1006), "is not a usable BigQuery table name"),
        (
            minimal(table="orders__rejected"),
            "table: 'orders__rejected' ends with __rejected (in some letter case), which names the",
        ),
        (
            minimal(table="orders__REJECTED"),
            "table: 'orders__REJECTED' ends with __rejected (in some letter case), which names the",
        ),
        (minimal(columns=[]), "columns: expected a non-empty list"),
        (
            minimal(columns=[{"name": f"c{i}", "type": "STRING"} for i in range(9996)]),
            "columns: at most 9995 columns (BigQuery's 10000 a table, less the quarantine's own), not 9996",
        ),
        (
            minimal(description="d" * 16_385),
            "description: a description may have at most 16384 characters, not 16385",
        ),
        (
            with_column(name="x", type="STRING", description="d" * 1_025),
            "column 'x': description: a description may have at most 1024 characters, not 1025",
        ),
        (with_column(name="x", type="VARCHAR"), "column 'x': unknown type text 'VARCHAR'"),
        (with_column(name="x"), "column 'x': missing required key 'type'"),
        (with_column(name="x", type="STRING", nullable=True), "column 'x': unknown key(s) 'nullable'"),
        (minimal(columns=[{"type": "STRING", "minimum": 1}]), "columns[0]: unknown key(s) 'minimum'"),
        # A key that differs from an allowed one by what does not show, or a number, is shown as YAML has it.
        (with_key("table\t", "x"), 'contract: unknown key(s) "table\\t"; allowed: table,'),
        (with_key(5, "x"), "contract: unknown key(s) 5; allowed: table,"),
        (
            with_column(name="x", type="STRING", mode="REPEATED"),
            "column 'x': mode must be REQUIRED or NULLABLE",
        ),
        (with_column(name="x", type="STRING", min=1), "column 'x': 'min' does not apply to a STRING column"),
        (with_column(name="x", type="BOOL", max=1), "column 'x': 'max' does not apply to a BOOL column"),
        (
            with_column(name="x", type="INT64", pattern="^1$"),
            "column 'x': 'pattern' does not apply to an INT64 column (only to STRING columns)",
        ),
        (
            with_column(name="x", type="FLOAT64", allowed=[1.0]),
            "column 'x': 'allowed' does not apply to a FLOAT64 column (only to STRING, INT64, NUMERIC or "
            "DATE columns)",
        ),
        (
            with_column(name="x", type="STRING", pattern="(unclosed"),
            "column 'x': pattern '(unclosed' is not a valid",
        ),
        (with_column(name="x", type="STRING", allowed=[]), "column 'x': 'allowed' must be a non-empty list"),
        (
            with_column(name="x", type="STRING", allowed=["yes", False]),
            "allowed value boolean false is not a valid STRING (a quoted string) (YAML reads an unquoted "
            "yes, no",
        ),
        # Where text is expected, YAML's null is explained; elsewhere it is only named.
        (
            with_column(name="x", type="STRING", allowed=["N/A", None]),
            "allowed value nothing is not a valid STRING (a quoted string) (YAML reads an empty value, ~ and "
            "an unquoted null as nothing: quote text)",
        ),
        (
            with_column(name=None, type="STRING"),
            "name: expected text that is not blank, got nothing (YAML reads",
        ),
        (
            with_column(name="x", type="INT64", min=1.5),
            "column 'x': min value number 1.5 is not a valid INT64",
        ),
        (with_column(name="x", type="INT64", max=2**63), "is not a valid INT64"),
        (
            with_column(name="x", type="INT64", min=True),
            "min value boolean true is not a valid INT64 (an integer",
        ),
        (
            with_column(name="x", type="NUMERIC", min="0.0000000001"),
            "min value text '0.0000000001' is not a valid NUMERIC (a number with at most 29 integer digits "
            "and 9 decimals)",
        ),
        (with_column(name="x", type="FLOAT64", max="1e3x"), "max value text '1e3x' is not a valid FLOAT64"),
        (with_column(name="x", type="INT64", max=" 12"), "max value text ' 12' is not a valid INT64"),
        (with_column(name="x", type="NUMERIC", max="1_000"), "max value text '1_000' is not a valid NUMERIC"),
        (
            with_column(name="x", type="DATE", min="20260101"),
            "min value text '20260101' is not a valid DATE (YYYY-[M]M-[D]D",
        ),
        (with_column(name="x", type="DATE", min="0000-01-01"), "min value text '0000-01-01' is not a valid"),
        (
            with_column(name="x", type="TIMESTAMP", min="2026-01-05T10"),
            "min value text '2026-01-05T10' is not a valid TIMESTAMP (YYYY-[M]M-[D]D[( |T|t)[H]H:[M]M:[S]S"
            "[.ffffff][Z|z| UTC|±H[H]|±H[H]:MM|±HHMM]], from year 1 to 9999 in UTC, offsets ≤ 14:00)",
        ),
        (with_column(name="x", type="NUMERIC", max="1" + "0" * 29), "is not a valid NUMERIC"),
        (with_column(name="x", type="FLOAT64", max=float("inf")), "is not a valid FLOAT64"),
        # So close to 0 that FLOAT64 would hold 0: a `min` would let 0 pass, a `max` would not be below 0.
        (
            with_column(name="x", type="FLOAT64", min="1e-400"),
            "min value text '1e-400' is not a valid FLOAT64 (a finite number, not so close to 0 that FLOAT64 "
            "holds it as 0)",
        ),
        (with_column(name="x", type="FLOAT64", max=Decimal("-1E-400")), "is not a valid FLOAT64"),
        (with_column(name="x", type="FLOAT64", min=0, max="-2e-324"), "'-2e-324' is not a valid FLOAT64"),
        # An exponent past what Decimal takes: refused from its digits, not by Decimal's own error.
        (
            with_column(name="x", type="FLOAT64", min="1e-999999999999999999999"),
            "min value text '1e-999999999999999999999' is not a valid FLOAT64",
        ),
        (
            with_column(name="x", type="FLOAT64", max="1e999999999999999999999"),
            "max value text '1e999999999999999999999' is not a valid FLOAT64",
        ),
        (
            with_column(name="x", type="DATE", min="2026-02-30"),
            "min value text '2026-02-30' is not a valid DATE",
        ),
        (
            with_column(name="x", type="TIMESTAMP", max="soon"),
            "max value text 'soon' is not a valid TIMESTAMP",
        ),
        (with_column(name="x", type="INT64", min=5, max=4), "column 'x': min 5 is greater than max 4"),
        (with_column(name="x", type="FLOAT64", min=1, max=0.5), "column 'x': min 1 is greater than max 0.5"),
        (with_column(name="x-y", type="STRING"), "column 'x-y': not a valid BigQuery column name"),
        (with_column(name="_PARTITIONTIME", type="STRING"), "BigQuery reserves column names"),
        (with_column(name="_batch_id", type="STRING"), "the job uses a column named _batch_id itself"),
        (with_column(name="_Key_Hash", type="INT64"), "the job uses a column named _key_hash itself"),
        (with_column(name="_row_id", type="INT64"), "the job uses a column named _row_id itself"),
        (with_column(name="_lost", type="BOOL"), "the job uses a column named _lost itself"),
        (
            with_column(name="ID", type="STRING"),
            "column 'ID': declared twice (BigQuery names ignore case: 'id')",
        ),
        (
            with_column(name=7, type="STRING"),
            "columns[4].name: expected text that is not blank, got number 7",
        ),
        (minimal(primary_key=["nope"]), "primary_key: column 'nope' is not declared"),
        (minimal(primary_key=["n"]), "primary_key: column 'n' must be mode: REQUIRED"),
        (minimal(primary_key=["id", "id"]), "primary_key: column 'id' is listed twice"),
        (minimal(primary_key=[]), "primary_key: expected a non-empty list"),
        (minimal(partitioning={"field": "nope"}), "partitioning.field: column 'nope' is not declared"),
        (minimal(partitioning={"field": "n"}), "partitioning.field: column 'n' is INT64; it must be DATE or"),
        (minimal(partitioning={"field": "day", "type": "hour"}), "'hour' is not valid for a DATE field"),
        (minimal(partitioning={"field": "at", "type": "WEEK"}), "'WEEK' is not valid for a TIMESTAMP field"),
        # Shown as written, on one line; not read as DAI, its upper case.
        (minimal(partitioning={"field": "day", "type": "DAY\nx"}), '"DAY\\nx" is not valid for a DATE field'),
        (
            minimal(partitioning={"field": "day", "type": "da\u0131"}),
            "'da\u0131' is not valid for a DATE field",
        ),
        # Letters whose case is ASCII's name no type, mode or column: declared names are ASCII.
        (with_column(name="x", type="\u017ftring"), "column 'x': unknown type text '\u017ftring'"),
        (with_column(name="x", type="STRING", mode="requ\u0131red"), "mode must be REQUIRED or NULLABLE"),
        (minimal(clustering=["\u212a"]), "clustering: column '\u212a' is not declared"),
        (minimal(partitioning={"field": "at", "range": 1}), "partitioning: unknown key(s) 'range'"),
        (minimal(clustering=["id", "n", "day", "at", "id"]), "clustering: column 'id' is listed twice"),
        # BigQuery's reserved prefixes, change data capture's included.
        (with_column(name="_change_type", type="STRING"), "reserves column names starting with _CHANGE_TYPE"),
        (with_column(name="_COLIDENTIFIER_x", type="STRING"), "starting with _COLIDENTIFIER"),
        # The key and the column are named, and YAML's booleans are explained.
        (
            with_column(name="x", type="STRING", pattern=123),
            "column 'x': pattern: expected text that is not blank",
        ),
        (
            with_column(name="x", type="STRING", description=" "),
            "column 'x': description: expected text that is not blank",
        ),
        (with_column(name=False, type="STRING"), "got boolean false (YAML reads an unquoted yes, no"),
        # RE2's POSIX classes mean something else to Java: [[:digit:]] is the set of ':', 'd', 'i', 'g', 't'.
        (
            with_column(name="x", type="STRING", pattern="^[[:digit:]]+$"),
            "uses the POSIX class [:digit:], which Java reads as a set of the characters in ':digit:': write "
            "\\p{Digit} or a range such as [0-9]",
        ),
        # Rules that contradict each other: no value could pass them all.
        (with_column(name="x", type="INT64", min=5, allowed=[1, 5]), "allowed value 1 lies outside min/max"),
        (with_column(name="x", type="INT64", max=5, allowed=[5, 9]), "allowed value 9 lies outside min/max"),
        (with_column(name="x", type="NUMERIC", allowed=[1, "1.00"]), "allowed value 1 is listed twice"),
        (
            with_column(name="x", type="STRING", allowed=["x\\y", "x\\y"]),
            "allowed value 'x\\y' is listed twice",
        ),
        (
            with_column(name="x", type="STRING", allowed=["x\ty", "x\ty"]),
            'allowed value "x\\ty" is listed twice',
        ),
        (minimal(clustering=["missing"]), "clustering: column 'missing' is not declared"),
    ],
)
def test_refusals_name_the_place_and_the_problem(document: object, expected: str) -> None:
    assert expected in refusal(document)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            with_column(name="x", type="INT64", allowed=[1, None]),
            "column 'x': allowed value nothing is not a valid INT64 (an integer within 64 bits)",
        ),
        (minimal(columns=None), "columns: expected a non-empty list of columns, got nothing"),
    ],
)
def test_a_null_where_no_text_is_expected_is_named_without_the_quoting_hint(
    document: object, expected: str
) -> None:
    assert refusal(document) == f"c.yaml: {expected}"


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            with_column(name="x", type="STRING", pattern=r"^\d{,3}$"),
            r"column 'x': pattern '^\d{,3}$' repeats up to n times as Python does, {,n}: Java writes {0,n}",
        ),
        (
            with_column(name="x", type="INT64", max="1\t2"),
            r"""column 'x': max value text "1\t2" is not a valid INT64 (an integer within 64 bits)""",
        ),
        (minimal(primary_key=["it's"]), "primary_key: column 'it''s' is not declared in columns"),
        (
            minimal(table="a\tb"),
            r'table: "a\tb" is not a usable BigQuery table name (letters, digits and underscores, not '
            "starting with a digit, at most 1005 characters)",
        ),
    ],
)
def test_text_is_shown_as_yaml_quotes_it(document: object, expected: str) -> None:
    """Not as Python's repr, which doubles the backslashes the author typed; a character that would not show
    is escaped in double quotes."""
    assert refusal(document) == f"c.yaml: {expected}"


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        (None, "nothing"),
        (5, "number 5"),
        ("5", "text '5'"),
        ({"a": 1}, "map {'a': 1}"),
        ({"min": [1.5, "x\\y", True, None]}, "map {'min': [1.5, 'x\\y', true, null]}"),
    ],
)
def test_a_type_that_is_no_type_name_is_shown_as_what_yaml_read(given: object, shown: str) -> None:
    """`type:` left empty reads as null, `type: 5` as a number: the message says so, and lists the names."""
    accepted = "STRING, INT64, FLOAT64, NUMERIC, BOOL, DATE, TIMESTAMP, INTEGER, FLOAT, BOOLEAN"
    assert refusal(with_column(name="x", type=given)) == (
        f"c.yaml: column 'x': unknown type {shown}; accepted: {accepted}"
    )


def test_bigquery_size_limits_are_inclusive() -> None:
    columns = [{"name": f"c{i}", "type": "STRING"} for i in range(9994)]
    columns.append({"name": "last", "type": "STRING", "description": "d" * 1_024})
    contract = parse_contract(minimal(table="t" * 1005, description="d" * 16_384, columns=columns), "c.yaml")
    assert (len(contract.quarantine_schema()), len(contract.columns[-1].description or "")) == (10_000, 1_024)
    assert len(contract.table + str(2**63 - 1)) == 1024, "the connector's temporary table is named too"


def test_a_timestamp_bound_whose_offset_leaves_the_range_is_refused() -> None:
    early = dt.datetime(1, 1, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    message = refusal(with_column(name="x", type="TIMESTAMP", min=early))
    assert "column 'x': min value datetime" in message
    assert "is not a valid TIMESTAMP (YYYY-[M]M-[D]D" in message


def test_bounds_may_be_equal_meet_an_allowed_value_or_reach_int64s_limits() -> None:
    document = minimal()
    document["columns"] = [
        {"name": "five", "type": "INT64", "min": 5, "max": 5},
        {"name": "choice", "type": "INT64", "min": 1, "max": 2, "allowed": [1, 2]},
        {"name": "wide", "type": "INT64", "min": -9223372036854775808, "max": 9223372036854775807},
        {"name": "written", "type": "INT64", "min": "-9223372036854775808", "max": "9223372036854775807"},
    ]
    five, choice, wide, written = parse_contract(document, "c.yaml").columns
    assert (five.min, five.max) == (5, 5)
    assert (choice.min, choice.max, choice.allowed) == (1, 2, (1, 2))
    assert (wide.min, wide.max) == (written.min, written.max) == (-(2**63), 2**63 - 1)


def test_rule_values_may_be_written_as_the_data_is() -> None:
    document = minimal()
    document["columns"] = [
        {"name": "i", "type": "INT64", "min": "-12", "max": "+12"},
        {"name": "f", "type": "FLOAT64", "max": "1e3"},
        {"name": "n", "type": "NUMERIC", "max": "1.5e3"},
        {"name": "d", "type": "DATE", "min": "2026-1-5"},
        {"name": "t", "type": "TIMESTAMP", "min": dt.date(2026, 1, 5), "max": "2026-01-05t12:30:00.5+02:30"},
    ]
    i, f, n, d, t = parse_contract(document, "c.yaml").columns
    assert (i.min, i.max, f.max, n.max, d.min) == (-12, 12, 1000.0, Decimal("1500"), dt.date(2026, 1, 5))
    assert (t.min, t.max) == (
        dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
        dt.datetime(2026, 1, 5, 10, 0, 0, 500000, tzinfo=dt.UTC),
    )


@pytest.mark.parametrize(
    "pattern",
    [
        r"^\p{Lu}{2}[0-9]\z",
        r"^(?<code>[A-Z]{2})-\k<code>$",
        r"^\Q1.5\E$",
        r"^ORD-(?i)[a-z]+$",
        r"^\e\cA\x{1F600}$",
        r"^\V+\N{CJK UNIFIED IDEOGRAPHS 4E00}\b{g}$",
        r"(?U)^\w+$",
        r"^[a-z&&[^aeiou]]+$",
        r"(?<=ab?)c",
        r"(?<!\d{1,3})x",
    ],
)
def test_java_only_pattern_syntax_is_accepted(pattern: str) -> None:
    column = parse_contract(with_column(name="x", type="STRING", pattern=pattern), "c.yaml").columns[-1]
    assert column.pattern == pattern


# Escapes and repetitions that Python's syntax check never sees as Java does, and which Java refuses.
_JAVA_REFUSES_UNSEEN_BY_PYTHON = {
    r"^\x{110000}$": r"writes \x{110000}, which is no character: Java takes hex digits up to 10FFFF",
    r"^\x{}$": r"writes \x{}, which is no character",
    r"^[\x{4g}]$": r"writes \x{4g}, which is no character",
    "^a{2147483648}$": "repeats {2147483648}, more times than Java counts (at most 2147483647)",
    "^a{1,2147483648}$": "repeats {1,2147483648}, more times than Java counts",
    "^a\\c": r"ends with \c, which names no control character: Java takes the character after it, as in \cA",
    "^(?<n_1>a)$": "names a group 'n_1': Java's group names are ASCII letters and digits, a letter first",
    "^(?<né>a)$": "names a group 'né': Java's group names are ASCII letters and digits",
    "^(?<a.b)c$": "names a group 'a.b': Java's group names are ASCII letters and digits",
    "^(?<ab": "names a group 'ab' without the > that ends its name",
}


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        # Counted in the pattern as written, as Java counts, not in the check's rewriting of it (flags
        # removed, classes Python lacks written as one character, named groups spelled as Python's).
        ("(?i)abc)", "unbalanced parenthesis at position 7"),
        (r"\p{Lu}\p{Lu}\p{Lu}*+*", "multiple repeat at position 20"),
        ("(?<name>a)(?<other>b)[", "unterminated character set at position 21"),
        # In a token the check rewrote, its start: Python's (?P=zz) for Java's \k<zz>.
        (r"x\Q..\E\k<zz>", "unknown group name 'zz' at position 7"),
    ],
)
def test_a_syntax_error_is_placed_in_the_pattern_as_written(pattern: str, problem: str) -> None:
    assert refusal(with_column(name="x", type="STRING", pattern=pattern)).endswith(
        f"pattern {quoted(pattern)} is not a valid regular expression: {problem}"
    )


@pytest.mark.parametrize(
    ("pattern", "at"), [("^a{2}{3}$", 5), ("x*{2}", 2), (r"\p{Lu}?{2}", 7), ("(?i)x++{1,}", 7)]
)
def test_a_repetition_repeated_by_braces_is_refused_as_java_ignores_it(pattern: str, at: int) -> None:
    """Java takes a {n} after another repetition, and ignores it; Python and BigQuery's RE2 refuse it."""
    assert refusal(with_column(name="x", type="STRING", pattern=pattern)).endswith(
        f"pattern {quoted(pattern)} repeats a repetition with the {{ at position {at}, which Java ignores "
        "(a{2}{3} matches as a{2} does) and BigQuery's RE2 refuses: to repeat a repetition, make it a group, "
        "as in (?:a{2}){3}"
    )


def test_java_ignores_a_repetition_repeated_by_braces(spark: SparkSession) -> None:
    """What the refusal above says of Java, and the group it suggests."""
    matches = spark.sparkContext._jvm.java.util.regex.Pattern.matches  # type: ignore[union-attr]
    assert [matches("a{2}{3}", text) for text in ("aa", "aaaaaa")] == [True, False]
    assert [matches("(?:a{2}){3}", text) for text in ("aa", "aaaaaa")] == [False, True]


def test_java_refuses_what_the_check_refuses_for_it(spark: SparkSession) -> None:
    """The check's refusals for Java are Java's own: its compile refuses each of these patterns."""
    compile_pattern = spark.sparkContext._jvm.java.util.regex.Pattern.compile  # type: ignore[union-attr]
    for pattern in _JAVA_REFUSES_UNSEEN_BY_PYTHON:
        with pytest.raises((Py4JJavaError, PySparkException)):
            compile_pattern(pattern)
    for accepted in (r"^\x{10FFFF}$", "^a{2147483647}$", r"^\cA$"):
        compile_pattern(accepted)


_BRACE = (
    r"holds a { that starts no repetition ({n}, {n,} or {n,m}), which Java refuses: write "
    r"\{ for the brace itself"
)


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("^(?P<code>[A-Z]{3})$", "names a group as Python does: Java writes (?<name>…)"),
        ("^(?<c>a)(?P=c)$", "refers back to a group as Python does: Java writes \\k<name>"),
        ("^x(?#comment)$", "holds a comment group, which Java does not have: remove it"),
        ("^(a)?(?(1)b|c)$", "holds a conditional group, which Java does not have"),
        ("(?a)^[a-z]+$", "sets flags 'a': Java's inline flags are i, d, m, s, u, x, U, c"),
        ("(?L-i:x)", "sets flags 'L-i': Java's inline flags are i, d, m, s, u, x, U, c"),
        ("^[^^](?P<n>a)$", "names a group as Python does: Java writes (?<name>…)"),
        ("^a{4294967296}$", "repeats {4294967296}, more times than Java counts (at most 2147483647)"),
        ("(?-q)a", "sets flags '-q': Java's inline flags are i, d, m, s, u, x, U, c"),
        ("(?x)[[:digit:]]+$", "uses the POSIX class [:digit:], which Java reads as a set of the characters"),
        ("^a{,3}$", "repeats up to n times as Python does, {,n}: Java writes {0,n}"),
        ("^[A-Z]{2}[0-9]{$", _BRACE),
        ("^a{b}$", _BRACE),
        ("^a{1$", _BRACE),
        # A stray brace before a real repetition; a boundary escape other than \b{g}.
        ("^a{b}c{2}$", _BRACE),
        (r"^\b{w}$", _BRACE),
        (r"^\B{g}$", _BRACE),
        (r"^\x{41$", r"holds \x{ without the } that closes it"),
        (r"^\N{DIGIT ONE$", r"holds \N{ without the } that closes it"),
        (r"^\p{L$", r"holds \p{ without the } that closes it"),
        (r"^[\b]$", r"holds \b in a character class, which Java refuses (the backspace character is \x08)"),
        (
            r"^[\b{g}]$",
            r"holds \b{g} in a character class, which Java refuses (the backspace character is \x08)",
        ),
        (
            r"^\U0001F600$",
            r"writes a character as Python does, \UXXXXXXXX: Java writes \x{...}, e.g. \x{1F600}",
        ),
        (
            r"^a\0$",
            r"holds \0 without an octal digit after it, which Java refuses: write \x00 for the NUL character",
        ),
        (
            r"^[\08]$",
            r"holds \0 without an octal digit after it, which Java refuses: write \x00 for the NUL character",
        ),
        *_JAVA_REFUSES_UNSEEN_BY_PYTHON.items(),
    ],
)
def test_python_only_pattern_syntax_is_refused_before_java_would(pattern: str, problem: str) -> None:
    """Python's check passes these; the batch would fail only once Java compiles them."""
    assert f"column 'x': pattern '{pattern}' {problem}" in refusal(
        with_column(name="x", type="STRING", pattern=pattern)
    )


@pytest.mark.parametrize(
    "pattern",
    [
        r"^\(?#\)$",
        "^[(?#]+$",
        r"^\Q(?P<x>\E$",
        "(?i-s:x)",
        "(?U)(?:a)",
        # An escaped backslash before a letter Java gives a meaning to: a Windows path.
        r"^C:\\path\\home\\Reports$",
        r"^[A-Z]:\\Quotes$",
        r"^\\k<n>$",
        r"^\QC:\hr\E$",
        # Comments mode: Java decides where a comment ends.
        "(?x)^[0-9]+$ # digits (only",
        "(?x)a#(?P<n>x)",
        "(?c)^a$",
        r"^\x{41}\pL\p{Lu}\cA$",
        "[(?i)]$",  # flag-like text in a class
        r"\Ga",
        "(" * 5000 + ")" * 5000,  # deeper than Python can check: left to Java
        # A class escape cannot end a range: Java reads the - after it as a member, where Python refuses.
        r"^[\w-.]+@[\w-.]+$",
        r"^[\p{L}-.]+$",
        # Braces Java reads as a repetition or as themselves, and octal escapes.
        r"^a{0}b{1,}c{2,3}?d{4}+$",
        r"^[a{,3}]$",
        r"^\{x\}\Q{,3}\E\p{L}{2}$",
        r"^\01\0177$",
        r"^C:\\0$",
    ],
)
def test_valid_java_that_python_would_read_otherwise_is_accepted(pattern: str) -> None:
    column = parse_contract(with_column(name="x", type="STRING", pattern=pattern), "c.yaml").columns[-1]
    assert column.pattern == pattern


def test_clustering_refuses_float_and_more_than_four_columns() -> None:
    document = with_column(name="f", type="FLOAT64")
    assert "column 'f' is FLOAT64, which cannot be clustered" in refusal({**document, "clustering": ["f"]})
    five = with_column(name="e", type="STRING")
    assert "at most 4 columns" in refusal({**five, "clustering": ["id", "n", "day", "at", "e"]})


def test_partitioning_defaults_to_day_and_accepts_hour_on_timestamps() -> None:
    assert parse_contract(minimal(partitioning={"field": "day"}), "c").partitioning == Partitioning(
        "day", "DAY"
    )
    hourly = parse_contract(minimal(partitioning={"field": "at", "type": "hour"}), "c")
    assert hourly.partitioning == Partitioning("at", "HOUR")


def test_keys_partitioning_and_clustering_name_columns_ignoring_case_in_their_declared_spelling() -> None:
    document = with_column(name="orderId", type="STRING", mode="REQUIRED")
    contract = parse_contract(
        {
            **document,
            "primary_key": ["ORDERID", "Id"],
            "partitioning": {"field": "DAY"},
            "clustering": ["orderid", "N"],
        },
        "c.yaml",
    )
    assert (contract.primary_key, contract.partitioning, contract.clustering) == (
        ("orderId", "id"),
        Partitioning("day", "DAY"),
        ("orderId", "n"),
    )
    assert "primary_key: column 'id' is listed twice" in refusal(minimal(primary_key=["id", "ID"]))


def test_load_contract_reports_unreadable_and_invalid_yaml(tmp_path: Path) -> None:
    with pytest.raises(ContractError, match=r"missing\.yaml: cannot read the contract"):
        load_contract(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("table: [unclosed\n")
    with pytest.raises(ContractError) as caught:
        load_contract(broken)
    assert str(caught.value) == (
        f"{broken}: not valid YAML at line 2, column 1: expected ',' or ']', but got '<stream end>' "
        "(while parsing a flow sequence that starts at line 1, column 8)"
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("table: t\ntable: u\n", "at line 2, column 1: key 'table' is given twice"),
        ("table: t\n'a\\b': 1\n'a\\b': 2\n", r"at line 3, column 1: key 'a\b' is given twice"),
        # A key that is no text, as the file writes it: YAML reads ~ and null alike.
        ("table: t\n~: 1\nnull: 2\n", "at line 3, column 1: key null is given twice"),
        ("a: b: c\n", "at line 1, column 5: mapping values are not allowed here"),
        (
            "table: t\ncolumns:\n\t- x\n",
            "at line 3, column 1: found character '\\t' that cannot start any token (while scanning for the "
            "next token)",
        ),
        ("table: t\x07\n", "at character 9: special characters are not allowed (#x0007)"),
    ],
)
def test_a_yaml_mistake_is_named_by_its_line_and_column(text: str, problem: str) -> None:
    """Not with PyYAML's name for the text ("<unicode string>") and the caret it draws under the column."""
    with pytest.raises(ContractError) as caught:
        contract_from_bytes(text.encode(), "c.yaml")
    assert str(caught.value) == f"c.yaml: not valid YAML {problem}"


@pytest.mark.parametrize(
    "text",
    [
        "table: t\ncolumns: " + "[" * 5000 + "]" * 5000,
        "table: " + "{a: " * 3000 + "1" + "}" * 3000,
    ],
)
def test_yaml_nested_past_pythons_recursion_limit_is_refused(text: str) -> None:
    with pytest.raises(ContractError) as caught:
        contract_from_bytes(text.encode(), "c.yaml")
    assert str(caught.value) == (
        "c.yaml: its lists or maps nest too deeply to read: a contract nests three levels at most "
        "(columns, a column, its allowed values)"
    )


@pytest.mark.parametrize("depth", [100, 340])
def test_yaml_nested_within_pythons_recursion_limit_is_shown_cut_short(depth: int) -> None:
    with pytest.raises(ContractError) as caught:
        contract_from_bytes(f"table: t\ncolumns: {'[' * depth}{']' * depth}".encode(), "c.yaml")
    assert str(caught.value) == f"c.yaml: columns[0]: expected a mapping, got list {'[' * 77}..."


def test_a_short_file_whose_aliases_make_a_huge_value_is_refused_without_writing_it_whole() -> None:
    """Nine levels, each of nine aliases of the one below: 9^9 texts in a few hundred bytes. The message shows
    only the value's first 80 characters, and writes no more of it."""
    value = "&l0 [" + ", ".join(["xxxxxxxxxx"] * 9) + "]"
    for level in range(1, 9):
        value = f"&l{level} [{value}, {', '.join([f'*l{level - 1}'] * 8)}]"
    text = f"table: {value}\ncolumns:\n  - {{name: a, type: STRING}}\n"
    assert len(text) < 600
    with pytest.raises(ContractError) as caught:
        contract_from_bytes(text.encode(), "c.yaml")
    assert str(caught.value) == (
        "c.yaml: table: expected text that is not blank, got list [[[[[[[[['xxxxxxxxxx', 'xxxxxxxxxx', "
        "'xxxxxxxxxx', 'xxxxxxxxxx', 'xxxxxxxxxx'..."
    )


def test_an_escaped_half_of_a_utf16_pair_is_refused_naming_where() -> None:
    text = 'table: t\ncolumns:\n  - {name: a, type: STRING, description: "x\\ud800"}\n'
    with pytest.raises(ContractError) as caught:
        contract_from_bytes(text.encode(), "c.yaml")
    assert str(caught.value).startswith(
        "c.yaml: columns[0].description: holds the escape \\ud800, half of a UTF-16 pair, which is no "
        "character"
    )
    whole = 'table: t\ncolumns:\n  - {name: a, type: STRING, description: "x\\U0001F600"}\n'
    assert contract_from_bytes(whole.encode(), "c.yaml").columns[0].description == "x\U0001f600"


def test_a_key_given_twice_in_a_merged_mapping_is_refused_and_merges_chain() -> None:
    twice = "<<: {table: t, table: u}\ncolumns:\n  - {name: a, type: STRING}\n"
    with pytest.raises(ContractError) as caught:
        contract_from_bytes(twice.encode(), "c.yaml")
    assert str(caught.value) == "c.yaml: not valid YAML at line 1, column 16: key 'table' is given twice"
    chained = (
        "table: t\ncolumns:\n  - &base {name: a, type: STRING}\n"
        "  - {<<: &m {<<: *base, name: b}, name: c}\n  - *m\n"
    )
    assert contract_from_bytes(chained.encode(), "c.yaml").column_names == ("a", "c", "b")


def test_yaml_rule_values_are_read_as_written(tmp_path: Path) -> None:
    """Not as YAML 1.1 would: octal 010, base-60 1:30, a float rounding a long decimal, a truncated time."""
    path = tmp_path / "c.yaml"
    path.write_text(
        "table: t\n"
        "columns:\n"
        "  - {name: i, type: INT64, min: 010, max: +12}\n"
        "  - {name: n, type: NUMERIC, min: -99999999999999999999999999999.9999999990,"
        " max: 12345678901234567890.123456789}\n"
        "  - {name: f, type: FLOAT64, max: 1e3}\n"
        "  - {name: d, type: DATE, min: 2026-01-05}\n"
        "  - {name: t, type: TIMESTAMP, max: 2026-01-05 12:30:00.123456Z}\n"
    )
    i, n, f, d, t = load_contract(path).columns
    assert (i.min, i.max, f.max, d.min) == (10, 12, 1000.0, dt.date(2026, 1, 5))
    assert (n.min, n.max) == (
        Decimal("-99999999999999999999999999999.999999999"),
        Decimal("12345678901234567890.123456789"),
    )
    assert t.max == dt.datetime(2026, 1, 5, 12, 30, 0, 123456, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ("{name: i, type: INT64, max: 1:30}", "column 'i': max value text '1:30' is not a valid INT64"),
        (
            "{name: i, type: INT64, allowed: [1.5]}",
            "column 'i': allowed value number 1.5 is not a valid INT64",
        ),
        (
            "{name: d, type: DATE, min: 2026-02-30}",
            "column 'd': min value text '2026-02-30' is not a valid DATE",
        ),
        (
            "{name: d, type: DATE, min: 0000-01-01}",
            "column 'd': min value text '0000-01-01' is not a valid DATE",
        ),
        (
            "{name: t, type: TIMESTAMP, max: 2026-01-01 00:00:00.0000009Z}",
            "column 't': max value text '2026-01-01 00:00:00.0000009Z' is not a valid TIMESTAMP",
        ),
        ("{name: t, type: TIMESTAMP, max: 2026-01-01 25:00:00Z}", "is not a valid TIMESTAMP"),
        ("{name: i, type: INT64, min: 0, min: 10}", "key 'min' is given twice"),
        # Explicit YAML tags PyYAML would convert on its own terms, or fail on with a raw exception.
        ("{name: i, type: INT64, min: !!int 0x10}", "column 'i': min value number 0x10 is not a valid INT64"),
        (
            "{name: i, type: INT64, min: !!int 1_000}",
            "column 'i': min value number 1_000 is not a valid INT64",
        ),
        ("{name: n, type: NUMERIC, max: !!float 1_0.5}", "column 'n': max value number 1_0.5 is not a valid"),
        ("{name: f, type: FLOAT64, max: !!float .inf}", "column 'f': max value number .inf is not a valid"),
        # A number shown without the exponent Python's Decimal would give it (1E-10), up to the length shown.
        (
            "{name: n, type: NUMERIC, max: 0.0000000001}",
            "column 'n': max value number 0.0000000001 is not a valid NUMERIC",
        ),
        (
            "{name: n, type: NUMERIC, min: 1.0e+999999999}",
            "column 'n': min value number 1.0E+999999999 is not",
        ),
        # A number too long to convert stays text for FLOAT64 only: a STRING value must still be quoted.
        (
            "{name: s, type: STRING, allowed: [" + "1" * 101 + "]}",
            "column 's': allowed value number 1111",
        ),
        (
            "{name: s, type: STRING, allowed: [!!float .inf]}",
            "allowed value number .inf is not a valid STRING",
        ),
        (
            "{name: d, type: DATE, min: !!timestamp 2026-13-01}",
            "column 'd': min value text '2026-13-01' is not",
        ),
    ],
)
def test_yaml_rule_values_that_are_not_literals_or_repeat_a_key_are_refused(
    tmp_path: Path, column: str, expected: str
) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(f"table: t\ncolumns:\n  - {column}\n")
    with pytest.raises(ContractError) as caught:
        load_contract(path)
    assert expected in str(caught.value)


def test_a_yaml_integer_of_thousands_of_digits_is_refused_as_a_value(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(f"table: t\ncolumns:\n  - {{name: i, type: INT64, max: {'1' * 5000}}}\n")
    with pytest.raises(ContractError, match="column 'i': max value number 1111"):
        load_contract(path)


def test_yaml_merge_keys_and_unquoted_exponents_load_as_before(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "table: t\n"
        "columns:\n"
        "  - &money {name: amount, type: NUMERIC, min: 0}\n"
        "  - {<<: *money, name: tax, max: 10.5}\n"
        "  - {name: code, type: STRING, allowed: [1e3, 2e5], description: 5e10}\n"
    )
    amount, tax, code = load_contract(path).columns
    assert (amount.min, amount.max, tax.type, tax.min, tax.max) == (0, None, "NUMERIC", 0, Decimal("10.5"))
    assert (code.allowed, code.description) == (("1e3", "2e5"), "5e10")


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        ({"type": "NUMERIC", "min": "1e5000"}, "min value text '1e5000' is not a valid NUMERIC"),
        ({"type": "NUMERIC", "max": Decimal("1.0e999999999")}, "is not a valid NUMERIC"),
        ({"type": "INT64", "max": "1" + "0" * 5000}, "is not a valid INT64"),
        ({"type": "TIMESTAMP", "max": "2026-01-05 10:00:00+05:75"}, "is not a valid TIMESTAMP"),
        ({"type": "NUMERIC", "min": 5, "max": 1}, "min 5 is greater than max 1"),
        ({"type": "INT64", "min": "0" * 5000 + "1", "max": "-0"}, "min 1 is greater than max 0"),
        (
            {"type": "NUMERIC", "min": "9" * 29 + ".999999999", "max": "9" * 29 + ".99999999"},
            f"min {'9' * 29}.999999999 is greater than max {'9' * 29}.99999999",
        ),
    ],
)
def test_out_of_range_rule_values_are_contract_errors(column: dict[str, object], expected: str) -> None:
    assert expected in refusal(with_column(name="x", **column))


def test_numeric_rule_values_are_held_at_numeric_scale() -> None:
    """So that Spark compares at NUMERIC's scale, where every NUMERIC value fits."""
    document = with_column(
        name="m", type="NUMERIC", min="0e999999999", max="5.0000000000000000000000000000000", allowed=["1.50"]
    )
    column = parse_contract(document, "c.yaml").columns[-1]
    assert (str(column.min), str(column.max), [str(v) for v in column.allowed or ()]) == (
        "0E-9",
        "5.000000000",
        ["1.500000000"],
    )


@pytest.mark.parametrize(
    "bound",
    [
        "2026-01-01Z",
        "2026-01-01 00:00:00 +01:00",  # BigQuery allows no space before an offset or Z
        "2026-01-01 00:00:00 Z",
        "2026-01-01 00:00:00UTC",  # and needs one before a zone name
        "2026-01-01 00:00:00+14:01",  # nor an offset past 14:00
        "2026-01-01 00:00:00-15",
        "2026-01-01 00:00:00+530",  # minutes without a colon follow two hour digits
    ],
)
def test_timestamp_rule_values_follow_the_data_syntax(bound: str) -> None:
    assert "is not a valid TIMESTAMP" in refusal(with_column(name="t", type="TIMESTAMP", max=bound))


def test_timestamp_rule_values_take_offsets_up_to_14_hours() -> None:
    document = with_column(
        name="t", type="TIMESTAMP", min="2026-01-02t00:00:00+14", max="2026-01-02 00:00:00-1400"
    )
    column = parse_contract(document, "c.yaml").columns[-1]
    assert (column.min, column.max) == (
        dt.datetime(2026, 1, 1, 10, tzinfo=dt.UTC),
        dt.datetime(2026, 1, 2, 14, tzinfo=dt.UTC),
    )
    lower_z = parse_contract(with_column(name="t", type="TIMESTAMP", max="2026-01-02T00:00:00z"), "c.yaml")
    assert lower_z.columns[-1].max == dt.datetime(2026, 1, 2, tzinfo=dt.UTC)


def test_importing_contract_and_report_does_not_import_pyspark() -> None:
    code = "import sys, spark_jobs.contract, spark_jobs.report; print('pyspark' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
