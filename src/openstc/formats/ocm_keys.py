"""OCM (CCSDS 502.0-B-3) keyword declarations, orbit element set types and maneuver fields.

Tables only: which keywords each OCM block takes (with the unit the standard writes and whether the
model converts to SI), the element-set types of trajectory and covariance lines with their units
(SANA "orbital elements" registry), the covariance orderings, and the maneuver composition fields.
"""

from __future__ import annotations

import math

from openstc.formats import odm_keys, units
from openstc.formats.schema import Keyword

# short kind codes of the compact tables below -> :class:`Keyword` kinds
_KINDS = {
    "": "str",
    "s": "str",
    "f": "float",
    "i": "int",
    "t": "time",
    "T": "reltime",
    "l": "strs",
    "u": "units",
    "v": "floats",
}
# text values the standard writes in upper case (frames, centres, time systems, type codes): lower case
# is read with a warning and upper-cased
UPPER_VALUES = frozenset(
    {
        "CENTER_NAME",
        "TIME_SYSTEM",
        "COV_REF_FRAME",
        "TRAJ_REF_FRAME",
        "MAN_REF_FRAME",
        "TRAJ_TYPE",
        "COV_TYPE",
        "COV_ORDERING",
        "INTERPOLATION",
        "TRAJ_BASIS",
        "COV_BASIS",
        "MAN_BASIS",
    }
)


def _same(a: Keyword, b: Keyword) -> bool:
    return (a.kind, a.unit, a.mandatory, a.si, a.upper, a.choices, a.alt_units) == (
        b.kind,
        b.unit,
        b.mandatory,
        b.si,
        b.upper,
        b.choices,
        b.alt_units,
    )


def _decl(spec: str) -> dict[str, Keyword]:
    """``"NAME:kind:unit NAME2! ..."`` -> declarations (kind defaults to text; ``!``: mandatory)."""
    out: dict[str, Keyword] = {}
    for item in spec.split():
        name, _, rest = item.partition(":")
        kind, _, unit = rest.partition(":")
        mandatory = name.endswith("!")
        name = name.rstrip("!")
        k = _KINDS[kind]
        kw = Keyword(name, k, unit or None, mandatory, upper=k == "str" and name in UPPER_VALUES)
        shared = odm_keys.SHARED.get(name)
        # a keyword with the same meaning in other messages is that one declaration (found by name,
        # taken only when kind, unit and flags agree: OCM's optional OBJECT_NAME is its own)
        out[name] = shared if shared is not None and _same(shared, kw) else kw
    return out


