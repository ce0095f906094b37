"""Monte Carlo Pc from states and covariances, reproducible from a seed, with a confidence interval.

Both objects' states at TCA are sampled from their Gaussian covariances (6x6 when given, so
velocity uncertainty is included; 3x3 means exact velocities). Two dynamics:

* ``"linear"``: each sampled pair moves in a straight line relative to the other and a hit is a
  closest approach inside the hard-body radius (at any time), the 2D Pc's own assumptions: a check
  of the 2D integration, not of its assumptions;
* ``"two-body"``: each sampled object follows its own Keplerian orbit through a time window
  around TCA (default: Coppola's encounter bounds, at least +-60 s, at most +-half the shorter
  period); the closest approach is found on a time grid with cubic Hermite interpolation of the
  relative position and Newton refinement. States are sampled as a Gaussian in equinoctial
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


@dataclass(frozen=True)
class McResult:
    pc: FloatArray
    hits: NDArray[np.int64]
    trials: NDArray[np.int64]
    ci_low: FloatArray
    ci_high: FloatArray
    confidence: float


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
) -> McResult:
    """Monte Carlo Pc per conjunction (same ``seed`` gives the same answer)."""
    if dynamics == "two-body":
        return _two_body(r1, v1, cov1, r2, v2, cov2, hbr, trials, seed, confidence, window_s, gm, sampling)
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
    hbr: float,
    t0: float,
    t1: float,
    nstep: int,
    trials: int,
    seed: int,
    gm: float,
    equinoctial: bool,
) -> int:
    np.random.seed(seed)
    hits = 0
    cut2 = hbr * hbr
    x1 = np.empty(6)
    x2 = np.empty(6)
    for _ in range(trials):
        z1 = np.random.standard_normal(6)
        z2 = np.random.standard_normal(6)
        for k in range(6):
            acc1 = m1[k]
            acc2 = m2[k]
            for j in range(6):
                acc1 += l1[k, j] * z1[j]
                acc2 += l2[k, j] * z2[j]
            x1[k] = acc1
            x2[k] = acc2
        if equinoctial:
            x1 = equinoctial_to_cart(x1, gm)
            x2 = equinoctial_to_cart(x2, gm)
        if _min_sep2(x1, x2, t0, t1, nstep, gm, cut2) < cut2:
            hits += 1
    return hits


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
) -> McResult:
    r1a, v1a, r2a, v2a = (as_vectors(a) for a in (r1, v1, r2, v2))
    n = r1a.shape[0]
    c1 = _pad6(np.broadcast_to(as_matrices(np.asarray(cov1, float)), (n, *np.asarray(cov1).shape[-2:])))
    c2 = _pad6(np.broadcast_to(as_matrices(np.asarray(cov2, float)), (n, *np.asarray(cov2).shape[-2:])))
    h = np.broadcast_to(np.asarray(hbr, dtype=np.float64), (n,))
    hits = np.zeros(n, dtype=np.int64)
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
        # Grid fine enough for the Hermite interpolation: ~1/400 of the period per step.
        period = 2.0 * float(half_p[i]) if np.isfinite(half_p[i]) else 6000.0
        nstep = max(2, math.ceil((t1 - t0) / (period / 400.0)))
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
        hits[i] = _mc_two_body_case(
            m1, _sqrt_psd(p1), m2, _sqrt_psd(p2), float(h[i]), t0, t1, nstep, trials, seed + i, gm, eq
        )
    tr = np.full(n, trials, dtype=np.int64)
    bad = hits < 0
    hits[bad] = 0
    lo_ci, hi_ci = clopper_pearson(hits, tr, confidence)
    pc = np.where(bad, np.nan, hits / tr)
    return McResult(pc, hits, tr, np.where(bad, np.nan, lo_ci), np.where(bad, np.nan, hi_ci), confidence)
