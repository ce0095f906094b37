"""CDMs for a real-catalog screening: strictly valid, round-tripping in KVN/XML/JSON, TraCSS v2 fields,
Pc / max Pc / failure comments, geometry consistent with the screening, and events built from them.

The screening: 400 Starlink objects of the 53 deg / ~540 km shell from the CelesTrak 2024-11-01
catalog snapshot, one day, a 20 km sphere (~190 conjunctions, a few seconds).
"""

from __future__ import annotations

import dataclasses
import math
import re
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from openstc import formats
from openstc.astro import frames
from openstc.events import RiskLevel, ScreeningRecord, group_events
from openstc.events.cdmgen import (
    CdmSettings,
    cdm_record,
    conjunction_cdm,
    covariance_size_m,
    pc_failures,
    screening_cdms,
    volume_from_text,
)
from openstc.formats.catalog import load_catalog
from openstc.formats.cdm import Cdm
from openstc.formats.model import message_differences
from openstc.pc import compute_pc
from openstc.screening.engine import screen
from openstc.screening.model import Conjunction, ScreeningConfig, ScreeningObject
from openstc.screening.volumes import sphere, tracss_hac_volume

DATA = Path(__file__).resolve().parents[1] / "data" / "catalog" / "celestrak_on_orbit_20241101.csv"
START = datetime(2024, 11, 1, tzinfo=UTC)
CREATED = datetime(2024, 11, 1, 1, 0, tzinfo=UTC)
RADIUS_M = 20e3
MM = 1e-3  # 1 mm, in m

# Synthetic 1-sigma RTN uncertainties for the covariance cases: R 50 m, T 400 m, N 30 m, 0.05 m/s.
SIGMA = np.array([50.0, 400.0, 30.0, 0.05, 0.4, 0.03])
COV_RTN = tuple(tuple(float(x) for x in row) for row in np.diag(SIGMA**2))


@pytest.fixture(scope="module")
def run() -> tuple[list[Conjunction], list[ScreeningObject]]:
    els = load_catalog(DATA.read_bytes())
    shell = sorted(
        (e for e in els if 14.9 < e.mean_motion_rev_day < 15.3 and 52.9 < e.inclination_deg < 53.3),
        key=lambda e: e.norad_id,
    )[:400]
    objects = [ScreeningObject.from_elset(e) for e in shell]
    config = ScreeningConfig(start=START, duration_s=86400.0, volume=sphere(RADIUS_M))
    conjunctions, failures, _ = screen(objects, config)
    assert not failures
    assert len(conjunctions) > 100
    return conjunctions, objects


def settings(**changes: Any) -> CdmSettings:
    base = CdmSettings(
        creation_date=CREATED,
        run_id="run-0001",
        correlation_id="corr-0001",
        screen_start=START,
        screen_stop=START + timedelta(days=1),
    )
    return dataclasses.replace(base, **changes)


def uuids(seed: int) -> Iterator[str]:
    rng = np.random.default_rng(seed)
    while True:
        yield str(uuid.UUID(bytes=rng.bytes(16), version=4))


def ids(seed: int = 1) -> Callable[[], str]:
    it = uuids(seed)
    return lambda: next(it)


@pytest.fixture(scope="module")
def cdms(run: tuple[list[Conjunction], list[ScreeningObject]]) -> list[Cdm]:
    conjunctions, objects = run
    return screening_cdms(conjunctions, settings=settings(), message_ids=ids(), objects=objects)


def with_covariance(c: Conjunction) -> Conjunction:
    return dataclasses.replace(
        c,
        object1_state=dataclasses.replace(c.object1_state, covariance_rtn=COV_RTN),
        object2_state=dataclasses.replace(c.object2_state, covariance_rtn=COV_RTN),
    )


@pytest.fixture(scope="module")
def cov_cdms(run: tuple[list[Conjunction], list[ScreeningObject]]) -> list[Cdm]:
    conjunctions, objects = run
    closest = sorted(conjunctions, key=lambda c: c.miss_distance_m)[:12]
    return screening_cdms(
        [with_covariance(c) for c in closest], settings=settings(), message_ids=ids(2), objects=objects
    )


