"""Encounter-plane geometry shared by the 2D methods: relative state, frame, projected covariance.

:func:`encounter_geometry` does the common work once for a batch: relative position and velocity,
the CARA encounter frame, the combined covariance projected on the plane and remediated, the miss
vector in the plane and in the covariance's principal axes, and a per-case failure reason (empty
string where the case is usable). The 2D methods (Foster, Elrod, Chan, max Pc) start from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from openstc.pc.covariance import (
    FCLIP,
    FloatArray,
    as_matrices,
    as_vectors,
    combined_covariance,
    encounter_frame,
    project_to_plane,
    remediate_2x2,
)

MissMode = Literal["projected", "norm"]

REASON_ZERO_VELOCITY = "zero relative velocity: the encounter plane is undefined"
REASON_NOT_FINITE = "non-finite state, covariance or hard-body radius"
REASON_NPD = "combined covariance is not positive definite in the encounter plane and cannot be remediated"
REASON_NO_COVARIANCE = "no covariance for either object"


@dataclass(frozen=True)
class Geometry:
    """Per-conjunction encounter-plane quantities (arrays with leading batch axis ``n``)."""

    r_rel: FloatArray  # r1 - r2
    v_rel: FloatArray  # v1 - v2
    frame: FloatArray  # (n,3,3) rows x, y, z
    cov_plane: FloatArray  # (n,2,2) remediated combined covariance in the plane (x, z)
    miss: FloatArray  # (n,2) miss vector in the plane (x, z)
    xm: FloatArray  # miss along the principal major axis (>= 0)
    zm: FloatArray  # miss along the principal minor axis (>= 0)
    sx: FloatArray  # principal sigma, major
    sz: FloatArray  # principal sigma, minor
    hbr: FloatArray
    is_remediated: NDArray[np.bool_]
    is_pos_def: NDArray[np.bool_]
    reason: NDArray[np.str_]  # "" where usable

    @property
    def ok(self) -> NDArray[np.bool_]:
        return np.asarray(self.reason == "", dtype=bool)

    def finalize(self, pc: FloatArray) -> FloatArray:
        """Apply the exact limits: Pc 0 for a zero radius, 1 for an infinite one (usable cases)."""
        pc = np.where(self.ok & (self.hbr == 0), 0.0, pc)
        return np.where(self.ok & np.isinf(self.hbr), 1.0, pc)

    def finite_hbr(self) -> FloatArray:
        return np.where(np.isinf(self.hbr), 0.0, self.hbr)


def relative_frame(r_rel: FloatArray, v_rel: FloatArray, r_sum: FloatArray) -> FloatArray:
    """CARA's encounter frame, with a fallback plane orientation when the miss vector is ~0.

    With ``r_rel`` (nearly) parallel to ``v_rel`` the normal ``r x v`` vanishes; any direction
    normal to ``v`` then serves, and we take ``r_sum x v`` as CARA does when it perturbs the miss.
    """
    h = np.cross(r_rel, v_rel)
    hn = np.linalg.norm(h, axis=-1)
    scale = np.linalg.norm(r_rel, axis=-1) * np.linalg.norm(v_rel, axis=-1)
    small = ~(hn > 1e-12 * scale) | (hn == 0)
    if np.any(small):
        alt = np.cross(r_sum, v_rel)
        alt_n = np.linalg.norm(alt, axis=-1)
        # Last resort for r_sum parallel to v: any vector normal to v.
        e = np.where(np.abs(v_rel[:, :1]) < 0.9 * np.linalg.norm(v_rel, axis=-1, keepdims=True), 1.0, 0.0)
        basis = np.concatenate([e, 1.0 - e, np.zeros_like(e)], axis=-1)
        alt = np.where((alt_n > 0)[:, None], alt, np.cross(basis, v_rel))
        # Build a pseudo miss vector lying in the plane normal to alt and to v.
        r_fake = np.cross(v_rel, alt)
        r_use = np.where(small[:, None], r_fake, r_rel)
    else:
        r_use = r_rel
    return encounter_frame(r_use, v_rel)


def encounter_geometry(
    r1: FloatArray,
    v1: FloatArray,
    cov1: FloatArray,
    r2: FloatArray,
    v2: FloatArray,
    cov2: FloatArray,
    hbr: FloatArray | float,
    *,
    miss_mode: MissMode = "projected",
    fclip: float = FCLIP,
) -> Geometry:
    """Compute the shared 2D quantities for a batch of conjunctions.

    ``miss_mode="projected"`` uses the miss vector's projection on the encounter plane (correct at
    any epoch); ``"norm"`` uses the full ``|r1 - r2|`` along the plane's x axis, as CARA's PcCircle
    does (identical at the true TCA).
    """
    r1a, v1a, r2a, v2a = (as_vectors(a) for a in (r1, v1, r2, v2))
    c1 = as_matrices(cov1)
    c2 = as_matrices(cov2)
    n = r1a.shape[0]
    hbra = np.broadcast_to(np.asarray(hbr, dtype=np.float64), (n,)).copy()
    # As CARA: a negative radius is no cross-section (Pc 0); an infinite one is certain collision.
    hbra[hbra < 0] = 0.0
    r_rel = r1a - r2a
    v_rel = v1a - v2a
    with np.errstate(invalid="ignore", divide="ignore"):
        frame = relative_frame(r_rel, v_rel, r1a + r2a)
        cov3 = combined_covariance(c1, c2)
        cplane = project_to_plane(cov3, frame)
        rem = remediate_2x2(cplane, hbra, fclip)
        if miss_mode == "norm":
            miss = np.stack([np.linalg.norm(r_rel, axis=-1), np.zeros(n)], axis=-1)
        else:
            miss = np.stack(
                [np.einsum("ij,ij->i", frame[:, 0], r_rel), np.einsum("ij,ij->i", frame[:, 2], r_rel)],
                axis=-1,
            )
        xm = np.abs(miss[:, 0] * rem.v1x + miss[:, 1] * rem.v1z)
        zm = np.abs(-miss[:, 0] * rem.v1z + miss[:, 1] * rem.v1x)
        sx = np.sqrt(rem.l1)
        sz = np.sqrt(rem.l2)
    reason = np.full(n, "", dtype=object)
    finite = (
        np.all(np.isfinite(r_rel), axis=-1)
        & np.all(np.isfinite(v_rel), axis=-1)
        & np.all(np.isfinite(cov3), axis=(-1, -2))
        & ~np.isnan(hbra)
    )
    vnorm = np.linalg.norm(v_rel, axis=-1)
    zero_cov = np.all(cov3 == 0, axis=(-1, -2))
    reason[~rem.remediable] = REASON_NPD
    reason[zero_cov] = REASON_NO_COVARIANCE
    reason[~(vnorm > 0)] = REASON_ZERO_VELOCITY
    reason[~finite] = REASON_NOT_FINITE
    return Geometry(
        r_rel=r_rel,
        v_rel=v_rel,
        frame=frame,
        cov_plane=rem.cov,
        miss=miss,
        xm=xm,
        zm=zm,
        sx=sx,
        sz=sz,
        hbr=hbra,
        is_remediated=rem.is_remediated,
        is_pos_def=rem.is_pos_def,
        reason=reason.astype(str),
    )
