"""Plumbing shared by the ODM ephemeris/mean-element messages (OEM, OCM, OMM): tokens, XML/JSON trees.

All three encodings are brought to one token stream, so each message model has one reader:

* KVN: :func:`lex_kvn` turns text into :class:`Tok` items: ``kv`` (keyword = value [unit]),
  ``comment``, ``start``/``stop`` (``META_START``, ``TRAJ_STOP``...) and ``data`` (a run of raw
  data lines kept as text, so the hot path can hand them to numpy in one go);
* XML: :func:`parse_xml` builds a small :class:`XNode` tree with the help of expat (refusing DTDs and
  entities, code ``FORMAT_UNSAFE_XML``), and :func:`xml_tokens` flattens it into the same tokens;
* JSON: the XML tree as nested objects, part A's convention (:func:`xnode_to_json` /
  :func:`xnode_from_json`): ``{"id": "CCSDS_OEM_VERS", "version": "3.0", "header": {...}, "body":
  {...}}``, ``COMMENT`` a list, repeated elements lists, ``USER_DEFINED_<name>`` members.

Writers go the other way: models emit KVN text directly and build an :class:`XNode` tree for XML
and JSON. Nothing here reads files: callers pass ``str`` or ``bytes``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from openstc.errors import FormatError
from openstc.formats.model import ReadContext


@dataclass(slots=True)
class Tok:
    """One item of a message: ``kind`` is kv, comment, start, stop or data."""

    kind: str
    key: str = ""
    value: str = ""
    unit: str | None = None
    line: int | None = None
    lines: list[str] | None = None  # data: the raw lines
    line_nos: list[int] | None = None  # data: their 1-based line numbers (None from XML/JSON)
    path: str | None = None  # XML element path / JSON pointer-ish location


_KEY_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_BLOCK_RE = re.compile(r"^([A-Z][A-Z0-9_]*)_(START|STOP)$")


def lex_kvn(text: str, ctx: ReadContext | None = None) -> list[Tok]:
    """Split KVN text into tokens; consecutive data lines form one ``data`` token. Leniencies of the
    line form (``KEY =VALUE``, a unit glued to its value, a lower-case keyword) are warned on ``ctx``."""
    toks: list[Tok] = []
    run: list[str] | None = None
    run_nos: list[int] | None = None
    if text.startswith("\ufeff"):
        text = text[1:]
    for no, raw in enumerate(text.splitlines(), start=1):
        s = raw.strip()
        if not s:
            continue
        if s.startswith("COMMENT") and (len(s) == 7 or s[7] in " \t"):
            run = None
            toks.append(Tok("comment", value=s[7:].strip(), line=no))
            continue
        if "=" not in s:
            m = _BLOCK_RE.match(s)
            if m:
                run = None
                toks.append(Tok("start" if m.group(2) == "START" else "stop", key=m.group(1), line=no))
                continue
            if run is None or run_nos is None:
                run, run_nos = [], []
                toks.append(Tok("data", lines=run, line_nos=run_nos, line=no))
            run.append(s)
            run_nos.append(no)
            continue
        run = None
        key, _, value = s.partition("=")
        spaced = key.endswith((" ", "\t")) and value.startswith((" ", "\t"))
        key = key.strip()
        if not _KEY_RE.match(key):
            raise FormatError(f"cannot read line {s!r}", code="FORMAT_SYNTAX", line=no)
        value = value.strip()
        if ctx is not None and key != key.upper():
            ctx.warn(f"lower-case keyword {key!r} read as {key.upper()!r}", line=no, keyword=key.upper())
        if ctx is not None and not spaced and value:
            ctx.warn(
                "no blank around '=' (standard form is 'KEY = VALUE')",
                line=no,
                keyword=key.upper(),
                code="FORMAT_SYNTAX",
            )
        unit = None
        if value.endswith("]") and not value.startswith("["):
            i = value.rfind("[")
            if i > 0:
                unit = value[i + 1 : -1].strip()
                if ctx is not None and not value[i - 1].isspace():
                    ctx.warn(
                        f"unit [{unit}] glued to the value",
                        line=no,
                        keyword=key.upper(),
                        code="FORMAT_SYNTAX",
                    )
                value = value[:i].strip()
        toks.append(Tok("kv", key=key.upper(), value=value, unit=unit, line=no))
    return toks


# ---------------------------------------------------------------------------------------------- XML


@dataclass(slots=True)
class XNode:
    """A minimal XML element: tag, attributes, text, children and the line it starts on."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    text: str = ""
    children: list[XNode] = field(default_factory=list)
    line: int | None = None

    def add(self, tag: str, text: Any = None, **attrs: str) -> XNode:
        node = XNode(tag, dict(attrs), "" if text is None else str(text))
        self.children.append(node)
        return node


