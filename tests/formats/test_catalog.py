"""Catalog readers (CelesTrak CSV/JSON/XML, Space-Track gp JSON) against python-sgp4's oracles.

Oracle: ``sgp4.omm.initialize`` of the same fields, and ``Satrec.twoline2rv`` of the TLE twin (ORACLES.md
section 9). Tolerances: none; Satrecs are compared attribute by attribute, bit for bit.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from sgp4 import omm
from sgp4.api import Satrec

from openstc.errors import FormatError
from openstc.formats.catalog import detect_encoding, load_catalog, read_catalog
from openstc.formats.elset import ElementSet, to_satrec
from openstc.formats.tle import format_tle, read_tle

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[0] / "data"
SGP4_DIR = DATA / "ccsds" / "python-sgp4" / "sgp4"
CATALOG_2024 = DATA / "catalog" / "celestrak_on_orbit_20241101.csv"
CATALOG_2026 = DATA / "catalog" / "celestrak_active_20260710.csv"

VANGUARD_1 = "1 00005U 58002B   20287.20333880 -.00000016  00000-0 -22483-4 0  9998"
VANGUARD_2 = "2 00005  34.2443 225.5254 1845686 162.2516 205.2356 10.84869164218149"


def satrec_fields(sat: Satrec) -> dict[str, object]:
    return {k: getattr(sat, k) for k in dir(sat) if not k.startswith("_") and not callable(getattr(sat, k))}


def assert_same_satrec(expected: Satrec, got: Satrec) -> None:
    a, b = satrec_fields(expected), satrec_fields(got)
    diffs = {k: (a[k], b[k]) for k in a if a[k] != b[k] and not (a[k] != a[k] and b[k] != b[k])}
    assert not diffs, diffs


def omm_satrec(fields: dict[str, str]) -> Satrec:
    sat = Satrec()
    omm.initialize(sat, fields)
    return sat


# --- the two catalog snapshots -------------------------------------------------------------------


@pytest.mark.parametrize(("path", "count"), [(CATALOG_2024, 26834), (CATALOG_2026, 15985)])
def test_snapshot_loads_completely(path: Path, count: int) -> None:
    data = path.read_bytes()
    result = read_catalog(data)
    assert result.encoding == "celestrak-csv"
    assert len(result.elements) == count and result.errors == []
    assert len({es.norad_id for es in result.elements}) == count
    assert all(es.epoch.tzinfo is UTC and es.source == "celestrak-csv" for es in result.elements)


def test_snapshot_2024_facts() -> None:
    elements = load_catalog(CATALOG_2024.read_bytes())
    assert sum(es.norad_id > 99999 for es in elements) == 304
    first = elements[0]
    assert (first.norad_id, first.object_name, first.object_id) == (5, "VANGUARD 1", "1958-002B")
    assert first.epoch == datetime(2024, 10, 29, 12, 18, 43, 492896, tzinfo=UTC)
    assert (first.eccentricity, first.bstar_per_er, first.mean_motion_dot_rev_day2) == (
        0.1843421,
        0.0016091,
        1.286e-5,
    )


@pytest.mark.parametrize("path", [CATALOG_2024, CATALOG_2026])
def test_snapshot_satrecs_equal_sgp4_omm_and_tle_twins(path: Path) -> None:
    """Every 13th row: our Satrec equals sgp4.omm.initialize's; the written TLE reads back to the
    Satrec that Satrec.twoline2rv builds from it (the full files pass too; sampled for speed)."""
    text = path.read_text()
    elements = load_catalog(text)
    rows = list(csv.DictReader(io.StringIO(text)))
    for es, row in list(zip(elements, rows, strict=True))[::13]:
        assert_same_satrec(omm_satrec(row), to_satrec(es))
        line1, line2 = format_tle(es)
        (twin,) = read_tle(f"{line1}\n{line2}\n").elements
        assert_same_satrec(Satrec.twoline2rv(line1, line2), to_satrec(twin))


def test_crlf_and_lf_give_the_same_sets() -> None:
    text = CATALOG_2026.read_text()
    head = "\n".join(text.splitlines()[:200]) + "\n"
    assert load_catalog(head) == load_catalog(head.replace("\n", "\r\n").encode())


# --- python-sgp4's OMM samples and MARIO ---------------------------------------------------------


@pytest.mark.parametrize("name", ["sample_omm.csv", "sample_omm.xml"])
def test_vanguard_omm_equals_tle_twin(name: str) -> None:
    (es,) = load_catalog((SGP4_DIR / name).read_bytes())
    assert_same_satrec(Satrec.twoline2rv(VANGUARD_1, VANGUARD_2), to_satrec(es))
    (tle,) = read_tle(f"{VANGUARD_1}\n{VANGUARD_2}\n").elements
    same = replace(tle, epoch_jd=None, epoch_jd_frac=None, source=es.source, object_name="VANGUARD 1")
    assert es == same


@pytest.mark.parametrize("name", ["mario_55123.xml", "mario_55123.csv"])
def test_mario_omm_equals_tle_twin(name: str) -> None:
    _, line1, line2 = (HERE / "data" / "mario_55123.tle").read_text().splitlines()
    (es,) = load_catalog((HERE / "data" / name).read_text())
    assert_same_satrec(Satrec.twoline2rv(line1, line2), to_satrec(es))
    (tle,) = read_tle((HERE / "data" / "mario_55123.tle").read_text()).elements
    assert_same_satrec(Satrec.twoline2rv(line1, line2), to_satrec(tle))
    assert format_tle(es) == (line1, line2)


def test_mario_xml_has_empty_header_and_is_detected() -> None:
    data = (HERE / "data" / "mario_55123.xml").read_bytes()
    assert b"<CREATION_DATE/><ORIGINATOR/>" in data
    assert detect_encoding(data) == "celestrak-xml"
    (es,) = read_catalog(data).elements
    assert es.source == "celestrak-xml"
    assert es.extra["CENTER_NAME"] == "EARTH" and es.extra["MEAN_ELEMENT_THEORY"] == "SGP4"
    assert "CREATION_DATE" not in es.extra


def test_celestrak_json_sample() -> None:
    result = read_catalog((SGP4_DIR / "sample_omm.json").read_bytes())
    assert result.encoding == "celestrak-json"
    (es,) = result.elements
    assert es.epoch == datetime(2025, 2, 14, 14, 36, 48, 662784, tzinfo=UTC)
    assert (es.mean_motion_rev_day, es.eccentricity, es.bstar_per_er) == (10.85873516, 0.1841322, 0.00035436)
    assert (es.mean_motion_dot_rev_day2, es.rev_at_epoch) == (2.64e-6, 39027)
    sat = Satrec()
    omm.initialize(
        sat, {k: str(v) for k, v in json.loads((SGP4_DIR / "sample_omm.json").read_text())[0].items()}
    )
    assert_same_satrec(sat, to_satrec(es))


# --- Space-Track gp JSON (ORACLES.md 9: CZ-2F R/B, a decaying rocket body) -----------------------

CZ2F_GP = """[{"CCSDS_OMM_VERS":"2.0","COMMENT":"GENERATED VIA SPACE-TRACK.ORG API",
"CREATION_DATE":"2022-12-11T18:16:13","ORIGINATOR":"18 SPCS","OBJECT_NAME":"CZ-2F R/B",
"OBJECT_ID":"2022-162B","CENTER_NAME":"EARTH","REF_FRAME":"TEME","TIME_SYSTEM":"UTC",
"MEAN_ELEMENT_THEORY":"SGP4","EPOCH":"2022-12-11T16:32:45.677184","MEAN_MOTION":"16.45663364",
"ECCENTRICITY":"0.00147770","INCLINATION":"41.4618","RA_OF_ASC_NODE":"212.0662",
"ARG_OF_PERICENTER":"219.1379","MEAN_ANOMALY":"204.8125","EPHEMERIS_TYPE":"0",
"CLASSIFICATION_TYPE":"U","NORAD_CAT_ID":"54380","ELEMENT_SET_NO":"999","REV_AT_EPOCH":"195",
"BSTAR":"0.00018379000000","MEAN_MOTION_DOT":"0.08877519","MEAN_MOTION_DDOT":"0.0000080912000",
"SEMIMAJOR_AXIS":"6528.917","PERIOD":"87.503","APOAPSIS":"160.430","PERIAPSIS":"141.135",
"OBJECT_TYPE":"ROCKET BODY","RCS_SIZE":"LARGE","COUNTRY_CODE":"PRC","LAUNCH_DATE":"2022-11-29",
"SITE":"JSC","DECAY_DATE":"2022-12-11","FILE":"3691205","GP_ID":"220029422",
"TLE_LINE0":"0 CZ-2F R/B",
"TLE_LINE1":"1 54380U 22162B   22345.68941756  .08877519  80912-5  18379-3 0  9996",
"TLE_LINE2":"2 54380  41.4618 212.0662 0014777 219.1379 204.8125 16.45663364  1954"}]"""


def test_spacetrack_gp_row() -> None:
    result = read_catalog(CZ2F_GP)
    assert result.encoding == "spacetrack-json"
    (es,) = result.elements
    assert es.epoch == datetime(2022, 12, 11, 16, 32, 45, 677184, tzinfo=UTC)
    assert (es.norad_id, es.object_name, es.object_id, es.classification) == (
        54380,
        "CZ-2F R/B",
        "2022-162B",
        "U",
    )
    assert (es.mean_motion_rev_day, es.eccentricity, es.inclination_deg) == (16.45663364, 0.0014777, 41.4618)
    assert (es.raan_deg, es.arg_perigee_deg, es.mean_anomaly_deg) == (212.0662, 219.1379, 204.8125)
    assert (es.ephemeris_type, es.element_set_no, es.rev_at_epoch) == (0, 999, 195)
    assert es.bstar_per_er == 0.00018379
    assert es.mean_motion_dot_rev_day2 == 0.08877519  # the TLE line-1 field as is (ORACLES 9.1)
    assert es.mean_motion_ddot_rev_day3 == 0.0000080912
    assert es.extra["DECAY_DATE"] == "2022-12-11"
    assert (es.extra["SEMIMAJOR_AXIS"], es.extra["PERIOD"], es.extra["APOAPSIS"], es.extra["PERIAPSIS"]) == (
        "6528.917", "87.503", "160.430", "141.135",
    )  # fmt: skip
    assert (es.extra["OBJECT_TYPE"], es.extra["RCS_SIZE"], es.extra["COUNTRY_CODE"]) == (
        "ROCKET BODY",
        "LARGE",
        "PRC",
    )
    assert (es.extra["LAUNCH_DATE"], es.extra["SITE"], es.extra["FILE"], es.extra["GP_ID"]) == (
        "2022-11-29", "JSC", "3691205", "220029422",
    )  # fmt: skip
    assert "TLE_LINE1" not in es.extra
    # Space-Track's own TLE lines are the same element set.
    row = json.loads(CZ2F_GP)[0]
    assert format_tle(es) == (row["TLE_LINE1"], row["TLE_LINE2"])
    twin = Satrec.twoline2rv(row["TLE_LINE1"], row["TLE_LINE2"])
    (tle,) = read_tle("\n".join([row["TLE_LINE0"], row["TLE_LINE1"], row["TLE_LINE2"]])).elements
    assert tle.object_name == "CZ-2F R/B"
    assert_same_satrec(twin, to_satrec(tle))
    # The OMM EPOCH is the TLE day rounded to the microsecond, so sgp4.omm.initialize's epoch fields
    # differ from the TLE's by less than 1 us; everything else is bit-identical.
    a, b = satrec_fields(twin), satrec_fields(to_satrec(es))
    assert {k for k in a if a[k] != b[k]} <= {"epochdays", "jdsatepochF"}
    assert abs(a["jdsatepochF"] - b["jdsatepochF"]) * 86400.0 < 1e-6


def test_spacetrack_nulls_are_absent() -> None:
    row = json.loads(CZ2F_GP)[0]
    row.update(DECAY_DATE=None, BSTAR=None)
    (es,) = read_catalog(json.dumps([row])).elements
    assert "DECAY_DATE" not in es.extra and es.bstar_per_er == 0.0


# --- the same catalog in every encoding ----------------------------------------------------------


def rows_of(path: Path, n: int) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text())))[:n]


def to_celestrak_json(rows: list[dict[str, str]]) -> str:
    """CelesTrak's JSON form: the same keys, numbers as JSON numbers."""
    text_keys = ("OBJECT_NAME", "OBJECT_ID", "EPOCH", "CLASSIFICATION_TYPE")

    def number(v: str) -> int | float:
        return int(v) if v.lstrip("-").isdigit() else float(v)

    return json.dumps([{k: v if k in text_keys else number(v) for k, v in r.items()} for r in rows])


