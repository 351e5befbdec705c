"""Reading the project's config namespace: typed values, Pulumi.yaml's defaults, and errors naming the key.

Pulumi hands every value over as a string (objects as JSON). The rules built on this module reject a bad
value with one ConfigError naming the key, the value and what is allowed, so a typo fails the preview
instead of a cloud API call half-way through an update.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pulumi
import pulumi_gcp.config
import yaml
from pulumi.runtime.config import CONFIG, get_config_env, is_config_secret

from spark_jobs.errors import listed
from spark_jobs.quoting import quoted
from spark_jobs.rule_values import whole_number

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""Directory holding Pulumi.yaml; relative paths in config (data contracts) are resolved against it."""
PROJECT_FILE = PROJECT_ROOT / "Pulumi.yaml"


class ConfigError(pulumi.RunError, ValueError):
    """A stack config value is missing or not allowed; the message names key, value and what is allowed.

    A `RunError`: the Pulumi CLI shows its message alone, without a Python traceback.
    """

    def __init__(self, key: str, value: object, allowed: str) -> None:
        shown = "[secret]" if is_secret(key) else as_written(value)
        super().__init__(_without_secrets(f"config {key}={shown} is not valid: {allowed}"))
        self.key = key


def _without_secrets(message: str) -> str:
    """`message` with every value set with `--secret` shown as `[secret]`: the rule a value breaks may name
    another key's value (a key outside the stack's region names the region; the default bucket prefix holds
    the project id). A secret structure's texts and numbers are each hidden, wherever no letter or digit
    adjoins them."""
    secrets = {text for key, value in _present().items() if is_config_secret(key) for text in _texts(value)}
    for text in sorted(secrets, key=len, reverse=True):
        message = re.sub(rf"(?<![0-9A-Za-z]){re.escape(text)}(?![0-9A-Za-z])", "[secret]", message)
    return message


def _texts(value: object) -> Iterator[str]:
    """The texts and numbers a config value holds, as a message may show them; a structure arrives as its
    JSON text. Booleans and nulls are left alone: hiding them would hide words such as `true` that messages
    use."""
    parsed = value
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except (ValueError, RecursionError):
            parsed = value
        if isinstance(parsed, int | float | str) and not isinstance(parsed, bool):
            parsed = value  # the text as set, which a message quotes (1.10, not 1.1)
    if isinstance(parsed, dict):
        for item in parsed.values():
            yield from _texts(item)
    elif isinstance(parsed, list):
        for item in parsed:
            yield from _texts(item)
    elif isinstance(parsed, int | float | str) and not isinstance(parsed, bool) and str(parsed):
        yield str(parsed)
        yield quoted(str(parsed))


def as_written(value: object) -> str:
    """A config value as the stack file spells it: `true`, `null`, structures in YAML's flow style, and text
    quoted as YAML quotes it (not as Python's repr, whose doubled backslashes the user never typed)."""
    if isinstance(value, bool):
        return yaml_text(value)
    if value is None:
        return "null"
    if isinstance(value, dict | list):
        return yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=2**31).strip()
    if isinstance(value, str):
        return quoted(value)
    return repr(value)


def map_entry(key: str, name: object) -> str:
    """The config path of map `key`'s entry `name`, for a message: `labels.team`; a name holding a character
    that would not show, in brackets, quoted as YAML quotes it: `labels["te\\tam"]`."""
    text = str(name)
    return f"{key}.{text}" if text.isprintable() else f"{key}[{quoted(text)}]"


def described(character: str) -> str:
    """A character a message must make visible, by its code point and name: "U+200B ZERO WIDTH SPACE"."""
    return f"U+{ord(character):04X} {unicodedata.name(character, '')}".rstrip()


def is_secret(key: str) -> bool:
    """Whether config `key` (`alertEmail`, `gcp:region`), or the structured value it is part of
    (`labels.team`, `pipelines[0].name`), was set with `pulumi config set --secret`."""
    top = re.split(r"[.\[]", key, maxsplit=1)[0]
    return is_config_secret(top if ":" in top else f"{pulumi.get_project()}:{top}")


