"""The batch's main file runs as a script with only the package zip on sys.path, as on Dataproc."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from spark_jobs.cli import parse_args
from spark_jobs.hadoop_paths import is_uri, within
from spark_jobs.options import DEFAULT_CSV_DIALECT, CsvDialect

PACKAGE = Path(__file__).parents[2] / "spark_jobs"


def test_main_runs_as_a_script_from_the_package_zip(tmp_path: Path) -> None:
    archive = tmp_path / "spark_jobs.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for source in PACKAGE.rglob("*.py"):
            bundle.write(source, source.relative_to(PACKAGE.parent).as_posix())
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(PACKAGE / "main.py", work / "main.py")
    environment = {**os.environ, "PYTHONPATH": str(archive)}
    result = subprocess.run(
        [sys.executable, "main.py", "--help"],
        cwd=work,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "--input-format {csv,json,parquet,avro}" in result.stdout


def test_the_report_prints_in_utf8_and_library_logs_without_tracebacks_whatever_the_locale(
    tmp_path: Path,
) -> None:
    """Under an ASCII locale, printing a non-ASCII name failed with a traceback instead of the report line.
    When the JVM stops, py4j logs the lost connection's traceback: the run's error line says it already."""
    script = (
        "import logging\n"
        "from spark_jobs.cli import main\n"
        "main(['--input-format', 'csv', '--input-location', 'in', '--contract', 'commandes-été.yaml',"
        " '--sink', 'local', '--output-path', 'out', '--batch-id', 'b1'])\n"
        "try:\n"
        "    raise ConnectionError('Answer from Java side is empty')\n"
        "except ConnectionError:\n"
        "    logging.exception('Exception while sending command.')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env={**os.environ, "PYTHONIOENCODING": "ascii", "PYTHONPATH": str(PACKAGE.parent)},
        capture_output=True,
        check=False,
    )
    report = json.loads(result.stdout.decode("utf-8"))
    assert (report["pipeline"], report["status"]) == ("commandes-été", "FAILED")
    assert result.stderr.decode("utf-8").splitlines()[-1] == "ERROR root: Exception while sending command."


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--input-fromat", "csv"], "unrecognized arguments: --input-fromat csv"),
        (["--sink", "local"], "--output-path is required with --sink local"),
        (
            ["--sink", "local", "--output-path", "o", "--temp-bucket", "tmp-bucket"],
            "--temp-bucket applies only to --sink bigquery",
        ),
        (
            ["--sink", "bigquery", "--temp-bucket", "tmp-bucket"],
            "--output-table is required with --sink bigquery",
        ),
        # What float() would read otherwise: 1e-400 as 0 (no row may be rejected), other scripts' digits.
        *[
            (
                ["--sink", "local", "--output-path", "o", "--max-reject-ratio", value],
                f"argument --max-reject-ratio: '{value}' {problem}",
            )
            for value, problem in (
                ("1.5", "is not between 0 and 1"),
                ("abc", "is not a number such as 0.05"),
                ("nan", "is not a number such as 0.05"),
                ("1e-400", "is too small to tell from 0"),
                ("0.000_1", "is not a number such as 0.05"),
                ("\u0660.\u0665", "is not a number such as 0.05"),
            )
        ],
        (
            ["--sink", "local", "--output-path", "o", "--max-reject-ratio", "2\n"],
            r'argument --max-reject-ratio: "2\n" is not a number such as 0.05',
        ),
        (["--sink", "local", "--output-path", "o\0ut"], r'--output-path "o\x00ut" holds a NUL character'),
        (["--sink", "local", "--output-path", "o", "--contract="], "--contract must not be empty"),
        (
            ["--sink", "local", "--output-path", "o", "--contract", "file://host/c.yaml"],
            "--contract 'file://host/c.yaml' names a host",
        ),
        (["--sink", "local", "--output-path", "o", "--batch-id", "a/b"], "'a/b' is not a valid batch id"),
        (["--sink", "local", "--output-path", " "], "--output-path must not be empty"),
        (
            ["--sink", "local", "--output-path", "in/out"],
            "--output-path 'in/out' is inside --input-location 'in': a later run would read this run's",
        ),
        (
            ["--sink", "local", "--output-path", "./in/"],
            "--output-path './in/' is inside --input-location 'in'",
        ),
        (
            ["--sink", "bigquery", "--output-table", "justatable", "--temp-bucket", "tmp-bucket"],
            "not a valid BigQuery table",
        ),
        *[
            (
                ["--sink", "bigquery", "--output-table", table, "--temp-bucket", "tmp-bucket"],
                f"argument --output-table: '{table}' is not a valid BigQuery table",
            )
            for table in ("...d.t", "Project-1.ds.t", "p.ds.t", "proj-1-.ds.t", "ds.t-1", "ds..t", "a:b.ds.t")
        ],
        *[
            (
                ["--sink", "bigquery", "--output-table", table, "--temp-bucket", "tmp-bucket"],
                f"argument --output-table: '{table}' names a quarantine table (ending with __rejected, in "
                "some letter case): give the table the rows load into; the job writes the rejected ones to "
                "<table>__rejected",
            )
            for table in ("ds.orders__rejected", "my-proj.ds.T__REJECTED")
        ],
        (
            ["--sink", "bigquery", "--output-table", f"ds.{'t' * 1006}", "--temp-bucket", "tmp-bucket"],
            "the table at most 1005 characters: its quarantine's name and the connector's temporary table "
            "add to it",
        ),
        *[
            (
                ["--sink", "bigquery", "--output-table", "ds.t", "--temp-bucket", bucket],
                f"argument --temp-bucket: '{bucket}' is not a valid Cloud Storage bucket name",
            )
            for bucket in (
                "a..b",
                "ab",
                "Tmp",
                "b" * 64,
                "gs://a.b-",
                ".ab",
                f"{'b' * 64}.c",
                "c.d" * 75,
                "1.2.3.4",
                "goog-staging",  # Cloud Storage reserves these
                "my-google-bucket",
            )
        ],
        *[
            (
                ["--sink", "bigquery", "--output-table", "ds.t", "--temp-bucket", bucket],
                f"argument --temp-bucket: '{bucket}' is not a bucket name alone: give the bucket without a "
                "path or a trailing '/'",
            )
            for bucket in ("gs://tmp-bucket/", "tmp-bucket/staging", "gs://tmp-bucket/a/b")
        ],
        (
            ["--sink", "local", "--output-path", "o", "--report-path", "a_dir"],
            "--report-path 'a_dir' is a directory: name the report file inside it",
        ),
        (
            ["--sink", "local", "--output-path", "o", "--report-path", ""],
            "--report-path must not be empty",
        ),
        (
            ["--sink", "local", "--output-path", "file://localhost/tmp/o"],
            "--output-path 'file://localhost/tmp/o' names a host: write a local path as /path or file:///path",
        ),
        (
            ["--sink", "local", "--output-path", "o", "--report-path", "file://host/r.json"],
            "--report-path 'file://host/r.json' names a host",
        ),
        (
            ["--sink", "local", "--output-path", "file://host\\share"],
            r"--output-path 'file://host\share' names a host: write a local path as /path or file:///path",
        ),
        (
            ["--sink", "local", "--output-path", "o", "--batch-id", "b1", "--batch-id=b2"],
            "--batch-id is given more than once",
        ),
        (
            ["--sink", "local", "--output-path", "o", "--report-path", "reports/new/"],
            "--report-path 'reports/new/' is a directory: name the report file inside it",
        ),
        (
            ["--sink", "local", "--output-path", "o", "--report-path", "a_file/report.json"],
            "--report-path 'a_file/report.json' cannot be created: a_file is a file",
        ),
        (
            ["--sink", "local", "--output-path", "o", "--report-path", "in/report.json"],
            "--report-path 'in/report.json' is inside --input-location 'in': it would replace an input file",
        ),
        (
            ["--sink", "local", "--output-path", "o", "--report-path", "o"],
            "--report-path 'o' is --output-path or a folder above it, where the tables are written",
        ),
        (
            ["--sink", "local", "--output-path", "reports/o", "--report-path", "reports"],
            "--report-path 'reports' is --output-path or a folder above it",
        ),
        (
            ["--sink", "local", "--output-path", "lat\udce9n"],  # as Python passes the byte 0xE9 of Latin-1
            "--output-path 'lat\\xe9n' is not UTF-8, as Spark's paths are: rename what it names in UTF-8",
        ),
        (
            ["--sink", "local", "--output-path", "o", "--report-path", "./c.yaml"],
            "--report-path './c.yaml' is the --contract file: the report would replace the contract",
        ),
        (
            ["--sink", "local", "--output-path", "a_file"],
            "--output-path 'a_file' is a file: name a directory",
        ),
        (
            ["--sink", "local", "--output-path", "a_file/out"],
            "--output-path 'a_file/out' cannot be created: a_file is a file",
        ),
        (
            ["--sink", "local", "--output-path", "file:"],
            "--output-path 'file:' reads as a URI scheme with no path after it",
        ),
        (
            ["--sink", "local", "--output-path", "o", "--report-path", "gs://"],
            "'gs://' reads as a URI scheme with no path",
        ),
        *[
            (
                ["--sink", "local", "--output-path", "o", "--csv-delimiter", value],
                f"argument --csv-delimiter: {shown} is not a CSV delimiter: give exactly one character, "
                f"neither the quote (\") nor a line break (\\r, \\n) nor NUL (a tab: $'\\t' in bash)",
            )
            # Shown as YAML quotes it: a backslash as typed (shell quotes '\t' give two characters), a line
            # break escaped in double quotes.
            for value, shown in (
                ("", "''"),
                ("||", "'||'"),
                ("\\t", r"'\t'"),
                ('"', "'\"'"),
                ("\r", r'"\r"'),
                ("\n", r'"\n"'),
                ("\r\n", r'"\r\n"'),
                ("\x00", r'"\x00"'),
            )
        ],
        (
            ["--input-format", "json", "--sink", "local", "--output-path", "o", "--csv-delimiter", "|"],
            "--csv-delimiter applies only to --input-format csv",
        ),
        (
            ["--input-format", "parquet", "--sink", "local", "--output-path", "o", "--csv-delimiter", ","],
            "--csv-delimiter applies only to --input-format csv",
        ),
        (
            ["--sink", "local", "--output-path", "o", "--csv-delimiter", "|", "--csv-delimiter=;"],
            "--csv-delimiter is given more than once",
        ),
        *[
            (
                [
                    "--sink",
                    "local",
                    "--output-path",
                    "o",
                    "--csv-null-marker=NULL",
                    f"--csv-null-marker={value}",
                ],
                f"argument --csv-null-marker: {shown} is not a CSV null marker: give a text of visible "
                "characters and spaces, or the empty text (to keep empty fields null beside other markers), "
                "other than -- (which a command line takes for the end of its options)",
            )
            # U+0085 is what YAML's double quotes make of "\N".
            for value, shown in (
                ("--", "'--'"),
                ("\x85", r'"\x85"'),
                ("N/A\t", r'"N/A\t"'),
                ("\ufeffNULL", r'"\ufeffNULL"'),
            )
        ],
        (
            ["--sink", "local", "--output-path", "o", "--csv-encoding", "latin1"],
            "argument --csv-encoding: invalid choice: 'latin1' (choose from 'UTF-8', 'ISO-8859-1', "
            "'windows-1252')",
        ),
        (
            ["--input-format", "json", "--sink", "local", "--output-path", "o", "--csv-encoding", "UTF-8"],
            "--csv-encoding applies only to --input-format csv",
        ),
        # Apart from its flag, a marker starting with - reads as a flag (the README says to join it with =).
        (
            ["--sink", "local", "--output-path", "o", "--csv-null-marker", "-N"],
            "argument --csv-null-marker: expected one argument",
        ),
        (
            [
                "--input-format",
                "parquet",
                "--sink",
                "local",
                "--output-path",
                "o",
                "--csv-null-marker",
                "NULL",
            ],
            "--csv-null-marker applies only to --input-format csv",
        ),
        # Invalid values too ('b' is no bucket name): that the option does not apply is said first.
        (
            ["--sink", "local", "--output-path", "o", "--temp-bucket", "b"],
            "--temp-bucket applies only to --sink bigquery",
        ),
        (
            ["--sink", "local", "--output-path", "o", "--output-table", "justatable"],
            "--output-table applies only to --sink bigquery",
        ),
        (
            ["--input-format", "json", "--sink", "local", "--output-path", "o", "--csv-delimiter", "||"],
            "--csv-delimiter applies only to --input-format csv",
        ),
    ],
)
def test_arguments_are_strict(
    arguments: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # In a folder of its own: a check that fails to refuse must not leave files in the checkout.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a_dir").mkdir()
    (tmp_path / "a_file").write_text("")
    with pytest.raises(SystemExit) as caught:
        parse_args(_strict_case_argv(arguments))
    assert caught.value.code == 2
    assert message in capsys.readouterr().err


def test_the_entry_point_refuses_bad_arguments_with_status_2(tmp_path: Path) -> None:
    """The checks above call the parser; this one runs the module as a user does."""
    command = [sys.executable, "-m", "spark_jobs.main", *_strict_case_argv(["--input-fromat", "csv"])]
    environment = {**os.environ, "PYTHONPATH": str(PACKAGE.parent)}
    result = subprocess.run(
        command, cwd=tmp_path, env=environment, capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "spark_jobs.main: error: unrecognized arguments: --input-fromat csv"
    )
    assert list(tmp_path.iterdir()) == []


def _strict_case_argv(arguments: list[str]) -> list[str]:
    """A case's arguments after the ones every run needs (but those the case gives itself)."""
    given = {argument.split("=", 1)[0] for argument in arguments}
    needed = {"--input-format": "csv", "--input-location": "in", "--contract": "c.yaml", "--batch-id": "b1"}
    base = [part for option, value in needed.items() if option not in given for part in (option, value)]
    if "--input-fromat" in arguments:
        base += ["--sink", "local", "--output-path", "o"]
    return [*base, *arguments]


