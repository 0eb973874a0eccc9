"""Security groups open to the internet (seed challenge 3), judged on every value a deploy can give them.

An ingress rule's CIDR, protocol and ports are read through the evaluation layer (``Fn::If`` branches, ``Fn::Sub``,
parameter defaults and allowed values); ranges are compared as networks, so ``0:0:0:0:0:0:0:0/0`` is ``::/0`` and
two ``/1`` halves, in one group or its separate ``AWS::EC2::SecurityGroupIngress`` resources, cover everything. A
CIDR the deployer chooses (a parameter without ``AllowedValues``) on a non-web port cannot be proven closed and is
reported as such. Protocols: ``-1``/``all`` and any protocol other than TCP, UDP and ICMP open every port
(AWS ignores ports for them); ICMP has no ports and is left alone.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any, NamedTuple

from ..cfn import refs
from ..cfn.values import MAX_COMBINATIONS, UNRESOLVED, Unknown, deployed, items, merge, possible, product, unprovable, why
from .model import ERROR, Context, Finding, Template, literal_int, props
from .rule import Fix, Rule

WEB_PORTS = frozenset({80, 443})
ALL = (0, 65535)
PORTED = {"tcp": "tcp", "6": "tcp", "udp": "udp", "17": "udp"}
PORTLESS = frozenset({"icmp", "1", "icmpv6", "58"})
EVERYTHING = (ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0"))
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def network(value: Any) -> Network | None:
    """A CIDR in any spelling, or None when it is not one (CloudFormation would refuse it)."""
    if not isinstance(value, str):
        return None
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return None


def covers_everything(networks: list[Network]) -> str | None:
    """'0.0.0.0/0' or '::/0' when the ranges together cover a whole address family."""
    for whole in EVERYTHING:
        same = [n for n in networks if n.version == whole.version]
        if same and list(ipaddress.collapse_addresses(same)) == [whole]:  # type: ignore[arg-type]
            return str(whole)
    return None


class Entry(NamedTuple):
    """One way an ingress rule can be deployed: its source, protocol and ports, and why."""

    where: tuple[Template, str, str]  # template, logical id, property path
    source: Network | Unknown
    protocol: str
    ports: tuple[int, int]
    because: tuple[str, ...]


def _protocol(value: Any) -> tuple[str, bool] | None:
    """(label, has ports) of an IpProtocol value; None for ICMP (no ports) or an unknown protocol value."""
    text = str(value).strip().lower()
    if text in ("-1", "all"):
        return "all protocols", False
    if text in PORTED:
        return PORTED[text], True
    if text in PORTLESS:
        return None
    return f"protocol {value}", False  # any other IP protocol: AWS opens all of it, ports do not apply


def _entries(rule: Any, tpl: Template, where: tuple[Template, str, str], because: tuple[str, ...]) -> Iterator[Entry]:
    """Every consistent way the rule can be deployed (at most MAX_COMBINATIONS; beyond that one unprovable entry)."""
    if not isinstance(rule, dict):
        return
    fields = [possible(rule.get(name), tpl) for name in ("IpProtocol", "FromPort", "ToPort")]
    for key in ("CidrIp", "CidrIpv6"):
        combos = product([*fields, possible(rule.get(key), tpl)], "an ingress rule")
        if combos is None:
            yield Entry(
                where,
                Unknown(UNRESOLVED, f"an ingress rule with more than {MAX_COMBINATIONS} possible settings"),
                "any protocol",
                ALL,
                because,
            )
            continue
        for (proto, low, high, cidr), reasons in combos:
            kind = _protocol(proto) if not isinstance(proto, Unknown) else ("any protocol", False)
            source = cidr if unprovable(cidr) else network(cidr)
            merged = merge(because, reasons)
            if kind is None or source is None or merged is None:
                continue
            chosen = tuple(dict.fromkeys(f"the port from {x.detail}" for x in (low, high) if kind[1] and isinstance(x, Unknown)))
            yield Entry(where, source, kind[0], _ports(low, high) if kind[1] else ALL, merged + chosen)


def _ports(low: Any, high: Any) -> tuple[int, int]:
    first, last = literal_int(low), literal_int(high)
    if first is None or last is None or first < 0 or isinstance(low, Unknown) or isinstance(high, Unknown):
        return ALL  # a port the template does not pin down may be any
    return first, last


def _shown(entry: Entry) -> str:
    low, high = entry.ports
    ports = "all ports" if entry.ports == ALL else f"port {low}" if low == high else f"ports {low}-{high}"
    return f"{ports} ({entry.protocol})"


def _web(entry: Entry) -> bool:
    return entry.ports[0] == entry.ports[1] and entry.ports[0] in WEB_PORTS


def _groups(ctx: Context) -> dict[tuple[int, str], tuple[str, list[Entry]]]:
    """Every ingress entry of every group: inline rules and separate ingress resources pointing at the group."""
    groups: dict[tuple[int, str], tuple[str, list[Entry]]] = {}
    for tpl, lid, group in ctx.index.of_type("AWS::EC2::SecurityGroup"):
        found = groups.setdefault((id(tpl), lid), (f"Security group {lid}", []))[1]
        exists = deployed(tpl, group)
        for i, rule in items(props(group).get("SecurityGroupIngress"), tpl) if exists is not None else []:
            because = merge(exists, rule.because)
            if because is not None:
                found.extend(_entries(rule.value, tpl, (tpl, lid, f"Properties.SecurityGroupIngress[{i}]"), because))
    for tpl, lid, ingress in ctx.index.of_type("AWS::EC2::SecurityGroupIngress"):
        exists = deployed(tpl, ingress)
        if exists is None:
            continue
        target = next(refs.targets(props(ingress).get("GroupId"), tpl), None)
        key = (id(target[0]), target[1]) if target else (id(tpl), lid)
        label = f"Security group {target[1]}" if target else f"Ingress rule {lid}"
        found = groups.setdefault(key, (label, []))[1]
        found.extend(_entries(props(ingress), tpl, (tpl, lid, "Properties"), exists))
    return groups


def security_group_open(ctx: Context) -> Iterator[Finding]:
    """Challenge 3: a database, cache or admin port open to 0.0.0.0/0 is scanned within minutes of deployment."""
    for label, entries in _groups(ctx).values():
        reported: set[tuple[int, str, str]] = set()
        rest: list[Entry] = []
        for entry in entries:  # one range that is the whole internet, or one the deployer chooses
            if _web(entry) or _key(entry) in reported:
                continue
            if isinstance(entry.source, Unknown):
                reported.add(_key(entry))
                yield _finding(entry, f"{label} admits {_shown(entry)} from {entry.source.detail}{why(entry.because)}", True)
            elif covers_everything([entry.source]):
                reported.add(_key(entry))
                yield _finding(entry, f"{label} admits {_shown(entry)} from {entry.source}{why(entry.because)}", False)
            else:
                rest.append(entry)
        for entry in rest:  # ranges of several rules that together cover everything
            if _key(entry) in reported:
                continue
            joined = [entry]
            for other in rest:
                reasons = merge(*(e.because for e in joined), other.because)
                if _key(other) not in {_key(e) for e in joined} and _same_ports(other, entry) and reasons is not None:
                    joined.append(other)
            together = covers_everything([e.source for e in joined])  # type: ignore[misc]
            if together:
                reported.update(_key(e) for e in joined)
                reasons = merge(*(e.because for e in joined)) or ()
                ranges = ", ".join(str(e.source) for e in joined)
                yield _finding(entry, f"{label} admits {_shown(entry)} from {ranges} (together {together}){why(reasons)}", False)


def _key(entry: Entry) -> tuple[int, str, str]:
    return id(entry.where[0]), entry.where[1], entry.where[2]


def _same_ports(a: Entry, b: Entry) -> bool:
    return (a.protocol == b.protocol and a.ports[0] <= b.ports[0] and a.ports[1] >= b.ports[1]) or a.protocol == "all protocols"


def _finding(entry: Entry, what: str, unsure: bool) -> Finding:
    tpl, lid, where = entry.where
    if unsure:
        message = f"{what}: it cannot be proven closed to the internet, since whoever deploys the stack chooses the range."
        return SECURITY_GROUP_OPEN.unsafe(tpl, lid, where, message, unprovable="the CIDR")
    message = f"{what}: anything listening there (a database, SSH, a cache) is reachable from the whole internet."
    return SECURITY_GROUP_OPEN.unsafe(tpl, lid, where, message)


SECURITY_GROUP_OPEN = Rule(
    id="security-group-open",
    challenge="3 SQL databases",
    severity=ERROR,
    summary="no security group admits 0.0.0.0/0 or ::/0 on ports other than 80 and 443 (error)",
    help="Database, cache and SSH ports open to the whole internet are found by scanners within minutes.",
    checks="no ingress from the whole internet beyond ports 80 and 443: `0.0.0.0/0` or `::/0` in any spelling, ranges that together cover everything (two `/1` halves, in one group or its separate `AWS::EC2::SecurityGroupIngress` resources), CIDRs through `Fn::Sub`/`Fn::If`/parameter defaults; every protocol (`-1`/`all` and any number other than TCP/UDP/ICMP open all ports; ICMP ignored); a CIDR the deployer chooses on such a port cannot be proven closed",
    levels="error",
    fixes={
        "": Fix(
            "In `resources:`, allow the port only from the security groups or address ranges that need it, {exempt}.",
            "In template.yaml, allow the port only from the security groups or address ranges that need it, {exempt}.",
            "Allow the port only from the security groups (SourceSecurityGroupId) or address ranges that need it, {exempt}.",
        )
    },
    check=security_group_open,
)
