"""NDM/XML reading and writing for schema-driven messages, and safe XML parsing for all types.

:func:`parse_xml` parses with defusedxml (DTDs, entities and external references are refused with
FORMAT_UNSAFE_XML) and records each element's line number in ``ctx.xml_lines`` for error reports.
:func:`read_xml` maps elements onto the schema: an element per keyword (``units`` attribute
checked), an element per block, ``<COMMENT>``, ``<USER_DEFINED parameter="X">``; elements the
schema does not know go to the block's data handler or are rejected with
FORMAT_UNEXPECTED_KEYWORD (line and path given). :func:`write_xml` writes the XSD element order.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import defusedxml
from defusedxml import ElementTree as SafeElementTree

from openstc.formats import writeorder
from openstc.formats.model import Block, Message, ReadContext
from openstc.formats.schema import BlockSpec, MessageSpec
from openstc.formats.values import MISSING, comment_text, format_value, parse_value

_DECL_ENCODING = re.compile(r"^(\s*<\?xml[^>]*?)\s+encoding\s*=\s*(['\"])[^'\"]*\2", re.S)


class _LineBuilder(ET.TreeBuilder):
    def __init__(self, lines: dict[int, int]) -> None:
        super().__init__()
        self.lines = lines
        self.parser: Any = None

    def start(self, tag: str, attrs: dict[str, str]) -> ET.Element:
        el = super().start(tag, attrs)
        if self.parser is not None:
            self.lines[id(el)] = int(self.parser.parser.CurrentLineNumber)
        return el


def local(tag: str) -> str:
    """Element name without its namespace."""
    return tag.rsplit("}", 1)[-1]


def parse_xml(text: str, ctx: ReadContext) -> ET.Element:
    """Root element of an XML text (already decoded), refusing DTDs and entities."""
    body = _DECL_ENCODING.sub(r"\1", text, count=1)
    builder = _LineBuilder(ctx.xml_lines)
    parser = SafeElementTree.DefusedXMLParser(
        target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    builder.parser = parser
    try:
        parser.feed(body.encode("utf-8"))
        root = parser.close()
    except defusedxml.DefusedXmlException as exc:
        raise ctx.error(
            f"refused XML: {type(exc).__name__} (DTDs and entities are not allowed)", code="FORMAT_UNSAFE_XML"
        ) from None
    except ET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise ctx.error(f"not well-formed XML: {exc}", code="FORMAT_SYNTAX", line=line) from None
    except (ValueError, UnicodeError) as exc:
        raise ctx.error(f"not readable XML: {exc}", code="FORMAT_SYNTAX") from None
    assert isinstance(root, ET.Element)
    return root


def read_xml(spec: MessageSpec, text: str, ctx: ReadContext) -> tuple[str, Block]:
    """Read an XML message of type ``spec``: returns (version, root block)."""
    return read_element(spec, parse_xml(text, ctx), ctx)


def read_element(spec: MessageSpec, el: ET.Element, ctx: ReadContext, base: str = "") -> tuple[str, Block]:
    """Read an already parsed message element; ``base`` is the path of its parent (``/ndm`` for an NDM
    constituent), so that errors and warnings name the element's full path."""
    line = ctx.xml_lines.get(id(el))
    if local(el.tag) != spec.xml_root:
        raise ctx.error(
            f"root element <{local(el.tag)}> is not <{spec.xml_root}>", code="FORMAT_UNSUPPORTED", line=line
        )
    version = el.get("version")
    if not version:
        raise ctx.error(
            f"<{spec.xml_root}> has no version attribute",
            code="FORMAT_MISSING_KEYWORD",
            line=line,
            keyword=spec.version_keyword,
        )
    root = Block(spec.root, line, f"{base}/{spec.xml_root}")
    _read_block(el, root, ctx, f"{base}/{spec.xml_root}")
    return version.strip(), root


def _choose(cands: list[BlockSpec], el: ET.Element) -> BlockSpec:
    if len(cands) == 1:
        return cands[0]
    names = [local(c.tag) for c in el if isinstance(c.tag, str) and local(c.tag) != "COMMENT"]
    for name in names:
        for cs in cands:
            if name in cs.kwmap or any(name == g.name for g in cs.children):
                return cs
    return cands[0]


