"""Every leniency of the issue is warned, with line and keyword, for every KVN message type.

The issue's list: a unit glued to the value, ``[m]`` for a velocity (CDM relative velocity, the CARA
files), ``NaN``, Unicode minus, empty optional values, ``KEY =VALUE``, lower-case values. Each case edits
one line of a valid file (or inserts one) and checks the reader keeps going and says so on that line;
``strict=True`` turns the same leniency into a FormatError. (XML and JSON have no ``KEY =VALUE`` or unit
forms; their empty/NaN/minus/case leniencies go through the same value parser.)
"""

from __future__ import annotations

import re

import pytest
from ccsds_paths import DATA, OREKIT

from openstc import formats
from openstc.errors import FormatError

FILES = {
    "CDM": OREKIT / "cdm" / "CDMExample1.txt",
    "OPM": OREKIT / "odm" / "opm" / "OPMExample1.txt",
    "OMM": OREKIT / "odm" / "omm" / "OMMExample1.txt",
    "OEM": OREKIT / "odm" / "oem" / "OEMExample1.txt",
    "OCM": DATA / "ccsds-ndm-jochimmaene" / "data" / "kvn" / "ocm_g15.kvn",
}
# (type, leniency) -> (keyword whose line is replaced, or "+KEY" to insert before that keyword, new line,
# keyword the warning names, words of the warning)
CASES: dict[tuple[str, str], tuple[str, str, str, str]] = {
    ("CDM", "glued unit"): ("MISS_DISTANCE", "MISS_DISTANCE = 715[m]", "MISS_DISTANCE", "glued"),
    ("CDM", "[m] for a velocity"): (
        "+OBJECT",
        "RELATIVE_VELOCITY_R = -7.2 [m]",
        "RELATIVE_VELOCITY_R",
        "[m]",
    ),
    ("CDM", "NaN"): ("+OBJECT", "RELATIVE_SPEED = NaN [m/s]", "RELATIVE_SPEED", "NaN"),
    ("CDM", "unicode minus"): ("MISS_DISTANCE", "MISS_DISTANCE = \u2212715 [m]", "MISS_DISTANCE", "minus"),
    ("CDM", "empty optional"): ("+TCA", "MESSAGE_FOR =", "MESSAGE_FOR", "empty"),
    ("CDM", "KEY =VALUE"): ("ORIGINATOR", "ORIGINATOR =JSPOC", "ORIGINATOR", "blank"),
    ("CDM", "lower-case value"): ("REF_FRAME", "REF_FRAME = eme2000", "REF_FRAME", "lower-case"),
    ("OPM", "glued unit"): ("X", "X = 6503.514[km]", "X", "glued"),
    ("OPM", "NaN"): ("MASS", "MASS = NaN", "MASS", "NaN"),
    ("OPM", "unicode minus"): ("X", "X = \u22126503.514", "X", "minus"),
    ("OPM", "empty optional"): ("MASS", "MASS =", "MASS", "empty"),
    ("OPM", "KEY =VALUE"): ("REF_FRAME", "REF_FRAME =ITRF2000", "REF_FRAME", "blank"),
    ("OPM", "lower-case value"): ("REF_FRAME", "REF_FRAME = itrf2000", "REF_FRAME", "lower-case"),
    ("OMM", "glued unit"): ("INCLINATION", "INCLINATION = 3.0539[deg]", "INCLINATION", "glued"),
    ("OMM", "NaN"): ("BSTAR", "BSTAR = NaN", "BSTAR", "NaN"),
    ("OMM", "unicode minus"): ("BSTAR", "BSTAR = \u22120.0001", "BSTAR", "minus"),
    ("OMM", "empty optional"): ("ELEMENT_SET_NO", "ELEMENT_SET_NO =", "ELEMENT_SET_NO", "empty"),
    ("OMM", "KEY =VALUE"): ("REF_FRAME", "REF_FRAME= TEME", "REF_FRAME", "blank"),
    ("OMM", "lower-case value"): ("REF_FRAME", "REF_FRAME = teme", "REF_FRAME", "lower-case"),
    ("OEM", "empty optional"): ("USEABLE_START_TIME", "USEABLE_START_TIME =", "USEABLE_START_TIME", "empty"),
    ("OEM", "KEY =VALUE"): ("REF_FRAME", "REF_FRAME =J2000", "REF_FRAME", "blank"),
    ("OEM", "lower-case value"): ("REF_FRAME", "REF_FRAME = j2000", "REF_FRAME", "lower-case"),
    ("OCM", "glued unit"): ("+EPOCH_TZERO", "TIME_SPAN = 1.0[d]", "TIME_SPAN", "glued"),
    ("OCM", "NaN"): ("+EPOCH_TZERO", "TIME_SPAN = NaN [d]", "TIME_SPAN", "NaN"),
    ("OCM", "unicode minus"): ("+EPOCH_TZERO", "TAIMUTC_AT_TZERO = \u22121 [s]", "TAIMUTC_AT_TZERO", "minus"),
    ("OCM", "empty optional"): ("+EPOCH_TZERO", "OBJECT_NAME =", "OBJECT_NAME", "empty"),
    ("OCM", "KEY =VALUE"): ("TIME_SYSTEM", "TIME_SYSTEM =UTC", "TIME_SYSTEM", "blank"),
    ("OCM", "lower-case value"): ("TIME_SYSTEM", "TIME_SYSTEM = utc", "TIME_SYSTEM", "lower-case"),
}


