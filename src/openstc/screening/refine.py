"""Exact part of screening: TCA by Brent's method on real propagation, and the conjunction record.

The filter hands over (pair, sub-step) candidates; here each is bracketed, the time of closest
approach found as the root of the range rate ``d . v_rel`` (SGP4 or ephemeris states, not
polynomials) to 1 microsecond, and the approach judged against the primary's screening volume in
the primary's RTN frame. Entry and exit of the volume are the roots of the volume metric around
the TCA.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from openstc.astro.sgp4prop import offset_to_datetime, seconds_between
from openstc.screening.model import Conjunction, ObjectState, ScreeningConfig, ScreeningObject
from openstc.screening.volumes import Volume

if TYPE_CHECKING:
    from openstc.screening.propagator import Propagator

F64 = npt.NDArray[np.float64]
DAY_S = 86400.0


#: padding of a bracket around its run of candidate sub-steps, in sub-steps, on each side; the filter's
#: radial test relies on it (:func:`openstc.screening.kernels._pair`)
BRACKET_PAD_SUB = 0.5


def select_candidates(
    ci: npt.NDArray[np.int32],
    cj: npt.NDArray[np.int32],
    sub_start: F64,
    s: F64,
    hs: float,
    cand_t: F64,
    dist: F64 | None = None,
) -> list[tuple[int, int, float, float, float]]:
    """Brackets (i, j, a, b, guess) to refine: one per run of consecutive candidate sub-steps of a pair
    (a long run of a slow co-orbital pair can hold several minima: :func:`refine_tca` finds each);
    ``guess`` is the candidate time of the run whose interpolated distance ``dist`` is smallest."""
    if ci.size == 0:
        return []
    order = np.lexsort((sub_start, cj, ci))
    out: list[tuple[int, int, float, float, float]] = []
    i_s, j_s, t_s, c_s = ci[order], cj[order], sub_start[order], cand_t[order]
    d_s = dist[order] if dist is not None else np.zeros(ci.size)
    n = ci.size
    k = 0
    while k < n:
        e = k + 1
        while e < n and i_s[e] == i_s[k] and j_s[e] == j_s[k] and t_s[e] - t_s[e - 1] < 1.5 * hs:
            e += 1
        best = k + int(np.argmin(d_s[k:e]))
        out.append(
            (
                int(i_s[k]),
                int(j_s[k]),
                float(t_s[k] - BRACKET_PAD_SUB * hs),
                float(t_s[e - 1] + (1.0 + BRACKET_PAD_SUB) * hs),
                float(c_s[best]),
            )
        )
        k = e
    return out


def _rel(prop: Propagator, i: int, j: int, t: float) -> tuple[F64, F64, F64, F64] | None:
    a = prop.one(i, t)
    b = prop.one(j, t)
    if a is None or b is None:
        return None
    return a[0], a[1], b[0], b[1]


SLOW_M_S = 100.0  # below this relative speed the TCA is found from positions alone
_DT = 0.5  # s, half-step of the position-based range rate
SLOW_WIDEN_S = 1200.0
#: entry/exit are searched this far from the TCA; a pair that stays inside longer (docked or
#: formation-flying objects) gets no entry/exit time (None)
CROSSING_LIMIT_S = 3600.0


def refine_tca(prop: Propagator, i: int, j: int, a: float, b: float) -> list[float]:
    """TCAs (s from start) of pair (i, j) in [a, b] (slow pairs: around it); empty when none.

    The root of ``d . v_rel`` (SGP4 velocities) is exact enough for fast pairs; SDP4 velocities are not
    exactly the derivative of its positions, which for slow pairs (GEO, co-orbital) moves that root by
    minutes, so there the range rate is taken from positions only (central difference)."""
    from scipy.optimize import brentq  # scalar fallback only: keeps scipy out of a run's start-up

    def f_vel(t: float) -> float:
        st = _rel(prop, i, j, t)
        if st is None:
            raise _NoStateError
        return float(np.dot(st[2] - st[0], st[3] - st[1]))

    def f_pos(t: float) -> float:
        s1 = _rel(prop, i, j, t + _DT)
        s0 = _rel(prop, i, j, t - _DT)
        if s1 is None or s0 is None:
            raise _NoStateError
        d1 = s1[2] - s1[0]
        d0 = s0[2] - s0[0]
        return float((np.dot(d1, d1) - np.dot(d0, d0)) / (4.0 * _DT))

    def solve(f: Callable[[float], float], a: float, b: float) -> list[float]:
        fa, fb = f(a), f(b)
        if fa <= 0.0 < fb and b - a <= 400.0:
            return [float(brentq(f, a, b, xtol=1e-6, rtol=1e-14, maxiter=100))]
        # no single sign change from approaching to receding, or a long bracket that may hold several
        # minima: look inside every <= 30 s and refine each change of sign
        ts = np.linspace(a, b, max(9, int((b - a) / 30.0) + 2))
        fs = _scan(prop, i, j, ts, f is f_pos)
        return [
            float(brentq(f, float(ts[x]), float(ts[x + 1]), xtol=1e-6, rtol=1e-14, maxiter=100))
            for x in range(ts.size - 1)
            if fs[x] <= 0.0 < fs[x + 1]
        ]

    try:
        tcas = solve(f_vel, a, b)
        probe = tcas[0] if tcas else 0.5 * (a + b)
        st = _rel(prop, i, j, probe)
        if st is not None and float(np.linalg.norm(st[3] - st[1])) >= SLOW_M_S:
            return tcas
        # slow pair: the filter's sub-step position of the minimum is itself biased by the velocities,
        # so search a wider window around the bracket, with the range rate from positions only
        return [t for t in solve(f_pos, a - SLOW_WIDEN_S, b + SLOW_WIDEN_S) if _continuous(prop, i, j, t)]
    except _NoStateError:
        return []


def _scan(prop: Propagator, i: int, j: int, ts: F64, from_positions: bool) -> list[float]:
    """Range rate (up to a positive factor) at many times in one vectorised call per object."""
    if from_positions:
        tt = np.concatenate([ts + _DT, ts - _DT])
        ri, _vi = prop.many(i, tt)
        rj, _vj = prop.many(j, tt)
        d = rj - ri
        d2 = np.einsum("ij,ij->i", d, d)
        f = (d2[: ts.size] - d2[ts.size :]) / (4.0 * _DT)
    else:
        ri, vi = prop.many(i, ts)
        rj, vj = prop.many(j, ts)
        f = np.einsum("ij,ij->i", rj - ri, vj - vi)
    return [float(x) for x in f]


def _continuous(prop: Propagator, i: int, j: int, t: float) -> bool:
    """False when ``t`` sits on a jump of SGP4's output (SDP4's resonance integrator restarts) rather than
    on a true minimum: across 2 s the range cannot change by more than twice the relative speed."""
    a = _rel(prop, i, j, t - 1.0)
    b = _rel(prop, i, j, t + 1.0)
    if a is None or b is None:
        return False
    da = float(np.linalg.norm(a[2] - a[0]))
    db = float(np.linalg.norm(b[2] - b[0]))
    speed = float(np.linalg.norm(a[3] - a[1]))
    return abs(db - da) <= 2.0 * speed + 0.5


class _NoStateError(Exception):
    pass


def _rtn3(r: F64, v: F64, d: F64) -> F64:
    """``d`` in the RTN frame of (r, v): scalar arithmetic, much faster than numpy for one vector."""
    rx, ry, rz = float(r[0]), float(r[1]), float(r[2])
    vx, vy, vz = float(v[0]), float(v[1]), float(v[2])
    rn = math.sqrt(rx * rx + ry * ry + rz * rz)
    Rx, Ry, Rz = rx / rn, ry / rn, rz / rn
    hx, hy, hz = ry * vz - rz * vy, rz * vx - rx * vz, rx * vy - ry * vx
    hn = math.sqrt(hx * hx + hy * hy + hz * hz)
    Nx, Ny, Nz = hx / hn, hy / hn, hz / hn
    Tx, Ty, Tz = Ny * Rz - Nz * Ry, Nz * Rx - Nx * Rz, Nx * Ry - Ny * Rx
    dx, dy, dz = float(d[0]), float(d[1]), float(d[2])
    return np.array([Rx * dx + Ry * dy + Rz * dz, Tx * dx + Ty * dy + Tz * dz, Nx * dx + Ny * dy + Nz * dz])


def _metric(prop: Propagator, p: int, o: int, vol: Volume, t: float) -> float:
    st = _rel(prop, p, o, t)
    if st is None:
        return math.inf
    d = st[2] - st[0]
    if vol.shape == "sphere":
        return math.sqrt(float(d[0] * d[0] + d[1] * d[1] + d[2] * d[2])) / vol.radial_m
    return float(vol.metric(_rtn3(st[0], st[1], d)))


def _crossing(
    prop: Propagator, p: int, o: int, vol: Volume, t_in: float, direction: float, speed: float
) -> float | None:
    """Time the secondary leaves the volume going from ``t_in`` (inside) in ``direction`` (+1/-1)."""
    from scipy.optimize import brentq  # scalar fallback only: keeps scipy out of a run's start-up

    step = max(min(vol.radial_m, vol.in_track_m, vol.cross_track_m) / max(speed, 1e-3) * 0.5, 0.01)
    t_prev = t_in
    limit = CROSSING_LIMIT_S
    travelled = 0.0
    while travelled < limit:
        t_next = t_prev + direction * step
        if _metric(prop, p, o, vol, t_next) > 1.0:
            g = lambda t: _metric(prop, p, o, vol, t) - 1.0  # noqa: E731
            lo, hi = (t_prev, t_next) if direction > 0 else (t_next, t_prev)
            try:
                return float(brentq(g, lo, hi, xtol=1e-4))
            except ValueError:
                return t_next
        travelled += step
        t_prev = t_next
        step = min(step * 1.5, 600.0)
    return None


def judge(
    prop: Propagator,
    objects: Sequence[ScreeningObject],
    volumes: Sequence[Volume],
    primary: npt.NDArray[np.bool_],
    span_end: F64,
    config: ScreeningConfig,
    i: int,
    j: int,
    tca_s: float,
) -> Conjunction | None:
    """The conjunction of pair (i, j) at ``tca_s`` if the secondary enters a primary's volume."""
    st = _rel(prop, i, j, tca_s)
    if st is None:
        return None
    ri, vi, rj, vj = st
    dv = vj - vi
    speed = float(np.linalg.norm(dv))
    order = [x for x in (i, j) if primary[x]]
    if len(order) == 2 and objects[j].norad_id < objects[i].norad_id:
        order.reverse()
    chosen = None
    t_inside = tca_s
    for p in order:
        if tca_s > span_end[p]:
            continue
        o = j if p == i else i
        vol = volumes[p]
        if _metric(prop, p, o, vol, tca_s) <= 1.0:
            chosen = p
            break
        if vol.shape != "sphere":
            # a box can be entered away from the TCA: sample the pass
            w = vol.bound_m / max(speed, 1e-3)
            for t in np.linspace(tca_s - w, tca_s + w, 41):
                if _metric(prop, p, o, vol, float(t)) <= 1.0:
                    chosen, t_inside = p, float(t)
                    break
            if chosen is not None:
                break
    if chosen is None:
        return None
    p = chosen
    o = j if p == i else i
    vol = volumes[p]
    rp, vp, ro, vo = (ri, vi, rj, vj) if p == i else (rj, vj, ri, vi)
    entry_s = _crossing(prop, p, o, vol, t_inside, -1.0, speed)
    exit_s = _crossing(prop, p, o, vol, t_inside, +1.0, speed)
    return record(prop, objects, config, p, o, vol, tca_s, rp, vp, ro, vo, speed, entry_s, exit_s)


