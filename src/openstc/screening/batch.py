"""Batched exact refinement: the TCA of every candidate of a chunk, found with real propagation calls
grouped by object (:mod:`openstc.screening.judge` then judges the approaches in batch).

Per-candidate scalar refinement (:func:`openstc.screening.refine.refine_tca`) costs a Python round trip
per SGP4 call. Here every iteration evaluates all pending (object, time) requests at once: the requests
are sorted by object and each object is propagated with one ``sgp4_array`` call.

The batched path reproduces the scalar code's answers (same function, same bracket, same tolerance): a
bracket [a, b] of at most 400 s in which the range rate ``d . v_rel`` (SGP4 velocities) goes from <= 0 to
> 0 (exactly the condition under which the scalar code runs one Brent search on that bracket) is solved by
safeguarded Newton steps (bisection whenever a step leaves the bracket) started from the filter's minimum
on the interpolant, to 1e-7 s. Other brackets are scanned every <= 30 s as the scalar code does; where
Newton does not converge, and for slow pairs (below ``SLOW_M_S``, range rate from positions), a batched
Brent's method with scipy's steps runs on bit-identical function values (:func:`_brent`), because a slow
pair's range rate is noisy near its root and another solver would stop on another sign change. The
scalar code stays the reference the tests compare with.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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


def _newton(
    prop: Propagator, ii: I64, jj: I64, lo: F64, hi: F64, t0: F64, cur: States | None = None
) -> tuple[F64, npt.NDArray[np.bool_], list[F64]]:
    """Safeguarded Newton on the range rate ``d . v_rel`` in brackets [lo, hi] where it goes from <= 0
    to > 0, started at ``t0`` (``cur``: the states there, when known). Returns the converged times, which
    converged, and the states (ri, vi, rj, vj) at those times."""
    m = t0.size
    lo = lo.copy()
    hi = hi.copy()
    t = t0.copy()
    done = np.zeros(m, dtype=np.bool_)
    ok = np.ones(m, dtype=np.bool_)
    fin = [np.empty((m, 3)) for _ in range(4)]  # states at the converged times
    act = np.arange(m)
    for it in range(NEWTON_MAX_IT):
        if act.size == 0:
            break
        ta = t[act]
        if it > 0 or cur is None:
            cur = _pair_states(prop, ii[act], jj[act], ta)
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
    return t, done & ok, fin


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
    sel = 2 * n + idx
    t, good_m, fin = _newton(
        prop, ii[idx], jj[idx], a[idx], b[idx], g0[idx], (ri[sel], vi[sel], rj[sel], vj[sel])
    )
    # Newton that does not converge (a range rate too flat or noisy for its tolerance, a slow pair):
    # Brent's method on the bracket, as the scalar path
    retry = np.flatnonzero(~good_m)
    if retry.size:
        t_b, bad_b, st_b = _brent_vel(prop, ii[idx[retry]], jj[idx[retry]], a[idx[retry]], b[idx[retry]])
        for k in idx[retry[bad_b]].tolist():
            out[k] = []  # the scalar search meets a state it cannot compute: no TCA
        fixed = retry[~bad_b]
        t[fixed] = t_b[~bad_b]
        for q in range(4):
            fin[q][fixed] = st_b[q][~bad_b]
        good_m[fixed] = True
    good = np.flatnonzero(good_m)
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
    with np.errstate(invalid="ignore"):
        scan = np.flatnonzero(~fast & np.isfinite(fa) & np.isfinite(fb))
        for k in np.flatnonzero(~fast & ~(np.isfinite(fa) & np.isfinite(fb))).tolist():
            out[k] = []  # the scalar path cannot evaluate a bracket end: no TCA
    if scan.size:
        slow.extend(_scan_tcas(prop, ii, jj, a, b, scan, out, known))
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


def _scan_tcas(
    prop: Propagator,
    ii: I64,
    jj: I64,
    a: F64,
    b: F64,
    scan: I64,
    out: list[list[float] | None],
    known: dict[tuple[int, int, float], States],
) -> list[int]:
    """The scalar path's search of brackets without a single approaching-to-receding change of the range
    rate (or longer than ``MAX_BRACKET_S``), for many brackets: the range rate every <= 30 s over the
    bracket, each change from <= 0 to > 0 solved by :func:`_newton`. Fills ``out`` (and ``known``) for the
    fast pairs and returns the brackets that are slow at their first root (or at the middle without one),
    which the scalar path then searches from positions. A root Newton does not reach is found by
    Brent's method, as the scalar path does."""
    grids = [np.linspace(a[k], b[k], max(9, int((b[k] - a[k]) / 30.0) + 2)) for k in scan.tolist()]
    sizes = [g.size for g in grids]
    owner = np.repeat(scan, sizes)
    ts = np.concatenate(grids)
    ri, vi, rj, vj = _pair_states(prop, ii[owner], jj[owner], ts)
    fs = _dot(rj - ri, vj - vi)
    same = owner[1:] == owner[:-1]
    with np.errstate(invalid="ignore"):
        change = np.flatnonzero(same & (fs[:-1] <= 0.0) & (fs[1:] > 0.0))
    own = owner[change]
    lo, hi = ts[change], ts[change + 1]
    t, conv, fin = _newton(prop, ii[own], jj[own], lo, hi, 0.5 * (lo + hi))
    retry = np.flatnonzero(~conv)
    failed: set[int] = set()
    if retry.size:
        t_b, bad_b, st_b = _brent_vel(prop, ii[own[retry]], jj[own[retry]], lo[retry], hi[retry])
        fixed = retry[~bad_b]
        t[fixed] = t_b[~bad_b]
        for q in range(4):
            fin[q][fixed] = st_b[q][~bad_b]
        for k in own[retry[bad_b]].tolist():
            failed.add(k)
            out[k] = []  # the scalar search meets a state it cannot compute: no TCA
    roots: dict[int, list[int]] = {int(k): [] for k in scan.tolist()}
    for x, k in enumerate(own.tolist()):
        roots[k].append(x)
    # the relative speed at the first root, or at the middle of a bracket without one
    no_root = np.array([k for k, xs in roots.items() if not xs and k not in failed], dtype=np.int64)
    mid_speed: dict[int, float] = {}
    if no_root.size:
        _ri, m_vi, _rj, m_vj = _pair_states(prop, ii[no_root], jj[no_root], 0.5 * (a[no_root] + b[no_root]))
        sp = np.linalg.norm(m_vj - m_vi, axis=1)
        mid_speed = dict(zip(no_root.tolist(), sp.tolist(), strict=True))
    slow: list[int] = []
    for k, xs in roots.items():
        if k in failed:
            continue
        if xs:
            x0 = xs[0]
            sp0 = float(np.linalg.norm(fin[3][x0] - fin[1][x0]))
        else:
            sp0 = mid_speed[k]
        if not sp0 >= refine.SLOW_M_S:  # NaN (no state at the probe): the scalar path goes slow too
            slow.append(k)
            continue
        out[k] = [float(t[x]) for x in xs]
        for x in xs:
            known[(int(ii[k]), int(jj[k]), float(t[x]))] = (fin[0][x], fin[1][x], fin[2][x], fin[3][x])
    return slow