def test_every_conjunction_gets_a_cdm_valid_and_identical_after_a_round_trip(
    run: tuple[list[Conjunction], list[ScreeningObject]], cdms: list[Cdm], cov_cdms: list[Cdm]
) -> None:
    assert len(cdms) == len(run[0])
    for cdm in [*cdms, *cov_cdms]:
        for enc in ("kvn", "xml", "json"):
            text = formats.write(cdm, enc)
            assert "nan" not in text.lower()
            back = formats.read(text, strict=True, source=f"{cdm.message_id}.{enc}")
            assert isinstance(back, Cdm)
            assert back.warnings == []
            assert message_differences(cdm, back, rel=1e-12) == [], enc
            # the values that matter, in physical tolerances
            assert back.tca == cdm.tca
            for a, b in zip(back.objects, cdm.objects, strict=True):
                assert np.max(np.abs(a.position - b.position)) < MM
                assert np.max(np.abs(a.velocity - b.velocity)) < 1e-6
            assert back.miss_distance == pytest.approx(cdm.miss_distance, abs=MM)


def test_header_and_tracss_v2_fields(
    run: tuple[list[Conjunction], list[ScreeningObject]], cdms: list[Cdm]
) -> None:
    conjunctions, _ = run
    seen = set()
    for c, cdm in zip(conjunctions, cdms, strict=True):
        assert cdm.version == "2.0"
        assert uuid.UUID(cdm.message_id or "").version == 4
        seen.add(cdm.message_id)
        assert cdm.creation_date == CREATED
        assert cdm.originator == "OPENSTC"
        rel = cdm.relative
        assert rel.get("START_SCREEN_PERIOD").utc() == START
        assert rel.get("STOP_SCREEN_PERIOD").utc() == START + timedelta(days=1)
        assert rel.get("SCREEN_VOLUME_FRAME") == "RTN"
        assert rel.get("SCREEN_VOLUME_SHAPE") == "SPHERE"
        for k in ("SCREEN_VOLUME_X", "SCREEN_VOLUME_Y", "SCREEN_VOLUME_Z", "SCREEN_VOLUME_RADIUS"):
            assert rel.get(k) == RADIUS_M
        entry, exit_ = rel.get("SCREEN_ENTRY_TIME").utc(), rel.get("SCREEN_EXIT_TIME").utc()
        assert entry <= cdm.tca <= exit_
        assert cdm.tca == c.tca
        assert cdm.miss_distance == c.miss_distance_m <= RADIUS_M
        assert rel.get("APPROACH_ANGLE") == pytest.approx(math.radians(c.approach_angle_deg), abs=1e-12)
        # Element sets carry no covariance: the max Pc over every covariance (Alfano 2005).
        assert rel.get("COLLISION_MAX_PC_METHOD") == "ALFANO-2005-MAXPC"
        for o, norad in zip(cdm.objects, (c.object1_norad_id, c.object2_norad_id), strict=True):
            assert o.designator == str(norad)
            assert o.ref_frame == "EME2000"
            assert o.metadata.get("CATALOG_NAME") == "SATCAT"
            assert re.fullmatch(r"\d{4}-\d{3}[A-Z]{1,3}", o.metadata.get("INTERNATIONAL_DESIGNATOR"))
            assert o.metadata.get("OBJECT_TYPE") == "PAYLOAD"
            assert o.hbr == 5.0  # TraCSS default for payloads (handbook Table 3.4.3)
            # a Starlink of this shell: periapsis 300-600 km, inclination 53 deg
            assert 300e3 < o.get("PERIAPSIS_ALTITUDE") <= o.get("APOAPSIS_ALTITUDE") < 600e3
            assert math.degrees(o.get("INCLINATION")) == pytest.approx(53.0, abs=0.3)
        user = cdm.body.child("userDefinedParameters")
        assert user is not None
        assert user.user["RUN_ID"] == "run-0001"
        assert user.user["CORRELATION_ID"] == "corr-0001"
        assert user.user["MEETS_ALERTABLE_CRITERIA"] == "NO"
    assert len(seen) == len(cdms)
    kvn = formats.write(cdms[0], "kvn")
    # TraCSS writes the user-defined parameters last, after OBJECT2's data
    assert kvn.rstrip().splitlines()[-1].startswith("USER_DEFINED_")