def local_run_arguments(tmp_path: Path) -> list[str]:
    """A local run's required arguments, but its batch id."""
    return [
        "--input-format", "csv", "--input-location", str(tmp_path / "in"), "--contract", "c.yaml",
        "--sink", "local", "--output-path", str(tmp_path / "out"),
    ]  # fmt: skip


def test_the_reject_ratio_defaults_to_0_and_may_be_given_as_0(tmp_path: Path) -> None:
    argv = [*local_run_arguments(tmp_path), "--batch-id", "b1"]
    assert parse_args(argv).max_reject_ratio == 0.0
    assert parse_args([*argv, "--max-reject-ratio", "0"]).max_reject_ratio == 0.0
    assert str(parse_args([*argv, "--max-reject-ratio", "-0"]).max_reject_ratio) == "0.0"
    assert parse_args([*argv, "--max-reject-ratio", "5e-2"]).max_reject_ratio == 0.05


@pytest.mark.parametrize("delimiter", ["|", "\t", ";", "-", " ", "\\", "é", "😀"])
def test_the_csv_delimiter_is_any_one_character_but_the_quote_line_breaks_and_nul(
    tmp_path: Path, delimiter: str
) -> None:
    argv = [*local_run_arguments(tmp_path), "--batch-id", "b1"]
    assert parse_args(argv).csv.delimiter == ","
    assert parse_args([*argv, "--csv-delimiter", delimiter]).csv.delimiter == delimiter


