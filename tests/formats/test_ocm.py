"""OCM reading/writing against Orekit's OcmParserTest assertions (ORACLES.md section 2), JochimMaene's
Blue Book G-15..G-20 transcriptions (section 8), and KVN -> XML -> JSON round trips.

Tolerances are Orekit's: positions 1e-8 m, velocities 1e-12 m/s (file km/s x 1000), covariance
1e-10 m**2 (diagonal) / 1e-8 (off-diagonal); times 1e-9 s.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from ccsds_paths import DATA, OREKIT

from openstc import formats
from openstc.errors import FormatError
from openstc.formats.ccsds_time import Epoch
from openstc.formats.ocm import Ocm

OR_OCM = OREKIT / "odm" / "ocm"
JM = DATA / "ccsds-ndm-jochimmaene" / "data"
POS_TOL = 1e-8
VEL_TOL = 1e-12


def load(name: str) -> Ocm:
    return Ocm.parse((OR_OCM / name).read_bytes())


VALID = sorted(
    [p for p in OR_OCM.iterdir() if not p.name.startswith("OCM-")]
    + [
        OR_OCM / "OCM-unknown-frame.txt",
        OR_OCM / "OCM-unknown-frame-center.txt",
        OR_OCM / "OCM-user-defined.txt",
    ]
    + list(JM.glob("*/ocm_*"))
)


def assert_same(a: Ocm, b: Ocm) -> None:
    assert a.version == b.version
    for x, y in [
        (a.header, b.header),
        (a.metadata, b.metadata),
        (a.physical, b.physical),
        (a.perturbations, b.perturbations),
        (a.od, b.od),
        (a.user, b.user),
    ]:
        assert (x is None) == (y is None)
        if x is not None and y is not None:
            assert x.comments == y.comments
            assert x.values.keys() == y.values.keys()
            for k, v in x.values.items():
                if isinstance(v, float):
                    assert y.values[k] == pytest.approx(v, rel=1e-15), k
                else:
                    assert y.values[k] == v, k
    assert len(a.trajectories) == len(b.trajectories)
    for ta, tb in zip(a.trajectories, b.trajectories, strict=True):
        assert ta.block.values == tb.block.values and ta.block.comments == tb.block.comments
        np.testing.assert_allclose(ta.times_s, tb.times_s, rtol=0, atol=1e-9)
        np.testing.assert_allclose(ta.elements, tb.elements, rtol=1e-15, atol=1e-12)
    assert len(a.covariances) == len(b.covariances)
    for ca, cb in zip(a.covariances, b.covariances, strict=True):
        assert ca.block.values == cb.block.values
        np.testing.assert_allclose(ca.times_s, cb.times_s, rtol=0, atol=1e-9)
        np.testing.assert_allclose(ca.matrices, cb.matrices, rtol=1e-14, atol=1e-12)
    assert len(a.maneuvers) == len(b.maneuvers)
    for ma, mb in zip(a.maneuvers, b.maneuvers, strict=True):
        assert ma.fields == mb.fields and ma.block.values == mb.block.values
        np.testing.assert_allclose(ma.times_s, mb.times_s, rtol=0, atol=1e-6)
        for f in ma.fields:
            if ma.columns[f].dtype == object:
                assert list(ma.columns[f]) == list(mb.columns[f])
            else:
                np.testing.assert_allclose(ma.columns[f], mb.columns[f], rtol=1e-14, atol=1e-6)


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_every_valid_ocm_parses_and_round_trips(path: Path) -> None:
    ocm = formats.read(path.read_bytes())
    assert isinstance(ocm, Ocm)
    kvn = formats.read(formats.write(ocm, "kvn"))
    xml = formats.read(formats.write(kvn, "xml"))
    js = formats.read(formats.write(xml, "json"))
    for other in (kvn, xml, js):
        assert_same(ocm, other)


def test_ocm_example1() -> None:
    ocm = load("OCMExample1.txt")
    assert ocm.version == "3.0"
    assert ocm.header["CREATION_DATE"] == Epoch(datetime(1998, 11, 6, 9, 23, 57))
    assert ocm.header["ORIGINATOR"] == "JAXA"
    assert "OBJECT_NAME" not in ocm.metadata
    assert ocm.epoch_tzero == Epoch(datetime(1998, 12, 18, 14, 28, 15, 117200))
    assert ocm.sclk_sec_per_si_sec == 1.0
    (t,) = ocm.trajectories
    assert t.orb_averaging == "OSCULATING" and t.center == "EARTH" and t.frame == "ITRF2000"
    assert t.traj_type == "CARTPV"
    assert t.block.comments[0] == "intervening data records omitted between DT=20.0 and DT=500.0"
    np.testing.assert_allclose(t.times_s, [0, 10, 20, 500], atol=1e-9)
    expected = [
        [2789600, -280000, -1746800, 4730, -2500, -1040],
        [2783400, -308100, -1877100, 5190, -2420, -2000],
        [2776000, -336900, -2008700, 5640, -2340, -1950],
        [2164375, 1115811, -688131, -3533.28, -2884.52, 885.35],
    ]
    np.testing.assert_allclose(t.positions, np.array(expected)[:, :3], rtol=0, atol=POS_TOL)
    np.testing.assert_allclose(t.velocities, np.array(expected)[:, 3:], rtol=0, atol=VEL_TOL)


def test_ocm_example2_kvn_leap_second_and_ut1() -> None:
    ocm = load("OCMExample2.txt")
    assert ocm.header["MESSAGE_ID"] == "OCM 201113719185" and len(ocm.header.comments) == 2
    m = ocm.metadata
    assert (m["OBJECT_NAME"], m["INTERNATIONAL_DESIGNATOR"]) == ("OSPREY 5", "1998-999A")
    assert (m["ORIGINATOR_POC"], m["TECH_POC"]) == ("R. Rabbit", "Mr. Rodgers")
    assert ocm.time_system == "UT1"
    assert ocm.epoch_tzero.calendar == datetime(1998, 12, 18) and ocm.epoch_tzero.scale == "UT1"
    assert m["TAIMUTC_AT_TZERO"] == 36 and m["NEXT_LEAP_TAIMUTC"] == 37
    leap = m["NEXT_LEAP_EPOCH"]
    assert leap.leap and leap.ccsds() == "2016-12-31T23:59:60"
    assert m["UT1MUTC_AT_TZERO"] == pytest.approx(0.357, abs=1e-12)
    (t,) = ocm.trajectories
    assert t.frame == "EFG" and t.traj_type == "CARTPV"
    assert t.block["TRAJ_UNITS"] == ["km", "km", "km", "km/s", "km/s", "km/s"]
    assert t.times_s[0] == pytest.approx(14 * 3600 + 28 * 60 + 25.1172, abs=1e-6)
    np.testing.assert_allclose(t.elements[0], [2854533, -2916187, -5360774, 5688, 4652, 520], atol=POS_TOL)
    p = ocm.physical
    assert p is not None and p["WET_MASS"] == 100.0
    assert [p["OEB_Q1"], p["OEB_Q2"], p["OEB_Q3"], p["OEB_QC"]] == [0.03123, 0.78543, 0.39158, 0.47832]
    assert [p["OEB_MAX"], p["OEB_INT"], p["OEB_MIN"]] == [2.0, 1.0, 0.5]
    assert [p["AREA_ALONG_OEB_MAX"], p["AREA_ALONG_OEB_INT"], p["AREA_ALONG_OEB_MIN"]] == [0.15, 0.30, 0.50]
    assert not ocm.covariances and not ocm.maneuvers and ocm.od is None
    pert = ocm.perturbations
    assert pert is not None and pert["ATMOSPHERIC_MODEL"] == "NRLMSIS00"
    assert pert["GRAVITY_MODEL"] == "EGM-96: 36D 36O" and pert["N_BODY_PERTURBATIONS"] == "MOON, SUN"
    assert (pert["FIXED_GEOMAG_KP"], pert["FIXED_F10P7"], pert["FIXED_F10P7_MEAN"]) == (12.0, 105.0, 120.0)
    assert ocm.user is not None and ocm.user["USER_DEFINED_CONSOLE_POC"] == "MAXWELL RAFERTY"


def test_ocm_example2_xml() -> None:
    ocm = load("OCMExample2.xml")
    assert len(ocm.header.comments) == 4 and ocm.header.comments[0] == "ODM V.3 Example G-2"
    assert "OBJECT_NAME" not in ocm.metadata
    assert ocm.metadata["TECH_PHONE"] == "(719)555-1234" and ocm.metadata["TECH_ADDRESS"] == "email@email.XXX"
    (t,) = ocm.trajectories
    assert t.traj_type == "CARTPVA" and "TRAJ_UNITS" not in t.block and t.times_s[0] == 0.0
    np.testing.assert_allclose(
        t.elements[0], [2854500, -2916200, -5360700, 5900, 4860, 520, 3.7, -3.8, -7.0], rtol=0, atol=POS_TOL
    )
    assert ocm.perturbations is not None and ocm.perturbations["GM"] == pytest.approx(
        3.986004415e14, rel=1e-15
    )
    assert ocm.user is not None and ocm.user["USER_DEFINED_EARTH_MODEL"] == "WGS-84"


def test_ocm_example3_maneuvers_and_od() -> None:
    ocm = load("OCMExample3.txt")
    t0 = ocm.epoch_tzero
    (t,) = ocm.trajectories
    assert t.frame == "TOD" and t.block["TRAJ_FRAME_EPOCH"] == t0 and "TRAJ_BASIS" not in t.block
    assert t.traj_type == "CARTPVA" and len(t.block["TRAJ_UNITS"]) == 9
    np.testing.assert_allclose(t.times_s, [0, 10, 20, 500], atol=1e-6)
    np.testing.assert_allclose(t.elements[0, 6:], [8, 1, -159], atol=1e-12)
    p = ocm.physical
    assert p is not None
    assert (
        p["DRAG_CONST_AREA"],
        p["DRAG_COEFF_NOM"],
        p["WET_MASS"],
        p["SRP_CONST_AREA"],
        p["SOLAR_RAD_COEFF"],
    ) == (10.0, 2.3, 100.0, 4.0, 1.3)
    m1, m2 = ocm.maneuvers
    assert (
        m1.block["MAN_ID"],
        m1.block["MAN_BASIS"],
        m1.block["MAN_DEVICE_ID"],
        m1.block["MAN_REF_FRAME"],
    ) == ("CUBESAT_DEPLOY", "CANDIDATE", "DEPLOY", "RSW_ROTATING")
    assert len(m1.fields) == 9 and len(m1.times_s) == 10
    assert m1.times_s[0] == 500.0 and m1.columns["DEPLOY_ID"][0] == "CUBESAT_10"
    dv = [m1.columns[f"DEPLOY_DV_{a}"][0] for a in "XYZ"]
    np.testing.assert_allclose(dv, [0.28773, -0.93969, 0.18491], rtol=0, atol=1e-12)
    assert m1.columns["DEPLOY_MASS"][0] == -1.0
    assert m1.columns["DEPLOY_DV_SIGMA"][0] == pytest.approx(0.05, abs=1e-15)
    assert m1.columns["DEPLOY_DV_RATIO"][0] == -0.005025 and m1.columns["DEPLOY_DV_CDA"][0] == 0.033
    assert m2.block["MAN_ID"] == "E_W_20160305B" and m2.block["MAN_DEVICE_ID"] == "THR_01"
    assert len(m2.fields) == 11 and len(m2.times_s) == 1
    assert m2.times_s[0] == pytest.approx(500.0, abs=1e-6)
    assert m2.columns["MAN_DURA"][0] == 100.0
    assert [m2.columns[f"THR_{a}"][0] for a in "XYZ"] == [0.0, 0.5, 0.0]
    assert m2.columns["THR_ISP"][0] == 300.0 and m2.columns["THR_EFFIC"][0] == 0.95
    assert m2.columns["THR_INTERP"][0] == "ON"
    assert ocm.perturbations is not None and ocm.perturbations["GM"] == pytest.approx(
        3.986004415e14, rel=1e-15
    )
    od = ocm.od
    assert od is not None
    assert (od["OD_ID"], od["OD_PREV_ID"], od["OD_METHOD"]) == ("OOD #10059", "OOD #10058", "SF: ODTK")
    assert od["OD_EPOCH"] == Epoch(datetime(2001, 11, 6, 11, 17, 33))
    assert (od["OBS_USED"], od["TRACKS_USED"]) == (273, 91)
    assert not ocm.covariances and ocm.user is None


def test_ocm_example4_all_keywords() -> None:
    ocm = load("OCMExample4.txt")
    h, m = ocm.header, ocm.metadata
    assert (h["ORIGINATOR"], h["MESSAGE_ID"], h["CLASSIFICATION"]) == (
        "JPL",
        "ABC-12_34",
        "dummy-classification",
    )
    assert h["CREATION_DATE"] == Epoch(datetime(2019, 7, 23, 10, 29, 31, 576000))
    assert m["OBJECT_NAME"] == "POLYSAT"
    assert [x.strip() for x in m["ALTERNATE_NAMES"].split(",")] == ["ALTERNATE", "OTHER", "RELATED"]
    assert (m["OBJECT_DESIGNATOR"], m["INTERNATIONAL_DESIGNATOR"]) == ("18SPCS 18571", "2000-053A")
    assert [x.strip() for x in m["OCM_DATA_ELEMENTS"].split(",")] == [
        "ORB",
        "PHYS",
        "COV",
        "MAN",
        "PERT",
        "OD",
        "USER",
    ]
    t0 = ocm.epoch_tzero
    assert t0 == Epoch(datetime(2019, 7, 23))
    assert (m["SCLK_OFFSET_AT_EPOCH"], m["SCLK_SEC_PER_SI_SEC"]) == (28800.0, 2.5)
    assert m["START_TIME"] == Epoch(datetime(2019, 7, 23, 9, 30)) and m["STOP_TIME"] == Epoch(
        datetime(2019, 7, 23, 10, 29, 50)
    )
    assert m["TIME_SPAN"] == pytest.approx(0.041550925925 * 86400, rel=1e-15)
    assert m["TAIMUTC_AT_TZERO"] == 37 and m["NEXT_LEAP_TAIMUTC"] == 38
    assert m["NEXT_LEAP_EPOCH"].leap and m["NEXT_LEAP_EPOCH"].ccsds() == "2050-12-31T23:59:60"
    assert m["UT1MUTC_AT_TZERO"] == -0.1642060
    assert len(ocm.trajectories) == 3
    for t, start in zip(ocm.trajectories, (0, 1800, 2800), strict=True):
        np.testing.assert_allclose(t.times_s, [start, start + 300, start + 600], atol=1e-9)
    t1 = ocm.trajectories[0]
    assert (t1.block["TRAJ_ID"], t1.interpolation, t1.interpolation_degree, t1.block["PROPAGATOR"]) == (
        "orbit 1",
        "HERMITE",
        3,
        "Orekit",
    )
    assert t1.frame == "TOD" and t1.traj_type == "CARTPVA"
    assert t1.block["USEABLE_START_TIME"] == Epoch(datetime(2019, 7, 23, 9, 30))
    assert t1.block["USEABLE_STOP_TIME"] == Epoch(datetime(2019, 7, 23, 9, 59, 59, 999000))
    assert (t1.block["ORB_REVNUM"], t1.block["ORB_REVNUM_BASIS"]) == (17.0, 1)
    assert t1.elements[0, 0] == pytest.approx(1.0e6, abs=POS_TOL)
    assert ocm.trajectories[2].traj_type == "KEPLERIAN"
    assert ocm.trajectories[2].elements[0, 2] == pytest.approx(np.radians(0.122138), rel=1e-15)
    c1, c2 = ocm.covariances
    assert (c1.block["COV_ID"], c1.block["COV_BASIS"], c1.block["COV_REF_FRAME"]) == (
        "covariance 1",
        "EMPIRICAL",
        "MOD",
    )
    assert c1.block["COV_FRAME_EPOCH"] == Epoch(datetime(2019, 7, 23, 9, 10))
    assert (c1.block["COV_SCALE_MIN"], c1.block["COV_SCALE_MAX"]) == (0.5, 5.0)
    assert c1.block["COV_CONFIDENCE"] == pytest.approx(0.25, abs=1e-15)
    assert c1.cov_type == "CARTPV" and c1.matrices.shape == (3, 6, 6)
    assert c1.matrices[0, 0, 0] == pytest.approx(1.1e6, abs=1e-10)
    assert c1.matrices[0, 1, 0] == pytest.approx(2.1e6, abs=1e-8)
    assert c2.block["COV_BASIS"] == "SIMULATED" and c2.ordering == "UTMWCC" and len(c2.times_s) == 1
    assert c2.times_s[0] == 1800.0
    m2 = c2.matrices[0]
    assert m2[0, 0] == pytest.approx(43.0e6, abs=1e-10)
    assert m2[0, 1] == pytest.approx(20.0e6, abs=1e-8)
    assert m2[0, 5] == pytest.approx(6.0e6, abs=1e-8)
    assert m2[4, 3] == pytest.approx(2.0e6, abs=1e-8)
    assert [len(x.times_s) for x in ocm.maneuvers] == [2, 2, 8]
    od = ocm.od
    assert od is not None
    assert (od["OD_ID"], od["OD_METHOD"]) == ("OD_24", "BWLS: OREKIT")
    assert od["OD_EPOCH"] == Epoch(datetime(2019, 7, 22, 17, 32, 27))
    assert (od["OBS_AVAILABLE"], od["OBS_USED"], od["TRACKS_AVAILABLE"], od["TRACKS_USED"]) == (
        100,
        90,
        33,
        30,
    )
    assert od["OD_CONFIDENCE"] == pytest.approx(0.953, abs=1e-15) and od["GDOP"] == 0.857
    assert od["SENSORS"].split(",") == ["EGLIN", "FYLINGDALES", "PLAGNOLE"] and od["WEIGHTED_RMS"] == 1.3
    assert ocm.user is not None and ocm.user["USER_DEFINED_LIBRARY"] == "OREKIT"
    assert min(t.times_s.min() for t in ocm.trajectories) == 0.0
    assert max(t.times_s.max() for t in ocm.trajectories) == 3400.0


def test_ocm_small_files() -> None:
    uf = load("OCM-unknown-frame.txt")
    assert uf.header["ORIGINATOR"] == "CS GROUP" and uf.trajectories[0].frame == "ZZRF"
    np.testing.assert_allclose(
        uf.trajectories[0].elements[0], [3e6, 4e6, 5e6, -1e3, -2e3, -3e3], atol=POS_TOL
    )
    ud = load("OCM-user-defined.txt")
    assert not ud.trajectories and ud.user is not None
    assert ud.user.comments == ["some user data"] and ud.user["USER_DEFINED_GENERATOR"] == "OREKIT"
    fc = load("OCM-unknown-frame-center.txt")
    assert fc.trajectories[0].center == "ZZ" and fc.trajectories[0].frame == "ZZRF"
    assert fc.time_system == "TAI" and fc.trajectories[0].block["TRAJ_FRAME_EPOCH"].scale == "TAI"
    assert (len(fc.trajectories), len(fc.covariances), len(fc.maneuvers)) == (1, 1, 1)
    assert load("OCMExample5Geodetic.txt").version == "2.0"
    mini, expected = load("OCMMinimal.txt"), load("OCMMinimalExpected.txt")
    assert_same(mini, Ocm.from_kvn(mini.to_kvn()))
    np.testing.assert_allclose(mini.trajectories[0].elements, expected.trajectories[0].elements, atol=POS_TOL)


def test_blue_book_g15() -> None:
    ocm = Ocm.parse((JM / "kvn" / "ocm_g15.kvn").read_bytes())
    assert ocm.header["ORIGINATOR"] == "JAPAN AEROSPACE EXPLORATION AGENCY"
    assert ocm.header["CREATION_DATE"] == Epoch(datetime(2022, 11, 6, 9, 23, 57))
    assert ocm.time_system == "UTC" and ocm.epoch_tzero == Epoch(datetime(2022, 12, 18, 14, 28, 15, 117200))
    (t,) = ocm.trajectories
    assert t.center == "EARTH" and t.frame == "ITRF2000"
    # The transcription declares CARTPV over 9-element lines: the declaration wins (ORACLES 8), the
    # 3 extra columns are dropped with a warning.
    assert t.traj_type == "CARTPV" and t.elements.shape == (4, 6)
    assert any("3 extra columns" in str(w) for w in ocm.warnings)
    np.testing.assert_allclose(t.elements[0], [2854500.0, -2916200.0, -5360700.0, 5900.0, 4860.0, 520.0])
    assert len(t.times_s) == 4 and t.times_s[0] == 0.0 and t.times_s[-1] == 86400.0
    with pytest.raises(FormatError):
        formats.read((JM / "kvn" / "ocm_g15.kvn").read_bytes(), strict=True)


REJECTS = [
    ("OCM-missing-t0.txt", "FORMAT_MISSING_KEYWORD", "EPOCH_TZERO", None),
    ("OCM-missing-maneuver-time.txt", "FORMAT_MISSING_KEYWORD", "MAN_COMPOSITION", None),
    ("OCM-wrong-time-span.txt", "FORMAT_BAD_VALUE", "TIME_SPAN", 11),
    ("OCM-missing-revnum-basis.txt", "FORMAT_MISSING_KEYWORD", "ORB_REVNUM_BASIS", None),
    ("OCM-spurious-metadata-section.txt", "FORMAT_UNEXPECTED_KEYWORD", "META", 13),
    ("OCM-incompatible-units-dimension.txt", "FORMAT_BAD_UNIT", "TRAJ_UNITS", None),
    ("OCM-incompatible-units-scale.txt", "FORMAT_BAD_UNIT", "TRAJ_UNITS", None),
    ("OCM-wrong-nb-elements.txt", "FORMAT_BAD_DATA_LINE", None, 14),
]


@pytest.mark.parametrize(("name", "code", "keyword", "line"), REJECTS, ids=[r[0] for r in REJECTS])
def test_ocm_rejects(name: str, code: str, keyword: str | None, line: int | None) -> None:
    with pytest.raises(FormatError) as exc:
        formats.read((OR_OCM / name).read_bytes(), source=name)
    assert exc.value.code == code
    if keyword is not None:
        assert exc.value.keyword == keyword
    if line is not None:
        assert exc.value.line == line
    if name == "OCM-missing-maneuver-time.txt":
        assert "MAN-45" in str(exc.value)


def test_leap_second_epochs_in_data_lines() -> None:
    text = (OR_OCM / "OCMMinimal.txt").read_text()
    text = text.replace("EPOCH_TZERO = 1998-12-18T01:02:03.456", "EPOCH_TZERO = 2016-12-31T23:59:59")
    text = text.replace("1998-12-18T14:28:25.1172 2854.533", "2016-12-31T23:59:60.5 2854.533")
    ocm = Ocm.from_kvn(text)
    # 23:59:59 -> 23:59:60.5 is 1.5 s of UTC, leap second included
    assert ocm.trajectories[0].times_s[0] == pytest.approx(1.5, abs=1e-9)


def test_ndm_wrapped_ocm_and_omm_go_through_the_registry() -> None:
    ndm = formats.read((DATA / "ccsds-ndm-jochimmaene" / "data" / "xml" / "ndm_g21.xml").read_bytes())
    msgs = ndm.messages
    assert msgs and all(type(m).__name__ == "Omm" for m in msgs)
    assert msgs[0].metadata["OBJECT_NAME"] == "STARLINK-1073"
    assert formats.detect(formats.write(load("OCMExample4.txt"), "json")) == ("OCM", "json")


def test_absolute_epochs_of_relative_times() -> None:
    ocm = load("OCMExample1.txt")
    ep = ocm.epochs(ocm.trajectories[0].times_s)
    assert ep[0] == np.datetime64("1998-12-18T14:28:15.1172", "ns")
    assert ep[3] == np.datetime64("1998-12-18T14:36:35.1172", "ns")


def test_cartesian_states_for_screening() -> None:
    times, states = load("OCMExample4.txt").cartesian_states()
    assert list(times) == [0.0, 300.0, 600.0]  # CARTP and KEPLERIAN blocks are not position/velocity
    assert states.shape == (3, 6) and states[0, 0] == pytest.approx(1.0e6, abs=POS_TOL)
    with pytest.raises(FormatError):
        load("OCM-user-defined.txt").cartesian_states()
