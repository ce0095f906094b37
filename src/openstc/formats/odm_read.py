"""Reading entry points shared by the token-stream ODM models (OEM, OCM, OMM).

Each model turns a token stream (:mod:`openstc.formats.oem_io`) into itself in ``_from_tokens``; the
three encodings only differ in how the tokens are made. :class:`TokenReadable` gives every such model
``from_kvn``, ``from_xml``, ``from_json`` and ``parse`` once, and the helpers here read the version
line and bring a JSON message to its XML-equivalent tree. :class:`TimeSystemRead` and
:class:`InterpolationRead` give the models the metadata accessors they share.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, Self

from openstc.errors import FormatError
from openstc.formats.model import Keyed, ReadContext, opt_int, opt_str
from openstc.formats.oem_io import Cursor, Tok, XNode, lex_kvn, xml_root, xml_tokens, xnode_from_json


def load_json(data: str | bytes | Any) -> Any:
    """Decoded JSON (FORMAT_SYNTAX on bad JSON); objects pass through."""
    if not isinstance(data, (str, bytes)):
        return data
    try:
        return json.loads(data)
    except ValueError as exc:
        raise FormatError(f"invalid JSON: {exc}", code="FORMAT_SYNTAX") from None


def json_root(obj: Any, tag: str) -> XNode:
    """The XML-equivalent tree of a JSON message (see :func:`~openstc.formats.oem_io.xnode_to_json`)."""
    root = xnode_from_json(obj, tag)
    ident = root.attrs.get("id", "")
    if ident and ident.upper() != f"CCSDS_{tag.upper()}_VERS":
        raise FormatError(
            f"JSON message {ident} given where CCSDS_{tag.upper()}_VERS was expected",
            code="FORMAT_UNSUPPORTED",
            path="/id",
            keyword=ident,
        )
    return root


def read_version(c: Cursor, key: str) -> str:
    """The value of the ``CCSDS_xxx_VERS`` line that must open the message (comments before it pass)."""
    t = c.peek()
    while t is not None and t.kind == "comment":  # comments before the version line are tolerated
        c.next()
        t = c.peek()
    if t is None or t.kind != "kv" or not t.key.endswith("_VERS"):
        raise FormatError(
            f"{key} must be the first keyword",
            code="FORMAT_MISSING_KEYWORD",
            line=None if t is None else t.line,
            keyword=key,
        )
    if t.key != key:
        raise FormatError(
            f"{t.key} message given where {key} was expected",
            code="FORMAT_UNSUPPORTED",
            line=t.line,
            keyword=t.key,
        )
    c.next()
    if t.value.strip() == "":
        raise FormatError(
            f"{key} has an empty value", code="FORMAT_MISSING_KEYWORD", line=t.line, keyword=key
        )
    return t.value.strip()


class TokenReadable:
    """``from_kvn``/``from_xml``/``from_json``/``parse`` for a model built by ``_from_tokens``."""

    __slots__ = ()
    XML_TAG: ClassVar[str]  # "oem", "ocm", "omm": the XML root and the JSON message tag

    @classmethod
    def _from_tokens(cls, toks: list[Tok], ctx: ReadContext | None = None) -> Self:
        raise NotImplementedError

    @classmethod
    def _version_key(cls) -> str:
        return f"CCSDS_{cls.XML_TAG.upper()}_VERS"

    @classmethod
    def from_kvn(cls, text: str, ctx: ReadContext | None = None) -> Self:
        return cls._from_tokens(lex_kvn(text, ctx), ctx)

    @classmethod
    def from_xml(cls, data: str | bytes, ctx: ReadContext | None = None) -> Self:
        ctx = ctx or ReadContext()
        return cls._from_tokens(xml_tokens(xml_root(data, cls.XML_TAG), cls._version_key(), ctx), ctx)

    @classmethod
    def from_json(cls, data: str | bytes | dict[str, Any], ctx: ReadContext | None = None) -> Self:
        ctx = ctx or ReadContext()
        root = json_root(load_json(data), cls.XML_TAG)
        return cls._from_tokens(xml_tokens(root, cls._version_key(), ctx), ctx)

    @classmethod
    def parse(cls, data: str | bytes) -> Self:
        """Read any encoding, told apart by its first character."""
        text = data.decode("utf-8-sig", errors="replace") if isinstance(data, bytes) else data
        head = text.lstrip()[:1]
        if head == "<":
            return cls.from_xml(data)
        if head in "{[":
            return cls.from_json(text)
        return cls.from_kvn(text)


class TimeSystemRead:
    """``time_system`` for a model whose ``metadata`` block holds TIME_SYSTEM (OEM segment, OCM, OMM)."""

    __slots__ = ()
    metadata: Keyed

    @property
    def time_system(self) -> str:
        """TIME_SYSTEM in upper case; UTC when absent."""
        return str(self.metadata.get("TIME_SYSTEM", "UTC")).upper()


class InterpolationRead:
    """``interpolation`` and ``interpolation_degree`` for a block of states (OEM segment, OCM trajectory)."""

    __slots__ = ()

    def _interpolation_block(self) -> Keyed:
        """The keyword block that holds INTERPOLATION and INTERPOLATION_DEGREE."""
        raise NotImplementedError

    @property
    def interpolation(self) -> str | None:
        return opt_str(self._interpolation_block(), "INTERPOLATION")

    @property
    def interpolation_degree(self) -> int | None:
        return opt_int(self._interpolation_block(), "INTERPOLATION_DEGREE")
