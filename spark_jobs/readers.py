"""Read the input files with the contract's schema, never an inferred one.

CSV and JSON are read as text (every contract column a string) so the validation can cast each value with
BigQuery's rules and report what did not parse. Parquet and Avro carry their own types: their columns are
matched by name, ignoring case, and must convert to the contract's types without rounding, or the run fails
before writing anything; each non-STRING column then also comes as its original text (`<name>:text`).
Every reader also gives `_raw_record` (the record as read, when it could not be split into columns) and
`_source_file`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, reduce
from urllib.parse import unquote
from uuid import uuid4

from py4j.protocol import Py4JJavaError
from pyspark.errors import AnalysisException
from pyspark.sql import Column, DataFrame, DataFrameReader, SparkSession
from pyspark.sql import functions as sf
from pyspark.sql.types import (
    ArrayType,
    DecimalType,
    DoubleType,
    FloatType,
    MapType,
    StringType,
    StructField,
    StructType,
)

from spark_jobs.casts import SPARK_TYPES, loads_exactly, typed_schema
from spark_jobs.contract import RAW_RECORD, SOURCE_FILE, STRING, TEXT_SUFFIX, Contract
from spark_jobs.contract import Column as ContractColumn
from spark_jobs.errors import CorruptInputError, JobError, NoInputError, SchemaMismatchError, UsageError
from spark_jobs.hadoop_fs import file_head_ints
from spark_jobs.hadoop_paths import skipped_by_spark
from spark_jobs.options import AVRO, CSV, JSON, PARQUET

TEXT_FORMATS = (CSV, JSON)
# The most fields a CSV record may have and still be read (and rejected as malformed when they are too many).
CSV_MAX_FIELDS = 100_000


@dataclass(frozen=True)
class Source:
    """The rows as read, the files they came from, and how to describe a record that could not be parsed."""

    frame: DataFrame
    files: tuple[str, ...]
    text_columns: frozenset[str]
    """The contract columns whose values are text for the validation to cast: every column of CSV and JSON;
    of Parquet and Avro, those that directories are named after (the others come in their own types)."""
    malformed_reason: str

    @cached_property
    def partitions(self) -> int:
        """How many splits Spark reads the input in; at least one, even when every file is empty.

        Cached: finding out plans the scan, and the duplicate marking asks more than once.
        """
        return max(1, self.frame.rdd.getNumPartitions())


def read_input(spark: SparkSession, input_format: str, location: str, contract: Contract) -> Source:
    reader, malformed_reason = _READERS[input_format]
    try:
        frame = reader(spark, location, contract)
    except AnalysisException as error:
        raise _explain(error, input_format, location) from None
    # The rows and the report carry the names the files have (see _file_name), so that lineage finds them.
    listed = _data_files(frame)
    if not listed:
        raise _no_input(location)
    files = _input_file_names(listed)
    if input_format in TEXT_FORMATS:
        _check_block_compressed(spark, files)
    text_columns = (
        contract.column_names if input_format in TEXT_FORMATS else _named_by_directories(listed, contract)
    )
    # Decoding costs a little on every row: only when some file's name needs it.
    file_name = _file_name() if any("%" in file for file in listed) else sf.input_file_name()
    return Source(
        frame.withColumn(SOURCE_FILE, file_name),
        files,
        frozenset(text_columns),
        malformed_reason,
    )


def _check_block_compressed(spark: SparkSession, files: tuple[str, ...]) -> None:
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


def _no_input(location: str) -> NoInputError:
    return NoInputError(
        f"no input file matches {location} (Spark skips files and directories whose names start with '.', "
        "or with '_' unless they hold a '=', and reads * ? [ ] { } as a glob pattern)"
    )


def _data_files(frame: DataFrame) -> list[str]:
    """The files whose rows `frame` reads. Spark's listing keeps Parquet's summary files (`_metadata`,
    `_common_metadata`) among its files, which the scan then skips, as it skips every file whose name
    starts with `.`, or with `_` and holds no `=`."""
    return [file for file in frame.inputFiles() if not skipped_by_spark(file.rsplit("/", 1)[-1])]


def _input_file_names(listed: list[str]) -> tuple[str, ...]:
    """The files of a listing (`_data_files`) as their file system names them, in order: Spark lists them
    URL-encoded (`a%20b.csv`), where the report, the errors and a re-read need the names as they are, and a
    stable order makes the report and the first file named in an error the same on every run."""
    return tuple(sorted(unquote(file) for file in listed))


def _file_name() -> Column:
    """The path of the row's file as its file system names it: Spark gives it URL-encoded (`a b.csv` as
    `a%20b.csv`). Most names have nothing to decode."""
    name = sf.input_file_name()
    return sf.when(name.contains("%"), _url_decoded(name)).otherwise(name)


def _url_decoded(text: Column) -> Column:
    # A `+` in a path is a plus, where url_decode would read a space.
    return sf.url_decode(sf.replace(text, sf.lit("+"), sf.lit("%2B")))


def _named_by_directories(files: list[str], contract: Contract) -> set[str]:
    """The contract columns that a directory on some file's path names, Hive-style (`order_date=2026-01-05/`,
    as Spark's partitionBy writes them); names ignore case. Spark's own partition discovery would find them,
    but the readers list every file under the location (recursiveFileLookup), which turns it off."""
    by_lower_name = {name.lower(): name for name in contract.column_names}
    named = set()
    for file in files:
        for directory in unquote(file).split("/")[:-1]:
            key, equals, _ = directory.partition("=")
            if equals and key.lower() in by_lower_name:
                named.add(by_lower_name[key.lower()])
    return named


def _directory_value(name: str) -> Column:
    """The text that the deepest directory `<name>=<value>/` on the row's file path gives column `name`,
    unescaped as Spark and Hive escape it (`%3A` for `:`); null without such a directory or for Hive's
    null, `__HIVE_DEFAULT_PARTITION__`."""
    value = sf.regexp_extract(_file_name(), rf"(?i)^.*/{name}=([^/]*)/", 1)
    # A % that starts no escape stands for itself, as Spark reads it: escaped first, decoding cannot fail.
    unescaped = _url_decoded(sf.regexp_replace(value, _STRAY_PERCENT, "%25"))
    return sf.when((value != "") & (value != _HIVE_NULL), unescaped)


_STRAY_PERCENT = r"%(?![0-9A-Fa-f]{2})"
_HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"


def _text_schema(contract: Contract) -> StructType:
    columns = [StructField(name, StringType()) for name in contract.column_names]
    return StructType([*columns, StructField(RAW_RECORD, StringType())])


def _read_csv(spark: SparkSession, location: str, contract: Contract) -> DataFrame:
    rows = (
        spark.read.schema(_text_schema(contract))
        .option("recursiveFileLookup", "true")
        .option("header", "true")
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
    return _line_break_remains_removed(rows, contract.column_names[-1])


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


def _read_json(spark: SparkSession, location: str, contract: Contract) -> DataFrame:
    """JSON lines, each line parsed as a whole from its text, field names compared ignoring case.

    Spark's JSON parsing takes the first value on a line and ignores whatever follows it, and matches field
    names exactly. So a line is parsed as the first element of an array whose second element is an end
    marker, each element an object read as a map of field name to text: the array has exactly the line's
    object and the marker only when the line is one object and nothing follows it. Names are then compared
    in lower case (lowering them only when one is not), and two fields for the same contract column make the
    line malformed; fields not in the contract are ignored, even repeated. Numbers that are field values are
    quoted first, so that their text arrives exactly. Each step is its own projection: Spark computes a
    projected value once, instead of once for each later expression using it.
    """
    lines = spark.read.option("recursiveFileLookup", "true").text(location)
    text = sf.col("value")
    exact_numbers = sf.regexp_replace(text, _FIELD_NUMBER, _FIELD_NUMBER_QUOTED)
    # The end marker: an object whose one field's name is new to this run, so no line can contain it.
    end_name = f"end of line {uuid4().hex}"
    with_marker = sf.concat(sf.lit("["), exact_numbers, sf.lit(f',{{"{end_name}":""}}]'))
    elements = sf.from_json(with_marker, _OBJECTS, _STRICT_JSON)
    parsed = lines.where(text.rlike(_NOT_BLANK)).select(text.alias(RAW_RECORD), elements.alias(_PARSED))

    whole_line = (sf.size(_PARSED) == 2) & (sf.col(_PARSED)[1][end_name] == "")
    objects = parsed.select(RAW_RECORD, sf.when(whole_line, sf.col(_PARSED)[0]).alias(_OBJECT_FIELDS))

    names = sf.map_keys(_OBJECT_FIELDS)
    all_names = sf.array_join(names, "")
    lowered = sf.when(sf.lower(all_names) == all_names, names).otherwise(sf.transform(names, sf.lower))
    named = objects.select(RAW_RECORD, lowered.alias(_NAMES), sf.map_values(_OBJECT_FIELDS).alias(_VALUES))
    by_name = named.select(RAW_RECORD, _fields_by_name(contract).alias(_FIELDS))

    # A field a line leaves out (or null) takes the value of a directory named after it.
    from_directories = _named_by_directories(_data_files(lines), contract)
    values = {name: sf.col(_FIELDS)[name.lower()] for name in contract.column_names}
    for name in from_directories:  # not for a line that could not be split into fields
        filled = sf.coalesce(values[name], _directory_value(name))
        values[name] = sf.when(sf.col(_FIELDS).isNotNull(), filled)
    return by_name.select(
        *[value.alias(name) for name, value in values.items()],
        sf.when(sf.col(_FIELDS).isNull(), sf.col(RAW_RECORD)).alias(RAW_RECORD),
    )


def _fields_by_name(contract: Contract) -> Column:
    """A line's fields as a map of lower-case name to text; null when two are for the same contract column.

    Names nearly always differ: only a line where some repeat has the contract's fields picked out first.
    """
    names, values = sf.col(_NAMES), sf.col(_VALUES)
    contract_names_lowered = [column.lower() for column in contract.column_names]

    def in_contract(name: Column) -> Column:
        return name.isin(contract_names_lowered)

    contract_names = sf.filter(names, in_contract)
    contract_values = sf.filter(values, lambda _, index: in_contract(names[index]))
    return sf.when(
        sf.size(names) == sf.size(sf.array_distinct(names)), sf.map_from_arrays(names, values)
    ).when(
        sf.size(contract_names) == sf.size(sf.array_distinct(contract_names)),
        sf.map_from_arrays(contract_names, contract_values),
    )


# Strict JSON, as BigQuery reads it: Spark would otherwise accept single quotes and NaN.
_STRICT_JSON = {"allowSingleQuotes": "false", "allowNonNumericNumbers": "false"}
# Spark 3.5 reads a JSON number with a fraction or an exponent through a double: its text would come back
# rounded to about 16 digits (`12345678.5` as `1.23456785E7`, `1e-400` as `0.0`). So a valid JSON number
# that is a field's value (it follows a field name's colon) is quoted first; numbers in arrays are left as
# they are. The pattern matches every string whole, so a number inside one is never touched, and a quoted
# line is valid JSON exactly when the line was, with the same values, now as text. The replacement is the
# same for every match and the number is optional, so the quotes it adds must be captured text: the field
# name's closing quote, captured only once the lookahead has made sure a number follows. A string left
# open runs to the end of the line and a backslash may precede any character, so that a malformed line is
# still scanned once (rescanning it from each escaped quote took minutes on a 300,000-character line).
_JSON_STRING = r'"[^"\\]*+(?:\\[\s\S]?[^"\\]*+)*+"?'
_JSON_NUMBER = r"-?(?:0|[1-9][0-9]*+)(?:\.[0-9]++)?+(?:[eE][+-]?[0-9]++)?+(?![0-9.eE+-])"
_COLON = r"[ \t]*+:[ \t]*+"
_FIELD_NUMBER = rf'({_JSON_STRING})(?:(?={_COLON}{_JSON_NUMBER})(?<=("))({_COLON})({_JSON_NUMBER}))?'
_FIELD_NUMBER_QUOTED = "$1$3$2$4$2"
# Each element an object, as field name -> value as text (an object's or array's as its JSON text).
_OBJECTS = ArrayType(MapType(StringType(), StringType()))
# A line of only JSON whitespace is skipped (Spark splits lines at \n and \r).
_NOT_BLANK = r"[^ \t]"
# The JSON reader's intermediate columns; the contract's columns appear only in its last step.
_PARSED = "_parsed"
_OBJECT_FIELDS = "_object"
_FIELDS = "_fields"
_NAMES = "_names"
_VALUES = "_values"


def _typed_reader(data_source: str) -> Callable[[SparkSession, str, Contract], DataFrame]:
    """A reader of files that carry their types; their schemas are merged, so a column may be in some only."""

    def read(spark: SparkSession, location: str, contract: Contract) -> DataFrame:
        try:
            frame = _typed_files(spark, data_source).option("mergeSchema", "true").load(location)
        except Py4JJavaError as error:
            return _read_after_failed_merge(spark, data_source, location, contract, error)
        return _match_by_name(frame, contract, location, data_source=data_source)

    return read


def _typed_files(spark: SparkSession, data_source: str) -> DataFrameReader:
    return spark.read.format(data_source).option("recursiveFileLookup", "true")


def _read_after_failed_merge(
    spark: SparkSession, data_source: str, location: str, contract: Contract, error: Py4JJavaError
) -> DataFrame:
    """Read `location` when merging its files' schemas failed: because of zero-byte files, which have no
    schema (a failed or interrupted writer leaves them) and hold no rows, or because the files disagree on
    a column's type. Any other failure is the input's problem and is raised as it is.

    Zero-byte files are read as the empty files they are: the schema is merged from the other files (the
    contract's own when there are none) and given to the reader, which then never opens them, so they are
    still among the input files; when the other files must be read in schema groups, they are left out.
    """
    listing = spark.read.format("binaryFile").option("recursiveFileLookup", "true").load(location)
    # The listing's paths, unlike the names Spark gives input files, are not URL-encoded: they can be loaded.
    with_data = sorted(row.path for row in listing.where(sf.col("length") > 0).select("path").collect())
    if _unreadable_type(str(error)):
        raise _file_with_unreadable_type(spark, data_source, with_data) or error
    if len(with_data) == len(_data_files(listing)):
        if _cannot_merge(error):
            return _read_by_schema(spark, data_source, with_data, contract)
        raise error
    if not with_data:
        schema = typed_schema(contract)
    else:
        try:
            schema = _load_files(spark, data_source, with_data, merge_schemas=True).schema
        except Py4JJavaError as merge_error:
            if not _cannot_merge(merge_error):
                raise
            return _read_by_schema(spark, data_source, with_data, contract)
    frame = _typed_files(spark, data_source).schema(schema).load(location)
    return _match_by_name(frame, contract, location, data_source=data_source)


def _file_with_unreadable_type(
    spark: SparkSession, data_source: str, files: list[str]
) -> SchemaMismatchError | None:
    """The error naming the first of `files` with a column whose type Spark cannot read, which fails the
    whole read even when the contract has no such column; found by reading each file's schema in turn."""
    for file in files:
        try:
            _load_files(spark, data_source, [file])
        except (Py4JJavaError, AnalysisException) as error:
            unreadable = _unreadable_type(str(error))
            if unreadable:
                return SchemaMismatchError(
                    f"input file {file} has a column Spark cannot read ({unreadable}): "
                    "write that column as another type, or leave it out of the file"
                )
    return None


def _unreadable_type(message: str) -> str | None:
    """The type Spark's failure to read a Parquet schema in `message` is about, if that is its cause: one
    Spark refuses (Parquet's TIME, written by pyarrow for Python times), or a logical type newer than the
    Parquet library of Spark 3.5 (FLOAT16, written by pandas for float16), on which that library fails."""
    illegal = _ILLEGAL_TYPE.search(message)
    if illegal is not None:
        return illegal[0].rstrip(".")
    if _UNKNOWN_LOGICAL_TYPE.search(message):
        return "a Parquet logical type newer than Spark's Parquet library, such as FLOAT16"
    return None


_ILLEGAL_TYPE = re.compile(r"Illegal Parquet type: [^\n]*")
_UNKNOWN_LOGICAL_TYPE = re.compile(
    r"NullPointerException(?::[^\n]*)?\s+at "
    r"org\.apache\.parquet\.format\.converter\.ParquetMetadataConverter\.getLogicalTypeAnnotation"
)


def _load_files(
    spark: SparkSession, data_source: str, files: list[str], merge_schemas: bool = False
) -> DataFrame:
    """Exactly `files`: the reader takes any path as a Hadoop glob pattern, where a file named
    `data[1].parquet` would match `data1.parquet` instead, so their glob characters are escaped."""
    patterns = [_GLOB_CHARACTER.sub(r"\\\g<0>", file) for file in files]
    return _typed_files(spark, data_source).option("mergeSchema", str(merge_schemas).lower()).load(patterns)


_GLOB_CHARACTER = re.compile(r"[\\\[\]{}*?]")


def _cannot_merge(error: Py4JJavaError) -> bool:
    return "[CANNOT_MERGE_SCHEMAS]" in str(error.java_exception.getMessage())


def _read_by_schema(spark: SparkSession, data_source: str, files: list[str], contract: Contract) -> DataFrame:
    """`files` whose schemas Spark cannot merge (a column int in some, bigint in others), read per schema.

    Each group of files sharing a schema is matched to the contract on its own, so a column may convert
    exactly from a different type in each; the groups are then stacked. Finding the groups reads every
    file's schema one by one, which only files that disagree pay for.
    """
    groups: dict[StructType, list[str]] = {}
    for file in files:
        groups.setdefault(_load_files(spark, data_source, [file]).schema, []).append(file)
    in_files = {field.name.lower() for schema in groups for field in schema.fields}
    input_names = frozenset(in_files | {name.lower() for name in _named_by_directories(files, contract)})
    frames = [
        _match_by_name(_load_files(spark, data_source, files), contract, _describe(files), input_names)
        for files in groups.values()
    ]
    return reduce(DataFrame.union, frames)


def _describe(files: list[str]) -> str:
    return files[0] + (f" (one of {len(files)} files with this schema)" if len(files) > 1 else "")


def _match_by_name(
    frame: DataFrame,
    contract: Contract,
    where: str,
    input_names: frozenset[str] | None = None,
    *,
    data_source: str | None = None,
) -> DataFrame:
    """The contract's columns taken from a typed input by name, ignoring case as BigQuery does.

    With the `data_source` of an input whose files' schemas were merged, a column of the wrong type is
    reported with the first file that has it (the merged schema does not say which; `where` does otherwise).

    A REQUIRED column is missing only when no file of the input has it and no directory gives it
    (`input_names`, in lower case, when the files are read in groups; by default the frame's own): the rows
    of the files without it are rejected by the validation, whether Spark could merge the files' schemas or
    they were read in groups. The problems are reported all at once.
    """
    by_name: dict[str, list[StructField]] = {}
    for field in frame.schema.fields:
        by_name.setdefault(field.name.lower(), []).append(field)
    from_directories = _named_by_directories(_data_files(frame), contract)
    problems: list[str] = []
    # The problems that are a column of the wrong type, by their place among `problems`: worded once the
    # files that have them are known.
    wrong_types: dict[int, tuple[ContractColumn, StructField]] = {}
    columns = []
    for column in contract.columns:
        fields = by_name.get(column.name.lower(), [])
        if len(fields) > 1:
            names = " and ".join(f"'{field.name}'" for field in fields)
            problems.append(f"columns {names} both match '{column.name}' (names ignore case)")
            continue
        match = fields[0] if fields else None
        if match is not None and not loads_exactly(match.dataType, column.type):
            if not _only_nulls(frame, match):
                wrong_types[len(problems)] = (column, match)
                problems.append("")
                continue
            match = None  # no value to convert: as if the files lacked the column
        if column.name in from_directories:
            columns.extend(_from_directories(column, match))
        elif match is None:
            if column.required and column.name.lower() not in (input_names or by_name):
                problems.append(f"required column '{column.name}' is missing")
            columns.extend(_typed_and_text(column, None))
        else:
            columns.extend(_typed_and_text(column, match))
    if wrong_types:
        fields = [field for _, field in wrong_types.values()]
        holders = _first_files_holding(frame, data_source, fields) if data_source else {}
        for place, (column, field) in wrong_types.items():
            holder = holders.get(field.name.lower())
            found = field.dataType.simpleString() + (f" in {holder}" if holder else "")
            problems[place] = (
                f"column '{column.name}' is {found}, which does not convert exactly to {column.type}"
            )
    if problems:
        raise SchemaMismatchError(
            f"input {where} does not match contract '{contract.table}': {'; '.join(problems)}",
            # Read in groups (no `data_source`), `frame` holds only some of the files.
            _input_file_names(_data_files(frame)) if data_source else (),
        )
    return frame.select(*columns, sf.lit(None).cast(StringType()).alias(RAW_RECORD))


def _first_files_holding(frame: DataFrame, data_source: str, fields: list[StructField]) -> dict[str, str]:
    """For each of `fields` (by lower-case name), the first of `frame`'s files whose own schema has it with
    its type. Reads the files' schemas one by one, once, until each is found: only an input that fails pays
    for it. A file without a schema (zero bytes) has no column; a field whose merged type no single file has
    (a struct whose fields differ between files) is not found."""
    wanted = {field.name.lower(): field.dataType.simpleString() for field in fields}
    holders: dict[str, str] = {}
    for file in _input_file_names(_data_files(frame)):
        try:
            schema = _load_files(frame.sparkSession, data_source, [file]).schema
        except (Py4JJavaError, AnalysisException):
            continue
        for own in schema.fields:
            name = own.name.lower()
            if name not in holders and wanted.get(name) == own.dataType.simpleString():
                holders[name] = file
        if len(holders) == len(wanted):
            break
    return holders


def _only_nulls(frame: DataFrame, field: StructField) -> bool:
    """Whether a column holds no value, so that it loads as nulls whatever its type: pandas writes a column of
    only None with Parquet's null type, which Spark reads as an int column.

    Asked only of a column whose type does not convert; Parquet's statistics spare reading most of it.
    """
    return frame.where(_found(field).isNotNull()).isEmpty()


def _from_directories(column: ContractColumn, field: StructField | None) -> list[Column]:
    """A column that directories are named after, as text: the file's value where the file holds one (its
    type converts exactly, so its text casts back to the same value), else the directory's. The validation
    casts it. Shaped as `_typed_and_text`'s columns, so that frames of files grouped by schema stack."""
    text = _directory_value(column.name)
    if field is not None:
        text = sf.coalesce(_text(field), text)
    if column.type == STRING:
        return [text.alias(column.name)]
    return [text.alias(column.name), text.alias(column.name + TEXT_SUFFIX)]


def _typed_and_text(column: ContractColumn, field: StructField | None) -> list[Column]:
    """A typed input's column as the contract's type and, unless it is a STRING, as its original text; null
    when the input has no such `field`.

    The conversion is exact (`loads_exactly`). A float's text is its value as a double, the value compared
    and loaded (`0.10000000149011612` for the float nearest 0.1), so that a reason never contradicts itself.
    """
    target = SPARK_TYPES[column.type]
    if field is None:
        typed, text = sf.lit(None).cast(target), sf.lit(None).cast(StringType())
    else:
        typed, text = _found(field).cast(target), _text(field)
    if column.type == STRING:
        return [typed.alias(column.name)]
    return [typed.alias(column.name), text.alias(column.name + TEXT_SUFFIX)]


def _found(field: StructField) -> Column:
    """A typed input's column; a float as the double it is compared and loaded as."""
    found = sf.col(f"`{field.name.replace('`', '``')}`")
    return found.cast(DoubleType()) if isinstance(field.dataType, FloatType) else found


def _text(field: StructField) -> Column:
    """A typed input's value as text; a decimal written out with its scale's decimals, as a file's reader
    shows it (Spark's own text for `decimal(38,9)` would be `1E-9` for 0.000000001)."""
    if isinstance(field.dataType, DecimalType):
        # format_number writes every digit, with Spark's fixed US grouping commas.
        return sf.regexp_replace(sf.format_number(_found(field), field.dataType.scale), ",", "")
    return _found(field).cast(StringType())


def _explain(error: AnalysisException, input_format: str, location: str) -> JobError:
    message = str(error)
    if "PATH_NOT_FOUND" in message or "Path does not exist" in message:
        return _no_input(location)
    if input_format == AVRO and "avro" in message.lower() and "data source" in message.lower():
        # Like a gs:// path without the Cloud Storage connector: the arguments ask for what this Spark lacks.
        return UsageError(
            "reading Avro needs the spark-avro package, which this Spark installation lacks (Dataproc's "
            "runtime has it)"
        )
    if "COLUMN_ALREADY_EXISTS" in message:
        name = (error.getMessageParameters() or {}).get("columnName", "")
        return SchemaMismatchError(f"input {location} has two columns named {name} (names ignore case)")
    if "UNABLE_TO_INFER_SCHEMA" in message:
        return NoInputError(f"no readable {input_format} file under {location}")
    return SchemaMismatchError(f"cannot read {location} as {input_format}: {message.splitlines()[0]}")


_READERS: dict[str, tuple[Callable[[SparkSession, str, Contract], DataFrame], str]] = {
    CSV: (_read_csv, "the record does not have exactly the header's fields (RFC 4180)"),
    JSON: (_read_json, "the line is not one JSON object with distinct field names (ignoring case)"),
    PARQUET: (_typed_reader("parquet"), "the record could not be read"),
    AVRO: (_typed_reader("avro"), "the record could not be read"),
}
