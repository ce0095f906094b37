"""Account management by the organizations themselves: users, groups, credentials, partners, claims.

What an organization admin (and, for a few actions, a group admin or any user) does on the handbook's
Accounts and API pages, as store operations. Every function takes the acting
:class:`~openstc.auth.policy.Principal`, asks :func:`~openstc.auth.policy.decide` first and raises
:class:`~openstc.errors.PermissionDeniedError` with the policy's reason when it says no; unknown ids
are :class:`~openstc.errors.NotFoundError`. Like :mod:`openstc.auth.accounts`, nothing here commits:
the caller's transaction decides.

Removing a user disables the account and revokes its credentials instead of deleting the row: the
user's uploads and batches keep naming who made them. Deleting a group turns its users into base
users (handbook Table 7.1.1 note). An organization always keeps at least one active admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from openstc.auth import accounts
from openstc.auth.policy import (
    ADMIN,
    GOV,
    MEMBER,
    READ,
    THIRD_PARTY,
    USER,
    WRITE,
    Access,
    ClientCredentials,
    GroupMembership,
    GroupResource,
    PartnerGrant,
    Principal,
    Resource,
    Satellite,
    SatelliteClaim,
    UserAccount,
    decide,
    satellite_access,
)
from openstc.errors import ConflictError, InvalidArgumentError, NotFoundError, PermissionDeniedError
from openstc.store.models import (
    ApiClient,
    CatalogObject,
    Group,
    GroupSatellite,
    Organization,
    ThirdPartyGrant,
    User,
)


def require(p: Principal, resource: Resource, action: str) -> None:
    decision = decide(p, resource, action)
    if not decision:
        raise PermissionDeniedError(f"Forbidden: {decision.reason}")


T = TypeVar("T")


def get_row(s: Session, model: type[T], key: object, what: str) -> T:
    row = s.get(model, key)
    if row is None:
        raise NotFoundError(f"No {what} {key}")
    return row


def satellite_facts(s: Session, norad_id: int) -> Satellite:
    sat = s.get(CatalogObject, norad_id)
    if sat is None:
        raise NotFoundError(f"satellite {norad_id} is not in the catalog")
    return Satellite(norad_id, sat.owner_org_id, sat.nationality_fields())


# --- users -----------------------------------------------------------------------------------------


def get_user(s: Session, p: Principal, user_id: int) -> User:
    user = get_row(s, User, user_id, "user")
    require(p, UserAccount(user.org_id, user.id, user.group_id), READ)
    return user


def list_users(s: Session, p: Principal, org_id: int | None = None) -> list[User]:
    """An org admin's organization, a group admin's group; 403 for everyone else."""
    org = org_id if org_id is not None else p.org_id
    if decide(p, UserAccount(org), READ):
        stmt = select(User).where(User.org_id == org)
    elif p.group_id is not None and decide(p, UserAccount(org, None, p.group_id), READ):
        stmt = select(User).where(User.group_id == p.group_id)
    else:
        require(p, UserAccount(org), READ)  # raises with the policy's reason
        return []
    return list(s.scalars(stmt.order_by(User.id)))


def _active_admins(s: Session, org_id: int) -> int:
    stmt = select(func.count()).select_from(User)
    stmt = stmt.where(User.org_id == org_id, User.org_role == ADMIN, User.disabled.is_(False))
    return int(s.scalar(stmt) or 0)


def _keep_an_admin(s: Session, user: User) -> None:
    if user.org_role == ADMIN and not user.disabled and _active_admins(s, user.org_id) <= 1:
        raise ConflictError("an organization keeps at least one active organization admin")


def add_user(
    s: Session,
    p: Principal,
    username: str,
    *,
    email: str | None = None,
    org_role: str | None = None,
    group_id: int | None = None,
    group_role: str | None = None,
    org_id: int | None = None,
) -> User:
    org = get_row(s, Organization, org_id if org_id is not None else p.org_id, "organization")
    require(p, UserAccount(org.id), WRITE)
    group = None
    if group_id is not None:
        group = get_row(s, Group, group_id, "group")
    if not username.strip():
        raise InvalidArgumentError("username must not be empty")
    return accounts.create_user(
        s, org, username.strip(), org_role=org_role, group=group, group_role=group_role, email=email
    )


def update_user(
    s: Session,
    p: Principal,
    user_id: int,
    *,
    email: str | None = None,
    org_role: str | None = "",
    disabled: bool | None = None,
) -> User:
    """Change email, organization role (``None`` clears it; ``""`` leaves it) or the disabled flag."""
    user = get_row(s, User, user_id, "user")
    require(p, UserAccount(user.org_id, user.id, user.group_id), WRITE)
    if org_role != "":
        if org_role not in (None, ADMIN, USER):
            raise InvalidArgumentError(f"orgRole must be ADMIN, USER or null, got {org_role!r}")
        if org_role != ADMIN:
            _keep_an_admin(s, user)
        user.org_role = org_role
    if disabled is not None:
        if disabled:
            _keep_an_admin(s, user)
        user.disabled = disabled
    if email is not None:
        user.email = email or None
    s.flush()
    return user


def remove_user(s: Session, p: Principal, user_id: int) -> User:
    user = get_row(s, User, user_id, "user")
    require(p, UserAccount(user.org_id, user.id, user.group_id), WRITE)
    _keep_an_admin(s, user)
    user.disabled = True
    user.org_role = None
    user.group_id = None
    user.group_role = None
    for client in s.scalars(select(ApiClient).where(ApiClient.user_id == user.id)):
        client.revoked = True
    s.flush()
    return user


# --- groups ----------------------------------------------------------------------------------------


def _check_satellites(s: Session, p: Principal, org_id: int, norads: list[int]) -> list[int]:
    """Group satellites must be the organization's own (claimed, granted or of its country)."""
    wanted = sorted(set(norads))
    if not wanted:
        return []
    allowed = organization_norads(s, get_row(s, Organization, org_id, "organization"))
    known = set(s.scalars(select(CatalogObject.norad_id).where(CatalogObject.norad_id.in_(wanted))))
    missing = [n for n in wanted if n not in known]
    if missing:
        raise NotFoundError(f"satellites not in the catalog: {missing}")
    outside = [n for n in wanted if n not in allowed]
    if outside:
        raise PermissionDeniedError(f"Forbidden: satellites not assigned to the organization: {outside}")
    return wanted


