"""The stack's pipelines: each a data contract (the target table) fed from a prefix of the raw bucket.

Read from the structured config key `pipelines`, a list of maps; every setting is checked here, and the
pipelines against each other (names, tables and input folders apart).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from infra.config_reader import (
    PROJECT_ROOT,
    ConfigError,
    as_written,
    bounded_int,
    described,
    did_you_mean,
    map_entry,
    matching,
    one_of,
    refuse_first,
)
from spark_jobs.contract import Contract, load_contract
from spark_jobs.errors import ContractError
from spark_jobs.options import (
    APPEND,
    CSV,
    CSV_DELIMITER_RULE,
    CSV_ENCODINGS,
    CSV_NULL_MARKER_RULE,
    DEFAULT_CSV_DIALECT,
    FORMATS,
    WRITE_MODES,
    CsvDialect,
    is_csv_delimiter,
    is_csv_null_marker,
    reject_ratio,
)

_CSV_KEYS = ("csvDelimiter", "csvEncoding", "csvNullMarkers")
"""The keys of a pipeline's `CsvDialect`, which only a CSV pipeline may set."""
PIPELINE_KEYS = (
    "name",
    "contract",
    "inputFormat",
    "inputPrefix",
    *_CSV_KEYS,
    "minExecutors",
    "maxExecutors",
    "writeMode",
    "maxRejectRatio",
    "rejectedRowsThreshold",
    "runToken",
)
EXECUTORS_RANGE = (2, 1000)
"""Dataproc Serverless's bounds for the executors of a batch (the stack's keys and a pipeline's own)."""
REJECTED_ROWS_THRESHOLD_MAX = 10**12
"""The largest number of rejected rows an alert may wait for (the stack's key and a pipeline's own)."""
_PIPELINE_NAME = re.compile(r"^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$")
_NOT_IN_PREFIX = re.compile(r"[*?\[\]{}\\:]")
_MAX_OBJECT_NAME_BYTES = 1024
# Cloud Storage keeps these names to itself: no object's name starts so.
_RESERVED_OBJECT_PREFIX = ".well-known/acme-challenge/"
_CONTRACT_FILE_NAME = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class PipelineConfig:
    """One pipeline: a data contract (the target table) fed from a prefix of the raw bucket."""

    name: str
    contract_path: Path
    contract: Contract
    input_format: str
    input_prefix: str
    csv: CsvDialect
    """How the CSV files are written; the default dialect for the other formats."""
    min_executors: int | None
    max_executors: int | None
    """This pipeline's own bounds of its batch's executors; None: the stack's (`minExecutors`,
    `maxExecutors`)."""
    write_mode: str
    max_reject_ratio: float
    rejected_rows_threshold: int | None
    """Alert when a run rejects more rows than this; None: the stack's `rejectedRowsThreshold`."""
    run_token: str
    """Empty unless set: changing it runs this pipeline's batch again, and no other."""


def parse_pipelines(raw: object) -> tuple[PipelineConfig, ...]:
    if not isinstance(raw, list):
        raise ConfigError("pipelines", raw, "a list of pipeline maps")
    pipelines = tuple(_pipeline(index, item) for index, item in enumerate(raw))
    names = [pipeline.name for pipeline in pipelines]
    for index, name in enumerate(names):
        if name in names[:index]:
            raise ConfigError(f"pipelines[{index}].name", name, "a name no other pipeline uses")
    _distinct_tables(raw, pipelines)
    _apart([pipeline.input_prefix for pipeline in pipelines])
    return pipelines


def _distinct_tables(raw: list[object], pipelines: tuple[PipelineConfig, ...]) -> None:
    """No two pipelines load one table (nor one another's quarantine: contracts refuse table names ending
    with the quarantine suffix)."""
    for index, pipeline in enumerate(pipelines):
        for other_index, other in enumerate(pipelines[:index]):
            if pipeline.contract.table == other.contract.table:
                configured = raw[index]
                assert isinstance(configured, dict), "parsed as a pipeline map"
                raise ConfigError(
                    f"pipelines[{index}].contract",
                    configured["contract"],
                    f"a contract of a table no other pipeline loads (its table {pipeline.contract.table} "
                    f"is pipelines[{other_index}]'s too)",
                )


