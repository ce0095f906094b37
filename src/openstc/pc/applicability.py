"""When does the 2D Pc hold? Linear TCA refinement, encounter duration and CARA's usage checks.

The 2D methods assume a short encounter: straight-line relative motion with constant covariance
over the time the objects' uncertainty regions overlap. CARA tests this (``UsageViolationPc2D``)
by comparing the conjunction's duration with the orbital period; this module does the same
rectilinear part of that test:

* ``dtau``: the duration of the encounter under linear motion, from Coppola's (2012) bounds with
  ``gamma = 1e-16`` (the probability mass left outside the interval), combined covariance;
* **extended**: ``2 dtau / P_min > 0.02`` (``P_min`` the shorter orbital period);
* **offset**: ``max(|Ta|, |Tb|) / P_min > 0.01`` (the encounter does not straddle the TCA);
* **NPD**: a position covariance (either object's or the relative one) that is not positive
  definite.

* **inaccurate**: the curvilinear estimate of the Pc differs from the rectilinear one by more than
  2% (``1 - exp(-|log correction|) > 0.02``). A cheap screen first: both objects' means and
  covariances are propagated with two-body motion around the rectilinear peak-overlap time, and
  the time of the peak, its spread, the relative speed there and the overlap function
  ``Q = r^T A^-1 r + ln det A`` give the log correction ``ln(s_CL/s_RL) + ln(V_CL/V_RL) +
  (Q_RL - Q_CL)/2`` (Hall et al.), linearized about the means. Where that screen exceeds 0.2%
  (or fails), the correction is taken from Hall's 3D Nc itself (:mod:`openstc.pc.hall3d`, linearized
  at the peak-overlap point as CARA does) against the 2D Pc: ``ln(Nc / Pc_2D)``. On CARA's 53 real
  conjunctions this reproduces CARA's verdict in every case.

Any violation means the 2D Pc may be wrong (for slow, long or GEO encounters by many orders of
magnitude) and a method that does not assume a short encounter should be reported instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import special

from openstc.pc.covariance import FCLIP, FloatArray, as_matrices, as_vectors, position_block
from openstc.pc.twobody import stm

#: Earth's gravitational parameter used for periods (m^3/s^2, EGM-96 value as CARA).
GM_EARTH = 3.986004418e14

EXTENDED_CUTOFF = 0.02
OFFSET_CUTOFF = 0.01
INACCURATE_CUTOFF = 0.02
CONJ_DURATION_GAMMA = 1e-16


def refine_tca_linear(
    r1: FloatArray, v1: FloatArray, r2: FloatArray, v2: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Offset (s) from the given epoch to the linear-motion closest approach, and both positions there.

    Returns ``(dt, r1_ca, r2_ca)``; ``dt`` is NaN where the relative velocity is zero.
    """
    r1a, v1a, r2a, v2a = (as_vectors(a) for a in (r1, v1, r2, v2))
    v = v2a - v1a
    vv = np.einsum("ij,ij->i", v, v)
    with np.errstate(invalid="ignore", divide="ignore"):
        dt = np.where(vv > 0, -np.einsum("ij,ij->i", r2a - r1a, v) / vv, np.nan)
    step = np.nan_to_num(dt)[:, None]
    return dt, r1a + step * v1a, r2a + step * v2a


@dataclass(frozen=True)
class ConjDuration:
    """Coppola linear-motion encounter bounds (s, relative to the given epoch)."""

    tau0: FloatArray
    tau1: FloatArray
    dtau: FloatArray
    taum: FloatArray
    delt: FloatArray