HEADER = odm_keys.keys(odm_keys.HEADER)
METADATA = _decl(
    "OBJECT_NAME INTERNATIONAL_DESIGNATOR CATALOG_NAME OBJECT_DESIGNATOR ALTERNATE_NAMES "
    "ORIGINATOR_POC ORIGINATOR_POSITION ORIGINATOR_PHONE ORIGINATOR_EMAIL ORIGINATOR_ADDRESS TECH_ORG "
    "TECH_POC TECH_POSITION TECH_PHONE TECH_EMAIL TECH_ADDRESS PREVIOUS_MESSAGE_ID NEXT_MESSAGE_ID "
    "ADM_MSG_LINK CDM_MSG_LINK PRM_MSG_LINK RDM_MSG_LINK TDM_MSG_LINK OPERATOR OWNER COUNTRY "
    "CONSTELLATION OBJECT_TYPE TIME_SYSTEM EPOCH_TZERO!:t OPS_STATUS ORBIT_CATEGORY OCM_DATA_ELEMENTS "
    "SCLK_OFFSET_AT_EPOCH:f:s SCLK_SEC_PER_SI_SEC:f:s PREVIOUS_MESSAGE_EPOCH:t NEXT_MESSAGE_EPOCH:t "
    "START_TIME:t STOP_TIME:t TIME_SPAN:f:d TAIMUTC_AT_TZERO:f:s NEXT_LEAP_EPOCH:t "
    "NEXT_LEAP_TAIMUTC:f:s UT1MUTC_AT_TZERO:f:s EOP_SOURCE INTERP_METHOD_EOP CELESTIAL_SOURCE"
)
TRAJ = _decl(
    "TRAJ_ID TRAJ_PREV_ID TRAJ_NEXT_ID TRAJ_BASIS TRAJ_BASIS_ID INTERPOLATION INTERPOLATION_DEGREE:i "
    "PROPAGATOR CENTER_NAME TRAJ_REF_FRAME TRAJ_FRAME_EPOCH:T USEABLE_START_TIME:T "
    "USEABLE_STOP_TIME:T ORB_REVNUM:f ORB_REVNUM_BASIS:i TRAJ_TYPE ORB_AVERAGING TRAJ_UNITS:u"
)
PHYS = _decl(
    "MANUFACTURER BUS_MODEL DOCKED_WITH DRAG_CONST_AREA:f:m**2 DRAG_COEFF_NOM:f DRAG_UNCERTAINTY:f:% "
    "INITIAL_WET_MASS:f:kg WET_MASS:f:kg DRY_MASS:f:kg OEB_PARENT_FRAME OEB_PARENT_FRAME_EPOCH:T "
    "OEB_Q1:f OEB_Q2:f OEB_Q3:f OEB_QC:f OEB_MAX:f:m OEB_INT:f:m OEB_MIN:f:m "
    "AREA_ALONG_OEB_MAX:f:m**2 AREA_ALONG_OEB_INT:f:m**2 AREA_ALONG_OEB_MIN:f:m**2 "
    "AREA_MIN_FOR_PC:f:m**2 AREA_MAX_FOR_PC:f:m**2 AREA_TYP_FOR_PC:f:m**2 RCS:f:m**2 RCS_MIN:f:m**2 "
    "RCS_MAX:f:m**2 SRP_CONST_AREA:f:m**2 SOLAR_RAD_COEFF:f SOLAR_RAD_UNCERTAINTY:f:% VM_ABSOLUTE:f "
    "VM_APPARENT_MIN:f VM_APPARENT:f VM_APPARENT_MAX:f REFLECTANCE:f ATT_CONTROL_MODE "
    "ATT_ACTUATOR_TYPE ATT_KNOWLEDGE:f:deg ATT_CONTROL:f:deg ATT_POINTING:f:deg "
    "AVG_MANEUVER_FREQ:f:#/yr MAX_THRUST:f:N DV_BOL:f:km/s DV_REMAINING:f:km/s IXX:f:kg*m**2 "
    "IYY:f:kg*m**2 IZZ:f:kg*m**2 IXY:f:kg*m**2 IXZ:f:kg*m**2 IYZ:f:kg*m**2"
)
COV = _decl(
    "COV_ID COV_PREV_ID COV_NEXT_ID COV_BASIS COV_BASIS_ID COV_REF_FRAME COV_FRAME_EPOCH:T "
    "COV_SCALE_MIN:f COV_SCALE_MAX:f COV_CONFIDENCE:f:% COV_TYPE COV_ORDERING COV_UNITS:u"
)
MAN = _decl(
    "MAN_ID MAN_PREV_ID MAN_NEXT_ID MAN_BASIS MAN_BASIS_ID MAN_DEVICE_ID MAN_PREV_EPOCH:T "
    "MAN_NEXT_EPOCH:T MAN_PURPOSE MAN_PRED_SOURCE MAN_REF_FRAME MAN_FRAME_EPOCH:T GRAV_ASSIST_NAME "
    "DC_TYPE DC_WIN_OPEN:T DC_WIN_CLOSE:T DC_MIN_CYCLES:i DC_MAX_CYCLES:i DC_EXEC_START:T "
    "DC_EXEC_STOP:T DC_REF_TIME:T DC_TIME_PULSE_DURATION:f:s DC_TIME_PULSE_PERIOD:f:s DC_REF_DIR:v "
    "DC_BODY_FRAME DC_BODY_TRIGGER:v DC_PA_START_ANGLE:f:deg DC_PA_STOP_ANGLE:f:deg MAN_COMPOSITION:l "
    "MAN_UNITS:u"
)
PERT = _decl(
    "ATMOSPHERIC_MODEL GRAVITY_MODEL EQUATORIAL_RADIUS:f:km GM:f:km**3/s**2 N_BODY_PERTURBATIONS "
    "CENTRAL_BODY_ROTATION:f:deg/s OBLATE_FLATTENING:f OCEAN_TIDES_MODEL SOLID_TIDES_MODEL "
    "REDUCTION_THEORY ALBEDO_MODEL ALBEDO_GRID_SIZE:i SHADOW_MODEL SHADOW_BODIES SRP_MODEL "
    "SW_DATA_SOURCE SW_DATA_EPOCH:T SW_INTERP_METHOD FIXED_GEOMAG_KP:f:nT FIXED_GEOMAG_AP:f:nT "
    "FIXED_GEOMAG_DST:f:nT FIXED_F10P7:f:SFU FIXED_F10P7_MEAN:f:SFU FIXED_M10P7:f:SFU "
    "FIXED_M10P7_MEAN:f:SFU FIXED_S10P7:f:SFU FIXED_S10P7_MEAN:f:SFU FIXED_Y10P7:f:SFU "
    "FIXED_Y10P7_MEAN:f:SFU"
)
OD = _decl(
    "OD_ID OD_PREV_ID OD_METHOD OD_EPOCH:T DAYS_SINCE_FIRST_OBS:f:d DAYS_SINCE_LAST_OBS:f:d "
    "RECOMMENDED_OD_SPAN:f:d ACTUAL_OD_SPAN:f:d OBS_AVAILABLE:i OBS_USED:i TRACKS_AVAILABLE:i "
    "TRACKS_USED:i MAXIMUM_OBS_GAP:f:d OD_EPOCH_EIGMAJ:f:m OD_EPOCH_EIGINT:f:m OD_EPOCH_EIGMIN:f:m "
    "OD_MAX_PRED_EIGMAJ:f:m OD_MIN_PRED_EIGMIN:f:m OD_CONFIDENCE:f:% GDOP:f SOLVE_N:i SOLVE_STATES "
    "CONSIDER_N:i CONSIDER_PARAMS SEDR:f:W/kg SENSORS_N:i SENSORS WEIGHTED_RMS:f DATA_TYPES"
)

