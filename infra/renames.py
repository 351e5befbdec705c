"""Resources that earlier versions of the program named differently keep their state under the new name."""

from __future__ import annotations

from collections.abc import Collection

import pulumi


def renamed_from(previous: str, name: str, declared: Collection[str]) -> pulumi.ResourceOptions:
    """Options making resource `name` the one a stack deployed earlier recorded as `previous`: without the
    alias, Pulumi would create it anew and then delete the old one, which for a table or an object with the
    same cloud name fails or deletes what was just written. No alias names a resource the program declares
    now (`declared`: pipeline `legacy` may load table `orders` while pipeline `orders` loads another)."""
    if previous == name or previous in declared:
        return pulumi.ResourceOptions()
    return pulumi.ResourceOptions(aliases=[pulumi.Alias(name=previous)])
