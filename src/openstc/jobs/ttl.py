"""Time-to-live clean-up per handbook Table 6.7.1, recorded as a provenance row.

The metadata endpoints already hide CDMs older than 10 days and OCMs whose stop time is more than 5
days old; this job deletes what Bulk Data no longer serves either: CDMs 30 days after their
creation, OCMs 30 days after upload (and 5 days past their stop time), feed messages after 30 days,
and conjunction events whose TCA is 30 days gone and whose latest CDM is too (an event lives as long
as one of its CDMs is served: a screening of an old catalog snapshot, as ``openstc run`` does with the
bundled one, makes new CDMs of past TCAs).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session, sessionmaker

from openstc.store.db import transaction
from openstc.store.models import Cdm, ConjunctionEvent, Ephemeris, FeedMessage, ScreeningRun

CDM_BULK_TTL = timedelta(days=30)
OCM_BULK_TTL = timedelta(days=30)
OCM_AFTER_STOP = timedelta(days=5)
FEED_TTL = timedelta(days=30)
EVENT_TTL = timedelta(days=30)


@dataclass(frozen=True)
class CleanupCounts:
    cdms: int
    ocms: int
    feed: int
    events: int


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def cleanup(sessions: sessionmaker[Session], now: datetime) -> CleanupCounts:
    """Delete expired items in one transaction and record a TTL_CLEANUP run."""
    with transaction(sessions) as s:
        n_cdm = _rowcount(s.execute(delete(Cdm).where(Cdm.creation_date < now - CDM_BULK_TTL)))
        n_ocm = _rowcount(
            s.execute(
                delete(Ephemeris).where(
                    Ephemeris.uploaded_at < now - OCM_BULK_TTL,
                    or_(Ephemeris.stop_time.is_(None), Ephemeris.stop_time < now - OCM_AFTER_STOP),
                )
            )
        )
        n_feed = _rowcount(s.execute(delete(FeedMessage).where(FeedMessage.created_at < now - FEED_TTL)))
        n_ev = _rowcount(
            s.execute(
                delete(ConjunctionEvent).where(
                    ConjunctionEvent.tca < now - EVENT_TTL,
                    ConjunctionEvent.creation_date < now - CDM_BULK_TTL,
                )
            )
        )
        counts = CleanupCounts(n_cdm, n_ocm, n_feed, n_ev)
        s.add(
            ScreeningRun(
                run_type="TTL_CLEANUP",
                correlation_id=str(uuid.uuid4()),
                status="COMPLETED",
                queued_at=now,
                started_at=now,
                finished_at=now,
                message=f"deleted {n_cdm} CDMs, {n_ocm} OCMs, {n_feed} feed messages, {n_ev} events",
            )
        )
    return counts
