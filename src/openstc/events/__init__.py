"""Conjunction events: CDMs grouped by object pair and TCA, their active flags, risk and history.

Pure core: takes :class:`CdmRecord` and :class:`ScreeningRecord` values and returns
:class:`ConjunctionEvent` values. See :mod:`openstc.events.grouping` for the rules.
"""

from openstc.events.grouping import (
    DEFAULT_TCA_TOLERANCE_S,
    ConjunctionEvent,
    HistoryPoint,
    event_id_for,
    group_events,
)
from openstc.events.model import CdmRecord, RiskLevel, RiskThresholds, ScreeningRecord

__all__ = [
    "DEFAULT_TCA_TOLERANCE_S",
    "CdmRecord",
    "ConjunctionEvent",
    "HistoryPoint",
    "RiskLevel",
    "RiskThresholds",
    "ScreeningRecord",
    "event_id_for",
    "group_events",
]
