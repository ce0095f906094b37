"""``openstc admin``: accounts of the service - the first organization, users, credentials, claims, grants.

``openstc admin init --org ACME --user alice`` creates the store (migrating it), the organization,
its first admin and client credentials, and prints the client id and secret ONCE (only a hash is
kept). Run again, it reuses the organization and user and issues fresh credentials (the earlier
ones keep working). Other sub-commands add users, issue more credentials, claim satellites and grant
third-party partners access. The store is ``--database-url`` / ``OPENSTC_DATABASE_URL`` or the
SQLite file in ``--data-dir`` / ``OPENSTC_DATA_DIR``.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openstc.auth.policy import ORG_KINDS


def _action(name: str) -> Callable[[argparse.Namespace], int]:
    """The handler ``name`` of :mod:`openstc.commands._admin_actions`, imported only when it runs (the
    store and SQLAlchemy stay out of ``openstc --help``)."""

    def run(args: argparse.Namespace) -> int:
        module = importlib.import_module("openstc.commands._admin_actions")
        handler: Callable[[argparse.Namespace], int] = getattr(module, name)
        return handler(args)

    return run


def add_store_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data-dir", type=Path, help="data directory (default: $OPENSTC_DATA_DIR or ~/.local/share/openstc)"
    )
    p.add_argument(
        "--database-url", help="SQLAlchemy URL (default: $OPENSTC_DATABASE_URL or SQLite in the data dir)"
    )


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "admin",
        help="manage organizations, users, credentials, satellite claims and partner grants",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="admin_command", metavar="ACTION", required=True)

    init = sub.add_parser("init", help="create the first organization, its admin and credentials")
    init.add_argument("--org", required=True, help="organization name")
    init.add_argument(
        "--kind", default="OO", choices=ORG_KINDS, help="O/O, third-party partner or government"
    )
    init.add_argument("--country", help="headquarters country (the nation of a GOV account)")
    init.add_argument("--user", required=True, help="admin username")
    init.add_argument("--email")
    init.add_argument("--site-admin", action="store_true", help="the user may read everything (operators)")
    add_store_options(init)
    init.set_defaults(func=_action("cmd_init"))

    user = sub.add_parser("add-user", help="add a user to an organization")
    user.add_argument("--org", required=True)
    user.add_argument("--user", required=True)
    user.add_argument(
        "--role", choices=["ADMIN", "USER"], help="organization role (omit for a group or base user)"
    )
    user.add_argument("--group", help="group name (created if missing)")
    user.add_argument("--group-role", choices=["ADMIN", "MEMBER"], default="MEMBER")
    user.add_argument("--credentials", action="store_true", help="also issue client credentials")
    add_store_options(user)
    user.set_defaults(func=_action("cmd_add_user"))

    cred = sub.add_parser("credentials", help="issue new client credentials for a user")
    cred.add_argument("--user", required=True)
    add_store_options(cred)
    cred.set_defaults(func=_action("cmd_credentials"))

    claim = sub.add_parser("claim", help="claim catalog satellites for the user's organization")
    claim.add_argument("--user", required=True, help="an organization admin")
    claim.add_argument("norad_ids", nargs="+", type=int)
    add_store_options(claim)
    claim.set_defaults(func=_action("cmd_claim"))

    ing = sub.add_parser("ingest", help="ingest an OMM/TLE catalog (file or URL; default: the bundled one)")
    ing.add_argument(
        "location", nargs="?", help="path or http(s) URL (CelesTrak CSV/JSON/XML, Space-Track JSON, TLE)"
    )
    add_store_options(ing)
    ing.set_defaults(func=_action("cmd_ingest"))

    run = sub.add_parser("run-screening", help="run one routine screening now and record it (provenance)")
    run.add_argument("--type", default="PAYLOAD_VS_ALL", choices=["PAYLOAD_VS_ALL", "ALL_VS_ALL"])
    run.add_argument("--days", type=float, default=7.0, help="screening span in days (default 7)")
    run.add_argument(
        "--start",
        choices=["now", "catalog"],
        default="now",
        help="window start: now (default) or the catalog's epoch (old snapshots)",
    )
    run.add_argument("--volume", default="tracss", help="tracss (default), sphere:5km, box:RxTxNkm, ...")
    run.add_argument("--workers", type=int, default=1, help="local worker processes (default 1)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_store_options(run)
    run.set_defaults(func=_action("cmd_run_screening"))

    grant = sub.add_parser("grant", help="grant a third-party partner read or read/write on satellites")
    grant.add_argument("--from-org", required=True)
    grant.add_argument("--to-org", required=True)
    grant.add_argument("--access", choices=["READ", "WRITE"], default="READ")
    grant.add_argument("norad_ids", nargs="+", type=int)
    add_store_options(grant)
    grant.set_defaults(func=_action("cmd_grant"))
