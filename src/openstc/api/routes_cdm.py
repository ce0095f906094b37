"""Metadata CDM endpoints: ``/metadata/v2/tracssCdm``, by operational batch, and conjunction events.

Same parameters, filter grammar, envelopes, headers and status codes as TraCSS (``SUMMARY.md`` §2):
KVN by default (JSON with ``format=json`` or ``Accept: application/json``), ``page``/``size``
(5000 max), ``countOnly``, ``headersOnly``, ``fields``, ``sort``, ``latestCdmsOnly``,
``activeCdmsOnly``, ``highAlertOnly``, the ``max-counter``/``counter`` headers, 204 when nothing
matches. Metadata only shows CDMs up to 10 days old (handbook Table 6.7.1). ``format=XML`` is CCSDS
CDM XML inside ``<tracssCdms>``, ``CSV`` has TraCSS's V2 column names (:mod:`openstc.store.cdm_text`).

The list is the service's hot path (issue #5): its SQL is written as text (no SQLAlchemy expression
building per request) and runs on a raw pooled connection as one statement (the max-counter headers
come with the page; autocommit on PostgreSQL: one round trip), visibility runs on covering indexes,
JSON/KVN bodies are the texts stored with each CDM, concatenated, and GETs reach :func:`list_cdms`
without FastAPI's routing layers (:data:`HOT_ROUTES`, served by ``openstc.api.app``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from openstc.api import serialize
from openstc.api.deps import DB, Auth, cached_principal, load_principal_for, state
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
from openstc.auth.accounts import readable_norads, readable_norads_use_catalog
from openstc.errors import InvalidArgumentError
from openstc.store import cdm_text
from openstc.store.cdms import cdm_header, cdm_record, event_dto, record_json
from openstc.store.db import generic_plan_pool
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


class _Db:
    """The database as the list routes use it: SQL text on one connection, and an ORM session only
    when a rare path needs one (headersOnly, rows stored before revision 0002, principals not cached).

    The hot path (:func:`list_cdms`) runs on a raw pooled DBAPI connection: no Session, no SQLAlchemy
    result objects, and on PostgreSQL autocommit, so a list is one round trip (no BEGIN/ROLLBACK;
    each statement is its own snapshot, as in a READ COMMITTED transaction)."""

    def __init__(self, request: Request, session: Session | None = None) -> None:
        st = state(request)
        self.dialect = st.engine.dialect.name
        self._engine = st.engine
        self._sessions = st.sessions
        self._session = session
        self._owned: Session | None = None
        self._raw: Any = None
        # Set before the first query when its plan cannot depend on parameter values (see
        # openstc.store.db.generic_plan_pool): PostgreSQL then reuses one plan per statement.
        self.generic_plans = False

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = self._owned = self._sessions()
        return self._session

    def rows(self, sql: str, args: Sequence[Any]) -> list[Any]:
        if self._raw is None and self._owned is None and self._session is not None:
            # A route that already holds a session: stay on its connection and transaction.
            return list(self._session.connection().exec_driver_sql(sql, tuple(args)).all())
        if self._raw is None:
            pool = generic_plan_pool(self._engine) if self.generic_plans else None
            raw = pool.connect() if pool is not None else self._engine.raw_connection()
            if self.dialect == "postgresql":
                _driver(raw).autocommit = True
            self._raw = raw
        cur = self._raw.cursor()
        try:
            cur.execute(sql, tuple(args))
            return list(cur.fetchall())
        except Exception:
            # A connection the server closed must not go back to the pool (SQLAlchemy's
            # execution path invalidates it the same way).
            driver = _driver(self._raw)
            if getattr(driver, "closed", False) or getattr(driver, "broken", False):
                self._raw.invalidate()
                self._raw = None
            raise
        finally:
            cur.close()

    def close(self) -> None:
        if self._raw is not None:
            raw, self._raw = self._raw, None
            try:
                driver = _driver(raw)
                if self.dialect == "postgresql" and not driver.closed:
                    driver.autocommit = False  # the pool's other users expect transactions
            finally:
                raw.close()  # back to the pool
        if self._owned is not None:
            self._owned.close()
            self._owned = None

    def __enter__(self) -> _Db:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _driver(raw: Any) -> Any:
    """The DBAPI connection (psycopg / sqlite3) inside a pooled connection."""
    driver = raw.driver_connection
    assert driver is not None  # a checked-out connection always has one
    return driver


def _readable_norads(db: _Db, p: Auth) -> frozenset[int] | None:
    """:func:`readable_norads`, querying the catalog only for principals whose set depends on it."""
    return readable_norads(db.session if readable_norads_use_catalog(p) else None, p)


_ID_LISTS: dict[frozenset[int], str] = {}


def _id_list(norads: frozenset[int]) -> str:
    """``norads`` as the SQL list ``1, 2, 3`` (sorted: stable statement text for prepared plans),
    remembered per set: a pure function of the set, and a principal's set is the same object for
    PRINCIPAL_CACHE_S (frozenset hashes are cached)."""
    text = _ID_LISTS.get(norads)
    if text is None:
        text = ", ".join(str(int(n)) for n in sorted(norads))
        if len(_ID_LISTS) > 1000:
            _ID_LISTS.clear()
        _ID_LISTS[norads] = text
    return text


def _where(db: _Db, p: Auth, params: dict[str, str], now: datetime | None) -> _Query:
    """Visibility, the Metadata time window and every filter of ``params`` as SQL text.

    Visibility is :func:`openstc.api.visibility.pair_visibility` (same policy, checked by the access
    matrix). ``now`` None: no Metadata time window (a batch's CDMs, whatever their age)."""
    w = RawWhere(db.dialect)
    norads = _readable_norads(db, p)
    ids = None
    if norads is not None:
        if not norads:
            w.add("1 = 0")
        else:
            ids = _id_list(norads)
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


def _rendered(db: _Db, rows: Sequence[Any], render: Callable[[dict[str, Any]], str]) -> list[str]:
    """The stored texts of ``rows`` (id, text); rows stored before revision 0002 are rendered now."""
    missing = [r[0] for r in rows if r[1] is None]
    if not missing:
        return [r[1] for r in rows]
    s = db.session
    done = {c.id: render(cdm_record(c)) for c in s.scalars(select(Cdm).where(Cdm.id.in_(missing)))}
    return [r[1] if r[1] is not None else done[r[0]] for r in rows]


# The newest CDM's counter and correlation id (the max-counter headers), as two scalar subqueries the
# page query selects with its rows: computed once per statement (an uncorrelated InitPlan in
# PostgreSQL, a once-only subquery in SQLite), and the same snapshot as the page.
_TOP = "SELECT {col} FROM cdms ORDER BY counter DESC LIMIT 1"
_TOP_COLUMNS = f"({_TOP.format(col='counter')}), ({_TOP.format(col='correlation_id')})"


def _respond(
    request: Request,
    db: _Db,
    query: tuple[str, list[Any]],
    params: dict[str, str],
    headers: dict[str, str] | None = None,
    counter_header: bool = False,
) -> Response:
    """Run ``query`` (SQL text selecting ``{columns}`` of CDMs, ordered and limited; its parameters)
    and answer in the negotiated format. The hot path (JSON or KVN, no ``fields``) reads only the
    texts stored with each CDM and concatenates them. ``headers`` given: they get the max-counter
    headers (read with the page, in the same statement)."""
    sql, args = query
    fmt = negotiate_format(params.get("format"), request.headers.get("accept"), "KVN")
    fields = parse_fields(params.get("fields"))
    top = f", {_TOP_COLUMNS}" if headers is not None else ""
    if parse_bool(params.get("headersOnly"), "headersOnly"):
        id_rows = db.rows(sql.replace("{columns}", f"c.id{top}"), args)
        _max_counter(db, headers, id_rows, 1)
        ids = [r[0] for r in id_rows]
        s = db.session
        by_id = {c.id: c for c in s.scalars(select(Cdm).where(Cdm.id.in_(ids)))} if ids else {}
        cdms = [by_id[i] for i in ids if i in by_id]
        if not cdms:
            return serialize.no_content(headers)
        _counter(headers, counter_header, [c.counter for c in cdms])
        return serialize.json_response({"headersOnly": [cdm_header(c) for c in cdms]}, headers=headers)
    kvn = fmt == "KVN" and not fields
    columns = "c.id, c.kvn, c.counter" if kvn else "c.id, c.record_json, c.counter"
    rows = db.rows(sql.replace("{columns}", columns + top), args)
    _max_counter(db, headers, rows, 3)
    if not rows:
        return serialize.no_content(headers)
    _counter(headers, counter_header, [r[2] for r in rows])
    if kvn:
        return serialize.cdm_kvn(_rendered(db, rows, cdm_text.kvn), headers)
    texts = _rendered(db, rows, record_json)
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


def _max_counter(db: _Db, headers: dict[str, str] | None, rows: list[Any], at: int) -> None:
    """The max-counter headers from the page's rows (columns ``at`` and ``at + 1``); an empty page
    carries none, so the database is asked on its own (an empty store keeps "0" and "")."""
    if headers is None:
        return
    if rows:
        counter, correlation = rows[0][at], rows[0][at + 1]
    else:
        top = db.rows(_TOP.format(col="counter, correlation_id"), [])
        if not top:
            return
        counter, correlation = top[0]
    headers["max-counter"] = str(counter)
    headers["max-counter-correlation-id"] = str(correlation or "")


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
    # Runs on the event loop, token check included: a list is ~1 ms of work, less than the three
    # thread-pool hops of sync dependencies plus endpoint, and requests are served in arrival order
    # instead of contending for the GIL (p99 with 32 clients: ~1 s -> see BENCHMARKS). No session
    # unless the principal is not cached or a rare path needs one (see _Db).
    cached, claims = cached_principal(request)
    with _Db(request) as db:
        p = cached if cached is not None else load_principal_for(request, db.session, claims)
        return _list_cdms(request, db, p)


# Served by openstc.api.app._App without FastAPI's routing layers (the routes above stay for OpenAPI
# and for requests the fast path leaves alone).
HOT_ROUTES = {"/metadata/v2/tracssCdm": list_cdms, "/metadata/tracssCdm": list_cdms}


def _list_cdms(request: Request, db: _Db, p: Auth) -> Response:
    params = dict(request.query_params)
    now = datetime.now(UTC)
    q = _where(db, p, params, now)
    # With a NORAD-id list, every plan starts from the two visibility indexes (or a filter's
    # selective index): one generic plan per statement is as good as re-planning each time.
    db.generic_plans = q.ids is not None
    if parse_bool(params.get("countOnly"), "countOnly"):
        n = db.rows(*q.count())[0][0]
        return serialize.json_response({"countOnly": int(n or 0)})
    page, size = paging(params, 5000, 5000)
    assert size is not None
    order = raw_order_by(params.get("sort"), CDM_SORT, [("counter", "ASC")])
    query = q.page(order, size, page * size)
    headers = {"max-counter": "0", "max-counter-correlation-id": "", "counter": "0"}
    return _respond(request, db, query, params, headers, counter_header=True)


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
    with _Db(request, s) as db:
        q = _where(db, p, {}, None)
        q.where.add(f"batch_id = {q.where.bind(batch)}")
        return _respond(request, db, q.page([("counter", "ASC")], size, 0), params)


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
