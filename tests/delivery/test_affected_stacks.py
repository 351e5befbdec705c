import subprocess
from pathlib import Path

import affected_stacks as script
import pytest
from affected_stacks import affected_stacks, contracts_named, declared_stacks, stacks_to_deploy

from tests.delivery.script_runs import run_script

STACKS = ["dev", "prod"]


@pytest.mark.parametrize(
    ("changed", "expected"),
    [
        (["infra/storage.py"], ["dev", "prod"]),
        (["spark_jobs/contracts/orders.yaml"], ["dev", "prod"]),
        (["policy/buckets.py"], ["dev", "prod"]),
        (["requirements.txt"], ["dev", "prod"]),
        (["Pulumi.yaml"], ["dev", "prod"]),
        (["Pulumi.prod.yaml"], ["prod"]),
        (["Pulumi.dev.yaml", "README.md"], ["dev"]),
        (
            [
                "README.md",
                "tests/infra/test_storage.py",
                ".github/workflows/deploy.yml",
                ".github/dependabot.yml",
            ],
            [],
        ),
        (
            [".github/scripts/teardown_guard.py", "dev", ".ci/run", "docs/setup.md", "benchmarks/measure.py"],
            [],
        ),
        # What CI runs the CLI with: the Python locks, the type checker's settings, the shared job and action.
        (["requirements-dev.txt"], ["dev", "prod"]),
        (["pyproject.toml"], ["dev", "prod"]),
        ([".github/workflows/pulumi.yml"], ["dev", "prod"]),
        ([".github/actions/pulumi-env/action.yml"], ["dev", "prod"]),
        (["a-new-kind-of-file.json"], ["dev", "prod"]),
        ([], []),
    ],
)
def test_a_change_affects_the_stacks_that_read_the_files(changed: list[str], expected: list[str]) -> None:
    assert affected_stacks(changed, STACKS) == expected


def test_lines_read_from_git_diff_are_stripped_and_blank_lines_ignored() -> None:
    assert affected_stacks(["Pulumi.dev.yaml\n", "\n"], STACKS) == ["dev"]


def test_a_contract_affects_the_stacks_that_name_it_wherever_it_is(tmp_path: Path) -> None:
    """A stack may take its contract from a folder whose files otherwise affect no stack."""
    (tmp_path / "Pulumi.dev.yaml").write_text(
        "config:\n  app:pipelines:\n    - name: orders\n      contract: tests/fixtures/orders.yaml\n"
        "    - {name: events, contract: './docs/events.yaml', inputFormat: json}\n"
    )
    (tmp_path / "Pulumi.prod.yaml").write_text(
        'config:\n  app:pipelines:\n    - name: orders\n      contract: "spark_jobs/contracts/orders.yaml"\n'
    )
    contracts = contracts_named(tmp_path, STACKS)
    assert contracts == {
        "dev": {"tests/fixtures/orders.yaml", "docs/events.yaml"},
        "prod": {"spark_jobs/contracts/orders.yaml"},
    }
    assert affected_stacks(["tests/fixtures/orders.yaml"], STACKS, contracts) == ["dev"]
    assert affected_stacks(["docs/events.yaml", "README.md"], STACKS, contracts) == ["dev"]
    # A YAML file no stack is found naming may still be one's contract (named in a form the script does
    # not read, or through a symbolic link): the safe side is every stack.
    assert affected_stacks(["tests/fixtures/other.yaml"], STACKS, contracts) == STACKS
    assert affected_stacks(["benchmarks/orders_contract.yaml"], STACKS, contracts) == STACKS
    for extension in ("yml", "YAML", "json"):
        assert affected_stacks([f"docs/contract.{extension}"], STACKS, contracts) == STACKS
    assert affected_stacks(["tests/fixtures/notes.txt", ".github/dependabot.yml"], STACKS, contracts) == []
    assert affected_stacks(["spark_jobs/contracts/orders.yaml"], STACKS, contracts) == STACKS


def test_a_deleted_stack_file_affects_no_remaining_stack() -> None:
    assert affected_stacks(["Pulumi.staging.yaml"], STACKS) == []


def test_stacks_are_the_pulumi_stack_files_at_the_repository_root(tmp_path: Path) -> None:
    for name in ["Pulumi.yaml", "Pulumi.prod.yaml", "Pulumi.dev.yaml", "Pulumi.eu-test.yaml", "notes.yaml"]:
        (tmp_path / name).write_text("config: {}\n")
    assert declared_stacks(tmp_path) == ["dev", "eu-test", "prod"]