def _f_vel(prop: Propagator, i: I64, j: I64, t: F64) -> F64:
    """The range rate (times the range) from SGP4 velocities, summed by ``np.dot`` as
    :func:`refine.refine_tca`'s ``f_vel``, so bit-identical to it."""
    ri, vi, rj, vj = _pair_states(prop, i, j, t)
    return np.array([np.dot(x, y) for x, y in zip(rj - ri, vj - vi, strict=True)], dtype=np.float64)


def _brent_vel(
    prop: Propagator, ii: I64, jj: I64, lo: F64, hi: F64
) -> tuple[F64, npt.NDArray[np.bool_], States]:
    """Roots of the velocity range rate in brackets where it goes from <= 0 to > 0, by :func:`_brent` on
    the scalar path's values; which met a state that cannot be computed; the states at the roots."""
    fa = _f_vel(prop, ii, jj, lo)
    fb = _f_vel(prop, ii, jj, hi)
    root, bad = _brent(lambda sel, x: _f_vel(prop, ii[sel], jj[sel], x), lo, hi, fa, fb)
    return root, bad, _pair_states(prop, ii, jj, root)


def _f_pos(prop: Propagator, i: I64, j: I64, t: F64, exact: bool = False) -> F64:
    """Range rate (times the range) from positions only, as :func:`refine.refine_tca`'s ``f_pos``; with
    ``exact`` the squared ranges are summed by ``np.dot`` as there, so that the values are bit-identical
    (a slow pair's range rate is noisy at that level near its root, and Brent's steps follow the bits)."""
    n = t.size
    dt = refine._DT
    ri, _vi, rj, _vj = _pair_states(prop, np.tile(i, 2), np.tile(j, 2), np.concatenate([t + dt, t - dt]))
    d = rj - ri
    d2 = np.array([np.dot(x, x) for x in d]) if exact else _dot(d, d)
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
    root, bad = _brent(
        lambda sel, x: _f_pos(prop, ii[own[sel]], jj[own[sel]], x, exact=True),
        ts[change],
        ts[change + 1],
        fs[change],
        fs[change + 1],
    )
    failed = set(own[bad].tolist())  # the scalar search stops at a state it cannot compute: no TCA
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
        if c and o not in failed:
            res[o].append(float(t_r))
    return res


