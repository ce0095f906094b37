"""Data provenance: screening runs (routine and on demand) and their status.

Registered users see every routine run and the on-demand runs of their own organization (an
on-demand run of another organization would reveal its uploads). ``/dataprovenance/v1/runs`` lists
with TraCSS filters and paging; ``/dataprovenance/v1/runs/{correlationId}`` gives one run.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import or_, select

from openstc.api import serialize
from openstc.api.deps import DB, Auth
from openstc.api.query import FilterSpec, apply_filters, apply_sort, paging
from openstc.auth.policy import Principal
from openstc.errors import NotFoundError
from openstc.store.models import ScreeningRun
from openstc.store.times import format_iso_z

router = APIRouter(tags=["dataprovenance"])
R = ScreeningRun
RUN_FILTERS = {
    "runType": FilterSpec(R.run_type),
    "status": FilterSpec(R.status),
    "correlationId": FilterSpec(R.correlation_id),
    "batchId": FilterSpec(R.batch_id),
    "queuedAt": FilterSpec(R.queued_at, "datetime"),
    "startedAt": FilterSpec(R.started_at, "datetime"),
    "finishedAt": FilterSpec(R.finished_at, "datetime"),
}
RUN_SORT = {
    "queuedAt": R.queued_at,
    "startedAt": R.started_at,
    "finishedAt": R.finished_at,
    "runType": R.run_type,
}


def run_dto(r: ScreeningRun) -> dict[str, Any]:
    def t(v: Any) -> str | None:
        return format_iso_z(v) if v else None

    return {
        "correlationId": r.correlation_id,
        "runType": r.run_type,
        "status": r.status,
        "batchId": r.batch_id,
        "scheduledFor": t(r.scheduled_for),
        "queuedAt": t(r.queued_at),
        "startedAt": t(r.started_at),
        "finishedAt": t(r.finished_at),
        "primaries": r.primaries,
        "secondaries": r.secondaries,
        "conjunctions": r.conjunctions,
        "cdms": r.cdms,
        "failures": list(r.failures or []),
        "failureCount": len(r.failures or []),
        "message": r.message,
    }


def _visible(p: Principal) -> Any:
    if p.is_site_admin:
        return R.id.is_not(None)
    return or_(R.run_type.not_like("ON_DEMAND%"), R.requested_by_org_id == p.org_id)


@router.get(
    "/dataprovenance/v1/runs",
    summary="Screening runs and their status",
    openapi_extra={
        "parameters": [
            {"name": n, "in": "query", "required": False, "schema": {"type": "string"}}
            for n in [*RUN_FILTERS, "sort", "page", "size"]
        ]
    },
    responses={204: {"description": "No run matches"}},
)
def runs(request: Request, s: DB, p: Auth) -> Response:
    q = dict(request.query_params)
    stmt = apply_filters(select(R).where(_visible(p)), q, RUN_FILTERS)
    stmt = apply_sort(stmt, q.get("sort"), RUN_SORT, [R.queued_at.desc(), R.id.desc()])
    page, size = paging(q, 100, 5000)
    assert size is not None
    rows = list(s.scalars(stmt.offset(page * size).limit(size)))
    if not rows:
        return serialize.no_content()
    return serialize.json_response([run_dto(r) for r in rows])


@router.get("/dataprovenance/v1/runs/{correlationId}", summary="One screening run")
def run(correlationId: str, s: DB, p: Auth) -> Response:
    r = s.scalar(select(R).where(R.correlation_id == correlationId).where(_visible(p)))
    if r is None:
        raise NotFoundError(f"No screening run {correlationId}")
    return serialize.json_response(run_dto(r))
