"""A resource that only waits: Google Cloud changes that are eventually consistent get time to propagate.

Newly enabled APIs answer 403 "has not been used in project ... or it is disabled" for a while, and new IAM
grants can take a minute or more to reach every service. Resources that depend on such a change depend on a
`PropagationWait` instead, which sleeps once after the change and again whenever its `triggers` change.

The stack's state refers to the provider by module and class (`infra.wait._SleepProvider`), which refresh
and destroy import again: renaming either breaks the stacks that hold such a resource.
"""

from __future__ import annotations

import time
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider


class _SleepProvider(ResourceProvider):
    """Sleeps on create; a change of project or triggers replaces (and so re-runs) it. Nothing to read or
    delete."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        time.sleep(int(props["seconds"]))
        return CreateResult(id_=f"waited-{props['seconds']}s", outs=props)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = [key for key in _RERUN_BY if olds.get(key) != news.get(key)]
        return DiffResult(changes=bool(replaces), replaces=replaces, delete_before_replace=True)


_RERUN_BY = ("project", "triggers")


class PropagationWait(Resource):
    """Waits `seconds` after the resources in `opts.depends_on`, again whenever `project` (where the changes
    happen: a new project enables its APIs and grants anew) or `triggers` change."""

    def __init__(
        self,
        name: str,
        seconds: int,
        project: str,
        triggers: list[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {"seconds": seconds, "project": project, "triggers": sorted(triggers)}
        super().__init__(_SleepProvider(), name, props, opts)
