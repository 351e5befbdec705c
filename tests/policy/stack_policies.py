"""Feed every resource a stack declares (run under the mock engine) to the policies, as a preview would."""

from collections.abc import Iterable
from typing import NamedTuple

from pulumi_policy import EnforcementLevel, ResourceValidationPolicy

from policy.policies import POLICIES
from tests.infra.harness import DeclaredResource
from tests.policy.resource_args import resource_args, violations


class Finding(NamedTuple):
    policy: str
    resource: str
    message: str


def findings(
    stack: str, resources: Iterable[DeclaredResource], enforcement: EnforcementLevel
) -> list[Finding]:
    """What the policies of one enforcement level report for the declared resources."""
    policies: list[ResourceValidationPolicy] = [p for p in POLICIES if p.enforcement_level == enforcement]
    found = []
    for resource in resources:
        args = resource_args(
            resource.type, resource.inputs, name=resource.name, stack=stack, protect=resource.options.protect
        )
        found += [
            Finding(p.name, resource.name, message) for p in policies for message in violations(p, args)
        ]
    return found
