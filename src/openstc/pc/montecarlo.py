"""Monte Carlo Pc from states and covariances, reproducible from a seed, with a confidence interval.

Both objects' states at TCA are sampled from their Gaussian covariances (6x6 when given, so
velocity uncertainty is included; 3x3 means exact velocities). Two dynamics:

* ``"linear"``: each sampled pair moves in a straight line relative to the other and a hit is a
  closest approach inside the hard-body radius (at any time), the 2D Pc's own assumptions: a check
  of the 2D integration, not of its assumptions;
* ``"two-body"``: each sampled object follows its own Keplerian orbit through a time window
  around TCA (default: Coppola's encounter bounds, at least +-60 s, at most +-half the shorter
  period); the closest approach is found on a time grid with cubic Hermite interpolation of the
  relative position and Newton refinement. A hit is an entry into the sphere within the window
  (outside at its start, inside later), CARA's rule. States are sampled as a Gaussian in equinoctial
  elements (``sampling="equinoctial"``, as CARA) so the uncertainty follows the orbit. This needs
  no short-encounter assumption and is the method to report when the 2D check fails (slow,
  long or GEO encounters).

The estimate is ``hits / trials`` with a Clopper-Pearson (exact binomial) interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numba
import numpy as np
from numpy.typing import NDArray
from scipy import stats

from openstc.pc.applicability import linear_conj_duration, orbital_period
from openstc.pc.covariance import FloatArray, as_matrices, as_vectors
from openstc.pc.equinoctial import (
    cart_to_equinoctial,
    equinoctial_to_cart,
    jacobian_cart_to_equinoctial,
    reorientation,
    rotate_state_cov,
)
from openstc.pc.twobody import GM_EARTH, kepler

#: Name openstc writes in CDMs for this method.
CDM_METHOD = "MONTE-CARLO"
#: Share of importance-sampling draws taken from the covariances themselves (defensive mixture).
IS_DEFENSIVE = 0.3


@dataclass(frozen=True)
class McResult:
    pc: FloatArray
    hits: NDArray[np.int64]
    trials: NDArray[np.int64]
    ci_low: FloatArray
    ci_high: FloatArray
    confidence: float
    std_error: FloatArray | None = None  # importance sampling: standard error of ``pc``


def clopper_pearson(
    hits: NDArray[np.int64], trials: NDArray[np.int64], confidence: float
) -> tuple[FloatArray, FloatArray]:
    """Exact binomial confidence interval for hits/trials."""
    alpha = 1.0 - confidence
    h = hits.astype(float)
    t = trials.astype(float)
    lo = np.where(h > 0, stats.beta.ppf(alpha / 2, h, t - h + 1), 0.0)
    hi = np.where(h < t, stats.beta.ppf(1 - alpha / 2, h + 1, t - h), 1.0)
    return lo, hi


def _sqrt_psd(c: FloatArray) -> FloatArray:
    # Symmetric square root via eigen-decomposition; tolerates singular (e.g. zero) covariances.
    lam, vec = np.linalg.eigh(0.5 * (c + c.T))
    return np.asarray(vec * np.sqrt(np.clip(lam, 0.0, None)), dtype=np.float64)


def _pad6(c: FloatArray) -> FloatArray:
    if c.shape[-1] == 6:
        return c
    out = np.zeros((*c.shape[:-2], 6, 6))
    out[..., :3, :3] = c
    return out


def pc_monte_carlo(
    r1: FloatArray,
    v1: FloatArray,
    cov1: FloatArray,
    r2: FloatArray,
    v2: FloatArray,
    cov2: FloatArray,
    hbr: FloatArray | float,
    *,
    trials: int = 1_000_000,
    seed: int = 0,
    confidence: float = 0.95,
    chunk: int = 500_000,
    dynamics: Literal["linear", "two-body"] = "linear",
    window_s: tuple[float, float] | None = None,
    gm: float = GM_EARTH,
    sampling: Literal["equinoctial", "cartesian"] = "equinoctial",
    importance: bool = False,
    hit_rule: Literal["closest", "entry"] = "entry",
) -> McResult:
    """Monte Carlo Pc per conjunction (same ``seed`` gives the same answer).

    ``hit_rule`` (two-body): ``"entry"`` (default) counts a pair that enters the hard-body sphere in
    the window, i.e. is outside it at the window's start and inside at some time (CARA's
    Pc_MC_Kep2body: a pair overlapping at the start is counted apart, in its ``Pc_0``, and never as
    a collision; it matters for slow and co-orbital pairs, whose overlap lasts through the window);
    ``"closest"`` counts any pair whose separation falls below the radius in the window.

    ``importance=True`` (two-body dynamics, equinoctial sampling) draws around the peak-overlap
    orbits and weights each hit by its likelihood ratio: the estimate stays unbiased and its
    standard error (``McResult.std_error``) shrinks by orders of magnitude for small Pc.
    """
    if dynamics == "two-body":
        return _two_body(
            r1,
            v1,
            cov1,
            r2,
            v2,
            cov2,
            hbr,
            trials,
            seed,
            confidence,
            window_s,
            gm,
            sampling,
            importance,
            hit_rule == "entry",
        )
    r1a, v1a, r2a, v2a = (as_vectors(a) for a in (r1, v1, r2, v2))
    n = r1a.shape[0]
    c1 = _pad6(np.broadcast_to(as_matrices(np.asarray(cov1, float)), (n, *np.asarray(cov1).shape[-2:])))
    c2 = _pad6(np.broadcast_to(as_matrices(np.asarray(cov2, float)), (n, *np.asarray(cov2).shape[-2:])))
    h = np.broadcast_to(np.asarray(hbr, dtype=np.float64), (n,))
    rng = np.random.default_rng(seed)
    hits = np.zeros(n, dtype=np.int64)
    for i in range(n):
        # Relative state x = x1 - x2 has covariance c1 + c2 (independent objects).
        mean = np.concatenate([r1a[i] - r2a[i], v1a[i] - v2a[i]])
        if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(c1[i] + c2[i])) and np.isfinite(h[i])):
            hits[i] = -1  # no estimate: flagged as NaN below
            continue
        root = _sqrt_psd(c1[i] + c2[i])
        done = 0
        while done < trials:
            m = min(chunk, trials - done)
            x = mean + rng.standard_normal((m, 6)) @ root.T
            r = x[:, :3]
            v = x[:, 3:]
            vv = np.einsum("ij,ij->i", v, v)
            with np.errstate(invalid="ignore", divide="ignore"):
                t = np.where(vv > 0, -np.einsum("ij,ij->i", r, v) / vv, 0.0)
            d = r + t[:, None] * v
            hits[i] += int(np.count_nonzero(np.einsum("ij,ij->i", d, d) < h[i] * h[i]))
            done += m
    tr = np.full(n, trials, dtype=np.int64)
    bad = hits < 0
    hits[bad] = 0
    lo, hi = clopper_pearson(hits, tr, confidence)
    pc = np.where(bad, np.nan, hits / tr)
    return McResult(pc, hits, tr, np.where(bad, np.nan, lo), np.where(bad, np.nan, hi), confidence)


@numba.njit(cache=True)
def _rel(x1: NDArray[np.float64], x2: NDArray[np.float64], t: float, gm: float) -> NDArray[np.float64]:
    a = kepler(x1[0], x1[1], x1[2], x1[3], x1[4], x1[5], t, gm)
    b = kepler(x2[0], x2[1], x2[2], x2[3], x2[4], x2[5], t, gm)
    out = np.empty(6)
    for k in range(6):
        out[k] = b[k] - a[k]
    return out


@numba.njit(cache=True)
def _min_sep2(
    x1: NDArray[np.float64], x2: NDArray[np.float64], t0: float, t1: float, nstep: int, gm: float, cut2: float
) -> float:
    """Smallest squared separation over [t0, t1] (Hermite interpolation on a grid, Newton refined)."""
    h = (t1 - t0) / nstep
    best = 1e300
    prev = _rel(x1, x2, t0, gm)
    for k in range(nstep):
        ta = t0 + k * h
        nxt = _rel(x1, x2, ta + h, gm)
        # Cubic Hermite of the relative position on [0, 1]; d(s) = |p(s)|^2, minimise over s.
        p0 = prev[:3]
        p1 = nxt[:3]
        m0 = prev[3:] * h
        m1 = nxt[3:] * h
        c0 = p0
        c1 = m0
        c2 = 3.0 * (p1 - p0) - 2.0 * m0 - m1
        c3 = 2.0 * (p0 - p1) + m0 + m1
        # Endpoints first.
        e = p0[0] ** 2 + p0[1] ** 2 + p0[2] ** 2
        if e < best:
            best = e
        # Interior minimum: Newton on f(s) = p(s).p'(s) from the linear estimate.
        dv = p1 - p0
        den = dv[0] ** 2 + dv[1] ** 2 + dv[2] ** 2
        s = 0.5 if den == 0.0 else -(p0[0] * dv[0] + p0[1] * dv[1] + p0[2] * dv[2]) / den
        s = min(max(s, 0.0), 1.0)
        for _ in range(8):
            p = c0 + s * (c1 + s * (c2 + s * c3))
            dp = c1 + s * (2.0 * c2 + 3.0 * s * c3)
            ddp = 2.0 * c2 + 6.0 * s * c3
            f = p[0] * dp[0] + p[1] * dp[1] + p[2] * dp[2]
            df = dp[0] ** 2 + dp[1] ** 2 + dp[2] ** 2 + p[0] * ddp[0] + p[1] * ddp[1] + p[2] * ddp[2]
            if df <= 0.0:
                break
            s_new = min(max(s - f / df, 0.0), 1.0)
            if abs(s_new - s) < 1e-12:
                s = s_new
                break
            s = s_new
        p = c0 + s * (c1 + s * (c2 + s * c3))
        e = p[0] ** 2 + p[1] ** 2 + p[2] ** 2
        if e < best:
            best = e
        if best < cut2:
            return best
        prev = nxt
    e = prev[0] ** 2 + prev[1] ** 2 + prev[2] ** 2
    return float(min(best, e))


@numba.njit(cache=True)
def _mc_two_body_case(
    m1: NDArray[np.float64],
    l1: NDArray[np.float64],
    m2: NDArray[np.float64],
    l2: NDArray[np.float64],
    shift: NDArray[np.float64],
    mix: NDArray[np.float64],
    mix_inv: NDArray[np.float64],
    log_det: float,
    alpha: float,
    hbr: float,
    t0: float,
    t1: float,
    nstep: int,
    trials: int,
    seed: int,
    gm: float,
    equinoctial: bool,
    entry: bool = False,
) -> tuple[int, float, float]:
    """Hits, and the sum and sum of squares of the hits' likelihood ratios (1 when not weighted).

    Both objects' standard-normal coordinates ``Z`` (12) are drawn from the defensive mixture
    ``alpha N(0, I) + (1 - alpha) q`` with ``q``: ``Z = shift + mix @ y``, ``y`` standard normal;
    object ``i`` is ``m_i + L_i Z_i``. Each hit carries the likelihood ratio
    ``p / (alpha p + (1 - alpha) q)``, where ``p / q = exp(-|Z|^2/2 + |y_q|^2/2 + log_det)`` with
    ``y_q = mix^-1 (Z - shift)`` and ``log_det = log |det mix|``: the mean of ``hit x weight`` is an
    unbiased estimate of the Pc, and the weights never exceed ``1 / alpha`` (the mixture keeps the
    estimate sound where ``q`` misses part of the collision region). ``alpha = 1``: plain sampling.
    ``entry``: a pair already inside the sphere at ``t0`` is no hit (CARA's rule, see ``hit_rule``).
    """
    np.random.seed(seed)
    hits = 0
    sw = 0.0
    sw2 = 0.0
    cut2 = hbr * hbr
    x1 = np.empty(6)
    x2 = np.empty(6)
    z = np.empty(12)
    yq = np.empty(12)
    for _ in range(trials):
        y = np.random.standard_normal(12)
        from_p = alpha >= 1.0 or np.random.random() < alpha
        for k in range(12):
            if from_p:
                z[k] = y[k]
            else:
                acc = shift[k]
                for j in range(12):
                    acc += mix[k, j] * y[j]
                z[k] = acc
        for k in range(6):
            acc1 = m1[k]
            acc2 = m2[k]
            for j in range(6):
                acc1 += l1[k, j] * z[j]
                acc2 += l2[k, j] * z[6 + j]
            x1[k] = acc1
            x2[k] = acc2
        if equinoctial:
            x1 = equinoctial_to_cart(x1, gm)
            x2 = equinoctial_to_cart(x2, gm)
        if entry:
            r0 = _rel(x1, x2, t0, gm)
            if r0[0] ** 2 + r0[1] ** 2 + r0[2] ** 2 < cut2:
                continue
        if _min_sep2(x1, x2, t0, t1, nstep, gm, cut2) < cut2:
            hits += 1
            w = 1.0
            if alpha < 1.0:
                for k in range(12):
                    acc = 0.0
                    for j in range(12):
                        acc += mix_inv[k, j] * (z[j] - shift[j])
                    yq[k] = acc
                log_pq = float(-0.5 * (z @ z) + 0.5 * (yq @ yq) + log_det)
                w = 1.0 / (alpha + (1.0 - alpha) * math.exp(min(-log_pq, 700.0)))
            sw += w
            sw2 += w * w
    return hits, sw, sw2


def _proposal(
    m1: FloatArray, l1: FloatArray, m2: FloatArray, l2: FloatArray, hbr: float, times: FloatArray, gm: float
) -> tuple[FloatArray, FloatArray, float, float]:
    """Importance-sampling proposal in the 12 standard-normal coordinates of both objects.

    Centre: Hall's peak-overlap elements (the most likely pair of orbits that meet) at the time of
    largest collision rate. Spread: unchanged except in the two directions that move the relative
    position across the encounter plane at that time, where it is narrowed to ~2 hard-body radii so
    that a good fraction of the draws hit. Returns (shift, mix, log|det mix|, that time).
    """
    from openstc.pc.hall3d import overlap_elements
    from openstc.pc.peakoverlap import STEP_FLOOR, jacobian_at

    es1, es2, t = overlap_elements(m1, l1 @ l1.T, m2, l2 @ l2.T, hbr, times, gm)
    shift = np.concatenate([_shift(l1, es1 - m1), _shift(l2, es2 - m2)])
    x1, j1 = jacobian_at(es1, t, gm, STEP_FLOOR)
    x2, j2 = jacobian_at(es2, t, gm, STEP_FLOOR)
    g = np.hstack([-j1[:3] @ l1, j2[:3] @ l2])  # d(relative position) / dZ, 3 x 12
    vrel = x2[3:] - x1[3:]
    vn = float(np.linalg.norm(vrel))
    if vn > 0:
        u = vrel / vn
        g = g - np.outer(u, u @ g)  # across the encounter plane only
    _, sv, vt = np.linalg.svd(g, full_matrices=False)
    mix = np.eye(12)
    log_det = 0.0
    for k in range(2):
        if not sv[k] > 0:
            continue
        tau = min(1.0, 2.0 * hbr / float(sv[k]))
        mix += (tau - 1.0) * np.outer(vt[k], vt[k])
        log_det += math.log(tau)
    return shift, mix, log_det, t


def _two_body(
    r1: FloatArray,
    v1: FloatArray,
    cov1: FloatArray,
    r2: FloatArray,
    v2: FloatArray,
    cov2: FloatArray,
    hbr: FloatArray | float,
    trials: int,
    seed: int,
    confidence: float,
    window_s: tuple[float, float] | None,
    gm: float,
    sampling: str,
    importance: bool = False,
    entry: bool = False,
) -> McResult:
    r1a, v1a, r2a, v2a = (as_vectors(a) for a in (r1, v1, r2, v2))
    n = r1a.shape[0]
    c1 = _pad6(np.broadcast_to(as_matrices(np.asarray(cov1, float)), (n, *np.asarray(cov1).shape[-2:])))
    c2 = _pad6(np.broadcast_to(as_matrices(np.asarray(cov2, float)), (n, *np.asarray(cov2).shape[-2:])))
    h = np.broadcast_to(np.asarray(hbr, dtype=np.float64), (n,))
    hits = np.zeros(n, dtype=np.int64)
    est = np.full(n, np.nan)
    se = np.full(n, np.nan)
    dur = linear_conj_duration(r1a, v1a, c1, r2a, v2a, c2, h)
    half_p = 0.5 * np.minimum(orbital_period(r1a, v1a, gm), orbital_period(r2a, v2a, gm))
    for i in range(n):
        if window_s is not None:
            t0, t1 = window_s
        else:
            lo = float(dur.tau0[i]) if np.isfinite(dur.tau0[i]) else -float(half_p[i])
            hi = float(dur.tau1[i]) if np.isfinite(dur.tau1[i]) else float(half_p[i])
            t0 = max(min(lo, -60.0), -float(half_p[i]))
            t1 = min(max(hi, 60.0), float(half_p[i]))
        period = 2.0 * float(half_p[i]) if np.isfinite(half_p[i]) else 6000.0
        m1 = np.concatenate([r1a[i], v1a[i]])
        m2 = np.concatenate([r2a[i], v2a[i]])
        p1, p2 = c1[i], c2[i]
        if not all(np.all(np.isfinite(a)) for a in (m1, m2, p1, p2)) or not np.isfinite(h[i]):
            hits[i] = -1
            continue
        # Equinoctial sampling needs bound orbits; otherwise sample in Cartesian coordinates.
        bound = all(2.0 / np.linalg.norm(m[:3]) - m[3:] @ m[3:] / gm > 0 for m in (m1, m2))
        eq = sampling == "equinoctial" and bound
        if eq:
            # Turn the scene away from the retrograde singularity of the elements (Pc is invariant).
            rot = reorientation([m1, m2])
            m1, p1 = rotate_state_cov(rot, m1, p1)
            m2, p2 = rotate_state_cov(rot, m2, p2)
            # Gaussian in equinoctial elements: the uncertainty follows the orbit (CARA's choice).
            j1 = jacobian_cart_to_equinoctial(m1, gm)
            j2 = jacobian_cart_to_equinoctial(m2, gm)
            p1, p2 = j1 @ p1 @ j1.T, j2 @ p2 @ j2.T
            m1, m2 = cart_to_equinoctial(m1, gm), cart_to_equinoctial(m2, gm)
            if not (np.all(np.isfinite(p1)) and np.all(np.isfinite(p2))):
                hits[i] = -1  # flagged below: no estimate for this case
                continue
        l1, l2 = _sqrt_psd(p1), _sqrt_psd(p2)
        shift, mix, log_det, alpha = np.zeros(12), np.eye(12), 0.0, 1.0
        if importance and eq:
            # Candidate times: the encounter window and a scan of +-half an orbit (a slow or curved
            # encounter can collide far from the linear TCA, as CARA's 3D-Nc violations show).
            enc = [float(dur.tau0[i]), float(dur.tau1[i])]
            enc = enc if all(map(math.isfinite, enc)) else [t0, t1]
            times = np.concatenate(
                [
                    np.linspace(min(enc), max(enc), 9),
                    np.linspace(t0, t1, 9),
                    np.linspace(-float(half_p[i]), float(half_p[i]), 41),
                ]
            )
            shift, mix, log_det, t_star = _proposal(m1, l1, m2, l2, float(h[i]), times, gm)
            alpha = IS_DEFENSIVE
            if window_s is None and not (t0 <= t_star <= t1):
                # The most likely collision lies outside the default window: cover it too.
                t0 = max(min(t0, t_star - 60.0), -float(half_p[i]))
                t1 = min(max(t1, t_star + 60.0), float(half_p[i]))
        # Grid fine enough for the Hermite interpolation: ~1/400 of the period per step.
        nstep = max(2, math.ceil((t1 - t0) / (period / 400.0)))
        n_hit, sw, sw2 = _mc_two_body_case(
            m1,
            l1,
            m2,
            l2,
            shift,
            mix,
            np.asarray(np.linalg.inv(mix), dtype=np.float64),
            log_det,
            alpha,
            float(h[i]),
            t0,
            t1,
            nstep,
            trials,
            seed + i,
            gm,
            eq,
            entry,
        )
        hits[i] = n_hit
        est[i] = sw / trials
        # Standard error of the mean of hit x weight over the trials.
        se[i] = math.sqrt(max(sw2 / trials - est[i] ** 2, 0.0) / max(trials - 1, 1))
    tr = np.full(n, trials, dtype=np.int64)
    bad = hits < 0
    hits[bad] = 0
    lo_ci, hi_ci = clopper_pearson(hits, tr, confidence)
    weighted = np.isfinite(se) & (se >= 0) & importance
    if np.any(weighted):
        # Importance sampling: normal interval of the weighted mean (many hits by construction).
        zq = float(stats.norm.ppf(0.5 + 0.5 * confidence))
        lo_ci = np.where(weighted, np.maximum(est - zq * se, 0.0), lo_ci)
        hi_ci = np.where(weighted, np.minimum(est + zq * se, 1.0), hi_ci)
    pc = np.where(bad, np.nan, np.where(weighted, est, hits / tr))
    return McResult(
        pc,
        hits,
        tr,
        np.where(bad, np.nan, lo_ci),
        np.where(bad, np.nan, hi_ci),
        confidence,
        np.where(bad | ~weighted, np.nan, se),
    )


def _shift(root: FloatArray, d: FloatArray) -> FloatArray:
    """``a`` with ``root @ a`` closest to the element shift ``d`` (mean longitude wrapped)."""
    d = np.array(d, dtype=float)
    d[5] = (d[5] + math.pi) % (2 * math.pi) - math.pi
    return np.asarray(np.linalg.lstsq(root, d, rcond=None)[0])
