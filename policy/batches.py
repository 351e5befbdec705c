"""Dataproc Serverless batches: a dedicated identity, a chosen subnetwork, a bounded run time, and code kept
in Cloud Storage rather than downloaded when they start.

Interactive sessions created from a session template run the same way: they get the same identity and
subnetwork rules, and a TTL when the template sets one (without one, a session ends on its idle TTL).
A Dataproc cluster, or the cluster a workflow template creates, would run code too: it gets the identity rule.
"""

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pulumi_policy import ReportViolation, ResourceValidationArgs
from pulumi_policy.proxy import UnknownValueError

from policy.declare import mandatory
from policy.fetched_code import (
    FILE_PROPERTIES,
    FROM_MAVEN,
    HIVE_JARS,
    PACKAGE_PROPERTIES,
    downloads_packages,
    is_stored,
    listed_files,
)
from policy.resources import (
    BATCH,
    CLUSTER,
    SESSION_TEMPLATE,
    WORKFLOW_TEMPLATE,
    as_list,
    known,
    known_items,
    nested,
)

# The accounts Google creates with the Editor role: Compute Engine's and App Engine's (emails ignore case).
# A domain-scoped project's (example.com:p) App Engine account has dots in its name.
DEFAULT_ACCOUNT = re.compile(
    r"([0-9]+-compute@developer|[a-z0-9.-]+@appspot)\.gserviceaccount\.com", re.IGNORECASE
)
# Durations reach the API as protobuf JSON: seconds with an optional fraction and an "s" suffix.
DURATION = re.compile(r"(?P<seconds>[0-9]+(\.[0-9]+)?)s")
# A subnetwork named `default`, by name or path: the default network's, which the rule asks to avoid.
DEFAULT_SUBNETWORK = re.compile(r"(.*/)?default")
TTL_MIN_SECONDS = 10 * 60
TTL_MAX_SECONDS = 14 * 24 * 60 * 60


def _execution_config(args: ResourceValidationArgs) -> Mapping[str, Any] | None:
    """The executionConfig ({} when absent) of a batch or a session template, or None for any other."""
    if args.resource_type not in (BATCH, SESSION_TEMPLATE):
        return None
    return nested(args.props, "environmentConfig", "executionConfig") or {}


def _kind(args: ResourceValidationArgs) -> str:
    return "session template" if args.resource_type == SESSION_TEMPLATE else "batch"


# Where a Dataproc cluster's configuration names the account its Compute Engine VMs run as.
_GCE_ACCOUNT = ("gceClusterConfig", "serviceAccount")


def _identity_field(args: ResourceValidationArgs) -> tuple[str, tuple[str, ...]] | None:
    """What runs code on Dataproc and the path of the field naming the account it runs as; None for other
    resources, a cluster on GKE (it runs as its node pools' identity, in a template too) and a template
    running on a cluster it selects instead of creating one."""
    if args.resource_type in (BATCH, SESSION_TEMPLATE):
        return _kind(args), ("environmentConfig", "executionConfig", "serviceAccount")
    if args.resource_type == CLUSTER and not args.props.get("virtualClusterConfig"):
        return "cluster", ("clusterConfig", *_GCE_ACCOUNT)
    if args.resource_type == WORKFLOW_TEMPLATE:
        managed = nested(args.props, "placement", "managedCluster")
        if managed and not nested(managed, "config", "gkeClusterConfig"):
            return "workflow template", ("placement", "managedCluster", "config", *_GCE_ACCOUNT)
    return None


def _require_dedicated_service_account(args: ResourceValidationArgs, report: ReportViolation) -> None:
    identity = _identity_field(args)
    if identity is None:
        return
    kind, path = identity
    account = nested(args.props, *path)
    if not account:
        report(
            f"{kind} '{args.name}' sets no {'.'.join(path)}, so it runs as the default Compute Engine "
            "service account: set the pipeline's dedicated service account",
            None,
        )
    elif isinstance(account, str) and DEFAULT_ACCOUNT.fullmatch(account):
        report(
            f"{kind} '{args.name}' runs as the default service account {account}: "
            "set the pipeline's dedicated service account",
            None,
        )
    if args.resource_type in (BATCH, SESSION_TEMPLATE) and _runs_as_its_creator(args):
        version = nested(args.props, "runtimeConfig", "version")
        runtime = f"runtime {version}" if version else "the default runtime (no runtimeConfig.version)"
        report(
            f"{kind} '{args.name}' runs on {runtime}, which runs its code with the credentials of whoever "
            "creates it (the deployer) unless environmentConfig.executionConfig.authenticationConfig."
            f"userWorkloadAuthenticationType is {_SERVICE_ACCOUNT_AUTHENTICATION}: set that, or a runtime "
            "below 3.0",
            None,
        )


# Runtimes 3.0 and later run a batch's or a session's code with its creator's own credentials (END_USER_
# CREDENTIALS) unless it asks for its service account's.
_SERVICE_ACCOUNT_AUTHENTICATION = "SERVICE_ACCOUNT"
_RUNTIME_BEFORE_3 = re.compile(r"[0-2](\.[0-9]+)*")


def _runs_as_its_creator(args: ResourceValidationArgs) -> bool:
    """Whether a batch or session template runs on a runtime of 3.0 or later, or on the default one (which
    may be), without asking for service-account authentication."""
    try:
        execution = nested(args.props, "environmentConfig", "executionConfig")
        authentication = nested(execution or {}, "authenticationConfig", "userWorkloadAuthenticationType")
        if authentication == _SERVICE_ACCOUNT_AUTHENTICATION:
            return False
        version = nested(args.props, "runtimeConfig", "version")
    except UnknownValueError:
        return False  # a preview does not know it yet: the update checks it
    return not (isinstance(version, str) and _RUNTIME_BEFORE_3.fullmatch(version.strip()))


