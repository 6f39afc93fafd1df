"""The pydantic model of a 绩效目标表: the single source of truth for input, model replies and every format."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator, model_validator

from assistant.taxonomy import Layout, clean, detect_layout, level1_for, normalize_level1, normalize_level2, order_key
from assistant.values import ParsedValue, parse_value

BasisCategory = Literal["计划标准", "历史标准", "行业标准", "预算支出标准", "其他标准"]
BASIS_CATEGORIES: tuple[str, ...] = ("计划标准", "历史标准", "行业标准", "预算支出标准", "其他标准")
_BASIS_ALIASES = {"财政部门和预算部门确认的其他标准": "其他标准", "预算标准": "预算支出标准", "支出标准": "预算支出标准"}
_BASIS_RE = re.compile(r"^\s*(?P<cat>" + "|".join(list(_BASIS_ALIASES) + list(BASIS_CATEGORIES)) + r")\s*[:：,，;；、]?\s*(?P<src>.*)$", re.S)

SPENDING_MILESTONES = ("3月底", "6月底", "10月底", "12月底")


@lru_cache(maxsize=16384)
def split_basis(text: str) -> tuple[str | None, str]:
    """'行业标准：GB 50300-2013…' -> ('行业标准', 'GB 50300-2013…'); no category -> (None, text)."""
    m = _BASIS_RE.match(text or "")
    if not m:
        for cat in BASIS_CATEGORIES:
            if cat in (text or ""):
                return cat, clean((text or "").replace(cat, "", 1).strip("：:，, "))
        return None, clean(text)
    cat = _BASIS_ALIASES.get(m.group("cat"), m.group("cat"))
    return cat, clean(m.group("src"))


def to_decimal(value: Any) -> Decimal | None:
    """Parse an amount as written ('295900.00', '1,000,000', 12.5) without losing its digits."""
    if value is None or isinstance(value, Decimal):
        return value
    text = str(value).strip().replace(",", "").replace("，", "")
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(f"金额无法识别：{value!r}") from exc


class Budget(BaseModel):
    """Project budget in 元, kept with the digits exactly as written."""

    model_config = ConfigDict(extra="forbid")

    total: Decimal | None = Field(None, description="预算数（元）")
    fiscal: Decimal | None = Field(None, description="其中：财政资金（元）")
    other: Decimal | None = Field(None, description="其他资金（元）")

    _parse = field_validator("total", "fiscal", "other", mode="before")(lambda v: to_decimal(v))

    @property
    def total_yuan(self) -> float | None:
        amount = self.total if self.total is not None else self.fiscal
        return float(amount) if amount is not None else None


class Indicator(BaseModel):
    """One 三级指标 row. ``value`` and ``basis`` are the texts as they stand in the table."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    level1: str = Field("", description="一级指标：产出指标/效益指标/满意度指标（2021 版另有成本指标）")
    level2: str = Field("", description="二级指标：数量指标、质量指标、时效指标、成本指标、经济效益指标等")
    name: str = Field("", description="三级指标名称，可衡量，不含运算符和数值")
    description: str = Field("", description="指标解释：定量指标写明计算公式或统计口径，定性指标写明分级方法")
    value: str = Field("", description="指标值：运算符+数值+单位（≥95%、=3辆、≤18万元/辆），或截止日期，或分级定性值")
    basis: str = Field("", description="指标值确定依据：类别（计划标准/历史标准/行业标准/预算支出标准/其他标准）+ 具体来源")

    @model_validator(mode="before")
    @classmethod
    def _drop_derived(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k not in ("parsed_value", "basis_category", "basis_source")}
            for key in ("level1", "level2", "name", "description", "value", "basis"):
                if data.get(key) is None:
                    data.pop(key, None)
                elif not isinstance(data[key], str):
                    data[key] = str(data[key])
        return data

    @computed_field(description="指标值的结构化解析")  # type: ignore[prop-decorator]
    @property
    def parsed_value(self) -> ParsedValue:
        return parse_value(self.value)

    @computed_field(description="依据类别")  # type: ignore[prop-decorator]
    @property
    def basis_category(self) -> str | None:
        return split_basis(self.basis)[0]

    @computed_field(description="依据的具体来源")  # type: ignore[prop-decorator]
    @property
    def basis_source(self) -> str:
        return split_basis(self.basis)[1]


class ProjectSheet(BaseModel):
    """One project's 预算项目支出绩效目标表."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    code: str = Field("", description="项目编码")
    name: str = Field(description="项目名称")
    department: str = Field("", description="预算单位（含单位编码时原样保留）")
    year: int | None = Field(None, description="预算年度")
    layout: Layout = Field("2015", description="指标体系：2015（成本指标属产出指标）或 2021（财预〔2021〕101号）")
    budget: Budget = Field(default_factory=Budget, description="预算规模（元）")
    fund_use: str = Field("", description="资金用途")
    spending_plan: dict[str, str] = Field(default_factory=dict, description="资金支出计划，如 {'3月底': '25%'}")
    goals: list[str] = Field(default_factory=list, description="年度绩效目标")
    indicators: list[Indicator] = Field(default_factory=list, description="绩效指标")
    title: str = Field("", description="表题（原文档中的标题）")

    @field_validator("name")
    @classmethod
    def _name_present(cls, v: str) -> str:
        if not clean(v):
            raise ValueError("项目名称不能为空")
        return v

    @field_validator("year")
    @classmethod
    def _year_range(cls, v: int | None) -> int | None:
        if v is not None and not 2000 <= v <= 2100:
            raise ValueError(f"预算年度不合理：{v}")
        return v

    @property
    def text(self) -> str:
        """The project's own words: name, fund use and goals (for relevance checks)."""
        return " ".join([self.name, self.fund_use, *self.goals])

    def normalized(self) -> "ProjectSheet":
        """A copy with canonical 一级/二级 names, missing 一级 derived, and the layout detected if unset."""
        pairs = [(i.level1, i.level2) for i in self.indicators]
        layout = self.layout if self.layout == "2021" else detect_layout(pairs)
        rows = []
        for ind in self.indicators:
            level2 = normalize_level2(ind.level2)
            level1 = normalize_level1(ind.level1) or (level1_for(level2, layout) or "")
            # a row already canonical is shared with the copy (no code assigns to a row's fields; a changed row
            # is always a new Indicator), so checking a sheet again does not copy every row again
            same = level1 == ind.level1 and level2 == ind.level2
            rows.append(ind if same else ind.model_copy(update={"level1": level1, "level2": level2}))
        return self.model_copy(update={"indicators": rows, "layout": layout})

    def sorted_indicators(self) -> list[Indicator]:
        return sorted(self.indicators, key=lambda i: order_key(i.level1, i.level2, self.layout))


class Document(BaseModel):
    """A department's budget performance document: some preface text and its project sheets."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field("", description="文档标题")
    department: str = Field("", description="部门")
    year: int | None = Field(None, description="预算年度")
    preface: list[str] = Field(default_factory=list, description="项目表之前的文字（部门整体绩效目标等），原样保留")
    projects: list[ProjectSheet] = Field(default_factory=list, description="项目绩效目标表")
    source: str = Field("", description="来源文件")
