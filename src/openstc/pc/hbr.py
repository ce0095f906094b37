"""Hard-body radius: the operator's size when given, else TraCSS's default by object type.

TraCSS handbook, Table 3.4.3: payload 5 m, rocket body 3 m, debris 1 m. Unknown types get the
payload value (the largest, so the Pc is not understated). The combined HBR of a conjunction is
the sum of both objects' radii; the value used is recorded with every result.
"""

from __future__ import annotations

import math

from openstc.errors import InvalidArgumentError

DEFAULT_HBR_M = {"PAYLOAD": 5.0, "ROCKET BODY": 3.0, "DEBRIS": 1.0}
UNKNOWN_HBR_M = 5.0

_ALIASES = {
    "PAYLOAD": "PAYLOAD",
    "PAY": "PAYLOAD",
    "ROCKET BODY": "ROCKET BODY",
    "ROCKET_BODY": "ROCKET BODY",
    "R/B": "ROCKET BODY",
    "RB": "ROCKET BODY",
    "DEBRIS": "DEBRIS",
    "DEB": "DEBRIS",
}


def default_object_hbr(object_type: str | None) -> float:
    """TraCSS default radius (m) for a CCSDS/SATCAT object type; unknown types get 5 m."""
    key = _ALIASES.get((object_type or "").strip().upper())
    return DEFAULT_HBR_M[key] if key else UNKNOWN_HBR_M


def object_hbr(size_m: float | None, object_type: str | None) -> float:
    """One object's radius: the operator's size when given, else the TraCSS default."""
    if size_m is None:
        return default_object_hbr(object_type)
    if not math.isfinite(size_m) or size_m < 0:
        raise InvalidArgumentError(f"hard-body radius must be a finite number >= 0 m, got {size_m!r}")
    return float(size_m)


def combined_hbr(
    size1_m: float | None = None,
    type1: str | None = None,
    size2_m: float | None = None,
    type2: str | None = None,
) -> float:
    """Combined hard-body radius (m) of a conjunction: sum of both objects' radii."""
    return object_hbr(size1_m, type1) + object_hbr(size2_m, type2)
