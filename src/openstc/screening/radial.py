"""The perigee/apogee pre-filter of primaries-vs-all runs, the failures of the objects it leaves out, and the
screening volume of each primary.

In a run with a few primaries (one uploaded ephemeris against the catalog), objects whose radius range
cannot come within the screening distance of any primary's are not propagated at all; their SGP4
failures are still reported (:func:`coarse_failures`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from openstc.astro.sgp4prop import MU_M3_S2, RE_M, offset_to_datetime, perigee_apogee_m, sgp4_error_text
from openstc.screening.model import Failure, ScreeningConfig, ScreeningObject, Shard
from openstc.screening.propagator import Propagator
from openstc.screening.volumes import Volume, tracss_hac_volume, tracss_ocm_volume


def volume_for(obj: ScreeningObject, volume: Volume | str) -> Volume:
    """The volume an object uses as a primary: the fixed one, or its TraCSS regime's."""
    if isinstance(volume, Volume):
        return volume
    if obj.ephemeris is not None:
        eph = obj.ephemeris
        r = float(np.linalg.norm(eph.r_m[0]))
        v2 = float(np.dot(eph.v_m_s[0], eph.v_m_s[0]))
        inv_a = 2.0 / r - v2 / MU_M3_S2
        period = 2.0 * math.pi * math.sqrt(1.0 / inv_a**3 / MU_M3_S2) if inv_a > 0 else math.inf
        if volume == "tracss-ocm" or volume == "tracss":
            return tracss_ocm_volume(period)
    if obj.elset is not None:
        rp, _ra, _p = perigee_apogee_m(obj.elset)
        return tracss_hac_volume((rp - RE_M) / 1e3, obj.elset.eccentricity)
    return tracss_hac_volume(float("nan"), float("nan"))


#: margin (m) around a near-Earth element set's perigee/apogee radii, for a 7-day window: SGP4's
#: short-period and J2 excursions of the radius around the mean-element shell. Measured on a quarter
#: of the 2024-11-01 catalog (3,603 low-drag objects, SGP4 every 2 minutes for 7 days): at most 11.3 km
#: for near-Earth orbits (period < 225 min), so 30 km leaves a factor 2.6.
RADIAL_MARGIN_M = 30e3
#: the same for deep-space orbits (SDP4 with lunar-solar terms), as a fraction of the semi-major axis:
#: at most 0.49 % measured (VELA 6: 576 km), so 2 % leaves a factor 4; never below 60 km
DEEP_MARGIN_FRACTION = 0.02
DEEP_MARGIN_MIN_M = 60e3
#: element sets with B* above 1e-3 keep a radius range only up to this B* and above this perigee
#: altitude (and for windows up to 7 days): measured on a third of such objects of the same catalog
#: (3,036 objects), at most 12.4 km of excursion in 7 days, inside ``RADIAL_MARGIN_M``
DRAG_BSTAR_MAX = 0.01
DRAG_PERIGEE_MIN_M = 300e3
WEEK_S = 7 * 86400.0


def _radial_range(o: ScreeningObject, duration_s: float = WEEK_S) -> tuple[float, float] | None:
    """Radius range (m) an object can occupy during a run; None when unknown (never filtered).
    Margins grow in proportion to windows longer than the 7 days they were measured for."""
    if o.ephemeris is not None:
        rn = np.linalg.norm(np.asarray(o.ephemeris.r_m, dtype=np.float64), axis=1)
        return float(rn.min()) - 1e3, float(rn.max()) + 1e3
    e = o.elset
    if e is None:
        return None
    if abs(e.mean_motion_dot_rev_day2) > 1e-3:
        return None  # decaying or manoeuvring: the orbit may change a lot within the window
    rp, ra, period = perigee_apogee_m(e)
    if not (math.isfinite(rp) and math.isfinite(ra)):
        return None
    if e.bstar_per_er > 1e-3 and (
        e.bstar_per_er > DRAG_BSTAR_MAX or rp - RE_M < DRAG_PERIGEE_MIN_M or duration_s > WEEK_S
    ):
        return None  # strong drag: the orbit may shrink a lot within the window
    grow = max(1.0, duration_s / WEEK_S)
    if period >= 225.0 * 60.0:
        pad = max(DEEP_MARGIN_MIN_M, DEEP_MARGIN_FRACTION * 0.5 * (rp + ra)) * grow
    else:
        pad = RADIAL_MARGIN_M * grow
    return rp - pad, ra + pad


#: objects without a static radius range (strong drag, decaying) get one from SGP4 sampled this often
DRAG_SAMPLE_S = 2 * 3600.0


