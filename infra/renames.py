"""Resources that earlier versions of the program named differently keep their state under the new name."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from infra.config import StackConfig
from infra.pipeline_config import PipelineConfig


@dataclass(frozen=True)
class TableNamed:
    """The logical name of a pipeline's resource that is named after its contract's table, and the options
    that keep the state a stack deployed earlier recorded under the pipeline's name."""

    name: str
    options: pulumi.ResourceOptions


def named_after_table(config: StackConfig, pipeline: PipelineConfig, suffix: str) -> TableNamed:
    """`<table>-<suffix>`, not `<pipeline>-<suffix>` as before: renaming a pipeline keeps the resource, where
    a new one would create the same table or write the same object again. Without the alias to the old name,
    Pulumi would create the resource anew and then delete the old one, which fails or deletes what was just
    written. No alias names a resource the program declares now (pipeline `legacy` may load table `orders`
    while pipeline `orders` loads another)."""
    name = f"{pipeline.contract.table}-{suffix}"
    previous = f"{pipeline.name}-{suffix}"
    declared = {f"{other.contract.table}-{suffix}" for other in config.pipelines}
    if previous == name or previous in declared:
        return TableNamed(name, pulumi.ResourceOptions())
    return TableNamed(name, pulumi.ResourceOptions(aliases=[pulumi.Alias(name=previous)]))