def to_xml(rows: list[dict[str, str]]) -> str:
    meta = ("OBJECT_NAME", "OBJECT_ID")
    mean = (
        "EPOCH",
        "MEAN_MOTION",
        "ECCENTRICITY",
        "INCLINATION",
        "RA_OF_ASC_NODE",
        "ARG_OF_PERICENTER",
        "MEAN_ANOMALY",
    )
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<ndm xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    ]
    for r in rows:
        tle = [k for k in r if k not in meta and k not in mean]
        body = "".join(f"<{k}>{escape(r[k])}</{k}>" for k in meta)
        out.append(
            '<omm id="CCSDS_OMM_VERS" version="2.0"><header><CREATION_DATE/><ORIGINATOR/></header>'
            "<body><segment>"
            f"<metadata>{body}<CENTER_NAME>EARTH</CENTER_NAME></metadata><data><meanElements>"
            + "".join(f"<{k}>{r[k]}</{k}>" for k in mean)
            + "</meanElements><tleParameters>"
            + "".join(f"<{k}>{r[k]}</{k}>" for k in tle)
            + "</tleParameters></data></segment></body></omm>"
        )
    return "\n".join([*out, "</ndm>"])


def test_all_encodings_give_the_same_element_sets() -> None:
    rows = rows_of(CATALOG_2024, 500)
    header = ",".join(rows[0])
    csv_text = header + "\n" + "\n".join(",".join(r.values()) for r in rows) + "\n"
    from_csv = load_catalog(csv_text)
    st_json = json.dumps(rows)  # Space-Track style: every value a string
    for data, enc in (
        (to_celestrak_json(rows), "celestrak-json"),
        (st_json, "spacetrack-json"),
        (to_xml(rows), "celestrak-xml"),
        (write_3le(from_csv), "tle"),
    ):
        result = read_catalog(data)
        assert result.encoding == enc
        for a, b in zip(from_csv, result.elements, strict=True):
            assert_same_satrec(to_satrec(a), to_satrec(b)) if enc != "tle" else None
            assert (a.norad_id, a.epoch, a.mean_motion_rev_day, a.bstar_per_er) == (
                b.norad_id, b.epoch, b.mean_motion_rev_day, b.bstar_per_er,
            )  # fmt: skip


