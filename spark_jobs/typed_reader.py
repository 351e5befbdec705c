"""The Parquet and Avro reader: columns matched to the contract by name, ignoring case, converting exactly to
its types; Parquet files' schemas merged, or the files read in groups when they cannot be, Avro files always
read in groups; a failure named with the file that causes it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import reduce
from typing import NamedTuple

from py4j.protocol import Py4JJavaError
from pyspark.errors import AnalysisException
from pyspark.sql import Column, DataFrame, DataFrameReader, SparkSession
from pyspark.sql import functions as sf
from pyspark.sql.types import (
    DecimalType,
    DoubleType,
    FloatType,
    LongType,
    StringType,
    StructField,
    TimestampType,
)

from spark_jobs.bigquery_types import STRING, TIMESTAMP
from spark_jobs.casts import SPARK_TYPES, loads_exactly, typed_schema
from spark_jobs.contract import RAW_RECORD, TEXT_SUFFIX, Contract
from spark_jobs.contract import Column as ContractColumn
from spark_jobs.errors import CorruptInputError, SchemaMismatchError, UsageError
from spark_jobs.hadoop_fs import avro_schema
from spark_jobs.input_files import (
    InputRows,
    Listing,
    data_files,
    directory_value,
    input_file_names,
    list_files,
    named_by_directories,
)
from spark_jobs.options import AVRO, PARQUET
from spark_jobs.session import has_data_source
from spark_jobs.spark_errors import first_meaningful_line


def typed_reader(
    data_source: str, *, in_schema_groups: bool = False
) -> Callable[[SparkSession, str, Contract], InputRows]:
    """A reader of files that carry their types; their schemas are merged, so a column may be in some only,
    or with `in_schema_groups` the files are read in groups sharing a schema, each matched on its own."""

    def read(spark: SparkSession, location: str, contract: Contract) -> InputRows:
        try:
            if data_source == AVRO:
                return _read_avro(spark, location, contract)
            if in_schema_groups:
                return _read_by_schema(spark, data_source, list_files(spark, location), contract)
            try:
                frame = _typed_files(spark, data_source).option("mergeSchema", "true").load(location)
            except Py4JJavaError as error:
                return _read_after_failed_merge(spark, data_source, location, contract, error)
            return _matched(frame, contract, location, data_source)
        except AnalysisException as error:
            if _TWIN_COLUMNS not in str(error):
                raise
            raise (
                _file_refused(spark, data_source, list_files(spark, location), _twin_columns) or error
            ) from None

    return read


def _read_avro(spark: SparkSession, location: str, contract: Contract) -> InputRows:
    """Avro files, read in groups of files whose contract columns have the same Avro types: spark-avro reads
    all the files of one read with a single file's schema (it merges none), so a column that file lacks
    would be null in every file, and another file's decimals rounded to its scale."""
    if not has_data_source(spark, AVRO):
        # Like a gs:// path without the Cloud Storage connector: the arguments ask for what this Spark lacks.
        raise UsageError(
            "reading Avro needs the spark-avro package, which this Spark installation lacks (Dataproc's "
            "runtime has it)"
        )
    listing = list_files(spark, location)
    if not listing.with_data:  # none, or only zero-byte files (a failed writer leaves them): no row
        empty = spark.createDataFrame([], typed_schema(contract))
        return InputRows(_match_by_name(empty, contract, location), listing.listed)
    return _read_by_schema(spark, AVRO, listing, contract)


def _matched(frame: DataFrame, contract: Contract, location: str, data_source: str) -> InputRows:
    """The files of `frame`, read together, matched to the contract; read as the empty files they are when
    they hold no value (`_holds_no_value`)."""
    listed = data_files(frame)
    if _holds_no_value(frame.schema.fields, data_source):
        frame = frame.sparkSession.createDataFrame([], typed_schema(contract))
    return InputRows(_match_by_name(frame, contract, location, merged_format=data_source), listed)


def _holds_no_value(fields: list[StructField], data_source: str) -> bool:
    """Whether Parquet files of these `fields` (their own, or merged) have no column, so no value: Spark's
    Parquet reader fails on such a file (pyarrow's for a table without columns). Avro is read as it is."""
    return not fields and data_source == PARQUET


def _typed_files(spark: SparkSession, data_source: str) -> DataFrameReader:
    return spark.read.format(data_source).option("recursiveFileLookup", "true")