def declared_keys() -> dict[str, dict[str, object]]:
    """The keys Pulumi.yaml declares for this project, each with its type, default and description."""
    with PROJECT_FILE.open(encoding="utf-8") as handle:
        declared = yaml.safe_load(handle).get("config") or {}
    return {key: value if isinstance(value, dict) else {"default": value} for key, value in declared.items()}


_PROVIDER = "gcp"
"""The namespace of the provider's settings, some of which the program checks."""
_MAX_SLIP, _SLIP_SIMILARITY = 2, 0.9
"""How far a misspelled namespace lies from the project's: at most this many characters longer or shorter,
and at least this similar (difflib's ratio: `gcs_bigquery_pipeline` is 0.905)."""


class Reader:
    """Typed access to the project's config namespace, with the defaults Pulumi.yaml declares (as the CLI).

    Pulumi.yaml is the one declaration of every key: reading an undeclared key is a programming error, and a
    set key that nothing reads (a typo such as `maxExecutor`) is a ConfigError from `unread_keys`.
    """

    def __init__(self, config: pulumi.Config, declared: Mapping[str, Mapping[str, object]]) -> None:
        self._config = config
        self._declared = declared
        self.read: set[str] = set()
        self._provider_set: set[str] = set()
        """The provider's settings the program read that are set (they end up in resources too)."""

    def _value(self, key: str) -> object:
        if key not in self._declared:
            raise KeyError(f"config key {key!r} is read by the program but not declared in Pulumi.yaml")
        self.read.add(key)
        value = self._config.get(key)
        return self._declared[key].get("default") if value is None else value

    def string(self, key: str) -> str:
        value = self._value(key)
        return "" if value is None else str(value)

    def required(self, key: str) -> str:
        value = self.string(key)
        if not value:
            raise ConfigError(key, value, f"required: set it with `pulumi config set {key} <value>`")
        return value

    def boolean(self, key: str) -> bool:
        value = self._value(key)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ConfigError(key, value, "a boolean (true or false)")

    def integer(self, key: str, low: int, high: int) -> int:
        return bounded_int(key, self._value(key), low, high)

    def structure(self, key: str, one_entry: str) -> object:
        return structure(key, self._value(key), one_entry)

    def provider(self, key: str) -> str | None:
        """The provider's own setting `gcp:<key>`, which the program checks (it is not declared here)."""
        value = pulumi.Config(_PROVIDER).get(key)
        if value is not None:
            self._provider_set.add(f"{_PROVIDER}:{key}")
        return value

    def _set_keys(self) -> dict[str, object]:
        """The keys set in this project's namespace (without it) and their values."""
        prefix = f"{self._config.name}:"
        return {
            key.removeprefix(prefix): value for key, value in _present().items() if key.startswith(prefix)
        }

    def is_default(self, key: str) -> bool:
        """Whether `key` has Pulumi.yaml's default (the CLI gives the program the default of a key the stack
        does not set, so a stack setting the default value cannot be told apart)."""
        return self._value(key) == self._declared[key].get("default")

    def unread_keys(self) -> None:
        """Reject keys set in this project's namespace that no rule reads (misspelled or obsolete), and keys
        set in a namespace whose name misspells the project's, or one of the project's keys set in the
        provider's namespace, which has no such setting: nothing would ever read them."""
        for key, value in sorted(self._set_keys().items()):
            if key not in self.read:
                raise ConfigError(
                    key, value, f"a key declared in Pulumi.yaml{did_you_mean(key, self._declared)}"
                )
        project = self._config.name
        for key, value in sorted(_present().items()):
            namespace, colon, name = key.partition(":")
            if _project_key_of_provider(namespace, name, self._declared):
                raise ConfigError(
                    key,
                    value,
                    f"a key of this project's namespace, {project}:{name}: the provider has no {name}",
                )
            if colon and namespace != project and _misspells(namespace, project):
                raise ConfigError(
                    key,
                    value,
                    f"a key of this project's namespace, {project}:{name}: the program reads no other "
                    f"namespace's keys than its own and the provider's ({_PROVIDER}:)",
                )

    def secret_keys(self) -> list[str]:
        """The keys set with `pulumi config set --secret`, the provider's that the program reads included."""
        return sorted(key for key in {*self._set_keys(), *self._provider_set} if is_secret(key))


def one_of(choices: Iterable[object]) -> str:
    """What a key allows, in words: "one of 4, 8 or 16"."""
    return f"one of {listed(choices)}"


