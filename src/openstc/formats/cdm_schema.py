"""The CDM keyword tables: CCSDS 508.0-B-1 (with corrigenda) plus the 508.0 version 2.0 keywords.

Every keyword is declared once here with its kind, file unit and whether it is mandatory; the
block tree follows the CDM XSD (``header``, ``body/relativeMetadataData/relativeStateVector``,
``body/segment/metadata``, ``body/segment/data/{odParameters, additionalParameters, stateVector,
covarianceMatrix, userDefinedParameters}``). The RTN covariance goes up to 9x9 (drag, SRP and
thrust rows); version 2.0 adds the XYZ and CSIG3EIGVEC3 alternate covariances and the additional
covariance metadata, each also a ``covarianceMatrix`` element in XML.
"""

from __future__ import annotations

from openstc.formats.schema import BlockSpec, Keyword

K = Keyword
YES_NO = ("YES", "NO")

HEADER = BlockSpec(
    "header",
    (
        K("CREATION_DATE", "time", mandatory=True, doc="message creation time (UTC)"),
        K("ORIGINATOR", mandatory=True, doc="creating agency or operator"),
        K("MESSAGE_FOR", doc="spacecraft name(s) the message is for"),
        K("MESSAGE_ID", mandatory=True, doc="unique message identifier from the originator"),
        K("CLASSIFICATION", doc="v2: classification or caveats"),
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
        K("PREVIOUS_MESSAGE_ID", doc="v2"),
        K("PREVIOUS_MESSAGE_EPOCH", "time", doc="v2"),
        K("NEXT_MESSAGE_EPOCH", "time", doc="v2"),
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
        K("OBJECT_NAME", mandatory=True),
        K("INTERNATIONAL_DESIGNATOR", mandatory=True),
        K("OBJECT_TYPE", "enum", choices=("PAYLOAD", "ROCKET BODY", "DEBRIS", "UNKNOWN", "OTHER")),
        K("OPS_STATUS", doc="v2: operational status"),
        K("OPERATOR_CONTACT_POSITION"),
        K("OPERATOR_ORGANIZATION"),
        K("OPERATOR_PHONE"),
        K("OPERATOR_EMAIL"),
        K("ODM_MSG_LINK", doc="v2"),
        K("ADM_MSG_LINK", doc="v2"),
        K("EPHEMERIS_NAME", mandatory=True),
        K("OBS_BEFORE_NEXT_MESSAGE", "enum", choices=YES_NO, doc="v2"),
        K("COVARIANCE_METHOD", "enum", mandatory=True, choices=("CALCULATED", "DEFAULT")),
        K("COVARIANCE_SOURCE", doc="v2"),
        K("MANEUVERABLE", "enum", mandatory=True, choices=("YES", "NO", "N/A")),
        K("ORBIT_CENTER", upper=True, doc="default EARTH"),
        K("REF_FRAME", mandatory=True, upper=True),
        K("ALT_COV_TYPE", "enum", choices=("XYZ", "CSIG3EIGVEC3"), doc="v2"),
        K("ALT_COV_REF_FRAME", upper=True, doc="v2"),
        K("GRAVITY_MODEL"),
        K("ATMOSPHERIC_MODEL"),
        K("N_BODY_PERTURBATIONS"),
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
        K("RECOMMENDED_OD_SPAN", "float", "d"),
        K("ACTUAL_OD_SPAN", "float", "d"),
        K("OBS_AVAILABLE", "int"),
        K("OBS_USED", "int"),
        K("TRACKS_AVAILABLE", "int"),
        K("TRACKS_USED", "int"),
        K("RESIDUALS_ACCEPTED", "float", "%", doc="model value is a fraction (97.8 % -> 0.978)"),
        K("WEIGHTED_RMS", "float"),
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
        K("OEB_PARENT_FRAME", doc="v2"),
        K("OEB_PARENT_FRAME_EPOCH", "time", doc="v2"),
        K("OEB_Q1", "float", doc="v2"),
        K("OEB_Q2", "float", doc="v2"),
        K("OEB_Q3", "float", doc="v2"),
        K("OEB_QC", "float", doc="v2"),
        K("OEB_MAX", "float", "m", doc="v2"),
        K("OEB_INT", "float", "m", doc="v2"),
        K("OEB_MIN", "float", "m", doc="v2"),
        K("AREA_ALONG_OEB_MAX", "float", "m**2", doc="v2"),
        K("AREA_ALONG_OEB_INT", "float", "m**2", doc="v2"),
        K("AREA_ALONG_OEB_MIN", "float", "m**2", doc="v2"),
        K("RCS", "float", "m**2", doc="v2"),
        K("RCS_MIN", "float", "m**2", doc="v2"),
        K("RCS_MAX", "float", "m**2", doc="v2"),
        K("VM_ABSOLUTE", "float", doc="v2: absolute visual magnitude"),
        K("VM_APPARENT_MIN", "float", doc="v2"),
        K("VM_APPARENT", "float", doc="v2"),
        K("VM_APPARENT_MAX", "float", doc="v2"),
        K("REFLECTANCE", "float", doc="v2"),
        K("MASS", "float", "kg"),
        K("HBR", "float", "m", doc="v2: hard-body radius"),
        K("CD_AREA_OVER_MASS", "float", "m**2/kg"),
        K("CR_AREA_OVER_MASS", "float", "m**2/kg"),
        K("THRUST_ACCELERATION", "float", "m/s**2"),
        K("SEDR", "float", "W/kg"),
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

# the Cartesian state keywords, shared with the OPM state vector (which adds EPOCH before them)
CARTESIAN_STATE = (
    K("X", "float", "km", mandatory=True),
    K("Y", "float", "km", mandatory=True),
    K("Z", "float", "km", mandatory=True),
    K("X_DOT", "float", "km/s", mandatory=True),
    K("Y_DOT", "float", "km/s", mandatory=True),
    K("Z_DOT", "float", "km/s", mandatory=True),
)
STATE_VECTOR = BlockSpec("stateVector", CARTESIAN_STATE, mandatory=True)

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


def _cov_keywords(axes: tuple[str, ...], mandatory_rows: int) -> tuple[Keyword, ...]:
    out = []
    for i, row in enumerate(covariance_names(axes)):
        for j, name in enumerate(row):
            out.append(K(name, "float", _UNITS[_AXIS_KIND[i] + _AXIS_KIND[j]], mandatory=i < mandatory_rows))
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
BODY = BlockSpec("body", (), (RELATIVE, SEGMENT), mandatory=True)
ROOT = BlockSpec("cdm", (), (HEADER, BODY))
