"""Two views of one ceiling: a text table by resource and service, and JSON (schema slsguard-cost/1)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..printable import printable
from . import assumptions as A
from .formulas import Item, Priced
from .prices import Prices
from .typical import TRAFFIC, Typical

SCHEMA = "slsguard-cost/1"


@dataclass(frozen=True)
class Ceiling(Priced):
    """The most the service can cost per hour under a flood, line by line, with what it assumed."""

    items: list[Item]
    limited_by_account: list[dict[str, str]]
    prices: Prices
    account_concurrency: int
    notes: tuple[str, ...] = ()
    typical: Typical | None = None  # the same service at a modest, stated traffic (cost.typical)
    unbounded: tuple[dict[str, str], ...] = ()  # values only the deployer bounds, priced at AWS's maximum


def _basis(item: Item) -> str:
    i = item.inputs
    chosen = f" ({'; '.join(i['chosen'])})" if i.get("chosen") else ""
    if item.service == "Lambda compute":
        return f"{i['concurrency_basis']}; {i['memory_mb']} MB {i['architecture']}{chosen}"
    if "requests_per_s" in i and item.service.startswith(("API", "WAF")):
        return f"{i['requests_per_s']:g} requests/s" + ("" if i.get("throttled", True) else " (no throttle: account limit)") + chosen
    if "invocations_per_s" in i:
        return f"{i['invocations_per_s']:.4g} invocations/s"
    if "requests_per_s" in i:
        return f"{i['requests_per_s']:.4g} requests/s"
    if "traces_per_s" in i:
        return f"{i['traces_per_s']:.4g} traces/s"
    if "provisioned" in i:
        return f"{i['provisioned']} provisioned x {i['memory_mb']} MB"
    if "rules" in i:
        return f"web ACL + {i['rules']} rules, monthly fees per hour"
    return ", ".join(f"{k} {v}" for k, v in i.items())


def _where(flag: dict[str, str]) -> str:
    return flag["logical_id"] if flag["stack"] == "root" else f"{flag['stack']}/{flag['logical_id']}"


def text(ceiling: Ceiling) -> str:
    """The table a person reads, then the flags and the assumptions."""
    p = ceiling.prices
    lines = [printable(f"Cost ceiling (prices: {p.region}, {p.source}, read {p.read}):"), ""]
    rows = [  # names and settings from templates are escaped: no value may start a line or print an escape sequence
        (
            printable(i.service),
            printable(i.logical_id if i.stack == "root" else f"{i.stack}/{i.logical_id}"),
            f"{i.usd_per_hour:.4f}",
            printable(_basis(i)),
        )
        for i in ceiling.items
    ]
    widths = [max([len(h), *(len(r[n]) for r in rows)]) for n, h in enumerate(("service", "resource", "USD/hour"))]
    lines.append(f"  {'service':<{widths[0]}}  {'resource':<{widths[1]}}  {'USD/hour':>{widths[2]}}  basis")
    for service, resource, usd, basis in rows:
        lines.append(f"  {service:<{widths[0]}}  {resource:<{widths[1]}}  {usd:>{widths[2]}}  {basis}")
    lines += ["", f"Ceiling: ${ceiling.usd_per_hour:,.2f} per hour, ${ceiling.usd_per_month:,.2f} per 30-day month."]
    if ceiling.typical is not None:
        lines += [
            "  A ceiling, not a bill: the most a flood could cost with every entry point at its cap and every function at its timeout.",
            f"Typical: ${ceiling.typical.usd_per_hour:,.4f} per hour, ${ceiling.typical.usd_per_month:,.2f} per 30-day month at {TRAFFIC}.",
        ]
    if ceiling.limited_by_account:
        lines += ["", "Limited only by the account (set reserved concurrency or a throttle):"]
        lines += [printable(f"  {_where(f)}: {f['reason']}") for f in ceiling.limited_by_account]
    if ceiling.unbounded:
        lines += ["", "Priced at AWS's maximum: only the deployer bounds these (give the parameter AllowedValues or a MaxValue):"]
        lines += [printable(f"  {_where(f)}: {f['reason']}") for f in ceiling.unbounded]
    lines += ["", f"Assumptions (account concurrency {ceiling.account_concurrency}):"]
    lines += [f"  - {printable(a)}" for a in (*ceiling.notes, *A.TEXT)]
    return "\n".join(lines) + "\n"


def as_dict(ceiling: Ceiling) -> dict[str, Any]:
    """The JSON document (see docs/cost.md)."""
    return {
        "schema": SCHEMA,
        "usd_per_hour": round(ceiling.usd_per_hour, 6),
        "usd_per_month": round(ceiling.usd_per_month, 4),
        "items": [i.to_dict() for i in ceiling.items],
        "limited_by_account": ceiling.limited_by_account,
        "unbounded": list(ceiling.unbounded),
        "account_concurrency": ceiling.account_concurrency,
        "prices": ceiling.prices.to_dict(),
        "assumptions": [*ceiling.notes, *A.TEXT],
        **(_typical_dict(ceiling.typical) if ceiling.typical is not None else {}),
    }


def _typical_dict(typical: Typical) -> dict[str, Any]:
    """The ``typical`` key of the JSON document: the same service at ``TRAFFIC``."""
    cost = {"usd_per_hour": round(typical.usd_per_hour, 6), "usd_per_month": round(typical.usd_per_month, 4), "traffic": TRAFFIC}
    return {"typical": {**cost, "items": [i.to_dict() for i in typical.items]}}


def as_json(ceiling: Ceiling) -> str:
    """``as_dict`` as indented JSON text."""
    return json.dumps(as_dict(ceiling), indent=2) + "\n"


def readme_bullet(ceiling: Ceiling) -> str:
    """What a generated README states: the ceiling of its answers and how to recompute it."""
    p = ceiling.prices
    typical = (
        f"  A ceiling, not a bill: at {TRAFFIC}, the same service costs about ${ceiling.typical.usd_per_month:,.2f} per 30-day month.\n"
        if ceiling.typical is not None
        else ""
    )
    return (
        f"- **Cost ceiling**: at most ${ceiling.usd_per_hour:,.2f} per hour (${ceiling.usd_per_month:,.2f} per 30-day month; "
        f"{p.region} list prices read {p.read})\n"
        "  when every entry point is driven to its cap and every function runs to its timeout at its concurrency.\n"
        f"{typical}"
        "  The bridge prints the ceiling at package time (`custom.slsguard.maxHourly`\n"
        "  makes it a gate); recompute it after any change with `npx osls package && slsguard cost .serverless`.\n"
        "  What it counts and leaves out (data transfer, NAT gateways, growing storage): slsguard's docs/cost.md."
    )