def _present() -> dict[str, object]:
    """Every config key set for the stack, of any namespace, with its value."""
    return {**get_config_env(), **CONFIG.get()}


def _misspells(name: str, intended: str) -> bool:
    """Whether namespace `name` reads as a slip in writing `intended`: a letter or two off, or only in
    letter case, not a project of its own named alike (`gcs-bigquery-loader`, `gcs-bigquery-pipeline-ops`),
    nor Pulumi's or the provider's."""
    if name in (_PROVIDER, "pulumi") or abs(len(name) - len(intended)) > _MAX_SLIP:
        return False
    return difflib.SequenceMatcher(None, name.casefold(), intended.casefold()).ratio() >= _SLIP_SIMILARITY


def _project_key_of_provider(namespace: str, name: str, declared: Iterable[str]) -> bool:
    """Whether `namespace:name` is one of the project's keys set as the provider's (`gcp:kmsKey`), where the
    provider has no such setting (it has `gcp:region`, which the program checks)."""
    setting = re.sub(r"[A-Z]", lambda upper: "_" + upper[0].lower(), name)
    return namespace == _PROVIDER and name in declared and not hasattr(pulumi_gcp.config, setting)


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """A hint naming the known name closest to a misspelled one (" (did you mean maxExecutors?)"), or ""."""
    close = difflib.get_close_matches(name, sorted(known), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def structure(key: str, value: object, one_entry: str) -> object:
    """A structured config value: as the YAML file has it, or from the JSON text the engine passes.
    `one_entry` is what `pulumi config set --path` takes to set one of its entries, shown when the value is
    plain text (`'labels.team' data`)."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except RecursionError:
        raise ConfigError(
            key, value[:_SHOWN_OF_A_REFUSED_STRUCTURE] + "…", "a structure nested less deeply"
        ) from None
    except json.JSONDecodeError:
        raise ConfigError(
            key,
            value,
            "a YAML/JSON structure, not plain text: write it in the stack's file, or set one entry with "
            f"`pulumi config set --path {one_entry}`",
        ) from None
    except ValueError:  # a number of more digits than Python reads (4300)
        raise ConfigError(
            key, value[:_SHOWN_OF_A_REFUSED_STRUCTURE] + "…", "a structure whose numbers have fewer digits"
        ) from None


# How much of a refused structure (nested past Python's recursion limit, or a number too long) is shown.
_SHOWN_OF_A_REFUSED_STRUCTURE = 40


def bounded_int(key: str, value: object, low: int, high: int) -> int:
    """Parse an integer (a YAML int, or text of ASCII digits) and check it lies in [low, high]."""
    number = integer_within(value, low, high)
    if number is None:
        raise ConfigError(key, value, f"an integer from {low} to {high}")
    return number


def integer_within(value: object, low: int, high: int) -> int | None:
    """`value`, a YAML int or the text of ASCII digits after an optional sign, when it lies in [low, high];
    None otherwise. Python's int() would also take `1_0`, other scripts' digits and surrounding spaces: not
    what the stack file's reader, or Java's, meant."""
    if isinstance(value, bool) or not (isinstance(value, int) or _SIGNED_DIGITS.fullmatch(str(value))):
        return None
    number = whole_number(str(value), len(str(max(abs(low), abs(high)))))
    return number if number is not None and low <= number <= high else None


_SIGNED_DIGITS = re.compile(r"[+-]?[0-9]+")
"""A whole number as text, as stack config and Spark's integer properties write one."""


def yaml_text(value: bool) -> str:
    """A YAML boolean as the stack file spells it (`true`), not as Python does (`True`)."""
    return "true" if value else "false"


def matching(key: str, value: str, pattern: re.Pattern[str], allowed: str) -> str:
    if not pattern.fullmatch(value):
        raise ConfigError(key, value, allowed)
    return value


def refuse_first(key: str, value: object, problems: Iterator[str]) -> None:
    """Refuse `value` with the first of the rules it breaks (`problems`, each as what is allowed, in the
    order they are best fixed), if it breaks any: one message, naming the rule to fix first."""
    problem = next(problems, None)
    if problem is not None:
        raise ConfigError(key, value, problem)
