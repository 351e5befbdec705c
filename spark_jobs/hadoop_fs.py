"""Small file operations through Hadoop's FileSystem, so gs:// paths work wherever Spark runs."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from py4j.protocol import Py4JJavaError
from pyspark.sql import SparkSession

from spark_jobs.session import jvm


def _file_system(spark: SparkSession, path: str) -> tuple[Any, Any]:
    hadoop_path = jvm(spark).org.apache.hadoop.fs.Path(path)
    return hadoop_path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()), hadoop_path


def load_file_system(spark: SparkSession, path: str) -> None:
    """Load the file system of `path`'s scheme: one this Spark lacks then fails before any work, not at the
    first write."""
    _file_system(spark, path)


def avro_schema(spark: SparkSession, path: str) -> Any:
    """The schema in an Avro data file's header, its writer's, as Avro's Java `Schema`."""
    avro = jvm(spark).org.apache.avro
    _, hadoop_path = _file_system(spark, path)
    source = avro.mapred.FsInput(hadoop_path, spark.sparkContext._jsc.hadoopConfiguration())
    try:
        reader = avro.file.DataFileReader.openReader(source, avro.generic.GenericDatumReader())
    except Py4JJavaError:
        source.close()
        raise
    try:
        return reader.getSchema()
    finally:
        reader.close()


def is_directory(spark: SparkSession, path: str) -> bool:
    """Whether `path` is a directory (not when nothing is there)."""
    file_system, hadoop_path = _file_system(spark, path)
    return bool(file_system.isDirectory(hadoop_path))


def delete_path(spark: SparkSession, path: str) -> None:
    """Delete a file or a directory tree; a missing path is fine."""
    file_system, hadoop_path = _file_system(spark, path)
    file_system.delete(hadoop_path, True)


def replace_path(spark: SparkSession, source: str, target: str) -> None:
    """Put the directory `source` in the place of `target`, whatever `target` held before.

    The old `target` is moved aside first (to `<source>.previous`, hidden as `source` is), and back if
    `source` cannot take its place. Renaming onto a directory that exists moves the source inside it, where
    readers never look: when another run puts a `target` in place meanwhile, `source` comes back out and
    this fails, naming it. (On Cloud Storage, where a rename copies every object, the old table is copied
    once more than a plain delete would cost: the price of never losing it.)
    """
    file_system, target_path = _file_system(spark, target)
    _, source_path = _file_system(spark, source)
    _, aside_path = _file_system(spark, f"{source.rstrip('/')}.previous")
    _, nested = _file_system(spark, f"{target.rstrip('/')}/{source_path.getName()}")
    had_target = file_system.exists(target_path)
    if had_target and not _renamed(file_system, target_path, aside_path):
        if not file_system.exists(target_path):  # another run moved it aside first, to put its own in
            raise OSError(f"could not move {source} to {target}: another run replaced it meanwhile")
        raise OSError(f"could not move {target} aside to replace it")
    file_system.mkdirs(target_path.getParent())
    if file_system.rename(source_path, target_path) and not file_system.exists(nested):
        if had_target:
            _delete_or_fail(file_system, aside_path)
        return
    if file_system.exists(nested):
        file_system.rename(nested, source_path)
    raced = file_system.exists(target_path)  # another run's, whole: what this one moved aside is outdated
    if had_target and raced:
        _delete_or_fail(file_system, aside_path)
    elif had_target and not file_system.rename(aside_path, target_path):
        raise OSError(f"could not move {source} to {target}, nor the previous one back from {aside_path}")
    meanwhile = ": another run replaced it meanwhile" if raced else ""
    raise OSError(f"could not move {source} to {target}{meanwhile}")


def _renamed(file_system: Any, source: Any, target: Any) -> bool:
    """Whether `source` was renamed `target`: false also when `source` is gone, which the local file system
    reports by raising, where others return false."""
    try:
        return bool(file_system.rename(source, target))
    except Py4JJavaError as error:
        if error.java_exception.getClass().getName() == "java.io.FileNotFoundException":
            return False
        raise


