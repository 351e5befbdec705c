"""Where the batches run: a custom-mode VPC and regional subnet, or an existing pair named in config."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from infra.config import ResourcePath, StackConfig
from infra.config_reader import as_written


def _existing_subnet_range(
    network: ResourcePath, subnetwork: ResourcePath, opts: pulumi.InvokeOutputOptions
) -> pulumi.Output[str]:
    """The primary range of an existing subnet, read at deploy time rather than trusted from config.

    The subnet must belong to `network`, where the rule is created: otherwise the batches would run in a
    network without it. It must have Private Google Access on: the batches, without external IPs, would
    otherwise reach neither Cloud Storage nor BigQuery, and fail only once started.
    """
    found = gcp.compute.get_subnetwork_output(
        project=subnetwork.project,
        region=subnetwork.region,
        name=subnetwork.name,
        opts=opts,
    )

    def range_in_network(subnet: gcp.compute.GetSubnetworkResult) -> str:
        if _relative(subnet.network) != network.path:
            # Not a ConfigError: Pulumi wraps a ValueError raised while resolving an input in its own text.
            raise pulumi.RunError(
                f"config existingSubnetwork={as_written(subnetwork.path)} belongs to network "
                f"{_relative(subnet.network)}, not to existingNetwork {network.path}"
            )
        if not subnet.private_ip_google_access:
            raise pulumi.RunError(
                f"config existingSubnetwork={as_written(subnetwork.path)} has Private Google Access off: the "
                "batches, which have no external IP, could not reach Cloud Storage or BigQuery; turn it on "
                f"(gcloud compute networks subnets update {subnetwork.name} --project={subnetwork.project} "
                f"--region={subnetwork.region} --enable-private-ip-google-access)"
            )
        return subnet.ip_cidr_range

    return found.apply(range_in_network)


def _relative(link: str) -> str:
    """projects/... of a resource's full URL (the lookup gives its network as one), as config paths are."""
    return link[link.index("projects/") :] if "projects/" in link else link


@dataclass(frozen=True)
class _Placement:
    """Where the batches run, and what the internal ingress rule needs to know about it."""

    network_id: pulumi.Output[str]
    subnetwork_id: pulumi.Output[str]
    firewall_project: str
    firewall_name: str
    subnet_range: pulumi.Input[str]
    """The range the rule allows from and to: the created subnet's, or the existing one's read at deploy."""


class Network(pulumi.ComponentResource):
    """The subnet Dataproc Serverless attaches to, with Private Google Access and the internal ingress rule.

    Serverless Spark nodes have no external IPs: they reach Cloud Storage and BigQuery through Private Google
    Access, and the driver and executors talk to each other on any port, hence the rule allowing all protocols
    from the subnet's own range to the subnet's own range (not to every instance of a shared network), and
    with network tags, to the batches' VMs only.
    """

    network_id: pulumi.Output[str]
    subnetwork_id: pulumi.Output[str]
    firewall: gcp.compute.Firewall | None
    """The internal ingress rule, when the stack creates it (batches must not start before it exists)."""

    def __init__(
        self,
        name: str,
        config: StackConfig,
        *,
        depends_on: Sequence[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pipeline:infra:Network", name, None, opts)
        settings = config.network
        child = pulumi.ResourceOptions(parent=self, depends_on=list(depends_on))
        if settings.existing_network and settings.existing_subnetwork:
            placement = self._existing(
                config, settings.existing_network, settings.existing_subnetwork, depends_on
            )
        else:
            placement = self._created(config, child)
        self.network_id = placement.network_id
        self.subnetwork_id = placement.subnetwork_id
        self.firewall = None
        if settings.create_firewall_rule:
            self.firewall = gcp.compute.Firewall(
                "allow-internal",
                project=placement.firewall_project,
                name=placement.firewall_name,
                network=self.network_id,
                direction="INGRESS",
                priority=1000,
                source_ranges=[placement.subnet_range],
                destination_ranges=[placement.subnet_range],
                # The batches' VMs carry the tags: on a subnet other VMs share, those stay closed to it.
                target_tags=list(settings.network_tags) or None,
                allows=[gcp.compute.FirewallAllowArgs(protocol="all")],
                description="Dataproc Serverless: driver and executors reach each other on every port",
                opts=child,
            )
        self.register_outputs({"network": self.network_id, "subnetwork": self.subnetwork_id})

    def _created(self, config: StackConfig, opts: pulumi.ResourceOptions) -> _Placement:
        """A custom-mode VPC and the regional subnet, in the stack's project."""
        settings = config.network
        network = gcp.compute.Network(
            "vpc",
            project=config.project_id,
            name=f"{config.name_prefix}-vpc",
            auto_create_subnetworks=False,
            routing_mode="REGIONAL",
            description="Network of the Dataproc Serverless batches",
            opts=opts,
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
            opts=opts,
        )
        return _Placement(
            network_id=network.id,
            subnetwork_id=subnet.id,
            firewall_project=config.project_id,
            firewall_name=f"{config.name_prefix}-allow-internal",
            subnet_range=settings.subnet_cidr,
        )

    def _existing(
        self,
        config: StackConfig,
        network: ResourcePath,
        subnetwork: ResourcePath,
        depends_on: Sequence[pulumi.Resource],
    ) -> _Placement:
        """The pair named in config; a rule the stack creates goes in the network's (host) project."""
        subnet_range: pulumi.Input[str] = config.network.subnet_cidr
        if config.network.create_firewall_rule:
            lookup = pulumi.InvokeOutputOptions(parent=self, depends_on=list(depends_on))
            subnet_range = _existing_subnet_range(network, subnetwork, lookup)
        return _Placement(
            network_id=pulumi.Output.from_input(network.path),
            subnetwork_id=pulumi.Output.from_input(subnetwork.path),
            firewall_project=network.project,
            # A Shared VPC host holds the rules of every service project: the project id keeps names apart.
            firewall_name=f"{config.name_prefix}-{config.project_id}-internal",
            subnet_range=subnet_range,
        )
