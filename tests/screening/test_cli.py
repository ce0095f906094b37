"""``openstc screen`` end to end on a small slice of the 2024 catalog: CSV column order and format,
JSON document, primaries, summary, and errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from openstc.cli import main

CATALOG = Path(__file__).resolve().parents[1] / "data" / "catalog" / "celestrak_on_orbit_20241101.csv"


@pytest.fixture(scope="module")
def small_catalog(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    lines = CATALOG.read_bytes().splitlines(keepends=True)
    path = tmp_path_factory.mktemp("cat") / "slice.csv"
    path.write_bytes(b"".join(lines[:401]))
    return path


def test_csv_output(small_catalog, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "conj.csv"
    rc = main(
        ["screen", str(small_catalog), "--start", "2024-11-01T00:00:00Z", "--days", "0.5",
         "--volume", "sphere:10km", "-o", str(out), "--no-progress"]
    )  # fmt: skip
    assert rc == 0
    rows = list(csv.reader(out.open()))
    assert rows[0][:5] == [
        "object1_norad_id",
        "object2_norad_id",
        "tca",
        "miss_distance_m",
        "relative_speed_m_s",
    ]
    assert len(rows) > 3
    for row in rows[1:]:
        tca = row[2]
        assert tca.endswith("Z") and len(tca) == len("2024-11-01T00:00:00.000Z")
        assert float(row[3]) <= 10e3
    err = capsys.readouterr().err
    assert "conjunctions" in err and "pairs examined" in err and "stage CPU seconds" in err


def test_json_output_with_primaries(small_catalog, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    first = tmp_path / "all.json"
    assert main(["screen", str(small_catalog), "--start", "2024-11-01", "--days", "0.5", "--volume",
                 "sphere:10km", "-o", str(first), "--no-progress"]) == 0  # fmt: skip
    doc = json.loads(first.read_text())
    assert doc["summary"]["objects"] == 400
    assert doc["summary"]["conjunctions"] == len(doc["conjunctions"]) > 0
    prim = doc["conjunctions"][0]["object1_norad_id"]
    second = tmp_path / "one.json"
    argv = ["screen", str(small_catalog), "--start", "2024-11-01", "--days", "0.5", "--volume", "sphere:10km"]
    assert main([*argv, "-o", str(second), "--no-progress", "--primaries", str(prim)]) == 0
    one = json.loads(second.read_text())
    want = [c for c in doc["conjunctions"] if prim in (c["object1_norad_id"], c["object2_norad_id"])]
    assert len(one["conjunctions"]) == len(want)
    assert all(c["object1_norad_id"] == prim for c in one["conjunctions"])


def test_errors_are_reported(small_catalog, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["screen", str(small_catalog), "--volume", "cube:3", "--no-progress"]) == 1
    assert "INVALID_ARGUMENT" in capsys.readouterr().err
    assert main(["screen", "/nonexistent.csv", "--no-progress"]) == 1


def _catalog_run(small_catalog, tmp_path) -> list[dict]:  # type: ignore[no-untyped-def, type-arg]
    out = tmp_path / "catalog.json"
    argv = ["screen", str(small_catalog), "--start", "2024-11-01", "--days", "0.5", "--volume", "sphere:10km"]
    assert main([*argv, "-o", str(out), "--no-progress"]) == 0
    conj: list[dict] = json.loads(out.read_text())["conjunctions"]  # type: ignore[type-arg]
    return conj


def test_ocm_and_oem_inputs_are_screened_against_the_catalog(small_catalog, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """An OCM (XML) and an OEM of two catalog objects, given with the catalog and no --primaries: each is
    a primary against the catalog, with the conjunctions of its element set."""
    from datetime import UTC, datetime

    from test_ocm_input import ocm_text, oem_text

    from openstc.formats.catalog import read_catalog
    from openstc.formats.ocm import Ocm
    from openstc.formats.oem import Oem

    conj = _catalog_run(small_catalog, tmp_path)
    a = conj[0]["object1_norad_id"]  # two objects of different conjunctions
    first = {conj[0]["object1_norad_id"], conj[0]["object2_norad_id"]}
    b = next(
        c["object2_norad_id"] for c in conj if not first & {c["object1_norad_id"], c["object2_norad_id"]}
    )
    elsets = {e.norad_id: e for e in read_catalog(small_catalog.read_bytes()).elements}
    start = datetime(2024, 11, 1, tzinfo=UTC)
    seg_a = Oem.parse(oem_text(elsets[a], start, 43200.0)).segments[0]
    ocm_xml = Ocm.parse(ocm_text(seg_a, time_system="TAI", meta=f"OBJECT_DESIGNATOR = {a}")).to_xml()
    (tmp_path / "a_ocm.xml").write_text(ocm_xml)
    (tmp_path / "b.oem").write_text(oem_text(elsets[b], start, 43200.0, frame="TEME"))
    out = tmp_path / "ondemand.json"
    argv = ["screen", str(small_catalog), str(tmp_path / "a_ocm.xml"), str(tmp_path / "b.oem")]
    argv += [
        "--start",
        "2024-11-01",
        "--days",
        "0.5",
        "--volume",
        "sphere:10km",
        "-o",
        str(out),
        "--no-progress",
    ]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert f"NORAD {a}: the ephemeris replaces the catalog element set" in err
    got = json.loads(out.read_text())
    assert got["summary"]["objects"] == 400

    def pair(c: dict) -> tuple[int, int]:  # type: ignore[type-arg]
        return (c["object1_norad_id"], c["object2_norad_id"])

    want = [c for c in conj if a in pair(c) or b in pair(c)]
    assert len(want) >= 2
    assert all(c["object1_norad_id"] in (a, b) for c in got["conjunctions"])
    got_pairs = sorted((frozenset(pair(c)), c["tca"][:19]) for c in got["conjunctions"])
    assert got_pairs == sorted((frozenset(pair(c)), c["tca"][:19]) for c in want) or len(got_pairs) == len(
        want
    )
    for w in want:
        match = [g for g in got["conjunctions"] if frozenset(pair(g)) == frozenset(pair(w))]
        best = min(
            match, key=lambda g: abs(datetime.fromisoformat(g["tca"]) - datetime.fromisoformat(w["tca"]))
        )
        dt = abs((datetime.fromisoformat(best["tca"]) - datetime.fromisoformat(w["tca"])).total_seconds())
        assert dt < 0.010
        assert abs(best["miss_distance_m"] - w["miss_distance_m"]) < 1.0


def test_ephemeris_errors_name_the_file(small_catalog, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    geodetic = (
        Path(__file__).resolve().parents[1] / "data" / "ccsds" / "orekit" / "src" / "test" / "resources"
    )
    bad = tmp_path / "geodetic.ocm"
    bad.write_bytes((geodetic / "ccsds" / "odm" / "ocm" / "OCMExample5Geodetic.txt").read_bytes())
    assert main(["screen", str(small_catalog), str(bad), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert str(bad) in err and "CARTPV" in err
    broken = tmp_path / "broken.ocm"
    broken.write_text(
        "CCSDS_OCM_VERS = 3.0\nCREATION_DATE = 2024-11-01T00:00:00\nORIGINATOR = X\nMETA_START\n"
    )
    assert main(["screen", str(small_catalog), str(broken), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert str(broken) in err and "FORMAT_" in err
