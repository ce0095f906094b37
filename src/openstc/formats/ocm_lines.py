"""OCM data lines: trajectory, covariance and maneuver lines to numpy arrays (SI) and back.

Each block's lines go through numpy in one pass (:func:`~openstc.formats.oem_io.float_table`); the
first field is a time, either seconds relative to EPOCH_TZERO or an absolute CCSDS epoch (both may
appear in one block), always stored as seconds from EPOCH_TZERO. Units are the standard's for the
element-set type (``TRAJ_UNITS``/``COV_UNITS``/``MAN_UNITS`` are checked against them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from openstc.errors import FormatError
from openstc.formats.ccsds_time import Epoch, TimeFormProblem, parse_time
from openstc.formats.model import ReadContext
from openstc.formats.ocm_keys import (
    ELEMENT_UNITS,
    MAN_FIELDS,
    ORDERINGS,
    nb_cov_values,
    same_unit,
    unit_factor,
)
from openstc.formats.oem_io import Tok
from openstc.formats.oem_keys import KeywordBlock, epoch_plus, fmt_float, seconds_between
from openstc.formats.oem_lines import bad_line, float_table, split_rows

if TYPE_CHECKING:
    from openstc.formats.ocm import OcmManeuver


def _elements_of(blk: KeywordBlock, type_key: str, units_key: str, start: Tok) -> tuple[str, tuple[str, ...]]:
    """The element-set type of a block and its standard units, checking the block's units list."""
    etype, std = _etype(blk, type_key, start)
    _check_units(blk, units_key, etype, std, start)
    return etype, std


def _etype(blk: KeywordBlock, type_key: str, start: Tok) -> tuple[str, tuple[str, ...]]:
    etype = str(blk.get(type_key, "CARTPV")).strip().upper()
    std = ELEMENT_UNITS.get(etype)
    if std is None:
        raise FormatError(
            f"{type_key} {etype} is not an element-set type we know ({', '.join(sorted(ELEMENT_UNITS))})",
            code="FORMAT_BAD_VALUE",
            line=start.line,
            keyword=type_key,
        )
    return etype, std


def _check_units(blk: KeywordBlock, units_key: str, etype: str, std: tuple[str, ...], start: Tok) -> None:
    _check_unit_list(
        blk.get(units_key),
        units_key,
        std,
        start,
        f", {etype} has {len(std)} elements",
        f" required by {etype}",
    )


def _check_unit_list(
    given: list[str] | None, key: str, std: Sequence[str], start: Tok, counted: str, required: str
) -> None:
    """FORMAT_BAD_UNIT unless the units ``given`` (if any) match ``std`` one for one; ``counted`` and
    ``required`` end the two messages."""
    if not given:
        return
    if len(given) != len(std):
        raise FormatError(
            f"{key} lists {len(given)} units{counted}", code="FORMAT_BAD_UNIT", line=start.line, keyword=key
        )
    for g, s in zip(given, std, strict=True):
        if not same_unit(g, s):
            raise FormatError(
                f"{key}: unit [{g}] is incompatible with [{s}]{required}",
                code="FORMAT_BAD_UNIT",
                line=start.line,
                keyword=key,
            )


def _time_column(tok: Tok, texts: list[str], t0: Epoch) -> np.ndarray:
    """Seconds from ``t0`` of relative times or absolute epochs."""
    try:
        return np.array(texts, dtype=np.float64)
    except ValueError:
        pass
    out = np.empty(len(texts))
    for i, s in enumerate(texts):
        if "-" in s[1:] or "T" in s:
            try:
                out[i] = seconds_between(t0, parse_time(s, t0.scale))
            except TimeFormProblem as exc:
                raise bad_line(tok, i, str(exc)) from None
        else:
            try:
                out[i] = float(s)
            except ValueError:
                raise bad_line(tok, i, f"{s!r} is neither a relative time nor an epoch") from None
    return out


def _rows(data: list[Tok], ncol: int, what: str, t0: Epoch) -> tuple[np.ndarray, np.ndarray]:
    times: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    for tok in data:
        parts = split_rows(tok, (ncol + 1,), what)
        times.append(_time_column(tok, [p[0] for p in parts], t0))
        vals.append(float_table(tok, parts, 1, ncol))
    if not vals:
        return np.zeros(0), np.zeros((0, ncol))
    return np.concatenate(times), np.vstack(vals)


