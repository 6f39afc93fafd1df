"""PNG charts whose Chinese labels render: an installed CJK font is used; without one, labels fall back to ASCII."""

from __future__ import annotations

from pathlib import Path

METRIC_ZH = {"schema_valid": "结构有效", "validator_score": "规则得分", "error_free": "无错误", "measurability": "可衡量",
             "relevance": "相关性", "quantity_use": "数量采用", "coverage_precision": "覆盖精确率",
             "coverage_recall": "覆盖召回率", "coverage_f1": "覆盖F1", "no_duplicates": "无重复",
             "no_contamination": "无串用", "kept_good": "保留合格"}
_CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK SC", "WenQuanYi Zen Hei", "SimHei", "Microsoft YaHei")


def _setup():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager, pyplot as plt

    installed = {f.name for f in font_manager.fontManager.ttflist}
    font = next((f for f in _CJK_FONTS if f in installed), None)
    if font:
        plt.rcParams["font.family"] = [font]
        plt.rcParams["axes.unicode_minus"] = False
    return plt, font is not None


def _label(text: str, cjk: bool, fallback: str) -> str:
    return text if cjk else fallback


def bar_chart(values: dict[str, float], path: Path, title: str) -> Path:
    plt, cjk = _setup()
    names = list(values)
    fig, ax = plt.subplots(figsize=(10, 4.5), dpi=110)
    ax.bar([_label(METRIC_ZH.get(n, n), cjk, n) for n in names], [values[n] for n in names], color="#d9662b")
    ax.set_ylim(0, 1.05)
    ax.set_title(_label(title, cjk, "metrics"))
    for i, n in enumerate(names):
        ax.text(i, values[n] + 0.02, f"{values[n]:.2f}", ha="center", fontsize=8)
    plt.setp(ax.get_xticklabels(), rotation=30, ha="right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def sector_chart(per_sector: dict[str, dict[str, float]], metrics: list[str], path: Path, title: str) -> Path:
    plt, cjk = _setup()
    sectors = list(per_sector)
    fig, ax = plt.subplots(figsize=(max(8, len(sectors) * 0.8), 4.8), dpi=110)
    width = 0.8 / max(1, len(metrics))
    for k, metric in enumerate(metrics):
        xs = [i + k * width for i in range(len(sectors))]
        ax.bar(xs, [per_sector[s].get(metric, 0) for s in sectors], width,
               label=_label(METRIC_ZH.get(metric, metric), cjk, metric))
    ax.set_xticks([i + width * (len(metrics) - 1) / 2 for i in range(len(sectors))])
    ax.set_xticklabels([_label(s, cjk, f"S{i + 1}") for i, s in enumerate(sectors)], rotation=35, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_title(_label(title, cjk, "per sector"))
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def baseline_chart(rows: list[tuple[str, float, float]], path: Path) -> Path:
    plt, cjk = _setup()
    fig, ax = plt.subplots(figsize=(10, 4.5), dpi=110)
    xs = range(len(rows))
    ax.bar([x - 0.2 for x in xs], [r[1] for r in rows], 0.4, label=_label("原表", cjk, "legacy"), color="#999999")
    ax.bar([x + 0.2 for x in xs], [r[2] for r in rows], 0.4, label=_label("改写后", cjk, "rewritten"), color="#d9662b")
    ax.set_xticks(list(xs))
    ax.set_xticklabels([_label(r[0][:8], cjk, f"P{i + 1}") for i, r in enumerate(rows)], rotation=35, ha="right")
    ax.set_ylim(0, 105)
    ax.set_title(_label("样例文档：原表与改写后得分", cjk, "seed baseline"))
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def calibration_chart(scores: dict[str, list[float]], path: Path) -> Path:
    """Score distribution of real tables per label (good/mixed/vague) as strip plots over the grade bands."""
    plt, cjk = _setup()
    labels = {"good": "良好", "mixed": "混合", "vague": "空泛"}
    fig, ax = plt.subplots(figsize=(8, 4.2), dpi=110)
    for floor, top, color in ((0, 60, "#f4d6d6"), (60, 80, "#f7ead0"), (80, 90, "#e3efd9"), (90, 100, "#cfe8cf")):
        ax.axhspan(floor, top, color=color, zorder=0)
    for k, (label, values) in enumerate(scores.items()):
        xs = [k + (j % 7 - 3) * 0.04 for j in range(len(values))]
        ax.scatter(xs, values, s=22, color="#d9662b", zorder=2)
        if values:
            ax.hlines(sum(values) / len(values), k - 0.3, k + 0.3, color="#333333", zorder=3)
    ax.set_xticks(list(range(len(scores))))
    ax.set_xticklabels([_label(labels.get(n, n), cjk, n) for n in scores])
    ax.set_ylim(0, 100)
    ax.set_ylabel(_label("得分（差<60≤中<80≤良<90≤优）", cjk, "score"))
    ax.set_title(_label("真实公开表的评分分布", cjk, "calibration on real tables"))
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
