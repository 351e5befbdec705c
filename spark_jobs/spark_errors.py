"""Spark's and the file systems' failures, from their Java error text, as one line naming the file and the
problem, raised as the job's failure kinds (`errors`, each with its exit status)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import unquote

from py4j.protocol import Py4JJavaError
from pyspark.errors import PySparkException
from pyspark.sql import SparkSession

from spark_jobs.csv_reader import CSV_MAX_FIELDS
from spark_jobs.errors import (
    ColumnlessParquetError,
    CorruptInputError,
    OutOfMemoryError,
    SchemaMismatchError,
    SinkError,
    UnreadableMergedDecimalError,
    UsageError,
)
from spark_jobs.hadoop_paths import as_input_file_names
from spark_jobs.input_files import (
    HADOOP_CODEC_ENDINGS,
    binary_content,
    holds_only_a_byte_order_mark,
    text_file_head,
)
from spark_jobs.options import CSV_ENCODING, CSV_ENCODINGS, DEFAULT_CSV_DIALECT, CsvDialect
from spark_jobs.quoting import quoted


@contextmanager
def input_errors_explained(files: tuple[str, ...], csv: CsvDialect = DEFAULT_CSV_DIALECT) -> Iterator[None]:
    """Turn Spark's failures while reading the input `files` (none while they are being listed; CSV files of
    the `csv` dialect) into one clear line naming the file and the problem."""
    try:
        yield
    except (Py4JJavaError, PySparkException) as error:
        message = str(error)
        raise_if_file_system_missing(message)
        raise_if_out_of_memory(message)
        glob = _GLOB_SYNTAX.search(message)
        if glob is not None:
            raise UsageError(
                f"--input-location is not a valid glob pattern: {glob['reason']} (* ? [ ] {{ }} \\ are glob "
                "characters: put a backslash before each one that a name holds as itself)"
            ) from None
        detail = first_meaningful_line(message)
        widened = _WIDER_DECIMAL.search(message)
        if widened is not None:
            raise UnreadableMergedDecimalError(
                f"{_naming_the_file(_widened_decimal(widened), message, files)}: write that column with one "
                "decimal type in every file (e.g. decimal(38,9))",
                files,
            ) from None
        if _COLUMNLESS_PARQUET.search(message):
            raise ColumnlessParquetError(
                "an input file could not be read: "
                + _naming_the_file(
                    "a Parquet file has no column, which Spark's Parquet reader fails on", message, files
                )
            ) from None
        if "CSV header" in message:
            raise SchemaMismatchError(
                f"CSV header does not match the contract: {csv_header_mismatch(message) or detail} (a header "
                "names the contract's columns in the contract's order, ignoring case)"
                + (_not_text_hint(message, csv.encoding) or _delimiter_hint(message, csv.delimiter))
            ) from None
        raise CorruptInputError(
            f"an input file could not be read: {_unreadable_input(detail, message, files)}"
        ) from None


def _widened_decimal(found: re.Match[str]) -> str:
    return (
        f"its column '{found['column']}' is a decimal stored as {found['physical']}, which Spark 3.5 cannot "
        f"read as {found['logical']}, the type other files of the input give the column (the same scale, a "
        "greater precision)"
    )


# Parquet files holding a decimal column with the same scale but different precisions: Spark merges their
# schemas into the widest, then its vectorized reader cannot read a narrower one's 32- or 64-bit integers
# as that type.
_WIDER_DECIMAL = re.compile(
    r"SchemaColumnConvertNotSupportedException: column: \[(?P<column>[^\]]*)\], "
    r"physicalType: (?P<physical>\w+), logicalType: (?P<logical>decimal\(\d+,\d+\))"
)
# Parquet's footer reader takes a row group's first column for granted.
_COLUMNLESS_PARQUET = re.compile(
    r"IndexOutOfBoundsException: Index 0 out of bounds for length 0(?:\s+at [^\n]*)*?"
    r"\s+at org\.apache\.parquet\.format\.converter\.ParquetMetadataConverter\."
)
# Hadoop's listing refuses the location's glob pattern (its own checks, or re2j's compiling it).
_GLOB_SYNTAX = re.compile(r"Illegal file pattern: (?P<reason>[^\n]+)")


def csv_header_mismatch(message: str) -> str | None:
    """How a CSV header differs from the contract's columns, naming its file, when `message` holds Spark's
    refusal of the header (see `csv_reader.read_csv`); None otherwise."""
    length = _HEADER_LENGTH.search(message)
    if length is not None:
        header, columns = length["header"], "column" if length["header"] == "1" else "columns"
        return f"{length['file']}: its header has {header} {columns}, the contract {length['contract']}"
    name = _HEADER_NAME.search(message)
    if name is not None:
        found, expected = name["found"], name["expected"]
        return f"{name['file']}: its header names {quoted(found)} where the contract has {quoted(expected)}"
    return None


# Spark 3.5's two messages (CSVHeaderChecker); the second names the first column that differs.
_HEADER_LENGTH = re.compile(
    r"Number of column in CSV header is not equal to number of fields in the schema:\s*"
    r"Header length: (?P<header>[0-9]+), schema size: (?P<contract>[0-9]+)\s*CSV file: (?P<file>.+)"
)
_HEADER_NAME = re.compile(
    r"CSV header does not conform to the schema\.\n Header: .*\n Schema: .*\n"
    r"Expected: (?P<expected>\S+) but found: (?P<found>.*)\nCSV file: (?P<file>.+)"
)


def _not_text_hint(message: str, encoding: str) -> str:
    """A hint when the file whose header Spark refused in `message` was not read as text: compressed,
    or empty (`_file_hint`), or with a header holding what text in `encoding` does not (NUL characters of
    UTF-16, undecodable bytes, UTF-8's byte-order mark read as another encoding)."""
    name = _HEADER_NAME.search(message)
    found = _HEADER_LENGTH.search(message) or name
    if found is None:
        return ""
    about_the_file = _file_hint(found["file"])
    if about_the_file is not None:
        return about_the_file
    header = "" if name is None else name["found"]
    if encoding != CSV_ENCODING and header.startswith(_UTF8_BYTE_ORDER_MARK_AS_WESTERN):
        return (
            f"; the file starts with UTF-8's byte-order mark, read as {encoding}: it is UTF-8, so leave out "
            "--csv-encoding (the pipeline key csvEncoding)"
        )
    if "\x00" in header:
        return (
            f"; the header is not {encoding} text: save the file as UTF-8 (not UTF-16, Excel's Unicode Text)"
        )
    if "\ufffd" in header:
        others = ", ".join(known for known in CSV_ENCODINGS if known != encoding)
        return (
            f"; the header is not {encoding} text: save the file as UTF-8, or name its encoding with "
            f"--csv-encoding ({others})"
        )
    return ""


def _file_hint(file: str) -> str | None:
    """A hint when `file` is named as a compressed file that Hadoop does not decompress (it goes by the
    name's ending, in lower case), is not text (`binary_content`: compressed data under another name, a
    Parquet or Avro file), or holds nothing but UTF-8's byte-order mark, which Spark reads as a header of one
    empty name."""
    stem, dot, ending = file.rsplit("/", 1)[-1].rpartition(".")
    if stem and dot and ending.lower() in _COMPRESSED_ENDINGS and ending not in HADOOP_CODEC_ENDINGS:
        remedy = (
            f"rename it to end in .{ending.lower()}"
            if ending.lower() in HADOOP_CODEC_ENDINGS
            else "unpack it"
        )
        return (
            f"; a file named .{ending} is read as it is: Hadoop decompresses only names ending in "
            f"{', '.join('.' + known for known in HADOOP_CODEC_ENDINGS)} (in lower case), so {remedy}"
        )
    spark = SparkSession.getActiveSession()
    if spark is None:
        return None
    named = unquote(file)  # Spark's message names it as a URI
    head = text_file_head(spark, named)
    if head is None:
        return None
    binary = binary_content(named, head)
    if binary is not None:
        return f"; the file {binary}"
    if holds_only_a_byte_order_mark(head):
        return (
            "; the file holds nothing but UTF-8's byte-order mark, as some editors save an empty file: "
            "delete it (a file of no bytes at all is read as empty)"
        )
    return None


# UTF-8's byte-order mark, EF BB BF, as ISO-8859-1 and windows-1252 read it.
_UTF8_BYTE_ORDER_MARK_AS_WESTERN = "\u00ef\u00bb\u00bf"
# The endings by which Hadoop picks a codec (its default codecs), and those of other compressed files.
_COMPRESSED_ENDINGS = frozenset({*HADOOP_CODEC_ENDINGS, "zip", "xz", "7z", "rar", "tar", "tgz", "lzma"})


def _delimiter_hint(message: str, delimiter: str) -> str:
    """A hint when the header Spark refused in `message` looks split on the wrong character: it is a single
    column where the contract has several, or its name that differs holds a character that usually
    separates fields."""
    length = _HEADER_LENGTH.search(message)
    name = _HEADER_NAME.search(message)
    one_column = length is not None and length["header"] == "1"
    others = [usual for usual in _USUAL_DELIMITERS if usual != delimiter]
    separator_in_name = name is not None and any(usual in name["found"] for usual in others)
    if not (one_column or separator_in_name):
        return ""
    return (
        f"; the header was split on {quoted(delimiter)}: if the file separates its fields with another "
        "character, name it with --csv-delimiter"
    )


_USUAL_DELIMITERS = (",", ";", "|", "\t")


def _unreadable_input(detail: str, message: str, files: tuple[str, ...]) -> str:
    """Which input file Spark could not read, and why, from its error `message` (`detail` its gist)."""
    if f"Index {CSV_MAX_FIELDS} out of bounds" in message:
        detail = f"a CSV record has more than {CSV_MAX_FIELDS} fields"
    codec = _MISSING_CODEC.search(message)
    if codec is not None:
        detail = (
            f"it is compressed with {codec['name']}, which this Spark cannot decompress (Hadoop's "
            f"{codec['class']} is not installed): write it with snappy, gzip or zstd"
        )
    denied = _PERMISSION_DENIED.search(message)
    if denied is not None:
        return f"{denied['path']}: permission denied"
    colon = _COLON_IN_LOCAL_NAME.search(message)
    if colon is not None:
        return f"{colon['name']}: the local file system cannot read a file whose name holds ':'; rename it"
    return _naming_the_file(detail, message, files)


def _naming_the_file(detail: str, message: str, files: tuple[str, ...]) -> str:
    """`detail`, led by the input file that Spark names elsewhere in `message` (often only in an outer error),
    or else by the only one of `files` there is.

    Spark does not name the file for every failure (not for a truncated gzip file): among several files,
    the text says so.
    """
    if _INPUT_FILE.search(detail):
        return detail
    named = _INPUT_FILE.search(message)
    if named is not None:
        return f"{named.group().rstrip('.')}: {detail}"
    if len(files) == 1:
        return f"{files[0]}: {detail}"
    return f"{detail} (Spark does not say which of the {len(files) or 'input'} files)"


# A Parquet file compressed with a codec whose Hadoop class is missing: Brotli's, or LZO's (in its own
# package, com.hadoop.compression.lzo.LzoCodec).
_MISSING_CODEC = re.compile(r"ClassNotFoundException: (?P<class>(?:\w+\.)+(?P<name>\w+)Codec)\b")
# A file the job may not read (the JDK's "<path> (Permission denied)"), or a folder (NIO's exception).
_PERMISSION_DENIED = re.compile(
    r"(?:FileNotFoundException|AccessDeniedException): (?P<path>\S+?):? \(?Permission denied\b"
)
# The checksum file (`.<name>.crc`) Hadoop's local file system looks for, which a `:` makes an invalid path.
_COLON_IN_LOCAL_NAME = re.compile(r"Relative path in absolute URI: \.(?P<name>[^/\n]*:[^/\n]*)\.crc")
# A local or Cloud Storage path, as Spark writes it in its errors ("file:/…", "file:///…", "gs://…").
_INPUT_FILE = re.compile(r"\b(?:file|gs):/[^\s;,\]]+")


@contextmanager
def sink_errors_explained(action: str) -> Iterator[None]:
    """Spark's and the file systems' failures while `action` runs, as one line: exit status 9, or 2 when
    the path's file system is missing, or 1 when Spark ran out of memory."""
    try:
        yield
    except (Py4JJavaError, PySparkException) as error:
        raise_if_file_system_missing(str(error))
        raise_if_out_of_memory(str(error))
        raise SinkError(f"{action} failed: {first_meaningful_line(str(error))}") from None
    except (OSError, SinkError) as error:  # SinkError: a statement BigQuery refused
        raise SinkError(f"{action} failed: {error}") from None


def raise_if_out_of_memory(message: str) -> None:
    """A task or the driver that ran out of memory: the input is fine, the run needs more memory (Spark then
    says where: a JVM's heap, or the memory pool its tasks share)."""
    if any(sign in message for sign in _OUT_OF_MEMORY):
        detail = first_meaningful_line(message).rstrip(".")
        raise OutOfMemoryError(f"Spark ran out of memory: {detail}. {MORE_MEMORY}")


_OUT_OF_MEMORY = ("java.lang.OutOfMemoryError", "SparkOutOfMemoryError", "UNABLE_TO_ACQUIRE_MEMORY")
MORE_MEMORY = (
    "Give the run more memory: spark.driver.memory and spark.executor.memory (a stack's sparkProperties, or "
    "locally PYSPARK_SUBMIT_ARGS='--driver-memory 4g pyspark-shell')"
)


def raise_if_file_system_missing(message: str, given: str | None = None) -> None:
    """A path whose scheme this Spark cannot read (gs:// outside Dataproc) is the command line's mistake,
    not a corrupt file or a failed write; `given` names the argument and its path, when known."""
    missing_class = _NO_FILE_SYSTEM_CLASS.search(message)
    if missing_class is not None:  # a scheme Hadoop knows (s3a) whose connector is not installed
        raise UsageError(
            f"this Spark has no file system for {given or 'a path given'}: its Hadoop connector "
            f"({missing_class[1]}) is not installed"
        ) from None
    missing = _NO_FILE_SYSTEM.search(message)
    if missing is None:
        return
    scheme = missing[1]
    remedy = (
        "gs:// needs the Cloud Storage connector, which Dataproc provides; to run locally, use local paths"
        if scheme.lower() == "gs"
        else "its Hadoop connector is not installed"
    )
    named = f" ({given})" if given else ""
    raise UsageError(f"this Spark has no file system for {scheme}:// paths{named}: {remedy}") from None


_NO_FILE_SYSTEM = re.compile(r'No FileSystem for scheme "?([^"\s]+)"?')
_NO_FILE_SYSTEM_CLASS = re.compile(r"Class (\S+FileSystem) not found")


def first_meaningful_line(message: str) -> str:
    """The most specific part of a Java error: the deepest 'Caused by' message without its stack trace."""
    lines = [
        line.strip() for line in message.splitlines() if line.strip() and not line.startswith(_PY4J_PREAMBLE)
    ]
    starts = [index for index, line in enumerate(lines) if line.startswith("Caused by:")]
    block = lines[starts[-1] :] if starts else lines
    text_lines = []
    for line in block:
        if line.startswith(("at ", "...")):
            break
        text_lines.append(line.removeprefix("Caused by:").removeprefix(": ").strip())
    text = " ".join(text_lines) or message
    # The Java class of the exception says nothing its message does not (`java.io.EOFException: Unexpected
    # end of input stream`), and a local file's URI is written as the report writes it (file:///x).
    text = as_input_file_names(_JAVA_EXCEPTION.sub("", text, count=1))
    return text if len(text) <= _MAX_DETAIL else text[: _MAX_DETAIL - 3] + "..."


_MAX_DETAIL = 500
# A qualified Java exception class before its message.
_JAVA_EXCEPTION = re.compile(r"^(?:[a-z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error): (?=\S)")
# How py4j introduces a Java exception ("An error occurred while calling o911.parquet."): no help to a reader.
_PY4J_PREAMBLE = "An error occurred while calling "
