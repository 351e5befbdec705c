"""Declare a resource policy at its level: mandatory stops a preview or update, advisory only reports."""

from pulumi_policy import EnforcementLevel, PolicyConfigSchema, ResourceValidation, ResourceValidationPolicy


def mandatory(name: str, description: str, validate: ResourceValidation) -> ResourceValidationPolicy:
    return ResourceValidationPolicy(
        name=name, description=description, enforcement_level=EnforcementLevel.MANDATORY, validate=validate
    )


def advisory(
    name: str, description: str, validate: ResourceValidation, config_schema: PolicyConfigSchema | None = None
) -> ResourceValidationPolicy:
    return ResourceValidationPolicy(
        name=name,
        description=description,
        enforcement_level=EnforcementLevel.ADVISORY,
        validate=validate,
        config_schema=config_schema,
    )
