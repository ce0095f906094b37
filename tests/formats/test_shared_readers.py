"""The reading pieces the ODM/CDM models share (typed accessors, section cursor, unit-list checks).

They were merged from per-format copies; these tests pin the messages, codes, keywords and lines the
copies produced, so that one shared piece answers exactly as each copy did.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import numpy as np
import pytest
from ccsds_paths import OREKIT

from openstc.errors import FormatError
from openstc.formats.cdm_schema import ROOT
from openstc.formats.model import Block, opt_float, opt_int, opt_str, vector
from openstc.formats.ocm import Ocm
from openstc.formats.oem import Oem
from openstc.formats.oem_keys import KeywordBlock

OCM_DIR = OREKIT / "odm" / "ocm"


def _error(fn: Callable[[str], object], text: str) -> FormatError:
    with pytest.raises(FormatError) as info:
        fn(text)
    return info.value


def test_optional_accessors_on_both_block_kinds() -> None:
    kb = KeywordBlock()
    kb.values.update({"A": 3, "B": "7"})
    assert opt_str(kb, "A") == "3" and opt_int(kb, "B") == 7 and opt_float(kb, "B") == 7.0
    assert opt_str(kb, "Z") is None and opt_int(kb, "Z") is None and opt_float(kb, "Z") is None
    blk = Block(ROOT)
    assert opt_str(blk, "MESSAGE_ID") is None


def test_vector_is_nan_where_absent() -> None:
    kb = KeywordBlock()
    kb.values.update({"X": 1.5})
    v = vector(kb, ("X", "Y"))
    assert v.dtype == np.float64 and v[0] == 1.5 and math.isnan(v[1])
    assert np.isnan(vector(None, ("X", "Y", "Z"))).all()


def test_oem_metadata_without_stop() -> None:
    text = "CCSDS_OEM_VERS = 2.0\nCREATION_DATE = 2020-01-01T00:00:00\nORIGINATOR = X\n"
    text += "META_START\nOBJECT_NAME = A\n"
    e = _error(Oem.from_kvn, text)
    assert (e.code, e.keyword, e.line) == ("FORMAT_MISSING_KEYWORD", "META_STOP", 4)
    assert "META_START without META_STOP" in str(e)


def test_ocm_block_without_stop() -> None:
    text = (OCM_DIR / "OCMExample1.txt").read_text()
    e = _error(Ocm.from_kvn, text[: text.index("TRAJ_STOP")])
    assert (e.code, e.keyword, e.line) == ("FORMAT_MISSING_KEYWORD", "TRAJ_STOP", 8)
    assert "TRAJ_START without TRAJ_STOP" in str(e)


# (file, units line replaced, new units, keyword, its line, end of the message)
UNIT_CASES = [
    (
        "OCMExample1.txt",
        r"TRAJ_UNITS=.*",
        "[km,km,km]",
        "TRAJ_UNITS",
        8,
        " lists 3 units, CARTPV has 6 elements",
    ),
    (
        "OCMExample1.txt",
        r"TRAJ_UNITS=.*",
        "[km,km,km,km/s,km/s,km]",
        "TRAJ_UNITS",
        8,
        ": unit [km] is incompatible with [km/s] required by CARTPV",
    ),
    ("OCMExample3.txt", r"MAN_UNITS\s*=.*", "[km/s]", "MAN_UNITS", 32, " lists 1 units for 8 fields"),
    (
        "OCMExample3.txt",
        r"MAN_UNITS\s*=.*",
        "[n/a, km/s, km/s, km, kg, %, n/a, m**2]",
        "MAN_UNITS",
        32,
        ": unit [km] is incompatible with [km/s]",
    ),
]


@pytest.mark.parametrize(("name", "pattern", "units", "keyword", "line", "message"), UNIT_CASES)
def test_unit_lists_checked(
    name: str, pattern: str, units: str, keyword: str, line: int, message: str
) -> None:
    text = re.sub(pattern, f"{keyword} = {units}", (OCM_DIR / name).read_text(), count=1)
    e = _error(Ocm.from_kvn, text)
    assert (e.code, e.keyword, e.line) == ("FORMAT_BAD_UNIT", keyword, line)
    assert str(e).endswith(keyword + message)
