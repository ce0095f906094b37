"""Upload of a 7-day OCM to its CDMs being listed: wall time of each stage (issue #5 figure).

Fills a fresh store with the bundled catalog (26,834 objects; element-set epochs shifted by
now - 2024-11-01T00:00Z, the start the screening benchmark uses: the snapshot is from 2024 and an
on-demand run screens from "now", so the geometry is the screening benchmark's), makes an
O/O organization that claims the ISS, writes a 7-day OCM of the ISS (SGP4 states every 60 s, EME2000,
KVN), starts ``uvicorn`` on a free loopback port in a subprocess, and then, over HTTP:

1. token (client credentials at ``/oauth2/default/v1/token``),
2. ``POST /metadata/v2/ocm/upload?triggerCA=true`` (multipart),
3. the on-demand job: the runner takes the queued run and screens the OCM against the catalog
   (the server's set-up: ``--screen-workers`` processes forked from the jobs' process, or with 1 an
   isolated child process; TraCSS OCM volumes),
4. polling ``/metadata/v2/tracssCdmByOperationalBatch`` until the batch's CDMs are listed.

Prints each stage's wall time and the total from the upload request to the CDMs being listed.

    .venv/bin/python benchmarks/bench_upload.py [--days 7] [--pg URL] [--inline] [--screen-workers N]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import httpx
import numpy as np
from sqlalchemy import create_engine, text

from openstc.astro import frames
from openstc.astro.sgp4prop import datetime_to_jd
from openstc.auth import accounts
from openstc.formats.catalog import read_catalog
from openstc.formats.elset import to_satrec
from openstc.jobs.engine import make_screen_fn
from openstc.jobs.ingest import IngestReport, store_element_sets
from openstc.jobs.runner import Runner, ScreeningRequest, ScreeningResult
from openstc.store.db import make_engine, session_factory, transaction, upgrade
from openstc.store.models import CatalogObject

KEY = "bench-signing-key-0123456789abcdef0123456789"
ISS = 25544
# The screening benchmark's start; the catalog's epochs are shifted so that this instant becomes "now".
SNAPSHOT_START = datetime(2024, 11, 1, tzinfo=UTC)

SERVER = """
import sys, uvicorn
from openstc.api.app import create_app
from openstc.store.db import make_engine
url, port, search_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
kw = {{"connect_args": {{"options": "-csearch_path=" + search_path}}}} if search_path else {{}}
app = create_app(make_engine(url, **kw), signing_key="{key}", migrate=False)
uvicorn.run(app, host="127.0.0.1", port=port, log_level="error")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fill(url: str, connect_args: dict[str, str], now: datetime) -> tuple[str, str, float]:
    """The catalog (epochs shifted to now) and an O/O organization owning the ISS; its credentials."""
    engine = make_engine(url, connect_args=connect_args) if connect_args else make_engine(url)
    upgrade(engine)
    sessions = session_factory(engine)
    data = resources.files("openstc").joinpath("data/catalog/celestrak_on_orbit_20241101.csv").read_bytes()
    t = time.perf_counter()
    elsets = read_catalog(data, strict=False).elements
    shift = now - SNAPSHOT_START
    elsets = [
        dataclasses.replace(e, epoch=e.epoch + shift, epoch_jd=None, epoch_jd_frac=None) for e in elsets
    ]
    with transaction(sessions) as s:
        store_element_sets(s, elsets, "bench", IngestReport())
    with transaction(sessions) as s:
        org = accounts.create_organization(s, "BenchOrg", "OO", "US")
        iss = s.get(CatalogObject, ISS)
        assert iss is not None
        iss.owner_org_id = org.id
        user = accounts.create_user(s, org, "bench", org_role="ADMIN")
        creds = accounts.issue_credentials(s, user)
    fill_s = time.perf_counter() - t
    print(f"  store filled: {len(elsets):,} objects in {fill_s:.1f} s", file=sys.stderr)
    engine.dispose()
    return creds.client_id, creds.client_secret, fill_s


