"""2D Pc by Chan's series (Chan 1997, "Spacecraft Collision Probability", ch. 4).

Chan replaces the elliptical density by an isotropic one of equal determinant, and the hard-body
circle by one of equal area in the scaled frame; the probability that a non-central Rayleigh
(Rician) variable falls inside the circle is then a fast-converging double series in

* ``u = R^2 / (sx sz)`` (size of the body against the covariance), and
* ``v = xm^2 / sx^2 + zm^2 / sz^2`` (squared Mahalanobis miss distance),

``Pc = exp(-v/2) sum_m (v/2)^m / m! * (1 - exp(-u/2) sum_{k<=m} (u/2)^k / k!)``.
Accurate when the body is small against the covariance (``u`` small) or the ellipse not too
elongated; it is an approximation, not an exact integral.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from openstc.pc.covariance import FloatArray
from openstc.pc.geometry import Geometry, MissMode, encounter_geometry

#: CCSDS SANA ``COLLISION_PROBABILITY_METHOD`` name.
CDM_METHOD = "CHAN-1997"

_MAX_TERMS = 400


def pc_from_geometry(geo: Geometry) -> FloatArray:
    """Chan Pc per case; NaN where ``geo.reason`` is set."""
    out = np.full(geo.hbr.shape[0], np.nan)
    ok = geo.ok & np.isfinite(geo.sx) & np.isfinite(geo.sz) & (geo.sz > 0)
    if not np.any(ok):
        return out
    sx, sz, r = geo.sx[ok], geo.sz[ok], geo.finite_hbr()[ok]
    u = r * r / (sx * sz)
    v = (geo.xm[ok] / sx) ** 2 + (geo.zm[ok] / sz) ** 2
    # Outer Poisson(v/2) weights times the inner regularized gamma tail: the inner sum
    # exp(-u/2) sum_{k<=m} (u/2)^k/k! is the Poisson CDF, i.e. gammaincc(m+1, u/2).
    half_v = np.minimum(v / 2.0, 1e6)
    m_hi = np.ceil(half_v + 12.0 * np.sqrt(half_v + 1.0) + 20.0)
    m_hi = np.minimum(m_hi, _MAX_TERMS).astype(int)
    terms = np.arange(int(m_hi.max()) + 1)
    log_w = terms[None, :] * np.log(np.maximum(half_v[:, None], 1e-300)) - half_v[:, None]
    log_w -= special.gammaln(terms[None, :] + 1.0)
    w = np.exp(log_w)
    w[half_v == 0, :] = 0.0
    w[half_v == 0, 0] = 1.0
    inner = special.gammainc(terms[None, :] + 1.0, u[:, None] / 2.0)  # 1 - Poisson CDF
    w[terms[None, :] > m_hi[:, None]] = 0.0
    out[ok] = np.clip(np.sum(w * inner, axis=1), 0.0, 1.0)
    return geo.finalize(out)


def pc2d_chan(
    r1: FloatArray,
    v1: FloatArray,
    cov1: FloatArray,
    r2: FloatArray,
    v2: FloatArray,
    cov2: FloatArray,
    hbr: FloatArray | float,
    *,
    miss_mode: MissMode = "projected",
) -> tuple[FloatArray, Geometry]:
    """Chan 2D Pc for a batch: ``(pc, geometry)``; NaN where ``geometry.reason`` says why."""
    geo = encounter_geometry(r1, v1, cov1, r2, v2, cov2, hbr, miss_mode=miss_mode)
    return pc_from_geometry(geo), geo
