"""Hall's 2D-Nc: the 3D-Nc time integral done analytically about one time (Hall et al. 2023; CARA Pc2D_Hall).

3D-Nc (:mod:`openstc.pc.hall3d`) integrates the collision rate numerically over time. 2D-Nc finds
the time ``tmin`` where the *effective* squared Mahalanobis distance of the peak-overlap relative
position, ``Q0(t) = MD^2(t) + log det A(t)``, is smallest, expands ``Q`` to second order in time
about ``tmin`` (numerical derivatives of the peak-overlap state and covariance from three
peak-overlap solutions ``tmin - d, tmin, tmin + d``) and integrates the Gaussian in time in closed
form. What remains is an integral over the hard-body sphere of

``exp(-Q*(u)/2) sqrt(2/Q''(u)) nu(u)``,  ``Q*(u) = Q(u) - Q'(u)^2 / (2 Q''(u))``,

with ``nu`` the expected inward speed (Coppola's formula) of the conditional relative velocity.
The sphere integral uses Lebedev's 5810-point rule; where few Lebedev points carry the integrand,
where the Pc is large (>= 5e-5) or where the effective conjunction-plane Pc (the 2D Pc of the
expansion's miss vector, velocity and covariance) disagrees by more than 1 %, an adaptive cubature
at CARA's tolerances (relative 1e-3 .. 1e-6 by Pc) replaces it, as CARA's quad2d does.

Which local minimum: as CARA, the search starts from the points of the curvilinear refinement
(:mod:`openstc.pc.hall2d_search`); only where that gives no finite time sigma or its shift-bisect
search does not converge, from the straight-line Newton on TCA's peak overlap, then downhill from TCA.

One expansion about one time: for a temporally isolated encounter it equals 3D-Nc at a fraction of
the cost; where the rate peaks elsewhere (slow or repeating encounters) the two differ, which is
what CARA's usage-violation checks are for. SI units; the Pc is ``min(1, Nc)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.integrate import cubature
from scipy.special import erfc

from openstc.pc.covariance import FCLIP, FloatArray
from openstc.pc.equinoctial import (
    cart_to_equinoctial,
    jacobian_cart_to_equinoctial,
    reorientation,
    rotate_state_cov,
)
from openstc.pc.foster import pc2d
from openstc.pc.hall2d_search import curvilinear, search_start
from openstc.pc.hall3d import _SPHERE
from openstc.pc.peakoverlap import STEP_FLOOR, peak_overlap
from openstc.pc.twobody import GM_EARTH

#: Name openstc writes in CDMs for this method.
CDM_METHOD = "HALL-2023-NC2D"

# CARA's defaults (Pc2D_Hall): Pc above which the sphere integral is always done by cubature, the
# table of cubature tolerances by Pc, the conjunction-plane agreement that lets Lebedev stand.
FORCE_CUBATURE_PC = 5e-5
LOG10_PC_TABLE = (-13.0, -7.0, -5.0, -4.0)
LOG10_RTOL_TABLE = (-3.0, -4.0, -5.0, -6.0)
REL_DIF_CONJ_PLANE = 1e-2
PC_TINY = 1e-300


@dataclass(frozen=True)
class Nc2DResult:
    pc: float  # min(1, Nc); NaN if not computable
    t_min: float  # time of the smallest effective Mahalanobis distance (s from TCA)
    pc_lebedev: float
    pc_conj_plane: float
    mode: str  # "lebedev", "cubature", "conj_plane" or "" when not computed
    reason: str | None = None


@dataclass
class _Pop:
    """Peak-overlap relative state, covariance and effective distance at one time."""

    y: float  # MD^2 + log det(A) (the effective distance CARA minimizes)
    md2: float
    xu: FloatArray  # relative state (6,)
    ps: FloatArray  # relative 6x6 covariance
    ainv: FloatArray
    logdet: float


class _Elements:
    """Both objects' equinoctial elements and covariances at TCA, with the peak-overlap solutions
    computed so far (the searches revisit times)."""

    def __init__(self, e1: FloatArray, q1: FloatArray, e2: FloatArray, q2: FloatArray, hbr: float, gm: float):
        self.e1, self.q1, self.e2, self.q2 = e1, q1, e2, q2
        self.hbr, self.gm = hbr, gm
        self.clip = (FCLIP * hbr) ** 2
        self.cache: dict[float, _Pop | None] = {}

    def pop(self, t: float) -> _Pop | None:
        """The peak-overlap solution at ``t`` (None where the iteration did not converge)."""
        t = float(t)
        if t not in self.cache:
            xu1, xu2, p1, p2, status, _, _ = peak_overlap(
                self.e1, self.q1, self.e2, self.q2, t, self.hbr, self.clip, self.gm, STEP_FLOOR, 100
            )
            if status == 0:
                self.cache[t] = None
            else:
                xu = xu2 - xu1
                ps = p1 + p2
                lam, vec = np.linalg.eigh(0.5 * (ps[:3, :3] + ps[:3, :3].T))
                lam = np.maximum(lam, self.clip)
                ainv = (vec / lam) @ vec.T
                logdet = float(np.sum(np.log(lam)))
                md2 = float(xu[:3] @ ainv @ xu[:3])
                self.cache[t] = _Pop(md2 + logdet, md2, xu, ps, ainv, logdet)
        return self.cache[t]

    def y(self, t: float) -> float:
        p = self.pop(t)
        return math.nan if p is None else p.y


def _linear_min(els: _Elements) -> tuple[float, float, bool]:
    """Time of smallest Mahalanobis distance by Newton steps on the local straight-line motion.

    CARA's full MD^2 search: at each time the peak-overlap relative state gives the linear-motion
    time of closest approach in Mahalanobis metric; repeat until the step is below 0.1 time sigma.
    Returns (time, time sigma, converged).
    """
    t, st = 0.0, math.nan
    for it in range(1, 26):
        p = els.pop(t)
        if p is None:
            return t, st, False
        ru, vu = p.xu[:3], p.xu[3:]
        acoef = float(vu @ p.ainv @ vu)
        bhalf = float(vu @ p.ainv @ ru)
        if not acoef > 0:
            return t, st, False
        dt, st = -bhalf / acoef, math.sqrt(1.0 / acoef)
        if abs(dt) < 0.1 * st and it >= 2:
            return t, st, True
        t += dt
    return t, st, False


def _shift_min(els: _Elements, t0: float, width: float) -> tuple[float, bool]:
    """Nearest local minimum of the effective distance, searched downhill from a grid about ``t0``.

    As CARA's shift-bisect search: five nodes over ``t0 +- width``; while the smallest is at an
    end a node is added beyond it at twice the last spacing (up to 100 times: slow encounters put the
    minimum hundreds of time sigmas away), then golden-section search inside the bracket.
    """
    grid = [t0 + width * k for k in (-1.0, -0.5, 0.0, 0.5, 1.0)]
    ys = [els.y(t) for t in grid]
    for _ in range(100):
        if any(math.isnan(y) for y in ys):
            return t0, False
        k = int(np.argmin(ys))
        if 0 < k < len(grid) - 1:
            break
        if k == 0:
            grid.insert(0, grid[0] - 2.0 * (grid[1] - grid[0]))
            ys.insert(0, els.y(grid[0]))
        else:
            grid.append(grid[-1] + 2.0 * (grid[-1] - grid[-2]))
            ys.append(els.y(grid[-1]))
    else:
        return t0, False
    lo, hi = grid[k - 1], grid[k + 1]
    g = 0.5 * (math.sqrt(5.0) - 1.0)
    c, d = hi - g * (hi - lo), lo + g * (hi - lo)
    for _ in range(80):
        if hi - lo < 1e-4 * width:
            break
        if els.y(c) < els.y(d):
            hi, d = d, c
            c = hi - g * (hi - lo)
        else:
            lo, c = c, d
            d = lo + g * (hi - lo)
    tm = 0.5 * (lo + hi)
    return tm, not math.isnan(els.y(tm))


@dataclass
class _Refined:
    t: float
    delt: float
    mid: _Pop
    lo: _Pop
    hi: _Pop
    ydot: float
    ydotdot: float


def _refine(
    els: _Elements, tmd: float, tsg: float, ttol: float, itermax: int, findmin: bool
) -> _Refined | None:
    """CARA's MD2MinRefine: three-point Newton on the effective distance with step one time sigma.

    With ``findmin`` the time moves to the parabola's vertex until it moves less than ``ttol``
    sigma; otherwise only the sigma is refined. Also converged when the three Mahalanobis distances
    agree to ``ttol`` (a flat curve). None when a peak-overlap solution fails or the curve has no
    minimum.
    """
    itermin, itermed = min(2, itermax), min(4, itermax)
    mid: _Pop | None = None
    it = 0
    while True:
        it += 1
        told, sold = tmd, tsg
        delt = tsg
        lo, hi = els.pop(tmd - delt), els.pop(tmd + delt)
        if it == 1 or findmin:
            mid = els.pop(tmd)
        if lo is None or hi is None or mid is None:
            return None
        tcur = tmd
        ydot = (hi.y - lo.y) / (2 * delt)
        ydd = (hi.y - 2 * mid.y + lo.y) / delt**2
        tsg = math.sqrt(2.0 / ydd) if ydd > 0 else math.inf
        if findmin:
            tmd = tmd - ydot / ydd if ydd != 0 else math.nan
            cnvg = abs(tmd - told) < ttol * tsg
        else:
            cnvg = abs(tsg - sold) < ttol * tsg
        if not cnvg and it >= (itermed if findmin else itermin):
            conv = max(abs(1 - lo.md2 / mid.md2), abs(1 - hi.md2 / mid.md2)) if mid.md2 != 0 else math.inf
            cnvg = conv < ttol
        if math.isinf(tsg) or math.isnan(tmd):
            return None
        if cnvg and it >= itermin:
            return _Refined(tcur, delt, mid, lo, hi, ydot, ydd)
        if it > itermax:
            return None


def pc2d_hall(
    r1: FloatArray,
    v1: FloatArray,
    cov1: FloatArray,
    r2: FloatArray,
    v2: FloatArray,
    cov2: FloatArray,
    hbr: float,
    *,
    gm: float = GM_EARTH,
) -> Nc2DResult:
    """Hall's 2D-Nc Pc for one conjunction (SI; 6x6 covariances in the inertial frame)."""

    def fail(why: str) -> Nc2DResult:
        return Nc2DResult(math.nan, math.nan, math.nan, math.nan, "", why)

    x1 = np.concatenate([np.ravel(r1), np.ravel(v1)]).astype(float)
    x2 = np.concatenate([np.ravel(r2), np.ravel(v2)]).astype(float)
    c1 = np.asarray(cov1, dtype=float)
    c2 = np.asarray(cov2, dtype=float)
    if c1.shape != (6, 6) or c2.shape != (6, 6):
        return fail("2D Nc needs 6x6 covariances")
    if not (np.all(np.isfinite(x1)) and np.all(np.isfinite(x2)) and np.all(np.isfinite(c1 + c2))):
        return fail("non-finite state or covariance")
    if math.isnan(hbr):
        return fail("hard-body radius is not a number")
    if not hbr > 0:
        return Nc2DResult(0.0, 0.0, 0.0, 0.0, "conj_plane")  # no body, no collision (as hall3d)
    if math.isinf(hbr):
        return Nc2DResult(1.0, 0.0, 1.0, 1.0, "conj_plane")
    rot = reorientation([x1, x2])
    x1, c1 = rotate_state_cov(rot, x1, c1)
    x2, c2 = rotate_state_cov(rot, x2, c2)
    objs = []
    for x, c in ((x1, c1), (x2, c2)):
        if 2.0 / np.linalg.norm(x[:3]) - x[3:] @ x[3:] / gm <= 0:
            return fail("unbound orbit: 2D Nc needs elliptic orbits")
        jac = jacobian_cart_to_equinoctial(x, gm)
        objs.append((np.asarray(cart_to_equinoctial(x, gm)), jac @ c @ jac.T))
    if not all(np.all(np.isfinite(e)) for e, _ in objs):
        return fail("equinoctial elements undefined")
    els = _Elements(objs[0][0], objs[0][1], objs[1][0], objs[1][1], float(hbr), gm)
    try:
        with np.errstate(all="ignore"):
            return _solve(els, x1, c1, x2, c2, float(hbr))
    except (np.linalg.LinAlgError, ValueError, ZeroDivisionError, FloatingPointError) as exc:
        return fail(f"2D Nc failed numerically ({type(exc).__name__})")


