"""Session summary of the reference-case checks: passes per method, printed after the run."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

# method -> outcome ("pass" / "fail" / "xfail") -> list of (case id, note)
SUMMARY: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))


@pytest.fixture(scope="session")
def pc_summary() -> dict[str, dict[str, list[tuple[str, str]]]]:
    return SUMMARY


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not SUMMARY:
        return
    tr = terminalreporter
    tr.section("collision probability reference cases (tests/data/pc/cases.json)")
    tr.write_line(f"{'method':32s} {'pass':>5s} {'fail':>5s} {'xfail':>6s}")
    for method in sorted(SUMMARY):
        row = SUMMARY[method]
        tr.write_line(f"{method:32s} {len(row['pass']):5d} {len(row['fail']):5d} {len(row['xfail']):6d}")
    notes: dict[str, int] = defaultdict(int)
    for method in sorted(SUMMARY):
        for _cid, note in SUMMARY[method]["xfail"] + SUMMARY[method]["fail"]:
            notes[f"{method}: {note}"] += 1
    if notes:
        tr.write_line("not passed, with reasons:")
        for text, count in sorted(notes.items()):
            tr.write_line(f"  [{count}] {text}")
