"""Every validation rule of infra/config.py, through the real program: the preview fails with one message."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

import pulumi
import pytest
import yaml

from infra import config as stack_config
from infra.config import StackConfig
from infra.config_reader import PROJECT_ROOT, ConfigError, as_written, declared_keys, yaml_text
from tests.infra.harness import events_pipeline, project_name, run_stack, stack_config_strings

NO_PIPELINES: dict[str, object] = {"pipelines": []}


def _load(overrides: Mapping[str, object]) -> StackConfig:
    """Load the dev stack's config directly (no resources), with overrides."""
    pulumi.runtime.set_all_config(stack_config_strings("dev", overrides), [])
    return stack_config.load(pulumi.Config(project_name()), stack="dev")


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
        ({"subnetCidr": "10.0.0.0/7"}, "subnetCidr", "prefix from /8 to /29"),
        ({"subnetCidr": "64.0.0.0/2"}, "subnetCidr", "prefix from /8 to /29"),
        ({"subnetCidr": "fd00::/64"}, "subnetCidr", "an IPv4 network"),
        ({"bucketPrefix": "Upper-Case"}, "bucketPrefix", "letter or digit first and last); set bucketPrefix"),
        ({"bucketPrefix": "my-google-data"}, "bucketPrefix", "contain 'google' or a look-alike"),
        ({"bucketPrefix": "my-g00gle-data"}, "bucketPrefix", "contain 'google' or a look-alike"),
        ({"bucketPrefix": "goog-data"}, "bucketPrefix", "start with 'goog'"),
        ({"bucketPrefix": "x" * 60}, "bucketPrefix", "3-63 lowercase"),
        ({"bucketPrefix": "x" * 60}, "bucketPrefix", "set a shorter bucketPrefix"),
        ({"bucketPrefix": "data.example.com"}, "bucketPrefix", "digits, - or _"),
        ({"subnetCidr": "127.0.0.0/24"}, "subnetCidr", "not overlapping 127.0.0.0/8"),
        ({"subnetCidr": "0.0.0.0/8"}, "subnetCidr", "not overlapping 0.0.0.0/8"),
        ({"subnetCidr": "169.254.0.0/20"}, "subnetCidr", "not overlapping 169.254.0.0/16"),
        ({"subnetCidr": "224.0.0.0/8"}, "subnetCidr", "not overlapping 224.0.0.0/4"),
        ({"subnetCidr": "199.36.153.0/24"}, "subnetCidr", "not overlapping 199.36.153.8/30"),
        ({"subnetCidr": "199.36.153.0/29"}, "subnetCidr", "not overlapping 199.36.153.4/30"),
        ({"labels": {"Team": "data"}}, "labels.Team", "a label key"),
        ({"labels": {"team": "Data Eng"}}, "labels.team", "a label value"),
        ({"labels": {"team": "x" * 64}}, "labels.team", "0-63 lowercase letters, digits, _ or -"),
        ({"labels": {"1team": "x"}}, "labels.1team", "a letter first (not '1team')"),
        # A key holding a character that would not show is named in brackets, quoted as YAML quotes it.
        ({"labels": {"te\tam": "x"}}, 'labels["te\\tam"]', 'a letter first (not "te\\tam")'),
        ({"labels": {"t" * 64: "x"}}, "labels." + "t" * 64, "a label key of 1-63 lowercase letters"),
        ({"labels": {"stack": "x"}}, "labels.stack", "not one of the labels the program sets"),
        ({"labels": {"role": "finance"}}, "labels.role", "not one of the labels the program sets"),
        ({"labels": {"pipeline": "x"}}, "labels.pipeline", "not one of the labels the program sets"),
        ({"labels": ["team"]}, "labels", "a map of label keys"),
        # Plain text where a structure belongs: the hint sets one entry of that key, as the key takes it.
        *[
            (
                {key: text},
                key,
                "a YAML/JSON structure, not plain text: write it in the stack's file, or set one entry with "
                f"`pulumi config set --path {one_entry}`",
            )
            for key, text, one_entry in (
                ("labels", "team=data", "'labels.team' data"),
                ("pipelines", "orders", "'pipelines[0].name' orders"),
                ("networkTags", "etl", "'networkTags[0]' etl"),
                # A property's name holds dots, which --path would read as nested maps.
                (
                    "sparkProperties",
                    "spark.executor.memory=8g",
                    """'sparkProperties["spark.executor.memory"]' 8g""",
                ),
                ("gcp:defaultLabels", "team=data", "'gcp:defaultLabels.team' data"),
            )
        ],
        ({"labels": {f"k{i}": "v" for i in range(28)}}, "labels", "at most 27 labels (a Dataproc batch"),
        (
            {
                "labels": {f"k{i}": "v" for i in range(20)},
                "gcp:defaultLabels": {f"d{i}": "v" for i in range(8)},
            },
            "labels",
            "at most 27 labels together with gcp:defaultLabels, which the provider adds",
        ),
        ({"gcp:defaultLabels": {"Team": "x"}}, "gcp:defaultLabels.Team", "a label key"),
        ({"gcp:defaultLabels": ["team"]}, "gcp:defaultLabels", "a map of label keys"),
        (
            {"gcp:region": "us-central1"},
            "gcp:region",
            "unset (`pulumi config rm gcp:region`) or equal to `region`, where the program puts every "
            "resource; to use another one, set `region` (in a new stack: a deployed one cannot move)",
        ),
        (
            {"gcp:project": "other-project"},
            "gcp:project",
            "or equal to `projectId`, where the program puts every resource",
        ),
        ({"defaultTableExpirationDays": 30, "protectData": True}, "defaultTableExpirationDays", "0 while"),
        ({"kmsKey": "my-key"}, "kmsKey", "keyRings"),
        (
            # A key version: CMEK takes the key, and Google picks its primary version.
            {
                "kmsKey": "projects/my-project/locations/europe-west1/keyRings/r/cryptoKeys/k/"
                "cryptoKeyVersions/1"
            },
            "kmsKey",
            "is not valid: empty, or projects/<project>/locations/<region>/keyRings/<ring>/cryptoKeys/<key>",
        ),
        (
            {"kmsKey": "projects/keys-project/locations/us/keyRings/r/cryptoKeys/c"},
            "kmsKey",
            "a key in location europe-west1",
        ),
        ({"existingNetwork": "default"}, "existingNetwork", "global/networks"),
        (
            {
                "existingNetwork": "projects/host-project/global/networks/n ",
                "existingSubnetwork": "projects/host-project/regions/europe-west1/subnetworks/s",
            },
            "existingNetwork",
            "a network name after networks/ (RFC 1035: ",
        ),
        (
            {"existingNetwork": "projects/my-project/global/networks/n"},
            "existingSubnetwork",
            "set together with the other one",
        ),
        (
            {"existingSubnetwork": "projects/my-project/regions/europe-west1/subnetworks/s"},
            "existingNetwork",
            "set together",
        ),
        (
            {"existingSubnetwork": "subnet-a", "existingNetwork": "projects/my-project/global/networks/n"},
            "existingSubnetwork",
            "subnetworks",
        ),
        (
            {
                "existingNetwork": "projects/host-project/global/networks/n",
                "existingSubnetwork": "projects/host-project/regions/us-central1/subnetworks/s",
            },
            "existingSubnetwork",
            "a subnet in region europe-west1 (the stack's region), not us-central1",
        ),
        (
            {
                "existingNetwork": "projects/host-project/global/networks/n",
                "existingSubnetwork": "projects/other-project/regions/europe-west1/subnetworks/s",
            },
            "existingSubnetwork",
            "a subnet of existingNetwork's project host-project",
        ),
        ({"flowLogs": "yes"}, "flowLogs", "a boolean"),
        # A new network allows no traffic between the batch's VMs without the rule.
        ({"createFirewallRule": False}, "createFirewallRule", "true when the stack creates the network"),
        ({"tempRetentionDays": 0}, "tempRetentionDays", "an integer from 1 to 3650"),
        ({"stagingRetentionDays": "ten"}, "stagingRetentionDays", "an integer from 1 to 3650"),
        ({"rawNoncurrentRetentionDays": 4000}, "rawNoncurrentRetentionDays", "an integer from 1 to 3650"),
        ({"datasetId": "my-dataset"}, "datasetId", "letters, digits or underscores"),
        ({"defaultTableExpirationDays": -1}, "defaultTableExpirationDays", "an integer from 0"),
        ({"quarantineRetentionDays": 36501}, "quarantineRetentionDays", "an integer from 0 to 36500"),
        *[
            ({"runtimeVersion": version}, "runtimeVersion", "2.x from 2.2 (the job needs Spark 3.5) or 3.x")
            for version in ("1.1", "2.0", "2.1", "2", "2.02", "4.0", "2.3.1")
        ],
        ({"minExecutors": 1}, "minExecutors", "an integer from 2 to 1000"),
        ({"maxExecutors": 2000}, "maxExecutors", "an integer from 2 to 1000"),
        ({"maxExecutors": True}, "maxExecutors", "an integer from 2 to 1000"),
        ({"minExecutors": 8, "maxExecutors": 4}, "maxExecutors", "at least minExecutors (8)"),
        ({"minExecutors": 5, "maxExecutors": 4}, "maxExecutors", "at least minExecutors (5)"),
        # One rule for every wrong value, not a range that a value within would break again.
        ({"executorCores": 6}, "executorCores", "executorCores='6' is not valid: one of 4, 8 or 16"),
        ({"driverCores": 32}, "driverCores", "driverCores='32' is not valid: one of 4, 8 or 16"),
        ({"driverCores": "four"}, "driverCores", "driverCores='four' is not valid: one of 4, 8 or 16"),
        ({"batchTtlMinutes": 5}, "batchTtlMinutes", "an integer from 10 to 20160"),
        ({"batchTtlMinutes": 20161}, "batchTtlMinutes", "an integer from 10 to 20160"),
        ({"batchTimeoutMinutes": 9}, "batchTimeoutMinutes", "an integer from 20 to 20170"),
        ({"batchTimeoutMinutes": 20171}, "batchTimeoutMinutes", "an integer from 20 to 20170"),
        ({"batchTimeoutMinutes": 125}, "batchTimeoutMinutes", "at least batchTtlMinutes (120) + 10"),
        ({"apiPropagationSeconds": 601}, "apiPropagationSeconds", "an integer from 0 to 600"),
        ({"iamPropagationSeconds": -1}, "iamPropagationSeconds", "an integer from 0 to 600"),
        ({"rejectedRowsThreshold": -5}, "rejectedRowsThreshold", "an integer from 0"),
        # What Python's int() would read, but a stack file's reader would not: ASCII digits only.
        ({"tempRetentionDays": "1_0"}, "tempRetentionDays", "an integer from 1 to 3650"),
        ({"tempRetentionDays": "\u0667"}, "tempRetentionDays", "an integer from 1 to 3650"),
        ({"executorCores": " 8"}, "executorCores", "one of 4, 8 or 16"),
        # More digits than Python reads (4300): out of range all the same, not Python's ValueError.
        ({"apiPropagationSeconds": "9" * 4301}, "apiPropagationSeconds", "an integer from 0 to 600"),
        ({"maxExecutors": "-" + "0" * 5000 + "9"}, "maxExecutors", "an integer from 2 to 1000"),
        ({"region": "north" * 10 + "-west1"}, "region", "a region name such as europe-west1"),
        ({"runToken": {"run": 2}}, "runToken", "text or a number (change it to run every pipeline again)"),
        ({"runToken": ["2"]}, "runToken", "text or a number (change it to run every pipeline again)"),
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
    if isinstance(shown, bool):  # as the stack file spells it
        # Top-level values reach the program as the engine's text ('true'), structured ones as YAML (true).
        assert f"={yaml_text(shown)} " in message or f"={yaml_text(shown)!r} " in message
    elif shown is not None and not isinstance(shown, dict | list):
        assert f"={as_written(str(shown))} " in message or f"={as_written(shown)} " in message