def _read_after_failed_merge(
    spark: SparkSession, data_source: str, location: str, contract: Contract, error: Py4JJavaError
) -> InputRows:
    """Read `location` when merging its files' schemas failed: because of zero-byte files, which have no
    schema (a failed or interrupted writer leaves them) and hold no rows, or because the files disagree on
    a column's type. Any other failure is the input's problem and is raised as it is.

    Zero-byte files are read as the empty files they are: the schema is merged from the other files (the
    contract's own when there are none) and given to the reader, which then never opens them, so they are
    still among the input files; when the other files must be read in schema groups, they are only listed.
    """
    listing = list_files(spark, location)
    if _unreadable_type(str(error)):
        raise _file_refused(spark, data_source, listing, _column_of_unreadable_type) or error
    if len(listing.with_data) == len(listing.listed):
        if _cannot_merge(error):
            return _read_by_schema(spark, data_source, listing, contract)
        raise error
    if not listing.with_data:
        schema = typed_schema(contract)
    else:
        try:
            schema = _load_files(spark, data_source, listing.with_data, merge_schemas=True).schema
        except Py4JJavaError as merge_error:
            if not _cannot_merge(merge_error):
                raise
            return _read_by_schema(spark, data_source, listing, contract)
    frame = _typed_files(spark, data_source).schema(schema).load(location)
    return _matched(frame, contract, location, data_source)


def _file_refused(
    spark: SparkSession, data_source: str, listing: Listing, problem: Callable[[str], str | None]
) -> SchemaMismatchError | None:
    """The error naming the first file holding data whose own schema Spark refuses to read, for the `problem`
    its failure's text shows (None: another failure), which fails the whole read even when the contract does
    not have the column at fault; found by reading each file's schema in turn. The report lists all the
    input's files."""
    for file in listing.with_data:
        try:
            _load_files(spark, data_source, [file])
        except (Py4JJavaError, AnalysisException) as error:
            found = problem(str(error))
            if found:
                return SchemaMismatchError(f"input file {file} has {found}", listing.names)
    return None


def _twin_columns(message: str) -> str | None:
    """Two columns whose names are one ignoring case, as Spark compares names, if `message` says so."""
    twins = re.search(rf"\[{_TWIN_COLUMNS}\] The column (?P<name>`[^`]*`) already exists", message)
    if twins is None:
        return None
    return (
        f"two columns (or struct fields) named {twins['name']} (names ignore case), which Spark cannot read: "
        "rename one, or leave one out of the file"
    )


_TWIN_COLUMNS = "COLUMN_ALREADY_EXISTS"


def _column_of_unreadable_type(message: str) -> str | None:
    """A column of a type Spark cannot read, if `message` says so (see `_unreadable_type`)."""
    unreadable = _unreadable_type(message)
    return None if unreadable is None else _unreadable_column(unreadable)


def _unreadable_column(unreadable: str) -> str:
    return (
        f"a column Spark cannot read ({unreadable}): write that column as another type, or leave it out of "
        "the file"
    )


def _too_precise(precision: object, most: object) -> str:
    return (
        f"a decimal of precision {precision}, over Spark's {most}, as in an export of BigQuery's BIGNUMERIC"
    )


def _unreadable_type(message: str) -> str | None:
    """The type Spark's failure to read a file's schema in `message` is about, if that is its cause: one
    Spark refuses (Parquet's TIME, written by pyarrow for Python times, and INTERVAL; a Parquet or Avro
    decimal of more than 38 digits), or a logical type newer than the Parquet library of Spark 3.5
    (FLOAT16, written by pandas for float16), on which that library fails."""
    illegal = _ILLEGAL_TYPE.search(message)
    if illegal is not None:
        return illegal[0].rstrip(".")
    too_precise = _DECIMAL_TOO_PRECISE.search(message)
    if too_precise is not None:
        return _too_precise(too_precise["precision"], too_precise["most"])
    if _UNKNOWN_LOGICAL_TYPE.search(message):
        return "a Parquet logical type newer than Spark's Parquet library, such as FLOAT16"
    return None


_ILLEGAL_TYPE = re.compile(r"(Illegal Parquet type|Parquet type not yet supported): [^\n]*")
_DECIMAL_TOO_PRECISE = re.compile(
    r"\[DECIMAL_PRECISION_EXCEEDS_MAX_PRECISION\] Decimal precision (?P<precision>[0-9]+) exceeds max "
    r"precision (?P<most>[0-9]+)"
)
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


