"""A sheet as plain rows (for grids and spreadsheets) and back."""

from __future__ import annotations

from assistant.models import Indicator, ProjectSheet

COLUMNS = ["一级指标", "二级指标", "三级指标", "指标解释", "指标值", "指标值确定依据"]
_FIELDS = ["level1", "level2", "name", "description", "value", "basis"]


def sheet_rows(sheet: ProjectSheet) -> list[list[str]]:
    return [[getattr(ind, f) for f in _FIELDS] for ind in sheet.indicators]


def rows_to_sheet(sheet: ProjectSheet, rows: list[list]) -> ProjectSheet:
    """The sheet with its indicators replaced by the grid's rows (empty rows dropped)."""
    indicators = []
    for row in rows or []:
        cells = ["" if c is None else str(c).strip() for c in list(row)[:6]] + [""] * (6 - len(list(row)[:6]))
        if any(cells[2:]):
            indicators.append(Indicator(**dict(zip(_FIELDS, cells))))
    return sheet.model_copy(update={"indicators": indicators}).normalized()
