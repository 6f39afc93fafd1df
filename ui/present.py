"""What the page shows, in Chinese: chat requests read as a brief, rule titles, type names, the rewrite preview, the
evaluation summary and its chart font, and error texts without server paths. No gradio here (app.py wires it)."""

from __future__ import annotations

import functools
import html
import logging
import re
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("zhibiao.ui")

# -- the chat before any draft: "帮我起草2025年XX项目，预算50万元" ------------------------------------------------
_LEAD = re.compile(r"^(?:请你?|麻烦你?|您好|你好|帮我|帮忙|给我|替我|我要|我想|想要|需要|我需要|能否|可以)*"
                   r"(?:起草|编制|编写|拟定|拟写|草拟|制定|做|写|生成|填写|出)?(?:一下|一个|一份|一张|个|份|张)?(?:关于)?")
_TAIL = re.compile(r"(?:的)?(?:项目支出)?(?:绩效目标表|绩效目标申报表|绩效目标|绩效指标表|绩效表|目标表|指标表|绩效指标)?$")
_BUDGET = re.compile(r"(?:预算|资金|金额|经费|投资)(?:资金|金额|总额|规模)?(?:为|是|约|共|合计|：|:)?\s*"
                     r"(?P<amount>\d+(?:[.,]\d+)*\s*(?:亿元|万元|亿|万|元))")
_CLAUSES = re.compile(r"[，,。；;！!？?\n]+")
_YEAR = re.compile(r"(20\d{2})\s*年")
_SPAN = re.compile(r"(20\d{2})\s*年?\s*[-—–~～至到]\s*(20\d{2})\s*年")


@dataclass(frozen=True)
class ChatBrief:
    name: str
    purpose: str
    budget: str | None
    year: int | None


def parse_chat_brief(text: str) -> ChatBrief:
    """A first chat message read as a project: its name without the request words, the budget it states, the year in
    the name, and the other clauses as the purpose (may be empty). "帮我起草2025年开平区农村公路养护项目，预算50万元" ->
    name 2025年开平区农村公路养护项目, budget 50万元, year 2025."""
    text = (text or "").strip()
    budget = _BUDGET.search(text)
    clauses = [c.strip() for c in _CLAUSES.split(text) if c.strip()]
    name, rest = "", []
    for clause in clauses:
        bare = _BUDGET.sub("", clause).strip()
        if not name:
            candidate = _TAIL.sub("", _LEAD.sub("", bare)).strip(" ：:“”\"'")
            if candidate:
                name = candidate
                continue
        if bare and not (budget and clause == budget.group(0)):
            rest.append(bare)
    name = name[:60] or text[:60]
    year = _YEAR.search(name)
    return ChatBrief(name=name, purpose="，".join(rest), budget=re.sub(r"\s+", "", budget.group("amount")) if budget
                     else None, year=int(year.group(1)) if year else None)


def year_conflict(name: str, year) -> str:
    """A visible warning when the project name states a budget year other than the 预算年度 field."""
    try:
        year = int(year)
    except (TypeError, ValueError):
        return ""
    named = {int(y) for y in _YEAR.findall(name or "")}
    for start, end in _SPAN.findall(name or ""):  # 2024—2026年: a span holds every year in it
        named |= set(range(int(start), int(end) + 1))
    if named and year not in named:
        said = "、".join(f"{y}年" for y in sorted(named))
        return f"项目名称写的是{said}，预算年度填的是{year}年，请核对（指标和年度目标按{year}年起草）。"
    return ""


# -- rule titles and type names ------------------------------------------------------------------------------
def rule_label(code: str) -> str:
    """"V07" -> "V07 “≥100%”式指标值"."""
    from assistant.report import rule_title

    return rule_title(code)


@functools.lru_cache(maxsize=1)
def _types() -> dict[str, tuple[str, str]]:
    from retrieval.library import load_library

    return {s.id: (s.name, s.category) for s in load_library()}


