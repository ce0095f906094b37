"""Maximum Pc over a scaling of the covariance, and the dilution-region flag (Alfano; CARA PcDilution).

If the covariance is scaled by ``Sf^2``, the 2D Pc first rises, peaks and then falls as ``Sf``
grows (for a miss larger than the HBR). A conjunction whose reported Pc sits on the falling
side (peak at ``Sf < 1``) is in the *dilution region*: the Pc is low because the covariance is
large, not because the objects are well separated, and better tracking could raise it. The
function returns the maximum over ``Sf``, the scale of the maximum and the flag; both covariances
are scaled together (CARA's default ``PriSecScaling = "both"``).

The maximum is found with a log-spaced grid over ``Sf`` in [1e-4, 1e4] followed by a golden-section
refinement in ``log Sf``, vectorized over conjunctions. Scaling preserves the principal axes, so
the geometry is computed once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from openstc.pc import _kernel
from openstc.pc.covariance import FloatArray
from openstc.pc.geometry import Geometry, encounter_geometry

#: Name openstc writes in CDMs for this method (not in the CCSDS SANA registry).
CDM_METHOD = "ALFANO-DILUTION-MAXPC"

_DILUTION_TOL = 1e-3  # relative change below which PcMax and Pc are "the same" (CARA DilutTol)


@dataclass(frozen=True)
class DilutionResult:
    pc: FloatArray  # 2D Pc at Sf = 1
    pc_max: FloatArray  # maximum over Sf (capped at 0.5 outside the hard body, as CARA)
    sf_max: FloatArray  # scale factor (on sigmas) of the maximum
    diluted: NDArray[np.bool_]  # the reported Pc is in the dilution region
    geometry: Geometry


def _pc_scaled(geo: Geometry, idx: NDArray[np.intp], sf: FloatArray) -> FloatArray:
    r = geo.finite_hbr()[idx]
    return _kernel.pc_batch(
        _kernel.SHAPE_CIRCLE,
        np.ascontiguousarray(geo.xm[idx]),
        np.ascontiguousarray(geo.zm[idx]),
        np.ascontiguousarray(r),
        np.ascontiguousarray(geo.sx[idx] * sf),
        np.zeros(idx.shape[0]),
        np.ascontiguousarray(geo.sz[idx] * sf),
        1e-10,
    )


def dilution_max_pc(
    r1: FloatArray,
    v1: FloatArray,
    cov1: FloatArray,
    r2: FloatArray,
    v2: FloatArray,
    cov2: FloatArray,
    hbr: FloatArray | float,
    *,
    grid: int = 81,
) -> DilutionResult:
    """Max Pc over covariance scaling with the dilution flag, for a batch of conjunctions.

    The miss is taken at the linearly refined TCA (projection on the encounter plane).
    """
    geo = encounter_geometry(r1, v1, cov1, r2, v2, cov2, hbr, miss_mode="projected")
    n = geo.hbr.shape[0]
    pc_one = np.full(n, np.nan)
    pc_max = np.full(n, np.nan)
    sf_max = np.full(n, np.nan)
    diluted = np.zeros(n, dtype=bool)
    ok = np.flatnonzero(geo.ok & np.isfinite(geo.hbr) & (geo.hbr > 0))
    if ok.size:
        pc_one[ok] = _pc_scaled(geo, ok, np.ones(ok.size))
        lg = np.linspace(-4.0, 4.0, grid)
        idx = np.repeat(ok, grid)
        vals = _pc_scaled(geo, idx, np.tile(10.0**lg, ok.size)).reshape(ok.size, grid)
        best = np.argmax(vals, axis=1)
        step = lg[1] - lg[0]
        lo = lg[best] - step
        hi = lg[best] + step
        # Golden-section search on log10(Sf) within the bracketing grid cells.
        g = (np.sqrt(5.0) - 1.0) / 2.0
        a, b = lo, hi
        c = b - g * (b - a)
        d = a + g * (b - a)
        fc = _pc_scaled(geo, ok, 10.0**c)
        fd = _pc_scaled(geo, ok, 10.0**d)
        for _ in range(40):
            left = fc >= fd
            b = np.where(left, d, b)
            a = np.where(left, a, c)
            new_c = b - g * (b - a)
            new_d = a + g * (b - a)
            fd_new = np.where(left, fc, _pc_scaled(geo, ok, 10.0**new_d))
            fc_new = np.where(left, _pc_scaled(geo, ok, 10.0**new_c), fd)
            c, d, fc, fd = new_c, new_d, fc_new, fd_new
        lbest = 0.5 * (a + b)
        fbest = _pc_scaled(geo, ok, 10.0**lbest)
        grid_best = vals[np.arange(ok.size), best]
        use_grid = grid_best > fbest
        lbest = np.where(use_grid, lg[best], lbest)
        fbest = np.where(use_grid, grid_best, fbest)
        # Sf = 1 is a candidate too (the maximum may be the reported Pc itself).
        one_better = pc_one[ok] >= fbest
        lbest = np.where(one_better, 0.0, lbest)
        fbest = np.where(one_better, pc_one[ok], fbest)
        outside = np.hypot(geo.xm[ok], geo.zm[ok]) > geo.hbr[ok]
        fbest = np.where(outside, np.minimum(fbest, 0.5), fbest)
        pc_max[ok] = fbest
        sf_max[ok] = 10.0**lbest
        changed = np.abs(fbest - pc_one[ok]) > _DILUTION_TOL * np.maximum(fbest, 1e-300)
        diluted[ok] = (10.0**lbest < 1.0) & changed
    return DilutionResult(geo.finalize(pc_one), geo.finalize(pc_max), sf_max, diluted, geo)