def _local(name: str) -> str:
    return name.rsplit(" ", 1)[-1].rsplit(":", 1)[-1]


def parse_xml(data: str | bytes) -> XNode:
    """Parse XML safely (no DTD, no entities) into an :class:`XNode` tree with line numbers."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    stack: list[XNode] = []
    root: list[XNode] = []

    def refuse(*_: Any) -> None:
        raise FormatError("XML with a DTD or entity declarations is refused", code="FORMAT_UNSAFE_XML")

    def start(name: str, attrs: dict[str, str]) -> None:
        tag = _local(name) if (" " in name or ":" in name) else name
        node = XNode(
            tag, {_local(k): v for k, v in attrs.items()} if attrs else {}, "", [], parser.CurrentLineNumber
        )
        if stack:
            stack[-1].children.append(node)
        else:
            root.append(node)
        stack.append(node)

    def end(_: str) -> None:
        node = stack.pop()
        if node.text:
            node.text = node.text.strip()

    def chars(s: str) -> None:
        if stack:
            stack[-1].text += s

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse  # type: ignore[assignment]
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        if isinstance(data, str):
            data = data.encode("utf-8") if not data.lstrip().startswith("<?xml") else _reencode(data)
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise FormatError(f"malformed XML: {expat.ErrorString(exc.code)}", line=exc.lineno) from None
    if not root:
        raise FormatError("empty XML document")
    return root[0]


def _reencode(text: str) -> bytes:
    # A str that declares e.g. encoding="UTF-16" was already decoded; tell expat it is UTF-8 now.
    head, sep, rest = text.partition("?>")
    head = re.sub(r"encoding\s*=\s*['\"][^'\"]*['\"]", 'encoding="UTF-8"', head)
    return (head + sep + rest).encode("utf-8")


def _xml_escape(s: str) -> str:
    if "&" not in s and "<" not in s and ">" not in s and '"' not in s:
        return s
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def write_xml(node: XNode) -> str:
    """Serialise an :class:`XNode` tree, indented, with an XML declaration."""
    out: list[str] = ['<?xml version="1.0" encoding="UTF-8"?>']

    def emit(n: XNode, depth: int) -> None:
        pad = "  " * depth
        attrs = "".join(f' {k}="{_xml_escape(v)}"' for k, v in n.attrs.items())
        if n.children:
            out.append(f"{pad}<{n.tag}{attrs}>")
            for c in n.children:
                emit(c, depth + 1)
            out.append(f"{pad}</{n.tag}>")
        else:
            out.append(f"{pad}<{n.tag}{attrs}>{_xml_escape(n.text)}</{n.tag}>")

    emit(node, 0)
    return "\n".join(out) + "\n"


def xnode_to_json(node: XNode) -> dict[str, Any]:
    """The JSON form of an ODM XML tree, part A's convention (TraCSS-style): ``{"id": ..., "version":
    ..., "header": {...}, "body": {...}}``; ``COMMENT`` is a list, repeated elements are lists, user
    parameters are ``USER_DEFINED_<name>`` members, values are strings in the standard's file units."""

    def conv(n: XNode) -> Any:
        if not n.children:
            return n.text
        obj: dict[str, Any] = {}
        counts: dict[str, int] = {}
        for c in n.children:
            counts[_json_key(c)] = counts.get(_json_key(c), 0) + 1
        for c in n.children:
            k = _json_key(c)
            v = conv(c)
            if counts[k] > 1 or k == "COMMENT":
                obj.setdefault(k, []).append(v)
            else:
                obj[k] = v
        return obj

    out: dict[str, Any] = {k: v for k, v in node.attrs.items() if k in ("id", "version")}
    body = conv(node)
    if isinstance(body, dict):
        out.update(body)
    return out


def _json_key(n: XNode) -> str:
    if n.tag == "USER_DEFINED" and "parameter" in n.attrs:
        return f"USER_DEFINED_{n.attrs['parameter']}"
    return n.tag


