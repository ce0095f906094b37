"""Metadata CDM endpoints: ``/metadata/v2/tracssCdm``, by operational batch, and conjunction events.

Same parameters, filter grammar, envelopes, headers and status codes as TraCSS (``SUMMARY.md`` §2):
KVN by default (JSON with ``format=json`` or ``Accept: application/json``), ``page``/``size``
(5000 max), ``countOnly``, ``headersOnly``, ``fields``, ``sort``, ``latestCdmsOnly``,
``activeCdmsOnly``, ``highAlertOnly``, the ``max-counter``/``counter`` headers, 204 when nothing
matches. Metadata only shows CDMs up to 10 days old (handbook Table 6.7.1).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from openstc.api import serialize
from openstc.api.deps import DB, Auth
from openstc.api.query import (
    FilterSpec,
    apply_filters,
    apply_sort,
    negotiate_format,
    paging,
    parse_bool,
    parse_fields,
    parse_int,
    select_fields,
)
from openstc.api.visibility import pair_visibility
from openstc.store.cdms import cdm_header, cdm_record, event_dto
from openstc.store.models import Cdm, ConjunctionEvent, ScreeningRun

router = APIRouter(tags=["metadata"])

METADATA_CDM_TTL = timedelta(days=10)

CDM_FILTERS: dict[str, FilterSpec] = {
    "messageId": FilterSpec(Cdm.message_id),
    "correlationId": FilterSpec(Cdm.correlation_id),
    "ocmMessageId": FilterSpec(Cdm.ocm_message_id),
    "object1Id": FilterSpec(Cdm.object1_designator),
    "object2Id": FilterSpec(Cdm.object2_designator),
    "operatorOrganization": FilterSpec(Cdm.operator_organization),
    "tca": FilterSpec(Cdm.tca, "datetime"),
    "creationDate": FilterSpec(Cdm.creation_date, "datetime"),
    "messageFor": FilterSpec(Cdm.message_for),
    "missDistance": FilterSpec(Cdm.miss_distance_m, "float"),
    "collisionProbability": FilterSpec(Cdm.collision_probability, "float"),
    "screenVolumeShape": FilterSpec(Cdm.screen_volume_shape),
    "object1Type": FilterSpec(Cdm.object1_type),
    "object1ObjectDesignator": FilterSpec(Cdm.object1_designator),
    "object1InternationalDesignator": FilterSpec(Cdm.object1_intl),
    "object1OperatorOrganization": FilterSpec(Cdm.object1_operator_org),
    "object1EphemerisName": FilterSpec(Cdm.object1_ephemeris_name),
    "object2Type": FilterSpec(Cdm.object2_type),
    "object2ObjectDesignator": FilterSpec(Cdm.object2_designator),
    "object2InternationalDesignator": FilterSpec(Cdm.object2_intl),
    "object2OperatorOrganization": FilterSpec(Cdm.object2_operator_org),
    "object2EphemerisName": FilterSpec(Cdm.object2_ephemeris_name),
    "conjunctionId": FilterSpec(Cdm.conjunction_id),
    "batchId": FilterSpec(Cdm.batch_id),
    "counter": FilterSpec(Cdm.counter, "int"),
}
CDM_OPTIONS = (
    "CAStatus",
    "activeCdmsOnly",
    "latestCdmsOnly",
    "headersOnly",
    "highAlertOnly",
    "format",
    "sort",
    "fields",
    "page",
    "size",
    "countOnly",
)
CDM_SORT = {
    "tca": Cdm.tca,
    "creationDate": Cdm.creation_date,
    "CREATION_DATE": Cdm.creation_date,
    "missDistance": Cdm.miss_distance_m,
    "MISS_DISTANCE": Cdm.miss_distance_m,
    "collisionProbability": Cdm.collision_probability,
    "COLLISION_PROBABILITY": Cdm.collision_probability,
    "messageId": Cdm.message_id,
    "MESSAGE_ID": Cdm.message_id,
    "counter": Cdm.counter,
    "object1ObjectDesignator": Cdm.object1_designator,
    "object2ObjectDesignator": Cdm.object2_designator,
}


def _params(names: list[str] | tuple[str, ...]) -> dict[str, Any]:
    return {
        "parameters": [
            {"name": n, "in": "query", "required": False, "schema": {"type": "string"}} for n in names
        ]
    }


def _cdm_statement(s: DB, p: Auth, params: dict[str, str], now: datetime) -> Any:
    stmt = select(Cdm).where(pair_visibility(s, p, Cdm)).where(Cdm.creation_date >= now - METADATA_CDM_TTL)
    stmt = apply_filters(stmt, params, CDM_FILTERS)
    if parse_bool(params.get("activeCdmsOnly"), "activeCdmsOnly"):
        stmt = stmt.where(Cdm.tca >= now)
    if parse_bool(params.get("highAlertOnly"), "highAlertOnly"):
        stmt = stmt.where(Cdm.high_alert.is_(True))
    if parse_bool(params.get("latestCdmsOnly"), "latestCdmsOnly"):
        # Per conjunction AND owner: an organization's candidate CDMs never hide the public latest one.
        latest = (
            select(func.max(Cdm.counter))
            .where(Cdm.conjunction_id.is_not(None))
            .group_by(Cdm.conjunction_id, Cdm.owner_org_id)
        )
        stmt = stmt.where(Cdm.counter.in_(latest))
    if params.get("CAStatus"):
        status = params["CAStatus"].strip().lower()
        if status != "complete":
            from openstc.errors import InvalidArgumentError

            raise InvalidArgumentError("CAStatus accepts only 'complete' (used with correlationId)")
        done = select(ScreeningRun.correlation_id).where(ScreeningRun.status == "COMPLETED")
        stmt = stmt.where(Cdm.correlation_id.in_(done))
    return stmt


def _respond_cdms(
    request: Request, s: DB, cdms: list[Cdm], params: dict[str, str], headers: dict[str, str] | None = None
) -> Response:
    if not cdms:
        return serialize.no_content(headers)
    headers_only = parse_bool(params.get("headersOnly"), "headersOnly")
    if headers_only:
        return serialize.json_response({"headersOnly": [cdm_header(c) for c in cdms]}, headers=headers)
    fmt = negotiate_format(params.get("format"), request.headers.get("accept"), "KVN")
    fields = parse_fields(params.get("fields"))
    records = [select_fields(cdm_record(c), fields) for c in cdms]
    texts = None if fields else [c.kvn for c in cdms]
    return serialize.formatted(
        fmt,
        records,
        json_envelope={"default": {"tracssCdms": records}},
        xml_root="tracssCdms",
        xml_item="cdm",
        kvn_texts=texts,
        headers=headers,
    )


@router.get(
    "/metadata/tracssCdm",
    summary="Query CDMs (V1 path; served in the V2 layout)",
    openapi_extra=_params([*CDM_FILTERS, *CDM_OPTIONS]),
    responses={204: {"description": "No CDM matches"}},
)
@router.get(
    "/metadata/v2/tracssCdm",
    summary="Query V2 CDMs (TraCSS findById)",
    openapi_extra=_params([*CDM_FILTERS, *CDM_OPTIONS]),
    responses={204: {"description": "No CDM matches"}},
)
def list_cdms(request: Request, s: DB, p: Auth) -> Response:
    params = dict(request.query_params)
    now = datetime.now(UTC)
    stmt = _cdm_statement(s, p, params, now)
    if parse_bool(params.get("countOnly"), "countOnly"):
        n = s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
        return serialize.json_response({"countOnly": int(n or 0)})
    page, size = paging(params, 5000, 5000)
    assert size is not None
    stmt = apply_sort(stmt, params.get("sort"), CDM_SORT, [Cdm.counter.asc()])
    # Two phases: pick the page's ids (small rows to sort), then load those CDMs (large JSON rows).
    ids = list(s.scalars(stmt.with_only_columns(Cdm.id).offset(page * size).limit(size)))
    by_id = {c.id: c for c in s.scalars(select(Cdm).where(Cdm.id.in_(ids)))} if ids else {}
    cdms = [by_id[i] for i in ids if i in by_id]
    top = s.execute(select(Cdm.counter, Cdm.correlation_id).order_by(Cdm.counter.desc()).limit(1)).first()
    headers = {
        "max-counter": str(top[0]) if top else "0",
        "max-counter-correlation-id": str(top[1] or "") if top else "",
        "counter": str(max((c.counter for c in cdms), default=0)),
    }
    return _respond_cdms(request, s, cdms, params, headers)


@router.get(
    "/metadata/tracssCdmByOperationalBatch",
    summary="CDMs of an on-demand run (V1 path; V2 layout)",
    openapi_extra=_params(["batchId", "headersOnly", "format", "size"]),
    responses={204: {"description": "No CDM for this batch (yet)"}},
)
@router.get(
    "/metadata/v2/tracssCdmByOperationalBatch",
    summary="V2 CDMs of an on-demand (uploaded OCM) run",
    openapi_extra=_params(["batchId", "headersOnly", "format", "size"]),
    responses={204: {"description": "No CDM for this batch (yet)"}},
)
def cdms_by_batch(request: Request, s: DB, p: Auth) -> Response:
    params = dict(request.query_params)
    batch = params.get("batchId")
    if not batch:
        from openstc.errors import InvalidArgumentError

        raise InvalidArgumentError("batchId is required")
    size = parse_int(params.get("size"), "size", 100000, 1, 100000)
    stmt = select(Cdm).where(pair_visibility(s, p, Cdm)).where(Cdm.batch_id == batch).order_by(Cdm.counter)
    cdms = list(s.scalars(stmt.limit(size)))
    return _respond_cdms(request, s, cdms, params)


EVENT_SORT = {
    "tca": ConjunctionEvent.tca,
    "missDistance": ConjunctionEvent.miss_distance_m,
    "collisionProbability": ConjunctionEvent.collision_probability,
}


@router.get(
    "/metadata/conjunctionDataEvents",
    summary="Evolving conjunction events",
    openapi_extra=_params(
        [
            "object1ObjectDesignator",
            "object2ObjectDesignator",
            "minTca",
            "maxTca",
            "minMissDistance",
            "maxMissDistance",
            "minCollisionProbability",
            "maxCollisionProbability",
            "creationDate",
            "conjunctionDataEventId",
            "sort",
            "sortDirection",
            "size",
            "page",
            "headersOnly",
        ]
    ),
    responses={204: {"description": "No event matches"}},
)
def conjunction_events(request: Request, s: DB, p: Auth) -> Response:
    from openstc.errors import InvalidArgumentError
    from openstc.store.times import parse_utc

    q = dict(request.query_params)
    E = ConjunctionEvent
    stmt = select(E).where(pair_visibility(s, p, E))
    specs = {
        "object1ObjectDesignator": FilterSpec(E.object1_designator),
        "object2ObjectDesignator": FilterSpec(E.object2_designator),
        "creationDate": FilterSpec(E.creation_date, "datetime"),
        "conjunctionDataEventId": FilterSpec(E.conjunction_id),
    }
    stmt = apply_filters(stmt, q, specs)
    bounds = [
        ("minTca", E.tca, "ge", "t"),
        ("maxTca", E.tca, "le", "t"),
        ("minMissDistance", E.miss_distance_m, "ge", "f"),
        ("maxMissDistance", E.miss_distance_m, "le", "f"),
        ("minCollisionProbability", E.collision_probability, "ge", "f"),
        ("maxCollisionProbability", E.collision_probability, "le", "f"),
    ]
    for name, col, op, kind in bounds:
        raw = q.get(name)
        if not raw:
            continue
        try:
            value: Any = parse_utc(raw) if kind == "t" else float(raw)
        except ValueError:
            raise InvalidArgumentError(f"{name}: {raw!r} is not valid") from None
        stmt = stmt.where(col >= value if op == "ge" else col <= value)
    # TraCSS uses sort + sortDirection here; the generic "field,DIR" form is accepted too.
    key, _, inline_dir = (q.get("sort") or "tca").strip().partition(",")
    if key not in EVENT_SORT:
        raise InvalidArgumentError("sort must be tca, missDistance or collisionProbability")
    direction = (q.get("sortDirection") or inline_dir or "desc").strip().lower()
    if direction not in ("asc", "desc"):
        raise InvalidArgumentError("sortDirection must be asc or desc")
    col = EVENT_SORT[key]
    stmt = stmt.order_by(col.asc() if direction == "asc" else col.desc(), E.id)
    page, size = paging(q, 500000, 500000)
    assert size is not None
    events = list(s.scalars(stmt.offset(page * size).limit(size)))
    if not events:
        return serialize.no_content()
    if parse_bool(q.get("headersOnly"), "headersOnly"):
        heads = [
            {
                k: event_dto(e)[k]
                for k in ("conjunctionId", "object1ObjectDesignator", "object2ObjectDesignator", "tca")
            }
            for e in events
        ]
        return serialize.json_response({"headersOnly": heads, "default": None})
    return serialize.json_response({"headersOnly": None, "default": [event_dto(e) for e in events]})
