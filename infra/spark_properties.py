"""The sparkProperties a batch may carry, beside those the sizing keys set: Spark's names, the connectors'
options, the executors a batch starts with, and code fetched as it starts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping

from infra.config_reader import ConfigError, as_written, integer_within, map_entry, yaml_text
from infra.labels import LABEL_KEY, LABEL_KEY_RULE, label_value
from infra.pipeline_config import EXECUTORS_RANGE
from policy.fetched_code import downloads_packages, is_stored, java_trimmed, listed_files
from spark_jobs.spark_settings import CONNECTOR_JOB_LABEL, JOB_LABELS, SET_AT_RUN_TIME

_SPARK_PROPERTY = re.compile(r"spark\.[A-Za-z0-9_.-]+")
# What Dataproc Serverless says it does not support ("Spark properties": YARN- and shuffle-related ones).
_SERVERLESS_UNSUPPORTED = re.compile(r"spark\.(master$|yarn\.|shuffle\.)")
# The BigQuery connector's global options: properties named with this prefix exactly, which it applies to
# every load. The job sets its loads' own options (table, staging bucket, format, partitioning), and any
# other would change where, as whom or how the rows load (a project, an identity, a bucket of its own, a
# partition decorator) or the tables the stack declares (their labels). A batch may only tune the
# connector's calls and label its jobs.
_CONNECTOR_PREFIX = "spark.datasource.bigquery."
# The options a batch may tune, which the connector reads with Java's Long.valueOf or Integer.valueOf (no
# spaces), and their ranges.
_CONNECTOR_TUNING = {
    "bigQueryJobTimeoutInMinutes": (1, 2**63 - 1),
    "httpMaxRetry": (0, 2**31 - 1),
    "httpConnectTimeout": (0, 2**31 - 1),
    "httpReadTimeout": (0, 2**31 - 1),
}
_CONNECTOR_TUNING_BY_FOLDED_NAME = {name.casefold(): name for name in _CONNECTOR_TUNING}
# Hadoop settings and environment that would take the connectors' reads and loads away from the stack's
# projects, identity, endpoints or keys, each with what the refusal asks for instead.
_REFUSED_REDIRECTS = (
    # What the connectors read for the project of a table or bucket named without one, and for the identity
    # they call Google as: Hadoop settings (the Cloud Storage connector's, which the BigQuery one also reads),
    # and the environment of the driver and executors (which Google's client libraries read, the job's too).
    (
        re.compile(
            r"spark\.hadoop\.(fs\.gs\.project\.id|fs\.gs\.auth\..*|fs\.gs\.delegation\.token\.binding"
            r"|google\.cloud\.auth\..*)"
            r"|spark\.(executorEnv|dataproc\.driverEnv|kubernetes\.driverEnv|kubernetes\.executorEnv)\."
            r"(GOOGLE_APPLICATION_CREDENTIALS|GOOGLE_CLOUD_PROJECT|GCLOUD_PROJECT|CLOUDSDK_CORE_PROJECT)"
        ),
        "a property that keeps Cloud Storage and BigQuery in projectId, as the runner account: this one "
        "would have the connectors, or the job's BigQuery client, find buckets and tables in another "
        "project, or call them as another identity",
    ),
    # What would send the Cloud Storage connector's requests, and with them the runner account's access token,
    # elsewhere than Google's endpoints (the BigQuery connector also takes its proxy from there), bill them to
    # another project (requester pays, or a header naming the project to bill), or load Hadoop settings from
    # a file or a keystore (Hadoop's credential providers, read before the settings), past these checks.
    (
        re.compile(
            r"spark\.hadoop\.(fs\.gs\.(storage\.root\.url|storage\.service\.path|token\.server\.url"
            r"|grpc\.server\.address|proxy\..*|requester\.pays\..*|storage\.http\.headers\..*"
            r"|config\.override\.file)|hadoop\.security\.credential\.provider\.path)"
        ),
        "a property that keeps the Cloud Storage connector's requests on Google's endpoints, billed to "
        "projectId, under the settings the stack shows: this one would send them, and the runner account's "
        "access token, to another address or through a proxy, bill them to another project, or read Hadoop "
        "settings from a file or keystore",
    ),
    # Customer-supplied keys, with which the Cloud Storage connector would encrypt what it writes, the files
    # the BigQuery connector stages for its loads included, which BigQuery cannot read (it takes
    # customer-managed keys, `kmsKey`, not supplied ones).
    (
        re.compile(r"spark\.hadoop\.fs\.gs\.encryption\..*"),
        "a property that leaves encryption to the buckets' keys (kmsKey sets a customer-managed one): a "
        "customer-supplied key would encrypt the files the BigQuery connector stages, which BigQuery cannot "
        "load, and show the key in the batch's properties",
    ),
)
# Spark passes `spark.hadoop.<name>` to Hadoop as `<name>`.
_HADOOP_PREFIX = "spark.hadoop."
_JAVA_INT_MIN, _JAVA_INT_MAX = -(2**31), 2**31 - 1


def extra_properties(raw: object, sized: Mapping[str, str], max_executors: int) -> dict[str, str]:
    """sparkProperties, as text. Refused: another spelling of a property (which Spark would set beside it, to
    no effect), the properties other keys set, those the job sets itself at run time (which would silently
    override a batch property), the connectors' options and environment that take the job to another
    project or identity or change its loads, what Dataproc Serverless does not support, fewer starting
    executors than it allows or more than `max_executors`, and code fetched from outside Cloud Storage and
    the runtime image as a batch starts (`policy.fetched_code`)."""
    if not isinstance(raw, dict):
        raise ConfigError("sparkProperties", raw, "a map of Spark property names to values")
    properties: dict[str, str] = {}
    known = {name.casefold(): name for name in (*sized, *SET_AT_RUN_TIME)}
    for name, value in raw.items():
        key = map_entry("sparkProperties", name)
        _check_property_name(key, name, value, known, given=properties)
        if name in sized:
            raise ConfigError(
                key,
                value,
                "a property no other key sets (minExecutors, maxExecutors, executorCores and driverCores set "
                f"{', '.join(sized)})",
            )
        _refuse_what_the_job_sets(key, name, value)
        _refuse_connector_redirects(key, name, value)
        if _SERVERLESS_UNSUPPORTED.match(name):
            raise ConfigError(
                key,
                value,
                "a property Dataproc Serverless supports: a batch setting spark.master or a YARN or shuffle "
                "property (spark.yarn.*, spark.shuffle.*) fails",
            )
        if isinstance(value, bool):
            properties[name] = yaml_text(value)
        elif isinstance(value, int | float | str):
            properties[name] = str(value)
        else:
            raise ConfigError(key, value, "a property value: text, a number, true or false")
        _refuse_fetching_from_outside(key, name, properties[name], value)
        _check_connector_tuning(key, name, properties[name], value)
    for name, starting in starting_executors(properties):
        if starting < EXECUTORS_RANGE[0]:
            raise ConfigError(
                map_entry("sparkProperties", name),
                raw[name],  # as written: the number Spark reads may be written ' +1'
                f"at least {EXECUTORS_RANGE[0]}, Dataproc Serverless's fewest executors for a batch",
            )
        if starting > max_executors:
            raise ConfigError(
                map_entry("sparkProperties", name),
                raw[name],
                f"at most maxExecutors ({max_executors}): a batch starts with this many executors, even "
                "above the maximum",
            )
    return properties


def _check_property_name(
    key: str, name: object, value: object, known: Mapping[str, str], given: Iterable[str]
) -> None:
    """A Spark property's name, which is case-sensitive: not another spelling of one the program or the job
    sets (`known`, by their case-folded names), nor of one `given` before it, either of which would be set
    beside the other and do nothing."""
    if not isinstance(name, str) or not _SPARK_PROPERTY.fullmatch(name):
        raise ConfigError(
            key, value, "a Spark property name: 'spark.' followed by letters, digits, '_', '.' or '-'"
        )
    spelled = known.get(name.casefold(), name)
    if spelled != name:
        raise ConfigError(
            key,
            value,
            f"not another spelling of {spelled}, which the program or the job sets: Spark's property "
            "names are case-sensitive, so this one would do nothing",
        )
    twin = next((other for other in given if other.casefold() == name.casefold()), None)
    if twin is not None:
        raise ConfigError(
            key,
            value,
            f"not another spelling of {twin}, also in sparkProperties: Spark's property names are "
            "case-sensitive, so one of the two would do nothing",
        )


def starting_executors(properties: Mapping[str, str]) -> Iterator[tuple[str, int]]:
    """The properties that set how many executors a batch starts with, and their numbers: Spark starts with
    the most of minExecutors and these, even above maxExecutors. Read as Spark reads them, or refused here
    rather than by the batch."""
    for name in ("spark.dynamicAllocation.initialExecutors", "spark.executor.instances"):
        if name not in properties:
            continue
        # Spark reads an integer property with Java's parseInt of the value trimmed.
        starting = integer_within(java_trimmed(properties[name]), _JAVA_INT_MIN, _JAVA_INT_MAX)
        if starting is None:
            raise ConfigError(
                map_entry("sparkProperties", name),
                properties[name],
                "a whole number, as Spark reads it (a 32-bit integer)",
            )
        yield name, starting


def _refuse_what_the_job_sets(key: str, name: str, value: object) -> None:
    """Refuse property `name` when the job sets it itself at run time, silently over the batch's value."""
    if name in SET_AT_RUN_TIME:
        raise ConfigError(key, value, "a property the job does not set itself at run time, over this value")
    hadoop_name = name.removeprefix(_HADOOP_PREFIX)
    if hadoop_name != name and hadoop_name in SET_AT_RUN_TIME:
        raise ConfigError(
            key,
            value,
            f"a property the job does not set itself at run time: it sets {hadoop_name}, which Spark "
            f"copies over {name} when it reads files",
        )


