"""Relaying the store's feed to NATS JetStream when ``OPENSTC_BROKER_URL`` is set (outbox pattern).

The feed table stays the source of truth (the subscriber API reads it); this relay publishes every
message, in offset order, to the JetStream subject named like its TraCSS topic
(``gov.tracss.tracss.v2.cdms`` ...), in a stream ``OPENSTC`` covering ``gov.tracss.>``. The next
offset to publish per topic is kept in the store (``broker:<topic>`` sequences) and advanced only
after JetStream acknowledges, and each message carries ``Nats-Msg-Id = <topic>:<offset>``, so a
relay restarted after a crash republishes at most a few messages and JetStream drops the duplicates.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from openstc.store import feed
from openstc.store.db import transaction
from openstc.store.models import FeedMessage, Sequence

log = logging.getLogger("openstc.broker")
STREAM = "OPENSTC"
SUBJECTS = ["gov.tracss.>"]
BATCH = 500


def _position(s: Session, topic: str) -> int:
    value = s.scalar(select(Sequence.next_value).where(Sequence.name == "broker:" + topic))
    return int(value or 0)


def _advance(sessions: sessionmaker[Session], topic: str, next_offset: int) -> None:
    with transaction(sessions) as s:
        row = s.get(Sequence, "broker:" + topic, with_for_update=True)
        if row is None:
            s.add(Sequence(name="broker:" + topic, next_value=next_offset))
        elif next_offset > row.next_value:
            row.next_value = next_offset


async def ensure_stream(js: Any) -> None:
    """Create the OPENSTC stream when it does not exist (idempotent)."""
    try:
        await js.stream_info(STREAM)
    except Exception:  # nats raises NotFoundError; any failure here means "try to create it"
        await js.add_stream(name=STREAM, subjects=SUBJECTS)


async def relay_once(sessions: sessionmaker[Session], js: Any) -> int:
    """Publish every feed message not yet published; returns how many were published."""
    published = 0
    for topic in feed.TOPICS:
        while True:
            with sessions() as s:
                start = _position(s, topic)
                rows = list(
                    s.scalars(
                        select(FeedMessage)
                        .where(FeedMessage.topic == topic, FeedMessage.offset >= start)
                        .order_by(FeedMessage.offset)
                        .limit(BATCH)
                    )
                )
            if not rows:
                break
            last = start
            for m in rows:
                body = json.dumps(
                    {"offset": m.offset, **m.payload}, separators=(",", ":"), default=str
                ).encode()
                await js.publish(
                    topic, body, headers={"Nats-Msg-Id": f"{topic}:{m.offset}", "Offset": str(m.offset)}
                )
                last = m.offset + 1
                published += 1
            _advance(sessions, topic, last)
    return published


async def relay_forever(sessions: sessionmaker[Session], url: str, interval_s: float = 2.0) -> None:
    """Connect to ``url`` and relay until cancelled (used by ``openstc serve``)."""
    import asyncio

    import nats

    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        await ensure_stream(js)
        while True:
            try:
                await relay_once(sessions, js)
            except Exception:  # a broker hiccup must not stop the relay; the store keeps the messages
                log.exception("feed relay failed; retrying")
            await asyncio.sleep(interval_s)
    finally:
        await nc.close()
