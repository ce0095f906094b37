"""The message-type registry, content detection and the ``read``/``write`` entry points.

Every message type registers a :class:`Codec` (its name, KVN version keyword, XML root element,
read and write functions). :func:`detect` finds the encoding (KVN, XML, JSON) and the type from the
content alone; :func:`read` decodes bytes (UTF-8 with or without BOM, UTF-16/UCS-4 for XML),
detects, and calls the codec; :func:`write` calls the codec registered for the message's class.
Schema-driven types (CDM, OPM) register through :func:`register_schema`; part B's OEM/OCM/OMM
modules register their own functions with :func:`register`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from openstc.errors import FormatError
from openstc.formats.model import FormatWarning, Message, ReadContext
from openstc.formats.schema import MessageSpec

ENCODINGS = ("kvn", "xml", "json")


@dataclass(frozen=True)
class Codec:
    """How to read and write one message type.

    ``read(text, encoding, ctx)`` gets decoded text and returns the message object (raising
    FormatError); ``write(message, encoding)`` returns text. ``classes`` are the model classes the
    codec writes (``write()`` dispatches on them). ``json_sniff`` recognises the type in decoded JSON
    that carries no version keyword (e.g. CelesTrak OMM JSON). ``message_spec`` is set for
    schema-driven types.
    """

    name: str
    version_keyword: str
    xml_root: str
    read: Callable[[str, str, ReadContext], Any]
    write: Callable[[Any, str], str]
    classes: tuple[type, ...]
    encodings: tuple[str, ...] = ENCODINGS
    json_sniff: Callable[[Any], bool] | None = None
    message_spec: MessageSpec | None = field(default=None, compare=False)


_CODECS: dict[str, Codec] = {}
_BUILTINS_LOADED = False


def register(codec: Codec) -> None:
    """Register (or replace) the codec of a message type, keyed by upper-case ``codec.name``."""
    _CODECS[codec.name.upper()] = codec


def register_schema(spec: MessageSpec) -> None:
    """Register a schema-driven message type (KVN/XML/JSON codecs generated from its tables)."""
    from openstc.formats import jsoncodec, kvn, xmlcodec

    def _read(text: str, encoding: str, ctx: ReadContext) -> Message:
        if encoding == "kvn":
            version, root = kvn.read_kvn(spec, text, ctx)
        elif encoding == "xml":
            version, root = xmlcodec.read_xml(spec, text, ctx)
        elif encoding == "json":
            version, root = jsoncodec.read_json(spec, text, ctx)
        else:
            raise FormatError(f"unknown encoding {encoding}", code="FORMAT_UNSUPPORTED")
        from openstc.formats.finish import finish_message

        msg = spec.message_class(spec, root, version, ctx.warnings)
        finish_message(msg, ctx)
        return msg

    def _write(msg: Any, encoding: str) -> str:
        # strict writing: a message built in code must be complete before it is written
        from openstc.formats.finish import check_mandatory

        ctx = ReadContext(source=f"<{spec.name} being written>")
        check_mandatory(msg.root, ctx)
        if spec.check is not None:
            spec.check(msg, ctx)
        if encoding == "kvn":
            return kvn.write_kvn(msg)
        if encoding == "xml":
            return xmlcodec.write_xml(msg)
        if encoding == "json":
            return jsoncodec.write_json(msg)
        raise FormatError(f"unknown encoding {encoding}", code="FORMAT_UNSUPPORTED")

    register(
        Codec(
            spec.name,
            spec.version_keyword,
            spec.xml_root,
            _read,
            _write,
            (spec.message_class,),
            ENCODINGS if spec.kvn else ("xml", "json"),
            message_spec=spec,
        )
    )


def codecs() -> dict[str, Codec]:
    """All registered codecs (importing the built-in message modules first)."""
    _load_builtins()
    return dict(_CODECS)


def codec(name: str) -> Codec:
    _load_builtins()
    try:
        return _CODECS[name.upper()]
    except KeyError:
        raise FormatError(f"message type {name} is not supported", code="FORMAT_UNSUPPORTED") from None


def _load_builtins() -> None:
    """Import the message modules so they register. A module that is missing or fails to import
    (work in progress elsewhere) is skipped; the reason is kept in :func:`load_errors`."""
    global _BUILTINS_LOADED
    if _BUILTINS_LOADED:
        return
    _BUILTINS_LOADED = True
    import importlib

    for mod in ("cdm", "opm", "omm", "oem", "ocm", "ndm"):
        name = f"openstc.formats.{mod}"
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                _LOAD_ERRORS[mod] = f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # a broken sibling module must not break the other message types
            _LOAD_ERRORS[mod] = f"{type(exc).__name__}: {exc}"
        else:
            if mod.upper() not in _CODECS:
                _adapt_class(mod)


def _sniff_omm(obj: Any) -> bool:
    item = obj[0] if isinstance(obj, list) and obj else obj
    return isinstance(item, dict) and "MEAN_MOTION" in item and "EPOCH" in item


def register_class(
    name: str, xml_root: str, cls: Any, json_sniff: Callable[[Any], bool] | None = None
) -> None:
    """Register a model class exposing ``from_kvn/from_xml/from_json`` (text -> model) and
    ``to_kvn/to_xml/to_json`` (model -> text) as the codec of message type ``name``."""

    def _read(text: str, encoding: str, ctx: ReadContext) -> Any:
        reader = getattr(cls, f"from_{encoding}", None)
        if reader is None:
            raise ctx.error(f"{name} has no {encoding} reader", code="FORMAT_UNSUPPORTED")
        return reader(text)

    def _write(msg: Any, encoding: str) -> str:
        writer = getattr(msg, f"to_{encoding}", None)
        if writer is None:
            raise FormatError(f"{name} has no {encoding} writer", code="FORMAT_UNSUPPORTED")
        return str(writer())

    encs = tuple(e for e in ENCODINGS if hasattr(cls, f"from_{e}"))
    register(Codec(name, f"CCSDS_{name}_VERS", xml_root, _read, _write, (cls,), encs, json_sniff=json_sniff))


def _adapt_class(mod: str) -> None:
    """A message module that did not register itself but has a ``from_*``/``to_*`` class
    (``oem.Oem``) is registered through :func:`register_class`."""
    import importlib

    module = importlib.import_module(f"openstc.formats.{mod}")
    cls = getattr(module, mod.capitalize(), None)
    if cls is not None and hasattr(cls, "from_kvn") and hasattr(cls, "to_kvn"):
        register_class(mod.upper(), mod, cls, _sniff_omm if mod == "omm" else None)


_LOAD_ERRORS: dict[str, str] = {}


def load_errors() -> dict[str, str]:
    """Message modules that could not be imported, with the reason (empty when all are fine)."""
    _load_builtins()
    return dict(_LOAD_ERRORS)


# -- decoding and detection ---------------------------------------------------------------------

_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
)
# First bytes of '<' in each encoding without a BOM (XML spec, appendix F).
_XML_SNIFF: tuple[tuple[bytes, str], ...] = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00?", "utf-16-be"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x00<", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)


def decode(data: bytes | str) -> str:
    """Text of a message: BOM-marked or sniffed UTF-8/UTF-16/UCS-4; otherwise UTF-8 (Latin-1 fallback)."""
    if isinstance(data, str):
        return data[1:] if data.startswith("\ufeff") else data
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(enc)
            except UnicodeDecodeError as exc:
                raise FormatError(f"bad {enc} text: {exc.reason}", code="FORMAT_SYNTAX") from None
    for head, enc in _XML_SNIFF:
        if data.startswith(head):
            try:
                return data.decode(enc)
            except UnicodeDecodeError as exc:
                raise FormatError(f"bad {enc} text: {exc.reason}", code="FORMAT_SYNTAX") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


_XML_ROOT = re.compile(r"<\s*([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")
_KVN_KEY = re.compile(r"^\s*([A-Za-z0-9_]+)\s*=")


def detect_encoding(data: bytes | str) -> str:
    """``xml``, ``json`` or ``kvn`` from the content (bytes in any of the XML encodings accepted)."""
    s = decode(data).lstrip()
    if s.startswith("<"):
        return "xml"
    if s.startswith(("{", "[")):
        return "json"
    return "kvn"


def _xml_root_name(text: str) -> str | None:
    i = 0
    s = text
    while True:
        j = s.find("<", i)
        if j < 0:
            return None
        if s.startswith("<?", j):
            i = s.find("?>", j) + 2
        elif s.startswith("<!--", j):
            i = s.find("-->", j) + 3
        elif s.startswith("<!", j):
            i = s.find(">", j) + 1
        else:
            m = _XML_ROOT.match(s, j)
            return m[2] if m else None
        if i <= 1:
            return None


def json_version_key(obj: Any) -> str | None:
    """The ``CCSDS_XXX_VERS`` a JSON message carries (``id`` member or a member of that name)."""
    if isinstance(obj, list):
        return json_version_key(obj[0]) if obj else None
    if not isinstance(obj, dict):
        return None
    ident = obj.get("id")
    if isinstance(ident, str) and ident.upper().startswith("CCSDS_"):
        return ident.upper()
    for k in obj:
        if isinstance(k, str) and k.upper().startswith("CCSDS_") and k.upper().endswith("_VERS"):
            return k.upper()
    if len(obj) == 1:  # a wrapper such as {"tracssCdms": [...]} or {"cdm": {...}}
        (inner,) = obj.values()
        return json_version_key(inner)
    return None


def _leading_lines(text: str) -> Iterator[str]:
    """Stripped lines from the start of ``text``, lazily (a large OEM is not split whole)."""
    pos = 0
    while pos < len(text):
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        yield text[pos:end].strip()
        pos = end + 1


def detect(data: bytes | str) -> tuple[str, str]:
    """(message type, encoding) of a message from its content, e.g. ``("CDM", "kvn")``.

    Raises FormatError ``FORMAT_UNSUPPORTED`` when neither can be told.
    """
    _load_builtins()
    text = decode(data)
    enc = detect_encoding(text)
    if enc == "xml":
        root = _xml_root_name(text)
        if root is not None:
            for c in _CODECS.values():
                if c.xml_root == root:
                    return c.name, enc
        raise FormatError(f"XML root element <{root}> is not a CCSDS message", code="FORMAT_UNSUPPORTED")
    if enc == "json":
        try:
            obj = json.loads(text)
        except ValueError as exc:
            raise FormatError(f"invalid JSON: {exc}", code="FORMAT_SYNTAX") from None
        key = json_version_key(obj)
        for c in _CODECS.values():
            if key is not None and c.version_keyword == key:
                return c.name, enc
        for c in _CODECS.values():
            if c.json_sniff is not None and c.json_sniff(obj):
                return c.name, enc
        raise FormatError("JSON content is not a CCSDS message we know", code="FORMAT_UNSUPPORTED")
    for s in _leading_lines(text):
        if not s or s.startswith("COMMENT"):
            continue
        m = _KVN_KEY.match(s)
        key = m[1].upper() if m else None
        for c in _CODECS.values():
            if key is not None and c.version_keyword == key:
                return c.name, enc
        break
    raise FormatError(
        "content is not a CCSDS message (no CCSDS_xxx_VERS first keyword, XML root or JSON message)",
        code="FORMAT_UNSUPPORTED",
    )


def read(
    data: bytes | str,
    *,
    source: str | None = None,
    type: str | None = None,
    encoding: str | None = None,
    strict: bool = False,
) -> Any:
    """Read one message of any registered type from bytes or text; the type and encoding are
    detected unless given. Returns the codec's model object (its ``warnings`` list the leniencies).
    Raises FormatError naming ``source``; in ``strict`` mode every leniency is an error.
    """
    _load_builtins()
    try:
        text = decode(data)
        if type is None or encoding is None:
            t, e = detect(text)
            type, encoding = type or t, encoding or e
        c = codec(type)
        if encoding not in c.encodings:
            raise FormatError(f"{c.name} has no {encoding} form", code="FORMAT_UNSUPPORTED")
        ctx = ReadContext(source=source, strict=strict)
        return c.read(text, encoding, ctx)
    except FormatError as err:
        if source is not None and err.source is None:
            raise err.with_source(source) from err
        raise


def codec_for(message: Any) -> Codec:
    _load_builtins()
    for c in _CODECS.values():
        if isinstance(message, c.classes):
            return c
    raise FormatError(f"no codec writes {type(message).__name__}", code="FORMAT_UNSUPPORTED")


def write(message: Any, encoding: str = "kvn") -> str:
    """Text of ``message`` in ``encoding`` (``kvn``, ``xml`` or ``json``), always standard-conforming."""
    enc = encoding.lower()
    if enc not in ENCODINGS:
        raise FormatError(f"unknown encoding {encoding} (kvn, xml or json)", code="FORMAT_UNSUPPORTED")
    c = codec_for(message)
    if enc not in c.encodings:
        raise FormatError(f"{c.name} has no {enc} form", code="FORMAT_UNSUPPORTED")
    return c.write(message, enc)


def warnings_of(message: Any) -> list[FormatWarning | str]:
    """The reading warnings of any message object (``warnings`` attribute, else none)."""
    w = getattr(message, "warnings", None)
    return list(w) if w else []


def read_many(data: bytes | str, *, source: str | None = None, strict: bool = False) -> list[Any]:
    """Every message in ``data``: the items of a JSON array or one-member wrapper (TraCSS serves
    ``{"tracssCdms": [...]}``), the constituents of an NDM, or the one message of anything else."""
    _load_builtins()
    text = decode(data)
    if detect_encoding(text) == "json":
        try:
            obj = json.loads(text)
        except ValueError as exc:
            raise FormatError(f"invalid JSON: {exc}", code="FORMAT_SYNTAX", source=source) from None
        while isinstance(obj, dict) and len(obj) == 1 and not isinstance(obj.get("NDM"), dict):
            (inner,) = obj.values()
            if not isinstance(inner, (list, dict)):
                break
            obj = inner
        if isinstance(obj, list):
            out: list[Any] = []
            for i, item in enumerate(obj):
                try:
                    out.append(read(json.dumps(item), source=source, encoding="json", strict=strict))
                except FormatError as err:
                    raise FormatError(
                        err.reason,
                        code=err.code,
                        source=source,
                        path=f"/{i}{err.path or ''}",
                        keyword=err.keyword,
                    ) from err
            return out
    msg = read(text, source=source, strict=strict)
    if getattr(msg, "type", None) == "NDM":
        return list(msg.messages)
    return [msg]
