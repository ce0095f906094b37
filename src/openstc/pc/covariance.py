"""Covariance plumbing for collision probability: frames, combination, projection, remediation.

Everything here is vectorized over conjunctions: positions and velocities are ``(n, 3)`` arrays,
covariances ``(n, 3, 3)`` or ``(n, 6, 6)``. Units are whatever the caller uses consistently (SI in
openstc); nothing here depends on them.

Conventions follow NASA CARA so that results can be compared with its published values:

* RTN (radial, transverse, normal) to inertial uses the rotation whose columns are
  ``r_hat``, ``(h x r)_hat`` and ``h_hat`` with ``h = r x v``, applied block-diagonally to a 6x6
  covariance (no ``omega x r`` term, as CARA's ``RIC2ECI``).
* The encounter (conjunction) plane frame is ``y = v_rel_hat``, ``z = (r_rel x v_rel)_hat``,
  ``x = y x z``; the plane is spanned by ``x`` and ``z``.
* A non-positive-definite 2x2 projection is remediated by clipping its eigenvalues at
  ``(1e-4 * HBR)^2`` (CARA's ``Fclip``); if the larger eigenvalue is not positive there is nothing to
  remediate and the Pc cannot be computed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

#: CARA's eigenvalue clipping factor: eigenvalues below (FCLIP * HBR)^2 are raised to it.
FCLIP = 1e-4


def _unit(a: FloatArray) -> FloatArray:
    norm = np.linalg.norm(a, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(a / norm, dtype=np.float64)


def as_vectors(a: object) -> FloatArray:
    """Vectors with a leading batch axis: one vector ``(w,)`` becomes ``(1, w)``, ``(n, w)`` is kept.

    The batch is decided by the number of dimensions only, never by the shape, so a batch of
    exactly ``w`` vectors (``(3, 3)`` positions) is never mistaken for a matrix.
    """
    arr = np.asarray(a, dtype=np.float64)
    return arr[None, :] if arr.ndim == 1 else arr


def as_matrices(a: object) -> FloatArray:
    """Square matrices with a leading batch axis: ``(w, w)`` becomes ``(1, w, w)``, ``(n, w, w)`` is kept."""
    arr = np.asarray(a, dtype=np.float64)
    return arr[None, :, :] if arr.ndim == 2 else arr


def rtn_rotation(r: FloatArray, v: FloatArray) -> FloatArray:
    """Rotation matrices ``(n, 3, 3)`` whose columns are the R, T, N unit vectors in inertial axes."""
    r = as_vectors(r)
    v = as_vectors(v)
    r_hat = _unit(r)
    n_hat = _unit(np.cross(r, v))
    t_hat = np.cross(n_hat, r_hat)
    return np.stack([r_hat, t_hat, n_hat], axis=-1)


def _block(rot: FloatArray, size: int) -> FloatArray:
    if size == 3:
        return rot
    out = np.zeros((*rot.shape[:-2], size, size))
    out[..., :3, :3] = rot
    out[..., 3:6, 3:6] = rot
    return out


def rtn_to_inertial(cov_rtn: FloatArray, r: FloatArray, v: FloatArray) -> FloatArray:
    """Rotate RTN covariances (``(n,3,3)`` or ``(n,6,6)``) into the inertial frame of ``r``, ``v``."""
    cov = np.asarray(cov_rtn, dtype=np.float64)
    single = cov.ndim == 2
    cov = cov[None] if single else cov
    m = _block(rtn_rotation(r, v), cov.shape[-1])
    out = m @ cov @ np.swapaxes(m, -1, -2)
    out = 0.5 * (out + np.swapaxes(out, -1, -2))
    return out[0] if single else out


def inertial_to_rtn(cov_eci: FloatArray, r: FloatArray, v: FloatArray) -> FloatArray:
    """Inverse of :func:`rtn_to_inertial`."""
    cov = np.asarray(cov_eci, dtype=np.float64)
    single = cov.ndim == 2
    cov = cov[None] if single else cov
    m = _block(rtn_rotation(r, v), cov.shape[-1])
    out = np.swapaxes(m, -1, -2) @ cov @ m
    out = 0.5 * (out + np.swapaxes(out, -1, -2))
    return out[0] if single else out


def position_block(cov: FloatArray) -> FloatArray:
    """The 3x3 position part of 3x3 or 6x6 covariances (batched)."""
    return np.asarray(cov, dtype=np.float64)[..., :3, :3]


def combined_covariance(cov1: FloatArray, cov2: FloatArray) -> FloatArray:
    """Combined relative covariance of two uncorrelated objects (position block, ``(n,3,3)``)."""
    return position_block(cov1) + position_block(cov2)


def encounter_frame(r_rel: FloatArray, v_rel: FloatArray) -> FloatArray:
    """Rows ``x, y, z`` of the encounter frame (``(n,3,3)``), ``y`` along the relative velocity."""
    y = _unit(v_rel)
    z = _unit(np.cross(r_rel, v_rel))
    x = np.cross(y, z)
    return np.stack([x, y, z], axis=-2)


def project_to_plane(cov3: FloatArray, frame: FloatArray) -> FloatArray:
    """2x2 covariance ``[[Cxx, Cxz], [Cxz, Czz]]`` in the encounter plane (``(n,2,2)``)."""
    x = frame[..., 0, :]
    z = frame[..., 2, :]
    cx = np.einsum("...ij,...j->...i", cov3, x)
    cz = np.einsum("...ij,...j->...i", cov3, z)
    out = np.empty((*cov3.shape[:-2], 2, 2))
    out[..., 0, 0] = np.einsum("...i,...i->...", x, cx)
    # Average the two off-diagonal products so slightly asymmetric inputs give a symmetric result.
    out[..., 0, 1] = out[..., 1, 0] = 0.5 * (
        np.einsum("...i,...i->...", z, cx) + np.einsum("...i,...i->...", x, cz)
    )
    out[..., 1, 1] = np.einsum("...i,...i->...", z, cz)
    return out


def eig2x2(
    a: FloatArray, b: FloatArray, c: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Eigen-decomposition of symmetric 2x2 ``[[a, b], [b, c]]``, vectorized.

    Returns ``(l1, l2, v1x, v1z)``: ``l1 >= l2`` and the unit eigenvector of ``l1`` (that of ``l2`` is
    ``(-v1z, v1x)``). Closed form, stable for nearly diagonal matrices.
    """
    half_tr = 0.5 * (a + c)
    half_diff = 0.5 * (a - c)
    rad = np.hypot(half_diff, b)
    l1 = half_tr + rad
    l2 = half_tr - rad
    # Angle of the major axis; atan2 handles b == 0 and a == c gracefully.
    theta = 0.5 * np.arctan2(2.0 * b, a - c)
    return l1, l2, np.cos(theta), np.sin(theta)