def _read_by_schema(spark: SparkSession, data_source: str, listing: Listing, contract: Contract) -> InputRows:
    """Files read per schema: Avro files always (`_read_avro`), Parquet files whose schemas Spark cannot merge
    (a column int in some, bigint in others), or cannot read once merged.

    Each group of files giving the contract's columns the same types is matched to the contract on its own,
    so a column may convert exactly from a different type in each; the groups are then stacked. The files'
    other columns, which the job does not read, do not make groups: files that each add a column of their
    own would otherwise make as many groups as files, and a union Spark takes long to plan. Finding the
    groups reads every file's schema one by one (an Avro file's from its header).

    A Parquet file without any column holds no value, and Spark's Parquet reader fails on it: it is left out
    of the groups, as a zero-byte file is, and only listed.
    """
    try:
        groups, in_files = _schema_groups(spark, data_source, listing, contract)
        # Named by a directory of any file, a column comes as text from every group, so that the groups
        # stack (Spark would stack a group's text with another's number as text, but never with a boolean).
        # All the files, as the reader's caller takes the columns the validation casts from text from them.
        from_directories = named_by_directories(listing.names, contract)
        input_names = in_files | {name.lower() for name in from_directories}
        frames = [
            _match_by_name(
                _load_files(spark, data_source, group),
                contract,
                _describe(group),
                input_names,
                from_directories=from_directories,
            )
            for group in groups
        ]
    except SchemaMismatchError as refused:
        # A group's frame names only its own files: the refused input is all of them.
        raise SchemaMismatchError(str(refused), listing.names) from None
    return InputRows(reduce(DataFrame.union, frames), listing.listed)


def _schema_groups(
    spark: SparkSession, data_source: str, listing: Listing, contract: Contract
) -> tuple[list[list[str]], frozenset[str]]:
    """The `listing`'s files holding values, in groups giving the contract's columns the same types, in the
    order of their first files; and the names of all the files' columns, in lower case."""
    contract_names = frozenset(name.lower() for name in contract.column_names)
    groups: dict[tuple[tuple[str, str], ...], list[str]] = {}
    names: set[str] = set()
    schemas = _file_schemas(spark, data_source, listing.with_data, contract_names)
    for file, schema in zip(listing.with_data, schemas, strict=True):
        if schema is not None:
            names.update(schema.names)
            groups.setdefault(schema.contract_types, []).append(file)
    return list(groups.values()), frozenset(names)


class _FileSchema(NamedTuple):
    names: frozenset[str]
    """All the file's columns, in lower case."""
    contract_types: tuple[tuple[str, str], ...]
    """The contract's columns the file has, in lower case and sorted, each with its type as text."""


def _file_schemas(
    spark: SparkSession, data_source: str, files: list[str], contract_names: frozenset[str]
) -> Iterator[_FileSchema | None]:
    """Each of `files`' schema (None for a Parquet file without columns, which holds no value): a Parquet
    file's as Spark reads it; an Avro file's as written in its header, read a few files at a time (each is
    opened, which on Cloud Storage takes a round trip)."""
    if data_source == AVRO:
        with ThreadPoolExecutor(max_workers=_HEADERS_READ_AT_ONCE) as pool:
            yield from pool.map(lambda file: _avro_file_schema(spark, file, contract_names), files)
        return
    for file in files:
        fields = _load_files(spark, data_source, [file]).schema.fields
        if _holds_no_value(fields, data_source):
            yield None
            continue
        # Spark reads a file source's columns as nullable whatever the file says: types alone make a group.
        yield _FileSchema(
            frozenset(field.name.lower() for field in fields),
            tuple(
                sorted(
                    (field.name.lower(), field.dataType.simpleString())
                    for field in fields
                    if field.name.lower() in contract_names
                )
            ),
        )


_HEADERS_READ_AT_ONCE = 8


