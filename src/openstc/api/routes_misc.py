"""The smaller TraCSS metadata endpoints, with TraCSS's empty-result sentinels.

openstc has no TIP reports, Space-Track packages or announcements of its own yet: these answer as
TraCSS does when there is nothing (204, or ``200 []`` for announcements). The schema lists need no
token (as in TraCSS). The contact directory lists the organizations that claimed satellites.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy import select

from openstc.api import serialize
from openstc.api.deps import DB, Auth
from openstc.api.errors import ApiError
from openstc.api.query import FilterSpec, apply_filters
from openstc.auth.policy import Satellite, SatelliteResource, decide
from openstc.errors import InvalidArgumentError, NotFoundError
from openstc.store.models import CatalogObject, Organization

router = APIRouter(tags=["metadata"])


@router.get("/metadata/announcements", summary="Announcements (200 [] when none)")
def announcements(p: Auth) -> Response:
    return serialize.json_response([])


@router.get("/metadata/tipReports", summary="TIP (re-entry) reports; none yet (204)")
def tip_reports(p: Auth) -> Response:
    return serialize.no_content()


@router.get("/metadata/space-track", summary="Space-Track packages; none (204)")
def space_track(p: Auth) -> Response:
    return serialize.no_content()


@router.get("/metadata/space-track-nested", summary="Space-Track packages, nested; none (204)")
def space_track_nested(p: Auth) -> Response:
    return serialize.no_content()


@router.get("/metadata/schemas/xsd", summary="XML schema names (public)")
def schemas_xsd() -> Response:
    return serialize.json_response(["ndmxml-2.0.0-cdm-1.0.xsd", "ndmxml-3.0.0-ocm-3.0.xsd"])


@router.get("/metadata/schemas/json", summary="JSON schema names (public)")
def schemas_json() -> Response:
    return serialize.json_response(["tracssCdmV2", "ocmV2"])


@router.get(
    "/metadata/contactDirectory/operational/all",
    summary="Operator contact directory (404 'No contacts found' when empty)",
    openapi_extra={
        "parameters": [
            {"name": n, "in": "query", "required": False, "schema": {"type": "string"}}
            for n in ("noradId", "organization")
        ]
    },
)
def contacts(request: Request, s: DB, p: Auth) -> Response:
    q = dict(request.query_params)
    stmt = select(CatalogObject.norad_id, Organization.name, Organization.country, CatalogObject.extra).join(
        Organization, Organization.id == CatalogObject.owner_org_id
    )
    stmt = apply_filters(
        stmt,
        q,
        {"noradId": FilterSpec(CatalogObject.norad_id, "int"), "organization": FilterSpec(Organization.name)},
    )
    rows = list(s.execute(stmt.order_by(CatalogObject.norad_id).limit(100000)))
    if not rows:
        return PlainTextResponse("No contacts found", status_code=404)
    out = []
    for n, org, country, extra in rows:
        contact = {k: v for k, v in (extra or {}).items() if k in CONTACT_FIELDS}
        out.append({"noradId": n, "organization": org, "countryOfHeadquarters": country, **contact})
    return serialize.json_response(out)


CONTACT_FIELDS = ("operatorPoc", "operatorPhone", "operatorEmail")


@router.put(
    "/metadata/contactDirectory/operational/update",
    summary="Update the operator point of contact of satellites the caller may write",
    openapi_extra={
        "parameters": [
            {
                "name": "noradIds",
                "in": "query",
                "required": True,
                "schema": {"type": "array", "items": {"type": "string"}},
                "style": "form",
                "explode": True,
            }
        ],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {k: {"type": "string"} for k in CONTACT_FIELDS},
                    }
                }
            },
        },
    },
    responses={403: {"description": "No write access to one of the satellites"}},
)
async def update_contact(request: Request, s: DB, p: Auth) -> Response:
    raw_ids = [x for v in request.query_params.getlist("noradIds") for x in v.split(",") if x.strip()]
    if not raw_ids:
        raise InvalidArgumentError("noradIds is required")
    try:
        ids = [int(x) for x in raw_ids]
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        raise InvalidArgumentError("noradIds must be integers and the body a JSON object") from None
    if not isinstance(body, dict) or any(not isinstance(body.get(k, ""), str) for k in CONTACT_FIELDS):
        raise InvalidArgumentError("the body must be a JSON object with string operatorPoc/Phone/Email")
    changes = {k: body[k] for k in CONTACT_FIELDS if k in body}
    for n in ids:
        sat = s.get(CatalogObject, n)
        if sat is None:
            raise NotFoundError(f"satellite {n} is not in the catalog")
        decision = decide(
            p, SatelliteResource(Satellite(n, sat.owner_org_id, sat.nationality_fields())), "write"
        )
        if not decision:
            raise ApiError(403, f"Forbidden: {decision.reason}")
        sat.extra = {**(sat.extra or {}), **changes}
    s.commit()
    return serialize.json_response({"noradIds": [str(n) for n in ids], **changes})
