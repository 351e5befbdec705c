"""The input's files and the directories on their paths: which files Spark reads, their names as the file
system gives them, the columns that Hive-style directories (`<column>=<value>/`) name, and checks that
refuse what symbolic links do to a local input, a compressed file Hadoop's codec would run out of memory on,
and compressed data in a text file named so that Hadoop reads it as it is."""

from __future__ import annotations

import os
import posixpath
import re
from collections import deque
from collections.abc import Iterable, Iterator
from typing import NamedTuple
from urllib.parse import unquote

from py4j.protocol import Py4JJavaError
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as sf

from spark_jobs.contract import Contract
from spark_jobs.errors import CorruptInputError, UsageError
from spark_jobs.hadoop_fs import file_head_ints, read_head
from spark_jobs.hadoop_paths import (
    as_input_file_names,
    is_local,
    is_utf8,
    local_path,
    matches_glob_part,
    skipped_by_spark,
    split_glob,
    with_bytes_shown,
)
from spark_jobs.quoting import quoted


class InputRows(NamedTuple):
    """A reader's rows, and the files listed for them."""

    frame: DataFrame
    listed: list[str]
    """Every input file, as Spark names them (`data_files`): also typed files that hold no row (zero bytes, or
    Parquet without columns), which the rows may leave unread."""


def data_files(frame: DataFrame) -> list[str]:
    """The files whose rows `frame` reads. Spark's listing keeps Parquet's summary files (`_metadata`,
    `_common_metadata`) among its files, which the scan then skips, as it skips every file whose name
    starts with `.`, or with `_` and holds no `=`."""
    return [file for file in frame.inputFiles() if not skipped_by_spark(file.rsplit("/", 1)[-1])]


class Listing(NamedTuple):
    """The files under an input location (`list_files`)."""

    with_data: list[str]
    """The files holding data (not zero bytes), as paths that can be loaded."""
    listed: list[str]
    """All the files, as Spark names its input files."""

    @property
    def names(self) -> tuple[str, ...]:
        """All the files, as the report names them."""
        return input_file_names(self.listed)


def list_files(spark: SparkSession, location: str) -> Listing:
    """The files under `location`, listed as Spark lists a file source's, without reading them."""
    listing = spark.read.format("binaryFile").option("recursiveFileLookup", "true").load(location)
    # The listing's paths, unlike the names Spark gives input files, are not URL-encoded: they can be loaded.
    paths = listing.where(sf.col("length") > 0).select("path").collect()
    return Listing(sorted(as_input_file_names(row.path) for row in paths), data_files(listing))


def input_file_names(listed: list[str]) -> tuple[str, ...]:
    """The files of a listing (`data_files`) as their file system names them, in order: Spark lists them
    URL-encoded (`a%20b.csv`), where the report, the errors and a re-read need the names as they are, and a
    stable order makes the report and the first file named in an error the same on every run."""
    return tuple(sorted(unquote(file) for file in listed))


def row_file_name() -> Column:
    """The path of the row's file as its file system names it: Spark gives it URL-encoded (`a b.csv` as
    `a%20b.csv`). Most names have nothing to decode."""
    name = sf.input_file_name()
    return sf.when(name.contains("%"), _url_decoded(name)).otherwise(name)


def _url_decoded(text: Column) -> Column:
    # A `+` in a path is a plus, where url_decode would read a space.
    return sf.url_decode(sf.replace(text, sf.lit("+"), sf.lit("%2B")))


