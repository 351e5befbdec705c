"""Read the input files with the contract's schema, never an inferred one: `read_input`, which picks each
format's reader, and Spark's refusals of the input explained. Each format's reader has its own module
(`csv_reader`, `json_reader`, `typed_reader`); `input_files` holds what they share about files and
directories.

CSV and JSON are read as text (every contract column a string) so the validation can cast each value with
BigQuery's rules and report what did not parse. Parquet and Avro carry their own types: their columns are
matched by name, ignoring case, and must convert to the contract's types without rounding, or the run fails
before writing anything; each non-STRING column then also comes as its original text (`<name>:text`).
Every reader also gives `_raw_record` (the record as read, when it could not be split into columns) and
`_source_file`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property, partial

from pyspark.errors import AnalysisException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as sf

from spark_jobs.contract import ROW_ID, SOURCE_FILE, Contract
from spark_jobs.csv_reader import malformed_reason, read_csv
from spark_jobs.errors import JobError, NoInputError, SchemaMismatchError, UsageError
from spark_jobs.hadoop_fs import is_directory
from spark_jobs.hadoop_paths import starting_directory
from spark_jobs.input_files import (
    InputRows,
    check_block_compressed,
    data_files,
    input_file_names,
    named_by_directories,
    refuse_files_read_twice,
    refuse_local_files_read_wrongly,
    row_file_name,
)
from spark_jobs.json_reader import MALFORMED_JSON_LINE, read_json
from spark_jobs.options import AVRO, CSV, CSV_ENCODING, DEFAULT_CSV_DIALECT, JSON, PARQUET, CsvDialect
from spark_jobs.typed_reader import typed_reader

TEXT_FORMATS = (CSV, JSON)


@dataclass(frozen=True)
class Source:
    """The rows as read, the files they came from, and how to describe a record that could not be parsed."""

    frame: DataFrame
    files: tuple[str, ...]
    text_columns: frozenset[str]
    """The contract columns whose values are text for the validation to cast: every column of CSV and JSON;
    of Parquet and Avro, those that directories are named after (the others come in their own types)."""
    malformed_reason: str | None
    """Why a record that could not be split into columns (its `_raw_record` set) is rejected; None for the
    readers of typed files, which fail the run instead of giving such records."""
    encoding: str | None = CSV_ENCODING
    """The character set the text was decoded from (CSV's chosen one, JSON's UTF-8): bytes it does not define
    became U+FFFD, which the validation rejects naming it. None for Parquet and Avro, which store text as
    text (a directory's value included): a U+FFFD there is a character like any other."""
    quotes_may_run_on: bool = False
    """Whether a quote never closed may have run a record on into the records after it (CSV's): the frame
    then says why in `_open_quote`, and the validation rejects the record."""

    @cached_property
    def partitions(self) -> int:
        """How many splits Spark reads the input in; at least one, even when every file is empty.

        Cached: finding out plans the scan, and the duplicate marking asks more than once.
        """
        return max(1, self.frame.rdd.getNumPartitions())


def read_input(
    spark: SparkSession,
    input_format: str,
    location: str,
    contract: Contract,
    *,
    csv: CsvDialect = DEFAULT_CSV_DIALECT,
    in_schema_groups: bool = False,
) -> Source:
    """The input's rows as the contract's columns (CSV files written in the `csv` dialect); `in_schema_groups`
    reads typed files in groups of files sharing a schema without trying to merge their schemas first."""
    reader, malformed = _reader(input_format, csv, in_schema_groups)
    refuse_local_files_read_wrongly(location)
    try:
        frame, listed = reader(spark, location, contract)
    except AnalysisException as error:
        raise _explain(error, input_format, location) from None
    # The rows and the report carry the names the files have (see row_file_name), so that lineage finds them.
    if not listed:
        raise _no_input(location)
    _refuse_delta_table(spark, location, input_format)
    files = input_file_names(listed)
    refuse_files_read_twice(files)
    if input_format in TEXT_FORMATS:
        check_block_compressed(spark, files)
    text_columns = (
        contract.column_names if input_format in TEXT_FORMATS else named_by_directories(files, contract)
    )
    # Decoding costs a little on every row: only when some file's name needs it.
    source_file = row_file_name() if any("%" in file for file in listed) else sf.input_file_name()
    source = Source(
        frame.withColumn(SOURCE_FILE, source_file),
        files,
        frozenset(text_columns),
        malformed,
        encoding={CSV: csv.encoding, JSON: CSV_ENCODING}.get(input_format),
        quotes_may_run_on=input_format == CSV,
    )
    return _spread(source, spark)


def _spread(source: Source, spark: SparkSession) -> Source:
    """`source` with its rows in at least as many partitions as the run has `cores`.

    Spark reads a CSV file (parsed whole, for its quoted line breaks) in one task, and every later step keeps
    the partitions it reads: a few large files would leave the checks, the cache, the de-duplication and the
    writes to as many tasks as files, however many cores the batch has. An input smaller than what Spark
    counts for opening a file (`spark.sql.files.openCostInBytes`, 4 MB), which Spark would not split either,
    is not worth the shuffle. Spread by hash of a row id, which a retried task computes again alike (a
    round-robin spread would sort every row first, for the same reason).
    """
    parallelism = cores(spark)
    if source.partitions >= parallelism or _input_bytes(source.frame) <= _open_cost_bytes(spark):
        return source
    numbered = source.frame.withColumn(ROW_ID, sf.monotonically_increasing_id())
    return replace(source, frame=numbered.repartition(parallelism, ROW_ID).drop(ROW_ID))


def _input_bytes(frame: DataFrame) -> int:
    """The size of the files `frame` reads, as Spark's plan estimates it (from the listing it keeps)."""
    return int(frame._jdf.queryExecution().optimizedPlan().stats().sizeInBytes())


def _open_cost_bytes(spark: SparkSession) -> int:
    return int(spark._jsparkSession.sessionState().conf().filesOpenCostInBytes())


def cores(spark: SparkSession) -> int:
    """The cores the run can count on: those registered, or those its minimum of executors brings when it
    scales dynamically (on Dataproc, executors are still registering as the run starts)."""
    conf = spark.sparkContext.getConf()
    executor_cores = int(conf.get("spark.executor.cores", "1") or "1")
    minimum = int(conf.get("spark.dynamicAllocation.minExecutors", "0") or "0")
    return max(spark.sparkContext.defaultParallelism, executor_cores * minimum)


def _refuse_delta_table(spark: SparkSession, location: str, input_format: str) -> None:
    """A Delta table's directory keeps the files of its earlier versions beside the current ones, and its
    log (`_delta_log`, which Spark's scan skips) says which count: read as plain files, old and removed rows
    would load too."""
    log = f"{starting_directory(location).rstrip('/')}/{_DELTA_LOG}"
    if is_directory(spark, log):
        raise UsageError(
            f"{location} is a Delta table (it has {log}): its files hold the rows of earlier versions too, "
            f"which reading them as {input_format} files would load; export the current version to files "
            "and read those"
        )


_DELTA_LOG = "_delta_log"


def _no_input(location: str) -> NoInputError:
    return NoInputError(
        f"no input file matches {location} (Spark skips files and directories whose names start with '.', "
        "or with '_' unless they hold a '=', and reads * ? [ ] { } as a glob pattern)"
    )


def _explain(error: AnalysisException, input_format: str, location: str) -> JobError:
    message = str(error)
    if "PATH_NOT_FOUND" in message or "Path does not exist" in message:
        return _no_input(location)
    if "UNABLE_TO_INFER_SCHEMA" in message:
        return NoInputError(f"no readable {input_format} file under {location}")
    return SchemaMismatchError(f"cannot read {location} as {input_format}: {message.splitlines()[0]}")


_Reader = Callable[[SparkSession, str, Contract], InputRows]


def _reader(input_format: str, csv: CsvDialect, in_schema_groups: bool) -> tuple[_Reader, str | None]:
    """The format's reader (for CSV, of the `csv` dialect), and why it rejects a record it cannot split into
    columns (None for the readers of typed files, which fail the run instead)."""
    if input_format == CSV:
        return _listing_what_it_reads(partial(read_csv, dialect=csv)), malformed_reason(csv.delimiter)
    if input_format == JSON:
        return _listing_what_it_reads(read_json), MALFORMED_JSON_LINE
    assert input_format in (PARQUET, AVRO), f"the command line allows no format {input_format!r}"
    return typed_reader(input_format, in_schema_groups=in_schema_groups), None


def _listing_what_it_reads(read: Callable[[SparkSession, str, Contract], DataFrame]) -> _Reader:
    """A text reader, whose rows read every file listed for them."""

    def read_and_list(spark: SparkSession, location: str, contract: Contract) -> InputRows:
        frame = read(spark, location, contract)
        return InputRows(frame, data_files(frame))

    return read_and_list