def _edit(kind: str, where: str, new: str) -> tuple[str, int]:
    lines = FILES[kind].read_text(encoding="utf-8").splitlines()
    key = where.lstrip("+")
    i = next(i for i, ln in enumerate(lines) if re.match(rf"\s*{key}\s*=", ln))
    if where.startswith("+"):
        lines.insert(i, new)
    else:
        lines[i] = new
    return "\n".join(lines) + "\n", i + 1


@pytest.mark.parametrize(("kind", "leniency"), sorted(CASES), ids=lambda v: str(v))
def test_leniency_is_warned_with_line_and_keyword(kind: str, leniency: str) -> None:
    where, new, keyword, words = CASES[(kind, leniency)]
    text, line = _edit(kind, where, new)
    msg = formats.read(text, source=FILES[kind].name)
    hits = [w for w in msg.warnings if w.line == line and w.keyword == keyword]
    assert hits, [str(w) for w in msg.warnings]
    assert any(words.lower() in str(w).lower() for w in hits), [str(w) for w in hits]
    with pytest.raises(FormatError):
        formats.read(text, source=FILES[kind].name, strict=True)


def test_every_type_has_every_leniency() -> None:
    kinds = {k for k, _ in CASES}
    assert kinds == set(FILES)
    for kind in kinds - {"OEM"}:  # OEM KVN keywords carry no units or reals outside the data lines
        assert {leniency for k, leniency in CASES if k == kind} >= {
            "glued unit",
            "NaN",
            "unicode minus",
            "empty optional",
            "KEY =VALUE",
            "lower-case value",
        }, kind


# the sixth type, NDM, exists only in XML: its constituents go through the same value parser
NDM = OREKIT / "ndm" / "NDM-opm.xml"
NDM_CASES = {
    "NaN": ("<MASS>3000.000000</MASS>", "<MASS>NaN</MASS>", "MASS", 33),
    "unicode minus": ("<X>6503.514000</X>", "<X>\u22126503.514000</X>", "X", 25),
    "empty optional": ("<MASS>3000.000000</MASS>", "<MASS></MASS>", "MASS", 33),
    "lower-case value": ("<REF_FRAME>TOD</REF_FRAME>", "<REF_FRAME>tod</REF_FRAME>", "REF_FRAME", 18),
}


@pytest.mark.parametrize("leniency", sorted(NDM_CASES))
def test_ndm_constituent_leniency_is_warned_with_line_path_keyword(leniency: str) -> None:
    old, new, keyword, line = NDM_CASES[leniency]
    text = NDM.read_text(encoding="utf-8")
    assert old in text
    msg = formats.read(text.replace(old, new, 1), source=NDM.name)
    hits = [w for w in formats.registry.warnings_of(msg) if getattr(w, "keyword", None) == keyword]
    assert hits and all(getattr(w, "line", None) == line for w in hits), [str(w) for w in hits]
    assert all(str(getattr(w, "path", "")).startswith("/ndm/opm") for w in hits), [str(w) for w in hits]