def refuse_local_files_read_wrongly(location: str) -> None:
    """Before Spark lists a local `location`, refuse what would make it read the files wrongly: symbolic
    links (Cloud Storage has none) and names that are not UTF-8 (Cloud Storage's are). Spark follows links:
    a link to a directory that is in the input too, or above it (a loop, listed over and over), reads the
    same files twice or more, and a link that leads nowhere is skipped without a word, as is a name that is
    not UTF-8. Walked as Spark lists it, links followed, from each path a glob location matches (one whose
    braces hold a `/`, which Hadoop expands first, matches nothing here); a file linked under two names is
    left to `refuse_files_read_twice`, once listed."""
    if not is_local(location):
        return
    # Hadoop's Path takes `x/..` out of a location, a glob's parts included.
    directory, parts = split_glob(posixpath.normpath(str(local_path(location))))
    first_name: dict[str, str] = {}
    for matched in _glob_matches(directory, parts) if parts else [directory]:
        _refuse_tree_read_wrongly(matched, first_name)


def _glob_matches(directory: str, parts: tuple[str, ...]) -> Iterator[str]:
    """The paths under `directory` that a glob's `parts` match, as Hadoop's globbing finds them: each part
    but the last names directories, and matches the names the JVM reads, whatever they are (one that is not
    UTF-8 with U+FFFD for its bytes). A match that Spark would skip without a word is refused; a file whose
    name Spark leaves out is not read, nor looked at."""
    for entry in _entries(directory) or []:
        if not matches_glob_part(os.fsencode(entry.name).decode("utf-8", "replace"), parts[0]):
            continue
        if len(parts) > 1:
            if entry.is_dir():
                yield from _glob_matches(entry.path, parts[1:])
        elif entry.is_dir() or not skipped_by_spark(entry.name):
            _refuse_skipped(entry)
            yield entry.path


def _refuse_tree_read_wrongly(root: str, first_name: dict[str, str]) -> None:
    """Walk the directory `root` (nothing for a file), refusing the entries Spark would skip and a directory
    reached twice, whose first name is in `first_name`; Spark leaves out the entries of some names."""
    waiting = deque([root])
    while waiting:
        directory = waiting.popleft()
        entries = _entries(directory)
        if entries is None:
            continue  # not a directory, or one Spark will refuse to read itself
        real = os.path.realpath(directory)
        if real in first_name:
            raise UsageError(
                f"input directories {first_name[real]} and {directory} are one, {real}, through a symbolic "
                "link: their files would load twice or more; remove the link, or read the directory it leads "
                "to on its own"
            )
        first_name[real] = directory
        for entry in entries:
            if skipped_by_spark(entry.name):
                continue
            _refuse_skipped(entry)
            if entry.is_dir():
                waiting.append(entry.path)


def _entries(directory: str) -> list[os.DirEntry[str]] | None:
    """The entries of `directory`, by name; None when it cannot be listed."""
    try:
        return sorted(os.scandir(directory), key=lambda entry: entry.name)
    except OSError:
        return None


def _refuse_skipped(entry: os.DirEntry[str]) -> None:
    """Refuse an input file or folder that Spark's listing would skip without a word: one on a path not named
    in UTF-8 (a folder's name on the way to it included), or a symbolic link that leads nowhere."""
    if not is_utf8(entry.path):
        raise CorruptInputError(
            f"input {quoted(with_bytes_shown(entry.path))} is not named in UTF-8: Spark would skip it "
            "without a word; rename it in UTF-8"
        )
    if entry.is_symlink() and not os.path.exists(entry.path):
        raise CorruptInputError(
            f"input {entry.path} is a symbolic link to {os.readlink(entry.path)}, which does not exist: "
            "Spark would skip it without a word; remove the link, or restore what it leads to"
        )


def refuse_files_read_twice(files: tuple[str, ...]) -> None:
    """Refuse a local input whose listed `files` (named as `input_file_names` names them) hold one file twice,
    through a symbolic link (to a file also in the input, say): its rows would load twice."""
    first_name: dict[str, str] = {}
    for file in files:
        if not is_local(file):
            return
        real = os.path.realpath(local_path(file))
        if real in first_name:
            raise UsageError(
                f"input files {first_name[real]} and {file} are one file, {real}, through a symbolic link: "
                "its rows would load twice; remove the link, or read the directory it leads to on its own"
            )
        first_name[real] = file


