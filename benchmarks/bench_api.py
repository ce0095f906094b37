"""CDM list latency with 100,000 CDMs stored: p50/p99 and requests/s at 32 concurrent clients.

Fills a fresh store (SQLite file in a temp dir, or PostgreSQL with ``--pg URL`` in a throw-away
schema) with N CDMs between 5,000 catalog objects, starts ``uvicorn`` on a free loopback port in a
subprocess, and sends ``/metadata/v2/tracssCdm`` queries a TraCSS client makes (JSON, one object's
CDMs, a TCA window, a miss-distance filter, ``countOnly``) from 32 concurrent clients as an O/O
admin owning 100 satellites. Prints one line per backend, ready for BENCHMARKS.md.

    .venv/bin/python benchmarks/bench_api.py [--cdms 100000] [--clients 32] [--requests 2000] [--pg URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from openstc.auth import accounts
from openstc.auth.credentials import issue_token
from openstc.store.cdms import store_cdms
from openstc.store.db import make_engine, session_factory, transaction, upgrade
from openstc.store.models import CatalogObject

KEY = "bench-signing-key-0123456789abcdef0123456789"
N_OBJECTS = 5000  # catalog objects in the CDMs; the benchmark organization owns 100 of them


def fill(url: str, n_cdms: int, connect_args: dict[str, str]) -> tuple[int, int]:
    engine = make_engine(url, connect_args=connect_args) if connect_args else make_engine(url)
    upgrade(engine)
    sessions = session_factory(engine)
    now = datetime.now(UTC)
    rng = random.Random(5)
    with transaction(sessions) as s:
        org = accounts.create_organization(s, "BenchOrg", "OO", "US")
        for n in range(1, N_OBJECTS + 1):
            s.add(
                CatalogObject(
                    norad_id=n,
                    satellite_name=f"SAT-{n}",
                    object_type="PAYLOAD",
                    owner_org_id=org.id if n <= 100 else None,
                )
            )
        user = accounts.create_user(s, org, "bench", org_role="ADMIN")
        uid, oid = user.id, org.id
    t0 = time.perf_counter()
    chunk = 5000
    for start in range(0, n_cdms, chunk):
        recs = []
        for i in range(start, min(n_cdms, start + chunk)):
            a, b = rng.randint(1, N_OBJECTS), rng.randint(1, N_OBJECTS)
            tca = now + timedelta(seconds=rng.uniform(-3 * 86400, 7 * 86400))
            recs.append(
                {
                    "MESSAGE_ID": f"B{i}",
                    "CREATION_DATE": (now - timedelta(seconds=rng.uniform(0, 9 * 86400))).strftime(
                        "%Y-%m-%dT%H:%M:%S.%f"
                    ),
                    "TCA": tca.strftime("%Y-%m-%dT%H:%M:%S.%f"),
                    "MISS_DISTANCE": rng.uniform(10, 5000),
                    "COLLISION_PROBABILITY": 10 ** rng.uniform(-12, -3),
                    "SAT1_OBJECT_DESIGNATOR": str(a),
                    "SAT2_OBJECT_DESIGNATOR": str(b),
                    "SAT1_OBJECT_NAME": f"SAT-{a}",
                    "SAT2_OBJECT_NAME": f"SAT-{b}",
                    "SCREEN_VOLUME_SHAPE": "ELLIPSOID",
                }
            )
        with transaction(sessions) as s:
            store_cdms(s, recs, correlation_id=f"run-{start // chunk}")
    print(f"  stored {n_cdms} CDMs in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    engine.dispose()
    return uid, oid


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


SERVER = """
import sys, uvicorn
from openstc.api.app import create_app
from openstc.store.db import make_engine
url, port, search_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
kw = {{"connect_args": {{"options": "-csearch_path=" + search_path}}}} if search_path else {{}}
app = create_app(make_engine(url, **kw), signing_key="{key}", migrate=False)
uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", timeout_keep_alive=120)
"""


async def load(base: str, token: str, clients: int, total: int) -> tuple[list[float], float, int]:
    now = datetime.now(UTC)
    queries = [
        lambda r: {"format": "json", "object1ObjectDesignator": str(r.randint(1, 100)), "size": "100"},
        lambda r: {
            "format": "json",
            "tca": f"{(now + timedelta(days=r.randint(0, 5))).date()}",
            "size": "100",
        },
        lambda r: {"format": "json", "missDistance": f"<{r.randint(20, 200)}", "size": "100"},
        lambda r: {"countOnly": "true", "object2ObjectDesignator": str(r.randint(1, N_OBJECTS))},
    ]
    lat: list[float] = []
    per_kind: dict[int, list[float]] = {}
    errors = 0
    sent = 0
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60) as c:

        async def worker(seed: int) -> None:
            nonlocal sent, errors
            r = random.Random(seed)
            while sent < total:
                sent += 1
                kind = r.randrange(len(queries))
                params = queries[kind](r)
                t = time.perf_counter()
                try:
                    resp = await c.get("/metadata/v2/tracssCdm", params=params)
                except httpx.TransportError:
                    errors += 1
                    continue
                lat.append(time.perf_counter() - t)
                per_kind.setdefault(kind, []).append(lat[-1])
                if resp.status_code not in (200, 204):
                    errors += 1

        # warm-up
        await asyncio.gather(
            *(c.get("/metadata/v2/tracssCdm", params={"countOnly": "true"}) for _ in range(clients))
        )
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(clients)))
        wall = time.perf_counter() - t0
    names = ["by object", "TCA day", "miss distance", "countOnly"]
    for k, v in sorted(per_kind.items()):
        print(f"    {names[k]}: p50 {statistics.median(v) * 1e3:.1f} ms over {len(v)}", file=sys.stderr)
    return lat, wall, errors


def run_backend(name: str, url: str, search_path: str, args: argparse.Namespace) -> None:
    uid, oid = fill(url, args.cdms, {"options": f"-csearch_path={search_path}"} if search_path else {})
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER.format(key=KEY), url, str(port), search_path])
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        token = issue_token(KEY, user_id=uid, username="bench", org_id=oid).access_token
        lat, wall, errors = asyncio.run(load(base, token, args.clients, args.requests))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    lat.sort()
    p50 = statistics.median(lat) * 1e3
    p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))] * 1e3
    print(
        f"CDM list, {args.cdms:,} CDMs, {name}, {args.clients} clients, 1 uvicorn worker: "
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, {len(lat) / wall:.0f} req/s "
        f"({len(lat)} requests, {errors} errors; "
        f"{os.cpu_count()} CPUs)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cdms", type=int, default=100_000)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--pg", help="PostgreSQL URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    ap.add_argument("--skip-sqlite", action="store_true")
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