@dataclass(frozen=True)
class Remediation:
    """Result of 2x2 eigenvalue clipping (vectorized fields)."""

    cov: FloatArray  # (n, 2, 2) remediated covariance
    l1: FloatArray  # larger eigenvalue after clipping
    l2: FloatArray  # smaller eigenvalue after clipping
    v1x: FloatArray  # major-axis unit vector, x component
    v1z: FloatArray  # major-axis unit vector, z component
    is_pos_def: NDArray[np.bool_]  # the raw projection was positive definite
    is_remediated: NDArray[np.bool_]  # an eigenvalue was clipped
    remediable: NDArray[np.bool_]  # False where even clipping cannot give a usable covariance


#: Clipping factors tried in turn when clipping at the standard level still leaves a matrix that is
#: numerically not positive definite (CARA's RemediateCovariance2x2 ladder).
FCLIP_LADDER = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2)


def _rebuild(cov2: FloatArray, vx: FloatArray, vz: FloatArray, l1: FloatArray, l2: FloatArray) -> FloatArray:
    ux, uz = -vz, vx
    out = np.empty_like(cov2)
    out[..., 0, 0] = vx * vx * l1 + ux * ux * l2
    out[..., 0, 1] = vx * vz * l1 + ux * uz * l2
    out[..., 1, 0] = out[..., 0, 1]
    out[..., 1, 1] = vz * vz * l1 + uz * uz * l2
    return out


def _numerically_pd(cov2: FloatArray) -> NDArray[np.bool_]:
    a, b, c = cov2[..., 0, 0], cov2[..., 0, 1], cov2[..., 1, 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return (a > 0) & (c > 0) & (a * c - b * b > 0) & (a - b * b / c > 0)


def remediate_2x2(cov2: FloatArray, hbr: FloatArray, fclip: float = FCLIP) -> Remediation:
    """Clip eigenvalues of 2x2 covariances at ``(fclip * hbr)^2``, as CARA's remediation does.

    Matrices that are numerically positive definite are left untouched. Others get their
    eigenvalues clipped at ``(f * HBR)^2`` for ``f`` from ``fclip`` up the CARA ladder until the
    rebuilt matrix is positive definite in floating point; where none works (e.g. an HBR far
    smaller than the covariance's numerical noise) ``remediable`` is False and the Pc cannot be
    computed.
    """
    cov2 = np.asarray(cov2, dtype=np.float64)
    hbr = np.broadcast_to(np.asarray(hbr, dtype=np.float64), cov2.shape[:-2])
    a, b, c = cov2[..., 0, 0], cov2[..., 0, 1], cov2[..., 1, 1]
    l1, l2, vx, vz = eig2x2(a, b, c)
    is_pos_def = _numerically_pd(cov2) & (l2 > 0)
    finite_hbr = np.isfinite(hbr)
    need = ~is_pos_def | (finite_hbr & (l2 < (fclip * hbr) ** 2))
    out = cov2.copy()
    l1o, l2o = l1.copy(), l2.copy()
    is_rem = np.zeros(cov2.shape[:-2], dtype=bool)
    fixed = ~need
    for f in (fclip, *tuple(x for x in FCLIP_LADDER if x > fclip)):
        todo = ~fixed
        if not np.any(todo):
            break
        clip = np.where(finite_hbr, (f * hbr) ** 2, 0.0)
        l1c = np.where(l1 < clip, clip, l1)
        l2c = np.where(l2 < clip, clip, l2)
        rebuilt = _rebuild(cov2, vx, vz, l1c, l2c)
        # Also refuse a condition number beyond what double precision can represent.
        good = todo & _numerically_pd(rebuilt) & (l2c > 16 * np.finfo(float).eps * l1c)
        out[good] = rebuilt[good]
        l1o[good] = l1c[good]
        l2o[good] = l2c[good]
        is_rem[good] = ((l1 < clip) | (l2 < clip))[good]
        fixed |= good
    remediable = fixed & np.isfinite(l1) & (l1 > 0)
    return Remediation(out, l1o, l2o, vx, vz, is_pos_def, is_rem, remediable)


def reverse_cholesky_2x2(cov2: FloatArray) -> FloatArray:
    """Upper-triangular ``U`` with ``U U^T = cov`` (CARA's "reverse Cholesky"), as ``[U11, U12, U22]``."""
    a, b, c = cov2[..., 0, 0], cov2[..., 0, 1], cov2[..., 1, 1]
    u22 = np.sqrt(c)
    u12 = b / u22
    u11 = np.sqrt(a - u12 * u12)
    return np.stack([u11, u12, u22], axis=-1)