def _refuse_connector_redirects(key: str, name: str, value: object) -> None:
    """Refuse the connectors' global options that would take the job's reads and loads away from the stack's
    buckets and tables, from the runner account, or from the options its loads set."""
    for redirect, expected in _REFUSED_REDIRECTS:
        if redirect.fullmatch(name):
            raise ConfigError(key, value, expected)
    if not name.casefold().startswith(_CONNECTOR_PREFIX):
        return
    if not name.startswith(_CONNECTOR_PREFIX):
        raise ConfigError(
            key,
            value,
            f"a property named with {_CONNECTOR_PREFIX} as written: the connector reads only those, by their "
            "exact names",
        )
    option = name.removeprefix(_CONNECTOR_PREFIX)
    spelled = _CONNECTOR_TUNING_BY_FOLDED_NAME.get(option.casefold(), option)
    if option.casefold().startswith(CONNECTOR_JOB_LABEL.casefold()):
        _check_job_label(key, option[len(CONNECTOR_JOB_LABEL) :], value)
    elif spelled != option:
        raise ConfigError(
            key,
            value,
            f"not another spelling of {_CONNECTOR_PREFIX}{spelled}: the connector reads "
            "its global options by their exact names",
        )
    elif option not in _CONNECTOR_TUNING:
        raise ConfigError(
            key,
            value,
            f"one of the BigQuery connector's global options a batch may set: {', '.join(_CONNECTOR_TUNING)} "
            f"or {CONNECTOR_JOB_LABEL}<key>. The connector applies the others to every load, beside the "
            "options the job sets: they could load the rows into another project, as another identity, or "
            "through another bucket or partitioning, or change the tables the stack declares",
        )


