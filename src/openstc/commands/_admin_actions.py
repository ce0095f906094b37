"""The ``openstc admin`` actions: they open the store, so they load only when an action runs."""

from __future__ import annotations

import argparse

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from openstc.auth import accounts
from openstc.errors import NotFoundError
from openstc.store.db import database_url, make_engine, session_factory, transaction, upgrade
from openstc.store.models import Group, Organization, User


def open_store(args: argparse.Namespace) -> sessionmaker[Session]:
    url = args.database_url or database_url(args.data_dir)
    engine = make_engine(url)
    upgrade(engine)
    return session_factory(engine)


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
