"""``openstc serve``: serve the TraCSS-compatible API (and run the screening jobs) with uvicorn.

``openstc serve --host 127.0.0.1 --port 8000`` serves plain HTTP; with ``--cert`` and ``--key`` it
serves TLS (the TraCSS SDK always fetches its token over HTTPS). The routine schedule (handbook
Table 3.2.1) and the on-demand queue run in a background thread when a screening engine is
available (``--no-jobs`` turns them off). With ``OPENSTC_BROKER_URL`` (``nats://host:4222``) the feed
is also relayed to NATS JetStream. OpenAPI documentation is at ``/docs``.
"""

from __future__ import annotations

import argparse
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
    p.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1)")
    p.add_argument("--no-jobs", action="store_true", help="serve only; no scheduler or on-demand queue")
    p.add_argument(
        "--schedule", help="routine slots, e.g. 'ALL_VS_ALL@19:30,PAYLOAD_VS_ALL@23:30' (local times)"
    )
    p.add_argument(
        "--schedule-zone", default="America/Denver", help="time zone of the schedule (default America/Denver)"
    )
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    add_store_options(p)
    p.set_defaults(func=run)


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

        screen = default_screen_fn(app.state.openstc.sessions)
        if screen is None:
            print("openstc serve: no screening engine available; jobs disabled", file=sys.stderr)
        else:
            schedule: Schedule = (
                parse_schedule(args.schedule, args.schedule_zone)
                if args.schedule
                else Schedule(args.schedule_zone, TABLE_3_2_1.slots)
            )
            thread = JobThread(Runner(app.state.openstc.sessions, screen, schedule))
            thread.start()
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
        uvicorn.run(
            target,
            factory=args.workers > 1,
            workers=args.workers if args.workers > 1 else None,
            host=args.host,
            port=args.port,
            ssl_certfile=str(args.cert) if args.cert else None,
            ssl_keyfile=str(args.key) if args.key else None,
            log_level=args.log_level,
        )
    finally:
        if thread is not None:
            thread.stop()
    return 0
