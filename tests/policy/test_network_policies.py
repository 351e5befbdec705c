import ipaddress

import pytest

from policy.network import FIREWALL_NO_INTERNET_INGRESS, SUBNET_PRIVATE_GOOGLE_ACCESS
from policy.resources import FIREWALL, SUBNETWORK
from tests.policy.resource_args import UNKNOWN, resource_args, violations

INTERNAL = {"direction": "INGRESS", "sourceRanges": ["10.10.0.0/24"], "allows": [{"protocol": "all"}]}


def test_ingress_from_the_subnet_range_passes() -> None:
    assert violations(FIREWALL_NO_INTERNET_INGRESS, resource_args(FIREWALL, INTERNAL)) == []


@pytest.mark.parametrize("anywhere", ["0.0.0.0/0", "::/0", "0.0.0.0/00", "::0/0", "0::/0", "128.0.0.0/1"])
def test_ingress_from_anywhere_is_reported(anywhere: str) -> None:
    args = resource_args(FIREWALL, {**INTERNAL, "sourceRanges": ["10.10.0.0/24", anywhere]}, name="open")
    assert violations(FIREWALL_NO_INTERNET_INGRESS, args) == [
        f"firewall 'open' allows ingress from {anywhere}: "
        "restrict source_ranges to the subnet or known ranges"
    ]


@pytest.mark.parametrize("range_", ["not-a-range", "10.0.0.0/33", "::/129"])
def test_a_source_that_is_not_an_ip_range_is_reported_as_such(range_: str) -> None:
    """What Google would make of it is unknown: it counts as open, and says why."""
    args = resource_args(FIREWALL, {**INTERNAL, "sourceRanges": [range_]}, name="odd")
    assert violations(FIREWALL_NO_INTERNET_INGRESS, args) == [
        f"firewall 'odd' allows ingress from {range_}, which is not an IP range: fix source_ranges"
    ]


def _ipv4_without(*excluded: str) -> list[str]:
    """The IPv4 space less the `excluded` ranges, as the ranges that remain."""
    ranges = [ipaddress.IPv4Network("0.0.0.0/0")]
    for cut in map(ipaddress.IPv4Network, excluded):
        ranges = [
            part
            for whole in ranges
            for part in (whole.address_exclude(cut) if cut.subnet_of(whole) else [whole])
        ]
    return [str(network) for network in ranges]


# Every public IPv4 range, as firewall rules meaning "the internet" list it: none wider than /2.
PUBLIC_IPV4 = _ipv4_without("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")


@pytest.mark.parametrize(
    ("ranges", "family"),
    [
        (["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2"], "IPv4"),
        ([f"{first}.0.0.0/8" for first in range(0, 256, 2)], "IPv4"),  # 128 /8s that do not line up
        (PUBLIC_IPV4, "IPv4"),
        (["::/2", "4000::/2"], "IPv6's public space (2000::/3)"),
        # Every public IPv6 address is in 2000::/3, an eighth of IPv6: that, or half of it, is the internet.
        (["2000::/3"], "IPv6's public space (2000::/3)"),
        (["2000::/4", "3000::/4"], "IPv6's public space (2000::/3)"),
        (["3000::/4"], "IPv6's public space (2000::/3)"),
    ],
)
def test_ranges_that_together_hold_half_the_internet_are_reported(ranges: list[str], family: str) -> None:
    args = resource_args(FIREWALL, {**INTERNAL, "sourceRanges": ranges}, name="split")
    assert violations(FIREWALL_NO_INTERNET_INGRESS, args) == [
        f"firewall 'split' allows ingress from ranges that together hold half of {family} or more: "
        "restrict source_ranges to the subnet or known ranges"
    ]


def test_many_ranges_short_of_half_the_internet_pass() -> None:
    ranges = [f"{first}.0.0.0/8" for first in range(1, 128)]  # all but 0.0.0.0/8 of the lower half
    ranges += ["2000::/5", "fc00::/7"]  # a quarter of IPv6's public space, and all of its private one
    args = resource_args(FIREWALL, {**INTERNAL, "sourceRanges": ranges})
    assert violations(FIREWALL_NO_INTERNET_INGRESS, args) == []


@pytest.mark.parametrize(
    ("field", "sources"),
    [
        ("srcRegionCodes", ["US", "DE"]),
        ("srcThreatIntelligences", ["iplist-public-clouds"]),
        ("srcFqdns", ["example.com"]),
    ],
)
def test_a_policy_rule_naming_hosts_of_the_internet_is_reported(field: str, sources: list[str]) -> None:
    match = {field: sources, "layer4Configs": [{"ipProtocol": "tcp", "ports": ["22"]}]}
    rule = {"direction": "INGRESS", "action": "allow", "match": match}
    args = resource_args(NETWORK_POLICY_RULE, rule, name="geo")
    named = f"{field} {', '.join(sources)}"
    assert violations(FIREWALL_NO_INTERNET_INGRESS, args) == [
        f"firewall policy rule 'geo' allows ingress from hosts of the internet ({named}): "
        "restrict it to the subnet or known ranges"
    ]


