"""Checks run on every schema-driven message once read, whatever the encoding.

Mandatory keywords and blocks (FORMAT_MISSING_KEYWORD), the version (FORMAT_BAD_VALUE), the time
system of times below a ``TIME_SYSTEM`` keyword (set on their :class:`Epoch`), and the block and
message ``check`` hooks of the schema.
"""

from __future__ import annotations

from openstc.formats.ccsds_time import KNOWN_SYSTEMS, Epoch
from openstc.formats.model import Block, Message, ReadContext


def check_mandatory(block: Block, ctx: ReadContext) -> None:
    spec = block.spec
    for kw in spec.keywords:
        if kw.mandatory and kw.name not in block.values:
            raise ctx.error(
                f"value for key {kw.name} has not been initialized (mandatory in {spec.key})",
                code="FORMAT_MISSING_KEYWORD",
                line=block.line,
                path=block.path,
                keyword=kw.name,
            )
    for cs in spec.children:
        if cs.mandatory and not any(c.spec is cs for c in block.children):
            name = cs.first_mandatory()
            raise ctx.error(
                f"value for key {name} has not been initialized (block {cs.key} missing in {spec.key})",
                code="FORMAT_MISSING_KEYWORD",
                line=block.line,
                path=block.path,
                keyword=name,
            )
    for c in block.children:
        check_mandatory(c, ctx)
    if spec.check is not None:
        spec.check(block, ctx)


def apply_time_system(msg: Message, ctx: ReadContext) -> None:
    scope = msg.spec.time_scope
    if scope is None:
        return
    for b in msg.root.walk():
        if b.spec.key != scope:
            continue
        ts = None
        for d in b.walk():
            if "TIME_SYSTEM" in d.values:
                ts = str(d.values["TIME_SYSTEM"]).upper()
                break
        if ts is None or ts == "UTC":
            continue
        if ts not in KNOWN_SYSTEMS:
            ctx.warn(f"unknown time system {ts}", keyword="TIME_SYSTEM", line=b.line)
        for d in b.walk():
            for k, v in d.values.items():
                if isinstance(v, Epoch):
                    d.values[k] = v.with_scale(ts)


def _is_empty(b: Block) -> bool:
    return not (b.values or b.user or b.data is not None or b.children)


def prune_empty(block: Block) -> None:
    """Drop optional blocks that carry nothing (all values NaN/empty) and move comments of pure
    containers to their first block: their comments go where a KVN reader puts them, so every
    encoding reads back the same model."""
    for c in block.children:
        prune_empty(c)
    kept: list[Block] = []
    carry: list[str] = []
    for c in block.children:
        if _is_empty(c) and not c.spec.mandatory:
            carry.extend(c.comments)
            continue
        if carry:
            c.comments[:0] = carry
            carry = []
        kept.append(c)
    if carry:
        block.comments.extend(carry)
    spec = block.spec
    # the standard's order (stable for repeated blocks), whatever order the file had
    kept.sort(key=lambda c: spec.children.index(c.spec) if c.spec in spec.children else len(spec.children))
    block.children[:] = kept
    if block.comments and kept and not spec.keywords and not spec.user_defined and spec.data is None:
        # a pure container (``data``, ``segment``) has no place for comments in KVN: they belong to
        # its first block there, so they go there in every encoding
        kept[0].comments[:0] = block.comments
        block.comments = []


def finish_message(msg: Message, ctx: ReadContext) -> None:
    spec = msg.spec
    prune_empty(msg.root)
    if spec.versions and msg.version not in spec.versions:
        raise ctx.error(
            f"{spec.version_keyword} {msg.version!r} not supported (expected {', '.join(spec.versions)})",
            code="FORMAT_BAD_VALUE",
            line=1,
            keyword=spec.version_keyword,
        )
    check_mandatory(msg.root, ctx)
    apply_time_system(msg, ctx)
    if spec.check is not None:
        spec.check(msg, ctx)
