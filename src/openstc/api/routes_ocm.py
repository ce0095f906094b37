"""OCM upload (``POST /metadata/v2/ocm/upload``), OCM list and operational batches.

Upload takes one or more ``file`` parts (multipart/form-data). Every file is validated
(:mod:`openstc.api.ocm_ingest`) and checked against the access policy (write on the satellite;
national governments never write OCMs). Accepted files, their batch and their feed messages are
stored in ONE transaction; if no file is accepted the answer is 400 with every file's validation
messages and nothing is stored. Candidate OCMs, and operational ones with ``triggerCA=true``, queue an
on-demand screening (a QUEUED ``screening_runs`` row the job runner takes in arrival order).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from starlette.datastructures import UploadFile

from openstc.api import serialize
from openstc.api.deps import DB, Auth, state
from openstc.api.errors import ApiError
from openstc.api.ocm_ingest import OcmSummary, summarize
from openstc.api.query import (
    FilterSpec,
    apply_filters,
    apply_sort,
    negotiate_format,
    paging,
    parse_bool,
    parse_fields,
    select_fields,
)
from openstc.api.visibility import ocm_visibility
from openstc.auth.policy import OcmResource, Satellite, decide
from openstc.errors import InvalidArgumentError
from openstc.store import feed
from openstc.store.models import CatalogObject, Ephemeris, Organization, ScreeningRun, UploadBatch, User
from openstc.store.times import format_iso_z

router = APIRouter(tags=["metadata"])
METADATA_OCM_TTL = timedelta(days=5)  # after the OCM's stop time (Table 6.7.1)


def _upload_doc() -> dict[str, Any]:
    return {
        "parameters": [
            {
                "name": "triggerCA",
                "in": "query",
                "required": False,
                "schema": {"type": "boolean", "default": False},
            },
            {"name": "updateDatabase", "in": "header", "required": False, "schema": {"type": "string"}},
        ],
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "file": {"type": "array", "items": {"type": "string", "format": "binary"}}
                        },
                        "required": ["file"],
                    }
                }
            },
        },
    }


def _ocm_dto(e: Ephemeris, errors: list[str] | None = None) -> dict[str, Any]:
    return {
        "messageId": e.message_id,
        "usableStartTime": format_iso_z(e.start_time) if e.start_time else None,
        "usableStopTime": format_iso_z(e.stop_time) if e.stop_time else None,
        "satNo": str(e.norad_id) if e.norad_id is not None else None,
        "creationDate": format_iso_z(e.creation_date) if e.creation_date else None,
        "preProcessingValidation": errors or [],
    }


async def _files(request: Request) -> list[tuple[str, bytes]]:
    limit = state(request).max_upload_bytes
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        raise ApiError(413, f"Payload too large: uploads are limited to {limit} bytes")
    ctype = request.headers.get("content-type", "")
    if not ctype.lower().startswith("multipart/form-data"):
        raise InvalidArgumentError("Content-Type must be multipart/form-data with one or more 'file' parts")
    try:
        form = await request.form(max_files=1000, max_fields=1000)
    except Exception as exc:  # malformed multipart bodies come in many shapes; all are the client's
        raise InvalidArgumentError(f"malformed multipart body: {exc}") from None
    files: list[tuple[str, bytes]] = []
    total = 0
    for item in form.getlist("file"):
        if isinstance(item, UploadFile):
            data = await item.read()
            name = item.filename or "upload.ocm"
        else:
            data, name = str(item).encode(), "upload.ocm"
        total += len(data)
        if total > limit:
            raise ApiError(413, f"Payload too large: uploads are limited to {limit} bytes")
        files.append((name, data))
    if not files:
        raise InvalidArgumentError("the upload has no 'file' part")
    return files


@router.post(
    "/metadata/ocm/upload",
    summary="Upload OCM(s) (V1 path)",
    openapi_extra=_upload_doc(),
    status_code=201,
    responses={400: {"description": "No file accepted; nothing stored"}, 413: {"description": "Too large"}},
)
@router.post(
    "/metadata/v2/ocm/upload",
    summary="Upload V2 OCM(s); candidate OCMs (and operational ones with triggerCA) are screened on demand",
    openapi_extra=_upload_doc(),
    status_code=201,
    responses={400: {"description": "No file accepted; nothing stored"}, 413: {"description": "Too large"}},
)
async def upload(request: Request, s: DB, p: Auth) -> Response:
    trigger = parse_bool(request.query_params.get("triggerCA"), "triggerCA")
    files = await _files(request)
    results: list[tuple[str, OcmSummary, str]] = []
    for name, data in files:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            summ = OcmSummary(errors=["FILE: not UTF-8 text"])
            results.append((name, summ, ""))
            continue
        summ = summarize(text, name)
        if not summ.errors and summ.norad_id is not None:
            sat = s.get(CatalogObject, summ.norad_id)
            facts = Satellite(
                summ.norad_id, sat.owner_org_id if sat else None, sat.nationality_fields() if sat else ()
            )
            decision = decide(p, OcmResource(facts, summ.candidate, p.org_id), "write")
            if not decision:
                summ.errors.append(
                    f"OBJECT_DESIGNATOR: not allowed to upload for {summ.norad_id}: {decision.reason}"
                )
        results.append((name, summ, text))
    accepted = [(n, sm, t) for n, sm, t in results if not sm.errors]
    if not accepted:
        body = {
            "status": "failed",
            "payload": {
                "status": "No Files Accepted",
                "ocmFilesRejected": len(results),
                "files": [{"fileName": n, "preProcessingValidation": sm.errors} for n, sm, _ in results],
            },
            "error": "; ".join(f"{n}: {e}" for n, sm, _ in results for e in sm.errors)[:4000],
        }
        return serialize.json_response(body, status=400)
    batch_id = "ope" + str(uuid.uuid4())[3:]
    now = datetime.now(UTC)
    stored: list[Ephemeris] = []
    # One transaction: the batch, its OCMs, their feed messages and the queued run commit together.
    s.add(UploadBatch(batch_id=batch_id, org_id=p.org_id, created_by=p.user_id, trigger_ca=trigger))
    for name, summ, text in accepted:
        e = Ephemeris(
            message_id=summ.message_id or f"{batch_id}-{len(stored)}",
            norad_id=summ.norad_id,
            object_designator=summ.object_designator,
            object_name=summ.object_name,
            purpose="CANDIDATE" if summ.candidate else "OPERATIONAL",
            owner_org_id=p.org_id,
            uploaded_by=p.user_id,
            batch_id=batch_id,
            file_name=name,
            originator=summ.originator,
            creation_date=summ.creation_date,
            start_time=summ.start_time,
            stop_time=summ.stop_time,
            uploaded_at=now,
            summary=summ.keywords,
            raw_text=text,
        )
        s.add(e)
        stored.append(e)
    s.flush()
    feed.append(
        s,
        feed.TOPIC_OCM_V2,
        (
            (
                _ocm_record(e),
                [e.norad_id] if e.norad_id else [],
                p.org_id if e.purpose == "CANDIDATE" else None,
                e.object_designator,
            )
            for e in stored
        ),
    )
    n_cand = sum(e.purpose == "CANDIDATE" for e in stored)
    n_ops = len(stored) - n_cand
    screened_ops = n_ops if trigger else 0
    if n_cand or screened_ops:
        s.add(
            ScreeningRun(
                run_type="ON_DEMAND_CANDIDATE" if n_cand else "ON_DEMAND_OPERATIONAL",
                correlation_id=str(uuid.uuid4()),
                batch_id=batch_id,
                status="QUEUED",
                requested_by_org_id=p.org_id,
                queued_at=now,
                primaries=n_cand + screened_ops,
            )
        )
    s.commit()
    rejected = len(results) - len(accepted)
    body = {
        "status": "successful",
        "payload": {
            "status": "Successful but Not All Files Accepted" if rejected else "Successful",
            "triggerCA": trigger,
            "candidateOCMsUploaded": n_cand,
            "candidateOCMsScreened": n_cand,
            "operationalOCMsUploaded": n_ops,
            "operationalOCMsScreened": screened_ops,
            "ocmFilesRejected": rejected,
            "payload": {
                "batchId": batch_id,
                "uploadDate": format_iso_z(now),
                "ocmBatchList": [_ocm_dto(e) for e in stored]
                + [
                    {
                        "fileName": n,
                        "messageId": sm.message_id,
                        "satNo": sm.object_designator,
                        "preProcessingValidation": sm.errors,
                    }
                    for n, sm, _ in results
                    if sm.errors
                ],
            },
        },
    }
    return serialize.json_response(body, status=201)


def _ocm_record(e: Ephemeris) -> dict[str, Any]:
    """The OCM as TraCSS lists it: its keywords plus TraCSS's bookkeeping (camelCase at the edge)."""
    return {
        **e.summary,
        "messageId": e.message_id,
        "objectDesignator": e.object_designator,
        "purpose": e.purpose,
        "batchId": e.batch_id,
        "fileName": e.file_name,
        "uploadDate": format_iso_z(e.uploaded_at),
    }