def test_an_older_hierarchical_rule_is_checked_in_its_match_config() -> None:
    rule_type = "gcp:compute/organizationSecurityPolicyRule:OrganizationSecurityPolicyRule"
    match = {"config": {"srcIpRanges": ["0.0.0.0/0"], "layer4Configs": [{"ipProtocol": "all"}]}}
    rule = {"direction": "INGRESS", "action": "allow", "priority": 1000, "match": match}
    assert violations(FIREWALL_NO_INTERNET_INGRESS, resource_args(rule_type, rule, name="org")) == [
        "firewall policy rule 'org' allows ingress from 0.0.0.0/0: "
        "restrict match.src_ip_ranges to the subnet or known ranges"
    ]
    denied = {**rule, "action": "deny"}
    assert violations(FIREWALL_NO_INTERNET_INGRESS, resource_args(rule_type, denied, name="org")) == []


def test_a_rule_without_direction_is_ingress() -> None:
    args = resource_args(FIREWALL, {"sourceRanges": ["0.0.0.0/0"], "allows": [{"protocol": "tcp"}]})
    assert violations(FIREWALL_NO_INTERNET_INGRESS, args) == [
        "firewall 'subject' allows ingress from 0.0.0.0/0: "
        "restrict source_ranges to the subnet or known ranges"
    ]


@pytest.mark.parametrize("no_source", [{}, {"sourceRanges": []}, {"sourceRanges": [], "sourceTags": []}])
def test_an_allow_rule_without_a_source_is_open_to_anywhere(no_source: dict[str, object]) -> None:
    args = resource_args(
        FIREWALL, {"direction": "INGRESS", "allows": [{"protocol": "all"}], **no_source}, name="x"
    )
    assert violations(FIREWALL_NO_INTERNET_INGRESS, args) == [
        "firewall 'x' allows ingress without a source, which Google Cloud applies to 0.0.0.0/0: "
        "set source_ranges to the subnet or known ranges"
    ]


@pytest.mark.parametrize(
    "source", [{"sourceTags": ["batch"]}, {"sourceServiceAccounts": ["sa@p.iam.gserviceaccount.com"]}]
)
def test_an_allow_rule_from_tags_or_service_accounts_passes(source: dict[str, object]) -> None:
    args = resource_args(FIREWALL, {"direction": "INGRESS", "allows": [{"protocol": "all"}], **source})
    assert violations(FIREWALL_NO_INTERNET_INGRESS, args) == []


def test_a_deny_rule_from_anywhere_passes() -> None:
    deny_all = {"direction": "INGRESS", "sourceRanges": ["0.0.0.0/0"], "denies": [{"protocol": "all"}]}
    assert violations(FIREWALL_NO_INTERNET_INGRESS, resource_args(FIREWALL, deny_all)) == []


@pytest.mark.parametrize("props", [{"direction": "EGRESS"}, {"disabled": True}])
def test_egress_or_disabled_rules_to_anywhere_pass(props: dict[str, object]) -> None:
    open_rule = {
        "sourceRanges": ["0.0.0.0/0"],
        "destinationRanges": ["0.0.0.0/0"],
        "allows": [{"protocol": "all"}],
    }
    args = resource_args(FIREWALL, {**open_rule, **props})
    assert violations(FIREWALL_NO_INTERNET_INGRESS, args) == []


def test_a_rule_explicitly_enabled_is_checked() -> None:
    props = {"disabled": False, "sourceRanges": ["0.0.0.0/0"], "allows": [{"protocol": "tcp"}]}
    assert violations(FIREWALL_NO_INTERNET_INGRESS, resource_args(FIREWALL, props, name="open")) == [
        "firewall 'open' allows ingress from 0.0.0.0/0: restrict source_ranges to the subnet or known ranges"
    ]


def test_a_subnet_with_private_google_access_passes() -> None:
    args = resource_args(SUBNETWORK, {"ipCidrRange": "10.10.0.0/24", "privateIpGoogleAccess": True})
    assert violations(SUBNET_PRIVATE_GOOGLE_ACCESS, args) == []


