"""Which Pulumi stacks a set of changed files can affect, printed as a JSON list for a workflow matrix.

Usage: git diff --name-only BASE HEAD | python3 .github/scripts/affected_stacks.py [REPO_ROOT]
   or: python3 .github/scripts/affected_stacks.py --since-deployed [REPO_ROOT]
An unknown option (a misspelled `--since-deployed`) or an extra argument exits with status 2 and one error
line, rather than print a list no deploy would act on.
The second form compares each stack with the commit it was last deployed from, which the deploy workflow
marks with the tag `deployed/<stack>` (every file counts as changed when a stack has no such tag): a change
that a failed, cancelled or rejected deploy left out is still deployed by the next push. A stack whose deploy
began and did not succeed since (the tag `attempted/<stack>`) may hold part of any commit: every file counts
as changed until a deploy succeeds, so a revert of a partly applied commit is deployed too.

A stack is a `Pulumi.<stack>.yaml` file at the repository root. A change to one stack file affects only
that stack; a change to a data contract its pipelines name affects at least that stack, wherever the file
is (one under `spark_jobs/` affects every stack, as the Spark template does), and any other YAML file
outside `.github/` affects every stack (it may be a contract named in a way the script cannot read); a
change to a file that cannot reach any stack (docs, tests, the quality gate, developer tooling) affects
none; any other file affects every stack: the program, the Spark template it uploads, the policy pack, the
locks CI installs the CLI's Python from, the mypy settings Pulumi type-checks with, and the workflow and
action that run the CLI. Unknown paths count as affecting every stack: a new kind of file is previewed,
never skipped.
"""

import json
import posixpath
import re
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from fnmatch import fnmatch
from pathlib import Path

from strict_args import StrictArgumentParser, UsageError

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
    ".github/workflows/mark-deployed.yml",
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


def contracts_named(repo_root: Path, stacks: list[str]) -> dict[str, set[str]]:
    """Per stack, the data contract files its pipelines name (`contract: <path>` in its stack file)."""
    return {
        stack: {
            posixpath.normpath(path)
            for path in _CONTRACT_SETTING.findall(
                (repo_root / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8")
            )
        }
        for stack in stacks
    }


# A pipeline's contract setting, in block (`contract: x.yaml`) or flow style (`{…, contract: 'x.yaml'}`): read
# with a pattern because the workflow runs this script on the runner's bare Python, without a YAML library.
# A commented-out setting counts too, which at worst previews a stack for nothing.
_CONTRACT_SETTING = re.compile(r"\bcontract:[ \t]*[\"']?([^\"'\s,}#]+)")


def affected_stacks(
    changed_files: Iterable[str], stacks: list[str], contracts: Mapping[str, set[str]] | None = None
) -> list[str]:
    """The subset of `stacks` (in their order) that the changed files can affect; `contracts` are the
    contract files each stack names (`contracts_named`), which affect it wherever they are."""
    affected: set[str] = set()
    for path in (line.strip() for line in changed_files):
        if not path:
            continue
        naming = {stack for stack, named in (contracts or {}).items() if path in named}
        affected.update(naming)
        if any(fnmatch(path, pattern) for pattern in NO_STACK_EFFECT) and (
            naming or not _may_be_contract(path)
        ):
            continue
        stack_file = STACK_FILE.match(path)
        if stack_file:
            affected.add(stack_file["stack"])
        else:
            return list(stacks)
    return [stack for stack in stacks if stack in affected]


def _may_be_contract(path: str) -> bool:
    """A YAML (or JSON, which YAML reads) file outside `.github/`, which a stack may name as a contract in a
    way the pattern does not read (a folder with a space, a quoted key, a symbolic link to it): when no
    stack is found naming it, it counts as affecting every stack, the safe side."""
    return path.lower().endswith((".yaml", ".yml", ".json")) and not path.startswith(".github/")


# Also spelled in mark-deployed.yml (which moves them) and pulumi.yml (the deployed one, its roll-back
# guard), kept equal by tests/delivery/test_workflows.py.
DEPLOYED_TAG = "deployed/{stack}"
ATTEMPTED_TAG = "attempted/{stack}"


class GitError(Exception):
    """git could not list the changed files."""


def changed_since_deployed(repo_root: Path, stack: str) -> list[str]:
    """The files that differ between HEAD and the commit `stack` was last deployed from: all when none is, or
    when a deploy of it began and did not succeed since."""

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        # Paths as they are: git would quote a name with non-ASCII characters ("docs/caf\303\251.md").
        command = ["git", "-c", "core.quotePath=false", *args]
        # A name that is not UTF-8 (Latin-1 bytes, say) is kept as escapes, not a reason to fail every deploy.
        return subprocess.run(
            command, cwd=repo_root, capture_output=True, text=True, errors="surrogateescape", check=False
        )

    def tagged(tag: str) -> str | None:
        ref = f"refs/tags/{tag.format(stack=stack)}"
        return ref if git("rev-parse", "--quiet", "--verify", f"{ref}^{{commit}}").returncode == 0 else None

    deployed = tagged(DEPLOYED_TAG)
    if deployed is None or tagged(ATTEMPTED_TAG) is not None:
        listed = git("ls-files")
    else:
        listed = git("diff", "--name-only", "--no-renames", deployed, "HEAD")
    if listed.returncode != 0:
        raise GitError(f"git failed: {listed.stderr.strip()}")
    return listed.stdout.splitlines()


def stacks_to_deploy(repo_root: Path) -> list[str]:
    """The declared stacks that the changes since each one's last deploy can affect."""
    stacks = declared_stacks(repo_root)
    contracts = contracts_named(repo_root, stacks)
    return [
        stack
        for stack in stacks
        if stack in affected_stacks(changed_since_deployed(repo_root, stack), stacks, contracts)
    ]


def parse_args(arguments: Sequence[str]) -> tuple[Path, bool]:
    """The repository root and whether to compare with the deployed commits; UsageError for anything else."""
    parser = StrictArgumentParser(
        prog="affected_stacks.py", description="Print the stacks the changed files can affect, as JSON."
    )
    parser.add_argument(
        "--since-deployed",
        action="store_true",
        help="compare each stack with its deployed/<stack> tag (every file, without one or with an "
        "attempted/<stack> tag) instead of reading changed files on stdin",
    )
    parser.add_repo_root()
    parsed = parser.parse_args(arguments)
    return parsed.repo_root, parsed.since_deployed


def main() -> None:
    try:
        repo_root, since_deployed = parse_args(sys.argv[1:])
        if since_deployed:
            stacks = stacks_to_deploy(repo_root)
        else:
            declared = declared_stacks(repo_root)
            stacks = affected_stacks(sys.stdin, declared, contracts_named(repo_root, declared))
    except UsageError as error:
        print(f"::error::affected_stacks: {error}", file=sys.stderr)
        sys.exit(2)
    except GitError as error:
        print(f"::error::affected_stacks: {error}", file=sys.stderr)
        sys.exit(1)
    print(json.dumps(stacks))


if __name__ == "__main__":
    main()
