"""CDM list latency with 100,000 CDMs stored: p50/p99 and requests/s at 32 concurrent clients.

Fills a fresh store (SQLite file in a temp dir, or PostgreSQL with ``--pg URL`` in a throw-away
schema) with N CDMs between 5,000 catalog objects, starts ``openstc serve`` (its default worker
count unless ``--workers``) on a free loopback port, and sends ``/metadata/v2/tracssCdm`` queries a
TraCSS client makes (JSON, one object's CDMs, a TCA day, a miss-distance filter, ``countOnly``) from
32 closed-loop keep-alive connections as an O/O admin owning 100 satellites. The load generator is
raw asyncio HTTP/1.1 in ``--load-procs`` processes (~0.15 ms of CPU per request, so the server is
what is measured). Prints one line per backend, ready for BENCHMARKS.md, then the CPU time the serve
processes, the local PostgreSQL processes and the load generator spent per request: on a shared
machine latency depends on what else runs, CPU per request much less. ``--sqlite-file`` and
``--pg-schema`` keep the filled store and reuse it on the next run (filling 100,000 CDMs takes
minutes).

    .venv/bin/python benchmarks/bench_api.py [--cdms 100000] [--clients 32] [--requests 2000] [--pg URL]
        [--workers N] [--load-procs 2] [--sqlite-file PATH] [--pg-schema NAME]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
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
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlalchemy import create_engine, select, text

from openstc.auth import accounts
from openstc.auth.credentials import issue_token
from openstc.store.cdms import store_cdms
from openstc.store.db import make_engine, session_factory, transaction, upgrade
from openstc.store.models import CatalogObject, User

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
    if engine.dialect.name == "postgresql":
        # The steady state autovacuum reaches within minutes: a visibility map for index-only scans
        # (measured: list queries ~35% faster than straight after the bulk load).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE cdms"))
    engine.dispose()
    return uid, oid


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def queries(rng: random.Random, now: datetime) -> tuple[int, dict[str, str]]:
    """One request of the mix a TraCSS client makes: (kind, query parameters)."""
    kind = rng.randrange(4)
    if kind == 0:
        return kind, {"format": "json", "object1ObjectDesignator": str(rng.randint(1, 100)), "size": "100"}
    if kind == 1:
        return kind, {
            "format": "json",
            "tca": f"{(now + timedelta(days=rng.randint(0, 5))).date()}",
            "size": "100",
        }
    if kind == 2:
        return kind, {"format": "json", "missDistance": f"<{rng.randint(20, 200)}", "size": "100"}
    return kind, {"countOnly": "true", "object2ObjectDesignator": str(rng.randint(1, N_OBJECTS))}


KINDS = ["by object", "TCA day", "miss distance", "countOnly"]


async def _connection(
    port: int, requests: list[tuple[int, bytes]], out: list[tuple[int, float, int]]
) -> None:
    """One keep-alive HTTP/1.1 connection, closed loop: a request, its whole response, the next."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for kind, raw in requests:
            t = time.perf_counter()
            writer.write(raw)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            i = head.lower().find(b"content-length:")
            if i >= 0:
                await reader.readexactly(int(head[i + 15 : head.index(b"\r\n", i)]))
            out.append((kind, time.perf_counter() - t, status))
    finally:
        writer.close()


def _load_process(
    args: tuple[int, str, int, int, int, Any],
) -> tuple[list[tuple[int, float, int]], float, float]:
    """A load-generator process: ``clients`` connections sending ``per_client`` requests each."""
    port, token, clients, per_client, seed, barrier = args
    now = datetime.now(UTC)
    rng = random.Random(seed)
    plans = []
    for _ in range(clients):
        reqs = []
        for _ in range(per_client + 2):  # 2 warm-up requests per connection
            kind, params = queries(rng, now)
            reqs.append(
                (
                    kind,
                    (
                        f"GET /metadata/v2/tracssCdm?{urlencode(params)} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        f"Authorization: Bearer {token}\r\nAccept: application/json\r\n\r\n"
                    ).encode(),
                )
            )
        plans.append(reqs)

    async def run() -> tuple[list[tuple[int, float, int]], float, float]:
        warm: list[tuple[int, float, int]] = []
        await asyncio.gather(*(_connection(port, r[:2], warm) for r in plans))
        barrier.wait()
        out: list[tuple[int, float, int]] = []
        t0, c0 = time.perf_counter(), time.process_time()
        await asyncio.gather(*(_connection(port, r[2:], out) for r in plans))
        return out, time.perf_counter() - t0, time.process_time() - c0

    return asyncio.run(run())


