"""The workflows keep the delivery promises that actionlint cannot see: keyless auth, least privilege,
prod behind its environment, one lock per stack shared by deploy and teardown."""

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from affected_stacks import ATTEMPTED_TAG, DEPLOYED_TAG

WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"
ACTIONS = WORKFLOWS.parent / "actions"
PULUMI_ACTION = "pulumi/actions@v7"
AUTH_ACTION = "google-github-actions/auth@v3"


def load(name: str) -> dict[str, Any]:
    loaded: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the key `on` as the boolean True.
    loaded["on"] = loaded.pop(True)
    return loaded


def all_steps() -> list[dict[str, Any]]:
    return [
        step
        for path in sorted(WORKFLOWS.glob("*.yml"))
        for job in load(path.name)["jobs"].values()
        for step in job.get("steps", [])
    ]


def test_google_auth_is_workload_identity_federation_only() -> None:
    auth_steps = [
        step for step in all_steps() if str(step.get("uses", "")).startswith("google-github-actions/auth")
    ]
    assert auth_steps
    for step in auth_steps:
        assert step["uses"] == AUTH_ACTION
        assert set(step["with"]) == {"workload_identity_provider", "service_account"}


def test_pulumi_runs_only_through_the_current_action() -> None:
    pulumi_steps = [step for step in all_steps() if str(step.get("uses", "")).startswith("pulumi/")]
    assert [step["uses"] for step in pulumi_steps] == [PULUMI_ACTION]


def test_the_shared_pulumi_job_installs_and_authenticates_before_running_pulumi() -> None:
    steps = [step.get("uses", "") for step in load("pulumi.yml")["jobs"]["pulumi"]["steps"]]
    assert steps.index("./.github/actions/pulumi-env") < steps.index(AUTH_ACTION) < steps.index(PULUMI_ACTION)


@pytest.mark.parametrize("name", ["pull-request.yml", "deploy.yml", "teardown.yml"])
def test_triggered_workflows_grant_nothing_by_default_and_each_job_only_what_it_needs(name: str) -> None:
    workflow = load(name)
    assert workflow["permissions"] == {}
    allowed = {"contents": "read", "id-token": "write", "pull-requests": "write"}
    for job in workflow["jobs"].values():
        if job.get("uses") == "./.github/workflows/mark-deployed.yml":
            continue  # below
        assert set(job["permissions"].items()) <= set(allowed.items())


def deployed_stacks() -> list[str]:
    """The stacks deploy.yml deploys: its jobs running `up` through the shared Pulumi job, one per stack,
    named so."""
    jobs = load("deploy.yml")["jobs"]
    return [
        name
        for name, job in jobs.items()
        if job.get("uses") == "./.github/workflows/pulumi.yml" and job["with"]["command"] == "up"
    ]


def test_only_the_deploy_and_teardown_markers_write_to_the_repository_and_hold_nothing_else() -> None:
    jobs = load("deploy.yml")["jobs"]
    markers = {
        name: job for name, job in jobs.items() if job.get("uses") == "./.github/workflows/mark-deployed.yml"
    }
    # One marker per deployed stack (a stack added without one would be deployed again on every push).
    # With a status function: the implicit `success()` is false after a skipped job upstream (dev, for a
    # change that affects prod only).
    assert {name: (job["needs"], job["if"], job["with"]) for name, job in markers.items()} == {
        f"mark-{stack}": (
            [stack],
            f"${{{{ always() && needs.{stack}.outputs.started == 'true' }}}}",
            {
                "stack": stack,
                "outcome": f"${{{{ needs.{stack}.result == 'success' && 'deployed' || 'failed' }}}}",
            },
        )
        for stack in deployed_stacks()
    }
    assert {"mark-dev", "mark-prod"} <= set(markers)
    for job in markers.values():
        assert job["permissions"] == {"contents": "write"}
        assert "secrets" not in job
    unmark = load("teardown.yml")["jobs"]["unmark"]
    assert unmark["needs"] == "destroy"
    assert (unmark["permissions"], "secrets" in unmark) == ({"contents": "write"}, False)
    mark = load("mark-deployed.yml")
    assert mark["permissions"] == {}
    [job] = mark["jobs"].values()
    assert job["permissions"] == {"contents": "write"}
    assert all("uses" not in step for step in job["steps"])  # no checkout: none of the repository's code runs


def test_deploys_compare_each_stack_with_the_commit_it_was_last_deployed_from() -> None:
    changes = load("deploy.yml")["jobs"]["changes"]
    checkout, affected = changes["steps"]
    assert (checkout["with"]["fetch-depth"], checkout["with"]["fetch-tags"]) == (0, True)
    assert "python3 .github/scripts/affected_stacks.py --since-deployed" in affected["run"]


