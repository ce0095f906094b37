"""The ``openstc admin`` actions: they open the store, so they load only when an action runs.

``init``, ``ingest`` and ``run-screening`` are also the steps of ``openstc run`` (the main job), so
each is a function returning what it did (:func:`init_account`, :func:`ingest_bundled_or`,
:func:`run_screening`) next to the ``cmd_*`` handler that prints it. ``init`` is idempotent: an
existing organization and user are reused and only fresh credentials are issued.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from openstc.auth import accounts
from openstc.errors import ConflictError, NotFoundError
from openstc.store.db import database_url, make_engine, session_factory, transaction, upgrade
from openstc.store.models import ApiClient, Group, Organization, ScreeningRun, User

if TYPE_CHECKING:
    from openstc.jobs.ingest import IngestReport
    from openstc.jobs.service import Progress, Window

BUNDLED_CATALOG = "celestrak_on_orbit_20241101.csv"
DAY_S = 86400.0


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


@dataclass(frozen=True)
class InitResult:
    org_name: str
    org_kind: str
    username: str
    is_site_admin: bool
    credentials: accounts.NewCredentials
    org_created: bool
    user_created: bool
    earlier_credentials: int  # unrevoked credentials the user had before: they keep working


def init_account(
    sessions: sessionmaker[Session],
    org_name: str,
    username: str,
    *,
    kind: str = "OO",
    country: str | None = None,
    email: str | None = None,
    site_admin: bool = False,
) -> InitResult:
    """The organization and its admin, created when missing, and fresh credentials for the admin.

    Running it again reuses both (a user of another organization with that name is a conflict) and
    issues new credentials; earlier ones stay valid (secrets are kept hashed, so they cannot be
    shown again)."""
    with transaction(sessions) as s:
        org = s.scalar(select(Organization).where(Organization.name == org_name))
        org_created = org is None
        if org is None:
            org = accounts.create_organization(s, org_name, kind, country)
        user = s.scalar(select(User).where(User.username == username))
        user_created = user is None
        earlier = 0
        if user is None:
            user = accounts.create_user(
                s, org, username, org_role="ADMIN", email=email, is_site_admin=site_admin
            )
        else:
            if user.org_id != org.id:
                raise ConflictError(f"user {username!r} already exists in another organization")
            earlier = int(
                s.scalar(
                    select(func.count())
                    .select_from(ApiClient)
                    .where(ApiClient.user_id == user.id, ApiClient.revoked.is_(False))
                )
                or 0
            )
        creds = accounts.issue_credentials(s, user)
        return InitResult(
            org.name, org.kind, user.username, user.is_site_admin, creds, org_created, user_created, earlier
        )


def print_init(r: InitResult) -> None:
    org = "created" if r.org_created else "exists"
    user = "created" if r.user_created else "exists"
    reads_all = ", site admin: reads all data" if r.is_site_admin else ""
    print(f"organization {r.org_name} ({r.org_kind}, {org}), admin {r.username} ({user}{reads_all})")
    _print_credentials(r.credentials)
    if r.earlier_credentials:
        print(f"{r.username}'s {r.earlier_credentials} earlier credential(s) still work.")


def cmd_init(args: argparse.Namespace) -> int:
    sessions = open_store(args)
    print_init(
        init_account(
            sessions,
            args.org,
            args.user,
            kind=args.kind,
            country=args.country,
            email=args.email,
            site_admin=args.site_admin,
        )
    )
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


def ingest_bundled_or(
    sessions: sessionmaker[Session], location: str | None, skip_known: bool = False
) -> tuple[str, IngestReport | None]:
    """Ingest ``location`` (path or URL) or the bundled catalog. With ``skip_known`` a local file
    whose exact bytes were ingested before is skipped (report None): ``openstc run`` re-runs fast."""
    from importlib import resources
    from pathlib import Path

    from openstc.jobs.ingest import find_ingest, ingest_catalog, ingest_location

    if location and location.startswith(("http://", "https://")):
        return location, ingest_location(sessions, location)
    if location:
        name, data = Path(location).name, Path(location).read_bytes()
    else:
        name = BUNDLED_CATALOG
        data = resources.files("openstc").joinpath(f"data/catalog/{BUNDLED_CATALOG}").read_bytes()
    if skip_known and find_ingest(sessions, data) is not None:
        return name, None
    return name, ingest_catalog(sessions, data, name)


def print_ingest(name: str, report: IngestReport | None) -> None:
    if report is None:
        print(f"catalog {name}: already loaded (same file), skipped")
        return
    print(
        f"catalog {name}: {report.objects_new} new objects, {report.objects_updated} updated, "
        f"{report.element_sets} new element sets, {len(report.failures)} rows rejected"
    )
    for failure in report.failures[:20]:
        print(f"  rejected: {failure['reason']}")


def cmd_ingest(args: argparse.Namespace) -> int:
    sessions = open_store(args)
    print_ingest(*ingest_bundled_or(sessions, args.location))
    return 0


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Progress | None]:
    """A rich progress bar on stderr fed by the screening's ``(phase, done, total)`` reports: shards,
    then CDMs, then a spinner while the CDMs are stored. Yields None when disabled."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TaskID,
        TextColumn,
        TimeElapsedColumn,
    )

    labels = {"screening": "screening (shards)", "CDMs": "CDMs + Pc", "storing": "storing CDMs"}
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description:<18}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    ) as prog:
        tasks: dict[str, TaskID] = {}

        def report(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                for other in tasks.values():  # a new phase means the previous ones are finished
                    prog.stop_task(other)
                # "storing" has no known length (total 0): an indeterminate bar with a spinner.
                tasks[phase] = prog.add_task(
                    labels.get(phase, phase), total=total if total or phase != "storing" else None
                )
            prog.update(tasks[phase], completed=done)

        yield report


def run_screening(
    sessions: sessionmaker[Session],
    kind: str,
    days: float,
    *,
    anchor: str = "now",
    volume: str = "tracss",
    workers: int = 1,
    progress: Progress | None = None,
    announce: Callable[[Window], None] | None = None,
) -> tuple[ScreeningRun, Window]:
    """One routine screening now, recorded in the provenance; ``announce`` sees its window first."""
    from openstc.jobs.runner import Runner
    from openstc.jobs.service import make_store_screen_fn, screening_window
    from openstc.screening.volumes import parse_volume

    window = screening_window(sessions, anchor, days * DAY_S, datetime.now(UTC))
    if announce is not None:
        announce(window)
    screen = make_store_screen_fn(
        sessions,
        duration_s=days * DAY_S,
        anchor=anchor,
        volume=parse_volume(volume),
        workers=workers,
        progress=progress,
    )
    began = datetime.now(UTC)
    try:
        return Runner(sessions, screen).run_routine(kind), window
    except KeyboardInterrupt:
        _mark_interrupted(sessions, kind, began)
        raise


def _mark_interrupted(sessions: sessionmaker[Session], kind: str, since: datetime) -> None:
    """A run left RUNNING would block the on-demand queue of every later server (it waits while a
    routine run is in progress): Ctrl-C turns ours into FAILED."""
    with transaction(sessions) as s:
        for r in s.scalars(
            select(ScreeningRun).where(
                ScreeningRun.run_type == kind,
                ScreeningRun.status == "RUNNING",
                ScreeningRun.queued_at >= since,
            )
        ):
            r.status, r.finished_at, r.message = "FAILED", datetime.now(UTC), "interrupted (Ctrl-C)"


def describe_window(kind: str, window: Window, volume: str) -> str:
    days = window.duration_s / DAY_S
    text = (
        f"screening {kind}, {volume}, {days:g} day(s): {window.start:%Y-%m-%dT%H:%MZ} .. "
        f"{window.stop:%Y-%m-%dT%H:%MZ}"
    )
    if window.anchor == "catalog" and window.catalog_epoch is not None and window.newest_epoch is not None:
        text += (
            f" (from the catalog epoch {window.catalog_epoch:%Y-%m-%dT%H:%M:%SZ}, which 99% of the element "
            f"sets precede; newest {window.newest_epoch:%Y-%m-%dT%H:%M:%SZ})"
        )
    return text


def print_run(run: ScreeningRun) -> None:
    print(
        f"{run.run_type} {run.status}: {run.primaries} primaries x {run.secondaries} objects, "
        f"{run.conjunctions} conjunctions, {run.cdms} CDMs, {len(run.failures or [])} failures "
        f"(correlation id {run.correlation_id})"
    )
    if run.message:
        print(run.message)


def screening_from_args(sessions: sessionmaker[Session], args: argparse.Namespace) -> ScreeningRun:
    """The screening the command-line options describe (``--type``, ``--days``, ``--start``, ``--volume``,
    ``--workers``), with a progress bar unless ``--no-progress``; ``openstc admin run-screening`` and
    ``openstc run``'s first screening."""
    with progress_bar(not args.no_progress) as progress:
        run, _window = run_screening(
            sessions,
            args.type,
            args.days,
            anchor=args.start,
            volume=args.volume,
            workers=args.workers,
            progress=progress,
            announce=lambda w: print(describe_window(args.type, w, args.volume), flush=True),
        )
    return run


def cmd_run_screening(args: argparse.Namespace) -> int:
    run = screening_from_args(open_store(args), args)
    print_run(run)
    return 0 if run.status == "COMPLETED" else 1
