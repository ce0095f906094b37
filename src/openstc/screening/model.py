"""Records of a screening run: inputs (objects, configuration, shards) and outputs (conjunctions,
failures, statistics), plus their flat CSV/JSON forms.

Everything here is plain data (picklable, so shards travel to worker processes and Dask workers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from openstc.formats.elset import ElementSet
from openstc.screening.ephemeris import Ephemeris
from openstc.screening.volumes import Volume

F64 = npt.NDArray[np.float64]
DAY_S = 86400.0


@dataclass(frozen=True)
class ScreeningObject:
    """One object to screen: an element set (SGP4) or an operator ephemeris."""

    norad_id: int
    elset: ElementSet | None = None
    ephemeris: Ephemeris | None = None
    name: str | None = None
    object_type: str = "UNKNOWN"  # PAYLOAD, ROCKET BODY, DEBRIS, UNKNOWN

    @classmethod
    def from_elset(cls, e: ElementSet, object_type: str | None = None) -> ScreeningObject:
        return cls(
            e.norad_id, elset=e, name=e.object_name, object_type=object_type or guess_type(e.object_name)
        )

    @classmethod
    def from_ephemeris(cls, eph: Ephemeris) -> ScreeningObject:
        return cls(eph.norad_id, ephemeris=eph, name=eph.name, object_type=eph.object_type)


def guess_type(name: str | None) -> str:
    """Object type from a catalog name, as CelesTrak/Space-Track names mark them (" DEB", " R/B")."""
    if not name:
        return "UNKNOWN"
    up = name.upper()
    if " DEB" in up or up.endswith("DEB") or "COOLANT" in up:
        return "DEBRIS"
    if " R/B" in up or "R/B" in up:
        return "ROCKET BODY"
    if up.startswith("TBA") or up.startswith("OBJECT "):
        return "UNKNOWN"
    return "PAYLOAD"


@dataclass(frozen=True)
class ScreeningConfig:
    """What to screen and how. ``volume`` is a :class:`Volume` or ``"tracss"``/``"tracss-ocm"``."""

    start: datetime
    duration_s: float
    volume: Volume | str
    primaries: frozenset[int] | None = None  # NORAD IDs; None = all vs all
    max_elset_age_s: float = 10.0 * DAY_S
    coarse_step_s: float = 600.0
    sub_steps: int = 10
    chunk_s: float = 6 * 3600.0
    error_safety: float = 3.0
    margin_floor_m: float = 50.0


@dataclass(frozen=True)
class Shard:
    """An independent piece of a run: a time window (seconds from start) x a block of object indices
    (the pairs owned by the block: those whose first primary member lies in it)."""

    index: int
    t_start_s: float
    t_end_s: float
    block: tuple[int, int] | None = None
    # which of the run's time pieces this is: the failure checks of objects the radius filter drops are
    # shared out among the pieces (each checks its share over the whole window), not repeated by each
    piece: int = 0
    pieces: int = 1


@dataclass(frozen=True)
class Failure:
    norad_id: int
    name: str | None
    reason: str
    at: datetime | None  # first instant of the window where the object failed (None: at load)


@dataclass(frozen=True)
class ObjectState:
    r_m: tuple[float, float, float]
    v_m_s: tuple[float, float, float]
    covariance_rtn: tuple[tuple[float, ...], ...] | None = None  # 6x6, m and m/s, the object's RTN


@dataclass(frozen=True)
class Conjunction:
    """One close approach (a local minimum of range) that entered the primary's screening volume."""

    object1_norad_id: int
    object2_norad_id: int
    object1_name: str | None
    object2_name: str | None
    tca: datetime
    miss_distance_m: float
    relative_speed_m_s: float
    miss_rtn_m: tuple[float, float, float]  # secondary - primary, primary's RTN
    relative_velocity_rtn_m_s: tuple[float, float, float]
    approach_angle_deg: float  # angle between the two velocity vectors
    entry: datetime | None
    exit: datetime | None
    volume: str
    object1_state: ObjectState
    object2_state: ObjectState
    object1_elset_age_days: float | None
    object2_elset_age_days: float | None
    object1_elset_stale: bool
    object2_elset_stale: bool
    frame: str = "TEME"

    def key(self) -> tuple[int, int, str]:
        return (self.object1_norad_id, self.object2_norad_id, iso_ms(self.tca))


@dataclass
class ShardStats:
    objects: int = 0
    propagations: int = 0
    candidates: int = 0
    pairs_examined: int = 0
    refinements: int = 0
    stage_s: dict[str, float] = field(default_factory=dict)

    def add(self, other: ShardStats) -> None:
        self.objects = max(self.objects, other.objects)
        self.propagations += other.propagations
        self.candidates += other.candidates
        self.pairs_examined += other.pairs_examined
        self.refinements += other.refinements
        for k, v in other.stage_s.items():
            self.stage_s[k] = self.stage_s.get(k, 0.0) + v


