"""Account management over HTTP (``/accounts/v1``): what TraCSS's Accounts and API pages do.

TraCSS's published API has no account paths (the handbook's account management lives in the web
app), so these are openstc's own, under one prefix:

* ``/me``, ``/organization``: the caller's roles and satellites; the organization (org admins);
* ``/users``: add, edit, remove users and set their organization roles (org admins);
* ``/groups`` and ``/groups/{id}/members/{userId}``: groups, their satellites and members (org
  admins; group admins add and remove members of their own group);
* ``/credentials``: issue client credentials for oneself (the secret appears once, only the hash is
  stored), list and revoke them (also org admins for their users);
* ``/partners``: third-party partners and their read or read/write grants per satellite;
* ``/satellites``: the caller's satellites with access levels; ``/satellites/{noradId}/claim``.

Every decision is :func:`openstc.auth.policy.decide` (through :mod:`openstc.auth.manage`); errors
are TraCSS-shaped ``{"error": ...}``: 400 bad input, 401 no token, 403 not allowed, 404 unknown id,
409 a conflict (duplicate name, last admin). Role changes apply at once to existing tokens (in other
worker processes within the principal cache's few seconds).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from openstc.api import serialize
from openstc.api.deps import DB, Auth, state
from openstc.auth import manage
from openstc.auth.policy import (
    MEMBER,
    READ,
    OrgAdministration,
    Principal,
    system_roles,
)
from openstc.store.models import ApiClient, Group, Organization, ThirdPartyGrant, User
from openstc.store.times import format_iso_z


def _fresh_principals(request: Request) -> Iterator[None]:
    """After any account change, forget cached principals: new roles and grants apply at once."""
    yield
    if request.method != "GET":
        state(request).principals.clear()


router = APIRouter(prefix="/accounts/v1", tags=["accounts"], dependencies=[Depends(_fresh_principals)])
_DENIED: dict[int | str, dict[str, Any]] = {
    403: {"description": "Not allowed"},
    404: {"description": "Unknown"},
}


MAX_ID = 2_147_483_647  # ids and NORAD numbers are 32-bit INTEGER columns
Id = Annotated[int, Field(ge=0, le=MAX_ID)]
PathId = Annotated[int, Path(ge=0, le=MAX_ID)]
ClientId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="after")
    def _printable(self) -> _Body:
        for name, value in self:
            if isinstance(value, str) and any(ord(ch) < 32 for ch in value):
                raise ValueError(f"{name} contains control characters")
        return self


class NewUser(_Body):
    username: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    orgRole: str | None = Field(default=None, description="ADMIN, USER or null (a base or group user)")
    groupId: Id | None = None
    groupRole: str | None = Field(default=None, description="ADMIN or MEMBER (with groupId)")


class UserChange(_Body):
    email: str | None = Field(default=None, max_length=320)
    orgRole: str | None = Field(default="", description="ADMIN, USER, or null to clear; omit to keep")
    disabled: bool | None = None


class NewGroup(_Body):
    name: str = Field(min_length=1, max_length=200)
    satellites: list[Id] = Field(default_factory=list, max_length=100_000)


class GroupChange(_Body):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    satellites: list[Id] | None = Field(default=None, max_length=100_000)


class Membership(_Body):
    role: str = Field(default=MEMBER, description="ADMIN or MEMBER")


class Access(_Body):
    access: str = Field(default="READ", description="READ or WRITE (read/write)")


class GrantItem(Access):
    noradId: Id


class NewPartner(_Body):
    name: str = Field(min_length=1, max_length=200)
    country: str | None = Field(default=None, max_length=80)
    adminUsername: str | None = Field(default=None, max_length=200)
    adminEmail: str | None = Field(default=None, max_length=320)
    satellites: list[GrantItem] = Field(default_factory=list, max_length=100_000)


def _t(v: Any) -> str | None:
    return format_iso_z(v) if v else None


def _roles(user: User, org: Organization | None) -> list[str]:
    p = Principal(user.id, user.username, user.org_id, org.kind if org else "OO", org_role=user.org_role)
    return system_roles(dataclasses.replace(p, group_id=user.group_id, group_role=user.group_role))


def user_dto(s: DB, user: User) -> dict[str, Any]:
    org = s.get(Organization, user.org_id)
    return {
        "userId": user.id,
        "username": user.username,
        "email": user.email,
        "organizationId": user.org_id,
        "organization": org.name if org else None,
        "orgRole": user.org_role,
        "groupId": user.group_id,
        "groupRole": user.group_role,
        "systemRoles": _roles(user, org),
        "disabled": user.disabled,
        "createdAt": _t(user.created_at),
    }


def group_dto(s: DB, group: Group) -> dict[str, Any]:
    return {
        "groupId": group.id,
        "name": group.name,
        "organizationId": group.org_id,
        "satellites": manage.group_satellites(s, group.id),
        "members": [
            {"userId": u.id, "username": u.username, "groupRole": u.group_role}
            for u in manage.group_members(s, group.id)
        ],
    }


def credential_dto(c: ApiClient) -> dict[str, Any]:
    return {"clientId": c.client_id, "userId": c.user_id, "createdAt": _t(c.created_at), "revoked": c.revoked}


def grant_dto(s: DB, g: ThirdPartyGrant) -> dict[str, Any]:
    grantor, partner = s.get(Organization, g.grantor_org_id), s.get(Organization, g.grantee_org_id)
    return {
        "grantorOrganizationId": g.grantor_org_id,
        "grantorOrganization": grantor.name if grantor else None,
        "partnerOrganizationId": g.grantee_org_id,
        "partnerOrganization": partner.name if partner else None,
        "noradId": g.norad_id,
        "access": g.access,
    }


def _ok(body: Any, status: int = 200) -> Response:
    return serialize.json_response(body, status=status)


def _saved(s: DB, body: Any, status: int = 200) -> Response:
    """Commit, then answer with ``body`` (built before the commit expires the rows)."""
    s.commit()
    return _ok(body, status)


def _done(s: DB) -> Response:
    s.commit()
    return Response(status_code=204)


def _satellites(s: DB, p: Principal) -> list[dict[str, Any]]:
    return [
        {
            "noradId": o.norad_id,
            "satelliteName": o.satellite_name,
            "organization": o.organization,
            "claimed": o.owner_org_id is not None,
            "access": acc.name,
        }
        for o, acc in manage.satellites_of(s, p)
    ]


# --- who am I --------------------------------------------------------------------------------------


@router.get("/me", summary="The caller: organization, roles (Tables 7.1.1/7.1.2) and satellite access")
def me(s: DB, p: Auth) -> Response:
    org = s.get(Organization, p.org_id)
    return _ok(
        {
            "userId": p.user_id,
            "username": p.username,
            "organization": {"id": p.org_id, "name": org.name if org else None, "kind": p.org_kind},
            "country": p.country,
            "orgRole": p.org_role,
            "groupId": p.group_id,
            "groupRole": p.group_role,
            "userType": p.level,
            "systemRoles": system_roles(p),
            "satellites": _satellites(s, p),
        }
    )


@router.get(
    "/organization", summary="The caller's organization with its users and satellites", responses=_DENIED
)
def organization(s: DB, p: Auth) -> Response:
    manage.require(p, OrgAdministration(p.org_id), READ)
    org = manage.get_row(s, Organization, p.org_id, "organization")
    return _ok(
        {
            "organizationId": org.id,
            "name": org.name,
            "kind": org.kind,
            "country": org.country,
            "users": [user_dto(s, u) for u in manage.list_users(s, p)],
            "satellites": sorted(manage.organization_norads(s, org)),
            "groups": [group_dto(s, g) for g in manage.list_groups(s, p)],
        }
    )


@router.get("/satellites", summary="Satellites the caller reads, with the access level (READ or WRITE)")
def satellites(s: DB, p: Auth) -> Response:
    return _ok(_satellites(s, p))


@router.post(
    "/satellites/{noradId}/claim", summary="Claim a catalog satellite (O/O org admins)", responses=_DENIED
)
def claim(noradId: PathId, s: DB, p: Auth) -> Response:
    sat = manage.claim(s, p, noradId)
    s.commit()
    return _ok({"noradId": sat.norad_id, "organization": sat.organization, "claimedAt": _t(sat.claimed_at)})


@router.delete(
    "/satellites/{noradId}/claim",
    summary="Release a claimed satellite (its third-party grants go with it)",
    status_code=204,
    responses=_DENIED,
)
def release(noradId: PathId, s: DB, p: Auth) -> Response:
    manage.release(s, p, noradId)
    return _done(s)


# --- users -----------------------------------------------------------------------------------------


@router.get(
    "/users",
    summary="Users of the caller's organization (org admins) or group (group admins)",
    responses=_DENIED,
)
def list_users(s: DB, p: Auth) -> Response:
    return _ok([user_dto(s, u) for u in manage.list_users(s, p)])


@router.post(
    "/users",
    summary="Add a user to the caller's organization (org admins)",
    status_code=201,
    responses=_DENIED,
)
def add_user(body: NewUser, s: DB, p: Auth) -> Response:
    user = manage.add_user(
        s,
        p,
        body.username,
        email=body.email,
        org_role=body.orgRole,
        group_id=body.groupId,
        group_role=body.groupRole,
    )
    return _saved(s, user_dto(s, user), 201)


@router.get("/users/{userId}", summary="One user", responses=_DENIED)
def get_user(userId: PathId, s: DB, p: Auth) -> Response:
    return _ok(user_dto(s, manage.get_user(s, p, userId)))


@router.patch(
    "/users/{userId}", summary="Change a user's email, organization role or disabled flag", responses=_DENIED
)
def change_user(userId: PathId, body: UserChange, s: DB, p: Auth) -> Response:
    user = manage.update_user(s, p, userId, email=body.email, org_role=body.orgRole, disabled=body.disabled)
    return _saved(s, user_dto(s, user))


@router.delete(
    "/users/{userId}",
    summary="Remove a user: the account is disabled and its credentials revoked",
    status_code=204,
    responses=_DENIED,
)
def remove_user(userId: PathId, s: DB, p: Auth) -> Response:
    manage.remove_user(s, p, userId)
    return _done(s)


# --- groups ----------------------------------------------------------------------------------------


@router.get(
    "/groups", summary="Groups: all of the organization (org admins) or the caller's own", responses=_DENIED
)
def list_groups(s: DB, p: Auth) -> Response:
    return _ok([group_dto(s, g) for g in manage.list_groups(s, p)])


@router.post(
    "/groups", summary="Create a group with satellites (org admins)", status_code=201, responses=_DENIED
)
def create_group(body: NewGroup, s: DB, p: Auth) -> Response:
    group = manage.create_group(s, p, body.name, body.satellites)
    return _saved(s, group_dto(s, group), 201)


@router.get("/groups/{groupId}", summary="One group with its satellites and members", responses=_DENIED)
def get_group(groupId: PathId, s: DB, p: Auth) -> Response:
    return _ok(group_dto(s, manage.get_group(s, p, groupId)))


@router.patch(
    "/groups/{groupId}", summary="Rename a group or replace its satellites (org admins)", responses=_DENIED
)
def change_group(groupId: PathId, body: GroupChange, s: DB, p: Auth) -> Response:
    group = manage.update_group(s, p, groupId, name=body.name, norads=body.satellites)
    return _saved(s, group_dto(s, group))


@router.delete(
    "/groups/{groupId}",
    summary="Delete a group; its users become base users",
    status_code=204,
    responses=_DENIED,
)
def delete_group(groupId: PathId, s: DB, p: Auth) -> Response:
    manage.delete_group(s, p, groupId)
    return _done(s)


@router.put(
    "/groups/{groupId}/members/{userId}",
    summary="Put a user into a group as ADMIN or MEMBER",
    responses=_DENIED,
)
def set_member(groupId: PathId, userId: PathId, body: Membership, s: DB, p: Auth) -> Response:
    user = manage.set_member(s, p, groupId, userId, body.role.upper())
    return _saved(s, user_dto(s, user))


@router.delete(
    "/groups/{groupId}/members/{userId}",
    summary="Take a user out of a group",
    status_code=204,
    responses=_DENIED,
)
def remove_member(groupId: PathId, userId: PathId, s: DB, p: Auth) -> Response:
    manage.remove_member(s, p, groupId, userId)
    return _done(s)


# --- client credentials ----------------------------------------------------------------------------


@router.get(
    "/credentials",
    summary="Client credentials of the caller (or of userId, for org admins)",
    responses=_DENIED,
)
def list_credentials(
    s: DB, p: Auth, userId: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None
) -> Response:
    return _ok([credential_dto(c) for c in manage.list_credentials(s, p, userId)])


@router.post(
    "/credentials",
    summary="Issue client credentials for the caller; the secret is shown once and stored hashed",
    status_code=201,
    responses=_DENIED,
)
def issue_credentials(s: DB, p: Auth) -> Response:
    new = manage.issue_credentials(s, p)
    s.commit()
    return serialize.json_response({"clientId": new.client_id, "clientSecret": new.client_secret}, status=201)


@router.delete(
    "/credentials/{clientId}", summary="Revoke client credentials", status_code=204, responses=_DENIED
)
def revoke_credentials(clientId: ClientId, s: DB, p: Auth) -> Response:
    manage.revoke_credentials(s, p, clientId)
    return _done(s)


# --- third-party partners --------------------------------------------------------------------------


@router.get(
    "/partners",
    summary="Third-party grants the organization gave (or, for a partner, received)",
    responses=_DENIED,
)
def list_partners(s: DB, p: Auth) -> Response:
    return _ok([grant_dto(s, g) for g in manage.list_grants(s, p)])


@router.post(
    "/partners",
    summary="Add a third-party partner with read or read/write grants per satellite",
    description=(
        "Creates the partner organization with its admin when it does not exist yet; the answer then "
        "carries the admin's first client credentials once (the invitation), to hand to the partner."
    ),
    status_code=201,
    responses=_DENIED,
)
def add_partner(body: NewPartner, s: DB, p: Auth) -> Response:
    new = manage.add_partner(
        s,
        p,
        body.name,
        country=body.country,
        admin_username=body.adminUsername,
        admin_email=body.adminEmail,
        grants=[(g.noradId, g.access) for g in body.satellites],
    )
    grants = [g for g in manage.list_grants(s, p) if g.grantee_org_id == new.org.id]
    out: dict[str, Any] = {
        "partnerOrganizationId": new.org.id,
        "name": new.org.name,
        "grants": [grant_dto(s, g) for g in grants],
    }
    if new.admin is not None and new.invitation is not None:
        out["admin"] = {"userId": new.admin.id, "username": new.admin.username}
        out["invitation"] = {
            "clientId": new.invitation.client_id,
            "clientSecret": new.invitation.client_secret,
        }
    return _saved(s, out, 201)


@router.put(
    "/partners/{partnerId}/satellites/{noradId}",
    summary="Grant or change a partner's access to a satellite",
    responses=_DENIED,
)
def set_grant(partnerId: PathId, noradId: PathId, body: Access, s: DB, p: Auth) -> Response:
    grant = manage.set_grant(s, p, partnerId, noradId, body.access)
    return _saved(s, grant_dto(s, grant))


@router.delete(
    "/partners/{partnerId}/satellites/{noradId}",
    summary="Withdraw a partner's access to a satellite",
    status_code=204,
    responses=_DENIED,
)
def remove_grant(partnerId: PathId, noradId: PathId, s: DB, p: Auth) -> Response:
    manage.remove_grants(s, p, partnerId, noradId)
    return _done(s)


@router.delete(
    "/partners/{partnerId}",
    summary="Remove a partner: every grant the organization gave it",
    status_code=204,
    responses=_DENIED,
)
def remove_partner(partnerId: PathId, s: DB, p: Auth) -> Response:
    manage.remove_grants(s, p, partnerId)
    return _done(s)