def test_covariance_less_conjunctions_carry_max_pc_and_the_failure_comment(cdms: list[Cdm]) -> None:
    for cdm in cdms:
        assert cdm.collision_probability is None
        assert "COLLISION_PROBABILITY" not in cdm.relative
        assert "COLLISION_PROBABILITY_METHOD" not in cdm.relative
        max_pc = cdm.relative.get("COLLISION_MAX_PROBABILITY")
        assert max_pc is not None and math.isfinite(max_pc) and 0.0 <= max_pc <= 1.0
        assert pc_failures(cdm) == {"FOSTER_1992": "covariance missing for both objects"}
        for o in cdm.objects:
            assert o.metadata.get("COVARIANCE_METHOD") == "DEFAULT"
            assert o.metadata.get("EPHEMERIS_NAME") == "NONE"
            assert np.all(o.covariance_rtn == 0.0)
        kvn = formats.write(cdm, "kvn")
        assert (
            "COMMENT COMMENT_FAILED_COLLISION_PROBABILITY_CALCULATION_FOSTER_1992 = "
            "covariance missing for both objects"
        ) in kvn
        assert cdm_record(cdm).covariance_size_m is None


def test_tracss_bare_failure_keyword_reads_as_the_same_comment(cdms: list[Cdm]) -> None:
    kvn = formats.write(cdms[0], "kvn").replace("COMMENT COMMENT_FAILED", "COMMENT_FAILED")
    back = formats.read(kvn)  # lenient: a warning, the same model
    assert back.warnings
    assert pc_failures(back) == pc_failures(cdms[0])
    assert message_differences(cdms[0], back, rel=1e-12) == []


def test_pc_is_written_when_both_objects_have_a_covariance(cov_cdms: list[Cdm]) -> None:
    for cdm in cov_cdms:
        pc = cdm.collision_probability
        assert pc is not None and 0.0 <= pc <= 1.0
        assert cdm.collision_probability_method == "FOSTER-1992"
        assert pc_failures(cdm) == {}
        assert cdm.relative.get("MAHALANOBIS_DISTANCE") > 0.0
        for o in cdm.objects:
            assert o.metadata.get("COVARIANCE_METHOD") == "CALCULATED"
            np.testing.assert_allclose(o.covariance_rtn, np.diag(SIGMA**2), rtol=1e-12)
        # The Pc recomputed from the CDM alone (EME2000 states, RTN covariances) is the same: the
        # frame rotation and the RTN bookkeeping lose nothing.
        o1, o2 = cdm.object1, cdm.object2
        c1 = frames.covariance_from_rtn(o1.position, o1.velocity, o1.covariance_rtn)
        c2 = frames.covariance_from_rtn(o2.position, o2.velocity, o2.covariance_rtn)
        again = compute_pc(o1.position, o1.velocity, c1, o2.position, o2.velocity, c2, cdm.hbr or 0.0)[0]
        assert again.pc == pytest.approx(pc, rel=1e-6, abs=1e-30)
        size = cdm_record(cdm).covariance_size_m
        # combined sigma in the encounter plane: between the smallest and largest combined sigmas
        assert size is not None and math.sqrt(2) * 30.0 - 1e-6 <= size <= math.sqrt(2) * 400.0 + 1e-6


def test_geometry_matches_the_screening_after_the_frame_change(
    run: tuple[list[Conjunction], list[ScreeningObject]], cdms: list[Cdm]
) -> None:
    for c, cdm in zip(run[0], cdms, strict=True):
        o1, o2 = cdm.object1, cdm.object2
        # EME2000 and TEME differ by a rotation: radii, speeds and the miss distance are unchanged
        assert np.linalg.norm(o1.position) == pytest.approx(np.linalg.norm(c.object1_state.r_m), abs=MM)
        assert np.linalg.norm(o2.velocity) == pytest.approx(np.linalg.norm(c.object2_state.v_m_s), abs=1e-6)
        assert np.linalg.norm(o2.position - o1.position) == pytest.approx(c.miss_distance_m, abs=MM)
        # ... and the precession since J2000 moves the axes by ~0.35 deg in 2024: ~40 km at LEO radius
        assert 10e3 < np.linalg.norm(o1.position - np.asarray(c.object1_state.r_m)) < 100e3
        copy = formats.read(formats.write(cdm, "kvn"))
        copy.set_relative_from_states()
        np.testing.assert_allclose(copy.relative_position, c.miss_rtn_m, atol=MM)
        np.testing.assert_allclose(copy.relative_velocity, c.relative_velocity_rtn_m_s, atol=1e-6)
        assert copy.relative_speed == pytest.approx(c.relative_speed_m_s, abs=1e-6)


