"""The command line: strict arguments, the run, the report line, and the exit status.

This is the only place that turns errors into an exit status and a single log line.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import re
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from py4j.protocol import Py4JJavaError, Py4JNetworkError
from pyspark.errors import PySparkException
from pyspark.sql import SparkSession

from spark_jobs.contract import (
    MAX_TABLE_NAME,
    QUARANTINE_SUFFIX,
    Contract,
    contract_from_bytes,
    load_contract,
)
from spark_jobs.errors import (
    ContractError,
    JobError,
    OutOfMemoryError,
    ReportInsideTableError,
    UsageError,
    first_line,
)
from spark_jobs.hadoop_fs import load_file_system, read_bytes, write_text
from spark_jobs.hadoop_paths import (
    inside,
    is_local,
    is_uri,
    is_utf8,
    local_path,
    normalized,
    skipped_below,
    starting_directory,
    with_bytes_shown,
    within,
)
from spark_jobs.job import JobConfig, run
from spark_jobs.options import (
    APPEND,
    BIGQUERY,
    CSV,
    CSV_DELIMITER_RULE,
    CSV_ENCODING,
    CSV_ENCODINGS,
    CSV_NULL_MARKER_RULE,
    DEFAULT_CSV_DIALECT,
    FORMATS,
    LOCAL,
    SCOPED_PROJECT_ID,
    SINKS,
    WRITE_MODES,
    CsvDialect,
    is_csv_delimiter,
    is_csv_null_marker,
    reject_ratio,
)
from spark_jobs.quoting import quoted
from spark_jobs.report import (
    LOGGED_ERROR_CHARS,
    STATUS_FAILED,
    STATUS_SUCCEEDED,
    Progress,
    Report,
    logged_line,
    render_report,
    shortened,
    utc_now,
    write_report,
)
from spark_jobs.session import spark_session
from spark_jobs.spark_errors import MORE_MEMORY, first_meaningful_line, raise_if_file_system_missing

# Batch ids name partition directories and label BigQuery rows: keep them to a safe alphabet.
_BATCH_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
# A project id, perhaps domain-scoped; dataset and table ids of letters, digits and underscores, the table
# as long as a contract's may be.
_BIGQUERY_TABLE = re.compile(
    rf"(?:{SCOPED_PROJECT_ID}\.)?[A-Za-z0-9_]{{1,1024}}\.[A-Za-z0-9_]{{1,{MAX_TABLE_NAME}}}"
)
_BUCKET_CHARACTERS = re.compile(r"[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]")


def _reject_ratio(text: str) -> float:
    try:
        return reject_ratio(text)
    except ValueError as problem:
        raise argparse.ArgumentTypeError(f"{quoted(text)} {problem}") from None


def _csv_delimiter(text: str) -> str:
    if not is_csv_delimiter(text):
        raise argparse.ArgumentTypeError(
            f"{quoted(text)} is not a CSV delimiter: give {CSV_DELIMITER_RULE} (a tab: $'\\t' in bash)"
        )
    return text


def _csv_null_marker(text: str) -> str:
    if not is_csv_null_marker(text):
        raise argparse.ArgumentTypeError(
            f"{quoted(text)} is not a CSV null marker: give {CSV_NULL_MARKER_RULE}"
        )
    return text


def _bucket(text: str) -> str:
    """A Cloud Storage bucket name, perhaps written gs://NAME: 3-63 characters, or with dots up to 222 in
    parts of at most 63 (Cloud Storage's naming rules)."""
    name = text.removeprefix("gs://")
    if "/" in name:
        raise argparse.ArgumentTypeError(
            f"{quoted(text)} is not a bucket name alone: give the bucket without a path or a trailing '/' "
            "(the connector names its own files in it)"
        )
    parts = name.split(".")
    longest = _DOTTED_BUCKET_LENGTH if len(parts) > 1 else _BUCKET_PART_LENGTH
    if (
        not _BUCKET_CHARACTERS.fullmatch(name)
        or len(name) > longest
        or not all(0 < len(part) <= _BUCKET_PART_LENGTH for part in parts)
        or (len(parts) == 4 and all(part.isdigit() for part in parts))  # an IPv4 address
        or name.startswith("goog")
        or "google" in name
    ):
        raise argparse.ArgumentTypeError(
            f"{quoted(text)} is not a valid Cloud Storage bucket name (3-63 lowercase letters, digits, '-' "
            "or '_', a letter or digit first and last; with dots, up to 222 in parts of at most 63; not an "
            "IP address; not starting with 'goog' nor holding 'google')"
        )
    return text


_BUCKET_PART_LENGTH = 63
_DOTTED_BUCKET_LENGTH = 222


def _matching(pattern: re.Pattern[str], what: str) -> type[str]:
    """An argparse type accepting only strings that fully match `pattern`."""

    def check(text: str) -> str:
        if not pattern.fullmatch(text):
            raise argparse.ArgumentTypeError(f"{quoted(text)} is not a valid {what}")
        return text

    check.__name__ = what
    return check  # type: ignore[return-value]


_bigquery_table = _matching(
    _BIGQUERY_TABLE,
    f"BigQuery table ([PROJECT.]DATASET.TABLE, the table at most {MAX_TABLE_NAME} characters: its "
    "quarantine's name and the connector's temporary table add to it)",
)


def _output_table(text: str) -> str:
    """A table the job can load, its quarantine beside it: not itself a quarantine (any letter case, as a
    contract's table)."""
    table = _bigquery_table(text)
    if table.rsplit(".", 1)[-1].lower().endswith(QUARANTINE_SUFFIX):
        raise argparse.ArgumentTypeError(
            f"{quoted(text)} names a quarantine table (ending with {QUARANTINE_SUFFIX}, in some letter "
            "case): give the table the rows load into; the job writes the rejected ones to "
            f"<table>{QUARANTINE_SUFFIX}"
        )
    return table


_CHECKED_WHERE_THEY_APPLY: dict[str, Callable[[str], str]] = {
    "--output-table": _output_table,
    "--temp-bucket": _bucket,
    "--csv-delimiter": _csv_delimiter,
    "--csv-null-marker": _csv_null_marker,
}
"""The options that apply with one sink or format only, and the check of their values (as argparse types)."""
_CSV_ONLY = ("--csv-delimiter", "--csv-encoding", "--csv-null-marker")
_REPEATABLE = frozenset({"--csv-null-marker"})


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spark_jobs.main",
        description=(
            "Load files into a table under a data contract: rows that pass every rule are loaded, the others "
            "go to the quarantine (<table>__rejected) with their reasons, and a JSON report line is printed."
        ),
        allow_abbrev=False,
    )
    parser.add_argument("--input-format", required=True, choices=FORMATS, help="format of every input file")
    parser.add_argument(
        "--input-location",
        required=True,
        metavar="URI",
        help="a gs:// prefix or a local directory (every file under it is read), or a glob pattern",
    )
    parser.add_argument(
        "--csv-delimiter",
        metavar="CHAR",
        help="csv only: the character separating fields, e.g. '|', ';' or a tab (default: a comma); quotes, "
        "doubled quotes and quoted line breaks stay as RFC 4180 has them",
    )
    parser.add_argument(
        "--csv-encoding",
        choices=CSV_ENCODINGS,
        help=f"csv only: the character set the files are written in (default: {CSV_ENCODING}); bytes it does "
        "not define are rejected",
    )
    parser.add_argument(
        "--csv-null-marker",
        action="append",
        metavar="TEXT",
        help="csv only: a field holding exactly this text, quoted or not, is null; repeat it for several, "
        "e.g. --csv-null-marker='\\N' --csv-null-marker=NULL (default: none). Without it an empty field is "
        "null; with it, an empty text (an error in other types than STRING), unless --csv-null-marker= (the "
        "empty text) is given too, as in BigQuery's CSV loads; join a text starting with - to the flag "
        "with =",
    )
    parser.add_argument(
        "--contract",
        required=True,
        metavar="PATH",
        help="the contract YAML file: a local path (e.g. orders.yaml), or a URI read through Spark's file "
        "systems (gs://…, as the batch passes it)",
    )
    parser.add_argument("--sink", required=True, choices=SINKS, help="where rows are written")
    parser.add_argument(
        "--output-table",
        metavar="[PROJECT.]DATASET.TABLE",
        help="bigquery sink: the table to load; rejected rows go to the same name + __rejected",
    )
    parser.add_argument(
        "--output-path",
        metavar="DIR",
        help="local sink: directory (or Hadoop path) receiving <table>/ and <table>__rejected/ as Parquet",
    )
    parser.add_argument(
        "--temp-bucket",
        metavar="NAME",
        help="bigquery sink: Cloud Storage bucket for the connector's staging files",
    )
    parser.add_argument(
        "--write-mode",
        choices=WRITE_MODES,
        default=APPEND,
        help="append adds rows; overwrite replaces only the partitions present in the load (the whole table "
        "if it is not partitioned) (default: %(default)s)",
    )
    parser.add_argument(
        "--max-reject-ratio",
        type=_reject_ratio,
        default=0.0,
        metavar="FLOAT",
        help="fail, writing nothing to the main table, when rejected/read exceeds this (0 to 1; default: 0)",
    )
    parser.add_argument(
        "--batch-id",
        required=True,
        type=_matching(
            _BATCH_ID, "batch id (letters, digits, '_', '.', '-', a letter or digit first; at most 128)"
        ),
        metavar="ID",
        help="id of this load, stored on every row; a successful re-run of an id replaces its quarantined "
        "rows",
    )
    parser.add_argument(
        "--report-path",
        metavar="PATH",
        help="also write the report line to this file (local or gs://); it is always printed to stdout",
    )
    return parser