def _solve(
    els: _Elements, x1: FloatArray, c1: FloatArray, x2: FloatArray, c2: FloatArray, hbr: float
) -> Nc2DResult:
    # CARA's route: the curvilinear refinement's points seed the search; where it gives no
    # finite time sigma or the search does not converge, the straight-line Newton from TCA.
    r, v = x2[:3] - x1[:3], x2[3:] - x1[3:]
    cl = curvilinear(els.y, r, v, (c1 + c2)[:3, :3], els.clip)
    start = search_start(els.y, cl)
    if start is not None:
        tmin, qconv = start
        ms = _refine(els, tmin, cl.sigma, 1e-3, 15, not qconv) or _refine(
            els, tmin, cl.sigma, 3e-3, 20, not qconv
        )
        return _sphere(ms, hbr) if ms is not None else _no_minimum()
    tmin, tsg, ok = _linear_min(els)
    ms = None
    if ok:
        ms = _refine(els, tmin, tsg, 1e-3, 15, True) or _refine(els, tmin, tsg, 3e-3, 20, True)
    if ms is None:
        # The local straight-line search did not settle: search the effective distance itself,
        # downhill from TCA over a grid scaled by the nominal states' straight-line time sigma.
        lam, vec = np.linalg.eigh((c1 + c2)[:3, :3])
        ainv = (vec / np.maximum(lam, (FCLIP * hbr) ** 2)) @ vec.T
        acoef = float(v @ ainv @ v)
        if not acoef > 0:
            return Nc2DResult(math.nan, math.nan, math.nan, math.nan, "", "zero relative velocity")
        tsg = math.sqrt(1.0 / acoef)
        nsig = min(max(1.0, abs(float(v @ ainv @ r) / acoef) / tsg), 10.0)
        tmin, ok = _shift_min(els, 0.0, nsig * tsg)
        if not ok:
            return Nc2DResult(
                math.nan, math.nan, math.nan, math.nan, "", "peak-overlap iteration did not converge"
            )
        ms = _refine(els, tmin, tsg, 1e-3, 15, False) or _refine(els, tmin, tsg, 3e-3, 20, False)
    if ms is None:
        return _no_minimum()
    return _sphere(ms, hbr)