def type_name(type_id: str, name: str = "", category: str = "") -> str:
    """A library type as a user reads it: "农村公路养护（交通运输）", never the id."""
    known = _types().get(type_id)
    name = name or (known[0] if known else "")
    category = category or (known[1] if known else "")
    if not name:
        name = "组合起草" if type_id.startswith("archetype") else "示范指标"
    return f"{name}（{category}）" if category else name


# -- error texts ---------------------------------------------------------------------------------------------
_PATH = re.compile(r"(?:[A-Za-z]:)?[\\/](?:[^\s\\/：:，,；;（）()“”\"'<>|]+[\\/])+(?P<name>[^\s\\/：:，,；;（）()“”\"'<>|]*)")


def public_message(text: str) -> str:
    """An error text without server paths: a temporary upload path becomes its file name."""
    return _PATH.sub(lambda m: m.group("name") or "", str(text)).strip()


# -- 批量改写: each project's rows before and after -------------------------------------------------------------
ACTION_ZH = {"kept": "保留", "completed": "补全", "rewritten": "改写", "added": "新增", "removed": "删除"}
_ORDER = ("rewritten", "completed", "added", "removed", "kept")


def _cell(ind) -> str:
    if ind is None:
        return "—"
    return f"{html.escape(ind.name)}<br><span class='rw-value'>{html.escape(ind.value or '（空）')}</span>"


def rewrite_preview(projects) -> str:
    """Per project a compact table: 处理 | 二级指标 | 改写前 指标名称/指标值 | 改写后 指标名称/指标值 (HTML)."""
    parts = ["<div class='rw-preview'>"] + (["<p class='rw-head'><b>逐项目对照</b>：点开项目，查看每行指标改写前后的"
                                             "指标名称和指标值</p>"] if projects else [])
    for p in projects:
        counts = {a: sum(c.action == a for c in p.changes) for a in _ORDER}
        after = f"{p.after.score:.0f}" if p.after else "失败"
        tally = "，".join(f"{ACTION_ZH[a]} {n}" for a, n in counts.items() if n)
        head = f"{html.escape(p.name)}：{p.before.score:.0f} → {after} 分" + (f"（{tally}）" if tally else "")
        parts.append(f"<details class='rw-project'><summary>{head}</summary>")
        if p.status == "failed":
            parts.append(f"<p>改写失败：{html.escape(public_message(p.error))}。原表保留不变。</p></details>")
            continue
        parts.append("<div class='rw-scroll'><table class='rw-table'><thead><tr><th>处理</th><th>二级指标</th>"
                     "<th>改写前（指标名称 / 指标值）</th><th>改写后（指标名称 / 指标值）</th></tr></thead><tbody>")
        for c in p.changes:
            same = c.action == "kept"
            parts.append(f"<tr class='rw-{c.action}'><td class='rw-action'>{ACTION_ZH[c.action]}</td>"
                         f"<td>{html.escape(c.level2)}</td><td>{_cell(c.before)}</td>"
                         f"<td>{'同左' if same else _cell(c.after)}</td></tr>")
        parts.append("</tbody></table></div></details>")
    parts.append("</div>")
    return "".join(parts)


# -- 评估 ----------------------------------------------------------------------------------------------------
METRIC_ZH = {"schema_valid": "结构有效", "validator_score": "规则得分", "error_free": "无错误", "errors": "错误数",
             "measurability": "可衡量", "relevance": "相关性", "quantity_use": "数量采用", "coverage_precision": "覆盖精确率",
             "coverage_recall": "覆盖召回率", "coverage_f1": "覆盖F1", "no_duplicates": "无重复", "no_contamination": "无串用",
             "own_objects": "本项目对象", "foreign_rows": "外来指标行", "composed": "组合起草", "kept_good": "保留合格", "facts_kept": "原值保留",
             "latency_ms": "耗时（毫秒）", "model_calls": "模型调用次数", "tokens": "令牌数"}
