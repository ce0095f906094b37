"""Ephemeris data lines shared by OEM and OCM: rows of text to numpy arrays in one pass, epochs.

:func:`split_rows` checks the field count of every line, :func:`float_table` converts columns with
numpy at once (the slow per-value path only runs to name a bad line), :func:`epoch_column` turns
CCSDS times into ``datetime64[ns]`` (numpy fast path, exact fallback for day-of-year forms).
Errors are ``FORMAT_BAD_DATA_LINE`` with the line number and text.
"""

from __future__ import annotations

import warnings
from datetime import datetime, timedelta

import numpy as np

from openstc.errors import FormatError
from openstc.formats.ccsds_time import Epoch, TimeFormProblem, parse_time
from openstc.formats.oem_io import Tok


def bad_line(tok: Tok, i: int, why: str) -> FormatError:
    """FORMAT_BAD_DATA_LINE naming row ``i`` of a data token."""
    line = tok.line_nos[i] if tok.line_nos else tok.line
    text = tok.lines[i] if tok.lines else ""
    return FormatError(f"{why}: {text!r}", code="FORMAT_BAD_DATA_LINE", line=line, path=tok.path)


def split_rows(tok: Tok, allowed: tuple[int, ...], what: str) -> list[list[str]]:
    """Fields of each line of a data token; every line must have one of the ``allowed`` field counts."""
    parts = [ln.split() for ln in tok.lines or []]
    for i, p in enumerate(parts):
        if len(p) not in allowed:
            raise bad_line(
                tok, i, f"{what} line has {len(p)} fields, expected {' or '.join(map(str, allowed))}"
            )
    return parts


def float_table(tok: Tok, parts: list[list[str]], start: int, ncol: int) -> np.ndarray:
    """Columns ``start:start+ncol`` of the rows as a float array (numpy in one go; the slow path only
    runs to name the bad line)."""
    flat = [x for p in parts for x in p[start : start + ncol]]
    try:
        return np.array(flat, dtype=np.float64).reshape(len(parts), ncol)
    except ValueError:
        for i, p in enumerate(parts):
            for x in p[start : start + ncol]:
                try:
                    float(x)
                except ValueError:
                    what = f"an epoch and {ncol} reals" if start == 1 else "real numbers"
                    raise bad_line(tok, i, f"{x!r} is not a number (expected {what})") from None
        raise


def epoch_column(tok: Tok, texts: list[str]) -> np.ndarray:
    """CCSDS times as ``datetime64[ns]`` calendar readings (fast numpy path, exact fallback).

    A leap second ``23:59:60.f`` is read as the next day's ``00:00:00.f`` (numpy has no leap seconds)."""
    if not texts:
        return np.zeros(0, dtype="datetime64[ns]")
    clean = [t[:-1] if t.endswith("Z") else t for t in texts]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # numpy warns on zone offsets: not CCSDS, take the exact path
            arr = np.array(clean, dtype="datetime64[ns]")
        if not np.isnat(arr).any() and all(len(t) >= 19 and t[10] == "T" for t in clean):
            return arr
    except (ValueError, UserWarning, DeprecationWarning):
        pass
    out = np.empty(len(texts), dtype="datetime64[ns]")
    for i, t in enumerate(texts):
        try:
            e = parse_time(t)
        except TimeFormProblem as exc:
            raise bad_line(tok, i, str(exc)) from None
        cal = e.calendar + timedelta(seconds=1) if e.leap else e.calendar
        out[i] = np.datetime64(cal, "ns")
    return out


def format_epochs(arr: np.ndarray) -> list[str]:
    """CCSDS calendar strings of ``datetime64`` values, fraction trimmed."""
    out: list[str] = []
    for s in np.datetime_as_string(arr.astype("datetime64[ns]"), unit="ns").tolist():
        s = s.rstrip("0")
        out.append(s[:-1] if s.endswith(".") else s)
    return out


def epoch_of(dt64: np.datetime64, scale: str) -> Epoch:
    """:class:`Epoch` of one ``datetime64`` reading (microsecond resolution)."""
    us = dt64.astype("datetime64[us]").astype(datetime)
    return Epoch(us, scale, False)


def to_dt64(e: Epoch) -> np.datetime64:
    cal = e.calendar + timedelta(seconds=1) if e.leap else e.calendar
    return np.datetime64(cal, "ns")
