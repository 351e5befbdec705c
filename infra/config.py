"""Stack configuration: every key read once, validated, and frozen before any resource is declared.

The sections of the config (network, storage, warehouse, batch, monitoring) are checked here, each rule
raising a ConfigError that names the key, the value and what is allowed; how values are read is in
infra/config_reader.py, the pipelines' own rules in infra/pipeline_config.py, sparkProperties' in
infra/spark_properties.py and Google's label rules in infra/labels.py.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import pulumi

from infra.config_reader import (
    ConfigError,
    Reader,
    as_written,
    bounded_int,
    declared_keys,
    described,
    is_secret,
    matching,
    one_of,
    refuse_first,
    structure,
)
from infra.labels import checked_labels
from infra.pipeline_config import (
    EXECUTORS_RANGE,
    REJECTED_ROWS_THRESHOLD_MAX,
    PipelineConfig,
    parse_pipelines,
)
from infra.spark_properties import extra_properties, starting_executors
from policy.batches import TTL_MAX_SECONDS, TTL_MIN_SECONDS
from spark_jobs.options import PROJECT_ID, SCOPED_PROJECT_ID

APP_LABEL = "gcs-bigquery-pipeline"
EXECUTOR_CORE_CHOICES = (4, 8, 16)
BUCKET_ROLES = ("raw", "staging", "temp", "code")

_PROJECT_ID = re.compile(rf"^{PROJECT_ID}$")
_REGION_NAME = r"[a-z]+(?:-[a-z]+)+[0-9]{1,2}"
_REGION = re.compile(_REGION_NAME)
# Far above any region's name (the longest is 23 characters), within what resource names built from it allow.
_MAX_REGION_LENGTH = 30
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]$")
_DATASET_ID = re.compile(r"^[A-Za-z0-9_]{1,1024}$")
# "google" and its look-alikes with zeros for the o's, which Cloud Storage also refuses in bucket names.
_GOOGLE = re.compile(r"g[o0][o0]gle")
# Runtimes 2.2 and later: the job needs Spark 3.5 and Python 3.11 (2.0 runs Spark 3.3, 2.1 Spark 3.4).
_RUNTIME_VERSION = re.compile(r"^(2\.([2-9]|[1-9][0-9])|3\.[0-9]+)$")
_STACK = re.compile(r"^[a-z]([a-z0-9-]{0,13}[a-z0-9])?$")
# As Compute Engine names its resources (networks, subnets, tags).
_RFC1035_NAME = re.compile(r"[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?")
_RFC1035_RULE = "RFC 1035: 1-63 lowercase letters, digits or hyphens, a letter first and no hyphen last"
_MAX_NETWORK_TAGS = 64
# An email address in ASCII: the characters RFC 5322 allows before the @, in dotted runs, and a domain name.
_EMAIL_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_EMAIL_DOMAIN = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{0,61}[A-Za-z0-9]"
)
# RFC 5321's limits: 64 octets before the @, and 256 for the whole path, <> around the address included.
_EMAIL_MAX_LOCAL_PART, _EMAIL_MAX_LENGTH = 64, 254
# Where an address pasted with others is cut: commas, semicolons, spaces.
_ADDRESS_SEPARATORS = re.compile(r"[,;\s]+")
_MIN_EXECUTORS = "spark.dynamicAllocation.minExecutors"
_MAX_EXECUTORS = "spark.dynamicAllocation.maxExecutors"
_BATCH_START_MARGIN_MINUTES = 10
"""Time a batch may spend pending before its TTL starts counting down."""
# Set by the program on every labelled resource (their values in `load`).
_COMMON_LABEL_KEYS = ("app", "stack", "managed-by")
# Set by the program on every resource, or per resource: `role` on buckets, `pipeline` on tables and batches.
_RESERVED_LABELS = (*_COMMON_LABEL_KEYS, "role", "pipeline")
# A Dataproc batch may carry 32 labels, the fewest of any labelled resource here (the others 64). It has the
# three common labels, `pipeline`, and `goog-pulumi-provisioned`, which the provider adds to every resource.
_BATCH_MAX_LABELS = 32
_BATCH_PROGRAM_LABELS = (*_COMMON_LABEL_KEYS, "pipeline", "goog-pulumi-provisioned")
_MAX_USER_LABELS = _BATCH_MAX_LABELS - len(_BATCH_PROGRAM_LABELS)
# Ranges no VPC subnet may use: "this" network, loopback, link-local (metadata server), multicast, broadcast,
# and the virtual addresses of private.googleapis.com and restricted.googleapis.com (Private Google Access).
_PROHIBITED_SUBNET_RANGES = tuple(
    ipaddress.IPv4Network(block)
    for block in (
        "0.0.0.0/8",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "224.0.0.0/4",
        "255.255.255.255/32",
        "199.36.153.8/30",
        "199.36.153.4/30",
    )
)


@dataclass(frozen=True)
class ResourcePath:
    """A resource named in config by its path, and the parts of it the program reads, parsed once."""

    path: str
    """The relative name (`projects/…`), also when config gives a self link: the program passes it on, and
    into batch ids, in this one spelling, so that writing it the other way changes nothing."""
    project: str
    region: str | None
    """The region or location; None for a global resource (a network)."""
    name: str


@dataclass(frozen=True)
class _Part:
    """A part of a resource path and the rule Google names it by."""

    what: str
    pattern: re.Pattern[str]
    rule: str


@dataclass(frozen=True)
class _PathShape:
    """How config names a resource by its path: `{part}`s between the template's slashes, the last one the
    resource's name, each read whatever it holds and then checked, so that an error names the part at fault.
    A `{region}` has no rule here: each caller compares it with the stack's region, which says more."""

    template: str
    parts: Mapping[str, _Part]
    self_link: bool
    """Compute Engine's: the path may also be written as a self link, of either host."""

    def match(self, value: str) -> re.Match[str] | None:
        """`value`'s parts, whatever they hold, if it has this shape."""
        parts = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template)
        return re.fullmatch((_SELF_LINK if self.self_link else "") + parts, value)

    @property
    def allowed(self) -> str:
        """The shape, for a value that does not have it."""
        shown = re.sub(r"\{(\w+)\}", r"<\1>", self.template)
        return f"empty, or {shown}" + (" (or its self link)" if self.self_link else "")


