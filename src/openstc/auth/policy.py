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

Account management (handbook 5.2.6, 5.2.7, 7.2-7.4), our reading where the handbook is silent:

==========================  ==========================================================================
resource                    who may read / write
==========================  ==========================================================================
users of an organization    read: its org admins, the user themself, the admins of the user's group;
                            write (add/edit/remove, set roles): its org admins
groups                      read: org admins, the group's own users; write (create/edit/delete, assign
                            satellites): org admins
group membership            org admins, any role; a group admin adds base users of the organization to
                            their own group as members and removes members (never admins, never
                            satellites: that would widen their own write access)
client credentials          issue: only for oneself (the secret is shown once to its owner); list and
                            revoke: the owner and the owner's org admins
third-party partners        O/O org admins grant read or read/write on satellites their organization
                            claimed; national-government org admins (Table 7.1.2 note) grant read on
                            their country's satellites; partners' org admins see what they were granted
satellite claims            O/O org admins claim unclaimed satellites and release their own
==========================  ==========================================================================

The site administrator (the operator of the openstc instance) may do everything.
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


@dataclass(frozen=True)
class UserAccount:
    """A user of organization ``org_id`` (``user_id`` None: a new one), currently in ``group_id``."""

    org_id: int
    user_id: int | None = None
    group_id: int | None = None


@dataclass(frozen=True)
class GroupResource:
    """A group of organization ``org_id`` (``group_id`` None: a new one) and its satellites."""

    org_id: int
    group_id: int | None = None


@dataclass(frozen=True)
class GroupMembership:
    """Putting a user into group ``group_id`` with ``role`` (ADMIN/MEMBER), or taking them out.

    ``target_org_role`` and ``target_group_id``/``target_group_role`` are the user's current roles."""

    org_id: int
    group_id: int
    role: str = MEMBER
    target_org_role: str | None = None
    target_group_id: int | None = None
    target_group_role: str | None = None


@dataclass(frozen=True)
class ClientCredentials:
    """API client credentials of one user; ``issue`` True for creating new ones (write)."""

    owner_user_id: int
    owner_org_id: int
    issue: bool = False


@dataclass(frozen=True)
class PartnerGrant:
    """Third-party partner access granted by ``grantor_org_id``: on ``sat`` with ``access`` (READ or
    WRITE), or, with ``sat`` None, the partnership itself (adding or removing a partner)."""

    grantor_org_id: int
    partner_org_id: int | None = None
    sat: Satellite | None = None
    access: str = "READ"


Resource = (
    SatelliteResource
    | OcmResource
    | CdmResource
    | PublicCatalog
    | ProvenanceResource
    | OrgAdministration
    | SatelliteClaim
    | NationalityChangeRequest
    | UserAccount
    | GroupResource
    | GroupMembership
    | ClientCredentials
    | PartnerGrant
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
    if isinstance(resource, UserAccount | GroupResource | GroupMembership | ClientCredentials | PartnerGrant):
        if p.is_site_admin:
            return _yes("site administrator")
        return _decide_accounts(p, resource, action)
    return _no("unknown resource")  # pragma: no cover


def _org_admin_of(p: Principal, org_id: int) -> bool:
    return p.org_id == org_id and p.level == "ORG_ADMIN"


def _decide_accounts(
    p: Principal,
    resource: UserAccount | GroupResource | GroupMembership | ClientCredentials | PartnerGrant,
    action: str,
) -> Decision:
    """Account management (see the module docstring's second table); ``p`` is not a site admin."""
    if isinstance(resource, UserAccount):
        if _org_admin_of(p, resource.org_id):
            return _yes("organization admins manage their organization's users")
        if action == WRITE:
            return _no("only organization admins add, edit or remove users")
        if resource.user_id is not None and resource.user_id == p.user_id:
            return _yes("users see their own account")
        mine = (
            resource.group_id is not None and resource.group_id == p.group_id and p.org_id == resource.org_id
        )
        if mine and p.level == "GROUP_ADMIN":
            return _yes("group admins see their group's users")
        return _no("users of an organization are visible to its admins")
    if isinstance(resource, GroupResource):
        if _org_admin_of(p, resource.org_id):
            return _yes("organization admins manage their organization's groups")
        if action == WRITE:
            return _no("only organization admins create, edit or delete groups")
        if resource.group_id is not None and p.org_id == resource.org_id and p.group_id == resource.group_id:
            return _yes("users see their own group")
        return _no("groups are visible to organization admins and their own users")
    if isinstance(resource, GroupMembership):
        if _org_admin_of(p, resource.org_id):
            return _yes("organization admins assign users and admins to groups")
        own_group = p.org_id == resource.org_id and p.group_id == resource.group_id
        if action == READ:
            return Decision(own_group, "group membership is visible to the group's users")
        if not (own_group and p.level == "GROUP_ADMIN"):
            return _no("only organization admins and the group's admins change its members")
        if resource.role != MEMBER or resource.target_org_role is not None:
            return _no("group admins add and remove members only (no admins, no organization roles)")
        if resource.target_group_id not in (None, resource.group_id):
            return _no("the user belongs to another group")
        if resource.target_group_id == resource.group_id and resource.target_group_role == ADMIN:
            return _no("group admins cannot change another admin of their group")
        return _yes("group admins manage the members of their group")
    if isinstance(resource, ClientCredentials):
        own = resource.owner_user_id == p.user_id
        if resource.issue and action == WRITE:
            return Decision(
                own, "client credentials are issued by their owner only (the secret is shown once)"
            )
        if own:
            return _yes("users manage their own client credentials")
        return Decision(
            _org_admin_of(p, resource.owner_org_id),
            "organization admins see and revoke their users' credentials",
        )
    return _decide_partner(p, resource, action)


def _decide_partner(p: Principal, resource: PartnerGrant, action: str) -> Decision:
    if action == READ:
        ok = _org_admin_of(p, resource.grantor_org_id) or (
            resource.partner_org_id is not None and _org_admin_of(p, resource.partner_org_id)
        )
        return Decision(ok, "grants are visible to the admins of the granting and the partner organization")
    if not _org_admin_of(p, resource.grantor_org_id) or p.org_kind not in (OO, GOV):
        return _no("only O/O and national-government organization admins manage third-party partners")
    if resource.access not in ("READ", "WRITE"):
        return _no(f"grant access must be READ or WRITE, not {resource.access!r}")
    sat = resource.sat
    if sat is None:
        return _yes("organization admins add and remove their third-party partners")
    if p.org_kind == GOV:
        if resource.access != "READ":
            return _no("national-government accounts grant read access only (they never write)")
        if not nationality_matches(p.country, sat.nationality):
            return _no(f"satellite {sat.norad_id} is not associated with {p.country}")
        return _yes("national-government admins share their country's satellites read-only")
    if sat.owner_org_id != p.org_id:
        return _no(f"satellite {sat.norad_id} is not claimed by the caller's organization")
    return _yes("O/O organization admins share their satellites with partners")