def read_traj_lines(
    blk: KeywordBlock, data: list[Tok], t0: Epoch, start: Tok, ctx: ReadContext
) -> tuple[np.ndarray, np.ndarray]:
    etype, std = _etype(blk, "TRAJ_TYPE", start)
    first = data[0].lines[0].split() if data and data[0].lines else []
    extra = 0
    if etype == "CARTPV" and len(first) == 10 and "TRAJ_UNITS" not in blk:
        # Blue Book example G-15 (as transcribed) declares CARTPV over lines with 3 more columns. The
        # declaration is what the message says (its oracle: TRAJ_TYPE CARTPV), so keep it and drop the
        # extra columns, loudly; rewriting the type would turn the file into something it did not say.
        ctx.warn(
            "CARTPV lines carry 9 elements instead of 6: the 3 extra columns were ignored",
            line=start.line,
            keyword="TRAJ_TYPE",
        )
        extra = 3
    times, vals = _rows(data, len(std) + extra, f"{etype} trajectory", t0)
    vals = vals[:, : len(std)]
    _check_units(blk, "TRAJ_UNITS", etype, std, start)
    return times, vals * np.array([unit_factor(u) for u in std])


def element_factors(blk: KeywordBlock, elements: np.ndarray) -> np.ndarray:
    std = ELEMENT_UNITS.get(str(blk.get("TRAJ_TYPE", "CARTPV")).upper(), ())
    if len(std) != elements.shape[1]:
        raise FormatError("trajectory elements do not match TRAJ_TYPE", code="FORMAT_INCONSISTENT")
    return np.array([unit_factor(u) for u in std])


def _cov_layout(blk: KeywordBlock, start: Tok | None) -> tuple[str, int, tuple[str, ...]]:
    _, std = _elements_of(blk, "COV_TYPE", "COV_UNITS", start or Tok("kv"))
    ordering = str(blk.get("COV_ORDERING", "LTM")).strip().upper()
    if ordering not in ORDERINGS:
        raise FormatError(
            f"COV_ORDERING {ordering} is not one of {', '.join(ORDERINGS)}",
            code="FORMAT_BAD_VALUE",
            line=None if start is None else start.line,
            keyword="COV_ORDERING",
        )
    return ordering, len(std), std


