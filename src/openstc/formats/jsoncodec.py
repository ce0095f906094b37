"""JSON encoding of schema-driven messages: the NDM/XML tree as nested objects with keyword keys.

``{"id": "CCSDS_CDM_VERS", "version": "1.0", "header": {...}, "body": {"relativeMetadataData":
{...}, "segment": [{...}, {...}]}}``, the way TraCSS serves CDMs. Keyword values are JSON numbers in
the standard's file units (``X`` in km) or strings (times, text); ``COMMENT`` is a list; repeated
blocks (and blocks sharing a name) are lists; user parameters are ``USER_DEFINED_<name>`` members.
Reading also takes ``{"units": u, "Value": v}`` values, values as strings (Space-Track style), the
``CCSDS_CDM_VERS`` member form and one-message wrappers such as ``{"tracssCdms": [...]}``.
"""

from __future__ import annotations

import json
from typing import Any

from openstc.formats.model import Block, Message, ReadContext
from openstc.formats.schema import BlockSpec, MessageSpec
from openstc.formats.values import MISSING, comment_text, format_float, format_value, parse_value
from openstc.formats.writeorder import items


def _unwrap(spec: MessageSpec, obj: Any, ctx: ReadContext) -> dict[str, Any]:
    for _ in range(4):
        if isinstance(obj, list):
            if len(obj) != 1:
                raise ctx.error(f"JSON holds {len(obj)} messages; expected one", code="FORMAT_UNSUPPORTED")
            obj = obj[0]
            continue
        if not isinstance(obj, dict):
            break
        if "version" in obj or spec.version_keyword in obj or "header" in obj:
            return obj
        if len(obj) == 1:
            (obj,) = obj.values()
            continue
        break
    raise ctx.error(f"JSON content is not a {spec.name} message object", code="FORMAT_UNSUPPORTED")


def read_json(spec: MessageSpec, text: str, ctx: ReadContext) -> tuple[str, Block]:
    try:
        obj = json.loads(text)
    except ValueError as exc:
        raise ctx.error(f"invalid JSON: {exc}", code="FORMAT_SYNTAX") from None
    return read_object(spec, _unwrap(spec, obj, ctx), ctx)


def read_object(spec: MessageSpec, obj: dict[str, Any], ctx: ReadContext) -> tuple[str, Block]:
    version = obj.get(spec.version_keyword, obj.get("version"))
    if version is None or str(version).strip() == "":
        raise ctx.error("message has no version", code="FORMAT_MISSING_KEYWORD", keyword=spec.version_keyword)
    version = str(version).strip()
    if isinstance(obj.get("version"), float):
        version = f"{obj['version']:.1f}"
    rest = {k: v for k, v in obj.items() if k not in ("id", "version", spec.version_keyword)}
    root = Block(spec.root)
    _read_block(rest, root, ctx, "")
    return version, root


def _scalar_text(value: Any) -> tuple[str, str | None]:
    unit = None
    if isinstance(value, dict) and ("Value" in value or "value" in value):
        unit = value.get("units")
        value = value.get("Value", value.get("value"))
    if value is None:
        return "", unit
    if isinstance(value, bool):
        return ("YES" if value else "NO"), unit
    if isinstance(value, float):
        return repr(value), unit
    if isinstance(value, list):
        return " ".join(str(v) for v in value), unit
    return str(value), unit


def _choose(cands: list[BlockSpec], obj: Any) -> BlockSpec:
    if len(cands) > 1 and isinstance(obj, dict):
        for key in obj:
            for cs in cands:
                if key in cs.kwmap or any(key == g.name for g in cs.children):
                    return cs
    return cands[0]


