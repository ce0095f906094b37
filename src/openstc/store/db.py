"""Connecting to the store: URL resolution, engines, sessions and schema migration.

SQLite is the embedded default (``<data dir>/openstc.sqlite3``, WAL mode so readers never block the
writer); ``OPENSTC_DATABASE_URL`` selects another database, typically PostgreSQL
(``postgresql+psycopg://user@host/db``). Sessions are explicit: callers use :func:`transaction` so
that every write that belongs together commits or rolls back as one.
"""

from __future__ import annotations

import os
import select as _select
import weakref
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import Pool

from openstc.store.models import Sequence

DEFAULT_DB_NAME = "openstc.sqlite3"


def default_data_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get("OPENSTC_DATA_DIR"):
        return Path(env["OPENSTC_DATA_DIR"])
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "openstc"


def database_url(data_dir: Path | None = None, env: Mapping[str, str] | None = None) -> str:
    """``OPENSTC_DATABASE_URL`` when set, else the SQLite file in the data directory."""
    env = os.environ if env is None else env
    url = env.get("OPENSTC_DATABASE_URL")
    if url:
        # Plain postgresql:// means the psycopg 3 driver we ship with, not psycopg2.
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return url
    directory = data_dir or default_data_dir(env)
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{directory / DEFAULT_DB_NAME}"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    # Reads through a shared memory map instead of read() calls into a 2 MB private cache: a CDM row
    # spans pages (its JSON and KVN texts), and list queries touch thousands (measured 2x faster).
    cur.execute("PRAGMA mmap_size=1073741824")
    cur.execute("PRAGMA cache_size=-16384")
    cur.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        connect_args = dict(kwargs.pop("connect_args", {}))
        connect_args.setdefault("check_same_thread", False)
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 30)
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping") and parsed.get_driver_name() == "psycopg":
        event.listen(engine, "checkout", _pg_checkout_check)
    return engine


def _pg_checkout_check(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
    """Pre-ping without the round trip: a pooled PostgreSQL connection is pinged only when it looks
    wrong. An idle connection's socket has nothing to read unless the server wrote to it: a backend
    ended by a restart, ``pg_terminate_backend`` or ``idle_session_timeout`` sends its FATAL message
    and closes, which makes the socket readable. Then a real ``SELECT 1`` decides, and a dead
    connection is replaced (``DisconnectionError``: the pool reconnects and retries). SQLAlchemy's
    ``pool_pre_ping`` pinged on every checkout: a round trip that cost the CDM list ~0.3 ms of
    client and server CPU per request, as much as its query (issue #5)."""
    if dbapi_conn.closed or getattr(dbapi_conn, "broken", False):
        raise DisconnectionError("connection closed")
    try:
        fd = dbapi_conn.pgconn.socket
        poller = _select.poll()
        poller.register(fd, _select.POLLIN | _select.POLLERR | _select.POLLHUP)
        if not poller.poll(0):
            return  # nothing from the server: alive as far as anyone can tell without asking
        autocommit = dbapi_conn.autocommit
        with dbapi_conn.cursor() as cur:
            cur.execute("SELECT 1")
        if not autocommit:
            dbapi_conn.rollback()
    except Exception as exc:  # any failure means the connection is not usable
        raise DisconnectionError(f"connection failed its ping: {exc}") from exc


_GENERIC_POOLS: weakref.WeakKeyDictionary[Engine, Pool] = weakref.WeakKeyDictionary()


def generic_plan_pool(engine: Engine) -> Pool | None:
    """A second pool of ``engine``'s PostgreSQL connections whose prepared statements always run
    their generic plan (``plan_cache_mode = force_generic_plan``); None for other databases.

    For statements whose plan does not depend on their parameters' values (the CDM list of a caller
    with a NORAD-id visibility list: the plan follows the list's indexes), this skips re-planning
    on every execution: psycopg prepares a statement after 5 runs, and PostgreSQL's ``auto`` mode
    kept choosing custom plans, ~0.5-1.5 ms of planning per list (issue #5). The sibling pool keeps
    that setting away from every other query. Same creator, events (checkout check included) and
    sizes as the engine's pool; disposed with the engine."""
    if engine.dialect.name != "postgresql":
        return None
    pool = _GENERIC_POOLS.get(engine)
    if pool is None:
        pool = engine.pool.recreate()

        def _generic(dbapi_conn: Any, _record: Any) -> None:
            autocommit = dbapi_conn.autocommit
            dbapi_conn.autocommit = True
            with dbapi_conn.cursor() as cur:
                cur.execute("SET plan_cache_mode = force_generic_plan")
            dbapi_conn.autocommit = autocommit

        event.listen(pool, "connect", _generic)
        event.listen(engine, "engine_disposed", lambda _conn: pool.dispose())
        _GENERIC_POOLS[engine] = pool
    return pool


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back everything on any exception."""
    with factory() as session, session.begin():
        yield session


def migrations_dir() -> Path:
    return Path(__file__).with_name("migrations")


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with the Alembic migrations shipped in the package."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def next_value(session: Session, name: str, count: int = 1) -> int:
    """Reserve ``count`` values of the named counter and return the first (inside the caller's transaction).

    ``SELECT ... FOR UPDATE`` serialises concurrent writers on PostgreSQL; SQLite serialises all
    writers anyway. Values are gap-free because a rolled-back transaction also rolls back the counter.
    """
    row = session.execute(
        select(Sequence).where(Sequence.name == name).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        row = Sequence(name=name, next_value=0)
        session.add(row)
        session.flush()
    first = row.next_value
    row.next_value = first + count
    session.flush()
    return first
