"""Project services (APIs) the pipeline needs, and a wait for them to propagate after enabling."""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from infra.config import StackConfig
from infra.wait import PropagationWait

BASE_SERVICES = (
    # Project IAM grants, audit-log config and project lookups go through Cloud Resource Manager.
    "cloudresourcemanager.googleapis.com",
    "compute.googleapis.com",
    "dataproc.googleapis.com",
    "bigquery.googleapis.com",
    "storage.googleapis.com",
    "iam.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
)


def required_services(config: StackConfig) -> tuple[str, ...]:
    """The APIs this stack's config needs: the base set, KMS when CMEK is on, dataprocrm for runtimes 3.x."""
    extra = []
    if config.kms_key:
        extra.append("cloudkms.googleapis.com")
    if config.batch.on_runtime_3:
        extra.append("dataprocrm.googleapis.com")
    return BASE_SERVICES + tuple(extra)


class Apis(pulumi.ComponentResource):
    """Enables every API the stack uses; never disables them on destroy (other workloads may use them)."""

    services: dict[str, gcp.projects.Service]
    ready: pulumi.Resource
    """Depend on this, not on the services: it completes once the APIs have had time to propagate."""

    def __init__(self, name: str, config: StackConfig, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("pipeline:infra:Apis", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.services = {
            service: gcp.projects.Service(
                f"api-{service.split('.')[0]}",
                project=config.project_id,
                service=service,
                disable_on_destroy=False,
                disable_dependent_services=False,
                opts=child,
            )
            for service in required_services(config)
        }
        self.ready = PropagationWait(
            "api-propagation",
            config.api_propagation_seconds,
            config.project_id,
            sorted(self.services),
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(self.services.values())),
        )
        self.register_outputs({"services": sorted(self.services)})
