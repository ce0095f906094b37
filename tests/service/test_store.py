"""The store on both backends: migration, UTC round trip, transactions, counters, feed offsets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, inspect, select

from openstc.store import feed
from openstc.store.cdms import store_cdms
from openstc.store.db import next_value, transaction
from openstc.store.models import Base, Cdm, ConjunctionEvent, FeedMessage, Organization


def test_migration_creates_every_model_table(engine):
    tables = set(inspect(engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= tables
    assert "alembic_version" in tables


def test_times_round_trip_as_utc(sessions):
    t = datetime(2024, 3, 10, 12, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    with transaction(sessions) as s:
        org = Organization(name="x", kind="OO", created_at=t)
        s.add(org)
    with sessions() as s:
        got = s.scalar(select(Organization.created_at))
    assert got == t and got.tzinfo is not None and got.utcoffset() == timedelta(0)


def test_naive_time_refused(sessions):
    with pytest.raises(Exception, match="naive"), transaction(sessions) as s:
        s.add(Organization(name="y", kind="OO", created_at=datetime(2024, 1, 1)))
        s.flush()


def _cdm(i: int, o1: str = "1001", o2: str = "3001", tca: str = "2030-01-01T00:00:00") -> dict:
    return {
        "MESSAGE_ID": f"M{i}",
        "CREATION_DATE": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        "TCA": tca,
        "MISS_DISTANCE": 100.0 + i,
        "COLLISION_PROBABILITY": 1e-5,
        "SAT1_OBJECT_DESIGNATOR": o1,
        "SAT2_OBJECT_DESIGNATOR": o2,
    }


def test_failed_write_leaves_nothing(sessions):
    with pytest.raises(Exception), transaction(sessions) as s:  # noqa: B017 - any error must roll back
        store_cdms(s, [_cdm(1), {"MESSAGE_ID": "bad", "TCA": "2030-01-01", "MISS_DISTANCE": "x"}])
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Cdm)) == 0
        assert s.scalar(select(func.count()).select_from(FeedMessage)) == 0
        assert feed.latest_offset(s, feed.TOPIC_CDM_V2) == 0


def test_cdm_counters_events_and_feed(sessions):
    with transaction(sessions) as s:
        store_cdms(s, [_cdm(1), _cdm(2)], correlation_id="c1")
    with transaction(sessions) as s:
        store_cdms(s, [_cdm(3)], correlation_id="c2")
    with sessions() as s:
        counters = list(s.scalars(select(Cdm.counter).order_by(Cdm.counter)))
        assert counters == [1, 2, 3]
        ev = s.scalars(select(ConjunctionEvent)).all()
        assert len(ev) == 1 and ev[0].cdm_message_ids == ["M1", "M2", "M3"]
        assert ev[0].miss_distance_m == pytest.approx(103.0, abs=1e-9)  # metres: the latest CDM
        offsets = list(s.scalars(select(FeedMessage.offset).where(FeedMessage.topic == feed.TOPIC_CDM_V2)))
        assert sorted(offsets) == [0, 1, 2]
        assert feed.latest_offsets(s)[feed.TOPIC_CDM_V2] == 3


def test_sequences_are_gap_free_after_rollback(sessions):
    with transaction(sessions) as s:
        assert next_value(s, "t", 5) == 0
    with pytest.raises(RuntimeError), transaction(sessions) as s:
        next_value(s, "t", 5)
        raise RuntimeError("abort")
    with transaction(sessions) as s:
        assert next_value(s, "t") == 5


def test_migration_matches_models(engine):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], "models changed without a migration: add one under store/migrations/versions"


def test_large_batches_refresh_planner_statistics(sessions, monkeypatch):
    from sqlalchemy import text

    from openstc.store import cdms as store_cdms_module

    monkeypatch.setattr(store_cdms_module, "ANALYZE_AFTER", 2)
    with transaction(sessions) as s:
        store_cdms(s, [_cdm(1), _cdm(2, o2="3002")])
    with sessions() as s:
        if s.get_bind().dialect.name == "sqlite":
            analyzed = s.scalar(text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'cdms'"))
        else:
            analyzed = s.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_user_tables WHERE relname = 'cdms'"
                    " AND schemaname = current_schema() AND last_analyze IS NOT NULL"
                )
            )
    assert analyzed