def test_teme_frame_on_request(run: tuple[list[Conjunction], list[ScreeningObject]]) -> None:
    c = run[0][0]
    cdm = conjunction_cdm(c, message_id="m-1", settings=settings(ref_frame="TEME"))
    assert cdm.object1.ref_frame == "TEME"
    np.testing.assert_allclose(cdm.object1.position, c.object1_state.r_m, atol=MM)
    back = formats.read(formats.write(cdm, "xml"), strict=True)
    assert back.object1.ref_frame == "TEME"
    # without catalog objects the mandatory identity keywords still have values
    assert back.object1.metadata.get("INTERNATIONAL_DESIGNATOR") == "UNKNOWN"
    assert back.object1.metadata.get("OBJECT_TYPE") == "UNKNOWN"


def test_alert_criteria_and_given_pc_results(run: tuple[list[Conjunction], list[ScreeningObject]]) -> None:
    conj = run[0][:3]
    s = settings(alert_miss_distance_m=conj[1].miss_distance_m)
    out = screening_cdms(conj, settings=s, message_ids=["a", "b", "c"])
    flags = [cdm.body.child("userDefinedParameters").user["MEETS_ALERTABLE_CRITERIA"] for cdm in out]  # type: ignore[union-attr]
    expect = ["YES" if c.miss_distance_m <= conj[1].miss_distance_m else "NO" for c in conj]
    assert flags == expect
    # Pc results from the caller are used as given; None means no Pc fields at all
    none = screening_cdms(conj, settings=settings(), message_ids=["a", "b", "c"], pc_results=[None] * 3)
    assert all("COLLISION_MAX_PROBABILITY" not in c.relative for c in none)


def test_same_inputs_give_the_same_text(run: tuple[list[Conjunction], list[ScreeningObject]]) -> None:
    conj, objects = run[0][:5], run[1]
    a = screening_cdms(conj, settings=settings(), message_ids=ids(7), objects=objects)
    b = screening_cdms(conj, settings=settings(), message_ids=ids(7), objects=objects)
    assert [formats.write(x, "kvn") for x in a] == [formats.write(x, "kvn") for x in b]


def test_volume_descriptions_are_read_back() -> None:
    v = tracss_hac_volume(540.0, 0.001)
    got = volume_from_text(v.describe())
    assert got is not None and got.shape == "box"
    assert (got.radial_m, got.in_track_m, got.cross_track_m) == pytest.approx((400.0, 25e3, 25e3))
    s = volume_from_text(sphere(5e3).describe())
    assert s is not None and s.shape == "sphere" and s.radial_m == pytest.approx(5e3)
    assert volume_from_text("something else") is None


def test_events_from_the_cdms_of_successive_screenings(
    run: tuple[list[Conjunction], list[ScreeningObject]], cdms: list[Cdm]
) -> None:
    conjunctions, objects = run
    first = [cdm_record(formats.read(formats.write(c, "json"), strict=True)) for c in cdms]
    events = group_events(first)
    # every conjunction of one screening is its own event (same pair: one orbit apart at least)
    assert len(events) == len(conjunctions)
    assert all(e.is_active and len(e.cdms) == 1 for e in events)
    assert all(e.risk() is RiskLevel.UNKNOWN for e in events)  # no covariance, no Pc

    # An update 8 h later re-screens the same pairs; the closest 12 now have covariances.
    later = CREATED + timedelta(hours=8)
    cov_keys = {c.key() for c in sorted(conjunctions, key=lambda c: c.miss_distance_m)[:12]}
    update = [with_covariance(c) if c.key() in cov_keys else c for c in conjunctions]
    second_cdms = screening_cdms(
        update, settings=settings(creation_date=later, run_id="run-0002"), message_ids=ids(3), objects=objects
    )
    second = [cdm_record(c) for c in second_cdms]
    events = group_events([*first, *second])
    assert len(events) == len(conjunctions)
    for e in events:
        assert [c.screening_id for c in e.cdms] == ["run-0001", "run-0002"]
        assert [e.active[c.message_id] for c in e.cdms] == [False, True]
        if e.latest.pc is not None:
            assert e.risk() in (RiskLevel.GREEN, RiskLevel.YELLOW, RiskLevel.RED)
    assert sum(e.latest.pc is not None for e in events) == 12

    # A third screening covers everything and finds nothing: every event is retired.
    screening = ScreeningRecord(
        screening_id="run-0003",
        completed_at=later + timedelta(hours=8),
        window_start=START,
        window_stop=START + timedelta(days=1),
        covers_pair=lambda a, b: True,
    )
    events = group_events([*first, *second], screenings=[screening])
    assert not any(e.is_active for e in events)


