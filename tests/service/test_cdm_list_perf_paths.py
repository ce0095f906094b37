"""The CDM list's fast paths (issue #5) answer exactly what the general paths answer, on both backends.

The list is served without FastAPI's routing layers (``openstc.api.app._App``), on a raw pooled
connection (autocommit on PostgreSQL, max-counter read in the page's statement), with verified
token claims and principals cached per token; PostgreSQL connections are pinged only when their
socket says something happened. Each test compares with, or breaks, one of those.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.pool import NullPool

from openstc.api import deps
from openstc.api.app import create_app
from openstc.auth.credentials import issue_token
from openstc.store.cdms import store_cdms
from openstc.store.db import generic_plan_pool, make_engine, transaction
from openstc.store.models import User

from .conftest import SIGNING_KEY, _pg_url

URL = "/metadata/v2/tracssCdm"


def _cdm(i: int, o1: str, o2: str, miss: float, tca_days: float = 2.0, created_days: float = 0.0) -> dict:
    now = datetime.now(UTC)
    return {
        "MESSAGE_ID": f"P-{i}",
        "CREATION_DATE": (now - timedelta(days=created_days)).strftime("%Y-%m-%dT%H:%M:%S.%f"),
        "TCA": (now + timedelta(days=tca_days)).strftime("%Y-%m-%dT%H:%M:%S.%f"),
        "MISS_DISTANCE": miss,
        "COLLISION_PROBABILITY": 1e-4,
        "SAT1_OBJECT_DESIGNATOR": o1,
        "SAT2_OBJECT_DESIGNATOR": o2,
    }


@pytest.fixture
def stored(world: Any, sessions: Any) -> Any:
    with transaction(sessions) as s:
        store_cdms(s, [_cdm(1, "1001", "3001", 20.0), _cdm(2, "3001", "1002", 300.0)], correlation_id="r1")
        store_cdms(s, [_cdm(3, "2001", "3001", 40.0), _cdm(4, "1003", "2001", 70.0, tca_days=-1)])
        store_cdms(s, [_cdm(5, "1001", "3001", 5.0, created_days=11)], correlation_id="old")
        store_cdms(
            s, [_cdm(6, "1001", "2001", 15.0)], batch_id="b1", candidate=True, owner_org_id=world.orgs["ACME"]
        )
        store_cdms(s, [_cdm(7, "3001", "1001", 99.0)], correlation_id="r9")
    return world


QUERIES: list[dict[str, str]] = [
    {"format": "json"},
    {},  # KVN
    {"format": "json", "object1ObjectDesignator": "1001", "size": "100"},
    {"format": "json", "missDistance": "<50", "sort": "missDistance,DESC"},
    {"format": "json", "tca": datetime.now(UTC).date().isoformat()},
    {"format": "json", "page": "1", "size": "1"},
    {"format": "json", "messageId": "P-404"},  # 204, with the max-counter headers
    {"countOnly": "true"},
    {"countOnly": "true", "object2ObjectDesignator": "3001"},
    {"headersOnly": "true"},
    {"format": "csv", "fields": "MESSAGE_ID,MISS_DISTANCE"},
    {"format": "xml", "activeCdmsOnly": "true"},
    {"format": "json", "latestCdmsOnly": "true", "highAlertOnly": "false"},
    {"format": "json", "missDistance": "abc"},  # 400
    {"format": "yaml"},  # 400
    {"format": "json", "size": "0"},  # 400
]
USERS = ["acme_admin", "acme_gmember", "acme_base", "beta_admin", "ssa_user", "gov_user"]


def _answer(r: Any) -> tuple[Any, ...]:
    keep = ("content-type", "max-counter", "max-counter-correlation-id", "counter", "www-authenticate")
    return r.status_code, r.content, {k: r.headers.get(k) for k in keep}


def test_fast_path_answers_as_the_fastapi_route(engine: Any, stored: Any) -> None:
    fast = create_app(engine, signing_key=SIGNING_KEY, migrate=False)
    slow = create_app(engine, signing_key=SIGNING_KEY, migrate=False)
    slow.hot_routes = {}  # type: ignore[attr-defined]
    assert fast.hot_routes  # type: ignore[attr-defined]
    with TestClient(fast) as f, TestClient(slow) as g:
        for user in USERS:
            h = stored.headers(user)
            for q in QUERIES:
                for path in (URL, "/metadata/tracssCdm"):
                    got, want = f.get(path, params=q, headers=h), g.get(path, params=q, headers=h)
                    assert _answer(got) == _answer(want), (user, q)
        for bad in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic eA=="}):
            assert _answer(f.get(URL, headers=bad)) == _answer(g.get(URL, headers=bad))
            assert f.get(URL, headers=bad).status_code == 401
        # Methods other than GET still go through FastAPI (405 from its router).
        assert f.post(URL, headers=stored.headers("acme_admin")).status_code == 405


def test_max_counter_headers_on_a_page_and_on_an_empty_page(client: TestClient, stored: Any) -> None:
    h = stored.headers("acme_admin")
    full = client.get(URL, params={"format": "json"}, headers=h)
    assert full.status_code == 200
    assert full.headers["max-counter"] == "7" and full.headers["max-counter-correlation-id"] == "r9"
    empty = client.get(URL, params={"messageId": "nothing"}, headers=h)
    assert empty.status_code == 204
    assert empty.headers["max-counter"] == "7" and empty.headers["max-counter-correlation-id"] == "r9"
    assert empty.headers["counter"] == "0"


def test_max_counter_headers_of_an_empty_store(client: TestClient, world: Any) -> None:
    r = client.get(URL, params={"format": "json"}, headers=world.headers("acme_admin"))
    assert r.status_code == 204
    assert r.headers["max-counter"] == "0" and r.headers["max-counter-correlation-id"] == ""


def test_new_cdms_show_at_once(client: TestClient, stored: Any, sessions: Any) -> None:
    """Nothing of the list is cached: a CDM stored between two requests is in the second."""
    h = stored.headers("acme_admin")
    before = client.get(URL, params={"countOnly": "true"}, headers=h).json()["countOnly"]
    with transaction(sessions) as s:
        store_cdms(s, [_cdm(8, "1002", "3001", 1.0)], correlation_id="r10")
    r = client.get(URL, params={"format": "json", "size": "100"}, headers=h)
    assert client.get(URL, params={"countOnly": "true"}, headers=h).json()["countOnly"] == before + 1
    assert "P-8" in {c["MESSAGE_ID"] for c in r.json()["default"]["tracssCdms"]}
    assert r.headers["max-counter"] == "8" and r.headers["max-counter-correlation-id"] == "r10"


def test_disabled_user_stops_within_the_principal_cache_bound(
    client: TestClient, stored: Any, sessions: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = stored.headers("acme_admin")
    assert client.get(URL, params={"countOnly": "true"}, headers=h).status_code == 200
    with transaction(sessions) as s:
        s.get(User, stored.users["acme_admin"][0]).disabled = True  # type: ignore[union-attr]
    # Within PRINCIPAL_CACHE_S the cached principal may still answer; past it, the user is reloaded.
    clock = [deps.time.monotonic() + deps.PRINCIPAL_CACHE_S + 0.1]
    monkeypatch.setattr(deps.time, "monotonic", lambda: clock[0])
    r = client.get(URL, params={"countOnly": "true"}, headers=h)
    assert r.status_code == 401 and "disabled" in r.json()["error"]


def test_cached_token_expires(client: TestClient, stored: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    uid, username, org = stored.users["acme_admin"]
    issued = issue_token(SIGNING_KEY, user_id=uid, username=username, org_id=org)
    h = {"Authorization": f"Bearer {issued.access_token}"}
    assert client.get(URL, params={"countOnly": "true"}, headers=h).status_code == 200  # claims cached
    later = deps.time.time() + issued.expires_in + 1
    monkeypatch.setattr(deps.time, "time", lambda: later)
    r = client.get(URL, params={"countOnly": "true"}, headers=h)
    assert r.status_code == 401 and "expired" in r.json()["error"]


def test_rate_limit_still_applies_to_the_list(engine: Any, stored: Any) -> None:
    app = create_app(engine, signing_key=SIGNING_KEY, migrate=False, rate_limit_per_minute=2)
    h = stored.headers("acme_admin")
    with TestClient(app) as c:
        codes = [c.get(URL, params={"countOnly": "true"}, headers=h).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_pool_connections_come_back_transactional(engine: Any, client: TestClient, stored: Any) -> None:
    """The list runs in autocommit on PostgreSQL; the connection must go back to the pool as it was."""
    assert client.get(URL, params={"format": "json"}, headers=stored.headers("acme_admin")).status_code == 200
    raw = engine.raw_connection()
    try:
        if engine.dialect.name == "postgresql":
            assert raw.driver_connection.autocommit is False
    finally:
        raw.close()
    with engine.connect() as conn:  # a transaction that rolls back leaves nothing behind
        conn.execute(text("UPDATE cdms SET miss_distance_m = 0"))
        conn.rollback()
        assert conn.execute(text("SELECT count(*) FROM cdms WHERE miss_distance_m = 0")).scalar() == 0


def test_terminated_postgresql_connection_is_replaced() -> None:
    """What pool_pre_ping did, without its round trip: a pooled connection whose backend was ended
    (server restart, pg_terminate_backend, idle_session_timeout) is replaced at checkout. Runs once,
    on its own engine (no tables needed); PostgreSQL unreachable skips it as for every PG test."""
    url, why = _pg_url()
    if url is None:
        pytest.skip(f"PostgreSQL unreachable: {why}")
    engine = make_engine(url, pool_size=3, max_overflow=0)
    killer = create_engine(url, poolclass=NullPool)  # a connection outside the pool
    try:
        raws = [engine.raw_connection() for _ in range(3)]
        pids = []
        for raw in raws:
            cur = raw.cursor()
            cur.execute("SELECT pg_backend_pid()")
            pids.append(cur.fetchone()[0])
            cur.close()
            raw.rollback()
        for raw in raws:
            raw.close()
        with killer.connect() as conn:
            for pid in pids:  # the timeout makes it wait until the backend has gone
                conn.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
        for _ in range(3):  # every checkout gets a working connection, none of the ended backends
            with engine.connect() as conn:
                assert conn.execute(text("SELECT pg_backend_pid()")).scalar() not in pids
    finally:
        killer.dispose()
        engine.dispose()


def test_revoked_credentials_token_stops_within_the_cache_bound(
    client: TestClient, stored: Any, sessions: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A token that names its client credentials (``cid``) stops working once they are revoked."""
    from openstc.auth import accounts
    from openstc.auth.credentials import ISSUER
    from openstc.store.models import ApiClient

    uid, username, org = stored.users["acme_admin"]
    with transaction(sessions) as s:
        creds = accounts.issue_credentials(s, s.get(User, uid))  # type: ignore[arg-type]
    now = int(datetime.now(UTC).timestamp())
    claims = {"iss": ISSUER, "sub": username, "uid": uid, "org": org, "iat": now, "exp": now + 3600}
    token = jwt.encode({**claims, "cid": creds.client_id, "jti": "t1"}, SIGNING_KEY, algorithm="HS256")
    other = jwt.encode({**claims, "cid": "no-such-client", "jti": "t2"}, SIGNING_KEY, algorithm="HS256")
    q = {"countOnly": "true"}
    assert client.get(URL, params=q, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get(URL, params=q, headers={"Authorization": f"Bearer {other}"}).status_code == 401
    with transaction(sessions) as s:
        s.scalars(select(ApiClient).where(ApiClient.client_id == creds.client_id)).one().revoked = True
    clock = [deps.time.monotonic() + deps.PRINCIPAL_CACHE_S + 0.1]
    monkeypatch.setattr(deps.time, "monotonic", lambda: clock[0])
    r = client.get(URL, params=q, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and "revoked" in r.json()["error"]


def test_generic_plans_only_on_the_sibling_pool(engine: Any, client: TestClient, stored: Any) -> None:
    """The CDM list of a caller with a NORAD-id list runs on connections forcing generic plans;
    the engine's own connections (every other query) keep PostgreSQL's default."""
    h = stored.headers("acme_admin")
    assert client.get(URL, params={"format": "json"}, headers=h).status_code == 200
    pool = generic_plan_pool(engine)
    if engine.dialect.name != "postgresql":
        assert pool is None
        return
    assert pool is not None and generic_plan_pool(engine) is pool
    sibling = pool.connect()
    try:
        cur = sibling.cursor()
        cur.execute("SHOW plan_cache_mode")
        assert cur.fetchone()[0] == "force_generic_plan"
        cur.close()
    finally:
        sibling.close()
    with engine.connect() as conn:
        assert conn.execute(text("SHOW plan_cache_mode")).scalar() == "auto"


def test_token_from_the_endpoint_names_its_credentials_and_dies_with_them(
    client: TestClient, stored: Any, sessions: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tokens the OAuth2 endpoint issues carry ``cid``: revoking the credentials stops them too."""
    from openstc.auth import accounts
    from openstc.store.models import ApiClient

    uid, _username, _org = stored.users["acme_admin"]
    with transaction(sessions) as s:
        creds = accounts.issue_credentials(s, s.get(User, uid))  # type: ignore[arg-type]
    r = client.post(
        "/oauth2/default/v1/token",
        data={"grant_type": "client_credentials"},
        auth=(creds.client_id, creds.client_secret),
    )
    assert r.status_code == 200
    token = r.json()["access_token"]
    assert jwt.decode(token, options={"verify_signature": False})["cid"] == creds.client_id
    h = {"Authorization": f"Bearer {token}"}
    assert client.get(URL, params={"countOnly": "true"}, headers=h).status_code == 200
    with transaction(sessions) as s:
        s.scalars(select(ApiClient).where(ApiClient.client_id == creds.client_id)).one().revoked = True
    clock = [deps.time.monotonic() + deps.PRINCIPAL_CACHE_S + 0.1]
    monkeypatch.setattr(deps.time, "monotonic", lambda: clock[0])
    r = client.get(URL, params={"countOnly": "true"}, headers=h)
    assert r.status_code == 401 and "revoked" in r.json()["error"]
