"""Maximum 2D Pc when a covariance is missing or not trusted (Frisbee; CARA FrisbeeMaxPc).

When one object's covariance is unknown (an element set without covariance, say), the Pc cannot
be computed, but its largest possible value over all covariances of that object can: Frisbee
shows the worst case is a covariance stretched along the miss vector in the encounter plane. With
``K = sqrt(m^T C_known^-1 m)`` the Mahalanobis miss under the known covariance, the unknown
covariance becomes ``d^2 (K^2 - 1) / K^2 * u u^T`` (``u`` the unit miss direction, ``d`` the miss
distance) when ``K > 1``; otherwise enlarging the unknown covariance only lowers the Pc and it is
kept at zero. With both covariances given, the object whose replacement raises the Pc most is
the one replaced, so the result is an upper bound on the 2D Pc.

The Pc of the modified pair is then computed with the circle (exact, :mod:`openstc.pc.foster`)
or, as CARA does by default for this method, with the equal-area square in the principal axes
(closed form).

With **no covariance at all** (element sets only) :func:`unknown_covariance_max_pc` gives the
maximum of the 2D circle Pc over every combined covariance (Alfano 2005, "Relating position
uncertainty to maximum conjunction probability"). The hard-body circle of radius ``R`` centred at
miss distance ``d`` lies in the slab ``d - R <= x <= d + R`` along the miss direction, and the
x-marginal of any zero-mean Gaussian is a 1D Gaussian, so the Pc never exceeds
``Phi((d+R)/s) - Phi((d-R)/s)`` for some ``s``; a covariance degenerate along the miss vector
attains it. Its maximum over ``s`` is at ``s^2 = 2 d R / ln((d+R)/(d-R))`` (closed form, exact for
any ``R/d``; ``~ 0.484 R/d`` for ``R << d``), 1 inside the hard body and 1/2 on its edge.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy import special

from openstc.pc import foster
from openstc.pc.covariance import FloatArray, as_matrices, as_vectors, position_block, project_to_plane
from openstc.pc.geometry import Geometry, MissMode, encounter_geometry, relative_frame

#: Name openstc writes in CDMs for this method (not in the CCSDS SANA registry).
CDM_METHOD = "FRISBEE-MAXPC"
#: Name of the max Pc over all covariances, used when neither object has one.
CDM_METHOD_UNKNOWN_COVARIANCE = "ALFANO-2005-MAXPC"

# 8-point Gauss-Legendre nodes/weights on [-1, 1]: the Gaussian integral over a short interval
# without the cancellation of a difference of two nearly equal erfc values.
_GL_X, _GL_W = np.polynomial.legendre.leggauss(8)

MaxShape = Literal["circle", "square_equal_area"]


def _inv_quad(cp: FloatArray, m: FloatArray) -> FloatArray:
    a, b, c = cp[:, 0, 0], cp[:, 0, 1], cp[:, 1, 1]
    det = a * c - b * b
    with np.errstate(invalid="ignore", divide="ignore"):
        q = (c * m[:, 0] ** 2 - 2 * b * m[:, 0] * m[:, 1] + a * m[:, 1] ** 2) / det
        return np.sqrt(q)


def _pos_cov(cov: FloatArray | None, n: int) -> FloatArray:
    if cov is None:
        return np.zeros((n, 3, 3))
    arr = np.asarray(cov, dtype=np.float64)
    arr = as_matrices(arr)
    return np.broadcast_to(position_block(arr), (n, 3, 3)).copy()


def square_equal_area_principal(geo: Geometry) -> FloatArray:
    """Pc over the equal-area square aligned with the covariance's principal axes (closed form)."""
    half = np.sqrt(np.pi / 4.0) * geo.finite_hbr()
    with np.errstate(invalid="ignore", divide="ignore"):
        dx = np.sqrt(2.0) * geo.sx
        dz = np.sqrt(2.0) * geo.sz
        ex = special.erf((geo.xm + half) / dx) - special.erf((geo.xm - half) / dx)
        ez = special.erf((geo.zm + half) / dz) - special.erf((geo.zm - half) / dz)
    pc = np.where(geo.ok, ex * ez / 4.0, np.nan)
    return geo.finalize(pc)


