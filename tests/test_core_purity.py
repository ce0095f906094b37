"""The core packages compute; they never touch files, the network, the environment or the clock.

import-linter (``make contracts``) forbids imports of the shell and of I/O libraries; this test
covers what an import contract cannot see: calls such as ``open()``, ``os.environ`` or
``datetime.now()`` inside the core.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = ("formats", "astro", "screening", "pc", "events")
SRC = Path(__file__).resolve().parents[1] / "src" / "openstc"

FORBIDDEN_CALLS = {
    "open",
    "input",
    "print",
}
FORBIDDEN_ATTRS = {
    ("os", "environ"),
    ("os", "getenv"),
    ("os", "putenv"),
    ("os", "listdir"),
    ("os", "remove"),
    ("os", "system"),
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
    ("time", "perf_counter"),
    ("time", "monotonic"),
    ("time", "sleep"),
}
FORBIDDEN_METHODS = {"read_text", "read_bytes", "write_text", "write_bytes", "open", "mkdir", "unlink"}


def _core_files() -> list[Path]:
    files: list[Path] = []
    for pkg in CORE:
        files.extend(sorted((SRC / pkg).rglob("*.py")))
    return files


@pytest.mark.parametrize("path", _core_files(), ids=lambda p: str(p.relative_to(SRC)))
def test_core_module_does_no_io(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    problems: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in FORBIDDEN_CALLS:
                problems.append(f"line {node.lineno}: call to {func.id}()")
            if isinstance(func, ast.Attribute) and func.attr in FORBIDDEN_METHODS:
                # Path-like I/O methods; str/bytes have none of these names.
                problems.append(f"line {node.lineno}: I/O method .{func.attr}()")
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and (node.value.id, node.attr) in FORBIDDEN_ATTRS
        ):
            problems.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
    assert not problems, f"{path.relative_to(SRC)} does I/O in the core: " + "; ".join(problems)


def test_core_is_not_empty() -> None:
    assert _core_files(), "no core modules found"