_SELF_LINK = r"(?:https://(?:www|compute)\.googleapis\.com/compute/v1/)?"
# A project is named by its id (a legacy one with its domain, `example.com:p`) or its number.
_PROJECT_ID_RULE = (
    "6-30 lowercase letters, digits or hyphens, a letter first and no hyphen last; a legacy project's "
    "perhaps after its domain, as in example.com:my-project"
)
_PROJECT = _Part(
    "project id or number", re.compile(rf"{SCOPED_PROJECT_ID}|[0-9]{{1,19}}"), f"an id: {_PROJECT_ID_RULE}"
)
# Compute Engine names a subnet's network with its project's id, whichever way the subnet was asked for:
# compared with existingNetwork, a number would never match.
_NETWORK_PROJECT = _Part(
    "project id",
    re.compile(SCOPED_PROJECT_ID),
    f"{_PROJECT_ID_RULE}; not the project's number, as Compute Engine names a subnet's network by id",
)
_KMS_NAME = re.compile(r"[A-Za-z0-9_-]{1,63}")
_KMS_NAME_RULE = "1-63 letters, digits, _ or -"
_NETWORK = _PathShape(
    "projects/{project}/global/networks/{name}",
    {"project": _NETWORK_PROJECT, "name": _Part("network name", _RFC1035_NAME, _RFC1035_RULE)},
    self_link=True,
)
_SUBNETWORK = _PathShape(
    "projects/{project}/regions/{region}/subnetworks/{name}",
    {"project": _NETWORK_PROJECT, "name": _Part("subnet name", _RFC1035_NAME, _RFC1035_RULE)},
    self_link=True,
)
_KMS_KEY = _PathShape(
    "projects/{project}/locations/{region}/keyRings/{ring}/cryptoKeys/{key}",
    {
        "project": _PROJECT,
        "ring": _Part("key ring name", _KMS_NAME, _KMS_NAME_RULE),
        "key": _Part("key name", _KMS_NAME, _KMS_NAME_RULE),
    },
    self_link=False,
)


@dataclass(frozen=True)
class NetworkConfig:
    """Where the batches run: a created VPC and subnet, or an existing pair named in config."""

    existing_network: ResourcePath | None
    existing_subnetwork: ResourcePath | None
    subnet_cidr: str
    flow_logs: bool
    create_firewall_rule: bool
    network_tags: tuple[str, ...]
    """On the batches' VMs, for firewall rules of an existing network that target tags."""


