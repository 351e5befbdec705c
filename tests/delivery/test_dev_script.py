"""`./dev`, the entry point people and CI share, on machines other than this one: macOS has `shasum`, not
`sha256sum`, and a `java` that only says that no Java runtime is installed.

Each test runs a copy of the script in a folder of its own, its PATH a folder of the few commands it is
given, and its `.venv` a stand-in Python that records what it was asked to do.
"""

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOCK = "requirements-dev.txt"
# What the script runs besides the tools each test chooses.
BASE_COMMANDS = ("bash", "env", "cat", "cut", "dirname", "sed", "grep", "perl")


def _project(tmp_path: Path, *, installed: bool) -> Path:
    """A copy of `dev` and the lock file, with a stand-in `.venv`, marked as installed from this lock."""
    project = tmp_path / "project"
    (project / ".venv" / "bin").mkdir(parents=True)
    shutil.copy(ROOT / "dev", project / "dev")
    shutil.copy(ROOT / LOCK, project / LOCK)
    _executable(project / ".venv" / "bin" / "python", f'echo "python $*" >> "{tmp_path}/calls"\n')
    digest = hashlib.sha256((project / LOCK).read_bytes()).hexdigest() if installed else "older"
    (project / ".venv" / ".installed-lock").write_text(digest + "\n")
    return project


def _executable(path: Path, body: str) -> None:
    path.write_text("#!/usr/bin/env bash\n" + body)
    path.chmod(0o755)


def _path_of(tmp_path: Path, commands: tuple[str, ...]) -> str:
    """A PATH holding only `commands` (linked from this machine's)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for command in commands:
        found = shutil.which(command)
        if found is None:
            pytest.skip(f"this machine has no {command} to give the script")
        (bin_dir / command).symlink_to(found)
    return str(bin_dir)


def _run(project: Path, path: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(project / "dev"), *arguments],
        env={"PATH": path, "HOME": str(project)},
        capture_output=True,
        text=True,
        check=False,
    )


def _calls(tmp_path: Path) -> list[str]:
    calls = tmp_path / "calls"
    return calls.read_text().splitlines() if calls.exists() else []


@pytest.mark.parametrize("digest_tool", ["sha256sum", "shasum"])
def test_an_installed_venv_is_recognised_with_either_checksum_tool(tmp_path: Path, digest_tool: str) -> None:
    project = _project(tmp_path, installed=True)
    result = _run(project, _path_of(tmp_path, (*BASE_COMMANDS, digest_tool)), "install")
    assert (result.returncode, result.stderr) == (0, "")
    assert _calls(tmp_path) == []  # nothing reinstalled


def test_a_changed_lock_is_installed_again_with_shasum(tmp_path: Path) -> None:
    project = _project(tmp_path, installed=False)
    result = _run(project, _path_of(tmp_path, (*BASE_COMMANDS, "shasum")), "install")
    assert result.returncode == 0, result.stderr
    assert _calls(tmp_path) == [f"python -m pip install --quiet --require-hashes -r {LOCK}"]
    expected = hashlib.sha256((project / LOCK).read_bytes()).hexdigest()
    assert (project / ".venv" / ".installed-lock").read_text() == expected + "\n"


def test_a_java_that_cannot_run_is_no_java(tmp_path: Path) -> None:
    """macOS's `java` without a runtime: it exists, but asking its version fails."""
    project = _project(tmp_path, installed=True)
    path = _path_of(tmp_path, (*BASE_COMMANDS, "sha256sum"))
    _executable(Path(path) / "java", 'echo "The operation could not be completed." >&2; exit 1\n')
    result = _run(project, path, "demo")
    assert (result.returncode, result.stderr) == (
        1,
        "dev: Java (17 or newer) is needed to run Spark locally\n",
    )
    assert _calls(tmp_path) == []
