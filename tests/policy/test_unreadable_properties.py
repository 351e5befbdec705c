"""A resource whose properties have another shape than the provider's schema gives them is reported by the
policy that cannot read it, never a traceback that fails the preview."""

import re
from typing import Any

import pytest

from policy.policies import POLICIES
from policy.resources import BATCH, DATASET, FIREWALL
from tests.policy.resource_args import resource_args, violations

BY_NAME = {policy.name: policy for policy in POLICIES}


@pytest.mark.parametrize(
    ("policy", "resource_type", "props", "error", "module"),
    [
        (
            "iam-no-public-members",
            DATASET,
            {"accesses": [None, {"role": "READER", "specialGroup": "allUsers"}]},
            "TypeError: 'NoneType' object is not subscriptable",
            "resources.py",
        ),
        (
            "firewall-no-internet-ingress",
            FIREWALL,
            {"sourceRanges": [None, "0.0.0.0/0"], "allows": [{"protocol": "all"}]},
            "AttributeError: 'NoneType' object has no attribute 'strip'",
            "network.py",
        ),
        (
            "batch-ttl",
            BATCH,
            {"environmentConfig": {"executionConfig": "x"}},
            "AttributeError: 'str' object has no attribute 'get'",
            "batches.py",
        ),
        (
            "iam-no-basic-roles",
            "gcp:projects/iAMBinding:IAMBinding",
            {"role": "roles/owner", "members": 5},
            "TypeError: object of type 'int' has no len()",
            "iam.py",
        ),
    ],
)
def test_a_property_of_another_shape_is_reported_by_the_policy(
    policy: str, resource_type: str, props: dict[str, Any], error: str, module: str
) -> None:
    """The report names the error and where the rule met it, in case the rule itself is wrong."""
    args = resource_args(resource_type, props, name="odd")
    [reported] = violations(BY_NAME[policy], args)
    expected = (
        f"'odd' ({resource_type}) has a property of another shape than its provider gives it, so {policy} "
        f"cannot check it ({error}, in {module} line "
    )
    assert reported.startswith(expected), reported
    assert re.fullmatch(r"[0-9]+\)", reported.removeprefix(expected)), reported
