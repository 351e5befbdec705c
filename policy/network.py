"""VPC rules: nothing is reachable from the internet, and batch subnets reach Google APIs privately."""

import ipaddress
from collections.abc import Mapping
from contextlib import suppress
from typing import Any

from pulumi_policy import ReportViolation, ResourceValidationArgs
from pulumi_policy.proxy import UnknownValueError

from policy.declare import mandatory
from policy.resources import (
    FIREWALL,
    FIREWALL_POLICIES_WITH_RULES,
    FIREWALL_POLICY_RULES,
    ORGANIZATION_SECURITY_POLICY_RULE,
    SUBNETWORK,
    as_list,
    known,
    known_items,
    nested,
)

# A source range with a prefix this short or shorter opens a rule to (half) the internet: 0.0.0.0/0 however
# it is written, and the same space split into two /1 halves.
_OPEN_PREFIX_LENGTH = 1
# IPv6's global unicast space, from which every public address is assigned: the internet of IPv6.
_PUBLIC_IPV6 = ipaddress.IPv6Network("2000::/3")
_ALLOWING_ACTIONS = ("allow", "apply_security_profile_group")
# A policy rule's sources other than ranges that name hosts of the internet: countries, Google's threat
# intelligence lists (public clouds, Tor exit nodes, ...) and domain names.
_INTERNET_SOURCES = ("srcRegionCodes", "srcThreatIntelligences", "srcFqdns")
# Source network contexts (scopes, in the beta field) that leave the internet out: a rule matches traffic
# from its ranges AND its context, so 0.0.0.0/0 with one of these admits no internet traffic.
_NON_INTERNET_CONTEXTS = ("NON_INTERNET", "INTRA_VPC", "VPC_NETWORKS")
_SUBNETS_WITHOUT_VMS = (
    "REGIONAL_MANAGED_PROXY",
    "GLOBAL_MANAGED_PROXY",
    "INTERNAL_HTTPS_LOAD_BALANCER",
    "PRIVATE_SERVICE_CONNECT",
    "PRIVATE_NAT",
    "PEER_MIGRATION",
)


