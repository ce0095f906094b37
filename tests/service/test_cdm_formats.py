"""The CDM list in TraCSS's formats (KVN, CCSDS CDM XML, CSV, JSON) on both backends.

A full CDM (the bundled CCSDS example, as the flat V2 record the screening jobs store) goes through
the API in every format and is read back: XML and KVN with our own strict CCSDS reader, CSV with
the csv module under TraCSS's V2 column names.
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from importlib import resources

import pytest
from sqlalchemy import update

from openstc import formats
from openstc.events.cdm_flat import tracss_fields
from openstc.store.cdm_text import CSV_COLUMNS
from openstc.store.cdms import store_cdms
from openstc.store.db import transaction
from openstc.store.models import Cdm

NS = "{urn:ccsds:schema:ndmxml}"
BOOKKEEPING = ("CORRELATION_ID", "COUNTER", "BATCH_ID", "TRACSS_CDM_VERS", "CONJUNCTION_ID")


def _example(i: int, o1: str = "1001", o2: str = "3001") -> dict[str, str]:
    """The bundled CCSDS example CDM as a V2 record, made recent and between the world's objects."""
    text = resources.files("openstc.data").joinpath("examples/cdm_example.txt").read_text()
    rec = tracss_fields(formats.read(text))
    now = datetime.now(UTC)
    rec.update(
        MESSAGE_ID=f"EX-{i}",
        CREATION_DATE=now.strftime("%Y-%m-%dT%H:%M:%S"),
        TCA=(now + timedelta(days=1, minutes=i)).strftime("%Y-%m-%dT%H:%M:%S"),
        SAT1_OBJECT_DESIGNATOR=o1,
        SAT2_OBJECT_DESIGNATOR=o2,
        USER_DEFINED_RUN_ID=f"run-{i}",
    )
    return rec


@pytest.fixture
def stored(world, sessions):
    recs = [_example(1), _example(2, "1002", "2001")]
    with transaction(sessions) as s:
        store_cdms(s, recs, correlation_id="c-1")
        store_cdms(s, [_example(3)], batch_id="opeFMT", candidate=True, owner_org_id=world.orgs["ACME"])
    return world, recs


def _get(client, world, **params):
    r = client.get("/metadata/v2/tracssCdm", params=params, headers=world.headers("acme_admin"))
    assert r.status_code == 200, r.text
    return r


def _ccsds(rec: dict) -> dict:
    return {k: v for k, v in rec.items() if k not in BOOKKEEPING}


def test_xml_is_ccsds_cdm_xml_inside_tracss_cdms(client, stored):
    world, recs = stored
    r = _get(client, world, format="xml", messageId="EX-1,EX-2")
    assert r.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(r.content)
    assert root.tag == "tracssCdms"
    cdms = list(root)
    assert [c.tag for c in cdms] == [f"{NS}cdm"] * 2
    assert [c.find(f"{NS}header/{NS}MESSAGE_ID").text for c in cdms] == ["EX-1", "EX-2"]
    miss = cdms[0].find(f"{NS}body/{NS}relativeMetadataData/{NS}MISS_DISTANCE")
    assert miss.get("units") == "m" and float(miss.text) == 715.0
    segments = cdms[0].findall(f"{NS}body/{NS}segment")
    assert [s.find(f"{NS}metadata/{NS}OBJECT_DESIGNATOR").text for s in segments] == ["1001", "3001"]
    x = segments[0].find(f"{NS}data/{NS}stateVector/{NS}X")
    assert x.get("units") == "km" and x.text == "2570.097065"
    ud = segments[0].find(f"{NS}data/{NS}userDefinedParameters/{NS}USER_DEFINED")
    assert ud.get("parameter") == "RUN_ID" and ud.text == "run-1"
    conj = cdms[0].find(f"{NS}body/{NS}relativeMetadataData/{NS}CONJUNCTION_ID")
    assert conj is not None and conj.text
    # Each <cdm> is a CCSDS CDM our strict reader takes back without loss.
    for elem, rec in zip(cdms, recs, strict=True):
        doc = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(elem, encoding="unicode")
        assert _ccsds(tracss_fields(formats.read(doc))) == _ccsds(rec)


def test_kvn_is_tracss_layout_and_reads_back(client, stored):
    world, recs = stored
    r = _get(client, world, messageId="EX-1")  # KVN is the default
    assert r.headers["content-type"].startswith("text/plain")
    lines = r.text.splitlines()
    assert lines[0].startswith("CCSDS_CDM_VERS                           = ")
    assert "MISS_DISTANCE                            = 715.0" + " " * 31 + "[m]" in lines
    assert sum(1 for line in lines if line.startswith("OBJECT_DESIGNATOR ")) == 2  # unprefixed blocks
    assert _ccsds(tracss_fields(formats.read(r.text))) == _ccsds(recs[0])
    two = _get(client, world, messageId="EX-1,EX-2", format="kvn").text
    assert two.count("CCSDS_CDM_VERS") == 2 and two.index("EX-1") < two.index("EX-2")


