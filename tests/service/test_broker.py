"""The feed relay to NATS JetStream (local server at 127.0.0.1:4222; skipped, with the reason, if absent)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import sys
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from openstc.jobs import broker
from openstc.store.cdms import store_cdms
from openstc.store.db import transaction

NATS_URL = os.environ.get("OPENSTC_TEST_NATS_URL", "nats://127.0.0.1:4222")


def _reachable() -> str:
    host, port = NATS_URL.rsplit("//", 1)[-1].split(":")
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return ""
    except OSError as exc:
        return str(exc)


def test_relay_publishes_each_message_once(sessions, monkeypatch):
    nats = pytest.importorskip("nats")
    why = _reachable()
    if why:
        print(f"\nNATS unreachable at {NATS_URL}, skipping: {why}", file=sys.stderr)
        pytest.skip(f"NATS unreachable: {why}")
    # A private stream name and subject prefix so runs never collide with anything else on the server.
    tag = uuid.uuid4().hex[:8]
    monkeypatch.setattr(broker, "STREAM", f"OPENSTC_TEST_{tag}")
    monkeypatch.setattr(broker, "SUBJECTS", ["gov.tracss.>"])
    now = datetime.now(UTC)
    with transaction(sessions) as s:
        store_cdms(
            s,
            [
                {
                    "MESSAGE_ID": f"N{i}-{tag}",
                    "TCA": (now + timedelta(days=1, minutes=i)).strftime("%Y-%m-%dT%H:%M:%S"),
                    "MISS_DISTANCE": 100.0 + i,
                    "SAT1_OBJECT_DESIGNATOR": "1",
                    "SAT2_OBJECT_DESIGNATOR": str(2 + i),
                }
                for i in range(3)
            ],
        )

    async def scenario() -> tuple[int, int, list[dict]]:
        nc = await nats.connect(NATS_URL)
        js = nc.jetstream()
        try:
            with contextlib.suppress(Exception):  # a leftover of an interrupted run
                await js.delete_stream(broker.STREAM)
            # Another stream may already own gov.tracss.> on a shared server: skip rather than disturb it.
            try:
                await broker.ensure_stream(js)
            except Exception:
                pytest.skip("a stream on this NATS server already covers gov.tracss.>")
            first = await broker.relay_once(sessions, js)
            second = await broker.relay_once(sessions, js)
            sub = await js.pull_subscribe("gov.tracss.tracss.v2.cdms", durable=None, stream=broker.STREAM)
            msgs = await sub.fetch(3, timeout=5)
            got = [json.loads(m.data) for m in msgs]
            return first, second, got
        finally:
            try:
                await js.delete_stream(broker.STREAM)
            finally:
                await nc.close()

    first, second, got = asyncio.run(scenario())
    assert first == 6 and second == 0  # 3 CDMs + 3 events, then nothing new
    assert [m["offset"] for m in got] == [0, 1, 2] and got[0]["MESSAGE_ID"] == f"N0-{tag}"
