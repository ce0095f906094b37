"""Hall's peak-overlap point (CARA's PeakOverlapPos): where two orbits' uncertainties meet.

At a time ``t`` each object's Gaussian in equinoctial elements at TCA is propagated by two-body
motion and linearized about a state; the linearization that matters for a collision is the one at
the *peak-overlap point*, the most likely common position of the two objects. It is found by
fixed-point iteration: linearize both at their current states, take the most likely common
position ``mu`` of the two linearized position Gaussians, move each object's state exactly there
(with the conditional mean velocity, the step limited to a 10 % change of orbital energy),
convert back to elements at TCA, and repeat until ``mu`` moves by less than 1e-6 sigma.
Used by :mod:`openstc.pc.hall3d` (the 3D-Nc rate) and :mod:`openstc.pc.montecarlo` (the
importance-sampling proposal). Compiled with numba; SI units.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from openstc.pc.covariance import FloatArray
from openstc.pc.equinoctial import cart_to_equinoctial, equinoctial_to_cart


@numba.njit(cache=True)
def _state_at(e: FloatArray, t: float, gm: float) -> FloatArray:
    et = e.copy()
    et[5] = et[5] + et[0] * t
    return equinoctial_to_cart(et, gm)


STEP_FLOOR = np.array([1e-12, 1e-9, 1e-9, 1e-9, 1e-9, 1e-9])


@numba.njit(cache=True)
def jacobian_at(e: FloatArray, t: float, gm: float, floor: FloatArray) -> tuple[FloatArray, FloatArray]:
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
def inv_clip(a: FloatArray, clip: float) -> tuple[FloatArray, float]:
    lam, vec = np.linalg.eigh(0.5 * (a + a.T))
    lam = np.maximum(lam, clip)
    return (vec / lam) @ vec.T, float(np.sum(np.log(lam)))


@numba.njit(cache=True)
def _linearize(
    e: FloatArray, q: FloatArray, es: FloatArray, t: float, gm: float, floor: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Mean state at ``t``, position-velocity covariance and Jacobian, linearized at elements ``es``."""
    xs, js = jacobian_at(es, t, gm, floor)
    de = e - es
    # Wrap the mean-longitude difference to (-pi, pi] (Python's float modulo, as numba keeps it).
    de[5] = (de[5] + math.pi) % (2 * math.pi) - math.pi
    p = js @ q @ js.T
    return xs + js @ de, np.ascontiguousarray(p), js


@numba.njit(cache=True)
def _energy(r: FloatArray, v: FloatArray, gm: float) -> float:
    return float(0.5 * (v @ v) - gm / math.sqrt(r @ r))


@numba.njit(cache=True)
def _limit_energy(
    rs: FloatArray, mu: FloatArray, xu: FloatArray, beta: FloatArray, gm: float, max_rel: float
) -> tuple[FloatArray, float, bool]:
    """Move the linearization position from ``rs`` towards ``mu``, but not so far that the orbital
    energy of the conditional state changes by more than ``max_rel`` (relative).

    Returns the new position, its energy and whether the full step was taken. Limiting the step
    keeps the iteration on bound orbits where the overlap point lies far in a covariance's tail.
    """
    e_a = _energy(rs, xu[3:] + beta @ (rs - xu[:3]), gm)
    e_b = _energy(mu, xu[3:] + beta @ (mu - xu[:3]), gm)
    if e_a >= 0 or abs(e_b - e_a) <= max_rel * abs(e_a):
        return mu.copy(), e_b, True
    # Smallest fraction of the step at which the relative energy change reaches max_rel.
    n = 200
    prev = 0.0
    frac = 1.0
    for k in range(1, n + 1):
        x = k / n
        r = rs + x * (mu - rs)
        if abs(_energy(r, xu[3:] + beta @ (r - xu[:3]), gm) / e_a - 1.0) >= max_rel:
            lo, hi = prev, x
            for _ in range(40):
                mid = 0.5 * (lo + hi)
                rm = rs + mid * (mu - rs)
                if abs(_energy(rm, xu[3:] + beta @ (rm - xu[:3]), gm) / e_a - 1.0) >= max_rel:
                    hi = mid
                else:
                    lo = mid
            frac = max(lo, 1.0 / n)
            break
        prev = x
    r = rs + frac * (mu - rs)
    return r, _energy(r, xu[3:] + beta @ (r - xu[:3]), gm), False