def _apart(prefixes: list[str]) -> None:
    """No pipeline's input folder may hold another's: the job reads every file under its folder."""
    for index, prefix in enumerate(prefixes):
        for other_index, other in enumerate(prefixes[:index]):
            if prefix.startswith(other) or other.startswith(prefix):
                raise ConfigError(
                    f"pipelines[{index}].inputPrefix",
                    prefix,
                    f"a folder apart from pipelines[{other_index}]'s {as_written(other)} (the default is "
                    "<name>/): the job reads every file under its folder, so one pipeline would load the "
                    "other's files",
                )


def _pipeline(index: int, item: object) -> PipelineConfig:
    key = f"pipelines[{index}]"
    if not isinstance(item, dict):
        raise ConfigError(key, item, "a map with name, contract, inputFormat and optional settings")
    for field in item:
        if field not in PIPELINE_KEYS:
            known = (
                f"a known pipeline setting: {', '.join(PIPELINE_KEYS)}{did_you_mean(field, PIPELINE_KEYS)}"
            )
            raise ConfigError(map_entry(key, field), item[field], known)

    def text(field: str, default: str | None = None) -> str:
        value = _or_default(item.get(field), default)
        if value is None:
            raise ConfigError(f"{key}.{field}", value, "required")
        if not isinstance(value, str):
            raise ConfigError(f"{key}.{field}", value, "a string")
        return value

    def choice(field: str, choices: tuple[str, ...], default: str | None = None) -> str:
        value = text(field, default)
        if value not in choices:
            raise ConfigError(f"{key}.{field}", value, one_of(choices))
        return value

    name = matching(
        f"{key}.name",
        text("name"),
        _PIPELINE_NAME,
        "1-20 lowercase letters, digits or hyphens, a letter first and no hyphen last",
    )
    contract_value = text("contract")
    contract_path = _contract_path(f"{key}.contract", contract_value)
    contract = _contract(f"{key}.contract", contract_value, contract_path)
    input_format = choice("inputFormat", FORMATS)
    return PipelineConfig(
        name=name,
        contract_path=contract_path,
        contract=contract,
        input_format=input_format,
        input_prefix=_prefix(f"{key}.inputPrefix", text("inputPrefix", f"{name}/")),
        csv=_csv_dialect(key, item, input_format),
        min_executors=_own_number(f"{key}.minExecutors", item.get("minExecutors"), *EXECUTORS_RANGE),
        max_executors=_own_number(f"{key}.maxExecutors", item.get("maxExecutors"), *EXECUTORS_RANGE),
        write_mode=choice("writeMode", WRITE_MODES, APPEND),
        max_reject_ratio=_ratio(f"{key}.maxRejectRatio", _or_default(item.get("maxRejectRatio"), 0.0)),
        rejected_rows_threshold=_own_number(
            f"{key}.rejectedRowsThreshold", item.get("rejectedRowsThreshold"), 0, REJECTED_ROWS_THRESHOLD_MAX
        ),
        run_token=_run_token(f"{key}.runToken", item.get("runToken")),
    )


def _or_default(value: object, default: object) -> object:
    """A pipeline setting left empty in YAML (`inputPrefix:`) is null: it takes its default."""
    return default if value is None else value