def xnode_from_json(obj: Any, root_tag: str) -> XNode:
    """Inverse of :func:`xnode_to_json`; also takes ``{root_tag: {...}}`` / one-message lists and
    ``{"units": u, "Value": v}`` values; numbers become their text."""
    for _ in range(4):
        if isinstance(obj, list) and len(obj) == 1:
            obj = obj[0]
        elif isinstance(obj, dict) and len(obj) == 1 and isinstance(next(iter(obj.values())), (dict, list)):
            obj = next(iter(obj.values()))
        else:
            break
    if not isinstance(obj, dict):
        raise FormatError(
            f"JSON content is not one {root_tag.upper()} message object", code="FORMAT_UNSUPPORTED"
        )
    root = XNode(
        root_tag,
        {"id": _scalar(obj.get("id", ""), "/id"), "version": _scalar(obj.get("version", ""), "/version")},
    )

    def conv(tag: str, v: Any, path: str) -> Iterator[XNode]:
        if isinstance(v, list):
            for i, item in enumerate(v):
                yield from conv(tag, item, f"{path}/{i}")
            return
        node = XNode(tag)
        if isinstance(v, dict):
            low = {k.lower(): k for k in v}
            if "value" in low and set(low) <= {"value", "units"}:
                node.text = _scalar(v[low["value"]], path)
                if "units" in low:
                    node.attrs["units"] = _scalar(v[low["units"]], path)
            else:
                for k, sub in v.items():
                    node.children.extend(conv(str(k), sub, f"{path}/{k}"))
        else:
            node.text = _scalar(v, path)
        yield node

    for k, v in obj.items():
        if k in ("id", "version"):
            continue
        root.children.extend(conv(str(k), v, f"/{k}"))
    return root


def _scalar(v: Any, path: str) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        raise FormatError(f"unexpected boolean at {path}", code="FORMAT_BAD_VALUE", path=path)
    if isinstance(v, (str, int, float)):
        return v if isinstance(v, str) else repr(v)
    raise FormatError(f"unexpected JSON value at {path}", code="FORMAT_SYNTAX", path=path)


# XML element names that are pure structure (no KVN counterpart), and XML blocks named differently.
STRUCTURAL = {
    "header",
    "body",
    "segment",
    "data",
    "meanElements",
    "spacecraftParameters",
    "tleParameters",
    "userDefinedParameters",
}
XML_BLOCKS = {
    "metadata": "META",
    "covarianceMatrix": "COVARIANCE",
    "traj": "TRAJ",
    "phys": "PHYS",
    "cov": "COV",
    "man": "MAN",
    "pert": "PERT",
    "od": "OD",
    "user": "USER",
}
DATA_LEAVES = {"trajLine", "covLine", "manLine"}
STATE_VECTOR_KEYS = ("EPOCH", "X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT", "X_DDOT", "Y_DDOT", "Z_DDOT")


def xml_tokens(root: XNode, version_key: str, ctx: Any = None) -> list[Tok]:
    """Flatten an ODM XML tree (root ``oem``/``ocm``/``omm``) into KVN-like tokens."""
    toks: list[Tok] = [Tok("kv", key=version_key, value=root.attrs.get("version", ""), line=root.line)]

    def walk(n: XNode, path: str) -> None:
        for c in n.children:
            p = f"{path}/{c.tag}"
            if c.tag in STRUCTURAL:
                if c.tag == "segment" or c.tag == "data":
                    toks.append(Tok("start", key=c.tag.upper() + "_X", line=c.line, path=p))
                walk(c, p)
                if c.tag == "segment" or c.tag == "data":
                    toks.append(Tok("stop", key=c.tag.upper() + "_X", line=c.line, path=p))
            elif c.tag == "stateVector":
                vals = {g.tag: g.text for g in c.children}
                line = " ".join(vals[k] for k in STATE_VECTOR_KEYS if k in vals)
                _append_data(toks, line, c.line, p)
            elif c.tag in DATA_LEAVES:
                text = c.text
                if "\n" in text and _BROKEN_SIGN.search(text):  # "-\n0.0038": a sign cut from its number
                    text = _BROKEN_SIGN.sub(r"\1", text)
                    if ctx is not None:
                        ctx.warn("number split across lines after its sign, joined", line=c.line, path=p)
                _append_data(toks, _one_line(text), c.line, p)
            elif c.tag in XML_BLOCKS:
                toks.append(Tok("start", key=XML_BLOCKS[c.tag], line=c.line, path=p))
                walk(c, p)
                toks.append(Tok("stop", key=XML_BLOCKS[c.tag], line=c.line, path=p))
            elif c.children:
                raise FormatError(
                    f"unexpected element <{c.tag}>",
                    code="FORMAT_UNEXPECTED_KEYWORD",
                    line=c.line,
                    path=p,
                    keyword=c.tag,
                )
            elif c.tag == "COMMENT":  # XML line breaks inside a comment are not significant
                toks.append(Tok("comment", value=_one_line(c.text), line=c.line, path=p))
            elif c.tag == "USER_DEFINED":
                name = c.attrs.get("parameter", "")
                toks.append(
                    Tok("kv", key=f"USER_DEFINED_{name}", value=_one_line(c.text), line=c.line, path=p)
                )
            else:
                toks.append(
                    Tok(
                        "kv",
                        key=c.tag.upper(),
                        value=_one_line(c.text),
                        unit=c.attrs.get("units"),
                        line=c.line,
                        path=p,
                    )
                )

    walk(root, f"/{root.tag}")
    return toks


