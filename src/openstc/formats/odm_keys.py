"""Keyword declarations shared by the ODM messages (OPM, OMM, OEM, OCM), each declared once.

Every message module takes these :class:`~openstc.formats.schema.Keyword` objects by reference (never a
copy), so a keyword such as ``CREATION_DATE`` or ``REF_FRAME`` has one kind, unit and mandatory flag
across the ODM family. ``tests/formats/test_keyword_declarations.py`` checks that by identity.
Message-specific keywords are declared in the message's own module (``omm_keys``, ``ocm_keys``, ...).
"""

from __future__ import annotations

from collections.abc import Iterable

from openstc.formats.schema import Keyword

K = Keyword


def keys(*groups: Iterable[Keyword]) -> dict[str, Keyword]:
    """Ordered ``name -> Keyword`` table of a block made of keyword groups (standard order)."""
    out: dict[str, Keyword] = {}
    for group in groups:
        for kw in group:
            if kw.name in out:
                raise ValueError(f"keyword {kw.name} declared twice in one block")
            out[kw.name] = kw
    return out


# ODM header (502.0-B-3 section 3.2): CREATION_DATE and ORIGINATOR are mandatory (the CDM header
# takes these two as well; its MESSAGE_ID and CLASSIFICATION differ and are its own)
CLASSIFICATION = K("CLASSIFICATION", doc="B-3")
CREATION_DATE = K("CREATION_DATE", "time", mandatory=True, doc="message creation time (UTC)")
ORIGINATOR = K("ORIGINATOR", mandatory=True, doc="creating agency or operator")
MESSAGE_ID = K("MESSAGE_ID", doc="B-3")
HEADER = (CLASSIFICATION, CREATION_DATE, ORIGINATOR, MESSAGE_ID)

# metadata common to OPM, OMM and OEM (the OCM declares its own, all optional but EPOCH_TZERO)
OBJECT_NAME = K("OBJECT_NAME", mandatory=True)
OBJECT_ID = K("OBJECT_ID", mandatory=True, doc="international designator, e.g. 1998-999A")
CENTER_NAME = K("CENTER_NAME", mandatory=True, upper=True)
REF_FRAME = K("REF_FRAME", mandatory=True, upper=True)
REF_FRAME_EPOCH = K("REF_FRAME_EPOCH", "time")
TIME_SYSTEM = K("TIME_SYSTEM", mandatory=True, upper=True)
METADATA = (OBJECT_NAME, OBJECT_ID, CENTER_NAME, REF_FRAME, REF_FRAME_EPOCH, TIME_SYSTEM)

# the Cartesian state (OPM state vector, which adds EPOCH before them, and the CDM object state vector)
CARTESIAN_STATE = (
    K("X", "float", "km", mandatory=True),
    K("Y", "float", "km", mandatory=True),
    K("Z", "float", "km", mandatory=True),
    K("X_DOT", "float", "km/s", mandatory=True),
    K("Y_DOT", "float", "km/s", mandatory=True),
    K("Z_DOT", "float", "km/s", mandatory=True),
)

# spacecraft parameters of the OPM and OMM (MASS also in the CDM, SOLAR_RAD_COEFF also in the OCM)
MASS = K("MASS", "float", "kg")
SOLAR_RAD_COEFF = K("SOLAR_RAD_COEFF", "float")
SPACECRAFT = (
    MASS,
    K("SOLAR_RAD_AREA", "float", "m**2"),
    SOLAR_RAD_COEFF,
    K("DRAG_AREA", "float", "m**2"),
    K("DRAG_COEFF", "float"),
)

# other keywords with one meaning in several ODMs
EPOCH = K("EPOCH", "time", mandatory=True, doc="epoch of an OPM state, OMM mean elements, OEM covariance")
ECCENTRICITY = K("ECCENTRICITY", "float", mandatory=True)  # OPM Keplerian and OMM mean elements
GM = K("GM", "float", "km**3/s**2")  # optional in the OMM and OCM (the OPM's is mandatory: its own)
INTERPOLATION = K("INTERPOLATION", upper=True)  # OEM metadata, OCM trajectory
INTERPOLATION_DEGREE = K("INTERPOLATION_DEGREE", "int")