def test_the_csv_encoding_defaults_to_utf8(tmp_path: Path) -> None:
    argv = [*local_run_arguments(tmp_path), "--batch-id", "b1"]
    assert parse_args(argv).csv.encoding == "UTF-8"
    assert parse_args([*argv, "--csv-encoding", "windows-1252"]).csv.encoding == "windows-1252"


def test_csv_null_markers_are_none_unless_given_and_may_be_several(tmp_path: Path) -> None:
    argv = [*local_run_arguments(tmp_path), "--batch-id", "b1"]
    assert parse_args(argv).csv.null_markers == ()
    given = [
        *argv,
        "--csv-null-marker",
        "\\N",
        "--csv-null-marker=NULL",
        "--csv-null-marker=-",
        "--csv-null-marker= ",
        "--csv-null-marker=",
    ]
    assert parse_args(given).csv.null_markers == ("\\N", "NULL", "-", " ", "")


@pytest.mark.parametrize(
    "dialect",
    [
        CsvDialect(delimiter="\t"),
        CsvDialect(delimiter="-", encoding="ISO-8859-1"),
        CsvDialect(encoding="windows-1252", null_markers=("\\N", "--x", "-", " NULL ")),
    ],
)
def test_a_csv_dialects_arguments_give_the_job_that_dialect(tmp_path: Path, dialect: CsvDialect) -> None:
    argv = [*local_run_arguments(tmp_path), "--batch-id", "b1"]
    assert parse_args([*argv, *dialect.arguments()]).csv == dialect