@pytest.mark.parametrize("purpose", ["REGIONAL_MANAGED_PROXY", "PRIVATE_SERVICE_CONNECT", "private_nat"])
def test_subnets_that_cannot_have_private_google_access_pass(purpose: str) -> None:
    args = resource_args(SUBNETWORK, {"ipCidrRange": "10.20.0.0/24", "purpose": purpose})
    assert violations(SUBNET_PRIVATE_GOOGLE_ACCESS, args) == []


@pytest.mark.parametrize(
    "props",
    [{"privateIpGoogleAccess": False}, {}, {"purpose": "PRIVATE"}, {"purpose": "PRIVATE_RFC_1918"}],
)
def test_a_subnet_without_private_google_access_is_reported(props: dict[str, object]) -> None:
    args = resource_args(SUBNETWORK, {"ipCidrRange": "10.10.0.0/24", **props}, name="batches")
    assert violations(SUBNET_PRIVATE_GOOGLE_ACCESS, args) == [
        "subnetwork 'batches' has Private Google Access off: Dataproc Serverless workers have no "
        "external IP and need private_ip_google_access=True to reach Google APIs"
    ]


def test_a_subnet_whose_purpose_a_preview_does_not_know_yet_is_checked() -> None:
    props = {"ipCidrRange": "10.10.0.0/24", "purpose": UNKNOWN, "privateIpGoogleAccess": False}
    assert violations(SUBNET_PRIVATE_GOOGLE_ACCESS, resource_args(SUBNETWORK, props, name="batches")) == [
        "subnetwork 'batches' has Private Google Access off: Dataproc Serverless workers have no "
        "external IP and need private_ip_google_access=True to reach Google APIs"
    ]


def test_a_preview_checks_the_source_ranges_it_knows() -> None:
    args = resource_args(FIREWALL, {**INTERNAL, "sourceRanges": [UNKNOWN, "0.0.0.0/0"]}, name="open")
    assert violations(FIREWALL_NO_INTERNET_INGRESS, args) == [
        "firewall 'open' allows ingress from 0.0.0.0/0: restrict source_ranges to the subnet or known ranges"
    ]


NETWORK_POLICY_RULE = "gcp:compute/networkFirewallPolicyRule:NetworkFirewallPolicyRule"


@pytest.mark.parametrize(
    ("rule", "reported"),
    [
        ({"direction": "INGRESS", "action": "allow", "match": {"srcIpRanges": ["0.0.0.0/0"]}}, True),
        ({"action": "allow", "match": {"srcIpRanges": ["10.0.0.0/8", "::/0"]}}, True),
        ({"action": "apply_security_profile_group", "match": {"srcIpRanges": ["0.0.0.0/0"]}}, True),
        ({"direction": "INGRESS", "action": "deny", "match": {"srcIpRanges": ["0.0.0.0/0"]}}, False),
        ({"direction": "EGRESS", "action": "allow", "match": {"destIpRanges": ["0.0.0.0/0"]}}, False),
        ({"direction": "INGRESS", "action": "allow", "match": {"srcIpRanges": ["10.0.0.0/8"]}}, False),
        (
            {
                "direction": "INGRESS",
                "action": "allow",
                "disabled": True,
                "match": {"srcIpRanges": ["0.0.0.0/0"]},
            },
            False,
        ),
    ],
)
def test_firewall_policy_rules_open_to_the_internet_are_reported(
    rule: dict[str, object], reported: bool
) -> None:
    args = resource_args(NETWORK_POLICY_RULE, rule, name="rule")
    assert bool(violations(FIREWALL_NO_INTERNET_INGRESS, args)) is reported


@pytest.mark.parametrize(
    "rule_type",
    [
        "gcp:compute/firewallPolicyRule:FirewallPolicyRule",  # hierarchical (organization or folder) policy
        "gcp:compute/networkFirewallPolicyRule:NetworkFirewallPolicyRule",
        "gcp:compute/regionNetworkFirewallPolicyRule:RegionNetworkFirewallPolicyRule",
    ],
)
def test_a_rule_of_every_kind_of_firewall_policy_is_checked(rule_type: str) -> None:
    rule = {"direction": "INGRESS", "action": "allow", "match": {"srcIpRanges": ["0.0.0.0/0"]}}
    assert violations(FIREWALL_NO_INTERNET_INGRESS, resource_args(rule_type, rule, name="rule")) == [
        "firewall policy rule 'rule' allows ingress from 0.0.0.0/0: "
        "restrict match.src_ip_ranges to the subnet or known ranges"
    ]


