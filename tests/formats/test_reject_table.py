"""Every broken file that ORACLES.md lists is refused with the mapped code, keyword and line, and every
other message file in tests/data/ccsds parses.

One table for all message types (CDM, OCM, OEM, OMM, OPM, NDM) so a new REJECT row in ORACLES.md
cannot go unnoticed: ``test_table_covers_oracles`` reads ORACLES.md and fails on a REJECT file the
table lacks. ``test_every_other_file_parses`` walks the whole data tree.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ccsds_paths import DATA

from openstc import formats
from openstc.errors import FormatError

OREKIT = "orekit/src/test/resources/ccsds/"

# path under tests/data/ccsds -> (code, keyword, line, words the message must contain).
# Orekit's exception for each row is in ORACLES.md; the mapping is UNINITIALIZED_VALUE_FOR_KEY ->
# FORMAT_MISSING_KEYWORD, UNABLE_TO_PARSE_ELEMENT_IN_FILE -> FORMAT_BAD_VALUE, UNABLE_TO_PARSE_LINE_IN_FILE
# and WRONG_NB_COMPONENTS -> FORMAT_BAD_DATA_LINE, CCSDS_UNEXPECTED_KEYWORD -> FORMAT_UNEXPECTED_KEYWORD,
# INCOMPATIBLE_UNITS -> FORMAT_BAD_UNIT, CCSDS_INCONSISTENT_TIME_SYSTEMS -> FORMAT_INCONSISTENT,
# UNSUPPORTED_FILE_FORMAT -> FORMAT_UNSUPPORTED.
Row = tuple[str, str | None, int | None, tuple[str, ...]]
REJECTS: dict[str, Row] = {
    # 1.2 CDM
    "cdm/CDM-missing-TCA.txt": ("FORMAT_MISSING_KEYWORD", "TCA", 5, ("TCA", "not been initialized")),
    "cdm/CDM-missing-object2-state-vector.txt": ("FORMAT_MISSING_KEYWORD", "X", 52, ("mandatory",)),
    "cdm/CDM-missing-object1-covariance-block.xml": ("FORMAT_MISSING_KEYWORD", "CR_R", 62, ("CR_R",)),
    "cdm/CDM-covariance-wrong-entry-format.txt": ("FORMAT_BAD_VALUE", "CRDOT_T", 65, ("expected",)),
    "cdm/CDMExample1InvalidTca.txt": ("FORMAT_BAD_DATE", "TCA", 5, ("non-existent date 2010-04-31",)),
    "cdm/CDMExample_issue1319_mandatory_empty_value.xml": (
        "FORMAT_MISSING_KEYWORD",
        "X",
        88,
        ("value for key X has not been initialized",),
    ),
    "cdm/CDM-wrong-key-word.txt": ("FORMAT_UNEXPECTED_KEYWORD", "WRONG_KEYWORD", 6, ("unexpected",)),
    # 2.2 OCM
    "odm/ocm/OCM-missing-t0.txt": ("FORMAT_MISSING_KEYWORD", "EPOCH_TZERO", None, ("mandatory",)),
    "odm/ocm/OCM-missing-maneuver-time.txt": ("FORMAT_MISSING_KEYWORD", "MAN_COMPOSITION", 11, ("MAN-45",)),
    "odm/ocm/OCM-wrong-time-span.txt": ("FORMAT_BAD_VALUE", "TIME_SPAN", 11, ("WRONG", "expected")),
    "odm/ocm/OCM-missing-revnum-basis.txt": ("FORMAT_MISSING_KEYWORD", "ORB_REVNUM_BASIS", 13, ()),
    "odm/ocm/OCM-spurious-metadata-section.txt": ("FORMAT_UNEXPECTED_KEYWORD", "META", 13, ()),
    "odm/ocm/OCM-incompatible-units-dimension.txt": ("FORMAT_BAD_UNIT", "TRAJ_UNITS", 11, ("[m]",)),
    "odm/ocm/OCM-incompatible-units-scale.txt": ("FORMAT_BAD_UNIT", "TRAJ_UNITS", 11, ("[m]", "[km")),
    "odm/ocm/OCM-wrong-nb-elements.txt": ("FORMAT_BAD_DATA_LINE", None, 14, ("CARTP", "expected")),
    # 3 OMM
    "odm/omm/OMM-wrong-keyword.txt": ("FORMAT_UNEXPECTED_KEYWORD", "WRONG_KEYWORD", 9, ()),
    "odm/omm/OMM-number-format-error.txt": ("FORMAT_BAD_VALUE", "ARG_OF_PERICENTER", 15, ("expected",)),
    "odm/omm/OMM-empty-object-id.txt": ("FORMAT_MISSING_KEYWORD", "OBJECT_ID", 6, ()),
    "odm/omm/OMM-empty-object-id.xml": ("FORMAT_MISSING_KEYWORD", "OBJECT_ID", 11, ()),
    "odm/omm/spurious-metadata.xml": ("FORMAT_UNEXPECTED_KEYWORD", "metadata", 17, ()),
    # 4 OEM
    "odm/oem/OEM-ephemeris-number-format-error.txt": ("FORMAT_BAD_DATA_LINE", None, 44, ("this-is-not",)),
    "odm/oem/OEM-covariance-number-format-error.txt": ("FORMAT_BAD_DATA_LINE", None, 52, ("this-is-not",)),
    "odm/oem/OEM-inconsistent-time-systems.txt": ("FORMAT_INCONSISTENT", "TIME_SYSTEM", None, ("UTC", "TCG")),
    "odm/oem/OEM-wrong-keyword.txt": ("FORMAT_UNEXPECTED_KEYWORD", "WRONG_KEYWORD", 19, ()),
    "odm/oem/OEM-keyword-within-ephemeris.txt": (
        "FORMAT_UNEXPECTED_KEYWORD",
        "USER_DEFINED_TEST_KEY",
        24,
        (),
    ),
    "odm/oem/OEM-keyword-within-covariance.txt": (
        "FORMAT_UNEXPECTED_KEYWORD",
        "USER_DEFINED_TEST_KEY",
        91,
        (),
    ),
    "odm/oem/OEM-too-large-covariance-dimension.txt": ("FORMAT_BAD_DATA_LINE", None, 91, ()),
    "odm/oem/OEM-too-small-covariance-dimension.txt": ("FORMAT_BAD_VALUE", "EPOCH", 89, ("covariance",)),
    "odm/oem/OEM-too-many-covariance-columns.txt": ("FORMAT_BAD_DATA_LINE", None, 51, ("expected",)),
    "odm/oem/OEM-too-few-covariance-columns.txt": ("FORMAT_BAD_DATA_LINE", None, 55, ("expected",)),
    # 5 OPM (strict unit checking: we always check units)
    "odm/opm/OPM-wrong-keyword.txt": ("FORMAT_UNEXPECTED_KEYWORD", "WRONG_KEYWORD", 11, ()),
    "odm/opm/spurious-metadata.xml": ("FORMAT_UNEXPECTED_KEYWORD", "metadata", 23, ()),
    "odm/opm/OPM-number-format-error.txt": ("FORMAT_BAD_VALUE", "SEMI_MAJOR_AXIS", 17, ("expected",)),
    "odm/opm/OPM-incompatible-units.txt": ("FORMAT_BAD_UNIT", "SOLAR_RAD_AREA", 20, ("[s]",)),
    "odm/opm/OPM-non-standard-units.txt": ("FORMAT_BAD_UNIT", "X", 16, ("[m]", "[km]")),
    # not in ORACLES.md: a maneuver without MAN_DURATION (mandatory in 502.0-B-3 §3.2.4)
    "odm/opm/OPMExamplePartialManeuver.txt": ("FORMAT_MISSING_KEYWORD", "MAN_DURATION", 23, ()),
    # 5 NDM
    "ndm/wrong-format.txt": ("FORMAT_UNSUPPORTED", None, None, ()),
    "ndm/NDM-opm-entity.xml": ("FORMAT_UNSAFE_XML", None, None, ()),
}

# ORACLES.md REJECT entries that parse: the failure is in a later step (frame or body lookup,
# launch-designator access), which is not the format layer's job.
LATER_STEP = {"OPM-no-designator.txt", "OPM-unknown-center.txt", "OPM-unknown-frame.txt"}

# files in the data tree that are not CCSDS messages at all (licences, TLE sets, lexical test documents
# whose root is <greeting>, fragments that a test glues together); each is refused as unsupported/partial.
NOT_MESSAGES = {
    "LICENSE.txt",
    "NOTICE.txt",
    "bluebook.tle",
    "SGP4-VER.TLE",
    "tcppver.out",
    "OEMExample7.txt.pre",
    "OEMExample7.txt.post",
}
NOT_MESSAGE_DIRS = {"lexical"}
SKIP_SUFFIXES = {".md", ".pdf", ".xlsx", ".csv", ""}


def _read(rel: str) -> object:
    path = DATA / rel
    return formats.read(path.read_bytes(), source=path.name)


@pytest.mark.parametrize("rel", sorted(REJECTS), ids=lambda r: r.rsplit("/", 1)[-1])
def test_rejected_with_code_keyword_and_line(rel: str) -> None:
    code, keyword, line, words = REJECTS[rel]
    with pytest.raises(FormatError) as info:
        _read(OREKIT + rel)
    err = info.value
    assert (err.code, err.keyword) == (code, keyword), str(err)
    assert err.source == rel.rsplit("/", 1)[-1]
    if line is not None:
        assert err.line == line, str(err)
    if keyword is not None or code == "FORMAT_BAD_DATA_LINE":
        # a located error: a line number (text) or an element path (XML) says where
        assert err.line is not None or err.path is not None
    if rel.endswith(".xml") and keyword is not None:
        assert err.path is not None and err.path.startswith("/"), str(err)
    for word in words:
        assert word in str(err)


def test_omm_parser_refuses_an_oem() -> None:
    """ORACLES.md 3: an OEM passed to the OMM reader is refused as the wrong message type."""
    path = DATA / OREKIT / "odm" / "oem" / "OEMExample1.txt"
    with pytest.raises(FormatError) as info:
        formats.read(path.read_bytes(), type="OMM", source=path.name)
    assert info.value.code == "FORMAT_UNSUPPORTED"
    assert info.value.line == 1 and "CCSDS_OMM_VERS was expected" in str(info.value)


def _oracle_reject_names() -> set[str]:
    """Backticked file names of every REJECT entry in ORACLES.md, whatever the section's layout."""
    names: set[str] = set()
    in_table = in_list = False
    for line in (DATA / "ORACLES.md").read_text(encoding="utf-8").splitlines():
        if "Files Orekit REJECTS" in line:
            in_table = True
            continue
        if line.startswith("- OPM REJECT"):
            in_list = True
            continue
        if in_table and not line.startswith("|"):
            in_table = False
        if in_list and not line.startswith("  - "):
            in_list = False
        rejecting = (
            line.startswith("| REJECT")
            or (in_table and not line.startswith(("| file", "|---")))
            or in_list
            or "UNSUPPORTED_FILE_FORMAT" in line
            or "XXE" in line
        )
        if rejecting:
            head = line.split("→")[0].split("|")[:3]
            names.update(re.findall(r"`([\w.\-]+\.(?:txt|xml))`", " ".join(head)))
    return names


