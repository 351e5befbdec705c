"""The README's configuration table documents exactly the keys Pulumi.yaml declares, with their defaults."""

from __future__ import annotations

import re

from infra.config_reader import declared_keys
from infra.pipeline_config import PIPELINE_KEYS
from tests.infra.harness import ROOT

_ROW = re.compile(r"^\| `([A-Za-z]+)` \|(.*)$")


def _section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Infrastructure (Pulumi program)")
    return readme[start : readme.index("\n## ", start + 1)]


def _table(heading: str) -> dict[str, list[str]]:
    """First column (a `key`) to the other cells of the table that follows `heading`."""
    text = _section()
    rows: dict[str, list[str]] = {}
    for line in text[text.index(heading) :].splitlines()[1:]:
        match = _ROW.match(line)
        if match:
            rows[match.group(1)] = [cell.strip() for cell in match.group(2).split("|")[:-1]]
        elif rows:
            break
    return rows


def test_every_config_key_is_documented_with_its_type_and_default() -> None:
    documented = _table("| key | type | default | meaning |")
    declared = declared_keys()
    assert sorted(documented) == sorted(declared)
    for key, (type_, default, _meaning) in documented.items():
        declaration = declared[key]
        structured = "map" if isinstance(declaration.get("default"), dict) else "list"
        assert type_ == (declaration.get("type") or structured), key
        value = declaration.get("default")
        if isinstance(value, bool):
            assert default == f"`{str(value).lower()}`", key
        elif isinstance(value, int) or (isinstance(value, str) and value):
            assert default == f"`{value}`", key


def test_every_pipeline_setting_is_documented() -> None:
    assert sorted(_table("| key | default | meaning |")) == sorted(PIPELINE_KEYS)
    # Also where `pulumi config` users read it: the description of the structured key in Pulumi.yaml.
    description = str(declared_keys()["pipelines"]["description"])
    assert [key for key in PIPELINE_KEYS if not re.search(rf"\b{key}\b", description)] == []
