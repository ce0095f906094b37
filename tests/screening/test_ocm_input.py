"""OCMs as screening inputs: ``from_ocm`` on the bundled Annex G / Orekit OCMs, an OCM written from a
known OEM interpolating to the same states (time systems, overlapping blocks, covariance frames), and
an OCM ephemeris screening to the same conjunctions as the same states given as an OEM."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from reference import START

from openstc.astro import frames
from openstc.astro.sgp4prop import datetime_to_jd, offset_to_datetime
from openstc.errors import InvalidArgumentError
from openstc.formats.ccsds_time import tai_minus_utc
from openstc.formats.elset import to_satrec
from openstc.formats.ocm import Ocm
from openstc.formats.oem import Oem
from openstc.screening.engine import screen
from openstc.screening.ephemeris import EphemerisTrack, from_ocm, from_oem_segment
from openstc.screening.model import ScreeningObject

CCSDS = Path(__file__).resolve().parents[1] / "data" / "ccsds"
ANNEX_G = CCSDS / "ccsds-ndm-jochimmaene" / "data" / "kvn"
OREKIT_OCM = CCSDS / "orekit" / "src" / "test" / "resources" / "ccsds" / "odm" / "ocm"
BEYOND = CCSDS / "beyond" / "tests" / "io" / "ccsds" / "data"


def _lt(m: np.ndarray) -> str:
    """Lower triangle of a 6x6 covariance, km and km/s units (all entries scale by 1e-6)."""
    return " ".join(f"{m[i, j] * 1e-6:.15e}" for i in range(6) for j in range(i + 1))


def ocm_text(
    segment,  # type: ignore[no-untyped-def]
    *,
    blocks: tuple[tuple[int, int], ...] | None = None,
    time_system: str = "UTC",
    tzero_offset_s: float = 0.0,
    cov_frame: str | None = None,
    meta: str = "",
) -> str:
    """An OCM KVN with the states (and covariances) of an OEM segment: relative times from EPOCH_TZERO,
    the states cut into trajectory blocks ``(first, last)`` (inclusive; overlaps repeat epochs), the
    epochs read on ``time_system``'s clock."""
    n = segment.positions.shape[0]
    blocks = blocks or ((0, n - 1),)
    utc0 = segment.epoch_at(0).utc()
    leap = tai_minus_utc(utc0.date())
    shift = {"UTC": 0.0, "TAI": leap, "GPS": leap - 19.0, "TT": leap + 32.184}[time_system]
    tzero = (utc0 + timedelta(seconds=shift - tzero_offset_s)).replace(tzinfo=None)
    rel = np.array([(segment.epoch_at(k).utc() - utc0).total_seconds() for k in range(n)]) + tzero_offset_s
    lines = [
        "CCSDS_OCM_VERS = 3.0",
        "CREATION_DATE = 2024-11-01T00:00:00",
        "ORIGINATOR = OPENSTC TEST",
        "META_START",
        f"OBJECT_NAME = {segment.object_name}",
        meta,
        f"TIME_SYSTEM = {time_system}",
        f"EPOCH_TZERO = {tzero.isoformat()}",
        "META_STOP",
    ]
    for first, last in blocks:
        lines += [
            "TRAJ_START",
            f"INTERPOLATION = {segment.interpolation or 'HERMITE'}",
            f"INTERPOLATION_DEGREE = {segment.interpolation_degree or 5}",
            "CENTER_NAME = EARTH",
            f"TRAJ_REF_FRAME = {segment.ref_frame}",
            "TRAJ_TYPE = CARTPV",
        ]
        for k in range(first, last + 1):
            r = segment.positions[k] / 1e3
            v = segment.velocities[k] / 1e3
            lines.append(f"{rel[k]:.6f} " + " ".join(f"{x:.9f}" for x in (*r, *v)))
        lines.append("TRAJ_STOP")
    if segment.covariances:
        lines += ["COV_START", f"COV_REF_FRAME = {cov_frame or segment.ref_frame}", "COV_TYPE = CARTPV"]
        for c in segment.covariances:
            t = (c.epoch.utc() - utc0).total_seconds() + tzero_offset_s
            lines.append(f"{t:.6f} " + _lt(np.asarray(c.matrix)))
        lines.append("COV_STOP")
    return "\n".join(line for line in lines if line) + "\n"


