"""How the engine presents resources to a policy: type tokens and camelCase input properties."""

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy.proxy import UnknownValueError

BUCKET = "gcp:storage/bucket:Bucket"
DATASET = "gcp:bigquery/dataset:Dataset"
DATASET_ACCESS = "gcp:bigquery/datasetAccess:DatasetAccess"
TABLE = "gcp:bigquery/table:Table"
FIREWALL = "gcp:compute/firewall:Firewall"
# Rules of firewall policies (global and regional network policies, hierarchical policies): they allow or
# deny traffic as firewall rules do, matching sources in `match.srcIpRanges`.
FIREWALL_POLICY_RULES = frozenset(
    {
        "gcp:compute/networkFirewallPolicyRule:NetworkFirewallPolicyRule",
        "gcp:compute/regionNetworkFirewallPolicyRule:RegionNetworkFirewallPolicyRule",
        "gcp:compute/firewallPolicyRule:FirewallPolicyRule",
    }
)
# Firewall policies declared whole, their rules inline in `rules`, each with its own `match` as above.
FIREWALL_POLICIES_WITH_RULES = frozenset(
    {
        "gcp:compute/firewallPolicyWithRules:FirewallPolicyWithRules",
        "gcp:compute/networkFirewallPolicyWithRules:NetworkFirewallPolicyWithRules",
        "gcp:compute/regionNetworkFirewallPolicyWithRules:RegionNetworkFirewallPolicyWithRules",
    }
)
# The older hierarchical firewall rules, their sources under match.config.
ORGANIZATION_SECURITY_POLICY_RULE = (
    "gcp:compute/organizationSecurityPolicyRule:OrganizationSecurityPolicyRule"
)
SUBNETWORK = "gcp:compute/subnetwork:Subnetwork"
# Privileged Access Manager's grants on request (the provider's token is in lower case).
PAM_ENTITLEMENT = "gcp:privilegedaccessmanager/entitlement:entitlement"
BATCH = "gcp:dataproc/batch:Batch"
SESSION_TEMPLATE = "gcp:dataproc/sessionTemplate:SessionTemplate"
CLUSTER = "gcp:dataproc/cluster:Cluster"
WORKFLOW_TEMPLATE = "gcp:dataproc/workflowTemplate:WorkflowTemplate"


def nested(props: Mapping[str, Any], *path: str) -> Any:
    """The value at `path` inside nested objects, or None when any step is absent."""
    value: Any = props
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def stack_of(urn: str) -> str:
    """The stack name in a resource URN (`urn:pulumi:<stack>::<project>::<type>::<name>`)."""
    return urn.split("::", 1)[0].rsplit(":", 1)[-1]


def resource_class(resource_type: str) -> str:
    """The class part of a type token, e.g. `IAMMember` for `gcp:projects/iAMMember:IAMMember`."""
    return resource_type.rsplit(":", 1)[-1]


NOT_KNOWN_YET = object()
"""What `known` may give for a value a preview does not know yet, when no value of the property could mean
that."""


def known(container: Any, key: Any, unknown: Any, absent: Any = None) -> Any:
    """`container[key]`, `absent` when it has none, or `unknown` when a preview does not know it yet (the
    update checks it again)."""
    try:
        return container[key]
    except UnknownValueError:
        return unknown
    except (KeyError, IndexError):
        return absent


def as_list(values: Any) -> Any:
    """A list property given as a single text (a member, a source range) read as the one item it names, not
    letter by letter."""
    return [values] if isinstance(values, str) else values


def known_items(values: Sequence[Any] | None) -> Iterator[Any]:
    """The items of `values` that a preview already knows: one not known yet is checked by the update."""
    for index in range(len(values or ())):
        item = known(values, index, NOT_KNOWN_YET)
        if item is not NOT_KNOWN_YET:
            yield item
