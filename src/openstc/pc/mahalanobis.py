"""Mahalanobis distance of the miss vector under the combined covariance in the encounter plane.

``sqrt(m^T C^-1 m)`` with ``m`` the 2D miss vector and ``C`` the (remediated) projected combined
covariance: how many standard deviations apart the two objects are at TCA. Unit-free.
"""

from __future__ import annotations

import numpy as np

from openstc.pc.covariance import FloatArray
from openstc.pc.geometry import Geometry


def mahalanobis_from_geometry(geo: Geometry) -> FloatArray:
    """Mahalanobis distance per case; NaN where the geometry is unusable."""
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.sqrt((geo.xm / geo.sx) ** 2 + (geo.zm / geo.sz) ** 2)
    return np.where(geo.ok, d, np.nan)
