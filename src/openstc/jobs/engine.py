"""The screening engine as the job runner's ``ScreenFn``: store in, CDM keyword dicts out.

Loads the newest element set of every catalog object from the store, screens with
:func:`openstc.screening.engine.screen` (primaries = the request's, or all for All-vs-All), turns
the conjunctions into CDMs with :func:`openstc.events.cdmgen.screening_cdms` and into TraCSS's flat
V2 records with :func:`openstc.events.cdm_flat.tracss_fields` (what :func:`store_cdms` ingests).

Not wired yet: screening an uploaded OCM's own trajectory (the OCM -> screening ``Ephemeris``
bridge); such ephemerides are recorded as failures of the run so the uploader sees why.
"""

from __future__ import annotations

import multiprocessing
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from openstc.formats.elset import ElementSet
from openstc.jobs.runner import ScreenFn, ScreeningRequest, ScreeningResult
from openstc.store.models import CatalogObject, ElementSetRecord

DEFAULT_DURATION_S = 7 * 86400.0  # TraCSS screens 7 days ahead


def element_set_of(r: ElementSetRecord) -> ElementSet:
    return ElementSet(
        norad_id=r.norad_id,
        epoch=r.epoch,
        mean_motion_rev_day=r.mean_motion_rev_day,
        eccentricity=r.eccentricity,
        inclination_deg=r.inclination_deg,
        raan_deg=r.raan_deg,
        arg_perigee_deg=r.arg_perigee_deg,
        mean_anomaly_deg=r.mean_anomaly_deg,
        bstar_per_er=r.bstar_per_er,
        mean_motion_dot_rev_day2=r.mean_motion_dot_rev_day2,
        mean_motion_ddot_rev_day3=r.mean_motion_ddot_rev_day3,
        object_name=r.object_name,
        object_id=r.object_id,
        classification=r.classification,
        element_set_no=r.element_set_no,
        rev_at_epoch=r.rev_at_epoch,
        source=r.source,
    )


def latest_element_sets(s: Session) -> list[tuple[ElementSet, str | None]]:
    """The newest element set of every object, with the object's catalog type."""
    newest = (
        select(ElementSetRecord.norad_id, func.max(ElementSetRecord.epoch).label("m"))
        .group_by(ElementSetRecord.norad_id)
        .subquery()
    )
    stmt = (
        select(ElementSetRecord, CatalogObject.object_type)
        .join(
            newest, (ElementSetRecord.norad_id == newest.c.norad_id) & (ElementSetRecord.epoch == newest.c.m)
        )
        .join(CatalogObject, CatalogObject.norad_id == ElementSetRecord.norad_id, isouter=True)
        .order_by(ElementSetRecord.norad_id)
    )
    seen: set[int] = set()
    out = []
    for rec, kind in s.execute(stmt):
        if rec.norad_id not in seen:  # two sources may share the newest epoch
            seen.add(rec.norad_id)
            out.append((element_set_of(rec), kind))
    return out


def run_isolated(fn: Callable[..., Any], *args: Any, timeout_s: float | None = None) -> Any:
    """``fn(*args)`` in a fresh child process: a crash there (segfault in a compiled kernel, memory
    exhaustion) fails this call with RuntimeError instead of killing the server."""
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        try:
            return pool.submit(fn, *args).result(timeout=timeout_s)
        except BrokenProcessPool:
            raise RuntimeError(
                "the screening process died (crash in the engine); see the server log"
            ) from None


def screen_objects(
    objects: list[Any], config: Any, settings: Any
) -> tuple[list[dict[str, str]], int, list[dict[str, Any]]]:
    """Screen and build the flat CDM records: pure work, safe to run in a child process."""
    from openstc.events.cdm_flat import tracss_fields
    from openstc.events.cdmgen import screening_cdms
    from openstc.screening.engine import screen

    conjunctions, failures, _stats = screen(objects, config)
    cdms = screening_cdms(
        conjunctions, settings=settings, message_ids=lambda: str(uuid.uuid4()), objects=objects
    )
    failed = [
        {"noradId": f.norad_id, "code": "PROPAGATION_FAILED", "reason": f.reason, "name": f.name}
        for f in failures
    ]
    return [dict(tracss_fields(c)) for c in cdms], len(conjunctions), failed


def make_screen_fn(
    sessions: sessionmaker[Session],
    *,
    duration_s: float = DEFAULT_DURATION_S,
    volume: Any = "tracss",
    isolate: bool = True,
) -> ScreenFn:
    """A ``ScreenFn`` running the screening engine on the store's catalog.

    With ``isolate`` (the default for the server) the engine runs in a child process, so that a
    crash in compiled code is a FAILED run in the provenance, not a dead API server.
    """
    from openstc.events.cdmgen import CdmSettings
    from openstc.screening.model import ScreeningConfig, ScreeningObject

    def screen_fn(req: ScreeningRequest) -> ScreeningResult:
        with sessions() as s:
            elsets = latest_element_sets(s)
        objects = [ScreeningObject.from_elset(e, kind) for e, kind in elsets]
        primaries = frozenset(req.primaries) if req.primaries is not None else None
        config = ScreeningConfig(
            start=req.started_at, duration_s=duration_s, volume=volume, primaries=primaries
        )
        settings = CdmSettings(
            creation_date=req.started_at,
            run_id=req.correlation_id,
            correlation_id=req.correlation_id,
            screen_start=req.started_at,
            screen_stop=req.started_at + timedelta(seconds=duration_s),
        )
        if isolate:
            records, n_conj, failed = run_isolated(screen_objects, objects, config, settings)
        else:
            records, n_conj, failed = screen_objects(objects, config, settings)
        failed += [
            {
                "noradId": e.norad_id,
                "code": "NOT_IMPLEMENTED",
                "reason": f"OCM {e.message_id}: trajectory screening not wired yet",
            }
            for e in req.ephemerides
        ]
        n_primary = len(primaries) if primaries is not None else len(objects)
        return ScreeningResult(
            cdms=records, primaries=n_primary, secondaries=len(objects), conjunctions=n_conj, failures=failed
        )

    return screen_fn
