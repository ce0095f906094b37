"""The mean-element set that SGP4/SDP4 consumes, as TLEs and OMMs (SGP4 theory) carry it.

:class:`ElementSet` is the one record that the TLE reader, the OMM/catalog readers and the
propagator exchange. It keeps the element set's own conventions, so nothing is lost between a TLE,
its OMM twin and ``sgp4``: angles in degrees, mean motion in revolutions per day, ``MEAN_MOTION_DOT``
as the TLE line-1 field (already n-dot/2, rev/day^2, the Space-Track/CelesTrak/sgp4 convention),
``MEAN_MOTION_DDOT`` as n-ddot/6 (rev/day^3), ``BSTAR`` in 1/earth-radii. Field names carry these
units because they are not SI. The epoch is a UTC-aware datetime (microsecond resolution; the exact
fractional day of a TLE is kept in ``epoch_jd``/``epoch_jd_frac`` when known so a TLE -> OMM -> TLE
trip reproduces ``sgp4``'s Satrec exactly).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


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
