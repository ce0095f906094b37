"""``openstc admin``: accounts of the service - the first organization, users, credentials, claims, grants.

``openstc admin init --org ACME --user alice`` creates the store (migrating it), the organization,
its first admin and client credentials, and prints the client id and secret ONCE (only a hash is
kept). Other sub-commands add users, issue more credentials, claim satellites and grant
third-party partners access. The store is ``--database-url`` / ``OPENSTC_DATABASE_URL`` or the
SQLite file in ``--data-dir`` / ``OPENSTC_DATA_DIR``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from openstc.auth import accounts
from openstc.auth.policy import ORG_KINDS
from openstc.errors import NotFoundError
from openstc.store.db import database_url, make_engine, session_factory, transaction, upgrade
from openstc.store.models import Group, Organization, User


def add_store_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data-dir", type=Path, help="data directory (default: $OPENSTC_DATA_DIR or ~/.local/share/openstc)"
    )
    p.add_argument(
        "--database-url", help="SQLAlchemy URL (default: $OPENSTC_DATABASE_URL or SQLite in the data dir)"
    )


def open_store(args: argparse.Namespace) -> sessionmaker[Session]:
    url = args.database_url or database_url(args.data_dir)
    engine = make_engine(url)
    upgrade(engine)
    return session_factory(engine)


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
    init.set_defaults(func=cmd_init)

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
    user.set_defaults(func=cmd_add_user)

    cred = sub.add_parser("credentials", help="issue new client credentials for a user")
    cred.add_argument("--user", required=True)
    add_store_options(cred)
    cred.set_defaults(func=cmd_credentials)

    claim = sub.add_parser("claim", help="claim catalog satellites for the user's organization")
    claim.add_argument("--user", required=True, help="an organization admin")
    claim.add_argument("norad_ids", nargs="+", type=int)
    add_store_options(claim)
    claim.set_defaults(func=cmd_claim)

    ing = sub.add_parser("ingest", help="ingest an OMM/TLE catalog (file or URL; default: the bundled one)")
    ing.add_argument(
        "location", nargs="?", help="path or http(s) URL (CelesTrak CSV/JSON/XML, Space-Track JSON, TLE)"
    )
    add_store_options(ing)
    ing.set_defaults(func=cmd_ingest)

    run = sub.add_parser("run-screening", help="run one routine screening now and record it (provenance)")
    run.add_argument("--type", default="PAYLOAD_VS_ALL", choices=["PAYLOAD_VS_ALL", "ALL_VS_ALL"])
    run.add_argument("--days", type=float, default=7.0, help="screening span in days (default 7)")
    add_store_options(run)
    run.set_defaults(func=cmd_run_screening)

    grant = sub.add_parser("grant", help="grant a third-party partner read or read/write on satellites")
    grant.add_argument("--from-org", required=True)
    grant.add_argument("--to-org", required=True)
    grant.add_argument("--access", choices=["READ", "WRITE"], default="READ")
    grant.add_argument("norad_ids", nargs="+", type=int)
    add_store_options(grant)
    grant.set_defaults(func=cmd_grant)


def _org(s: Session, name: str) -> Organization:
    org = s.scalar(select(Organization).where(Organization.name == name))
    if org is None:
        raise NotFoundError(f"no organization named {name!r}")
    return org


def _user(s: Session, name: str) -> User:
    user = s.scalar(select(User).where(User.username == name))
    if user is None:
        raise NotFoundError(f"no user named {name!r}")
    return user


def _print_credentials(creds: accounts.NewCredentials) -> None:
    print(f"client_id:     {creds.client_id}")
    print(f"client_secret: {creds.client_secret}")
    print("The secret is shown once and stored only as a hash: keep it now.")


def cmd_init(args: argparse.Namespace) -> int:
    sessions = open_store(args)
    with transaction(sessions) as s:
        org = s.scalar(select(Organization).where(Organization.name == args.org))
        if org is None:
            org = accounts.create_organization(s, args.org, args.kind, args.country)
        user = accounts.create_user(
            s, org, args.user, org_role="ADMIN", email=args.email, is_site_admin=args.site_admin
        )
        creds = accounts.issue_credentials(s, user)
    print(f"organization {org.name} ({org.kind}), admin {user.username}")
    _print_credentials(creds)
    return 0


def cmd_add_user(args: argparse.Namespace) -> int:
    sessions = open_store(args)
    with transaction(sessions) as s:
        org = _org(s, args.org)
        group = None
        if args.group:
            group = s.scalar(select(Group).where(Group.org_id == org.id, Group.name == args.group))
            group = group or accounts.create_group(s, org, args.group)
        user = accounts.create_user(
            s, org, args.user, org_role=args.role, group=group, group_role=args.group_role if group else None
        )
        creds = accounts.issue_credentials(s, user) if args.credentials else None
    print(f"user {user.username} added to {org.name}")
    if creds:
        _print_credentials(creds)
    return 0


def cmd_credentials(args: argparse.Namespace) -> int:
    sessions = open_store(args)
    with transaction(sessions) as s:
        creds = accounts.issue_credentials(s, _user(s, args.user))
    _print_credentials(creds)
    return 0


def cmd_claim(args: argparse.Namespace) -> int:
    sessions = open_store(args)
    with transaction(sessions) as s:
        principal = accounts.load_principal(s, _user(s, args.user))
        for n in args.norad_ids:
            accounts.claim_satellite(s, principal, n)
    print(f"claimed {len(args.norad_ids)} satellite(s)")
    return 0


def cmd_grant(args: argparse.Namespace) -> int:
    sessions = open_store(args)
    with transaction(sessions) as s:
        grantor, grantee = _org(s, args.from_org), _org(s, args.to_org)
        for n in args.norad_ids:
            accounts.grant_third_party(s, grantor, grantee, n, args.access)
    print(f"granted {args.access} on {len(args.norad_ids)} satellite(s) to {args.to_org}")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from importlib import resources

    from openstc.jobs.ingest import ingest_catalog, ingest_location

    sessions = open_store(args)
    if args.location:
        report = ingest_location(sessions, args.location)
    else:
        bundled = resources.files("openstc").joinpath("data/catalog/celestrak_on_orbit_20241101.csv")
        report = ingest_catalog(sessions, bundled.read_bytes(), "celestrak_on_orbit_20241101.csv")
    print(
        f"catalog: {report.objects_new} new objects, {report.objects_updated} updated, "
        f"{report.element_sets} new element sets, {len(report.failures)} rows rejected"
    )
    for failure in report.failures[:20]:
        print(f"  rejected: {failure['reason']}")
    return 0


def cmd_run_screening(args: argparse.Namespace) -> int:
    from openstc.jobs.engine import make_screen_fn
    from openstc.jobs.runner import Runner

    sessions = open_store(args)
    print(f"screening {args.type} over {args.days:g} days...", flush=True)
    run = Runner(sessions, make_screen_fn(sessions, duration_s=args.days * 86400.0)).run_routine(args.type)
    print(
        f"{run.run_type} {run.status}: {run.primaries} primaries x {run.secondaries} objects, "
        f"{run.conjunctions} conjunctions, {run.cdms} CDMs, {len(run.failures or [])} failures "
        f"(correlation id {run.correlation_id})"
    )
    if run.message:
        print(run.message)
    return 0 if run.status == "COMPLETED" else 1
