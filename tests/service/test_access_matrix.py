"""Access matrix: every role x resource x read/write, as handbook Tables 7.1.1 and 7.1.2 say.

The world (conftest): ACME (O/O, US) claims 1001 (in group g1, granted read/write to the partner),
1002 (granted read) and 1003; Beta (O/O, FR) claims 2001; 3001 is unclaimed (DE). SSA-Partner is
a third-party partner; US-Gov a national-government account for the US.
"""

from __future__ import annotations

import pytest

from openstc.auth.accounts import load_principal, readable_norads
from openstc.auth.policy import (
    Access,
    CdmResource,
    NationalityChangeRequest,
    OcmResource,
    OrgAdministration,
    ProvenanceResource,
    PublicCatalog,
    Satellite,
    SatelliteClaim,
    SatelliteResource,
    decide,
    satellite_access,
    system_roles,
)
from openstc.store.models import CatalogObject, User

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
