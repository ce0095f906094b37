"""Records the event logic works on: what a CDM contributes to an event, and what a screening covered.

The event layer does not need a whole CDM. :class:`CdmRecord` is the handful of fields that decide
grouping (the object pair and TCA), activity (creation time and the combination of state sources)
and risk (Pc, max Pc, miss distance, covariance size). The CDM writer and the store build these
records from full messages; tests build them directly.

A *state source* names where an object's state came from: ``"SGP4"`` for element sets, the
ephemeris id for an operator's OCM/OEM (``"OCM:<id>"``), ``"CANDIDATE:<id>"`` for a planned-maneuver
ephemeris. TraCSS keeps one active CDM per event *and per combination of sources*: an update built
from the operator's ephemeris does not retire the one built from element sets, and vice versa.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from openstc.errors import InvalidArgumentError


class RiskLevel(StrEnum):
    """CARA's colour scale, by default red Pc >= 1e-4, yellow 1e-7 <= Pc < 1e-4, green below."""

    RED = "RED"
    YELLOW = "YELLOW"
    GREEN = "GREEN"
    UNKNOWN = "UNKNOWN"  # Pc could not be computed (no covariance, failed method)


@dataclass(frozen=True, slots=True)
class RiskThresholds:
    """Pc thresholds of the risk scale; configurable per deployment or organization."""

    red: float = 1e-4
    yellow: float = 1e-7

    def __post_init__(self) -> None:
        if not (0.0 < self.yellow < self.red <= 1.0):
            raise InvalidArgumentError(
                "risk thresholds must satisfy 0 < yellow < red <= 1, "
                f"got yellow={self.yellow}, red={self.red}"
            )

    def classify(self, pc: float | None) -> RiskLevel:
        if pc is None:
            return RiskLevel.UNKNOWN
        if pc >= self.red:
            return RiskLevel.RED
        if pc >= self.yellow:
            return RiskLevel.YELLOW
        return RiskLevel.GREEN


@dataclass(frozen=True, slots=True)
class CdmRecord:
    """The part of a CDM that events are made of."""

    message_id: str
    creation_date: datetime
    tca: datetime
    object1_id: str
    object2_id: str
    object1_source: str = "SGP4"
    object2_source: str = "SGP4"
    miss_distance_m: float = float("nan")
    pc: float | None = None
    max_pc: float | None = None
    # A scalar size of the combined position covariance (e.g. sqrt of the larger eigenvalue of the
    # 2x2 encounter-plane covariance, m); None for element-set-only conjunctions.
    covariance_size_m: float | None = None
    screening_id: str | None = None

    def __post_init__(self) -> None:
        for name in ("creation_date", "tca"):
            value = getattr(self, name)
            if value.tzinfo is None:
                raise InvalidArgumentError(f"CdmRecord.{name} must be a timezone-aware UTC datetime")
        if self.object1_id == self.object2_id:
            raise InvalidArgumentError(
                f"a conjunction needs two different objects, got {self.object1_id} twice"
            )

    @property
    def pair(self) -> tuple[str, str]:
        """The unordered object pair, in a canonical order."""
        a, b = self.object1_id, self.object2_id
        return (a, b) if _id_key(a) <= _id_key(b) else (b, a)

    @property
    def source_combination(self) -> tuple[tuple[str, str], tuple[str, str]]:
        """(object, source) for both objects in pair order: the key of TraCSS's 'same combination'."""
        source = {self.object1_id: self.object1_source, self.object2_id: self.object2_source}
        a, b = self.pair
        return ((a, source[a]), (b, source[b]))


@dataclass(frozen=True, slots=True)
class ScreeningRecord:
    """A completed screening: when it finished, what it covered, which CDMs it produced.

    ``covers(object1, object2, tca)`` says whether this screening examined that pair at that time
    with the given sources; a screening that covered an event's pair and TCA after the event's CDM
    was issued, and produced no CDM for it, retires that CDM.
    """

    screening_id: str
    completed_at: datetime
    window_start: datetime
    window_stop: datetime
    covers_pair: Callable[[str, str], bool]
    # The state source used for each object in this screening, e.g. {"25544": "OCM:abc"}; objects
    # not named used element sets ("SGP4").
    sources: dict[str, str] = field(default_factory=dict)

    def source_of(self, object_id: str) -> str:
        return self.sources.get(object_id, "SGP4")

    def covers(self, record: CdmRecord) -> bool:
        """Whether this screening re-examined the same pair, time and source combination."""
        if not (self.window_start <= record.tca <= self.window_stop):
            return False
        if not self.covers_pair(record.object1_id, record.object2_id):
            return False
        return (
            self.source_of(record.object1_id) == record.object1_source
            and self.source_of(record.object2_id) == record.object2_source
        )


def _id_key(object_id: str) -> tuple[int, int | str]:
    """Sort NORAD ids numerically and anything else after them, as text."""
    return (0, int(object_id)) if object_id.isdigit() else (1, object_id)
