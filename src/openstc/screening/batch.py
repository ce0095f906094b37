"""Batched exact refinement: the TCA of every candidate of a chunk, found with real propagation calls
grouped by object (:mod:`openstc.screening.judge` then judges the approaches in batch).

Per-candidate scalar refinement (:func:`openstc.screening.refine.refine_tca`) costs a Python round trip
per SGP4 call. Here every iteration evaluates all pending (object, time) requests at once: the requests
are sorted by object and each object is propagated with one ``sgp4_array`` call.

The batched path covers the common case and hands everything else to the scalar code, whose answers it
reproduces (same function, same bracket, same tolerance): a bracket [a, b] of at most 400 s in which the
range rate ``d . v_rel`` (SGP4 velocities) goes from <= 0 to > 0 (exactly the condition under which the
scalar code runs one Brent search on that bracket) is solved by safeguarded Newton steps (bisection
whenever a step leaves the bracket) started from the filter's minimum on the interpolant, to 1e-7 s.
Brackets without that sign pattern, pairs slower than ``SLOW_M_S`` at the TCA, states that cannot be
computed and iterations that do not converge all go to the scalar path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from openstc.astro.sgp4prop import accel_j2
from openstc.screening import refine

if TYPE_CHECKING:
    from openstc.screening.propagator import Propagator

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

NEWTON_TOL_S = 1e-7
NEWTON_MAX_IT = 12
MAX_BRACKET_S = 400.0  # the scalar code runs one Brent search on a bracket up to this long


def states_at(prop: Propagator, obj: I64, t_s: F64) -> tuple[F64, F64]:
    """States (m, m/s; NaN where an object cannot be propagated) of objects ``obj`` at times ``t_s``:
    one ``sgp4_array`` call per distinct object."""
    n = obj.size
    r = np.full((n, 3), np.nan)
    v = np.full((n, 3), np.nan)
    if n == 0:
        return r, v
    prop.calls += n
    order = np.argsort(obj, kind="stable")
    so = obj[order]
    fr = prop.fr0 + t_s[order] / 86400.0
    jd = np.full(n, prop.jd0)
    cuts = np.flatnonzero(so[1:] != so[:-1]) + 1
    starts = np.concatenate(([0], cuts))
    ends = np.concatenate((cuts, [n]))
    rs = np.full((n, 3), np.nan)
    vs = np.full((n, 3), np.nan)
    es = np.zeros(n, dtype=np.int64)
    scale = np.full((n, 1), 1e3)  # SGP4 gives km and km/s; ephemeris tracks are already SI
    sat_of = prop.sat_of
    tracks = prop.tracks
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        i = int(so[s])
        sat = sat_of.get(i)
        if sat is not None:
            ee, rr, vv = sat.sgp4_array(jd[s:e], fr[s:e])
            rs[s:e] = rr
            vs[s:e] = vv
            es[s:e] = ee
            continue
        tr = tracks.get(i)
        if tr is not None:
            rr, vv = tr.states(t_s[order[s:e]])
            rs[s:e] = rr
            vs[s:e] = vv
            scale[s:e] = 1.0
        else:
            es[s:e] = 1
    rs *= scale
    vs *= scale
    bad = es != 0
    rs[bad] = np.nan
    vs[bad] = np.nan
    r[order] = rs
    v[order] = vs
    return r, v


def _pair_states(prop: Propagator, i: I64, j: I64, t: F64) -> tuple[F64, F64, F64, F64]:
    r, v = states_at(prop, np.concatenate([i, j]), np.concatenate([t, t]))
    n = i.size
    return r[:n], v[:n], r[n:], v[n:]


def _dot(a: F64, b: F64) -> F64:
    return np.asarray(np.einsum("ij,ij->i", a, b), dtype=np.float64)


States = tuple[F64, F64, F64, F64]


def refine_tcas(
    prop: Propagator, todo: Sequence[tuple[int, int, float, float]], guess: F64
) -> tuple[list[list[float]], dict[tuple[int, int, float], States]]:
    """TCAs of every bracket (i, j, a, b) of ``todo`` (``guess``: a time inside each bracket where the
    interpolant's distance is smallest); same answers as :func:`refine.refine_tca` for each. Also
    returns the states (ri, vi, rj, vj) at the TCAs found here, keyed by (i, j, tca)."""
    n = len(todo)
    out: list[list[float] | None] = [None] * n
    known: dict[tuple[int, int, float], States] = {}
    if n == 0:
        return [], known
    ii = np.array([x[0] for x in todo], dtype=np.int64)
    jj = np.array([x[1] for x in todo], dtype=np.int64)
    a = np.array([x[2] for x in todo], dtype=np.float64)
    b = np.array([x[3] for x in todo], dtype=np.float64)
    g0 = np.clip(guess, a, b)
    # one pass: both bracket ends (the scalar path's condition) and the Newton start
    ri, vi, rj, vj = _pair_states(prop, np.tile(ii, 3), np.tile(jj, 3), np.concatenate([a, b, g0]))
    f_all = _dot(rj - ri, vj - vi)
    fa, fb = f_all[:n], f_all[n : 2 * n]
    with np.errstate(invalid="ignore"):
        fast = (fa <= 0.0) & (fb > 0.0) & (b - a <= MAX_BRACKET_S)
    idx = np.flatnonzero(fast)
    lo = a[idx].copy()
    hi = b[idx].copy()
    t = g0[idx].copy()
    m = idx.size
    done = np.zeros(m, dtype=np.bool_)
    ok = np.ones(m, dtype=np.bool_)
    fin = [np.empty((m, 3)) for _ in range(4)]  # states at the converged times
    sel = 2 * n + idx
    cur: States = (ri[sel], vi[sel], rj[sel], vj[sel])
    act = np.arange(m)
    for it in range(NEWTON_MAX_IT):
        if act.size == 0:
            break
        ta = t[act]
        if it > 0:
            cur = _pair_states(prop, ii[idx[act]], jj[idx[act]], ta)
        c_ri, c_vi, c_rj, c_vj = cur
        d = c_rj - c_ri
        u = c_vj - c_vi
        f = _dot(d, u)
        fp = _dot(u, u) + _dot(d, accel_j2(c_rj) - accel_j2(c_ri))
        bad = ~np.isfinite(f)
        ok[act[bad]] = False
        # keep the bracket: f <= 0 means approaching (root above), f > 0 receding (root below)
        lo_a = np.where(f <= 0.0, ta, lo[act])
        hi_a = np.where(f > 0.0, ta, hi[act])
        with np.errstate(divide="ignore", invalid="ignore"):
            tn = ta - f / fp
        out_of = ~(fp > 0.0) | ~(tn > lo_a) | ~(tn < hi_a)
        tn = np.where(out_of, 0.5 * (lo_a + hi_a), tn)
        # converged: the Newton step from the evaluated time is below the tolerance, so that time
        # (whose states are known) is the TCA to better than NEWTON_TOL_S
        conv = ((np.abs(tn - ta) <= NEWTON_TOL_S) & ~out_of) | (hi_a - lo_a <= NEWTON_TOL_S)
        conv &= ~bad
        cx = act[conv]
        for k, arr in enumerate(cur):
            fin[k][cx] = arr[conv]
        done[cx] = True
        lo[act] = lo_a
        hi[act] = hi_a
        t[act] = np.where(conv, ta, tn)
        act = act[~conv & ~bad]
    good = np.flatnonzero(done & ok)
    speed = np.linalg.norm(fin[3][good] - fin[1][good], axis=1)
    slow: list[int] = []
    for x, sp in zip(good.tolist(), speed.tolist(), strict=True):
        k = int(idx[x])
        if sp >= refine.SLOW_M_S:
            tk = float(t[x])
            out[k] = [tk]
            known[(int(ii[k]), int(jj[k]), tk)] = (fin[0][x], fin[1][x], fin[2][x], fin[3][x])
        else:
            slow.append(k)  # slow at the range-rate root: the scalar path searches from positions
    if slow:
        sk = np.array(slow, dtype=np.int64)
        for k, slow_t in zip(slow, _slow_tcas(prop, ii[sk], jj[sk], a[sk], b[sk]), strict=True):
            out[k] = slow_t
    res: list[list[float]] = []
    for k, got in enumerate(out):
        if got is None:
            ci, cj, a_s, b_s = todo[k]
            got = refine.refine_tca(prop, ci, cj, a_s, b_s)
        res.append(got)
    return res, known


def _f_pos(prop: Propagator, i: I64, j: I64, t: F64) -> F64:
    """Range rate (times the range) from positions only, as :func:`refine.refine_tca`'s ``f_pos``."""
    n = t.size
    dt = refine._DT
    ri, _vi, rj, _vj = _pair_states(prop, np.tile(i, 2), np.tile(j, 2), np.concatenate([t + dt, t - dt]))
    d = rj - ri
    d2 = _dot(d, d)
    return (d2[:n] - d2[n:]) / (4.0 * dt)


def _slow_tcas(prop: Propagator, ii: I64, jj: I64, a: F64, b: F64) -> list[list[float]]:
    """The slow-pair branch of :func:`refine.refine_tca` for many pairs: the range rate from positions
    sampled every <= 30 s over the bracket widened by ``SLOW_WIDEN_S``, every change of sign from
    approaching to receding solved to 1e-6 s (Illinois steps, a bisection every third step), and the
    roots sitting on a jump of SGP4's output dropped (:func:`refine._continuous`)."""
    lo_w = a - refine.SLOW_WIDEN_S
    hi_w = b + refine.SLOW_WIDEN_S
    grids = [np.linspace(x, y, max(9, int((y - x) / 30.0) + 2)) for x, y in zip(lo_w, hi_w, strict=True)]
    sizes = [g.size for g in grids]
    owner = np.repeat(np.arange(a.size), sizes)
    ts = np.concatenate(grids)
    fs = _f_pos(prop, ii[owner], jj[owner], ts)
    same = owner[1:] == owner[:-1]
    with np.errstate(invalid="ignore"):
        change = np.flatnonzero(same & (fs[:-1] <= 0.0) & (fs[1:] > 0.0))
    own = owner[change]
    lo, hi = ts[change].copy(), ts[change + 1].copy()
    flo, fhi = fs[change].copy(), fs[change + 1].copy()
    side = np.zeros(change.size, dtype=np.int8)
    act = np.arange(change.size)
    for it in range(200):
        act = act[hi[act] - lo[act] > 1e-6]
        if act.size == 0:
            break
        with np.errstate(divide="ignore", invalid="ignore"):
            tc = lo[act] - flo[act] * (hi[act] - lo[act]) / (fhi[act] - flo[act])
        mid = 0.5 * (lo[act] + hi[act])
        use_mid = (it % 3 == 2) | ~np.isfinite(tc) | ~((tc - lo[act]) * (hi[act] - tc) > 0.0)
        tc = np.where(use_mid, mid, tc)
        f = _f_pos(prop, ii[own[act]], jj[own[act]], tc)
        bad = ~np.isfinite(f)
        f = np.where(bad, 0.0, f)  # a failed state ends that search at this point, as Brent's would fail
        to_lo = f <= 0.0
        xl, xh = act[to_lo], act[~to_lo]
        lo[xl], flo[xl] = tc[to_lo], f[to_lo]
        fhi[xl] = np.where(side[xl] == -1, 0.5 * fhi[xl], fhi[xl])
        side[xl] = -1
        hi[xh], fhi[xh] = tc[~to_lo], f[~to_lo]
        flo[xh] = np.where(side[xh] == 1, 0.5 * flo[xh], flo[xh])
        side[xh] = 1
        hi[act[bad]] = lo[act[bad]]
    with np.errstate(divide="ignore", invalid="ignore"):
        root = lo - flo * (hi - lo) / (fhi - flo)
    root = np.where(np.isfinite(root) & (root >= lo) & (root <= hi), root, 0.5 * (lo + hi))
    # the scalar check of a jump: across 2 s the range cannot change by more than twice the speed
    r0i, v0i, r0j, v0j = _pair_states(prop, ii[own], jj[own], root - 1.0)
    r1i, _v1i, r1j, _v1j = _pair_states(prop, ii[own], jj[own], root + 1.0)
    da = np.linalg.norm(r0j - r0i, axis=1)
    db = np.linalg.norm(r1j - r1i, axis=1)
    sp = np.linalg.norm(v0j - v0i, axis=1)
    with np.errstate(invalid="ignore"):
        cont = np.abs(db - da) <= 2.0 * sp + 0.5
    res: list[list[float]] = [[] for _ in range(a.size)]
    for o, t_r, c in zip(own.tolist(), root.tolist(), cont.tolist(), strict=True):
        if c:
            res[o].append(float(t_r))
    return res