@dataclass(frozen=True)
class StorageConfig:
    """Bucket naming and lifetime rules."""

    bucket_prefix: str
    force_destroy: bool
    protect_raw: bool
    """With protectData: the raw bucket holds the input data, which may exist nowhere else."""
    temp_retention_days: int
    staging_retention_days: int
    raw_noncurrent_retention_days: int

    def bucket_name(self, role: str) -> str:
        """The bucket name for one role (raw, staging, temp, code)."""
        return bucket_name(self.bucket_prefix, role)


def bucket_name(prefix: str, role: str) -> str:
    """Buckets are named from the prefix and their role, never with a random suffix."""
    return f"{prefix}-{role}"


@dataclass(frozen=True)
class WarehouseConfig:
    """The BigQuery dataset and how its data is protected."""

    dataset_id: str
    default_table_expiration_days: int | None
    quarantine_retention_days: int | None
    """How long BigQuery keeps a day of rejected rows; None: forever."""
    delete_contents_on_destroy: bool
    protect: bool

    @property
    def tables_deletion_protected(self) -> bool:
        """Whether the pipelines' tables refuse a delete through Pulumi (the provider's deletion protection).

        With protectData, and also without it as long as deleteContentsOnDestroy is off: Pulumi deletes the
        stack's tables before their dataset, which is then empty, so the dataset's flag alone would keep only
        tables the stack does not manage.
        """
        return self.protect or not self.delete_contents_on_destroy


@dataclass(frozen=True)
class BatchConfig:
    """How the Dataproc Serverless batches run: the stack's settings, which a pipeline's own executor bounds
    override for its batch (`properties`)."""

    runtime_version: str
    min_executors: int
    max_executors: int
    executor_cores: int
    driver_cores: int
    ttl_minutes: int
    timeout_minutes: int
    run_token: str
    run: bool
    spark_properties: Mapping[str, str]
    """The stack's Spark properties: sparkProperties, and the sizes and bounds the keys above give. A
    pipeline's batch takes `properties(pipeline)`."""

    def executors(self, pipeline: PipelineConfig) -> tuple[int, int]:
        """The bounds of `pipeline`'s executors: its own where it sets them, else the stack's."""
        return (
            self.min_executors if pipeline.min_executors is None else pipeline.min_executors,
            self.max_executors if pipeline.max_executors is None else pipeline.max_executors,
        )

    def properties(self, pipeline: PipelineConfig) -> dict[str, str]:
        """`pipeline`'s batch properties: the stack's, with the pipeline's own executor bounds. A bound the
        pipeline sets to the stack's value changes nothing, not even the batch id."""
        low, high = self.executors(pipeline)
        return {**self.spark_properties, _MIN_EXECUTORS: str(low), _MAX_EXECUTORS: str(high)}

    @property
    def on_runtime_3(self) -> bool:
        """Runtimes 3.x need dataprocrm.googleapis.com and explicit service-account authentication."""
        return self.runtime_version.startswith("3.")


@dataclass(frozen=True)
class MonitoringConfig:
    """Who is told about failed runs and from how many rejected rows."""

    alert_email: str | None
    alert_email_is_secret: bool
    """Set as a secret: the notification channel then keeps it encrypted in the state."""
    rejected_rows_threshold: int


@dataclass(frozen=True)
class StackConfig:
    """Everything the program needs, validated."""

    project_id: str
    region: str
    stack: str
    labels: Mapping[str, str]
    """Put on every labelled resource: app, stack, managed-by and the configured extra labels."""
    kms_key: str | None
    audit_logs: bool
    api_propagation_seconds: int
    iam_propagation_seconds: int
    metric_propagation_seconds: int
    network: NetworkConfig
    storage: StorageConfig
    warehouse: WarehouseConfig
    batch: BatchConfig
    monitoring: MonitoringConfig
    pipelines: tuple[PipelineConfig, ...]

    @property
    def name_prefix(self) -> str:
        """Prefix of project-scoped names (network, subnet, service account, metrics): pl-<stack>."""
        return f"pl-{self.stack}"


def _optional(value: str) -> str | None:
    return value or None


