"""A file that cannot be read fails the run with status 6 and a line naming the file, when Spark names it or
there is only one."""

from __future__ import annotations

import datetime as dt
import gzip
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pyspark.errors import PySparkException
from pyspark.sql import SparkSession
from pyspark.sql import functions as sf

from spark_jobs.contract import Contract, parse_contract
from spark_jobs.csv_reader import CSV_MAX_FIELDS
from spark_jobs.errors import CorruptInputError, OutOfMemoryError, UsageError
from spark_jobs.readers import read_input
from spark_jobs.spark_errors import _naming_the_file, input_errors_explained, raise_if_out_of_memory
from spark_jobs.typed_reader import _unreadable_type

from .conftest import ITEMS_HEADER


def test_a_truncated_parquet_file_is_named(spark: SparkSession, items: Contract, tmp_path: Path) -> None:
    location = tmp_path / "in"
    spark.createDataFrame([("AB1", 1, dt.date(2026, 1, 5))], "id string, qty bigint, day date").coalesce(
        1
    ).write.parquet(str(location))
    part = next(location.glob("*.parquet"))
    part.write_bytes(part.read_bytes()[:40])
    for checksum in location.glob(".*.crc"):  # as on Cloud Storage, no checksum file tells first
        checksum.unlink()
    with pytest.raises(CorruptInputError) as caught, input_errors_explained(files=()):
        read_input(spark, "parquet", str(location), items)
    assert caught.value.exit_code == 6
    assert str(caught.value).startswith(
        f"an input file could not be read: file://{part} is not a Parquet file. Expected magic number at tail"
    )


def test_a_parquet_page_whose_bytes_fail_its_checksum_is_a_corrupt_file(
    spark: SparkSession, tmp_path: Path
) -> None:
    """Unchecked, the damaged page's values would load as data (Spark's writer stores page checksums)."""
    location = tmp_path / "in"
    with _plain_parquet_pages(spark):
        spark.range(1000).selectExpr("id AS q").coalesce(1).write.parquet(str(location))
    part = next(location.glob("*.parquet"))
    damaged = bytearray(part.read_bytes())
    damaged[200:240] = b"\x7f" * 40  # inside the first data page, uncompressed: still decodable
    part.write_bytes(bytes(damaged))
    for checksum in location.glob(".*.crc"):  # as on Cloud Storage, no checksum file tells first
        checksum.unlink()
    numbers = parse_contract({"table": "n", "columns": [{"name": "q", "type": "INT64"}]}, "n.yaml")
    with pytest.raises(CorruptInputError) as caught, input_errors_explained(files=()):
        read_input(spark, "parquet", str(location), numbers).frame.collect()
    assert str(caught.value).startswith(f"an input file could not be read: file://{part}: ")
    assert "CRC checksum verification failed" in str(caught.value)


@contextmanager
def _plain_parquet_pages(spark: SparkSession) -> Iterator[None]:
    """Parquet written with its values as they are: no compression, no dictionary."""
    settings = {"spark.sql.parquet.compression.codec": "uncompressed", "parquet.enable.dictionary": "false"}
    before = {key: spark.conf.get(key, None) for key in settings}
    for key, value in settings.items():
        spark.conf.set(key, value)
    try:
        yield
    finally:
        for key, earlier in before.items():
            if earlier is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, earlier)


def test_a_parquet_file_compressed_with_a_codec_this_spark_lacks_says_which(
    spark: SparkSession, tmp_path: Path
) -> None:
    """pyarrow writes Brotli on request; Spark's Parquet reader then looks for a Hadoop class it lacks."""
    brotli = tmp_path / "in" / "a.parquet"
    brotli.parent.mkdir()
    brotli.write_bytes((Path(__file__).parent / "data" / "brotli_compressed.parquet").read_bytes())
    with pytest.raises(CorruptInputError) as caught, input_errors_explained(files=()):
        ids = parse_contract({"table": "ids", "columns": [{"name": "id", "type": "STRING"}]}, "ids.yaml")
        read_input(spark, "parquet", str(brotli.parent), ids).frame.collect()
    assert str(caught.value) == (
        f"an input file could not be read: file://{brotli}: it is compressed with Brotli, which this Spark "
        "cannot decompress (Hadoop's org.apache.hadoop.io.compress.BrotliCodec is not installed): write it "
        "with snappy, gzip or zstd"
    )


