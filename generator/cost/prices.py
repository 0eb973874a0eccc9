"""Price tables as data: one JSON file per region under ``prices/``, each naming its source and the date it
was read. Formulas look prices up by name, so a new region is a new file, not new code.

Standard library only: the wizard summary and the post-generation hook price answers with it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UserError

TABLES = Path(__file__).resolve().parent / "prices"


@dataclass(frozen=True)
class Prices:
    """One region's list prices (USD) by name, with where and when they were read."""

    region: str
    source: str
    read: str
    usd: dict[str, float]
    rechecked: dict[str, bool]
    pages: dict[str, str]  # the pricing page each price was read from

    def __getitem__(self, name: str) -> float:
        return self.usd[name]

    def to_dict(self) -> dict[str, Any]:
        """The JSON view: region, source, date, every price and whether it was re-checked."""
        return {
            "region": self.region,
            "source": self.source,
            "date": self.read,
            "usd": dict(self.usd),
            "pages": dict(self.pages),
            "not_rechecked": sorted(k for k, ok in self.rechecked.items() if not ok),
        }


def regions() -> list[str]:
    """The regions that have a price table."""
    return sorted(p.stem for p in TABLES.glob("*.json"))


def load(region: str) -> Prices:
    """The table of ``region``; a region without one is a UserError naming those that have one."""
    path = TABLES / f"{region}.json"
    if region not in regions():  # a name, never a path: "../x" or "/tmp/x" must not pick another file
        have = ", ".join(regions())
        raise UserError(
            f"region={region!r} has no price table: tables exist for {have}.",
            f"Fix: pass --region with one of {have}, or add generator/cost/prices/{region}.json.",
        )
    data = json.loads(path.read_text(encoding="utf-8"))
    table = data["prices"]
    return Prices(
        region=data["region"],
        source=data["source"],
        read=data["read"],
        usd={name: float(entry["usd"]) for name, entry in table.items()},
        rechecked={name: bool(entry.get("rechecked")) for name, entry in table.items()},
        pages={name: str(entry.get("source", data["source"])) for name, entry in table.items()},
    )
