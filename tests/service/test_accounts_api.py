"""Account management over HTTP: what the effects are (who is allowed is test_access_matrix.py's job).

Users and roles, groups and their satellites, client credentials (shown once, stored hashed, usable
at the token endpoint, revocable), third-party partners with read or read/write grants, claims, and
TraCSS-shaped errors.
"""

from __future__ import annotations

from sqlalchemy import select

from openstc.store.models import ApiClient, User

A = "/accounts/v1"
TOKEN = "/oauth2/default/v1/token"


def _token(client, client_id: str, secret: str) -> int:
    r = client.post(TOKEN, auth=(client_id, secret), data={"grant_type": "client_credentials"})
    return r.status_code


def _sats(client, headers) -> dict[int, str]:
    return {s["noradId"]: s["access"] for s in client.get(f"{A}/satellites", headers=headers).json()}


def test_me_lists_roles_and_satellites(client, world):
    r = client.get(f"{A}/me", headers=world.headers("acme_gadmin"))
    assert r.status_code == 200
    me = r.json()
    assert me["systemRoles"] == ["GROUP_ADMIN", "USER"] and me["userType"] == "GROUP_ADMIN"
    assert [(s["noradId"], s["access"]) for s in me["satellites"]] == [(1001, "WRITE")]
    assert _sats(client, world.headers("ssa_admin")) == {1001: "WRITE", 1002: "READ"}
    assert _sats(client, world.headers("gov_user")) == {1001: "READ", 1002: "READ", 1003: "READ"}
    assert _sats(client, world.headers("acme_base")) == {}


def test_users_and_groups_lifecycle(client, world, sessions):
    h = world.headers("acme_admin")
    r = client.post(f"{A}/users", json={"username": "ops1", "email": "ops1@acme.test"}, headers=h)
    assert r.status_code == 201, r.text
    ops1 = r.json()
    assert ops1["systemRoles"] == ["USER"] and ops1["orgRole"] is None and ops1["organization"] == "ACME"
    assert client.post(f"{A}/users", json={"username": "ops1"}, headers=h).status_code == 409
    world.users["ops1"] = (ops1["userId"], "ops1", world.orgs["ACME"])
    assert _sats(client, world.headers("ops1")) == {}  # a base user reads nothing

    # A group of 1002 and 1003 with ops1 as its admin: read/write on the group's satellites only.
    g = client.post(f"{A}/groups", json={"name": "ops", "satellites": [1002, 1003]}, headers=h).json()
    assert g["satellites"] == [1002, 1003] and g["members"] == []
    assert client.post(f"{A}/groups", json={"name": "ops"}, headers=h).status_code == 409
    r = client.put(f"{A}/groups/{g['groupId']}/members/{ops1['userId']}", json={"role": "ADMIN"}, headers=h)
    assert r.status_code == 200 and r.json()["systemRoles"] == ["GROUP_ADMIN", "USER"]
    assert _sats(client, world.headers("ops1")) == {1002: "WRITE", 1003: "WRITE"}
    # Satellites the organization does not have cannot go into its groups.
    bad = client.patch(f"{A}/groups/{g['groupId']}", json={"satellites": [1002, 2001]}, headers=h)
    assert bad.status_code == 403 and "2001" in bad.json()["error"]
    assert (
        client.patch(f"{A}/groups/{g['groupId']}", json={"satellites": [99999]}, headers=h).status_code == 404
    )
    r = client.patch(f"{A}/groups/{g['groupId']}", json={"name": "ops-east", "satellites": [1003]}, headers=h)
    assert r.json()["name"] == "ops-east" and r.json()["satellites"] == [1003]
    assert _sats(client, world.headers("ops1")) == {1003: "WRITE"}
    # The group admin adds a base user as a member; the member reads, never writes.
    r = client.post(f"{A}/users", json={"username": "ops2"}, headers=h)
    ops2 = r.json()["userId"]
    world.users["ops2"] = (ops2, "ops2", world.orgs["ACME"])
    r = client.put(
        f"{A}/groups/{g['groupId']}/members/{ops2}", json={"role": "MEMBER"}, headers=world.headers("ops1")
    )
    assert r.status_code == 200, r.text
    assert _sats(client, world.headers("ops2")) == {1003: "READ"}
    seen = client.get(f"{A}/users", headers=world.headers("ops1")).json()
    assert sorted(u["username"] for u in seen) == ["ops1", "ops2"]  # a group admin sees the group
    # Deleting the group makes its users base users again (Table 7.1.1 note).
    assert client.delete(f"{A}/groups/{g['groupId']}", headers=h).status_code == 204
    assert _sats(client, world.headers("ops1")) == {} and _sats(client, world.headers("ops2")) == {}
    assert client.get(f"{A}/groups/{g['groupId']}", headers=h).status_code == 404
    # Organization roles; removing a user disables it and revokes its credentials.
    r = client.patch(f"{A}/users/{ops2}", json={"orgRole": "USER"}, headers=h)
    assert r.json()["systemRoles"] == ["OWNER"]
    assert _sats(client, world.headers("ops2")) == {1001: "READ", 1002: "READ", 1003: "READ"}
    sec = client.post(f"{A}/credentials", headers=world.headers("ops2")).json()
    assert client.delete(f"{A}/users/{ops2}", headers=h).status_code == 204
    assert client.get(f"{A}/me", headers=world.headers("ops2")).status_code == 401
    assert _token(client, sec["clientId"], sec["clientSecret"]) == 401
    with sessions() as s:
        assert s.get(User, ops2).disabled