@pytest.mark.parametrize(
    "policy_type",
    [
        "gcp:compute/firewallPolicyWithRules:FirewallPolicyWithRules",
        "gcp:compute/networkFirewallPolicyWithRules:NetworkFirewallPolicyWithRules",
        "gcp:compute/regionNetworkFirewallPolicyWithRules:RegionNetworkFirewallPolicyWithRules",
    ],
)
def test_the_inline_rules_of_a_firewall_policy_declared_whole_are_checked(policy_type: str) -> None:
    rules = [
        {
            "priority": 100,
            "direction": "INGRESS",
            "action": "allow",
            "match": {"srcIpRanges": ["10.0.0.0/8"]},
        },
        {"priority": 200, "direction": "INGRESS", "action": "allow", "match": {"srcIpRanges": ["::/0"]}},
        {"priority": 300, "action": "allow", "disabled": True, "match": {"srcIpRanges": ["0.0.0.0/0"]}},
        {"priority": 400, "direction": "INGRESS", "action": "deny", "match": {"srcIpRanges": ["0.0.0.0/0"]}},
        UNKNOWN,
        {
            "priority": UNKNOWN,
            "direction": "INGRESS",
            "action": "allow",
            "match": {"srcIpRanges": ["10.0.0.0/8"]},
        },
        {"priority": 600, "direction": "INGRESS", "action": "allow", "match": UNKNOWN},
    ]
    args = resource_args(policy_type, {"rules": rules}, name="edge")
    assert violations(FIREWALL_NO_INTERNET_INGRESS, args) == [
        "firewall policy 'edge' rule of priority 200 allows ingress from ::/0: "
        "restrict match.src_ip_ranges to the subnet or known ranges"
    ]


def test_a_policy_rule_from_address_groups_is_reported_since_their_ranges_are_not_seen() -> None:
    match = {"srcAddressGroups": ["projects/p/locations/global/addressGroups/partners"]}
    args = resource_args(NETWORK_POLICY_RULE, {"action": "allow", "match": match}, name="partners")
    assert violations(FIREWALL_NO_INTERNET_INGRESS, args) == [
        "firewall policy rule 'partners' allows ingress from address groups "
        "(projects/p/locations/global/addressGroups/partners), whose ranges this policy cannot see: "
        "list the sources in match.src_ip_ranges"
    ]


@pytest.mark.parametrize(
    ("context", "reported"),
    [
        ({"srcNetworkContext": "NON_INTERNET"}, False),
        ({"srcNetworkContext": "INTRA_VPC"}, False),
        ({"srcNetworkContext": "VPC_NETWORKS", "srcNetworks": ["projects/p/global/networks/n"]}, False),
        ({"srcNetworkScope": "INTRA_VPC"}, False),  # the field's beta name
        ({"srcNetworkContext": "INTERNET"}, True),
        ({}, True),
    ],
)
def test_a_policy_rule_limited_to_a_non_internet_context_admits_no_internet_traffic(
    context: dict[str, object], reported: bool
) -> None:
    """Google matches a rule's source ranges AND its network context."""
    match = {"srcIpRanges": ["0.0.0.0/0"], **context}
    args = resource_args(NETWORK_POLICY_RULE, {"direction": "INGRESS", "action": "allow", "match": match})
    assert bool(violations(FIREWALL_NO_INTERNET_INGRESS, args)) is reported


@pytest.mark.parametrize("field", ["srcNetworkContext", "srcNetworkScope"])
def test_a_policy_rule_from_the_internet_scope_is_reported_unless_another_source_narrows_it(
    field: str,
) -> None:
    """The scope alone matches every host of the internet; with source ranges, only those hosts."""
    internet = {"layer4Configs": [{"ipProtocol": "tcp"}], field: "INTERNET"}
    args = resource_args(NETWORK_POLICY_RULE, {"action": "allow", "match": internet}, name="open")
    assert violations(FIREWALL_NO_INTERNET_INGRESS, args) == [
        f"firewall policy rule 'open' allows ingress from every host of the internet ({field} INTERNET): "
        "restrict it to the subnet or known ranges"
    ]
    for narrowing in ({"srcIpRanges": ["203.0.113.0/24"]}, {"srcSecureTags": [{"name": "tagValues/1"}]}):
        narrowed = {**internet, **narrowing}
        args = resource_args(NETWORK_POLICY_RULE, {"action": "allow", "match": narrowed}, name="partner")
        assert violations(FIREWALL_NO_INTERNET_INGRESS, args) == []


def test_a_source_range_given_as_one_text_is_one_range() -> None:
    args = resource_args(FIREWALL, {**INTERNAL, "sourceRanges": "0.0.0.0/0"}, name="open")
    assert violations(FIREWALL_NO_INTERNET_INGRESS, args) == [
        "firewall 'open' allows ingress from 0.0.0.0/0: restrict source_ranges to the subnet or known ranges"
    ]
