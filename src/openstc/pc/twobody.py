"""Two-body (Keplerian) propagation of states and covariances for the Pc checks and Monte Carlo.

Universal-variable Kepler propagation (any conic), compiled with numba; the state transition
matrix is taken by central differences of the propagation, which is accurate to ~1e-8 relative
over the minutes-to-hours spans an encounter needs. SI units: m, m/s, s, ``mu`` in m^3/s^2.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numpy.typing import NDArray

from openstc.pc.covariance import FloatArray

GM_EARTH = 3.986004418e14


@numba.njit(cache=True, inline="always")
def _stumpff(z: float) -> tuple[float, float]:
    if z > 1e-8:
        sz = math.sqrt(z)
        return (1.0 - math.cos(sz)) / z, (sz - math.sin(sz)) / (sz * z)
    if z < -1e-8:
        sz = math.sqrt(-z)
        return (math.cosh(sz) - 1.0) / (-z), (math.sinh(sz) - sz) / (sz * -z)
    return 0.5 - z / 24.0 + z * z / 720.0, 1.0 / 6.0 - z / 120.0 + z * z / 5040.0


@numba.njit(cache=True)
def kepler(
    rx: float, ry: float, rz: float, vx: float, vy: float, vz: float, dt: float, mu: float
) -> tuple[float, float, float, float, float, float]:
    """State after ``dt`` seconds of two-body motion (universal variables, Newton iteration)."""
    if dt == 0.0:
        return rx, ry, rz, vx, vy, vz
    r0 = math.sqrt(rx * rx + ry * ry + rz * rz)
    v2 = vx * vx + vy * vy + vz * vz
    rv = rx * vx + ry * vy + rz * vz
    alpha = 2.0 / r0 - v2 / mu  # 1/a
    smu = math.sqrt(mu)
    chi = smu * abs(alpha) * dt if alpha > 1e-12 else smu * dt / r0
    for _ in range(60):
        z = alpha * chi * chi
        c, s = _stumpff(z)
        chi2 = chi * chi
        f = rv / smu * chi2 * c + (1.0 - alpha * r0) * chi2 * chi * s + r0 * chi - smu * dt
        df = rv / smu * chi * (1.0 - z * s) + (1.0 - alpha * r0) * chi2 * c + r0
        step = f / df
        chi -= step
        if abs(step) <= 1e-13 * max(1.0, abs(chi)):
            break
    z = alpha * chi * chi
    c, s = _stumpff(z)
    chi2 = chi * chi
    f = 1.0 - chi2 / r0 * c
    g = dt - chi2 * chi / smu * s
    nx = f * rx + g * vx
    ny = f * ry + g * vy
    nz = f * rz + g * vz
    r = math.sqrt(nx * nx + ny * ny + nz * nz)
    fd = smu / (r * r0) * (alpha * chi2 * chi * s - chi)
    gd = 1.0 - chi2 / r * c
    return nx, ny, nz, fd * rx + gd * vx, fd * ry + gd * vy, fd * rz + gd * vz


@numba.njit(cache=True)
def propagate_many(x0: NDArray[np.float64], dt: NDArray[np.float64], mu: float) -> NDArray[np.float64]:
    """Propagate states ``x0[i]`` (6) by ``dt[i]`` seconds each; returns ``(n, 6)``."""
    n = x0.shape[0]
    out = np.empty((n, 6))
    for i in range(n):
        s = kepler(x0[i, 0], x0[i, 1], x0[i, 2], x0[i, 3], x0[i, 4], x0[i, 5], dt[i], mu)
        for k in range(6):
            out[i, k] = s[k]
    return out


def propagate(x0: FloatArray, dt: float, mu: float = GM_EARTH) -> FloatArray:
    """Propagate one state (6,) or many (n,6) by the same ``dt``."""
    x = np.atleast_2d(np.asarray(x0, dtype=np.float64))
    out = propagate_many(np.ascontiguousarray(x), np.full(x.shape[0], float(dt)), mu)
    return out[0] if np.ndim(x0) == 1 else out


def stm(x0: FloatArray, dt: float, mu: float = GM_EARTH) -> tuple[FloatArray, FloatArray]:
    """``(state at dt, 6x6 state transition matrix)`` by central differences."""
    x0 = np.asarray(x0, dtype=np.float64)
    scale = np.array([1.0, 1.0, 1.0, 1e-3, 1e-3, 1e-3]) * max(1.0, np.linalg.norm(x0[:3]) * 1e-7)
    pert = np.concatenate([np.diag(scale), -np.diag(scale)])
    xs = np.vstack([x0[None, :], x0[None, :] + pert])
    out = propagate_many(np.ascontiguousarray(xs), np.full(xs.shape[0], float(dt)), mu)
    phi = (out[1:7] - out[7:13]).T / (2.0 * scale[None, :])
    return out[0], phi
