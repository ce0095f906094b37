"""Subscriber service: topics with their latest offsets, one topic's offset, messages from an offset.

Kafka-like semantics on the feed kept in the store (:mod:`openstc.store.feed`): a topic's offset is
the next offset to be written; ``/subscriber/messages`` returns up to ``maxResults`` messages the
caller may read, starting at ``offset``, with the ``Offset-Reached`` header giving the offset to ask
for next (one past the last message examined), and 204 when there is nothing to read.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from openstc.api import serialize
from openstc.api.deps import DB, Auth
from openstc.api.filters import parse_filter
from openstc.api.query import parse_fields, parse_int, select_fields
from openstc.api.visibility import feed_visible
from openstc.auth.accounts import readable_norads
from openstc.errors import InvalidArgumentError
from openstc.store import feed
from openstc.store.models import FeedMessage
from openstc.store.times import format_iso_z, parse_utc

router = APIRouter(tags=["subscriber"])

FIELD_OF_TOPIC = {
    feed.TOPIC_CDM_V1: "cdm_v1",
    feed.TOPIC_CDM_V2: "cdm_v2",
    feed.TOPIC_OCM_V1: "ocm_v1",
    feed.TOPIC_OCM_V2: "ocm_v2",
    feed.TOPIC_EVENTS: "conjunctionDataEvent",
    feed.TOPIC_TIP: "tipReports",
    feed.TOPIC_ANOMALY: "anomalyReport",
    feed.TOPIC_CATALOG: "tracsscat",
}
RESTRICTED_TOPICS = {feed.TOPIC_CDM_V1, feed.TOPIC_CDM_V2, feed.TOPIC_EVENTS}
SCAN_CHUNK = 2000
SCAN_LIMIT = 100_000  # messages examined per request at most, whatever maxResults says

_CAMEL = re.compile(r"_([a-z0-9])")


def camel(key: str) -> str:
    """UPPER_SNAKE keyword to TraCSS's camelCase (``SAT1_MISS`` -> ``object1Miss``)."""
    k = key.lower()
    for n in ("1", "2"):
        if k.startswith(f"sat{n}_"):
            k = f"object{n}_" + k[5:]
    return _CAMEL.sub(lambda m: m.group(1).upper(), k)


_NUMERIC = {"offset", "collisionProbability"}
_DATE_TIMES = (
    "creationDate",
    "object1TimeLastobStart",
    "object1TimeLastobEnd",
    "object2TimeLastobStart",
    "object2TimeLastobEnd",
)


def subscriber_record(topic: str, payload: dict[str, Any], offset: int) -> dict[str, Any]:
    """A feed payload in the subscriber spec's shape: camelCase, strings except offset and Pc."""
    if topic == feed.TOPIC_EVENTS:
        rec: dict[str, Any] = {
            "conjunctionDataEventId": payload.get("conjunctionId"),
            "tca": payload.get("tca"),
            "missDistance": None if payload.get("missDistance") is None else str(payload["missDistance"]),
            "collisionProbability": payload.get("collisionProbability"),
            "object1ObjectDesignator": payload.get("object1ObjectDesignator"),
            "object2ObjectDesignator": payload.get("object2ObjectDesignator"),
            "creationDate": payload.get("creationDate"),
        }
    else:
        rec = {camel(k) if k.isupper() else k: v for k, v in payload.items()}
        if topic in (feed.TOPIC_CDM_V1, feed.TOPIC_CDM_V2):
            if "tracssCdmVers" in rec:
                rec["ccsdsCdmVers"] = rec.pop("tracssCdmVers")
            rec = {k: v if k in _NUMERIC or v is None else str(v) for k, v in rec.items()}
            for k in _DATE_TIMES:
                if rec.get(k):
                    try:  # the subscriber spec types these as RFC 3339 date-times
                        rec[k] = format_iso_z(parse_utc(rec[k]))
                    except InvalidArgumentError:
                        rec.pop(k)
    rec["offset"] = offset
    return {k: v for k, v in rec.items() if v is not None}


