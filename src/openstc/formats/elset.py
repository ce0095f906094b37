"""The mean-element set that SGP4/SDP4 consumes, as TLEs and OMMs (SGP4 theory) carry it.

:class:`ElementSet` is the one record that the TLE reader, the OMM/catalog readers and the
propagator exchange. It keeps the element set's own conventions, so nothing is lost between a TLE,
its OMM twin and ``sgp4``: angles in degrees, mean motion in revolutions per day, ``MEAN_MOTION_DOT``
as the TLE line-1 field (already n-dot/2, rev/day^2, the Space-Track/CelesTrak/sgp4 convention),
``MEAN_MOTION_DDOT`` as n-ddot/6 (rev/day^3), ``BSTAR`` in 1/earth-radii. Field names carry these
units because they are not SI. The epoch is a UTC-aware datetime (microsecond resolution; the exact
fractional day of a TLE is kept in ``epoch_jd``/``epoch_jd_frac`` when known so a TLE -> OMM -> TLE
trip reproduces ``sgp4``'s Satrec exactly).

Also here, because every reader returns it and the screening core needs it:

- :class:`ReadResult`: element sets read plus the records a lenient reader skipped (never silent);
- :func:`to_satrec` / :func:`to_satrec_array`: the ``sgp4`` Satrec (WGS72 by default) of a set,
  bit-identical to ``Satrec.twoline2rv`` for a TLE-born set and to ``sgp4.omm.initialize`` for an
  OMM/catalog-born one (checked field by field over both catalog snapshots and SGP4-VER.TLE).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from math import floor, pi
from typing import Any

from openstc.errors import FormatError, InvalidArgumentError


@dataclass(frozen=True, slots=True)
class ElementSet:
    """One SGP4 element set (TLE or OMM with MEAN_ELEMENT_THEORY = SGP4/SDP4)."""

    norad_id: int
    epoch: datetime  # UTC, tz-aware
    mean_motion_rev_day: float
    eccentricity: float
    inclination_deg: float
    raan_deg: float
    arg_perigee_deg: float
    mean_anomaly_deg: float
    bstar_per_er: float = 0.0
    mean_motion_dot_rev_day2: float = 0.0  # TLE line-1 field as is (n-dot / 2)
    mean_motion_ddot_rev_day3: float = 0.0  # TLE line-1 field as is (n-ddot / 6)
    object_name: str | None = None
    object_id: str | None = None  # COSPAR international designator, e.g. 1998-067A
    classification: str = "U"
    ephemeris_type: int = 0
    element_set_no: int = 999
    rev_at_epoch: int = 0
    # Exact epoch as two-part Julian date (UTC) when the source gives a fractional day (TLE).
    epoch_jd: float | None = None
    epoch_jd_frac: float | None = None
    # Where the element set came from, e.g. "celestrak-csv", "tle", "spacetrack-json".
    source: str | None = None
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class ReadResult:
    """What a multi-record reader returns: the element sets it read and the records it could not.

    In strict mode ``errors`` is always empty (the first bad record raises). In lenient mode each
    bad record is skipped and reported here with its line/row and reason, never dropped silently.
    """

    elements: list[ElementSet]
    errors: list[FormatError]
    encoding: str  # tle, celestrak-csv, celestrak-json, spacetrack-json, celestrak-xml, spacetrack-xml


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while tens of thousands of records are built.

    Every ElementSet holds a dict, so allocation triggers collections that scan the growing list
    again and again (about 40 % of the CSV read time); nothing built here forms a cycle.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# sgp4's epoch origin and unit conversions, written exactly as ``sgp4.omm.initialize`` and Vallado's
# ``twoline2rv`` write them, so that a Satrec built here equals the one sgp4 builds, bit for bit.
_EPOCH0 = datetime(1949, 12, 31)
_TO_RADIANS = pi / 180.0
_NDOT_UNITS = 1036800.0 / pi
_NDDOT_UNITS = 2985984000.0 / 2.0 / pi
_XPDOTP = 1440.0 / (2.0 * pi)
_JD_EPOCH0 = 2433281.5  # Julian date of 1949-12-31 00:00 UTC
MAX_SATREC_NORAD_ID = 339999  # the largest number sgp4 (Alpha-5) can carry

#: The type of an ``sgp4.api.Satrec`` (sgp4 ships no type information).
Satrec = Any


def tle_epoch_field(epoch: datetime) -> tuple[int, str]:
    """(four-digit year, ``DDD.DDDDDDDD``) of a TLE epoch, rounded to 1e-8 day (864 us)."""
    utc = epoch.astimezone(UTC) if epoch.tzinfo else epoch.replace(tzinfo=UTC)
    delta = utc - datetime(utc.year, 1, 1, tzinfo=UTC)
    micro = (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds
    ticks = (micro * 2 + 864) // (2 * 864)  # units of 1e-8 day, rounded half up
    year, (doy0, frac) = utc.year, divmod(ticks, 100_000_000)
    days_in_year = 366 if (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 else 365
    if doy0 >= days_in_year:  # rounding carried into the next year
        year, doy0 = year + 1, doy0 - days_in_year
    return year, f"{doy0 + 1:03d}.{frac:08d}"


def sgp4_tle_epoch_jd(year: int, days: float) -> tuple[float, float]:
    """Unrounded (jd, jd_frac) as Vallado's C++ ``days2mdhms`` + ``jday`` give them to ``twoline2rv``."""
    lmonth = [0, 31, 29 if year % 4 == 0 else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    dayofyr = floor(days)
    i, inttemp = 1, 0
    while dayofyr > inttemp + lmonth[i] and i < 12:
        inttemp += lmonth[i]
        i += 1
    mon, day = i, dayofyr - inttemp
    temp = (days - dayofyr) * 24.0
    hr = floor(temp)
    temp = (temp - hr) * 60.0
    minute = floor(temp)
    sec = (temp - minute) * 60.0
    jd = (
        367.0 * year
        - floor((7 * (year + floor((mon + 9) / 12.0))) * 0.25)
        + floor(275 * mon / 9.0)
        + day
        + 1721013.5
    )
    jd_frac = (sec + minute * 60.0 + hr * 3600.0) / 86400.0
    if abs(jd_frac) > 1.0:
        whole = floor(jd_frac)
        jd += whole
        jd_frac -= whole
    return jd, jd_frac


def _tle_product(value: float) -> float:
    """``value`` as ``twoline2rv`` computes an implied-decimal field: mantissa * pow(10, exponent)."""
    if value == 0.0:
        return 0.0
    mant, exp = f"{abs(value):.4e}".split("e")
    result: float = float(("-" if value < 0 else "") + "." + mant.replace(".", "")) * pow(10.0, int(exp) + 1)
    return result


def satrec_epoch_days(es: ElementSet) -> float:
    """Epoch as ``sgp4init`` wants it: days since 1949-12-31 00:00 UTC, as sgp4 computes it for the
    set's source (``twoline2rv`` for a TLE-born set, ``sgp4.omm.initialize`` otherwise)."""
    if es.epoch_jd is not None:
        year, days = tle_epoch_field(es.epoch)
        jd, jd_frac = sgp4_tle_epoch_jd(year, float(days))
        return (jd + jd_frac) - _JD_EPOCH0
    naive = es.epoch.astimezone(UTC).replace(tzinfo=None) if es.epoch.tzinfo else es.epoch
    return (naive - _EPOCH0).total_seconds() / 86400.0


def satrec_intldesg(object_id: str | None) -> str:
    """COSPAR id ``1998-067UQ`` -> the TLE designator ``98067UQ`` that Satrec carries."""
    if not object_id:
        return ""
    if len(object_id) > 5 and object_id[4] == "-":
        return object_id[2:].replace("-", "")[:8]
    return object_id[:8]


def to_satrec(es: ElementSet, gravity: int | None = None, opsmode: str = "i") -> Satrec:
    """Build the ``sgp4.api.Satrec`` of ``es`` (WGS72 unless ``gravity`` is another sgp4 constant).

    A set read from a TLE (``epoch_jd`` known) gives exactly ``Satrec.twoline2rv`` of its lines;
    any other set gives exactly ``sgp4.omm.initialize`` of its OMM fields. Raises
    :class:`InvalidArgumentError` for catalog numbers sgp4 cannot hold (> 339999).
    """
    from sgp4.api import WGS72
    from sgp4.api import Satrec as _Satrec

    if not 0 <= es.norad_id <= MAX_SATREC_NORAD_ID:
        raise InvalidArgumentError(
            f"NORAD id {es.norad_id} cannot be carried by sgp4 (0..{MAX_SATREC_NORAD_ID}, Alpha-5)"
        )
    sat = _Satrec()
    from_tle = es.epoch_jd is not None
    if from_tle:
        bstar = _tle_product(es.bstar_per_er)
        ndot = es.mean_motion_dot_rev_day2 / (_XPDOTP * 1440.0)
        nddot = _tle_product(es.mean_motion_ddot_rev_day3) / (_XPDOTP * 1440.0 * 1440)
        no_kozai = es.mean_motion_rev_day / _XPDOTP
    else:
        bstar = es.bstar_per_er
        ndot = es.mean_motion_dot_rev_day2 / _NDOT_UNITS
        nddot = es.mean_motion_ddot_rev_day3 / _NDDOT_UNITS
        no_kozai = es.mean_motion_rev_day / 720.0 * pi
    sat.sgp4init(
        WGS72 if gravity is None else gravity,
        opsmode,
        es.norad_id,
        satrec_epoch_days(es),
        bstar,
        ndot,
        nddot,
        es.eccentricity,
        es.arg_perigee_deg * _TO_RADIANS,
        es.inclination_deg * _TO_RADIANS,
        es.mean_anomaly_deg * _TO_RADIANS,
        no_kozai,
        es.raan_deg * _TO_RADIANS,
    )
    if from_tle:
        # twoline2rv's visible epoch fields: the day as written, the fraction rounded to 8 digits.
        year, days = tle_epoch_field(es.epoch)
        jd, jd_frac = sgp4_tle_epoch_jd(year, float(days))
        sat.jdsatepoch = jd
        sat.jdsatepochF = round(jd_frac * 1e8) / 1e8
        sat.epochyr = year % 100
        sat.epochdays = float(days)
    sat.classification = es.classification or "U"
    sat.intldesg = satrec_intldesg(es.object_id)
    sat.ephtype = int(es.ephemeris_type)
    sat.elnum = int(es.element_set_no)
    sat.revnum = int(es.rev_at_epoch)
    return sat


def to_satrec_array(elsets: Sequence[ElementSet], gravity: int | None = None, opsmode: str = "i") -> Any:
    """An ``sgp4.api.SatrecArray`` of :func:`to_satrec` of each set, in order (for vectorized SGP4)."""
    from sgp4.api import SatrecArray

    return SatrecArray([to_satrec(es, gravity, opsmode) for es in elsets])