def move_files_into(spark: SparkSession, source: str, target: str, prefix: str) -> None:
    """Move the data files of the directory `source` into the directory `target` (created if missing), each
    renamed `<prefix><name>`, beside what it holds; then delete `source`. Partition directories
    (`<column>=<value>`) are merged the same way into those of `target`; files whose names start with `_` or
    `.` (Spark's markers, checksums) stay behind. A move that fails says which files are where."""
    file_system, source_path = _file_system(spark, source)
    try:
        _move_data_files(spark, file_system, source_path, target.rstrip("/"), prefix)
    except (OSError, Py4JJavaError) as error:
        # A Java failure as its one line, "<exception class>: <message>", without py4j's trace.
        reason = str(error) if isinstance(error, OSError) else str(error.java_exception.toString())
        moved = "the files moved before it are in place"
        raise OSError(f"{reason}; {moved}, the others still in {source}") from None
    file_system.delete(source_path, True)


def _move_data_files(spark: SparkSession, file_system: Any, directory: Any, target: str, prefix: str) -> None:
    file_system.mkdirs(_file_system(spark, target)[1])
    for status in file_system.listStatus(directory):
        name = status.getPath().getName()
        if status.isDirectory() and "=" in name:
            _move_data_files(spark, file_system, status.getPath(), f"{target}/{name}", prefix)
        elif status.isFile() and not name.startswith(("_", ".")):
            _, moved = _file_system(spark, f"{target}/{prefix}{name}")
            if not file_system.rename(status.getPath(), moved):
                raise OSError(f"could not move {status.getPath()} to {target}")


def delete_files_before(spark: SparkSession, directory: str, name: str) -> None:
    """Delete the files of `directory` whose names sort before `name`, and the directory itself when it is
    left empty; a missing directory is fine. Files another run moves in meanwhile stay."""
    file_system, directory_path = _file_system(spark, directory)
    if not file_system.exists(directory_path):
        return
    kept = 0
    for status in file_system.listStatus(directory_path):
        if status.getPath().getName() < name:
            _delete_or_fail(file_system, status.getPath())
        else:
            kept += 1
    if not kept:
        with suppress(Py4JJavaError):  # not empty any more: it holds another run's files
            file_system.delete(directory_path, False)


def _delete_or_fail(file_system: Any, path: Any) -> None:
    """Delete `path` (a tree) or raise: Hadoop's delete reports a failure only by returning false."""
    if not file_system.delete(path, True) and file_system.exists(path):
        raise OSError(f"could not delete {path}")


def file_head_ints(spark: SparkSession, path: str, count: int) -> tuple[int, list[int]]:
    """The file's length and its first `count` big-endian 32-bit integers (fewer in a shorter file)."""
    file_system, hadoop_path = _file_system(spark, path)
    length = int(file_system.getFileStatus(hadoop_path).getLen())
    head = read_head(spark, path, 4 * count)
    whole = len(head) - len(head) % 4  # as Java's readInt reads them: signed, a partial one not at all
    return length, [int.from_bytes(head[at : at + 4], "big", signed=True) for at in range(0, whole, 4)]


def read_head(spark: SparkSession, path: str, count: int) -> bytes:
    """A file's first `count` bytes (fewer in a shorter file)."""
    file_system, hadoop_path = _file_system(spark, path)
    stream = file_system.open(hadoop_path)
    try:
        return bytes(stream.readNBytes(count))
    finally:
        stream.close()


def read_bytes(spark: SparkSession, path: str) -> bytes:
    """A small file's whole content."""
    file_system, hadoop_path = _file_system(spark, path)
    stream = file_system.open(hadoop_path)
    try:
        return bytes(stream.readAllBytes())
    finally:
        stream.close()


def write_text(spark: SparkSession, path: str, text: str) -> None:
    """Create or replace a small text file."""
    file_system, hadoop_path = _file_system(spark, path)
    stream = file_system.create(hadoop_path, True)
    try:
        stream.write(bytearray(text.encode("utf-8")))
    finally:
        stream.close()
