"""OMM reading/writing against Orekit's OmmParserTest (ORACLES.md section 3), beyond's ISS OMM/TLE pair,
python-sgp4's OMM samples (section 9) with ``sgp4.omm`` as the oracle of the Satrec an OMM gives, and
the ElementSet bridge (MEAN_MOTION_DOT is the TLE line-1 field, ORACLES 9.1).

Tolerances: mean elements exact (they keep the message's units); covariance relative 1e-15 (km**2 x 1e6);
Satrec attributes exact (bit for bit, as sgp4 builds them).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from ccsds_paths import DATA, OREKIT
from sgp4 import omm as sgp4_omm
from sgp4.api import Satrec

from openstc import formats
from openstc.errors import FormatError
from openstc.formats.ccsds_time import Epoch
from openstc.formats.elset import ElementSet, to_satrec
from openstc.formats.omm import Omm, omms_from_json
from openstc.formats.tle import format_tle, parse_tle_lines

OR_OMM = OREKIT / "odm" / "omm"
BEYOND = DATA / "beyond" / "tests" / "io" / "ccsds" / "data"
SGP4_DIR = DATA / "python-sgp4" / "sgp4"
MARIO = Path(__file__).resolve().parent / "data" / "mario_55123.xml"

VALID = sorted(
    [p for p in OR_OMM.iterdir() if p.name.startswith("OMMExample")]
    + [OR_OMM / "OMM-with-units.xml"]
    + list(BEYOND.glob("omm*"))
    + list((DATA / "ccsds-ndm-jochimmaene" / "data").glob("*/omm_*"))
    + [SGP4_DIR / "sample_omm.xml", SGP4_DIR / "sample_omm.json"]
)
SATREC_ATTRS = (
    "satnum",
    "jdsatepoch",
    "jdsatepochF",
    "no_kozai",
    "ecco",
    "inclo",
    "nodeo",
    "argpo",
    "mo",
    "bstar",
    "ndot",
    "nddot",
    "classification",
    "elnum",
    "revnum",
    "ephtype",
)


def load(name: str) -> Omm:
    return Omm.parse((OR_OMM / name).read_bytes())


def assert_same(a: Omm, b: Omm) -> None:
    for name in ("header", "metadata", "mean_elements", "spacecraft", "tle"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.values == y.values, name
        assert x.comments == y.comments, name
    assert (a.covariance is None) == (b.covariance is None)
    if a.covariance is not None and b.covariance is not None:
        np.testing.assert_allclose(a.covariance, b.covariance, rtol=1e-15, atol=0)
        assert a.covariance_frame == b.covariance_frame
    assert a.user == b.user and a.version == b.version


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_every_valid_omm_parses_and_round_trips(path: Path) -> None:
    omm = Omm.parse(path.read_bytes())
    if "CREATION_DATE" not in omm.header:  # CelesTrak forms: writing is strict and wants a header
        with pytest.raises(FormatError):
            formats.write(omm, "kvn")
        omm.header.values.update(CREATION_DATE=Epoch(datetime(2020, 1, 1)), ORIGINATOR="CELESTRAK")
    for enc in ("kvn", "xml", "json"):
        back = formats.read(formats.write(omm, enc))
        assert isinstance(back, Omm)
        assert_same(omm, back)


def test_omm_example1_goes9() -> None:
    omm = load("OMMExample1.txt")
    assert omm.header["CREATION_DATE"] == Epoch(datetime(2007, 3, 6, 16))
    assert omm.header["ORIGINATOR"] == "NOAA/USA" and "MESSAGE_ID" not in omm.header
    m = omm.metadata
    assert (m["OBJECT_NAME"], m["OBJECT_ID"], m["CENTER_NAME"], m["REF_FRAME"], m["TIME_SYSTEM"]) == (
        "GOES 9",
        "1995-025A",
        "EARTH",
        "TEME",
        "UTC",
    )
    assert omm.mean_element_theory == "SGP/SGP4" and omm.is_sgp4
    assert omm.epoch == Epoch(datetime(2007, 3, 5, 10, 34, 41, 426400))
    me, tle = omm.mean_elements, omm.tle
    assert (me["MEAN_MOTION"], me["ECCENTRICITY"], me["INCLINATION"], me["RA_OF_ASC_NODE"]) == (
        1.00273272,
        0.0005013,
        3.0539,
        81.7939,
    )
    assert (me["ARG_OF_PERICENTER"], me["MEAN_ANOMALY"]) == (249.2363, 150.1602)
    assert me["GM"] == pytest.approx(398600.8e9, rel=1e-15)
    assert omm.inclination == pytest.approx(np.radians(3.0539), rel=1e-15)
    assert omm.mean_motion == pytest.approx(1.00273272 * 2 * np.pi / 86400, rel=1e-15)
    assert (tle["EPHEMERIS_TYPE"], tle["CLASSIFICATION_TYPE"], tle["NORAD_CAT_ID"]) == (0, "U", 23581)
    assert (tle["ELEMENT_SET_NO"], tle["REV_AT_EPOCH"], tle["BSTAR"]) == (925, 4316, 0.0001)
    assert (tle["MEAN_MOTION_DOT"], tle["MEAN_MOTION_DDOT"]) == (-0.00000113, 0.0)
    line1, line2 = format_tle(omm.to_element_set())
    assert line2 == "2 23581   3.0539  81.7939 0005013 249.2363 150.1602  1.00273272 43169"
    assert line1[33:43] == "-.00000113"  # ORACLES 9.1: the OMM value is the TLE field, not halved


@pytest.mark.parametrize("name", ["OMMExample2.txt", "OMMExample2.xml", "OMM-with-units.xml"])
def test_omm_example2_covariance(name: str) -> None:
    omm = load(name)
    assert omm.mean_elements["MEAN_MOTION"] == 1.00273272 and omm.tle["BSTAR"] == 0.0001
    assert "MASS" not in omm.spacecraft and "BTERM" not in omm.tle
    assert omm.covariance_frame == "TEME" and omm.covariance is not None
    col1 = [
        333.1349476038534,
        461.8927349220216,
        -307.0007847730449,
        -0.3349365033922630,
        -0.2211832501084875,
        -0.3041346050686871,
    ]
    np.testing.assert_allclose(omm.covariance[:, 0], col1, rtol=1e-15, atol=0)
    diag = [
        333.1349476038534,
        678.2421679971363,
        323.1931992380369,
        4.296022805587290e-4,
        1.767514756338532e-4,
        6.224444338635500e-4,
    ]
    np.testing.assert_allclose(np.diag(omm.covariance), diag, rtol=1e-15, atol=0)
    np.testing.assert_array_equal(omm.covariance, omm.covariance.T)


def test_omm_example3_mrt_and_utc() -> None:
    omm = load("OMMExample3.txt")
    assert omm.version == "2.0" and omm.time_system == "MRT"
    assert omm.header.comments == ["this is a comment", "here is another one"]
    ref = datetime(2000, 1, 1)
    assert (omm.metadata["REF_FRAME_EPOCH"].calendar - ref).total_seconds() == 210840.0
    assert omm.mean_elements["SEMI_MAJOR_AXIS"] == 6.8e6 and omm.mean_motion is None
    sc = omm.spacecraft
    assert (sc["MASS"], sc["SOLAR_RAD_AREA"], sc["SOLAR_RAD_COEFF"]) == (300.0, 5.0, 0.001)
    assert omm.covariance_frame == "TNW" and omm.user == {"EARTH_MODEL": "WGS-84"}
    utc = load("OMMExample3_utc.txt")
    assert utc.metadata["REF_FRAME"] == "TOD"
    assert utc.metadata["REF_FRAME_EPOCH"] == Epoch(datetime(2000, 1, 3, 10, 34), "UTC")


def test_omm_example5_sgp4_xp_bterm() -> None:
    omm = load("OMMExample5.txt")
    assert omm.mean_element_theory == "SGP4-XP" and not omm.is_sgp4
    assert omm.mean_elements["MEAN_MOTION"] == 1.00273272
    assert "BSTAR" not in omm.tle and omm.tle["BTERM"] == 0.0015


REJECTS = [
    ("OMM-wrong-keyword.txt", "FORMAT_UNEXPECTED_KEYWORD", 9, "WRONG_KEYWORD"),
    ("OMM-number-format-error.txt", "FORMAT_BAD_VALUE", 15, "ARG_OF_PERICENTER"),
    ("OMM-empty-object-id.txt", "FORMAT_MISSING_KEYWORD", None, "OBJECT_ID"),
    ("OMM-empty-object-id.xml", "FORMAT_MISSING_KEYWORD", None, "OBJECT_ID"),
    ("spurious-metadata.xml", "FORMAT_UNEXPECTED_KEYWORD", 17, None),
]


@pytest.mark.parametrize(("name", "code", "line", "keyword"), REJECTS, ids=[r[0] for r in REJECTS])
def test_omm_rejects(name: str, code: str, line: int | None, keyword: str | None) -> None:
    with pytest.raises(FormatError) as exc:
        Omm.parse((OR_OMM / name).read_bytes())
    assert exc.value.code == code
    if line is not None:
        assert exc.value.line == line
    if keyword is not None:
        assert exc.value.keyword == keyword


def test_oem_given_to_omm_reader_is_unsupported() -> None:
    with pytest.raises(FormatError) as exc:
        Omm.parse((OR_OMM.parent / "oem" / "OEMExample1.txt").read_bytes())
    assert exc.value.code == "FORMAT_UNSUPPORTED"


def test_beyond_iss_omm_equals_its_tle() -> None:
    tle = parse_tle_lines(
        "1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927",
        "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537",
    )
    for name in ("omm.kvn", "omm.xml"):
        es = Omm.parse((BEYOND / name).read_bytes()).to_element_set()
        for f in (
            "norad_id",
            "mean_motion_rev_day",
            "eccentricity",
            "inclination_deg",
            "raan_deg",
            "arg_perigee_deg",
            "mean_anomaly_deg",
            "bstar_per_er",
            "mean_motion_dot_rev_day2",
            "mean_motion_ddot_rev_day3",
        ):
            assert getattr(es, f) == getattr(tle, f), f
        assert abs((es.epoch - tle.epoch).total_seconds()) < 1e-6
        assert es.mean_motion_dot_rev_day2 == -0.00002182 and es.bstar_per_er == -0.000011606


@pytest.mark.parametrize("path", [SGP4_DIR / "sample_omm.xml", MARIO], ids=lambda p: p.name)
def test_satrec_from_omm_equals_sgp4_omm_initialize(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"{path.name} not collected")
    with path.open() as fh:
        (fields,) = list(sgp4_omm.parse_xml(fh))
    oracle = Satrec()
    sgp4_omm.initialize(oracle, fields)
    ours = to_satrec(Omm.parse(path.read_bytes()).to_element_set())
    for attr in SATREC_ATTRS:
        assert getattr(ours, attr) == getattr(oracle, attr), attr


def test_sample_json_and_csv_twin() -> None:
    (omm,) = omms_from_json((SGP4_DIR / "sample_omm.json").read_bytes())
    assert omm.metadata["OBJECT_NAME"] == "VANGUARD 1" and omm.epoch == Epoch(
        datetime(2025, 2, 14, 14, 36, 48, 662784)
    )
    assert omm.tle["MEAN_MOTION_DOT"] == 2.64e-6 and omm.metadata["REF_FRAME"] == "TEME"
    xml = Omm.parse((SGP4_DIR / "sample_omm.xml").read_bytes())
    twin = parse_tle_lines(
        "1 00005U 58002B   20287.20333880 -.00000016  00000-0 -22483-4 0  9998",
        "2 00005  34.2443 225.5254 1845686 162.2516 205.2356 10.84869164218149",
    )
    es = xml.to_element_set()
    assert (es.mean_motion_dot_rev_day2, es.bstar_per_er, es.eccentricity) == (
        -1.6e-07,
        -2.2483e-05,
        0.1845686,
    )
    assert (es.rev_at_epoch, es.element_set_no, es.norad_id) == (21814, 999, 5)
    assert abs((es.epoch - twin.epoch).total_seconds()) < 1e-3  # TLE epochs have 1e-8 day resolution
    exported = Omm.from_element_set(twin)  # python-sgp4 export_omm(TLE) expectations
    assert exported.tle["MEAN_MOTION_DOT"] == -1.6e-07 and exported.tle["BSTAR"] == -2.2483e-05
    assert exported.mean_elements["ECCENTRICITY"] == 0.1845686
    assert (exported.tle["REV_AT_EPOCH"], exported.tle["ELEMENT_SET_NO"]) == (21814, 999)


def test_element_set_bridge_is_lossless() -> None:
    es = ElementSet(
        norad_id=54380,
        epoch=datetime(2022, 12, 11, 16, 32, 45, 677184, tzinfo=UTC),
        mean_motion_rev_day=16.45663364,
        eccentricity=0.0014777,
        inclination_deg=41.4618,
        raan_deg=212.0662,
        arg_perigee_deg=219.1379,
        mean_anomaly_deg=204.8125,
        bstar_per_er=0.00018379,
        mean_motion_dot_rev_day2=0.08877519,
        mean_motion_ddot_rev_day3=0.0000080912,
        object_name="CZ-2F R/B",
        object_id="2022-162B",
        element_set_no=999,
        rev_at_epoch=195,
        source="spacetrack-json",
    )
    omm = Omm.from_element_set(es)
    assert omm.to_element_set() == es
    for enc in ("kvn", "xml", "json"):
        back = formats.read(formats.write(omm, enc)).to_element_set()
        assert back == ElementSet(**{**{f: getattr(es, f) for f in es.__dataclass_fields__}, "source": "omm"})
    assert omm.tle["MEAN_MOTION_DOT"] == 0.08877519  # never halved (ORACLES 9.1)
    tle = parse_tle_lines(
        "1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927",
        "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537",
    )
    assert Omm.from_element_set(tle).to_element_set() == tle  # epoch_jd kept in memory


def test_flat_spacetrack_json_extra_fields() -> None:
    row = {
        "CCSDS_OMM_VERS": "2.0",
        "CREATION_DATE": "2022-12-11T18:16:13",
        "ORIGINATOR": "18 SPCS",
        "OBJECT_NAME": "CZ-2F R/B",
        "OBJECT_ID": "2022-162B",
        "CENTER_NAME": "EARTH",
        "REF_FRAME": "TEME",
        "TIME_SYSTEM": "UTC",
        "MEAN_ELEMENT_THEORY": "SGP4",
        "EPOCH": "2022-12-11T16:32:45.677184",
        "MEAN_MOTION": "16.45663364",
        "ECCENTRICITY": "0.00147770",
        "INCLINATION": "41.4618",
        "RA_OF_ASC_NODE": "212.0662",
        "ARG_OF_PERICENTER": "219.1379",
        "MEAN_ANOMALY": "204.8125",
        "EPHEMERIS_TYPE": "0",
        "CLASSIFICATION_TYPE": "U",
        "NORAD_CAT_ID": "54380",
        "ELEMENT_SET_NO": "999",
        "REV_AT_EPOCH": "195",
        "BSTAR": "0.00018379",
        "MEAN_MOTION_DOT": "0.08877519",
        "MEAN_MOTION_DDOT": "0.0000080912",
        "SEMIMAJOR_AXIS": "6528.917",
        "DECAY_DATE": "2022-12-11",
        "GP_ID": "220029422",
    }
    import json

    omm = formats.read(json.dumps([row]))
    assert isinstance(omm, Omm)
    assert omm.tle["MEAN_MOTION_DOT"] == 0.08877519 and omm.tle["MEAN_MOTION_DDOT"] == 0.0000080912
    assert omm.extra["GP_ID"] == "220029422" and omm.extra["DECAY_DATE"] == "2022-12-11"