def test_organization_keeps_an_admin(client, world):
    h = world.headers("acme_admin")
    me = world.users["acme_admin"][0]
    for change in ({"orgRole": "USER"}, {"orgRole": None}, {"disabled": True}):
        r = client.patch(f"{A}/users/{me}", json=change, headers=h)
        assert r.status_code == 409 and "at least one" in r.json()["error"], change
    assert client.delete(f"{A}/users/{me}", headers=h).status_code == 409
    second = client.post(f"{A}/users", json={"username": "admin2", "orgRole": "ADMIN"}, headers=h).json()
    assert client.patch(f"{A}/users/{me}", json={"orgRole": "USER"}, headers=h).status_code == 200
    org = client.get(f"{A}/organization", headers=world.headers("acme_admin")).status_code
    assert org == 403  # no longer an admin (a fresh token reflects the new role)
    assert second["orgRole"] == "ADMIN"


def test_credentials_are_shown_once_stored_hashed_and_revocable(client, world, sessions):
    h = world.headers("acme_user")
    r = client.post(f"{A}/credentials", headers=h)
    assert r.status_code == 201
    new = r.json()
    assert _token(client, new["clientId"], new["clientSecret"]) == 200
    listed = client.get(f"{A}/credentials", headers=h).json()
    assert [c["clientId"] for c in listed] == [new["clientId"]] and "clientSecret" not in listed[0]
    with sessions() as s:
        stored = s.scalars(select(ApiClient).where(ApiClient.client_id == new["clientId"])).one()
        assert new["clientSecret"] not in stored.secret_hash and stored.secret_hash.startswith("scrypt$")
    # The organization admin sees and revokes them; nobody issues credentials for someone else.
    admin = world.headers("acme_admin")
    uid = world.users["acme_user"][0]
    assert [
        c["clientId"] for c in client.get(f"{A}/credentials", params={"userId": uid}, headers=admin).json()
    ] == [new["clientId"]]
    assert client.delete(f"{A}/credentials/{new['clientId']}", headers=admin).status_code == 204
    assert _token(client, new["clientId"], new["clientSecret"]) == 401
    assert client.get(f"{A}/credentials", headers=h).json()[0]["revoked"] is True
    assert client.delete(f"{A}/credentials/nope", headers=admin).status_code == 404


