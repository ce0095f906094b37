"""Bulk Data: CDM and OCM streams as NDJSON, up to 30 days back (handbook Table 6.7.1).

One compact JSON object per line, each the ``{"headersOnly": ..., "default": ...}`` envelope the
TraCSS SDK's stream models read. ``size=0`` (the default) streams everything; unknown query
parameters are a 400 ``{"error": "Query Parameters ['foo'] are not part of the CDM query schema."}``.
Rows are read in keyset-paged chunks by a session owned by the stream, so memory stays flat.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from openstc.api import serialize
from openstc.api.deps import DB, Auth, state
from openstc.api.query import FilterSpec, apply_filters, negotiate_format, paging, parse_bool, reject_unknown
from openstc.api.routes_cdm import CDM_FILTERS
from openstc.api.routes_ocm import OCM_FILTERS, _ocm_record, ocm_header
from openstc.api.visibility import ocm_visibility, pair_visibility
from openstc.store.cdms import cdm_header, cdm_record
from openstc.store.models import Cdm, Ephemeris, Organization

router = APIRouter(tags=["bulkdata"])
BULK_TTL = timedelta(days=30)
CHUNK = 1000

CDM_BULK_FILTERS = {
    k: v
    for k, v in CDM_FILTERS.items()
    if k
    not in (
        "object1Id",
        "object2Id",
        "conjunctionId",
        "batchId",
        "counter",
        "ocmMessageId",
        "operatorOrganization",
    )
}
CDM_BULK_KNOWN = {
    *CDM_BULK_FILTERS,
    "screeningOption",
    "object1ScreenVolumeShape",
    "object2ScreenVolumeShape",
    "headersOnly",
    "size",
    "page",
    "format",
}
OCM_BULK_FILTERS = {
    **OCM_FILTERS,
    "startTime": FilterSpec(Ephemeris.start_time, "datetime"),
    "stopTime": FilterSpec(Ephemeris.stop_time, "datetime"),
}
OCM_BULK_KNOWN = {
    *OCM_BULK_FILTERS,
    "constellation",
    "createdBy",
    "trajBasis",
    "maxCreationDate",
    "techOrg",
    "techPoc",
    "headersOnly",
    "size",
    "page",
    "format",
}


def _params(names: set[str]) -> dict[str, Any]:
    return {
        "parameters": [
            {"name": n, "in": "query", "required": False, "schema": {"type": "string"}} for n in sorted(names)
        ]
    }


def _stream(
    sessions: sessionmaker[Session], stmt: Any, key: Any, page: int, size: int | None, render: Any
) -> Iterator[bytes]:
    """Keyset-paged rows of ``stmt`` ordered by ``key``, after skipping ``page*size``, as NDJSON."""
    skip = page * size if size else 0
    left = size
    last: Any = None
    with sessions() as s:
        while left is None or left > 0:
            q = stmt.order_by(key)
            if last is not None:
                q = q.where(key > last)
            n = CHUNK if left is None else min(CHUNK, left + skip)
            rows = list(s.execute(q.limit(n)))
            if not rows:
                return
            last = getattr(rows[-1][0], key.key)
            for row in rows:
                if skip:
                    skip -= 1
                    continue
                yield from serialize.ndjson_lines([render(row)])
                if left is not None:
                    left -= 1
                    if left == 0:
                        return


def _ndjson(gen: Iterator[bytes]) -> Response:
    return StreamingResponse(gen, media_type="application/x-ndjson")


@router.get(
    "/bulkdata/cdm/v1/stream",
    summary="Stream CDMs (V1 path; V2 records, NDJSON)",
    openapi_extra=_params(CDM_BULK_KNOWN),
)
@router.get(
    "/bulkdata/cdm/v2/stream", summary="Stream V2 CDMs (NDJSON)", openapi_extra=_params(CDM_BULK_KNOWN)
)
def cdm_stream(request: Request, s: DB, p: Auth) -> Response:
    q = dict(request.query_params)
    reject_unknown(q, CDM_BULK_KNOWN, "CDM")
    now = datetime.now(UTC)
    stmt = select(Cdm).where(pair_visibility(s, p, Cdm)).where(Cdm.creation_date >= now - BULK_TTL)
    stmt = apply_filters(stmt, q, CDM_BULK_FILTERS)
    page, size = paging(q, 0, 10**9, zero_means_all=True)
    headers_only = parse_bool(q.get("headersOnly"), "headersOnly")
    fmt = negotiate_format(q.get("format"), None, "JSON", ("JSON", "KVN", "XML"))
    if fmt != "JSON":
        rows = [r[0] for r in s.execute(stmt.order_by(Cdm.counter).offset(page * (size or 0)).limit(size))]
        if not rows:
            return serialize.no_content()
        records = [cdm_record(c) for c in rows]
        return serialize.formatted(
            fmt,
            records,
            json_envelope=None,
            xml_root="tracssCdms",
            xml_item="cdm",
            kvn_texts=[c.kvn for c in rows],
        )

    def render(row: Any) -> dict[str, Any]:
        c = row[0]
        if headers_only:
            return {"headersOnly": cdm_header(c), "default": None}
        return {"headersOnly": None, "default": cdm_record(c)}

    return _ndjson(_stream(state(request).sessions, stmt, Cdm.counter, page, size, render))


@router.get(
    "/bulkdata/ocm/v1/stream",
    summary="Stream OCMs (V1 path; V2 records, NDJSON)",
    openapi_extra=_params(OCM_BULK_KNOWN),
)
@router.get(
    "/bulkdata/ocm/v2/stream", summary="Stream V2 OCMs (NDJSON)", openapi_extra=_params(OCM_BULK_KNOWN)
)
def ocm_stream(request: Request, s: DB, p: Auth) -> Response:
    q = dict(request.query_params)
    reject_unknown(q, OCM_BULK_KNOWN, "OCM")
    now = datetime.now(UTC)
    stmt = select(Ephemeris, Organization.name).join(Organization, Organization.id == Ephemeris.owner_org_id)
    stmt = stmt.where(ocm_visibility(s, p, Ephemeris)).where(Ephemeris.uploaded_at >= now - BULK_TTL)
    stmt = apply_filters(stmt, q, OCM_BULK_FILTERS)
    page, size = paging(q, 0, 10**9, zero_means_all=True)
    headers_only = parse_bool(q.get("headersOnly"), "headersOnly")
    negotiate_format(q.get("format"), None, "JSON", ("JSON",))

    def render(row: Any) -> dict[str, Any]:
        e, owner = row
        if headers_only:
            return {"headersOnly": ocm_header(e, owner), "default": None}
        return {"headersOnly": None, "default": {"ocm": _ocm_record(e)}}

    return _ndjson(_stream(state(request).sessions, stmt, Ephemeris.id, page, size, render))
