"""Who may read or write what: handbook Tables 7.1.1 and 7.1.2 as pure functions.

Nothing here touches the store: the caller gathers the facts (a :class:`Principal` and the
resource's facts) and :func:`decide` answers allow/deny with a reason. The API and the jobs use the
same functions, and ``tests/service/test_access_matrix.py`` checks every role x resource x action.

Satellite access by account type (T = the satellites of the user's group, O = the organization's
claimed satellites, G = satellites granted to a third-party organization, N = satellites whose
nationality-identifying fields name the government's country):

==================  ====================  =====================  ======================
role                O/O                   third-party partner    national government
==================  ====================  =====================  ======================
organization admin  O read/write          G read (+write if RW)  N read (no OCM write)
organization user   O read                G read                 N read
group admin         T read/write          T∩G read (+write RW)   T∩N read
group member        T read                T∩G read               T∩N read
base user           none                  none                   none
==================  ====================  =====================  ======================

Operational OCMs are public; candidate OCMs and the CDMs/events made from them are visible only to
the submitting organization (and within it, to users who can read one of the objects).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

OO = "OO"
THIRD_PARTY = "THIRD_PARTY"
GOV = "GOV"
ORG_KINDS = (OO, THIRD_PARTY, GOV)

ADMIN = "ADMIN"
USER = "USER"
MEMBER = "MEMBER"

READ = "read"
WRITE = "write"
ACTIONS = (READ, WRITE)


class Access(Enum):
    NONE = 0
    READ = 1
    WRITE = 2  # implies read


@dataclass(frozen=True)
class Principal:
    """An authenticated user with everything the policy needs to know about their organization."""

    user_id: int
    username: str
    org_id: int
    org_kind: str = OO
    country: str | None = None
    org_role: str | None = None  # ADMIN | USER | None
    group_id: int | None = None
    group_role: str | None = None  # ADMIN | MEMBER | None (only with group_id)
    group_norads: frozenset[int] = frozenset()
    owned_norads: frozenset[int] = frozenset()  # satellites claimed by the (O/O) organization
    granted: Mapping[int, str] = field(default_factory=dict)  # third party: norad -> READ | WRITE
    is_site_admin: bool = False

    @property
    def level(self) -> str:
        """ORG_ADMIN, ORG_USER, GROUP_ADMIN, GROUP_MEMBER or BASE (admin wins over a group)."""
        if self.org_role == ADMIN:
            return "ORG_ADMIN"
        if self.group_id is not None:
            return "GROUP_ADMIN" if self.group_role == ADMIN else "GROUP_MEMBER"
        if self.org_role == USER:
            return "ORG_USER"
        return "BASE"


def system_roles(p: Principal) -> list[str]:
    """The "System Role" column of Tables 7.1.1/7.1.2 for this principal."""
    level = p.level
    if level == "ORG_ADMIN":
        return {OO: ["OWNER", "ADMIN"], THIRD_PARTY: ["ADMIN", "SSA"], GOV: ["GOV", "ADMIN"]}[p.org_kind]
    if level == "ORG_USER":
        return {OO: ["OWNER"], THIRD_PARTY: ["SSA"], GOV: ["GOV"]}[p.org_kind]
    if level == "GROUP_ADMIN":
        return ["GROUP_ADMIN", "USER"]
    return ["USER"]


@dataclass(frozen=True)
class Satellite:
    """The facts about one satellite the policy needs."""

    norad_id: int
    owner_org_id: int | None = None
    nationality: tuple[str | None, ...] = ()  # the five nationality-identifying fields


def nationality_matches(country: str | None, nationality: tuple[str | None, ...]) -> bool:
    if not country:
        return False
    c = country.strip().casefold()
    return any(n is not None and n.strip().casefold() == c for n in nationality)


def satellite_access(p: Principal, sat: Satellite) -> Access:
    """Read/write level of ``p`` on ``sat`` per Tables 7.1.1 and 7.1.2."""
    if p.is_site_admin:
        return Access.WRITE
    level = p.level
    if level == "BASE":
        return Access.NONE
    in_scope: bool
    if p.org_kind == OO:
        in_scope = sat.owner_org_id == p.org_id and (
            level in ("ORG_ADMIN", "ORG_USER") or sat.norad_id in p.group_norads
        )
        if not in_scope:
            return Access.NONE
        return Access.WRITE if level in ("ORG_ADMIN", "GROUP_ADMIN") else Access.READ
    if p.org_kind == THIRD_PARTY:
        grant = p.granted.get(sat.norad_id)
        if grant is None:
            return Access.NONE
        if level in ("GROUP_ADMIN", "GROUP_MEMBER") and sat.norad_id not in p.group_norads:
            return Access.NONE
        if level in ("ORG_ADMIN", "GROUP_ADMIN") and grant == "WRITE":
            return Access.WRITE
        return Access.READ
    if p.org_kind == GOV:
        if not nationality_matches(p.country, sat.nationality):
            return Access.NONE
        if level in ("GROUP_ADMIN", "GROUP_MEMBER") and sat.norad_id not in p.group_norads:
            return Access.NONE
        return Access.READ  # governments never write satellite data (Table 7.1.2 note)
    return Access.NONE


# --- resources ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SatelliteResource:
    """A satellite's restricted data (read) and its TraCSS Cat entry / OCM uploads (write)."""

    sat: Satellite