def test_a_structure_holding_a_number_past_what_python_reads_is_refused_showing_its_start() -> None:
    """As the engine passes a structure, as its JSON text."""
    error = _error({"pipelines": '[{"name": "orders", "minExecutors": ' + "9" * 4301 + "}]"})
    assert (error.key, str(error)) == (
        "pipelines",
        'config pipelines=\'[{"name": "orders", "minExecutors": 9999…\' is not valid: a structure whose '
        "numbers have fewer digits",
    )


def test_a_run_token_of_more_digits_than_python_reads_is_text() -> None:
    token = "9" * 4301
    assert _load({"runToken": token}).batch.run_token == token


def test_a_structure_nested_past_pythons_limit_is_refused_showing_its_start() -> None:
    """As the engine passes a structure, as its JSON text; the value shown is cut short."""
    error = _error({"pipelines": "[" * 100_000 + "]" * 100_000})
    assert (error.key, str(error)) == (
        "pipelines",
        f"config pipelines='{'[' * 40}…' is not valid: a structure nested less deeply",
    )


_PROJECT_ID_RULE = (
    "6-30 lowercase letters, digits or hyphens, a letter first and no hyphen last; a legacy project's "
    "perhaps after its domain, as in example.com:my-project"
)
_PROJECT_RULE = f"a project id or number after projects/ (an id: {_PROJECT_ID_RULE})"
_NETWORK_PROJECT_RULE = (
    f"a project id after projects/ ({_PROJECT_ID_RULE}; not the project's number, as Compute Engine names a "
    "subnet's network by id)"
)
_RFC1035_RULE = "(RFC 1035: 1-63 lowercase letters, digits or hyphens, a letter first and no hyphen last)"
_KMS_NAME_RULE = "(1-63 letters, digits, _ or -)"
_CORP = "projects/host-project/global/networks/corp"
_DATA = "projects/host-project/regions/europe-west1/subnetworks/data"
_UPPER_CASE_PROJECT_LINK = "https://www.googleapis.com/compute/v1/projects/Host/global/networks/corp"
_KEY = "projects/my-project/locations/europe-west1/keyRings/r/cryptoKeys/k"


@pytest.mark.parametrize(
    ("overrides", "key", "message"),
    [
        (
            {"kmsKey": "projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k"},
            "kmsKey",
            "config kmsKey='projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k' is not valid: "
            f"{_PROJECT_RULE}, not 'p'",
        ),
        (
            {"kmsKey": "projects/ÜBER/locations/europe-west1/keyRings/r/cryptoKeys/k"},
            "kmsKey",
            "config kmsKey='projects/ÜBER/locations/europe-west1/keyRings/r/cryptoKeys/k' is not valid: "
            f"{_PROJECT_RULE}, not 'ÜBER'",
        ),
        (
            {"kmsKey": "projects/my-project/locations/europe-west1/keyRings/r!/cryptoKeys/k"},
            "kmsKey",
            "config kmsKey='projects/my-project/locations/europe-west1/keyRings/r!/cryptoKeys/k' is not "
            f"valid: a key ring name after keyRings/ {_KMS_NAME_RULE}, not 'r!'",
        ),
        (
            {"kmsKey": f"projects/my-project/locations/europe-west1/keyRings/r/cryptoKeys/{'k' * 64}"},
            "kmsKey",
            f"config kmsKey='projects/my-project/locations/europe-west1/keyRings/r/cryptoKeys/{'k' * 64}' "
            f"is not valid: a key name after cryptoKeys/ {_KMS_NAME_RULE}, not '{'k' * 64}'",
        ),
        (
            {"kmsKey": "projects/my-project/locations/Europe-West1/keyRings/r/cryptoKeys/k"},
            "kmsKey",
            "config kmsKey='projects/my-project/locations/Europe-West1/keyRings/r/cryptoKeys/k' is not "
            "valid: a key in location europe-west1: buckets, dataset and batches use keys of their region",
        ),
        (
            {"existingNetwork": "projects/host-project/global/networks/CORP", "existingSubnetwork": _DATA},
            "existingNetwork",
            "config existingNetwork='projects/host-project/global/networks/CORP' is not valid: a network "
            f"name after networks/ {_RFC1035_RULE}, not 'CORP'",
        ),
        (
            {"existingNetwork": _UPPER_CASE_PROJECT_LINK, "existingSubnetwork": _DATA},
            "existingNetwork",
            f"config existingNetwork='{_UPPER_CASE_PROJECT_LINK}' is not valid: {_NETWORK_PROJECT_RULE}, "
            "not 'Host'",
        ),
        (
            {
                "existingNetwork": _CORP,
                "existingSubnetwork": "projects/host-project/regions/europe-west1/subnetworks/sub#1",
            },
            "existingSubnetwork",
            "config existingSubnetwork='projects/host-project/regions/europe-west1/subnetworks/sub#1' is not "
            f"valid: a subnet name after subnetworks/ {_RFC1035_RULE}, not 'sub#1'",
        ),
        (
            {
                "existingNetwork": _CORP,
                "existingSubnetwork": "projects/host-project/regions/Europe/subnetworks/s",
            },
            "existingSubnetwork",
            "config existingSubnetwork='projects/host-project/regions/Europe/subnetworks/s' is not valid: a "
            "subnet in region europe-west1 (the stack's region), not Europe",
        ),
        (
            {"existingNetwork": _CORP, "existingSubnetwork": "projects/host-project/subnetworks/s"},
            "existingSubnetwork",
            "config existingSubnetwork='projects/host-project/subnetworks/s' is not valid: empty, or "
            "projects/<project>/regions/<region>/subnetworks/<name> (or its self link)",
        ),
        (
            {
                "existingNetwork": _CORP,
                "existingSubnetwork": "projects/Host!/regions/europe-west1/subnetworks/s",
            },
            "existingSubnetwork",
            "config existingSubnetwork='projects/Host!/regions/europe-west1/subnetworks/s' is not valid: "
            f"{_NETWORK_PROJECT_RULE}, not 'Host!'",
        ),
        # A self link is Compute Engine's: a key is named by its path alone.
        (
            {"kmsKey": f"https://www.googleapis.com/compute/v1/{_KEY}"},
            "kmsKey",
            f"config kmsKey='https://www.googleapis.com/compute/v1/{_KEY}' is not valid: empty, or "
            "projects/<project>/locations/<region>/keyRings/<ring>/cryptoKeys/<key>",
        ),
    ],
)
def test_a_resource_path_error_names_the_part_that_breaks_its_rule(
    overrides: dict[str, object], key: str, message: str
) -> None:
    error = _error(overrides)
    assert (error.key, str(error)) == (key, message)


def test_a_key_may_name_its_project_by_number_and_have_underscores() -> None:
    config = _load(
        {"kmsKey": "projects/123456789012/locations/europe-west1/keyRings/key_ring/cryptoKeys/my_key"}
    )
    assert (
        config.kms_key == "projects/123456789012/locations/europe-west1/keyRings/key_ring/cryptoKeys/my_key"
    )


@pytest.mark.parametrize("key", ["existingNetwork", "existingSubnetwork"])
def test_a_network_or_subnet_is_named_with_its_projects_id_not_its_number(key: str) -> None:
    """The subnet's network, which the deploy compares with existingNetwork, comes named by project id."""
    paths = {
        "existingNetwork": "projects/host-project/global/networks/corp",
        "existingSubnetwork": "projects/host-project/regions/europe-west1/subnetworks/data",
    }
    by_number = paths[key].replace("host-project", "123456789012")
    error = _error({**paths, key: by_number})
    assert (error.key, str(error)) == (
        key,
        f"config {key}='{by_number}' is not valid: {_NETWORK_PROJECT_RULE}, not '123456789012'",
    )


@pytest.mark.parametrize(
    ("email", "shown", "allowed"),
    [
        (
            "mailto:oncall@example.com",
            "'mailto:oncall@example.com'",
            "an address alone, without mailto: before it",
        ),
        (
            "MailTo:oncall@example.com",
            "'MailTo:oncall@example.com'",
            "an address alone, without mailto: before it",
        ),
        *[
            (
                email,
                f"'{email}'",
                "one address, not a list (to notify several people, use a group's address)",
            )
            for email in (
                "a@example.com,b@example.com",
                "a@b.com;c@d.com",
                "a@b.com c@d.com",
                '["a@b.com", "c@d.com"]',
            )
        ],
        (
            "on call@example.com",
            "'on call@example.com'",
            "an address without spaces or invisible characters (it holds U+0020 SPACE)",
        ),
        # Blank is not empty: it would notify no one.
        (" ", "' '", "an address without spaces or invisible characters (it holds U+0020 SPACE)"),
        # Pasted along, unseen: the value is shown with it escaped, and the message names it.
        (
            "oncall@example.com\u200b",
            '"oncall@example.com\\u200b"',
            "an address without spaces or invisible characters (it holds U+200B ZERO WIDTH SPACE)",
        ),
        (
            "oncall@example.com\t",
            '"oncall@example.com\\t"',
            "an address without spaces or invisible characters (it holds U+0009)",
        ),
        ("oncall", "'oncall'", "an address of the form name@domain, such as oncall@example.com"),
        (
            "on@call@example.com",
            "'on@call@example.com'",
            "an address of the form name@domain, such as oncall@example.com",
        ),
        (
            "oncall@exämple.com",
            "'oncall@exämple.com'",
            "an internationalized domain in its xn-- form, as DNS knows it (münchen.de is xn--mnchen-3ya.de)",
        ),
        *[
            (
                email,
                f"'{email}'",
                "an address with ASCII letters, digits and !#$%&'*+/=?^_`{|}~- before the @, in runs joined "
                "by single dots",
            )
            for email in (
                "ä@example.com",
                "on..call@example.com",
                ".oncall@example.com",
                "@example.com",
                "a(b)@example.com",
            )
        ],
        *[
            (
                email,
                f"'{email}'",
                "an address with a domain name after the @, such as example.com: labels of ASCII letters, "
                "digits and hyphens (none first or last) joined by single dots",
            )
            for email in (
                "oncall@example.com.",
                "oncall@.example.com",
                "oncall@-example.com",
                "oncall@localhost",
                "oncall@",
                "oncall@example.123",
            )
        ],
        *[
            (
                email,
                f"'{email}'",
                "an address of at most 254 characters, at most 64 of them before the @ (RFC 5321's limits, "
                "which mail servers hold to)",
            )
            for email in ("a" * 65 + "@example.com", "a@" + ".".join(["b" * 63] * 3) + "." + "c" * 61)
        ],
    ],
)
def test_an_alert_email_error_names_the_rule_it_breaks(email: str, shown: str, allowed: str) -> None:
    error = _error({"alertEmail": email})
    assert (error.key, str(error)) == ("alertEmail", f"config alertEmail={shown} is not valid: {allowed}")