def test_pull_requests_preview_with_a_comment_and_never_deploy() -> None:
    preview = load("pull-request.yml")["jobs"]["preview"]
    assert preview["with"]["command"] == "preview"
    assert preview["permissions"]["pull-requests"] == "write"
    assert "environment" not in preview["with"]


def test_main_deploys_dev_then_every_other_stack_through_its_environment() -> None:
    workflow = load("deploy.yml")
    assert workflow["on"] == {"push": {"branches": ["main"]}}
    stacks = deployed_stacks()
    assert {"dev", "prod"} <= set(stacks)
    for stack in stacks:
        job = workflow["jobs"][stack]
        assert job["with"] == {"stack": stack, "command": "up", "environment": stack}
        if stack != "dev":
            assert {"check", "dev"} <= set(job["needs"])
            assert "needs.check.result == 'success'" in job["if"]
            # Before fromJSON reads the changed stacks, which a failed `changes` job leaves empty.
            assert "needs.changes.result == 'success'" in job["if"]
            assert "needs.changes.result == 'success'" in workflow["jobs"][f"preview-{stack}"]["if"]
            assert "(needs.dev.result == 'success' || needs.dev.result == 'skipped')" in job["if"]


def test_every_stack_after_dev_deploys_only_once_its_preview_of_the_same_commit_succeeded() -> None:
    """The approvers read what `up` will apply in the preview job's summary, not only in a pull request's
    comment, which covered one change, at its time, made by its author's copy of the workflows."""
    jobs = load("deploy.yml")["jobs"]
    stacks = [stack for stack in deployed_stacks() if stack != "dev"]
    assert "prod" in stacks
    for stack in stacks:
        preview, deploy = jobs[f"preview-{stack}"], jobs[stack]
        assert preview["with"] == {"stack": stack, "command": "preview"}  # the previewer: no environment
        assert preview["permissions"] == {"contents": "read", "id-token": "write"}
        assert set(preview["needs"]) == set(deploy["needs"]) - {f"preview-{stack}"}
        # Without a status function, GitHub adds `success()`, false once dev is skipped (a change that
        # affects this stack only): the preview, and the deploy after it, would never run.
        assert preview["if"].startswith("${{ !cancelled() && ")
        waits_for_the_preview = f" && needs.preview-{stack}.result == 'success'"
        assert waits_for_the_preview in deploy["if"]
        assert preview["if"] == deploy["if"].replace(
            waits_for_the_preview, ""
        )  # the same conditions otherwise
    [pulumi] = [
        step for step in load("pulumi.yml")["jobs"]["pulumi"]["steps"] if step.get("uses") == PULUMI_ACTION
    ]
    # Outside a pull request, the action fails a comment: these previews write the job summary only.
    assert pulumi["with"]["comment-on-pr"] == (
        "${{ inputs.command == 'preview' && github.event_name == 'pull_request' }}"
    )
    assert pulumi["with"]["comment-on-summary"] is True


def test_a_teardown_names_its_stack_with_no_default() -> None:
    """Run with the form's defaults, a default stack would be destroyed (dev's environment asks no one)."""
    stack = load("teardown.yml")["on"]["workflow_dispatch"]["inputs"]["stack"]
    assert (stack["required"], "default" in stack) == (True, False)


def test_deploy_and_teardown_of_a_stack_share_one_uncancelled_lock() -> None:
    deploy = load("deploy.yml")["jobs"]
    teardown = load("teardown.yml")["jobs"]["destroy"]
    for stack in deployed_stacks():
        assert deploy[stack]["concurrency"] == {"group": f"pulumi-{stack}", "cancel-in-progress": False}
    assert teardown["concurrency"] == {"group": "pulumi-${{ inputs.stack }}", "cancel-in-progress": False}


def test_teardown_is_manual_guarded_and_runs_in_the_stacks_environment() -> None:
    workflow = load("teardown.yml")
    assert set(workflow["on"]) == {"workflow_dispatch"}
    destroy = workflow["jobs"]["destroy"]
    assert destroy["needs"] == "guard"
    assert destroy["with"] == {
        "stack": "${{ inputs.stack }}",
        "command": "destroy",
        "environment": "${{ inputs.stack }}",
    }
    guard_runs = [step["run"] for step in workflow["jobs"]["guard"]["steps"] if "run" in step]
    assert guard_runs == ['python3 .github/scripts/teardown_guard.py -- "$STACK" "$CONFIRM"']


