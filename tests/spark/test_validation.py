"""One-pass validation: every failed rule of every row, the malformed records, and the duplicate keys."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as sf

from benchmarks.run_benchmark import CONTRACT as BENCHMARK_CONTRACT
from spark_jobs.contract import (
    ERRORS,
    RAW_RECORD,
    SOURCE_FILE,
    TEXT_SUFFIX,
    Contract,
    load_contract,
    parse_contract,
)
from spark_jobs.patterns import spark_pattern
from spark_jobs.readers import Source, read_input
from spark_jobs.validation import check_rules, duplicate_losers, duplicated_key_hashes

from .conftest import ITEMS, reasons_of, text_source, validate, write_lines

GOOD = {
    "id": "AB1",
    "qty": "5",
    "price": "9.99",
    "ratio": "0.5",
    "flag": "true",
    "day": "2026-01-05",
    "at": None,
    "color": "red",
}


def errors_by_id(validated: DataFrame) -> dict[str | None, list[str]]:
    return {row["id"]: reasons_of(row) for row in validated.collect()}


def row(**changes: str | None) -> dict[str, str | None]:
    return {**GOOD, SOURCE_FILE: "file:/in/a.csv", **changes}


def test_a_good_row_has_no_errors_and_typed_values(spark: SparkSession, items: Contract) -> None:
    validated = validate(text_source(spark, items, [row()]), items).first()
    assert validated is not None
    assert validated[ERRORS] is None  # null: see is_loaded
    assert {name: validated[name] for name in items.column_names} == {
        "id": "AB1",
        "qty": 5,
        "price": Decimal("9.990000000"),
        "ratio": 0.5,
        "flag": True,
        "day": dt.date(2026, 1, 5),
        "at": None,
        "color": "red",
    }


def test_every_rule_rejects_with_column_value_and_reason(spark: SparkSession, items: Contract) -> None:
    rows = [
        row(
            id="AB2",
            qty="0",
            price="100.6",
            ratio="-1.5",
            day="2025-12-31",
            at="2030-01-01T00:00:01Z",
            color="Red",
        ),
        row(id="ab3", qty="11"),
        row(id="AB4", qty="x", flag="yes", day="2026-02-30", at="2026"),
        row(id=None, day=None),
        row(
            id="AB5",
            qty="10",
            price="100.5",
            ratio="1",
            day="2026-01-01",
            at="2030-01-01T00:00:00Z",
            color="blue",
        ),
    ]
    assert errors_by_id(validate(text_source(spark, items, rows), items)) == {
        "AB2": [
            "qty.min: '0' is less than the minimum 1",
            "price.max: '100.6' is greater than the maximum 100.5",
            "ratio.min: '-1.5' is less than the minimum -1",
            "day.min: '2025-12-31' is less than the minimum 2026-01-01",
            "at.max: '2030-01-01T00:00:01Z' is greater than the maximum 2030-01-01T00:00:00Z",
            "color.allowed: 'Red' is not one of 'red', 'blue'",
        ],
        "ab3": [
            "id.pattern: 'ab3' does not match ^[A-Z]{2}[0-9]$",
            "qty.max: '11' is greater than the maximum 10",
        ],
        "AB4": [
            "qty.type: 'x' is not a valid INT64",
            "flag.type: 'yes' is not a valid BOOL",
            "day.type: '2026-02-30' is not a valid DATE",
            "at.type: '2026' is not a valid TIMESTAMP",
        ],
        None: ["id.required: a value is required", "day.required: a value is required"],
        "AB5": [],
    }


def test_text_that_was_not_utf8_is_rejected_not_loaded_damaged(spark: SparkSession) -> None:
    notes = parse_contract({"table": "notes", "columns": [{"name": "note", "type": "STRING"}]}, "notes.yaml")
    rows = [{"note": "caf\ufffd"}, {"note": "café"}]
    validated = validate(text_source(spark, notes, rows), notes).collect()
    assert sorted((r["note"], reasons_of(r)) for r in validated) == [
        ("café", []),
        ("caf\ufffd", ["note.encoding: 'caf\ufffd' is not UTF-8"]),
    ]


def test_allowed_texts_are_quoted_in_the_reason_so_that_each_shows(spark: SparkSession) -> None:
    """An empty text, one holding the separator, and one that would not show, each told apart."""
    answer = {"name": "answer", "type": "STRING", "allowed": ["NO", "a, b", "", "\t"]}
    answers = parse_contract({"table": "answers", "columns": [answer]}, "answers.yaml")
    rows: list[dict[str, str | None]] = [{"answer": "no"}, {"answer": "a, b"}]
    validated = validate(text_source(spark, answers, rows), answers).collect()
    assert sorted((r["answer"], reasons_of(r)) for r in validated) == [
        ("a, b", []),
        ("no", ["answer.allowed: 'no' is not one of 'NO', 'a, b', '', \"\\t\""]),
    ]


def test_a_long_allowed_list_shows_its_first_values_and_how_many_more(spark: SparkSession) -> None:
    """Every rejected row carries the reason: a list of thousands would repeat in each."""
    code = {"name": "code", "type": "INT64", "allowed": list(range(100, 125))}
    codes = parse_contract({"table": "codes", "columns": [code]}, "codes.yaml")
    rows: list[dict[str, str | None]] = [{"code": "124"}, {"code": "7"}]
    validated = validate(text_source(spark, codes, rows), codes).collect()
    first = ", ".join(str(number) for number in range(100, 120))
    assert sorted((r["code"], reasons_of(r)) for r in validated) == [
        (7, [f"code.allowed: '7' is not one of {first} and 5 more (the contract lists them)"]),
        (124, []),
    ]


def test_a_contract_without_rules_rejects_only_malformed_records(spark: SparkSession) -> None:
    notes = parse_contract({"table": "notes", "columns": [{"name": "id", "type": "STRING"}]}, "notes.yaml")
    rows: list[dict[str, str | None]] = [{"id": "n1"}, {"id": None}, {"id": None, RAW_RECORD: "n3,extra"}]
    validated = validate(text_source(spark, notes, rows), notes).collect()
    assert sorted((r[RAW_RECORD] or "", reasons_of(r)) for r in validated) == [
        ("", []),
        ("", []),
        ("n3,extra", ["record.malformed: bad line"]),
    ]


def test_numeric_bounds_written_with_many_zeros_still_check_the_largest_values(spark: SparkSession) -> None:
    bounds = {"name": "n", "type": "NUMERIC", "min": "-1.0000000000000000000000000", "allowed": ["1.50"]}
    amounts = parse_contract(
        {"table": "amounts", "columns": [{"name": "id", "type": "STRING"}, bounds]}, "amounts.yaml"
    )
    values = ["99999999999999999999999999999", "-99999999999999999999999999999", "1.5", "-1"]
    rows = [{"id": value, "n": value} for value in values]
    assert errors_by_id(validate(text_source(spark, amounts, rows), amounts)) == {
        "99999999999999999999999999999": [
            "n.allowed: '99999999999999999999999999999' is not one of 1.5",
        ],
        "-99999999999999999999999999999": [
            "n.min: '-99999999999999999999999999999' is less than the minimum -1",
            "n.allowed: '-99999999999999999999999999999' is not one of 1.5",
        ],
        "1.5": [],
        "-1": ["n.allowed: '-1' is not one of 1.5"],
    }


def test_a_pattern_anchored_with_dollar_refuses_a_value_ending_with_a_line_break(
    spark: SparkSession, items: Contract
) -> None:
    """As in BigQuery (RE2), `$` is the very end of the value, not also the place before a last line break."""
    rows = [row(id=value) for value in ["AB1", "AB2\n", "AB3\r", "AB4\r\n", "AB5\u2028"]]
    validated = validate(text_source(spark, items, rows), items).collect()
    assert {r["id"]: len(reasons_of(r)) for r in validated} == {
        "AB1": 0,
        "AB2\n": 1,
        "AB3\r": 1,
        "AB4\r\n": 1,
        "AB5\u2028": 1,
    }


def test_a_pattern_anchored_with_capital_z_refuses_a_value_ending_with_a_line_break(
    spark: SparkSession,
) -> None:
    """Java's `\\Z`, unlike Python's, also matches before a last line break: the job runs it as `\\z`."""
    codes = parse_contract(
        {"table": "codes", "columns": [{"name": "code", "type": "STRING", "pattern": r"^[A-Z]+\Z"}]},
        "codes.yaml",
    )
    rows = [{"code": "ABC"}, {"code": "ABD\n"}]
    assert errors_by_id(validate(text_source(spark, codes, rows), codes).withColumnRenamed("code", "id")) == {
        "ABC": [],
        "ABD\n": [r"code.pattern: 'ABD" + "\n" + r"' does not match ^[A-Z]+\Z"],
    }


@pytest.mark.parametrize(
    ("pattern", "for_spark"),
    [
        (r"^ORD-[0-9]{6}$", r"^ORD-[0-9]{6}\z"),
        (r"a|b$|(c$)", r"a|b\z|(c\z)"),
        (r"^\$[$]$", r"^\$[$]\z"),
        (r"^[a-z&&[^$]]+$", r"^[a-z&&[^$]]+\z"),
        (r"\Q$\E$", r"\Q$\E\z"),
        (r"^x\Q$", r"^x\Q$"),
        (r"(?m)^a$", r"(?m)^a$"),
        (r"(?im:^a$)", r"(?im:^a$)"),
        (r"(?i)^a$", r"(?i)^a\z"),
        (r"^[]$]+$", r"^[]$]+\z"),
        (r"^[^]$]+$", r"^[^]$]+\z"),
        (r"^[0-9]+ ?\(mm\)$", r"^[0-9]+ ?\(mm\)\z"),
        (r"^a\c$b$", r"^a\c$b\z"),
        ("(?x) ^ORD- [0-9]{6}  # an id [ or $\n $", "(?x) ^ORD- [0-9]{6}  # an id [ or $\n $"),
        ("(?x)^a$", "(?x)^a$"),  # comments mode, with nothing else that would keep the `$`
        # A second `^` is a class member, so the `]` after it ends the class.
        (r"^[^^][a-z]*$", r"^[^^][a-z]*\z"),
        # Text that only looks like a multi-line flag: escaped, in a class, quoted.
        (r"^[0-9]+(\(?x[0-9]+\)?)?$", r"^[0-9]+(\(?x[0-9]+\)?)?\z"),
        (r"^\(?mobile\)?$", r"^\(?mobile\)?\z"),
        (r"^[(?m]a$", r"^[(?m]a\z"),
        (r"^\Q(?m)\E$", r"^\Q(?m)\E\z"),
        (r"[a[b]$]x$", r"[a[b]$]x\z"),  # a class nested in a class ends only with its own `]`
        (r"(?-m)^a$", r"(?-m)^a\z"),  # a flag turned off is not on
        # Java's \Z also matches before a last line break; not an escaped backslash and Z, nor a quoted \Z.
        (r"^[A-Z]+\Z", r"^[A-Z]+\z"),
        (r"(?m)^a\Z", r"(?m)^a\z"),
        (r"^a\\Z$", r"^a\\Z\z"),
        (r"^\Q\Z\E$", r"^\Q\Z\E\z"),
    ],
)
def test_spark_patterns_end_at_the_very_end_of_the_value(pattern: str, for_spark: str) -> None:
    assert spark_pattern(pattern) == "(?du)" + for_spark


def test_a_pattern_matches_line_ends_and_letter_case_as_bigquery_does(spark: SparkSession) -> None:
    """RE2's `.` matches every character but `\n`, and its `(?i)` ignores the case of every letter."""
    columns = [
        {"name": "p", "type": "STRING", "pattern": "^.+$"},
        {"name": "q", "type": "STRING", "pattern": "(?i)^[a-zäöü]+$"},
    ]
    contract = parse_contract({"table": "t", "columns": columns}, "t.yaml")
    values = [("a\rb", "MÜLLER"), ("a\u2028b", "Müller"), ("a\u0085b", "ÄÖÜ"), ("a\nb", "MÜ-LLER")]
    validated = validate(text_source(spark, contract, [{"p": p, "q": q} for p, q in values]), contract)
    assert {(r["p"], r["q"]): reasons_of(r) for r in validated.collect()} == {
        ("a\rb", "MÜLLER"): [],
        ("a\u2028b", "Müller"): [],
        ("a\u0085b", "ÄÖÜ"): [],
        ("a\nb", "MÜ-LLER"): [
            "p.pattern: 'a\nb' does not match ^.+$",
            "q.pattern: 'MÜ-LLER' does not match (?i)^[a-zäöü]+$",
        ],
    }


