"""OCM upload: validation messages, one transaction, candidate privacy, on-demand queueing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from openstc.store.models import Ephemeris, FeedMessage, ScreeningRun, UploadBatch

URL = "/metadata/v2/ocm/upload"


def ocm(norad: str = "1001", basis: str = "PREDICTED", stop_days: float = 7.0, extra_meta: str = "") -> str:
    now = datetime.now(UTC)
    t0 = now.strftime("%Y-%m-%dT%H:%M:%S")
    t1 = (now + timedelta(days=stop_days)).strftime("%Y-%m-%dT%H:%M:%S")
    return f"""CCSDS_OCM_VERS = 3.0
CREATION_DATE = {t0}
ORIGINATOR = ACME
MESSAGE_ID = OCM-{norad}-{basis}
META_START
OBJECT_NAME = ACME-SAT
OBJECT_DESIGNATOR = {norad}
TIME_SYSTEM = UTC
EPOCH_TZERO = {t0}
START_TIME = {t0}
STOP_TIME = {t1}
{extra_meta}META_STOP
TRAJ_START
CENTER_NAME = EARTH
TRAJ_REF_FRAME = EME2000
TRAJ_BASIS = {basis}
USEABLE_START_TIME = {t0}
USEABLE_STOP_TIME = {t1}
TRAJ_TYPE = CARTPV
0.0 7000.0 0.0 0.0 0.0 7.5 0.0
60.0 6999.0 450.0 0.0 -0.5 7.5 0.0
TRAJ_STOP
"""


def _count(sessions, model) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([("a.ocm", b"this is not an OCM")], "CCSDS_OCM_VERS"),
        ([("a.ocm", ocm().replace("TIME_SYSTEM = UTC\n", "").encode())], "TIME_SYSTEM"),
        ([("a.ocm", ocm().replace("OBJECT_DESIGNATOR = 1001\n", "").encode())], "OBJECT_DESIGNATOR"),
        (
            [
                (
                    "a.ocm",
                    ocm()
                    .replace("0.0 7000.0 0.0 0.0 0.0 7.5 0.0\n60.0 6999.0 450.0 0.0 -0.5 7.5 0.0\n", "")
                    .encode(),
                )
            ],
            "TRAJ",
        ),
        ([("a.ocm", ocm(stop_days=-1).encode())], "stop time"),
        ([("a.ocm", b"\xff\xfe\x00garbage")], "UTF-8"),
        ([("a.ocm", b"")], "empty"),
        ([("a.ocm", ocm(norad="2001").encode())], "not allowed"),  # Beta's satellite
    ],
)
def test_malformed_upload_is_400_and_stores_nothing(client, world, sessions, files, message):
    r = client.post(URL, files=[("file", f) for f in files], headers=world.headers("acme_admin"))
    assert r.status_code == 400, r.text
    body = r.json()
    assert "error" in body and message in body["error"]
    assert body["payload"]["files"][0]["preProcessingValidation"]
    for model in (Ephemeris, UploadBatch, ScreeningRun, FeedMessage):
        assert _count(sessions, model) == 0


def test_not_multipart_and_too_large(client, world, sessions):
    h = world.headers("acme_admin")
    assert client.post(URL, content=b"x", headers={**h, "Content-Type": "text/plain"}).status_code == 400
    assert client.post(URL, headers=h).status_code == 400
    big = b"x" * 2_100_000
    assert client.post(URL, files=[("file", ("big.ocm", big))], headers=h).status_code == 413
    assert _count(sessions, Ephemeris) == 0


def test_operational_and_candidate_upload(client, world, sessions):
    h = world.headers("acme_admin")
    files = [
        ("file", ("ops.ocm", ocm().encode())),
        ("file", ("cand.ocm", ocm(basis="PLANNED").encode())),
        ("file", ("bad.ocm", b"nope")),
    ]
    r = client.post(URL, files=files, params={"triggerCA": "true"}, headers=h)
    assert r.status_code == 201, r.text
    p = r.json()["payload"]
    assert p["status"] == "Successful but Not All Files Accepted" and p["ocmFilesRejected"] == 1
    assert (
        p["candidateOCMsUploaded"] == 1
        and p["operationalOCMsUploaded"] == 1
        and p["operationalOCMsScreened"] == 1
    )
    batch = p["payload"]["batchId"]
    assert batch.startswith("ope")
    assert {o["satNo"] for o in p["payload"]["ocmBatchList"] if not o["preProcessingValidation"]} == {"1001"}
    with sessions() as s:
        run = s.scalars(select(ScreeningRun)).one()
        assert run.status == "QUEUED" and run.batch_id == batch

    # Operational OCMs are public; the candidate one stays inside ACME.
    def ids(user):
        r = client.get("/metadata/v2/ocm", params={"format": "json"}, headers=world.headers(user))
        return (
            [] if r.status_code == 204 else sorted(o["ocm"]["purpose"] for o in r.json()["default"]["ocms"])
        )

    assert ids("acme_user") == ["CANDIDATE", "OPERATIONAL"]
    for other in ("beta_admin", "ssa_admin", "gov_user", "acme_base"):
        assert ids(other) == ["OPERATIONAL"], other
    kvn = client.get("/metadata/v2/ocm", params={"purpose": "x"}, headers=h)
    assert kvn.text.startswith("CCSDS_OCM_VERS")
    heads = client.get("/metadata/v2/ocm", params={"headersOnly": "true"}, headers=h).json()["headersOnly"]
    assert {x["owner"] for x in heads} == {"ACME"}
    batches = client.get("/metadata/v2/ocm/operationalBatch", headers=h).json()
    assert batches[0]["batchId"] == batch and batches[0]["status"] == "QUEUED"
    assert (
        client.get("/metadata/v2/ocm/operationalBatch", headers=world.headers("beta_admin")).status_code
        == 204
    )

    # Feed: the candidate OCM message is private to ACME.
    def feed(user):
        r = client.get(
            "/subscriber/messages",
            params={"topic": "gov.tracss.parsed.v2.ocms", "offset": "0"},
            headers=world.headers(user),
        )
        return [] if r.status_code == 204 else sorted(m["purpose"] for m in r.json()["ocm_v2"])

    assert feed("acme_admin") == ["CANDIDATE", "OPERATIONAL"] and feed("beta_admin") == ["OPERATIONAL"]
    # Provenance: the on-demand run is visible to ACME only.
    assert client.get("/dataprovenance/v1/runs", headers=h).json()[0]["batchId"] == batch
    assert client.get("/dataprovenance/v1/runs", headers=world.headers("beta_admin")).status_code == 204


def test_government_and_member_cannot_upload(client, world, sessions):
    for user in ("gov_admin", "acme_gmember", "ssa_user"):
        r = client.post(URL, files=[("file", ("a.ocm", ocm().encode()))], headers=world.headers(user))
        assert r.status_code == 400 and "not allowed" in r.json()["error"], user
    r = client.post(URL, files=[("file", ("a.ocm", ocm().encode()))], headers=world.headers("ssa_admin"))
    assert r.status_code == 201  # read/write grant on 1001
    assert _count(sessions, Ephemeris) == 1


def test_xml_and_json_ocms_are_accepted(client, world, sessions):
    from openstc import formats

    msg = formats.read(ocm(), type="OCM")
    files = [
        ("file", ("a.xml", formats.write(msg, "xml").encode())),
        ("file", ("a.json", formats.write(msg, "json").encode())),
    ]
    r = client.post(URL, files=files, headers=world.headers("acme_admin"))
    assert r.status_code == 201, r.text
    assert r.json()["payload"]["operationalOCMsUploaded"] == 2
    assert {o["satNo"] for o in r.json()["payload"]["payload"]["ocmBatchList"]} == {"1001"}