def _resource_path(key: str, value: str, shape: _PathShape) -> ResourcePath | None:
    """Parse a resource path of `shape`; an empty value names no resource."""
    if not value:
        return None
    match = shape.match(value)
    if not match:
        raise ConfigError(key, value, shape.allowed)
    for name, part in shape.parts.items():
        if not part.pattern.fullmatch(match[name]):
            segment = shape.template.partition(f"/{{{name}}}")[0].rsplit("/", 1)[-1]  # keyRings for {ring}
            raise ConfigError(
                key, value, f"a {part.what} after {segment}/ ({part.rule}), not {as_written(match[name])}"
            )
    return ResourcePath(
        path=value[match.start("project") - len("projects/") :],
        project=match["project"],
        region=match.groupdict().get("region"),
        name=match.groups()[-1],
    )


def load(config: pulumi.Config | None = None, stack: str | None = None) -> StackConfig:
    """Read and validate the whole stack config (the current project's namespace)."""
    reader = Reader(config or pulumi.Config(), declared_keys())
    stack_name = matching(
        "(stack name)",
        # Not lowered: stacks `Dev` and `dev` would then share every resource name.
        stack or pulumi.get_stack(),
        _STACK,
        "1-15 lowercase letters, digits or hyphens, a letter first and no hyphen last (it is part of "
        "resource names)",
    )
    project_id = matching(
        "projectId",
        reader.required("projectId"),
        _PROJECT_ID,
        "6-30 characters: lowercase letters, digits, hyphens; a letter first, no hyphen last",
    )
    region = reader.string("region")
    if not _REGION.fullmatch(region) or len(region) > _MAX_REGION_LENGTH:
        raise ConfigError("region", region, "a region name such as europe-west1")
    _check_provider_settings(reader, project_id, region)
    protect_data = reader.boolean("protectData")
    loaded = StackConfig(
        project_id=project_id,
        region=region,
        stack=stack_name,
        labels=MappingProxyType(
            {
                **dict(zip(_COMMON_LABEL_KEYS, (APP_LABEL, stack_name, "pulumi"), strict=True)),
                **_stack_labels(reader, reader.structure("labels", "'labels.team' data")),
            }
        ),
        kms_key=_optional(_kms_key(reader.string("kmsKey"), region)),
        audit_logs=reader.boolean("auditLogs"),
        api_propagation_seconds=reader.integer("apiPropagationSeconds", 0, 600),
        iam_propagation_seconds=reader.integer("iamPropagationSeconds", 0, 600),
        metric_propagation_seconds=reader.integer("metricPropagationSeconds", 0, 600),
        network=_network(reader, region),
        storage=_storage(reader, project_id, stack_name, protect_data),
        warehouse=_warehouse(reader, protect_data),
        batch=_batch(reader),
        monitoring=_monitoring(reader),
        pipelines=parse_pipelines(reader.structure("pipelines", "'pipelines[0].name' orders")),
    )
    reader.unread_keys()
    _check_pipeline_executors(loaded.batch, loaded.pipelines)
    _warn_if_subnet_small(loaded)
    _warn_of_unused_subnet_settings(loaded.network, custom_subnet_cidr=not reader.is_default("subnetCidr"))
    _warn_if_shared_subnet_opened(loaded)
    _warn_if_alerts_notify_no_one(loaded)
    _warn_of_secrets_shown_in_plain(reader.secret_keys())
    return loaded


def _warn_of_secrets_shown_in_plain(secret_keys: list[str]) -> None:
    """Only alertEmail is kept encrypted: every other value goes into resource names and properties, which
    previews and the state show as they are. Say so rather than let `--secret` promise what it cannot keep."""
    shown = [key for key in secret_keys if key != "alertEmail"]
    if shown:
        pulumi.log.warn(
            "config keys set with --secret that the program writes into resource names and properties, "
            "which previews and the state show in plain text (only alertEmail stays encrypted): "
            + ", ".join(shown)
        )


def _check_pipeline_executors(batch: BatchConfig, pipelines: tuple[PipelineConfig, ...]) -> None:
    """A pipeline's executor bounds, its own or the stack's, must still be in order, and its own maximum
    must hold the executors sparkProperties start a batch with (see `starting_executors`)."""
    for index, pipeline in enumerate(pipelines):
        low, high = batch.executors(pipeline)
        for name, starting in starting_executors(batch.spark_properties):
            if pipeline.max_executors is not None and starting > high:
                raise ConfigError(
                    f"pipelines[{index}].maxExecutors",
                    high,
                    f"at least sparkProperties' {name} ({starting}), the executors its batch starts with",
                )
        if high >= low:
            continue
        if pipeline.max_executors is not None:
            whose = "its own" if pipeline.min_executors is not None else "the stack's"
            raise ConfigError(
                f"pipelines[{index}].maxExecutors", high, f"at least minExecutors ({low}, {whose})"
            )
        raise ConfigError(
            f"pipelines[{index}].minExecutors", low, f"at most maxExecutors ({high}, the stack's)"
        )


