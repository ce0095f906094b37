"""Orbit Parameter Message (CCSDS 502.0-B-2 / B-3): keyword tables, model and codec registration.

One segment: metadata, a state vector (km, km/s in files; m, m/s in the model), optional
osculating Keplerian elements (angles in rad in the model), spacecraft parameters, a 6x6
covariance (km**2-based in files, m**2-based in the model), any number of maneuvers and
user-defined parameters. Times follow the metadata ``TIME_SYSTEM``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from openstc.formats import odm_keys
from openstc.formats.ccsds_time import Epoch
from openstc.formats.model import Block, Message, ReadContext, SegmentParts, opt_str, vector
from openstc.formats.registry import register_schema
from openstc.formats.schema import BlockSpec, Keyword, MessageSpec

K = Keyword
FloatArray = npt.NDArray[np.float64]

HEADER = BlockSpec("header", odm_keys.HEADER, mandatory=True)
METADATA = BlockSpec("metadata", odm_keys.METADATA, mandatory=True)
STATE_VECTOR = BlockSpec("stateVector", (odm_keys.EPOCH, *odm_keys.CARTESIAN_STATE), mandatory=True)


def _check_kepler(block: Block, ctx: ReadContext) -> None:
    if ("TRUE_ANOMALY" in block.values) == ("MEAN_ANOMALY" in block.values):
        raise ctx.error(
            "Keplerian elements need exactly one of TRUE_ANOMALY and MEAN_ANOMALY",
            code="FORMAT_MISSING_KEYWORD" if "TRUE_ANOMALY" not in block.values else "FORMAT_INCONSISTENT",
            line=block.line,
            keyword="TRUE_ANOMALY",
        )


KEPLERIAN = BlockSpec(
    "keplerianElements",
    (
        K("SEMI_MAJOR_AXIS", "float", "km", mandatory=True),
        odm_keys.ECCENTRICITY,
        K("INCLINATION", "float", "deg", mandatory=True),
        K("RA_OF_ASC_NODE", "float", "deg", mandatory=True),
        K("ARG_OF_PERICENTER", "float", "deg", mandatory=True),
        K("TRUE_ANOMALY", "float", "deg"),
        K("MEAN_ANOMALY", "float", "deg"),
        K("GM", "float", "km**3/s**2", mandatory=True),
    ),
    check=_check_kepler,
)
SPACECRAFT = BlockSpec("spacecraftParameters", odm_keys.SPACECRAFT)
AXES = odm_keys.AXES
COV_NAMES = [[f"C{AXES[i]}_{AXES[j]}" for j in range(i + 1)] for i in range(6)]
COVARIANCE = BlockSpec("covarianceMatrix", (odm_keys.COV_REF_FRAME, *odm_keys.COVARIANCE))
MANEUVER = BlockSpec(
    "maneuverParameters",
    (
        K("MAN_EPOCH_IGNITION", "time", mandatory=True),
        K("MAN_DURATION", "float", "s", mandatory=True),
        K("MAN_DELTA_MASS", "float", "kg", mandatory=True),
        K("MAN_REF_FRAME", mandatory=True, upper=True),
        K("MAN_DV_1", "float", "km/s", mandatory=True),
        K("MAN_DV_2", "float", "km/s", mandatory=True),
        K("MAN_DV_3", "float", "km/s", mandatory=True),
    ),
    repeat=True,
)
USER_DEFINED = BlockSpec("userDefinedParameters", user_defined=True)
DATA = BlockSpec(
    "data", (), (STATE_VECTOR, KEPLERIAN, SPACECRAFT, COVARIANCE, MANEUVER, USER_DEFINED), mandatory=True
)
SEGMENT = BlockSpec("segment", (), (METADATA, DATA), mandatory=True)
BODY = BlockSpec("body", (), (SEGMENT,), mandatory=True)
ROOT = BlockSpec("opm", (), (HEADER, BODY))


class Opm(SegmentParts, Message):
    """An Orbit Parameter Message with typed accessors (SI)."""

    @classmethod
    def new(cls, version: str = "3.0") -> Opm:
        msg = cls(OPM_SPEC, None, version)
        msg.root.add("header")
        seg = msg.root.add("body").add("segment")
        seg.add("metadata")
        seg.add("data").add("stateVector")
        return msg

    @property
    def segment(self) -> Block:
        return self.root.ensure("body").ensure("segment")

    def block(self, key: str) -> Block | None:
        return self.data.child(key)

    @property
    def object_name(self) -> str | None:
        return opt_str(self.metadata, "OBJECT_NAME")

    @property
    def time_system(self) -> str:
        return str(self.metadata.get("TIME_SYSTEM", "UTC"))

    @property
    def epoch(self) -> Epoch | None:
        sv = self.block("stateVector")
        v = sv.get("EPOCH") if sv else None
        return v if isinstance(v, Epoch) else None

    def epoch_utc(self, ut1_utc: float | None = None) -> datetime | None:
        e = self.epoch
        return None if e is None else e.utc(ut1_utc)

    @property
    def state(self) -> FloatArray:
        """Position (m) and velocity (m/s) at EPOCH in REF_FRAME."""
        return vector(self.block("stateVector"), ("X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT"))

    @property
    def covariance(self) -> FloatArray | None:
        """6x6 covariance (m**2, m**2/s, m**2/s**2) or None."""
        b = self.block("covarianceMatrix")
        if b is None:
            return None
        m = np.full((6, 6), np.nan)
        for i, row in enumerate(COV_NAMES):
            for j, name in enumerate(row):
                if name in b.values:
                    m[i, j] = m[j, i] = b.values[name]
        return m

    @property
    def maneuvers(self) -> list[Block]:
        return self.data.children_of("maneuverParameters")

    @property
    def user_defined(self) -> dict[str, Any]:
        b = self.block("userDefinedParameters")
        return dict(b.user) if b else {}


OPM_SPEC = MessageSpec(
    name="OPM",
    version_keyword="CCSDS_OPM_VERS",
    xml_root="opm",
    root=ROOT,
    versions=("1.0", "2.0", "3.0"),
    default_version="3.0",
    message_class=Opm,
    time_scope="segment",
    doc="CCSDS 502.0-B-2/B-3 Orbit Parameter Message",
)

register_schema(OPM_SPEC)