def unknown_covariance_max_pc(miss_m: FloatArray | float, hbr_m: FloatArray | float) -> FloatArray:
    """Max 2D Pc over all combined covariances for miss distance ``d`` and hard-body radius ``R``.

    Vectorized; exact (see the module docstring): 1 for ``d < R``, 1/2 for ``d == R``, 0 for
    ``R == 0`` and decreasing in ``d``, increasing in ``R`` otherwise. NaN where an input is NaN.
    """
    d = np.abs(np.asarray(miss_m, dtype=np.float64))
    r = np.maximum(np.asarray(hbr_m, dtype=np.float64), 0.0)
    d, r = np.broadcast_arrays(d, r)
    out = np.full(d.shape, np.nan)
    out[d < r] = 1.0
    out[(d == r) & (r > 0) & np.isfinite(r)] = 0.5
    out[(r == 0) | (np.isinf(d) & np.isfinite(r))] = 0.0
    go = (d > r) & (r > 0) & np.isfinite(d)
    dd, rr = d[go], r[go]
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        ratio = rr / (dd - rr)
        # ln((d+R)/(d-R)) = log1p(2R/(d-R)), accurate for R << d.
        sigma = np.sqrt(2.0 * dd * rr / np.log1p(2.0 * ratio))
        lo = (dd - rr) / sigma
        hi = (dd + rr) / sigma
        half = rr / sigma  # not (hi - lo) / 2: that cancels for R << d
        mid = dd / sigma
        t = mid[:, None] + half[:, None] * _GL_X[None, :]
        quad = half * (np.exp(-0.5 * t * t) @ _GL_W) / np.sqrt(2.0 * np.pi)
        diff = 0.5 * (special.erfc(lo / np.sqrt(2.0)) - special.erfc(hi / np.sqrt(2.0)))
    val = np.where(half < 0.25, quad, diff)
    # Past double precision (R/d below ~1e-300) the leading term 2 R phi(1) / d is exact.
    tiny = ~np.isfinite(val) | ~(sigma > 0)
    val = np.where(tiny, 2.0 * rr / dd * np.exp(-0.5) / np.sqrt(2.0 * np.pi), val)
    out[go] = np.clip(val, 0.0, 1.0)
    return out


def frisbee_max_pc(
    r1: FloatArray,
    v1: FloatArray,
    cov1: FloatArray | None,
    r2: FloatArray,
    v2: FloatArray,
    cov2: FloatArray | None,
    hbr: FloatArray | float,
    *,
    shape: MaxShape = "circle",
    miss_mode: MissMode = "projected",
) -> tuple[FloatArray, Geometry]:
    """Maximum Pc over the unknown covariance: ``(max_pc, geometry of the worst case)``.

    A missing covariance is ``None`` or all zeros. With both missing the result is the max over
    all covariances, :func:`unknown_covariance_max_pc` of the miss distance in the encounter plane
    (the full distance where the plane is undefined).
    """
    r1a, v1a, r2a, v2a = (as_vectors(a) for a in (r1, v1, r2, v2))
    n = r1a.shape[0]
    c1 = _pos_cov(cov1, n)
    c2 = _pos_cov(cov2, n)
    r_rel = r1a - r2a
    v_rel = v1a - v2a
    frame = relative_frame(r_rel, v_rel, r1a + r2a)
    if miss_mode == "norm":
        m = np.stack([np.linalg.norm(r_rel, axis=-1), np.zeros(n)], axis=-1)
    else:
        m = np.stack(
            [np.einsum("ij,ij->i", frame[:, 0], r_rel), np.einsum("ij,ij->i", frame[:, 2], r_rel)], -1
        )
    cp1 = project_to_plane(c1, frame)
    cp2 = project_to_plane(c2, frame)
    ka1 = _inv_quad(cp2, m)  # replacing object 1's covariance: K from object 2's
    ka2 = _inv_quad(cp1, m)
    zero1 = np.all(c1 == 0, axis=(-1, -2))
    zero2 = np.all(c2 == 0, axis=(-1, -2))
    j = np.where(np.nan_to_num(ka2, nan=-1.0) > np.nan_to_num(ka1, nan=-1.0), 2, 1)
    j = np.where(zero1, 1, np.where(zero2, 2, j))
    ka = np.where(j == 1, ka1, ka2)
    d2 = np.sum(m * m, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        u = m / np.sqrt(d2)[:, None]
        vc = d2 * (ka * ka - 1.0) / (ka * ka)
    grow = np.isfinite(ka) & (ka > 1.0)
    plane = np.zeros((n, 3, 3))
    plane[:, 0, 0] = u[:, 0] ** 2
    plane[:, 0, 2] = plane[:, 2, 0] = u[:, 0] * u[:, 1]
    plane[:, 2, 2] = u[:, 1] ** 2
    plane *= np.where(grow, vc, 0.0)[:, None, None]
    cov_new = np.swapaxes(frame, -1, -2) @ plane @ frame  # encounter frame -> inertial
    c1 = np.where((grow & (j == 1))[:, None, None], cov_new, c1)
    c2 = np.where((grow & (j == 2))[:, None, None], cov_new, c2)
    both_zero = zero1 & zero2
    geo = encounter_geometry(r1a, v1a, c1, r2a, v2a, c2, hbr, miss_mode=miss_mode)
    pc = foster.pc_from_geometry(geo, "circle") if shape == "circle" else square_equal_area_principal(geo)
    if np.any(both_zero):
        hbr_arr = np.broadcast_to(np.asarray(hbr, dtype=np.float64), (n,))
        dist = np.where(np.isfinite(d2), np.sqrt(d2), np.linalg.norm(r_rel, axis=-1))
        pc = np.where(both_zero, unknown_covariance_max_pc(dist, hbr_arr), pc)
    return pc, geo