def test_third_party_partner_lifecycle(client, world):
    h = world.headers("acme_admin")
    body = {
        "name": "Orbit Services",
        "country": "CA",
        "adminUsername": "orbit_admin",
        "adminEmail": "admin@orbit.test",
        "satellites": [{"noradId": 1003, "access": "WRITE"}, {"noradId": 1002, "access": "READ"}],
    }
    r = client.post(f"{A}/partners", json=body, headers=h)
    assert r.status_code == 201, r.text
    out = r.json()
    pid = out["partnerOrganizationId"]
    assert {(g["noradId"], g["access"]) for g in out["grants"]} == {(1003, "WRITE"), (1002, "READ")}
    # The invitation: the partner admin's first credentials, once.
    inv = out["invitation"]
    tok = client.post(
        TOKEN, auth=(inv["clientId"], inv["clientSecret"]), data={"grant_type": "client_credentials"}
    )
    assert tok.status_code == 200
    ph = {"Authorization": f"Bearer {tok.json()['access_token']}"}
    assert _sats(client, ph) == {1002: "READ", 1003: "WRITE"}
    assert client.get(f"{A}/me", headers=ph).json()["systemRoles"] == ["ADMIN", "SSA"]
    received = client.get(f"{A}/partners", headers=ph).json()
    assert {g["grantorOrganization"] for g in received} == {"ACME"}
    # Change and withdraw grants; adding the same partner again only adds grants.
    r = client.put(f"{A}/partners/{pid}/satellites/1003", json={"access": "READ"}, headers=h)
    assert r.status_code == 200 and r.json()["access"] == "READ"
    assert _sats(client, ph) == {1002: "READ", 1003: "READ"}
    again = client.post(
        f"{A}/partners", json={"name": "Orbit Services", "satellites": [{"noradId": 1001}]}, headers=h
    ).json()
    assert "invitation" not in again and len(again["grants"]) == 3
    assert client.delete(f"{A}/partners/{pid}/satellites/1002", headers=h).status_code == 204
    assert client.delete(f"{A}/partners/{pid}/satellites/1002", headers=h).status_code == 404
    assert client.delete(f"{A}/partners/{pid}", headers=h).status_code == 204
    assert _sats(client, ph) == {}
    # Not someone else's satellite, not an O/O organization, not write access from a government.
    r = client.put(f"{A}/partners/{pid}/satellites/2001", json={"access": "READ"}, headers=h)
    assert r.status_code == 403
    beta = client.post(f"{A}/partners", json={"name": "Beta"}, headers=h)
    assert beta.status_code == 409
    gov = world.headers("gov_admin")
    assert (
        client.put(f"{A}/partners/{pid}/satellites/1001", json={"access": "WRITE"}, headers=gov).status_code
        == 403
    )
    assert (
        client.put(f"{A}/partners/{pid}/satellites/1001", json={"access": "READ"}, headers=gov).status_code
        == 200
    )
    assert _sats(client, ph) == {1001: "READ"}


def test_claim_and_release(client, world):
    h = world.headers("acme_admin")
    r = client.post(f"{A}/satellites/3001/claim", headers=h)
    assert r.status_code == 200 and r.json()["organization"] == "ACME"
    assert 3001 in _sats(client, h)
    other = client.post(f"{A}/satellites/3001/claim", headers=world.headers("beta_admin"))
    assert other.status_code == 403 and "another organization" in other.json()["error"]
    assert client.delete(f"{A}/satellites/1001/claim", headers=h).status_code == 204
    assert 1001 not in _sats(client, h)
    assert 1001 not in _sats(client, world.headers("ssa_admin"))  # its grants went with the claim
    assert client.post(f"{A}/satellites/424242/claim", headers=h).status_code == 404


def test_errors_are_tracss_shaped(client, world):
    h = world.headers("acme_admin")
    assert client.get(f"{A}/me").status_code == 401
    cases = [
        client.post(f"{A}/users", json={"username": "x", "bogus": 1}, headers=h),
        client.post(f"{A}/users", json={"username": "x", "orgRole": "KING"}, headers=h),
        client.post(f"{A}/users", content=b"not json", headers={**h, "Content-Type": "application/json"}),
        client.get(f"{A}/users/abc", headers=h),
        client.put(f"{A}/groups/1/members/1", json={"role": "OWNER"}, headers=h),
        client.put(f"{A}/partners/{world.orgs['SSA']}/satellites/1001", json={"access": "ALL"}, headers=h),
    ]
    for r in cases:
        assert r.status_code in (400, 403), r.text
        assert set(r.json()) == {"error"}
    assert client.get(f"{A}/users/999999", headers=h).status_code == 404
    assert client.get(f"{A}/groups/999999", headers=h).status_code == 404
