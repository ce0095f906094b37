"""Screening an uploaded OCM's own trajectory: upload -> triggerCA -> runner -> CDMs of the batch.

The catalog holds debris 3001 (the ISS's mean elements at a recent epoch) and an element set of
ACME's 1001 elsewhere on the orbit. The uploaded OCM of 1001 crosses the debris' path: at a chosen
time its state is the debris' SGP4 state displaced 200 m radially, with the velocity turned 10
degrees about the radial direction, propagated two-body (numerically, ±1.5 h, 60 s states,
EME2000). The expected TCA and miss distance are found here independently (dense two-body
trajectory vs sgp4 directly, minimised with scipy); the CDM listed for the upload's batch must agree.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, datetime, timedelta
from importlib import resources

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.optimize import minimize_scalar
from sqlalchemy import select

from openstc.astro import frames
from openstc.astro.sgp4prop import datetime_to_jd
from openstc.formats.catalog import read_celestrak_csv
from openstc.formats.elset import ElementSet, to_satrec
from openstc.jobs.engine import make_screen_fn
from openstc.jobs.ingest import IngestReport, store_element_sets
from openstc.jobs.runner import Runner
from openstc.store.cdms import cdm_columns
from openstc.store.db import transaction
from openstc.store.models import Cdm, ScreeningRun

MU = 3.986004418e14
URL = "/metadata/v2/ocm/upload"
HALF_SPAN_S = 5400.0
MISS_M = 200.0


def _iss() -> ElementSet:
    text = resources.files("openstc").joinpath("data/catalog/celestrak_on_orbit_20241101.csv").read_text()
    lines = text.splitlines()
    row = next(line for line in lines if ",25544," in line)
    return read_celestrak_csv(lines[0] + "\n" + row + "\n").elements[0]


def _teme(sat, t: datetime) -> tuple[np.ndarray, np.ndarray]:
    jd, fr = datetime_to_jd(t)
    err, r, v = sat.sgp4(jd, fr)
    assert err == 0
    return np.array(r) * 1e3, np.array(v) * 1e3


def _two_body(_t: float, y: np.ndarray) -> np.ndarray:
    r = y[:3]
    return np.concatenate([y[3:], -MU * r / np.linalg.norm(r) ** 3])


@dataclasses.dataclass
class Scenario:
    debris: ElementSet
    decoy: ElementSet  # 1001's own element set, far from the debris: the OCM must replace it
    t0: datetime  # OCM start
    tc: datetime  # designed crossing
    ocm_text: str
    expected_tca: datetime
    expected_miss_m: float


def scenario(now: datetime, basis: str = "PREDICTED") -> Scenario:
    iss = _iss()
    epoch = now - timedelta(hours=1)
    debris = dataclasses.replace(iss, norad_id=3001, epoch=epoch, epoch_jd=None, epoch_jd_frac=None)
    decoy = dataclasses.replace(
        debris, norad_id=1001, mean_anomaly_deg=(iss.mean_anomaly_deg + 180.0) % 360.0, object_name="ACME-1"
    )
    t0 = now.replace(microsecond=0)
    tc = t0 + timedelta(seconds=HALF_SPAN_S)
    sat = to_satrec(debris)
    rd, vd = _teme(sat, tc)
    u = rd / np.linalg.norm(rd)
    ang = math.radians(10.0)  # Rodrigues rotation of the velocity about the radial unit vector
    vp = vd * math.cos(ang) + np.cross(u, vd) * math.sin(ang) + u * np.dot(u, vd) * (1 - math.cos(ang))
    rp = rd + MISS_M * u
    y0 = np.concatenate([rp, vp])
    fwd = solve_ivp(
        _two_body, (0, HALF_SPAN_S), y0, method="DOP853", rtol=1e-12, atol=1e-6, dense_output=True
    )
    bwd = solve_ivp(
        _two_body, (0, -HALF_SPAN_S), y0, method="DOP853", rtol=1e-12, atol=1e-6, dense_output=True
    )

    def state(s_from_tc: float) -> np.ndarray:
        return (fwd if s_from_tc >= 0 else bwd).sol(s_from_tc)

    lines = []
    for k in range(int(2 * HALF_SPAN_S / 60.0) + 1):
        t_rel = 60.0 * k
        when = t0 + timedelta(seconds=t_rel)
        y = state(t_rel - HALF_SPAN_S)
        r, v = frames.teme_to_frame("EME2000", when, y[:3], y[3:])
        lines.append(
            f"{t_rel:.1f} "
            + " ".join(f"{x / 1e3:.7f}" for x in r)
            + " "
            + " ".join(f"{x / 1e3:.10f}" for x in v)
        )

    def dist(s: float) -> float:
        rd_s, _ = _teme(sat, tc + timedelta(seconds=s))
        return float(np.linalg.norm(state(s)[:3] - rd_s))

    best = minimize_scalar(dist, bounds=(-30.0, 30.0), method="bounded", options={"xatol": 1e-7})
    ts = lambda t: t.strftime("%Y-%m-%dT%H:%M:%S")  # noqa: E731
    t1 = t0 + timedelta(seconds=2 * HALF_SPAN_S)
    text = (
        f"""CCSDS_OCM_VERS = 3.0