def named_by_directories(files: Iterable[str], contract: Contract) -> set[str]:
    """The contract columns that a directory on some file's path names, Hive-style (`order_date=2026-01-05/`,
    as Spark's partitionBy writes them); names ignore case. Spark's own partition discovery would find them,
    but the readers list every file under the location (recursiveFileLookup), which turns it off. The `files`
    are named as the file system names them (`input_file_names`), not URL-encoded as Spark lists them."""
    by_lower_name = {name.lower(): name for name in contract.column_names}
    named = set()
    for file in files:
        for directory in file.split("/")[:-1]:
            key, equals, _ = directory.partition("=")
            if equals and key.lower() in by_lower_name:
                named.add(by_lower_name[key.lower()])
    return named


def directory_value(name: str) -> Column:
    """The text that the deepest directory `<name>=<value>/` on the row's file path gives column `name`,
    unescaped as Spark and Hive escape it (`%3A` for `:`); null without such a directory, for Hive's null,
    `__HIVE_DEFAULT_PARTITION__`, and for an empty value, as Spark's partition discovery reads them."""
    value = sf.regexp_extract(row_file_name(), rf"(?i)^.*/{name}=([^/]*)/", 1)
    # A % that starts no escape stands for itself, as Spark reads it: escaped first, decoding cannot fail.
    unescaped = _url_decoded(sf.regexp_replace(value, _STRAY_PERCENT, "%25"))
    return sf.when((value != "") & (value != _HIVE_NULL), unescaped)


_STRAY_PERCENT = r"%(?![0-9A-Fa-f]{2})"
_HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"


def check_block_compressed(spark: SparkSession, files: tuple[str, ...]) -> None:
    """Refuse a `.snappy` or `.lz4` file that Hadoop's codec cannot read, from its first block's header.

    Hadoop's codecs read their own block format: each block starts with its uncompressed and its compressed
    length. The framed format that python-snappy, snzip or the lz4 tool write is another. The codec would
    take its first bytes for a length and allocate that much, and the JVM would run out of memory.
    """
    for file in files:
        codec = next((name for suffix, name in _BLOCK_CODECS.items() if file.endswith(suffix)), None)
        if codec is None:
            continue
        length, head = file_head_ints(spark, file, 2)
        # Nothing, or an empty block (the 4 bytes Spark writes for no rows), or a block that fits the file.
        empty = not length or head[:1] == [0]
        fits = len(head) == 2 and 0 < head[0] <= _MAX_BLOCK and 0 < head[1] <= min(length - 8, _MAX_BLOCK)
        if not (empty or fits):
            raise CorruptInputError(
                f"input file {file} is not in the block format Hadoop's {codec} codec reads (the framed "
                "format of python-snappy, snzip or the lz4 tool is another): decompress it, or compress it "
                "with gzip"
            )


_BLOCK_CODECS = {".snappy": "Snappy", ".lz4": "LZ4"}
# Far above the blocks Hadoop writes (256 KiB by default), far below what exhausts a JVM: the lz4 tool's frame
# header, read as a block header, claims a chunk of 1 GiB or more.
_MAX_BLOCK = 256 * 1024 * 1024


# The endings by which Hadoop picks a codec (its default codecs), in lower case; other names are read raw.
HADOOP_CODEC_ENDINGS = ("gz", "bz2", "deflate", "lz4", "snappy", "zst")


def text_file_head(spark: SparkSession, file: str) -> bytes | None:
    """A text input file's first bytes, as many as `binary_content` and `holds_only_a_byte_order_mark` look
    at; None for a file that cannot be looked at (its read fails on its own)."""
    try:
        return read_head(spark, file, _HEAD_LENGTH)
    except Py4JJavaError:
        return None


