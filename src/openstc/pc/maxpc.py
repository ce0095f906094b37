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
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy import special

from openstc.pc import foster
from openstc.pc.covariance import FloatArray, as_batch, position_block, project_to_plane
from openstc.pc.geometry import Geometry, MissMode, encounter_geometry, relative_frame

#: Name openstc writes in CDMs for this method (not in the CCSDS SANA registry).
CDM_METHOD = "FRISBEE-MAXPC"

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
    arr = as_batch(arr, arr.shape[-1])
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

    A missing covariance is ``None`` or all zeros. With both missing the result is 1 inside the
    hard body and 0 outside (no uncertainty at all).
    """
    r1a, v1a, r2a, v2a = (as_batch(a, 3) for a in (r1, v1, r2, v2))
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
    # No uncertainty at all: the outcome is certain.
    hbr_arr = np.broadcast_to(np.asarray(hbr, dtype=np.float64), (n,))
    pc = np.where(both_zero, (np.sqrt(d2) < hbr_arr).astype(float), pc)
    return pc, geo