def sampled_ranges(
    objects: Sequence[ScreeningObject], config: ScreeningConfig
) -> list[tuple[float, float] | None]:
    """Radius ranges (m) over the run of element sets without a static one (:func:`_radial_range`), from
    SGP4 every ``DRAG_SAMPLE_S``: the union of the osculating two-body perigee/apogee radii at the samples,
    widened by ``RADIAL_MARGIN_M`` and by the largest change of those radii between consecutive samples.
    None when a sample fails or is unphysical (the object is kept and its failure found by the engine).

    Why this holds between samples: the radius never leaves the osculating orbit's [perigee, apogee]; those
    radii move between samples by the drag decay (a trend, bounded by the largest change seen between
    consecutive samples) plus J2's short-period oscillation of the osculating elements (about 10 km at
    LEO, inside ``RADIAL_MARGIN_M``); measured by ``tests/screening/test_radial.py`` against SGP4 every
    minute for every such object of the bundled catalog."""
    out: list[tuple[float, float] | None] = [None] * len(objects)
    if not objects:
        return out
    prop = Propagator(objects, config.start)
    n_s = max(2, math.ceil(config.duration_s / DRAG_SAMPLE_S) + 1)
    times = np.linspace(0.0, config.duration_s, n_s)
    r, v, err = prop.grid(times)
    with np.errstate(invalid="ignore", divide="ignore"):
        rn = np.linalg.norm(r, axis=2)
        v2 = np.einsum("ijk,ijk->ij", v, v)
        inv_a = 2.0 / rn - v2 / MU_M3_S2
        p = np.einsum("ijk,ijk->ij", hv := np.cross(r, v), hv) / MU_M3_S2
        ecc = np.sqrt(np.maximum(0.0, 1.0 - p * inv_a))
        rp = p / (1.0 + ecc)
        ra = p / (1.0 - ecc)
        sane = (err == 0) & (rn >= 0.98 * RE_M) & (inv_a > 0.0) & (ecc < 1.0) & np.isfinite(ra)
        step = np.maximum(np.abs(np.diff(rp, axis=1)).max(axis=1), np.abs(np.diff(ra, axis=1)).max(axis=1))
    for i in np.flatnonzero(sane.all(axis=1)).tolist():
        pad = RADIAL_MARGIN_M + float(step[i])
        out[i] = (float(rp[i].min()) - pad, float(ra[i].max()) + pad)
    return out


def radial_keep(objects: Sequence[ScreeningObject], config: ScreeningConfig) -> npt.NDArray[np.bool_] | None:
    """Primaries-vs-all only: the objects whose radius range can come within the screening distance of
    some primary's (the apogee/perigee filter). None in all-vs-all runs (every object is a primary)."""
    if config.primaries is None:
        return None
    prim_ranges = []
    for o in objects:
        if o.norad_id in config.primaries:
            rr = _radial_range(o, config.duration_s)
            if rr is None:
                return None  # a primary of unknown extent: keep everyone
            pad = volume_for(o, config.volume).bound_m
            prim_ranges.append((rr[0] - pad, rr[1] + pad))
    keep = np.zeros(len(objects), dtype=np.bool_)
    unknown: list[int] = []
    for i, o in enumerate(objects):
        if o.norad_id in config.primaries:
            keep[i] = True
            continue
        rr = _radial_range(o, config.duration_s)
        if rr is None:
            if o.elset is not None and o.ephemeris is None:
                unknown.append(i)
            else:
                keep[i] = True
            continue
        keep[i] = any(rr[0] <= hi and lo <= rr[1] for lo, hi in prim_ranges)
    got = sampled_ranges([objects[i] for i in unknown], config)
    for i, rr in zip(unknown, got, strict=True):
        keep[i] = rr is None or any(rr[0] <= hi and lo <= rr[1] for lo, hi in prim_ranges)
    return keep


FAILURE_CHECK_S = 6 * 3600.0