def _avro_file_schema(spark: SparkSession, file: str, contract_names: frozenset[str]) -> _FileSchema:
    """An Avro file's schema from its header: the contract's columns with their Avro types in full (a named
    type written out where another column first defined it), as spark-avro would read the file."""
    try:
        schema = avro_schema(spark, file)
    except Py4JJavaError as error:
        raise CorruptInputError(
            f"input file {file} is not an Avro data file that can be read: "
            f"{first_meaningful_line(str(error.java_exception))}"
        ) from None
    kind = str(schema.getType().getName())
    if kind != "record":
        raise SchemaMismatchError(
            f"input file {file} holds Avro values of type {kind}, not records: it has no columns to match to "
            "the contract"
        )
    written = json.loads(str(schema.toString()))
    # spark-avro refuses the file as it reads its schema, whatever column has it: refused here, named.
    precision = _widest_decimal(written)
    if precision > _MOST_DECIMAL_DIGITS:
        raise SchemaMismatchError(
            f"input file {file} has {_unreadable_column(_too_precise(precision, _MOST_DECIMAL_DIGITS))}"
        )
    types = []
    for field in written["fields"]:
        name = field["name"]
        if name.lower() in contract_names:
            # A time of day is no named type: the field's type as written here is its whole type.
            _refuse_time_of_day(file, name, field["type"])
            types.append((name.lower(), str(schema.getField(name).schema().toString())))
    return _FileSchema(frozenset(field["name"].lower() for field in written["fields"]), tuple(sorted(types)))


def _widest_decimal(written: object) -> int:
    """The largest precision of the decimals in an Avro schema, as JSON, that Avro reads as decimals; 0
    without any. Followed as Avro reads a schema: a named type used again is defined where it first is."""
    if isinstance(written, list):  # a union
        return max((_widest_decimal(member) for member in written), default=0)
    if not isinstance(written, dict):  # a primitive type, or a named one used again
        return 0
    kind = written.get("type")
    nested = {
        "record": [field.get("type") for field in written.get("fields", [])],
        "array": [written.get("items")],
        "map": [written.get("values")],
    }.get(str(kind), [])
    return max([_decimal_precision(written), *(_widest_decimal(member) for member in nested)])


def _decimal_precision(written: dict[str, object]) -> int:
    """The precision of an Avro bytes or fixed type that Avro reads as a decimal, else 0: Avro ignores a
    decimal logical type that does not fit its type (its values are then read as bytes)."""
    precision, scale, size = written.get("precision"), written.get("scale", 0), written.get("size")
    if written.get("logicalType") != "decimal" or written.get("type") not in ("bytes", "fixed"):
        return 0
    if type(precision) is not int or type(scale) is not int or not 0 <= scale <= precision:
        return 0
    if written["type"] == "fixed":
        # The most digits a signed number of `size` bytes always holds.
        fits = type(size) is int and size > 0 and precision <= len(str(2 ** (8 * size - 1) - 1)) - 1
        return precision if fits else 0
    return precision


# Spark's decimals hold at most 38 digits.
_MOST_DECIMAL_DIGITS = 38


# Avro's time-of-day logical types, and the type each annotates.
_TIMES_OF_DAY = {"time-millis": "int", "time-micros": "long"}


def _refuse_time_of_day(file: str, column: str, written_type: object) -> None:
    """Refuse a column of Avro's time-millis or time-micros, perhaps in a union with null: spark-avro reads
    it as a number of milliseconds or microseconds since midnight, which an INT64 column would load as a
    count, the time of day lost. (Avro ignores either on another type than its own, as Spark does.)"""
    members = written_type if isinstance(written_type, list) else [written_type]
    for member in members:
        if not isinstance(member, dict):
            continue
        logical = str(member.get("logicalType"))
        if _TIMES_OF_DAY.get(logical) == member.get("type"):
            raise SchemaMismatchError(
                f"input file {file} has column '{column}' of Avro's {logical}, a time of day, which no "
                "contract type holds: write it as a string, or leave it out of the file"
            )


def _describe(files: list[str]) -> str:
    shared = f" (one of {len(files)} files giving the contract's columns these types)"
    return files[0] + (shared if len(files) > 1 else "")


