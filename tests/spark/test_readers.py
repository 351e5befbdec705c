"""Readers: the contract's schema per format, malformed records kept as rows, and clear input failures."""

from __future__ import annotations

import datetime as dt
import gzip
import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pyspark import SparkConf
from pyspark.sql import SparkSession

from spark_jobs.contract import RAW_RECORD, SOURCE_FILE, TEXT_SUFFIX, Contract, parse_contract
from spark_jobs.errors import CorruptInputError, NoInputError, SchemaMismatchError, UsageError
from spark_jobs.options import CsvDialect
from spark_jobs.readers import cores, read_input
from spark_jobs.spark_errors import csv_header_mismatch

from .conftest import ITEMS, ITEMS_HEADER, rows_of, write_lines


def test_csv_follows_rfc_4180_and_keeps_wrong_field_counts_as_malformed(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    write_lines(
        tmp_path / "in",
        "a.csv",
        [
            ITEMS_HEADER,
            'AB1,1,2.5,0.1,true,2026-01-05,,"red, dark"',
            'AB2,2,,,,2026-01-05,,"say ""hi"""',
            "AB3,3,1,0,false,2026-01-05,,red,extra",
            "AB4,4",
            "AB5," * 30_000 + "AB5",
        ],
    )
    source = read_input(spark, "csv", str(tmp_path / "in"), items)
    assert source.text_columns == frozenset(items.column_names)
    assert source.files == (f"file://{tmp_path}/in/a.csv",)
    assert rows_of(source.frame, "id", "qty", "price", "color", RAW_RECORD) == [
        ("AB1", "1", "2.5", "red, dark", None),
        ("AB2", "2", None, 'say "hi"', None),
        ("AB3", "3", "1", "red", "AB3,3,1,0,false,2026-01-05,,red,extra"),
        ("AB4", "4", None, None, "AB4,4"),
        ("AB5", "AB5", "AB5", "AB5", "AB5," * 30_000 + "AB5"),
    ]
    assert {row[SOURCE_FILE] for row in source.frame.collect()} == {f"file://{tmp_path}/in/a.csv"}


def test_rows_and_report_name_files_as_the_file_system_does(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    """Spark names input files URL-encoded; lineage needs the names the files have."""
    names = ["plain.csv", "a b+c%20d.csv", "é[1].csv"]
    for name in names:
        write_lines(tmp_path / "in", name, [ITEMS_HEADER, f"{name},1,,,,2026-01-05,,"])
    source = read_input(spark, "csv", str(tmp_path / "in"), items)
    expected = {f"file://{tmp_path}/in/{name}" for name in names}
    assert set(source.files) == expected
    assert {row["id"]: row[SOURCE_FILE] for row in source.frame.collect()} == {
        name: f"file://{tmp_path}/in/{name}" for name in names
    }


def test_csv_quoted_fields_may_span_lines_in_any_line_ending_bom_or_compression(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    lines = [
        ITEMS_HEADER,
        '"AB1",1,,,,2026-01-05,,"dark',
        'red"',
        "AB2,2,,,,2026-01-05,,",
        '"AB3",3,,,,2026-01-05,,"a ""quoted""',
        "line",
        '"',
        "AB4,4",
        "   ",
        'AB5,5,,,,2026-01-05,,"',
        "last field",
        '"',
    ]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "lf.csv").write_bytes("\n".join(lines).encode())
    # The header's names are compared ignoring case, as BigQuery's column names are.
    crlf = "\r\n".join([ITEMS_HEADER.upper(), *lines[1:]])
    (tmp_path / "in" / "crlf-bom.csv").write_bytes(("\ufeff" + crlf + "\r\n").encode())
    (tmp_path / "in" / "lf.csv.gz").write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    source = read_input(spark, "csv", str(tmp_path / "in"), items)
    rows = source.frame.select("id", "qty", "color", RAW_RECORD, SOURCE_FILE).collect()
    for name in ("lf.csv", "crlf-bom.csv", "lf.csv.gz"):
        # A line break inside a quoted field is read as \n, whatever the file's line ending.
        assert sorted((tuple(row)[:4] for row in rows if row[SOURCE_FILE].endswith(name)), key=repr) == [
            ("   ", None, None, "   "),
            ("AB1", "1", "dark\nred", None),
            ("AB2", "2", None, None),
            ("AB3", "3", 'a "quoted"\nline\n', None),
            ("AB4", "4", None, "AB4,4"),
            ("AB5", "5", "\nlast field\n", None),
        ], name


def test_csv_records_ending_in_crlf_after_a_header_ending_in_lf_keep_no_carriage_return(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    """The parser takes the line break from the first line; a `\r\n` after it must not leave a `\r` in the
    last field, where it would load unseen (and a field it alone filled would not be null)."""
    records = ["AB1,1,,,,2026-01-05,,red", "AB2,2,,,,2026-01-05,,", 'AB3,3,,,,2026-01-05,,"a\rb"']
    (tmp_path / "in").mkdir()
    text = ITEMS_HEADER + "\n" + "\r\n".join(records) + "\r\n"
    (tmp_path / "in" / "mixed.csv").write_bytes(text.encode())
    source = read_input(spark, "csv", str(tmp_path / "in"), items)
    assert rows_of(source.frame, "id", "color", RAW_RECORD) == [
        ("AB1", "red", None),
        ("AB2", None, None),
        ("AB3", "a\rb", None),
    ]


@pytest.mark.parametrize("columns", [["id"], ["id", "v", "w"]])
def test_blank_crlf_lines_after_a_header_ending_in_lf_are_skipped_as_blank_lines_are(
    spark: SparkSession, tmp_path: Path, columns: list[str]
) -> None:
    """Such a line reaches the parser as a lone `\r`: it is neither a null row nor a malformed record, but a
    value or record that starts with `\r` is kept."""
    contract = parse_contract(
        {"table": "t", "columns": [{"name": name, "type": "STRING"} for name in columns]}, "t.yaml"
    )
    fields = len(columns)
    records = ["a" + ",x" * (fields - 1), "", "\r" + ",y" * (fields - 1), "", "b" + ",z" * (fields - 1)]
    # A record of too few fields, or of too many with one column, that starts with a `\r` is malformed.
    records.append("\r,short" if fields > 1 else "\r,long")
    (tmp_path / "in").mkdir()
    text = ",".join(columns) + "\n" + "\r\n".join(records) + "\r\n"
    (tmp_path / "in" / "a.csv").write_bytes(text.encode())
    source = read_input(spark, "csv", str(tmp_path / "in"), contract)
    expected: list[tuple[str | None, str | None]] = [("a", None), ("\r", None), ("b", None)]
    expected.append(("\r", "\r,short") if fields > 1 else (None, "\r,long"))
    assert rows_of(source.frame, "id", RAW_RECORD) == sorted(expected, key=repr)


def test_csv_header_must_name_the_contract_columns(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    write_lines(
        tmp_path / "in", "a.csv", ["id,qty,price,ratio,flag,day,at,colour", "AB1,1,1,0,true,2026-01-05,,red"]
    )
    source = read_input(spark, "csv", str(tmp_path / "in"), items)
    with pytest.raises(Exception, match="CSV header does not conform to the schema") as refusal:
        source.frame.collect()
    assert csv_header_mismatch(str(refusal.value)) == (
        f"{(tmp_path / 'in' / 'a.csv').as_uri()}: its header names 'colour' where the contract has 'color'"
    )
    assert csv_header_mismatch("java.io.IOException: CSV header could not be read") is None


def test_a_header_name_holding_a_tab_shows_it_escaped() -> None:
    """Spark's refusal holds the header's text raw, where a tab would not show."""
    refusal = (
        "CSV header does not conform to the schema.\n Header: id\tqty\n Schema: id\n"
        "Expected: id but found: id\tqty\nCSV file: file:///in/a.csv"
    )
    assert (
        csv_header_mismatch(refusal)
        == r"""file:///in/a.csv: its header names "id\tqty" where the contract has 'id'"""
    )


@pytest.mark.parametrize(("delimiter", "shown"), [("|", "'|'"), ("\t", r'"\t"'), ("\\", "'\\'")])
def test_csv_fields_separated_by_another_character_follow_rfc_4180_otherwise(
    spark: SparkSession, items: Contract, tmp_path: Path, delimiter: str, shown: str
) -> None:
    def record(*fields: str) -> str:
        return delimiter.join(fields)

    quoted = f'"red{delimiter} dark"'
    write_lines(
        tmp_path / "in",
        "a.csv",
        [
            record(*ITEMS_HEADER.upper().split(",")),
            record("AB1", "1", "2.5", "", "", "2026-01-05", "", quoted),
            record("AB2", "1,5", "", "", "", "2026-01-05", "", '"say ""hi"""'),
            record("AB3", "3", "", "", "", "2026-01-05", "", '"two'),
            'lines"',
            record("AB4", "4", "", "", "", "2026-01-05", "", "red", "extra"),
            record("AB5", "5"),
            "AB6,6,,,,2026-01-05,,red",
        ],
    )
    source = read_input(spark, "csv", str(tmp_path / "in"), items, csv=CsvDialect(delimiter=delimiter))
    assert rows_of(source.frame, "id", "qty", "price", "color", RAW_RECORD) == [
        ("AB1", "1", "2.5", f"red{delimiter} dark", None),
        # A comma is data when it does not separate fields.
        ("AB2", "1,5", None, 'say "hi"', None),
        ("AB3", "3", None, "two\nlines", None),
        ("AB4", "4", None, "red", record("AB4", "4", "", "", "", "2026-01-05", "", "red", "extra")),
        ("AB5", "5", None, None, record("AB5", "5")),
        ("AB6,6,,,,2026-01-05,,red", None, None, None, "AB6,6,,,,2026-01-05,,red"),
    ]
    assert source.malformed_reason == (
        f"the record does not have exactly the header's fields (RFC 4180, fields separated by {shown})"
    )


def test_json_lines_ignore_unknown_fields_and_keep_invalid_lines(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    write_lines(
        tmp_path / "in",
        "a.json",
        [
            '{"id": "AB1", "qty": 3, "price": "2.50", "flag": true, "day": "2026-01-05", "extra": {"x": 1}}',
            '{"id": "AB2", "qty": 1.5',
            "",
            " \t ",
            '{"id": "AB3", "qty": null}',
            "{}",
        ],
    )
    source = read_input(spark, "json", str(tmp_path / "in"), items)
    assert source.text_columns == frozenset(items.column_names)
    assert rows_of(source.frame, "id", "qty", "price", "flag", "day", RAW_RECORD, SOURCE_FILE) == [
        ("AB1", "3", "2.50", "true", "2026-01-05", None, f"file://{tmp_path}/in/a.json"),
        ("AB3", None, None, None, None, None, f"file://{tmp_path}/in/a.json"),
        (None, None, None, None, None, '{"id": "AB2", "qty": 1.5', f"file://{tmp_path}/in/a.json"),
        (None, None, None, None, None, None, f"file://{tmp_path}/in/a.json"),
    ]


def test_json_files_may_be_gzipped_with_a_bom_and_crlf_line_endings(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    (tmp_path / "in").mkdir()
    text = '\ufeff{"id": "AB1"}\r\n\r\n{"id": "AB2"}\r\n{"id": \r\n'
    (tmp_path / "in" / "a.json.gz").write_bytes(gzip.compress(text.encode()))
    source = read_input(spark, "json", str(tmp_path / "in"), items)
    assert rows_of(source.frame, "id", RAW_RECORD) == [("AB1", None), ("AB2", None), (None, '{"id": ')]


def test_a_json_line_is_valid_only_as_exactly_one_strict_json_object(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    invalid = [
        '{"id": "AB1"} trailing garbage',
        '{"id": "AB2"},',
        '{"id": "AB3"}]',
        '{"id": "AE1"}],[{"x": 1}',
        '{"id": "AE2"}] this is not json [{}',
        '{"id": "AE3"}, 0] x [',
        '{"id": "AE4"},{"x":""}]',  # with the end marker, two objects in an array that ends before it
        '{"id": "AB4"}{"id": "AB5"}',
        '{"id": "AB6"}, {"id": "AB7"}',
        '[{"id": "AB8"}, {"id": "AB9"}]',
        '[{"id": "AB8"}]',
        "{'id': 'AC1'}",
        '{"id": "AC2", "ratio": NaN}',
        '{"id": "AC3", "color": "tab\tinside"}',
        '"AC4"',
        "5",
        "null",
        "[",
        "]",
        '{"id": "AF1", "qty": 01}',
        '{"id": "AF2", "qty": 1.}',
        '{"id": "AF3", "qty": .5}',
        '{"id": "AF4", "qty": +1}',
        '{"id": "AF5", "qty": 1.5.5}',
        '{"id": "AF6", "qty": 1e}',
        '{"id": "AF7", "qty": -}',
        '{"id": "AF8", 5: 1}',
        '{"id": "AF9" 1}',
        '{"id": "AG1", "qty": 1 2}',
        '{"id": "AG2\\", "qty": 1}',
        '{"id": "AG3"}, "x": 2',
        '{"id": "AG4", "color": "' + '\\"x' * 20_000 + "}",
    ]
    write_lines(tmp_path / "in", "a.jsonl", [*invalid, ' \t{"id" : "AD1", "ratio": 1e-1} \t'])
    source = read_input(spark, "json", str(tmp_path / "in"), items)
    assert rows_of(source.frame, "id", "ratio", RAW_RECORD) == sorted(
        [("AD1", "1e-1", None)] + [(None, None, line) for line in invalid], key=repr
    )


def test_json_field_names_match_the_contract_ignoring_case_and_its_must_be_distinct(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    write_lines(
        tmp_path / "in",
        "a.json",
        [
            '{"ID": "AB1", "Qty": "2", "COLOR": "red", "other": 1}',
            '{"id": "AB2", "color": "red", "Color": "blue"}',
            '{"id": "AB3", "id": "AB4"}',
            # Fields not in the contract are ignored, repeated or not.
            '{"id": "AB5", "other": 1, "OTHER": 2, "color": "red", "x": [], "x": {}}',
            '{"ID": "AB6", "other": 1, "other": 2, "id": "AB7"}',
        ],
    )
    source = read_input(spark, "json", str(tmp_path / "in"), items)
    assert rows_of(source.frame, "id", "qty", "color", RAW_RECORD) == [
        ("AB1", "2", "red", None),
        ("AB5", None, "red", None),
        (None, None, None, '{"ID": "AB6", "other": 1, "other": 2, "id": "AB7"}'),
        (None, None, None, '{"id": "AB2", "color": "red", "Color": "blue"}'),
        (None, None, None, '{"id": "AB3", "id": "AB4"}'),
    ]


def test_json_lines_repeating_unknown_fields_fill_mixed_case_contract_columns(
    spark: SparkSession, tmp_path: Path
) -> None:
    contract = parse_contract(
        {**ITEMS, "columns": [*ITEMS["columns"], {"name": "OrderRef", "type": "STRING"}]}, "items.yaml"
    )
    write_lines(tmp_path / "in", "a.json", ['{"id": "AB1", "orderref": "R1", "x": 1, "x": 2}'])
    source = read_input(spark, "json", str(tmp_path / "in"), contract)
    assert rows_of(source.frame, "id", "OrderRef", RAW_RECORD) == [("AB1", "R1", None)]


def test_json_values_are_read_as_text(spark: SparkSession, items: Contract, tmp_path: Path) -> None:
    """A field's number keeps its exact text (Spark alone would pass it through a double); objects and arrays
    keep their JSON text, in which numbers directly in an array still pass through a double."""
    write_lines(
        tmp_path / "in",
        "a.json",
        [
            '{"id": "AB1", "price": 12345678.5, "qty": 12345678901234567890, "color": {"r": 1}}',
            '{"id": "AB2", "price": "12345678.5", "flag": false, "color": [1e400, 2]}',
            '{"id":"AB3","price":99999999999999999999999999999.999999999,"ratio":1e-400,"at":-0}',
            '{"id": "AB4", "price" \t:\t1.0E+29, "ratio": 1e400, "color": "x\\": 1.5, \\"qty\\": 2"}',
        ],
    )
    source = read_input(spark, "json", str(tmp_path / "in"), items)
    assert rows_of(source.frame, "id", "price", "qty", "ratio", "flag", "at", "color", RAW_RECORD) == [
        ("AB1", "12345678.5", "12345678901234567890", None, None, None, '{"r":"1"}', None),
        ("AB2", "12345678.5", None, None, "false", None, '["Infinity",2]', None),
        ("AB3", "99999999999999999999999999999.999999999", None, "1e-400", None, "-0", None, None),
        ("AB4", "1.0E+29", None, "1e400", None, None, 'x": 1.5, "qty": 2', None),
    ]


def test_json_values_past_the_parsers_default_limits_are_read(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    """Jackson's defaults would reject these valid lines: over 20,000,000 characters of text, over 1,000
    digits, over 1,000 levels of nesting (here in a field the contract ignores)."""
    long_text = "x" * 20_000_001
    digits = "1" * 1_200
    nested = "[" * 1_100 + "]" * 1_100
    write_lines(
        tmp_path / "in",
        "a.json",
        [
            f'{{"id": "AB1", "color": "{long_text}"}}',
            # A field's number is quoted before the parse (see test_json_values_are_read_as_text); one in an
            # array is parsed as a number.
            f'{{"id": "AB2", "extra": [{digits}]}}',
            f'{{"id": "AB3", "extra": {nested}}}',
        ],
    )
    source = read_input(spark, "json", str(tmp_path / "in"), items)
    assert rows_of(source.frame, "id", "color", RAW_RECORD) == [
        ("AB1", long_text, None),
        ("AB2", None, None),
        ("AB3", None, None),
    ]


def test_all_files_under_the_location_are_read(spark: SparkSession, items: Contract, tmp_path: Path) -> None:
    write_lines(tmp_path / "in", "a.csv", [ITEMS_HEADER, "AB1,1,,,,2026-01-05,,"])
    write_lines(tmp_path / "in" / "2026" / "01", "b.csv", [ITEMS_HEADER, "AB2,2,,,,2026-01-05,,"])
    write_lines(tmp_path / "in", "empty.csv", [])
    write_lines(tmp_path / "in", "header-only.csv", [ITEMS_HEADER])
    source = read_input(spark, "csv", str(tmp_path / "in"), items)
    assert len(source.files) == 4
    assert rows_of(source.frame, "id", "qty") == [("AB1", "1"), ("AB2", "2")]


@pytest.mark.parametrize(
    ("links", "refusal"),
    [
        ({"loop": "."}, "input directories {in} and {in}/loop are one, {real}, through a symbolic link"),
        ({"a": ".", "b": "."}, "input directories {in} and {in}/a are one, {real}, through a symbolic link"),
        (
            {"latest": "2026"},
            "input directories {in}/2026 and {in}/latest are one, {real}/2026, through a symbolic link",
        ),
        (
            {"b.csv": "a.csv"},
            "input files file://{in}/a.csv and file://{in}/b.csv are one file, {real}/a.csv, through a "
            "symbolic link: its rows would load twice",
        ),
    ],
)
def test_a_local_input_that_links_read_twice_is_refused(
    spark: SparkSession, items: Contract, tmp_path: Path, links: dict[str, str], refusal: str
) -> None:
    """Spark follows the links: a loop (two of them would keep its listing busy for ever), or a link to a
    file or directory also in the input, reads its rows again."""
    location = tmp_path / "in"
    write_lines(location, "a.csv", [ITEMS_HEADER, "AB1,1,,,,2026-01-05,,"])
    write_lines(location / "2026", "c.csv", [ITEMS_HEADER, "AB2,2,,,,2026-01-05,,"])
    for link, target in links.items():
        (location / link).symlink_to(target)
    with pytest.raises(UsageError) as refused:
        read_input(spark, "csv", str(location), items)
    assert refusal.format(**{"in": location, "real": location.resolve()}) in str(refused.value)


def test_a_glob_location_is_checked_for_links_only_in_the_files_it_lists(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    write_lines(tmp_path / "in" / "2026-01", "a.csv", [ITEMS_HEADER, "AB1,1,,,,2026-01-05,,"])
    (tmp_path / "in" / "old").mkdir()
    (tmp_path / "in" / "old" / "broken.csv").symlink_to(tmp_path / "missing.csv")
    source = read_input(spark, "csv", str(tmp_path / "in" / "2026-*"), items)
    assert rows_of(source.frame, "id") == [("AB1",)]
    (tmp_path / "in" / "2026-01" / "b.csv").symlink_to("a.csv")
    with pytest.raises(UsageError, match=r"are one file, .*, through a symbolic link"):
        read_input(spark, "csv", str(tmp_path / "in" / "2026-*"), items)


def test_a_broken_link_in_a_local_input_is_refused_and_other_links_are_followed(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    outside = write_lines(tmp_path / "elsewhere", "x.csv", [ITEMS_HEADER, "AB3,3,,,,2026-01-05,,"])
    write_lines(tmp_path / "in", "a.csv", [ITEMS_HEADER, "AB1,1,,,,2026-01-05,,"])
    (tmp_path / "in" / "x.csv").symlink_to(outside)
    (tmp_path / "in" / ".hidden.csv").symlink_to(tmp_path / "missing.csv")
    (tmp_path / "current").symlink_to(tmp_path / "in")
    source = read_input(spark, "csv", str(tmp_path / "current"), items)
    assert rows_of(source.frame, "id") == [("AB1",), ("AB3",)]
    (tmp_path / "in" / "b.csv").symlink_to(tmp_path / "missing.csv")
    with pytest.raises(CorruptInputError) as refused:
        read_input(spark, "csv", str(tmp_path / "current"), items)
    assert str(refused.value) == (
        f"input {tmp_path}/current/b.csv is a symbolic link to {tmp_path}/missing.csv, which does not exist: "
        "Spark would skip it without a word; remove the link, or restore what it leads to"
    )


def test_a_local_input_file_not_named_in_utf8_is_refused(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    """The JVM reads names as UTF-8: Spark's listing would skip the file without a word."""
    write_lines(tmp_path / "in", "a.csv", [ITEMS_HEADER, "AB1,1,,,,2026-01-05,,"])
    latin1 = os.fsdecode(b"caf\xe9.csv")
    write_lines(tmp_path / "in" / "2026", latin1, [ITEMS_HEADER, "AB2,2,,,,2026-01-05,,"])
    with pytest.raises(CorruptInputError) as refused:
        read_input(spark, "csv", str(tmp_path / "in"), items)
    assert str(refused.value) == (
        f"input '{tmp_path}/in/2026/caf\\xe9.csv' is not named in UTF-8: Spark would skip it without a word; "
        "rename it in UTF-8"
    )


@pytest.mark.parametrize(
    ("glob", "refused"),
    [
        ("in/*/*.csv", "in/2026/caf\\xe9.csv"),
        ("in/2026/c?f?.csv", "in/2026/caf\\xe9.csv"),
        ("in/*", "in/2026/caf\\xe9.csv"),
        ("in/[0-9]*", "in/2026/caf\\xe9.csv"),
        ("in/*/*.json", None),
        ("in/2026/a*", None),
        ("in/2026/[!c]*.csv", None),
    ],
)
def test_a_local_file_not_named_in_utf8_that_a_glob_reads_is_refused(
    spark: SparkSession, items: Contract, tmp_path: Path, glob: str, refused: str | None
) -> None:
    """Hadoop's globbing lists such a file, as the JVM reads its name, and Spark then skips it: refused
    where the glob matches it or a folder above it, and only there."""
    write_lines(tmp_path / "in" / "2026", "a.csv", [ITEMS_HEADER, "AB1,1,,,,2026-01-05,,"])
    write_lines(
        tmp_path / "in" / "2026", os.fsdecode(b"caf\xe9.csv"), [ITEMS_HEADER, "AB2,2,,,,2026-01-05,,"]
    )
    write_lines(tmp_path / "in" / "2026", "b.json", ['{"id": "AB3", "qty": 3, "day": "2026-01-05"}'])
    input_format = glob.rpartition(".")[2] if "." in glob else "csv"
    location = f"{tmp_path}/{glob}"
    if refused is None:
        source = read_input(spark, input_format, location, items)
        assert len(source.files) == 1
        return
    with pytest.raises(CorruptInputError) as refusal:
        read_input(spark, input_format, location, items)
    assert str(refusal.value) == (
        f"input '{tmp_path}/{refused}' is not named in UTF-8: Spark would skip it without a word; "
        "rename it in UTF-8"
    )


@pytest.mark.parametrize(
    ("glob", "refused"),
    [
        # Hadoop's globbing lists folders at each part but the last: a file there is not read, nor a folder
        # without a match below.
        ("in/n*/*.csv", "in/n\\xe9w/a.csv"),
        ("in/*/*.csv", "in/_tmp/l\\xe9ft.csv"),
        ("in/[!_n]*/*.csv", None),
        # A folder the glob matches is read whole, whatever its name; a file Spark leaves out is not.
        ("in/*", "in/_tmp/l\\xe9ft.csv"),
        ("in/b*/*.csv", None),
        # Hadoop takes `x/..` out of a path, a glob's parts included.
        ("in/b*/../_tmp/*", "in/_tmp/l\\xe9ft.csv"),
    ],
)
def test_a_glob_is_checked_only_where_hadoop_and_spark_read(
    spark: SparkSession, items: Contract, tmp_path: Path, glob: str, refused: str | None
) -> None:
    write_lines(tmp_path / "in" / "a", "a.csv", [ITEMS_HEADER, "AB1,1,,,,2026-01-05,,"])
    write_lines(tmp_path / "in" / "b", "b.csv", [ITEMS_HEADER, "AB2,2,,,,2026-01-05,,"])
    write_lines(tmp_path / "in" / "b", os.fsdecode(b"_skipped\xe9.csv"), [ITEMS_HEADER])
    write_lines(tmp_path / "in", os.fsdecode(b"x-notes\xe9.txt"), ["not read"])
    write_lines(tmp_path / "in" / os.fsdecode(b"n\xe9w"), "a.csv", [ITEMS_HEADER, "AB3,3,,,,2026-01-05,,"])
    write_lines(tmp_path / "in" / os.fsdecode(b"n\xe9w"), "a.txt", ["not read by in/*/*.csv"])
    write_lines(
        tmp_path / "in" / "_tmp", os.fsdecode(b"l\xe9ft.csv"), [ITEMS_HEADER, "AB4,4,,,,2026-01-05,,"]
    )
    location = f"{tmp_path}/{glob}"
    if refused is None:
        assert len(read_input(spark, "csv", location, items).files) in (1, 2)
        return
    with pytest.raises(CorruptInputError) as refusal:
        read_input(spark, "csv", location, items)
    assert str(refusal.value).startswith(f"input '{tmp_path}/{refused}' is not named in UTF-8")


def test_a_glob_matches_a_name_that_is_not_utf8_as_the_jvm_reads_it(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    """The JVM reads the bytes of a truncated character as one U+FFFD, which one `?` matches."""
    write_lines(tmp_path / "in", os.fsdecode(b"caf\xe2\x82.csv"), [ITEMS_HEADER, "AB1,1,,,,2026-01-05,,"])
    with pytest.raises(CorruptInputError, match=r"caf\\xe2\\x82\.csv' is not named in UTF-8"):
        read_input(spark, "csv", f"{tmp_path}/in/caf?.csv", items)


def test_folders_that_a_glob_reaches_twice_through_a_link_are_refused(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    write_lines(tmp_path / "in" / "a", "a.csv", [ITEMS_HEADER, "AB1,1,,,,2026-01-05,,"])
    (tmp_path / "in" / "b").symlink_to("a")
    with pytest.raises(UsageError) as refused:
        read_input(spark, "csv", f"{tmp_path}/in/*", items)
    assert str(refused.value).startswith(f"input directories {tmp_path}/in/a and {tmp_path}/in/b are one")


def test_a_broken_link_that_a_glob_matches_is_refused(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    """Hadoop's globbing skips it without a word."""
    write_lines(tmp_path / "in", "a.csv", [ITEMS_HEADER, "AB1,1,,,,2026-01-05,,"])
    (tmp_path / "in" / "b.csv").symlink_to(tmp_path / "missing.csv")
    with pytest.raises(CorruptInputError) as refused:
        read_input(spark, "csv", f"{tmp_path}/in/*.csv", items)
    assert str(refused.value).startswith(
        f"input {tmp_path}/in/b.csv is a symbolic link to {tmp_path}/missing.csv"
    )


def test_no_matching_input_is_an_error(spark: SparkSession, items: Contract, tmp_path: Path) -> None:
    with pytest.raises(NoInputError, match=f"no input file matches {tmp_path}/missing"):
        read_input(spark, "csv", str(tmp_path / "missing"), items)
    (tmp_path / "empty").mkdir()
    with pytest.raises(NoInputError, match="no input file matches"):
        read_input(spark, "json", str(tmp_path / "empty"), items)


def test_parquet_columns_are_matched_by_name_and_widened(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    frame = spark.createDataFrame(
        [(dt.date(2026, 1, 5), 7, "AB1", Decimal("1.50"), 1.5, dt.datetime(2026, 1, 5, 10), "ignored")],
        "day date, qty int, id string, price decimal(10,2), ratio float, at timestamp_ntz, other string",
    )
    frame.write.parquet(str(tmp_path / "in"))
    source = read_input(spark, "parquet", str(tmp_path / "in"), items)
    assert source.text_columns == frozenset()
    typed = source.frame.select(*items.column_names)
    assert [field.dataType.simpleString() for field in typed.schema.fields] == [
        "string", "bigint", "decimal(38,9)", "double", "boolean", "date", "timestamp", "string"
    ]  # fmt: skip
    assert rows_of(typed, "id", "qty", "price", "ratio", "flag", "day", "at") == [
        ("AB1", 7, Decimal("1.5"), 1.5, None, dt.date(2026, 1, 5), dt.datetime(2026, 1, 5, 10))
    ]
    # The original values as text, for the quarantine: a widened value keeps the text it had.
    texts = [name + TEXT_SUFFIX for name in ("qty", "price", "ratio", "flag", "day", "at")]
    assert rows_of(source.frame, *texts) == [("7", "1.50", "1.5", None, "2026-01-05", "2026-01-05 10:00:00")]


def test_a_parquet_instants_text_says_it_is_utc_where_a_local_date_and_times_does_not(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    """An instant (Spark's timestamp) and a local date and time (timestamp_ntz) load alike, as UTC, but only
    the instant's text may say so: the file held no zone for the other."""
    day = dt.date(2026, 1, 5)
    instant = dt.datetime(2026, 1, 5, 10, 0, 0, 123456, tzinfo=dt.UTC)
    instants = spark.createDataFrame([("AB1", day, instant)], "id string, day date, at timestamp")
    instants.write.parquet(str(tmp_path / "i"))
    local = dt.datetime(2026, 1, 5, 10)
    locals_ = spark.createDataFrame([("AB2", day, local)], "id string, day date, at timestamp_ntz")
    locals_.write.parquet(str(tmp_path / "n"))
    texts = [
        rows_of(read_input(spark, "parquet", str(tmp_path / name), items).frame, "at", "at" + TEXT_SUFFIX)
        for name in ("i", "n")
    ]
    assert texts == [
        [(dt.datetime(2026, 1, 5, 10, 0, 0, 123456), "2026-01-05 10:00:00.123456Z")],
        [(dt.datetime(2026, 1, 5, 10), "2026-01-05 10:00:00")],
    ]


def test_a_parquet_decimals_text_is_written_out_not_in_exponent_form(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    """Spark's own text for small decimals of a large scale would be `1E-9` and `0E-9`."""
    values = ["0.000000001", "0", "-12.5", "-99999999999999999999999999999.999999999"]
    frame = spark.createDataFrame(
        [(f"AB{i}", Decimal(v), dt.date(2026, 1, 5)) for i, v in enumerate(values)],
        "id string, price decimal(38,9), day date",
    )
    frame.write.parquet(str(tmp_path / "in"))
    source = read_input(spark, "parquet", str(tmp_path / "in"), items)
    assert sorted(row[0] for row in source.frame.select("price" + TEXT_SUFFIX).collect()) == [
        "-12.500000000",
        "-99999999999999999999999999999.999999999",
        "0.000000000",
        "0.000000001",
    ]
    # Every scale keeps its own decimals: none for an integer, one for decimal(10,1).
    spark.createDataFrame(
        [("AB1", Decimal("-5"), Decimal("-0.5"), dt.date(2026, 1, 5))],
        "id string, qty decimal(18,0), price decimal(10,1), day date",
    ).write.parquet(str(tmp_path / "scales"))
    scales = read_input(spark, "parquet", str(tmp_path / "scales"), items).frame
    assert rows_of(scales, "qty" + TEXT_SUFFIX, "price" + TEXT_SUFFIX) == [("-5", "-0.5")]


def test_parquet_missing_required_column_or_inexact_type_fails_with_every_problem(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    spark.createDataFrame([("AB1", 1.5, "x")], "id string, qty double, price string").write.parquet(
        str(tmp_path / "in")
    )
    with pytest.raises(SchemaMismatchError) as caught:
        read_input(spark, "parquet", str(tmp_path / "in"), items)
    file = min((tmp_path / "in").glob("*.parquet"))  # the first file: each has the schema
    assert str(caught.value) == (
        f"input {tmp_path}/in does not match contract 'items': "
        f"column 'qty' is double in {file.as_uri()}, which does not convert exactly to INT64; "
        f"column 'price' is string in {file.as_uri()}, which does not convert exactly to NUMERIC; "
        "required column 'day' is missing"
    )


def test_parquet_files_with_merged_schemas_name_the_first_file_with_a_wrong_type(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    """Spark merges the schemas (the other files lack the column): its message names no file."""
    for part in range(4):
        write_parquet(spark, tmp_path / "in" / f"p{part}", "id string", (f"AB{part}",))
    write_parquet(spark, tmp_path / "in" / "p2-late", "id string, day string", ("AB9", "2026-01-05"))
    with pytest.raises(SchemaMismatchError) as caught:
        read_input(spark, "parquet", str(tmp_path / "in"), items)
    (wrong,) = (tmp_path / "in" / "p2-late").glob("*.parquet")
    assert str(caught.value) == (
        f"input {tmp_path}/in does not match contract 'items': "
        f"column 'day' is string in {wrong.as_uri()}, which does not convert exactly to DATE"
    )


def test_a_column_of_only_nulls_loads_as_nulls_whatever_its_type(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    """pandas writes a column of only None with Parquet's null type, which Spark reads as an int column (the
    file was written by pyarrow); a column of another type that holds no value converts nothing either."""
    pandas_style = Path(__file__).parent / "data" / "null_typed_column.parquet"
    source = read_input(spark, "parquet", str(pandas_style), items)
    assert rows_of(source.frame, "id", "qty", "day", "color") == [
        ("AB1", 1, dt.date(2026, 1, 5), None),
        ("AB2", 2, dt.date(2026, 1, 6), None),
    ]

    nulls = "id string, day date, at boolean, price string"
    write_parquet(spark, tmp_path / "in", nulls, ("AB1", dt.date(2026, 1, 5), None, None))
    source = read_input(spark, "parquet", str(tmp_path / "in"), items)
    assert rows_of(source.frame, "id", "at", "price", "price" + TEXT_SUFFIX) == [("AB1", None, None, None)]

    write_parquet(spark, tmp_path / "in" / "more", nulls, ("AB2", dt.date(2026, 1, 5), True, None))
    with pytest.raises(SchemaMismatchError, match=r"column 'at' is boolean in .*/in/more/.*, which does not"):
        read_input(spark, "parquet", str(tmp_path / "in"), items)

    # Spark cannot even cast an int to a date: the nulls are the contract type's own.
    write_parquet(spark, tmp_path / "int days", "id string, day int", ("AB1", None))
    source = read_input(spark, "parquet", str(tmp_path / "int days"), items)
    assert rows_of(source.frame, "id", "day", "day" + TEXT_SUFFIX) == [("AB1", None, None)]


def test_parquet_columns_are_matched_ignoring_case(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    write_parquet(
        spark, tmp_path / "in" / "1", "ID string, Qty bigint, DAY date", ("AB1", 2, dt.date(2026, 1, 5))
    )
    write_parquet(
        spark, tmp_path / "in" / "2", "id string, qty bigint, day date", ("AB2", 3, dt.date(2026, 1, 6))
    )
    source = read_input(spark, "parquet", str(tmp_path / "in"), items)
    assert rows_of(source.frame, "id", "qty", "day") == [
        ("AB1", 2, dt.date(2026, 1, 5)),
        ("AB2", 3, dt.date(2026, 1, 6)),
    ]


@pytest.fixture
def case_sensitive(spark: SparkSession) -> Iterator[None]:
    """Spark's case-sensitive mode, in which a file may have columns whose names differ only by case."""
    spark.conf.set("spark.sql.caseSensitive", "true")
    try:
        yield
    finally:
        spark.conf.set("spark.sql.caseSensitive", "false")


def test_parquet_columns_differing_only_by_case_are_a_schema_mismatch(
    spark: SparkSession, items: Contract, tmp_path: Path, case_sensitive: None
) -> None:
    location = str(tmp_path / "in")
    write_parquet(spark, tmp_path / "in", "id string, Day string, day string", ("AB1", "x", "y"))
    with pytest.raises(SchemaMismatchError) as caught:
        read_input(spark, "parquet", location, items)
    assert str(caught.value) == (
        f"input {location} does not match contract 'items': columns 'Day' and 'day' both match 'day' "
        "(names ignore case)"
    )
    # As the job reads: Spark cannot read the file, whichever columns the contract has; among other files, the
    # message names it, and the report lists them all.
    spark.conf.set("spark.sql.caseSensitive", "false")
    write_parquet(spark, tmp_path / "in" / "0-good", "id string", ("AB2",))
    [twins] = (tmp_path / "in").glob("part-*.parquet")
    for contract in (
        items,
        parse_contract({"table": "t", "columns": [{"name": "id", "type": "STRING"}]}, "t"),
    ):
        with pytest.raises(SchemaMismatchError) as caught:
            read_input(spark, "parquet", location, contract)
        assert str(caught.value) == (
            f"input file {twins.as_uri()} has two columns (or struct fields) named `day` (names ignore "
            "case), which Spark cannot read: rename one, or leave one out of the file"
        )
        assert caught.value.input_files == tuple(
            sorted(p.as_uri() for p in (tmp_path / "in").glob("**/*.parquet"))
        )


def test_parquet_files_may_disagree_on_a_type_that_converts_exactly(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    narrow = "id string, qty int, price decimal(5,2), day date"
    wide = "id string, qty bigint, price decimal(12,3), day date"
    day = dt.date(2026, 1, 5)
    write_parquet(spark, tmp_path / "in" / "1", narrow, ("AB1", 2, Decimal("1.50"), day))
    write_parquet(spark, tmp_path / "in" / "2", wide, ("AB2", 3, Decimal("2.125"), day))
    write_parquet(spark, tmp_path / "in" / "3", narrow, ("AB3", 4, Decimal("3.5"), day))
    source = read_input(spark, "parquet", str(tmp_path / "in"), items)
    assert rows_of(source.frame, "id", "qty", "price", SOURCE_FILE) == [
        ("AB1", 2, Decimal("1.5"), source.files[0]),
        ("AB2", 3, Decimal("2.125"), source.files[1]),
        ("AB3", 4, Decimal("3.5"), source.files[2]),
    ]


def test_files_differing_only_in_columns_the_contract_lacks_are_read_as_one_group(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    """Each file adding a column of its own must not make a group of its own (and a union of as many)."""
    day = dt.date(2026, 1, 5)
    write_parquet(
        spark, tmp_path / "in" / "1", "id string, qty int, note string, day date", ("AB1", 1, "n", day)
    )
    write_parquet(
        spark, tmp_path / "in" / "2", "id string, qty int, score double, day date", ("AB2", 2, 0.5, day)
    )
    write_parquet(spark, tmp_path / "in" / "3", "id string, qty bigint, day date", ("AB3", 3, day))
    source = read_input(spark, "parquet", str(tmp_path / "in"), items)
    assert rows_of(source.frame, "id", "qty", SOURCE_FILE) == [
        ("AB1", 1, source.files[0]),
        ("AB2", 2, source.files[1]),
        ("AB3", 3, source.files[2]),
    ]
    write_parquet(spark, tmp_path / "in" / "4", "id string, qty int, flag int, day date", ("AB4", 4, 1, day))
    write_parquet(
        spark, tmp_path / "in" / "5", "id string, qty int, flag int, x long, day date", ("AB5", 5, 1, 9, day)
    )
    with pytest.raises(SchemaMismatchError) as caught:
        read_input(spark, "parquet", str(tmp_path / "in"), items)
    (first,) = (tmp_path / "in" / "4").glob("*.parquet")
    assert str(caught.value).startswith(
        f"input file://{first} (one of 2 files giving the contract's columns these"
    )


def test_parquet_files_disagreeing_on_a_type_name_the_file_that_does_not_convert(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    for part, qty_type, qty in (("1", "bigint", 2), ("2", "double", 2.0), ("3", "double", 3.0)):
        schema = f"id string, qty {qty_type}, day date"
        write_parquet(spark, tmp_path / "in" / part, schema, (f"AB{part}", qty, dt.date(2026, 1, 5)))
    with pytest.raises(SchemaMismatchError) as caught:
        read_input(spark, "parquet", str(tmp_path / "in"), items)
    (file,) = (tmp_path / "in" / "2").glob("*.parquet")
    assert str(caught.value) == (
        f"input file://{file} (one of 2 files giving the contract's columns these types) does not match "
        "contract 'items': "
        "column 'qty' is double, which does not convert exactly to INT64"
    )
    # The report lists the whole refused input, not only the group that did not convert.
    assert caught.value.input_files == tuple(
        sorted(part.as_uri() for part in tmp_path.glob("in/*/*.parquet"))
    )


def test_a_required_column_only_some_files_lack_is_null_there_whether_or_not_schemas_merge(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    """The validation then rejects those rows; a column no file has fails the run (as tested above)."""
    for extra in ("int", "bigint"):  # merged into one schema, or read in groups when `extra` disagrees
        location = tmp_path / extra
        write_parquet(
            spark, location / "1", "id string, day date, extra int", ("AB1", dt.date(2026, 1, 5), 1)
        )
        write_parquet(spark, location / "2", f"id string, extra {extra}", ("AB2", 2))
        source = read_input(spark, "parquet", str(location), items)
        assert rows_of(source.frame, "id", "day") == [("AB1", dt.date(2026, 1, 5)), ("AB2", None)]


def test_zero_byte_parquet_files_are_empty_files_whatever_the_others_hold(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    """A writer that failed leaves zero-byte files: they hold no rows (nor a schema), but they are input.

    The files' paths have a space, which Spark's names for input files encode (%20), and characters that a
    path given to Spark's reader would mean as a glob pattern.
    """
    day = dt.date(2026, 1, 5)
    write_parquet(spark, tmp_path / "merged in" / "[1]", "id string, qty int, day date", ("AB1", 2, day))
    write_parquet(spark, tmp_path / "by schema" / "{1}", "id string, qty int, day date", ("AB1", 2, day))
    write_parquet(spark, tmp_path / "by schema" / "2*", "id string, qty bigint, day date", ("AB2", 3, day))
    for location, expected in (
        ("merged in", [("AB1", 2, day)]),
        ("by schema", [("AB1", 2, day), ("AB2", 3, day)]),
        ("only empty", []),
    ):
        zero_bytes = tmp_path / location / "3" / "part-0.parquet"
        zero_bytes.parent.mkdir(parents=True)
        zero_bytes.write_bytes(b"")
        source = read_input(spark, "parquet", str(tmp_path / location), items)
        assert rows_of(source.frame, "id", "qty", "day") == expected
        assert f"file://{zero_bytes}" in source.files


def write_parquet(spark: SparkSession, directory: Path, schema: str, row: tuple[object, ...]) -> None:
    """One Parquet file holding `row`."""
    spark.createDataFrame([row], schema).coalesce(1).write.parquet(str(directory))


def test_parquet_from_other_writers_loads_old_dates_and_names_nanosecond_columns(
    spark: SparkSession, tmp_path: Path
) -> None:
    """Files without Spark's metadata, as pandas, BigQuery exports or Hive write them."""
    columns = [{"name": "d", "type": "DATE"}, {"name": "ts", "type": "TIMESTAMP"}]
    contract = parse_contract({"table": "t", "columns": columns}, "t.yaml")
    days = (dt.date(1000, 1, 1) - dt.date(1970, 1, 1)).days
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    micros = (dt.datetime(1600, 1, 1, tzinfo=dt.UTC) - epoch) // dt.timedelta(microseconds=1)
    schema = (
        "message m { optional int32 d (DATE); optional int64 ts (TIMESTAMP(MICROS,true)); "
        "optional int64 n (TIMESTAMP(NANOS,true)); }"
    )
    write_foreign_parquet(spark, tmp_path / "in" / "a.parquet", schema, {"d": days, "ts": micros, "n": 2**40})
    source = read_input(spark, "parquet", str(tmp_path / "in"), contract)
    assert rows_of(source.frame, "d", "ts") == [(dt.date(1000, 1, 1), dt.datetime(1600, 1, 1))]
    nanos = parse_contract({"table": "t", "columns": [{"name": "n", "type": "TIMESTAMP"}]}, "t.yaml")
    with pytest.raises(SchemaMismatchError) as caught:
        read_input(spark, "parquet", str(tmp_path / "in"), nanos)
    assert str(caught.value).endswith(
        f"column 'n' is bigint in {(tmp_path / 'in' / 'a.parquet').as_uri()}, which does not convert exactly "
        "to TIMESTAMP (a timestamp stored as a number, such as the nanosecond timestamps pandas writes, "
        "arrives as a bigint: write it as a timestamp of microseconds)"
    )


def write_foreign_parquet(spark: SparkSession, path: Path, schema: str, row: dict[str, int]) -> None:
    """One row in a Parquet file written by parquet-mr's example writer, without Spark's metadata."""
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    message = jvm.org.apache.parquet.schema.MessageTypeParser.parseMessageType(schema)
    writer = (
        jvm.org.apache.parquet.hadoop.example.ExampleParquetWriter.builder(
            jvm.org.apache.hadoop.fs.Path(str(path))
        )
        .withType(message)
        .withConf(spark.sparkContext._jsc.hadoopConfiguration())
        .build()
    )
    group = jvm.org.apache.parquet.example.data.simple.SimpleGroupFactory(message).newGroup()
    for name, value in row.items():
        is_int64 = str(message.getType(name).asPrimitiveType().getPrimitiveTypeName()) == "INT64"
        group.append(name, jvm.java.lang.Long(value) if is_int64 else value)
    writer.write(group)
    writer.close()


def test_a_parquet_float_is_compared_and_shown_as_the_double_it_loads_as(
    spark: SparkSession, tmp_path: Path
) -> None:
    """The float nearest 0.1 is 0.10000000149011612: its text says so, so a max of 0.1 rejects it visibly."""
    contract = parse_contract({"table": "t", "columns": [{"name": "x", "type": "FLOAT64"}]}, "t.yaml")
    spark.createDataFrame([(0.1,)], "x float").write.parquet(str(tmp_path / "in"))
    source = read_input(spark, "parquet", str(tmp_path / "in"), contract)
    assert rows_of(source.frame, "x", "x" + TEXT_SUFFIX) == [(0.10000000149011612, "0.10000000149011612")]


@pytest.mark.parametrize("input_format", ["csv", "parquet"])
def test_summary_files_are_not_input_files_since_spark_reads_no_rows_from_them(
    spark: SparkSession, items: Contract, tmp_path: Path, input_format: str
) -> None:
    """Spark lists `_metadata` and `_common_metadata` (Parquet's summary files) with the data but reads no
    rows from them, as from every name starting with `_` without a `=`; `_day=5.csv` holds rows."""
    day = dt.date(2026, 1, 5)
    if input_format == "csv":
        write_lines(tmp_path / "in", "_day=5.csv", [ITEMS_HEADER, "AB1,1,,,,2026-01-05,,"])
        write_lines(tmp_path / "summary", "part-0.csv", [ITEMS_HEADER, "ZZ9,1,,,,2026-01-05,,"])
    else:
        write_parquet(spark, tmp_path / "in", "id string, day date", ("AB1", day))
        write_parquet(spark, tmp_path / "summary", "id string, day date", ("ZZ9", day))
    # Summary files holding rows of their own, so that reading them would show.
    [summary_rows] = (tmp_path / "summary").glob("part-*")
    for summary in ("_metadata", "_common_metadata"):
        (tmp_path / "in" / summary).write_bytes(summary_rows.read_bytes())

    source = read_input(spark, input_format, str(tmp_path / "in"), items)

    assert rows_of(source.frame, "id") == [("AB1",)]
    assert [file.rsplit("/", 1)[1] for file in source.files] == [
        "_day=5.csv" if input_format == "csv" else next((tmp_path / "in").glob("part-*")).name
    ]


def test_an_input_of_summary_files_only_has_no_input_file(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    write_lines(tmp_path / "in", "_metadata", [ITEMS_HEADER, "ZZ9,1,,,,2026-01-05,,"])
    (tmp_path / "a[1]").mkdir()  # a glob pattern, matching no file
    for location in ("in", "a[1]"):
        with pytest.raises(NoInputError) as caught:
            read_input(spark, "csv", str(tmp_path / location), items)
        assert str(caught.value) == (
            f"no input file matches {tmp_path / location} (Spark skips files and directories whose names "
            "start with '.', or with '_' unless they hold a '=', and reads * ? [ ] { } as a glob pattern)"
        )


@pytest.mark.parametrize(
    ("fixture", "type_named"),
    [
        ("time_column.parquet", "Illegal Parquet type: INT64 (TIME(MICROS,false))"),
        ("interval_column.parquet", "Parquet type not yet supported: FIXED_LEN_BYTE_ARRAY (INTERVAL)"),
        (
            "float16_column.parquet",
            "a Parquet logical type newer than Spark's Parquet library, such as FLOAT16",
        ),
        # pyarrow's decimal256(40, 2), as a BigQuery BIGNUMERIC column exports.
        (
            "decimal40_column.parquet",
            "a decimal of precision 40, over Spark's 38, as in an export of BigQuery's BIGNUMERIC",
        ),
    ],
)
def test_a_file_with_a_column_type_spark_cannot_read_is_named(
    spark: SparkSession, items: Contract, tmp_path: Path, fixture: str, type_named: str
) -> None:
    """Parquet's TIME type (written by pyarrow for Python times) fails Spark's read of the file's schema,
    and FLOAT16 (pandas' float16) fails its Parquet library, even for a column the contract does not have:
    the run says which file, as a schema mismatch."""
    write_parquet(spark, tmp_path / "in" / "good", "id string, day date", ("AB1", dt.date(2026, 1, 5)))
    unreadable = tmp_path / "in" / fixture
    unreadable.write_bytes((Path(__file__).parent / "data" / fixture).read_bytes())
    with pytest.raises(SchemaMismatchError) as caught:
        read_input(spark, "parquet", str(tmp_path / "in"), items)
    assert str(caught.value) == (
        f"input file file://{unreadable} has a column Spark cannot read ({type_named}): write that column as "
        "another type, or leave it out of the file"
    )
    assert len(caught.value.input_files) == 2  # the report lists the input's files


def test_an_input_of_fewer_partitions_than_cores_is_spread_over_them_unless_it_is_small(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    """One CSV file is read in one task, and each later step would keep that one partition."""
    write_lines(tmp_path / "in", "a.csv", [ITEMS_HEADER, *[f"AB{n},1,,,,2026-01-05,," for n in range(50)]])
    assert read_input(spark, "csv", str(tmp_path / "in"), items).partitions == 1  # a few bytes: not worth it
    spark.conf.set("spark.sql.files.openCostInBytes", "1")
    try:
        spread = read_input(spark, "csv", str(tmp_path / "in"), items)
    finally:
        spark.conf.unset("spark.sql.files.openCostInBytes")
    assert spread.partitions == spark.sparkContext.defaultParallelism == 2
    assert sorted(row["id"] for row in spread.frame.collect()) == sorted(f"AB{n}" for n in range(50))
    assert {row[SOURCE_FILE] for row in spread.frame.collect()} == {f"file://{tmp_path}/in/a.csv"}


def test_the_cores_a_run_counts_on_are_those_its_minimum_of_executors_brings() -> None:
    """On Dataproc the executors register while the run starts: Spark's count may still be its floor of 2."""

    def session(parallelism: int, **conf: str) -> Any:
        context = SimpleNamespace(
            defaultParallelism=parallelism,
            getConf=lambda: SparkConf(loadDefaults=False).setAll(list(conf.items())),
        )
        return SimpleNamespace(sparkContext=context)

    assert cores(session(2)) == 2
    dataproc = {"spark.executor.cores": "4", "spark.dynamicAllocation.minExecutors": "2"}
    assert cores(session(2, **dataproc)) == 8
    assert cores(session(24, **dataproc)) == 24


def test_an_escaped_lone_surrogate_in_json_becomes_the_replacement_character(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    """Half of a character (as JavaScript escapes a text cut inside an emoji) is no character: Spark alone
    would give it as `?`. A pair stays the character it escapes, an escaped backslash stays a backslash."""
    write_lines(
        tmp_path / "in",
        "a.json",
        [
            r'{"id": "AB1", "color": "a\ud800b"}',
            r'{"id": "AB2", "color": "\ud83d\ude00"}',
            r'{"id": "AB3", "color": "\uDE00x\uDBFF"}',
            r'{"id": "AB4", "color": "\\ud800\\\ud800"}',
            r'{"id": "AB5", "color": "\ud83d\ud83d\ude00\ude00"}',
            r'{"id": "AB6", "extra": "\udc00", "price": 1.5}',
            r'{"id": "AB7", "color": "caf\u00e9 ?"}',
            # A backslash, then the text `ud83d`, then a lone low half.
            r'{"id": "AB8", "color": "\\ud83d\ude00"}',
            # Escaped backslashes, however many, then the text `ud800`.
            '{"id": "AB9", "color": "' + "\\" * 2004 + 'ud800"}',
            r'{"id": "BA1", "color": "' + r"\ud800" * 20_000 + '"}',
        ],
    )
    source = read_input(spark, "json", str(tmp_path / "in"), items)
    assert rows_of(source.frame, "id", "color", "price", RAW_RECORD) == [
        ("AB1", "a\ufffdb", None, None),
        ("AB2", "\U0001f600", None, None),
        ("AB3", "\ufffdx\ufffd", None, None),
        ("AB4", "\\ud800\\\ufffd", None, None),
        ("AB5", "\ufffd\U0001f600\ufffd", None, None),
        ("AB6", None, "1.5", None),
        ("AB7", "café ?", None, None),
        ("AB8", "\\ud83d\ufffd", None, None),
        ("AB9", "\\" * 1002 + "ud800", None, None),
        ("BA1", "\ufffd" * 20_000, None, None),
    ]
