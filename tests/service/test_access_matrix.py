"""Access matrix: every role x resource x read/write, as handbook Tables 7.1.1 and 7.1.2 say.

The world (conftest): ACME (O/O, US) claims 1001 (in group g1, granted read/write to the partner),
1002 (granted read) and 1003; Beta (O/O, FR) claims 2001; 3001 is unclaimed (DE). SSA-Partner is
a third-party partner; US-Gov a national-government account for the US.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from openstc.auth import accounts
from openstc.auth.accounts import load_principal, readable_norads
from openstc.auth.policy import (
    Access,
    CdmResource,
    ClientCredentials,
    GroupMembership,
    GroupResource,
    NationalityChangeRequest,
    OcmResource,
    OrgAdministration,
    PartnerGrant,
    ProvenanceResource,
    PublicCatalog,
    Satellite,
    SatelliteClaim,
    SatelliteResource,
    UserAccount,
    decide,
    satellite_access,
    system_roles,
)
from openstc.store.db import transaction
from openstc.store.models import CatalogObject, Group, Organization, User

from .conftest import SATS

N, R, W = Access.NONE, Access.READ, Access.WRITE
USERS = [
    "acme_admin",
    "acme_user",
    "acme_gadmin",
    "acme_gmember",
    "acme_base",
    "beta_admin",
    "ssa_admin",
    "ssa_user",
    "gov_admin",
    "gov_user",
]
#                 1001 1002 1003 2001 3001
SAT_TABLE = {
    "acme_admin": (W, W, W, N, N),  # O/O org admin: all org satellites, read/write
    "acme_user": (R, R, R, N, N),  # O/O org user: all org satellites, read only
    "acme_gadmin": (W, N, N, N, N),  # group admin: group satellites, read/write
    "acme_gmember": (R, N, N, N, N),  # group member: group satellites, read
    "acme_base": (N, N, N, N, N),  # base user: none
    "beta_admin": (N, N, N, W, N),
    "ssa_admin": (W, R, N, N, N),  # partner admin: granted satellites, write where the grant is RW
    "ssa_user": (R, R, N, N, N),  # partner user: granted satellites, read
    "gov_admin": (R, R, R, N, N),  # government: satellites of its country, read only
    "gov_user": (R, R, R, N, N),
}
NORADS = (1001, 1002, 1003, 2001, 3001)
ROLES = {
    "acme_admin": ["OWNER", "ADMIN"],
    "acme_user": ["OWNER"],
    "acme_gadmin": ["GROUP_ADMIN", "USER"],
    "acme_gmember": ["USER"],
    "acme_base": ["USER"],
    "ssa_admin": ["ADMIN", "SSA"],
    "ssa_user": ["SSA"],
    "gov_admin": ["GOV", "ADMIN"],
    "gov_user": ["GOV"],
}


@pytest.fixture
def principals(world, sessions):
    with sessions() as s:
        out = {}
        for name in USERS:
            uid = world.users[name][0]
            out[name] = load_principal(s, s.get(User, uid))
        sats = {}
        for n in NORADS:
            o = s.get(CatalogObject, n)
            sats[n] = Satellite(n, o.owner_org_id, o.nationality_fields())
        readable = {name: readable_norads(s, p) for name, p in out.items()}
    return out, sats, readable


def test_system_roles(principals):
    ps, _, _ = principals
    for name, roles in ROLES.items():
        assert system_roles(ps[name]) == roles, name


@pytest.mark.parametrize("user", USERS)
def test_satellite_matrix(principals, user):
    ps, sats, readable = principals
    p = ps[user]
    for norad, expected in zip(NORADS, SAT_TABLE[user], strict=True):
        got = satellite_access(p, sats[norad])
        assert got is expected, f"{user} on {norad}: {got} != {expected}"
        res = SatelliteResource(sats[norad])
        assert bool(decide(p, res, "read")) == (expected is not N)
        assert bool(decide(p, res, "write")) == (expected is W)
        # The SQL form used by the API must agree with the policy.
        assert (norad in readable[user]) == (expected is not N), f"readable_norads of {user}"
        # OCM upload = write on the satellite, never for governments.
        ocm_write = decide(p, OcmResource(sats[norad], candidate=False, owner_org_id=p.org_id), "write")
        assert bool(ocm_write) == (expected is W and p.org_kind != "GOV")


@pytest.mark.parametrize("user", USERS)
def test_ocm_cdm_public_and_admin_resources(principals, world, user):
    ps, sats, _ = principals
    p = ps[user]
    acme = world.orgs["ACME"]
    acme_reader = user in ("acme_admin", "acme_user", "acme_gadmin", "acme_gmember")
    # Operational OCMs are public; candidate ones only inside ACME, per satellite read access.
    assert decide(p, OcmResource(sats[1001], False, acme), "read")
    assert bool(decide(p, OcmResource(sats[1001], True, acme), "read")) == acme_reader
    # CDMs: visible to whoever reads one of the objects; candidate ones only inside ACME.
    reads_1001 = SAT_TABLE[user][0] is not N
    assert bool(decide(p, CdmResource(sats[1001], sats[3001]), "read")) == reads_1001
    assert bool(decide(p, CdmResource(sats[1001], sats[3001], True, acme), "read")) == acme_reader
    assert bool(decide(p, CdmResource(sats[2001], sats[3001]), "read")) == (user == "beta_admin")
    for res in (CdmResource(sats[1001], sats[3001]), CdmResource(sats[1001], sats[3001], True, acme)):
        assert not decide(p, res, "write")
    assert decide(p, PublicCatalog(), "read") and not decide(p, PublicCatalog(), "write")
    assert decide(p, ProvenanceResource(), "read") and not decide(p, ProvenanceResource(), "write")
    is_org_admin = user.endswith("_admin") and user != "acme_gadmin"
    assert bool(decide(p, OrgAdministration(p.org_id), "write")) == is_org_admin
    assert not decide(
        p, OrgAdministration(world.orgs["Beta"] if p.org_id != world.orgs["Beta"] else acme), "write"
    )
    # Claims: O/O organization admins, unclaimed satellites (or their own) only.
    assert bool(decide(p, SatelliteClaim(sats[3001]), "write")) == (user in ("acme_admin", "beta_admin"))
    assert not decide(p, SatelliteClaim(sats[2001]), "write") or user == "beta_admin"
    # Nationality-change requests: government admins on any satellite, O/O admins on their own.
    expected_nat = user == "gov_admin" or (user == "acme_admin")
    assert bool(decide(p, NationalityChangeRequest(sats[1002]), "write")) == expected_nat


def test_world_covers_every_role():
    assert set(SAT_TABLE) == set(USERS) and len(SATS) == len(NORADS)


# --- account management over HTTP (/accounts/v1): every role x action -------------------------------

ORG_ADMINS = {"acme_admin", "beta_admin", "ssa_admin", "gov_admin"}


@dataclass
class Ctx:
    client: Any
    world: Any
    sessions: Any
    ids: dict[str, int]
    counter: list[int]

    def fresh(self) -> int:
        self.counter[0] += 1
        return self.counter[0]


def _fresh_user(ctx: Ctx, org: str = "ACME", group: str | None = None, role: str | None = None) -> int:
    with transaction(ctx.sessions) as s:
        o = s.get(Organization, ctx.world.orgs[org])
        g = s.get(Group, ctx.ids[group]) if group else None
        return accounts.create_user(s, o, f"target{ctx.fresh()}", group=g, group_role=role).id


def _fresh_sat(ctx: Ctx, owner: str | None) -> int:
    n = 5000 + ctx.fresh()
    with transaction(ctx.sessions) as s:
        s.add(
            CatalogObject(
                norad_id=n,
                satellite_name=f"SAT-{n}",
                object_type="PAYLOAD",
                country_of_headquarters="US",
                owner_org_id=ctx.world.orgs[owner] if owner else None,
            )
        )
    return n


def _fresh_partner(ctx: Ctx) -> int:
    with transaction(ctx.sessions) as s:
        acme = s.get(Organization, ctx.world.orgs["ACME"])
        partner = accounts.create_organization(s, f"Partner{ctx.fresh()}", "THIRD_PARTY", "UK")
        accounts.grant_third_party(s, acme, partner, 1003, "READ")
        return partner.id


def _fresh_credentials(ctx: Ctx, user: str) -> str:
    with transaction(ctx.sessions) as s:
        return accounts.issue_credentials(s, s.get(User, ctx.world.users[user][0])).client_id


def _call(ctx: Ctx, caller: str, method: str, url: str, body: Any = None) -> Any:
    return ctx.client.request(method, "/accounts/v1" + url, json=body, headers=ctx.world.headers(caller))


# (name, request, callers allowed (2xx), other expected statuses {caller: status}; everyone else 403)
ACCOUNT_ACTIONS: list[tuple[str, Callable[[Ctx, str], Any], set[str], dict[str, int]]] = [
    ("me", lambda c, u: _call(c, u, "GET", "/me"), set(USERS), {}),
    ("my satellites", lambda c, u: _call(c, u, "GET", "/satellites"), set(USERS), {}),
    ("my organization", lambda c, u: _call(c, u, "GET", "/organization"), ORG_ADMINS, {}),
    ("list users", lambda c, u: _call(c, u, "GET", "/users"), ORG_ADMINS | {"acme_gadmin"}, {}),
    (
        "read a group member",
        lambda c, u: _call(c, u, "GET", f"/users/{c.ids['acme_gmember']}"),
        {"acme_admin", "acme_gadmin", "acme_gmember"},
        {},
    ),
    (
        "add a user to one's organization",
        lambda c, u: _call(c, u, "POST", "/users", {"username": f"new{c.fresh()}", "orgRole": "USER"}),
        ORG_ADMINS,
        {},
    ),
    (
        "edit an ACME user",
        lambda c, u: _call(c, u, "PATCH", f"/users/{_fresh_user(c)}", {"orgRole": "USER"}),
        {"acme_admin"},
        {},
    ),
    (
        "remove an ACME user",
        lambda c, u: _call(c, u, "DELETE", f"/users/{_fresh_user(c)}"),
        {"acme_admin"},
        {},
    ),
    (
        "list groups",
        lambda c, u: _call(c, u, "GET", "/groups"),
        ORG_ADMINS | {"acme_gadmin", "acme_gmember"},
        {},
    ),
    (
        "read group g1",
        lambda c, u: _call(c, u, "GET", f"/groups/{c.ids['g1']}"),
        {"acme_admin", "acme_gadmin", "acme_gmember"},
        {},
    ),
    (
        "create a group",
        lambda c, u: _call(c, u, "POST", "/groups", {"name": f"grp{c.fresh()}"}),
        ORG_ADMINS,
        {},
    ),
    (
        "assign satellites to g1",
        lambda c, u: _call(c, u, "PATCH", f"/groups/{c.ids['g1']}", {"satellites": [1001, 1002]}),
        {"acme_admin"},
        {},
    ),
    (
        "delete a group",
        lambda c, u: _call(c, u, "DELETE", f"/groups/{c.ids['g_spare']}"),
        {"acme_admin"},
        {},
    ),
    (
        "add a base user to g1 as member",
        lambda c, u: _call(
            c, u, "PUT", f"/groups/{c.ids['g1']}/members/{_fresh_user(c)}", {"role": "MEMBER"}
        ),
        {"acme_admin", "acme_gadmin"},
        {},
    ),
    (
        "make a user admin of g1",
        lambda c, u: _call(c, u, "PUT", f"/groups/{c.ids['g1']}/members/{_fresh_user(c)}", {"role": "ADMIN"}),
        {"acme_admin"},
        {},
    ),
    (
        "take a member out of g1",
        lambda c, u: _call(c, u, "DELETE", f"/groups/{c.ids['g1']}/members/{_fresh_user(c, group='g1')}"),
        {"acme_admin", "acme_gadmin"},
        {},
    ),
    ("issue own credentials", lambda c, u: _call(c, u, "POST", "/credentials"), set(USERS), {}),
    ("list own credentials", lambda c, u: _call(c, u, "GET", "/credentials"), set(USERS), {}),
    (
        "list acme_user's credentials",
        lambda c, u: _call(c, u, "GET", f"/credentials?userId={c.ids['acme_user']}"),
        {"acme_admin", "acme_user"},
        {},
    ),
    (
        "revoke acme_user's credentials",
        lambda c, u: _call(c, u, "DELETE", f"/credentials/{_fresh_credentials(c, 'acme_user')}"),
        {"acme_admin", "acme_user"},
        {},
    ),
    ("list partners", lambda c, u: _call(c, u, "GET", "/partners"), ORG_ADMINS, {}),
    (
        "add a partner",
        lambda c, u: _call(
            c, u, "POST", "/partners", {"name": f"P{c.fresh()}", "adminUsername": f"pa{c.fresh()}"}
        ),
        {"acme_admin", "beta_admin", "gov_admin"},
        {},
    ),
    (
        "grant read on 1003 to the partner",
        lambda c, u: _call(
            c, u, "PUT", f"/partners/{c.world.orgs['SSA']}/satellites/1003", {"access": "READ"}
        ),
        {"acme_admin", "gov_admin"},  # a US government admin shares US satellites read-only
        {},
    ),
    (
        "grant read/write on 1003 to the partner",
        lambda c, u: _call(
            c, u, "PUT", f"/partners/{c.world.orgs['SSA']}/satellites/1003", {"access": "WRITE"}
        ),
        {"acme_admin"},
        {},
    ),
    (
        "remove a partner of ACME",
        lambda c, u: _call(c, u, "DELETE", f"/partners/{_fresh_partner(c)}"),
        {"acme_admin"},
        {"beta_admin": 404, "gov_admin": 404},  # allowed to remove their own partners: they have none
    ),
    (
        "claim an unclaimed satellite",
        lambda c, u: _call(c, u, "POST", f"/satellites/{_fresh_sat(c, None)}/claim"),
        {"acme_admin", "beta_admin"},
        {},
    ),
    (
        "release an ACME satellite",
        lambda c, u: _call(c, u, "DELETE", f"/satellites/{_fresh_sat(c, 'ACME')}/claim"),
        {"acme_admin"},
        {},
    ),
]


@pytest.fixture
def ctx(client, world, sessions):
    ids = {name: world.users[name][0] for name in USERS}
    with transaction(sessions) as s:
        ids["g1"] = s.scalars(select(Group.id).where(Group.name == "g1")).one()
        acme = s.get(Organization, world.orgs["ACME"])
        ids["g_spare"] = accounts.create_group(s, acme, "spare", [1003]).id
    return Ctx(client, world, sessions, ids, [0])


@pytest.mark.parametrize("action", ACCOUNT_ACTIONS, ids=[a[0] for a in ACCOUNT_ACTIONS])
def test_account_management_matrix(ctx, action):
    name, call, allowed, other = action
    # Denied callers first: a destructive action by an allowed caller must not hide a wrong answer.
    for caller in sorted(USERS, key=lambda u: (u in allowed, u)):
        r = call(ctx, caller)
        if caller in allowed:
            assert 200 <= r.status_code < 300, (name, caller, r.status_code, r.text)
        else:
            want = other.get(caller, 403)
            assert r.status_code == want, (name, caller, r.status_code, r.text)
            if want == 403:
                assert r.json()["error"].startswith("Forbidden"), r.text


def test_every_account_route_is_in_the_matrix(app):
    routes = {
        (method.upper(), path)
        for path, ops in app.openapi()["paths"].items()
        if path.startswith("/accounts/")
        for method in ops
    }
    covered = {
        ("GET", "/accounts/v1/me"),
        ("GET", "/accounts/v1/satellites"),
        ("GET", "/accounts/v1/organization"),
        ("GET", "/accounts/v1/users"),
        ("POST", "/accounts/v1/users"),
        ("GET", "/accounts/v1/users/{userId}"),
        ("PATCH", "/accounts/v1/users/{userId}"),
        ("DELETE", "/accounts/v1/users/{userId}"),
        ("GET", "/accounts/v1/groups"),
        ("POST", "/accounts/v1/groups"),
        ("GET", "/accounts/v1/groups/{groupId}"),
        ("PATCH", "/accounts/v1/groups/{groupId}"),
        ("DELETE", "/accounts/v1/groups/{groupId}"),
        ("PUT", "/accounts/v1/groups/{groupId}/members/{userId}"),
        ("DELETE", "/accounts/v1/groups/{groupId}/members/{userId}"),
        ("GET", "/accounts/v1/credentials"),
        ("POST", "/accounts/v1/credentials"),
        ("DELETE", "/accounts/v1/credentials/{clientId}"),
        ("GET", "/accounts/v1/partners"),
        ("POST", "/accounts/v1/partners"),
        ("PUT", "/accounts/v1/partners/{partnerId}/satellites/{noradId}"),
        ("DELETE", "/accounts/v1/partners/{partnerId}/satellites/{noradId}"),
        ("DELETE", "/accounts/v1/partners/{partnerId}"),
        ("POST", "/accounts/v1/satellites/{noradId}/claim"),
        ("DELETE", "/accounts/v1/satellites/{noradId}/claim"),
    }
    assert routes == covered


@pytest.mark.parametrize("user", USERS)
def test_account_policy_matrix(principals, world, user):
    """The pure policy for the account resources, per role (the HTTP matrix above goes through it)."""
    ps, sats, _ = principals
    p = ps[user]
    acme, ssa = world.orgs["ACME"], world.orgs["SSA"]
    g1 = p.group_id if user in ("acme_gadmin", "acme_gmember") else -1
    is_acme_admin = user == "acme_admin"
    assert bool(decide(p, UserAccount(acme), "write")) == is_acme_admin
    assert bool(decide(p, GroupResource(acme, g1), "write")) == is_acme_admin
    assert bool(decide(p, GroupResource(acme, g1), "read")) == (
        user in ("acme_admin", "acme_gadmin", "acme_gmember")
    )
    member = GroupMembership(acme, g1, "MEMBER")
    assert bool(decide(p, member, "write")) == (user in ("acme_admin", "acme_gadmin"))
    assert bool(decide(p, GroupMembership(acme, g1, "ADMIN"), "write")) == is_acme_admin
    assert bool(decide(p, GroupMembership(acme, g1, "MEMBER", "USER"), "write")) == is_acme_admin
    assert bool(decide(p, GroupMembership(acme, g1, "MEMBER", None, 999), "write")) == is_acme_admin
    own = ClientCredentials(p.user_id, p.org_id)
    assert decide(p, own, "read") and decide(p, own, "write")
    assert decide(p, ClientCredentials(p.user_id, p.org_id, issue=True), "write")
    other = ClientCredentials(world.users["acme_user"][0], acme)
    assert bool(decide(p, other, "write")) == (user in ("acme_admin", "acme_user"))
    assert not decide(p, ClientCredentials(world.users["acme_user"][0], acme, issue=True), "write") or (
        user == "acme_user"
    )
    write_grant = PartnerGrant(p.org_id, ssa, sats[1001], "WRITE")
    assert bool(decide(p, write_grant, "write")) == is_acme_admin
    read_grant = PartnerGrant(p.org_id, ssa, sats[1001], "READ")
    assert bool(decide(p, read_grant, "write")) == (user in ("acme_admin", "gov_admin"))
    assert not decide(p, PartnerGrant(p.org_id, ssa, sats[2001], "READ"), "write") or user == "beta_admin"
    assert bool(decide(p, PartnerGrant(acme, ssa), "read")) == (user in ("acme_admin", "ssa_admin"))
