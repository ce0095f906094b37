"""SGP4/SDP4 propagation of element sets over time grids, in SI units and the TEME frame.

A thin, vectorised layer over the ``sgp4`` package (its C++ ``SatrecArray``): element sets become
``Satrec`` objects, a grid of times becomes arrays of positions (m) and velocities (m/s) with the
``sgp4`` error code of every sample, so that a failed object is a flagged result, never an
exception. Times are handled as seconds from a UTC reference instant (``datetime``) and split into
two-part Julian dates for ``sgp4`` so that no precision is lost over a screening window.

The module also carries the gravity model used to build interpolation polynomials between SGP4
samples (two-body + J2, WGS-72 constants as SGP4 itself uses).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import numpy.typing as npt
from sgp4.api import WGS72, Satrec, SatrecArray

from openstc.formats.elset import ElementSet

F64 = npt.NDArray[np.float64]
I8 = npt.NDArray[np.int8]

# WGS-72, the constants SGP4 is defined with.
MU_M3_S2 = 398600.8e9
RE_M = 6378135.0
J2 = 0.001082616

JD_UNIX_EPOCH = 2440587.5
_UNIX0 = datetime(1970, 1, 1, tzinfo=UTC)

#: What the ``sgp4`` error codes mean (Vallado et al. 2006, the code's own comments).
SGP4_ERRORS: dict[int, str] = {
    1: "mean eccentricity out of range (e >= 1 or e < -0.001)",
    2: "mean motion has gone below zero",
    3: "perturbed eccentricity out of range",
    4: "semi-latus rectum below zero",
    5: "epoch elements are sub-orbital",
    6: "satellite has decayed (orbit radius below one earth radius)",
    7: "state not physical (inside the Earth or above escape speed) though SGP4 gave no error",
}


def sgp4_error_text(code: int) -> str:
    """The reason for an ``sgp4`` error code, as shown in run reports."""
    return f"SGP4 error {code}: {SGP4_ERRORS.get(code, 'unknown error')}"


def datetime_to_jd(t: datetime) -> tuple[float, float]:
    """Two-part Julian date (UTC) of an aware datetime: (whole part at midnight, day fraction)."""
    if t.tzinfo is None:
        raise ValueError("datetime must be timezone-aware (UTC)")
    delta = t - _UNIX0
    days = delta.days
    frac = (delta.seconds + delta.microseconds * 1e-6) / 86400.0
    return JD_UNIX_EPOCH + days, frac


def jd_to_datetime(jd: float, fr: float = 0.0) -> datetime:
    """Aware UTC datetime of a two-part Julian date (microsecond resolution)."""
    whole = math.floor(jd - JD_UNIX_EPOCH)
    rest = (jd - JD_UNIX_EPOCH - whole) + fr
    return _UNIX0 + timedelta(days=whole) + timedelta(microseconds=round(rest * 86400e6))


def offset_to_datetime(t0: datetime, seconds: float) -> datetime:
    """``t0 + seconds`` rounded to the microsecond."""
    return t0 + timedelta(microseconds=round(seconds * 1e6))


def seconds_between(t0: datetime, t1: datetime) -> float:
    """``t1 - t0`` in seconds."""
    return (t1 - t0).total_seconds()


def elset_to_satrec(e: ElementSet) -> Satrec:
    """Initialise an ``sgp4`` Satrec from an :class:`ElementSet` (WGS-72, improved mode, as TLEs).

    Uses :func:`openstc.formats.elset.to_satrec` (exactly ``twoline2rv``/``sgp4.omm``); catalog numbers
    sgp4 cannot carry are initialised with satellite number 0 (it plays no part in propagation).
    """
    try:
        from openstc.formats.elset import to_satrec

        return to_satrec(e)
    except ImportError:
        pass
    except ValueError:
        pass
    xpdotp = 1440.0 / (2.0 * math.pi)  # rev/day -> rad/min
    if e.epoch_jd is not None and e.epoch_jd_frac is not None:
        epoch_days = (e.epoch_jd - 2433281.5) + e.epoch_jd_frac
    else:
        jd, fr = datetime_to_jd(e.epoch)
        epoch_days = (jd - 2433281.5) + fr
    sat = Satrec()
    satnum = e.norad_id if 0 <= e.norad_id < 340000 else 0
    sat.sgp4init(
        WGS72,
        "i",
        satnum,
        epoch_days,
        e.bstar_per_er,
        e.mean_motion_dot_rev_day2 / (xpdotp * 1440.0),
        e.mean_motion_ddot_rev_day3 / (xpdotp * 1440.0 * 1440.0),
        e.eccentricity,
        math.radians(e.arg_perigee_deg),
        math.radians(e.inclination_deg),
        math.radians(e.mean_anomaly_deg),
        e.mean_motion_rev_day / xpdotp,
        math.radians(e.raan_deg),
    )
    return sat


@dataclass(frozen=True, slots=True)
class GridStates:
    """States of n objects at m times: ``error`` (n, m) sgp4 codes, ``r``/``v`` (n, m, 3) in m, m/s."""

    error: I8
    r: F64
    v: F64


def propagate_grid(sats: SatrecArray | Sequence[Satrec], t0: datetime, offsets_s: F64) -> GridStates:
    """Propagate every satellite to ``t0 + offsets_s`` (TEME). Failed samples have NaN states."""
    arr = sats if isinstance(sats, SatrecArray) else SatrecArray(list(sats))
    jd0, fr0 = datetime_to_jd(t0)
    fr = fr0 + np.asarray(offsets_s, dtype=np.float64) / 86400.0
    whole = np.floor(fr)
    jd = jd0 + whole
    fr = fr - whole
    err, r, v = arr.sgp4(jd, fr)
    r *= 1e3
    v *= 1e3
    bad = err != 0
    if bad.any():
        r[bad] = np.nan
        v[bad] = np.nan
    return GridStates(error=err.astype(np.int8), r=r, v=v)


def propagate_one(sat: Satrec, t0: datetime, offset_s: float) -> tuple[int, F64, F64]:
    """One satellite at one time: (error code, r m, v m/s)."""
    jd0, fr0 = datetime_to_jd(t0)
    fr = fr0 + offset_s / 86400.0
    whole = math.floor(fr)
    err, r, v = sat.sgp4(jd0 + whole, fr - whole)
    return int(err), np.asarray(r, dtype=np.float64) * 1e3, np.asarray(v, dtype=np.float64) * 1e3


def accel_j2(r: F64) -> F64:
    """Two-body + J2 acceleration (m/s^2) at positions ``r`` (..., 3) in m (an equatorial frame)."""
    x = r[..., 0]
    y = r[..., 1]
    z = r[..., 2]
    r2 = x * x + y * y + z * z
    rn = np.sqrt(r2)
    k = -MU_M3_S2 / (r2 * rn)
    f = 1.5 * J2 * RE_M * RE_M / r2
    zz = 5.0 * z * z / r2
    a = np.empty_like(r)
    a[..., 0] = k * x * (1.0 + f * (1.0 - zz))
    a[..., 1] = k * y * (1.0 + f * (1.0 - zz))
    a[..., 2] = k * z * (1.0 + f * (3.0 - zz))
    return a


def perigee_apogee_m(e: ElementSet) -> tuple[float, float, float]:
    """Perigee radius, apogee radius (m, from the Kozai mean motion) and period (s) of an element set."""
    n_rad_s = e.mean_motion_rev_day * 2.0 * math.pi / 86400.0
    if n_rad_s <= 0:
        return float("nan"), float("nan"), float("inf")
    a = (MU_M3_S2 / (n_rad_s * n_rad_s)) ** (1.0 / 3.0)
    return a * (1.0 - e.eccentricity), a * (1.0 + e.eccentricity), 2.0 * math.pi / n_rad_s