def _warn_if_subnet_small(config: StackConfig) -> None:
    """Batches run on VMs with internal addresses from the subnet, a driver and up to maxExecutors executors
    each, and the pipelines' batches run at once: warn when the created subnet may run short. A warning, as
    Google does not document how many addresses a batch takes."""
    if config.network.existing_subnetwork or not config.pipelines:
        return
    # Google reserves four addresses of every subnet range.
    usable = ipaddress.ip_network(config.network.subnet_cidr).num_addresses - 4
    needed = sum(config.batch.executors(pipeline)[1] + 1 for pipeline in config.pipelines)
    if needed > usable:
        pulumi.log.warn(
            f"subnetCidr {config.network.subnet_cidr} has {usable} usable addresses, while "
            f"{len(config.pipelines)} pipeline(s) running at once, each up to its maxExecutors, may take "
            f"{needed} (one per VM: each batch's driver and executors); set a larger subnetCidr or a lower "
            "maxExecutors (the stack's, or a pipeline's own), or batches may wait or fail for addresses"
        )


def _warn_of_unused_subnet_settings(network: NetworkConfig, *, custom_subnet_cidr: bool) -> None:
    """Flow logs and the range are settings of the subnet the stack creates: with an existing one (a copy of
    prod's settings, say) they would silently be unused."""
    if not network.existing_subnetwork:
        return
    if network.flow_logs:
        pulumi.log.warn(
            "flowLogs is true but has no effect with existingNetwork: the stack creates no subnet, and the "
            "existing subnet's flow logs are its owners' to set"
        )
    if custom_subnet_cidr:
        pulumi.log.warn(
            f"subnetCidr {network.subnet_cidr} has no effect with existingNetwork: the stack creates no "
            "subnet, and batches take their addresses from existingSubnetwork's range; unset it"
        )


def _warn_if_shared_subnet_opened(config: StackConfig) -> None:
    """The internal rule targets the subnet's range, or the batches' VMs by their networkTags: on a Shared
    VPC's subnet, which other projects' VMs use, a rule without tags opens them all to one another on every
    port. A warning, as the network's owners may want exactly that."""
    network = config.network
    subnet = network.existing_subnetwork
    if subnet is None or subnet.project == config.project_id:
        return
    if network.create_firewall_rule and not network.network_tags:
        pulumi.log.warn(
            f"existingSubnetwork is in project {subnet.project}, a Shared VPC's, whose other projects' VMs "
            "may use it too, and networkTags is empty: the internal rule that createFirewallRule adds lets "
            "every VM on the subnet reach every other on every port. Set networkTags, which the batches' VMs "
            "then carry and the rule targets alone, or createFirewallRule: false to leave the rule to the "
            "network's owners"
        )


def _warn_if_alerts_notify_no_one(config: StackConfig) -> None:
    """A stack that keeps its data (the default) is one whose failures matter: without alertEmail its alert
    policies fire in Cloud Monitoring, where no one may look."""
    if config.warehouse.protect and config.pipelines and config.monitoring.alert_email is None:
        pulumi.log.warn(
            "alertEmail is empty in a stack that protects its data (protectData): its alert policies (failed "
            "runs, rejected rows) will open incidents in Cloud Monitoring but notify no one; set alertEmail"
        )


def _check_provider_settings(reader: Reader, project_id: str, region: str) -> None:
    """The provider's own `gcp:project` and `gcp:region`, when set, must be the stack's: every resource is
    put in `projectId` and `region`, so another value would be silently unused."""
    for setting, key, value in (("project", "projectId", project_id), ("region", "region", region)):
        given = reader.provider(setting)
        if given and given != value:  # an empty setting is no setting
            raise ConfigError(
                f"gcp:{setting}",
                given,
                f"unset (`pulumi config rm gcp:{setting}`) or equal to `{key}`, where the program puts every "
                f"resource; to use another one, set `{key}` (in a new stack: a deployed one cannot move)",
            )


