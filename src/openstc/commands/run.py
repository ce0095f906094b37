"""``openstc run``: the main job (what ``make run`` runs), built from the admin actions and ``serve``.

1. opens (creating and migrating) the store: SQLite in the data directory unless
   ``--database-url``/``OPENSTC_DATABASE_URL`` says otherwise;
2. loads the catalog (default: the bundled 2024-11-01 CelesTrak snapshot); a file already loaded
   byte for byte is skipped, so a second run is quick;
3. creates the organization ``Demo`` and its admin ``demo`` (reused when they exist) and prints fresh
   client credentials, with the curl commands that get a token and list CDMs;
4. runs a first Payload-vs-All screening with a progress bar, unless one already completed since
   the catalog was loaded (``--rescreen`` forces it). The bundled catalog is a 2024 snapshot, so
   the window starts at the catalog's epoch (the newest element-set epoch once the newest 1% are
   set aside, see :mod:`openstc.jobs.service`), not now, and the window used is printed.
   A 7-day Payload-vs-All of the whole catalog takes far more than a few minutes on two cores, so
   this first run screens ``--days 1``;
5. serves the API at http://127.0.0.1:8000 with the scheduler running (``openstc serve`` with the
   same window start, volume and ``--schedule-days`` span, from the next slot on; Ctrl-C stops),
   unless ``--no-serve``.

The demo admin reads every organization's data (``--site-admin``), so its CDM list is not empty.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from openstc.commands.admin import add_store_options


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "run",
        help="the main job: store, catalog, demo account, first screening, then serve (what `make run` runs)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--catalog", help="catalog file or URL to load (default: the bundled 2024-11-01 catalog)")
    p.add_argument("--org", default="Demo", help="organization (default Demo)")
    p.add_argument("--user", default="demo", help="its admin user (default demo)")
    p.add_argument("--type", default="PAYLOAD_VS_ALL", choices=["PAYLOAD_VS_ALL", "ALL_VS_ALL"])
    p.add_argument("--days", type=float, default=1.0, help="span of the first screening (default 1 day)")
    p.add_argument(
        "--start",
        choices=["catalog", "now"],
        default="catalog",
        help="window start: the catalog's epoch (default) or now",
    )
    p.add_argument(
        "--volume",
        default="sphere:5km",
        help="screening volume (default sphere:5km, as CelesTrak SOCRATES; tracss is much slower today)",
    )
    p.add_argument(
        "--workers", type=int, default=min(2, os.cpu_count() or 1), help="screening processes (default 2)"
    )
    p.add_argument("--rescreen", action="store_true", help="screen even if a first screening exists")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--no-serve", action="store_true", help="stop after the first screening")
    p.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument(
        "--schedule-days", type=float, default=7.0, help="span of the scheduler's routine runs (default 7)"
    )
    p.add_argument("--no-jobs", action="store_true", help="serve without the scheduler")
    add_store_options(p)
    p.set_defaults(func=run)


def _curl_help(base: str, client_id: str, secret: str) -> str:
    return (
        "Get a token and list CDMs:\n"
        f"  TOKEN=$(curl -s -u '{client_id}:{secret}' -d grant_type=client_credentials \\\n"
        f"      {base}/oauth2/default/v1/token | python3 -c 'import json,sys; print(json.load(sys.stdin)"
        '["access_token"])\')\n'
        f'  curl -H "Authorization: Bearer $TOKEN" "{base}/metadata/v2/tracssCdm?size=5"\n'
        f"API documentation: {base}/docs"
    )


def _first_screening_done(sessions: Any, kind: str) -> Any:
    """The latest completed screening of ``kind`` newer than the latest catalog ingest, if any."""
    from sqlalchemy import select

    from openstc.store.models import ScreeningRun

    with sessions() as s:
        ingest = s.scalar(
            select(ScreeningRun.id)
            .where(ScreeningRun.run_type == "CATALOG_INGEST", ScreeningRun.status == "COMPLETED")
            .order_by(ScreeningRun.id.desc())
            .limit(1)
        )
        return s.scalar(
            select(ScreeningRun)
            .where(
                ScreeningRun.run_type == kind,
                ScreeningRun.status == "COMPLETED",
                ScreeningRun.id > (ingest or 0),
            )
            .order_by(ScreeningRun.id.desc())
            .limit(1)
        )


def run(args: argparse.Namespace) -> int:
    from openstc.commands import _admin_actions as actions
    from openstc.store.db import database_url, default_data_dir

    data_dir = args.data_dir or default_data_dir()
    url = args.database_url or database_url(data_dir)
    print(f"store: {url}", flush=True)
    sessions = actions.open_store(argparse.Namespace(database_url=url, data_dir=data_dir))

    actions.print_ingest(*actions.ingest_bundled_or(sessions, args.catalog, skip_known=True))

    init = actions.init_account(sessions, args.org, args.user, site_admin=True)
    actions.print_init(init)
    base = f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '::') else args.host}:{args.port}"
    print(_curl_help(base, init.credentials.client_id, init.credentials.client_secret), flush=True)

    done = None if args.rescreen else _first_screening_done(sessions, args.type)
    if done is not None:
        print(
            f"first screening: {done.run_type} already completed at {done.finished_at:%Y-%m-%dT%H:%M:%SZ} "
            f"({done.conjunctions} conjunctions, {done.cdms} CDMs); skipped (--rescreen to run it again)"
        )
    else:
        if args.days < args.schedule_days:
            print(
                f"first screening: {args.days:g} day(s), not {args.schedule_days:g}: "
                f"a {args.schedule_days:g}-day {args.type} of the whole catalog takes well over a few "
                f"minutes on two cores (the scheduler's routine runs use {args.schedule_days:g} days)",
                flush=True,
            )
        screening = actions.screening_from_args(sessions, args)
        actions.print_run(screening)
        if screening.status != "COMPLETED":
            if args.no_serve:
                return 1
            # Still serve: the failure is in the provenance (/dataprovenance/v1/runs) for the operator.
            print("openstc run: the first screening failed; serving anyway", file=sys.stderr)
    if args.no_serve:
        return 0
    return _serve(args, data_dir, url)


def _serve(args: argparse.Namespace, data_dir: Any, url: str) -> int:
    """``openstc serve`` with its own defaults for everything ``run`` does not set."""
    from openstc.cli import build_parser

    argv = ["serve", "--host", args.host, "--port", str(args.port), "--data-dir", str(data_dir)]
    argv += ["--database-url", url, "--window-start", args.start, "--volume", args.volume]
    # The first screening just ran: the scheduler starts with the next slot, not a missed one.
    argv += ["--days", str(args.schedule_days), "--no-catch-up"]
    if args.no_jobs:
        argv.append("--no-jobs")
    serve_args = build_parser().parse_args(argv)
    print(f"serving http://{args.host}:{args.port} (Ctrl-C stops)", file=sys.stderr, flush=True)
    return int(serve_args.func(serve_args) or 0)
