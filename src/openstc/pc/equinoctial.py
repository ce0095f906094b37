"""Equinoctial orbital elements (Broucke & Cefola) for sampling orbit uncertainty along the orbit.

A Gaussian in equinoctial elements ``(n, af, ag, chi, psi, lambda_M)`` bends along the orbit (the
"banana") where a Gaussian in Cartesian coordinates stays straight; for long or slow encounters
the difference changes the Pc, which is why CARA samples and linearizes in these elements.
Non-singular for circular and equatorial prograde orbits (singular only at inclination 180 deg).
Compiled with numba; SI units (m, m/s, rad, rad/s).
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numpy.typing import NDArray

from openstc.pc.covariance import FloatArray


@numba.njit(cache=True)
def _frame(chi: float, psi: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    d = 1.0 + chi * chi + psi * psi
    f = np.array([1.0 - chi * chi + psi * psi, 2.0 * chi * psi, -2.0 * chi]) / d
    g = np.array([2.0 * chi * psi, 1.0 + chi * chi - psi * psi, 2.0 * psi]) / d
    return f, g


@numba.njit(cache=True)
def cart_to_equinoctial(x: NDArray[np.float64], mu: float) -> NDArray[np.float64]:
    """Cartesian state (6,) to ``[n, af, ag, chi, psi, lambda_M]`` (elliptic orbits)."""
    r = x[:3]
    v = x[3:]
    rn = math.sqrt(r[0] ** 2 + r[1] ** 2 + r[2] ** 2)
    v2 = v[0] ** 2 + v[1] ** 2 + v[2] ** 2
    a = 1.0 / (2.0 / rn - v2 / mu)
    n = math.sqrt(mu / a**3)
    h = np.array([r[1] * v[2] - r[2] * v[1], r[2] * v[0] - r[0] * v[2], r[0] * v[1] - r[1] * v[0]])
    w = h / math.sqrt(h[0] ** 2 + h[1] ** 2 + h[2] ** 2)
    chi = w[0] / (1.0 + w[2])
    psi = -w[1] / (1.0 + w[2])
    f, g = _frame(chi, psi)
    vxh = np.array([v[1] * h[2] - v[2] * h[1], v[2] * h[0] - v[0] * h[2], v[0] * h[1] - v[1] * h[0]])
    e = vxh / mu - r / rn
    af = e[0] * f[0] + e[1] * f[1] + e[2] * f[2]
    ag = e[0] * g[0] + e[1] * g[1] + e[2] * g[2]
    big_x = r[0] * f[0] + r[1] * f[1] + r[2] * f[2]
    big_y = r[0] * g[0] + r[1] * g[1] + r[2] * g[2]
    s = math.sqrt(1.0 - af * af - ag * ag)
    b = 1.0 / (1.0 + s)
    sin_f = ag + ((1.0 - ag * ag * b) * big_y - af * ag * b * big_x) / (a * s)
    cos_f = af + ((1.0 - af * af * b) * big_x - af * ag * b * big_y) / (a * s)
    big_f = math.atan2(sin_f, cos_f)
    lam = big_f + ag * math.cos(big_f) - af * math.sin(big_f)
    return np.array([n, af, ag, chi, psi, lam])


@numba.njit(cache=True)
def equinoctial_to_cart(e: NDArray[np.float64], mu: float) -> NDArray[np.float64]:
    """``[n, af, ag, chi, psi, lambda_M]`` to a Cartesian state (6,)."""
    n, af, ag, chi, psi, lam = e[0], e[1], e[2], e[3], e[4], e[5]
    a = (mu / (n * n)) ** (1.0 / 3.0)
    big_f = lam
    for _ in range(50):
        fval = big_f + ag * math.cos(big_f) - af * math.sin(big_f) - lam
        dval = 1.0 - ag * math.sin(big_f) - af * math.cos(big_f)
        step = fval / dval
        big_f -= step
        if abs(step) < 1e-15:
            break
    s = math.sqrt(1.0 - af * af - ag * ag)
    b = 1.0 / (1.0 + s)
    cf = math.cos(big_f)
    sf = math.sin(big_f)
    big_x = a * ((1.0 - ag * ag * b) * cf + af * ag * b * sf - af)
    big_y = a * ((1.0 - af * af * b) * sf + af * ag * b * cf - ag)
    rn = math.sqrt(big_x * big_x + big_y * big_y)
    k = n * a * a / rn
    dx = k * (af * ag * b * cf - (1.0 - ag * ag * b) * sf)
    dy = k * ((1.0 - af * af * b) * cf - af * ag * b * sf)
    f, g = _frame(chi, psi)
    out = np.empty(6)
    for i in range(3):
        out[i] = big_x * f[i] + big_y * g[i]
        out[3 + i] = dx * f[i] + dy * g[i]
    return out


def jacobian_cart_to_equinoctial(x: FloatArray, mu: float) -> FloatArray:
    """6x6 Jacobian d(elements)/d(state) at ``x`` by central differences."""
    x = np.asarray(x, dtype=np.float64)
    scale = np.array([1.0, 1.0, 1.0, 1e-3, 1e-3, 1e-3]) * max(1.0, float(np.linalg.norm(x[:3])) * 1e-7)
    jac = np.empty((6, 6))
    for k in range(6):
        dx = np.zeros(6)
        dx[k] = scale[k]
        ep = cart_to_equinoctial(x + dx, mu)
        em = cart_to_equinoctial(x - dx, mu)
        d = ep - em
        d[5] = (d[5] + np.pi) % (2.0 * np.pi) - np.pi  # mean longitude wraps
        jac[:, k] = d / (2.0 * scale[k])
    return jac


def _rot(axis: int, angle: float) -> FloatArray:
    c, s = math.cos(angle), math.sin(angle)
    i, j = [(1, 2), (2, 0), (0, 1)][axis]
    m = np.eye(3)
    m[i, i] = m[j, j] = c
    m[i, j] = -s
    m[j, i] = s
    return m


_CANDIDATES = [
    np.eye(3),
    _rot(0, math.pi),
    _rot(0, math.pi / 2),
    _rot(0, -math.pi / 2),
    _rot(1, math.pi / 2),
    _rot(1, -math.pi / 2),
]


def reorientation(states: list[FloatArray]) -> FloatArray:
    """A rotation of the whole scene keeping every orbit away from the retrograde singularity.

    Equinoctial elements are singular at inclination 180 deg; every Pc is invariant under a common
    rotation, so the scene is turned (as CARA's RetrogradeReorientation does) to make the smallest
    ``1 + h_z/|h|`` over the objects as large as possible.
    """
    best, score = _CANDIDATES[0], -1.0
    for m in _CANDIDATES:
        worst = 2.0
        for x in states:
            h = np.cross(m @ x[:3], m @ x[3:])
            worst = min(worst, 1.0 + h[2] / np.linalg.norm(h))
        if worst > score + 1e-9:
            best, score = m, worst
        if score > 0.5:
            break
    return best


def rotate_state_cov(m: FloatArray, x: FloatArray, cov: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Apply rotation ``m`` to a state (6,) and its 6x6 covariance."""
    big = np.zeros((6, 6))
    big[:3, :3] = m
    big[3:, 3:] = m
    return big @ x, big @ cov @ big.T
