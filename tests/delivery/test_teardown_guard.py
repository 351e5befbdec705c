from pathlib import Path

import pytest
import teardown_guard
from teardown_guard import TeardownRefusedError, check_teardown, protected_stacks

from tests.delivery.script_runs import run_script

DECLARED = ["dev", "prod"]


def test_an_unprotected_stack_is_torn_down_without_confirmation() -> None:
    check_teardown("dev", "", DECLARED, {"prod"})


def test_a_protected_stack_is_torn_down_when_the_confirmation_repeats_its_name() -> None:
    check_teardown("prod", "prod", DECLARED, {"prod"})


@pytest.mark.parametrize("confirmation", ["", "yes", "Prod", "dev"])
def test_a_protected_stack_is_refused_without_its_exact_name(confirmation: str) -> None:
    with pytest.raises(TeardownRefusedError, match="stack 'prod' is protected: type its name"):
        check_teardown("prod", confirmation, DECLARED, {"prod"})


def test_an_unknown_stack_is_refused_naming_the_declared_ones() -> None:
    expected = r"stack 'qa' has no Pulumi.qa.yaml; declared stacks: dev, prod"
    with pytest.raises(TeardownRefusedError, match=expected):
        check_teardown("qa", "qa", DECLARED, set())


@pytest.mark.parametrize(
    "setting", [" prod, staging  eu.prod,", '["prod", "staging", "eu.prod"]', "prod;staging|eu.prod"]
)
def test_protected_stacks_are_separated_by_what_a_stack_name_cannot_hold(setting: str) -> None:
    assert protected_stacks(setting) == {"prod", "staging", "eu.prod"}


@pytest.mark.parametrize(
    ("setting", "problem"),
    [
        ("Prod", "'Prod' names Prod, which no Pulumi.<stack>.yaml declares"),
        ("prod prd", "'prod prd' names prd, which no Pulumi.<stack>.yaml declares"),
        ("pröd", "'pröd' names d, pr, which no Pulumi.<stack>.yaml declares"),
        (",", "',' names no stack"),
        ("—", "'—' names no stack"),
    ],
)
def test_a_setting_that_protects_less_than_meant_refuses_every_teardown(
    tmp_path: Path, setting: str, problem: str
) -> None:
    """A setting naming no stack, or an undeclared one; the default (prod) needs no prod stack."""
    for stack in DECLARED:
        (tmp_path / f"Pulumi.{stack}.yaml").write_text("config: {}\n")
    run = run_script(teardown_guard, "dev", "", str(tmp_path), env={"PROTECTED_STACKS": setting})
    assert (run.returncode, run.stderr.strip()) == (
        1,
        f"::error::teardown refused: PROTECTED_STACKS {problem} (declared: dev, prod): correct the setting",
    )
    (tmp_path / "Pulumi.prod.yaml").unlink()
    run = run_script(teardown_guard, "dev", "", str(tmp_path), env={})
    assert (run.returncode, run.stdout.strip()) == (0, "teardown of stack 'dev' allowed")


@pytest.mark.parametrize("setting", ["", " ", None])
def test_the_script_fails_with_one_error_line_for_the_workflow(tmp_path: Path, setting: str | None) -> None:
    """A blank setting protects the default stacks."""
    (tmp_path / "Pulumi.prod.yaml").write_text("config: {}\n")
    environment = {} if setting is None else {"PROTECTED_STACKS": setting}
    run = run_script(teardown_guard, "prod", "", str(tmp_path), env=environment)
    assert run.returncode == 1
    assert run.stderr.strip() == (
        "::error::teardown refused: stack 'prod' is protected: type its name in the confirmation input "
        "to tear it down (its protected data resources are kept either way)"
    )


def test_the_setting_names_the_protected_stacks_instead_of_the_default(tmp_path: Path) -> None:
    for stack in ("prod", "staging"):
        (tmp_path / f"Pulumi.{stack}.yaml").write_text("config: {}\n")

    def status(stack: str) -> int:
        return run_script(
            teardown_guard, stack, "", str(tmp_path), env={"PROTECTED_STACKS": "staging"}
        ).returncode

    assert (status("prod"), status("staging")) == (0, 1)


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        (["prod"], "the following arguments are required: confirmation"),
        ([], "the following arguments are required: stack, confirmation"),
        (["prod", "prod", ".", "extra"], "unrecognized arguments: extra"),
        # A mistyped root declares no stack: the refusal would blame the stack, not the typo.
        (["prod", "prod", "/nonexistent"], "argument repo_root: /nonexistent is not a directory"),
    ],
)
def test_a_wrong_command_line_fails_with_one_error_line(arguments: list[str], problem: str) -> None:
    run = run_script(teardown_guard, *arguments)
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr.strip() == (
        f"::error::teardown_guard: {problem} (usage: teardown_guard.py [-h] stack confirmation [repo_root])"
    )


def test_a_confirmation_starting_with_a_dash_is_an_argument_after_the_separator(tmp_path: Path) -> None:
    """As teardown.yml calls the script: `--` before the inputs."""
    (tmp_path / "Pulumi.prod.yaml").write_text("config: {}\n")
    run = run_script(teardown_guard, "--", "prod", "-prod", str(tmp_path), env={})
    assert run.returncode == 1
    assert run.stderr.startswith("::error::teardown refused: stack 'prod' is protected")