def _read_block(el: ET.Element, block: Block, ctx: ReadContext, path: str) -> None:
    spec = block.spec
    counts: dict[str, int] = {}
    for child in el:
        if not isinstance(child.tag, str):
            continue  # XML comments / processing instructions
        tag = local(child.tag)
        counts[tag] = counts.get(tag, 0) + 1
        cpath = f"{path}/{tag}" + (f"[{counts[tag]}]" if counts[tag] > 1 else "")
        line = ctx.xml_lines.get(id(child))
        text = child.text or ""
        if tag == "COMMENT":
            block.comments.append(comment_text(text))
            continue
        kw = spec.kwmap.get(tag)
        if kw is not None:
            if kw.name in block.values:
                raise ctx.error(
                    f"keyword {tag} given twice",
                    code="FORMAT_UNEXPECTED_KEYWORD",
                    line=line,
                    path=cpath,
                    keyword=tag,
                )
            unit = child.get("units")
            v = parse_value(kw, text, unit, ctx, line=line, path=cpath)
            if v is not MISSING:
                block.values[kw.name] = v
            continue
        if spec.user_defined and tag.startswith("USER_DEFINED"):
            name = child.get("parameter") if tag == "USER_DEFINED" else tag[len("USER_DEFINED_") :]
            if not name:
                raise ctx.error(
                    "USER_DEFINED without a parameter name",
                    code="FORMAT_MISSING_KEYWORD",
                    line=line,
                    path=cpath,
                    keyword="USER_DEFINED",
                )
            block.user[name] = text.strip()
            continue
        cands = [cs for cs in spec.children if cs.name == tag]
        if cands:
            cs = _choose(cands, child)
            if not cs.repeat and any(c.spec is cs for c in block.children):
                raise ctx.error(
                    f"unexpected second <{tag}>",
                    code="FORMAT_UNEXPECTED_KEYWORD",
                    line=line,
                    path=cpath,
                    keyword=tag,
                )
            sub = Block(cs, line, cpath)
            block.children.append(sub)
            _read_block(child, sub, ctx, cpath)
            if cs.data is not None:
                cs.data.finish(sub, ctx, line)
            continue
        if tag.startswith("COMMENT_") or tag.startswith("COMMENT "):
            ctx.warn(
                f"non-standard element {tag} kept as a comment",
                line=line,
                path=cpath,
                keyword=tag,
                code="FORMAT_UNEXPECTED_KEYWORD",
            )
            block.comments.append(f"{tag} = {text.strip()}")
            continue
        if spec.data is not None and spec.data.xml_child(block, child, ctx):
            continue
        raise ctx.error(
            f"unexpected element <{tag}> in <{local(el.tag)}>",
            code="FORMAT_UNEXPECTED_KEYWORD",
            line=line,
            path=cpath,
            keyword=tag,
        )


# -- writing ------------------------------------------------------------------------------------


def message_element(msg: Message) -> ET.Element:
    spec = msg.spec
    root = ET.Element(spec.xml_root, {"id": spec.version_keyword, "version": msg.version})
    _write_block(msg.root, root)
    return root


def write_xml(msg: Message) -> str:
    root = message_element(msg)
    return to_text(root)


def to_text(root: ET.Element) -> str:
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _write_block(b: Block, el: ET.Element) -> None:
    for text in b.comments:
        ET.SubElement(el, "COMMENT").text = text
    for kind, item in writeorder.items(b):
        if kind == "kw":
            kw, value = item
            attrs = {"units": kw.unit} if kw.unit and kw.kind in ("float", "floats") else {}
            ET.SubElement(el, kw.name, attrs).text = format_value(kw, value)
        elif kind == "user":
            name, value = item
            ET.SubElement(el, "USER_DEFINED", {"parameter": name}).text = value
        elif kind == "data":
            assert b.spec.data is not None
            b.spec.data.xml_write(b, el)
        else:
            sub = ET.SubElement(el, item.spec.name)
            _write_block(item, sub)