def _require_named_subnetwork(args: ResourceValidationArgs, report: ReportViolation) -> None:
    execution = _execution_config(args)
    if execution is None:
        return
    subnetwork = execution.get("subnetworkUri")
    if not subnetwork:
        found = "names no environmentConfig.executionConfig.subnetworkUri"
    elif isinstance(subnetwork, str) and DEFAULT_SUBNETWORK.fullmatch(subnetwork):
        found = f"runs on the default network's subnetwork {subnetwork!r}"
    else:
        return
    report(
        f"{_kind(args)} '{args.name}' {found}: run it on the pipeline's subnetwork (with Private Google "
        "Access), not a default network",
        None,
    )


def _require_ttl(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """A batch needs a TTL; a session template's sessions end on their idle TTL, so only a TTL it sets is
    bounded."""
    execution = _execution_config(args)
    if execution is None:
        return
    ttl = execution.get("ttl")
    if ttl is None and args.resource_type == SESSION_TEMPLATE:
        return
    duration = DURATION.fullmatch(ttl) if isinstance(ttl, str) else None
    if duration is None:
        found = "sets no ttl" if ttl is None else f"has ttl {ttl!r}"
        report(
            f"{_kind(args)} '{args.name}' {found}: set environmentConfig.executionConfig.ttl to a duration "
            'in seconds such as "3600s" so a stuck run is terminated',
            None,
        )
    elif not TTL_MIN_SECONDS <= Decimal(duration["seconds"]) <= TTL_MAX_SECONDS:
        report(
            f"{_kind(args)} '{args.name}' has ttl {ttl}: Dataproc accepts {TTL_MIN_SECONDS}s (10 minutes) "
            f"to {TTL_MAX_SECONDS}s (14 days)",
            None,
        )


# A batch's workload, of whichever kind, names its files in fields ending so (one URI, or a list).
_WORKLOADS = ("pysparkBatch", "sparkBatch", "sparkRBatch", "sparkSqlBatch")
_URI_FIELD = re.compile(r".*Uris?")


def _properties(args: ResourceValidationArgs) -> Mapping[str, Any]:
    """The Spark properties a batch or session template sets; none while a preview does not know them (the
    update checks them)."""
    runtime = known(args.props, "runtimeConfig", None)
    properties = known(runtime, "properties", None) if isinstance(runtime, Mapping) else None
    return properties if isinstance(properties, Mapping) else {}


def _fetched_files(args: ResourceValidationArgs, properties: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The (field, URI) pairs of the files a batch or session template names, in its workload or its Spark
    `properties`; a value a preview does not know yet is left to the update."""
    found = []
    for name in FILE_PROPERTIES:
        listed = known(properties, name, None)
        if isinstance(listed, str):
            found += [(f"runtimeConfig.properties.{name}", uri) for uri in listed_files(name, listed)]
    for workload in _WORKLOADS:
        files = known(args.props, workload, None)
        for field in files if isinstance(files, Mapping) else ():
            value = known(files, field, None)
            if _URI_FIELD.fullmatch(field) and value is not None:
                found += [(f"{workload}.{field}", uri) for uri in known_items(as_list(value))]
    return [(field, uri) for field, uri in found if isinstance(uri, str) and uri]


def _require_stored_code(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in (BATCH, SESSION_TEMPLATE):
        return
    properties = _properties(args)
    for name in (*PACKAGE_PROPERTIES, HIVE_JARS):
        if not downloads_packages(name, known(properties, name, None)):
            continue
        setting = f"{name}={FROM_MAVEN}" if name == HIVE_JARS else name
        report(
            f"{_kind(args)} '{args.name}' sets runtimeConfig.properties.{setting}, which downloads packages "
            "from a repository each time it starts: put the jars in Cloud Storage (the stack's code "
            "bucket) and name them in jarFileUris",
            None,
        )
    for field, uri in _fetched_files(args, properties):
        if not is_stored(uri):
            report(
                f"{_kind(args)} '{args.name}' fetches {uri!r} ({field}) from outside Cloud Storage when it "
                "starts: copy it to Cloud Storage (the stack's code bucket) and name its gs:// URI",
                None,
            )


BATCH_DEDICATED_SERVICE_ACCOUNT = mandatory(
    "batch-dedicated-service-account",
    "Batches, session templates and Dataproc clusters (a workflow template's too) run as a dedicated service "
    "account, never a default one (Compute Engine's or App Engine's); batches and session templates on "
    "runtimes 3.0 or later (or the default runtime) also ask to run as it, not as their creator.",
    _require_dedicated_service_account,
)

BATCH_NAMED_SUBNETWORK = mandatory(
    "batch-named-subnetwork",
    "Batches and session templates run on an explicitly named subnetwork, not the default network's.",
    _require_named_subnetwork,
)

BATCH_TTL = mandatory(
    "batch-ttl",
    "Batches carry a TTL between 10 minutes and 14 days, and so does a session template that sets one.",
    _require_ttl,
)

BATCH_CODE_IN_STORAGE = mandatory(
    "batch-code-in-storage",
    "Batches and session templates take their code and files from Cloud Storage or their runtime image, "
    "never from a package repository or the web as they start.",
    _require_stored_code,
)
