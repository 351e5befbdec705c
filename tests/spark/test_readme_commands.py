"""The README's commands for running the job locally work as written, so the docs cannot rot.

Each starts its own Spark (a JVM), as a reader's shell would.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).parents[2]


def _readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def _readme_block(after: str) -> str:
    """The first bash block of the README that follows the text `after`."""
    readme = _readme()
    start = readme.index("```bash\n", readme.index(after)) + len("```bash\n")
    return readme[start : readme.index("```", start)]


def _run_in(directory: Path, command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", command],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
    )


def _reports(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def _assert_reconciled_with_rejections(report: dict[str, Any]) -> None:
    assert report["status"] == "SUCCEEDED", report["error"]
    assert report["rows_read"] == report["rows_loaded"] + report["rows_rejected"]
    assert report["rows_loaded"] > 0
    assert report["rows_rejected"] > 0, "the samples hold deliberately bad rows"


@dataclass(frozen=True)
class DemoRun:
    directory: Path
    """Where the demo ran: it wrote its tables under `out/`."""
    result: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """One `./dev demo` for the tests that read what it printed or wrote: each run takes a JVM's start and
    two loads."""
    directory = tmp_path_factory.mktemp("demo")
    result = subprocess.run(
        [str(ROOT / "dev"), "demo", str(directory / "out")], capture_output=True, text=True, check=False
    )
    return DemoRun(directory, result)


def test_dev_demo_prints_a_report_for_each_sample_format(demo: DemoRun) -> None:
    assert demo.result.returncode == 0, demo.result.stderr
    reports = _reports(demo.result.stdout)
    assert [report["batch_id"] for report in reports] == ["demo-csv", "demo-json"]
    for report in reports:
        _assert_reconciled_with_rejections(report)
    assert (demo.directory / "out" / "orders").is_dir()
    assert (demo.directory / "out" / "orders__rejected" / "_batch_id=demo-json").is_dir()
    csv, json_lines = ((report["rows_read"], report["rows_rejected"]) for report in reports)
    promised = (
        f"{csv[0]} rows read and {csv[1]} rejected from CSV, {json_lines[0]} read and {json_lines[1]} "
        "rejected from JSON"
    )
    assert promised in " ".join(_readme().split())


def test_readme_look_at_the_results_works_word_for_word(demo: DemoRun) -> None:
    """The README's ways to see what was rejected and why, and what was loaded, run where `./dev demo`
    wrote."""
    assert demo.result.returncode == 0, demo.result.stderr
    (demo.directory / "spark_jobs").symlink_to(ROOT / "spark_jobs")
    (demo.directory / ".venv").symlink_to(Path(sys.prefix))

    rejected = _run_in(demo.directory, _readme_block("To see the rejected rows and why"))
    loaded = _run_in(demo.directory, _readme_block("To see the loaded rows"))

    assert rejected.returncode == 0, rejected.stderr
    assert "|order_id  |_errors" in rejected.stdout
    assert "[order_date.type: '2026-02-30' is not a valid DATE]" in rejected.stdout
    assert loaded.returncode == 0, loaded.stderr
    # The partition id as BigQuery names it, not inferred as a number (which would show the same digits
    # but lose a leading zero or __HIVE_DEFAULT_PARTITION__): checked through the printed schema's header.
    assert "|  order_id|customer_id|" in loaded.stdout
    assert "| demo-csv|     20260105|" in loaded.stdout


def test_readme_local_run_works_word_for_word(tmp_path: Path) -> None:
    command = _readme_block("Any other run")
    # The command runs from the repository root with its virtualenv: give it both, writing in tmp_path.
    (tmp_path / "spark_jobs").symlink_to(ROOT / "spark_jobs")
    (tmp_path / ".venv").symlink_to(Path(sys.prefix))

    result = _run_in(tmp_path, command)

    assert result.returncode == 0, result.stderr
    [printed] = _reports(result.stdout)
    saved = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert saved == printed
    _assert_reconciled_with_rejections(saved)
    assert (tmp_path / "out" / "orders__rejected" / "_batch_id=my-first-run").is_dir()