def write_3le(elements: list[ElementSet]) -> str:
    from openstc.formats.tle import write_tle

    return write_tle(elements, zero_prefix=True)


# --- errors --------------------------------------------------------------------------------------

CSV_HEAD = CATALOG_2026.read_text().splitlines()[:4]


def test_csv_bad_value_names_line_and_keyword() -> None:
    lines = list(CSV_HEAD)
    lines[2] = lines[2].replace(",13.52902187,", ",13.52x02187,")
    with pytest.raises(FormatError) as info:
        load_catalog("\n".join(lines))
    assert (info.value.line, info.value.keyword, info.value.code) == (3, "MEAN_MOTION", "FORMAT_BAD_VALUE")
    result = read_catalog("\n".join(lines), strict=False)
    assert [es.norad_id for es in result.elements] == [900, 1361]
    assert [(e.line, e.keyword) for e in result.errors] == [(3, "MEAN_MOTION")]


def test_csv_missing_value_and_short_row() -> None:
    lines = list(CSV_HEAD)
    lines[1] = lines[1].replace("2026-07-10T03:44:00.383136", "")
    lines[3] = lines[3].rsplit(",", 1)[0]
    result = read_catalog("\n".join(lines), strict=False)
    assert [(e.line, e.code, e.keyword) for e in result.errors] == [
        (2, "FORMAT_MISSING_KEYWORD", "EPOCH"),
        (4, "FORMAT_BAD_DATA_LINE", None),
    ]


