"""2D Pc by numerical integration over the hard-body shape (Foster 1992; Alfano; CARA Pc2D_Foster).

The default Pc of openstc. Under the short-encounter assumptions (straight-line relative motion,
constant covariance through the encounter) the collision probability is the integral of the
combined position density, projected on the encounter plane, over the hard-body circle centred on
the miss vector. The integral is done to ~1e-12 relative accuracy by :mod:`openstc.pc._kernel`.

Shapes: ``"circle"`` (the default), ``"square"`` (side ``2 HBR``, axes of the encounter frame) and
``"square_equal_area"`` (same area as the circle), as CARA's ``Pc2D_Foster`` offers them.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from openstc.pc import _kernel
from openstc.pc.covariance import FloatArray
from openstc.pc.geometry import Geometry, MissMode, encounter_geometry

Shape = Literal["circle", "square", "square_equal_area"]

#: Name of the method in CDMs (CCSDS SANA ``COLLISION_PROBABILITY_METHOD`` registry).
CDM_METHOD = "FOSTER-1992"

_REL_TOL = 1e-9  # relative; far below any use (CARA integrates to 1e-8), ~1e-13 in practice


def pc_from_geometry(geo: Geometry, shape: Shape = "circle") -> FloatArray:
    """Pc per case from precomputed geometry; NaN where ``geo.reason`` is set (callers map it)."""
    n = geo.hbr.shape[0]
    out = np.full(n, np.nan)
    ok = geo.ok
    if not np.any(ok):
        return out
    if shape == "circle":
        vals = _kernel.pc_batch(
            _kernel.SHAPE_CIRCLE,
            np.ascontiguousarray(geo.xm[ok]),
            np.ascontiguousarray(geo.zm[ok]),
            np.ascontiguousarray(geo.finite_hbr()[ok]),
            np.ascontiguousarray(geo.sx[ok]),
            np.zeros(int(ok.sum())),
            np.ascontiguousarray(geo.sz[ok]),
            _REL_TOL,
        )
    else:
        half = geo.finite_hbr()[ok] * (np.sqrt(np.pi) / 2.0 if shape == "square_equal_area" else 1.0)
        cp = geo.cov_plane[ok]
        cxx, cxz, czz = cp[:, 0, 0], cp[:, 0, 1], cp[:, 1, 1]
        vals = _kernel.pc_batch(
            _kernel.SHAPE_SQUARE,
            np.ascontiguousarray(geo.miss[ok, 0]),
            np.ascontiguousarray(geo.miss[ok, 1]),
            np.ascontiguousarray(half),
            np.sqrt(cxx),
            cxz / cxx,
            np.sqrt(np.maximum(czz - cxz * cxz / cxx, 0.0)),
            _REL_TOL,
        )
    out[ok] = vals
    return geo.finalize(out)


def pc2d(
    r1: FloatArray,
    v1: FloatArray,
    cov1: FloatArray,
    r2: FloatArray,
    v2: FloatArray,
    cov2: FloatArray,
    hbr: FloatArray | float,
    *,
    shape: Shape = "circle",
    miss_mode: MissMode = "projected",
) -> tuple[FloatArray, Geometry]:
    """2D Pc for a batch: ``(pc, geometry)``; ``pc`` is NaN where ``geometry.reason`` says why.

    Inputs are ``(n,3)`` positions/velocities and ``(n,3,3)`` or ``(n,6,6)`` covariances in one
    inertial frame and consistent units (a single case may drop the batch axis).
    """
    geo = encounter_geometry(r1, v1, cov1, r2, v2, cov2, hbr, miss_mode=miss_mode)
    return pc_from_geometry(geo, shape), geo
