"""openstc.pc: collision probability.

Pure functions over numpy arrays (SI units, one inertial frame). Entry point for the rest of
openstc: :func:`compute_pc` (batch) returning one :class:`PcResult` per conjunction. One method per
module: :mod:`~openstc.pc.foster` (2D numerical integration, default), :mod:`~openstc.pc.elrod`,
:mod:`~openstc.pc.chan`, :mod:`~openstc.pc.hall3d` (3D Nc, for encounters where 2D fails),
:mod:`~openstc.pc.hall2d` (Hall's 2D Nc: the 3D Nc expanded about one time),
:mod:`~openstc.pc.montecarlo` (linear or two-body, optionally importance-sampled),
:mod:`~openstc.pc.maxpc` (Frisbee),
:mod:`~openstc.pc.dilution`, :mod:`~openstc.pc.covxcorr` (density cross-correlation);
:mod:`~openstc.pc.applicability` says when 2D holds; :mod:`~openstc.pc.covariance` does frames and
remediation; :mod:`~openstc.pc.hbr` the radii; :mod:`~openstc.pc.twobody` and
:mod:`~openstc.pc.equinoctial` the orbit mechanics they need, :mod:`~openstc.pc.peakoverlap` Hall's
peak-overlap linearization.
"""

from openstc.pc.hbr import DEFAULT_HBR_M, combined_hbr, default_object_hbr
from openstc.pc.result import METHODS, MethodPc, PcResult, compute_pc

__all__ = [
    "DEFAULT_HBR_M",
    "METHODS",
    "MethodPc",
    "PcResult",
    "combined_hbr",
    "compute_pc",
    "default_object_hbr",
]
