"""Does a project type fit a project? The project's objects (nouns of its name, purpose and goal) against the
objects the type's rows measure, each object weighted by how few types name it, so shared generic words
(改造, 安全, 服务, 建设) decide nothing.

Calibrated on labelled pairs (eval/fit_calibration.py): the labelled retrieval queries with their own type (fits),
the same queries against the best other type with their own type left out (does not fit), and the briefs of
eval/cases/novel.jsonl (types the library does not have).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.brief import Brief
from assistant.lexicon import same_object_names

# a type fits when this share of the project's object weight is found in the type's rows (see module docstring)
FIT_THRESHOLD = 0.4
NAME_WEIGHT = 2.0
NAME_THRESHOLD = 0.4
# words that say what the money does, where or for whom in general, not which object: never an object
GENERIC = frozenset("""
项目 工作 经费 资金 费用 支出 专项 补助 补贴 奖补 奖励 专项资金 工作经费 业务 业务费 运行费 运维费 维护费 保障金 支付
建设 新建 改建 扩建 改造 提升 提质 更新 更新改造 升级 维修 维护 修缮 养护 运行 运营 运维 保障 管理 服务 购买 购置 采购
配备 实施 开展 组织 推进 完成 落实 加强 提高 规范 支持 用于 及时 日常 定期 全面 综合 相关 基本 重点 一般 专业 标准
安全 质量 能力 水平 体系 机制 制度 工程 设施 设备 系统 平台 场所 站点 中心 单位 部门 机构 人员 对象 群众 居民 市民
城区 城市 城镇 城乡 农村 乡镇 乡村 街道 社区 全县 全区 全市 全省 县级 市级 区级 省级 本级 县 区 市 镇 乡 村 机关 政府 城关
年度 全年 当年 本年 年 月 日 每年 每月 工作日 计划 方案 任务 目标 情况 要求 规定 工作量 数量 次数 人数
惠民 民生 公共 公益 基础 示范 试点 创建 改革 发展 建立 健全 确保 保证 提供 办理 处理 处置 监督 监管 检查 考核 评估
以上 以下 涉及 进行 惠及 正常 有效 其他 各类 老旧 一体化 市场化 常态化 规范化 标准化 全额 足额 按时 按月 按期 达到
中央财政 省级财政 财政 上级 本地 辖区 地方 所属 下属 直属 全体 所有 部分 主要 重要 各项 相关工作 二期 一期 三期 其中 包括
""".split())
_CJK = re.compile(r"^[\u4e00-\u9fff]{2,}$")
# place and department names (城关镇, 开平区, 民政局, 县政府), counted amounts (万亩, 一台), ordinals (第三届) and
# rates (每生, 每天) are not objects
_NOT_OBJECT = re.compile(r"^(.{1,3}[省市县区镇乡村]|.{1,4}[局委办厅部]|.{0,2}政府|[一二两三四五六七八九十百千万几]+.?"
                         r"|第[一二三四五六七八九十百\d]+[届期批次轮季]|每.)$")
_FUND_SUFFIX = re.compile(r"(专项经费|工作经费|经费|资金|费用|服务费|补助费|费|工作)$")


@dataclass(frozen=True)
class Fit:
    """How well one type fits one project: the share of the project's object weight found in the type."""

    set_id: str
    score: float
    matched: tuple[str, ...]
    missing: tuple[str, ...]
    name_score: float = 1.0  # the same share over the objects of the project name alone
    head: str = ""  # a rewrite's project name's last object word (Chinese names are head-final: 人才驿站 is a 驿站)
    clash: str = ""  # the project's name does one kind of work (补贴), the type's another (改造): "补贴≠改造"
    kind: str = ""  # the same thing of another kind: an 空气质量 自动监测站 is not a 水质 one: "空气质量≠水质"
    unmeasured: str = ""  # the project buys or builds (购置), and no row of the type counts anything bought or built

    @property
    def fits(self) -> bool:
        if self.clash or self.kind or self.unmeasured:
            return False
        if self.head and self.head in self.missing and self.name_score < 0.5:
            return False  # the type knows a modifier (人才) but not what the project is (驿站)
        return not self.missing or (self.score >= FIT_THRESHOLD and self.name_score >= NAME_THRESHOLD)


