"""Word lists the rules use to read indicator names. Domain vocabularies live in data/domains.json."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

RATE_SUFFIX = (
    "率", "比例", "占比", "比重", "覆盖率", "满意度", "达标率", "合格率", "完好率", "及时率", "完成率", "准确率",
    "到位率", "使用率", "利用率", "下降率", "增长率", "节约率", "执行率", "响应率", "解决率", "处置率", "通过率",
    "出勤率", "入住率", "上线率", "可用率", "在线率", "比率", "指数", "系数", "幅度", "降幅", "增幅",
)
COUNT_WORDS = (
    "数", "数量", "次数", "人数", "人次", "场次", "批次", "个数", "台数", "辆数", "套数", "件数", "面积", "里程", "长度",
    "天数", "课时", "学时", "户数", "亩数", "吨数", "规模", "总量", "容量", "数目", "点位", "期数", "班次", "用量",
    "消耗量", "处理量", "清运量", "供应量", "发放量", "办件量", "访问量", "储备量", "存量", "增量", "产量", "流量",
    "总长", "全长", "宽度", "库容",
)
TIME_WORDS = (
    "时间", "时限", "期限", "工期", "周期", "及时", "按时", "按期", "前完成", "日前", "月前", "响应", "修复", "天内",
    "小时内", "时长", "时效", "进度", "时点", "期间", "频次", "月份", "天数", "年限", "日产日清", "日清", "当日", "当天",
    "限时", "准点", "准时", "到达", "办结", "工作日", "时间节点", "截止", "完工", "竣工", "交付", "上线",
)
COST_WORDS = (
    "成本", "费用", "费", "单价", "造价", "定额", "标准", "价格", "投资", "元", "节约", "超支", "经费", "补助", "补贴",
    "资金", "支出", "金额", "预算", "概算", "价",
)
REVERSE_WORDS = (
    "投诉", "事故", "故障", "差错", "失误", "违规", "超支", "能耗", "油耗", "单价", "价格", "响应时间", "修复时间",
    "等待", "缺陷", "隐患数", "伤亡", "损失", "排放", "噪声", "漏水", "停运", "延误", "辍学", "超标", "发生率", "发病率",
    "死亡率", "返工", "逾期", "积压", "时限", "成本", "费用", "造价", "耗", "等待时长", "停电时长", "故障时长",
    "中断时长", "处置时长", "响应时长", "办理时长", "停水时长", "排队时长",
)
POSITIVE_RATE_WORDS = ("合格", "完好", "达标", "满意", "覆盖", "及时", "完成率", "准确", "通过率", "知晓率", "成活率", "优良")
ECO_WORDS = (
    "能耗", "节能", "节水", "节电", "用电", "用水", "用气", "排放", "碳", "污染", "垃圾", "绿化", "扬尘", "噪声", "空气",
    "水质", "生态", "环境", "环保", "资源", "新能源", "回收", "无害化", "节约", "降尘", "植被", "森林", "水土", "湿地",
    "化肥", "农药", "减排", "废弃物", "废物", "废水", "污水", "油耗", "燃油", "电耗", "热耗", "耗热", "能源", "PM", "臭氧",
    "土壤", "河", "湖", "林", "绿", "秸秆", "粪污", "清洁", "低碳", "光伏", "耗", "臭气", "恶臭", "异味", "粉尘", "渗滤液",
    "噪音", "烟尘", "尾气", "油烟", "黑臭", "雾霾", "颗粒物", "二氧化", "氮氧化", "COD", "氨氮", "固废", "危废", "节材",
)
ECON_WORDS = (
    "节约", "节支", "节省", "费用", "成本", "收入", "增收", "降低", "减少", "产值", "产能", "产量", "效益", "经济", "资金",
    "损失", "价值", "税", "投资", "营业", "消费", "利润", "创收", "带动", "就业", "增加值", "支出", "负担", "价格", "元",
    # returns on assets and shares (资产收益扶贫, 村集体经济): 收益率, 分红, 返本
    "收益", "分红", "返本", "回报", "租金", "股金",
    # output a farm project sells (高标准农田: 新增粮食产能, 年增粮食3500公斤)
    "增粮", "增产",
)
SATISFACTION_WORDS = ("满意",)
RESPONDENT_WORDS = (
    "干部", "职工", "员工", "人员", "群众", "居民", "市民", "村民", "农户", "学生", "家长", "学员", "患者", "用户", "对象",
    "单位", "企业", "游客", "读者", "观众", "旅客", "乘客", "老人", "老年人", "残疾人", "会员", "代表", "委员", "教师",
    "就餐", "用车", "参会", "参训", "服务对象", "受益", "受助", "救助", "来访", "办事", "业主", "住户", "租户", "商户",
    "考生", "家属", "社区", "公众", "社会公众", "听众", "师生", "当事人", "申请人", "使用",
)
SERVICE_OBJECT_WORDS = (
    "职工", "干部", "群众", "学生", "学员", "用户", "服务对象", "就餐", "用车", "居民", "市民", "村民", "农户", "患者",
    "老人", "老年", "残疾", "儿童", "游客", "读者", "企业", "参会", "培训", "救助", "补贴", "补助", "资助", "食堂", "办公",
    "服务", "保障", "会议", "活动",
)
PROCESS_BLACKLIST = (
    "预算执行率", "资金到位率", "资金拨付率", "资金支付及时率", "资金使用合规性", "资金使用率", "支出进度", "支出率",
    "资金支出情况", "足额保障率", "经费保障率", "经费保障覆盖率", "科目调整次数", "结余率", "成本控制率", "资金兑付率",
    "工程资金金额", "项目资金", "规章制度建立", "采购程序规范性", "相关支出次数", "执行相关规定", "按规定使用资金",
    "专款专用率", "专款专用", "资金支出", "项目支出", "办公经费", "人员经费保障覆盖率", "支出次数", "资金使用",
    "经费保障覆盖", "保障支出", "资金成本", "预算控制", "控制在预算", "资金执行", "资金保障率", "经费执行",
    "资金安全", "财务管理", "支付进度", "拨付及时", "拨付进度",
)
GENERIC_BENEFIT_PHRASES = (
    "保障正常运转", "保障单位正常运转", "提升服务水平", "促进发展", "提高工作效率", "维护社会稳定", "社会稳定",
    "推进", "完善建设", "改善状况", "改造效果", "保障能力提升", "职工权益保障", "提供办公场所", "正常运行",
)

MEASURE_UNITS = (
    "%", "％", "‰", "℃", "元", "万元", "个", "次", "人", "人次", "辆", "台", "套", "件", "项", "份", "篇", "场", "期",
    "班", "平方米", "㎡", "公里", "米", "吨", "升", "亩", "天", "日", "小时", "分钟", "月", "年", "户", "所", "家", "座",
    "处", "条", "部", "本", "册", "起", "块", "批", "间", "张", "株", "只", "头", "学时", "课时", "千瓦时", "kWh", "度",
)


_ALTERNATIONS: dict[int, tuple[tuple[str, ...], re.Pattern]] = {}


def _alternation(words: tuple[str, ...]) -> re.Pattern:
    """One compiled pattern per word list: a regex alternation scans the text once instead of once per word."""
    hit = _ALTERNATIONS.get(id(words))
    if hit is not None and hit[0] is words:  # the tuple is kept alive in the cache, so its id cannot be reused
        return hit[1]
    if len(_ALTERNATIONS) > 1024:
        _ALTERNATIONS.clear()
    pattern = _compile_words(tuple(words))
    _ALTERNATIONS[id(words)] = (words, pattern)
    return pattern


@lru_cache(maxsize=2048)
def _compile_words(words: tuple[str, ...]) -> re.Pattern:
    """A tuple built afresh on each call still compiles once: the cache is keyed by its content."""
    return re.compile("|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True) if w) or r"(?!)")


def _any(text: str, words: tuple[str, ...]) -> bool:
    if len(words) < 4:
        return any(w in text for w in words)
    return _alternation(words).search(text) is not None


def has_any(text: str, words: tuple[str, ...]) -> bool:
    """True when the text contains any of the words."""
    return _any(text or "", words)


@lru_cache(maxsize=16384)
def is_rate_name(name: str) -> bool:
    core = re.sub(r"[（(][^）)]*[）)]$", "", name or "").strip()
    return core.endswith(RATE_SUFFIX) or "满意度" in core or core.endswith("率")


@lru_cache(maxsize=16384)
def is_count_name(name: str) -> bool:
    core = re.sub(r"[（(][^）)]*[）)]$", "", name or "").strip()
    if is_rate_name(core):
        return False
    return core.endswith(("数", "数量", "次数", "人数", "人次", "场次", "批次", "个数", "台数", "辆数", "套数", "件数",
                          "户数", "天数", "课时", "学时", "面积", "里程", "长度", "亩数", "吨数", "总量"))


# one tuple for the life of the process: a tuple built per call got its own _ALTERNATIONS entry each time
_MEASURABLE = RATE_SUFFIX + COUNT_WORDS + TIME_WORDS + COST_WORDS + SATISFACTION_WORDS + MEASURE_UNITS


@lru_cache(maxsize=16384)
def is_measurable_name(name: str) -> bool:
    """N01: the name says what is measured (a rate, a count, a time, a cost, a satisfaction…)."""
    return _any(name, _MEASURABLE)


@lru_cache(maxsize=65536)
def normalize_name(name: str) -> str:
    """Name key for duplicate detection: no brackets, spaces or punctuation."""
    return re.sub(r"[\s（）()【】\[\]《》“”\"'、，,。.：:；;%（）]", "", name or "")


@lru_cache(maxsize=65536)
def bigrams(text: str) -> frozenset[str]:
    t = normalize_name(text)
    return frozenset({t[i:i + 2] for i in range(len(t) - 1)} or ({t} if t else set()))


_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")


def cjk_bigrams(text: str, stop: frozenset[str] | set[str] = frozenset()) -> set[str]:
    """Bigrams within each run of Chinese characters (none across punctuation, digits or spaces), minus the stop
    bigrams."""
    grams = cjk_bigram_set(text or "")
    return set(grams - stop) if stop else set(grams)


@lru_cache(maxsize=65536)
def cjk_bigram_set(text: str) -> frozenset[str]:
    """`cjk_bigrams` without stop words, as a frozenset kept per text: the rules ask for the same row texts on
    every check of a sheet (a rewrite re-checks each project many times)."""
    out: set[str] = set()
    for run in _CJK_RUN.findall(text):
        out.update(map(str.__add__, run, run[1:]))
    return frozenset(out)


def jaccard(a: str, b: str) -> float:
    x, y = bigrams(a), bigrams(b)
    if not x or not y:
        return 0.0
    return len(x & y) / len(x | y)


@lru_cache(maxsize=1)
def _domains_file() -> dict:
    """data/domains.json, read once."""
    return json.loads(resources.files("assistant.data").joinpath("domains.json").read_text(encoding="utf-8"))


def domains() -> dict[str, dict[str, list[str]]]:
    """Domain vocabularies: {domain: {"words": [...], "triggers": [...]}} from data/domains.json."""
    return _domains_file()["domains"]


def _exclusions() -> dict[str, list[str]]:
    return _domains_file().get("exclusions", {})


@lru_cache(maxsize=1)
def same_object_names() -> dict[str, tuple[str, ...]]:
    """word -> the other names of the same object (data/domains.json "same_objects": 饭堂 and 伙房 are 食堂)."""
    return {w: tuple(x for x in group if x != w) for group in _domains_file().get("same_objects", []) for w in group}


def _without_exclusions(text: str, word: str) -> str:
    for longer in _exclusions().get(word, []):
        text = text.replace(longer, "")
    return text


@lru_cache(maxsize=16)
def _first_char_index(groups: tuple[tuple[str, ...], ...]) -> dict[str, tuple[tuple[str, frozenset[int]], ...]]:
    owners: dict[str, set[int]] = {}
    for k, g in enumerate(groups):
        for w in g:
            if w:
                owners.setdefault(w, set()).add(k)
    index: dict[str, list[tuple[str, frozenset[int]]]] = {}
    for w, ks in owners.items():
        index.setdefault(w[0], []).append((w, frozenset(ks)))
    return {ch: tuple(items) for ch, items in index.items()}


def groups_in(text: str, groups: tuple[tuple[str, ...], ...]) -> set[int]:
    """Indices of the groups with at least one word in the text: the same as testing `w in text` for every word,
    but only the words whose first character occurs in the text are tested."""
    index = _first_char_index(groups)
    found: set[int] = set()
    for ch in set(text or ""):
        for w, ks in index.get(ch, ()):
            if not ks <= found and w in text:
                found |= ks
    return found


@lru_cache(maxsize=2)
def synonym_groups(work: bool = True) -> tuple[tuple[str, ...], ...]:
    """Words that name the same object (data/domains.json "synonyms"), plus, with work=True, the same kind of work
    (read once: the relevance rules ask for them on every sheet)."""
    data = _domains_file()
    return tuple(tuple(g) for g in data.get("synonyms", []) + (data.get("work_synonyms", []) if work else []))


def expand_synonyms(text: str, work: bool = True) -> str:
    """The text plus every synonym of each object (and, with work=True, each kind of work) it names."""
    groups = synonym_groups(work)
    extra = [w for k in sorted(groups_in(text, groups)) for w in groups[k]]
    return text + " " + " ".join(extra) if extra else text


def foreign_domain_words(text: str, project_text: str) -> list[tuple[str, str]]:
    """(domain, word) pairs found in text whose domain the project's own text never mentions."""
    return list(_foreign_domain_words(text or "", project_text or ""))


@lru_cache(maxsize=16384)
def _foreign_domain_words(text: str, project_text: str) -> tuple[tuple[str, str], ...]:
    hits: list[tuple[str, str]] = []
    for domain, vocab in domains().items():
        words = [w for w in vocab["words"] if w in text and w in _without_exclusions(text, w)]
        if not words:
            continue
        licensed = any(t in project_text for t in vocab["words"] + vocab.get("triggers", []))
        if not licensed:
            hits.append((domain, words[0]))
    return tuple(hits)
