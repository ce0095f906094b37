"""``openstc convert``, ``openstc validate`` and ``openstc demo`` run in-process."""

from __future__ import annotations

from pathlib import Path

import pytest
from ccsds_paths import DATA, OREKIT

from openstc import formats
from openstc.cli import COMMAND_MODULES, main

CDM_DIR = OREKIT / "cdm"
OPM_DIR = OREKIT / "odm" / "opm"
CARA = DATA / "nasa-cara" / "DataFiles" / "SampleCDMs"


@pytest.mark.parametrize("to", ["kvn", "xml", "json"])
def test_convert_to_file(tmp_path: Path, to: str) -> None:
    out = tmp_path / f"out.{to}"
    assert main(["convert", str(CDM_DIR / "CDMExample2.txt"), "--to", to, "-o", str(out)]) == 0
    msg = formats.read(out.read_bytes())
    assert formats.detect(out.read_bytes()) == ("CDM", to)
    assert msg.miss_distance == 715.0  # type: ignore[attr-defined]


def test_convert_to_stdout_lists_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["convert", str(CARA / "AlfanoTestCase01.cdm"), "--to", "xml"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("<?xml") and "<cdm " in out
    assert "warning" in err and "RELATIVE_VELOCITY_R" in err


def test_convert_ndm_defaults_to_xml(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["convert", str(DATA / "orekit/src/test/resources/ccsds/ndm/NDM-opm.xml")]) == 0
    assert "<ndm>" in capsys.readouterr().out


def test_convert_bad_file_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["convert", str(CDM_DIR / "CDM-missing-TCA.txt")]) == 1
    err = capsys.readouterr().err
    assert "FORMAT_MISSING_KEYWORD" in err and "TCA" in err and "CDM-missing-TCA.txt" in err


def test_validate_all_good(capsys: pytest.CaptureFixture[str]) -> None:
    files = [CDM_DIR / "CDMExample1.txt", OPM_DIR / "OPMExample3.xml", CARA / "AlfanoTestCase01.cdm"]
    assert main(["validate", *map(str, files)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("OK CDM (kvn)")
    assert any(line.startswith(f"{CARA / 'AlfanoTestCase01.cdm'}: warning: line ") for line in out)


def test_validate_reports_one_line_per_problem(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.cdm"
    files = [
        CDM_DIR / "CDMExample1.txt",
        CDM_DIR / "CDM-wrong-key-word.txt",
        OPM_DIR / "OPM-wrong-keyword.txt",
        missing,
    ]
    assert main(["validate", "-q", *map(str, files)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(f"{CDM_DIR / 'CDM-wrong-key-word.txt'}:line 6: [WRONG_KEYWORD]")
    assert lines[0].endswith("(FORMAT_UNEXPECTED_KEYWORD)")
    assert ":line 11: [WRONG_KEYWORD]" in lines[1]
    assert str(missing) in lines[2]


def test_validate_strict_turns_warnings_into_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--strict", str(CARA / "AlfanoTestCase01.cdm")]) == 1
    assert "line" in capsys.readouterr().out


def test_demo(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "cdm_example.txt: CDM (kvn)" in out and "opm_example.xml: OPM (xml)" in out
    assert "DIFFERENT" not in out


PART_B = {
    "OEM": DATA / "orekit/src/test/resources/ccsds/odm/oem/OEMExample3.txt",
    "OMM": DATA / "orekit/src/test/resources/ccsds/odm/omm/OMMExample2.xml",
    "OCM": DATA / "orekit/src/test/resources/ccsds/odm/ocm/OCMExample2.txt",
}


@pytest.mark.parametrize("kind", sorted(PART_B))
def test_cli_handles_every_registered_type(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if kind not in formats.codecs():
        pytest.skip(f"{kind} codec not registered")
    src = PART_B[kind]
    assert main(["validate", str(src)]) == 0
    assert f"OK {kind}" in capsys.readouterr().out
    for to in formats.codec(kind).encodings:
        out = tmp_path / f"out.{to}"
        assert main(["convert", str(src), "--to", to, "-o", str(out)]) == 0
        assert formats.detect(out.read_bytes()) == (kind, to)
        assert main(["validate", "-q", str(out)]) == 0


@pytest.mark.parametrize("command", ["", *(m.rsplit(".", 1)[-1] for m in COMMAND_MODULES)])
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([command, "--help"] if command else ["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: openstc") and (not command or f"openstc {command}" in out)


def test_convert_refuses_to_write_a_headerless_celestrak_omm(capsys: pytest.CaptureFixture[str]) -> None:
    """Reading is lenient (CelesTrak leaves CREATION_DATE/ORIGINATOR out), writing is strict."""
    assert main(["convert", str(DATA / "python-sgp4" / "sgp4" / "sample_omm.json"), "--to", "kvn"]) == 1
    err = capsys.readouterr().err
    assert "warning" in err and "[FORMAT_MISSING_KEYWORD]" in err and "CREATION_DATE" in err