def _match_by_name(
    frame: DataFrame,
    contract: Contract,
    where: str,
    input_names: frozenset[str] | None = None,
    *,
    merged_format: str | None = None,
    from_directories: set[str] | None = None,
) -> DataFrame:
    """The contract's columns taken from a typed input by name, ignoring case as BigQuery does.

    `merged_format` is given when `frame` reads every input file, their schemas merged: the data source
    to read each file's own schema with, so that a column of the wrong type is reported with the first file
    that has it (the merged schema does not say which; `where` does otherwise).

    A REQUIRED column is missing only when no file of the input has it and no directory gives it
    (`input_names`, in lower case, and `from_directories`, the columns the directories of all files name,
    when the files are read in groups; by default the frame's own): the rows
    of the files without it are rejected by the validation, whether Spark could merge the files' schemas or
    they were read in groups. The problems are reported all at once.
    """
    by_name: dict[str, list[StructField]] = {}
    for field in frame.schema.fields:
        by_name.setdefault(field.name.lower(), []).append(field)
    files = input_file_names(data_files(frame))
    directory_columns = (
        named_by_directories(files, contract) if from_directories is None else from_directories
    )
    # A column of the wrong type is worded once the files that have it are known (`_worded`).
    problems: list[str | tuple[ContractColumn, StructField]] = []
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
                problems.append((column, match))
                continue
            match = None  # no value to convert: as if the files lacked the column
        if column.name in directory_columns:
            columns.extend(_from_directories(column, match))
        elif match is None:
            if column.required and column.name.lower() not in (input_names or by_name):
                problems.append(f"required column '{column.name}' is missing")
            columns.extend(_as_typed_and_text(column, None))
        else:
            columns.extend(_as_typed_and_text(column, match))
    if problems:
        worded = _worded(problems, frame, merged_format, files)
        raise SchemaMismatchError(
            f"input {where} does not match contract '{contract.table}': {'; '.join(worded)}",
            # Read in groups (no `merged_format`), `frame` holds only some of the files.
            files if merged_format else (),
        )
    return frame.select(*columns, sf.lit(None).cast(StringType()).alias(RAW_RECORD))


def _worded(
    problems: list[str | tuple[ContractColumn, StructField]],
    frame: DataFrame,
    merged_format: str | None,
    files: tuple[str, ...],
) -> list[str]:
    """The `problems` in words, each column of the wrong type (a column and the field it matched) with the
    first file that has it when `frame` merged every file's schema (`merged_format`)."""
    wrong = [problem[1] for problem in problems if isinstance(problem, tuple)]
    holders = _first_files_holding(frame, merged_format, files, wrong) if wrong and merged_format else {}
    return [
        problem if isinstance(problem, str) else _wrong_type(*problem, holders.get(problem[1].name.lower()))
        for problem in problems
    ]


def _wrong_type(column: ContractColumn, field: StructField, holder: str | None) -> str:
    """The problem of a `field` whose type does not convert to `column`'s, with the file it is in if known."""
    found = field.dataType.simpleString() + (f" in {holder}" if holder else "")
    problem = f"column '{column.name}' is {found}, which does not convert exactly to {column.type}"
    if column.type == TIMESTAMP and isinstance(field.dataType, LongType):
        # Spark reads Parquet's nanosecond timestamps as numbers (see spark_settings): a bigint is often one.
        problem += (
            " (a timestamp stored as a number, such as the nanosecond timestamps pandas writes, arrives as a "
            "bigint: write it as a timestamp of microseconds)"
        )
    return problem


def _first_files_holding(
    frame: DataFrame, data_source: str, files: tuple[str, ...], fields: list[StructField]
) -> dict[str, str]:
    """For each of `fields` (by lower-case name), the first of `frame`'s `files` whose own schema has it with
    its type. Reads the files' schemas one by one, once, until each is found: only an input that fails pays
    for it. A file without a schema (zero bytes) has no column; a field whose merged type no single file has
    (a struct whose fields differ between files) is not found."""
    wanted = {field.name.lower(): field.dataType.simpleString() for field in fields}
    holders: dict[str, str] = {}
    for file in files:
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
    casts it. Shaped as `_as_typed_and_text`'s columns, so that frames of files grouped by schema stack."""
    text = directory_value(column.name)
    if field is not None:
        text = sf.coalesce(_text(field), text)
    if column.type == STRING:
        return [text.alias(column.name)]
    return [text.alias(column.name), text.alias(column.name + TEXT_SUFFIX)]


def _as_typed_and_text(column: ContractColumn, field: StructField | None) -> list[Column]:
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
    shows it (Spark's own text for `decimal(38,9)` would be `1E-9` for 0.000000001); an instant in UTC with
    its `Z`."""
    if isinstance(field.dataType, DecimalType):
        # format_number writes every digit, with Spark's fixed US grouping commas.
        return sf.regexp_replace(sf.format_number(_found(field), field.dataType.scale), ",", "")
    if isinstance(field.dataType, TimestampType):
        # An instant, written in the session's time zone, UTC: said so, as a timestamp without a zone (a
        # file's local date and time, loaded as UTC) is not.
        return sf.concat(_found(field).cast(StringType()), sf.lit("Z"))
    return _found(field).cast(StringType())