def test_table_covers_oracles() -> None:
    names = _oracle_reject_names()
    assert len(names) >= 35  # sanity: the parser above found the sections
    covered = {rel.rsplit("/", 1)[-1] for rel in REJECTS} | LATER_STEP
    assert names - covered == set()


@pytest.mark.parametrize("name", sorted(LATER_STEP))
def test_later_step_rejects_parse(name: str) -> None:
    assert _read(OREKIT + "odm/opm/" + name) is not None


def _message_files() -> list[Path]:
    out = []
    for p in sorted(DATA.rglob("*")):
        if not p.is_file() or p.suffix in SKIP_SUFFIXES or p.name == "LICENSE":
            continue
        out.append(p)
    return out


def test_every_other_file_parses() -> None:
    rejected = {(DATA / OREKIT / rel) for rel in REJECTS}
    parsed = 0
    failures = []
    for path in _message_files():
        if path in rejected:
            continue
        not_message = path.name in NOT_MESSAGES or NOT_MESSAGE_DIRS & set(path.parts)
        try:
            formats.read(path.read_bytes(), source=path.name)
        except FormatError as err:
            if not not_message:
                failures.append(f"{path.relative_to(DATA)}: {err}")
            continue
        if not_message and "lexical" not in path.parts:
            failures.append(f"{path.relative_to(DATA)} parsed but is listed as not a message")
        parsed += 1
    assert not failures, failures
    assert parsed >= 230