@pytest.fixture(scope="module")
def iss_oem():  # type: ignore[no-untyped-def]
    return Oem.parse((BEYOND / "oem_cov.kvn").read_text()).segments[0]


def test_bundled_annex_g_ocm() -> None:
    eph = from_ocm(Ocm.parse((ANNEX_G / "ocm_g15.kvn").read_text()), norad_id=12345)
    assert eph.norad_id == 12345  # no designator in the metadata: the argument
    assert eph.frame == "ITRF2000"
    assert eph.t0.isoformat() == "2022-12-18T14:28:15.117200+00:00"
    assert list(eph.times_s) == [0.0, 120.0, 240.0, 86400.0]
    assert eph.r_m[0] == pytest.approx([2854.5e3, -2916.2e3, -5360.7e3])
    assert eph.v_m_s[1] == pytest.approx([2.50e3, 5.87e3, 4.29e3])
    assert (eph.interpolation, eph.degree, eph.covariance) == ("HERMITE", 5, None)


def test_bundled_ocm_with_two_cartesian_frames_and_a_keplerian_block() -> None:
    g18 = Ocm.parse((ANNEX_G / "ocm_g18.kvn").read_text())
    with pytest.raises(InvalidArgumentError, match="TOD_EARTH"):
        from_ocm(g18)  # one CARTPVA block in a frame screening cannot rotate; the KEPLERIAN one is ignored
    geodetic = Ocm.parse((OREKIT_OCM / "OCMExample5Geodetic.txt").read_text())
    with pytest.raises(InvalidArgumentError, match=r"CARTPV or CARTPVA.*GEODETIC"):
        from_ocm(geodetic)


def test_bundled_orekit_ocm_gcrf_lagrange() -> None:
    eph = from_ocm(Ocm.parse((OREKIT_OCM / "OCMExample5ITRF.txt").read_text()))
    assert (eph.frame, eph.interpolation, eph.degree) == ("GCRF", "LAGRANGE", 2)
    assert eph.times_s.size == 49 and np.all(np.diff(eph.times_s) == 1800.0)
    assert eph.r_m[1] == pytest.approx([-6741465.2117311, -683676.2527309, 369367.7257921])


def test_mixed_frames_are_refused(iss_oem) -> None:  # type: ignore[no-untyped-def]
    text = ocm_text(iss_oem, blocks=((0, 10), (10, 30)))
    second = text.index("TRAJ_REF_FRAME = TEME", text.index("TRAJ_STOP"))
    text = text[:second] + "TRAJ_REF_FRAME = EME2000" + text[second + len("TRAJ_REF_FRAME = TEME") :]
    with pytest.raises(InvalidArgumentError, match=r"one TRAJ_REF_FRAME.*EME2000, TEME"):
        from_ocm(Ocm.parse(text))


@pytest.mark.parametrize(
    ("time_system", "blocks", "offset"),
    [("UTC", None, 0.0), ("TAI", ((0, 12), (12, 30)), 3600.0), ("GPS", ((0, 20), (5, 30)), -50.0),
     ("TT", ((0, 15), (16, 30)), 0.0)],
)  # fmt: skip
def test_ocm_written_from_an_oem_interpolates_identically(iss_oem, time_system, blocks, offset) -> None:  # type: ignore[no-untyped-def]
    want = from_oem_segment(iss_oem)
    got = from_ocm(
        Ocm.parse(ocm_text(iss_oem, blocks=blocks, time_system=time_system, tzero_offset_s=offset))
    )
    assert got.name == "ISS (ZARYA)" and got.norad_id == 0
    assert abs((got.t0 - want.t0).total_seconds()) < 1e-6
    np.testing.assert_allclose(got.times_s, want.times_s, atol=1e-6, rtol=0)
    np.testing.assert_allclose(got.r_m, want.r_m, atol=1e-6, rtol=0)
    assert (got.frame, got.interpolation, got.degree) == ("TEME", "LAGRANGE", 8)
    t = np.linspace(0.0, 3600.0, 97)
    r_got, v_got = EphemerisTrack.build(got, want.t0).states(t)
    r_want, v_want = EphemerisTrack.build(want, want.t0).states(t)
    np.testing.assert_allclose(r_got, r_want, atol=1e-5, rtol=0)
    np.testing.assert_allclose(v_got, v_want, atol=1e-8, rtol=0)
    assert got.covariance is not None and want.covariance is not None
    assert got.covariance_frame == want.covariance_frame == "TEME"
    np.testing.assert_allclose(got.covariance, want.covariance, rtol=1e-9, atol=1e-12)


