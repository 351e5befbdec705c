"""The CSV reader: RFC 4180 records as text (their fields separated by a comma or another chosen character),
the header checked against the contract, and the line break a record may end with taken off its last field."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as sf
from pyspark.sql.types import StringType, StructField, StructType

from spark_jobs.contract import OPEN_QUOTE, RAW_RECORD, Contract
from spark_jobs.options import CSV_DELIMITER, DEFAULT_CSV_DIALECT, CsvDialect
from spark_jobs.quoting import quoted

# The most fields a CSV record may have and still be read (and rejected as malformed when they are too many).
CSV_MAX_FIELDS = 100_000


def _text_schema(contract: Contract) -> StructType:
    columns = [StructField(name, StringType()) for name in contract.column_names]
    return StructType([*columns, StructField(RAW_RECORD, StringType())])


def read_csv(
    spark: SparkSession,
    location: str,
    contract: Contract,
    dialect: CsvDialect = DEFAULT_CSV_DIALECT,
) -> DataFrame:
    """The records as text, their fields separated by the `dialect`'s delimiter, under the header that must
    name the contract's columns in order (ignoring case); a record that does not have exactly the header's
    fields comes whole as `_raw_record`. A field holding exactly one of the dialect's null markers is null,
    and so is an empty field when the dialect has none (see `_markers_as_null`). The files' bytes are
    decoded in the dialect's encoding; any it does not define become U+FFFD. A record that a quote never
    closed has run on has its reason in `_open_quote`."""
    rows = (
        spark.read.schema(_text_schema(contract))
        .option("recursiveFileLookup", "true")
        .option("header", "true")
        # Spark reads a backslash in `sep` as the start of an escape (`\t`): a backslash itself is doubled.
        .option("sep", dialect.delimiter.replace("\\", "\\\\"))
        .option("encoding", dialect.encoding)
        # Check the header against the contract's columns instead of trusting the column order.
        .option("enforceSchema", "false")
        # RFC 4180: fields are quoted with " and a quote inside a quoted field is doubled; a quoted field may
        # hold line breaks, so records are parsed from the whole file instead of line by line (each file is
        # then read by one task).
        .option("quote", '"')
        .option("escape", '"')
        .option("multiLine", "true")
        # A record with more fields than this fails the run instead of being malformed (Spark's default,
        # 20,480, is easily passed by a broken file). The parser allocates for it: about 0.4 ms per file.
        .option("maxColumns", CSV_MAX_FIELDS)
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", RAW_RECORD)
        .csv(location)
    )
    rows = _line_break_remains_removed(
        _without_blank_crlf_lines(rows, contract.column_names), contract.column_names[-1]
    )
    rows = rows.withColumn(OPEN_QUOTE, _open_quote_reason(contract.column_names))
    return _markers_as_null(rows, contract.column_names, dialect.null_markers)


def malformed_reason(delimiter: str) -> str:
    """Why a record that could not be split into the header's fields is rejected; the delimiter is named
    when it is not RFC 4180's comma."""
    separated = "" if delimiter == CSV_DELIMITER else f", fields separated by {quoted(delimiter)}"
    return f"the record does not have exactly the header's fields (RFC 4180{separated})"


def _open_quote_reason(columns: tuple[str, ...]) -> Column:
    """Why a record that a quote never closed has run on into the records after it is rejected; null for
    the others. `columns` are the record's fields, as text, in the header's order.

    Such a quote takes in the lines after it, records included, as its field's value, up to the next quote
    in the file (the parser then keeps the opening quote in the value) or to the end of the file (the
    value then ends with the file's last line break). In the last field the record still has the header's
    fields, and otherwise the next quote may give it as many: the records taken in would be loaded as one
    value, uncounted. A value quoted on purpose hardly ever starts with a quote and holds a line break, or
    ends the file's last field with one: one that does is rejected too, and the reason says why.

    One test per column, naming the first field that fails it: a contract of thousands of columns must not
    build a reason per column.
    """
    run_on_field = sf.coalesce(
        *[
            sf.when(sf.col(name).startswith('"') & sf.col(name).contains("\n"), sf.lit(name))
            for name in columns
        ]
    )
    last = sf.col(columns[-1])
    line_breaks = sf.size(sf.split(last, "\n")) - 1
    return sf.coalesce(
        # Null when no field starts with a quote and holds a line break.
        sf.concat(
            sf.lit("its field '"),
            run_on_field,
            sf.lit(f"' starts with a quote and holds a line break: {_RUN_ON} up to a later quote {_FIX}"),
        ),
        sf.when(
            last.endswith("\n"),
            sf.concat(
                sf.lit(f"its last field, '{columns[-1]}', ends with a line break and holds "),
                line_breaks.cast("string"),
                sf.lit(f" line break(s): {_RUN_ON} to the end {_FIX}"),
            ),
        ),
    )


_RUN_ON = "a quote that is never closed takes in the lines after it,"
_FIX = "of the file, records included; close the quote"


def _without_blank_crlf_lines(rows: DataFrame, columns: tuple[str, ...]) -> DataFrame:
    """`rows` without the blank lines that end in `\r\n` after a header ending in `\n`.

    Spark skips a blank line, but such a one reaches the parser as a lone `\r` (see
    `_line_break_remains_removed`): a record of one field. With one column it is a well-formed record, which
    would load as null (a record of only a quoted `"\r"` is the same to the parser, and is skipped too); with
    more, it is a record of too few fields, which the parser keeps as an empty (or `\r`) raw record.
    """
    raw = sf.col(RAW_RECORD)
    blank = raw.isNull() if len(columns) == 1 else sf.coalesce(raw.isin("", "\r"), sf.lit(False))
    return rows.where(~(sf.col(columns[0]).eqNullSafe("\r") & blank))


def _line_break_remains_removed(rows: DataFrame, last_column: str) -> DataFrame:
    """`rows` without the `\r` that a `\r\n` line break leaves at the end of the last field.

    The parser takes a file's line break from its first line: after a header ending in `\n`, a record ending
    in `\r\n` (RFC 4180's own line break) keeps the `\r` in its last field, where it would load unseen or
    fail a cast for no visible reason. It belongs to the line break; a field it alone filled is empty: null.
    """
    value = sf.col(last_column)
    kept = value.substr(sf.lit(1), sf.length(value) - 1)
    without_return = sf.when(kept != "", kept)
    return rows.withColumn(last_column, sf.when(value.endswith("\r"), without_return).otherwise(value))


def _markers_as_null(rows: DataFrame, columns: tuple[str, ...], null_markers: tuple[str, ...]) -> DataFrame:
    """`rows` with each field that holds exactly one of the `null_markers` (quoted or not) null.

    As BigQuery's CSV loads read them: without markers an empty field is null; with markers it is an empty
    text, null only when the empty text is one of them, so that a file that writes its nulls as `\\N` keeps
    its empty texts (and another type's empty field breaks its type rule). Spark reads an empty field as null,
    quoted or not: in a record it could split into fields, that null is the empty text (a malformed record
    keeps the fields Spark gave it, for the quarantine). Compared here rather than by Spark's `nullValue`
    option, which takes one marker only and reads an unquoted empty field as null.
    """
    if not null_markers:
        return rows
    markers = list(null_markers)
    split = sf.col(RAW_RECORD).isNull()

    def marked_null(name: str) -> Column:
        text = sf.when(split, sf.coalesce(sf.col(name), sf.lit(""))).otherwise(sf.col(name))
        return sf.when(~text.isin(markers), text)

    return rows.withColumns({name: marked_null(name) for name in columns})
