"""Declare a resource policy at its level: mandatory stops a preview or update, advisory only reports."""

import traceback
from pathlib import Path

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)


def mandatory(name: str, description: str, validate: ResourceValidation) -> ResourceValidationPolicy:
    return ResourceValidationPolicy(
        name=name,
        description=description,
        enforcement_level=EnforcementLevel.MANDATORY,
        validate=_reporting_unreadable(name, validate),
    )


def advisory(
    name: str, description: str, validate: ResourceValidation, config_schema: PolicyConfigSchema | None = None
) -> ResourceValidationPolicy:
    return ResourceValidationPolicy(
        name=name,
        description=description,
        enforcement_level=EnforcementLevel.ADVISORY,
        validate=_reporting_unreadable(name, validate),
        config_schema=config_schema,
    )


def _reporting_unreadable(name: str, validate: ResourceValidation) -> ResourceValidation:
    """`validate`, reporting a resource whose properties have another shape than the provider's schema gives
    them (a null item in a list, a number for a list, text for an object) instead of failing the preview with
    a traceback: such a resource cannot be checked, so a mandatory policy refuses it."""

    def validate_readable(args: ResourceValidationArgs, report: ReportViolation) -> None:
        try:
            validate(args, report)
        except (AttributeError, TypeError) as error:
            # Where the rule failed: should the rule itself be wrong, the report leads to it.
            frame = traceback.extract_tb(error.__traceback__)[-1]
            report(
                f"'{args.name}' ({args.resource_type}) has a property of another shape than its provider "
                f"gives it, so {name} cannot check it ({type(error).__name__}: {error}, in "
                f"{Path(frame.filename).name} line {frame.lineno})",
                None,
            )

    return validate_readable
