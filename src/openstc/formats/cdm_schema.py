"""The CDM keyword tables: CCSDS 508.0-B-1 (with corrigenda) plus the 508.0 version 2.0 keywords.

Every keyword is declared once here with its kind, file unit and whether it is mandatory; the
block tree follows the CDM XSD (``header``, ``body/relativeMetadataData/relativeStateVector``,
``body/segment/metadata``, ``body/segment/data/{odParameters, additionalParameters, stateVector,
covarianceMatrix, userDefinedParameters}``). The RTN covariance goes up to 9x9 (drag, SRP and
thrust rows); version 2.0 adds the XYZ and CSIG3EIGVEC3 alternate covariances and the additional
covariance metadata, each also a ``covarianceMatrix`` element in XML.
"""

from __future__ import annotations

from openstc.formats import odm_keys
from openstc.formats.odm_keys import CARTESIAN_STATE, CREATION_DATE, ORIGINATOR
from openstc.formats.schema import BlockSpec, Keyword

K = Keyword
YES_NO = ("YES", "NO")

HEADER = BlockSpec(
    "header",
    (
        CREATION_DATE,
        ORIGINATOR,
        K("MESSAGE_FOR", doc="spacecraft name(s) the message is for"),
        K("MESSAGE_ID", mandatory=True, doc="unique message identifier from the originator"),
        odm_keys.CLASSIFICATION,
    ),
    mandatory=True,
)

RELATIVE_STATE = BlockSpec(
    "relativeStateVector",
    (
        K("RELATIVE_POSITION_R", "float", "m"),
        K("RELATIVE_POSITION_T", "float", "m"),
        K("RELATIVE_POSITION_N", "float", "m"),
        K("RELATIVE_VELOCITY_R", "float", "m/s"),
        K("RELATIVE_VELOCITY_T", "float", "m/s"),
        K("RELATIVE_VELOCITY_N", "float", "m/s"),
    ),
    xml_before="START_SCREEN_PERIOD",
    doc="object 2 relative to object 1 at TCA, RTN of object 1",
)

RELATIVE = BlockSpec(
    "relativeMetadataData",
    (
        K("CONJUNCTION_ID", doc="v2: identifier of the conjunction"),
        K("TCA", "time", mandatory=True, doc="time of closest approach (UTC)"),
        K("MISS_DISTANCE", "float", "m", mandatory=True),
        K("MAHALANOBIS_DISTANCE", "float", doc="v2: miss distance in combined-covariance sigmas"),
        K("RELATIVE_SPEED", "float", "m/s"),
        K("APPROACH_ANGLE", "float", "deg", doc="v2: angle between the velocity vectors"),
        K("START_SCREEN_PERIOD", "time"),
        K("STOP_SCREEN_PERIOD", "time"),
        K("SCREEN_TYPE", "enum", choices=("SHAPE", "PC", "PC_MAX"), doc="v2"),
        K("SCREEN_VOLUME_FRAME", "enum", choices=("RTN", "TVN")),
        K("SCREEN_VOLUME_SHAPE", "enum", choices=("ELLIPSOID", "BOX", "SPHERE")),
        K("SCREEN_VOLUME_RADIUS", "float", "m", alt_units=("km",), doc="v2: sphere radius"),
        K("SCREEN_VOLUME_X", "float", "m", alt_units=("km",)),
        K("SCREEN_VOLUME_Y", "float", "m", alt_units=("km",)),
        K("SCREEN_VOLUME_Z", "float", "m", alt_units=("km",)),
        K("SCREEN_ENTRY_TIME", "time"),
        K("SCREEN_EXIT_TIME", "time"),
        K("SCREEN_PC_THRESHOLD", "float", doc="v2"),
        K("COLLISION_PERCENTILE", "ints", doc="v2"),
        K("COLLISION_PROBABILITY", "float"),
        K("COLLISION_PROBABILITY_METHOD"),
        K("COLLISION_MAX_PROBABILITY", "float", doc="v2"),
        K("COLLISION_MAX_PC_METHOD", doc="v2"),
        K("SEFI_COLLISION_PROBABILITY", "float", doc="v2"),
        K("SEFI_COLLISION_PROBABILITY_METHOD", doc="v2"),
        K("SEFI_FRAGMENTATION_MODEL", doc="v2"),
        odm_keys.PREVIOUS_MESSAGE_ID,
        odm_keys.PREVIOUS_MESSAGE_EPOCH,
        odm_keys.NEXT_MESSAGE_EPOCH,
    ),
    (RELATIVE_STATE,),
    mandatory=True,
)

