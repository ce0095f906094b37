"""CDMs for the conjunctions of a screening (CCSDS 508 plus the TraCSS CDM v2 fields), and back.

:func:`screening_cdms` turns :class:`~openstc.screening.model.Conjunction` records into
:class:`~openstc.formats.cdm.Cdm` messages (version 2.0), one per conjunction; :func:`conjunction_cdm`
builds one. :func:`cdm_record` reduces any CDM (ours or an external one) to the
:class:`~openstc.events.model.CdmRecord` that :func:`~openstc.events.group_events` works on.

What a generated CDM carries, and where it comes from:

* header: CREATION_DATE, ORIGINATOR, MESSAGE_FOR (object 1's name), MESSAGE_ID, all from the caller:
  the core reads neither the clock nor a random source (pass the date and an id factory).
* relative data: TCA, MISS_DISTANCE, RELATIVE_SPEED, the RTN relative state and APPROACH_ANGLE as
  the screening refined them; START/STOP_SCREEN_PERIOD; SCREEN_TYPE = SHAPE, SCREEN_VOLUME_FRAME =
  RTN, SCREEN_VOLUME_SHAPE and X/Y/Z (radial, in-track, cross-track half-widths of the primary's
  volume; also SCREEN_VOLUME_RADIUS for a sphere); SCREEN_ENTRY/EXIT_TIME; COLLISION_PROBABILITY
  and its METHOD when a Pc was computed, COLLISION_MAX_PROBABILITY (Frisbee, also without
  covariance) and COLLISION_MAX_PC_METHOD; MAHALANOBIS_DISTANCE. A Pc that could not be computed is
  absent (never NaN, never 0) and each failed method leaves a comment
  ``COMMENT_FAILED_COLLISION_PROBABILITY_CALCULATION_<METHOD> = <reason>`` on the relative block.
  The CDM model has no such keyword (a CCSDS reader rejects unknown keywords), so the text is a
  standard COMMENT whose content is exactly that line: KVN ``COMMENT COMMENT_FAILED_... = reason``.
  Our reader gives the same model for TraCSS's bare ``COMMENT_FAILED_... = reason`` line (leniently),
  and :func:`pc_failures` reads both.
* per object: identity (OBJECT_DESIGNATOR = NORAD id, CATALOG_NAME = SATCAT, name, COSPAR id, type),
  EPHEMERIS_NAME (``NONE`` for element sets, else the object's source), COVARIANCE_METHOD
  (CALCULATED with a covariance, DEFAULT without), MANEUVERABLE = N/A, REF_FRAME, the state at TCA,
  the 6x6 RTN covariance (m units; all zeros when the object has none, the convention
  :func:`openstc.pc.compute_pc` reads as "no covariance"), HBR, apoapsis/periapsis altitude and
  inclination from the element set, OD_EPOCH = element-set epoch with its age in a comment.
* TraCSS user-defined parameters USER_DEFINED_MEETS_ALERTABLE_CRITERIA (YES/NO),
  USER_DEFINED_RUN_ID, USER_DEFINED_CORRELATION_ID (and DILUTION_STATUS when known) at message
  level, as TraCSS's CDM v2 examples have them: ``<userDefinedParameters>`` in ``<body>`` after both
  segments (XML), a body member (JSON), the last lines of the message (KVN).

Frames: the screening runs in TEME (SGP4). States are rotated to EME2000 with
:func:`openstc.astro.frames.teme_to_frame` (IAU-76/80 without EOP: within ~2 m of GCRF in LEO) unless
``ref_frame="TEME"`` is asked for. RTN quantities do not depend on that choice.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import numpy.typing as npt

from openstc.astro import frames
from openstc.astro.sgp4prop import RE_M, perigee_apogee_m
from openstc.errors import InvalidArgumentError
from openstc.events.model import CdmRecord
from openstc.formats.cdm import Cdm, CdmObject
from openstc.pc import PcResult, compute_pc
from openstc.pc.hbr import object_hbr
from openstc.pc.maxpc import CDM_METHOD as MAX_PC_METHOD
from openstc.pc.result import METHODS
from openstc.screening.model import Conjunction, ObjectState, ScreeningObject
from openstc.screening.volumes import Volume

F64 = npt.NDArray[np.float64]
FAILED_PC_PREFIX = "COMMENT_FAILED_COLLISION_PROBABILITY_CALCULATION_"
CDM_OBJECT_TYPES = ("PAYLOAD", "ROCKET BODY", "DEBRIS", "UNKNOWN", "OTHER")
_VOLUME_SHAPES = {"sphere": "SPHERE", "box": "BOX", "ellipsoid": "ELLIPSOID"}
SGP4_SOURCE = "SGP4"


@dataclass(frozen=True)
class CdmSettings:
    """What a screening's CDMs share: who wrote them, when, for which run, and the alert rule.

    ``creation_date`` must be timezone-aware UTC (the caller's clock). A conjunction *meets the
    alertable criteria* when its Pc is at least ``alert_pc`` or, if ``alert_miss_distance_m`` is
    set, when its miss distance is at most that. ``sources`` names the state source of objects that
    did not use element sets (``{"25544": "OCM:abc"}``), written as EPHEMERIS_NAME and read back by
    :func:`cdm_record`. ``hbr_m`` overrides the TraCSS default radius per NORAD id (m).
    """

    creation_date: datetime
    originator: str = "OPENSTC"
    run_id: str | None = None
    correlation_id: str | None = None
    screen_start: datetime | None = None
    screen_stop: datetime | None = None
    ref_frame: str = "EME2000"
    version: str = "2.0"
    classification: str | None = None
    alert_pc: float = 1e-4
    alert_miss_distance_m: float | None = None
    pc_methods: tuple[str, ...] = ("foster",)
    sources: Mapping[str, str] = field(default_factory=dict)
    hbr_m: Mapping[int, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("creation_date", "screen_start", "screen_stop"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise InvalidArgumentError(f"CdmSettings.{name} must be a timezone-aware UTC datetime")
        if self.ref_frame.upper() not in ("EME2000", "GCRF", "TEME"):
            raise InvalidArgumentError(f"CDM REF_FRAME must be EME2000, GCRF or TEME, got {self.ref_frame!r}")
        if not 0.0 < self.alert_pc <= 1.0:
            raise InvalidArgumentError(f"alert_pc must be in (0, 1], got {self.alert_pc}")


def volume_from_text(text: str) -> Volume | None:
    """The volume a conjunction names (``Volume.describe()``: ``sphere 5 km``, ``TraCSS HAC LEO 2: box
    R 0.4 x T 25 x N 25 km``), or None when it cannot be read."""
    body = text.rsplit(":", 1)[-1].strip().split()
    try:
        if len(body) == 3 and body[0] == "sphere" and body[2] == "km":
            r = float(body[1]) * 1e3
            return Volume("sphere", r, r, r)
        if len(body) == 10 and body[0] in ("box", "ellipsoid") and body[9] == "km":
            dims = [float(body[i]) * 1e3 for i in (2, 5, 8)]
            return Volume(body[0], dims[0], dims[1], dims[2])
    except ValueError:
        return None
    return None


def _has_cov(s: ObjectState) -> bool:
    if s.covariance_rtn is None:
        return False
    c = np.asarray(s.covariance_rtn, dtype=np.float64)
    return c.shape == (6, 6) and bool(np.all(np.isfinite(c))) and bool(np.any(c != 0.0))


def _type_of(obj: ScreeningObject | None) -> str:
    t = (obj.object_type if obj else "UNKNOWN").upper()
    return t if t in CDM_OBJECT_TYPES else "UNKNOWN"


def _hbr(settings: CdmSettings, norad: int, obj: ScreeningObject | None) -> float:
    return object_hbr(settings.hbr_m.get(norad), _type_of(obj))


def compute_conjunction_pcs(
    conjunctions: Sequence[Conjunction],
    objects: Mapping[int, ScreeningObject],
    settings: CdmSettings,
) -> list[PcResult]:
    """Pc (``settings.pc_methods``), max Pc and Mahalanobis distance of each conjunction, in one batch."""
    if not conjunctions:
        return []
    n = len(conjunctions)
    r = np.zeros((2, n, 3))
    v = np.zeros((2, n, 3))
    cov = np.zeros((2, n, 6, 6))  # all-zero = no covariance for compute_pc
    hbr = np.zeros(n)
    for i, c in enumerate(conjunctions):
        for k, (s, norad) in enumerate(
            ((c.object1_state, c.object1_norad_id), (c.object2_state, c.object2_norad_id))
        ):
            r[k, i], v[k, i] = s.r_m, s.v_m_s
            if _has_cov(s):
                cov[k, i] = frames.covariance_from_rtn(r[k, i], v[k, i], np.asarray(s.covariance_rtn))
            hbr[i] += _hbr(settings, norad, objects.get(norad))
    return compute_pc(r[0], v[0], cov[0], r[1], v[1], cov[1], hbr, methods=settings.pc_methods)


def meets_alert_criteria(miss_distance_m: float, pc: float | None, settings: CdmSettings) -> bool:
    if pc is not None and pc >= settings.alert_pc:
        return True
    limit = settings.alert_miss_distance_m
    return limit is not None and miss_distance_m <= limit


def _fill_object(
    o: CdmObject,
    norad: int,
    name: str | None,
    state: ObjectState,
    obj: ScreeningObject | None,
    c: Conjunction,
    settings: CdmSettings,
    stale: bool,
    age_days: float | None,
) -> None:
    source = settings.sources.get(str(norad))
    elset = obj.elset if obj is not None else None
    if source is None:
        source = SGP4_SOURCE if (obj is None or elset is not None) else "EPHEMERIS"
    has_cov = _has_cov(state)
    o.metadata.update(
        OBJECT_DESIGNATOR=str(norad),
        CATALOG_NAME="SATCAT",
        OBJECT_NAME=name or (obj.name if obj and obj.name else "UNKNOWN"),
        INTERNATIONAL_DESIGNATOR=(elset.object_id if elset and elset.object_id else "UNKNOWN"),
        OBJECT_TYPE=_type_of(obj),
        EPHEMERIS_NAME="NONE" if source == SGP4_SOURCE else source,
        COVARIANCE_METHOD="CALCULATED" if has_cov else "DEFAULT",
        MANEUVERABLE="N/A",
        ORBIT_CENTER="EARTH",
        REF_FRAME=settings.ref_frame.upper(),
    )
    if source == SGP4_SOURCE:
        o.metadata.comments.append("state from an SGP4 element set (mean elements, TEME) propagated to TCA")
    r, v = np.asarray(state.r_m, dtype=np.float64), np.asarray(state.v_m_s, dtype=np.float64)
    if settings.ref_frame.upper() != c.frame.upper():
        if c.frame.upper() != "TEME":
            raise InvalidArgumentError(f"conjunction states in {c.frame}: only TEME can be rotated here")
        r, v = frames.teme_to_frame(settings.ref_frame, c.tca, r, v)
    o.set_state(r, v)
    if has_cov:
        o.set_covariance_rtn(np.asarray(state.covariance_rtn, dtype=np.float64))
    else:
        o.set_covariance_rtn(np.zeros((6, 6)))
        o.block("rtnCovariance").comments.append(
            "no covariance available (element set only): matrix set to zero, no Pc computed"
        )
    extra = o.block("additionalParameters")
    extra.set("HBR", _hbr(settings, norad, obj))
    if elset is not None:
        rp, ra, _ = perigee_apogee_m(elset)
        if math.isfinite(rp) and math.isfinite(ra):
            extra.update(PERIAPSIS_ALTITUDE=rp - RE_M, APOAPSIS_ALTITUDE=ra - RE_M)
        extra.set("INCLINATION", math.radians(elset.inclination_deg))
        od = o.block("odParameters")
        od.set("OD_EPOCH", elset.epoch)
        if age_days is not None:
            od.comments.append(f"element set age at TCA {age_days:.3f} d" + (" (stale)" if stale else ""))


def conjunction_cdm(
    c: Conjunction,
    *,
    message_id: str,
    settings: CdmSettings,
    pc: PcResult | None = None,
    objects: Mapping[int, ScreeningObject] | None = None,
    volume: Volume | None = None,
) -> Cdm:
    """The CDM of one conjunction. ``pc`` is its Pc result (None: no Pc fields); ``objects`` gives
    names, types and element sets by NORAD id; ``volume`` the primary's screening volume (by default
    read from ``c.volume``)."""
    objects = objects or {}
    cdm = Cdm.new(settings.version)
    cdm.header.update(
        CREATION_DATE=settings.creation_date,
        ORIGINATOR=settings.originator,
        MESSAGE_FOR=c.object1_name or str(c.object1_norad_id),
        MESSAGE_ID=message_id,
        CLASSIFICATION=settings.classification,
    )
    rel = cdm.relative
    a, b = sorted([str(c.object1_norad_id), str(c.object2_norad_id)])  # as the store derives it
    rel.update(
        CONJUNCTION_ID=f"{a}_{b}_{c.tca.strftime('%Y%m%dT%H%M%S')}",
        TCA=c.tca,
        MISS_DISTANCE=c.miss_distance_m,
        RELATIVE_SPEED=c.relative_speed_m_s,
        APPROACH_ANGLE=math.radians(c.approach_angle_deg),
        START_SCREEN_PERIOD=settings.screen_start,
        STOP_SCREEN_PERIOD=settings.screen_stop,
        SCREEN_ENTRY_TIME=c.entry,
        SCREEN_EXIT_TIME=c.exit,
    )
    cdm.set_relative_rtn(c.miss_rtn_m, c.relative_velocity_rtn_m_s)
    vol = volume or volume_from_text(c.volume)
    if vol is not None:
        rel.update(
            SCREEN_TYPE="SHAPE",
            SCREEN_VOLUME_FRAME="RTN",
            SCREEN_VOLUME_SHAPE=_VOLUME_SHAPES.get(vol.shape, vol.shape.upper()),
            SCREEN_VOLUME_X=vol.radial_m,
            SCREEN_VOLUME_Y=vol.in_track_m,
            SCREEN_VOLUME_Z=vol.cross_track_m,
        )
        if vol.shape == "sphere":
            rel.set("SCREEN_VOLUME_RADIUS", vol.radial_m)
    if c.volume:
        rel.comments.append(f"screening volume: {c.volume}")
    if pc is not None:
        _fill_pc(cdm, pc)
    for n in (1, 2):
        norad = getattr(c, f"object{n}_norad_id")
        _fill_object(
            cdm.objects[n - 1],
            norad,
            getattr(c, f"object{n}_name"),
            getattr(c, f"object{n}_state"),
            objects.get(norad),
            c,
            settings,
            getattr(c, f"object{n}_elset_stale"),
            getattr(c, f"object{n}_elset_age_days"),
        )
    alert = meets_alert_criteria(c.miss_distance_m, pc.pc if pc else None, settings)
    user = cdm.user_defined.user
    user["MEETS_ALERTABLE_CRITERIA"] = "YES" if alert else "NO"
    if settings.run_id is not None:
        user["RUN_ID"] = settings.run_id
    if settings.correlation_id is not None:
        user["CORRELATION_ID"] = settings.correlation_id
    if pc is not None and pc.diluted is not None:
        user["DILUTION_STATUS"] = "DILUTED" if pc.diluted else "NOT_DILUTED"
    return cdm


def _fill_pc(cdm: Cdm, pc: PcResult) -> None:
    rel = cdm.relative
    first = pc.methods[0] if pc.methods else None
    if pc.pc is not None and math.isfinite(pc.pc):
        rel.set("COLLISION_PROBABILITY", pc.pc)
        # The reported Pc may come from the 3D/Monte Carlo fallback when 2D does not apply: name that.
        rel.set(
            "COLLISION_PROBABILITY_METHOD", METHODS.get(pc.method, first.cdm_method if first else pc.method)
        )
    if pc.max_pc is not None and math.isfinite(pc.max_pc):
        rel.set("COLLISION_MAX_PROBABILITY", pc.max_pc)
        rel.set("COLLISION_MAX_PC_METHOD", pc.max_pc_method or MAX_PC_METHOD)
    if pc.mahalanobis is not None and math.isfinite(pc.mahalanobis):
        rel.set("MAHALANOBIS_DISTANCE", pc.mahalanobis)
    rel.comments.extend(pc.cdm_failure_comments())
    rel.comments.append(f"HBR = {pc.hbr_m:g} [m] (combined hard-body radius used for Pc)")


def screening_cdms(
    conjunctions: Sequence[Conjunction],
    *,
    settings: CdmSettings,
    message_ids: Callable[[], str] | Sequence[str],
    objects: Mapping[int, ScreeningObject] | Iterable[ScreeningObject] = (),
    pc_results: Sequence[PcResult | None] | None = None,
    volumes: Mapping[int, Volume] | Volume | None = None,
) -> list[Cdm]:
    """One CDM per conjunction, in order. ``message_ids`` is a factory (e.g. ``lambda: str(uuid4())``)
    or one id per conjunction. Without ``pc_results`` the Pcs are computed here in one batch.
    ``volumes`` is the screening volume (one for all, or per primary NORAD id) when it is not the one
    ``Conjunction.volume`` names."""
    objs = dict(objects) if isinstance(objects, Mapping) else {o.norad_id: o for o in objects}
    if not callable(message_ids) and len(message_ids) != len(conjunctions):
        raise InvalidArgumentError(
            f"{len(message_ids)} message ids given for {len(conjunctions)} conjunctions"
        )
    if pc_results is None:
        pcs: Sequence[PcResult | None] = compute_conjunction_pcs(conjunctions, objs, settings)
    elif len(pc_results) != len(conjunctions):
        raise InvalidArgumentError(f"{len(pc_results)} Pc results given for {len(conjunctions)} conjunctions")
    else:
        pcs = pc_results
    out = []
    for i, c in enumerate(conjunctions):
        mid = message_ids() if callable(message_ids) else message_ids[i]
        vol = volumes.get(c.object1_norad_id) if isinstance(volumes, Mapping) else volumes
        out.append(conjunction_cdm(c, message_id=mid, settings=settings, pc=pcs[i], objects=objs, volume=vol))
    return out


# -- reading CDMs back: failures and event records ---------------------------------------------


def pc_failures(cdm: Cdm) -> dict[str, str]:
    """Failed Pc methods and their reasons, from ``COMMENT_FAILED_COLLISION_PROBABILITY_CALCULATION_<M>``
    lines (written by us as comments, or by TraCSS as pseudo-keywords)."""
    out: dict[str, str] = {}
    for block in cdm.root.walk():
        for text in block.comments:
            key, sep, value = text.partition("=")
            key = key.strip()
            if sep and key.startswith(FAILED_PC_PREFIX):
                out[key[len(FAILED_PC_PREFIX) :]] = value.strip()
    return out


def _source(o: CdmObject) -> str:
    name = o.metadata.get("EPHEMERIS_NAME")
    return SGP4_SOURCE if name is None or str(name).upper() == "NONE" else str(name)


def _inertial_cov(o: CdmObject) -> F64 | None:
    cov = o.covariance_rtn
    if not np.all(np.isfinite(cov)) or not np.any(cov[:3, :3] != 0.0):
        return None
    r, v = o.position, o.velocity
    if not (np.all(np.isfinite(r)) and np.all(np.isfinite(v))):
        return None
    return frames.covariance_from_rtn(r, v, cov)[:3, :3]


def covariance_size_m(cdm: Cdm) -> float | None:
    """Sqrt of the larger eigenvalue of the combined position covariance in the encounter plane (m);
    None when neither object has a covariance."""
    covs = [_inertial_cov(o) for o in cdm.objects]
    if all(c is None for c in covs):
        return None
    combined = sum((c for c in covs if c is not None), np.zeros((3, 3)))
    dv = cdm.object2.velocity - cdm.object1.velocity
    speed = float(np.linalg.norm(dv))
    if not math.isfinite(speed) or speed == 0.0:
        return float(math.sqrt(max(np.linalg.eigvalsh(combined)[-1], 0.0)))
    y = dv / speed
    seed = np.array([1.0, 0.0, 0.0]) if abs(y[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    x = np.cross(y, seed)
    x /= np.linalg.norm(x)
    z = np.cross(x, y)
    plane = np.array([x, z])
    c2 = plane @ combined @ plane.T
    return float(math.sqrt(max(np.linalg.eigvalsh(c2)[-1], 0.0)))


def cdm_record(cdm: Cdm) -> CdmRecord:
    """The :class:`CdmRecord` of a CDM, for event grouping. The state source of an object is
    ``SGP4`` when its EPHEMERIS_NAME is NONE, else the EPHEMERIS_NAME; the screening id is
    USER_DEFINED_RUN_ID when present. Raises InvalidArgumentError when a mandatory field is missing."""
    created, tca, miss = cdm.creation_date, cdm.tca, cdm.miss_distance
    mid = cdm.message_id
    o1, o2 = cdm.object1, cdm.object2
    if created is None or tca is None or miss is None or not mid:
        raise InvalidArgumentError(
            "a CDM needs MESSAGE_ID, CREATION_DATE, TCA and MISS_DISTANCE to join an event"
        )
    ids = [o.designator or o.name for o in (o1, o2)]
    if ids[0] is None or ids[1] is None:
        raise InvalidArgumentError(f"CDM {mid}: both objects need an OBJECT_DESIGNATOR")
    max_pc = cdm.relative.get("COLLISION_MAX_PROBABILITY")
    run_id = None
    # TraCSS's place is body level; older openstc CDMs (and some producers) put it in an object's data.
    for ud in [o.data.child("userDefinedParameters") for o in cdm.objects] + [
        cdm.body.child("userDefinedParameters")
    ]:
        if ud is not None and "RUN_ID" in ud.user:
            run_id = ud.user["RUN_ID"]
    return CdmRecord(
        message_id=mid,
        creation_date=created,
        tca=tca,
        object1_id=ids[0].strip(),
        object2_id=ids[1].strip(),
        object1_source=_source(o1),
        object2_source=_source(o2),
        miss_distance_m=float(miss),
        pc=cdm.collision_probability,
        max_pc=None if max_pc is None else float(max_pc),
        covariance_size_m=covariance_size_m(cdm),
        screening_id=run_id,
    )
