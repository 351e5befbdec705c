"""Every validation rule of infra/config.py, through the real program: the preview fails with one message."""

from __future__ import annotations

import pytest

from infra.config import ConfigError
from tests.infra.harness import run_stack

NO_PIPELINES: dict[str, object] = {"pipelines": []}


def _error(overrides: dict[str, object]) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        run_stack("dev", {**NO_PIPELINES, **overrides})
    return caught.value


@pytest.mark.parametrize(
    ("overrides", "key", "allowed"),
    [
        ({"projectId": None}, "projectId", "required"),
        ({"projectId": "Bad_Project"}, "projectId", "lowercase letters, digits, hyphens"),
        ({"projectId": "abc"}, "projectId", "6-30 characters"),
        ({"region": "europe west1"}, "region", "a region name"),
        ({"subnetCidr": "10.10.0.1/24"}, "subnetCidr", "host bits zero"),
        ({"subnetCidr": "not-a-cidr"}, "subnetCidr", "CIDR notation"),
        ({"subnetCidr": "10.0.0.0/30"}, "subnetCidr", "prefix from /8 to /29"),
        ({"subnetCidr": "fd00::/64"}, "subnetCidr", "an IPv4 network"),
        ({"bucketPrefix": "Upper-Case"}, "bucketPrefix", "valid bucket names"),
        ({"bucketPrefix": "my-google-data"}, "bucketPrefix", "without 'goog'"),
        ({"bucketPrefix": "x" * 60}, "bucketPrefix", "3-63"),
        ({"labels": {"Team": "data"}}, "labels.Team", "a label key"),
        ({"labels": {"team": "Data Eng"}}, "labels.team", "a label value"),
        ({"labels": {"stack": "x"}}, "labels.stack", "not one of the labels the program sets"),
        ({"labels": ["team"]}, "labels", "a map of label keys"),
        ({"labels": {f"k{i}": "v" for i in range(62)}}, "labels", "at most 61 labels"),
        ({"kmsKey": "my-key"}, "kmsKey", "keyRings"),
        ({"existingNetwork": "default"}, "existingNetwork", "global/networks"),
        (
            {"existingNetwork": "projects/p/global/networks/n"},
            "existingSubnetwork",
            "set together with the other one",
        ),
        ({"existingSubnetwork": "projects/p/regions/r/subnetworks/s"}, "existingNetwork", "set together"),
        (
            {"existingSubnetwork": "subnet-a", "existingNetwork": "projects/p/global/networks/n"},
            "existingSubnetwork",
            "subnetworks",
        ),
        ({"flowLogs": "yes"}, "flowLogs", "a boolean"),
        ({"tempRetentionDays": 0}, "tempRetentionDays", "an integer from 1 to 3650"),
        ({"stagingRetentionDays": "ten"}, "stagingRetentionDays", "an integer from 1 to 3650"),
        ({"rawNoncurrentRetentionDays": 4000}, "rawNoncurrentRetentionDays", "an integer from 1 to 3650"),
        ({"datasetId": "my-dataset"}, "datasetId", "letters, digits or underscores"),
        ({"defaultTableExpirationDays": -1}, "defaultTableExpirationDays", "an integer from 0"),
        ({"runtimeVersion": "1.1"}, "runtimeVersion", "2.x or 3.x"),
        ({"minExecutors": 1}, "minExecutors", "an integer from 2 to 1000"),
        ({"maxExecutors": 2000}, "maxExecutors", "an integer from 2 to 1000"),
        ({"minExecutors": 8, "maxExecutors": 4}, "maxExecutors", "at least minExecutors (8)"),
        ({"executorCores": 6}, "executorCores", "one of (4, 8, 16)"),
        ({"driverCores": 32}, "driverCores", "an integer from 4 to 16"),
        ({"batchTtlMinutes": 5}, "batchTtlMinutes", "an integer from 10 to 20160"),
        ({"batchTtlMinutes": 20161}, "batchTtlMinutes", "an integer from 10 to 20160"),
        ({"batchTimeoutMinutes": 9}, "batchTimeoutMinutes", "an integer from 10 to 20160"),
        ({"apiPropagationSeconds": 601}, "apiPropagationSeconds", "an integer from 0 to 600"),
        ({"alertEmail": "oncall"}, "alertEmail", "an email address"),
        ({"rejectedRowsThreshold": -5}, "rejectedRowsThreshold", "an integer from 0"),
        ({"pipelines": {"name": "orders"}}, "pipelines", "a list of pipeline maps"),
        ({"pipelines": ["orders"]}, "pipelines[0]", "a map with name"),
    ],
)
def test_rejects_bad_value_naming_key_value_and_rule(
    overrides: dict[str, object], key: str, allowed: str
) -> None:
    error = _error(overrides)
    assert error.key == key
    message = str(error)
    assert message.startswith(f"config {key}=")
    assert allowed in message
    shown = overrides.get(key)
    if shown is not None and not isinstance(shown, dict | list):
        assert f"={str(shown)!r}" in message or f"={shown!r}" in message


def test_stack_name_must_fit_resource_names() -> None:
    with pytest.raises(ConfigError, match=r"config \(stack name\)='a_b' is not valid: 1-15 letters"):
        run_stack("a_b", {**NO_PIPELINES, "projectId": "my-project"})