# keywords the CDM (v2) took over from the OCM: one declaration for both
PREVIOUS_MESSAGE_ID = K("PREVIOUS_MESSAGE_ID")
PREVIOUS_MESSAGE_EPOCH = K("PREVIOUS_MESSAGE_EPOCH", "time")
NEXT_MESSAGE_EPOCH = K("NEXT_MESSAGE_EPOCH", "time")
OPS_STATUS = K("OPS_STATUS", doc="operational status")
ADM_MSG_LINK = K("ADM_MSG_LINK")
GRAVITY_MODEL = K("GRAVITY_MODEL")
ATMOSPHERIC_MODEL = K("ATMOSPHERIC_MODEL")
N_BODY_PERTURBATIONS = K("N_BODY_PERTURBATIONS")
RECOMMENDED_OD_SPAN = K("RECOMMENDED_OD_SPAN", "float", "d")
ACTUAL_OD_SPAN = K("ACTUAL_OD_SPAN", "float", "d")
OBS_AVAILABLE = K("OBS_AVAILABLE", "int")
OBS_USED = K("OBS_USED", "int")
TRACKS_AVAILABLE = K("TRACKS_AVAILABLE", "int")
TRACKS_USED = K("TRACKS_USED", "int")
WEIGHTED_RMS = K("WEIGHTED_RMS", "float")
OEB_PARENT_FRAME = K("OEB_PARENT_FRAME")
OEB_Q1 = K("OEB_Q1", "float")
OEB_Q2 = K("OEB_Q2", "float")
OEB_Q3 = K("OEB_Q3", "float")
OEB_QC = K("OEB_QC", "float")
OEB_MAX = K("OEB_MAX", "float", "m")
OEB_INT = K("OEB_INT", "float", "m")
OEB_MIN = K("OEB_MIN", "float", "m")
AREA_ALONG_OEB_MAX = K("AREA_ALONG_OEB_MAX", "float", "m**2")
AREA_ALONG_OEB_INT = K("AREA_ALONG_OEB_INT", "float", "m**2")
AREA_ALONG_OEB_MIN = K("AREA_ALONG_OEB_MIN", "float", "m**2")
RCS = K("RCS", "float", "m**2")
RCS_MIN = K("RCS_MIN", "float", "m**2")
RCS_MAX = K("RCS_MAX", "float", "m**2")
VM_ABSOLUTE = K("VM_ABSOLUTE", "float", doc="absolute visual magnitude")
VM_APPARENT_MIN = K("VM_APPARENT_MIN", "float")
VM_APPARENT = K("VM_APPARENT", "float")
VM_APPARENT_MAX = K("VM_APPARENT_MAX", "float")
REFLECTANCE = K("REFLECTANCE", "float")
SEDR = K("SEDR", "float", "W/kg")

# the 6x6 position/velocity covariance (OPM, OMM, OEM): lower triangle, row by row (CX_X, CY_X, CY_Y, ...)
AXES = ("X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT")
COV_REF_FRAME = K("COV_REF_FRAME", upper=True, doc="default: the metadata REF_FRAME")


def _cov_unit(i: int, j: int) -> str:
    return ("km**2", "km**2/s", "km**2/s**2")[(i >= 3) + (j >= 3)]


COV_INDEX: dict[str, tuple[int, int]] = {
    f"C{AXES[i]}_{AXES[j]}": (i, j) for i in range(6) for j in range(i + 1)
}
COVARIANCE = tuple(K(name, "float", _cov_unit(i, j), mandatory=True) for name, (i, j) in COV_INDEX.items())


# every keyword declared here, by name (the OCM's compact tables take these objects when they match)
SHARED: dict[str, Keyword] = {}
for _kw in [v for v in list(globals().values()) if isinstance(v, Keyword)] + [
    *CARTESIAN_STATE,
    *SPACECRAFT,
    *COVARIANCE,
]:
    if SHARED.setdefault(_kw.name, _kw) is not _kw:
        raise ValueError(f"keyword {_kw.name} declared twice in odm_keys")
