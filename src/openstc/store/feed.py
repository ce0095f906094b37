"""The subscriber feed kept in the store: Kafka-like topics with gap-free offsets.

Appends happen inside the caller's transaction, so a CDM and its feed message commit together (or
not at all). Topic names are TraCSS's (``gov.tracss.tracss.v2.cdms`` ...). Each message records
the NORAD ids it concerns and, for candidate data, the one organization allowed to read it; the
API filters on those per caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from openstc.store.db import next_value
from openstc.store.models import FeedMessage, Sequence

TOPIC_CDM_V1 = "gov.tracss.tracss.v1.cdms"
TOPIC_CDM_V2 = "gov.tracss.tracss.v2.cdms"
TOPIC_OCM_V1 = "gov.tracss.parsed.v1.ocms"
TOPIC_OCM_V2 = "gov.tracss.parsed.v2.ocms"
TOPIC_EVENTS = "gov.tracss.conjunction.data.event"
TOPIC_TIP = "gov.tracss.tip.reports"
TOPIC_ANOMALY = "gov.tracss.anomaly.report"
TOPIC_CATALOG = "gov.tracss.parsed.tracsscat"
TOPICS = (
    TOPIC_CDM_V1,
    TOPIC_CDM_V2,
    TOPIC_OCM_V1,
    TOPIC_OCM_V2,
    TOPIC_EVENTS,
    TOPIC_TIP,
    TOPIC_ANOMALY,
    TOPIC_CATALOG,
)


def append(
    s: Session,
    topic: str,
    payloads: Iterable[tuple[dict[str, Any], list[int], int | None, str | None]],
) -> list[int]:
    """Append ``(payload, norad_ids, owner_org_id, designator)`` messages; return their offsets."""
    items = list(payloads)
    if not items:
        return []
    first = next_value(s, "feed:" + topic, len(items))
    now = datetime.now(UTC)
    rows = [
        {
            "topic": topic,
            "offset": first + i,
            "norad_ids": list(norads),
            "owner_org_id": owner,
            "designator": designator,
            "payload": payload,
            "created_at": now,
        }
        for i, (payload, norads, owner, designator) in enumerate(items)
    ]
    s.execute(insert(FeedMessage), rows)
    offsets = [first + i for i in range(len(items))]
    return offsets


def latest_offsets(s: Session) -> dict[str, int]:
    """Each known topic's latest offset (the next offset to be written, as Kafka reports it)."""
    out = {t: 0 for t in TOPICS}
    for name, value in s.execute(
        select(Sequence.name, Sequence.next_value).where(Sequence.name.like("feed:%"))
    ):
        out[name[5:]] = int(value)
    return out


def latest_offset(s: Session, topic: str) -> int:
    value = s.scalar(select(Sequence.next_value).where(Sequence.name == "feed:" + topic))
    return int(value or 0)


def oldest_offset(s: Session, topic: str) -> int | None:
    return s.scalar(select(func.min(FeedMessage.offset)).where(FeedMessage.topic == topic))
