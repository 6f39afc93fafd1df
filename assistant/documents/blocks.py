"""Turn a document's paragraphs and tables into ProjectSheets, whatever format they came from.

Readers for .txt exports, .docx and .xlsx produce the same stream of blocks; this module finds the projects in
it by their labels (项目名称, 项目编码, 预算数 …) and the indicator table by its header (一级指标 … 指标值).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from assistant.models import SPENDING_MILESTONES, Document, Indicator, ProjectSheet, to_decimal
from assistant.taxonomy import clean, detect_layout


@dataclass
class Paragraph:
    text: str


@dataclass
class Table:
    rows: list[list[str]]
    fixed_width: bool = True  # False: rows were guessed (plain-text export) and may need re-chunking


Block = Paragraph | Table

_LABELS = {
    "code": ("项目编码", "项目代码", "项目编号"),
    "name": ("项目名称", "项目支出名称", "二级项目名称"),
    "total": ("预算数", "年度预算数", "项目总预算", "年度预算", "预算金额", "年度本级预算金额", "当年预算", "年度资金总额",
              "预算总额", "资金总额"),
    "fiscal": ("其中：财政资金", "其中财政资金", "财政资金", "财政拨款", "其中：财政拨款"),
    "other": ("其他资金", "其中：其他资金"),
    "fund_use": ("资金用途", "预算规模及资金用途", "项目概况", "项目总体概况", "项目内容"),
    "plan": ("资金支出计划（%）", "资金支出计划(%)", "资金支出计划"),
    "goals": ("绩效目标", "年度绩效目标", "本年度绩效目标", "年度目标", "年度主要目标和成果", "项目年度绩效目标"),
    "department": ("预算部门", "预算单位", "主管部门", "实施单位", "单位名称", "部门名称"),
    "year": ("预算年度",),
    "layout": ("指标体系",),
}
_LABEL_OF = {re.sub(r"\s+", "", label): key for key, labels in _LABELS.items() for label in labels}
MAX_AMOUNT = Decimal(10) ** 15  # 元; larger is a typing error, and formatting it would take forever
_TITLE_RE = re.compile(r"绩效目标(申报|审批|批复)?表$")
_UNIT_RE = re.compile(r"^单位[:：]\s*(元|万元)$")
_HEADER_COLUMNS = (
    ("basis", ("指标值确定依据", "确定依据", "指标标准或依据", "绩效标准", "评价标准", "依据")),
    ("level1", ("一级指标",)),
    ("level2", ("二级指标",)),
    ("name", ("三级指标", "三级指标名称", "指标名称")),
    ("description", ("指标解释", "绩效指标描述", "指标描述", "指标说明", "指标内容", "指标定义")),
    ("op", ("运算符", "运算符号", "计算符号")),
    ("unit", ("计量单位", "单位")),
    ("value", ("指标值", "年度指标值", "指标值及单位", "目标值", "预期实现值", "当年预期实现值", "数值")),
)


def _key(cell: str) -> str:
    return re.sub(r"\s+", "", cell or "")


def label_of(cell: str) -> str | None:
    return _LABEL_OF.get(_key(cell))


def header_map(row: list[str]) -> dict[str, int] | None:
    """Column positions of an indicator-table header row, or None if the row is not one."""
    keys = [_key(c) for c in row]
    if not any(k.startswith("三级指标") or k == "指标名称" for k in keys) or not any("指标值" in k or k == "目标值" for k in keys):
        return None
    found: dict[str, int] = {}
    for pos, key in enumerate(keys):
        for field_name, names in _HEADER_COLUMNS:
            if field_name not in found and any(key == n or (len(n) > 3 and key.startswith(n)) for n in names):
                found[field_name] = pos
                break
    return found if "name" in found and "value" in found else None


@dataclass
class _Draft:
    title: str = ""
    info: dict = field(default_factory=dict)
    plan: dict = field(default_factory=dict)
    goals: list[str] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    unit: str = "元"

    def has_content(self) -> bool:
        return bool(self.info.get("name") or self.rows)


class _Extractor:
    def __init__(self, source: str) -> None:
        self.source = source
        self.doc = Document(source=source)
        self.current: _Draft | None = None
        self.pending_title = ""
        self.header: dict[str, int] | None = None
        self.expect: str | None = None  # "fund_use" | "plan" | "goals": the next row carries this value
        self.plan_positions: dict[int, str] = {}
        self.last_levels = ["", ""]
        self.sheets: list[ProjectSheet] = []
        self.problems: list[str] = []

    # -- paragraphs -------------------------------------------------------------------------------
    def paragraph(self, text: str) -> None:
        text = re.sub(r"^\[bookmark:[^\]]*\]", "", text).strip()
        if not text:
            return
        if _TITLE_RE.search(text) and len(text) < 80:
            self.pending_title = text
            return
        if self.current is None and not self.sheets:
            self.doc.preface.append(text)

    # -- tables -----------------------------------------------------------------------------------
    def table(self, table: Table) -> None:
        self.header = None
        self.expect = None
        rows = table.rows if table.fixed_width else _rechunk(table.rows)
        for row in rows:
            self.row([c if c is not None else "" for c in row])

    def row(self, row: list[str]) -> None:
        cells = [clean(c) if "\n" not in (c or "") else "\n".join(clean(x) for x in c.split("\n")).strip() for c in row]
        filled = [c for c in cells if c.strip()]
        if len(filled) == 1 and _TITLE_RE.search(filled[0]) and len(filled[0]) < 80:
            if self.current is not None and self.current.rows:
                self.finish()
            self.pending_title = filled[0]
            return
        labels = [label_of(c) for c in cells]
        if self.current is not None and (("name" in labels and self.current.info.get("name"))
                                         or (any(labels) and self.current.rows)):
            self.finish()
        hdr = header_map(cells)
        if hdr:
            self.header = hdr
            self.last_levels = ["", ""]
            self._ensure_current()
            return
        if self.header and not any(labels):
            self._indicator_row(cells)
            return
        self._info_row(cells, labels)

    def _ensure_current(self) -> _Draft:
        if self.current is None:
            self.current = _Draft(title=self.pending_title)
            self.pending_title = ""
        return self.current

    def _info_row(self, cells: list[str], labels: list[str | None]) -> None:
        nonempty = [(i, c) for i, c in enumerate(cells) if c.strip()]
        if not nonempty:
            return
        if not any(labels):
            self._unlabelled_row(cells, nonempty)
            return
        draft = self._ensure_current()
        self.expect = None
        for i, (cell, label) in enumerate(zip(cells, labels)):
            if not label:
                continue
            value, pos = _next_value(cells, labels, i)
            if label == "plan":
                self.plan_positions = {j: _key(c) for j, c in enumerate(cells) if _key(c) in SPENDING_MILESTONES}
                if not self.plan_positions:
                    self.plan_positions = {j: _key(c) for j, c in enumerate(cells) if re.fullmatch(r"\d{1,2}月(底|末)?", _key(c))}
                self.expect = "plan"
            elif label == "goals":
                goals = [c for c in cells[i + 1:] if c.strip()]
                draft.goals.extend(g for c in goals for g in _split_lines(c))
                self.expect = "goals"
            elif label == "fund_use":
                if value is not None and not _looks_numeric(value):
                    draft.info["fund_use"] = value
                else:
                    self.expect = "fund_use"
            elif value is not None and label not in draft.info:
                draft.info[label] = value
            elif label in ("other", "fiscal", "total") and label not in draft.info:
                draft.info[label] = ""

    def _unlabelled_row(self, cells: list[str], nonempty: list[tuple[int, str]]) -> None:
        units = [c for c in cells if _UNIT_RE.match(_key(c))]
        if units:
            draft = self._new_if_complete()
            draft.unit = _UNIT_RE.match(_key(units[0])).group(1)
            first = nonempty[0][1]
            if not _UNIT_RE.match(_key(first)):
                draft.info.setdefault("department", first)
            return
        if self.expect == "plan" and self.current is not None:
            for j, c in nonempty:
                if j in self.plan_positions:
                    self.current.plan[self.plan_positions[j]] = c
            if not self.current.plan:
                milestones = list(self.plan_positions.values())
                for m, (_, c) in zip(milestones, nonempty):
                    self.current.plan[m] = c
            self.expect = None
        elif self.expect == "fund_use" and self.current is not None:
            self.current.info["fund_use"] = nonempty[0][1]
            self.expect = None
        elif self.expect == "goals" and self.current is not None:
            self.current.goals.extend(g for _, c in nonempty for g in _split_lines(c))

    def _new_if_complete(self) -> _Draft:
        """A department/unit row opens a new project once the current one has its indicators."""
        if self.current is not None and self.current.rows:
            self.finish()
        return self._ensure_current()

    def _indicator_row(self, cells: list[str]) -> None:
        h = self.header or {}

        def cell(name: str) -> str:
            pos = h.get(name)
            return cells[pos].strip() if pos is not None and pos < len(cells) else ""

        level1, level2 = cell("level1") or self.last_levels[0], cell("level2") or self.last_levels[1]
        if cell("level1"):
            level2 = cell("level2")
        self.last_levels = [level1, level2]
        value = cell("value")
        if "op" in h or "unit" in h:
            value = f"{cell('op')}{value}{cell('unit')}" if value else value
        row = {"level1": level1, "level2": level2, "name": cell("name"), "description": cell("description"),
               "value": value, "basis": cell("basis")}
        if not any(row[k] for k in ("name", "description", "value", "basis")):
            return
        self._ensure_current().rows.append(row)

    # -- projects ---------------------------------------------------------------------------------
    def finish(self) -> None:
        draft, self.current = self.current, None
        self.header = None
        if draft is None or not draft.has_content():
            return
        info = draft.info
        name = (info.get("name") or "").strip()
        if not name:
            self.problems.append(f"第{len(self.sheets) + 1}个项目表缺少项目名称，已跳过（含{len(draft.rows)}个指标）")
            return
        factor = Decimal(10000) if draft.unit == "万元" else Decimal(1)
        budget = {}
        for key in ("total", "fiscal", "other"):
            budget[key] = self._amount(name, key, info.get(key), factor)
        year = _year(info.get("year")) or self.doc.year
        pairs = [(r["level1"], r["level2"]) for r in draft.rows]
        layout = "2021" if "2021" in info.get("layout", "") else detect_layout(pairs)
        self.sheets.append(ProjectSheet(
            code=info.get("code", ""), name=name, department=info.get("department", "") or self.doc.department,
            year=year, layout=layout, budget=budget, fund_use=info.get("fund_use", ""), spending_plan=draft.plan,
            goals=draft.goals, indicators=[Indicator(**r) for r in draft.rows], title=draft.title,
        ))

    def _amount(self, name: str, key: str, text: str | None, factor: Decimal) -> Decimal | None:
        """An amount as written, or None with a problem when it is not a usable number of 元."""
        label = {"total": "预算数", "fiscal": "财政资金", "other": "其他资金"}[key]
        try:
            amount = to_decimal(text)
        except ValueError:
            amount = Decimal("NaN")
        if amount is not None and (not amount.is_finite() or abs(amount) > MAX_AMOUNT):
            self.problems.append(f"项目“{name[:40]}”的{label}“{str(text)[:30]}”无法识别为金额，已按空白读取")
            return None
        if amount is not None and amount < 0:
            self.problems.append(f"项目“{name[:40]}”的{label}为负数（{str(text)[:30]}），请核对")
        return amount * factor if amount is not None and factor != 1 else amount

    def result(self) -> Document:
        self.finish()
        self.doc.projects = self.sheets
        return self.doc


def _next_value(cells: list[str], labels: list[str | None], i: int) -> tuple[str | None, int]:
    """The first non-empty, non-label cell after position i (None if a label or the row end comes first)."""
    for j in range(i + 1, len(cells)):
        if labels[j]:
            return None, j
        if cells[j].strip():
            return cells[j].strip(), j
    return None, len(cells)


def _split_lines(text: str) -> list[str]:
    return [line.strip() for line in re.split(r"[\n\t]+", text) if line.strip()]


def _looks_numeric(text: str) -> bool:
    return bool(re.fullmatch(r"[\d,，.]+", text.strip()))


def _year(text: str | None) -> int | None:
    m = re.search(r"(20\d{2})", text or "")
    return int(m.group(1)) if m else None


def _rechunk(rows: list[list[str]]) -> list[list[str]]:
    """Plain-text exports break a row wherever a cell ends with an empty paragraph; rebuild the indicator rows
    by the header's width (every cell, empty or not, is written out)."""
    out: list[list[str]] = []
    width = 0
    pending: list[str] = []
    for row in rows:
        if width == 0:
            if header_map([clean(c) for c in row]):
                width = len(row)
            out.append(row)
            continue
        pending.extend(row)
        while len(pending) >= width:
            out.append(pending[:width])
            pending = pending[width:]
    if pending and any(c.strip() for c in pending):
        out.append(pending)
    return out


def extract_document(blocks: list[Block], source: str = "") -> tuple[Document, list[str]]:
    """Find the document's header and its project sheets in a stream of blocks; also return problems found."""
    ex = _Extractor(source)
    head = [b.text for b in blocks[:40] if isinstance(b, Paragraph) and b.text.strip()
            and not _TITLE_RE.search(b.text.strip())]
    for text in head:
        y = re.search(r"(20\d{2})\s*年", text)
        if y and ("预算" in text or "绩效" in text):
            ex.doc.year = int(y.group(1))
            break
    titled = [t.strip() for t in head[:4]]
    if titled:
        ex.doc.department = titled[0] if not re.search(r"\d{4}\s*年", titled[0]) else ""
        ex.doc.title = " ".join(t for t in titled[:3] if "目录" not in t and len(t) < 60)
    for block in blocks:
        if isinstance(block, Paragraph):
            ex.paragraph(block.text)
        else:
            ex.table(block)
    doc = ex.result()
    return doc, ex.problems