OCM_FILTERS = {
    "owner": FilterSpec(Organization.name),
    "operator": FilterSpec(Ephemeris.originator),
    "objectDesignator": FilterSpec(Ephemeris.object_designator),
    "messageId": FilterSpec(Ephemeris.message_id),
    "fileName": FilterSpec(Ephemeris.file_name),
    "creationDate": FilterSpec(Ephemeris.creation_date, "datetime"),
}


def ocm_header(e: Ephemeris, owner: str | None) -> dict[str, Any]:
    return {
        "messageId": e.message_id,
        "creationDate": format_iso_z(e.creation_date) if e.creation_date else None,
        "objectDesignator": e.object_designator,
        "operator": e.originator,
        "owner": owner,
        "startTime": format_iso_z(e.start_time) if e.start_time else None,
        "stopTime": format_iso_z(e.stop_time) if e.stop_time else None,
    }


@router.get(
    "/metadata/ocm",
    summary="Query OCMs (V1 path; V2 layout)",
    responses={204: {"description": "No OCM matches"}},
)
@router.get(
    "/metadata/v2/ocm",
    summary="Query V2 OCMs (operational ones are public; candidates only for their organization)",
    openapi_extra={
        "parameters": [
            {"name": n, "in": "query", "required": False, "schema": {"type": "string"}}
            for n in [
                *OCM_FILTERS,
                "headersOnly",
                "maxCreationDate",
                "format",
                "sort",
                "fields",
                "page",
                "size",
            ]
        ]
    },
    responses={204: {"description": "No OCM matches"}},
)
def list_ocms(request: Request, s: DB, p: Auth) -> Response:
    q = dict(request.query_params)
    now = datetime.now(UTC)
    stmt = select(Ephemeris, Organization.name).join(Organization, Organization.id == Ephemeris.owner_org_id)
    stmt = stmt.where(ocm_visibility(s, p, Ephemeris))
    stmt = stmt.where((Ephemeris.stop_time.is_(None)) | (Ephemeris.stop_time >= now - METADATA_OCM_TTL))
    stmt = apply_filters(stmt, q, OCM_FILTERS)
    sort_cols = {
        "creationDate": Ephemeris.creation_date,
        "messageId": Ephemeris.message_id,
        "objectDesignator": Ephemeris.object_designator,
    }
    stmt = apply_sort(stmt, q.get("sort"), sort_cols, [Ephemeris.id.desc()])
    page, size = paging(q, 10, 10)
    assert size is not None
    rows = list(s.execute(stmt.offset(page * size).limit(size)))
    if parse_bool(q.get("maxCreationDate"), "maxCreationDate"):
        # Latest per object: rows are newest first unless sorted otherwise, keep the first of each.
        seen: set[str | None] = set()
        kept = []
        for r in rows:
            if r[0].object_designator not in seen:
                seen.add(r[0].object_designator)
                kept.append(r)
        rows = kept
    if not rows:
        return serialize.no_content()
    if parse_bool(q.get("headersOnly"), "headersOnly"):
        return serialize.json_response({"headersOnly": [ocm_header(e, o) for e, o in rows]})
    fmt = negotiate_format(q.get("format"), request.headers.get("accept"), "KVN", ("KVN", "JSON", "XML"))
    fields = parse_fields(q.get("fields"))
    records = [select_fields(_ocm_record(e), fields) for e, _ in rows]
    if fmt == "KVN":
        return Response(
            "".join(e.raw_text if e.raw_text.endswith("\n") else e.raw_text + "\n" for e, _ in rows),
            media_type="text/plain",
        )
    return serialize.formatted(
        fmt,
        records,
        json_envelope={"default": {"ocms": [{"ocm": r} for r in records]}},
        xml_root="ocms",
        xml_item="ocm",
    )


