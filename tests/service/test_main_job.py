"""The main job (``openstc run``, what ``make run`` runs) on a temporary data dir and a small catalog.

The catalog is 200 objects sliced from the bundled 2024-11-01 CelesTrak snapshot (150 Starlinks,
so that a one-hour window has conjunctions); the window starts at its newest element-set epoch.
The printed credentials must get a token and list the first screening's CDMs; a second run must
neither fail nor duplicate anything; the serve step runs as a real server on a free loopback port.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from openstc.api.app import create_app
from openstc.cli import main
from openstc.store.db import database_url, make_engine, session_factory
from openstc.store.models import ApiClient, CatalogObject, Cdm, Organization, ScreeningRun, User

HOUR_DAYS = f"{1 / 24:.6f}"


def _small_catalog(tmp: Path) -> Path:
    text = resources.files("openstc").joinpath("data/catalog/celestrak_on_orbit_20241101.csv").read_text()
    header, *rows = text.splitlines()
    starlinks = [r for r in rows if r.startswith("STARLINK")][:150]
    others = [r for r in rows if not r.startswith("STARLINK")][:50]
    path = tmp / "small.csv"
    path.write_text("\n".join([header, *starlinks, *others]) + "\n")
    return path


def _argv(catalog: Path, data: Path, *extra: str) -> list[str]:
    return [
        "run",
        "--catalog",
        str(catalog),
        "--days",
        HOUR_DAYS,
        "--schedule-days",
        HOUR_DAYS,
        "--volume",
        "sphere:20km",
        "--workers",
        "1",
        "--data-dir",
        str(data),
        *extra,
    ]


def _credentials(out: str) -> tuple[str, str]:
    cid = re.search(r"client_id:\s+(\S+)", out)
    secret = re.search(r"client_secret:\s+(\S+)", out)
    assert cid and secret, out
    return cid.group(1), secret.group(1)


def _token(client: TestClient | httpx.Client, cid: str, secret: str) -> str:
    r = client.post("/oauth2/default/v1/token", data={"grant_type": "client_credentials"}, auth=(cid, secret))
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def _counts(data: Path) -> dict[str, int]:
    engine = make_engine(database_url(data))
    try:
        with session_factory(engine)() as s:

            def n(model: type) -> int:
                return int(s.scalar(select(func.count()).select_from(model)) or 0)

            return {
                "orgs": n(Organization),
                "users": n(User),
                "clients": n(ApiClient),
                "objects": n(CatalogObject),
                "cdms": n(Cdm),
                "screenings": int(
                    s.scalar(
                        select(func.count())
                        .select_from(ScreeningRun)
                        .where(ScreeningRun.run_type == "PAYLOAD_VS_ALL")
                    )
                    or 0
                ),
            }
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """One main job without the serve step; its output (captured by hand: module scope)."""
    import contextlib
    import io

    tmp = tmp_path_factory.mktemp("main_job")
    catalog, data = _small_catalog(tmp), tmp / "data"
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert main(_argv(catalog, data, "--no-serve", "--no-progress")) == 0
    return catalog, data, out.getvalue()


def test_first_run_loads_creates_screens_and_prints_working_credentials(first_run):
    _catalog, data, out = first_run
    assert "catalog small.csv: 200 new objects" in out
    assert "organization Demo (OO, created), admin demo (created, site admin: reads all data)" in out
    assert "/oauth2/default/v1/token" in out and "/metadata/v2/tracssCdm" in out
    # The window starts at the catalog's newest element-set epoch (2024), not now, and is printed.
    window = re.search(r"(\d{4}-\d\d-\d\dT\d\d:\d\dZ) \.\. (\d{4}-\d\d-\d\dT\d\d:\d\dZ)", out)
    assert window, out
    start = datetime.strptime(window.group(1), "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC)
    stop = datetime.strptime(window.group(2), "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC)
    assert start.year == 2024 and stop - start == timedelta(hours=1)
    m = re.search(
        r"PAYLOAD_VS_ALL COMPLETED: (\d+) primaries x 200 objects, (\d+) conjunctions, (\d+) CDMs", out
    )
    assert m, out
    n_cdms = int(m.group(3))
    assert n_cdms == int(m.group(2)) > 0

    cid, secret = _credentials(out)
    app = create_app(make_engine(database_url(data)), data_dir=data)
    with TestClient(app) as client:
        headers = {"Authorization": "Bearer " + _token(client, cid, secret)}
        r = client.get("/metadata/v2/tracssCdm", params={"countOnly": "true"}, headers=headers)
        assert r.status_code == 200 and r.json() == {"countOnly": n_cdms}
        r = client.get("/metadata/v2/tracssCdm", params={"size": "5"}, headers=headers)
        assert r.status_code == 200
        assert client.get("/metadata/v2/tracssCdm").status_code == 401


def test_second_run_is_idempotent_and_quick(first_run, capsys):
    catalog, data, out1 = first_run
    before = _counts(data)
    assert before["orgs"] == 1 and before["users"] == 1 and before["screenings"] == 1
    assert main(_argv(catalog, data, "--no-serve", "--no-progress")) == 0
    out2 = capsys.readouterr().out
    assert "catalog small.csv: already loaded (same file), skipped" in out2
    assert "organization Demo (OO, exists), admin demo (exists, site admin: reads all data)" in out2
    assert "earlier credential(s) still work" in out2
    assert "already completed" in out2 and "skipped" in out2
    after = _counts(data)
    # Nothing duplicated: only one more credential for the same user.
    assert after == {**before, "clients": before["clients"] + 1}
    old, new = _credentials(out1), _credentials(out2)
    assert old[0] != new[0]
    app = create_app(make_engine(database_url(data)), data_dir=data)
    with TestClient(app) as client:
        for cid, secret in (old, new):  # both the earlier and the fresh credentials work
            _token(client, cid, secret)


def test_admin_init_is_idempotent(tmp_path, capsys):
    argv = ["admin", "init", "--org", "ACME", "--user", "alice", "--data-dir", str(tmp_path)]
    assert main(argv) == 0 and main(argv) == 0
    out = capsys.readouterr().out
    assert out.count("client_secret:") == 2 and "1 earlier credential(s) still work" in out
    assert _counts(tmp_path)["users"] == 1
    # The same user name in another organization is a conflict, not a second user.
    other = ["admin", "init", "--org", "Other", "--user", "alice", "--data-dir", str(tmp_path)]
    assert main(other) == 1
    assert "CONFLICT" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_step_with_scheduler_on_a_free_port(first_run):
    """The whole main job as the real command: everything is already there, so it goes straight to
    serving with the scheduler; the credentials it prints work against the live server."""
    catalog, data, _ = first_run
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("OPENSTC_DATABASE_URL", "OPENSTC_DATA_DIR")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "openstc.cli", *_argv(catalog, data, "--port", str(port), "--no-progress")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        head = []
        for line in proc.stdout:  # the credentials and the curl help are flushed before serving
            head.append(line)
            if line.startswith("API documentation:"):
                break
        cid, secret = _credentials("".join(head))
        assert f"http://127.0.0.1:{port}/oauth2/default/v1/token" in "".join(head)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as c:
            for _ in range(300):
                if proc.poll() is not None:
                    pytest.fail(f"openstc run exited with {proc.returncode}")
                try:
                    if c.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            else:
                pytest.fail("openstc run did not start serving")
            headers = {"Authorization": "Bearer " + _token(c, cid, secret)}
            r = c.get("/metadata/v2/tracssCdm", params={"size": "5"}, headers=headers)
            assert r.status_code == 200 and r.content
        proc.terminate()
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    out = "".join(head) + out
    assert "already loaded" in out and "already completed" in out
    assert "scheduler running, next " in err, err


def test_ttl_keeps_events_of_served_cdms(sessions):
    """A screening of an old snapshot makes fresh CDMs of TCAs long gone: their event stays while a
    CDM of it is served; an event whose TCA and latest CDM are both 30 days old goes."""
    from openstc.jobs.ttl import cleanup
    from openstc.store.cdms import store_cdms
    from openstc.store.db import transaction
    from openstc.store.models import ConjunctionEvent

    now = datetime.now(UTC)

    def cdm(i: int, created_days: float, tca_days: float) -> dict[str, object]:
        return {
            "MESSAGE_ID": f"E{i}",
            "CREATION_DATE": (now - timedelta(days=created_days)).strftime("%Y-%m-%dT%H:%M:%S"),
            "TCA": (now - timedelta(days=tca_days)).strftime("%Y-%m-%dT%H:%M:%S"),
            "MISS_DISTANCE": 100.0,
            "SAT1_OBJECT_DESIGNATOR": "1001",
            "SAT2_OBJECT_DESIGNATOR": str(5000 + i),
        }

    with transaction(sessions) as s:
        store_cdms(s, [cdm(1, 0.1, 700.0), cdm(2, 40.0, 41.0)])
    counts = cleanup(sessions, now)
    assert counts.cdms == 1 and counts.events == 1
    with sessions() as s:
        kept = s.scalars(select(ConjunctionEvent)).all()
    assert [e.object2_norad for e in kept] == [5001]


def test_scheduler_after_the_first_screening_waits_for_the_next_slot(sessions):
    """``openstc run`` serves with ``--no-catch-up``: a slot missed before the start is not run at once
    (the first screening just ran), one after the start is."""
    from openstc.jobs.runner import Runner, ScreeningResult
    from openstc.jobs.schedule import parse_schedule
    from openstc.jobs.service import JobThread

    now = [datetime(2025, 1, 1, 1, 0, tzinfo=UTC)]
    runner = Runner(
        sessions,
        lambda req: ScreeningResult(),
        parse_schedule("PAYLOAD_VS_ALL@00:00,ALL_VS_ALL@01:30", "UTC"),
        clock=lambda: now[0],
    )
    thread = JobThread(runner, not_before=now[0])
    thread._limit_catch_up()
    assert runner.tick() == []  # the 00:00 slot, an hour before the start, is skipped
    now[0] = datetime(2025, 1, 1, 1, 30, 20, tzinfo=UTC)
    thread._limit_catch_up()
    assert [r.run_type for r in runner.tick()] == ["ALL_VS_ALL"]
    # Without not_before the default catch-up (2 hours) runs the missed slot.
    late = Runner(
        sessions,
        lambda req: ScreeningResult(),
        parse_schedule("PAYLOAD_VS_ALL@00:00", "UTC"),
        clock=lambda: datetime(2025, 1, 2, 1, 0, tzinfo=UTC),
    )
    JobThread(late)._limit_catch_up()
    assert [r.run_type for r in late.tick()] == ["PAYLOAD_VS_ALL"]


def test_sharded_screening_matches_the_engine_and_reports_progress(tmp_path):
    """The progress path (shards and CDM chunks, here on two forked workers) finds exactly the
    conjunctions of the one-piece engine run, and reports every phase."""
    import argparse

    from openstc.commands._admin_actions import open_store
    from openstc.jobs.engine import prepare_run, screen_objects
    from openstc.jobs.ingest import ingest_catalog
    from openstc.jobs.runner import ScreeningRequest
    from openstc.jobs.service import screen_sharded, screening_window
    from openstc.screening.volumes import parse_volume

    sessions = open_store(argparse.Namespace(database_url=None, data_dir=tmp_path))
    ingest_catalog(sessions, _small_catalog(tmp_path).read_bytes(), "small.csv")
    now = datetime.now(UTC)
    window = screening_window(sessions, "catalog", 3 * 3600.0, now)
    assert window.start.year == 2024 and window.catalog_epoch <= window.newest_epoch
    req = ScreeningRequest("ALL_VS_ALL", "c-1", now)
    prep = prepare_run(
        sessions, req, start=window.start, duration_s=3 * 3600.0, volume=parse_volume("sphere:20km")
    )
    one, n_one, fail_one = screen_objects(prep.objects, prep.config, prep.settings)
    seen: list[tuple[str, int, int]] = []
    many, n_many, fail_many = screen_sharded(
        prep.objects, prep.config, prep.settings, workers=2, progress=lambda *a: seen.append(a)
    )

    def key(r: dict[str, str]) -> tuple[str, str, str]:
        return (r["SAT1_OBJECT_DESIGNATOR"], r["SAT2_OBJECT_DESIGNATOR"], r["TCA"])

    assert n_one == n_many > 0 and sorted(map(key, one)) == sorted(map(key, many))
    assert fail_one == fail_many
    assert all(r["CREATION_DATE"].startswith(f"{now:%Y-%m-%d}") for r in many)  # the clock, not the window
    phases = [p for p, _, _ in seen]
    assert phases[0] == "screening" and phases[-1] == "storing" and "CDMs" in phases
    assert ("CDMs", n_many, n_many) in seen and seen[phases.index("CDMs") - 1][1:] == (4, 4)


def test_admin_run_screening_from_the_catalog_epoch(tmp_path, capsys):
    data = tmp_path / "data"
    catalog = _small_catalog(tmp_path)
    assert main(["admin", "ingest", str(catalog), "--data-dir", str(data)]) == 0
    assert main(["admin", "ingest", str(catalog), "--data-dir", str(data)]) == 0  # explicit: upserts again
    argv = ["admin", "run-screening", "--days", HOUR_DAYS, "--start", "catalog", "--volume", "sphere:20km"]
    assert main([*argv, "--no-progress", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert "catalog small.csv: 0 new objects, 0 updated, 0 new element sets" in out
    assert re.search(r"screening PAYLOAD_VS_ALL, sphere:20km, 0.041667 day\(s\): 2024-", out), out
    assert "PAYLOAD_VS_ALL COMPLETED" in out


def test_interrupted_first_screening_does_not_stay_running(tmp_path, monkeypatch):
    """Ctrl-C during the screening: the run is FAILED, not RUNNING (which would block the on-demand
    queue of every later server)."""
    import argparse

    from openstc.commands import _admin_actions as actions
    from openstc.jobs import service

    def interrupted(*args, **kwargs):
        def screen(req):
            raise KeyboardInterrupt

        return screen

    monkeypatch.setattr(service, "make_store_screen_fn", interrupted)
    sessions = actions.open_store(argparse.Namespace(database_url=None, data_dir=tmp_path))
    with pytest.raises(KeyboardInterrupt):
        actions.run_screening(sessions, "PAYLOAD_VS_ALL", 1.0)
    with sessions() as s:
        runs = s.scalars(select(ScreeningRun)).all()
    assert [(r.status, r.message) for r in runs] == [("FAILED", "interrupted (Ctrl-C)")]