@pytest.mark.parametrize("location", ["in{", "in[", "in{a,b", "in\\"])
def test_a_location_that_is_not_a_valid_glob_pattern_is_a_usage_error(
    spark: SparkSession, items: Contract, tmp_path: Path, location: str
) -> None:
    """Not status 6 ("an input file could not be read"): no file was read, the argument is wrong."""
    (tmp_path / location).mkdir()
    (tmp_path / location / "a.csv").write_text(ITEMS_HEADER + "\n")
    with pytest.raises(UsageError) as caught, input_errors_explained(files=()):
        read_input(spark, "csv", str(tmp_path / location), items)
    assert caught.value.exit_code == 2
    message = str(caught.value)
    assert message.startswith("--input-location is not a valid glob pattern: ")
    assert message.endswith("put a backslash before each one that a name holds as itself)")


@pytest.mark.parametrize("others", [0, 1])
def test_a_truncated_gzip_file_spark_does_not_name_is_named_when_it_is_the_only_file(
    spark: SparkSession, items: Contract, tmp_path: Path, others: int
) -> None:
    (tmp_path / "in").mkdir()
    rows = "".join(f"AB{index % 10},{index},,,,2026-01-05,,\n" for index in range(5000))
    compressed = gzip.compress((ITEMS_HEADER + "\n" + rows).encode())
    (tmp_path / "in" / "a.csv.gz").write_bytes(compressed[: len(compressed) // 2])
    for other in range(others):
        (tmp_path / "in" / f"good-{other}.csv").write_text(ITEMS_HEADER + "\n")
    source = read_input(spark, "csv", str(tmp_path / "in"), items)
    with pytest.raises(CorruptInputError) as caught, input_errors_explained(source.files):
        source.frame.collect()
    failure = "Unexpected end of input stream"
    named = (
        f"{source.files[0]}: {failure}"
        if others == 0
        else f"{failure} (Spark does not say which of the 2 files)"
    )
    assert str(caught.value) == f"an input file could not be read: {named}"
    assert others > 0 or source.files[0].endswith("/in/a.csv.gz")


def test_a_csv_record_wider_than_the_field_limit_fails_the_run_saying_so(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.csv").write_text(f"{ITEMS_HEADER}\n" + "x," * CSV_MAX_FIELDS + "x\n")
    source = read_input(spark, "csv", str(tmp_path / "in"), items)
    with pytest.raises(CorruptInputError) as caught, input_errors_explained(source.files):
        source.frame.collect()
    assert str(caught.value) == (
        f"an input file could not be read: {source.files[0]}: "
        f"a CSV record has more than {CSV_MAX_FIELDS} fields"
    )


def test_a_file_named_only_in_an_outer_error_leads_the_detail() -> None:
    message = (
        "org.apache.spark.SparkException: Encountered error while reading file gs://raw/in/a.csv. Details:\n"
        "\tat org.apache.spark.sql.errors.QueryExecutionErrors$.cannotReadFilesError\n"
        "Caused by: java.io.IOException: Stream is closed\n"
        "\tat com.google.cloud.hadoop.fs.gcs.GoogleHadoopFSInputStream.read(GoogleHadoopFSInputStream.java)\n"
    )
    assert _naming_the_file("java.io.IOException: Stream is closed", "no file", ()) == (
        "java.io.IOException: Stream is closed (Spark does not say which of the input files)"
    )
    assert _naming_the_file("java.io.IOException: Stream is closed", message, ("gs://raw/in/b.csv",)) == (
        "gs://raw/in/a.csv: java.io.IOException: Stream is closed"
    )


@pytest.mark.parametrize(
    ("spark_error", "named"),
    [
        (  # a file (as Spark 3.5 reports it, running without the right to read it)
            "org.apache.spark.SparkFileNotFoundException: /data/in/b.csv (Permission denied) It is "
            "possible the underlying files have been updated. You can explicitly invalidate the cache in "
            "Spark by running 'REFRESH TABLE tableName' command in SQL or by recreating the "
            "Dataset/DataFrame involved.",
            "/data/in/b.csv",
        ),
        ("java.nio.file.AccessDeniedException: /data/in/sub: Permission denied", "/data/in/sub"),  # a folder
    ],
)
def test_an_input_the_job_may_not_read_is_named_as_such(spark_error: str, named: str) -> None:
    with pytest.raises(CorruptInputError) as caught, input_errors_explained(files=()):
        raise PySparkException(message=spark_error)
    assert str(caught.value) == f"an input file could not be read: {named}: permission denied"


def test_a_parquet_file_compressed_with_lzo_names_the_codec_from_its_own_package() -> None:
    """Parquet's LZO codec class lives outside Hadoop's compress package (no pyarrow writes LZO to try)."""
    spark_error = (
        "org.apache.spark.SparkException: Job aborted. Caused by: java.lang.RuntimeException: "
        "java.lang.ClassNotFoundException: com.hadoop.compression.lzo.LzoCodec"
    )
    with pytest.raises(CorruptInputError) as caught, input_errors_explained(files=("gs://raw/a.parquet",)):
        raise PySparkException(message=spark_error)
    assert str(caught.value) == (
        "an input file could not be read: gs://raw/a.parquet: it is compressed with Lzo, which this Spark "
        "cannot decompress (Hadoop's com.hadoop.compression.lzo.LzoCodec is not installed): write it with "
        "snappy, gzip or zstd"
    )


def test_an_unrelated_null_pointer_exception_is_not_taken_for_an_unknown_parquet_type() -> None:
    float16 = (
        'java.lang.NullPointerException: Cannot invoke "org.apache.parquet.format.LogicalType.ordinal()"\n'
        "\tat org.apache.parquet.format.converter.ParquetMetadataConverter.getLogicalTypeAnnotation("
    )
    assert _unreadable_type(float16) == (
        "a Parquet logical type newer than Spark's Parquet library, such as FLOAT16"
    )
    assert (
        _unreadable_type("java.lang.NullPointerException\n\tat org.apache.spark.sql.Dataset.count(") is None
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        # The framed format python-snappy and snzip write: its stream identifier read as a length is negative.
        ("a.csv.snappy", b"\xff\x06\x00\x00sNaPpY\x01\x0a\x00\x00abcdefgh"),
        ("a b.json.lz4", b"\x00\x00\x00\x10\x7f\xff\xff\xf0junk"),  # a block longer than the file
        ("a.csv.lz4", b"\x04\x22"),  # too short for a block header
        ("b.csv.lz4", b"\x00\x00\x00\x10\x00\x00\x00\x051234"),  # a chunk one byte longer than the file
        ("c.csv.snappy", b"\x00\x00\x00\x10\xff\xff\xff\xf0junkjunk"),  # a negative chunk length
        ("d.csv.snappy", b"\x00\x00\x00\x10\x00\x00\x00\x00junk"),  # an empty chunk of a non-empty block
    ],
)
def test_a_file_hadoops_block_codec_cannot_read_is_refused_before_spark_reads_it(
    spark: SparkSession, items: Contract, tmp_path: Path, name: str, content: bytes
) -> None:
    """Spark would let the codec allocate what the first bytes say, and the JVM run out of memory."""
    codec = "Snappy" if name.endswith(".snappy") else "LZ4"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / name).write_bytes(content)
    input_format = "json" if ".json" in name else "csv"
    with pytest.raises(CorruptInputError) as caught:
        read_input(spark, input_format, str(tmp_path / "in"), items)
    assert str(caught.value) == (
        f"input file {(tmp_path / 'in' / name).as_uri().replace('%20', ' ')} is not in the block format "
        f"Hadoop's {codec} codec reads (the framed format of python-snappy, snzip or the lz4 tool is "
        "another): decompress it, or compress it with gzip"
    )


@pytest.mark.parametrize("codec", ["snappy", "lz4"])
def test_files_hadoop_compressed_with_snappy_or_lz4_are_read(
    spark: SparkSession, items: Contract, tmp_path: Path, codec: str
) -> None:
    rows = spark.createDataFrame([("AB1", "1"), ("AB2", "2")], "id string, qty string")
    for column in items.column_names[2:]:
        rows = rows.withColumn(column, sf.lit(None).cast("string"))
    rows.coalesce(1).write.option("header", True).option("compression", codec).csv(str(tmp_path / "w"))
    rows.limit(0).coalesce(1).write.option("compression", codec).csv(str(tmp_path / "e"))
    written = next((tmp_path / "w").glob(f"*.{codec}"))
    (tmp_path / "in").mkdir()
    written.rename(tmp_path / "in" / f"a b.csv.{codec}")
    (tmp_path / "in" / f"zero.csv.{codec}").write_bytes(b"")
    no_rows = next((tmp_path / "e").glob(f"*.{codec}"))  # Spark's file for no rows: an empty block
    assert no_rows.read_bytes() == b"\x00\x00\x00\x00"
    no_rows.rename(tmp_path / "in" / f"no-rows.csv.{codec}")
    source = read_input(spark, "csv", str(tmp_path / "in"), items)
    assert sorted(row["id"] for row in source.frame.collect()) == ["AB1", "AB2"]


def test_a_parquet_file_named_like_a_block_compressed_one_is_read_as_parquet(
    spark: SparkSession, items: Contract, tmp_path: Path
) -> None:
    rows = spark.createDataFrame([("AB1", 1, dt.date(2026, 1, 5))], "id string, qty bigint, day date")
    rows.coalesce(1).write.parquet(str(tmp_path / "w"))
    (tmp_path / "in").mkdir()
    next((tmp_path / "w").glob("*.parquet")).rename(tmp_path / "in" / "a.snappy")
    source = read_input(spark, "parquet", str(tmp_path / "in"), items)
    assert [row["id"] for row in source.frame.collect()] == ["AB1"]


@pytest.mark.parametrize(
    ("message", "said"),
    [
        (
            "org.apache.spark.SparkException: Job aborted\n"
            "Caused by: java.lang.OutOfMemoryError: Java heap space\n"
            "\tat org.apache.spark.sql.execution.columnar.ColumnBuilder.ensureFreeSpace",
            "Java heap space",
        ),
        (
            "org.apache.spark.memory.SparkOutOfMemoryError: [UNABLE_TO_ACQUIRE_MEMORY] Unable to acquire "
            "65536 bytes of memory, got 0.\n\tat org.apache.spark.memory.MemoryConsumer.throwOom",
            "[UNABLE_TO_ACQUIRE_MEMORY] Unable to acquire 65536 bytes of memory, got 0",
        ),
    ],
)
def test_running_out_of_memory_is_not_a_corrupt_input(message: str, said: str) -> None:
    """The input is fine: the run needs more memory, and says how to give it."""
    with pytest.raises(OutOfMemoryError) as caught:
        raise_if_out_of_memory(message)
    assert str(caught.value) == (
        f"Spark ran out of memory: {said}. Give the run more memory: spark.driver.memory and "
        "spark.executor.memory (a stack's sparkProperties, or locally "
        "PYSPARK_SUBMIT_ARGS='--driver-memory 4g pyspark-shell')"
    )
    raise_if_out_of_memory("java.io.EOFException: Unexpected end of input stream")  # not memory: no error