DRAFTER_ZH = {"exemplar": "离线示范库", "llm": "大模型"}


def eval_summary_zh(markdown: str) -> str:
    """The harness summary with metric ids and drafter names in Chinese."""
    def metric(m: re.Match) -> str:
        return METRIC_ZH.get(m.group(1), m.group(1))

    out = re.sub(r"(?m)^\| ([a-z][a-z0-9_]*) \|", lambda m: f"| {metric(m)} |", markdown)
    out = re.sub(r"评估报告（(\w+)）", lambda m: f"评估报告（{DRAFTER_ZH.get(m.group(1), m.group(1))}）", out)
    # "- d020 2025年…：0.59": the case id is internal
    return re.sub(r"(?m)^- [a-z]\d{2,4} ", "- ", out)


_CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Source Han Sans SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei",
                 "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC")


@functools.lru_cache(maxsize=1)
def chart_font() -> str | None:
    """A CJK font for matplotlib, found at run time; the font list is rebuilt once when its cache predates the font.
    Without one, the log says so once and charts fall back to ASCII labels."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager

    def find() -> str | None:
        names = {f.name for f in font_manager.fontManager.ttflist}
        return next((n for n in _CJK_FAMILIES if n in names), None) or next(
            (n for n in sorted(names) if "CJK" in n or "Hei" in n), None)

    font = find()
    if font is None:
        font_manager.fontManager = font_manager._load_fontmanager(try_read_cache=False)  # a cache older than the font
        font = find()
    if font is None:
        log.warning("未找到中文字体（如 fonts-noto-cjk），评估图表的中文标签无法显示")
        return None
    import matplotlib.pyplot as plt

    plt.rcParams["font.family"] = [font]
    plt.rcParams["axes.unicode_minus"] = False
    return font


def eval_charts(run, out: Path) -> list[Path]:
    """The evaluation's charts drawn with Chinese labels in a CJK font: metric means, and per-sector scores."""
    font = chart_font()
    import matplotlib.pyplot as plt

    def label(zh: str, ascii_: str) -> str:
        return zh if font else ascii_

    paths = []
    from eval.scorers import QUALITY

    means = {m: v for m, v in run.means().items() if m in QUALITY}
    if means:
        fig, ax = plt.subplots(figsize=(8, 4.2), dpi=110)
        names = list(means)
        ax.bar([label(METRIC_ZH.get(n, n), n) for n in names], [means[n] for n in names], color="#d9662b")
        for i, n in enumerate(names):
            ax.text(i, means[n] + 0.02, f"{means[n]:.2f}", ha="center", fontsize=8)
        ax.set_ylim(0, 1.12)
        ax.set_ylabel(label("均值（0–1）", "mean"))
        ax.set_title(label("各指标均值", "metric means"))
        plt.setp(ax.get_xticklabels(), rotation=30, ha="right")
        fig.tight_layout()
        paths.append(out / "指标均值.png")
        fig.savefig(paths[-1])
        plt.close(fig)
    per = run.per("sector")
    if per:
        metrics = ["validator_score", "coverage_f1", "measurability"]
        sectors = list(per)
        fig, ax = plt.subplots(figsize=(max(8, len(sectors) * 0.7), 4.2), dpi=110)
        width = 0.8 / len(metrics)
        for k, m in enumerate(metrics):
            ax.bar([i + k * width for i in range(len(sectors))], [per[s].get(m, 0) for s in sectors], width,
                   label=label(METRIC_ZH[m], m))
        ax.set_xticks([i + width for i in range(len(sectors))])
        ax.set_xticklabels([label(s, f"S{i + 1}") for i, s in enumerate(sectors)], rotation=35, ha="right")
        ax.set_ylim(0, 1.12)
        ax.set_title(label("分领域得分", "per sector"))
        ax.legend(fontsize=8)
        fig.tight_layout()
        paths.append(out / "分领域.png")
        fig.savefig(paths[-1])
        plt.close(fig)
    return paths