def test_bounds_before_the_gregorian_reform_compare_in_the_proleptic_calendar(spark: SparkSession) -> None:
    columns = [
        {"name": "day", "type": "DATE", "min": "1500-01-01", "allowed": ["1500-01-01"]},
        {"name": "at", "type": "TIMESTAMP", "max": "1500-01-01T00:00:00Z"},
    ]
    old = parse_contract({"table": "old", "columns": columns}, "old.yaml")
    rows = [
        {"day": "1500-01-01", "at": "1500-01-01T00:00:00Z"},
        {"day": "1499-12-31", "at": "1500-01-01T00:00:01Z"},
    ]
    validated = validate(text_source(spark, old, rows), old).collect()
    assert sorted((r["day:text"], reasons_of(r)) for r in validated) == [
        (
            "1499-12-31",
            [
                "day.min: '1499-12-31' is less than the minimum 1500-01-01",
                "day.allowed: '1499-12-31' is not one of 1500-01-01",
                "at.max: '1500-01-01T00:00:01Z' is greater than the maximum 1500-01-01T00:00:00Z",
            ],
        ),
        ("1500-01-01", []),
    ]


def test_a_malformed_record_carries_only_the_malformed_reason(spark: SparkSession, items: Contract) -> None:
    rows = [
        row(id="AB1", qty="not checked", **{RAW_RECORD: "AB1,not checked"}),
        # UTF-16 text read as UTF-8: every other character a NUL, first (big-endian) or second (little-endian,
        # as Windows writes it).
        row(id="AB2", **{RAW_RECORD: "\x00A\x00B\x002\x00,\x001"}),
        row(id="AB3", **{RAW_RECORD: "A\x00B\x003\x00,\x001\x00"}),
    ]
    nul_hint = (
        "record.malformed: bad line; it holds NUL characters, as UTF-16 or UTF-32 text does: write the "
        "file in UTF-8"
    )
    assert errors_by_id(validate(text_source(spark, items, rows), items)) == {
        "AB1": ["record.malformed: bad line"],
        "AB2": [nul_hint],
        "AB3": [nul_hint],
    }