# Element-set types of trajectory and covariance lines and the unit of each element (SANA registry).
_DEG4 = ("deg", "deg", "deg", "deg")
ELEMENT_UNITS: dict[str, tuple[str, ...]] = {
    "ADBARV": (*_DEG4, "km", "km/s"),
    "CARTP": ("km", "km", "km"),
    "CARTPV": ("km", "km", "km", "km/s", "km/s", "km/s"),
    "CARTPVA": ("km", "km", "km", "km/s", "km/s", "km/s", "km/s**2", "km/s**2", "km/s**2"),
    "DELAUNAY": ("km**2/s", "km**2/s", "km**2/s", "deg", "deg", "deg"),
    "DELAUNAYMOD": ("km**0.5", "km**0.5", "km**0.5", "deg", "deg", "deg"),
    "EIGVAL3EIGVEC3": ("km", "km", "km", *(["n/a"] * 9)),
    "EQUINOCTIAL": ("km", "n/a", "n/a", "deg", "n/a", "n/a", "n/a"),
    "EQUINOCTIALMOD": ("km", "n/a", "n/a", "deg", "n/a", "n/a", "n/a"),
    "GEODETIC": (*_DEG4, "km", "km/s"),
    "KEPLERIAN": ("km", "n/a", *_DEG4),
    "KEPLERIANMEAN": ("km", "n/a", *_DEG4),
    "LDBARV": (*_DEG4, "km", "km/s"),
    "ONSTATION": ("km", "n/a", "n/a", "n/a", "n/a", "deg"),
    "POINCARE": ("deg", "km/s**0.5", "km/s**0.5", "km**2/s", "km/s**0.5", "km/s**0.5"),
}
_EXTRA_FACTORS = {"km**0.5": math.sqrt(1e3), "km/s**0.5": 1e3, "n/a": 1.0, "": 1.0}


def unit_factor(unit: str) -> float:
    """File unit -> SI factor, including the element-set units the shared table lacks."""
    n = units.normalize(unit)
    if n in _EXTRA_FACTORS:
        return _EXTRA_FACTORS[n]
    return units.factor(n)


def same_unit(a: str, b: str) -> bool:
    na, nb = units.normalize(a), units.normalize(b)
    aliases = {"1": "n/a", "-": "n/a", "none": "n/a", "": "n/a"}
    return aliases.get(na, na) == aliases.get(nb, nb)


def nb_cov_values(ordering: str, dim: int) -> int:
    return dim * (dim + 1) // 2 if ordering in ("LTM", "UTM") else dim * dim


ORDERINGS = ("LTM", "UTM", "FULL", "LTMWCC", "UTMWCC")

# Maneuver composition fields: unit in MAN_UNITS (None = the field has no entry there: times),
# and whether the column is text (identifiers, ON/OFF flags).
MAN_FIELDS: dict[str, tuple[str | None, bool]] = {
    "TIME_ABSOLUTE": (None, False),
    "TIME_RELATIVE": (None, False),
    "MAN_DURA": ("s", False),
    "DELTA_MASS": ("kg", False),
    "ACC_X": ("km/s**2", False),
    "ACC_Y": ("km/s**2", False),
    "ACC_Z": ("km/s**2", False),
    "ACC_INTERP": ("n/a", True),
    "ACC_MAG_SIGMA": ("%", False),
    "ACC_DIR_SIGMA": ("deg", False),
    "DV_X": ("km/s", False),
    "DV_Y": ("km/s", False),
    "DV_Z": ("km/s", False),
    "DV_MAG_SIGMA": ("%", False),
    "DV_DIR_SIGMA": ("deg", False),
    "THR_X": ("N", False),
    "THR_Y": ("N", False),
    "THR_Z": ("N", False),
    "THR_EFFIC": ("n/a", False),
    "THR_INTERP": ("n/a", True),
    "THR_ISP": ("s", False),
    "THR_MAG_SIGMA": ("%", False),
    "THR_DIR_SIGMA": ("deg", False),
    "DEPLOY_ID": ("n/a", True),
    "DEPLOY_DV_X": ("km/s", False),
    "DEPLOY_DV_Y": ("km/s", False),
    "DEPLOY_DV_Z": ("km/s", False),
    "DEPLOY_MASS": ("kg", False),
    "DEPLOY_DV_SIGMA": ("%", False),
    "DEPLOY_DIR_SIGMA": ("deg", False),
    "DEPLOY_DV_RATIO": ("n/a", False),
    "DEPLOY_DV_CDA": ("m**2", False),
}