def linear_conj_duration(
    r1: FloatArray,
    v1: FloatArray,
    cov1: FloatArray,
    r2: FloatArray,
    v2: FloatArray,
    cov2: FloatArray,
    hbr: FloatArray | float,
    gamma: float = CONJ_DURATION_GAMMA,
) -> ConjDuration:
    """Encounter-duration bounds under linear motion (Coppola 2012; Hall et al. AAS 18-244)."""
    r1a, v1a, r2a, v2a = (as_vectors(a) for a in (r1, v1, r2, v2))
    c1 = np.asarray(cov1, dtype=np.float64)
    c2 = np.asarray(cov2, dtype=np.float64)
    a = position_block(as_matrices(c1)) + position_block(as_matrices(c2))
    r = r2a - r1a
    v = v2a - v1a
    n = r.shape[0]
    h = np.broadcast_to(np.asarray(hbr, dtype=np.float64), (n,))
    vmag = np.linalg.norm(v, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        xh = v / vmag[:, None]
        yh = r - xh * np.einsum("ij,ij->i", xh, r)[:, None]
        yh = yh / np.linalg.norm(yh, axis=-1, keepdims=True)
        zh = np.cross(xh, yh)
        rot = np.stack([xh, yh, zh], axis=-2)
        rce = np.einsum("nij,nj->ni", rot, r)
        ace = rot @ a @ np.swapaxes(rot, -1, -2)
        eta2 = ace[:, 0, 0]
        w = ace[:, 1:3, 0]
        pc = ace[:, 1:3, 1:3]
        # Closed-form 2x2 solve: a singular block (no covariance across the relative velocity) gives
        # inf/NaN bounds for that case instead of a LinAlgError for the whole batch.
        det = pc[:, 0, 0] * pc[:, 1, 1] - pc[:, 0, 1] * pc[:, 1, 0]
        det = np.where(det > 0, det, np.nan)
        b = np.stack(
            [
                (pc[:, 1, 1] * w[:, 0] - pc[:, 0, 1] * w[:, 1]) / det,
                (pc[:, 0, 0] * w[:, 1] - pc[:, 1, 0] * w[:, 0]) / det,
            ],
            axis=-1,
        )
        sv2 = np.sqrt(np.maximum(0.0, 2.0 * (eta2 - np.einsum("ij,ij->i", b, w))))
        q0 = np.einsum("ij,ij->i", b, rce[:, 1:3])
        btb = np.einsum("ij,ij->i", b, b)
        dmin = -h * np.sqrt(btb)
        dmax = h * np.sqrt(1.0 + btb)
        ac = special.erfcinv(gamma)
        tau0 = (-ac * sv2 + q0 - dmax) / vmag
        tau1 = (ac * sv2 + q0 - dmin) / vmag
    still = ~(vmag > 0)
    tau0 = np.where(still, -np.inf, tau0)
    tau1 = np.where(still, np.inf, tau1)
    with np.errstate(invalid="ignore"):
        dtau = tau1 - tau0
        taum = 0.5 * (tau1 + tau0)
        delt = np.maximum(dtau, np.maximum(np.abs(tau0), np.abs(tau1)))
    return ConjDuration(tau0, tau1, dtau, taum, delt)


def orbital_period(r: FloatArray, v: FloatArray, gm: float = GM_EARTH) -> FloatArray:
    """Two-body period (s) from inertial position (m) and velocity (m/s); inf for unbound orbits."""
    ra = as_vectors(r)
    va = as_vectors(v)
    energy = 0.5 * np.einsum("ij,ij->i", va, va) - gm / np.linalg.norm(ra, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        sma = -gm / (2.0 * energy)
        return np.where(sma > 0, 2.0 * np.pi * np.sqrt(np.abs(sma) ** 3 / gm), np.inf)


@dataclass(frozen=True)
class Applicability:
    """CARA-style 2D usage-violation verdict (vectorized)."""

    extended: FloatArray  # 2 dtau / P_min (capped at 1)
    offset: FloatArray  # max(|Ta|, |Tb|) / P_min (capped at 1)
    npd: NDArray[np.bool_]  # a position covariance is not positive definite
    t_peak: FloatArray  # time of the peak overlap (s; curvilinear when available)
    sigma_t: FloatArray  # its time spread (s)
    inaccurate: FloatArray  # 1 - exp(-|log Pc correction|), NaN when not evaluated
    valid_2d: NDArray[np.bool_]  # no violation: 2D Pc is applicable
    nc3d: FloatArray  # Hall 3D-Nc Pc where the check computed it, else NaN

    def reasons(self, i: int) -> list[str]:
        """Human reasons for case ``i`` (empty when 2D holds)."""
        out = []
        if self.extended[i] > EXTENDED_CUTOFF:
            out.append(f"extended encounter: duration is {self.extended[i]:.3g} of the orbital period")
        if self.offset[i] > OFFSET_CUTOFF:
            out.append(f"encounter offset from TCA by {self.offset[i]:.3g} of the orbital period")
        if self.inaccurate[i] > INACCURATE_CUTOFF:
            out.append(f"curved relative motion changes the Pc by {100 * self.inaccurate[i]:.3g}% or more")
        if self.npd[i]:
            out.append("a position covariance is not positive definite")
        if not (np.isfinite(self.extended[i]) and np.isfinite(self.offset[i])):
            out.append("encounter duration could not be computed")
        return out


def _npd3(c: FloatArray) -> NDArray[np.bool_]:
    ok = np.all(np.isfinite(c), axis=(-1, -2))
    safe = np.where(ok[..., None, None], c, np.eye(3))
    with np.errstate(invalid="ignore"):
        pd = np.all(np.linalg.eigvalsh(safe) > 0, axis=-1)
    return np.asarray(~(pd & ok), dtype=bool)


def assess_2d(
    r1: FloatArray,
    v1: FloatArray,
    cov1: FloatArray,
    r2: FloatArray,
    v2: FloatArray,
    cov2: FloatArray,
    hbr: FloatArray | float,
    *,
    gm: float = GM_EARTH,
    curvilinear: bool = True,
    refine_with_nc3d: bool = True,
) -> Applicability:
    """Check the short-encounter assumptions of the 2D Pc as CARA does.

    Inputs in SI (m, m/s, m^2; 6x6 covariances use the velocity part in the curvilinear check):
    the periods and the two-body motion need physical units.
    """
    r1a, v1a, r2a, v2a = (as_vectors(a) for a in (r1, v1, r2, v2))
    c1 = np.asarray(cov1, dtype=np.float64)
    c2 = np.asarray(cov2, dtype=np.float64)
    p1 = position_block(as_matrices(c1))
    p2 = position_block(as_matrices(c2))
    n = r1a.shape[0]
    p1 = np.broadcast_to(p1, (n, 3, 3))
    p2 = np.broadcast_to(p2, (n, 3, 3))
    h = np.broadcast_to(np.asarray(hbr, dtype=np.float64), (n,))
    a = p1 + p2
    finite = np.all(np.isfinite(a), axis=(-1, -2))
    a_safe = np.where(finite[:, None, None], a, np.eye(3))
    lam, vec = np.linalg.eigh(a_safe)
    npd_rel = np.any(lam <= 0, axis=-1) | ~finite
    clip = np.where(np.isfinite(h), (FCLIP * h) ** 2, 0.0)[:, None]
    lam = np.maximum(lam, np.maximum(clip, np.finfo(float).tiny))
    ainv = vec @ (np.swapaxes(vec, -1, -2) / lam[..., None])
    r = r2a - r1a
    v = v2a - v1a
    rav = np.einsum("ni,nij,nj->n", r, ainv, v)
    vav = np.einsum("ni,nij,nj->n", v, ainv, v)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(rav == 0, 0.0, -rav / vav)
        sigma_t = 1.0 / np.sqrt(vav)
    inaccurate = np.full(n, np.nan)
    if curvilinear:
        c1f = _as6(np.broadcast_to(as_matrices(c1), (n, *c1.shape[-2:])))
        c2f = _as6(np.broadcast_to(as_matrices(c2), (n, *c2.shape[-2:])))
        for i in range(n):
            if not (np.isfinite(sigma_t[i]) and np.isfinite(t[i]) and finite[i]):
                continue
            res = _curvilinear(
                np.concatenate([r1a[i], v1a[i]]),
                c1f[i],
                np.concatenate([r2a[i], v2a[i]]),
                c2f[i],
                float(clip[i, 0]),
                float(t[i]),
                float(sigma_t[i]),
                ainv[i],
                float(np.sum(np.log(lam[i]))),
                gm,
            )
            if res is not None:
                t[i], sigma_t[i], inaccurate[i] = res
    nc3d = np.full(n, np.nan)
    if curvilinear and refine_with_nc3d:
        _refine_with_nc3d(r1a, v1a, c1, r2a, v2a, c2, h, finite, inaccurate, nc3d, gm)
    dtau = sigma_t * np.sqrt(2.0) * special.erfcinv(CONJ_DURATION_GAMMA)
    ta = t - dtau
    tb = t + dtau
    pmin = np.minimum(orbital_period(r1a, v1a, gm), orbital_period(r2a, v2a, gm))
    with np.errstate(invalid="ignore", divide="ignore"):
        extended = np.minimum(1.0, 2.0 * dtau / pmin)
        offset = np.minimum(1.0, np.maximum(np.abs(ta), np.abs(tb)) / pmin)
    npd = _npd3(p1) | _npd3(p2) | npd_rel
    valid = (extended <= EXTENDED_CUTOFF) & (offset <= OFFSET_CUTOFF) & ~npd
    valid &= ~(inaccurate > INACCURATE_CUTOFF)
    return Applicability(extended, offset, npd, t, sigma_t, inaccurate, valid, nc3d)


SCREEN_CUTOFF = 0.002  # cheap indicator above which the 3D Nc decides
NC3D_CHECK_EVALS = 400  # rate evaluations allowed to the 3D Nc inside the check (~170 typical)


def _refine_with_nc3d(
    r1: FloatArray,
    v1: FloatArray,
    c1: FloatArray,
    r2: FloatArray,
    v2: FloatArray,
    c2: FloatArray,
    hbr: FloatArray,
    finite: NDArray[np.bool_],
    inaccurate: FloatArray,
    nc3d: FloatArray,
    gm: float,
) -> None:
    # Imported here: hall3d uses this module's encounter bounds.
    from openstc.pc import foster, hall3d

    n = r1.shape[0]
    c1f = _as6(np.broadcast_to(as_matrices(c1), (n, *c1.shape[-2:])))
    c2f = _as6(np.broadcast_to(as_matrices(c2), (n, *c2.shape[-2:])))
    todo = np.flatnonzero(finite & ~(inaccurate <= SCREEN_CUTOFF) & np.isfinite(hbr) & (hbr > 0))
    if todo.size == 0:
        return
    p2d, _ = foster.pc2d(r1[todo], v1[todo], c1f[todo], r2[todo], v2[todo], c2f[todo], hbr[todo])
    for k, i in enumerate(todo):
        res = hall3d.pc3d_hall(
            r1[i], v1[i], c1f[i], r2[i], v2[i], c2f[i], float(hbr[i]), gm=gm, max_evals=NC3D_CHECK_EVALS
        )
        if not np.isfinite(res.pc):
            continue  # keep the screen's value
        nc3d[i] = res.pc
        p = float(p2d[k])
        if res.pc > 0 and p > 0:
            inaccurate[i] = 1.0 - math.exp(-abs(math.log(res.pc / p)))
        else:
            inaccurate[i] = 0.0 if res.pc == p else 1.0


def _as6(c: FloatArray) -> FloatArray:
    if c.shape[-1] == 6:
        return np.asarray(c, dtype=np.float64)
    out = np.zeros((*c.shape[:-2], 6, 6))
    out[..., :3, :3] = c
    return out


def _overlap_q(
    t: float, x1: FloatArray, c1: FloatArray, x2: FloatArray, c2: FloatArray, clip: float, gm: float
) -> tuple[float, float]:
    """Q(t) = r^T A^-1 r + ln det A under two-body motion, and the relative speed at t."""
    s1, p1 = stm(x1, t, gm)
    s2, p2 = stm(x2, t, gm)
    a = (p1 @ c1 @ p1.T)[:3, :3] + (p2 @ c2 @ p2.T)[:3, :3]
    lam, vec = np.linalg.eigh(0.5 * (a + a.T))
    lam = np.maximum(lam, max(clip, np.finfo(float).tiny))
    r = s2[:3] - s1[:3]
    y = vec.T @ r
    return float(np.sum(y * y / lam) + np.sum(np.log(lam))), float(np.linalg.norm(s2[3:] - s1[3:]))


def _curvilinear(
    x1: FloatArray,
    c1: FloatArray,
    x2: FloatArray,
    c2: FloatArray,
    clip: float,
    t_rl: float,
    s_rl: float,
    ainv: FloatArray,
    logdet: float,
    gm: float,
) -> tuple[float, float, float] | None:
    """Curvilinear peak time, time spread and 'inaccurate' indicator; None if no peak is found."""
    r = x2[:3] - x1[:3]
    v = x2[3:] - x1[3:]
    q_rl = float(r @ ainv @ r + 2 * t_rl * (r @ ainv @ v) + t_rl**2 * (v @ ainv @ v)) + logdet
    v_rl = float(np.linalg.norm(v))
    tc, sc = t_rl, s_rl
    qc = vc = math.nan
    for _ in range(6):
        ts = np.array([tc - sc, tc, tc + sc])
        qv = [_overlap_q(float(tt), x1, c1, x2, c2, clip, gm) for tt in ts]
        q = np.array([a for a, _ in qv])
        qdd = (q[2] - 2 * q[1] + q[0]) / sc**2
        if not (qdd > 0 and np.all(np.isfinite(q))):
            return None
        t_new = tc - (q[2] - q[0]) / (2 * sc) / qdd
        # Do not jump further than a few spreads per step; the parabola is local.
        t_new = min(max(t_new, tc - 3 * sc), tc + 3 * sc)
        s_new = math.sqrt(2.0 / qdd)
        done = abs(t_new - tc) < 0.01 * s_new and abs(s_new - sc) < 0.01 * s_new
        tc, sc = t_new, s_new
        if done:
            break
    qc, vc = _overlap_q(tc, x1, c1, x2, c2, clip, gm)
    log_corr = math.log(sc / s_rl) + math.log(vc / v_rl) + (q_rl - qc) / 2.0
    return tc, sc, 1.0 - math.exp(-abs(log_corr))