def iss_ocm(url: str, connect_args: dict[str, str], start: datetime, days: float) -> str:
    """A KVN OCM of the ISS: SGP4 from its (shifted) element set, 60 s states in EME2000."""
    from openstc.jobs.engine import latest_element_sets

    engine = make_engine(url, connect_args=connect_args) if connect_args else make_engine(url)
    with session_factory(engine)() as s:
        elset = next(e for e, _ in latest_element_sets(s) if e.norad_id == ISS)
    engine.dispose()
    sat = to_satrec(elset)
    jd, fr = datetime_to_jd(start)
    times = np.arange(0.0, days * 86400.0 + 1.0, 60.0)
    err, r, v = sat.sgp4_array(np.full(times.size, jd), fr + times / 86400.0)
    assert not err.any()
    stamp = start.strftime("%Y-%m-%dT%H:%M:%S")
    stop = (start + timedelta(seconds=float(times[-1]))).strftime("%Y-%m-%dT%H:%M:%S")
    lines = []
    for k, tt in enumerate(times):
        when = start + timedelta(seconds=float(tt))
        rr, vv = frames.teme_to_frame("EME2000", when, r[k], v[k])  # km, km/s
        lines.append(f"{tt:.1f} {rr[0]:.6f} {rr[1]:.6f} {rr[2]:.6f} {vv[0]:.9f} {vv[1]:.9f} {vv[2]:.9f}")
    header = f"""CCSDS_OCM_VERS = 3.0
CREATION_DATE = {stamp}
ORIGINATOR = BENCHORG
MESSAGE_ID = BENCH-{uuid.uuid4().hex[:12]}
META_START
OBJECT_NAME = ISS (ZARYA)
OBJECT_DESIGNATOR = {ISS}
TIME_SYSTEM = UTC
EPOCH_TZERO = {stamp}
START_TIME = {stamp}
STOP_TIME = {stop}
META_STOP
TRAJ_START
CENTER_NAME = EARTH
TRAJ_REF_FRAME = EME2000
TRAJ_BASIS = PREDICTED
INTERPOLATION = HERMITE
INTERPOLATION_DEGREE = 5
USEABLE_START_TIME = {stamp}
USEABLE_STOP_TIME = {stop}
TRAJ_TYPE = CARTPV
"""
    return header + "\n".join(lines) + "\nTRAJ_STOP\n"


