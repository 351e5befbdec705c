"""The report line: one JSON object, one line, the agreed keys."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from spark_jobs import report
from spark_jobs.report import (
    REPORT_EVENT,
    STATUS_FAILED,
    Progress,
    Report,
    logged_line,
    render_report,
    shortened,
    write_report,
)

START = dt.datetime(2026, 1, 5, 10, 0, 0, tzinfo=dt.UTC)


def test_report_renders_as_one_sorted_compact_line() -> None:
    line = render_report(
        Report(
            pipeline="orders",
            batch_id="b-1",
            started_at=START,
            ended_at=START + dt.timedelta(seconds=12, milliseconds=345),
            progress=Progress(
                input_files=("gs://raw/a.csv", "gs://raw/b.csv"),
                rows_read=10,
                rows_passed=7,
                rows_loaded=7,
                rows_rejected=3,
                rejections_by_rule={"currency.allowed": 1, "amount.min": 2},
                columns_without_values=("note",),
            ),
        )
    )
    assert "\n" not in line
    assert line == (
        '{"event":"pipeline_report","status":"SUCCEEDED","pipeline":"orders","batch_id":"b-1",'
        '"rows_read":10,"rows_passed":7,"rows_loaded":7,"rows_rejected":3,'
        '"started_at":"2026-01-05T10:00:00.000Z","ended_at":"2026-01-05T10:00:12.345Z",'
        '"duration_seconds":12.345,'
        '"input_file_count":2,"error":null,"rejections_by_rule":{"amount.min":2,"currency.allowed":1},'
        '"columns_without_values":["note"],"input_files":["gs://raw/a.csv","gs://raw/b.csv"]}'
    )


def test_the_logged_line_names_the_first_files_and_counts_them_all() -> None:
    """An input of many files must not make the line too long for Cloud Logging (256 KB an entry)."""
    files = tuple(f"gs://raw/orders/part-{index:05d}.csv" for index in range(5000))
    many = Report(
        pipeline="orders",
        batch_id="b-1",
        started_at=START,
        ended_at=START,
        progress=Progress(input_files=files),
    )
    logged = json.loads(render_report(many, 100))
    assert (logged[report.INPUT_FILES], logged[report.INPUT_FILE_COUNT]) == (list(files[:100]), 5000)
    assert len(render_report(many, 100)) < 10_000
    assert json.loads(render_report(many))[report.INPUT_FILES] == list(files)


@pytest.mark.parametrize("character", ["a", '"', "\x01"])
def test_the_logged_line_names_fewer_files_when_their_escaped_names_would_pass_its_size(
    character: str,
) -> None:
    """Cloud Storage names of 1,024 bytes may be quotes or control characters, which JSON escapes."""
    files = tuple(f"gs://raw/{index:03d}{character * 1000}" for index in range(300))
    many = Report(
        pipeline="p", batch_id="b", started_at=START, ended_at=START, progress=Progress(input_files=files)
    )
    line = logged_line(many)
    logged = json.loads(line)
    assert len(line.encode()) <= report.LOGGED_LINE_BYTES
    shown = {"a": 100, '"': 50, "\x01": 25}[character]  # halved until the line fits
    assert (logged[report.INPUT_FILES], logged[report.INPUT_FILE_COUNT]) == (list(files[:shown]), 300)


def test_failed_report_carries_the_error_and_converts_times_to_utc(tmp_path: Path) -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    failed = Report(
        pipeline="orders",
        batch_id="b-2",
        started_at=dt.datetime(2026, 1, 5, 11, 0, tzinfo=paris),
        ended_at=dt.datetime(2026, 1, 5, 11, 0, 1, tzinfo=paris),
        status=STATUS_FAILED,
        error="no input file matches gs://raw/none/",
    )
    target = tmp_path / "nested" / "report.json"
    write_report(failed, target)
    written = json.loads(target.read_text())
    assert written[report.EVENT] == REPORT_EVENT
    assert written[report.STATUS] == "FAILED"
    assert written[report.ERROR] == "no input file matches gs://raw/none/"
    assert written[report.STARTED_AT] == "2026-01-05T10:00:00.000Z"
    assert written[report.DURATION_SECONDS] == 1.0
    assert (written[report.ROWS_READ], written[report.INPUT_FILES], written[report.REJECTIONS_BY_RULE]) == (
        0,
        [],
        {},
    )


def test_the_logged_line_counts_the_rules_with_the_most_rejections_and_names_the_first_empty_columns() -> (
    None
):
    """A contract of thousands of long column names would otherwise make the line too long to be logged."""
    by_rule = {f"{'c' * 250}{index:04d}.required": index % 7 + 1 for index in range(1000)}
    empty = tuple(f"{'e' * 250}{index:04d}" for index in range(1000))
    wide = Report(
        pipeline="p",
        batch_id="b",
        started_at=START,
        ended_at=START,
        progress=Progress(
            rows_read=4000, rows_rejected=4000, rejections_by_rule=by_rule, columns_without_values=empty
        ),
    )
    logged = render_report(wide, 100, 4000, 100)
    assert len(logged.encode()) < 70_000
    kept = json.loads(logged)[report.REJECTIONS_BY_RULE]
    assert list(kept) == sorted(kept) and len(kept) == 100 and set(kept.values()) == {7}
    assert json.loads(render_report(wide))[report.REJECTIONS_BY_RULE] == dict(sorted(by_rule.items()))
    assert json.loads(logged)[report.COLUMNS_WITHOUT_VALUES] == list(empty[:100])
    assert json.loads(render_report(wide))[report.COLUMNS_WITHOUT_VALUES] == list(empty)


def test_the_line_is_utf_8_on_one_line_whatever_the_error_holds() -> None:
    """A path the file system gave as undecodable bytes (a surrogate), and the Unicode line separators."""
    error = "cannot read /tmp/\udcff.yaml: a\u2028b\u2029c\x85d"
    failed = Report(
        pipeline="p", batch_id="b", started_at=START, ended_at=START, status=STATUS_FAILED, error=error
    )
    line = render_report(failed)
    assert len(line.encode("utf-8").splitlines()) == len(line.splitlines()) == 1
    assert json.loads(line)[report.ERROR] == error


def test_a_clock_set_back_during_the_run_gives_no_negative_duration() -> None:
    earlier = START - dt.timedelta(seconds=5)
    assert Report(pipeline="p", batch_id="b", started_at=START, ended_at=earlier).duration_seconds == 0.0


def test_status_and_error_must_agree() -> None:
    with pytest.raises(ValueError, match="exactly when its status is FAILED"):
        Report(pipeline="p", batch_id="b", started_at=START, ended_at=START, error="boom")
    with pytest.raises(ValueError, match="must be SUCCEEDED or FAILED"):
        Report(pipeline="p", batch_id="b", started_at=START, ended_at=START, status="DONE")


def test_a_text_is_shortened_only_past_its_limit() -> None:
    assert shortened("x" * 5, 5) == "x" * 5
    assert shortened("x" * 6, 5) == "xxxxx... (6 characters in all)"
