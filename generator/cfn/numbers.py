"""How a CloudFormation number property is read: an int, a float or a numeric string; never a boolean, never
infinite or NaN (``"inf"`` is not a throttle, and ``int()`` of it would raise)."""

from __future__ import annotations

import math
from typing import Any


def number(value: Any) -> float | None:
    """The value as a finite float, or None when it is not a number CloudFormation would take."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        found = float(value)
    elif isinstance(value, str):
        try:
            found = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return found if math.isfinite(found) else None
