"""Property-based fuzzing of our own OpenAPI with schemathesis: no request ever gets a 500.

Runs on SQLite with a populated world (CDMs, an OCM, runs), authenticated as an O/O admin, with a
small example budget per operation to keep the suite fast.
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402

from openstc.api.app import create_app  # noqa: E402
from openstc.store.cdms import store_cdms  # noqa: E402
from openstc.store.db import make_engine, session_factory, transaction, upgrade  # noqa: E402

from .conftest import SIGNING_KEY, build_world  # noqa: E402
from .test_api_cdm import _cdm  # noqa: E402

STATS: list[tuple[str, int]] = []


@pytest.fixture(scope="module")
def fuzz_env(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'f.sqlite3'}")
    upgrade(engine)
    sessions = session_factory(engine)
    world = build_world(sessions)
    with transaction(sessions) as s:
        store_cdms(
            s, [_cdm(i, "1001", "3001", 10.0 * i, tca_days=i) for i in range(1, 6)], correlation_id="c"
        )
    app = create_app(engine, signing_key=SIGNING_KEY, migrate=False)
    yield app, world.headers("acme_admin")
    engine.dispose()


def test_no_server_errors(fuzz_env):
    app, headers = fuzz_env
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    checked = []
    for result in schema.get_all_operations():
        op = result.ok()

        @given(op.as_strategy())
        @settings(
            max_examples=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case):
            response = case.call(headers=headers)
            STATS.append((case.path, response.status_code))
            assert response.status_code < 500, (
                f"{case.method} {case.path} -> {response.status_code}: {response.text[:300]}"
            )

        check()
        checked.append(op.label)
    assert len(checked) >= 15, checked
    assert len(STATS) >= 100 and any(code == 200 for _, code in STATS)