def organization_norads(s: Session, org: Organization) -> frozenset[int]:
    """The satellites assigned to an organization: claimed (O/O), granted (partner) or of its country
    (national government, by the five nationality-identifying fields)."""
    if org.kind == THIRD_PARTY:
        stmt = select(ThirdPartyGrant.norad_id).where(ThirdPartyGrant.grantee_org_id == org.id)
    elif org.kind == GOV:
        if not org.country:
            return frozenset()
        c = org.country.strip().lower()
        cols = (
            CatalogObject.country_of_launch_license,
            CatalogObject.country_of_headquarters,
            CatalogObject.country_providing_communication_license,
            CatalogObject.country_providing_remote_sensing,
            CatalogObject.country_of_un_registry,
        )
        stmt = select(CatalogObject.norad_id).where(or_(*(func.lower(func.trim(col)) == c for col in cols)))
    else:
        stmt = select(CatalogObject.norad_id).where(CatalogObject.owner_org_id == org.id)
    return frozenset(s.scalars(stmt))


def get_group(s: Session, p: Principal, group_id: int) -> Group:
    group = get_row(s, Group, group_id, "group")
    require(p, GroupResource(group.org_id, group.id), READ)
    return group


def group_satellites(s: Session, group_id: int) -> list[int]:
    stmt = select(GroupSatellite.norad_id).where(GroupSatellite.group_id == group_id)
    return sorted(s.scalars(stmt))


def group_members(s: Session, group_id: int) -> list[User]:
    return list(s.scalars(select(User).where(User.group_id == group_id).order_by(User.id)))


def list_groups(s: Session, p: Principal) -> list[Group]:
    if decide(p, GroupResource(p.org_id), READ):
        return list(s.scalars(select(Group).where(Group.org_id == p.org_id).order_by(Group.id)))
    if p.group_id is not None:
        return [get_group(s, p, p.group_id)]
    require(p, GroupResource(p.org_id), READ)
    return []