def coarse_failures(
    objects: Sequence[ScreeningObject], config: ScreeningConfig, shard: Shard
) -> list[Failure]:
    """Failures of objects left out by the apogee/perigee filter: they are not screened, but a run still
    reports every object that cannot be propagated (a check every ``FAILURE_CHECK_S``, the failure time
    then found to the second by bisection). These objects take part in no conjunction; they are low-drag
    objects, or strong-drag ones whose every sample of :func:`sampled_ranges` was good, whose SGP4 failures
    do not come and go."""
    prop = Propagator(objects, config.start)
    out = [Failure(objects[i].norad_id, objects[i].name, why, None) for i, why in prop.load_failures.items()]
    if not prop.sats:
        return out
    times = np.arange(shard.t_start_s, shard.t_end_s + FAILURE_CHECK_S, FAILURE_CHECK_S)
    times[-1] = min(times[-1], shard.t_end_s)
    _r, _v, err = prop.grid(times)
    for i in np.nonzero((err != 0).any(axis=1) & (err != 101).all(axis=1))[0]:
        ii = int(i)
        k = int(np.argmax(err[ii] != 0))
        lo, hi = (float(times[k - 1]) if k > 0 else shard.t_start_s), float(times[k])
        while hi - lo > 1.0 and k > 0:
            mid = 0.5 * (lo + hi)
            if prop.one(ii, mid) is None:
                hi = mid
            else:
                lo = mid
        code = int(err[ii, k])
        out.append(
            Failure(
                objects[ii].norad_id,
                objects[ii].name,
                sgp4_error_text(code),
                offset_to_datetime(config.start, hi),
            )
        )
    return out


#: with at most this many primaries a chunk's intervals are masked by radius (:func:`near_intervals`)
FEW_PRIMARIES = 64


def few_primaries(config: ScreeningConfig) -> bool:
    """A run of at most ``FEW_PRIMARIES`` primaries against the catalog (an uploaded ephemeris): its time
    pieces each pay a set-up (radius filter, failure checks) that is a large part of the run, so callers
    cut it into one piece per worker."""
    return config.primaries is not None and len(config.primaries) <= FEW_PRIMARIES


def near_intervals(
    prop: Propagator,
    rn: npt.NDArray[np.float64],
    times: npt.NDArray[np.float64],
    prim_idx: npt.NDArray[np.intp],
    thr: npt.NDArray[np.float64],
    rdot2: npt.NDArray[np.float64],
    n_sub: int,
) -> npt.NDArray[np.bool_]:
    """(n, m - 1) mask of a chunk's grid intervals in which an object's radius can come within the largest
    primary screening distance of some primary's radius: outside it no approach can reach a volume, so
    neither the margins, the fine grid nor the filter need look there.

    ``rn`` (n, m): exact radii at the grid points, NaN where an object has no usable state (a secondary
    keeps such an interval; a primary is not screened in it). The bound
    between grid points: with ``|d^2 r/dt^2| <= rdot2`` (two-body ``mu e / r^2 <= mu e / rp^2``, with the
    floor of ``rdot2`` covering J2, drag and osculating-vs-mean eccentricity; the same bound the filter's
    sub-step radius boxes rely on), the radius differs from the chord between its end values by at most
    ``rdot2 h^2 / 8``, so it stays within [min - sag, max + sag] of the end radii. Primaries (few) are
    sampled at every sub-step, so their sag is that of a sub-step."""
    m = rn.shape[1]
    h = float(times[1] - times[0])
    hs = h / n_sub
    sag = 0.125 * rdot2 * h * h
    with np.errstate(invalid="ignore"):
        lo = np.fmin(rn[:, :-1], rn[:, 1:]) - sag[:, None]
        hi = np.fmax(rn[:, :-1], rn[:, 1:]) + sag[:, None]
    p_lo = np.full(m - 1, np.inf)
    p_hi = np.full(m - 1, -np.inf)
    t_sub = times[0] + hs * np.arange((m - 1) * n_sub + 1, dtype=np.float64)
    for p in prim_idx.tolist():
        rp, _vp = prop.many(int(p), t_sub)
        r_sub = np.linalg.norm(rp, axis=1)
        ends = np.stack([r_sub[q : q + (m - 1) * n_sub : n_sub] for q in range(n_sub + 1)], axis=1)
        pad = 0.125 * float(rdot2[p]) * hs * hs + float(thr.max())
        lo_p = ends.min(axis=1) - pad
        hi_p = ends.max(axis=1) + pad
        # a primary failing between good grid points: nothing can be excluded; a primary without a
        # state at an end of the interval is not screened there, so it excludes nothing from the others
        ends_ok = np.isfinite(rn[p, :-1]) & np.isfinite(rn[p, 1:])
        unknown = (~np.isfinite(lo_p) | ~np.isfinite(hi_p)) & ends_ok
        lo_p[unknown] = -np.inf
        hi_p[unknown] = np.inf
        lo_p[~ends_ok] = np.inf
        hi_p[~ends_ok] = -np.inf
        p_lo = np.minimum(p_lo, lo_p)
        p_hi = np.maximum(p_hi, hi_p)
    with np.errstate(invalid="ignore"):
        far = (lo > p_hi[None, :]) | (hi < p_lo[None, :])  # NaN compares False: kept
    near: npt.NDArray[np.bool_] = ~far
    near[prim_idx] = True
    return near