def _check_connector_tuning(key: str, name: str, text: str, written: object) -> None:
    """A tuning option of the connector (`text`, `written` so in the stack file): a whole number in its range,
    as Java reads it, or the batch would fail at its first load, once every row is read and checked."""
    bounds = (
        _CONNECTOR_TUNING.get(name.removeprefix(_CONNECTOR_PREFIX))
        if name.startswith(_CONNECTOR_PREFIX)
        else None
    )
    if bounds is None:
        return
    low, high = bounds
    if integer_within(text, low, high) is None:
        raise ConfigError(key, written, f"a whole number from {low} to {high}, as the connector reads it")


def _check_job_label(key: str, label: str, value: object) -> None:
    """A label the connector puts on each of its BigQuery jobs: a label by Google's rules, and not one the
    job sets on every load itself (the connector would merge the two: the job's value would win, or the load
    fail on the key given twice)."""
    if label in JOB_LABELS:
        raise ConfigError(
            key, value, f"a job label other than {' and '.join(JOB_LABELS)}, which the job sets on its loads"
        )
    if not LABEL_KEY.fullmatch(label):
        raise ConfigError(
            key,
            value,
            f"{CONNECTOR_JOB_LABEL}<key> with a label key: {LABEL_KEY_RULE} (not {as_written(label)})",
        )
    label_value(key, value)


def _refuse_fetching_from_outside(key: str, name: str, text: str, written: object) -> None:
    """A Spark property (`text`, `written` so in the stack file) that has a batch download packages, or fetch
    files from outside Cloud Storage and its image, as it starts: unpinned code, from the internet the stack's
    subnet has no route to."""
    if downloads_packages(name, text):
        raise ConfigError(
            key,
            written,
            "a property that downloads nothing as a batch starts: this one downloads packages from a "
            "repository (unpinned, and the stack's subnet has no route to the internet); put the jars in "
            "Cloud Storage and name their gs:// URIs in spark.jars",
        )
    for uri in listed_files(name, text):
        if not is_stored(uri):
            raise ConfigError(
                key,
                written,
                f"files in Cloud Storage (gs://) or the runtime image (file:, local: or a path): a batch "
                f"would fetch {uri!r} from outside as it starts, and the stack's subnet has no route to the "
                "internet",
            )
