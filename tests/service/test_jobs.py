"""Jobs: Table 3.2.1 schedule (DST-aware), on-demand queue order and waiting, provenance, TTL."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from openstc.jobs.runner import Runner, ScreeningRequest, ScreeningResult
from openstc.jobs.schedule import (
    ALL_VS_ALL,
    PAYLOAD_VS_ALL,
    TABLE_3_2_1,
    next_run,
    occurrences,
    parse_schedule,
    zulu_table,
)
from openstc.jobs.ttl import cleanup
from openstc.store.cdms import store_cdms
from openstc.store.db import transaction
from openstc.store.models import Cdm, ScreeningRun, UploadBatch

from .test_upload import ocm

A, P = ALL_VS_ALL, PAYLOAD_VS_ALL


def test_table_3_2_1_daylight_saving_time():
    # Table 3.2.1, DST column: 0130 A, 0530 P, 0930 P, 1330 A, 1730 P, 2130 P (zulu).
    assert zulu_table(TABLE_3_2_1, date(2025, 7, 1)) == [
        ("0130", A),
        ("0530", P),
        ("0930", P),
        ("1330", A),
        ("1730", P),
        ("2130", P),
    ]


def test_table_3_2_1_standard_time():
    assert zulu_table(TABLE_3_2_1, date(2025, 1, 15)) == [
        ("0230", A),
        ("0630", P),
        ("1030", P),
        ("1430", A),
        ("1830", P),
        ("2230", P),
    ]


def test_occurrences_across_dst_change():
    # US DST ends 2025-11-02 08:00Z: the evening All-vs-All moves from 0130Z to 0230Z.
    occ = list(
        occurrences(TABLE_3_2_1, datetime(2025, 11, 1, 0, tzinfo=UTC), datetime(2025, 11, 4, 0, tzinfo=UTC))
    )
    avas = [t for t, k in occ if k == A]
    assert avas[0] == datetime(2025, 11, 1, 1, 30, tzinfo=UTC)
    assert datetime(2025, 11, 3, 2, 30, tzinfo=UTC) in avas
    per_day = {}
    for t, k in occ:
        per_day.setdefault(t.date(), []).append(k)
    assert all(
        v.count(A) == 2 and v.count(P) == 4
        for d, v in per_day.items()
        if d in (date(2025, 11, 2), date(2025, 11, 3))
    )
    assert next_run(TABLE_3_2_1, datetime(2025, 7, 1, 1, 30, tzinfo=UTC)) == (
        datetime(2025, 7, 1, 5, 30, tzinfo=UTC),
        P,
    )


def test_parse_schedule():
    s = parse_schedule("ALL_VS_ALL@00:00,PAYLOAD_VS_ALL@12:00", zone="UTC")
    assert zulu_table(s, date(2025, 1, 1)) == [("0000", A), ("1200", P)]
    with pytest.raises(ValueError):
        parse_schedule("EVERYTHING@25")


class FakeEngine:
    """Records requests and returns one CDM per primary against debris 3001."""

    def __init__(self):
        self.calls: list[ScreeningRequest] = []

    def __call__(self, req: ScreeningRequest) -> ScreeningResult:
        self.calls.append(req)
        cdms = [
            {
                "MESSAGE_ID": f"{req.correlation_id}-{n}",
                "TCA": (req.started_at + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S"),
                "MISS_DISTANCE": 250.0,
                "SAT1_OBJECT_DESIGNATOR": str(n),
                "SAT2_OBJECT_DESIGNATOR": "3001",
            }
            for n in (req.primaries or [1001])
        ]
        return ScreeningResult(
            cdms,
            primaries=len(cdms),
            secondaries=5,
            conjunctions=len(cdms),
            failures=[{"noradId": 9, "code": "PROPAGATION_FAILED", "reason": "decayed"}],
        )


def test_routine_runs_record_provenance(world, sessions):
    engine = FakeEngine()
    now = datetime(2025, 7, 1, 5, 31, tzinfo=UTC)
    runner = Runner(sessions, engine, clock=lambda: now)
    done = runner.tick()
    assert [r.run_type for r in done] == [P]  # 0530Z slot; 0130Z is beyond the 2 h catch-up
    assert runner.tick() == []  # recorded once
    r = done[0]
    assert (
        r.status == "COMPLETED"
        and r.cdms == 4
        and r.secondaries == 5
        and r.failures[0]["code"] == "PROPAGATION_FAILED"
    )
    assert sorted(engine.calls[0].primaries) == [1001, 1002, 1003, 2001]  # payloads only


def test_on_demand_queue_order_and_waiting(client, world, sessions):
    engine = FakeEngine()
    h = world.headers("acme_admin")
    b1 = client.post(
        "/metadata/v2/ocm/upload", files=[("file", ("c.ocm", ocm(basis="PLANNED").encode()))], headers=h
    ).json()
    b2 = client.post(
        "/metadata/v2/ocm/upload",
        files=[("file", ("o.ocm", ocm(norad="1002").encode()))],
        params={"triggerCA": "true"},
        headers=h,
    ).json()
    ids = [b1["payload"]["payload"]["batchId"], b2["payload"]["payload"]["batchId"]]
    runner = Runner(sessions, engine)
    with transaction(sessions) as s:  # a routine run in progress blocks the queue
        s.add(ScreeningRun(run_type=A, correlation_id="busy", status="RUNNING"))
    assert runner.run_next_on_demand() is None
    with transaction(sessions) as s:
        s.scalars(
            select(ScreeningRun).where(ScreeningRun.correlation_id == "busy")
        ).one().status = "COMPLETED"
    first = runner.run_next_on_demand()
    second = runner.run_next_on_demand()
    assert runner.run_next_on_demand() is None
    assert [first.batch_id, second.batch_id] == ids and first.status == second.status == "COMPLETED"
    assert engine.calls[0].ephemerides[0].candidate and not engine.calls[1].ephemerides[0].candidate
    with sessions() as s:
        cand = s.scalars(select(Cdm).where(Cdm.batch_id == ids[0])).all()
        assert cand and all(c.is_candidate and c.owner_org_id == world.orgs["ACME"] for c in cand)
        assert s.get(UploadBatch, ids[0]).cdm_found
    # The uploader follows the status and lists the candidate CDMs; nobody else sees them.
    r = client.get(
        "/metadata/v2/tracssCdmByOperationalBatch", params={"batchId": ids[0], "format": "json"}, headers=h
    )
    assert r.status_code == 200 and len(r.json()["default"]["tracssCdms"]) == len(cand)
    assert (
        client.get(
            "/metadata/v2/tracssCdmByOperationalBatch",
            params={"batchId": ids[0]},
            headers=world.headers("ssa_admin"),
        ).status_code
        == 204
    )
    st = client.get(f"/dataprovenance/v1/runs/{first.correlation_id}", headers=h).json()
    assert st["status"] == "COMPLETED" and st["batchId"] == ids[0]
    assert (
        client.get(
            f"/dataprovenance/v1/runs/{first.correlation_id}", headers=world.headers("beta_admin")
        ).status_code
        == 404
    )


def test_engine_failure_is_recorded(world, sessions):
    def broken(req):
        raise RuntimeError("engine exploded")

    run = Runner(sessions, broken).run_routine(A)
    assert run.status == "FAILED" and "exploded" in run.message


def test_runs_left_running_by_a_stopped_server_are_failed_at_start(world, sessions):
    with transaction(sessions) as s:
        s.add(ScreeningRun(run_type=A, correlation_id="orphan", status="RUNNING"))
    runner = Runner(sessions, FakeEngine())
    assert runner.routine_in_progress()
    assert runner.recover_interrupted() == 1
    assert not runner.routine_in_progress() and runner.recover_interrupted() == 0
    with sessions() as s:
        r = s.scalars(select(ScreeningRun).where(ScreeningRun.correlation_id == "orphan")).one()
        assert r.status == "FAILED" and "stopped" in r.message and r.finished_at is not None


def test_ttl_cleanup(world, sessions):
    now = datetime.now(UTC)

    def cdm(i, age_days):
        return {
            "MESSAGE_ID": f"T{i}",
            "CREATION_DATE": (now - timedelta(days=age_days)).strftime("%Y-%m-%dT%H:%M:%S"),
            "TCA": (now - timedelta(days=age_days - 1)).strftime("%Y-%m-%dT%H:%M:%S"),
            "MISS_DISTANCE": 1.0,
            "SAT1_OBJECT_DESIGNATOR": "1001",
            "SAT2_OBJECT_DESIGNATOR": str(3000 + i),
        }

    with transaction(sessions) as s:
        store_cdms(s, [cdm(1, 31), cdm(2, 11), cdm(3, 1)])
    counts = cleanup(sessions, now)
    assert counts.cdms == 1
    with sessions() as s:
        assert sorted(s.scalars(select(Cdm.message_id))) == ["T2", "T3"]
        assert (
            s.scalar(
                select(func.count()).select_from(ScreeningRun).where(ScreeningRun.run_type == "TTL_CLEANUP")
            )
            == 1
        )


def test_real_engine_routine_run(sessions):
    """The screening engine wired to the store: a 1-day All-vs-All of 400 catalog objects."""
    from importlib import resources

    from openstc.jobs.engine import make_screen_fn
    from openstc.jobs.ingest import ingest_catalog

    text = resources.files("openstc").joinpath("data/catalog/celestrak_on_orbit_20241101.csv").read_text()
    ingest_catalog(sessions, "\n".join(text.splitlines()[:401]) + "\n", "celestrak-test")
    at = datetime(2024, 11, 1, tzinfo=UTC)
    run = Runner(
        sessions, make_screen_fn(sessions, duration_s=86400.0, isolate=False), clock=lambda: at
    ).run_routine(A)
    assert run.status == "COMPLETED", run.message
    assert run.secondaries == 400 and run.cdms == run.conjunctions > 0
    with sessions() as s:
        cdms = s.scalars(select(Cdm)).all()
    assert len(cdms) == run.cdms
    for c in cdms:  # the flat TraCSS records were ingested with their indexed columns
        assert c.correlation_id == run.correlation_id and c.object1_norad and c.miss_distance_m >= 0
        assert at <= c.tca <= at + timedelta(days=1)


def test_engine_crash_is_a_failed_run_not_a_dead_server(world, sessions):
    import os

    from openstc.jobs.engine import run_isolated

    with pytest.raises(RuntimeError, match="died"):
        run_isolated(os.abort)  # what a segfault in a compiled kernel looks like from here

    def crashing(req):
        return run_isolated(os.abort)

    run = Runner(sessions, crashing).run_routine(A)
    assert run.status == "FAILED" and "died" in run.message


def test_service_runs_cut_into_pieces_per_worker_or_per_three_hours():
    """An upload's run (few primaries) gets one piece per worker; routine runs one per 3 hours."""
    from openstc.jobs.service import shard_pieces
    from openstc.screening.model import ScreeningConfig
    from openstc.screening.volumes import sphere

    start = datetime(2026, 1, 1, tzinfo=UTC)
    routine = ScreeningConfig(start=start, duration_s=7 * 86400.0, volume=sphere(5e3))
    upload = dataclasses.replace(routine, primaries=frozenset({1}))
    assert shard_pieces(upload, 2) == 2 and shard_pieces(upload, 1) == 1
    assert shard_pieces(routine, 2) == 56 and shard_pieces(routine, 1) == 56