def test_each_stack_is_compared_with_the_commit_it_was_last_deployed_from(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    def commit(path: str, text: str) -> None:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
        git("add", path)
        git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", path)

    git("init", "-q")
    commit("Pulumi.dev.yaml", "config: {}\n")
    commit("Pulumi.prod.yaml", "config: {}\n")
    assert stacks_to_deploy(tmp_path) == ["dev", "prod"]  # never deployed: everything counts
    git("tag", "deployed/dev")
    git("tag", "deployed/prod")
    commit("infra/storage.py", "# a change whose prod deploy failed or was not approved\n")
    git("tag", "-f", "deployed/dev")
    commit("Pulumi.dev.yaml", "config: {a: 1}\n")
    assert stacks_to_deploy(tmp_path) == ["dev", "prod"]  # prod still lacks the program's change
    git("tag", "-f", "deployed/prod")
    commit("README.md", "docs\n")
    assert stacks_to_deploy(tmp_path) == ["dev"]  # dev was not deployed since its own file changed
    git("tag", "-f", "deployed/dev")
    (tmp_path / "tests").mkdir()
    git("mv", "infra/storage.py", "tests/storage.py")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "move")
    assert stacks_to_deploy(tmp_path) == ["dev", "prod"]  # a program file gone is a change, not a test edit
    git("tag", "-f", "deployed/dev")
    git("tag", "-f", "deployed/prod")
    commit("docs/café.md", "a name git would quote\n")
    assert stacks_to_deploy(tmp_path) == []
    latin1 = b"docs/caf\xe9.md"  # a name that is not UTF-8
    (tmp_path / "docs").joinpath(latin1.decode("utf-8", "surrogateescape")[5:]).write_text("old notes\n")
    git("add", "docs")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "latin-1")
    assert stacks_to_deploy(tmp_path) == []


def test_a_stack_is_also_compared_with_a_deploy_that_began_and_did_not_succeed(tmp_path: Path) -> None:
    """A failed `up` may have applied part of its commit: reverting it must still deploy the stack."""

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            cwd=tmp_path,
            check=True,
            capture_output=True,
        )

    git("init", "-q")
    for stack in ("dev", "prod"):
        (tmp_path / f"Pulumi.{stack}.yaml").write_text("config: {}\n")
    git("add", ".")
    git("commit", "-qm", "stacks")
    git("tag", "deployed/dev")
    git("tag", "deployed/prod")
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "network.py").write_text("# a change whose prod deploy failed partway\n")
    git("add", ".")
    git("commit", "-qm", "change")
    git("tag", "-f", "deployed/dev")
    git("tag", "attempted/prod")
    git("revert", "--no-edit", "HEAD")
    # The revert matches prod's deployed commit, but not what its failed deploy may have left...
    assert stacks_to_deploy(tmp_path) == ["dev", "prod"]
    git("tag", "-f", "deployed/dev")
    git("tag", "-f", "attempted/prod")  # ...nor what the revert's own failed deploy left, of either
    (tmp_path / "README.md").write_text("docs\n")
    git("add", ".")
    git("commit", "-qm", "docs")
    assert stacks_to_deploy(tmp_path) == ["prod"]  # every file counts until prod deploys successfully
    git("tag", "-f", "deployed/dev")
    git("tag", "-f", "deployed/prod")
    git("tag", "-d", "attempted/prod")  # as a successful deploy's marker deletes it
    assert stacks_to_deploy(tmp_path) == []


def test_the_workflows_command_lines_print_the_stacks_as_json(tmp_path: Path) -> None:
    """As pull-request.yml (changed files on stdin) and deploy.yml (--since-deployed) call the script."""
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  app:pipelines:\n    - {contract: tests/c.yaml}\n")
    (tmp_path / "Pulumi.prod.yaml").write_text("config: {}\n")

    def run(*arguments: str, stdin: str = "") -> str:
        done = run_script(script, str(tmp_path), *arguments, stdin=stdin)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert run(stdin="tests/c.yaml\nREADME.md\n") == '["dev"]'
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    assert run("--since-deployed") == "[]"  # nothing committed, nothing deployed: no file to compare


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        # A misspelled option once printed [] and exited 0: the deploy then quietly did nothing.
        (["--since-deployd", "."], "unrecognized arguments: --since-deployd"),
        (["--since-deployed", ".", "extra"], "unrecognized arguments: extra"),
        # argparse would take a shortened option as the whole one.
        (["--since", "."], "unrecognized arguments: --since"),
        # A mistyped root declares no stack, which also printed [].
        (["--since-deployed", "/nonexistent"], "argument repo_root: /nonexistent is not a directory"),
    ],
)
def test_a_wrong_command_line_fails_with_one_error_line(arguments: list[str], problem: str) -> None:
    run = run_script(script, *arguments, stdin="infra/storage.py\n")
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr.strip() == (
        f"::error::affected_stacks: {problem} (usage: affected_stacks.py [-h] [--since-deployed] [repo_root])"
    )


def test_a_git_failure_fails_with_one_error_line(tmp_path: Path) -> None:
    """Outside a git repository: no deployed commits to compare with, no files to list."""
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    run = run_script(
        script, "--since-deployed", str(tmp_path), env={"GIT_CEILING_DIRECTORIES": str(tmp_path.parent)}
    )
    assert (run.returncode, run.stdout) == (1, "")
    [line] = run.stderr.strip().splitlines()
    assert line.startswith("::error::affected_stacks: git failed: fatal: not a git repository")
