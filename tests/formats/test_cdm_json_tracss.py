"""CDM JSON in the shapes TraCSS and Space-Track serve, several messages at once, duplicate keywords."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ccsds_paths import CDM_DIR

from openstc import formats
from openstc.errors import FormatError
from openstc.formats.cdm import Cdm
from openstc.formats.model import message_differences

UNITS = {"MISS_DISTANCE": "m", "RELATIVE_SPEED": "m/s", "X": "km", "X_DOT": "km/s", "CR_R": "m**2"}


def _tracss_style(obj: Any) -> Any:
    """Our JSON rewritten the TraCSS way: unit-carrying values as {"units", "Value"}, version a number,
    screening volume in km, every other scalar a string (Space-Track style)."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if k in UNITS:
                out[k] = {"units": UNITS[k], "Value": v}
            elif k.startswith("SCREEN_VOLUME_") and k[-1] in "XYZ":
                out[k] = {"units": "km", "Value": v / 1000.0}
            elif k == "version":
                out[k] = float(v)
            elif isinstance(v, (int, float)):
                out[k] = str(v)
            else:
                out[k] = _tracss_style(v)
        return out
    if isinstance(obj, list):
        return [_tracss_style(v) for v in obj]
    return obj


def test_tracss_wrapper_units_objects_and_string_values() -> None:
    cdm = formats.read((CDM_DIR / "CDMExample2.txt").read_bytes())
    wire = {"tracssCdms": [_tracss_style(json.loads(formats.write(cdm, "json")))] * 2}
    text = json.dumps(wire)
    assert formats.detect(text) == ("CDM", "json")
    many = formats.read_many(text, source="tracss.json")
    assert len(many) == 2
    for back in many:
        assert isinstance(back, Cdm)
        assert not message_differences(cdm, back, 1e-12)
        assert back.relative["SCREEN_VOLUME_X"] == pytest.approx(200.0)
        assert any(w.keyword == "SCREEN_VOLUME_X" and "km" in w.message for w in back.warnings)
    with pytest.raises(FormatError) as info:
        formats.read(text)
    assert info.value.code == "FORMAT_UNSUPPORTED"  # two messages: read() wants one, read_many() takes all


def test_read_many_of_single_and_ndm() -> None:
    assert len(formats.read_many((CDM_DIR / "CDMExample1.txt").read_bytes())) == 1
    ndm = CDM_DIR.parents[0] / "ndm" / "NDM-opm.xml"
    (opm,) = formats.read_many(ndm.read_bytes())
    assert opm.type == "OPM"


def test_comment_members_in_json_kept_as_comments() -> None:
    obj = json.loads(formats.write(formats.read((CDM_DIR / "CDMExample1.txt").read_bytes()), "json"))
    obj["body"]["relativeMetadataData"]["COMMENT Screening Option"] = "COVARIANCE"
    cdm = formats.read(json.dumps(obj))
    assert "COMMENT Screening Option = COVARIANCE" in cdm.relative.comments
    assert any(w.keyword == "COMMENT Screening Option" for w in cdm.warnings)


def test_unknown_json_member_rejected_with_pointer() -> None:
    obj = json.loads(formats.write(formats.read((CDM_DIR / "CDMExample1.txt").read_bytes()), "json"))
    obj["body"]["segment"][1]["data"]["stateVector"]["W"] = 1.0
    with pytest.raises(FormatError) as info:
        formats.read(json.dumps(obj))
    assert info.value.code == "FORMAT_UNEXPECTED_KEYWORD" and info.value.keyword == "W"
    assert info.value.path == "/body/segment/1/data/stateVector/W"


@pytest.mark.parametrize("enc", ["kvn", "xml"])
def test_duplicate_keyword_is_an_error_at_its_line(enc: str) -> None:
    text = formats.write(formats.read((CDM_DIR / "CDMExample1.txt").read_bytes()), enc)
    lines = text.splitlines()
    i = next(n for n, ln in enumerate(lines) if ln.strip().startswith(("X_DOT", "<X_DOT")))
    lines.insert(i, lines[i - 3])  # the X line again
    with pytest.raises(FormatError) as info:
        formats.read("\n".join(lines))
    assert info.value.code == "FORMAT_UNEXPECTED_KEYWORD" and info.value.keyword == "X"
    assert info.value.line == i + 1


def test_tracss_units_style_written_and_read_back() -> None:
    cdm = formats.read((CDM_DIR / "CDMExample2.txt").read_bytes())
    assert isinstance(cdm, Cdm)
    text = formats.jsoncodec.write_json(cdm, units=True)
    obj = json.loads(text)
    assert obj["body"]["relativeMetadataData"]["MISS_DISTANCE"] == {"units": "m", "Value": 715.0}
    assert obj["body"]["segment"][0]["data"]["stateVector"]["X"] == {"units": "km", "Value": 2570.097065}
    back = formats.read(text)
    assert not message_differences(cdm, back, 1e-12) and not back.warnings