def _run_token(key: str, value: object) -> str:
    """A pipeline's own run token, as text: `pulumi config set --path` stores `2` as a YAML number, and YAML
    reads `1.5` as one; a number is its value's text (`1.10` is `1.1`), as the stack's token arrives."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConfigError(key, value, "text or a number (change it to run this pipeline again)")
    return str(value)


def _own_number(key: str, value: object, low: int, high: int) -> int | None:
    """A pipeline's own value of a number the stack sets too: an integer from `low` to `high`, or None when
    unset (the stack's applies)."""
    return None if value is None else bounded_int(key, value, low, high)


def _csv_dialect(key: str, item: dict[str, object], input_format: str) -> CsvDialect:
    """The pipeline's CSV dialect. Its keys are refused for a pipeline of another format: they would do
    nothing."""
    if input_format != CSV:
        for field in _CSV_KEYS:
            if item.get(field) is not None:
                applies = f"unset: it applies only to inputFormat {CSV}, not {input_format}"
                raise ConfigError(f"{key}.{field}", item[field], applies)
        return DEFAULT_CSV_DIALECT
    return CsvDialect(
        delimiter=_csv_delimiter(f"{key}.csvDelimiter", item.get("csvDelimiter")),
        encoding=_csv_encoding(f"{key}.csvEncoding", item.get("csvEncoding")),
        null_markers=_csv_null_markers(f"{key}.csvNullMarkers", item.get("csvNullMarkers")),
    )


def _csv_delimiter(key: str, value: object) -> str:
    """The pipeline's CSV delimiter: one character the job accepts."""
    if value is None:
        return DEFAULT_CSV_DIALECT.delimiter
    if not isinstance(value, str) or not is_csv_delimiter(value):
        # YAML reads the escape \t as a tab only in double quotes.
        allowed = f'{CSV_DELIMITER_RULE}, e.g. "|", ";" or "\\t" (a tab, in double quotes)'
        raise ConfigError(key, value, allowed)
    return value


def _csv_encoding(key: str, value: object) -> str:
    """The pipeline's CSV character set: one the job reads."""
    if value is None:
        return DEFAULT_CSV_DIALECT.encoding
    if not isinstance(value, str) or value not in CSV_ENCODINGS:
        raise ConfigError(key, value, one_of(CSV_ENCODINGS))
    return value


def _csv_null_markers(key: str, value: object) -> tuple[str, ...]:
    """The pipeline's CSV null markers: a list of texts the job accepts."""
    if value is None:
        return DEFAULT_CSV_DIALECT.null_markers
    if not isinstance(value, list):
        raise ConfigError(key, value, _NULL_MARKERS_EXAMPLE)
    markers = [_as_text(marker) for marker in value]
    for index, marker in enumerate(markers):
        refuse_first(f"{key}[{index}]", marker, _null_marker_problems(marker))
        if marker in markers[:index]:
            raise ConfigError(
                f"{key}[{index}]",
                value[index],
                f"a marker not listed before: {key}[{markers.index(marker)}] is the same text (a marker "
                "listed twice changes the batch, and so runs it again, without changing what it reads)",
            )
    if markers == [""]:
        raise ConfigError(
            key,
            value,
            "other markers beside the empty text: alone, it reads as no markers do (an empty field is null), "
            "while changing the batch and so running it again; unset it",
        )
    return tuple(str(marker) for marker in markers)


_NULL_MARKERS_EXAMPLE = "a list of the texts that stand for null, e.g. ['\\N', 'NULL'] (in single quotes)"
# The escapes YAML's double quotes read as a character a marker cannot hold: \N (U+0085), \_, \L and \P.
_YAML_ESCAPED = frozenset("\x85\xa0\u2028\u2029")


def _as_text(marker: object) -> object:
    """An integer as its text: `pulumi config set --path` stores `-999` as a YAML number."""
    return str(marker) if isinstance(marker, int) and not isinstance(marker, bool) else marker


def _null_marker_problems(marker: object) -> Iterator[str]:
    """What a null marker breaks, if anything, in the order to fix it."""
    if marker is None:
        yield (
            f"{CSV_NULL_MARKER_RULE}; YAML reads an unquoted null, NULL or ~, or nothing, as no value: quote "
            "it ('NULL', or '' for the empty text)"
        )
    elif not isinstance(marker, str):
        kind = (
            "a boolean"
            if isinstance(marker, bool)
            else "a number"
            if isinstance(marker, float)
            else "a list or map"
        )
        yield f"{CSV_NULL_MARKER_RULE}; YAML read this one as {kind}: quote it as the files write it"
    elif not is_csv_null_marker(marker):
        slip = _YAML_ESCAPED.intersection(marker)
        yield CSV_NULL_MARKER_RULE + (
            "; YAML reads \\N, \\_, \\L and \\P in double quotes as characters of their own: write '\\N'"
            if slip
            else ""
        )


def _contract_path(key: str, value: str) -> Path:
    allowed = f"a data contract YAML file, relative to {PROJECT_ROOT}"
    try:
        path = (PROJECT_ROOT / value).resolve()
        is_file = path.is_file()
    # A name the file system cannot hold (a NUL byte, too long), or a loop of symbolic links.
    except (OSError, ValueError, RuntimeError):
        raise ConfigError(key, value, allowed) from None
    if not is_file:
        if path.is_dir():
            found = f"{path} is a directory"
        elif path.exists():
            found = f"{path} is not a regular file"
        else:
            found = f"there is no {path}"
        raise ConfigError(key, value, f"{allowed} ({found})")
    if not _CONTRACT_FILE_NAME.fullmatch(path.name):
        # The batch passes the uploaded file's URI as the value of --contract, which the job would read as an
        # option if it started with '-'; plain names also keep object names and URIs free of escaping.
        raise ConfigError(
            key, value, "a data contract file named with ASCII letters, digits, '_', '.' and '-' (not first)"
        )
    return path


def _contract(key: str, value: str, path: Path) -> Contract:
    try:
        return load_contract(path)
    except ContractError as error:
        raise ConfigError(key, value, f"a valid data contract ({error})") from None


def _prefix(key: str, value: str) -> str:
    refuse_first(key, value, _prefix_problems(value))
    return value


def _prefix_problems(value: str) -> Iterator[str]:
    """The rules of a plain object prefix that `value` breaks, as what is allowed, the first to fix first. The
    job reads it as a Hadoop path, where glob characters select other folders, `.` and `..` segments are
    resolved (`a/../` is the whole bucket) and `:` breaks the path; Cloud Storage names hold no line break and
    at most 1024 bytes, a file's name after the prefix included, and none starts as its reserved prefix does;
    no control character, which no command line carries (NUL) or a listing shows."""
    segments = value.split("/")[:-1]
    if value.startswith("/"):
        yield "a prefix inside the raw bucket, without a '/' first (e.g. orders/, not /orders/)"
    if not value.endswith("/"):
        yield "a folder: a prefix ending with '/' (e.g. orders/ or landing/orders/)"
    if "" in segments:
        yield "a prefix without an empty folder (no two '/' in a row)"
    if any(segment in (".", "..") for segment in segments):
        yield (
            "a prefix without a . or .. folder: the job reads it as a Hadoop path, which resolves them "
            "(orders/../ is the whole bucket)"
        )
    if special := _NOT_IN_PREFIX.search(value):
        yield (
            f"a prefix without any of * ? [ ] {{ }} \\ : (it holds {as_written(special[0])}): the job reads "
            "it as a Hadoop path, where they select other folders or break the path"
        )
    if control := next((character for character in value if unicodedata.category(character) == "Cc"), None):
        yield (
            f"a prefix without a control character (it holds {described(control)}): no command line "
            "carries NUL, and listings do not show the others"
        )
    if value.startswith(_RESERVED_OBJECT_PREFIX):
        yield (
            f"a prefix outside {_RESERVED_OBJECT_PREFIX}, where Cloud Storage allows no object's name to "
            "start, so the batch would never find a file"
        )
    if (size := len(value.encode())) >= _MAX_OBJECT_NAME_BYTES:
        yield (
            f"a prefix under {_MAX_OBJECT_NAME_BYTES} bytes (it has {size} in UTF-8): Cloud Storage names "
            f"hold at most {_MAX_OBJECT_NAME_BYTES}, a file's name after the prefix included"
        )


def _ratio(key: str, value: object) -> float:
    """A YAML number, or text the job's --max-reject-ratio takes (the same rule, `reject_ratio`)."""
    allowed = "a number from 0 to 1 (the share of rows that may be rejected)"
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConfigError(key, value, allowed)
    try:
        # -0 is 0: the same ratio gives the same argument, and the same batch id.
        return reject_ratio(str(value))
    except ValueError as problem:
        raise ConfigError(key, value, f"{allowed}; this one {problem}") from None