def test_norad_id_from_the_metadata(iss_oem) -> None:  # type: ignore[no-untyped-def]
    designated = Ocm.parse(ocm_text(iss_oem, meta="OBJECT_DESIGNATOR = 25544"))
    assert from_ocm(designated).norad_id == 25544
    assert from_ocm(designated, norad_id=7).norad_id == 7  # the caller's id wins
    named = Ocm.parse(ocm_text(iss_oem, meta="INTERNATIONAL_DESIGNATOR = 1998-067A"))
    assert from_ocm(named).norad_id == 0  # not digits, no argument


def test_time_system_without_utc_relation_is_refused(iss_oem) -> None:  # type: ignore[no-untyped-def]
    text = ocm_text(iss_oem).replace("TIME_SYSTEM = UTC", "TIME_SYSTEM = TDB")
    with pytest.raises(InvalidArgumentError, match="convert to UTC"):
        from_ocm(Ocm.parse(text))


def test_rtn_and_tnw_covariances(iss_oem) -> None:  # type: ignore[no-untyped-def]
    eph = from_oem_segment(iss_oem)
    # the same covariances declared in RTN are taken as they are
    rtn = from_ocm(Ocm.parse(ocm_text(iss_oem, cov_frame="RSW")))
    assert rtn.covariance_frame == "RTN" and rtn.covariance is not None
    np.testing.assert_allclose(rtn.covariance, eph.covariance, rtol=1e-9, atol=1e-12)
    # declared in TNW: rotated to RTN with the states (the radial variance becomes the N one)
    tnw = from_ocm(Ocm.parse(ocm_text(iss_oem, cov_frame="TNW")))
    assert tnw.covariance_frame == "RTN" and tnw.covariance is not None
    k = 5
    r, v = eph.r_m[k], eph.v_m_s[k]
    t_hat = v / np.linalg.norm(v)
    w_hat = np.cross(r, v) / np.linalg.norm(np.cross(r, v))
    n_hat = np.cross(w_hat, t_hat)
    tnw_axes = np.array([t_hat, n_hat, w_hat])
    c_tnw = np.asarray(iss_oem.covariances[k].matrix)[:3, :3]
    c_inertial = tnw_axes.T @ c_tnw @ tnw_axes
    c_rtn = frames.rtn_basis(r, v) @ c_inertial @ frames.rtn_basis(r, v).T
    np.testing.assert_allclose(tnw.covariance[k][:3, :3], c_rtn, rtol=1e-7, atol=1e-9)


