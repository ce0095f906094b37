"""2D Pc with the density-forecast cross-correlation correction (Casali et al. 2018; CARA Pc_CovXCorr).

Both objects' predicted positions err together when the atmospheric density forecast is wrong,
so their covariances are correlated. With each object's density-consider-parameter (DCP)
uncertainty ``sigma`` and 6-vector sensitivity ``G`` (state error per unit relative density error,
inertial frame), the relative covariance becomes

``C = C1 + C2 - sigma_p sigma_s (G_s G_p^T + G_p G_s^T)``

and the 2D Pc is computed from it as usual. :func:`dcp_sensitivity_rtn_to_inertial` rotates the
RTN sensitivities that CDMs carry.
"""

from __future__ import annotations

import numpy as np

from openstc.pc import elrod
from openstc.pc.covariance import FloatArray, as_matrices, as_vectors, rtn_rotation
from openstc.pc.geometry import Geometry, MissMode, encounter_geometry

#: Name openstc writes in CDMs for this method.
CDM_METHOD = "CASALI-2018-XCORR"


def dcp_sensitivity_rtn_to_inertial(g_rtn: FloatArray, r: FloatArray, v: FloatArray) -> FloatArray:
    """Rotate ``(n,6)`` RTN position/velocity sensitivities to the inertial frame of ``r``, ``v``."""
    g = as_vectors(np.asarray(g_rtn, dtype=np.float64))
    rot = rtn_rotation(r, v)
    return np.concatenate(
        [np.einsum("nij,nj->ni", rot, g[:, :3]), np.einsum("nij,nj->ni", rot, g[:, 3:])], axis=-1
    )


def correlated_relative_covariance(
    cov1: FloatArray,
    cov2: FloatArray,
    sigma1: FloatArray | float,
    g1: FloatArray,
    sigma2: FloatArray | float,
    g2: FloatArray,
) -> FloatArray:
    """Relative 6x6 covariance with the DCP cross-correlation removed (``(n,6,6)``)."""
    c1 = as_matrices(np.asarray(cov1, dtype=np.float64))
    c2 = as_matrices(np.asarray(cov2, dtype=np.float64))
    gp = as_vectors(np.asarray(g1, dtype=np.float64))
    gs = as_vectors(np.asarray(g2, dtype=np.float64))
    s = np.asarray(sigma1, dtype=np.float64) * np.asarray(sigma2, dtype=np.float64)
    cross = gs[:, :, None] * gp[:, None, :] + gp[:, :, None] * gs[:, None, :]
    return np.asarray(c1 + c2 - np.reshape(s, (-1, 1, 1)) * cross, dtype=np.float64)


def pc2d_covxcorr(
    r1: FloatArray,
    v1: FloatArray,
    cov1: FloatArray,
    r2: FloatArray,
    v2: FloatArray,
    cov2: FloatArray,
    hbr: FloatArray | float,
    sigma1: FloatArray | float,
    g1: FloatArray,
    sigma2: FloatArray | float,
    g2: FloatArray,
    *,
    miss_mode: MissMode = "projected",
) -> tuple[FloatArray, Geometry]:
    """2D Pc (Elrod quadrature, as CARA) of the cross-correlation-corrected relative covariance."""
    c = correlated_relative_covariance(cov1, cov2, sigma1, g1, sigma2, g2)
    geo = encounter_geometry(r1, v1, c, r2, v2, np.zeros_like(c), hbr, miss_mode=miss_mode)
    return elrod.pc_from_geometry(geo), geo
