"""Metadata CDM endpoints: ``/metadata/v2/tracssCdm``, by operational batch, and conjunction events.

Same parameters, filter grammar, envelopes, headers and status codes as TraCSS (``SUMMARY.md`` §2):
KVN by default (JSON with ``format=json`` or ``Accept: application/json``), ``page``/``size``
(5000 max), ``countOnly``, ``headersOnly``, ``fields``, ``sort``, ``latestCdmsOnly``,
``activeCdmsOnly``, ``highAlertOnly``, the ``max-counter``/``counter`` headers, 204 when nothing
matches. Metadata only shows CDMs up to 10 days old (handbook Table 6.7.1). ``format=XML`` is CCSDS
CDM XML inside ``<tracssCdms>``, ``CSV`` has TraCSS's V2 column names (:mod:`openstc.store.cdm_text`).

The list is the service's hot path (issue #5): its SQL is written as text (no SQLAlchemy expression
building per request), visibility runs on covering indexes, and JSON/KVN bodies are the texts stored
with each CDM, concatenated.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from openstc.api import serialize
from openstc.api.deps import DB, Auth, principal, state
from openstc.api.query import (
    FilterSpec,
    RawWhere,
    apply_filters,
    negotiate_format,
    paging,
    parse_bool,
    parse_fields,
    parse_int,
    raw_order_by,
    select_fields,
)
from openstc.api.visibility import pair_visibility
from openstc.auth.accounts import readable_norads
from openstc.errors import InvalidArgumentError
from openstc.store import cdm_text
from openstc.store.cdms import cdm_header, cdm_record, event_dto, record_json
from openstc.store.models import Cdm, ConjunctionEvent

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


class _Query:
    """The CDMs a request selects, as SQL text: ``where`` (time window, filters, flags) and, for a
    caller who reads only some satellites, ``ids`` (their NORAD ids, inlined: our own integers)."""

    def __init__(self, where: RawWhere, ids: str | None) -> None:
        self.where, self.ids = where, ids

    def _branches(self, columns: str) -> tuple[str, list[Any]]:
        w = self.where
        if self.ids is None:
            return f"SELECT {columns} FROM cdms WHERE {w.sql()}", list(w.args)
        # Object 1 readable UNION object 2 readable: each branch is answered from its covering
        # index (ix_cdms_objectN_visible) and only the chosen rows are read (OR reads every row).
        branch = f"SELECT {columns} FROM cdms WHERE object{{n}}_norad IN ({self.ids}) AND {w.sql()}"
        return f"{branch.replace('{n}', '1')} UNION {branch.replace('{n}', '2')}", [*w.args, *w.args]

    def count(self) -> tuple[str, list[Any]]:
        sql, args = self._branches("id")
        return f"SELECT count(*) FROM ({sql}) AS picked", args

    def page(self, order: list[tuple[str, str]], limit: int, offset: int) -> tuple[str, list[Any]]:
        """``SELECT {columns} FROM cdms c`` of one page; ``order`` is ``[(column, ASC|DESC)]``."""
        keys = ", ".join(f"{col} AS k{i}" for i, (col, _) in enumerate(order))
        sql, args = self._branches(f"id, {keys}")
        by = ", ".join(f"k{i} {d}" for i, (_, d) in enumerate(order))
        picked = f"SELECT id, {', '.join(f'k{i}' for i in range(len(order)))} FROM ({sql}) AS u"
        picked += f" ORDER BY {by} LIMIT {int(limit)} OFFSET {int(offset)}"
        outer = ", ".join(f"p.k{i} {d}" for i, (_, d) in enumerate(order))
        return f"SELECT {{columns}} FROM cdms c JOIN ({picked}) AS p ON c.id = p.id ORDER BY {outer}", args


def _where(s: DB, p: Auth, params: dict[str, str], now: datetime | None) -> _Query:
    """Visibility, the Metadata time window and every filter of ``params`` as SQL text.

    Visibility is :func:`openstc.api.visibility.pair_visibility` (same policy, checked by the access
    matrix). ``now`` None: no Metadata time window (a batch's CDMs, whatever their age)."""
    w = RawWhere(s.get_bind().dialect.name)
    norads = readable_norads(s, p)
    ids = None
    if norads is not None:
        if not norads:
            w.add("1 = 0")
        else:
            ids = ", ".join(str(int(n)) for n in sorted(norads))
            w.add(f"is_candidate = {w.bind(False)} OR owner_org_id = {w.bind(p.org_id)}")
    if now is not None:
        w.add(f"creation_date >= {w.bind(now - METADATA_CDM_TTL)}")
    w.filters(params, CDM_FILTERS)
    if now is not None and parse_bool(params.get("activeCdmsOnly"), "activeCdmsOnly"):
        w.add(f"tca >= {w.bind(now)}")
    if parse_bool(params.get("highAlertOnly"), "highAlertOnly"):
        w.add(f"high_alert = {w.bind(True)}")
    if parse_bool(params.get("latestCdmsOnly"), "latestCdmsOnly"):
        # Per conjunction AND owner: an organization's candidate CDMs never hide the public latest one.
        w.add(
            "counter IN (SELECT max(counter) FROM cdms WHERE conjunction_id IS NOT NULL"
            " GROUP BY conjunction_id, owner_org_id)"
        )
    if params.get("CAStatus"):
        if params["CAStatus"].strip().lower() != "complete":
            raise InvalidArgumentError("CAStatus accepts only 'complete' (used with correlationId)")
        done = f"SELECT correlation_id FROM screening_runs WHERE status = {w.bind('COMPLETED')}"
        w.add(f"correlation_id IN ({done})")
    return _Query(w, ids)


def _rendered(s: DB, rows: Sequence[Any], render: Callable[[dict[str, Any]], str]) -> list[str]:
    """The stored texts of ``rows`` (id, text); rows stored before revision 0002 are rendered now."""
    missing = [r[0] for r in rows if r[1] is None]
    if not missing:
        return [r[1] for r in rows]
    done = {c.id: render(cdm_record(c)) for c in s.scalars(select(Cdm).where(Cdm.id.in_(missing)))}
    return [r[1] if r[1] is not None else done[r[0]] for r in rows]


def _respond(
    request: Request,
    s: DB,
    query: tuple[str, list[Any]],
    params: dict[str, str],
    headers: dict[str, str] | None = None,
    counter_header: bool = False,
) -> Response:
    """Run ``query`` (SQL text selecting ``{columns}`` of CDMs, ordered and limited; its parameters)
    and answer in the negotiated format. The hot path (JSON or KVN, no ``fields``) reads only the
    texts stored with each CDM and concatenates them."""
    sql, args = query
    fmt = negotiate_format(params.get("format"), request.headers.get("accept"), "KVN")
    fields = parse_fields(params.get("fields"))
    conn = s.connection()
    if parse_bool(params.get("headersOnly"), "headersOnly"):
        ids = [r[0] for r in conn.exec_driver_sql(sql.replace("{columns}", "c.id"), tuple(args))]
        by_id = {c.id: c for c in s.scalars(select(Cdm).where(Cdm.id.in_(ids)))} if ids else {}
        cdms = [by_id[i] for i in ids if i in by_id]
        if not cdms:
            return serialize.no_content(headers)
        _counter(headers, counter_header, [c.counter for c in cdms])
        return serialize.json_response({"headersOnly": [cdm_header(c) for c in cdms]}, headers=headers)
    kvn = fmt == "KVN" and not fields
    columns = "c.id, c.kvn, c.counter" if kvn else "c.id, c.record_json, c.counter"
    rows = conn.exec_driver_sql(sql.replace("{columns}", columns), tuple(args)).all()
    if not rows:
        return serialize.no_content(headers)
    _counter(headers, counter_header, [r[2] for r in rows])
    if kvn:
        return serialize.cdm_kvn(_rendered(s, rows, cdm_text.kvn), headers)
    texts = _rendered(s, rows, record_json)
    if fmt == "JSON" and not fields:
        return serialize.cdm_json(texts, headers)
    records = [json.loads(t) for t in texts]
    if fmt == "JSON":
        return serialize.json_response(
            {"default": {"tracssCdms": [select_fields(r, fields) for r in records]}}, headers=headers
        )
    if fmt == "XML":
        return serialize.cdm_xml(records, fields, headers)
    if fmt == "CSV":
        return serialize.cdm_csv(records, fields, headers)
    return serialize.cdm_kvn([cdm_text.kvn(select_fields(r, fields)) for r in records], headers)


def _args(query: tuple[str, list[Any]]) -> tuple[str, tuple[Any, ...]]:
    return query[0], tuple(query[1])


def _counter(headers: dict[str, str] | None, wanted: bool, counters: list[int]) -> None:
    if headers is not None and wanted:
        headers["counter"] = str(max(counters, default=0))


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
async def list_cdms(request: Request) -> Response:
    # Runs on the event loop, session and token check included: a list is ~1 ms of work, less than
    # the three thread-pool hops of sync dependencies plus endpoint, and requests are served in
    # arrival order instead of contending for the GIL (p99 with 32 clients: ~1 s -> see BENCHMARKS).
    with state(request).sessions() as s:
        return _list_cdms(request, s, principal(request, s))


def _list_cdms(request: Request, s: DB, p: Auth) -> Response:
    params = dict(request.query_params)
    now = datetime.now(UTC)
    q = _where(s, p, params, now)
    conn = s.connection()
    if parse_bool(params.get("countOnly"), "countOnly"):
        n = conn.exec_driver_sql(*_args(q.count())).scalar()
        return serialize.json_response({"countOnly": int(n or 0)})
    page, size = paging(params, 5000, 5000)
    assert size is not None
    order = raw_order_by(params.get("sort"), CDM_SORT, [("counter", "ASC")])
    query = q.page(order, size, page * size)
    top = conn.exec_driver_sql(
        "SELECT counter, correlation_id FROM cdms ORDER BY counter DESC LIMIT 1"
    ).first()
    headers = {
        "max-counter": str(top[0]) if top else "0",
        "max-counter-correlation-id": str(top[1] or "") if top else "",
        "counter": "0",
    }
    return _respond(request, s, query, params, headers, counter_header=True)


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
        raise InvalidArgumentError("batchId is required")
    size = parse_int(params.get("size"), "size", 100000, 1, 100000)
    q = _where(s, p, {}, None)
    q.where.add(f"batch_id = {q.where.bind(batch)}")
    return _respond(request, s, q.page([("counter", "ASC")], size, 0), params)


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
