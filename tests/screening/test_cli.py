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