@lru_cache(maxsize=1)
def _units() -> frozenset[str]:
    """Units a quantity is counted in (平方米, 公里, 人次): a measure, never an object."""
    from assistant.brief import _UNITS

    return frozenset(u for u in _UNITS if len(u) >= 2)


def _act_pair(tok: str) -> bool:
    """Two words that each say what is done, run together (运营补贴, 改造提升, 运行维护), say no object; 基础设施 and
    建设项目 still say what kind of thing the money is for."""
    return len(tok) == 4 and all(half in GENERIC and half in _actions() for half in (tok[:2], tok[2:]))


def _tokens(text: str) -> list[str]:
    from retrieval.bm25 import _jieba

    out = []
    raw = _jieba().lcut(text or "", HMM=True)
    for k, tok in enumerate(raw):
        if k + 1 < len(raw) and raw[k + 1] == "中心" and len(tok) >= 2 and _CJK.match(tok):
            tok += "中心"  # 便民服务中心 is a body; jieba's 便民服务 + 中心 would leave only a service
        tok = _FUND_SUFFIX.sub("", tok) if len(tok) > 2 else tok
        if _CJK.match(tok) and tok not in GENERIC and not _NOT_OBJECT.match(tok) and not _act_pair(tok) \
                and tok.lstrip("万亿") not in _units():
            out.append(tok)
    return out


# where in a type an object is found: what the type is about, what its rows are named, what their 解释 mention
TIERS = (1.0, 0.75, 0.75, 0.4)


def type_text(exemplar) -> tuple[str, str, str, str]:
    """What a type's rows measure, in four tiers: name/keywords, purposes (where they also say where: 农贸市场周边的
    公厕), indicator names, indicator 解释."""
    return (" ".join([exemplar.name, " ".join(exemplar.keywords)]), " ".join(exemplar.purposes),
            " ".join(i.name for i in exemplar.indicators), " ".join(i.description for i in exemplar.indicators))


@lru_cache(maxsize=4)
def _index(key: tuple[str, ...]) -> dict[str, tuple[str, str, str, str]]:
    from retrieval.library import load_library

    return {s.id: type_text(s) for s in load_library() if s.id in set(key)}


def library_texts() -> dict[str, tuple[str, str, str, str]]:
    """type id -> object text for the shipped library (recomputed when the library changes)."""
    from retrieval.library import load_library

    return _index(tuple(s.id for s in load_library()))


def project_objects(brief: Brief | str) -> dict[str, float]:
    """The project's object words with their weights: name words count double, generic words not at all."""
    if isinstance(brief, str):
        name, rest = brief, ""
    else:
        name, rest = brief.name, " ".join(x for x in (brief.purpose, brief.goal) if x)
    weights: dict[str, float] = {}
    for tok in _tokens(rest):
        if not tok.endswith("率"):  # 处理率, 合格率: a measure the brief aims at, not an object
            weights[tok] = max(weights.get(tok, 0.0), 1.0)
    for tok in _tokens(name):
        weights[tok] = NAME_WEIGHT
    # a term the name quotes (“三支一扶”人员补贴, “单一窗口”) names the programme itself, whatever jieba makes of it
    for term in re.findall(r"[“\"‘「]([\u4e00-\u9fff]{2,12})[”\"’」]", name):
        weights[term] = NAME_WEIGHT
    return weights


@lru_cache(maxsize=8192)
def _rarity(word: str, key: int) -> float:
    texts = library_texts()
    df = sum(any(word in part for part in t) for t in texts.values())
    return math.log((len(texts) + 1) / (df + 1)) + 0.1


# a last character that makes a three-character word a kind of its first two (档案馆 is an 档案 place, 调查员 an
# 调查 person, 信息化 an 信息 process); 无线电 is not a kind of 无线, so its head alone is not the word
_CLASS_SUFFIX = frozenset("馆站室所院库局队厂场点园区港处科组会楼房舍营地网车船机渠桥路员者户人家化性式型类品费证")


def _found(word: str, text: str) -> bool:
    """The word, or another name of the same object, occurs in the text; or both halves of a four-character word, or
    the head of a three-character one whose last character only says what kind of thing it is (档案馆 in 档案)."""
    if word in text or any(w in text for w in same_object_names().get(word, ())):
        return True
    if len(word) == 3:
        return word[2] in _CLASS_SUFFIX and word[:2] in text
    return len(word) >= 4 and word[:2] in text and word[2:] in text