@numba.njit(cache=True)
def peak_overlap(
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
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, int, FloatArray, FloatArray]:
    """Both objects' mean states and covariances at ``t``, linearized at the peak-overlap point.

    Hall's peak-overlap point (as CARA's PeakOverlapPos finds it): each object's Gaussian at ``t``
    is linearized about a state ``xs``; the most likely common position ``mu`` of the two
    linearized position Gaussians is found; each object's new linearization state is then
    *exactly* at ``mu`` with the conditional mean velocity there, converted to elements and
    propagated back to TCA; repeat until ``mu`` moves by less than 1e-6 sigma (Mahalanobis^2 1e-12).
    After 35 iterations successive points are averaged (damping oscillation), and 2-cycles and a
    loosening tolerance are accepted as CARA accepts them. Returns the mean states and covariances,
    a status (1 converged, 0 not) and both objects' linearization elements (at TCA).

    Compiled: the fixed-point iteration is dozens of 6x6 operations per time node, which in numpy
    cost far more in call overhead than in arithmetic.
    """
    avgiter, acciter, osciter = min(35, round(maxiter * 0.35)), min(25, round(maxiter * 0.25)), 15
    osciter = min(osciter, round(maxiter * 0.15))
    tol1, tol2 = 1e-12, 1e-6
    es1 = e1.copy()
    es2 = e2.copy()
    eye3 = np.eye(3)
    mu_old = np.full(3, np.nan)
    mu_old2 = np.full(3, np.nan)
    iter_adj = -1000
    status = 0
    xu1, p1, j1 = _linearize(e1, q1, es1, t, gm, floor)
    xu2, p2, j2 = _linearize(e2, q2, es2, t, gm, floor)
    xs1 = xu1.copy()
    xs2 = xu2.copy()
    it = 0
    while True:
        if it > 0:
            xs1, j1 = jacobian_at(es1, t, gm, floor)
            xs2, j2 = jacobian_at(es2, t, gm, floor)
            d1 = e1 - es1
            d2 = e2 - es2
            d1[5] = (d1[5] + math.pi) % (2 * math.pi) - math.pi
            d2[5] = (d2[5] + math.pi) % (2 * math.pi) - math.pi
            xu1 = xs1 + j1 @ d1
            xu2 = xs2 + j2 @ d2
            p1 = np.ascontiguousarray(j1 @ q1 @ j1.T)
            p2 = np.ascontiguousarray(j2 @ q2 @ j2.T)
        a1inv, _ = inv_clip(np.ascontiguousarray(p1[:3, :3]), clip)
        a2inv, _ = inv_clip(np.ascontiguousarray(p2[:3, :3]), clip)
        # CARA clips this inverse's eigenvalues at the same Lclip in km units, where it never acts;
        # in SI units that clip would bind (1/m^2 against m^2), so only a scale-free floor is kept.
        sinv = a1inv + a2inv
        sig, _ = inv_clip(sinv, 1e-15 * np.max(np.abs(sinv)))
        mu = sig @ (a1inv @ xu1[:3] + a2inv @ xu2[:3])
        sig_rem_inv = np.linalg.inv(sig + eye3 * hbr**2)
        if maxiter <= 1:
            status = 1
            break
        if it > avgiter and it > iter_adj + 2:
            mu = 0.5 * (mu + mu_old)
        beta1 = np.ascontiguousarray(p1[3:, :3]) @ a1inv
        beta2 = np.ascontiguousarray(p2[3:, :3]) @ a2inv
        rs1, en1, full1 = _limit_energy(xs1[:3].copy(), mu, xu1, beta1, gm, 0.10)
        rs2, en2, full2 = _limit_energy(xs2[:3].copy(), mu, xu2, beta2, gm, 0.10)
        if not (full1 and full2):
            iter_adj = it
        if en1 >= 0 or en2 >= 0:
            break
        xs1 = np.concatenate((rs1, xu1[3:] + beta1 @ (rs1 - xu1[:3])))
        xs2 = np.concatenate((rs2, xu2[3:] + beta2 @ (rs2 - xu2[:3])))
        done = False
        if it > 0:
            dmu = mu_old - mu
            if dmu @ sig_rem_inv @ dmu <= tol1 and it != iter_adj:
                status = 1
                done = True
            elif it >= maxiter:
                done = True
            elif it > osciter and it > iter_adj + 2:
                dosc = mu_old2 - mu
                if dosc @ sig_rem_inv @ dosc <= tol1:
                    status = 1
                    done = True
                else:
                    if it > avgiter:
                        cut = tol2
                    elif it <= acciter:
                        cut = tol1
                    else:
                        frc = (it - acciter) / (avgiter - acciter)
                        cut = math.exp((1 - frc) * math.log(tol1) + frc * math.log(tol2))
                    if dmu @ sig_rem_inv @ dmu <= cut:
                        status = 1
                        done = True
        # New linearization elements: the state at mu, converted and propagated back to TCA.
        for xs, k in ((xs1, 0), (xs2, 1)):
            if 2.0 / math.sqrt(xs[:3] @ xs[:3]) - (xs[3:] @ xs[3:]) / gm <= 0:
                return xu1, xu2, p1, p2, 0, es1, es2
            es = cart_to_equinoctial(xs, gm)
            if es[1] ** 2 + es[2] ** 2 >= 1:
                return xu1, xu2, p1, p2, 0, es1, es2
            es[5] = (es[5] - es[0] * t) % (2 * math.pi)
            if k == 0:
                es1 = es
            else:
                es2 = es
        if done:
            break
        mu_old2 = mu_old
        mu_old = mu
        it += 1
    # The mean states and covariances linearized at the final point.
    xs1, j1 = jacobian_at(es1, t, gm, floor)
    xs2, j2 = jacobian_at(es2, t, gm, floor)
    d1 = e1 - es1
    d2 = e2 - es2
    d1[5] = (d1[5] + math.pi) % (2 * math.pi) - math.pi
    d2[5] = (d2[5] + math.pi) % (2 * math.pi) - math.pi
    p1 = np.ascontiguousarray(j1 @ q1 @ j1.T)
    p2 = np.ascontiguousarray(j2 @ q2 @ j2.T)
    return xs1 + j1 @ d1, xs2 + j2 @ d2, 0.5 * (p1 + p1.T), 0.5 * (p2 + p2.T), status, es1, es2
