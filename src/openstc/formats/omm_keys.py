"""OMM (CCSDS 502.0-B-3) keyword declarations: the blocks of an OMM and the keywords each takes.

Header, common metadata, spacecraft parameters and covariance names are the shared ODM declarations
of :mod:`~openstc.formats.odm_keys` (by reference); the mean elements and TLE parameters are the OMM's
own. The mean elements and TLE parameters that define an SGP4 element set keep the message's units
(``si=False``) so that TLE <-> OMM <-> ``sgp4`` trips are bit-exact (see :mod:`~openstc.formats.omm`).
"""

from __future__ import annotations

from openstc.formats import odm_keys
from openstc.formats.odm_keys import keys
from openstc.formats.schema import Keyword

K = Keyword

HEADER = keys(odm_keys.HEADER)
METADATA = keys(odm_keys.METADATA, (K("MEAN_ELEMENT_THEORY", mandatory=True),))
MEAN_ELEMENTS = keys(
    (
        odm_keys.EPOCH,
        K("SEMI_MAJOR_AXIS", "float", "km", doc="MEAN_MOTION or SEMI_MAJOR_AXIS is given"),
        K("MEAN_MOTION", "float", "rev/day", si=False),
        odm_keys.ECCENTRICITY,
        K("INCLINATION", "float", "deg", mandatory=True, si=False),
        K("RA_OF_ASC_NODE", "float", "deg", mandatory=True, si=False),
        K("ARG_OF_PERICENTER", "float", "deg", mandatory=True, si=False),
        K("MEAN_ANOMALY", "float", "deg", mandatory=True, si=False),
        odm_keys.GM,
    )
)
SPACECRAFT = keys(odm_keys.SPACECRAFT)
TLE = keys(
    (
        K("EPHEMERIS_TYPE", "int"),
        K("CLASSIFICATION_TYPE"),
        K("NORAD_CAT_ID", "int"),
        K("ELEMENT_SET_NO", "int"),
        K("REV_AT_EPOCH", "int"),
        K("BSTAR", "float", "1/ER", si=False),
        K("BTERM", "float", "m**2/kg"),
        K("MEAN_MOTION_DOT", "float", "rev/day**2", si=False),
        K("MEAN_MOTION_DDOT", "float", "rev/day**3", si=False),
        K("AGOM", "float", "m**2/kg"),
    )
)
COV_REF_FRAME = odm_keys.COV_REF_FRAME
COVARIANCE = keys((COV_REF_FRAME,), odm_keys.COVARIANCE)

# model attribute -> declarations, in message order
SECTIONS: list[tuple[str, dict[str, Keyword]]] = [
    ("header", HEADER),
    ("metadata", METADATA),
    ("mean_elements", MEAN_ELEMENTS),
    ("spacecraft", SPACECRAFT),
    ("tle", TLE),
]
SECTION_OF = {k: name for name, decl in SECTIONS for k in decl}
XML_SECTION = {"mean_elements": "meanElements", "spacecraft": "spacecraftParameters", "tle": "tleParameters"}
# Space-Track/CelesTrak JSON leave these metadata out: they are always EARTH/TEME/UTC/SGP4
FLAT_DEFAULTS = {
    "CENTER_NAME": "EARTH",
    "REF_FRAME": "TEME",
    "TIME_SYSTEM": "UTC",
    "MEAN_ELEMENT_THEORY": "SGP4",
}
