"""Accounts in the store: organizations, users, groups, grants, claims, credentials, principals.

These functions take an open :class:`~sqlalchemy.orm.Session` and never commit: the caller's
transaction decides (``with transaction(factory) as s: ...``). :func:`load_principal` turns a
user row into the :class:`~openstc.auth.policy.Principal` that the pure policy works on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from openstc.auth import credentials
from openstc.auth.policy import ADMIN, MEMBER, ORG_KINDS, USER, Principal, Satellite, SatelliteClaim, decide
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


def create_organization(s: Session, name: str, kind: str = "OO", country: str | None = None) -> Organization:
    if kind not in ORG_KINDS:
        raise InvalidArgumentError(f"organization kind must be one of {ORG_KINDS}, got {kind!r}")
    if s.scalar(select(Organization).where(Organization.name == name)) is not None:
        raise ConflictError(f"organization {name!r} already exists")
    org = Organization(name=name, kind=kind, country=country)
    s.add(org)
    s.flush()
    return org


def create_user(
    s: Session,
    org: Organization,
    username: str,
    *,
    org_role: str | None = None,
    group: Group | None = None,
    group_role: str | None = None,
    email: str | None = None,
    is_site_admin: bool = False,
) -> User:
    if org_role not in (None, ADMIN, USER):
        raise InvalidArgumentError(f"org_role must be ADMIN, USER or empty, got {org_role!r}")
    if group_role not in (None, ADMIN, MEMBER) or (group_role and group is None):
        raise InvalidArgumentError("group_role must be ADMIN or MEMBER and needs a group")
    if group is not None and group.org_id != org.id:
        raise InvalidArgumentError("a user's group must belong to the user's organization")
    if s.scalar(select(User).where(User.username == username)) is not None:
        raise ConflictError(f"user {username!r} already exists")
    user = User(
        org_id=org.id,
        username=username,
        email=email,
        org_role=org_role,
        group_id=group.id if group else None,
        group_role=(group_role or MEMBER) if group else None,
        is_site_admin=is_site_admin,
    )
    s.add(user)
    s.flush()
    return user


def create_group(s: Session, org: Organization, name: str, norad_ids: list[int] | None = None) -> Group:
    group = Group(org_id=org.id, name=name)
    s.add(group)
    s.flush()
    for n in norad_ids or []:
        s.add(GroupSatellite(group_id=group.id, norad_id=n))
    s.flush()
    return group


def grant_third_party(
    s: Session, grantor: Organization, grantee: Organization, norad_id: int, access: str
) -> None:
    if access not in ("READ", "WRITE"):
        raise InvalidArgumentError("grant access must be READ or WRITE (read/write)")
    if grantee.kind != "THIRD_PARTY":
        raise InvalidArgumentError("grants go to third-party partner organizations")
    sat = s.get(CatalogObject, norad_id)
    if sat is None or sat.owner_org_id != grantor.id:
        raise PermissionDeniedError(f"{grantor.name} has not claimed satellite {norad_id}")
    existing = s.get(ThirdPartyGrant, (grantor.id, grantee.id, norad_id))
    if existing:
        existing.access = access
    else:
        s.add(
            ThirdPartyGrant(
                grantor_org_id=grantor.id, grantee_org_id=grantee.id, norad_id=norad_id, access=access
            )
        )
    s.flush()


def claim_satellite(s: Session, principal: Principal, norad_id: int) -> CatalogObject:
    sat = s.get(CatalogObject, norad_id, with_for_update=True)
    if sat is None:
        raise NotFoundError(f"satellite {norad_id} is not in the catalog")
    decision = decide(principal, SatelliteClaim(Satellite(norad_id, sat.owner_org_id)), "write")
    if not decision:
        raise PermissionDeniedError(f"Forbidden: {decision.reason}")
    org = s.get(Organization, principal.org_id)
    sat.owner_org_id = principal.org_id
    sat.organization = org.name if org else sat.organization
    sat.claimed_at = datetime.now(UTC)
    s.flush()
    return sat


@dataclass(frozen=True)
class NewCredentials:
    client_id: str
    client_secret: str  # shown once, never stored


def issue_credentials(s: Session, user: User) -> NewCredentials:
    secret = credentials.new_client_secret()
    client = ApiClient(
        client_id=credentials.new_client_id(), user_id=user.id, secret_hash=credentials.hash_secret(secret)
    )
    s.add(client)
    s.flush()
    return NewCredentials(client.client_id, secret)


def authenticate_client(s: Session, client_id: str, client_secret: str) -> User | None:
    """The user owning valid, unrevoked credentials, else None (no hint which part was wrong)."""
    client = s.scalar(select(ApiClient).where(ApiClient.client_id == client_id))
    if client is None or client.revoked:
        credentials.verify_secret(client_secret, credentials.hash_secret("x"))  # same cost either way
        return None
    if not credentials.verify_secret(client_secret, client.secret_hash):
        return None
    user = s.get(User, client.user_id)
    if user is None or user.disabled:
        return None
    return user


def load_principal(s: Session, user: User) -> Principal:
    org = s.get(Organization, user.org_id)
    if org is None:
        raise NotFoundError(f"organization of user {user.username} is gone")
    group_norads: frozenset[int] = frozenset()
    if user.group_id is not None:
        group_norads = frozenset(
            s.scalars(select(GroupSatellite.norad_id).where(GroupSatellite.group_id == user.group_id))
        )
    owned: frozenset[int] = frozenset()
    granted: dict[int, str] = {}
    if org.kind == "OO":
        owned = frozenset(
            s.scalars(select(CatalogObject.norad_id).where(CatalogObject.owner_org_id == org.id))
        )
    elif org.kind == "THIRD_PARTY":
        for g in s.scalars(select(ThirdPartyGrant).where(ThirdPartyGrant.grantee_org_id == org.id)):
            if granted.get(g.norad_id) != "WRITE":
                granted[g.norad_id] = g.access
    return Principal(
        user_id=user.id,
        username=user.username,
        org_id=org.id,
        org_kind=org.kind,
        country=org.country,
        org_role=user.org_role,
        group_id=user.group_id,
        group_role=user.group_role,
        group_norads=group_norads,
        owned_norads=owned,
        granted=granted,
        is_site_admin=user.is_site_admin,
    )


def readable_norads_use_catalog(p: Principal) -> bool:
    """Whether :func:`readable_norads` queries the catalog for ``p`` (government and SSA
    organizations: satellites by country); otherwise the principal alone answers it."""
    return not (p.is_site_admin or p.level == "BASE" or p.org_kind in ("OO", "THIRD_PARTY"))


def readable_norads(s: Session | None, p: Principal) -> frozenset[int] | None:
    """NORAD ids whose restricted data ``p`` reads; None means all (site admin).

    This is :func:`~openstc.auth.policy.satellite_access` turned into a set so that queries can
    filter in SQL; ``tests/service/test_access_matrix.py`` checks that both agree. ``s`` may be None
    when :func:`readable_norads_use_catalog` is false (the CDM list then opens no session).
    """
    if p.is_site_admin:
        return None
    level = p.level
    if level == "BASE":
        return frozenset()
    if p.org_kind == "OO":
        base = p.owned_norads
    elif p.org_kind == "THIRD_PARTY":
        base = frozenset(p.granted)
    else:
        if not p.country:
            return frozenset()
        c = p.country
        cols = (
            CatalogObject.country_of_launch_license,
            CatalogObject.country_of_headquarters,
            CatalogObject.country_providing_communication_license,
            CatalogObject.country_providing_remote_sensing,
            CatalogObject.country_of_un_registry,
        )
        c = c.strip().lower()
        match = or_(*(func.lower(func.trim(col)) == c for col in cols))
        if s is None:
            raise ValueError("readable_norads needs a session for a country-based organization")
        base = frozenset(s.scalars(select(CatalogObject.norad_id).where(match)))
    if level in ("GROUP_ADMIN", "GROUP_MEMBER"):
        return base & p.group_norads
    return base