def test_json_bad_value_names_pointer() -> None:
    rows = json.loads(CZ2F_GP) * 3
    rows[1] = {**rows[1], "ECCENTRICITY": "1.5"}
    with pytest.raises(FormatError) as info:
        load_catalog(json.dumps(rows))
    assert (info.value.path, info.value.keyword) == ("/1", "ECCENTRICITY")
    assert len(read_catalog(json.dumps(rows), strict=False).elements) == 2


def test_xml_bad_epoch_and_unsafe_xml() -> None:
    xml = to_xml(rows_of(CATALOG_2026, 3)).replace("2026-07-09T12:38:02.175648", "2026-02-30T12:38:02")
    with pytest.raises(FormatError) as info:
        load_catalog(xml)
    assert (info.value.path, info.value.keyword, info.value.code) == (
        "/ndm/omm[2]",
        "EPOCH",
        "FORMAT_BAD_DATE",
    )
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><ndm>&a;</ndm>'
    with pytest.raises(FormatError) as info:
        load_catalog(bomb)
    assert info.value.code == "FORMAT_UNSAFE_XML"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("CCSDS_OMM_VERS = 2.0\nCREATION_DATE = 2020-01-01T00:00:00\n", "FORMAT_UNSUPPORTED"),
        ("hello world\n", "FORMAT_UNSUPPORTED"),
        ("[1, 2", "FORMAT_SYNTAX"),
        ("<ndm><omm>", "FORMAT_SYNTAX"),
        ('{"a": 1}', "FORMAT_MISSING_KEYWORD"),
    ],
)
def test_unreadable_catalogs(text: str, code: str) -> None:
    with pytest.raises(FormatError) as info:
        load_catalog(text)
    assert info.value.code == code