def _topic(q: dict[str, str]) -> str:
    topic = (q.get("topic") or "").strip()
    if not topic:
        raise InvalidArgumentError("topic is required")
    if topic not in FIELD_OF_TOPIC:
        raise InvalidArgumentError(f"Invalid topic {topic!r}; topics: {', '.join(FIELD_OF_TOPIC)}")
    return topic


def _params(names: list[tuple[str, bool]]) -> dict[str, Any]:
    return {
        "parameters": [
            {"name": n, "in": "query", "required": r, "schema": {"type": "string"}} for n, r in names
        ]
    }


@router.get("/subscriber/topics", summary="Topics and their latest offsets")
def topics(s: DB, p: Auth) -> Response:
    return serialize.json_response(feed.latest_offsets(s))


@router.get(
    "/subscriber/offset", summary="Latest offset of one topic", openapi_extra=_params([("topic", True)])
)
def offset(request: Request, s: DB, p: Auth) -> Response:
    topic = _topic(dict(request.query_params))
    return serialize.json_response(feed.latest_offset(s, topic))


def _designator_match(raw: str | None) -> Any:
    """``filterDesignators``: the operator grammar, with like/not-like as substring matches."""
    if not raw:
        return None
    f = parse_filter(raw)

    def match(designators: str | None) -> bool:
        names = [d for d in (designators or "").split(",") if d]
        v = f.values
        if f.op == "like":
            return any(v[0].replace("*", "") in d for d in names)
        if f.op == "notlike":
            return all(v[0].replace("*", "") not in d for d in names)
        if f.op == "eq":
            return v[0] in names
        if f.op == "ne":
            return v[0] not in names
        if f.op == "in":
            return any(d in v for d in names)
        if f.op == "between":
            return any(v[0] <= d <= v[1] for d in names)
        ops = {"gt": str.__gt__, "ge": str.__ge__, "lt": str.__lt__, "le": str.__le__}
        return any(ops[f.op](d, v[0]) for d in names)

    return match


@router.get(
    "/subscriber/messages",
    summary="Messages of a topic from an offset",
    openapi_extra=_params(
        [
            ("topic", True),
            ("offset", True),
            ("maxResults", False),
            ("filterDesignators", False),
            ("fields", False),
        ]
    ),
    responses={204: {"description": "Nothing to read from this offset"}},
)
def messages(request: Request, s: DB, p: Auth) -> Response:
    q = dict(request.query_params)
    topic = _topic(q)
    if q.get("offset") in (None, ""):
        raise InvalidArgumentError("offset is required")
    start = parse_int(q.get("offset"), "offset", 0, 0)
    default_max = 25 if topic == feed.TOPIC_OCM_V1 else 1000
    max_results = parse_int(q.get("maxResults"), "maxResults", default_max, 1, 10000)
    match = _designator_match(q.get("filterDesignators"))
    fields = parse_fields(q.get("fields"))
    readable = readable_norads(s, p)
    public = topic not in RESTRICTED_TOPICS
    out: list[dict[str, Any]] = []
    reached = start
    scanned = 0
    while len(out) < max_results and scanned < SCAN_LIMIT:
        rows = list(
            s.scalars(
                select(FeedMessage)
                .where(FeedMessage.topic == topic, FeedMessage.offset >= reached)
                .order_by(FeedMessage.offset)
                .limit(SCAN_CHUNK)
            )
        )
        if not rows:
            break
        for m in rows:
            scanned += 1
            reached = m.offset + 1
            if not feed_visible(p, readable, list(m.norad_ids), m.owner_org_id, public):
                continue
            if match is not None and not match(m.designator):
                continue
            rec = subscriber_record(topic, m.payload, m.offset)
            out.append(select_fields(rec, fields) if fields else rec)
            if len(out) >= max_results:
                break
    headers = {"Offset-Reached": str(reached)}
    if not out:
        return serialize.no_content(headers)
    return serialize.json_response({FIELD_OF_TOPIC[topic]: out}, headers=headers)