def parse_args(argv: Sequence[str] | None = None) -> JobConfig:
    """Parse strictly: unknown or misplaced arguments end the program with status 2 and a usage message."""
    parser = build_parser()
    args = parser.parse_args(argv)
    for flag in _repeated_options(sys.argv[1:] if argv is None else argv):
        parser.error(f"{flag} is given more than once")
    needed = {BIGQUERY: ("output_table", "temp_bucket"), LOCAL: ("output_path",)}
    for sink, names in needed.items():
        for name in names:
            flag = "--" + name.replace("_", "-")
            if args.sink == sink and getattr(args, name) is None:
                parser.error(f"{flag} is required with --sink {sink}")
            if args.sink != sink and getattr(args, name) is not None:
                parser.error(f"{flag} applies only to --sink {sink}")
    for flag in _CSV_ONLY:
        if _values(args, flag) and args.input_format != CSV:
            parser.error(f"{flag} applies only to --input-format {CSV}")
    # Their values only now: for an option that does not apply, that is the problem to hear first.
    for flag, check in _CHECKED_WHERE_THEY_APPLY.items():
        for value in _values(args, flag):
            try:
                check(value)
            except argparse.ArgumentTypeError as invalid:
                parser.error(f"argument {flag}: {invalid}")
    problem = _path_problem(args)
    if problem:
        parser.error(problem)
    return JobConfig(
        input_format=args.input_format,
        input_location=args.input_location,
        contract_path=args.contract,
        sink=args.sink,
        batch_id=args.batch_id,
        write_mode=args.write_mode,
        max_reject_ratio=args.max_reject_ratio,
        output_table=args.output_table,
        output_path=args.output_path,
        temp_bucket=args.temp_bucket,
        report_path=args.report_path,
        csv=CsvDialect(
            delimiter=args.csv_delimiter or DEFAULT_CSV_DIALECT.delimiter,
            encoding=args.csv_encoding or DEFAULT_CSV_DIALECT.encoding,
            null_markers=tuple(args.csv_null_marker or DEFAULT_CSV_DIALECT.null_markers),
        ),
    )