METADATA = BlockSpec(
    "metadata",
    (
        K("OBJECT", "enum", mandatory=True, choices=("OBJECT1", "OBJECT2")),
        K("OBJECT_DESIGNATOR", mandatory=True, doc="catalog number of the object"),
        K("CATALOG_NAME", mandatory=True),
        odm_keys.OBJECT_NAME,
        K("INTERNATIONAL_DESIGNATOR", mandatory=True),
        K("OBJECT_TYPE", "enum", choices=("PAYLOAD", "ROCKET BODY", "DEBRIS", "UNKNOWN", "OTHER")),
        odm_keys.OPS_STATUS,
        K("OPERATOR_CONTACT_POSITION"),
        K("OPERATOR_ORGANIZATION"),
        K("OPERATOR_PHONE"),
        K("OPERATOR_EMAIL"),
        K("ODM_MSG_LINK", doc="v2"),
        odm_keys.ADM_MSG_LINK,
        K("EPHEMERIS_NAME", mandatory=True),
        K("OBS_BEFORE_NEXT_MESSAGE", "enum", choices=YES_NO, doc="v2"),
        K("COVARIANCE_METHOD", "enum", mandatory=True, choices=("CALCULATED", "DEFAULT")),
        K("COVARIANCE_SOURCE", doc="v2"),
        K("MANEUVERABLE", "enum", mandatory=True, choices=("YES", "NO", "N/A")),
        K("ORBIT_CENTER", upper=True, doc="default EARTH"),
        odm_keys.REF_FRAME,
        K("ALT_COV_TYPE", "enum", choices=("XYZ", "CSIG3EIGVEC3"), doc="v2"),
        K("ALT_COV_REF_FRAME", upper=True, doc="v2"),
        odm_keys.GRAVITY_MODEL,
        odm_keys.ATMOSPHERIC_MODEL,
        odm_keys.N_BODY_PERTURBATIONS,
        K("SOLAR_RAD_PRESSURE", "enum", choices=YES_NO),
        K("EARTH_TIDES", "enum", choices=YES_NO),
        K("INTRACK_THRUST", "enum", choices=YES_NO),
    ),
    mandatory=True,
)

OD_PARAMETERS = BlockSpec(
    "odParameters",
    (
        K("TIME_LASTOB_START", "time"),
        K("TIME_LASTOB_END", "time"),
        odm_keys.RECOMMENDED_OD_SPAN,
        odm_keys.ACTUAL_OD_SPAN,
        odm_keys.OBS_AVAILABLE,
        odm_keys.OBS_USED,
        odm_keys.TRACKS_AVAILABLE,
        odm_keys.TRACKS_USED,
        K("RESIDUALS_ACCEPTED", "float", "%", doc="model value is a fraction (97.8 % -> 0.978)"),
        odm_keys.WEIGHTED_RMS,
        K("OD_EPOCH", "time", doc="v2"),
    ),
)

ADDITIONAL_PARAMETERS = BlockSpec(
    "additionalParameters",
    (
        K("AREA_PC", "float", "m**2"),
        K("AREA_PC_MIN", "float", "m**2", doc="v2"),
        K("AREA_PC_MAX", "float", "m**2", doc="v2"),
        K("AREA_DRG", "float", "m**2"),
        K("AREA_SRP", "float", "m**2"),
        odm_keys.OEB_PARENT_FRAME,
        K("OEB_PARENT_FRAME_EPOCH", "time", doc="v2"),
        odm_keys.OEB_Q1,
        odm_keys.OEB_Q2,
        odm_keys.OEB_Q3,
        odm_keys.OEB_QC,
        odm_keys.OEB_MAX,
        odm_keys.OEB_INT,
        odm_keys.OEB_MIN,
        odm_keys.AREA_ALONG_OEB_MAX,
        odm_keys.AREA_ALONG_OEB_INT,
        odm_keys.AREA_ALONG_OEB_MIN,
        odm_keys.RCS,
        odm_keys.RCS_MIN,
        odm_keys.RCS_MAX,
        odm_keys.VM_ABSOLUTE,
        odm_keys.VM_APPARENT_MIN,
        odm_keys.VM_APPARENT,
        odm_keys.VM_APPARENT_MAX,
        odm_keys.REFLECTANCE,
        odm_keys.MASS,
        K("HBR", "float", "m", doc="v2: hard-body radius"),
        K("CD_AREA_OVER_MASS", "float", "m**2/kg"),
        K("CR_AREA_OVER_MASS", "float", "m**2/kg"),
        K("THRUST_ACCELERATION", "float", "m/s**2"),
        odm_keys.SEDR,
        K("MIN_DV", "floats", "m/s", doc="v2"),
        K("MAX_DV", "floats", "m/s", doc="v2"),
        K("LEAD_TIME_REQD_BEFORE_TCA", "float", "s", doc="v2"),
        K("APOAPSIS_ALTITUDE", "float", "km", doc="v2"),
        K("PERIAPSIS_ALTITUDE", "float", "km", doc="v2"),
        K("INCLINATION", "float", "deg", doc="v2"),
        K("COV_CONFIDENCE", "float", doc="v2"),
        K("COV_CONFIDENCE_METHOD", doc="v2"),
    ),
)

STATE_VECTOR = BlockSpec("stateVector", CARTESIAN_STATE, mandatory=True)  # shared with the OPM