@pytest.mark.parametrize(
    "email",
    [
        "oncall@example.com",
        "on.call+alerts@xn--mnchen-3ya.de",
        "o'neil@sub.example.co.uk",
        "A@EXAMPLE.COM",
        # The longest: 64 characters before the @, 254 in all.
        "a" * 64 + "@" + ".".join(["b" * 63] * 2) + "." + "c" * 61,
    ],
)
def test_a_plain_address_is_an_alert_email(email: str) -> None:
    assert _load({"alertEmail": email}).monitoring.alert_email == email


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        # YAML's single quotes keep a backslash as it is: '\t' is the two characters typed, not a tab.
        ("my\\data", "'my\\data'"),
        ("it's", "'it''s'"),
        ('say "x"', "'say \"x\"'"),
        # A character that would not show, in double quotes, escaped as YAML reads it.
        ("my\tdata", '"my\\tdata"'),
        ("my\ndata", '"my\\ndata"'),
        ("my\x00data", '"my\\x00data"'),
        ("\u00a0data\\", '"\\xa0data\\\\"'),
        ('"data"\u200b', '"\\"data\\"\\u200b"'),
    ],
)
def test_text_is_shown_as_the_stack_file_quotes_it(value: str, shown: str) -> None:
    error = _error({"datasetId": value})
    assert str(error) == f"config datasetId={shown} is not valid: 1-1024 letters, digits or underscores"
    assert yaml.safe_load(shown) == value


@pytest.mark.parametrize("stack", ["a_b", "Dev"])  # upper case: `Dev` and `dev` would share resource names
def test_stack_name_must_fit_resource_names(stack: str) -> None:
    message = rf"config \(stack name\)='{stack}' is not valid: 1-15 lowercase letters"
    with pytest.raises(ConfigError, match=message):
        run_stack(stack, {**NO_PIPELINES, "projectId": "my-project"})


def test_the_longest_stack_name_and_project_id_are_accepted_and_one_more_character_refused() -> None:
    stack, project = "s" + "t" * 13 + "1", "p" + "r" * 28 + "9"
    assert (len(stack), len(project)) == (15, 30)
    longest = run_stack(stack, {**NO_PIPELINES, "projectId": project})
    assert longest.outputs["raw_bucket"] == f"{project}-{stack}-raw"
    with pytest.raises(ConfigError, match=r"config \(stack name\)='st{14}1' is not valid: 1-15 lowercase"):
        run_stack(stack[:-1] + "t1", {**NO_PIPELINES, "projectId": project})
    error = _error({"projectId": project[:-1] + "r9"})
    assert (error.key, str(error)) == (
        "projectId",
        f"config projectId='{project[:-1]}r9' is not valid: 6-30 characters: lowercase letters, digits, "
        "hyphens; a letter first, no hyphen last",
    )