def test_checkouts_leave_no_token_in_the_git_config() -> None:
    checkouts = [step for step in all_steps() if str(step.get("uses", "")).startswith("actions/checkout")]
    assert len(checkouts) == 5
    for step in checkouts:
        assert step["with"]["persist-credentials"] is False


def test_callers_pass_the_shared_job_only_the_secrets_it_declares() -> None:
    declared = load("pulumi.yml")["on"]["workflow_call"]["secrets"]
    assert set(declared) == {"PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE"}
    callers = [
        job
        for name in ("deploy.yml", "pull-request.yml", "teardown.yml")
        for job in load(name)["jobs"].values()
        if job.get("uses") == "./.github/workflows/pulumi.yml"
    ]
    # and the previews before every deploy but dev's, the pull requests' preview and the teardown
    assert len(callers) == 2 * len(deployed_stacks()) - 1 + 2
    for job in callers:
        assert job["secrets"] == {secret: f"${{{{ secrets.{secret} }}}}" for secret in declared}


def test_the_cli_ci_installs_matches_the_sdk_the_program_and_the_pack_pin() -> None:
    root = WORKFLOWS.parents[1]
    cli = load("pulumi.yml")["env"]["PULUMI_VERSION"]
    for lock_input in ("requirements.in", "policy/requirements.in"):
        pins = [line for line in (root / lock_input).read_text().splitlines() if line.startswith("pulumi==")]
        assert pins == [f"pulumi=={cli}"], lock_input


def test_changed_files_are_listed_without_rename_detection() -> None:
    # A rename is listed by its new path only: a program file moved into tests/ would look like a test edit.
    # (Deploys list their changes in affected_stacks.py, whose tests move one.)
    # Non-ASCII names come unquoted, and a failing git fails the step (pipefail) instead of listing nothing.
    affected = load("pull-request.yml")["jobs"]["changes"]["steps"][-1]
    diffs = [line.strip() for line in affected["run"].splitlines() if " diff " in line]
    assert len(diffs) == 1
    assert "git -c core.quotePath=false diff --name-only --no-renames" in diffs[0]
    assert affected["shell"] == "bash"


def test_a_deploy_never_rolls_a_stack_back_past_its_last_deploy() -> None:
    """Re-running an old Deploy run would deploy its older commit: `up` refuses a commit without the tag's."""
    steps = load("pulumi.yml")["jobs"]["pulumi"]["steps"]
    checkout, guard = steps[0], steps[1]
    # The whole history for an up (0), one commit otherwise: `cond && 0 || 1` would always give 1.
    assert checkout["with"]["fetch-depth"] == "${{ inputs.command != 'up' && 1 || 0 }}"
    assert guard["if"] == "inputs.command == 'up'"
    assert 'git merge-base --is-ancestor "$deployed" HEAD' in guard["run"]


def test_the_workflows_name_the_deployed_tag_as_the_script_that_reads_it() -> None:
    """mark-deployed.yml moves the tag, pulumi.yml's roll-back guard and affected_stacks.py read it."""
    [mark] = load("mark-deployed.yml")["jobs"].values()
    assert mark["env"]["DEPLOYED"] == DEPLOYED_TAG.format(stack="${{ inputs.stack }}")
    assert mark["env"]["ATTEMPTED"] == ATTEMPTED_TAG.format(stack="${{ inputs.stack }}")
    guard = load("pulumi.yml")["jobs"]["pulumi"]["steps"][1]
    assert f'deployed="refs/tags/{DEPLOYED_TAG.format(stack="$STACK")}"' in guard["run"]


def test_a_teardown_unmarks_the_stack_once_the_destroy_began_even_if_it_failed_partway() -> None:
    unmark = load("teardown.yml")["jobs"]["unmark"]
    assert unmark["if"] == "${{ always() && needs.destroy.outputs.started == 'true' }}"
    assert unmark["with"] == {"stack": "${{ inputs.stack }}", "outcome": "destroyed"}
    # `started` is set by the step just before the Pulumi operation, and passed up by the reusable workflow.
    pulumi = load("pulumi.yml")
    job = pulumi["jobs"]["pulumi"]
    names = [step.get("uses") or step.get("id") for step in job["steps"]]
    assert names.index("started") == names.index(PULUMI_ACTION) - 1
    assert job["outputs"] == {"started": "${{ steps.started.outputs.started }}"}
    passed_up = pulumi["on"]["workflow_call"]["outputs"]["started"]["value"]
    assert passed_up == "${{ jobs.pulumi.outputs.started }}"


