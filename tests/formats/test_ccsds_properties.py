"""Property tests: generated CDMs survive KVN/XML/JSON round trips; random byte mutations of valid
messages never raise anything but FormatError (bounded example counts keep this fast)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from ccsds_paths import OREKIT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openstc import formats
from openstc.errors import FormatError
from openstc.formats.cdm import Cdm
from openstc.formats.cdm_schema import XYZ_AXES, covariance_names
from openstc.formats.model import message_differences
from openstc.formats.opm import Opm

TEXT = (
    st.text(
        alphabet=st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 -_./:+"),
        min_size=1,
        max_size=24,
    )
    .map(str.strip)
    .filter(lambda s: bool(s) and s.upper() != "NAN")
)
TIMES = st.datetimes(min_value=datetime(1958, 1, 1), max_value=datetime(2100, 1, 1)).map(
    lambda d: d.replace(tzinfo=UTC)
)
FINITE = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)
POSITIVE = st.floats(min_value=0.0, max_value=1e7, allow_nan=False)
COMMENTS = st.lists(TEXT, max_size=2)


def _psd(draw: st.DrawFn, n: int) -> np.ndarray:
    """A covariance from a seeded generator: drawing 81 floats one by one made examples so large that
    hypothesis rejected some as overruns and spent most of the test generating data."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    a = rng.standard_normal((n, n)) * draw(st.sampled_from([1e-6, 1.0, 1e3, 1e9]))
    return np.asarray(a @ a.T)


@st.composite
def cdms(draw: st.DrawFn) -> Cdm:
    cdm = Cdm.new(draw(st.sampled_from(["1.0", "2.0"])))
    cdm.header.update(CREATION_DATE=draw(TIMES), ORIGINATOR=draw(TEXT), MESSAGE_ID=draw(TEXT))
    cdm.header.comments = draw(COMMENTS)
    rel = cdm.relative
    rel.update(TCA=draw(TIMES), MISS_DISTANCE=draw(POSITIVE))
    if draw(st.booleans()):
        rel.update(COLLISION_PROBABILITY=draw(st.floats(0, 1)), COLLISION_PROBABILITY_METHOD=draw(TEXT))
    if draw(st.booleans()):
        rel.update(SCREEN_VOLUME_FRAME="RTN", SCREEN_VOLUME_SHAPE="BOX", SCREEN_VOLUME_X=draw(POSITIVE))
    if draw(st.booleans()):
        rel.update(
            APPROACH_ANGLE=draw(st.floats(0, 3.14)),
            COLLISION_PERCENTILE=draw(st.lists(st.integers(0, 100), min_size=1, max_size=3)),
            CONJUNCTION_ID=draw(TEXT),
            PREVIOUS_MESSAGE_EPOCH=draw(TIMES),
        )
    if draw(st.booleans()):
        cdm.relative_state.update(RELATIVE_POSITION_R=draw(FINITE), RELATIVE_VELOCITY_T=draw(FINITE))
    for obj in cdm.objects:
        obj.metadata.update(
            OBJECT_DESIGNATOR=str(draw(st.integers(1, 999999))),
            CATALOG_NAME="SATCAT",
            OBJECT_NAME=draw(TEXT),
            INTERNATIONAL_DESIGNATOR=draw(TEXT),
            EPHEMERIS_NAME=draw(TEXT),
            COVARIANCE_METHOD=draw(st.sampled_from(["CALCULATED", "DEFAULT"])),
            MANEUVERABLE=draw(st.sampled_from(["YES", "NO", "N/A"])),
            REF_FRAME=draw(st.sampled_from(["EME2000", "ITRF", "GCRF"])),
        )
        obj.metadata.comments = draw(COMMENTS)
        obj.set_state([draw(FINITE) for _ in range(3)], [draw(FINITE) for _ in range(3)])
        obj.set_covariance_rtn(_psd(draw, draw(st.sampled_from([6, 8, 9]))))
        if draw(st.booleans()):
            od = obj.block("odParameters")
            od.update(OBS_USED=draw(st.integers(0, 10**6)), RESIDUALS_ACCEPTED=draw(st.floats(0, 1)))
        if draw(st.booleans()):
            obj.block("additionalParameters").update(HBR=draw(POSITIVE), MASS=draw(POSITIVE))
        if draw(st.booleans()):
            m = draw(st.sampled_from([6, 9]))
            xyz = _psd(draw, m)
            block = obj.block("xyzCovariance")
            for i, row in enumerate(covariance_names(XYZ_AXES)[:m]):
                for j, name in enumerate(row):
                    block.set(name, float(xyz[i, j]))
        if draw(st.booleans()):
            obj.block("csig3eigvec3Covariance").set("CSIG3EIGVEC3", [draw(FINITE) for _ in range(12)])
        if draw(st.booleans()):
            obj.block("additionalCovarianceMetadata").update(
                DENSITY_FORECAST_UNCERTAINTY=draw(POSITIVE),
                DCP_SENSITIVITY_VECTOR_POSITION=[draw(FINITE) for _ in range(3)],
            )
        if draw(st.booleans()):
            obj.block("userDefinedParameters").user[
                draw(st.from_regex(r"[A-Z][A-Z0-9_]{0,12}", fullmatch=True))
            ] = draw(TEXT)
    return cdm


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cdms(), st.sampled_from(["kvn", "xml", "json"]))
def test_generated_cdm_round_trip(cdm: Cdm, enc: str) -> None:
    text = formats.write(cdm, enc)
    back = formats.read(text)
    assert isinstance(back, Cdm)
    assert not message_differences(cdm, back, 1e-12), message_differences(cdm, back)[:5]
    assert not back.warnings