def test_csv_uses_tracss_v2_column_names(client, stored):
    world, recs = stored
    r = _get(client, world, format="csv", messageId="EX-1,EX-2")
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    header = r.text.splitlines()[0].split(",")
    assert header[: len(CSV_COLUMNS)] == list(CSV_COLUMNS)
    assert header[:4] == ["CORRELATION_ID", "TRACSS_CDM_VERS", "CLASSIFICATION", "CREATION_DATE"]
    assert "SAT2_CNDOT_NDOT_UNIT" in header and "USER_DEFINED_FRAGMENTATION_MODEL" in header
    assert [row["MESSAGE_ID"] for row in rows] == ["EX-1", "EX-2"]
    for row, rec in zip(rows, recs, strict=True):
        assert row["CORRELATION_ID"] == "c-1"
        for key in ("MISS_DISTANCE", "MISS_DISTANCE_UNIT", "SAT1_X", "SAT2_CN_N", "SCREEN_ENTRY_TIME"):
            assert row[key] == rec[key]
        assert row["MAHALANOBIS_DISTANCE"] == ""  # a V2 column the message does not have


def test_fields_pick_the_columns_and_elements(client, stored):
    world, _ = stored
    r = _get(client, world, format="csv", messageId="EX-1", fields="MESSAGE_ID,miss_distance,SAT1_X")
    assert r.text.splitlines() == ["MESSAGE_ID,MISS_DISTANCE,SAT1_X", "EX-1,715.0,2570.097065"]
    x = ET.fromstring(_get(client, world, format="xml", messageId="EX-1", fields="MESSAGE_ID,TCA").content)
    assert [e.tag for e in x[0]] == ["MESSAGE_ID", "TCA"] and x[0][0].text == "EX-1"
    j = _get(client, world, format="json", messageId="EX-1", fields="MESSAGE_ID,COUNTER").json()
    assert j == {"default": {"tracssCdms": [{"MESSAGE_ID": "EX-1", "COUNTER": 1}]}}


def test_json_is_the_stored_record(client, stored):
    world, recs = stored
    got = _get(client, world, format="json", messageId="EX-1").json()["default"]["tracssCdms"]
    assert got == [
        {**recs[0], "CONJUNCTION_ID": got[0]["CONJUNCTION_ID"], "CORRELATION_ID": "c-1", "COUNTER": 1}
    ]


def test_accept_header_chooses_xml_and_csv(client, stored):
    world, _ = stored
    for accept, start in (("application/xml", "<?xml"), ("text/csv", "CORRELATION_ID,")):
        h = world.headers("acme_admin", Accept=accept)
        r = client.get("/metadata/v2/tracssCdm", params={"messageId": "EX-1"}, headers=h)
        assert r.status_code == 200 and r.text.startswith(start)


def test_rows_stored_before_rendering_are_rendered_on_the_fly(client, stored, sessions):
    world, _ = stored
    before = {f: _get(client, world, format=f, messageId="EX-1,EX-2").content for f in ("json", "kvn", "xml")}
    with transaction(sessions) as s:
        s.execute(update(Cdm).values(record_json=None, kvn=None))
    after = {f: _get(client, world, format=f, messageId="EX-1,EX-2").content for f in ("json", "kvn", "xml")}
    assert json.loads(after["json"]) == json.loads(before["json"])
    assert after["kvn"] == before["kvn"] and after["xml"] == before["xml"]


def test_by_operational_batch_in_every_format(client, stored):
    world, _ = stored
    h = world.headers("acme_admin")
    for fmt, check in (
        ("xml", lambda r: ET.fromstring(r.content)[0].find(f"{NS}header/{NS}MESSAGE_ID").text == "EX-3"),
        ("csv", lambda r: next(csv.DictReader(io.StringIO(r.text)))["BATCH_ID"] == "opeFMT"),
        ("kvn", lambda r: "MESSAGE_ID                               = EX-3" in r.text),
        ("json", lambda r: r.json()["default"]["tracssCdms"][0]["BATCH_ID"] == "opeFMT"),
    ):
        r = client.get(
            "/metadata/v2/tracssCdmByOperationalBatch", params={"batchId": "opeFMT", "format": fmt}, headers=h
        )
        assert r.status_code == 200 and check(r), (fmt, r.text[:300])
    # Another organization never sees the candidate batch.
    other = client.get(
        "/metadata/v2/tracssCdmByOperationalBatch",
        params={"batchId": "opeFMT", "format": "xml"},
        headers=world.headers("beta_admin"),
    )
    assert other.status_code == 204
