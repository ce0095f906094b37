"""CDM reading checked against Orekit's CdmParserTest assertions (tests/data/ccsds/ORACLES.md section 1).

Orekit asserts SI values; its tolerances: distances 1e-8 m, velocities 1e-12 m/s, covariance
diagonal 1e-10, off-diagonal 1e-8 (the file's m**2-based units). Times to the microsecond.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest
from ccsds_paths import CDM_DIR

from openstc import formats
from openstc.errors import FormatError
from openstc.formats.cdm import Cdm, relative_rtn

POS_TOL = 1e-8  # m
VEL_TOL = 1e-12  # m/s
COV_DIAG_TOL = 1e-10
COV_OFF_TOL = 1e-8


def read(name: str) -> Cdm:
    msg = formats.read((CDM_DIR / name).read_bytes(), source=name)
    assert isinstance(msg, Cdm)
    return msg


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def check_example1_objects(cdm: Cdm) -> None:
    o1, o2 = cdm.object1, cdm.object2
    assert o1.designator == "12345" and o1.name == "SATELLITE A"
    assert o1.metadata["CATALOG_NAME"] == "SATCAT"
    assert o1.metadata["EPHEMERIS_NAME"] == "EPHEMERIS SATELLITE A"
    assert o1.metadata["COVARIANCE_METHOD"] == "CALCULATED"
    assert o1.metadata["MANEUVERABLE"] == "YES"
    assert o1.ref_frame == "EME2000"
    np.testing.assert_allclose(o1.position, [2570097.065, 2244654.904, 6281497.978], rtol=0, atol=POS_TOL)
    np.testing.assert_allclose(o1.velocity, [4418.769571, 4833.547743, -3526.774282], rtol=0, atol=VEL_TOL)
    cov = o1.rtn_covariance()
    expected_lower = {
        (0, 0): 41.42,
        (1, 0): -8.579,
        (1, 1): 2533,
        (2, 0): -23.13,
        (2, 1): 13.36,
        (2, 2): 70.98,
        (3, 0): 2.520e-3,
        (3, 1): -5.476,
        (3, 2): 8.626e-4,
        (3, 3): 5.744e-3,
        (4, 0): -1.006e-2,
        (4, 1): 4.041e-3,
        (4, 2): -1.359e-3,
        (4, 3): -1.502e-5,
        (4, 4): 1.049e-5,
        (5, 0): 1.053e-3,
        (5, 1): -3.412e-3,
        (5, 2): 1.213e-2,
        (5, 3): -3.004e-6,
        (5, 4): -1.091e-6,
        (5, 5): 5.529e-5,
    }
    for (i, j), v in expected_lower.items():
        tol = COV_DIAG_TOL if i == j else COV_OFF_TOL
        assert cov[i, j] == pytest.approx(v, abs=tol)
        assert cov[j, i] == pytest.approx(v, abs=tol)
    assert cov[3, 0] == pytest.approx(2.520e-3, abs=COV_OFF_TOL)
    assert math.isnan(cov[7, 6])  # no drag/SRP rows
    assert o2.designator == "30337" and o2.name == "FENGYUN 1C DEB"
    assert o2.metadata["INTERNATIONAL_DESIGNATOR"] == "1999-025AA"
    assert o2.metadata["EPHEMERIS_NAME"] == "NONE" and o2.metadata["MANEUVERABLE"] == "NO"
    np.testing.assert_allclose(o2.position, [2569540.800, 2245093.614, 6281599.946], rtol=0, atol=POS_TOL)
    np.testing.assert_allclose(o2.velocity, [-2888.6125, -6007.247516, 3328.770172], rtol=0, atol=VEL_TOL)
    c2 = o2.covariance_rtn
    assert c2[0, 0] == pytest.approx(1337, abs=COV_DIAG_TOL)
    assert c2[1, 0] == pytest.approx(-4.806e4, abs=COV_OFF_TOL)
    assert c2[1, 1] == pytest.approx(2.492e6, abs=COV_DIAG_TOL)
    assert c2[2, 0] == pytest.approx(-32.98, abs=COV_OFF_TOL)
    assert c2[2, 1] == pytest.approx(-758.88, abs=COV_OFF_TOL)
    assert c2[2, 2] == pytest.approx(71.05, abs=COV_DIAG_TOL)
    assert c2[5, 5] == pytest.approx(5.178e-5, abs=COV_DIAG_TOL)


def test_example1_kvn() -> None:
    cdm = read("CDMExample1.txt")
    assert cdm.version == "1.0"
    assert cdm.creation_date == utc(2010, 3, 12, 22, 31, 12)
    assert cdm.originator == "JSPOC" and cdm.message_id == "201113719185"
    assert cdm.tca == utc(2010, 3, 13, 22, 37, 52, 618000)
    assert cdm.miss_distance == pytest.approx(715.0, abs=POS_TOL)
    # U+2212 MINUS SIGN in the designator is text: kept as-is
    assert cdm.object1.metadata["INTERNATIONAL_DESIGNATOR"] == "1997\u2212030E"
    check_example1_objects(cdm)
    assert cdm.object1.orbit_center == "EARTH"


def test_example1_xml() -> None:
    cdm = read("CDMExample1.xml")
    check_example1_objects(cdm)
    assert cdm.header["MESSAGE_FOR"] == "SATELLITE A" and cdm.message_id == "20111371985"
    assert cdm.object1.metadata["INTERNATIONAL_DESIGNATOR"] == "1997-030E"
    assert cdm.relative_speed == pytest.approx(14762)
    np.testing.assert_allclose(cdm.relative_position, [27.4, -70.2, 711.8], atol=POS_TOL)
    np.testing.assert_allclose(cdm.relative_velocity, [-7.2, -14692, -1437.2], atol=VEL_TOL)
    rel = cdm.relative
    assert rel["START_SCREEN_PERIOD"].utc() == utc(2010, 3, 12, 18, 29, 32, 212000)
    assert rel["STOP_SCREEN_PERIOD"].utc() == utc(2010, 3, 15, 18, 29, 32, 212000)
    assert (rel["SCREEN_VOLUME_FRAME"], rel["SCREEN_VOLUME_SHAPE"]) == ("RTN", "ELLIPSOID")
    assert [rel[k] for k in ("SCREEN_VOLUME_X", "SCREEN_VOLUME_Y", "SCREEN_VOLUME_Z")] == [200, 1000, 1000]
    assert rel["SCREEN_ENTRY_TIME"].utc() == utc(2010, 3, 13, 20, 25, 43, 222000)
    assert rel["SCREEN_EXIT_TIME"].utc() == utc(2010, 3, 13, 23, 44, 29, 324000)
    assert cdm.collision_probability == pytest.approx(4.835e-05, rel=1e-12)
    assert cdm.collision_probability_method == "FOSTER-1992"


@pytest.mark.parametrize("name", ["CDMExample2.txt", "CDMExample4.txt"])
def test_example2_and_4_full_optional_set(name: str) -> None:
    cdm = read(name)
    rel = cdm.relative
    assert rel["SCREEN_ENTRY_TIME"].utc() == utc(2010, 3, 13, 22, 37, 52, 222000)
    assert rel["SCREEN_EXIT_TIME"].utc() == utc(2010, 3, 13, 22, 37, 52, 824000)
    o1 = cdm.object1
    md = o1.metadata
    assert md["OBJECT_TYPE"] == "PAYLOAD" and md["OPERATOR_CONTACT_POSITION"] == "OSA"
    assert md["OPERATOR_ORGANIZATION"] == "EUMETSAT" and md["OPERATOR_PHONE"] == "+49615130312"
    assert md["OPERATOR_EMAIL"] == "JOHN.DOE@SOMEWHERE.NET"
    assert md["ATMOSPHERIC_MODEL"] == "JACCHIA 70 DCA" and md["GRAVITY_MODEL"] == "EGM-96: 36D 36O"
    assert md["N_BODY_PERTURBATIONS"].replace(" ", "") == "MOON,SUN"
    assert (md["SOLAR_RAD_PRESSURE"], md["EARTH_TIDES"], md["INTRACK_THRUST"]) == ("NO", "NO", "NO")
    od = o1.block("odParameters")
    assert od["TIME_LASTOB_START"].utc() == od["TIME_LASTOB_END"].utc() == utc(2010, 3, 12, 2, 14, 12, 746000)
    assert od["RECOMMENDED_OD_SPAN"] == pytest.approx(7.88 * 86400)  # days in the file, s in the model
    assert od["ACTUAL_OD_SPAN"] == pytest.approx(5.50 * 86400)
    assert (od["OBS_AVAILABLE"], od["OBS_USED"], od["TRACKS_AVAILABLE"], od["TRACKS_USED"]) == (
        592,
        579,
        123,
        119,
    )
    assert od["RESIDUALS_ACCEPTED"] == pytest.approx(0.978)
    assert od["WEIGHTED_RMS"] == pytest.approx(0.864)
    ap = o1.block("additionalParameters")
    assert ap["AREA_PC"] == 5.2 and ap["MASS"] == 251.6
    assert ap["CD_AREA_OVER_MASS"] == 0.045663 and ap["CR_AREA_OVER_MASS"] == 0
    assert ap["THRUST_ACCELERATION"] == 0 and ap["SEDR"] == 4.5457e-05
    assert ap.comments == [
        "Object1 Additional Parameters",
        "Apogee Altitude=779 km",
        "Perigee Altitude=765 km",
        "Inclination=86.4 deg",
    ]
    cov = o1.rtn_covariance()
    drag_srp = {
        (6, 0): -1.862,
        (6, 1): 3.530,
        (6, 2): -0.3100,
        (6, 3): -1.214e-4,
        (6, 4): 2.580e-4,
        (6, 5): -6.467e-5,
        (6, 6): 3.483e-6,
        (7, 0): -149.2,
        (7, 1): 204.4,
        (7, 2): -23.31,
        (7, 3): -1.254e-3,
        (7, 4): 2.013e-2,
        (7, 5): -4.700e-3,
        (7, 6): 2.210e-4,
        (7, 7): 1.593e-2,
    }
    for (i, j), v in drag_srp.items():
        assert cov[i, j] == pytest.approx(v, abs=COV_OFF_TOL)
    if name == "CDMExample4.txt":
        thrust = [-1.803e-6, 3.803e-3, 330.3, 72.03, -16.54, 0.9203, -3.876, 6876, -2.986e-2]
        np.testing.assert_allclose(cov[8, :9], thrust, atol=COV_OFF_TOL, rtol=0)
    else:
        assert math.isnan(cov[8, 8])


def test_example3() -> None:
    cdm = read("CDMExample3.txt")
    assert (cdm.originator, cdm.header["MESSAGE_FOR"], cdm.message_id) == (
        "SDC",
        "GALAXY 15",
        "20120912223112",
    )
    assert cdm.tca == utc(2012, 9, 13, 22, 37, 52, 618000)
    assert cdm.miss_distance == pytest.approx(104.92, abs=POS_TOL)
    assert cdm.relative_speed == pytest.approx(12093.52, abs=VEL_TOL)
    np.testing.assert_allclose(cdm.relative_position, [30.6, 100.2, 5.7], atol=POS_TOL)
    np.testing.assert_allclose(cdm.relative_velocity, [-20.3, -12000.0, -1500.9], atol=VEL_TOL)
    assert [cdm.relative[f"SCREEN_VOLUME_{a}"] for a in "XYZ"] == [500, 500, 500]
    assert cdm.collision_probability == 2.355e-03 and cdm.collision_probability_method == "ALFANO-2005"
    o1, o2 = cdm.objects
    assert (o1.designator, o1.name, o1.metadata["INTERNATIONAL_DESIGNATOR"]) == (
        "28884",
        "GALAXY 15",
        "2005-041A",
    )
    assert o1.metadata["EPHEMERIS_NAME"] == "GALAXY-15A-2012JAN-WMANEUVER23A"
    np.testing.assert_allclose(
        o1.position, [-41600462.72465, 3626912.120064, 6039063.50924], rtol=0, atol=POS_TOL
    )
    np.testing.assert_allclose(
        o1.velocity, [-306.132852503, -3044.998353334, -287.674310725], rtol=0, atol=VEL_TOL
    )
    assert (o2.designator, o2.name, o2.metadata["MANEUVERABLE"]) == ("21139", "ASTRA 1B", "YES")
    assert o2.position[0] == pytest.approx(-2956020.34826, abs=POS_TOL)
    assert o2.velocity[0] == pytest.approx(-3047.096589536, abs=VEL_TOL)


@pytest.mark.parametrize("name", ["CDMExample_issue_940.txt", "CDMExample_issue_940.xml"])
def test_version_2_keywords(name: str) -> None:
    cdm = read(name)
    assert cdm.version == "2.0" and cdm.message_id == "201113719185-1"
    assert (
        cdm.header["CLASSIFICATION"] == '"Free text - for examples see CDM pink book (CCSDS 508.0-P-1.0.2)"'
    )
    rel = cdm.relative
    assert rel["CONJUNCTION_ID"] == "20220708T10hz SATELLITEA SATELLITEB"
    assert rel["APPROACH_ANGLE"] == pytest.approx(math.pi)
    assert rel["SCREEN_TYPE"] == "SHAPE" and rel["SCREEN_PC_THRESHOLD"] == 1e-3
    assert rel["COLLISION_PERCENTILE"] == [50, 51, 52]
    assert rel["COLLISION_PROBABILITY"] == 4.835e-05 and rel["COLLISION_PROBABILITY_METHOD"] == "FOSTER-1992"
    assert (
        rel["COLLISION_MAX_PROBABILITY"] == 1.234e-05
        and rel["COLLISION_MAX_PC_METHOD"] == "SCALE_COMBINED_COVAR"
    )
    assert rel["SEFI_COLLISION_PROBABILITY"] == 1.234e-05
    assert rel["SEFI_COLLISION_PROBABILITY_METHOD"] == "SEFI_PC_METHOD"
    assert rel["SEFI_FRAGMENTATION_MODEL"] == "NASA STD BREAKUP MODEL"
    assert rel["PREVIOUS_MESSAGE_ID"] == "201113719185-0"
    assert rel["PREVIOUS_MESSAGE_EPOCH"].utc() == utc(2010, 3, 12, 10, 31, 12)
    assert rel["NEXT_MESSAGE_EPOCH"].utc() == utc(2010, 3, 13, 10, 31, 12)
    o1 = cdm.object1
    md = o1.metadata
    assert md["ODM_MSG_LINK"] == "ODM_MSG_35132.txt" and md["ADM_MSG_LINK"] == "ATT_MSG_35132.txt"
    assert md["OBS_BEFORE_NEXT_MESSAGE"] == "YES" and md["COVARIANCE_SOURCE"] == "HAC Covariance"
    assert md["ALT_COV_TYPE"] == "XYZ" and md["ALT_COV_REF_FRAME"] == "EME2000"
    assert o1.block("odParameters")["OD_EPOCH"].utc() == utc(2010, 3, 12, 22, 31, 12)
    ap = o1.block("additionalParameters")
    assert (ap["AREA_PC_MIN"], ap["AREA_PC_MAX"]) == (5.0, 5.4)
    assert ap["OEB_PARENT_FRAME"] == "OEB_YAW"
    assert [ap[k] for k in ("OEB_Q1", "OEB_Q2", "OEB_Q3", "OEB_QC")] == [0.03123, 0.78543, 0.39158, 0.47832]
    assert [ap[k] for k in ("OEB_MAX", "OEB_INT", "OEB_MIN")] == [2, 1, 0.5]
    assert [ap[f"AREA_ALONG_OEB_{k}"] for k in ("MAX", "INT", "MIN")] == [0.15, 0.3, 0.5]
    assert (ap["RCS"], ap["RCS_MIN"], ap["RCS_MAX"]) == (2.4, 1.4, 3.4)
    assert (ap["VM_ABSOLUTE"], ap["VM_APPARENT_MIN"], ap["VM_APPARENT"], ap["VM_APPARENT_MAX"]) == (
        15,
        19,
        15.4,
        14,
    )
    assert ap["REFLECTANCE"] == 0.7 and o1.hbr == 2.5
    assert ap["APOAPSIS_ALTITUDE"] == pytest.approx(800000, abs=POS_TOL)
    assert ap["PERIAPSIS_ALTITUDE"] == pytest.approx(750000, abs=POS_TOL)
    assert ap["INCLINATION"] == pytest.approx(math.radians(89))
    assert ap["COV_CONFIDENCE"] == 1.0 and ap["COV_CONFIDENCE_METHOD"] == "Wald test"
    xyz = o1.covariance_xyz()
    assert xyz is not None
    for (i, j), v in {
        (0, 0): 0.1,
        (1, 0): 0.2,
        (1, 1): 0.3,
        (2, 0): 0.4,
        (2, 1): 0.5,
        (2, 2): 0.6,
        (3, 0): 0.7,
        (8, 8): 0.006,
    }.items():
        assert xyz[i, j] == pytest.approx(v, abs=COV_OFF_TOL)
    o2 = cdm.object2
    assert o2.metadata["ALT_COV_TYPE"] == "CSIG3EIGVEC3"
    assert o2.csig3eigvec3 == [float(i) for i in range(1, 13)]
    ref = read("CDMExample1.txt").object2.covariance_rtn
    np.testing.assert_allclose(o2.covariance_rtn, ref, atol=COV_OFF_TOL)


def test_940_kvn_and_xml_agree() -> None:
    a, b = read("CDMExample_issue_940.txt"), read("CDMExample_issue_940.xml")
    for key in ("rtnCovariance", "xyzCovariance", "stateVector", "additionalParameters"):
        for oa, ob in zip(a.objects, b.objects, strict=True):
            ba, bb = oa.data.child(key), ob.data.child(key)
            if ba is None or bb is None:  # the two files do not carry exactly the same blocks
                continue
            for k in set(ba.values) & set(bb.values):
                assert formats.model.values_equal(ba.values[k], bb.values[k], 1e-12), (key, k)


def test_issue_942_maneuverable_na() -> None:
    for name in ("CDMExample_issue942.txt", "CDMExample_issue942.xml"):
        cdm = read(name)
        assert cdm.object1.metadata["MANEUVERABLE"] == "N/A"
        assert cdm.object2.metadata["MANEUVERABLE"] == "NO"


def test_issue_944_area_drg_srp() -> None:
    ap = read("CDMExample_issue_944.xml").object1.block("additionalParameters")
    assert (ap["AREA_DRG"], ap["AREA_SRP"]) == (3, 10)


def test_issue_1319_empty_optional_element() -> None:
    cdm = read("CDMExample_issue1319.xml")
    assert "START_SCREEN_PERIOD" not in cdm.relative
    assert any(w.keyword == "START_SCREEN_PERIOD" for w in cdm.warnings)


def test_issue_1458_empty_unit_and_no_od_block() -> None:
    cdm = read("CDMExample_issue1458.xml")
    assert cdm.object1.data.child("odParameters") is None


@pytest.mark.parametrize("suffix", ["", "_2", "_3"])
def test_issue_988_flags(suffix: str) -> None:
    for ext in ("txt", "xml"):
        md = read(f"CDMExample_issue988{suffix}.{ext}").object1.metadata
        if suffix == "_3":
            assert "SOLAR_RAD_PRESSURE" not in md
        else:
            assert md["SOLAR_RAD_PRESSURE"] in ("YES", "NO")


def test_no_orbit_center_defaults_to_earth_and_frame_mapper_file() -> None:
    assert read("CDM-no-orbit-center-defined-obj1.txt").object1.orbit_center == "EARTH"
    cdm = read("CDM-frame-mapper.txt")
    assert cdm.object1.ref_frame == "ITRF" and cdm.object2.ref_frame == "ITRF"


def test_real_cspoc_cdm() -> None:
    cdm = read("ION_SCV8_vs_STARLINK_1233.txt")
    assert cdm.tca == utc(2023, 7, 5, 20, 31, 15, 893000)
    assert cdm.miss_distance == 55 and cdm.relative_speed == 14544
    assert cdm.collision_probability == 0.004450713
    assert cdm.object1.metadata["MANEUVERABLE"] == "N/A" and cdm.object1.ref_frame == "ITRF"
    assert cdm.warnings  # 'KEY =VALUE' spacing is reported, never silent


@pytest.mark.parametrize(
    ("name", "code", "keyword", "line"),
    [
        ("CDM-missing-TCA.txt", "FORMAT_MISSING_KEYWORD", "TCA", None),
        ("CDM-missing-object2-state-vector.txt", "FORMAT_MISSING_KEYWORD", "X", None),
        ("CDM-missing-object1-covariance-block.xml", "FORMAT_MISSING_KEYWORD", "CR_R", None),
        ("CDM-covariance-wrong-entry-format.txt", "FORMAT_BAD_VALUE", "CRDOT_T", 65),
        ("CDMExample1InvalidTca.txt", "FORMAT_BAD_DATE", "TCA", 5),
        ("CDMExample_issue1319_mandatory_empty_value.xml", "FORMAT_MISSING_KEYWORD", "X", None),
        ("CDM-wrong-key-word.txt", "FORMAT_UNEXPECTED_KEYWORD", "WRONG_KEYWORD", 6),
    ],
)
def test_rejected(name: str, code: str, keyword: str, line: int | None) -> None:
    with pytest.raises(FormatError) as info:
        read(name)
    err = info.value
    assert err.code == code
    assert err.keyword == keyword
    assert err.source == name
    if line is not None:
        assert err.line == line
    if name == "CDMExample1InvalidTca.txt":
        assert "non-existent date 2010-04-31" in str(err)
    if name.endswith("mandatory_empty_value.xml"):
        assert "value for key X has not been initialized" in str(err)


def test_build_cdm_in_code_and_write_all_encodings() -> None:
    cdm = Cdm.new()
    cdm.header.update(CREATION_DATE=utc(2024, 1, 1), ORIGINATOR="OPENSTC", MESSAGE_ID="X-1")
    cdm.relative.update(TCA=utc(2024, 1, 2, 3, 4, 5, 678000), MISS_DISTANCE=123.4, COLLISION_PROBABILITY=1e-5)
    for i, obj in enumerate(cdm.objects):
        obj.metadata.update(
            OBJECT_DESIGNATOR=str(10000 + i),
            CATALOG_NAME="SATCAT",
            OBJECT_NAME=f"SAT {i}",
            INTERNATIONAL_DESIGNATOR="2000-001A",
            EPHEMERIS_NAME="NONE",
            COVARIANCE_METHOD="CALCULATED",
            MANEUVERABLE="NO",
            REF_FRAME="EME2000",
        )
        obj.set_state([7e6 + i, 1.0, 2.0], [0.0, 7.5e3, 1.0])
        obj.set_covariance_rtn(np.diag([100.0, 400.0, 50.0, 1e-2, 1e-2, 1e-2]))
    for enc in ("kvn", "xml", "json"):
        back = formats.read(formats.write(cdm, enc))
        assert isinstance(back, Cdm)
        assert back.tca == utc(2024, 1, 2, 3, 4, 5, 678000)
        np.testing.assert_allclose(back.object2.state, cdm.object2.state, rtol=1e-15)
        np.testing.assert_allclose(
            back.object1.covariance_rtn, np.diag([100.0, 400.0, 50.0, 1e-2, 1e-2, 1e-2])
        )
        assert not formats.model.message_differences(cdm, back)


def test_relative_state_from_object_states() -> None:
    """CDMExample2's relative data against its own states: miss distance and speed to the file's
    rounding (integer m, m/s), the radial component to 0.1 m (the example is not exact in T/N)."""
    cdm = read("CDMExample2.txt")
    built = read("CDMExample2.txt")
    built.set_relative_from_states()
    assert built.miss_distance == pytest.approx(cdm.miss_distance, abs=1.0)
    assert built.relative_speed == pytest.approx(cdm.relative_speed, abs=0.5)
    assert built.relative_position[0] == pytest.approx(27.4, abs=0.1)
    assert built.relative_velocity[0] == pytest.approx(-7.2, abs=0.1)
    # a circular orbit and a radially offset twin: all the separation is radial
    r1, v1 = np.array([7e6, 0.0, 0.0]), np.array([0.0, 7.5e3, 0.0])
    dr, dv = relative_rtn(r1, v1, r1 * (1 + 1e-4), v1 + np.array([0.0, 0.0, 10.0]))
    np.testing.assert_allclose(dr, [700.0, 0.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(dv, [0.0, 0.0, 10.0], atol=1e-12)


def test_incomplete_cdm_is_not_written() -> None:
    cdm = Cdm.new()
    cdm.header.update(CREATION_DATE=utc(2024, 1, 1), ORIGINATOR="OPENSTC", MESSAGE_ID="X-1")
    with pytest.raises(FormatError) as info:
        formats.write(cdm, "kvn")
    assert info.value.code == "FORMAT_MISSING_KEYWORD" and info.value.keyword == "TCA"
