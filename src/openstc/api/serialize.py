"""Turning records (flat keyword dicts) into the TraCSS wire formats: KVN, JSON, NDJSON, XML, CSV.

KVN follows TraCSS's layout (key left-justified in 41 columns, then ``= value``). When the CCSDS
CDM codec of :mod:`openstc.formats` provides a writer it can replace these generic renderings;
until then the stored KVN text is served when present and the keyword dict rendered otherwise.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any
from xml.sax.saxutils import escape

from fastapi.responses import Response


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, (dict, list)):
        return json.dumps(v, separators=(",", ":"))
    return str(v)


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