def _brent(
    f: Callable[[I64, F64], F64], xa: F64, xb: F64, fa: F64, fb: F64, xtol: float = 1e-6, rtol: float = 1e-14
) -> tuple[F64, npt.NDArray[np.bool_]]:
    """Brent's method (the variant of scipy's ``brentq``: inverse quadratic or secant steps, else
    bisection) on many brackets at once, ``f(selection, x)`` evaluating the functions of the selected
    brackets; same steps as ``brentq(f, xa, xb, xtol, rtol, maxiter=100)`` on each, so the same roots for
    the same function values (the range rate from positions is flat and noisy near a slow pair's
    minimum, where another solver stops on another sign change within a few milliseconds). Returns the
    roots and which brackets met a non-finite value (the scalar search fails there)."""
    n = xa.size
    xpre, xcur = xa.copy(), xb.copy()
    fpre, fcur = fa.copy(), fb.copy()
    xblk = np.zeros(n)
    fblk = np.zeros(n)
    spre = np.zeros(n)
    scur = np.zeros(n)
    bad = ~np.isfinite(fpre) | ~np.isfinite(fcur)
    root = np.where(fpre == 0.0, xpre, xcur)
    act = np.flatnonzero(~bad & (fpre != 0.0) & (fcur != 0.0))
    for _it in range(100):
        if act.size == 0:
            break
        flip = (fpre[act] * fcur[act]) < 0.0
        fx = act[flip]
        xblk[fx] = xpre[fx]
        fblk[fx] = fpre[fx]
        spre[fx] = scur[fx] = xcur[fx] - xpre[fx]
        sw = act[np.abs(fblk[act]) < np.abs(fcur[act])]
        xpre[sw], xcur[sw], xblk[sw] = xcur[sw], xblk[sw], xcur[sw]
        fpre[sw], fcur[sw], fblk[sw] = fcur[sw], fblk[sw], fcur[sw]
        delta = 0.5 * (xtol + rtol * np.abs(xcur[act]))
        sbis = 0.5 * (xblk[act] - xcur[act])
        conv = (fcur[act] == 0.0) | (np.abs(sbis) < delta)
        root[act[conv]] = xcur[act[conv]]
        keep = ~conv
        act, delta, sbis = act[keep], delta[keep], sbis[keep]
        if act.size == 0:
            break
        xp, xc, xk = xpre[act], xcur[act], xblk[act]
        fp_, fc, fk = fpre[act], fcur[act], fblk[act]
        sp, sc = spre[act], scur[act]
        tryit = (np.abs(sp) > delta) & (np.abs(fc) < np.abs(fp_))
        with np.errstate(divide="ignore", invalid="ignore"):
            interp = -fc * (xc - xp) / (fc - fp_)
            dpre = (fp_ - fc) / (xp - xc)
            dblk = (fk - fc) / (xk - xc)
            extrap = -fc * (fk * dblk - fp_ * dpre) / (dblk * dpre * (fk - fp_))
        stry = np.where(xp == xk, interp, extrap)
        with np.errstate(invalid="ignore"):
            accept = tryit & (2.0 * np.abs(stry) < np.minimum(np.abs(sp), 3.0 * np.abs(sbis) - delta))
        spre[act] = np.where(accept, sc, sbis)
        scur[act] = np.where(accept, stry, sbis)
        xpre[act] = xc
        fpre[act] = fc
        step = np.where(np.abs(scur[act]) > delta, scur[act], np.where(sbis > 0.0, delta, -delta))
        xcur[act] = xc + step
        fnew = f(act, xcur[act])
        fcur[act] = fnew
        nf = ~np.isfinite(fnew)
        bad[act[nf]] = True
        act = act[~nf]
    root[act] = xcur[act]  # out of iterations: scipy raises; the last iterate is as good as any here
    return root, bad
