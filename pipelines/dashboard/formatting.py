"""How the dashboard writes numbers: the way an investor reads them ($4.5M, a 16.6 times multiple, 38%)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

NONE = "–"


def _number(value: Any) -> float | None:
    """Polars hands back ints, floats and None; anything else is not a number to show."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def money(raw: Any) -> str:
    value = _number(raw)
    if value is None:
        return NONE
    size = abs(value)
    for threshold, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if size >= threshold:
            scaled = value / threshold
            return f"${scaled:,.{1 if abs(scaled) < 100 else 0}f}{suffix}"
    return f"${value:,.2f}" if size >= 1 else f"${value:.4f}".rstrip("0").rstrip(".")


def multiple(raw: Any) -> str:
    value = _number(raw)
    return NONE if value is None else f"{value:,.{1 if abs(value) < 100 else 0}f}×"


def share(raw: Any) -> str:
    value = _number(raw)
    if value is None:
        return NONE
    percent = value * 100
    if percent == 0 or abs(percent) >= 10:
        return f"{percent:.1f}%"
    return f"{percent:.2f}%" if abs(percent) >= 0.1 else f"{percent:.3f}%"


def count(raw: Any) -> str:
    value = _number(raw)
    return NONE if value is None else f"{value:,.0f}"


def hours(raw: Any) -> str:
    value = _number(raw)
    return NONE if value is None else f"{value:,.0f} h" if value >= 10 else f"{value:,.1f} h"


def day(value: Any) -> str:
    return NONE if not isinstance(value, date | datetime) else f"{value:%Y-%m-%d}"


def yes_no(value: Any) -> str:
    return NONE if not isinstance(value, bool) else "yes" if value else "no"
