"""TraCSS Cat (``/metadata/tracssCat``) and the public TODD catalog and element sets (no token).

TraCSS Cat returns a bare JSON array of camelCase entries and, when nothing matches, 404 with the
exact text ``No TracssCat(s) found.`` (the SDK relies on it). The public endpoints under ``/todd``
serve the catalog and element-set history without authentication (handbook 6.2).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy import func, select

from openstc.api import serialize
from openstc.api.deps import DB, Auth
from openstc.api.query import (
    FilterSpec,
    apply_filters,
    apply_sort,
    paging,
    parse_bool,
    parse_fields,
    select_fields,
)
from openstc.store.models import CatalogObject, ElementSetRecord
from openstc.store.times import format_iso_z

router = APIRouter()

C = CatalogObject
CAT_FILTERS = {
    "noradId": FilterSpec(C.norad_id, "int"),
    "satelliteName": FilterSpec(C.satellite_name),
    "organization": FilterSpec(C.organization),
    "objectType": FilterSpec(C.object_type),
    "orbitalRegime": FilterSpec(C.orbital_regime),
}
CAT_SORT = {
    "noradId": C.norad_id,
    "satelliteName": C.satellite_name,
    "organization": C.organization,
    "objectType": C.object_type,
    "orbitalRegime": C.orbital_regime,
    "internationalDesignator": C.international_designator,
}


def cat_entry(o: CatalogObject) -> dict[str, Any]:
    """The TraCSS Cat entry (camelCase; HBR in metres)."""
    entry: dict[str, Any] = {
        "satelliteName": o.satellite_name,
        "alternateNames": list(o.alternate_names or []),
        "noradId": o.norad_id,
        "internationalDesignator": o.international_designator,
        "organization": o.organization,
        "countryOfLaunchLicense": o.country_of_launch_license,
        "countryOfHeadquarters": o.country_of_headquarters,
        "countryProvidingCommunicationLicense": o.country_providing_communication_license,
        "countryProvidingRemoteSensing": o.country_providing_remote_sensing,
        "countryOfUNRegistry": o.country_of_un_registry,
        "objectType": o.object_type,
        "orbitalRegime": o.orbital_regime,
        "operationalStatus": o.operational_status,
        "rcsSize": o.rcs_size,
        "hardBodyRadius": o.hard_body_radius_m,
        "conjunctionMitigationCapabilities": ["MANEUVERABLE"] if o.maneuverable == "YES" else [],
        "maneuverable": o.maneuverable,
        "launchDate": o.launch_date,
        "decayDate": o.decay_date,
    }
    for k, v in (o.extra or {}).items():
        entry.setdefault(k, v)
    return entry


def cat_header(o: CatalogObject) -> dict[str, str | None]:
    def s(v: Any) -> str | None:
        return None if v is None else str(v)

    header = {
        "objectType": s(o.object_type),
        "organization": s(o.organization),
        "noradId": s(o.norad_id),
        "internationalDesignator": s(o.international_designator),
        "orbitalRegime": s(o.orbital_regime),
        "satelliteName": s(o.satellite_name),
    }
    return {k: v for k, v in header.items() if v is not None}


def _not_found() -> Response:
    return PlainTextResponse("No TracssCat(s) found.", status_code=404)


def _query_cat(s: DB, q: dict[str, str]) -> Response:
    stmt = apply_filters(select(C), q, CAT_FILTERS)
    if parse_bool(q.get("countOnly"), "countOnly"):
        n = s.scalar(select(func.count()).select_from(stmt.subquery()))
        return serialize.json_response({"countOnly": int(n or 0)})
    page, size = paging(q, 5000, 5000)
    assert size is not None
    stmt = apply_sort(stmt, q.get("sort"), CAT_SORT, [C.norad_id])
    rows = list(s.scalars(stmt.offset(page * size).limit(size)))
    if not rows:
        return _not_found()
    if parse_bool(q.get("headersOnly"), "headersOnly"):
        return serialize.json_response([cat_header(o) for o in rows])
    fields = parse_fields(q.get("fields"))
    return serialize.json_response([select_fields(cat_entry(o), fields) for o in rows])


_CAT_PARAMS = [
    "noradId",
    "satelliteName",
    "organization",
    "objectType",
    "orbitalRegime",
    "countOnly",
    "fields",
    "headersOnly",
    "sort",
    "page",
    "size",
]


def _params(names: list[str]) -> dict[str, Any]:
    return {
        "parameters": [
            {"name": n, "in": "query", "required": False, "schema": {"type": "string"}} for n in names
        ]
    }


@router.get(
    "/metadata/tracssCat",
    tags=["metadata"],
    summary="Query the TraCSS satellite catalog",
    openapi_extra=_params(_CAT_PARAMS),
    responses={404: {"description": "No TracssCat(s) found."}},
)
def tracss_cat(request: Request, s: DB, p: Auth) -> Response:
    return _query_cat(s, dict(request.query_params))


@router.get(
    "/todd/v1/catalog",
    tags=["public"],
    summary="Public catalog (TODD); no token needed",
    openapi_extra=_params(_CAT_PARAMS),
)
def public_catalog(request: Request, s: DB) -> Response:
    return _query_cat(s, dict(request.query_params))


E = ElementSetRecord
ELSET_FILTERS = {
    "noradId": FilterSpec(E.norad_id, "int"),
    "epoch": FilterSpec(E.epoch, "datetime"),
    "objectName": FilterSpec(E.object_name),
    "objectId": FilterSpec(E.object_id),
}


def elset_omm(e: ElementSetRecord) -> dict[str, Any]:
    """CelesTrak-style OMM JSON of a stored element set."""
    return {
        "OBJECT_NAME": e.object_name,
        "OBJECT_ID": e.object_id,
        "EPOCH": format_iso_z(e.epoch).rstrip("Z"),
        "MEAN_MOTION": e.mean_motion_rev_day,
        "ECCENTRICITY": e.eccentricity,
        "INCLINATION": e.inclination_deg,
        "RA_OF_ASC_NODE": e.raan_deg,
        "ARG_OF_PERICENTER": e.arg_perigee_deg,
        "MEAN_ANOMALY": e.mean_anomaly_deg,
        "EPHEMERIS_TYPE": 0,
        "CLASSIFICATION_TYPE": e.classification,
        "NORAD_CAT_ID": e.norad_id,
        "ELEMENT_SET_NO": e.element_set_no,
        "REV_AT_EPOCH": e.rev_at_epoch,
        "BSTAR": e.bstar_per_er,
        "MEAN_MOTION_DOT": e.mean_motion_dot_rev_day2,
        "MEAN_MOTION_DDOT": e.mean_motion_ddot_rev_day3,
    }


@router.get(
    "/todd/v1/elsets",
    tags=["public"],
    summary="Public element sets as OMM JSON (TODD); latestOnly=true gives one per object",
    openapi_extra=_params(["noradId", "epoch", "objectName", "objectId", "latestOnly", "page", "size"]),
    responses={204: {"description": "No element set matches"}},
)
def public_elsets(request: Request, s: DB) -> Response:
    q = dict(request.query_params)
    stmt = apply_filters(select(E), q, ELSET_FILTERS)
    if parse_bool(q.get("latestOnly"), "latestOnly", default=True):
        newest = select(E.norad_id, func.max(E.epoch).label("m")).group_by(E.norad_id).subquery()
        stmt = stmt.join(newest, (E.norad_id == newest.c.norad_id) & (E.epoch == newest.c.m))
    page, size = paging(q, 10000, 100000)
    assert size is not None
    rows = list(s.scalars(stmt.order_by(E.norad_id, E.epoch).offset(page * size).limit(size)))
    if not rows:
        return serialize.no_content()
    return serialize.json_response([elset_omm(e) for e in rows])
