"""Random damage to CSV, JSON and XML catalogs raises FormatError, never another exception; and
lenient reading accounts for every record (read + reported = present)."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openstc.errors import FormatError
from openstc.formats.catalog import read_catalog, read_celestrak_csv, read_omm_json, read_omm_xml

DATA = Path(__file__).resolve().parents[1] / "data"
CSV_TEXT = "\n".join((DATA / "catalog" / "celestrak_active_20260710.csv").read_text().splitlines()[:6]) + "\n"
XML_TEXT = (Path(__file__).resolve().parent / "data" / "mario_55123.xml").read_text()
SGP4_JSON = (DATA / "ccsds" / "python-sgp4" / "sgp4" / "sample_omm.json").read_text()
ST_JSON = json.dumps(
    [
        {k: str(v) for k, v in row.items()}
        | {"DECAY_DATE": None, "RCS_SIZE": "SMALL", "TLE_LINE0": "0 VANGUARD 1", "GP_ID": "123"}
        for row in json.loads(SGP4_JSON)
    ]
)

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    chars = list(text)
    for _ in range(draw(st.integers(1, 5))):
        if not chars:
            break
        pos = draw(st.integers(0, len(chars) - 1))
        junk = draw(
            st.sampled_from(list(',."-+e0129:TZ[]{}<>/ \n\r')) | st.characters(exclude_categories=["Cs"])
        )
        kind = draw(st.sampled_from(["replace", "delete", "insert", "truncate"]))
        if kind == "replace":
            chars[pos] = junk
        elif kind == "delete":
            del chars[pos]
        elif kind == "insert":
            chars.insert(pos, junk)
        else:
            del chars[pos:]
    return "".join(chars)


def check(reader: object, text: str) -> None:
    for strict in (True, False):
        try:
            result = reader(text, strict=strict)  # type: ignore[operator]
        except FormatError:
            continue
        for err in result.errors:
            assert isinstance(err, FormatError)
            assert err.line is not None or err.path is not None


@SETTINGS
@given(mutated(CSV_TEXT))
def test_damaged_csv(text: str) -> None:
    check(read_celestrak_csv, text)
    check(read_catalog, text)


@SETTINGS
@given(mutated(SGP4_JSON) | mutated(ST_JSON))
def test_damaged_json(text: str) -> None:
    check(read_omm_json, text)
    check(read_catalog, text)


@SETTINGS
@given(mutated(XML_TEXT))
def test_damaged_xml(text: str) -> None:
    check(read_omm_xml, text)
    check(read_catalog, text)


@SETTINGS
@given(st.binary(max_size=300) | st.text(max_size=300))
def test_arbitrary_input(data: bytes | str) -> None:
    check(read_catalog, data)  # type: ignore[arg-type]


def test_lenient_accounts_for_every_row() -> None:
    lines = CSV_TEXT.splitlines()
    lines[2] = lines[2].replace("2026-", "20X6-")
    lines[4] = lines[4] + ",extra"
    result = read_catalog("\n".join(lines), strict=False)
    assert len(result.elements) + len(result.errors) == len(lines) - 1
    assert [e.line for e in result.errors] == [3, 5]
