"""A resource whose properties have another shape than the provider's schema gives them is reported by the
policy that cannot read it, never a traceback that fails the preview."""

from typing import Any

import pytest

from policy.policies import POLICIES
from policy.resources import BATCH, DATASET, FIREWALL
from tests.policy.resource_args import resource_args, violations

BY_NAME = {policy.name: policy for policy in POLICIES}


@pytest.mark.parametrize(
    ("policy", "resource_type", "props", "error"),
    [
        (
            "iam-no-public-members",
            DATASET,
            {"accesses": [None, {"role": "READER", "specialGroup": "allUsers"}]},
            "TypeError: 'NoneType' object is not subscriptable",
        ),
        (
            "firewall-no-internet-ingress",
            FIREWALL,
            {"sourceRanges": [None, "0.0.0.0/0"], "allows": [{"protocol": "all"}]},
            "AttributeError: 'NoneType' object has no attribute 'strip'",
        ),
        (
            "batch-ttl",
            BATCH,
            {"environmentConfig": {"executionConfig": "x"}},
            "AttributeError: 'str' object has no attribute 'get'",
        ),
        (
            "iam-no-basic-roles",
            "gcp:projects/iAMBinding:IAMBinding",
            {"role": "roles/owner", "members": 5},
            "TypeError: object of type 'int' has no len()",
        ),
    ],
)
def test_a_property_of_another_shape_is_reported_by_the_policy(
    policy: str, resource_type: str, props: dict[str, Any], error: str
) -> None:
    args = resource_args(resource_type, props, name="odd")
    assert violations(BY_NAME[policy], args) == [
        f"'odd' ({resource_type}) has a property of another shape than its provider gives it, so {policy} "
        f"cannot check it ({error})"
    ]
