"""The OAuth2 client-credentials flow and bearer authentication on every non-public route."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from openstc.auth import accounts
from openstc.auth.credentials import hash_secret, issue_token, verify_secret
from openstc.store.db import transaction
from openstc.store.models import ApiClient, User

from .conftest import SIGNING_KEY


def _basic(cid: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{cid}:{secret}".encode()).decode()}


@pytest.fixture
def creds(world, sessions):
    with transaction(sessions) as s:
        user = s.get(User, world.users["acme_admin"][0])
        return accounts.issue_credentials(s, user)


def test_secret_hashing():
    h = hash_secret("s3cret")
    assert h.startswith("scrypt$") and "s3cret" not in h
    assert verify_secret("s3cret", h) and not verify_secret("s3creT", h) and not verify_secret("x", "garbage")


def test_secret_stored_hashed_only(creds, sessions):
    with sessions() as s:
        row = s.query(ApiClient).one()
    assert row.client_id == creds.client_id and creds.client_secret not in row.secret_hash


@pytest.mark.parametrize("server", ["default", "aus1358llxDldKxE80j7"])
def test_token_flow(client, creds, server):
    r = client.post(
        f"/oauth2/{server}/v1/token",
        data={"grant_type": "client_credentials", "scope": "tracssusername"},
        headers=_basic(creds.client_id, creds.client_secret),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (
        body["token_type"] == "Bearer" and body["expires_in"] == 86400 and body["scope"] == "tracssusername"
    )
    api = client.get("/subscriber/topics", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert api.status_code == 200 and "gov.tracss.tracss.v2.cdms" in api.json()


def test_token_form_credentials_and_failures(client, creds):
    ok = client.post(
        "/oauth2/default/v1/token",
        data={
            "grant_type": "client_credentials",
            "client_id": creds.client_id,
            "client_secret": creds.client_secret,
        },
    )
    assert ok.status_code == 200
    bad = client.post(
        "/oauth2/default/v1/token",
        data={"grant_type": "client_credentials"},
        headers=_basic(creds.client_id, "nope"),
    )
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_client"
    grant = client.post(
        "/oauth2/default/v1/token",
        data={"grant_type": "password"},
        headers=_basic(creds.client_id, creds.client_secret),
    )
    assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"
    garbage = client.post(
        "/oauth2/default/v1/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic ***"},
    )
    assert garbage.status_code == 401


PROTECTED = [
    "/metadata/v2/tracssCdm",
    "/metadata/tracssCat",
    "/metadata/v2/ocm",
    "/metadata/conjunctionDataEvents",
    "/subscriber/topics",
    "/bulkdata/cdm/v2/stream",
    "/dataprovenance/v1/runs",
]


@pytest.mark.parametrize("path", PROTECTED)
def test_bearer_required(client, world, path):
    assert client.get(path).status_code == 401
    r = client.get(path, headers={"Authorization": "Bearer not.a.jwt"})
    assert r.status_code == 401 and "error" in r.json()
    uid, name, org = world.users["acme_user"]
    expired = issue_token(
        SIGNING_KEY, user_id=uid, username=name, org_id=org, now=datetime.now(UTC) - timedelta(hours=25)
    )
    r = client.get(path, headers={"Authorization": f"Bearer {expired.access_token}"})
    assert r.status_code == 401 and "expired" in r.json()["error"]
    forged = issue_token("another-key-0123456789abcdef0123456789", user_id=uid, username=name, org_id=org)
    assert client.get(path, headers={"Authorization": f"Bearer {forged.access_token}"}).status_code == 401


def test_public_routes_need_no_token(client, world):
    assert client.get("/todd/v1/catalog").status_code == 200
    assert client.get("/health").status_code == 200
    assert client.get("/docs").status_code == 200
    assert client.get("/openapi.json").status_code == 200


def test_rate_limit_429(engine, world):
    from fastapi.testclient import TestClient

    from openstc.api.app import create_app

    app = create_app(engine, signing_key=SIGNING_KEY, migrate=False, rate_limit_per_minute=3)
    with TestClient(app) as c:
        h = world.headers("acme_user")
        codes = [c.get("/subscriber/topics", headers=h).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        r = c.get("/subscriber/topics", headers=h)
        assert r.json()["error"].startswith("Too many requests") and int(r.headers["Retry-After"]) >= 1
        assert c.get("/subscriber/topics", headers=world.headers("acme_admin")).status_code == 200
