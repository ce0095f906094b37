"""Turning records (flat keyword dicts) into the TraCSS wire formats: KVN, JSON, NDJSON, XML, CSV.

CDMs have their own renderers (``cdm_*``): TraCSS's KVN, CCSDS CDM XML inside ``<tracssCdms>`` and
CSV under the V2 field names (:mod:`openstc.store.cdm_text`); their JSON and KVN lists concatenate
the texts rendered when each CDM was stored, so the hot path builds bytes and never re-encodes.
The generic renderers (KVN key left-justified in 41 columns, then ``= value``) serve the rest.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any
from xml.sax.saxutils import escape

from fastapi.responses import Response

from openstc.store import cdm_text

_text = cdm_text.text  # one rule for how a record's values are written, wherever they are


def kvn(record: dict[str, Any]) -> str:
    return "".join(f"{k:<41}= {_text(v)}\n" for k, v in record.items())


def kvn_many(records: Iterable[dict[str, Any]], texts: Sequence[str | None] | None = None) -> str:
    out = []
    for i, rec in enumerate(records):
        stored = texts[i] if texts else None
        out.append(stored if stored else kvn(rec))
    return "".join(t if t.endswith("\n") else t + "\n" for t in out)


def xml_many(records: Iterable[dict[str, Any]], root: str, item: str) -> str:
    parts = [f'<?xml version="1.0" encoding="UTF-8"?>\n<{root}>\n']
    for rec in records:
        parts.append(f"  <{item}>\n")
        for k, v in rec.items():
            tag = k if k.replace("_", "").isalnum() and not k[0].isdigit() else "FIELD"
            parts.append(f"    <{tag}>{escape(_text(v))}</{tag}>\n")
        parts.append(f"  </{item}>\n")
    parts.append(f"</{root}>\n")
    return "".join(parts)


def csv_many(records: Sequence[dict[str, Any]]) -> str:
    header: dict[str, None] = {}
    for rec in records:
        header.update(dict.fromkeys(rec))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(list(header))
    for rec in records:
        writer.writerow([_text(rec.get(k)) for k in header])
    return buf.getvalue()


def ndjson_lines(records: Iterable[dict[str, Any]]) -> Iterable[bytes]:
    for rec in records:
        yield (json.dumps(rec, separators=(",", ":"), default=str) + "\n").encode()


def json_response(content: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(content, separators=(",", ":"), default=str)
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def no_content(headers: dict[str, str] | None = None) -> Response:
    return Response(status_code=204, headers=headers)


def formatted(
    fmt: str,
    records: Sequence[dict[str, Any]],
    *,
    json_envelope: Any,
    xml_root: str,
    xml_item: str,
    kvn_texts: Sequence[str | None] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    if fmt == "JSON":
        return json_response(json_envelope, headers=headers)
    if fmt == "XML":
        return Response(xml_many(records, xml_root, xml_item), media_type="application/xml", headers=headers)
    if fmt == "CSV":
        return Response(csv_many(records), media_type="text/csv", headers=headers)
    return Response(kvn_many(records, kvn_texts), media_type="text/plain", headers=headers)


# --- CDMs ----------------------------------------------------------------------------------------

_JSON_HEAD = b'{"default":{"tracssCdms":['
_JSON_TAIL = b"]}}"


def cdm_json(texts: Sequence[str], headers: dict[str, str] | None = None) -> Response:
    """The metadata JSON envelope around stored compact record texts (no decoding, no re-encoding)."""
    body = _JSON_HEAD + ",".join(texts).encode() + _JSON_TAIL
    return Response(body, media_type="application/json", headers=headers)


def cdm_kvn(texts: Sequence[str], headers: dict[str, str] | None = None) -> Response:
    """KVN CDMs concatenated with no separator line, as TraCSS serves them."""
    body = "".join(t if t.endswith("\n") else t + "\n" for t in texts)
    return Response(body.encode(), media_type="text/plain", headers=headers)


def cdm_xml(
    records: Sequence[dict[str, Any]], fields: Sequence[str] | None, headers: dict[str, str] | None = None
) -> Response:
    """``<tracssCdms>`` of CCSDS CDM XML documents; with ``fields`` each ``<cdm>`` holds just those."""
    if fields:
        names = [_canonical(records, f) for f in fields]
        items = [cdm_text.xml_fields(r, [n for n in names if n]) for r in records]
    else:
        items = [cdm_text.xml_cdm(r) for r in records]
    return Response(cdm_text.xml_document(items).encode(), media_type="application/xml", headers=headers)


def cdm_csv(
    records: Sequence[dict[str, Any]], fields: Sequence[str] | None, headers: dict[str, str] | None = None
) -> Response:
    """CSV under TraCSS's V2 field names; ``fields`` chooses and orders the columns."""
    cols = [f.upper() for f in fields] if fields else None
    return Response(cdm_text.csv_document(records, cols).encode(), media_type="text/csv", headers=headers)


def _canonical(records: Sequence[dict[str, Any]], name: str) -> str | None:
    up = name.strip().upper()
    return up if any(up in r for r in records) else None