def test_the_default_csv_dialect_needs_no_arguments(tmp_path: Path) -> None:
    argv = [*local_run_arguments(tmp_path), "--batch-id", "b1"]
    assert CsvDialect().arguments() == []
    assert parse_args(argv).csv == CsvDialect() == DEFAULT_CSV_DIALECT


@pytest.mark.parametrize(
    ("table", "bucket"),
    [
        ("ds.t", "tmp-bucket"),
        ("my-project.ds_1.T_2", "gs://tmp_bucket"),
        ("example.com:my-project.ds.t", "a.b.c"),
        (f"{'d' * 1024}.{'t' * 1005}", "b" * 63),
        ("p-2345.ds.t", f"{'b' * 63}.{'c' * 63}.{'d' * 63}.{'e' * 30}"),
    ],
)
def test_bigquery_tables_and_buckets_are_taken_as_google_names_them(
    tmp_path: Path, table: str, bucket: str
) -> None:
    argv = ["--input-format", "csv", "--input-location", "in", "--contract", "c.yaml", "--batch-id", "b1"]
    args = parse_args([*argv, "--sink", "bigquery", "--output-table", table, "--temp-bucket", bucket])
    assert (args.output_table, args.temp_bucket) == (table, bucket)


def test_a_batch_id_has_at_most_128_characters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = local_run_arguments(tmp_path)
    assert parse_args([*argv, "--batch-id", "b" * 128]).batch_id == "b" * 128
    with pytest.raises(SystemExit) as caught:
        parse_args([*argv, "--batch-id", "b" * 129])
    assert caught.value.code == 2
    assert f"argument --batch-id: '{'b' * 129}' is not a valid batch id" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("path", "location", "inside"),
    [
        ("gs://b/raw/out", "gs://b/raw/", True),
        ("gs://b/raw", "gs://b/raw", True),
        ("gs://b/raw-out", "gs://b/raw", False),
        ("gs://b/out", "gs://b/raw", False),
        ("/data/in/../out", "/data/in", False),
        ("file:///data/in/x", "/data/in", True),
        ("file:/data/in/x", "/data/in", True),  # Hadoop writes file: URIs with one slash
        # A glob: under the folder where it starts, and matching its first part.
        ("w/in-out", "w/in*", True),
        ("gs://b/raw/out", "gs://b/raw/*", True),
        ("w/out", "w/*.csv", False),
        ("data", "data/*.csv", True),  # the folder where the glob starts
        ("gs://b/x/out", "gs://b/{x,y}/*.csv", True),
        ("warehouse", "{landing,other}/*.csv", False),
        ("data/out", "data/{2024,2025}/*.csv", False),
        ("data/out", "data/[^x]*", True),  # Hadoop's negated class, which fnmatch spells [!x]
        ("data/out", "data/[^o]*", False),
        ("data/out", "data/[!x]*", True),
        # Hadoop's escapes: the location names the folder `i[n]`, whose pattern matches none other.
        ("data/i[n]/out", r"data/i\[n\]", True),
        ("data/i[n]/out", r"data/i\[n\]/*", True),
        ("data/in/out", r"data/i\[n\]", False),
        ("data/i[n]/out", "data/i[n]", False),
        ("data/in/out", "data/i[n]", True),
        ("data/a*/out", r"data/a\*", True),
        ("data/ab/out", r"data/a\*", False),
        ("data/{x}/out", r"data/\{x\}", True),
        ("data/x,y", "data/x,y", True),  # a comma outside braces is itself
        ("data/x", "data/{x", False),  # unclosed: Hadoop refuses the pattern, which then reads nothing
        # URIs as Hadoop resolves them.
        ("gs://b/out", "gs://b/raw/../out", True),
        ("gs://b/raw/out", "gs://b//raw", True),
    ],
)
def test_an_output_path_is_inside_the_input_only_when_it_is_the_location_or_under_it(
    path: str, location: str, inside: bool
) -> None:
    assert within(path, location) is inside


