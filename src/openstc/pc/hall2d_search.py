"""Where Hall's 2D-Nc expands in time: CARA's curvilinear refinement and its shift-bisect search.

CARA's Pc2D_Hall does not start its search for the smallest effective Mahalanobis distance
``Q(t) = MD^2(t) + log det A(t)`` at TCA: it first runs the curvilinear part of its usage-violation
check (UsageViolationPc2D). That evaluates ``Q`` by peak overlap at the rectilinear time of closest
approach and one rectilinear time sigma either side, fits a parabola, and moves to the parabola's
vertex until the vertex agrees with the best point so far (within 2.5 time sigmas and 1 in ``Q``),
bisecting back towards the sampled span where the peak-overlap iteration fails or ``Q`` does not
decrease. The points it sampled seed a five-point shift-bisect search (shift while the smallest value
is at an end, halve the spacing about it otherwise). Where several local minima exist (slow
encounters) this route decides which one the expansion uses, so it is reproduced step by step,
including its choices of which points enter each fit (the procedure of CARA's Pc2D_Hall and
UsageViolationPc2D, reimplemented). SI units (``Q`` carries log det in m^6, a constant offset).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from openstc.pc.covariance import FloatArray

# CARA's UsageViolationPc2D defaults: refinement limits and the start-offset factor.
TIME_SIGMA_DIFF_LIMIT = 2.5
Q_DIFF_LIMIT = 1.0
MAX_REFINEMENTS = 20
INIT_OFFSET_FACTOR = 10.0


@dataclass
class Curvilinear:
    """The curvilinear estimate: sampled times and ``Q`` values, vertex time and time sigma."""

    t: list[float] = field(default_factory=list)
    q: list[float] = field(default_factory=list)
    t_peak: float = math.nan
    q_peak: float = math.nan
    sigma: float = math.nan
    converged: bool = False


def _round_half_away(x: float) -> int:
    return int(math.copysign(math.floor(abs(x) + 0.5), x))


def parabola_fit(t: list[float], f: list[float]) -> FloatArray:
    """Coefficients ``(a, b, c)`` of ``a t^2 + b t + c`` through the three smallest of ``f`` (more
    points only where those three leave the fit rank-deficient), solved in centred, scaled time."""
    tu, first = np.unique(np.asarray(t, dtype=float), return_index=True)
    fu = np.asarray(f, dtype=float)[first]
    if tu.size < 3:
        raise ValueError("a parabola needs three distinct times")
    order = np.argsort(fu, kind="stable")
    tv, fv = tu[order], fu[order]
    n = 3
    while True:
        ti = tv[:n]
        tdel = 0.5 * (ti.max() - ti.min())
        tmid = 0.5 * (ti.max() + ti.min())
        z = (ti - tmid) / tdel
        amat = np.stack([z**2, z, np.ones_like(z)], axis=1)
        tol = 1000 * max(amat.shape) * np.spacing(np.linalg.norm(amat, 2))
        if np.linalg.matrix_rank(amat, tol) >= 3 or n >= tv.size:
            break
        n += 1
    x = np.linalg.pinv(amat) @ fv[:n]
    trat = tmid / tdel
    return np.array([x[0] / tdel**2, (x[1] - 2 * trat * x[0]) / tdel, trat * (trat * x[0] - x[1]) + x[2]])


def curvilinear(
    qfun: Callable[[float], float], r: FloatArray, v: FloatArray, cov3: FloatArray, clip: float
) -> Curvilinear:
    """CARA's curvilinear refinement from the rectilinear estimate (relative ``r``, ``v`` at TCA,
    combined 3x3 position covariance ``cov3``, eigenvalue floor ``clip``); ``qfun(t)`` is the
    peak-overlap ``Q`` (NaN where the iteration fails)."""
    out = Curvilinear()
    lam, vec = np.linalg.eigh(0.5 * (cov3 + cov3.T))
    lam = np.where(lam < clip, clip, lam)
    ainv = (vec / lam) @ vec.T
    rar, rav, vav = float(r @ ainv @ r), float(r @ ainv @ v), float(v @ ainv @ v)
    t_rl = 0.0 if rav == 0 else -rav / vav
    s_rl = math.sqrt(1.0 / vav) if vav > 0 else math.inf
    if math.isinf(s_rl) or math.isnan(s_rl):
        return out
    q_rl = rar + 2 * t_rl * rav + t_rl**2 * vav + float(np.sum(np.log(lam)))
    out.t = [t_rl - s_rl, t_rl, t_rl + s_rl]
    out.q = [qfun(t) for t in out.t]
    if any(math.isnan(q) for q in out.q):
        return out
    qconv = True
    qdd = (out.q[2] - 2 * out.q[1] + out.q[0]) / s_rl**2
    if not qdd > 0:
        out.sigma = math.inf
        return out
    abc = parabola_fit(out.t, out.q)
    t0 = -abc[1] / qdd
    q0 = abc[2] - abc[1] ** 2 / abc[0] / 4
    off = INIT_OFFSET_FACTOR * (out.t[2] - out.t[0])
    acceptable = True
    if t0 < out.t[0] - off or t0 > out.t[2] + off:
        acceptable = False
        t0 = out.t[0] - off if t0 < out.t[0] - off else out.t[2] + off
        q0 = abc[0] * t0**2 + abc[1] * t0 + abc[2]
    out.t_peak, out.q_peak, out.sigma = float(t0), float(q0), math.sqrt(2.0 / qdd)
    needs = (
        abs(out.t_peak - t_rl) >= TIME_SIGMA_DIFF_LIMIT * min(s_rl, out.sigma)
        or abs(out.q_peak - q_rl) >= Q_DIFF_LIMIT
        if acceptable
        else True
    )
    level = 1
    while needs:
        level += 1
        imin = int(np.argmin(out.q))
        tnew_c = out.t_peak
        qnew = qfun(tnew_c)
        if math.isnan(qnew):
            # No peak-overlap solution there: halve the step back towards the sampled span.
            qconv = False
            lo, hi = min(out.t), max(out.t)
            tnew = math.nan
            if out.t_peak < lo or out.t_peak > hi:
                tnew = (out.t_peak + (lo if out.t_peak < lo else hi)) / 2
            needs = not (math.isnan(tnew) or len(out.t) > 3) and level < MAX_REFINEMENTS
            if needs:
                out.t_peak, out.q_peak = tnew, math.nan
            continue
        qconv = True
        decreasing = qnew < sorted(out.q)[2]
        out.t.append(tnew_c)
        out.q.append(qnew)
        if decreasing:
            yy = parabola_fit(out.t, out.q)
            if yy[0] <= 0:
                out.sigma = math.inf
            else:
                out.t_peak = float(-yy[1] / yy[0] / 2)
                out.q_peak = float(yy[2] - yy[1] ** 2 / yy[0] / 4)
                out.sigma = math.sqrt(1.0 / yy[0])
        else:
            lo, hi = min(out.t[:-1]), max(out.t[:-1])
            if out.t_peak < lo or out.t_peak > hi:
                tnew = (out.t_peak + (lo if out.t_peak < lo else hi)) / 2
                yy = parabola_fit(out.t, out.q)
                # CARA evaluates this value with the coefficients in reverse order; it only feeds
                # the refinement test below, so the same expression keeps the same route.
                qn = float(yy[0] + tnew * (yy[1] + tnew * yy[2]))
            else:
                tnew, qn = out.t[imin], out.q[imin]
            out.t_peak, out.q_peak = tnew, qn
        needs = False
        if not math.isinf(out.sigma) and level < MAX_REFINEMENTS:
            needs = (
                abs(out.t_peak - out.t[imin]) >= TIME_SIGMA_DIFF_LIMIT * out.sigma
                or abs(out.q_peak - out.q[imin]) >= Q_DIFF_LIMIT
            )
    if math.isinf(out.sigma) or math.isnan(out.sigma):
        qconv = False
    if qconv:
        qpk = qfun(out.t_peak)
        if math.isnan(qpk):
            qconv = False
        else:
            out.q_peak = qpk
    out.converged = qconv
    return out


def shift_bisect_min(
    fun: Callable[[float], float],
    x0: list[float],
    y0: list[float],
    nbisect_max: int,
    nshift_max: int,
    tol_x: float,
    tol_y: float,
) -> tuple[float, float, bool]:
    """One local minimum of ``fun`` from a sorted grid (five points or more): a five-point window
    shifts by its spacing while its smallest value is at an end and is halved about an interior
    minimum until the spacing is below ``tol_x`` or the neighbours are within ``tol_y``.
    Returns (x, y, converged)."""
    n0 = len(x0)
    nmin = int(np.argmin(y0)) if max(y0) != min(y0) else (n0 - 1) // 2
    n1 = 0 if nmin < 2 else n0 - 5 if nmin > n0 - 3 else nmin - 2
    x, y = list(x0[n1 : n1 + 5]), list(y0[n1 : n1 + 5])
    calc = [False] * 5
    nshift = nbisect = 0
    while True:
        for n in range(5):
            if calc[n]:
                y[n] = fun(x[n])
                calc[n] = False
        had_nan = any(math.isnan(v) for v in y)
        if all(math.isnan(v) for v in y):
            return x[2], math.nan, False
        k = _nanargmin(y)
        ymin = y[k]
        if ymin == max(v for v in y if not math.isnan(v)):
            k = 2
        xmin = x[k]
        converged = False
        if k == 0:
            x, y, calc = [x[0] - (x[1] - x[0]), *x[:4]], [math.nan, *y[:4]], [True, *[False] * 4]
            nshift += 1
        elif k == 4:
            x, y, calc = [*x[1:], x[4] + (x[4] - x[3])], [*y[1:], math.nan], [*[False] * 4, True]
            nshift += 1
        else:
            dx = max(abs(x[k] - x[k - 1]), abs(x[k] - x[k + 1]))
            tiny = dx < tol_x or dx < 10 * np.spacing(abs(x[k]))
            converged = tiny or max(y[k - 1] - y[k], y[k + 1] - y[k]) < tol_y
            if not converged:
                lo, hi = k - 1, k + 1
                x = [x[lo], (x[lo] + x[k]) / 2, x[k], (x[hi] + x[k]) / 2, x[hi]]
                y = [y[lo], math.nan, y[k], math.nan, y[hi]]
                calc = [False, True, False, True, False]
                nbisect += 1
        if converged or had_nan or nbisect > nbisect_max or nshift > nshift_max:
            return xmin, ymin, converged


def _nanargmin(y: list[float]) -> int:
    # The smallest value ignoring NaN (the search stops after a NaN anyway).
    vals = [math.inf if math.isnan(v) else v for v in y]
    return int(np.argmin(vals))


def search_start(qfun: Callable[[float], float], cl: Curvilinear) -> tuple[float, bool] | None:
    """CARA's start of the minimum search from the curvilinear points: a five-point grid about the
    best sampled point (or about the curvilinear vertex where that point is at the sampled span's
    edge) merged with all sampled points, then the shift-bisect search. Returns (time, converged
    flag of the curvilinear refinement) or None where this route does not apply."""
    if math.isnan(cl.sigma) or math.isinf(cl.sigma) or not cl.t:
        return None
    tprev_arr, first = np.unique(np.asarray(cl.t), return_index=True)
    tprev = [float(t) for t in tprev_arr]
    yprev = [cl.q[i] for i in first]
    ip = int(np.argmin(yprev))
    nshift_max = 100
    if 0 < ip < len(tprev) - 1:
        tdel = min(tprev[ip] - tprev[ip - 1], tprev[ip + 1] - tprev[ip]) / 2
        tg = [tprev[ip - 1], tprev[ip] - tdel, tprev[ip], tprev[ip] + tdel, tprev[ip + 1]]
        yg = [yprev[ip - 1], math.nan, yprev[ip], math.nan, yprev[ip + 1]]
        cg = [math.isnan(v) for v in yg]
    else:
        nsig0 = abs(cl.t_peak) / cl.sigma
        nsig = min(max(1.0, nsig0), 10.0)
        ts, ws = cl.t_peak, nsig * cl.sigma
        nshift_max = max(100, 3 * _round_half_away((nsig0 + 1) / nsig))
        half = 0.5 * ws
        tg = [ts, ts - half, ts + half, ts - ws, ts + ws]
        yg = [0.0] * 5
        cg = [True] * 5
        for n in range(5):
            dist = [abs(tg[n] - tp) for tp in tprev]
            icl = int(np.argmin(dist))
            if dist[icl] < half:
                tg[n], yg[n], cg[n] = tprev[icl], yprev[icl], False
                del tprev[icl], yprev[icl]
                if not tprev:
                    break
    for n in range(5):
        if cg[n]:
            yg[n] = qfun(tg[n])
        if math.isnan(yg[n]):
            break
    tgrid = tg + list(cl.t)
    ygrid = yg + list(cl.q)
    if any(math.isnan(v) for v in ygrid):
        return None
    order = np.argsort(np.asarray(tgrid), kind="stable")
    xs = [tgrid[i] for i in order]
    ys = [ygrid[i] for i in order]
    tmin, _, ok = shift_bisect_min(qfun, xs, ys, 100, nshift_max, 1e-2 * cl.sigma, 1e-3)
    return (tmin, cl.converged) if ok else None
