"""Every CCSDS keyword is declared once (issue #2): one declaration type, no conflicting re-declarations.

Walks the declaration tables of every message type (CDM, OPM, OEM, OMM, OCM) and checks that (1) all are
:class:`~openstc.formats.schema.Keyword`; (2) within a message type a keyword name has one declaration
(one object); (3) the shared ODM groups (header, common metadata, Cartesian state, spacecraft
parameters, 6x6 covariance names) are the same objects in every message that uses them; (4) no two
separate declarations anywhere carry the same name, kind, unit and flags (they would be the same keyword
declared twice); and (5) the OEM/OCM/OMM mandatory checks follow the declarations' ``mandatory`` flag.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import pytest

from openstc.errors import FormatError
from openstc.formats import cdm_schema, ocm, ocm_keys, odm_keys, oem, oem_keys, omm_keys, opm
from openstc.formats.ccsds_time import parse_time
from openstc.formats.oem import Oem
from openstc.formats.omm import Omm
from openstc.formats.schema import KINDS, BlockSpec, Keyword


def _walk(root: BlockSpec) -> Iterator[Keyword]:
    for spec in root.walk():
        yield from spec.keywords


def _tables() -> dict[str, list[Keyword]]:
    """Every declaration of every message type (a keyword object may appear in several blocks)."""
    return {
        "CDM": list(_walk(cdm_schema.ROOT)),
        "OPM": list(_walk(opm.ROOT)),
        "OEM": [*oem.HEADER.values(), *oem.METADATA.values(), oem.COV_EPOCH],
        "OMM": [kw for _, decl in omm_keys.SECTIONS for kw in decl.values()]
        + list(omm_keys.COVARIANCE.values()),
        "OCM": [
            *ocm_keys.HEADER.values(),
            *ocm_keys.METADATA.values(),
            *(kw for decl in ocm._BLOCKS.values() for kw in decl.values()),
        ],
    }


def _signature(kw: Keyword) -> tuple[object, ...]:
    return (kw.name, kw.kind, kw.unit, kw.mandatory, kw.si, kw.upper, kw.choices, kw.alt_units)


def test_one_declaration_type() -> None:
    for msg, kws in _tables().items():
        assert kws, msg
        for kw in kws:
            assert isinstance(kw, Keyword), (msg, kw)
            assert kw.kind in KINDS
    assert not hasattr(oem_keys, "Key"), "the second declaration type is gone"


@pytest.mark.parametrize("msg", ["CDM", "OPM", "OEM", "OMM", "OCM"])
def test_no_keyword_declared_twice_in_a_message(msg: str) -> None:
    by_name: dict[str, dict[int, Keyword]] = defaultdict(dict)
    for kw in _tables()[msg]:
        by_name[kw.name][id(kw)] = kw
    twice = {n: [_signature(k) for k in ks.values()] for n, ks in by_name.items() if len(ks) > 1}
    assert not twice, f"{msg}: keywords declared more than once: {twice}"


def test_shared_groups_are_the_same_objects() -> None:
    t = {msg: {id(kw) for kw in kws} for msg, kws in _tables().items()}
    groups = {
        "header": (odm_keys.HEADER, ("OPM", "OEM", "OMM", "OCM")),
        "metadata": (odm_keys.METADATA, ("OPM", "OEM", "OMM")),
        "cartesian state": (odm_keys.CARTESIAN_STATE, ("CDM", "OPM")),
        "spacecraft": (odm_keys.SPACECRAFT, ("OPM", "OMM")),
        "covariance": ((odm_keys.COV_REF_FRAME, *odm_keys.COVARIANCE), ("OPM", "OMM")),
        "creation": ((odm_keys.CREATION_DATE, odm_keys.ORIGINATOR), ("CDM",)),
    }
    for group, (kws, users) in groups.items():
        for msg in users:
            missing = [kw.name for kw in kws if id(kw) not in t[msg]]
            assert not missing, f"{msg} re-declares the shared {group} keywords {missing}"
    # OEM and OMM covariance lines use the shared names (in their order)
    assert [k for k, _, _ in oem.COV_KEYS] == [kw.name for kw in odm_keys.COVARIANCE]
    assert len(odm_keys.COVARIANCE) == 21


def test_no_identical_declarations_in_two_places() -> None:
    """Two separate objects with the same name, kind, unit and flags are one keyword declared twice."""
    places: dict[tuple[object, ...], dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for msg, kws in _tables().items():
        for kw in kws:
            places[_signature(kw)][id(kw)].add(msg)
    twice = {sig[0]: sorted(map(sorted, objs.values())) for sig, objs in places.items() if len(objs) > 1}
    assert not twice, f"declared in more than one place: {twice}"


def test_same_name_across_messages_differs_only_where_the_standards_differ() -> None:
    """A name declared differently in two message types: only these, for reasons of the standards."""
    sigs: dict[str, set[tuple[object, ...]]] = defaultdict(set)
    for kws in _tables().values():
        for kw in kws:
            sigs[kw.name].add(_signature(kw)[1:4])
    differing = {n for n, s in sigs.items() if len(s) > 1}
    assert differing <= _DIFFER_BY_STANDARD, differing - _DIFFER_BY_STANDARD


_DIFFER_BY_STANDARD = {
    "CENTER_NAME",  # optional in the OCM trajectory
    "TIME_SYSTEM",  # optional in the OCM metadata
    "OBJECT_NAME",  # optional in the OCM
    "START_TIME",  # optional in the OCM
    "STOP_TIME",
    "MESSAGE_ID",  # mandatory in the CDM
    "GM",  # mandatory in the OPM Keplerian elements
    "INCLINATION",  # the OMM keeps deg (SGP4 exactness); optional in the CDM
    "RA_OF_ASC_NODE",
    "ARG_OF_PERICENTER",
    "MEAN_ANOMALY",
    "SEMI_MAJOR_AXIS",  # mandatory in the OPM
    "OBJECT_TYPE",  # an enum in the CDM
    "COV_CONFIDENCE",  # CDM: no unit; OCM: %
    "OD_EPOCH",  # OCM: relative time
    "OEB_PARENT_FRAME_EPOCH",
    "MAN_REF_FRAME",  # mandatory in the OPM maneuver
    "CATALOG_NAME",  # mandatory in the CDM, optional in the OCM
    "INTERNATIONAL_DESIGNATOR",
    "OBJECT_DESIGNATOR",
    "USEABLE_START_TIME",  # OCM: relative time
    "USEABLE_STOP_TIME",
    # the CDM XYZ covariance is written in m**2, the ODM 6x6 covariance in km**2
    *("CX_X", "CY_X", "CY_Y", "CZ_X", "CZ_Y", "CZ_Z"),
}


# ------------------------------------------------------------- mandatory checks follow the declarations
def _omm_kvn() -> str:
    omm = Omm.from_element_set(
        Omm.from_kvn(_OMM).to_element_set(), creation=parse_time("2024-01-01T00:00:00")
    )
    return omm.to_kvn()


_OMM = """CCSDS_OMM_VERS = 3.0
CREATION_DATE = 2024-01-01T00:00:00
ORIGINATOR = TEST
OBJECT_NAME = SAT
OBJECT_ID = 2024-001A
CENTER_NAME = EARTH
REF_FRAME = TEME
TIME_SYSTEM = UTC
MEAN_ELEMENT_THEORY = SGP4
EPOCH = 2024-01-01T12:00:00
MEAN_MOTION = 15.5
ECCENTRICITY = 0.001
INCLINATION = 51.6
RA_OF_ASC_NODE = 10.0
ARG_OF_PERICENTER = 20.0
MEAN_ANOMALY = 30.0
NORAD_CAT_ID = 99999
"""


@pytest.mark.parametrize(
    "name", [k.name for k in (*omm_keys.METADATA.values(), *omm_keys.MEAN_ELEMENTS.values()) if k.mandatory]
)
def test_omm_mandatory_keywords_come_from_the_declarations(name: str) -> None:
    text = "".join(line + "\n" for line in _omm_kvn().splitlines() if not line.startswith(name + " "))
    with pytest.raises(FormatError) as exc:
        Omm.from_kvn(text)
    assert exc.value.code == "FORMAT_MISSING_KEYWORD" and exc.value.keyword == name


_OEM = """CCSDS_OEM_VERS = 2.0
CREATION_DATE = 2024-01-01T00:00:00
ORIGINATOR = TEST
META_START
OBJECT_NAME = SAT
OBJECT_ID = 2024-001A
CENTER_NAME = EARTH
REF_FRAME = EME2000
TIME_SYSTEM = UTC
START_TIME = 2024-01-01T00:00:00
STOP_TIME = 2024-01-01T00:01:00
META_STOP
2024-01-01T00:00:00 7000 0 0 0 7.5 0
2024-01-01T00:01:00 7000 450 0 0 7.5 0
"""


def test_oem_example_reads() -> None:
    assert len(Oem.from_kvn(_OEM).segments) == 1


@pytest.mark.parametrize(
    "name", [k.name for k in (*oem.HEADER.values(), *oem.METADATA.values()) if k.mandatory]
)
def test_oem_mandatory_keywords_come_from_the_declarations(name: str) -> None:
    text = "".join(line + "\n" for line in _OEM.splitlines() if not line.startswith(name + " "))
    with pytest.raises(FormatError) as exc:
        Oem.from_kvn(text)
    assert exc.value.code == "FORMAT_MISSING_KEYWORD" and exc.value.keyword == name


def test_ocm_mandatory_keywords_are_declared() -> None:
    assert [k.name for k in ocm_keys.HEADER.values() if k.mandatory] == ["CREATION_DATE", "ORIGINATOR"]
    assert [k.name for k in ocm_keys.METADATA.values() if k.mandatory] == ["EPOCH_TZERO"]


def test_omm_empty_mandatory_metadata_is_an_error_at_its_line() -> None:
    with pytest.raises(FormatError) as exc:
        Omm.from_kvn(_OMM.replace("CENTER_NAME = EARTH", "CENTER_NAME ="))
    assert (exc.value.code, exc.value.keyword, exc.value.line) == ("FORMAT_MISSING_KEYWORD", "CENTER_NAME", 6)


def test_flat_json_omm_defaults_empty_frame_keywords() -> None:
    flat = {
        "OBJECT_NAME": "SAT",
        "OBJECT_ID": "2024-001A",
        "EPOCH": "2024-01-01T12:00:00",
        "MEAN_MOTION": 15.5,
        "ECCENTRICITY": 0.001,
        "INCLINATION": 51.6,
        "RA_OF_ASC_NODE": 10.0,
        "ARG_OF_PERICENTER": 20.0,
        "MEAN_ANOMALY": 30.0,
        "CENTER_NAME": None,
        "REF_FRAME": "",
    }
    omm = Omm.from_json(flat)
    assert (omm.metadata["CENTER_NAME"], omm.metadata["REF_FRAME"]) == ("EARTH", "TEME")
    assert sum("empty value" in str(w) for w in omm.warnings) == 2
