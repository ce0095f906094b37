"""A CDM as TraCSS's flat V2 record: UPPER_SNAKE keywords, ``SAT1_``/``SAT2_`` object prefixes, units
as separate ``*_UNIT`` keys, every value a string (the bulk/metadata ``default`` form, and what
:func:`openstc.store.cdms.store_cdms` ingests).

Values are written in the units the CDM standard uses in files (``MISS_DISTANCE`` in m, states in
km and km/s, ``APPROACH_ANGLE`` in deg), times in the CCSDS form, user-defined parameters as
``USER_DEFINED_<NAME>`` at top level (TraCSS keeps them there), and each failed Pc method as
``COMMENT_FAILED_COLLISION_PROBABILITY_CALCULATION_<METHOD>``: its reason.
"""

from __future__ import annotations

from openstc.events.cdmgen import FAILED_PC_PREFIX, pc_failures
from openstc.formats.cdm import Cdm
from openstc.formats.model import Block
from openstc.formats.values import format_value

# Keywords the flat record names differently from the CDM.
_RENAMED = {"CCSDS_CDM_VERS": "TRACSS_CDM_VERS"}


def _put(out: dict[str, str], block: Block, prefix: str) -> None:
    for name, value in block.values.items():
        kw = block.spec.kwmap[name]
        key = prefix + _RENAMED.get(name, name)
        out[key] = format_value(kw, value)
        if kw.unit and kw.kind in ("float", "floats"):
            out[f"{key}_UNIT"] = kw.unit
    for name, value in block.user.items():
        out[f"USER_DEFINED_{name}"] = value


def tracss_fields(cdm: Cdm) -> dict[str, str]:
    """The flat TraCSS V2 record of ``cdm`` (keyword -> text)."""
    out: dict[str, str] = {"TRACSS_CDM_VERS": cdm.version}
    for block in (cdm.header, *cdm.relative.walk()):
        _put(out, block, "")
    for n, obj in enumerate(cdm.objects, start=1):
        for block in obj.segment.walk():
            if block is not obj.segment:
                _put(out, block, f"SAT{n}_")
    ud = cdm.body.child("userDefinedParameters")
    if ud is not None:
        _put(out, ud, "")
    for method, reason in pc_failures(cdm).items():
        out[FAILED_PC_PREFIX + method] = reason
    return out