def run_backend(name: str, url: str, search_path: str, args: argparse.Namespace) -> None:
    connect_args = {"options": f"-csearch_path={search_path}"} if search_path else {}
    now = datetime.now(UTC).replace(microsecond=0)
    client_id, secret, _fill_s = fill(url, connect_args, now)
    ocm = iss_ocm(url, connect_args, now + timedelta(minutes=1), args.days)
    print(f"  OCM: {len(ocm) / 1e6:.2f} MB, {ocm.count(chr(10)):,} lines", file=sys.stderr)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER.format(key=KEY), url, str(port), search_path])
    engine = make_engine(url, connect_args=connect_args) if connect_args else make_engine(url)
    sessions = session_factory(engine)
    stages: dict[str, float] = {}
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        with httpx.Client(base_url=base, timeout=600) as c:
            t = time.perf_counter()
            tok = c.post(
                "/oauth2/default/v1/token",
                auth=(client_id, secret),
                data={"grant_type": "client_credentials"},
            )
            tok.raise_for_status()
            stages["token"] = time.perf_counter() - t
            h = {"Authorization": f"Bearer {tok.json()['access_token']}"}
            t_upload = time.perf_counter()
            r = c.post(
                "/metadata/v2/ocm/upload",
                params={"triggerCA": "true"},
                files=[("file", ("iss.ocm", ocm.encode()))],
                headers=h,
            )
            assert r.status_code == 201, r.text
            batch = r.json()["payload"]["payload"]["batchId"]
            stages["upload (validate + store + queue)"] = time.perf_counter() - t_upload
            # The job runner, as the server's job thread runs it.
            t = time.perf_counter()
            done: list[object] = []
            marks: dict[str, float] = {}
            if args.screen_workers > 1 and not args.inline:
                # openstc serve's default (--screen-workers 2): processes forked per run from the jobs'
                # process; the second run finds the compiled kernels loaded there
                from openstc.jobs.service import default_screen_fn

                service_fn = default_screen_fn(sessions, workers=args.screen_workers)
                assert service_fn is not None
                engine_fn = service_fn
            else:
                engine_fn = make_screen_fn(sessions, isolate=not args.inline)

            def screen(req: ScreeningRequest) -> ScreeningResult:
                marks["screen start"] = time.perf_counter()
                result = engine_fn(req)
                marks["screen end"] = time.perf_counter()
                return result

            def job() -> None:
                done.append(Runner(sessions, screen).run_next_on_demand())
                marks["run end"] = time.perf_counter()

            worker = threading.Thread(target=job)
            worker.start()
            polls = 0
            while True:
                polls += 1
                r = c.get(
                    "/metadata/v2/tracssCdmByOperationalBatch",
                    params={"batchId": batch, "headersOnly": "true"},
                    headers=h,
                )
                if r.status_code == 200:
                    break
                if not worker.is_alive() and done:
                    run = done[0]
                    if getattr(run, "status", None) != "COMPLETED" or getattr(run, "cdms", 0) == 0:
                        raise SystemExit(
                            f"run ended without CDMs: {getattr(run, 'status', None)} "
                            f"{getattr(run, 'message', None)} {getattr(run, 'failures', [])[:5]}"
                        )
                time.sleep(args.poll_s)
            listed = time.perf_counter()
            worker.join()
            run = done[0]
            stages["job: claim the queued run"] = marks["screen start"] - t
            stages["job: load catalog + OCM, screen, Pc, CDMs (worker processes)"] = (
                marks["screen end"] - marks["screen start"]
            )
            stages["job: store CDMs, events, feed; run COMPLETED"] = marks["run end"] - marks["screen end"]
            stages["listed (poll after completion)"] = listed - marks["run end"]
            t = time.perf_counter()
            full = c.get(
                "/metadata/v2/tracssCdmByOperationalBatch",
                params={"batchId": batch, "format": "json"},
                headers=h,
            )
            n_cdms = len(full.json()["default"]["tracssCdms"])
            stages["list all CDMs of the batch (JSON)"] = time.perf_counter() - t
            total = listed - t_upload
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        engine.dispose()
    print(
        f"Upload of a {args.days:g}-day OCM (ISS, 60 s states) to its CDMs listed, {name}: "
        f"{total:.1f} s wall ({n_cdms} CDMs, run {getattr(run, 'conjunctions', '?')} conjunctions, "
        f"{len(getattr(run, 'failures', []))} failures, {polls} polls every {args.poll_s:g} s; "
        f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f})"
    )
    for k, v in stages.items():
        print(f"    {k}: {v:.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=float, default=7.0, help="length of the OCM")
    ap.add_argument("--pg", help="PostgreSQL URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    ap.add_argument("--skip-sqlite", action="store_true")
    ap.add_argument("--inline", action="store_true", help="screen in this process, not a child process")
    ap.add_argument(
        "--screen-workers",
        type=int,
        default=2,
        help="screening processes as openstc serve --screen-workers (default 2; 1: one isolated child)",
    )
    ap.add_argument("--poll-s", type=float, default=0.5, help="CDM list polling interval")
    args = ap.parse_args()
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as d:
            run_backend("SQLite (WAL)", f"sqlite:///{Path(d) / 'bench.sqlite3'}", "", args)
    if args.pg:
        schema = f"openstc_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.pg)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            run_backend("PostgreSQL", args.pg, schema, args)
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