def binary_content(file: str, head: bytes) -> str | None:
    """What a text input `file`, starting with `head` (`text_file_head`), holds, and what to do, when it is
    not text: compressed data under a name that Hadoop reads as it is (`a.json`, `a.csv.GZ`), or a Parquet or
    Avro file given as CSV or JSON. Its records would be rows of binary bytes. None for any other file."""
    if file.rpartition(".")[2] in HADOOP_CODEC_ENDINGS:
        return None
    for signature, name, remedy in _DATA_FILE_SIGNATURES:
        if signature.match(head):
            return f"is {name} file, read as text: {remedy}"
    for signature, name, remedy in _COMPRESSED_SIGNATURES:
        if signature.match(head):
            return f"holds {name}-compressed data, read as it is: {remedy}"
    return None


def holds_only_a_byte_order_mark(head: bytes) -> bool:
    """Whether a file starting with `head` (`text_file_head`) holds UTF-8's byte-order mark and nothing else
    (but perhaps line breaks): an empty text file as some editors save it."""
    return len(head) <= _LONGEST_MARKED_EMPTY_FILE and head.rstrip(b"\r\n") == _UTF8_BYTE_ORDER_MARK


_UTF8_BYTE_ORDER_MARK = b"\xef\xbb\xbf"
# The mark and two `\r\n` line breaks: a longer file holds more than an empty one would.
_LONGEST_MARKED_EMPTY_FILE = len(_UTF8_BYTE_ORDER_MARK) + 4


def refuse_binary_files(spark: SparkSession, files: Iterable[str]) -> None:
    """Fail the run, naming the first of the text input `files` that is not text (see `binary_content`)."""
    for file in files:
        head = text_file_head(spark, file)
        problem = None if head is None else binary_content(file, head)
        if problem is not None:
            raise CorruptInputError(f"input file {file} {problem}")


_BY_NAME = "Hadoop decompresses a file by its name's ending, in lower case"
_UNPACK = "Hadoop cannot decompress it, so unpack it"
# How each compressed format's files start, its name, and what to do with such a file. Bzip2's magic is
# followed by a block size digit and the digits of pi that start its first block. Zstandard needs a native
# library that not every Hadoop has.
_COMPRESSED_SIGNATURES = (
    (re.compile(rb"\x1f\x8b"), "gzip", f"{_BY_NAME}, so rename it to end in .gz"),
    (re.compile(rb"BZh[1-9]1AY&SY"), "bzip2", f"{_BY_NAME}, so rename it to end in .bz2"),
    (re.compile(rb"\x28\xb5\x2f\xfd"), "zstd", "decompress it, or compress it with gzip and name it .gz"),
    (re.compile(rb"PK\x03\x04"), "zip", _UNPACK),
    (re.compile(rb"\xfd7zXZ\x00"), "xz", _UNPACK),
)
# How the files of the typed formats start (Parquet's magic number, Avro's object container header).
_DATA_FILE_SIGNATURES = tuple(
    (
        re.compile(magic),
        name,
        f"give such files with --input-format {input_format} (the pipeline key inputFormat)",
    )
    for magic, name, input_format in ((rb"PAR1", "a Parquet", "parquet"), (rb"Obj\x01", "an Avro", "avro"))
)
_LONGEST_SIGNATURE = 10
_HEAD_LENGTH = max(_LONGEST_SIGNATURE, _LONGEST_MARKED_EMPTY_FILE + 1)
BINARY_RECORD = r"^(?:\x{1f}|BZh[1-9]1AY&SY|\(\x{fffd}/|PK\x{3}\x{4}|\x{fffd}7zXZ|PAR1|Obj\x{1})"
"""A Java regular expression matching the start of a text file's first record when the file is not text
(`_COMPRESSED_SIGNATURES` and `_DATA_FILE_SIGNATURES`, their bytes that are not UTF-8 decoded as U+FFFD), and
of a few others, which the file's first bytes then tell apart."""
