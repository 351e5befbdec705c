"""Build what the engine hands a policy, and collect what the policy reports, without a PolicyPack."""

from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

# How the engine marks a string a preview does not know yet.
UNKNOWN = UNKNOWN_STRING_VALUE


def resource_args(
    resource_type: str,
    props: Mapping[str, Any],
    *,
    name: str = "subject",
    stack: str = "dev",
    config: Mapping[str, Any] | None = None,
    protect: bool = False,
    provider: Mapping[str, Any] | None = None,
) -> ResourceValidationArgs:
    """A resource as the engine presents it: type token, camelCase input properties, URN and options, and
    the inputs of its `provider` (a GCP provider), if given."""
    options = PolicyResourceOptions(
        protect=protect,
        ignore_changes=[],
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
    )
    urn = f"urn:pulumi:{stack}::pipeline::{resource_type}::{name}"
    # Wrapped as the engine wraps them: reading a value a preview does not know raises UnknownValueError.
    provider_resource = (
        None
        if provider is None
        else PolicyProviderResource(
            "pulumi:providers:gcp",
            unknown_checking_proxy(dict(provider)),
            f"urn:pulumi:{stack}::pipeline::pulumi:providers:gcp::default",
            "default",
        )
    )
    return ResourceValidationArgs(
        resource_type, unknown_checking_proxy(dict(props)), urn, name, options, provider_resource, config
    )


def violations(policy: ResourceValidationPolicy, args: ResourceValidationArgs) -> list[str]:
    """The messages the policy's validate function reports for one resource."""
    reported: list[str] = []

    def report(message: str, urn: str | None = None) -> None:
        reported.append(message)

    policy.validate(args, report)
    return reported
