"""Combined instantiation NDM (``<ndm>`` with several constituent messages), XML and JSON.

An :class:`Ndm` is a list of comments and a list of constituent messages, each read by the codec
registered for its root element (``<opm>``, ``<omm>``, ``<oem>``, ``<ocm>``, ``<cdm>``). A
constituent type we do not know (e.g. ``<apm>``) is kept verbatim as :class:`RawConstituent` with
a warning. An empty ``<ndm/>`` is valid. NDM has no KVN form (a KVN "NDM" is FORMAT_UNSUPPORTED).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from defusedxml import ElementTree as SafeElementTree

from openstc.errors import FormatError
from openstc.formats import jsoncodec, xmlcodec
from openstc.formats.model import FormatWarning, ReadContext
from openstc.formats.registry import Codec, codecs, register
from openstc.formats.values import comment_text


@dataclass
class RawConstituent:
    """A constituent whose type we do not read (kept as its XML text or JSON object)."""

    tag: str
    xml: str | None = None
    obj: Any = None


@dataclass
class Ndm:
    """A combined NDM: comments and constituent messages (model objects of their codecs)."""

    comments: list[str] = field(default_factory=list)
    messages: list[Any] = field(default_factory=list)
    warnings: list[FormatWarning | str] = field(default_factory=list)

    @property
    def type(self) -> str:
        return "NDM"


def _codec_by_root(tag: str) -> Codec | None:
    for c in codecs().values():
        if c.xml_root == tag and c.name != "NDM":
            return c
    return None


def _read(text: str, encoding: str, ctx: ReadContext) -> Ndm:
    if encoding == "xml":
        return _read_xml(text, ctx)
    if encoding == "json":
        return _read_json(text, ctx)
    raise ctx.error("NDM has no KVN form (combined NDMs are XML)", code="FORMAT_UNSUPPORTED")


def _read_xml(text: str, ctx: ReadContext) -> Ndm:
    root = xmlcodec.parse_xml(text, ctx)
    if xmlcodec.local(root.tag) != "ndm":
        raise ctx.error(f"root element <{xmlcodec.local(root.tag)}> is not <ndm>", code="FORMAT_UNSUPPORTED")
    ndm = Ndm(warnings=ctx.warnings)  # type: ignore[arg-type]
    for el in root:
        if not isinstance(el.tag, str):
            continue
        tag = xmlcodec.local(el.tag)
        line = ctx.xml_lines.get(id(el))
        if tag == "COMMENT":
            ndm.comments.append(comment_text(el.text or ""))
            continue
        c = _codec_by_root(tag)
        if c is None:
            ctx.warn(
                f"constituent <{tag}> is not a type we read; kept verbatim",
                line=line,
                path=f"/ndm/{tag}",
                code="FORMAT_UNSUPPORTED",
            )
            ndm.messages.append(RawConstituent(tag, xml=ET.tostring(el, encoding="unicode")))
            continue
        if c.message_spec is not None:
            from openstc.formats.finish import finish_message

            version, block = xmlcodec.read_element(c.message_spec, el, ctx, "/ndm")
            msg = c.message_spec.message_class(c.message_spec, block, version, ctx.warnings)
            finish_message(msg, ctx)
        else:
            sub = ReadContext(source=ctx.source, strict=ctx.strict)
            # the constituent is re-serialised from its start tag: its line 1 is the NDM's ``line``
            offset = (line or 1) - 1
            try:
                msg = c.read(ET.tostring(el, encoding="unicode"), "xml", sub)
            except FormatError as err:
                raise ctx.error(
                    err.reason,
                    code=err.code,
                    line=None if err.line is None else err.line + offset,
                    path=f"/ndm{err.path or ''}",
                    keyword=err.keyword,
                ) from err
            for w in getattr(msg, "warnings", []) or []:
                if isinstance(w, FormatWarning):
                    wline = None if w.line is None else w.line + offset
                    ctx.warnings.append(
                        FormatWarning(w.message, wline, w.keyword, f"/ndm{w.path or ''}", w.code)
                    )
                else:
                    ctx.warnings.append(FormatWarning(str(w), line))
        ndm.messages.append(msg)
    return ndm


def _read_json(text: str, ctx: ReadContext) -> Ndm:
    try:
        obj = json.loads(text)
    except ValueError as exc:
        raise ctx.error(f"invalid JSON: {exc}", code="FORMAT_SYNTAX") from None
    body = obj.get("NDM") if isinstance(obj, dict) else None
    if not isinstance(body, dict):
        raise ctx.error(
            'an NDM in JSON is {"NDM": {"COMMENT": [...], "constituents": [...]}}', code="FORMAT_SYNTAX"
        )
    ndm = Ndm(comments=[str(c) for c in body.get("COMMENT", [])], warnings=ctx.warnings)  # type: ignore[arg-type]
    from openstc.formats.registry import json_version_key

    for i, item in enumerate(body.get("constituents", [])):
        key = json_version_key(item)
        c = next((c for c in codecs().values() if key and c.version_keyword == key), None)
        if c is None:
            c = next((c for c in codecs().values() if c.json_sniff is not None and c.json_sniff(item)), None)
        if c is None:
            ctx.warn(
                "constituent is not a type we read; kept verbatim",
                path=f"/NDM/constituents/{i}",
                code="FORMAT_UNSUPPORTED",
            )
            ndm.messages.append(RawConstituent(str(key), obj=item))
            continue
        if c.message_spec is not None:
            from openstc.formats.finish import finish_message

            version, block = jsoncodec.read_object(c.message_spec, item, ctx)
            msg = c.message_spec.message_class(c.message_spec, block, version, ctx.warnings)
            finish_message(msg, ctx)
        else:
            sub = ReadContext(source=ctx.source, strict=ctx.strict)
            msg = c.read(json.dumps(item), "json", sub)
        ndm.messages.append(msg)
    return ndm


def _write(ndm: Ndm, encoding: str) -> str:
    from openstc.formats.registry import codec_for

    if encoding == "xml":
        root = ET.Element("ndm")
        for text in ndm.comments:
            ET.SubElement(root, "COMMENT").text = text
        for msg in ndm.messages:
            if isinstance(msg, RawConstituent):
                if msg.xml is None:
                    raise ValueError(f"constituent {msg.tag} has no XML form")
                root.append(SafeElementTree.fromstring(msg.xml))
                continue
            c = codec_for(msg)
            if c.message_spec is not None:
                root.append(xmlcodec.message_element(msg))
            else:
                root.append(SafeElementTree.fromstring(c.write(msg, "xml").encode("utf-8")))
        return xmlcodec.to_text(root)
    if encoding == "json":
        items: list[Any] = []
        for msg in ndm.messages:
            if isinstance(msg, RawConstituent):
                items.append(msg.obj if msg.obj is not None else {"xml": msg.xml})
                continue
            c = codec_for(msg)
            items.append(
                jsoncodec.message_object(msg) if c.message_spec else json.loads(c.write(msg, "json"))
            )
        return json.dumps({"NDM": {"COMMENT": ndm.comments, "constituents": items}}, indent=2) + "\n"
    raise ValueError("NDM has no KVN form")


def _sniff(obj: Any) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("NDM"), dict)


register(Codec("NDM", "CCSDS_NDM_VERS", "ndm", _read, _write, (Ndm,), ("xml", "json"), json_sniff=_sniff))
