"""3D collision probability by Hall's expected number of collisions, Nc (Hall 2021; CARA Pc3D_Hall).

For long, slow or strongly curved encounters the 2D assumptions fail; Hall's 3D-Nc integrates, over
time, the rate at which the relative position enters the hard-body sphere:

``Nc = integral dt  R^2  oint dOmega  p_r(R u) E[max(0, -u . v) | r = R u]``

with the relative position density ``p_r`` and the conditional relative velocity taken from both
objects' two-body motion. The uncertainty of each object is a Gaussian in equinoctial elements at
TCA (it follows the orbit), propagated to each time by two-body motion and linearized at Hall's
*peak-overlap point* (:mod:`openstc.pc.peakoverlap`), where the linearization matters for the tail
probabilities. ``Pc = min(1, Nc)``, an upper bound of the probability that is tight when Pc is small.
Checked against CARA's Pc3D_Hall: the 12 Alfano cases over CARA's windows to ~1e-5, the real CDMs
to ~8e-4 (CARA's coarser trapezoid in time).

Time: Coppola's linear-motion encounter bounds (gamma 1e-16), widened where the rate has not died
out, or bounds the caller gives; adaptive Simpson quadrature with the encounter bounds as breaks.
Where the whole window is deep in the tail (effective Mahalanobis distance^2 > 100), +-half an
orbit is scanned for closer approaches elsewhere (CARA's 3D-Nc usage violations). Sphere: Lebedev's
5810-point rule, CARA's default. A node whose peak-overlap iteration fails counts as zero, as in
CARA, unless it neighbours a significant rate (then the result is refused with that reason); a
node farther than Mahalanobis^2 1491 has rate zero (exp underflow), CARA's explicit outcome for
non-positive-definite covariances.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numba
import numpy as np
from scipy.integrate import lebedev_rule

from openstc.pc.applicability import linear_conj_duration, orbital_period
from openstc.pc.covariance import FCLIP, FloatArray
from openstc.pc.equinoctial import (
    cart_to_equinoctial,
    jacobian_cart_to_equinoctial,
    reorientation,
    rotate_state_cov,
)
from openstc.pc.peakoverlap import STEP_FLOOR, inv_clip, peak_overlap
from openstc.pc.twobody import GM_EARTH

#: Name openstc writes in CDMs for this method.
CDM_METHOD = "HALL-2021-NC3D"


def _lebedev(degree: int = 131) -> tuple[FloatArray, FloatArray]:
    """Lebedev's 5810-point rule (algebraic degree 131), CARA's default sphere rule for Pc3D_Hall.

    Used in the frame of the states, as CARA does: where the hard-body radius is large against the
    smallest position sigma the density on the sphere is a small spot, which this dense, nearly
    uniform rule resolves and a product rule of ~1,000 points does not.
    """
    pts, wts = lebedev_rule(degree)
    return np.ascontiguousarray(pts.T), np.asarray(wts)


_SPHERE = _lebedev()


@dataclass
class _Obj:
    e: FloatArray  # mean equinoctial elements at TCA
    q: FloatArray  # their covariance


# Squared Mahalanobis distance beyond which the rate underflows (exp(-745) is the smallest double):
# CARA's MD2cut; a node that far from the overlap has rate zero whether or not its iteration converged.
MD2_CUT = 1491.0


def _ncdot(t: float, o1: _Obj, o2: _Obj, hbr: float, gm: float, maxiter: int = 100) -> tuple[float, float]:
    """Collision rate at time ``t`` (1/s), linearized at the peak-overlap point, and the effective
    squared Mahalanobis distance of the relative position from the hard-body sphere.

    The rate is NaN where the peak-overlap iteration did not converge and the node is not so far
    out that the rate underflows anyway.
    """
    clip = (FCLIP * hbr) ** 2
    xu0, xu1, p0, p1, status, _, _ = peak_overlap(
        o1.e, o1.q, o2.e, o2.q, float(t), hbr, clip, gm, STEP_FLOOR, maxiter
    )
    xu = [xu0, xu1]
    ptot = p0 + p1
    ru = xu[1][:3] - xu[0][:3]
    vu = xu[1][3:] - xu[0][3:]
    a = np.ascontiguousarray(ptot[:3, :3])
    ainv, logdet = inv_clip(a, clip)
    ainv_ru = ainv @ ru
    # CARA's MS2eff: the distance reduced by the sphere's radius, a lower bound over the sphere.
    ms2 = float(ru @ ainv_ru - 2.0 * hbr * np.linalg.norm(ainv_ru))
    if not math.isfinite(ms2) or ms2 > MD2_CUT:
        return 0.0, ms2 if math.isfinite(ms2) else math.inf
    if status == 0:
        return math.nan, ms2
    b = np.ascontiguousarray(ptot[3:, :3] @ ainv)
    cs = np.ascontiguousarray(ptot[3:, 3:] - b @ ptot[3:, :3].T)
    u, w = _SPHERE
    log_norm = -1.5 * math.log(2 * math.pi) - 0.5 * logdet
    return hbr**2 * _sphere_sum(u, w, hbr, ru, vu, ainv, b, cs, log_norm), ms2


@numba.njit(cache=True)
def _sphere_sum(
    u: FloatArray,
    w: FloatArray,
    hbr: float,
    ru: FloatArray,
    vu: FloatArray,
    ainv: FloatArray,
    b: FloatArray,
    cs: FloatArray,
    log_norm: float,
) -> float:
    """Sum over the sphere rule of density x expected inward speed (Hall's rate integrand).

    At the point ``R u`` of the sphere: Gaussian density of the relative position, times
    ``E[max(0, -u.v) | r = R u]`` for the conditional relative velocity ``N(vu + b dr, cs)``.
    Compiled: one pass over 5,810 points without temporaries.
    """
    total = 0.0
    sqrt2 = math.sqrt(2.0)
    sqrtpi = math.sqrt(math.pi)
    sqrt2pi = math.sqrt(2.0 * math.pi)
    dr = np.empty(3)
    for k in range(u.shape[0]):
        for i in range(3):
            dr[i] = hbr * u[k, i] - ru[i]
        md2 = 0.0
        sig2 = 0.0
        nu0 = 0.0
        for i in range(3):
            ai = 0.0
            ci = 0.0
            bi = vu[i]
            for j in range(3):
                ai += ainv[i, j] * dr[j]
                ci += cs[i, j] * u[k, j]
                bi += b[i, j] * dr[j]
            md2 += dr[i] * ai
            sig2 += u[k, i] * ci
            nu0 += u[k, i] * bi
        dens = math.exp(log_norm - 0.5 * md2)
        if dens == 0.0:
            continue
        if sig2 > 0.0:
            sig = math.sqrt(sig2)
            nus = nu0 / (sig * sqrt2)
            nu = sig * (math.exp(-nus * nus) - sqrtpi * nus * math.erfc(nus)) / sqrt2pi
        else:
            nu = max(0.0, -nu0)
        total += w[k] * nu * dens
    return total


def overlap_elements(
    e1: FloatArray, q1: FloatArray, e2: FloatArray, q2: FloatArray, hbr: float, times: FloatArray, gm: float
) -> tuple[FloatArray, FloatArray, float]:
    """Both objects' peak-overlap elements (at TCA) at the time of ``times`` with the largest rate.

    The most likely pair of orbits that brings the two objects together: the centre of an
    importance-sampling proposal for Monte Carlo (:mod:`openstc.pc.montecarlo`). Also returns that time.
    """
    clip = (FCLIP * hbr) ** 2
    o1, o2 = (
        _Obj(np.asarray(e1, float), np.asarray(q1, float)),
        _Obj(np.asarray(e2, float), np.asarray(q2, float)),
    )
    ts = np.unique(np.asarray(times, dtype=float))

    def cost(t: float) -> float:
        # Largest rate first; where the rate underflows, the smallest effective distance.
        rate, ms2 = _ncdot(t, o1, o2, hbr, gm)
        return -rate if math.isfinite(rate) and rate > 0 else 1.0 + ms2

    costs = np.array([cost(float(t)) for t in ts])
    k = int(np.argmin(costs))
    best_t = float(ts[k])
    if ts.size > 2:
        # Refine between the neighbouring nodes (a narrow peak falls between them): golden section.
        lo, hi = float(ts[max(k - 1, 0)]), float(ts[min(k + 1, ts.size - 1)])
        g = 0.5 * (math.sqrt(5.0) - 1.0)
        c, d = hi - g * (hi - lo), lo + g * (hi - lo)
        fc, fd = cost(c), cost(d)
        for _ in range(30):
            if fc < fd:
                hi, d, fd = d, c, fc
                c = hi - g * (hi - lo)
                fc = cost(c)
            else:
                lo, c, fc = c, d, fd
                d = lo + g * (hi - lo)
                fd = cost(d)
        if min(fc, fd) < costs[k]:
            best_t = c if fc < fd else d
    *_, _status, es1, es2 = peak_overlap(o1.e, o1.q, o2.e, o2.q, best_t, hbr, clip, gm, STEP_FLOOR, 100)
    return np.asarray(es1), np.asarray(es2), best_t


@dataclass(frozen=True)
class Nc3DResult:
    pc: float  # min(1, Nc); NaN if not computable
    nc: float
    t_min: float
    t_max: float
    reason: str | None = None


def pc3d_hall(
    r1: FloatArray,
    v1: FloatArray,
    cov1: FloatArray,
    r2: FloatArray,
    v2: FloatArray,
    cov2: FloatArray,
    hbr: float,
    *,
    window_s: tuple[float, float] | None = None,
    n_initial: int = 16,
    rtol: float = 2e-4,
    gm: float = GM_EARTH,
    max_evals: int = 1500,
) -> Nc3DResult:
    """Hall's 3D-Nc Pc for one conjunction (SI; 6x6 covariances in the inertial frame)."""
    x1 = np.concatenate([np.ravel(r1), np.ravel(v1)]).astype(float)
    x2 = np.concatenate([np.ravel(r2), np.ravel(v2)]).astype(float)
    c1 = np.asarray(cov1, dtype=float)
    c2 = np.asarray(cov2, dtype=float)
    if c1.shape != (6, 6) or c2.shape != (6, 6):
        return Nc3DResult(math.nan, math.nan, math.nan, math.nan, "3D Nc needs 6x6 covariances")
    if not (np.all(np.isfinite(x1)) and np.all(np.isfinite(x2)) and np.all(np.isfinite(c1 + c2))):
        return Nc3DResult(math.nan, math.nan, math.nan, math.nan, "non-finite state or covariance")
    if math.isnan(hbr):
        return Nc3DResult(math.nan, math.nan, math.nan, math.nan, "hard-body radius is not a number")
    if not hbr > 0:
        return Nc3DResult(0.0, 0.0, 0.0, 0.0)
    if math.isinf(hbr):
        return Nc3DResult(1.0, math.inf, 0.0, 0.0)
    dr = x2[:3] - x1[:3]
    if np.linalg.norm(dr) < 1e-6 * hbr:
        # Zero miss: the encounter frame is undefined; nudge normal to the motion as CARA does.
        n = np.cross(x1[:3] + x2[:3], x2[3:] - x1[3:])
        if np.linalg.norm(n) > 0:
            x2 = x2.copy()
            x2[:3] = x2[:3] + 1e-6 * hbr * n / np.linalg.norm(n)
    rot = reorientation([x1, x2])
    x1, c1 = rotate_state_cov(rot, x1, c1)
    x2, c2 = rotate_state_cov(rot, x2, c2)
    objs = []
    for x, c in ((x1, c1), (x2, c2)):
        if 2.0 / np.linalg.norm(x[:3]) - x[3:] @ x[3:] / gm <= 0:
            return Nc3DResult(
                math.nan, math.nan, math.nan, math.nan, "unbound orbit: 3D Nc needs elliptic orbits"
            )
        jac = jacobian_cart_to_equinoctial(x, gm)
        objs.append(_Obj(np.asarray(cart_to_equinoctial(x, gm)), jac @ c @ jac.T))
    half = 0.5 * float(min(orbital_period(x1[:3], x1[3:], gm)[0], orbital_period(x2[:3], x2[3:], gm)[0]))
    dur = linear_conj_duration(x1[:3], x1[3:], c1, x2[:3], x2[3:], c2, hbr)
    peak = (float(dur.tau0[0]), float(dur.tau1[0]))
    peak = peak if all(math.isfinite(p) for p in peak) else (0.0, 0.0)
    if window_s is None:
        t0 = max(float(dur.tau0[0]), -half) if np.isfinite(dur.tau0[0]) else -half
        t1 = min(float(dur.tau1[0]), half) if np.isfinite(dur.tau1[0]) else half
        expand = True
    else:
        t0, t1 = window_s
        expand = False
    if not (t1 > t0):
        return Nc3DResult(math.nan, math.nan, t0, t1, "encounter time bounds could not be found")
    cache: dict[float, tuple[float, float]] = {}

    def rate(t: float) -> float:
        if t not in cache:
            if len(cache) >= max_evals:
                raise _BudgetError
            cache[t] = _ncdot(t, objs[0], objs[1], hbr, gm)
        val = cache[t][0]
        # A node whose peak-overlap iteration failed counts as zero (as in CARA); see below.
        return 0.0 if math.isnan(val) else val

    nc = math.nan
    try:
        with np.errstate(all="ignore"):
            nc, t0, t1 = _integrate(rate, t0, t1, peak, half, expand, n_initial, rtol)
            if expand and min(v[1] for v in cache.values()) > SCAN_MD2:
                nc += _distant_peaks(rate, lambda t: cache[t][1], t0, t1, half, rtol)
    except _BudgetError:
        return Nc3DResult(math.nan, math.nan, t0, t1, "3D Nc did not converge within its evaluation budget")
    except (np.linalg.LinAlgError, ValueError, ZeroDivisionError, FloatingPointError) as exc:
        return Nc3DResult(math.nan, math.nan, t0, t1, f"3D Nc failed numerically ({type(exc).__name__})")
    if not math.isfinite(nc):
        return Nc3DResult(math.nan, nc, t0, t1, "3D Nc integration did not converge")
    if _failed_near_peak(cache):
        return Nc3DResult(
            math.nan, nc, t0, t1, "peak-overlap iteration did not converge where the collision rate matters"
        )
    return Nc3DResult(min(1.0, nc), nc, t0, t1)


def _failed_near_peak(cache: dict[float, tuple[float, float]]) -> bool:
    """True when a node whose iteration failed neighbours a node carrying a significant rate.

    CARA drops such nodes from the integral but declares the result unconverged when one lies next
    to a node above its rate cut; failures far out in the tails change nothing.
    """
    ts = sorted(cache)
    vals = np.array([cache[t][0] for t in ts])
    bad = np.isnan(vals)
    if not bad.any():
        return False
    good = np.where(bad, 0.0, vals)
    top = float(np.max(good))
    if top <= 0.0:
        return False
    big = good >= 1e-6 * top
    near = np.zeros_like(big)
    near[1:] |= big[:-1]
    near[:-1] |= big[1:]
    return bool(np.any(bad & near))


class _BudgetError(Exception):
    """Internal: the rate-evaluation budget is spent."""

    pass


def _adaptive(rate: Callable[[float], float], breaks: list[float], n_per: int, rtol: float) -> float:
    """Adaptive Simpson quadrature of ``rate`` over the segments between ``breaks``.

    Each segment starts with ``n_per`` equal panels; the panel with the largest error estimate
    (|Simpson - trapezoid| / 3 on its halves) is halved until the summed estimate is below ``rtol``
    of the integral. A narrow rate peak (a fast encounter in a window of hours) is found because
    the caller puts the linear-motion encounter bounds among the breaks; panels are dyadic within
    a segment so a wider window reuses every node already evaluated.
    """
    heap: list[tuple[float, float, float, float]] = []  # (-err, a, b, simpson)
    total = 0.0
    errsum = 0.0

    def panel(a: float, b: float) -> tuple[float, float]:
        fa, fm, fb = rate(a), rate(0.5 * (a + b)), rate(b)
        coarse = 0.5 * (b - a) * (fa + fb)
        fine = 0.25 * (b - a) * (fa + 2.0 * fm + fb)
        return fine + (fine - coarse) / 3.0, abs(fine - coarse) / 3.0

    for lo, hi in itertools.pairwise(breaks):
        if not hi > lo:
            continue
        edges = np.linspace(lo, hi, n_per + 1)
        for a, b in itertools.pairwise(edges):
            val, err = panel(float(a), float(b))
            total += val
            errsum += err
            heapq.heappush(heap, (-err, float(a), float(b), val))
    span = breaks[-1] - breaks[0]
    while heap and errsum > rtol * abs(total):
        neg, a, b, val = heapq.heappop(heap)
        if b - a < 1e-9 * span:
            break  # cannot be refined further: a discontinuity, not a smooth peak
        m = 0.5 * (a + b)
        total -= val
        errsum += neg
        for x, y in ((a, m), (m, b)):
            v, e = panel(x, y)
            total += v
            errsum += e
            heapq.heappush(heap, (-e, x, y, v))
    return total


# Squared Mahalanobis distance above which the encounter window is deep in the tail (rate below
# ~e^-50 of its scale): the whole orbit is then scanned for a closer approach elsewhere.
SCAN_MD2 = 100.0
SCAN_NODES = 41


def _distant_peaks(
    rate: Callable[[float], float],
    md2: Callable[[float], float],
    t0: float,
    t1: float,
    half: float,
    rtol: float,
) -> float:
    """Nc from rate peaks outside [t0, t1]: scan +-half an orbit, integrate around closer approaches.

    Where the linear-motion window holds only a far-tail rate, CARA's Pc3D_Hall follows the smallest
    effective Mahalanobis distance along the orbits (its 3D-Nc usage violation): slow or curved
    relative motion can bring the objects much closer, in sigma, minutes away. Each local minimum of
    the distance on a 41-node scan that is clearly closer than the window's is located by golden
    section, and the rate is integrated adaptively over +-10 time sigmas of the distance's parabola.
    """
    grid = np.linspace(-half, half, SCAN_NODES)
    for t in grid:
        rate(float(t))
    ms = np.array([md2(float(t)) for t in grid])
    inside = min(md2(t) for t in (t0, t1))
    total = 0.0
    for i in range(1, SCAN_NODES - 1):
        lo, hi = float(grid[i - 1]), float(grid[i + 1])
        if not (ms[i] <= ms[i - 1] and ms[i] <= ms[i + 1] and ms[i] < inside - 10.0):
            continue
        if hi > t0 and lo < t1:
            continue  # the window itself is there
        # Golden-section search of the distance's minimum on [lo, hi].
        g = 0.5 * (math.sqrt(5.0) - 1.0)
        a, b = lo, hi
        c, d = b - g * (b - a), a + g * (b - a)
        for _ in range(20):
            rate(c)
            rate(d)
            if md2(c) < md2(d):
                b, d = d, c
                c = b - g * (b - a)
            else:
                a, c = c, d
                d = a + g * (b - a)
        tm = 0.5 * (a + b)
        rate(tm)
        # Time sigma from the parabola through three nodes around the minimum.
        h = max(1e-3 * (hi - lo), 1e-3)
        for t in (tm - h, tm + h):
            rate(t)
        curv = (md2(tm - h) - 2.0 * md2(tm) + md2(tm + h)) / (h * h)
        sig = math.sqrt(2.0 / curv) if curv > 0 else 0.25 * (hi - lo)
        breaks = sorted({lo, hi, *(min(max(tm + k * sig, lo), hi) for k in (-10.0, -3.0, 0.0, 3.0, 10.0))})
        total += _adaptive(rate, breaks, 4, rtol)
    return total


def _integrate(
    rate: Callable[[float], float],
    t0: float,
    t1: float,
    peak: tuple[float, float],
    half: float,
    expand: bool,
    n_per: int,
    rtol: float,
) -> tuple[float, float, float]:
    """Integrate the rate over [t0, t1]; widen the window where the rate has not died out."""
    inner = sorted({t0, t1, *(min(max(p, t0), t1) for p in peak)})
    nc = math.nan
    for _ in range(12):
        nc = _adaptive(rate, inner, n_per, rtol)
        # Curved or slow encounters can put the collision rate outside the linear-motion bounds:
        # widen the window on any side where the rate has not died out, up to half an orbit.
        top = max(rate(t) for t in inner)
        top = max(top, nc / (t1 - t0))
        width = t1 - t0
        grow_lo = expand and top > 0 and rate(t0) > 1e-6 * top and t0 > -half
        grow_hi = expand and top > 0 and rate(t1) > 1e-6 * top and t1 < half
        if not (grow_lo or grow_hi):
            break
        if grow_lo:
            t0 = max(t0 - width, -half)
        if grow_hi:
            t1 = min(t1 + width, half)
        inner = sorted({t0, t1, *inner})
    return nc, t0, t1
