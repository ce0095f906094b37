"""CCSDS unit strings and their conversion to SI, the one place where km, deg, d and % are handled.

A keyword declares the unit the standard writes in the file (``km``, ``km**2/s``, ``deg``, ``d``,
``%``); the model keeps SI (m, m/s, m**2, rad, s, fraction). :func:`factor` gives the multiplier
from file unit to SI; readers multiply, writers divide. Unit strings are compared after
:func:`normalize`, so ``[KM/S]``, ``[km/s]`` and ``km / s`` are the same unit.
"""

from __future__ import annotations

import math
from functools import lru_cache

# File unit -> factor to SI. Units already SI (m, m/s, m**2, kg, s, W/kg, ...) map to 1.0; they are
# listed so that a unit we do not know can be told apart from one that needs no scaling.
_FACTORS: dict[str, float] = {
    "m": 1.0,
    "km": 1e3,
    "m/s": 1.0,
    "km/s": 1e3,
    "m/s**2": 1.0,
    "km/s**2": 1e3,
    "m/s**3": 1.0,
    "m**2": 1.0,
    "km**2": 1e6,
    "m**2/s": 1.0,
    "km**2/s": 1e6,
    "m**2/s**2": 1.0,
    "km**2/s**2": 1e6,
    "m**2/s**3": 1.0,
    "m**2/s**4": 1.0,
    "km**3/s**2": 1e9,
    "m**3/s**2": 1.0,
    "m**3/kg": 1.0,
    "m**3/(kg*s)": 1.0,
    "m**3/(kg*s**2)": 1.0,
    "m**4/kg**2": 1.0,
    "m**2/kg": 1.0,
    "kg": 1.0,
    "s": 1.0,
    "d": 86400.0,
    "deg": math.pi / 180.0,
    "deg/s": math.pi / 180.0,
    "deg/s**2": math.pi / 180.0,
    "rad": 1.0,
    "rad/s": 1.0,
    "rev/day": 2.0 * math.pi / 86400.0,
    "rev/day**2": 2.0 * math.pi / 86400.0**2,
    "rev/day**3": 2.0 * math.pi / 86400.0**3,
    "%": 0.01,
    "w/kg": 1.0,
    "n": 1.0,
    "n*m": 1.0,
    "n*s": 1.0,
    "1/er": 1.0,
    "sfu": 1.0,
    "nt": 1.0,
    "hz": 1.0,
    "m**2/s**2/m**2": 1.0,
}


@lru_cache(maxsize=1024)
def normalize(unit: str) -> str:
    """Canonical spelling of a unit: lower case, no blanks, ``^`` written ``**``."""
    return unit.strip().lower().replace(" ", "").replace("^", "**")


def is_known(unit: str) -> bool:
    """Whether ``unit`` is in the table (an unknown unit in a file is rejected when it does not match)."""
    return normalize(unit) in _FACTORS


def factor(unit: str | None) -> float:
    """Multiplier from ``unit`` (as the standard writes it in files) to SI; 1.0 for unitless or unknown."""
    if not unit:
        return 1.0
    return _FACTORS.get(normalize(unit), 1.0)


def same(a: str | None, b: str | None) -> bool:
    """Whether two unit strings denote the same unit."""
    return normalize(a or "") == normalize(b or "")


def to_si(value: float, unit: str | None) -> float:
    return value * factor(unit)


def from_si(value: float, unit: str | None) -> float:
    f = factor(unit)
    return value if f == 1.0 else value / f
