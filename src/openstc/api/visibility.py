"""SQL forms of the access policy: which CDMs, events, OCMs and feed messages a caller may read.

These mirror :func:`openstc.auth.policy.decide` (the access-matrix test checks both agree): a
CDM/event is visible when the caller reads one of its objects, and a candidate one only inside the
submitting organization; operational OCMs are public, candidate OCMs organization-private.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, false, or_, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from openstc.auth.accounts import readable_norads
from openstc.auth.policy import Principal


def pair_visibility(s: Session, p: Principal, model: Any) -> ColumnElement[bool]:
    """For models with object1_norad, object2_norad, is_candidate, owner_org_id (Cdm, ConjunctionEvent)."""
    norads = readable_norads(s, p)
    if norads is None:
        return true()
    if not norads:
        return false()
    ids = sorted(norads)
    reads = or_(model.object1_norad.in_(ids), model.object2_norad.in_(ids))
    return and_(or_(model.is_candidate == false(), model.owner_org_id == p.org_id), reads)


def ocm_visibility(s: Session, p: Principal, model: Any) -> ColumnElement[bool]:
    """Operational OCMs for everyone; candidates inside their organization, per satellite read access."""
    norads = readable_norads(s, p)
    if norads is None:
        return true()
    own = and_(model.owner_org_id == p.org_id, model.norad_id.in_(sorted(norads))) if norads else false()
    return or_(model.purpose != "CANDIDATE", own)


def feed_visible(
    p: Principal,
    norads_readable: frozenset[int] | None,
    msg_norads: list[int],
    owner: int | None,
    public: bool,
) -> bool:
    """One feed message: candidate data only for its organization; CDM/event data per object access."""
    if owner is not None and owner != p.org_id and not p.is_site_admin:
        return False
    if (public and owner is None) or norads_readable is None:
        return True
    return any(n in norads_readable for n in msg_norads)