def _values(args: argparse.Namespace, flag: str) -> list[str]:
    """The values given to option `flag`: none, one, or those of each time a repeatable one was given."""
    value = getattr(args, flag.removeprefix("--").replace("-", "_"))
    if value is None:
        return []
    if not isinstance(value, list):
        return [value]
    # argparse takes a value `--` for the end of the options, and appends an empty list in its place.
    return [each if isinstance(each, str) else "--" for each in value]


def _path_problem(args: argparse.Namespace) -> str | None:
    """What is wrong with the paths given, as a usage message; None if nothing is."""
    paths = (
        ("--input-location", args.input_location),
        ("--contract", args.contract),
        ("--output-path", args.output_path),
        ("--report-path", args.report_path),
    )
    for flag, value in paths:
        problem = None if value is None else _form_problem(flag, value)
        if problem:
            return problem
    checks = (
        ("--output-path", args.output_path, _output_path_problem),
        ("--report-path", args.report_path, _report_path_problem),
    )
    for flag, value, check in checks:
        if value is None:
            continue
        try:
            problem = check(value, args)
        # The file system refuses to look: a folder it may not enter, a name too long.
        except OSError as error:
            problem = f"cannot be checked: {error.strerror or error}"
        if problem:
            return f"{flag} {quoted(value)} {problem}"
    return None


