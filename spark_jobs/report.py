"""The job's report: one JSON object per run, printed as a single log line and optionally saved to a file.

The shape is defined here once. The monitoring's log-based metrics import the field names from this module
instead of retyping them, so the line the job prints and the line the metrics parse cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

REPORT_EVENT = "pipeline_report"

STATUS_SUCCEEDED = "SUCCEEDED"
STATUS_FAILED = "FAILED"

# Field names of the report line.
EVENT = "event"
PIPELINE = "pipeline"
"""Holds the contract's table, which names the pipeline in the report, its metrics and its BigQuery jobs (the
stack's config names a pipeline otherwise, in its resources and batch ids)."""
BATCH_ID = "batch_id"
STATUS = "status"
ERROR = "error"
INPUT_FILES = "input_files"
INPUT_FILE_COUNT = "input_file_count"
ROWS_READ = "rows_read"
ROWS_PASSED = "rows_passed"
ROWS_LOADED = "rows_loaded"
ROWS_REJECTED = "rows_rejected"
REJECTIONS_BY_RULE = "rejections_by_rule"
COLUMNS_WITHOUT_VALUES = "columns_without_values"
STARTED_AT = "started_at"
ENDED_AT = "ended_at"
DURATION_SECONDS = "duration_seconds"


@dataclass
class Progress:
    """What a run has established so far: the files it read and its counts. The job fills it in step by
    step, so that the report shows what was established even when a later step fails."""

    input_files: tuple[str, ...] = ()
    rows_read: int = 0
    rows_passed: int = 0
    """Rows that passed every rule: `rows_loaded` once the main table's write succeeded, else not loaded."""
    rows_loaded: int = 0
    rows_rejected: int = 0
    rejections_by_rule: dict[str, int] = field(default_factory=dict)
    columns_without_values: tuple[str, ...] = ()
    """The contract's columns that no row read gives a value: a field named otherwise in JSON or Parquet
    files (`customerId` for `customer_id`) would otherwise load as nulls without a word."""


@dataclass(frozen=True)
class Report:
    """What one run did. Counts are zero when the run failed before counting."""

    pipeline: str
    batch_id: str
    started_at: dt.datetime
    ended_at: dt.datetime
    status: str = STATUS_SUCCEEDED
    error: str | None = None
    progress: Progress = field(default_factory=Progress)

    def __post_init__(self) -> None:
        if self.status not in (STATUS_SUCCEEDED, STATUS_FAILED):
            raise ValueError(
                f"report status must be {STATUS_SUCCEEDED} or {STATUS_FAILED}, got {self.status!r}"
            )
        if (self.status == STATUS_FAILED) != (self.error is not None):
            raise ValueError("a report has an error exactly when its status is FAILED")

    @property
    def duration_seconds(self) -> float:
        """Never negative: a wall clock set back during the run gives 0, which the duration metric reads (it
        extracts unsigned numbers)."""
        return max(0.0, round((self.ended_at - self.started_at).total_seconds(), 3))

    def to_dict(
        self,
        max_input_files: int | None = None,
        max_error_chars: int | None = None,
        max_rules: int | None = None,
    ) -> dict[str, object]:
        """The report's fields; when given, `input_files` holds the first `max_input_files` names, `error` is
        `shortened` to `max_error_chars`, `rejections_by_rule` holds the `max_rules` rules with the most
        rejections, and `columns_without_values` the first `max_rules` columns."""
        done = self.progress
        # The short fields the monitoring reads come first, the long lists last: were a logging layer to split
        # a long line, its first part would still count the run.
        return {
            EVENT: REPORT_EVENT,
            STATUS: self.status,
            PIPELINE: self.pipeline,
            BATCH_ID: self.batch_id,
            ROWS_READ: done.rows_read,
            ROWS_PASSED: done.rows_passed,
            ROWS_LOADED: done.rows_loaded,
            ROWS_REJECTED: done.rows_rejected,
            STARTED_AT: _iso_utc(self.started_at),
            ENDED_AT: _iso_utc(self.ended_at),
            DURATION_SECONDS: self.duration_seconds,
            INPUT_FILE_COUNT: len(done.input_files),
            ERROR: shortened(self.error, max_error_chars) if self.error and max_error_chars else self.error,
            REJECTIONS_BY_RULE: dict(sorted(_most_rejections(done.rejections_by_rule, max_rules))),
            COLUMNS_WITHOUT_VALUES: list(done.columns_without_values[:max_rules]),
            INPUT_FILES: list(done.input_files[:max_input_files]),
        }


def _most_rejections(by_rule: Mapping[str, int], most: int | None) -> list[tuple[str, int]]:
    """The `most` rules with the most rejections (ties by name); all of them without `most`."""
    ranked = sorted(by_rule.items(), key=lambda rule: (-rule[1], rule[0]))
    return ranked if most is None else ranked[:most]


def render_report(
    report: Report,
    max_input_files: int | None = None,
    max_error_chars: int | None = None,
    max_rules: int | None = None,
) -> str:
    """The report as one line of compact JSON, its fields in `Report.to_dict`'s order, ready to print."""
    fields = report.to_dict(max_input_files, max_error_chars, max_rules)
    line = json.dumps(fields, separators=(",", ":"), ensure_ascii=False)
    # Always UTF-8 on one line: a name the file system gave as undecodable bytes (a surrogate) is escaped,
    # and so are the Unicode line separators, which some readers split lines at.
    return line.encode("utf-8", "backslashreplace").decode("utf-8").translate(_LINE_SEPARATORS)


_LINE_SEPARATORS = {ord(separator): f"\\u{ord(separator):04x}" for separator in "\x85\u2028\u2029"}


def shortened(text: str, max_chars: int) -> str:
    """`text`, cut to `max_chars` characters and saying so when longer."""
    if len(text) <= max_chars:
        return text
    return f"{text[:max_chars]}... ({len(text)} characters in all)"


# How many input files the logged line names, how much of its error, and how many rules it counts: Cloud
# Logging refuses an entry over 256 KB, which a line missing from the logs would leave the monitoring without
# its run. The job reads every file under its prefix, a list that grows with each delivery, an error may
# quote a whole input value (a binary file's "header"), and a wide contract has thousands of rules and
# columns with names of hundreds of characters (the rules' limit applies to the columns too). The saved
# report is whole.
LOGGED_INPUT_FILES = 100
LOGGED_ERROR_CHARS = 4000
LOGGED_RULES = 100
# The caps count names and characters, not bytes: a character JSON escapes takes up to six (`\u0001`), and
# Cloud Storage names may hold control characters and quotes. Past this size, the line names fewer files.
LOGGED_LINE_BYTES = 200_000


def logged_line(report: Report) -> str:
    """The report line to log: `render_report` within the caps above, naming half as many input files at a
    time (down to none) while it is longer than `LOGGED_LINE_BYTES`."""
    files = LOGGED_INPUT_FILES
    while True:
        line = render_report(report, files, LOGGED_ERROR_CHARS, LOGGED_RULES)
        if files == 0 or len(line.encode("utf-8")) <= LOGGED_LINE_BYTES:
            return line
        files //= 2


def write_report(report: Report, path: str | Path) -> None:
    """Save the report line to a local file, creating its directory."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_report(report) + "\n", encoding="utf-8")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso_utc(moment: dt.datetime) -> str:
    """ISO-8601 in UTC with a Z suffix and millisecond precision; a naive time is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