def _no_minimum() -> Nc2DResult:
    return Nc2DResult(
        math.nan, math.nan, math.nan, math.nan, "", "minimum of the effective Mahalanobis distance not found"
    )


def _sphere(ms: _Refined, hbr: float) -> Nc2DResult:
    """The expansion's coefficients, the conjunction-plane estimate and the sphere integral."""
    d, d2 = ms.delt, ms.delt**2
    mid, lo, hi = ms.mid, ms.lo, ms.hi
    ru, vu = mid.xu[:3], mid.xu[3:]
    rud = (hi.xu[:3] - lo.xu[:3]) / (2 * d)
    rudd = (hi.xu[:3] - 2 * ru + lo.xu[:3]) / d2
    ainv = mid.ainv
    ainvd = (hi.ainv - lo.ainv) / (2 * d)
    ainvdd = (hi.ainv - 2 * ainv + lo.ainv) / d2
    q0, q0d, q0dd = mid.y, ms.ydot, ms.ydotdot
    ps = mid.ps
    bs = ps[3:, :3] @ ainv
    csp = ps[3:, 3:] - bs @ ps[3:, :3].T
    # Effective conjunction plane: conditional velocity at the sphere's centre, miss at its TCA.
    vup = vu - bs @ ru
    tca = -float(ru @ vup) / float(vup @ vup)
    z3 = np.zeros(3)
    pc_cp_arr, _ = pc2d(z3, z3, np.zeros((3, 3)), ru + vup * tca, vup, ps[:3, :3], hbr)
    pc_cp = float(pc_cp_arr[0])

    def integrand(u: FloatArray) -> FloatArray:
        """Time-integrated rate density at the sphere points ``u`` (3, N)."""
        vp = vu[:, None] + bs @ (hbr * u - ru[:, None])
        snu2 = np.einsum("in,in->n", u, csp @ u)
        nu0 = np.einsum("in,in->n", vp, u)
        pos = snu2 > 0
        snu = np.sqrt(np.where(pos, snu2, 1.0))
        nus = nu0 / snu / math.sqrt(2.0)
        hnu = snu * (np.exp(-(nus**2)) - math.sqrt(math.pi) * nus * erfc(nus))
        nusq = np.where(pos, hnu, np.maximum(0.0, -nu0) * math.sqrt(2 * math.pi))
        ai_u = ainv @ u
        q = q0 - hbr * np.einsum("in,in->n", 2 * ru[:, None] - hbr * u, ai_u)
        qd = (
            q0d
            - 2 * hbr * np.einsum("in,i->n", u, ainvd @ ru + ainv @ rud)
            + hbr**2 * np.einsum("in,in->n", u, ainvd @ u)
        )
        qdd = (
            q0dd
            - 2 * hbr * np.einsum("in,i->n", u, ainvdd @ ru + 2 * ainvd @ rud + ainv @ rudd)
            + hbr**2 * np.einsum("in,in->n", u, ainvdd @ u)
        )
        qstar = q - 0.5 * qd**2 / qdd
        # A negative modified distance means the sphere point is at the overlap: distance zero.
        qstar = np.where(qstar - mid.logdet < 0, mid.logdet, qstar)
        sr = np.where(qdd > 0, np.sqrt(2.0 / np.where(qdd > 0, qdd, 1.0)), np.nan)
        out: FloatArray = np.exp(-0.5 * qstar) * nusq * sr
        return out

    const = hbr**2 / math.sqrt(2 * math.pi) ** 3
    pts, wts = _SPHERE
    terms = wts * integrand(np.ascontiguousarray(pts.T))
    pc_leb = const * float(np.sum(terms))
    if math.isnan(pc_leb):
        return Nc2DResult(math.nan, ms.t, pc_leb, pc_cp, "", "2D Nc integrand undefined on the sphere")
    if pc_leb <= PC_TINY:
        return Nc2DResult(min(1.0, pc_leb), ms.t, pc_leb, pc_cp, "lebedev")
    significant = int(np.sum(terms > 1e-3 * np.max(terms)))
    need = (
        significant <= 0.025 * wts.size
        or pc_leb >= FORCE_CUBATURE_PC
        or math.isnan(pc_cp)
        or abs(pc_cp - pc_leb) > REL_DIF_CONJ_PLANE * pc_leb
    )
    if not need:
        return Nc2DResult(min(1.0, pc_leb), ms.t, pc_leb, pc_cp, "lebedev")
    lg = math.log10(pc_leb)
    rtol = 10 ** float(np.interp(lg, LOG10_PC_TABLE, LOG10_RTOL_TABLE))
    atol = rtol * pc_leb if math.isnan(pc_cp) else rtol * min(pc_leb, pc_cp)

    def f(x: FloatArray) -> FloatArray:
        phi, tht = x[:, 0], x[:, 1]
        st = np.sin(tht)
        u = np.stack([np.cos(phi) * st, np.sin(phi) * st, np.cos(tht)])
        return const * st * integrand(u)

    res = cubature(f, [0.0, 0.0], [2 * math.pi, math.pi], rtol=rtol, atol=atol, max_subdivisions=10000)
    pc_us = float(res.estimate)
    if (math.isnan(pc_us) or pc_us > 1) and not math.isnan(pc_cp):
        return Nc2DResult(min(1.0, pc_cp), ms.t, pc_leb, pc_cp, "conj_plane")
    return Nc2DResult(min(1.0, pc_us), ms.t, pc_leb, pc_cp, "cubature")