def _form_problem(flag: str, value: str) -> str | None:
    """What is wrong with how a path is written, whatever it names."""
    if not value.strip():
        return f"{flag} must not be empty"
    if "\0" in value:  # no command line carries one; a caller in Python may
        return f"{flag} {quoted(value)} holds a NUL character, which no file name may"
    if not is_utf8(value):
        shown = quoted(with_bytes_shown(value))
        return f"{flag} {shown} is not UTF-8, as Spark's paths are: rename what it names in UTF-8"
    if _FILE_URI_WITH_HOST.match(value):
        return f"{flag} {quoted(value)} names a host: write a local path as /path or file:///path"
    if _ONLY_SCHEME.match(value):
        return f"{flag} {quoted(value)} reads as a URI scheme with no path after it"
    return None


# Hadoop reads local files only through file: URIs without a host (file:///tmp/x, not file://localhost/tmp/x).
_FILE_URI_WITH_HOST = re.compile(r"^file://[^/]", re.IGNORECASE)
# A URI scheme and nothing else (`file:`, `gs://`): Hadoop reads `file:` as the root directory.
_ONLY_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:/*$")


def _repeated_options(argv: Sequence[str]) -> list[str]:
    """The options given more than once, but those meant to be repeated: argparse would silently keep the
    last value of each."""
    counts = Counter(token.split("=", 1)[0] for token in argv if token.startswith("--"))
    return sorted(flag for flag, count in counts.items() if count > 1 and flag not in _REPEATABLE)


def main(argv: Sequence[str] | None = None, spark: SparkSession | None = None) -> int:
    """Run the job; print the report line to stdout and, on failure, one error line to stderr (after a line
    saying why, when the report file could not be written)."""
    _plain_output()
    config = parse_args(argv)
    started_at = utc_now()
    pipeline = Path(config.contract_path).stem
    progress = Progress()
    error: str | None = None
    exit_code = 0
    report_path = config.report_path
    session = spark
    try:
        if is_uri(config.contract_path):
            # As the batch passes it (gs://…): read through Spark's file systems, so Spark starts first.
            session = session or spark_session(f"{pipeline}-{config.batch_id}")
            contract = _read_contract(config.contract_path, session)
        else:
            contract = load_contract(config.contract_path)
        pipeline = contract.table
        _check_tables_apart(config, contract)
        if session is None:
            session = spark_session(f"{pipeline}-{config.batch_id}")
        _check_file_systems(config, session)
        run(session, config, contract, started_at, progress)
    except JobError as failure:
        error, exit_code = str(failure), failure.exit_code
        if isinstance(failure, ReportInsideTableError):
            report_path = None  # saved there, it would be among the table's files
    except (Py4JNetworkError, ConnectionRefusedError, ConnectionResetError) as failure:
        # The driver's JVM is gone: killed, most often, by a java.lang.OutOfMemoryError it logged above.
        error = (
            f"Spark's JVM stopped during the run ({type(failure).__name__}: its own error, most often "
            f"java.lang.OutOfMemoryError, is in the log above). {MORE_MEMORY}"
        )
        exit_code = OutOfMemoryError.exit_code
    except Exception as failure:  # the entry point reports anything else as one line too
        error = f"unexpected {type(failure).__name__}: {first_line(failure)}"
        exit_code = JobError.exit_code
    report = Report(
        pipeline=pipeline,
        batch_id=config.batch_id,
        started_at=started_at,
        ended_at=utc_now(),
        status=STATUS_FAILED if error else STATUS_SUCCEEDED,
        error=error,
        progress=progress,
    )
    if report_path and not _save_report(report, report_path, session) and not error:
        # The data is written, but whoever waits for the file will not find it: the run did not succeed.
        error, exit_code = f"the report could not be written to {report_path}", JobError.exit_code
        report = replace(report, status=STATUS_FAILED, error=error)
    print(logged_line(report), flush=True)
    if error:
        # Its quotes escaped: the error (or a local contract's file name) may quote any text, which must not
        # make this line read as a report line to the metrics, should the driver's log hold stderr too.
        failed = f"pipeline {pipeline} batch {config.batch_id} failed: {shortened(error, LOGGED_ERROR_CHARS)}"
        print(_one_line(failed).replace('"', '\\"'), file=sys.stderr, flush=True)
    return exit_code


def _plain_output() -> None:
    """Print the report as UTF-8, as Cloud Logging reads it, whatever the locale (an ASCII one could not
    print a file's name); and log what py4j reports without its traceback: when the JVM stops, py4j logs a
    traceback of the lost connection, which the run's own error line already explains."""
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(encoding="utf-8")
    handler = logging.StreamHandler()
    handler.setFormatter(_WithoutTraceback("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(handlers=[handler])  # nothing when the root logger has handlers already


class _WithoutTraceback(logging.Formatter):
    def formatException(self, ei: object) -> str:  # noqa: N802 (logging's name)
        return ""


def _one_line(text: str) -> str:
    """`text` with its line breaks and other control characters escaped (a file name may hold them), so
    that it prints as one line."""
    return _CONTROL_CHARACTER.sub(lambda found: ascii(found[0])[1:-1], text)


_CONTROL_CHARACTER = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _read_contract(uri: str, spark: SparkSession) -> Contract:
    """The contract at a URI, read through Spark's file systems; a scheme this Spark has none for is the
    command line's mistake (status 2), as for the other paths."""
    try:
        data = read_bytes(spark, uri)
    except (Py4JJavaError, PySparkException) as error:
        raise_if_file_system_missing(str(error), f"--contract {quoted(uri)}")
        raise ContractError(f"{uri}: cannot read the contract: {first_meaningful_line(str(error))}") from None
    return contract_from_bytes(data, uri)


def _check_file_systems(config: JobConfig, spark: SparkSession) -> None:
    """The output's and the report's file systems exist in this Spark, checked before the input is read: a
    run whose report cannot be saved would otherwise load its rows and then fail."""
    for flag, path in (("--output-path", config.output_path), ("--report-path", config.report_path)):
        if path is None or is_local(path):
            continue
        try:
            load_file_system(spark, path)
        except (Py4JJavaError, PySparkException) as error:
            raise_if_file_system_missing(str(error), f"{flag} {quoted(path)}")
            problem = first_meaningful_line(str(error))
            raise UsageError(f"{flag} {quoted(path)} cannot be used: {problem}") from None


def _check_tables_apart(config: JobConfig, contract: Contract) -> None:
    """The local sink's tables must not hold the input, nor lie inside it: a run would read rows it wrote.
    Nor may they hold the report, which reads of the table would meet among its files, and which a later
    overwrite of the table would remove. The tables and the report are named as they are written; only the
    input location is read as a glob."""
    if config.output_path is None:
        return
    for name in (contract.table, contract.quarantine_table):
        table = f"{config.output_path.rstrip('/')}/{name}"
        if inside(starting_directory(config.input_location), table) or within(table, config.input_location):
            raise UsageError(
                f"--input-location {quoted(config.input_location)} and the table {quoted(table)} written "
                "under --output-path overlap: a run would read rows it wrote"
            )
        if config.report_path is not None and inside(config.report_path, table):
            raise ReportInsideTableError(
                f"--report-path {quoted(config.report_path)} is inside the table {quoted(table)} written "
                "under --output-path: write the report beside the tables"
            )


def _report_path_problem(path: str, args: argparse.Namespace) -> str | None:
    """Why a report could not be saved at `path`, or should not be, checked before the run writes any data;
    None if it can. A remote path (gs://...) is only known to work once written."""
    if args.output_path is not None and inside(args.output_path, path):
        return "is --output-path or a folder above it, where the tables are written: name a file beside them"
    if not is_local(path):
        return _report_overwriting(path, args)
    local = local_path(path)
    if path.endswith("/") or local.is_dir():
        return "is a directory: name the report file inside it"
    return _unwritable(local) or _report_overwriting(path, args)


def _output_path_problem(path: str, args: argparse.Namespace) -> str | None:
    """Why the local sink could not write its tables under `path`, checked before the run reads anything;
    None if it can (a remote path is only known to work once written)."""
    if within(path, args.input_location):
        return (
            f"is inside --input-location {quoted(args.input_location)}: "
            "a later run would read this run's output as input"
        )
    if not is_local(path):
        return None
    local = local_path(path)
    if local.exists() and not local.is_dir():
        return "is a file: name a directory"
    return _unwritable(local)


def _unwritable(local: Path) -> str | None:
    """Why `local` could not be created or written, judged by the nearest part of it that exists."""
    existing = next(parent for parent in (local, *local.parents) if parent.exists())
    if existing != local and not existing.is_dir():
        return f"cannot be created: {existing} is a file"
    if not os.access(existing, os.W_OK):
        return f"cannot be written: {existing} is not writable"
    return None


def _report_overwriting(path: str, args: argparse.Namespace) -> str | None:
    """Why writing the report at `path` would damage the run's inputs; None if it would not. A report that
    Spark skips (`_report.json`, `_reports/r.json`) may be under the input location."""
    if within(path, args.input_location) and not skipped_below(path, args.input_location):
        location = quoted(args.input_location)
        return f"is inside --input-location {location}: it would replace an input file or be read as one"
    if normalized(path) == normalized(args.contract):
        return "is the --contract file: the report would replace the contract"
    return None


def _save_report(report: Report, path: str, spark: SparkSession | None) -> bool:
    """Whether the report was saved: a local path is written directly, a URI (gs://...) through Spark's
    Hadoop file systems. A failure is one line on stderr; the report line on stdout then says FAILED."""
    try:
        if is_local(path):
            write_report(report, local_path(path))
        elif spark is not None:
            write_text(spark, path, render_report(report) + "\n")
        else:
            print(f"report not written to {path}: Spark did not start", file=sys.stderr, flush=True)
            return False
    except (OSError, Py4JJavaError, PySparkException) as failure:
        reason = first_meaningful_line(str(failure)) or type(failure).__name__
        print(f"report not written to {path}: {reason}", file=sys.stderr, flush=True)
        return False
    return True