@pytest.mark.parametrize(
    ("overrides", "secret_key", "secret_value", "message"),
    [
        (
            {"alertEmail": "data-team"},
            "alertEmail",
            "data-team",
            "config alertEmail=[secret] is not valid: an address of the form name@domain, such as "
            "oncall@example.com",
        ),
        # The rule broken is named, no part of the address.
        (
            {"alertEmail": "mailto:data-team@corp.test"},
            "alertEmail",
            "data-team@corp.test",
            "config alertEmail=[secret] is not valid: an address alone, without mailto: before it",
        ),
        (
            {"labels": {"team": "Data"}},
            "labels",
            "Data",
            "config labels.team=[secret] is not valid: a label value",
        ),
        (
            {"gcp:region": "us-east1"},
            "gcp:region",
            "us-east1",
            "config gcp:region=[secret] is not valid: unset",
        ),
        (
            {"pipelines": [{"name": "Orders"}]},
            "pipelines",
            "Orders",
            "config pipelines[0].name=[secret] is not valid",
        ),
    ],
)
def test_a_secret_value_is_not_shown_in_config_errors(
    overrides: dict[str, object], secret_key: str, secret_value: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        run_stack("dev", {**NO_PIPELINES, **overrides}, secret_keys=[secret_key])
    assert str(caught.value).startswith(message)
    assert secret_value not in str(caught.value)


def test_config_errors_are_run_errors_the_cli_shows_without_a_traceback() -> None:
    error = _error({"tempRetentionDays": 0})
    assert isinstance(error, pulumi.RunError)
    assert str(error) == "config tempRetentionDays='0' is not valid: an integer from 1 to 3650"


def test_as_many_executors_at_most_as_at_least_is_accepted() -> None:
    loaded = _load({"minExecutors": 5, "maxExecutors": 5})
    assert (loaded.batch.min_executors, loaded.batch.max_executors) == (5, 5)


def test_the_longest_ttl_fits_under_the_longest_timeout() -> None:
    loaded = _load({"batchTtlMinutes": 20160, "batchTimeoutMinutes": 20170})
    assert (loaded.batch.ttl_minutes, loaded.batch.timeout_minutes) == (20160, 20170)


ORDERS = {"name": "orders", "contract": "spark_jobs/contracts/orders.yaml", "inputFormat": "csv"}


_KMS_KEY_IN_EUROPE = "projects/kp-123456/locations/europe-west1/keyRings/r/cryptoKeys/k"


@pytest.mark.parametrize(
    ("overrides", "secret_key", "secret_value", "key", "message"),
    [
        (
            {"region": "us-central1", "kmsKey": _KMS_KEY_IN_EUROPE},
            "region",
            "us-central1",
            "kmsKey",
            "a key in location [secret]",
        ),
        (
            {
                "region": "us-central1",
                "existingNetwork": "projects/host-proj1/global/networks/n",
                "existingSubnetwork": "projects/host-proj1/regions/europe-west1/subnetworks/s",
            },
            "region",
            "us-central1",
            "existingSubnetwork",
            "a subnet in region [secret] (the stack's region), not europe-west1",
        ),
        (
            {"projectId": "my-google-proj", **NO_PIPELINES},
            "projectId",
            "my-google-proj",
            "bucketPrefix",
            "[secret]-dev",
        ),
        (
            {"maxExecutors": 7, "pipelines": [{**ORDERS, "minExecutors": 9}]},
            "maxExecutors",
            "7",
            "pipelines[0].minExecutors",
            "([secret], the stack's)",
        ),
        (
            {"batchTtlMinutes": 300, "batchTimeoutMinutes": 200},
            "batchTtlMinutes",
            "300",
            "batchTimeoutMinutes",
            "at least batchTtlMinutes ([secret]) + 10",
        ),
        # A structure's values are each secret, wherever they show.
        (
            {"labels": {"team": "data"}, "datasetId": "data-set"},
            "labels",
            "data",
            "datasetId",
            "config datasetId='[secret]-set' is not valid",
        ),
    ],
)
def test_a_secret_value_is_not_shown_in_another_keys_error(
    overrides: dict[str, object], secret_key: str, secret_value: str, key: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        run_stack("dev", overrides, secret_keys=[secret_key])
    assert caught.value.key == key
    assert message in str(caught.value)
    assert re.search(rf"(?<![0-9A-Za-z]){re.escape(secret_value)}(?![0-9A-Za-z])", str(caught.value)) is None


_YAML_SLIP = "; YAML reads \\N, \\_, \\L and \\P in double quotes as characters of their own: write '\\N'"


@pytest.mark.parametrize(
    ("pipeline", "key", "allowed"),
    [
        ({**ORDERS, "name": "Orders"}, "pipelines[0].name", "lowercase letters, digits or hyphens"),
        ({**ORDERS, "name": "o" * 21}, "pipelines[0].name", "1-20"),
        ({**ORDERS, "name": "orders-"}, "pipelines[0].name", "no hyphen last"),
        ({**ORDERS, "name": None}, "pipelines[0].name", "required"),
        (
            {**ORDERS, "inputFormat": "xml"},
            "pipelines[0].inputFormat",
            "inputFormat='xml' is not valid: one of csv, json, parquet or avro",
        ),
        ({**ORDERS, "writeMode": "upsert"}, "pipelines[0].writeMode", "one of append or overwrite"),
        ({**ORDERS, "maxRejectRatio": 1.5}, "pipelines[0].maxRejectRatio", "a number from 0 to 1"),
        ({**ORDERS, "maxRejectRatio": "lots"}, "pipelines[0].maxRejectRatio", "a number from 0 to 1"),
        # What Python's float() would read: 1_0e-1 as 1.0 (every row may be rejected), other scripts' digits.
        ({**ORDERS, "maxRejectRatio": "1_0e-1"}, "pipelines[0].maxRejectRatio", "a number from 0 to 1"),
        (
            {**ORDERS, "maxRejectRatio": "\u0660.\u0665"},
            "pipelines[0].maxRejectRatio",
            "a number from 0 to 1",
        ),
        ({**ORDERS, "maxRejectRatio": " 0.5 "}, "pipelines[0].maxRejectRatio", "a number from 0 to 1"),
        # As the job's --max-reject-ratio: a positive ratio too small to tell from 0 is not 0.
        (
            {**ORDERS, "maxRejectRatio": "1e-400"},
            "pipelines[0].maxRejectRatio",
            "a number from 0 to 1 (the share of rows that may be rejected); this one is too small to tell "
            "from 0",
        ),
        ({**ORDERS, "maxRejectRatio": 10**400}, "pipelines[0].maxRejectRatio", "a number from 0 to 1"),
        # Shown as the stack file spells it, not as Python does (True).
        ({**ORDERS, "maxRejectRatio": True}, "pipelines[0].maxRejectRatio", "=true is not valid: a number"),
        ({**ORDERS, "contract": "spark_jobs/\x00.yaml"}, "pipelines[0].contract", "a data contract YAML"),
        (
            {**ORDERS, "contract": "spark_jobs/contracts/nope.yaml"},
            "pipelines[0].contract",
            f"a data contract YAML file, relative to {PROJECT_ROOT} "
            f"(there is no {PROJECT_ROOT}/spark_jobs/contracts/nope.yaml)",
        ),
        (
            {**ORDERS, "contract": "spark_jobs/contracts"},
            "pipelines[0].contract",
            f"({PROJECT_ROOT}/spark_jobs/contracts is a directory)",
        ),
        ({**ORDERS, "contract": 3}, "pipelines[0].contract", "a string"),
        (
            {**ORDERS, "inputformat": "csv"},
            "pipelines[0].inputformat",
            "a known pipeline setting: name, contract, inputFormat, ",
        ),
        (
            {**ORDERS, "maxRejectRation": 0.1},
            "pipelines[0].maxRejectRation",
            "(did you mean maxRejectRatio?)",
        ),
        ({**ORDERS, "name\t": "x"}, 'pipelines[0]["name\\t"]', "a known pipeline setting: name, "),
        *[
            (
                {**ORDERS, "runToken": value},
                "pipelines[0].runToken",
                f"config pipelines[0].runToken={shown} is not valid: text or a number (change it to run this "
                "pipeline again)",
            )
            for value, shown in ((True, "true"), (["2"], "['2']"), ({"n": 2}, "{n: 2}"))
        ],
        # Shown as typed: in YAML's single quotes '\t' is a backslash and a t, which the hint tells apart.
        *[
            (
                {**ORDERS, "csvDelimiter": value},
                "pipelines[0].csvDelimiter",
                f"config pipelines[0].csvDelimiter={shown} is not valid: exactly one character, neither "
                'the quote (") nor a line break (\\r, \\n) nor NUL, e.g. "|", ";" or "\\t" (a tab, in '
                "double quotes)",
            )
            for value, shown in (
                ("", "''"),
                ("||", "'||'"),
                ("\\t", "'\\t'"),
                ('"', "'\"'"),
                ("\r", '"\\r"'),
                ("\n", '"\\n"'),
                ("\x00", '"\\x00"'),
                (1, "1"),
            )
        ],
        (
            {**ORDERS, "inputFormat": "json", "csvDelimiter": "|"},
            "pipelines[0].csvDelimiter",
            "config pipelines[0].csvDelimiter='|' is not valid: unset: it applies only to inputFormat csv, "
            "not json",
        ),
        (
            {**ORDERS, "inputFormat": "parquet", "csvDelimiter": ","},
            "pipelines[0].csvDelimiter",
            "it applies only to inputFormat csv, not parquet",
        ),
        (
            {**ORDERS, "inputFormat": "json", "csvNullMarkers": ["NULL"]},
            "pipelines[0].csvNullMarkers",
            "config pipelines[0].csvNullMarkers=['NULL'] is not valid: unset: it applies only to inputFormat "
            "csv, not json",
        ),
        *[
            (
                {**ORDERS, bound: value},
                f"pipelines[0].{bound}",
                f"config pipelines[0].{bound}={shown} is not valid: an integer from 2 to 1000",
            )
            for bound in ("minExecutors", "maxExecutors")
            for value, shown in ((1, "1"), (1001, "1001"), ("many", "'many'"))
        ],
        # Against the stack's bounds (2 to 10 in the dev stack), or its own.
        (
            {**ORDERS, "maxExecutors": 3, "minExecutors": 4},
            "pipelines[0].maxExecutors",
            "config pipelines[0].maxExecutors=3 is not valid: at least minExecutors (4, its own)",
        ),
        (
            {**ORDERS, "minExecutors": 11},
            "pipelines[0].minExecutors",
            "config pipelines[0].minExecutors=11 is not valid: at most maxExecutors (10, the stack's)",
        ),
        *[
            (
                {**ORDERS, "rejectedRowsThreshold": value},
                "pipelines[0].rejectedRowsThreshold",
                f"config pipelines[0].rejectedRowsThreshold={shown} is not valid: an integer from 0 to "
                "1000000000000",
            )
            for value, shown in ((-1, "-1"), (10**12 + 1, "1000000000001"), ("ten", "'ten'"), (True, "true"))
        ],
        (
            {**ORDERS, "csvEncoding": "latin1"},
            "pipelines[0].csvEncoding",
            "config pipelines[0].csvEncoding='latin1' is not valid: one of UTF-8, ISO-8859-1 or windows-1252",
        ),
        (
            {**ORDERS, "inputFormat": "parquet", "csvEncoding": "UTF-8"},
            "pipelines[0].csvEncoding",
            "unset: it applies only to inputFormat csv, not parquet",
        ),
        (
            {**ORDERS, "csvNullMarkers": "NULL"},
            "pipelines[0].csvNullMarkers",
            "config pipelines[0].csvNullMarkers='NULL' is not valid: a list of the texts that stand for "
            "null, e.g. ['\\N', 'NULL'] (in single quotes)",
        ),
        *[
            (
                {**ORDERS, "csvNullMarkers": ["\\N", marker]},
                "pipelines[0].csvNullMarkers[1]",
                f"config pipelines[0].csvNullMarkers[1]={shown} is not valid: a text of visible "
                "characters and spaces, or the empty text (to keep empty fields null beside other markers), "
                f"other than -- (which a command line takes for the end of its options){hint}",
            )
            for marker, shown, hint in (
                ("--", "'--'", ""),
                ("N/A\n", '"N/A\\n"', ""),
                ("N\u200bA", '"N\\u200bA"', ""),
                # What YAML's double quotes make of "\N" and "\_".
                *[
                    (escaped, shown, _YAML_SLIP)
                    for escaped, shown in (
                        ("\x85", '"\\x85"'),
                        ("N\xa0A", '"N\\xa0A"'),
                        ("\u2028", '"\\u2028"'),
                    )
                ],
                # YAML reads an unquoted NULL as null, and yes, 1.50 or [a] as no text.
                (
                    None,
                    "null",
                    "; YAML reads an unquoted null, NULL or ~, or nothing, as no value: quote it ('NULL', or "
                    "'' for the empty text)",
                ),
                (True, "true", "; YAML read this one as a boolean: quote it as the files write it"),
                (1.5, "1.5", "; YAML read this one as a number: quote it as the files write it"),
                (["a"], "[a]", "; YAML read this one as a list or map: quote it as the files write it"),
            )
        ],
        # Listed twice, once as the integer `pulumi config set --path` stores: the same text.
        (
            {**ORDERS, "csvNullMarkers": ["\\N", "-999", "NULL", -999]},
            "pipelines[0].csvNullMarkers[3]",
            "config pipelines[0].csvNullMarkers[3]=-999 is not valid: a marker not listed before: "
            "pipelines[0].csvNullMarkers[1] is the same text (a marker listed twice changes the batch, and "
            "so runs it again, without changing what it reads)",
        ),
        # The empty text alone reads as no marker.
        (
            {**ORDERS, "csvNullMarkers": [""]},
            "pipelines[0].csvNullMarkers",
            "config pipelines[0].csvNullMarkers=[''] is not valid: other markers beside the empty text: "
            "alone, it reads as no markers do (an empty field is null), while changing the batch and so "
            "running it again; unset it",
        ),
        # The empty text listed twice.
        (
            {**ORDERS, "csvNullMarkers": ["", "\\N", ""]},
            "pipelines[0].csvNullMarkers[2]",
            "config pipelines[0].csvNullMarkers[2]='' is not valid: a marker not listed before: "
            "pipelines[0].csvNullMarkers[0] is the same text",
        ),
    ],
)
def test_rejects_bad_pipeline(pipeline: dict[str, object], key: str, allowed: str) -> None:
    error = _error({"pipelines": [{k: v for k, v in pipeline.items() if v is not None}]})
    assert error.key == key
    assert allowed in str(error)


def test_a_contract_path_that_is_not_a_regular_file_says_so(tmp_path: Path) -> None:
    fifo = tmp_path / "orders.yaml"
    os.mkfifo(fifo)
    error = _error({"pipelines": [{**ORDERS, "contract": str(fifo)}]})
    assert str(error).endswith(
        f"is not valid: a data contract YAML file, relative to {PROJECT_ROOT} ({fifo} is not a regular file)"
    )


_HADOOP = "the job reads it as a Hadoop path"


@pytest.mark.parametrize(
    ("prefix", "shown", "allowed"),
    [
        (
            "/customers/",
            "'/customers/'",
            "a prefix inside the raw bucket, without a '/' first (e.g. orders/, not /orders/)",
        ),
        ("/", "'/'", "a prefix inside the raw bucket, without a '/' first (e.g. orders/, not /orders/)"),
        ("orders", "'orders'", "a folder: a prefix ending with '/' (e.g. orders/ or landing/orders/)"),
        ("", "''", "a folder: a prefix ending with '/' (e.g. orders/ or landing/orders/)"),
        ("landing//orders/", "'landing//orders/'", "a prefix without an empty folder (no two '/' in a row)"),
        # The job reads the prefix as a Hadoop path: globs pick other folders, `..` climbs out of the prefix.
        *[
            (
                prefix,
                f"'{prefix}'",
                f"a prefix without a . or .. folder: {_HADOOP}, which resolves them (orders/../ is the whole "
                "bucket)",
            )
            for prefix in ("orders/../", "./", "a/./b/")
        ],
        *[
            (
                prefix,
                shown,
                f"a prefix without any of * ? [ ] {{ }} \\ : (it holds {character}): {_HADOOP}, where they "
                "select other folders or break the path",
            )
            for prefix, shown, character in (
                ("orders-[1]/", "'orders-[1]/'", "'['"),
                ("{orders,users}/", "'{orders,users}/'", "'{'"),
                ("a:b/", "'a:b/'", "':'"),
                ("orders*/", "'orders*/'", "'*'"),
                ("a\\b/", "'a\\b/'", "'\\'"),
            )
        ],
        # No command line carries a NUL to the job; the others hide in listings and logs.
        *[
            (
                prefix,
                shown,
                f"a prefix without a control character (it holds {character}): no command line carries NUL, "
                "and listings do not show the others",
            )
            for prefix, shown, character in (
                ("a\nb/", '"a\\nb/"', "U+000A"),
                ("a\rb/", '"a\\rb/"', "U+000D"),
                ("a\x00b/", '"a\\x00b/"', "U+0000"),
                ("a\tb/", '"a\\tb/"', "U+0009"),
                ("a\x7fb/", '"a\\x7fb/"', "U+007F"),
            )
        ],
        *[
            (
                prefix,
                f"'{prefix}'",
                "a prefix outside .well-known/acme-challenge/, where Cloud Storage allows no object's name "
                "to start, so the batch would never find a file",
            )
            for prefix in (".well-known/acme-challenge/", ".well-known/acme-challenge/orders/")
        ],
        (
            "a" * 1023 + "/",
            f"'{'a' * 1023}/'",
            "a prefix under 1024 bytes (it has 1024 in UTF-8): Cloud Storage names hold at most 1024, a "
            "file's name after the prefix included",
        ),
        (
            "é" * 512 + "/",
            f"'{'é' * 512}/'",
            "a prefix under 1024 bytes (it has 1025 in UTF-8): Cloud Storage names hold at most 1024, a "
            "file's name after the prefix included",
        ),
    ],
)
def test_an_input_prefix_error_names_the_rule_it_breaks(prefix: str, shown: str, allowed: str) -> None:
    error = _error({"pipelines": [{**ORDERS, "inputPrefix": prefix}]})
    assert (error.key, str(error)) == (
        "pipelines[0].inputPrefix",
        f"config pipelines[0].inputPrefix={shown} is not valid: {allowed}",
    )


@pytest.mark.parametrize(
    ("token", "text"),
    [
        (2, "2"),
        ("retry-1", "retry-1"),
        # A YAML number is its value's text, as `pulumi config set` makes the stack's: 1.10 is read as 1.1.
        (2.5, "2.5"),
        (1.10, "1.1"),
        ("1.10", "1.10"),
    ],
)
def test_a_pipelines_run_token_is_text_or_a_number_as_text(token: object, text: str) -> None:
    assert _load({"pipelines": [{**ORDERS, "runToken": token}]}).pipelines[0].run_token == text


def test_a_csv_encoding_that_is_not_text_is_refused_naming_the_encodings() -> None:
    error = _error({"pipelines": [{**ORDERS, "csvEncoding": 1252}]})
    assert str(error) == (
        "config pipelines[0].csvEncoding=1252 is not valid: one of UTF-8, ISO-8859-1 or windows-1252"
    )


def test_a_pipelines_input_prefix_is_checked_before_its_csv_keys() -> None:
    error = _error(
        {"pipelines": [{**ORDERS, "inputFormat": "json", "inputPrefix": "/abs", "csvDelimiter": ";"}]}
    )
    assert error.key == "pipelines[0].inputPrefix"


@pytest.mark.parametrize(
    ("set_to", "delimiter"), [({}, ","), ({"csvDelimiter": None}, ","), ({"csvDelimiter": "\t"}, "\t")]
)
def test_a_pipelines_csv_delimiter_defaults_to_the_comma(set_to: dict[str, object], delimiter: str) -> None:
    assert _load({"pipelines": [{**ORDERS, **set_to}]}).pipelines[0].csv.delimiter == delimiter


@pytest.mark.parametrize(
    ("set_to", "markers"),
    [
        ({}, ()),
        ({"csvNullMarkers": None}, ()),
        ({"csvNullMarkers": []}, ()),
        ({"csvNullMarkers": ["\\N", "-"]}, ("\\N", "-")),
        ({"csvNullMarkers": ["\\N", ""]}, ("\\N", "")),
        # `pulumi config set --path` stores an integer as a YAML number: its text is the marker.
        ({"csvNullMarkers": [-999, "N A"]}, ("-999", "N A")),
    ],
)
def test_a_pipelines_csv_null_markers_default_to_none(
    set_to: dict[str, object], markers: tuple[str, ...]
) -> None:
    assert _load({"pipelines": [{**ORDERS, **set_to}]}).pipelines[0].csv.null_markers == markers


@pytest.mark.parametrize(
    ("set_to", "threshold"),
    [({}, None), ({"rejectedRowsThreshold": None}, None), ({"rejectedRowsThreshold": "0"}, 0)],
)
def test_a_pipelines_rejected_rows_threshold_defaults_to_the_stacks(
    set_to: dict[str, object], threshold: int | None
) -> None:
    assert _load({"pipelines": [{**ORDERS, **set_to}]}).pipelines[0].rejected_rows_threshold == threshold


@pytest.mark.parametrize(
    ("stack", "pipeline", "allowed"),
    [
        (
            {"minExecutors": 5},
            {"maxExecutors": 3},
            "config pipelines[0].maxExecutors=3 is not valid: at least minExecutors (5, the stack's)",
        ),
        # A pipeline's own maximum holds the executors the stack's sparkProperties start its batch with.
        (
            {"sparkProperties": {"spark.dynamicAllocation.initialExecutors": "8"}},
            {"maxExecutors": 4},
            "config pipelines[0].maxExecutors=4 is not valid: at least sparkProperties' "
            "spark.dynamicAllocation.initialExecutors (8), the executors its batch starts with",
        ),
    ],
)
def test_a_pipelines_own_executor_bounds_are_checked_against_the_stacks_settings(
    stack: dict[str, object], pipeline: dict[str, object], allowed: str
) -> None:
    error = _error({**stack, "pipelines": [{**ORDERS, **pipeline}]})
    assert (error.key, str(error)) == ("pipelines[0].maxExecutors", allowed)


def test_rejects_duplicate_pipeline_names_and_tables() -> None:
    assert _error({"pipelines": [ORDERS, ORDERS]}).key == "pipelines[1].name"
    error = _error({"pipelines": [ORDERS, {**ORDERS, "name": "orders-again"}]})
    assert error.key == "pipelines[1].contract"
    assert str(error) == (
        "config pipelines[1].contract='spark_jobs/contracts/orders.yaml' is not valid: a contract of a table "
        "no other pipeline loads (its table orders is pipelines[0]'s too)"
    )


def test_rejects_a_copy_of_another_pipelines_contract_naming_the_file_and_the_other_pipeline(
    tmp_path: Path,
) -> None:
    copy = tmp_path / "orders_copy.yaml"
    copy.write_text(Path("spark_jobs/contracts/orders.yaml").read_text())
    events = events_pipeline(tmp_path)
    pipelines = [ORDERS, events, {**ORDERS, "name": "copy", "contract": str(copy), "inputPrefix": "copy/"}]
    error = _error({"pipelines": pipelines})
    assert str(error) == (
        f"config pipelines[2].contract='{copy}' is not valid: a contract of a table no other pipeline loads "
        "(its table orders is pipelines[0]'s too)"
    )


@pytest.mark.parametrize(
    ("first", "second"),
    [("landing/", "landing/events/"), ("landing/events/", "landing/"), ("events/archive/", None)],
)
def test_rejects_a_pipeline_reading_inside_another_pipelines_folder(
    first: str, second: str | None, tmp_path: Path
) -> None:
    """The default prefix (<name>/) counts: a pipeline named events reads events/."""
    events = events_pipeline(tmp_path)
    events = {**events, "inputPrefix": second} if second else events
    error = _error({"pipelines": [{**ORDERS, "inputPrefix": first}, events]})
    assert error.key == "pipelines[1].inputPrefix"
    assert f"a folder apart from pipelines[0]'s {first!r}" in str(error)


def test_a_pipeline_prefix_that_only_starts_like_another_is_apart(tmp_path: Path) -> None:
    events = events_pipeline(tmp_path)
    config = _load({"pipelines": [{**ORDERS, "inputPrefix": "land/"}, {**events, "inputPrefix": "landing/"}]})
    assert [pipeline.input_prefix for pipeline in config.pipelines] == ["land/", "landing/"]


def test_rejects_a_table_named_like_another_pipelines_quarantine(tmp_path: Path) -> None:
    contract = tmp_path / "rejected.yaml"
    contract.write_text("table: orders__rejected\ncolumns:\n  - {name: id, type: STRING}\n", encoding="utf-8")
    error = _error({"pipelines": [ORDERS, {**ORDERS, "name": "second", "contract": str(contract)}]})
    assert error.key == "pipelines[1].contract"
    assert (
        "table: 'orders__rejected' ends with __rejected (in some letter case), which names the quarantine of "
        "another table" in str(error)
    )


def test_invalid_contract_surfaces_the_contract_error(tmp_path: Path) -> None:
    contract = tmp_path / "broken.yaml"
    contract.write_text("table: broken\ncolumns:\n  - {name: id, type: TEXT}\n", encoding="utf-8")
    as_written = os.path.relpath(contract, PROJECT_ROOT)  # shown as given, not resolved
    error = _error({"pipelines": [{**ORDERS, "contract": as_written}]})
    assert error.key == "pipelines[0].contract"
    assert f"'{as_written}' is not valid" in str(error)
    assert "a valid data contract (" in str(error)
    assert "TEXT" in str(error)


@pytest.mark.parametrize(
    "name",
    [
        "-orders.yaml",  # read as an option of the job
        "orders#v2.yaml",  # a URI's fragment
        "orders,v2.yaml",  # two URIs
        "my orders.yaml",  # the end of the URI
    ],
)
def test_a_contract_file_name_the_batch_cannot_pass_on_is_refused(tmp_path: Path, name: str) -> None:
    contract = tmp_path / name
    contract.write_text((Path(__file__).parents[2] / "spark_jobs/contracts/orders.yaml").read_text())
    error = _error({"pipelines": [{**ORDERS, "contract": str(contract)}]})
    assert error.key == "pipelines[0].contract"
    assert "a data contract file named with ASCII letters, digits, '_', '.' and '-' (not first)" in str(error)


def test_a_contract_file_name_of_the_safe_characters_is_accepted(tmp_path: Path) -> None:
    contract = tmp_path / "Orders_v2.1-final.yaml"
    contract.write_text((Path(__file__).parents[2] / "spark_jobs/contracts/orders.yaml").read_text())
    config = _load({"pipelines": [{**ORDERS, "contract": str(contract)}]})
    assert config.pipelines[0].contract_path == contract.resolve()


@pytest.mark.parametrize("make", ["too long", "symlink loop"])
def test_a_contract_path_the_file_system_refuses_is_a_config_error(tmp_path: Path, make: str) -> None:
    if make == "too long":
        value = "a" * 300 + ".yaml"
    else:
        (tmp_path / "loop").symlink_to(tmp_path / "loop")
        value = str(tmp_path / "loop")
    error = _error({"pipelines": [{**ORDERS, "contract": value}]})
    assert error.key == "pipelines[0].contract"
    assert "a data contract YAML file, relative to" in str(error)


def test_a_contract_that_is_not_utf8_is_a_config_error(tmp_path: Path) -> None:
    contract = tmp_path / "latin1.yaml"
    contract.write_bytes("table: caf\xe9\n".encode("latin-1"))
    error = _error({"pipelines": [{**ORDERS, "contract": str(contract)}]})
    assert error.key == "pipelines[0].contract"
    assert "not UTF-8 text (byte 10): save it as UTF-8" in str(error)


def test_defaults_apply_to_optional_pipeline_settings() -> None:
    config = _load({"pipelines": [ORDERS]})
    (pipeline,) = config.pipelines
    assert (pipeline.input_prefix, pipeline.write_mode, pipeline.max_reject_ratio) == (
        "orders/",
        "append",
        0.0,
    )
    assert pipeline.contract.table == "orders"


def test_a_pipeline_setting_left_empty_takes_its_default() -> None:
    empty = {"inputPrefix": None, "writeMode": None, "maxRejectRatio": None}
    (pipeline,) = _load({"pipelines": [{**ORDERS, **empty}]}).pipelines
    assert (pipeline.input_prefix, pipeline.write_mode, pipeline.max_reject_ratio) == (
        "orders/",
        "append",
        0.0,
    )


def test_misspelled_key_is_rejected_with_a_suggestion() -> None:
    error = _error({"maxExecutor": 20})
    assert (
        str(error)
        == "config maxExecutor='20' is not valid: a key declared in Pulumi.yaml (did you mean maxExecutors?)"
    )


def test_defaults_come_from_pulumi_yaml_when_a_key_is_unset() -> None:
    declared = declared_keys()
    config = _load({key: None for key in declared if key != "projectId"})
    assert config.region == declared["region"]["default"] == "europe-west1"
    assert config.batch.max_executors == declared["maxExecutors"]["default"] == 10
    assert config.batch.run_token == declared["runToken"]["default"] == "1"
    assert config.storage.force_destroy is declared["forceDestroy"]["default"] is False
    # A stack that says nothing keeps its data, as prod does; a throwaway stack opts out (Pulumi.dev.yaml).
    assert config.storage.protect_raw is config.warehouse.protect is True
    assert config.warehouse.delete_contents_on_destroy is False
    assert config.pipelines == ()
    assert dict(config.labels) == {"app": "gcs-bigquery-pipeline", "stack": "dev", "managed-by": "pulumi"}


def test_every_declared_key_has_a_description_and_scalars_a_type() -> None:
    for key, declaration in declared_keys().items():
        assert declaration.get("description"), key
        # Pulumi's project config has no schema type for maps and lists of objects: their default says it.
        if not isinstance(declaration.get("default"), dict | list):
            assert declaration.get("type") in ("string", "integer", "boolean"), key


def test_labels_follow_googles_rules_underscores_included() -> None:
    """Dataproc's batch reference says RFC 1035, but batches take Google's usual labels (`batch_test`)."""
    labels = {"cost_center": "fin_42", "team-": "-data-", "k" * 63: "v" * 63, "empty": ""}
    stack = run_stack("dev", {"labels": labels})
    for resource in (
        stack.one("gcp:dataproc/batch:Batch", "orders-batch"),
        stack.one("gcp:storage/bucket:Bucket", "raw"),
    ):
        assert resource.inputs["labels"].items() >= labels.items()


def test_label_values_set_with_a_path_as_numbers_or_booleans_are_their_text() -> None:
    """`pulumi config set --path labels.cost-center 1234` stores an integer, `... true` a boolean."""
    labels = _load({"labels": {"cost-center": 1234, "critical": True, "legacy": False}}).labels
    assert {key: labels[key] for key in ("cost-center", "critical", "legacy")} == {
        "cost-center": "1234",
        "critical": "true",
        "legacy": "false",
    }
    error = _error({"labels": {"ratio": 1.5}})
    assert (error.key, str(error)) == (
        "labels.ratio",
        "config labels.ratio=1.5 is not valid: a label value: text, an integer, true or false",
    )


def test_the_providers_own_settings_may_repeat_the_stacks_or_be_empty() -> None:
    overrides = {"gcp:region": "europe-west1", "gcp:project": "", "gcp:defaultLabels": {}}
    assert _load(overrides).region == "europe-west1"


def test_default_labels_count_once_with_the_labels_they_repeat(warnings: list[str]) -> None:
    """The provider's default labels go on every resource too; a key both set is one label. Those the program
    sets are said to be replaced where it sets them."""
    labels = {f"k{i}": "v" for i in range(27)}
    program = {"app": "a", "stack": "s", "pipeline": "p", "goog-pulumi-provisioned": "true"}
    assert _load({"labels": labels, "gcp:defaultLabels": {"k0": "w", **program}}).labels["k0"] == "v"
    assert warnings == [
        "gcp:defaultLabels gives labels the program sets itself (app, stack, pipeline): it sets app, stack "
        "and managed-by on every labelled resource, role on buckets, pipeline on tables and batches, and "
        "there its value replaces the default"
    ]


def test_user_labels_fill_the_32_a_batch_may_carry_with_the_providers_own() -> None:
    labels = {f"k{i}": "v" for i in range(27)}
    stack = run_stack("dev", {"labels": labels})
    batch = stack.one("gcp:dataproc/batch:Batch", "orders-batch")
    assert len(batch.inputs["labels"]) == 31  # and the provider's goog-pulumi-provisioned makes 32


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The preview warnings the program logs, as they are logged."""
    logged: list[str] = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, *args, **kwargs: logged.append(message))
    return logged


def test_secrets_the_program_cannot_keep_secret_are_warned_about(warnings: list[str]) -> None:
    run_stack("prod", secret_keys=["alertEmail"])
    assert warnings == []
    run_stack("prod", secret_keys=["alertEmail", "projectId"])
    assert [warning.rsplit(": ", 1)[-1] for warning in warnings] == ["projectId"]
    warnings.clear()
    run_stack(
        "prod", {"gcp:defaultLabels": {"team": "data"}}, secret_keys=["gcp:defaultLabels", "gcp:region"]
    )
    assert [warning.rsplit(": ", 1)[-1] for warning in warnings] == ["gcp:defaultLabels"]  # region is unset
    warnings.clear()
    run_stack("prod", {"labels": {"env": "prod"}}, secret_keys=["alertEmail", "projectId", "labels"])
    assert warnings == [
        "config keys set with --secret that the program writes into resource names and properties, which "
        "previews and the state show in plain text (only alertEmail stays encrypted): labels, projectId"
    ]


@pytest.mark.parametrize(
    ("overrides", "warned"),
    [
        ({"subnetCidr": "10.0.0.0/26", "maxExecutors": 59}, False),  # 60 VMs in 60 usable addresses
        ({"subnetCidr": "10.0.0.0/26", "maxExecutors": 60}, True),
        ({"maxExecutors": 300}, True),  # the default /24 holds 252
        (
            {
                "maxExecutors": 300,
                "existingNetwork": "projects/host-project/global/networks/corp",
                "existingSubnetwork": "projects/host-project/regions/europe-west1/subnetworks/data",
                "createFirewallRule": False,
            },
            False,  # an existing subnet's range is not the stack's to size
        ),
    ],
)
def test_a_subnet_that_may_run_short_of_addresses_is_warned_about(
    overrides: dict[str, object], warned: bool, warnings: list[str]
) -> None:
    _load(overrides)
    assert bool(warnings) is warned
    if warned:
        assert warnings[0].startswith("subnetCidr ") and "usable addresses, while " in warnings[0]


@pytest.mark.parametrize(("second", "warned"), [(50, False), (51, True)])
def test_the_subnet_warning_counts_each_pipeline_up_to_its_own_max_executors(
    second: int, warned: bool, warnings: list[str], tmp_path: Path
) -> None:
    """200 + 1 and 50 + 1 VMs fit the default /24's 252 addresses; one more does not."""
    refunds = tmp_path / "refunds.yaml"
    refunds.write_text("table: refunds\ncolumns:\n  - {name: refund_id, type: STRING}\n", encoding="utf-8")
    second_pipeline = {**ORDERS, "name": "refunds", "contract": str(refunds), "maxExecutors": second}
    _load({"pipelines": [{**ORDERS, "maxExecutors": 200}, second_pipeline]})
    assert bool(warnings) is warned
    if warned:
        assert "2 pipeline(s) running at once, each up to its maxExecutors, may take 253" in warnings[0]


_EXISTING_NETWORK = {
    "existingNetwork": "projects/host-project/global/networks/corp",
    "existingSubnetwork": "projects/host-project/regions/europe-west1/subnetworks/data",
    "networkTags": ["dataproc-batches"],
}


@pytest.mark.parametrize(
    ("overrides", "warned"),
    [
        ({"flowLogs": True}, False),  # on the subnet the stack creates
        ({**_EXISTING_NETWORK, "flowLogs": False}, False),
        ({**_EXISTING_NETWORK, "flowLogs": True}, True),
    ],
)
def test_flow_logs_without_a_created_subnet_are_warned_about(
    overrides: dict[str, object], warned: bool, warnings: list[str]
) -> None:
    _load(overrides)
    expected = "flowLogs is true but has no effect with existingNetwork: the stack creates no subnet"
    assert [warning.startswith(expected) for warning in warnings] == ([True] if warned else [])


@pytest.mark.parametrize(
    ("overrides", "warned"),
    [
        ({"subnetCidr": "10.99.0.0/16"}, False),  # the subnet the stack creates
        ({**_EXISTING_NETWORK}, False),  # its default: unset, or set to it
        ({**_EXISTING_NETWORK, "subnetCidr": "10.99.0.0/16"}, True),
    ],
)
def test_a_subnet_range_set_beside_an_existing_subnet_is_warned_about(
    overrides: dict[str, object], warned: bool, warnings: list[str]
) -> None:
    _load(overrides)
    expected = (
        "subnetCidr 10.99.0.0/16 has no effect with existingNetwork: the stack creates no subnet, and "
        "batches take their addresses from existingSubnetwork's range; unset it"
    )
    assert warnings == ([expected] if warned else [])


@pytest.mark.parametrize(
    ("overrides", "warned"),
    [
        ({**_EXISTING_NETWORK, "networkTags": []}, True),  # the host project's subnet, no tags
        ({**_EXISTING_NETWORK}, False),  # the rule targets the tagged VMs
        ({**_EXISTING_NETWORK, "networkTags": [], "createFirewallRule": False}, False),  # the owners' rule
        (
            {
                "existingNetwork": "projects/my-pipeline-dev/global/networks/corp",
                "existingSubnetwork": "projects/my-pipeline-dev/regions/europe-west1/subnetworks/data",
            },
            False,  # the stack's own project: no other project's VMs
        ),
    ],
)
def test_a_shared_vpc_subnet_opened_to_all_its_vms_is_warned_about(
    overrides: dict[str, object], warned: bool, warnings: list[str]
) -> None:
    _load(overrides)
    expected = (
        "existingSubnetwork is in project host-project, a Shared VPC's, whose other projects' VMs may use it "
        "too, and networkTags is empty: the internal rule that createFirewallRule adds lets every VM on the "
        "subnet reach every other on every port. Set networkTags, which the batches' VMs then carry and the "
        "rule targets alone, or createFirewallRule: false to leave the rule to the network's owners"
    )
    assert warnings == ([expected] if warned else [])


@pytest.mark.parametrize(
    ("overrides", "warned"),
    [
        ({}, False),  # the dev stack: nothing protected
        ({"protectData": True}, True),
        ({"protectData": True, "alertEmail": "oncall@example.com"}, False),
        ({"protectData": True, "pipelines": []}, False),  # no batch to fail
    ],
)
def test_a_protected_stack_whose_alerts_notify_no_one_is_warned_about(
    overrides: dict[str, object], warned: bool, warnings: list[str]
) -> None:
    _load(overrides)
    expected = "alertEmail is empty in a stack that protects its data (protectData): its alert policies"
    assert [warning.startswith(expected) for warning in warnings] == ([True] if warned else [])


def test_resource_paths_are_parsed_by_position_not_by_the_first_matching_word() -> None:
    # Project ids `regions` and `locations` are valid: a path's parts come from its place, not a word search.
    loaded = _load(
        {
            "existingNetwork": "projects/regions/global/networks/corp",
            "existingSubnetwork": "projects/regions/regions/europe-west1/subnetworks/data",
            "kmsKey": "projects/locations/locations/europe-west1/keyRings/r/cryptoKeys/k",
        }
    )
    network, subnetwork = loaded.network.existing_network, loaded.network.existing_subnetwork
    assert network == stack_config.ResourcePath(
        path="projects/regions/global/networks/corp", project="regions", region=None, name="corp"
    )
    assert subnetwork == stack_config.ResourcePath(
        path="projects/regions/regions/europe-west1/subnetworks/data",
        project="regions",
        region="europe-west1",
        name="data",
    )
    assert loaded.kms_key == "projects/locations/locations/europe-west1/keyRings/r/cryptoKeys/k"


@pytest.mark.parametrize(
    ("tags", "key"),
    [
        ({"tag": "dataproc"}, "networkTags"),
        ([f"tag-{index}" for index in range(65)], "networkTags"),
        (["Dataproc"], "networkTags[0]"),
        (["ok", "9lives"], "networkTags[1]"),
        (["ok", "trailing-"], "networkTags[1]"),
        (["t" * 64], "networkTags[0]"),
        ([7], "networkTags[0]"),
    ],
)
def test_rejects_bad_network_tags(tags: object, key: str) -> None:
    error = _error({"networkTags": tags})
    assert error.key == key
    assert (
        "distinct network tags, each named by RFC 1035: 1-63 lowercase letters, digits or hyphens, a letter "
        "first" in str(error)
    )


@pytest.mark.parametrize(
    "namespace",
    [
        "gcs-bigquery-pipline",
        "gcs_bigquery_pipeline",
        "gcs-bigquery-pipeline2",
        "Gcs-Bigquery-Pipeline",
    ],
)
def test_a_key_in_a_misspelled_project_namespace_is_refused(namespace: str) -> None:
    """Nothing would read it: the CMEK key, say, would silently not be used."""
    error = _error({f"{namespace}:kmsKey": "projects/p-proj1/locations/europe-west1/keyRings/r/cryptoKeys/k"})
    assert error.key == f"{namespace}:kmsKey"
    assert str(error).endswith(
        "is not valid: a key of this project's namespace, gcs-bigquery-pipeline:kmsKey: the program reads no "
        "other namespace's keys than its own and the provider's (gcp:)"
    )


@pytest.mark.parametrize("name", ["kmsKey", "labels", "projectId"])
def test_a_key_of_the_project_set_as_the_providers_is_refused(name: str) -> None:
    """The provider has no such setting: the stack would run without it (`gcp:region` is the provider's)."""
    error = _error({f"gcp:{name}": "x"})
    assert (error.key, str(error)) == (
        f"gcp:{name}",
        f"config gcp:{name}='x' is not valid: a key of this project's namespace, "
        f"gcs-bigquery-pipeline:{name}: the provider has no {name}",
    )


def test_keys_of_other_namespaces_are_left_to_their_readers() -> None:
    others = {
        "pulumi:disable-default-providers": ["aws"],
        "random:seed": 1,
        # Other projects' settings, as a shared environment may hold them.
        "gcs-bigquery-loader:region": "x",
        "gcs-bigquery-pipeline-ops:team": "x",
        "bigquery-pipeline:team": "x",
    }
    assert _load(others).project_id == "my-pipeline-dev"


def test_a_repeated_network_tag_names_its_first_place() -> None:
    error = _error({"networkTags": ["ok", "other", "ok"]})
    assert error.key == "networkTags[2]"
    assert str(error) == "config networkTags[2]='ok' is not valid: a tag not given before (networkTags[0])"


@pytest.mark.parametrize(
    ("properties", "key", "allowed"),
    [
        (["spark.executor.memory=8g"], "sparkProperties", "a map of Spark property names to values"),
        *[
            (
                {name: "8g"},
                f"sparkProperties.{name}",
                "a Spark property name: 'spark.' followed by letters, digits, '_', '.' or '-'",
            )
            for name in ("executor.memory", "spark.", "spark.foo bar")
        ],
        (
            {"spark.foo\u200bbar": "x"},
            'sparkProperties["spark.foo\\u200bbar"]',
            "a Spark property name: 'spark.' followed by letters",
        ),
        (
            {"spark.executor.cores": 8},
            "sparkProperties.spark.executor.cores",
            "executorCores and driverCores set",
        ),
        (
            {"spark.dynamicAllocation.maxExecutors": 50},
            "sparkProperties.spark.dynamicAllocation.maxExecutors",
            "executorCores and driverCores set spark.dynamicAllocation.enabled, ",
        ),
        (
            {"spark.sql.session.timeZone": "Europe/Paris"},
            "sparkProperties.spark.sql.session.timeZone",
            "a property the job does not set itself at run time",
        ),
        (
            {"spark.sql.inMemoryColumnarStorage.batchSize": 1000},
            "sparkProperties.spark.sql.inMemoryColumnarStorage.batchSize",
            "a property the job does not set itself at run time",
        ),
        # The connector would load elsewhere, as another identity, or otherwise than the job's options say.
        *[
            (
                {f"spark.datasource.bigquery.{option}": "other"},
                f"sparkProperties.spark.datasource.bigquery.{option}",
                "one of the BigQuery connector's global options a batch may set: "
                "bigQueryJobTimeoutInMinutes, httpMaxRetry, httpConnectTimeout, httpReadTimeout or "
                "bigQueryJobLabel.<key>. The connector applies the others to every load, beside the options "
                "the job sets: they could load the rows into another project, as another identity, or "
                "through another bucket or partitioning, or change the tables the stack declares",
            )
            for option in (
                "project",
                "parentProject",
                "parentproject",
                "credentials",
                "credentialsFile",
                "gcpImpersonationServiceAccount",
                "gcpImpersonationServiceAccountForUser.alice",
                "gcpAccessToken",
                "gcpAccessTokenProvider",
                "writeMethod",
                "temporaryGcsBucket",
                "persistentGcsBucket",
                "intermediateFormat",
                "datePartition",
                "allowFieldAddition",
                "httpMaxRetries",
                "bigQueryTableLabel.team",
                "",
            )
        ],
        # The project of what is named without one, and the identity, in Hadoop's settings or the environment.
        *[
            (
                {name: "other"},
                f"sparkProperties.{name}",
                "a property that keeps Cloud Storage and BigQuery in projectId, as the runner account: this "
                "one would have the connectors, or the job's BigQuery client, find buckets and tables in "
                "another project, or call them as another identity",
            )
            for name in (
                "spark.hadoop.fs.gs.project.id",
                "spark.hadoop.google.cloud.auth.service.account.json.keyfile",
                "spark.hadoop.fs.gs.auth.type",
                "spark.hadoop.fs.gs.auth.impersonation.service.account",
                "spark.hadoop.fs.gs.delegation.token.binding",
                "spark.executorEnv.GOOGLE_APPLICATION_CREDENTIALS",
                "spark.dataproc.driverEnv.GOOGLE_CLOUD_PROJECT",
                "spark.kubernetes.driverEnv.GCLOUD_PROJECT",
            )
        ],
        # Another address for the Cloud Storage connector's requests, another project to bill, or settings
        # read from a file.
        *[
            (
                {name: "other"},
                f"sparkProperties.{name}",
                "a property that keeps the Cloud Storage connector's requests on Google's endpoints, billed "
                "to projectId, under the settings the stack shows: this one would send them, and the runner "
                "account's access token, to another address or through a proxy, bill them to another "
                "project, or read Hadoop settings from a file or keystore",
            )
            for name in (
                "spark.hadoop.fs.gs.storage.root.url",
                "spark.hadoop.fs.gs.storage.service.path",
                "spark.hadoop.fs.gs.token.server.url",
                "spark.hadoop.fs.gs.grpc.server.address",
                "spark.hadoop.fs.gs.proxy.address",
                "spark.hadoop.fs.gs.proxy.password",
                "spark.hadoop.fs.gs.requester.pays.project.id",
                "spark.hadoop.fs.gs.requester.pays.mode",
                "spark.hadoop.fs.gs.storage.http.headers.x-goog-user-project",
                "spark.hadoop.fs.gs.config.override.file",
                "spark.hadoop.hadoop.security.credential.provider.path",
            )
        ],
        # Customer-supplied keys: BigQuery cannot load the files the connector would stage with them.
        *[
            (
                {name: "other"},
                f"sparkProperties.{name}",
                "a property that leaves encryption to the buckets' keys (kmsKey sets a customer-managed "
                "one): a customer-supplied key would encrypt the files the BigQuery connector stages, which "
                "BigQuery cannot load, and show the key in the batch's properties",
            )
            for name in (
                "spark.hadoop.fs.gs.encryption.algorithm",
                "spark.hadoop.fs.gs.encryption.key",
                "spark.hadoop.fs.gs.encryption.key.hash",
            )
        ],
        # The connector reads its global options by their exact names, as Java's numbers.
        (
            {"spark.datasource.bigquery.httpmaxretry": 5},
            "sparkProperties.spark.datasource.bigquery.httpmaxretry",
            "not another spelling of spark.datasource.bigquery.httpMaxRetry: the connector reads its global "
            "options by their exact names",
        ),
        (
            {"spark.DataSource.bigquery.httpMaxRetry": 5},
            "sparkProperties.spark.DataSource.bigquery.httpMaxRetry",
            "a property named with spark.datasource.bigquery. as written: the connector reads only those, by "
            "their exact names",
        ),
        *[
            (
                {f"spark.datasource.bigquery.{option}": value},
                f"sparkProperties.spark.datasource.bigquery.{option}",
                f"={shown} is not valid: a whole number from {low} to {high}, as the connector reads it",
            )
            for option, value, shown, low, high in (
                ("httpMaxRetry", -1, "-1", 0, 2**31 - 1),
                ("httpReadTimeout", 1.5, "1.5", 0, 2**31 - 1),
                ("httpConnectTimeout", " 5", "' 5'", 0, 2**31 - 1),
                ("httpConnectTimeout", 2**31, str(2**31), 0, 2**31 - 1),
                ("bigQueryJobTimeoutInMinutes", "ten", "'ten'", 1, 2**63 - 1),
                ("bigQueryJobTimeoutInMinutes", 0, "0", 1, 2**63 - 1),
            )
        ],
        # The job labels its loads with these itself, over a batch's.
        *[
            (
                {f"spark.datasource.bigquery.bigQueryJobLabel.{label}": "x"},
                f"sparkProperties.spark.datasource.bigquery.bigQueryJobLabel.{label}",
                "a job label other than pipeline and batch_id, which the job sets on its loads",
            )
            for label in ("pipeline", "batch_id")
        ],
        (
            {"spark.datasource.bigquery.bigQueryJobLabel.Team": "data"},
            "sparkProperties.spark.datasource.bigquery.bigQueryJobLabel.Team",
            "bigQueryJobLabel.<key> with a label key: 1-63 lowercase letters, digits, _ or -, a letter first "
            "(not 'Team')",
        ),
        (
            {"spark.datasource.bigquery.bigQueryJobLabel.team": "Data Platform"},
            "sparkProperties.spark.datasource.bigquery.bigQueryJobLabel.team",
            "='Data Platform' is not valid: a label value: 0-63 lowercase letters, digits, _ or -",
        ),
        # Spark copies the job's value over the one a batch gives Hadoop.
        *[
            (
                {f"spark.hadoop.{name}": "false"},
                f"sparkProperties.spark.hadoop.{name}",
                f"a property the job does not set itself at run time: it sets {name}, which Spark copies "
                f"over spark.hadoop.{name} when it reads files",
            )
            for name in (
                "parquet.page.verify-checksum.enabled",
                "avro.mapred.ignore.inputs.without.extension",
            )
        ],
        (
            {"spark.executor.memory": ["8g"]},
            "sparkProperties.spark.executor.memory",
            "a property value: text",
        ),
        # Spark's names are case-sensitive: these would be set beside the real ones and do nothing.
        (
            {"spark.Executor.Cores": 8},
            "sparkProperties.spark.Executor.Cores",
            "not another spelling of spark.executor.cores, which the program or the job sets",
        ),
        (
            {"spark.sql.session.timezone": "America/New_York"},
            "sparkProperties.spark.sql.session.timezone",
            "not another spelling of spark.sql.session.timeZone",
        ),
        (
            {"spark.executor.memory": "8g", "spark.Executor.memory": "16g"},
            "sparkProperties.spark.Executor.memory",
            "config sparkProperties.spark.Executor.memory='16g' is not valid: not another spelling of "
            "spark.executor.memory, also in sparkProperties: Spark's property names are case-sensitive, so "
            "one of the two would do nothing",
        ),
        (
            {"spark.sql.timestampType": "TIMESTAMP_NTZ"},
            "sparkProperties.spark.sql.timestampType",
            "a property the job does not set itself at run time",
        ),
        ({"spark.executor.memory": None}, "sparkProperties.spark.executor.memory", "=null is not valid"),
        # Spark starts a batch with this many executors, even above maxExecutors (10 in the dev stack).
        *[
            (
                {name: 11},
                f"sparkProperties.{name}",
                f"config sparkProperties.{name}=11 is not valid: at most maxExecutors (10): a batch starts "
                "with this many executors, even above the maximum",
            )
            for name in ("spark.dynamicAllocation.initialExecutors", "spark.executor.instances")
        ],
        # Dataproc Serverless starts a batch with at least 2 executors.
        *[
            (
                {name: value},
                f"sparkProperties.{name}",
                f"config sparkProperties.{name}={shown} is not valid: at least 2, Dataproc Serverless's "
                "fewest executors for a batch",
            )
            for name in ("spark.dynamicAllocation.initialExecutors", "spark.executor.instances")
            for value, shown in ((1, "1"), ("0", "'0'"), (" -3", "' -3'"))
        ],
        # As Spark reads them: trimmed, and with a sign.
        (
            {"spark.executor.instances": " +11"},
            "sparkProperties.spark.executor.instances",
            "config sparkProperties.spark.executor.instances=' +11' is not valid: at most maxExecutors (10)",
        ),
        (
            {"spark.dynamicAllocation.initialExecutors": "5e1"},
            "sparkProperties.spark.dynamicAllocation.initialExecutors",
            "config sparkProperties.spark.dynamicAllocation.initialExecutors='5e1' is not valid: a whole "
            "number, as Spark reads it (a 32-bit integer)",
        ),
        *[
            (
                {"spark.executor.instances": number},
                "sparkProperties.spark.executor.instances",
                f"config sparkProperties.spark.executor.instances='{number}' is not valid: a whole number, "
                "as Spark reads it (a 32-bit integer)",
            )
            for number in ("2147483648", "-2147483649", "9" * 4301)
        ],
        *[
            (
                {name: value},
                f"sparkProperties.{name}",
                "a property Dataproc Serverless supports: a batch setting spark.master or a YARN or shuffle",
            )
            for name, value in (
                ("spark.master", "yarn"),
                ("spark.yarn.queue", "etl"),
                ("spark.shuffle.service.enabled", True),
                ("spark.shuffle.io.maxRetries", 10),
            )
        ],
        # Code a batch would fetch from outside Cloud Storage and its image as it starts.
        *[
            (
                {name: value},
                f"sparkProperties.{name}",
                "a property that downloads nothing as a batch starts: this one downloads packages from a "
                "repository",
            )
            for name, value in (
                ("spark.jars.packages", "com.example:lib:1.0"),
                ("spark.jars.repositories", "https://repo.example.com/maven"),
                ("spark.sql.hive.metastore.jars", " Maven"),
            )
        ],
        (
            {"spark.jars": "gs://code/lib.jar, https://example.com/lib.jar"},
            "sparkProperties.spark.jars",
            "sparkProperties.spark.jars='gs://code/lib.jar, https://example.com/lib.jar' is not valid: "
            "files in Cloud Storage (gs://) or the runtime image (file:, local: or a path): a batch would "
            "fetch 'https://example.com/lib.jar' from outside as it starts",
        ),
        # A refused value is shown as the stack file writes it.
        (
            {"spark.jars.packages": 5},
            "sparkProperties.spark.jars.packages",
            "config sparkProperties.spark.jars.packages=5 is not valid: a property that downloads nothing",
        ),
        (
            {"spark.sql.hive.metastore.jars.path": "s3a://bucket/hive/*.jar"},
            "sparkProperties.spark.sql.hive.metastore.jars.path",
            "a batch would fetch 's3a://bucket/hive/*.jar' from outside",
        ),
    ],
)
def test_rejects_spark_properties_other_keys_or_the_job_set(
    properties: object, key: str, allowed: str
) -> None:
    error = _error({"sparkProperties": properties})
    assert error.key == key
    assert allowed in str(error)


def test_spark_properties_are_text_beside_the_ones_the_sizing_keys_give() -> None:
    properties = {
        "spark.executor.memory": "8g",
        "spark.dataproc.executor.disk.size": 500,
        "spark.speculation": True,
    }
    batch = _load({"sparkProperties": properties, "maxExecutors": 20}).batch
    assert dict(batch.spark_properties) == {
        "spark.executor.memory": "8g",
        "spark.dataproc.executor.disk.size": "500",
        "spark.speculation": "true",
        "spark.dynamicAllocation.enabled": "true",
        "spark.dynamicAllocation.minExecutors": "2",
        "spark.dynamicAllocation.maxExecutors": "20",
        "spark.executor.cores": "4",
        "spark.driver.cores": "4",
    }


@pytest.mark.parametrize(
    "properties",
    [
        # Code in Cloud Storage or the runtime image.
        {
            "spark.jars": "gs://code/lib.jar,local:///usr/lib/spark/extra.jar",
            "spark.files": "file:///etc/app.conf, lookup.csv",
            "spark.sql.hive.metastore.jars": "builtin",
            "spark.jars.packages": "",
        },
        # The connectors' calls tuned, and labels on the BigQuery connector's jobs.
        {
            "spark.datasource.bigquery.bigQueryJobTimeoutInMinutes": "30",
            "spark.datasource.bigquery.httpMaxRetry": "0",
            "spark.datasource.bigquery.httpConnectTimeout": "60000",
            "spark.datasource.bigquery.httpReadTimeout": "60000",
            "spark.datasource.bigquery.bigQueryJobLabel.cost-center": "cc_42",
            "spark.hadoop.fs.gs.inputstream.fadvise": "SEQUENTIAL",
            "spark.hadoop.fs.gs.http.read-timeout": "30000",
            "spark.hadoop.fs.gs.storage.http.read-timeout": "30000",
        },
    ],
)
def test_spark_properties_that_keep_the_batch_in_the_stack_are_passed_as_written(
    properties: dict[str, str],
) -> None:
    spark_properties = _load({"sparkProperties": properties}).batch.spark_properties
    assert {name: spark_properties[name] for name in properties} == properties


def test_a_structured_value_is_shown_as_the_stack_file_spells_it() -> None:
    assert str(_error({"sparkProperties": [True, "x"]})) == (
        "config sparkProperties=[true, x] is not valid: a map of Spark property names to values"
    )


def test_network_tags_are_a_set_in_any_order() -> None:
    assert _load({"networkTags": ["web", "dataproc"]}).network.network_tags == ("dataproc", "web")
