"""Running a workflow script as the workflows do: in its own process, from its file."""

import subprocess
import sys
from types import ModuleType


def run_script(
    script: ModuleType, *arguments: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The finished run of `script` with `arguments` (and `env` as its whole environment, when given), its
    output captured as text, whatever its exit status."""
    return subprocess.run(
        [sys.executable, str(script.__file__), *arguments],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