def _warn_of_overridden_default_labels(default_labels: Mapping[str, str]) -> None:
    """The provider's default labels are accepted with the keys the program sets (an organisation's defaults
    may name an `app` or a `stack`), but the resource's own label wins over a default of the same key."""
    overridden = [key for key in _RESERVED_LABELS if key in default_labels]
    if overridden:
        pulumi.log.warn(
            f"gcp:defaultLabels gives labels the program sets itself ({', '.join(overridden)}): it sets "
            "app, stack and managed-by on every labelled resource, role on buckets, pipeline on tables and "
            "batches, and there its value replaces the default"
        )


def _stack_labels(reader: Reader, raw: object) -> Mapping[str, str]:
    """The configured `labels`, counted with the provider's `gcp:defaultLabels` against a batch's limit."""
    labels = checked_labels("labels", raw, _RESERVED_LABELS)
    provided = reader.provider("defaultLabels")
    default_labels = checked_labels(
        "gcp:defaultLabels",
        structure("gcp:defaultLabels", provided or {}, "'gcp:defaultLabels.team' data"),
        (),
    )
    _warn_of_overridden_default_labels(default_labels)
    others = (set(labels) | set(default_labels)) - set(_BATCH_PROGRAM_LABELS)
    if len(others) > _MAX_USER_LABELS:
        counted = " together with gcp:defaultLabels, which the provider adds" if default_labels else ""
        raise ConfigError(
            "labels",
            raw,
            f"at most {_MAX_USER_LABELS} labels{counted} (a Dataproc batch carries at most "
            f"{_BATCH_MAX_LABELS}, {len(_BATCH_PROGRAM_LABELS)} of them set by the program and the provider)",
        )
    return labels


def _kms_key(value: str, region: str) -> str:
    key = _resource_path("kmsKey", value, _KMS_KEY)
    if key is not None and key.region != region:
        raise ConfigError(
            "kmsKey",
            value,
            f"a key in location {region}: buckets, dataset and batches use keys of their region",
        )
    return value


def _network(reader: Reader, region: str) -> NetworkConfig:
    network = _resource_path("existingNetwork", reader.string("existingNetwork"), _NETWORK)
    subnetwork = _resource_path("existingSubnetwork", reader.string("existingSubnetwork"), _SUBNETWORK)
    if bool(network) != bool(subnetwork):
        missing = "existingSubnetwork" if network else "existingNetwork"
        raise ConfigError(missing, "", "set together with the other one (an existing network needs both)")
    if network and subnetwork:
        _check_existing_subnetwork(network, subnetwork, region)
    create_firewall_rule = reader.boolean("createFirewallRule")
    if not network and not create_firewall_rule:
        raise ConfigError(
            "createFirewallRule",
            False,
            "true when the stack creates the network: Dataproc Serverless needs its VMs to reach each other "
            "on every port, and a new network allows nothing until the rule exists (false only with "
            "existingNetwork, whose owners manage the rule)",
        )
    return NetworkConfig(
        existing_network=network,
        existing_subnetwork=subnetwork,
        subnet_cidr=_cidr("subnetCidr", reader.string("subnetCidr")),
        flow_logs=reader.boolean("flowLogs"),
        create_firewall_rule=create_firewall_rule,
        network_tags=_network_tags(reader.structure("networkTags", "'networkTags[0]' etl")),
    )


def _network_tags(raw: object) -> tuple[str, ...]:
    """Compute Engine's tag rules (RFC 1035 names, at most 64 on a VM), checked here rather than by the
    batch's creation in the middle of an update."""
    allowed = f"a list of at most {_MAX_NETWORK_TAGS} distinct network tags, each named by {_RFC1035_RULE}"
    if not isinstance(raw, list) or len(raw) > _MAX_NETWORK_TAGS:
        raise ConfigError("networkTags", raw, allowed)
    for index, tag in enumerate(raw):
        if tag in raw[:index]:
            raise ConfigError(
                f"networkTags[{index}]", tag, f"a tag not given before (networkTags[{raw.index(tag)}])"
            )
        if not isinstance(tag, str) or not _RFC1035_NAME.fullmatch(tag):
            raise ConfigError(f"networkTags[{index}]", tag, allowed)
    # A set on the VMs: sorted, so that reordering them does not run the batches again.
    return tuple(sorted(raw))


def _check_existing_subnetwork(network: ResourcePath, subnetwork: ResourcePath, region: str) -> None:
    """The batches run in `region`, in a subnet of the network's own project (a Shared VPC's host)."""
    if subnetwork.region != region:
        raise ConfigError(
            "existingSubnetwork",
            subnetwork.path,
            f"a subnet in region {region} (the stack's region), not {subnetwork.region}",
        )
    if subnetwork.project != network.project:
        raise ConfigError(
            "existingSubnetwork",
            subnetwork.path,
            f"a subnet of existingNetwork's project {network.project}, which owns the network's subnets",
        )


