"""Running screenings: routine runs on the schedule and the on-demand queue, with provenance.

The screening engine is passed in (``screen: ScreenFn``), so the runner is testable without it and
the engine stays pure. Every run is a ``screening_runs`` row: QUEUED -> RUNNING -> COMPLETED or
FAILED, with times, counts and per-object failures. On-demand runs (queued by OCM uploads) are
taken one at a time in arrival order and wait while a routine run is in progress; their CDMs
carry the upload's batch id and, for candidate OCMs, are private to the uploading organization.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from openstc.jobs.schedule import ALL_VS_ALL, PAYLOAD_VS_ALL, TABLE_3_2_1, Schedule, occurrences
from openstc.store.cdms import store_cdms
from openstc.store.db import transaction
from openstc.store.models import CatalogObject, Ephemeris, ScreeningRun, UploadBatch

log = logging.getLogger("openstc.jobs")


@dataclass(frozen=True)
class EphemerisInput:
    message_id: str
    norad_id: int | None
    candidate: bool
    text: str


@dataclass(frozen=True)
class ScreeningRequest:
    """What to screen. ``primaries`` None means every catalog object (All-vs-All)."""

    run_type: str
    correlation_id: str
    started_at: datetime
    primaries: list[int] | None = None
    ephemerides: list[EphemerisInput] = field(default_factory=list)
    batch_id: str | None = None


@dataclass
class ScreeningResult:
    cdms: list[dict[str, Any]] = field(default_factory=list)  # UPPER_SNAKE keyword dicts
    primaries: int = 0
    secondaries: int = 0
    conjunctions: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)  # {"noradId", "code", "reason"}


ScreenFn = Callable[[ScreeningRequest], ScreeningResult]
Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Runner:
    """Routine and on-demand screening against one store. Call :meth:`tick` periodically."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        screen: ScreenFn,
        schedule: Schedule = TABLE_3_2_1,
        clock: Clock = _utcnow,
        catch_up: timedelta = timedelta(hours=2),
    ) -> None:
        self.sessions = sessions
        self.screen = screen
        self.schedule = schedule
        self.clock = clock
        # A slot missed by more than this (server down) is skipped rather than run late.
        self.catch_up = catch_up

    # --- routine --------------------------------------------------------------------------

    def due_routine(self, now: datetime) -> list[tuple[datetime, str]]:
        """Slots in the catch-up window not yet recorded as runs."""
        due = []
        with self.sessions() as s:
            for when, kind in occurrences(self.schedule, now - self.catch_up, now):
                exists = s.scalar(
                    select(ScreeningRun.id).where(
                        ScreeningRun.scheduled_for == when, ScreeningRun.run_type == kind
                    )
                )
                if exists is None:
                    due.append((when, kind))
        return due

    def run_routine(self, kind: str, scheduled_for: datetime | None = None) -> ScreeningRun:
        primaries: list[int] | None = None
        with self.sessions() as s:
            if kind == PAYLOAD_VS_ALL:
                primaries = list(
                    s.scalars(select(CatalogObject.norad_id).where(CatalogObject.object_type == "PAYLOAD"))
                )
            ephs = [
                EphemerisInput(e.message_id, e.norad_id, False, e.raw_text)
                for e in s.scalars(
                    select(Ephemeris).where(
                        Ephemeris.purpose == "OPERATIONAL", Ephemeris.stop_time >= self.clock()
                    )
                )
            ]
        assert kind in (ALL_VS_ALL, PAYLOAD_VS_ALL), kind
        run = self._start(kind, scheduled_for=scheduled_for)
        req = ScreeningRequest(kind, run.correlation_id, self.clock(), primaries, ephs)
        return self._execute(run, req, candidate_owner=None)

    # --- on demand ------------------------------------------------------------------------

    def routine_in_progress(self) -> bool:
        with self.sessions() as s:
            running = s.scalar(
                select(ScreeningRun.id).where(
                    ScreeningRun.status == "RUNNING", ScreeningRun.run_type.in_((ALL_VS_ALL, PAYLOAD_VS_ALL))
                )
            )
        return running is not None

    def run_next_on_demand(self) -> ScreeningRun | None:
        """Take the oldest QUEUED on-demand run, unless a routine run is in progress."""
        if self.routine_in_progress():
            return None
        with self.sessions() as s:
            run = s.scalar(
                select(ScreeningRun)
                .where(ScreeningRun.status == "QUEUED", ScreeningRun.run_type.like("ON_DEMAND%"))
                .order_by(ScreeningRun.queued_at, ScreeningRun.id)
                .limit(1)
            )
            if run is None:
                return None
            # Claim it atomically so two workers never run the same upload.
            claimed = s.execute(
                update(ScreeningRun)
                .where(ScreeningRun.id == run.id, ScreeningRun.status == "QUEUED")
                .values(status="RUNNING", started_at=self.clock())
            )
            s.commit()
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return None
            batch = s.get(UploadBatch, run.batch_id) if run.batch_id else None
            ephs = list(s.scalars(select(Ephemeris).where(Ephemeris.batch_id == run.batch_id)))
            trigger = bool(batch and batch.trigger_ca)
            inputs = [
                EphemerisInput(e.message_id, e.norad_id, e.purpose == "CANDIDATE", e.raw_text)
                for e in ephs
                if e.purpose == "CANDIDATE" or trigger
            ]
            s.refresh(run)
        owner = run.requested_by_org_id if any(e.candidate for e in inputs) else None
        req = ScreeningRequest(
            run.run_type,
            run.correlation_id,
            self.clock(),
            [e.norad_id for e in inputs if e.norad_id],
            inputs,
            run.batch_id,
        )
        return self._execute(run, req, candidate_owner=owner)

    # --- common ---------------------------------------------------------------------------

    def _start(self, kind: str, scheduled_for: datetime | None = None) -> ScreeningRun:
        with transaction(self.sessions) as s:
            run = ScreeningRun(
                run_type=kind,
                correlation_id=str(uuid.uuid4()),
                status="RUNNING",
                scheduled_for=scheduled_for,
                queued_at=self.clock(),
                started_at=self.clock(),
            )
            s.add(run)
        return run

    def _execute(self, run: ScreeningRun, req: ScreeningRequest, candidate_owner: int | None) -> ScreeningRun:
        try:
            result = self.screen(req)
        except Exception as exc:  # the engine failing must be recorded, never kill the scheduler
            log.exception("screening %s failed", run.correlation_id)
            return self._finish(run.id, "FAILED", message=f"{type(exc).__name__}: {exc}")
        try:
            with transaction(self.sessions) as s:
                store_cdms(
                    s,
                    result.cdms,
                    correlation_id=run.correlation_id,
                    batch_id=run.batch_id,
                    run_id=run.id,
                    candidate=candidate_owner is not None,
                    owner_org_id=candidate_owner,
                )
                r = s.get(ScreeningRun, run.id)
                assert r is not None
                r.status = "COMPLETED"
                r.finished_at = self.clock()
                r.primaries, r.secondaries = result.primaries, result.secondaries
                r.conjunctions, r.cdms = result.conjunctions, len(result.cdms)
                r.failures = list(result.failures)
                if run.batch_id:
                    b = s.get(UploadBatch, run.batch_id)
                    if b is not None:
                        b.cdm_found = bool(result.cdms)
                        b.status = "COMPLETED"
            with self.sessions() as s:
                done = s.get(ScreeningRun, run.id)
                assert done is not None
                return done
        except Exception as exc:  # storing failed: nothing of this run's CDMs remains (one transaction)
            log.exception("storing results of %s failed", run.correlation_id)
            return self._finish(
                run.id, "FAILED", message=f"storing results failed: {type(exc).__name__}: {exc}"
            )

    def _finish(self, run_id: int, status: str, message: str | None = None) -> ScreeningRun:
        with transaction(self.sessions) as s:
            r = s.get(ScreeningRun, run_id)
            assert r is not None
            r.status, r.finished_at, r.message = status, self.clock(), message
        return r

    def recover_interrupted(self) -> int:
        """Mark runs left RUNNING by a process that is gone as FAILED; returns how many.

        Call once when the scheduler starts (one scheduler per store): a run left RUNNING by a crash or a
        killed server would otherwise make :meth:`run_next_on_demand` wait for it forever."""
        with transaction(self.sessions) as s:
            stale = list(s.scalars(select(ScreeningRun).where(ScreeningRun.status == "RUNNING")))
            for r in stale:
                r.status, r.finished_at = "FAILED", self.clock()
                r.message = "the server stopped during the run"
        return len(stale)

    def tick(self) -> list[ScreeningRun]:
        """Run what is due now: routine slots first (they take precedence), then one on-demand run."""
        done = []
        now = self.clock()
        for when, kind in self.due_routine(now):
            done.append(self.run_routine(kind, scheduled_for=when))
        nxt = self.run_next_on_demand()
        if nxt is not None:
            done.append(nxt)
        return done
