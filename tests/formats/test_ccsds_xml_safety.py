"""XML safety and encodings: DTDs, entity expansion and external entities are refused
(FORMAT_UNSAFE_XML); malformed XML is FORMAT_SYNTAX with its line; UTF-16/UCS-4 messages read."""

from __future__ import annotations

from pathlib import Path

import pytest

from openstc import formats
from openstc.errors import FormatError

OPM_XML = (
    Path(__file__).resolve().parents[1] / "data/ccsds/orekit/src/test/resources/ccsds/odm/opm/OPMExample3.xml"
).read_text()
BODY = OPM_XML[OPM_XML.index("<opm") :]


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE opm [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>',
        '<!DOCTYPE opm [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE opm SYSTEM "http://example.invalid/opm.dtd">',
    ],
)
def test_dtd_and_entities_refused(prolog: str) -> None:
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        + prolog
        + "\n"
        + BODY.replace("JAXA", "&lol2;" if "lol" in prolog else "JAXA")
    )
    with pytest.raises(FormatError) as info:
        formats.read(text)
    assert info.value.code == "FORMAT_UNSAFE_XML"


def test_malformed_xml_has_line() -> None:
    text = OPM_XML.replace("</ORIGINATOR>", "</ORIGINATORX>")
    with pytest.raises(FormatError) as info:
        formats.read(text)
    assert info.value.code == "FORMAT_SYNTAX" and info.value.line == 9


@pytest.mark.parametrize(
    "encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be", "utf-8-sig"]
)
def test_encodings(encoding: str) -> None:
    declared = OPM_XML.replace('encoding="UTF-8"', f'encoding="{encoding.upper().replace("-SIG", "")}"')
    msg = formats.read(declared.encode(encoding))
    assert msg.type == "OPM" and msg.object_name == "OSPREY 5"  # type: ignore[attr-defined]
    assert formats.detect(declared.encode(encoding)) == ("OPM", "xml")
