"""The screening engine as the job runner's ``ScreenFn``: store in, CDM keyword dicts out.

Loads the newest element set of every catalog object from the store, screens with
:func:`openstc.screening.engine.screen` (primaries = the request's, or all for All-vs-All), turns
the conjunctions into CDMs with :func:`openstc.events.cdmgen.screening_cdms` and into TraCSS's flat
V2 records with :func:`openstc.events.cdm_flat.tracss_fields` (what :func:`store_cdms` ingests).

Uploaded OCMs (the request's ``ephemerides``) are screened on their own trajectory: each becomes a
:class:`~openstc.screening.model.ScreeningObject` built with
:func:`openstc.screening.ephemeris.from_ocm` and replaces the catalog's element set of the object
it covers for that run. An on-demand run screens the OCM objects as primaries against the catalog
over the OCMs' span intersected with the run window, with TraCSS's OCM volumes (Table 3.4.2); a
routine run uses an operational OCM only when it covers the run's start (a stale or future one
would leave the object unscreened for part of the window, so its element set is kept). An OCM that
cannot be used is a failure of the run with the reason, never a silent skip.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from openstc.formats.elset import ElementSet
from openstc.jobs.runner import EphemerisInput, ScreenFn, ScreeningRequest, ScreeningResult
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


def catalog_types(s: Session, norads: Sequence[int]) -> dict[int, str | None]:
    """Catalog object types of a few objects (those an OCM covers)."""
    if not norads:
        return {}
    rows = s.execute(
        select(CatalogObject.norad_id, CatalogObject.object_type).where(CatalogObject.norad_id.in_(norads))
    )
    return {int(n): kind for n, kind in rows}


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


# --- OCM trajectories -------------------------------------------------------------------------


@dataclass
class OcmObjects:
    """The usable OCMs of a request as screening objects, keyed by NORAD id, and the unusable ones."""

    objects: dict[int, Any] = field(default_factory=dict)  # norad -> ScreeningObject
    message_ids: dict[int, str] = field(default_factory=dict)  # norad -> OCM MESSAGE_ID
    spans: dict[int, tuple[datetime, datetime]] = field(default_factory=dict)  # norad -> covered span
    failures: list[dict[str, Any]] = field(default_factory=list)


def _ocm_failure(e: EphemerisInput, reason: str, code: str = "OCM_UNUSABLE") -> dict[str, Any]:
    return {"noradId": e.norad_id, "code": code, "reason": f"OCM {e.message_id}: {reason}"}


def ocm_objects(inputs: Sequence[EphemerisInput], kinds: Mapping[int, str | None]) -> OcmObjects:
    """Read each OCM and convert its trajectory (``from_ocm``); later OCMs of an object replace earlier
    ones (arrival order, as TraCSS keeps the newest ephemeris of a satellite)."""
    from openstc import formats
    from openstc.astro.sgp4prop import offset_to_datetime
    from openstc.errors import OpenstcError
    from openstc.screening import ephemeris as ephemeris_module
    from openstc.screening.model import ScreeningObject

    out = OcmObjects()
    from_ocm = getattr(ephemeris_module, "from_ocm", None)
    for e in inputs:
        if e.norad_id is None:
            out.failures.append(_ocm_failure(e, "no OBJECT_DESIGNATOR (NORAD id)"))
            continue
        if from_ocm is None:  # the converter is not part of this build
            out.failures.append(_ocm_failure(e, "trajectory screening is unavailable", "NOT_IMPLEMENTED"))
            continue
        try:
            msg = formats.read(e.text, type="OCM", source=e.message_id)
            eph = from_ocm(msg, norad_id=e.norad_id, object_type=kinds.get(e.norad_id) or "PAYLOAD")
            # the NORAD id the upload was authorized for, whatever other designators the OCM carries
            eph = dataclasses.replace(eph, norad_id=e.norad_id)
        except (OpenstcError, ValueError, KeyError, IndexError) as exc:
            out.failures.append(_ocm_failure(e, str(exc)))
            continue
        prev = out.message_ids.get(e.norad_id)
        if prev is not None:
            out.failures.append(
                {
                    "noradId": e.norad_id,
                    "code": "OCM_SUPERSEDED",
                    "reason": f"OCM {prev}: replaced by OCM {e.message_id} of the same object in this run",
                }
            )
        out.objects[e.norad_id] = ScreeningObject.from_ephemeris(eph)
        out.message_ids[e.norad_id] = e.message_id
        out.spans[e.norad_id] = (
            offset_to_datetime(eph.t0, float(eph.times_s[0])),
            offset_to_datetime(eph.t0, float(eph.times_s[-1])),
        )
    return out


def _window(
    run_start: datetime, on_demand: bool, ocms: OcmObjects, duration_s: float
) -> tuple[datetime, datetime, OcmObjects]:
    """The screening window, and the OCMs used in it.

    On demand: the union of the OCMs' spans intersected with the run window. Routine: the run window,
    with the OCMs that cover its start.
    """
    start, stop = run_start, run_start + timedelta(seconds=duration_s)
    used = OcmObjects(failures=list(ocms.failures))
    for n, obj in ocms.objects.items():
        a, b = ocms.spans[n]
        if b <= start or a >= stop or (not on_demand and a > start):
            if on_demand:  # the uploader must learn why nothing was screened
                used.failures.append(
                    {
                        "noradId": n,
                        "code": "OCM_OUTSIDE_WINDOW",
                        "reason": f"OCM {ocms.message_ids[n]}: its span {a.isoformat()} - {b.isoformat()} "
                        f"lies outside the screening window {start.isoformat()} - {stop.isoformat()}",
                    }
                )
            continue
        used.objects[n], used.message_ids[n], used.spans[n] = obj, ocms.message_ids[n], (a, b)
    if on_demand and used.spans:
        start = max(start, min(a for a, _ in used.spans.values()))
        stop = min(stop, max(b for _, b in used.spans.values()))
    return start, stop, used


def _on_demand(req: ScreeningRequest) -> bool:
    return req.run_type.startswith("ON_DEMAND")


@dataclass
class PreparedRun:
    """Everything one screening needs, from the store and the request; ``config`` None means there is
    nothing to screen (an on-demand run without a usable OCM: its failures say why)."""

    objects: list[Any]
    config: Any  # ScreeningConfig | None
    settings: Any  # CdmSettings
    ocms: OcmObjects

    def result(
        self, records: list[dict[str, Any]], n_conj: int, failed: list[dict[str, Any]]
    ) -> ScreeningResult:
        """The run's result from the engine's output: CDMs tagged with the OCM they came from."""
        for rec in records:  # TraCSS's ocmMessageId: the OCM a CDM was computed from
            for key in ("SAT1_OBJECT_DESIGNATOR", "SAT2_OBJECT_DESIGNATOR"):
                n = _int(rec.get(key))
                if n is not None and n in self.ocms.message_ids:
                    rec.setdefault("OCM_MESSAGE_ID", self.ocms.message_ids[n])
                    break
        if self.config is None:
            n_primary = 0
        elif self.config.primaries is None:
            n_primary = len(self.objects)
        else:
            n_primary = len(self.config.primaries)
        return ScreeningResult(
            cdms=records,
            primaries=n_primary,
            secondaries=len(self.objects),
            conjunctions=n_conj,
            failures=self.ocms.failures + failed,
        )


def prepare_run(
    sessions: sessionmaker[Session],
    req: ScreeningRequest,
    *,
    start: datetime | None = None,
    duration_s: float = DEFAULT_DURATION_S,
    volume: Any = "tracss",
    ocm_volume: Any = "tracss-ocm",
) -> PreparedRun:
    """Objects, configuration and CDM settings of a request.

    The run window is ``start`` (default: the request's start) plus ``duration_s``; on-demand runs
    narrow it to their OCMs' span. ``volume`` applies to routine runs (``"tracss"``: HAC boxes for
    element sets, OCM boxes for ephemerides), ``ocm_volume`` to on-demand runs.
    """
    from openstc.events.cdmgen import CdmSettings
    from openstc.screening.model import ScreeningConfig, ScreeningObject

    with sessions() as s:
        elsets = latest_element_sets(s)
        kinds = catalog_types(s, sorted({e.norad_id for e in req.ephemerides if e.norad_id}))
    run_start = start if start is not None else req.started_at
    w_start, w_stop, ocms = _window(
        run_start, _on_demand(req), ocm_objects(req.ephemerides, kinds), duration_s
    )
    objects: list[Any] = [
        ScreeningObject.from_elset(e, kind) for e, kind in elsets if e.norad_id not in ocms.objects
    ]
    objects += list(ocms.objects.values())
    settings = CdmSettings(
        creation_date=req.started_at,  # the runner's clock: CDMs are new even when the window is not
        run_id=req.correlation_id,
        correlation_id=req.correlation_id,
        screen_start=w_start,
        screen_stop=w_stop,
        sources={str(n): f"OCM {m}" for n, m in ocms.message_ids.items()},
    )
    if _on_demand(req):
        primaries: frozenset[int] | None = frozenset(ocms.objects)
        if not primaries:
            return PreparedRun(objects, None, settings, ocms)
        run_volume = ocm_volume
    else:
        primaries = frozenset(req.primaries) if req.primaries is not None else None
        run_volume = volume
    config = ScreeningConfig(
        start=w_start, duration_s=(w_stop - w_start).total_seconds(), volume=run_volume, primaries=primaries
    )
    return PreparedRun(objects, config, settings, ocms)


def make_screen_fn(
    sessions: sessionmaker[Session],
    *,
    duration_s: float = DEFAULT_DURATION_S,
    volume: Any = "tracss",
    ocm_volume: Any = "tracss-ocm",
    isolate: bool = True,
) -> ScreenFn:
    """A ``ScreenFn`` running the screening engine on the store's catalog (see :func:`prepare_run`).

    With ``isolate`` (the default for the server) the engine runs in a child process, so that a
    crash in compiled code is a FAILED run in the provenance, not a dead API server.
    """

    def screen_fn(req: ScreeningRequest) -> ScreeningResult:
        prep = prepare_run(sessions, req, duration_s=duration_s, volume=volume, ocm_volume=ocm_volume)
        if prep.config is None:
            return prep.result([], 0, [])
        if isolate:
            records, n_conj, failed = run_isolated(screen_objects, prep.objects, prep.config, prep.settings)
        else:
            records, n_conj, failed = screen_objects(prep.objects, prep.config, prep.settings)
        return prep.result(records, n_conj, failed)

    return screen_fn


def _int(v: Any) -> int | None:
    try:
        return int(str(v).strip())
    except (TypeError, ValueError):
        return None
