"""Edit requests in plain Chinese, understood without a model.

Understood requests (also shown to the user as help):
- 把满意度改为≥90%            / 将“车辆完好率”改成≥96%      -> the value of the best-matching indicator
- 把车辆完好率的指标解释改为……  / 把…的依据改为……              -> that field
- 把车辆完好率的名称改为……                                    -> the name
- 删除生态效益指标             / 删除“报修响应时间”            -> rows of that 二级, or that indicator
- 增加一个质量指标：维修验收合格率                              -> a new row, filled from the library when it knows it
- 年度目标改为……                                                -> the goal text
- 公厕数量是24座 / 受益学生11000人 / 渠道长度18公里               -> the open fact ({…}) with that label and unit
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.lexicon import jaccard, normalize_name
from assistant.models import Indicator, ProjectSheet
from assistant.taxonomy import TAXONOMY, level1_for, normalize_level2

HELP = """离线模式下可以这样修改表格（也可以直接在表格里编辑单元格）：
- 把满意度改为≥90%
- 把车辆完好率的指标解释改为：完好车日÷总车日×100%
- 把车辆完好率的依据改为：历史标准：2024年完好率96%
- 删除生态效益指标 ／ 删除“报修响应时间”
- 增加一个质量指标：维修验收合格率
- 年度目标改为：……
- 回答待补充信息：公厕数量是24座；受益学生11000人
配置大模型接口后，可以用任意说法提出修改要求。"""

_FIELD_WORDS = {"指标解释": "description", "解释": "description", "口径": "description", "计算公式": "description",
                "依据": "basis", "指标值确定依据": "basis", "确定依据": "basis", "名称": "name", "指标名称": "name",
                "指标值": "value", "目标值": "value", "值": "value"}
_CHANGE = re.compile(r"^(?:请)?(?:把|将)?[“\"']?(?P<target>.+?)[”\"']?(?:的(?P<field>指标解释|解释|口径|计算公式|指标值确定依据|确定依据|依据|指标名称|名称|指标值|目标值|值))?"
                     r"(?:改为|改成|设为|设置为|调整为|修改为|换成|变为)[:：]?\s*(?P<new>.+)$")
_DELETE = re.compile(r"^(?:请)?(?:删除|删掉|去掉|移除|去除)\s*[“\"']?(?P<target>.+?)[”\"']?\s*$")
_ADD = re.compile(r"^(?:请)?(?:增加|添加|新增|加上|补充)(?:一个|一项|一条)?(?P<level2>[\u4e00-\u9fff]{2,10}?指标)[:：]\s*(?P<name>.+)$")
_GOAL = re.compile(r"^(?:请)?(?:把|将)?(?:年度)?(?:绩效)?目标(?:改为|改成|修改为)[:：]?\s*(?P<goal>.+)$")


@dataclass
class EditResult:
    sheet: ProjectSheet
    reply: str
    changed: bool


def _best(sheet: ProjectSheet, target: str) -> int | None:
    """The indicator a user means: exact name, then containment, then the most similar name."""
    key = normalize_name(target)
    names = [normalize_name(i.name) for i in sheet.indicators]
    for i, n in enumerate(names):
        if n == key:
            return i
    contains = [i for i, n in enumerate(names) if key and (key in n or n in key)]
    if len(contains) >= 1:
        return min(contains, key=lambda i: abs(len(names[i]) - len(key)))
    scored = sorted(((jaccard(key, n), i) for i, n in enumerate(names)), reverse=True)
    return scored[0][1] if scored and scored[0][0] >= 0.3 else None


def apply_edit(sheet: ProjectSheet, text: str, store=None) -> EditResult:
    """Apply one plain-language edit; the reply says what was done (or what is understood)."""
    request = text.strip().rstrip("。.！!")
    if not request or request in ("帮助", "help", "?", "？"):
        return EditResult(sheet, HELP, False)
    m = _GOAL.match(request)
    if m:
        return EditResult(sheet.model_copy(update={"goals": [m.group("goal").strip()]}), "已修改年度绩效目标。", True)
    m = _ADD.match(request)
    if m:
        return _add(sheet, m.group("level2"), m.group("name").strip(), store)
    m = _DELETE.match(request)
    if m:
        return _delete(sheet, m.group("target"))
    m = _CHANGE.match(request)
    if m:
        field = _FIELD_WORDS.get(m.group("field") or "", "value")
        i = _best(sheet, m.group("target"))
        if i is None:
            return EditResult(sheet, f"没有找到与“{m.group('target')}”对应的指标。当前指标有："
                              + "、".join(ind.name for ind in sheet.indicators), False)
        rows = list(sheet.indicators)
        old = getattr(rows[i], field)
        rows[i] = rows[i].model_copy(update={field: m.group("new").strip()})
        label = {"value": "指标值", "description": "指标解释", "basis": "指标值确定依据", "name": "名称"}[field]
        return EditResult(sheet.model_copy(update={"indicators": rows}),
                          f"已把“{sheet.indicators[i].name}”的{label}由“{old}”改为“{m.group('new').strip()}”。", True)
    answered = answer_fact(sheet, request)
    if answered is not None:
        return answered
    return EditResult(sheet, "没有理解这条修改要求。" + HELP, False)


def _delete(sheet: ProjectSheet, target: str) -> EditResult:
    level2 = normalize_level2(target)
    all_level2 = {l2 for tax in TAXONOMY.values() for l2s in tax.values() for l2 in l2s}
    if level2 in all_level2:
        kept = [i for i in sheet.indicators if i.level2 != level2]
        gone = len(sheet.indicators) - len(kept)
        if not gone:
            return EditResult(sheet, f"表中没有{level2}。", False)
        return EditResult(sheet.model_copy(update={"indicators": kept}), f"已删除{level2}下的{gone}个指标。", True)
    i = _best(sheet, target)
    if i is None:
        return EditResult(sheet, f"没有找到与“{target}”对应的指标。", False)
    name = sheet.indicators[i].name
    rows = [r for k, r in enumerate(sheet.indicators) if k != i]
    return EditResult(sheet.model_copy(update={"indicators": rows}), f"已删除“{name}”。", True)


def _add(sheet: ProjectSheet, level2_text: str, name: str, store) -> EditResult:
    level2 = normalize_level2(level2_text)
    if level2 in ("成本指标",) and sheet.layout == "2021":
        level2 = "经济成本指标"
    level1 = level1_for(level2, sheet.layout)
    if level1 is None:
        return EditResult(sheet, f"“{level2_text}”不是{sheet.layout}版指标体系中的二级指标。", False)
    row = Indicator(level1=level1, level2=level2, name=name, description="", value="{X:待填}", basis="")
    note = "请补充指标解释、指标值和依据。"
    if store is not None:
        hits = store.search_indicators(name, k=1, level2=level2 if level2 != "经济成本指标" else "成本指标")
        if hits and jaccard(name, hits[0].metadata.get("name", "")) >= 0.5:
            m = hits[0].metadata
            row = row.model_copy(update={"description": m.get("description", ""), "value": m.get("value", "{X:待填}"),
                                         "basis": m.get("basis", "")})
            note = f"已参照示范指标“{m.get('name')}”（{m.get('set_name') or m.get('source')}）填写口径、指标值和依据，请按本项目核对。"
    rows = list(sheet.indicators)
    at = max((k for k, r in enumerate(rows) if r.level2 == level2), default=len(rows) - 1) + 1
    rows.insert(at, row)
    return EditResult(sheet.model_copy(update={"indicators": rows}), f"已在{level2}下增加“{name}”。" + note, True)


_ANSWER_NUM = re.compile(r"(?P<num>\d+(?:\.\d+)?|[一二两三四五六七八九十百]{1,4})\s*(?P<wan>万)?\s*(?P<unit>%|％|[\u4e00-\u9fff/·]{0,6})")
_ANSWER_TAIL = re.compile(r"[，,。；;]?\s*(?:请|麻烦)?(?:帮我)?(?:填上|填入|填写|补上|补充|更新)?(?:一下|吧)?$")


def answer_fact(sheet: ProjectSheet, request: str) -> EditResult | None:
    """A plain answer to an open fact ("公厕数量是24座"): matched by unit and by words shared with the fact's label and
    indicator; asks back when two facts fit equally. None when the text is not such an answer."""
    from assistant.values import same_unit
    from assistant.open_facts import fill, open_facts

    text = _ANSWER_TAIL.sub("", request)
    m = next((m for m in _ANSWER_NUM.finditer(text) if m.group("num")), None)
    facts = [f for f in open_facts(sheet) if f.kind in ("count", "rate", "amount", "year")]
    if m is None or not facts:
        return None
    unit = (m.group("unit") or "").split("，")[0]
    words = text[: m.start()] + text[m.end():]

    def fits(f) -> bool:
        if not unit or (unit in "%％" and f.kind == "rate"):
            return True
        return bool(f.unit) and (unit.startswith(f.unit) or same_unit(unit[:1], f.unit) or f.unit.startswith(unit))

    scored = sorted(((len(_grams(words) & _grams(f.label + f.indicator)), f) for f in facts if fits(f)),
                    key=lambda x: -x[0])
    if not scored or (scored[0][0] == 0 and len(scored) > 1):
        return None if not scored else _ask_back(sheet, [f for _, f in scored])
    best = [f for n, f in scored if n == scored[0][0]]
    if len(best) > 1:
        return _ask_back(sheet, best)
    fact = best[0]
    new, refused = fill(sheet, {fact.key: (m.group("num") + (m.group("wan") or ""))})
    if refused:
        return EditResult(sheet, refused[0].message + "，请重新填写。", False)
    return EditResult(new, f"已填写“{fact.indicator or fact.label}”：{fact.label}为{m.group(0).strip()}。", True)


def _grams(text: str) -> set[str]:
    from assistant.lexicon import cjk_bigrams

    return cjk_bigrams(text) - {"数量", "数是", "是多", "多少"}


def _ask_back(sheet: ProjectSheet, facts) -> EditResult:
    options = "；".join(f"“{f.label}”（{f.indicator}，单位{f.unit or '无'}）" for f in facts[:5])
    return EditResult(sheet, f"这个数值可以填入多项待补充信息：{options}。请说明是哪一项，如“{facts[0].label}是…”。", False)