def _network(source: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """A source range as a network; None for one Google Cloud would refuse."""
    try:
        return ipaddress.ip_network(source.strip(), strict=False)
    except ValueError:
        return None


def _forbid_internet_ingress(args: ResourceValidationArgs, report: ReportViolation) -> None:
    props = args.props
    if props.get("disabled") is True:
        return
    rule = f"firewall policy rule '{args.name}'"
    if args.resource_type in FIREWALL_POLICY_RULES:
        _forbid_internet_ingress_by_policy_rule(props, nested(props, "match"), rule, report)
        return
    if args.resource_type == ORGANIZATION_SECURITY_POLICY_RULE:  # the older hierarchical rules
        _forbid_internet_ingress_by_policy_rule(props, nested(props, "match", "config"), rule, report)
        return
    if args.resource_type in FIREWALL_POLICIES_WITH_RULES:
        for inline in known_items(as_list(known(props, "rules", None))):
            # A rule with a value a preview does not know yet is checked by the update; the others now.
            with suppress(UnknownValueError):
                if isinstance(inline, Mapping) and inline.get("disabled") is not True:
                    # A policy's rules have unique priorities, by which the console lists them.
                    rule = f"firewall policy '{args.name}' rule of priority {inline.get('priority')}"
                    _forbid_internet_ingress_by_policy_rule(inline, nested(inline, "match"), rule, report)
        return
    if args.resource_type != FIREWALL:
        return
    # Egress rules, and rules that only deny, admit nothing.
    if (props.get("direction") or "INGRESS") != "INGRESS" or not props.get("allows"):
        return
    sources = as_list(props.get("sourceRanges") or [])
    if not (sources or props.get("sourceTags") or props.get("sourceServiceAccounts")):
        report(
            f"firewall '{args.name}' allows ingress without a source, which Google Cloud applies to "
            "0.0.0.0/0: set source_ranges to the subnet or known ranges",
            None,
        )
    _report_open_sources(sources, f"firewall '{args.name}'", "source_ranges", report)


def _forbid_internet_ingress_by_policy_rule(
    props: Mapping[str, Any], match: Any, rule: str, report: ReportViolation
) -> None:
    """A firewall policy rule (a resource's `props` or an inline rule), called `rule`, its sources in `match`
    (the rule's own, or its `config` in the older hierarchical rules)."""
    # Traffic an apply_security_profile_group rule inspects is let through too.
    if (props.get("direction") or "INGRESS") != "INGRESS" or props.get("action") not in _ALLOWING_ACTIONS:
        return
    match = match if isinstance(match, Mapping) else {}
    contexts = {
        field: str(match.get(field) or "").upper() for field in ("srcNetworkContext", "srcNetworkScope")
    }
    if any(context in _NON_INTERNET_CONTEXTS for context in contexts.values()):
        return
    # The internet as a network scope matches every host of it, unless another source narrows it.
    narrowed = any(
        match.get(field) for field in (*_INTERNET_SOURCES, "srcIpRanges", "srcAddressGroups", "srcSecureTags")
    )
    scoped = [field for field, context in contexts.items() if context == "INTERNET"]
    if scoped and not narrowed:
        report(
            f"{rule} allows ingress from every host of the internet ({scoped[0]} INTERNET): restrict it to "
            "the subnet or known ranges",
            None,
        )
    for field in _INTERNET_SOURCES:
        named = list(known_items(as_list(match.get(field) or [])))
        if named:
            report(
                f"{rule} allows ingress from hosts of the internet ({field} {', '.join(map(str, named))}): "
                "restrict it to the subnet or known ranges",
                None,
            )
    groups = list(known_items(as_list(match.get("srcAddressGroups") or [])))
    if groups:
        report(
            f"{rule} allows ingress from address groups ({', '.join(map(str, groups))}), whose ranges this "
            "policy cannot see: list the sources in match.src_ip_ranges",
            None,
        )
    _report_open_sources(as_list(match.get("srcIpRanges")), rule, "match.src_ip_ranges", report)


def _report_open_sources(sources: Any, rule: str, field: str, report: ReportViolation) -> None:
    """One violation per source range of `rule` that spans the internet (those a preview knows), and one for
    ranges that together hold half of IPv4 (every public range, or 128 /8s) or half of IPv6's public space
    (2000::/3, which holds every public IPv6 address) or more."""
    ranges = []
    for source in known_items(sources):
        network = _network(source)
        if network is None:  # counts as open: what Google would make of it is unknown
            report(f"{rule} allows ingress from {source}, which is not an IP range: fix {field}", None)
        elif network.prefixlen <= _OPEN_PREFIX_LENGTH:
            report(
                f"{rule} allows ingress from {source}: restrict {field} to the subnet or known ranges", None
            )
        else:
            ranges.append(network)
    ipv4 = [network for network in ranges if isinstance(network, ipaddress.IPv4Network)]
    ipv6 = [network for network in ranges if isinstance(network, ipaddress.IPv6Network)]
    # Overlaps count once; half of IPv4 is what a single /1 opens.
    held_ipv4 = sum(network.num_addresses for network in ipaddress.collapse_addresses(ipv4))
    held_ipv6 = sum(_public_ipv6_held(network) for network in ipaddress.collapse_addresses(ipv6))
    spans = (
        ("IPv4", held_ipv4 >= 2**31),
        ("IPv6's public space (2000::/3)", held_ipv6 >= _PUBLIC_IPV6.num_addresses // 2),
    )
    for family, open_to_internet in spans:
        if open_to_internet:
            report(
                f"{rule} allows ingress from ranges that together hold half of {family} or more: "
                f"restrict {field} to the subnet or known ranges",
                None,
            )


def _public_ipv6_held(network: ipaddress.IPv6Network) -> int:
    """How many of IPv6's public addresses `network` holds (two CIDR blocks overlap only by one holding the
    other)."""
    if network.subnet_of(_PUBLIC_IPV6):
        return network.num_addresses
    return _PUBLIC_IPV6.num_addresses if _PUBLIC_IPV6.subnet_of(network) else 0


def _require_private_google_access(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != SUBNETWORK:
        return
    # Proxy-only, Private Service Connect and NAT subnets cannot turn it on, and no batch runs in them;
    # every other purpose (PRIVATE, PRIVATE_RFC_1918, one not known yet) is checked.
    if str(known(args.props, "purpose", "", absent="") or "").upper() in _SUBNETS_WITHOUT_VMS:
        return
    if args.props.get("privateIpGoogleAccess") is not True:
        report(
            f"subnetwork '{args.name}' has Private Google Access off: Dataproc Serverless workers have no "
            "external IP and need private_ip_google_access=True to reach Google APIs",
            None,
        )


FIREWALL_NO_INTERNET_INGRESS = mandatory(
    "firewall-no-internet-ingress",
    "No enabled ingress firewall rule or firewall policy rule allows the internet (a /0 or /1 source "
    "range, ranges that together hold half of IPv4 or of IPv6's public space, or sources naming hosts of the "
    "internet), and no firewall rule has no source.",
    _forbid_internet_ingress,
)

SUBNET_PRIVATE_GOOGLE_ACCESS = mandatory(
    "subnet-private-google-access",
    "Subnetworks enable Private Google Access (Dataproc Serverless requires it), unless their purpose "
    "rules it out.",
    _require_private_google_access,
)
