"""``openstc serve``: serve the TraCSS-compatible API (and run the screening jobs) with uvicorn.

``openstc serve --host 127.0.0.1 --port 8000`` serves plain HTTP; with ``--cert`` and ``--key`` it
serves TLS (the TraCSS SDK always fetches its token over HTTPS). The routine schedule (handbook
Table 3.2.1) and the on-demand queue run in a background thread when a screening engine is
available (``--no-jobs`` turns them off); ``--days``, ``--volume`` and ``--window-start`` set the
routine runs' span, volume and window start (``catalog``: the catalog's epoch, for an old
catalog snapshot such as the bundled one; ``openstc run`` uses it). With ``OPENSTC_BROKER_URL``
(``nats://host:4222``) the feed is also relayed to NATS JetStream. OpenAPI documentation is at ``/docs``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path
from typing import Any

from openstc.commands.admin import add_store_options
from openstc.errors import InvalidArgumentError


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "serve",
        help="serve the TraCSS-compatible API (TLS with --cert/--key) and run the screening jobs",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks a free one)")
    p.add_argument("--cert", type=Path, help="TLS certificate chain (PEM)")
    p.add_argument("--key", type=Path, help="TLS private key (PEM)")
    p.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="API worker processes (default: the CPU count; the jobs run once, in the main process)",
    )
    p.add_argument("--no-jobs", action="store_true", help="serve only; no scheduler or on-demand queue")
    p.add_argument(
        "--schedule", help="routine slots, e.g. 'ALL_VS_ALL@19:30,PAYLOAD_VS_ALL@23:30' (local times)"
    )
    p.add_argument(
        "--schedule-zone", default="America/Denver", help="time zone of the schedule (default America/Denver)"
    )
    p.add_argument(
        "--window-start",
        choices=["now", "catalog"],
        default="now",
        help="routine windows start now (default) or at the catalog's epoch",
    )
    p.add_argument("--volume", default="tracss", help="routine screening volume (default tracss)")
    p.add_argument(
        "--no-catch-up",
        action="store_true",
        help="do not run a slot missed before the server started (default: within 2 hours, run it now)",
    )
    p.add_argument("--days", type=float, default=7.0, help="routine screening span in days (default 7)")
    p.add_argument(
        "--screen-workers",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="screening processes, forked per run from the jobs' process (default 2; 1: one isolated child)",
    )
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    add_store_options(p)
    p.set_defaults(func=run)


def _scheduler_line(schedule: Any, args: argparse.Namespace) -> str:
    from datetime import UTC, datetime

    from openstc.jobs.schedule import next_run

    when, kind = next_run(schedule, datetime.now(UTC))
    start = "the catalog's epoch" if args.window_start == "catalog" else "the run time"
    return (
        f"openstc serve: scheduler running, next {kind} at {when:%Y-%m-%dT%H:%MZ} "
        f"({args.days:g}-day windows from {start}, volume {args.volume}"
        + ("" if args.no_catch_up else "; a slot missed by < 2 h runs now")
        + ")"
    )


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from openstc.api.app import create_app
    from openstc.store.db import database_url, default_data_dir, make_engine

    if (args.cert is None) != (args.key is None):
        raise InvalidArgumentError("--cert and --key go together")
    for path in (args.cert, args.key):
        if path is not None and not path.is_file():
            raise InvalidArgumentError(f"{path} is not a file")
    data_dir = args.data_dir or default_data_dir()
    engine = make_engine(args.database_url or database_url(data_dir))
    app = create_app(engine, data_dir=data_dir)
    thread = None
    if not args.no_jobs:
        from openstc.jobs.runner import Runner
        from openstc.jobs.schedule import TABLE_3_2_1, Schedule, parse_schedule
        from openstc.jobs.service import JobThread, default_screen_fn
        from openstc.screening.volumes import parse_volume

        screen = default_screen_fn(
            app.state.openstc.sessions,
            anchor=args.window_start,
            volume=parse_volume(args.volume),
            duration_s=args.days * 86400.0,
            workers=max(1, args.screen_workers),
        )
        if screen is None:
            print("openstc serve: no screening engine available; jobs disabled", file=sys.stderr)
        else:
            schedule: Schedule = (
                parse_schedule(args.schedule, args.schedule_zone)
                if args.schedule
                else Schedule(args.schedule_zone, TABLE_3_2_1.slots)
            )
            from datetime import UTC, datetime

            not_before = datetime.now(UTC) if args.no_catch_up else None
            runner = Runner(app.state.openstc.sessions, screen, schedule)
            recovered = runner.recover_interrupted()
            if recovered:
                print(
                    f"openstc serve: {recovered} run(s) left RUNNING by a stopped server marked FAILED",
                    file=sys.stderr,
                )
            thread = JobThread(runner, not_before=not_before)
            thread.start()
            print(_scheduler_line(schedule, args), file=sys.stderr, flush=True)
    broker_url = os.environ.get("OPENSTC_BROKER_URL")
    if broker_url:
        import asyncio
        import threading

        from openstc.jobs.broker import relay_forever

        sessions = app.state.openstc.sessions
        threading.Thread(
            target=lambda: asyncio.run(relay_forever(sessions, broker_url)),
            name="openstc-broker",
            daemon=True,
        ).start()
        print(f"openstc serve: relaying the feed to {broker_url} (JetStream)", file=sys.stderr)
    scheme = "https" if args.cert else "http"
    print(f"openstc serve: {scheme}://{args.host}:{args.port}/docs", file=sys.stderr)
    target: Any = app
    if args.workers > 1:
        # Worker processes build their own app from the environment; share the store and the key.
        os.environ["OPENSTC_DATA_DIR"] = str(data_dir)
        if args.database_url:
            os.environ["OPENSTC_DATABASE_URL"] = args.database_url
        if not os.environ.get("OPENSTC_JWT_SECRET"):
            os.environ["OPENSTC_JWT_SECRET"] = app.state.openstc.signing_key
        target = "openstc.api.app:create_app_from_env"
    try:
        (run_workers if args.workers > 1 else uvicorn.run)(
            target,
            factory=args.workers > 1,
            workers=args.workers if args.workers > 1 else None,
            http=no_delay_protocol(),
            host=args.host,
            port=args.port,
            ssl_certfile=str(args.cert) if args.cert else None,
            ssl_keyfile=str(args.key) if args.key else None,
            log_level=args.log_level,
            # Access lines are info-level: below that uvicorn would still format each one (issue #5).
            access_log=args.log_level in ("info", "debug"),
        )
    finally:
        if thread is not None:
            thread.stop()
    return 0


def no_delay_protocol() -> type:
    """uvicorn's HTTP protocol with TCP_NODELAY on every connection.

    With several workers uvicorn binds the listening socket itself (protocol number 0), and asyncio
    then leaves Nagle's algorithm on for accepted connections: a response written as headers then
    body waits for the client's delayed ACK, ~40 ms on every request (measured: /health 44 ms with
    2 workers, 1.6 ms with 1). Built on first use (importing uvicorn costs every CLI command) and
    published as a module attribute so that worker processes can unpickle it by name."""
    cls = globals().get("NoDelayProtocol")
    if cls is None:
        cls = _make_no_delay()
        globals()["NoDelayProtocol"] = cls
    return cls


def __getattr__(name: str) -> Any:
    if name == "NoDelayProtocol":  # a worker process unpickling uvicorn's config
        return no_delay_protocol()
    raise AttributeError(name)


def _make_no_delay() -> type:
    import socket

    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as Base
    except ImportError:  # httptools not installed: the pure-Python h11 protocol
        from uvicorn.protocols.http.h11_impl import H11Protocol as Base  # type: ignore[assignment]

    class NoDelayProtocol(Base):
        def connection_made(self, transport: Any) -> None:
            sock = transport.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):  # not TCP (a Unix socket): nothing to do
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            super().connection_made(transport)

    NoDelayProtocol.__module__ = __name__
    NoDelayProtocol.__qualname__ = "NoDelayProtocol"
    return NoDelayProtocol


#: a serve worker that exits within this many seconds of starting, this many times in a row, is left dead
WORKER_RESTART_WINDOW_S = 10.0
WORKER_RESTART_LIMIT = 3


def run_workers(target: str, *, workers: int | None, host: str, port: int, **kwargs: Any) -> None:
    """Serve ``target`` from ``workers`` processes, each listening on its own SO_REUSEPORT socket.

    uvicorn's own supervisor shares one listening socket, and an asyncio worker accepts every
    pending connection when it wakes: 32 clients connecting together mostly land on one worker
    (measured CPU seconds per worker 7.1 and 0.6; 426 instead of ~680 req/s). With one socket per
    worker the kernel spreads connections by hash. Where SO_REUSEPORT is missing, uvicorn's
    supervisor is used. A worker that dies is restarted (not one that keeps dying at start). Blocks
    until the workers exit; SIGINT/SIGTERM stop them."""
    import multiprocessing
    import signal
    import socket
    import time

    import uvicorn

    if not hasattr(socket, "SO_REUSEPORT"):  # pragma: no cover - not Linux/BSD
        uvicorn.run(target, workers=workers, host=host, port=port, **kwargs)
        return
    # Hold the address (and resolve port 0) in a socket of the same group until the workers listen.
    holder = _reuseport_socket(host, port)
    port = holder.getsockname()[1]
    ctx = multiprocessing.get_context("spawn")

    def spawn(i: int) -> Any:
        proc = ctx.Process(
            target=_reuseport_worker, args=(target, host, port, kwargs), name=f"openstc-serve-{i}"
        )
        proc.start()
        return proc

    def stop(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    procs: list[Any] = []
    started: list[float] = []
    quick_deaths = [0] * (workers or 1)
    try:
        for i in range(workers or 1):
            procs.append(spawn(i))
            started.append(time.monotonic())
        time.sleep(0.5)
        holder.close()
        while any(proc.is_alive() for proc in procs):
            for i, proc in enumerate(procs):
                proc.join(timeout=0.5 / len(procs))
                if proc.is_alive() or proc.exitcode == 0:
                    continue
                # A worker that died (crash, OOM kill) is replaced: the others keep serving meanwhile.
                # One that dies again and again right after starting (a broken configuration) is not.
                quick = time.monotonic() - started[i] < WORKER_RESTART_WINDOW_S
                quick_deaths[i] = quick_deaths[i] + 1 if quick else 0
                if quick_deaths[i] >= WORKER_RESTART_LIMIT:
                    print(
                        f"openstc serve: worker {i} keeps exiting (code {proc.exitcode}); not restarted",
                        file=sys.stderr,
                    )
                    continue
                print(
                    f"openstc serve: worker {i} exited (code {proc.exitcode}); restarting it", file=sys.stderr
                )
                procs[i] = spawn(i)
                started[i] = time.monotonic()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        holder.close()
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
        for proc in procs:
            proc.join(timeout=20)
        signal.signal(signal.SIGTERM, previous)


def _reuseport_socket(host: str, port: int) -> Any:
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP (not 0): asyncio then turns Nagle off on accepted connections by itself.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _reuseport_worker(target: str, host: str, port: int, kwargs: dict[str, Any]) -> None:
    import uvicorn

    config = uvicorn.Config(target, host=host, port=port, **kwargs)
    sock = _reuseport_socket(host, port)
    sock.listen(config.backlog)
    uvicorn.Server(config).run(sockets=[sock])