@dataclass
class ShardResult:
    shard: Shard
    conjunctions: list[Conjunction]
    failures: list[Failure]
    stats: ShardStats


def iso_ms(t: datetime) -> str:
    """ISO 8601 UTC with milliseconds and ``Z`` (rounded to the nearest millisecond)."""
    from datetime import timedelta

    us = t.microsecond
    t_r = t.replace(microsecond=0) + timedelta(milliseconds=round(us / 1000.0))
    return t_r.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t_r.microsecond // 1000:03d}Z"


CSV_COLUMNS = [
    "object1_norad_id",
    "object2_norad_id",
    "tca",
    "miss_distance_m",
    "relative_speed_m_s",
    "object1_name",
    "object2_name",
    "radial_m",
    "in_track_m",
    "cross_track_m",
    "relative_velocity_r_m_s",
    "relative_velocity_t_m_s",
    "relative_velocity_n_m_s",
    "approach_angle_deg",
    "volume_entry",
    "volume_exit",
    "volume",
    "object1_x_m",
    "object1_y_m",
    "object1_z_m",
    "object1_vx_m_s",
    "object1_vy_m_s",
    "object1_vz_m_s",
    "object2_x_m",
    "object2_y_m",
    "object2_z_m",
    "object2_vx_m_s",
    "object2_vy_m_s",
    "object2_vz_m_s",
    "object1_has_covariance",
    "object2_has_covariance",
    "object1_elset_age_days",
    "object2_elset_age_days",
    "object1_elset_stale",
    "object2_elset_stale",
    "frame",
]


def _f(x: float | None, nd: int = 3) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return ""
    return f"{x:.{nd}f}"


def conjunction_row(c: Conjunction) -> list[str]:
    """The CSV row of a conjunction, in :data:`CSV_COLUMNS` order."""
    s1, s2 = c.object1_state, c.object2_state
    return [
        str(c.object1_norad_id),
        str(c.object2_norad_id),
        iso_ms(c.tca),
        _f(c.miss_distance_m),
        _f(c.relative_speed_m_s),
        c.object1_name or "",
        c.object2_name or "",
        *(_f(x) for x in c.miss_rtn_m),
        *(_f(x) for x in c.relative_velocity_rtn_m_s),
        _f(c.approach_angle_deg, 4),
        iso_ms(c.entry) if c.entry else "",
        iso_ms(c.exit) if c.exit else "",
        c.volume,
        *(_f(x) for x in s1.r_m),
        *(_f(x, 6) for x in s1.v_m_s),
        *(_f(x) for x in s2.r_m),
        *(_f(x, 6) for x in s2.v_m_s),
        "true" if s1.covariance_rtn is not None else "false",
        "true" if s2.covariance_rtn is not None else "false",
        _f(c.object1_elset_age_days, 4),
        _f(c.object2_elset_age_days, 4),
        "true" if c.object1_elset_stale else "false",
        "true" if c.object2_elset_stale else "false",
        c.frame,
    ]


def conjunction_dict(c: Conjunction) -> dict[str, Any]:
    """JSON-ready dict of a conjunction (states, covariances and all)."""

    def state(s: ObjectState) -> dict[str, Any]:
        return {
            "r_m": list(s.r_m),
            "v_m_s": list(s.v_m_s),
            "covariance_rtn": [list(row) for row in s.covariance_rtn] if s.covariance_rtn else None,
        }

    return {
        "object1_norad_id": c.object1_norad_id,
        "object2_norad_id": c.object2_norad_id,
        "tca": iso_ms(c.tca),
        "miss_distance_m": c.miss_distance_m,
        "relative_speed_m_s": c.relative_speed_m_s,
        "object1_name": c.object1_name,
        "object2_name": c.object2_name,
        "miss_rtn_m": list(c.miss_rtn_m),
        "relative_velocity_rtn_m_s": list(c.relative_velocity_rtn_m_s),
        "approach_angle_deg": c.approach_angle_deg,
        "volume_entry": iso_ms(c.entry) if c.entry else None,
        "volume_exit": iso_ms(c.exit) if c.exit else None,
        "volume": c.volume,
        "object1_state": state(c.object1_state),
        "object2_state": state(c.object2_state),
        "object1_elset_age_days": c.object1_elset_age_days,
        "object2_elset_age_days": c.object2_elset_age_days,
        "object1_elset_stale": c.object1_elset_stale,
        "object2_elset_stale": c.object2_elset_stale,
        "frame": c.frame,
    }