def test_duplicates_keep_the_first_row_by_file_then_values(spark: SparkSession, items: Contract) -> None:
    rows = [
        row(id="AB1", qty="3", **{SOURCE_FILE: "file:/in/b.csv"}),
        row(id="AB1", qty="2", **{SOURCE_FILE: "file:/in/a.csv"}),
        row(id="AB1", qty="1", **{SOURCE_FILE: "file:/in/a.csv"}),
        row(id="AB1", qty="0", **{SOURCE_FILE: "file:/in/a.csv"}),
        row(id="AB2", qty="4"),
        # Equal up to a value one row leaves empty: the empty (null) one sorts first and is kept.
        row(id="AB3", qty="5", price="1"),
        row(id="AB3", qty="5", price=None),
    ]
    validated = validate(text_source(spark, items, rows), items).collect()
    outcome = [
        (r["id"], r["qty" + TEXT_SUFFIX], r["price" + TEXT_SUFFIX], r[SOURCE_FILE], reasons_of(r))
        for r in validated
    ]
    duplicate = ["primary_key.duplicate: another row with this key (id=AB1) is loaded"]
    price = GOOD["price"]
    assert sorted(outcome, key=repr) == sorted(
        [
            ("AB1", "0", price, "file:/in/a.csv", ["qty.min: '0' is less than the minimum 1"]),
            ("AB1", "1", price, "file:/in/a.csv", []),
            ("AB1", "2", price, "file:/in/a.csv", duplicate),
            ("AB1", "3", price, "file:/in/b.csv", duplicate),
            ("AB2", "4", price, "file:/in/a.csv", []),
            ("AB3", "5", None, "file:/in/a.csv", []),
            (
                "AB3",
                "5",
                "1",
                "file:/in/a.csv",
                ["primary_key.duplicate: another row with this key (id=AB3) is loaded"],
            ),
        ],
        key=repr,
    )


