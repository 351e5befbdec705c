"""Which Pulumi stacks a set of changed files can affect, printed as a JSON list for a workflow matrix.

Usage: git diff --name-only BASE HEAD | python3 .github/scripts/affected_stacks.py [REPO_ROOT]

A stack is a `Pulumi.<stack>.yaml` file at the repository root. A change to one stack file affects only
that stack; a change to a file that cannot reach any stack (docs, tests, the quality gate, developer
tooling) affects none; any other file affects every stack: the program, the Spark template it uploads, the
policy pack, the locks CI installs the CLI's Python from, the mypy settings Pulumi type-checks with, and
the workflow and action that run the CLI. Unknown paths count as affecting every stack: a new kind of file
is previewed, never skipped.
"""

import json
import re
import sys
from collections.abc import Iterable
from fnmatch import fnmatch
from pathlib import Path

STACK_FILE = re.compile(r"^Pulumi\.(?P<stack>[A-Za-z0-9_.-]+)\.yaml$")

# Files no stack reads: changing only these previews and deploys nothing.
NO_STACK_EFFECT = (
    "*.md",
    "docs/*",
    "tests/*",
    ".ci/*",
    ".github/dependabot.yml",
    ".github/scripts/*",
    ".github/workflows/check.yml",
    ".github/workflows/deploy.yml",
    ".github/workflows/pull-request.yml",
    ".github/workflows/teardown.yml",
    ".gitignore",
    "benchmarks/*",
    "dev",
)


def declared_stacks(repo_root: Path) -> list[str]:
    """The stacks that have a settings file at the repository root, sorted."""
    found = (STACK_FILE.match(path.name) for path in repo_root.glob("Pulumi.*.yaml"))
    return sorted(match["stack"] for match in found if match)


def affected_stacks(changed_files: Iterable[str], stacks: list[str]) -> list[str]:
    """The subset of `stacks` (in their order) that the changed files can affect."""
    affected: set[str] = set()
    for path in (line.strip() for line in changed_files):
        if not path or any(fnmatch(path, pattern) for pattern in NO_STACK_EFFECT):
            continue
        stack_file = STACK_FILE.match(path)
        if stack_file:
            affected.add(stack_file["stack"])
        else:
            return list(stacks)
    return [stack for stack in stacks if stack in affected]


def main() -> None:
    repo_root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()
    print(json.dumps(affected_stacks(sys.stdin, declared_stacks(repo_root))))


if __name__ == "__main__":
    main()
