"""The stack files at the top of the repository, as the team has edited them, run and pass the pack.

The other tests run copies of the examples as shipped (tests/infra/stacks): these catch, offline and before
any preview, a team's stack file that the program refuses or whose resources a mandatory policy stops.
"""

from pathlib import Path

import pytest
from pulumi_policy import EnforcementLevel

from tests.infra.harness import ROOT, project_name, run_stack
from tests.policy.stack_policies import findings


def _committed_stacks() -> list[str]:
    return sorted(
        path.name.removeprefix("Pulumi.").removesuffix(".yaml") for path in ROOT.glob("Pulumi.*.yaml")
    )


def test_the_examples_are_committed() -> None:
    """Without them the next test would have nothing to check."""
    assert {"dev", "prod"} <= set(_committed_stacks())


@pytest.mark.parametrize("stack", _committed_stacks())
def test_every_committed_stack_runs_and_passes_every_mandatory_policy(stack: str) -> None:
    result = run_stack(stack, stack_files=ROOT)
    assert result.of_type("gcp:storage/bucket:Bucket"), "the program declared no bucket"
    assert findings(stack, result.resources, EnforcementLevel.MANDATORY) == []


def test_a_stack_file_of_another_directory_runs_as_written(tmp_path: Path) -> None:
    project = project_name()
    (tmp_path / "Pulumi.qa.yaml").write_text(
        f"config:\n  {project}:projectId: acme-data-qa\n  {project}:runBatches: false\n"
        # Encrypted: not readable offline, so the default (no alert e-mail) applies; so is a label's value,
        # as `pulumi config set --path --secret labels.team` stores it (the label is then left out).
        f"  {project}:alertEmail:\n    secure: v1:c2FsdA==\n"
        f"  {project}:labels:\n    owner: data\n    team:\n      secure: v1:c2FsdA==\n",
        encoding="utf-8",
    )
    result = run_stack("qa", stack_files=tmp_path)
    assert result.of_type("gcp:dataproc/batch:Batch") == []
    assert result.one("gcp:storage/bucket:Bucket", "raw").inputs["name"] == "acme-data-qa-qa-raw"
    assert result.of_type("gcp:monitoring/notificationChannel:NotificationChannel") == []
    labels = result.one("gcp:storage/bucket:Bucket", "raw").inputs["labels"]
    assert labels["owner"] == "data" and "team" not in labels