# A stand-in for the GitHub CLI: it logs each call's method and ref, and fails one whose ref is in MISSING
# with the API's message for a reference that does not exist.
_FAKE_GH = """#!/bin/bash
method=$3 ref=$4
echo "$method ${ref#repos/acme/app/git/}" >> "$CALLS"
case " $MISSING " in *" ${ref##*/tags/} "*)
  [ "$method" != POST ] && { echo "gh: Reference does not exist (HTTP 422)" >&2; exit 1; } ;;
esac
exit 0
"""


@pytest.mark.parametrize(
    ("outcome", "missing", "calls"),
    [
        ("deployed", "", ["PATCH refs/tags/deployed/prod", "DELETE refs/tags/attempted/prod"]),
        # The stack's first deploy creates its tag; an attempted tag that is not there is fine.
        (
            "deployed",
            "deployed/prod attempted/prod",
            ["PATCH refs/tags/deployed/prod", "POST refs", "DELETE refs/tags/attempted/prod"],
        ),
        ("failed", "attempted/prod", ["PATCH refs/tags/attempted/prod", "POST refs"]),
        ("destroyed", "deployed/prod", ["DELETE refs/tags/deployed/prod", "DELETE refs/tags/attempted/prod"]),
    ],
)
def test_the_marker_tags_what_the_stack_holds(
    tmp_path: Path, outcome: str, missing: str, calls: list[str]
) -> None:
    marked = _run_marker(tmp_path, outcome, missing)
    assert (marked.returncode, (tmp_path / "calls").read_text().splitlines()) == (0, calls)


def test_the_marker_fails_on_an_unknown_outcome_or_any_other_api_failure(tmp_path: Path) -> None:
    unknown = _run_marker(tmp_path, "deploy", "")
    assert (unknown.returncode, unknown.stderr) == (
        1,
        "::error::outcome 'deploy' is not deployed, failed or destroyed\n",
    )
    assert not (tmp_path / "calls").exists()  # no call made
    (tmp_path / "gh").write_text(_FAKE_GH.replace("Reference does not exist", "Resource not accessible"))
    denied = _run_marker(tmp_path, "deployed", "deployed/prod")
    assert denied.returncode == 1
    assert "Resource not accessible" in denied.stderr
    assert (tmp_path / "calls").read_text().splitlines() == ["PATCH refs/tags/deployed/prod"]


def _run_marker(tmp_path: Path, outcome: str, missing: str) -> subprocess.CompletedProcess[str]:
    """The marker's script run as GitHub runs it (`bash -e`), against the stand-in GitHub CLI."""
    gh = tmp_path / "gh"
    if not gh.exists():
        gh.write_text(_FAKE_GH)
    gh.chmod(0o755)
    [mark] = load("mark-deployed.yml")["jobs"].values()
    [step] = mark["steps"]
    env = {
        "PATH": f"{tmp_path}:/usr/bin:/bin",
        "CALLS": str(tmp_path / "calls"),
        "MISSING": missing,
        "GITHUB_REPOSITORY": "acme/app",
        "GITHUB_SHA": "0123abc",
        "OUTCOME": outcome,
        "DEPLOYED": "deployed/prod",
        "ATTEMPTED": "attempted/prod",
    }
    return subprocess.run(
        ["bash", "-e", "-c", step["run"]], env=env, capture_output=True, text=True, check=False
    )


def _composite_scripts() -> list[tuple[str, str]]:
    return [
        (f"{action.parent.name}: {step.get('name', '')}", step["run"])
        for action in sorted(ACTIONS.glob("*/action.yml"))
        for step in yaml.safe_load(action.read_text())["runs"]["steps"]
        if "run" in step
    ]


@pytest.mark.parametrize(("step", "script"), _composite_scripts())
def test_the_composite_actions_scripts_pass_shellcheck(step: str, script: str) -> None:
    """actionlint checks the workflows' scripts with shellcheck, not those of the repository's own actions."""
    shellcheck = Path(sys.executable).with_name("shellcheck")
    checked = subprocess.run(
        [shellcheck, "-s", "bash", "-"], input=script, capture_output=True, text=True, check=False
    )
    assert (checked.returncode, checked.stdout) == (0, "")


def test_every_job_on_a_runner_has_its_own_time_limit() -> None:
    """GitHub's default is 6 hours: a hung `git` or `gh` call in a small job would hold a runner that long."""
    limits = {
        f"{path.name}:{name}": job.get("timeout-minutes")
        for path in sorted(WORKFLOWS.glob("*.yml"))
        for name, job in load(path.name)["jobs"].items()
        if "runs-on" in job
    }
    assert limits == {
        "check.yml:check": 30,
        "deploy.yml:changes": 10,
        "mark-deployed.yml:mark": 10,
        "pull-request.yml:changes": 10,
        "pulumi.yml:pulumi": 360,
        "teardown.yml:guard": 10,
    }