CREATION_DATE = {ts(t0)}
ORIGINATOR = ACME
MESSAGE_ID = OCM-SCREEN-{basis}
META_START
OBJECT_NAME = ACME-1
OBJECT_DESIGNATOR = 1001
TIME_SYSTEM = UTC
EPOCH_TZERO = {ts(t0)}
START_TIME = {ts(t0)}
STOP_TIME = {ts(t1)}
META_STOP
TRAJ_START
CENTER_NAME = EARTH
TRAJ_REF_FRAME = EME2000
TRAJ_BASIS = {basis}
INTERPOLATION = HERMITE
INTERPOLATION_DEGREE = 7
USEABLE_START_TIME = {ts(t0)}
USEABLE_STOP_TIME = {ts(t1)}
TRAJ_TYPE = CARTPV
"""
        + "\n".join(lines)
        + "\nTRAJ_STOP\n"
    )
    return Scenario(debris, decoy, t0, tc, text, tc + timedelta(seconds=float(best.x)), float(best.fun))


def _store_catalog(sessions, sc: Scenario) -> None:
    with transaction(sessions) as s:
        store_element_sets(s, [sc.debris, sc.decoy], "test", IngestReport())


def _upload(client, world, sc: Scenario, user: str = "acme_admin") -> str:
    r = client.post(
        URL,
        files=[("file", ("acme.ocm", sc.ocm_text.encode()))],
        params={"triggerCA": "true"},
        headers=world.headers(user),
    )
    assert r.status_code == 201, r.text
    return str(r.json()["payload"]["payload"]["batchId"])


@pytest.mark.parametrize("basis", ["PREDICTED", "PLANNED"])
def test_uploaded_ocm_is_screened_and_its_cdms_listed(client, world, sessions, basis):
    sc = scenario(datetime.now(UTC), basis)
    assert 150.0 < sc.expected_miss_m <= MISS_M + 1.0  # the design gives a ~200 m crossing
    _store_catalog(sessions, sc)
    batch = _upload(client, world, sc)
    runner = Runner(sessions, make_screen_fn(sessions, isolate=False))
    run = runner.run_next_on_demand()
    assert run is not None and run.status == "COMPLETED", run and run.message
    assert run.batch_id == batch and run.primaries == 1 and run.cdms >= 1
    assert not [f for f in run.failures if f["noradId"] == 1001 and f["code"].startswith("OCM")]

    h = world.headers("acme_admin")
    r = client.get(
        "/metadata/v2/tracssCdmByOperationalBatch", params={"batchId": batch, "format": "json"}, headers=h
    )
    assert r.status_code == 200, r.text
    cdms = r.json()["default"]["tracssCdms"]
    assert len(cdms) == run.cdms
    near = [c for c in cdms if {c["SAT1_OBJECT_DESIGNATOR"], c["SAT2_OBJECT_DESIGNATOR"]} == {"1001", "3001"}]
    assert len(near) == 1, cdms
    c = near[0]
    cols = cdm_columns(c)
    assert abs((cols["tca"] - sc.expected_tca).total_seconds()) < 0.01, (cols["tca"], sc.expected_tca)
    assert abs(cols["miss_distance_m"] - sc.expected_miss_m) < 0.5, (
        cols["miss_distance_m"],
        sc.expected_miss_m,
    )
    assert c["BATCH_ID"] == batch and c["OCM_MESSAGE_ID"] == f"OCM-SCREEN-{basis}"
    # The OCM's trajectory replaced 1001's element set: the CDM's state of 1001 is the OCM's.
    sat = "SAT1" if c["SAT1_OBJECT_DESIGNATOR"] == "1001" else "SAT2"
    assert c[f"{sat}_EPHEMERIS_NAME"] == f"OCM OCM-SCREEN-{basis}"

    # The uploader follows the batch: screened, CDMs found, and the run in the provenance.
    b = client.get("/metadata/v2/ocm/operationalBatch", params={"batchId": batch}, headers=h).json()[0]
    assert b["status"] == "COMPLETED" and b["cdmFound"] == "true"
    prov = client.get("/dataprovenance/v1/runs", params={"batchId": batch}, headers=h).json()[0]
    assert prov["status"] == "COMPLETED" and prov["cdms"] == run.cdms

    # Candidate OCMs and their CDMs stay inside ACME; operational screening CDMs follow object access.
    for other in ("beta_admin", "gov_user", "ssa_admin"):
        r = client.get(
            "/metadata/v2/tracssCdmByOperationalBatch",
            params={"batchId": batch, "format": "json"},
            headers=world.headers(other),
        )
        if basis == "PLANNED" or other == "beta_admin":
            assert r.status_code == 204, (other, r.text)
        else:  # the US government and the partner read 1001
            assert r.status_code == 200, (other, r.text)
    with sessions() as s:
        stored = s.scalars(select(ScreeningRun).where(ScreeningRun.batch_id == batch)).one()
        assert stored.status == "COMPLETED"


def test_ocm_outside_the_window_is_reported(client, world, sessions):
    now = datetime.now(UTC)
    sc = scenario(now)
    _store_catalog(sessions, sc)
    batch = _upload(client, world, sc)
    late = now + timedelta(days=1)  # the runner starts after the OCM's span ended
    run = Runner(sessions, make_screen_fn(sessions, isolate=False), clock=lambda: late).run_next_on_demand()
    assert run is not None and run.status == "COMPLETED" and run.batch_id == batch and run.cdms == 0
    assert [f["code"] for f in run.failures] == ["OCM_OUTSIDE_WINDOW"]
    assert "outside the screening window" in run.failures[0]["reason"]
    b = client.get(
        "/metadata/v2/ocm/operationalBatch", params={"batchId": batch}, headers=world.headers("acme_admin")
    ).json()[0]
    assert b["cdmFound"] == "false"


def test_routine_run_uses_current_operational_ocms(client, world, sessions):
    sc = scenario(datetime.now(UTC))
    _store_catalog(sessions, sc)
    r = client.post(
        URL, files=[("file", ("acme.ocm", sc.ocm_text.encode()))], headers=world.headers("acme_admin")
    )
    assert r.status_code == 201 and r.json()["payload"]["operationalOCMsScreened"] == 0
    screen = make_screen_fn(sessions, duration_s=2 * HALF_SPAN_S, isolate=False)
    run = Runner(sessions, screen, clock=lambda: sc.t0).run_routine("PAYLOAD_VS_ALL")
    assert run.status == "COMPLETED", run.message
    with sessions() as s:
        cdms = s.scalars(select(Cdm).where(Cdm.correlation_id == run.correlation_id)).all()
    near = [c for c in cdms if {c.object1_norad, c.object2_norad} == {1001, 3001}]
    assert len(near) == 1 and near[0].ocm_message_id == "OCM-SCREEN-PREDICTED" and not near[0].is_candidate
    assert abs((near[0].tca - sc.expected_tca).total_seconds()) < 0.01


def test_unusable_ocms_are_failures_with_reasons():
    from openstc.jobs.engine import ocm_objects
    from openstc.jobs.runner import EphemerisInput

    sc = scenario(datetime.now(UTC))
    keplerian = sc.ocm_text.replace("TRAJ_TYPE = CARTPV", "TRAJ_TYPE = CARTP")
    got = ocm_objects(
        [
            EphemerisInput("bad", 1001, False, "not an OCM"),
            EphemerisInput(
                "nocart",
                1002,
                False,
                keplerian.replace("OBJECT_DESIGNATOR = 1001", "OBJECT_DESIGNATOR = 1002"),
            ),
            EphemerisInput("first", 1003, False, sc.ocm_text.replace("= 1001", "= 1003")),
            EphemerisInput("second", 1003, False, sc.ocm_text.replace("= 1001", "= 1003")),
        ],
        {},
    )
    assert sorted(got.objects) == [1003] and got.message_ids[1003] == "second"
    assert got.objects[1003].norad_id == 1003 and got.objects[1003].ephemeris is not None
    codes = {(f["noradId"], f["code"]) for f in got.failures}
    assert codes == {(1001, "OCM_UNUSABLE"), (1002, "OCM_UNUSABLE"), (1003, "OCM_SUPERSEDED")}
    assert all(f["reason"].startswith("OCM ") for f in got.failures)
