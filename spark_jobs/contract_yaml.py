"""The YAML loader contracts are read with: rule values kept as written, a key given twice refused (no pyspark
import)."""

from __future__ import annotations

import re
from collections.abc import Hashable
from decimal import Decimal
from typing import Any

import yaml

from spark_jobs.bigquery_types import FLOAT64_LITERAL, INT64_LITERAL
from spark_jobs.quoting import quoted

_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_RETYPED_TAGS = (_INT_TAG, _FLOAT_TAG, "tag:yaml.org,2002:timestamp")
_MAX_INT_TEXT = 100


class ContractLoader(yaml.SafeLoader):
    """YAML that keeps rule values as written: PyYAML's YAML 1.1 rules would read `010` as 8, `1:30` as 90,
    a long decimal as a rounded float and `2026-02-30` as an error; and a key given twice is refused instead
    of the last one silently winning. Numbers are read as decimal integers and exact Decimals; dates and
    times stay text, which the contract parses with the job's own literal syntax."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._checked_mappings: set[int] = set()

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        self._refuse_repeated_keys(node)
        return super().construct_mapping(node, deep)

    def _refuse_repeated_keys(self, node: yaml.MappingNode) -> None:
        """Refuse a key given twice in `node`, or in a mapping it merges (`<<:`), whose keys the mapping may
        then override. Checked once per mapping, as written: merging writes the merged keys into the
        mapping's node, where a mapping merged again, or named again by an alias, would show them twice."""
        if id(node) in self._checked_mappings:
            return
        self._checked_mappings.add(id(node))
        seen = set()
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                for mapping in merged:
                    if isinstance(mapping, yaml.MappingNode):
                        self._refuse_repeated_keys(mapping)
                continue
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, Hashable):
                continue  # PyYAML refuses it with its own message
            if key in seen:
                # Another key as YAML wrote it (`null`, `1.0`), which Python would show as None or 1.0.
                shown = quoted(key) if isinstance(key, str) else _written(key_node, key)
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {shown} is given twice", key_node.start_mark
                )
            seen.add(key)


def _written(node: yaml.Node, value: object) -> object:
    """A key as the file writes it: a scalar's text (`~`, `null`, `yes`), else its value."""
    return node.value if isinstance(node, yaml.ScalarNode) else value


_DECIMAL_INTEGER = re.compile(rf"^{INT64_LITERAL}$")
_PLAIN_DECIMAL = re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$")
_DECIMAL_NUMBER = re.compile(rf"^{FLOAT64_LITERAL}$")


class UnreadNumber(str):
    """A YAML number kept as its text, for the types whose rule values may be text to read it as theirs;
    STRING refuses it: a STRING value must be quoted."""


def _exact_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int | str:
    """A decimal integer; anything else (a long run of digits, `!!int 0x10`) stays an `UnreadNumber`."""
    text = loader.construct_scalar(node)
    # Python refuses to convert thousands of digits (no rule value is that long) and would accept `1_000`.
    return int(text) if len(text) <= _MAX_INT_TEXT and _DECIMAL_INTEGER.match(text) else UnreadNumber(text)


def _exact_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal | str:
    """An exact decimal; anything else (`!!float .inf`) stays an `UnreadNumber`."""
    text = loader.construct_scalar(node)
    # Decimal would also accept `1_0.5`, `Infinity` and `NaN`.
    return Decimal(text) if _DECIMAL_NUMBER.match(text) else UnreadNumber(text)


def _as_written(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    """A value tagged `!!timestamp` stays text: the contract parses dates and times with the job's syntax."""
    return loader.construct_scalar(node)


ContractLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag not in _RETYPED_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
ContractLoader.add_implicit_resolver(_INT_TAG, _DECIMAL_INTEGER, list("-+0123456789"))
# `1e3` stays text, as in YAML 1.1, unless tagged `!!float`.
ContractLoader.add_implicit_resolver(_FLOAT_TAG, _PLAIN_DECIMAL, list("-+0123456789."))
ContractLoader.add_constructor(_INT_TAG, _exact_int)
ContractLoader.add_constructor(_FLOAT_TAG, _exact_decimal)
ContractLoader.add_constructor("tag:yaml.org,2002:timestamp", _as_written)
