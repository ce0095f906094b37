"""3D collision probability by Hall's expected number of collisions, Nc (Hall 2021; CARA Pc3D_Hall).

For long, slow or strongly curved encounters the 2D assumptions fail; Hall's 3D-Nc integrates, over
time, the rate at which the relative position enters the hard-body sphere:

``Nc = integral dt  R^2  oint dOmega  p_r(R u) E[max(0, -u . v) | r = R u]``

with the relative position density ``p_r`` and the conditional relative velocity taken from both
objects' two-body motion. The uncertainty of each object is a Gaussian in equinoctial elements at
TCA (it follows the orbit), propagated to each time by two-body motion and linearized at the
*peak-overlap point*: the most likely pair of states whose positions coincide, found by fixed-point
iteration, where the linearization matters for the tail probabilities. ``Pc = min(1, Nc)``, an
upper bound of the probability that is tight when Pc is small.

Time: Coppola's linear-motion encounter bounds (gamma 1e-16), or bounds the caller gives; the rate
is sampled on a uniform grid that is doubled until the integral converges. Sphere: product
Gauss-Legendre (polar) x trapezoid (azimuth) rule.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numba
import numpy as np
from scipy import special

from openstc.pc.applicability import linear_conj_duration, orbital_period
from openstc.pc.covariance import FCLIP, FloatArray
from openstc.pc.equinoctial import (
    cart_to_equinoctial,
    equinoctial_to_cart,
    jacobian_cart_to_equinoctial,
    reorientation,
    rotate_state_cov,
)
from openstc.pc.twobody import GM_EARTH

#: Name openstc writes in CDMs for this method.
CDM_METHOD = "HALL-2021-NC3D"


def _sphere(n_polar: int = 24, n_azimuth: int = 48) -> tuple[FloatArray, FloatArray]:
    """Unit-sphere rule with the poles on z and a panel break at the equator.

    The velocity factor max(0, -u.v) has a kink on the great circle normal to the relative
    velocity; the rule is used with z along the relative velocity so that the kink lies on the
    panel break and both hemispheres are integrated to spectral accuracy.
    """
    x, w = np.polynomial.legendre.leggauss(n_polar)
    ct = np.concatenate([0.5 * (x - 1.0), 0.5 * (x + 1.0)])
    wc = np.concatenate([0.5 * w, 0.5 * w])
    phi = (np.arange(n_azimuth) + 0.5) * (2 * np.pi / n_azimuth)
    ctr = np.repeat(ct, n_azimuth)
    st = np.sqrt(1 - ctr**2)
    ph = np.tile(phi, ct.size)
    pts = np.stack([st * np.cos(ph), st * np.sin(ph), ctr], axis=-1)
    wts = np.repeat(wc, n_azimuth) * (2 * np.pi / n_azimuth)
    return pts, wts


def _basis_along(v: FloatArray) -> FloatArray:
    """Rotation whose third row is v's direction (rows: e1, e2, v_hat)."""
    z = v / np.linalg.norm(v)
    a = np.array([1.0, 0.0, 0.0]) if abs(z[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    x = np.cross(a, z)
    x /= np.linalg.norm(x)
    return np.stack([x, np.cross(z, x), z])


_SPHERE = _sphere(16, 32)


@numba.njit(cache=True)
def _state_at(e: FloatArray, t: float, gm: float) -> FloatArray:
    et = e.copy()
    et[5] = et[5] + et[0] * t
    return equinoctial_to_cart(et, gm)


_STEP_FLOOR = np.array([1e-12, 1e-9, 1e-9, 1e-9, 1e-9, 1e-9])


@numba.njit(cache=True)
def _jac_at(e: FloatArray, t: float, gm: float, floor: FloatArray) -> tuple[FloatArray, FloatArray]:
    """State at ``t`` from elements ``e`` (at TCA) and its 6x6 Jacobian d x(t) / d e."""
    x0 = _state_at(e, t, gm)
    jac = np.empty((6, 6))
    for k in range(6):
        step = max(abs(e[k]) * 1e-7, floor[k])
        ep = e.copy()
        em = e.copy()
        ep[k] += step
        em[k] -= step
        jac[:, k] = (_state_at(ep, t, gm) - _state_at(em, t, gm)) / (2 * step)
    return x0, jac


@numba.njit(cache=True)
def _inv_clip(a: FloatArray, clip: float) -> tuple[FloatArray, float]:
    lam, vec = np.linalg.eigh(0.5 * (a + a.T))
    lam = np.maximum(lam, clip)
    return (vec / lam) @ vec.T, float(np.sum(np.log(lam)))


@numba.njit(cache=True)
def _linearize(
    e: FloatArray, q: FloatArray, es: FloatArray, t: float, gm: float, floor: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Mean state at ``t``, position-velocity covariance and Jacobian, linearized at elements ``es``."""
    xs, js = _jac_at(es, t, gm, floor)
    de = e - es
    # Wrap the mean-longitude difference to (-pi, pi] (Python's float modulo, as numba keeps it).
    de[5] = (de[5] + math.pi) % (2 * math.pi) - math.pi
    p = js @ q @ js.T
    return xs + js @ de, np.ascontiguousarray(p), js


@numba.njit(cache=True)
def _peak_overlap(
    e1: FloatArray,
    q1: FloatArray,
    e2: FloatArray,
    q2: FloatArray,
    t: float,
    hbr: float,
    clip: float,
    gm: float,
    floor: FloatArray,
    maxiter: int,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Both objects' mean states and covariances at ``t``, linearized at the peak-overlap point.

    Compiled: the fixed-point iteration is dozens of 6x6 operations per time node, which in numpy
    cost far more in call overhead than in arithmetic.
    """
    es1 = e1.copy()
    es2 = e2.copy()
    eye3 = np.eye(3)
    mu_old = np.zeros(3)
    xu1, p1, j1 = _linearize(e1, q1, es1, t, gm, floor)
    xu2, p2, j2 = _linearize(e2, q2, es2, t, gm, floor)
    for it in range(maxiter):
        if it > 0:
            xu1, p1, j1 = _linearize(e1, q1, es1, t, gm, floor)
            xu2, p2, j2 = _linearize(e2, q2, es2, t, gm, floor)
        a1 = np.ascontiguousarray(p1[:3, :3])
        a2 = np.ascontiguousarray(p2[:3, :3])
        a1inv, _ = _inv_clip(a1, clip)
        a2inv, _ = _inv_clip(a2, clip)
        sig = np.linalg.inv(a1inv + a2inv)
        mu = sig @ (a1inv @ xu1[:3] + a2inv @ xu2[:3])
        if it > 0:
            d = mu - mu_old
            if d @ np.linalg.solve(sig + eye3 * hbr**2, d) < 1e-12:
                break
        mu_old = mu
        # Re-linearize each object at its most likely elements that put it at the overlap point.
        jr1 = np.ascontiguousarray(j1[:3])
        jr2 = np.ascontiguousarray(j2[:3])
        g1 = q1 @ jr1.T @ np.linalg.inv(a1 + eye3 * clip)
        g2 = q2 @ jr2.T @ np.linalg.inv(a2 + eye3 * clip)
        es1 = e1 + g1 @ (mu - xu1[:3])
        es2 = e2 + g2 @ (mu - xu2[:3])
        # Keep the linearization point a bound orbit (CARA bounds the energy change similarly).
        es1[0] = min(max(es1[0], 0.5 * e1[0]), 2.0 * e1[0])
        es2[0] = min(max(es2[0], 0.5 * e2[0]), 2.0 * e2[0])
    return xu1, xu2, p1, p2


@dataclass
class _Obj:
    e: FloatArray  # mean equinoctial elements at TCA
    q: FloatArray  # their covariance


def _ncdot(t: float, o1: _Obj, o2: _Obj, hbr: float, gm: float, maxiter: int = 60) -> float:
    """Collision rate at time ``t`` (1/s), linearized at the peak-overlap point."""
    clip = (FCLIP * hbr) ** 2
    xu0, xu1, p0, p1 = _peak_overlap(o1.e, o1.q, o2.e, o2.q, float(t), hbr, clip, gm, _STEP_FLOOR, maxiter)
    xu = [xu0, xu1]
    ptot = p0 + p1
    ru = xu[1][:3] - xu[0][:3]
    vu = xu[1][3:] - xu[0][3:]
    a = np.ascontiguousarray(ptot[:3, :3])
    ainv, logdet = _inv_clip(a, clip)
    b = ptot[3:, :3] @ ainv
    cs = ptot[3:, 3:] - b @ ptot[3:, :3].T
    u, w = _SPHERE
    if np.linalg.norm(vu) > 0:
        u = u @ _basis_along(vu)
    dr = hbr * u - ru
    md2 = np.einsum("ij,jk,ik->i", dr, ainv, dr)
    log_norm = -1.5 * math.log(2 * math.pi) - 0.5 * logdet
    dens = np.exp(log_norm - 0.5 * md2)
    sig2 = np.einsum("ij,jk,ik->i", u, cs, u)
    nu0 = np.einsum("ij,ij->i", u, vu[None, :] + dr @ b.T)
    sig = np.sqrt(np.maximum(sig2, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        nus = nu0 / (sig * math.sqrt(2.0))
        h = np.exp(-(nus**2)) - math.sqrt(math.pi) * nus * special.erfc(nus)
        nu = np.where(sig > 0, sig * h / math.sqrt(2 * math.pi), np.maximum(0.0, -nu0))
    return float(hbr**2 * np.sum(w * nu * dens))


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
    n_initial: int = 33,
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
    if window_s is None:
        dur = linear_conj_duration(x1[:3], x1[3:], c1, x2[:3], x2[3:], c2, hbr)
        t0 = max(float(dur.tau0[0]), -half) if np.isfinite(dur.tau0[0]) else -half
        t1 = min(float(dur.tau1[0]), half) if np.isfinite(dur.tau1[0]) else half
        expand = True
    else:
        t0, t1 = window_s
        expand = False
    if not (t1 > t0):
        return Nc3DResult(math.nan, math.nan, t0, t1, "encounter time bounds could not be found")
    cache: dict[float, float] = {}

    def rate(t: float) -> float:
        if t not in cache:
            if len(cache) >= max_evals:
                raise _BudgetError
            cache[t] = _ncdot(t, objs[0], objs[1], hbr, gm)
        return cache[t]

    nc = math.nan
    try:
        with np.errstate(all="ignore"):
            nc, t0, t1 = _integrate(rate, t0, t1, half, expand, n_initial, rtol)
    except _BudgetError:
        return Nc3DResult(math.nan, math.nan, t0, t1, "3D Nc did not converge within its evaluation budget")
    except (np.linalg.LinAlgError, ValueError, ZeroDivisionError, FloatingPointError) as exc:
        return Nc3DResult(math.nan, math.nan, t0, t1, f"3D Nc failed numerically ({type(exc).__name__})")
    if not math.isfinite(nc):
        return Nc3DResult(math.nan, nc, t0, t1, "3D Nc integration did not converge")
    return Nc3DResult(min(1.0, nc), nc, t0, t1)


class _BudgetError(Exception):
    """Internal: the rate-evaluation budget is spent."""

    pass


def _integrate(
    rate: Callable[[float], float],
    t0: float,
    t1: float,
    half: float,
    expand: bool,
    n_initial: int,
    rtol: float,
) -> tuple[float, float, float]:
    """Trapezoid rule on a doubling grid; widen the window where the rate has not died out."""
    nc = math.nan
    for _ in range(12):
        n = n_initial
        prev = math.nan
        while n <= 4097:
            ts = np.linspace(t0, t1, n)
            vals = np.array([rate(float(t)) for t in ts])
            nc = float(np.trapezoid(vals, ts))
            if np.isfinite(prev) and abs(nc - prev) <= rtol * max(abs(nc), 1e-300):
                break
            prev = nc
            n = 2 * n - 1
        # Curved or slow encounters can put the collision rate outside the linear-motion bounds:
        # widen the window on any side where the rate has not died out, up to half an orbit.
        top = float(np.max(vals)) if vals.size else 0.0
        width = t1 - t0
        grow_lo = expand and top > 0 and vals[0] > 1e-6 * top and t0 > -half
        grow_hi = expand and top > 0 and vals[-1] > 1e-6 * top and t1 < half
        if not (grow_lo or grow_hi):
            break
        if grow_lo:
            t0 = max(t0 - width, -half)
        if grow_hi:
            t1 = min(t1 + width, half)
    return nc, t0, t1