def test_detection() -> None:
    assert detect_encoding(CATALOG_2026.read_bytes()[:5000]) == "celestrak-csv"
    assert detect_encoding(CZ2F_GP) == "spacetrack-json"
    assert detect_encoding((SGP4_DIR / "sample_omm.json").read_text()) == "celestrak-json"
    assert detect_encoding(f"\ufeff\n0 VANGUARD 1\n{VANGUARD_1}\n{VANGUARD_2}\n") == "tle"
    assert detect_encoding(f"{VANGUARD_1}\n{VANGUARD_2}\n") == "tle"


def test_csv_quoted_names_and_extra_columns() -> None:
    lines = CATALOG_2026.read_text().splitlines()[:3]
    header = lines[0] + ",RCS_SIZE"
    row1 = '"CALSPHERE 1, THE FIRST"' + lines[1][len("CALSPHERE 1") :] + ",SMALL"
    row2 = lines[2] + ","
    result = read_catalog("\r\n".join([header, row1, row2]) + "\r\n")
    a, b = result.elements
    assert a.object_name == "CALSPHERE 1, THE FIRST" and a.extra == {"RCS_SIZE": "SMALL"}
    assert b.object_name == "CALSPHERE 2" and b.extra == {}
    plain = read_catalog("\n".join([header, lines[1] + ",LARGE", row2])).elements
    assert plain[0].extra == {"RCS_SIZE": "LARGE"} and plain[1].extra == {}