def _read_block(obj: Any, block: Block, ctx: ReadContext, path: str) -> None:
    if not isinstance(obj, dict):
        raise ctx.error(f"expected an object for {block.spec.name}", code="FORMAT_SYNTAX", path=path or "/")
    spec = block.spec
    for key, value in obj.items():
        kpath = f"{path}/{key}"
        if key == "COMMENT":
            block.comments.extend(
                comment_text(str(c)) for c in (value if isinstance(value, list) else [value])
            )
            continue
        kw = spec.kwmap.get(key)
        if kw is not None:
            text, unit = _scalar_text(value)
            v = parse_value(kw, text, unit, ctx, path=kpath)
            if v is not MISSING:
                block.values[kw.name] = v
            continue
        if spec.user_defined and key.startswith("USER_DEFINED"):
            if key == "USER_DEFINED" and isinstance(value, list):
                for item in value:
                    if isinstance(item, dict) and "parameter" in item:
                        block.user[str(item["parameter"])] = _scalar_text(item.get("value", ""))[0]
            elif key == "USER_DEFINED" and isinstance(value, dict):
                block.user.update({str(k): _scalar_text(v)[0] for k, v in value.items()})
            else:
                block.user[key[len("USER_DEFINED_") :]] = _scalar_text(value)[0]
            continue
        cands = [cs for cs in spec.children if cs.name == key]
        if cands:
            for i, item in enumerate(value if isinstance(value, list) else [value]):
                cs = _choose(cands, item)
                if not cs.repeat and any(c.spec is cs for c in block.children):
                    raise ctx.error(
                        f"unexpected second {key}",
                        code="FORMAT_UNEXPECTED_KEYWORD",
                        path=f"{kpath}/{i}",
                        keyword=key,
                    )
                sub = Block(cs)
                block.children.append(sub)
                _read_block(item, sub, ctx, f"{kpath}/{i}" if isinstance(value, list) else kpath)
                if cs.data is not None:
                    cs.data.finish(sub, ctx, None)
            continue
        if key.startswith(("COMMENT_", "COMMENT ")):
            ctx.warn(
                f"non-standard member {key} kept as a comment",
                path=kpath,
                keyword=key,
                code="FORMAT_UNEXPECTED_KEYWORD",
            )
            block.comments.append(f"{key} = {_scalar_text(value)[0]}")
            continue
        if spec.data is not None and spec.data.json_read(block, key, value, ctx):
            continue
        raise ctx.error(
            f"unexpected member {key} in {spec.name}",
            code="FORMAT_UNEXPECTED_KEYWORD",
            path=kpath,
            keyword=key,
        )


# -- writing ------------------------------------------------------------------------------------


def message_object(msg: Message, *, units: bool = False) -> dict[str, Any]:
    """The JSON object of ``msg``. ``units=True`` writes values that carry a unit the TraCSS way,
    ``{"units": "km", "Value": 6503.514}``; otherwise plain numbers in the standard's units."""
    out: dict[str, Any] = {"id": msg.spec.version_keyword, "version": msg.version}
    out.update(_block_object(msg.root, units))
    return out


def write_json(msg: Message, *, units: bool = False) -> str:
    return json.dumps(message_object(msg, units=units), indent=2, ensure_ascii=False) + "\n"


def _block_object(b: Block, units: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if b.comments:
        out["COMMENT"] = list(b.comments)
    names = [c.spec.name for c in b.children]
    for kind, item in items(b):
        if kind == "kw":
            kw, value = item
            text = format_value(kw, value)
            v: Any = text
            if kw.kind == "float":
                v = float(text)
            elif kw.kind == "int":
                v = int(text)
            if units and kw.unit and kw.kind in ("float", "floats"):
                v = {"units": kw.unit, "Value": v}
            out[kw.name] = v
        elif kind == "user":
            name, value = item
            out[f"USER_DEFINED_{name}"] = value
        elif kind == "data":
            assert b.spec.data is not None
            out.update(b.spec.data.json_write(b))
        else:
            name = item.spec.name
            sub = _block_object(item, units)
            if item.spec.repeat or names.count(name) > 1:
                out.setdefault(name, []).append(sub)
            else:
                out[name] = sub
    return out


__all__ = ["format_float", "read_json", "read_object", "write_json"]
