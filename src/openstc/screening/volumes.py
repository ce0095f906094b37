"""Screening volumes: spheres, boxes and ellipsoids in the primary's RTN frame, and TraCSS's tables.

A volume answers two questions: how far its surface can be from the primary (``bound_m``, the
radius the filter screens with) and whether a relative position given in the primary's radial,
in-track, cross-track frame lies inside (``contains``). Box and ellipsoid sizes are *half*-widths
(the tolerance on either side of the primary's predicted position, as the TraCSS handbook states
its "tolerance around the predicted location").

TraCSS assigns each primary an orbit regime from perigee altitude, eccentricity and (for OCMs)
period, and each regime its own volume and propagation span (handbook Tables 3.4.1 and 3.4.2).
:func:`tracss_hac_volume` / :func:`tracss_ocm_volume` reproduce those tables; :func:`parse_volume`
reads the command-line forms ``tracss``, ``tracss-ocm``, ``sphere:5km``, ``box:0.4x25x25km`` and
``ellipsoid:1x5x5km``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from openstc.errors import InvalidArgumentError

RE_KM = 6378.137
DAY_S = 86400.0
#: lower bound on a primary's radius in :attr:`Volume.radial_reach_m` (m): 0.98 Earth radii, below which the
#: engine treats SGP4's states as failed
REACH_MIN_RADIUS_M = 0.98 * RE_KM * 1e3


@dataclass(frozen=True, slots=True)
class Volume:
    """A screening volume. ``shape`` is ``sphere``, ``box`` or ``ellipsoid``; sizes in m (half-widths)."""

    shape: str
    radial_m: float
    in_track_m: float
    cross_track_m: float
    name: str = ""
    span_s: float | None = None  # propagation span of the regime (TraCSS), None = the whole window

    @property
    def bound_m(self) -> float:
        """Radius of the smallest sphere that contains the volume."""
        if self.shape == "box":
            return math.sqrt(self.radial_m**2 + self.in_track_m**2 + self.cross_track_m**2)
        return max(self.radial_m, self.in_track_m, self.cross_track_m)

    @property
    def radial_reach_m(self) -> float:
        """Bound on ``| |r_s| - |r_p| |`` for a secondary inside the volume (radii from the Earth's centre).

        Inside the box (ellipsoids lie inside the box of the same half-widths) the secondary sits at
        (x, y, z) in the primary's RTN frame with |x| <= R, |y| <= T, |z| <= N, so
        ``|r_s|^2 = (|r_p| + x)^2 + y^2 + z^2``: ``|r_s| >= |r_p| - R`` and
        ``|r_s| <= |r_p| + R + (T^2 + N^2) / (2 (|r_p| + R))``. The primary's radius is taken as at least
        ``REACH_MIN_RADIUS_M`` (states below it are treated as failed). A sphere reaches its radius.
        The screening filter prunes on this radial gap: a LEO box is 100 times thinner radially than
        its bounding sphere."""
        if self.shape == "sphere":
            return self.radial_m
        box_reach = self.radial_m + (self.in_track_m**2 + self.cross_track_m**2) / (2.0 * REACH_MIN_RADIUS_M)
        return min(self.bound_m, box_reach)

    def metric(self, rtn: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """<= 1 inside, > 1 outside, for relative positions (..., 3) in the primary's RTN frame (m)."""
        x = np.asarray(rtn, dtype=np.float64)
        scaled = x / np.array([self.radial_m, self.in_track_m, self.cross_track_m])
        if self.shape == "box":
            return np.asarray(np.max(np.abs(scaled), axis=-1), dtype=np.float64)
        if self.shape == "sphere":
            return np.asarray(np.linalg.norm(x, axis=-1) / self.radial_m, dtype=np.float64)
        return np.asarray(np.sqrt(np.sum(scaled * scaled, axis=-1)), dtype=np.float64)

    def contains(self, rtn: npt.NDArray[np.float64]) -> bool:
        return bool(np.all(self.metric(rtn) <= 1.0))

    def describe(self) -> str:
        if self.shape == "sphere":
            base = f"sphere {self.radial_m / 1e3:g} km"
        else:
            base = (
                f"{self.shape} R {self.radial_m / 1e3:g} x T {self.in_track_m / 1e3:g} x "
                f"N {self.cross_track_m / 1e3:g} km"
            )
        return f"{self.name}: {base}" if self.name else base


def sphere(radius_m: float, name: str = "") -> Volume:
    if not radius_m > 0:
        raise InvalidArgumentError(f"sphere radius must be > 0 m, got {radius_m}")
    return Volume("sphere", radius_m, radius_m, radius_m, name=name)


def box(
    radial_m: float, in_track_m: float, cross_track_m: float, name: str = "", span_s: float | None = None
) -> Volume:
    return Volume("box", radial_m, in_track_m, cross_track_m, name=name, span_s=span_s)


def ellipsoid(radial_m: float, in_track_m: float, cross_track_m: float, name: str = "") -> Volume:
    return Volume("ellipsoid", radial_m, in_track_m, cross_track_m, name=name)


def hac_regime(perigee_alt_km: float, eccentricity: float) -> str:
    """TraCSS HAC orbit regime (handbook Table 3.4.1) from perigee altitude and eccentricity."""
    if not (math.isfinite(perigee_alt_km) and math.isfinite(eccentricity)):
        return "Other"
    if perigee_alt_km > 37500.0:
        return "Deep Space"
    if eccentricity > 0.25:
        return "HEO"
    if eccentricity < 0.25:
        if perigee_alt_km > 27000.0:
            return "GEO"
        if perigee_alt_km > 2000.0:
            return "MEO"
        if perigee_alt_km > 1200.0:
            return "LEO 4"
        if perigee_alt_km > 750.0:
            return "LEO 3"
        if perigee_alt_km > 500.0:
            return "LEO 2"
        return "LEO 1"
    return "Other"  # e == 0.25 exactly falls in no row of the table


_HAC: dict[str, tuple[float, float, float, float]] = {
    # regime: radial, in-track, cross-track (km), span (days)
    "Deep Space": (24.5, 24.5, 24.5, 10.0),
    "GEO": (24.5, 24.5, 24.5, 10.0),
    "HEO": (24.5, 24.5, 24.5, 10.0),
    "MEO": (24.5, 24.5, 24.5, 10.0),
    "LEO 4": (0.4, 2.0, 2.0, 5.0),
    "LEO 3": (0.4, 12.0, 12.0, 5.0),
    "LEO 2": (0.4, 25.0, 25.0, 5.0),
    "LEO 1": (0.4, 44.0, 51.0, 5.0),
    "Other": (24.5, 24.5, 24.5, 10.0),
}

_OCM: dict[str, tuple[float, float, float, float]] = {
    "Deep Space": (49.0, 49.0, 49.0, 10.0),
    "Near Earth": (2.0, 25.0, 25.0, 7.0),
    "Other": (49.0, 49.0, 49.0, 10.0),
}


def tracss_hac_volume(perigee_alt_km: float, eccentricity: float) -> Volume:
    """The TraCSS HAC screening box and span for an object (handbook Table 3.4.1)."""
    regime = hac_regime(perigee_alt_km, eccentricity)
    r, t, n, days = _HAC[regime]
    return box(r * 1e3, t * 1e3, n * 1e3, name=f"TraCSS HAC {regime}", span_s=days * DAY_S)


def ocm_regime(period_s: float) -> str:
    if not math.isfinite(period_s):
        return "Other"
    if period_s > 225.0 * 60.0:
        return "Deep Space"
    if period_s < 225.0 * 60.0:
        return "Near Earth"
    return "Other"


def tracss_ocm_volume(period_s: float) -> Volume:
    """The TraCSS OCM screening box and span for an operator ephemeris (handbook Table 3.4.2)."""
    regime = ocm_regime(period_s)
    r, t, n, days = _OCM[regime]
    return box(r * 1e3, t * 1e3, n * 1e3, name=f"TraCSS OCM {regime}", span_s=days * DAY_S)


_LEN = {"m": 1.0, "km": 1e3}


def _length(text: str, unit: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise InvalidArgumentError(f"not a number: {text!r}") from exc
    return value * _LEN[unit]


def parse_volume(spec: str) -> Volume | str:
    """A volume from its command-line form; ``tracss``/``tracss-ocm`` return the string itself
    (the volume then depends on each primary's regime)."""
    s = spec.strip().lower().replace(" ", "")
    if s in ("tracss", "tracss-hac", "tracss-ocm"):
        return "tracss-ocm" if s == "tracss-ocm" else "tracss"
    m = re.fullmatch(r"sphere:([0-9.eE+-]+)(m|km)?", s)
    if m:
        return sphere(_length(m.group(1), m.group(2) or "km"))
    m = re.fullmatch(r"(box|ellipsoid):([0-9.eE+-]+)x([0-9.eE+-]+)x([0-9.eE+-]+)(m|km)?", s)
    if m:
        unit = m.group(5) or "km"
        dims = [_length(m.group(i), unit) for i in (2, 3, 4)]
        if min(dims) <= 0:
            raise InvalidArgumentError(f"volume sizes must be > 0: {spec!r}")
        return Volume(m.group(1), dims[0], dims[1], dims[2])
    raise InvalidArgumentError(
        f"unknown screening volume {spec!r}; expected tracss, tracss-ocm, sphere:5km, "
        "box:RxTxNkm or ellipsoid:RxTxNkm (half-widths, radial x in-track x cross-track)"
    )