def load(
    port: int, token: str, clients: int, total: int, procs: int
) -> tuple[list[tuple[int, float, int]], float, float]:
    """``clients`` closed-loop connections spread over ``procs`` processes (raw asyncio HTTP/1.1: the
    load generator must cost far less than the server it measures)."""
    procs = max(1, min(procs, clients))
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Manager().Barrier(procs)
    share = [clients // procs + (i < clients % procs) for i in range(procs)]
    per_client = max(1, total // clients)
    with ctx.Pool(procs) as pool:
        results = pool.map(
            _load_process, [(port, token, n, per_client, 17 + i, barrier) for i, n in enumerate(share)]
        )
    samples = [x for r, _, _ in results for x in r]
    return samples, max(w for _, w, _ in results), float(sum(c for _, _, c in results))


def _wait_up(base: str, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if proc.poll() is not None:
            raise RuntimeError("openstc serve exited")
        try:
            if httpx.get(base + "/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("openstc serve did not come up")


def _bench_user(url: str, connect_args: dict[str, str]) -> tuple[int, int] | None:
    """The benchmark user of an already filled store (``--sqlite-file``/``--pg-schema`` reuse)."""
    engine = make_engine(url, connect_args=connect_args) if connect_args else make_engine(url)
    try:
        with session_factory(engine)() as s:
            user = s.scalars(select(User).where(User.username == "bench")).first()
            return (user.id, user.org_id) if user else None
    except Exception:  # no schema yet: fill it
        return None
    finally:
        engine.dispose()


def _tree_cpu(root: int) -> float:
    """CPU seconds (user + system) used so far by ``root`` and its live descendants (Linux /proc)."""
    return sum(_cpu_by_process(root).values())


def _cpu_by_process(root: int) -> dict[int, float]:
    """CPU seconds so far of ``root`` and each live descendant, by pid (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    procs: dict[int, tuple[int, float]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        rest = stat[stat.rindex(")") + 2 :].split()
        procs[int(d)] = (int(rest[1]), (int(rest[11]) + int(rest[12])) / tick)
    out: dict[int, float] = {}
    todo = [root]
    while todo:
        pid = todo.pop()
        out[pid] = procs.get(pid, (0, 0.0))[1]
        todo += [p for p, (ppid, _) in procs.items() if ppid == pid]
    return out


def _postgres_cpu() -> float:
    """CPU seconds so far of this machine's ``postgres`` processes (Linux /proc; the benchmark's
    PostgreSQL is on the loopback address, and other databases' work counts too: keep it quiet)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        if stat[stat.index("(") + 1 : stat.rindex(")")] != "postgres":
            continue
        rest = stat[stat.rindex(")") + 2 :].split()
        total += (int(rest[11]) + int(rest[12])) / tick
    return total


def run_backend(name: str, url: str, search_path: str, args: argparse.Namespace) -> None:
    connect = {"options": f"-csearch_path={search_path}"} if search_path else {}
    known = _bench_user(url, connect)
    if known is None:
        uid, oid = fill(url, args.cdms, connect)
    else:
        uid, oid = known
        print(f"  reusing the filled store {url} {search_path}", file=sys.stderr)
    port = free_port()
    serve_url = f"{url}?options=-csearch_path%3D{search_path}" if search_path else url
    with tempfile.TemporaryDirectory() as data:
        # What `openstc serve` does by default (worker count included) unless --workers says otherwise.
        cmd = [sys.executable, "-m", "openstc.cli", "serve", "--port", str(port), "--no-jobs"]
        cmd += ["--log-level", "warning", "--data-dir", data, "--database-url", serve_url]
        if args.workers:
            cmd += ["--workers", str(args.workers)]
        env = {**os.environ, "OPENSTC_JWT_SECRET": KEY}
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
        try:
            _wait_up(f"http://127.0.0.1:{port}", proc)
            token = issue_token(KEY, user_id=uid, username="bench", org_id=oid).access_token
            cpu0, pg0 = _cpu_by_process(proc.pid), _postgres_cpu()
            samples, wall, load_cpu = load(port, token, args.clients, args.requests, args.load_procs)
            cpu1, pg1 = _cpu_by_process(proc.pid), _postgres_cpu()
            per_process = sorted(cpu1[p] - cpu0.get(p, 0.0) for p in cpu1)
            server_cpu = sum(per_process)
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    load_before = os.getloadavg()[0]
    lat = sorted(x[1] for x in samples)
    errors = sum(1 for x in samples if x[2] not in (200, 204))
    for k, kname in enumerate(KINDS):
        v = sorted(x[1] for x in samples if x[0] == k)
        if v:
            p99k = v[int(0.99 * (len(v) - 1))] * 1e3
            print(
                f"    {kname}: p50 {statistics.median(v) * 1e3:.1f} ms, p99 {p99k:.1f} ms over {len(v)}",
                file=sys.stderr,
            )
    p50 = statistics.median(lat) * 1e3
    p99 = lat[int(0.99 * (len(lat) - 1))] * 1e3
    workers = args.workers or os.cpu_count()
    print(
        f"CDM list, {args.cdms:,} CDMs, {name}, {args.clients} clients, {workers} serve workers: "
        f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, {len(lat) / wall:.0f} req/s "
        f"({len(lat)} requests, {errors} errors; load generator {args.load_procs} processes; "
        f"{os.cpu_count()} CPUs; load average before {load_before:.1f})"
    )
    # CPU per request does not depend on what else the machine runs: the capacity it implies is
    # the figure to compare across noisy runs.
    per_request = max(server_cpu / len(lat), 1e-9)
    # The PostgreSQL backends' share of the work (0 for SQLite, which runs inside the serve processes).
    database = (
        f", PostgreSQL processes {(pg1 - pg0) / len(lat) * 1e3:.2f} ms/request" if "postgres" in url else ""
    )
    print(
        f"    server CPU {per_request * 1e3:.2f} ms/request (all serve processes{database}), "
        f"load generator {load_cpu / len(lat) * 1e3:.2f} ms/request; "
        f"{os.cpu_count()} CPUs / server CPU = {(os.cpu_count() or 1) / per_request:.0f} req/s ceiling; "
        f"CPU s by serve process {', '.join(f'{c:.1f}' for c in per_process)} over {wall:.1f} s"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cdms", type=int, default=100_000)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--workers", type=int, help="serve worker processes (default: what openstc serve uses)")
    ap.add_argument("--load-procs", type=int, default=2, help="load-generator processes (default 2)")
    ap.add_argument("--pg", help="PostgreSQL URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    ap.add_argument("--skip-sqlite", action="store_true")
    ap.add_argument("--sqlite-file", type=Path, help="keep the SQLite store here; reuse it when filled")
    ap.add_argument("--pg-schema", help="keep the PostgreSQL store in this schema; reuse it when filled")
    args = ap.parse_args()
    if args.sqlite_file:
        run_backend("SQLite (WAL)", f"sqlite:///{args.sqlite_file.resolve()}", "", args)
    elif not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as d:
            run_backend("SQLite (WAL)", f"sqlite:///{Path(d) / 'bench.sqlite3'}", "", args)
    if args.pg:
        schema = args.pg_schema or f"openstc_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.pg)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        try:
            run_backend("PostgreSQL", args.pg, schema, args)
        finally:
            if not args.pg_schema:
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