def _cidr(key: str, value: str) -> str:
    allowed = (
        "an IPv4 network in CIDR notation with host bits zero and a prefix from /8 to /29, e.g. 10.10.0.0/24"
    )
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise ConfigError(key, value, allowed) from None
    if network.version != 4 or not 8 <= network.prefixlen <= 29:
        raise ConfigError(key, value, allowed)
    for prohibited in _PROHIBITED_SUBNET_RANGES:
        if network.overlaps(prohibited):
            raise ConfigError(
                key, value, f"a range Google Cloud allows for subnets, not overlapping {prohibited}"
            )
    return str(network)


def _storage(reader: Reader, project_id: str, stack: str, protect_data: bool) -> StorageConfig:
    prefix = reader.string("bucketPrefix") or f"{project_id}-{stack}"
    for role in BUCKET_ROLES:
        name = bucket_name(prefix, role)
        # Dotted names are domain names that need a verified domain: the pattern allows no dots.
        if not _BUCKET_NAME.match(name):
            fix = "a shorter bucketPrefix" if len(name) > 63 else "bucketPrefix"
            raise ConfigError(
                "bucketPrefix",
                prefix,
                f"a prefix giving valid bucket names (bucket {as_written(name)}: 3-63 lowercase letters, "
                f"digits, - or _, letter or digit first and last); set {fix}",
            )
        if name.startswith("goog") or _GOOGLE.search(name):
            raise ConfigError(
                "bucketPrefix",
                prefix,
                f"a prefix giving valid bucket names (bucket {as_written(name)}: Cloud Storage refuses names "
                "that start with 'goog' or contain 'google' or a look-alike such as 'g00gle'); set "
                "bucketPrefix",
            )
    return StorageConfig(
        bucket_prefix=prefix,
        force_destroy=reader.boolean("forceDestroy"),
        protect_raw=protect_data,
        temp_retention_days=reader.integer("tempRetentionDays", 1, 3650),
        staging_retention_days=reader.integer("stagingRetentionDays", 1, 3650),
        raw_noncurrent_retention_days=reader.integer("rawNoncurrentRetentionDays", 1, 3650),
    )


def _warehouse(reader: Reader, protect_data: bool) -> WarehouseConfig:
    expiration = reader.integer("defaultTableExpirationDays", 0, 36500)
    if expiration and protect_data:
        raise ConfigError(
            "defaultTableExpirationDays",
            expiration,
            "0 while protectData is true: BigQuery would delete the pipelines' own tables, which it applies "
            "to as well, that many days after they are created",
        )
    return WarehouseConfig(
        dataset_id=matching(
            "datasetId",
            reader.string("datasetId"),
            _DATASET_ID,
            "1-1024 letters, digits or underscores",
        ),
        default_table_expiration_days=expiration or None,
        quarantine_retention_days=reader.integer("quarantineRetentionDays", 0, 36500) or None,
        delete_contents_on_destroy=reader.boolean("deleteContentsOnDestroy"),
        protect=protect_data,
    )


