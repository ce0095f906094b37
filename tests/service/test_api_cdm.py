"""CDM list, by-batch, events, bulk stream and subscriber feed through the API, on both backends."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from openstc.store.cdms import store_cdms
from openstc.store.db import transaction


def _cdm(
    i: int, o1: str, o2: str, miss: float = 100.0, tca_days: float = 2.0, created_days: float = 0.0
) -> dict:
    now = datetime.now(UTC)
    return {
        "MESSAGE_ID": f"MSG-{i}",
        "CREATION_DATE": (now - timedelta(days=created_days)).strftime("%Y-%m-%dT%H:%M:%S.%f"),
        "TCA": (now + timedelta(days=tca_days)).strftime("%Y-%m-%dT%H:%M:%S.%f"),
        "MISS_DISTANCE": miss,
        "COLLISION_PROBABILITY": 1e-3 if miss < 50 else 1e-7,
        "SAT1_OBJECT_DESIGNATOR": o1,
        "SAT2_OBJECT_DESIGNATOR": o2,
        "SAT1_OBJECT_NAME": f"OBJ{o1}",
    }


@pytest.fixture
def cdms(world, sessions):
    with transaction(sessions) as s:
        store_cdms(s, [_cdm(1, "1001", "3001", 20.0), _cdm(2, "1002", "3001", 300.0)], correlation_id="run-1")
        store_cdms(s, [_cdm(3, "2001", "3001", 400.0)], correlation_id="run-1")
        store_cdms(
            s, [_cdm(4, "1001", "3001", 900.0, tca_days=3, created_days=12)], correlation_id="old"
        )  # past metadata TTL
        store_cdms(
            s,
            [_cdm(5, "1001", "2001", 40.0)],
            batch_id="opeX",
            candidate=True,
            owner_org_id=world.orgs["ACME"],
        )
        store_cdms(s, [_cdm(6, "1001", "3001", 10.0, tca_days=-1)], correlation_id="run-2")  # TCA in the past
    return world


def _ids(r) -> list[str]:
    return sorted(c["MESSAGE_ID"] for c in r.json()["default"]["tracssCdms"])


def test_json_list_visibility_and_headers(client, cdms):
    r = client.get("/metadata/v2/tracssCdm", params={"format": "json"}, headers=cdms.headers("acme_admin"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert _ids(r) == ["MSG-1", "MSG-2", "MSG-5", "MSG-6"]  # not Beta's 3, not the 12-day-old 4
    assert r.headers["max-counter"] == "6" and r.headers["counter"] == "6"
    assert r.headers["max-counter-correlation-id"] == "run-2"
    rec = r.json()["default"]["tracssCdms"][0]
    assert rec["MISS_DISTANCE"] == 20.0 and rec["CORRELATION_ID"] == "run-1"
    beta = client.get("/metadata/v2/tracssCdm", params={"format": "json"}, headers=cdms.headers("beta_admin"))
    assert _ids(beta) == ["MSG-3"]  # never ACME's candidate MSG-5, although it involves 2001
    gm = client.get("/metadata/v2/tracssCdm", headers=cdms.headers("acme_gmember", Accept="application/json"))
    assert _ids(gm) == ["MSG-1", "MSG-5", "MSG-6"]
    ssa = client.get("/metadata/v2/tracssCdm", params={"format": "JSON"}, headers=cdms.headers("ssa_user"))
    assert _ids(ssa) == ["MSG-1", "MSG-2", "MSG-6"]  # granted satellites, no candidate data
    gov = client.get("/metadata/v2/tracssCdm", params={"format": "json"}, headers=cdms.headers("gov_user"))
    assert _ids(gov) == ["MSG-1", "MSG-2", "MSG-6"]
    assert client.get("/metadata/v2/tracssCdm", headers=cdms.headers("acme_base")).status_code == 204


def test_filters_paging_sort_fields_count(client, cdms):
    h = cdms.headers("acme_admin")
    url = "/metadata/v2/tracssCdm"
    r = client.get(url, params={"format": "json", "missDistance": "<100"}, headers=h)
    assert _ids(r) == ["MSG-1", "MSG-5", "MSG-6"]
    r = client.get(
        url,
        params={"format": "json", "object1ObjectDesignator": "1001,1002", "activeCdmsOnly": "true"},
        headers=h,
    )
    assert _ids(r) == ["MSG-1", "MSG-2", "MSG-5"]
    r = client.get(url, params={"countOnly": "true"}, headers=h)
    assert r.json() == {"countOnly": 4}
    r = client.get(
        url, params={"format": "json", "sort": "missDistance,DESC", "size": "2", "page": "0"}, headers=h
    )
    assert [c["MESSAGE_ID"] for c in r.json()["default"]["tracssCdms"]] == ["MSG-2", "MSG-5"]
    r = client.get(
        url, params={"format": "json", "sort": "missDistance,DESC", "size": "2", "page": "1"}, headers=h
    )
    assert [c["MESSAGE_ID"] for c in r.json()["default"]["tracssCdms"]] == ["MSG-1", "MSG-6"]
    r = client.get(
        url, params={"format": "json", "fields": "MESSAGE_ID,MISS_DISTANCE", "messageId": "MSG-1"}, headers=h
    )
    assert r.json()["default"]["tracssCdms"] == [{"MESSAGE_ID": "MSG-1", "MISS_DISTANCE": 20.0}]
    r = client.get(url, params={"headersOnly": "true", "messageId": "MSG-2"}, headers=h)
    assert (
        r.json()["headersOnly"][0]["missDistance"] == "300.0"
        and r.json()["headersOnly"][0]["object1"] == "1002"
    )
    r = client.get(
        url, params={"latestCdmsOnly": "true", "format": "json", "object2ObjectDesignator": "3001"}, headers=h
    )
    assert _ids(r) == ["MSG-1", "MSG-2", "MSG-6"]
    assert client.get(url, params={"messageId": "nothing"}, headers=h).status_code == 204
    assert (
        client.get(url, params={"counter": ">5", "format": "json"}, headers=h).json()["default"][
            "tracssCdms"
        ][0]["COUNTER"]
        == 6
    )


@pytest.mark.parametrize(
    "params",
    [
        {"missDistance": ">abc"},
        {"tca": "yesterday"},
        {"size": "-1"},
        {"page": "x"},
        {"format": "PDF"},
        {"sort": "nope,ASC"},
        {"countOnly": "maybe"},
        {"CAStatus": "running"},
    ],
)
def test_bad_input_is_400_json(client, cdms, params):
    r = client.get("/metadata/v2/tracssCdm", params=params, headers=cdms.headers("acme_admin"))
    assert r.status_code == 400 and "error" in r.json()


def test_formats(client, cdms):
    h = cdms.headers("acme_admin")
    kvn = client.get("/metadata/v2/tracssCdm", params={"messageId": "MSG-1"}, headers=h)
    assert kvn.headers["content-type"].startswith("text/plain")
    assert "MESSAGE_ID                               = MSG-1" in kvn.text
    xml = client.get("/metadata/v2/tracssCdm", params={"messageId": "MSG-1", "format": "xml"}, headers=h)
    assert (
        xml.headers["content-type"].startswith("application/xml")
        and "<MESSAGE_ID>MSG-1</MESSAGE_ID>" in xml.text
    )
    csv = client.get("/metadata/v2/tracssCdm", params={"messageId": "MSG-1", "format": "csv"}, headers=h)
    assert csv.text.splitlines()[0].startswith("MESSAGE_ID,") or "MESSAGE_ID" in csv.text.splitlines()[0]


def test_by_batch_and_events(client, cdms):
    r = client.get(
        "/metadata/v2/tracssCdmByOperationalBatch",
        params={"batchId": "opeX", "format": "json"},
        headers=cdms.headers("acme_user"),
    )
    assert _ids(r) == ["MSG-5"]
    r = client.get(
        "/metadata/v2/tracssCdmByOperationalBatch",
        params={"batchId": "opeX"},
        headers=cdms.headers("beta_admin"),
    )
    assert r.status_code == 204
    assert (
        client.get("/metadata/v2/tracssCdmByOperationalBatch", headers=cdms.headers("acme_user")).status_code
        == 400
    )
    ev = client.get(
        "/metadata/conjunctionDataEvents",
        params={"maxMissDistance": "100"},
        headers=cdms.headers("acme_admin"),
    )
    assert ev.status_code == 200
    assert sorted(e["missDistance"] for e in ev.json()["default"]) == [10.0, 20.0, 40.0]
    beta = client.get("/metadata/conjunctionDataEvents", headers=cdms.headers("beta_admin")).json()["default"]
    assert [e["missDistance"] for e in beta] == [400.0]


def test_bulk_stream_ndjson(client, cdms):
    r = client.get("/bulkdata/cdm/v2/stream", headers=cdms.headers("acme_admin"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    lines = r.text.splitlines()
    recs = [json.loads(x) for x in lines]
    assert all(len(x) == len(json.dumps(json.loads(x), separators=(",", ":"))) for x in lines)  # compact
    assert sorted(x["default"]["MESSAGE_ID"] for x in recs) == [
        "MSG-1",
        "MSG-2",
        "MSG-4",
        "MSG-5",
        "MSG-6",
    ]  # 30 days back
    r = client.get(
        "/bulkdata/cdm/v2/stream", params={"size": "2", "page": "1"}, headers=cdms.headers("acme_admin")
    )
    assert len(r.text.splitlines()) == 2
    bad = client.get("/bulkdata/cdm/v2/stream", params={"foo": "1"}, headers=cdms.headers("acme_admin"))
    assert bad.status_code == 400
    assert bad.json() == {"error": "Query Parameters ['foo'] are not part of the CDM query schema."}


def test_subscriber_feed(client, cdms):
    h = cdms.headers("acme_admin")
    topics = client.get("/subscriber/topics", headers=h).json()
    assert topics["gov.tracss.tracss.v2.cdms"] == 6
    assert (
        client.get("/subscriber/offset", params={"topic": "gov.tracss.tracss.v2.cdms"}, headers=h).json() == 6
    )
    r = client.get(
        "/subscriber/messages",
        params={"topic": "gov.tracss.tracss.v2.cdms", "offset": "0", "maxResults": "2"},
        headers=h,
    )
    assert r.status_code == 200 and r.headers["Offset-Reached"] == "2"
    msgs = r.json()["cdm_v2"]
    assert [m["messageId"] for m in msgs] == ["MSG-1", "MSG-2"] and msgs[0][
        "object1ObjectDesignator"
    ] == "1001"
    r = client.get(
        "/subscriber/messages",
        params={"topic": "gov.tracss.tracss.v2.cdms", "offset": "2"},
        headers=cdms.headers("beta_admin"),
    )
    assert [m["messageId"] for m in r.json()["cdm_v2"]] == ["MSG-3"]  # not ACME's candidate MSG-5
    assert r.headers["Offset-Reached"] == "6"
    r = client.get(
        "/subscriber/messages", params={"topic": "gov.tracss.tracss.v2.cdms", "offset": "6"}, headers=h
    )
    assert r.status_code == 204 and r.headers["Offset-Reached"] == "6"
    r = client.get(
        "/subscriber/messages",
        params={"topic": "gov.tracss.tracss.v2.cdms", "offset": "0", "filterDesignators": "1002"},
        headers=h,
    )
    assert [m["messageId"] for m in r.json()["cdm_v2"]] == ["MSG-2"]
    assert (
        client.get("/subscriber/messages", params={"topic": "nope", "offset": "0"}, headers=h).status_code
        == 400
    )
    assert (
        client.get(
            "/subscriber/messages", params={"topic": "gov.tracss.tracss.v2.cdms"}, headers=h
        ).status_code
        == 400
    )


def test_contact_update_needs_write_403(client, world):
    url = "/metadata/contactDirectory/operational/update"
    body = {"operatorPoc": "Ops desk", "operatorEmail": "ops@acme.example"}
    r = client.put(url, params={"noradIds": ["1001", "1002"]}, json=body, headers=world.headers("acme_admin"))
    assert r.status_code == 200 and r.json()["operatorPoc"] == "Ops desk"
    for user in ("acme_user", "beta_admin", "gov_admin", "acme_gadmin"):
        r = client.put(url, params={"noradIds": "1002"}, json=body, headers=world.headers(user))
        assert r.status_code == 403 and r.json()["error"].startswith("Forbidden"), user
    assert (
        client.put(url, params={"noradIds": "x"}, json=body, headers=world.headers("acme_admin")).status_code
        == 400
    )
    listed = client.get(
        "/metadata/contactDirectory/operational/all",
        params={"noradId": "1001"},
        headers=world.headers("beta_admin"),
    )
    assert listed.json()[0]["operatorEmail"] == "ops@acme.example"
    none = client.get(
        "/metadata/contactDirectory/operational/all",
        params={"noradId": "3001"},
        headers=world.headers("beta_admin"),
    )
    assert none.status_code == 404 and none.text == "No contacts found"


def test_latest_cdms_only_per_conjunction_and_owner(client, world, sessions):
    def cdm(i, conj):
        return {**_cdm(i, "1001", "2001", 100.0 + i), "CONJUNCTION_ID": conj}

    with transaction(sessions) as s:
        store_cdms(s, [cdm(1, "C1"), cdm(2, "C1")], correlation_id="r1")
        store_cdms(s, [cdm(3, "C1")], batch_id="opeY", candidate=True, owner_org_id=world.orgs["ACME"])
    params = {"format": "json", "latestCdmsOnly": "true"}
    beta = client.get("/metadata/v2/tracssCdm", params=params, headers=world.headers("beta_admin"))
    assert _ids(beta) == ["MSG-2"]  # ACME's newer candidate CDM does not hide the public latest one
    acme = client.get("/metadata/v2/tracssCdm", params=params, headers=world.headers("acme_admin"))
    assert _ids(acme) == ["MSG-2", "MSG-3"]


def test_serve_protocol_turns_nagle_off_and_pickles_by_name(monkeypatch):
    """Worker processes get the protocol class by pickling (by name); every connection gets
    TCP_NODELAY, without which each multi-worker response waited ~40 ms for a delayed ACK."""
    import pickle
    import socket

    from openstc.commands.serve import no_delay_protocol

    cls = no_delay_protocol()
    assert pickle.loads(pickle.dumps(cls)) is cls
    monkeypatch.setattr(cls.__mro__[1], "connection_made", lambda self, transport: None)
    with socket.create_server(("127.0.0.1", 0)) as server:
        client = socket.create_connection(server.getsockname())
        conn, _ = server.accept()
        with client, conn:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 0)

            class Transport:
                def get_extra_info(self, name):
                    return conn if name == "socket" else None

            cls.connection_made(object.__new__(cls), Transport())
            assert conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