@router.get(
    "/metadata/ocm/operationalBatch",
    summary="On-demand upload batches (V1 path)",
    responses={204: {"description": "No batch matches"}},
)
@router.get(
    "/metadata/v2/ocm/operationalBatch",
    summary="On-demand upload batches (createdBy defaults to the caller; 'all' = the caller's organization)",
    openapi_extra={
        "parameters": [
            {"name": n, "in": "query", "required": False, "schema": {"type": "string"}}
            for n in ["batchId", "messageId", "satNo", "createdBy", "cdmFound", "sort", "page", "size"]
        ]
    },
    responses={204: {"description": "No batch matches"}},
)
def operational_batches(request: Request, s: DB, p: Auth) -> Response:
    q = dict(request.query_params)
    stmt = select(UploadBatch, User.username).join(User, User.id == UploadBatch.created_by, isouter=True)
    if not p.is_site_admin:
        stmt = stmt.where(UploadBatch.org_id == p.org_id)
    created_by = (q.get("createdBy") or "").strip()
    if created_by.lower() != "all":
        stmt = stmt.where(User.username == (created_by or p.username))
    stmt = apply_filters(stmt, q, {"batchId": FilterSpec(UploadBatch.batch_id)})
    if q.get("cdmFound"):
        stmt = stmt.where(UploadBatch.cdm_found.is_(parse_bool(q["cdmFound"].lstrip("<>="), "cdmFound")))
    page, size = paging(q, 100000, 100000)
    assert size is not None
    rows = list(s.execute(stmt.order_by(UploadBatch.created_at.desc()).offset(page * size).limit(size)))
    out = []
    for b, username in rows:
        ocms = list(s.scalars(select(Ephemeris).where(Ephemeris.batch_id == b.batch_id)))
        if q.get("satNo") and not any(str(e.norad_id) == q["satNo"] for e in ocms):
            continue
        if q.get("messageId") and not any(e.message_id == q["messageId"] for e in ocms):
            continue
        run = s.scalar(select(ScreeningRun).where(ScreeningRun.batch_id == b.batch_id))
        out.append(
            {
                "batchId": b.batch_id,
                "uploadDate": format_iso_z(b.created_at),
                "createdAt": format_iso_z(b.created_at),
                "createdBy": username,
                "cdmFound": "true" if b.cdm_found else "false",
                "status": run.status if run else "NOT_SCREENED",
                "ocmBatchList": [
                    {k: v for k, v in _ocm_dto(e).items() if k != "preProcessingValidation" and v is not None}
                    for e in ocms
                ],
            }
        )
    if not out:
        return serialize.no_content()
    return serialize.json_response(out)