def test_write_cdms_to_a_folder(run: tuple[list[Conjunction], list[ScreeningObject]], tmp_path: Path) -> None:
    from openstc.commands._cdm_output import write_cdms

    conj, objects = run[0][:4], run[1]
    paths = write_cdms(
        conj, tmp_path, ("kvn", "xml", "json"), objects=objects, run_id="run-x", screen_start=START
    )
    assert len(paths) == 12
    pattern = re.compile(r"(\d+)_(\d+)_(\d{8}T\d{6})_([0-9a-f-]{36})\.(cdm|xml|json)")
    for p in paths:
        m = pattern.fullmatch(p.name)
        assert m, p.name
        cdm = formats.read(p.read_bytes(), strict=True, source=str(p))
        assert cdm.message_id == m[4]
        assert (cdm.object1.designator, cdm.object2.designator) == (m[1], m[2])
        assert cdm.tca.strftime("%Y%m%dT%H%M%S") == m[3]
        assert cdm.body.child("userDefinedParameters").user["RUN_ID"] == "run-x"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)  # no temp files
    # already-built CDMs are written as they are
    built = screening_cdms(conj, settings=settings(), message_ids=["m1", "m2", "m3", "m4"])
    again = write_cdms(built, tmp_path / "b")
    assert [p.name.split("_")[-1] for p in again] == ["m1.cdm", "m2.cdm", "m3.cdm", "m4.cdm"]


def test_covariance_size_is_none_without_covariances(cdms: list[Cdm]) -> None:
    assert covariance_size_m(cdms[0]) is None


def test_flat_tracss_record_feeds_the_store(cdms: list[Cdm], cov_cdms: list[Cdm]) -> None:
    from openstc.events.cdm_flat import tracss_fields
    from openstc.store.cdms import cdm_columns

    flat = tracss_fields(cdms[0])
    assert flat["TRACSS_CDM_VERS"] == "2.0"
    assert flat["MISS_DISTANCE_UNIT"] == "m" and flat["SAT1_X_UNIT"] == "km"
    assert float(flat["SAT1_X"]) * 1e3 == pytest.approx(cdms[0].object1.position[0], abs=MM)
    assert flat["USER_DEFINED_RUN_ID"] == "run-0001"
    assert flat["COMMENT_FAILED_COLLISION_PROBABILITY_CALCULATION_FOSTER_1992"]
    assert "COLLISION_PROBABILITY" not in flat
    cols = cdm_columns(flat)
    assert cols["message_id"] == cdms[0].message_id
    assert cols["tca"] == cdms[0].tca and cols["creation_date"] == CREATED
    assert cols["miss_distance_m"] == pytest.approx(cdms[0].miss_distance, abs=MM)
    assert cols["object1_norad"] == int(cdms[0].object1.designator or 0)
    assert cols["collision_probability"] is None
    with_pc = cdm_columns(tracss_fields(cov_cdms[0]))
    assert with_pc["collision_probability"] == pytest.approx(cov_cdms[0].collision_probability, rel=1e-12)


def test_one_covariance_gives_max_pc_but_no_pc(run: tuple[list[Conjunction], list[ScreeningObject]]) -> None:
    closest = min(run[0], key=lambda c: c.miss_distance_m)
    half = dataclasses.replace(
        closest, object1_state=dataclasses.replace(closest.object1_state, covariance_rtn=COV_RTN)
    )
    cdm = screening_cdms([half], settings=settings(), message_ids=["half"], objects=run[1])[0]
    assert cdm.collision_probability is None
    assert pc_failures(cdm) == {"FOSTER_1992": "covariance missing for object 2"}
    assert [o.metadata.get("COVARIANCE_METHOD") for o in cdm.objects] == ["CALCULATED", "DEFAULT"]
    max_pc = cdm.relative.get("COLLISION_MAX_PROBABILITY")
    # Frisbee's bound with a known covariance is positive for a miss of a few sigmas, and the Pc with
    # any covariance for object 2 (here the synthetic one) never exceeds it.
    full = screening_cdms([with_covariance(closest)], settings=settings(), message_ids=["full"])[0]
    assert full.collision_probability is not None
    assert 0.0 < max_pc <= 1.0 and full.collision_probability <= max_pc * (1 + 1e-9)
    assert formats.read(formats.write(cdm, "kvn"), strict=True).relative.get("COLLISION_MAX_PROBABILITY") == (
        pytest.approx(max_pc, rel=1e-12)
    )


