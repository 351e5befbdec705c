"""Google's label rules: the stack's labels, and those the BigQuery connector may put on its jobs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from infra.config_reader import ConfigError, as_written, map_entry, matching, yaml_text

# Google's label rules, as Dataproc states them for clusters (BigQuery's jobs take the same), without the
# international letters they also allow. Its batch reference says RFC 1035 (no "_"), yet the provider's own
# acceptance test creates a batch labelled `batch_test`.
LABEL_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
_LABEL_VALUE = re.compile(r"^[a-z0-9_-]{0,63}$")
LABEL_KEY_RULE = "1-63 lowercase letters, digits, _ or -, a letter first"
LABEL_VALUE_RULE = "0-63 lowercase letters, digits, _ or -"


def checked_labels(key: str, raw: object, reserved: tuple[str, ...]) -> Mapping[str, str]:
    """Labels under config `key`, checked against Google's label rules."""
    if not isinstance(raw, dict):
        raise ConfigError(key, raw, "a map of label keys to label values")
    labels: dict[str, str] = {}
    for name, value in raw.items():
        entry = map_entry(key, name)
        if name in reserved:
            raise ConfigError(entry, value, f"not one of the labels the program sets: {', '.join(reserved)}")
        if not LABEL_KEY.fullmatch(str(name)):
            raise ConfigError(
                entry,
                value,
                f"a label key of {LABEL_KEY_RULE} (not {as_written(str(name))})",
            )
        labels[name] = label_value(entry, value)
    return MappingProxyType(labels)


def label_value(entry: str, value: object) -> str:
    """A label's value under config `entry`, as text, checked against Google's rules."""
    return matching(entry, _label_text(entry, value), _LABEL_VALUE, f"a label value: {LABEL_VALUE_RULE}")


def _label_text(entry: str, value: object) -> str:
    """A label value as text. `pulumi config set --path` stores `true`, `false` and integers as YAML booleans
    and numbers, which are valid label values as written."""
    if isinstance(value, bool):
        return yaml_text(value)
    if isinstance(value, int | str):
        return str(value)
    raise ConfigError(entry, value, "a label value: text, an integer, true or false")