def _index(ordering: str, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Row/column of each written covariance value (the variance/covariance part only for *WCC)."""
    if ordering == "LTM":
        return np.tril_indices(dim)
    if ordering == "UTM":
        return np.triu_indices(dim)
    rr, cc = np.indices((dim, dim))
    return rr.ravel(), cc.ravel()


def read_cov_lines(
    blk: KeywordBlock, data: list[Tok], t0: Epoch, start: Tok
) -> tuple[np.ndarray, np.ndarray]:
    ordering, dim, std = _cov_layout(blk, start)
    times, vals = _rows(data, nb_cov_values(ordering, dim), f"{ordering} covariance", t0)
    n = len(times)
    m = np.zeros((n, dim, dim))
    if ordering in ("LTM", "UTM"):
        r, c = _index(ordering, dim)
        m[:, r, c] = vals
        m[:, c, r] = vals
    else:
        full = vals.reshape(n, dim, dim)
        # *WCC: the other triangle holds correlation coefficients; the covariance is its own triangle.
        keep = {"FULL": None, "LTMWCC": np.tril_indices(dim), "UTMWCC": np.triu_indices(dim)}[ordering]
        if keep is None:
            m = full
        else:
            m[:, keep[0], keep[1]] = full[:, keep[0], keep[1]]
            m[:, keep[1], keep[0]] = full[:, keep[0], keep[1]]
    f = np.array([unit_factor(u) for u in std])
    return times, m * np.outer(f, f)


def cov_factors(blk: KeywordBlock, matrices: np.ndarray) -> np.ndarray:
    _, dim, std = _cov_layout(blk, None)
    if matrices.ndim != 3 or matrices.shape[1:] != (dim, dim):
        raise FormatError("covariance matrices do not match COV_TYPE", code="FORMAT_INCONSISTENT")
    f = np.array([unit_factor(u) for u in std])
    out: np.ndarray = np.outer(f, f)
    return out


def format_times(times_s: np.ndarray) -> list[str]:
    return [repr(t) for t in np.asarray(times_s, dtype=np.float64).tolist()]


def write_traj_lines(times_s: np.ndarray, values: np.ndarray) -> list[str]:
    """Lines ``t v1 v2 ...`` (values already in file units)."""
    rows = np.column_stack([times_s, values]).tolist()
    return [" ".join(map(repr, r)) for r in rows]


def write_cov_lines(blk: KeywordBlock, times_s: np.ndarray, m: np.ndarray) -> list[str]:
    """Covariance lines in the block's ordering (``m`` already in file units)."""
    ordering, dim, _ = _cov_layout(blk, None)
    if ordering in ("LTM", "UTM"):
        r, c = _index(ordering, dim)
        vals = m[:, r, c]
    else:
        full = m.copy()
        if ordering != "FULL":
            sd = np.sqrt(np.abs(np.einsum("nii->ni", m)))
            with np.errstate(divide="ignore", invalid="ignore"):
                corr = m / (sd[:, :, None] * sd[:, None, :])
            corr = np.nan_to_num(corr)
            other = np.triu_indices(dim, 1) if ordering == "LTMWCC" else np.tril_indices(dim, -1)
            full[:, other[0], other[1]] = corr[:, other[0], other[1]]
        vals = full.reshape(len(m), dim * dim)
    return write_traj_lines(times_s, vals)


def read_man_lines(
    blk: KeywordBlock, data: list[Tok], t0: Epoch, start: Tok, ctx: ReadContext
) -> tuple[list[str], np.ndarray, dict[str, np.ndarray]]:
    fields = [x.upper() for f in blk.get("MAN_COMPOSITION", []) for x in f.split()]
    man_id = blk.get("MAN_ID", "?")
    for k, f in enumerate(fields):
        if f not in MAN_FIELDS and "THR_" + f in MAN_FIELDS:  # "THR_ISP" cut as "ISP" in PDF copies
            ctx.warn(f"MAN_COMPOSITION field {f} read as THR_{f}", line=start.line, keyword="MAN_COMPOSITION")
            fields[k] = "THR_" + f
    blk.values["MAN_COMPOSITION"] = list(fields)
    if not fields:
        if data:
            raise FormatError(
                f"maneuver {man_id} has data lines but no MAN_COMPOSITION",
                code="FORMAT_MISSING_KEYWORD",
                line=start.line,
                keyword="MAN_COMPOSITION",
            )
        return [], np.zeros(0), {}
    for f in fields:
        if f not in MAN_FIELDS:
            raise FormatError(
                f"MAN_COMPOSITION field {f} unknown",
                code="FORMAT_BAD_VALUE",
                line=start.line,
                keyword="MAN_COMPOSITION",
            )
    if "TIME_ABSOLUTE" not in fields and "TIME_RELATIVE" not in fields:
        raise FormatError(
            f"maneuver {man_id}: MAN_COMPOSITION has neither TIME_ABSOLUTE nor TIME_RELATIVE",
            code="FORMAT_MISSING_KEYWORD",
            line=start.line,
            keyword="MAN_COMPOSITION",
        )
    std = [u for f in fields if (u := MAN_FIELDS[f][0]) is not None]
    given = blk.get("MAN_UNITS")
    if given and len(given) == len(fields) != len(std):
        ctx.warn(
            "MAN_UNITS lists units for the time fields too; those are ignored",
            line=start.line,
            keyword="MAN_UNITS",
        )
        given = [g for g, f in zip(given, fields, strict=True) if MAN_FIELDS[f][0] is not None]
        blk.values["MAN_UNITS"] = given
    _check_unit_list(given, "MAN_UNITS", std, start, f" for {len(std)} fields", "")
    cols: dict[str, list[np.ndarray]] = {f: [] for f in fields}
    for tok in data:
        parts = split_rows(tok, (len(fields),), "maneuver")
        for j, f in enumerate(fields):
            texts = [p[j] for p in parts]
            unit, is_text = MAN_FIELDS[f]
            if is_text:
                cols[f].append(np.array(texts, dtype=object))
            elif f in ("TIME_ABSOLUTE", "TIME_RELATIVE"):
                cols[f].append(_time_column(tok, texts, t0))
            else:
                sub = [[x] for x in texts]
                cols[f].append(float_table(tok, sub, 0, 1)[:, 0] * unit_factor(unit or ""))
    out = {f: (np.concatenate(v) if v else np.zeros(0)) for f, v in cols.items()}
    tf = next(f for f in fields if f in ("TIME_ABSOLUTE", "TIME_RELATIVE"))
    return fields, out[tf].astype(np.float64), out


def write_man_lines(man: OcmManeuver, t0: Epoch) -> list[str]:
    n = len(man.times_s)
    texts: list[list[str]] = []
    for f in man.fields:
        col = man.columns[f]
        unit, is_text = MAN_FIELDS[f]
        if is_text:
            texts.append([str(x) for x in col.tolist()])
        elif f == "TIME_ABSOLUTE":
            texts.append([epoch_plus(t0, float(x)).ccsds() for x in col.tolist()])
        elif f == "TIME_RELATIVE":
            texts.append(format_times(col))
        else:
            texts.append([fmt_float(x) for x in (col / unit_factor(unit or "")).tolist()])
    return [" ".join(t[i] for t in texts) for i in range(n)]