def test_ocm_ephemeris_screens_like_the_same_oem(  # type: ignore[no-untyped-def]
    hard_cases, hard_objects, hard_config, hard_run
) -> None:
    """The round trip: states of a catalog object written as OEM and as OCM (TAI, two blocks) screen to
    the same conjunctions."""
    conj_all = hard_run[0]
    counts = Counter(c.object1_norad_id for c in conj_all) + Counter(c.object2_norad_id for c in conj_all)
    target = max((n for n in counts if 90000 <= n < 90060), key=lambda n: counts[n])
    elset = next(e for e in hard_cases[0] if e.norad_id == target)
    oem = oem_text(elset, START, 86400.0)
    seg = Oem.parse(oem).segments[0]
    n = seg.positions.shape[0]
    ocm = Ocm.parse(ocm_text(seg, blocks=((0, n // 2), (n // 2, n - 1)), time_system="TAI", meta=""))
    others = [o for o in hard_objects if o.norad_id != target]
    cfg = dataclasses.replace(hard_config, primaries=frozenset({target}))
    from_oem, _, _ = screen([*others, ScreeningObject.from_ephemeris(from_oem_segment(seg))], cfg)
    from_ocm_, _, _ = screen([*others, ScreeningObject.from_ephemeris(from_ocm(ocm, norad_id=target))], cfg)
    assert len(from_oem) >= 3
    assert [(c.object1_norad_id, c.object2_norad_id) for c in from_ocm_] == [
        (c.object1_norad_id, c.object2_norad_id) for c in from_oem
    ]
    for a, b in zip(from_ocm_, from_oem, strict=True):
        assert abs((a.tca - b.tca).total_seconds()) < 1e-3
        assert abs(a.miss_distance_m - b.miss_distance_m) < 1e-2


def oem_text(elset, start: datetime, stop_s: float, frame: str = "EME2000") -> str:  # type: ignore[no-untyped-def]
    """An OEM (60 s, Hermite 5, UTC) of an element set's SGP4 states from ``start`` - 600 s to
    ``start`` + ``stop_s`` + 600 s."""
    sat = to_satrec(elset)
    jd, fr = datetime_to_jd(start)
    rows = []
    for t in np.arange(-600.0, stop_s + 601.0, 60.0):
        e, rr, vv = sat.sgp4(jd, fr + t / 86400.0)
        assert e == 0
        when = offset_to_datetime(start, float(t))
        r, v = frames.teme_to_frame(frame, when, np.array(rr) * 1e3, np.array(vv) * 1e3)
        rows.append(
            when.strftime("%Y-%m-%dT%H:%M:%S.%f") + " " + " ".join(f"{x:.9f}" for x in (*r / 1e3, *v / 1e3))
        )
    head = [
        "CCSDS_OEM_VERS = 2.0",
        "CREATION_DATE = 2024-11-01T00:00:00",
        "ORIGINATOR = OPENSTC TEST",
        "META_START",
        f"OBJECT_NAME = {elset.norad_id}",
        f"OBJECT_ID = {elset.norad_id}",
        "CENTER_NAME = EARTH",
        f"REF_FRAME = {frame}",
        "TIME_SYSTEM = UTC",
        f"START_TIME = {rows[0].split()[0]}",
        f"STOP_TIME = {rows[-1].split()[0]}",
        "INTERPOLATION = HERMITE",
        "INTERPOLATION_DEGREE = 5",
        "META_STOP",
    ]
    return "\n".join(head + rows) + "\n"


def test_leap_second_inside_a_tai_ocm() -> None:
    """TAI relative times across the 2016-12-31 leap second: UTC datetimes one second closer after it."""
    rows = []
    for t in np.arange(0.0, 7201.0, 600.0):
        ang = t * 2 * np.pi / 5800.0
        r = 7000.0 * np.array([np.cos(ang), np.sin(ang), 0.0])
        v = 7.546 * np.array([-np.sin(ang), np.cos(ang), 0.0])
        rows.append(f"{t:.1f} " + " ".join(f"{x:.6f}" for x in (*r, *v)))
    text = "\n".join(
        ["CCSDS_OCM_VERS = 3.0", "CREATION_DATE = 2016-12-30T00:00:00", "ORIGINATOR = OPENSTC TEST",
         "META_START", "TIME_SYSTEM = TAI", "EPOCH_TZERO = 2016-12-31T23:30:00", "META_STOP",
         "TRAJ_START", "TRAJ_REF_FRAME = EME2000", "TRAJ_TYPE = CARTPV", *rows, "TRAJ_STOP"]
    )  # fmt: skip
    eph = from_ocm(Ocm.parse(text + "\n"))
    assert eph.t0.isoformat() == "2016-12-31T23:29:24+00:00"  # TAI - 36 s
    rel = np.arange(0.0, 7201.0, 600.0)
    # TAI 2017-01-01T00:00:36 is the first instant with TAI - UTC = 37 s: rel >= 1836 s
    np.testing.assert_allclose(eph.times_s, rel - (rel >= 1836.0), atol=1e-9)