SEEDS = [
    (OREKIT / "cdm" / "CDMExample2.txt").read_bytes(),
    (OREKIT / "cdm" / "CDMExample_issue_940.xml").read_bytes(),
    (OREKIT / "odm" / "opm" / "OPMExample2.txt").read_bytes(),
    (OREKIT / "ndm" / "NDM-opm.xml").read_bytes(),
]
SEEDS.append(formats.write(formats.read(SEEDS[0]), "json").encode())


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["replace", "insert", "delete", "truncate"]))
        i = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "replace" and data:
            data[i] = draw(st.integers(0, 255))
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=4))
        elif op == "delete" and data:
            del data[i : i + draw(st.integers(1, 16))]
        elif op == "truncate":
            del data[i:]
    return bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutations_raise_only_format_errors(data: bytes) -> None:
    try:
        msg = formats.read(data, source="fuzz")
    except FormatError as err:
        assert err.code.startswith("FORMAT_")
        return
    assert msg is not None


@st.composite
def opms(draw: st.DrawFn) -> Opm:
    opm = Opm.new()
    opm.header.update(CREATION_DATE=draw(TIMES), ORIGINATOR=draw(TEXT))
    opm.metadata.update(
        OBJECT_NAME=draw(TEXT),
        OBJECT_ID=draw(TEXT),
        CENTER_NAME="EARTH",
        REF_FRAME=draw(st.sampled_from(["EME2000", "GCRF", "ITRF2000"])),
        TIME_SYSTEM=draw(st.sampled_from(["UTC", "TAI", "TT", "GPS"])),
    )
    sv = opm.data.ensure("stateVector")
    sv.set("EPOCH", draw(TIMES))
    for k in ("X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT"):
        sv.set(k, draw(FINITE))
    if draw(st.booleans()):
        opm.data.ensure("keplerianElements").update(
            SEMI_MAJOR_AXIS=draw(POSITIVE) + 6.4e6,
            ECCENTRICITY=draw(st.floats(0, 0.99)),
            INCLINATION=draw(st.floats(0, 3.14)),
            RA_OF_ASC_NODE=draw(st.floats(0, 6.28)),
            ARG_OF_PERICENTER=draw(st.floats(0, 6.28)),
            TRUE_ANOMALY=draw(st.floats(0, 6.28)),
            GM=3.986004415e14,
        )
    for _ in range(draw(st.integers(0, 3))):
        man = opm.data.add("maneuverParameters")
        man.update(
            MAN_EPOCH_IGNITION=draw(TIMES),
            MAN_DURATION=draw(POSITIVE),
            MAN_DELTA_MASS=-draw(POSITIVE),
            MAN_REF_FRAME="RTN",
            MAN_DV_1=draw(FINITE),
            MAN_DV_2=draw(FINITE),
            MAN_DV_3=draw(FINITE),
        )
        man.comments = draw(COMMENTS)
    return opm


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(opms(), st.sampled_from(["kvn", "xml", "json"]))
def test_generated_opm_round_trip(opm: Opm, enc: str) -> None:
    back = formats.read(formats.write(opm, enc))
    assert isinstance(back, Opm)
    # the model of what was read carries the time system on every epoch; compare in that form
    expected = formats.read(formats.write(opm, "kvn"))
    assert not message_differences(expected, back, 1e-12), message_differences(expected, back)[:5]
    assert back.epoch is not None and back.epoch.scale == opm.metadata["TIME_SYSTEM"]
