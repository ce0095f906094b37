"""Group CDMs into conjunction events, decide which CDMs are active, and rate each event's risk.

An *event* is one close approach of one object pair: every CDM for that pair whose TCA lies within a
tolerance of the event's current TCA (the TCA of its newest CDM, so an event follows the small TCA
drift between orbit updates). Two approaches of the same pair in one screening window are minutes to
hours apart and become two events.

A CDM is *active* until either

* a newer CDM for the same event and the same combination of state sources exists, or
* a newer screening that covered the pair, the event's TCA and the same sources produced no CDM for
  the event (the conjunction went away).

Everything here is deterministic and independent of input order: the store recomputes a pair's events
from its CDMs whenever one arrives, and the event ids stay stable because they derive from the first
CDM of each event.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from openstc.errors import InvalidArgumentError
from openstc.events.model import CdmRecord, RiskLevel, RiskThresholds, ScreeningRecord

DEFAULT_TCA_TOLERANCE_S = 300.0


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    """One CDM's figures in an event's history, for trend plots."""

    message_id: str
    creation_date: datetime
    tca: datetime
    pc: float | None
    max_pc: float | None
    miss_distance_m: float
    covariance_size_m: float | None
    is_active: bool
    sources: tuple[tuple[str, str], tuple[str, str]]


@dataclass(slots=True)
class ConjunctionEvent:
    """One close approach of one pair, with its CDMs in creation order."""

    event_id: str
    object1_id: str
    object2_id: str
    cdms: list[CdmRecord] = field(default_factory=list)
    active: dict[str, bool] = field(default_factory=dict)

    @property
    def latest(self) -> CdmRecord:
        return self.cdms[-1]

    @property
    def tca(self) -> datetime:
        """The event's current TCA: that of its newest CDM."""
        return self.latest.tca

    @property
    def active_cdms(self) -> list[CdmRecord]:
        return [c for c in self.cdms if self.active.get(c.message_id, False)]

    @property
    def is_active(self) -> bool:
        return any(self.active.values())

    @property
    def min_miss_distance_m(self) -> float:
        return min(c.miss_distance_m for c in self.cdms)

    def current_pc(self) -> float | None:
        """The highest Pc among the active CDMs (the operator's worst current case); None if none has one."""
        pcs = [c.pc for c in self.active_cdms if c.pc is not None]
        return max(pcs) if pcs else None

    def risk(self, thresholds: RiskThresholds | None = None) -> RiskLevel:
        return (thresholds or RiskThresholds()).classify(self.current_pc())

    def history(self) -> list[HistoryPoint]:
        return [
            HistoryPoint(
                message_id=c.message_id,
                creation_date=c.creation_date,
                tca=c.tca,
                pc=c.pc,
                max_pc=c.max_pc,
                miss_distance_m=c.miss_distance_m,
                covariance_size_m=c.covariance_size_m,
                is_active=self.active.get(c.message_id, False),
                sources=c.source_combination,
            )
            for c in self.cdms
        ]


def event_id_for(first: CdmRecord) -> str:
    """A stable, readable event id from the event's first CDM: pair and TCA to the millisecond."""
    a, b = first.pair
    stamp = first.tca.strftime("%Y%m%dT%H%M%S") + f"{first.tca.microsecond // 1000:03d}"
    return f"{a}_{b}_{stamp}"


def group_events(
    cdms: Iterable[CdmRecord],
    *,
    tca_tolerance_s: float = DEFAULT_TCA_TOLERANCE_S,
    screenings: Sequence[ScreeningRecord] = (),
) -> list[ConjunctionEvent]:
    """Group ``cdms`` into events and mark each CDM active or not.

    ``tca_tolerance_s`` is how far a CDM's TCA may lie from an event's current TCA to join it. It must
    stay well below half the shortest orbital period screened (about 44 min in LEO) so that two
    approaches of one pair never merge. Returns events ordered by TCA, then id.
    """
    if not tca_tolerance_s > 0:
        raise InvalidArgumentError(f"tca_tolerance_s must be > 0 s, got {tca_tolerance_s}")
    by_pair: dict[tuple[str, str], list[CdmRecord]] = defaultdict(list)
    seen: set[str] = set()
    for cdm in cdms:
        if cdm.message_id in seen:
            raise InvalidArgumentError(f"duplicate CDM MESSAGE_ID {cdm.message_id!r}")
        seen.add(cdm.message_id)
        by_pair[cdm.pair].append(cdm)

    events: list[ConjunctionEvent] = []
    for pair, records in by_pair.items():
        events.extend(_group_pair(pair, records, tca_tolerance_s))
    for event in events:
        _mark_active(event, screenings)
    events.sort(key=lambda e: (e.tca, e.event_id))
    return events


def _group_pair(
    pair: tuple[str, str], records: list[CdmRecord], tolerance_s: float
) -> list[ConjunctionEvent]:
    # Creation order, so that each event's "current TCA" is the one an operator saw last.
    records = sorted(records, key=lambda c: (c.creation_date, c.message_id))
    events: list[ConjunctionEvent] = []
    for cdm in records:
        best: ConjunctionEvent | None = None
        best_gap = tolerance_s
        for event in events:
            gap = abs((cdm.tca - event.tca).total_seconds())
            if gap <= best_gap:
                best, best_gap = event, gap
        if best is None:
            best = ConjunctionEvent(event_id=event_id_for(cdm), object1_id=pair[0], object2_id=pair[1])
            events.append(best)
        best.cdms.append(cdm)
    return events


def _mark_active(event: ConjunctionEvent, screenings: Sequence[ScreeningRecord]) -> None:
    newest_by_sources: dict[tuple[tuple[str, str], tuple[str, str]], CdmRecord] = {}
    for cdm in event.cdms:  # creation order: the last one per combination wins
        newest_by_sources[cdm.source_combination] = cdm
    producing = {c.screening_id for c in event.cdms if c.screening_id is not None}
    for cdm in event.cdms:
        active = newest_by_sources[cdm.source_combination] is cdm
        if active:
            for screening in screenings:
                if (
                    screening.completed_at > cdm.creation_date
                    and screening.screening_id not in producing
                    and screening.covers(cdm)
                ):
                    active = False
                    break
        event.active[cdm.message_id] = active