def _unique_group_name(s: Session, org_id: int, name: str, group_id: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise InvalidArgumentError("group name must not be empty")
    same = s.scalar(select(Group.id).where(Group.org_id == org_id, Group.name == name))
    if same is not None and same != group_id:
        raise ConflictError(f"the organization already has a group {name!r}")
    return name


def create_group(s: Session, p: Principal, name: str, norads: list[int]) -> Group:
    require(p, GroupResource(p.org_id), WRITE)
    name = _unique_group_name(s, p.org_id, name)
    org = get_row(s, Organization, p.org_id, "organization")
    return accounts.create_group(s, org, name, _check_satellites(s, p, org.id, norads))


def update_group(
    s: Session, p: Principal, group_id: int, *, name: str | None = None, norads: list[int] | None = None
) -> Group:
    group = get_row(s, Group, group_id, "group")
    require(p, GroupResource(group.org_id, group.id), WRITE)
    if name is not None:
        group.name = _unique_group_name(s, group.org_id, name, group.id)
    if norads is not None:
        wanted = _check_satellites(s, p, group.org_id, norads)
        s.execute(delete(GroupSatellite).where(GroupSatellite.group_id == group.id))
        for n in wanted:
            s.add(GroupSatellite(group_id=group.id, norad_id=n))
    s.flush()
    return group


def delete_group(s: Session, p: Principal, group_id: int) -> None:
    group = get_row(s, Group, group_id, "group")
    require(p, GroupResource(group.org_id, group.id), WRITE)
    for user in group_members(s, group.id):  # they become base users (Table 7.1.1 note)
        user.group_id, user.group_role = None, None
    s.execute(delete(GroupSatellite).where(GroupSatellite.group_id == group.id))
    s.delete(group)
    s.flush()


def _membership(group: Group, user: User, role: str) -> GroupMembership:
    return GroupMembership(group.org_id, group.id, role, user.org_role, user.group_id, user.group_role)


def set_member(s: Session, p: Principal, group_id: int, user_id: int, role: str = MEMBER) -> User:
    """Put a user into a group with ``role`` (a user belongs to one group: this moves them)."""
    if role not in (ADMIN, MEMBER):
        raise InvalidArgumentError(f"role must be ADMIN or MEMBER, got {role!r}")
    group = get_row(s, Group, group_id, "group")
    user = get_row(s, User, user_id, "user")
    require(p, _membership(group, user, role), WRITE)
    if user.org_id != group.org_id:
        raise InvalidArgumentError("a user's group must belong to the user's organization")
    user.group_id, user.group_role = group.id, role
    s.flush()
    return user


def remove_member(s: Session, p: Principal, group_id: int, user_id: int) -> User:
    group = get_row(s, Group, group_id, "group")
    user = get_row(s, User, user_id, "user")
    if user.group_id != group.id:
        raise NotFoundError(f"user {user_id} is not in group {group_id}")
    require(p, _membership(group, user, user.group_role or MEMBER), WRITE)
    user.group_id, user.group_role = None, None
    s.flush()
    return user


# --- client credentials ----------------------------------------------------------------------------


def list_credentials(s: Session, p: Principal, user_id: int | None = None) -> list[ApiClient]:
    user = get_row(s, User, user_id if user_id is not None else p.user_id, "user")
    require(p, ClientCredentials(user.id, user.org_id), READ)
    return list(s.scalars(select(ApiClient).where(ApiClient.user_id == user.id).order_by(ApiClient.id)))


def issue_credentials(s: Session, p: Principal) -> accounts.NewCredentials:
    user = get_row(s, User, p.user_id, "user")
    require(p, ClientCredentials(user.id, user.org_id, issue=True), WRITE)
    return accounts.issue_credentials(s, user)


def revoke_credentials(s: Session, p: Principal, client_id: str) -> ApiClient:
    client = s.scalar(select(ApiClient).where(ApiClient.client_id == client_id))
    if client is None:
        raise NotFoundError(f"No client credentials {client_id}")
    owner = get_row(s, User, client.user_id, "user")
    require(p, ClientCredentials(owner.id, owner.org_id), WRITE)
    client.revoked = True
    s.flush()
    return client


# --- third-party partners --------------------------------------------------------------------------


@dataclass(frozen=True)
class NewPartner:
    org: Organization
    admin: User | None  # created with the partner organization
    invitation: accounts.NewCredentials | None  # the partner admin's first credentials, shown once


def list_grants(s: Session, p: Principal) -> list[ThirdPartyGrant]:
    """Grants the caller's organization gave, or (for a partner) received; org admins only."""
    given = decide(p, PartnerGrant(p.org_id), READ)
    received = decide(p, PartnerGrant(-1, p.org_id), READ)
    if not (given or received):
        raise PermissionDeniedError(f"Forbidden: {given.reason}")
    stmt = select(ThirdPartyGrant)
    if not p.is_site_admin:
        stmt = stmt.where(
            (ThirdPartyGrant.grantor_org_id == p.org_id) | (ThirdPartyGrant.grantee_org_id == p.org_id)
        )
    return list(s.scalars(stmt.order_by(ThirdPartyGrant.grantee_org_id, ThirdPartyGrant.norad_id)))


def add_partner(
    s: Session,
    p: Principal,
    name: str,
    *,
    country: str | None = None,
    admin_username: str | None = None,
    admin_email: str | None = None,
    grants: list[tuple[int, str]] | None = None,
) -> NewPartner:
    """Add a third-party partner (handbook 7.3): the partner organization (created with its admin and
    the admin's first credentials, TraCSS's invitation, when it does not exist yet) and its grants."""
    require(p, PartnerGrant(p.org_id), WRITE)
    org = s.scalar(select(Organization).where(Organization.name == name.strip()))
    admin = invitation = None
    if org is None:
        if not admin_username:
            raise InvalidArgumentError("a new partner organization needs adminUsername (its first admin)")
        org = accounts.create_organization(s, name.strip(), THIRD_PARTY, country)
        admin = accounts.create_user(s, org, admin_username.strip(), org_role=ADMIN, email=admin_email)
        invitation = accounts.issue_credentials(s, admin)
    elif org.kind != THIRD_PARTY:
        raise ConflictError(f"organization {org.name!r} exists and is not a third-party partner")
    grantor = get_row(s, Organization, p.org_id, "organization")
    for norad, access in grants or []:
        set_grant(s, p, org.id, norad, access, grantor=grantor)
    s.flush()
    return NewPartner(org, admin, invitation)


def set_grant(
    s: Session,
    p: Principal,
    partner_org_id: int,
    norad_id: int,
    access: str,
    grantor: Organization | None = None,
) -> ThirdPartyGrant:
    access = access.upper()
    grantor = grantor or get_row(s, Organization, p.org_id, "organization")
    partner = get_row(s, Organization, partner_org_id, "organization")
    require(p, PartnerGrant(grantor.id, partner.id, satellite_facts(s, norad_id), access), WRITE)
    if partner.kind != THIRD_PARTY:
        raise InvalidArgumentError("grants go to third-party partner organizations")
    grant = s.get(ThirdPartyGrant, (grantor.id, partner.id, norad_id))
    if grant is None:
        grant = ThirdPartyGrant(
            grantor_org_id=grantor.id, grantee_org_id=partner.id, norad_id=norad_id, access=access
        )
        s.add(grant)
    else:
        grant.access = access
    s.flush()
    return grant


def remove_grants(s: Session, p: Principal, partner_org_id: int, norad_id: int | None = None) -> int:
    """Remove one grant (``norad_id``) or the whole partnership; returns how many grants went."""
    require(p, PartnerGrant(p.org_id, partner_org_id), WRITE)
    stmt = select(ThirdPartyGrant).where(
        ThirdPartyGrant.grantor_org_id == p.org_id, ThirdPartyGrant.grantee_org_id == partner_org_id
    )
    if norad_id is not None:
        stmt = stmt.where(ThirdPartyGrant.norad_id == norad_id)
    rows = list(s.scalars(stmt))
    if not rows:
        raise NotFoundError("No such third-party grant")
    for row in rows:
        s.delete(row)
    s.flush()
    return len(rows)


# --- satellites and claims -------------------------------------------------------------------------


def satellites_of(s: Session, p: Principal) -> list[tuple[CatalogObject, Access]]:
    """The satellites ``p`` reads, with the access level (a site admin: every claimed satellite)."""
    norads = accounts.readable_norads(s, p)
    stmt = select(CatalogObject)
    if norads is None:
        stmt = stmt.where(CatalogObject.owner_org_id.is_not(None))
    else:
        stmt = stmt.where(CatalogObject.norad_id.in_(sorted(norads)))
    return [
        (o, satellite_access(p, Satellite(o.norad_id, o.owner_org_id, o.nationality_fields())))
        for o in s.scalars(stmt.order_by(CatalogObject.norad_id))
    ]


def claim(s: Session, p: Principal, norad_id: int) -> CatalogObject:
    return accounts.claim_satellite(s, p, norad_id)


def release(s: Session, p: Principal, norad_id: int) -> CatalogObject:
    sat = s.get(CatalogObject, norad_id, with_for_update=True)
    if sat is None:
        raise NotFoundError(f"satellite {norad_id} is not in the catalog")
    require(p, SatelliteClaim(Satellite(norad_id, sat.owner_org_id)), WRITE)
    if sat.owner_org_id is None or (sat.owner_org_id != p.org_id and not p.is_site_admin):
        raise NotFoundError(f"satellite {norad_id} is not claimed by the caller's organization")
    for row in s.scalars(select(ThirdPartyGrant).where(ThirdPartyGrant.norad_id == norad_id)):
        if row.grantor_org_id == sat.owner_org_id:  # what the organization shared goes with the claim
            s.delete(row)
    sat.owner_org_id = None
    sat.claimed_at = None
    s.flush()
    return sat