def test_states_are_sgp4_at_tca(
    run: tuple[list[Conjunction], list[ScreeningObject]], cdms: list[Cdm]
) -> None:
    """The CDM's states are python-sgp4's at the CDM's TCA (TEME), rotated to EME2000 (the rotation is
    checked against Vallado's example in tests/astro)."""
    from sgp4.api import jday

    from openstc.formats.elset import to_satrec

    by_id = {o.norad_id: o for o in run[1]}
    for cdm in cdms[::20]:
        tca = cdm.tca
        assert tca is not None
        sec = tca.second + tca.microsecond * 1e-6
        jd, fr = jday(tca.year, tca.month, tca.day, tca.hour, tca.minute, sec)
        for o in cdm.objects:
            elset = by_id[int(o.designator or 0)].elset
            assert elset is not None
            err, r_km, v_km_s = to_satrec(elset).sgp4(jd, fr)
            assert err == 0
            r, v = frames.teme_to_frame("EME2000", tca, np.array(r_km) * 1e3, np.array(v_km_s) * 1e3)
            np.testing.assert_allclose(o.position, r, atol=MM)
            np.testing.assert_allclose(o.velocity, v, atol=1e-6)


def test_screen_command_options(run: tuple[list[Conjunction], list[ScreeningObject]], tmp_path: Path) -> None:
    import argparse

    from openstc.commands._cdm_output import add_cdm_options, write_cdms_for_run
    from openstc.errors import InvalidArgumentError

    parser = argparse.ArgumentParser()
    add_cdm_options(parser)
    config = ScreeningConfig(start=START, duration_s=86400.0, volume=sphere(RADIUS_M))
    conj, objects = run[0][:3], run[1]
    assert write_cdms_for_run(parser.parse_args([]), conj, objects, config) == []
    args = parser.parse_args(["--cdm-dir", str(tmp_path), "--cdm-format", "kvn,json"])
    paths = write_cdms_for_run(args, conj, objects, config, run_id="r-1")
    assert sorted(p.suffix for p in paths) == [".cdm"] * 3 + [".json"] * 3
    cdm = formats.read(paths[0].read_bytes(), strict=True)
    assert cdm.relative.get("STOP_SCREEN_PERIOD").utc() == START + timedelta(days=1)
    assert cdm.body.child("userDefinedParameters").user["CORRELATION_ID"] == "r-1"
    with pytest.raises(InvalidArgumentError):
        write_cdms_for_run(
            parser.parse_args(["--cdm-dir", str(tmp_path), "--cdm-format", "pdf"]), conj, objects, config
        )


def test_message_level_user_parameters_sit_in_the_body_after_both_segments(cdms: list[Cdm]) -> None:
    """TraCSS's CDM v2 XML keeps USER_DEFINED_* in <body>, after the segments: the model takes them
    there (Cdm.user_defined) and XML and JSON keep that place through a round trip."""
    import json
    import xml.etree.ElementTree as ET

    cdm = formats.read(formats.write(cdms[0], "xml"), strict=True)
    assert isinstance(cdm, Cdm)
    assert cdm.object2.data.child("userDefinedParameters") is None  # not in OBJECT2's block
    # KVN has no body level: the lines follow OBJECT2's data and are lifted back to the body on reading
    kvn = formats.write(cdm, "kvn")
    assert kvn.rstrip().splitlines()[-1].startswith("USER_DEFINED_")
    lifted = formats.read(kvn, strict=True)
    assert isinstance(lifted, Cdm) and lifted.object2.data.child("userDefinedParameters") is None
    assert lifted.user_defined.user == cdm.user_defined.user
    xml = formats.write(cdm, "xml")
    body = ET.fromstring(xml).find("body")
    assert body is not None
    tags = [c.tag for c in body]
    assert tags[-3:] == ["segment", "segment", "userDefinedParameters"]
    assert body[-1].find("USER_DEFINED") is not None
    doc = json.loads(formats.write(cdm, "json"))
    assert "userDefinedParameters" in json.dumps(doc)
    for enc in ("xml", "json"):
        back = formats.read(formats.write(cdm, enc), strict=True)
        assert message_differences(cdm, back, rel=1e-12) == [], enc
        assert isinstance(back, Cdm) and back.user_defined.user["RUN_ID"] == "run-0001"