_BROKEN_SIGN = re.compile(r"(?<![0-9A-Za-z.])([+-])\s*\n\s*(?=[0-9.])")


def _one_line(text: str) -> str:
    """XML text with its line breaks (not significant) folded into single blanks."""
    return re.sub(r"\s*\n\s*", " ", text) if "\n" in text else text


def _append_data(toks: list[Tok], text: str, line: int | None, path: str) -> None:
    last = toks[-1] if toks else None
    if last is not None and last.kind == "data" and last.lines is not None:
        last.lines.append(text)
    else:
        toks.append(Tok("data", lines=[text], line=line, path=path))


def xml_root(data: str | bytes, tag: str) -> XNode:
    """The ``tag`` element of an XML document, unwrapping a one-message NDM combined instantiation."""
    root = parse_xml(data)
    if root.tag == "ndm":
        found = [c for c in root.children if c.tag == tag]
        if len(found) != 1:
            raise FormatError(
                f"NDM holds {len(found)} <{tag}> messages, expected 1", code="FORMAT_UNSUPPORTED"
            )
        return found[0]
    if root.tag != tag:
        raise FormatError(f"XML root <{root.tag}> is not <{tag}>", code="FORMAT_UNSUPPORTED", line=root.line)
    return root


class Cursor:
    """Sequential access to tokens with the error helpers the readers share."""

    def __init__(self, toks: list[Tok]) -> None:
        self.toks = toks
        self.i = 0

    def peek(self) -> Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def next(self) -> Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def done(self) -> bool:
        return self.i >= len(self.toks)

    def next_inside(self, start: Tok) -> Tok:
        """The next token of the section ``start`` (an ``X_START``) opened; FORMAT_MISSING_KEYWORD when the
        tokens end before its ``X_STOP``."""
        if self.done():
            raise FormatError(
                f"{start.key}_START without {start.key}_STOP",
                code="FORMAT_MISSING_KEYWORD",
                line=start.line,
                keyword=f"{start.key}_STOP",
            )
        return self.next()

    def take_comments(self) -> list[str]:
        out: list[str] = []
        while (t := self.peek()) is not None and t.kind == "comment":
            out.append(self.next().value)
        return out

    def take_keywords(self) -> list[Tok]:
        """The keyword and comment tokens up to the next of another kind (a header)."""
        out: list[Tok] = []
        while (t := self.peek()) is not None and t.kind in ("kv", "comment"):
            out.append(self.next())
        return out


def tok_error(t: Tok, message: str, code: str, keyword: str | None) -> FormatError:
    """A FormatError located at token ``t`` (its line, or its XML path) about ``keyword``."""
    return FormatError(message, code=code, line=t.line, path=t.path, keyword=keyword)


def unexpected(t: Tok, where: str) -> FormatError:
    what = t.key if t.kind != "data" else (t.lines or [""])[0]
    label = {"start": f"{t.key}_START", "stop": f"{t.key}_STOP"}.get(t.kind, what)
    return tok_error(t, f"{label!s} not expected {where}", "FORMAT_UNEXPECTED_KEYWORD", t.key or None)


def iter_kv(items: Iterable[Tok]) -> Iterator[Tok]:
    return (t for t in items if t.kind == "kv")


def register_odm(name: str, cls: Any, json_sniff: Any = None) -> None:
    """Register an ODM model class (``from_kvn/from_xml/from_json(text, ctx)``, ``to_kvn/to_xml/to_json``)
    with part A's registry, so ``openstc.formats.read``/``write``/``detect`` handle it."""
    from openstc.formats.registry import Codec, register

    def read(text: str, encoding: str, ctx: Any) -> Any:
        if encoding == "kvn":
            return cls.from_kvn(text, ctx)
        if encoding == "xml":
            return cls.from_xml(text, ctx)
        if encoding == "json":
            return cls.from_json(text, ctx)
        raise FormatError(f"unknown encoding {encoding}", code="FORMAT_UNSUPPORTED")

    def write(msg: Any, encoding: str) -> str:
        fn = {"kvn": msg.to_kvn, "xml": msg.to_xml, "json": msg.to_json}.get(encoding)
        if fn is None:
            raise FormatError(f"unknown encoding {encoding}", code="FORMAT_UNSUPPORTED")
        text: str = fn()
        return text

    register(Codec(name, f"CCSDS_{name}_VERS", name.lower(), read, write, (cls,), json_sniff=json_sniff))
