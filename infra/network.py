"""Where the batches run: a custom-mode VPC and regional subnet, or an existing pair named in config."""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from infra.config import StackConfig


def _project_of(network: str) -> str:
    """The project owning a network named projects/<project>/global/networks/<name> (a Shared VPC host)."""
    parts = network.split("/")
    return parts[parts.index("projects") + 1]


class Network(pulumi.ComponentResource):
    """The subnet Dataproc Serverless attaches to, with Private Google Access and the internal ingress rule.

    Serverless Spark nodes have no external IPs: they reach Cloud Storage and BigQuery through Private Google
    Access, and the driver and executors talk to each other on any port, hence the rule allowing all protocols
    from the subnet's own range.
    """

    network_id: pulumi.Output[str]
    subnetwork_id: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        config: StackConfig,
        apis_ready: pulumi.Resource,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pipeline:infra:Network", name, None, opts)
        settings = config.network
        child = pulumi.ResourceOptions(parent=self, depends_on=[apis_ready])
        firewall_project = config.project_id
        if settings.existing_network and settings.existing_subnetwork:
            firewall_project = _project_of(settings.existing_network)
            self.network_id = pulumi.Output.from_input(settings.existing_network)
            self.subnetwork_id = pulumi.Output.from_input(settings.existing_subnetwork)
        else:
            network = gcp.compute.Network(
                "vpc",
                project=config.project_id,
                name=f"{config.name_prefix}-vpc",
                auto_create_subnetworks=False,
                routing_mode="REGIONAL",
                description="Network of the Dataproc Serverless batches",
                opts=child,
            )
            subnet = gcp.compute.Subnetwork(
                "subnet",
                project=config.project_id,
                name=f"{config.name_prefix}-{config.region}",
                region=config.region,
                network=network.id,
                ip_cidr_range=settings.subnet_cidr,
                private_ip_google_access=True,
                log_config=(
                    gcp.compute.SubnetworkLogConfigArgs(
                        aggregation_interval="INTERVAL_5_SEC",
                        flow_sampling=0.5,
                        metadata="INCLUDE_ALL_METADATA",
                    )
                    if settings.flow_logs
                    else None
                ),
                opts=child,
            )
            self.network_id = network.id
            self.subnetwork_id = subnet.id
        if settings.create_firewall_rule:
            gcp.compute.Firewall(
                "allow-internal",
                project=firewall_project,
                name=f"{config.name_prefix}-allow-internal",
                network=self.network_id,
                direction="INGRESS",
                priority=1000,
                source_ranges=[settings.subnet_cidr],
                allows=[gcp.compute.FirewallAllowArgs(protocol="all")],
                description="Dataproc Serverless: driver and executors reach each other on every port",
                opts=child,
            )
        self.register_outputs({"network": self.network_id, "subnetwork": self.subnetwork_id})
