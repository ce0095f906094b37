"""Compatibility with TraCSS's own OpenAPI specs (tests/data/tracss-api/fern/openapi).

For each TraCSS path we implement: the path and method exist in our API, every query parameter the
TraCSS spec declares is accepted (no 400 for a well-formed value), and our JSON responses validate
against TraCSS's response schemas where the spec gives one that matches the live service.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

jsonschema_rs = pytest.importorskip("jsonschema_rs")  # installed with schemathesis (dev)

from .test_api_cdm import cdms  # noqa: E402,F401 - fixture
from .test_upload import ocm  # noqa: E402

SPECS = Path(__file__).parents[1] / "data" / "tracss-api" / "fern" / "openapi"
META = json.loads((SPECS / "metadata" / "openapi.json").read_text())
SUB = json.loads((SPECS / "subscriber" / "openapi.json").read_text())
BULK = json.loads((SPECS / "bulk_data" / "openapi.json").read_text())

SPEC_OF = {"META": META, "SUB": SUB, "BULK": BULK}
IMPLEMENTED = [
    ("META", "/metadata/v2/tracssCdm", "get"),
    ("META", "/metadata/tracssCdm", "get"),
    ("META", "/metadata/v2/tracssCdmByOperationalBatch", "get"),
    ("META", "/metadata/tracssCdmByOperationalBatch", "get"),
    ("META", "/metadata/v2/ocm", "get"),
    ("META", "/metadata/ocm", "get"),
    ("META", "/metadata/v2/ocm/upload", "post"),
    ("META", "/metadata/ocm/upload", "post"),
    ("META", "/metadata/v2/ocm/operationalBatch", "get"),
    ("META", "/metadata/ocm/operationalBatch", "get"),
    ("META", "/metadata/tracssCat", "get"),
    ("META", "/metadata/conjunctionDataEvents", "get"),
    ("META", "/metadata/announcements", "get"),
    ("META", "/metadata/tipReports", "get"),
    ("META", "/metadata/space-track", "get"),
    ("META", "/metadata/space-track-nested", "get"),
    ("META", "/metadata/schemas/xsd", "get"),
    ("META", "/metadata/schemas/json", "get"),
    ("META", "/metadata/contactDirectory/operational/all", "get"),
    ("SUB", "/subscriber/topics", "get"),
    ("SUB", "/subscriber/offset", "get"),
    ("SUB", "/subscriber/messages", "get"),
    ("BULK", "/bulkdata/cdm/v2/stream", "get"),
    ("BULK", "/bulkdata/ocm/v2/stream", "get"),
    ("BULK", "/bulkdata/cdm/v1/stream", "get"),
    ("BULK", "/bulkdata/ocm/v1/stream", "get"),
]

# A well-formed value for each TraCSS query parameter (the filter grammar allows a bare value).
VALUES = {
    "tca": "2030-01-01...2030-12-31",
    "creationDate": ">2020-01-01",
    "missDistance": "<100000",
    "collisionProbability": ">=0",
    "counter": ">0",
    "page": "0",
    "size": "10",
    "format": "json",
    "sort": "creationDate,ASC",
    "fields": "MESSAGE_ID",
    "CAStatus": "complete",
    "noradId": "1001",
    "uploadDate": ">2020-01-01",
    "usableStartTime": ">2020-01-01",
    "usableStopTime": ">2020-01-01",
    "minTca": "2020-01-01",
    "maxTca": "2040-01-01",
    "minMissDistance": "0",
    "maxMissDistance": "100000",
    "minCollisionProbability": "0",
    "maxCollisionProbability": "1",
    "sortDirection": "asc",
    "startTime": ">2020-01-01",
    "stopTime": ">2020-01-01",
    "offset": "0",
    "maxResults": "10",
    "topic": "gov.tracss.tracss.v2.cdms",
    "satNo": "1001",
}
BOOLEANS = {
    "activeCdmsOnly",
    "latestCdmsOnly",
    "highAlertOnly",
    "countOnly",
    "headersOnly",
    "maxCreationDate",
    "cdmFound",
}


def _validator(spec: dict, name: str):
    schema = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    return jsonschema_rs.Draft7Validator(schema)


def test_every_implemented_tracss_operation_exists(app):
    ours = app.openapi()["paths"]
    for spec, path, method in IMPLEMENTED:
        assert method in SPEC_OF[spec]["paths"][path], (path, method)  # it is a TraCSS operation
        assert method in ours.get(path, {}), f"{method.upper()} {path} missing from our API"


@pytest.mark.parametrize(
    ("spec", "path"),
    sorted((s, p) for s, p, m in IMPLEMENTED if m == "get"),
)
def test_tracss_query_parameters_accepted(client, cdms, spec, path):  # noqa: F811
    spec_doc = SPEC_OF[spec]
    for param in spec_doc["paths"][path]["get"].get("parameters", []):
        if param["in"] != "query":
            continue
        name = param["name"]
        if name in ("id", "type", "announcementType", "direction", "highInterest", "window"):
            continue  # endpoints we answer with an empty result regardless
        value = "false" if name in BOOLEANS else VALUES.get(name, "1001")
        if name == "sort":
            value = {"/metadata/tracssCat": "noradId,ASC", "/metadata/conjunctionDataEvents": "tca"}.get(
                path, value
            )
        params = {name: value}
        if path == "/subscriber/messages":
            params = {"topic": VALUES["topic"], "offset": "0", **params}
        if "ByOperationalBatch" in path:
            params.setdefault("batchId", "opeX")
        r = client.get(path, params=params, headers=cdms.headers("acme_admin"))
        assert r.status_code in (200, 204, 404), f"{path}?{name}={value} -> {r.status_code} {r.text[:200]}"
        assert r.status_code != 404 or path in (
            "/metadata/tracssCat",
            "/metadata/contactDirectory/operational/all",
        )


def test_responses_validate_against_tracss_schemas(client, cdms, world):  # noqa: F811
    h = cdms.headers("acme_admin")
    heads = client.get("/metadata/v2/tracssCdm", params={"headersOnly": "true"}, headers=h).json()[
        "headersOnly"
    ]
    v = _validator(META, "CdmHeaderV2DTO")
    for item in heads:
        v.validate(item)
    events = client.get("/metadata/conjunctionDataEvents", headers=h).json()["default"]
    v = _validator(META, "ConjunctionDataEventDTO")
    for item in events:
        v.validate(item)
    cat = client.get("/metadata/tracssCat", params={"headersOnly": "true"}, headers=h).json()
    v = _validator(META, "TracssCatHeaderDTO")
    for item in cat:
        v.validate(item)
    client.post(
        "/metadata/v2/ocm/upload",
        files=[("file", ("a.ocm", ocm().encode()))],
        params={"triggerCA": "true"},
        headers=h,
    )
    batches = client.get("/metadata/v2/ocm/operationalBatch", headers=h).json()
    v = _validator(META, "OperationalOnDemandBatchDTO")
    for item in batches:
        v.validate(item)
    ocm_heads = client.get("/metadata/v2/ocm", params={"headersOnly": "true"}, headers=h).json()[
        "headersOnly"
    ]
    v = _validator(META, "OcmHeaderV2DTO")
    for item in ocm_heads:
        v.validate({k: x for k, x in item.items() if x is not None})
    for topic, field, schema in [
        ("gov.tracss.tracss.v2.cdms", "cdm_v2", "TracssCdmV2"),
        ("gov.tracss.conjunction.data.event", "conjunctionDataEvent", "ConjunctionDataEvent"),
    ]:
        body = client.get("/subscriber/messages", params={"topic": topic, "offset": "0"}, headers=h).json()
        v = _validator(SUB, schema)
        assert body[field]
        for item in body[field]:
            v.validate(item)
    offset = client.get("/subscriber/offset", params={"topic": "gov.tracss.tracss.v2.cdms"}, headers=h).json()
    assert isinstance(offset, int)