def record(
    prop: Propagator,
    objects: Sequence[ScreeningObject],
    config: ScreeningConfig,
    p: int,
    o: int,
    vol: Volume,
    tca_s: float,
    rp: F64,
    vp: F64,
    ro: F64,
    vo: F64,
    speed: float,
    entry_s: float | None,
    exit_s: float | None,
) -> Conjunction:
    """The conjunction record of primary ``p`` and secondary ``o`` from their states at the TCA."""
    d = ro - rp
    dvel = vo - vp
    tca = offset_to_datetime(config.start, tca_s)
    cosang = float(np.dot(vp, vo) / (np.linalg.norm(vp) * np.linalg.norm(vo)))
    angle = math.degrees(math.acos(max(-1.0, min(1.0, cosang))))

    def state(x: int, r: F64, v: F64) -> ObjectState:
        tr = prop.tracks.get(x)
        cov = tr.covariance_at(tca_s) if tr is not None else None
        return ObjectState(
            tuple(float(c) for c in r),  # type: ignore[arg-type]
            tuple(float(c) for c in v),  # type: ignore[arg-type]
            tuple(tuple(float(c) for c in row) for row in cov) if cov is not None else None,
        )

    def age(x: int) -> float | None:
        e = objects[x].elset
        if e is None:
            return None
        return seconds_between(e.epoch, tca) / DAY_S

    a1, a2 = age(p), age(o)
    max_age = config.max_elset_age_s / DAY_S
    return Conjunction(
        object1_norad_id=objects[p].norad_id,
        object2_norad_id=objects[o].norad_id,
        object1_name=objects[p].name,
        object2_name=objects[o].name,
        tca=tca,
        miss_distance_m=float(np.linalg.norm(d)),
        relative_speed_m_s=speed,
        miss_rtn_m=tuple(float(c) for c in _rtn3(rp, vp, d)),  # type: ignore[arg-type]
        relative_velocity_rtn_m_s=tuple(float(c) for c in _rtn3(rp, vp, dvel)),  # type: ignore[arg-type]
        approach_angle_deg=angle,
        entry=offset_to_datetime(config.start, entry_s) if entry_s is not None else None,
        exit=offset_to_datetime(config.start, exit_s) if exit_s is not None else None,
        volume=vol.describe(),
        object1_state=state(p, rp, vp),
        object2_state=state(o, ro, vo),
        object1_elset_age_days=a1,
        object2_elset_age_days=a2,
        object1_elset_stale=a1 is not None and abs(a1) > max_age,
        object2_elset_stale=a2 is not None and abs(a2) > max_age,
    )