@pytest.mark.parametrize(
    "report",
    [
        "in2/report.json",  # a sibling folder, not the input
        "in/_report.json",  # named as Spark skips it, so never read as input
        "in/.report.json",
        "in/_reports/r.json",  # in a folder Spark skips
    ],
)
def test_a_report_beside_the_input_or_named_as_spark_skips_is_accepted(tmp_path: Path, report: str) -> None:
    base = ["--input-format", "csv", "--input-location", str(tmp_path / "in"), "--contract", "c.yaml"]
    base += ["--sink", "local", "--output-path", str(tmp_path / "out"), "--batch-id", "b1"]
    config = parse_args([*base, "--report-path", str(tmp_path / report)])
    assert config.report_path == str(tmp_path / report)


@pytest.mark.parametrize(
    ("location", "report", "message"),
    [
        (
            "gs://b/in",
            "gs://b/in/r.json",
            "--report-path 'gs://b/in/r.json' is inside --input-location 'gs://b/in'",
        ),
        ("in", "x" * 300 + "/r.json", "cannot be checked: File name too long"),
    ],
)
def test_a_report_path_refused_without_a_local_file_to_look_at(
    location: str, report: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--input-format", "csv", "--input-location", location, "--contract", "c.yaml", "--batch-id", "b1"]
    with pytest.raises(SystemExit) as caught:
        parse_args([*argv, "--sink", "local", "--output-path", "o", "--report-path", report])
    assert caught.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        ("gs://bucket/contracts/0123/orders.yaml", True),  # as the batch passes its contract
        ("file:/tmp/orders.yaml", True),
        ("FILE:///tmp/orders.yaml", True),
        ("orders.yaml", False),
        ("/tmp/orders.yaml", False),
        ("contracts/a:b.yaml", False),
        # Hadoop reads a colon before any slash as the end of a scheme, with or without `//`.
        ("s3a:/bucket/r.json", True),
        ("gs:bucket", True),
    ],
)
def test_a_path_naming_its_file_system_is_read_through_spark(path: str, uri: bool) -> None:
    assert is_uri(path) is uri