def test_the_kept_duplicate_does_not_depend_on_input_order(spark: SparkSession, items: Contract) -> None:
    rows = [row(id="AB1", qty=str(n), **{SOURCE_FILE: f"file:/in/{n % 3}.csv"}) for n in range(1, 10)]
    kept = set()
    for ordering in (rows, list(reversed(rows))):
        frame = validate(text_source(spark, items, ordering), items).repartition(3)
        kept.add(tuple(r["qty" + TEXT_SUFFIX] for r in frame.collect() if not r[ERRORS]))
    assert kept == {("3",)}


def test_duplicate_keys_are_found_in_as_many_partitions_as_the_input_has(
    spark: SparkSession, items: Contract
) -> None:
    """Not spark.sql.shuffle.partitions (2 here): a cached shuffle's output would keep that many."""
    source = text_source(spark, items, [row(id=f"AB{n}") for n in range(1, 8)] + [row(id="AB1")])
    source = replace(source, frame=source.frame.repartition(5))
    checked = check_rules(source, items)
    hashes = duplicated_key_hashes(checked, source.partitions)
    losers = duplicate_losers(checked, hashes, items, source.partitions)
    assert source.partitions == 5
    assert (hashes.rdd.getNumPartitions(), hashes.count()) == (5, 1)
    assert (losers.rdd.getNumPartitions(), losers.count()) == (5, 1)