def _credit(word: str, tiers: tuple[str, ...]) -> float:
    """How much of a word's weight a type earns: by the first tier of the type that names it."""
    return next((c for c, part in zip(TIERS, tiers) if _found(word, part)), 0.0)


def fit(brief: Brief | str, set_id: str, text: tuple[str, ...] | None = None) -> Fit:
    """The fit of one type to the project."""
    text = text if text is not None else library_texts().get(set_id, ("", "", "", ""))
    objects = project_objects(brief)
    key = len(library_texts())
    total = matched_weight = name_total = name_matched = 0.0
    matched, missing = [], []
    for word, w in objects.items():
        weight = w * _rarity(word, key)
        total += weight
        credit = _credit(word, text)
        if w == NAME_WEIGHT:
            name_total += weight
            name_matched += weight * credit
        if credit:
            matched_weight += weight * credit
            matched.append(word)
        else:
            missing.append(word)
    score = matched_weight / total if total else 1.0
    name_score = name_matched / name_total if name_total else 1.0
    clash = _clash(brief, set_id)
    head = ""
    if not isinstance(brief, str):  # what the project is: the name's last object word that is not an act
        head = _head(brief.name)
    kind = _other_kind(brief, set_id, missing)
    unmeasured = "" if clash else _unmeasured(brief, text)
    return Fit(set_id, round(score, 4), tuple(matched), tuple(missing), round(name_score, 4), head, clash, kind,
               unmeasured)


def _head(name: str) -> str:
    """What the project is: the name's last object word that says no act, an archetype's (改造) or any verb's
    (租赁: 机关办公用房租赁 is about 办公用房); empty for a one-word name."""
    from assistant.brief import _pos

    words = _tokens(name)
    names = [t for t in words if t not in _actions()]
    # a verb that ends the name says what is done (…办公用房租赁); inside it, it is part of a thing (科技创新券)
    bare = re.sub(r"(?:专项资金|专项经费|工作经费|资金|经费|费用|项目|工作)+$", "", name)
    if len(names) >= 2 and bare.endswith(names[-1]) and dict(_pos(name)).get(names[-1]) == "v":
        names = names[:-1]
    # a kind of work just before the act (教学楼抗震加固) says how the object is worked on, not what it is
    from assistant.drafters.compose import WORK_KINDS

    if len(names) >= 2 and names[-1] in WORK_KINDS and any(bare.endswith(names[-1] + a) for a in _actions()):
        names = names[:-1]
    return names[-1] if names and len(words) >= 2 else ""


# what the rows of a type that buys or builds count: the archetype triggers, and the things bought or built
_CAPITAL_WORDS = ("设备", "装备", "器材", "工程", "施工", "竣工", "验收")


def _unmeasured(brief: Brief | str, text: tuple[str, ...]) -> str:
    """"购置" when the project's name says the money buys or builds (设备购置, 改造) and the type's name, purposes and
    indicator names say nothing of buying or building: 社区卫生服务中心设备购置 is not 基本公共卫生服务, though both name
    the 社区卫生服务中心. Only capital work: running, subsidising or training are measured in words the rows need not
    share (委托 audits, 补助 a service)."""
    name = brief if isinstance(brief, str) else brief.name
    acts = _acts(_CAPITAL_REPAIR.sub("改造", name))
    if "capital" not in acts:
        return ""
    said = " ".join(text[:3])
    if any(w in said for w in _kin_triggers()["capital"]) or any(w in said for w in _CAPITAL_WORDS):
        return ""
    return acts["capital"]


def _other_kind(brief: Brief | str, set_id: str, missing: list[str]) -> str:
    """"空气质量≠水质" when the project's name and the type's name end in the same object and each says a kind of it
    the other never mentions (环境空气质量自动监测站 and 水质自动监测站): the rows measure the other kind."""
    name = brief if isinstance(brief, str) else brief.name
    mine = [t for t in _tokens(name) if t not in _actions()]
    theirs = [t for t in _tokens(_type_name(set_id)) if t not in _actions()]
    if len(mine) < 2 or len(theirs) < 2 or mine[-1] != theirs[-1]:
        return ""
    whole = name if isinstance(brief, str) else " ".join(x for x in (brief.name, brief.purpose, brief.goal) if x)
    my_kind, their_kind = mine[-2], theirs[-2]  # the word that says which kind: the one just before the head
    if my_kind in missing and not _found(their_kind, whole):
        return f"{my_kind}≠{their_kind}"
    return ""


