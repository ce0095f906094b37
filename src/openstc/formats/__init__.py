"""CCSDS navigation data messages (CDM, OPM, OMM, OEM, OCM, NDM) and TLE/catalog formats: pure, no I/O.

Entry points (text or bytes in, model objects out; the shell reads files)::

    from openstc import formats
    msg = formats.read(data, source="x.cdm")   # type + encoding detected from content
    formats.detect(data)                       # -> ("CDM", "kvn")
    formats.write(msg, "xml")                  # "kvn" | "xml" | "json"
    formats.read_many(data)                    # JSON arrays / {"tracssCdms": [...]} / NDM constituents
    msg.warnings                               # leniencies applied while reading

The framework contract (part B's OEM/OCM/OMM modules plug in here)
----------------------------------------------------------------

**Registry** (:mod:`~openstc.formats.registry`). A message type registers a
:class:`~openstc.formats.registry.Codec` at import time of its module::

    register(Codec(name="OEM", version_keyword="CCSDS_OEM_VERS", xml_root="oem",
                   read=read_fn, write=write_fn, classes=(Oem,), json_sniff=None))

``read_fn(text: str, encoding: str, ctx: ReadContext) -> model`` gets *decoded* text (BOMs and
UTF-16/UCS-4 already handled) with ``encoding`` in ``"kvn" | "xml" | "json"``; it returns the model
object, which should have a ``warnings: list`` attribute (``FormatWarning`` or ``str``), and raises
``FormatError``. ``write_fn(model, encoding) -> str``. The registry imports
``openstc.formats.{cdm,opm,omm,oem,ocm,ndm}`` on first use (a module that does not exist yet is
skipped), so registering = calling ``register(...)`` at module level. ``read()`` adds the file
name to errors; detection uses ``version_keyword`` (first KVN keyword / JSON ``id`` or member),
``xml_root`` (root element name) and ``json_sniff(obj) -> bool`` for JSON without a version key.
The NDM reader hands each constituent element of ``<ndm>`` to the codec whose ``xml_root``
matches, as an XML text, and embeds what ``write_fn(model, "xml")`` returns when writing.
A module that does not call ``register`` but defines a class named after it (``oem.Oem``) with
``from_kvn/from_xml/from_json`` class methods and ``to_kvn/to_xml/to_json`` methods is registered
automatically (``register_class``); ``registry.load_errors()`` lists modules that failed to import.

**Schema-driven types** (CDM, OPM; usable for OEM/OCM/OMM too). A message model is declared once
as tables in :mod:`~openstc.formats.schema`:

* :class:`~openstc.formats.schema.Keyword` ``(name, kind, unit, mandatory, doc, choices,
  alt_units, upper, si)``: ``kind`` in ``str | float | int | time | enum | floats | ints`` (the
  OEM/OCM/OMM keyword blocks also use ``reltime | strs | units``); ``unit`` is the unit the
  standard writes in files (``km``, ``deg``, ``m**2/s``); the model holds SI
  (:mod:`~openstc.formats.units` converts). Times are :class:`~openstc.formats.ccsds_time.Epoch`
  (calendar reading + time system + leap-second flag; ``.utc()`` -> UTC-aware datetime). It is the
  one declaration type of every message: each keyword is declared once, with its ``mandatory``
  flag driving the mandatory checks (CDM/OPM: :func:`~openstc.formats.finish.check_mandatory`;
  OEM/OCM/OMM: :func:`~openstc.formats.oem_keys.require_declared`). Groups shared by several
  messages (ODM header, common metadata, Cartesian state, spacecraft parameters, 6x6 covariance,
  the keywords the CDM took over from the OCM) are declared in :mod:`~openstc.formats.odm_keys` and
  used by reference; ``omm_keys``/``ocm_keys``/``oem``/``opm``/``cdm_schema`` hold the rest.
* :class:`~openstc.formats.schema.BlockSpec` ``(name, keywords, children, key, repeat, mandatory,
  kvn_start, kvn_stop, user_defined, data, check)``: ``name`` is the NDM/XML element name (and
  JSON member); ``key`` the model name when names clash. Blocks without ``kvn_start`` are implicit
  in KVN (opened by their first keyword; a repeated keyword in a ``repeat`` block starts the next
  instance); blocks with ``kvn_start``/``kvn_stop`` (``META_START``...) are explicit.
* Data-line blocks (ephemeris lines, covariance triangles, OCM trajectory lines): give the block a
  ``data`` handler implementing :class:`~openstc.formats.schema.DataLines` (``kvn_line``,
  ``kvn_write``, ``xml_child``, ``xml_write``, ``json_read``, ``json_write``, ``finish``,
  ``equal``); it keeps its parsed content in ``block.data``.
* :class:`~openstc.formats.schema.MessageSpec` ``(name, version_keyword, xml_root, root,
  versions, default_version, message_class, time_scope, check, kvn)``; register it with
  :func:`~openstc.formats.registry.register_schema`, which generates the KVN
  (:mod:`~openstc.formats.kvn`), XML (:mod:`~openstc.formats.xmlcodec`) and JSON
  (:mod:`~openstc.formats.jsoncodec`) codecs.
* The model (:mod:`~openstc.formats.model`): a :class:`~openstc.formats.model.Message` (spec,
  version, ``root`` :class:`~openstc.formats.model.Block`, warnings). A ``Block`` has ``values``
  (keyword -> SI value), ``comments``, ``user`` (``USER_DEFINED_*`` without the prefix), ordered
  ``children`` and ``data``; ``get/set/child/children_of/add/ensure/find``. Typed classes
  (``Cdm``, ``Opm``) subclass ``Message`` with properties; build messages in code with them.

**Encodings.** KVN: ``KEY = VALUE [unit]``, ``COMMENT``, markers; XML: element per keyword with an
optional ``units`` attribute, the block tree as elements, ``<COMMENT>``, user parameters as
``<USER_DEFINED parameter="X">`` (``<USER_DEFINED_X>`` also read); JSON: the XML tree as nested
objects (``{"id": "CCSDS_CDM_VERS", "version": "2.0", "header": {...}, "body": {...}}``,
TraCSS-style), keyword names as keys, ``COMMENT`` as a list, repeated blocks as lists, values as
numbers in the standard's file units or strings; ``{"units": u, "Value": v}`` is also read.

**Warnings and errors.** Leniencies (unit glued to the value, ``[m]`` for a velocity, ``NaN`` or
empty optional values read as absent, Unicode minus, ``KEY =VALUE``, lower-case values, alternate
units, ``COMMENT_*`` keywords kept as comments) are recorded with
``ctx.warn(message, line=, keyword=, path=, code=)`` as :class:`~openstc.formats.model.FormatWarning`
on ``message.warnings`` (``code``: the error code the leniency becomes with ``strict=True``). Errors are
:class:`openstc.errors.FormatError` built with ``ctx.error(message, code=, line=, keyword=,
path=)``; codes: FORMAT_UNSUPPORTED, FORMAT_SYNTAX, FORMAT_UNEXPECTED_KEYWORD,
FORMAT_MISSING_KEYWORD, FORMAT_BAD_VALUE, FORMAT_BAD_DATE, FORMAT_BAD_UNIT, FORMAT_INCONSISTENT,
FORMAT_BAD_DATA_LINE, FORMAT_UNSAFE_XML. XML is parsed with defusedxml (DTDs/entities refused).
Writing is strict: standard units, CCSDS times, no NaN.
"""

from __future__ import annotations

from openstc.formats.ccsds_time import Epoch, parse_time
from openstc.formats.model import Block, FormatWarning, Message, ReadContext
from openstc.formats.registry import (
    Codec,
    codec,
    codecs,
    detect,
    read,
    read_many,
    register,
    register_schema,
    write,
)
from openstc.formats.schema import BlockSpec, DataLines, Keyword, MessageSpec

__all__ = [
    "Block",
    "BlockSpec",
    "Codec",
    "DataLines",
    "Epoch",
    "FormatWarning",
    "Keyword",
    "Message",
    "MessageSpec",
    "ReadContext",
    "codec",
    "codecs",
    "detect",
    "parse_time",
    "read",
    "read_many",
    "register",
    "register_schema",
    "write",
]