def _batch(reader: Reader) -> BatchConfig:
    low, high = TTL_MIN_SECONDS // 60, TTL_MAX_SECONDS // 60
    ttl_minutes = reader.integer("batchTtlMinutes", low, high)
    margin = _BATCH_START_MARGIN_MINUTES
    timeout_minutes = reader.integer("batchTimeoutMinutes", low + margin, high + margin)
    if timeout_minutes < ttl_minutes + margin:
        raise ConfigError(
            "batchTimeoutMinutes",
            timeout_minutes,
            # The TTL shown as it is, which a secret's hides: their sum would give it away.
            f"at least batchTtlMinutes ({ttl_minutes}) + {margin}: a batch must end, at the latest by its "
            "TTL, before pulumi stops waiting for it",
        )
    min_executors = reader.integer("minExecutors", *EXECUTORS_RANGE)
    max_executors = reader.integer("maxExecutors", *EXECUTORS_RANGE)
    if max_executors < min_executors:
        raise ConfigError("maxExecutors", max_executors, f"at least minExecutors ({min_executors})")
    executor_cores = _cores("executorCores", reader.string("executorCores"))
    driver_cores = _cores("driverCores", reader.string("driverCores"))
    # Dynamic allocation within the bounds, and the executors' and driver's size. The BigQuery connector
    # ships with the runtime: no jars.
    sized = {
        "spark.dynamicAllocation.enabled": "true",
        _MIN_EXECUTORS: str(min_executors),
        _MAX_EXECUTORS: str(max_executors),
        "spark.executor.cores": str(executor_cores),
        "spark.driver.cores": str(driver_cores),
    }
    return BatchConfig(
        runtime_version=matching(
            "runtimeVersion",
            reader.string("runtimeVersion"),
            _RUNTIME_VERSION,
            "a Dataproc Serverless runtime version 2.x from 2.2 (the job needs Spark 3.5) or 3.x, e.g. 2.3",
        ),
        min_executors=min_executors,
        max_executors=max_executors,
        executor_cores=executor_cores,
        driver_cores=driver_cores,
        ttl_minutes=ttl_minutes,
        timeout_minutes=timeout_minutes,
        run_token=_run_token(reader.string("runToken")),
        run=reader.boolean("runBatches"),
        spark_properties=MappingProxyType(
            {
                **extra_properties(
                    reader.structure("sparkProperties", "'sparkProperties[\"spark.executor.memory\"]' 8g"),
                    sized,
                    max_executors,
                ),
                **sized,
            }
        ),
    )


def _run_token(value: str) -> str:
    """The stack's run token: text, as each pipeline's, not a structure (which arrives as its JSON text)."""
    try:
        parsed = json.loads(value)
    except (ValueError, RecursionError):  # not JSON, or beyond what Python reads of it: text
        return value
    if isinstance(parsed, dict | list):
        raise ConfigError("runToken", parsed, "text or a number (change it to run every pipeline again)")
    return value


def _cores(key: str, value: str) -> int:
    allowed = one_of(EXECUTOR_CORE_CHOICES)
    try:
        cores = bounded_int(key, value, min(EXECUTOR_CORE_CHOICES), max(EXECUTOR_CORE_CHOICES))
    except ConfigError:
        raise ConfigError(key, value, allowed) from None
    if cores not in EXECUTOR_CORE_CHOICES:
        raise ConfigError(key, value, allowed)
    return cores


def _monitoring(reader: Reader) -> MonitoringConfig:
    email = reader.string("alertEmail")
    if email:
        refuse_first("alertEmail", email, _email_problems(email))
    return MonitoringConfig(
        alert_email=_optional(email),
        alert_email_is_secret=is_secret("alertEmail"),
        rejected_rows_threshold=reader.integer("rejectedRowsThreshold", 0, REJECTED_ROWS_THRESHOLD_MAX),
    )


def _email_problems(email: str) -> Iterator[str]:
    """The README's rules for alertEmail that `email` breaks, as what is allowed, the first to fix first. No
    part of the address is repeated: alertEmail is the one key kept secret."""
    if email.lower().startswith("mailto:"):
        yield "an address alone, without mailto: before it"
    if sum("@" in part for part in _ADDRESS_SEPARATORS.split(email)) > 1:
        yield "one address, not a list (to notify several people, use a group's address)"
    hidden = [character for character in email if character == " " or not character.isprintable()]
    if hidden:
        yield f"an address without spaces or invisible characters (it holds {described(hidden[0])})"
    local_part, at, domain = email.rpartition("@")
    if not at or "@" in local_part:
        yield "an address of the form name@domain, such as oncall@example.com"
    if not domain.isascii():
        yield (
            "an internationalized domain in its xn-- form, as DNS knows it (münchen.de is xn--mnchen-3ya.de)"
        )
    if not _EMAIL_LOCAL_PART.fullmatch(local_part):
        yield (
            "an address with ASCII letters, digits and !#$%&'*+/=?^_`{|}~- before the @, in runs joined by "
            "single dots"
        )
    if not _EMAIL_DOMAIN.fullmatch(domain):
        yield (
            "an address with a domain name after the @, such as example.com: labels of ASCII letters, "
            "digits and hyphens (none first or last) joined by single dots"
        )
    if len(local_part) > _EMAIL_MAX_LOCAL_PART or len(email) > _EMAIL_MAX_LENGTH:
        yield (
            f"an address of at most {_EMAIL_MAX_LENGTH} characters, at most {_EMAIL_MAX_LOCAL_PART} of them "
            "before the @ (RFC 5321's limits, which mail servers hold to)"
        )
