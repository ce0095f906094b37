"""Fixtures of the service tests: every store/API test runs on SQLite and on PostgreSQL.

PostgreSQL is ``OPENSTC_TEST_PG_URL`` or 127.0.0.1:5432 database ``test`` (user ``postgres``, then
``root``). Each test session creates its own schema and drops it at the end, so runs never collide;
between tests every table is emptied. PostgreSQL tests are skipped only when the server is
unreachable, and the reason is printed.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text

from openstc.api.app import create_app
from openstc.auth import accounts
from openstc.auth.credentials import issue_token
from openstc.store.db import make_engine, session_factory, transaction, upgrade
from openstc.store.models import Base, CatalogObject

SIGNING_KEY = "test-signing-key-not-secret-0123456789abcdef"
_PG_CANDIDATES = [
    os.environ.get("OPENSTC_TEST_PG_URL", ""),
    "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "postgresql+psycopg://root@127.0.0.1:5432/test",
]


def _pg_url() -> tuple[str | None, str]:
    errors = []
    for url in filter(None, _PG_CANDIDATES):
        try:
            eng = create_engine(url, connect_args={"connect_timeout": 3})
            with eng.connect() as conn:
                conn.execute(text("select 1"))
            eng.dispose()
            return url, ""
        except Exception as exc:  # any failure to connect means "try the next one"
            errors.append(f"{url}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
    return None, "; ".join(errors)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("store") / "openstc.sqlite3"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        yield engine
        engine.dispose()
        return
    url, why = _pg_url()
    if url is None:
        print(f"\nPostgreSQL unreachable, skipping its tests: {why}", file=sys.stderr)
        pytest.skip(f"PostgreSQL unreachable: {why}")
    schema = f"openstc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(
        url, connect_args={"options": f"-csearch_path={schema}"}, pool_size=5, max_overflow=5
    )
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(backend: Engine) -> Iterator[Engine]:
    yield backend
    with backend.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def sessions(engine: Engine) -> Any:
    return session_factory(engine)


@pytest.fixture
def app(engine: Engine) -> Any:
    return create_app(engine, signing_key=SIGNING_KEY, migrate=False, max_upload_bytes=2_000_000)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@dataclass
class World:
    """Organizations, users and satellites for access tests; ``headers(name)`` gives a bearer header."""

    users: dict[str, tuple[int, str, int]] = field(default_factory=dict)  # name -> (uid, username, org)
    orgs: dict[str, int] = field(default_factory=dict)

    def token(self, name: str) -> str:
        uid, username, org = self.users[name]
        return issue_token(SIGNING_KEY, user_id=uid, username=username, org_id=org).access_token

    def headers(self, name: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(name)}", **extra}


# NORAD ids used by the world: 1001-1003 claimed by ACME (US), 2001 by Beta (FR), 3001 unclaimed (DE).
SATS = {
    1001: ("ACME-1", "US"),
    1002: ("ACME-2", "US"),
    1003: ("ACME-3", "US"),
    2001: ("BETA-1", "FR"),
    3001: ("DEBRIS", "DE"),
}


def build_world(sessions: Any) -> World:
    w = World()
    with transaction(sessions) as s:
        for norad, (name, country) in SATS.items():
            s.add(
                CatalogObject(
                    norad_id=norad,
                    satellite_name=name,
                    international_designator=f"2020-{norad % 1000:03d}A",
                    object_type="PAYLOAD" if norad < 3000 else "DEBRIS",
                    orbital_regime="LEO",
                    country_of_headquarters=country,
                    country_of_launch_license=country,
                )
            )
        s.flush()
        acme = accounts.create_organization(s, "ACME", "OO", "US")
        beta = accounts.create_organization(s, "Beta", "OO", "FR")
        ssa = accounts.create_organization(s, "SSA-Partner", "THIRD_PARTY", "UK")
        gov = accounts.create_organization(s, "US-Gov", "GOV", "US")
        w.orgs = {"ACME": acme.id, "Beta": beta.id, "SSA": ssa.id, "GOV": gov.id}
        for norad in (1001, 1002, 1003):
            s.get(CatalogObject, norad).owner_org_id = acme.id  # type: ignore[union-attr]
        s.get(CatalogObject, 2001).owner_org_id = beta.id  # type: ignore[union-attr]
        s.flush()
        g1 = accounts.create_group(s, acme, "g1", [1001])
        accounts.grant_third_party(s, acme, ssa, 1001, "WRITE")
        accounts.grant_third_party(s, acme, ssa, 1002, "READ")
        specs = {
            "acme_admin": (acme, "ADMIN", None, None),
            "acme_user": (acme, "USER", None, None),
            "acme_gadmin": (acme, None, g1, "ADMIN"),
            "acme_gmember": (acme, None, g1, "MEMBER"),
            "acme_base": (acme, None, None, None),
            "beta_admin": (beta, "ADMIN", None, None),
            "ssa_admin": (ssa, "ADMIN", None, None),
            "ssa_user": (ssa, "USER", None, None),
            "gov_admin": (gov, "ADMIN", None, None),
            "gov_user": (gov, "USER", None, None),
        }
        for name, (org, role, group, grole) in specs.items():
            u = accounts.create_user(s, org, name, org_role=role, group=group, group_role=grole)
            w.users[name] = (u.id, u.username, org.id)
    return w


@pytest.fixture
def world(sessions: Any) -> World:
    return build_world(sessions)