RTN_AXES = ("R", "T", "N", "RDOT", "TDOT", "NDOT", "DRG", "SRP", "THR")
XYZ_AXES = ("X", "Y", "Z", "XDOT", "YDOT", "ZDOT", "DRG", "SRP", "THR")
# Physical kind of each row/column: p position, v velocity, d drag, s SRP, t thrust.
_AXIS_KIND = "pppvvvdst"
_UNITS = {
    "pp": "m**2",
    "vp": "m**2/s",
    "vv": "m**2/s**2",
    "dp": "m**3/kg",
    "dv": "m**3/(kg*s)",
    "dd": "m**4/kg**2",
    "sp": "m**3/kg",
    "sv": "m**3/(kg*s)",
    "sd": "m**4/kg**2",
    "ss": "m**4/kg**2",
    "tp": "m**2/s**2",
    "tv": "m**2/s**3",
    "td": "m**3/(kg*s**2)",
    "ts": "m**3/(kg*s**2)",
    "tt": "m**2/s**4",
}


def covariance_names(axes: tuple[str, ...]) -> list[list[str]]:
    """Keyword names of the lower triangle, row by row: [[CR_R], [CT_R, CT_T], ...]."""
    return [[f"C{axes[i]}_{axes[j]}" for j in range(i + 1)] for i in range(len(axes))]


# the drag/SRP/thrust rows (CDRG_DRG, ...) have the same names in the RTN and XYZ covariances: one
# declaration each, shared by both blocks
_COV_DECLARED: dict[str, Keyword] = {}


def _cov_keywords(axes: tuple[str, ...], mandatory_rows: int) -> tuple[Keyword, ...]:
    out = []
    for i, row in enumerate(covariance_names(axes)):
        for j, name in enumerate(row):
            kw = K(name, "float", _UNITS[_AXIS_KIND[i] + _AXIS_KIND[j]], mandatory=i < mandatory_rows)
            out.append(_COV_DECLARED.setdefault(name, kw))
            if out[-1] != kw:
                raise ValueError(f"covariance keyword {name} declared with two meanings")
    return tuple(out)


RTN_COVARIANCE = BlockSpec(
    "covarianceMatrix",
    _cov_keywords(RTN_AXES, 6),
    key="rtnCovariance",
    mandatory=True,
    doc="RTN covariance of object 1/2 at TCA, 6x6 mandatory, up to 9x9 (drag, SRP, thrust)",
)
XYZ_COVARIANCE = BlockSpec(
    "covarianceMatrix",
    _cov_keywords(XYZ_AXES, 6),
    key="xyzCovariance",
    doc="v2: alternate covariance in ALT_COV_REF_FRAME (ALT_COV_TYPE = XYZ)",
)
SIG_EIG_COVARIANCE = BlockSpec(
    "covarianceMatrix",
    (K("CSIG3EIGVEC3", "floats", mandatory=True, doc="3 sigmas and 3 eigenvectors (12 values)"),),
    key="csig3eigvec3Covariance",
    doc="v2: alternate covariance as sigmas and eigenvectors (ALT_COV_TYPE = CSIG3EIGVEC3)",
)
ADDITIONAL_COVARIANCE = BlockSpec(
    "covarianceMatrix",
    (
        K("DENSITY_FORECAST_UNCERTAINTY", "float"),
        K("CSCALE_FACTOR_MIN", "float"),
        K("CSCALE_FACTOR", "float"),
        K("CSCALE_FACTOR_MAX", "float"),
        K("SCREENING_DATA_SOURCE"),
        K("DCP_SENSITIVITY_VECTOR_POSITION", "floats"),
        K("DCP_SENSITIVITY_VECTOR_VELOCITY", "floats"),
    ),
    key="additionalCovarianceMetadata",
    doc="v2: additional covariance metadata",
)
USER_DEFINED = BlockSpec("userDefinedParameters", user_defined=True)

DATA = BlockSpec(
    "data",
    (),
    (
        OD_PARAMETERS,
        ADDITIONAL_PARAMETERS,
        STATE_VECTOR,
        RTN_COVARIANCE,
        XYZ_COVARIANCE,
        SIG_EIG_COVARIANCE,
        ADDITIONAL_COVARIANCE,
        USER_DEFINED,
    ),
    mandatory=True,
)
SEGMENT = BlockSpec("segment", (), (METADATA, DATA), repeat=True, mandatory=True)
# TraCSS writes its message-level user parameters (alert flag, run and correlation ids, dilution)
# after both segments, at body level in XML (<userDefinedParameters> in <body>) and at the top level of
# its JSON; CCSDS 508 KVN has no blocks, so in KVN they are simply the message's last lines.
BODY_USER_DEFINED = BlockSpec("userDefinedParameters", user_defined=True)
BODY = BlockSpec("body", (), (RELATIVE, SEGMENT, BODY_USER_DEFINED), mandatory=True)
ROOT = BlockSpec("cdm", (), (HEADER, BODY))