# kinds of work that one table can measure: building and buying are capital, running and contracted service upkeep
_KIN = {"works": "capital", "equipment": "capital", "operation": "upkeep", "service": "upkeep",
        "inspection": "check", "enforcement": "check", "publicity": "outreach", "event": "outreach"}


# words that say different work in different projects (能力提升, 出版物更新, 维修更换, 食材采购, 人居环境整治)
# (巡查, 巡护: patrolling says where the work goes on, not a kind of work another type's rows could not measure)
_WEAK_ACTS = frozenset({"提升", "更新", "更换", "活动", "采购", "建设", "推广", "整治", "巡查", "巡护", "巡逻", "巡检", "巡线",
                        "巡河", "巡山"})


_CAPITAL_REPAIR = re.compile(r"维修改造|改造维修|维修加固|加固维修")

# an expense line that names no work (专项业务费—车辆, 工作经费, 运转经费) pays running costs: it buys and builds nothing
_RUNNING_COST = re.compile(r"业务费|工作经费|运行费|运转费|运转经费|日常经费|公用经费")


@lru_cache(maxsize=1)
def _kin_triggers() -> dict[str, frozenset[str]]:
    """kind of work -> every archetype trigger of that kind (capital: 新建 … 购置 … 更换)."""
    from assistant.drafters.compose import archetypes

    out: dict[str, set[str]] = {}
    for a in archetypes():
        if not a.get("names_the_work"):
            out.setdefault(_KIN.get(a["id"], a["id"]), set()).update(a["triggers"])
    return {k: frozenset(v) for k, v in out.items()}


@lru_cache(maxsize=4096)
def _acts(name: str) -> dict[str, str]:
    """kind of work -> the trigger that says it, for every archetype trigger the name holds (改造补助: capital and
    subsidy): what a name says its money does."""
    from assistant.drafters.compose import archetypes, institution_masked

    out: dict[str, str] = {}
    name = institution_masked(name)  # 培训机构 is a body, not 培训 work
    for a in archetypes():
        if not a.get("names_the_work"):
            for t in a["triggers"]:
                if t in name and t not in _WEAK_ACTS:
                    out.setdefault(_KIN.get(a["id"], a["id"]), t)
    return out


@lru_cache(maxsize=1024)
def _type_name(set_id: str) -> str:
    from retrieval.library import load_library

    return next((s.name for s in load_library() if s.id == set_id), "")


@lru_cache(maxsize=1)
def _actions() -> frozenset[str]:
    """Every archetype trigger: words that say what is done, never what the project is (its head)."""
    from assistant.drafters.compose import archetypes

    return frozenset(t for a in archetypes() for t in a["triggers"])


def _clash(brief: Brief | str, set_id: str) -> str:
    """"补贴≠改造" when the project's name and the type's name both say what the money does and share no kind of
    work; "" otherwise."""
    # a project named 维修改造 is renovating (works, not upkeep); a type named so measures both
    name = brief if isinstance(brief, str) else brief.name
    mine = _acts(_CAPITAL_REPAIR.sub("改造", name))
    theirs = _acts(_type_name(set_id))
    running = _RUNNING_COST.search(name)
    if not mine and running and set(theirs) == {"capital"}:  # 专项业务费—车辆 runs the cars; it buys none
        return f"{running.group()}≠{'、'.join(theirs.values())}"
    if not mine or not theirs or set(mine) & set(theirs):
        return ""
    return f"{'、'.join(mine.values())}≠{'、'.join(theirs.values())}"


def rank_by_fit(brief: Brief | str, hits: list) -> list:
    """Retrieval hits re-ordered so that types that fit come first, then by retrieval score with the fit as a small
    bonus (measured in eval/fit_calibration.py); each hit gets `.fit`."""
    top = max((h.score for h in hits), default=0.0) or 1.0
    for h in hits:
        h.fit = fit(brief, h.id)
    return sorted(hits, key=lambda h: -(h.fit.fits + 3 * h.score / top + 0.1 * h.fit.score))