@dataclass(frozen=True)
class OcmResource:
    sat: Satellite
    candidate: bool
    owner_org_id: int


@dataclass(frozen=True)
class CdmResource:
    """A CDM or conjunction event between two objects; candidate ones belong to one organization."""

    sat1: Satellite
    sat2: Satellite
    candidate: bool = False
    owner_org_id: int | None = None


@dataclass(frozen=True)
class PublicCatalog:
    """The public catalog and element sets (TODD): anyone reads, nobody writes through the API."""


@dataclass(frozen=True)
class ProvenanceResource:
    """Screening-run status: every registered user reads it."""


@dataclass(frozen=True)
class OrgAdministration:
    """Managing an organization's users, groups, credentials and third-party partners."""

    org_id: int


@dataclass(frozen=True)
class SatelliteClaim:
    """Claiming a catalog satellite for an O/O organization."""

    sat: Satellite


@dataclass(frozen=True)
class NationalityChangeRequest:
    """A TraCSS Cat change request to a satellite's nationality-identifying fields (Table 7.1.2 note)."""

    sat: Satellite


Resource = (
    SatelliteResource
    | OcmResource
    | CdmResource
    | PublicCatalog
    | ProvenanceResource
    | OrgAdministration
    | SatelliteClaim
    | NationalityChangeRequest
)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def _yes(reason: str) -> Decision:
    return Decision(True, reason)


def _no(reason: str) -> Decision:
    return Decision(False, reason)


def decide(p: Principal, resource: Resource, action: str) -> Decision:
    """Allow or deny ``action`` (``read``/``write``) on ``resource`` for ``p``, with the reason."""
    if action not in ACTIONS:
        return _no(f"unknown action {action!r}")
    if isinstance(resource, PublicCatalog):
        return _yes("the catalog is public") if action == READ else _no("the public catalog is read-only")
    if isinstance(resource, ProvenanceResource):
        return _yes("screening status is open to registered users") if action == READ else _no("read-only")
    if isinstance(resource, SatelliteResource):
        acc = satellite_access(p, resource.sat)
        need = Access.READ if action == READ else Access.WRITE
        ok = acc.value >= need.value
        return Decision(
            ok, f"{p.level} of a {p.org_kind} organization has {acc.name} on {resource.sat.norad_id}"
        )
    if isinstance(resource, OcmResource):
        if action == READ:
            if not resource.candidate:
                return _yes("operational OCMs are public")
            if p.is_site_admin:
                return _yes("site administrator")
            if resource.owner_org_id != p.org_id:
                return _no("candidate OCMs are visible only to the submitting organization")
            if satellite_access(p, resource.sat) is Access.NONE:
                return _no("within the organization, candidate OCMs follow the satellite's read access")
            return _yes("candidate OCM of the caller's organization on a satellite the caller reads")
        if p.org_kind == GOV and not p.is_site_admin:
            return _no("national-government accounts never write OCMs")
        acc = satellite_access(p, resource.sat)
        return Decision(acc is Access.WRITE, f"OCM upload needs write on {resource.sat.norad_id}")
    if isinstance(resource, CdmResource):
        if action == WRITE:
            return _no("CDMs are produced by screening, never written by users")
        if resource.candidate and not p.is_site_admin and resource.owner_org_id != p.org_id:
            return _no("candidate CDMs are visible only to the submitting organization")
        for sat in (resource.sat1, resource.sat2):
            if satellite_access(p, sat) is not Access.NONE:
                return _yes(f"caller reads object {sat.norad_id}")
        return _no("caller reads neither object of the conjunction")
    if isinstance(resource, OrgAdministration):
        if p.is_site_admin:
            return _yes("site administrator")
        ok = p.org_id == resource.org_id and p.level == "ORG_ADMIN"
        if action == READ:
            return Decision(ok, "organization admins see their organization's accounts")
        return Decision(ok, "organization admins manage users, groups and partners of their organization")
    if isinstance(resource, SatelliteClaim):
        if action == READ:
            return _yes("claims are visible with the catalog")
        if p.is_site_admin:
            return _yes("site administrator")
        if p.org_kind != OO or p.level != "ORG_ADMIN":
            return _no("only O/O organization admins claim satellites")
        if resource.sat.owner_org_id not in (None, p.org_id):
            return _no("satellite already claimed by another organization")
        return _yes("O/O organization admin claiming an unclaimed satellite")
    if isinstance(resource, NationalityChangeRequest):
        if action == READ:
            return _yes("requests are visible to their author")
        if p.is_site_admin:
            return _yes("site administrator")
        own = p.org_kind == GOV or (p.org_kind == OO and resource.sat.owner_org_id == p.org_id)
        if p.level == "ORG_ADMIN" and own:
            return _yes("organization admins may request nationality-field changes")
        return _no("only O/O and national-government organization admins request nationality changes")
    return _no("unknown resource")  # pragma: no cover