# -- XML errors are located by element path, for every message type -----------------------------------
XML_SAMPLES = {
    "CDM": (OREKIT + "cdm/CDMExample1.xml", "OBJECT_NAME", "MISS_DISTANCE"),
    "OPM": ("ccsds-ndm-jochimmaene/data/xml/opm_g5.xml", "OBJECT_NAME", "X"),
    "OMM": (OREKIT + "odm/omm/OMMExample2.xml", "OBJECT_NAME", "MEAN_MOTION"),
    "OEM": (OREKIT + "odm/oem/OEMExample3.xml", "OBJECT_NAME", "X"),
    "OCM": ("ccsds-ndm-jochimmaene/data/xml/ocm_g20.xml", "EPOCH_TZERO", "EPOCH_TZERO"),
}


@pytest.mark.parametrize("kind", sorted(XML_SAMPLES))
@pytest.mark.parametrize("defect", ["unknown element", "bad value", "missing mandatory"])
def test_xml_errors_carry_path_line_keyword(kind: str, defect: str) -> None:
    rel, mandatory, numeric = XML_SAMPLES[kind]
    text = (DATA / rel).read_text(encoding="utf-8")
    if defect == "unknown element":
        bad, code = (
            text.replace("<metadata>", "<metadata><WRONG_KW>1</WRONG_KW>", 1),
            "FORMAT_UNEXPECTED_KEYWORD",
        )
    elif defect == "bad value":
        bad, code = re.sub(rf"<{numeric}( [^>]*)?>[^<]+<", rf"<{numeric}\1>abc<", text, count=1), None
    else:
        bad, code = re.sub(rf"<{mandatory}>[^<]*</{mandatory}>", "", text, count=1), "FORMAT_MISSING_KEYWORD"
    assert bad != text
    with pytest.raises(FormatError) as info:
        formats.read(bad, source=kind)
    err = info.value
    assert code is None or err.code == code, str(err)
    assert err.line is not None and err.path is not None and err.path.startswith(f"/{kind.lower()}/"), str(
        err
    )
    assert err.keyword is not None or err.code == "FORMAT_BAD_DATA_LINE", str(err)
    assert str(err).startswith(f"{kind}:line {err.line}:{err.path}")