def test_xml_namespaced_and_bare_omm_root() -> None:
    xml = (HERE / "data" / "mario_55123.xml").read_text()
    namespaced = xml.replace("<ndm ", '<ndm xmlns="urn:ccsds:schema:ndmxml" ', 1)
    (a,) = load_catalog(namespaced)
    start, end = xml.index("<omm"), xml.index("</omm>") + len("</omm>")
    (b,) = load_catalog(xml[start:end])
    _, line1, line2 = (HERE / "data" / "mario_55123.tle").read_text().splitlines()
    for es in (a, b):
        assert format_tle(es) == (line1, line2)


def test_column_fast_path_equals_row_path() -> None:
    """The column-wise fast path (CSV, JSON) and the per-row path build identical element sets."""
    from openstc.formats.catalog import element_set_from_fields

    rows = rows_of(CATALOG_2024, 3000)
    header = ",".join(rows[0])
    csv_text = header + ",RCS_SIZE\n" + "\n".join(",".join(r.values()) + ",SMALL" for r in rows) + "\n"
    fast = load_catalog(csv_text)
    slow = [element_set_from_fields({**r, "RCS_SIZE": "SMALL"}, "celestrak-csv") for r in rows]
    assert fast == slow
    assert [es.extra for es in fast] == [es.extra for es in slow] == [{"RCS_SIZE": "SMALL"}] * len(rows)
    for text, enc in ((to_celestrak_json(rows), "celestrak-json"), (json.dumps(rows), "spacetrack-json")):
        doc = json.loads(text)
        fast = load_catalog(text)
        slow = [element_set_from_fields(r, enc) for r in doc]
        assert fast == slow and [es.source for es in fast] == [enc] * len(rows)


@pytest.mark.parametrize(
    "doc",
    [
        '<?xml version="1.0"?><!DOCTYPE ndm [<!ENTITY e SYSTEM "file:///etc/passwd">]><ndm>&e;</ndm>',
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE ndm [<!ENTITY a "a">]><ndm>&a;</ndm>',
        '<?xml version="1.0" encoding="cp500"?><!DOCTYPE ndm [<!ENTITY a "a">]><ndm>&a;</ndm>',
    ],
)
def test_xml_with_dtd_is_refused_in_any_encoding(doc: str) -> None:
    enc = "utf-16" if "UTF-16" in doc else "cp500" if "cp500" in doc else "utf-8"
    with pytest.raises(FormatError) as info:
        read_catalog(doc.encode(enc), encoding="celestrak-xml")
    # EBCDIC cannot even carry an XML declaration expat reads; refused either way, never expanded.
    assert info.value.code == ("FORMAT_SYNTAX" if enc == "cp500" else "FORMAT_UNSAFE_XML")


def test_spacetrack_xml_items() -> None:
    row = json.loads(CZ2F_GP)[0]
    items = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in row.items())
    xml = f'<?xml version="1.0" encoding="UTF-8"?><xml><item>{items}</item><item>{items}</item></xml>'
    result = read_catalog(xml)
    assert result.encoding == "spacetrack-xml" and len(result.elements) == 2
    assert result.elements[0] == replace(load_catalog(CZ2F_GP)[0], source="spacetrack-xml")
    assert result.elements[0].extra["DECAY_DATE"] == "2022-12-11"
    bad = xml.replace("<ECCENTRICITY>0.00147770", "<ECCENTRICITY>x", 1)
    with pytest.raises(FormatError) as info:
        load_catalog(bad)
    assert (info.value.path, info.value.keyword) == ("/xml/item[1]", "ECCENTRICITY")
