"""Importing a department's own indicator library (.xlsx/.csv/.json) with every row validated."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from assistant.documents import read_text_file
from assistant.errors import InputFileError
from assistant.models import Indicator, ProjectSheet
from assistant.rules import check_sheet
from assistant.taxonomy import TAXONOMY, level1_for, normalize_level2
from retrieval.store import IndicatorRecord

COLUMNS = {
    "level1": ("一级指标", "level1"),
    "level2": ("二级指标", "level2"),
    "name": ("三级指标", "三级指标名称", "指标名称", "name"),
    "description": ("指标解释", "指标说明", "指标定义", "计算方法", "description"),
    "unit": ("计量单位", "单位", "unit"),
    "nature": ("指标性质", "性质", "nature"),
    "basis": ("指标值确定依据", "依据", "绩效标准", "参考标准", "basis"),
    "category": ("功能分类", "行业领域", "category"),
    "keywords": ("关键词", "keywords"),
    "value": ("指标值", "参考值", "value"),
    "set_name": ("项目类型", "资金用途", "适用项目", "set_name"),
}
_ALL_LEVEL2 = {l2 for tax in TAXONOMY.values() for l2s in tax.values() for l2 in l2s}
_REJECTING_RULES = {"N01", "N02", "N03", "N04", "N05", "D01"}


@dataclass
class ImportReport:
    source: str
    accepted: list[IndicatorRecord] = field(default_factory=list)
    rejected: list[tuple[int, str, list[str]]] = field(default_factory=list)  # (row number, name, reasons)
    warnings: list[tuple[int, str, list[str]]] = field(default_factory=list)


def _rows(path: Path) -> list[dict[str, str]]:
    suffix = path.suffix.lower()
    if suffix == ".json":
        try:
            data = json.loads(read_text_file(path))
        except json.JSONDecodeError as exc:
            raise InputFileError(path, f"JSON 格式错误（第{exc.lineno}行）", "指标对象数组") from exc
        if isinstance(data, dict):
            data = data.get("indicators", [])
        if not isinstance(data, list):
            raise InputFileError(path, "JSON 顶层应为指标对象数组", "[{\"三级指标\": …}, …]")
        return [{str(k): "" if v is None else str(v) for k, v in row.items()} for row in data if isinstance(row, dict)]
    if suffix == ".csv":
        text = read_text_file(path)
        return [dict(r) for r in csv.DictReader(io.StringIO(text))]
    if suffix in (".xlsx", ".xlsm"):
        import openpyxl

        try:
            book = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
        except Exception as exc:
            raise InputFileError(path, f"不是有效的 Excel 工作簿（{type(exc).__name__}）", ".xlsx") from exc
        rows = [["" if v is None else str(v).strip() for v in row] for row in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
        for h, header in enumerate(rows[:10]):
            if any(c in COLUMNS["name"] for c in header):
                return [dict(zip(header, r)) for r in rows[h + 1:] if any(c for c in r)]
        raise InputFileError(path, "第一个工作表中没有找到“三级指标”列", "含三级指标、二级指标等列的表格")
    raise InputFileError(path, f"不支持的文件类型“{suffix}”", ".xlsx、.csv 或 .json")


def _field(row: dict[str, str], key: str) -> str:
    for col in COLUMNS[key]:
        if row.get(col):
            return str(row[col]).strip()
    return ""


def import_library(path: str | Path, source: str = "") -> ImportReport:
    """Validate every row; good rows become IndicatorRecords, bad rows are reported with their reasons."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(path, "文件不存在")
    rows = _rows(path)
    if not rows:
        raise InputFileError(path, "文件中没有任何指标行", "含三级指标等列的表格")
    source = source or path.stem
    report = ImportReport(source=f"user:{source}")
    seen: set[tuple[str, str]] = set()
    for n, row in enumerate(rows, start=2):
        name, level2 = _field(row, "name"), normalize_level2(_field(row, "level2"))
        reasons = []
        if not name:
            reasons.append("三级指标名称为空")
        if level2 not in _ALL_LEVEL2:
            reasons.append(f"二级指标“{_field(row, 'level2') or '（空）'}”不是规范名称")
        if (level2, name) in seen:
            reasons.append("与前面的行重复")
        if reasons:
            report.rejected.append((n, name, reasons))
            continue
        seen.add((level2, name))
        unit, value = _field(row, "unit"), _field(row, "value")
        ind = Indicator(level1=_field(row, "level1") or level1_for(level2, "2015") or level1_for(level2, "2021") or "",
                        level2=level2, name=name, description=_field(row, "description"),
                        value=value or ("={X}" + unit if unit else "达到预期目标"), basis=_field(row, "basis"))
        findings = [f for f in check_sheet(ProjectSheet(name=_field(row, "set_name") or name, indicators=[ind]))
                    if f.index == 0]
        bad = [f"{f.rule} {f.message}" for f in findings if f.rule in _REJECTING_RULES and f.severity == "error"]
        if bad:
            report.rejected.append((n, name, bad))
            continue
        notes = [f"{f.rule} {f.message}" for f in findings if f.severity == "warning" and f.rule.startswith(("B", "D"))]
        if notes:
            report.warnings.append((n, name, notes))
        key = hashlib.sha1(f"{source}|{level2}|{name}".encode("utf-8")).hexdigest()[:12]
        report.accepted.append(IndicatorRecord(
            id=f"user:{source}:{key}", level2=level2, name=name, description=ind.description, value=value,
            basis=ind.basis, set_name=_field(row, "set_name"), category=_field(row, "category"),
            source=report.source, unit=unit, keywords=" ".join(re.split(r"[,，、;；\s]+", _field(row, "keywords"))),
            layouts="2021" if level2 in ("经济成本指标", "社会成本指标", "生态环境成本指标") else "2015,2021"))
    return report