def test_a_composite_key_names_every_key_column(spark: SparkSession) -> None:
    contract = parse_contract({**ITEMS, "primary_key": ["id", "day"]}, "items.yaml")
    rows = [row(qty="1"), row(qty="2"), row(day="2026-01-06")]
    reasons = [reasons_of(r) for r in validate(text_source(spark, contract, rows), contract).collect()]
    assert sorted(reasons) == [
        [],
        [],
        ["primary_key.duplicate: another row with this key (id=AB1, day=2026-01-05) is loaded"],
    ]


def test_keys_are_compared_as_typed_values(spark: SparkSession) -> None:
    contract = parse_contract({**ITEMS, "primary_key": ["id", "day"]}, "items.yaml")
    rows = [row(qty="1", day="2026-01-05"), row(qty="2", day="2026-1-5")]
    validated = validate(text_source(spark, contract, rows), contract).collect()
    assert sorted((r["qty" + TEXT_SUFFIX], reasons_of(r)) for r in validated) == [
        ("1", []),
        ("2", ["primary_key.duplicate: another row with this key (id=AB1, day=2026-1-5) is loaded"]),
    ]


def test_typed_sources_check_rules_but_not_syntax(spark: SparkSession, items: Contract) -> None:
    schema = (
        "id string, qty bigint, price decimal(38,9), ratio double, flag boolean, day date, at timestamp, "
        f"color string, {RAW_RECORD} string, {SOURCE_FILE} string"
    )
    data = [
        ("AB1", 20, Decimal("1"), 0.0, None, dt.date(2026, 1, 2), None, "red", None, "f"),
        ("AB2", None, None, None, None, None, None, None, None, "f"),
        ("AB3", 1, None, None, None, dt.date(2026, 1, 2), None, None, None, "f"),
        ("AB4", 1, None, None, None, dt.date(2026, 1, 2), None, "re\ufffd", None, "f"),
        ("AB5", 1, None, None, None, None, None, None, None, "f"),
    ]
    frame = spark.createDataFrame(data, schema)
    # A Parquet file may hold a year BigQuery cannot: 10000, made here as the year after 9999-12-31.
    beyond = sf.expr("TIMESTAMP'9999-12-31 23:59:59.999999Z' + INTERVAL 1 SECOND")
    frame = frame.withColumn("at", sf.when(sf.col("id") == "AB3", beyond).otherwise(sf.col("at")))
    day_beyond = sf.date_add(sf.expr("DATE'9999-12-31'"), 1)
    frame = frame.withColumn("day", sf.when(sf.col("id") == "AB5", day_beyond).otherwise(sf.col("day")))
    # A typed reader gives each non-STRING column's original text too.
    texts = [
        sf.col(c.name).cast("string").alias(c.name + TEXT_SUFFIX) for c in items.columns if c.type != "STRING"
    ]
    frame = frame.select("*", *texts)
    source = Source(frame, ("f",), text_columns=frozenset(), malformed_reason="unused")
    errors = errors_by_id(validate(source, items).select("id", ERRORS))
    assert errors["AB1"] == ["qty.max: '20' is greater than the maximum 10"]
    assert errors["AB2"] == ["day.required: a value is required"]
    assert errors["AB3"] == [
        "at.type: '+10000-01-01 00:00:00.999999' is outside the years 1-9999 of TIMESTAMP",
        "at.max: '+10000-01-01 00:00:00.999999' is greater than the maximum 2030-01-01T00:00:00Z",
    ]
    # A typed file's string is taken as stored: U+FFFD is a character there, not a sign of undecodable bytes.
    assert errors["AB4"] == ["color.allowed: 're\ufffd' is not one of 'red', 'blue'"]
    assert errors["AB5"] == ["day.type: '+10000-01-01' is outside the years 1-9999 of DATE"]


def test_a_five_column_contract_is_checked_by_one_method_the_jvm_compiles(
    spark: SparkSession, tmp_path: Path
) -> None:
    """Spark runs a stage as one generated method (parsing a CSV record and running every rule) only while the
    method stays within `spark.sql.codegen.hugeMethodLimit`, which the job sets to the 8000 bytes the JVM
    compiles: the benchmark's five columns and fourteen checks stay within it because each rule's reason is
    generated once, in the array of reasons, and not again in the test of whether a row breaks a rule."""
    contract = load_contract(BENCHMARK_CONTRACT)
    write_lines(tmp_path, "a.csv", [",".join(contract.column_names), "ORD-00000001,1,1.50,EUR,2026-01-05"])
    checked = check_rules(read_input(spark, "csv", str(tmp_path), contract), contract)
    generated = checked._jdf.queryExecution().debug().codegenToSeq()
    method_sizes = [generated.apply(index)._3().maxMethodCodeSize() for index in range(generated.size())]
    limit = int(spark.conf.get("spark.sql.codegen.hugeMethodLimit") or "0")
    assert limit == 8000
    assert len(method_sizes) == 1
    assert 0 < method_sizes[0] <= limit
